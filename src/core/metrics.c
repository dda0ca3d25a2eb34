/*-------------------------------------------------------------------------
 *
 * metrics.c
 *	  Model metrics from aggregated counts: classification metrics from a
 *	  confusion table, regression metrics from moments, ROC AUC from the
 *	  sorted scores of positives and negatives.
 *
 * Classification follows scikit-learn's precision_recall_fscore_support
 * with average='macro' and zero_division=0.  Per-class values are summed in
 * ascending order (sorted first), so the macro averages do not depend on
 * the order in which labels were first seen: a parallel plan gives the
 * serial result bit for bit.
 *
 * Regression uses the moments of the actual values, of the errors and of
 * their absolute values (moments.c: shifted Welford updates in blocks,
 * Chan et al.'s merge), so nothing is a difference of large sums:
 * mse = mean(e)^2 + var_pop(e), both terms >= 0; SST / n = var_pop(actual).
 *
 * ROC AUC is the Mann-Whitney statistic: the weight of (positive, negative)
 * pairs whose positive scores higher, plus half the tied ones, over P N.
 * With two quantile sketches (sketch.c) it is exact while both are, since
 * they then hold every score.  Beyond, each sketch counts the scores <= x
 * and < x within its rank bound e for every x.  Writing
 * AUC P N = sum over positives x of G(x), G(x) = (N_<(x) + N_<=(x)) / 2, a
 * nondecreasing function with values in [0, N]: the negatives' sketch moves
 * G by at most e_neg everywhere (P e_neg in all), and the positives' sketch
 * moves the sum of a nondecreasing [0, N]-valued function by at most
 * N e_pos (write the sum as the integral over t in [0, N] of the weight of
 * positives with G > t, an upper set of scores).  So |AUC - exact| <=
 * e_pos / P + e_neg / N: below 0.36 % at a million rows per class and
 * below 1 % for any count under 2^32 (see sketch.c for e).
 *
 * src/core/metrics.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "pgdl_core.h"

/* the sum of x[0..n) in ascending order (x is sorted in place) */
static double
sorted_sum(double *x, size_t n)
{
	double		s = 0;

	dl_sort_doubles(x, n);
	for (size_t i = 0; i < n; i++)
		s += x[i];
	return s;
}

void
dl_classification_metrics(const dl_confusion *c, dl_class_metrics *out)
{
	uint32_t	L = c->nlabels;
	double	   *buf;
	double	   *tp,
			   *act,
			   *pred,
			   *prec,
			   *rec,
			   *f1;
	double		correct = 0;

	memset(out, 0, sizeof(*out));
	out->n = c->n;
	out->classes = L;
	if (L == 0 || c->n == 0)
		return;
	out->defined = true;
	buf = dl_alloc((size_t) L * 6 * sizeof(double));
	memset(buf, 0, (size_t) L * 3 * sizeof(double));
	tp = buf;
	act = tp + L;
	pred = act + L;
	prec = pred + L;
	rec = prec + L;
	f1 = rec + L;

	for (uint32_t i = 0; i < c->npairs; i++)
	{
		uint32_t	a,
					p;
		double		k;

		dl_confusion_pair(c, i, &a, &p, &k);
		act[a] += k;
		pred[p] += k;
		if (a == p)
			tp[a] += k;
	}
	for (uint32_t j = 0; j < L; j++)
	{
		/* counts are exact integers: these do not depend on any order */
		prec[j] = pred[j] > 0 ? tp[j] / pred[j] : 0.0;
		rec[j] = act[j] > 0 ? tp[j] / act[j] : 0.0;
		f1[j] = act[j] + pred[j] > 0 ? 2.0 * tp[j] / (act[j] + pred[j]) : 0.0;
		correct += tp[j];
	}
	out->accuracy = correct / c->n;
	out->precision_macro = sorted_sum(prec, L) / L;
	out->recall_macro = sorted_sum(rec, L) / L;
	out->f1_macro = sorted_sum(f1, L) / L;
	dl_free(buf);
}

