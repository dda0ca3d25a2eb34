/*-------------------------------------------------------------------------
 *
 * dl_nn.h
 *	  The neural-network engine: layers, networks, training, models and
 *	  their weights format.  Plain C11 + CBLAS; no PostgreSQL headers.
 *
 * Usage (the glue does this for pgdl.train_model / pgdl.predict):
 *
 *		dl_layer_spec *specs; int nspecs;
 *		dl_parse_layers("[{\"type\":\"dense\",\"units\":8,\"activation\":\"relu\"}]",
 *						&specs, &nspecs);
 *		dl_complete_output(&specs, &nspecs, DL_TASK_CLASSIFICATION, 3, DL_LOSS_CE);
 *
 *		dl_network	net;
 *		dl_shape	in = {1, {4}};
 *		dl_network_init(&net, specs, nspecs, &in);	-- shapes, parameter count
 *		dl_network_init_params(&net, seed);			-- He / Glorot
 *
 *		dl_dataset	data = {x, y, nrows, 4, 3};		-- x is nrows x 4 float32
 *		dl_split	split;
 *		dl_split_rows(&data, 0.1, seed, true, &split);
 *		dl_train(&net, &opts, &data, &split, on_epoch, arg, &result);
 *
 *		dl_workspace *ws;
 *		dl_workspace_create(&net, 1, false, &ws);	-- once per query
 *		dl_network_predict(&net, ws, row, 1, out);	-- per row, no allocation
 *
 * Shapes never include the batch: a dense layer on shape (T, F) maps the
 * last axis, (B, T, F) -> (B, T, units), as Keras does.  Parameters,
 * gradients and optimizer state are each one contiguous float buffer; each
 * layer owns the slice [param_offset, param_offset + n_params), trainable
 * values first, non-trainable ones (batchnorm running statistics) after.
 *
 * Numbers of the enums below are written into the weights format
 * (docs/model-format.md): append, never renumber or reuse.
 *
 * src/core/dl_nn.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_DL_NN_H
#define PGDL_DL_NN_H

#include "blas.h"
#include "pgdl_core.h"
#include "rng.h"

#define DL_MAX_DIMS 4			/* dimensions of a shape, batch excluded */
#define DL_MAX_LAYERS 256
#define DL_MAX_UNITS (1 << 20)	/* units, and any one dimension */
#define DL_MAX_LABELS 100000
#define DL_MAX_FEATURES 1000000 /* model inputs after expansion */
#define DL_MAX_NAME 63			/* bytes of a feature name (NAMEDATALEN - 1) */
#define DL_MAX_VALUE 4096		/* bytes of a label or a category */

/* ------------------------------------------------------------------------
 * Layers
 * ------------------------------------------------------------------------
 */
typedef struct dl_shape
{
	int			ndim;			/* 1..DL_MAX_DIMS */
	int			dim[DL_MAX_DIMS];
} dl_shape;

extern size_t dl_shape_size(const dl_shape *s);	/* product of dims */
/* writes "[2, 3]" */
extern void dl_shape_format(const dl_shape *s, char *buf, size_t size);

typedef enum dl_activation
{
	DL_ACT_LINEAR = 0,
	DL_ACT_RELU = 1,
	DL_ACT_LEAKY_RELU = 2,		/* slope alpha below 0 (default 0.01) */
	DL_ACT_SIGMOID = 3,
	DL_ACT_TANH = 4,
	DL_ACT_GELU = 5,			/* tanh approximation */
	DL_ACT_SOFTMAX = 6			/* over the last axis */
} dl_activation;

#define DL_ACT_LAST DL_ACT_SOFTMAX
extern const char *dl_activation_name(dl_activation a);

/*
 * Layer types: each is one row of the layer table (nn/layers.c), whose
 * operations record, in the type's family file under nn/, reads and
 * writes its JSON and weights record, plans its shapes, initialises its
 * parameters and runs its passes.  The keys of each type are those of its
 * spec below; docs/architecture.md says how to add one.
 */
typedef enum dl_layer_type
{
	DL_LAYER_DENSE = 1,			/* dense.c */
	DL_LAYER_DROPOUT = 2,		/* shape.c: inverted; identity at predict */
	DL_LAYER_FLATTEN = 3,		/* shape.c */
	DL_LAYER_RESHAPE = 4,		/* shape.c */
	DL_LAYER_BATCHNORM = 5,		/* norm.c */
	DL_LAYER_LAYERNORM = 6,		/* norm.c */
	DL_LAYER_ACTIVATION = 7,	/* activations.c */
	DL_LAYER_CONV2D = 8,		/* conv.c: (C, H, W) -> (filters, OH, OW) */
	DL_LAYER_CONV1D = 9,		/* conv.c: (T, F) channels-last -> (OT, filters) */
	DL_LAYER_MAXPOOL2D = 10,	/* pool.c: (C, H, W) -> (C, OH, OW); no padding */
	DL_LAYER_AVGPOOL2D = 11,	/* pool.c: as maxpool2d */
	DL_LAYER_MAXPOOL1D = 12,	/* pool.c: (T, F) -> (OT, F) */
	DL_LAYER_GLOBAL_AVGPOOL = 13,	/* pool.c: (C, H, W) -> (C) over H, W; (T, F) -> (F) over T */
	DL_LAYER_EMBEDDING = 14,	/* embedding.c: (T) token ids -> (T, output_dim); the first
								 * layer only */
	DL_LAYER_LSTM = 15,			/* rnn.c: (T, F) -> (units), or (T, units) with
								 * return_sequences: Keras's layout, W (F, 4U), U (U, 4U),
								 * b (4U), gates i, f, c, o; sigmoid gates, tanh cell */
	DL_LAYER_GRU = 16,			/* rnn.c: as lstm: Keras's GRU with reset_after (PyTorch's
								 * equations), W (F, 3U), U (U, 3U), b_x (3U), b_h (3U),
								 * gates z, r, n */
	DL_LAYER_ATTENTION = 17,	/* attention.c: (T, D) -> (T, D) multi-head scaled
								 * dot-product self-attention; W_qkv (D, 3 H K), b_qkv,
								 * W_o (H K, D), b_o */
	DL_LAYER_TRANSFORMER_ENCODER = 18,	/* attention.c: (T, D) -> (T, D): attention,
										 * feed-forward, residuals, layernorms, post-norm
										 * or norm_first; rate is every dropout, as
										 * PyTorch's */
	DL_LAYER_POSITIONAL_ENCODING = 19	/* positional.c: (T, D) -> (T, D): x + a (T, D)
										 * table, sinusoidal (stored, not trained) or
										 * learned */
} dl_layer_type;

