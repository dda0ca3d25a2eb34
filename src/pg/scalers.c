/*-------------------------------------------------------------------------
 *
 * scalers.c
 *	  The pgdl.scaler type, the aggregates that fit scalers, and transform,
 *	  inverse_transform and is_outlier.
 *
 * A scaler's binary form is a small header plus five float8 arrays (center,
 * scale, lo, hi, fill), used in place: applying one to a row reads it
 * without copying.  Its text form is readable JSON (src/core/scaler.c).
 * Functions applying a scaler keep the last one they validated in fn_extra
 * together with its raw bytes, so a scaler applied to many rows is
 * detoasted and checked once per query, not once per row.
 *
 * src/pg/scalers.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "aggstate.h"
#include "arrays.h"
#include "pgdl.h"

PG_FUNCTION_INFO_V1(pgdl_scaler_in);
PG_FUNCTION_INFO_V1(pgdl_scaler_out);
PG_FUNCTION_INFO_V1(pgdl_scaler_recv);
PG_FUNCTION_INFO_V1(pgdl_scaler_send);
PG_FUNCTION_INFO_V1(pgdl_standard_scaler_accum);
PG_FUNCTION_INFO_V1(pgdl_minmax_scaler_accum);
PG_FUNCTION_INFO_V1(pgdl_maxabs_scaler_accum);
PG_FUNCTION_INFO_V1(pgdl_robust_scaler_accum);
PG_FUNCTION_INFO_V1(pgdl_imputer_accum);
PG_FUNCTION_INFO_V1(pgdl_standard_scaler_accum1);
PG_FUNCTION_INFO_V1(pgdl_minmax_scaler_accum1);
PG_FUNCTION_INFO_V1(pgdl_maxabs_scaler_accum1);
PG_FUNCTION_INFO_V1(pgdl_robust_scaler_accum1);
PG_FUNCTION_INFO_V1(pgdl_imputer_accum1);
PG_FUNCTION_INFO_V1(pgdl_transform1);
PG_FUNCTION_INFO_V1(pgdl_inverse_transform1);
PG_FUNCTION_INFO_V1(pgdl_is_outlier1);
PG_FUNCTION_INFO_V1(pgdl_scaler_final);
PG_FUNCTION_INFO_V1(pgdl_transform);
PG_FUNCTION_INFO_V1(pgdl_inverse_transform);
PG_FUNCTION_INFO_V1(pgdl_is_outlier);

#define SCALER_MAGIC	0x50474453u /* "PGDS" */
#define SCALER_VERSION	1
#define SCALER_ARRAYS	5

typedef struct PgdlScalerData
{
	int32		vl_len_;
	uint32		magic;
	uint16		version;
	uint16		kind;
	uint16		strategy;
	uint16		pad;
	int32		d;
	int32		pad2;
	double		n;
	double		constant;
	/* double center[d], scale[d], lo[d], hi[d], fill[d] follow */
} PgdlScalerData;

#define SCALER_HDRSZ sizeof(PgdlScalerData)

static void
bad_scaler(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid pgdl scaler"),
			 errdetail("%s", detail)));
}

/* points s's arrays into the varlena, after checking its header and size */
static void
scaler_view(const PgdlScalerData *v, Size nbytes, dl_scaler *s)
{
	double	   *a;

	if (nbytes < SCALER_HDRSZ)
		bad_scaler("The value is shorter than the scaler header.");
	if (v->magic != SCALER_MAGIC)
		bad_scaler("The magic number does not match.");
	if (v->version > SCALER_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("pgdl scaler format version %d is newer than this pgdl understands (%d)",
						v->version, SCALER_VERSION),
				 errhint("Upgrade the pgdl extension on this server.")));
	if (v->version < 1 || v->pad != 0 || v->pad2 != 0)
		bad_scaler("The version or the padding is not valid.");
	if (v->d < 1 || v->d > PGDL_MAX_DIM ||
		nbytes != SCALER_HDRSZ + (Size) SCALER_ARRAYS * v->d * sizeof(double))
		bad_scaler("The size does not match the number of features.");
	a = (double *) ((char *) v + SCALER_HDRSZ);
	s->kind = v->kind;
	s->strategy = v->strategy;
	s->d = v->d;
	s->n = v->n;
	s->constant = v->constant;
	s->center = a;
	s->scale = a + v->d;
	s->lo = a + 2 * (Size) v->d;
	s->hi = a + 3 * (Size) v->d;
	s->fill = a + 4 * (Size) v->d;
	if (dl_scaler_validate_fitted(s) != DL_OK)
		bad_scaler("The scaler's parameters are not consistent.");
}

