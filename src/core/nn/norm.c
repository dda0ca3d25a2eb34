/*-------------------------------------------------------------------------
 *
 * norm.c
 *	  Batch normalization (Ioffe & Szegedy 2015) and layer normalization
 *	  (Ba et al. 2016): forward and backward passes.
 *
 * Batch normalization sees its input as (outer, c, inner) and normalizes
 * each channel c over its outer * inner values: a vector (F) is
 * (B, F, 1), a sequence (T, F) is (B T, F, 1), an image (C, H, W) is
 * (B, C, H W) - the cases dl_network_init plans.  As in PyTorch, training
 * normalizes with the biased batch variance and folds the unbiased one
 * into the running estimate: running = (1 - m) running + m batch.  Sums
 * are taken in double and the variance in a second pass over the
 * deviations, so a feature with a large mean does not lose its variance.
 *
 * src/core/nn/norm.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "nn_kernels.h"

void
dl_batchnorm_forward(float *y, float *mean, float *invstd, double *acc,
					 const float *params, float *running, const float *x,
					 size_t outer, int c, size_t inner, float epsilon,
					 float momentum)
{
	const float *gamma = params;
	const float *beta = params + c;

	if (running)
	{
		float	   *run_mean = running;
		float	   *run_var = running + c;
		size_t		count = outer * inner;
		double	   *sum = acc;
		double	   *sq = acc + c;

		memset(acc, 0, sizeof(double) * 2 * (size_t) c);
		for (size_t o = 0; o < outer; o++)
			for (int ch = 0; ch < c; ch++)
			{
				const float *xs = x + (o * c + ch) * inner;

				for (size_t s = 0; s < inner; s++)
					sum[ch] += xs[s];
			}
		for (int ch = 0; ch < c; ch++)
			sum[ch] /= (double) count;
		for (size_t o = 0; o < outer; o++)
			for (int ch = 0; ch < c; ch++)
			{
				const float *xs = x + (o * c + ch) * inner;
				double		mu = sum[ch];

				for (size_t s = 0; s < inner; s++)
					sq[ch] += (xs[s] - mu) * (xs[s] - mu);
			}
		for (int ch = 0; ch < c; ch++)
		{
			double		var = sq[ch] / (double) count;
			double		unbiased = count > 1 ? sq[ch] / (double) (count - 1) : var;

			mean[ch] = (float) sum[ch];
			invstd[ch] = (float) (1.0 / sqrt(var + epsilon));
			run_mean[ch] = (1.0f - momentum) * run_mean[ch] + momentum * (float) sum[ch];
			run_var[ch] = (1.0f - momentum) * run_var[ch] + momentum * (float) unbiased;
		}
		for (size_t o = 0; o < outer; o++)
			for (int ch = 0; ch < c; ch++)
			{
				const float *xs = x + (o * c + ch) * inner;
				float	   *ys = y + (o * c + ch) * inner;
				float		k = invstd[ch] * gamma[ch];
				float		mu = mean[ch];
				float		b = beta[ch];

				for (size_t s = 0; s < inner; s++)
					ys[s] = (xs[s] - mu) * k + b;
			}
	}
	else
	{
		/* y = x scale + shift; mean and invstd hold scale and shift */
		const float *run_mean = params + 2 * (size_t) c;
		const float *run_var = params + 3 * (size_t) c;
		float	   *scale = mean;
		float	   *shift = invstd;

		for (int ch = 0; ch < c; ch++)
		{
			scale[ch] = (float) (gamma[ch] / sqrt((double) run_var[ch] + epsilon));
			shift[ch] = beta[ch] - run_mean[ch] * scale[ch];
		}
		for (size_t o = 0; o < outer; o++)
			for (int ch = 0; ch < c; ch++)
			{
				const float *xs = x + (o * c + ch) * inner;
				float	   *ys = y + (o * c + ch) * inner;
				float		k = scale[ch];
				float		b = shift[ch];

				for (size_t s = 0; s < inner; s++)
					ys[s] = xs[s] * k + b;
			}
	}
}

