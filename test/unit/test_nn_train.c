/*-------------------------------------------------------------------------
 *
 * test_nn_train.c
 *	  Training and prediction: small problems a network must learn,
 *	  early stopping, determinism, divergence, clipping, the split of rows
 *	  into training and validation, workspaces and the preprocessing fits.
 *
 * test/unit/test_nn_train.c
 *
 *-------------------------------------------------------------------------
 */
#include <cblas.h>

#include "nn_test_util.h"
#include "../fuzz/layer_models.h"

/* classification accuracy of net on data (argmax, or probability > 0.5) */
static double
accuracy(const dl_network *net, const dl_dataset *data)
{
	dl_workspace *ws;
	size_t		k = dl_shape_size(&net->output_shape);
	float	   *out = malloc(sizeof(float) * k * data->n);
	size_t		correct = 0;

	if (dl_workspace_create(net, (int) data->n, false, &ws) != DL_OK)
		return -1;
	dl_network_predict(net, ws, data->x, (int) data->n, out);
	for (size_t r = 0; r < data->n; r++)
	{
		int			best = 0;

		if (k == 1)
			best = out[r] > 0.5f;
		else
			for (size_t j = 1; j < k; j++)
				if (out[r * k + j] > out[r * k + best])
					best = (int) j;
		correct += best == (int) data->y[r];
	}
	dl_workspace_free(ws);
	free(out);
	return (double) correct / data->n;
}

static dl_split
all_rows(size_t n)
{
	dl_split	s;

	memset(&s, 0, sizeof(s));
	s.train = malloc(sizeof(uint32_t) * n);
	s.n_train = n;
	for (size_t i = 0; i < n; i++)
		s.train[i] = (uint32_t) i;
	return s;
}

static void
test_xor(void)
{
	static const float x[8] = {0, 0, 0, 1, 1, 0, 1, 1};
	static const float y[4] = {0, 1, 1, 0};
	dl_dataset	data = {x, y, 4, 2, 2};
	dl_split	split = all_rows(4);
	static const dl_activation hidden[2] = {DL_ACT_TANH, DL_ACT_RELU};

	th_begin("train: XOR (2-8-1, tanh and relu, bce) reaches 100% accuracy");
	for (int h = 0; h < 2; h++)
	{
		dl_layer_spec s[2] = {spec_dense(8, hidden[h]), spec_dense(1, DL_ACT_SIGMOID)};
		dl_network	net;
		dl_train_options o;
		dl_train_result res;

		if (!build_net(&net, s, 2, shape1(2), 7))
			break;
		dl_train_options_defaults(&o);
		o.loss = DL_LOSS_BCE;
		o.learning_rate = 0.05f;
		o.batch_size = 4;
		o.epochs = 500;
		o.seed = 3;
		CHECK_STATUS(dl_train(&net, &o, &data, &split, NULL, NULL, &res), DL_OK);
		CHECK(res.epochs_run == 500 && res.best_epoch == 500);
		CHECK(strcmp(res.metric, "accuracy") == 0);
		CHECK(res.train_loss < 0.1);
		CHECK(accuracy(&net, &data) == 1.0);
		dl_network_free(&net);
	}
	free(split.train);
	th_end();
}

/* three Gaussian blobs, far apart, in 2-D */
static void
make_blobs(float *x, float *y, size_t n, uint64_t seed)
{
	static const float cx[3] = {-3, 3, 0},
				cy[3] = {0, 0, 4};

	for (size_t i = 0; i < n; i++)
	{
		int			c = (int) (i % 3);

		x[2 * i] = cx[c] + (float) (0.5 * th_rand_normal(&seed));
		x[2 * i + 1] = cy[c] + (float) (0.5 * th_rand_normal(&seed));
		y[i] = (float) c;
	}
}

typedef struct epoch_log
{
	int			calls;
	double		last_validation_loss;
	double		last_metric;
	dl_network *net;
	float	   *snapshot;		/* parameters after each improving epoch */
} epoch_log;

static void
on_epoch(const dl_epoch_report *r, void *arg)
{
	epoch_log  *log = arg;

	log->calls++;
	log->last_validation_loss = r->validation_loss;
	log->last_metric = r->validation_metric;
	if (log->net && r->improved)
		memcpy(log->snapshot, log->net->params, sizeof(float) * log->net->n_params);
}

static void
test_three_classes(void)
{
	size_t		n = 300;
	float	   *x = malloc(sizeof(float) * 2 * n);
	float	   *y = malloc(sizeof(float) * n);
	dl_dataset	data;
	dl_split	split;
	dl_layer_spec s[2] = {spec_dense(16, DL_ACT_RELU), spec_dense(3, DL_ACT_SOFTMAX)};
	dl_network	net;
	dl_train_options o;
	dl_train_result res;
	epoch_log	log = {0};
	double		loss,
				metric;

	th_begin("train: three separable classes with softmax + cross-entropy, stratified validation");
	make_blobs(x, y, n, 5);
	data = (dl_dataset) {x, y, n, 2, 3};
	CHECK_STATUS(dl_split_rows(&data, 0.2, 9, true, &split), DL_OK);
	CHECK(split.n_validation == 60 && split.n_train == 240);
	if (build_net(&net, s, 2, shape1(2), 11))
	{
		dl_train_options_defaults(&o);
		o.loss = DL_LOSS_CE;
		o.learning_rate = 0.01f;
		o.batch_size = 32;
		o.epochs = 30;
		o.seed = 1;
		CHECK_STATUS(dl_train(&net, &o, &data, &split, on_epoch, &log, &res), DL_OK);
		CHECK(log.calls == 30);
		CHECK(res.validation_metric >= 0.98);
		CHECK(accuracy(&net, &data) >= 0.98);
		/* dl_evaluate_loss measures what the last epoch reported */
		CHECK_STATUS(dl_evaluate_loss(&net, &o, &data, split.validation, split.n_validation,
									  &loss, &metric), DL_OK);
		CHECK_NEAR(loss, log.last_validation_loss, 1e-6);
		CHECK_NEAR(metric, log.last_metric, 1e-12);
		CHECK_NEAR(loss, res.validation_loss, 1e-6);
		/* probabilities from predict sum to 1 */
		{
			dl_workspace *ws;
			float		out[3];

			CHECK_STATUS(dl_workspace_create(&net, 1, false, &ws), DL_OK);
			dl_network_predict(&net, ws, x, 1, out);
			CHECK_NEAR(out[0] + out[1] + out[2], 1.0, 1e-6);
			CHECK(out[0] > 0.9);
			dl_workspace_free(ws);
		}
		dl_network_free(&net);
	}
	dl_split_free(&split);
	free(x);
	free(y);
	th_end();
}

static void
test_regression(void)
{
	size_t		n = 200;
	float	   *x = malloc(sizeof(float) * 2 * n);
	float	   *y = malloc(sizeof(float) * n);
	uint64_t	st = 17;
	dl_dataset	data;
	dl_split	split;
	dl_layer_spec s[1] = {spec_dense(1, DL_ACT_LINEAR)};
	dl_network	net;
	dl_train_options o;
	dl_train_result res;

	th_begin("train: regression y = 2 x1 - 3 x2 + 1 reaches a low mse, rmse metric");
	for (size_t i = 0; i < n; i++)
	{
		x[2 * i] = (float) th_rand_normal(&st);
		x[2 * i + 1] = (float) th_rand_normal(&st);
		y[i] = 2 * x[2 * i] - 3 * x[2 * i + 1] + 1;
	}
	data = (dl_dataset) {x, y, n, 2, 0};
	CHECK_STATUS(dl_split_rows(&data, 0.1, 2, true, &split), DL_OK);
	CHECK(split.n_validation == 20);
	if (build_net(&net, s, 1, shape1(2), 3))
	{
		dl_train_options_defaults(&o);
		o.learning_rate = 0.05f;
		o.batch_size = 16;
		o.epochs = 100;
		CHECK_STATUS(dl_train(&net, &o, &data, &split, NULL, NULL, &res), DL_OK);
		CHECK(res.validation_loss < 1e-4);
		CHECK(strcmp(res.metric, "rmse") == 0);
		CHECK_NEAR(res.validation_metric, sqrt(res.validation_loss), 1e-6);
		CHECK_NEAR(net.params[0], 2.0, 1e-2);
		CHECK_NEAR(net.params[1], -3.0, 1e-2);
		CHECK_NEAR(net.params[2], 1.0, 1e-2);
		dl_network_free(&net);
	}
	dl_split_free(&split);
	free(x);
	free(y);
	th_end();
}

