/*-------------------------------------------------------------------------
 *
 * moments.c
 *	  One-pass, mergeable mean and central moments up to the 4th.
 *
 * Updates follow Welford (1962) / Youngs-Cramer for the mean and M2 and
 * Pebay (2008, SAND2008-6212) for M3 and M4; merging two partial results
 * uses Chan, Golub and LeVeque's pairwise formula with Pebay's higher-order
 * terms.  All of them work on deviations from the running mean, so data
 * like 1e9 + U(0,1) keeps full precision where the textbook sum-of-squares
 * formula loses every digit.  On top of that each accumulator works on
 * x - K, K being its first value (the "shifted data" method): for data whose
 * spread is tiny next to its magnitude, x - K is exact (Sterbenz), so even
 * the running mean's rounding no longer limits the variance.
 *
 * Values first go into a block of DL_MOMENTS_BLOCK power sums of
 * d = (x - K) - mean, the running mean fixed while the block fills: a
 * value costs a few multiply-adds, without the division and the chain of
 * dependent updates of a Welford step, and a row of many variables
 * vectorizes.  A full block becomes central moments (M2 = S2 - S1^2/b, ...)
 * and is merged with the formulas above.  Centring on the running mean
 * rather than on, say, the block's first value keeps the cancellation in
 * those differences relative to the deviations that the total moments
 * contain anyway, so the blocks cost no accuracy that matters.
 *
 * Only finite values enter the accumulators.  NaN and the two infinities are
 * counted, and the finalizers rebuild what PostgreSQL's float8 aggregates
 * would return for the same input (see pgdl_core.h).
 *
 * src/core/moments.c
 *
 *-------------------------------------------------------------------------
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "pgdl_core.h"

/*
 * Merges accumulators b into a (Chan et al., Pebay); both are non-empty and
 * delta is mean(b) - mean(a) in the original units.
 */
static inline void
moments_combine(double *n, double *mean, double *m2, double *m3, double *m4,
				double nb, double delta, double m2b, double m3b, double m4b)
{
	double		na = *n;
	double		nt,
				delta2,
				nanb;
	double		m2a = *m2,
				m3a = *m3;

	nt = na + nb;
	delta2 = delta * delta;
	nanb = na * nb;

	*mean += delta * nb / nt;
	*m4 += m4b + delta2 * delta2 * nanb * (na * na - nanb + nb * nb) / (nt * nt * nt) +
		6.0 * delta2 * (na * na * m2b + nb * nb * m2a) / (nt * nt) +
		4.0 * delta * (na * m3b - nb * m3a) / nt;
	*m3 += m3b + delta2 * delta * nanb * (na - nb) / (nt * nt) +
		3.0 * delta * (na * m2b - nb * m2a) / nt;
	*m2 += m2b + delta2 * nanb / nt;
	*n = nt;
}

void
dl_moments_init(dl_moments *m)
{
	memset(m, 0, sizeof(*m));
	m->min = INFINITY;
	m->max = -INFINITY;
}

/* merges the pending block of power sums into the central moments */
static void
flush_block(dl_moments *m)
{
	double		b = m->bn,
				s1 = m->s1,
				s2 = m->s2,
				s3 = m->s3,
				s4 = m->s4;
	double		mb,
				c2,
				c3,
				c4;

	if (b == 0.0)
		return;
	/* central moments of the block about its own mean, mean + mb */
	mb = s1 / b;
	c2 = s2 - s1 * mb;
	c3 = s3 - 3.0 * mb * s2 + 2.0 * mb * mb * s1;
	c4 = s4 - 4.0 * mb * s3 + 6.0 * mb * mb * s2 - 3.0 * mb * mb * mb * s1;
	/* rounding may leave an even moment a hair below zero */
	if (c2 < 0.0)
		c2 = 0.0;
	if (c4 < 0.0)
		c4 = 0.0;
	if (m->n == 0.0)
	{
		m->n = b;
		m->mean += mb;
		m->m2 = c2;
		m->m3 = c3;
		m->m4 = c4;
	}
	else
		moments_combine(&m->n, &m->mean, &m->m2, &m->m3, &m->m4, b, mb, c2, c3, c4);
	m->bn = m->s1 = m->s2 = m->s3 = m->s4 = 0.0;
}

/* a copy with the pending block merged, for the getters */
static dl_moments
flushed(const dl_moments *m)
{
	dl_moments	c = *m;

	flush_block(&c);
	return c;
}