#define DL_LAYER_LAST DL_LAYER_POSITIONAL_ENCODING

typedef enum dl_padding
{
	DL_PAD_VALID = 0,			/* no padding: outputs where the kernel fits */
	DL_PAD_SAME = 1				/* TensorFlow's: ceil(in / stride) outputs, zeros split
								 * with the smaller half before */
} dl_padding;
extern const char *dl_layer_type_name(dl_layer_type t);

/* ---- the parameters of each type (defaults after the colons) ---- */

typedef struct dl_dense_spec
{
	int			units;			/* 0 = "from the task" (the last layer only) */
	dl_activation activation;	/* linear */
	float		alpha;			/* leaky_relu's slope below 0: 0.01 */
	bool		use_bias;		/* true */
	bool		activation_given;	/* false = "from the task" */
} dl_dense_spec;

typedef struct dl_dropout_spec
{
	float		rate;			/* in [0, 1): 0 */
} dl_dropout_spec;

typedef struct dl_reshape_spec
{
	dl_shape	target;			/* one dimension may be -1 */
} dl_reshape_spec;

/* batchnorm and layernorm */
typedef struct dl_norm_spec
{
	float		epsilon;		/* 1e-5 */
	float		momentum;		/* batchnorm: running = (1 - m) running + m batch; 0.1 */
} dl_norm_spec;

/* the activation layer */
typedef struct dl_act_spec
{
	dl_activation activation;	/* required */
	float		alpha;			/* 0.01 */
} dl_act_spec;

/* conv2d, conv1d: 1-D layers use [0] of the pairs ([1] stays 1) */
typedef struct dl_conv_spec
{
	int			filters;		/* output channels: required */
	int			kernel[2];		/* [kh, kw]: required */
	int			stride[2];		/* 1 */
	dl_padding	padding;		/* valid */
	int			dilation[2];	/* 1 */
	dl_activation activation;	/* linear */
	float		alpha;			/* 0.01 */
	bool		use_bias;		/* true */
} dl_conv_spec;

/* maxpool2d, avgpool2d, maxpool1d (which uses [0]; [1] stays 1) */
typedef struct dl_pool_spec
{
	int			pool[2];		/* 2 */
	int			stride[2];		/* the pool size */
} dl_pool_spec;

typedef struct dl_embedding_spec
{
	int			input_dim;		/* the vocabulary size; 0 until train_model sets it from a text column */
	int			output_dim;		/* the vector size: required */
	bool		mask_zero;		/* id 0 is padding, masked in the layers after it: false */
} dl_embedding_spec;

/* lstm, gru */
typedef struct dl_rnn_spec
{
	int			units;			/* required */
	bool		return_sequences;	/* every step's state, not the last one: false */
	bool		bidirectional;	/* a second pass from the last step, outputs side by side:
								 * false */
} dl_rnn_spec;

/* attention, transformer_encoder (attention.c has the parameter layouts) */
typedef struct dl_attention_spec
{
	int			heads;			/* 1 */
	int			key_dim;		/* size per head: 0 = D / heads, resolved by the plan */
	bool		causal;			/* step t attends to steps <= t only: false */
	float		rate;			/* dropout: attention 0, transformer_encoder 0.1 */
	bool		use_bias;		/* attention: true; a transformer_encoder always has biases */
	int			ff_dim;			/* transformer_encoder's feed-forward: 0 = 4 D, resolved */
	dl_activation activation;	/* transformer_encoder's feed-forward: relu */
	float		alpha;			/* 0.01 */
	bool		norm_first;		/* transformer_encoder: pre-norm: false (post-norm) */
	float		epsilon;		/* transformer_encoder's layernorms: 1e-5 */
} dl_attention_spec;

typedef struct dl_posenc_spec
{
	bool		learned;		/* a trained table, not the sinusoids: false */
} dl_posenc_spec;