void
dl_batchnorm_backward(float *dx, float *grads, double *acc, const float *dy,
					  const float *x, const float *mean, const float *invstd,
					  const float *params, size_t outer, int c, size_t inner)
{
	const float *gamma = params;
	float	   *dgamma = grads;
	float	   *dbeta = grads + c;
	double	   *sum_dy = acc;
	double	   *sum_dyx = acc + c;
	double		count = (double) (outer * inner);

	/* sums of dy and of dy * xhat per channel */
	memset(acc, 0, sizeof(double) * 2 * (size_t) c);
	for (size_t o = 0; o < outer; o++)
		for (int ch = 0; ch < c; ch++)
		{
			const float *xs = x + (o * c + ch) * inner;
			const float *ds = dy + (o * c + ch) * inner;
			float		mu = mean[ch];
			float		is = invstd[ch];

			for (size_t s = 0; s < inner; s++)
			{
				sum_dy[ch] += ds[s];
				sum_dyx[ch] += ds[s] * ((xs[s] - mu) * is);
			}
		}
	for (int ch = 0; ch < c; ch++)
	{
		dgamma[ch] += (float) sum_dyx[ch];
		dbeta[ch] += (float) sum_dy[ch];
	}

	/* dx = gamma invstd (dy - mean(dy) - xhat mean(dy xhat)) */
	for (size_t o = 0; o < outer; o++)
		for (int ch = 0; ch < c; ch++)
		{
			const float *xs = x + (o * c + ch) * inner;
			const float *ds = dy + (o * c + ch) * inner;
			float	   *dxs = dx + (o * c + ch) * inner;
			float		mu = mean[ch];
			float		is = invstd[ch];
			float		k = gamma[ch] * is;
			float		mdy = (float) (sum_dy[ch] / count);
			float		mdyx = (float) (sum_dyx[ch] / count);

			for (size_t s = 0; s < inner; s++)
				dxs[s] = k * (ds[s] - mdy - (xs[s] - mu) * is * mdyx);
		}
}

void
dl_layernorm_forward(float *y, float *mean, float *rstd, const float *x,
					 const float *params, size_t rows, int f, float epsilon)
{
	/* x and y are (rows, f); gamma and beta are (f) */
	const float *gamma = params;
	const float *beta = params + f;

	for (size_t r = 0; r < rows; r++)
	{
		const float *xr = x + r * f;
		float	   *yr = y + r * f;
		double		s = 0.0,
					sq = 0.0;
		float		mu,
					is;

		for (int j = 0; j < f; j++)
			s += xr[j];
		s /= f;
		for (int j = 0; j < f; j++)
			sq += (xr[j] - s) * (xr[j] - s);
		mu = (float) s;
		is = (float) (1.0 / sqrt(sq / f + epsilon));
		mean[r] = mu;
		rstd[r] = is;
		for (int j = 0; j < f; j++)
			yr[j] = (xr[j] - mu) * is * gamma[j] + beta[j];
	}
}

void
dl_layernorm_backward(float *dx, float *grads, const float *dy, const float *x,
					  const float *mean, const float *rstd, const float *params,
					  size_t rows, int f)
{
	const float *gamma = params;
	float	   *dgamma = grads;
	float	   *dbeta = grads + f;

	for (size_t r = 0; r < rows; r++)
	{
		const float *xr = x + r * f;
		const float *dr = dy + r * f;
		float	   *dxr = dx + r * f;
		float		mu = mean[r];
		float		is = rstd[r];
		double		s1 = 0.0,
					s2 = 0.0;
		float		m1,
					m2;

		/* with g = dy gamma: dx = rstd (g - mean(g) - xhat mean(g xhat)) */
		for (int j = 0; j < f; j++)
		{
			float		xhat = (xr[j] - mu) * is;
			float		g = dr[j] * gamma[j];

			s1 += g;
			s2 += g * xhat;
			dgamma[j] += dr[j] * xhat;
			dbeta[j] += dr[j];
		}
		m1 = (float) (s1 / f);
		m2 = (float) (s2 / f);
		for (int j = 0; j < f; j++)
		{
			float		xhat = (xr[j] - mu) * is;

			dxr[j] = is * (dr[j] * gamma[j] - m1 - xhat * m2);
		}
	}
}
