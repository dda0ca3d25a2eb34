/*-------------------------------------------------------------------------
 *
 * fuzz_state.c
 *	  libFuzzer harness for aggregate states from outside: the bytes of a
 *	  pgdl.aggstate (dl_aggstate_check) or of a pgdl.confusion_state
 *	  (dl_confusion_validate), as their text and binary inputs receive them.
 *
 * The first byte picks the type (even: pgdl.aggstate, odd:
 * pgdl.confusion_state); the rest is the value's bytes after its varlena
 * length word, copied behind a zeroed length word into an exact-size heap
 * block (malloc's alignment, as a varlena's), so ASan catches a read past
 * its end.  Beyond "no crash" the harness checks that nothing accepted is
 * garbage, and traps (after printing which rule broke) when it is:
 *
 *	- a refused state gets DL_EFORMAT (DL_EVERSION for a newer format) and a
 *	  non-empty detail, with nothing reported through the error hook;
 *	- for an accepted one, what the final functions would return holds the
 *	  relations real data gives: counts within the rows that were not NULL
 *	  (and equal where every row counts), each variable's mean within its
 *	  minimum and maximum and its population variance within Popoviciu's
 *	  bound (max - min)^2 / 4, excess kurtosis >= skewness^2 - 2 (Pearson),
 *	  mae <= rmse, ROC AUC within [0, 1], quantiles within the minimum and
 *	  maximum of describe's moments, covariances within Cauchy-Schwarz,
 *	  histogram counts within the rows, a scaler fitted from a scaler state
 *	  accepted by the scaler validator, classification metrics within
 *	  [0, 1].  Where rounding enters, the slack is twice the validator's
 *	  (dl_moments_tolerance), so the harness never blames rounding;
 *	- the state combined with itself (as a combine function would, counts
 *	  doubled) is accepted too: what real data can give, twice, it can give.
 *
 * The work per input is bounded by its size.
 *
 * Fuzzing (clang; link every core source, $(CORE_SRCS) in the Makefile,
 * or just run make fuzz):
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc/core \
 *		test/fuzz/fuzz_state.c $(CORE_SRCS) -lopenblas -lm -o fuzz_state
 *	./fuzz_state -max_total_time=180 NEW_DIR test/fuzz/corpus/state
 *
 * With -DPGDL_FUZZ_REPLAY it builds without libFuzzer (gcc is fine) into a
 * replayer whose main() feeds every file, or every file in each directory,
 * named on the command line, so the corpus runs under ASan in make test.
 *
 * test/fuzz/fuzz_state.c
 *
 *-------------------------------------------------------------------------
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgdl_core.h"

#define FUZZ_NAME "fuzz_state"
#include "fuzz_common.h"

#define LIMIT_COUNT 9007199254740992.0

/* an accepted state broke a rule: say which, then trap */
static void
garbage(const char *rule, int variable)
{
	fprintf(stderr, "fuzz_state: accepted garbage: %s (variable %d)\n", rule, variable);
	__builtin_trap();
}

#define REQUIRE(cond, rule, variable) \
	do { if (!(cond)) garbage(rule, variable); } while (0)

/* the harness's slack: twice the validator's */
static double
slack(double n)
{
	return 2.0 * dl_moments_tolerance(n);
}

/* ---- pgdl.aggstate ------------------------------------------------------------ */