/*
 * Validation rows whose target is the opposite of the training rows':
 * learning makes validation worse from the first epoch on, so the first
 * epoch is the best and early stopping must restore it.
 */
static void
test_early_stopping(void)
{
	size_t		n = 40;
	float	   *x = malloc(sizeof(float) * n);
	float	   *y = malloc(sizeof(float) * n);
	dl_dataset	data;
	dl_split	split;
	dl_layer_spec s[1] = {spec_dense(1, DL_ACT_LINEAR)};
	dl_network	net;
	dl_train_options o;
	dl_train_result res;
	epoch_log	log = {0};
	double		loss,
				metric;

	th_begin("train: early stopping keeps the best epoch's weights and stops after patience");
	memset(&split, 0, sizeof(split));
	split.train = malloc(sizeof(uint32_t) * n / 2);
	split.validation = malloc(sizeof(uint32_t) * n / 2);
	for (size_t i = 0; i < n; i++)
	{
		x[i] = (float) i / n - 0.5f;
		if (i % 2 == 0)
		{
			y[i] = x[i];
			split.train[split.n_train++] = (uint32_t) i;
		}
		else
		{
			y[i] = -x[i];
			split.validation[split.n_validation++] = (uint32_t) i;
		}
	}
	data = (dl_dataset) {x, y, n, 1, 0};
	if (build_net(&net, s, 1, shape1(1), 1))
	{
		net.params[0] = net.params[1] = 0.0f;
		log.net = &net;
		log.snapshot = malloc(sizeof(float) * net.n_params);
		dl_train_options_defaults(&o);
		o.optimizer = DL_OPT_SGD;
		o.learning_rate = 0.1f;
		o.batch_size = 4;
		o.epochs = 50;
		o.patience = 3;
		CHECK_STATUS(dl_train(&net, &o, &data, &split, on_epoch, &log, &res), DL_OK);
		CHECK(res.best_epoch == 1);
		CHECK(res.epochs_run == 4);
		CHECK(log.calls == 4);
		CHECK(memcmp(net.params, log.snapshot, sizeof(float) * net.n_params) == 0);
		CHECK_STATUS(dl_evaluate_loss(&net, &o, &data, split.validation, split.n_validation,
									  &loss, &metric), DL_OK);
		CHECK_NEAR(loss, res.validation_loss, 1e-9);
		CHECK(loss < log.last_validation_loss);
		free(log.snapshot);
		dl_network_free(&net);
	}
	dl_split_free(&split);
	free(x);
	free(y);
	th_end();
}

/*
 * The networks of the determinism test, each with data it can learn from:
 * an MLP with batchnorm and dropout; conv1d + LSTM on sequences of two
 * steps; a CNN with both conv2d paths (the first layer, one channel, runs
 * the direct convolution, the second im2col and sgemm), max and average
 * pooling and batchnorm over channels; an embedding of token ids; a
 * transformer with dropout everywhere (the attention weights, both
 * residuals, the feed-forward), learned positions, a post-norm and a
 * norm_first encoder.
 */
typedef enum det_net
{
	DET_MLP,
	DET_CONV1D_LSTM,
	DET_CNN,
	DET_EMBEDDING,
	DET_TRANSFORMER,
	DET_MASKED_RNN,
	DET_NETS
} det_net;

static const char *const det_net_names[DET_NETS] = {"MLP", "conv1d + LSTM",
"conv2d + pools + batchnorm", "embedding", "transformer",
"embedding (mask_zero) + bidirectional lstm + gru, padding skipped"};

/* n rows of kind's data: features per row in *f, classes 3 */
static float *
det_data(det_net kind, size_t n, int *f, float *y)
{
	uint64_t	st = 21;
	float	   *x;

	*f = kind == DET_CNN ? 81 : kind == DET_EMBEDDING ? 5 : kind == DET_TRANSFORMER ? 24 :
		kind == DET_MASKED_RNN ? 8 : 2;
	x = malloc(sizeof(float) * *f * n);
	if (kind == DET_MLP || kind == DET_CONV1D_LSTM)
		make_blobs(x, y, n, 21);
	else
		for (size_t i = 0; i < n; i++)
		{
			int			c = (int) (i % 3);
			float	   *row = x + i * *f;

			y[i] = (float) c;
			if (kind == DET_CNN)
			{
				/* 9x9 noise with a bright 3x3 square in a corner that names the class */
				for (int j = 0; j < 81; j++)
					row[j] = (float) (0.3 * th_rand_normal(&st));
				for (int dy = 0; dy < 3; dy++)
					for (int dx = 0; dx < 3; dx++)
						row[(c == 2 ? 6 : 1) * 9 + (c == 1 ? 5 : 1) + dy * 9 + dx] += 1.0f;
			}
			else if (kind == DET_MASKED_RNN)
			{
				/* 1 to 8 ids from 1 to 9, padded at the end; the first names the class */
				int			len = 1 + (int) (th_rand_u64(&st) % 8);

				for (int t = 0; t < 8; t++)
					row[t] = t < len ? (float) (1 + th_rand_u64(&st) % 9) : 0.0f;
				row[0] = (float) (1 + 3 * (th_rand_u64(&st) % 3) + c);
			}
			else if (kind == DET_TRANSFORMER)
			{
				/* 6 steps x 4 features of noise; the first step's first feature names the class */
				for (int j = 0; j < 24; j++)
					row[j] = (float) (2.0 * th_rand_uniform(&st) - 1.0);
				row[0] += (float) c;
			}
			else
			{
				/* 5 ids below 10; the first names the class */
				for (int t = 0; t < 5; t++)
					row[t] = (float) (th_rand_u64(&st) % 10);
				row[0] = (float) (3 * (th_rand_u64(&st) % 3) + c);
			}
		}
	return x;
}

/*
 * Trains network kind on its data with seed (the split, the initial
 * weights, the shuffling and the dropout masks all follow it), its dropout
 * rates set to 0 unless dropout, and returns a copy of the weights.
 */
