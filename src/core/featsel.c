/*-------------------------------------------------------------------------
 *
 * featsel.c
 *	  Univariate feature scores and their ranking (recursive feature
 *	  elimination, which fits models, is rfe.c).
 *
 * The scores follow scikit-learn 1.2 so that a user can compare them:
 *
 * - f_classif: one-way ANOVA F of each column across the classes
 *   (sklearn.feature_selection.f_classif, i.e. scipy's f_oneway formula
 *   SSbn / (K - 1) over SSwn / (n - K)), p = P(F(K-1, n-K) > F).  A column
 *   constant over all rows has 0/0: score and p-value NaN, as scikit-learn.
 *   A column constant within every class but not overall has F = Infinity,
 *   p = 0.
 * - f_regression: F = r^2 / (1 - r^2) * (n - 2), p = P(F(1, n-2) > F).
 *   scikit-learn (force_finite, the default) turns a constant column or
 *   target into F = 0, p = 1 and |r| = 1 into the largest double, p = 0;
 *   pgdl gives 0 and 1 likewise, and Infinity where it gives the largest
 *   double.
 * - pearson: score r (ranked by |r|), p the two-sided t-test of r = 0,
 *   which is the p-value of f_regression; a constant column gives r = 0,
 *   p = 1 (scikit-learn's r_regression with force_finite).
 * - chi2: sklearn's chi2 on non-negative columns: the per-class sums of a
 *   column against their expectation n_k/n * column sum, with K - 1 degrees
 *   of freedom.  An all-zero column gives 0/0: NaN, as scikit-learn.
 * - variance: the population variance (ddof 0, as VarianceThreshold), no
 *   p-value.
 * - mutual_info: a plug-in estimate on equal-frequency bins, in nats (see
 *   mutual_info below for the bins, the bias correction and the p-value).
 *
 * f_classif, chi2 and variance take one pass over the rows: per-class sums
 * and sums of squares, on values shifted by the column's first value (the
 * "shifted data" method: exact for integer data, and keeps the
 * sum-of-squares formula from cancelling when the spread is small next to
 * the magnitude).  f_regression and pearson take one pass for the target's
 * mean and one over the rows.  Both finish from sufficient statistics
 * that aggregates can also give (dl_fs_scores_from_class_moments,
 * dl_fs_scores_from_comoments: on a Citus table the workers compute them).
 *
 * src/core/featsel.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgdl_core.h"

static const char *const method_names[] = {
	NULL, "pearson", "f_classif", "f_regression", "chi2", "mutual_info", "variance", "rfe"
};

dl_fs_method
dl_fs_method_from_name(const char *name)
{
	for (int m = DL_FS_PEARSON; m <= DL_FS_RFE; m++)
		if (strcmp(name, method_names[m]) == 0)
			return (dl_fs_method) m;
	return 0;
}

const char *
dl_fs_method_name(dl_fs_method m)
{
	return m >= DL_FS_PEARSON && m <= DL_FS_RFE ? method_names[m] : "?";
}

int
dl_fs_method_target(dl_fs_method m)
{
	switch (m)
	{
		case DL_FS_F_CLASSIF:
		case DL_FS_CHI2:
			return 1;
		case DL_FS_PEARSON:
		case DL_FS_F_REGRESSION:
			return -1;
		default:
			return 0;
	}
}

static const char *
col_name(const char *const *names, int j, char *buf, size_t len)
{
	if (names && names[j])
		return names[j];
	snprintf(buf, len, "column %d", j + 1);
	return buf;
}

/* ---- per-class sums: f_classif, chi2, variance -------------------------- */

/*
 * The scores from the per-class sums of x - shift (sum, K x d), the sums of
 * squares of x - shift over all rows (sq) and the class counts; shift is 0
 * for chi2, which needs the plain sums.  minv, the minimum of each column,
 * is checked for chi2 only.  within, when given, is each column's
 * within-class sum of squares, exactly 0 for a column constant in every
 * class (else it is the difference of the total and between-class sums).
 */
