/*-------------------------------------------------------------------------
 *
 * quantiles.c
 *	  quantiles, quantile_sketch (and its merge), histogram.
 *
 * The sketch is exact up to 10,000 values (matching percentile_cont) and a
 * deterministic mergeable compactor beyond (src/core/sketch.c states the
 * bound).  Arguments that are constant by nature (q, lo, hi, bins) are kept
 * in the state and compared on every row: a change is an error rather than
 * a silently mixed result.
 *
 * src/pg/quantiles.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "aggstate.h"
#include "arrays.h"
#include "pgdl.h"

PG_FUNCTION_INFO_V1(pgdl_quantiles_accum);
PG_FUNCTION_INFO_V1(pgdl_quantiles_final);
PG_FUNCTION_INFO_V1(pgdl_sketch_accum);
PG_FUNCTION_INFO_V1(pgdl_sketch_merge_accum);
PG_FUNCTION_INFO_V1(pgdl_sketch_final);
PG_FUNCTION_INFO_V1(pgdl_sketch_quantiles);
PG_FUNCTION_INFO_V1(pgdl_histogram_accum);
PG_FUNCTION_INFO_V1(pgdl_histogram_final);

static double *
read_q(ArrayType *arr, int *nq)
{
	double	   *q = pgdl_read_float8_list(arr, nq, "q");

	if (*nq < 1 || *nq > PGDL_MAX_Q)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("q must hold between 1 and %d quantiles, got %d", PGDL_MAX_Q, *nq)));
	for (int i = 0; i < *nq; i++)
		if (!(q[i] >= 0.0 && q[i] <= 1.0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("quantile %g is not between 0 and 1", q[i]),
					 errdetail("Element %d of q.", i + 1)));
	return q;
}

/* adds x to the state's one sketch (growing the state when it is full) */
static PgdlAggState *
sketch_add(PgdlAggState *s, double x)
{
	return pgdl_state_sketches_add(s, &x, NULL);
}

static PgdlAggState *
new_sketch_state(PgdlPurpose purpose, int flags, int dim, const double *q, int nq)
{
	PgdlAggState *s = pgdl_state_alloc(PGDL_LAYOUT_COLUMNS, purpose, flags, dim,
									   pgdl_columns_nslots(flags, dim, nq));

	s->nq = nq;
	if (nq > 0)
		memcpy(pgdl_state_q(s), q, nq * sizeof(double));
	pgdl_columns_init(s);
	return s;
}

/* q as passed on this row, raw, kept to compare with the next rows' */
typedef struct QCache
{
	Size		len;
	char	   *raw;
} QCache;

Datum
pgdl_quantiles_accum(PG_FUNCTION_ARGS)
{
	PgdlAggState *s = PG_ARGISNULL(0) ? NULL : (PgdlAggState *) PG_GETARG_POINTER(0);
	QCache	   *cache = (QCache *) fcinfo->flinfo->fn_extra;
	ArrayType  *qarr;

	pgdl_agg_context(fcinfo, "pgdl.quantiles");
	if (s != NULL)
		pgdl_state_expect(s, PGDL_PURPOSE_QUANTILES, 1);
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("q must not be NULL")));
	qarr = PG_GETARG_ARRAYTYPE_P(2);
	if (s == NULL)
	{
		int			nq;
		double	   *q = read_q(qarr, &nq);

		s = new_sketch_state(PGDL_PURPOSE_QUANTILES, PGDL_HAS_Q | PGDL_HAS_SKETCHES, 1, q, nq);
		if (cache == NULL)
			cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(QCache));
		if (cache->raw)
			pfree(cache->raw);
		cache->len = VARSIZE(qarr);
		cache->raw = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, cache->len);
		memcpy(cache->raw, qarr, cache->len);
		fcinfo->flinfo->fn_extra = cache;
	}
	else if (cache == NULL || VARSIZE(qarr) != cache->len ||
			 memcmp(qarr, cache->raw, cache->len) != 0)
	{
		/* not the bytes of the first row (or a combine happened): compare values */
		int			nq;
		double	   *q = read_q(qarr, &nq);

		if (nq != s->nq || memcmp(q, pgdl_state_q(s), nq * sizeof(double)) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("q must not change between rows")));
	}
	s->rows += 1;
	if (PG_ARGISNULL(1))
		s->nulls += 1;
	else
		s = sketch_add(s, PG_GETARG_FLOAT8(1));
	PG_RETURN_POINTER(s);
}

static ArrayType *
sketch_quantiles(const dl_sketch *sk, const double *q, int nq)
{
	double	   *out = palloc(sizeof(double) * nq);

	pgdl_check_status(dl_sketch_quantiles(sk, q, nq, out));
	return pgdl_float8_array(out, NULL, nq);
}

Datum
pgdl_quantiles_final(PG_FUNCTION_ARGS)
{
	PgdlAggState *s;
	dl_sketch  *sk;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = pgdl_final_state(fcinfo, PGDL_PURPOSE_QUANTILES, 1);
	sk = pgdl_state_first_sketch(s);
	if (dl_sketch_count(sk) == 0)
		PG_RETURN_NULL();
	PG_RETURN_ARRAYTYPE_P(sketch_quantiles(sk, pgdl_state_q(s), s->nq));
}

