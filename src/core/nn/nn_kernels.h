/*-------------------------------------------------------------------------
 *
 * nn_kernels.h
 *	  The layer kernels behind dl_nn.h: forward/backward pairs, losses and
 *	  optimizer steps, shared by the engine's files and its unit tests.
 *
 * Conventions (llm.c style): outputs first; shapes in the comments, rows
 * being the batch times any leading dimensions; backward passes ACCUMULATE
 * into parameter gradients and overwrite input gradients.  Where a comment
 * says "may alias", an output may be the same buffer as an input, which is
 * how the training loop runs element-wise backward passes in place.
 * Kernels never allocate and cannot fail: shapes were checked when the
 * network was built.
 *
 * These are not part of the engine's public interface (dl_nn.h): the glue
 * never calls them.
 *
 * src/core/nn/nn_kernels.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_NN_KERNELS_H
#define PGDL_NN_KERNELS_H

#include "dl_nn.h"

/* ---- activations (activations.c) ---- */

/* the backward pass needs the activation's input, not only its output */
extern bool dl_act_needs_input(dl_activation a, float alpha);

/* x and y are (rows, cols); y may alias x; softmax is over each row */
extern void dl_act_forward(float *y, const float *x, size_t rows, int cols,
						   dl_activation a, float alpha);

/*
 * dx = dy * f'(x), from y = f(x) where possible; x may be NULL unless
 * dl_act_needs_input.  dx may alias dy.
 */
extern void dl_act_backward(float *dx, const float *dy, const float *x, const float *y,
							size_t rows, int cols, dl_activation a, float alpha);

/*
 * y (rows, cols) = f(y + b) in place, b (cols) or NULL: the bias and the
 * activation of a dense layer in one pass over its sgemm output.
 */
extern void dl_bias_act_forward(float *y, const float *b, size_t rows, int cols,
								dl_activation a, float alpha);

/* ---- dense (dense.c) ---- */

/*
 * x is (rows, in), w is (in, units), b is (units) or NULL, y is
 * (rows, units).  z (rows, units) receives x w + b when not NULL (the
 * training pass keeps it for activations whose derivative needs it);
 * otherwise the activation is applied in place in y.
 */
extern void dl_dense_forward(float *y, float *z, const float *x, const float *w,
							 const float *b, int rows, int in, int units,
							 dl_activation a, float alpha);

/*
 * dy (rows, units) is overwritten with the gradient of the pre-activation;
 * dw (in, units) += x^T dz; db (units) += column sums of dz (db NULL: no
 * bias); dx (rows, in) = dz w^T unless dx is NULL (the first layer).
 */
extern void dl_dense_backward(float *dx, float *dw, float *db, float *dy,
							  const float *x, const float *y, const float *z,
							  const float *w, int rows, int in, int units,
							  dl_activation a, float alpha);

/*
 * A dense layer whose input is x (rows, in_dense) followed by the sparse
 * inputs of sp (rows of its csr, sp->csr->n_cols columns): y = x W_d +
 * x_sparse W_s + b, W_d the first in_dense rows of w, W_s the rest; cost in
 * proportion to the nonzeros.  z, a, alpha as in dl_dense_forward.
 */
extern void dl_dense_sparse_forward(float *y, float *z, const float *x, const dl_sparse_batch *sp,
									const float *w, const float *b, int rows, int in_dense,
									int units, dl_activation a, float alpha);

/*
 * Its backward pass: dy becomes dz; dw += [x^T dz; x_sparse^T dz], the rows
 * of W_s touched only where the batch has a nonzero; db as in
 * dl_dense_backward.  No input gradient (the first layer).
 */
extern void dl_dense_sparse_backward(float *dw, float *db, float *dy, const float *x,
									 const dl_sparse_batch *sp, const float *y, const float *z,
									 int rows, int in_dense, int units, dl_activation a,
									 float alpha);

/* ---- normalization (norm.c) ---- */

