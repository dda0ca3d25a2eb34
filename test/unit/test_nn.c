/*-------------------------------------------------------------------------
 *
 * test_nn.c
 *	  The neural-network kernels: sgemm against the reference, activation
 *	  values, finite-difference gradient checks of every layer and loss,
 *	  loss values computed by hand, and one step of each optimizer.
 *
 * Gradient checks run a small network through the training passes of
 * forward.c (so the driver is checked with the kernels) and compare the
 * backward pass with central differences of a scalar: the loss, or a fixed
 * random projection sum_i w_i out_i of the output.  Outputs are float32, so
 * the step is a few thousandths and the tolerance is relative to the
 * largest gradient of the check (about 1e-2).
 *
 * test/unit/test_nn.c
 *
 *-------------------------------------------------------------------------
 */
#include <float.h>

#include "nn_test_util.h"

/* ---- sgemm ---------------------------------------------------------------- */

static void
test_sgemm(void)
{
	uint64_t	st = 11;
	static const int sizes[] = {1, 2, 3, 7, 16, 33, 65};
	int			ns = (int) (sizeof(sizes) / sizeof(sizes[0]));
	int			cases = 0;

	th_begin("sgemm: OpenBLAS equals the naive reference for every transpose, odd sizes, alpha, beta");
	for (int im = 0; im < ns; im++)
		for (int in = 0; in < ns; in++)
			for (int ik = 0; ik < ns; ik += 2)
				for (int t = 0; t < 4; t++)
				{
					int			m = sizes[im],
								n = sizes[in],
								k = sizes[ik];
					bool		ta = t & 1,
								tb = t & 2;
					/* leading dimensions with padding, as a sub-matrix would have */
					int			lda = (ta ? m : k) + 3,
								ldb = (tb ? k : n) + 1,
								ldc = n + 2;
					size_t		na = (size_t) (ta ? k : m) * lda,
								nb = (size_t) (tb ? n : k) * ldb,
								nc = (size_t) m * ldc;
					float	   *a = random_floats(na, 1.0, &st);
					float	   *b = random_floats(nb, 1.0, &st);
					float	   *c1 = random_floats(nc, 1.0, &st);
					float	   *c2 = malloc(sizeof(float) * nc);
					float		alpha = (cases % 3 == 0) ? 1.0f : (float) th_rand_normal(&st);
					float		beta = (cases % 4 == 0) ? 0.0f : (cases % 4 == 1 ? 1.0f : (float) th_rand_normal(&st));
					double		worst = 0.0;

					/* beta = 0 must ignore what C held, even NaN */
					if (beta == 0.0f)
						for (size_t i = 0; i < nc; i++)
							c1[i] = NAN;
					memcpy(c2, c1, sizeof(float) * nc);
					dl_sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c1, ldc);
					dl_sgemm_ref(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c2, ldc);
					for (int i = 0; i < m; i++)
						for (int j = 0; j < n; j++)
						{
							double		d = fabs((double) c1[(size_t) i * ldc + j] - c2[(size_t) i * ldc + j]);

							/* entries are sums of k products of N(0,1) values */
							if (!(d <= 1e-5 * (k + 2) * (fabs(alpha) + 1) + 1e-5))
								d = INFINITY;
							worst = d > worst ? d : worst;
						}
					/* the padding of C stays untouched */
					for (int i = 0; i < m; i++)
						for (int j = n; j < ldc; j++)
							if (memcmp(&c1[(size_t) i * ldc + j], &c2[(size_t) i * ldc + j], sizeof(float)) != 0)
								worst = INFINITY;
					if (worst == INFINITY)
						th_fail(__FILE__, __LINE__, "sgemm m=%d n=%d k=%d trans_a=%d trans_b=%d alpha=%g beta=%g differs",
								m, n, k, ta, tb, alpha, beta);
					free(a);
					free(b);
					free(c1);
					free(c2);
					cases++;
				}
	CHECK(cases == 7 * 7 * 4 * 4);
	th_end();
}

/* ---- activations ---------------------------------------------------------- */

static void
test_activation_values(void)
{
	float		x[6] = {-1000.0f, -2.0f, -0.5f, 0.0f, 1.0f, 1000.0f};
	float		y[6];
	float		s[3] = {1000.0f, 1001.0f, 1002.0f};

	th_begin("activations: values, sigmoid and softmax stable at +-1000");
	dl_act_forward(y, x, 1, 6, DL_ACT_RELU, 0);
	CHECK(y[0] == 0 && y[2] == 0 && y[3] == 0 && y[4] == 1 && y[5] == 1000);
	dl_act_forward(y, x, 1, 6, DL_ACT_LEAKY_RELU, 0.1f);
	CHECK_NEAR(y[1], -0.2, 1e-7);
	CHECK(y[4] == 1);
	dl_act_forward(y, x, 1, 6, DL_ACT_SIGMOID, 0);
	CHECK(y[0] == 0.0f && y[5] == 1.0f);
	CHECK_NEAR(y[3], 0.5, 1e-7);
	CHECK_NEAR(y[4], 1.0 / (1.0 + exp(-1.0)), 1e-7);
	CHECK_NEAR(y[1], 1.0 / (1.0 + exp(2.0)), 1e-7);
	dl_act_forward(y, x, 1, 6, DL_ACT_TANH, 0);
	CHECK_NEAR(y[4], tanh(1.0), 1e-7);
	CHECK(y[0] == -1.0f && y[5] == 1.0f);
	dl_act_forward(y, x, 1, 6, DL_ACT_GELU, 0);
	/* PyTorch gelu(1, approximate="tanh") = 0.8411920 */
	CHECK_NEAR(y[4], 0.841192, 1e-6);
	CHECK_NEAR(y[2], -0.1542859, 1e-6);
	CHECK(y[3] == 0.0f && y[5] == 1000.0f && y[0] == 0.0f);
	/* softmax of huge logits, in place */
	dl_act_forward(s, s, 1, 3, DL_ACT_SOFTMAX, 0);
	CHECK_NEAR(s[0] + s[1] + s[2], 1.0, 1e-6);
	CHECK_NEAR(s[2], exp(0.0) / (exp(-2.0) + exp(-1.0) + 1.0), 1e-6);
	dl_act_forward(y, x, 1, 6, DL_ACT_LINEAR, 0);
	CHECK(memcmp(x, y, sizeof(x)) == 0);
	th_end();
}

/* ---- gradient checks ------------------------------------------------------ */

typedef struct gradcheck
{
	dl_network	net;
	dl_workspace *ws;
	int			batch;
	dl_loss		loss;			/* 0: a fixed projection of the output */
	bool		skip;			/* final activation folded into the loss */
	float	   *x;
	float	   *y;
	float	   *w;				/* the projection */
	uint64_t	dropout_seed;
} gradcheck;

