/*-------------------------------------------------------------------------
 *
 * test_aggstate.c
 *	  Aggregate states from outside (src/core/aggstate.c and the validators
 *	  it calls): states built as the aggregates build them, from hostile but
 *	  valid data, pass; each relation between their parts, broken alone, is
 *	  refused with a detail naming it.
 *
 * test/unit/test_aggstate.c
 *
 *-------------------------------------------------------------------------
 */
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* ---- building states as the glue does --------------------------------------- */

typedef struct state_buf
{
	dl_aggstate *s;
	size_t		bytes;
} state_buf;

static state_buf
state_new(int layout, int purpose, int flags, int dim)
{
	state_buf	b;

	b.bytes = DL_STATE_HDRSZ;
	b.s = calloc(1, b.bytes);
	b.s->magic = DL_STATE_MAGIC;
	b.s->version = DL_STATE_VERSION;
	b.s->layout = layout;
	b.s->purpose = purpose;
	b.s->flags = flags;
	b.s->dim = dim;
	return b;
}

static void
state_append(state_buf *b, const void *data, size_t bytes)
{
	b->s = realloc(b->s, b->bytes + bytes);
	memcpy((char *) b->s + b->bytes, data, bytes);
	b->bytes += bytes;
}

static state_buf
state_copy(const state_buf *b)
{
	state_buf	c = {malloc(b->bytes), b->bytes};

	memcpy(c.s, b->s, b->bytes);
	return c;
}

static dl_status
state_check(const state_buf *b, dl_detail *why)
{
	why->text[0] = '\0';
	return dl_aggstate_check(b->s, b->bytes, why);
}

/* kinds of column: plain, huge, tiny, equal, special and awkward values */
enum
{
	K_NORMAL, K_PM1E100, K_PM1E300, K_PM1E308, K_DENORMAL, K_EQUAL, K_MAXEQUAL, K_NEAR,
	K_SPECIAL, K_OUTLIER, K_TWOPOINT, K_MIX, K_COUNT
};

static const char *const kind_names[K_COUNT] = {
	"normal", "+-1e100", "+-1e300", "+-1e308", "denormals", "equal", "DBL_MAX",
	"1e9 + tiny", "NaN/Inf", "one outlier", "two points", "mixed magnitudes"
};

static double
value(int kind, int i, uint64_t *st)
{
	static const double special[6] = {NAN, INFINITY, -INFINITY, 2.5, -7, 0};
	static const double mix[7] = {1e300, -1e300, 1e-300, 4.9406564584124654e-324,
	-4.9406564584124654e-324, 0, 1};

	switch (kind)
	{
		case K_NORMAL:
			return 100 + 10 * th_rand_normal(st);
		case K_PM1E100:
			return i % 2 ? 1e100 : -1e100;
		case K_PM1E300:
			return i % 2 ? 1e300 : -1e300;
		case K_PM1E308:
			return i % 2 ? 1e308 : -1e308;
		case K_DENORMAL:
			return (i % 5) * 4.9406564584124654e-324;
		case K_EQUAL:
			return 0.1;
		case K_MAXEQUAL:
			return DBL_MAX;
		case K_NEAR:
			return 1e9 + (i % 7) * 1e-7;
		case K_SPECIAL:
			return special[i % 6];
		case K_OUTLIER:
			return i == 0 ? 1e15 : i % 3;
		case K_TWOPOINT:
			return i % 2 ? 0 : 10;
		case K_MIX:
			return mix[i % 7];
	}
	return 0;
}

#define ROWS 1000

/*
 * A moments state (stats, or a moments scaler) of d columns of the given
 * kinds, every 7th element of the last column NULL, NULL rows every 50th
 * row; built in two halves merged, as a parallel plan does.
 */
static state_buf
moments_state(int purpose, const int *kinds, int d, uint64_t seed)
{
	state_buf	b = state_new(DL_LAYOUT_COLUMNS, purpose, DL_HAS_MOMENTS, d);
	size_t		n = dl_moments_soa_nslots(d);
	double	   *h1 = malloc(n * sizeof(double)),
			   *h2 = malloc(n * sizeof(double));
	dl_moments_soa v1,
				v2;
	uint64_t	st = seed;

	dl_moments_soa_init(&v1, h1, d);
	dl_moments_soa_init(&v2, h2, d);
	for (int i = 0; i < ROWS; i++)
	{
		double		x[16];
		bool		nul[16] = {0};

		b.s->rows++;
		if (i % 50 == 49)
		{
			b.s->nulls++;
			continue;
		}
		for (int j = 0; j < d; j++)
			x[j] = value(kinds[j], i, &st);
		nul[d - 1] = i % 7 == 3;
		dl_moments_soa_add(i < ROWS / 2 ? &v1 : &v2, x, nul);
	}
	dl_moments_soa_merge(&v1, &v2);
	state_append(&b, h1, n * sizeof(double));
	free(h1);
	free(h2);
	return b;
}

