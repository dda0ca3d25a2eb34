/*-------------------------------------------------------------------------
 *
 * activations.c
 *	  Element-wise activations and softmax: their names, forward and
 *	  backward passes, the bias + activation pass that follows a dense
 *	  layer's sgemm, and the activation layer.
 *
 * Backward passes use the output y = f(x) whenever the derivative can be
 * written with it (relu, sigmoid, tanh, softmax, leaky_relu with a
 * non-negative slope), so a training pass need not keep the input; gelu
 * (and a negative leaky slope) need x.  The sigmoid is evaluated so that
 * exp never overflows; softmax subtracts the row maximum first.  GELU is
 * the tanh approximation (Hendrycks & Gimpel 2016), as PyTorch's
 * approximate="tanh".
 *
 * src/core/nn/activations.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>

#include "layers.h"

#define GELU_K 0.7978845608028654f	/* sqrt(2 / pi) */
#define GELU_C 0.044715f

static inline float
sigmoidf(float x)
{
	if (x >= 0.0f)
		return 1.0f / (1.0f + expf(-x));
	else
	{
		float		e = expf(x);

		return e / (1.0f + e);
	}
}

static inline float
geluf(float x)
{
	return 0.5f * x * (1.0f + tanhf(GELU_K * (x + GELU_C * x * x * x)));
}

static inline float
gelu_grad(float x)
{
	float		t = tanhf(GELU_K * (x + GELU_C * x * x * x));

	return 0.5f * (1.0f + t) +
		0.5f * x * (1.0f - t * t) * GELU_K * (1.0f + 3.0f * GELU_C * x * x);
}

bool
dl_act_needs_input(dl_activation a, float alpha)
{
	return a == DL_ACT_GELU || (a == DL_ACT_LEAKY_RELU && alpha < 0.0f);
}

/* softmax of each row of y, in place */
static void
softmax_rows(float *y, size_t rows, int cols)
{
	for (size_t r = 0; r < rows; r++)
	{
		float	   *row = y + r * cols;
		float		mx = row[0];
		float		sum = 0.0f;

		for (int j = 1; j < cols; j++)
			mx = row[j] > mx ? row[j] : mx;
		for (int j = 0; j < cols; j++)
		{
			row[j] = expf(row[j] - mx);
			sum += row[j];
		}
		/* the maximum contributes exp(0) = 1, so sum >= 1 */
		sum = 1.0f / sum;
		for (int j = 0; j < cols; j++)
			row[j] *= sum;
	}
}

void
dl_act_forward(float *y, const float *x, size_t rows, int cols,
			   dl_activation a, float alpha)
{
	size_t		n = rows * cols;

	switch (a)
	{
		case DL_ACT_LINEAR:
			if (y != x)
				for (size_t i = 0; i < n; i++)
					y[i] = x[i];
			break;
		case DL_ACT_RELU:
			for (size_t i = 0; i < n; i++)
				y[i] = x[i] > 0.0f ? x[i] : 0.0f;
			break;
		case DL_ACT_LEAKY_RELU:
			for (size_t i = 0; i < n; i++)
				y[i] = x[i] > 0.0f ? x[i] : alpha * x[i];
			break;
		case DL_ACT_SIGMOID:
			for (size_t i = 0; i < n; i++)
				y[i] = sigmoidf(x[i]);
			break;
		case DL_ACT_TANH:
			for (size_t i = 0; i < n; i++)
				y[i] = tanhf(x[i]);
			break;
		case DL_ACT_GELU:
			for (size_t i = 0; i < n; i++)
				y[i] = geluf(x[i]);
			break;
		case DL_ACT_SOFTMAX:
			if (y != x)
				for (size_t i = 0; i < n; i++)
					y[i] = x[i];
			softmax_rows(y, rows, cols);
			break;
	}
}

