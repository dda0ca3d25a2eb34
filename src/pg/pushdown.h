/*-------------------------------------------------------------------------
 *
 * pushdown.h
 *	  A source's features as one float8[] expression in SQL (pushdown.c),
 *	  for the aggregate queries that Citus runs on its workers (pca.c,
 *	  featsel.c).
 *
 * src/pg/pushdown.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_PG_PUSHDOWN_H
#define PGDL_PG_PUSHDOWN_H

#include "access/tupdesc.h"

#include "dataset.h"

/*
 * The features of fs, columns of a result described by desc, as one
 * float8[] expression of fs->n_inputs elements a row (numbers, bool as
 * 0/1, 1-D numeric arrays of the expected length; an array of another
 * length or a NULL array becomes NULL elements, so that the aggregate's
 * counts show it).  NULL, with *why, when a feature has no such form: a 2-D
 * array, a boolean array, a categorical column.
 */
extern char *pgdl_pushdown_features(const PgdlFeatureSet *fs, TupleDesc desc, const char **why);

#endif							/* PGDL_PG_PUSHDOWN_H */