dl_status
dl_regression_metrics(const dl_moments *actual, const dl_moments *err, const dl_moments *abserr,
					  dl_reg_metrics *out)
{
	double		n = dl_moments_count(err);

	memset(out, 0, sizeof(*out));
	out->n = n;
	if (n == 0)
	{
		out->mse = out->rmse = out->mae = out->r2 = NAN;
		return DL_OK;
	}
	/* avg(abs(e)): |e| >= 0, so NaN if a NaN, Infinity if an infinity */
	out->mae = dl_moments_mean(abserr);
	if (err->n_nan > 0)
		out->mse = NAN;
	else if (err->n_posinf > 0 || err->n_neginf > 0)
		out->mse = INFINITY;	/* squares of both infinities are +Infinity */
	else
	{
		double		mean = dl_moments_mean(err);

		/*
		 * Only finite errors here: a result that is not finite (Infinity,
		 * or NaN from overflowed accumulators) is an overflow.
		 */
		out->mse = mean * mean + dl_moments_pop_variance(err);
		if (dl_moments_overflowed(err) || !isfinite(out->mse))
			return dl_error(DL_ERANGE, "value out of range: overflow");
	}
	out->rmse = sqrt(out->mse);
	if (n >= 2)
	{
		/* NaN when an actual value is NaN or infinite, as var_pop */
		double		sst_n = dl_moments_pop_variance(actual);

		if (sst_n != 0.0)
		{
			out->r2 = 1.0 - out->mse / sst_n;
			out->r2_defined = true;
		}
	}
	return DL_OK;
}

bool
dl_auc_weighted(const double *pv, const double *pw, size_t np, double p_nan,
				const double *nv, const double *nw, size_t nn, double n_nan, double *auc)
{
	double		P = p_nan,
				N = n_nan,
				num = 0,
				below = 0;
	size_t		i = 0,
				j = 0;

	for (size_t k = 0; k < np; k++)
		P += pw[k];
	for (size_t k = 0; k < nn; k++)
		N += nw[k];
	if (!(P > 0 && N > 0))
		return false;

	/* one merge walk over both ascending runs, a distinct score at a time */
	while (i < np)
	{
		double		v = pv[i],
					wp = 0,
					tie = 0;
		size_t		t;

		/* the first value always counts: a NaN (never passed) cannot stall the walk */
		do
			wp += pw[i++];
		while (i < np && pv[i] == v);
		while (j < nn && nv[j] < v)
			below += nw[j++];
		for (t = j; t < nn && nv[t] == v; t++)
			tie += nw[t];
		num += wp * (below + 0.5 * tie);
	}
	/* NaN positives rank above every number and tie with NaN negatives */
	num += p_nan * ((N - n_nan) + 0.5 * n_nan);
	*auc = num / P / N;
	return true;
}

bool
dl_sketch_auc(const dl_sketch *pos, const dl_sketch *neg, double *auc, double *bound)
{
	size_t		np = dl_sketch_nitems(pos),
				nn = dl_sketch_nitems(neg);
	double	   *buf = dl_alloc((2 * (np + nn) + 1) * sizeof(double));
	double	   *pv = buf,
			   *pw = pv + np,
			   *nv = pw + np,
			   *nw = nv + nn;
	bool		defined;

	dl_sketch_sorted_items(pos, pv, pw);
	dl_sketch_sorted_items(neg, nv, nw);
	defined = dl_auc_weighted(pv, pw, np, pos->n_nan, nv, nw, nn, neg->n_nan, auc);
	dl_free(buf);
	*bound = defined ? dl_sketch_rank_error_bound(pos) / dl_sketch_count(pos) +
		dl_sketch_rank_error_bound(neg) / dl_sketch_count(neg) : NAN;
	return defined;
}
