/*-------------------------------------------------------------------------
 *
 * kmeans_agg.c
 *	  pgdl.kmeans_step: one Lloyd pass of k-means as an aggregate, so that on
 *	  a Citus distributed table each iteration runs where the rows are and
 *	  only partial states travel (the README's Citus section).
 *
 * The aggregate is declared over concrete types (float8[] rows, a float8[]
 * of parameters, a float8[] state), PARALLEL SAFE with a combine function:
 * Citus pushes it down as worker_partial_agg and combines the workers'
 * states on the coordinator.  The parameters are written into the SQL as a
 * literal (Citus does not distribute query parameters):
 *
 *	 [k, d, final, centres (k x d), center (d), scale (d)]
 *
 * each row is made float32, centered and scaled as the coordinator's path
 * does it, and assigned by dl_kmeans_add_row (the maths of
 * dl_kmeans_pass_block).  The state, exact through float8[]'s text I/O:
 *
 *	 [1, k, d, rows, counts (k), sse (k), sums (k x d)]
 *
 * A row with a NULL or NaN value is skipped (k-means's first pass, which
 * reads every row on the coordinator, has already refused or dropped it).
 *
 * src/pg/kmeans_agg.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "kmeans_agg.h"
#include "pgdl.h"
#include "source.h"

PG_FUNCTION_INFO_V1(pgdl_kmeans_step_sfunc);
PG_FUNCTION_INFO_V1(pgdl_kmeans_step_combine);

#define KS_TAG 1.0
#define KS_HEAD 4				/* tag, k, d, rows */

/* the float8 values of a one-dimensional array without NULLs, else 22P03 */
static double *
ks_values(ArrayType *a, int *n, const char *what)
{
	if (ARR_ELEMTYPE(a) != FLOAT8OID || ARR_NDIM(a) != 1 || ARR_HASNULL(a))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("malformed k-means %s: not a one-dimensional float8 array without NULLs", what)));
	*n = ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
	return (double *) ARR_DATA_PTR(a);
}

/* k and d of a parameter or state array of n values, checked: 22P03 */
static void
ks_shape(const double *v, int n, int first, int *k, int *d, const char *what)
{
	if (n < first + 2 || !(v[first] >= 1 && v[first] <= DL_KMEANS_MAX_K && v[first] == floor(v[first])) ||
		!(v[first + 1] >= 1 && v[first + 1] <= INT_MAX / 2 && v[first + 1] == floor(v[first + 1])))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("malformed k-means %s: bad k or number of features", what)));
	*k = (int) v[first];
	*d = (int) v[first + 1];
}

static size_t
state_len(int k, int d)
{
	return KS_HEAD + (size_t) k * (2 + (size_t) d);
}

/* a state's values, validated: 22P03 */
static double *
state_values(ArrayType *a, int *k, int *d)
{
	int			n;
	double	   *v = ks_values(a, &n, "state");

	if (n < 1 || v[0] != KS_TAG)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("malformed k-means state: it does not start with %g", KS_TAG)));
	ks_shape(v, n, 1, k, d, "state");
	if ((size_t) n != state_len(*k, *d))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("malformed k-means state: %d values, k = %d and %d features need %zu",
						n, *k, *d, state_len(*k, *d))));
	for (int i = 3; i < n; i++)
		if (!isfinite(v[i]) || (i < KS_HEAD + *k && !(v[i] >= 0 && v[i] == floor(v[i]))) ||
			(i >= KS_HEAD + *k && i < KS_HEAD + 2 * *k && v[i] < 0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("malformed k-means state: value %d (%g) is out of range", i + 1, v[i])));
	return v;
}

/* the centres of a parameter array, kept for the whole aggregation */
typedef struct KsCache
{
	Size		len;
	double	   *params;			/* a copy, to know when they change */
	dl_kmeans	km;
	bool		final;
	const double *center;
	const double *scale;
	float	   *x;
} KsCache;

/*
 * The cache of a transition whose fn_extra does not last: Citus's
 * worker_partial_agg calls the transition through a new FmgrInfo at every
 * row, which made the centres again at every row.  It lives in
 * TopTransactionContext and is forgotten at the transaction's end.
 */
static KsCache *ks_loose;
static bool ks_loose_registered;

static void
ks_forget(XactEvent event, void *arg)
{
	ks_loose = NULL;
}