/* regression_metrics over (value, value / 4 or the negated value) */
static state_buf
regression_state(int kind, bool negate, int rows)
{
	state_buf	b = state_new(DL_LAYOUT_COLUMNS, DL_PURPOSE_REGRESSION, DL_HAS_MOMENTS, 3);
	size_t		n = dl_moments_soa_nslots(3);
	double	   *buf = malloc(n * sizeof(double));
	dl_moments_soa v;
	uint64_t	st = 3;

	dl_moments_soa_init(&v, buf, 3);
	for (int i = 0; i < rows; i++)
	{
		double		a = value(kind, i, &st),
					p = negate ? -a : a / 4,
					x[3];

		x[0] = a;
		x[1] = a - p;
		x[2] = fabs(x[1]);
		/* the aggregate refuses a finite difference that overflows (float8mi) */
		if (isinf(x[1]) && isfinite(a) && isfinite(p))
			continue;
		b.s->rows++;
		dl_moments_soa_add(&v, x, NULL);
	}
	state_append(&b, buf, n * sizeof(double));
	free(buf);
	return b;
}

/* sketches of d columns (NULL elements skipped), after q if nq > 0 */
static state_buf
sketch_state(int purpose, int flags, const int *kinds, int d, int rows, const double *q, int nq)
{
	state_buf	b = state_new(DL_LAYOUT_COLUMNS, purpose, flags, d);
	dl_sketch  *sk[16];
	size_t		nm = dl_moments_soa_nslots(d);
	double	   *mbuf = malloc(nm * sizeof(double));
	dl_moments_soa v;
	uint64_t	st = 5;
	int			failures = 0;

	dl_moments_soa_init(&v, mbuf, d);
	for (int j = 0; j < d; j++)
		sk[j] = th_sketch_new();
	b.s->nq = nq;
	for (int i = 0; i < rows; i++)
	{
		double		x[16];
		bool		nul[16] = {0};

		b.s->rows++;
		for (int j = 0; j < d; j++)
			x[j] = value(kinds[j], i, &st);
		if (purpose == DL_PURPOSE_ROC_AUC)
		{
			/* scores of positives to the first sketch, of negatives to the second */
			x[1] = x[0];
			nul[i % 3 == 0 ? 1 : 0] = true;
		}
		else
			nul[d - 1] = d > 1 && i % 7 == 3;
		if (flags & DL_HAS_MOMENTS)
			dl_moments_soa_add(&v, x, nul);
		for (int j = 0; j < d; j++)
			if (!nul[j])
				sk[j] = th_sketch_add(sk[j], x[j], &failures);
	}
	CHECK(failures == 0);
	if (flags & DL_HAS_MOMENTS)
		state_append(&b, mbuf, nm * sizeof(double));
	if (nq > 0)
		state_append(&b, q, nq * sizeof(double));
	for (int j = 0; j < d; j++)
	{
		state_append(&b, sk[j], dl_sketch_bytes(sk[j]));
		free(sk[j]);
	}
	free(mbuf);
	return b;
}

/* co-moments of (kind, 2 kind + 1, normal), the last NULL in every 5th row */
static state_buf
comoments_state(int kind, bool with_nulls)
{
	int			d = 3;
	state_buf	b = state_new(DL_LAYOUT_COMOMENTS, DL_PURPOSE_COMOMENTS,
							  with_nulls ? DL_HAS_PAIRS : 0, d);
	size_t		n = dl_comoments_nslots(d, true);
	double	   *buf = calloc(n, sizeof(double));
	dl_comoments c;
	uint64_t	st = 9;

	dl_comoments_init(&c, buf, d, with_nulls);
	for (int i = 0; i < ROWS; i++)
	{
		double		x[3];
		bool		nul[3] = {false, false, with_nulls && i % 5 == 2};

		x[0] = value(kind, i, &st);
		x[1] = 2 * x[0] + 1;
		x[2] = value(K_NORMAL, i, &st);
		b.s->rows++;
		if (nul[2])
			dl_comoments_add_nulls(&c, x, nul);
		else
			dl_comoments_add(&c, x);
	}
	state_append(&b, buf, dl_comoments_nslots(d, with_nulls) * sizeof(double));
	free(buf);
	return b;
}

