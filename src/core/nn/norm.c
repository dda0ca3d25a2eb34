/*-------------------------------------------------------------------------
 *
 * norm.c
 *	  Batch normalization (Ioffe & Szegedy 2015) and layer normalization
 *	  (Ba et al. 2016): forward and backward passes, and the two layers.
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
 * Parameters: gamma and beta (c each; batchnorm then the running mean and
 * variance, c each, not trainable); gamma starts at 1, the running
 * variance at 1, the rest at 0.  The weights records: batchnorm epsilon
 * and momentum (f32 each), layernorm epsilon (f32).
 *
 * src/core/nn/norm.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "layers.h"

/* ---- kernels ---- */

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

/* ---- the layers ---- */

enum
{
	K_EPSILON,
	K_MOMENTUM
};

/* batchnorm takes both, layernorm the first */
static const char *const norm_keys[] = {"epsilon", "momentum"};

static void
norm_defaults(dl_layer_spec *s)
{
	s->norm.epsilon = 1e-5f;
	s->norm.momentum = 0.1f;
}

static dl_status
norm_parse_key(dl_layer_spec *s, int key, const dl_json *v, const char *subject)
{
	if (key == K_EPSILON)
		return dl_parse_epsilon(v, subject, &s->norm.epsilon);
	return dl_want_float(v, subject, 0, 1, DL_OPEN_LO, "a number above 0 and at most 1",
						 &s->norm.momentum);
}

static void
layernorm_to_json(dl_json_buf *b, const dl_layer_spec *s)
{
	dl_json_put_float(b, "epsilon", s->norm.epsilon);
}

static void
batchnorm_to_json(dl_json_buf *b, const dl_layer_spec *s)
{
	layernorm_to_json(b, s);
	dl_json_put_float(b, "momentum", s->norm.momentum);
}

static void
layernorm_write(dl_writer *w, const dl_layer_spec *s)
{
	dl_put_f32(w, s->norm.epsilon);
}

static void
batchnorm_write(dl_writer *w, const dl_layer_spec *s)
{
	layernorm_write(w, s);
	dl_put_f32(w, s->norm.momentum);
}

static dl_status
layernorm_read(dl_reader *r, dl_layer_spec *s)
{
	return dl_get_f32(r, &s->norm.epsilon);
}

static dl_status
batchnorm_read(dl_reader *r, dl_layer_spec *s)
{
	dl_status	st = layernorm_read(r, s);

	return st == DL_OK ? dl_get_f32(r, &s->norm.momentum) : st;
}

static dl_status
norm_check(const dl_layer_spec *s, int pos, dl_status bad)
{
	return dl_check_epsilon(s->norm.epsilon, pos, dl_layer_type_name(s->type), bad);
}

/* gamma 1, beta 0 */
static void
layernorm_init(const dl_network *net, int i, float *p, dl_rng *rng)
{
	size_t		c = net->layers[i].n_trainable / 2;

	for (size_t k = 0; k < c; k++)
	{
		p[k] = 1.0f;
		p[c + k] = 0.0f;
	}
}

/* and the running mean 0, the running variance 1 */
static void
batchnorm_init(const dl_network *net, int i, float *p, dl_rng *rng)
{
	size_t		c = net->layers[i].n_trainable / 2;

	layernorm_init(net, i, p, rng);
	for (size_t k = 0; k < c; k++)
	{
		p[2 * c + k] = 0.0f;
		p[3 * c + k] = 1.0f;
	}
}

/* floats rounded up to whole 64-byte lines, for buffers laid out one after another */
static size_t
lines(size_t floats)
{
	return (floats + 15) & ~(size_t) 15;
}

/* ---- batchnorm ---- */

/*
 * Its view of the input as (outer, c, inner) for n rows: per feature of a
 * vector or of the last axis of a sequence; per channel of (C, H, W)
 */
static void
bn_view(const dl_layer *l, size_t n, size_t *outer, int *c, size_t *inner)
{
	const dl_shape *s = &l->in_shape;
	size_t		size = dl_shape_size(s);

	if (s->ndim == 3)
	{
		*c = s->dim[0];
		*inner = size / s->dim[0];
		*outer = n;
	}
	else
	{
		*c = dl_last_dim(s);
		*inner = 1;
		*outer = n * (size / *c);
	}
}

static dl_status
batchnorm_plan(dl_layer *l, int pos, dl_status bad)
{
	const dl_norm_spec *s = &l->spec.norm;
	size_t		outer,
				inner;
	int			c;

	if (!(s->epsilon > 0.0f) || !(s->momentum > 0.0f && s->momentum <= 1.0f))
		return dl_error(bad, "layer %d (batchnorm): epsilon must be positive and momentum in (0, 1]",
						pos);
	bn_view(l, 1, &outer, &c, &inner);
	l->n_trainable = 2 * (size_t) c;	/* gamma, beta */
	l->n_params = 4 * (size_t) c;	/* + running mean, running variance */
	return DL_OK;
}

/*
 * No training gives a negative running variance (its square root is
 * taken): in stored parameters it is damage or a forgery.
 */
