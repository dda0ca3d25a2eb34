/*-------------------------------------------------------------------------
 *
 * dense.c
 *	  The dense (fully connected) layer: y = f(x W + b) over the last axis.
 *
 * W is (in, units) row-major with the bias after it, the layout
 * dl_network_init gives each dense layer's parameter slice and the weights
 * format stores.  A whole batch is one sgemm forward and two backward
 * (dW += x^T dz, dx = dz W^T); the bias and the activation share one pass
 * over the sgemm output, and the bias gradient is a column sum.
 *
 * src/core/nn/dense.c
 *
 *-------------------------------------------------------------------------
 */
#include "nn_kernels.h"

void
dl_dense_forward(float *y, float *z, const float *x, const float *w,
				 const float *b, int rows, int in, int units,
				 dl_activation a, float alpha)
{
	/* x is (rows, in), w is (in, units), y and z are (rows, units) */
	if (z)
	{
		dl_sgemm(false, false, rows, units, in, 1.0f, x, in, w, units, 0.0f, z, units);
		dl_bias_act_forward(z, b, rows, units, DL_ACT_LINEAR, 0.0f);
		dl_act_forward(y, z, rows, units, a, alpha);
	}
	else
	{
		dl_sgemm(false, false, rows, units, in, 1.0f, x, in, w, units, 0.0f, y, units);
		dl_bias_act_forward(y, b, rows, units, a, alpha);
	}
}

void
dl_dense_backward(float *dx, float *dw, float *db, float *dy,
				  const float *x, const float *y, const float *z,
				  const float *w, int rows, int in, int units,
				  dl_activation a, float alpha)
{
	/* dy (rows, units) becomes dz, the gradient before the activation */
	if (a != DL_ACT_LINEAR)
		dl_act_backward(dy, dy, z, y, rows, units, a, alpha);

	if (db)
	{
		float	   *restrict sum = db;

		/* column sums, row by row so the inner loop is contiguous */
		for (int r = 0; r < rows; r++)
		{
			const float *restrict dr = dy + (size_t) r * units;

			for (int j = 0; j < units; j++)
				sum[j] += dr[j];
		}
	}
	/* dw (in, units) += x^T (in, rows) dz (rows, units) */
	dl_sgemm(true, false, in, units, rows, 1.0f, x, in, dy, units, 1.0f, dw, units);
	/* dx (rows, in) = dz (rows, units) w^T (units, in) */
	if (dx)
		dl_sgemm(false, true, rows, in, units, 1.0f, dy, units, w, units, 0.0f, dx, in);
}
