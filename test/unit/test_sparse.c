/*
 * test/unit/test_sparse.c: a first dense layer whose last inputs come
 * sparse (dl_network.sparse_inputs, src/core/nn/dense.c), as bag-of-words
 * text features train: its backward pass against finite differences, its
 * forward pass against the dense prediction of the same rows made dense,
 * and training from rows with sparse inputs (dl_train_csr: src/core/nn/
 * stream.c, train.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_test_util.h"

/* n random rows of cols sparse columns, about density of them nonzero, some rows empty */
static dl_csr
random_csr(size_t n, int cols, double density, uint64_t *st)
{
	dl_csr		c;
	size_t		nnz = 0;

	c.n_rows = n;
	c.n_cols = cols;
	c.ptr = malloc(sizeof(uint64_t) * (n + 1));
	c.col = malloc(sizeof(int32_t) * (n * (size_t) cols + 1));
	c.val = malloc(sizeof(float) * (n * (size_t) cols + 1));
	c.ptr[0] = 0;
	for (size_t r = 0; r < n; r++)
	{
		for (int j = 0; j < cols; j++)
			if (r % 4 != 3 && th_rand_uniform(st) < density)
			{
				c.col[nnz] = j;
				c.val[nnz++] = (float) th_rand_normal(st);
			}
		c.ptr[r + 1] = nnz;
	}
	return c;
}

static void
free_csr(dl_csr *c)
{
	free(c->ptr);
	free(c->col);
	free(c->val);
}

/* rows of x (d dense values each) followed by their sparse values made dense */
static float *
densify(const float *x, int d, const dl_csr *c)
{
	size_t		w = (size_t) d + c->n_cols;
	float	   *out = calloc(c->n_rows * w + 1, sizeof(float));

	for (size_t r = 0; r < c->n_rows; r++)
	{
		memcpy(out + r * w, x + r * d, sizeof(float) * d);
		for (uint64_t k = c->ptr[r]; k < c->ptr[r + 1]; k++)
			out[r * w + d + c->col[k]] = c->val[k];
	}
	return out;
}

/* the checked scalar: a fixed projection of the network's output on the batch */
typedef struct sparse_check
{
	dl_network	net;
	dl_workspace *ws;
	const float *x;
	int			batch;
	const float *w;
} sparse_check;

static double
sc_value(sparse_check *g, float *dout)
{
	size_t		k = dl_shape_size(&g->net.output_shape);
	const float *out = dl_forward_train(&g->net, g->ws, g->x, g->batch, false);
	double		v = 0.0;

	for (size_t i = 0; i < k * g->batch; i++)
	{
		v += (double) g->w[i] * out[i];
		if (dout)
			dout[i] = g->w[i];
	}
	return v;
}

static void
test_sparse_gradients(void)
{
	static const dl_activation acts[] = {DL_ACT_LINEAR, DL_ACT_TANH, DL_ACT_GELU};

	th_begin("sparse inputs: the first dense layer's gradients (dense and sparse weights, bias) against finite differences");
	for (int a = 0; a < 3; a++)
		for (int dense_in = 0; dense_in <= 3; dense_in += 3)
		{
			uint64_t	st = 300 + a * 7 + dense_in;
			int			cols = 9;
			int			batch = 5;
			dl_csr		c = random_csr(12, cols, 0.3, &st);
			uint32_t	rows[5] = {7, 2, 11, 0, 3};	/* row 3 and 11 are empty (r % 4 == 3) */
			dl_layer_spec s[2] = {spec_dense(4, acts[a]), spec_dense(2, DL_ACT_LINEAR)};
			sparse_check g;
			float	   *x = random_floats((size_t) batch * dense_in, 1.0, &st);
			double		gmax = 0.0;
			bool		ok = true;
			const dl_layer *l0;

			memset(&g, 0, sizeof(g));
			if (!build_net(&g.net, s, 2, shape1(dense_in + cols), st))
				continue;
			g.net.sparse_inputs = cols;
			CHECK_STATUS(dl_network_check_sparse(&g.net), DL_OK);
			for (size_t j = 0; j < g.net.n_params; j++)
				g.net.params[j] += (float) (0.3 * th_rand_normal(&st));
			CHECK_STATUS(dl_workspace_create(&g.net, batch, true, &g.ws), DL_OK);
			g.ws->sparse.csr = &c;
			g.ws->sparse.rows = rows;
			g.x = x;
			g.batch = batch;
			g.w = random_floats(2 * (size_t) batch, 1.0, &st);
			sc_value(&g, g.ws->d0);
			memset(g.ws->grads, 0, sizeof(float) * g.net.n_params);
			dl_backward(&g.net, g.ws, batch, false, NULL);

			l0 = &g.net.layers[0];
			for (size_t j = 0; j < g.net.n_params && ok; j++)
			{
				float		saved = g.net.params[j];
				double		plus,
							minus,
							num,
							an = g.ws->grads[j];
				float	   *grads = malloc(sizeof(float) * g.net.n_params);

				/* the forward passes below do not touch the gradients, but keep them apart */
				memcpy(grads, g.ws->grads, sizeof(float) * g.net.n_params);
				g.net.params[j] = saved + 2e-3f;
				plus = sc_value(&g, NULL);
				g.net.params[j] = saved - 2e-3f;
				minus = sc_value(&g, NULL);
				g.net.params[j] = saved;
				num = (plus - minus) / ((double) (saved + 2e-3f) - (double) (saved - 2e-3f));
				an = grads[j];
				free(grads);
				gmax = fmax(gmax, fabs(num));
				if (!(fabs(an - num) <= 1e-2 * fmax(fabs(an), fabs(num)) + 2e-3))
				{
					th_fail(__FILE__, __LINE__, "%s, %d dense inputs: parameter %zu: analytic %.7g, numeric %.7g",
							dl_activation_name(acts[a]), dense_in, j, an, num);
					ok = false;
				}
			}
			CHECK(gmax > 0.0);
			/* a sparse column no batch row holds gets no gradient, and none is computed */
			for (int col = 0; col < cols; col++)
			{
				bool		used = false;

				for (int i = 0; i < batch; i++)
					for (uint64_t k = c.ptr[rows[i]]; k < c.ptr[rows[i] + 1]; k++)
						used |= c.col[k] == col;
				if (!used)
					for (int u = 0; u < 4; u++)
						CHECK(g.ws->grads[l0->param_offset + (size_t) (dense_in + col) * 4 + u] == 0.0f);
			}
			free((void *) g.w);
			free(x);
			dl_workspace_free(g.ws);
			dl_network_free(&g.net);
			free_csr(&c);
		}
	th_end();
}

