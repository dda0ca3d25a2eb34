/*-------------------------------------------------------------------------
 *
 * comoments.c
 *	  One-pass, mergeable co-moment matrices with pairwise-complete NULLs.
 *
 * Rows with every element present update one complete-case block with the
 * multivariate Welford step (C += (x - mean_old)(x - mean_new)^T), d(d+1)/2
 * multiply-adds a row.  Rows with a NULL element update, for each pair
 * (i, j) present in the row, a small per-pair accumulator.  The per-pair
 * statistic reported at the end is the Chan et al. merge of the complete
 * block's projection on (i, j) with that pair's accumulator, which equals
 * what a single pass over the rows where both are present would give.
 *
 * As in moments.c, every accumulator works on x - K with K its first value
 * (shifted data), so data like 1e9 + U(0,1) keeps its precision.
 *
 * Layout of the caller's buffer, in doubles:
 *	 n | shift[d] | mean[d] (of x - shift) | C[d(d+1)/2] (upper triangle,
 *	 row-major) | scratch[2d]
 *	 | when has_pairs, for each pair i <= j:
 *	   n, shift_i, shift_j, mean_i, mean_j, m2_i, m2_j, c_ij
 * The scratch holds a row's deviations; its content is not state.
 *
 * src/core/comoments.c
 *
 *-------------------------------------------------------------------------
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "pgdl_core.h"

#define PAIR_SLOTS 8

static inline size_t
tri_count(int d)
{
	return (size_t) d * (size_t) (d + 1) / 2;
}

/* index of (i, j), i <= j, in the packed upper triangle */
static inline size_t
tri_index(int d, int i, int j)
{
	return (size_t) i * (size_t) d - (size_t) i * (size_t) (i - 1) / 2 + (size_t) (j - i);
}

static inline size_t
complete_slots(int d)
{
	return 1 + 2 * (size_t) d + tri_count(d) + 2 * (size_t) d;
}

size_t
dl_comoments_nslots(int d, bool has_pairs)
{
	return complete_slots(d) + (has_pairs ? PAIR_SLOTS * tri_count(d) : 0);
}

#define CM_N(c)			((c)->buf[0])
#define CM_SHIFT(c)		((c)->buf + 1)
#define CM_MEAN(c)		((c)->buf + 1 + (c)->d)
#define CM_C(c)			((c)->buf + 1 + 2 * (c)->d)
#define CM_SCRATCH(c)	((c)->buf + 1 + 2 * (c)->d + tri_count((c)->d))
#define CM_PAIRS(c)		((c)->buf + complete_slots((c)->d))

void
dl_comoments_init(dl_comoments *c, double *buf, int d, bool has_pairs)
{
	c->d = d;
	c->has_pairs = has_pairs;
	c->buf = buf;
	memset(buf, 0, dl_comoments_nslots(d, has_pairs) * sizeof(double));
}

void
dl_comoments_enable_pairs(dl_comoments *c, double *newbuf)
{
	size_t		keep = complete_slots(c->d);

	memmove(newbuf, c->buf, keep * sizeof(double));
	memset(newbuf + keep, 0, PAIR_SLOTS * tri_count(c->d) * sizeof(double));
	c->buf = newbuf;
	c->has_pairs = true;
}

void
dl_comoments_complete(const dl_comoments *c, double *n, const double **shift,
					  const double **mean, const double **tri)
{
	*n = CM_N(c);
	*shift = CM_SHIFT(c);
	*mean = CM_MEAN(c);
	*tri = CM_C(c);
}

void
dl_comoments_add(dl_comoments *c, const double *restrict x)
{
	int			d = c->d;
	double		n = CM_N(c) + 1.0;
	double	   *restrict shift = CM_SHIFT(c);
	double	   *restrict mean = CM_MEAN(c);
	double	   *restrict cm = CM_C(c);
	double	   *restrict before = CM_SCRATCH(c);
	double	   *restrict after = before + d;

	if (n == 1.0)
		memcpy(shift, x, d * sizeof(double));
	for (int i = 0; i < d; i++)
	{
		double		xs = x[i] - shift[i];

		before[i] = xs - mean[i];
		mean[i] += before[i] / n;
		after[i] = xs - mean[i];
	}
	CM_N(c) = n;
	for (int i = 0; i < d; i++)
	{
		double		bi = before[i];
		double	   *restrict row = cm + tri_index(d, i, i);

		for (int j = i; j < d; j++)
			row[j - i] += bi * after[j];
	}
}

void
dl_comoments_add_nulls(dl_comoments *c, const double *x, const bool *isnull)
{
	int			d = c->d;
	double	   *pairs = CM_PAIRS(c);

	for (int i = 0; i < d; i++)
	{
		if (isnull[i])
			continue;
		for (int j = i; j < d; j++)
		{
			double	   *p;
			double		n,
						di,
						dj;

			if (isnull[j])
				continue;
			{
			double		xi,
						xj;

			p = pairs + PAIR_SLOTS * tri_index(d, i, j);
			n = p[0] + 1.0;
			if (n == 1.0)
			{
				p[1] = x[i];
				p[2] = x[j];
			}
			xi = x[i] - p[1];
			xj = x[j] - p[2];
			di = xi - p[3];
			dj = xj - p[4];
			p[3] += di / n;
			p[4] += dj / n;
			p[5] += di * (xi - p[3]);
			p[6] += dj * (xj - p[4]);
			p[7] += di * (xj - p[4]);
			p[0] = n;
			}
		}
	}
}

