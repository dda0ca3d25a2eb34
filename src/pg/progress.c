/*-------------------------------------------------------------------------
 *
 * progress.c
 *	  Training progress visible from other connections (see the README).
 *
 * With pgdl in shared_preload_libraries, each backend owns one slot of a
 * small shared array (indexed by its backend id) and rewrites it after
 * every epoch; pgdl.training_progress reads all slots.  A per-slot change
 * counter (the pattern of PostgreSQL's own PgBackendStatus) lets readers
 * copy a consistent slot without a lock.  As in pg_stat_activity, other
 * users see that a model is being trained, not how it is doing.  Without
 * preloading there is no
 * shared memory: the training backend's pg_stat_activity.query carries the
 * progress instead (train.c), and the view says how to enable it.
 *
 * src/pg/progress.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_authid.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/shmem.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "pg_compat.h"
#include "progress.h"

PG_FUNCTION_INFO_V1(pgdl_training_progress);

typedef struct ProgressSlot
{
	volatile uint32 changecount;	/* odd while being written */
	int			pid;			/* 0 = free */
	Oid			userid;			/* who trains: others see no numbers */
	char		model[NAMEDATALEN];
	int			epoch;
	int			epochs;
	double		rows_per_second;
	double		train_loss;
	double		validation_loss;
	TimestampTz started_at;
} ProgressSlot;

static ProgressSlot *slots;
static int	nslots;
static shmem_request_hook_type prev_shmem_request_hook;
static shmem_startup_hook_type prev_shmem_startup_hook;

static void
progress_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(mul_size(sizeof(ProgressSlot), MaxBackends));
}

static void
progress_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	nslots = MaxBackends;
	slots = ShmemInitStruct("pgdl training progress", mul_size(sizeof(ProgressSlot), nslots), &found);
	if (!found)
		memset(slots, 0, mul_size(sizeof(ProgressSlot), nslots));
}

void
pgdl_progress_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = progress_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = progress_shmem_startup;
}

static ProgressSlot *
my_slot(void)
{
	int			i = PGDL_MY_BACKEND_INDEX;

	if (slots == NULL || i < 0 || i >= nslots)
		return NULL;
	return &slots[i];
}

#define BEGIN_WRITE(s)	do { (s)->changecount++; pg_write_barrier(); } while (0)
#define END_WRITE(s)	do { pg_write_barrier(); (s)->changecount++; } while (0)

/*
 * A training ended by FATAL (pg_terminate_backend, a lost client) never
 * reaches the PG_FINALLY of run_training: free the slot on the way out.
 */
static void
progress_exit(int code, Datum arg)
{
	ProgressSlot *s = my_slot();

	if (s && s->pid == MyProcPid)
	{
		BEGIN_WRITE(s);
		s->pid = 0;
		END_WRITE(s);
	}
}

void
pgdl_progress_start(const char *model, int epochs)
{
	ProgressSlot *s = my_slot();
	static bool exit_callback = false;

	if (!s)
		return;
	if (!exit_callback)
	{
		before_shmem_exit(progress_exit, (Datum) 0);
		exit_callback = true;
	}
	BEGIN_WRITE(s);
	s->pid = MyProcPid;
	s->userid = GetUserId();
	strlcpy(s->model, model, NAMEDATALEN);
	s->epoch = 0;
	s->epochs = epochs;
	s->rows_per_second = NAN;
	s->train_loss = NAN;
	s->validation_loss = NAN;
	s->started_at = GetCurrentTimestamp();
	END_WRITE(s);
}

void
pgdl_progress_update(const char *model, const dl_epoch_report *r)
{
	ProgressSlot *s = my_slot();

	if (!s)
		return;
	BEGIN_WRITE(s);
	s->epoch = r->epoch;
	s->epochs = r->epochs;
	s->rows_per_second = r->rows_per_second;
	s->train_loss = r->train_loss;
	s->validation_loss = r->validation_loss;
	END_WRITE(s);
}

void
pgdl_progress_end(void)
{
	ProgressSlot *s = my_slot();

	if (!s)
		return;
	BEGIN_WRITE(s);
	s->pid = 0;
	END_WRITE(s);
}

Datum
pgdl_training_progress(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	if (slots == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("pgdl.training_progress needs pgdl in shared_preload_libraries"),
				 errhint("Add pgdl to shared_preload_libraries and restart, or look for \"pgdl: training\" in pg_stat_activity.query.")));
	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; i < nslots; i++)
	{
		ProgressSlot copy;
		Datum		values[9];
		bool		nulls[9] = {0};

		for (int attempt = 0;; attempt++)
		{
			uint32		before = slots[i].changecount;

			pg_read_barrier();
			memcpy(&copy, &slots[i], sizeof(copy));
			pg_read_barrier();
			if (before == slots[i].changecount && (before & 1) == 0)
				break;
			if (attempt > 1000)
			{
				copy.pid = 0;
				break;
			}
			CHECK_FOR_INTERRUPTS();
		}
		if (copy.pid == 0)
			continue;
		copy.model[NAMEDATALEN - 1] = '\0';
		values[0] = Int32GetDatum(copy.pid);
		values[1] = CStringGetTextDatum(copy.model);
		nulls[2] = true;		/* the version is assigned when the training is saved */
		values[8] = TimestampTzGetDatum(copy.started_at);
		/* as pg_stat_activity: the numbers only for the trainer's roles */
		if (!has_privs_of_role(GetUserId(), copy.userid) &&
			!has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS))
		{
			for (int k = 3; k <= 7; k++)
				nulls[k] = true;
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			continue;
		}
		values[3] = Int32GetDatum(copy.epoch);
		values[4] = Int32GetDatum(copy.epochs);
		values[5] = Float8GetDatum(copy.rows_per_second);
		nulls[5] = isnan(copy.rows_per_second);
		values[6] = Float8GetDatum(copy.train_loss);
		nulls[6] = isnan(copy.train_loss);
		values[7] = Float8GetDatum(copy.validation_loss);
		nulls[7] = isnan(copy.validation_loss);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
