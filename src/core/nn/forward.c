/*-------------------------------------------------------------------------
 *
 * forward.c
 *	  Workspaces and the passes through a network: prediction, and the
 *	  training forward and backward passes.
 *
 * A workspace is one allocation carved into 64-byte aligned buffers
 * (llm.c style), sized once for max_batch rows, so no pass allocates.
 * Prediction alternates between two buffers (ping, pong) as wide as the
 * widest layer and writes the last layer straight into the caller's
 * output; it needs nothing else, which keeps a one-row workspace for
 * pgdl.predict small and a one-row pass free of memsets.  Training keeps
 * every layer's output for the backward pass (pass-through layers -
 * flatten, reshape, dropout at rate 0 - point at their input instead),
 * plus what the backward passes need (dense pre-activations for gelu,
 * dropout masks, norm statistics), the parameter gradients, the
 * optimizer's moments and two activation-gradient buffers: dense, conv and
 * pooling layers write their input gradient into the other buffer, every
 * other layer works in place.  Conv layers share one im2col buffer sized
 * for the largest of them.  Only a training workspace holds training
 * memory.
 *
 * src/core/nn/forward.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <string.h>

#include "nn_kernels.h"

#define WS_ALIGN 64

/* ---- carving the workspace ---- */

typedef struct carver
{
	char	   *base;			/* NULL while measuring */
	size_t		used;
	bool		overflow;
} carver;

static void *
carve(carver *c, size_t count, size_t elem)
{
	size_t		bytes;
	void	   *p;

	if (__builtin_mul_overflow(count, elem, &bytes) ||
		__builtin_add_overflow(bytes, WS_ALIGN - 1, &bytes))
	{
		c->overflow = true;
		return NULL;
	}
	bytes &= ~(size_t) (WS_ALIGN - 1);
	p = c->base && !c->overflow ? c->base + c->used : NULL;
	if (__builtin_add_overflow(c->used, bytes, &c->used))
		c->overflow = true;
	return p;
}

/* rows * n without overflow, or SIZE_MAX (which carve then refuses) */
static size_t
times(size_t rows, size_t n)
{
	size_t		r;

	return __builtin_mul_overflow(rows, n, &r) ? SIZE_MAX : r;
}

static int
last_dim(const dl_shape *s)
{
	return s->dim[s->ndim - 1];
}

/* batchnorm's view of its input as (outer, c, inner) for n rows */
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
		*c = last_dim(s);
		*inner = 1;
		*outer = n * (size / *c);
	}
}

/* the activation layer i applies: none at the end when the loss takes it */
static dl_activation
layer_activation(const dl_network *net, int i, bool skip_last_act)
{
	if (i == net->n_layers - 1 && skip_last_act)
		return DL_ACT_LINEAR;
	return net->layers[i].spec.activation;
}

/* rows of a dense layer's matrices: the batch times the leading dimensions */
static int
dense_rows(const dl_layer *l, int n)
{
	return n * (int) (dl_shape_size(&l->in_shape) / last_dim(&l->in_shape));
}

static bool
passes_through(const dl_layer *l)
{
	return l->spec.type == DL_LAYER_FLATTEN || l->spec.type == DL_LAYER_RESHAPE ||
		(l->spec.type == DL_LAYER_DROPOUT && l->spec.rate == 0.0f);
}

/*
 * Lays out a workspace: with c->base NULL only measures, otherwise points
 * ws's buffers into the block.
 */