void
dl_act_backward(float *dx, const float *dy, const float *x, const float *y,
				size_t rows, int cols, dl_activation a, float alpha)
{
	size_t		n = rows * cols;

	switch (a)
	{
		case DL_ACT_LINEAR:
			if (dx != dy)
				for (size_t i = 0; i < n; i++)
					dx[i] = dy[i];
			break;
		case DL_ACT_RELU:
			for (size_t i = 0; i < n; i++)
				dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
			break;
		case DL_ACT_LEAKY_RELU:
			if (alpha < 0.0f)
				for (size_t i = 0; i < n; i++)
					dx[i] = x[i] > 0.0f ? dy[i] : alpha * dy[i];
			else
				for (size_t i = 0; i < n; i++)
					dx[i] = y[i] > 0.0f ? dy[i] : alpha * dy[i];
			break;
		case DL_ACT_SIGMOID:
			for (size_t i = 0; i < n; i++)
				dx[i] = dy[i] * y[i] * (1.0f - y[i]);
			break;
		case DL_ACT_TANH:
			for (size_t i = 0; i < n; i++)
				dx[i] = dy[i] * (1.0f - y[i] * y[i]);
			break;
		case DL_ACT_GELU:
			for (size_t i = 0; i < n; i++)
				dx[i] = dy[i] * gelu_grad(x[i]);
			break;
		case DL_ACT_SOFTMAX:
			/* dx_j = y_j (dy_j - sum_i dy_i y_i) */
			for (size_t r = 0; r < rows; r++)
			{
				const float *yr = y + r * cols;
				const float *dyr = dy + r * cols;
				float	   *dxr = dx + r * cols;
				float		dot = 0.0f;

				for (int j = 0; j < cols; j++)
					dot += dyr[j] * yr[j];
				for (int j = 0; j < cols; j++)
					dxr[j] = yr[j] * (dyr[j] - dot);
			}
			break;
	}
}

void
dl_bias_act_forward(float *y, const float *b, size_t rows, int cols,
					dl_activation a, float alpha)
{
	/*
	 * The common cases get one fused pass per row; the rest add the bias
	 * and then run the activation (their exp/tanh dominate anyway).
	 */
	if (b && (a == DL_ACT_LINEAR || a == DL_ACT_RELU))
	{
		for (size_t r = 0; r < rows; r++)
		{
			float	   *restrict yr = y + r * cols;

			if (a == DL_ACT_RELU)
				for (int j = 0; j < cols; j++)
				{
					float		v = yr[j] + b[j];

					yr[j] = v > 0.0f ? v : 0.0f;
				}
			else
				for (int j = 0; j < cols; j++)
					yr[j] += b[j];
		}
		return;
	}
	if (b)
		for (size_t r = 0; r < rows; r++)
		{
			float	   *restrict yr = y + r * cols;

			for (int j = 0; j < cols; j++)
				yr[j] += b[j];
		}
	if (a != DL_ACT_LINEAR)
		dl_act_forward(y, y, rows, cols, a, alpha);
}

/* ---- names ---- */

static const dl_name_value activations[] = {
	{"linear", DL_ACT_LINEAR},
	{"relu", DL_ACT_RELU},
	{"leaky_relu", DL_ACT_LEAKY_RELU},
	{"sigmoid", DL_ACT_SIGMOID},
	{"tanh", DL_ACT_TANH},
	{"gelu", DL_ACT_GELU},
	{"softmax", DL_ACT_SOFTMAX}
};

const char *
dl_activation_name(dl_activation a)
{
	return dl_name_of(activations, DL_LENGTH(activations), (int) a);
}

const char *
dl_activation_names(char *buf, size_t size)
{
	return dl_list_names(activations, DL_LENGTH(activations), buf, size);
}

dl_status
dl_parse_activation(const dl_json *v, const char *subject, dl_activation *a)
{
	int			act;
	dl_status	st = dl_want_name(v, subject, activations, DL_LENGTH(activations), &act);

	if (st == DL_OK)
		*a = (dl_activation) act;
	return st;
}