/* the scalar whose gradient is checked, from a training forward pass */
static double
gc_value(gradcheck *g, float *dout)
{
	size_t		k = dl_shape_size(&g->net.output_shape);
	const float *out;
	double		v = 0.0;

	/* the same dropout mask every time */
	dl_rng_seed(&g->ws->rng, g->dropout_seed);
	out = dl_forward_train(&g->net, g->ws, g->x, g->batch, g->skip);
	if (g->loss)
		return dl_loss_forward_backward(dout, out, g->y, g->batch, (int) k, g->loss, 1.0f);
	for (size_t i = 0; i < k * g->batch; i++)
	{
		v += (double) g->w[i] * out[i];
		if (dout)
			dout[i] = g->w[i];
	}
	return v;
}

/* compares analytic with central differences; returns false (and says why) on a mismatch */
static bool
gc_compare(const char *what, const char *name, const float *analytic, float *values,
		   size_t n, gradcheck *g, double h)
{
	double	   *numeric = malloc(sizeof(double) * (n ? n : 1));
	double		gmax = 0.0;
	bool		ok = true;

	for (size_t i = 0; i < n; i++)
	{
		float		saved = values[i];
		double		plus,
					minus;

		values[i] = saved + (float) h;
		plus = gc_value(g, NULL);
		values[i] = saved - (float) h;
		minus = gc_value(g, NULL);
		values[i] = saved;
		/* the step actually taken in float */
		numeric[i] = (plus - minus) / ((double) (saved + (float) h) - (double) (saved - (float) h));
		gmax = fmax(gmax, fmax(fabs(numeric[i]), fabs(analytic[i])));
	}
	for (size_t i = 0; i < n && ok; i++)
	{
		double		a = analytic[i];
		double		d = fabs(a - numeric[i]);

		if (!(d <= 1e-2 * fmax(fabs(a), fabs(numeric[i])) + 2e-3 * gmax + 1e-6))
		{
			th_fail(__FILE__, __LINE__, "%s: %s gradient %zu: analytic %.7g, numeric %.7g (largest %.3g)",
					name, what, i, a, numeric[i], gmax);
			ok = false;
		}
	}
	if (ok && gmax == 0.0 && n > 0)
	{
		th_fail(__FILE__, __LINE__, "%s: %s gradients are all zero", name, what);
		ok = false;
	}
	free(numeric);
	return ok;
}

/* > 0: the inputs are token ids below it, which have no gradient (embedding) */
static int gc_vocab = 0;

/*
 * Checks the gradients of net(specs) on `batch` random rows with respect
 * to every trainable parameter and every input.  loss 0 checks a random
 * projection of the output, otherwise that loss (classes for ce/bce).
 */
static void
gradcheck_net(const char *name, const dl_layer_spec *specs, int nspecs, dl_shape in,
			  int batch, dl_loss loss, int n_classes, double h, uint64_t seed)
{
	gradcheck	g;
	uint64_t	st = seed;
	size_t		nin = dl_shape_size(&in) * batch;
	size_t		k;
	float	   *dx;

	memset(&g, 0, sizeof(g));
	if (!build_net(&g.net, specs, nspecs, in, seed))
		return;
	/* move every trainable parameter off its initial value (biases 0, gamma 1) */
	for (int i = 0; i < g.net.n_layers; i++)
	{
		dl_layer   *l = &g.net.layers[i];

		for (size_t j = 0; j < l->n_trainable; j++)
			g.net.params[l->param_offset + j] += (float) (0.3 * th_rand_normal(&st));
	}
	k = dl_shape_size(&g.net.output_shape);
	CHECK_STATUS(dl_workspace_create(&g.net, batch, true, &g.ws), DL_OK);
	g.batch = batch;
	g.loss = loss;
	g.skip = loss && dl_output_fused(&g.net, loss);
	g.dropout_seed = seed + 1;
	g.x = random_floats(nin, 1.0, &st);
	if (gc_vocab > 0)
		for (size_t i = 0; i < nin; i++)
			g.x[i] = (float) (th_rand_u64(&st) % gc_vocab);
	g.w = random_floats(k * batch, 1.0, &st);
	g.y = malloc(sizeof(float) * batch);
	for (int r = 0; r < batch; r++)
		g.y[r] = n_classes ? (float) (th_rand_u64(&st) % n_classes) : (float) th_rand_normal(&st);

	/* analytic gradients */
	dx = malloc(sizeof(float) * nin);
	gc_value(&g, g.ws->d0);
	memset(g.ws->grads, 0, sizeof(float) * (g.net.n_params ? g.net.n_params : 0));
	dl_backward(&g.net, g.ws, batch, g.skip, dx);

	if (gc_vocab > 0)
	{
		/* ids get no gradient */
		for (size_t i = 0; i < nin; i++)
			if (dx[i] != 0.0f)
			{
				th_fail(__FILE__, __LINE__, "%s: token id %zu has gradient %g", name, i, dx[i]);
				break;
			}
	}
	if (gc_vocab > 0 || gc_compare("input", name, dx, g.x, nin, &g, h))
	{
		for (int i = 0; i < g.net.n_layers; i++)
		{
			dl_layer   *l = &g.net.layers[i];
			char		what[64];

			snprintf(what, sizeof(what), "layer %d (%s) parameter", i + 1,
					 dl_layer_type_name(l->spec.type));
			if (!gc_compare(what, name, g.ws->grads + l->param_offset,
							g.net.params + l->param_offset, l->n_trainable, &g, h))
				break;
		}
	}
	free(dx);
	free(g.x);
	free(g.w);
	free(g.y);
	dl_workspace_free(g.ws);
	dl_network_free(&g.net);
}

static void
test_grad_activations(void)
{
	static const dl_activation acts[] = {DL_ACT_LINEAR, DL_ACT_RELU, DL_ACT_LEAKY_RELU,
	DL_ACT_SIGMOID, DL_ACT_TANH, DL_ACT_GELU, DL_ACT_SOFTMAX};

	th_begin("gradients: activation layers (every activation, leaky slopes 0.1 and -0.5)");
	for (size_t i = 0; i < sizeof(acts) / sizeof(acts[0]); i++)
	{
		/* a dense layer first, so the activation's input gradient feeds parameters */
		dl_layer_spec s[2] = {spec_dense(5, DL_ACT_LINEAR), spec_act(acts[i], 0.1f)};

		gradcheck_net(dl_activation_name(acts[i]), s, 2, shape1(4), 3, 0, 0, 2e-3, 100 + i);
	}
	{
		dl_layer_spec s[2] = {spec_dense(5, DL_ACT_LINEAR), spec_act(DL_ACT_LEAKY_RELU, -0.5f)};

		gradcheck_net("leaky_relu -0.5", s, 2, shape1(4), 3, 0, 0, 2e-3, 121);
	}
	th_end();
}

static void
test_grad_dense(void)
{
	static const dl_activation acts[] = {DL_ACT_LINEAR, DL_ACT_RELU, DL_ACT_LEAKY_RELU,
	DL_ACT_SIGMOID, DL_ACT_TANH, DL_ACT_GELU, DL_ACT_SOFTMAX};

	th_begin("gradients: dense with every activation, without bias, on a sequence (T, F)");
	for (size_t i = 0; i < sizeof(acts) / sizeof(acts[0]); i++)
	{
		dl_layer_spec s[1] = {spec_dense(4, acts[i])};

		gradcheck_net(dl_activation_name(acts[i]), s, 1, shape1(3), 5, 0, 0, 2e-3, 200 + i);
	}
	{
		dl_layer_spec s[2] = {spec_dense(4, DL_ACT_TANH), spec_dense(3, DL_ACT_LINEAR)};

		s[0].use_bias = false;
		gradcheck_net("no bias", s, 2, shape1(3), 4, 0, 0, 2e-3, 210);
		s[0].use_bias = true;
		gradcheck_net("sequence", s, 2, shape2(3, 2), 4, 0, 0, 2e-3, 211);
	}
	th_end();
}

