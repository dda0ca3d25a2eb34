/*-------------------------------------------------------------------------
 *
 * test_train_state.c
 *	  The state of data-parallel training (src/core/nn/train_state.c) and
 *	  its merge (src/core/nn/average.c).
 *
 * The merge is a weighted average by rows (checked on constant parameters
 * whose average is known), the same in any order up to float rounding, and
 * a partial without rows changes nothing.  One process training one round
 * on every row through the buffer is serial training's first epoch bit for
 * bit.  The checker refuses every truncation, a wrong magic, a newer
 * version, counts that disagree with the size and non-finite values.
 *
 * test/unit/test_train_state.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_test_util.h"
#include "dl_train_state.h"

static const uint8_t model_bytes[] = "not read by the state";

/* a state of n_params parameters all p (moments p/10 and p/100), that trained rows rows */
static dl_tstate *
make_state(size_t n_params, float p, int64_t rows, int64_t step, int buffer_rows)
{
	dl_train_options o;
	size_t		bytes;
	dl_tstate  *s;

	dl_train_options_defaults(&o);
	bytes = dl_tstate_bytes(sizeof(model_bytes), n_params, 2, 3, buffer_rows);
	s = malloc(bytes);
	dl_tstate_init(s, model_bytes, sizeof(model_bytes), n_params, NULL, NULL, step, 3, buffer_rows,
				   &o, 0.1, 42, DL_TSTATE_TRAIN);
	for (size_t i = 0; i < n_params; i++)
	{
		dl_tstate_params(s)[i] = p;
		dl_tstate_moment(s, 0)[i] = p / 10;
		dl_tstate_moment(s, 1)[i] = p / 100;
	}
	s->rows = rows;
	s->loss_sum = (double) rows;
	return s;
}

static void
test_weighted_average(void)
{
	dl_tstate  *a = make_state(5, 1.0f, 10, 100, 0);
	dl_tstate  *b = make_state(5, 4.0f, 30, 200, 0);
	dl_tstate  *z = make_state(5, 9.0f, 0, 7, 0);
	const char *why;

	th_begin("train state: the merge averages parameters and moments weighted by rows");
	CHECK_STATUS(dl_tstate_compatible(a, b, &why), DL_OK);
	dl_tstate_merge(a, b);
	for (int i = 0; i < 5; i++)
	{
		CHECK_NEAR(dl_tstate_params(a)[i], 3.25, 1e-6);	/* (10 * 1 + 30 * 4) / 40 */
		CHECK_NEAR(dl_tstate_moment(a, 0)[i], 0.325, 1e-7);
		CHECK_NEAR(dl_tstate_moment(a, 1)[i], 0.0325, 1e-8);
	}
	CHECK(a->rows == 40);
	CHECK(a->step == 175);		/* 0.25 * 100 + 0.75 * 200 */
	CHECK(a->partials == 2);
	CHECK_NEAR(a->loss_sum, 40.0, 0);
	/* a partial that trained no row adds its counts, not its weights */
	dl_tstate_merge(a, z);
	CHECK_NEAR(dl_tstate_params(a)[0], 3.25, 1e-6);
	CHECK(a->step == 175 && a->partials == 3 && a->rows == 40);
	/* and merged into, it takes the other's weights exactly */
	dl_tstate_merge(z, b);
	CHECK(dl_tstate_params(z)[0] == 4.0f && z->step == 200);
	th_end();
	free(a);
	free(b);
	free(z);
}