/*
 * Batch normalization of x seen as (outer, c, inner): per channel c over
 * outer * inner values.  params is the layer's slice: gamma, beta,
 * running_mean, running_var, c each.  Training (running not NULL: it is
 * params + 2 c, the running mean and variance to update) normalizes with
 * the batch statistics and saves mean and 1/std (c each) for the backward
 * pass; prediction (running NULL) uses the running statistics, and
 * mean/invstd are scratch (c floats each).  acc is scratch of 2 c doubles.
 * y may alias x.
 */
extern void dl_batchnorm_forward(float *y, float *mean, float *invstd, double *acc,
								 const float *params, float *running, const float *x,
								 size_t outer, int c, size_t inner, float epsilon,
								 float momentum);

/* dx may alias dy; grads is the layer's gradient slice (dgamma, dbeta) */
extern void dl_batchnorm_backward(float *dx, float *grads, double *acc, const float *dy,
								  const float *x, const float *mean, const float *invstd,
								  const float *params, size_t outer, int c, size_t inner);

/* layer normalization over the last axis: x, y are (rows, f); mean and rstd (rows) saved */
extern void dl_layernorm_forward(float *y, float *mean, float *rstd, const float *x,
								 const float *params, size_t rows, int f, float epsilon);

/* dx may alias dy; grads is the layer's gradient slice (dgamma, dbeta) */
extern void dl_layernorm_backward(float *dx, float *grads, const float *dy, const float *x,
								  const float *mean, const float *rstd, const float *params,
								  size_t rows, int f);

/* ---- convolution (conv.c) ---- */

/*
 * The geometry of a conv or pool layer, from its window and shapes.  2-D
 * layers are channels-first (C, H, W); 1-D layers channels-last (T, F) and
 * are described with h = 1: w is T, c is F, and the [0] entries of the
 * spec land in the w fields (kw, sw, dw, pw).  pad_* are the zeros before
 * the first row/column; padding after is implied by the output size.
 */
typedef struct dl_conv_geom
{
	int			c,
				h,
				w;				/* input channels, height, width */
	int			f;				/* output channels (conv: filters; pools: c) */
	int			kh,
				kw,
				sh,
				sw,
				dh,
				dw;
	int			pad_h,
				pad_w;
	int			oh,
				ow;
} dl_conv_geom;

/*
 * The geometry of a window of k (kernel or pool), stride and dilation
 * (pad as conv's padding) from input shape in to output shape out, both
 * (C, H, W) or both (T, F) (window.c)
 */
extern void dl_window_geometry(dl_conv_geom *g, const dl_shape *in, const dl_shape *out,
							   const int k[2], const int stride[2], const int dilation[2],
							   dl_padding pad);

/* the geometry of a conv2d or conv1d layer */
extern void dl_conv_geometry(const dl_layer *l, dl_conv_geom *g);

/*
 * The scratch (col) a conv2d or conv1d layer needs for passes of up to
 * rows rows, in floats: conv1d unrolls the batch, conv2d one image at a
 * time (SIZE_MAX when the count overflows).
 */
extern size_t dl_conv_col_size(const dl_layer *l, size_t rows);

/*
 * conv2d on n images x (n, c, h, w) -> y (n, f, oh, ow).  w is (f, c, kh,
 * kw) (PyTorch's layout), b (f) or NULL.  col is scratch of
 * dl_conv_col_size floats (one image unrolled as a (c kh kw, oh ow)
 * matrix).  z as in dl_dense_forward.
 */
extern void dl_conv2d_forward(float *y, float *z, const float *x, const float *w,
							  const float *b, float *col, int n,
							  const dl_conv_geom *g, dl_activation a, float alpha);

/*
 * dy (n, f, oh, ow) is overwritten with the pre-activation gradient;
 * dw += , db += ; dx (n, c, h, w) = the input gradient unless NULL.
 * col as in the forward pass; each image is unrolled again from x.
 */
extern void dl_conv2d_backward(float *dx, float *dw, float *db, float *dy,
							   const float *x, const float *y, const float *z,
							   const float *w, float *col, int n,
							   const dl_conv_geom *g, dl_activation a, float alpha);

