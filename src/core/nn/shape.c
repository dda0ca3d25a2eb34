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
 * Embedding looks rows up in a table: its input is token ids stored as
 * floats (exact for ids below 2^24), checked before any pass by
 * dl_network_check_input; its backward pass scatters the output gradient
 * into the rows it read, and the ids get no gradient.
 *
 * src/core/nn/shape.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

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