/* ---- the activation layer ---- */

enum
{
	K_ACTIVATION,
	K_ALPHA
};

static const char *const activation_keys[] = {"activation", "alpha"};

static void
activation_defaults(dl_layer_spec *s)
{
	s->act.activation = DL_ACT_LINEAR;
	s->act.alpha = 0.01f;
}

static dl_status
activation_parse_key(dl_layer_spec *s, int key, const dl_json *v, const char *subject)
{
	if (key == K_ACTIVATION)
		return dl_parse_activation(v, subject, &s->act.activation);
	return dl_parse_alpha(v, subject, &s->act.alpha);
}

static dl_status
activation_parse_done(dl_layer_spec *s, unsigned given, int pos, bool last)
{
	char		names[256];

	if (!(given & (1u << K_ACTIVATION)))
		return dl_error(DL_EINVAL, "layer %d (activation): \"activation\" is required; accepted values: %s",
						pos, dl_activation_names(names, sizeof(names)));
	return dl_parse_check_alpha(given & (1u << K_ALPHA), true, s->act.activation, pos,
								"activation");
}

static void
activation_to_json(dl_json_buf *b, const dl_layer_spec *s)
{
	dl_json_put_activation(b, s->act.activation, s->act.alpha);
}

/* the weights record: activation (u32), alpha (f32) */
static void
activation_write(dl_writer *w, const dl_layer_spec *s)
{
	dl_put_u32(w, (uint32_t) s->act.activation);
	dl_put_f32(w, s->act.alpha);
}

static dl_status
activation_read(dl_reader *r, dl_layer_spec *s)
{
	dl_status	st = dl_get_activation(r, &s->act.activation);

	return st == DL_OK ? dl_get_f32(r, &s->act.alpha) : st;
}

static dl_status
activation_check(const dl_layer_spec *s, int pos, dl_status bad)
{
	return dl_check_activation(s->act.activation, s->act.alpha, pos, "activation", bad);
}

static dl_status
activation_plan(dl_layer *l, int pos, dl_status bad)
{
	return dl_plan_activation(l->spec.act.activation, pos, "activation", bad);
}

static dl_activation
activation_activation(const dl_layer_spec *s, float *alpha)
{
	*alpha = s->act.alpha;
	return s->act.activation;
}

static const float *
activation_forward(const dl_layer *l, const dl_pass *c, const float *x, float *y)
{
	int			cols = dl_last_dim(&l->out_shape);
	dl_activation act = dl_pass_activation(c, l->spec.act.activation);

	if (act == DL_ACT_LINEAR)
		return x;
	dl_act_forward(y, x, (size_t) c->n * dl_shape_size(&l->out_shape) / cols, cols, act,
				   l->spec.act.alpha);
	return y;
}

static float *
activation_backward(const dl_layer *l, const dl_pass *c, float *dy, float *dx)
{
	int			cols = dl_last_dim(&l->out_shape);
	dl_activation act = dl_pass_activation(c, l->spec.act.activation);

	if (c->need_dx && act != DL_ACT_LINEAR)
		dl_act_backward(dy, dy, c->lw->in, c->lw->out,
						(size_t) c->n * dl_shape_size(&l->out_shape) / cols, cols, act,
						l->spec.act.alpha);
	return dy;
}

const dl_layer_ops dl_activation_ops = {
	.name = "activation",
	.keys = activation_keys,
	.n_keys = DL_LENGTH(activation_keys),
	.defaults = activation_defaults,
	.parse_key = activation_parse_key,
	.parse_done = activation_parse_done,
	.to_json = activation_to_json,
	.write = activation_write,
	.read = activation_read,
	.check = activation_check,
	.plan = activation_plan,
	.activation = activation_activation,
	.loss_fuses = true,
	.keeps_mask = true,
	.forward = activation_forward,
	.backward = activation_backward
};
