/*-------------------------------------------------------------------------
 *
 * evaluate.c
 *	  Model evaluation on a source: evaluate, confusion_matrix, roc_curve.
 *
 * Each scores the source in blocks (pgdl_score_source) and compares the
 * outputs with the target column, whose values are turned into label text
 * by pgdl_label_text, the function training uses (bool 'true'/'false',
 * numerics without trailing zeros, floats in their shortest exact form,
 * char(n) without padding), so 1 and 1.0 are one class.  A target value the model never saw
 * is a class of its own: it counts as an error and appears in the
 * confusion matrix.  Rows with a NULL target are skipped.
 *
 * Definitions follow scikit-learn: precision/recall/f1 of the positive
 * class for binary tasks (labels[2], or options.positive_label), macro
 * averages over the model's labels with 0 for an undefined ratio, log loss
 * with probabilities clipped to [1e-15, 1 - 1e-15], ROC AUC with ties
 * counted as one half.
 *
 * src/pg/evaluate.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "pgdl_glue.h"

PG_FUNCTION_INFO_V1(pgdl_evaluate);
PG_FUNCTION_INFO_V1(pgdl_confusion_matrix);
PG_FUNCTION_INFO_V1(pgdl_roc_curve);

char *
pgdl_label_text(Datum d, Oid typid)
{
	Oid			base = getBaseType(typid);

	switch (base)
	{
		case BOOLOID:
			return pstrdup(DatumGetBool(d) ? "true" : "false");
		case NUMERICOID:
			return DatumGetCString(DirectFunctionCall1(numeric_out,
													   DirectFunctionCall1(numeric_trim_scale, d)));
		case FLOAT4OID:
		case FLOAT8OID:
			{
				/*
				 * The shortest text that reads back exactly (float8out's form
				 * with the default extra_float_digits, whatever the setting);
				 * -0 and 0 are one class, as DISTINCT sees them.
				 */
				double		v = base == FLOAT4OID ? (double) DatumGetFloat4(d) : DatumGetFloat8(d);
				char	   *buf = palloc(DOUBLE_SHORTEST_DECIMAL_LEN);

				if (v == 0)
					v = 0.0;
				double_to_shortest_decimal_buf(v, buf);
				return buf;
			}
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
		case NAMEOID:
			return pgdl_text_value(d, base);
		default:
			{
				Oid			out;
				bool		isvarlena;

				getTypeOutputInfo(typid, &out, &isvarlena);
				return OidOutputFunctionCall(out, d);
			}
	}
}

/* what the scoring callback collects */
typedef struct EvalState
{
	PgdlModel  *pm;
	int			n_classes;		/* the model's labels, then unseen ones */
	int			capacity_classes;
	char	  **classes;
	/*
	 * [actual][predicted], capacity_classes x n_labels: only the actual side
	 * grows (a prediction is always one of the model's labels)
	 */
	int64	   *confusion;
	int			n_labels;
	int64		n;
	/* per row, for log loss and ROC: actual class and the positive score */
	int			positive;
	double		threshold;		/* binary: predicted positive when its probability reaches it */
	double	   *score;
	bool	   *is_positive;
	int64		capacity_rows;
	double		log_loss;
	int64		log_loss_n;
	/* regression */
	const char *target;
	Oid			target_base;	/* numeric base type of the target, once seen */
	double		sse;
	double		sae;
	dl_moments	actual;
	double	   *p;
	MemoryContext mcxt;
	int		   *by_label;		/* the model's labels sorted bytewise: indexes into classes */
} EvalState;

static const char *const *sort_classes;	/* qsort's context: classes being sorted */

static int
compare_by_label(const void *a, const void *b)
{
	return strcmp(sort_classes[*(const int *) a], sort_classes[*(const int *) b]);
}