static void
test_sparse_equals_dense(void)
{
	uint64_t	st = 41;
	size_t		n = 30;
	int			d = 2,
				cols = 50;
	dl_csr		c = random_csr(n, cols, 0.05, &st);
	float	   *x = random_floats(n * d, 1.0, &st);
	float	   *full = densify(x, d, &c);
	dl_layer_spec s[2] = {spec_dense(6, DL_ACT_RELU), spec_dense(3, DL_ACT_SOFTMAX)};
	dl_network	net;
	dl_workspace *ws,
			   *pws;
	float	   *y = calloc(n * 10, sizeof(float));
	float	   *sparse_out = calloc(n * 3, sizeof(float));
	float	   *dense_out = calloc(n * 3, sizeof(float));
	dl_dataset	data;
	dl_split	split;
	dl_train_options o;
	dl_train_result res;
	double		loss_sparse,
				loss_dense,
				metric;
	float		worst = 0.0f;

	th_begin("sparse inputs: the sparse forward pass equals prediction on the rows made dense; training and evaluation take them");
	for (size_t r = 0; r < n; r++)
		y[r] = (float) (r % 3);
	if (!build_net(&net, s, 2, shape1(d + cols), 5))
		return;
	/* the prediction of the dense rows, before sparse_inputs is set */
	CHECK_STATUS(dl_workspace_create(&net, 7, false, &pws), DL_OK);
	dl_network_predict(&net, pws, full, (int) n, dense_out);
	/* a training workspace holds the dense inputs of a batch only */
	{
		size_t		all = dl_workspace_bytes(&net, 64, true);

		net.sparse_inputs = cols;
		CHECK(dl_workspace_bytes(&net, 64, true) + 64 * sizeof(float) * cols <= all);
	}
	CHECK_STATUS(dl_workspace_create(&net, (int) n, true, &ws), DL_OK);
	ws->sparse.csr = &c;
	ws->sparse.rows = NULL;
	ws->sparse.first = 0;
	dl_forward_infer(&net, ws, x, (int) n, sparse_out, false);
	for (size_t i = 0; i < n * 3; i++)
		worst = fmaxf(worst, fabsf(sparse_out[i] - dense_out[i]));
	CHECK(worst < 1e-6f);

	/* the loss measured from the sparse rows equals that of the dense rows */
	memset(&data, 0, sizeof(data));
	data.x = x;
	data.y = y;
	data.n = n;
	data.n_features = d;
	data.n_classes = 3;
	dl_train_options_defaults(&o);
	o.loss = DL_LOSS_CE;
	CHECK_STATUS(dl_evaluate_loss_csr(&net, &o, &data, &c, NULL, 0, &loss_sparse, &metric), DL_OK);
	net.sparse_inputs = 0;
	{
		dl_dataset	dd = data;

		dd.x = full;
		dd.n_features = d + cols;
		CHECK_STATUS(dl_evaluate_loss(&net, &o, &dd, NULL, 0, &loss_dense, &metric), DL_OK);
		CHECK_NEAR(loss_sparse, loss_dense, 1e-5);
		/* a network that takes no sparse inputs refuses data that has some */
		th_clear_error();
		CHECK_STATUS(dl_evaluate_loss_csr(&net, &o, &data, &c, NULL, 0, &loss_dense, &metric), DL_EDIM);
	}
	net.sparse_inputs = cols;

	/* training on shuffled batches of the sparse rows, with validation */
	o.epochs = 3;
	o.batch_size = 4;
	o.seed = 9;
	CHECK_STATUS(dl_split_rows(&data, 0.2, 9, true, &split), DL_OK);
	CHECK_STATUS(dl_train_csr(&net, &o, &data, &c, &split, NULL, NULL, &res), DL_OK);
	CHECK(res.epochs_run == 3 && isfinite(res.train_loss) && isfinite(res.validation_loss));
	/* after training too, the sparse pass equals the dense prediction */
	dl_forward_infer(&net, ws, x, (int) n, sparse_out, false);
	net.sparse_inputs = 0;
	dl_network_predict(&net, pws, full, (int) n, dense_out);
	worst = 0.0f;
	for (size_t i = 0; i < n * 3; i++)
		worst = fmaxf(worst, fabsf(sparse_out[i] - dense_out[i]));
	CHECK(worst < 1e-6f);

	/* a first layer that is not dense cannot take sparse inputs */
	{
		dl_layer_spec s2[2] = {spec_dropout(0.1f), spec_dense(3, DL_ACT_SOFTMAX)};
		dl_network	bad;

		if (build_net(&bad, s2, 2, shape1(d + cols), 5))
		{
			bad.sparse_inputs = cols;
			th_clear_error();
			CHECK_STATUS(dl_network_check_sparse(&bad), DL_EINVAL);
			CHECK_STATUS(dl_train_csr(&bad, &o, &data, &c, &split, NULL, NULL, &res), DL_EINVAL);
			dl_network_free(&bad);
		}
	}
	dl_split_free(&split);
	dl_workspace_free(ws);
	dl_workspace_free(pws);
	dl_network_free(&net);
	free(y);
	free(sparse_out);
	free(dense_out);
	free(full);
	free(x);
	free_csr(&c);
	th_end();
}

