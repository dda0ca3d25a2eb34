/*-------------------------------------------------------------------------
 *
 * conv.c
 *	  Convolution and pooling layers: conv2d (channels-first), conv1d
 *	  (channels-last), max and average pooling, global average pooling.
 *
 * conv2d runs image by image: the image is unrolled (im2col) into a
 * (c kh kw, oh ow) matrix, and the product with the (f, c kh kw) weights
 * is the image's (f, oh, ow) output as it is laid out, so no pass
 * rearranges the batch, and the unrolled image is still in the cache for
 * its product.  OpenBLAS runs these products (K = c kh kw, N = oh ow) as
 * fast one image at a time as on the whole batch at once.  The backward
 * pass unrolls each image again rather than keeping the matrices: im2col
 * is a copy, cheap next to the products, and one image's matrix is all the
 * workspace holds.  A layer with one input channel at unit stride (the
 * first layer on images) has only kh kw taps: its product is too thin for
 * sgemm, and it runs as a direct convolution instead (see conv_direct).
 * conv1d is channels-last, (t, c): its unrolled batch (n ot, k c) times
 * the (k c, f) weights is already its (n, ot, f) output, one sgemm.
 *
 * src/core/nn/conv.c
 *
 *-------------------------------------------------------------------------
 */
#include <float.h>
#include <string.h>

#include "nn_kernels.h"

static inline bool conv_direct(const dl_conv_geom *g);
static void conv2d_backward(float *dx, float *dw, float *db, float *dy, const float *dpool,
							const dl_conv_geom *pg, const float *x, const float *y,
							const float *z, const float *w, float *col, int n,
							const dl_conv_geom *g, dl_activation a, float alpha);
static inline bool conv_sparse_ok(const dl_conv_geom *g);
static inline void sparse_plane(const dl_conv_geom *g, int *hp, int *wp);

/* im2col's chunked copies (see there) */
#define COPY_CHUNK 16
#define COL_SLACK COPY_CHUNK

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
dl_conv_col_size(const dl_layer *l, size_t rows)
{
	dl_conv_geom g;
	size_t		cols;

	if (l->spec.type != DL_LAYER_CONV2D && l->spec.type != DL_LAYER_CONV1D)
		return 0;
	dl_conv_geometry(l, &g);
	cols = (size_t) g.c * g.kh * g.kw * g.oh * g.ow;
	if (l->spec.type == DL_LAYER_CONV1D)
		return __builtin_mul_overflow(cols, rows, &cols) ? SIZE_MAX : cols;
	/* conv2d: one image at a time, and im2col's slack */
	cols += COL_SLACK;
	if (conv_direct(&g))
	{
		/* the direct path's padded image, wide gradient and padded input gradient */
		size_t		planes = 3 * (size_t) (g.oh + g.kh - 1) * (g.ow + g.kw - 1);

		cols = planes > cols ? planes : cols;
	}
	else if (conv_sparse_ok(&g))
	{
		/* the sparse path's two channels-last planes, then its two weight layouts */
		int			hp,
					wp;
		size_t		planes;

		sparse_plane(&g, &hp, &wp);
		planes = 2 * (size_t) hp * wp * g.c;
		cols = planes > cols ? planes : cols;
		cols += 2 * (size_t) g.f * g.c * g.kh * g.kw;
		/* and its list of one filter's nonzeros */
		cols += 2 * (size_t) g.oh * g.ow;
	}
	/* before all of it, dl_conv2d_maxpool_backward's output gradient of one image */
	return cols + (size_t) g.f * g.oh * g.ow;
}

/* ---- conv2d ---- */

/*
 * Unrolls image x (c, h, w) into col, a (c kh kw, oh ow) matrix: row (ci,
 * ki, kj) holds the input each output position sees through that tap, 0 in
 * the padding.  Output rows are short (11 floats in the benchmark's second
 * layer), and a memcpy call or a vector loop with its scalar tail costs
 * more than the copy: at unit stride they are copied in whole chunks of
 * COPY_CHUNK floats instead, which col's COL_SLACK floats of slack make
 * safe at its end.  Only output rows below rows are unrolled (the backward
 * pass leaves out rows without gradient).
 */