static PgdlScalerData *
scaler_to_varlena(const dl_scaler *s)
{
	Size		size = SCALER_HDRSZ + (Size) SCALER_ARRAYS * s->d * sizeof(double);
	PgdlScalerData *v = palloc0(size);
	double	   *a = (double *) ((char *) v + SCALER_HDRSZ);

	SET_VARSIZE(v, size);
	v->magic = SCALER_MAGIC;
	v->version = SCALER_VERSION;
	v->kind = s->kind;
	v->strategy = s->strategy;
	v->d = s->d;
	v->n = s->n;
	v->constant = s->constant;
	memcpy(a, s->center, s->d * sizeof(double));
	memcpy(a + s->d, s->scale, s->d * sizeof(double));
	memcpy(a + 2 * (Size) s->d, s->lo, s->d * sizeof(double));
	memcpy(a + 3 * (Size) s->d, s->hi, s->d * sizeof(double));
	memcpy(a + 4 * (Size) s->d, s->fill, s->d * sizeof(double));
	return v;
}

Datum
pgdl_scaler_in(PG_FUNCTION_ARGS)
{
	dl_scaler	s;

	/* the core reports malformed text (22P02) through the error hook */
	pgdl_check_status(dl_scaler_from_json(PG_GETARG_CSTRING(0), &s));
	PG_RETURN_POINTER(scaler_to_varlena(&s));
}

Datum
pgdl_scaler_out(PG_FUNCTION_ARGS)
{
	PgdlScalerData *v = (PgdlScalerData *) PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
	dl_scaler	s;

	scaler_view(v, VARSIZE(v), &s);
	PG_RETURN_CSTRING(dl_scaler_to_json(&s));
}

Datum
pgdl_scaler_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			len = buf->len - buf->cursor;
	const char *data = pq_getmsgbytes(buf, len);
	PgdlScalerData *v;
	dl_scaler	s;

	if (len < (int) (SCALER_HDRSZ - VARHDRSZ))
		bad_scaler("The value is shorter than the scaler header.");
	v = palloc(len + VARHDRSZ);
	SET_VARSIZE(v, len + VARHDRSZ);
	memcpy((char *) v + VARHDRSZ, data, len);
	scaler_view(v, VARSIZE(v), &s);
	PG_RETURN_POINTER(v);
}

Datum
pgdl_scaler_send(PG_FUNCTION_ARGS)
{
	PgdlScalerData *v = (PgdlScalerData *) PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, (const char *) v + VARHDRSZ, VARSIZE(v) - VARHDRSZ);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ---- fitting --------------------------------------------------------------- */

static bool
kind_needs_sketches(dl_scaler_kind kind, dl_impute_strategy strategy)
{
	return kind == DL_SCALER_ROBUST ||
		(kind == DL_SCALER_IMPUTER && strategy == DL_IMPUTE_MEDIAN);
}

/*
 * The most_frequent imputer: counts each element that is not NULL as the
 * pair (key, key) of its feature and value in the state's table, growing
 * the state when the table asks; at most DL_CONFUSION_MAX_PAIRS distinct
 * (feature, value) keys (54000 beyond).
 */
