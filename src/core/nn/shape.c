/*-------------------------------------------------------------------------
 *
 * shape.c
 *	  The layers that move values without weights: flatten, reshape and
 *	  dropout.
 *
 * Flatten and reshape change only the shape: activations are contiguous
 * row-major, so their output is their input buffer (a training workspace
 * gives them none) and their gradient passes through untouched.
 *
 * Dropout is inverted (Srivastava et al. 2014, as PyTorch and Keras): kept
 * values are scaled by 1 / (1 - rate) during training, so prediction is the
 * identity.  The mask holds 0 or that scale, so forward and backward are
 * the same multiplication.  At rate 0 it passes its input through.
 *
 * The weights records: flatten none; reshape the target shape (ndim and
 * four u32, -1 as 0xFFFFFFFF); dropout the rate (f32).
 *
 * src/core/nn/shape.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "layers.h"

/* ---- dropout kernels ---- */

void
dl_dropout_mask(float *mask, size_t n, float rate, dl_rng *rng)
{
	float		keep = 1.0f / (1.0f - rate);
	/* a value is dropped when its 32-bit uniform is below rate 2^32 */
	uint64_t	below = (uint64_t) ceil((double) rate * 4294967296.0);
	size_t		i = 0;
	dl_rng		r = *rng;		/* in registers for the loop */

	/* two draws per 64-bit number: masks are a hot path of attention */
	for (; i + 1 < n; i += 2)
	{
		uint64_t	v = dl_rng_next(&r);

		mask[i] = (v & 0xFFFFFFFFu) >= below ? keep : 0.0f;
		mask[i + 1] = (v >> 32) >= below ? keep : 0.0f;
	}
	if (i < n)
		mask[i] = (dl_rng_next(&r) & 0xFFFFFFFFu) >= below ? keep : 0.0f;
	*rng = r;
}

void
dl_dropout_forward(float *y, const float *x, const float *mask, size_t n)
{
	for (size_t i = 0; i < n; i++)
		y[i] = x[i] * mask[i];
}

void
dl_dropout_backward(float *dx, const float *dy, const float *mask, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dx[i] = dy[i] * mask[i];
}

/* ---- flatten ---- */

static dl_status
flatten_plan(dl_layer *l, int pos, dl_status bad)
{
	l->out_shape.ndim = 1;
	l->out_shape.dim[0] = (int) dl_shape_size(&l->in_shape);
	return DL_OK;
}

static void
pass_through_memory(const dl_layer *l, size_t max_batch, bool training, dl_layer_mem *m)
{
	m->pass_through = true;
}

const dl_layer_ops dl_flatten_ops = {
	.name = "flatten",
	.plan = flatten_plan,
	.memory = pass_through_memory
};

/* ---- reshape ---- */

static const char *const reshape_keys[] = {"target_shape"};

static dl_status
reshape_parse_key(dl_layer_spec *s, int key, const dl_json *v, const char *subject)
{
	return dl_want_shape(v, subject, true, &s->reshape.target);
}

static dl_status
reshape_parse_done(dl_layer_spec *s, unsigned given, int pos, bool last)
{
	if (!given)
		return dl_error(DL_EINVAL, "layer %d (reshape): \"target_shape\" is required, e.g. [28, 28] (one dimension may be -1)",
						pos);
	return DL_OK;
}

static void
reshape_to_json(dl_json_buf *b, const dl_layer_spec *s)
{
	const dl_shape *t = &s->reshape.target;

	dl_json_put_key(b, "target_shape");
	dl_json_buf_puts(b, "[");
	for (int d = 0; d < t->ndim && d < DL_MAX_DIMS; d++)
	{
		if (d > 0)
			dl_json_buf_puts(b, ",");
		dl_json_buf_int(b, t->dim[d]);
	}
	dl_json_buf_puts(b, "]");
}

static void
reshape_write(dl_writer *w, const dl_layer_spec *s)
{
	dl_put_shape(w, &s->reshape.target);
}

static dl_status
reshape_read(dl_reader *r, dl_layer_spec *s)
{
	return dl_get_shape(r, true, &s->reshape.target);
}