static void
layout(const dl_network *net, size_t max_batch, dl_ws_mode mode, carver *c, dl_workspace *ws)
{
	size_t		in_size = dl_shape_size(&net->input_shape);
	size_t		widest = in_size;
	size_t		stat = 1;
	size_t		channels = 1;
	size_t		col = 0;
	size_t		rnn = 0;
	size_t		attn = 0;

	for (int i = 0; i < net->n_layers; i++)
	{
		const dl_layer *l = &net->layers[i];
		size_t		out = dl_shape_size(&l->out_shape);

		widest = out > widest ? out : widest;
		col = dl_conv_col_size(l, max_batch) > col ? dl_conv_col_size(l, max_batch) : col;
		rnn = dl_rnn_scratch_size(l) > rnn ? dl_rnn_scratch_size(l) : rnn;
		{
			size_t		a = dl_attn_scratch_size(l, mode == DL_WS_TRAIN);

			attn = a > attn ? a : attn;
		}
		if (l->spec.type == DL_LAYER_BATCHNORM)
		{
			size_t		outer,
						inner;
			int			ch;

			bn_view(l, 1, &outer, &ch, &inner);
			channels = (size_t) ch > channels ? (size_t) ch : channels;
			stat = (size_t) ch > stat ? (size_t) ch : stat;
		}
		else if (l->spec.type == DL_LAYER_LAYERNORM)
		{
			size_t		rows = times(max_batch, out / last_dim(&l->out_shape));

			stat = rows > stat ? rows : stat;
		}
	}

	ws->ping = carve(c, times(max_batch, widest), sizeof(float));
	ws->pong = carve(c, times(max_batch, widest), sizeof(float));
	ws->stat_a = carve(c, stat, sizeof(float));
	ws->stat_b = carve(c, stat, sizeof(float));
	ws->acc = carve(c, 2 * channels, sizeof(double));
	if (col > 0)
		ws->col = carve(c, col, sizeof(float));
	if (rnn > 0)
		ws->rnn = carve(c, times(max_batch, rnn), sizeof(float));
	if (attn > 0)
		ws->attn = carve(c, times(max_batch, attn), sizeof(float));
	if (mode == DL_WS_PREDICT)
		return;

	ws->x = carve(c, times(max_batch, in_size), sizeof(float));
	ws->y = carve(c, max_batch, sizeof(float));
	ws->logits = carve(c, times(max_batch, dl_shape_size(&net->output_shape)), sizeof(float));
	if (mode == DL_WS_EVALUATE)
		return;

	ws->layer = carve(c, net->n_layers, sizeof(dl_layer_ws));
	for (int i = 0; i < net->n_layers; i++)
	{
		const dl_layer *l = &net->layers[i];
		dl_layer_ws lw = {0};
		size_t		out = times(max_batch, dl_shape_size(&l->out_shape));

		if (!passes_through(l))
			lw.buf = carve(c, out, sizeof(float));
		switch (l->spec.type)
		{
			case DL_LAYER_DENSE:
			case DL_LAYER_CONV2D:
			case DL_LAYER_CONV1D:
				if (dl_act_needs_input(l->spec.activation, l->spec.alpha))
					lw.z = carve(c, out, sizeof(float));
				break;
			case DL_LAYER_LSTM:
			case DL_LAYER_GRU:
				{
					/* a bidirectional layer keeps both directions, and its states apart from y */
					size_t		dirs = l->spec.bidirectional ? 2 : 1;
					size_t		tu = times(dirs * max_batch, times(l->in_shape.dim[0], l->spec.units));

					lw.gates = carve(c, times(dirs * max_batch,
											  times(l->in_shape.dim[0], dl_rnn_gates(l))),
									 sizeof(float));
					lw.cells = carve(c, tu, sizeof(float));
					if (!l->spec.return_sequences || l->spec.bidirectional)
						lw.hseq = carve(c, tu, sizeof(float));
					break;
				}
			case DL_LAYER_DROPOUT:
				if (l->spec.rate > 0.0f)
					lw.mask = carve(c, out, sizeof(float));
				break;
			case DL_LAYER_ATTENTION:
			case DL_LAYER_TRANSFORMER_ENCODER:
				lw.saved = carve(c, times(max_batch, dl_attn_saved_size(l)), sizeof(float));
				break;
			case DL_LAYER_BATCHNORM:
				{
					size_t		outer,
								inner;
					int			ch;

					bn_view(l, 1, &outer, &ch, &inner);
					lw.mean = carve(c, ch, sizeof(float));
					lw.invstd = carve(c, ch, sizeof(float));
					break;
				}
			case DL_LAYER_LAYERNORM:
				{
					size_t		rows = times(max_batch, dl_shape_size(&l->out_shape) / last_dim(&l->out_shape));

					lw.mean = carve(c, rows, sizeof(float));
					lw.invstd = carve(c, rows, sizeof(float));
					break;
				}
			default:
				break;
		}
		if (ws->layer)
			ws->layer[i] = lw;
	}
	ws->grads = carve(c, net->n_params, sizeof(float));
	ws->m = carve(c, net->n_params, sizeof(float));
	ws->v = carve(c, net->n_params, sizeof(float));
	ws->d0 = carve(c, times(max_batch, widest), sizeof(float));
	ws->d1 = carve(c, times(max_batch, widest), sizeof(float));
}

