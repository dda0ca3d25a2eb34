/*-------------------------------------------------------------------------
 *
 * layers.h
 *	  The layer table: one operations record per layer type, which the
 *	  spec parser, the planner, the passes and the weights reader and
 *	  writer run through, with no switch on the type.
 *
 * Each family file (dense.c, shape.c, norm.c, activations.c, conv.c,
 * pool.c, embedding.c, rnn.c, attention.c, positional.c) defines the
 * records of its types; layers.c holds the table, indexed by type.  A
 * record says everything the engine needs to know about its type:
 *
 *	name, keys	 the JSON "type" and the keys it accepts
 *	defaults	 the spec of "{"type": name}"
 *	parse_key	 one key's value into the spec; parse_done checks what is
 *				 required once every key is read
 *	to_json		 the canonical JSON keys (dl_layers_to_json)
 *	write, read	 the layer record of the weights format
 *	check		 what a stored record holds that plan does not check
 *	plan		 the output shape and parameter counts for an input shape
 *	fuses		 whether its backward pass takes the next layer's along
 *	init		 the parameters' first values
 *	memory		 what a workspace holds for it
 *	forward, backward	the passes
 *
 * docs/architecture.md ("Adding a layer type") walks through a new one.
 *
 * src/core/nn/layers.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_LAYERS_H
#define PGDL_LAYERS_H

#include "json.h"
#include "model_fields.h"
#include "nn_kernels.h"
#include "spec_values.h"

/* the JSON keys of a type: at most 32 (a bit each in parse's "given") */
#define DL_LAYER_MAX_KEYS 32

/* what a layer needs of a workspace for passes of up to max_batch rows */
typedef struct dl_layer_mem
{
	/* no output buffer: the output is the input (flatten, reshape, dropout at rate 0) */
	bool		pass_through;
	/* floats of scratch used during one of its passes, shared with every layer */
	size_t		scratch;
	/* training: floats kept from the forward to the backward pass (dl_layer_ws.keep) */
	size_t		keep[DL_LAYER_KEEP];
} dl_layer_mem;

/* one layer's pass over a batch */
typedef struct dl_pass
{
	const dl_network *net;
	dl_workspace *ws;
	dl_layer_ws *lw;			/* training: the layer's buffers; NULL when predicting */
	float	   *p;				/* its parameters (a training pass updates running statistics) */
	float	   *g;				/* backward: their gradients, accumulated */
	int			n;				/* rows */
	/*
	 * (n, T): 1 at the real steps of each row, 0 at its padding, when the
	 * layer's input is masked (l->mask_in); NULL otherwise
	 */
	const uint8_t *mask;
	bool		skip_act;		/* the last layer: the loss applies its activation */
	bool		need_dx;		/* backward: the input gradient is wanted */
	/* backward: the next layer, whose backward pass the plan fused into this one */
	const dl_layer *next;
	dl_layer_ws *next_lw;
} dl_pass;