static KsCache *
ks_cache(FunctionCallInfo fcinfo, ArrayType *pa)
{
	/* a running state without a cache: fn_extra does not last (Citus) */
	bool		loose = fcinfo->flinfo->fn_extra == NULL && !PG_ARGISNULL(0);
	KsCache    *c = loose ? ks_loose : fcinfo->flinfo->fn_extra;
	int			n,
				k,
				d;
	double	   *p = ks_values(pa, &n, "parameters");
	Size		len = sizeof(double) * (Size) n;
	MemoryContext old;

	if (c != NULL && c->len == len && memcmp(c->params, p, len) == 0)
		return c;
	ks_shape(p, n, 0, &k, &d, "parameters");
	if ((size_t) n != 3 + (size_t) k * d + 2 * (size_t) d)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("malformed k-means parameters: %d values, k = %d and %d features need %zu",
						n, k, d, 3 + (size_t) k * d + 2 * (size_t) d)));
	for (int i = 0; i < n; i++)
		if (!isfinite(p[i]) || (i >= n - d && !(p[i] > 0)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("malformed k-means parameters: value %d (%g) is out of range", i + 1, p[i])));
	/* the centres in double and float, and dl_kmeans_create's other k x d and per-centre buffers */
	if ((double) k * ((double) d * 40 + DL_KMEANS_BLOCK * sizeof(float) + 64) >
		(double) pgdl_max_training_memory_kb * 1024)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("k-means cannot hold %d centres of %d features in pgdl.max_training_memory", k, d)));
	if (loose && !ks_loose_registered)
	{
		RegisterXactCallback(ks_forget, NULL);
		ks_loose_registered = true;
	}
	old = MemoryContextSwitchTo(loose ? TopTransactionContext : fcinfo->flinfo->fn_mcxt);
	if (c != NULL)
		dl_kmeans_free(&c->km);
	else
		c = palloc0(sizeof(KsCache));
	if (c->params)
		pfree(c->params);
	if (c->x)
		pfree(c->x);
	/* matches nothing until rebuilt: an error below leaves no stale match */
	c->params = NULL;
	c->x = NULL;
	c->len = 0;
	c->params = palloc(len);
	memcpy(c->params, p, len);
	pgdl_check_status(dl_kmeans_create(&c->km, k, d));
	dl_kmeans_set_centers(&c->km, c->params + 3);
	c->final = c->params[2] != 0;
	c->center = c->params + 3 + (size_t) k * d;
	c->scale = c->center + d;
	c->x = palloc(sizeof(float) * d);
	c->len = len;
	MemoryContextSwitchTo(old);
	if (loose)
		ks_loose = c;
	else
		fcinfo->flinfo->fn_extra = c;
	return c;
}

/* a state of k centres of d features holding v, or all sums 0 when v is NULL */
static ArrayType *
state_from(const double *v, int k, int d)
{
	size_t		n = state_len(k, d);
	Datum	   *e = palloc(sizeof(Datum) * n);
	ArrayType  *a;

	for (size_t i = 0; i < n; i++)
		e[i] = Float8GetDatum(v ? v[i] : i == 0 ? KS_TAG : i == 1 ? k : i == 2 ? d : 0.0);
	a = construct_array(e, (int) n, FLOAT8OID, sizeof(double), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
	pfree(e);
	return a;
}

Datum
pgdl_kmeans_step_sfunc(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	ArrayType  *state;
	ArrayType  *xa;
	KsCache    *c;
	double	   *s,
			   *x;
	int			k,
				d,
				n;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "pgdl.kmeans_step_sfunc called in a non-aggregate context");
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the k-means parameters must not be NULL")));
	CHECK_FOR_INTERRUPTS();
	c = ks_cache(fcinfo, PG_GETARG_ARRAYTYPE_P(2));
	k = c->km.k;
	d = c->km.d;
	if (PG_ARGISNULL(0))
	{
		MemoryContext old = MemoryContextSwitchTo(aggcxt);

		state = state_from(NULL, k, d);
		MemoryContextSwitchTo(old);
	}
	else
		state = PG_GETARG_ARRAYTYPE_P(0);
	/*
	 * Modified in place: the state lives in the aggregate's context.  Only
	 * this function made it, so the shape is all there is to check here.
	 */
	s = ks_values(state, &n, "state");
	if ((size_t) n != state_len(k, d) || s[0] != KS_TAG || s[1] != k || s[2] != d)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("malformed k-means state: it does not hold %d centres of %d features", k, d)));
	if (PG_ARGISNULL(1))
		PG_RETURN_ARRAYTYPE_P(state);
	xa = PG_GETARG_ARRAYTYPE_P(1);
	if (ARR_ELEMTYPE(xa) != FLOAT8OID)
		elog(ERROR, "pgdl.kmeans_step takes float8[] rows");
	if (ARR_HASNULL(xa))
		PG_RETURN_ARRAYTYPE_P(state);
	if (ArrayGetNItems(ARR_NDIM(xa), ARR_DIMS(xa)) != d)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("a k-means row has %d values, the centres have %d",
						ArrayGetNItems(ARR_NDIM(xa), ARR_DIMS(xa)), d)));
	x = (double *) ARR_DATA_PTR(xa);
	for (int t = 0; t < d; t++)
	{
		if (isnan(x[t]))
			PG_RETURN_ARRAYTYPE_P(state);
		/* float32 as the coordinator stores it, then centered and scaled in double */
		c->x[t] = (float) (((double) (float) x[t] - c->center[t]) / c->scale[t]);
	}
	s[3] += 1;
	(void) dl_kmeans_add_row(&c->km, c->x, c->final, s + KS_HEAD + 2 * (size_t) k,
							 s + KS_HEAD, s + KS_HEAD + k);
	PG_RETURN_ARRAYTYPE_P(state);
}

