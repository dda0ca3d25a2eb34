/*-------------------------------------------------------------------------
 *
 * metrics.c
 *	  Every model metric, computed once: classification metrics from a
 *	  confusion table, log loss, regression metrics from moments, ROC AUC
 *	  and the ROC curve from scores.  pgdl.evaluate, confusion_matrix,
 *	  roc_curve, cross_validate and the metric aggregates (classification_
 *	  metrics, regression_metrics, roc_auc) all fill the structures these
 *	  read (see pgdl_core.h) and differ only in where their rows come from.
 *
 * Classification follows scikit-learn's precision_recall_fscore_support
 * with average='macro' and zero_division=0; f1 is 2 tp / (actual +
 * predicted), one rounding of exact counts (scikit-learn 1.3 computes it
 * so too).  Per-class values are summed in ascending order (sorted first),
 * so the macro averages do not depend on the order in which labels were
 * first seen: a parallel plan gives the serial result bit for bit.
 *
 * Regression uses the moments of the actual values, of the errors and of
 * their absolute values (moments.c: shifted Welford updates in blocks,
 * Chan et al.'s merge), so nothing is a difference of large sums:
 * mse = mean(e)^2 + var_pop(e), both terms >= 0; SST / n = var_pop(actual).
 *
 * ROC AUC is the Mann-Whitney statistic: the weight of (positive, negative)
 * pairs whose positive scores higher, plus half the tied ones, over P N,
 * summed over a tally of the distinct scores from the highest down (the
 * trapezoids under the ROC curve, whose points come from the same tally).
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
#include <stdlib.h>
#include <string.h>

#include "pgdl_core.h"

/* how many rows a walk takes between checks for a cancel */
#define INTERRUPT_EVERY 1024

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

/* ---- classification ------------------------------------------------------ */

void
dl_classification_report(const dl_confusion *c, uint32_t nclasses, uint32_t positive,
						 dl_class_metrics *out, dl_class_score *per_class)
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
	out->classes = nclasses;
	if (L == 0 || c->n == 0 || nclasses == 0 || nclasses > L)
		return;
	out->defined = true;
	buf = dl_alloc(((size_t) L * 3 + (size_t) nclasses * 3) * sizeof(double));
	memset(buf, 0, (size_t) L * 3 * sizeof(double));
	tp = buf;
	act = tp + L;
	pred = act + L;
	prec = pred + L;
	rec = prec + nclasses;
	f1 = rec + nclasses;

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
		correct += tp[j];
	for (uint32_t j = 0; j < nclasses; j++)
	{
		/* counts are exact integers: these do not depend on any order */
		prec[j] = pred[j] > 0 ? tp[j] / pred[j] : 0.0;
		rec[j] = act[j] > 0 ? tp[j] / act[j] : 0.0;
		f1[j] = act[j] + pred[j] > 0 ? 2.0 * tp[j] / (act[j] + pred[j]) : 0.0;
		if (per_class)
		{
			per_class[j].support = act[j];
			per_class[j].predicted = pred[j];
			per_class[j].tp = tp[j];
			per_class[j].precision = prec[j];
			per_class[j].recall = rec[j];
			per_class[j].f1 = f1[j];
		}
	}
	if (positive < nclasses)
	{
		out->has_positive = true;
		out->precision = prec[positive];
		out->recall = rec[positive];
		out->f1 = f1[positive];
	}
	out->accuracy = correct / c->n;
	out->precision_macro = sorted_sum(prec, nclasses) / nclasses;
	out->recall_macro = sorted_sum(rec, nclasses) / nclasses;
	out->f1_macro = sorted_sum(f1, nclasses) / nclasses;
	dl_free(buf);
}

void
dl_classification_metrics(const dl_confusion *c, dl_class_metrics *out)
{
	dl_classification_report(c, c->nlabels, DL_CONFUSION_NONE, out, NULL);
}

/* ---- log loss ---------------------------------------------------------------- */

#define LOG_LOSS_EPS 1e-15

void
dl_log_loss_add(dl_log_loss *l, double p)
{
	double		q = p > LOG_LOSS_EPS ? p : LOG_LOSS_EPS;

	q = q < 1.0 - LOG_LOSS_EPS ? q : 1.0 - LOG_LOSS_EPS;
	l->sum -= log(q);
	l->n += 1;
}

double
dl_log_loss_value(const dl_log_loss *l)
{
	return l->n > 0 ? l->sum / l->n : NAN;
}

/* ---- regression ---------------------------------------------------------------- */

bool
dl_regression_row(double actual, double predicted, double x[DL_REGRESSION_DIM])
{
	double		e = actual - predicted;

	x[0] = actual;
	x[1] = e;
	x[2] = fabs(e);
	/* as float8mi: finite operands whose difference overflows */
	return !(isinf(e) && !isinf(actual) && !isinf(predicted));
}