static size_t
workspace_size(const dl_network *net, int max_batch, dl_ws_mode mode, bool *overflow)
{
	carver		c = {NULL, 0, false};
	dl_workspace scratch;

	memset(&scratch, 0, sizeof(scratch));
	carve(&c, 1, sizeof(dl_workspace));
	layout(net, (size_t) max_batch, mode, &c, &scratch);
	*overflow = c.overflow || c.used > SIZE_MAX - WS_ALIGN;
	return c.used + WS_ALIGN;	/* room to align the block's start */
}

size_t
dl_workspace_bytes(const dl_network *net, int max_batch, bool training)
{
	bool		overflow;
	size_t		size;

	if (max_batch < 1)
		return 0;
	size = workspace_size(net, max_batch, training ? DL_WS_TRAIN : DL_WS_PREDICT, &overflow);
	return overflow ? SIZE_MAX : size;
}

dl_status
dl_workspace_create_mode(const dl_network *net, int max_batch, dl_ws_mode mode,
						 dl_workspace **wsp)
{
	bool		overflow;
	size_t		size;
	char	   *block;
	carver		c;
	dl_workspace *ws;

	*wsp = NULL;
	if (max_batch < 1)
		return dl_error(DL_EINVAL, "a workspace needs at least one row, got %d", max_batch);
	size = workspace_size(net, max_batch, mode, &overflow);
	if (overflow)
		return dl_error(DL_ELIMIT, "the workspace for %d rows is too large", max_batch);
	block = dl_alloc(size);
	c.base = (char *) (((uintptr_t) block + WS_ALIGN - 1) & ~(uintptr_t) (WS_ALIGN - 1));
	c.used = 0;
	c.overflow = false;
	ws = (dl_workspace *) c.base;
	carve(&c, 1, sizeof(dl_workspace));
	memset(ws, 0, sizeof(*ws));
	ws->block = block;
	ws->max_batch = max_batch;
	ws->mode = mode;
	layout(net, (size_t) max_batch, mode, &c, ws);
	if (mode == DL_WS_TRAIN)
	{
		/* gradients are zeroed per batch; the optimizer's moments start at 0 */
		memset(ws->m, 0, sizeof(float) * net->n_params);
		memset(ws->v, 0, sizeof(float) * net->n_params);
		dl_rng_seed(&ws->rng, 0);
	}
	*wsp = ws;
	return DL_OK;
}

dl_status
dl_workspace_create(const dl_network *net, int max_batch, bool training, dl_workspace **ws)
{
	return dl_workspace_create_mode(net, max_batch, training ? DL_WS_TRAIN : DL_WS_PREDICT, ws);
}

void
dl_workspace_free(dl_workspace *ws)
{
	if (ws)
		dl_free(ws->block);
}

bool
dl_output_fused(const dl_network *net, dl_loss loss)
{
	const dl_layer *l = &net->layers[net->n_layers - 1];

	if (l->spec.type != DL_LAYER_DENSE && l->spec.type != DL_LAYER_ACTIVATION)
		return false;
	return (loss == DL_LOSS_CE && l->spec.activation == DL_ACT_SOFTMAX) ||
		(loss == DL_LOSS_BCE && l->spec.activation == DL_ACT_SIGMOID);
}

/* ---- forward passes ---- */

/*
 * Runs layer i on n rows of cur into dst and returns its output: dst, or
 * cur for a layer that passes its input through.  Training uses batch
 * statistics and dropout and keeps what the backward pass needs in
 * ws->layer[i]; prediction uses the running statistics and the shared
 * scratch.
 */