/* a layer: its type and that type's parameters */
typedef struct dl_layer_spec
{
	dl_layer_type type;
	union
	{
		dl_dense_spec dense;
		dl_dropout_spec dropout;
		dl_reshape_spec reshape;
		dl_norm_spec norm;		/* batchnorm, layernorm */
		dl_act_spec act;		/* activation */
		dl_conv_spec conv;		/* conv2d, conv1d */
		dl_pool_spec pool;		/* maxpool2d, avgpool2d, maxpool1d */
		dl_embedding_spec embedding;
		dl_rnn_spec rnn;		/* lstm, gru */
		dl_attention_spec attention;	/* attention, transformer_encoder */
		dl_posenc_spec posenc;	/* positional_encoding */
	};
} dl_layer_spec;

/* the defaults above for a layer of type t (a valid type) */
extern void dl_layer_spec_defaults(dl_layer_spec *s, dl_layer_type t);

struct dl_layer_ops;

typedef struct dl_layer
{
	dl_layer_spec spec;
	const struct dl_layer_ops *ops; /* its type's row of the layer table */
	dl_shape	in_shape;
	dl_shape	out_shape;
	size_t		param_offset;	/* into dl_network.params */
	size_t		n_params;		/* trainable + non-trainable */
	size_t		n_trainable;
	/* fusions chosen by the plan: this layer's backward pass runs the next one's too */
	bool		fuses_next;
	bool		fused_into_prev;	/* its backward pass runs inside the previous layer's */
	/*
	 * Its input is a sequence whose padding (id 0 of an embedding with
	 * mask_zero) is masked: set by the plan, from the first layer through
	 * those that keep the steps (layers.h, keeps_mask)
	 */
	bool		mask_in;
} dl_layer;

/*
 * Whether a warm start may copy layer a's parameters into layer b: the
 * same type, shapes and counts, and the same sizes where equal counts can
 * hide a different layout (kernel 3x1 or 1x3; 2 heads of 4 or 4 of 2).
 * The trainable count too: a learned positional table is not a sinusoidal
 * one, which would keep the learned values frozen.  Rates, epsilons and
 * the like may differ.
 */
extern bool dl_layer_same_layout(const dl_layer *a, const dl_layer *b);

typedef struct dl_network
{
	int			n_layers;
	dl_layer   *layers;
	dl_shape	input_shape;
	dl_shape	output_shape;
	size_t		n_params;
	float	   *params;			/* n_params floats, zeroed by init */
	/*
	 * A joined network (a text column with other features): each input row
	 * holds the first layer's inputs (layers[0].in_shape), then n_joined
	 * more, which are appended to the output of layer join_layer - the
	 * first whose output is one vector per row - so that the layer after
	 * it reads the concatenation.  input_shape is then flat.  n_joined 0:
	 * no join (join_layer unused).
	 */
	int			n_joined;
	int			join_layer;
	/*
	 * The last sparse_inputs inputs are not in the rows x of a pass but in
	 * the workspace's sparse batch (dl_train_csr), which the first
	 * layer, dense on a flat input, multiplies directly.  0 (the default,
	 * and prediction's): every input is in x.  Set by the trainer after
	 * init, never stored.
	 */
	int			sparse_inputs;
} dl_network;

/* DL_EINVAL unless net can take its last sparse_inputs inputs sparse (a first dense layer on a flat input) */
extern dl_status dl_network_check_sparse(const dl_network *net);

/*
 * Validates the specs against the input shape (22023 naming the layer's
 * position and what is wrong), infers every shape, counts and allocates
 * the parameters.  Specs are copied.
 */
extern dl_status dl_network_init(dl_network *net, const dl_layer_spec *specs,
								 int n_layers, const dl_shape *input);
/*
 * dl_network_init without the parameter buffer (net->params stays NULL):
 * for readers of stored models, which compare the count with the bytes
 * they hold before allocating.  Invalid specs are reported with status bad.
 */
extern dl_status dl_network_plan(dl_network *net, const dl_layer_spec *specs,
								 int n_layers, const dl_shape *input, dl_status bad);
/*
 * The same for a joined network: input is the first layer's input shape,
 * and n_joined (> 0) inputs follow it in each row and join after the first
 * layer whose output is one vector per row; status bad when none is before
 * the last layer.
 */
extern dl_status dl_network_init_joined(dl_network *net, const dl_layer_spec *specs,
										int n_layers, const dl_shape *input, int n_joined);
extern dl_status dl_network_plan_joined(dl_network *net, const dl_layer_spec *specs,
										int n_layers, const dl_shape *input, int n_joined,
										dl_status bad);
/*
 * Where n_joined inputs would join: *join the index of that layer, -1
 * when no layer before the last gives one vector per row (the layers up to
 * there are planned, and a layer that cannot take its input is DL_EINVAL)
 */
extern dl_status dl_network_join_layer(const dl_layer_spec *specs, int n_layers,
									   const dl_shape *input, int n_joined, int *join);
extern void dl_network_free(dl_network *net);
/*
 * One dense layer with bias and no activation, parameters zeroed: inputs ->
 * units.  The analytics models are stored this way (k-means: scores of the
 * centroids; PCA: the projection) and the caller fills W (inputs, units) and b.
 */
extern dl_status dl_network_init_linear(dl_network *net, int inputs, int units);
/* He-normal before relu/leaky_relu/gelu, Glorot-uniform otherwise; biases 0; norm gamma 1, beta 0, running variance 1 */
extern void dl_network_init_params(dl_network *net, uint64_t seed);

