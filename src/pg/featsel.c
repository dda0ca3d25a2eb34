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
 * On a Citus table (distributed, reference or local) the univariate
 * methods read the table through one aggregate query that Citus runs on
 * its workers (worker_partial_agg), so that only partial states reach the
 * coordinator, which finishes the scores from the combined statistics
 * (dl_fs_scores_from_class_moments, dl_fs_scores_from_comoments):
 *
 *   f_classif, chi2      pgdl.stats(features) GROUP BY the target: per
 *                        class count, mean, variance and minimum
 *   variance             pgdl.stats(features) of the rows with a target
 *   pearson,             pgdl.comoments_state(target || features) of the
 *   f_regression         rows with a target: the target's co-moments with
 *                        each feature (and all the other pairs, unused)
 *
 * The workers read the features in double precision where the
 * coordinator's matrix holds float32, so the two agree to about 1e-6
 * relative, not to the last bit.  mutual_info (equal-frequency bins: the
 * order statistics of every column) and rfe (model fits over all the rows)
 * keep reading every row on the coordinator, with a NOTICE; so do features
 * without a float8[] form in SQL (pushdown.c), and a source with a missing
 * or non-finite feature, so that the error names the row as on an ordinary
 * table.
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

#include "aggstate.h"
#include "arrays.h"
#include "budget.h"
#include "citus_ship.h"
#include "dataset.h"
#include "features.h"
#include "pgdl.h"
#include "pushdown.h"
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
			case DL_FEATURE_TEXT_NUMBER:
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
			case DL_FEATURE_DATE:
				for (int k = 0; k < f->length; k++)
					names[p++] = psprintf("%s[%d]", f->name, k + 1);
				break;
		}
	}
	Assert(p == fs->n_inputs);
	return names;
}

/* every row into one float32 matrix on this node, then the engine's scores */
static void
score_rows(dl_fs_method method, const char *src, const PgdlFeatureSet *fs, const char *target,
		   Oid target_type, bool classes, char **labels, int nlabels, int k, char **names,
		   double *score, double *pval, int *rank, MemoryContext fs_cxt)
{
	PgdlMatrix	m;
	PgdlTarget	tg;
	MemoryContext old;

	memset(&m, 0, sizeof(m));
	m.d = fs->n_inputs;
	m.with_target = true;
	m.limit_bytes = (size_t) pgdl_max_training_memory_kb * 1024;

	/*
	 * What the engine allocates beside the rows, checked before anything is
	 * read: rfe's d x d Gram matrix and the fit's (d + 1)^2 system plus three
	 * (d + 1) x K weight arrays; f_classif's and chi2's per-class sums.  The
	 * rows get the rest of pgdl.max_training_memory.
	 */
	{
		double		dd = fs->n_inputs;
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
							dl_fs_method_name(method), fs->n_inputs,
							classes ? psprintf(" and %d classes", nlabels) : "",
							need / 1024, pgdl_max_training_memory_kb),
					 errhint("Use fewer features, or raise pgdl.max_training_memory (superuser).")));
		m.limit_bytes -= (size_t) need;
	}
	tg.column = target;
	tg.type = target_type;
	tg.n_labels = classes ? nlabels : 0;
	tg.labels = labels;
	pgdl_load_matrix(&m, src, fs, &tg, DL_MISSING_ERROR, fs_cxt);
	if (m.null_targets > 0)
		ereport(NOTICE,
				(errmsg("skipped %lld rows whose target is NULL", (long long) m.null_targets)));
	if (m.n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the source has no row with a target to score features on")));

	old = MemoryContextSwitchTo(fs_cxt);
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
}

/* the most inputs (the target included) pgdl.comoments_state takes */
#define PUSHDOWN_MAX_COMOMENTS 4096