/*
 * dl_conv2d_backward for a conv2d layer followed by a maxpool2d layer of
 * geometry pg, from the pool's output gradient dpool (n, f, ph, pw): y, the
 * conv's output, is the pool's input.  The same gradients as
 * dl_maxpool2d_backward then dl_conv2d_backward, image by image.
 */
extern void dl_conv2d_maxpool_backward(float *dx, float *dw, float *db, const float *dpool,
									   const dl_conv_geom *pg, const float *x, const float *y,
									   const float *z, const float *w, float *col, int n,
									   const dl_conv_geom *g, dl_activation a, float alpha);

/*
 * conv2d's backward pass takes the sparse path for an image (only its
 * nonzero output gradients visited) when their share is below this; tests
 * set it to 0 (never) or above 1 (whenever the geometry allows).
 */
extern float dl_conv2d_sparse_limit;

/*
 * conv1d on x (n, t, c) channels-last -> y (n, ot, f): w is (k, c, f)
 * (Keras's layout), so the unrolled batch (n ot, k c) times w is the output
 * as it is laid out.  col is n * ot * k c floats.
 */
extern void dl_conv1d_forward(float *y, float *z, const float *x, const float *w,
							  const float *b, float *col, int n,
							  const dl_conv_geom *g, dl_activation a, float alpha);
extern void dl_conv1d_backward(float *dx, float *dw, float *db, float *dy,
							   const float *x, const float *y, const float *z,
							   const float *w, float *col, int n,
							   const dl_conv_geom *g, dl_activation a, float alpha);

/* direct convolutions, the references of the tests (no activation) */
extern void dl_conv2d_ref(float *y, const float *x, const float *w, const float *b, int n,
						  const dl_conv_geom *g);
extern void dl_conv1d_ref(float *y, const float *x, const float *w, const float *b, int n,
						  const dl_conv_geom *g);

/* ---- pooling (pool.c) ---- */

/* the geometry of a maxpool2d, avgpool2d or maxpool1d layer */
extern void dl_pool_geometry(const dl_layer *l, dl_conv_geom *g);

/*
 * Pools.  2-D on (n, c, h, w) -> (n, c, oh, ow); 1-D on (n, t, c) ->
 * (n, ot, c).  Backward passes overwrite dx (the input's shape) from dy;
 * max pooling sends each gradient to the first maximum of its window,
 * found again from x.
 */
extern void dl_maxpool2d_forward(float *y, const float *x, int n, const dl_conv_geom *g);
extern void dl_maxpool2d_backward(float *dx, const float *dy, const float *x, int n,
								  const dl_conv_geom *g);
extern void dl_avgpool2d_forward(float *y, const float *x, int n, const dl_conv_geom *g);
extern void dl_avgpool2d_backward(float *dx, const float *dy, int n, const dl_conv_geom *g);
extern void dl_maxpool1d_forward(float *y, const float *x, int n, const dl_conv_geom *g);
extern void dl_maxpool1d_backward(float *dx, const float *dy, const float *x, int n,
								  const dl_conv_geom *g);

/*
 * global average pooling of x seen as (outer, inner, c) with inner the
 * pooled axis when channels_last, else (outer, c, inner): y is (outer, c)
 */
extern void dl_global_avgpool_forward(float *y, const float *x, int n, int c, int inner,
									  bool channels_last);
extern void dl_global_avgpool_backward(float *dx, const float *dy, int n, int c, int inner,
									   bool channels_last);
/*
 * The same of sequences x (n, T, c) with a padding mask (n, T): the mean
 * of each row's real steps (0 when it has none); padded steps get no
 * gradient
 */
extern void dl_masked_avgpool_forward(float *y, const float *x, const uint8_t *mask, int n,
									  int T, int c);
extern void dl_masked_avgpool_backward(float *dx, const float *dy, const uint8_t *mask, int n,
									   int T, int c);

/* ---- embedding (embedding.c) ---- */

/*
 * y (rows, d) = the rows of table (vocab, d) that ids (rows) name.  ids
 * were checked (dl_network_check_input); one that is not a valid id gives
 * a zero vector rather than a read outside the table.
 */