static dl_status
class_finish(dl_fs_method m, int d, int K, const double *count, const double *sum,
			 const double *sq, const double *within, const double *minv,
			 const char *const *names, double *score, double *p_value)
{
	double		n = 0;
	int			k_eff = 0;

	for (int k = 0; k < K; k++)
	{
		n += count[k];
		k_eff += count[k] > 0;
	}
	for (int j = 0; j < d; j++)
	{
		double		tot = 0;

		for (int k = 0; k < K; k++)
			tot += sum[(size_t) k * d + j];
		if (m == DL_FS_VARIANCE)
		{
			double		v = (sq[j] - tot * tot / n) / n;

			score[j] = v < 0 ? 0 : v;
			p_value[j] = NAN;
		}
		else if (m == DL_FS_F_CLASSIF)
		{
			double		sstot = sq[j] - tot * tot / n;
			double		ssbn = -tot * tot / n;
			double		sswn;
			double		dfbn = k_eff - 1;
			double		dfwn = n - k_eff;

			for (int k = 0; k < K; k++)
				if (count[k] > 0)
					ssbn += sum[(size_t) k * d + j] * sum[(size_t) k * d + j] / count[k];
			sswn = within ? within[j] : sstot - ssbn;
			if (sswn < 0)
				sswn = 0;
			if (ssbn < 0)
				ssbn = 0;
			if (dfbn <= 0 || dfwn <= 0)
				score[j] = NAN;
			else
				score[j] = (ssbn / dfbn) / (sswn / dfwn);	/* 0/0 is NaN, x/0 Infinity */
			p_value[j] = isnan(score[j]) ? NAN : dl_f_sf(score[j], dfbn, dfwn);
		}
		else					/* chi2 */
		{
			double		chisq = 0;

			if (minv[j] < 0)
			{
				char		buf[32];

				return dl_error(DL_EINVAL, "chi2 needs non-negative features: \"%s\" has %g",
								col_name(names, j, buf, sizeof(buf)), minv[j]);
			}
			for (int k = 0; k < K; k++)
			{
				double		expected,
							obs;

				if (count[k] == 0)
					continue;
				expected = count[k] / n * tot;
				obs = sum[(size_t) k * d + j];
				chisq += (obs - expected) * (obs - expected) / expected;	/* 0/0: NaN */
			}
			score[j] = chisq;
			p_value[j] = isnan(chisq) || k_eff < 2 ? NAN : dl_chi2_sf(chisq, k_eff - 1);
		}
	}
	return DL_OK;
}

static dl_status
class_scores(dl_fs_method m, const float *x, const float *y, size_t n, int d, int n_classes,
			 const char *const *names, double *score, double *p_value)
{
	int			K = n_classes > 0 ? n_classes : 1;
	double	   *shift = dl_alloc(sizeof(double) * d);
	double	   *sum = dl_alloc(sizeof(double) * (size_t) K * d);	/* per class */
	double	   *sq = dl_alloc(sizeof(double) * d);
	double	   *count = dl_alloc(sizeof(double) * K);
	double	   *minv = dl_alloc(sizeof(double) * d);
	dl_status	st = DL_OK;

	/* chi2 needs the plain sums; the others are shift-invariant */
	for (int j = 0; j < d; j++)
	{
		shift[j] = (m == DL_FS_CHI2) ? 0.0 : x[j];
		sq[j] = 0;
		minv[j] = x[j];
	}
	memset(sum, 0, sizeof(double) * (size_t) K * d);
	memset(count, 0, sizeof(double) * K);
	for (size_t i = 0; i < n; i++)
	{
		const float *row = x + i * (size_t) d;
		int			k = n_classes > 0 ? (int) y[i] : 0;
		double	   *s = sum + (size_t) k * d;

		if (k < 0 || k >= K)
		{
			st = dl_error(DL_EINTERNAL, "class index %d out of range", k);
			goto done;
		}
		count[k] += 1;
		for (int j = 0; j < d; j++)
		{
			double		v = (double) row[j] - shift[j];

			s[j] += v;
			sq[j] += v * v;
			minv[j] = row[j] < minv[j] ? row[j] : minv[j];
		}
		if ((i & 4095) == 4095)
			dl_check_interrupts();
	}
	st = class_finish(m, d, K, count, sum, sq, NULL, minv, names, score, p_value);
done:
	dl_free(shift);
	dl_free(sum);
	dl_free(sq);
	dl_free(count);
	dl_free(minv);
	return st;
}