static PgdlAggState *
counts_add(PgdlAggState *s, const PgdlVector *vec)
{
	char		key[DL_SCALER_COUNT_KEY_MAX];

	for (int j = 0; j < vec->d; j++)
	{
		int			len;
		dl_confusion_caps grow;

		if (vec->isnull && vec->isnull[j])
			continue;
		len = dl_scaler_count_key(key, j, vec->x[j]);
		if (PGDL_STATE_COUNTS(s)->npairs >= DL_CONFUSION_MAX_PAIRS &&
			dl_confusion_find_label(PGDL_STATE_COUNTS(s), key, len) == DL_CONFUSION_NONE)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("the most_frequent imputer counts at most %d distinct values", DL_CONFUSION_MAX_PAIRS),
					 errhint("Use the median imputer for a column with many distinct values.")));
		for (;;)
		{
			pgdl_check_status(dl_confusion_add(PGDL_STATE_COUNTS(s), key, len, key, len, 1, &grow));
			if (grow.label_cap == 0)
				break;
			s = pgdl_state_counts_grow(s, &grow);
		}
	}
	return s;
}

/* adds one feature vector (vec NULL: a NULL row) to a scaler fit */
static PgdlAggState *
scaler_accum(PgdlAggState *s, const PgdlVector *vec, dl_scaler_kind kind,
			 dl_impute_strategy strategy, double constant)
{
	int			flags = kind_needs_sketches(kind, strategy) ? PGDL_HAS_SKETCHES : PGDL_HAS_MOMENTS;

	if (s != NULL)
	{
		pgdl_state_expect(s, PGDL_PURPOSE_SCALER, -1);
		if (s->params[0] != kind || s->params[1] != strategy || s->params[2] != constant)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("strategy must not change between rows")));
	}
	if (s == NULL || (s->dim == 0 && vec != NULL))
	{
		double		nulls = s ? s->nulls : 0;
		int			d = vec ? vec->d : 0;

		if (strategy == DL_IMPUTE_MOST_FREQUENT)
		{
			s = pgdl_state_alloc(PGDL_LAYOUT_COUNTS, PGDL_PURPOSE_SCALER, 0, d,
								 dl_confusion_init_bytes() / sizeof(double));
			dl_confusion_init(PGDL_STATE_COUNTS(s));
		}
		else
		{
			s = pgdl_state_alloc(PGDL_LAYOUT_COLUMNS, PGDL_PURPOSE_SCALER, flags, d,
								 pgdl_columns_nslots(flags, d, 0));
			pgdl_columns_init(s);
		}
		s->params[0] = kind;
		s->params[1] = strategy;
		s->params[2] = constant;
		s->nulls = s->rows = nulls;
	}
	s->rows += 1;
	if (vec == NULL)
	{
		s->nulls += 1;
		return s;
	}
	if (vec->d != s->dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("array of length %d does not match the length %d of the previous rows",
						vec->d, s->dim)));
	if (strategy == DL_IMPUTE_MOST_FREQUENT)
		s = counts_add(s, vec);
	else if (flags & PGDL_HAS_MOMENTS)
	{
		dl_moments_soa v;

		pgdl_state_moments(s, &v);
		dl_moments_soa_add(&v, vec->x, vec->isnull);
	}
	else
		s = pgdl_state_sketches_add(s, vec->x, vec->isnull);
	return s;
}

/*
 * Argument argno of a transition function as a feature vector: the array,
 * or (single) one float8 value as a vector of one; NULL for a NULL
 */
static const PgdlVector *
accum_input(FunctionCallInfo fcinfo, int argno, bool single, PgdlVector *vec, double *one)
{
	if (PG_ARGISNULL(argno))
		return NULL;
	if (single)
	{
		*one = PG_GETARG_FLOAT8(argno);
		vec->d = 1;
		vec->x = one;
		vec->isnull = NULL;
	}
	else
		pgdl_read_vector(PG_GETARG_ARRAYTYPE_P(argno), pgdl_vector_scratch(fcinfo), vec,
						 "feature vector");
	return vec;
}

static Datum
fit_accum(FunctionCallInfo fcinfo, dl_scaler_kind kind, bool single, const char *fname)
{
	PgdlAggState *s = PG_ARGISNULL(0) ? NULL : (PgdlAggState *) PG_GETARG_POINTER(0);
	PgdlVector	vec;
	double		one;

	pgdl_agg_context(fcinfo, fname);
	PG_RETURN_POINTER(scaler_accum(s, accum_input(fcinfo, 1, single, &vec, &one), kind,
								   DL_IMPUTE_NONE, 0.0));
}

