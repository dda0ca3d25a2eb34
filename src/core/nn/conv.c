/*-------------------------------------------------------------------------
 *
 * conv.c
 *	  Convolution layers, conv2d (channels-first) and conv1d
 *	  (channels-last), with the strategies of conv2d's passes (their window
 *	  geometry and plan, which the pools share, are window.c).
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
 * sgemm, and it runs as a direct convolution instead (conv_direct.c).
 * conv1d is channels-last, (t, c): its unrolled batch (n ot, k c) times
 * the (k c, f) weights is already its (n, ot, f) output, one sgemm.
 * conv2d's backward pass chooses image by image: the sparse path for an
 * image whose output gradient is mostly zeros (after relu and max
 * pooling: conv_sparse.c), else im2col; it runs the backward pass of a
 * max pool that follows it in the same image loop
 * (dl_conv2d_maxpool_backward), a fusion the plan chooses.
 *
 * The weights record: filters (u32), kernel, stride (two u32 each),
 * padding (u32), dilation (two u32), activation (u32), alpha (f32),
 * use_bias (u8).  The weights are (f, c, kh, kw) for conv2d (PyTorch's
 * layout), (k, c, f) for conv1d (Keras's), the bias (f) after them.
 *
 * src/core/nn/conv.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "conv.h"

static void conv2d_backward(float *dx, float *dw, float *db, float *dy, const float *dpool,
							const dl_conv_geom *pg, const float *x, const float *y,
							const float *z, const float *w, float *col, int n,
							const dl_conv_geom *g, dl_activation a, float alpha);

/* im2col's chunked copies (see there) */
#define COPY_CHUNK 16
#define COL_SLACK COPY_CHUNK

void
dl_conv_geometry(const dl_layer *l, dl_conv_geom *g)
{
	const dl_conv_spec *s = &l->spec.conv;

	dl_window_geometry(g, &l->in_shape, &l->out_shape, s->kernel, s->stride, s->dilation,
					   s->padding);
}

