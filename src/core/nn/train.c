/*-------------------------------------------------------------------------
 *
 * train.c
 *	  Splitting rows into training and validation, the training loop and
 *	  measuring a network's loss.
 *
 * An epoch takes its mini-batches from a batch source (stream.c: the rows
 * of a matrix in memory, shuffled with a generator seeded from the
 * options' seed, or blocks of rows streamed from storage with a two-level
 * shuffle from the same generator), each gathered into one contiguous
 * buffer (so every layer runs on whole-batch sgemm), and runs forward, loss, backward,
 * gradient clipping and the optimizer step.  Nothing in the loop depends on
 * time or addresses, so a seed, the data and the split fix the weights bit
 * for bit (with one BLAS thread: OpenBLAS splits sums differently across
 * threads).  Early stopping keeps a copy of the parameters of the best
 * epoch - by validation loss, or by training loss without validation rows -
 * and puts it back at the end.  An epoch's training loss is the mean over
 * its rows as the batches saw them (each batch's mean weighted by its
 * rows, so a short last batch counts for what it holds).  A loss that
 * stops being finite, or parameters that do, end training with DL_ERANGE
 * rather than leave NaN weights behind.
 *
 * src/core/nn/train.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>
#include <time.h>

#include "nn_kernels.h"

/* ---- splitting ---- */

#define SPLIT_MIN_ROWS 10

static void
split_all_train(const dl_dataset *data, dl_split *split, const char *reason)
{
	split->n_train = data->n;
	split->train = dl_alloc(sizeof(uint32_t) * (data->n ? data->n : 1));
	for (size_t i = 0; i < data->n; i++)
		split->train[i] = (uint32_t) i;
	split->validation = NULL;
	split->n_validation = 0;
	split->skipped_reason = reason;
}

/* the class of row i, or -1 if y is not one of 0 .. n_classes - 1 */
static int
row_class(const dl_dataset *data, size_t i)
{
	float		y = data->y[i];

	if (!(y >= 0.0f && y < (float) data->n_classes) || y != floorf(y))
		return -1;
	return (int) y;
}

dl_status
dl_split_rows(const dl_dataset *data, double fraction, uint64_t seed,
			  bool stratify, dl_split *split)
{
	size_t		n = data->n;
	dl_rng		rng;
	uint32_t   *perm;
	size_t		n_val;

	memset(split, 0, sizeof(*split));
	if (!(fraction >= 0.0 && fraction < 1.0))
		return dl_error(DL_EINVAL, "validation fraction must be at least 0 and below 1, got %g",
						fraction);
	if (n > UINT32_MAX)
		return dl_error(DL_ELIMIT, "at most %u training rows are supported", UINT32_MAX);
	if (fraction == 0.0)
	{
		split_all_train(data, split, "validation_fraction is 0");
		return DL_OK;
	}
	if (n < SPLIT_MIN_ROWS)
	{
		split_all_train(data, split, "fewer than 10 rows: every row is used for training");
		return DL_OK;
	}
	stratify = stratify && data->n_classes > 0;

	perm = dl_alloc(sizeof(uint32_t) * n);
	for (size_t i = 0; i < n; i++)
		perm[i] = (uint32_t) i;
	dl_rng_seed(&rng, seed);
	dl_rng_shuffle(&rng, perm, n);

	if (!stratify)
	{
		n_val = (size_t) round(fraction * (double) n);
		if (n_val == 0)
		{
			dl_free(perm);
			split_all_train(data, split, "validation_fraction selects no row");
			return DL_OK;
		}
		if (n_val >= n)
			n_val = n - 1;
		split->validation = dl_alloc(sizeof(uint32_t) * n_val);
		split->train = dl_alloc(sizeof(uint32_t) * (n - n_val));
		memcpy(split->validation, perm, sizeof(uint32_t) * n_val);
		memcpy(split->train, perm + n_val, sizeof(uint32_t) * (n - n_val));
		split->n_validation = n_val;
		split->n_train = n - n_val;
	}
	else
	{
		int			k = data->n_classes;
		size_t	   *count = dl_alloc(sizeof(size_t) * 2 * k);
		size_t	   *want = count + k;
		size_t		nt = 0,
					nv = 0;

		memset(count, 0, sizeof(size_t) * k);
		for (size_t i = 0; i < n; i++)
		{
			int			c = row_class(data, i);

			if (c < 0)
			{
				dl_free(count);
				dl_free(perm);
				return dl_error(DL_EINVAL, "target of row %zu is %g, not a class index below %d",
								i + 1, (double) data->y[i], k);
			}
			count[c]++;
		}
		n_val = 0;
		for (int c = 0; c < k; c++)
		{
			want[c] = (size_t) round(fraction * (double) count[c]);
			n_val += want[c];
			if (count[c] == 0 || want[c] >= count[c])
			{
				const char *reason = count[c] == 0 ?
					"a class has no rows, so validation cannot be stratified" :
					"a class has too few rows to keep one for training after validation";

				dl_free(count);
				dl_free(perm);
				split_all_train(data, split, reason);
				return DL_OK;
			}
		}
		if (n_val == 0)
		{
			dl_free(count);
			dl_free(perm);
			split_all_train(data, split, "validation_fraction selects no row");
			return DL_OK;
		}
		/* the first want[c] rows of class c in the shuffled order validate */
		split->validation = dl_alloc(sizeof(uint32_t) * n_val);
		split->train = dl_alloc(sizeof(uint32_t) * (n - n_val));
		for (size_t i = 0; i < n; i++)
		{
			uint32_t	r = perm[i];
			int			c = row_class(data, r);

			if (want[c] > 0)
			{
				want[c]--;
				split->validation[nv++] = r;
			}
			else
				split->train[nt++] = r;
		}
		split->n_validation = nv;
		split->n_train = nt;
		dl_free(count);
	}
	dl_free(perm);
	return DL_OK;
}

