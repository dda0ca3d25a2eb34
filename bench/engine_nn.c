/*-------------------------------------------------------------------------
 *
 * engine_nn.c
 *	  Times the neural-network engine without SQL: one epoch of the
 *	  Fashion-MNIST-sized MLP (784-256-128-10, relu, softmax + cross-entropy,
 *	  Adam, batch 128) on 54,000 random rows, the workload PyTorch's CPU
 *	  build runs in about 1.45 s per epoch on one thread.
 *
 * Built and run by `make bench-engine` (OPENBLAS_NUM_THREADS=1 unless set).
 * Prints seconds per epoch, rows per second and the sustained GFLOP/s of
 * the matrix products (forward 2 B in out per dense layer; backward twice
 * that, minus the first layer's input gradient, which is not computed).
 * Optional arguments: epochs (default 3, the first is a warm-up), rows.
 *
 * bench/engine_nn.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dl_nn.h"
#include "engine_hooks.h"

static void
on_epoch(const dl_epoch_report *r, void *arg)
{
	printf("epoch %d/%d: %.3f s, %.0f rows/s, train loss %.4f\n",
		   r->epoch, r->epochs, r->seconds, r->rows_per_second, r->train_loss);
	((double *) arg)[r->epoch - 1] = r->seconds;
}

int
main(int argc, char **argv)
{
	dl_hooks	h = {b_alloc, free, b_error, NULL};
	int			epochs = argc > 1 ? atoi(argv[1]) : 3;
	size_t		n = argc > 2 ? (size_t) atol(argv[2]) : 54000;
	int			d = 784;
	static const int units[3] = {256, 128, 10};
	dl_layer_spec specs[3];
	dl_shape	in = {1, {784}};
	dl_network	net;
	dl_train_options o;
	dl_split	split;
	dl_train_result res;
	float	   *x,
			   *y;
	double	   *seconds;
	double		flop_per_row = 0.0,
				best;
	uint64_t	state = 1;
	dl_rng		rng;

	dl_set_hooks(&h);
	if (epochs < 1)
		epochs = 1;
	seconds = calloc(epochs, sizeof(double));
	for (int i = 0; i < 3; i++)
	{
		int			fan_in = i == 0 ? d : units[i - 1];

		dl_layer_spec_defaults(&specs[i], DL_LAYER_DENSE);
		specs[i].dense.units = units[i];
		specs[i].dense.activation = i == 2 ? DL_ACT_SOFTMAX : DL_ACT_RELU;
		/* forward, weight gradient, and input gradient but for the first layer */
		flop_per_row += 2.0 * fan_in * units[i] * (i == 0 ? 2 : 3);
	}
	dl_network_init(&net, specs, 3, &in);
	dl_network_init_params(&net, 1);

	/* pixel-like inputs in [0, 1) and 10 classes */
	x = malloc(sizeof(float) * n * d);
	y = malloc(sizeof(float) * n);
	dl_rng_seed(&rng, state);
	for (size_t i = 0; i < n * d; i++)
		x[i] = (float) dl_rng_uniform(&rng);
	for (size_t i = 0; i < n; i++)
		y[i] = (float) dl_rng_below(&rng, 10);

	{
		dl_dataset	data = {x, y, n, d, 10};

		dl_split_rows(&data, 0.0, 1, false, &split);
		dl_train_options_defaults(&o);
		o.loss = DL_LOSS_CE;
		o.optimizer = DL_OPT_ADAM;
		o.batch_size = 128;
		o.epochs = epochs;
		o.seed = 1;
		dl_train(&net, &o, &data, &split, on_epoch, seconds, &res);
	}
	best = seconds[epochs > 1 ? 1 : 0];
	for (int e = 1; e < epochs; e++)
		best = seconds[e] < best ? seconds[e] : best;
	printf("MLP 784-256-128-10 relu, Adam, batch 128, %zu rows: best epoch %.3f s "
		   "(%.0f rows/s, %.1f GFLOP/s in the matrix products; PyTorch CPU 1 thread: about 1.45 s)\n",
		   n, best, n / best, flop_per_row * n / best * 1e-9);

	/* pgdl.predict's path: one row at a time through a one-row workspace */
	{
		dl_workspace *ws;
		float		out[10];
		int			rows = 20000;
		struct timespec t0,
					t1;
		double		s;

		dl_workspace_create(&net, 1, false, &ws);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (int i = 0; i < rows; i++)
			dl_network_predict(&net, ws, x + (size_t) (i % n) * d, 1, out);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
		printf("predict one row at a time: %.1f us per row (%zu-byte workspace)\n",
			   s / rows * 1e6, dl_workspace_bytes(&net, 1, false));
		dl_workspace_free(ws);
	}
	dl_split_free(&split);
	dl_network_free(&net);
	free(x);
	free(y);
	free(seconds);
	return 0;
}
