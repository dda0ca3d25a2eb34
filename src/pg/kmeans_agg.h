/*-------------------------------------------------------------------------
 *
 * kmeans_agg.h
 *	  One Lloyd pass of k-means as the aggregate pgdl.kmeans_step, which
 *	  Citus runs on its workers (kmeans_agg.c; the README's Citus section).
 *
 * src/pg/kmeans_agg.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_PG_KMEANS_AGG_H
#define PGDL_PG_KMEANS_AGG_H

#include "dl_nn.h"

/*
 * The float8[] expression of a row's features over the alias s of source
 * query src (its columns' types are read with a LIMIT 0 query), or NULL
 * when a feature is not a number or a one-dimensional array (the passes then
 * read the rows through the coordinator)
 */
extern char *pgdl_kmeans_row_sql(const char *src, const dl_feature *features, int n);

/*
 * One pass over src (SELECT pgdl.kmeans_step(row_sql, centres) FROM src):
 * km's centres (rows centered by center and divided by scale, d each) as a
 * literal; the summed sums, counts and sse into km.  Returns the rows the
 * workers counted.
 */
extern double pgdl_kmeans_agg_pass(const char *src, const char *row_sql, dl_kmeans *km,
								   const double *center, const double *scale, bool final);

#endif							/* PGDL_PG_KMEANS_AGG_H */
