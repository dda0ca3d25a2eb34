/*-------------------------------------------------------------------------
 *
 * train.c
 *	  pgdl.train_model: from a source to a new model version.
 *
 * The path (docs/architecture.md, "Data paths"): resolve the features and the target
 * (see the README) -> read the source through a read-only SPI cursor, as the
 * caller, into a temporary file of rows in double precision, with the
 * memory budget (budget.c) charged for all that is held -> seeded split ->
 * imputer / scaler fitted on the training rows -> the rows prepared into one
 * float32 matrix, or into temporary files streamed each epoch when they do
 * not fit the budget or the option "data" says so (stream.c) -> the
 * engine's training loop (which checks for interrupts every batch) -> one new
 * version in the registry with its per-epoch history.  An error or a cancel
 * at any point writes nothing: the registry rows are inserted last, in the
 * caller's transaction.
 *
 * src/pg/train.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "tcop/utility.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "arrays.h"
#include "budget.h"
#include "citus_ship.h"
#include "coerce.h"
#include "dataset.h"
#include "evaluate.h"
#include "models.h"
#include "options.h"
#include "pgdl.h"
#include "predict.h"
#include "progress.h"
#include "source.h"
#include "stream.h"
#include "text_features.h"
#include "train_parallel.h"

PG_FUNCTION_INFO_V1(pgdl_train_model);
PG_FUNCTION_INFO_V1(pgdl_cross_validate);


/* ---- the columns of the source ------------------------------------------- */

/* ---- the target ------------------------------------------------------------ */

/* ---- progress ---------------------------------------------------------------- */

typedef struct TrainProgress
{
	const char *name;
	dl_epoch_report *epochs;	/* one per epoch run */
	int			n_epochs;
	int			capacity;
	MemoryContext mcxt;
} TrainProgress;

static void
on_epoch(const dl_epoch_report *r, void *arg)
{
	TrainProgress *p = arg;
	char		activity[256];

	if (p->n_epochs == p->capacity)
	{
		MemoryContext old = MemoryContextSwitchTo(p->mcxt);
		int			cap = Max(16, p->capacity * 2);

		p->epochs = p->epochs ? repalloc(p->epochs, sizeof(dl_epoch_report) * cap)
			: palloc(sizeof(dl_epoch_report) * cap);
		p->capacity = cap;
		MemoryContextSwitchTo(old);
	}
	p->epochs[p->n_epochs++] = *r;

	if (isnan(r->validation_loss))
		ereport(NOTICE,
				(errmsg("epoch %d/%d: train loss %.6g, %.0f rows/s, %.2f s",
						r->epoch, r->epochs, r->train_loss, r->rows_per_second, r->seconds)));
	else
		ereport(NOTICE,
				(errmsg("epoch %d/%d: train loss %.6g, validation loss %.6g, validation %s %.4f, %.0f rows/s, %.2f s",
						r->epoch, r->epochs, r->train_loss, r->validation_loss, r->metric,
						r->validation_metric, r->rows_per_second, r->seconds)));
	/* visible in pg_stat_activity.query from any connection */
	snprintf(activity, sizeof(activity), "pgdl: training %s epoch %d/%d loss %.4g",
			 p->name, r->epoch, r->epochs, r->train_loss);
	pgstat_report_activity(STATE_RUNNING, activity);
	pgdl_progress_update(p->name, r);
}

/*
 * trains on the split of data in memory (with bags, its rows' bags of
 * words: sparse inputs after data's), or on the rows of sd (not NULL)
 */
static void
run_training(dl_model *model, const dl_options *opts, const dl_dataset *data,
			 const dl_csr *bags, const dl_split *split, PgdlStreamData *sd,
			 TrainProgress *progress, dl_train_result *result, PgdlParallelRun *par)
{
	const dl_train_options *o = &opts->train;

	pgdl_progress_start(progress->name, o->epochs);
	PG_TRY();
	{
		if (par)
		{
			par->on_epoch = on_epoch;
			par->on_epoch_arg = progress;
			pgdl_train_parallel(model, opts, par, result);
		}
		else if (sd)
			pgdl_check_status(dl_train_source(&model->net, o, sd->d, data->n_classes, &sd->train_src,
											  &sd->validation_src, on_epoch, progress, result));
		else
			pgdl_check_status(dl_train_csr(&model->net, o, data, bags, split, on_epoch, progress,
											result));
	}
	PG_FINALLY();
	{
		pgdl_progress_end();
		/* pg_stat_activity shows the statement again, not the last epoch */
		if (debug_query_string)
			pgstat_report_activity(STATE_RUNNING, debug_query_string);
	}
	PG_END_TRY();
}

/* the memory a training may use: the option "max_memory" or the setting */
static size_t
training_limit(const dl_options *opts)
{
	return (size_t) (opts->max_memory_kb > 0 ? opts->max_memory_kb : pgdl_max_training_memory_kb) * 1024;
}

static const char *
training_limit_name(const dl_options *opts)
{
	return opts->max_memory_kb > 0 ? "the option \"max_memory\"" : "pgdl.max_training_memory";
}

/*
 * The training workspace (activations, what attention keeps for its
 * backward pass, gradients, the optimizer's moments) is allocated at once by
 * dl_train: measured here against the memory limit first, so that a long
 * sequence through attention (T x T weights per head and row) is a clear
 * 54000 rather than an allocation failure or the OOM killer.
 */
