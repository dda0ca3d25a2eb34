/*-------------------------------------------------------------------------
 *
 * predict.c
 *	  Scoring: predict, predict_label, predict_proba, class_probabilities,
 *	  embed (one row at a time) and predict_batch (a whole source in blocks).
 *
 * Per-row functions find their model in fn_extra (loaded and checked once
 * per statement, models.c) and reuse its preallocated buffers, so a row
 * costs reading the array and one forward pass, with no allocation.
 * predict_batch gathers blocks of rows and runs the network on each block
 * with matrix-matrix products.
 *
 * src/pg/predict.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/arrayaccess.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

#include "arrays.h"
#include "dataset.h"
#include "features.h"
#include "models.h"
#include "pgdl.h"
#include "predict.h"
#include "source.h"

PG_FUNCTION_INFO_V1(pgdl_predict);
PG_FUNCTION_INFO_V1(pgdl_predict_record);
PG_FUNCTION_INFO_V1(pgdl_predict_label);
PG_FUNCTION_INFO_V1(pgdl_predict_label_record);
PG_FUNCTION_INFO_V1(pgdl_predict_proba);
PG_FUNCTION_INFO_V1(pgdl_predict_text);
PG_FUNCTION_INFO_V1(pgdl_predict_label_text);
PG_FUNCTION_INFO_V1(pgdl_predict_proba_text);
PG_FUNCTION_INFO_V1(pgdl_class_probabilities);
PG_FUNCTION_INFO_V1(pgdl_predict_batch);
PG_FUNCTION_INFO_V1(pgdl_transform_model);
PG_FUNCTION_INFO_V1(pgdl_model_inputs);
PG_FUNCTION_INFO_V1(pgdl_source_inputs);
PG_FUNCTION_INFO_V1(pgdl_embed);
PG_FUNCTION_INFO_V1(pgdl_embed_record);

#define BATCH_ROWS 256

/* ---- one row ---------------------------------------------------------------- */

/*
 * x (any numeric array whose elements number the model's inputs) as the
 * network's inputs in pm->in: through pm->xd and the one preprocessing path
 * (pgdl_prepare_inputs), or, for a model without imputer and scaler and an
 * array pgdl_array_float32 takes, straight to float32 with the same result
 */
static void
read_input_array(PgdlModel *pm, ArrayType *arr)
{
	Oid			elemtype = ARR_ELEMTYPE(arr);
	int			ndim = ARR_NDIM(arr);
	int			n = ndim == 0 ? 0 : ArrayGetNItems(ndim, ARR_DIMS(arr));
	double	   *x = pm->xd;

	if (!pgdl_numeric_type(elemtype))
	{
		Oid			base = pgdl_numeric_base_type(elemtype);

		if (!OidIsValid(base))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("feature vector must be a numeric array, got %s",
							format_type_be(get_array_type(elemtype))),
					 errhint("Use an array of float8, real, integer, bigint, smallint, numeric or boolean.")));
		elemtype = base;
	}
	if (n != pm->m.n_inputs || ndim > 2)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("model \"%s\" expects %d features, got %d", pm->name, pm->m.n_inputs, n),
				 ndim > 2 ? errdetail("The array has %d dimensions.", ndim) :
				 errdetail("Version %d was trained on: %s.", pm->version,
						   pgdl_feature_list(&pm->m))));
	/*
	 * A 2-D array given to a sequence model is a sequence: of the shape it
	 * was trained on (its 2-D feature's, else input_shape), not any shape
	 * that holds as many values.
	 */
	if (ndim == 2)
	{
		const dl_feature *f = pm->m.n_features == 1 ? &pm->m.features[0] : NULL;
		int			rows = 0,
					cols = 0;

		if (f && f->kind == DL_FEATURE_MATRIX)
		{
			rows = f->rows;
			cols = f->cols;
		}
		else if (pm->m.net.input_shape.ndim == 2)
		{
			rows = pm->m.net.input_shape.dim[0];
			cols = pm->m.net.input_shape.dim[1];
		}
		/* vectors are one-dimensional everywhere (the aggregates, transform) but for sequences */
		if (rows == 0)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("feature vector must be a one-dimensional array, got 2 dimensions"),
					 errdetail("Model \"%s\" reads a flat vector of %d values, not a sequence.",
							   pm->name, pm->m.n_inputs)));
		if (ARR_DIMS(arr)[0] != rows || ARR_DIMS(arr)[1] != cols)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("model \"%s\" expects a sequence of %d steps x %d features, got a %d x %d array",
							pm->name, rows, cols, ARR_DIMS(arr)[0], ARR_DIMS(arr)[1]),
					 errhint("A flat array of the %d values is read step by step.", pm->m.n_inputs)));
	}
	if (pm->m.imputer == NULL && pm->m.scaler == NULL &&
		pgdl_array_float32(arr, elemtype, n, pm->in))
	{
		pgdl_check_status(dl_network_check_input(&pm->m.net, pm->in, 1));
		return;
	}
	{
		int			n_null;
		const double *v = pgdl_array_doubles(arr, elemtype, n, x, pm->nulls, &n_null);

		if (v != x)
			memcpy(x, v, sizeof(double) * n);
		if (n_null > 0 && !pm->m.imputer)
			for (int i = 0; i < n; i++)
				if (pm->nulls[i])
					ereport(ERROR,
							(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
							 errmsg("element %d of the feature vector is NULL", i + 1),
							 errdetail("Model \"%s\" was trained without an imputer.", pm->name)));
	}
	for (int i = 0; i < n; i++)
		if (!isfinite(x[i]))
		{
			if (!pm->m.imputer || !isnan(x[i]))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
						 errmsg("element %d of the feature vector is %s", i + 1,
								isnan(x[i]) ? "NaN" : "infinite")));
		}
	pgdl_prepare_inputs(&pm->m, x, pm->nulls, pm->in, 0);
}