static void
test_grad_norms(void)
{
	th_begin("gradients: batchnorm (training, vector, sequence, image) and layernorm");
	{
		dl_layer_spec s[3] = {spec_dense(4, DL_ACT_LINEAR), spec_of(DL_LAYER_BATCHNORM),
		spec_dense(2, DL_ACT_TANH)};

		gradcheck_net("batchnorm vector", s, 3, shape1(3), 6, 0, 0, 2e-3, 300);
		gradcheck_net("batchnorm sequence", s, 3, shape2(3, 3), 4, 0, 0, 2e-3, 301);
	}
	{
		dl_layer_spec s[2] = {spec_of(DL_LAYER_BATCHNORM), spec_of(DL_LAYER_FLATTEN)};

		gradcheck_net("batchnorm image", s, 2, shape3(2, 2, 3), 3, 0, 0, 2e-3, 302);
	}
	{
		dl_layer_spec s[3] = {spec_dense(5, DL_ACT_LINEAR), spec_of(DL_LAYER_LAYERNORM),
		spec_dense(2, DL_ACT_LINEAR)};

		gradcheck_net("layernorm vector", s, 3, shape1(3), 3, 0, 0, 2e-3, 310);
		gradcheck_net("layernorm sequence", s, 3, shape2(2, 3), 3, 0, 0, 2e-3, 311);
	}
	th_end();
}

static void
test_grad_shape_layers(void)
{
	th_begin("gradients: dropout with a fixed mask, reshape and flatten");
	{
		dl_layer_spec s[3] = {spec_dense(6, DL_ACT_TANH), spec_dropout(0.5f),
		spec_dense(2, DL_ACT_LINEAR)};

		gradcheck_net("dropout", s, 3, shape1(3), 4, 0, 0, 2e-3, 400);
	}
	{
		dl_layer_spec s[4] = {spec_of(DL_LAYER_RESHAPE), spec_dense(2, DL_ACT_SIGMOID),
		spec_of(DL_LAYER_FLATTEN), spec_dense(1, DL_ACT_LINEAR)};

		s[0].target = shape2(-1, 3);
		gradcheck_net("reshape, flatten", s, 4, shape1(6), 3, 0, 0, 2e-3, 410);
	}
	th_end();
}

static void
test_grad_losses(void)
{
	th_begin("gradients: every loss through a network (mse, mae, huber, bce, ce)");
	{
		dl_layer_spec s[1] = {spec_dense(1, DL_ACT_LINEAR)};

		gradcheck_net("mse", s, 1, shape1(3), 5, DL_LOSS_MSE, 0, 2e-3, 500);
		/* mae and huber: the check step stays far from the kinks for this seed */
		gradcheck_net("mae", s, 1, shape1(3), 5, DL_LOSS_MAE, 0, 1e-3, 501);
		gradcheck_net("huber", s, 1, shape1(3), 5, DL_LOSS_HUBER, 0, 1e-3, 502);
	}
	{
		dl_layer_spec s[2] = {spec_dense(4, DL_ACT_TANH), spec_dense(1, DL_ACT_SIGMOID)};

		gradcheck_net("bce", s, 2, shape1(3), 6, DL_LOSS_BCE, 2, 2e-3, 503);
	}
	{
		dl_layer_spec s[2] = {spec_dense(4, DL_ACT_TANH), spec_dense(3, DL_ACT_SOFTMAX)};

		gradcheck_net("ce", s, 2, shape1(3), 6, DL_LOSS_CE, 3, 2e-3, 504);
	}
	th_end();
}

static void
test_grad_network(void)
{
	th_begin("gradients: a whole network (dense, batchnorm, gelu, layernorm, dropout, softmax + ce)");
	{
		dl_layer_spec s[6] = {spec_dense(6, DL_ACT_TANH), spec_of(DL_LAYER_BATCHNORM),
			spec_dense(5, DL_ACT_GELU), spec_of(DL_LAYER_LAYERNORM), spec_dropout(0.3f),
		spec_dense(3, DL_ACT_SOFTMAX)};

		gradcheck_net("network", s, 6, shape1(4), 8, DL_LOSS_CE, 3, 2e-3, 600);
	}
	th_end();
}

/* ---- convolution and pooling ----------------------------------------------- */

static void
test_grad_conv(void)
{
	th_begin("gradients: conv2d and conv1d (stride > 1, padding same, dilation, odd sizes, no bias, one channel)");
	{
		dl_layer_spec s[1] = {spec_conv2d(3, 3, 3, 1, 1, DL_PAD_VALID, 1, 1, DL_ACT_TANH)};

		gradcheck_net("conv2d 3x3 valid", s, 1, shape3(2, 5, 6), 3, 0, 0, 2e-3, 700);
	}
	{
		/* gelu keeps the pre-activation (z) */
		dl_layer_spec s[1] = {spec_conv2d(2, 3, 2, 2, 2, DL_PAD_SAME, 1, 1, DL_ACT_GELU)};

		gradcheck_net("conv2d same stride 2 odd", s, 1, shape3(1, 7, 5), 2, 0, 0, 2e-3, 701);
	}
	{
		dl_layer_spec s[1] = {spec_conv2d(2, 3, 3, 1, 1, DL_PAD_SAME, 2, 2, DL_ACT_LINEAR)};

		s[0].use_bias = false;
		gradcheck_net("conv2d dilation 2 same no bias", s, 1, shape3(2, 7, 6), 2, 0, 0, 2e-3, 702);
	}
	{
		dl_layer_spec s[1] = {spec_conv2d(4, 2, 3, 2, 1, DL_PAD_VALID, 2, 1, DL_ACT_SIGMOID)};

		gradcheck_net("conv2d stride [2,1] dilation [2,1]", s, 1, shape3(3, 7, 7), 2, 0, 0, 2e-3, 703);
	}
	{
		dl_layer_spec s[1] = {spec_conv2d(3, 4, 4, 3, 3, DL_PAD_SAME, 1, 1, DL_ACT_TANH)};

		gradcheck_net("conv2d even kernel same stride 3", s, 1, shape3(2, 8, 7), 2, 0, 0, 2e-3, 704);
	}
	{
		/* one input channel at unit stride: the direct convolution, not im2col */
		dl_layer_spec s[1] = {spec_conv2d(3, 3, 3, 1, 1, DL_PAD_VALID, 1, 1, DL_ACT_TANH)};

		gradcheck_net("conv2d one channel valid", s, 1, shape3(1, 6, 7), 3, 0, 0, 2e-3, 705);
		s[0] = spec_conv2d(2, 4, 3, 1, 1, DL_PAD_SAME, 1, 1, DL_ACT_GELU);
		gradcheck_net("conv2d one channel same even kernel", s, 1, shape3(1, 5, 6), 2, 0, 0, 2e-3, 706);
		s[0] = spec_conv2d(2, 3, 5, 1, 1, DL_PAD_SAME, 1, 1, DL_ACT_LINEAR);
		s[0].use_bias = false;
		gradcheck_net("conv2d one channel same, kernel wider than the image", s, 1, shape3(1, 4, 3), 2, 0, 0,
					  2e-3, 707);
	}
	{
		dl_layer_spec s[1] = {spec_conv1d(3, 3, 2, DL_PAD_SAME, 2, DL_ACT_TANH)};

		gradcheck_net("conv1d same stride 2 dilation 2", s, 1, shape2(7, 3), 3, 0, 0, 2e-3, 710);
	}
	{
		dl_layer_spec s[2] = {spec_conv1d(4, 2, 1, DL_PAD_VALID, 1, DL_ACT_GELU),
		spec_conv1d(2, 3, 1, DL_PAD_SAME, 1, DL_ACT_LINEAR)};

		s[1].use_bias = false;
		gradcheck_net("conv1d stacked", s, 2, shape2(6, 2), 2, 0, 0, 2e-3, 711);
	}
	th_end();
}

