/*-------------------------------------------------------------------------
 *
 * attention.c
 *	  Multi-head self-attention and the transformer encoder layer, on
 *	  sequences x (n, T, D).
 *
 * Parameter layouts (the weights format stores them):
 *
 *	attention: W_qkv (D, 3 H K), b_qkv (3 H K), W_o (H K, D), b_o (D); the
 *	  biases only with use_bias.  The columns of W_qkv are the queries of
 *	  heads 1..H (K each), then their keys, then their values, so one sgemm
 *	  projects a whole batch and a head's q, k and v are K columns of a row
 *	  3 H K wide.  Per head, with P = softmax(q k^T / sqrt(K)) over each row
 *	  (steps after the row's own step masked out when causal) and dropout
 *	  on P while training, the head's output is P v; with a padding mask
 *	  (an embedding's mask_zero) the padded keys are left out of the
 *	  softmax as well (a row with no key left has P = 0); the heads' outputs,
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
 * Everything runs on sgemm: the projections over the whole batch (n T
 * rows), the two products of each head over its T steps.  The training
 * pass keeps what the backward pass needs in the layer's saved buffer
 * (attn_bufs below); prediction lays the same buffers out in the shared
 * scratch.
 *
 * The projections start Glorot-uniform each on its own (as Keras's
 * MultiHeadAttention), the feed-forward as dense layers, the layernorms 1
 * and 0.  The sizes left to the input (key_dim, ff_dim) are resolved by
 * the plan and stored.  The weights record: heads, key_dim (u32 each),
 * causal (u8), the dropout rate (f32); then attention use_bias (u8);
 * transformer_encoder ff_dim, activation (u32 each), alpha (f32),
 * norm_first (u8), epsilon (f32).
 *
 * src/core/nn/attention.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "layers.h"

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
	const uint8_t *mask;		/* (n, T): the real steps (keys) of each row, or NULL */
} attn_dims;