/* pm->in through the network into pm->out */
static void
forward_row(PgdlModel *pm)
{
	dl_network_predict(&pm->m.net, pm->ws, pm->in, 1, pm->out);
	pgdl_check_outputs(pm->name, pm->out, pm->n_outputs, 0);
}

/*
 * A feature vector given as text: what a parameter or literal without a
 * type becomes (predict, predict_label and predict_proba have a text
 * overload, so that "PREPARE p AS SELECT pgdl.predict_label($1, $2)", as
 * drivers send it, resolves instead of being "not unique" between the array
 * and the record forms), read as the text of a float8[].
 */
static ArrayType *
text_vector(text *t)
{
	char	   *s = text_to_cstring(t);
	MemoryContext cxt = CurrentMemoryContext;
	Datum		d = (Datum) 0;

	PG_TRY();
	{
		d = OidInputFunctionCall(F_ARRAY_IN, s, FLOAT8OID, -1);
	}
	PG_CATCH();
	{
		ErrorData  *e;

		MemoryContextSwitchTo(cxt);
		e = CopyErrorData();
		/* not a malformed array (out of memory, a size limit): as it was */
		if (ERRCODE_TO_CATEGORY(e->sqlerrcode) != ERRCODE_DATA_EXCEPTION)
			ReThrowError(e);
		FlushErrorState();
		ereport(ERROR,
				(errcode(e->sqlerrcode),
				 errmsg("feature vector given as text is not a numeric array: %s", e->message),
				 e->detail ? errdetail_internal("%s", e->detail) : 0,
				 errhint("Write the array as '{1.5,2}', or pass it as an array: ARRAY[1.5, 2], or a parameter cast to real[] or float8[] ($2::real[]).")));
	}
	PG_END_TRY();
	return DatumGetArrayTypeP(d);
}

/* the model of argument 0 with the network inputs of the vector arr */
static PgdlModel *
read_array_row(FunctionCallInfo fcinfo, ArrayType *arr)
{
	PgdlModel  *pm = pgdl_model_cached(fcinfo, PG_GETARG_TEXT_PP(0));

	read_input_array(pm, arr);
	return pm;
}

/* the model (argument 0) applied to the vector arr */
static PgdlModel *
score_vector(FunctionCallInfo fcinfo, ArrayType *arr)
{
	PgdlModel  *pm = read_array_row(fcinfo, arr);

	forward_row(pm);
	return pm;
}

static PgdlModel *
score_array(FunctionCallInfo fcinfo)
{
	return score_vector(fcinfo, PG_GETARG_ARRAYTYPE_P(1));
}

/* the text overloads: entry points of their own, which a library older than they are lacks */
static PgdlModel *
score_text(FunctionCallInfo fcinfo)
{
	return score_vector(fcinfo, text_vector(PG_GETARG_TEXT_PP(1)));
}

