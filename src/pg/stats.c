/*-------------------------------------------------------------------------
 *
 * stats.c
 *	  Streaming statistics aggregates: stats, stats_columns,
 *	  covariance_matrix, correlation_matrix.
 *
 * The transition functions allocate the state on the first row (in the
 * per-call context: the executor then copies it into the aggregate context)
 * and afterwards update it in place, as float8_accum does.
 *
 * src/pg/stats.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "aggstate.h"
#include "arrays.h"

PG_FUNCTION_INFO_V1(pgdl_stats_accum);
PG_FUNCTION_INFO_V1(pgdl_stats_vector_accum);
PG_FUNCTION_INFO_V1(pgdl_stats_columns_accum);
PG_FUNCTION_INFO_V1(pgdl_stats_columns_float8_accum);
PG_FUNCTION_INFO_V1(pgdl_stats_final);
PG_FUNCTION_INFO_V1(pgdl_stats_vector_final);
PG_FUNCTION_INFO_V1(pgdl_comoments_accum);
PG_FUNCTION_INFO_V1(pgdl_covariance_final);
PG_FUNCTION_INFO_V1(pgdl_correlation_final);

/* a fresh moments-only COLUMNS state */
static PgdlAggState *
new_moments_state(PgdlPurpose purpose, int dim, double nulls)
{
	/* rows so far were all NULL */
	PgdlAggState *s = pgdl_state_alloc(PGDL_LAYOUT_COLUMNS, purpose, PGDL_HAS_MOMENTS, dim,
									   pgdl_columns_nslots(PGDL_HAS_MOMENTS, dim, 0));

	pgdl_columns_init(s);
	s->nulls = nulls;
	s->rows = nulls;
	return s;
}

static void
check_length(const PgdlAggState *s, int d)
{
	if (s->dim != d)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("array of length %d does not match the length %d of the previous rows", d, s->dim),
				 errdetail("All arrays aggregated together must have the same length.")));
}

/*
 * With one variable the structure-of-arrays layout of the state is, field by
 * field, a dl_moments record: the scalar aggregate updates it directly.
 */
StaticAssertDecl(sizeof(dl_moments) == DL_MOMENTS_NFIELDS * sizeof(double),
				 "dl_moments must be plain float8 slots");
StaticAssertDecl(offsetof(dl_moments, shift) == 1 * sizeof(double) &&
				 offsetof(dl_moments, mean) == 2 * sizeof(double) &&
				 offsetof(dl_moments, min) == 6 * sizeof(double) &&
				 offsetof(dl_moments, n_neginf) == 10 * sizeof(double),
				 "dl_moments fields must follow the order of dl_moments_soa_bind");

/* pgdl.stats(float8): one variable */
Datum
pgdl_stats_accum(PG_FUNCTION_ARGS)
{
	PgdlAggState *s;
	dl_moments *m;
	double		x;

	pgdl_agg_context(fcinfo, "pgdl.stats");
	if (PG_ARGISNULL(0))
		s = new_moments_state(PGDL_PURPOSE_STATS, 1, 0);
	else
	{
		s = (PgdlAggState *) PG_GETARG_POINTER(0);
		pgdl_state_expect(s, PGDL_PURPOSE_STATS, 1);
	}
	s->rows += 1;
	if (PG_ARGISNULL(1))
	{
		s->nulls += 1;
		PG_RETURN_POINTER(s);
	}
	x = PG_GETARG_FLOAT8(1);
	m = (dl_moments *) PGDL_STATE_SLOTS(s);
	dl_moments_add(m, x);
	if (unlikely(dl_moments_overflowed(m)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value out of range: overflow"),
				 errdetail("The sum of squared deviations overflows float8.")));
	PG_RETURN_POINTER(s);
}

/* adds one row of d values, allocating or checking the state */
static PgdlAggState *
accum_vector(PgdlAggState *s, PgdlPurpose purpose, const double *x, const bool *isnull, int d)
{
	dl_moments_soa v;

	if (s == NULL)
		s = new_moments_state(purpose, d, 0);
	else
	{
		pgdl_state_expect(s, purpose, -1);
		if (s->dim == 0)
			s = new_moments_state(purpose, d, s->nulls);	/* only NULL rows so far */
		else
			check_length(s, d);
	}
	s->rows += 1;
	pgdl_state_moments(s, &v);
	dl_moments_soa_add(&v, x, isnull);
	return s;
}

/* pgdl.stats(anyarray): one variable per element */
Datum
pgdl_stats_vector_accum(PG_FUNCTION_ARGS)
{
	PgdlAggState *s = PG_ARGISNULL(0) ? NULL : (PgdlAggState *) PG_GETARG_POINTER(0);
	PgdlVector	vec;

	pgdl_agg_context(fcinfo, "pgdl.stats");
	if (PG_ARGISNULL(1))
	{
		if (s == NULL)
			s = new_moments_state(PGDL_PURPOSE_STATS, 0, 0);
		else
			pgdl_state_expect(s, PGDL_PURPOSE_STATS, -1);
		s->nulls += 1;
		s->rows += 1;
		PG_RETURN_POINTER(s);
	}
	pgdl_read_vector(PG_GETARG_ARRAYTYPE_P(1), pgdl_vector_scratch(fcinfo), &vec, "feature vector");
	PG_RETURN_POINTER(accum_vector(s, PGDL_PURPOSE_STATS, vec.x, vec.isnull, vec.d));
}

