/*-------------------------------------------------------------------------
 *
 * conv_direct.c
 *	  conv2d's direct path: images of one channel at unit stride and
 *	  dilation (a first layer on images), forward and backward, without
 *	  im2col.
 *
 * With one input channel at unit stride and dilation, im2col's matrix has only kh kw rows, so the
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
 
 *
 * src/core/nn/conv_direct.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "conv.h"

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

void
dl_conv2d_direct_forward(float *y, float *dst, const float *x, const float *w,
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
void
dl_conv2d_direct_backward(float *dx, float *dw, const float *dy, const float *x,
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