/*
 * The model of argument 0 with the network inputs of the record in
 * argument 1: its columns bound by name once per row type
 */
static PgdlModel *
read_record_row(FunctionCallInfo fcinfo)
{
	PgdlModel  *pm = pgdl_model_cached(fcinfo, PG_GETARG_TEXT_PP(0));
	HeapTupleHeader rec = PG_GETARG_HEAPTUPLEHEADER(1);
	Oid			type = HeapTupleHeaderGetTypeId(rec);
	int32		typmod = HeapTupleHeaderGetTypMod(rec);
	TupleDesc	desc = lookup_rowtype_tupdesc(type, typmod);
	HeapTupleData tuple;

	if (pm->record_bound == NULL || pm->record_type != type || pm->record_typmod != typmod)
	{
		PgdlBoundFeature *bf = MemoryContextAlloc(pm->mcxt, sizeof(PgdlBoundFeature) * Max(pm->m.n_features, 1));

		pgdl_bind_features(pm->m.features, pm->m.n_features, desc, bf);
		pm->record_bound = bf;
		pm->record_type = type;
		pm->record_typmod = typmod;
	}
	tuple.t_len = HeapTupleHeaderGetDatumLength(rec);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = rec;
	pgdl_row_inputs(&pm->m, pm->record_bound, &tuple, desc, pm->xd, pm->nulls, pm->in, 0);
	ReleaseTupleDesc(desc);
	return pm;
}

static PgdlModel *
score_record(FunctionCallInfo fcinfo)
{
	PgdlModel  *pm = read_record_row(fcinfo);

	forward_row(pm);
	return pm;
}

/*
 * A network's outputs overflow float32 (to an infinity, then NaN) when its
 * inputs lie far outside what it was trained on.  No label, probability or
 * metric is made of such a row: NaN scores would otherwise become the first
 * label, NULL metrics or a ROC curve that never ends.
 */
void
pgdl_check_outputs(const char *model, const float *out, int n, int64 rowno)
{
	for (int k = 0; k < n; k++)
		if (unlikely(!isfinite(out[k])))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("model \"%s\" computed a non-finite output (%s) for %s", model,
							isnan(out[k]) ? "NaN" : out[k] > 0 ? "Infinity" : "-Infinity",
							rowno > 0 ? psprintf("row %lld", (long long) rowno) : "this row"),
					 errdetail("The network overflowed float32: the row's features are far outside the range of the training data."),
					 errhint("Check the row's features, or filter such rows out.")));
}

int
pgdl_output_class(const dl_model *m, const float *out)
{
	int			best = 0;

	if (m->loss == DL_LOSS_BCE)
		return out[0] >= 0.5f ? 1 : 0;
	for (int k = 1; k < m->n_labels; k++)
		if (out[k] > out[best])
			best = k;
	return best;
}

static Datum
prediction_datum(PgdlModel *pm)
{
	const dl_model *m = &pm->m;
	double		v;

	if (m->task == DL_TASK_REGRESSION)
		PG_RETURN_FLOAT8((double) pm->out[0]);
	if (m->task == DL_TASK_PROJECTION)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("model \"%s\" is a projection (PCA): it predicts no single value", pm->name),
				 errhint("Use pgdl.transform_model.")));
	/* one rule for the whole model (labels.c): a text target's labels are text */
	if (!dl_label_number(m, pgdl_output_class(m, pm->out), &v))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("model \"%s\" predicts text labels, which pgdl.predict cannot return as float8",
						pm->name),
				 errdetail("Labels of a text target are text, even when they look like numbers; a target cast to a number gives numeric labels."),
				 errhint("Use pgdl.predict_label.")));
	PG_RETURN_FLOAT8(v);
}

Datum
pgdl_predict(PG_FUNCTION_ARGS)
{
	return prediction_datum(score_array(fcinfo));
}

Datum
pgdl_predict_record(PG_FUNCTION_ARGS)
{
	return prediction_datum(score_record(fcinfo));
}

Datum
pgdl_predict_text(PG_FUNCTION_ARGS)
{
	return prediction_datum(score_text(fcinfo));
}

static Datum
label_datum(PgdlModel *pm)
{
	char		buf[64];

	if (pm->m.task == DL_TASK_REGRESSION || pm->m.task == DL_TASK_PROJECTION)
	{
		snprintf(buf, sizeof(buf), "%.9g", (double) pm->out[0]);
		PG_RETURN_TEXT_P(cstring_to_text(buf));
	}
	PG_RETURN_TEXT_P(cstring_to_text(pm->m.labels[pgdl_output_class(&pm->m, pm->out)]));
}