static void
im2col(float *restrict col, const float *restrict x, int rows, const dl_conv_geom *g)
{
	size_t		ohw = (size_t) g->oh * g->ow;
	size_t		row = 0;
	const float *end = x + (size_t) g->c * g->h * g->w;
	/* unit stride, no padding: every tap reads a rows x ow block of the image */
	bool		block = g->sh == 1 && g->sw == 1 && g->pad_h == 0 && g->pad_w == 0;
	int			chunks = (g->ow + COPY_CHUNK - 1) / COPY_CHUNK;

	for (int ci = 0; ci < g->c; ci++)
	{
		const float *xc = x + (size_t) ci * g->h * g->w;

		for (int ki = 0; ki < g->kh; ki++)
			for (int kj = 0; kj < g->kw; kj++, row++)
			{
				float	   *restrict dst = col + row * ohw;
				int			x0 = kj * g->dw - g->pad_w;
				/* output columns whose input column is inside the image */
				int			lo = x0 >= 0 ? 0 : (-x0 + g->sw - 1) / g->sw;
				int			hi = g->w - 1 - x0 < 0 ? 0 : (g->w - 1 - x0) / g->sw + 1;

				if (block)
				{
					const float *src = xc + (size_t) ki * g->dh * g->w + x0;
					int			oy = 0;

					/* whole chunks (see above) while the last one read stays in the image */
					if (chunks == 1)
					{
						/* one fixed-size copy a row, which the compiler inlines */
						for (; oy < rows && src + (size_t) oy * g->w + COPY_CHUNK <= end; oy++)
							memcpy(dst + (size_t) oy * g->ow, src + (size_t) oy * g->w,
								   sizeof(float) * COPY_CHUNK);
					}
					else
						for (; oy < rows && src + (size_t) oy * g->w + chunks * COPY_CHUNK <= end; oy++)
							for (int k = 0; k < chunks; k++)
								memcpy(dst + (size_t) oy * g->ow + k * COPY_CHUNK,
									   src + (size_t) oy * g->w + k * COPY_CHUNK,
									   sizeof(float) * COPY_CHUNK);
					for (; oy < rows; oy++)
						for (int ox = 0; ox < g->ow; ox++)
							dst[(size_t) oy * g->ow + ox] = src[(size_t) oy * g->w + ox];
					continue;
				}
				hi = hi < g->ow ? hi : g->ow;
				lo = lo < hi ? lo : hi;
				for (int oy = 0; oy < rows; oy++)
				{
					int			iy = oy * g->sh - g->pad_h + ki * g->dh;
					float	   *restrict d = dst + (size_t) oy * g->ow;

					if (iy < 0 || iy >= g->h)
					{
						for (int ox = 0; ox < g->ow; ox++)
							d[ox] = 0.0f;
						continue;
					}
					{
						/* src[ox sw] is in the image for lo <= ox < hi */
						const float *restrict src = xc + (size_t) iy * g->w + x0;
						int			ox = lo;

						for (int j = 0; j < lo; j++)
							d[j] = 0.0f;
						if (g->sw == 1)
						{
							/*
							 * Whole chunks, while they read inside the image:
							 * the last may write past hi, which the zeros
							 * below or the next rows (written later, at
							 * higher addresses) cover, or the slack.
							 */
							for (; ox < hi && src + ox + COPY_CHUNK <= end; ox += COPY_CHUNK)
								memcpy(d + ox, src + ox, sizeof(float) * COPY_CHUNK);
							for (; ox < hi; ox++)
								d[ox] = src[ox];
						}
						else
							for (; ox < hi; ox++)
								d[ox] = src[(size_t) ox * g->sw];
						for (int j = hi; j < g->ow; j++)
							d[j] = 0.0f;
					}
				}
			}
	}
}

/* the adjoint of im2col: adds col (c kh kw, oh ow), output rows below rows, into dx (c, h, w) */
static void
col2im(float *restrict dx, const float *restrict col, int rows, const dl_conv_geom *g)
{
	size_t		ohw = (size_t) g->oh * g->ow;
	size_t		row = 0;

	for (int ci = 0; ci < g->c; ci++)
	{
		float	   *dxc = dx + (size_t) ci * g->h * g->w;

		for (int ki = 0; ki < g->kh; ki++)
			for (int kj = 0; kj < g->kw; kj++, row++)
			{
				const float *restrict src = col + row * ohw;
				int			x0 = kj * g->dw - g->pad_w;
				int			lo = x0 >= 0 ? 0 : (-x0 + g->sw - 1) / g->sw;
				int			hi = g->w - 1 - x0 < 0 ? 0 : (g->w - 1 - x0) / g->sw + 1;

				hi = hi < g->ow ? hi : g->ow;
				for (int oy = 0; oy < rows; oy++)
				{
					int			iy = oy * g->sh - g->pad_h + ki * g->dh;
					float	   *restrict d;
					const float *restrict s = src + (size_t) oy * g->ow;

					if (iy < 0 || iy >= g->h)
						continue;
					d = dxc + (size_t) iy * g->w + x0;
					if (g->sw == 1)
						for (int ox = lo; ox < hi; ox++)
							d[ox] += s[ox];
					else
						for (int ox = lo; ox < hi; ox++)
							d[(size_t) ox * g->sw] += s[ox];
				}
			}
	}
}