/* adds the finite x to the block (and flushes a full block) */
static inline void
block_add(dl_moments *m, double x)
{
	double		d,
				d2;

	if (m->n + m->bn == 0.0)
		m->shift = x;
	d = (x - m->shift) - m->mean;
	d2 = d * d;
	m->s1 += d;
	m->s2 += d2;
	m->s3 += d2 * d;
	m->s4 += d2 * d2;
	m->bn += 1.0;
	if (m->bn >= DL_MOMENTS_BLOCK)
		flush_block(m);
}

void
dl_moments_add(dl_moments *m, double x)
{
	if (isnan(x))
		m->n_nan += 1.0;
	else if (isinf(x))
	{
		if (x > 0)
			m->n_posinf += 1.0;
		else
			m->n_neginf += 1.0;
	}
	else
	{
		block_add(m, x);
		if (x < m->min)
			m->min = x;
		if (x > m->max)
			m->max = x;
	}
}

void
dl_moments_merge(dl_moments *a, const dl_moments *bin)
{
	dl_moments	bf = flushed(bin);
	const dl_moments *b = &bf;

	flush_block(a);
	if (a->n == 0.0)
	{
		a->n = b->n;
		a->shift = b->shift;
		a->mean = b->mean;
		a->m2 = b->m2;
		a->m3 = b->m3;
		a->m4 = b->m4;
	}
	else if (b->n > 0.0)
		moments_combine(&a->n, &a->mean, &a->m2, &a->m3, &a->m4, b->n,
						(b->shift - a->shift) + (b->mean - a->mean),
						b->m2, b->m3, b->m4);
	if (b->min < a->min)
		a->min = b->min;
	if (b->max > a->max)
		a->max = b->max;
	a->n_nan += b->n_nan;
	a->n_posinf += b->n_posinf;
	a->n_neginf += b->n_neginf;
}

/* largest integer a double counts exactly */
#define MAX_EXACT_COUNT 9007199254740992.0

static bool
is_count(double c)
{
	return c >= 0.0 && c <= MAX_EXACT_COUNT && c == floor(c);
}

/* ---- validation -------------------------------------------------------------
 *
 * A record from outside must be one that some finite values, NaNs and
 * infinities could have produced, so that no final function returns what no
 * data gives.  Besides its structure (counts, the sentinels of an empty
 * record, an empty pending block without sums), dl_moments_check holds it
 * to the relations the accumulators keep, on the record with its pending
 * block merged (what every getter reads):
 *
 *	- the first value (the shift) lies within [min, max], and a record whose
 *	  finite values are all equal (min = max) has no deviation at all: its
 *	  mean of x - shift and its moments are exactly 0;
 *	- mean within [min, max];
 *	- with R = max - min and mu_k = M_k / n: R^2 / (2 n) <= mu_2 <= R^2 / 4
 *	  (the minimum and the maximum are values; Popoviciu), |mu_3| <= R mu_2,
 *	  mu_4 <= R^2 mu_2 (every deviation is at most R), and Pearson's
 *	  inequality mu_4 mu_2 >= mu_3^2 + mu_2^3 (so kurtosis >= skewness^2 + 1;
 *	  it implies mu_4 >= mu_2^2, also checked alone); M_2 and M_4 are never
 *	  negative, before the pending block is merged or after;
 *	- the pending block's sums keep Cauchy-Schwarz: s1^2 <= bn s2 and
 *	  s2^2 <= bn s4.
 *
 * Rounding.  Each relation holds exactly for the exact values, so the
 * question is how far rounding can move the stored ones.  Every step of
 * the accumulators (Welford/Youngs-Cramer blocks, Chan et al.'s and
 * Pebay's merges) works on deviations from the running mean, each bounded
 * by about R, and adds an error of a few units in the last place of its
 * terms; a term of M_k is at most R^(k-2) times one of M_2 (Pebay's cross
 * terms too: delta^2 n_a n_b / n is part of M_2 and |M_3| <= R M_2), so
 * the error of mu_k is a few units of R^(k-2) mu_2 (of R for the mean);
 * the errors of successive steps add up (merging weights the means' errors
 * by n_a / n and n_b / n, which does not grow them), and there are at most
 * n steps.  The slack is therefore tau R^(k-2) mu_2 for mu_k (tau R^2 for
 * mu_2, tau R for the mean) with tau = 2^-43 (n + 64), dl_moments_tolerance:
 * 1024 units of 2^-53 per value, a margin of hundreds over that analysis,
 * and never below 64 values' worth.  The mean also gets 4 units in the last
 * place of max(|min|, |max|) for the final shift + mean, and n + 64
 * subnormal units: denormal data rounds in absolute terms, half a unit at
 * each of at most n + n / 64 merges of blocks and states.  At a million
 * values the slack is 2.3e-7 of the range, far below anything a forged
 * state would need to mislead.  The relations are checked in units of
 * 2^ilogb(R), so neither huge nor tiny ranges overflow the check itself.
 * (With no slack at all, the unit tests' states of outliers, +-1e100 and
 * two-point data are refused: it is needed.)
 *
 * Overflow and underflow.  An accumulator of the k-th power of deviations
 * (the mean and s1: k = 1; m2 and s2: 2; ...) overflows when R^k times the
 * count and Pebay's factors passes the float8 range; then the state holds
 * Infinity or NaN there (the final functions raise 22003, or, for the third
 * and fourth moments, return NaN skewness and kurtosis, as the built-in
 * aggregates' own overflow does).  So an accumulator that is not finite is
 * refused unless R^k n^4 is within 2^24 of the float8 limit, and a finite
 * one keeps its relations (once infinite, no step makes it finite again).
 * Where R^k is within 2^60 of the subnormal range, products of deviations
 * lose their digits, and the relations of that power are not checked.
 */

