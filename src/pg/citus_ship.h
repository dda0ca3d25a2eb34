/*-------------------------------------------------------------------------
 *
 * citus_ship.h
 *	  Scoring on Citus workers with the coordinator's model: the planner
 *	  hook that ships the model with the query (citus_ship.c) and what it
 *	  shares with the registry code (models.c).
 *
 * src/pg/citus_ship.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_CITUS_SHIP_H
#define PGDL_CITUS_SHIP_H

#include "fmgr.h"

#include "pgdl_glue.h"

/* citus_ship.c */
extern void pgdl_citus_ship_init(void);
extern bool pgdl_is_shipped_twin(Oid funcid);
extern PgdlModel *pgdl_shipped_model_cached(FunctionCallInfo fcinfo);
extern void pgdl_registry_changed(void);
extern bool pgdl_in_citus_shard_query(void);

/* models.c */
extern bytea *pgdl_model_fetch(const char *refstr, char **name, int *version);
extern PgdlModel *pgdl_model_from_weights(const char *name, int version, const bytea *weights,
										  MemoryContext mcxt);

#endif							/* PGDL_CITUS_SHIP_H */