Datum
pgdl_sketch_accum(PG_FUNCTION_ARGS)
{
	PgdlAggState *s = PG_ARGISNULL(0) ? NULL : (PgdlAggState *) PG_GETARG_POINTER(0);

	pgdl_agg_context(fcinfo, "pgdl.quantile_sketch");
	if (s == NULL)
		s = new_sketch_state(PGDL_PURPOSE_SKETCH, PGDL_HAS_SKETCHES, 1, NULL, 0);
	else
		pgdl_state_expect(s, PGDL_PURPOSE_SKETCH, 1);
	s->rows += 1;
	if (PG_ARGISNULL(1))
		s->nulls += 1;
	else
		s = sketch_add(s, PG_GETARG_FLOAT8(1));
	PG_RETURN_POINTER(s);
}

/* quantile_sketch(pgdl.sketch): merges stored sketches (validated: they come from tables) */
Datum
pgdl_sketch_merge_accum(PG_FUNCTION_ARGS)
{
	PgdlAggState *s = PG_ARGISNULL(0) ? NULL : (PgdlAggState *) PG_GETARG_POINTER(0);
	PgdlAggState *in;

	pgdl_agg_context(fcinfo, "pgdl.quantile_sketch");
	if (s == NULL)
		s = new_sketch_state(PGDL_PURPOSE_SKETCH, PGDL_HAS_SKETCHES, 1, NULL, 0);
	else
		pgdl_state_expect(s, PGDL_PURPOSE_SKETCH, 1);
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(s);
	in = PG_GETARG_PGDL_AGGSTATE(1);
	pgdl_state_validate(in, VARSIZE(in));
	pgdl_state_expect(in, PGDL_PURPOSE_SKETCH, 1);
	PG_RETURN_POINTER(pgdl_state_merge(s, in));
}

Datum
pgdl_sketch_final(PG_FUNCTION_ARGS)
{
	PgdlAggState *s,
			   *copy;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = pgdl_final_state(fcinfo, PGDL_PURPOSE_SKETCH, 1);
	copy = palloc(VARSIZE(s));
	memcpy(copy, s, VARSIZE(s));
	PG_RETURN_POINTER(copy);
}

Datum
pgdl_sketch_quantiles(PG_FUNCTION_ARGS)
{
	PgdlAggState *s = PG_GETARG_PGDL_AGGSTATE(0);
	int			nq;
	double	   *q = read_q(PG_GETARG_ARRAYTYPE_P(1), &nq);
	dl_sketch  *sk;

	pgdl_state_validate(s, VARSIZE(s));
	pgdl_state_expect(s, PGDL_PURPOSE_SKETCH, 1);
	sk = pgdl_state_first_sketch(s);
	if (dl_sketch_count(sk) == 0)
		PG_RETURN_NULL();
	PG_RETURN_ARRAYTYPE_P(sketch_quantiles(sk, q, nq));
}

/* ---- histogram ------------------------------------------------------------ */

Datum
pgdl_histogram_accum(PG_FUNCTION_ARGS)
{
	PgdlAggState *s = PG_ARGISNULL(0) ? NULL : (PgdlAggState *) PG_GETARG_POINTER(0);
	double		lo,
				hi,
				x;
	int32		bins;

	pgdl_agg_context(fcinfo, "pgdl.histogram");
	if (s != NULL)
		pgdl_state_expect(s, PGDL_PURPOSE_HISTOGRAM, 1);
	if (PG_ARGISNULL(2) || PG_ARGISNULL(3) || PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL",
						PG_ARGISNULL(2) ? "lo" : PG_ARGISNULL(3) ? "hi" : "bins")));
	lo = PG_GETARG_FLOAT8(2);
	hi = PG_GETARG_FLOAT8(3);
	bins = PG_GETARG_INT32(4);
	if (s == NULL)
	{
		if (!isfinite(lo) || !isfinite(hi) || !(lo < hi))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("histogram needs finite lo < hi, got lo = %g and hi = %g", lo, hi)));
		if (bins < 1 || bins > PGDL_MAX_BINS)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("histogram bins must be between 1 and %d, got %d", PGDL_MAX_BINS, bins)));
		s = pgdl_state_alloc(PGDL_LAYOUT_HISTOGRAM, PGDL_PURPOSE_HISTOGRAM, 0, 1, bins);
		s->params[0] = lo;
		s->params[1] = hi;
		s->params[2] = bins;
	}
	else if (s->params[0] != lo || s->params[1] != hi || s->params[2] != bins)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lo, hi and bins must not change between rows")));
	s->rows += 1;
	if (PG_ARGISNULL(1))
	{
		s->nulls += 1;
		PG_RETURN_POINTER(s);
	}
	x = PG_GETARG_FLOAT8(1);
	if (!isnan(x))
		PGDL_STATE_SLOTS(s)[dl_histogram_bin(x, lo, hi, bins)] += 1.0;
	PG_RETURN_POINTER(s);
}

Datum
pgdl_histogram_final(PG_FUNCTION_ARGS)
{
	PgdlAggState *s;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = pgdl_final_state(fcinfo, PGDL_PURPOSE_HISTOGRAM, 1);
	PG_RETURN_ARRAYTYPE_P(pgdl_int8_array(PGDL_STATE_SLOTS(s), NULL, (int) s->params[2]));
}
