/*-------------------------------------------------------------------------
 *
 * embedding.c
 *	  The embedding layer: token ids (T) -> vectors (T, output_dim) looked
 *	  up in a trained table (input_dim, output_dim).
 *
 * Its input is token ids stored as floats (exact for ids below 2^24),
 * checked before any pass by dl_network_check_input, which is why it must
 * be the first layer; its backward pass scatters the output gradient into
 * the rows it read, and the ids get no gradient.  The table starts uniform
 * in [-0.05, 0.05], as Keras's.
 *
 * With mask_zero (Keras's), id 0 is padding: the network's passes build a
 * mask of each row's real steps from the ids (dl_sequence_mask), and the
 * layers after it that keep the steps carry it to those that read across
 * steps: global_avgpool averages the real steps only, attention leaves
 * padded keys out of its softmax, lstm and gru carry their state through
 * padded steps unchanged, positional_encoding numbers the real steps.  A
 * sequence gives the same output whatever padding it has, before or after
 * it (pre or post).
 *
 * The weights record: input_dim (u32), output_dim (u32); from format
 * version 2, flags (u8: 1 mask_zero).  Version 1 models do not mask.
 *
 * src/core/nn/embedding.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "layers.h"

/* ---- kernels ---- */

/* the index of a valid id, or -1 */
static inline long
embedding_index(float id, int vocab)
{
	return id >= 0.0f && id < (float) vocab ? (long) id : -1;
}

void
dl_embedding_forward(float *y, const float *ids, const float *table,
					 size_t rows, int vocab, int d)
{
	for (size_t r = 0; r < rows; r++)
	{
		long		k = embedding_index(ids[r], vocab);

		if (k >= 0)
			memcpy(y + r * d, table + (size_t) k * d, sizeof(float) * d);
		else
			memset(y + r * d, 0, sizeof(float) * d);
	}
}

void
dl_embedding_backward(float *dtable, const float *dy, const float *ids,
					  size_t rows, int vocab, int d)
{
	for (size_t r = 0; r < rows; r++)
	{
		long		k = embedding_index(ids[r], vocab);

		if (k < 0)
			continue;
		for (int j = 0; j < d; j++)
			dtable[(size_t) k * d + j] += dy[r * d + j];
	}
}

void
dl_sequence_mask(uint8_t *mask, const float *ids, size_t rows)
{
	for (size_t r = 0; r < rows; r++)
		mask[r] = ids[r] != 0.0f;
}

/* ---- the layer ---- */

enum
{
	K_INPUT_DIM,
	K_OUTPUT_DIM,
	K_MASK_ZERO
};

static const char *const embedding_keys[] = {"input_dim", "output_dim", "mask_zero"};

static dl_status
embedding_parse_key(dl_layer_spec *s, int key, const dl_json *v, const char *subject)
{
	if (key == K_MASK_ZERO)
		return dl_want_bool(v, subject, &s->embedding.mask_zero);
	return dl_want_int(v, subject, 1, DL_MAX_UNITS,
					   key == K_INPUT_DIM ? &s->embedding.input_dim : &s->embedding.output_dim);
}

static dl_status
embedding_parse_done(dl_layer_spec *s, unsigned given, int pos, bool last)
{
	/* without input_dim (0), train_model takes it from a text column's vocabulary */
	if (!(given & (1u << K_OUTPUT_DIM)))
		return dl_error(DL_EINVAL, "layer %d (embedding): \"output_dim\" (the vector size) is required",
						pos);
	return DL_OK;
}

static void
embedding_to_json(dl_json_buf *b, const dl_layer_spec *s)
{
	dl_json_put_int(b, "input_dim", s->embedding.input_dim);
	dl_json_put_int(b, "output_dim", s->embedding.output_dim);
	/* only when set: models without it describe themselves as before */
	if (s->embedding.mask_zero)
		dl_json_put_bool(b, "mask_zero", true);
}

static void
embedding_write(dl_writer *w, const dl_layer_spec *s)
{
	dl_put_u32(w, (uint32_t) s->embedding.input_dim);
	dl_put_u32(w, (uint32_t) s->embedding.output_dim);
	if (w->version >= 2)
		dl_put_u8(w, s->embedding.mask_zero ? 1 : 0);
}