static int
class_index(EvalState *s, const char *label)
{
	int			lo = 0,
				hi = s->n_labels - 1;

	/* a model label: binary search (training's labels follow the type's order, not bytes) */
	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int			c = strcmp(s->classes[s->by_label[mid]], label);

		if (c == 0)
			return s->by_label[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	/* values the model never saw are few in practice: a linear search among them */
	for (int k = s->n_labels; k < s->n_classes; k++)
		if (strcmp(s->classes[k], label) == 0)
			return k;
	/* a value the model never saw: a class of its own */
	if (s->n_classes == s->capacity_classes)
	{
		int			cap = s->capacity_classes * 2;

		if (s->n_classes >= DL_MAX_LABELS)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("the target has more than %d distinct values", DL_MAX_LABELS)));
		s->confusion = repalloc_huge(s->confusion, sizeof(int64) * cap * s->n_labels);
		memset(s->confusion + (int64) s->capacity_classes * s->n_labels, 0,
			   sizeof(int64) * (cap - s->capacity_classes) * s->n_labels);
		s->classes = repalloc(s->classes, sizeof(char *) * cap);
		s->capacity_classes = cap;
	}
	s->classes[s->n_classes] = MemoryContextStrdup(s->mcxt, label);
	return s->n_classes++;
}

static void
collect(PgdlModel *pm, const float *out, Datum extra, bool extra_null, Oid extra_type, void *arg)
{
	EvalState  *s = arg;
	const dl_model *m = &pm->m;

	if (extra_null)
		return;
	if (m->task == DL_TASK_REGRESSION)
	{
		double		a;
		double		e;

		if (!OidIsValid(s->target_base))
		{
			s->target_base = pgdl_numeric_base_type(extra_type);
			if (!OidIsValid(s->target_base) || s->target_base == BOOLOID)
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("target column \"%s\" is %s; model \"%s\" is a regression model and needs a numeric target",
								s->target, format_type_be(extra_type), pm->name)));
		}
		a = pgdl_datum_to_double(extra, s->target_base);
		e = (double) out[0] - a;

		s->sse += e * e;
		s->sae += fabs(e);
		dl_moments_add(&s->actual, a);
		s->n++;
		return;
	}
	{
		char	   *label = pgdl_label_text(extra, extra_type);
		int			actual = class_index(s, label);
		int			predicted;
		double		p_actual;

		if (m->loss == DL_LOSS_BCE)
		{
			s->p[0] = 1.0 - out[0];
			s->p[1] = out[0];
		}
		else
			for (int k = 0; k < m->n_labels; k++)
				s->p[k] = out[k];
		if (m->n_labels == 2 && s->positive >= 0)
			predicted = s->p[s->positive] >= s->threshold ? s->positive : 1 - s->positive;
		else
			predicted = pgdl_output_class(m, out);
		s->confusion[(int64) actual * s->n_labels + predicted]++;
		s->n++;
		if (actual < m->n_labels)
		{
			p_actual = Min(Max(s->p[actual], 1e-15), 1.0 - 1e-15);
			s->log_loss -= log(p_actual);
			s->log_loss_n++;
		}
		if (s->positive >= 0)
		{
			if (s->n > s->capacity_rows)
			{
				int64		cap = Max(1024, s->capacity_rows * 2);

				s->score = s->score ? repalloc_huge(s->score, sizeof(double) * cap)
					: MemoryContextAllocHuge(s->mcxt, sizeof(double) * cap);
				s->is_positive = s->is_positive ? repalloc_huge(s->is_positive, sizeof(bool) * cap)
					: MemoryContextAllocHuge(s->mcxt, sizeof(bool) * cap);
				s->capacity_rows = cap;
			}
			s->score[s->n - 1] = s->p[s->positive];
			s->is_positive[s->n - 1] = actual == s->positive;
		}
	}
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
	s->mcxt = CurrentMemoryContext;
	target = PG_ARGISNULL(2) ? pm->m.target : text_to_cstring(PG_GETARG_TEXT_PP(2));
	if (target == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model \"%s\" does not record its target column: pass target", pm->name)));
	s->target = target;
	dl_moments_init(&s->actual);
	s->positive = -1;
	s->threshold = a->threshold;
	if (pm->m.task == DL_TASK_CLASSIFICATION)
	{
		s->capacity_classes = pm->m.n_labels + 4;
		s->classes = palloc(sizeof(char *) * s->capacity_classes);
		for (int k = 0; k < pm->m.n_labels; k++)
			s->classes[k] = pm->m.labels[k];
		s->n_classes = pm->m.n_labels;
		s->n_labels = pm->m.n_labels;
		s->by_label = palloc(sizeof(int) * Max(s->n_labels, 1));
		for (int k = 0; k < s->n_labels; k++)
			s->by_label[k] = k;
		sort_classes = (const char *const *) s->classes;
		qsort(s->by_label, s->n_labels, sizeof(int), compare_by_label);
		sort_classes = NULL;
		s->confusion = MemoryContextAllocHuge(CurrentMemoryContext,
											  sizeof(int64) * s->capacity_classes * s->n_labels);
		memset(s->confusion, 0, sizeof(int64) * s->capacity_classes * s->n_labels);
		s->p = palloc(sizeof(double) * pm->m.n_labels);
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
		if (!want_scores && pm->m.n_labels != 2)
			s->positive = -1;
	}
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pgdl: SPI_connect failed");
	src = pgdl_source_sql(PG_GETARG_TEXT_PP(1));
	pgdl_score_source(pm, src, target, collect, s);
	SPI_finish();
	return s;
}