static void
test_grad_pool(void)
{
	th_begin("gradients: maxpool2d, avgpool2d, maxpool1d, global_avgpool (overlapping windows, odd sizes)");
	{
		dl_layer_spec s[1] = {spec_pool(DL_LAYER_MAXPOOL2D, 2, 2, 2, 2)};

		gradcheck_net("maxpool2d 2 on 5x5", s, 1, shape3(2, 5, 5), 3, 0, 0, 1e-3, 720);
		gradcheck_net("maxpool2d 2 on 6x4 (tiled)", s, 1, shape3(2, 6, 4), 3, 0, 0, 1e-3, 727);
	}
	{
		/* ties (zeros after relu): the whole gradient goes to the first maximum of each window */
		dl_conv_geom g = {.c = 1, .h = 2, .w = 4, .f = 1, .kh = 2, .kw = 2, .sh = 2, .sw = 2,
		.oh = 1, .ow = 2};
		float		x[8] = {0, 0, 1, 3, 0, 0, 3, 3};
		float		dy[2] = {5, 7};
		float		dx[8];
		float		want[8] = {5, 0, 0, 7, 0, 0, 0, 0};

		dl_maxpool2d_backward(dx, dy, x, 1, &g);
		CHECK(memcmp(dx, want, sizeof(dx)) == 0);
		g.h = 3;				/* an odd last row: no window, gradient 0 */
		{
			float		x3[12] = {0, 0, 1, 3, 0, 0, 3, 3, 9, 9, 9, 9};
			float		dx3[12];

			dl_maxpool2d_backward(dx3, dy, x3, 1, &g);
			CHECK(memcmp(dx3, want, sizeof(want)) == 0 && dx3[8] == 0 && dx3[11] == 0);
		}
	}
	{
		dl_layer_spec s[1] = {spec_pool(DL_LAYER_MAXPOOL2D, 3, 2, 2, 1)};

		gradcheck_net("maxpool2d overlapping", s, 1, shape3(2, 6, 5), 2, 0, 0, 1e-3, 721);
	}
	{
		dl_layer_spec s[1] = {spec_pool(DL_LAYER_AVGPOOL2D, 2, 3, 1, 2)};

		gradcheck_net("avgpool2d", s, 1, shape3(2, 5, 7), 2, 0, 0, 2e-3, 722);
	}
	{
		dl_layer_spec s[1] = {spec_pool(DL_LAYER_MAXPOOL1D, 3, 1, 2, 1)};

		gradcheck_net("maxpool1d", s, 1, shape2(8, 3), 2, 0, 0, 1e-3, 723);
	}
	{
		dl_layer_spec s[1] = {spec_of(DL_LAYER_GLOBAL_AVGPOOL)};

		gradcheck_net("global_avgpool (C, H, W)", s, 1, shape3(3, 4, 5), 2, 0, 0, 2e-3, 724);
		gradcheck_net("global_avgpool (T, F)", s, 1, shape2(5, 3), 2, 0, 0, 2e-3, 725);
	}
	{
		/* a small CNN with cross-entropy: conv, pool, conv, batchnorm, global pool, dense */
		dl_layer_spec s[6] = {spec_conv2d(3, 3, 3, 1, 1, DL_PAD_SAME, 1, 1, DL_ACT_TANH),
			spec_pool(DL_LAYER_MAXPOOL2D, 2, 2, 2, 2),
			spec_conv2d(4, 2, 2, 1, 1, DL_PAD_VALID, 1, 1, DL_ACT_TANH),
			spec_of(DL_LAYER_BATCHNORM), spec_of(DL_LAYER_GLOBAL_AVGPOOL),
		spec_dense(3, DL_ACT_SOFTMAX)};

		gradcheck_net("cnn", s, 6, shape3(2, 7, 7), 4, DL_LOSS_CE, 3, 1e-3, 726);
	}
	th_end();
}

static void
test_grad_rnn(void)
{
	static const dl_layer_type types[] = {DL_LAYER_LSTM, DL_LAYER_GRU};

	th_begin("gradients: lstm and gru through several steps (last state, every state, stacked, after conv1d)");
	for (int i = 0; i < 2; i++)
	{
		dl_layer_type t = types[i];
		char		name[64];

		snprintf(name, sizeof(name), "%s last", dl_layer_type_name(t));
		gradcheck_net(name, (dl_layer_spec[]) {spec_rnn(t, 3, false)}, 1, shape2(5, 2), 3,
					  0, 0, 2e-3, 800 + i);
		snprintf(name, sizeof(name), "%s sequences", dl_layer_type_name(t));
		gradcheck_net(name, (dl_layer_spec[]) {spec_rnn(t, 4, true)}, 1, shape2(4, 3), 2,
					  0, 0, 2e-3, 810 + i);
		snprintf(name, sizeof(name), "%s stacked + ce", dl_layer_type_name(t));
		gradcheck_net(name, (dl_layer_spec[]) {spec_rnn(t, 3, true), spec_rnn(t, 2, false),
					  spec_dense(3, DL_ACT_SOFTMAX)}, 3, shape2(6, 2), 3, DL_LOSS_CE, 3,
					  2e-3, 820 + i);
		snprintf(name, sizeof(name), "conv1d + %s + dense on steps", dl_layer_type_name(t));
		gradcheck_net(name, (dl_layer_spec[]) {spec_conv1d(3, 2, 1, DL_PAD_SAME, 1, DL_ACT_TANH),
					  spec_rnn(t, 2, true), spec_dense(2, DL_ACT_LINEAR)}, 3, shape2(5, 2), 2,
					  0, 0, 2e-3, 830 + i);
	}
	/* one step, one row, one unit */
	gradcheck_net("lstm T=1", (dl_layer_spec[]) {spec_rnn(DL_LAYER_LSTM, 1, false)}, 1,
				  shape2(1, 1), 1, 0, 0, 2e-3, 840);
	gradcheck_net("gru T=1", (dl_layer_spec[]) {spec_rnn(DL_LAYER_GRU, 1, false)}, 1,
				  shape2(1, 1), 1, 0, 0, 2e-3, 841);
	th_end();
}

