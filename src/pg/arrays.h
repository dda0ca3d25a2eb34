/*-------------------------------------------------------------------------
 *
 * arrays.h
 *	  Arrays and numeric values as doubles, and doubles as arrays (arrays.c).
 *
 * src/pg/arrays.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_PG_ARRAYS_H
#define PGDL_PG_ARRAYS_H

#include "fmgr.h"
#include "utils/array.h"

/*
 * A feature vector read from an array argument: x points into the array
 * itself for float8 arrays without NULLs, or into the scratch buffer.
 */
typedef struct PgdlVector
{
	int			d;
	const double *x;
	bool	   *isnull;			/* NULL when no element is NULL */
} PgdlVector;

typedef struct PgdlVectorScratch
{
	int			capacity;
	double	   *buf;
	bool	   *nulls;
	MemoryContext mcxt;
} PgdlVectorScratch;

/* scratch kept in fn_extra across calls */
extern PgdlVectorScratch *pgdl_vector_scratch(FunctionCallInfo fcinfo);
/*
 * reads a 1-D, non-empty numeric array (42804 for other element types, 22000
 * for other shapes)
 */
extern void pgdl_read_vector(ArrayType *arr, PgdlVectorScratch *scratch, PgdlVector *out,
							 const char *what);
/*
 * the one decoder of numeric arrays: n elements as doubles, a pointer into
 * arr for float8 without NULLs, else buf (NULL elements NaN, nulls[i] set)
 */
extern const double *pgdl_array_doubles(ArrayType *arr, Oid elemtype, int n, double *buf,
										bool *nulls, int *n_null);
/*
 * arr's n elements as float32, equal to pgdl_array_doubles then a cast;
 * false (out garbage) when it has a NULL bitmap, is numeric[] or holds a
 * value not finite in float32: then take the double path
 */
extern bool pgdl_array_float32(ArrayType *arr, Oid elemtype, int n, float *out);
/* true if element type can be a feature (float8, real, int2/4/8, numeric, bool) */
extern bool pgdl_numeric_type(Oid typid);
/* that type, or the base of a domain over it; InvalidOid if not numeric */
extern Oid	pgdl_numeric_base_type(Oid typid);
/* a Datum of a numeric scalar type as a double */
extern double pgdl_datum_to_double(Datum d, Oid typid);
/*
 * The arguments first.. of a VARIADIC "any" function as doubles (types
 * checked once per query; 42804 for a non-numeric one).  out->x and
 * out->isnull live in fn_extra.
 */
extern void pgdl_read_variadic(FunctionCallInfo fcinfo, int first, PgdlVector *out,
							   const char *fname);
/* float8[] / bigint[] results; nulls may be NULL */
extern ArrayType *pgdl_float8_array(const double *x, const bool *nulls, int n);
/* a real[] of n elements (n >= 1; 54000 when too large) whose values the caller writes at ARR_DATA_PTR */
extern ArrayType *pgdl_real_array_to_fill(size_t n);
extern ArrayType *pgdl_int8_array(const double *x, const bool *nulls, int n);
extern ArrayType *pgdl_float8_matrix(const double *x, const bool *nulls, int rows, int cols);
/* reads a float8[] argument of plain constants (e.g. q) into a palloc'd buffer */
extern double *pgdl_read_float8_list(ArrayType *arr, int *n, const char *argname);

#endif							/* PGDL_PG_ARRAYS_H */