static dl_status
reshape_plan(dl_layer *l, int pos, dl_status bad)
{
	dl_shape	t = l->spec.reshape.target;
	size_t		in_size = dl_shape_size(&l->in_shape);
	int			infer = -1;
	size_t		known = 1;
	char		buf[64];

	if (t.ndim < 1 || t.ndim > DL_MAX_DIMS)
		return dl_error(bad, "layer %d (reshape): target must have 1 to %d dimensions",
						pos, DL_MAX_DIMS);
	for (int i = 0; i < t.ndim; i++)
	{
		if (t.dim[i] == -1 && infer < 0)
			infer = i;
		else if (t.dim[i] < 1 || t.dim[i] > DL_MAX_UNITS)
			return dl_error(bad, "layer %d (reshape): target dimensions must be positive (one may be -1)",
							pos);
		else
			known *= (size_t) t.dim[i];
	}
	if (infer >= 0 && known != 0 && in_size % known == 0)
		t.dim[infer] = (int) (in_size / known);
	if ((infer >= 0 && (known == 0 || in_size % known != 0)) || dl_shape_size(&t) != in_size)
	{
		dl_shape_format(&l->in_shape, buf, sizeof(buf));
		return dl_error(bad, "layer %d (reshape): cannot reshape %s (%zu values) to the target",
						pos, buf, in_size);
	}
	l->out_shape = t;
	return DL_OK;
}

const dl_layer_ops dl_reshape_ops = {
	.name = "reshape",
	.keys = reshape_keys,
	.n_keys = DL_LENGTH(reshape_keys),
	.parse_key = reshape_parse_key,
	.parse_done = reshape_parse_done,
	.to_json = reshape_to_json,
	.write = reshape_write,
	.read = reshape_read,
	.plan = reshape_plan,
	.memory = pass_through_memory
};

/* ---- dropout ---- */

static const char *const dropout_keys[] = {"rate"};

static dl_status
dropout_parse_key(dl_layer_spec *s, int key, const dl_json *v, const char *subject)
{
	return dl_parse_rate(v, subject, &s->dropout.rate);
}

static void
dropout_to_json(dl_json_buf *b, const dl_layer_spec *s)
{
	dl_json_put_float(b, "rate", s->dropout.rate);
}

static void
dropout_write(dl_writer *w, const dl_layer_spec *s)
{
	dl_put_f32(w, s->dropout.rate);
}

static dl_status
dropout_read(dl_reader *r, dl_layer_spec *s)
{
	return dl_get_f32(r, &s->dropout.rate);
}

static dl_status
dropout_plan(dl_layer *l, int pos, dl_status bad)
{
	float		rate = l->spec.dropout.rate;

	if (!(rate >= 0.0f && rate < 1.0f))
		return dl_error(bad, "layer %d (dropout): rate must be at least 0 and below 1", pos);
	return DL_OK;
}

static void
dropout_memory(const dl_layer *l, size_t max_batch, bool training, dl_layer_mem *m)
{
	/* the mask; at rate 0 the identity */
	if (l->spec.dropout.rate > 0.0f)
		m->keep[0] = dl_times(max_batch, dl_shape_size(&l->out_shape));
	else
		m->pass_through = true;
}

static const float *
dropout_forward(const dl_layer *l, const dl_pass *c, const float *x, float *y)
{
	size_t		count = (size_t) c->n * dl_shape_size(&l->out_shape);
	float	   *mask;

	/* the identity when predicting (inverted dropout) */
	if (!c->lw || !c->lw->keep[0])
		return x;
	mask = c->lw->keep[0];
	dl_dropout_mask(mask, count, l->spec.dropout.rate, &c->ws->rng);
	dl_dropout_forward(y, x, mask, count);
	return y;
}

static float *
dropout_backward(const dl_layer *l, const dl_pass *c, float *dy, float *dx)
{
	if (c->need_dx && c->lw->keep[0])
		dl_dropout_backward(dy, dy, c->lw->keep[0], (size_t) c->n * dl_shape_size(&l->out_shape));
	return dy;
}

const dl_layer_ops dl_dropout_ops = {
	.name = "dropout",
	.keys = dropout_keys,
	.n_keys = DL_LENGTH(dropout_keys),
	.parse_key = dropout_parse_key,
	.to_json = dropout_to_json,
	.write = dropout_write,
	.read = dropout_read,
	.plan = dropout_plan,
	.init_see_through = true,
	.memory = dropout_memory,
	.keeps_mask = true,
	.forward = dropout_forward,
	.backward = dropout_backward
};
