/*-------------------------------------------------------------------------
 *
 * describe.c
 *	  describe and correlations: whole-source summaries in one scan.
 *
 * Both build one aggregate query over the source and run it read-only
 * through SPI, so the scan is PostgreSQL's own (parallel when the planner
 * likes), the rows never cross SPI one by one, and the source is read once
 * whatever the number of columns.  correlations passes each row as one
 * float8[].  describe passes the columns to a VARIADIC "any" aggregate, in
 * chunks of at most 99 (a function takes at most 100 arguments) all in the
 * same SELECT; in a database with Citus it passes each chunk as one float8[]
 * instead, since Citus runs an aggregate on its workers only when its
 * argument types are concrete.  Not always: building an array per row made
 * describe a quarter to a third slower on an ordinary table.
 *
 * src/pg/describe.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "aggstate.h"
#include "arrays.h"
#include "pgdl.h"
#include "source.h"

PG_FUNCTION_INFO_V1(pgdl_describe_accum);
PG_FUNCTION_INFO_V1(pgdl_describe_vector_accum);
PG_FUNCTION_INFO_V1(pgdl_describe);
PG_FUNCTION_INFO_V1(pgdl_correlations);

#define DESCRIBE_CHUNK 99

/* adds one row of columns to a describe state, allocating it on the first */
static PgdlAggState *
describe_add(PgdlAggState *s, const PgdlVector *row)
{
	dl_moments_soa v;

	if (s == NULL)
	{
		int			flags = PGDL_HAS_MOMENTS | PGDL_HAS_SKETCHES;

		s = pgdl_state_alloc(PGDL_LAYOUT_COLUMNS, PGDL_PURPOSE_DESCRIBE, flags, row->d,
							 pgdl_columns_nslots(flags, row->d, 0));
		pgdl_columns_init(s);
	}
	else
		pgdl_state_expect(s, PGDL_PURPOSE_DESCRIBE, row->d);
	s->rows += 1;
	pgdl_state_moments(s, &v);
	dl_moments_soa_add(&v, row->x, row->isnull);

	return pgdl_state_sketches_add(s, row->x, row->isnull);
}

/* pgdl.describe_state(float8[]): moments and a sketch per element */
Datum
pgdl_describe_vector_accum(PG_FUNCTION_ARGS)
{
	PgdlAggState *s = PG_ARGISNULL(0) ? NULL : (PgdlAggState *) PG_GETARG_POINTER(0);
	PgdlVector	row;

	pgdl_agg_context(fcinfo, "pgdl.describe_state");
	if (PG_ARGISNULL(1))
	{
		/* describe never passes one; aggregates skip NULL rows */
		if (s == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(s);
	}
	pgdl_read_vector(PG_GETARG_ARRAYTYPE_P(1), pgdl_vector_scratch(fcinfo), &row, "row");
	PG_RETURN_POINTER(describe_add(s, &row));
}

/* pgdl.describe_state(VARIADIC "any"): the columns themselves */
Datum
pgdl_describe_accum(PG_FUNCTION_ARGS)
{
	PgdlAggState *s = PG_ARGISNULL(0) ? NULL : (PgdlAggState *) PG_GETARG_POINTER(0);
	PgdlVector	row;

	pgdl_agg_context(fcinfo, "pgdl.describe_state");
	pgdl_read_variadic(fcinfo, 1, &row, "pgdl.describe_state");
	PG_RETURN_POINTER(describe_add(s, &row));
}

/* runs one aggregate query through SPI and returns its single row's datums */
static Datum *
run_aggregate_query(const char *sql, int nvalues)
{
	Datum	   *out = palloc(sizeof(Datum) * nvalues);
	int			ret = pgdl_source_execute(sql);

	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "pgdl: aggregate query failed: %s", SPI_result_code_string(ret));
	for (int i = 0; i < nvalues; i++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, i + 1, &isnull);

		out[i] = isnull ? (Datum) 0 : d;
	}
	return out;
}

/*
 * The common start of describe and correlations: a materialized result,
 * an SPI connection, the source's SQL and its columns.
 */
static PgdlColumn *
open_source(FunctionCallInfo fcinfo, char **source_sql, int *ncols)
{
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("source must not be NULL")));
	InitMaterializedSRF(fcinfo, 0);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pgdl: SPI_connect failed");
	*source_sql = pgdl_source_sql(PG_GETARG_TEXT_PP(0));
	return pgdl_source_columns(*source_sql, PG_ARGISNULL(1) ? NULL : PG_GETARG_ARRAYTYPE_P(1), ncols);
}

static void
append_column(StringInfo sql, const PgdlColumn *col)
{
	appendStringInfo(sql, "s.%s", pgdl_quote_ident(col->name));
}