/* the equations of rnn.c, one row at a time, in double */
static void
rnn_ref(double *hout, const float *x, const float *p, int T, int F, int U, bool lstm)
{
	int			G = (lstm ? 4 : 3) * U;
	const float *w = p,
			   *uw = p + F * G,
			   *b = uw + U * G,
			   *bh = b + G;
	double		h[16] = {0},
				c[16] = {0},
				a[64],
				r[64];

	for (int t = 0; t < T; t++)
	{
		for (int j = 0; j < G; j++)
		{
			a[j] = b[j];
			r[j] = lstm ? 0.0 : bh[j];
			for (int k = 0; k < F; k++)
				a[j] += x[t * F + k] * w[k * G + j];
			for (int k = 0; k < U; k++)
				(lstm ? a : r)[j] += h[k] * uw[k * G + j];
		}
		for (int j = 0; j < U; j++)
		{
			if (lstm)
			{
				double		i = 1 / (1 + exp(-a[j])),
							f = 1 / (1 + exp(-a[U + j])),
							g = tanh(a[2 * U + j]),
							o = 1 / (1 + exp(-a[3 * U + j]));

				c[j] = f * c[j] + i * g;
				h[j] = o * tanh(c[j]);
			}
			else
			{
				double		z = 1 / (1 + exp(-(a[j] + r[j]))),
							rr = 1 / (1 + exp(-(a[U + j] + r[U + j]))),
							n = tanh(a[2 * U + j] + rr * r[2 * U + j]);

				c[j] = z * h[j] + (1 - z) * n;	/* h of this step, kept until all j are done */
			}
		}
		if (!lstm)
			memcpy(h, c, sizeof(h));
		memcpy(hout + t * U, h, sizeof(double) * U);
	}
}

static void
test_rnn_reference(void)
{
	th_begin("lstm and gru: the batched passes equal the equations per row; layout, init and shapes");
	for (int k = 0; k < 2; k++)
	{
		bool		lstm = k == 0;
		dl_layer_type t = lstm ? DL_LAYER_LSTM : DL_LAYER_GRU;
		int			T = 5,
					F = 3,
					U = 4,
					n = 3;
		dl_network	net,
					net2;
		dl_workspace *ws;
		uint64_t	st = 900 + k;
		float	   *x = random_floats((size_t) n * T * F, 1.0, &st);
		float		seq[3 * 5 * 4],
					last[3 * 4];
		double		ref[5 * 4];

		if (!build_net(&net, (dl_layer_spec[]) {spec_rnn(t, U, true)}, 1, shape2(T, F), 3) ||
			!build_net(&net2, (dl_layer_spec[]) {spec_rnn(t, U, false)}, 1, shape2(T, F), 3))
			continue;
		CHECK(net.n_params == (size_t) (lstm ? 4 : 3) * U * (F + U + (lstm ? 1 : 2)));
		CHECK(net.output_shape.ndim == 2 && net.output_shape.dim[0] == T && net.output_shape.dim[1] == U);
		CHECK(net2.output_shape.ndim == 1 && net2.output_shape.dim[0] == U);
		if (lstm)
		{
			/* the forget gate's bias is 1, the others 0 */
			const float *b = net.params + (F + U) * 4 * U;

			CHECK(b[0] == 0.0f && b[U] == 1.0f && b[2 * U + 1] == 0.0f && b[3 * U] == 0.0f);
		}
		{
			/* the recurrent kernel's rows are orthonormal */
			const float *uw = net.params + F * (lstm ? 4 : 3) * U;
			int			G = (lstm ? 4 : 3) * U;
			double		d01 = 0,
						d00 = 0;

			for (int j = 0; j < G; j++)
			{
				d00 += (double) uw[j] * uw[j];
				d01 += (double) uw[j] * uw[G + j];
			}
			CHECK_NEAR(d00, 1.0, 1e-5);
			CHECK_NEAR(d01, 0.0, 1e-5);
		}
		for (size_t i = 0; i < net.n_params; i++)
			net.params[i] += (float) (0.3 * th_rand_normal(&st));
		memcpy(net2.params, net.params, sizeof(float) * net.n_params);
		CHECK_STATUS(dl_workspace_create(&net, n, false, &ws), DL_OK);
		dl_network_predict(&net, ws, x, n, seq);
		dl_workspace_free(ws);
		CHECK_STATUS(dl_workspace_create(&net2, 2, false, &ws), DL_OK);
		dl_network_predict(&net2, ws, x, n, last);	/* in chunks of 2 */
		dl_workspace_free(ws);
		for (int r = 0; r < n; r++)
		{
			rnn_ref(ref, x + r * T * F, net.params, T, F, U, lstm);
			for (int i = 0; i < T * U; i++)
				CHECK_NEAR(seq[r * T * U + i], ref[i], 1e-5);
			for (int i = 0; i < U; i++)
				CHECK_NEAR(last[r * U + i], ref[(T - 1) * U + i], 1e-5);
		}
		/* a vector input needs input_shape; stacking needs return_sequences below */
		dl_network_free(&net2);
		CHECK_STATUS(dl_network_init(&net2, (dl_layer_spec[]) {spec_rnn(t, 2, false)}, 1,
									 &(dl_shape) {1, {6}}), DL_EINVAL);
		CHECK(strstr(th_last_message, "needs a sequence of shape [T, F], got [6]") != NULL);
		dl_network_free(&net2);
		CHECK_STATUS(dl_network_init(&net2, (dl_layer_spec[]) {spec_rnn(t, 2, false),
									 spec_rnn(t, 2, false)}, 2, &(dl_shape) {2, {3, 2}}), DL_EINVAL);
		CHECK(strstr(th_last_message, "layer 2 (") != NULL &&
			  strstr(th_last_message, "return_sequences on the layer before") != NULL);
		dl_network_free(&net);
		free(x);
	}
	th_end();
}

