/*-------------------------------------------------------------------------
 *
 * conv_sparse.c
 *	  conv2d's sparse backward path: only the nonzero output gradients of
 *	  an image are visited.
 *
 * After a max pool most of a convolution's
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
 
 *
 * conv.c chooses this path image by image, when the share of nonzeros is
 * below dl_conv2d_sparse_limit.
 *
 * src/core/nn/conv_sparse.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "conv.h"

/* image x (c, h, w) into xt (hp, wp, c), 0 where the plane is outside the image */
void
dl_conv_to_channels_last(float *restrict xt, const float *restrict x, int hp, int wp,
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
void
dl_conv_from_channels_last(float *restrict dx, const float *restrict dxt, int hp, int wp,
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
void
dl_conv_weights_channels_last(float *restrict wt, const float *restrict w, const dl_conv_geom *g)
{
	int			taps = g->kh * g->kw;

	for (int f = 0; f < g->f; f++)
		for (int ci = 0; ci < g->c; ci++)
			for (int t = 0; t < taps; t++)
				wt[((size_t) f * taps + t) * g->c + ci] = w[((size_t) f * g->c + ci) * taps + t];
}

/* dw (f, c, kh, kw) += dwt (f, kh, kw, c) */
void
dl_conv_add_weights_channels_first(float *restrict dw, const float *restrict dwt, const dl_conv_geom *g)
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
void
dl_conv2d_sparse_image(float *restrict dxt, float *restrict dwt, const float *restrict dz,
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