/* Activations for up to max_batch rows; training adds gradients, optimizer state, dropout masks. */
typedef struct dl_workspace dl_workspace;

extern dl_status dl_workspace_create(const dl_network *net, int max_batch,
									 bool training, dl_workspace **ws);
extern void dl_workspace_free(dl_workspace *ws);
extern size_t dl_workspace_bytes(const dl_network *net, int max_batch, bool training);

/*
 * Inference: x is (n, input size) row-major, out is (n, output size) with
 * the last layer's activation applied (softmax probabilities, sigmoid
 * probability).  n <= max_batch of ws.  Allocates nothing; cannot fail.
 */
extern void dl_network_predict(const dl_network *net, dl_workspace *ws,
							   const float *x, int n, float *out);

/*
 * The representation a network computes before its output layer, as
 * pgdl.embed returns it: the input of its last dense layer (a text model's
 * pooled embedding; the network's input when that layer is the first).
 * dl_network_embed writes n rows of dl_network_embed_size values (the
 * input shape of layer dl_network_embed_layer, flat) into out, as
 * dl_network_predict does its outputs.
 */
extern int	dl_network_embed_layer(const dl_network *net);
extern size_t dl_network_embed_size(const dl_network *net);
extern void dl_network_embed(const dl_network *net, dl_workspace *ws,
							 const float *x, int n, float *out);

/*
 * Checks n rows of network input for what the kernels cannot refuse: the
 * token ids of an embedding layer must be integers in [0, input_dim).
 * DL_EINVAL names the id, its row (when n > 1) and position, and the
 * vocabulary size.  dl_train and dl_evaluate_loss check their data;
 * callers of dl_network_predict check each input before it (an unchecked
 * bad id reads as a zero vector).
 */
extern dl_status dl_network_check_input(const dl_network *net, const float *x, size_t n);

/* ------------------------------------------------------------------------
 * Losses, optimizers, training
 * ------------------------------------------------------------------------
 */
typedef enum dl_task
{
	DL_TASK_REGRESSION = 1,		/* one output, loss mse/mae/huber */
	DL_TASK_CLASSIFICATION = 2, /* labels, loss cross-entropy or binary cross-entropy */
	DL_TASK_CLUSTERING = 3,		/* k-means: one output per cluster (the labels: cluster ids), the
								 * highest is the nearest centroid; loss cross_entropy; no target */
	DL_TASK_PROJECTION = 4		/* PCA: the outputs are the projection; loss mse; no labels, no target */
} dl_task;

extern const char *dl_task_name(dl_task t);

typedef enum dl_loss
{
	DL_LOSS_MSE = 1,
	DL_LOSS_MAE = 2,
	DL_LOSS_HUBER = 3,			/* delta 1 */
	DL_LOSS_BCE = 4,			/* one sigmoid output, fused (log-sigmoid) */
	DL_LOSS_CE = 5				/* softmax outputs, fused (log-sum-exp) */
} dl_loss;

extern const char *dl_loss_name(dl_loss l);

typedef enum dl_optimizer
{
	DL_OPT_SGD = 1,
	DL_OPT_MOMENTUM = 2,		/* momentum, nesterov */
	DL_OPT_ADAM = 3,
	DL_OPT_ADAMW = 4			/* decoupled weight decay */
} dl_optimizer;

extern const char *dl_optimizer_name(dl_optimizer o);

typedef struct dl_train_options
{
	dl_loss		loss;
	float		huber_delta;	/* 1 */
	dl_optimizer optimizer;		/* adam */
	float		learning_rate;	/* 0.001 */
	float		momentum;		/* 0.9 (momentum optimizer) */
	bool		nesterov;		/* false */
	float		beta1;			/* 0.9 */
	float		beta2;			/* 0.999 */
	float		adam_epsilon;	/* 1e-8 */
	float		weight_decay;	/* 0: L2 added to the gradient; adamw: decoupled */
	float		l1;				/* 0 */
	float		clip_norm;		/* 0 = off: global gradient norm */
	int			batch_size;		/* 64 */
	int			epochs;			/* 10 */
	int			patience;		/* 0 = no early stopping */
	uint64_t	seed;
} dl_train_options;

extern void dl_train_options_defaults(dl_train_options *o);

/*
 * Rows of sparse inputs, compressed: row r's values are val[ptr[r] ..
 * ptr[r + 1]) at the columns col[...] (0 .. n_cols - 1).  Bag-of-words
 * text features are held this way in training: memory in proportion to
 * the words present, not to the vocabulary.
 */
typedef struct dl_csr
{
	size_t		n_rows;
	int			n_cols;
	uint64_t   *ptr;			/* n_rows + 1 */
	int32_t    *col;
	float	   *val;
} dl_csr;

/*
 * The sparse inputs of a batch: batch row i is row rows[i] of csr (rows
 * NULL: first + i)
 */
typedef struct dl_sparse_batch
{
	const dl_csr *csr;			/* NULL: none */
	const uint32_t *rows;
	size_t		first;
} dl_sparse_batch;

typedef struct dl_dataset
{
	const float *x;				/* n x n_features, row-major */
	const float *y;				/* n: class index 0..n_classes-1, or the value */
	size_t		n;
	int			n_features;
	int			n_classes;		/* 0 for regression */
} dl_dataset;