/*
 * ROC AUC from (score, positive) pairs: ranks with ties as one half.  Scores
 * are finite (pgdl_score_source refuses a row whose outputs are not), but
 * the order and the tie groups below still treat NaN as one value above
 * every number, as PostgreSQL sorts it: a group always takes at least its
 * first row, so no walk can stall on a value that equals nothing.
 */
static int
cmp_score_desc(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	if (isnan(x) || isnan(y))
		return isnan(x) ? (isnan(y) ? 0 : -1) : 1;
	return x > y ? -1 : x < y ? 1 : 0;
}

static bool
same_score(double x, double y)
{
	return x == y || (isnan(x) && isnan(y));
}

typedef struct ScoredRow
{
	double		score;
	bool		positive;
} ScoredRow;

static int
cmp_scored_desc(const void *a, const void *b)
{
	return cmp_score_desc(&((const ScoredRow *) a)->score, &((const ScoredRow *) b)->score);
}

static ScoredRow *
sorted_scores(EvalState *s)
{
	ScoredRow  *r = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(ScoredRow) * Max(s->n, 1));

	for (int64 i = 0; i < s->n; i++)
	{
		r[i].score = s->score[i];
		r[i].positive = s->is_positive[i];
	}
	qsort(r, s->n, sizeof(ScoredRow), cmp_scored_desc);
	return r;
}

/*
 * The rows from i on that share r[i]'s score (at least r[i] itself): their
 * positives and negatives are added to *dp and *dn; returns the next group's
 * first row.
 */
static int64
tie_group(const ScoredRow *r, int64 n, int64 i, double *dp, double *dn)
{
	int64		j = i;

	CHECK_FOR_INTERRUPTS();
	do
	{
		if (r[j].positive)
			(*dp)++;
		else
			(*dn)++;
		j++;
	} while (j < n && same_score(r[j].score, r[i].score));
	return j;
}

