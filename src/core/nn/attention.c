/*-------------------------------------------------------------------------
 *
 * attention.c
 *	  Multi-head self-attention, the transformer encoder layer and the
 *	  positional encodings, on sequences x (n, T, D).
 *
 * Parameter layouts (the weights format stores them):
 *
 *	attention: W_qkv (D, 3 H K), b_qkv (3 H K), W_o (H K, D), b_o (D); the
 *	  biases only with use_bias.  The columns of W_qkv are the queries of
 *	  heads 1..H (K each), then their keys, then their values, so one sgemm
 *	  projects a whole batch and a head's q, k and v are K columns of a row
 *	  3 H K wide.  Per head, with P = softmax(q k^T / sqrt(K)) over each row
 *	  (steps after the row's own step masked out when causal) and dropout
 *	  on P while training, the head's output is P v; the heads' outputs,
 *	  side by side (T, H K), times W_o plus b_o are the layer's output.
 *
 *	transformer_encoder: the attention's parameters (with biases), then
 *	  layernorm 1 (gamma, beta: D each), W_1 (D, ff), b_1 (ff), W_2 (ff, D),
 *	  b_2 (D), layernorm 2.  As PyTorch's nn.TransformerEncoderLayer:
 *		post-norm:	h = LN1(x + drop(att(x)))	y = LN2(h + drop(ff(h)))
 *		norm_first:	h = x + drop(att(LN1(x)))	y = h + drop(ff(LN2(h)))
 *	  with ff(v) = W_2 drop(act(W_1 v + b_1)) + b_2 and the same dropout
 *	  rate everywhere, the attention weights included.
 *
 *	positional_encoding: a (T, D) table added to every row: learned
 *	  (trainable), or the sinusoids of "Attention is all you need", stored
 *	  with the model as non-trainable parameters (like batchnorm's running
 *	  statistics) so that prediction is a plain addition.
 *
 * Everything runs on sgemm: the projections over the whole batch (n T
 * rows), the two products of each head over its T steps.  The training
 * pass keeps what the backward pass needs in the layer's saved buffer
 * (attn_bufs below); prediction lays the same buffers out in the shared
 * scratch.
 *
 * src/core/nn/attention.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "nn_kernels.h"

/* the dimensions of an attention or transformer layer */
typedef struct attn_dims
{
	int			T,
				D,
				H,
				K,
				FF;				/* transformer: feed-forward width; else 0 */
	bool		causal;
	bool		bias;
	bool		transformer;
	bool		norm_first;
	float		rate;
	float		epsilon;
	dl_activation act;
	float		alpha;
} attn_dims;

static void
dims_of(const dl_layer *l, attn_dims *d)
{
	d->T = l->in_shape.dim[0];
	d->D = l->in_shape.dim[1];
	d->H = l->spec.heads;
	d->K = l->spec.key_dim;
	d->transformer = l->spec.type == DL_LAYER_TRANSFORMER_ENCODER;
	d->FF = d->transformer ? l->spec.ff_dim : 0;
	d->causal = l->spec.causal;
	d->bias = d->transformer || l->spec.use_bias;
	d->norm_first = l->spec.norm_first;
	d->rate = l->spec.rate;
	d->epsilon = l->spec.epsilon;
	d->act = l->spec.activation;
	d->alpha = l->spec.alpha;
}

/*
 * The buffers of one forward pass over n rows, carved from one block: the
 * attention's (qkv, probs, pmask, o, tt), then the transformer's.  Masks
 * exist only when training with a positive rate; the weights of every row
 * and head are kept only for a backward pass (keep), prediction reuses one
 * (T, T) block.
 */