dl_status
dl_fs_scores_from_class_moments(dl_fs_method m, int d, int n_classes, const double *count,
								const double *mean, const double *m2, const double *minv,
								const char *const *names, double *score, double *p_value)
{
	int			K = n_classes > 0 ? n_classes : 1;
	double	   *shift,
			   *sum,
			   *sq,
			   *within;
	double		n = 0;
	dl_status	st;

	if (m != DL_FS_F_CLASSIF && m != DL_FS_CHI2 && m != DL_FS_VARIANCE)
		return dl_error(DL_EINVAL, "method %s is not computed from class moments",
						dl_fs_method_name(m));
	for (int k = 0; k < K; k++)
		n += count[k];
	if (!(n > 0) || d <= 0)
		return dl_error(DL_EINVAL, "feature scores need at least one row and one feature");
	shift = dl_alloc(sizeof(double) * d);
	sum = dl_alloc(sizeof(double) * (size_t) K * d);
	sq = dl_alloc(sizeof(double) * d);
	within = dl_alloc(sizeof(double) * d);

	/*
	 * Shifted by the grand mean (chi2: by 0), so that the sums of squares
	 * are the within-class ones plus small terms, without cancellation
	 */
	for (int j = 0; j < d; j++)
	{
		double		g = 0;

		for (int k = 0; k < K; k++)
			if (count[k] > 0)
				g += count[k] * mean[(size_t) k * d + j];
		shift[j] = m == DL_FS_CHI2 ? 0.0 : g / n;
		sq[j] = 0;
		within[j] = 0;
	}
	for (int k = 0; k < K; k++)
		for (int j = 0; j < d; j++)
		{
			size_t		kj = (size_t) k * d + j;
			double		dev = count[k] > 0 ? mean[kj] - shift[j] : 0;

			sum[kj] = count[k] * dev;
			within[j] += count[k] > 0 ? m2[kj] : 0;
			sq[j] += (count[k] > 0 ? m2[kj] : 0) + count[k] * dev * dev;
		}
	st = class_finish(m, d, K, count, sum, sq, within, minv, names, score, p_value);
	dl_free(within);
	dl_free(shift);
	dl_free(sum);
	dl_free(sq);
	return st;
}

/* ---- correlation with a numeric target: pearson, f_regression ----------- */

/*
 * The scores from n, the centered sums of squares of each column (vxx) and
 * of the target (syy) and the centered cross products (sxy)
 */
static void
corr_finish(dl_fs_method m, double n, int d, const double *vxx, const double *sxy, double syy,
			double *score, double *p_value)
{
	double		dof = n - 2;

	for (int j = 0; j < d; j++)
	{
		double		r,
					f;

		if (!(vxx[j] > 0) || !(syy > 0))
			r = 0;				/* scikit-learn's force_finite */
		else
		{
			r = sxy[j] / sqrt(vxx[j] * syy);
			r = r > 1 ? 1 : r < -1 ? -1 : r;
		}
		f = (r * r >= 1) ? INFINITY : r * r / (1 - r * r) * dof;
		score[j] = m == DL_FS_PEARSON ? r : f;
		p_value[j] = dof > 0 ? dl_f_sf(f, 1, dof) : NAN;
		if (r == 0 && dof > 0)
			p_value[j] = 1.0;
	}
}

static dl_status
corr_scores(dl_fs_method m, const float *x, const float *y, size_t n, int d,
			double *score, double *p_value)
{
	double	   *shift = dl_alloc(sizeof(double) * d);
	double	   *sx = dl_alloc(sizeof(double) * d);
	double	   *sxx = dl_alloc(sizeof(double) * d);
	double	   *sxy = dl_alloc(sizeof(double) * d);
	double		ymean = 0,
				syy = 0;

	for (size_t i = 0; i < n; i++)
		ymean += y[i];
	ymean /= n;
	for (size_t i = 0; i < n; i++)
		syy += (y[i] - ymean) * (y[i] - ymean);
	for (int j = 0; j < d; j++)
	{
		shift[j] = x[j];
		sx[j] = sxx[j] = sxy[j] = 0;
	}
	for (size_t i = 0; i < n; i++)
	{
		const float *row = x + i * (size_t) d;
		double		yc = y[i] - ymean;

		for (int j = 0; j < d; j++)
		{
			double		v = (double) row[j] - shift[j];

			sx[j] += v;
			sxx[j] += v * v;
			sxy[j] += v * yc;
		}
		if ((i & 4095) == 4095)
			dl_check_interrupts();
	}
	/* sum (x - mean) yc = sum (x - shift) yc, as sum yc = 0 */
	for (int j = 0; j < d; j++)
		sxx[j] -= sx[j] * sx[j] / n;
	corr_finish(m, (double) n, d, sxx, sxy, syy, score, p_value);
	dl_free(shift);
	dl_free(sx);
	dl_free(sxx);
	dl_free(sxy);
	return DL_OK;
}