/* Which rows train and which validate: a seeded permutation, stratified by class. */
typedef struct dl_split
{
	uint32_t   *train;
	size_t		n_train;
	uint32_t   *validation;
	size_t		n_validation;	/* 0: validation skipped */
	const char *skipped_reason; /* static text when skipped, else NULL */
} dl_split;

extern dl_status dl_split_rows(const dl_dataset *data, double fraction, uint64_t seed,
							   bool stratify, dl_split *split);
extern void dl_split_free(dl_split *split);

typedef struct dl_epoch_report
{
	int			epoch;			/* 1-based */
	int			epochs;
	double		train_loss;		/* mean over the epoch's batches, regularization excluded */
	double		validation_loss;	/* NaN without validation */
	const char *metric;			/* "accuracy" or "rmse" */
	double		validation_metric;	/* NaN without validation */
	double		seconds;		/* this epoch */
	double		rows_per_second;
	bool		improved;		/* best validation loss so far */
} dl_epoch_report;

/* called after each epoch; may raise an error (the glue's NOTICE, progress) */
typedef void (*dl_epoch_callback) (const dl_epoch_report *r, void *arg);

typedef struct dl_train_result
{
	int			epochs_run;
	int			best_epoch;		/* weights kept from this epoch (early stopping) */
	double		train_loss;
	double		validation_loss;
	const char *metric;
	double		validation_metric;
	double		seconds;
} dl_train_result;

/*
 * Trains net in place on data's split->train rows; validation rows measure
 * the loss and metric after each epoch and, with patience > 0, stop early
 * keeping the best weights.  Checks for interrupts every batch.  Same seed,
 * data and split give bit-identical weights with one BLAS thread.
 */
extern dl_status dl_train(dl_network *net, const dl_train_options *o,
						  const dl_dataset *data, const dl_split *split,
						  dl_epoch_callback cb, void *cb_arg, dl_train_result *result);

/*
 * dl_train with sparse inputs: row r's inputs are the n_features of data
 * then row r of sparse (NULL: none), net->sparse_inputs of them, which
 * the network's first layer, dense, multiplies directly.
 */
extern dl_status dl_train_csr(dl_network *net, const dl_train_options *o,
							  const dl_dataset *data, const dl_csr *sparse,
							  const dl_split *split, dl_epoch_callback cb, void *cb_arg,
							  dl_train_result *result);

/*
 * Where the training loop gets its rows: an epoch begins (rng: shuffle
 * with it; NULL: in order), then next() copies up to max rows into x
 * (rows x n_features) and y, setting *got, 0 once the epoch has given its
 * n_rows.  The two sources (stream.c): the rows of a matrix in memory, and
 * blocks of rows streamed from storage.  rows_checked: every row was
 * checked before training (targets and the network's inputs); otherwise
 * dl_train checks each batch as it arrives.
 */
typedef struct dl_batch_source
{
	size_t		n_rows;			/* rows per epoch */
	bool		rows_checked;
	/* the sparse inputs of the rows next() gave last (csr NULL: the source has none) */
	dl_sparse_batch batch;
	dl_status	(*begin) (void *self, dl_rng *rng);
	dl_status	(*next) (void *self, float *x, float *y, int max, int *got);
	void	   *self;
} dl_batch_source;

/* the rows (NULL: 0 .. n - 1) of data in memory, in a seeded random order per epoch */
typedef struct dl_memory_rows
{
	const dl_dataset *data;
	const uint32_t *rows;		/* NULL: every row in order */
	uint32_t   *order;			/* this epoch's order, when shuffled */
	size_t		n;
	size_t		pos;
	const dl_csr *sparse;		/* NULL, or the rows' sparse inputs (set after init) */
	dl_batch_source *src;		/* whose batch names the sparse rows of the last batch */
} dl_memory_rows;

extern dl_status dl_memory_rows_init(dl_memory_rows *m, const dl_dataset *data,
									 const uint32_t *rows, size_t n, dl_batch_source *src);
extern void dl_memory_rows_free(dl_memory_rows *m);

/*
 * Rows streamed in blocks, with the two-level shuffle of CorgiPile (Xu et
 * al., SIGMOD 2022): each epoch visits the blocks in a seeded random order
 * and fills a buffer of several blocks, whose rows are then shuffled
 * together.  Storage holds rows as n_features floats followed by the
 * target; read() copies rows [first, first + count) there into dst.
 */
typedef dl_status (*dl_stream_read_fn) (void *arg, size_t first, size_t count, float *dst);

typedef struct dl_stream
{
	size_t		n_rows;
	int			n_features;
	size_t		block_rows;		/* rows per block (the last may hold fewer) */
	size_t		n_blocks;
	size_t		buffer_blocks;	/* blocks the shuffle buffer holds */
	dl_stream_read_fn read;
	void	   *arg;
	/* state of the epoch */
	uint32_t   *block_order;
	float	   *buffer;			/* buffer_blocks * block_rows rows of n_features + 1 */
	uint32_t   *perm;			/* the buffer's rows in the order they are given */
	size_t		next_block;		/* in block_order */
	size_t		in_buffer;
	size_t		buffer_pos;
	size_t		given;
	dl_rng	   *rng;			/* NULL: in order */
} dl_stream;

/*
 * block_rows >= 1; buffer_rows >= block_rows (rounded down to whole
 * blocks, and to no more blocks than there are).  Allocates the buffer and
 * the block order (dl_alloc: the glue's budget sees it).
 */