extern void dl_embedding_forward(float *y, const float *ids, const float *table,
								 size_t rows, int vocab, int d);
/* dtable (vocab, d) += dy (rows, d) scattered by id */
extern void dl_embedding_backward(float *dtable, const float *dy, const float *ids,
								  size_t rows, int vocab, int d);
/* mask (rows) = 1 where ids (rows) is not 0 (padding), else 0 */
extern void dl_sequence_mask(uint8_t *mask, const float *ids, size_t rows);

/* ---- recurrent layers (rnn.c) ---- */

/* the gate columns of an lstm (4 units) or gru (3 units) layer */
extern int	dl_rnn_gates(const dl_layer *l);

/* the scratch an lstm or gru layer needs per row, in floats */
extern size_t dl_rnn_scratch_size(const dl_layer *l);

/*
 * Whether the recurrent layers skip the padded steps of a masked batch
 * (true; rnn.c).  false computes every step of every row, as pgdl did
 * before: the unit tests compare the two, and bench/engine_text times them.
 */
extern bool dl_rnn_skip_padding;

/* the gates' sigmoid and tanh (rnn.c: vectorizable, within 1e-6 of libm) */
extern float dl_rnn_sigmoid(float v);
extern float dl_rnn_tanh(float v);

/*
 * x (n, T, F) -> y (n, U), the last state, or (n, T, U) when seq
 * (return_sequences; y may then be h).  p is the layer's parameter slice
 * (rnn.c: Keras's layout).  Kept for the backward pass: gates (n, T, G)
 * after their activations, cells (n, T, U) - lstm: the cell states; gru:
 * the recurrent candidate h U_n + b_hn - and h (n, T, U), every state.
 * tmp is scratch of n (2 G + T F + 2 U + 3) floats.  mask (n, T), unless
 * NULL, marks the real steps: at a padded step the states stay those of
 * the step before (zero before the first real one).  Padded steps are
 * skipped (rnn.c), and then gates and cells hold nothing at them, nor h
 * after a row's last real step unless seq (but at step T - 1).
 */
extern void dl_lstm_forward(float *y, float *gates, float *cells, float *h, float *tmp,
							const float *x, const float *p, const uint8_t *mask, int n,
							int T, int F, int U, bool seq);
extern void dl_gru_forward(float *y, float *gates, float *cand, float *h, float *tmp,
						   const float *x, const float *p, const uint8_t *mask, int n,
						   int T, int F, int U, bool seq);

/*
 * Backpropagation through time from dy (y's shape, not written): dp (the
 * parameter gradients, as p) +=; dx (n, T, F) = unless NULL.  scratch is
 * n (T G + 4 U + 2 G + T F + 3) floats.
 */
extern void dl_lstm_backward(float *dx, float *dp, const float *dy, const float *x,
							 const float *p, const float *gates, const float *cells,
							 const float *h, const uint8_t *mask, float *scratch, int n,
							 int T, int F, int U, bool seq);
extern void dl_gru_backward(float *dx, float *dp, const float *dy, const float *x,
							const float *p, const float *gates, const float *cand,
							const float *h, const uint8_t *mask, float *scratch, int n,
							int T, int F, int U, bool seq);

/*
 * A bidirectional lstm or gru (rnn.c): the parameters hold the forward
 * direction's set, then the backward one's (which reads the steps last to
 * first).  y (n, 2U) is both last states, or (n, T, 2U) every step's
 * forward state beside the backward state of the same step.  gates,
 * cells and h hold both directions (2 n T G, 2 n T U, 2 n T U); scratch is
 * n * dl_rnn_scratch_size floats.  mask (n, T) as the one direction's;
 * mrev (n T bytes) holds it reversed, for the backward direction.
 */
extern void dl_birnn_forward(const dl_layer *l, float *y, float *gates, float *cells,
							 float *h, float *scratch, const float *x, const float *p,
							 const uint8_t *mask, uint8_t *mrev, int n);
