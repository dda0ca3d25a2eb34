/*-------------------------------------------------------------------------
 *
 * conv.c
 *	  Convolution and pooling layers: conv2d (channels-first), conv1d
 *	  (channels-last), max and average pooling, global average pooling.
 *
 * Convolutions unroll the whole batch into one matrix (im2col) and run one
 * sgemm per layer per batch forward and two backward, as the dense layer
 * does: a per-image sgemm on a 28x28 image is too small for OpenBLAS to
 * reach its speed.  conv2d's unrolled matrix is (c kh kw, n oh ow), each
 * row holding one kernel tap for every output position of every image, so
 * the product with the (f, c kh kw) weights is (f, n oh ow) and one pass
 * scatters it into the (n, f, oh, ow) output.  conv1d is channels-last,
 * (t, c): its unrolled matrix (n ot, k c) times the (k c, f) weights is
 * already its (n, ot, f) output.  The backward pass unrolls the input
 * again rather than keeping the matrix per layer: im2col is a copy, cheap
 * next to the products, and this keeps the training workspace to one
 * unrolled matrix for the whole network.
 *
 * src/core/nn/conv.c
 *
 *-------------------------------------------------------------------------
 */
#include <float.h>
#include <string.h>

#include "nn_kernels.h"

void
dl_conv_geometry(const dl_layer *l, dl_conv_geom *g)
{
	const dl_layer_spec *s = &l->spec;
	const dl_shape *in = &l->in_shape;
	const dl_shape *out = &l->out_shape;
	bool		pool = s->type != DL_LAYER_CONV2D && s->type != DL_LAYER_CONV1D;
	const int  *k = pool ? s->pool : s->kernel;
	long		total;

	memset(g, 0, sizeof(*g));
	if (in->ndim == 3)
	{
		g->c = in->dim[0];
		g->h = in->dim[1];
		g->w = in->dim[2];
		g->f = out->dim[0];
		g->oh = out->dim[1];
		g->ow = out->dim[2];
		g->kh = k[0];
		g->kw = k[1];
		g->sh = s->stride[0];
		g->sw = s->stride[1];
		g->dh = pool ? 1 : s->dilation[0];
		g->dw = pool ? 1 : s->dilation[1];
	}
	else
	{
		/* (t, c) channels-last: one row of t positions */
		g->c = in->dim[1];
		g->h = 1;
		g->w = in->dim[0];
		g->f = out->dim[1];
		g->oh = 1;
		g->ow = out->dim[0];
		g->kh = g->sh = g->dh = 1;
		g->kw = k[0];
		g->sw = s->stride[0];
		g->dw = pool ? 1 : s->dilation[0];
	}
	if (!pool && s->padding == DL_PAD_SAME)
	{
		/* TensorFlow's split: the smaller half of the zeros goes before */
		total = (long) (g->oh - 1) * g->sh + (long) g->dh * (g->kh - 1) + 1 - g->h;
		g->pad_h = total > 0 ? (int) (total / 2) : 0;
		total = (long) (g->ow - 1) * g->sw + (long) g->dw * (g->kw - 1) + 1 - g->w;
		g->pad_w = total > 0 ? (int) (total / 2) : 0;
	}
}

size_t
dl_conv_col_size(const dl_layer *l)
{
	dl_conv_geom g;

	if (l->spec.type != DL_LAYER_CONV2D && l->spec.type != DL_LAYER_CONV1D)
		return 0;
	dl_conv_geometry(l, &g);
	return (size_t) g.c * g.kh * g.kw * g.oh * g.ow;
}

/* ---- conv2d ---- */

/*
 * Unrolls image x (c, h, w) into columns [off, off + oh ow) of col, a
 * (c kh kw, ld) matrix: row (ci, ki, kj) holds the input each output
 * position sees through that tap, 0 in the padding.
 */
