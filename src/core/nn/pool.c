/*-------------------------------------------------------------------------
 *
 * pool.c
 *	  Pooling layers: max and average pooling of images (C, H, W), max
 *	  pooling of sequences (T, F), and global average pooling of either.
 *
 * A pool's window strides by its size unless told otherwise and has no
 * padding.  Max pooling sends each gradient to the first maximum of its
 * window, found again from the input; the common 2x2 pool of stride 2
 * has straight-line forward and backward passes the compiler vectorizes.
 * A conv2d followed by a maxpool2d runs both backward passes at once
 * (dl_conv2d_maxpool_backward, conv.c), as the plan chooses.
 *
 * The weights records: the pools their pool and stride (two u32 each);
 * global_avgpool none.  global_avgpool of a masked sequence (an embedding's
 * mask_zero) averages the real steps only.
 *
 * src/core/nn/pool.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <string.h>

#include "layers.h"

/* ---- kernels ---- */

/* the common 2x2 pool of stride 2 */
static inline bool
pool_2x2(const dl_conv_geom *g)
{
	return g->kh == 2 && g->kw == 2 && g->sh == 2 && g->sw == 2;
}

/*
 * The max of each 2x2 window: straight-line code the compiler vectorizes,
 * where the general loop spends most of a small CNN's time on loop control.
 */
static void
maxpool_2x2_forward(float *restrict y, const float *restrict x, size_t planes,
					const dl_conv_geom *g)
{
	for (size_t p = 0; p < planes; p++)
		for (int oy = 0; oy < g->oh; oy++)
		{
			const float *restrict r0 = x + (p * g->h + 2 * (size_t) oy) * g->w;
			const float *restrict r1 = r0 + g->w;
			float	   *restrict d = y + (p * g->oh + oy) * g->ow;

			for (int ox = 0; ox < g->ow; ox++)
			{
				float		a = r0[2 * ox] > r0[2 * ox + 1] ? r0[2 * ox] : r0[2 * ox + 1];
				float		b = r1[2 * ox] > r1[2 * ox + 1] ? r1[2 * ox] : r1[2 * ox + 1];

				d[ox] = a > b ? a : b;
			}
		}
}

/*
 * The 2x2 backward pass: each gradient to the first maximum of its window
 * (ties are common after relu: a later value wins only when strictly
 * larger).  The window is read as two rows of pairs and the choice made
 * with masks, so the loop has no data-dependent branch to mispredict.
 */
static void
maxpool_2x2_backward(float *restrict dx, const float *restrict dy, const float *restrict x,
					 size_t planes, const dl_conv_geom *g)
{
	for (size_t p = 0; p < planes; p++)
		for (int oy = 0; oy < g->oh; oy++)
		{
			size_t		off = (p * g->h + 2 * (size_t) oy) * g->w;
			const float *restrict r0 = x + off;
			const float *restrict r1 = r0 + g->w;
			float	   *restrict d0 = dx + off;
			float	   *restrict d1 = d0 + g->w;
			const float *restrict s = dy + (p * g->oh + oy) * g->ow;

			for (int ox = 0; ox < g->ow; ox++)
			{
				float		a = r0[2 * ox],
							b = r0[2 * ox + 1],
							c = r1[2 * ox],
							e = r1[2 * ox + 1];
				float		mt = b > a ? b : a;
				float		mb = e > c ? e : c;
				uint32_t	v;
				uint32_t	out[4];

				memcpy(&v, &s[ox], sizeof(v));
				out[0] = v & -(uint32_t) ((a >= b) & (a >= mb));
				out[1] = v & -(uint32_t) ((b > a) & (b >= mb));
				out[2] = v & -(uint32_t) ((c > mt) & (c >= e));
				out[3] = v & -(uint32_t) ((e > mt) & (e > c));
				memcpy(&d0[2 * ox], &out[0], 2 * sizeof(float));
				memcpy(&d1[2 * ox], &out[2], 2 * sizeof(float));
			}
		}
}