static float *
train_once(uint64_t seed, size_t *n_params, det_net kind, bool dropout)
{
	float		rate = dropout ? 0.25f : 0.0f;
	size_t		n = 150;
	float	   *y = malloc(sizeof(float) * n);
	int			f;
	float	   *x = det_data(kind, n, &f, y);
	dl_dataset	data;
	dl_split	split;
	dl_layer_spec mlp[4] = {spec_dense(12, DL_ACT_RELU), spec_of(DL_LAYER_BATCHNORM),
	spec_dropout(rate), spec_dense(3, DL_ACT_SOFTMAX)};
	dl_layer_spec seq[4] = {spec_conv1d(4, 1, 1, DL_PAD_VALID, 1, DL_ACT_RELU),
		spec_rnn(DL_LAYER_LSTM, 6, false), spec_dropout(rate), spec_dense(3, DL_ACT_SOFTMAX)};
	dl_layer_spec cnn[7] = {spec_conv2d(4, 3, 3, 1, 1, DL_PAD_SAME, 1, 1, DL_ACT_RELU),
		spec_of(DL_LAYER_BATCHNORM), spec_pool(DL_LAYER_MAXPOOL2D, 2, 2, 2, 2),
		spec_conv2d(6, 3, 3, 1, 1, DL_PAD_SAME, 1, 1, DL_ACT_RELU),
		spec_pool(DL_LAYER_AVGPOOL2D, 2, 2, 2, 2), spec_of(DL_LAYER_FLATTEN),
	spec_dense(3, DL_ACT_SOFTMAX)};
	dl_layer_spec emb[3] = {spec_of(DL_LAYER_EMBEDDING), spec_of(DL_LAYER_GLOBAL_AVGPOOL),
	spec_dense(3, DL_ACT_SOFTMAX)};
	dl_layer_spec tf[5] = {spec_of(DL_LAYER_POSITIONAL_ENCODING),
		spec_of(DL_LAYER_TRANSFORMER_ENCODER), spec_of(DL_LAYER_TRANSFORMER_ENCODER),
	spec_of(DL_LAYER_GLOBAL_AVGPOOL), spec_dense(3, DL_ACT_SOFTMAX)};
	dl_layer_spec masked[5] = {spec_of(DL_LAYER_EMBEDDING), spec_rnn(DL_LAYER_LSTM, 3, true),
		spec_rnn(DL_LAYER_GRU, 4, false), spec_dropout(rate), spec_dense(3, DL_ACT_SOFTMAX)};
	const dl_layer_spec *specs[DET_NETS] = {mlp, seq, cnn, emb, tf, masked};
	int			counts[DET_NETS] = {4, 4, 7, 3, 5, 5};
	dl_shape	shapes[DET_NETS] = {shape1(2), shape2(2, 1), shape3(1, 9, 9), shape1(5),
	shape2(6, 4), shape1(8)};
	dl_network	net;
	dl_train_options o;
	dl_train_result res;
	float	   *params = NULL;

	emb[0].embedding.input_dim = masked[0].embedding.input_dim = 10;
	emb[0].embedding.output_dim = masked[0].embedding.output_dim = 4;
	masked[0].embedding.mask_zero = true;
	masked[1].rnn.bidirectional = true;
	tf[0].posenc.learned = true;
	tf[1].attention.heads = 2;
	tf[1].attention.ff_dim = 8;
	tf[2].attention.heads = 4;
	tf[2].attention.ff_dim = 5;
	tf[2].attention.causal = true;
	tf[2].attention.norm_first = true;
	tf[1].attention.rate = tf[2].attention.rate = dropout ? 0.3f : 0.0f;
	data = (dl_dataset) {x, y, n, f, 3};
	if (dl_split_rows(&data, 0.2, seed, true, &split) == DL_OK &&
		build_net(&net, specs[kind], counts[kind], shapes[kind], seed))
	{
		dl_train_options_defaults(&o);
		o.loss = DL_LOSS_CE;
		o.batch_size = 10;
		o.epochs = 5;
		o.seed = seed;
		CHECK_STATUS(dl_train(&net, &o, &data, &split, NULL, NULL, &res), DL_OK);
		params = malloc(sizeof(float) * net.n_params);
		memcpy(params, net.params, sizeof(float) * net.n_params);
		*n_params = net.n_params;
		dl_network_free(&net);
		dl_split_free(&split);
	}
	free(x);
	free(y);
	return params;
}

/*
 * trains kind twice with seed 42 and once with 43: the weights are
 * bit-identical, then not; and, for a network with dropout, once with
 * seed 42 without it: the masks were applied
 */
static void
check_determinism(det_net kind)
{
	bool		has_dropout = kind == DET_MLP || kind == DET_CONV1D_LSTM || kind == DET_TRANSFORMER ||
		kind == DET_MASKED_RNN;
	size_t		n1 = 0,
				n2 = 0,
				n3 = 0,
				n4 = 0;
	float	   *a = train_once(42, &n1, kind, true),
			   *b = train_once(42, &n2, kind, true),
			   *c = train_once(43, &n3, kind, true),
			   *d = has_dropout ? train_once(42, &n4, kind, false) : NULL;

	CHECK(a && b && c && n1 == n2 && n1 == n3 && (!has_dropout || (d && n4 == n1)));
	if (a && b && c)
	{
		if (memcmp(a, b, sizeof(float) * n1) != 0)
			th_fail(__FILE__, __LINE__, "%s: the same seed gave different weights",
					det_net_names[kind]);
		if (memcmp(a, c, sizeof(float) * n1) == 0)
			th_fail(__FILE__, __LINE__, "%s: seeds 42 and 43 gave the same weights",
					det_net_names[kind]);
		if (d && memcmp(a, d, sizeof(float) * n1) == 0)
			th_fail(__FILE__, __LINE__, "%s: dropout changed nothing", det_net_names[kind]);
	}
	free(a);
	free(b);
	free(c);
	free(d);
}

static void
test_determinism(void)
{
	th_begin("train: same seed and data give bit-identical weights; another seed does not (MLP, conv1d + LSTM)");
	openblas_set_num_threads(1);
	check_determinism(DET_MLP);
	check_determinism(DET_CONV1D_LSTM);
	th_end();
}

static void
test_determinism_images_tokens(void)
{
	th_begin("train: bit-identical weights for the same seed, not for another (conv2d + maxpool2d + avgpool2d + batchnorm, embedding, masked recurrent layers)");
	openblas_set_num_threads(1);
	check_determinism(DET_CNN);
	check_determinism(DET_EMBEDDING);
	check_determinism(DET_MASKED_RNN);
	th_end();
}

static void
test_determinism_transformer(void)
{
	th_begin("train: a transformer with dropout 0.3: the same seed gives bit-identical weights, another seed does not, and dropout applies");
	openblas_set_num_threads(1);
	check_determinism(DET_TRANSFORMER);
	th_end();
}

static void
test_divergence(void)
{
	size_t		n = 64;
	float	   *x = malloc(sizeof(float) * 3 * n);
	float	   *y = malloc(sizeof(float) * n);
	uint64_t	st = 5;
	dl_dataset	data;
	dl_split	split = all_rows(n);
	dl_layer_spec s[2] = {spec_dense(8, DL_ACT_RELU), spec_dense(1, DL_ACT_LINEAR)};
	dl_network	net;
	dl_train_options o;
	dl_train_result res;

	th_begin("train: a learning rate of 1e6 is DL_ERANGE naming the epoch, not NaN weights");
	for (size_t i = 0; i < 3 * n; i++)
		x[i] = (float) (10 * th_rand_normal(&st));
	for (size_t i = 0; i < n; i++)
		y[i] = (float) (100 * th_rand_normal(&st));
	data = (dl_dataset) {x, y, n, 3, 0};
	if (build_net(&net, s, 2, shape1(3), 1))
	{
		dl_train_options_defaults(&o);
		o.optimizer = DL_OPT_SGD;
		o.learning_rate = 1e6f;
		o.epochs = 20;
		o.batch_size = 8;
		th_clear_error();
		CHECK_STATUS(dl_train(&net, &o, &data, &split, NULL, NULL, &res), DL_ERANGE);
		CHECK(th_last_error == DL_ERANGE);
		CHECK(strstr(th_last_message, "training diverged at epoch 1") != NULL);
		CHECK(strstr(th_last_message, "learning_rate") != NULL);
		dl_network_free(&net);
	}
	free(split.train);
	free(x);
	free(y);
	th_end();
}

/*
 * Initialising a large network draws one number per parameter: the draws
 * check for interrupts every chunk, so a cancel or statement_timeout stops
 * them (0.1.0 drew billions deaf to both).  Every family that draws: dense,
 * embedding, learned positions, recurrent and attention layers.
 */
static void
test_init_interruptible(void)
{
	dl_layer_spec dense[1] = {spec_dense(200000, DL_ACT_RELU)};
	dl_layer_spec tokens[1] = {spec_of(DL_LAYER_EMBEDDING)};
	dl_network	net;

	th_begin("init: drawing the parameters of a large layer checks for interrupts every chunk");
	th_interrupt_checks = 0;
	if (build_net(&net, dense, 1, shape1(4), 1))
	{
		/* 800,000 weights drawn (the biases are zeroed): a check per 65,536 draws */
		CHECK(net.n_params == 1000000);
		CHECK(th_interrupt_checks >= 12);
		dl_network_free(&net);
	}
	tokens[0].embedding.input_dim = 100000;
	tokens[0].embedding.output_dim = 8;
	th_interrupt_checks = 0;
	if (build_net(&net, tokens, 1, shape1(4), 1))
	{
		CHECK(th_interrupt_checks >= 12);
		dl_network_free(&net);
	}
	th_end();
}