extern dl_status dl_stream_init(dl_stream *s, size_t n_rows, int n_features, size_t block_rows,
								size_t buffer_rows, dl_stream_read_fn read, void *arg,
								dl_batch_source *src);
extern void dl_stream_free(dl_stream *s);

/*
 * dl_train on batch sources: train (shuffled each epoch with the seed's
 * generator) and validation (NULL or no rows: no validation, in order).
 * n_features and n_classes describe the rows both give.
 */
extern dl_status dl_train_source(dl_network *net, const dl_train_options *o, int n_features,
								 int n_classes, dl_batch_source *train,
								 dl_batch_source *validation, dl_epoch_callback cb,
								 void *cb_arg, dl_train_result *result);

/* mean loss of the network on rows (NULL = all), as dl_train measures it */
extern dl_status dl_evaluate_loss(const dl_network *net, const dl_train_options *o,
								  const dl_dataset *data, const uint32_t *rows, size_t n,
								  double *loss, double *metric);
/* the same with sparse inputs, as dl_train_csr takes them */
extern dl_status dl_evaluate_loss_csr(const dl_network *net, const dl_train_options *o,
									  const dl_dataset *data, const dl_csr *sparse,
									  const uint32_t *rows, size_t n, double *loss,
									  double *metric);

/* ------------------------------------------------------------------------
 * A model's preprocessing fitted on its training rows, in double precision
 *
 * The rows stay where the caller keeps them (the glue: a temporary file);
 * the fit asks for passes over the training rows until it is complete:
 *
 *		dl_prep_fit_begin(&f, d, DL_IMPUTE_MEDIAN, true, n_train, max_bytes);
 *		while (dl_prep_fit_wants_pass(&f))
 *		{
 *			for each training row x (d doubles, NaN = missing):
 *				dl_prep_fit_row(&f, x);
 *			dl_prep_fit_end_pass(&f);
 *		}
 *		model->imputer = f.imputer; model->scaler = f.scaler;
 *
 * First the imputer over the present values (the mean from the moments the
 * aggregates use; the median exact, as percentile_cont, a block of columns
 * per pass whose values fit max_bytes), then the standard scaler over the
 * imputed rows (population standard deviation, 0 becoming 1), the same
 * dl_scaler values the SQL scalers produce.  Applying them is
 * dl_scaler_transform, in double, before any cast to float32.
 * ------------------------------------------------------------------------
 */
typedef struct dl_prep_fit
{
	int			d;
	dl_impute_strategy impute;	/* NONE, MEAN or MEDIAN */
	bool		standardize;
	int			stage;			/* 0 imputer, 1 scaler, 2 done */
	size_t		n_rows;			/* training rows fed in this pass */
	size_t		n_train;
	size_t		max_bytes;
	int			col_lo;			/* median: this pass's columns [col_lo, col_hi) */
	int			col_hi;
	double	   *vals;			/* median: n_train values per column of the block */
	size_t	   *n_vals;
	double	   *slots;			/* moments of the pass */
	dl_moments_soa m;
	double	   *row;			/* a row after the imputer */
	bool	   *isnull;
	dl_scaler  *imputer;		/* results (NULL when not asked for); */
	dl_scaler  *scaler;			/* freed with dl_prep_fit_free unless taken */
} dl_prep_fit;

extern dl_status dl_prep_fit_begin(dl_prep_fit *f, int d, dl_impute_strategy impute,
								   bool standardize, size_t n_train, size_t max_bytes);
extern bool dl_prep_fit_wants_pass(const dl_prep_fit *f);
extern void dl_prep_fit_row(dl_prep_fit *f, const double *x);
extern dl_status dl_prep_fit_end_pass(dl_prep_fit *f);
/* frees the working memory (and the results, unless set to NULL first) */
extern void dl_prep_fit_free(dl_prep_fit *f);
/* percentile_cont(0.5) of m > 0 values, sorted in place */
extern double dl_median(double *a, size_t m);
/* applies s to n_rows rows of x (NaN = missing, filled by an imputer) */
extern void dl_apply_scaler_rows(const dl_scaler *s, float *x, size_t n_rows, int d);

/* ------------------------------------------------------------------------
 * Parsing the layers and training options (JSON text, e.g. from jsonb)
 * ------------------------------------------------------------------------
 */
/* options.impute: what a NULL, NaN or infinite feature does */
typedef enum dl_missing
{
	DL_MISSING_ERROR = 0,		/* 22004 / 22P02 naming the column and row */
	DL_MISSING_MEAN = 1,		/* imputer fitted on the training rows */
	DL_MISSING_MEDIAN = 2,
	DL_MISSING_DROP_ROW = 3
} dl_missing;

/* how train_model holds its rows (the option "data") */
typedef enum dl_data_mode
{
	DL_DATA_AUTO = 0,			/* in memory when they fit the budget, otherwise streamed */
	DL_DATA_MEMORY = 1,			/* one matrix in memory; 54000 past the budget */
	DL_DATA_STREAM = 2			/* blocks streamed from a temporary file each epoch */
} dl_data_mode;

/* a value of an object option keyed by names (options.h: DL_OPT_OBJECTS) */
typedef struct dl_option_entry
{
	char	   *name;
	void	   *value;			/* the struct its schema reads */
} dl_option_entry;