/* the max or the mean of each pool window of (n, c, h, w) */
static void
pool2d_forward(float *y, const float *x, int n, const dl_conv_geom *g, bool max)
{
	size_t		planes = (size_t) n * g->c;
	float		scale = 1.0f / (float) (g->kh * g->kw);

	if (max && pool_2x2(g))
	{
		maxpool_2x2_forward(y, x, planes, g);
		return;
	}

	for (size_t p = 0; p < planes; p++)
	{
		const float *xp = x + p * g->h * g->w;
		float	   *yp = y + p * g->oh * g->ow;

		for (int oy = 0; oy < g->oh; oy++)
			for (int ox = 0; ox < g->ow; ox++)
			{
				const float *s = xp + (size_t) oy * g->sh * g->w + (size_t) ox * g->sw;
				float		m = s[0];
				float		sum = 0.0f;

				for (int i = 0; i < g->kh; i++)
					for (int j = 0; j < g->kw; j++)
					{
						float		v = s[(size_t) i * g->w + j];

						m = v > m ? v : m;
						sum += v;
					}
				yp[(size_t) oy * g->ow + ox] = max ? m : sum * scale;
			}
	}
}

void
dl_maxpool2d_forward(float *y, const float *x, int n, const dl_conv_geom *g)
{
	pool2d_forward(y, x, n, g, true);
}

void
dl_maxpool2d_backward(float *dx, const float *dy, const float *x, int n, const dl_conv_geom *g)
{
	size_t		planes = (size_t) n * g->c;

	/* 2x2 windows that tile the input write every dx; otherwise what no window covers stays 0 */
	if (!(pool_2x2(g) && g->h == 2 * g->oh && g->w == 2 * g->ow))
		memset(dx, 0, sizeof(float) * planes * g->h * g->w);
	if (pool_2x2(g))
	{
		maxpool_2x2_backward(dx, dy, x, planes, g);
		return;
	}
	for (size_t p = 0; p < planes; p++)
	{
		const float *xp = x + p * g->h * g->w;
		float	   *dxp = dx + p * g->h * g->w;
		const float *dyp = dy + p * g->oh * g->ow;

		for (int oy = 0; oy < g->oh; oy++)
			for (int ox = 0; ox < g->ow; ox++)
			{
				size_t		base = (size_t) oy * g->sh * g->w + (size_t) ox * g->sw;
				size_t		best = base;

				for (int i = 0; i < g->kh; i++)
					for (int j = 0; j < g->kw; j++)
					{
						size_t		at = base + (size_t) i * g->w + j;

						if (xp[at] > xp[best])
							best = at;
					}
				dxp[best] += dyp[(size_t) oy * g->ow + ox];
			}
	}
}

void
dl_avgpool2d_forward(float *y, const float *x, int n, const dl_conv_geom *g)
{
	pool2d_forward(y, x, n, g, false);
}

void
dl_avgpool2d_backward(float *dx, const float *dy, int n, const dl_conv_geom *g)
{
	size_t		planes = (size_t) n * g->c;
	float		scale = 1.0f / (float) (g->kh * g->kw);

	memset(dx, 0, sizeof(float) * planes * g->h * g->w);
	for (size_t p = 0; p < planes; p++)
	{
		float	   *dxp = dx + p * g->h * g->w;
		const float *dyp = dy + p * g->oh * g->ow;

		for (int oy = 0; oy < g->oh; oy++)
			for (int ox = 0; ox < g->ow; ox++)
			{
				float	   *d = dxp + (size_t) oy * g->sh * g->w + (size_t) ox * g->sw;
				float		v = dyp[(size_t) oy * g->ow + ox] * scale;

				for (int i = 0; i < g->kh; i++)
					for (int j = 0; j < g->kw; j++)
						d[(size_t) i * g->w + j] += v;
			}
	}
}

void
dl_maxpool1d_forward(float *y, const float *x, int n, const dl_conv_geom *g)
{
	for (int r = 0; r < n; r++)
		for (int o = 0; o < g->ow; o++)
		{
			const float *s = x + ((size_t) r * g->w + (size_t) o * g->sw) * g->c;
			float	   *d = y + ((size_t) r * g->ow + o) * g->c;

			memcpy(d, s, sizeof(float) * g->c);
			for (int k = 1; k < g->kw; k++)
				for (int ci = 0; ci < g->c; ci++)
					d[ci] = s[(size_t) k * g->c + ci] > d[ci] ? s[(size_t) k * g->c + ci] : d[ci];
		}
}