extern void dl_birnn_backward(const dl_layer *l, float *dx, float *dp, const float *dy,
							  const float *x, const float *p, const float *gates,
							  const float *cells, const float *h, const uint8_t *mask,
							  uint8_t *mrev, float *scratch, int n);

/* ---- attention (attention.c) ---- */

/*
 * attention and transformer_encoder on sequences x (n, T, D).  The
 * parameter layouts (attention.c) are part of the weights format.
 */

/* floats per row a training pass keeps for the backward pass */
extern size_t dl_attn_saved_size(const dl_layer *l);

/*
 * floats per row of the shared scratch: prediction's buffers, and with
 * training the backward pass's too
 */
extern size_t dl_attn_scratch_size(const dl_layer *l, bool training);

/*
 * Forward pass of an attention or transformer_encoder layer l over n rows:
 * y (n, T, D) from x.  Training passes saved (n * dl_attn_saved_size
 * floats, kept for the backward pass) and rng (the dropout masks);
 * prediction passes NULL for both and no dropout applies.  scratch is
 * n * dl_attn_scratch_size floats (of prediction at least).  y must not
 * alias x.  mask (n, T), unless NULL, marks the real steps: padded keys
 * get no attention (the backward pass needs no mask: their P is 0).
 */
extern void dl_attn_forward(const dl_layer *l, float *y, float *saved, float *scratch,
							const float *x, const float *p, const uint8_t *mask, int n,
							dl_rng *rng);

/*
 * Backward pass from dy (not written): dp (the layer's gradients) +=;
 * dx = unless NULL.  dx must not alias dy.
 */
extern void dl_attn_backward(const dl_layer *l, float *dx, float *dp, const float *dy,
							 const float *x, const float *p, const float *saved,
							 float *scratch, int n);

/* the naive attention of the tests: softmax(q k^T / sqrt(K)) v per head, on one row */
extern void dl_attention_ref(float *y, const float *x, const float *p, int T, int D,
							 int H, int K, bool causal, bool bias);

/* ---- positional encodings (positional.c) ---- */

/* the sinusoidal table (T, D): sin(t w_i) at 2i, cos(t w_i) at 2i + 1, w_i = 10000^(-2i/D) */
extern void dl_sinusoids(float *table, int T, int D);

/* y = x + table on each of n rows of size (T D); y may alias x */
extern void dl_posenc_forward(float *y, const float *x, const float *table, int n, size_t size);

/* ---- dropout (shape.c) ---- */

/* mask (n) = 1 / (1 - rate) with probability 1 - rate, else 0 */
extern void dl_dropout_mask(float *mask, size_t n, float rate, dl_rng *rng);

/* y = x * mask, and dx = dy * mask; outputs may alias inputs */
extern void dl_dropout_forward(float *y, const float *x, const float *mask, size_t n);
extern void dl_dropout_backward(float *dx, const float *dy, const float *mask, size_t n);

/* ---- losses (loss.c) ---- */

/*
 * The mean loss of out (rows, k) against targets y (rows): mse, mae and
 * huber compare each output with y; bce and ce take logits (k = 1 and
 * k = classes) and class indices.  When dout is not NULL it receives the
 * gradient of the mean loss with respect to out (dout may alias out).
 */
extern double dl_loss_forward_backward(float *dout, const float *out, const float *y,
									   int rows, int k, dl_loss loss, float huber_delta);

/*
 * The sum over rows of the metric's per-row terms: correct predictions
 * (classification; logits for bce and ce) or squared errors (regression).
 */
extern double dl_metric_sum(const float *out, const float *y, int rows, int k, dl_loss loss);

/* ---- optimizers (optim.c) ---- */

/*
 * One update of n trainable parameters p with gradients g (already
 * clipped; weight decay and l1 are added here).  m and v are the first and
 * second moment buffers (momentum uses m only; sgd neither); t is the
 * 1-based step number for Adam's bias correction.  g is left unchanged.
 */
extern void dl_optim_step(float *p, const float *g, float *m, float *v, size_t n,
						  const dl_train_options *o, long t);