static void
test_embedding(void)
{
	dl_layer_spec e = spec_of(DL_LAYER_EMBEDDING);
	dl_network	net;
	dl_shape	in = shape1(3);
	float		ids[6] = {0, 4, 2, 4, 4, 1};
	float		out[6 * 2];
	dl_workspace *ws;

	th_begin("embedding: lookup, gradients into the rows used, ids checked with their row and the vocabulary");
	e.input_dim = 5;
	e.output_dim = 2;
	{
		/* repeated ids accumulate; dense and conv1d after it see (T, D) */
		dl_layer_spec s[3] = {e, spec_conv1d(3, 2, 1, DL_PAD_SAME, 1, DL_ACT_TANH),
		spec_dense(2, DL_ACT_LINEAR)};

		gc_vocab = 5;
		gradcheck_net("embedding", s, 3, shape1(6), 3, 0, 0, 2e-3, 730);
		gradcheck_net("embedding + global_avgpool + ce",
					  (dl_layer_spec[]) {e, spec_of(DL_LAYER_GLOBAL_AVGPOOL), spec_dense(3, DL_ACT_SOFTMAX)},
					  3, shape1(4), 4, DL_LOSS_CE, 3, 2e-3, 731);
		gc_vocab = 0;
	}
	if (build_net(&net, &e, 1, in, 3))
	{
		CHECK(net.output_shape.ndim == 2 && net.output_shape.dim[0] == 3 && net.output_shape.dim[1] == 2);
		CHECK(net.n_params == 10);
		CHECK_STATUS(dl_workspace_create(&net, 2, false, &ws), DL_OK);
		dl_network_predict(&net, ws, ids, 2, out);
		for (int i = 0; i < 6; i++)
			CHECK(out[2 * i] == net.params[(int) ids[i] * 2] && out[2 * i + 1] == net.params[(int) ids[i] * 2 + 1]);
		CHECK_STATUS(dl_network_check_input(&net, ids, 2), DL_OK);
		ids[4] = 5;
		CHECK_STATUS(dl_network_check_input(&net, ids, 2), DL_EINVAL);
		CHECK(strstr(th_last_message, "token id 5 in row 2, position 2, is not an integer from 0 to 4: the embedding's vocabulary (input_dim) has 5 ids") != NULL);
		/* an unchecked bad id reads as zeros, not outside the table */
		dl_network_predict(&net, ws, ids, 2, out);
		CHECK(out[8] == 0.0f && out[9] == 0.0f);
		ids[4] = 4;
		ids[1] = 1.5f;
		CHECK_STATUS(dl_network_check_input(&net, ids + 0, 1), DL_EINVAL);
		CHECK(strstr(th_last_message, "token id 1.5 at position 2 is not an integer from 0 to 4") != NULL);
		ids[1] = -1;
		CHECK_STATUS(dl_network_check_input(&net, ids, 1), DL_EINVAL);
		ids[1] = NAN;
		CHECK_STATUS(dl_network_check_input(&net, ids, 1), DL_EINVAL);
		CHECK(strstr(th_last_message, "token id nan") != NULL);
		dl_workspace_free(ws);
		dl_network_free(&net);
	}
	{
		/* only the first layer, on (T) */
		dl_layer_spec s[2] = {spec_dense(3, DL_ACT_LINEAR), e};

		in = shape1(4);
		CHECK_STATUS(dl_network_init(&net, s, 2, &in), DL_EINVAL);
		CHECK(strstr(th_last_message, "layer 2 (embedding): must be the first layer") != NULL);
		in = shape2(4, 2);
		CHECK_STATUS(dl_network_init(&net, &e, 1, &in), DL_EINVAL);
		CHECK(strstr(th_last_message, "layer 1 (embedding): needs an input of token ids of shape [T], got [4, 2]") != NULL);
	}
	th_end();
}

/* one conv layer through the network's prediction pass against the direct convolution */
static bool
conv_matches_ref(dl_layer_spec spec, dl_shape in, int n, uint64_t *st)
{
	dl_network	net;
	dl_workspace *ws;
	dl_conv_geom g;
	float	   *x,
			   *y,
			   *ref;
	size_t		nout;
	size_t		nw;
	double		worst = 0.0;

	if (dl_network_init(&net, &spec, 1, &in) != DL_OK)
		return true;			/* the kernel does not fit: nothing to compare */
	for (size_t i = 0; i < net.n_params; i++)
		net.params[i] = (float) th_rand_normal(st);
	nout = dl_shape_size(&net.output_shape) * n;
	x = random_floats(dl_shape_size(&in) * n, 1.0, st);
	y = malloc(sizeof(float) * nout);
	ref = malloc(sizeof(float) * nout);
	if (dl_workspace_create(&net, n, false, &ws) != DL_OK)
		return false;
	dl_network_predict(&net, ws, x, n, y);
	dl_conv_geometry(&net.layers[0], &g);
	nw = net.n_params - (spec.use_bias ? spec.filters : 0);
	if (spec.type == DL_LAYER_CONV2D)
		dl_conv2d_ref(ref, x, net.params, spec.use_bias ? net.params + nw : NULL, n, &g);
	else
		dl_conv1d_ref(ref, x, net.params, spec.use_bias ? net.params + nw : NULL, n, &g);
	/* the references have no activation; relu is the one fused into the convolution */
	if (spec.activation == DL_ACT_RELU)
		for (size_t i = 0; i < nout; i++)
			ref[i] = ref[i] > 0.0f ? ref[i] : 0.0f;
	for (size_t i = 0; i < nout; i++)
		worst = fmax(worst, fabs((double) y[i] - ref[i]));
	dl_workspace_free(ws);
	dl_network_free(&net);
	free(x);
	free(y);
	free(ref);
	if (!(worst <= 1e-4 * (g.c * g.kh * g.kw + 1)))
	{
		char		buf[64];

		dl_shape_format(&in, buf, sizeof(buf));
		th_fail(__FILE__, __LINE__, "%s on %s x %d: kernel [%d,%d] stride [%d,%d] dilation [%d,%d] %s differs by %g",
				dl_layer_type_name(spec.type), buf, n, spec.kernel[0], spec.kernel[1], spec.stride[0],
				spec.stride[1], spec.dilation[0], spec.dilation[1],
				spec.padding == DL_PAD_SAME ? "same" : "valid", worst);
		return false;
	}
	return true;
}

static void
test_conv_reference(void)
{
	uint64_t	st = 77;
	int			compared = 0;

	th_begin("conv: im2col + sgemm equals the direct convolution on random shapes (odd, stride, same, dilation)");
	for (int trial = 0; trial < 300; trial++)
	{
		bool		two = trial % 3 != 0;
		int			c = 1 + (int) (th_rand_u64(&st) % 4);
		int			h = 1 + (int) (th_rand_u64(&st) % 11);
		int			w = 1 + (int) (th_rand_u64(&st) % 11);
		int			n = 1 + (int) (th_rand_u64(&st) % 4);
		dl_layer_spec s;
		dl_shape	in;

		if (two)
		{
			s = spec_conv2d(1 + (int) (th_rand_u64(&st) % 5), 1 + (int) (th_rand_u64(&st) % 4),
							1 + (int) (th_rand_u64(&st) % 4), 1 + (int) (th_rand_u64(&st) % 3),
							1 + (int) (th_rand_u64(&st) % 3),
							th_rand_u64(&st) % 2 ? DL_PAD_SAME : DL_PAD_VALID,
							1 + (int) (th_rand_u64(&st) % 2), 1 + (int) (th_rand_u64(&st) % 2),
							DL_ACT_LINEAR);
			in = shape3(c, h, w);
		}
		else
		{
			s = spec_conv1d(1 + (int) (th_rand_u64(&st) % 5), 1 + (int) (th_rand_u64(&st) % 4),
							1 + (int) (th_rand_u64(&st) % 3),
							th_rand_u64(&st) % 2 ? DL_PAD_SAME : DL_PAD_VALID,
							1 + (int) (th_rand_u64(&st) % 3), DL_ACT_LINEAR);
			in = shape2(h, c);
		}
		s.use_bias = trial % 5 != 0;
		if (!conv_matches_ref(s, in, n, &st))
			break;
		compared++;
	}
	CHECK(compared == 300);
	/* the benchmark's layers on a batch of 128, without and with their relu */
	CHECK(conv_matches_ref(spec_conv2d(16, 3, 3, 1, 1, DL_PAD_VALID, 1, 1, DL_ACT_LINEAR),
						   shape3(1, 28, 28), 128, &st));
	CHECK(conv_matches_ref(spec_conv2d(16, 3, 3, 1, 1, DL_PAD_VALID, 1, 1, DL_ACT_RELU),
						   shape3(1, 28, 28), 128, &st));
	CHECK(conv_matches_ref(spec_conv2d(32, 3, 3, 1, 1, DL_PAD_VALID, 1, 1, DL_ACT_RELU),
						   shape3(16, 13, 13), 128, &st));
	/* one channel with same padding and an even kernel: the direct path's padded plane */
	CHECK(conv_matches_ref(spec_conv2d(3, 4, 2, 1, 1, DL_PAD_SAME, 1, 1, DL_ACT_RELU),
						   shape3(1, 9, 7), 5, &st));
	th_end();
}