/*
 * The direct path: one input channel, unit stride and dilation (a first
 * layer on images).  There im2col's matrix has only kh kw rows, so the
 * product is thin and im2col, the product and the layout pass all stream
 * memory; a direct convolution reads the image from cache instead.
 *
 * The image is seen in its padded plane (hp, wp) = (oh + kh - 1, ow + kw
 * - 1).  Output (oy, ox) at flat position i = oy wp + ox of a "wide"
 * output then reads tap (ki, kj) at i + ki wp + kj: each tap is a shift of
 * one contiguous range, so the loops run over L = (oh - 1) wp + ow floats
 * without row boundaries, and the wp - ow positions past each output row
 * are computed and dropped (forward) or given a zero gradient (backward).
 * Those extra terms read pixels of the same padded plane, all of which the
 * convolution reads at unit stride and dilation, so they change nothing
 * unless an input is not finite, and then the output is not finite anyway.
 */
static inline bool
conv_direct(const dl_conv_geom *g)
{
	return g->c == 1 && g->sh == 1 && g->sw == 1 && g->dh == 1 && g->dw == 1;
}

/* the padded plane of the direct path, and whether the image needs copying into it */
static inline bool
direct_plane(const dl_conv_geom *g, int *hp, int *wp)
{
	*hp = g->oh + g->kh - 1;
	*wp = g->ow + g->kw - 1;
	return g->pad_h != 0 || g->pad_w != 0 || *hp != g->h || *wp != g->w;
}

/* copies image x (h, w) into the zeroed padded plane xp (hp, wp) */
static void
pad_plane(float *restrict xp, const float *restrict x, int hp, int wp, const dl_conv_geom *g)
{
	memset(xp, 0, sizeof(float) * (size_t) hp * wp);
	for (int iy = 0; iy < g->h && iy + g->pad_h < hp; iy++)
	{
		float	   *restrict d = xp + (size_t) (iy + g->pad_h) * wp + g->pad_w;
		const float *restrict s = x + (size_t) iy * g->w;
		int			cols = g->w < wp - g->pad_w ? g->w : wp - g->pad_w;

		for (int j = 0; j < cols; j++)
			d[j] = s[j];
	}
}

/*
 * wide (L) = b + the taps w (kh, kw) over xp (hp, wp): one multiply-add
 * pass over the wide output per tap, all of it in the L1 cache.
 */
static void
direct_forward_plane(float *restrict wide, const float *restrict xp, const float *restrict w,
					 float bias, size_t L, int wp, const dl_conv_geom *g)
{
	for (size_t i = 0; i < L; i++)
		wide[i] = bias;
	for (int ki = 0; ki < g->kh; ki++)
		for (int kj = 0; kj < g->kw; kj++)
		{
			const float *restrict s = xp + (size_t) ki * wp + kj;
			float		wt = w[ki * g->kw + kj];

			for (size_t i = 0; i < L; i++)
				wide[i] += wt * s[i];
		}
}

/*
 * Sums in a fixed order that vectorizes: LANES running sums (independent
 * chains, so the adds overlap), added pairwise at the end.  A single
 * running sum would be one long chain of dependent adds, which the
 * compiler may not reorder without -ffast-math.
 */
#define LANES 64

static float
dot_lanes(const float *restrict a, const float *restrict b, size_t n)
{
	float		acc[LANES] = {0};
	float		tail = 0.0f;
	size_t		i = 0;

	for (; i + LANES <= n; i += LANES)
		for (int j = 0; j < LANES; j++)
			acc[j] += a[i + j] * b[i + j];
	for (; i < n; i++)
		tail += a[i] * b[i];
	for (int width = LANES / 2; width > 0; width /= 2)
		for (int j = 0; j < width; j++)
			acc[j] += acc[j + width];
	return acc[0] + tail;
}

static float
sum_lanes(const float *restrict a, size_t n)
{
	float		acc[LANES] = {0};
	float		tail = 0.0f;
	size_t		i = 0;

	for (; i + LANES <= n; i += LANES)
		for (int j = 0; j < LANES; j++)
			acc[j] += a[i + j];
	for (; i < n; i++)
		tail += a[i];
	for (int width = LANES / 2; width > 0; width /= 2)
		for (int j = 0; j < width; j++)
			acc[j] += acc[j + width];
	return acc[0] + tail;
}