static void
check_workspace(const dl_network *net, const dl_options *opts, size_t n_train)
{
	size_t		limit = training_limit(opts);
	int			batch;
	size_t		need;

	if (n_train == 0)
		return;					/* dl_train reports it */
	batch = n_train < (size_t) opts->train.batch_size ? (int) n_train : opts->train.batch_size;
	need = dl_workspace_bytes(net, batch, true);
	if (need > limit)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 need == SIZE_MAX ?
				 errmsg("training this network on batches of %d rows needs more memory than can be addressed",
						batch) :
				 errmsg("training this network on batches of %d rows needs %zu kB of working memory, more than %s (%zu kB)",
						batch, (need + 1023) / 1024, training_limit_name(opts), limit / 1024),
				 errhint("Lower batch_size, use shorter sequences or a smaller network, or raise pgdl.max_training_memory (superuser).")));
}

/*
 * The input shape of the network: the option, else a sequence feature's
 * steps x features, else flat; 22000 when it does not hold the features.
 */
static dl_shape
network_input_shape(const dl_model *model, const dl_options *opts)
{
	dl_shape	in;

	if (opts->has_input_shape)
		in = opts->input_shape;
	else if (model->n_features == 1 && model->features[0].kind == DL_FEATURE_MATRIX)
	{
		in.ndim = 2;
		in.dim[0] = model->features[0].rows;
		in.dim[1] = model->features[0].cols;
	}
	else
	{
		in.ndim = 1;
		in.dim[0] = model->n_inputs;
	}
	if (dl_shape_size(&in) != (size_t) model->n_inputs)
	{
		char		buf[64];

		dl_shape_format(&in, buf, sizeof(buf));
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("input_shape %s holds %zu values, the features give %d", buf,
						dl_shape_size(&in), model->n_inputs)));
	}
	return in;
}

/* the working memory of the planned network on batches of batch rows, and its parameters */
static size_t
network_bytes(const dl_model *model, const dl_options *opts, const dl_layer_spec *specs,
			  int nspecs, int batch, size_t *n_params, size_t *param_bytes)
{
	dl_shape	in = network_input_shape(model, opts);
	int			joined;
	dl_shape	branch = pgdl_text_branch_shape(model, &in, &joined);
	dl_network	plan;
	size_t		ws;

	pgdl_check_status(dl_check_channels_first(specs, nspecs, &in));
	pgdl_check_status(dl_network_plan_joined(&plan, specs, nspecs, &branch, joined, DL_EINVAL));
	*n_params = plan.n_params;
	*param_bytes = plan.n_params * sizeof(float);
	ws = dl_workspace_bytes(&plan, batch, true);
	dl_network_free(&plan);
	return ws;
}

/*
 * The network planned (shapes and parameter counts, nothing allocated) and
 * its size checked before a row is read or a parameter allocated: the
 * parameters against pgdl.max_model_size (the model must be storable), and
 * the parameters with one row's training workspace (gradients and the
 * optimizer's moments included) against the training memory.  A network of
 * billions of parameters is then a prompt 54000, not gigabytes allocated and
 * initialised first.
 */
static void
check_network_size(const dl_model *model, const dl_options *opts, const dl_layer_spec *specs,
				   int nspecs)
{
	size_t		n_params;
	size_t		param_bytes;
	size_t		model_limit = (size_t) pgdl_max_model_size_kb * 1024;
	size_t		limit = training_limit(opts);
	size_t		ws = network_bytes(model, opts, specs, nspecs, 1, &n_params, &param_bytes);
	size_t		need;

	if (param_bytes > model_limit)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the network has %zu parameters (%zu kB as float32), more than pgdl.max_model_size (%zu kB)",
						n_params, (param_bytes + 1023) / 1024, model_limit / 1024),
				 errhint("Use fewer or smaller layers, or raise pgdl.max_model_size (superuser).")));
	if (ws == SIZE_MAX || __builtin_add_overflow(param_bytes, ws, &need))
		need = SIZE_MAX;
	if (need > limit)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 need == SIZE_MAX ?
				 errmsg("training this network needs more memory than can be addressed") :
				 errmsg("training this network needs at least %zu kB (%zu parameters with their gradients and optimizer state, and one row's activations), more than %s (%zu kB)",
						(need + 1023) / 1024, n_params, training_limit_name(opts), limit / 1024),
				 errhint("Use a smaller network or shorter sequences, or raise pgdl.max_training_memory (superuser).")));
}

/*
 * data "auto": whether n prepared rows fit in memory with what the budget
 * holds already - the float32 matrix, the split's row indexes, a median
 * imputer's block, the network and a batch's workspace; otherwise they are streamed (stream.c).  A
 * network whose workspace alone does not fit stays in memory: streaming
 * would not help, and check_workspace says why.
 */
static bool
rows_fit_memory(const dl_model *model, const dl_options *opts, const dl_layer_spec *specs,
				int nspecs, const PgdlRows *rows, const PgdlBudget *budget)
{
	size_t		limit = training_limit(opts);
	size_t		held = MemoryContextMemAllocated(budget->cxt, true);
	size_t		n_params;
	size_t		param_bytes;
	int			batch = rows->n < (size_t) opts->train.batch_size ? (int) rows->n : opts->train.batch_size;
	size_t		ws = network_bytes(model, opts, specs, nspecs, Max(batch, 1), &n_params, &param_bytes);
	double		need;

	if (rows->y == NULL)
		return false;			/* past the limit while spooling */
	/* x, then the split's indexes, the epoch's order and the preprocessing's row flags */
	need = (double) rows->n * ((double) rows->d * sizeof(float) + 2 * sizeof(uint32) + 1);
	/* a median imputer's passes hold a block of columns while x is held (fit_preprocessing) */
	if (opts->impute == DL_MISSING_MEDIAN)
		need += Min((double) Max(limit / 4, (size_t) 1 << 20), (double) rows->n * rows->d * sizeof(double));
	if (held >= limit || ws == SIZE_MAX || (double) param_bytes + ws >= (double) (limit - held))
		return true;
	return need <= (double) (limit - held) - (double) param_bytes - (double) ws;
}

