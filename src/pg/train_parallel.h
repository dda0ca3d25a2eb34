/*-------------------------------------------------------------------------
 *
 * train_parallel.h
 *	  Data-parallel training (train_parallel.c): what train.c calls when the
 *	  option "parallel_workers" is above 0.
 *
 * src/pg/train_parallel.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_TRAIN_PARALLEL_H
#define PGDL_TRAIN_PARALLEL_H

#include "dataset.h"
#include "dl_nn.h"

/* where the rounds read the rows, and who hears of each epoch */
typedef struct PgdlParallelRun
{
	const char *src;			/* the source's SQL */
	const PgdlFeatureSet *fs;
	const PgdlTarget *tg;
	double		validation_fraction;	/* as pgdl_parallel_split chose it */
	dl_epoch_callback on_epoch;
	void	   *on_epoch_arg;
	char	   *data;			/* set by pgdl_train_parallel: "parallel n", or
								 * "distributed" on Citus workers */
} PgdlParallelRun;

/* 22023 when "parallel_workers" is given to a function that cannot use it */
extern void pgdl_parallel_refuse(const dl_options *opts, const char *function);

/*
 * The split of parallel training: a row validates when a seeded hash of
 * its values says so (each process can tell on its own, in any order);
 * the spooled rows are split that way so the preprocessing is fitted on
 * the training rows only.  Sets run->validation_fraction (0 when skipped).
 */
extern void pgdl_parallel_split(const dl_options *opts, PgdlRows *rows, dl_split *split,
								PgdlParallelRun *run);

/*
 * Trains model (network initialised, preprocessing fitted) by rounds of
 * one aggregate query each, on up to opts->parallel_workers parallel
 * workers: one round per epoch, partial models averaged by rows.
 */
extern void pgdl_train_parallel(dl_model *model, const dl_options *opts, PgdlParallelRun *run,
								dl_train_result *result);

#endif							/* PGDL_TRAIN_PARALLEL_H */