void
dl_regression_report(const dl_moments *actual, const dl_moments *err, const dl_moments *abserr,
					 dl_reg_metrics *out)
{
	double		n = dl_moments_count(err);

	memset(out, 0, sizeof(*out));
	out->n = n;
	if (n == 0)
	{
		out->mse = out->rmse = out->mae = out->r2 = NAN;
		return;
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
		{
			out->overflow = true;
			out->mse = INFINITY;
		}
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
}

dl_status
dl_regression_metrics(const dl_moments *actual, const dl_moments *err, const dl_moments *abserr,
					  dl_reg_metrics *out)
{
	dl_regression_report(actual, err, abserr, out);
	if (out->overflow)
		return dl_error(DL_ERANGE, "value out of range: overflow");
	return DL_OK;
}

/* ---- ROC AUC and the ROC curve ------------------------------------------------ */

/* highest first, NaN above every number and equal to NaN (PostgreSQL's order) */
static int
score_cmp_desc(double x, double y)
{
	if (isnan(x) || isnan(y))
		return isnan(x) ? (isnan(y) ? 0 : -1) : 1;
	return x > y ? -1 : x < y ? 1 : 0;
}

static int
scored_cmp_desc(const void *a, const void *b)
{
	return score_cmp_desc(((const dl_scored *) a)->score, ((const dl_scored *) b)->score);
}

static bool
same_score(double x, double y)
{
	return x == y || (isnan(x) && isnan(y));
}

size_t
dl_roc_tally(dl_scored *rows, size_t n)
{
	size_t		k = 0;

	qsort(rows, n, sizeof(dl_scored), scored_cmp_desc);
	for (size_t i = 0; i < n;)
	{
		dl_scored	g = rows[i];
		size_t		first = i;

		/* the group always takes its first row: it cannot stall on a NaN */
		for (i++; i < n && same_score(rows[i].score, g.score); i++)
		{
			g.pos += rows[i].pos;
			g.neg += rows[i].neg;
		}
		if (first == 0 || first / INTERRUPT_EVERY != i / INTERRUPT_EVERY)
			dl_check_interrupts();
		rows[k++] = g;
	}
	return k;
}

size_t
dl_roc_tally_sorted(const double *pv, const double *pw, size_t np, double p_nan,
					const double *nv, const double *nw, size_t nn, double n_nan, dl_scored *t)
{
	size_t		k = 0,
				i = np,
				j = nn;

	if (p_nan > 0 || n_nan > 0)
		t[k++] = (dl_scored) {NAN, p_nan, n_nan};
	/* both runs from their highest value down */
	while (i > 0 || j > 0)
	{
		dl_scored	g = {0, 0, 0};

		/* the group takes at least one value: one equal to nothing cannot stall it */
		if (j == 0 || (i > 0 && score_cmp_desc(pv[i - 1], nv[j - 1]) <= 0))
		{
			g.score = pv[--i];
			g.pos = pw[i];
		}
		else
		{
			g.score = nv[--j];
			g.neg = nw[j];
		}
		while (i > 0 && same_score(pv[i - 1], g.score))
			g.pos += pw[--i];
		while (j > 0 && same_score(nv[j - 1], g.score))
			g.neg += nw[--j];
		if (k % INTERRUPT_EVERY == 0)
			dl_check_interrupts();
		t[k++] = g;
	}
	return k;
}

bool
dl_roc_auc(const dl_scored *t, size_t n, double *auc)
{
	double		P = 0,
				N = 0,
				above = 0,
				area = 0;

	for (size_t i = 0; i < n; i++)
	{
		P += t[i].pos;
		N += t[i].neg;
	}
	if (!(P > 0 && N > 0))
		return false;
	/* from the highest score down, each distinct score adds a trapezoid */
	for (size_t i = 0; i < n; i++)
	{
		if (i % INTERRUPT_EVERY == 0)
			dl_check_interrupts();
		area += t[i].neg * (above + t[i].pos / 2.0);
		above += t[i].pos;
	}
	*auc = area / (P * N);
	return true;
}

void
dl_roc_walk_begin(dl_roc_walk *w, const dl_scored *t, size_t n)
{
	memset(w, 0, sizeof(*w));
	w->t = t;
	w->n = n;
	for (size_t i = 0; i < n; i++)
	{
		w->P += t[i].pos;
		w->N += t[i].neg;
	}
}

bool
dl_roc_walk_next(dl_roc_walk *w, dl_roc_point *p)
{
	const dl_scored *g;

	if (w->i >= w->n)
		return false;
	if (w->i % INTERRUPT_EVERY == 0)
		dl_check_interrupts();
	g = &w->t[w->i++];
	w->tp += g->pos;
	w->fp += g->neg;
	p->threshold = g->score;
	p->tp = w->tp;
	p->fp = w->fp;
	p->tpr = w->P > 0 ? w->tp / w->P : NAN;
	p->fpr = w->N > 0 ? w->fp / w->N : NAN;
	p->precision = w->tp / (w->tp + w->fp);
	return true;
}

bool
dl_auc_weighted(const double *pv, const double *pw, size_t np, double p_nan,
				const double *nv, const double *nw, size_t nn, double n_nan, double *auc)
{
	dl_scored  *t = dl_alloc((np + nn + 1) * sizeof(dl_scored));
	size_t		k = dl_roc_tally_sorted(pv, pw, np, p_nan, nv, nw, nn, n_nan, t);
	bool		defined = dl_roc_auc(t, k, auc);

	dl_free(t);
	return defined;
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