void
dl_maxpool1d_backward(float *dx, const float *dy, const float *x, int n, const dl_conv_geom *g)
{
	memset(dx, 0, sizeof(float) * (size_t) n * g->w * g->c);
	for (int r = 0; r < n; r++)
		for (int o = 0; o < g->ow; o++)
		{
			size_t		base = ((size_t) r * g->w + (size_t) o * g->sw) * g->c;

			for (int ci = 0; ci < g->c; ci++)
			{
				size_t		best = base + ci;

				for (int k = 1; k < g->kw; k++)
					if (x[base + (size_t) k * g->c + ci] > x[best])
						best = base + (size_t) k * g->c + ci;
				dx[best] += dy[((size_t) r * g->ow + o) * g->c + ci];
			}
		}
}

void
dl_global_avgpool_forward(float *y, const float *x, int n, int c, int inner, bool channels_last)
{
	float		scale = 1.0f / (float) inner;

	for (int r = 0; r < n; r++)
	{
		const float *xr = x + (size_t) r * c * inner;
		float	   *yr = y + (size_t) r * c;

		if (channels_last)
		{
			/* (inner, c): row by row so the inner loop is contiguous */
			memset(yr, 0, sizeof(float) * c);
			for (int t = 0; t < inner; t++)
				for (int ci = 0; ci < c; ci++)
					yr[ci] += xr[(size_t) t * c + ci];
			for (int ci = 0; ci < c; ci++)
				yr[ci] *= scale;
		}
		else
			for (int ci = 0; ci < c; ci++)
			{
				float		sum = 0.0f;

				for (int i = 0; i < inner; i++)
					sum += xr[(size_t) ci * inner + i];
				yr[ci] = sum * scale;
			}
	}
}

void
dl_global_avgpool_backward(float *dx, const float *dy, int n, int c, int inner,
						   bool channels_last)
{
	float		scale = 1.0f / (float) inner;

	for (int r = 0; r < n; r++)
	{
		float	   *dxr = dx + (size_t) r * c * inner;
		const float *dyr = dy + (size_t) r * c;

		for (int i = 0; i < inner; i++)
			for (int ci = 0; ci < c; ci++)
				dxr[channels_last ? (size_t) i * c + ci : (size_t) ci * inner + i] = dyr[ci] * scale;
	}
}

void
dl_masked_avgpool_forward(float *y, const float *x, const uint8_t *mask, int n, int T, int c)
{
	for (int r = 0; r < n; r++)
	{
		const float *xr = x + (size_t) r * T * c;
		const uint8_t *mr = mask + (size_t) r * T;
		float	   *yr = y + (size_t) r * c;
		int			real = 0;

		memset(yr, 0, sizeof(float) * c);
		for (int t = 0; t < T; t++)
		{
			if (!mr[t])
				continue;
			real++;
			for (int ci = 0; ci < c; ci++)
				yr[ci] += xr[(size_t) t * c + ci];
		}
		if (real > 0)
		{
			float		scale = 1.0f / (float) real;

			for (int ci = 0; ci < c; ci++)
				yr[ci] *= scale;
		}
	}
}

void
dl_masked_avgpool_backward(float *dx, const float *dy, const uint8_t *mask, int n, int T, int c)
{
	for (int r = 0; r < n; r++)
	{
		const uint8_t *mr = mask + (size_t) r * T;
		float	   *dxr = dx + (size_t) r * T * c;
		const float *dyr = dy + (size_t) r * c;
		int			real = 0;
		float		scale;

		for (int t = 0; t < T; t++)
			real += mr[t] != 0;
		scale = real > 0 ? 1.0f / (float) real : 0.0f;
		for (int t = 0; t < T; t++)
			for (int ci = 0; ci < c; ci++)
				dxr[(size_t) t * c + ci] = mr[t] ? dyr[ci] * scale : 0.0f;
	}
}

/* ---- the pool layers ---- */

enum
{
	K_STRIDE,
	K_POOL
};

static const char *const pool_keys[] = {"stride", "pool"};

static void
pool2d_defaults(dl_layer_spec *s)
{
	s->pool.pool[0] = s->pool.pool[1] = 2;
	s->pool.stride[0] = s->pool.stride[1] = 2;
}

/* 1-D layers use [0] only */
static void
pool1d_defaults(dl_layer_spec *s)
{
	s->pool.pool[0] = s->pool.stride[0] = 2;
	s->pool.pool[1] = s->pool.stride[1] = 1;
}

