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
#include <stdio.h>
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

/* ---- a first layer with sparse inputs ---- */

/* the csr row of batch row i */
static inline size_t
sparse_row(const dl_sparse_batch *sp, int i)
{
	return sp->rows ? sp->rows[i] : sp->first + (size_t) i;
}

void
dl_dense_sparse_forward(float *y, float *z, const float *x, const dl_sparse_batch *sp,
						const float *w, const float *b, int rows, int in_dense, int units,
						dl_activation a, float alpha)
{
	float	   *acc = z ? z : y;
	const float *ws = w + (size_t) in_dense * units;

	/* the dense inputs through the first in_dense rows of w, then each nonzero's row of W_s */
	if (in_dense > 0)
		dl_sgemm(false, false, rows, units, in_dense, 1.0f, x, in_dense, w, units, 0.0f, acc, units);
	else
		memset(acc, 0, sizeof(float) * (size_t) rows * units);
	for (int i = 0; i < rows; i++)
	{
		const dl_csr *csr = sp->csr;
		size_t		r = sparse_row(sp, i);
		float	   *restrict out = acc + (size_t) i * units;

		for (uint64_t k = csr->ptr[r]; k < csr->ptr[r + 1]; k++)
		{
			const float *restrict wr = ws + (size_t) csr->col[k] * units;
			float		v = csr->val[k];

			for (int j = 0; j < units; j++)
				out[j] += v * wr[j];
		}
	}
	if (z)
	{
		dl_bias_act_forward(z, b, rows, units, DL_ACT_LINEAR, 0.0f);
		dl_act_forward(y, z, rows, units, a, alpha);
	}
	else
		dl_bias_act_forward(y, b, rows, units, a, alpha);
}