static void
im2col(float *restrict col, size_t ld, size_t off, const float *restrict x,
	   const dl_conv_geom *g)
{
	size_t		row = 0;

	for (int ci = 0; ci < g->c; ci++)
	{
		const float *xc = x + (size_t) ci * g->h * g->w;

		for (int ki = 0; ki < g->kh; ki++)
			for (int kj = 0; kj < g->kw; kj++, row++)
			{
				float	   *restrict dst = col + row * ld + off;
				int			x0 = kj * g->dw - g->pad_w;
				/* output columns whose input column is inside the image */
				int			lo = x0 >= 0 ? 0 : (-x0 + g->sw - 1) / g->sw;
				int			hi = g->w - 1 - x0 < 0 ? 0 : (g->w - 1 - x0) / g->sw + 1;

				hi = hi < g->ow ? hi : g->ow;
				lo = lo < hi ? lo : hi;
				for (int oy = 0; oy < g->oh; oy++)
				{
					int			iy = oy * g->sh - g->pad_h + ki * g->dh;
					float	   *restrict d = dst + (size_t) oy * g->ow;

					if (iy < 0 || iy >= g->h)
					{
						memset(d, 0, sizeof(float) * g->ow);
						continue;
					}
					{
						/* src[x0 + ox sw] is in the image for lo <= ox < hi */
						const float *restrict src = xc + (size_t) iy * g->w;

						for (int ox = 0; ox < lo; ox++)
							d[ox] = 0.0f;
						if (g->sw == 1)
							memcpy(d + lo, src + x0 + lo, sizeof(float) * (hi - lo));
						else
							for (int ox = lo; ox < hi; ox++)
								d[ox] = src[x0 + ox * g->sw];
						for (int ox = hi; ox < g->ow; ox++)
							d[ox] = 0.0f;
					}
				}
			}
	}
}

/* the adjoint of im2col: adds columns [off, off + oh ow) of col into dx (c, h, w) */
static void
col2im(float *restrict dx, const float *restrict col, size_t ld, size_t off,
	   const dl_conv_geom *g)
{
	size_t		row = 0;

	for (int ci = 0; ci < g->c; ci++)
	{
		float	   *dxc = dx + (size_t) ci * g->h * g->w;

		for (int ki = 0; ki < g->kh; ki++)
			for (int kj = 0; kj < g->kw; kj++, row++)
			{
				const float *restrict src = col + row * ld + off;
				int			x0 = kj * g->dw - g->pad_w;
				int			lo = x0 >= 0 ? 0 : (-x0 + g->sw - 1) / g->sw;
				int			hi = g->w - 1 - x0 < 0 ? 0 : (g->w - 1 - x0) / g->sw + 1;

				hi = hi < g->ow ? hi : g->ow;
				for (int oy = 0; oy < g->oh; oy++)
				{
					int			iy = oy * g->sh - g->pad_h + ki * g->dh;
					float	   *restrict d;
					const float *restrict s = src + (size_t) oy * g->ow;

					if (iy < 0 || iy >= g->h)
						continue;
					d = dxc + (size_t) iy * g->w;
					for (int ox = lo; ox < hi; ox++)
						d[x0 + ox * g->sw] += s[ox];
				}
			}
	}
}

void
dl_conv2d_forward(float *y, float *z, const float *x, const float *w,
				  const float *b, float *col, float *tmp, int n,
				  const dl_conv_geom *g, dl_activation a, float alpha)
{
	size_t		ohw = (size_t) g->oh * g->ow;
	size_t		ld = (size_t) n * ohw;
	int			ckk = g->c * g->kh * g->kw;
	size_t		in_size = (size_t) g->c * g->h * g->w;
	float	   *dst = z ? z : y;

	/* col (c kh kw, n oh ow); tmp (f, n oh ow) = w (f, c kh kw) col */
	for (int r = 0; r < n; r++)
		im2col(col, ld, (size_t) r * ohw, x + (size_t) r * in_size, g);
	dl_sgemm(false, false, g->f, (int) ld, ckk, 1.0f, w, ckk, col, (int) ld, 0.0f, tmp, (int) ld);
	/* dst (n, f, oh, ow) = tmp + b */
	for (int r = 0; r < n; r++)
		for (int f = 0; f < g->f; f++)
		{
			const float *restrict s = tmp + (size_t) f * ld + (size_t) r * ohw;
			float	   *restrict d = dst + ((size_t) r * g->f + f) * ohw;
			float		bias = b ? b[f] : 0.0f;

			for (size_t i = 0; i < ohw; i++)
				d[i] = s[i] + bias;
		}
	/* the activation runs over rows of ow, the last axis (softmax there, as Keras) */
	if (a != DL_ACT_LINEAR || z)
		dl_act_forward(y, dst, (size_t) n * g->f * g->oh, g->ow, a, alpha);
}

