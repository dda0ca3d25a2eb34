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
/* whether the query sql reads a Citus table (distributed, reference or local) */
extern bool pgdl_sql_reads_citus_table(const char *sql);

/*
 * 55000 unless every Citus worker has the coordinator's pgdl version
 * (citus_version.c): before pgdl code runs on the workers.  Kept per
 * backend until the node list or the coordinator's version changes.
 */
extern void pgdl_citus_check_versions(void);

#endif							/* PGDL_CITUS_SHIP_H */
