/*-------------------------------------------------------------------------
 *
 * pca.c
 *	  pgdl.pca and pgdl.train_pca: principal components of a source.
 *
 * The rows stream through a read-only SPI cursor into the engine's blocked
 * scatter matrix (src/core/pca.c: dsyrk over blocks of 256 centered rows),
 * so memory is the d x d matrix and one block whatever the number of rows,
 * checked against pgdl.max_training_memory before anything is allocated.
 * The aggregate pgdl.comoments_state would let PostgreSQL scan in
 * parallel, but its row-by-row update costs d(d+1)/2 scalar multiply-adds
 * a row on a triangle that does not fit in cache (784 features: 2.4 MB a
 * row); the blocked update is a level-3 BLAS kernel, tens of times faster,
 * which matters more than parallel reading for wide data.
 *
 * On a Citus table (distributed, reference or local) the co-moments are
 * computed where the rows are: one pgdl.comoments_state query over the
 * features as a float8[] row (pushdown_sql), which Citus runs on the
 * workers, the coordinator merging their partial states and finishing the
 * eigen-decomposition from the combined one.  Welford's row-by-row update
 * is slower per row than the blocked one, but runs on every worker at once
 * and moves d(d + 1)/2 doubles a shard instead of every row.  A feature
 * without a float8[] form in SQL (a 2-D or boolean array) keeps the
 * coordinator's scan, with a NOTICE; so does a state that saw a missing or
 * non-finite value, so that the error names the row as it does on an
 * ordinary table.
 *
 * A NULL, NaN or infinite feature is an error naming the column and the
 * row (scikit-learn refuses NaN too): a pairwise-complete covariance need
 * not be positive semi-definite, and its components would describe no
 * actual set of rows.
 *
 * train_pca saves a DL_TASK_PROJECTION model: a standard scaler (center the
 * mean, scale 1 for the covariance or the population sd for the
 * correlation) applied in double precision, then one linear dense layer
 * with W = components^T and no offset.  Centering in the scaler rather
 * than in a float32 bias keeps data far from zero (1e9 + U(0,1)) exact up
 * to the float32 of the centered value.
 *
 * src/pg/pca.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/xact.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "aggstate.h"
#include "arrays.h"
#include "budget.h"
#include "citus_ship.h"
#include "dataset.h"
#include "features.h"
#include "models.h"
#include "options.h"
#include "pgdl.h"
#include "pushdown.h"
#include "source.h"

PG_FUNCTION_INFO_V1(pgdl_pca);
PG_FUNCTION_INFO_V1(pgdl_train_pca);

#define FETCH_ROWS 1000

typedef struct PcaArgs
{
	const char *model;			/* NULL for pgdl.pca */
	text	   *source;
	int			k;
	ArrayType  *requested;
	int			options_arg;	/* of the jsonb options */
} PcaArgs;

/* every row of src through the scatter matrix (pgdl_scan_source: read-only, in physical order) */
typedef struct ScatterState
{
	dl_scatter *s;
	double	   *xrow;
} ScatterState;

static void
scatter_row(PgdlScan *scan, HeapTuple tuple, void *arg)
{
	ScatterState *st = arg;

	pgdl_read_features(scan->bound, scan->fs->n, tuple, scan->desc, st->xrow, scan->rowno, false);
	dl_scatter_add(st->s, st->xrow);
}

static void
scan_rows(const char *src, const PgdlFeatureSet *fs, dl_scatter *s)
{
	ScatterState st;

	st.s = s;
	st.xrow = palloc(sizeof(double) * fs->n_inputs);
	pgdl_scan_source(src, fs, NULL, FETCH_ROWS, scatter_row, NULL, &st);
	pfree(st.xrow);
}

/* the most inputs pgdl.comoments_state takes (pgdl.covariance_matrix's limit) */
#define PUSHDOWN_MAX_D 4096

/*
 * On a Citus table: one aggregate, pgdl.comoments_state over the features
 * as one float8[] a row, that Citus runs on its workers
 * (worker_partial_agg), so that only the partial co-moment states reach
 * the coordinator.  NULL, with *why, when a feature has no float8[] form in
 * SQL (a 2-D array, a boolean array) or the row is longer than the
 * aggregate takes.  An array of the wrong length becomes NULL elements, so
 * that the coordinator's scan names it (pushdown_scatter).
 */
static char *
pushdown_sql(const char *src, const PgdlFeatureSet *fs, TupleDesc desc, const char **why)
{
	char	   *row;

	if (fs->n_inputs > PUSHDOWN_MAX_D)
	{
		*why = psprintf("%d inputs, more than the %d of pgdl.comoments_state", fs->n_inputs,
						PUSHDOWN_MAX_D);
		return NULL;
	}
	row = pgdl_pushdown_features(fs, desc, why);
	if (row == NULL)
		return NULL;
	return psprintf("SELECT pgdl.comoments_state(%s) FROM (%s) AS s", row, src);
}

