/*-------------------------------------------------------------------------
 *
 * evaluate.c
 *	  Model evaluation on a source: evaluate, confusion_matrix, roc_curve.
 *
 * Each scores the source in blocks (pgdl_score_source) and compares the
 * outputs with the target column, whose values are turned into label text
 * by pgdl_label_text (dataset.c), the function training uses (bool 'true'/'false',
 * numerics without trailing zeros, floats in their shortest exact form,
 * char(n) without padding), so 1 and 1.0 are one class.  A target value the model never saw
 * is a class of its own: it counts as an error and appears in the
 * confusion matrix.  Rows with a NULL target are skipped.
 *
 * Definitions follow scikit-learn: precision/recall/f1 of the positive
 * class for binary tasks (labels[2], or options.positive_label), macro
 * averages over the model's labels with 0 for an undefined ratio, log loss
 * with probabilities clipped to [1e-15, 1 - 1e-15], ROC AUC with ties
 * counted as one half.  This file only counts (PgdlEvalCounts, which
 * cross_validate uses for its folds too): every metric is a finalizer in
 * src/core/metrics.c, the one the metric aggregates call.
 *
 * src/pg/evaluate.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "arrays.h"
#include "dataset.h"
#include "evaluate.h"
#include "models.h"
#include "options.h"
#include "pgdl.h"
#include "predict.h"
#include "source.h"

PG_FUNCTION_INFO_V1(pgdl_evaluate);
PG_FUNCTION_INFO_V1(pgdl_confusion_matrix);
PG_FUNCTION_INFO_V1(pgdl_roc_curve);

/* ---- the counts behind every metric of evaluate and cross_validate ---- */

static void
counts_grow(PgdlEvalCounts *c, const dl_confusion_caps *caps)
{
	dl_confusion *t = MemoryContextAllocExtended(c->cxt, dl_confusion_caps_bytes(caps),
												 MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);

	dl_confusion_move(t, c->conf, caps);
	pfree(c->conf);
	c->conf = t;
}

static uint32
counts_label(PgdlEvalCounts *c, const char *label, uint32 len)
{
	uint32		i;
	dl_confusion_caps grow;

	for (;;)
	{
		pgdl_check_status(dl_confusion_add_label(c->conf, label, len, &i, &grow));
		if (grow.label_cap == 0)
			return i;
		counts_grow(c, &grow);
	}
}

/*
 * positive: the model's class whose scores are kept (for AUC and the ROC
 * curve) and whose precision, recall and f1 are reported, or -1.
 */
void
pgdl_eval_begin(PgdlEvalCounts *c, const dl_model *m, int positive, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);

	memset(c, 0, sizeof(*c));
	c->m = m;
	c->cxt = cxt;
	c->positive = positive;
	if (m->task == DL_TASK_CLASSIFICATION)
	{
		c->conf = palloc0(dl_confusion_init_bytes());
		dl_confusion_init(c->conf);
		c->label = palloc(sizeof(uint32) * Max(m->n_labels, 1));
		c->model_class = palloc(sizeof(int) * Max(m->n_labels, 1));
		/* the model's labels first, in its order (an imported model may repeat one) */
		for (int k = 0; k < m->n_labels; k++)
		{
			c->label[k] = counts_label(c, m->labels[k], strlen(m->labels[k]));
			if (c->label[k] == c->n_classes)
				c->model_class[c->n_classes++] = k;
		}
	}
	else
	{
		c->moments_buf = palloc(sizeof(double) * dl_moments_soa_nslots(DL_REGRESSION_DIM));
		dl_moments_soa_init(&c->moments, c->moments_buf, DL_REGRESSION_DIM);
	}
	MemoryContextSwitchTo(old);
}