static void
test_conv_shapes(void)
{
	dl_network	net;
	dl_layer_spec s[2];
	dl_shape	in = shape3(1, 28, 28);

	th_begin("conv: output shapes and parameter counts; shape errors name the layer");
	s[0] = spec_conv2d(16, 3, 3, 1, 1, DL_PAD_VALID, 1, 1, DL_ACT_RELU);
	s[1] = spec_pool(DL_LAYER_MAXPOOL2D, 2, 2, 2, 2);
	CHECK_STATUS(dl_network_init(&net, s, 2, &in), DL_OK);
	CHECK(net.layers[0].out_shape.ndim == 3 && net.layers[0].out_shape.dim[0] == 16 &&
		  net.layers[0].out_shape.dim[1] == 26 && net.layers[0].out_shape.dim[2] == 26);
	CHECK(net.layers[0].n_params == 16 * 9 + 16);
	CHECK(net.output_shape.dim[1] == 13 && net.output_shape.dim[2] == 13);
	dl_network_free(&net);
	/* same with stride 2: ceil(28 / 2) */
	s[0] = spec_conv2d(4, 3, 3, 2, 2, DL_PAD_SAME, 1, 1, DL_ACT_RELU);
	CHECK_STATUS(dl_network_init(&net, s, 1, &in), DL_OK);
	CHECK(net.output_shape.dim[1] == 14 && net.output_shape.dim[2] == 14);
	dl_network_free(&net);
	/* conv1d on (T, F): (k, F, filters) weights */
	s[0] = spec_conv1d(5, 3, 1, DL_PAD_VALID, 2, DL_ACT_RELU);
	in = shape2(10, 4);
	CHECK_STATUS(dl_network_init(&net, s, 1, &in), DL_OK);
	CHECK(net.output_shape.ndim == 2 && net.output_shape.dim[0] == 6 && net.output_shape.dim[1] == 5);
	CHECK(net.n_params == 3 * 4 * 5 + 5);
	dl_network_free(&net);

	in = shape1(64);
	s[0] = spec_conv2d(4, 3, 3, 1, 1, DL_PAD_VALID, 1, 1, DL_ACT_RELU);
	CHECK_STATUS(dl_network_init(&net, s, 1, &in), DL_EINVAL);
	CHECK(strstr(th_last_message, "layer 1 (conv2d): needs an input of shape [C, H, W], got [64] (set the input_shape option)") != NULL);
	in = shape3(1, 2, 8);
	CHECK_STATUS(dl_network_init(&net, s, 1, &in), DL_EINVAL);
	CHECK(strstr(th_last_message, "layer 1 (conv2d): the kernel does not fit the input [1, 2, 8]") != NULL);
	s[0] = spec_pool(DL_LAYER_MAXPOOL1D, 2, 1, 2, 1);
	CHECK_STATUS(dl_network_init(&net, s, 1, &in), DL_EINVAL);
	CHECK(strstr(th_last_message, "layer 1 (maxpool1d): needs an input of shape [T, F]") != NULL);
	s[0] = spec_pool(DL_LAYER_AVGPOOL2D, 3, 3, 1, 1);
	CHECK_STATUS(dl_network_init(&net, s, 1, &in), DL_EINVAL);
	CHECK(strstr(th_last_message, "layer 1 (avgpool2d): the pool does not fit") != NULL);
	s[0] = spec_of(DL_LAYER_GLOBAL_AVGPOOL);
	in = shape1(3);
	CHECK_STATUS(dl_network_init(&net, s, 1, &in), DL_EINVAL);
	CHECK(strstr(th_last_message, "global_avgpool): needs an input of shape [C, H, W] or [T, F], got [3]") != NULL);
	th_end();
}

/* ---- losses against hand-computed values ---------------------------------- */

static void
test_loss_values(void)
{
	float		z[3] = {1, 2, 3};
	float		d[3];
	float		y2 = 2,
				y0 = 0;
	double		lse = 3.0 + log(exp(-2.0) + exp(-1.0) + 1.0);

	th_begin("losses: values by hand; bce and ce finite and exact at logits +-1000");
	CHECK_NEAR(dl_loss_forward_backward(d, z, &y2, 1, 3, DL_LOSS_CE, 1), lse - 3.0, 1e-6);
	CHECK_NEAR(d[2], exp(3.0 - lse) - 1.0, 1e-6);
	CHECK_NEAR(d[0], exp(1.0 - lse), 1e-6);
	CHECK_NEAR(dl_loss_forward_backward(NULL, z, &y0, 1, 3, DL_LOSS_CE, 1), lse - 1.0, 1e-6);
	{
		/* two rows: the mean */
		float		zz[4] = {0, 0, 1000, -1000};
		float		yy[2] = {1, 1};
		float		dd[4];

		CHECK_NEAR(dl_loss_forward_backward(dd, zz, yy, 2, 2, DL_LOSS_CE, 1), (log(2.0) + 2000.0) / 2, 1e-3);
		CHECK(isfinite(dd[0]) && isfinite(dd[1]) && isfinite(dd[2]) && isfinite(dd[3]));
		CHECK_NEAR(dd[2], 0.5, 1e-6);
		CHECK_NEAR(dd[3], -0.5, 1e-6);
	}
	{
		float		out[2] = {1, 2};
		float		yy[2] = {0, 4};
		float		dd[2];

		CHECK_NEAR(dl_loss_forward_backward(dd, out, yy, 2, 1, DL_LOSS_MSE, 1), 2.5, 1e-12);
		CHECK_NEAR(dd[0], 1.0, 1e-7);	/* 2 (1 - 0) / 2 */
		CHECK_NEAR(dd[1], -2.0, 1e-7);
		CHECK_NEAR(dl_loss_forward_backward(dd, out, yy, 2, 1, DL_LOSS_MAE, 1), 1.5, 1e-12);
		CHECK_NEAR(dd[0], 0.5, 1e-7);
		CHECK_NEAR(dd[1], -0.5, 1e-7);
		/* huber delta 1: 0.5 * 1^2 and 1 * (2 - 0.5) */
		CHECK_NEAR(dl_loss_forward_backward(dd, out, yy, 2, 1, DL_LOSS_HUBER, 1), 1.0, 1e-12);
		CHECK_NEAR(dd[0], 0.5, 1e-7);
		CHECK_NEAR(dd[1], -0.5, 1e-7);
		/* delta 3: both quadratic */
		CHECK_NEAR(dl_loss_forward_backward(dd, out, yy, 2, 1, DL_LOSS_HUBER, 3), 1.25, 1e-12);
		/* rmse metric terms */
		CHECK_NEAR(dl_metric_sum(out, yy, 2, 1, DL_LOSS_MSE), 5.0, 1e-12);
	}
	{
		float		zb[5] = {0, 1000, -1000, 1000, -1000};
		float		yb[5] = {1, 1, 0, 0, 1};
		float		db[5];
		double		l = dl_loss_forward_backward(db, zb, yb, 5, 1, DL_LOSS_BCE, 1);

		CHECK_NEAR(l, (log(2.0) + 0 + 0 + 1000 + 1000) / 5, 1e-4);
		CHECK_NEAR(db[0], -0.5 / 5, 1e-7);
		CHECK(db[1] == 0.0f && db[2] == 0.0f);
		CHECK_NEAR(db[3], 1.0 / 5, 1e-7);
		CHECK_NEAR(db[4], -1.0 / 5, 1e-7);
		CHECK_NEAR(dl_loss_forward_backward(NULL, &zb[0], &yb[0], 1, 1, DL_LOSS_BCE, 1), log(2.0), 1e-7);
		/* logit 2, target 0: log(1 + e^2) */
		zb[0] = 2;
		yb[0] = 0;
		CHECK_NEAR(dl_loss_forward_backward(NULL, zb, yb, 1, 1, DL_LOSS_BCE, 1), log1p(exp(2.0)), 1e-6);
		/* accuracy: logit > 0 is class 1 */
		CHECK(dl_metric_sum(zb, yb, 5, 1, DL_LOSS_BCE) == 2);	/* rows 2 and 4 */
	}
	th_end();
}