/* what stats and describe return for one variable */
static void
check_variable(const dl_moments *m, double nonnull_rows, int var)
{
	double		count = dl_moments_count(m);
	double		n = m->n + m->bn;
	double		mean,
				mn,
				mx,
				range,
				mag,
				var_pop;
	bool		def_s,
				def_k;
	double		g1,
				g2;

	REQUIRE(count <= nonnull_rows, "a variable counts more values than there were rows", var);
	/* the final functions raise 22003 for these */
	if (dl_moments_overflowed(m))
		return;
	if (n == 0 || m->n_nan > 0 || m->n_posinf > 0 || m->n_neginf > 0)
		return;
	mean = dl_moments_mean(m);
	mn = dl_moments_min(m);
	mx = dl_moments_max(m);
	range = mx - mn;
	mag = fmax(fabs(mn), fabs(mx));
	REQUIRE(isfinite(mean), "the mean of finite values is not finite", var);
	REQUIRE(mn <= mx, "the minimum is above the maximum", var);
	if (!isfinite(range))
		return;
	/* denormal data rounds in absolute terms: half a unit per merge */
	REQUIRE(mean >= mn - slack(n) * range - 8 * DBL_EPSILON * mag - 2 * (n + 64) * DBL_TRUE_MIN &&
			mean <= mx + slack(n) * range + 8 * DBL_EPSILON * mag + 2 * (n + 64) * DBL_TRUE_MIN,
			"the mean is outside [min, max]", var);
	var_pop = dl_moments_pop_variance(m);
	REQUIRE(var_pop >= 0, "the variance is negative", var);
	if (isfinite(range * range) && range * range > 1e-250)
		REQUIRE(var_pop <= range * range * (0.25 + slack(n)),
				"the variance is above (max - min)^2 / 4", var);
	g1 = dl_moments_skewness(m, &def_s);
	g2 = dl_moments_kurtosis(m, &def_k);
	REQUIRE(def_s == def_k, "skewness and kurtosis disagree on being defined", var);
	/* Pearson: kurtosis >= skewness^2 + 1, where rounding cannot swamp it */
	if (def_s && isfinite(g1) && isfinite(g2) && range * range > 1e-250 &&
		var_pop >= 1e-4 * range * range && slack(n) < 1e-9)
		REQUIRE(g2 + 3.0 >= (g1 * g1 + 1.0) * (1.0 - 1e-6),
				"kurtosis and skewness break Pearson's inequality", var);
}

/* the quantiles describe returns lie within the min and max it returns */
static void
check_describe_quartiles(const dl_moments *m, const dl_sketch *sk, int var)
{
	static const double q[3] = {0.25, 0.5, 0.75};
	double		out[3];

	if (dl_moments_count(m) == 0 || m->n_nan > 0 || dl_moments_overflowed(m))
		return;
	n_errors = 0;
	if (dl_sketch_quantiles(sk, q, 3, out) != DL_OK || n_errors != 0)
		garbage("describe's quartiles fail", var);
	for (int k = 0; k < 3; k++)
		REQUIRE(isnan(out[k]) || (out[k] >= dl_moments_min(m) && out[k] <= dl_moments_max(m)),
				"a quartile lies outside describe's min and max", var);
}

static void
check_regression(dl_moments_soa *v, double nonnull_rows)
{
	dl_moments	m[3];
	dl_reg_metrics r;
	dl_status	st;

	for (int i = 0; i < 3; i++)
	{
		dl_moments_soa_get(v, i, &m[i]);
		REQUIRE(dl_moments_count(&m[i]) == nonnull_rows,
				"a regression variable does not count every row", i + 1);
		if (dl_moments_overflowed(&m[i]))
			return;				/* 22003 */
	}
	n_errors = 0;
	st = dl_regression_metrics(&m[0], &m[1], &m[2], &r);
	if (st != DL_OK)
	{
		/* an overflow that only the metrics meet: reported, 22003 */
		REQUIRE(st == DL_ERANGE && n_errors == 1 && last_status == DL_ERANGE,
				"regression metrics fail without a report", 0);
		return;
	}
	REQUIRE(n_errors == 0, "regression metrics report an error but succeed", 0);
	if (r.n == 0)
		return;
	REQUIRE(isnan(r.mse) || r.mse >= 0, "mse is negative", 0);
	REQUIRE(isnan(r.mae) || r.mae >= 0, "mae is negative", 0);
	REQUIRE(!r.r2_defined || isnan(r.r2) || r.r2 <= 1.0, "r2 is above 1", 0);
	if (isfinite(r.mae) && isfinite(r.mse))
	{
		double		e = dl_moments_max(&m[2]);	/* the largest |error| */
		double		n = m[1].n + m[1].bn;

		REQUIRE(r.mae * r.mae <= r.mse + slack(n) * 64 * e * e + 4 * DBL_TRUE_MIN,
				"mae is above rmse", 0);
	}
}