typedef struct dl_options
{
	dl_train_options train;
	dl_task		task;			/* 0 = infer from the target */
	bool		loss_given;
	bool		has_input_shape;
	dl_shape	input_shape;
	double		validation_fraction;	/* 0.1, in [0, 1) */
	bool		standardize;	/* true */
	int			n_categorical;
	char	  **categorical;	/* column names */
	int			n_numeric_text;
	char	  **numeric_text;	/* text column names read as numbers */
	int			n_dates;
	char	  **dates;			/* date and timestamp column names used as features */
	int			n_date_encodings;
	char	  **date_encodings; /* names of DL_DATE_* encodings; NULL: days */
	int			n_text;
	dl_option_entry *text;		/* text columns: each a dl_text_column (text_feature.h) */
	dl_missing	impute;
	char	   *warm_start;		/* NULL or "name@N" text, checked by the glue */
	char	   *description;	/* NULL or text */
	int64_t		max_memory_kb;	/* 0 = the setting */
	bool		seed_given;
	dl_data_mode data;
	int			shuffle_buffer; /* rows; 0 = what a share of the budget holds */
	int			parallel_workers;	/* 0: serial; n: data-parallel on up to n parallel workers */
	bool		replace;		/* a version may change the name's features, task or labels */
} dl_options;

/*
 * Layers: a JSON array of objects with a "type" and that type's keys.
 * Options: a JSON object; unknown keys and wrong types or ranges are
 * DL_EINVAL naming the key and the accepted values.  Results are dl_alloc'd.
 * The options are read by their schema, dl_train_schema (options.h); the
 * glue hands it a tree walked from jsonb, dl_parse_options takes text.
 */
extern dl_status dl_parse_layers(const char *json, dl_layer_spec **specs, int *n);
extern dl_status dl_parse_options(const char *json, dl_options *o);
/* the options of "{}"; and freeing what dl_parse_options allocated (o is reset to the defaults) */
extern void dl_options_defaults(dl_options *o);
extern void dl_options_free(dl_options *o);
/* the JSON array text of specs (for the registry's layers column and model_info) */
extern char *dl_layers_to_json(const dl_layer_spec *specs, int n);

/*
 * Makes the last layer the task's output: appends a dense layer when the
 * last is not dense; fills units (n_outputs) and the activation when not
 * given (softmax for CE, sigmoid for BCE, linear otherwise); a given size or
 * activation that contradicts the loss is DL_EINVAL.  *specs is replaced.
 */
extern dl_status dl_complete_output(dl_layer_spec **specs, int *n, dl_task task,
									int n_outputs, dl_loss loss);

/*
 * The same, and a sentence in note saying what was added or filled in
 * ("added an output layer (dense, 1 unit, sigmoid) after layer 2 ..."),
 * "" when the layers given were the output as they are.  No layers (n 0,
 * specs NULL) is a linear model: one dense output layer.
 */
extern dl_status dl_complete_output_noted(dl_layer_spec **specs, int *n, dl_task task,
										  int n_outputs, dl_loss loss, char *note,
										  size_t note_size);

/*
 * DL_EINVAL when the input of a first conv2d or 2-D pool looks
 * channels-last ([28,28,1], [32,32,3]: at most 4 last, more than 4 first),
 * saying what to write instead; pgdl's images are [channels, height, width].
 */
extern dl_status dl_check_channels_first(const dl_layer_spec *specs, int n, const dl_shape *in);

/*
 * The loss when none is given: mse for regression, cross_entropy for more
 * than two classes; for two, cross_entropy over two outputs when the last
 * layer is dense with 2 units and softmax (Keras' Dense(2, "softmax")),
 * else binary_cross_entropy.
 */
extern dl_loss dl_default_loss(dl_task task, int n_labels, const dl_layer_spec *specs, int n);

/* ------------------------------------------------------------------------
 * Models: what pgdl stores per version and exports as bytes
 * ------------------------------------------------------------------------
 */
typedef enum dl_feature_kind
{
	DL_FEATURE_NUMBER = 1,		/* numeric or bool column: 1 input */
	DL_FEATURE_ARRAY = 2,		/* 1-D array: length inputs */
	DL_FEATURE_MATRIX = 3,		/* 2-D array (sequence): rows x cols inputs */
	DL_FEATURE_CATEGORICAL = 4,	/* text column one-hot: n_categories inputs */
	DL_FEATURE_TEXT_NUMBER = 5,	/* text column read as a number (option numeric_text): 1 input */
	DL_FEATURE_DATE = 6,		/* date or timestamp column (option dates): the inputs of its encodings */
	DL_FEATURE_TEXT = 7			/* text column as tokens (option text; text_feature.h) */
} dl_feature_kind;

/*
 * The encodings of a date feature (option date_encoding), a bit each; its
 * inputs are theirs in this order.  Appended to, never renumbered.
 */
#define DL_DATE_DAYS			0x01u	/* days since 1970-01-01 (fractional for timestamps): 1 */
#define DL_DATE_DOW				0x02u	/* day of the week one-hot, Monday first: 7 */
#define DL_DATE_MONTH			0x04u	/* month one-hot, January first: 12 */
#define DL_DATE_DOW_CYCLIC		0x08u	/* sin, cos of 2 pi (day of the week) / 7: 2 */
#define DL_DATE_MONTH_CYCLIC	0x10u	/* sin, cos of 2 pi (month - 1) / 12: 2 */
#define DL_DATE_ALL				0x1Fu