/*
 * The nine dot products of a 3x3 filter's weight gradient at once: each
 * block of the gradient is loaded once for the nine shifts of the image,
 * where nine dot_lanes calls load it nine times (6 % of the benchmark's
 * epoch).  Each tap sums in TAP_LANES running sums, one vector (GCC's
 * vector extension: the compiler did not keep a 9 x 16 array of sums in
 * registers, and was then slower), added pairwise at the end, a fixed
 * order.
 */
#define TAP_LANES 16

typedef float tap_vec __attribute__((vector_size(TAP_LANES * sizeof(float))));

static void
dot_taps_3x3(float *restrict dwf, const float *restrict dz, const float *restrict img,
			 size_t L, int wp)
{
	tap_vec		acc[9];
	float		tail[9] = {0};
	size_t		offs[9];
	size_t		i = 0;

	for (int t = 0; t < 9; t++)
	{
		offs[t] = (size_t) (t / 3) * wp + t % 3;
		acc[t] = (tap_vec) {0};
	}
	for (; i + TAP_LANES <= L; i += TAP_LANES)
	{
		tap_vec		d;

		memcpy(&d, dz + i, sizeof(d));
#pragma GCC unroll 9
		for (int t = 0; t < 9; t++)
		{
			tap_vec		x;

			memcpy(&x, img + offs[t] + i, sizeof(x));
			acc[t] += d * x;
		}
	}
	for (; i < L; i++)
		for (int t = 0; t < 9; t++)
			tail[t] += dz[i] * img[offs[t] + i];
	for (int t = 0; t < 9; t++)
	{
		float		lanes[TAP_LANES];

		memcpy(lanes, &acc[t], sizeof(lanes));
		for (int width = TAP_LANES / 2; width > 0; width /= 2)
			for (int j = 0; j < width; j++)
				lanes[j] += lanes[j + width];
		dwf[t] += lanes[0] + tail[t];
	}
}

static void
conv2d_direct_forward(float *y, float *dst, const float *x, const float *w,
					  const float *b, float *scratch, int n, const dl_conv_geom *g,
					  dl_activation a, float alpha, bool fuse_relu)
{
	int			hp,
				wp;
	bool		pad = direct_plane(g, &hp, &wp);
	size_t		L = (size_t) (g->oh - 1) * wp + g->ow;
	size_t		ohw = (size_t) g->oh * g->ow;
	int			taps = g->kh * g->kw;
	float	   *xp = scratch;
	float	   *wide = scratch + (pad ? (size_t) hp * wp : 0);

	for (int r = 0; r < n; r++)
	{
		const float *xr = x + (size_t) r * g->h * g->w;

		if (pad)
			pad_plane(xp, xr, hp, wp, g);
		for (int f = 0; f < g->f; f++)
		{
			float	   *restrict d = dst + ((size_t) r * g->f + f) * ohw;

			direct_forward_plane(wide, pad ? xp : xr, w + (size_t) f * taps,
								 b ? b[f] : 0.0f, L, wp, g);
			for (int oy = 0; oy < g->oh; oy++)
			{
				const float *restrict s = wide + (size_t) oy * wp;
				float	   *restrict dr = d + (size_t) oy * g->ow;

				if (fuse_relu)
					for (int ox = 0; ox < g->ow; ox++)
						dr[ox] = s[ox] > 0.0f ? s[ox] : 0.0f;
				else
					for (int ox = 0; ox < g->ow; ox++)
						dr[ox] = s[ox];
			}
		}
	}
	if (!fuse_relu && (a != DL_ACT_LINEAR || dst != y))
		dl_act_forward(y, dst, (size_t) n * g->f * g->oh, g->ow, a, alpha);
}

/*
 * dy (n, f, oh, ow) already holds the pre-activation gradient.  Per image
 * and filter the gradient is laid out wide (zeros past each row), and then
 * each tap's weight gradient is its dot product with a shift of the padded
 * image, and the input gradient gets each tap's shifted multiple of it.
 */