/* can accumulators of the k-th power of deviations of n values within range have overflowed? */
static bool
may_overflow(int k, double range, double n)
{
	if (range == 0.0)
		return false;
	/* intermediates reach about range^k n^4 (Pebay's merge terms) */
	return !(k * log2(range) + 4.0 * log2(n + 64.0) + 24.0 < DBL_MAX_EXP);
}

/* are the k-th powers of deviations within range near the subnormal range? */
static bool
near_underflow(int k, double range)
{
	return k * log2(range) < DBL_MIN_EXP + 60;
}

/* x / 2^(k e), the k-th power of the range's unit taken out */
static inline double
unit(double x, int k, int e)
{
	return ldexp(x, -k * e);
}

#define BAD(...) dl_detail_set(why, DL_EFORMAT, __VA_ARGS__)

/* the relations of a record with no pending block, n > 0 finite values, range > 0 */
static dl_status
check_relations(const dl_moments *f, double range, dl_detail *why)
{
	double		n = f->n;
	double		tau = dl_moments_tolerance(n);
	double		mag = fmax(fabs(f->min), fabs(f->max));
	double		mean = f->shift + f->mean;
	int			e;
	double		r,
				mu2 = 0,
				mu3 = 0,
				mu4 = 0;
	bool		ok2,
				ok3,
				ok4;

	if (isfinite(mean) && isfinite(range))
	{
		double		slack = tau * range + 4 * DBL_EPSILON * mag + (n + 64.0) * DBL_TRUE_MIN;

		if (!(mean >= f->min - slack && mean <= f->max + slack))
			return BAD("the mean is outside the minimum and maximum");
	}
	if (!isfinite(range))
		return DL_OK;

	e = ilogb(range);
	r = unit(range, 1, e);
	ok2 = isfinite(f->m2) && !near_underflow(2, range);
	ok3 = isfinite(f->m3) && !near_underflow(3, range);
	ok4 = isfinite(f->m4) && !near_underflow(4, range);
	if (ok2)
		mu2 = unit(f->m2, 2, e) / n;
	if (ok3)
		mu3 = unit(f->m3, 3, e) / n;
	if (ok4)
		mu4 = unit(f->m4, 4, e) / n;

	if (ok2 && !(mu2 <= r * r * (0.25 + tau)))
		return BAD("the variance is above (max - min)^2 / 4");
	/* the minimum and the maximum are values: m2 >= R^2 / 2 */
	if (ok2 && !(mu2 >= r * r / (2 * n) * (1 - tau)))
		return BAD("the variance is below what the minimum and maximum alone give");
	if (ok2 && ok3 && !(fabs(mu3) <= r * mu2 * (1 + 2 * tau)))
		return BAD("the third central moment is above (max - min) times the second");
	if (ok2 && ok4 && !(mu4 <= r * r * mu2 * (1 + 2 * tau)))
		return BAD("the fourth central moment is above (max - min)^2 times the second");
	if (ok2 && ok4 && !(mu4 >= mu2 * mu2 - 4 * tau * r * r * mu2))
		return BAD("the fourth central moment is below the square of the second");
	if (ok2 && ok3 && ok4 &&
		!(mu4 * mu2 >= mu3 * mu3 + mu2 * mu2 * mu2 - 16 * tau * r * r * mu2 * mu2))
		return BAD("the moments break Pearson's inequality (kurtosis >= skewness^2 + 1)");
	return DL_OK;
}