static const float *
layer_forward(dl_network *net, dl_workspace *ws, int i, const float *cur, float *dst,
			  int n, bool skip_last_act, bool training)
{
	const dl_layer *l = &net->layers[i];
	dl_layer_ws *lw = training ? &ws->layer[i] : NULL;
	float	   *p = net->params + l->param_offset;
	float	   *mean = training ? lw->mean : ws->stat_a;
	float	   *invstd = training ? lw->invstd : ws->stat_b;
	size_t		size = dl_shape_size(&l->out_shape);
	dl_activation act = layer_activation(net, i, skip_last_act);

	switch (l->spec.type)
	{
		case DL_LAYER_DENSE:
			{
				int			in = last_dim(&l->in_shape);
				int			units = l->spec.units;
				float	   *z = training && dl_act_needs_input(act, l->spec.alpha) ? lw->z : NULL;

				dl_dense_forward(dst, z, cur, p, l->spec.use_bias ? p + (size_t) in * units : NULL,
								 dense_rows(l, n), in, units, act, l->spec.alpha);
				return dst;
			}
		case DL_LAYER_ACTIVATION:
			{
				int			cols = last_dim(&l->out_shape);

				if (act == DL_ACT_LINEAR)
					return cur;
				dl_act_forward(dst, cur, (size_t) n * size / cols, cols, act, l->spec.alpha);
				return dst;
			}
		case DL_LAYER_DROPOUT:
			/* the identity when predicting (inverted dropout) */
			if (!training || !lw->mask)
				return cur;
			dl_dropout_mask(lw->mask, (size_t) n * size, l->spec.rate, &ws->rng);
			dl_dropout_forward(dst, cur, lw->mask, (size_t) n * size);
			return dst;
		case DL_LAYER_BATCHNORM:
			{
				size_t		outer,
							inner;
				int			c;

				bn_view(l, n, &outer, &c, &inner);
				dl_batchnorm_forward(dst, mean, invstd, ws->acc, p,
									 training ? p + 2 * (size_t) c : NULL,
									 cur, outer, c, inner, l->spec.epsilon, l->spec.momentum);
				return dst;
			}
		case DL_LAYER_LAYERNORM:
			{
				int			f = last_dim(&l->out_shape);

				dl_layernorm_forward(dst, mean, invstd, cur, p, (size_t) n * size / f, f,
									 l->spec.epsilon);
				return dst;
			}
		case DL_LAYER_CONV2D:
		case DL_LAYER_CONV1D:
			{
				dl_conv_geom g;
				size_t		nw = l->n_trainable - (l->spec.use_bias ? l->spec.filters : 0);
				float	   *z = training && dl_act_needs_input(act, l->spec.alpha) ? lw->z : NULL;
				const float *b = l->spec.use_bias ? p + nw : NULL;

				dl_conv_geometry(l, &g);
				if (l->spec.type == DL_LAYER_CONV2D)
					dl_conv2d_forward(dst, z, cur, p, b, ws->col, n, &g, act, l->spec.alpha);
				else
					dl_conv1d_forward(dst, z, cur, p, b, ws->col, n, &g, act, l->spec.alpha);
				return dst;
			}
		case DL_LAYER_MAXPOOL2D:
		case DL_LAYER_AVGPOOL2D:
		case DL_LAYER_MAXPOOL1D:
			{
				dl_conv_geom g;

				dl_conv_geometry(l, &g);
				if (l->spec.type == DL_LAYER_MAXPOOL2D)
					dl_maxpool2d_forward(dst, cur, n, &g);
				else if (l->spec.type == DL_LAYER_AVGPOOL2D)
					dl_avgpool2d_forward(dst, cur, n, &g);
				else
					dl_maxpool1d_forward(dst, cur, n, &g);
				return dst;
			}
		case DL_LAYER_LSTM:
		case DL_LAYER_GRU:
			{
				int			T = l->in_shape.dim[0];
				int			F = l->in_shape.dim[1];
				int			U = l->spec.units;
				bool		seq = l->spec.return_sequences;
				size_t		ntu = (size_t) n * T * U;
				float	   *gates,
						   *cells,
						   *h,
						   *tmp;

				if (l->spec.bidirectional)
				{
					if (training)
						dl_birnn_forward(l, dst, lw->gates, lw->cells, lw->hseq, ws->rnn, cur, p, n);
					else
					{
						/* scratch: both directions' gates, cells and states, then the rest */
						gates = ws->rnn;
						cells = gates + 2 * (size_t) n * T * dl_rnn_gates(l);
						h = cells + 2 * ntu;
						dl_birnn_forward(l, dst, gates, cells, h, h + 2 * ntu, cur, p, n);
					}
					return dst;
				}
				if (training)
				{
					gates = lw->gates;
					cells = lw->cells;
					h = seq ? dst : lw->hseq;
					tmp = ws->rnn;
				}
				else
				{
					/* scratch: gates, cells, states, one step's product */
					gates = ws->rnn;
					cells = gates + (size_t) n * T * dl_rnn_gates(l);
					h = seq ? dst : cells + ntu;
					tmp = cells + 2 * ntu;
				}
				if (l->spec.type == DL_LAYER_LSTM)
					dl_lstm_forward(dst, gates, cells, h, tmp, cur, p, n, T, F, U, seq);
				else
					dl_gru_forward(dst, gates, cells, h, tmp, cur, p, n, T, F, U, seq);
				return dst;
			}
		case DL_LAYER_ATTENTION:
		case DL_LAYER_TRANSFORMER_ENCODER:
			dl_attn_forward(l, dst, training ? lw->saved : NULL, ws->attn, cur, p, n,
							training ? &ws->rng : NULL);
			return dst;
		case DL_LAYER_POSITIONAL_ENCODING:
			dl_posenc_forward(dst, cur, p, n, size);
			return dst;
		case DL_LAYER_EMBEDDING:
			dl_embedding_forward(dst, cur, p, (size_t) n * l->in_shape.dim[0], l->spec.input_dim,
								 l->spec.output_dim);
			return dst;
		case DL_LAYER_GLOBAL_AVGPOOL:
			{
				bool		last = l->in_shape.ndim == 2;
				int			c = (int) size;

				dl_global_avgpool_forward(dst, cur, n, c, (int) (dl_shape_size(&l->in_shape) / c), last);
				return dst;
			}
		default:
			/* flatten, reshape */
			return cur;
	}
}