typedef struct attn_bufs
{
	bool		keep;			/* probs holds every row and head */
	float	   *qkv;			/* (n T, 3 H K) projections */
	float	   *probs;			/* (n, H, T, T) softmax, before dropout; (T, T) unless keep */
	float	   *pmask;			/* (n, H, T, T) dropout mask, or NULL */
	float	   *o;				/* (n T, H K) the heads' outputs */
	float	   *tt;				/* (T, T) one head's dropped-out weights, with masks */
	/* transformer_encoder */
	float	   *a;				/* (n T, D) the attention's output */
	float	   *mask1;			/* on a */
	float	   *res1;			/* post-norm: x + drop(a), LN1's input */
	float	   *norm1;			/* norm_first: LN1(x), the attention's input */
	float	   *mean1,
			   *rstd1;			/* (n T) */
	float	   *h1;				/* the middle: post-norm LN1(res1); norm_first x + drop(a) */
	float	   *norm2;			/* norm_first: LN2(h1), the feed-forward's input */
	float	   *z1;				/* (n T, ff) before the activation */
	float	   *g1;				/* after it */
	float	   *maskff;
	float	   *g1d;			/* drop(g1): g1's buffer when no mask */
	float	   *f;				/* (n T, D) the feed-forward's output */
	float	   *mask2;
	float	   *res2;			/* post-norm: h1 + drop(f), LN2's input */
	float	   *mean2,
			   *rstd2;
} attn_bufs;

/* lays the buffers out from base (NULL: only counts); returns the floats used */
static size_t
carve_bufs(attn_bufs *b, float *base, size_t n, const attn_dims *d, bool masks, bool keep)
{
	size_t		used = 0;
	size_t		rows = n * d->T;
	size_t		hk = (size_t) d->H * d->K;
	size_t		tt = (size_t) d->T * d->T;

#define TAKE(field, count) \
	do { \
		size_t		c_ = (count); \
		b->field = base && c_ ? base + used : NULL; \
		used += c_; \
	} while (0)

	memset(b, 0, sizeof(*b));
	b->keep = keep;
	TAKE(qkv, rows * 3 * hk);
	TAKE(probs, keep ? n * d->H * tt : tt);
	TAKE(pmask, masks ? n * d->H * tt : 0);
	TAKE(o, rows * hk);
	TAKE(tt, masks ? tt : 0);
	if (d->transformer)
	{
		size_t		rd = rows * d->D;
		size_t		rf = rows * d->FF;

		TAKE(a, rd);
		TAKE(mask1, masks ? rd : 0);
		TAKE(res1, d->norm_first ? 0 : rd);
		TAKE(norm1, d->norm_first ? rd : 0);
		TAKE(mean1, rows);
		TAKE(rstd1, rows);
		TAKE(h1, rd);
		TAKE(norm2, d->norm_first ? rd : 0);
		TAKE(z1, dl_act_needs_input(d->act, d->alpha) ? rf : 0);
		TAKE(g1, rf);
		TAKE(maskff, masks ? rf : 0);
		TAKE(g1d, masks ? rf : 0);
		TAKE(f, rd);
		TAKE(mask2, masks ? rd : 0);
		TAKE(res2, d->norm_first ? 0 : rd);
		TAKE(mean2, rows);
		TAKE(rstd2, rows);
		if (!masks)
			b->g1d = b->g1;
	}
#undef TAKE
	return used;
}

/* floats per row the backward pass needs besides the saved buffers */
static size_t
backward_scratch(const attn_dims *d)
{
	size_t		T = d->T;
	size_t		hk = (size_t) d->H * d->K;
	/* dO, dQKV; per head dP, and the dropped-out weights with dropout */
	size_t		size = T * hk + 3 * T * hk + (d->rate > 0.0f ? 2 : 1) * T * T;

	if (d->transformer)
		size += 3 * T * d->D + T * d->FF;	/* dA, dB, dT (n T, D); dG (n T, ff) */
	return size;
}

size_t
dl_attn_saved_size(const dl_layer *l)
{
	attn_dims	d;
	attn_bufs	b;

	if (l->spec.type != DL_LAYER_ATTENTION && l->spec.type != DL_LAYER_TRANSFORMER_ENCODER)
		return 0;
	dims_of(l, &d);
	return carve_bufs(&b, NULL, 1, &d, d.rate > 0.0f, true);
}