/* the pending block's power sums keep Cauchy-Schwarz */
static dl_status
check_block(const dl_moments *m, double range, dl_detail *why)
{
	double		tau = dl_moments_tolerance(m->n + m->bn);
	int			e;
	double		r;

	if (m->bn == 0.0 || range == 0.0 || !isfinite(range))
		return DL_OK;
	e = ilogb(range);
	r = unit(range, 1, e);
	if (isfinite(m->s1) && isfinite(m->s2) && !near_underflow(2, range))
	{
		double		a = unit(m->s1, 1, e) / m->bn,
					b = unit(m->s2, 2, e) / m->bn;

		if (!(a * a <= b * (1 + tau) + tau * r * r))
			return BAD("the sums of the pending block break Cauchy-Schwarz");
	}
	if (isfinite(m->s2) && isfinite(m->s4) && !near_underflow(4, range))
	{
		double		b = unit(m->s2, 2, e) / m->bn,
					d = unit(m->s4, 4, e) / m->bn;

		if (!(b * b <= d * (1 + tau) + tau * r * r * r * r))
			return BAD("the sums of the pending block break Cauchy-Schwarz");
	}
	return DL_OK;
}

dl_status
dl_moments_check(const dl_moments *m, dl_detail *why)
{
	static const char *const names[8] = {
		"mean", "second central moment", "third central moment", "fourth central moment",
		"sum of the pending block", "sum of squares of the pending block",
		"sum of cubes of the pending block", "sum of fourth powers of the pending block"
	};
	double		acc[8] = {m->mean, m->m2, m->m3, m->m4, m->s1, m->s2, m->s3, m->s4};
	double		range,
				finite;
	dl_moments	f;

	if (!is_count(m->n) || !is_count(m->n_nan) ||
		!is_count(m->n_posinf) || !is_count(m->n_neginf) ||
		!is_count(m->bn) || m->bn >= DL_MOMENTS_BLOCK)
		return BAD("a count is not a count");
	if (m->n + m->bn + m->n_nan + m->n_posinf + m->n_neginf > MAX_EXACT_COUNT)
		return BAD("the counts add up to more than 2^53 values");
	if (m->bn == 0.0 && (m->s1 != 0.0 || m->s2 != 0.0 || m->s3 != 0.0 || m->s4 != 0.0))
		return BAD("the pending block has sums but no values");
	/* sums of even powers: never negative (NaN only from an overflow, below) */
	if (m->s2 < 0.0 || m->s4 < 0.0 || m->m2 < 0.0 || m->m4 < 0.0)
		return BAD("a sum of even powers of deviations is negative");
	finite = m->n + m->bn;
	/* an empty variable keeps the +Inf/-Inf sentinels of dl_moments_init */
	if (finite == 0.0)
	{
		if (m->shift == 0.0 && m->mean == 0.0 && m->m2 == 0.0 && m->m3 == 0.0 && m->m4 == 0.0 &&
			m->min == INFINITY && m->max == -INFINITY)
			return DL_OK;
		return BAD("a variable without finite values has moments");
	}
	/* nothing was merged yet: the block is centred on a mean of 0 */
	if (m->n == 0.0 && (m->mean != 0.0 || m->m2 != 0.0 || m->m3 != 0.0 || m->m4 != 0.0))
		return BAD("moments without merged values");
	if (!isfinite(m->min) || !isfinite(m->max) || m->min > m->max)
		return BAD("the minimum and maximum are not valid");
	if (!(m->shift >= m->min && m->shift <= m->max))
		return BAD("the first value is outside the minimum and maximum");
	range = m->max - m->min;

	/* infinite or NaN only where values within the range can overflow */
	for (int i = 0; i < 8; i++)
		if (!isfinite(acc[i]) && !may_overflow(i % 4 + 1, range, finite))
			return BAD("the %s is not finite, yet values within the minimum and maximum cannot overflow it",
					   names[i]);

	/* all finite values equal the first: no deviation anywhere */
	if (range == 0.0)
	{
		for (int i = 0; i < 8; i++)
			if (acc[i] != 0.0)
				return BAD("the %s is not 0, yet every value equals the minimum and maximum", names[i]);
		return DL_OK;
	}
	if (check_block(m, range, why) != DL_OK)
		return DL_EFORMAT;
	f = flushed(m);
	/* what the getters read, and what a merge stores */
	if (f.m2 < 0.0 || f.m4 < 0.0)
		return BAD("a sum of even powers of deviations is negative once the pending block is merged");
	return check_relations(&f, range, why);
}