static void
conv2d_direct_backward(float *dx, float *dw, const float *dy, const float *x,
					   const float *w, float *scratch, int n, const dl_conv_geom *g)
{
	int			hp,
				wp;
	bool		pad = direct_plane(g, &hp, &wp);
	size_t		L = (size_t) (g->oh - 1) * wp + g->ow;
	size_t		ohw = (size_t) g->oh * g->ow;
	size_t		plane = (size_t) hp * wp;
	int			taps = g->kh * g->kw;
	float	   *xp = scratch;
	float	   *dzw = scratch + plane;
	float	   *dxp = dzw + plane;
	bool		taps3x3 = g->kh == 3 && g->kw == 3;

	for (int r = 0; r < n; r++)
	{
		const float *xr = x + (size_t) r * g->h * g->w;
		const float *img = xr;

		if (pad)
		{
			pad_plane(xp, xr, hp, wp, g);
			img = xp;
		}
		if (dx)
			memset(dxp, 0, sizeof(float) * plane);
		for (int f = 0; f < g->f; f++)
		{
			const float *dz = dy + ((size_t) r * g->f + f) * ohw;
			float	   *dwf = dw + (size_t) f * taps;

			for (int oy = 0; oy < g->oh; oy++)
			{
				float	   *restrict d = dzw + (size_t) oy * wp;
				const float *restrict s = dz + (size_t) oy * g->ow;

				for (int ox = 0; ox < g->ow; ox++)
					d[ox] = s[ox];
				for (int ox = g->ow; ox < wp; ox++)
					d[ox] = 0.0f;
			}
			if (taps3x3)
				dot_taps_3x3(dwf, dzw, img, L, wp);
			for (int ki = 0; ki < g->kh; ki++)
				for (int kj = 0; kj < g->kw; kj++)
				{
					size_t		off = (size_t) ki * wp + kj;

					if (!taps3x3)
						dwf[ki * g->kw + kj] += dot_lanes(dzw, img + off, L);
					if (dx)
					{
						float	   *restrict d = dxp + off;
						const float *restrict s = dzw;
						float		wt = w[(size_t) f * taps + ki * g->kw + kj];

						for (size_t i = 0; i < L; i++)
							d[i] += wt * s[i];
					}
				}
		}
		if (dx)
		{
			float	   *dxr = dx + (size_t) r * g->h * g->w;

			/* the image's part of the padded plane; pixels outside it (none at unit stride) get 0 */
			memset(dxr, 0, sizeof(float) * g->h * g->w);
			for (int iy = 0; iy < g->h && iy + g->pad_h < hp; iy++)
			{
				const float *restrict s = dxp + (size_t) (iy + g->pad_h) * wp + g->pad_w;
				float	   *restrict d = dxr + (size_t) iy * g->w;
				int			cols = g->w < wp - g->pad_w ? g->w : wp - g->pad_w;

				for (int j = 0; j < cols; j++)
					d[j] = s[j];
			}
		}
	}
}

/*
 * The general path, image by image: col (c kh kw, oh ow) of one image, and
 * y_r (f, oh ow) = w (f, c kh kw) col is that image's output already in its
 * (f, oh, ow) layout, so no pass rearranges the batch.  One image's col
 * stays in the cache between its unrolling and its product; OpenBLAS
 * reaches the same speed on these products (K = c kh kw) image by image as
 * on the whole batch at once.
 */
void
dl_conv2d_forward(float *y, float *z, const float *x, const float *w,
				  const float *b, float *col, int n,
				  const dl_conv_geom *g, dl_activation a, float alpha)
{
	size_t		ohw = (size_t) g->oh * g->ow;
	int			ckk = g->c * g->kh * g->kw;
	size_t		in_size = (size_t) g->c * g->h * g->w;
	size_t		out_size = (size_t) g->f * ohw;
	float	   *dst = z ? z : y;
	/* relu needs no pre-activation: applied as the bias is added */
	bool		fuse_relu = a == DL_ACT_RELU && !z;

	if (conv_direct(g))
	{
		conv2d_direct_forward(y, dst, x, w, b, col, n, g, a, alpha, fuse_relu);
		return;
	}
	for (int r = 0; r < n; r++)
	{
		float	   *d = dst + (size_t) r * out_size;

		im2col(col, x + (size_t) r * in_size, g->oh, g);
		dl_sgemm(false, false, g->f, (int) ohw, ckk, 1.0f, w, ckk, col, (int) ohw, 0.0f, d, (int) ohw);
		if (!b && !fuse_relu)
			continue;
		for (int f = 0; f < g->f; f++)
		{
			float	   *restrict df = d + (size_t) f * ohw;
			float		bias = b ? b[f] : 0.0f;

			if (fuse_relu)
				for (size_t i = 0; i < ohw; i++)
				{
					float		v = df[i] + bias;

					df[i] = v > 0.0f ? v : 0.0f;
				}
			else
				for (size_t i = 0; i < ohw; i++)
					df[i] += bias;
		}
	}
	/* the activation runs over rows of ow, the last axis (softmax there, as Keras) */
	if (!fuse_relu && (a != DL_ACT_LINEAR || z))
		dl_act_forward(y, dst, (size_t) n * g->f * g->oh, g->ow, a, alpha);
}

