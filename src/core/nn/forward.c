/*-------------------------------------------------------------------------
 *
 * forward.c
 *	  Workspaces and the passes through a network: prediction, and the
 *	  training forward and backward passes, as loops over the layers'
 *	  records in the layer table (layers.h).
 *
 * A workspace is one allocation carved into 64-byte aligned buffers
 * (llm.c style), sized once for max_batch rows, so no pass allocates.
 * Prediction alternates between two buffers (ping, pong) as wide as the
 * widest layer and writes the last layer straight into the caller's
 * output; besides them it needs only the scratch a layer uses while it
 * runs (im2col, a recurrent layer's states, attention's weights, norm
 * statistics), one buffer as large as the largest layer's, which keeps a
 * one-row workspace for pgdl.predict small and a one-row pass free of
 * memsets.  Training keeps every layer's output for the backward pass
 * (pass-through layers - flatten, reshape, dropout at rate 0 - point at
 * their input instead), plus what each layer's backward pass needs (its
 * record's memory op says how much: dense pre-activations for gelu,
 * dropout masks, norm statistics, gates), the parameter gradients, the
 * optimizer's moments and two activation-gradient buffers: a layer writes
 * its input gradient into the other buffer or works in place, as its
 * backward op says.  Only a training workspace holds training memory.
 * A network whose first layer is an embedding with mask_zero also gets
 * a byte per input value: the padding mask, built from the ids at the
 * start of each pass for the layers that read it.
 *
 * A joined network (dl_nn.h) reads each input row in two parts: a pass
 * first copies the first layer's inputs (the token ids) of its rows into
 * the workspace's ids buffer, which the first branch reads; after layer
 * join_layer it writes that layer's output followed by each row's joined
 * inputs into the join buffer, which the next layer reads (and, training,
 * keeps as its input).  The backward pass drops the joined inputs' part of
 * that layer's input gradient (they are inputs, with no parameters before
 * them) before it goes on into the branch.
 *
 * src/core/nn/forward.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <string.h>

#include "layers.h"

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

/*
 * Lays out a workspace: with c->base NULL only measures, otherwise points
 * ws's buffers into the block.
 */
static void
layout(const dl_network *net, size_t max_batch, dl_ws_mode mode, carver *c, dl_workspace *ws)
{
	bool		training = mode == DL_WS_TRAIN;
	size_t		in_size = dl_shape_size(&net->input_shape);
	size_t		branch = dl_shape_size(&net->layers[0].in_shape);
	/* the rows of a pass: the inputs other than the sparse ones */
	size_t		x_size = in_size - (size_t) net->sparse_inputs;
	size_t		widest = x_size;
	size_t		scratch = 0;

	for (int i = 0; i < net->n_layers; i++)
	{
		const dl_layer *l = &net->layers[i];
		size_t		out = dl_shape_size(&l->out_shape);

		widest = out > widest ? out : widest;
		/* a training workspace also runs prediction passes (validation) */
		for (int t = 0; t <= (training ? 1 : 0); t++)
		{
			dl_layer_mem m = {0};

			if (l->ops->memory)
				l->ops->memory(l, max_batch, t == 1, &m);
			scratch = m.scratch > scratch ? m.scratch : scratch;
		}
	}

	/* the join's width (the input of the layer after it) */
	if (net->n_joined > 0)
	{
		size_t		j = dl_shape_size(&net->layers[net->join_layer + 1].in_shape);

		widest = j > widest ? j : widest;
	}
	ws->ping = carve(c, dl_times(max_batch, widest), sizeof(float));
	ws->pong = carve(c, dl_times(max_batch, widest), sizeof(float));
	if (scratch > 0)
		ws->scratch = carve(c, scratch, sizeof(float));
	if (net->n_layers > 1 && net->layers[1].mask_in)
		ws->mask = carve(c, dl_times(max_batch, branch), 1);
	if (net->n_joined > 0)
	{
		ws->ids = carve(c, dl_times(max_batch, branch), sizeof(float));
		ws->join = carve(c, dl_times(max_batch, dl_shape_size(&net->layers[net->join_layer + 1].in_shape)),
						 sizeof(float));
	}
	if (mode == DL_WS_PREDICT)
		return;

	ws->x = carve(c, dl_times(max_batch, x_size), sizeof(float));
	ws->y = carve(c, max_batch, sizeof(float));
	ws->logits = carve(c, dl_times(max_batch, dl_shape_size(&net->output_shape)), sizeof(float));
	if (mode == DL_WS_EVALUATE)
		return;

	ws->layer = carve(c, net->n_layers, sizeof(dl_layer_ws));
	for (int i = 0; i < net->n_layers; i++)
	{
		const dl_layer *l = &net->layers[i];
		dl_layer_ws lw = {0};
		dl_layer_mem m = {0};

		if (l->ops->memory)
			l->ops->memory(l, max_batch, true, &m);
		if (!m.pass_through)
			lw.buf = carve(c, dl_times(max_batch, dl_shape_size(&l->out_shape)), sizeof(float));
		for (int k = 0; k < DL_LAYER_KEEP; k++)
			if (m.keep[k] > 0)
				lw.keep[k] = carve(c, m.keep[k], sizeof(float));
		if (ws->layer)
			ws->layer[i] = lw;
	}
	ws->grads = carve(c, net->n_params, sizeof(float));
	ws->m = carve(c, net->n_params, sizeof(float));
	ws->v = carve(c, net->n_params, sizeof(float));
	ws->d0 = carve(c, dl_times(max_batch, widest), sizeof(float));
	ws->d1 = carve(c, dl_times(max_batch, widest), sizeof(float));
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
	float		alpha;
	dl_activation a;

	if (!l->ops->loss_fuses)
		return false;
	a = l->ops->activation(&l->spec, &alpha);
	return (loss == DL_LOSS_CE && a == DL_ACT_SOFTMAX) ||
		(loss == DL_LOSS_BCE && a == DL_ACT_SIGMOID);
}

