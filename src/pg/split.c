/*-------------------------------------------------------------------------
 *
 * split.c
 *	  pgdl.split: a reproducible assignment of a source's rows to parts
 *	  (training, validation, test sets).
 *
 * A row's part is a function of its key's text and the seed only: a 64-bit
 * hash of the key (FNV-1a over its bytes, started from the seed, then the
 * splitmix64 finalizer so that every bit of the result depends on every bit
 * of the input) read as a number u in [0, 1), and the part is the first i
 * with u below fractions[0] + ... + fractions[i].  So a row keeps its part
 * whatever the order of the rows, whatever other rows are added or
 * removed, on any platform (the hash reads bytes, not words), and each part
 * receives its fraction of the rows up to binomial noise.  Rows with equal
 * keys share a part.  Without a key column the key is the row's number in
 * the order the source is read (a query's ORDER BY; a table's physical
 * order), so that assignment holds only as long as that order does.
 *
 * The key's text is its type's output, except for the types whose output
 * depends on session settings, so that a row keeps its part in every
 * session (a view over pgdl.split must not move rows between the training
 * and the test set when another client has another TimeZone): dates and
 * timestamps are hashed as ISO 8601 (as JSON writes them; a timestamptz
 * in UTC) whatever DateStyle and TimeZone, floats in their shortest exact
 * form whatever extra_float_digits, intervals as months, days and
 * microseconds whatever IntervalStyle, bytea as hex whatever bytea_output.
 * The key column returned is the text of the caller's session, to join on.
 *
 * The source is read like every other source (pgdl_scan_source: read-only,
 * with the caller's privileges, synchronize_seqscans off).
 *
 * src/pg/split.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "dataset.h"
#include "source.h"

PG_FUNCTION_INFO_V1(pgdl_split);

#define SPLIT_MAX_PARTS 1000
#define SPLIT_SUM_TOLERANCE 1e-6
#define SPLIT_FETCH_ROWS 1000

typedef struct SplitState
{
	ReturnSetInfo *rsinfo;
	double	   *cumulative;		/* nparts running sums, the last exactly 1 */
	int			nparts;
	uint64		seed;
	const char *key_column;		/* NULL: the row number is the key */
	FmgrInfo	key_out;
	Oid			key_base;		/* the key column's base type */
	MemoryContext row_cxt;
} SplitState;

/* FNV-1a from the seed, then splitmix64's finalizer */
static uint64
split_hash(const char *key, size_t len, uint64 seed)
{
	uint64		h = UINT64CONST(0xcbf29ce484222325) ^ seed;

	for (size_t i = 0; i < len; i++)
	{
		h ^= (unsigned char) key[i];
		h *= UINT64CONST(0x100000001b3);
	}
	h ^= h >> 30;
	h *= UINT64CONST(0xbf58476d1ce4e5b9);
	h ^= h >> 27;
	h *= UINT64CONST(0x94d049bb133111eb);
	h ^= h >> 31;
	return h;
}

/*
 * The text a key is hashed as (see the file's header): the output text
 * shown, or a form no session setting changes for the types whose output
 * depends on one
 */
static const char *
key_hash_text(const SplitState *st, Datum d, const char *shown)
{
	switch (st->key_base)
	{
		case DATEOID:
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			{
				const int	utc = 0;
				char		buf[MAXDATELEN + 1];

				return pstrdup(JsonEncodeDateTime(buf, d, st->key_base, &utc));
			}
		case FLOAT8OID:
			{
				char		buf[DOUBLE_SHORTEST_DECIMAL_LEN];

				double_to_shortest_decimal_buf(DatumGetFloat8(d), buf);
				return pstrdup(buf);
			}
		case FLOAT4OID:
			{
				char		buf[FLOAT_SHORTEST_DECIMAL_LEN];

				float_to_shortest_decimal_buf(DatumGetFloat4(d), buf);
				return pstrdup(buf);
			}
		case INTERVALOID:
			{
				const Interval *iv = DatumGetIntervalP(d);

				return psprintf("%d %d " INT64_FORMAT, iv->month, iv->day, iv->time);
			}
		case BYTEAOID:
			{
				const bytea *b = DatumGetByteaPP(d);
				const unsigned char *p = (const unsigned char *) VARDATA_ANY(b);
				size_t		n = VARSIZE_ANY_EXHDR(b);
				char	   *hex = palloc(2 * n + 3);

				hex[0] = '\\';
				hex[1] = 'x';
				for (size_t i = 0; i < n; i++)
				{
					hex[2 + 2 * i] = "0123456789abcdef"[p[i] >> 4];
					hex[3 + 2 * i] = "0123456789abcdef"[p[i] & 15];
				}
				hex[2 + 2 * n] = '\0';
				return hex;
			}
		default:
			return shown;
	}
}