static void
test_bad_setups(void)
{
	float		x[20] = {0};
	float		y[10] = {0, 1, 2, 0, 1, 2, 0, 1, 2, 5};
	dl_dataset	data = {x, y, 10, 2, 3};
	dl_split	split = all_rows(10);
	dl_layer_spec s[1] = {spec_dense(3, DL_ACT_SOFTMAX)};
	dl_network	net;
	dl_train_options o;
	dl_train_result res;

	th_begin("train: bad targets, sizes and options are errors, not crashes");
	if (build_net(&net, s, 1, shape1(2), 1))
	{
		dl_train_options_defaults(&o);
		o.loss = DL_LOSS_CE;
		/* target 5 is not a class */
		CHECK_STATUS(dl_train(&net, &o, &data, &split, NULL, NULL, &res), DL_EINVAL);
		CHECK(strstr(th_last_message, "row 10") != NULL);
		y[9] = 1;
		data.n_features = 3;
		CHECK_STATUS(dl_train(&net, &o, &data, &split, NULL, NULL, &res), DL_EDIM);
		data.n_features = 2;
		data.n_classes = 4;
		CHECK_STATUS(dl_train(&net, &o, &data, &split, NULL, NULL, &res), DL_EDIM);
		data.n_classes = 3;
		o.loss = DL_LOSS_BCE;
		CHECK_STATUS(dl_train(&net, &o, &data, &split, NULL, NULL, &res), DL_EDIM);
		o.loss = DL_LOSS_CE;
		o.batch_size = 0;
		CHECK_STATUS(dl_train(&net, &o, &data, &split, NULL, NULL, &res), DL_EINVAL);
		o.batch_size = 4;
		o.learning_rate = 0;
		CHECK_STATUS(dl_train(&net, &o, &data, &split, NULL, NULL, &res), DL_EINVAL);
		o.learning_rate = 0.01f;
		o.beta2 = 1.0f;			/* Adam's bias correction would divide by 0 */
		CHECK_STATUS(dl_train(&net, &o, &data, &split, NULL, NULL, &res), DL_EINVAL);
		o.beta2 = 0.999f;
		split.train[3] = 99;
		CHECK_STATUS(dl_train(&net, &o, &data, &split, NULL, NULL, &res), DL_EINVAL);
		split.train[3] = 3;
		CHECK_STATUS(dl_train(&net, &o, &data, &split, NULL, NULL, &res), DL_OK);
		dl_network_free(&net);
	}
	{
		/* cross-entropy needs a softmax output */
		dl_layer_spec s2[1] = {spec_dense(3, DL_ACT_LINEAR)};

		if (build_net(&net, s2, 1, shape1(2), 1))
		{
			CHECK_STATUS(dl_train(&net, &o, &data, &split, NULL, NULL, &res), DL_EINVAL);
			dl_network_free(&net);
		}
	}
	free(split.train);
	th_end();
}

/*
 * The sinusoidal table is stored as parameters but never trained: after
 * epochs of AdamW with weight decay, l1 and clipping it is still exactly
 * dl_sinusoids' table, while the learned one (same init seed) moved.
 */
static void
test_sinusoids_not_trained(void)
{
	size_t		n = 64;
	float	   *x = malloc(sizeof(float) * 5 * 4 * n);
	float	   *y = malloc(sizeof(float) * n);
	float		table[5 * 4];
	uint64_t	st = 9;
	dl_split	split = all_rows(n);
	dl_dataset	data = {x, y, n, 20, 2};

	th_begin("train: a sinusoidal positional table is not decayed, shrunk, clipped or stepped; a learned one is trained");
	for (size_t i = 0; i < 20 * n; i++)
		x[i] = (float) (2.0 * th_rand_uniform(&st) - 1.0);
	for (size_t r = 0; r < n; r++)
		y[r] = x[r * 20] > x[r * 20 + 19] ? 1.0f : 0.0f;
	dl_sinusoids(table, 5, 4);
	for (int learned = 0; learned <= 1; learned++)
	{
		dl_layer_spec pos = spec_of(DL_LAYER_POSITIONAL_ENCODING);
		dl_layer_spec layers[4];
		dl_network	net;
		dl_train_options o;
		dl_train_result res;
		float		before[5 * 4];

		pos.posenc.learned = learned == 1;
		layers[0] = pos;
		layers[1] = spec_of(DL_LAYER_ATTENTION);
		layers[2] = spec_of(DL_LAYER_GLOBAL_AVGPOOL);
		layers[3] = spec_dense(2, DL_ACT_SOFTMAX);
		if (!build_net(&net, layers, 4, shape2(5, 4), 3))
			continue;
		memcpy(before, net.params + net.layers[0].param_offset, sizeof(before));
		dl_train_options_defaults(&o);
		o.loss = DL_LOSS_CE;
		o.optimizer = DL_OPT_ADAMW;
		o.weight_decay = 0.5f;
		o.l1 = 0.1f;
		o.clip_norm = 0.5f;
		o.learning_rate = 0.05f;
		o.batch_size = 8;
		o.epochs = 5;
		CHECK_STATUS(dl_train(&net, &o, &data, &split, NULL, NULL, &res), DL_OK);
		if (learned)
			CHECK(memcmp(net.params + net.layers[0].param_offset, before, sizeof(before)) != 0);
		else
			CHECK(memcmp(net.params + net.layers[0].param_offset, table, sizeof(table)) == 0);
		dl_network_free(&net);
	}
	dl_split_free(&split);
	free(x);
	free(y);
	th_end();
}

/* clip_norm: one sgd step of lr 1 on one batch moves by the clipped gradient */
static void
test_clip_norm(void)
{
	float		x[8] = {1, 2, -1, 0.5f, 3, -2, 0, 1};
	float		y[4] = {10, -5, 7, 3};
	dl_dataset	data = {x, y, 4, 2, 0};
	dl_split	split = all_rows(4);
	dl_layer_spec s[1] = {spec_dense(1, DL_ACT_LINEAR)};
	dl_network	net;
	dl_workspace *ws;
	dl_train_options o;
	dl_train_result res;
	float		before[3],
				g[3];
	double		norm = 0.0;

	th_begin("train: clip_norm scales the global gradient norm down to the limit, not up");
	if (build_net(&net, s, 1, shape1(2), 4))
	{
		const float *out;

		memcpy(before, net.params, sizeof(before));
		CHECK_STATUS(dl_workspace_create(&net, 4, true, &ws), DL_OK);
		out = dl_forward_train(&net, ws, x, 4, false);
		dl_loss_forward_backward(ws->d0, out, y, 4, 1, DL_LOSS_MSE, 1);
		memset(ws->grads, 0, sizeof(float) * net.n_params);
		dl_backward(&net, ws, 4, false, NULL);
		memcpy(g, ws->grads, sizeof(g));
		dl_workspace_free(ws);
		for (int i = 0; i < 3; i++)
			norm += (double) g[i] * g[i];
		norm = sqrt(norm);
		CHECK(norm > 1.0);

		dl_train_options_defaults(&o);
		o.optimizer = DL_OPT_SGD;
		o.learning_rate = 1.0f;
		o.batch_size = 4;
		o.epochs = 1;
		o.clip_norm = 1.0f;
		CHECK_STATUS(dl_train(&net, &o, &data, &split, NULL, NULL, &res), DL_OK);
		for (int i = 0; i < 3; i++)
			CHECK_NEAR(net.params[i], before[i] - g[i] / norm, 1e-5);

		/* a limit above the norm changes nothing */
		memcpy(net.params, before, sizeof(before));
		o.clip_norm = (float) (norm * 2);
		CHECK_STATUS(dl_train(&net, &o, &data, &split, NULL, NULL, &res), DL_OK);
		for (int i = 0; i < 3; i++)
			CHECK_NEAR(net.params[i], before[i] - g[i], 1e-4);
		dl_network_free(&net);
	}
	free(split.train);
	th_end();
}