/* ---- forward passes ---- */

/*
 * Runs layer i on n rows of x into y and returns its output: y, or x for
 * a layer that passes its input through.  Training (ws->layer set) keeps
 * what the backward pass needs in ws->layer[i].
 */
static const float *
layer_forward(const dl_network *net, dl_workspace *ws, int i, const float *x, float *y,
			  int n, bool skip_last_act, bool training)
{
	const dl_layer *l = &net->layers[i];
	dl_pass		c = {0};

	if (!l->ops->forward)
		return x;
	c.net = net;
	c.ws = ws;
	c.lw = training ? &ws->layer[i] : NULL;
	c.p = net->params + l->param_offset;
	c.n = n;
	c.mask = l->mask_in ? ws->mask : NULL;
	c.skip_act = skip_last_act && i == net->n_layers - 1;
	return l->ops->forward(l, &c, x, y);
}

/*
 * The first layer's input of n rows of network input x: x, or for a joined
 * network the first part of each row, copied into ws->ids; and the padding
 * mask of those ids, when the layers use one
 */
static const float *
begin_pass(const dl_network *net, dl_workspace *ws, const float *x, int n)
{
	size_t		branch = dl_shape_size(&net->layers[0].in_shape);

	if (net->n_joined > 0)
	{
		size_t		in_size = dl_shape_size(&net->input_shape);

		for (int r = 0; r < n; r++)
			memcpy(ws->ids + (size_t) r * branch, x + (size_t) r * in_size, sizeof(float) * branch);
		x = ws->ids;
	}
	if (ws->mask)
		dl_sequence_mask(ws->mask, x, dl_times(n, branch));
	return x;
}

/*
 * After layer join_layer of a joined network: its output y (n rows) with
 * each row's joined inputs from the network input x after it, in ws->join
 */
static const float *
join_inputs(const dl_network *net, dl_workspace *ws, const float *y, const float *x, int n)
{
	size_t		a = dl_shape_size(&net->layers[net->join_layer].out_shape);
	size_t		e = (size_t) net->n_joined;
	size_t		in_size = dl_shape_size(&net->input_shape);

	for (int r = 0; r < n; r++)
	{
		float	   *dst = ws->join + (size_t) r * (a + e);

		memcpy(dst, y + (size_t) r * a, sizeof(float) * a);
		memcpy(dst + a, x + (size_t) r * in_size + (in_size - e), sizeof(float) * e);
	}
	return ws->join;
}

/*
 * Prediction passes of layers 0 .. upto - 1 over n rows of x, the last one
 * into last (or, when NULL, the ping or pong buffer): returns their output
 */
static const float *
infer_layers(const dl_network *net, dl_workspace *ws, const float *x, int n, int upto,
			 float *last, bool skip_last_act)
{
	const float *cur = begin_pass(net, ws, x, n);

	for (int i = 0; i < upto; i++)
	{
		float	   *dst = i == upto - 1 && last ? last : (cur == ws->ping ? ws->pong : ws->ping);

		cur = layer_forward(net, ws, i, cur, dst, n, skip_last_act, false);
		/* the join is never the last layer: "last" is not overwritten */
		if (net->n_joined > 0 && i == net->join_layer)
			cur = join_inputs(net, ws, cur, x, n);
	}
	return cur;
}