Datum
pgdl_predict_label(PG_FUNCTION_ARGS)
{
	return label_datum(score_array(fcinfo));
}

Datum
pgdl_predict_label_record(PG_FUNCTION_ARGS)
{
	return label_datum(score_record(fcinfo));
}

Datum
pgdl_predict_label_text(PG_FUNCTION_ARGS)
{
	return label_datum(score_text(fcinfo));
}

/* class probabilities in label order (BCE: [1 - p, p]) */
static void
probabilities(const PgdlModel *pm, const float *out, double *p)
{
	if (pm->m.loss == DL_LOSS_BCE)
	{
		p[0] = 1.0 - (double) out[0];
		p[1] = (double) out[0];
	}
	else
		for (int k = 0; k < pm->m.n_labels; k++)
			p[k] = (double) out[k];
}

static void
require_classifier(const PgdlModel *pm)
{
	if (pm->m.task != DL_TASK_CLASSIFICATION)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("model \"%s\" is a regression model: it has no class probabilities", pm->name)));
}

static Datum
proba_datum(PgdlModel *pm)
{
	double	   *p;

	require_classifier(pm);
	p = palloc(sizeof(double) * pm->m.n_labels);
	probabilities(pm, pm->out, p);
	PG_RETURN_ARRAYTYPE_P(pgdl_float8_array(p, NULL, pm->m.n_labels));
}

Datum
pgdl_predict_proba(PG_FUNCTION_ARGS)
{
	return proba_datum(score_array(fcinfo));
}

Datum
pgdl_predict_proba_text(PG_FUNCTION_ARGS)
{
	return proba_datum(score_text(fcinfo));
}

