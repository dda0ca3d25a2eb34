/*-------------------------------------------------------------------------
 *
 * stream.c
 *	  The batch sources of the training loop: rows of a matrix in memory,
 *	  and rows streamed in blocks with a two-level shuffle.
 *
 * The training loop (train.c) asks a source for an epoch's rows, batch by
 * batch, and does not know where they come from.  The matrix source
 * shuffles its row indexes with the loop's generator each epoch, as the
 * loop always did, so training from memory is bit for bit what it was.
 *
 * The stream source is CorgiPile's shuffle (Xu, Li, Zhang et al., "In-
 * Database Machine Learning with CorgiPile: Stochastic Gradient Descent
 * without Full Data Shuffle", SIGMOD 2022): storage is cut into blocks of
 * consecutive rows; each epoch visits the blocks in a random order and
 * gathers as many as the buffer holds, then gives the buffer's rows in a
 * random order before gathering the next blocks.  A table stored in label
 * order then trains about as well as a shuffled one (a sequential read
 * gives batches of one label after another), with one random read per
 * block rather than per row, and memory bounded by the buffer whatever
 * the number of rows.  Both levels draw from the loop's seeded generator,
 * so a seed fixes the order of every epoch.
 *
 * src/core/nn/stream.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "nn_kernels.h"

/* ---- rows of a matrix in memory ---- */

static dl_status
memory_begin(void *self, dl_rng *rng)
{
	dl_memory_rows *m = self;

	m->pos = 0;
	if (rng)
	{
		/* shuffled in place from the previous epoch's order, as dl_train always did */
		if (m->order == NULL)
		{
			m->order = dl_alloc(sizeof(uint32_t) * (m->n ? m->n : 1));
			for (size_t i = 0; i < m->n; i++)
				m->order[i] = m->rows ? m->rows[i] : (uint32_t) i;
		}
		dl_rng_shuffle(rng, m->order, m->n);
	}
	return DL_OK;
}

static dl_status
memory_next(void *self, float *x, float *y, int max, int *got)
{
	dl_memory_rows *m = self;
	size_t		d = (size_t) m->data->n_features;
	int			b = m->n - m->pos < (size_t) max ? (int) (m->n - m->pos) : max;

	/* the sparse inputs are not copied: the batch names their rows */
	if (m->sparse)
	{
		m->src->batch.csr = m->sparse;
		m->src->batch.rows = m->order ? m->order + m->pos : m->rows ? m->rows + m->pos : NULL;
		m->src->batch.first = m->pos;
	}
	for (int i = 0; i < b; i++)
	{
		size_t		k = m->pos + i;
		size_t		r = m->order ? m->order[k] : m->rows ? m->rows[k] : k;

		if (d > 0)				/* a model of sparse inputs only has no dense rows */
			memcpy(x + i * d, m->data->x + r * d, sizeof(float) * d);
		y[i] = m->data->y[r];
	}
	m->pos += b;
	*got = b;
	return DL_OK;
}

dl_status
dl_memory_rows_init(dl_memory_rows *m, const dl_dataset *data, const uint32_t *rows, size_t n,
					dl_batch_source *src)
{
	memset(m, 0, sizeof(*m));
	m->data = data;
	m->rows = rows;
	/* rows NULL: the first n (a split without validation rows has none, not all) */
	m->n = n;
	m->src = src;
	memset(&src->batch, 0, sizeof(src->batch));
	src->n_rows = m->n;
	src->rows_checked = false;
	src->begin = memory_begin;
	src->next = memory_next;
	src->self = m;
	return DL_OK;
}

void
dl_memory_rows_free(dl_memory_rows *m)
{
	dl_free(m->order);
	m->order = NULL;
}

/* ---- rows streamed in blocks ---- */

static dl_status
stream_begin(void *self, dl_rng *rng)
{
	dl_stream  *s = self;

	s->rng = rng;
	if (rng)
		dl_rng_shuffle(rng, s->block_order, s->n_blocks);
	else
		for (size_t b = 0; b < s->n_blocks; b++)
			s->block_order[b] = (uint32_t) b;
	s->next_block = 0;
	s->in_buffer = s->buffer_pos = s->given = 0;
	return DL_OK;
}

