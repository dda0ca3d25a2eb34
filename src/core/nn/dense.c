/*-------------------------------------------------------------------------
 *
 * dense.c
 *	  The dense (fully connected) layer: y = f(x W + b) over the last axis;
 *	  and completing a network's output layer from the task.
 *
 * W is (in, units) row-major with the bias after it, the layout
 * dl_network_init gives each dense layer's parameter slice and the weights
 * format stores.  A whole batch is one sgemm forward and two backward
 * (dW += x^T dz, dx = dz W^T); the bias and the activation share one pass
 * over the sgemm output, and the bias gradient is a column sum.
 *
 * The weights record: activation (u32), alpha (f32), units (u32),
 * use_bias (u8), activation_given (u8).
 *
 * src/core/nn/dense.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "layers.h"

/* ---- kernels ---- */

void
dl_dense_forward(float *y, float *z, const float *x, const float *w,
				 const float *b, int rows, int in, int units,
				 dl_activation a, float alpha)
{
	/* x is (rows, in), w is (in, units), y and z are (rows, units) */
	if (z)
	{
		dl_sgemm(false, false, rows, units, in, 1.0f, x, in, w, units, 0.0f, z, units);
		dl_bias_act_forward(z, b, rows, units, DL_ACT_LINEAR, 0.0f);
		dl_act_forward(y, z, rows, units, a, alpha);
	}
	else
	{
		dl_sgemm(false, false, rows, units, in, 1.0f, x, in, w, units, 0.0f, y, units);
		dl_bias_act_forward(y, b, rows, units, a, alpha);
	}
}

void
dl_dense_backward(float *dx, float *dw, float *db, float *dy,
				  const float *x, const float *y, const float *z,
				  const float *w, int rows, int in, int units,
				  dl_activation a, float alpha)
{
	/* dy (rows, units) becomes dz, the gradient before the activation */
	if (a != DL_ACT_LINEAR)
		dl_act_backward(dy, dy, z, y, rows, units, a, alpha);

	if (db)
	{
		float	   *restrict sum = db;

		/* column sums, row by row so the inner loop is contiguous */
		for (int r = 0; r < rows; r++)
		{
			const float *restrict dr = dy + (size_t) r * units;

			for (int j = 0; j < units; j++)
				sum[j] += dr[j];
		}
	}
	/* dw (in, units) += x^T (in, rows) dz (rows, units) */
	dl_sgemm(true, false, in, units, rows, 1.0f, x, in, dy, units, 1.0f, dw, units);
	/* dx (rows, in) = dz (rows, units) w^T (units, in) */
	if (dx)
		dl_sgemm(false, true, rows, in, units, 1.0f, dy, units, w, units, 0.0f, dx, in);
}

/* ---- the layer ---- */

enum
{
	K_UNITS,
	K_ACTIVATION,
	K_USE_BIAS,
	K_ALPHA
};

static const char *const dense_keys[] = {"units", "activation", "use_bias", "alpha"};

static void
dense_defaults(dl_layer_spec *s)
{
	s->dense.activation = DL_ACT_LINEAR;
	s->dense.alpha = 0.01f;
	s->dense.use_bias = true;
}

static dl_status
dense_parse_key(dl_layer_spec *s, int key, const dl_json *v, const char *subject)
{
	dl_dense_spec *d = &s->dense;
	dl_status	st = DL_OK;

	switch (key)
	{
		case K_UNITS:
			return dl_want_int(v, subject, 1, DL_MAX_UNITS, &d->units);
		case K_ACTIVATION:
			if ((st = dl_parse_activation(v, subject, &d->activation)) == DL_OK)
				d->activation_given = true;
			return st;
		case K_USE_BIAS:
			return dl_want_bool(v, subject, &d->use_bias);
		case K_ALPHA:
			return dl_parse_alpha(v, subject, &d->alpha);
	}
	return st;
}

static dl_status
dense_parse_done(dl_layer_spec *s, unsigned given, int pos, bool last)
{
	if (!(given & (1u << K_UNITS)) && !last)
		return dl_error(DL_EINVAL, "layer %d (dense): \"units\" is required (only the last layer may leave it out, to take the output size from the task)",
						pos);
	return dl_parse_check_alpha(given & (1u << K_ALPHA), given & (1u << K_ACTIVATION),
								s->dense.activation, pos, "dense");
}

static void
dense_to_json(dl_json_buf *b, const dl_layer_spec *s)
{
	if (s->dense.units > 0)
		dl_json_put_int(b, "units", s->dense.units);
	if (s->dense.activation_given)
		dl_json_put_activation(b, s->dense.activation, s->dense.alpha);
	dl_json_put_bool(b, "use_bias", s->dense.use_bias);
}

static void
dense_write(dl_writer *w, const dl_layer_spec *s)
{
	dl_put_u32(w, (uint32_t) s->dense.activation);
	dl_put_f32(w, s->dense.alpha);
	dl_put_u32(w, (uint32_t) s->dense.units);
	dl_put_bool(w, s->dense.use_bias);
	dl_put_bool(w, s->dense.activation_given);
}