/* whether a model reads a text column as a bag of words */
static bool
model_has_bags(const dl_model *model)
{
	for (int i = 0; i < model->n_features; i++)
		if (dl_feature_is_bag(&model->features[i]))
			return true;
	return false;
}

/* ---- the function --------------------------------------------------------------- */

static char *
jsonb_arg_text(FunctionCallInfo fcinfo, int i, const char *dflt)
{
	Jsonb	   *j;

	if (PG_ARGISNULL(i))
		return pstrdup(dflt);
	j = PG_GETARG_JSONB_P(i);
	return JsonbToCString(NULL, &j->root, VARSIZE(j));
}

/* feeds the training rows of the spool to a preprocessing fit */
typedef struct PrepPass
{
	dl_prep_fit *fit;
	const bool *is_train;		/* in memory; NULL: streamed, split by sp */
	const PgdlStreamSplit *sp;
} PrepPass;

static void
prep_pass_row(size_t i, int64 rowno, float y, double *x, void *arg)
{
	PrepPass   *p = arg;

	if (p->is_train ? p->is_train[i] : !pgdl_stream_validates(p->sp, i))
		dl_prep_fit_row(p->fit, x);
}

/*
 * The model's imputer and scaler fitted, in double precision, on the
 * training rows as they were read (the spool) - split's, or those sp does
 * not keep for validation when the rows are streamed - then, with x, every
 * row prepared into x (n x n_inputs float32) by pgdl_preprocess_row: the
 * function pgdl.predict calls, so training and prediction see the same
 * inputs bit for bit.  (Streamed rows are prepared as they are written:
 * pgdl_stream_write.)
 */
static void
fit_preprocessing(dl_model *model, const dl_options *opts, bool standardize, PgdlRows *rows,
				  const dl_split *split, const PgdlStreamSplit *sp, float *x, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	dl_prep_fit fit;
	PrepPass	pass;
	bool	   *is_train = NULL;
	dl_impute_strategy impute = opts->impute == DL_MISSING_MEAN ? DL_IMPUTE_MEAN :
		opts->impute == DL_MISSING_MEDIAN ? DL_IMPUTE_MEDIAN : DL_IMPUTE_NONE;

	if (split)
	{
		is_train = palloc0(sizeof(bool) * Max(rows->n, 1));
		for (size_t k = 0; k < split->n_train; k++)
			is_train[split->train[k]] = true;
	}
	/* bags of words only: no input for an imputer or a scaler (they pass bags through) */
	if (rows->d > 0)
	{
		/* a median imputer's passes hold a block of columns' values: a share of the budget */
		pgdl_check_status(dl_prep_fit_begin(&fit, rows->d, impute, standardize,
											split ? split->n_train : sp->n_train,
											Max(training_limit(opts) / 4, (size_t) 1 << 20)));
		pass.fit = &fit;
		pass.is_train = is_train;
		pass.sp = sp;
		while (dl_prep_fit_wants_pass(&fit))
		{
			pgdl_rows_foreach(rows, prep_pass_row, &pass);
			pgdl_check_status(dl_prep_fit_end_pass(&fit));
		}
		model->imputer = fit.imputer;
		model->scaler = fit.scaler;
		pgdl_text_keep_ids(model);
		fit.imputer = fit.scaler = NULL;
		dl_prep_fit_free(&fit);
	}
	if (is_train)
		pfree(is_train);

	if (x)						/* streamed and data-parallel rows are prepared as they are read */
		pgdl_rows_prepare(model, rows, x, NULL);
	MemoryContextSwitchTo(old);
}

/*
 * Fits model (its network built from specs) on split's training rows:
 * its preprocessing fitted on them, every row of the spool prepared into
 * data->x, then the network trained.  Without x, the rows are streamed
 * instead: split by sp, prepared into the temporary files of sd, and read
 * from there each epoch.  Returns the rows' bags of words (in train_cxt),
 * the inputs after data->x's, or NULL without bag-of-words features.
 */