size_t
dl_attn_scratch_size(const dl_layer *l, bool training)
{
	attn_dims	d;
	attn_bufs	b;
	size_t		predict,
				back;

	if (l->spec.type != DL_LAYER_ATTENTION && l->spec.type != DL_LAYER_TRANSFORMER_ENCODER)
		return 0;
	dims_of(l, &d);
	predict = carve_bufs(&b, NULL, 1, &d, false, false);
	if (!training)
		return predict;
	back = backward_scratch(&d);
	return predict > back ? predict : back;
}

/* the attention's parameter slices from p; returns the floats they take */
static size_t
mha_params(const float *p, const attn_dims *d, const float **wqkv, const float **bqkv,
		   const float **wo, const float **bo)
{
	size_t		hk = (size_t) d->H * d->K;
	const float *q = p;

	*wqkv = q;
	q += (size_t) d->D * 3 * hk;
	*bqkv = d->bias ? q : NULL;
	q += d->bias ? 3 * hk : 0;
	*wo = q;
	q += hk * d->D;
	*bo = d->bias ? q : NULL;
	q += d->bias ? (size_t) d->D : 0;
	return (size_t) (q - p);
}

/* the transformer's slices after the attention's */
typedef struct tf_params
{
	const float *ln1,
			   *w1,
			   *b1,
			   *w2,
			   *b2,
			   *ln2;
} tf_params;

static void
tf_slices(const float *p, const attn_dims *d, tf_params *t)
{
	const float *w,
			   *b,
			   *wo,
			   *bo;
	const float *q = p + mha_params(p, d, &w, &b, &wo, &bo);

	t->ln1 = q;
	q += 2 * (size_t) d->D;
	t->w1 = q;
	q += (size_t) d->D * d->FF;
	t->b1 = q;
	q += d->FF;
	t->w2 = q;
	q += (size_t) d->FF * d->D;
	t->b2 = q;
	q += d->D;
	t->ln2 = q;
}

/* softmax over each of the T rows of s (T, T) in place; causal: row i over 0..i */
static void
softmax_rows(float *s, int T, bool causal)
{
	for (int i = 0; i < T; i++)
	{
		float	   *restrict r = s + (size_t) i * T;
		int			len = causal ? i + 1 : T;
		float		mx = r[0];
		float		sum = 0.0f;
		float		inv;

		for (int j = 1; j < len; j++)
			mx = r[j] > mx ? r[j] : mx;
		for (int j = 0; j < len; j++)
		{
			r[j] = expf(r[j] - mx);
			sum += r[j];
		}
		inv = 1.0f / sum;
		for (int j = 0; j < len; j++)
			r[j] *= inv;
		for (int j = len; j < T; j++)
			r[j] = 0.0f;
	}
}

/*
 * y (n T, D) = the attention of x (n T, D), in the buffers b (qkv, probs,
 * pmask, o, tt); rng draws the masks when b->pmask.
 */
static void
mha_forward(float *y, const attn_bufs *b, const float *x, const float *p, int n,
			const attn_dims *d, dl_rng *rng)
{
	int			T = d->T,
				K = d->K,
				hk = d->H * d->K,
				w3 = 3 * hk;
	int			rows = n * T;
	size_t		tt = (size_t) T * T;
	float		scale = 1.0f / sqrtf((float) K);
	const float *wqkv,
			   *bqkv,
			   *wo,
			   *bo;

	mha_params(p, d, &wqkv, &bqkv, &wo, &bo);
	dl_dense_forward(b->qkv, NULL, x, wqkv, bqkv, rows, d->D, w3, DL_ACT_LINEAR, 0.0f);
	for (int r = 0; r < n; r++)
		for (int h = 0; h < d->H; h++)
		{
			const float *q = b->qkv + (size_t) r * T * w3 + (size_t) h * K;
			const float *k = q + hk;
			const float *v = q + 2 * hk;
			float	   *P = b->probs + (b->keep ? ((size_t) r * d->H + h) * tt : 0);
			const float *Pd = P;

			/* P (T, T) = softmax(q k^T / sqrt(K)) */
			dl_sgemm(false, true, T, T, K, scale, q, w3, k, w3, 0.0f, P, T);
			softmax_rows(P, T, d->causal);
			if (b->pmask)
			{
				float	   *M = b->pmask + ((size_t) r * d->H + h) * tt;

				dl_dropout_mask(M, tt, d->rate, rng);
				dl_dropout_forward(b->tt, P, M, tt);
				Pd = b->tt;
			}
			/* o[:, head h] (T, K) = Pd v */
			dl_sgemm(false, false, T, K, T, 1.0f, Pd, T, v, w3, 0.0f,
					 b->o + (size_t) r * T * hk + (size_t) h * K, hk);
		}
	dl_dense_forward(y, NULL, b->o, wo, bo, rows, hk, d->D, DL_ACT_LINEAR, 0.0f);
}

