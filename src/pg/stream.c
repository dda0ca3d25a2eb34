/*-------------------------------------------------------------------------
 *
 * stream.c
 *	  Training rows streamed from temporary files: the option "data" of
 *	  train_model (see the README).
 *
 * When the prepared training set does not fit the memory budget (or the
 * option asks for it), train_model holds no matrix: once the model's
 * imputer and scaler are fitted on the spooled rows (dataset.c), every row
 * goes through the preprocessing prediction uses (pgdl_prepare_inputs) and
 * is written as float32, with its target, to one of two temporary files:
 * the training rows and the validation rows.  Each epoch then reads the
 * training file in blocks, in a seeded random order, through a bounded
 * shuffle buffer (the engine's dl_stream: CorgiPile's two-level shuffle),
 * and measures the validation file block by block in order.  Later epochs
 * neither run the query again nor convert arrays again; the files are
 * BufFiles of the transaction, bounded by temp_file_limit and deleted at
 * its end.  Memory is the shuffle buffer and one block, charged to the
 * training's budget (budget.c) like every other allocation of the engine.
 *
 * The validation split cannot be a permutation of all rows here (that
 * would hold an index per row): each row validates when a seeded hash of
 * its number falls below validation_fraction, so a seed and the rows fix
 * the split, the split needs no memory, and each class keeps its share in
 * expectation.
 *
 * src/pg/stream.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/buffile.h"

#include "features.h"
#include "pgdl.h"
#include "stream.h"

/* below this many rows there is no validation split, as in memory (dl_split_rows) */
#define STREAM_SPLIT_MIN_ROWS 10

/*
 * A block of the files: at most this many bytes of rows, and at least a
 * BufFile buffer's worth (a smaller one would read the same 8 kB again),
 * so that the shuffle buffer holds many blocks: what mixes a table stored
 * in label order is drawing each buffer from blocks all over the file.
 */
#define STREAM_BLOCK_BYTES (64 * 1024)
#define STREAM_MIN_BLOCK_BYTES BLCKSZ
#define STREAM_BLOCKS_PER_BUFFER 64

