/*-------------------------------------------------------------------------
 *
 * positional.c
 *	  The positional_encoding layer: a (T, D) table added to every row of
 *	  a sequence x (n, T, D).
 *
 * The table is learned (trainable, starting uniform in [-0.05, 0.05]), or
 * the sinusoids of "Attention is all you need", stored with the model as
 * non-trainable parameters (like batchnorm's running statistics) so that
 * prediction is a plain addition.  The gradient passes through; a learned
 * table gathers it over the batch.
 *
 * With a padding mask (an embedding's mask_zero) the k-th real step of a
 * row gets row k of the table and a padded step nothing, so a sequence
 * has the same positions whatever padding precedes it.
 *
 * The weights record: learned (u8).
 *
 * src/core/nn/positional.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "layers.h"

/* ---- kernels ---- */

void
dl_sinusoids(float *table, int T, int D)
{
	for (int t = 0; t < T; t++)
		for (int i = 0; i < D; i += 2)
		{
			double		w = pow(10000.0, -(double) i / D);

			table[(size_t) t * D + i] = (float) sin(t * w);
			if (i + 1 < D)
				table[(size_t) t * D + i + 1] = (float) cos(t * w);
		}
}

void
dl_posenc_forward(float *y, const float *x, const float *table, int n, size_t size)
{
	for (int r = 0; r < n; r++)
	{
		const float *restrict xr = x + (size_t) r * size;
		float	   *yr = y + (size_t) r * size;

		for (size_t i = 0; i < size; i++)
			yr[i] = xr[i] + table[i];
	}
}

/*
 * y (n, T, D) = x + the table's row k at the k-th real step of each row
 * (mask (n, T)), x at padded steps; backward, with g (a learned table's
 * gradient, or NULL), gathers dy (n, T, D) into the rows used
 */
static void
posenc_masked_forward(float *y, const float *x, const float *table, const uint8_t *mask,
					  int n, int T, int D)
{
	for (int r = 0; r < n; r++)
	{
		int			k = 0;

		for (int t = 0; t < T; t++)
		{
			size_t		at = ((size_t) r * T + t) * D;

			if (mask[(size_t) r * T + t])
			{
				const float *row = table + (size_t) k++ * D;

				for (int j = 0; j < D; j++)
					y[at + j] = x[at + j] + row[j];
			}
			else if (y != x)
				memcpy(y + at, x + at, sizeof(float) * D);
		}
	}
}

static void
posenc_masked_backward(float *g, const float *dy, const uint8_t *mask, int n, int T, int D)
{
	for (int r = 0; r < n; r++)
	{
		int			k = 0;

		for (int t = 0; t < T; t++)
			if (mask[(size_t) r * T + t])
			{
				const float *d = dy + ((size_t) r * T + t) * D;
				float	   *row = g + (size_t) k++ * D;

				for (int j = 0; j < D; j++)
					row[j] += d[j];
			}
	}
}

/* ---- the layer ---- */

static const char *const posenc_keys[] = {"encoding"};

static const dl_name_value encodings[] = {
	{"sinusoidal", 0},
	{"learned", 1}
};

static dl_status
posenc_parse_key(dl_layer_spec *s, int key, const dl_json *v, const char *subject)
{
	int			enc;
	dl_status	st = dl_want_name(v, subject, encodings, DL_LENGTH(encodings), &enc);

	if (st == DL_OK)
		s->posenc.learned = enc == 1;
	return st;
}

static void
posenc_to_json(dl_json_buf *b, const dl_layer_spec *s)
{
	dl_json_put_name(b, "encoding", dl_name_of(encodings, DL_LENGTH(encodings), s->posenc.learned));
}

static void
posenc_write(dl_writer *w, const dl_layer_spec *s)
{
	dl_put_bool(w, s->posenc.learned);
}

static dl_status
posenc_read(dl_reader *r, dl_layer_spec *s)
{
	return dl_get_bool(r, &s->posenc.learned);
}

/* the table: trained, or the stored sinusoids */
static dl_status
posenc_plan(dl_layer *l, int pos, dl_status bad)
{
	dl_status	st = dl_plan_sequence(l, pos, bad);

	if (st != DL_OK)
		return st;
	l->n_params = dl_shape_size(&l->in_shape);
	l->n_trainable = l->spec.posenc.learned ? l->n_params : 0;
	return DL_OK;
}

static void
posenc_init(const dl_network *net, int i, float *p, dl_rng *rng)
{
	const dl_layer *l = &net->layers[i];

	if (l->spec.posenc.learned)
		dl_init_small_uniform(p, l->n_params, rng);
	else
		dl_sinusoids(p, l->in_shape.dim[0], l->in_shape.dim[1]);
}

static const float *
posenc_forward(const dl_layer *l, const dl_pass *c, const float *x, float *y)
{
	if (c->mask)
		posenc_masked_forward(y, x, c->p, c->mask, c->n, l->in_shape.dim[0], l->in_shape.dim[1]);
	else
		dl_posenc_forward(y, x, c->p, c->n, dl_shape_size(&l->out_shape));
	return y;
}

/* dx = dy; a learned table gathers dy over the batch */
static float *
posenc_backward(const dl_layer *l, const dl_pass *c, float *dy, float *dx)
{
	size_t		size = dl_shape_size(&l->out_shape);
	float	   *g = c->g;

	if (l->spec.posenc.learned && c->mask)
		posenc_masked_backward(g, dy, c->mask, c->n, l->in_shape.dim[0], l->in_shape.dim[1]);
	else if (l->spec.posenc.learned)
		for (int r = 0; r < c->n; r++)
		{
			const float *restrict dr = dy + (size_t) r * size;

			for (size_t k = 0; k < size; k++)
				g[k] += dr[k];
		}
	return dy;
}

const dl_layer_ops dl_positional_encoding_ops = {
	.name = "positional_encoding",
	.keys = posenc_keys,
	.n_keys = DL_LENGTH(posenc_keys),
	.parse_key = posenc_parse_key,
	.to_json = posenc_to_json,
	.write = posenc_write,
	.read = posenc_read,
	.plan = posenc_plan,
	.init = posenc_init,
	.keeps_mask = true,
	.forward = posenc_forward,
	.backward = posenc_backward
};