/*
 * Backward pass of mha_forward: dp += the attention's gradients; dx (n T,
 * D) = unless NULL.  s is scratch of n (4 H K) T + T T floats, and T T
 * more with dropout.
 */
static void
mha_backward(float *dx, float *dp, const float *dy, const float *x, const float *p,
			 const attn_bufs *b, float *s, int n, const attn_dims *d)
{
	int			T = d->T,
				K = d->K,
				hk = d->H * d->K,
				w3 = 3 * hk;
	int			rows = n * T;
	size_t		tt = (size_t) T * T;
	float		scale = 1.0f / sqrtf((float) K);
	const float *wqkv,
			   *bqkv,
			   *wo,
			   *bo;
	float	   *dwqkv,
			   *dbqkv,
			   *dwo,
			   *dbo;
	float	   *dO = s;			/* (n T, H K) */
	float	   *dqkv = dO + (size_t) rows * hk; /* (n T, 3 H K) */
	float	   *dP = dqkv + (size_t) rows * w3; /* (T, T) */
	float	   *Pd = dP + tt;	/* (T, T), with dropout */

	mha_params(p, d, &wqkv, &bqkv, &wo, &bo);
	mha_params(dp, d, (const float **) &dwqkv, (const float **) &dbqkv,
			   (const float **) &dwo, (const float **) &dbo);
	/* the output projection: linear, so dy is not written */
	dl_dense_backward(dO, dwo, dbo, (float *) dy, b->o, NULL, NULL, wo, rows, hk, d->D,
					  DL_ACT_LINEAR, 0.0f);
	for (int r = 0; r < n; r++)
		for (int h = 0; h < d->H; h++)
		{
			size_t		at = (size_t) r * T * w3 + (size_t) h * K;
			const float *q = b->qkv + at;
			const float *k = q + hk;
			const float *v = q + 2 * hk;
			float	   *dq = dqkv + at;
			float	   *dk = dq + hk;
			float	   *dv = dq + 2 * hk;
			const float *dOh = dO + (size_t) r * T * hk + (size_t) h * K;
			const float *P = b->probs + ((size_t) r * d->H + h) * tt;
			const float *M = b->pmask ? b->pmask + ((size_t) r * d->H + h) * tt : NULL;
			const float *W = P;

			if (M)
			{
				dl_dropout_forward(Pd, P, M, tt);
				W = Pd;
			}
			/* dv (T, K) = W^T dO_h; dW (T, T) = dO_h v^T */
			dl_sgemm(true, false, T, K, T, 1.0f, W, T, dOh, hk, 0.0f, dv, w3);
			dl_sgemm(false, true, T, T, K, 1.0f, dOh, hk, v, w3, 0.0f, dP, T);
			if (M)
				dl_dropout_backward(dP, dP, M, tt);
			/* through the softmax: dS = P (dP - rowsum(dP P)); masked steps have P = 0 */
			for (int i = 0; i < T; i++)
			{
				const float *restrict pr = P + (size_t) i * T;
				float	   *restrict dr = dP + (size_t) i * T;
				float		dot = 0.0f;

				for (int j = 0; j < T; j++)
					dot += pr[j] * dr[j];
				for (int j = 0; j < T; j++)
					dr[j] = pr[j] * (dr[j] - dot);
			}
			/* S = scale q k^T: dq = scale dS k, dk = scale dS^T q */
			dl_sgemm(false, false, T, K, T, scale, dP, T, k, w3, 0.0f, dq, w3);
			dl_sgemm(true, false, T, K, T, scale, dP, T, q, w3, 0.0f, dk, w3);
		}
	/* the input projection: linear, dqkv is not written */
	dl_dense_backward(dx, dwqkv, dbqkv, dqkv, x, NULL, NULL, wqkv, rows, d->D, w3,
					  DL_ACT_LINEAR, 0.0f);
}