static dl_status
embedding_read(dl_reader *r, dl_layer_spec *s)
{
	dl_status	st = dl_get_count(r, DL_MAX_UNITS, "an embedding's input_dim", &s->embedding.input_dim);

	uint8_t		flags = 0;

	if (st == DL_OK)
		st = dl_get_count(r, DL_MAX_UNITS, "an embedding's output_dim", &s->embedding.output_dim);
	if (st == DL_OK && r->version >= 2)
		st = dl_get_u8(r, &flags);
	if (st == DL_OK && (flags & ~1u) != 0)
		st = dl_error(DL_EFORMAT, "invalid model: unknown embedding flags 0x%X", flags & ~1u);
	s->embedding.mask_zero = (flags & 1u) != 0;
	return st;
}

static dl_status
embedding_plan(dl_layer *l, int pos, dl_status bad)
{
	const dl_embedding_spec *e = &l->spec.embedding;
	char		buf[64];

	/* ids are checked where data enters (dl_network_check_input): only layer 1 sees them */
	if (pos != 1)
		return dl_error(bad, "layer %d (embedding): must be the first layer (its input is the token ids)",
						pos);
	if (l->in_shape.ndim != 1)
	{
		dl_shape_format(&l->in_shape, buf, sizeof(buf));
		return dl_error(bad, "layer 1 (embedding): needs an input of token ids of shape [T], got %s",
						buf);
	}
	if (e->input_dim < 1 || e->input_dim > DL_MAX_UNITS ||
		e->output_dim < 1 || e->output_dim > DL_MAX_UNITS)
		return dl_error(bad, "layer 1 (embedding): input_dim and output_dim must be between 1 and %d",
						DL_MAX_UNITS);
	l->out_shape.ndim = 2;
	l->out_shape.dim[1] = e->output_dim;
	l->n_trainable = l->n_params = (size_t) e->input_dim * e->output_dim;
	return DL_OK;
}

static bool
embedding_same_layout(const dl_layer_spec *a, const dl_layer_spec *b)
{
	return a->embedding.input_dim == b->embedding.input_dim &&
		a->embedding.output_dim == b->embedding.output_dim;
}

static void
embedding_init(const dl_network *net, int i, float *p, dl_rng *rng)
{
	dl_init_small_uniform(p, net->layers[i].n_params, rng);
}

static dl_status
embedding_check_input(const dl_layer *l, const float *x, size_t n)
{
	size_t		t = dl_shape_size(&l->in_shape);
	int			vocab = l->spec.embedding.input_dim;

	for (size_t r = 0; r < n; r++)
		for (size_t i = 0; i < t; i++)
		{
			float		id = x[r * t + i];

			/* the comparison is false for NaN */
			if (id >= 0.0f && id < (float) vocab && id == floorf(id))
				continue;
			if (n > 1)
				return dl_error(DL_EINVAL, "token id %g in row %zu, position %zu, is not an integer from 0 to %d: the embedding's vocabulary (input_dim) has %d ids",
								(double) id, r + 1, i + 1, vocab - 1, vocab);
			return dl_error(DL_EINVAL, "token id %g at position %zu is not an integer from 0 to %d: the embedding's vocabulary (input_dim) has %d ids",
							(double) id, i + 1, vocab - 1, vocab);
		}
	return DL_OK;
}

static const float *
embedding_forward(const dl_layer *l, const dl_pass *c, const float *x, float *y)
{
	dl_embedding_forward(y, x, c->p, (size_t) c->n * l->in_shape.dim[0],
						 l->spec.embedding.input_dim, l->spec.embedding.output_dim);
	return y;
}

static float *
embedding_backward(const dl_layer *l, const dl_pass *c, float *dy, float *dx)
{
	size_t		rows = (size_t) c->n * l->in_shape.dim[0];

	dl_embedding_backward(c->g, dy, c->lw->in, rows, l->spec.embedding.input_dim,
						  l->spec.embedding.output_dim);
	/* token ids have no gradient: the input gradient is 0 */
	if (c->need_dx)
		memset(dy, 0, sizeof(float) * rows);
	return dy;
}

const dl_layer_ops dl_embedding_ops = {
	.name = "embedding",
	.keys = embedding_keys,
	.n_keys = DL_LENGTH(embedding_keys),
	.parse_key = embedding_parse_key,
	.parse_done = embedding_parse_done,
	.to_json = embedding_to_json,
	.write = embedding_write,
	.read = embedding_read,
	.plan = embedding_plan,
	.same_layout = embedding_same_layout,
	.init = embedding_init,
	.check_input = embedding_check_input,
	.forward = embedding_forward,
	.backward = embedding_backward
};
