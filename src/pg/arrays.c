/*-------------------------------------------------------------------------
 *
 * arrays.c
 *	  Feature vectors: numeric arrays in, float8[] and bigint[] out.
 *
 * Every function taking a feature vector declares one anyarray argument
 * (two array overloads of one name make ARRAY[1.5, 2] and friends
 * ambiguous), so the element type is only known here.  float8 and real
 * arrays are read in place; int2/4/8, numeric and bool are converted.  A
 * float8 array without NULLs is not copied at all.
 *
 * src/pg/arrays.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/arrayaccess.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "arrays.h"
#include "pgdl_core.h"

bool
pgdl_numeric_type(Oid typid)
{
	switch (typid)
	{
		case FLOAT8OID:
		case FLOAT4OID:
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case NUMERICOID:
		case BOOLOID:
			return true;
		default:
			return false;
	}
}

Oid
pgdl_numeric_base_type(Oid typid)
{
	Oid			base;

	if (pgdl_numeric_type(typid))
		return typid;
	/* a domain over a numeric type is that type (values are the base's) */
	base = getBaseType(typid);
	return (base != typid && pgdl_numeric_type(base)) ? base : InvalidOid;
}

double
pgdl_datum_to_double(Datum d, Oid typid)
{
	switch (typid)
	{
		case FLOAT8OID:
			return DatumGetFloat8(d);
		case FLOAT4OID:
			return (double) DatumGetFloat4(d);
		case INT2OID:
			return (double) DatumGetInt16(d);
		case INT4OID:
			return (double) DatumGetInt32(d);
		case INT8OID:
			return (double) DatumGetInt64(d);
		case BOOLOID:
			return DatumGetBool(d) ? 1.0 : 0.0;
		case NUMERICOID:
			return DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, d));
		default:
			elog(ERROR, "unexpected feature type %u", typid);
	}
	return 0.0;					/* keep compiler quiet */
}

PgdlVectorScratch *
pgdl_vector_scratch(FunctionCallInfo fcinfo)
{
	PgdlVectorScratch *s = (PgdlVectorScratch *) fcinfo->flinfo->fn_extra;

	if (s == NULL)
	{
		s = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(PgdlVectorScratch));
		s->mcxt = fcinfo->flinfo->fn_mcxt;
		fcinfo->flinfo->fn_extra = s;
	}
	return s;
}

static void
ensure_capacity(PgdlVectorScratch *s, int d)
{
	if (s->capacity >= d)
		return;
	if (s->buf)
	{
		pfree(s->buf);
		pfree(s->nulls);
	}
	s->buf = MemoryContextAllocHuge(s->mcxt, (Size) d * sizeof(double));
	s->nulls = MemoryContextAllocHuge(s->mcxt, (Size) d * sizeof(bool));
	s->capacity = d;
}