dl_status
dl_fs_scores_from_comoments(dl_fs_method m, double n, int d, const double *vxx,
							const double *sxy, double syy, double *score, double *p_value)
{
	if (m != DL_FS_PEARSON && m != DL_FS_F_REGRESSION)
		return dl_error(DL_EINVAL, "method %s is not computed from co-moments",
						dl_fs_method_name(m));
	if (!(n > 0) || d <= 0)
		return dl_error(DL_EINVAL, "feature scores need at least one row and one feature");
	corr_finish(m, n, d, vxx, sxy, syy, score, p_value);
	return DL_OK;
}

/* ---- mutual information -------------------------------------------------- */

/*
 * Equal-frequency bins: B = round(n^(1/3)) clamped to [2, 64] (about 39 for
 * 60,000 rows).  A column is cut at its order statistics i * n / B; equal
 * values always share a bin, so a column with few distinct values gets that
 * many bins at most.
 */
int
dl_fs_mi_bins(size_t n)
{
	int			b = (int) lround(cbrt((double) n));

	return b < 2 ? 2 : b > 64 ? 64 : b;
}

/* the bin of every row of column j (stride d), and the number of bins */
static int
bin_column(const float *x, size_t stride, size_t n, int nbins, double *sorted, double *edges,
		   int *bin)
{
	int			ne = 0;

	for (size_t i = 0; i < n; i++)
		sorted[i] = x[i * stride];
	dl_sort_doubles(sorted, n);
	for (int b = 1; b < nbins; b++)
	{
		double		e = sorted[(size_t) ((double) b * n / nbins)];

		/* edges strictly above the minimum and increasing */
		if (e > sorted[0] && (ne == 0 || e > edges[ne - 1]))
			edges[ne++] = e;
	}
	for (size_t i = 0; i < n; i++)
	{
		double		v = x[i * stride];
		int			lo = 0,
					hi = ne;

		/* the number of edges <= v */
		while (lo < hi)
		{
			int			mid = (lo + hi) / 2;

			if (edges[mid] <= v)
				lo = mid + 1;
			else
				hi = mid;
		}
		bin[i] = lo;
	}
	return ne + 1;
}

/*
 * Mutual information of each column with the target, on a table of the
 * column's equal-frequency bins against the classes (or the target's own
 * equal-frequency bins for a numeric target).  The plug-in estimate
 * sum p(a,b) log(p(a,b) / (p(a) p(b))) is biased upwards by about
 * (cells - 1 - (A - 1) - (B - 1)) / 2n; the Miller-Madow correction of the
 * three entropies removes that first-order term, and the result is clipped
 * at 0 as scikit-learn clips its estimate.  Binning itself biases the
 * estimate downwards for smooth dependences (information finer than a bin
 * is lost), so this estimator under-rates relations the k-NN estimator of
 * scikit-learn sees, and it is deterministic (no seed, no noise).  The
 * p-value is the G-test of independence of the binned table:
 * 2 n MI(plug-in) ~ chi2((A - 1)(B - 1)).
 */