void
dl_conv2d_backward(float *dx, float *dw, float *db, float *dy,
				   const float *x, const float *y, const float *z,
				   const float *w, float *col, float *tmp, int n,
				   const dl_conv_geom *g, dl_activation a, float alpha)
{
	size_t		ohw = (size_t) g->oh * g->ow;
	size_t		ld = (size_t) n * ohw;
	int			ckk = g->c * g->kh * g->kw;
	size_t		in_size = (size_t) g->c * g->h * g->w;

	if (a != DL_ACT_LINEAR)
		dl_act_backward(dy, dy, z, y, (size_t) n * g->f * g->oh, g->ow, a, alpha);
	/* tmp (f, n oh ow) = dz, gathered; db += its row sums */
	for (int r = 0; r < n; r++)
		for (int f = 0; f < g->f; f++)
		{
			const float *restrict s = dy + ((size_t) r * g->f + f) * ohw;
			float	   *restrict d = tmp + (size_t) f * ld + (size_t) r * ohw;
			float		sum = 0.0f;

			for (size_t i = 0; i < ohw; i++)
			{
				d[i] = s[i];
				sum += s[i];
			}
			if (db)
				db[f] += sum;
		}
	for (int r = 0; r < n; r++)
		im2col(col, ld, (size_t) r * ohw, x + (size_t) r * in_size, g);
	/* dw (f, c kh kw) += dz (f, n oh ow) col^T */
	dl_sgemm(false, true, g->f, ckk, (int) ld, 1.0f, tmp, (int) ld, col, (int) ld, 1.0f, dw, ckk);
	if (!dx)
		return;
	/* dcol (c kh kw, n oh ow) = w^T dz, into col (no longer needed), then folded back */
	dl_sgemm(true, false, ckk, (int) ld, g->f, 1.0f, w, ckk, tmp, (int) ld, 0.0f, col, (int) ld);
	memset(dx, 0, sizeof(float) * in_size * n);
	for (int r = 0; r < n; r++)
		col2im(dx + (size_t) r * in_size, col, ld, (size_t) r * ohw, g);
}

void
dl_conv2d_ref(float *y, const float *x, const float *w, const float *b, int n,
			  const dl_conv_geom *g)
{
	for (int r = 0; r < n; r++)
		for (int f = 0; f < g->f; f++)
			for (int oy = 0; oy < g->oh; oy++)
				for (int ox = 0; ox < g->ow; ox++)
				{
					double		sum = b ? b[f] : 0.0;

					for (int ci = 0; ci < g->c; ci++)
						for (int ki = 0; ki < g->kh; ki++)
							for (int kj = 0; kj < g->kw; kj++)
							{
								int			iy = oy * g->sh - g->pad_h + ki * g->dh;
								int			ix = ox * g->sw - g->pad_w + kj * g->dw;

								if (iy < 0 || iy >= g->h || ix < 0 || ix >= g->w)
									continue;
								sum += (double) w[(((size_t) f * g->c + ci) * g->kh + ki) * g->kw + kj] *
									x[(((size_t) r * g->c + ci) * g->h + iy) * g->w + ix];
							}
					y[(((size_t) r * g->f + f) * g->oh + oy) * g->ow + ox] = (float) sum;
				}
}