size_t
dl_conv_col_size(const dl_layer *l, size_t rows)
{
	dl_conv_geom g;
	size_t		cols;

	dl_conv_geometry(l, &g);
	cols = (size_t) g.c * g.kh * g.kw * g.oh * g.ow;
	/* conv1d (channels-last (T, F)) unrolls the whole batch */
	if (l->in_shape.ndim == 2)
		return __builtin_mul_overflow(cols, rows, &cols) ? SIZE_MAX : cols;
	/* conv2d: one image at a time, and im2col's slack */
	cols += COL_SLACK;
	if (dl_conv_direct_ok(&g))
	{
		/* the direct path's padded image, wide gradient and padded input gradient */
		size_t		planes = 3 * (size_t) (g.oh + g.kh - 1) * (g.ow + g.kw - 1);

		cols = planes > cols ? planes : cols;
	}
	else if (dl_conv_sparse_ok(&g))
	{
		/* the sparse path's two channels-last planes, then its two weight layouts */
		int			hp,
					wp;
		size_t		planes;

		dl_conv_sparse_plane(&g, &hp, &wp);
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

	if (dl_conv_direct_ok(g))
	{
		dl_conv2d_direct_forward(y, dst, x, w, b, col, n, g, a, alpha, fuse_relu);
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
 * Sums in a fixed order that vectorizes: LANES running sums (independent
 * chains, so the adds overlap), added pairwise at the end.  A single
 * running sum would be one long chain of dependent adds, which the
 * compiler may not reorder without -ffast-math.
 */
#define LANES 64

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
 * Below this share of nonzeros in an image's output gradient (over the
 * rows with any) the sparse path is used.  Each nonzero costs the sparse
 * path the work the dense products spend on one output position of one
 * filter, but at a lower speed than sgemm's: on the benchmark's second
 * layer (16 channels, 32 filters of 3x3) the two broke even at 35-40 %
 * nonzeros (timed on random gradients); after its 2x2 pool it has 20 % at
 * most.
 */
float		dl_conv2d_sparse_limit = 0.35f;

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
	bool		sparse_ok = dl_conv_sparse_ok(g);
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

		dl_conv_sparse_plane(g, &hp, &wp);
		plane = (size_t) hp * wp * g->c;
		dxt = xt + plane;
		wt = col + (2 * plane > cols ? 2 * plane : cols);
		dwt = wt + (size_t) g->f * ckk;
		off = (int *) (dwt + (size_t) g->f * ckk);
		val = dwt + (size_t) g->f * ckk + ohw;
		if (dx)
			dl_conv_weights_channels_last(wt, w, g);
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
		if (dl_conv_direct_ok(g))
		{
			dl_conv2d_direct_backward(dxr, dw, dz, xr, w, col, 1, g);
			continue;
		}
		rows = rows_with_gradient(dz, g);
		used = rows * g->ow;
		if (rows > 0 && sparse_ok &&
			(double) count_nonzero(dz, rows, g) < (double) dl_conv2d_sparse_limit * g->f * used)
		{
			sparse_used = true;
			dl_conv_to_channels_last(xt, xr, hp, wp, g);
			if (dxr)
				memset(dxt, 0, sizeof(float) * (size_t) hp * wp * g->c);
			dl_conv2d_sparse_image(dxr ? dxt : NULL, dwt, dz, xt, wt, off, val, rows, wp, g);
			if (dxr)
				dl_conv_from_channels_last(dxr, dxt, hp, wp, g);
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
		dl_conv_add_weights_channels_first(dw, dwt, g);
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

/* ---- the conv layers ---- */

enum
{
	K_ACTIVATION,
	K_USE_BIAS,
	K_ALPHA,
	K_FILTERS,
	K_KERNEL,
	K_STRIDE,
	K_PADDING,
	K_DILATION
};

static const char *const conv_keys[] = {
	"activation", "use_bias", "alpha", "filters", "kernel", "stride", "padding", "dilation"
};

static const dl_name_value paddings[] = {
	{"valid", DL_PAD_VALID},
	{"same", DL_PAD_SAME}
};

static void
conv_defaults(dl_layer_spec *s)
{
	dl_conv_spec *c = &s->conv;

	c->kernel[0] = c->kernel[1] = 1;
	c->stride[0] = c->stride[1] = 1;
	c->dilation[0] = c->dilation[1] = 1;
	c->padding = DL_PAD_VALID;
	c->activation = DL_ACT_LINEAR;
	c->alpha = 0.01f;
	c->use_bias = true;
}

/* 1-D layers take one integer where 2-D ones take a pair */
static dl_status
conv_parse_key(dl_layer_spec *s, int key, const dl_json *v, const char *subject, bool one_d)
{
	dl_conv_spec *c = &s->conv;
	int			pad;
	dl_status	st = DL_OK;

	switch (key)
	{
		case K_ACTIVATION:
			return dl_parse_activation(v, subject, &c->activation);
		case K_USE_BIAS:
			return dl_want_bool(v, subject, &c->use_bias);
		case K_ALPHA:
			return dl_parse_alpha(v, subject, &c->alpha);
		case K_FILTERS:
			return dl_want_int(v, subject, 1, DL_MAX_UNITS, &c->filters);
		case K_KERNEL:
			return dl_want_pair(v, subject, one_d, c->kernel);
		case K_STRIDE:
			return dl_want_pair(v, subject, one_d, c->stride);
		case K_PADDING:
			if ((st = dl_want_name(v, subject, paddings, DL_LENGTH(paddings), &pad)) == DL_OK)
				c->padding = (dl_padding) pad;
			return st;
		case K_DILATION:
			return dl_want_pair(v, subject, one_d, c->dilation);
	}
	return st;
}

static dl_status
conv2d_parse_key(dl_layer_spec *s, int key, const dl_json *v, const char *subject)
{
	return conv_parse_key(s, key, v, subject, false);
}

static dl_status
conv1d_parse_key(dl_layer_spec *s, int key, const dl_json *v, const char *subject)
{
	return conv_parse_key(s, key, v, subject, true);
}

static dl_status
conv_parse_done(dl_layer_spec *s, unsigned given, int pos, const char *name,
				const char *kernel_example)
{
	if (!(given & (1u << K_FILTERS)))
		return dl_error(DL_EINVAL, "layer %d (%s): \"filters\" is required (the number of output channels)",
						pos, name);
	if (!(given & (1u << K_KERNEL)))
		return dl_error(DL_EINVAL, "layer %d (%s): \"kernel\" is required, e.g. %s",
						pos, name, kernel_example);
	return dl_parse_check_alpha(given & (1u << K_ALPHA), given & (1u << K_ACTIVATION),
								s->conv.activation, pos, name);
}

static dl_status
conv2d_parse_done(dl_layer_spec *s, unsigned given, int pos, bool last)
{
	return conv_parse_done(s, given, pos, "conv2d", "3 or [3, 3]");
}

static dl_status
conv1d_parse_done(dl_layer_spec *s, unsigned given, int pos, bool last)
{
	return conv_parse_done(s, given, pos, "conv1d", "3");
}

static void
conv_to_json(dl_json_buf *b, const dl_layer_spec *s, bool one_d)
{
	const dl_conv_spec *c = &s->conv;

	dl_json_put_int(b, "filters", c->filters);
	dl_json_put_pair(b, "kernel", c->kernel, one_d);
	dl_json_put_pair(b, "stride", c->stride, one_d);
	dl_json_put_name(b, "padding", dl_name_of(paddings, DL_LENGTH(paddings), (int) c->padding));
	dl_json_put_pair(b, "dilation", c->dilation, one_d);
	dl_json_put_activation(b, c->activation, c->alpha);
	dl_json_put_bool(b, "use_bias", c->use_bias);
}

static void
conv2d_to_json(dl_json_buf *b, const dl_layer_spec *s)
{
	conv_to_json(b, s, false);
}

static void
conv1d_to_json(dl_json_buf *b, const dl_layer_spec *s)
{
	conv_to_json(b, s, true);
}

static void
conv_write(dl_writer *w, const dl_layer_spec *s)
{
	const dl_conv_spec *c = &s->conv;

	dl_put_u32(w, (uint32_t) c->filters);
	dl_put_pair(w, c->kernel);
	dl_put_pair(w, c->stride);
	dl_put_u32(w, (uint32_t) c->padding);
	dl_put_pair(w, c->dilation);
	dl_put_u32(w, (uint32_t) c->activation);
	dl_put_f32(w, c->alpha);
	dl_put_bool(w, c->use_bias);
}

static dl_status
conv_read(dl_reader *r, dl_layer_spec *s)
{
	dl_conv_spec *c = &s->conv;
	int			pad = 0;
	dl_status	st;

	/* ranges below 1 are dl_network_plan's to report */
	if ((st = dl_get_count(r, DL_MAX_UNITS, "conv filters", &c->filters)) != DL_OK ||
		(st = dl_get_pair(r, "a conv kernel", c->kernel)) != DL_OK ||
		(st = dl_get_pair(r, "a conv stride", c->stride)) != DL_OK ||
		(st = dl_get_count(r, DL_PAD_SAME, "a conv padding", &pad)) != DL_OK ||
		(st = dl_get_pair(r, "a conv dilation", c->dilation)) != DL_OK ||
		(st = dl_get_activation(r, &c->activation)) != DL_OK ||
		(st = dl_get_f32(r, &c->alpha)) != DL_OK ||
		(st = dl_get_bool(r, &c->use_bias)) != DL_OK)
		return st;
	c->padding = (dl_padding) pad;
	return DL_OK;
}

static dl_status
conv_check(const dl_layer_spec *s, int pos, dl_status bad)
{
	return dl_check_activation(s->conv.activation, s->conv.alpha, pos,
							   dl_layer_type_name(s->type), bad);
}

static dl_status
conv_plan(dl_layer *l, int pos, dl_status bad, bool two)
{
	const dl_conv_spec *s = &l->spec.conv;
	const dl_shape *in = &l->in_shape;
	const char *name = dl_layer_type_name(l->spec.type);
	/* weights: filters x C x kh x kw (conv2d), k x F x filters (conv1d) */
	size_t		c,
				taps,
				nw;
	dl_status	st = dl_plan_window(l, pos, bad, two, s->kernel, s->stride, s->dilation,
									s->padding, s->filters);

	if (st != DL_OK)
		return st;
	c = (size_t) (two ? in->dim[0] : in->dim[1]);
	taps = two ? (size_t) s->kernel[0] * s->kernel[1] : (size_t) s->kernel[0];
	if (__builtin_mul_overflow(c, taps, &nw) || __builtin_mul_overflow(nw, (size_t) s->filters, &nw) ||
		nw > ((size_t) 1 << 40))
		return dl_error(DL_ELIMIT, "layer %d (%s): too many weights", pos, name);
	l->n_trainable = l->n_params = nw + (s->use_bias ? (size_t) s->filters : 0);
	return dl_plan_activation(s->activation, pos, name, bad);
}

static dl_status
conv2d_plan(dl_layer *l, int pos, dl_status bad)
{
	return conv_plan(l, pos, bad, true);
}

static dl_status
conv1d_plan(dl_layer *l, int pos, dl_status bad)
{
	return conv_plan(l, pos, bad, false);
}

/* a max pool after a conv2d: both backward passes at once, image by image */
static bool
conv2d_fuses(const dl_layer *l, const dl_layer *next)
{
	return next->spec.type == DL_LAYER_MAXPOOL2D;
}

static bool
conv_same_layout(const dl_layer_spec *a, const dl_layer_spec *b)
{
	return a->conv.filters == b->conv.filters &&
		memcmp(a->conv.kernel, b->conv.kernel, sizeof(a->conv.kernel)) == 0 &&
		a->conv.use_bias == b->conv.use_bias;
}

static dl_activation
conv_activation(const dl_layer_spec *s, float *alpha)
{
	*alpha = s->conv.alpha;
	return s->conv.activation;
}

/* as dense, with a kernel's taps: fan_in = C kh kw, fan_out = filters kh kw */
static void
conv_init(const dl_network *net, int i, float *p, dl_rng *rng)
{
	const dl_layer *l = &net->layers[i];
	const dl_conv_spec *s = &l->spec.conv;
	size_t		nb = s->use_bias ? (size_t) s->filters : 0;
	size_t		nw = l->n_trainable - nb;
	double		fan_in = (double) nw / s->filters;
	double		fan_out = (double) nw / (l->in_shape.ndim == 3 ? l->in_shape.dim[0] : l->in_shape.dim[1]);

	dl_init_weights(p, nw, fan_in, fan_out, dl_following_activation(net, i), rng);
	memset(p + nw, 0, sizeof(float) * nb);
}

/* the unrolled input (col) in the scratch; the pre-activation when its derivative needs it */
static void
conv_memory(const dl_layer *l, size_t max_batch, bool training, dl_layer_mem *m)
{
	m->scratch = dl_conv_col_size(l, max_batch);
	if (dl_act_needs_input(l->spec.conv.activation, l->spec.conv.alpha))
		m->keep[0] = dl_times(max_batch, dl_shape_size(&l->out_shape));
}

/* the weights count, and the bias after the weights (NULL without) */
static size_t
conv_weights(const dl_layer *l, float *p, float **b)
{
	size_t		nw = l->n_trainable - (l->spec.conv.use_bias ? l->spec.conv.filters : 0);

	*b = l->spec.conv.use_bias ? p + nw : NULL;
	return nw;
}

/* dl_conv2d_forward or dl_conv1d_forward (the same arguments) */
typedef void (*conv_forward_fn) (float *y, float *z, const float *x, const float *w,
								 const float *b, float *col, int n, const dl_conv_geom *g,
								 dl_activation a, float alpha);

static const float *
conv_forward(const dl_layer *l, const dl_pass *c, const float *x, float *y, conv_forward_fn kernel)
{
	dl_activation act = dl_pass_activation(c, l->spec.conv.activation);
	float	   *z = c->lw && dl_act_needs_input(act, l->spec.conv.alpha) ? c->lw->keep[0] : NULL;
	float	   *b;
	dl_conv_geom g;

	conv_weights(l, c->p, &b);
	dl_conv_geometry(l, &g);
	kernel(y, z, x, c->p, b, c->ws->scratch, c->n, &g, act, l->spec.conv.alpha);
	return y;
}

static const float *
conv2d_layer_forward(const dl_layer *l, const dl_pass *c, const float *x, float *y)
{
	return conv_forward(l, c, x, y, dl_conv2d_forward);
}

static const float *
conv1d_layer_forward(const dl_layer *l, const dl_pass *c, const float *x, float *y)
{
	return conv_forward(l, c, x, y, dl_conv1d_forward);
}

static float *
conv2d_layer_backward(const dl_layer *l, const dl_pass *c, float *dy, float *dx)
{
	dl_activation act = dl_pass_activation(c, l->spec.conv.activation);
	const dl_layer_ws *lw = c->lw;
	float	   *db;
	dl_conv_geom g;

	conv_weights(l, c->g, &db);
	dl_conv_geometry(l, &g);
	if (c->next)
	{
		/*
		 * The max pool after it, from the pool's output gradient dy: the
		 * conv's output gradient is made image by image and never written
		 * for the batch.
		 */
		dl_conv_geom pg;

		dl_pool_geometry(c->next, &pg);
		dl_conv2d_maxpool_backward(c->need_dx ? dx : NULL, c->g, db, dy, &pg, lw->in, lw->out,
								   lw->keep[0], c->p, c->ws->scratch, c->n, &g, act,
								   l->spec.conv.alpha);
	}
	else
		dl_conv2d_backward(c->need_dx ? dx : NULL, c->g, db, dy, lw->in, lw->out, lw->keep[0],
						   c->p, c->ws->scratch, c->n, &g, act, l->spec.conv.alpha);
	return dx;
}

static float *
conv1d_layer_backward(const dl_layer *l, const dl_pass *c, float *dy, float *dx)
{
	dl_activation act = dl_pass_activation(c, l->spec.conv.activation);
	float	   *db;
	dl_conv_geom g;

	conv_weights(l, c->g, &db);
	dl_conv_geometry(l, &g);
	dl_conv1d_backward(c->need_dx ? dx : NULL, c->g, db, dy, c->lw->in, c->lw->out,
					   c->lw->keep[0], c->p, c->ws->scratch, c->n, &g, act, l->spec.conv.alpha);
	return dx;
}

const dl_layer_ops dl_conv2d_ops = {
	.name = "conv2d",
	.keys = conv_keys,
	.n_keys = DL_LENGTH(conv_keys),
	.defaults = conv_defaults,
	.parse_key = conv2d_parse_key,
	.parse_done = conv2d_parse_done,
	.to_json = conv2d_to_json,
	.write = conv_write,
	.read = conv_read,
	.check = conv_check,
	.plan = conv2d_plan,
	.fuses = conv2d_fuses,
	.same_layout = conv_same_layout,
	.activation = conv_activation,
	.init = conv_init,
	.memory = conv_memory,
	.forward = conv2d_layer_forward,
	.backward = conv2d_layer_backward
};

const dl_layer_ops dl_conv1d_ops = {
	.name = "conv1d",
	.keys = conv_keys,
	.n_keys = DL_LENGTH(conv_keys),
	.defaults = conv_defaults,
	.parse_key = conv1d_parse_key,
	.parse_done = conv1d_parse_done,
	.to_json = conv1d_to_json,
	.write = conv_write,
	.read = conv_read,
	.check = conv_check,
	.plan = conv1d_plan,
	.same_layout = conv_same_layout,
	.activation = conv_activation,
	.init = conv_init,
	.memory = conv_memory,
	.forward = conv1d_layer_forward,
	.backward = conv1d_layer_backward
};

/* ---- the input layout ---- */

dl_status
dl_check_channels_first(const dl_layer_spec *specs, int n, const dl_shape *in)
{
	dl_layer_type t;
	char		shown[64];

	if (n < 1 || in->ndim != 3)
		return DL_OK;
	t = specs[0].type;
	if (t != DL_LAYER_CONV2D && t != DL_LAYER_MAXPOOL2D && t != DL_LAYER_AVGPOOL2D)
		return DL_OK;

	/*
	 * [28, 28, 1] or [32, 32, 3] as Keras writes it: a few channels last
	 * after an image's height and width.  As channels first it would be 28
	 * channels of 28 x 1 images, which nobody means.
	 */
	if (in->dim[2] > 4 || in->dim[0] <= 4)
		return DL_OK;
	dl_shape_format(in, shown, sizeof(shown));
	return dl_error_hint(DL_EINVAL,
						 in->dim[2] == 1 ? NULL :
						 "With more than one channel the feature array must hold the channels one after the other too (all of channel 1's pixels, then channel 2's, ...), as PyTorch lays out images.",
						 "input_shape %s looks channels-last (height, width, channels); pgdl's %s expects channels first, [channels, height, width]: write [%d, %d, %d]",
						 shown, dl_layer_type_name(t), in->dim[2], in->dim[0], in->dim[1]);
}
