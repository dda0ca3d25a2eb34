/*-------------------------------------------------------------------------
 *
 * engine_text.c
 *	  Times a masked LSTM over padded token sequences without SQL, with the
 *	  recurrent layers skipping the padded steps (dl_rnn_skip_padding) and
 *	  computing every step, alternately on the same data in one run: the
 *	  shared machine's load then weighs on both sides alike, and the ratio
 *	  is what to read.
 *
 *	  The model is bench/text classify's: embedding (7,000 ids, width 64,
 *	  mask_zero), lstm 64 (last state), dense 8 softmax; Adam, batch 64, one
 *	  BLAS thread unless set.  The documents are random ids with lengths
 *	  like the apt lists' package descriptions (2 to 12 tokens, one in
 *	  twenty 13 to 16: mean 7.3), padded at the end to max_length, or
 *	  (long) 1 to max_length tokens, uniform.
 *
 * Arguments: max_length values (default 32 200); ROWS in the environment
 * sets the rows (default 5000), REPEAT the rounds (default 3), LENGTHS
 * "long" the long documents, ONLY "skip" or "full" one side alone (to
 * profile it).  Prints each epoch's seconds, the ratios'
 * geometric mean, and how far the weights after the epoch lie apart
 * (rounding, which Adam's step magnifies on parameters whose gradients
 * are near zero: with plain SGD they stay within 1e-7).
 *
 * Built by `make bench/engine_text`.
 *
 * bench/engine_text.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dl_nn.h"
#include "nn/nn_kernels.h"
#include "engine_hooks.h"

#define VOCAB 7000
#define CLASSES 8

/* one epoch of a fresh seeded model on the data; the seconds, the weights in params */
static double
epoch(int T, const float *x, const float *y, size_t n, bool skip, float **params,
	  size_t *n_params)
{
	const char *layers = "[{\"type\":\"embedding\",\"input_dim\":7000,\"output_dim\":64,"
		"\"mask_zero\":true},{\"type\":\"lstm\",\"units\":64}]";
	dl_layer_spec *specs;
	int			ns;
	dl_network	net;
	dl_shape	in = {1, {T}};
	dl_train_options o;
	dl_train_result res;
	dl_split	split;
	dl_dataset	data = {x, y, n, T, CLASSES};
	struct timespec t0,
				t1;

	if (dl_parse_layers(layers, &specs, &ns) != DL_OK ||
		dl_complete_output(&specs, &ns, DL_TASK_CLASSIFICATION, CLASSES, DL_LOSS_CE) != DL_OK ||
		dl_network_init(&net, specs, ns, &in) != DL_OK)
	{
		fprintf(stderr, "cannot build the network\n");
		exit(1);
	}
	dl_network_init_params(&net, 42);
	dl_split_rows(&data, 0.0, 42, true, &split);
	dl_train_options_defaults(&o);
	o.loss = DL_LOSS_CE;
	o.batch_size = 64;
	o.learning_rate = 0.005;
	o.epochs = 1;
	o.seed = 42;
	dl_rnn_skip_padding = skip;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	dl_train(&net, &o, &data, &split, NULL, NULL, &res);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*n_params = net.n_params;
	*params = b_alloc(sizeof(float) * net.n_params);
	memcpy(*params, net.params, sizeof(float) * net.n_params);
	dl_split_free(&split);
	dl_network_free(&net);
	dl_free(specs);
	return (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
}

/* ONLY in the environment: "skip" or "full" times that side alone (for a profiler) */
static int	only = -1;

static void
run(int T, size_t n, int repeat, bool long_docs)
{
	float	   *x = b_alloc(sizeof(float) * n * T);
	float	   *y = b_alloc(sizeof(float) * n);
	double		log_ratio = 0.0,
				tokens = 0.0;
	dl_rng		rng;

	dl_rng_seed(&rng, 1);
	for (size_t r = 0; r < n; r++)
	{
		int			len;

		if (long_docs)
			len = 1 + (int) dl_rng_below(&rng, T);
		else if (dl_rng_below(&rng, 20) == 0)
			len = 13 + (int) dl_rng_below(&rng, 4);
		else
			len = 2 + (int) dl_rng_below(&rng, 11);
		if (len > T)
			len = T;
		tokens += len;
		for (int t = 0; t < T; t++)
			x[r * T + t] = t < len ? (float) (1 + dl_rng_below(&rng, VOCAB - 1)) : 0.0f;
		y[r] = (float) dl_rng_below(&rng, CLASSES);
	}
	printf("max_length %d: %zu rows, %.1f tokens a row (%.1f %% of the steps real)\n",
		   T, n, tokens / n, 100.0 * tokens / ((double) n * T));
	for (int k = 0; k < repeat; k++)
	{
		float	   *p[2];
		size_t		np = 0;
		double		s[2],
					worst = 0.0;

		/* alternately: every step first in even rounds, skipping first in odd ones */
		for (int j = 0; j < 2; j++)
		{
			int			skip = (j + k) % 2;

			if (only >= 0 && skip != only)
				continue;
			s[skip] = epoch(T, x, y, n, skip, &p[skip], &np);
		}
		if (only >= 0)
		{
			printf("  round %d: %s %.3f s\n", k + 1, only ? "skipping" : "every step", s[only]);
			free(p[only]);
			continue;
		}
		for (size_t i = 0; i < np; i++)
			worst = fmax(worst, fabs((double) p[0][i] - p[1][i]));
		log_ratio += log(s[0] / s[1]);
		printf("  round %d: every step %.3f s, skipping %.3f s: %.2fx; weights apart by %.2g at most\n",
			   k + 1, s[0], s[1], s[0] / s[1], worst);
		free(p[0]);
		free(p[1]);
	}
	if (only < 0)
		printf("  geometric mean of the ratios (every step / skipping): %.2fx\n",
			   exp(log_ratio / repeat));
	free(x);
	free(y);
}

int
main(int argc, char **argv)
{
	dl_hooks	h = {b_alloc, free, b_error, NULL};
	const char *rows = getenv("ROWS");
	const char *rep = getenv("REPEAT");
	const char *lengths = getenv("LENGTHS");
	size_t		n = rows ? (size_t) atol(rows) : 5000;
	int			repeat = rep ? atoi(rep) : 3;
	bool		long_docs = lengths && strcmp(lengths, "long") == 0;
	const char *side = getenv("ONLY");

	dl_set_hooks(&h);
	if (side)
		only = strcmp(side, "skip") == 0 ? 1 : 0;
	if (n < 64)
		n = 64;
	if (repeat < 1)
		repeat = 1;
	if (argc == 1)
	{
		run(32, n, repeat, long_docs);
		run(200, n, repeat, long_docs);
	}
	for (int a = 1; a < argc; a++)
	{
		int			T = atoi(argv[a]);

		if (T < 1 || T > 10000)
		{
			fprintf(stderr, "engine_text: max_length must be between 1 and 10000\n");
			return 2;
		}
		run(T, n, repeat, long_docs);
	}
	return 0;
}