/*
 * The moments of |x| (ax) and of x, for the same values (regression
 * metrics keep both for the errors): the same counts, |x| never negative,
 * the largest |x| that of the minimum or maximum of x, mean |x| >= |mean x|
 * and, above all, the same mean square: var(|x|) + mean(|x|)^2 = var(x) +
 * mean(x)^2, which is what makes mae <= rmse.  Both records have passed
 * dl_moments_check; the slack is that of its relations (the mean of x^2
 * compounds two means and a variance: 128 tau of max |x|^2).
 */
dl_status
dl_moments_check_abs(const dl_moments *x, const dl_moments *ax, dl_detail *why)
{
	dl_moments	fx,
				fa;
	double		n,
				big,
				tau,
				mx,
				ma;

	if (ax->n != x->n || ax->bn != x->bn || ax->n_nan != x->n_nan ||
		ax->n_posinf != x->n_posinf + x->n_neginf || ax->n_neginf != 0)
		return BAD("the absolute values count other values than the values");
	if (x->n + x->bn == 0)
		return DL_OK;
	big = fmax(fabs(x->min), fabs(x->max));
	if (!(ax->min >= 0) || ax->max != big ||
		(x->min >= 0 && ax->min != x->min) ||
		(x->max <= 0 && ax->min != -x->max) ||
		ax->min > fmin(fabs(x->min), fabs(x->max)))
		return BAD("the minimum and maximum absolute values are not those of the values");
	fx = flushed(x);
	fa = flushed(ax);
	n = fx.n;
	tau = dl_moments_tolerance(n);
	mx = fx.shift + fx.mean;
	ma = fa.shift + fa.mean;
	if (!isfinite(mx) || !isfinite(ma) || !isfinite(big))
		return DL_OK;
	if (!(fabs(mx) <= ma + 4 * tau * big + 8 * DBL_EPSILON * big + (n + 64.0) * 2 * DBL_TRUE_MIN))
		return BAD("the mean absolute value is below the absolute value of the mean");
	if (big > 0 && isfinite(fx.m2) && isfinite(fa.m2) && !near_underflow(2, big))
	{
		int			e = ilogb(big);
		double		b = unit(big, 1, e),
					sx = unit(mx, 1, e),
					sa = unit(ma, 1, e);
		double		sq_x = sx * sx + unit(fx.m2, 2, e) / n,
					sq_a = sa * sa + unit(fa.m2, 2, e) / n;

		if (!(fabs(sq_x - sq_a) <= 128 * tau * b * b))
			return BAD("the mean squares of the values and of their absolute values differ");
	}
	return DL_OK;
}

double
dl_moments_tolerance(double n)
{
	return 512.0 * DBL_EPSILON * (n + 64.0);
}

bool
dl_moments_overflowed(const dl_moments *m)
{
	dl_moments	f = flushed(m);

	return f.n > 0.0 && (!isfinite(f.mean) || !isfinite(f.m2));
}

double
dl_moments_count(const dl_moments *m)
{
	return m->n + m->bn + m->n_nan + m->n_posinf + m->n_neginf;
}

static bool
has_nonfinite(const dl_moments *m)
{
	return m->n_nan > 0.0 || m->n_posinf > 0.0 || m->n_neginf > 0.0;
}

double
dl_moments_mean(const dl_moments *m)
{
	dl_moments	f;

	if (m->n_nan > 0.0 || (m->n_posinf > 0.0 && m->n_neginf > 0.0))
		return NAN;
	if (m->n_posinf > 0.0)
		return INFINITY;
	if (m->n_neginf > 0.0)
		return -INFINITY;
	f = flushed(m);
	if (f.n == 0.0)
		return NAN;
	return f.shift + f.mean;
}