static void
check_scaler_fit(dl_aggstate *s)
{
	dl_scaler	sc;
	dl_status	st;

	if (s->dim == 0)
		return;					/* only NULL rows: no scaler */
	n_errors = 0;
	if (dl_scaler_alloc(&sc, (dl_scaler_kind) s->params[0], s->dim) != DL_OK)
		garbage("an accepted scaler state names no scaler", 0);
	sc.strategy = (dl_impute_strategy) s->params[1];
	sc.constant = s->params[2];
	if (s->flags & DL_HAS_MOMENTS)
	{
		dl_moments_soa v;

		dl_aggstate_moments(s, &v);
		for (int i = 0; i < s->dim; i++)
		{
			dl_moments	m;

			dl_moments_soa_get(&v, i, &m);
			if (dl_moments_overflowed(&m))
			{
				dl_free(sc.center);
				return;			/* 22003 */
			}
		}
		dl_scaler_fit_moments(&sc, &v);
	}
	else
	{
		const dl_sketch **sks = malloc(sizeof(dl_sketch *) * s->dim);
		dl_sketch  *sk = dl_aggstate_first_sketch(s);

		for (int i = 0; i < s->dim; i++, sk = dl_aggstate_next_sketch(sk))
			sks[i] = sk;
		st = dl_scaler_fit_sketches(&sc, (const dl_sketch *const *) sks);
		free(sks);
		REQUIRE(st == DL_OK && n_errors == 0, "fitting an accepted sketch state fails", 0);
	}
	sc.n = s->rows - s->nulls;
	n_errors = 0;
	if (dl_scaler_validate_fitted(&sc) != DL_OK || n_errors != 0)
	{
		fprintf(stderr, "fuzz_state: %s\n", last_message);
		garbage("the scaler fitted from an accepted state is not a valid pgdl.scaler", 0);
	}
	dl_free(sc.center);
}

static void
check_comoments(dl_aggstate *s, double nonnull_rows)
{
	dl_comoments c;

	if (s->dim == 0)
		return;
	dl_aggstate_comoments(s, &c);
	for (int i = 0; i < c.d; i++)
		for (int j = i; j < c.d; j++)
		{
			double		n,
						cov,
						vi,
						vj;

			if (!dl_comoments_pair(&c, i, j, &n, &cov, &vi, &vj))
			{
				REQUIRE(n <= nonnull_rows, "a pair counts more rows than there were", i + 1);
				continue;
			}
			REQUIRE(n <= nonnull_rows, "a pair counts more rows than there were", i + 1);
			REQUIRE(!(vi < 0) && !(vj < 0), "a variance is negative", i + 1);
			if (isfinite(cov) && isfinite(vi) && isfinite(vj))
				REQUIRE(fabs(cov) <= sqrt(vi) * sqrt(vj) * (1.0 + slack(n)) +
						sqrt(n * DBL_TRUE_MIN) * (sqrt(vi) + sqrt(vj)) + 4 * DBL_TRUE_MIN,
						"a covariance breaks Cauchy-Schwarz", i + 1);
		}
}