static const dl_csr *
fit_model(dl_model *model, const dl_options *opts, const dl_layer_spec *specs, int nspecs,
		  dl_dataset *data, PgdlRows *rows, float *x, const dl_split *split,
		  const PgdlStreamSplit *sp, TrainProgress *progress, dl_train_result *result,
		  MemoryContext train_cxt, PgdlParallelRun *par)
{
	MemoryContext old;
	PgdlStreamData sd;
	dl_csr	   *bags = NULL;

	/* text features: vocabularies fitted on the training rows, token ids in the rows, bags of words beside them */
	if (rows->text)
	{
		dl_layer_spec *own = MemoryContextAlloc(train_cxt, sizeof(dl_layer_spec) * nspecs);

		memcpy(own, specs, sizeof(dl_layer_spec) * nspecs);
		bags = pgdl_text_fit(model, opts, rows, split, sp, own, nspecs, train_cxt);
		specs = own;
	}
	/* token ids are not scaled: an embedding reads them as they are (the joined inputs are) */
	fit_preprocessing(model, opts, opts->standardize &&
					  (!(nspecs > 0 && specs[0].type == DL_LAYER_EMBEDDING) || pgdl_text_joined_inputs(model) > 0),
					  rows, split, sp, x, train_cxt);
	data->x = x;
	/* the bags' inputs, after the rows' (pgdl_text_layout): the network's size, now known */
	if (bags)
	{
		pgdl_text_bag_inputs(model);
		check_network_size(model, opts, specs, nspecs);
	}
	old = MemoryContextSwitchTo(train_cxt);

	/* the network (its size was checked before the rows were read) */
	{
		dl_shape	in = network_input_shape(model, opts);
		int			joined;
		dl_shape	branch = pgdl_text_branch_shape(model, &in, &joined);

		pgdl_check_status(dl_network_init_joined(&model->net, specs, nspecs, &branch, joined));
		/* the bags of words come sparse, multiplied directly by the first dense layer */
		model->net.sparse_inputs = bags ? bags->n_cols : 0;
		pgdl_check_status(dl_network_check_sparse(&model->net));
	}
	dl_network_init_params(&model->net, opts->train.seed);
	if (opts->warm_start)
	{
		PgdlModel  *ws = pgdl_model_load(opts->warm_start, train_cxt);

		if (ws->m.net.n_params != model->net.n_params || ws->m.net.n_layers != model->net.n_layers)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("warm_start model \"%s\" has a different architecture (%zu parameters, this one %zu)",
							opts->warm_start, ws->m.net.n_params, model->net.n_params)));
		for (int i = 0; i < model->net.n_layers; i++)
			if (!dl_layer_same_layout(&ws->m.net.layers[i], &model->net.layers[i]))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("warm_start model \"%s\" differs from this one at layer %d", opts->warm_start, i + 1)));
		memcpy(model->net.params, ws->m.net.params, sizeof(float) * model->net.n_params);
	}
	MemoryContextSwitchTo(old);

	/* train */
	check_workspace(&model->net, opts, split ? split->n_train : sp->n_train);
	old = MemoryContextSwitchTo(train_cxt);
	if (x || par)
		run_training(model, opts, data, bags, split, NULL, progress, result, par);
	else
	{
		pgdl_stream_write(&sd, model, rows, sp);
		pgdl_rows_close(rows);	/* the prepared rows are all the epochs read */
		pgdl_stream_open(&sd, opts->shuffle_buffer > 0 ? (size_t) opts->shuffle_buffer :
						 pgdl_stream_default_buffer(sd.d, training_limit(opts)));
		run_training(model, opts, data, NULL, NULL, &sd, progress, result, NULL);
		pgdl_stream_close(&sd);
	}
	/* predict reads the model as stored: every input dense */
	model->net.sparse_inputs = 0;
	MemoryContextSwitchTo(old);
	return bags;
}

/* row r of x (d values each) and of bags (NULL: none) as one dense row of inputs in out */
static const float *
dense_row(const float *x, int d, const dl_csr *bags, size_t r, float *out)
{
	const float *in = x + r * (size_t) d;

	if (bags == NULL)
		return in;
	memcpy(out, in, sizeof(float) * d);
	memset(out + d, 0, sizeof(float) * bags->n_cols);
	for (uint64 k = bags->ptr[r]; k < bags->ptr[r + 1]; k++)
		out[d + bags->col[k]] = bags->val[k];
	return out;
}

/*
 * k-fold cross-validation: rows dealt to folds by a seeded permutation
 * (stratified by class: each class's rows are dealt in turn), and for each
 * fold a fresh model fitted on the other folds, its imputer and scaler
 * included, then measured on the fold.
 */