/*
 * Runs sql (pushdown_sql) and sets s, initialized for d inputs, from the
 * combined state.  False when a row had a missing or non-finite input: the
 * state cannot say which, so the caller scans the rows on the coordinator,
 * which reports the first such row as on an ordinary table.
 */
static bool
pushdown_scatter(const char *sql, dl_scatter *s)
{
	bool		isnull;
	Datum		d;
	PgdlAggState *st;
	dl_comoments c;
	double		n;
	const double *shift,
			   *mean,
			   *tri;

	if (pgdl_source_execute(sql) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "pgdl: the PCA aggregate query failed");
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		return true;			/* no row: s stays empty */
	st = DatumGetPgdlAggState(d);
	pgdl_state_validate(st, VARSIZE(st));
	pgdl_state_expect(st, PGDL_PURPOSE_COMOMENTS, s->d);
	if ((st->flags & PGDL_HAS_PAIRS) || st->nulls > 0)
		return false;
	pgdl_state_comoments(st, &c);
	dl_comoments_complete(&c, &n, &shift, &mean, &tri);
	for (int j = 0; j < s->d; j++)
		if (!isfinite(shift[j]) || !isfinite(mean[j]))
			return false;
	for (size_t k = 0; k < (size_t) s->d * (s->d + 1) / 2; k++)
		if (!isfinite(tri[k]))
			return false;
	dl_scatter_set_comoments(s, &c);
	return true;
}

/* the model: a scaler that centers (and standardizes), then x W with W = components^T */
static int
save_model(const char *name, const PgdlFeatureSet *fs, const dl_pca *p, bool correlation,
		   const char *options_json, bool distributed, bool replace)
{
	dl_model	model;
	PgdlSave	s;
	int			d = p->d,
				k = p->k;
	double		ratio_sum = 0;

	memset(&model, 0, sizeof(model));
	model.task = DL_TASK_PROJECTION;
	model.loss = DL_LOSS_MSE;
	model.target = "";
	model.n_features = fs->n;
	model.features = fs->features;
	model.n_inputs = fs->n_inputs;
	model.options_json = (char *) options_json;
	model.scaler = palloc0(sizeof(dl_scaler));
	pgdl_check_status(dl_scaler_alloc(model.scaler, DL_SCALER_STANDARD, d));
	model.scaler->n = p->n;
	for (int j = 0; j < d; j++)
	{
		model.scaler->center[j] = p->mean[j];
		model.scaler->scale[j] = p->scale[j];
		/* the outlier fences of a standard scaler: mean and sd */
		model.scaler->lo[j] = p->mean[j];
		model.scaler->hi[j] = p->sd[j];
	}

	pgdl_check_status(dl_network_init_linear(&model.net, d, k));
	/* W is (in, units) row-major, the bias after it: zero, the scaler centers */
	for (int j = 0; j < d; j++)
		for (int c = 0; c < k; c++)
			model.net.params[(size_t) j * k + c] = (float) p->components[(size_t) c * d + j];
	for (int c = 0; c < k; c++)
		model.net.params[(size_t) d * k + c] = 0.0f;

	for (int c = 0; c < k; c++)
		ratio_sum += p->total_variance > 0 ? p->variance[c] / p->total_variance : 0;
	memset(&s, 0, sizeof(s));
	s.name = name;
	s.model = &model;
	s.guard_meaning = true;
	s.replace = replace;
	/* "data": "distributed" when the Citus workers aggregated the rows */
	s.metrics_json = psprintf("{\"rows\": %.0f, \"n_components\": %d, \"matrix\": \"%s\", "
							  "\"total_variance\": %.17g, \"explained_variance_ratio_sum\": %.17g%s}",
							  p->n, k, correlation ? "correlation" : "covariance",
							  p->total_variance, ratio_sum,
							  distributed ? ", \"data\": \"distributed\"" : "");
	return pgdl_save_model(&s);
}