static state_buf
histogram_state(void)
{
	state_buf	b = state_new(DL_LAYOUT_HISTOGRAM, DL_PURPOSE_HISTOGRAM, 0, 1);
	double		counts[8] = {0};
	uint64_t	st = 1;

	b.s->params[0] = 50;
	b.s->params[1] = 150;
	b.s->params[2] = 8;
	for (int i = 0; i < ROWS; i++)
	{
		double		x = value(i % 3 ? K_NORMAL : K_SPECIAL, i, &st);

		b.s->rows++;
		if (!isnan(x))
			counts[dl_histogram_bin(x, 50, 150, 8)] += 1;
	}
	state_append(&b, counts, sizeof(counts));
	return b;
}

/* ---- real states pass -------------------------------------------------------- */

static void
expect_ok(const state_buf *b, const char *what, int kind)
{
	dl_detail	why;

	if (state_check(b, &why) != DL_OK)
		th_fail(__FILE__, __LINE__, "%s over %s refused: %s", what, kind_names[kind], why.text);
}

static void
test_real_states(void)
{
	static const double q[4] = {0, 0.25, 0.5, 1};

	th_begin("aggstate: states of every purpose over huge, tiny, equal, NaN and infinite values pass");
	for (int k = 0; k < K_COUNT; k++)
	{
		int			kinds[3] = {k, K_NORMAL, k};
		state_buf	b;

		b = moments_state(DL_PURPOSE_STATS, kinds, 3, 11 + k);
		expect_ok(&b, "stats", k);
		free(b.s);
		b = moments_state(DL_PURPOSE_STATS, kinds, 1, 13 + k);
		expect_ok(&b, "stats of one column", k);
		free(b.s);
		for (int neg = 0; neg <= 1; neg++)
		{
			b = regression_state(k, neg, ROWS);
			expect_ok(&b, neg ? "regression (negated)" : "regression", k);
			free(b.s);
			b = regression_state(k, neg, 37);	/* a pending block only */
			expect_ok(&b, "regression of 37 rows", k);
			free(b.s);
		}
		b = sketch_state(DL_PURPOSE_DESCRIBE, DL_HAS_MOMENTS | DL_HAS_SKETCHES, kinds, 2, ROWS, NULL, 0);
		expect_ok(&b, "describe", k);
		free(b.s);
		b = sketch_state(DL_PURPOSE_QUANTILES, DL_HAS_Q | DL_HAS_SKETCHES, kinds, 1, ROWS, q, 4);
		expect_ok(&b, "quantiles", k);
		free(b.s);
		b = sketch_state(DL_PURPOSE_ROC_AUC, DL_HAS_SKETCHES, kinds, 2, ROWS, NULL, 0);
		expect_ok(&b, "roc_auc", k);
		free(b.s);
		b = comoments_state(k, false);
		expect_ok(&b, "co-moments", k);
		free(b.s);
		b = comoments_state(k, true);
		expect_ok(&b, "co-moments with NULLs", k);
		free(b.s);
	}
	{
		int			kinds[1] = {K_NORMAL};
		state_buf	b = sketch_state(DL_PURPOSE_SKETCH, DL_HAS_SKETCHES, kinds, 1, 25000, NULL, 0);

		/* beyond the exact size: compacted levels */
		CHECK(!dl_sketch_is_exact(dl_aggstate_first_sketch(b.s)));
		expect_ok(&b, "a compacted sketch", K_NORMAL);
		free(b.s);
		b = histogram_state();
		expect_ok(&b, "histogram", K_SPECIAL);
		free(b.s);
	}
	th_end();
}

/* ---- forged states are refused ------------------------------------------------- */

/* checks that b is refused with a detail containing fragment */
static void
expect_refused(const state_buf *b, const char *fragment, const char *forgery)
{
	dl_detail	why;
	dl_status	st = state_check(b, &why);

	if (st != DL_EFORMAT)
		th_fail(__FILE__, __LINE__, "%s: accepted (status %d)", forgery, (int) st);
	else if (strstr(why.text, fragment) == NULL)
		th_fail(__FILE__, __LINE__, "%s: refused for \"%s\", not \"%s\"", forgery, why.text, fragment);
}

/* variable i's record of the moments section */
static void
get_moments(state_buf *b, int i, dl_moments *m)
{
	dl_moments_soa v;

	dl_aggstate_moments(b->s, &v);
	dl_moments_soa_get(&v, i, m);
}

/* field f (0 n, 1 shift, 2 mean, ...) of variable i of the moments section */
static double *
field(state_buf *b, int f, int i)
{
	return DL_STATE_SLOTS(b->s) + (size_t) f * b->s->dim + i;
}

enum
{
	F_N, F_SHIFT, F_MEAN, F_M2, F_M3, F_M4, F_MIN, F_MAX, F_NAN, F_POSINF, F_NEGINF, F_BN,
	F_S1, F_S2, F_S3, F_S4
};

/* forges a copy of base with one field changed and expects the refusal */
static void
forge_field(const state_buf *base, int f, int i, double x, const char *fragment, const char *forgery)
{
	state_buf	c = state_copy(base);

	*field(&c, f, i) = x;
	expect_refused(&c, fragment, forgery);
	free(c.s);
}