static int
split_assign(const SplitState *st, const char *key)
{
	/* the top 53 bits as a double in [0, 1) */
	double		u = (double) (split_hash(key, strlen(key), st->seed) >> 11) * (1.0 / 9007199254740992.0);

	for (int i = 0; i < st->nparts - 1; i++)
		if (u < st->cumulative[i])
			return i;
	return st->nparts - 1;
}

/* the fractions argument checked: positive, finite, summing to 1 */
static double *
split_fractions(ArrayType *arr, int *nparts)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	double	   *cum;
	double		sum = 0;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("fractions must be a one-dimensional array, got %d dimensions", ARR_NDIM(arr))));
	deconstruct_array(arr, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &elems, &nulls, &n);
	if (n < 1 || n > SPLIT_MAX_PARTS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fractions must hold 1 to %d values, got %d", SPLIT_MAX_PARTS, n),
				 errhint("Give each part's share of the rows, for example '{0.8,0.2}'.")));
	cum = palloc(sizeof(double) * n);
	for (int i = 0; i < n; i++)
	{
		double		f;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("fraction %d is NULL", i + 1)));
		f = DatumGetFloat8(elems[i]);
		if (!(f > 0) || !isfinite(f))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("fraction %d is %g, not a positive number", i + 1, f)));
		sum += f;
		cum[i] = sum;
	}
	if (fabs(sum - 1.0) > SPLIT_SUM_TOLERANCE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fractions must sum to 1, got %g", sum),
				 errhint("Give each part's share of the rows, for example '{0.8,0.2}' or '{0.7,0.15,0.15}'.")));
	/* shares of 1 exactly: rounding in the sum leaves no gap after the last part */
	for (int i = 0; i < n; i++)
		cum[i] /= sum;
	cum[n - 1] = 1.0;
	*nparts = n;
	return cum;
}

static void
split_row(PgdlScan *scan, HeapTuple tuple, void *arg)
{
	SplitState *st = arg;
	MemoryContext old = MemoryContextSwitchTo(st->row_cxt);
	char	   *key;
	const char *hashed;
	Datum		values[2];
	bool		nulls[2] = {false, false};

	if (st->key_column)
	{
		bool		isnull;
		Datum		d = heap_getattr(tuple, scan->extra_att, scan->desc, &isnull);

		if (isnull)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("key column \"%s\" is NULL in row %lld of the source",
							st->key_column, (long long) scan->rowno),
					 errhint("Pass a key that identifies every row, or filter out rows without one.")));
		key = OutputFunctionCall(&st->key_out, d);
		hashed = key_hash_text(st, d, key);
	}
	else
		hashed = key = psprintf(INT64_FORMAT, scan->rowno);
	values[0] = CStringGetTextDatum(key);
	values[1] = Int32GetDatum(split_assign(st, hashed));
	tuplestore_putvalues(st->rsinfo->setResult, st->rsinfo->setDesc, values, nulls);
	MemoryContextSwitchTo(old);
	MemoryContextReset(st->row_cxt);
}

Datum
pgdl_split(PG_FUNCTION_ARGS)
{
	SplitState	st;
	PgdlFeatureSet none;
	char	   *src;

	for (int i = 0; i < 3; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not be NULL", i == 0 ? "source" : i == 1 ? "fractions" : "seed")));
	memset(&st, 0, sizeof(st));
	st.cumulative = split_fractions(PG_GETARG_ARRAYTYPE_P(1), &st.nparts);
	st.seed = (uint64) (int64) PG_GETARG_INT32(2);
	st.key_column = PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3));

	InitMaterializedSRF(fcinfo, 0);
	st.rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	st.row_cxt = AllocSetContextCreate(CurrentMemoryContext, "pgdl split row", ALLOCSET_SMALL_SIZES);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pgdl: SPI_connect failed");
	src = pgdl_source_sql(PG_GETARG_TEXT_PP(0));
	if (st.key_column)
	{
		int			att;
		Oid			output;
		bool		isvarlena;

		if (pgdl_source_execute(psprintf("%s LIMIT 0", src)) != SPI_OK_SELECT)
			elog(ERROR, "pgdl: reading the columns of the source failed");
		att = pgdl_find_attr(SPI_tuptable->tupdesc, st.key_column);
		if (att < 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("key column \"%s\" is not in the source", st.key_column),
					 errhint("Column names are matched exactly, without case folding.")));
		getTypeOutputInfo(TupleDescAttr(SPI_tuptable->tupdesc, att)->atttypid, &output, &isvarlena);
		fmgr_info(output, &st.key_out);
		st.key_base = getBaseType(TupleDescAttr(SPI_tuptable->tupdesc, att)->atttypid);
	}
	memset(&none, 0, sizeof(none));
	pgdl_scan_source(src, &none, st.key_column ? pgdl_quote_ident(st.key_column) : NULL,
					 SPLIT_FETCH_ROWS, split_row, NULL, &st);
	SPI_finish();
	MemoryContextDelete(st.row_cxt);
	return (Datum) 0;
}