Datum
pgdl_standard_scaler_accum(PG_FUNCTION_ARGS)
{
	return fit_accum(fcinfo, DL_SCALER_STANDARD, false, "pgdl.standard_scaler");
}

Datum
pgdl_minmax_scaler_accum(PG_FUNCTION_ARGS)
{
	return fit_accum(fcinfo, DL_SCALER_MINMAX, false, "pgdl.minmax_scaler");
}

Datum
pgdl_maxabs_scaler_accum(PG_FUNCTION_ARGS)
{
	return fit_accum(fcinfo, DL_SCALER_MAXABS, false, "pgdl.maxabs_scaler");
}

Datum
pgdl_robust_scaler_accum(PG_FUNCTION_ARGS)
{
	return fit_accum(fcinfo, DL_SCALER_ROBUST, false, "pgdl.robust_scaler");
}

/* the single-column forms: pgdl.standard_scaler(float8), ... */
Datum
pgdl_standard_scaler_accum1(PG_FUNCTION_ARGS)
{
	return fit_accum(fcinfo, DL_SCALER_STANDARD, true, "pgdl.standard_scaler");
}

Datum
pgdl_minmax_scaler_accum1(PG_FUNCTION_ARGS)
{
	return fit_accum(fcinfo, DL_SCALER_MINMAX, true, "pgdl.minmax_scaler");
}

Datum
pgdl_maxabs_scaler_accum1(PG_FUNCTION_ARGS)
{
	return fit_accum(fcinfo, DL_SCALER_MAXABS, true, "pgdl.maxabs_scaler");
}

Datum
pgdl_robust_scaler_accum1(PG_FUNCTION_ARGS)
{
	return fit_accum(fcinfo, DL_SCALER_ROBUST, true, "pgdl.robust_scaler");
}

static dl_impute_strategy
parse_strategy(const char *str, double *constant)
{
	if (strcmp(str, "mean") == 0)
		return DL_IMPUTE_MEAN;
	if (strcmp(str, "median") == 0)
		return DL_IMPUTE_MEDIAN;
	if (strcmp(str, "most_frequent") == 0)
		return DL_IMPUTE_MOST_FREQUENT;
	if (strncmp(str, "constant:", 9) == 0)
	{
		char	   *end;

		errno = 0;
		*constant = strtod(str + 9, &end);
		if (end != str + 9 && *end == '\0' && errno == 0 && isfinite(*constant))
			return DL_IMPUTE_CONSTANT;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown imputer strategy \"%s\"", str),
			 errhint("Use 'mean', 'median', 'most_frequent' or 'constant:<number>', e.g. 'constant:0'.")));
	return DL_IMPUTE_NONE;		/* keep compiler quiet */
}

static Datum
imputer_accum(FunctionCallInfo fcinfo, bool single)
{
	PgdlAggState *s = PG_ARGISNULL(0) ? NULL : (PgdlAggState *) PG_GETARG_POINTER(0);
	double		constant = 0.0;
	dl_impute_strategy strategy;
	PgdlVector	vec;
	double		one;

	pgdl_agg_context(fcinfo, "pgdl.imputer");
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("strategy must not be NULL")));
	strategy = parse_strategy(text_to_cstring(PG_GETARG_TEXT_PP(2)), &constant);
	if (s != NULL && (s->params[1] != strategy || s->params[2] != constant))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("strategy must not change between rows")));
	PG_RETURN_POINTER(scaler_accum(s, accum_input(fcinfo, 1, single, &vec, &one),
								   DL_SCALER_IMPUTER, strategy, constant));
}

Datum
pgdl_imputer_accum(PG_FUNCTION_ARGS)
{
	return imputer_accum(fcinfo, false);
}

Datum
pgdl_imputer_accum1(PG_FUNCTION_ARGS)
{
	return imputer_accum(fcinfo, true);
}