/* the next blocks of the epoch's order into the buffer, their rows shuffled */
static dl_status
stream_fill(dl_stream *s)
{
	size_t		width = (size_t) s->n_features + 1;
	size_t		rows = 0;

	for (size_t k = 0; k < s->buffer_blocks && s->next_block < s->n_blocks; k++)
	{
		size_t		b = s->block_order[s->next_block++];
		size_t		first = b * s->block_rows;
		size_t		count = s->n_rows - first < s->block_rows ? s->n_rows - first : s->block_rows;
		dl_status	st;

		dl_check_interrupts();
		if ((st = s->read(s->arg, first, count, s->buffer + rows * width)) != DL_OK)
			return st;
		rows += count;
	}
	for (size_t i = 0; i < rows; i++)
		s->perm[i] = (uint32_t) i;
	if (s->rng)
		dl_rng_shuffle(s->rng, s->perm, rows);
	s->in_buffer = rows;
	s->buffer_pos = 0;
	return DL_OK;
}

static dl_status
stream_next(void *self, float *x, float *y, int max, int *got)
{
	dl_stream  *s = self;
	size_t		d = (size_t) s->n_features;
	int			b = 0;

	while (b < max && s->given < s->n_rows)
	{
		const float *row;

		if (s->buffer_pos == s->in_buffer)
		{
			dl_status	st = stream_fill(s);

			if (st != DL_OK)
				return st;
			if (s->in_buffer == 0)
				return dl_error(DL_EINTERNAL, "the stream ran out of rows after %zu of %zu",
								s->given, s->n_rows);
		}
		row = s->buffer + (size_t) s->perm[s->buffer_pos++] * (d + 1);
		memcpy(x + (size_t) b * d, row, sizeof(float) * d);
		y[b] = row[d];
		b++;
		s->given++;
	}
	*got = b;
	return DL_OK;
}

dl_status
dl_stream_init(dl_stream *s, size_t n_rows, int n_features, size_t block_rows,
			   size_t buffer_rows, dl_stream_read_fn read, void *arg, dl_batch_source *src)
{
	size_t		width = (size_t) n_features + 1;
	size_t		rows;

	memset(s, 0, sizeof(*s));
	if (n_features < 1 || block_rows < 1 || buffer_rows < block_rows)
		return dl_error(DL_EINVAL, "a stream needs at least one feature, blocks of at least one row and a buffer of at least one block (%zu rows per block, %zu in the buffer)",
						block_rows, buffer_rows);
	s->n_rows = n_rows;
	s->n_features = n_features;
	s->block_rows = block_rows;
	s->n_blocks = (n_rows + block_rows - 1) / block_rows;
	if (s->n_blocks > UINT32_MAX)
		return dl_error(DL_ELIMIT, "a stream holds at most %u blocks", UINT32_MAX);
	s->buffer_blocks = buffer_rows / block_rows;
	if (s->buffer_blocks > s->n_blocks)
		s->buffer_blocks = s->n_blocks ? s->n_blocks : 1;
	rows = s->buffer_blocks * block_rows;
	if (rows > UINT32_MAX || rows > SIZE_MAX / width / sizeof(float))
		return dl_error(DL_ELIMIT, "a shuffle buffer of %zu rows is too large", rows);
	s->read = read;
	s->arg = arg;
	s->block_order = dl_alloc(sizeof(uint32_t) * (s->n_blocks ? s->n_blocks : 1));
	for (size_t b = 0; b < s->n_blocks; b++)
		s->block_order[b] = (uint32_t) b;
	s->perm = dl_alloc(sizeof(uint32_t) * rows);
	s->buffer = dl_alloc(sizeof(float) * rows * width);
	src->n_rows = n_rows;
	src->rows_checked = false;
	memset(&src->batch, 0, sizeof(src->batch));
	src->begin = stream_begin;
	src->next = stream_next;
	src->self = s;
	return DL_OK;
}

void
dl_stream_free(dl_stream *s)
{
	dl_free(s->block_order);
	dl_free(s->perm);
	dl_free(s->buffer);
	s->block_order = s->perm = NULL;
	s->buffer = NULL;
}
