/*-------------------------------------------------------------------------
 *
 * budget.h
 *	  Memory budgets (budget.c): pgdl.max_training_memory charged where
 *	  memory is taken.
 *
 * src/pg/budget.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_PG_BUDGET_H
#define PGDL_PG_BUDGET_H

/*
 * A memory context whose total may not pass limit: the engine's allocations
 * in it (through the allocation hook) and the glue's large buffers
 * (pgdl_budget_alloc) are charged before they are made, 54000 past it.
 */
typedef struct PgdlBudget
{
	MemoryContext cxt;
	size_t		limit;
	const char *what;			/* "the training", for the message */
	const char *limit_name;		/* "pgdl.max_training_memory", for the message */
	struct PgdlBudget *outer;
	MemoryContextCallback callback;
	size_t		peak;			/* the most the context held with a charged request */
} PgdlBudget;

/* a budget (b->cxt a child of the current context), active until its context is deleted */
extern PgdlBudget *pgdl_budget_begin(const char *what, size_t limit, const char *limit_name);
extern void pgdl_budget_end(PgdlBudget *b);
/* 54000 unless size more bytes fit the active budget (when the current context is in it) */
extern void pgdl_budget_charge(size_t size);
/* MemoryContextAllocHuge / repalloc_huge, charged first when in the active budget */
extern void *pgdl_budget_alloc(MemoryContext cxt, size_t size);
extern void *pgdl_budget_realloc(void *ptr, size_t size);
/* whether pgdl_budget_realloc(ptr, size) would fit the active budget (no error) */
extern bool pgdl_budget_fits(void *ptr, size_t size);

#endif							/* PGDL_PG_BUDGET_H */