static double
roc_auc(EvalState *s)
{
	ScoredRow  *r;
	double		pos = 0,
				neg = 0,
				area = 0;

	if (s->positive < 0 || s->n == 0)
		return NAN;
	r = sorted_scores(s);
	/* walk thresholds from high to low; each tie group adds a trapezoid */
	for (int64 i = 0; i < s->n;)
	{
		double		dp = 0,
					dn = 0;

		i = tie_group(r, s->n, i, &dp, &dn);
		area += dn * (pos + dp / 2.0);
		pos += dp;
		neg += dn;
	}
	if (pos == 0 || neg == 0)
		return NAN;
	return area / (pos * neg);
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

static double
ratio(double a, double b)
{
	return b > 0 ? a / b : 0.0;
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
	if (s->n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the source has no row with a non-NULL target to evaluate on")));
	if (m->task == DL_TASK_REGRESSION)
	{
		double		mse = s->sse / s->n;
		double		var = dl_moments_pop_variance(&s->actual);

		put_metric(rsinfo, "mse", mse);
		put_metric(rsinfo, "rmse", sqrt(mse));
		put_metric(rsinfo, "mae", s->sae / s->n);
		put_metric(rsinfo, "r2", var > 0 ? 1.0 - mse / var : NAN);
		put_metric(rsinfo, "n", (double) s->n);
		return (Datum) 0;
	}
	{
		int			C = s->n_labels;
		int64		correct = 0;
		double		p_sum = 0,
					r_sum = 0,
					f_sum = 0;

		for (int k = 0; k < m->n_labels; k++)
			correct += s->confusion[(int64) k * C + k];
		put_metric(rsinfo, "accuracy", (double) correct / s->n);
		for (int k = 0; k < m->n_labels; k++)
		{
			int64		tp = s->confusion[(int64) k * C + k];
			int64		pred = 0,
						act = 0;
			double		p,
						r;

			for (int j = 0; j < s->n_classes; j++)
				pred += s->confusion[(int64) j * C + k];
			for (int j = 0; j < m->n_labels; j++)
				act += s->confusion[(int64) k * C + j];
			p = ratio(tp, pred);
			r = ratio(tp, act);
			p_sum += p;
			r_sum += r;
			f_sum += p + r > 0 ? 2 * p * r / (p + r) : 0.0;
			if (k == s->positive)
			{
				put_metric(rsinfo, "precision", p);
				put_metric(rsinfo, "recall", r);
				put_metric(rsinfo, "f1", p + r > 0 ? 2 * p * r / (p + r) : 0.0);
			}
		}
		put_metric(rsinfo, "precision_macro", p_sum / m->n_labels);
		put_metric(rsinfo, "recall_macro", r_sum / m->n_labels);
		put_metric(rsinfo, "f1_macro", f_sum / m->n_labels);
		put_metric(rsinfo, "log_loss", s->log_loss_n > 0 ? s->log_loss / s->log_loss_n : NAN);
		if (s->positive >= 0)
			put_metric(rsinfo, "roc_auc", roc_auc(s));
		put_metric(rsinfo, "n", (double) s->n);
	}
	return (Datum) 0;
}

Datum
pgdl_confusion_matrix(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	EvalArgs	a;
	EvalState  *s;

	InitMaterializedSRF(fcinfo, 0);
	memset(&a, 0, sizeof(a));
	/* it takes no options: evaluate's defaults */
	read_eval_options(fcinfo, PG_NARGS(), &a);
	s = run_evaluation(fcinfo, false, &a);
	if (s->pm->m.task != DL_TASK_CLASSIFICATION)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("model \"%s\" is a regression model: it has no confusion matrix", s->pm->name)));
	for (int i = 0; i < s->n_classes; i++)
		for (int j = 0; j < s->pm->m.n_labels; j++)
		{
			Datum		values[3];
			bool		nulls[3] = {0};

			values[0] = CStringGetTextDatum(s->classes[i]);
			values[1] = CStringGetTextDatum(s->classes[j]);
			values[2] = Int64GetDatum(s->confusion[(int64) i * s->n_labels + j]);
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
	ScoredRow  *r;
	double		P = 0,
				N = 0,
				tp = 0,
				fp = 0;

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
	r = sorted_scores(s);
	for (int64 i = 0; i < s->n; i++)
	{
		if (r[i].positive)
			P++;
		else
			N++;
	}
	/* one point per distinct score, highest first (as scikit-learn's roc_curve without dropping) */
	for (int64 i = 0; i < s->n;)
	{
		double		score = r[i].score;
		Datum		values[5];
		bool		nulls[5] = {0};

		i = tie_group(r, s->n, i, &tp, &fp);
		values[0] = Float8GetDatum(score);
		values[1] = Float8GetDatum(N > 0 ? fp / N : NAN);
		nulls[1] = N == 0;
		values[2] = Float8GetDatum(P > 0 ? tp / P : NAN);
		nulls[2] = P == 0;
		values[3] = Float8GetDatum(tp / (tp + fp));
		values[4] = values[2];
		nulls[4] = nulls[2];
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