/*
 * Batchnorm's running statistics are parameters but not trainable: weight
 * decay, l1 and the optimizer leave them as the forward pass set them.
 */
static void
test_running_stats_not_decayed(void)
{
	float		x[4] = {1, 2, 3, 6};
	float		y[4] = {0, 1, 0, 1};
	dl_dataset	data = {x, y, 4, 1, 0};
	dl_split	split = all_rows(4);
	dl_layer_spec s[2] = {spec_of(DL_LAYER_BATCHNORM), spec_dense(1, DL_ACT_LINEAR)};
	static const dl_optimizer opts[3] = {DL_OPT_SGD, DL_OPT_ADAM, DL_OPT_ADAMW};
	dl_network	net;
	dl_train_options o;
	dl_train_result res;

	th_begin("train: batchnorm running statistics are never decayed or stepped");
	for (int i = 0; i < 3; i++)
	{
		if (!build_net(&net, s, 2, shape1(1), 4))
			break;
		dl_train_options_defaults(&o);
		o.optimizer = opts[i];
		o.weight_decay = 0.9f;
		o.l1 = 0.5f;
		o.learning_rate = 0.5f;
		o.batch_size = 4;
		o.epochs = 1;
		CHECK_STATUS(dl_train(&net, &o, &data, &split, NULL, NULL, &res), DL_OK);
		/* mean 3, unbiased variance 14 / 3; running = 0.9 initial + 0.1 batch */
		CHECK_NEAR(net.params[2], 0.1 * 3.0, 1e-6);
		CHECK_NEAR(net.params[3], 0.9 + 0.1 * 14.0 / 3.0, 1e-6);
		/* gamma was decayed (the trainable values do move) */
		CHECK(net.params[0] != 1.0f);
		dl_network_free(&net);
	}
	free(split.train);
	th_end();
}

static void
test_split(void)
{
	size_t		n = 100;
	float	   *y = malloc(sizeof(float) * n);
	float		x[1] = {0};
	dl_dataset	data = {x, y, n, 1, 3};
	dl_split	split;
	int			count[2][3] = {{0}};
	bool	   *seen = calloc(n, sizeof(bool));
	bool		once = true;

	th_begin("split: stratified counts per class, every row once, skip rules");
	/* classes 50, 30, 20 */
	for (size_t i = 0; i < n; i++)
		y[i] = i < 50 ? 0.0f : (i < 80 ? 1.0f : 2.0f);
	CHECK_STATUS(dl_split_rows(&data, 0.2, 1, true, &split), DL_OK);
	CHECK(split.n_validation == 20 && split.n_train == 80);
	CHECK(split.skipped_reason == NULL);
	for (size_t i = 0; i < split.n_train; i++)
	{
		count[0][(int) y[split.train[i]]]++;
		once &= !seen[split.train[i]];
		seen[split.train[i]] = true;
	}
	for (size_t i = 0; i < split.n_validation; i++)
	{
		count[1][(int) y[split.validation[i]]]++;
		once &= !seen[split.validation[i]];
		seen[split.validation[i]] = true;
	}
	CHECK(once);
	CHECK(count[1][0] == 10 && count[1][1] == 6 && count[1][2] == 4);
	CHECK(count[0][0] == 40 && count[0][1] == 24 && count[0][2] == 16);
	dl_split_free(&split);

	/* the same seed gives the same split, another seed another */
	{
		dl_split	a,
					b,
					c;

		CHECK_STATUS(dl_split_rows(&data, 0.3, 7, false, &a), DL_OK);
		CHECK_STATUS(dl_split_rows(&data, 0.3, 7, false, &b), DL_OK);
		CHECK_STATUS(dl_split_rows(&data, 0.3, 8, false, &c), DL_OK);
		CHECK(a.n_validation == 30 && a.n_train == 70);
		CHECK(memcmp(a.validation, b.validation, sizeof(uint32_t) * 30) == 0);
		CHECK(memcmp(a.validation, c.validation, sizeof(uint32_t) * 30) != 0);
		dl_split_free(&a);
		dl_split_free(&b);
		dl_split_free(&c);
	}
	/* unstratified: round(0.25 * 37) = 9 */
	data.n = 37;
	CHECK_STATUS(dl_split_rows(&data, 0.25, 1, false, &split), DL_OK);
	CHECK(split.n_validation == 9 && split.n_train == 28);
	dl_split_free(&split);
	/* regression data is never stratified */
	data.n_classes = 0;
	CHECK_STATUS(dl_split_rows(&data, 0.25, 1, true, &split), DL_OK);
	CHECK(split.n_validation == 9);
	dl_split_free(&split);
	data.n_classes = 3;
	data.n = n;

	/* skip rules: fraction 0, fewer than 10 rows, an empty class, a class left without training rows */
	CHECK_STATUS(dl_split_rows(&data, 0.0, 1, true, &split), DL_OK);
	CHECK(split.n_validation == 0 && split.n_train == n && split.skipped_reason != NULL);
	CHECK(split.validation == NULL);
	dl_split_free(&split);
	data.n = 9;
	CHECK_STATUS(dl_split_rows(&data, 0.5, 1, false, &split), DL_OK);
	CHECK(split.n_validation == 0 && split.n_train == 9 && split.skipped_reason != NULL);
	dl_split_free(&split);
	data.n = n;
	data.n_classes = 4;
	CHECK_STATUS(dl_split_rows(&data, 0.2, 1, true, &split), DL_OK);
	CHECK(split.n_validation == 0 && split.n_train == n && split.skipped_reason != NULL);
	CHECK(strstr(split.skipped_reason, "no rows") != NULL);
	dl_split_free(&split);
	data.n_classes = 3;
	y[99] = 2;
	for (size_t i = 80; i < 99; i++)
		y[i] = 1;				/* class 2 has one row: round(0.5) = 1 leaves it none */
	CHECK_STATUS(dl_split_rows(&data, 0.5, 1, true, &split), DL_OK);
	CHECK(split.n_validation == 0 && split.skipped_reason != NULL);
	dl_split_free(&split);
	/* errors: a fraction of 1, a target that is no class */
	CHECK_STATUS(dl_split_rows(&data, 1.0, 1, true, &split), DL_EINVAL);
	y[5] = 1.5f;
	CHECK_STATUS(dl_split_rows(&data, 0.2, 1, true, &split), DL_EINVAL);
	free(seen);
	free(y);
	th_end();
}