static void
test_merge_order(void)
{
	enum
	{
		NP = 257
	};
	uint64_t	rs = 99;
	dl_tstate  *s[3][3];		/* three copies of three partials */
	int64_t		rows[3] = {1000, 37, 5000};
	float		orig[3][NP];
	double		worst = 0,
				worst_exact = 0;

	th_begin("train state: merging in any order gives the same model up to float rounding");
	for (int c = 0; c < 3; c++)
		for (int k = 0; k < 3; k++)
			s[c][k] = make_state(NP, 0, rows[k], 10 * (k + 1), 0);
	for (int k = 0; k < 3; k++)
		for (int i = 0; i < NP; i++)
		{
			float		v = (float) th_rand_normal(&rs);

			orig[k][i] = v;
			for (int c = 0; c < 3; c++)
				dl_tstate_params(s[c][k])[i] = v;
		}
	/* (0 + 1) + 2, 0 + (1 + 2), (2 + 0) + 1 */
	dl_tstate_merge(s[0][0], s[0][1]);
	dl_tstate_merge(s[0][0], s[0][2]);
	dl_tstate_merge(s[1][1], s[1][2]);
	dl_tstate_merge(s[1][0], s[1][1]);
	dl_tstate_merge(s[2][2], s[2][0]);
	dl_tstate_merge(s[2][2], s[2][1]);
	for (int i = 0; i < NP; i++)
	{
		double		exact = 0,
					scale = 0;

		/* rounding errors scale with the largest term, not with the mean */
		for (int k = 0; k < 3; k++)
		{
			exact += (double) rows[k] * orig[k][i] / 6037.0;
			scale = fmax(scale, fabs(orig[k][i]));
		}
		worst_exact = fmax(worst_exact, fabs(dl_tstate_params(s[0][0])[i] - exact) / scale);
		for (int c = 1; c < 3; c++)
		{
			float		a = dl_tstate_params(s[0][0])[i];
			float		b = dl_tstate_params(c == 1 ? s[1][0] : s[2][2])[i];
			double		d = fabs((double) a - b) / fmax(fabs(orig[0][i]), fmax(fabs(orig[1][i]), fabs(orig[2][i])));

			if (d > worst)
				worst = d;
		}
	}
	printf("# merge order: worst difference %.2g, worst error against the exact mean %.2g (of the largest term)\n",
		   worst, worst_exact);
	CHECK(worst < 1e-6);
	CHECK(worst_exact < 1e-6);
	CHECK(s[0][0]->rows == 6037 && s[1][0]->rows == 6037 && s[2][2]->rows == 6037);
	CHECK(s[0][0]->step == s[1][0]->step && s[1][0]->step == s[2][2]->step);
	th_end();
	for (int c = 0; c < 3; c++)
		for (int k = 0; k < 3; k++)
			free(s[c][k]);
}

static void
test_check(void)
{
	dl_tstate  *s = make_state(4, 0.5f, 3, 1, 4);
	size_t		len = s->total_bytes;
	uint8_t    *copy = malloc(len);
	const char *why;
	int			failures = 0;

	th_begin("train state: the checker accepts a state and refuses damaged ones (22P03)");
	CHECK_STATUS(dl_tstate_check(s, len, &why), DL_OK);
	for (size_t cut = 0; cut < len; cut++)
		if (dl_tstate_check(s, cut, &why) != DL_EFORMAT)
			failures++;
	CHECK(failures == 0);
	memcpy(copy, s, len);
	copy[0] ^= 1;
	CHECK_STATUS(dl_tstate_check(copy, len, &why), DL_EFORMAT);
	memcpy(copy, s, len);
	((dl_tstate *) copy)->version = DL_TSTATE_VERSION + 1;
	CHECK_STATUS(dl_tstate_check(copy, len, &why), DL_EVERSION);
	memcpy(copy, s, len);
	((dl_tstate *) copy)->n_params = (uint64_t) 1 << 60;
	CHECK_STATUS(dl_tstate_check(copy, len, &why), DL_EFORMAT);
	memcpy(copy, s, len);
	((dl_tstate *) copy)->pending = 5;	/* more than the buffer holds */
	CHECK_STATUS(dl_tstate_check(copy, len, &why), DL_EFORMAT);
	memcpy(copy, s, len);
	dl_tstate_params((dl_tstate *) copy)[3] = NAN;
	CHECK_STATUS(dl_tstate_check(copy, len, &why), DL_EFORMAT);
	memcpy(copy, s, len);
	dl_tstate_moment((dl_tstate *) copy, 1)[0] = INFINITY;
	CHECK_STATUS(dl_tstate_check(copy, len, &why), DL_EFORMAT);
	memcpy(copy, s, len);
	((dl_tstate *) copy)->learning_rate = -1;
	CHECK_STATUS(dl_tstate_check(copy, len, &why), DL_EFORMAT);
	memcpy(copy, s, len);
	((dl_tstate *) copy)->rows = INT64_C(1) << 60;	/* merges could overflow the sum */
	CHECK_STATUS(dl_tstate_check(copy, len, &why), DL_EFORMAT);
	memcpy(copy, s, len);
	((dl_tstate *) copy)->partials = 1 << 30;
	CHECK_STATUS(dl_tstate_check(copy, len, &why), DL_EFORMAT);
	memcpy(copy, s, len);
	((dl_tstate *) copy)->loss_sum = NAN;
	CHECK_STATUS(dl_tstate_check(copy, len, &why), DL_EFORMAT);
	/* a copy with a larger buffer keeps everything and checks */
	{
		size_t		big = dl_tstate_bytes(s->model_len, 4, 2, 3, 16);
		dl_tstate  *c = malloc(big);
		float		row[3] = {1, 2, 3};

		dl_tstate_add_row(s, row, 1);
		dl_tstate_copy(c, s, 16);
		CHECK_STATUS(dl_tstate_check(c, big, &why), DL_OK);
		CHECK(c->pending == 1 && dl_tstate_x(c)[2] == 3 && dl_tstate_y(c)[0] == 1);
		CHECK(memcmp(dl_tstate_params(c), dl_tstate_params(s), 4 * sizeof(float)) == 0);
		free(c);
	}
	th_end();
	free(copy);
	free(s);
}