void
dl_split_free(dl_split *split)
{
	dl_free(split->train);
	dl_free(split->validation);
	split->train = split->validation = NULL;
	split->n_train = split->n_validation = 0;
}

void
dl_train_options_defaults(dl_train_options *o)
{
	memset(o, 0, sizeof(*o));
	o->loss = DL_LOSS_MSE;
	o->huber_delta = 1.0f;
	o->optimizer = DL_OPT_ADAM;
	o->learning_rate = 0.001f;
	o->momentum = 0.9f;
	o->beta1 = 0.9f;
	o->beta2 = 0.999f;
	o->adam_epsilon = 1e-8f;
	o->batch_size = 64;
	o->epochs = 10;
}

/* ---- checks shared by training and evaluation ---- */

static dl_status
check_network(const dl_network *net, const dl_train_options *o, int n_features, int n_classes)
{
	size_t		k = dl_shape_size(&net->output_shape);

	if (o->loss < DL_LOSS_MSE || o->loss > DL_LOSS_CE)
		return dl_error(DL_EINVAL, "unknown loss %d", (int) o->loss);
	/* a dense output after a conv keeps the spatial axes: one row's outputs must be a vector */
	if (net->output_shape.ndim != 1)
	{
		char		buf[64];

		dl_shape_format(&net->output_shape, buf, sizeof(buf));
		return dl_error(DL_EDIM, "the network's output has shape %s, not a vector: put a flatten or global_avgpool layer before the output layer",
						buf);
	}
	if ((size_t) n_features != dl_shape_size(&net->input_shape))
		return dl_error(DL_EDIM, "the network takes %zu inputs but the data has %d features",
						dl_shape_size(&net->input_shape), n_features);
	if (net->sparse_inputs > 0)
	{
		dl_status	st = dl_network_check_sparse(net);

		if (st != DL_OK)
			return st;
	}
	if (o->loss == DL_LOSS_CE)
	{
		if (n_classes < 2 || k != (size_t) n_classes)
			return dl_error(DL_EDIM, "cross_entropy needs one output per class: the network has %zu outputs for %d classes",
							k, n_classes);
		if (!dl_output_fused(net, o->loss))
			return dl_error(DL_EINVAL, "cross_entropy needs a softmax output layer");
	}
	if (o->loss == DL_LOSS_BCE)
	{
		if (k != 1 || n_classes > 2)
			return dl_error(DL_EDIM, "binary_cross_entropy needs one output and two classes, got %zu outputs and %d classes",
							k, n_classes);
		if (!dl_output_fused(net, o->loss))
			return dl_error(DL_EINVAL, "binary_cross_entropy needs a sigmoid output layer");
	}
	return DL_OK;
}