Datum
pgdl_describe(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *source_sql;
	PgdlColumn *cols;
	int			ncols,
				nchunks;
	bool		as_array;
	StringInfoData sql;
	Datum	   *states;
	static const double q[3] = {0.25, 0.5, 0.75};

	cols = open_source(fcinfo, &source_sql, &ncols);

	nchunks = (ncols + DESCRIBE_CHUNK - 1) / DESCRIBE_CHUNK;
	as_array = OidIsValid(get_extension_oid("citus", true));
	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT ");
	for (int c = 0; c < nchunks; c++)
	{
		appendStringInfo(&sql, "%spgdl.describe_state(%s", c ? ", " : "", as_array ? "ARRAY[" : "");
		for (int i = c * DESCRIBE_CHUNK; i < Min(ncols, (c + 1) * DESCRIBE_CHUNK); i++)
		{
			if (i > c * DESCRIBE_CHUNK)
				appendStringInfoString(&sql, ", ");
			append_column(&sql, &cols[i]);
			/* bool as 0/1, as training reads it: its mean is the share of true */
			if (cols[i].typid == BOOLOID)
				appendStringInfoString(&sql, "::pg_catalog.int4");
			if (as_array)
				appendStringInfoString(&sql, "::pg_catalog.float8");
		}
		appendStringInfoString(&sql, as_array ? "])" : ")");
	}
	appendStringInfo(&sql, " FROM (%s) AS s", source_sql);
	states = run_aggregate_query(sql.data, nchunks);

	for (int i = 0; i < ncols; i++)
	{
		int			chunk = i / DESCRIBE_CHUNK;
		Datum		values[12];
		bool		nulls[12] = {0};
		double		nulls_count = 0,
					count = 0;

		values[0] = CStringGetTextDatum(cols[i].name);
		if (states[chunk] == (Datum) 0)
		{
			/* zero rows: n = 0, the rest NULL */
			for (int k = 3; k < 12; k++)
				nulls[k] = true;
		}
		else
		{
			PgdlAggState *s = DatumGetPgdlAggState(states[chunk]);
			int			j = i - chunk * DESCRIBE_CHUNK;
			dl_moments_soa v;
			dl_moments	m;
			dl_sketch  *sk;
			bool		def;
			double		qv[3];

			pgdl_state_moments(s, &v);
			pgdl_moments_get_checked(&v, j, &m);
			sk = pgdl_state_sketch(s, j);
			count = dl_moments_count(&m);
			/* NULLs are skipped per column: rows minus this column's values */
			nulls_count = s->rows - count;
			values[3] = Float8GetDatum(dl_moments_mean(&m));
			nulls[3] = count == 0;
			values[4] = Float8GetDatum(sqrt(dl_moments_variance(&m)));
			nulls[4] = count < 2;
			values[5] = Float8GetDatum(dl_moments_min(&m));
			nulls[5] = count == 0;
			if (count > 0)
			{
				pgdl_check_status(dl_sketch_quantiles(sk, q, 3, qv));
				values[6] = Float8GetDatum(qv[0]);
				values[7] = Float8GetDatum(qv[1]);
				values[8] = Float8GetDatum(qv[2]);
			}
			else
				nulls[6] = nulls[7] = nulls[8] = true;
			values[9] = Float8GetDatum(dl_moments_max(&m));
			nulls[9] = count == 0;
			values[10] = Float8GetDatum(dl_moments_skewness(&m, &def));
			nulls[10] = !def;
			values[11] = Float8GetDatum(dl_moments_kurtosis(&m, &def));
			nulls[11] = !def;
		}
		values[1] = Int64GetDatum((int64) count);
		values[2] = Int64GetDatum((int64) nulls_count);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}

Datum
pgdl_correlations(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *source_sql;
	PgdlColumn *cols;
	int			ncols;
	StringInfoData sql;
	Datum	   *state;

	cols = open_source(fcinfo, &source_sql, &ncols);

	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT pgdl.comoments_state(ARRAY[");
	for (int i = 0; i < ncols; i++)
	{
		if (i > 0)
			appendStringInfoString(&sql, ", ");
		append_column(&sql, &cols[i]);
		appendStringInfoString(&sql, cols[i].typid == BOOLOID ? "::pg_catalog.int4::pg_catalog.float8" : "::pg_catalog.float8");
	}
	appendStringInfo(&sql, "]) FROM (%s) AS s", source_sql);
	state = run_aggregate_query(sql.data, 1);

	for (int i = 0; i < ncols; i++)
		for (int j = 0; j < ncols; j++)
		{
			Datum		values[4];
			bool		nulls[4] = {0};
			double		n = 0,
						cov,
						vi,
						vj;
			bool		ok = false;

			values[0] = CStringGetTextDatum(cols[i].name);
			values[1] = CStringGetTextDatum(cols[j].name);
			if (state[0] != (Datum) 0)
			{
				PgdlAggState *s = DatumGetPgdlAggState(state[0]);

				if (s->dim == ncols)
				{
					dl_comoments c;

					pgdl_state_comoments(s, &c);
					ok = dl_comoments_pair(&c, i, j, &n, &cov, &vi, &vj);
				}
			}
			if (!ok || !(vi > 0.0) || !(vj > 0.0))
			{
				/* as corr(): NaN propagates, a zero variance has no r */
				if (ok && (isnan(vi) || isnan(vj) || isnan(cov)))
					values[2] = Float8GetDatum(NAN);
				else
					nulls[2] = true;
			}
			else
			{
				double		r = cov / sqrt(vi * vj);

				values[2] = Float8GetDatum(r > 1.0 ? 1.0 : (r < -1.0 ? -1.0 : r));
			}
			values[3] = Int64GetDatum((int64) n);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	SPI_finish();
	return (Datum) 0;
}
