/*-------------------------------------------------------------------------
 *
 * activations.c
 *	  Element-wise activations and softmax: forward and backward passes,
 *	  and the bias + activation pass that follows a dense layer's sgemm.
 *
 * Backward passes use the output y = f(x) whenever the derivative can be
 * written with it (relu, sigmoid, tanh, softmax, leaky_relu with a
 * non-negative slope), so a training pass need not keep the input; gelu
 * (and a negative leaky slope) need x.  The sigmoid is evaluated so that
 * exp never overflows; softmax subtracts the row maximum first.  GELU is
 * the tanh approximation (Hendrycks & Gimpel 2016), as PyTorch's
 * approximate="tanh".
 *
 * src/core/nn/activations.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>

#include "nn_kernels.h"

#define GELU_K 0.7978845608028654f	/* sqrt(2 / pi) */
#define GELU_C 0.044715f

static inline float
sigmoidf(float x)
{
	if (x >= 0.0f)
		return 1.0f / (1.0f + expf(-x));
	else
	{
		float		e = expf(x);

		return e / (1.0f + e);
	}
}

static inline float
geluf(float x)
{
	return 0.5f * x * (1.0f + tanhf(GELU_K * (x + GELU_C * x * x * x)));
}

static inline float
gelu_grad(float x)
{
	float		t = tanhf(GELU_K * (x + GELU_C * x * x * x));

	return 0.5f * (1.0f + t) +
		0.5f * x * (1.0f - t * t) * GELU_K * (1.0f + 3.0f * GELU_C * x * x);
}

bool
dl_act_needs_input(dl_activation a, float alpha)
{
	return a == DL_ACT_GELU || (a == DL_ACT_LEAKY_RELU && alpha < 0.0f);
}

/* softmax of each row of y, in place */
static void
softmax_rows(float *y, size_t rows, int cols)
{
	for (size_t r = 0; r < rows; r++)
	{
		float	   *row = y + r * cols;
		float		mx = row[0];
		float		sum = 0.0f;

		for (int j = 1; j < cols; j++)
			mx = row[j] > mx ? row[j] : mx;
		for (int j = 0; j < cols; j++)
		{
			row[j] = expf(row[j] - mx);
			sum += row[j];
		}
		/* the maximum contributes exp(0) = 1, so sum >= 1 */
		sum = 1.0f / sum;
		for (int j = 0; j < cols; j++)
			row[j] *= sum;
	}
}

void
dl_act_forward(float *y, const float *x, size_t rows, int cols,
			   dl_activation a, float alpha)
{
	size_t		n = rows * cols;

	switch (a)
	{
		case DL_ACT_LINEAR:
			if (y != x)
				for (size_t i = 0; i < n; i++)
					y[i] = x[i];
			break;
		case DL_ACT_RELU:
			for (size_t i = 0; i < n; i++)
				y[i] = x[i] > 0.0f ? x[i] : 0.0f;
			break;
		case DL_ACT_LEAKY_RELU:
			for (size_t i = 0; i < n; i++)
				y[i] = x[i] > 0.0f ? x[i] : alpha * x[i];
			break;
		case DL_ACT_SIGMOID:
			for (size_t i = 0; i < n; i++)
				y[i] = sigmoidf(x[i]);
			break;
		case DL_ACT_TANH:
			for (size_t i = 0; i < n; i++)
				y[i] = tanhf(x[i]);
			break;
		case DL_ACT_GELU:
			for (size_t i = 0; i < n; i++)
				y[i] = geluf(x[i]);
			break;
		case DL_ACT_SOFTMAX:
			if (y != x)
				for (size_t i = 0; i < n; i++)
					y[i] = x[i];
			softmax_rows(y, rows, cols);
			break;
	}
}

void
dl_act_backward(float *dx, const float *dy, const float *x, const float *y,
				size_t rows, int cols, dl_activation a, float alpha)
{
	size_t		n = rows * cols;

	switch (a)
	{
		case DL_ACT_LINEAR:
			if (dx != dy)
				for (size_t i = 0; i < n; i++)
					dx[i] = dy[i];
			break;
		case DL_ACT_RELU:
			for (size_t i = 0; i < n; i++)
				dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
			break;
		case DL_ACT_LEAKY_RELU:
			if (alpha < 0.0f)
				for (size_t i = 0; i < n; i++)
					dx[i] = x[i] > 0.0f ? dy[i] : alpha * dy[i];
			else
				for (size_t i = 0; i < n; i++)
					dx[i] = y[i] > 0.0f ? dy[i] : alpha * dy[i];
			break;
		case DL_ACT_SIGMOID:
			for (size_t i = 0; i < n; i++)
				dx[i] = dy[i] * y[i] * (1.0f - y[i]);
			break;
		case DL_ACT_TANH:
			for (size_t i = 0; i < n; i++)
				dx[i] = dy[i] * (1.0f - y[i] * y[i]);
			break;
		case DL_ACT_GELU:
			for (size_t i = 0; i < n; i++)
				dx[i] = dy[i] * gelu_grad(x[i]);
			break;
		case DL_ACT_SOFTMAX:
			/* dx_j = y_j (dy_j - sum_i dy_i y_i) */
			for (size_t r = 0; r < rows; r++)
			{
				const float *yr = y + r * cols;
				const float *dyr = dy + r * cols;
				float	   *dxr = dx + r * cols;
				float		dot = 0.0f;

				for (int j = 0; j < cols; j++)
					dot += dyr[j] * yr[j];
				for (int j = 0; j < cols; j++)
					dxr[j] = yr[j] * (dyr[j] - dot);
			}
			break;
	}
}

void
dl_bias_act_forward(float *y, const float *b, size_t rows, int cols,
					dl_activation a, float alpha)
{
	/*
	 * The common cases get one fused pass per row; the rest add the bias
	 * and then run the activation (their exp/tanh dominate anyway).
	 */
	if (b && (a == DL_ACT_LINEAR || a == DL_ACT_RELU))
	{
		for (size_t r = 0; r < rows; r++)
		{
			float	   *restrict yr = y + r * cols;

			if (a == DL_ACT_RELU)
				for (int j = 0; j < cols; j++)
				{
					float		v = yr[j] + b[j];

					yr[j] = v > 0.0f ? v : 0.0f;
				}
			else
				for (int j = 0; j < cols; j++)
					yr[j] += b[j];
		}
		return;
	}
	if (b)
		for (size_t r = 0; r < rows; r++)
		{
			float	   *restrict yr = y + r * cols;

			for (int j = 0; j < cols; j++)
				yr[j] += b[j];
		}
	if (a != DL_ACT_LINEAR)
		dl_act_forward(y, y, rows, cols, a, alpha);
}