double
dl_moments_variance(const dl_moments *m)
{
	dl_moments	f;

	if (dl_moments_count(m) < 2.0 || has_nonfinite(m))
		return NAN;
	f = flushed(m);
	return f.m2 / (f.n - 1.0);
}

double
dl_moments_pop_variance(const dl_moments *m)
{
	dl_moments	f;

	if (dl_moments_count(m) < 1.0 || has_nonfinite(m))
		return NAN;
	f = flushed(m);
	return f.m2 / f.n;
}

double
dl_moments_skewness(const dl_moments *m, bool *defined)
{
	dl_moments	f = flushed(m);

	*defined = dl_moments_count(m) >= 2.0 && (has_nonfinite(m) || f.m2 > 0.0);
	if (!*defined)
		return NAN;
	if (has_nonfinite(m) || !isfinite(f.m3))
		return NAN;
	/* g1 = (M3/n) / (M2/n)^1.5 */
	return sqrt(f.n) * f.m3 / pow(f.m2, 1.5);
}

double
dl_moments_kurtosis(const dl_moments *m, bool *defined)
{
	dl_moments	f = flushed(m);

	*defined = dl_moments_count(m) >= 2.0 && (has_nonfinite(m) || f.m2 > 0.0);
	if (!*defined)
		return NAN;
	if (has_nonfinite(m) || !isfinite(f.m4))
		return NAN;
	/* g2 = (M4/n) / (M2/n)^2 - 3 */
	return f.n * f.m4 / (f.m2 * f.m2) - 3.0;
}

/* NaN sorts above every number, as in PostgreSQL's float8 comparisons */
double
dl_moments_min(const dl_moments *m)
{
	if (m->n_neginf > 0.0)
		return -INFINITY;
	if (m->n + m->bn > 0.0)
		return m->min;
	if (m->n_posinf > 0.0)
		return INFINITY;
	return NAN;
}

double
dl_moments_max(const dl_moments *m)
{
	if (m->n_nan > 0.0)
		return NAN;
	if (m->n_posinf > 0.0)
		return INFINITY;
	if (m->n + m->bn > 0.0)
		return m->max;
	if (m->n_neginf > 0.0)
		return -INFINITY;
	return NAN;
}

/* ---- structure of arrays ------------------------------------------------ */

size_t
dl_moments_soa_nslots(int d)
{
	return (size_t) DL_MOMENTS_NFIELDS * (size_t) d;
}

void
dl_moments_soa_bind(dl_moments_soa *v, double *buf, int d)
{
	v->d = d;
	v->n = buf;
	v->shift = buf + d;
	v->mean = buf + 2 * (size_t) d;
	v->m2 = buf + 3 * (size_t) d;
	v->m3 = buf + 4 * (size_t) d;
	v->m4 = buf + 5 * (size_t) d;
	v->min = buf + 6 * (size_t) d;
	v->max = buf + 7 * (size_t) d;
	v->n_nan = buf + 8 * (size_t) d;
	v->n_posinf = buf + 9 * (size_t) d;
	v->n_neginf = buf + 10 * (size_t) d;
	v->bn = buf + 11 * (size_t) d;
	v->s1 = buf + 12 * (size_t) d;
	v->s2 = buf + 13 * (size_t) d;
	v->s3 = buf + 14 * (size_t) d;
	v->s4 = buf + 15 * (size_t) d;
}

void
dl_moments_soa_init(dl_moments_soa *v, double *buf, int d)
{
	dl_moments_soa_bind(v, buf, d);
	memset(buf, 0, dl_moments_soa_nslots(d) * sizeof(double));
	for (int i = 0; i < d; i++)
	{
		v->min[i] = INFINITY;
		v->max[i] = -INFINITY;
	}
}

void
dl_moments_soa_get(const dl_moments_soa *v, int i, dl_moments *out)
{
	out->n = v->n[i];
	out->shift = v->shift[i];
	out->mean = v->mean[i];
	out->m2 = v->m2[i];
	out->m3 = v->m3[i];
	out->m4 = v->m4[i];
	out->min = v->min[i];
	out->max = v->max[i];
	out->n_nan = v->n_nan[i];
	out->n_posinf = v->n_posinf[i];
	out->n_neginf = v->n_neginf[i];
	out->bn = v->bn[i];
	out->s1 = v->s1[i];
	out->s2 = v->s2[i];
	out->s3 = v->s3[i];
	out->s4 = v->s4[i];
}