/* ---- conv1d ---- */

/* col (n ot, k c): row (r, o) is the k taps of c channels output o of row r sees */
static void
im2col_1d(float *restrict col, const float *restrict x, int n, const dl_conv_geom *g)
{
	int			kc = g->kw * g->c;

	for (int r = 0; r < n; r++)
		for (int o = 0; o < g->ow; o++)
		{
			float	   *restrict d = col + ((size_t) r * g->ow + o) * kc;

			for (int k = 0; k < g->kw; k++)
			{
				int			t = o * g->sw - g->pad_w + k * g->dw;

				if (t < 0 || t >= g->w)
					memset(d + (size_t) k * g->c, 0, sizeof(float) * g->c);
				else
					memcpy(d + (size_t) k * g->c, x + ((size_t) r * g->w + t) * g->c,
						   sizeof(float) * g->c);
			}
		}
}

void
dl_conv1d_forward(float *y, float *z, const float *x, const float *w,
				  const float *b, float *col, int n,
				  const dl_conv_geom *g, dl_activation a, float alpha)
{
	im2col_1d(col, x, n, g);
	/* y (n ot, f) = col (n ot, k c) w (k c, f) + b: a dense layer on the unrolled rows */
	dl_dense_forward(y, z, col, w, b, n * g->ow, g->kw * g->c, g->f, a, alpha);
}

void
dl_conv1d_backward(float *dx, float *dw, float *db, float *dy,
				   const float *x, const float *y, const float *z,
				   const float *w, float *col, int n,
				   const dl_conv_geom *g, dl_activation a, float alpha)
{
	int			rows = n * g->ow;
	int			kc = g->kw * g->c;

	if (a != DL_ACT_LINEAR)
		dl_act_backward(dy, dy, z, y, rows, g->f, a, alpha);
	if (db)
		for (int r = 0; r < rows; r++)
			for (int f = 0; f < g->f; f++)
				db[f] += dy[(size_t) r * g->f + f];
	im2col_1d(col, x, n, g);
	/* dw (k c, f) += col^T dz */
	dl_sgemm(true, false, kc, g->f, rows, 1.0f, col, kc, dy, g->f, 1.0f, dw, g->f);
	if (!dx)
		return;
	/* dcol (n ot, k c) = dz w^T into col, then each tap's channels added back */
	dl_sgemm(false, true, rows, kc, g->f, 1.0f, dy, g->f, w, g->f, 0.0f, col, kc);
	memset(dx, 0, sizeof(float) * (size_t) n * g->w * g->c);
	for (int r = 0; r < n; r++)
		for (int o = 0; o < g->ow; o++)
		{
			const float *restrict s = col + ((size_t) r * g->ow + o) * kc;

			for (int k = 0; k < g->kw; k++)
			{
				int			t = o * g->sw - g->pad_w + k * g->dw;
				float	   *restrict d;

				if (t < 0 || t >= g->w)
					continue;
				d = dx + ((size_t) r * g->w + t) * g->c;
				for (int ci = 0; ci < g->c; ci++)
					d[ci] += s[(size_t) k * g->c + ci];
			}
		}
}

void
dl_conv1d_ref(float *y, const float *x, const float *w, const float *b, int n,
			  const dl_conv_geom *g)
{
	for (int r = 0; r < n; r++)
		for (int o = 0; o < g->ow; o++)
			for (int f = 0; f < g->f; f++)
			{
				double		sum = b ? b[f] : 0.0;

				for (int k = 0; k < g->kw; k++)
				{
					int			t = o * g->sw - g->pad_w + k * g->dw;

					if (t < 0 || t >= g->w)
						continue;
					for (int ci = 0; ci < g->c; ci++)
						sum += (double) w[((size_t) k * g->c + ci) * g->f + f] *
							x[((size_t) r * g->w + t) * g->c + ci];
				}
				y[((size_t) r * g->ow + o) * g->f + f] = (float) sum;
			}
}

/* ---- pooling ---- */

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
