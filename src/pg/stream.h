/*-------------------------------------------------------------------------
 *
 * stream.h
 *	  Streamed training rows (stream.c): the prepared float32 rows of a
 *	  training in temporary files, read back in blocks through the engine's
 *	  batch sources.
 *
 * src/pg/stream.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_PG_STREAM_H
#define PGDL_PG_STREAM_H

#include "storage/buffile.h"

#include "dataset.h"
#include "dl_nn.h"

/* the validation split of a streamed training: a seeded hash of each row's number */
typedef struct PgdlStreamSplit
{
	uint64		seed;
	double		fraction;
	bool		active;			/* false: every row trains */
	size_t		n_train;
	size_t		n_validation;
	const char *skipped_reason; /* static text when validation is skipped */
} PgdlStreamSplit;

extern void pgdl_stream_split(PgdlStreamSplit *sp, size_t n, double fraction, uint64 seed);
extern bool pgdl_stream_validates(const PgdlStreamSplit *sp, size_t i);

typedef struct PgdlStreamData
{
	int			d;
	size_t		n_train;
	size_t		n_validation;
	size_t		block_rows;
	BufFile    *train_file;		/* rows of d float32 inputs, then the target */
	BufFile    *validation_file;	/* NULL without validation */
	dl_stream	train;
	dl_stream	validation;
	dl_batch_source train_src;
	dl_batch_source validation_src; /* n_rows 0 without validation */
} PgdlStreamData;

/* every row of rows through m's preprocessing (m's network built) into sd's two files */
extern void pgdl_stream_write(PgdlStreamData *sd, const dl_model *m, PgdlRows *rows,
							  const PgdlStreamSplit *sp);
/* the rows a shuffle buffer holds by default: a quarter of limit bytes */
extern size_t pgdl_stream_default_buffer(int d, size_t limit);
/* the batch sources over the files, shuffling shuffle_rows rows at a time */
extern void pgdl_stream_open(PgdlStreamData *sd, size_t shuffle_rows);
extern void pgdl_stream_close(PgdlStreamData *sd);

#endif							/* PGDL_PG_STREAM_H */