static void
put_fold_metric(ReturnSetInfo *rsinfo, int fold, const char *metric, double v)
{
	Datum		values[3];
	bool		nulls[3] = {0};

	values[0] = Int32GetDatum(fold);
	values[1] = CStringGetTextDatum(metric);
	values[2] = Float8GetDatum(v);
	nulls[2] = isnan(v);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

static void
cross_validate(FunctionCallInfo fcinfo, const dl_model *tmpl, const dl_options *opts,
			   const dl_layer_spec *specs, int nspecs, dl_dataset *data, PgdlRows *rows, int folds,
			   TrainProgress *progress, MemoryContext train_cxt)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	size_t		n = data->n;
	uint32	   *order;
	int		   *fold_of;
	float	   *work;
	dl_rng		rng;
	size_t		pos = 0;

	if (n < (size_t) folds)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cross-validation needs at least as many rows as folds: %zu rows, %d folds", n, folds)));
	InitMaterializedSRF(fcinfo, 0);
	order = pgdl_budget_alloc(train_cxt, sizeof(uint32) * n);
	fold_of = pgdl_budget_alloc(train_cxt, sizeof(int) * n);
	/* each fold prepares every row with its own preprocessing, into the same matrix */
	work = pgdl_budget_alloc(train_cxt, sizeof(float) * n * (size_t) data->n_features);
	for (size_t i = 0; i < n; i++)
		order[i] = (uint32) i;
	dl_rng_seed(&rng, opts->train.seed);
	dl_rng_shuffle(&rng, order, n);
	if (data->n_classes > 0)
	{
		for (int c = 0; c < data->n_classes; c++)
			for (size_t i = 0; i < n; i++)
				if ((int) data->y[order[i]] == c)
					fold_of[order[i]] = (int) (pos++ % folds);
	}
	else
		for (size_t i = 0; i < n; i++)
			fold_of[order[i]] = (int) (i % folds);

	for (int f = 0; f < folds; f++)
	{
		dl_model	m = *tmpl;
		dl_split	split;
		dl_train_result result;
		dl_workspace *ws;
		float	   *out;
		float	   *row;
		const dl_csr *bags;
		PgdlEvalCounts counts;
		MemoryContext fold_cxt = AllocSetContextCreate(train_cxt, "pgdl fold", ALLOCSET_DEFAULT_SIZES);
		MemoryContext old = MemoryContextSwitchTo(fold_cxt);
		int			n_out;

		memset(&split, 0, sizeof(split));
		split.train = palloc(sizeof(uint32) * n);
		split.validation = palloc(sizeof(uint32) * n);
		for (size_t i = 0; i < n; i++)
		{
			if (fold_of[i] == f)
				split.validation[split.n_validation++] = (uint32) i;
			else
				split.train[split.n_train++] = (uint32) i;
		}
		m.imputer = m.scaler = NULL;
		memset(&m.net, 0, sizeof(m.net));
		MemoryContextSwitchTo(old);
		bags = fit_model(&m, opts, specs, nspecs, data, rows, work, &split, NULL, progress, &result, fold_cxt,
						 NULL);

		/* the fold's own rows, scored with the fold's model, counted as evaluate counts */
		old = MemoryContextSwitchTo(fold_cxt);
		pgdl_check_status(dl_workspace_create(&m.net, 1, false, &ws));
		n_out = (int) dl_shape_size(&m.net.output_shape);
		out = palloc(sizeof(float) * n_out);
		/* a row with bags of words is scored dense, as predict scores it */
		row = bags ? palloc(sizeof(float) * m.n_inputs) : NULL;
		pgdl_eval_begin(&counts, &m, -1, fold_cxt);
		for (size_t k = 0; k < split.n_validation; k++)
		{
			uint32		r = split.validation[k];
			float		y = data->y[r];

			if ((k & 1023) == 0)
				CHECK_FOR_INTERRUPTS();
			dl_network_predict(&m.net, ws, dense_row(work, data->n_features, bags, r, row), 1, out);
			if (m.task == DL_TASK_CLASSIFICATION)
				pgdl_eval_add_class(&counts, counts.label[(int) y], pgdl_output_class(&m, out), out);
			else
				pgdl_eval_add_value(&counts, y, out[0]);
		}
		if (m.task == DL_TASK_CLASSIFICATION)
		{
			dl_class_metrics c;

			pgdl_eval_class_metrics(&counts, &c);
			put_fold_metric(rsinfo, f + 1, "accuracy", c.accuracy);
			put_fold_metric(rsinfo, f + 1, "log_loss", dl_log_loss_value(&counts.log_loss));
		}
		else
		{
			dl_reg_metrics reg;

			pgdl_eval_reg_metrics(&counts, &reg);
			put_fold_metric(rsinfo, f + 1, "mse", reg.mse);
			put_fold_metric(rsinfo, f + 1, "rmse", reg.rmse);
			put_fold_metric(rsinfo, f + 1, "mae", reg.mae);
			put_fold_metric(rsinfo, f + 1, "r2", reg.r2_defined ? reg.r2 : NAN);
		}
		put_fold_metric(rsinfo, f + 1, "train_loss", result.train_loss);
		put_fold_metric(rsinfo, f + 1, "rows", (double) split.n_validation);
		MemoryContextSwitchTo(old);
		MemoryContextDelete(fold_cxt);
	}
}

typedef struct TrainArgs
{
	char	   *model;			/* NULL for cross_validate */
	text	   *source;
	char	   *target;
	char	   *layers_json;
	ArrayType  *requested;
	int			options_arg;	/* of the jsonb options */
	int			cv_folds;		/* 0: train_model */
} TrainArgs;

/*
 * What the classes of a target of type typid stand for, stored in the model
 * so that predict answers by the target's type, not by how the labels look
 * (src/core/nn/labels.c)
 */
static dl_label_kind
target_label_kind(Oid typid)
{
	Oid			base = pgdl_numeric_base_type(typid);

	if (base == BOOLOID)
		return DL_LABELS_BOOL;
	return OidIsValid(base) ? DL_LABELS_NUMBER : DL_LABELS_TEXT;
}