/* the inputs a set of date encodings gives (0 for an empty or unknown set) */
extern int	dl_date_inputs(unsigned encodings);

/* how a text feature gives its inputs (the option "text": "encoding") */
typedef enum dl_text_encoding
{
	DL_TEXT_SEQUENCE = 1,		/* length token ids: 0 padding, 1 unknown */
	DL_TEXT_TFIDF = 2,			/* bag of words, one input per id from 2: count x idf, L2-normalised */
	DL_TEXT_COUNTS = 3,			/* bag of words: term counts */
	DL_TEXT_BINARY = 4			/* bag of words: 1 when present */
} dl_text_encoding;

#define DL_TEXT_ENCODING_LAST DL_TEXT_BINARY

/* a bag-of-words encoding: its inputs are held sparse in training (dl_csr) */
#define dl_text_bag_encoding(e) ((e) == DL_TEXT_TFIDF || (e) == DL_TEXT_COUNTS || (e) == DL_TEXT_BINARY)

typedef struct dl_feature
{
	char	   *name;			/* column name */
	dl_feature_kind kind;
	int			length;			/* inputs it gives */
	int			rows;			/* matrix */
	int			cols;
	int			n_categories;	/* categorical, sorted bytewise (C collation) */
	char	  **categories;
	unsigned	encodings;		/* date: DL_DATE_* bits (stored in the rows field) */
	dl_text_encoding encoding;	/* text */
	struct dl_vocab *vocab;		/* text: its final vocabulary (NULL until fitted) */
} dl_feature;

/* a text feature with a bag-of-words encoding */
#define dl_feature_is_bag(f) ((f)->kind == DL_FEATURE_TEXT && dl_text_bag_encoding((f)->encoding))

/*
 * What a classifier's target column held, so that predict returns the same
 * kind of answer for every label: numbers for a numeric target, 0/1 for
 * bool, and never a number for a text target, whatever its labels look
 * like (the README, "Labels").  Appended to, never renumbered.
 */
typedef enum dl_label_kind
{
	DL_LABELS_UNRECORDED = 0,	/* models written before the kind was stored, and
								 * every model that is not a classifier */
	DL_LABELS_NUMBER = 1,		/* an integer or numeric target */
	DL_LABELS_BOOL = 2,			/* 'false', 'true' */
	DL_LABELS_TEXT = 3			/* text, or any other type read as its text */
} dl_label_kind;

typedef struct dl_model
{
	dl_task		task;
	dl_loss		loss;
	char	   *target;			/* target column name */
	int			n_labels;		/* classification: labels in class order */
	char	  **labels;
	dl_label_kind label_kind;	/* classification: the target's kind (0: not recorded) */
	int			n_features;
	dl_feature *features;
	int			n_inputs;		/* sum of feature lengths = network input size */
	/*
	 * NULL, or applied first; then the scaler.  They cover the first
	 * inputs, up to the bag-of-words features (dl_model_dense_inputs),
	 * which come last and pass through as they are.
	 */
	dl_scaler  *imputer;
	dl_scaler  *scaler;
	char	   *options_json;	/* training options as given (JSON text), may be NULL */
	dl_network	net;
} dl_model;

/*
 * The inputs before m's bag-of-words features, which a model lays out
 * after all its other inputs: what its imputer and scaler cover.
 */
extern int	dl_model_dense_inputs(const dl_model *m);

/*
 * The weights format (docs/model-format.md).  The reader checks every size
 * and count before using it: damaged bytes are DL_EFORMAT, a newer format
 * version DL_EVERSION, more than max_params parameters DL_ELIMIT.
 */
#define DL_MODEL_MAGIC "PGDLMODL"
#define DL_MODEL_FORMAT_VERSION 2

extern dl_status dl_model_write(const dl_model *m, uint8_t **out, size_t *len);
/* the format version dl_model_write gives a model: the lowest that holds it */
extern uint32_t dl_model_format_version(const dl_model *m);
/* the checksum of the format: CRC-32C (Castagnoli), as iSCSI and ext4 use */
extern uint32_t dl_crc32c(const uint8_t *p, size_t n);
extern dl_status dl_model_read(const uint8_t *data, size_t len, size_t max_params,
							   dl_model *m);
/*
 * Whether the network of a model read from bytes predicts finite values for
 * an input of zeros (DL_EFORMAT otherwise).  Finite parameters can still
 * overflow float32 on the way (a bias of 3e38 added to itself): import
 * refuses such a model rather than store one that can only answer NaN.
 */
extern dl_status dl_model_probe(const dl_model *m);
/*
 * The kind of m's labels (labels.c): the recorded one, or for a model
 * written before it was recorded the one all its labels share (all
 * 'false'/'true': bool; all plain decimal numbers: number; else text);
 * DL_LABELS_UNRECORDED for a model without labels.
 */
extern dl_label_kind dl_model_label_kind(const dl_model *m);
/* the number label k stands for (numbers: their value; bool: 0/1); false for text labels */
extern bool dl_label_number(const dl_model *m, int k, double *v);
/* frees everything dl_model_read allocated (the host may instead drop its memory context) */
extern void dl_model_free(dl_model *m);

#endif							/* PGDL_DL_NN_H */