/* out (count) = base + drop(v): the mask is drawn when there is one */
static void
residual(float *out, const float *base, const float *v, float *mask, size_t count,
		 float rate, dl_rng *rng)
{
	if (mask)
	{
		dl_dropout_mask(mask, count, rate, rng);
		for (size_t i = 0; i < count; i++)
			out[i] = base[i] + v[i] * mask[i];
	}
	else
		for (size_t i = 0; i < count; i++)
			out[i] = base[i] + v[i];
}

/* f (n T, D) = the feed-forward of v, keeping z1, g1, g1d */
static void
ff_forward(const attn_bufs *b, const float *v, const tf_params *t, int rows,
		   const attn_dims *d, dl_rng *rng)
{
	dl_dense_forward(b->g1, b->z1, v, t->w1, t->b1, rows, d->D, d->FF, d->act, d->alpha);
	if (b->maskff)
	{
		size_t		count = (size_t) rows * d->FF;

		dl_dropout_mask(b->maskff, count, d->rate, rng);
		dl_dropout_forward(b->g1d, b->g1, b->maskff, count);
	}
	dl_dense_forward(b->f, NULL, b->g1d, t->w2, t->b2, rows, d->FF, d->D, DL_ACT_LINEAR, 0.0f);
}

/*
 * The feed-forward's backward pass: df (rows, D) is not written; dv
 * (rows, D) = the gradient of its input v; dG (rows, ff) is scratch.
 */
static void
ff_backward(float *dv, float *dG, const float *df, const float *v, float *dp,
			const float *p, const attn_bufs *b, const tf_params *t, int rows,
			const attn_dims *d)
{
	float	   *dw1 = dp + (t->w1 - p);
	float	   *db1 = dp + (t->b1 - p);
	float	   *dw2 = dp + (t->w2 - p);
	float	   *db2 = dp + (t->b2 - p);

	dl_dense_backward(dG, dw2, db2, (float *) df, b->g1d, NULL, NULL, t->w2, rows, d->FF,
					  d->D, DL_ACT_LINEAR, 0.0f);
	if (b->maskff)
		dl_dropout_backward(dG, dG, b->maskff, (size_t) rows * d->FF);
	dl_dense_backward(dv, dw1, db1, dG, v, b->g1, b->z1, t->w1, rows, d->D, d->FF,
					  d->act, d->alpha);
}