/* an array column of a pushdown result: its d elements, false if NULL or another length */
static bool
result_doubles(Datum d, bool isnull, Oid elemtype, int n, double *out)
{
	ArrayType  *arr;
	int			n_null;
	const double *v;

	if (isnull)
		return false;
	arr = DatumGetArrayTypeP(d);
	if (ARR_NDIM(arr) != 1 || ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr)) != n)
		return false;
	v = pgdl_array_doubles(arr, elemtype, n, out, NULL, &n_null);
	if (v != out)
		memcpy(out, v, sizeof(double) * n);
	return true;
}

/*
 * f_classif, chi2 and variance on a Citus table: per class (variance: one
 * group) the count and pgdl.stats of the features, aggregated on the
 * workers.  The groups come in the order of the labels (pgdl_read_labels
 * sorts them the same way), checked value by value.  False when a feature
 * was missing or not finite somewhere, or the groups do not match the
 * labels (the table changed in between): the caller scans the rows.
 */
static bool
pushdown_class_scores(dl_fs_method method, const char *src, const char *row, const char *qtarget,
					  Oid target_type, char **labels, int nlabels, int d, char **names,
					  double *score, double *pval, int64 *null_targets, double *rows)
{
	bool		by_class = method != DL_FS_VARIANCE;
	int			K = by_class ? nlabels : 1;
	double	   *count = palloc0(sizeof(double) * K);
	double	   *mean = palloc0(sizeof(double) * (size_t) K * d);
	double	   *m2 = palloc0(sizeof(double) * (size_t) K * d);
	double	   *minv = palloc(sizeof(double) * d);
	double	   *buf = palloc(sizeof(double) * d);
	char	   *sql;
	int			k = 0;

	if (by_class)
		sql = psprintf("SELECT %s%s AS t, pg_catalog.count(*), pgdl.stats(%s) "
					   "FROM (%s) AS s GROUP BY 1 ORDER BY 1",
					   qtarget, pgdl_text_type(target_type) ? " COLLATE pg_catalog.\"C\"" : "",
					   row, src);
	else
		sql = psprintf("SELECT %s IS NULL AS t, pg_catalog.count(*), pgdl.stats(%s) "
					   "FROM (%s) AS s GROUP BY 1 ORDER BY 1", qtarget, row, src);
	if (pgdl_source_execute(sql) != SPI_OK_SELECT)
		elog(ERROR, "pgdl: the feature score aggregate query failed");
	for (int j = 0; j < d; j++)
		minv[j] = INFINITY;
	*null_targets = 0;
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull,
					tnull;
		Datum		t = SPI_getbinval(tup, desc, 1, &tnull);
		int64		c = DatumGetInt64(SPI_getbinval(tup, desc, 2, &isnull));
		HeapTupleHeader stats;
		Datum		f;

		if (by_class ? tnull : DatumGetBool(t))
		{
			*null_targets += c;
			continue;
		}
		if (k >= K || (by_class && strcmp(pgdl_label_text(t, TupleDescAttr(desc, 0)->atttypid),
										  labels[k]) != 0))
			return false;
		stats = DatumGetHeapTupleHeader(SPI_getbinval(tup, desc, 3, &isnull));
		count[k] = (double) c;
		/* every element counted in every row: no missing value */
		f = GetAttributeByName(stats, "n", &isnull);
		if (!result_doubles(f, isnull, INT8OID, d, buf))
			return false;
		for (int j = 0; j < d; j++)
			if (buf[j] != count[k])
				return false;
		f = GetAttributeByName(stats, "mean", &isnull);
		if (!result_doubles(f, isnull, FLOAT8OID, d, mean + (size_t) k * d))
			return false;
		if (c > 1)
		{
			f = GetAttributeByName(stats, "variance", &isnull);
			if (!result_doubles(f, isnull, FLOAT8OID, d, m2 + (size_t) k * d))
				return false;
			for (int j = 0; j < d; j++)
				m2[(size_t) k * d + j] *= (double) (c - 1);
		}
		f = GetAttributeByName(stats, "min", &isnull);
		if (!result_doubles(f, isnull, FLOAT8OID, d, buf))
			return false;
		for (int j = 0; j < d; j++)
		{
			if (!isfinite(mean[(size_t) k * d + j]) || !isfinite(m2[(size_t) k * d + j]) ||
				!isfinite(buf[j]))
				return false;
			minv[j] = Min(minv[j], buf[j]);
		}
		*rows += count[k];
		k++;
	}
	/* a class the labels have and the table no longer has */
	if (k != K && (by_class || k != 0))
		return false;
	if (*rows > 0)
		pgdl_check_status(dl_fs_scores_from_class_moments(method, d, by_class ? K : 0, count, mean, m2,
														  minv, (const char *const *) names,
														  score, pval));
	return true;
}