uint32
pgdl_eval_class(PgdlEvalCounts *c, const char *label)
{
	uint32		len = strlen(label);
	uint32		i = dl_confusion_find_label(c->conf, label, len);

	if (i != DL_CONFUSION_NONE)
		return i;
	/* a value the model never saw: a class of its own */
	if (c->conf->nlabels >= DL_MAX_LABELS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the target has more than %d distinct values", DL_MAX_LABELS)));
	return counts_label(c, label, len);
}

double
pgdl_output_prob(const dl_model *m, const float *out, int k)
{
	if (m->loss == DL_LOSS_BCE)
		return k == 1 ? (double) out[0] : 1.0 - out[0];
	return out[k];
}

void
pgdl_eval_add_class(PgdlEvalCounts *c, uint32 actual, int predicted, const float *out)
{
	dl_confusion_caps grow;

	for (;;)
	{
		pgdl_check_status(dl_confusion_add_pair(c->conf, actual, c->label[predicted], 1, &grow));
		if (grow.label_cap == 0)
			break;
		counts_grow(c, &grow);
	}
	c->n++;
	/* a value the model never saw has no probability: no log loss */
	if (actual < c->n_classes)
		dl_log_loss_add(&c->log_loss, pgdl_output_prob(c->m, out, c->model_class[actual]));
	if (c->positive >= 0)
	{
		bool		is_positive = actual == c->label[c->positive];
		dl_scored  *row;

		if (c->n_scored == c->cap_scored)
		{
			size_t		cap = Max(1024, c->cap_scored * 2);

			c->scored = c->scored ? repalloc_huge(c->scored, sizeof(dl_scored) * cap)
				: MemoryContextAllocHuge(c->cxt, sizeof(dl_scored) * cap);
			c->cap_scored = cap;
		}
		row = &c->scored[c->n_scored++];
		row->score = pgdl_output_prob(c->m, out, c->positive);
		row->pos = is_positive;
		row->neg = !is_positive;
	}
}

void
pgdl_eval_add_value(PgdlEvalCounts *c, double actual, double predicted)
{
	double		x[DL_REGRESSION_DIM];

	/* a float32 prediction cannot make a finite difference overflow */
	(void) dl_regression_row(actual, predicted, x);
	dl_moments_soa_add(&c->moments, x, NULL);
	c->n++;
}

void
pgdl_eval_class_metrics(const PgdlEvalCounts *c, dl_class_metrics *out)
{
	dl_classification_report(c->conf, c->n_classes,
							 c->positive >= 0 ? c->label[c->positive] : DL_CONFUSION_NONE, out, NULL);
}

void
pgdl_eval_reg_metrics(const PgdlEvalCounts *c, dl_reg_metrics *out)
{
	dl_moments	m[DL_REGRESSION_DIM];

	for (int i = 0; i < DL_REGRESSION_DIM; i++)
		dl_moments_soa_get(&c->moments, i, &m[i]);
	dl_regression_report(&m[0], &m[1], &m[2], out);
}

/* ---- evaluate, confusion_matrix, roc_curve ---------------------------------- */

/* what the scoring callback collects */
typedef struct EvalState
{
	PgdlModel  *pm;
	PgdlEvalCounts counts;
	/* binary: the class predicted when its probability reaches threshold */
	int			positive;
	double		threshold;
	/* regression */
	const char *target;
	Oid			target_base;	/* numeric base type of the target, once seen */
} EvalState;

static void
collect(PgdlModel *pm, const float *out, Datum extra, bool extra_null, Oid extra_type, void *arg)
{
	EvalState  *s = arg;
	const dl_model *m = &pm->m;
	int			predicted;

	if (extra_null)
		return;
	if (m->task == DL_TASK_REGRESSION)
	{
		if (!OidIsValid(s->target_base))
		{
			s->target_base = pgdl_numeric_base_type(extra_type);
			if (!OidIsValid(s->target_base) || s->target_base == BOOLOID)
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("target column \"%s\" is %s; model \"%s\" is a regression model and needs a numeric target",
								s->target, format_type_be(extra_type), pm->name)));
		}
		pgdl_eval_add_value(&s->counts, pgdl_datum_to_double(extra, s->target_base), out[0]);
		return;
	}
	if (m->n_labels == 2 && s->positive >= 0)
		predicted = pgdl_output_prob(m, out, s->positive) >= s->threshold ? s->positive : 1 - s->positive;
	else
		predicted = pgdl_output_class(m, out);
	pgdl_eval_add_class(&s->counts, pgdl_eval_class(&s->counts, pgdl_label_text(extra, extra_type)),
						predicted, out);
}

