/*-------------------------------------------------------------------------
 *
 * pg_compat.h
 *	  The differences between the PostgreSQL majors pgdl builds against
 *	  (15 to 18, the Makefile's PG_SUPPORTED), behind PG_VERSION_NUM, so
 *	  that the glue itself is written once against the newest API.
 *
 * Include it after postgres.h, in the glue files that use one of these.
 *
 * src/pg/pg_compat.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_PG_COMPAT_H
#define PGDL_PG_COMPAT_H

/*
 * This backend's index among the MaxBackends regular backends, from 0 (or
 * outside [0, MaxBackends) for an auxiliary process).  PostgreSQL 17 renamed
 * the 1-based BackendId to the 0-based ProcNumber.
 */
#if PG_VERSION_NUM >= 170000
#include "storage/procnumber.h"
#define PGDL_MY_BACKEND_INDEX	((int) MyProcNumber)
#else
#include "storage/backendid.h"
#define PGDL_MY_BACKEND_INDEX	((int) MyBackendId - 1)
#endif

/*
 * The varlena macros (VARSIZE, SET_VARSIZE, VARDATA, ...) moved from
 * postgres.h to varatt.h in PostgreSQL 16.
 */
#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

/* ExecutorRun lost its execute_once argument in PostgreSQL 18 */
#if PG_VERSION_NUM >= 180000
#define PGDL_EXECUTOR_RUN(qd, dir, count)	ExecutorRun((qd), (dir), (count))
#else
#define PGDL_EXECUTOR_RUN(qd, dir, count)	ExecutorRun((qd), (dir), (count), true)
#endif

#endif							/* PGDL_PG_COMPAT_H */