static void
test_predict_paths(void)
{
	int			n = 7;
	uint64_t	st = 77;
	float	   *x = random_floats((size_t) n * 6, 1.0, &st);
	dl_layer_spec s[6] = {spec_dense(9, DL_ACT_RELU), spec_of(DL_LAYER_BATCHNORM),
		spec_dropout(0.5f), spec_dense(5, DL_ACT_GELU), spec_of(DL_LAYER_LAYERNORM),
	spec_dense(4, DL_ACT_SOFTMAX)};
	dl_network	net;
	dl_workspace *big,
			   *one,
			   *small;
	float		batch[7 * 4],
				row[4],
				chunked[7 * 4];

	th_begin("predict: one row equals its row of a batch; chunks past max_batch; dropout is the identity");
	if (build_net(&net, s, 6, shape1(6), 5))
	{
		/* running statistics other than 0 and 1 */
		for (int j = 0; j < 9; j++)
		{
			net.params[net.layers[1].param_offset + 18 + j] = 0.1f * j;
			net.params[net.layers[1].param_offset + 27 + j] = 1.0f + 0.2f * j;
		}
		CHECK_STATUS(dl_workspace_create(&net, n, false, &big), DL_OK);
		CHECK_STATUS(dl_workspace_create(&net, 1, false, &one), DL_OK);
		CHECK_STATUS(dl_workspace_create(&net, 3, false, &small), DL_OK);
		CHECK(big->grads == NULL && one->layer == NULL);
		dl_network_predict(&net, big, x, n, batch);
		for (int r = 0; r < n; r++)
		{
			dl_network_predict(&net, one, x + r * 6, 1, row);
			for (int j = 0; j < 4; j++)
				CHECK_NEAR(row[j], batch[r * 4 + j], 1e-6);
		}
		dl_network_predict(&net, small, x, n, chunked);
		for (int i = 0; i < n * 4; i++)
			CHECK_NEAR(chunked[i], batch[i], 1e-6);
		/* predicting twice gives the same bits (no state kept) */
		dl_network_predict(&net, big, x, n, chunked);
		CHECK(memcmp(chunked, batch, sizeof(batch)) == 0);
		CHECK(dl_workspace_bytes(&net, 128, true) > dl_workspace_bytes(&net, 128, false));
		CHECK(dl_workspace_bytes(&net, 1, false) < 8192);
		dl_workspace_free(big);
		dl_workspace_free(one);
		dl_workspace_free(small);
		dl_network_free(&net);
	}
	{
		/* a lone dropout layer predicts its input */
		dl_layer_spec d[1] = {spec_dropout(0.9f)};
		float		out[6 * 7];

		if (build_net(&net, d, 1, shape1(6), 5))
		{
			CHECK_STATUS(dl_workspace_create(&net, n, false, &big), DL_OK);
			dl_network_predict(&net, big, x, n, out);
			CHECK(memcmp(out, x, sizeof(out)) == 0);
			dl_workspace_free(big);
			dl_network_free(&net);
		}
	}
	{
		/* the dropout mask keeps about 1 - rate of the values, scaled */
		float		mask[10000];
		dl_rng		rng;
		int			kept = 0;
		bool		values_ok = true;

		dl_rng_seed(&rng, 1);
		dl_dropout_mask(mask, 10000, 0.3f, &rng);
		for (int i = 0; i < 10000; i++)
		{
			kept += mask[i] != 0.0f;
			values_ok &= mask[i] == 0.0f || mask[i] == 1.0f / 0.7f;
		}
		CHECK(values_ok);
		CHECK(kept > 6800 && kept < 7200);
	}
	CHECK_STATUS(dl_workspace_create(&net, 0, false, &big), DL_EINVAL);
	free(x);
	th_end();
}

/* runs every pass of a dl_prep_fit over the rows listed (all when rows is NULL) */
static dl_status
prep_fit_rows(const double *x, size_t n_rows, int d, const uint32_t *rows, size_t n,
			  dl_impute_strategy impute, bool standardize, size_t max_bytes, dl_prep_fit *f,
			  int *passes)
{
	dl_status	st = dl_prep_fit_begin(f, d, impute, standardize, n, max_bytes);

	*passes = 0;
	while (st == DL_OK && dl_prep_fit_wants_pass(f))
	{
		for (size_t i = 0; i < n; i++)
			dl_prep_fit_row(f, x + (size_t) (rows ? rows[i] : i) * d);
		(*passes)++;
		st = dl_prep_fit_end_pass(f);
	}
	(void) n_rows;
	return st;
}

static void
test_preprocess(void)
{
	/* 5 rows, 3 features; rows 0..3 fit; feature 1 constant, feature 2 with NaN */
	double		x[15] = {
		1, 4, NAN,
		2, 4, 1,
		3, 4, 5,
		4, 4, NAN,
		100, 7, 3
	};
	uint32_t	rows[4] = {0, 1, 2, 3};
	dl_prep_fit f;
	int			passes;

	th_begin("preprocess: standard and imputer fits over training rows in double, in passes");
	CHECK_STATUS(prep_fit_rows(x, 5, 3, rows, 4, DL_IMPUTE_NONE, true, 1 << 20, &f, &passes), DL_OK);
	CHECK(passes == 1 && f.imputer == NULL && f.scaler != NULL);
	CHECK_NEAR(f.scaler->center[0], 2.5, 1e-12);
	CHECK_NEAR(f.scaler->scale[0], sqrt(1.25), 1e-12);
	CHECK(f.scaler->center[1] == 4.0 && f.scaler->scale[1] == 1.0);	/* zero variance */
	CHECK_NEAR(f.scaler->center[2], 3.0, 1e-12);	/* NaN skipped */
	CHECK_NEAR(f.scaler->scale[2], 2.0, 1e-12);
	CHECK(f.scaler->n == 4);
	CHECK_STATUS(dl_scaler_validate(f.scaler), DL_OK);
	dl_prep_fit_free(&f);

	CHECK_STATUS(prep_fit_rows(x, 5, 3, rows, 4, DL_IMPUTE_MEAN, false, 1 << 20, &f, &passes), DL_OK);
	CHECK(passes == 1 && f.scaler == NULL);
	CHECK(f.imputer->fill[0] == 2.5 && f.imputer->fill[1] == 4.0 && f.imputer->fill[2] == 3.0);
	CHECK_STATUS(dl_scaler_validate(f.imputer), DL_OK);
	dl_prep_fit_free(&f);
	/* median of {1, 5, 3} over all rows: 3; of 1..4,100: 3 */
	CHECK_STATUS(prep_fit_rows(x, 5, 3, NULL, 5, DL_IMPUTE_MEDIAN, false, 1 << 20, &f, &passes), DL_OK);
	CHECK(f.imputer->fill[0] == 3.0 && f.imputer->fill[1] == 4.0 && f.imputer->fill[2] == 3.0);
	CHECK(f.imputer->n == 5);
	CHECK_STATUS(dl_scaler_validate(f.imputer), DL_OK);
	dl_prep_fit_free(&f);
	/* a budget of one column's values: a pass per column, the same medians */
	CHECK_STATUS(prep_fit_rows(x, 5, 3, NULL, 5, DL_IMPUTE_MEDIAN, false, 5 * sizeof(double), &f, &passes), DL_OK);
	CHECK(passes == 3);
	CHECK(f.imputer->fill[0] == 3.0 && f.imputer->fill[1] == 4.0 && f.imputer->fill[2] == 3.0);
	dl_prep_fit_free(&f);

	/* imputer then scaler: the scaler is fitted on the imputed rows */
	CHECK_STATUS(prep_fit_rows(x, 5, 3, rows, 4, DL_IMPUTE_MEDIAN, true, 1 << 20, &f, &passes), DL_OK);
	CHECK(passes == 2);
	CHECK(f.imputer->fill[0] == 2.5 && f.imputer->fill[2] == 3.0);
	/* feature 2 imputed: {3, 1, 5, 3}: mean 3, population sd sqrt(2) */
	CHECK_NEAR(f.scaler->center[2], 3.0, 1e-12);
	CHECK_NEAR(f.scaler->scale[2], sqrt(2.0), 1e-12);
	CHECK(f.scaler->n == 4);
	dl_prep_fit_free(&f);

	CHECK_STATUS(dl_prep_fit_begin(&f, 3, DL_IMPUTE_CONSTANT, false, 4, 1 << 20), DL_EINVAL);
	/* a pass that does not see every training row is refused */
	CHECK_STATUS(dl_prep_fit_begin(&f, 3, DL_IMPUTE_NONE, true, 4, 1 << 20), DL_OK);
	dl_prep_fit_row(&f, x);
	CHECK_STATUS(dl_prep_fit_end_pass(&f), DL_EINVAL);
	dl_prep_fit_free(&f);
	th_end();
}

/*
 * A feature near 1e9 (an epoch timestamp, an amount in cents): fitted on
 * float32 copies it was constant (float32's spacing at 1e9 is 64) and a
 * model trained on it learned nothing.  Fitted in double, the standardized
 * values keep their spread to float32's precision.
 */