/* y = 2 x0 - x1 + noise, 3 inputs (the last one unused) */
static void
make_rows(float *x, float *y, int n)
{
	uint64_t	rs = 5;

	for (int i = 0; i < n; i++)
	{
		for (int j = 0; j < 3; j++)
			x[i * 3 + j] = (float) th_rand_normal(&rs);
		y[i] = 2 * x[i * 3] - x[i * 3 + 1] + 0.1f * (float) th_rand_normal(&rs);
	}
}

static void
test_one_process_is_serial(void)
{
	enum
	{
		N = 203
	};
	float		x[N * 3],
				y[N];
	dl_layer_spec sp[3] = {spec_dense(8, DL_ACT_RELU), {0}, spec_dense(1, DL_ACT_LINEAR)};
	dl_network	serial,
				par;
	dl_train_options o;
	dl_dataset	data;
	dl_split	split;
	dl_train_result res;
	dl_tstate  *s;
	dl_workspace *ws;

	th_begin("train state: one process, one round, every row in the buffer: serial epoch 1 bit for bit");
	sp[1].type = DL_LAYER_DROPOUT;
	sp[1].dropout.rate = 0.2f;
	make_rows(x, y, N);
	if (!build_net(&serial, sp, 3, shape1(3), 11) || !build_net(&par, sp, 3, shape1(3), 11))
	{
		th_end();
		return;
	}
	dl_train_options_defaults(&o);
	o.batch_size = 16;
	o.epochs = 1;
	o.seed = 1234;
	o.clip_norm = 5;
	data.x = x;
	data.y = y;
	data.n = N;
	data.n_features = 3;
	data.n_classes = 0;
	memset(&split, 0, sizeof(split));
	split.train = malloc(sizeof(uint32_t) * N);
	for (int i = 0; i < N; i++)
		split.train[i] = (uint32_t) i;
	split.n_train = N;
	CHECK_STATUS(dl_train(&serial, &o, &data, &split, NULL, NULL, &res), DL_OK);

	s = malloc(dl_tstate_bytes(sizeof(model_bytes), par.n_params, 2, 3, N));
	dl_tstate_init(s, model_bytes, sizeof(model_bytes), par.n_params, par.params, NULL, 0, 3, N,
				   &o, 0, o.seed, DL_TSTATE_TRAIN);
	for (int i = 0; i < N; i++)
		CHECK(dl_tstate_add_row(s, x + i * 3, y[i]) == (i == N - 1));
	CHECK_STATUS(dl_workspace_create_mode(&par, o.batch_size, DL_WS_TRAIN, &ws), DL_OK);
	dl_rng_seed(&ws->rng, s->dropout_seed);
	free(par.params);
	par.params = dl_tstate_params(s);
	CHECK_STATUS(dl_tstate_train_pending(s, &par, ws), DL_OK);
	CHECK(s->rows == N && s->pending == 0 && s->step == (N + 15) / 16);
	CHECK(memcmp(par.params, serial.params, sizeof(float) * par.n_params) == 0);
	CHECK_NEAR(s->loss_sum / s->rows, res.train_loss, 1e-12);
	par.params = NULL;
	dl_workspace_free(ws);
	dl_network_free(&par);
	dl_network_free(&serial);
	free(split.train);
	free(s);
	th_end();
}

void
suite_train_state(void)
{
	test_weighted_average();
	test_merge_order();
	test_check();
	test_one_process_is_serial();
}