static void
test_forged_moments(void)
{
	/* 1 .. 128 in two full blocks (nothing pending), then 1 .. 100 with 36 pending */
	int			kinds[1] = {K_NORMAL};
	state_buf	b = state_new(DL_LAYOUT_COLUMNS, DL_PURPOSE_STATS, DL_HAS_MOMENTS, 1);
	state_buf	p = state_new(DL_LAYOUT_COLUMNS, DL_PURPOSE_STATS, DL_HAS_MOMENTS, 1);
	dl_moments	m;
	state_buf	c;

	th_begin("aggstate: forged moments are refused, each relation naming itself");
	dl_moments_init(&m);
	for (int i = 1; i <= 128; i++)
		dl_moments_add(&m, i);
	state_append(&b, &m, sizeof(m));
	b.s->rows = 128;
	dl_moments_init(&m);
	for (int i = 1; i <= 100; i++)
		dl_moments_add(&m, i);
	state_append(&p, &m, sizeof(m));
	p.s->rows = 100;
	expect_ok(&b, "stats of 1 .. 128", K_NORMAL);
	expect_ok(&p, "stats of 1 .. 100", K_NORMAL);
	CHECK(*field(&b, F_BN, 0) == 0 && *field(&p, F_BN, 0) == 36);

	forge_field(&b, F_MEAN, 0, 500, "the mean is outside", "mean above the maximum");
	forge_field(&b, F_MEAN, 0, -10, "the mean is outside", "mean below the minimum");
	forge_field(&b, F_MAX, 0, 60, "the mean is outside", "maximum below the mean");
	forge_field(&b, F_SHIFT, 0, 1000, "first value is outside", "first value above the maximum");
	forge_field(&b, F_MIN, 0, 2, "first value is outside", "minimum above the first value");
	forge_field(&b, F_M2, 0, -1, "negative", "negative m2");
	forge_field(&b, F_M2, 0, 1e6, "above (max - min)^2 / 4", "m2 above Popoviciu's bound");
	forge_field(&b, F_M2, 0, 1, "below what the minimum and maximum alone give", "m2 below (max - min)^2 / 2");
	forge_field(&b, F_M3, 0, 1e12, "third central moment is above", "m3 above R m2");
	forge_field(&b, F_M4, 0, 1e12, "fourth central moment is above", "m4 above R^2 m2");
	forge_field(&b, F_M4, 0, 1, "below the square of the second", "m4 below m2^2 / n");
	forge_field(&b, F_M4, 0, -1, "negative", "negative m4");
	forge_field(&b, F_M3, 0, 1e7, "Pearson", "m3 breaking Pearson's inequality only");
	forge_field(&b, F_M3, 0, NAN, "not finite", "NaN m3 of data that cannot overflow");
	forge_field(&b, F_M2, 0, INFINITY, "not finite", "infinite m2 of data that cannot overflow");
	forge_field(&b, F_MEAN, 0, NAN, "not finite", "NaN mean of data that cannot overflow");
	forge_field(&b, F_N, 0, 1e300, "not a count", "a count that is not a count");
	forge_field(&b, F_NAN, 0, 9007199254740992.0, "2^53", "counts adding up past 2^53");
	forge_field(&b, F_S1, 0, 1, "sums but no values", "block sums without values");
	/* the pending block of 1 .. 100 */
	forge_field(&p, F_S1, 0, 1e6, "Cauchy-Schwarz", "block sum beyond sqrt(bn s2)");
	forge_field(&p, F_S4, 0, 1, "Cauchy-Schwarz", "block s4 below s2^2 / bn");
	forge_field(&p, F_S2, 0, NAN, "not finite", "NaN block sum of data that cannot overflow");
	forge_field(&p, F_S2, 0, -1, "negative", "negative block sum of squares");

	/* 30 values: all in the pending block, nothing merged */
	c = state_new(DL_LAYOUT_COLUMNS, DL_PURPOSE_STATS, DL_HAS_MOMENTS, 1);
	dl_moments_init(&m);
	for (int i = 1; i <= 30; i++)
		dl_moments_add(&m, i);
	state_append(&c, &m, sizeof(m));
	c.s->rows = 30;
	expect_ok(&c, "stats of 1 .. 30", K_NORMAL);
	forge_field(&c, F_MEAN, 0, 3, "without merged values", "a mean before any block was merged");
	forge_field(&c, F_M2, 0, 3, "without merged values", "an m2 before any block was merged");
	free(c.s);

	/* every value equal: no deviation at all */
	c = state_new(DL_LAYOUT_COLUMNS, DL_PURPOSE_STATS, DL_HAS_MOMENTS, 1);
	dl_moments_init(&m);
	for (int i = 0; i < 200; i++)
		dl_moments_add(&m, 0.1);
	state_append(&c, &m, sizeof(m));
	c.s->rows = 200;
	expect_ok(&c, "200 equal values", K_EQUAL);
	forge_field(&c, F_M2, 0, 1e-300, "every value equals", "equal values with a variance");
	forge_field(&c, F_MEAN, 0, 1e-17, "every value equals", "equal values whose mean is not theirs");
	free(c.s);

	/* an empty variable keeps its sentinels */
	c = moments_state(DL_PURPOSE_STATS, kinds, 1, 1);
	dl_moments_init(&m);
	memcpy(DL_STATE_SLOTS(c.s), &m, sizeof(m));
	expect_ok(&c, "an empty variable", K_NORMAL);
	forge_field(&c, F_MIN, 0, 0, "without finite values", "an empty variable with a minimum");
	free(c.s);

	/* with overflow possible (+-1e300), a NaN m3 is what the data gives */
	{
		int			huge[1] = {K_PM1E300};

		c = moments_state(DL_PURPOSE_STATS, huge, 1, 2);
		get_moments(&c, 0, &m);
		CHECK(!isfinite(m.m2) || !isfinite(m.m3) || !isfinite(m.m4));
		expect_ok(&c, "stats", K_PM1E300);
		forge_field(&c, F_MIN, 0, 0, "first value is outside", "huge data with a moved minimum");
		free(c.s);
	}
	free(b.s);
	free(p.s);
	th_end();
}