void
dl_forward_infer(const dl_network *net, dl_workspace *ws, const float *x,
				 int n, float *out, bool skip_last_act)
{
	const float *cur = x;
	/* prediction writes no parameter: running statistics are only read */
	dl_network *mnet = (dl_network *) net;

	for (int i = 0; i < net->n_layers; i++)
	{
		float	   *dst = i == net->n_layers - 1 ? out : (cur == ws->ping ? ws->pong : ws->ping);

		cur = layer_forward(mnet, ws, i, cur, dst, n, skip_last_act, false);
	}
	if (cur != out)
		memcpy(out, cur, sizeof(float) * dl_shape_size(&net->output_shape) * n);
}

void
dl_network_predict(const dl_network *net, dl_workspace *ws, const float *x, int n, float *out)
{
	size_t		in_size = dl_shape_size(&net->input_shape);
	size_t		out_size = dl_shape_size(&net->output_shape);

	/* more rows than the workspace holds: in chunks, rather than failing */
	for (int done = 0; done < n; done += ws->max_batch)
	{
		int			rows = n - done < ws->max_batch ? n - done : ws->max_batch;

		dl_forward_infer(net, ws, x + (size_t) done * in_size, rows,
						 out + (size_t) done * out_size, false);
	}
}

const float *
dl_forward_train(dl_network *net, dl_workspace *ws, const float *x, int n, bool skip_last_act)
{
	const float *cur = x;

	for (int i = 0; i < net->n_layers; i++)
	{
		dl_layer_ws *lw = &ws->layer[i];

		lw->in = cur;
		lw->out = layer_forward(net, ws, i, cur, lw->buf, n, skip_last_act, true);
		cur = lw->out;
	}
	return cur;
}

