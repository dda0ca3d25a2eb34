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
 * > 0 (with gc_vocab): the ids are 1 and up, and each row has gc_pad
 * padding ids 0, before its tokens in even rows and after them in odd
 * ones (which keep one token at least)
 */
static int gc_pad = 0;

/* unless NULL (with gc_vocab): the batch's token ids, as they are */
static const float *gc_ids = NULL;

/*
 * > 0: a joined network (dl_network_init_joined): each row holds the
 * shape's inputs (the ids, with gc_vocab), then gc_join real inputs, whose
 * gradients are checked
 */
static int gc_join = 0;

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
	size_t		t = dl_shape_size(&in);
	size_t		row = t + (size_t) gc_join;
	size_t		nin = row * batch;
	size_t		k;
	float	   *dx;

	memset(&g, 0, sizeof(g));
	if (gc_join > 0)
	{
		if (dl_network_init_joined(&g.net, specs, nspecs, &in, gc_join) != DL_OK)
		{
			th_fail(__FILE__, __LINE__, "%s: dl_network_init_joined failed: %s", name, th_last_message);
			return;
		}
		dl_network_init_params(&g.net, seed);
	}
	else if (!build_net(&g.net, specs, nspecs, in, seed))
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
			if (i % row < t)
				g.x[i] = (float) (th_rand_u64(&st) % gc_vocab);
	if (gc_vocab > 1 && gc_pad > 0)
	{
		for (size_t i = 0; i < nin; i++)
		{
			size_t		r = i / row,
						pos = i % row;
			size_t		post = (size_t) gc_pad < t ? (size_t) gc_pad : t - 1;
			bool		pad = r % 2 == 0 ? pos < (size_t) gc_pad : pos >= t - post;

			if (pos < t)
				g.x[i] = pad ? 0.0f : (float) (1 + th_rand_u64(&st) % (gc_vocab - 1));
		}
	}
	if (gc_vocab > 0 && gc_ids)
		memcpy(g.x, gc_ids, sizeof(float) * nin);
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
			if (i % row < t && dx[i] != 0.0f)
			{
				th_fail(__FILE__, __LINE__, "%s: token id %zu has gradient %g", name, i, dx[i]);
				break;
			}
	}
	/* the joined inputs' gradients, row by row; then the parameters' */
	for (int r = 0; r < batch && gc_join > 0; r++)
		if (!gc_compare("joined input", name, dx + r * row + t, g.x + r * row + t,
						(size_t) gc_join, &g, h))
			break;
	if (gc_vocab > 0 || gc_join > 0 || gc_compare("input", name, dx, g.x, nin, &g, h))
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

		s[0].dense.use_bias = false;
		gradcheck_net("no bias", s, 2, shape1(3), 4, 0, 0, 2e-3, 210);
		s[0].dense.use_bias = true;
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

		s[0].reshape.target = shape2(-1, 3);
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
	float		saved_limit = dl_conv2d_sparse_limit;

	th_begin("gradients: conv2d and conv1d (stride > 1, padding same, dilation, odd sizes, no bias, one channel)");
	/* the multi-channel layers on the dense products, then on the sparse path (see conv.c) */
	for (int pass = 0; pass < 2; pass++)
	{
		dl_conv2d_sparse_limit = pass == 0 ? 0.0f : 2.0f;
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

			s[0].conv.use_bias = false;
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
	}
	dl_conv2d_sparse_limit = saved_limit;
	{
		/* one input channel at unit stride: the direct convolution, not im2col */
		dl_layer_spec s[1] = {spec_conv2d(3, 3, 3, 1, 1, DL_PAD_VALID, 1, 1, DL_ACT_TANH)};

		gradcheck_net("conv2d one channel valid", s, 1, shape3(1, 6, 7), 3, 0, 0, 2e-3, 705);
		/* an image large enough for whole vector blocks of the 3x3 weight gradient */
		gradcheck_net("conv2d one channel valid 9x11", s, 1, shape3(1, 9, 11), 2, 0, 0, 2e-3, 708);
		s[0] = spec_conv2d(2, 4, 3, 1, 1, DL_PAD_SAME, 1, 1, DL_ACT_GELU);
		gradcheck_net("conv2d one channel same even kernel", s, 1, shape3(1, 5, 6), 2, 0, 0, 2e-3, 706);
		s[0] = spec_conv2d(2, 3, 5, 1, 1, DL_PAD_SAME, 1, 1, DL_ACT_LINEAR);
		s[0].conv.use_bias = false;
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

		s[1].conv.use_bias = false;
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

	th_begin("gradients: lstm and gru through several steps (last state, every state, stacked, after conv1d, bidirectional)");
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
	for (int i = 0; i < 2; i++)
	{
		dl_layer_spec last = spec_rnn(types[i], 3, false);
		dl_layer_spec seq = spec_rnn(types[i], 2, true);
		char		name[64];

		last.rnn.bidirectional = seq.rnn.bidirectional = true;
		snprintf(name, sizeof(name), "bidirectional %s last", dl_layer_type_name(types[i]));
		gradcheck_net(name, &last, 1, shape2(4, 2), 3, 0, 0, 2e-3, 850 + i);
		snprintf(name, sizeof(name), "bidirectional %s sequences, stacked, ce", dl_layer_type_name(types[i]));
		gradcheck_net(name, (dl_layer_spec[]) {seq, last, spec_dense(3, DL_ACT_SOFTMAX)}, 3,
					  shape2(5, 3), 2, DL_LOSS_CE, 3, 2e-3, 860 + i);
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

/*
 * The gates' sigmoid and tanh against libm in double: within 1e-6 relative
 * wherever the result is a normal float (below, within FLT_MIN absolute),
 * over steps of 1/1024 on [-100, 100], powers of 2 from 2^-126 to 2^7 with
 * their neighbours, and the branch points of the approximations.
 */
static void
test_rnn_activations(void)
{
	double		worst[2] = {0, 0};
	float		at[2] = {0, 0};
	float		edges[] = {0.0f, -0.0f, 0.625f, -0.625f, 43.5f, -43.5f, 44.0f, 87.0f, -87.0f, 88.0f, -88.0f,
	87.5f, -87.5f, 89.0f, -89.0f, 1e4f, -1e4f, 3e38f, -3e38f};
	int			nv = 0;
	float	   *v = malloc(sizeof(float) * 300000);

	th_begin("lstm and gru: the gates' sigmoid and tanh within 1e-6 of libm's");
	for (int k = -102400; k <= 102400; k++)
		v[nv++] = (float) k / 1024.0f;
	for (int e = -126; e <= 7; e++)
		for (int s = -1; s <= 1; s += 2)
		{
			float		x = s * ldexpf(1.0f, e);

			v[nv++] = x;
			v[nv++] = nextafterf(x, 0.0f);
			v[nv++] = nextafterf(x, 2.0f * x);
		}
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
	{
		v[nv++] = edges[i];
		v[nv++] = nextafterf(edges[i], 0.0f);
		v[nv++] = nextafterf(edges[i], 1e38f * (edges[i] < 0 ? -1.0f : 1.0f));
	}
	for (int i = 0; i < nv; i++)
	{
		double		x = v[i];
		double		ref[2] = {1.0 / (1.0 + exp(-x)), tanh(x)};
		float		got[2] = {dl_rnn_sigmoid(v[i]), dl_rnn_tanh(v[i])};

		for (int f = 0; f < 2; f++)
		{
			double		err = fabs(ref[f]) < FLT_MIN ? (fabs(got[f] - ref[f]) <= FLT_MIN ? 0.0 : 1.0)
				: fabs(got[f] - ref[f]) / fabs(ref[f]);

			if (!(err <= worst[f]))		/* NaN too */
			{
				worst[f] = isnan(err) ? INFINITY : err;
				at[f] = v[i];
			}
		}
	}
	printf("# gate activations: worst relative error %.2g (sigmoid at %.9g), %.2g (tanh at %.9g)\n",
		   worst[0], at[0], worst[1], at[1]);
	CHECK_REL(dl_rnn_sigmoid(at[0]), 1.0 / (1.0 + exp(-(double) at[0])), 1e-6);
	CHECK_REL(dl_rnn_tanh(at[1]), tanh((double) at[1]), 1e-6);
	CHECK(worst[0] <= 1e-6 && worst[1] <= 1e-6);
	CHECK(dl_rnn_sigmoid(-1000.0f) == 0.0f && dl_rnn_sigmoid(1000.0f) == 1.0f);
	CHECK(dl_rnn_tanh(-1000.0f) == -1.0f && dl_rnn_tanh(1000.0f) == 1.0f);
	/* a NaN (a diverged training) stays NaN, without undefined behaviour on the way (UBSan) */
	CHECK(isnan(dl_rnn_sigmoid(NAN)) && isnan(dl_rnn_tanh(NAN)));
	CHECK(dl_rnn_sigmoid(INFINITY) == 1.0f && dl_rnn_sigmoid(-INFINITY) == 0.0f);
	CHECK(dl_rnn_tanh(INFINITY) == 1.0f && dl_rnn_tanh(-INFINITY) == -1.0f);
	free(v);
	th_end();
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
	e.embedding.input_dim = 5;
	e.embedding.output_dim = 2;
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
	nw = net.n_params - (spec.conv.use_bias ? spec.conv.filters : 0);
	if (spec.type == DL_LAYER_CONV2D)
		dl_conv2d_ref(ref, x, net.params, spec.conv.use_bias ? net.params + nw : NULL, n, &g);
	else
		dl_conv1d_ref(ref, x, net.params, spec.conv.use_bias ? net.params + nw : NULL, n, &g);
	/* the references have no activation; relu is the one fused into the convolution */
	if (spec.conv.activation == DL_ACT_RELU)
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
				dl_layer_type_name(spec.type), buf, n, spec.conv.kernel[0], spec.conv.kernel[1],
				spec.conv.stride[0], spec.conv.stride[1], spec.conv.dilation[0], spec.conv.dilation[1],
				spec.conv.padding == DL_PAD_SAME ? "same" : "valid", worst);
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
		s.conv.use_bias = trial % 5 != 0;
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

/*
 * conv2d's backward pass on a mostly-zero output gradient (as after a max
 * pool), on the sparse path and on the dense products: the same gradients
 * up to rounding, on random shapes (odd, stride, same, height dilation).
 */
static void
test_conv_sparse_backward(void)
{
	uint64_t	st = 91;
	float		saved_limit = dl_conv2d_sparse_limit;
	int			compared = 0;

	th_begin("conv: the sparse backward path equals the dense products on mostly-zero gradients");
	for (int trial = 0; trial < 100; trial++)
	{
		int			c = 1 + (int) (th_rand_u64(&st) % 5);
		int			n = 1 + (int) (th_rand_u64(&st) % 3);
		bool		bench = trial == 0;
		dl_layer_spec s = bench ? spec_conv2d(32, 3, 3, 1, 1, DL_PAD_VALID, 1, 1, DL_ACT_RELU) :
			spec_conv2d(1 + (int) (th_rand_u64(&st) % 5), 1 + (int) (th_rand_u64(&st) % 4),
						1 + (int) (th_rand_u64(&st) % 4), 1 + (int) (th_rand_u64(&st) % 3),
						1 + (int) (th_rand_u64(&st) % 3),
						th_rand_u64(&st) % 2 ? DL_PAD_SAME : DL_PAD_VALID,
						1 + (int) (th_rand_u64(&st) % 2), 1, DL_ACT_LINEAR);
		dl_shape	in = bench ? shape3(16, 13, 13) :
			shape3(c, 1 + (int) (th_rand_u64(&st) % 11), 1 + (int) (th_rand_u64(&st) % 11));
		dl_network	net;
		dl_conv_geom g;
		size_t		nin,
					nout,
					nw;
		float	   *x,
				   *dy,
				   *col,
				   *grads[2][3];
		double		worst = 0.0;

		if (dl_network_init(&net, &s, 1, &in) != DL_OK)
			continue;			/* the kernel does not fit */
		for (size_t i = 0; i < net.n_params; i++)
			net.params[i] = (float) th_rand_normal(&st);
		dl_conv_geometry(&net.layers[0], &g);
		nin = dl_shape_size(&in) * n;
		nout = dl_shape_size(&net.output_shape) * n;
		nw = (size_t) g.f * g.c * g.kh * g.kw;
		x = random_floats(nin, 1.0, &st);
		dy = random_floats(nout, 1.0, &st);
		/* about 80 % zeros, and the last output row none, as after a 2x2 pool */
		for (size_t i = 0; i < nout; i++)
			if (th_rand_u64(&st) % 5 != 0 || (i / g.ow) % g.oh == (size_t) g.oh - 1)
				dy[i] = 0.0f;
		col = malloc(sizeof(float) * dl_conv_col_size(&net.layers[0], n));
		for (int pass = 0; pass < 2; pass++)
		{
			float	   *d = malloc(sizeof(float) * nout);

			grads[pass][0] = malloc(sizeof(float) * nin);
			grads[pass][1] = calloc(nw, sizeof(float));
			grads[pass][2] = calloc(g.f, sizeof(float));
			memcpy(d, dy, sizeof(float) * nout);
			dl_conv2d_sparse_limit = pass == 0 ? 0.0f : 2.0f;
			/* linear: the output is not read */
			dl_conv2d_backward(grads[pass][0], grads[pass][1], grads[pass][2], d, x, NULL, NULL,
							   net.params, col, n, &g, DL_ACT_LINEAR, 0.0f);
			free(d);
		}
		for (size_t i = 0; i < nin; i++)
			worst = fmax(worst, fabs((double) grads[0][0][i] - grads[1][0][i]));
		for (size_t i = 0; i < nw; i++)
			worst = fmax(worst, fabs((double) grads[0][1][i] - grads[1][1][i]));
		for (int i = 0; i < g.f; i++)
			worst = fmax(worst, fabs((double) grads[0][2][i] - grads[1][2][i]));
		for (int pass = 0; pass < 2; pass++)
			for (int k = 0; k < 3; k++)
				free(grads[pass][k]);
		free(x);
		free(dy);
		free(col);
		dl_network_free(&net);
		/* dx sums f kh kw terms, dw and db up to n oh ow */
		if (!(worst <= 1e-5 * (g.f * g.kh * g.kw + n * g.oh * g.ow + 1)))
		{
			th_fail(__FILE__, __LINE__, "conv2d on [%d, %d, %d] x %d, %d filters of [%d,%d] stride [%d,%d] dilation [%d,%d]: sparse and dense gradients differ by %g",
					g.c, g.h, g.w, n, g.f, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, worst);
			break;
		}
		compared++;
	}
	dl_conv2d_sparse_limit = saved_limit;
	CHECK(compared > 50);
	th_end();
}

/*
 * conv2d then maxpool2d backward in one pass, image by image, against the
 * two passes over the batch: the same operations in the same order, so the
 * same bits.  The im2col path (dense and sparse) and the direct path, 2x2
 * pools that tile and that do not, an overlapping pool, relu and tanh.
 */
static bool
conv_pool_matches(dl_layer_spec conv, dl_layer_spec pool, dl_shape in, int n, float limit,
				  uint64_t *st)
{
	dl_layer_spec s[2] = {conv, pool};
	dl_network	net;
	dl_conv_geom g,
				pg;
	size_t		nin,
				nconv,
				npool,
				nw;
	float	   *x,
			   *y,
			   *dpool,
			   *dz,
			   *col,
			   *grads[2][3];
	bool		same;

	if (dl_network_init(&net, s, 2, &in) != DL_OK)
		return false;
	for (size_t i = 0; i < net.n_params; i++)
		net.params[i] = (float) th_rand_normal(st);
	dl_conv_geometry(&net.layers[0], &g);
	dl_pool_geometry(&net.layers[1], &pg);
	nin = dl_shape_size(&in) * n;
	nconv = dl_shape_size(&net.layers[0].out_shape) * n;
	npool = dl_shape_size(&net.output_shape) * n;
	nw = (size_t) g.f * g.c * g.kh * g.kw;
	x = random_floats(nin, 1.0, st);
	y = malloc(sizeof(float) * nconv);
	dz = malloc(sizeof(float) * nconv);
	dpool = random_floats(npool, 1.0, st);
	col = malloc(sizeof(float) * dl_conv_col_size(&net.layers[0], n));
	dl_conv2d_forward(y, NULL, x, net.params, net.params + nw, col, n, &g, conv.conv.activation, 0.0f);
	dl_conv2d_sparse_limit = limit;
	for (int pass = 0; pass < 2; pass++)
	{
		grads[pass][0] = malloc(sizeof(float) * nin);
		grads[pass][1] = calloc(nw, sizeof(float));
		grads[pass][2] = calloc(g.f, sizeof(float));
	}
	dl_maxpool2d_backward(dz, dpool, y, n, &pg);
	dl_conv2d_backward(grads[0][0], grads[0][1], grads[0][2], dz, x, y, NULL, net.params, col, n,
					   &g, conv.conv.activation, 0.0f);
	dl_conv2d_maxpool_backward(grads[1][0], grads[1][1], grads[1][2], dpool, &pg, x, y, NULL,
							   net.params, col, n, &g, conv.conv.activation, 0.0f);
	same = memcmp(grads[0][0], grads[1][0], sizeof(float) * nin) == 0 &&
		memcmp(grads[0][1], grads[1][1], sizeof(float) * nw) == 0 &&
		memcmp(grads[0][2], grads[1][2], sizeof(float) * g.f) == 0;
	for (int pass = 0; pass < 2; pass++)
		for (int k = 0; k < 3; k++)
			free(grads[pass][k]);
	free(x);
	free(y);
	free(dz);
	free(dpool);
	free(col);
	dl_network_free(&net);
	return same;
}

static void
test_conv_pool_backward(void)
{
	uint64_t	st = 93;
	float		saved = dl_conv2d_sparse_limit;
	dl_layer_spec p2 = spec_pool(DL_LAYER_MAXPOOL2D, 2, 2, 2, 2);

	th_begin("conv: conv2d + maxpool2d backward in one pass gives the bits of the two passes");
	for (int k = 0; k < 3; k++)
	{
		/* the default threshold, always dense, always sparse */
		float		limit = k == 0 ? saved : k == 1 ? 0.0f : 2.0f;

		CHECK(conv_pool_matches(spec_conv2d(32, 3, 3, 1, 1, DL_PAD_VALID, 1, 1, DL_ACT_RELU), p2,
								shape3(16, 13, 13), 4, limit, &st));
		CHECK(conv_pool_matches(spec_conv2d(16, 3, 3, 1, 1, DL_PAD_VALID, 1, 1, DL_ACT_RELU), p2,
								shape3(1, 28, 28), 3, limit, &st));
		CHECK(conv_pool_matches(spec_conv2d(3, 2, 3, 1, 2, DL_PAD_SAME, 2, 1, DL_ACT_TANH), p2,
								shape3(2, 9, 8), 2, limit, &st));
		CHECK(conv_pool_matches(spec_conv2d(4, 3, 3, 1, 1, DL_PAD_VALID, 1, 1, DL_ACT_RELU),
								spec_pool(DL_LAYER_MAXPOOL2D, 3, 3, 2, 2), shape3(3, 10, 9), 2, limit,
								&st));
		CHECK(conv_pool_matches(spec_conv2d(3, 3, 3, 1, 1, DL_PAD_SAME, 1, 1, DL_ACT_LINEAR), p2,
								shape3(1, 7, 7), 2, limit, &st));
	}
	dl_conv2d_sparse_limit = saved;
	{
		/* through the network on both paths: the small CNN of the pooling gradients */
		dl_layer_spec s[6] = {spec_conv2d(3, 3, 3, 1, 1, DL_PAD_SAME, 1, 1, DL_ACT_TANH),
			spec_pool(DL_LAYER_MAXPOOL2D, 2, 2, 2, 2),
			spec_conv2d(4, 2, 2, 1, 1, DL_PAD_VALID, 1, 1, DL_ACT_TANH),
			spec_pool(DL_LAYER_MAXPOOL2D, 2, 2, 1, 1),
			spec_of(DL_LAYER_GLOBAL_AVGPOOL), spec_dense(3, DL_ACT_SOFTMAX)};

		for (int k = 0; k < 2; k++)
		{
			dl_conv2d_sparse_limit = k == 0 ? 0.0f : 2.0f;
			gradcheck_net("conv + maxpool, twice", s, 6, shape3(2, 7, 7), 4, DL_LOSS_CE, 3,
						  1e-3, 726);
		}
		dl_conv2d_sparse_limit = saved;
	}
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

/* ---- attention, transformer_encoder, positional_encoding ------------------ */

static dl_layer_spec
spec_attn(dl_layer_type t, int heads, int key_dim, bool causal, float rate)
{
	dl_layer_spec s = spec_of(t);

	s.attention.heads = heads;
	s.attention.key_dim = key_dim;
	s.attention.causal = causal;
	s.attention.rate = rate;
	return s;
}

static dl_layer_spec
spec_transformer(int heads, int ff, dl_activation a, bool norm_first, bool causal, float rate)
{
	dl_layer_spec s = spec_attn(DL_LAYER_TRANSFORMER_ENCODER, heads, 0, causal, rate);

	s.attention.ff_dim = ff;
	s.attention.activation = a;
	s.attention.norm_first = norm_first;
	return s;
}

static void
test_birnn_reference(void)
{
	th_begin("bidirectional lstm and gru: the forward set on the steps, the backward set on the reversed steps, side by side");
	for (int k = 0; k < 4; k++)
	{
		dl_layer_type t = k % 2 ? DL_LAYER_GRU : DL_LAYER_LSTM;
		bool		seq = k >= 2;
		int			T = 5,
					F = 3,
					U = 4,
					n = 3;
		dl_layer_spec bi = spec_rnn(t, U, seq);
		dl_layer_spec one = spec_rnn(t, U, true);
		dl_network	net,
					single;
		dl_workspace *ws;
		uint64_t	st = 950 + k;
		float	   *x = random_floats((size_t) n * T * F, 1.0, &st);
		float	   *xrev = malloc(sizeof(float) * n * T * F);
		float		y[3 * 5 * 8],
					fwd[3 * 5 * 4],
					bwd[3 * 5 * 4];

		bi.rnn.bidirectional = true;
		if (!build_net(&net, &bi, 1, shape2(T, F), 31 + k) ||
			!build_net(&single, &one, 1, shape2(T, F), 1))
			continue;
		CHECK(net.n_params == 2 * single.n_params);
		CHECK(seq ? (net.output_shape.ndim == 2 && net.output_shape.dim[1] == 2 * U)
			  : (net.output_shape.ndim == 1 && net.output_shape.dim[0] == 2 * U));
		/* both directions are initialised as a layer of their own: lstm forget bias 1 */
		if (t == DL_LAYER_LSTM)
			CHECK(net.params[net.n_params / 2 + (F + U) * 4 * U + U] == 1.0f);
		for (size_t i = 0; i < net.n_params; i++)
			net.params[i] += (float) (0.3 * th_rand_normal(&st));
		for (int b = 0; b < n; b++)
			for (int s = 0; s < T; s++)
				memcpy(xrev + ((size_t) b * T + s) * F, x + ((size_t) b * T + T - 1 - s) * F,
					   sizeof(float) * F);
		CHECK_STATUS(dl_workspace_create(&net, 2, false, &ws), DL_OK);
		dl_network_predict(&net, ws, x, n, y);	/* in chunks of 2 */
		dl_workspace_free(ws);
		CHECK_STATUS(dl_workspace_create(&single, n, false, &ws), DL_OK);
		memcpy(single.params, net.params, sizeof(float) * single.n_params);
		dl_network_predict(&single, ws, x, n, fwd);
		memcpy(single.params, net.params + single.n_params, sizeof(float) * single.n_params);
		dl_network_predict(&single, ws, xrev, n, bwd);
		dl_workspace_free(ws);
		for (int b = 0; b < n; b++)
			for (int s = 0; s < (seq ? T : 1); s++)
			{
				/* last states: the forward one at step T, the backward one after reading step 1 */
				int			tf = seq ? s : T - 1;
				int			tb = seq ? T - 1 - s : T - 1;
				const float *yr = y + ((size_t) b * (seq ? T : 1) + s) * 2 * U;

				for (int j = 0; j < U; j++)
				{
					CHECK_NEAR(yr[j], fwd[((size_t) b * T + tf) * U + j], 1e-6);
					CHECK_NEAR(yr[U + j], bwd[((size_t) b * T + tb) * U + j], 1e-6);
				}
			}
		free(x);
		free(xrev);
		dl_network_free(&net);
		dl_network_free(&single);
	}
	th_end();
}

static void
test_grad_attention(void)
{
	dl_layer_spec pe = spec_of(DL_LAYER_POSITIONAL_ENCODING);
	dl_layer_spec learned = spec_of(DL_LAYER_POSITIONAL_ENCODING);

	learned.posenc.learned = true;
	th_begin("gradients: attention (heads, causal mask, dropout, no bias), transformer_encoder (post-norm, norm_first), positional encodings");
	gradcheck_net("attention 1 head", (dl_layer_spec[]) {spec_attn(DL_LAYER_ATTENTION, 1, 2, false, 0)},
				  1, shape2(4, 3), 2, 0, 0, 2e-3, 1100);
	gradcheck_net("attention 2 heads causal", (dl_layer_spec[]) {spec_attn(DL_LAYER_ATTENTION, 2, 3, true, 0)},
				  1, shape2(5, 4), 3, 0, 0, 2e-3, 1101);
	{
		dl_layer_spec a = spec_attn(DL_LAYER_ATTENTION, 3, 0, false, 0);

		a.attention.use_bias = false;
		gradcheck_net("attention no bias, key_dim D / heads", &a, 1, shape2(3, 6), 2, 0, 0, 2e-3, 1102);
	}
	gradcheck_net("attention dropout 0.3 causal", (dl_layer_spec[]) {spec_attn(DL_LAYER_ATTENTION, 2, 2, true, 0.3f)},
				  1, shape2(4, 4), 2, 0, 0, 2e-3, 1103);
	gradcheck_net("attention T=1", (dl_layer_spec[]) {spec_attn(DL_LAYER_ATTENTION, 1, 1, true, 0)},
				  1, shape2(1, 2), 1, 0, 0, 2e-3, 1104);
	gradcheck_net("transformer post-norm", (dl_layer_spec[]) {spec_transformer(2, 5, DL_ACT_TANH, false, false, 0)},
				  1, shape2(3, 4), 2, 0, 0, 2e-3, 1110);
	gradcheck_net("transformer norm_first causal gelu", (dl_layer_spec[]) {spec_transformer(2, 6, DL_ACT_GELU, true, true, 0)},
				  1, shape2(4, 4), 2, 0, 0, 2e-3, 1111);
	gradcheck_net("transformer post-norm dropout 0.2", (dl_layer_spec[]) {spec_transformer(1, 3, DL_ACT_TANH, false, false, 0.2f)},
				  1, shape2(3, 3), 3, 0, 0, 2e-3, 1112);
	gradcheck_net("transformer norm_first dropout 0.25", (dl_layer_spec[]) {spec_transformer(2, 4, DL_ACT_SIGMOID, true, false, 0.25f)},
				  1, shape2(3, 4), 2, 0, 0, 2e-3, 1113);
	gradcheck_net("positional (sinusoidal) + attention", (dl_layer_spec[]) {pe, spec_attn(DL_LAYER_ATTENTION, 1, 2, false, 0)},
				  2, shape2(3, 4), 2, 0, 0, 2e-3, 1120);
	gradcheck_net("dense + learned positions", (dl_layer_spec[]) {spec_dense(3, DL_ACT_TANH), learned},
				  2, shape2(4, 2), 3, 0, 0, 2e-3, 1121);
	/* the benchmark's shape, small: projection, encoder, mean over steps, classes */
	gradcheck_net("transformer classifier", (dl_layer_spec[]) {spec_dense(4, DL_ACT_LINEAR), learned,
				  spec_transformer(2, 5, DL_ACT_TANH, false, false, 0), spec_of(DL_LAYER_GLOBAL_AVGPOOL),
				  spec_dense(3, DL_ACT_SOFTMAX)}, 5, shape2(4, 3), 3, DL_LOSS_CE, 3, 1e-3, 1130);
	/* two stacked encoders, causal, pre-norm then post-norm */
	gradcheck_net("two encoders", (dl_layer_spec[]) {spec_transformer(1, 4, DL_ACT_TANH, true, true, 0),
				  spec_transformer(2, 3, DL_ACT_TANH, false, true, 0)}, 2, shape2(3, 4), 2, 0, 0,
				  2e-3, 1131);
	th_end();
}

/* layer normalization of v (D) in double, gamma 1-ish from p: (v - mean) / sd * g + b */
static void
ln_ref(double *out, const double *v, const float *g, int D, double eps)
{
	double		m = 0,
				var = 0;

	for (int i = 0; i < D; i++)
		m += v[i] / D;
	for (int i = 0; i < D; i++)
		var += (v[i] - m) * (v[i] - m) / D;
	for (int i = 0; i < D; i++)
		out[i] = (v[i] - m) / sqrt(var + eps) * g[i] + g[D + i];
}

/* a post-norm or norm_first encoder on one row, from dl_attention_ref (tanh feed-forward) */
static void
transformer_ref(double *y, const float *x, const float *p, int T, int D, int H, int K,
				int FF, bool norm_first, bool causal)
{
	size_t		hk = (size_t) H * K;
	size_t		na = (size_t) D * 3 * hk + 3 * hk + hk * D + D;
	const float *ln1 = p + na,
			   *w1 = ln1 + 2 * D,
			   *b1 = w1 + D * FF,
			   *w2 = b1 + FF,
			   *b2 = w2 + FF * D,
			   *ln2 = b2 + D;
	float		in[8 * 8],
				att[8 * 8];
	double		h[8 * 8],
				u[8 * 8],
				tmp[8];

	for (int t = 0; t < T; t++)
	{
		double		xt[8];

		for (int i = 0; i < D; i++)
			xt[i] = x[t * D + i];
		if (norm_first)
			ln_ref(u + t * D, xt, ln1, D, 1e-5);
		for (int i = 0; i < D; i++)
			in[t * D + i] = (float) (norm_first ? u[t * D + i] : xt[i]);
	}
	dl_attention_ref(att, in, p, T, D, H, K, causal, true);
	for (int t = 0; t < T; t++)
	{
		double		r[8],
					v[8],
					g[16],
					f[8];

		for (int i = 0; i < D; i++)
			r[i] = x[t * D + i] + att[t * D + i];
		if (norm_first)
			memcpy(h + t * D, r, sizeof(double) * D);
		else
			ln_ref(h + t * D, r, ln1, D, 1e-5);
		if (norm_first)
			ln_ref(v, h + t * D, ln2, D, 1e-5);
		else
			memcpy(v, h + t * D, sizeof(double) * D);
		for (int j = 0; j < FF; j++)
		{
			g[j] = b1[j];
			for (int i = 0; i < D; i++)
				g[j] += v[i] * w1[i * FF + j];
			g[j] = tanh(g[j]);
		}
		for (int i = 0; i < D; i++)
		{
			f[i] = b2[i];
			for (int j = 0; j < FF; j++)
				f[i] += g[j] * w2[j * D + i];
			tmp[i] = h[t * D + i] + f[i];
		}
		if (norm_first)
			memcpy(y + t * D, tmp, sizeof(double) * D);
		else
			ln_ref(y + t * D, tmp, ln2, D, 1e-5);
	}
}

static void
test_attention_reference(void)
{
	/* T, D, H, K, causal, bias */
	static const int cases[][6] = {
		{1, 1, 1, 1, 0, 1}, {5, 4, 2, 2, 0, 1}, {7, 3, 3, 5, 1, 1}, {6, 8, 4, 2, 1, 0},
		{13, 5, 1, 7, 0, 0}, {9, 6, 2, 3, 1, 1}, {33, 16, 4, 4, 1, 1}
	};

	th_begin("attention: the batched heads equal a naive attention per row (odd sizes, causal, no bias); the encoder equals its equations; sinusoids");
	for (int c = 0; c < (int) (sizeof(cases) / sizeof(cases[0])); c++)
	{
		int			T = cases[c][0],
					D = cases[c][1],
					H = cases[c][2],
					K = cases[c][3],
					n = 3;
		dl_layer_spec s = spec_attn(DL_LAYER_ATTENTION, H, K, cases[c][4] != 0, 0);
		dl_network	net;
		dl_workspace *ws;
		uint64_t	st = 1200 + c;
		float	   *x,
				   *y,
				   *ref;

		s.attention.use_bias = cases[c][5] != 0;
		if (!build_net(&net, &s, 1, shape2(T, D), 7 + c))
			continue;
		CHECK(net.n_params == (size_t) 4 * D * H * K + (s.attention.use_bias ? (size_t) 3 * H * K + D : 0));
		for (size_t i = 0; i < net.n_params; i++)
			net.params[i] += (float) (0.2 * th_rand_normal(&st));
		x = random_floats((size_t) n * T * D, 1.0, &st);
		y = malloc(sizeof(float) * n * T * D);
		ref = malloc(sizeof(float) * T * D);
		CHECK_STATUS(dl_workspace_create(&net, 2, false, &ws), DL_OK);
		dl_network_predict(&net, ws, x, n, y);	/* in chunks of 2 */
		dl_workspace_free(ws);
		for (int r = 0; r < n; r++)
		{
			dl_attention_ref(ref, x + (size_t) r * T * D, net.params, T, D, H, K, s.attention.causal,
							 s.attention.use_bias);
			for (int i = 0; i < T * D; i++)
				if (fabs(y[(size_t) r * T * D + i] - ref[i]) > 2e-5 * (1 + fabs(ref[i])))
				{
					th_fail(__FILE__, __LINE__, "case %d row %d value %d: %g, naive %g", c, r, i,
							y[(size_t) r * T * D + i], ref[i]);
					break;
				}
		}
		if (s.attention.causal)
		{
			/* the first step attends to itself only: changing later steps leaves it alone */
			float	   *x2 = malloc(sizeof(float) * T * D);

			memcpy(x2, x, sizeof(float) * T * D);
			for (int i = D; i < T * D; i++)
				x2[i] += 1.0f;
			dl_attention_ref(ref, x2, net.params, T, D, H, K, true, s.attention.use_bias);
			for (int i = 0; i < D; i++)
				CHECK_NEAR(ref[i], y[i], 2e-5 * (1 + fabs(y[i])));
			free(x2);
		}
		free(x);
		free(y);
		free(ref);
		dl_network_free(&net);
	}

	for (int k = 0; k < 4; k++)
	{
		/* the encoder, post-norm and norm_first, causal or not, against its equations */
		int			T = 5,
					D = 4,
					H = 2,
					FF = 6,
					n = 2;
		dl_layer_spec s = spec_transformer(H, FF, DL_ACT_TANH, k & 1, k >= 2, 0.3f);
		dl_network	net;
		dl_workspace *ws;
		uint64_t	st = 1300 + k;
		float	   *x,
				   *y;
		double		ref[5 * 4];

		if (!build_net(&net, &s, 1, shape2(T, D), 11 + k))
			continue;
		CHECK(net.layers[0].spec.attention.key_dim == D / H);
		for (size_t i = 0; i < net.n_params; i++)
			net.params[i] += (float) (0.2 * th_rand_normal(&st));
		x = random_floats((size_t) n * T * D, 1.0, &st);
		y = malloc(sizeof(float) * n * T * D);
		CHECK_STATUS(dl_workspace_create(&net, n, false, &ws), DL_OK);
		dl_network_predict(&net, ws, x, n, y);	/* dropout is off when predicting */
		dl_workspace_free(ws);
		for (int r = 0; r < n; r++)
		{
			transformer_ref(ref, x + (size_t) r * T * D, net.params, T, D, H, D / H, FF,
							k & 1, k >= 2);
			for (int i = 0; i < T * D; i++)
				if (fabs(y[(size_t) r * T * D + i] - ref[i]) > 5e-5 * (1 + fabs(ref[i])))
				{
					th_fail(__FILE__, __LINE__, "encoder %d row %d value %d: %g, equations %g",
							k, r, i, y[(size_t) r * T * D + i], ref[i]);
					break;
				}
		}
		free(x);
		free(y);
		dl_network_free(&net);
	}

	{
		/* the sinusoids of position t: sin and cos of t / 10000^(2i / D) */
		float		tab[6 * 5];

		dl_sinusoids(tab, 6, 5);
		CHECK(tab[0] == 0.0f && tab[1] == 1.0f);
		CHECK_NEAR(tab[5 + 0], sin(1.0), 1e-7);
		CHECK_NEAR(tab[5 + 1], cos(1.0), 1e-7);
		CHECK_NEAR(tab[3 * 5 + 2], sin(3.0 / pow(10000.0, 2.0 / 5)), 1e-7);
		CHECK_NEAR(tab[3 * 5 + 3], cos(3.0 / pow(10000.0, 2.0 / 5)), 1e-7);
		CHECK_NEAR(tab[5 * 5 + 4], sin(5.0 / pow(10000.0, 4.0 / 5)), 1e-7);
	}
	th_end();
}

static void
test_attention_shapes(void)
{
	dl_network	net;
	dl_layer_spec s;

	th_begin("attention layers: shapes, parameter counts, defaults and the errors of a bad plan");
	/* a vector is not a sequence */
	s = spec_attn(DL_LAYER_ATTENTION, 2, 0, false, 0);
	CHECK_STATUS(dl_network_init(&net, &s, 1, &(dl_shape) {1, {6}}), DL_EINVAL);
	CHECK(strstr(th_last_message, "layer 1 (attention): needs a sequence of shape [T, D], got [6]") != NULL);
	dl_network_free(&net);
	/* key_dim from D / heads only when it divides */
	CHECK_STATUS(dl_network_init(&net, &s, 1, &(dl_shape) {2, {4, 5}}), DL_EINVAL);
	CHECK(strstr(th_last_message, "the model dimension 5 is not a multiple of heads (2); set key_dim") != NULL);
	dl_network_free(&net);
	/* heads and key_dim are each in range, their product is not: a range error as theirs */
	s.attention.heads = 1024;
	s.attention.key_dim = 1025;
	CHECK_STATUS(dl_network_init(&net, &s, 1, &(dl_shape) {2, {4, 5}}), DL_EINVAL);
	CHECK(strstr(th_last_message, "heads x key_dim is above 1048576") != NULL);
	dl_network_free(&net);
	s.attention.heads = 2;
	s.attention.key_dim = 3;
	CHECK_STATUS(dl_network_init(&net, &s, 1, &(dl_shape) {2, {4, 5}}), DL_OK);
	CHECK(net.n_params == (size_t) 5 * 18 + 18 + 6 * 5 + 5);
	CHECK(net.output_shape.ndim == 2 && net.output_shape.dim[0] == 4 && net.output_shape.dim[1] == 5);
	dl_network_free(&net);
	/* the encoder: ff_dim 4 D by default; relu and dropout 0.1 as PyTorch */
	s = spec_of(DL_LAYER_TRANSFORMER_ENCODER);
	CHECK(s.attention.activation == DL_ACT_RELU && s.attention.rate == 0.1f && s.attention.heads == 1 &&
		  !s.attention.norm_first);
	CHECK_STATUS(dl_network_init(&net, &s, 1, &(dl_shape) {2, {3, 8}}), DL_OK);
	CHECK(net.layers[0].spec.attention.ff_dim == 32 && net.layers[0].spec.attention.key_dim == 8);
	CHECK(net.n_params == (size_t) (4 * 64 + 3 * 8 + 8) + 4 * 8 + 2 * 8 * 32 + 32 + 8);
	dl_network_free(&net);
	/* the sinusoidal table is stored, not trained; a learned one is trained */
	s = spec_of(DL_LAYER_POSITIONAL_ENCODING);
	CHECK_STATUS(dl_network_init(&net, &s, 1, &(dl_shape) {2, {3, 4}}), DL_OK);
	CHECK(net.layers[0].n_params == 12 && net.layers[0].n_trainable == 0);
	dl_network_init_params(&net, 1);
	CHECK_NEAR(net.params[4], sin(1.0), 1e-7);
	dl_network_free(&net);
	s.posenc.learned = true;
	CHECK_STATUS(dl_network_init(&net, &s, 1, &(dl_shape) {2, {3, 4}}), DL_OK);
	CHECK(net.layers[0].n_trainable == 12);
	dl_network_free(&net);
	CHECK_STATUS(dl_network_init(&net, &s, 1, &(dl_shape) {3, {1, 3, 4}}), DL_EINVAL);
	CHECK(strstr(th_last_message, "(positional_encoding): needs a sequence of shape [T, D], got [1, 3, 4]") != NULL);
	dl_network_free(&net);
	th_end();
}

/*
 * The layer's buffers at exactly the sizes the workspace gives them
 * (n * dl_attn_saved_size, n * dl_attn_scratch_size of training or of
 * prediction), each its own allocation, so that an overrun of a sizing
 * rule is an ASan report rather than a write into a neighbouring buffer of
 * the workspace's block; prediction equals training without dropout; every
 * path (attention, post-norm, norm_first, causal, dropout, an activation
 * that keeps its input or not, key_dim apart from D / heads, one row and
 * several).
 */
static void
test_attention_buffers(void)
{
	static const struct
	{
		dl_layer_type type;
		int			T,
					D,
					H,
					K,
					FF;
		bool		norm_first,
					causal;
		float		rate;
		dl_activation act;
	}			cases[] = {
		{DL_LAYER_ATTENTION, 5, 3, 2, 4, 0, false, false, 0.0f, DL_ACT_LINEAR},
		{DL_LAYER_ATTENTION, 7, 2, 3, 5, 0, false, true, 0.4f, DL_ACT_LINEAR},
		{DL_LAYER_ATTENTION, 1, 4, 1, 1, 0, false, false, 0.2f, DL_ACT_LINEAR},
		{DL_LAYER_TRANSFORMER_ENCODER, 6, 4, 2, 0, 3, false, false, 0.0f, DL_ACT_TANH},
		{DL_LAYER_TRANSFORMER_ENCODER, 6, 4, 2, 7, 3, false, true, 0.3f, DL_ACT_RELU},
		{DL_LAYER_TRANSFORMER_ENCODER, 9, 3, 3, 0, 11, true, false, 0.0f, DL_ACT_GELU},
		{DL_LAYER_TRANSFORMER_ENCODER, 4, 6, 1, 2, 1, true, true, 0.5f, DL_ACT_SIGMOID},
		{DL_LAYER_TRANSFORMER_ENCODER, 2, 2, 2, 0, 9, true, false, 0.1f, DL_ACT_LEAKY_RELU},
	};

	th_begin("attention: forward and backward stay inside buffers of exactly the workspace's sizes (training and prediction, one row and several)");
	for (int c = 0; c < (int) (sizeof(cases) / sizeof(cases[0])); c++)
	{
		dl_layer_spec s = spec_attn(cases[c].type, cases[c].H, cases[c].K, cases[c].causal,
									cases[c].rate);
		dl_network	net;

		if (cases[c].type == DL_LAYER_TRANSFORMER_ENCODER)
		{
			s.attention.ff_dim = cases[c].FF;
			s.attention.activation = cases[c].act;
			s.attention.norm_first = cases[c].norm_first;
		}
		if (!build_net(&net, &s, 1, shape2(cases[c].T, cases[c].D), 300 + c))
			continue;
		for (int n = 1; n <= 3; n += 2)
		{
			const dl_layer *l = &net.layers[0];
			size_t		size = (size_t) n * cases[c].T * cases[c].D;
			uint64_t	st = 77 + c;
			float	   *x = random_floats(size, 1.0, &st);
			float	   *dy = random_floats(size, 1.0, &st);
			float	   *y = malloc(sizeof(float) * size);
			float	   *dx = malloc(sizeof(float) * size);
			float	   *dp = calloc(net.n_params, sizeof(float));
			float	   *saved = malloc(sizeof(float) * n * dl_attn_saved_size(l));
			float	   *scratch = malloc(sizeof(float) * n * dl_attn_scratch_size(l, true));
			float	   *pscratch = malloc(sizeof(float) * n * dl_attn_scratch_size(l, false));
			dl_rng		rng;
			bool		finite = true;

			dl_rng_seed(&rng, 5);
			dl_attn_forward(l, y, saved, scratch, x, net.params, NULL, n, &rng);
			dl_attn_backward(l, dx, dp, dy, x, net.params, saved, scratch, n);
			/* the first layer of a network: no input gradient */
			dl_attn_backward(l, NULL, dp, dy, x, net.params, saved, scratch, n);
			for (size_t i = 0; i < size; i++)
				finite = finite && isfinite(y[i]) && isfinite(dx[i]);
			for (size_t i = 0; i < net.n_params; i++)
				finite = finite && isfinite(dp[i]);
			/* prediction: its own scratch only, the same outputs as training's without dropout */
			dl_attn_forward(l, y, NULL, pscratch, x, net.params, NULL, n, NULL);
			if (cases[c].rate == 0.0f)
			{
				float	   *yt = malloc(sizeof(float) * size);

				dl_attn_forward(l, yt, saved, scratch, x, net.params, NULL, n, &rng);
				if (memcmp(y, yt, sizeof(float) * size) != 0)
					th_fail(__FILE__, __LINE__, "case %d, %d rows: prediction differs from training", c, n);
				free(yt);
			}
			for (size_t i = 0; i < size; i++)
				finite = finite && isfinite(y[i]);
			if (!finite)
				th_fail(__FILE__, __LINE__, "case %d, %d rows: a value is not finite", c, n);
			free(x);
			free(dy);
			free(y);
			free(dx);
			free(dp);
			free(saved);
			free(scratch);
			free(pscratch);
		}
		dl_network_free(&net);
	}
	th_end();
}

/* ---- padding masks (an embedding's mask_zero) ---------------------------- */

#define MASK_VOCAB 7
#define MASK_D 4

static dl_layer_spec
spec_embedding(int vocab, int d, bool mask_zero)
{
	dl_layer_spec s = spec_of(DL_LAYER_EMBEDDING);

	s.embedding.input_dim = vocab;
	s.embedding.output_dim = d;
	s.embedding.mask_zero = mask_zero;
	return s;
}

/*
 * The network of specs (an embedding first) on a sequence of real tokens
 * and on the same tokens padded to 3 T + 2 with zeros before them, after
 * them and around them, all in one batch: the outputs must agree with the
 * embedding's mask_zero, and (when differs) differ without it.
 */
static void
check_mask_invariance(const char *name, dl_layer_spec *specs, int nspecs, bool differs,
					  uint64_t seed)
{
	enum
	{
		T = 5, TP = 3 * T + 2
	};
	float		tokens[T] = {3, 1, 6, 2, 5};

	for (int masked = 1; masked >= (differs ? 0 : 1); masked--)
	{
		dl_network	a,
					b;
		dl_workspace *wa = NULL,
				   *wb = NULL;
		float		xb[3 * TP];
		float	   *ya,
				   *yb;
		size_t		k;
		double		worst = 0.0;

		specs[0].embedding.mask_zero = masked;
		if (!build_net(&a, specs, nspecs, shape1(T), seed))
			return;
		if (!build_net(&b, specs, nspecs, shape1(TP), seed))
		{
			dl_network_free(&a);
			return;
		}
		/* the same parameters: only a positional table grows with T, by rows */
		for (int i = 0; i < a.n_layers; i++)
			memcpy(b.params + b.layers[i].param_offset, a.params + a.layers[i].param_offset,
				   sizeof(float) * a.layers[i].n_params);
		k = dl_shape_size(&a.output_shape);
		/* rows: pre-padded, post-padded, padded on both sides */
		memset(xb, 0, sizeof(xb));
		memcpy(xb + TP - T, tokens, sizeof(tokens));
		memcpy(xb + TP, tokens, sizeof(tokens));
		memcpy(xb + 2 * TP + 4, tokens, sizeof(tokens));
		ya = malloc(sizeof(float) * k);
		yb = malloc(sizeof(float) * 3 * k);
		CHECK_STATUS(dl_workspace_create(&a, 1, false, &wa), DL_OK);
		CHECK_STATUS(dl_workspace_create(&b, 3, false, &wb), DL_OK);
		if (wa && wb)
		{
			dl_network_predict(&a, wa, tokens, 1, ya);
			dl_network_predict(&b, wb, xb, 3, yb);
			for (int r = 0; r < 3; r++)
				for (size_t j = 0; j < k; j++)
					worst = fmax(worst, fabs((double) yb[r * k + j] - ya[j]) /
								 fmax(1.0, fabs((double) ya[j])));
			if (masked && !(worst <= 2e-5))
				th_fail(__FILE__, __LINE__, "%s: padded and unpadded outputs differ by %g",
						name, worst);
			if (!masked && !(worst > 1e-4))
				th_fail(__FILE__, __LINE__, "%s: without mask_zero the padding should change the output (%g)",
						name, worst);
		}
		free(ya);
		free(yb);
		dl_workspace_free(wa);
		dl_workspace_free(wb);
		dl_network_free(&a);
		dl_network_free(&b);
	}
}

static void
test_mask_invariance(void)
{
	dl_layer_spec e = spec_embedding(MASK_VOCAB, MASK_D, true);
	dl_layer_spec pool = spec_of(DL_LAYER_GLOBAL_AVGPOOL);
	dl_layer_spec out = spec_dense(3, DL_ACT_SOFTMAX);
	dl_layer_spec learned = spec_of(DL_LAYER_POSITIONAL_ENCODING);
	static const dl_layer_type rnns[] = {DL_LAYER_LSTM, DL_LAYER_GRU};

	learned.posenc.learned = true;
	th_begin("masks: a sequence padded before, after or around gives the unpadded output through every layer that reads sequences");
	check_mask_invariance("global_avgpool", (dl_layer_spec[]) {e, pool, out}, 3, true, 1);
	check_mask_invariance("dense, layernorm, dropout, activation per step, then global_avgpool",
						  (dl_layer_spec[]) {e, spec_dense(5, DL_ACT_TANH), spec_of(DL_LAYER_LAYERNORM),
						  spec_dropout(0.2f), spec_act(DL_ACT_RELU, 0), pool, out}, 7, true, 2);
	for (int i = 0; i < 2; i++)
	{
		dl_layer_spec bi = spec_rnn(rnns[i], 3, false);
		dl_layer_spec biseq = spec_rnn(rnns[i], 2, true);
		char		name[96];

		bi.rnn.bidirectional = biseq.rnn.bidirectional = true;
		snprintf(name, sizeof(name), "%s last state", dl_layer_type_name(rnns[i]));
		check_mask_invariance(name, (dl_layer_spec[]) {e, spec_rnn(rnns[i], 3, false), out}, 3,
							  true, 10 + i);
		snprintf(name, sizeof(name), "%s every state, stacked, then global_avgpool",
				 dl_layer_type_name(rnns[i]));
		check_mask_invariance(name, (dl_layer_spec[]) {e, spec_rnn(rnns[i], 3, true),
							  spec_rnn(rnns[i], 2, true), pool, out}, 5, true, 12 + i);
		snprintf(name, sizeof(name), "bidirectional %s last state", dl_layer_type_name(rnns[i]));
		check_mask_invariance(name, (dl_layer_spec[]) {e, bi, out}, 3, true, 14 + i);
		snprintf(name, sizeof(name), "bidirectional %s every state, then its last state",
				 dl_layer_type_name(rnns[i]));
		check_mask_invariance(name, (dl_layer_spec[]) {e, biseq, bi, out}, 4, true, 16 + i);
	}
	check_mask_invariance("attention + global_avgpool",
						  (dl_layer_spec[]) {e, spec_attn(DL_LAYER_ATTENTION, 2, 3, false, 0), pool, out},
						  4, true, 20);
	check_mask_invariance("causal attention + lstm",
						  (dl_layer_spec[]) {e, spec_attn(DL_LAYER_ATTENTION, 2, 2, true, 0),
						  spec_rnn(DL_LAYER_LSTM, 3, false), out}, 4, true, 21);
	check_mask_invariance("sinusoidal positions + transformer_encoder + global_avgpool",
						  (dl_layer_spec[]) {e, spec_of(DL_LAYER_POSITIONAL_ENCODING),
						  spec_transformer(2, 6, DL_ACT_RELU, false, false, 0.1f), pool, out}, 5, true, 22);
	check_mask_invariance("learned positions + pre-norm transformer_encoder + gru",
						  (dl_layer_spec[]) {e, learned,
						  spec_transformer(1, 5, DL_ACT_GELU, true, false, 0), spec_rnn(DL_LAYER_GRU, 2, false),
						  out}, 5, true, 23);
	th_end();
}

static void
test_mask_plan(void)
{
	dl_network	net;
	dl_layer_spec e = spec_embedding(MASK_VOCAB, MASK_D, true);
	dl_shape	in = shape1(6);

	th_begin("masks: carried through the layers that keep the steps, stopped where they change or a layer cannot honour it");
	{
		dl_layer_spec s[6] = {e, spec_dense(3, DL_ACT_RELU), spec_rnn(DL_LAYER_GRU, 2, true),
		spec_rnn(DL_LAYER_LSTM, 2, false), spec_dense(2, DL_ACT_LINEAR), spec_dense(1, DL_ACT_LINEAR)};

		if (build_net(&net, s, 6, in, 1))
		{
			CHECK(!net.layers[0].mask_in && net.layers[1].mask_in && net.layers[2].mask_in &&
				  net.layers[3].mask_in && !net.layers[4].mask_in && !net.layers[5].mask_in);
			dl_network_free(&net);
		}
	}
	{
		dl_layer_spec s[4] = {e, spec_conv1d(3, 2, 1, DL_PAD_SAME, 1, DL_ACT_TANH),
		spec_of(DL_LAYER_GLOBAL_AVGPOOL), spec_dense(1, DL_ACT_LINEAR)};

		if (build_net(&net, s, 4, in, 1))
		{
			CHECK(net.layers[1].mask_in && !net.layers[2].mask_in);
			dl_network_free(&net);
		}
		s[1] = spec_of(DL_LAYER_BATCHNORM);
		if (build_net(&net, s, 4, in, 1))
		{
			CHECK(net.layers[1].mask_in && !net.layers[2].mask_in);
			dl_network_free(&net);
		}
		s[1] = spec_of(DL_LAYER_FLATTEN);
		s[2] = spec_dense(2, DL_ACT_LINEAR);
		if (build_net(&net, s, 4, in, 1))
		{
			CHECK(net.layers[1].mask_in && !net.layers[2].mask_in);
			dl_network_free(&net);
		}
		/* without mask_zero nothing is masked, and the workspace holds no mask */
		s[0].embedding.mask_zero = false;
		if (build_net(&net, s, 4, in, 1))
		{
			dl_workspace *ws;

			CHECK(!net.layers[1].mask_in);
			CHECK_STATUS(dl_workspace_create(&net, 2, true, &ws), DL_OK);
			CHECK(ws->mask == NULL);
			dl_workspace_free(ws);
			dl_network_free(&net);
		}
	}
	th_end();
}

static void
test_grad_masks(void)
{
	dl_layer_spec e = spec_embedding(MASK_VOCAB, 3, true);
	dl_layer_spec pool = spec_of(DL_LAYER_GLOBAL_AVGPOOL);
	dl_layer_spec learned = spec_of(DL_LAYER_POSITIONAL_ENCODING);
	static const dl_layer_type rnns[] = {DL_LAYER_LSTM, DL_LAYER_GRU};

	learned.posenc.learned = true;
	th_begin("gradients with padding masks: pooling, lstm and gru (one and both directions), attention, positions, transformer");
	gc_vocab = MASK_VOCAB;
	gc_pad = 2;
	gradcheck_net("masked global_avgpool + ce", (dl_layer_spec[]) {e, spec_dense(4, DL_ACT_TANH), pool,
				  spec_dense(3, DL_ACT_SOFTMAX)}, 4, shape1(6), 4, DL_LOSS_CE, 3, 2e-3, 900);
	for (int i = 0; i < 2; i++)
	{
		dl_layer_spec bi = spec_rnn(rnns[i], 2, false);
		dl_layer_spec biseq = spec_rnn(rnns[i], 2, true);
		char		name[96];

		bi.rnn.bidirectional = biseq.rnn.bidirectional = true;
		snprintf(name, sizeof(name), "masked %s last", dl_layer_type_name(rnns[i]));
		gradcheck_net(name, (dl_layer_spec[]) {e, spec_rnn(rnns[i], 3, false)}, 2, shape1(6), 4,
					  0, 0, 2e-3, 910 + i);
		snprintf(name, sizeof(name), "masked %s sequences, stacked", dl_layer_type_name(rnns[i]));
		gradcheck_net(name, (dl_layer_spec[]) {e, spec_rnn(rnns[i], 3, true), spec_rnn(rnns[i], 2, true)},
					  3, shape1(5), 4, 0, 0, 2e-3, 912 + i);
		snprintf(name, sizeof(name), "masked bidirectional %s, sequences then last",
				 dl_layer_type_name(rnns[i]));
		gradcheck_net(name, (dl_layer_spec[]) {e, biseq, bi}, 3, shape1(5), 4, 0, 0, 2e-3, 914 + i);
	}
	gradcheck_net("masked attention + global_avgpool", (dl_layer_spec[]) {e,
				  spec_attn(DL_LAYER_ATTENTION, 2, 2, false, 0), pool}, 3, shape1(5), 4, 0, 0,
				  2e-3, 920);
	gradcheck_net("masked causal attention, every step", (dl_layer_spec[]) {e,
				  spec_attn(DL_LAYER_ATTENTION, 1, 3, true, 0)}, 2, shape1(5), 4, 0, 0, 2e-3, 921);
	gradcheck_net("masked learned positions + transformer_encoder + global_avgpool",
				  (dl_layer_spec[]) {e, learned, spec_transformer(1, 4, DL_ACT_TANH, false, false, 0), pool},
				  4, shape1(5), 4, 0, 0, 2e-3, 922);
	gradcheck_net("masked pre-norm transformer_encoder with dropout + gru",
				  (dl_layer_spec[]) {e, spec_transformer(1, 4, DL_ACT_TANH, true, false, 0.2f),
				  spec_rnn(DL_LAYER_GRU, 2, false)}, 3, shape1(5), 4, 0, 0, 2e-3, 923);
	/* rows of padding only, beside a row without any */
	gc_pad = 4;
	gradcheck_net("masked attention + lstm with all-padding rows", (dl_layer_spec[]) {e,
				  spec_attn(DL_LAYER_ATTENTION, 1, 2, false, 0), spec_rnn(DL_LAYER_LSTM, 2, false)},
				  3, shape1(4), 3, 0, 0, 2e-3, 924);
	gc_pad = 0;
	gc_vocab = 0;
	th_end();
}

/* ---- joined networks: a sequence branch, then other inputs ------------------ */

static void
test_join_plan(void)
{
	dl_network	net;
	dl_layer_spec e = spec_embedding(MASK_VOCAB, MASK_D, true);
	dl_layer_spec pool = spec_of(DL_LAYER_GLOBAL_AVGPOOL);
	dl_shape	in = shape1(6);
	int			join;

	th_begin("joins: after the first layer that gives one vector per row, the joined inputs widen the next layer's input");
	{
		dl_layer_spec s[4] = {e, pool, spec_dense(4, DL_ACT_TANH), spec_dense(3, DL_ACT_SOFTMAX)};

		CHECK_STATUS(dl_network_init_joined(&net, s, 4, &in, 2), DL_OK);
		if (net.layers)
		{
			CHECK(net.n_joined == 2 && net.join_layer == 1);
			CHECK(net.input_shape.ndim == 1 && net.input_shape.dim[0] == 8);
			CHECK(net.layers[0].in_shape.ndim == 1 && net.layers[0].in_shape.dim[0] == 6);
			CHECK(net.layers[1].out_shape.dim[0] == MASK_D);
			CHECK(net.layers[2].in_shape.ndim == 1 && net.layers[2].in_shape.dim[0] == MASK_D + 2);
			CHECK(net.layers[1].mask_in && !net.layers[2].mask_in);
			/* the dense layer after the join has a row of weights per joined input */
			CHECK(net.layers[2].n_params == (size_t) (MASK_D + 2) * 4 + 4);
			dl_network_free(&net);
		}
		CHECK_STATUS(dl_network_join_layer(s, 4, &in, 2, &join), DL_OK);
		CHECK(join == 1);
	}
	{
		dl_layer_spec s[4] = {e, spec_rnn(DL_LAYER_LSTM, 3, true), spec_rnn(DL_LAYER_GRU, 2, false),
		spec_dense(1, DL_ACT_LINEAR)};

		CHECK_STATUS(dl_network_join_layer(s, 4, &in, 5, &join), DL_OK);
		CHECK(join == 2);
		CHECK_STATUS(dl_network_init_joined(&net, s, 4, &in, 5), DL_OK);
		if (net.layers)
		{
			CHECK(net.layers[3].in_shape.dim[0] == 7 && net.input_shape.dim[0] == 11);
			dl_network_free(&net);
		}
	}
	{
		/* the branch never gives one vector: a dense layer maps each step */
		dl_layer_spec s[2] = {e, spec_dense(3, DL_ACT_LINEAR)};

		CHECK_STATUS(dl_network_join_layer(s, 2, &in, 2, &join), DL_OK);
		CHECK(join == -1);
		CHECK_STATUS(dl_network_init_joined(&net, s, 2, &in, 2), DL_EINVAL);
		CHECK(strstr(th_last_message, "never gives one vector per row before the last layer") != NULL);
	}
	{
		/* one vector only at the last layer: nothing reads the join */
		dl_layer_spec s[2] = {e, spec_rnn(DL_LAYER_LSTM, 3, false)};

		CHECK_STATUS(dl_network_join_layer(s, 2, &in, 2, &join), DL_OK);
		CHECK(join == -1);
		CHECK_STATUS(dl_network_init_joined(&net, s, 2, &in, 2), DL_EINVAL);
	}
	th_end();
}

static void
test_join_passes(void)
{
	enum
	{
		T = 5, TP = 3 * T + 2, E = 2
	};
	float		tokens[T] = {3, 1, 6, 2, 5};
	float		other[E] = {0.7f, -1.3f};
	dl_layer_spec e = spec_embedding(MASK_VOCAB, MASK_D, true);
	dl_layer_spec s[4] = {e, spec_rnn(DL_LAYER_GRU, 3, false), spec_dense(4, DL_ACT_TANH),
	spec_dense(3, DL_ACT_SOFTMAX)};
	dl_shape	ta = shape1(T),
				tb = shape1(TP);
	dl_network	a,
				b;
	dl_workspace *wa = NULL,
			   *wb = NULL;
	float		xa[2 * (T + E)],
				xb[3 * (TP + E)],
				ya[2 * 3],
				yb[3 * 3],
				emb[2 * (3 + E)];
	double		worst = 0.0,
				moved = 0.0;

	th_begin("joins: padding still masked, the joined inputs change the output, embed ends with them");
	CHECK_STATUS(dl_network_init_joined(&a, s, 4, &ta, E), DL_OK);
	CHECK_STATUS(dl_network_init_joined(&b, s, 4, &tb, E), DL_OK);
	if (a.layers && b.layers)
	{
		dl_network_init_params(&a, 41);
		CHECK(a.n_params == b.n_params);
		memcpy(b.params, a.params, sizeof(float) * a.n_params);
		/* rows of a: the tokens with other, then with other negated */
		memcpy(xa, tokens, sizeof(tokens));
		memcpy(xa + T, other, sizeof(other));
		memcpy(xa + T + E, tokens, sizeof(tokens));
		xa[2 * T + E] = -other[0];
		xa[2 * T + E + 1] = -other[1];
		/* rows of b: pre-padded, post-padded, padded around; then other */
		memset(xb, 0, sizeof(xb));
		for (int r = 0; r < 3; r++)
		{
			memcpy(xb + r * (TP + E) + (r == 0 ? TP - T : r == 1 ? 0 : 4), tokens, sizeof(tokens));
			memcpy(xb + r * (TP + E) + TP, other, sizeof(other));
		}
		CHECK_STATUS(dl_workspace_create(&a, 2, false, &wa), DL_OK);
		CHECK_STATUS(dl_workspace_create(&b, 3, false, &wb), DL_OK);
		CHECK_STATUS(dl_network_check_input(&a, xa, 2), DL_OK);
		CHECK_STATUS(dl_network_check_input(&b, xb, 3), DL_OK);
		if (wa && wb)
		{
			dl_network_predict(&a, wa, xa, 2, ya);
			dl_network_predict(&b, wb, xb, 3, yb);
			for (int r = 0; r < 3; r++)
				for (int j = 0; j < 3; j++)
					worst = fmax(worst, fabs((double) yb[r * 3 + j] - ya[j]));
			CHECK(worst <= 2e-6);
			for (int j = 0; j < 3; j++)
				moved = fmax(moved, fabs((double) ya[3 + j] - ya[j]));
			CHECK(moved > 1e-3);
			CHECK(dl_network_embed_layer(&a) == 3 && dl_network_embed_size(&a) == 4);
			dl_network_embed(&a, wa, xa, 2, emb);
		}
		/* a bad id among the first layer's inputs is refused; the joined inputs are any value */
		xa[T + E + 2] = MASK_VOCAB;
		CHECK_STATUS(dl_network_check_input(&a, xa, 2), DL_EINVAL);
		xa[T + E + 2] = 6;
		xa[T] = 1e6f;
		CHECK_STATUS(dl_network_check_input(&a, xa, 2), DL_OK);
	}
	dl_workspace_free(wa);
	dl_workspace_free(wb);
	dl_network_free(&a);
	dl_network_free(&b);
	th_end();
}

static void
test_join_embed(void)
{
	enum
	{
		T = 4, E = 3
	};
	float		x[2 * (T + E)] = {0, 3, 1, 6, 0.5f, -2, 4, 2, 2, 0, 0, 1, 0, 0.25f};
	float		emb[2 * (MASK_D + E)];
	dl_layer_spec s[3] = {spec_embedding(MASK_VOCAB, MASK_D, true), spec_of(DL_LAYER_GLOBAL_AVGPOOL),
	spec_dense(2, DL_ACT_SOFTMAX)};
	dl_shape	in = shape1(T);
	dl_network	net;
	dl_workspace *ws = NULL;

	th_begin("joins: embed is the pooled branch followed by the joined inputs");
	CHECK_STATUS(dl_network_init_joined(&net, s, 3, &in, E), DL_OK);
	if (net.layers)
	{
		dl_network_init_params(&net, 43);
		CHECK(dl_network_embed_size(&net) == MASK_D + E);
		CHECK_STATUS(dl_workspace_create(&net, 1, false, &ws), DL_OK);
		if (ws)
		{
			dl_network_embed(&net, ws, x, 2, emb);
			for (int r = 0; r < 2; r++)
				for (int j = 0; j < E; j++)
					CHECK(emb[r * (MASK_D + E) + MASK_D + j] == x[r * (T + E) + T + j]);
			/* the pooled part averages the real steps' rows of the table */
			for (int j = 0; j < MASK_D; j++)
			{
				const float *table = net.params;
				double		mean = ((double) table[3 * MASK_D + j] + table[1 * MASK_D + j] +
									table[6 * MASK_D + j]) / 3.0;

				CHECK_NEAR(emb[j], mean, 1e-6);
			}
		}
		dl_workspace_free(ws);
		dl_network_free(&net);
	}
	th_end();
}

static void
test_grad_join(void)
{
	dl_layer_spec e = spec_embedding(MASK_VOCAB, 3, true);
	dl_layer_spec pool = spec_of(DL_LAYER_GLOBAL_AVGPOOL);

	th_begin("gradients through a join: the branch's and the joined inputs', with and without padding masks");
	gc_vocab = MASK_VOCAB;
	gc_join = 3;
	gc_pad = 2;
	gradcheck_net("masked global_avgpool, joined, + ce", (dl_layer_spec[]) {e, spec_dense(4, DL_ACT_TANH),
				  pool, spec_dense(4, DL_ACT_TANH), spec_dense(3, DL_ACT_SOFTMAX)}, 5, shape1(6), 4,
				  DL_LOSS_CE, 3, 2e-3, 950);
	gradcheck_net("masked lstm last state, joined", (dl_layer_spec[]) {e, spec_rnn(DL_LAYER_LSTM, 3, false),
				  spec_dense(2, DL_ACT_LINEAR)}, 3, shape1(5), 4, 0, 0, 2e-3, 951);
	gradcheck_net("masked attention + global_avgpool, joined, + bce", (dl_layer_spec[]) {e,
				  spec_attn(DL_LAYER_ATTENTION, 2, 2, false, 0), pool, spec_dense(1, DL_ACT_SIGMOID)},
				  4, shape1(5), 4, DL_LOSS_BCE, 2, 2e-3, 952);
	gc_pad = 0;
	e.embedding.mask_zero = false;
	gradcheck_net("flatten, joined, dropout after", (dl_layer_spec[]) {e, spec_of(DL_LAYER_FLATTEN),
				  spec_dense(5, DL_ACT_RELU), spec_dropout(0.3f), spec_dense(2, DL_ACT_LINEAR)}, 5,
				  shape1(4), 3, 0, 0, 2e-3, 953);
	gc_join = 0;
	gc_vocab = 0;
	th_end();
}

/* ---- recurrent layers skip the padding ------------------------------------ */

/*
 * Batches of token ids (T = 7) that exercise the skip: (a) a row of real
 * tokens only, rows padded at the end (3 and 1 tokens), a row of padding
 * only, one padded before and one with a hole and padding after: no step
 * has every row real, so every recurrent product is gathered; (b) rows
 * padded at the end only, to 7, 3, 5 and 1 tokens: the first step covers
 * every row (the product in place) and the later ones fewer.
 */
#define SKIP_T 7
static const float skip_ids_a[6 * SKIP_T] = {
	3, 1, 6, 2, 5, 4, 1,
	2, 5, 1, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0,
	4, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 3, 6, 2, 5,
	5, 0, 2, 6, 0, 0, 0
};
static const float skip_ids_b[4 * SKIP_T] = {
	1, 2, 3, 4, 5, 6, 1,
	6, 3, 2, 0, 0, 0, 0,
	2, 4, 6, 1, 3, 0, 0,
	5, 0, 0, 0, 0, 0, 0
};

static bool
recurrent(const dl_layer *l)
{
	return l->spec.type == DL_LAYER_LSTM || l->spec.type == DL_LAYER_GRU;
}

/*
 * The scratch of the recurrent layer i of a workspace for n rows set to
 * NaN, and (kept) in a training workspace the buffers it keeps and its output
 */
static void
poison_rnn(const dl_network *net, dl_workspace *ws, int i, int n, bool kept)
{
	const dl_layer *l = &net->layers[i];
	size_t		dirs = l->spec.rnn.bidirectional ? 2 : 1;
	size_t		t = (size_t) l->in_shape.dim[0];
	size_t		tu = dirs * n * t * l->spec.rnn.units;
	size_t		sizes[3] = {dirs * n * t * dl_rnn_gates(l), tu,
	l->spec.rnn.return_sequences && dirs == 1 ? 0 : tu};
	float		nan = nanf("");

	for (size_t j = 0; j < (size_t) n * dl_rnn_scratch_size(l); j++)
		ws->scratch[j] = nan;
	if (ws->mode != DL_WS_TRAIN || !kept)
		return;
	for (int k = 0; k < 3; k++)
		for (size_t j = 0; j < sizes[k]; j++)
			ws->layer[i].keep[k][j] = nan;
	for (size_t j = 0; j < (size_t) n * dl_shape_size(&l->out_shape); j++)
		ws->layer[i].buf[j] = nan;
}

/* the values skip_worst compared, and how many of them were equal */
static size_t skip_values,
			skip_equal;

/*
 * The worst difference of b from a (n values), relative to each value plus
 * a tenth of the largest (a sum's rounding scales with its largest terms)
 */
static double
skip_worst(const float *a, const float *b, size_t n)
{
	double		top = 0.0,
				worst = 0.0;

	for (size_t i = 0; i < n; i++)
		top = fmax(top, fabs((double) a[i]));
	for (size_t i = 0; i < n; i++)
	{
		double		d = fabs((double) a[i] - b[i]) / (fabs((double) a[i]) + 0.1 * top + 1e-30);

		skip_values++;
		skip_equal += a[i] == b[i];
		worst = isnan(d) ? HUGE_VAL : fmax(worst, d);
	}
	return worst;
}

/*
 * The network of specs (an embedding with mask_zero first) on ids (n rows
 * of T), padded steps skipped and computed: the training pass's
 * outputs, every parameter gradient (the embedding's holds dx) and the
 * prediction pass's outputs agree to float rounding, with every buffer of
 * the recurrent layers NaN before each pass (what a skipped step leaves
 * unwritten is never read).  Returns the worst relative difference.
 */
static double
check_skip(const char *name, const dl_layer_spec *specs, int nspecs, const float *ids, int n,
		   int T, uint64_t seed)
{
	dl_network	net;
	uint64_t	st = seed;
	size_t		k;
	float	   *out[2],
			   *grads[2],
			   *pred[2],
			   *w,
			   *dx;
	double		worst = 0.0;
	bool		saved = dl_rnn_skip_padding;

	if (!build_net(&net, specs, nspecs, shape1(T), seed))
		return HUGE_VAL;
	for (size_t j = 0; j < net.n_params; j++)
		net.params[j] += (float) (0.3 * th_rand_normal(&st));
	k = dl_shape_size(&net.output_shape);
	w = random_floats(k * n, 1.0, &st);
	dx = malloc(sizeof(float) * n * T);
	for (int skip = 0; skip < 2; skip++)
	{
		dl_workspace *ws,
				   *wp;
		const float *y;

		dl_rnn_skip_padding = skip;
		out[skip] = malloc(sizeof(float) * k * n);
		pred[skip] = malloc(sizeof(float) * k * n);
		grads[skip] = malloc(sizeof(float) * net.n_params);
		CHECK_STATUS(dl_workspace_create(&net, n, true, &ws), DL_OK);
		CHECK_STATUS(dl_workspace_create(&net, n, false, &wp), DL_OK);
		for (int i = 0; i < net.n_layers; i++)
			if (recurrent(&net.layers[i]))
				poison_rnn(&net, ws, i, n, true);
		y = dl_forward_train(&net, ws, ids, n, false);
		memcpy(out[skip], y, sizeof(float) * k * n);
		memcpy(ws->d0, w, sizeof(float) * k * n);
		memset(ws->grads, 0, sizeof(float) * net.n_params);
		for (int i = 0; i < net.n_layers; i++)
			if (recurrent(&net.layers[i]))
				poison_rnn(&net, ws, i, n, false);
		dl_backward(&net, ws, n, false, dx);
		memcpy(grads[skip], ws->grads, sizeof(float) * net.n_params);
		for (int i = 0; i < net.n_layers; i++)
			if (recurrent(&net.layers[i]))
				poison_rnn(&net, wp, i, n, true);
		dl_network_predict(&net, wp, ids, n, pred[skip]);
		dl_workspace_free(ws);
		dl_workspace_free(wp);
	}
	dl_rnn_skip_padding = saved;
	worst = fmax(skip_worst(out[0], out[1], k * n), skip_worst(pred[0], pred[1], k * n));
	for (int i = 0; i < net.n_layers; i++)
		worst = fmax(worst, skip_worst(grads[0] + net.layers[i].param_offset,
									   grads[1] + net.layers[i].param_offset,
									   net.layers[i].n_params));
	if (!(worst <= 1e-5))
		th_fail(__FILE__, __LINE__, "%s: skipping the padding changed the results by %g",
				name, worst);
	for (int skip = 0; skip < 2; skip++)
	{
		free(out[skip]);
		free(pred[skip]);
		free(grads[skip]);
	}
	free(w);
	free(dx);
	dl_network_free(&net);
	return worst;
}

/*
 * n random rows of T ids (at most 8 x 12): each all real, padded at the
 * end, padding only, padded before, or with padding anywhere
 */
static void
skip_random_ids(float *ids, int n, int T, uint64_t *st)
{
	for (int b = 0; b < n; b++)
	{
		int			kind = (int) (th_rand_u64(st) % 5);
		int			len = (int) (th_rand_u64(st) % (T + 1));

		for (int t = 0; t < T; t++)
		{
			bool		real = kind == 0 || (kind == 1 && t < len) || (kind == 3 && t >= T - len) ||
				(kind == 4 && th_rand_u64(st) % 2);

			ids[b * T + t] = real ? (float) (1 + th_rand_u64(st) % (MASK_VOCAB - 1)) : 0.0f;
		}
	}
}

static void
test_rnn_skip(void)
{
	static const dl_layer_type rnns[] = {DL_LAYER_LSTM, DL_LAYER_GRU};
	dl_layer_spec e = spec_embedding(MASK_VOCAB, 3, true);
	double		worst = 0.0;
	uint64_t	st = 97;

	skip_values = skip_equal = 0;
	th_begin("recurrent layers skip the padding: the same outputs and gradients as every step computed (fixed and random masks), and gradient checks");
	for (int i = 0; i < 2; i++)
	{
		const char *t = dl_layer_type_name(rnns[i]);
		dl_layer_spec last = spec_rnn(rnns[i], 4, false);
		dl_layer_spec seq = spec_rnn(rnns[i], 3, true);
		dl_layer_spec bilast = last,
					biseq = seq;
		char		name_buf[128];
		struct
		{
			const char *what;
			dl_layer_spec s[3];
			int			n;
		}			nets[] = {
			{"last state", {e, last}, 2},
			{"every state", {e, seq}, 2},
			{"every state, stacked", {e, seq, last}, 3},
			{"bidirectional, last state", {e, bilast}, 2},
			{"bidirectional, every state", {e, biseq}, 2},
			{"bidirectional, every state, then last", {e, biseq, bilast}, 3}
		};

		bilast.rnn.bidirectional = biseq.rnn.bidirectional = true;
		nets[3].s[1] = nets[5].s[2] = bilast;
		nets[4].s[1] = nets[5].s[1] = biseq;
		for (int j = 0; j < (int) (sizeof(nets) / sizeof(nets[0])); j++)
		{
			char		name[128];

			snprintf(name, sizeof(name), "%s %s (a)", t, nets[j].what);
			worst = fmax(worst, check_skip(name, nets[j].s, nets[j].n, skip_ids_a, 6, SKIP_T, 930 + j));
			snprintf(name, sizeof(name), "%s %s (b)", t, nets[j].what);
			worst = fmax(worst, check_skip(name, nets[j].s, nets[j].n, skip_ids_b, 4, SKIP_T, 940 + j));
			/* a batch of padding only: no product at all */
			snprintf(name, sizeof(name), "%s %s (padding only)", t, nets[j].what);
			worst = fmax(worst, check_skip(name, nets[j].s, nets[j].n, skip_ids_b + 4 * SKIP_T - 6,
										   1, 6, 945 + j));
			/* random batches of 1 to 8 rows of 1 to 12 steps */
			for (int r = 0; r < 4; r++)
			{
				float		ids[8 * 12];
				int			n = 1 + (int) (th_rand_u64(&st) % 8);
				int			T = 1 + (int) (th_rand_u64(&st) % 12);

				skip_random_ids(ids, n, T, &st);
				snprintf(name, sizeof(name), "%s %s (random %d: %d x %d)", t, nets[j].what, r, n, T);
				worst = fmax(worst, check_skip(name, nets[j].s, nets[j].n, ids, n, T, 960 + r));
			}
		}
		/* finite differences through the skipped path */
		gc_vocab = MASK_VOCAB;
		gc_ids = skip_ids_a;
		snprintf(name_buf, sizeof(name_buf), "skipped %s last, stacked on every state", t);
		gradcheck_net(name_buf, (dl_layer_spec[]) {e, seq, last}, 3, shape1(SKIP_T), 6, 0, 0,
					  2e-3, 950 + i);
		snprintf(name_buf, sizeof(name_buf), "skipped bidirectional %s, every state then last", t);
		gradcheck_net(name_buf, (dl_layer_spec[]) {e, biseq, bilast}, 3, shape1(SKIP_T), 6, 0, 0,
					  2e-3, 952 + i);
		gc_ids = skip_ids_b;
		snprintf(name_buf, sizeof(name_buf), "skipped %s every state", t);
		gradcheck_net(name_buf, (dl_layer_spec[]) {e, seq}, 2, shape1(SKIP_T), 4, 0, 0,
					  2e-3, 954 + i);
		snprintf(name_buf, sizeof(name_buf), "skipped bidirectional %s last", t);
		gradcheck_net(name_buf, (dl_layer_spec[]) {e, bilast}, 2, shape1(SKIP_T), 4, 0, 0,
					  2e-3, 956 + i);
		gc_ids = NULL;
		gc_vocab = 0;
	}
	printf("# skipping the padding: worst relative difference from every step computed %.3g; %zu of %zu values equal\n",
		   worst, skip_equal, skip_values);
	th_end();
}

static void
test_embed(void)
{
	dl_network	net;
	dl_workspace *ws;
	float		x[2 * 6] = {0, 0, 3, 1, 6, 2, 5, 4, 0, 0, 0, 0};
	float		emb[2 * 4],
				out[2 * 3];
	dl_layer_spec s[5] = {spec_embedding(MASK_VOCAB, MASK_D, true), spec_of(DL_LAYER_GLOBAL_AVGPOOL),
	spec_dense(4, DL_ACT_TANH), spec_dropout(0.3f), spec_dense(3, DL_ACT_SOFTMAX)};

	th_begin("embed: the input of the last dense layer, from which that layer gives the outputs");
	if (build_net(&net, s, 5, shape1(6), 31))
	{
		const dl_layer *last = &net.layers[4];
		const float *w = net.params + last->param_offset;

		CHECK(dl_network_embed_layer(&net) == 4 && dl_network_embed_size(&net) == 4);
		/* one row at a time through a one-row workspace: embed goes in chunks as predict */
		CHECK_STATUS(dl_workspace_create(&net, 1, false, &ws), DL_OK);
		dl_network_embed(&net, ws, x, 2, emb);
		dl_network_predict(&net, ws, x, 2, out);
		for (int r = 0; r < 2; r++)
		{
			double		z[3],
						mx = -HUGE_VAL,
						sum = 0.0;

			/* softmax(emb W + b) */
			for (int j = 0; j < 3; j++)
			{
				z[j] = w[4 * 3 + j];
				for (int i = 0; i < 4; i++)
					z[j] += (double) emb[r * 4 + i] * w[i * 3 + j];
				mx = fmax(mx, z[j]);
			}
			for (int j = 0; j < 3; j++)
				sum += exp(z[j] - mx);
			for (int j = 0; j < 3; j++)
				CHECK_NEAR(out[r * 3 + j], exp(z[j] - mx) / sum, 1e-6);
			/* tanh: inside (-1, 1), and not all zero */
			CHECK(fabs(emb[r * 4]) < 1.0f && (emb[r * 4] != 0.0f || emb[r * 4 + 1] != 0.0f));
		}
		dl_workspace_free(ws);
		dl_network_free(&net);
	}
	/* a linear model: its input */
	if (build_net(&net, (dl_layer_spec[]) {spec_dense(2, DL_ACT_LINEAR)}, 1, shape1(6), 32))
	{
		float		same[2 * 6];

		CHECK(dl_network_embed_layer(&net) == 0 && dl_network_embed_size(&net) == 6);
		CHECK_STATUS(dl_workspace_create(&net, 2, false, &ws), DL_OK);
		dl_network_embed(&net, ws, x, 2, same);
		CHECK(memcmp(same, x, sizeof(x)) == 0);
		dl_workspace_free(ws);
		dl_network_free(&net);
	}
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
	test_conv_sparse_backward();
	test_conv_pool_backward();
	test_conv_shapes();
	test_embedding();
	test_grad_rnn();
	test_rnn_activations();
	test_rnn_reference();
	test_birnn_reference();
	test_grad_attention();
	test_attention_reference();
	test_attention_shapes();
	test_attention_buffers();
	test_mask_plan();
	test_mask_invariance();
	test_grad_masks();
	test_join_plan();
	test_join_passes();
	test_join_embed();
	test_grad_join();
	test_rnn_skip();
	test_embed();
	test_loss_values();
	test_optimizers();
}