/* forges a copy with the header changed */
#define FORGE_HEADER(base, stmt, fragment, forgery) \
	do { state_buf c_ = state_copy(base); dl_aggstate *s = c_.s; \
		stmt; expect_refused(&c_, fragment, forgery); free(c_.s); (void) s; } while (0)

static void
test_forged_sections(void)
{
	int			kinds[2] = {K_NORMAL, K_TWOPOINT};
	state_buf	st = moments_state(DL_PURPOSE_STATS, kinds, 2, 4);
	state_buf	reg = regression_state(K_TWOPOINT, false, 128);
	state_buf	roc = sketch_state(DL_PURPOSE_ROC_AUC, DL_HAS_SKETCHES, kinds, 2, 300, NULL, 0);
	state_buf	sk = sketch_state(DL_PURPOSE_SKETCH, DL_HAS_SKETCHES, kinds, 1, 300, NULL, 0);
	state_buf	desc = sketch_state(DL_PURPOSE_DESCRIBE, DL_HAS_MOMENTS | DL_HAS_SKETCHES, kinds, 2, 300,
									NULL, 0);
	state_buf	hist = histogram_state();
	state_buf	nullrows = state_new(DL_LAYOUT_COLUMNS, DL_PURPOSE_STATS, DL_HAS_MOMENTS, 0);
	dl_moments	e;

	th_begin("aggstate: forged headers and sections are refused, each relation naming itself");
	nullrows.s->rows = nullrows.s->nulls = 3;
	expect_ok(&st, "stats", K_TWOPOINT);
	expect_ok(&reg, "regression", K_TWOPOINT);
	expect_ok(&roc, "roc_auc", K_TWOPOINT);
	expect_ok(&sk, "sketch", K_NORMAL);
	expect_ok(&desc, "describe", K_TWOPOINT);
	expect_ok(&hist, "histogram", K_SPECIAL);
	expect_ok(&nullrows, "NULL rows only", K_NORMAL);

	/* header */
	FORGE_HEADER(&st, s->rows = 500, "counts", "a variable counting more values than rows");
	FORGE_HEADER(&st, s->nulls = 100, "counts", "NULL rows that were counted as values");
	FORGE_HEADER(&st, s->pad = 1, "padding", "a padding word set");
	FORGE_HEADER(&st, s->pad2 = 7, "padding", "the second padding word set");
	FORGE_HEADER(&st, s->params[1] = 1, "parameter 2", "a parameter stats do not use");
	FORGE_HEADER(&nullrows, s->rows = 5, "without variables", "rows without variables");
	FORGE_HEADER(&desc, s->nulls = 1, "describe counts no NULL rows", "describe with NULL rows");

	/* regression: errors 0, 7.5, 0, 7.5, ... */
	FORGE_HEADER(&reg, s->rows = 129, "counts 128 values of 129", "a regression row no variable counts");
	{
		state_buf	c = state_copy(&reg);

		/* mae 7 > rmse 5.3: a mean of |e| within its minimum and maximum */
		get_moments(&c, 2, &e);
		*field(&c, F_MEAN, 2) = 7 - e.shift;
		expect_refused(&c, "mean squares", "mae above rmse");
		free(c.s);
	}
	forge_field(&reg, F_MAX, 2, 9, "minimum and maximum absolute values", "a largest |e| that is no error");
	forge_field(&reg, F_MAX, 1, 9, "minimum and maximum absolute values", "an error above max |e|");
	{
		/* one more row whose NaN actual value makes a NaN error, but an infinite |error| */
		state_buf	c = state_copy(&reg);

		c.s->rows = 129;
		*field(&c, F_NAN, 0) = 1;
		*field(&c, F_NAN, 1) = 1;
		*field(&c, F_POSINF, 2) = 1;
		expect_refused(&c, "count other values", "an infinite |e| for a NaN e");
		/* and where the actual value is NaN but the error is not */
		*field(&c, F_POSINF, 2) = 0;
		*field(&c, F_NAN, 2) = 1;
		*field(&c, F_NAN, 1) = 0;
		*field(&c, F_POSINF, 1) = 1;
		expect_refused(&c, "do not match", "a NaN actual value with an infinite error");
		free(c.s);
	}

	/* sketches: ROC (two sketches together), one sketch, describe */
	FORGE_HEADER(&roc, s->rows = 301, "the sketches count 300 values of 301", "a ROC row in no sketch");
	FORGE_HEADER(&sk, s->nulls = 1, "counts 300 values of 299", "a sketch counting a NULL row");
	{
		state_buf	c = state_copy(&sk);
		dl_sketch  *s = dl_aggstate_first_sketch(c.s);

		s->min -= 1;
		expect_refused(&c, "holds every value but not its minimum", "an exact sketch's unheld minimum");
		s->min += 1;
		s->max += 1;
		expect_refused(&c, "holds every value but not its minimum or maximum", "an exact sketch's unheld maximum");
		free(c.s);
	}
	{
		state_buf	c = state_copy(&desc);
		dl_sketch  *s = dl_aggstate_sketch(c.s, 1);

		/* the second column's sketch: two points; its maximum moved up, and held */
		for (uint32_t i = 0; i < s->count[0]; i++)
			if (((double *) (s + 1))[i] == s->max)
				((double *) (s + 1))[i] = 11;
		s->max = 11;
		expect_refused(&c, "describe different values", "describe's sketch and moments apart");
		free(c.s);
	}
	forge_field(&desc, F_NAN, 0, 1, "counts", "describe moments counting a NaN its sketch lacks");

	/* histogram: the bins count at most the rows that were not NULL */
	{
		state_buf	c = state_copy(&hist);

		DL_STATE_SLOTS(c.s)[3] += 1000;
		expect_refused(&c, "bins count more values", "histogram bins beyond the rows");
		free(c.s);
	}
	FORGE_HEADER(&hist, s->params[3] = 1, "parameter 4", "an unused histogram parameter");

	/* scaler fits: only the constant imputer has a constant */
	{
		int			one[1] = {K_NORMAL};
		state_buf	sc = moments_state(DL_PURPOSE_SCALER, one, 1, 3);

		sc.s->params[0] = DL_SCALER_IMPUTER;
		sc.s->params[1] = DL_IMPUTE_MEAN;
		expect_ok(&sc, "mean imputer", K_NORMAL);
		FORGE_HEADER(&sc, s->params[2] = 1, "constant", "a mean imputer with a constant");
		sc.s->params[1] = DL_IMPUTE_CONSTANT;
		sc.s->params[2] = 1;
		expect_ok(&sc, "constant imputer", K_NORMAL);
		free(sc.s);
	}
	free(st.s);
	free(reg.s);
	free(roc.s);
	free(sk.s);
	free(desc.s);
	free(hist.s);
	free(nullrows.s);
	th_end();
}