/* merges pair accumulator b into a (Chan et al.) */
static void
pair_merge(double *a, const double *b)
{
	double		na = a[0],
				nb = b[0],
				n,
				di,
				dj,
				f;

	if (nb == 0.0)
		return;
	if (na == 0.0)
	{
		memcpy(a, b, PAIR_SLOTS * sizeof(double));
		return;
	}
	n = na + nb;
	/* difference of the means, shifts first: exact for nearby shifts */
	di = (b[1] - a[1]) + (b[3] - a[3]);
	dj = (b[2] - a[2]) + (b[4] - a[4]);
	f = na * nb / n;
	a[3] += di * nb / n;
	a[4] += dj * nb / n;
	a[5] += b[5] + di * di * f;
	a[6] += b[6] + dj * dj * f;
	a[7] += b[7] + di * dj * f;
	a[0] = n;
}

void
dl_comoments_merge(dl_comoments *into, const dl_comoments *from)
{
	int			d = into->d;
	double		na = CM_N(into),
				nb = CM_N(from);

	if (nb > 0.0)
	{
		double	   *ma = CM_MEAN(into);
		const double *mb = CM_MEAN(from);
		double	   *sa = CM_SHIFT(into);
		const double *sb = CM_SHIFT(from);
		double	   *ca = CM_C(into);
		const double *cb = CM_C(from);
		double	   *delta = CM_SCRATCH(into);

		if (na == 0.0)
		{
			memcpy(sa, sb, d * sizeof(double));
			memcpy(ma, mb, d * sizeof(double));
			memcpy(ca, cb, tri_count(d) * sizeof(double));
		}
		else
		{
			double		n = na + nb;
			double		f = na * nb / n;

			for (int i = 0; i < d; i++)
			{
				delta[i] = (sb[i] - sa[i]) + (mb[i] - ma[i]);
				ma[i] += delta[i] * nb / n;
			}
			for (int i = 0; i < d; i++)
				for (int j = i; j < d; j++)
				{
					size_t		k = tri_index(d, i, j);

					ca[k] += cb[k] + delta[i] * delta[j] * f;
				}
		}
		CM_N(into) = na + nb;
	}
	if (from->has_pairs)
	{
		double	   *pa = CM_PAIRS(into);
		const double *pb = CM_PAIRS(from);

		/* the caller enabled pairs on into when from has them */
		for (size_t k = 0; k < tri_count(d); k++)
			pair_merge(pa + PAIR_SLOTS * k, pb + PAIR_SLOTS * k);
	}
}

static bool
valid_count(double c)
{
	return c >= 0.0 && c <= 9007199254740992.0 && c == floor(c);
}

/*
 * Two results of the same operations on the same values: equal up to
 * rounding (-march=native may contract one of them into a fused
 * multiply-add and not the other), or both NaN.
 */
static bool
same_result(double a, double b, double tau)
{
	return a == b || fabs(a - b) <= tau * fmax(fabs(a), fabs(b)) || (isnan(a) && isnan(b));
}

/*
 * The relations of one accumulator of n rows: shift and mean of x - shift
 * of variables i and j, their sums of squares cii, cjj and co-moment cij.
 *
 * With n = 0 everything is 0; with n = 1 the row is its own shift, so the
 * means and sums are 0.  The shift is one of the rows, whose deviation from
 * the mean is at most sqrt(cii (n - 1) / n): that bounds the mean of
 * x - shift.  Cauchy-Schwarz bounds cij by sqrt(cii cjj).  Rounding: each
 * row's update and each merge adds errors of a few units in the last place
 * of quantities bounded by these square roots (the shift being one of the
 * rows keeps the means of x - shift within them), so the slack is
 * dl_moments_tolerance(n) of the bound (see moments.c); and products of
 * deviations below about 1e-154 underflow, each losing at most one
 * subnormal unit, so cii counts 4 n of those more.  Values that are not
 * finite (NaN or infinite data) are left alone: the state keeps no count
 * of them.  Returns what is wrong, or NULL.
 */
static const char *
check_accumulator(double n, const double *mean, const double *c)
{
	double		tau = dl_moments_tolerance(n);
	double		si,
				sj;

	if (n == 0 || n == 1)
	{
		if (mean[0] != 0 || mean[1] != 0 || c[0] != 0 || c[1] != 0 || c[2] != 0)
			return "has means or sums without rows to make them";
		return NULL;
	}
	if (!isfinite(c[0]) || !isfinite(c[1]))
		return NULL;
	si = sqrt(c[0] + 4 * n * DBL_TRUE_MIN);
	sj = sqrt(c[1] + 4 * n * DBL_TRUE_MIN);
	if (fabs(mean[0]) > si * sqrt((n - 1) / n) * (1 + 2 * tau) ||
		fabs(mean[1]) > sj * sqrt((n - 1) / n) * (1 + 2 * tau))
		return "has a mean farther from its first row than the sum of squares allows";
	if (fabs(c[2]) > si * sj * (1 + tau))
		return "has a co-moment beyond Cauchy-Schwarz";
	return NULL;
}