/* the network and the rows of data in memory, every row once: the kernels cannot refuse a bad token id */
static dl_status
check_setup(const dl_network *net, const dl_train_options *o, const dl_dataset *data,
			const dl_csr *sparse)
{
	int			n_sparse = sparse ? sparse->n_cols : 0;
	dl_status	st;

	if (n_sparse != net->sparse_inputs)
		return dl_error(DL_EDIM, "the network takes %d sparse inputs but the data has %d",
						net->sparse_inputs, n_sparse);
	if (sparse && sparse->n_rows != data->n)
		return dl_error(DL_EDIM, "the sparse inputs have %zu rows, the data %zu",
						sparse->n_rows, data->n);
	st = check_network(net, o, data->n_features + n_sparse, data->n_classes);
	/* a first layer taking sparse inputs is dense: no token ids to check */
	return st != DL_OK || n_sparse > 0 ? st : dl_network_check_input(net, data->x, data->n);
}

/* y must be a class index for the classification losses (r: the row's number, for the message) */
static dl_status
check_target(const dl_train_options *o, int n_classes, float y, size_t r)
{
	int			k = o->loss == DL_LOSS_BCE ? 2 : n_classes;

	if ((o->loss == DL_LOSS_CE || o->loss == DL_LOSS_BCE) &&
		(!(y >= 0.0f && y < (float) k) || y != floorf(y)))
		return dl_error(DL_EINVAL, "target of row %zu is %g, not a class index below %d",
						r + 1, (double) y, k);
	return DL_OK;
}

/* rows (NULL: 0 .. n - 1) must be rows of data, with class targets for the classification losses */
static dl_status
check_rows(const dl_train_options *o, const dl_dataset *data, const uint32_t *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
	{
		size_t		r = rows ? rows[i] : i;
		dl_status	st;

		if (r >= data->n)
			return dl_error(DL_EINVAL, "row index %zu is out of range (%zu rows)", r, data->n);
		if ((st = check_target(o, data->n_classes, data->y[r], r)) != DL_OK)
			return st;
	}
	return DL_OK;
}

/*
 * The next batch of src into the workspace: *b rows (0 at the end of the
 * epoch), checked here when the source did not check its rows before
 */
static dl_status
next_batch(const dl_network *net, const dl_train_options *o, int n_classes, dl_batch_source *src,
		   dl_workspace *ws, int max, int *b)
{
	dl_status	st = src->next(src->self, ws->x, ws->y, max, b);

	ws->sparse = src->batch;
	if (st == DL_OK && *b > 0 && net->sparse_inputs > 0 &&
		(src->batch.csr == NULL || src->batch.csr->n_cols != net->sparse_inputs))
		return dl_error(DL_EINTERNAL, "the network takes %d sparse inputs the batch source does not give",
						net->sparse_inputs);
	if (st != DL_OK || src->rows_checked || *b == 0)
		return st;
	for (int i = 0; i < *b; i++)
		if ((st = check_target(o, n_classes, ws->y[i], (size_t) i)) != DL_OK)
			return st;
	return dl_network_check_input(net, ws->x, (size_t) *b);
}

/* ---- evaluation ---- */

static const char *
metric_name(dl_loss loss)
{
	return loss == DL_LOSS_CE || loss == DL_LOSS_BCE ? "accuracy" : "rmse";
}