static void
soa_put(dl_moments_soa *v, int i, const dl_moments *m)
{
	v->n[i] = m->n;
	v->shift[i] = m->shift;
	v->mean[i] = m->mean;
	v->m2[i] = m->m2;
	v->m3[i] = m->m3;
	v->m4[i] = m->m4;
	v->min[i] = m->min;
	v->max[i] = m->max;
	v->n_nan[i] = m->n_nan;
	v->n_posinf[i] = m->n_posinf;
	v->n_neginf[i] = m->n_neginf;
	v->bn[i] = m->bn;
	v->s1[i] = m->s1;
	v->s2[i] = m->s2;
	v->s3[i] = m->s3;
	v->s4[i] = m->s4;
}

/*
 * The hot path: a row with every element present and finite goes into the
 * blocks of power sums.  A function of its own with restrict-qualified
 * arrays, so that the compiler knows they do not overlap and vectorizes the
 * loop (inlined into the caller, it loses that and runs scalar).  Returns
 * whether some block is full.
 */
static bool __attribute__((noinline))
add_dense_row(int d, const double *restrict x, const double *restrict n,
			  double *restrict shift, const double *restrict mean,
			  double *restrict bn, double *restrict s1, double *restrict s2,
			  double *restrict s3, double *restrict s4,
			  double *restrict mn, double *restrict mx)
{
	int			full = 0;

	for (int i = 0; i < d; i++)
	{
		double		xi = x[i];
		double		k = n[i] + bn[i] == 0.0 ? xi : shift[i];
		double		dv = (xi - k) - mean[i];
		double		d2 = dv * dv;

		shift[i] = k;
		s1[i] += dv;
		s2[i] += d2;
		s3[i] += d2 * dv;
		s4[i] += d2 * d2;
		bn[i] += 1.0;
		full |= bn[i] >= DL_MOMENTS_BLOCK;
		mn[i] = xi < mn[i] ? xi : mn[i];
		mx[i] = xi > mx[i] ? xi : mx[i];
	}
	return full != 0;
}

void
dl_moments_soa_add(dl_moments_soa *v, const double *restrict x, const bool *isnull)
{
	int			d = v->d;
	bool		all_finite = true;

	if (isnull == NULL)
	{
		/* x - x is 0 for finite x and NaN otherwise: a branch-free test */
		int			finite = 1;

		for (int i = 0; i < d; i++)
			finite &= (x[i] - x[i] == 0.0);
		all_finite = finite != 0;
	}

	if (isnull == NULL && all_finite)
	{
		if (add_dense_row(d, x, v->n, v->shift, v->mean, v->bn, v->s1, v->s2, v->s3,
						  v->s4, v->min, v->max))
		{
			for (int i = 0; i < d; i++)
			{
				dl_moments	m;

				if (v->bn[i] < DL_MOMENTS_BLOCK)
					continue;
				dl_moments_soa_get(v, i, &m);
				flush_block(&m);
				soa_put(v, i, &m);
			}
		}
		return;
	}

	for (int i = 0; i < d; i++)
	{
		dl_moments	m;

		if (isnull && isnull[i])
			continue;
		dl_moments_soa_get(v, i, &m);
		dl_moments_add(&m, x[i]);
		soa_put(v, i, &m);
	}
}

void
dl_moments_soa_merge(dl_moments_soa *into, const dl_moments_soa *from)
{
	for (int i = 0; i < into->d; i++)
	{
		dl_moments	a,
					b;

		dl_moments_soa_get(into, i, &a);
		dl_moments_soa_get(from, i, &b);
		dl_moments_merge(&a, &b);
		soa_put(into, i, &a);
	}
}

dl_status
dl_moments_soa_check(const dl_moments_soa *v, dl_detail *why)
{
	for (int i = 0; i < v->d; i++)
	{
		dl_moments	m;
		dl_detail	what;

		dl_moments_soa_get(v, i, &m);
		if (dl_moments_check(&m, &what) != DL_OK)
			return dl_detail_set(why, DL_EFORMAT, "variable %d: %s", i + 1, what.text);
	}
	return DL_OK;
}