/* slot k of the co-moments section */
static void
forge_slot(const state_buf *base, size_t k, double x, const char *fragment, const char *forgery)
{
	state_buf	c = state_copy(base);

	DL_STATE_SLOTS(c.s)[k] = x;
	expect_refused(&c, fragment, forgery);
	free(c.s);
}

static void
test_forged_comoments(void)
{
	/* d = 3: n | shift[3] | mean[3] | C00 C01 C02 C11 C12 C22 | scratch[6] | pairs */
	enum
	{
		N = 0, MEAN0 = 4, C00 = 7, C01 = 8, C11 = 10, PAIRS = 19
	};
	state_buf	b = comoments_state(K_NORMAL, false);
	state_buf	p = comoments_state(K_NORMAL, true);
	state_buf	one;
	double		x[3] = {1, 2, 3};
	dl_comoments c;

	th_begin("aggstate: forged co-moments are refused, each relation naming itself");
	expect_ok(&b, "co-moments", K_NORMAL);
	expect_ok(&p, "co-moments with NULLs", K_NORMAL);
	forge_slot(&b, C01, 1e12, "Cauchy-Schwarz", "a covariance beyond Cauchy-Schwarz");
	forge_slot(&b, C00, -1, "negative", "a negative sum of squares");
	forge_slot(&b, MEAN0, 1e6, "mean farther", "a mean far from every row");
	forge_slot(&b, N, 999, "complete rows do not match", "complete rows missing from the count");
	FORGE_HEADER(&b, s->rows = 2000, "complete rows do not match", "rows that reached no accumulator");
	/*
	 * pairs in rows with NULLs, (0,0) (0,1) (0,2) (1,1) (1,2) (2,2): column 2
	 * alone is ever NULL, so the pairs with it are empty
	 */
	forge_slot(&p, PAIRS + 16 + 0, 5, "counts more rows than one of the variables", "a pair above its columns");
	forge_slot(&p, PAIRS + 16 + 7, 3, "without rows", "an empty pair with a co-moment");
	forge_slot(&p, PAIRS + 0, 999, "counts more rows", "a pair above the rows with NULLs");
	forge_slot(&p, PAIRS + 5, 1e9, "differs from itself", "a variable paired with itself, two variances");
	forge_slot(&p, PAIRS + 8 + 7, 1e20, "Cauchy-Schwarz", "a pair's co-moment beyond Cauchy-Schwarz");

	/* one row: its own shift, no deviation */
	one = state_new(DL_LAYOUT_COMOMENTS, DL_PURPOSE_COMOMENTS, 0, 3);
	state_append(&one, (double[32]) {0}, dl_comoments_nslots(3, false) * sizeof(double));
	dl_aggstate_comoments(one.s, &c);
	dl_comoments_add(&c, x);
	one.s->rows = 1;
	expect_ok(&one, "co-moments of one row", K_NORMAL);
	forge_slot(&one, MEAN0, 0.5, "without rows to make them", "one row with a mean of deviations");
	free(one.s);
	free(b.s);
	free(p.s);
	th_end();
}