static Datum
train_entry(FunctionCallInfo fcinfo, const TrainArgs *a)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *model_arg = a->model;
	text	   *source = a->source;
	char	   *target = a->target;
	ArrayType  *requested = a->requested;
	char	   *layers_json = a->layers_json;
	char	   *options_json;
	int			cv_folds = a->cv_folds;
	PgdlModelRef ref;
	dl_options	opts;
	dl_layer_spec *specs;
	int			nspecs;
	char	   *src;
	PgdlDataset ds;
	Oid			target_type;
	dl_model	model;
	char	  **labels = NULL;
	int			nlabels = 0;
	int			n_outputs;
	PgdlRows	rows;
	float	   *x;
	PgdlFeatureSet fs;
	PgdlTarget	tg;
	MemoryContext train_cxt;
	PgdlBudget *budget;
	MemoryContext old;
	dl_dataset	data;
	dl_split	split;
	PgdlStreamSplit sp;
	bool		stream = false;
	bool		may_drop_constant;	/* the default features: a constant one is left out */
	size_t		n_train,
				n_validation;
	dl_train_result result;
	TrainProgress progress;
	int			version;
	TimestampTz started = GetCurrentTimestamp();
	char	   *metrics_json;
	PgdlParallelRun par;
	const char *data_read;
	bool		bags;			/* bag-of-words text features: held sparse, in memory */

	/*
	 * A read-only transaction (or a hot standby) could only refuse to save
	 * the model at the end: refuse before training.
	 */
	if (model_arg)
		PreventCommandIfReadOnly("pgdl.train_model()");
	if (model_arg)
		pgdl_parse_model_ref(model_arg, &ref);
	else
	{
		ref.name = "cross_validate";
		ref.version = PGDL_VERSION_DEFAULT;
	}
	if (ref.version != PGDL_VERSION_DEFAULT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_NAME),
				 errmsg("train_model takes a plain model name: each training creates the next version")));
	/* the version is saved last: in a read-only transaction, fail before training */
	if (model_arg)
		PreventCommandIfReadOnly("pgdl.train_model()");
	options_json = pgdl_read_options(fcinfo, a->options_arg, &dl_train_schema, &opts);
	if (cv_folds > 0)
		pgdl_parallel_refuse(&opts, "cross_validate");
	pgdl_check_status(dl_parse_layers(layers_json, &specs, &nspecs));
	if (opts.max_memory_kb > 0 && opts.max_memory_kb > pgdl_max_training_memory_kb)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"max_memory\" (%lld kB) may only lower pgdl.max_training_memory (%d kB)",
						(long long) opts.max_memory_kb, pgdl_max_training_memory_kb)));
	if (cv_folds == 0 && opts.data == DL_DATA_MEMORY && opts.shuffle_buffer > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"shuffle_buffer\" is for streamed rows, but \"data\" is \"memory\""),
				 errhint("Leave out shuffle_buffer, or set \"data\" to \"stream\" or \"auto\".")));
	if (cv_folds > 0 && (opts.data == DL_DATA_STREAM || opts.shuffle_buffer > 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cross_validate holds its rows in memory: the options \"data\": \"stream\" and \"shuffle_buffer\" are for train_model")));
	if (opts.parallel_workers > 0 && (opts.data != DL_DATA_AUTO || opts.shuffle_buffer > 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("data-parallel training reads the source in every round: the options \"data\" and \"shuffle_buffer\" do not apply with \"parallel_workers\""),
				 errhint("Leave out \"data\" and \"shuffle_buffer\", or set \"parallel_workers\" to 0.")));

	/* everything the training holds is charged to the budget (budget.c) */
	budget = pgdl_budget_begin(cv_folds > 0 ? "cross-validation" : "the training",
							   training_limit(&opts), training_limit_name(&opts));
	train_cxt = budget->cxt;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pgdl: SPI_connect failed");
	/* fail before reading anything when the name belongs to someone else */
	if (model_arg)
		pgdl_check_model_writer(ref.name, false);

	pgdl_dataset_open(&ds, source, target);
	src = ds.src;
	target_type = ds.target.type;
	ds.coerce.numeric_text = opts.numeric_text;
	ds.coerce.n_numeric_text = opts.n_numeric_text;
	ds.coerce.dates = opts.dates;
	ds.coerce.n_dates = opts.n_dates;
	ds.coerce.date_encodings = pgdl_date_encodings(opts.date_encodings, opts.n_date_encodings);
	ds.n_text = opts.n_text;
	ds.text = opts.text;
	pgdl_dataset_features(&ds, requested, opts.categorical, opts.n_categorical, train_cxt);
	fs = ds.fs;

	/* the task, from the option or the target's type */
	memset(&model, 0, sizeof(model));
	model.task = opts.task;
	if (model.task == 0)
	{
		model.task = pgdl_dataset_classes(&ds, PGDL_MANY_INTEGERS_ERROR) ?
			DL_TASK_CLASSIFICATION : DL_TASK_REGRESSION;
		ereport(NOTICE,
				(errmsg("task: %s (target \"%s\" is %s)",
						dl_task_name(model.task),
						target, format_type_be(target_type)),
				 errhint("Set the option \"task\" to choose.")));
	}
	/* bool is read as 0/1 among features, but a true/false target is a class, not a quantity */
	if (model.task == DL_TASK_REGRESSION &&
		(!OidIsValid(pgdl_numeric_base_type(target_type)) || getBaseType(target_type) == BOOLOID))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("regression needs a numeric target; \"%s\" is %s", target,
						format_type_be(target_type)),
				 getBaseType(target_type) == BOOLOID ?
				 errhint("A bool target is a classification task.") : 0));
	if (model.task == DL_TASK_CLASSIFICATION)
	{
		/* an explicit classification: any type's distinct values are the labels */
		if (ds.target.labels == NULL)
			ds.target.labels = pgdl_read_labels(src, pgdl_quote_ident(target), target_type, 0,
												&ds.target.n_labels);
		labels = ds.target.labels;
		nlabels = ds.target.n_labels;
		if (nlabels < 2)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("classification needs at least two distinct target values, the source has %d", nlabels)));
	}

	/* the loss and the output size */
	model.loss = opts.loss_given ? opts.train.loss :
		dl_default_loss(model.task, nlabels, specs, nspecs);
	if (model.task == DL_TASK_CLASSIFICATION && model.loss != DL_LOSS_BCE && model.loss != DL_LOSS_CE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("loss \"%s\" does not fit a classification task", dl_loss_name(model.loss)),
				 errhint("Use cross_entropy or binary_cross_entropy, or set \"task\": \"regression\".")));
	if (model.task == DL_TASK_REGRESSION && (model.loss == DL_LOSS_BCE || model.loss == DL_LOSS_CE))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("loss \"%s\" needs a classification task", dl_loss_name(model.loss))));
	if (model.loss == DL_LOSS_BCE && nlabels != 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("binary_cross_entropy needs exactly two classes, the target has %d", nlabels),
				 errhint("Use cross_entropy.")));
	opts.train.loss = model.loss;
	n_outputs = model.task == DL_TASK_REGRESSION ? 1 : model.loss == DL_LOSS_BCE ? 1 : nlabels;

	old = MemoryContextSwitchTo(train_cxt);
	model.target = pstrdup(target);
	model.n_labels = nlabels;
	model.labels = labels;
	model.label_kind = model.task == DL_TASK_CLASSIFICATION ?
		target_label_kind(target_type) : DL_LABELS_UNRECORDED;
	model.n_features = fs.n;
	model.features = fs.features;
	model.n_inputs = fs.n_inputs;
	model.options_json = options_json;
	MemoryContextSwitchTo(old);

	/*
	 * Before a row is read: the same meaning as the plain name's version
	 * (checked again at saving).  When the default features may lose a
	 * constant column, only once the rows say which: the features compared
	 * are those the model keeps.
	 */
	may_drop_constant = requested == NULL && !opts.has_input_shape;
	if (model_arg && !may_drop_constant)
		pgdl_check_model_meaning(ref.name, &model, opts.replace);

	/* the network's size, before a row is read */
	{
		char		note[512];
		bool		linear = nspecs == 0;

		pgdl_check_status(dl_complete_output_noted(&specs, &nspecs, model.task, n_outputs,
												   model.loss, note, sizeof(note)));
		if (note[0])
			ereport(NOTICE,
					(errmsg_internal("%s", note),
					 linear ? 0 : errhint("End the layers with the output layer you mean, its \"units\" and \"activation\" given, to choose it yourself.")));
	}
	pgdl_text_check_model(model.features, model.n_features, &opts, specs, nspecs);
	pgdl_text_check_join(&model, &opts, specs, nspecs);
	bags = model_has_bags(&model);
	/* a bag of words' inputs are known once its vocabulary is: checked then (fit_model) */
	if (!bags)
		check_network_size(&model, &opts, specs, nspecs);

	/* read the rows, once, into the spool */
	memset(&rows, 0, sizeof(rows));
	/* data-parallel training keeps only the targets: the rounds read the rows */
	rows.limit_bytes = opts.parallel_workers > 0 ? SIZE_MAX : training_limit(&opts);
	/* past the budget, data "auto" and "stream" stream the rows rather than fail */
	rows.stream_past_limit = cv_folds == 0 && opts.data != DL_DATA_MEMORY && opts.parallel_workers == 0 &&
		!bags;					/* bags of words are not streamed (pgdl_text_check_bags) */
	tg.column = target;
	tg.type = target_type;
	tg.n_labels = nlabels;
	tg.labels = labels;
	/* the rounds run pgdl on the Citus workers (train_parallel.c) */
	if (opts.parallel_workers > 0 && pgdl_sql_reads_citus_table(src))
		pgdl_citus_check_versions();
	pgdl_spool_rows(&rows, src, &fs, &tg, opts.impute, train_cxt);
	if (rows.null_targets > 0)
		ereport(NOTICE,
				(errmsg("skipped %lld rows whose target is NULL", (long long) rows.null_targets)));
	if (rows.dropped_rows > 0)
		ereport(NOTICE,
				(errmsg("dropped %lld rows with a missing feature (impute: drop_row)", (long long) rows.dropped_rows)));
	if (rows.n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the source has no row to train on")));
	/*
	 * Constant features, from the first pass's statistics: a helper column
	 * (a split flag) constant in the training rows is left out of the
	 * default choice; the model records the features it uses.  An
	 * input_shape counts the inputs: then they stay, with a warning.
	 */
	if (pgdl_rows_drop_constant(&rows, &fs, may_drop_constant, train_cxt) > 0)
	{
		model.n_features = fs.n;
		model.features = fs.features;
		model.n_inputs = fs.n_inputs;
	}
	if (model_arg && may_drop_constant)
		pgdl_check_model_meaning(ref.name, &model, opts.replace);
	if (cv_folds == 0 && opts.data != DL_DATA_MEMORY && opts.parallel_workers == 0 && !bags)
	{
		stream = opts.data == DL_DATA_STREAM ||
			!rows_fit_memory(&model, &opts, specs, nspecs, &rows, budget);
		if (stream && opts.data == DL_DATA_AUTO)
			ereport(NOTICE,
					(errmsg("streaming the training rows: %zu rows of %d inputs do not fit %s (%zu kB) in memory",
							rows.n, rows.d, training_limit_name(&opts), training_limit(&opts) / 1024),
					 errhint("Each epoch reads them from a temporary file; set the option \"data\" to choose.")));
		if (stream && rows.y)
		{
			pfree(rows.y);
			rows.y = NULL;
		}
	}
	if (!stream && rows.n > UINT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("more than %u training rows", UINT32_MAX)));

	/* the split, then the model fitted on its training rows */
	data.x = NULL;				/* prepared by fit_model, fold by fold for cross-validation */
	data.y = rows.y;
	data.n = rows.n;
	data.n_features = rows.d;
	data.n_classes = model.task == DL_TASK_CLASSIFICATION ? nlabels : 0;
	memset(&progress, 0, sizeof(progress));
	progress.name = cv_folds > 0 ? "cross_validate" : ref.name;
	progress.mcxt = train_cxt;
	if (cv_folds > 0)
	{
		cross_validate(fcinfo, &model, &opts, specs, nspecs, &data, &rows, cv_folds, &progress, train_cxt);
		pgdl_rows_close(&rows);
		SPI_finish();
		pgdl_budget_end(budget);
		return (Datum) 0;
	}
	if (stream)
	{
		pgdl_stream_split(&sp, rows.n, opts.validation_fraction, opts.train.seed);
		if (sp.n_validation == 0 && opts.validation_fraction > 0 && sp.skipped_reason)
			ereport(NOTICE,
					(errmsg("validation skipped: %s", sp.skipped_reason)));
		(void) fit_model(&model, &opts, specs, nspecs, &data, &rows, NULL, NULL, &sp, &progress, &result,
				  train_cxt, NULL);
		n_train = sp.n_train;
		n_validation = sp.n_validation;
		data_read = "stream";
	}
	else
	{
		bool		parallel = opts.parallel_workers > 0;

		memset(&par, 0, sizeof(par));
		par.src = src;
		par.fs = &fs;
		par.tg = &tg;
		x = parallel ? NULL :
			pgdl_budget_alloc(train_cxt, sizeof(float) * rows.n * (size_t) rows.d);
		old = MemoryContextSwitchTo(train_cxt);
		if (parallel)
			pgdl_parallel_split(&opts, &rows, &split, &par);
		else
			pgdl_check_status(dl_split_rows(&data, opts.validation_fraction, opts.train.seed,
											model.task == DL_TASK_CLASSIFICATION, &split));
		MemoryContextSwitchTo(old);
		if (split.n_validation == 0 && opts.validation_fraction > 0 && split.skipped_reason)
			ereport(NOTICE,
					(errmsg("validation skipped: %s", split.skipped_reason)));
		(void) fit_model(&model, &opts, specs, nspecs, &data, &rows, x, &split, NULL, &progress, &result,
				  train_cxt, parallel ? &par : NULL);
		n_train = split.n_train;
		n_validation = split.n_validation;
		data_read = parallel ? par.data : "memory";
	}
	pgdl_rows_close(&rows);

	/* save */
	metrics_json = psprintf("{\"train_loss\": %.17g, \"rows\": %zu, \"validation_rows\": %zu, \"epochs\": %d, \"best_epoch\": %d, \"data\": \"%s\", \"peak_memory_kb\": %zu%s}",
							result.train_loss, n_train, n_validation, result.epochs_run, result.best_epoch,
							data_read, (budget->peak + 1023) / 1024,
							isnan(result.validation_loss) ? "" :
							psprintf(", \"validation_loss\": %.17g, \"validation_%s\": %.17g",
									 result.validation_loss, result.metric, result.validation_metric));
	{
		PgdlSave	s;

		memset(&s, 0, sizeof(s));
		s.name = ref.name;
		s.model = &model;
		s.description = opts.description;
		s.metrics_json = metrics_json;
		s.epochs = progress.epochs;
		s.n_epochs = progress.n_epochs;
		s.guard_meaning = true;
		s.replace = opts.replace;
		version = pgdl_save_model(&s);
	}
	SPI_finish();

	/* the result row */
	{
		TupleDesc	rdesc;
		Datum		values[11];
		bool		nulls[11] = {0};

		InitMaterializedSRF(fcinfo, 0);
		rdesc = rsinfo->setDesc;
		values[0] = CStringGetTextDatum(ref.name);
		values[1] = Int32GetDatum(version);
		values[2] = CStringGetTextDatum(dl_task_name(model.task));
		values[3] = Int64GetDatum((int64) model.net.n_params);
		values[4] = Int32GetDatum(result.epochs_run);
		values[5] = Float8GetDatum(result.train_loss);
		values[6] = Float8GetDatum(result.validation_loss);
		nulls[6] = isnan(result.validation_loss);
		values[7] = CStringGetTextDatum(result.metric ? result.metric : "");
		values[8] = Float8GetDatum(result.validation_metric);
		nulls[8] = isnan(result.validation_metric);
		values[9] = Float8GetDatum((double) (GetCurrentTimestamp() - started) / 1e6);
		/* how the rows were read; not in the result type of a database still at 0.1.0 */
		if (rdesc->natts > 10)
			values[10] = CStringGetTextDatum(data_read);
		tuplestore_putvalues(rsinfo->setResult, rdesc, values, nulls);
	}
	pgdl_budget_end(budget);
	return (Datum) 0;
}