static void
dims_of(const dl_layer *l, attn_dims *d)
{
	const dl_attention_spec *s = &l->spec.attention;

	d->T = l->in_shape.dim[0];
	d->D = l->in_shape.dim[1];
	d->H = s->heads;
	d->K = s->key_dim;
	d->transformer = l->spec.type == DL_LAYER_TRANSFORMER_ENCODER;
	d->FF = d->transformer ? s->ff_dim : 0;
	d->causal = s->causal;
	d->bias = d->transformer || s->use_bias;
	d->norm_first = s->norm_first;
	d->mask = NULL;
	d->rate = s->rate;
	d->epsilon = s->epsilon;
	d->act = s->activation;
	d->alpha = s->alpha;
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
 * softmax_rows with the keys that km (T) marks 0 left out: P = 0 there,
 * and a row with no key left is all 0
 */
static void
softmax_rows_masked(float *s, int T, bool causal, const uint8_t *km)
{
	for (int i = 0; i < T; i++)
	{
		float	   *restrict r = s + (size_t) i * T;
		int			len = causal ? i + 1 : T;
		float		mx = -INFINITY;
		float		sum = 0.0f;

		for (int j = 0; j < len; j++)
			if (km[j] && r[j] > mx)
				mx = r[j];
		for (int j = 0; j < len; j++)
		{
			r[j] = km[j] ? expf(r[j] - mx) : 0.0f;
			sum += r[j];
		}
		if (sum > 0.0f)
		{
			float		inv = 1.0f / sum;

			for (int j = 0; j < len; j++)
				r[j] *= inv;
		}
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
			if (d->mask)
				softmax_rows_masked(P, T, d->causal, d->mask + (size_t) r * T);
			else
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
				const float *x, const float *p, const uint8_t *mask, int n, dl_rng *rng)
{
	attn_dims	d;
	attn_bufs	b;
	tf_params	t;
	int			rows;
	size_t		rd;
	bool		training = saved != NULL;

	dims_of(l, &d);
	d.mask = mask;
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

/* ---- the layers ---- */

enum
{
	K_ACTIVATION,
	K_USE_BIAS,
	K_ALPHA,
	K_EPSILON,
	K_HEADS,
	K_KEY_DIM,
	K_CAUSAL,
	K_DROPOUT,
	K_FF_DIM,
	K_NORM_FIRST
};

/* every key, in the order messages list them; each type takes a subset */
static const char *const all_keys[] = {
	"activation", "use_bias", "alpha", "epsilon", "heads", "key_dim", "causal", "dropout",
	"ff_dim", "norm_first"
};

static const char *const attention_keys[] = {"use_bias", "heads", "key_dim", "causal", "dropout"};
static const char *const transformer_keys[] = {
	"activation", "alpha", "epsilon", "heads", "key_dim", "causal", "dropout", "ff_dim",
	"norm_first"
};

static void
attention_defaults(dl_layer_spec *s)
{
	dl_attention_spec *a = &s->attention;

	a->heads = 1;
	a->use_bias = true;
	a->activation = DL_ACT_LINEAR;
	a->alpha = 0.01f;
	a->epsilon = 1e-5f;
}

/* as PyTorch's nn.TransformerEncoderLayer */
static void
transformer_defaults(dl_layer_spec *s)
{
	attention_defaults(s);
	s->attention.activation = DL_ACT_RELU;
	s->attention.rate = 0.1f;
}

/* the value of key (of all_keys) */
static dl_status
attention_parse(dl_layer_spec *s, int key, const dl_json *v, const char *subject)
{
	dl_attention_spec *a = &s->attention;

	switch (key)
	{
		case K_ACTIVATION:
			return dl_parse_activation(v, subject, &a->activation);
		case K_USE_BIAS:
			return dl_want_bool(v, subject, &a->use_bias);
		case K_ALPHA:
			return dl_parse_alpha(v, subject, &a->alpha);
		case K_EPSILON:
			return dl_parse_epsilon(v, subject, &a->epsilon);
		case K_HEADS:
			return dl_want_int(v, subject, 1, DL_MAX_UNITS, &a->heads);
		case K_KEY_DIM:
			return dl_want_int(v, subject, 1, DL_MAX_UNITS, &a->key_dim);
		case K_CAUSAL:
			return dl_want_bool(v, subject, &a->causal);
		case K_DROPOUT:
			return dl_parse_rate(v, subject, &a->rate);
		case K_FF_DIM:
			return dl_want_int(v, subject, 1, DL_MAX_UNITS, &a->ff_dim);
	}
	return dl_want_bool(v, subject, &a->norm_first);
}

/* keys[key] as an index of all_keys */
static int
key_index(const char *const *keys, int key)
{
	for (int k = 0; k < DL_LENGTH(all_keys); k++)
		if (strcmp(all_keys[k], keys[key]) == 0)
			return k;
	return -1;
}

static dl_status
attention_parse_key(dl_layer_spec *s, int key, const dl_json *v, const char *subject)
{
	return attention_parse(s, key_index(attention_keys, key), v, subject);
}

static dl_status
transformer_parse_key(dl_layer_spec *s, int key, const dl_json *v, const char *subject)
{
	return attention_parse(s, key_index(transformer_keys, key), v, subject);
}

/* transformer_keys: activation 0, alpha 1 */
static dl_status
transformer_parse_done(dl_layer_spec *s, unsigned given, int pos, bool last)
{
	return dl_parse_check_alpha(given & (1u << 1), given & (1u << 0), s->attention.activation,
								pos, "transformer_encoder");
}

/* the keys both types write */
static void
attention_common_to_json(dl_json_buf *b, const dl_attention_spec *a)
{
	dl_json_put_int(b, "heads", a->heads);
	/* 0: D / heads, from the input; a planned network's specs hold the size */
	if (a->key_dim > 0)
		dl_json_put_int(b, "key_dim", a->key_dim);
	dl_json_put_bool(b, "causal", a->causal);
	dl_json_put_float(b, "dropout", a->rate);
}

static void
attention_to_json(dl_json_buf *b, const dl_layer_spec *s)
{
	attention_common_to_json(b, &s->attention);
	dl_json_put_bool(b, "use_bias", s->attention.use_bias);
}

static void
transformer_to_json(dl_json_buf *b, const dl_layer_spec *s)
{
	const dl_attention_spec *a = &s->attention;

	attention_common_to_json(b, a);
	if (a->ff_dim > 0)
		dl_json_put_int(b, "ff_dim", a->ff_dim);
	dl_json_put_activation(b, a->activation, a->alpha);
	dl_json_put_bool(b, "norm_first", a->norm_first);
	dl_json_put_float(b, "epsilon", a->epsilon);
}

static void
attention_common_write(dl_writer *w, const dl_attention_spec *a)
{
	dl_put_u32(w, (uint32_t) a->heads);
	dl_put_u32(w, (uint32_t) a->key_dim);
	dl_put_bool(w, a->causal);
	dl_put_f32(w, a->rate);
}

static void
attention_write(dl_writer *w, const dl_layer_spec *s)
{
	attention_common_write(w, &s->attention);
	dl_put_bool(w, s->attention.use_bias);
}

static void
transformer_write(dl_writer *w, const dl_layer_spec *s)
{
	const dl_attention_spec *a = &s->attention;

	attention_common_write(w, a);
	dl_put_u32(w, (uint32_t) a->ff_dim);
	dl_put_u32(w, (uint32_t) a->activation);
	dl_put_f32(w, a->alpha);
	dl_put_bool(w, a->norm_first);
	dl_put_f32(w, a->epsilon);
}

static dl_status
attention_common_read(dl_reader *r, dl_attention_spec *a)
{
	dl_status	st;

	/* ranges below 1 and rates are dl_network_plan's to report */
	if ((st = dl_get_count(r, DL_MAX_UNITS, "an attention's heads", &a->heads)) != DL_OK ||
		(st = dl_get_count(r, DL_MAX_UNITS, "an attention's key_dim", &a->key_dim)) != DL_OK ||
		(st = dl_get_bool(r, &a->causal)) != DL_OK ||
		(st = dl_get_f32(r, &a->rate)) != DL_OK)
		return st;
	/* sizes are stored resolved (by the plan): 0 would be a second encoding */
	if (a->key_dim == 0)
		return dl_error(DL_EFORMAT, "invalid model: an attention's key_dim is 0");
	return DL_OK;
}

static dl_status
attention_read(dl_reader *r, dl_layer_spec *s)
{
	dl_status	st = attention_common_read(r, &s->attention);

	return st == DL_OK ? dl_get_bool(r, &s->attention.use_bias) : st;
}

static dl_status
transformer_read(dl_reader *r, dl_layer_spec *s)
{
	dl_attention_spec *a = &s->attention;
	dl_status	st;

	if ((st = attention_common_read(r, a)) != DL_OK ||
		(st = dl_get_count(r, DL_MAX_UNITS, "a transformer's ff_dim", &a->ff_dim)) != DL_OK)
		return st;
	if (a->ff_dim == 0)
		return dl_error(DL_EFORMAT, "invalid model: a transformer's ff_dim is 0");
	if ((st = dl_get_activation(r, &a->activation)) != DL_OK ||
		(st = dl_get_f32(r, &a->alpha)) != DL_OK ||
		(st = dl_get_bool(r, &a->norm_first)) != DL_OK)
		return st;
	return dl_get_f32(r, &a->epsilon);
}

/* sizes are stored resolved (by the plan), so that a model has one encoding */
static dl_status
check_resolved(const dl_layer_spec *s, int pos, dl_status bad, bool transformer)
{
	const dl_attention_spec *a = &s->attention;

	if (a->key_dim < 1 || (transformer && a->ff_dim < 1))
		return dl_model_error(bad, "layer %d (%s) has key_dim %d and ff_dim %d, not resolved sizes",
							  pos, dl_layer_type_name(s->type), a->key_dim, a->ff_dim);
	return DL_OK;
}

static dl_status
attention_check(const dl_layer_spec *s, int pos, dl_status bad)
{
	return check_resolved(s, pos, bad, false);
}

static dl_status
transformer_check(const dl_layer_spec *s, int pos, dl_status bad)
{
	const dl_attention_spec *a = &s->attention;
	dl_status	st;

	if ((st = dl_check_activation(a->activation, a->alpha, pos, "transformer_encoder", bad)) != DL_OK ||
		(st = check_resolved(s, pos, bad, true)) != DL_OK)
		return st;
	return dl_check_epsilon(a->epsilon, pos, "transformer_encoder", bad);
}

/*
 * On (T, D), the output is the input's shape; key_dim 0 becomes D / heads
 * and ff_dim 0 becomes 4 D in l->spec, so that the weights record the
 * sizes used.  The parameters: W_qkv, W_o, their biases; the transformer's
 * two layernorms and feed-forward after them.
 */
static dl_status
attention_plan(dl_layer *l, int pos, dl_status bad)
{
	dl_attention_spec *s = &l->spec.attention;
	const char *name = dl_layer_type_name(l->spec.type);
	bool		tf = l->spec.type == DL_LAYER_TRANSFORMER_ENCODER;
	size_t		d,
				hk,
				n;
	dl_status	st;

	if ((st = dl_plan_sequence(l, pos, bad)) != DL_OK)
		return st;
	d = (size_t) l->in_shape.dim[1];
	if (s->heads < 1 || s->heads > DL_MAX_UNITS)
		return dl_error(bad, "layer %d (%s): heads must be between 1 and %d", pos, name, DL_MAX_UNITS);
	if (s->key_dim == 0)
	{
		if (d % s->heads != 0)
			return dl_error(bad, "layer %d (%s): the model dimension %zu is not a multiple of heads (%d); set key_dim",
							pos, name, d, s->heads);
		s->key_dim = (int) d / s->heads;
	}
	if (s->key_dim < 1 || s->key_dim > DL_MAX_UNITS)
		return dl_error(bad, "layer %d (%s): key_dim must be between 1 and %d", pos, name, DL_MAX_UNITS);
	if (!(s->rate >= 0.0f && s->rate < 1.0f))
		return dl_error(bad, "layer %d (%s): dropout must be at least 0 and below 1", pos, name);
	hk = (size_t) s->heads * s->key_dim;
	if (hk > DL_MAX_UNITS)
		return dl_error(bad, "layer %d (%s): heads x key_dim is above %d", pos, name, DL_MAX_UNITS);
	/* W_qkv, W_o and their biases */
	n = d * 3 * hk + hk * d;
	if (!tf)
	{
		if (s->activation != DL_ACT_LINEAR)
			return dl_error(bad, "layer %d (attention): takes no activation", pos);
		n += s->use_bias ? 3 * hk + d : 0;
	}
	else
	{
		if (s->ff_dim == 0)
			s->ff_dim = d * 4 > DL_MAX_UNITS ? DL_MAX_UNITS : (int) d * 4;
		if (s->ff_dim < 1 || s->ff_dim > DL_MAX_UNITS)
			return dl_error(bad, "layer %d (transformer_encoder): ff_dim must be between 1 and %d",
							pos, DL_MAX_UNITS);
		if (!(s->epsilon > 0.0f))
			return dl_error(bad, "layer %d (transformer_encoder): epsilon must be positive", pos);
		if (!s->use_bias)
			return dl_error(bad, "layer %d (transformer_encoder): always has biases", pos);
		/* attention's biases, two layernorms, the feed-forward's two layers */
		n += 3 * hk + d + 4 * d + 2 * d * (size_t) s->ff_dim + (size_t) s->ff_dim + d;
	}
	l->n_trainable = l->n_params = n;
	return dl_plan_activation(s->activation, pos, name, bad);
}

static bool
attention_same_layout(const dl_layer_spec *a, const dl_layer_spec *b)
{
	return a->attention.heads == b->attention.heads &&
		a->attention.key_dim == b->attention.key_dim &&
		a->attention.ff_dim == b->attention.ff_dim &&
		a->attention.use_bias == b->attention.use_bias;
}

/*
 * The query, key, value and output projections Glorot-uniform each on its
 * own (as Keras's MultiHeadAttention; PyTorch draws Q, K and V as one
 * matrix), biases 0; the feed-forward as dense layers (He before relu);
 * layernorms 1 and 0.
 */
static void
attention_init(const dl_network *net, int i, float *p, dl_rng *rng)
{
	const dl_layer *l = &net->layers[i];
	attn_dims	dims;
	int			d = l->in_shape.dim[1];
	size_t		hk;
	int			ff;
	float	   *q = p;

	dims_of(l, &dims);
	hk = (size_t) dims.H * dims.K;
	ff = dims.FF;
	memset(p, 0, sizeof(float) * l->n_params);
	for (int block = 0; block < 3; block++)
		for (int e = 0; e < d; e++)
			dl_init_weights(q + (size_t) e * 3 * hk + block * hk, hk, d, (double) hk,
							DL_ACT_LINEAR, rng);
	q += (size_t) d * 3 * hk + (dims.bias ? 3 * hk : 0);
	dl_init_weights(q, hk * d, (double) hk, d, DL_ACT_LINEAR, rng);
	q += hk * d + (dims.bias ? (size_t) d : 0);
	if (!dims.transformer)
		return;
	for (int k = 0; k < d; k++)
		q[k] = 1.0f;
	q += 2 * (size_t) d;
	dl_init_weights(q, (size_t) d * ff, d, ff, dims.act, rng);
	q += (size_t) d * ff + ff;
	dl_init_weights(q, (size_t) ff * d, ff, d, DL_ACT_LINEAR, rng);
	q += (size_t) ff * d + d;
	for (int k = 0; k < d; k++)
		q[k] = 1.0f;
}

/* the scratch of a pass; kept for the backward pass: dl_attn_saved_size floats a row */
static void
attention_memory(const dl_layer *l, size_t max_batch, bool training, dl_layer_mem *m)
{
	m->scratch = dl_times(max_batch, dl_attn_scratch_size(l, training));
	m->keep[0] = dl_times(max_batch, dl_attn_saved_size(l));
}

static const float *
attention_forward(const dl_layer *l, const dl_pass *c, const float *x, float *y)
{
	dl_attn_forward(l, y, c->lw ? c->lw->keep[0] : NULL, c->ws->scratch, x, c->p, c->mask,
					c->n, c->lw ? &c->ws->rng : NULL);
	return y;
}

static float *
attention_backward(const dl_layer *l, const dl_pass *c, float *dy, float *dx)
{
	dl_attn_backward(l, c->need_dx ? dx : NULL, c->g, dy, c->lw->in, c->p, c->lw->keep[0],
					 c->ws->scratch, c->n);
	return dx;
}

const dl_layer_ops dl_attention_ops = {
	.name = "attention",
	.keys = attention_keys,
	.n_keys = DL_LENGTH(attention_keys),
	.defaults = attention_defaults,
	.parse_key = attention_parse_key,
	.to_json = attention_to_json,
	.write = attention_write,
	.read = attention_read,
	.check = attention_check,
	.plan = attention_plan,
	.same_layout = attention_same_layout,
	.init = attention_init,
	.memory = attention_memory,
	.keeps_mask = true,
	.forward = attention_forward,
	.backward = attention_backward
};

const dl_layer_ops dl_transformer_encoder_ops = {
	.name = "transformer_encoder",
	.keys = transformer_keys,
	.n_keys = DL_LENGTH(transformer_keys),
	.defaults = transformer_defaults,
	.parse_key = transformer_parse_key,
	.parse_done = transformer_parse_done,
	.to_json = transformer_to_json,
	.write = transformer_write,
	.read = transformer_read,
	.check = transformer_check,
	.plan = attention_plan,
	.same_layout = attention_same_layout,
	.init = attention_init,
	.memory = attention_memory,
	.keeps_mask = true,
	.forward = attention_forward,
	.backward = attention_backward
};