typedef struct dl_layer_ops
{
	const char *name;
	/* the keys besides "type", in the order messages list them */
	const char *const *keys;
	int			n_keys;

	/* the defaults of each field (s is zeroed and its type set) */
	void		(*defaults) (dl_layer_spec *s);

	/*
	 * The value v (not null) of keys[key]; subject names it in messages,
	 * 'layer 2 (dense): "units"'
	 */
	dl_status	(*parse_key) (dl_layer_spec *s, int key, const dl_json *v, const char *subject);
	/* after every key: given has bit k for each keys[k] given; last: the last layer */
	dl_status	(*parse_done) (dl_layer_spec *s, unsigned given, int pos, bool last);
	/* ,"key":value for each key written (NULL: none) */
	void		(*to_json) (dl_json_buf *b, const dl_layer_spec *s);

	/* the layer record after its type (NULL: none) */
	void		(*write) (dl_writer *w, const dl_layer_spec *s);
	dl_status	(*read) (dl_reader *r, dl_layer_spec *s);
	/*
	 * What a layer record holds that plan lets through (the reader's and
	 * the writer's checks, dl_model_error with bad); and, after the
	 * finite check of every parameter, the stored parameters (NULL: none)
	 */
	dl_status	(*check) (const dl_layer_spec *s, int pos, dl_status bad);
	dl_status	(*check_params) (const dl_layer *l, const float *p, int pos, dl_status bad);

	/*
	 * out_shape (preset to in_shape), n_params and n_trainable for
	 * in_shape, or status bad naming position pos; may resolve sizes left
	 * to the input in l->spec (they are stored resolved)
	 */
	dl_status	(*plan) (dl_layer *l, int pos, dl_status bad);
	/* whether its backward pass should run next's too (NULL: never) */
	bool		(*fuses) (const dl_layer *l, const dl_layer *next);
	/* whether b's parameters are laid out as a's, beyond counts and shapes (NULL: yes) */
	bool		(*same_layout) (const dl_layer_spec *a, const dl_layer_spec *b);
	/* the activation it applies to its output, and its alpha (NULL: none) */
	dl_activation (*activation) (const dl_layer_spec *s, float *alpha);
	/* the loss may apply its activation instead (softmax into ce, sigmoid into bce) */
	bool		loss_fuses;
	/* weight initialisation looks past it for the activation that follows */
	bool		init_see_through;
	/*
	 * A padding mask on its input applies to its output too, when that has
	 * the input's steps (per-step layers; lstm and gru with
	 * return_sequences; attention): the plan carries it on
	 */
	bool		keeps_mask;

	/* the parameters' first values, drawn from rng in order (NULL: zeros) */
	void		(*init) (const dl_network *net, int i, float *p, dl_rng *rng);
	/* checks n rows of network input when it is the first layer (NULL: any) */
	dl_status	(*check_input) (const dl_layer *l, const float *x, size_t n);

	/* what a workspace holds for it, in m (zeroed; NULL: its output buffer only) */
	void		(*memory) (const dl_layer *l, size_t max_batch, bool training, dl_layer_mem *m);

	/*
	 * Forward pass of c->n rows of x into y: returns y, or x when the
	 * output is the input (NULL: always x).  Training keeps what the
	 * backward pass needs in c->lw->keep and uses batch statistics and
	 * dropout; prediction uses the shared scratch only.
	 */
	const float *(*forward) (const dl_layer *l, const dl_pass *c, const float *x, float *y);

	/*
	 * Backward pass from dy, the output gradient (which it may overwrite):
	 * returns the input gradient, dy itself when computed in place, or dx,
	 * the other gradient buffer (NULL op: dy passes through).  The input
	 * gradient is needed only when c->need_dx.
	 */
	float	   *(*backward) (const dl_layer *l, const dl_pass *c, float *dy, float *dx);
} dl_layer_ops;

/* the record of type t, NULL for a number that is not a layer type */
extern const dl_layer_ops *dl_layer_ops_of(int t);

/* ---- the records, one per type (the table's rows) ---- */

extern const dl_layer_ops dl_dense_ops;
extern const dl_layer_ops dl_dropout_ops;
extern const dl_layer_ops dl_flatten_ops;
extern const dl_layer_ops dl_reshape_ops;
extern const dl_layer_ops dl_batchnorm_ops;
extern const dl_layer_ops dl_layernorm_ops;
extern const dl_layer_ops dl_activation_ops;
extern const dl_layer_ops dl_conv2d_ops;
extern const dl_layer_ops dl_conv1d_ops;
extern const dl_layer_ops dl_maxpool2d_ops;
extern const dl_layer_ops dl_avgpool2d_ops;
extern const dl_layer_ops dl_maxpool1d_ops;
extern const dl_layer_ops dl_global_avgpool_ops;
extern const dl_layer_ops dl_embedding_ops;
extern const dl_layer_ops dl_lstm_ops;
extern const dl_layer_ops dl_gru_ops;
extern const dl_layer_ops dl_attention_ops;
extern const dl_layer_ops dl_transformer_encoder_ops;
extern const dl_layer_ops dl_positional_encoding_ops;

/* ---- helpers of the families ---- */

