/*-------------------------------------------------------------------------
 *
 * test_metrics.c
 *	  Unit tests of confusion tables (confusion.c) and model metrics
 *	  (metrics.c).
 *
 * Reference values come from scikit-learn 1.2 (accuracy_score,
 * precision/recall/f1_score with average='macro', zero_division=0,
 * mean_squared_error, mean_absolute_error, r2_score, roc_auc_score) on the
 * small inputs written out below, and from brute-force computations here
 * (AUC by counting every pair, mse by a long-double two-pass sum).
 *
 * test/unit/test_metrics.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* ---- confusion tables, grown the way the glue grows them ---------------- */

static dl_confusion *
cf_new(void)
{
	dl_confusion *c = calloc(1, dl_confusion_init_bytes());

	dl_confusion_init(c);
	return c;
}

static dl_confusion *
cf_move(dl_confusion *c, const dl_confusion_caps *caps)
{
	dl_confusion *d = calloc(1, dl_confusion_caps_bytes(caps));

	dl_confusion_move(d, c, caps);
	free(c);
	return d;
}

static dl_status
cf_add(dl_confusion **c, const char *a, const char *p)
{
	dl_confusion_caps grow;
	dl_status	st;

	while ((st = dl_confusion_add(*c, a, strlen(a), p, strlen(p), 1, &grow)) == DL_OK &&
		   grow.label_cap != 0)
		*c = cf_move(*c, &grow);
	return st;
}

static dl_status
cf_merge(dl_confusion **into, const dl_confusion *from)
{
	dl_confusion_caps grow;
	dl_status	st;

	while ((st = dl_confusion_merge(*into, from, &grow)) == DL_OK && grow.label_cap != 0)
		*into = cf_move(*into, &grow);
	return st;
}

static const char *const yt[10] = {"cat", "dog", "dog", "bird", "cat", "cat", "fish", "dog", "cat", "bird"};
static const char *const yp[10] = {"cat", "dog", "cat", "bird", "dog", "cat", "cat", "dog", "cat", "owl"};

static void
test_classification_sklearn(void)
{
	dl_confusion *c = cf_new();
	dl_class_metrics m;

	th_begin("metrics: classification macro averages equal scikit-learn's (zero_division=0)");
	for (int i = 0; i < 10; i++)
		CHECK_STATUS(cf_add(&c, yt[i], yp[i]), DL_OK);
	CHECK(dl_confusion_validate(c, dl_confusion_bytes(c)) == DL_OK);
	CHECK(c->nlabels == 5);
	dl_classification_metrics(c, &m);
	CHECK(m.defined);
	CHECK(m.n == 10 && m.classes == 5);
	/* sklearn: 0.6 0.4533333333333333 0.3833333333333333 0.3999999999999999 */
	CHECK_NEAR(m.accuracy, 0.6, 1e-15);
	CHECK_NEAR(m.precision_macro, 0.4533333333333333, 1e-15);
	CHECK_NEAR(m.recall_macro, 0.3833333333333333, 1e-15);
	CHECK_NEAR(m.f1_macro, 0.4, 1e-15);
	free(c);

	/* empty, and a single label */
	c = cf_new();
	dl_classification_metrics(c, &m);
	CHECK(!m.defined && m.n == 0);
	CHECK_STATUS(cf_add(&c, "", ""), DL_OK);
	CHECK_STATUS(cf_add(&c, "", ""), DL_OK);
	dl_classification_metrics(c, &m);
	CHECK(m.defined && m.accuracy == 1 && m.f1_macro == 1 && m.classes == 1);
	free(c);
	th_end();
}