/* mean loss and the metric over the rows of src, in order, in chunks of ws->max_batch */
static dl_status
evaluate(const dl_network *net, dl_workspace *ws, const dl_train_options *o, int n_classes,
		 dl_batch_source *src, double *loss, double *metric)
{
	size_t		k = dl_shape_size(&net->output_shape);
	bool		fused = dl_output_fused(net, o->loss);
	double		loss_sum = 0.0,
				metric_sum = 0.0;
	size_t		n = 0;
	dl_status	st;

	*loss = *metric = NAN;
	if ((st = src->begin(src->self, NULL)) != DL_OK)
		return st;
	for (;;)
	{
		int			b;

		dl_check_interrupts();
		if ((st = next_batch(net, o, n_classes, src, ws, ws->max_batch, &b)) != DL_OK)
			return st;
		if (b == 0)
			break;
		dl_forward_infer(net, ws, ws->x, b, ws->logits, fused);
		loss_sum += b * dl_loss_forward_backward(NULL, ws->logits, ws->y, b, (int) k,
												 o->loss, o->huber_delta);
		metric_sum += dl_metric_sum(ws->logits, ws->y, b, (int) k, o->loss);
		n += b;
	}
	if (n == 0)
		return DL_OK;
	*loss = loss_sum / n;
	if (o->loss == DL_LOSS_CE || o->loss == DL_LOSS_BCE)
		*metric = metric_sum / n;
	else
		*metric = sqrt(metric_sum / ((double) n * k));
	return DL_OK;
}

dl_status
dl_evaluate_loss(const dl_network *net, const dl_train_options *o,
				 const dl_dataset *data, const uint32_t *rows, size_t n,
				 double *loss, double *metric)
{
	return dl_evaluate_loss_csr(net, o, data, NULL, rows, n, loss, metric);
}

dl_status
dl_evaluate_loss_csr(const dl_network *net, const dl_train_options *o,
					 const dl_dataset *data, const dl_csr *sparse, const uint32_t *rows,
					 size_t n, double *loss, double *metric)
{
	dl_workspace *ws;
	dl_memory_rows m;
	dl_batch_source src;
	dl_status	st;

	if (!rows)
		n = data->n;
	*loss = *metric = NAN;
	if ((st = check_setup(net, o, data, sparse)) != DL_OK)
		return st;
	if ((st = check_rows(o, data, rows, n)) != DL_OK)
		return st;
	if (n == 0)
		return DL_OK;
	if ((st = dl_workspace_create_mode(net, n < 256 ? (int) n : 256, DL_WS_EVALUATE, &ws)) != DL_OK)
		return st;
	dl_memory_rows_init(&m, data, rows, n, &src);
	m.sparse = sparse;
	src.rows_checked = true;
	st = evaluate(net, ws, o, data->n_classes, &src, loss, metric);
	dl_memory_rows_free(&m);
	dl_workspace_free(ws);
	return st;
}

/* ---- training ---- */

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* scales the trainable gradients down to a global L2 norm of at most clip */
static void
clip_gradients(const dl_network *net, float *grads, float clip)
{
	double		sq = 0.0;
	double		norm;

	for (int i = 0; i < net->n_layers; i++)
	{
		const float *g = grads + net->layers[i].param_offset;

		for (size_t j = 0; j < net->layers[i].n_trainable; j++)
			sq += (double) g[j] * g[j];
	}
	norm = sqrt(sq);
	if (norm > clip)
	{
		float		s = (float) (clip / norm);

		for (int i = 0; i < net->n_layers; i++)
		{
			float	   *g = grads + net->layers[i].param_offset;

			for (size_t j = 0; j < net->layers[i].n_trainable; j++)
				g[j] *= s;
		}
	}
}

static bool
params_finite(const dl_network *net)
{
	for (size_t i = 0; i < net->n_params; i++)
		if (!isfinite(net->params[i]))
			return false;
	return true;
}

/*
 * One optimizer step on the b rows gathered in ws->x and ws->y: forward,
 * loss, backward, clipping and the update (step is its 1-based number).
 * Returns the batch's mean loss; when that is not finite nothing is updated.
 * dl_train and the data-parallel state (train_state.c) train through it.
 */
double
dl_train_step(dl_network *net, dl_workspace *ws, const dl_train_options *o, int b, long step)
{
	size_t		k = dl_shape_size(&net->output_shape);
	bool		fused = dl_output_fused(net, o->loss);
	const float *out = dl_forward_train(net, ws, ws->x, b, fused);
	double		loss = dl_loss_forward_backward(ws->d0, out, ws->y, b, (int) k, o->loss, o->huber_delta);

	if (!isfinite(loss))
		return loss;
	memset(ws->grads, 0, sizeof(float) * net->n_params);
	dl_backward(net, ws, b, fused, NULL);
	if (o->clip_norm > 0.0f)
		clip_gradients(net, ws->grads, o->clip_norm);
	for (int i = 0; i < net->n_layers; i++)
	{
		const dl_layer *l = &net->layers[i];

		if (l->n_trainable > 0)
			dl_optim_step(net->params + l->param_offset, ws->grads + l->param_offset,
						  ws->m + l->param_offset, ws->v + l->param_offset,
						  l->n_trainable, o, step);
	}
	return loss;
}

