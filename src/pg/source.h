/*-------------------------------------------------------------------------
 *
 * source.h
 *	  Sources (source.c): a relation name or one read-only query as SQL, run
 *	  read-only through SPI, and its numeric columns.
 *
 * src/pg/source.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_PG_SOURCE_H
#define PGDL_PG_SOURCE_H

#include "utils/array.h"

/*
 * The SQL text of a source argument: a relation name becomes
 * "SELECT * FROM <quoted, qualified name>", a query is checked to be one
 * read-only SELECT/VALUES/TABLE (42601 otherwise) and wrapped as a subquery.
 */
extern char *pgdl_source_sql(text *source);
/* like pgdl_source_sql; *relid is the relation, or InvalidOid for a query */
extern char *pgdl_source_sql_rel(text *source, Oid *relid);
/* SELECT select_list over src (from pgdl_source_sql), keeping its ORDER BY last */
extern char *pgdl_source_select(const char *src, const char *select_list);

/* runs SQL built on a source through SPI, read-only (see source.c) */
extern int	pgdl_source_execute(const char *sql);

/* one column of a source, as chosen by pgdl_source_columns */
typedef struct PgdlColumn
{
	char	   *name;
	Oid			typid;
	int			attnum;			/* 1-based in the source's result */
} PgdlColumn;

/*
 * The numeric columns of a source's result (all of them when requested is
 * NULL, with a NOTICE listing the skipped ones), or exactly the requested
 * ones (42703 for a missing name, 42804 for a non-numeric one).
 */
extern PgdlColumn *pgdl_source_columns(const char *source_sql, ArrayType *requested,
									   int *ncolumns);
/* an identifier quoted for SQL */
extern const char *pgdl_quote_ident(const char *ident);

#endif							/* PGDL_PG_SOURCE_H */