void
dl_dense_sparse_backward(float *dw, float *db, float *dy, const float *x, const dl_sparse_batch *sp,
						 const float *y, const float *z, int rows, int in_dense, int units,
						 dl_activation a, float alpha)
{
	float	   *dws = dw + (size_t) in_dense * units;

	if (a != DL_ACT_LINEAR)
		dl_act_backward(dy, dy, z, y, rows, units, a, alpha);
	if (db)
		for (int r = 0; r < rows; r++)
		{
			const float *restrict dr = dy + (size_t) r * units;

			for (int j = 0; j < units; j++)
				db[j] += dr[j];
		}
	if (in_dense > 0)
		dl_sgemm(true, false, in_dense, units, rows, 1.0f, x, in_dense, dy, units, 1.0f, dw, units);
	/* dW_s += x_sparse^T dz: only the rows of the columns present */
	for (int i = 0; i < rows; i++)
	{
		const dl_csr *csr = sp->csr;
		size_t		r = sparse_row(sp, i);
		const float *restrict dr = dy + (size_t) i * units;

		for (uint64_t k = csr->ptr[r]; k < csr->ptr[r + 1]; k++)
		{
			float	   *restrict g = dws + (size_t) csr->col[k] * units;
			float		v = csr->val[k];

			for (int j = 0; j < units; j++)
				g[j] += v * dr[j];
		}
	}
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

/* the first layer of a network whose last inputs come sparse (dl_network.sparse_inputs) */
static inline bool
dense_sparse(const dl_layer *l, const dl_pass *c)
{
	return c->net->sparse_inputs > 0 && l == &c->net->layers[0];
}

static const float *
dense_forward(const dl_layer *l, const dl_pass *c, const float *x, float *y)
{
	const dl_dense_spec *d = &l->spec.dense;
	int			in = dl_last_dim(&l->in_shape);
	dl_activation act = dl_pass_activation(c, d->activation);
	float	   *z = c->lw && dl_act_needs_input(act, d->alpha) ? c->lw->keep[0] : NULL;

	if (dense_sparse(l, c))
	{
		dl_dense_sparse_forward(y, z, x, &c->ws->sparse, c->p,
								d->use_bias ? c->p + (size_t) in * d->units : NULL, c->n,
								in - c->net->sparse_inputs, d->units, act, d->alpha);
		return y;
	}
	dl_dense_forward(y, z, x, c->p, d->use_bias ? c->p + (size_t) in * d->units : NULL,
					 dense_rows(l, c->n), in, d->units, act, d->alpha);
	return y;
}

static float *
dense_backward(const dl_layer *l, const dl_pass *c, float *dy, float *dx)
{
	const dl_dense_spec *d = &l->spec.dense;
	int			in = dl_last_dim(&l->in_shape);

	if (dense_sparse(l, c))
	{
		dl_dense_sparse_backward(c->g, d->use_bias ? c->g + (size_t) in * d->units : NULL, dy,
								 c->lw->in, &c->ws->sparse, c->lw->out, c->lw->keep[0], c->n,
								 in - c->net->sparse_inputs, d->units,
								 dl_pass_activation(c, d->activation), d->alpha);
		return dx;
	}
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

dl_loss
dl_default_loss(dl_task task, int n_labels, const dl_layer_spec *specs, int n)
{
	const dl_dense_spec *d;

	if (task != DL_TASK_CLASSIFICATION)
		return DL_LOSS_MSE;
	if (n_labels != 2)
		return DL_LOSS_CE;
	if (n < 1 || specs[n - 1].type != DL_LAYER_DENSE)
		return DL_LOSS_BCE;
	/*
	 * Keras' Dense(2, "softmax"): two classes as two outputs.  A last
	 * dense(2) without an activation stays a hidden layer, as it always
	 * was (a model trained before keeps its meaning); with the loss
	 * cross_entropy given it is the output, PyTorch's Linear(h, 2).
	 */
	d = &specs[n - 1].dense;
	if (d->units == 2 && d->activation_given && d->activation == DL_ACT_SOFTMAX)
		return DL_LOSS_CE;
	return DL_LOSS_BCE;
}

/* what the output layer is, for the note: "dense, 3 units, softmax" */
static void
describe_output(const dl_layer_spec *l, char *buf, size_t size)
{
	snprintf(buf, size, "dense, %d unit%s, %s", l->dense.units, l->dense.units == 1 ? "" : "s",
			 dl_activation_name(l->dense.activation));
}

dl_status
dl_complete_output(dl_layer_spec **specs, int *n, dl_task task, int n_outputs, dl_loss loss)
{
	return dl_complete_output_noted(specs, n, task, n_outputs, loss, NULL, 0);
}

dl_status
dl_complete_output_noted(dl_layer_spec **specs, int *n, dl_task task, int n_outputs, dl_loss loss,
						 char *note, size_t note_size)
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
	bool		units_filled;
	bool		activation_filled = false;

	if (task != DL_TASK_REGRESSION && task != DL_TASK_CLASSIFICATION)
		return dl_error(DL_EINVAL, "unknown task %d", (int) task);
	if (!loss_known((int) loss))
		return dl_error(DL_EINVAL, "unknown loss %d", (int) loss);
	if (count < 0 || count > DL_MAX_LAYERS || (in == NULL && count > 0))
		return dl_error(DL_EINVAL, "a network needs 0 to %d layers, got %d", DL_MAX_LAYERS, count);
	if (note && note_size > 0)
		note[0] = '\0';
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
	given = count > 0 ? &in[count - 1] : NULL;
	append = given == NULL || given->type != DL_LAYER_DENSE;
	if (!append)
	{
		const dl_dense_spec *d = &given->dense;
		bool		bad_activation = d->activation_given &&
			(classification_loss(loss) ? d->activation != want : d->activation == DL_ACT_SOFTMAX);

		/* a softmax over two classes is the output, not a hidden layer before a sigmoid */
		if (loss == DL_LOSS_BCE && d->units == 2 && d->activation_given &&
			d->activation == DL_ACT_SOFTMAX)
			return dl_error(DL_EINVAL, "layer %d (dense) has 2 softmax units, the output of a two-class cross_entropy model, but the loss is binary_cross_entropy (one sigmoid output); leave the loss out or set it to cross_entropy, or end with \"units\": 1 and \"activation\": \"sigmoid\"",
							count);
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
	if (count > 0)
		memcpy(out, in, sizeof(dl_layer_spec) * (size_t) count);
	if (append)
		dl_layer_spec_defaults(&out[count], DL_LAYER_DENSE);
	last = &out[total - 1];
	units_filled = last->dense.units == 0;
	last->dense.units = n_outputs;
	if (!last->dense.activation_given)
	{
		last->dense.activation = want;
		last->dense.activation_given = true;
		activation_filled = want != DL_ACT_LINEAR;
	}
	if (note && note_size > 0)
	{
		char		shown[64];

		describe_output(last, shown, note_size < sizeof(shown) ? note_size : sizeof(shown));
		if (count == 0)
			snprintf(note, note_size, "layers [] is a linear model (%s): one output layer (%s)",
					 task == DL_TASK_REGRESSION ? "linear regression" :
					 loss == DL_LOSS_BCE ? "logistic regression" : "softmax regression", shown);
		else if (append)
			snprintf(note, note_size, "added an output layer (%s) after layer %d (%s), for loss %s (%s)",
					 shown, count, dl_layer_type_name(given->type), lname, why);
		else if (units_filled || activation_filled)
			snprintf(note, note_size, "layer %d is the output layer (%s): %s%s%s from the task (loss %s, %s)",
					 count, shown, units_filled ? "its units" : "",
					 units_filled && activation_filled ? " and " : "",
					 activation_filled ? "its activation" : "", lname, why);
	}
	dl_free(*specs);
	*specs = out;
	*n = total;
	return DL_OK;
}