/*
 * pearson and f_regression on a Citus table: the co-moments of the target
 * and the features, aggregated on the workers; false as above.
 */
static bool
pushdown_corr_scores(dl_fs_method method, const char *src, const char *row, const char *qtarget,
					 Oid target_type, int d, double *score, double *pval, int64 *null_targets,
					 double *rows)
{
	int			D = d + 1;
	char	   *sql;
	bool		isnull;
	Datum		v;
	PgdlAggState *st;
	dl_comoments c;
	double		n;
	const double *shift,
			   *mean,
			   *tri;
	double	   *vxx = palloc(sizeof(double) * d);

	sql = psprintf("SELECT pg_catalog.count(*) FROM (%s) AS s WHERE %s IS NULL", src, qtarget);
	if (pgdl_source_execute(sql) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "pgdl: the feature score count query failed");
	*null_targets = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	sql = psprintf("SELECT pgdl.comoments_state(ARRAY[%s%s::pg_catalog.float8] || %s) "
				   "FROM (%s) AS s WHERE %s IS NOT NULL",
				   qtarget, getBaseType(target_type) == BOOLOID ? "::pg_catalog.int4" : "",
				   row, src, qtarget);
	if (pgdl_source_execute(sql) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "pgdl: the feature score aggregate query failed");
	v = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		return true;			/* no row with a target */
	st = DatumGetPgdlAggState(v);
	pgdl_state_validate(st, VARSIZE(st));
	pgdl_state_expect(st, PGDL_PURPOSE_COMOMENTS, D);
	if ((st->flags & PGDL_HAS_PAIRS) || st->nulls > 0)
		return false;
	pgdl_state_comoments(st, &c);
	dl_comoments_complete(&c, &n, &shift, &mean, &tri);
	/*
	 * The packed upper triangle, row-major: row 0 (the target) holds its own
	 * sum of squares, then its cross products with each feature; feature j's
	 * sum of squares is the diagonal element (j + 1, j + 1).
	 */
	for (int j = 0; j < d; j++)
	{
		size_t		i = j + 1;

		vxx[j] = tri[i * D - i * (i - 1) / 2];
		if (!isfinite(vxx[j]) || !isfinite(tri[i]) || !isfinite(mean[i]))
			return false;
	}
	if (!isfinite(tri[0]) || !isfinite(mean[0]))
		return false;
	*rows = n;
	pgdl_check_status(dl_fs_scores_from_comoments(method, n, d, vxx, tri + 1, tri[0], score, pval));
	return true;
}

/*
 * On a Citus table: the scores from aggregates the workers compute (see the
 * file's header); false when the caller must read the rows itself, with a
 * NOTICE where that is by design.
 */