/* rows * n, or SIZE_MAX when it overflows (which a workspace then refuses) */
static inline size_t
dl_times(size_t rows, size_t n)
{
	size_t		r;

	return __builtin_mul_overflow(rows, n, &r) ? SIZE_MAX : r;
}

static inline int
dl_last_dim(const dl_shape *s)
{
	return s->dim[s->ndim - 1];
}

/* a layer's own activation in this pass: none when the loss applies it */
static inline dl_activation
dl_pass_activation(const dl_pass *c, dl_activation a)
{
	return c->skip_act ? DL_ACT_LINEAR : a;
}

/*
 * The activation that follows layer i's weights, for their initialisation:
 * its own, or that of an activation layer after it (past dropout and
 * normalisation)
 */
extern dl_activation dl_following_activation(const dl_network *net, int i);

/* plan: an activation the engine knows, else status bad */
extern dl_status dl_plan_activation(dl_activation a, int pos, const char *name, dl_status bad);
/* plan: the input is a sequence (T, D), else status bad */
extern dl_status dl_plan_sequence(const dl_layer *l, int pos, dl_status bad);

/*
 * plan: the output shape of a conv (dilation given, filters output
 * channels) or pool (dilation NULL) layer, 2-D on (C, H, W) or 1-D on
 * (T, F) channels-last; or status bad naming what does not fit (window.c)
 */
extern dl_status dl_plan_window(dl_layer *l, int pos, dl_status bad, bool two, const int k[2],
								const int stride[2], const int *dilation, dl_padding pad,
								int filters);

/* parse: "linear, relu, ...", for messages */
extern const char *dl_activation_names(char *buf, size_t size);
/* parse: an "activation", an "alpha", a dropout "rate", an "epsilon" */
extern dl_status dl_parse_activation(const dl_json *v, const char *subject, dl_activation *a);
extern dl_status dl_parse_alpha(const dl_json *v, const char *subject, float *alpha);
extern dl_status dl_parse_rate(const dl_json *v, const char *subject, float *rate);
extern dl_status dl_parse_epsilon(const dl_json *v, const char *subject, float *epsilon);
/* parse_done: "alpha" needs "activation": "leaky_relu" given with it */
extern dl_status dl_parse_check_alpha(bool alpha_given, bool activation_given,
									  dl_activation a, int pos, const char *name);

/* to_json: ,"key":value */
extern void dl_json_put_key(dl_json_buf *b, const char *key);
extern void dl_json_put_bool(dl_json_buf *b, const char *key, bool v);
extern void dl_json_put_int(dl_json_buf *b, const char *key, int v);
extern void dl_json_put_float(dl_json_buf *b, const char *key, float v);
extern void dl_json_put_name(dl_json_buf *b, const char *key, const char *name);
/* a kernel, stride, dilation or pool: one integer for 1-D layers and squares, else [h, w] */
extern void dl_json_put_pair(dl_json_buf *b, const char *key, const int v[2], bool one_d);
/* ,"activation":"name", with ,"alpha":x for leaky_relu */
extern void dl_json_put_activation(dl_json_buf *b, dl_activation a, float alpha);

/* check: a known activation and a positive alpha; a finite epsilon */
extern dl_status dl_check_activation(dl_activation a, float alpha, int pos, const char *name,
									 dl_status bad);
extern dl_status dl_check_epsilon(float epsilon, int pos, const char *name, dl_status bad);

/* init: He-normal before relu, leaky_relu and gelu, Glorot-uniform otherwise */
extern void dl_init_weights(float *p, size_t n, double fan_in, double fan_out, dl_activation a,
							dl_rng *rng);
/* init: n values uniform in [-0.05, 0.05], as Keras's embeddings */
extern void dl_init_small_uniform(float *p, size_t n, dl_rng *rng);
/* init: rows x cols (rows <= cols) with orthonormal rows (Keras's orthogonal) */
extern void dl_init_orthogonal(float *p, int rows, int cols, dl_rng *rng);

#endif							/* PGDL_LAYERS_H */
