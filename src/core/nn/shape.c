/*-------------------------------------------------------------------------
 *
 * shape.c
 *	  Dropout, the one layer of the "shape" family that computes anything.
 *
 * Flatten and reshape change only the shape: activations are contiguous
 * row-major, so their output is their input buffer (forward.c points the
 * next layer at it) and their gradient passes through untouched.  The
 * activation layer runs the kernels of activations.c.
 *
 * Dropout is inverted (Srivastava et al. 2014, as PyTorch and Keras): kept
 * values are scaled by 1 / (1 - rate) during training, so prediction is the
 * identity.  The mask holds 0 or that scale, so forward and backward are
 * the same multiplication.
 *
 * src/core/nn/shape.c
 *
 *-------------------------------------------------------------------------
 */
#include "nn_kernels.h"

void
dl_dropout_mask(float *mask, size_t n, float rate, dl_rng *rng)
{
	float		keep = 1.0f / (1.0f - rate);

	/* 53-bit uniforms, so a rate is honoured to double precision */
	for (size_t i = 0; i < n; i++)
		mask[i] = dl_rng_uniform(rng) >= (double) rate ? keep : 0.0f;
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
