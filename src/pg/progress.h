/*-------------------------------------------------------------------------
 *
 * progress.h
 *	  Training progress in shared memory (progress.c).
 *
 * src/pg/progress.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_PG_PROGRESS_H
#define PGDL_PG_PROGRESS_H

#include "dl_nn.h"

extern void pgdl_progress_init(void);	/* _PG_init */
extern void pgdl_progress_start(const char *model, int epochs);
extern void pgdl_progress_update(const char *model, const dl_epoch_report *r);
extern void pgdl_progress_end(void);

#endif							/* PGDL_PG_PROGRESS_H */