/* many labels: growth, and merged halves (in either order) equal the whole */
static void
test_confusion_growth_merge(void)
{
	dl_confusion *whole = cf_new(),
			   *left = cf_new(),
			   *right = cf_new(),
			   *other = cf_new();
	dl_class_metrics mw,
				ml,
				mo;
	uint64_t	rng = 42;
	char		a[32],
				p[32];

	th_begin("metrics: confusion tables grow, validate and merge in any order");
	for (int i = 0; i < 20000; i++)
	{
		int			k = (int) (th_rand_uniform(&rng) * 300);
		int			j = th_rand_uniform(&rng) < 0.7 ? k : (int) (th_rand_uniform(&rng) * 300);

		snprintf(a, sizeof(a), "class-%d", k);
		snprintf(p, sizeof(p), "class-%d", j);
		CHECK_STATUS(cf_add(&whole, a, p), DL_OK);
		CHECK_STATUS(cf_add(i % 2 ? &left : &right, a, p), DL_OK);
	}
	CHECK(dl_confusion_validate(whole, dl_confusion_bytes(whole)) == DL_OK);
	CHECK(dl_confusion_validate(left, dl_confusion_bytes(left)) == DL_OK);
	CHECK_STATUS(cf_merge(&other, right), DL_OK);
	CHECK_STATUS(cf_merge(&other, left), DL_OK);
	CHECK_STATUS(cf_merge(&left, right), DL_OK);
	CHECK(dl_confusion_validate(left, dl_confusion_bytes(left)) == DL_OK);
	CHECK(dl_confusion_validate(other, dl_confusion_bytes(other)) == DL_OK);
	CHECK(left->n == 20000 && left->npairs == whole->npairs && left->nlabels == whole->nlabels);
	dl_classification_metrics(whole, &mw);
	dl_classification_metrics(left, &ml);
	dl_classification_metrics(other, &mo);
	/* per-class values are summed sorted: bit-identical whatever the order */
	CHECK(mw.accuracy == ml.accuracy && mw.precision_macro == ml.precision_macro &&
		  mw.recall_macro == ml.recall_macro && mw.f1_macro == ml.f1_macro);
	CHECK(mw.accuracy == mo.accuracy && mw.f1_macro == mo.f1_macro &&
		  mw.precision_macro == mo.precision_macro);
	/* merging an empty table changes nothing; into an empty one copies */
	{
		dl_confusion *e = cf_new();

		CHECK_STATUS(cf_merge(&whole, e), DL_OK);
		CHECK(whole->n == 20000);
		free(e);
	}
	free(whole);
	free(left);
	free(right);
	free(other);
	th_end();
}

static void
test_confusion_limit(void)
{
	dl_confusion *c = cf_new();
	char		a[32];
	dl_status	st = DL_OK;
	int			i;

	th_begin("metrics: the 100,001st distinct pair is DL_ELIMIT, the table intact");
	for (i = 0; i < DL_CONFUSION_MAX_PAIRS && st == DL_OK; i++)
	{
		snprintf(a, sizeof(a), "%d", i);
		st = cf_add(&c, a, "x");
	}
	CHECK(st == DL_OK && c->npairs == DL_CONFUSION_MAX_PAIRS);
	th_clear_error();
	CHECK_STATUS(cf_add(&c, "new", "x"), DL_ELIMIT);
	CHECK(th_last_error == DL_ELIMIT);
	/* a pair seen before is still counted */
	CHECK_STATUS(cf_add(&c, "7", "x"), DL_OK);
	CHECK(c->n == DL_CONFUSION_MAX_PAIRS + 1);
	CHECK(dl_confusion_validate(c, dl_confusion_bytes(c)) == DL_OK);
	th_clear_error();
	free(c);
	th_end();
}

/* every single-byte change of a valid table is refused or still valid */
static void
test_confusion_validate(void)
{
	dl_confusion *c = cf_new();
	size_t		bytes;
	unsigned char *copy;
	int			refused = 0;

	th_begin("metrics: validation refuses corrupt confusion tables");
	for (int i = 0; i < 10; i++)
		CHECK_STATUS(cf_add(&c, yt[i], yp[i]), DL_OK);
	bytes = dl_confusion_bytes(c);
	copy = malloc(bytes);
	CHECK(dl_confusion_validate(c, bytes) == DL_OK);
	CHECK(dl_confusion_validate(c, bytes - 8) == DL_EFORMAT);
	CHECK(dl_confusion_validate(c, 8) == DL_EFORMAT);
	for (size_t i = 0; i < bytes; i++)
	{
		dl_status	st;

		memcpy(copy, c, bytes);
		copy[i] ^= 0x5A;
		th_clear_error();
		st = dl_confusion_validate((dl_confusion *) copy, bytes);
		if (st != DL_OK)
		{
			refused++;
			CHECK(st == DL_EFORMAT || st == DL_EVERSION);
			CHECK(th_last_error == st);
		}
		else
		{
			/* accepted: then it is a table whose metrics can be computed */
			dl_class_metrics m;

			dl_classification_metrics((dl_confusion *) copy, &m);
			CHECK(m.accuracy >= 0 && m.accuracy <= 1);
		}
	}
	/* only the bytes of the hash slots can move and stay valid */
	CHECK(refused > (int) bytes / 2);
	memcpy(copy, c, bytes);
	((dl_confusion *) copy)->magic += 1;
	th_clear_error();
	CHECK(dl_confusion_validate((dl_confusion *) copy, bytes) == DL_EVERSION);
	th_clear_error();
	free(copy);
	free(c);
	th_end();
}

/* ---- regression ---------------------------------------------------------- */

static void
reg_moments(const double *a, const double *p, int n, dl_moments *ma, dl_moments *me, dl_moments *mabs)
{
	dl_moments_init(ma);
	dl_moments_init(me);
	dl_moments_init(mabs);
	for (int i = 0; i < n; i++)
	{
		dl_moments_add(ma, a[i]);
		dl_moments_add(me, a[i] - p[i]);
		dl_moments_add(mabs, fabs(a[i] - p[i]));
	}
}