typedef struct EvalArgs
{
	char	   *model;
	text	   *source;
	char	   *target;			/* NULL: the model's */
	double		threshold;
	char	   *positive_label;
} EvalArgs;

/* the options argument arg (absent: the defaults), against evaluate's schema */
static void
read_eval_options(FunctionCallInfo fcinfo, int arg, EvalArgs *a)
{
	dl_evaluate_sql_options o;

	(void) pgdl_read_options(fcinfo, arg, &dl_evaluate_schema, &o);
	a->threshold = o.threshold;
	a->positive_label = o.positive_label;
}

/* scores the source against the target; returns the state */
static EvalState *
run_evaluation(FunctionCallInfo fcinfo, bool want_scores, EvalArgs *a)
{
	EvalState  *s = palloc0(sizeof(EvalState));
	PgdlModel  *pm;
	char	   *src;
	const char *target;

	for (int i = 0; i < 2; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not be NULL", i == 0 ? "model" : "source")));
	pm = pgdl_model_load(text_to_cstring(PG_GETARG_TEXT_PP(0)), CurrentMemoryContext);
	s->pm = pm;
	/* k-means and PCA models have no target to compare with (they crashed the backend) */
	if (pm->m.task != DL_TASK_CLASSIFICATION && pm->m.task != DL_TASK_REGRESSION)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("model \"%s\" is a %s model: only classification and regression models are evaluated against a target",
						pm->name, dl_task_name(pm->m.task))));
	target = PG_ARGISNULL(2) ? pm->m.target : text_to_cstring(PG_GETARG_TEXT_PP(2));
	if (target == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model \"%s\" does not record its target column: pass target", pm->name)));
	s->target = target;
	s->positive = -1;
	s->threshold = a->threshold;
	if (pm->m.task == DL_TASK_CLASSIFICATION)
	{
		if (a->positive_label)
		{
			for (int k = 0; k < pm->m.n_labels; k++)
				if (strcmp(pm->m.labels[k], a->positive_label) == 0)
					s->positive = k;
			if (s->positive < 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("positive_label \"%s\" is not one of the model's labels", a->positive_label)));
		}
		else if (pm->m.n_labels == 2)
			s->positive = 1;
	}
	/* scores (and the positive class's metrics) only where they are reported */
	pgdl_eval_begin(&s->counts, &pm->m, want_scores ? s->positive : -1, CurrentMemoryContext);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pgdl: SPI_connect failed");
	src = pgdl_source_sql(PG_GETARG_TEXT_PP(1));
	pgdl_score_source(pm, src, target, collect, s);
	SPI_finish();
	return s;
}

/*
 * The distinct scores with their positives and negatives, highest first:
 * scores are finite (pgdl_score_source refuses a row whose outputs are
 * not), but the order and the tie groups still treat NaN as one value above
 * every number, as PostgreSQL sorts it, and a group always takes its first
 * row (dl_roc_tally).
 */
static size_t
scores_tally(EvalState *s)
{
	return dl_roc_tally(s->counts.scored, s->counts.n_scored);
}