Datum
pgdl_class_probabilities(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	PgdlModel  *pm;
	double	   *p;

	InitMaterializedSRF(fcinfo, 0);
	pm = score_array(fcinfo);
	require_classifier(pm);
	p = palloc(sizeof(double) * pm->m.n_labels);
	probabilities(pm, pm->out, p);
	for (int k = 0; k < pm->m.n_labels; k++)
	{
		Datum		values[2];
		bool		nulls[2] = {0};

		values[0] = CStringGetTextDatum(pm->m.labels[k]);
		values[1] = Float8GetDatum(p[k]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* every output of the model: a PCA projection, class probabilities, the regression value */
Datum
pgdl_transform_model(PG_FUNCTION_ARGS)
{
	PgdlModel  *pm = score_array(fcinfo);
	double	   *v = palloc(sizeof(double) * pm->n_outputs);

	for (int k = 0; k < pm->n_outputs; k++)
		v[k] = (double) pm->out[k];
	PG_RETURN_ARRAYTYPE_P(pgdl_float8_array(v, NULL, pm->n_outputs));
}

static ArrayType *
real_array(const float *x, int n)
{
	ArrayType  *a = pgdl_real_array_to_fill((size_t) n);

	memcpy(ARR_DATA_PTR(a), x, sizeof(float) * n);
	return a;
}

/*
 * embed: what the network computes before its output layer (the input of
 * its last dense layer, dl_network_embed), as real[].  The same model
 * lookup, privileges and input path as predict; the forward pass stops
 * one layer short, straight into the result array.
 */
static Datum
embed_datum(PgdlModel *pm)
{
	size_t		size = dl_network_embed_size(&pm->m.net);
	ArrayType  *result = pgdl_real_array_to_fill(size);
	float	   *v = (float *) ARR_DATA_PTR(result);

	dl_network_embed(&pm->m.net, pm->ws, pm->in, 1, v);
	pgdl_check_outputs(pm->name, v, (int) size, 0);
	PG_RETURN_ARRAYTYPE_P(result);
}

Datum
pgdl_embed(PG_FUNCTION_ARGS)
{
	return embed_datum(read_array_row(fcinfo, PG_GETARG_ARRAYTYPE_P(1)));
}

Datum
pgdl_embed_record(PG_FUNCTION_ARGS)
{
	return embed_datum(read_record_row(fcinfo));
}

/*
 * What the network sees for one feature vector: the model's imputer and
 * scaler applied in double, then float32 (pgdl_prepare_inputs, the path of
 * every prediction).
 */
Datum
pgdl_model_inputs(PG_FUNCTION_ARGS)
{
	PgdlModel  *pm = read_array_row(fcinfo, PG_GETARG_ARRAYTYPE_P(1));

	PG_RETURN_ARRAYTYPE_P(real_array(pm->in, pm->m.n_inputs));
}

/*
 * What the network sees for every row of a source, read the way training
 * reads its rows: spooled in double, then each row through the model's
 * preprocessing (pgdl_rows_prepare).  Equal, row by row, to model_inputs
 * of the same values: training and prediction share one path.
 */
Datum
pgdl_source_inputs(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	PgdlModel  *pm;
	PgdlFeatureSet fs;
	PgdlRows	rows;
	char	   *src;
	float	   *x;
	int64	   *rowno;
	int			d;
	MemoryContext caller = CurrentMemoryContext;	/* SPI_finish frees SPI's */

	pm = pgdl_model_load(text_to_cstring(pgdl_required_text(fcinfo, 0, "model")), CurrentMemoryContext);
	(void) pgdl_required_text(fcinfo, 1, "source");
	InitMaterializedSRF(fcinfo, 0);
	if (pm->m.task == DL_TASK_PROJECTION || pm->m.n_features == 0)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("model \"%s\" has no preprocessing of source columns", pm->name)));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pgdl: SPI_connect failed");
	src = pgdl_source_sql(PG_GETARG_TEXT_PP(1));
	fs.n = pm->m.n_features;
	fs.features = pm->m.features;
	fs.n_inputs = d = pm->m.n_inputs;
	memset(&rows, 0, sizeof(rows));
	rows.limit_bytes = (size_t) pgdl_max_training_memory_kb * 1024;
	/* missing values are allowed where the model imputes them, as in prediction */
	pgdl_spool_rows(&rows, src, &fs, NULL, pm->m.imputer ? DL_MISSING_MEAN : DL_MISSING_ERROR, caller);
	x = MemoryContextAllocHuge(caller, sizeof(float) * Max(rows.n, 1) * (size_t) d);
	rowno = MemoryContextAllocHuge(caller, sizeof(int64) * Max(rows.n, 1));
	pgdl_rows_prepare(&pm->m, &rows, x, rowno);
	pgdl_rows_close(&rows);
	SPI_finish();
	for (size_t i = 0; i < rows.n; i++)
	{
		Datum		values[2];
		bool		nulls[2] = {0};

		values[0] = Int64GetDatum(rowno[i]);
		values[1] = PointerGetDatum(real_array(x + i * (size_t) d, d));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	pgdl_model_release(pm);
	return (Datum) 0;
}

/* ---- a whole source ----------------------------------------------------------- */

/* what pgdl_score_source keeps across the rows of a batch */
typedef struct ScoreState
{
	PgdlModel  *pm;
	dl_workspace *ws;
	float	   *xb;				/* batch_rows x n_inputs */
	float	   *ob;				/* batch_rows x n_outputs */
	int			n;				/* rows gathered in this batch */
	int			seen;			/* rows of the fetched batch seen */
	int		   *at;				/* per row gathered: its index in the fetched batch */
	bool		drop_row;		/* trained with impute drop_row: skip rows so */
	int64		dropped;		/* rows skipped so */
	bool		with_extra;
	pgdl_score_callback cb;
	void	   *arg;
	MemoryContext row_cxt;
} ScoreState;

static void
score_row(PgdlScan *scan, HeapTuple tuple, void *arg)
{
	ScoreState *st = arg;
	PgdlModel  *pm = st->pm;
	float	   *out = st->xb + (size_t) st->n * pm->m.n_inputs;

	st->seen++;
	if (st->drop_row)
	{
		/* a row with a missing feature is skipped, as training skipped it */
		if (pgdl_read_features(scan->bound, pm->m.n_features, tuple, scan->desc, pm->xd,
							   scan->rowno, true) > 0)
		{
			st->dropped++;
			return;
		}
		pgdl_prepare_inputs(&pm->m, pm->xd, pm->nulls, out, scan->rowno);
	}
	else
		pgdl_row_inputs(&pm->m, scan->bound, tuple, scan->desc, pm->xd, pm->nulls, out, scan->rowno);
	st->at[st->n++] = st->seen - 1;
}

/* the batch's rows through the network at once, then each row's outputs to the callback */
static void
score_batch(PgdlScan *scan, void *arg)
{
	ScoreState *st = arg;
	PgdlModel  *pm = st->pm;

	dl_network_predict(&pm->m.net, st->ws, st->xb, st->n, st->ob);
	for (int r = 0; r < st->n; r++)
		pgdl_check_outputs(pm->name, st->ob + (size_t) r * pm->n_outputs, pm->n_outputs,
						   scan->rowno - (int64) scan->batch_rows + 1 + st->at[r]);
	for (int r = 0; r < st->n; r++)
	{
		bool		isnull = true;
		Datum		extra = (Datum) 0;
		MemoryContext old = MemoryContextSwitchTo(st->row_cxt);

		if (st->with_extra)
			extra = heap_getattr(scan->batch[st->at[r]], scan->extra_att, scan->desc, &isnull);
		st->cb(pm, st->ob + (size_t) r * pm->n_outputs, extra, isnull,
			   st->with_extra ? TupleDescAttr(scan->desc, scan->extra_att - 1)->atttypid : InvalidOid,
			   st->arg);
		MemoryContextSwitchTo(old);
		MemoryContextReset(st->row_cxt);
	}
	st->n = 0;
	st->seen = 0;
}

/* whether m was trained with the option impute drop_row (its rows with a missing feature skipped) */
static bool
trained_with_drop_row(const dl_model *m)
{
	dl_options	opts;
	bool		drop_row;

	if (m->options_json == NULL || dl_parse_options(m->options_json, &opts) != DL_OK)
		return false;
	drop_row = opts.impute == DL_MISSING_DROP_ROW;
	dl_options_free(&opts);
	return drop_row;
}

/*
 * What a scan reads after the features: the id or target column, then the
 * source's first column that is not an array when it is neither - its key,
 * usually, read so that an error about a row names it (features.c)
 */
static const char *
score_extra_sql(TupleDesc desc, const dl_model *m, const char *extra_column)
{
	const char *extra = extra_column ? pgdl_quote_ident(extra_column) : NULL;

	for (int a = 0; a < desc->natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, a);
		const char *name = NameStr(att->attname);

		if (att->attisdropped || OidIsValid(get_element_type(getBaseType(att->atttypid))))
			continue;
		if (extra_column && strcmp(name, extra_column) == 0)
			return extra;
		for (int i = 0; i < m->n_features; i++)
			if (strcmp(name, m->features[i].name) == 0)
				return extra;
		/* after the extra column: score_batch reads that one at the scan's extra_att */
		return extra ? psprintf("%s, %s", extra, pgdl_quote_ident(name)) : pgdl_quote_ident(name);
	}
	return extra;
}

void
pgdl_score_source(PgdlModel *pm, const char *source_sql, const char *extra_column,
				  pgdl_score_callback cb, void *arg)
{
	ScoreState	st;
	PgdlFeatureSet fs;
	int			batch_rows = BATCH_ROWS;
	const char *extra_sql;

	/*
	 * The model's columns and the id or target column, checked on the
	 * source's own columns first: a missing or mistyped one is named as
	 * such (42703 / 42804), not as an SQL error about a query the user never
	 * wrote.
	 */
	if (pgdl_source_execute(psprintf("%s LIMIT 0", source_sql)) != SPI_OK_SELECT)
		elog(ERROR, "pgdl: reading the columns of the source failed");
	{
		PgdlBoundFeature *check = palloc(sizeof(PgdlBoundFeature) * Max(pm->m.n_features, 1));

		pgdl_bind_features(pm->m.features, pm->m.n_features, SPI_tuptable->tupdesc, check);
		pfree(check);
	}
	if (extra_column && pgdl_find_attr(SPI_tuptable->tupdesc, extra_column) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" is not in the source", extra_column),
				 errhint("Column names are matched exactly, without case folding.")));
	extra_sql = score_extra_sql(SPI_tuptable->tupdesc, &pm->m, extra_column);
	memset(&st, 0, sizeof(st));
	st.pm = pm;
	st.cb = cb;
	st.arg = arg;
	st.with_extra = extra_column != NULL;
	/*
	 * Fewer rows per batch when the workspace of BATCH_ROWS and the batch's
	 * input and output rows would pass pgdl.max_training_memory: attention's
	 * weights grow as T x T per row, a bag of words' inputs with its
	 * vocabulary.
	 */
	while (batch_rows > 1 &&
		   dl_workspace_bytes(&pm->m.net, batch_rows, false) +
		   sizeof(float) * (size_t) batch_rows * (size_t) (Max(pm->m.n_inputs, 1) + Max(pm->n_outputs, 1)) >
		   (size_t) pgdl_max_training_memory_kb * 1024)
		batch_rows /= 2;
	ereport(DEBUG1,
			(errmsg_internal("pgdl: scoring with model \"%s\" in batches of %d rows (pgdl.max_training_memory)",
							 pm->name, batch_rows)));
	st.drop_row = trained_with_drop_row(&pm->m);
	st.at = palloc(sizeof(int) * batch_rows);
	st.xb = palloc(sizeof(float) * (size_t) batch_rows * Max(pm->m.n_inputs, 1));
	st.ob = palloc(sizeof(float) * (size_t) batch_rows * Max(pm->n_outputs, 1));
	st.row_cxt = AllocSetContextCreate(CurrentMemoryContext, "pgdl scoring row", ALLOCSET_DEFAULT_SIZES);
	pgdl_check_status(dl_workspace_create(&pm->m.net, batch_rows, false, &st.ws));
	fs.n = pm->m.n_features;
	fs.features = pm->m.features;
	fs.n_inputs = pm->m.n_inputs;
	pgdl_scan_source(source_sql, &fs, extra_sql, batch_rows, score_row, score_batch, &st);
	if (st.dropped > 0)
		ereport(NOTICE,
				(errmsg("skipped %lld rows with a missing feature, as training did (impute: drop_row)",
						(long long) st.dropped)));
	dl_workspace_free(st.ws);
	MemoryContextDelete(st.row_cxt);
}