static void
test_preprocess_large_offset(void)
{
	enum
	{
		N = 1000
	};
	double	   *x = malloc(sizeof(double) * N);
	uint64_t	rng = 11;
	long double sum = 0,
				sq = 0;
	dl_prep_fit f;
	int			passes;

	th_begin("preprocess: a feature of 1e9 + u keeps its spread (it was constant when fitted in float32)");
	for (int i = 0; i < N; i++)
	{
		x[i] = 1e9 + th_rand_uniform(&rng);
		sum += x[i];
	}
	for (int i = 0; i < N; i++)
		sq += (x[i] - sum / N) * (x[i] - sum / N);
	CHECK_STATUS(prep_fit_rows(x, N, 1, NULL, N, DL_IMPUTE_NONE, true, 1 << 20, &f, &passes), DL_OK);
	CHECK_REL(f.scaler->center[0], (double) (sum / N), 1e-15);
	CHECK_REL(f.scaler->scale[0], (double) sqrtl(sq / N), 1e-9);
	{
		double		lo = INFINITY,
					hi = -INFINITY;

		for (int i = 0; i < N; i++)
		{
			double		v;
			float		z;

			dl_scaler_transform(f.scaler, &x[i], NULL, &v);
			z = (float) v;
			lo = z < lo ? z : lo;
			hi = z > hi ? z : hi;
		}
		/* uniform on [0, 1): standardized to about [-1.73, 1.73] */
		CHECK(lo < -1.6 && hi > 1.6);
	}
	dl_prep_fit_free(&f);
	free(x);
	th_end();
}

/* 8x8 images: a vertical (class 0) or horizontal (class 1) bar of 3 pixels at a random place, in noise */
static void
make_bars(float *x, float *y, size_t n, uint64_t seed)
{
	for (size_t i = 0; i < n; i++)
	{
		float	   *img = x + i * 64;
		int			c = (int) (i % 2);
		int			a = (int) (th_rand_u64(&seed) % 8);
		int			b = (int) (th_rand_u64(&seed) % 6);

		for (int p = 0; p < 64; p++)
			img[p] = (float) (0.2 * th_rand_normal(&seed));
		for (int k = 0; k < 3; k++)
			img[c == 0 ? (b + k) * 8 + a : a * 8 + b + k] += 1.0f;
		y[i] = (float) c;
	}
}

static void
test_cnn_bars(void)
{
	size_t		n = 400,
				nt = 200;
	float	   *x = malloc(sizeof(float) * 64 * n);
	float	   *y = malloc(sizeof(float) * n);
	float	   *xt = malloc(sizeof(float) * 64 * nt);
	float	   *yt = malloc(sizeof(float) * nt);
	dl_dataset	data = {x, y, n, 64, 2};
	dl_dataset	test = {xt, yt, nt, 64, 2};
	dl_split	split = all_rows(n);
	dl_layer_spec s[5] = {spec_conv2d(8, 3, 3, 1, 1, DL_PAD_SAME, 1, 1, DL_ACT_RELU),
		spec_pool(DL_LAYER_MAXPOOL2D, 2, 2, 2, 2),
		spec_conv2d(8, 3, 3, 1, 1, DL_PAD_VALID, 1, 1, DL_ACT_RELU),
	spec_of(DL_LAYER_FLATTEN), spec_dense(2, DL_ACT_SOFTMAX)};
	dl_network	net;
	dl_train_options o;
	dl_train_result res;
	double		acc;

	th_begin("train: a small CNN tells vertical from horizontal bars in 8x8 images (held-out accuracy >= 95%)");
	make_bars(x, y, n, 5);
	make_bars(xt, yt, nt, 6);
	if (build_net(&net, s, 5, shape3(1, 8, 8), 9))
	{
		dl_train_options_defaults(&o);
		o.loss = DL_LOSS_CE;
		o.learning_rate = 0.01f;
		o.batch_size = 32;
		o.epochs = 30;
		o.seed = 4;
		CHECK_STATUS(dl_train(&net, &o, &data, &split, NULL, NULL, &res), DL_OK);
		acc = accuracy(&net, &test);
		printf("# cnn bars: train loss %.4f, held-out accuracy %.3f\n", res.train_loss, acc);
		CHECK(acc >= 0.95);
		dl_network_free(&net);
	}
	/* without the flatten the output keeps the spatial axes: refused, not trained per position */
	if (build_net(&net, (dl_layer_spec[]) {s[0], spec_dense(2, DL_ACT_SOFTMAX)}, 2, shape3(1, 8, 8), 9))
	{
		CHECK_STATUS(dl_train(&net, &o, &data, &split, NULL, NULL, &res), DL_EDIM);
		CHECK(strstr(th_last_message, "the network's output has shape [8, 8, 2], not a vector: put a flatten or global_avgpool layer before the output layer") != NULL);
		dl_network_free(&net);
	}
	free(split.train);
	free(x);
	free(y);
	free(xt);
	free(yt);
	th_end();
}

/* sequences of 6 token ids below 12: class 1 when token 7 occurs */
static void
test_embedding_tokens(void)
{
	size_t		n = 600;
	float	   *x = malloc(sizeof(float) * 6 * n);
	float	   *y = malloc(sizeof(float) * n);
	dl_dataset	data = {x, y, n, 6, 2};
	dl_split	split = all_rows(n);
	dl_layer_spec s[3] = {spec_of(DL_LAYER_EMBEDDING), spec_of(DL_LAYER_GLOBAL_AVGPOOL),
	spec_dense(2, DL_ACT_SOFTMAX)};
	uint64_t	st = 12;
	dl_network	net;
	dl_train_options o;
	dl_train_result res;

	th_begin("train: embedding + global_avgpool learns whether a token occurs; a bad id is an error");
	s[0].embedding.input_dim = 12;
	s[0].embedding.output_dim = 8;
	for (size_t i = 0; i < n; i++)
	{
		bool		has = false;

		for (int t = 0; t < 6; t++)
		{
			/* half the rows hold a 7 somewhere */
			int			id = (int) (th_rand_u64(&st) % 11);

			id = id >= 7 ? id + 1 : id;
			if (i % 2 == 1 && t == (int) (i % 6))
				id = 7;
			has |= id == 7;
			x[i * 6 + t] = (float) id;
		}
		y[i] = has ? 1.0f : 0.0f;
	}
	if (build_net(&net, s, 3, shape1(6), 2))
	{
		dl_train_options_defaults(&o);
		o.loss = DL_LOSS_CE;
		o.learning_rate = 0.02f;
		o.batch_size = 32;
		o.epochs = 30;
		o.seed = 5;
		CHECK_STATUS(dl_train(&net, &o, &data, &split, NULL, NULL, &res), DL_OK);
		CHECK(accuracy(&net, &data) >= 0.98);
		x[6 * 10 + 3] = 12;
		CHECK_STATUS(dl_train(&net, &o, &data, &split, NULL, NULL, &res), DL_EINVAL);
		CHECK(strstr(th_last_message, "token id 12 in row 11, position 4, is not an integer from 0 to 11") != NULL);
		dl_network_free(&net);
	}
	free(split.train);
	free(x);
	free(y);
	th_end();
}

/* n sequences of 8 steps x (a, b) uniform in [-1, 1]; the label: is the total of a - b positive */
static void
make_running_totals(float *x, float *y, size_t n, uint64_t seed)
{
	uint64_t	st = seed;

	for (size_t r = 0; r < n; r++)
	{
		double		total = 0.0;

		for (int t = 0; t < 8; t++)
		{
			float		a = (float) (2.0 * th_rand_uniform(&st) - 1.0);
			float		b = (float) (2.0 * th_rand_uniform(&st) - 1.0);

			x[r * 16 + 2 * t] = a;
			x[r * 16 + 2 * t + 1] = b;
			total += (double) a - b;
		}
		y[r] = total > 0.0 ? 1.0f : 0.0f;
	}
}