Datum
pgdl_scaler_final(PG_FUNCTION_ARGS)
{
	PgdlAggState *s;
	dl_scaler	sc;
	dl_scaler_kind kind;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = pgdl_final_state(fcinfo, PGDL_PURPOSE_SCALER, -1);
	if (s->dim == 0)
		PG_RETURN_NULL();		/* only NULL rows: nothing to fit */
	kind = (dl_scaler_kind) s->params[0];
	pgdl_check_status(dl_scaler_alloc(&sc, kind, s->dim));
	sc.strategy = (dl_impute_strategy) s->params[1];
	sc.constant = s->params[2];
	if (s->layout == PGDL_LAYOUT_COUNTS)
		pgdl_check_status(dl_scaler_fit_counts(&sc, PGDL_STATE_COUNTS(s)));
	else if (s->flags & PGDL_HAS_MOMENTS)
	{
		dl_moments_soa v;

		pgdl_state_moments(s, &v);
		for (int i = 0; i < s->dim; i++)
		{
			dl_moments	m;

			double		lo,
						hi;

			/*
			 * What each kind computes from finite values must stay finite, as
			 * in SQL's float8 arithmetic: the deviation (standard), the range
			 * (minmax), the mean (imputer); maxabs takes only the extremes
			 */
			if (kind == DL_SCALER_STANDARD)
			{
				pgdl_moments_get_checked(&v, i, &m);
				continue;
			}
			dl_moments_soa_get(&v, i, &m);
			lo = dl_moments_min(&m);
			hi = dl_moments_max(&m);
			if (!isfinite(lo) || !isfinite(hi))
				continue;
			if (kind == DL_SCALER_MINMAX && !isfinite(hi - lo))
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("value out of range: overflow"),
						 errdetail("The range of element %d, from %g to %g, overflows float8.",
								   i + 1, lo, hi)));
			if (kind == DL_SCALER_IMPUTER && sc.strategy == DL_IMPUTE_MEAN &&
				!isfinite(dl_moments_mean(&m)))
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("value out of range: overflow"),
						 errdetail("The mean of element %d overflows float8.", i + 1)));
		}
		dl_scaler_fit_moments(&sc, &v);
	}
	else
	{
		const dl_sketch **sks = palloc(sizeof(dl_sketch *) * s->dim);
		dl_sketch  *sk = pgdl_state_first_sketch(s);

		for (int i = 0; i < s->dim; i++)
		{
			sks[i] = sk;
			sk = pgdl_state_next_sketch(sk);
		}
		pgdl_check_status(dl_scaler_fit_sketches(&sc, (const dl_sketch *const *) sks));
	}
	sc.n = s->rows - s->nulls;
	PG_RETURN_POINTER(scaler_to_varlena(&sc));
}

/* ---- applying ---------------------------------------------------------------- */

typedef struct ScalerCache
{
	PgdlVectorScratch scratch;
	Size		rawlen;
	char	   *raw;			/* the argument's bytes as received */
	PgdlScalerData *data;		/* detoasted, validated */
	dl_scaler	scaler;
	double	   *out;
	bool	   *outnulls;
	int			outcap;
	double		one;			/* the single-column forms' input */
	bool		one_null;
} ScalerCache;

/* the validated scaler of argument 0, parsed once per distinct value */
static ScalerCache *
get_scaler(FunctionCallInfo fcinfo)
{
	ScalerCache *c = (ScalerCache *) fcinfo->flinfo->fn_extra;
	struct varlena *raw = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(0));
	Size		rawlen = VARSIZE_ANY(raw);
	MemoryContext mcxt = fcinfo->flinfo->fn_mcxt;

	if (c == NULL)
	{
		c = MemoryContextAllocZero(mcxt, sizeof(ScalerCache));
		c->scratch.mcxt = mcxt;
		fcinfo->flinfo->fn_extra = c;
	}
	if (c->raw == NULL || c->rawlen != rawlen || memcmp(c->raw, raw, rawlen) != 0)
	{
		MemoryContext old = MemoryContextSwitchTo(mcxt);
		PgdlScalerData *v = (PgdlScalerData *) PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(0));

		MemoryContextSwitchTo(old);
		if (c->raw)
		{
			pfree(c->raw);
			pfree(c->data);
			c->raw = NULL;
		}
		scaler_view(v, VARSIZE(v), &c->scaler);
		c->data = v;
		c->raw = MemoryContextAlloc(mcxt, rawlen);
		memcpy(c->raw, raw, rawlen);
		c->rawlen = rawlen;
		if (c->outcap < c->scaler.d)
		{
			c->out = MemoryContextAlloc(mcxt, c->scaler.d * sizeof(double));
			c->outnulls = MemoryContextAlloc(mcxt, c->scaler.d * sizeof(bool));
			c->outcap = c->scaler.d;
		}
	}
	return c;
}