/*
 * The sparse backward path.  After a max pool most of a convolution's
 * output gradient is 0 (a 2x2 pool passes at most one of each window's
 * four, and relu zeroes more): the dense products spend most of their work
 * multiplying zeros.  This path visits only the nonzero dz[f, oy, ox], and
 * for each adds its multiple of the input patch to the filter's weight
 * gradient and of the filter's weights to the input gradient's patch.
 *
 * To make those additions contiguous, the image and its input gradient are
 * laid out channels-last, (hp, wp, c), in a plane padded as the
 * convolution sees it, and the weights and their gradient as (f, kh, kw,
 * c): one row ki of a patch is then kw c consecutive floats in both (at
 * unit dilation along the width), kh vector multiply-adds per nonzero
 * each way.  No im2col matrix, no col2im.  The sums run in a fixed order
 * (filters, then positions, as dz is laid out), so results are
 * reproducible; they differ from the dense path's in rounding only.
 */
static inline bool
conv_sparse_ok(const dl_conv_geom *g)
{
	return !conv_direct(g) && g->dw == 1;
}

/* the padded plane the sparse path lays the image out in: every pixel a patch reads */
static inline void
sparse_plane(const dl_conv_geom *g, int *hp, int *wp)
{
	*hp = (g->oh - 1) * g->sh + (g->kh - 1) * g->dh + 1;
	*wp = (g->ow - 1) * g->sw + g->kw;
}

/*
 * Below this share of nonzeros in an image's output gradient (over the
 * rows with any) the sparse path is used.  Each nonzero costs the sparse
 * path the work the dense products spend on one output position of one
 * filter, but at a lower speed than sgemm's: on the benchmark's second
 * layer (16 channels, 32 filters of 3x3) the two broke even at 35-40 %
 * nonzeros (timed on random gradients); after its 2x2 pool it has 20 % at
 * most.
 */
float		dl_conv2d_sparse_limit = 0.35f;

/* image x (c, h, w) into xt (hp, wp, c), 0 where the plane is outside the image */
static void
to_channels_last(float *restrict xt, const float *restrict x, int hp, int wp,
				 const dl_conv_geom *g)
{
	int			rows = g->h < hp - g->pad_h ? g->h : hp - g->pad_h;
	int			cols = g->w < wp - g->pad_w ? g->w : wp - g->pad_w;

	memset(xt, 0, sizeof(float) * (size_t) hp * wp * g->c);
	for (int ci = 0; ci < g->c; ci++)
		for (int iy = 0; iy < rows; iy++)
		{
			const float *restrict s = x + ((size_t) ci * g->h + iy) * g->w;
			float	   *restrict d = xt + ((size_t) (iy + g->pad_h) * wp + g->pad_w) * g->c + ci;

			for (int ix = 0; ix < cols; ix++)
				d[(size_t) ix * g->c] = s[ix];
		}
}

/* dx (c, h, w) = the image's part of dxt (hp, wp, c); pixels no patch reaches get 0 */
static void
from_channels_last(float *restrict dx, const float *restrict dxt, int hp, int wp,
				   const dl_conv_geom *g)
{
	int			rows = g->h < hp - g->pad_h ? g->h : hp - g->pad_h;
	int			cols = g->w < wp - g->pad_w ? g->w : wp - g->pad_w;

	if (rows < g->h || cols < g->w)
		memset(dx, 0, sizeof(float) * (size_t) g->c * g->h * g->w);
	for (int ci = 0; ci < g->c; ci++)
		for (int iy = 0; iy < rows; iy++)
		{
			const float *restrict s = dxt + ((size_t) (iy + g->pad_h) * wp + g->pad_w) * g->c + ci;
			float	   *restrict d = dx + ((size_t) ci * g->h + iy) * g->w;

			for (int ix = 0; ix < cols; ix++)
				d[ix] = s[(size_t) ix * g->c];
		}
}

/* w (f, c, kh, kw) -> wt (f, kh, kw, c) */
static void
weights_channels_last(float *restrict wt, const float *restrict w, const dl_conv_geom *g)
{
	int			taps = g->kh * g->kw;

	for (int f = 0; f < g->f; f++)
		for (int ci = 0; ci < g->c; ci++)
			for (int t = 0; t < taps; t++)
				wt[((size_t) f * taps + t) * g->c + ci] = w[((size_t) f * g->c + ci) * taps + t];
}

