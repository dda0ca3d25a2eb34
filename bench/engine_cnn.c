/*-------------------------------------------------------------------------
 *
 * engine_cnn.c
 *	  Times the convolution layers without SQL: one epoch of the issue's
 *	  Fashion-MNIST CNN (conv 1->16 3x3 relu, maxpool 2, conv 16->32 3x3
 *	  relu, maxpool 2, dense 10; Adam, batch 128) on 60,000 random 28x28
 *	  images, the workload PyTorch's CPU build ran in about 15.7 s per epoch
 *	  on one thread when the issue was written.
 *
 * Built and run by `make bench-cnn` (OPENBLAS_NUM_THREADS=1 unless set).
 * Optional argument: rows (default 60000).  Random data: the time, not the
 * accuracy, is what this measures.
 *
 * bench/engine_cnn.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "dl_nn.h"
#include "engine_hooks.h"

int
main(int argc, char **argv)
{
	dl_hooks	h = {b_alloc, free, b_error, NULL};
	size_t		n = argc > 1 ? (size_t) atol(argv[1]) : 60000;
	dl_shape	in = {3, {1, 28, 28}};
	dl_layer_spec *specs;
	int			ns;
	dl_network	net;
	dl_train_options o;
	dl_train_result res;
	dl_split	split;
	dl_dataset	data;
	dl_rng		rng;
	float	   *x,
			   *y;
	struct timespec t0,
				t1;
	double		seconds;

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
	dl_parse_layers("[{\"type\":\"conv2d\",\"filters\":16,\"kernel\":3,\"activation\":\"relu\"},"
					"{\"type\":\"maxpool2d\",\"pool\":2},"
					"{\"type\":\"conv2d\",\"filters\":32,\"kernel\":3,\"activation\":\"relu\"},"
					"{\"type\":\"maxpool2d\",\"pool\":2},{\"type\":\"flatten\"}]", &specs, &ns);
	dl_complete_output(&specs, &ns, DL_TASK_CLASSIFICATION, 10, DL_LOSS_CE);
	dl_network_init(&net, specs, ns, &in);
	dl_network_init_params(&net, 1);
	data.x = x;
	data.y = y;
	data.n = n;
	data.n_features = 784;
	data.n_classes = 10;
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
	printf("cnn: %zu parameters, one epoch of %zu rows in %.2f s (%.0f rows/s), %.2fx of PyTorch's 15.7 s\n",
		   net.n_params, split.n_train, seconds, split.n_train / seconds, seconds / 15.7 * 60000.0 / split.n_train);
	dl_split_free(&split);
	dl_network_free(&net);
	dl_free(specs);
	free(x);
	free(y);
	return 0;
}
