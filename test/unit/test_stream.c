/*-------------------------------------------------------------------------
 *
 * test_stream.c
 *	  Unit tests of the training loop's batch sources (src/core/nn/stream.c):
 *	  the stream's block order and buffer shuffle, and training through a
 *	  stream.
 *
 * test/unit/test_stream.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "nn_test_util.h"

/* "storage": n rows of d features then the target; feature 0 is the row's number */
typedef struct Store
{
	float	   *rows;
	int			d;
	size_t		n;
	size_t		reads;
	size_t		block_rows;
	int			misaligned;		/* reads not at a block's start or not whole */
} Store;

static dl_status
store_read(void *arg, size_t first, size_t count, float *dst)
{
	Store	   *s = arg;

	s->reads++;
	if (first % s->block_rows != 0 || (count != s->block_rows && first + count != s->n))
		s->misaligned++;
	memcpy(dst, s->rows + first * (s->d + 1), sizeof(float) * count * (s->d + 1));
	return DL_OK;
}

/* n rows; the target is the row's number / (n / classes): a table stored in label order */
static void
store_make(Store *s, size_t n, int d, int classes, size_t block_rows)
{
	memset(s, 0, sizeof(*s));
	s->n = n;
	s->d = d;
	s->block_rows = block_rows;
	s->rows = calloc(n * (d + 1), sizeof(float));
	for (size_t i = 0; i < n; i++)
	{
		s->rows[i * (d + 1)] = (float) i;
		s->rows[i * (d + 1) + d] = (float) (i / ((n + classes - 1) / classes));
	}
}

/* one epoch of src: every row's number in the order given, in batches of batch */
static int
epoch_rows(dl_batch_source *src, dl_rng *rng, int d, int batch, uint32_t *order)
{
	float	   *x = malloc(sizeof(float) * batch * d);
	float	   *y = malloc(sizeof(float) * batch);
	size_t		k = 0;
	int			got;

	CHECK(src->begin(src->self, rng) == DL_OK);
	do
	{
		CHECK(src->next(src->self, x, y, batch, &got) == DL_OK);
		for (int i = 0; i < got; i++)
			order[k++] = (uint32_t) x[i * d];
	} while (got > 0);
	free(x);
	free(y);
	return (int) k;
}

static void
test_every_row_once(void)
{
	Store		st;
	dl_stream	s;
	dl_batch_source src;
	dl_rng		rng;
	size_t		n = 1003;		/* the last block is short */
	uint32_t   *a = malloc(sizeof(uint32_t) * n);
	uint32_t   *b = malloc(sizeof(uint32_t) * n);
	char	   *seen = malloc(n);
	int			moved = 0;

	th_begin("stream: each epoch gives every row once, reading whole blocks once each");
	store_make(&st, n, 3, 10, 10);
	CHECK(dl_stream_init(&s, n, 3, 10, 95, store_read, &st, &src) == DL_OK);
	CHECK(s.buffer_blocks == 9);
	dl_rng_seed(&rng, 7);
	for (int e = 0; e < 3; e++)
	{
		st.reads = 0;
		CHECK(epoch_rows(&src, &rng, 3, 64, e == 0 ? a : b) == (int) n);
		memset(seen, 0, n);
		for (size_t i = 0; i < n; i++)
		{
			uint32_t	r = (e == 0 ? a : b)[i];

			CHECK(r < n && !seen[r]);
			if (r < n)
				seen[r] = 1;
		}
		CHECK(st.reads == 101);
	}
	CHECK(st.misaligned == 0);
	for (size_t i = 0; i < n; i++)
		moved += a[i] != b[i];
	CHECK(moved > (int) n / 2);		/* epochs differ */

	/* in order without a generator (validation) */
	CHECK(epoch_rows(&src, NULL, 3, 64, a) == (int) n);
	for (size_t i = 0; i < n; i++)
		CHECK(a[i] == i);
	dl_stream_free(&s);
	free(st.rows);
	free(a);
	free(b);
	free(seen);
	th_end();
}

static void
test_same_seed_same_order(void)
{
	Store		st;
	dl_stream	s;
	dl_batch_source src;
	dl_rng		r1,
				r2;
	size_t		n = 500;
	uint32_t   *a = malloc(sizeof(uint32_t) * n);
	uint32_t   *b = malloc(sizeof(uint32_t) * n);

	th_begin("stream: the same seed gives the same order, epoch after epoch");
	store_make(&st, n, 2, 5, 7);
	CHECK(dl_stream_init(&s, n, 2, 7, 40, store_read, &st, &src) == DL_OK);
	dl_rng_seed(&r1, 99);
	epoch_rows(&src, &r1, 2, 16, a);
	epoch_rows(&src, &r1, 2, 16, a);
	dl_stream_free(&s);
	CHECK(dl_stream_init(&s, n, 2, 7, 40, store_read, &st, &src) == DL_OK);
	dl_rng_seed(&r2, 99);
	epoch_rows(&src, &r2, 2, 16, b);
	epoch_rows(&src, &r2, 2, 16, b);
	CHECK(memcmp(a, b, sizeof(uint32_t) * n) == 0);
	dl_stream_free(&s);
	free(st.rows);
	free(a);
	free(b);
	th_end();
}