/* dw (f, c, kh, kw) += dwt (f, kh, kw, c) */
static void
add_weights_channels_first(float *restrict dw, const float *restrict dwt, const dl_conv_geom *g)
{
	int			taps = g->kh * g->kw;

	for (int f = 0; f < g->f; f++)
		for (int ci = 0; ci < g->c; ci++)
			for (int t = 0; t < taps; t++)
				dw[((size_t) f * g->c + ci) * taps + t] += dwt[((size_t) f * taps + t) * g->c + ci];
}

/*
 * One image's products over its nonzero gradients: dwt += and, unless dxt
 * is NULL, dxt += (both channels-last, see above), xt the image's plane.
 * Each filter's nonzeros are first listed in off (their patch's offset in
 * the plane) and val, oh ow entries each, without a branch: whether a
 * gradient is 0 is close to random, and a branch on it mispredicted cost
 * more than the multiply-adds.
 */
static void
conv2d_sparse_image(float *restrict dxt, float *restrict dwt, const float *restrict dz,
					const float *restrict xt, const float *restrict wt, int *restrict off,
					float *restrict val, int rows, int wp, const dl_conv_geom *g)
{
	size_t		ohw = (size_t) g->oh * g->ow;
	int			kwc = g->kw * g->c;
	size_t		ckk = (size_t) g->kh * kwc;
	size_t		row_step = (size_t) g->dh * wp * g->c;

	for (int f = 0; f < g->f; f++)
	{
		const float *dzf = dz + (size_t) f * ohw;
		float	   *dwf = dwt + (size_t) f * ckk;
		const float *wf = wt + (size_t) f * ckk;
		int			m = 0;

		for (int oy = 0; oy < rows; oy++)
			for (int ox = 0; ox < g->ow; ox++)
			{
				float		v = dzf[(size_t) oy * g->ow + ox];

				/* written always, kept when nonzero */
				off[m] = (oy * g->sh * wp + ox * g->sw) * g->c;
				val[m] = v;
				m += v != 0.0f;
			}
		for (int t = 0; t < m; t++)
		{
			float		v = val[t];

			for (int ki = 0; ki < g->kh; ki++)
			{
				size_t		at = off[t] + ki * row_step;
				float	   *restrict dwr = dwf + (size_t) ki * kwc;
				const float *restrict xr = xt + at;

				for (int j = 0; j < kwc; j++)
					dwr[j] += v * xr[j];
				if (dxt)
				{
					float	   *restrict dxr = dxt + at;
					const float *restrict wr = wf + (size_t) ki * kwc;

					for (int j = 0; j < kwc; j++)
						dxr[j] += v * wr[j];
				}
			}
		}
	}
}

/* the nonzeros of dz (f, oh, ow) in its first rows output rows */
static size_t
count_nonzero(const float *dz, int rows, const dl_conv_geom *g)
{
	size_t		ohw = (size_t) g->oh * g->ow;
	size_t		used = (size_t) rows * g->ow;
	size_t		nnz = 0;

	for (int f = 0; f < g->f; f++)
	{
		const float *restrict s = dz + (size_t) f * ohw;

		for (size_t i = 0; i < used; i++)
			nnz += s[i] != 0.0f;
	}
	return nnz;
}

/*
 * The output rows whose gradient is 0 in every channel are left out of
 * the products: a 2x2 max pool over an odd number of rows (11 in the
 * benchmark's second layer) never passes a gradient to the last.
 */
static int
rows_with_gradient(const float *dz, const dl_conv_geom *g)
{
	size_t		ohw = (size_t) g->oh * g->ow;
	int			rows = g->oh;

	for (; rows > 0; rows--)
		for (int f = 0; f < g->f; f++)
		{
			const float *s = dz + f * ohw + (size_t) (rows - 1) * g->ow;

			for (int ox = 0; ox < g->ow; ox++)
				if (s[ox] != 0.0f)
					return rows;
		}
	return 0;
}

void
dl_conv2d_backward(float *dx, float *dw, float *db, float *dy,
				   const float *x, const float *y, const float *z,
				   const float *w, float *col, int n,
				   const dl_conv_geom *g, dl_activation a, float alpha)
{
	conv2d_backward(dx, dw, db, dy, NULL, NULL, x, y, z, w, col, n, g, a, alpha);
}

void
dl_conv2d_maxpool_backward(float *dx, float *dw, float *db, const float *dpool,
						   const dl_conv_geom *pg, const float *x, const float *y,
						   const float *z, const float *w, float *col, int n,
						   const dl_conv_geom *g, dl_activation a, float alpha)
{
	conv2d_backward(dx, dw, db, NULL, dpool, pg, x, y, z, w, col, n, g, a, alpha);
}

