/*-------------------------------------------------------------------------
 *
 * pgdl.c
 *	  Module entry point: engine hooks, settings, BLAS threads, SQLSTATEs.
 *
 * OpenBLAS starts its worker threads when the library is loaded, with the
 * signal mask of the loading backend, so PostgreSQL's signal handlers could
 * run on them.  _PG_init therefore shuts that pool down and, when
 * pgdl.blas_threads asks for more than one thread, restarts it with every
 * signal blocked (threads inherit the creating thread's mask): only the
 * backend's own thread ever runs a handler, and no PostgreSQL function is
 * ever called from a BLAS thread.  With one thread there is no pool at all:
 * the count is set to 1 before the shutdown, so OpenBLAS runs single-threaded
 * and never re-creates it (a fresh pool also spins for a while before it
 * sleeps, which a backend should not pay for nothing).
 *
 * src/pg/pgdl.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>
#include <signal.h>
#include <pthread.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/guc.h"

#include "pgdl_glue.h"
#include "citus_ship.h"

PG_MODULE_MAGIC;

int			pgdl_max_training_memory_kb = 1024 * 1024;
int			pgdl_max_model_size_kb = 256 * 1024;
int			pgdl_blas_threads = 1;

/* OpenBLAS's thread-pool control (exported by every OpenBLAS build) */
extern void openblas_set_num_threads(int num_threads);
extern int	blas_thread_shutdown_(void);

void		_PG_init(void);

int
pgdl_sqlstate(dl_status status)
{
	switch (status)
	{
		case DL_EINVAL:
			return ERRCODE_INVALID_PARAMETER_VALUE;
		case DL_EDIM:
			return ERRCODE_DATA_EXCEPTION;
		case DL_ENULL:
			return ERRCODE_NULL_VALUE_NOT_ALLOWED;
		case DL_EFORMAT:
			return ERRCODE_INVALID_BINARY_REPRESENTATION;
		case DL_EVERSION:
			return ERRCODE_FEATURE_NOT_SUPPORTED;
		case DL_ELIMIT:
			return ERRCODE_PROGRAM_LIMIT_EXCEEDED;
		case DL_ERANGE:
			return ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
		case DL_ETEXT:
			return ERRCODE_INVALID_TEXT_REPRESENTATION;
		case DL_OK:
		case DL_EINTERNAL:
			break;
	}
	return ERRCODE_INTERNAL_ERROR;
}

void
pgdl_check_status(dl_status status)
{
	/* the error hook raised already; this is for a status with no report */
	if (status != DL_OK)
		elog(ERROR, "pgdl engine failed with status %d", (int) status);
}

static void *
hook_alloc(size_t size)
{
	/* charged to the memory budget of the work in progress, if any (budget.c) */
	pgdl_budget_charge(size);
	return palloc_extended(size, MCXT_ALLOC_HUGE);
}

static void
hook_free(void *ptr)
{
	pfree(ptr);
}

static void
hook_error(dl_status status, const char *message)
{
	if (status == DL_EINTERNAL)
		elog(ERROR, "%s", message);
	ereport(ERROR,
			(errcode(pgdl_sqlstate(status)),
			 errmsg_internal("%s", message),
			 status == DL_EVERSION ?
			 errhint("The data was written by a newer pgdl; upgrade the extension to read it.") : 0));
}

static void
hook_interrupts(void)
{
	CHECK_FOR_INTERRUPTS();
}

/* (re)starts the BLAS thread pool with every signal blocked */
static void
restart_blas_threads(int nthreads)
{
	sigset_t	all,
				saved;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &saved);
	if (nthreads == 1)
	{
		openblas_set_num_threads(1);
		blas_thread_shutdown_();
	}
	else
	{
		blas_thread_shutdown_();
		openblas_set_num_threads(nthreads);
	}
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
}

static void
assign_blas_threads(int newval, void *extra)
{
	restart_blas_threads(newval);
}

void
_PG_init(void)
{
	static const dl_hooks hooks = {hook_alloc, hook_free, hook_error, hook_interrupts};

	dl_set_hooks(&hooks);

	DefineCustomIntVariable("pgdl.max_training_memory",
							"Largest amount of memory one training may hold its data in.",
							"Training data past this size is refused before anything is allocated.",
							&pgdl_max_training_memory_kb,
							1024 * 1024, 1024, INT_MAX,
							PGC_SUSET, GUC_UNIT_KB,
							NULL, NULL, NULL);
	DefineCustomIntVariable("pgdl.max_model_size",
							"Largest serialized model pgdl writes or reads.",
							NULL,
							&pgdl_max_model_size_kb,
							256 * 1024, 64, 1024 * 1024 * 1024 / 1024,
							PGC_SUSET, GUC_UNIT_KB,
							NULL, NULL, NULL);
	DefineCustomIntVariable("pgdl.blas_threads",
							"Threads OpenBLAS may use inside one backend.",
							"1 makes results bit-reproducible and leaves cores to other sessions.",
							&pgdl_blas_threads,
							1, 1, 64,
							PGC_SUSET, 0,
							NULL, assign_blas_threads, NULL);
	MarkGUCPrefixReserved("pgdl");
	pgdl_progress_init();
	pgdl_citus_ship_init();

	/* the assign hook ran for the default already, but be explicit */
	restart_blas_threads(pgdl_blas_threads);
}

text *
pgdl_required_text(FunctionCallInfo fcinfo, int arg, const char *name)
{
	if (PG_ARGISNULL(arg))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", name)));
	return PG_GETARG_TEXT_PP(arg);
}