static bool
pushdown_scores(dl_fs_method method, const char *src, const PgdlFeatureSet *fs, TupleDesc desc,
				const char *qtarget, Oid target_type, char **labels, int nlabels, char **names,
				double *score, double *pval, int64 *null_targets, double *rows)
{
	const char *why = NULL;
	char	   *row;
	bool		corr = method == DL_FS_PEARSON || method == DL_FS_F_REGRESSION;
	double		need;

	if (method == DL_FS_MUTUAL_INFO || method == DL_FS_RFE)
	{
		ereport(NOTICE,
				(errmsg("%s reads every row of the Citus table on the coordinator",
						dl_fs_method_name(method)),
				 errdetail(method == DL_FS_RFE ?
						   "Recursive feature elimination fits models over all the rows." :
						   "Its equal-frequency bins need the order statistics of every column."),
				 errhint("pearson, f_classif, f_regression, chi2 and variance are computed on the workers.")));
		return false;
	}
	if (corr && fs->n_inputs + 1 > PUSHDOWN_MAX_COMOMENTS)
		why = psprintf("%d inputs, more than the %d of pgdl.comoments_state", fs->n_inputs,
					   PUSHDOWN_MAX_COMOMENTS - 1);
	row = why ? NULL : pgdl_pushdown_features(fs, desc, &why);
	if (row == NULL)
	{
		ereport(NOTICE,
				(errmsg("feature scores read every row of the Citus table on the coordinator: %s", why),
				 errhint("Numeric columns and 1-D numeric arrays are aggregated on the workers.")));
		return false;
	}
	/* the combined state, or a result row per class, and the fit's buffers */
	need = corr ? sizeof(double) * ((double) (fs->n_inputs + 1) * (fs->n_inputs + 2) / 2 + 8.0 * fs->n_inputs) :
		sizeof(double) * 12.0 * Max(nlabels, 1) * fs->n_inputs;
	if (need >= (double) pgdl_max_training_memory_kb * 1024)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s of %d features needs %.0f kB, more than pgdl.max_training_memory (%d kB)",
						dl_fs_method_name(method), fs->n_inputs, need / 1024, pgdl_max_training_memory_kb),
				 errhint("Use fewer features, or raise pgdl.max_training_memory (superuser).")));
	*rows = 0;
	if (corr)
		return pushdown_corr_scores(method, src, row, qtarget, target_type, fs->n_inputs,
									score, pval, null_targets, rows);
	return pushdown_class_scores(method, src, row, qtarget, target_type, labels, nlabels,
								 fs->n_inputs, names, score, pval, null_targets, rows);
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
	char	  **labels = NULL;
	int			nlabels = 0;
	bool		classes;
	bool		class_type;
	char	  **names;
	double	   *score;
	double	   *pval;
	int		   *rank;
	int		   *order;
	bool		pushed = false;

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

	old = MemoryContextSwitchTo(fs_cxt);
	names = input_names(&fs);
	score = palloc(sizeof(double) * fs.n_inputs);
	pval = palloc(sizeof(double) * fs.n_inputs);
	rank = palloc(sizeof(int) * fs.n_inputs);
	order = palloc(sizeof(int) * fs.n_inputs);
	MemoryContextSwitchTo(old);

	/* on a Citus table: aggregates on the workers, where the method allows */
	if (pgdl_sql_reads_citus_table(src))
	{
		int64		null_targets = 0;
		double		rows = 0;

		pushed = pushdown_scores(method, src, &fs, ds.desc, qtarget, target_type, labels,
								 classes ? nlabels : 0, names, score, pval, &null_targets, &rows);
		if (pushed)
		{
			if (null_targets > 0)
				ereport(NOTICE,
						(errmsg("skipped %lld rows whose target is NULL", (long long) null_targets)));
			if (rows == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("the source has no row with a target to score features on")));
			dl_fs_rank(score, fs.n_inputs, method == DL_FS_PEARSON, rank);
		}
	}
	if (!pushed)
		score_rows(method, src, &fs, target, target_type, classes, labels, nlabels, k,
				   names, score, pval, rank, fs_cxt);

	for (int j = 0; j < fs.n_inputs; j++)
		order[rank[j] - 1] = j;
	for (int r = 0; r < fs.n_inputs; r++)
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
