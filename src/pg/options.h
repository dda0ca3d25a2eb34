/*-------------------------------------------------------------------------
 *
 * options.h
 *	  The jsonb options argument of a SQL function read against its schema
 *	  (options.c).  The schemas themselves are the engine's: src/core/options.h,
 *	  which has the same file name and is included here by its path.
 *
 * src/pg/options.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_PG_OPTIONS_H
#define PGDL_PG_OPTIONS_H

#include "fmgr.h"

#include "../core/options.h"

/*
 * Reads the jsonb argument arg (absent or NULL: {}) against the function's
 * schema into out (22023 in the schema's style for a mistake); returns the
 * options as text, for the models that keep them.
 */
extern char *pgdl_read_options(FunctionCallInfo fcinfo, int arg, const dl_option_schema *schema,
							   void *out);
/* a jsonb value as the engine's JSON tree, in the current memory context */
extern const dl_json *pgdl_jsonb_tree(Datum jsonb);

#endif							/* PGDL_PG_OPTIONS_H */