/* ---- the network passes (forward.c), for train.c ---- */

/* the buffers a layer keeps from its forward to its backward pass, at most */
#define DL_LAYER_KEEP 3

/* per-layer buffers of a training workspace */
typedef struct dl_layer_ws
{
	const float *in;			/* the layer's input in the last training pass */
	const float *out;			/* its output: buf, or in for pass-through layers */
	float	   *buf;			/* (max_batch, out size) unless pass-through */
	/* what its backward pass needs, as its family lays it out (NULL: none) */
	float	   *keep[DL_LAYER_KEEP];
} dl_layer_ws;

typedef enum dl_ws_mode
{
	DL_WS_PREDICT,				/* dl_workspace_create(training = false) */
	DL_WS_EVALUATE,				/* + a gathered batch and its logits */
	DL_WS_TRAIN					/* + per-layer activations, gradients, optimizer state */
} dl_ws_mode;

struct dl_workspace
{
	int			max_batch;
	dl_ws_mode	mode;
	void	   *block;			/* the one allocation behind every buffer */
	dl_layer_ws *layer;			/* n_layers (training) */
	float	   *ping;			/* prediction alternates between ping and pong */
	float	   *pong;
	float	   *scratch;		/* what one layer's pass needs while it runs: the largest */
	uint8_t    *mask;			/* (max_batch, T): the padding mask of a pass (mask_zero) */
	/* a joined network: its rows' first-layer inputs, and the join (forward.c) */
	float	   *ids;
	float	   *join;
	/* evaluate and train */
	float	   *x;				/* (max_batch, inputs): gathered rows (the dense inputs) */
	dl_sparse_batch sparse;		/* their sparse inputs (net->sparse_inputs) */
	float	   *y;				/* (max_batch): their targets */
	float	   *logits;			/* (max_batch, outputs) */
	/* train */
	float	   *grads;			/* n_params, as the parameters */
	float	   *m;
	float	   *v;
	float	   *d0;				/* activation gradients, two buffers */
	float	   *d1;
	dl_rng		rng;			/* dropout masks */
};

extern dl_status dl_workspace_create_mode(const dl_network *net, int max_batch,
										  dl_ws_mode mode, dl_workspace **ws);

/*
 * The final activation is folded into the loss (sigmoid into bce, softmax
 * into ce): the last layer is a dense or activation layer with it.
 */
extern bool dl_output_fused(const dl_network *net, dl_loss loss);

/*
 * Forward pass of n rows x (n <= max_batch) in prediction mode (running
 * statistics, no dropout) into out (n, outputs), without the final
 * activation when skip_last_act.
 */
extern void dl_forward_infer(const dl_network *net, dl_workspace *ws, const float *x,
							 int n, float *out, bool skip_last_act);

/*
 * Training forward pass of n rows: batch statistics, dropout masks drawn
 * from ws->rng, every layer's output kept.  Returns the network output
 * (n, outputs), before the final activation when skip_last_act.
 */
extern const float *dl_forward_train(dl_network *net, dl_workspace *ws, const float *x,
									 int n, bool skip_last_act);

/*
 * Backward pass after dl_forward_train: ws->d0 holds the gradient of the
 * loss with respect to the output (n, outputs); parameter gradients are
 * accumulated into ws->grads.  The input gradient of the first layer is
 * not computed unless dx is not NULL (the gradient checks ask for it).
 */
extern void dl_backward(const dl_network *net, dl_workspace *ws, int n, bool skip_last_act,
						float *dx);

/* ---- the training step (train.c) ---- */

/*
 * One optimizer step on the b rows gathered in ws->x and ws->y (a training
 * workspace): returns the batch's mean loss, not finite when it diverged
 * (nothing updated then).  step is the update's 1-based number.
 */
extern double dl_train_step(dl_network *net, dl_workspace *ws, const dl_train_options *o,
							int b, long step);
/* what dl_train would refuse in the optimizer settings, or NULL */
extern const char *dl_train_options_problem(const dl_train_options *o);

#endif							/* PGDL_NN_KERNELS_H */