/* ---- the most_frequent imputer's counts ------------------------------------- */

/*
 * A COUNTS state of two features: keys counted into a confusion table in the
 * slots, as the glue's counts_add does (the table does not grow here: it
 * holds 8 labels at first)
 */
static state_buf
counts_state(const int *feature, const double *value, int n, double rows)
{
	state_buf	b = state_new(DL_LAYOUT_COUNTS, DL_PURPOSE_SCALER, 0, 2);
	size_t		bytes = dl_confusion_init_bytes();
	dl_confusion *c = calloc(1, bytes);
	char		key[DL_SCALER_COUNT_KEY_MAX];
	dl_confusion_caps grow;

	dl_confusion_init(c);
	for (int i = 0; i < n; i++)
	{
		int			len = dl_scaler_count_key(key, feature[i], value[i]);

		CHECK_STATUS(dl_confusion_add(c, key, len, key, len, 1, &grow), DL_OK);
		CHECK(grow.label_cap == 0);
	}
	state_append(&b, c, bytes);
	free(c);
	b.s->params[0] = DL_SCALER_IMPUTER;
	b.s->params[1] = DL_IMPUTE_MOST_FREQUENT;
	b.s->rows = rows;
	return b;
}

static void
test_forged_counts(void)
{
	int			f[5] = {0, 0, 1, 0, 1};
	double		v[5] = {1.5, 1.5, -0.0, 2, 7};
	int			bad_f[2] = {0, 2};
	double		bad_v[2] = {1, 1};
	state_buf	b = counts_state(f, v, 5, 3);
	dl_scaler	sc;

	th_begin("aggstate: the most_frequent imputer's counts pass and fit; forged ones are refused");
	expect_ok(&b, "most_frequent counts", K_NORMAL);
	CHECK_STATUS(dl_scaler_alloc(&sc, DL_SCALER_IMPUTER, 2), DL_OK);
	sc.strategy = DL_IMPUTE_MOST_FREQUENT;
	CHECK_STATUS(dl_scaler_fit_counts(&sc, (const dl_confusion *) DL_STATE_SLOTS(b.s)), DL_OK);
	/* 1.5 twice; 0 and 7 once each: the smaller */
	CHECK(sc.fill[0] == 1.5 && sc.fill[1] == 0.0);
	dl_free(sc.center);
	FORGE_HEADER(&b, s->rows = 2, "more values than the 2 rows", "more counted values than two rows of two features hold");
	FORGE_HEADER(&b, s->params[1] = DL_IMPUTE_MEAN, "does not match", "counts under the mean imputer's strategy");
	FORGE_HEADER(&b, s->flags = DL_HAS_MOMENTS, "does not match", "counts with a moments flag");
	forge_slot(&b, 0, 7, "not a valid table", "a table with another magic number");
	free(b.s);
	/* a key of feature 2 in a state of two features */
	b = counts_state(bad_f, bad_v, 2, 2);
	expect_refused(&b, "is not of a value of a feature", "a count of a third feature");
	free(b.s);
	th_end();
}

