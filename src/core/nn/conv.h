/*-------------------------------------------------------------------------
 *
 * conv.h
 *	  The strategies of conv2d's passes, between conv.c (im2col and the
 *	  choice of a path per image), conv_direct.c (one input channel) and
 *	  conv_sparse.c (mostly zero output gradients).
 *
 * src/core/nn/conv.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_CONV_H
#define PGDL_CONV_H

#include "layers.h"

/* ---- the direct path (conv_direct.c) ---- */

/* one input channel at unit stride and dilation: the direct path's case */
static inline bool
dl_conv_direct_ok(const dl_conv_geom *g)
{
	return g->c == 1 && g->sh == 1 && g->sw == 1 && g->dh == 1 && g->dw == 1;
}

/*
 * dst (n, f, oh, ow) = the convolution of x plus b, and y its activation
 * (relu fused into the pass when fuse_relu; y may be dst); scratch holds
 * the padded plane and the wide output
 */
extern void dl_conv2d_direct_forward(float *y, float *dst, const float *x, const float *w,
									 const float *b, float *scratch, int n,
									 const dl_conv_geom *g, dl_activation a, float alpha,
									 bool fuse_relu);

/*
 * From dy (n, f, oh, ow), the pre-activation gradient: dw += and, unless
 * dx is NULL, dx (n, 1, h, w) =; scratch holds three padded planes
 */
extern void dl_conv2d_direct_backward(float *dx, float *dw, const float *dy, const float *x,
									  const float *w, float *scratch, int n,
									  const dl_conv_geom *g);

/* ---- the sparse backward path (conv_sparse.c) ---- */

/* the geometries it handles: unit dilation along the width, not the direct path's */
static inline bool
dl_conv_sparse_ok(const dl_conv_geom *g)
{
	return !dl_conv_direct_ok(g) && g->dw == 1;
}

/* the padded plane (hp, wp) it lays the image out in: every pixel a patch reads */
static inline void
dl_conv_sparse_plane(const dl_conv_geom *g, int *hp, int *wp)
{
	*hp = (g->oh - 1) * g->sh + (g->kh - 1) * g->dh + 1;
	*wp = (g->ow - 1) * g->sw + g->kw;
}

/* image x (c, h, w) into xt (hp, wp, c), 0 where the plane is outside the image */
extern void dl_conv_to_channels_last(float *restrict xt, const float *restrict x, int hp, int wp,
									 const dl_conv_geom *g);
/* dx (c, h, w) = the image's part of dxt (hp, wp, c); pixels no patch reaches get 0 */
extern void dl_conv_from_channels_last(float *restrict dx, const float *restrict dxt, int hp,
									   int wp, const dl_conv_geom *g);
/* w (f, c, kh, kw) -> wt (f, kh, kw, c) */
extern void dl_conv_weights_channels_last(float *restrict wt, const float *restrict w,
										  const dl_conv_geom *g);
/* dw (f, c, kh, kw) += dwt (f, kh, kw, c) */
extern void dl_conv_add_weights_channels_first(float *restrict dw, const float *restrict dwt,
											   const dl_conv_geom *g);

/*
 * One image's products over the nonzeros of dz in its first rows output
 * rows: dwt += and, unless dxt is NULL, dxt += (channels-last), xt the
 * image's plane, wt the weights channels-last; off and val are scratch of
 * oh ow entries each
 */
extern void dl_conv2d_sparse_image(float *restrict dxt, float *restrict dwt,
								   const float *restrict dz, const float *restrict xt,
								   const float *restrict wt, int *restrict off,
								   float *restrict val, int rows, int wp, const dl_conv_geom *g);

#endif							/* PGDL_CONV_H */
