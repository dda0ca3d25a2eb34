/*-------------------------------------------------------------------------
 *
 * engine_layers.c
 *	  Times the convolution, recurrent and attention layers without SQL: one
 *	  epoch (Adam, batch 128, 1 BLAS thread unless set) of the issue's
 *	  Fashion-MNIST models on 60,000 random 28x28 images:
 *		cnn          conv 1->16 3x3 relu, maxpool 2, conv 16->32 3x3 relu,
 *		             maxpool 2, dense 10 (input_shape [1, 28, 28])
 *		lstm         lstm 128, last state, dense 10 (28 steps x 28 features)
 *		transformer  dense 64 on each step, one transformer_encoder (4 heads,
 *		             feed-forward 128, relu, post-norm, dropout 0.1), mean
 *		             over the steps, dense 10
 *
 * Built and run by `make bench-cnn` and `make bench-seq`.  Arguments: the
 * models (all three when left out); ROWS in the environment sets the rows
 * (default 60000).  Random data: the time, not the accuracy, is what this
 * measures.
 *
 * bench/engine_layers.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dl_nn.h"
#include "engine_hooks.h"

static const struct
{
	const char *name;
	dl_shape	input;
	const char *layers;
}			models[] = {
	{"cnn", {3, {1, 28, 28}},
		"[{\"type\":\"conv2d\",\"filters\":16,\"kernel\":3,\"activation\":\"relu\"},"
		"{\"type\":\"maxpool2d\",\"pool\":2},"
		"{\"type\":\"conv2d\",\"filters\":32,\"kernel\":3,\"activation\":\"relu\"},"
	"{\"type\":\"maxpool2d\",\"pool\":2},{\"type\":\"flatten\"}]"},
	{"lstm", {2, {28, 28}}, "[{\"type\":\"lstm\",\"units\":128}]"},
	{"transformer", {2, {28, 28}}, "[{\"type\":\"dense\",\"units\":64},"
		"{\"type\":\"transformer_encoder\",\"heads\":4,\"ff_dim\":128,\"dropout\":0.1},"
	"{\"type\":\"global_avgpool\"}]"}
};

#define N_MODELS ((int) (sizeof(models) / sizeof(models[0])))

static void
run(const char *name, const dl_shape *in, const char *layers, float *x, float *y, size_t n)
{
	dl_layer_spec *specs;
	int			ns;
	dl_network	net;
	dl_train_options o;
	dl_train_result res;
	dl_split	split;
	dl_dataset	data = {x, y, n, 784, 10};
	struct timespec t0,
				t1;
	double		seconds;

	if (dl_parse_layers(layers, &specs, &ns) != DL_OK ||
		dl_complete_output(&specs, &ns, DL_TASK_CLASSIFICATION, 10, DL_LOSS_CE) != DL_OK ||
		dl_network_init(&net, specs, ns, in) != DL_OK)
	{
		fprintf(stderr, "%s: cannot build the network\n", name);
		exit(1);
	}
	dl_network_init_params(&net, 1);
	dl_split_rows(&data, 0.0, 1, true, &split);
	dl_train_options_defaults(&o);
	o.loss = DL_LOSS_CE;
	o.batch_size = 128;
	o.epochs = 1;
	o.seed = 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	dl_train(&net, &o, &data, &split, NULL, NULL, &res);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	seconds = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
	printf("%s: %zu parameters, one epoch of %zu rows in %.2f s (%.0f rows/s)\n",
		   name, net.n_params, split.n_train, seconds, split.n_train / seconds);
	dl_split_free(&split);
	dl_network_free(&net);
	dl_free(specs);
}

int
main(int argc, char **argv)
{
	dl_hooks	h = {b_alloc, free, b_error, NULL};
	const char *rows = getenv("ROWS");
	size_t		n = rows ? (size_t) atol(rows) : 60000;
	dl_rng		rng;
	float	   *x,
			   *y;

	dl_set_hooks(&h);
	for (int a = 1; a < argc; a++)
	{
		int			m = 0;

		while (m < N_MODELS && strcmp(argv[a], models[m].name) != 0)
			m++;
		if (m == N_MODELS)
		{
			fprintf(stderr, "engine_layers: unknown model \"%s\" (cnn, lstm, transformer)\n", argv[a]);
			return 2;
		}
	}
	if (n < 128)
		n = 128;
	x = b_alloc(sizeof(float) * 784 * n);
	y = b_alloc(sizeof(float) * n);
	dl_rng_seed(&rng, 1);
	for (size_t i = 0; i < 784 * n; i++)
		x[i] = (float) dl_rng_uniform(&rng);
	for (size_t i = 0; i < n; i++)
		y[i] = (float) dl_rng_below(&rng, 10);
	for (int m = 0; m < N_MODELS; m++)
	{
		bool		chosen = argc == 1;

		for (int a = 1; a < argc; a++)
			chosen |= strcmp(argv[a], models[m].name) == 0;
		if (chosen)
			run(models[m].name, &models[m].input, models[m].layers, x, y, n);
	}
	free(x);
	free(y);
	return 0;
}
