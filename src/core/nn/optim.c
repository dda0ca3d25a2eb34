/*-------------------------------------------------------------------------
 *
 * optim.c
 *	  Optimizer updates: sgd, momentum (optionally Nesterov), Adam and
 *	  AdamW, with L2 weight decay and an L1 term.
 *
 * The updates follow PyTorch's torch.optim so results can be compared:
 * weight_decay is added to the gradient (g + wd p) for sgd, momentum and
 * Adam, and decoupled for AdamW (p <- p (1 - lr wd) before the Adam step,
 * Loshchilov & Hutter 2019); momentum keeps b <- mu b + g and steps by b,
 * or by g + mu b with Nesterov; Adam divides by sqrt(v_hat) + eps with
 * v_hat = v / (1 - beta2^t).  l1 adds l1 sign(p) to the gradient (a
 * subgradient, 0 at 0) for every optimizer.
 *
 * The caller runs this once per trainable slice, so batchnorm's running
 * statistics, which are parameters but not trainable, are never decayed;
 * every trainable value is, biases and norm scales included, as PyTorch
 * does with a single parameter group.
 *
 * src/core/nn/optim.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>

#include "nn_kernels.h"

static inline float
signf(float x)
{
	return x > 0.0f ? 1.0f : (x < 0.0f ? -1.0f : 0.0f);
}

void
dl_optim_step(float *restrict p, const float *restrict g, float *restrict m,
			  float *restrict v, size_t n, const dl_train_options *o, long t)
{
	float		lr = o->learning_rate;
	float		l1 = o->l1;
	bool		adamw = o->optimizer == DL_OPT_ADAMW;
	float		wd = adamw ? 0.0f : o->weight_decay;

	switch (o->optimizer)
	{
		case DL_OPT_SGD:
			for (size_t i = 0; i < n; i++)
			{
				float		gi = g[i] + wd * p[i] + l1 * signf(p[i]);

				p[i] -= lr * gi;
			}
			break;
		case DL_OPT_MOMENTUM:
			{
				float		mu = o->momentum;

				if (o->nesterov)
					for (size_t i = 0; i < n; i++)
					{
						float		gi = g[i] + wd * p[i] + l1 * signf(p[i]);

						m[i] = mu * m[i] + gi;
						p[i] -= lr * (gi + mu * m[i]);
					}
				else
					for (size_t i = 0; i < n; i++)
					{
						float		gi = g[i] + wd * p[i] + l1 * signf(p[i]);

						m[i] = mu * m[i] + gi;
						p[i] -= lr * m[i];
					}
				break;
			}
		case DL_OPT_ADAM:
		case DL_OPT_ADAMW:
			{
				float		b1 = o->beta1;
				float		b2 = o->beta2;
				float		eps = o->adam_epsilon;
				double		bc1 = 1.0 - pow(b1, (double) t);
				double		bc2 = 1.0 - pow(b2, (double) t);
				float		step = (float) (lr / bc1);
				float		inv_sqrt_bc2 = (float) (1.0 / sqrt(bc2));
				float		decay = adamw ? 1.0f - lr * o->weight_decay : 1.0f;

				for (size_t i = 0; i < n; i++)
				{
					float		pi = p[i] * decay;
					float		gi = g[i] + wd * p[i] + l1 * signf(p[i]);

					m[i] = b1 * m[i] + (1.0f - b1) * gi;
					v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;
					p[i] = pi - step * m[i] / (sqrtf(v[i]) * inv_sqrt_bc2 + eps);
				}
				break;
			}
	}
}

const char *
dl_optimizer_name(dl_optimizer o)
{
	switch (o)
	{
		case DL_OPT_SGD:
			return "sgd";
		case DL_OPT_MOMENTUM:
			return "momentum";
		case DL_OPT_ADAM:
			return "adam";
		case DL_OPT_ADAMW:
			return "adamw";
	}
	return "?";
}