static dl_status
dense_read(dl_reader *r, dl_layer_spec *s)
{
	dl_dense_spec *d = &s->dense;
	uint32_t	units;
	dl_status	st;

	if ((st = dl_get_activation(r, &d->activation)) != DL_OK ||
		(st = dl_get_f32(r, &d->alpha)) != DL_OK ||
		(st = dl_get_u32(r, &units)) != DL_OK)
		return st;
	if (units > DL_MAX_UNITS)
		return dl_error(DL_EFORMAT, "invalid model: a dense layer has %u units", units);
	d->units = (int) units;
	if ((st = dl_get_bool(r, &d->use_bias)) != DL_OK)
		return st;
	return dl_get_bool(r, &d->activation_given);
}

static dl_status
dense_check(const dl_layer_spec *s, int pos, dl_status bad)
{
	return dl_check_activation(s->dense.activation, s->dense.alpha, pos, "dense", bad);
}

static dl_status
dense_plan(dl_layer *l, int pos, dl_status bad)
{
	const dl_dense_spec *d = &l->spec.dense;
	int			last = dl_last_dim(&l->in_shape);

	if (d->units < 1 || d->units > DL_MAX_UNITS)
		return dl_error(bad, "layer %d (dense): units must be between 1 and %d",
						pos, DL_MAX_UNITS);
	l->out_shape.dim[l->out_shape.ndim - 1] = d->units;
	l->n_trainable = (size_t) last * d->units + (d->use_bias ? d->units : 0);
	l->n_params = l->n_trainable;
	return dl_plan_activation(d->activation, pos, "dense", bad);
}

static bool
dense_same_layout(const dl_layer_spec *a, const dl_layer_spec *b)
{
	return a->dense.units == b->dense.units && a->dense.use_bias == b->dense.use_bias;
}

static dl_activation
dense_activation(const dl_layer_spec *s, float *alpha)
{
	*alpha = s->dense.alpha;
	return s->dense.activation;
}

static void
dense_init(const dl_network *net, int i, float *p, dl_rng *rng)
{
	const dl_layer *l = &net->layers[i];
	int			fan_in = dl_last_dim(&l->in_shape);
	int			fan_out = l->spec.dense.units;
	size_t		nw = (size_t) fan_in * fan_out;

	/* W is (fan_in, units), row-major; the bias follows */
	dl_init_weights(p, nw, fan_in, fan_out, dl_following_activation(net, i), rng);
	if (l->spec.dense.use_bias)
		memset(p + nw, 0, sizeof(float) * fan_out);
}

static void
dense_memory(const dl_layer *l, size_t max_batch, bool training, dl_layer_mem *m)
{
	/* the pre-activation, for activations whose derivative needs it */
	if (dl_act_needs_input(l->spec.dense.activation, l->spec.dense.alpha))
		m->keep[0] = dl_times(max_batch, dl_shape_size(&l->out_shape));
}

/* rows of the matrices: the batch times the leading dimensions */
static int
dense_rows(const dl_layer *l, int n)
{
	return n * (int) (dl_shape_size(&l->in_shape) / dl_last_dim(&l->in_shape));
}

static const float *
dense_forward(const dl_layer *l, const dl_pass *c, const float *x, float *y)
{
	const dl_dense_spec *d = &l->spec.dense;
	int			in = dl_last_dim(&l->in_shape);
	dl_activation act = dl_pass_activation(c, d->activation);
	float	   *z = c->lw && dl_act_needs_input(act, d->alpha) ? c->lw->keep[0] : NULL;

	dl_dense_forward(y, z, x, c->p, d->use_bias ? c->p + (size_t) in * d->units : NULL,
					 dense_rows(l, c->n), in, d->units, act, d->alpha);
	return y;
}

static float *
dense_backward(const dl_layer *l, const dl_pass *c, float *dy, float *dx)
{
	const dl_dense_spec *d = &l->spec.dense;
	int			in = dl_last_dim(&l->in_shape);

	dl_dense_backward(c->need_dx ? dx : NULL, c->g, d->use_bias ? c->g + (size_t) in * d->units : NULL,
					  dy, c->lw->in, c->lw->out, c->lw->keep[0], c->p, dense_rows(l, c->n), in,
					  d->units, dl_pass_activation(c, d->activation), d->alpha);
	return dx;
}

const dl_layer_ops dl_dense_ops = {
	.name = "dense",
	.keys = dense_keys,
	.n_keys = DL_LENGTH(dense_keys),
	.defaults = dense_defaults,
	.parse_key = dense_parse_key,
	.parse_done = dense_parse_done,
	.to_json = dense_to_json,
	.write = dense_write,
	.read = dense_read,
	.check = dense_check,
	.plan = dense_plan,
	.same_layout = dense_same_layout,
	.activation = dense_activation,
	.loss_fuses = true,
	.init = dense_init,
	.memory = dense_memory,
	.keeps_mask = true,
	.forward = dense_forward,
	.backward = dense_backward
};

/* ---- the output layer ---- */

static bool
loss_known(int l)
{
	return l >= DL_LOSS_MSE && l <= DL_LOSS_CE;
}

