/*-------------------------------------------------------------------------
 *
 * init.c
 *	  Module entry point (_PG_init): engine hooks, settings, BLAS threads,
 *	  the planner hook of Citus scoring, training progress.
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
 * src/pg/init.c
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

#include "budget.h"
#include "citus_ship.h"
#include "pgdl.h"
#include "progress.h"

/* OpenBLAS's thread-pool control (exported by every OpenBLAS build) */
extern void openblas_set_num_threads(int num_threads);
extern int	blas_thread_shutdown_(void);

void		_PG_init(void);

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
	const char *hint = dl_error_hint_text();

	if (status == DL_EINTERNAL)
		elog(ERROR, "%s", message);
	ereport(ERROR,
			(errcode(pgdl_sqlstate(status)),
			 errmsg_internal("%s", message),
			 status == DL_EVERSION ?
			 errhint("The data was written by a newer pgdl; upgrade the extension to read it.") :
			 hint ? errhint("%s", hint) : 0));
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
	DefineCustomIntVariable("pgdl.model_cache_size",
							"Memory the models of one scoring call in one statement may hold together.",
							"Past it the least recently used models are released (and loaded again when a later row needs them); the model in use always stays.",
							&pgdl_model_cache_size_kb,
							256 * 1024, 0, INT_MAX,
							PGC_USERSET, GUC_UNIT_KB,
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

