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
#include <math.h>
#include <string.h>

#include "nn_kernels.h"

void
dl_dropout_mask(float *mask, size_t n, float rate, dl_rng *rng)
{
	float		keep = 1.0f / (1.0f - rate);
	/* a value is dropped when its 32-bit uniform is below rate 2^32 */
	uint64_t	below = (uint64_t) ceil((double) rate * 4294967296.0);
	size_t		i = 0;
	dl_rng		r = *rng;		/* in registers for the loop */

	/* two draws per 64-bit number: masks are a hot path of attention */
	for (; i + 1 < n; i += 2)
	{
		uint64_t	v = dl_rng_next(&r);

		mask[i] = (v & 0xFFFFFFFFu) >= below ? keep : 0.0f;
		mask[i + 1] = (v >> 32) >= below ? keep : 0.0f;
	}
	if (i < n)
		mask[i] = (dl_rng_next(&r) & 0xFFFFFFFFu) >= below ? keep : 0.0f;
	*rng = r;
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