Datum
pgdl_train_model(PG_FUNCTION_ARGS)
{
	TrainArgs	a;

	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("layers must not be NULL"),
				 errhint("Pass a JSON array of layers, e.g. '[{\"type\":\"dense\",\"units\":64,\"activation\":\"relu\"}]'.")));
	a.model = text_to_cstring(pgdl_required_text(fcinfo, 0, "model"));
	a.source = pgdl_required_text(fcinfo, 1, "source");
	a.target = text_to_cstring(pgdl_required_text(fcinfo, 2, "target"));
	a.layers_json = jsonb_arg_text(fcinfo, 3, "[]");
	a.requested = PG_ARGISNULL(4) ? NULL : PG_GETARG_ARRAYTYPE_P(4);
	a.options_arg = 5;
	a.cv_folds = 0;
	return train_entry(fcinfo, &a);
}

Datum
pgdl_cross_validate(PG_FUNCTION_ARGS)
{
	TrainArgs	a;

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("layers must not be NULL")));
	a.model = NULL;
	a.source = pgdl_required_text(fcinfo, 0, "source");
	a.target = text_to_cstring(pgdl_required_text(fcinfo, 1, "target"));
	a.layers_json = jsonb_arg_text(fcinfo, 2, "[]");
	a.cv_folds = PG_ARGISNULL(3) ? 5 : PG_GETARG_INT32(3);
	if (a.cv_folds < 2 || a.cv_folds > 1000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("folds must be between 2 and 1000, got %d", a.cv_folds)));
	a.requested = PG_ARGISNULL(4) ? NULL : PG_GETARG_ARRAYTYPE_P(4);
	a.options_arg = 5;
	return train_entry(fcinfo, &a);
}