/* pgdl.stats_columns(VARIADIC "any"): the columns themselves, no array built per row */
Datum
pgdl_stats_columns_accum(PG_FUNCTION_ARGS)
{
	PgdlAggState *s = PG_ARGISNULL(0) ? NULL : (PgdlAggState *) PG_GETARG_POINTER(0);
	PgdlVector	row;

	pgdl_agg_context(fcinfo, "pgdl.stats_columns");
	pgdl_read_variadic(fcinfo, 1, &row, "pgdl.stats_columns");
	s = accum_vector(s, PGDL_PURPOSE_STATS, row.x, row.isnull, row.d);
	PG_RETURN_POINTER(s);
}

/*
 * pgdl.stats_columns(float8, ..., float8): the same over 1 to 99 float8
 * arguments, declared once per count (src/pg/array_aggregates.sql says why).
 * The argument types are known, so nothing is read from fn_expr, which Citus
 * does not set when it calls a transition function on a worker.
 */
Datum
pgdl_stats_columns_float8_accum(PG_FUNCTION_ARGS)
{
	PgdlAggState *s = PG_ARGISNULL(0) ? NULL : (PgdlAggState *) PG_GETARG_POINTER(0);
	int			d = PG_NARGS() - 1;
	double		x[FUNC_MAX_ARGS];
	bool		isnull[FUNC_MAX_ARGS];
	bool		any_null = false;

	pgdl_agg_context(fcinfo, "pgdl.stats_columns");
	if (d < 1)
		elog(ERROR, "pgdl.stats_columns: declared without a column");
	for (int i = 0; i < d; i++)
	{
		isnull[i] = PG_ARGISNULL(i + 1);
		x[i] = isnull[i] ? 0.0 : PG_GETARG_FLOAT8(i + 1);
		any_null |= isnull[i];
	}
	PG_RETURN_POINTER(accum_vector(s, PGDL_PURPOSE_STATS, x, any_null ? isnull : NULL, d));
}

/* the statistics of variable i as nullable float8 fields */
static void
summarize(const dl_moments *m, double *vals, bool *nulls)
{
	bool		def;
	double		count = dl_moments_count(m);
	double		var;

	/* mean, variance, stddev, skewness, kurtosis, min, max */
	vals[0] = dl_moments_mean(m);
	nulls[0] = count == 0;
	var = dl_moments_variance(m);
	vals[1] = var;
	nulls[1] = count < 2;
	vals[2] = sqrt(var);
	nulls[2] = count < 2;
	vals[3] = dl_moments_skewness(m, &def);
	nulls[3] = !def;
	vals[4] = dl_moments_kurtosis(m, &def);
	nulls[4] = !def;
	vals[5] = dl_moments_min(m);
	nulls[5] = count == 0;
	vals[6] = dl_moments_max(m);
	nulls[6] = count == 0;
}