/*
 * argument 1: the array, or (single) one float8 value into c->one, a NULL
 * one (transform's single-column form is not strict, for the imputer) as a
 * NULL element
 */
static void
read_input(FunctionCallInfo fcinfo, ScalerCache *c, PgdlVector *vec, bool single)
{
	if (single)
	{
		c->one_null = PG_ARGISNULL(1);
		c->one = c->one_null ? NAN : PG_GETARG_FLOAT8(1);
		vec->d = 1;
		vec->x = &c->one;
		vec->isnull = c->one_null ? &c->one_null : NULL;
	}
	else
		pgdl_read_vector(PG_GETARG_ARRAYTYPE_P(1), &c->scratch, vec, "feature vector");
	if (vec->d != c->scaler.d)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("feature vector has %d element%s but the %s scaler was fitted on %d",
						vec->d, vec->d == 1 ? "" : "s", dl_scaler_kind_name(c->scaler.kind), c->scaler.d),
				 single ? errhint("Apply a scaler fitted on arrays to arrays.") : 0));
	for (int i = 0; i < vec->d; i++)
		c->outnulls[i] = vec->isnull ? vec->isnull[i] : false;
}

static Datum
transform(FunctionCallInfo fcinfo, bool single)
{
	ScalerCache *c;
	PgdlVector	vec;
	bool		any_null = false;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	c = get_scaler(fcinfo);
	read_input(fcinfo, c, &vec, single);
	pgdl_check_status(dl_scaler_transform(&c->scaler, vec.x, c->outnulls, c->out));
	if (single)
	{
		if (c->outnulls[0])
			PG_RETURN_NULL();
		PG_RETURN_FLOAT8(c->out[0]);
	}
	for (int i = 0; i < vec.d; i++)
		any_null |= c->outnulls[i];
	PG_RETURN_ARRAYTYPE_P(pgdl_float8_array(c->out, any_null ? c->outnulls : NULL, vec.d));
}

static Datum
inverse_transform(FunctionCallInfo fcinfo, bool single)
{
	ScalerCache *c = get_scaler(fcinfo);
	PgdlVector	vec;

	read_input(fcinfo, c, &vec, single);
	pgdl_check_status(dl_scaler_inverse(&c->scaler, vec.x, vec.isnull, c->out));
	if (single)
		PG_RETURN_FLOAT8(c->out[0]);
	PG_RETURN_ARRAYTYPE_P(pgdl_float8_array(c->out, vec.isnull ? c->outnulls : NULL, vec.d));
}

static Datum
is_outlier(FunctionCallInfo fcinfo, bool single)
{
	ScalerCache *c = get_scaler(fcinfo);
	PgdlVector	vec;
	bool		result;

	read_input(fcinfo, c, &vec, single);
	pgdl_check_status(dl_scaler_is_outlier(&c->scaler, vec.x, vec.isnull,
										   PG_GETARG_FLOAT8(2), &result));
	PG_RETURN_BOOL(result);
}

Datum
pgdl_transform(PG_FUNCTION_ARGS)
{
	return transform(fcinfo, false);
}

Datum
pgdl_inverse_transform(PG_FUNCTION_ARGS)
{
	return inverse_transform(fcinfo, false);
}

Datum
pgdl_is_outlier(PG_FUNCTION_ARGS)
{
	return is_outlier(fcinfo, false);
}

/* the single-column forms: float8 in, float8 out */
Datum
pgdl_transform1(PG_FUNCTION_ARGS)
{
	return transform(fcinfo, true);
}

Datum
pgdl_inverse_transform1(PG_FUNCTION_ARGS)
{
	return inverse_transform(fcinfo, true);
}

Datum
pgdl_is_outlier1(PG_FUNCTION_ARGS)
{
	return is_outlier(fcinfo, true);
}
