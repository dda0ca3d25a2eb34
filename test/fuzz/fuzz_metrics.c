/*-------------------------------------------------------------------------
 *
 * fuzz_metrics.c
 *	  libFuzzer harness for the loops that walk scores and values: the
 *	  weighted AUC's tie groups (dl_auc_weighted), the tally of scored rows
 *	  and the ROC walk over it (dl_roc_tally, dl_roc_auc, dl_roc_walk: what
 *	  pgdl.evaluate and roc_curve run), the sort under the sketches and
 *	  quantiles (dl_sort_doubles), and the metrics finalizers
 *	  (dl_regression_metrics over moments).
 *
 * pgdl.evaluate and pgdl.roc_curve once looped forever on a NaN score: a
 * tie group advanced only while a score equalled the group's first, and
 * NaN equals nothing.  This harness feeds every such walk arbitrary doubles,
 * NaN, infinities and denormals included, and traps unless it
 *
 *	- returns at all (libFuzzer's -timeout turns a stalled walk into a
 *	  finding; the work per input is linear or n log n in its size);
 *	- stays inside its arrays (ASan);
 *	- gives an AUC in [0, 1] whenever the values and weights are finite
 *	  and both sides have weight, whatever order or ties the values have;
 *	- tallies rows, NaN included, into distinct scores holding every row,
 *	  and walks one ROC point per score up to tpr = fpr = 1;
 *	- sorts any finite values into a nondecreasing permutation of them, and
 *	  stays within the array on NaN (which its callers never pass);
 *	- gives regression metrics that obey mae <= rmse and rmse = sqrt(mse)
 *	  whenever the errors are finite.
 *
 * The input is read as doubles: the first byte splits them between the
 * positive and the negative side, the second byte picks the weights'
 * scale.  Fuzzing: make fuzz (or clang -fsanitize=fuzzer with $(CORE_SRCS)).
 * With -DPGDL_FUZZ_REPLAY it builds into a replayer of the corpus (make
 * test runs it under ASan).
 *
 * test/fuzz/fuzz_metrics.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgdl_core.h"

#define FUZZ_NAME "fuzz_metrics"
#include "fuzz_common.h"

#define MAX_VALUES 4096

static int
cmp_asc(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return x < y ? -1 : x > y ? 1 : 0;
}

static bool
all_finite(const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return false;
	return true;
}

/* the AUC of the values split at cut, sorted as the callers sort (or not) */
static void
check_auc(const double *v, size_t n, size_t cut, double scale, bool sort)
{
	double	   *pv = fuzz_alloc(sizeof(double) * (cut + 1));
	double	   *nv = fuzz_alloc(sizeof(double) * (n - cut + 1));
	double	   *pw = fuzz_alloc(sizeof(double) * (cut + 1));
	double	   *nw = fuzz_alloc(sizeof(double) * (n - cut + 1));
	double		auc = -1;
	bool		defined;

	for (size_t i = 0; i < cut; i++)
	{
		pv[i] = v[i];
		pw[i] = scale * (double) (1 + i % 3);
	}
	for (size_t i = cut; i < n; i++)
	{
		nv[i - cut] = v[i];
		nw[i - cut] = scale * (double) (1 + i % 5);
	}
	if (sort)
	{
		qsort(pv, cut, sizeof(double), cmp_asc);
		qsort(nv, n - cut, sizeof(double), cmp_asc);
	}
	defined = dl_auc_weighted(pv, pw, cut, 0, nv, nw, n - cut, 0, &auc);
	if (cut > 0 && n - cut > 0 && scale > 0 && isfinite(scale * 5 * n) && all_finite(v, n))
	{
		if (!defined)
			__builtin_trap();
		/* rounding of the weighted sums may pass 1 by an ulp or two */
		if (!(auc >= -1e-12 && auc <= 1 + 1e-12))
			__builtin_trap();
	}
	free(pv);
	free(nv);
	free(pw);
	free(nw);
}

