/*-------------------------------------------------------------------------
 *
 * pgdl.h
 *	  What every glue file shares (pgdl.c): the settings, and the mapping of
 *	  the engine's statuses to SQLSTATEs.
 *
 * src/pg/pgdl.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_PG_PGDL_H
#define PGDL_PG_PGDL_H

#include "fmgr.h"

#include "pgdl_core.h"

extern int	pgdl_max_training_memory_kb;
extern int	pgdl_max_model_size_kb;
extern int	pgdl_blas_threads;
extern int	pgdl_model_cache_size_kb;

/* SQLSTATE of a core status */
extern int	pgdl_sqlstate(dl_status status);
/* a text argument that must not be NULL (22004 naming it otherwise) */
extern text *pgdl_required_text(FunctionCallInfo fcinfo, int arg, const char *name);
/* raises the core's last error if status is not DL_OK (a hook normally did) */
extern void pgdl_check_status(dl_status status);

#endif							/* PGDL_PG_PGDL_H */