/* the mean number of distinct labels in a batch of rows stored in label order */
static double
labels_per_batch(size_t block_rows, size_t buffer_rows)
{
	Store		st;
	dl_stream	s;
	dl_batch_source src;
	dl_rng		rng;
	size_t		n = 10000;
	int			batch = 64;
	float		x[64],
				y[64];
	int			got;
	double		total = 0;
	int			batches = 0;

	store_make(&st, n, 1, 10, block_rows);
	CHECK(dl_stream_init(&s, n, 1, block_rows, buffer_rows, store_read, &st, &src) == DL_OK);
	dl_rng_seed(&rng, 1);
	CHECK(src.begin(src.self, &rng) == DL_OK);
	for (;;)
	{
		int			seen[10] = {0};
		int			distinct = 0;

		CHECK(src.next(src.self, x, y, batch, &got) == DL_OK);
		if (got < batch)
			break;
		for (int i = 0; i < got; i++)
			if (!seen[(int) y[i]]++)
				distinct++;
		total += distinct;
		batches++;
	}
	dl_stream_free(&s);
	free(st.rows);
	return total / batches;
}

static void
test_label_order_mixed(void)
{
	double		sequential,
				corgipile;

	th_begin("stream: batches of a table stored in label order mix the labels (two-level shuffle)");
	/* one block of the whole buffer: what a sequential read gives */
	sequential = labels_per_batch(1000, 1000);
	/* blocks of 50 rows, 20 of them in the buffer */
	corgipile = labels_per_batch(50, 1000);
	CHECK(sequential < 1.2);
	CHECK(corgipile > 6.0);
	th_end();
}

static void
test_bad_streams(void)
{
	Store		st;
	dl_stream	s;
	dl_batch_source src;

	th_begin("stream: a buffer smaller than a block, or no feature, is DL_EINVAL");
	store_make(&st, 10, 1, 2, 4);
	th_clear_error();
	CHECK(dl_stream_init(&s, 10, 1, 4, 3, store_read, &st, &src) == DL_EINVAL);
	CHECK(dl_stream_init(&s, 10, 0, 4, 8, store_read, &st, &src) == DL_EINVAL);
	CHECK(dl_stream_init(&s, 10, 1, 0, 8, store_read, &st, &src) == DL_EINVAL);
	th_clear_error();
	free(st.rows);
	th_end();
}

/*
 * A classifier trained through a stream of a table stored in label order
 * learns as one trained from memory does: the two-level shuffle gives it
 * mixed batches.
 */
static void
test_train_through_stream(void)
{
	size_t		n = 2000;
	int			d = 2;
	Store		st;
	dl_stream	s;
	dl_batch_source src;
	dl_dataset	data;
	dl_split	split;
	float	   *x = malloc(sizeof(float) * n * d);
	float	   *y = malloc(sizeof(float) * n);
	uint64_t	g = 5;
	double		acc_mem,
				acc_stream,
				loss;

	th_begin("stream: training through a stream of label-ordered rows matches training from memory");
	/* two Gaussian blobs, stored class 0 first, then class 1 */
	memset(&st, 0, sizeof(st));
	st.n = n;
	st.d = d;
	st.block_rows = 25;
	st.rows = malloc(sizeof(float) * n * (d + 1));
	for (size_t i = 0; i < n; i++)
	{
		int			c = i >= n / 2;

		for (int j = 0; j < d; j++)
			x[i * d + j] = st.rows[i * (d + 1) + j] = (float) (th_rand_normal(&g) + (c ? 1.5 : -1.5));
		y[i] = st.rows[i * (d + 1) + d] = (float) c;
	}
	data.x = x;
	data.y = y;
	data.n = n;
	data.n_features = d;
	data.n_classes = 2;
	for (int mode = 0; mode < 2; mode++)
	{
		dl_network net;
		dl_layer_spec spec[2];
		dl_shape	in = {1, {2}};
		dl_train_options o;
		dl_train_result res;

		dl_layer_spec_defaults(&spec[0], DL_LAYER_DENSE);
		spec[0].dense.units = 8;
		spec[0].dense.activation = DL_ACT_RELU;
		spec[0].dense.activation_given = true;
		dl_layer_spec_defaults(&spec[1], DL_LAYER_DENSE);
		spec[1].dense.units = 1;
		spec[1].dense.activation = DL_ACT_SIGMOID;
		spec[1].dense.activation_given = true;
		CHECK(dl_network_init(&net, spec, 2, &in) == DL_OK);
		dl_network_init_params(&net, 3);
		dl_train_options_defaults(&o);
		o.loss = DL_LOSS_BCE;
		o.epochs = 3;
		o.batch_size = 32;
		o.learning_rate = 0.01f;
		o.seed = 11;
		if (mode == 0)
		{
			CHECK(dl_split_rows(&data, 0.0, 1, false, &split) == DL_OK);
			CHECK(dl_train(&net, &o, &data, &split, NULL, NULL, &res) == DL_OK);
			dl_split_free(&split);
		}
		else
		{
			CHECK(dl_stream_init(&s, n, d, 25, 400, store_read, &st, &src) == DL_OK);
			CHECK(dl_train_source(&net, &o, d, 2, &src, NULL, NULL, NULL, &res) == DL_OK);
			dl_stream_free(&s);
		}
		CHECK(dl_evaluate_loss(&net, &o, &data, NULL, n, &loss, mode == 0 ? &acc_mem : &acc_stream) == DL_OK);
		dl_network_free(&net);
	}
	CHECK(acc_mem > 0.95);
	CHECK(acc_stream > 0.95);
	CHECK_NEAR(acc_stream, acc_mem, 0.02);
	free(st.rows);
	free(x);
	free(y);
	th_end();
}

void
suite_stream(void)
{
	test_every_row_once();
	test_same_seed_same_order();
	test_label_order_mixed();
	test_bad_streams();
	test_train_through_stream();
}