/* rows scored v, positive below cut: the tally, its AUC and its ROC points */
static void
check_roc_rows(const double *v, size_t n, size_t cut)
{
	dl_scored  *t = fuzz_alloc(sizeof(dl_scored) * (n + 1));
	dl_roc_walk w;
	dl_roc_point p;
	size_t		k,
				points = 0;
	double		auc = -1,
				tp = 0,
				fp = 0;

	for (size_t i = 0; i < n; i++)
		t[i] = (dl_scored) {v[i], i < cut, i >= cut};
	k = dl_roc_tally(t, n);
	if (k > n || (n > 0 && k == 0))
		__builtin_trap();
	if (dl_roc_auc(t, k, &auc) != (cut > 0 && cut < n))
		__builtin_trap();
	if (cut > 0 && cut < n && !(auc >= 0 && auc <= 1))
		__builtin_trap();
	dl_roc_walk_begin(&w, t, k);
	while (dl_roc_walk_next(&w, &p))
	{
		/* every distinct score holds a row: the counts grow at each point */
		if (!(p.tp + p.fp > tp + fp) || p.tp < tp || p.fp < fp)
			__builtin_trap();
		tp = p.tp;
		fp = p.fp;
		points++;
	}
	if (points != k || tp != (double) cut || fp != (double) (n - cut))
		__builtin_trap();
	free(t);
}

static void
check_sort(const double *v, size_t n)
{
	double	   *a = fuzz_alloc(sizeof(double) * (n + 1));
	double	   *ref = fuzz_alloc(sizeof(double) * (n + 1));
	bool		finite = all_finite(v, n);

	memcpy(a, v, sizeof(double) * n);
	memcpy(ref, v, sizeof(double) * n);
	dl_sort_doubles(a, n);
	if (finite)
	{
		qsort(ref, n, sizeof(double), cmp_asc);
		for (size_t i = 0; i < n; i++)
			if (a[i] != ref[i])
				__builtin_trap();
	}
	free(a);
	free(ref);
}

static void
check_regression(const double *v, size_t n)
{
	dl_moments	actual,
				err,
				abserr;
	dl_reg_metrics r;
	bool		finite = true;

	dl_moments_init(&actual);
	dl_moments_init(&err);
	dl_moments_init(&abserr);
	for (size_t i = 0; i + 1 < n; i += 2)
	{
		double		e = v[i + 1] - v[i];

		dl_moments_add(&actual, v[i]);
		dl_moments_add(&err, e);
		dl_moments_add(&abserr, fabs(e));
		finite &= isfinite(v[i]) && isfinite(v[i + 1]) && isfinite(e) && isfinite(e * e);
	}
	n_errors = 0;
	if (dl_regression_metrics(&actual, &err, &abserr, &r) != DL_OK)
	{
		if (n_errors != 1)
			__builtin_trap();
		return;
	}
	if (n_errors != 0)
		__builtin_trap();
	/* below the normal range squares lose their digits: no identity to hold there */
	if (finite && n >= 2 && isfinite(r.mse) && isfinite(r.mae) && r.mse >= 1e-290)
	{
		if (!(r.mae <= r.rmse * (1 + 1e-9)))
			__builtin_trap();
		if (!(fabs(r.rmse - sqrt(r.mse)) <= 1e-12 * r.rmse))
			__builtin_trap();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	double		v[MAX_VALUES];
	size_t		n;
	size_t		cut;
	double		scale;

	install_hooks();
	if (size < 2)
		return 0;
	n = (size - 2) / sizeof(double);
	if (n > MAX_VALUES)
		n = MAX_VALUES;
	memcpy(v, data + 2, n * sizeof(double));
	cut = n == 0 ? 0 : data[0] % (n + 1);
	scale = ldexp(1.0, (int) (data[1] % 64) - 16);

	check_auc(v, n, cut, scale, true);
	check_auc(v, n, cut, scale, false);
	check_roc_rows(v, n, cut);
	check_sort(v, n);
	check_regression(v, n);
	return 0;
}