static void
test_sparse_learns(void)
{
	/* class = which of two word groups a row holds; no dense inputs at all */
	size_t		n = 200;
	int			cols = 40;
	uint64_t	st = 77;
	dl_csr		c;
	float	   *y = malloc(sizeof(float) * n);
	size_t		nnz = 0;
	dl_layer_spec s[1] = {spec_dense(1, DL_ACT_SIGMOID)};
	dl_network	net;
	dl_dataset	data;
	dl_split	split;
	dl_train_options o;
	dl_train_result res;
	double		loss,
				acc;

	th_begin("sparse inputs: a linear model learns a separable bag of words from sparse rows only");
	c.n_rows = n;
	c.n_cols = cols;
	c.ptr = malloc(sizeof(uint64_t) * (n + 1));
	c.col = malloc(sizeof(int32_t) * n * 3);
	c.val = malloc(sizeof(float) * n * 3);
	c.ptr[0] = 0;
	for (size_t r = 0; r < n; r++)
	{
		int			cls = (int) (r % 2);

		y[r] = (float) cls;
		for (int k = 0; k < 3; k++)
		{
			/* three distinct words of the row's half of the vocabulary, ascending */
			c.col[nnz] = cls * 20 + k * 6 + (int) (th_rand_u64(&st) % 6);
			c.val[nnz++] = 1.0f;
		}
		c.ptr[r + 1] = nnz;
	}
	if (!build_net(&net, s, 1, shape1(cols), 3))
		return;
	net.sparse_inputs = cols;
	memset(&data, 0, sizeof(data));
	data.y = y;
	data.n = n;
	data.n_features = 0;
	data.n_classes = 2;
	dl_train_options_defaults(&o);
	o.loss = DL_LOSS_BCE;
	o.learning_rate = 0.1f;
	o.epochs = 10;
	o.batch_size = 16;
	CHECK_STATUS(dl_split_rows(&data, 0.25, 3, true, &split), DL_OK);
	CHECK_STATUS(dl_train_csr(&net, &o, &data, &c, &split, NULL, NULL, &res), DL_OK);
	CHECK_STATUS(dl_evaluate_loss_csr(&net, &o, &data, &c, split.validation, split.n_validation,
									  &loss, &acc), DL_OK);
	CHECK(acc == 1.0);
	dl_split_free(&split);
	dl_network_free(&net);
	free_csr(&c);
	free(y);
	th_end();
}

void
suite_sparse(void)
{
	test_sparse_gradients();
	test_sparse_equals_dense();
	test_sparse_learns();
}
