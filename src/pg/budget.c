/*-------------------------------------------------------------------------
 *
 * budget.c
 *	  Memory budgets: a memory context whose total may not pass a limit,
 *	  charged where memory is taken.
 *
 * Work bounded by pgdl.max_training_memory (a training, feature scores,
 * k-means, PCA) allocates in the context of a budget.  Every allocation the
 * engine makes goes through its allocation hook, which asks
 * pgdl_budget_charge first; the glue's own large buffers are allocated with
 * pgdl_budget_alloc / pgdl_budget_realloc.  The charge is what the context
 * tree holds already (MemoryContextMemAllocated, as pgvector measures its
 * HNSW build against maintenance_work_mem) plus the request, so a buffer
 * that grows counts old and new while both exist; past the limit the
 * request fails with 54000 before anything is allocated, naming the limit
 * and what was asked for.  Checking where memory is taken, not in size
 * formulas written beside each buffer, leaves nothing unchecked; a few
 * pre-flight estimates remain where they give a better message before work
 * starts (the network's size, a batch's workspace).
 *
 * src/pg/budget.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "budget.h"

/* the innermost active budget; cleared when its context goes (also on error) */
static PgdlBudget *active;

static void
budget_gone(void *arg)
{
	PgdlBudget *b = arg;

	if (active == b)
		active = b->outer;
}

PgdlBudget *
pgdl_budget_begin(const char *what, size_t limit, const char *limit_name)
{
	/*
	 * Blocks of at most 64 kB: what the context holds is then what was asked
	 * for plus little (the default sizes grow blocks to 8 MB, most of it
	 * unused, and the charge would count it)
	 */
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "pgdl budget",
											  ALLOCSET_DEFAULT_MINSIZE, ALLOCSET_DEFAULT_INITSIZE,
											  64 * 1024);

	/*
	 * The budget lives in its own context: an error unwinds the caller's
	 * stack before the transaction's abort deletes the context, and the
	 * reset callback still finds the budget there.
	 */
	PgdlBudget *b = MemoryContextAllocZero(cxt, sizeof(PgdlBudget));

	b->cxt = cxt;
	b->what = what;
	b->limit = limit;
	b->limit_name = limit_name;
	b->outer = active;
	b->callback.func = budget_gone;
	b->callback.arg = b;
	MemoryContextRegisterResetCallback(cxt, &b->callback);
	active = b;
	return b;
}

void
pgdl_budget_end(PgdlBudget *b)
{
	/* the reset callback makes the outer budget active again */
	MemoryContextDelete(b->cxt);
}

/* whether cxt is the budget's context or one below it */
static bool
within(MemoryContext cxt, MemoryContext top)
{
	for (; cxt != NULL; cxt = cxt->parent)
		if (cxt == top)
			return true;
	return false;
}

static void
check(PgdlBudget *b, size_t size)
{
	Size		held = MemoryContextMemAllocated(b->cxt, true);

	if (size > b->limit || held > b->limit - size)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s needs more memory than %s (%zu kB): %zu kB held, %zu kB more asked for",
						b->what, b->limit_name, b->limit / 1024, held / 1024, (size + 1023) / 1024),
				 errhint("Use fewer rows (e.g. a query with TABLESAMPLE or LIMIT), fewer features or a smaller network, or raise pgdl.max_training_memory (superuser).")));
	b->peak = Max(b->peak, held + size);
}

/* the active budget's check, for an allocation of size bytes in cxt */
static void
charge_in(MemoryContext cxt, size_t size)
{
	if (active && within(cxt, active->cxt))
		check(active, size);
}

bool
pgdl_budget_fits(void *ptr, size_t size)
{
	MemoryContext cxt = GetMemoryChunkContext(ptr);
	Size		held;

	if (!active || !within(cxt, active->cxt))
		return true;
	held = MemoryContextMemAllocated(active->cxt, true);
	return size <= active->limit && held <= active->limit - size;
}

void
pgdl_budget_charge(size_t size)
{
	charge_in(CurrentMemoryContext, size);
}

void *
pgdl_budget_alloc(MemoryContext cxt, size_t size)
{
	charge_in(cxt, size);
	return MemoryContextAllocHuge(cxt, size);
}

void *
pgdl_budget_realloc(void *ptr, size_t size)
{
	charge_in(GetMemoryChunkContext(ptr), size);
	return repalloc_huge(ptr, size);
}
