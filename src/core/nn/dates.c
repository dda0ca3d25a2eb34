/*-------------------------------------------------------------------------
 *
 * dates.c
 *	  The encodings of a date or timestamp feature (the option dates of
 *	  train_model; the README, "Dates"): how many inputs each gives.  The
 *	  glue computes their values (src/pg/coerce.c); the weights format
 *	  stores the set (docs/model-format.md).
 *
 * src/core/nn/dates.c
 *
 *-------------------------------------------------------------------------
 */
#include "dl_nn.h"

int
dl_date_inputs(unsigned encodings)
{
	static const int inputs[] = {1, 7, 12, 2, 2};	/* per DL_DATE_* bit, in order */
	int			n = 0;

	if ((encodings & ~DL_DATE_ALL) != 0)
		return 0;
	for (int b = 0; b < 5; b++)
		if (encodings & (1u << b))
			n += inputs[b];
	return n;
}
