/*-------------------------------------------------------------------------
 *
 * citus_ship.h
 *	  Scoring on Citus workers with the coordinator's model: the planner
 *	  hook that ships the model with the query (citus_ship.c).  The
 *	  twins it calls decode the bytes in models.c (pgdl_model_cached).
 *
 * src/pg/citus_ship.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_CITUS_SHIP_H
#define PGDL_CITUS_SHIP_H

/* installs the planner hook (_PG_init) */
extern void pgdl_citus_ship_init(void);

#endif							/* PGDL_CITUS_SHIP_H */