void
dl_attn_forward(const dl_layer *l, float *y, float *saved, float *scratch,
				const float *x, const float *p, int n, dl_rng *rng)
{
	attn_dims	d;
	attn_bufs	b;
	tf_params	t;
	int			rows;
	size_t		rd;
	bool		training = saved != NULL;

	dims_of(l, &d);
	carve_bufs(&b, training ? saved : scratch, n, &d, training && d.rate > 0.0f, training);
	if (!d.transformer)
	{
		mha_forward(y, &b, x, p, n, &d, rng);
		return;
	}
	rows = n * d.T;
	rd = (size_t) rows * d.D;
	tf_slices(p, &d, &t);
	if (!d.norm_first)
	{
		mha_forward(b.a, &b, x, p, n, &d, rng);
		residual(b.res1, x, b.a, b.mask1, rd, d.rate, rng);
		dl_layernorm_forward(b.h1, b.mean1, b.rstd1, b.res1, t.ln1, rows, d.D, d.epsilon);
		ff_forward(&b, b.h1, &t, rows, &d, rng);
		residual(b.res2, b.h1, b.f, b.mask2, rd, d.rate, rng);
		dl_layernorm_forward(y, b.mean2, b.rstd2, b.res2, t.ln2, rows, d.D, d.epsilon);
	}
	else
	{
		dl_layernorm_forward(b.norm1, b.mean1, b.rstd1, x, t.ln1, rows, d.D, d.epsilon);
		mha_forward(b.a, &b, b.norm1, p, n, &d, rng);
		residual(b.h1, x, b.a, b.mask1, rd, d.rate, rng);
		dl_layernorm_forward(b.norm2, b.mean2, b.rstd2, b.h1, t.ln2, rows, d.D, d.epsilon);
		ff_forward(&b, b.norm2, &t, rows, &d, rng);
		residual(y, b.h1, b.f, b.mask2, rd, d.rate, rng);
	}
}

/* out = v * mask, or a copy */
static void
masked(float *out, const float *v, const float *mask, size_t count)
{
	if (mask)
		dl_dropout_forward(out, v, mask, count);
	else
		memcpy(out, v, sizeof(float) * count);
}

static void
add_into(float *acc, const float *v, size_t count)
{
	for (size_t i = 0; i < count; i++)
		acc[i] += v[i];
}

void
dl_attn_backward(const dl_layer *l, float *dx, float *dp, const float *dy,
				 const float *x, const float *p, const float *saved, float *scratch, int n)
{
	attn_dims	d;
	attn_bufs	b;
	tf_params	t;
	int			rows;
	size_t		rd;
	float	   *dA,
			   *dB,
			   *dT,
			   *dG,
			   *ms;
	float	   *dln1,
			   *dln2;

	dims_of(l, &d);
	carve_bufs(&b, (float *) saved, n, &d, d.rate > 0.0f, true);
	if (!d.transformer)
	{
		mha_backward(dx, dp, dy, x, p, &b, scratch, n, &d);
		return;
	}
	rows = n * d.T;
	rd = (size_t) rows * d.D;
	tf_slices(p, &d, &t);
	dln1 = dp + (t.ln1 - p);
	dln2 = dp + (t.ln2 - p);
	dA = scratch;
	dB = dA + rd;
	dT = dB + rd;
	dG = dT + rd;
	ms = dG + (size_t) rows * d.FF;	/* the attention's own scratch */
	if (!d.norm_first)
	{
		/* y = LN2(res2), res2 = h1 + drop(f) */
		dl_layernorm_backward(dB, dln2, dy, b.res2, b.mean2, b.rstd2, t.ln2, rows, d.D);
		masked(dA, dB, b.mask2, rd);
		ff_backward(dT, dG, dA, b.h1, dp, p, &b, &t, rows, &d);
		add_into(dB, dT, rd);	/* dh1 */
		/* h1 = LN1(res1), res1 = x + drop(a) */
		dl_layernorm_backward(dA, dln1, dB, b.res1, b.mean1, b.rstd1, t.ln1, rows, d.D);
		masked(dB, dA, b.mask1, rd);
		mha_backward(dx ? dT : NULL, dp, dB, x, p, &b, ms, n, &d);
		if (dx)
		{
			memcpy(dx, dA, sizeof(float) * rd);
			add_into(dx, dT, rd);
		}
	}
	else
	{
		/* y = h1 + drop(f), f = ff(LN2(h1)) */
		masked(dA, dy, b.mask2, rd);
		ff_backward(dT, dG, dA, b.norm2, dp, p, &b, &t, rows, &d);
		dl_layernorm_backward(dB, dln2, dT, b.h1, b.mean2, b.rstd2, t.ln2, rows, d.D);
		add_into(dB, dy, rd);	/* dh1 */
		/* h1 = x + drop(att(LN1(x))) */
		masked(dA, dB, b.mask1, rd);
		mha_backward(dT, dp, dA, b.norm1, p, &b, ms, n, &d);
		dl_layernorm_backward(dA, dln1, dT, x, b.mean1, b.rstd1, t.ln1, rows, d.D);
		if (dx)
		{
			memcpy(dx, dB, sizeof(float) * rd);
			add_into(dx, dA, rd);
		}
	}
}