static dl_status
mutual_info(const float *x, const float *y, size_t n, int d, int n_classes,
			double *score, double *p_value)
{
	int			nb = dl_fs_mi_bins(n);
	double	   *sorted = dl_alloc(sizeof(double) * n);
	double	   *edges = dl_alloc(sizeof(double) * (nb + 1));
	int		   *xbin = dl_alloc(sizeof(int) * n);
	int		   *ybin = dl_alloc(sizeof(int) * n);
	int			ny;
	double	   *table;
	double	   *ca;
	double	   *cb;

	if (n_classes > 0)
	{
		ny = n_classes;
		for (size_t i = 0; i < n; i++)
			ybin[i] = (int) y[i];
	}
	else
		ny = bin_column(y, 1, n, nb, sorted, edges, ybin);
	table = dl_alloc(sizeof(double) * (size_t) nb * ny);
	ca = dl_alloc(sizeof(double) * nb);
	cb = dl_alloc(sizeof(double) * ny);
	for (int j = 0; j < d; j++)
	{
		int			nx = bin_column(x + j, d, n, nb, sorted, edges, xbin);
		double		mi = 0;
		int			ma = 0,
					mb = 0,
					mab = 0;

		dl_check_interrupts();
		memset(table, 0, sizeof(double) * (size_t) nx * ny);
		memset(ca, 0, sizeof(double) * nx);
		memset(cb, 0, sizeof(double) * ny);
		for (size_t i = 0; i < n; i++)
		{
			table[(size_t) xbin[i] * ny + ybin[i]] += 1;
			ca[xbin[i]] += 1;
			cb[ybin[i]] += 1;
		}
		for (int a = 0; a < nx; a++)
		{
			ma += ca[a] > 0;
			for (int b = 0; b < ny; b++)
			{
				double		c = table[(size_t) a * ny + b];

				if (c > 0)
				{
					mab++;
					mi += c / n * log(c * n / (ca[a] * cb[b]));
				}
			}
		}
		for (int b = 0; b < ny; b++)
			mb += cb[b] > 0;
		if (mi < 0)
			mi = 0;
		p_value[j] = (ma > 1 && mb > 1) ? dl_chi2_sf(2.0 * n * mi, (double) (ma - 1) * (mb - 1)) : 1.0;
		mi += (double) (ma + mb - mab - 1) / (2.0 * n);
		score[j] = mi > 0 ? mi : 0;
	}
	dl_free(sorted);
	dl_free(edges);
	dl_free(xbin);
	dl_free(ybin);
	dl_free(table);
	dl_free(ca);
	dl_free(cb);
	return DL_OK;
}

dl_status
dl_feature_scores(dl_fs_method m, const float *x, const float *y, size_t n, int d,
				  int n_classes, const char *const *names, double *score, double *p_value)
{
	if (n == 0 || d <= 0)
		return dl_error(DL_EINVAL, "feature scores need at least one row and one feature");
	switch (m)
	{
		case DL_FS_F_CLASSIF:
		case DL_FS_CHI2:
			if (n_classes < 1)
				return dl_error(DL_EINVAL, "%s needs class targets", dl_fs_method_name(m));
			return class_scores(m, x, y, n, d, n_classes, names, score, p_value);
		case DL_FS_VARIANCE:
			return class_scores(m, x, NULL, n, d, 0, names, score, p_value);
		case DL_FS_PEARSON:
		case DL_FS_F_REGRESSION:
			return corr_scores(m, x, y, n, d, score, p_value);
		case DL_FS_MUTUAL_INFO:
			return mutual_info(x, y, n, d, n_classes, score, p_value);
		default:
			return dl_error(DL_EINVAL, "method %s gives no univariate scores", dl_fs_method_name(m));
	}
}

typedef struct RankKey
{
	double		key;
	int			j;
} RankKey;

static int
rank_cmp(const void *a, const void *b)
{
	const RankKey *x = a;
	const RankKey *y = b;
	bool		xn = isnan(x->key);
	bool		yn = isnan(y->key);

	if (xn != yn)
		return xn ? 1 : -1;
	if (!xn && x->key != y->key)
		return x->key > y->key ? -1 : 1;
	return x->j - y->j;
}

void
dl_fs_rank(const double *score, int d, bool by_abs, int *rank)
{
	RankKey    *k = dl_alloc(sizeof(RankKey) * d);

	for (int j = 0; j < d; j++)
	{
		k[j].key = by_abs ? fabs(score[j]) : score[j];
		k[j].j = j;
	}
	qsort(k, d, sizeof(RankKey), rank_cmp);
	for (int r = 0; r < d; r++)
		rank[k[r].j] = r + 1;
	dl_free(k);
}