static dl_status
batchnorm_check_params(const dl_layer *l, const float *p, int pos, dl_status bad)
{
	/* gamma, beta, running mean, running variance: c each */
	size_t		c = l->n_params / 4;

	for (size_t j = 0; j < c; j++)
		if (p[3 * c + j] < 0.0f)
			return dl_model_error(bad, "layer %d (batchnorm) has a negative running variance: %g for channel %zu",
								  pos, (double) p[3 * c + j], j + 1);
	return DL_OK;
}

/*
 * The scratch: the sums (2 c doubles), then prediction's mean and 1/std
 * (c each), which training keeps instead
 */
static void
batchnorm_memory(const dl_layer *l, size_t max_batch, bool training, dl_layer_mem *m)
{
	size_t		outer,
				inner;
	int			c;

	bn_view(l, 1, &outer, &c, &inner);
	m->scratch = lines(4 * (size_t) c) + (training ? 0 : 2 * lines(c));
	if (training)
		m->keep[0] = m->keep[1] = (size_t) c;
}

static const float *
batchnorm_forward(const dl_layer *l, const dl_pass *c, const float *x, float *y)
{
	size_t		outer,
				inner;
	int			ch;
	double	   *acc = (double *) c->ws->scratch;
	float	   *mean,
			   *invstd;

	bn_view(l, c->n, &outer, &ch, &inner);
	mean = c->lw ? c->lw->keep[0] : c->ws->scratch + lines(4 * (size_t) ch);
	invstd = c->lw ? c->lw->keep[1] : mean + lines(ch);
	dl_batchnorm_forward(y, mean, invstd, acc, c->p, c->lw ? c->p + 2 * (size_t) ch : NULL,
						 x, outer, ch, inner, l->spec.norm.epsilon, l->spec.norm.momentum);
	return y;
}

static float *
batchnorm_backward(const dl_layer *l, const dl_pass *c, float *dy, float *dx)
{
	size_t		outer,
				inner;
	int			ch;

	bn_view(l, c->n, &outer, &ch, &inner);
	dl_batchnorm_backward(dy, c->g, (double *) c->ws->scratch, dy, c->lw->in, c->lw->keep[0],
						  c->lw->keep[1], c->p, outer, ch, inner);
	return dy;
}

const dl_layer_ops dl_batchnorm_ops = {
	.name = "batchnorm",
	.keys = norm_keys,
	.n_keys = 2,
	.defaults = norm_defaults,
	.parse_key = norm_parse_key,
	.to_json = batchnorm_to_json,
	.write = batchnorm_write,
	.read = batchnorm_read,
	.check = norm_check,
	.check_params = batchnorm_check_params,
	.plan = batchnorm_plan,
	.init_see_through = true,
	.init = batchnorm_init,
	.memory = batchnorm_memory,
	.forward = batchnorm_forward,
	.backward = batchnorm_backward
};

/* ---- layernorm ---- */

static dl_status
layernorm_plan(dl_layer *l, int pos, dl_status bad)
{
	if (!(l->spec.norm.epsilon > 0.0f))
		return dl_error(bad, "layer %d (layernorm): epsilon must be positive", pos);
	l->n_trainable = l->n_params = 2 * (size_t) dl_last_dim(&l->in_shape);
	return DL_OK;
}

/* the mean and 1/std of each row: kept by training, prediction's in the scratch */
static void
layernorm_memory(const dl_layer *l, size_t max_batch, bool training, dl_layer_mem *m)
{
	size_t		rows = dl_times(max_batch, dl_shape_size(&l->out_shape) / dl_last_dim(&l->out_shape));

	if (training)
		m->keep[0] = m->keep[1] = rows;
	else
		m->scratch = rows == SIZE_MAX ? SIZE_MAX : 2 * lines(rows);
}

static const float *
layernorm_forward(const dl_layer *l, const dl_pass *c, const float *x, float *y)
{
	int			f = dl_last_dim(&l->out_shape);
	size_t		rows = (size_t) c->n * dl_shape_size(&l->out_shape) / f;
	float	   *mean = c->lw ? c->lw->keep[0] : c->ws->scratch;
	float	   *rstd = c->lw ? c->lw->keep[1] : c->ws->scratch + lines(rows);

	dl_layernorm_forward(y, mean, rstd, x, c->p, rows, f, l->spec.norm.epsilon);
	return y;
}

static float *
layernorm_backward(const dl_layer *l, const dl_pass *c, float *dy, float *dx)
{
	int			f = dl_last_dim(&l->out_shape);

	dl_layernorm_backward(dy, c->g, dy, c->lw->in, c->lw->keep[0], c->lw->keep[1], c->p,
						  (size_t) c->n * dl_shape_size(&l->out_shape) / f, f);
	return dy;
}

const dl_layer_ops dl_layernorm_ops = {
	.name = "layernorm",
	.keys = norm_keys,
	.n_keys = 1,
	.defaults = norm_defaults,
	.parse_key = norm_parse_key,
	.to_json = layernorm_to_json,
	.write = layernorm_write,
	.read = layernorm_read,
	.check = norm_check,
	.plan = layernorm_plan,
	.init_see_through = true,
	.init = layernorm_init,
	.memory = layernorm_memory,
	.keeps_mask = true,
	.forward = layernorm_forward,
	.backward = layernorm_backward
};