/* what is wrong with the optimizer settings, or NULL */
const char *
dl_train_options_problem(const dl_train_options *o)
{
	if (o->optimizer < DL_OPT_SGD || o->optimizer > DL_OPT_ADAMW)
		return "unknown optimizer";
	if (!(o->learning_rate > 0.0f) || !isfinite(o->learning_rate))
		return "learning_rate must be positive and finite";
	if (o->batch_size < 1)
		return "batch_size must be at least 1";
	if (o->epochs < 1)
		return "epochs must be at least 1";
	if (o->patience < 0)
		return "patience must not be negative";
	if (!(o->weight_decay >= 0.0f) || !(o->l1 >= 0.0f) || !(o->clip_norm >= 0.0f))
		return "weight_decay, l1 and clip_norm must not be negative";
	if (o->loss == DL_LOSS_HUBER && !(o->huber_delta > 0.0f))
		return "huber_delta must be positive";
	if (o->optimizer == DL_OPT_MOMENTUM && !(o->momentum >= 0.0f && o->momentum < 1.0f))
		return "momentum must be at least 0 and below 1";
	if ((o->optimizer == DL_OPT_ADAM || o->optimizer == DL_OPT_ADAMW) &&
		(!(o->beta1 >= 0.0f && o->beta1 < 1.0f) || !(o->beta2 >= 0.0f && o->beta2 < 1.0f) ||
		 !(o->adam_epsilon > 0.0f)))
		return "beta1 and beta2 must be at least 0 and below 1, adam_epsilon positive";
	return NULL;
}

static dl_status
check_options(const dl_train_options *o)
{
	const char *problem = dl_train_options_problem(o);

	return problem ? dl_error(DL_EINVAL, "%s", problem) : DL_OK;
}

static dl_status
diverged(const dl_train_options *o, int epoch)
{
	return dl_error(DL_ERANGE, "training diverged at epoch %d (loss is not finite); lower learning_rate (now %g), set clip_norm, or standardize the features",
					epoch, (double) o->learning_rate);
}

dl_status
dl_train(dl_network *net, const dl_train_options *o, const dl_dataset *data,
		 const dl_split *split, dl_epoch_callback cb, void *cb_arg, dl_train_result *result)
{
	return dl_train_csr(net, o, data, NULL, split, cb, cb_arg, result);
}

dl_status
dl_train_csr(dl_network *net, const dl_train_options *o, const dl_dataset *data,
			 const dl_csr *sparse, const dl_split *split, dl_epoch_callback cb, void *cb_arg,
			 dl_train_result *result)
{
	dl_memory_rows train_rows,
				validation_rows;
	dl_batch_source train,
				validation;
	dl_status	st;

	memset(result, 0, sizeof(*result));
	result->metric = metric_name(o->loss);
	result->train_loss = result->validation_loss = result->validation_metric = NAN;
	if ((st = check_options(o)) != DL_OK || (st = check_setup(net, o, data, sparse)) != DL_OK)
		return st;
	if (split->n_train == 0)
		return dl_error(DL_EINVAL, "there are no training rows");
	if ((st = check_rows(o, data, split->train, split->n_train)) != DL_OK ||
		(st = check_rows(o, data, split->validation, split->n_validation)) != DL_OK)
		return st;
	dl_memory_rows_init(&train_rows, data, split->train, split->n_train, &train);
	dl_memory_rows_init(&validation_rows, data, split->validation, split->n_validation, &validation);
	train_rows.sparse = validation_rows.sparse = sparse;
	train.rows_checked = validation.rows_checked = true;
	st = dl_train_source(net, o, data->n_features + (sparse ? sparse->n_cols : 0),
						 data->n_classes, &train, &validation, cb, cb_arg, result);
	dl_memory_rows_free(&train_rows);
	dl_memory_rows_free(&validation_rows);
	return st;
}

