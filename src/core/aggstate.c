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

/* regression states count every row in each of their variables */
static bool
same_counts(const dl_moments_soa *v)
{
	dl_moments	m;
	double		n;

	dl_moments_soa_get(v, 0, &m);
	n = dl_moments_count(&m);
	for (int i = 1; i < v->d; i++)
	{
		dl_moments_soa_get(v, i, &m);
		if (dl_moments_count(&m) != n)
			return false;
	}
	return true;
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
		if (s->purpose == DL_PURPOSE_REGRESSION && !same_counts(&v))
			return BAD("the variables of a regression state have different counts");
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
	return DL_OK;
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
		return DL_OK;
	dl_aggstate_comoments(s, &c);
	return dl_comoments_check(&c, why);
}

static dl_status
check_histogram(dl_aggstate *s, size_t nslots, dl_detail *why)
{
	double		lo = s->params[0],
				hi = s->params[1],
				bins = s->params[2];
	const double *counts = DL_STATE_SLOTS(s);

	if (s->purpose != DL_PURPOSE_HISTOGRAM || s->flags != 0 || s->dim != 1)
		return BAD("the purpose does not match the layout");
	if (!isfinite(lo) || !isfinite(hi) || !(lo < hi) ||
		!(bins >= 1 && bins <= DL_STATE_MAX_BINS && bins == floor(bins)) ||
		nslots != (size_t) bins)
		return BAD("the histogram parameters are not valid");
	for (size_t i = 0; i < nslots; i++)
		if (!valid_count(counts[i]))
			return BAD("a histogram count is not a count");
	return DL_OK;
}

dl_status
dl_aggstate_check(const dl_aggstate *state, size_t nbytes, dl_detail *why)
{
	/* nothing here writes: the sections are found through the mutable getters */
	dl_aggstate *s = (dl_aggstate *) state;
	size_t		nslots;

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
	nslots = (nbytes - DL_STATE_HDRSZ) / sizeof(double);

	switch (s->layout)
	{
		case DL_LAYOUT_COLUMNS:
			return check_columns(s, nslots, why);
		case DL_LAYOUT_COMOMENTS:
			return check_comoments(s, nslots, why);
		case DL_LAYOUT_HISTOGRAM:
			return check_histogram(s, nslots, why);
	}
	return BAD("the layout is unknown");
}