/* ---- optimizers ------------------------------------------------------------ */

static void
test_optimizers(void)
{
	dl_train_options o;
	float		p[2],
				g[2] = {0.5f, -0.25f},
				m[2],
				v[2];

	th_begin("optimizers: one or two steps of sgd, momentum, nesterov, adam, adamw by hand");
	dl_train_options_defaults(&o);

	/* sgd with L2 and L1 added to the gradient */
	o.optimizer = DL_OPT_SGD;
	o.learning_rate = 0.1f;
	o.weight_decay = 0.01f;
	o.l1 = 0.001f;
	p[0] = 1.0f;
	p[1] = -2.0f;
	dl_optim_step(p, g, NULL, NULL, 2, &o, 1);
	CHECK_NEAR(p[0], 1.0 - 0.1 * (0.5 + 0.01 + 0.001), 1e-7);
	CHECK_NEAR(p[1], -2.0 - 0.1 * (-0.25 - 0.02 - 0.001), 1e-7);

	/* momentum: b = g, then b = 0.9 b + g */
	o.optimizer = DL_OPT_MOMENTUM;
	o.weight_decay = 0;
	o.l1 = 0;
	p[0] = 1.0f;
	m[0] = 0.0f;
	dl_optim_step(p, g, m, NULL, 1, &o, 1);
	CHECK_NEAR(p[0], 1.0 - 0.1 * 0.5, 1e-7);
	dl_optim_step(p, g, m, NULL, 1, &o, 2);
	CHECK_NEAR(m[0], 0.9 * 0.5 + 0.5, 1e-7);
	CHECK_NEAR(p[0], 1.0 - 0.05 - 0.1 * 0.95, 1e-6);
	/* nesterov: step by g + mu b */
	o.nesterov = true;
	p[0] = 1.0f;
	m[0] = 0.0f;
	dl_optim_step(p, g, m, NULL, 1, &o, 1);
	CHECK_NEAR(p[0], 1.0 - 0.1 * (0.5 + 0.9 * 0.5), 1e-7);
	dl_optim_step(p, g, m, NULL, 1, &o, 2);
	CHECK_NEAR(p[0], 1.0 - 0.1 * 0.95 - 0.1 * (0.5 + 0.9 * 0.95), 1e-6);
	o.nesterov = false;

	/* adam: bias correction makes the first step lr * g / (|g| + eps) */
	o.optimizer = DL_OPT_ADAM;
	o.learning_rate = 0.01f;
	p[0] = 1.0f;
	p[1] = -2.0f;
	m[0] = m[1] = v[0] = v[1] = 0.0f;
	dl_optim_step(p, g, m, v, 2, &o, 1);
	CHECK_NEAR(p[0], 1.0 - 0.01 * 0.5 / (0.5 + 1e-8), 1e-7);
	CHECK_NEAR(p[1], -2.0 + 0.01 * 0.25 / (0.25 + 1e-8), 1e-7);
	{
		/* second step with gradient 0.1: m, v as PyTorch's formulas */
		float		g2 = 0.1f;
		double		mm = 0.9 * 0.05 + 0.1 * 0.1;
		double		vv = 0.999 * 0.001 * 0.25 + 0.001 * 0.01;
		double		expect = (double) p[0] - 0.01 / (1 - 0.81) * mm / (sqrt(vv) / sqrt(1 - 0.998001) + 1e-8);

		dl_optim_step(p, &g2, m, v, 1, &o, 2);
		/* float beta1 and beta2 are not exactly 0.9 and 0.999 */
		CHECK_REL(m[0], mm, 1e-6);
		CHECK_REL(v[0], vv, 1e-4);
		CHECK_NEAR(p[0], expect, 2e-7);
	}
	/* adam's weight decay is L2 in the gradient: g + wd p */
	o.weight_decay = 0.5f;
	p[0] = 1.0f;
	m[0] = v[0] = 0.0f;
	{
		float		gz = 0.0f;

		dl_optim_step(p, &gz, m, v, 1, &o, 1);
		CHECK_REL(m[0], 0.1 * 0.5, 1e-6);	/* the decay term went through m */
		CHECK_NEAR(p[0], 1.0 - 0.01, 1e-6);
	}
	/* adamw: decoupled, p (1 - lr wd) and then the Adam step on g alone */
	o.optimizer = DL_OPT_ADAMW;
	p[0] = 1.0f;
	m[0] = v[0] = 0.0f;
	dl_optim_step(p, g, m, v, 1, &o, 1);
	CHECK_REL(m[0], 0.1 * 0.5, 1e-6);
	CHECK_NEAR(p[0], 1.0 * (1.0 - 0.01 * 0.5) - 0.01 * 0.5 / (0.5 + 1e-8), 1e-7);
	th_end();
}

void
suite_nn(void)
{
	test_sgemm();
	test_activation_values();
	test_grad_activations();
	test_grad_dense();
	test_grad_norms();
	test_grad_shape_layers();
	test_grad_losses();
	test_grad_network();
	test_grad_conv();
	test_grad_pool();
	test_conv_reference();
	test_conv_shapes();
	test_embedding();
	test_grad_rnn();
	test_rnn_reference();
	test_loss_values();
	test_optimizers();
}
