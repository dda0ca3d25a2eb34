/*-------------------------------------------------------------------------
 *
 * pushdown.c
 *	  A source's features as one float8[] expression in SQL.
 *
 * pca and feature_scores read a Citus table through one aggregate over the
 * features as a float8[] row, which Citus runs on its workers
 * (worker_partial_agg) so that only partial states reach the coordinator
 * (see the README, "Citus").  This is that row.
 *
 * src/pg/pushdown.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "arrays.h"
#include "pushdown.h"

char *
pgdl_pushdown_features(const PgdlFeatureSet *fs, TupleDesc desc, const char **why)
{
	StringInfoData sql;

	initStringInfo(&sql);
	for (int i = 0; i < fs->n; i++)
	{
		const dl_feature *f = &fs->features[i];
		int			a = pgdl_find_attr(desc, f->name);
		Oid			typid = a >= 0 ? getBaseType(TupleDescAttr(desc, a)->atttypid) : InvalidOid;
		const char *col = quote_identifier(f->name);

		if (i > 0)
			appendStringInfoString(&sql, " || ");
		if (f->kind == DL_FEATURE_NUMBER && OidIsValid(pgdl_numeric_base_type(typid)))
			appendStringInfo(&sql, "ARRAY[%s%s::pg_catalog.float8]", col,
							 typid == BOOLOID ? "::pg_catalog.int4" : "");
		else if (f->kind == DL_FEATURE_ARRAY && OidIsValid(get_element_type(typid)) &&
				 OidIsValid(pgdl_numeric_base_type(get_element_type(typid))) &&
				 getBaseType(get_element_type(typid)) != BOOLOID)
			appendStringInfo(&sql,
							 "(CASE WHEN pg_catalog.array_ndims(%s) = 1 AND pg_catalog.cardinality(%s) = %d "
							 "THEN %s::pg_catalog.float8[] "
							 "ELSE pg_catalog.array_fill(NULL::pg_catalog.float8, ARRAY[%d]) END)",
							 col, col, f->length, col, f->length);
		else
		{
			*why = psprintf("feature \"%s\" is %s", f->name,
							f->kind == DL_FEATURE_MATRIX ? "a 2-D array" :
							f->kind == DL_FEATURE_ARRAY ? "a boolean array" :
							f->kind == DL_FEATURE_CATEGORICAL ? "categorical" : "not a number");
			pfree(sql.data);
			return NULL;
		}
	}
	return sql.data;
}