typedef struct BatchOut
{
	ReturnSetInfo *rsinfo;
	double	   *p;
	Oid			id_output;
	bool		id_typisvarlena;
	Oid			id_type;
	FmgrInfo	id_flinfo;
	bool		have_out;
} BatchOut;

static void
emit_prediction(PgdlModel *pm, const float *out, Datum extra, bool extra_null, Oid extra_type, void *arg)
{
	BatchOut   *b = arg;
	Datum		values[4];
	bool		nulls[4] = {0};
	const dl_model *m = &pm->m;

	if (!b->have_out && OidIsValid(extra_type))
	{
		getTypeOutputInfo(extra_type, &b->id_output, &b->id_typisvarlena);
		fmgr_info_cxt(b->id_output, &b->id_flinfo, b->rsinfo->econtext->ecxt_per_query_memory);
		b->have_out = true;
	}
	if (extra_null)
		nulls[0] = true;
	else
		values[0] = CStringGetTextDatum(OutputFunctionCall(&b->id_flinfo, extra));
	if (m->task == DL_TASK_REGRESSION)
	{
		values[1] = Float8GetDatum((double) out[0]);
		nulls[2] = nulls[3] = true;
	}
	else
	{
		int			k = pgdl_output_class(m, out);
		double		v;

		if (dl_label_number(m, k, &v))
			values[1] = Float8GetDatum(v);
		else
			nulls[1] = true;
		values[2] = CStringGetTextDatum(m->labels[k]);
		probabilities(pm, out, b->p);
		values[3] = PointerGetDatum(pgdl_float8_array(b->p, NULL, m->n_labels));
	}
	tuplestore_putvalues(b->rsinfo->setResult, b->rsinfo->setDesc, values, nulls);
}

Datum
pgdl_predict_batch(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	PgdlModel  *pm;
	char	   *src;
	char	   *id_column;
	BatchOut	b;

	for (int i = 0; i < 3; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not be NULL", i == 0 ? "model" : i == 1 ? "source" : "id_column")));
	InitMaterializedSRF(fcinfo, 0);
	pm = pgdl_model_load(text_to_cstring(PG_GETARG_TEXT_PP(0)), CurrentMemoryContext);
	id_column = text_to_cstring(PG_GETARG_TEXT_PP(2));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pgdl: SPI_connect failed");
	src = pgdl_source_sql(PG_GETARG_TEXT_PP(1));
	memset(&b, 0, sizeof(b));
	b.rsinfo = rsinfo;
	b.p = palloc(sizeof(double) * Max(pm->m.n_labels, 1));
	pgdl_score_source(pm, src, id_column, emit_prediction, &b);
	SPI_finish();
	pgdl_model_release(pm);
	return (Datum) 0;
}
