/*-------------------------------------------------------------------------
 *
 * dl_train_state.h
 *	  The state of data-parallel training: a model being trained, as one
 *	  flat block of bytes that an aggregate can carry from process to
 *	  process.
 *
 * Usage (what the glue's aggregate does, src/pg/train_parallel.c):
 *
 *		size = dl_tstate_bytes(model_len, n_params, n_moments, d, buffer_rows);
 *		dl_tstate_init(s, ...);                    -- round start: weights, options
 *		dl_tstate_add_row(s, x, y) == full?  ->  dl_tstate_train_pending(s, net, ws)
 *		dl_tstate_train_pending(...)               -- at the end: the last rows
 *		dl_tstate_merge(a, b)                      -- partial models, averaged by rows
 *
 * The layout (every part 8-byte aligned, native byte order; the SQL type's
 * text form is these bytes in hex, docs/architecture.md):
 *
 *		dl_tstate header | model bytes (the weights format: architecture,
 *		preprocessing and the round's starting weights) | params (n_params
 *		float) | n_moments x n_params float (momentum: 1, adam: 2) |
 *		buffer_rows x d float (rows waiting to be trained) | buffer_rows float
 *		(their targets)
 *
 * src/core/dl_train_state.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_DL_TRAIN_STATE_H
#define PGDL_DL_TRAIN_STATE_H

#include "dl_nn.h"

#define DL_TSTATE_MAGIC "PGDLTST1"
#define DL_TSTATE_VERSION 1

/* flags */
#define DL_TSTATE_TRAIN		0x1 /* train on the training rows (else evaluate only) */
#define DL_TSTATE_DROP_ROW	0x2 /* a row with a missing feature is skipped */
#define DL_TSTATE_BY_POSITION 0x4	/* a row's columns are the features in order, then
									 * the target (as train_model builds them; Citus
									 * sends rows to its workers without names) */
#define DL_TSTATE_FLAGS		0x7

/* the header; its size is a multiple of 8 and it has no padding */
typedef struct dl_tstate
{
	char		magic[8];
	uint32_t	version;
	uint32_t	flags;
	uint64_t	total_bytes;	/* the header and every part */
	uint64_t	model_len;		/* bytes of the model part (unpadded) */
	uint64_t	n_params;
	int32_t		n_moments;		/* 0, 1 or 2 */
	int32_t		n_inputs;		/* d: floats per buffered row */
	int32_t		batch_size;
	int32_t		buffer_rows;	/* capacity of the row buffer */
	int32_t		pending;		/* rows in the buffer, not trained yet */
	int32_t		partials;		/* partial states merged into this one (1: one process) */
	int64_t		step;			/* optimizer updates so far (Adam's bias correction) */
	int64_t		rows;			/* rows trained this round */
	int64_t		validation_rows;	/* rows evaluated this round */
	int64_t		skipped_rows;	/* NULL targets, rows dropped for a missing feature */
	double		loss_sum;		/* training loss summed over rows, as the batches saw it */
	double		validation_loss_sum;	/* with the round's starting weights */
	double		validation_metric_sum;
	double		validation_fraction;	/* of the rows, chosen by a seeded hash of each */
	uint64_t	split_seed;		/* the hash's seed (the option seed): the same in every round */
	uint64_t	rng[4];			/* shuffles the buffer before it is trained */
	uint64_t	dropout_seed;	/* each process's dropout stream starts from it */
	/* the training options */
	int32_t		optimizer;
	int32_t		loss;
	int32_t		nesterov;
	float		learning_rate;
	float		momentum;
	float		beta1;
	float		beta2;
	float		adam_epsilon;
	float		weight_decay;
	float		l1;
	float		clip_norm;
	float		huber_delta;
} dl_tstate;

/* the moment buffers the optimizer keeps: sgd 0, momentum 1, adam and adamw 2 */
extern int	dl_tstate_moments(dl_optimizer opt);