/* ---- the tolerance cannot reject real data ------------------------------------ */

/*
 * Random data of every awkward shape, accumulated in random splits and
 * merged in random trees as parallel plans and Citus combine them: every
 * state must pass.  Two-point data sits exactly on Popoviciu's and Pearson's
 * bounds, so rounding pushes it over them half the time.
 */
static void
test_tolerance_stress(void)
{
	enum
	{
		PARTS = 8
	};
	uint64_t	st = 77;
	int			refused = 0;

	th_begin("aggstate: random data, random splits and merges never trip the tolerance");
	for (int trial = 0; trial < 300; trial++)
	{
		int			shape = (int) (th_rand_u64(&st) % 7);
		int			n = 1 + (int) (th_rand_u64(&st) % 5000);
		double		scale = ldexp(1.0, (int) (th_rand_u64(&st) % 1400) - 700);
		double		offset = (th_rand_u64(&st) % 2) ? scale * 1e6 : 0;
		dl_moments	part[PARTS];
		dl_moments	err_part[PARTS];
		dl_moments	abs_part[PARTS];
		double		cbuf[PARTS][32];
		dl_comoments cm[PARTS];
		dl_detail	why;

		for (int k = 0; k < PARTS; k++)
		{
			dl_moments_init(&part[k]);
			dl_moments_init(&err_part[k]);
			dl_moments_init(&abs_part[k]);
			dl_comoments_init(&cm[k], cbuf[k], 2, false);
		}
		for (int i = 0; i < n; i++)
		{
			double		u = th_rand_normal(&st),
						x,
						row[2];
			int			k = (int) (th_rand_u64(&st) % PARTS);

			switch (shape)
			{
				case 0:
					x = offset + scale * u;
					break;
				case 1:			/* two points: on the bounds */
					x = offset + scale * (i % 2);
					break;
				case 2:			/* heavy tail */
					x = offset + scale * u * u * u * u * u;
					break;
				case 3:			/* one outlier */
					x = i == 0 ? offset + scale * 1e8 : offset + scale * (i % 3);
					break;
				case 4:			/* nearly equal */
					x = offset + scale * (1 + 1e-12 * u);
					break;
				case 5:			/* skewed two points */
					x = offset + scale * (i % 97 == 0);
					break;
				default:		/* uniform */
					x = offset + scale * th_rand_uniform(&st);
					break;
			}
			dl_moments_add(&part[k], x);
			/* as regression_metrics keeps errors and their absolute values */
			dl_moments_add(&err_part[k], x - offset);
			dl_moments_add(&abs_part[k], fabs(x - offset));
			row[0] = x;
			row[1] = 3 * x - offset;
			dl_comoments_add(&cm[k], row);
		}
		/* merge in a random order, checking every intermediate */
		for (int left = PARTS; left > 1; left--)
		{
			int			a = (int) (th_rand_u64(&st) % left),
						b = (int) (th_rand_u64(&st) % left);

			if (a == b)
				b = (b + 1) % left;
			dl_moments_merge(&part[a], &part[b]);
			dl_moments_merge(&err_part[a], &err_part[b]);
			dl_moments_merge(&abs_part[a], &abs_part[b]);
			dl_comoments_merge(&cm[a], &cm[b]);
			if (dl_moments_check(&part[a], &why) != DL_OK ||
				dl_moments_check(&err_part[a], &why) != DL_OK ||
				dl_moments_check(&abs_part[a], &why) != DL_OK ||
				dl_moments_check_abs(&err_part[a], &abs_part[a], &why) != DL_OK ||
				dl_comoments_check(&cm[a], cm[a].buf[0], &why) != DL_OK)
			{
				if (refused++ < 5)
					th_fail(__FILE__, __LINE__, "trial %d (shape %d, n %d, scale %g): %s",
							trial, shape, n, scale, why.text);
			}
			part[b] = part[left - 1];
			err_part[b] = err_part[left - 1];
			abs_part[b] = abs_part[left - 1];
			memcpy(cbuf[b], cbuf[left - 1], sizeof(cbuf[b]));
		}
		if (dl_moments_check(&part[0], &why) != DL_OK && refused++ < 5)
			th_fail(__FILE__, __LINE__, "trial %d (shape %d, n %d): %s", trial, shape, n, why.text);
	}
	CHECK(refused == 0);
	th_end();
}

void		suite_aggstate(void);

void
suite_aggstate(void)
{
	test_real_states();
	test_forged_moments();
	test_forged_sections();
	test_forged_comoments();
	test_forged_counts();
	test_tolerance_stress();
}