void
pgdl_read_vector(ArrayType *arr, PgdlVectorScratch *scratch, PgdlVector *out,
				 const char *what)
{
	Oid			elemtype = ARR_ELEMTYPE(arr);
	int			ndim = ARR_NDIM(arr);
	int			d;
	int			n_null;

	if (!pgdl_numeric_type(elemtype) && OidIsValid(pgdl_numeric_base_type(elemtype)))
		elemtype = pgdl_numeric_base_type(elemtype);	/* an array of a domain */
	if (!pgdl_numeric_type(elemtype))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s must be a numeric array, got %s",
						what, format_type_be(get_array_type(elemtype))),
				 errhint("Use an array of float8, real, integer, bigint, smallint, numeric or boolean.")));
	if (ndim == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s must not be empty", what)));
	if (ndim != 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s must be a one-dimensional array, got %d dimensions", what, ndim)));
	d = ARR_DIMS(arr)[0];
	if (d > DL_STATE_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s has %d elements, more than the limit of %d", what, d, DL_STATE_MAX_DIM)));
	out->d = d;
	ensure_capacity(scratch, d);
	out->x = pgdl_array_doubles(arr, elemtype, d, scratch->buf, scratch->nulls, &n_null);
	out->isnull = n_null > 0 ? scratch->nulls : NULL;
}

/*
 * The one decoder of numeric arrays: the n elements of arr (of elemtype, a
 * numeric type: a domain's base already resolved) as doubles.  Returns a
 * pointer into the array itself for float8 without NULLs, else buf, filled;
 * a NULL element is NaN there with nulls[i] set (nulls may be NULL when the
 * array has none).  *n_null gets the number of NULL elements.
 */
const double *
pgdl_array_doubles(ArrayType *arr, Oid elemtype, int n, double *buf, bool *nulls, int *n_null)
{
	bits8	   *bitmap = ARR_NULLBITMAP(arr);

	*n_null = 0;
	if (elemtype == FLOAT8OID && bitmap == NULL)
		return (const double *) ARR_DATA_PTR(arr);
	if (elemtype == NUMERICOID)
	{
		array_iter	it;

		array_iter_setup(&it, (AnyArrayType *) arr);
		for (int i = 0; i < n; i++)
		{
			bool		isnull;
			Datum		v = array_iter_next(&it, &isnull, i, -1, false, TYPALIGN_INT);

			if (nulls)
				nulls[i] = isnull;
			*n_null += isnull;
			buf[i] = isnull ? NAN : pgdl_datum_to_double(v, NUMERICOID);
		}
	}
	else if (bitmap == NULL)
	{
		/* the common case: one tight loop per element type */
		const char *p = ARR_DATA_PTR(arr);

		switch (elemtype)
		{
			case FLOAT4OID:
				for (int i = 0; i < n; i++)
					buf[i] = ((const float *) p)[i];
				break;
			case INT8OID:
				for (int i = 0; i < n; i++)
					buf[i] = (double) ((const int64 *) p)[i];
				break;
			case INT4OID:
				for (int i = 0; i < n; i++)
					buf[i] = (double) ((const int32 *) p)[i];
				break;
			case INT2OID:
				for (int i = 0; i < n; i++)
					buf[i] = (double) ((const int16 *) p)[i];
				break;
			default:			/* bool */
				for (int i = 0; i < n; i++)
					buf[i] = ((const bool *) p)[i] ? 1.0 : 0.0;
				break;
		}
		if (nulls)
			memset(nulls, 0, sizeof(bool) * n);
	}
	else
	{
		/* fixed-width, naturally aligned element types with NULLs */
		char	   *p = ARR_DATA_PTR(arr);
		int			typlen = (elemtype == FLOAT8OID || elemtype == INT8OID) ? 8 :
			(elemtype == FLOAT4OID || elemtype == INT4OID) ? 4 :
			(elemtype == INT2OID) ? 2 : 1;

		for (int i = 0; i < n; i++)
		{
			double		v;
			bool		isnull = !(bitmap[i / 8] & (1 << (i % 8)));

			if (nulls)
				nulls[i] = isnull;
			if (isnull)
			{
				buf[i] = NAN;
				(*n_null)++;
				continue;
			}
			switch (elemtype)
			{
				case FLOAT8OID:
					v = *(const double *) p;
					break;
				case FLOAT4OID:
					v = *(const float *) p;
					break;
				case INT8OID:
					v = (double) *(const int64 *) p;
					break;
				case INT4OID:
					v = (double) *(const int32 *) p;
					break;
				case INT2OID:
					v = (double) *(const int16 *) p;
					break;
				default:		/* bool */
					v = *(const bool *) p ? 1.0 : 0.0;
					break;
			}
			buf[i] = v;
			p += typlen;
		}
	}
	return buf;
}

/*
 * The n elements of arr (of elemtype, a numeric type) straight to float32,
 * for inputs that need no double stage (a model without imputer and
 * scaler): each element is the float cast of its double value, which is what
 * pgdl_array_doubles followed by a cast gives, bit for bit (an integer is
 * exact in double; a float4 round-trips through double unchanged).  Returns
 * false, with out partly written, for an array with a NULL bitmap, a numeric
 * array, or any element that is not finite in float32 (NaN, infinite, or a
 * float8 beyond float32's range): the caller then takes the double path,
 * which accepts or reports each of those exactly as before.
 */
/*
 * true when the n floats of x are all finite: a float is NaN or infinite
 * exactly when its exponent bits are all ones.  Eight independent lanes of
 * the same test, so that the compiler turns the loop into vector
 * instructions at -O2 (one maximum over a single accumulator, or isfinite,
 * stays scalar: about 7 instructions a float, 6 % of predict_batch's
 * instructions on Fashion-MNIST, against under one now; docs/benchmarks.md)
 */
static inline bool
all_finite_float32(const float *x, int n)
{
	uint32		lanes[8] = {0};
	uint32		any = 0;
	int			i = 0;

	for (; i + 8 <= n; i += 8)
		for (int j = 0; j < 8; j++)
		{
			uint32		bits;

			memcpy(&bits, &x[i + j], sizeof(bits));
			lanes[j] |= (bits & 0x7f800000) == 0x7f800000;
		}
	for (; i < n; i++)
	{
		uint32		bits;

		memcpy(&bits, &x[i], sizeof(bits));
		any |= (bits & 0x7f800000) == 0x7f800000;
	}
	for (int j = 0; j < 8; j++)
		any |= lanes[j];
	return any == 0;
}

bool
pgdl_array_float32(ArrayType *arr, Oid elemtype, int n, float *out)
{
	const char *p = ARR_DATA_PTR(arr);

	if (ARR_HASNULL(arr))
		return false;
	switch (elemtype)
	{
		case FLOAT4OID:
			memcpy(out, p, sizeof(float) * n);
			return all_finite_float32(out, n);
		case FLOAT8OID:
			/* NaN, infinities and overflow all end as non-finite floats */
			for (int i = 0; i < n; i++)
				out[i] = (float) ((const double *) p)[i];
			return all_finite_float32(out, n);
		case INT8OID:
			for (int i = 0; i < n; i++)
				out[i] = (float) (double) ((const int64 *) p)[i];
			return true;
		case INT4OID:
			for (int i = 0; i < n; i++)
				out[i] = (float) (double) ((const int32 *) p)[i];
			return true;
		case INT2OID:
			for (int i = 0; i < n; i++)
				out[i] = (float) (double) ((const int16 *) p)[i];
			return true;
		case BOOLOID:
			for (int i = 0; i < n; i++)
				out[i] = ((const bool *) p)[i] ? 1.0f : 0.0f;
			return true;
		default:				/* numeric: the double path converts it */
			return false;
	}
}

ArrayType *
pgdl_real_array_to_fill(size_t n)
{
	Size		size;
	ArrayType  *a;

	if (n > (MaxAllocSize - ARR_OVERHEAD_NONULLS(1)) / sizeof(float4))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("an array of %zu real values is too large", n)));
	size = ARR_OVERHEAD_NONULLS(1) + n * sizeof(float4);
	a = palloc(size);
	SET_VARSIZE(a, size);
	a->ndim = 1;
	a->dataoffset = 0;
	a->elemtype = FLOAT4OID;
	ARR_DIMS(a)[0] = (int) n;
	ARR_LBOUND(a)[0] = 1;
	return a;
}