dl_status
dl_comoments_check(const dl_comoments *c, double rows, dl_detail *why)
{
	int			d = c->d;
	const double *cm = CM_C(c);
	double		n = CM_N(c);
	const char *wrong;

	if (!valid_count(n))
		return dl_detail_set(why, DL_EFORMAT, "the count of complete rows is not a count");
	if (n > rows || (!c->has_pairs && n != rows))
		return dl_detail_set(why, DL_EFORMAT,
							 "%.0f complete rows do not match the %.0f rows that were not NULL",
							 n, rows);
	for (int i = 0; i < d; i++)
		if (cm[tri_index(d, i, i)] < 0.0)
			return dl_detail_set(why, DL_EFORMAT, "the sum of squares of variable %d is negative",
								 i + 1);
	if (n == 0)
		for (int i = 0; i < d; i++)
			if (CM_SHIFT(c)[i] != 0)
				return dl_detail_set(why, DL_EFORMAT, "a first row without rows");
	for (int i = 0; i < d; i++)
	{
		/* d(d+1)/2 pairs: up to 8 million, so let a cancel in */
		dl_check_interrupts();
		for (int j = i; j < d; j++)
		{
			double		mean[2] = {CM_MEAN(c)[i], CM_MEAN(c)[j]};
			double		cc[3] = {cm[tri_index(d, i, i)], cm[tri_index(d, j, j)],
			cm[tri_index(d, i, j)]};

			if ((wrong = check_accumulator(n, mean, cc)) != NULL)
				return dl_detail_set(why, DL_EFORMAT, "the pair of variables %d and %d %s",
									 i + 1, j + 1, wrong);
		}
	}
	if (c->has_pairs)
	{
		const double *pairs = CM_PAIRS(c);

		for (int i = 0; i < d; i++)
		{
			dl_check_interrupts();
			for (int j = i; j < d; j++)
			{
				const double *p = pairs + PAIR_SLOTS * tri_index(d, i, j);
				const double *pi = pairs + PAIR_SLOTS * tri_index(d, i, i);
				const double *pj = pairs + PAIR_SLOTS * tri_index(d, j, j);
				double		mean[2] = {p[3], p[4]};
				double		cc[3] = {p[5], p[6], p[7]};

				if (!valid_count(p[0]) || p[5] < 0.0 || p[6] < 0.0)
					wrong = "is not valid";
				/* rows where both are present are rows where each one is */
				else if (p[0] > pi[0] || p[0] > pj[0] || p[0] > rows - n)
					wrong = "counts more rows than one of the variables";
				else if (p[0] == 0 && (p[1] != 0 || p[2] != 0))
					wrong = "has a first row without rows";
				/* a variable paired with itself: the same operations twice */
				else if (i == j && !(same_result(p[1], p[2], 0) &&
									 same_result(p[3], p[4], dl_moments_tolerance(p[0])) &&
									 same_result(p[5], p[6], dl_moments_tolerance(p[0])) &&
									 same_result(p[5], p[7], dl_moments_tolerance(p[0]))))
					wrong = "differs from itself";
				else
					wrong = check_accumulator(p[0], mean, cc);
				if (wrong != NULL)
					return dl_detail_set(why, DL_EFORMAT,
										 "the pair of variables %d and %d in rows with NULLs %s",
										 i + 1, j + 1, wrong);
			}
		}
	}
	return DL_OK;
}

bool
dl_comoments_pair(const dl_comoments *c, int i, int j,
				  double *n, double *cov, double *var_i, double *var_j)
{
	int			d = c->d;
	double		acc[PAIR_SLOTS];
	const double *cm = CM_C(c);

	if (i > j)
		return dl_comoments_pair(c, j, i, n, cov, var_j, var_i);
	acc[0] = CM_N(c);
	acc[1] = CM_SHIFT(c)[i];
	acc[2] = CM_SHIFT(c)[j];
	acc[3] = CM_MEAN(c)[i];
	acc[4] = CM_MEAN(c)[j];
	acc[5] = cm[tri_index(d, i, i)];
	acc[6] = cm[tri_index(d, j, j)];
	acc[7] = cm[tri_index(d, i, j)];
	if (c->has_pairs)
		pair_merge(acc, CM_PAIRS(c) + PAIR_SLOTS * tri_index(d, i, j));
	*n = acc[0];
	if (acc[0] < 2.0)
		return false;
	*cov = acc[7] / (acc[0] - 1.0);
	*var_i = acc[5] / (acc[0] - 1.0);
	*var_j = acc[6] / (acc[0] - 1.0);
	return true;
}
