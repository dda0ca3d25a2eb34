/*-------------------------------------------------------------------------
 *
 * histogram.c
 *	  The bin of a value in an equal-width histogram.
 *
 * The arithmetic is PostgreSQL's width_bucket_float8, so pgdl.histogram puts
 * every in-range value where width_bucket(x, lo, hi, bins) - 1 does: the
 * quotient (x - lo) / (hi - lo) is computed first (monotone in x, so bins
 * never overlap) and the product clamped, because it can round up to bins
 * for x just below hi.  When hi - lo overflows, both sides are halved,
 * which is exact for such large magnitudes.
 *
 * src/core/histogram.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>

#include "pgdl_core.h"

/*
 * The caller checked lo < hi (both finite) and bins >= 1 and skips NaN;
 * anything else still gives a bin in [0, bins), never a crash.
 */
int
dl_histogram_bin(double x, double lo, double hi, int bins)
{
	double		r;

	if (bins <= 1)
		return 0;
	/* below lo, -Infinity (and NaN, which the caller should have skipped) */
	if (!(x >= lo))
		return 0;
	/* hi itself, above, +Infinity */
	if (x >= hi)
		return bins - 1;

	if (!isinf(hi - lo))
		r = (double) bins * ((x - lo) / (hi - lo));
	else
		r = (double) bins * ((x / 2 - lo / 2) / (hi / 2 - lo / 2));

	/* NaN only from non-finite bounds, which the caller rejects */
	if (!(r >= 0.0))
		return 0;
	if (r >= (double) bins)
		return bins - 1;
	return (int) r;
}
