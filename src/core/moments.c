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

static bool
is_count(double c)
{
	return c >= 0.0 && c <= 9007199254740992.0 && c == floor(c);
}

dl_status
dl_moments_check(const dl_moments *m, dl_detail *why)
{
	if (!is_count(m->n) || !is_count(m->n_nan) ||
		!is_count(m->n_posinf) || !is_count(m->n_neginf) ||
		!is_count(m->bn) || m->bn >= DL_MOMENTS_BLOCK)
		return dl_detail_set(why, DL_EFORMAT, "a count is not a count");
	if (m->bn == 0.0 && (m->s1 != 0.0 || m->s2 != 0.0 || m->s3 != 0.0 || m->s4 != 0.0))
		return dl_detail_set(why, DL_EFORMAT, "the pending block has sums but no values");
	if (isnan(m->s1) || isnan(m->s2) || isnan(m->s3) || isnan(m->s4) ||
		m->s2 < 0.0 || m->s4 < 0.0)
		return dl_detail_set(why, DL_EFORMAT, "the sums of the pending block are not valid");
	/* an empty variable keeps the +Inf/-Inf sentinels of dl_moments_init */
	if (m->n + m->bn == 0.0)
	{
		if (m->shift == 0.0 && m->mean == 0.0 && m->m2 == 0.0 && m->m3 == 0.0 && m->m4 == 0.0 &&
			m->min == INFINITY && m->max == -INFINITY)
			return DL_OK;
		return dl_detail_set(why, DL_EFORMAT, "a variable without finite values has moments");
	}
	/* an overflowed accumulator may be infinite, never NaN or negative */
	if (!isfinite(m->shift) || isnan(m->mean) || isnan(m->m2) || isnan(m->m3) || isnan(m->m4))
		return dl_detail_set(why, DL_EFORMAT, "a moment is not a number");
	if (m->m2 < 0.0 || m->m4 < 0.0)
		return dl_detail_set(why, DL_EFORMAT, "an even central moment is negative");
	if (!isfinite(m->min) || !isfinite(m->max) || m->min > m->max)
		return dl_detail_set(why, DL_EFORMAT, "the minimum and maximum are not valid");
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