Datum
pgdl_stats_final(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[9];
	bool		nulls[9] = {0};
	double		vals[7];
	bool		vnulls[7];
	dl_moments	m;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "pgdl.stats: return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);

	if (PG_ARGISNULL(0))
	{
		values[0] = Int64GetDatum(0);
		values[1] = Int64GetDatum(0);
		for (int i = 2; i < 9; i++)
			nulls[i] = true;
	}
	else
	{
		PgdlAggState *s = pgdl_final_state(fcinfo, PGDL_PURPOSE_STATS, 1);
		dl_moments_soa v;

		pgdl_state_moments(s, &v);
		pgdl_moments_get_checked(&v, 0, &m);
		summarize(&m, vals, vnulls);
		values[0] = Int64GetDatum((int64) dl_moments_count(&m));
		values[1] = Int64GetDatum((int64) s->nulls);
		for (int i = 0; i < 7; i++)
		{
			values[2 + i] = Float8GetDatum(vals[i]);
			nulls[2 + i] = vnulls[i];
		}
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

Datum
pgdl_stats_vector_final(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[9];
	bool		nulls[9] = {0};
	PgdlAggState *s = PG_ARGISNULL(0) ? NULL :
		pgdl_final_state(fcinfo, PGDL_PURPOSE_STATS, -1);

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "pgdl.stats: return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);

	if (s == NULL || s->dim == 0)
	{
		/* no non-NULL array: n is empty, the statistics NULL */
		values[0] = PointerGetDatum(construct_empty_array(INT8OID));
		values[1] = Int64GetDatum(s == NULL ? 0 : (int64) s->nulls);
		for (int i = 2; i < 9; i++)
			nulls[i] = true;
	}
	else
	{
		int			d = s->dim;
		dl_moments_soa v;
		double	   *counts = palloc(d * sizeof(double));
		double	   *cols[7];
		bool	   *cnulls[7];

		pgdl_state_moments(s, &v);
		for (int k = 0; k < 7; k++)
		{
			cols[k] = palloc(d * sizeof(double));
			cnulls[k] = palloc(d * sizeof(bool));
		}
		for (int i = 0; i < d; i++)
		{
			dl_moments	m;
			double		vals[7];
			bool		vnulls[7];

			pgdl_moments_get_checked(&v, i, &m);
			counts[i] = dl_moments_count(&m);
			summarize(&m, vals, vnulls);
			for (int k = 0; k < 7; k++)
			{
				cols[k][i] = vals[k];
				cnulls[k][i] = vnulls[k];
			}
		}
		values[0] = PointerGetDatum(pgdl_int8_array(counts, NULL, d));
		values[1] = Int64GetDatum((int64) s->nulls);
		for (int k = 0; k < 7; k++)
			values[2 + k] = PointerGetDatum(pgdl_float8_array(cols[k], cnulls[k], d));
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* ---- covariance and correlation matrices ---------------------------------- */

Datum
pgdl_comoments_accum(PG_FUNCTION_ARGS)
{
	PgdlAggState *s = PG_ARGISNULL(0) ? NULL : (PgdlAggState *) PG_GETARG_POINTER(0);
	PgdlVector	vec;
	dl_comoments c;

	pgdl_agg_context(fcinfo, "pgdl.covariance_matrix");
	if (s != NULL)
		pgdl_state_expect(s, PGDL_PURPOSE_COMOMENTS, -1);
	if (PG_ARGISNULL(1))
	{
		if (s == NULL)
			s = pgdl_state_alloc(PGDL_LAYOUT_COMOMENTS, PGDL_PURPOSE_COMOMENTS, 0, 0, 0);
		s->nulls += 1;
		s->rows += 1;
		PG_RETURN_POINTER(s);
	}
	pgdl_read_vector(PG_GETARG_ARRAYTYPE_P(1), pgdl_vector_scratch(fcinfo), &vec, "feature vector");
	if (vec.d > 4096)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a covariance matrix of %d variables is larger than the limit of 4096", vec.d)));
	if (s == NULL || s->dim == 0)
	{
		double		nulls = s ? s->nulls : 0;

		s = pgdl_state_alloc(PGDL_LAYOUT_COMOMENTS, PGDL_PURPOSE_COMOMENTS, 0, vec.d,
							 dl_comoments_nslots(vec.d, false));
		s->nulls = nulls;
		s->rows = nulls;
	}
	else
		check_length(s, vec.d);
	s->rows += 1;

	pgdl_state_comoments(s, &c);
	if (vec.isnull == NULL)
		dl_comoments_add(&c, vec.x);
	else
	{
		if (!(s->flags & PGDL_HAS_PAIRS))
		{
			/* the first row with a NULL element: add the pair block */
			PgdlAggState *n = pgdl_state_alloc(PGDL_LAYOUT_COMOMENTS, PGDL_PURPOSE_COMOMENTS,
											   PGDL_HAS_PAIRS, vec.d,
											   dl_comoments_nslots(vec.d, true));

			n->nulls = s->nulls;
			n->rows = s->rows;
			dl_comoments_enable_pairs(&c, PGDL_STATE_SLOTS(n));
			s = n;
		}
		dl_comoments_add_nulls(&c, vec.x, vec.isnull);
	}
	PG_RETURN_POINTER(s);
}

static Datum
comoments_final(FunctionCallInfo fcinfo, bool correlation)
{
	PgdlAggState *s;
	dl_comoments c;
	int			d;
	double	   *out;
	bool	   *nulls;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = pgdl_final_state(fcinfo, PGDL_PURPOSE_COMOMENTS, -1);
	if (s->dim == 0)
		PG_RETURN_NULL();
	pgdl_state_comoments(s, &c);
	d = c.d;
	out = palloc((Size) d * d * sizeof(double));
	nulls = palloc((Size) d * d * sizeof(bool));
	for (int i = 0; i < d; i++)
		for (int j = 0; j < d; j++)
		{
			double		n,
						cov,
						vi,
						vj;
			Size		k = (Size) i * d + j;

			nulls[k] = !dl_comoments_pair(&c, i, j, &n, &cov, &vi, &vj);
			if (nulls[k])
				continue;
			if (!correlation)
				out[k] = isfinite(cov) ? cov : NAN;
			else if (!isfinite(cov) || !isfinite(vi) || !isfinite(vj))
				out[k] = NAN;
			else if (vi <= 0.0 || vj <= 0.0)
				nulls[k] = true;	/* as corr(): a constant variable has none */
			else
			{
				double		r = cov / sqrt(vi * vj);

				/* rounding may leave |r| a hair above 1 */
				out[k] = r > 1.0 ? 1.0 : (r < -1.0 ? -1.0 : r);
			}
		}
	PG_RETURN_ARRAYTYPE_P(pgdl_float8_matrix(out, nulls, d, d));
}

Datum
pgdl_covariance_final(PG_FUNCTION_ARGS)
{
	return comoments_final(fcinfo, false);
}

Datum
pgdl_correlation_final(PG_FUNCTION_ARGS)
{
	return comoments_final(fcinfo, true);
}