dl_status
dl_train_source(dl_network *net, const dl_train_options *o, int n_features, int n_classes,
				dl_batch_source *train, dl_batch_source *validation, dl_epoch_callback cb,
				void *cb_arg, dl_train_result *result)
{
	size_t		n_train = train->n_rows;
	bool		validate = validation && validation->n_rows > 0;
	int			batch;
	dl_workspace *ws;
	float	   *best = NULL;
	double		best_loss = INFINITY;
	dl_rng		rng;
	long		step = 0;
	double		start = now_seconds();
	dl_status	st;

	memset(result, 0, sizeof(*result));
	result->metric = metric_name(o->loss);
	result->train_loss = result->validation_loss = result->validation_metric = NAN;
	if ((st = check_options(o)) != DL_OK || (st = check_network(net, o, n_features, n_classes)) != DL_OK)
		return st;
	if (n_train == 0)
		return dl_error(DL_EINVAL, "there are no training rows");

	batch = n_train < (size_t) o->batch_size ? (int) n_train : o->batch_size;
	if ((st = dl_workspace_create_mode(net, batch, DL_WS_TRAIN, &ws)) != DL_OK)
		return st;
	/* the dropout stream is its own, so adding dropout does not change the shuffles */
	dl_rng_seed(&ws->rng, o->seed ^ UINT64_C(0xD1B54A32D192ED03));
	dl_rng_seed(&rng, o->seed);
	if (o->patience > 0)
		best = dl_alloc(sizeof(float) * (net->n_params ? net->n_params : 1));

	for (int epoch = 1; epoch <= o->epochs; epoch++)
	{
		double		t0 = now_seconds();
		double		loss_sum = 0.0;
		size_t		seen = 0;
		dl_epoch_report r;
		double		monitored;

		if ((st = train->begin(train->self, &rng)) != DL_OK)
			goto done;
		for (;;)
		{
			int			b;
			double		loss;

			dl_check_interrupts();
			if ((st = next_batch(net, o, n_classes, train, ws, batch, &b)) != DL_OK)
				goto done;
			if (b == 0)
				break;
			seen += b;
			loss = dl_train_step(net, ws, o, b, step + 1);
			if (!isfinite(loss))
			{
				st = diverged(o, epoch);
				goto done;
			}
			loss_sum += loss * b;
			step++;
		}
		if (seen != n_train)
		{
			st = dl_error(DL_EINTERNAL, "an epoch gave %zu rows, not %zu", seen, n_train);
			goto done;
		}
		if (!params_finite(net))
		{
			st = diverged(o, epoch);
			goto done;
		}

		memset(&r, 0, sizeof(r));
		r.epoch = epoch;
		r.epochs = o->epochs;
		r.train_loss = loss_sum / n_train;
		r.metric = result->metric;
		r.validation_loss = r.validation_metric = NAN;
		if (validate &&
			(st = evaluate(net, ws, o, n_classes, validation, &r.validation_loss,
						   &r.validation_metric)) != DL_OK)
			goto done;
		r.seconds = now_seconds() - t0;
		r.rows_per_second = r.seconds > 0.0 ? n_train / r.seconds : 0.0;
		monitored = validate ? r.validation_loss : r.train_loss;
		r.improved = monitored < best_loss;

		result->epochs_run = epoch;
		if (r.improved || o->patience == 0)
		{
			if (r.improved)
				best_loss = monitored;
			result->best_epoch = epoch;
			result->train_loss = r.train_loss;
			result->validation_loss = r.validation_loss;
			result->validation_metric = r.validation_metric;
			if (best)
				memcpy(best, net->params, sizeof(float) * net->n_params);
		}
		if (cb)
			cb(&r, cb_arg);
		if (o->patience > 0 && epoch - result->best_epoch >= o->patience)
			break;
	}
	if (best && result->best_epoch > 0 && result->best_epoch != result->epochs_run)
		memcpy(net->params, best, sizeof(float) * net->n_params);
	st = DL_OK;

done:
	result->seconds = now_seconds() - start;
	dl_free(best);
	dl_workspace_free(ws);
	return st;
}