static dl_status
pool_parse_key(dl_layer_spec *s, int key, const dl_json *v, const char *subject, bool one_d)
{
	return dl_want_pair(v, subject, one_d, key == K_POOL ? s->pool.pool : s->pool.stride);
}

static dl_status
pool2d_parse_key(dl_layer_spec *s, int key, const dl_json *v, const char *subject)
{
	return pool_parse_key(s, key, v, subject, false);
}

static dl_status
pool1d_parse_key(dl_layer_spec *s, int key, const dl_json *v, const char *subject)
{
	return pool_parse_key(s, key, v, subject, true);
}

static dl_status
pool_parse_done(dl_layer_spec *s, unsigned given, int pos, bool last)
{
	/* a pool strides by its size unless told otherwise */
	if (!(given & (1u << K_STRIDE)))
	{
		s->pool.stride[0] = s->pool.pool[0];
		s->pool.stride[1] = s->pool.pool[1];
	}
	return DL_OK;
}

static void
pool2d_to_json(dl_json_buf *b, const dl_layer_spec *s)
{
	dl_json_put_pair(b, "pool", s->pool.pool, false);
	dl_json_put_pair(b, "stride", s->pool.stride, false);
}

static void
pool1d_to_json(dl_json_buf *b, const dl_layer_spec *s)
{
	dl_json_put_pair(b, "pool", s->pool.pool, true);
	dl_json_put_pair(b, "stride", s->pool.stride, true);
}

static void
pool_write(dl_writer *w, const dl_layer_spec *s)
{
	dl_put_pair(w, s->pool.pool);
	dl_put_pair(w, s->pool.stride);
}

static dl_status
pool_read(dl_reader *r, dl_layer_spec *s)
{
	dl_status	st = dl_get_pair(r, "a pool size", s->pool.pool);

	return st == DL_OK ? dl_get_pair(r, "a pool stride", s->pool.stride) : st;
}

static const int unit_dilation[2] = {1, 1};

void
dl_pool_geometry(const dl_layer *l, dl_conv_geom *g)
{
	dl_window_geometry(g, &l->in_shape, &l->out_shape, l->spec.pool.pool, l->spec.pool.stride,
					   unit_dilation, DL_PAD_VALID);
}

static dl_status
pool2d_plan(dl_layer *l, int pos, dl_status bad)
{
	return dl_plan_window(l, pos, bad, true, l->spec.pool.pool, l->spec.pool.stride, NULL,
						  DL_PAD_VALID, 0);
}

static dl_status
pool1d_plan(dl_layer *l, int pos, dl_status bad)
{
	return dl_plan_window(l, pos, bad, false, l->spec.pool.pool, l->spec.pool.stride, NULL,
						  DL_PAD_VALID, 0);
}

/* a pool's pass: its geometry, then its kernel */
typedef void (*pool_forward_fn) (float *y, const float *x, int n, const dl_conv_geom *g);
typedef void (*pool_backward_fn) (float *dx, const float *dy, const float *x, int n,
								  const dl_conv_geom *g);

static const float *
pool_forward(const dl_layer *l, const dl_pass *c, const float *x, float *y, pool_forward_fn kernel)
{
	dl_conv_geom g;

	dl_pool_geometry(l, &g);
	kernel(y, x, c->n, &g);
	return y;
}

/* max_kernel finds each window's maximum again in the input; NULL: average */
static float *
pool_backward(const dl_layer *l, const dl_pass *c, float *dy, float *dx,
			  pool_backward_fn max_kernel)
{
	dl_conv_geom g;

	if (!c->need_dx)
		return dy;
	dl_pool_geometry(l, &g);
	if (max_kernel)
		max_kernel(dx, dy, c->lw->in, c->n, &g);
	else
		dl_avgpool2d_backward(dx, dy, c->n, &g);
	return dx;
}

static const float *
maxpool2d_forward(const dl_layer *l, const dl_pass *c, const float *x, float *y)
{
	return pool_forward(l, c, x, y, dl_maxpool2d_forward);
}

static float *
maxpool2d_backward(const dl_layer *l, const dl_pass *c, float *dy, float *dx)
{
	return pool_backward(l, c, dy, dx, dl_maxpool2d_backward);
}