static bool
classification_loss(dl_loss l)
{
	return l == DL_LOSS_CE || l == DL_LOSS_BCE;
}

dl_status
dl_complete_output(dl_layer_spec **specs, int *n, dl_task task, int n_outputs, dl_loss loss)
{
	const dl_layer_spec *in = *specs;
	int			count = *n;
	bool		append;
	int			total;
	dl_layer_spec *out;
	const dl_layer_spec *given;
	dl_layer_spec *last;
	const char *lname = dl_loss_name(loss);
	const char *why;
	dl_activation want;

	if (task != DL_TASK_REGRESSION && task != DL_TASK_CLASSIFICATION)
		return dl_error(DL_EINVAL, "unknown task %d", (int) task);
	if (!loss_known((int) loss))
		return dl_error(DL_EINVAL, "unknown loss %d", (int) loss);
	if (count < 1 || count > DL_MAX_LAYERS || in == NULL)
		return dl_error(DL_EINVAL, "a network needs 1 to %d layers, got %d", DL_MAX_LAYERS, count);
	if (task == DL_TASK_REGRESSION && classification_loss(loss))
		return dl_error(DL_EINVAL, "loss %s is for classification, but the task is regression; use mse, mae or huber",
						lname);
	if (task == DL_TASK_CLASSIFICATION && !classification_loss(loss))
		return dl_error(DL_EINVAL, "loss %s is for regression, but the task is classification; use cross_entropy or binary_cross_entropy",
						lname);
	if (loss == DL_LOSS_BCE && n_outputs != 1)
		return dl_error(DL_EINVAL, "binary_cross_entropy has one output (the probability of the second label), not %d; use cross_entropy for more than two classes",
						n_outputs);
	if (loss == DL_LOSS_CE && (n_outputs < 2 || n_outputs > DL_MAX_LABELS))
		return dl_error(DL_EINVAL, "cross_entropy needs 2 to %d outputs (one per class), not %d",
						DL_MAX_LABELS, n_outputs);
	if (n_outputs < 1 || n_outputs > DL_MAX_UNITS)
		return dl_error(DL_EINVAL, "the output size must be from 1 to %d, not %d",
						DL_MAX_UNITS, n_outputs);
	for (int i = 0; i < count - 1; i++)
		if (in[i].type == DL_LAYER_DENSE && in[i].dense.units == 0)
			return dl_error(DL_EINVAL, "layer %d (dense): \"units\" is required (only the last layer may leave it out, to take the output size from the task)",
							i + 1);

	switch (loss)
	{
		case DL_LOSS_CE:
			want = DL_ACT_SOFTMAX;
			why = "one per class";
			break;
		case DL_LOSS_BCE:
			want = DL_ACT_SIGMOID;
			why = "one sigmoid output for two classes";
			break;
		default:
			want = DL_ACT_LINEAR;
			why = "one per target";
			break;
	}

	/*
	 * The last layer is the output when it is dense and nothing in it
	 * contradicts the task: its units are left out or equal the output
	 * size, and its activation is left out or fits the loss.  A last dense
	 * layer that contradicts the task is a hidden layer (e.g. "units":64,
	 * "activation":"relu"), and the output layer is added after it.  Left
	 * out units make a layer the output, so there a contradiction is an
	 * error.
	 */
	given = &in[count - 1];
	append = given->type != DL_LAYER_DENSE;
	if (!append)
	{
		const dl_dense_spec *d = &given->dense;
		bool		bad_activation = d->activation_given &&
			(classification_loss(loss) ? d->activation != want : d->activation == DL_ACT_SOFTMAX);

		if (d->units != 0 && (d->units != n_outputs || bad_activation))
			append = true;
		else if (bad_activation && classification_loss(loss))
			return dl_error(DL_EINVAL, "layer %d (dense) is the output layer of a %s model (%s) and must use %s, not %s; leave \"activation\" out of the last layer to get %s",
							count, lname, why, dl_activation_name(want),
							dl_activation_name(d->activation), dl_activation_name(want));
		else if (bad_activation)
			return dl_error(DL_EINVAL, "layer %d (dense) is the output layer of a regression model (loss %s); softmax would force the outputs to sum to 1; use linear, or leave \"activation\" out",
							count, lname);
	}
	total = count + (append ? 1 : 0);
	if (total > DL_MAX_LAYERS)
		return dl_error(DL_EINVAL, "the layers end with a %s layer, so a dense output layer is added, which makes %d layers; at most %d are allowed",
						dl_layer_type_name(given->type), total, DL_MAX_LAYERS);

	out = dl_alloc(sizeof(dl_layer_spec) * (size_t) total);
	memcpy(out, in, sizeof(dl_layer_spec) * (size_t) count);
	if (append)
		dl_layer_spec_defaults(&out[count], DL_LAYER_DENSE);
	last = &out[total - 1];
	last->dense.units = n_outputs;
	if (!last->dense.activation_given)
	{
		last->dense.activation = want;
		last->dense.activation_given = true;
	}
	dl_free(*specs);
	*specs = out;
	*n = total;
	return DL_OK;
}