/*
 * The backward pass behind dl_conv2d_backward and, when dpool is not NULL,
 * dl_conv2d_maxpool_backward: then dy is not used, and each image's output
 * gradient is the max pool's backward pass of that image, made in the first
 * f oh ow floats of col.  The batch's output gradient (as large as the
 * layer's output: 5.5 MB for the benchmark's first layer at batch 128) is
 * then never written and read back from memory.
 */
static void
conv2d_backward(float *dx, float *dw, float *db, float *dy, const float *dpool,
				const dl_conv_geom *pg, const float *x, const float *y, const float *z,
				const float *w, float *col, int n,
				const dl_conv_geom *g, dl_activation a, float alpha)
{
	size_t		ohw = (size_t) g->oh * g->ow;
	int			ckk = g->c * g->kh * g->kw;
	size_t		in_size = (size_t) g->c * g->h * g->w;
	size_t		out_size = (size_t) g->f * ohw;
	size_t		pool_size = pg ? (size_t) pg->f * pg->oh * pg->ow : 0;
	float	   *dzimg = NULL;
	bool		sparse_ok = conv_sparse_ok(g);
	bool		sparse_used = false;
	int			hp = 0,
				wp = 0;
	float	   *xt;
	float	   *dxt = NULL;
	float	   *wt = NULL;
	float	   *dwt = NULL;
	int		   *off = NULL;
	float	   *val = NULL;

	if (dpool)
	{
		dzimg = col;
		col += out_size;
	}
	xt = col;

	if (sparse_ok)
	{
		/* the scratch as dl_conv_col_size lays it out: planes (or col), then weights */
		size_t		plane;
		size_t		cols = (size_t) ckk * ohw + COL_SLACK;

		sparse_plane(g, &hp, &wp);
		plane = (size_t) hp * wp * g->c;
		dxt = xt + plane;
		wt = col + (2 * plane > cols ? 2 * plane : cols);
		dwt = wt + (size_t) g->f * ckk;
		off = (int *) (dwt + (size_t) g->f * ckk);
		val = dwt + (size_t) g->f * ckk + ohw;
		if (dx)
			weights_channels_last(wt, w, g);
		memset(dwt, 0, sizeof(float) * (size_t) g->f * ckk);
	}

	/* image by image, so that its gradient is still in the cache for the products */
	for (int r = 0; r < n; r++)
	{
		float	   *dz = dpool ? dzimg : dy + (size_t) r * out_size;
		const float *xr = x + (size_t) r * in_size;
		float	   *dxr = dx ? dx + (size_t) r * in_size : NULL;
		int			rows;
		int			used;

		if (dpool)
			dl_maxpool2d_backward(dz, dpool + (size_t) r * pool_size, y + (size_t) r * out_size, 1, pg);
		if (a != DL_ACT_LINEAR)
			dl_act_backward(dz, dz, z ? z + (size_t) r * out_size : NULL,
							y + (size_t) r * out_size, (size_t) g->f * g->oh, g->ow, a, alpha);
		if (db)
			for (int f = 0; f < g->f; f++)
				db[f] += sum_lanes(dz + (size_t) f * ohw, ohw);
		if (conv_direct(g))
		{
			conv2d_direct_backward(dxr, dw, dz, xr, w, col, 1, g);
			continue;
		}
		rows = rows_with_gradient(dz, g);
		used = rows * g->ow;
		if (rows > 0 && sparse_ok &&
			(double) count_nonzero(dz, rows, g) < (double) dl_conv2d_sparse_limit * g->f * used)
		{
			sparse_used = true;
			to_channels_last(xt, xr, hp, wp, g);
			if (dxr)
				memset(dxt, 0, sizeof(float) * (size_t) hp * wp * g->c);
			conv2d_sparse_image(dxr ? dxt : NULL, dwt, dz, xt, wt, off, val, rows, wp, g);
			if (dxr)
				from_channels_last(dxr, dxt, hp, wp, g);
			continue;
		}
		if (dxr)
			memset(dxr, 0, sizeof(float) * in_size);
		if (rows == 0)
			continue;
		im2col(col, xr, rows, g);
		/* dw (f, c kh kw) += dz (f, oh ow) col^T over the rows used */
		dl_sgemm(false, true, g->f, ckk, used, 1.0f, dz, (int) ohw, col, (int) ohw, 1.0f, dw, ckk);
		if (!dxr)
			continue;
		/* dcol (c kh kw, oh ow) = w^T dz, into col (no longer needed), then folded back */
		dl_sgemm(true, false, ckk, used, g->f, 1.0f, w, ckk, dz, (int) ohw, 0.0f, col, (int) ohw);
		col2im(dxr, col, rows, g);
	}
	if (sparse_used)
		add_weights_channels_first(dw, dwt, g);
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
