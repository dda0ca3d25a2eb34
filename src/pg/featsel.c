/*-------------------------------------------------------------------------
 *
 * featsel.c
 *	  pgdl.feature_scores and pgdl.select_features (see the README).
 *
 * A source's features (see the README) and target are read through dataset.c
 * into one bounded float32 matrix (pgdl.max_training_memory, 54000 beyond),
 * read-only and as the caller; the engine's featsel.c scores the columns.
 * The methods and what they need of the target:
 *
 *   f_classif, chi2           a class target: text, bool or integer
 *   f_regression, pearson     a numeric target
 *   mutual_info, variance,    either: classes for text, bool and integers
 *   rfe                       with at most PGDL_MAX_INT_CLASSES values, a
 *                             quantity for real, float8, numeric and other
 *                             integers (train_model's rule)
 *   auto                      f_classif for a class target, f_regression
 *                             for a quantity, by that rule (with a NOTICE)
 *
 * One row per model input: a numeric column gives its name, a 1-D array
 * column name[1], name[2], ... (a 2-D one name[i][j]); rows come in rank
 * order (rank 1 the best; undefined scores last, in feature order).
 *
 * src/pg/featsel.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "arrays.h"
#include "budget.h"
#include "dataset.h"
#include "features.h"
#include "pgdl.h"
#include "source.h"

PG_FUNCTION_INFO_V1(pgdl_feature_scores);
PG_FUNCTION_INFO_V1(pgdl_select_features);

#define FS_METHODS "auto, pearson, f_classif, f_regression, chi2, mutual_info, variance"

/* the name of every model input */
static char **
input_names(const PgdlFeatureSet *fs)
{
	char	  **names = palloc(sizeof(char *) * Max(fs->n_inputs, 1));
	int			p = 0;

	for (int i = 0; i < fs->n; i++)
	{
		const dl_feature *f = &fs->features[i];

		switch (f->kind)
		{
			case DL_FEATURE_NUMBER:
				names[p++] = f->name;
				break;
			case DL_FEATURE_ARRAY:
			case DL_FEATURE_TEXT:
				for (int k = 0; k < f->length; k++)
					names[p++] = psprintf("%s[%d]", f->name, k + 1);
				break;
			case DL_FEATURE_MATRIX:
				for (int r = 0; r < f->rows; r++)
					for (int c = 0; c < f->cols; c++)
						names[p++] = psprintf("%s[%d][%d]", f->name, r + 1, c + 1);
				break;
			case DL_FEATURE_CATEGORICAL:
				for (int k = 0; k < f->n_categories; k++)
					names[p++] = psprintf("%s=%s", f->name, f->categories[k]);
				break;
		}
	}
	Assert(p == fs->n_inputs);
	return names;
}