static const float *
avgpool2d_forward(const dl_layer *l, const dl_pass *c, const float *x, float *y)
{
	return pool_forward(l, c, x, y, dl_avgpool2d_forward);
}

static float *
avgpool2d_backward(const dl_layer *l, const dl_pass *c, float *dy, float *dx)
{
	return pool_backward(l, c, dy, dx, NULL);
}

static const float *
maxpool1d_forward(const dl_layer *l, const dl_pass *c, const float *x, float *y)
{
	return pool_forward(l, c, x, y, dl_maxpool1d_forward);
}

static float *
maxpool1d_backward(const dl_layer *l, const dl_pass *c, float *dy, float *dx)
{
	return pool_backward(l, c, dy, dx, dl_maxpool1d_backward);
}

const dl_layer_ops dl_maxpool2d_ops = {
	.name = "maxpool2d",
	.keys = pool_keys,
	.n_keys = DL_LENGTH(pool_keys),
	.defaults = pool2d_defaults,
	.parse_key = pool2d_parse_key,
	.parse_done = pool_parse_done,
	.to_json = pool2d_to_json,
	.write = pool_write,
	.read = pool_read,
	.plan = pool2d_plan,
	.forward = maxpool2d_forward,
	.backward = maxpool2d_backward
};

const dl_layer_ops dl_avgpool2d_ops = {
	.name = "avgpool2d",
	.keys = pool_keys,
	.n_keys = DL_LENGTH(pool_keys),
	.defaults = pool2d_defaults,
	.parse_key = pool2d_parse_key,
	.parse_done = pool_parse_done,
	.to_json = pool2d_to_json,
	.write = pool_write,
	.read = pool_read,
	.plan = pool2d_plan,
	.forward = avgpool2d_forward,
	.backward = avgpool2d_backward
};

const dl_layer_ops dl_maxpool1d_ops = {
	.name = "maxpool1d",
	.keys = pool_keys,
	.n_keys = DL_LENGTH(pool_keys),
	.defaults = pool1d_defaults,
	.parse_key = pool1d_parse_key,
	.parse_done = pool_parse_done,
	.to_json = pool1d_to_json,
	.write = pool_write,
	.read = pool_read,
	.plan = pool1d_plan,
	.forward = maxpool1d_forward,
	.backward = maxpool1d_backward
};

/* ---- global average pooling ---- */

static dl_status
global_avgpool_plan(dl_layer *l, int pos, dl_status bad)
{
	const dl_shape *in = &l->in_shape;
	char		buf[64];

	if (in->ndim != 2 && in->ndim != 3)
	{
		dl_shape_format(in, buf, sizeof(buf));
		return dl_error(bad, "layer %d (global_avgpool): needs an input of shape [C, H, W] or [T, F], got %s",
						pos, buf);
	}
	/* (C, H, W) -> (C); (T, F) -> (F) */
	l->out_shape.ndim = 1;
	l->out_shape.dim[0] = in->ndim == 3 ? in->dim[0] : in->dim[1];
	return DL_OK;
}

static const float *
global_avgpool_forward(const dl_layer *l, const dl_pass *c, const float *x, float *y)
{
	int			ch = (int) dl_shape_size(&l->out_shape);

	if (c->mask)
		dl_masked_avgpool_forward(y, x, c->mask, c->n, l->in_shape.dim[0], ch);
	else
		dl_global_avgpool_forward(y, x, c->n, ch, (int) (dl_shape_size(&l->in_shape) / ch),
								  l->in_shape.ndim == 2);
	return y;
}

static float *
global_avgpool_backward(const dl_layer *l, const dl_pass *c, float *dy, float *dx)
{
	int			ch = (int) dl_shape_size(&l->out_shape);

	if (!c->need_dx)
		return dy;
	if (c->mask)
		dl_masked_avgpool_backward(dx, dy, c->mask, c->n, l->in_shape.dim[0], ch);
	else
		dl_global_avgpool_backward(dx, dy, c->n, ch, (int) (dl_shape_size(&l->in_shape) / ch),
								   l->in_shape.ndim == 2);
	return dx;
}

const dl_layer_ops dl_global_avgpool_ops = {
	.name = "global_avgpool",
	.plan = global_avgpool_plan,
	.forward = global_avgpool_forward,
	.backward = global_avgpool_backward
};