/* the relations of an accepted state's final results */
static void
check_results(dl_aggstate *s)
{
	double		nonnull = s->rows - s->nulls;

	switch (s->layout)
	{
		case DL_LAYOUT_COLUMNS:
			{
				dl_moments_soa v;
				double		total = 0;

				if (s->flags & DL_HAS_MOMENTS)
				{
					dl_aggstate_moments(s, &v);
					for (int i = 0; i < s->dim; i++)
					{
						dl_moments	m;

						dl_moments_soa_get(&v, i, &m);
						check_variable(&m, nonnull, i + 1);
					}
				}
				if (s->flags & DL_HAS_SKETCHES)
				{
					dl_sketch  *sk = dl_aggstate_first_sketch(s);

					for (int i = 0; i < s->dim; i++, sk = dl_aggstate_next_sketch(sk))
					{
						REQUIRE(dl_sketch_count(sk) <= nonnull,
								"a sketch counts more values than there were rows", i + 1);
						total += dl_sketch_count(sk);
						if (s->purpose == DL_PURPOSE_DESCRIBE)
						{
							dl_moments	m;

							dl_moments_soa_get(&v, i, &m);
							REQUIRE(dl_sketch_count(sk) == dl_moments_count(&m),
									"describe's sketch and moments count differently", i + 1);
							check_describe_quartiles(&m, sk, i + 1);
						}
					}
				}
				if (s->purpose == DL_PURPOSE_QUANTILES || s->purpose == DL_PURPOSE_SKETCH)
					REQUIRE(total == nonnull, "a quantile sketch does not count every row", 1);
				if (s->purpose == DL_PURPOSE_ROC_AUC)
				{
					double		auc,
								bound;

					REQUIRE(total == nonnull, "the ROC sketches do not count every row", 0);
					if (dl_sketch_auc(dl_aggstate_sketch(s, 0), dl_aggstate_sketch(s, 1), &auc, &bound))
						REQUIRE(auc >= 0 && auc <= 1, "ROC AUC outside [0, 1]", 0);
				}
				if (s->purpose == DL_PURPOSE_REGRESSION)
					check_regression(&v, nonnull);
				if (s->purpose == DL_PURPOSE_SCALER)
					check_scaler_fit(s);
				break;
			}
		case DL_LAYOUT_COMOMENTS:
			check_comoments(s, nonnull);
			break;
		case DL_LAYOUT_HISTOGRAM:
			{
				double		sum = 0;

				for (int i = 0; i < (int) s->params[2]; i++)
					sum += DL_STATE_SLOTS(s)[i];
				REQUIRE(sum <= nonnull, "histogram counts exceed the rows", 0);
				break;
			}
	}
}

/*
 * s combined with itself, as pgdl.aggstate_combine would: counts doubled,
 * moments, co-moments, histogram counts and sketches merged.  NULL when the
 * doubled counts would not be exact.
 */
static dl_aggstate *
self_merge(dl_aggstate *s, size_t nbytes, size_t *outbytes)
{
	size_t		head = nbytes;
	size_t		size = nbytes;
	dl_aggstate *m;

	if (2 * s->rows > LIMIT_COUNT)
		return NULL;
	if (s->layout == DL_LAYOUT_COLUMNS && (s->flags & DL_HAS_SKETCHES) && s->dim > 0)
	{
		dl_sketch  *sk = dl_aggstate_first_sketch(s);

		head = (char *) sk - (char *) s;
		size = head;
		for (int i = 0; i < s->dim; i++, sk = dl_aggstate_next_sketch(sk))
		{
			size_t		need = dl_sketch_merge_bytes(sk, sk);

			if (need == 0 || 2 * sk->n > LIMIT_COUNT || 2 * sk->n_nan > LIMIT_COUNT)
				return NULL;	/* refused by the merge itself (DL_ELIMIT) */
			size += need;
		}
	}
	m = malloc(size);
	if (!m)
		abort();
	memcpy(m, s, head);
	m->rows *= 2;
	m->nulls *= 2;
	n_errors = 0;
	switch (s->layout)
	{
		case DL_LAYOUT_COLUMNS:
			if (s->flags & DL_HAS_MOMENTS)
			{
				dl_moments_soa a,
							b;

				dl_aggstate_moments(m, &a);
				dl_aggstate_moments(s, &b);
				dl_moments_soa_merge(&a, &b);
			}
			if ((s->flags & DL_HAS_SKETCHES) && s->dim > 0)
			{
				dl_sketch  *from = dl_aggstate_first_sketch(s);
				char	   *to = (char *) m + head;

				for (int i = 0; i < s->dim; i++, from = dl_aggstate_next_sketch(from))
				{
					size_t		need = dl_sketch_merge_bytes(from, from);

					dl_sketch_move((dl_sketch *) to, from, need);
					if (dl_sketch_merge((dl_sketch *) to, from) != DL_OK)
						garbage("a sketch of an accepted state does not merge with itself", i + 1);
					to += need;
				}
			}
			break;
		case DL_LAYOUT_COMOMENTS:
			if (s->dim > 0)
			{
				dl_comoments a,
							b;

				dl_aggstate_comoments(m, &a);
				dl_aggstate_comoments(s, &b);
				dl_comoments_merge(&a, &b);
			}
			break;
		case DL_LAYOUT_HISTOGRAM:
			for (size_t i = 0; i < (nbytes - DL_STATE_HDRSZ) / sizeof(double); i++)
				DL_STATE_SLOTS(m)[i] *= 2;
			break;
	}
	if (n_errors != 0)
		garbage("merging an accepted state with itself reports an error", 0);
	*outbytes = size;
	return m;
}