static void
put_metric(ReturnSetInfo *rsinfo, const char *name, double v)
{
	Datum		values[2];
	bool		nulls[2] = {0};

	values[0] = CStringGetTextDatum(name);
	values[1] = Float8GetDatum(v);
	nulls[1] = isnan(v);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

Datum
pgdl_evaluate(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	EvalArgs	a;
	EvalState  *s;
	const dl_model *m;

	InitMaterializedSRF(fcinfo, 0);
	read_eval_options(fcinfo, 3, &a);
	s = run_evaluation(fcinfo, true, &a);
	m = &s->pm->m;
	if (s->counts.n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the source has no row with a non-NULL target to evaluate on")));
	if (m->task == DL_TASK_REGRESSION)
	{
		dl_reg_metrics r;

		pgdl_eval_reg_metrics(&s->counts, &r);
		put_metric(rsinfo, "mse", r.mse);
		put_metric(rsinfo, "rmse", r.rmse);
		put_metric(rsinfo, "mae", r.mae);
		put_metric(rsinfo, "r2", r.r2_defined ? r.r2 : NAN);
		put_metric(rsinfo, "n", (double) s->counts.n);
		return (Datum) 0;
	}
	{
		dl_class_metrics c;
		double		auc = NAN;

		pgdl_eval_class_metrics(&s->counts, &c);
		put_metric(rsinfo, "accuracy", c.accuracy);
		if (c.has_positive)
		{
			put_metric(rsinfo, "precision", c.precision);
			put_metric(rsinfo, "recall", c.recall);
			put_metric(rsinfo, "f1", c.f1);
		}
		put_metric(rsinfo, "precision_macro", c.precision_macro);
		put_metric(rsinfo, "recall_macro", c.recall_macro);
		put_metric(rsinfo, "f1_macro", c.f1_macro);
		put_metric(rsinfo, "log_loss", dl_log_loss_value(&s->counts.log_loss));
		if (s->counts.positive >= 0)
		{
			if (!dl_roc_auc(s->counts.scored, scores_tally(s), &auc))
				auc = NAN;
			put_metric(rsinfo, "roc_auc", auc);
		}
		put_metric(rsinfo, "n", (double) s->counts.n);
	}
	return (Datum) 0;
}

Datum
pgdl_confusion_matrix(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	EvalArgs	a;
	EvalState  *s;
	const dl_confusion *c;

	InitMaterializedSRF(fcinfo, 0);
	memset(&a, 0, sizeof(a));
	/* it takes no options: evaluate's defaults */
	read_eval_options(fcinfo, PG_NARGS(), &a);
	s = run_evaluation(fcinfo, false, &a);
	if (s->pm->m.task != DL_TASK_CLASSIFICATION)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("model \"%s\" is a regression model: it has no confusion matrix", s->pm->name)));
	c = s->counts.conf;
	/* the model's classes, then the values it never saw, as they came */
	for (uint32 i = 0; i < c->nlabels; i++)
		for (uint32 j = 0; j < s->counts.n_classes; j++)
		{
			Datum		values[3];
			bool		nulls[3] = {0};
			uint32		len;
			const char *label;

			label = dl_confusion_label(c, i, &len);
			values[0] = PointerGetDatum(cstring_to_text_with_len(label, len));
			label = dl_confusion_label(c, j, &len);
			values[1] = PointerGetDatum(cstring_to_text_with_len(label, len));
			values[2] = Int64GetDatum((int64) dl_confusion_count(c, i, j));
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	return (Datum) 0;
}

Datum
pgdl_roc_curve(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	EvalArgs	a;
	EvalState  *s;
	dl_roc_walk w;
	dl_roc_point p;

	InitMaterializedSRF(fcinfo, 0);
	read_eval_options(fcinfo, 3, &a);
	s = run_evaluation(fcinfo, true, &a);
	if (s->pm->m.task != DL_TASK_CLASSIFICATION)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("model \"%s\" is a regression model: it has no ROC curve", s->pm->name)));
	if (s->positive < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model \"%s\" has %d classes: name the positive one with the option \"positive_label\"",
						s->pm->name, s->pm->m.n_labels)));
	/* one point per distinct score, highest first (as scikit-learn's roc_curve without dropping) */
	dl_roc_walk_begin(&w, s->counts.scored, scores_tally(s));
	while (dl_roc_walk_next(&w, &p))
	{
		Datum		values[5];
		bool		nulls[5] = {0};

		values[0] = Float8GetDatum(p.threshold);
		values[1] = Float8GetDatum(p.fpr);
		nulls[1] = isnan(p.fpr);
		values[2] = Float8GetDatum(p.tpr);
		nulls[2] = isnan(p.tpr);
		values[3] = Float8GetDatum(p.precision);
		values[4] = values[2];
		nulls[4] = nulls[2];
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