static void
feature_selection(FunctionCallInfo fcinfo, bool select)
{
	const char *method_name;
	const char *target;
	int			k = 0;
	int			method_arg = select ? 3 : 2;
	dl_fs_method method;
	bool		is_auto;
	ArrayType  *requested;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext fs_cxt;
	MemoryContext old;
	char	   *src;
	PgdlDataset ds;
	PgdlBudget *budget;
	Oid			target_type;
	Oid			base;
	const char *qtarget;
	PgdlFeatureSet fs;
	PgdlTarget	tg;
	PgdlMatrix	m;
	char	  **labels = NULL;
	int			nlabels = 0;
	bool		classes;
	bool		class_type;
	char	  **names;
	double	   *score;
	double	   *pval;
	int		   *rank;
	int		   *order;

	(void) text_to_cstring(pgdl_required_text(fcinfo, 0, "source"));
	target = text_to_cstring(pgdl_required_text(fcinfo, 1, "target"));
	if (select)
	{
		if (PG_ARGISNULL(2))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("k must not be NULL")));
		k = PG_GETARG_INT32(2);
		if (k < 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("k must be at least 1, got %d", k)));
	}
	method_name = text_to_cstring(pgdl_required_text(fcinfo, method_arg, "method"));
	requested = PG_ARGISNULL(method_arg + 1) ? NULL : PG_GETARG_ARRAYTYPE_P(method_arg + 1);
	is_auto = strcmp(method_name, "auto") == 0;
	method = is_auto ? 0 : dl_fs_method_from_name(method_name);
	if ((!is_auto && method == 0) || (!select && method == DL_FS_RFE))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown method \"%s\"", method_name),
				 errhint(select ? "Use one of: " FS_METHODS ", rfe." :
						 method == DL_FS_RFE ? "rfe ranks features by elimination: use pgdl.select_features." :
						 "Use one of: " FS_METHODS ".")));

	InitMaterializedSRF(fcinfo, 0);
	budget = pgdl_budget_begin("feature selection", (size_t) pgdl_max_training_memory_kb * 1024,
							   "pgdl.max_training_memory");
	fs_cxt = budget->cxt;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pgdl: SPI_connect failed");

	pgdl_dataset_open(&ds, PG_GETARG_TEXT_PP(0), target);
	src = ds.src;
	target_type = ds.target.type;
	base = getBaseType(target_type);
	qtarget = pgdl_quote_ident(target);
	class_type = base == BOOLOID || pgdl_text_type(target_type) || pgdl_integer_type(target_type);
	if (!class_type && !OidIsValid(pgdl_numeric_base_type(target_type)))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("target column \"%s\" is %s: use a number, bool or text target",
						target, format_type_be(target_type))));

	/* classes or a quantity: the method's need, else train_model's rule */
	if (method != 0 && dl_fs_method_target(method) > 0)
	{
		if (!class_type)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("method %s needs a class target (text, bool or integer); \"%s\" is %s",
							method_name, target, format_type_be(target_type)),
					 errhint("For a numeric target use f_regression, pearson, mutual_info, variance%s.",
							 select ? " or rfe" : "")));
		classes = true;
	}
	else if (method != 0 && dl_fs_method_target(method) < 0)
	{
		if (!OidIsValid(pgdl_numeric_base_type(target_type)))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("method %s needs a numeric target; \"%s\" is %s",
							method_name, target, format_type_be(target_type)),
					 errhint("For a class target use f_classif, chi2, mutual_info, variance%s.",
							 select ? " or rfe" : "")));
		classes = false;
	}
	else
	{
		classes = pgdl_dataset_classes(&ds, PGDL_MANY_INTEGERS_QUANTITY);
		labels = ds.target.labels;
		nlabels = ds.target.n_labels;
	}
	if (is_auto)
	{
		method = classes ? DL_FS_F_CLASSIF : DL_FS_F_REGRESSION;
		ereport(NOTICE,
				(errmsg("method: %s (target \"%s\" is %s%s)", dl_fs_method_name(method), target,
						format_type_be(target_type),
						pgdl_integer_type(target_type) ?
						(classes ? " with few distinct values" : " with many distinct values") : "")));
	}
	if (classes)
	{
		if (labels == NULL)
			labels = pgdl_read_labels(src, qtarget, target_type, 0, &nlabels);
		if (nlabels < 2)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("method %s needs at least two distinct target values, the source has %d",
							dl_fs_method_name(method), nlabels)));
	}

	pgdl_dataset_features(&ds, requested, NULL, 0, fs_cxt);
	fs = ds.fs;
	if (select && k > fs.n_inputs)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k (%d) is larger than the number of features (%d)", k, fs.n_inputs)));

	memset(&m, 0, sizeof(m));
	m.d = fs.n_inputs;
	m.with_target = true;
	m.limit_bytes = (size_t) pgdl_max_training_memory_kb * 1024;

	/*
	 * What the engine allocates beside the rows, checked before anything is
	 * read: rfe's d x d Gram matrix and the fit's (d + 1)^2 system plus three
	 * (d + 1) x K weight arrays; f_classif's and chi2's per-class sums.  The
	 * rows get the rest of pgdl.max_training_memory.
	 */
	{
		double		dd = fs.n_inputs;
		double		K = classes ? Max(nlabels, 1) : 1;
		double		need = 0;

		if (method == DL_FS_RFE)
			need = sizeof(double) * (dd * dd + (dd + 1) * (dd + 1) + 3 * (dd + 1) * K + 264 * dd);
		else if (method == DL_FS_F_CLASSIF || method == DL_FS_CHI2)
			need = sizeof(double) * (K * dd + 4 * dd);
		if (need >= (double) m.limit_bytes)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("%s of %d features%s needs %.0f kB, more than pgdl.max_training_memory (%d kB)",
							dl_fs_method_name(method), fs.n_inputs,
							classes ? psprintf(" and %d classes", nlabels) : "",
							need / 1024, pgdl_max_training_memory_kb),
					 errhint("Use fewer features, or raise pgdl.max_training_memory (superuser).")));
		m.limit_bytes -= (size_t) need;
	}
	tg.column = target;
	tg.type = target_type;
	tg.n_labels = classes ? nlabels : 0;
	tg.labels = labels;
	pgdl_load_matrix(&m, src, &fs, &tg, DL_MISSING_ERROR, fs_cxt);
	if (m.null_targets > 0)
		ereport(NOTICE,
				(errmsg("skipped %lld rows whose target is NULL", (long long) m.null_targets)));
	if (m.n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the source has no row with a target to score features on")));

	old = MemoryContextSwitchTo(fs_cxt);
	names = input_names(&fs);
	score = palloc(sizeof(double) * m.d);
	pval = palloc(sizeof(double) * m.d);
	rank = palloc(sizeof(int) * m.d);
	order = palloc(sizeof(int) * m.d);
	if (method == DL_FS_RFE)
	{
		pgdl_check_status(dl_rfe(m.x, m.y, m.n, m.d, classes ? nlabels : 0, k, score, rank));
		for (int j = 0; j < m.d; j++)
			pval[j] = NAN;
	}
	else
	{
		pgdl_check_status(dl_feature_scores(method, m.x, m.y, m.n, m.d, classes ? nlabels : 0,
											(const char *const *) names, score, pval));
		dl_fs_rank(score, m.d, method == DL_FS_PEARSON, rank);
	}
	MemoryContextSwitchTo(old);

	for (int j = 0; j < m.d; j++)
		order[rank[j] - 1] = j;
	for (int r = 0; r < m.d; r++)
	{
		int			j = order[r];
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};

		values[0] = CStringGetTextDatum(names[j]);
		values[1] = Float8GetDatum(score[j]);
		nulls[1] = isnan(score[j]);
		values[2] = Float8GetDatum(pval[j]);
		nulls[2] = isnan(pval[j]);
		values[3] = Int32GetDatum(rank[j]);
		values[4] = BoolGetDatum(rank[j] <= k);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SPI_finish();
	pgdl_budget_end(budget);
}

Datum
pgdl_feature_scores(PG_FUNCTION_ARGS)
{
	feature_selection(fcinfo, false);
	return (Datum) 0;
}

Datum
pgdl_select_features(PG_FUNCTION_ARGS)
{
	feature_selection(fcinfo, true);
	return (Datum) 0;
}