static void
test_regression(void)
{
	const double a[5] = {3.0, -0.5, 2.0, 7.0, 4.5};
	const double p[5] = {2.5, 0.0, 2.0, 8.0, 3.0};
	dl_moments	ma,
				me,
				mabs;
	dl_reg_metrics r;
	double	   *x,
			   *y;
	long double sse = 0,
				mean = 0,
				sst = 0;
	uint64_t	rng = 7;
	int			n = 100000;

	th_begin("metrics: regression metrics equal scikit-learn's and a two-pass reference");
	reg_moments(a, p, 5, &ma, &me, &mabs);
	CHECK_STATUS(dl_regression_metrics(&ma, &me, &mabs, &r), DL_OK);
	/* sklearn: 0.75 0.7 0.8801916932907348 */
	CHECK(r.n == 5);
	CHECK_NEAR(r.mse, 0.75, 1e-15);
	CHECK_NEAR(r.rmse, sqrt(0.75), 1e-15);
	CHECK_NEAR(r.mae, 0.7, 1e-15);
	CHECK(r.r2_defined);
	CHECK_NEAR(r.r2, 0.8801916932907348, 1e-14);

	/* values near 1e9 with small errors: nothing cancels */
	x = malloc(n * sizeof(double));
	y = malloc(n * sizeof(double));
	for (int i = 0; i < n; i++)
	{
		x[i] = 1e9 + th_rand_normal(&rng);
		y[i] = x[i] + 1e-3 * th_rand_normal(&rng) + 2e-3;
	}
	reg_moments(x, y, n, &ma, &me, &mabs);
	CHECK_STATUS(dl_regression_metrics(&ma, &me, &mabs, &r), DL_OK);
	for (int i = 0; i < n; i++)
	{
		sse += ((long double) x[i] - y[i]) * ((long double) x[i] - y[i]);
		mean += (long double) x[i] - 1e9L;
	}
	mean = 1e9L + mean / n;
	for (int i = 0; i < n; i++)
		sst += (x[i] - mean) * (x[i] - mean);
	CHECK_REL(r.mse, (double) (sse / n), 1e-9);
	CHECK_REL(r.r2, (double) (1 - sse / sst), 1e-12);
	free(x);
	free(y);
	th_end();
}

static void
test_regression_special(void)
{
	const double one[1] = {2.0};
	const double c3[3] = {5.0, 5.0, 5.0};
	const double p3[3] = {4.0, 5.0, 6.0};
	const double anan[3] = {1.0, NAN, 3.0};
	const double ainf[3] = {1.0, 2.0, 3.0};
	const double pinf[3] = {1.0, INFINITY, -INFINITY};
	const double huge_a[2] = {1e300, -1e300};
	const double huge_p[2] = {-1e300, 1e300};
	dl_moments	ma,
				me,
				mabs;
	dl_reg_metrics r;

	th_begin("metrics: regression edge cases (n < 2, SST = 0, NaN, infinities, overflow)");
	reg_moments(one, one, 1, &ma, &me, &mabs);
	CHECK_STATUS(dl_regression_metrics(&ma, &me, &mabs, &r), DL_OK);
	CHECK(r.n == 1 && r.mse == 0 && !r.r2_defined);
	reg_moments(c3, p3, 3, &ma, &me, &mabs);
	CHECK_STATUS(dl_regression_metrics(&ma, &me, &mabs, &r), DL_OK);
	CHECK_NEAR(r.mse, 2.0 / 3.0, 1e-15);
	CHECK(!r.r2_defined);		/* constant actual: SST = 0 */
	reg_moments(anan, ainf, 3, &ma, &me, &mabs);
	CHECK_STATUS(dl_regression_metrics(&ma, &me, &mabs, &r), DL_OK);
	CHECK(isnan(r.mse) && isnan(r.rmse) && isnan(r.mae) && r.r2_defined && isnan(r.r2));
	/* errors of both signs of infinity: the squares are +Infinity */
	reg_moments(ainf, pinf, 3, &ma, &me, &mabs);
	CHECK_STATUS(dl_regression_metrics(&ma, &me, &mabs, &r), DL_OK);
	CHECK(isinf(r.mse) && r.mse > 0 && isinf(r.mae) && r.r2_defined && isinf(r.r2) && r.r2 < 0);
	/* finite errors of 2e300: their squares overflow, as in SQL */
	reg_moments(huge_a, huge_p, 2, &ma, &me, &mabs);
	th_clear_error();
	CHECK_STATUS(dl_regression_metrics(&ma, &me, &mabs, &r), DL_ERANGE);
	th_clear_error();
	dl_moments_init(&me);
	CHECK_STATUS(dl_regression_metrics(&ma, &me, &me, &r), DL_OK);
	CHECK(r.n == 0);
	th_end();
}