static Datum
pca_entry(FunctionCallInfo fcinfo, const PcaArgs *a)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	PgdlModelRef ref;
	dl_pca_sql_options opts;
	char	   *options_json;
	bool		correlation;
	char	   *src;
	PgdlDataset ds;
	PgdlBudget *budget;
	PgdlFeatureSet fs;
	MemoryContext cxt,
				old;
	dl_scatter	s;
	dl_pca		p;
	size_t		need,
				limit;
	int			d;
	char	   *pushdown = NULL;

	options_json = pgdl_read_options(fcinfo, a->options_arg,
									 a->model ? &dl_train_pca_schema : &dl_pca_schema, &opts);
	correlation = opts.matrix == DL_PCA_CORRELATION;
	if (a->model)
	{
		pgdl_parse_model_ref(a->model, &ref);
		if (ref.version != PGDL_VERSION_DEFAULT)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_NAME),
					 errmsg("train_pca takes a plain model name: each training creates the next version")));
	}
	budget = pgdl_budget_begin("PCA", (size_t) pgdl_max_training_memory_kb * 1024,
							   "pgdl.max_training_memory");
	cxt = budget->cxt;
	old = CurrentMemoryContext;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pgdl: SPI_connect failed");
	/* fail before reading anything when the name belongs to someone else */
	if (a->model)
		pgdl_check_model_writer(ref.name, false);

	pgdl_dataset_open(&ds, a->source, NULL);
	pgdl_dataset_features(&ds, a->requested, NULL, 0, cxt);
	src = ds.src;
	fs = ds.fs;
	d = fs.n_inputs;
	if (a->k < 1 || a->k > d)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("n_components must be between 1 and the number of features (%d), got %d", d, a->k)));
	if (d > DL_PCA_MAX_D)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("PCA takes at most %d features, the source gives %d", DL_PCA_MAX_D, d)));
	/* on a Citus table: the aggregate that runs on the workers, if the features allow */
	if (pgdl_sql_reads_citus_table(src))
	{
		const char *why = NULL;

		pushdown = pushdown_sql(src, &fs, ds.desc, &why);
		if (pushdown)
			pgdl_citus_check_versions();
		else
			ereport(NOTICE,
					(errmsg("PCA reads every row of the Citus table on the coordinator: %s", why),
					 errhint("Numeric columns and 1-D numeric arrays are aggregated on the workers.")));
	}
	/*
	 * The scatter state, then the fit's eigenvectors and LAPACK's workspace
	 * (about 40 d); with the pushdown, also the combined co-moment state
	 */
	need = dl_scatter_bytes(d) + sizeof(double) * ((size_t) a->k * d + 64 * (size_t) d);
	if (pushdown)
		need += sizeof(double) * dl_comoments_nslots(d, false);
	limit = (size_t) pgdl_max_training_memory_kb * 1024;
	if (need > limit)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("PCA of %d features needs %zu kB, more than pgdl.max_training_memory (%d kB)",
						d, need / 1024, pgdl_max_training_memory_kb),
				 errhint("Use fewer features, or raise pgdl.max_training_memory (superuser).")));

	/*
	 * The fit outlives SPI_finish: it goes in cxt, switched to explicitly
	 * because every SPI call leaves SPI's procedure context current.
	 */
	MemoryContextSwitchTo(cxt);
	pgdl_check_status(dl_scatter_init(&s, d));
	/* a missing value on a Citus table: the scan names its row */
	if (pushdown != NULL && !pushdown_scatter(pushdown, &s))
		pushdown = NULL;
	if (pushdown == NULL)
		scan_rows(src, &fs, &s);
	MemoryContextSwitchTo(cxt);
	dl_scatter_flush(&s);
	if (s.n < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("PCA needs at least 2 rows, the source has %.0f", s.n)));
	pgdl_check_status(dl_pca_fit(&s, a->k, correlation, &p));
	dl_scatter_free(&s);

	if (a->model)
		(void) save_model(ref.name, &fs, &p, correlation, options_json, pushdown != NULL, opts.replace);
	SPI_finish();

	MemoryContextSwitchTo(old);
	InitMaterializedSRF(fcinfo, 0);
	for (int c = 0; c < p.k; c++)
	{
		Datum		values[4];
		bool		nulls[4] = {0};

		values[0] = Int32GetDatum(c + 1);
		values[1] = Float8GetDatum(p.variance[c]);
		/* all rows equal: no variance to explain */
		values[2] = Float8GetDatum(p.total_variance > 0 ? p.variance[c] / p.total_variance : 0);
		nulls[2] = !(p.total_variance > 0);
		values[3] = PointerGetDatum(pgdl_float8_array(p.components + (size_t) c * d, NULL, d));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	pgdl_budget_end(budget);
	return (Datum) 0;
}

static void
read_args(FunctionCallInfo fcinfo, int first, PcaArgs *a)
{
	if (PG_ARGISNULL(first))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("source must not be NULL")));
	if (PG_ARGISNULL(first + 1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("n_components must not be NULL")));
	a->source = PG_GETARG_TEXT_PP(first);
	a->k = PG_GETARG_INT32(first + 1);
	a->requested = PG_ARGISNULL(first + 2) ? NULL : PG_GETARG_ARRAYTYPE_P(first + 2);
	a->options_arg = first + 3;
}

Datum
pgdl_pca(PG_FUNCTION_ARGS)
{
	PcaArgs		a;

	a.model = NULL;
	read_args(fcinfo, 0, &a);
	return pca_entry(fcinfo, &a);
}

Datum
pgdl_train_pca(PG_FUNCTION_ARGS)
{
	PcaArgs		a;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model must not be NULL")));
	a.model = text_to_cstring(PG_GETARG_TEXT_PP(0));
	read_args(fcinfo, 1, &a);
	return pca_entry(fcinfo, &a);
}