void
dl_forward_infer(const dl_network *net, dl_workspace *ws, const float *x,
				 int n, float *out, bool skip_last_act)
{
	const float *cur = infer_layers(net, ws, x, n, net->n_layers, out, skip_last_act);

	if (cur != out)
		memcpy(out, cur, sizeof(float) * dl_shape_size(&net->output_shape) * n);
}

int
dl_network_embed_layer(const dl_network *net)
{
	for (int i = net->n_layers - 1; i >= 0; i--)
		if (net->layers[i].spec.type == DL_LAYER_DENSE)
			return i;
	return 0;
}

size_t
dl_network_embed_size(const dl_network *net)
{
	return dl_shape_size(&net->layers[dl_network_embed_layer(net)].in_shape);
}

void
dl_network_embed(const dl_network *net, dl_workspace *ws, const float *x, int n, float *out)
{
	int			k = dl_network_embed_layer(net);
	size_t		size = dl_network_embed_size(net);

	for (int done = 0; done < n; done += ws->max_batch)
	{
		int			rows = n - done < ws->max_batch ? n - done : ws->max_batch;
		const float *cur = infer_layers(net, ws, x + (size_t) done * dl_shape_size(&net->input_shape),
										rows, k, NULL, false);

		memcpy(out + (size_t) done * size, cur, sizeof(float) * size * rows);
	}
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
	const float *cur = begin_pass(net, ws, x, n);

	for (int i = 0; i < net->n_layers; i++)
	{
		dl_layer_ws *lw = &ws->layer[i];

		lw->in = cur;
		lw->out = layer_forward(net, ws, i, cur, lw->buf, n, skip_last_act, true);
		cur = lw->out;
		if (net->n_joined > 0 && i == net->join_layer)
			cur = join_inputs(net, ws, cur, x, n);
	}
	return cur;
}

/* ---- backward pass ---- */

/*
 * The gradient d of the join (n rows of the join layer's output, then the
 * joined inputs) becomes, in place, that of the join layer's output: the
 * joined inputs' part is dropped, or with dx written into its rows' places
 */
static void
split_join_gradient(const dl_network *net, float *d, int n, float *dx)
{
	size_t		a = dl_shape_size(&net->layers[net->join_layer].out_shape);
	size_t		e = (size_t) net->n_joined;
	size_t		in_size = dl_shape_size(&net->input_shape);

	for (int r = 0; r < n; r++)
	{
		const float *src = d + (size_t) r * (a + e);

		if (dx)
			memcpy(dx + (size_t) r * in_size + (in_size - e), src + a, sizeof(float) * e);
		/* rows move down, never over a row still to read */
		memmove(d + (size_t) r * a, src, sizeof(float) * a);
	}
}

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
		dl_pass		c = {0};
		float	   *res;

		if (net->n_joined > 0 && i == net->join_layer)
			split_join_gradient(net, d, n, dx);

		/* planned: the layer before runs this one's backward pass with its own */
		if (l->fused_into_prev || !l->ops->backward)
			continue;
		c.net = net;
		c.ws = ws;
		c.lw = &ws->layer[i];
		c.p = net->params + l->param_offset;
		c.g = ws->grads + l->param_offset;
		c.n = n;
		/* the mask of the training pass before, still in the workspace */
		c.mask = l->mask_in ? ws->mask : NULL;
		c.skip_act = skip_last_act && i == net->n_layers - 1;
		c.need_dx = i > first || dx;
		if (l->fuses_next)
		{
			c.next = &net->layers[i + 1];
			c.next_lw = &ws->layer[i + 1];
		}
		res = l->ops->backward(l, &c, d, other);
		if (res == other)
		{
			other = d;
			d = res;
		}
	}
	if (dx && net->n_joined > 0)
	{
		size_t		branch = dl_shape_size(&net->layers[0].in_shape);
		size_t		in_size = dl_shape_size(&net->input_shape);

		for (int r = 0; r < n; r++)
			memcpy(dx + (size_t) r * in_size, d + (size_t) r * branch, sizeof(float) * branch);
	}
	else if (dx)
		memcpy(dx, d, sizeof(float) * n * dl_shape_size(&net->input_shape));
}
