/*-------------------------------------------------------------------------
 *
 * engine_seq.c
 *	  Times the sequence layers without SQL: one epoch of the issue's
 *	  Fashion-MNIST sequence models on random images read as 28 steps x 28
 *	  features (Adam, batch 128, 1 BLAS thread unless set):
 *		lstm         lstm 128, last state, dense 10
 *		transformer  dense 64 on each step, one transformer_encoder (4 heads,
 *		             feed-forward 128, relu, post-norm, dropout 0.1), mean
 *		             over the steps, dense 10
 *
 * Built and run by `make bench-seq`.  Arguments: the model (both when
 * left out) and the rows (default 60000).  Random data: the time, not the
 * accuracy, is what this measures.
 *
 * bench/engine_seq.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dl_nn.h"
#include "engine_hooks.h"

static const char *const models[][2] = {
	{"lstm", "[{\"type\":\"lstm\",\"units\":128}]"},
	{"transformer", "[{\"type\":\"dense\",\"units\":64},"
	 "{\"type\":\"transformer_encoder\",\"heads\":4,\"ff_dim\":128,\"dropout\":0.1},"
	 "{\"type\":\"global_avgpool\"}]"}
};

static void
run(const char *name, const char *layers, float *x, float *y, size_t n)
{
	dl_shape	in = {2, {28, 28}};
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
		dl_network_init(&net, specs, ns, &in) != DL_OK)
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
	const char *only = argc > 1 ? argv[1] : NULL;
	size_t		n = argc > 2 ? (size_t) atol(argv[2]) : 60000;
	dl_rng		rng;
	float	   *x,
			   *y;

	dl_set_hooks(&h);
	if (n < 128)
		n = 128;
	x = b_alloc(sizeof(float) * 784 * n);
	y = b_alloc(sizeof(float) * n);
	dl_rng_seed(&rng, 1);
	for (size_t i = 0; i < 784 * n; i++)
		x[i] = (float) dl_rng_uniform(&rng);
	for (size_t i = 0; i < n; i++)
		y[i] = (float) dl_rng_below(&rng, 10);
	for (int m = 0; m < 2; m++)
		if (only == NULL || strcmp(only, models[m][0]) == 0)
			run(models[m][0], models[m][1], x, y, n);
	free(x);
	free(y);
	return 0;
}
