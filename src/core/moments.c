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
 * Only finite values enter the accumulators.  NaN and the two infinities are
 * counted, and the finalizers rebuild what PostgreSQL's float8 aggregates
 * would return for the same input (see pgdl_core.h).
 *
 * src/core/moments.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "pgdl_core.h"

/*
 * Adds the finite value x to one variable's accumulators.  Kept inline so
 * that the structure-of-arrays row loop below vectorizes.
 */
static inline void
moments_update(double *restrict n, double *restrict mean, double *restrict m2,
			   double *restrict m3, double *restrict m4, double x)
{
	double		n1 = *n;
	double		nn = n1 + 1.0;
	double		delta = x - *mean;
	double		delta_n = delta / nn;
	double		delta_n2 = delta_n * delta_n;
	double		term1 = delta * delta_n * n1;

	*mean += delta_n;
	*m4 += term1 * delta_n2 * (nn * nn - 3.0 * nn + 3.0) +
		6.0 * delta_n2 * *m2 - 4.0 * delta_n * *m3;
	*m3 += term1 * delta_n * (nn - 2.0) - 3.0 * delta_n * *m2;
	*m2 += term1;
	*n = nn;
}

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
		if (m->n == 0.0)
			m->shift = x;
		moments_update(&m->n, &m->mean, &m->m2, &m->m3, &m->m4, x - m->shift);
		if (x < m->min)
			m->min = x;
		if (x > m->max)
			m->max = x;
	}
}

void
dl_moments_merge(dl_moments *a, const dl_moments *b)
{
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

bool
dl_moments_valid(const dl_moments *m)
{
	if (!is_count(m->n) || !is_count(m->n_nan) ||
		!is_count(m->n_posinf) || !is_count(m->n_neginf))
		return false;
	/* an empty variable keeps the +Inf/-Inf sentinels of dl_moments_init */
	if (m->n == 0.0)
		return m->shift == 0.0 && m->mean == 0.0 && m->m2 == 0.0 && m->m3 == 0.0 && m->m4 == 0.0 &&
			m->min == INFINITY && m->max == -INFINITY;
	/* an overflowed accumulator may be infinite, never NaN or negative */
	if (!isfinite(m->shift) || isnan(m->mean) || isnan(m->m2) || isnan(m->m3) || isnan(m->m4))
		return false;
	if (m->m2 < 0.0 || m->m4 < 0.0)
		return false;
	if (!isfinite(m->min) || !isfinite(m->max) || m->min > m->max)
		return false;
	return true;
}

bool
dl_moments_overflowed(const dl_moments *m)
{
	return m->n > 0.0 && (!isfinite(m->mean) || !isfinite(m->m2));
}

double
dl_moments_count(const dl_moments *m)
{
	return m->n + m->n_nan + m->n_posinf + m->n_neginf;
}

static bool
has_nonfinite(const dl_moments *m)
{
	return m->n_nan > 0.0 || m->n_posinf > 0.0 || m->n_neginf > 0.0;
}

double
dl_moments_mean(const dl_moments *m)
{
	if (m->n_nan > 0.0 || (m->n_posinf > 0.0 && m->n_neginf > 0.0))
		return NAN;
	if (m->n_posinf > 0.0)
		return INFINITY;
	if (m->n_neginf > 0.0)
		return -INFINITY;
	if (m->n == 0.0)
		return NAN;
	return m->shift + m->mean;
}

double
dl_moments_variance(const dl_moments *m)
{
	if (dl_moments_count(m) < 2.0 || has_nonfinite(m))
		return NAN;
	return m->m2 / (m->n - 1.0);
}

double
dl_moments_pop_variance(const dl_moments *m)
{
	if (dl_moments_count(m) < 1.0 || has_nonfinite(m))
		return NAN;
	return m->m2 / m->n;
}

double
dl_moments_skewness(const dl_moments *m, bool *defined)
{
	*defined = dl_moments_count(m) >= 2.0 && (has_nonfinite(m) || m->m2 > 0.0);
	if (!*defined)
		return NAN;
	if (has_nonfinite(m) || !isfinite(m->m3))
		return NAN;
	/* g1 = (M3/n) / (M2/n)^1.5 */
	return sqrt(m->n) * m->m3 / pow(m->m2, 1.5);
}

double
dl_moments_kurtosis(const dl_moments *m, bool *defined)
{
	*defined = dl_moments_count(m) >= 2.0 && (has_nonfinite(m) || m->m2 > 0.0);
	if (!*defined)
		return NAN;
	if (has_nonfinite(m) || !isfinite(m->m4))
		return NAN;
	/* g2 = (M4/n) / (M2/n)^2 - 3 */
	return m->n * m->m4 / (m->m2 * m->m2) - 3.0;
}

/* NaN sorts above every number, as in PostgreSQL's float8 comparisons */
double
dl_moments_min(const dl_moments *m)
{
	if (m->n_neginf > 0.0)
		return -INFINITY;
	if (m->n > 0.0)
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
	if (m->n > 0.0)
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
}

/*
 * The hot path: a row with every element present and finite.  A function of
 * its own with restrict-qualified arrays, so that the compiler knows they do
 * not overlap and vectorizes the loop (inlined into the caller, it loses
 * that and runs scalar).
 */
static void __attribute__((noinline))
add_dense_row(int d, const double *restrict x, double *restrict n, double *restrict shift,
			  double *restrict mean, double *restrict m2, double *restrict m3,
			  double *restrict m4, double *restrict mn, double *restrict mx)
{
	for (int i = 0; i < d; i++)
	{
		double		xi = x[i];
		double		k = n[i] == 0.0 ? xi : shift[i];

		shift[i] = k;
		moments_update(&n[i], &mean[i], &m2[i], &m3[i], &m4[i], xi - k);
		mn[i] = xi < mn[i] ? xi : mn[i];
		mx[i] = xi > mx[i] ? xi : mx[i];
	}
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
		add_dense_row(d, x, v->n, v->shift, v->mean, v->m2, v->m3, v->m4, v->min, v->max);
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

bool
dl_moments_soa_valid(const dl_moments_soa *v)
{
	for (int i = 0; i < v->d; i++)
	{
		dl_moments	m;

		dl_moments_soa_get(v, i, &m);
		if (!dl_moments_valid(&m))
			return false;
	}
	return true;
}
