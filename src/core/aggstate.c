/*-------------------------------------------------------------------------
 *
 * aggstate.c
 *	  The aggregate state block (pgdl.aggstate): its sections and the
 *	  validation of a state that arrived from outside.
 *
 * The layout is described in pgdl_core.h.  This file is the one place that
 * knows which sections each purpose has and where each starts, so the
 * glue (src/pg/aggstate.c) reads and grows states through it, and the
 * validator, the unit tests and the fuzzer see exactly what the glue sees.
 *
 * src/core/aggstate.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "pgdl_core.h"

/* largest integer a double counts exactly */
#define MAX_EXACT_COUNT 9007199254740992.0

size_t
dl_aggstate_columns_nslots(int flags, int dim, int nq)
{
	size_t		n = 0;

	if (flags & DL_HAS_MOMENTS)
		n += dl_moments_soa_nslots(dim);
	if (flags & DL_HAS_Q)
		n += nq;
	if (flags & DL_HAS_SKETCHES)
		n += (size_t) dim * (dl_sketch_init_bytes() / sizeof(double));
	return n;
}

void
dl_aggstate_moments(dl_aggstate *s, dl_moments_soa *v)
{
	dl_moments_soa_bind(v, DL_STATE_SLOTS(s), s->dim);
}

double *
dl_aggstate_q(dl_aggstate *s)
{
	double	   *p = DL_STATE_SLOTS(s);

	if (s->flags & DL_HAS_MOMENTS)
		p += dl_moments_soa_nslots(s->dim);
	return p;
}

dl_sketch *
dl_aggstate_first_sketch(dl_aggstate *s)
{
	double	   *p = dl_aggstate_q(s);

	if (s->flags & DL_HAS_Q)
		p += s->nq;
	return (dl_sketch *) p;
}

dl_sketch *
dl_aggstate_next_sketch(dl_sketch *sk)
{
	return (dl_sketch *) ((char *) sk + dl_sketch_bytes(sk));
}

dl_sketch *
dl_aggstate_sketch(dl_aggstate *s, int i)
{
	dl_sketch  *sk = dl_aggstate_first_sketch(s);

	while (i-- > 0)
		sk = dl_aggstate_next_sketch(sk);
	return sk;
}

void
dl_aggstate_comoments(dl_aggstate *s, dl_comoments *c)
{
	c->d = s->dim;
	c->has_pairs = (s->flags & DL_HAS_PAIRS) != 0;
	c->buf = DL_STATE_SLOTS(s);
}

/* ---- validation ------------------------------------------------------------ */

static bool
valid_count(double c)
{
	return c >= 0.0 && c <= MAX_EXACT_COUNT && c == floor(c);
}

#define BAD(...) dl_detail_set(why, DL_EFORMAT, __VA_ARGS__)

/*
 * The sections a COLUMNS state of this purpose has (and so must have), or
 * -1 for a purpose that is not a COLUMNS one.  A scaler's kind and strategy
 * (params) decide between moments and sketches.
 */
static int
columns_flags(const dl_aggstate *s)
{
	switch (s->purpose)
	{
		case DL_PURPOSE_STATS:
			return DL_HAS_MOMENTS;
		case DL_PURPOSE_QUANTILES:
			return DL_HAS_Q | DL_HAS_SKETCHES;
		case DL_PURPOSE_SKETCH:
			return DL_HAS_SKETCHES;
		case DL_PURPOSE_DESCRIBE:
			return DL_HAS_MOMENTS | DL_HAS_SKETCHES;
		case DL_PURPOSE_REGRESSION:
			return DL_HAS_MOMENTS;
		case DL_PURPOSE_ROC_AUC:
			return DL_HAS_SKETCHES;
		case DL_PURPOSE_SCALER:
			{
				double		kind = s->params[0],
							strategy = s->params[1];

				if (!isfinite(s->params[2]) || s->params[3] != 0.0)
					return -1;
				if (kind >= DL_SCALER_STANDARD && kind <= DL_SCALER_MAXABS && strategy == DL_IMPUTE_NONE)
					return DL_HAS_MOMENTS;
				if (kind == DL_SCALER_ROBUST && strategy == DL_IMPUTE_NONE)
					return DL_HAS_SKETCHES;
				if (kind == DL_SCALER_IMPUTER &&
					(strategy == DL_IMPUTE_MEAN || strategy == DL_IMPUTE_CONSTANT))
					return DL_HAS_MOMENTS;
				if (kind == DL_SCALER_IMPUTER && strategy == DL_IMPUTE_MEDIAN)
					return DL_HAS_SKETCHES;
				return -1;
			}
		default:
			return -1;
	}
}