/* ---- positional encoding ---- */

void
dl_sinusoids(float *table, int T, int D)
{
	for (int t = 0; t < T; t++)
		for (int i = 0; i < D; i += 2)
		{
			double		w = pow(10000.0, -(double) i / D);

			table[(size_t) t * D + i] = (float) sin(t * w);
			if (i + 1 < D)
				table[(size_t) t * D + i + 1] = (float) cos(t * w);
		}
}

void
dl_posenc_forward(float *y, const float *x, const float *table, int n, size_t size)
{
	for (int r = 0; r < n; r++)
	{
		const float *restrict xr = x + (size_t) r * size;
		float	   *yr = y + (size_t) r * size;

		for (size_t i = 0; i < size; i++)
			yr[i] = xr[i] + table[i];
	}
}

/* ---- the naive reference ---- */

void
dl_attention_ref(float *y, const float *x, const float *p, int T, int D, int H, int K,
				 bool causal, bool bias)
{
	int			hk = H * K;
	const float *wqkv = p;
	const float *bqkv = bias ? wqkv + (size_t) D * 3 * hk : NULL;
	const float *wo = wqkv + (size_t) D * 3 * hk + (bias ? 3 * hk : 0);
	const float *bo = bias ? wo + (size_t) hk * D : NULL;
	double		cat[64][64];	/* (T, H K): the tests keep T and H K at most 64 */

	for (int h = 0; h < H; h++)
		for (int i = 0; i < T; i++)
		{
			double		s[64],
						q[64],
						mx = -HUGE_VAL,
						sum = 0.0;

			/* q_i of head h, then its scores against every k_j */
			for (int c = 0; c < K; c++)
			{
				int			col = h * K + c;

				q[c] = bqkv ? bqkv[col] : 0.0;
				for (int e = 0; e < D; e++)
					q[c] += (double) x[(size_t) i * D + e] * wqkv[(size_t) e * 3 * hk + col];
			}
			for (int j = 0; j < T; j++)
			{
				double		dot = 0.0;

				if (causal && j > i)
					continue;
				for (int c = 0; c < K; c++)
				{
					int			col = hk + h * K + c;
					double		k = bqkv ? bqkv[col] : 0.0;

					for (int e = 0; e < D; e++)
						k += (double) x[(size_t) j * D + e] * wqkv[(size_t) e * 3 * hk + col];
					dot += q[c] * k;
				}
				s[j] = dot / sqrt((double) K);
				mx = s[j] > mx ? s[j] : mx;
			}
			for (int j = 0; j < T; j++)
				if (!(causal && j > i))
				{
					s[j] = exp(s[j] - mx);
					sum += s[j];
				}
			for (int c = 0; c < K; c++)
			{
				double		acc = 0.0;

				for (int j = 0; j < T; j++)
				{
					int			col = 2 * hk + h * K + c;
					double		v = bqkv ? bqkv[col] : 0.0;

					if (causal && j > i)
						continue;
					for (int e = 0; e < D; e++)
						v += (double) x[(size_t) j * D + e] * wqkv[(size_t) e * 3 * hk + col];
					acc += s[j] / sum * v;
				}
				cat[i][h * K + c] = acc;
			}
		}
	for (int i = 0; i < T; i++)
		for (int e = 0; e < D; e++)
		{
			double		acc = bo ? bo[e] : 0.0;

			for (int c = 0; c < hk; c++)
				acc += cat[i][c] * wo[(size_t) c * D + e];
			y[(size_t) i * D + e] = (float) acc;
		}
}