/* ---- ROC AUC --------------------------------------------------------------- */

/* P(pos > neg) + P(tie) / 2 by counting every pair; NaN above all, tied */
static double
auc_brute(const double *s, const bool *y, int n)
{
	double		num = 0,
				pairs = 0;

	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
		{
			double		si = s[i],
						sj = s[j];
			int			c;

			if (!y[i] || y[j])
				continue;
			pairs++;
			if (isnan(si))
				c = isnan(sj) ? 0 : 1;
			else if (isnan(sj))
				c = -1;
			else
				c = (si > sj) - (si < sj);
			num += c > 0 ? 1.0 : (c == 0 ? 0.5 : 0.0);
		}
	return num / pairs;
}

static void
sketches_of(const double *s, const bool *y, int n, dl_sketch **pos, dl_sketch **neg)
{
	int			failures = 0;

	*pos = th_sketch_new();
	*neg = th_sketch_new();
	for (int i = 0; i < n; i++)
	{
		if (y[i])
			*pos = th_sketch_add(*pos, s[i], &failures);
		else
			*neg = th_sketch_add(*neg, s[i], &failures);
	}
	CHECK(failures == 0);
}

static void
test_auc_exact(void)
{
	const bool	y12[12] = {1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1};
	const double s12[12] = {0.9, 0.1, 0.4, 0.4, 0.4, 0.8, 0.7, 0.2, 0.3, 0.3, 0.6, 0.5};
	int			n = 3000;
	double	   *s = malloc(n * sizeof(double));
	bool	   *y = malloc(n * sizeof(bool));
	uint64_t	rng = 11;
	dl_sketch  *pos,
			   *neg;
	double		auc,
				bound;

	th_begin("metrics: exact AUC equals scikit-learn's and a pairwise count, ties and NaN included");
	sketches_of(s12, y12, 12, &pos, &neg);
	CHECK(dl_sketch_auc(pos, neg, &auc, &bound));
	/* sklearn roc_auc_score: 0.6805555555555557 */
	CHECK_NEAR(auc, 0.6805555555555556, 1e-15);
	CHECK(bound == 0);
	free(pos);
	free(neg);

	for (int i = 0; i < n; i++)
	{
		y[i] = th_rand_uniform(&rng) < 0.3;
		/* few distinct scores: many ties; a few NaN and infinities */
		s[i] = floor(th_rand_uniform(&rng) * 20) + (y[i] ? 3 : 0);
		if (i % 97 == 0)
			s[i] = NAN;
		if (i % 89 == 0)
			s[i] = i % 2 ? INFINITY : -INFINITY;
	}
	sketches_of(s, y, n, &pos, &neg);
	CHECK(dl_sketch_auc(pos, neg, &auc, &bound));
	CHECK(bound == 0);
	CHECK_NEAR(auc, auc_brute(s, y, n), 1e-12);
	free(pos);
	free(neg);

	/* no negatives: undefined */
	sketches_of(s12, (const bool[12]) {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 12, &pos, &neg);
	CHECK(!dl_sketch_auc(pos, neg, &auc, &bound));
	free(pos);
	free(neg);
	free(s);
	free(y);
	th_end();
}

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

static void
test_auc_sketch(void)
{
	int			n = 400000;
	double	   *s = malloc(n * sizeof(double));
	bool	   *y = malloc(n * sizeof(bool));
	double	   *pv = malloc(n * sizeof(double)),
			   *nv = malloc(n * sizeof(double)),
			   *w = malloc(n * sizeof(double));
	size_t		np = 0,
				nn = 0;
	uint64_t	rng = 5;
	dl_sketch  *pos,
			   *neg;
	double		auc,
				bound,
				exact;

	th_begin("metrics: AUC from sketches (400,000 rows) within the stated bound of the exact AUC");
	for (int i = 0; i < n; i++)
	{
		y[i] = th_rand_uniform(&rng) < 0.4;
		s[i] = th_rand_normal(&rng) + (y[i] ? 0.8 : 0);
		if (y[i])
			pv[np++] = s[i];
		else
			nv[nn++] = s[i];
		w[i] = 1;
	}
	qsort(pv, np, sizeof(double), cmp_double);
	qsort(nv, nn, sizeof(double), cmp_double);
	CHECK(dl_auc_weighted(pv, w, np, 0, nv, w, nn, 0, &exact));
	sketches_of(s, y, n, &pos, &neg);
	CHECK(dl_sketch_auc(pos, neg, &auc, &bound));
	CHECK(bound > 0 && bound < 0.01);
	CHECK_NEAR(auc, exact, bound);
	/* in practice far inside the bound */
	CHECK_NEAR(auc, exact, 1e-3);
	free(pos);
	free(neg);
	free(s);
	free(y);
	free(pv);
	free(nv);
	free(w);
	th_end();
}

/*
 * A NaN among the values (which callers never pass) equals nothing, not even
 * itself: a tie-group walk that only advances on equality stalled forever
 * on one (pgdl.evaluate's roc_auc in 0.1.0).  Each group takes at least its
 * first value.
 */
static void
test_auc_nan_progress(void)
{
	double		pv[] = {0.2, NAN, 0.9};
	double		nv[] = {NAN, 0.1, 0.5};
	double		w[] = {1, 1, 1};
	double		auc = -1;

	th_begin("metrics: the AUC walk makes progress past a NaN value (it looped forever)");
	CHECK(dl_auc_weighted(pv, w, 3, 0, nv, w, 3, 0, &auc));
	CHECK(auc >= 0 && auc <= 1);
	th_end();
}

/* ---- the finalizers evaluate, cross_validate and the aggregates share ---- */

/* a table the caller keeps: labels registered first, rows counted by index */
static uint32_t
lt_label(dl_confusion **c, const char *s)
{
	dl_confusion_caps grow;
	uint32_t	i;

	while (dl_confusion_add_label(*c, s, strlen(s), &i, &grow) == DL_OK && grow.label_cap != 0)
		*c = cf_move(*c, &grow);
	return i;
}

static dl_status
lt_pair(dl_confusion **c, uint32_t a, uint32_t p)
{
	dl_confusion_caps grow;
	dl_status	st;

	while ((st = dl_confusion_add_pair(*c, a, p, 1, &grow)) == DL_OK && grow.label_cap != 0)
		*c = cf_move(*c, &grow);
	return st;
}

/*
 * A model's view: its labels {cat, dog, bird, fish, owl, emu} registered
 * first (emu never occurs), then rows whose actual values include two the
 * model never saw ("ant", "bee").  Every per-class value, the macro
 * averages over the model's classes and the positive class's are checked
 * against counts taken from the row arrays themselves.
 */
static void
test_classification_report(void)
{
	const char *const model[6] = {"cat", "dog", "bird", "fish", "owl", "emu"};
	const char *const at[14] = {"cat", "dog", "dog", "bird", "cat", "ant", "fish", "dog", "cat", "bird",
	"bee", "ant", "owl", "cat"};
	const char *const pt[14] = {"cat", "dog", "cat", "bird", "dog", "cat", "cat", "dog", "cat", "owl",
	"dog", "owl", "owl", "fish"};
	dl_confusion *c = cf_new();
	dl_class_metrics m;
	dl_class_score per[6];
	double		psum = 0,
				rsum = 0,
				fsum = 0,
				correct = 0;

	th_begin("metrics: classification report over a model's classes equals counts from the rows");
	for (int k = 0; k < 6; k++)
		CHECK(lt_label(&c, model[k]) == (uint32_t) k);
	for (int i = 0; i < 14; i++)
		CHECK_STATUS(lt_pair(&c, lt_label(&c, at[i]), lt_label(&c, pt[i])), DL_OK);
	CHECK(c->nlabels == 8 && c->n == 14);
	CHECK(dl_confusion_find_label(c, "bee", 3) == 7 && dl_confusion_find_label(c, "gnu", 3) == DL_CONFUSION_NONE);
	CHECK(dl_confusion_count(c, 0, 0) == 2 && dl_confusion_count(c, 5, 5) == 0);
	dl_classification_report(c, 6, 1, &m, per);
	CHECK(m.defined && m.n == 14 && m.classes == 6 && m.has_positive);
	for (int k = 0; k < 6; k++)
	{
		double		tp = 0,
					act = 0,
					pred = 0,
					p,
					r,
					f;

		for (int i = 0; i < 14; i++)
		{
			bool		a = strcmp(at[i], model[k]) == 0,
						q = strcmp(pt[i], model[k]) == 0;

			tp += a && q;
			act += a;
			pred += q;
		}
		p = pred > 0 ? tp / pred : 0;
		r = act > 0 ? tp / act : 0;
		/* the harmonic mean of p and r, computed the other way */
		f = p + r > 0 ? 2 * p * r / (p + r) : 0;
		CHECK(per[k].tp == tp && per[k].support == act && per[k].predicted == pred);
		CHECK(per[k].precision == p && per[k].recall == r);
		CHECK_NEAR(per[k].f1, f, 1e-15);
		psum += p;
		rsum += r;
		fsum += f;
	}
	for (int i = 0; i < 14; i++)
		correct += strcmp(at[i], pt[i]) == 0;
	CHECK(m.accuracy == correct / 14);
	CHECK_NEAR(m.precision_macro, psum / 6, 1e-15);
	CHECK_NEAR(m.recall_macro, rsum / 6, 1e-15);
	CHECK_NEAR(m.f1_macro, fsum / 6, 1e-15);
	/* dog: tp 2 of 4 predicted, of 3 actual */
	CHECK(m.precision == 0.5 && m.recall == 2.0 / 3 && m.f1 == 4.0 / 7);
	CHECK(m.accuracy == 6.0 / 14);
	CHECK(per[5].support == 0 && per[5].f1 == 0);	/* emu: never seen, 0 in the means */

	/* over every label, as the aggregate: the same as dl_classification_metrics */
	{
		dl_class_metrics all,
					agg;

		dl_classification_report(c, c->nlabels, DL_CONFUSION_NONE, &all, NULL);
		dl_classification_metrics(c, &agg);
		CHECK(!all.has_positive && all.classes == 8);
		CHECK(all.accuracy == agg.accuracy && all.precision_macro == agg.precision_macro &&
			  all.recall_macro == agg.recall_macro && all.f1_macro == agg.f1_macro);
	}
	/* a registered label need not be in a pair: such a table is not a stored one */
	th_clear_error();
	CHECK(dl_confusion_validate(c, dl_confusion_bytes(c)) == DL_EFORMAT);
	th_clear_error();
	CHECK_STATUS(dl_confusion_add_pair(c, 9, 0, 1, &(dl_confusion_caps) {0}), DL_EINTERNAL);
	th_clear_error();
	free(c);
	th_end();
}

/* a table its caller keeps is not bound by the aggregate's 100,000 pairs */
static void
test_confusion_local_limit(void)
{
	dl_confusion *c = cf_new();
	uint32_t	x;
	int			n = DL_CONFUSION_MAX_PAIRS + 5000;
	double		total = 0;

	th_begin("metrics: a table kept by its caller grows past the aggregate's pair limit");
	x = lt_label(&c, "x");
	for (int i = 0; i < n; i++)
	{
		char		a[32];

		snprintf(a, sizeof(a), "v%d", i);
		CHECK_STATUS(lt_pair(&c, lt_label(&c, a), x), DL_OK);
	}
	CHECK(c->npairs == (uint32_t) n && c->nlabels == (uint32_t) n + 1 && c->n == n);
	for (uint32_t i = 1; i <= (uint32_t) n; i += 997)
		total += dl_confusion_count(c, i, x);
	CHECK(total == (n + 996) / 997);
	free(c);
	th_end();
}

static void
test_log_loss(void)
{
	const double p[6] = {0.9, 0.25, 1.0, 0.0, 0.5, 1e-20};
	dl_log_loss l = {0};
	long double ref = 0;

	th_begin("metrics: log loss is the mean of -log p, p clipped to [1e-15, 1 - 1e-15]");
	CHECK(isnan(dl_log_loss_value(&l)));
	for (int i = 0; i < 6; i++)
	{
		long double q = p[i] < 1e-15 ? 1e-15L : p[i] > 1 - 1e-15 ? (long double) (1 - 1e-15) : p[i];

		dl_log_loss_add(&l, p[i]);
		ref -= logl(q);
	}
	CHECK(l.n == 6);
	CHECK_REL(dl_log_loss_value(&l), (double) (ref / 6), 1e-15);
	/* log(1e-15) = -34.5...: a certain miss is finite */
	l = (dl_log_loss) {0};
	dl_log_loss_add(&l, 0.0);
	CHECK_NEAR(dl_log_loss_value(&l), 15 * log(10), 1e-12);
	th_end();
}

static void
test_regression_report(void)
{
	const double a[5] = {3.0, -0.5, 2.0, 7.0, 4.5};
	const double p[5] = {2.5, 0.0, 2.0, 8.0, 3.0};
	const double huge_a[2] = {1e300, -1e300};
	const double huge_p[2] = {-1e300, 1e300};
	double		buf[64];
	dl_moments_soa v;
	dl_moments	m[DL_REGRESSION_DIM];
	dl_reg_metrics r;
	double		x[DL_REGRESSION_DIM];
	long double sse = 0,
				sae = 0,
				mean = 0,
				sst = 0;

	th_begin("metrics: regression report from rows equals sums taken the other way; overflow is flagged");
	CHECK(dl_moments_soa_nslots(DL_REGRESSION_DIM) <= 64);
	dl_moments_soa_init(&v, buf, DL_REGRESSION_DIM);
	for (int i = 0; i < 5; i++)
	{
		CHECK(dl_regression_row(a[i], p[i], x));
		CHECK(x[0] == a[i] && x[1] == a[i] - p[i] && x[2] == fabs(a[i] - p[i]));
		dl_moments_soa_add(&v, x, NULL);
		sse += ((long double) a[i] - p[i]) * ((long double) a[i] - p[i]);
		sae += fabsl((long double) a[i] - p[i]);
		mean += a[i];
	}
	mean /= 5;
	for (int i = 0; i < 5; i++)
		sst += (a[i] - mean) * (a[i] - mean);
	for (int i = 0; i < DL_REGRESSION_DIM; i++)
		dl_moments_soa_get(&v, i, &m[i]);
	dl_regression_report(&m[0], &m[1], &m[2], &r);
	CHECK(r.n == 5 && !r.overflow && r.r2_defined);
	CHECK_REL(r.mse, (double) (sse / 5), 1e-15);
	CHECK_REL(r.rmse, sqrt((double) (sse / 5)), 1e-15);
	CHECK_REL(r.mae, (double) (sae / 5), 1e-15);
	CHECK_REL(r.r2, (double) (1 - sse / sst), 1e-15);

	/* a finite difference that overflows, as float8 subtraction calls it */
	CHECK(!dl_regression_row(1.5e308, -1.5e308, x));
	CHECK(dl_regression_row(INFINITY, 1, x) && isinf(x[1]));

	/* squares that overflow: flagged (+Infinity) by the report, DL_ERANGE by the metrics */
	dl_moments_soa_init(&v, buf, DL_REGRESSION_DIM);
	for (int i = 0; i < 2; i++)
	{
		CHECK(dl_regression_row(huge_a[i], huge_p[i], x));
		dl_moments_soa_add(&v, x, NULL);
	}
	for (int i = 0; i < DL_REGRESSION_DIM; i++)
		dl_moments_soa_get(&v, i, &m[i]);
	th_clear_error();
	dl_regression_report(&m[0], &m[1], &m[2], &r);
	CHECK(r.overflow && isinf(r.mse) && r.mse > 0 && isinf(r.rmse) && th_last_error == DL_OK);
	CHECK_STATUS(dl_regression_metrics(&m[0], &m[1], &m[2], &r), DL_ERANGE);
	th_clear_error();
	th_end();
}

/* rows with few distinct scores (many ties), some NaN: as arrays and as dl_scored rows */
static void
roc_rows(uint64_t seed, int n, double *s, bool *y, dl_scored *t)
{
	for (int i = 0; i < n; i++)
	{
		y[i] = th_rand_uniform(&seed) < 0.4;
		s[i] = floor(th_rand_uniform(&seed) * 40) / 8 + (y[i] ? 1.0 : 0);
		if (i % 61 == 0)
			s[i] = NAN;
		t[i] = (dl_scored) {s[i], y[i], !y[i]};
	}
}

static int
cmp_desc_nan_first(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	if (isnan(x) || isnan(y))
		return isnan(y) - isnan(x);
	return (x < y) - (x > y);
}

static void
test_roc_auc_rows(void)
{
	int			n = 2500;
	double	   *s = malloc(n * sizeof(double));
	bool	   *y = malloc(n * sizeof(bool));
	dl_scored  *t = malloc(n * sizeof(dl_scored));
	double	   *pv = malloc(n * sizeof(double)),
			   *nv = malloc(n * sizeof(double)),
			   *w = malloc(n * sizeof(double));
	dl_scored  *t2 = malloc((n + 1) * sizeof(dl_scored));
	size_t		k,
				k2,
				np = 0,
				nn = 0;
	double		auc,
				auc2,
				p_nan = 0,
				n_nan = 0;
	int64_t		area2 = 0,
				P = 0,
				N = 0;

	th_begin("metrics: AUC of rows equals the pairs counted one by one, exactly rounded; both tallies agree");
	roc_rows(3, n, s, y, t);
	k = dl_roc_tally(t, n);
	CHECK(dl_roc_auc(t, k, &auc));
	CHECK_NEAR(auc, auc_brute(s, y, n), 1e-14);
	/* twice the Mann-Whitney count, in integers: the result is that ratio correctly rounded */
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
		{
			int			c;

			if (!y[i] || y[j])
				continue;
			c = isnan(s[i]) ? (isnan(s[j]) ? 0 : 1) : isnan(s[j]) ? -1 : (s[i] > s[j]) - (s[i] < s[j]);
			area2 += c + 1;
		}
	for (int i = 0; i < n; i++)
	{
		P += y[i];
		N += !y[i];
	}
	CHECK(auc == (double) ((long double) area2 / (2.0L * P * N)));

	/* the tally: distinct scores, highest first, NaN above all, weights summed */
	CHECK(isnan(t[0].score));
	for (size_t i = 1; i < k; i++)
		CHECK(!isnan(t[i].score) && (i == 1 || t[i].score < t[i - 1].score));

	/* the same AUC from two sorted weighted samples (the sketches' form) */
	for (int i = 0; i < n; i++)
	{
		if (isnan(s[i]))
			*(y[i] ? &p_nan : &n_nan) += 1;
		else if (y[i])
			pv[np++] = s[i];
		else
			nv[nn++] = s[i];
		w[i] = 1;
	}
	qsort(pv, np, sizeof(double), cmp_double);
	qsort(nv, nn, sizeof(double), cmp_double);
	k2 = dl_roc_tally_sorted(pv, w, np, p_nan, nv, w, nn, n_nan, t2);
	CHECK(k2 == k);
	for (size_t i = 0; i < k && i < k2; i++)
		CHECK((t2[i].score == t[i].score || (isnan(t2[i].score) && isnan(t[i].score))) &&
			  t2[i].pos == t[i].pos && t2[i].neg == t[i].neg);
	CHECK(dl_roc_auc(t2, k2, &auc2) && auc2 == auc);
	CHECK(dl_auc_weighted(pv, w, np, p_nan, nv, w, nn, n_nan, &auc2) && auc2 == auc);

	/* rows that are all NaN: one group, a tie; all positive: undefined */
	for (int i = 0; i < 4; i++)
		t[i] = (dl_scored) {NAN, i % 2, 1 - i % 2};
	k = dl_roc_tally(t, 4);
	CHECK(k == 1 && t[0].pos == 2 && t[0].neg == 2);
	CHECK(dl_roc_auc(t, k, &auc) && auc == 0.5);
	t[0] = (dl_scored) {1, 1, 0};
	t[1] = (dl_scored) {2, 1, 0};
	CHECK(!dl_roc_auc(t, dl_roc_tally(t, 2), &auc));
	free(s);
	free(y);
	free(t);
	free(t2);
	free(pv);
	free(nv);
	free(w);
	th_end();
}

static void
test_roc_points(void)
{
	int			n = 1500;
	double	   *s = malloc(n * sizeof(double));
	double	   *d = malloc(n * sizeof(double));
	bool	   *y = malloc(n * sizeof(bool));
	dl_scored  *t = malloc(n * sizeof(dl_scored));
	dl_roc_walk w;
	dl_roc_point pt;
	size_t		k,
				nd = 0,
				npoints = 0;
	double		P = 0,
				N = 0,
				prev_fpr = 0,
				prev_tpr = 0,
				trapezoids = 0,
				auc;

	th_begin("metrics: the ROC walk gives, per distinct score, the rates counted one by one");
	roc_rows(17, n, s, y, t);
	for (int i = 0; i < n; i++)
	{
		P += y[i];
		N += !y[i];
	}
	/* the distinct scores, highest first */
	memcpy(d, s, n * sizeof(double));
	qsort(d, n, sizeof(double), cmp_desc_nan_first);
	for (int i = 0; i < n; i++)
		if (i == 0 || !(d[i] == d[nd - 1] || (isnan(d[i]) && isnan(d[nd - 1]))))
			d[nd++] = d[i];
	k = dl_roc_tally(t, n);
	CHECK(k == nd);
	th_interrupt_checks = 0;
	dl_roc_walk_begin(&w, t, k);
	while (dl_roc_walk_next(&w, &pt))
	{
		double		th = d[npoints],
					tp = 0,
					fp = 0;

		/* the rows at or above the threshold, NaN above every number */
		for (int i = 0; i < n; i++)
			if (cmp_desc_nan_first(&s[i], &th) <= 0)
			{
				tp += y[i];
				fp += !y[i];
			}
		CHECK(pt.threshold == th || (isnan(pt.threshold) && isnan(th)));
		CHECK(pt.tp == tp && pt.fp == fp);
		CHECK(pt.tpr == tp / P && pt.fpr == fp / N && pt.precision == tp / (tp + fp));
		trapezoids += (pt.fpr - prev_fpr) * (pt.tpr + prev_tpr) / 2;
		prev_fpr = pt.fpr;
		prev_tpr = pt.tpr;
		npoints++;
	}
	CHECK(npoints == nd && prev_fpr == 1 && prev_tpr == 1);
	CHECK(th_interrupt_checks > 0);
	CHECK(dl_roc_auc(t, k, &auc));
	CHECK_NEAR(auc, trapezoids, 1e-14);

	/* no negative: fpr is undefined (NaN), tpr and precision are not */
	t[0] = (dl_scored) {0.5, 1, 0};
	dl_roc_walk_begin(&w, t, 1);
	CHECK(dl_roc_walk_next(&w, &pt) && isnan(pt.fpr) && pt.tpr == 1 && pt.precision == 1);
	CHECK(!dl_roc_walk_next(&w, &pt));
	free(s);
	free(d);
	free(y);
	free(t);
	th_end();
}

void
suite_metrics(void)
{
	test_classification_sklearn();
	test_confusion_growth_merge();
	test_confusion_limit();
	test_confusion_validate();
	test_regression();
	test_regression_special();
	test_auc_exact();
	test_auc_sketch();
	test_auc_nan_progress();
	test_classification_report();
	test_confusion_local_limit();
	test_log_loss();
	test_regression_report();
	test_roc_auc_rows();
	test_roc_points();
}
