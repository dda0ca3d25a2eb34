/*-------------------------------------------------------------------------
 *
 * loss.c
 *	  Losses with their gradients, and the validation metrics.
 *
 * Every loss is a mean: over the batch, and for the regression losses
 * also over the outputs (PyTorch's reduction="mean").  Huber is PyTorch's
 * HuberLoss: 0.5 d^2 within delta, delta (|d| - 0.5 delta) beyond.
 *
 * The classification losses take logits: the network's sigmoid or softmax
 * output layer is folded into them during training (forward.c stops
 * before it), which is both cheaper and the only numerically safe way.
 * Binary cross-entropy of logit z and target t is
 * max(z, 0) - z t + log(1 + exp(-|z|)), finite for any finite z, with
 * gradient sigmoid(z) - t; cross-entropy is logsumexp(z) - z_t computed
 * around the row maximum, with gradient softmax(z) - onehot(t).
 *
 * src/core/nn/loss.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>

#include "nn_kernels.h"

/* the class of a target: validated by dl_train, clamped so a kernel never reads out of bounds */
static inline int
class_of(float y, int k)
{
	int			t = (int) y;

	return t < 0 ? 0 : (t >= k ? k - 1 : t);
}

static double
ce_rows(float *dout, const float *out, const float *y, int rows, int k)
{
	double		total = 0.0;
	float		inv = 1.0f / rows;

	for (int r = 0; r < rows; r++)
	{
		const float *z = out + (size_t) r * k;
		float	   *d = dout ? dout + (size_t) r * k : NULL;
		int			t = class_of(y[r], k);
		float		mx = z[0];
		double		sum = 0.0;
		double		lse;
		float		zt = z[t];

		for (int j = 1; j < k; j++)
			mx = z[j] > mx ? z[j] : mx;
		for (int j = 0; j < k; j++)
			sum += expf(z[j] - mx);
		lse = mx + log(sum);
		total += lse - zt;
		if (d)
		{
			float		s = (float) (1.0 / sum);

			for (int j = 0; j < k; j++)
				d[j] = expf(z[j] - mx) * s * inv;
			d[t] -= inv;
		}
	}
	return total / rows;
}

static double
bce_rows(float *dout, const float *out, const float *y, int rows)
{
	double		total = 0.0;
	float		inv = 1.0f / rows;

	for (int r = 0; r < rows; r++)
	{
		float		z = out[r];
		float		t = y[r] >= 0.5f ? 1.0f : 0.0f;
		float		e = expf(-fabsf(z));	/* in (0, 1]: never overflows */

		total += (z > 0.0f ? z : 0.0f) - z * t + log1pf(e);
		if (dout)
		{
			/* sigmoid(z) from the same e */
			float		p = z >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);

			dout[r] = (p - t) * inv;
		}
	}
	return total / rows;
}

double
dl_loss_forward_backward(float *dout, const float *out, const float *y,
						 int rows, int k, dl_loss loss, float huber_delta)
{
	double		total = 0.0;
	float		inv = 1.0f / ((float) rows * k);

	if (loss == DL_LOSS_CE)
		return ce_rows(dout, out, y, rows, k);
	if (loss == DL_LOSS_BCE)
		return bce_rows(dout, out, y, rows);

	/* out is (rows, k), each output compared with its row's target */
	for (int r = 0; r < rows; r++)
		for (int j = 0; j < k; j++)
		{
			size_t		i = (size_t) r * k + j;
			float		d = out[i] - y[r];
			float		ad = fabsf(d);
			float		g;

			switch (loss)
			{
				case DL_LOSS_MAE:
					total += ad;
					g = d > 0.0f ? 1.0f : (d < 0.0f ? -1.0f : 0.0f);
					break;
				case DL_LOSS_HUBER:
					if (ad <= huber_delta)
					{
						total += 0.5 * (double) d * d;
						g = d;
					}
					else
					{
						total += huber_delta * (ad - 0.5 * huber_delta);
						g = d > 0.0f ? huber_delta : -huber_delta;
					}
					break;
				default:		/* mse */
					total += (double) d * d;
					g = 2.0f * d;
					break;
			}
			if (dout)
				dout[i] = g * inv;
		}
	return total / ((double) rows * k);
}

double
dl_metric_sum(const float *out, const float *y, int rows, int k, dl_loss loss)
{
	double		total = 0.0;

	for (int r = 0; r < rows; r++)
	{
		const float *o = out + (size_t) r * k;

		if (loss == DL_LOSS_CE)
		{
			int			best = 0;

			for (int j = 1; j < k; j++)
				if (o[j] > o[best])
					best = j;
			total += best == class_of(y[r], k);
		}
		else if (loss == DL_LOSS_BCE)
			total += (o[0] > 0.0f) == (y[r] >= 0.5f);
		else
			for (int j = 0; j < k; j++)
				total += ((double) o[j] - y[r]) * ((double) o[j] - y[r]);
	}
	return total;
}

const char *
dl_loss_name(dl_loss l)
{
	switch (l)
	{
		case DL_LOSS_MSE:
			return "mse";
		case DL_LOSS_MAE:
			return "mae";
		case DL_LOSS_HUBER:
			return "huber";
		case DL_LOSS_BCE:
			return "binary_cross_entropy";
		case DL_LOSS_CE:
			return "cross_entropy";
	}
	return "?";
}