/* ---- backward pass ---- */

void
dl_backward(const dl_network *net, dl_workspace *ws, int n, bool skip_last_act, float *dx)
{
	float	   *d = ws->d0;
	float	   *other = ws->d1;
	int			first = 0;

	/* input gradients are needed down to the first layer with parameters */
	if (!dx)
		while (first < net->n_layers && net->layers[first].n_trainable == 0)
			first++;

	for (int i = net->n_layers - 1; i >= first; i--)
	{
		const dl_layer *l = &net->layers[i];
		dl_layer_ws *lw = &ws->layer[i];
		const float *p = net->params + l->param_offset;
		float	   *g = ws->grads + l->param_offset;
		bool		need_dx = i > first || dx;
		size_t		size = dl_shape_size(&l->out_shape);
		dl_activation act = layer_activation(net, i, skip_last_act);

		switch (l->spec.type)
		{
			case DL_LAYER_DENSE:
				{
					int			in = last_dim(&l->in_shape);
					int			units = l->spec.units;
					float	   *t;

					dl_dense_backward(need_dx ? other : NULL, g,
									  l->spec.use_bias ? g + (size_t) in * units : NULL, d,
									  lw->in, lw->out, lw->z, p, dense_rows(l, n), in, units, act,
									  l->spec.alpha);
					t = d;
					d = other;
					other = t;
					break;
				}
			case DL_LAYER_ACTIVATION:
				{
					int			cols = last_dim(&l->out_shape);

					if (need_dx && act != DL_ACT_LINEAR)
						dl_act_backward(d, d, lw->in, lw->out, (size_t) n * size / cols, cols,
										act, l->spec.alpha);
					break;
				}
			case DL_LAYER_DROPOUT:
				if (need_dx && lw->mask)
					dl_dropout_backward(d, d, lw->mask, (size_t) n * size);
				break;
			case DL_LAYER_BATCHNORM:
				{
					size_t		outer,
								inner;
					int			c;

					bn_view(l, n, &outer, &c, &inner);
					dl_batchnorm_backward(d, g, ws->acc, d, lw->in, lw->mean, lw->invstd, p,
										  outer, c, inner);
					break;
				}
			case DL_LAYER_LAYERNORM:
				{
					int			f = last_dim(&l->out_shape);

					dl_layernorm_backward(d, g, d, lw->in, lw->mean, lw->invstd, p,
										  (size_t) n * size / f, f);
					break;
				}
			case DL_LAYER_CONV2D:
			case DL_LAYER_CONV1D:
				{
					dl_conv_geom geo;
					size_t		nw = l->n_trainable - (l->spec.use_bias ? l->spec.filters : 0);
					float	   *db = l->spec.use_bias ? g + nw : NULL;
					float	   *dxo = need_dx ? other : NULL;
					float	   *t;

					dl_conv_geometry(l, &geo);
					if (l->spec.type == DL_LAYER_CONV2D)
						dl_conv2d_backward(dxo, g, db, d, lw->in, lw->out, lw->z, p, ws->col,
										   n, &geo, act, l->spec.alpha);
					else
						dl_conv1d_backward(dxo, g, db, d, lw->in, lw->out, lw->z, p, ws->col,
										   n, &geo, act, l->spec.alpha);
					t = d;
					d = other;
					other = t;
					break;
				}
			case DL_LAYER_LSTM:
			case DL_LAYER_GRU:
				{
					int			T = l->in_shape.dim[0];
					int			F = l->in_shape.dim[1];
					bool		seq = l->spec.return_sequences;
					const float *h = seq ? lw->buf : lw->hseq;
					float	   *t;

					if (l->spec.bidirectional)
						dl_birnn_backward(l, need_dx ? other : NULL, g, d, lw->in, p, lw->gates,
										  lw->cells, lw->hseq, ws->rnn, n);
					else if (l->spec.type == DL_LAYER_LSTM)
						dl_lstm_backward(need_dx ? other : NULL, g, d, lw->in, p, lw->gates,
										 lw->cells, h, ws->rnn, n, T, F, l->spec.units, seq);
					else
						dl_gru_backward(need_dx ? other : NULL, g, d, lw->in, p, lw->gates,
										lw->cells, h, ws->rnn, n, T, F, l->spec.units, seq);
					t = d;
					d = other;
					other = t;
					break;
				}
			case DL_LAYER_ATTENTION:
			case DL_LAYER_TRANSFORMER_ENCODER:
				{
					float	   *t;

					dl_attn_backward(l, need_dx ? other : NULL, g, d, lw->in, p, lw->saved,
									 ws->attn, n);
					t = d;
					d = other;
					other = t;
					break;
				}
			case DL_LAYER_POSITIONAL_ENCODING:
				/* dx = dy; a learned table gathers dy over the batch */
				if (l->spec.learned)
					for (int r = 0; r < n; r++)
					{
						const float *restrict dr = d + (size_t) r * size;

						for (size_t k = 0; k < size; k++)
							g[k] += dr[k];
					}
				break;
			case DL_LAYER_EMBEDDING:
				{
					size_t		rows = (size_t) n * l->in_shape.dim[0];

					dl_embedding_backward(g, d, lw->in, rows, l->spec.input_dim, l->spec.output_dim);
					/* token ids have no gradient: the input gradient is 0 */
					if (need_dx)
						memset(d, 0, sizeof(float) * rows);
					break;
				}
			case DL_LAYER_MAXPOOL2D:
			case DL_LAYER_AVGPOOL2D:
			case DL_LAYER_MAXPOOL1D:
			case DL_LAYER_GLOBAL_AVGPOOL:
				{
					dl_conv_geom geo;
					float	   *t;

					if (!need_dx)
						break;
					if (l->spec.type == DL_LAYER_MAXPOOL2D && i - 1 >= first &&
						net->layers[i - 1].spec.type == DL_LAYER_CONV2D)
					{
						/*
						 * A conv2d then its max pool: both at once, image by
						 * image (dl_conv2d_maxpool_backward), so the conv's
						 * output gradient is never written for the batch.
						 */
						const dl_layer *cl = &net->layers[i - 1];
						dl_layer_ws *cw = &ws->layer[i - 1];
						size_t		nw = cl->n_trainable - (cl->spec.use_bias ? cl->spec.filters : 0);
						float	   *cg = ws->grads + cl->param_offset;
						dl_conv_geom cgeo;

						dl_conv_geometry(l, &geo);
						dl_conv_geometry(cl, &cgeo);
						dl_conv2d_maxpool_backward(i - 1 > first || dx ? other : NULL, cg,
												   cl->spec.use_bias ? cg + nw : NULL, d, &geo,
												   cw->in, cw->out, cw->z,
												   net->params + cl->param_offset, ws->col, n, &cgeo,
												   layer_activation(net, i - 1, skip_last_act),
												   cl->spec.alpha);
						t = d;
						d = other;
						other = t;
						i--;			/* the conv layer is done */
						break;
					}
					if (l->spec.type == DL_LAYER_GLOBAL_AVGPOOL)
					{
						int			c = (int) size;

						dl_global_avgpool_backward(other, d, n, c,
												   (int) (dl_shape_size(&l->in_shape) / c),
												   l->in_shape.ndim == 2);
					}
					else
					{
						dl_conv_geometry(l, &geo);
						if (l->spec.type == DL_LAYER_MAXPOOL2D)
							dl_maxpool2d_backward(other, d, lw->in, n, &geo);
						else if (l->spec.type == DL_LAYER_AVGPOOL2D)
							dl_avgpool2d_backward(other, d, n, &geo);
						else
							dl_maxpool1d_backward(other, d, lw->in, n, &geo);
					}
					t = d;
					d = other;
					other = t;
					break;
				}
			default:
				/* flatten, reshape: the gradient passes through */
				break;
		}
	}
	if (dx)
		memcpy(dx, d, sizeof(float) * n * dl_shape_size(&net->input_shape));
}