/* splitmix64's finaliser: a well-mixed hash of a row's number and the seed */
static uint64
mix(uint64 z)
{
	z = (z ^ (z >> 30)) * UINT64CONST(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64CONST(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

bool
pgdl_stream_validates(const PgdlStreamSplit *sp, size_t i)
{
	uint64		h;

	if (!sp->active)
		return false;
	h = mix(sp->seed + UINT64CONST(0x9E3779B97F4A7C15) * ((uint64) i + 1));
	return (double) (h >> 11) * (1.0 / 9007199254740992.0) < sp->fraction;
}

void
pgdl_stream_split(PgdlStreamSplit *sp, size_t n, double fraction, uint64 seed)
{
	memset(sp, 0, sizeof(*sp));
	sp->seed = seed;
	sp->fraction = fraction;
	if (fraction == 0.0)
		sp->skipped_reason = "validation_fraction is 0";
	else if (n < STREAM_SPLIT_MIN_ROWS)
		sp->skipped_reason = "fewer than 10 rows: every row is used for training";
	else
	{
		sp->active = true;
		for (size_t i = 0; i < n; i++)
		{
			if ((i & 65535) == 0)
				CHECK_FOR_INTERRUPTS();
			sp->n_validation += pgdl_stream_validates(sp, i);
		}
		if (sp->n_validation == 0 || sp->n_validation == n)
		{
			sp->active = false;
			sp->skipped_reason = sp->n_validation == 0 ? "validation_fraction selects no row" :
				"validation_fraction leaves no row for training";
			sp->n_validation = 0;
		}
	}
	sp->n_train = n - sp->n_validation;
}

/* ---- writing the prepared rows -------------------------------------------- */

typedef struct StreamWriter
{
	PgdlStreamData *sd;
	const dl_model *m;
	const PgdlStreamSplit *sp;
	float	   *row;			/* d inputs, then the target */
	bool	   *nulls;
} StreamWriter;

static void
write_row(size_t i, int64 rowno, float y, double *x, void *arg)
{
	StreamWriter *w = arg;
	PgdlStreamData *sd = w->sd;
	bool		validates = pgdl_stream_validates(w->sp, i);

	pgdl_prepare_inputs(w->m, x, w->nulls, w->row, rowno);
	w->row[sd->d] = y;
	BufFileWrite(validates ? sd->validation_file : sd->train_file, w->row,
				 sizeof(float) * ((size_t) sd->d + 1));
}

void
pgdl_stream_write(PgdlStreamData *sd, const dl_model *m, PgdlRows *rows, const PgdlStreamSplit *sp)
{
	StreamWriter w;

	memset(sd, 0, sizeof(*sd));
	sd->d = m->n_inputs;
	sd->n_train = sp->n_train;
	sd->n_validation = sp->n_validation;
	sd->train_file = BufFileCreateTemp(false);
	if (sd->n_validation > 0)
		sd->validation_file = BufFileCreateTemp(false);
	w.sd = sd;
	w.m = m;
	w.sp = sp;
	w.row = palloc(sizeof(float) * ((size_t) sd->d + 1));
	w.nulls = palloc(sizeof(bool) * Max(rows->d, 1));
	pgdl_rows_foreach(rows, write_row, &w);
	pfree(w.row);
	pfree(w.nulls);
}

/* ---- reading blocks --------------------------------------------------------- */

typedef struct StreamFile
{
	BufFile    *file;
	size_t		row_bytes;
	const char *what;
} StreamFile;

static dl_status
read_rows(void *arg, size_t first, size_t count, float *dst)
{
	StreamFile *f = arg;
	size_t		bytes = count * f->row_bytes;

	CHECK_FOR_INTERRUPTS();
	if (BufFileSeek(f->file, 0, (off_t) (first * f->row_bytes), SEEK_SET) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not seek to row %zu in the temporary file of the %s rows: %m",
						first + 1, f->what)));
	if (BufFileRead(f->file, dst, bytes) != bytes)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not read rows %zu to %zu from the temporary file of the %s rows",
						first + 1, first + count, f->what)));
	return DL_OK;
}

size_t
pgdl_stream_default_buffer(int d, size_t limit)
{
	/* a quarter of the budget: the rest holds the network, its workspace and a block */
	return Max(limit / 4 / (sizeof(float) * ((size_t) d + 1)), 1);
}

void
pgdl_stream_open(PgdlStreamData *sd, size_t shuffle_rows)
{
	size_t		row_bytes = sizeof(float) * ((size_t) sd->d + 1);
	size_t		block_rows = Max(shuffle_rows / STREAM_BLOCKS_PER_BUFFER, STREAM_MIN_BLOCK_BYTES / row_bytes);
	StreamFile *train = palloc(sizeof(StreamFile));

	block_rows = Min(block_rows, STREAM_BLOCK_BYTES / row_bytes);
	/* the buffer holds at least one block: a small one asks for small blocks */
	block_rows = Max(Min(block_rows, Max(shuffle_rows, 1)), 1);
	sd->block_rows = block_rows;
	train->file = sd->train_file;
	train->row_bytes = row_bytes;
	train->what = "training";
	pgdl_check_status(dl_stream_init(&sd->train, sd->n_train, sd->d, block_rows,
									 Max(shuffle_rows, block_rows), read_rows, train,
									 &sd->train_src));
	if (sd->n_validation > 0)
	{
		StreamFile *val = palloc(sizeof(StreamFile));

		val->file = sd->validation_file;
		val->row_bytes = row_bytes;
		val->what = "validation";
		/* read in order, one block at a time */
		pgdl_check_status(dl_stream_init(&sd->validation, sd->n_validation, sd->d, block_rows,
										 block_rows, read_rows, val, &sd->validation_src));
	}
}

void
pgdl_stream_close(PgdlStreamData *sd)
{
	dl_stream_free(&sd->train);
	dl_stream_free(&sd->validation);
	if (sd->train_file)
		BufFileClose(sd->train_file);
	if (sd->validation_file)
		BufFileClose(sd->validation_file);
	sd->train_file = sd->validation_file = NULL;
}