static void
fuzz_aggstate(const uint8_t *data, size_t size)
{
	size_t		nbytes = size + 4;
	dl_aggstate *s = malloc(nbytes);
	dl_detail	why;
	dl_status	st;

	if (!s)
		abort();
	memset(s, 0, 4);
	memcpy((char *) s + 4, data, size);
	why.text[0] = '\0';
	n_errors = 0;
	st = dl_aggstate_check(s, nbytes, &why);
	if (n_errors != 0)
		__builtin_trap();		/* the validator reports in why, never the hook */
	if (st != DL_OK)
	{
		if ((st != DL_EFORMAT && st != DL_EVERSION) || why.text[0] == '\0')
			__builtin_trap();
		free(s);
		return;
	}
	check_results(s);

	{
		size_t		mbytes = 0;
		dl_aggstate *m = self_merge(s, nbytes, &mbytes);

		if (m != NULL)
		{
			n_errors = 0;
			if (dl_aggstate_check(m, mbytes, &why) != DL_OK)
			{
				fprintf(stderr, "fuzz_state: merged with itself, refused: %s\n", why.text);
				garbage("an accepted state combined with itself is refused", 0);
			}
			check_results(m);
			free(m);
		}
	}
	free(s);
}

/* ---- pgdl.confusion_state --------------------------------------------------------- */

static void
fuzz_confusion(const uint8_t *data, size_t size)
{
	dl_confusion *c;
	dl_class_metrics r;
	dl_status	st;

	/* the bytes after the 8-byte header (length word, reserved word) */
	if (size < 4)
		return;
	data += 4;
	size -= 4;
	c = malloc(size ? size : 1);
	if (!c)
		abort();
	memcpy(c, data, size);
	n_errors = 0;
	st = dl_confusion_validate(c, size);
	if (st != DL_OK)
	{
		if ((st != DL_EFORMAT && st != DL_EVERSION) || n_errors != 1 || last_status != st ||
			last_message_len == 0)
			__builtin_trap();
		free(c);
		return;
	}
	if (n_errors != 0)
		__builtin_trap();
	dl_classification_metrics(c, &r);
	REQUIRE(r.n == c->n && r.classes == c->nlabels, "the metrics count other rows", 0);
	if (r.defined)
	{
		REQUIRE(r.accuracy >= 0 && r.accuracy <= 1, "accuracy outside [0, 1]", 0);
		REQUIRE(r.precision_macro >= 0 && r.precision_macro <= 1, "precision outside [0, 1]", 0);
		REQUIRE(r.recall_macro >= 0 && r.recall_macro <= 1, "recall outside [0, 1]", 0);
		REQUIRE(r.f1_macro >= 0 && r.f1_macro <= 1, "f1 outside [0, 1]", 0);
	}
	free(c);
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	install_hooks();
	if (size < 1)
		return 0;
	if (data[0] & 1)
		fuzz_confusion(data + 1, size - 1);
	else
		fuzz_aggstate(data + 1, size - 1);
	return 0;
}