/*
 * describe's moments and sketch of one variable hold the same values: the
 * sketch counts NaN apart as the moments do, holds the infinities the
 * moments only count, and its minimum and maximum (over everything but NaN)
 * follow from theirs.
 */
static bool
same_values(const dl_moments *m, const dl_sketch *sk)
{
	double		finite = m->n + m->bn;
	double		lo = m->n_neginf > 0 ? -INFINITY : finite > 0 ? m->min : INFINITY;
	double		hi = m->n_posinf > 0 ? INFINITY : finite > 0 ? m->max : -INFINITY;

	return sk->n_nan == m->n_nan && sk->n == finite + m->n_posinf + m->n_neginf &&
		sk->min == lo && sk->max == hi;
}

/*
 * regression_metrics keeps the moments of the actual values, of the errors
 * e = actual - predicted and of |e|.  |e| is finite exactly when e is, and
 * e only when the actual value is (an infinite or NaN actual value gives an
 * infinite or NaN error); the moments of |e| and e are those of the same
 * values (dl_moments_check_abs), which makes mae <= rmse.
 */
static dl_status
check_regression(const dl_moments_soa *v, dl_detail *why)
{
	dl_moments	a,
				e,
				ae;
	dl_detail	what;
	dl_status	st;

	dl_moments_soa_get(v, 0, &a);
	dl_moments_soa_get(v, 1, &e);
	dl_moments_soa_get(v, 2, &ae);
	if (a.n + a.bn < e.n + e.bn || a.n_nan > e.n_nan ||
		a.n_posinf > e.n_posinf + e.n_nan || a.n_neginf > e.n_neginf + e.n_nan)
		return BAD("the actual values and the errors of a regression state do not match");
	if ((st = dl_moments_check_abs(&e, &ae, &what)) != DL_OK)
		return dl_detail_set(why, st, "regression errors: %s", what.text);
	return DL_OK;
}

/*
 * The relations between the sections of a COLUMNS state and its header,
 * each section being valid on its own.  Every non-NULL row reaches the
 * accumulators (NULL elements of an array are skipped per variable), so a
 * variable counts at most rows - nulls values, and exactly that many where
 * every row counts in it: the one sketch of a quantile state, the three
 * variables of a regression state, the two sketches of a ROC state
 * between them.  describe keeps moments and a sketch of the same values.
 */
static dl_status
check_columns_relations(dl_aggstate *s, dl_detail *why)
{
	double		nonnull = s->rows - s->nulls;
	double		sketched = 0;
	dl_moments_soa v;
	dl_sketch  *sk;

	if (s->flags & DL_HAS_MOMENTS)
	{
		dl_aggstate_moments(s, &v);
		for (int i = 0; i < s->dim; i++)
		{
			dl_moments	m;

			dl_moments_soa_get(&v, i, &m);
			if (s->purpose == DL_PURPOSE_REGRESSION ? dl_moments_count(&m) != nonnull :
				dl_moments_count(&m) > nonnull)
				return BAD("variable %d counts %.0f values of %.0f rows that were not NULL",
						   i + 1, dl_moments_count(&m), nonnull);
		}
	}
	if (s->flags & DL_HAS_SKETCHES)
	{
		sk = dl_aggstate_first_sketch(s);
		for (int i = 0; i < s->dim; i++, sk = dl_aggstate_next_sketch(sk))
		{
			if (dl_sketch_count(sk) > nonnull)
				return BAD("the sketch of variable %d counts %.0f values of %.0f rows that were not NULL",
						   i + 1, dl_sketch_count(sk), nonnull);
			sketched += dl_sketch_count(sk);
			if (s->purpose == DL_PURPOSE_DESCRIBE)
			{
				dl_moments	m;

				dl_moments_soa_get(&v, i, &m);
				if (!same_values(&m, sk))
					return BAD("the moments and the sketch of variable %d describe different values",
							   i + 1);
			}
		}
		if ((s->purpose == DL_PURPOSE_QUANTILES || s->purpose == DL_PURPOSE_SKETCH ||
			 s->purpose == DL_PURPOSE_ROC_AUC) && sketched != nonnull)
			return BAD("the sketches count %.0f values of %.0f rows that were not NULL",
					   sketched, nonnull);
	}
	if (s->purpose == DL_PURPOSE_REGRESSION)
		return check_regression(&v, why);
	return DL_OK;
}