static void
test_rnn_running_total(void)
{
	size_t		n = 1200,
				nt = 500;
	float	   *x = malloc(sizeof(float) * 16 * n);
	float	   *y = malloc(sizeof(float) * n);
	float	   *xt = malloc(sizeof(float) * 16 * nt);
	float	   *yt = malloc(sizeof(float) * nt);
	dl_dataset	data,
				test;
	dl_split	split = all_rows(n);

	th_begin("train: lstm, gru and a stacked lstm + gru learn the sign of a running total over 8 steps (clip_norm on)");
	make_running_totals(x, y, n, 1);
	make_running_totals(xt, yt, nt, 2);
	data = (dl_dataset) {x, y, n, 16, 2};
	test = (dl_dataset) {xt, yt, nt, 16, 2};
	for (int k = 0; k < 3; k++)
	{
		dl_layer_spec two[2] = {spec_rnn(k == 1 ? DL_LAYER_GRU : DL_LAYER_LSTM, 16, false),
		spec_dense(2, DL_ACT_SOFTMAX)};
		dl_layer_spec three[3] = {spec_rnn(DL_LAYER_LSTM, 12, true), spec_rnn(DL_LAYER_GRU, 12, false),
		spec_dense(2, DL_ACT_SOFTMAX)};
		dl_network	net;
		dl_train_options o;
		dl_train_result res;
		double		acc;

		if (!build_net(&net, k == 2 ? three : two, k == 2 ? 3 : 2, shape2(8, 2), 5 + k))
			continue;
		dl_train_options_defaults(&o);
		o.loss = DL_LOSS_CE;
		o.learning_rate = 0.01f;
		o.batch_size = 32;
		o.epochs = 25;
		o.clip_norm = 1.0f;
		o.seed = 3;
		CHECK_STATUS(dl_train(&net, &o, &data, &split, NULL, NULL, &res), DL_OK);
		acc = accuracy(&net, &test);
		printf("# running total: %s held-out accuracy %.3f (train loss %.4f)\n",
				k == 0 ? "lstm" : (k == 1 ? "gru" : "lstm + gru"), acc, res.train_loss);
		CHECK(acc >= 0.93);
		dl_network_free(&net);
	}
	dl_split_free(&split);
	free(x);
	free(y);
	free(xt);
	free(yt);
	th_end();
}

/* 8 steps x (a, b) uniform in [-1, 1]; the label: is the first step's a above the last step's */
static void
make_first_last(float *x, float *y, size_t n, uint64_t seed)
{
	uint64_t	st = seed;

	for (size_t r = 0; r < n; r++)
	{
		for (int i = 0; i < 16; i++)
			x[r * 16 + i] = (float) (2.0 * th_rand_uniform(&st) - 1.0);
		y[r] = x[r * 16] > x[r * 16 + 14] ? 1.0f : 0.0f;
	}
}

static void
test_transformer_tasks(void)
{
	size_t		n = 1200,
				nt = 500;
	float	   *x = malloc(sizeof(float) * 16 * n);
	float	   *y = malloc(sizeof(float) * n);
	float	   *xt = malloc(sizeof(float) * 16 * nt);
	float	   *yt = malloc(sizeof(float) * nt);
	dl_split	split = all_rows(n);

	th_begin("train: a transformer learns the sign of a running total (mean pooling) and, with positions, whether the first step is above the last");
	for (int k = 0; k < 2; k++)
	{
		dl_layer_spec enc = spec_of(DL_LAYER_TRANSFORMER_ENCODER);
		dl_layer_spec pos = spec_of(DL_LAYER_POSITIONAL_ENCODING);
		dl_layer_spec layers[5];
		dl_network	net;
		dl_train_options o;
		dl_train_result res;
		dl_dataset	data = {x, y, n, 16, 2},
					test = {xt, yt, nt, 16, 2};
		double		acc;

		if (k == 0)
		{
			make_running_totals(x, y, n, 1);
			make_running_totals(xt, yt, nt, 2);
		}
		else
		{
			make_first_last(x, y, n, 3);
			make_first_last(xt, yt, nt, 4);
		}
		enc.attention.heads = 2;
		enc.attention.ff_dim = 32;
		enc.attention.rate = 0.0f;
		enc.attention.norm_first = k == 1;
		pos.posenc.learned = k == 1;
		layers[0] = spec_dense(16, DL_ACT_LINEAR);
		layers[1] = pos;
		layers[2] = enc;
		layers[3] = spec_of(DL_LAYER_GLOBAL_AVGPOOL);
		layers[4] = spec_dense(2, DL_ACT_SOFTMAX);
		if (!build_net(&net, layers, 5, shape2(8, 2), 7 + k))
			continue;
		dl_train_options_defaults(&o);
		o.loss = DL_LOSS_CE;
		o.learning_rate = 0.003f;
		o.batch_size = 32;
		o.epochs = 30;
		o.seed = 3;
		CHECK_STATUS(dl_train(&net, &o, &data, &split, NULL, NULL, &res), DL_OK);
		acc = accuracy(&net, &test);
		printf("# transformer %s: held-out accuracy %.3f (train loss %.4f)\n",
			   k == 0 ? "running total" : "first above last", acc, res.train_loss);
		CHECK(acc >= 0.9);
		dl_network_free(&net);
	}
	dl_split_free(&split);
	free(x);
	free(y);
	free(xt);
	free(yt);
	th_end();
}

/*
 * Every layer type (the fuzzer's templates) through dl_train with
 * validation rows: the training workspace runs the prediction passes of
 * the validation loss too, so it must hold each layer's prediction
 * scratch as well as its training buffers (layernorm's and batchnorm's
 * statistics live there when predicting).  Then the trained network
 * predicts finite values through a one-row workspace.
 */
static void
test_every_layer_trains(void)
{
	uint64_t	st = 77;

	th_begin("train: every layer type trains with validation rows and predicts after");
	for (int t = 0; t < N_LAYER_MODELS; t++)
	{
		const layer_model *lm = &layer_models[t];
		dl_model	m;
		size_t		n = 40;
		/* a joined template's rows: the ids, then the joined numbers */
		int			branch = (int) dl_shape_size(&lm->input);
		int			d = branch + lm->joined;
		float	   *x = malloc(sizeof(float) * n * d);
		float	   *y = malloc(sizeof(float) * n);
		float		out[3];
		dl_dataset	data;
		dl_split	split;
		dl_train_options o;
		dl_train_result res;
		dl_workspace *ws;

		CHECK_STATUS(build_layer_model(lm, &m), DL_OK);
		for (size_t i = 0; i < n * d; i++)
			x[i] = lm->type == DL_LAYER_EMBEDDING && (int) (i % d) < branch ? (float) (th_rand_u64(&st) % 5) :
				(float) th_rand_normal(&st);
		for (size_t i = 0; i < n; i++)
			y[i] = (float) (i % 3);
		data = (dl_dataset) {x, y, n, d, 3};
		CHECK_STATUS(dl_split_rows(&data, 0.25, 5, true, &split), DL_OK);
		CHECK(split.n_validation > 0);
		dl_train_options_defaults(&o);
		o.loss = DL_LOSS_CE;
		o.batch_size = 8;
		o.epochs = 2;
		CHECK_STATUS(dl_train(&m.net, &o, &data, &split, NULL, NULL, &res), DL_OK);
		if (!isfinite(res.validation_loss))
			th_fail(__FILE__, __LINE__, "%s: validation loss %g", lm->name, res.validation_loss);
		CHECK_STATUS(dl_workspace_create(&m.net, 1, false, &ws), DL_OK);
		dl_network_predict(&m.net, ws, x, 1, out);
		if (!(isfinite(out[0]) && isfinite(out[1]) && isfinite(out[2])))
			th_fail(__FILE__, __LINE__, "%s: predicts %g %g %g", lm->name, out[0], out[1], out[2]);
		dl_workspace_free(ws);
		dl_split_free(&split);
		dl_model_free(&m);
		free(x);
		free(y);
	}
	th_end();
}

void
suite_nn_train(void)
{
	test_transformer_tasks();
	test_rnn_running_total();
	test_cnn_bars();
	test_embedding_tokens();
	test_xor();
	test_three_classes();
	test_regression();
	test_early_stopping();
	test_determinism();
	test_determinism_transformer();
	test_determinism_images_tokens();
	test_divergence();
	test_bad_setups();
	test_init_interruptible();
	test_clip_norm();
	test_running_stats_not_decayed();
	test_sinusoids_not_trained();
	test_split();
	test_predict_paths();
	test_every_layer_trains();
	test_preprocess();
	test_preprocess_large_offset();
}