Datum
pgdl_kmeans_step_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	ArrayType  *a,
			   *b;
	double	   *va,
			   *vb;
	int			ka,
				da,
				kb,
				db;

	bool		in_agg = AggCheckCallContext(fcinfo, &aggcxt);

	if (!in_agg)
		aggcxt = CurrentMemoryContext;
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		(void) state_values(PG_GETARG_ARRAYTYPE_P(0), &ka, &da);
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = PG_GETARG_ARRAYTYPE_P(1);
	vb = state_values(b, &kb, &db);
	if (PG_ARGISNULL(0))
	{
		MemoryContext old = MemoryContextSwitchTo(aggcxt);

		a = state_from(vb, kb, db);
		MemoryContextSwitchTo(old);
		PG_RETURN_ARRAYTYPE_P(a);
	}
	a = PG_GETARG_ARRAYTYPE_P(0);
	va = state_values(a, &ka, &da);
	if (ka != kb || da != db)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("malformed k-means state: %d centres of %d features combined with %d of %d",
						ka, da, kb, db)));
	/* into the first state, in place when it lives in the aggregate's context */
	if (!in_agg)
	{
		a = state_from(va, ka, da);
		va = (double *) ARR_DATA_PTR(a);
	}
	for (size_t i = 3; i < state_len(ka, da); i++)
		va[i] += vb[i];
	PG_RETURN_ARRAYTYPE_P(a);
}

/* ---- the coordinator's side ------------------------------------------------------- */

char *
pgdl_kmeans_row_sql(const char *src, const dl_feature *features, int n)
{
	StringInfoData sql;
	TupleDesc	desc;

	/* the columns' types: bool has no cast to float8, so it goes through int */
	if (pgdl_source_execute(psprintf("SELECT * FROM (%s) AS s LIMIT 0", src)) != SPI_OK_SELECT)
		elog(ERROR, "pgdl: reading the columns of the source failed");
	desc = SPI_tuptable->tupdesc;
	initStringInfo(&sql);
	for (int i = 0; i < n; i++)
	{
		const char *col = quote_identifier(features[i].name);
		int			attno = SPI_fnumber(desc, features[i].name);
		Oid			type;
		Oid			elem;

		if (attno <= 0)
			return NULL;
		type = getBaseType(TupleDescAttr(desc, attno - 1)->atttypid);
		elem = get_element_type(type);
		if (i > 0)
			appendStringInfoString(&sql, " OPERATOR(pg_catalog.||) ");
		if (features[i].kind == DL_FEATURE_NUMBER && !OidIsValid(elem))
			appendStringInfo(&sql, "ARRAY[s.%s%s::pg_catalog.float8]", col,
							 type == BOOLOID ? "::pg_catalog.int4" : "");
		else if (features[i].kind == DL_FEATURE_ARRAY && OidIsValid(elem))
			appendStringInfo(&sql, "s.%s%s::pg_catalog.float8[]", col,
							 getBaseType(elem) == BOOLOID ? "::pg_catalog.int4[]" : "");
		else
			return NULL;
	}
	return sql.data;
}

static void
append_values(StringInfo buf, const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		appendStringInfo(buf, ",%.17g", v[i]);
}

double
pgdl_kmeans_agg_pass(const char *src, const char *row_sql, dl_kmeans *km,
					 const double *center, const double *scale, bool final)
{
	int			k = km->k;
	int			d = km->d;
	StringInfoData sql;
	bool		isnull;
	Datum		st;
	double	   *v;
	int			ks,
				ds;
	double		head[3];
	double		rows;

	head[0] = k;
	head[1] = d;
	head[2] = final ? 1 : 0;
	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT pgdl.kmeans_step(%s, '{%g,%g,%g", row_sql, head[0], head[1], head[2]);
	append_values(&sql, km->centers, (size_t) k * d);
	append_values(&sql, center, d);
	append_values(&sql, scale, d);
	appendStringInfo(&sql, "}'::pg_catalog.float8[]) FROM (%s) AS s", src);
	if (pgdl_source_execute(sql.data) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "pgdl: the k-means aggregate query failed");
	pfree(sql.data);
	st = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	dl_kmeans_pass_begin(km);
	if (isnull)
	{
		SPI_freetuptable(SPI_tuptable);
		return 0;
	}
	v = state_values(DatumGetArrayTypeP(st), &ks, &ds);
	if (ks != k || ds != d)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("malformed k-means state: %d centres of %d features, expected %d of %d", ks, ds, k, d)));
	memcpy(km->counts, v + KS_HEAD, sizeof(double) * k);
	memcpy(km->sse, v + KS_HEAD + k, sizeof(double) * k);
	memcpy(km->sums, v + KS_HEAD + 2 * (size_t) k, sizeof(double) * (size_t) k * d);
	rows = v[3];
	SPI_freetuptable(SPI_tuptable);
	return rows;
}