static dl_status
check_columns(dl_aggstate *s, size_t nslots, dl_detail *why)
{
	size_t		used = 0;
	dl_status	st;

	if (s->flags != columns_flags(s))
		return BAD("the sections do not match the purpose");
	if ((s->purpose == DL_PURPOSE_QUANTILES || s->purpose == DL_PURPOSE_SKETCH) && s->dim != 1)
		return BAD("a quantile state has one variable");
	if ((s->purpose == DL_PURPOSE_REGRESSION && s->dim != DL_REGRESSION_DIM) ||
		(s->purpose == DL_PURPOSE_ROC_AUC && s->dim != DL_ROC_AUC_DIM))
		return BAD("a metrics state has a fixed number of variables");
	if (s->flags & DL_HAS_MOMENTS)
	{
		dl_moments_soa v;

		used += dl_moments_soa_nslots(s->dim);
		if (used > nslots)
			return BAD("the moments section is truncated");
		dl_aggstate_moments(s, &v);
		if ((st = dl_moments_soa_check(&v, why)) != DL_OK)
			return st;
	}
	if (s->flags & DL_HAS_Q)
	{
		const double *q;

		if (s->nq < 1 || s->nq > DL_STATE_MAX_Q)
			return BAD("the number of quantiles is out of range");
		used += s->nq;
		if (used > nslots)
			return BAD("the quantile list is truncated");
		q = dl_aggstate_q(s);
		for (int i = 0; i < s->nq; i++)
			if (!(q[i] >= 0.0 && q[i] <= 1.0))
				return BAD("a quantile is outside [0, 1]");
	}
	else if (s->nq != 0)
		return BAD("a quantile count without quantiles");
	if (s->flags & DL_HAS_SKETCHES)
	{
		dl_sketch  *sk = dl_aggstate_first_sketch(s);

		for (int i = 0; i < s->dim; i++)
		{
			size_t		bytes = 0;
			dl_detail	what;

			/* the sketch checks its own claimed size against what is left */
			st = dl_sketch_check_block(sk, (nslots - used) * sizeof(double), &bytes, &what);
			if (st != DL_OK)
				return dl_detail_set(why, st, "variable %d: %s", i + 1, what.text);
			used += bytes / sizeof(double);
			sk = (dl_sketch *) ((char *) sk + bytes);
		}
	}
	if (used != nslots)
		return BAD("the size does not match the sections");
	return check_columns_relations(s, why);
}

static dl_status
check_comoments(dl_aggstate *s, size_t nslots, dl_detail *why)
{
	dl_comoments c;

	if (s->purpose != DL_PURPOSE_COMOMENTS)
		return BAD("the purpose does not match the layout");
	if (s->flags & ~DL_HAS_PAIRS)
		return BAD("flags do not match the layout");
	if (nslots != (s->dim == 0 ? 0 : dl_comoments_nslots(s->dim, (s->flags & DL_HAS_PAIRS) != 0)))
		return BAD("the size does not match the number of variables");
	if (s->dim == 0)
		return s->flags == 0 ? DL_OK : BAD("a state without variables has pairs");
	dl_aggstate_comoments(s, &c);
	return dl_comoments_check(&c, s->rows - s->nulls, why);
}

static dl_status
check_histogram(dl_aggstate *s, size_t nslots, dl_detail *why)
{
	double		lo = s->params[0],
				hi = s->params[1],
				bins = s->params[2];
	const double *counts = DL_STATE_SLOTS(s);
	double		nonnull = s->rows - s->nulls;
	double		counted = 0;

	if (s->purpose != DL_PURPOSE_HISTOGRAM || s->flags != 0 || s->dim != 1)
		return BAD("the purpose does not match the layout");
	if (!isfinite(lo) || !isfinite(hi) || !(lo < hi) ||
		!(bins >= 1 && bins <= DL_STATE_MAX_BINS && bins == floor(bins)) ||
		nslots != (size_t) bins)
		return BAD("the histogram parameters are not valid");
	for (size_t i = 0; i < nslots; i++)
	{
		if (!valid_count(counts[i]))
			return BAD("a histogram count is not a count");
		/* bins count rows that were not NULL (nor NaN); sums stay exact */
		if (counts[i] > nonnull - counted)
			return BAD("the bins count more values than the %.0f rows that were not NULL",
					   nonnull);
		counted += counts[i];
	}
	return DL_OK;
}

/*
 * The most_frequent imputer's counts: a valid confusion table filling the
 * slots, whose pairs are (key, key) with keys of features below dim, and
 * that counts no more values than the rows that were not NULL hold.
 */