ArrayType *
pgdl_float8_array(const double *x, const bool *nulls, int n)
{
	Datum	   *elems;
	int			dims[1] = {n};
	int			lbs[1] = {1};

	if (nulls == NULL && n > 0)
	{
		/* no NULLs: lay the array out directly, one copy of the data */
		Size		size = ARR_OVERHEAD_NONULLS(1) + (Size) n * sizeof(double);
		ArrayType  *a = palloc(size);

		SET_VARSIZE(a, size);
		a->ndim = 1;
		a->dataoffset = 0;
		a->elemtype = FLOAT8OID;
		ARR_DIMS(a)[0] = n;
		ARR_LBOUND(a)[0] = 1;
		memcpy(ARR_DATA_PTR(a), x, (Size) n * sizeof(double));
		return a;
	}
	elems = palloc(sizeof(Datum) * Max(n, 1));
	for (int i = 0; i < n; i++)
		elems[i] = Float8GetDatum(x[i]);
	if (n == 0)
		return construct_empty_array(FLOAT8OID);
	return construct_md_array(elems, (bool *) nulls, 1, dims, lbs,
							  FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

ArrayType *
pgdl_int8_array(const double *x, const bool *nulls, int n)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));
	int			dims[1] = {n};
	int			lbs[1] = {1};

	for (int i = 0; i < n; i++)
		elems[i] = Int64GetDatum((int64) x[i]);
	if (n == 0)
		return construct_empty_array(INT8OID);
	return construct_md_array(elems, (bool *) nulls, 1, dims, lbs,
							  INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

ArrayType *
pgdl_float8_matrix(const double *x, const bool *nulls, int rows, int cols)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max((Size) rows * cols, 1));
	int			dims[2] = {rows, cols};
	int			lbs[2] = {1, 1};

	for (Size i = 0; i < (Size) rows * cols; i++)
		elems[i] = Float8GetDatum(x[i]);
	if (rows == 0 || cols == 0)
		return construct_empty_array(FLOAT8OID);
	return construct_md_array(elems, (bool *) nulls, 2, dims, lbs,
							  FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

double *
pgdl_read_float8_list(ArrayType *arr, int *n, const char *argname)
{
	Datum	   *elems;
	bool	   *nulls;
	double	   *out;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s must be a one-dimensional array", argname)));
	deconstruct_array(arr, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &elems, &nulls, n);
	out = palloc(sizeof(double) * Max(*n, 1));
	for (int i = 0; i < *n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not contain NULL (element %d)", argname, i + 1)));
		out[i] = DatumGetFloat8(elems[i]);
	}
	return out;
}

/* per-query cache of a VARIADIC "any" function's argument types */
typedef struct VariadicCache
{
	PgdlVectorScratch scratch;
	int			nargs;
	Oid		   *types;
} VariadicCache;

void
pgdl_read_variadic(FunctionCallInfo fcinfo, int first, PgdlVector *out, const char *fname)
{
	VariadicCache *cache = (VariadicCache *) fcinfo->flinfo->fn_extra;
	int			nargs = PG_NARGS() - first;
	bool		any_null = false;

	if (cache == NULL)
	{
		MemoryContext mcxt = fcinfo->flinfo->fn_mcxt;

		if (get_fn_expr_variadic(fcinfo->flinfo))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("%s takes columns, not an array marked VARIADIC", fname),
					 errhint("Use pgdl.stats(array) for an array.")));
		if (nargs < 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s needs at least one column", fname)));
		cache = MemoryContextAllocZero(mcxt, sizeof(VariadicCache));
		cache->types = MemoryContextAlloc(mcxt, nargs * sizeof(Oid));
		cache->scratch.mcxt = mcxt;
		ensure_capacity(&cache->scratch, nargs);
		for (int i = 0; i < nargs; i++)
		{
			Oid			given = get_fn_expr_argtype(fcinfo->flinfo, first + i);
			Oid			t = pgdl_numeric_base_type(given);

			if (!OidIsValid(t))
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("argument %d of %s must be numeric, got %s",
								i + 1, fname, format_type_be(given)),
						 errhint("Cast untyped literals, e.g. 1.5::float8.")));
			cache->types[i] = t;
		}
		cache->nargs = nargs;
		fcinfo->flinfo->fn_extra = cache;
	}
	for (int i = 0; i < nargs; i++)
	{
		bool		isnull = PG_ARGISNULL(first + i);

		cache->scratch.nulls[i] = isnull;
		any_null |= isnull;
		if (isnull)
			cache->scratch.buf[i] = 0.0;
		else if (cache->types[i] == FLOAT8OID)
			cache->scratch.buf[i] = PG_GETARG_FLOAT8(first + i);
		else
			cache->scratch.buf[i] = pgdl_datum_to_double(PG_GETARG_DATUM(first + i),
														 cache->types[i]);
	}
	out->d = nargs;
	out->x = cache->scratch.buf;
	out->isnull = any_null ? cache->scratch.nulls : NULL;
}