/* bytes of a state with these parts, or SIZE_MAX when that overflows */
extern size_t dl_tstate_bytes(size_t model_len, size_t n_params, int n_moments, int d,
							  int buffer_rows);

/*
 * Fills s (dl_tstate_bytes(...) bytes, zeroed or not) for a round: the
 * model bytes, the parameters to start from (model's weights when params
 * is NULL), the optimizer's moments (zeros when NULL) and step, the
 * options, the round's seed (shuffles and dropout) and the split's seed.
 */
extern void dl_tstate_init(dl_tstate *s, const uint8_t *model, size_t model_len,
						   size_t n_params, const float *params, const float *moments,
						   int64_t step, int d, int buffer_rows, const dl_train_options *o,
						   double validation_fraction, uint64_t round_seed, uint32_t flags);

/* the parts */
extern const uint8_t *dl_tstate_model(const dl_tstate *s);
extern float *dl_tstate_params(const dl_tstate *s);
extern float *dl_tstate_moment(const dl_tstate *s, int i);
extern float *dl_tstate_x(const dl_tstate *s);
extern float *dl_tstate_y(const dl_tstate *s);

/* the options the state trains with */
extern void dl_tstate_options(const dl_tstate *s, dl_train_options *o);

/*
 * Checks a state of len bytes that arrived from outside: DL_OK, or
 * DL_EFORMAT (DL_EVERSION for a newer format) and *why.  The model part is
 * checked by its own reader when it is used.
 */
extern dl_status dl_tstate_check(const void *p, size_t len, const char **why);

/* whether two states can be merged (the same model shape and options): DL_EFORMAT otherwise */
extern dl_status dl_tstate_compatible(const dl_tstate *a, const dl_tstate *b, const char **why);

/* a copy of src into dst (dl_tstate_bytes with buffer_rows >= src->pending) */
extern void dl_tstate_copy(dl_tstate *dst, const dl_tstate *src, int buffer_rows);

/*
 * Whether a row (its features as read, NaN for missing, and its target)
 * is a validation row: a hash of its values seeded with split_seed, so the
 * choice depends on the row alone, not on which process reads it or when.
 */
extern bool dl_row_is_validation(uint64_t seed, double fraction, const double *x, int d, float y);
/* the same for a state's split */
extern bool dl_tstate_is_validation(const dl_tstate *s, const double *x, int d, float y);

/* appends a prepared row to the buffer; true when the buffer is then full */
extern bool dl_tstate_add_row(dl_tstate *s, const float *x, float y);

/*
 * Trains net, whose params must be dl_tstate_params(s), on the buffered
 * rows: shuffled by the state's generator, then in mini-batches through
 * ws (a training workspace of at least batch_size rows; its moments are
 * copied from and back to the state).  DL_ERANGE when the loss diverges.
 */
extern dl_status dl_tstate_train_pending(dl_tstate *s, dl_network *net, dl_workspace *ws);

/*
 * Merges other into into (both without pending rows, compatible): the
 * parameters and optimizer moments become their averages weighted by the
 * rows each trained this round (the step too, rounded), the counts and
 * sums add up.  Merging in any order gives the same model up to float
 * rounding.
 */
extern void dl_tstate_merge(dl_tstate *into, const dl_tstate *other);

/*
 * The workspaces of a process: training (batch_size rows; its dropout
 * stream seeded from the state) and evaluation (one row).
 */
extern dl_status dl_tstate_workspaces(const dl_tstate *s, const dl_network *net,
									  dl_workspace **train, dl_workspace **eval);

/* adds a validation row's loss and metric term under net (the round's starting weights) */
extern void dl_tstate_evaluate_row(dl_tstate *s, const dl_network *net, dl_workspace *eval,
								   const float *x, float y);

/* the mean validation loss and the metric (accuracy, or rmse) of the rows evaluated; NaN without any */
extern void dl_tstate_validation(const dl_tstate *s, const dl_network *net, double *loss,
								 double *metric);

#endif							/* PGDL_DL_TRAIN_STATE_H */