static dl_status
check_counts(dl_aggstate *s, size_t nslots, dl_detail *why)
{
	const dl_confusion *c = (const dl_confusion *) DL_STATE_SLOTS(s);
	double		nonnull = s->rows - s->nulls;

	if (s->purpose != DL_PURPOSE_SCALER || s->flags != 0 ||
		s->params[0] != DL_SCALER_IMPUTER || s->params[1] != DL_IMPUTE_MOST_FREQUENT)
		return BAD("the purpose does not match the layout");
	if (nslots * sizeof(double) < sizeof(dl_confusion) ||
		dl_confusion_validate(c, nslots * sizeof(double)) != DL_OK)
		return BAD("the counts are not a valid table");
	if (c->n > nonnull * (double) s->dim)
		return BAD("the counts hold more values than the %.0f rows that were not NULL", nonnull);
	for (uint32_t p = 0; p < c->npairs; p++)
	{
		uint32_t	a,
					b,
					len;
		double		count,
					v;
		int			j;
		const char *key = NULL;

		dl_confusion_pair(c, p, &a, &b, &count);
		if (a == b)
			key = dl_confusion_label(c, a, &len);
		if (key == NULL || !dl_scaler_count_key_parse(key, len, &j, &v) || j >= s->dim ||
			count > nonnull)
			return BAD("count %u is not of a value of a feature", p + 1);
	}
	return DL_OK;
}

/*
 * The parameters a purpose uses (histogram: lo, hi, bins; scaler: kind,
 * strategy, constant, checked with the sections) and zeros elsewhere.  Only
 * the constant imputer has a constant.
 */
static dl_status
check_params(const dl_aggstate *s, dl_detail *why)
{
	int			used = s->purpose == DL_PURPOSE_HISTOGRAM || s->purpose == DL_PURPOSE_SCALER ? 3 : 0;

	for (int i = used; i < 4; i++)
		if (s->params[i] != 0.0)
			return BAD("parameter %d is not used by this kind of state, yet it is not zero", i + 1);
	if (s->purpose == DL_PURPOSE_SCALER && s->params[2] != 0.0 &&
		!(s->params[0] == DL_SCALER_IMPUTER && s->params[1] == DL_IMPUTE_CONSTANT))
		return BAD("a scaler fit has a constant but not the constant imputer's strategy");
	return DL_OK;
}

dl_status
dl_aggstate_check(const dl_aggstate *state, size_t nbytes, dl_detail *why)
{
	/* nothing here writes: the sections are found through the mutable getters */
	dl_aggstate *s = (dl_aggstate *) state;
	size_t		nslots;
	dl_status	st;

	if (nbytes < DL_STATE_HDRSZ)
		return BAD("the value is shorter than the state header");
	if (s->magic != DL_STATE_MAGIC)
		return BAD("the magic number does not match");
	if (s->version > DL_STATE_VERSION)
		return dl_detail_set(why, DL_EVERSION,
							 "pgdl aggregate state version %d is newer than this pgdl understands (%d)",
							 s->version, DL_STATE_VERSION);
	if (s->version < 1)
		return BAD("the format version is not valid");
	if ((nbytes - DL_STATE_HDRSZ) % sizeof(double) != 0)
		return BAD("the size is not a whole number of slots");
	if (s->flags & ~DL_STATE_KNOWN_FLAGS)
		return BAD("unknown flags are set");
	if (s->dim < 0 || s->dim > DL_STATE_MAX_DIM)
		return BAD("the number of variables is out of range");
	if (!valid_count(s->nulls) || !valid_count(s->rows) || s->nulls > s->rows)
		return BAD("the row or NULL count is not a count");
	if (s->pad != 0 || s->pad2 != 0)
		return BAD("the padding of the header is not zero");
	if ((st = check_params(s, why)) != DL_OK)
		return st;
	/* variables come with the first row that is not NULL */
	if (s->dim == 0 && s->rows != s->nulls)
		return BAD("a state without variables counts rows that were not NULL");
	if (s->purpose == DL_PURPOSE_DESCRIBE && s->nulls != 0)
		return BAD("describe counts no NULL rows: its NULLs are per column");
	nslots = (nbytes - DL_STATE_HDRSZ) / sizeof(double);

	switch (s->layout)
	{
		case DL_LAYOUT_COLUMNS:
			return check_columns(s, nslots, why);
		case DL_LAYOUT_COMOMENTS:
			return check_comoments(s, nslots, why);
		case DL_LAYOUT_HISTOGRAM:
			return check_histogram(s, nslots, why);
		case DL_LAYOUT_COUNTS:
			return check_counts(s, nslots, why);
	}
	return BAD("the layout is unknown");
}
