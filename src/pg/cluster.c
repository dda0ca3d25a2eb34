/*-------------------------------------------------------------------------
 *
 * cluster.c
 *	  pgdl.kmeans, pgdl.train_kmeans and pgdl.silhouette (see the README).
 *
 * In memory.  When the rows fit in pgdl.max_training_memory (a count(*)
 * of the source decides, before anything is read) they are loaded with
 * pgdl_load_matrix into one float32 matrix and the engine's dl_kmeans_fit
 * does the rest.
 *
 * Streaming.  Otherwise nothing larger than a block of rows and a sample
 * is held: a first cursor pass counts the rows, computes the per-feature
 * means and variances (for tol and the optional standardization) and keeps
 * a seeded uniform reservoir sample of up to KM_SAMPLE_MAX rows (fewer if
 * half the memory limit cannot hold them), on which the centres are
 * initialised; then every Lloyd iteration is one more read-only cursor pass
 * over the source accumulating the centroid sums block by block (exact
 * Lloyd, the same iterations as in memory from the same initial centres),
 * and a last pass computes the sizes and the exact SSE.  Cost: (iterations
 * + 2) scans of the source per n_init run, instead of one scan.  The rows
 * must come back in the same order each time for a seed to reproduce a
 * result: tables are read in physical order (synchronize_seqscans off).
 *
 * On Citus.  When the rows do not fit the budget (the streaming path), the
 * source reads a Citus table and every feature is a number or a
 * one-dimensional array, each Lloyd pass and the last one are one query of the aggregate
 * pgdl.kmeans_step (kmeans_agg.c) with the centres as a literal: Citus runs
 * it on the workers and only partial sums travel.  The first pass (count, column
 * statistics, the sample k-means++ starts from) still reads the rows
 * through the coordinator once, and so does a pass that left a cluster
 * empty (re-seeding it takes the farthest rows, which the aggregate does
 * not keep).
 *
 * Cluster ids are 0-based, as scikit-learn's labels_: kmeans_row.cluster,
 * the model's labels and pgdl.predict agree.
 *
 * The model: one dense layer with k linear outputs, W = 2 C^T and bias
 * -||c_j||^2, so output j = ||x||^2 - ||x - c_j||^2 and the largest output
 * is the nearest centre (ties: the lowest id); its labels are the cluster
 * ids.  The rows are centered on their mean (and with "standardize"
 * scaled) by a scaler stored in the model too, so predict applies it in
 * double precision before the float32 layer.
 *
 * src/pg/cluster.c
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
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "arrays.h"
#include "budget.h"
#include "citus_ship.h"
#include "dataset.h"
#include "features.h"
#include "kmeans_agg.h"
#include "models.h"
#include "options.h"
#include "pgdl.h"
#include "predict.h"
#include "source.h"

PG_FUNCTION_INFO_V1(pgdl_kmeans);
PG_FUNCTION_INFO_V1(pgdl_train_kmeans);
PG_FUNCTION_INFO_V1(pgdl_silhouette);

#define KM_SAMPLE_MAX 50000		/* rows the streaming path initialises on */
#define SIL_SAMPLE_MAX 10000	/* rows the silhouette is exact up to */
#define SIL_SEED 42				/* of the silhouette's sample beyond that */
#define FETCH_ROWS 1000

/* the options: the schemas of src/core/options.c */
typedef dl_kmeans_sql_options KmOptions;

/* ---- reading a source block by block -------------------------------------------- */

typedef void (*block_fn) (const float *x, size_t n, size_t first_row, void *arg);

/*
 * Every row of src (its features as float32) through a read-only cursor,
 * handed to fn in blocks of up to block_rows rows; tables in physical order.
 * Returns the rows read; *dropped counts rows skipped for a missing feature
 * (drop_missing; otherwise such a row is an error naming column and row).
 */
typedef struct StreamState
{
	bool		drop_missing;
	float	   *buf;
	size_t		block_rows;
	block_fn	fn;
	void	   *arg;
	double	   *xrow;
	size_t		n;				/* rows handed to fn so far */
	size_t		inbuf;			/* rows waiting in buf */
	int64		dropped;
} StreamState;

static void
stream_row(PgdlScan *scan, HeapTuple tuple, void *arg)
{
	StreamState *st = arg;
	int			d = scan->fs->n_inputs;
	float	   *dst;

	if (pgdl_read_features(scan->bound, scan->fs->n, tuple, scan->desc, st->xrow, scan->rowno,
						   st->drop_missing) > 0)
	{
		st->dropped++;
		return;
	}
	dst = st->buf + st->inbuf * (size_t) d;
	pgdl_store_float32(scan->fs->features, scan->fs->n, st->xrow, d, dst, scan->rowno, false);
	if (++st->inbuf == st->block_rows)
	{
		st->fn(st->buf, st->inbuf, st->n, st->arg);
		st->n += st->inbuf;
		st->inbuf = 0;
	}
}

static size_t
stream_source(const char *src, const PgdlFeatureSet *fs, bool drop_missing, float *buf,
			  size_t block_rows, block_fn fn, void *arg, int64 *dropped)
{
	StreamState st;

	memset(&st, 0, sizeof(st));
	st.drop_missing = drop_missing;
	st.buf = buf;
	st.block_rows = block_rows;
	st.fn = fn;
	st.arg = arg;
	st.xrow = palloc(sizeof(double) * fs->n_inputs);
	pgdl_scan_source(src, fs, NULL, FETCH_ROWS, stream_row, NULL, &st);
	if (st.inbuf > 0)
	{
		fn(buf, st.inbuf, st.n, arg);
		st.n += st.inbuf;
	}
	pfree(st.xrow);
	*dropped = st.dropped;
	return st.n;
}

/* a seeded uniform reservoir sample (Algorithm R) of up to cap rows */
typedef struct Reservoir
{
	float	   *x;
	size_t		cap;
	size_t		n;				/* rows held */
	size_t		seen;
	int			d;
	dl_rng		rng;
} Reservoir;

static void
reservoir_add(Reservoir *rs, const float *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
	{
		size_t		slot;

		rs->seen++;
		if (rs->n < rs->cap)
			slot = rs->n++;
		else
		{
			uint64_t	r = dl_rng_below(&rs->rng, rs->seen);

			if (r >= rs->cap)
				continue;
			slot = (size_t) r;
		}
		memcpy(rs->x + slot * (size_t) rs->d, x + i * (size_t) rs->d, sizeof(float) * rs->d);
	}
}

/* ---- k-means over a source --------------------------------------------------------- */

typedef struct FirstPass
{
	dl_colstats cs;
	Reservoir	rs;
} FirstPass;

static void
first_pass_block(const float *x, size_t n, size_t first_row, void *arg)
{
	FirstPass  *fp = arg;

	pgdl_check_status(dl_colstats_add(&fp->cs, x, n, first_row));
	reservoir_add(&fp->rs, x, n);
}

typedef struct LloydPass
{
	dl_kmeans  *km;
	const dl_scaler *scaler;
	bool		final;
} LloydPass;

static void
lloyd_pass_block(const float *x, size_t n, size_t first_row, void *arg)
{
	LloydPass  *lp = arg;

	if (lp->scaler)
		dl_apply_scaler_rows(lp->scaler, (float *) x, n, lp->km->d);
	dl_kmeans_pass_block(lp->km, x, n, lp->final, NULL);
}

/*
 * A standard scaler (mean, population stddev; 0 -> 1) from column
 * statistics; without standardize it only centers (scale 1).  The rows are
 * always centered, as scikit-learn's KMeans does: the distances are
 * ||c||^2 - 2 x.c in float32, which loses everything for data far from
 * zero (coordinates around 1e6: ||c||^2 = 1e12, rounded by 6e4), and the
 * model's float32 bias -||c||^2 would likewise; centered in double by the
 * scaler (kept in the model, as PCA does) they are exact.
 */
static dl_scaler *
scaler_from_colstats(const dl_colstats *cs, bool standardize)
{
	dl_scaler  *s = palloc0(sizeof(dl_scaler));
	double	   *var = palloc(sizeof(double) * cs->d);

	pgdl_check_status(dl_scaler_alloc(s, DL_SCALER_STANDARD, cs->d));
	dl_colstats_get(cs, s->center, var);
	for (int t = 0; t < cs->d; t++)
	{
		double		sd = sqrt(var[t]);

		s->scale[t] = standardize && sd > 0 ? sd : 1.0;
		s->lo[t] = s->center[t];
		s->hi[t] = sd;
	}
	s->n = cs->n;
	pfree(var);
	return s;
}

typedef struct KmFit
{
	dl_kmeans_result r;
	dl_scaler  *scaler;			/* centers, and with standardize scales */
	size_t		rows;
	bool		streamed;
	int			passes;			/* scans of the source */
	int			worker_passes;	/* of them, run as pgdl.kmeans_step on Citus workers */
} KmFit;

/*
 * The Lloyd state of k centres (dl_kmeans_create: centres in double and
 * float, sums, the farthest rows, the sgemm block) and the result's copy:
 * about 32 k d bytes, which neither path used to count.
 */
static double
kmeans_state_bytes(int k, int d)
{
	return (double) k * ((double) d * (2 * sizeof(double) + 2 * sizeof(float) + sizeof(double)) +
						 DL_KMEANS_BLOCK * sizeof(float) + 8 * sizeof(double));
}

static void
centres_too_large(int k, int d, size_t limit)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("k-means cannot hold %d centres of %d features in pgdl.max_training_memory (%zu kB)",
					k, d, limit / 1024),
			 errhint("Use a smaller k or fewer features, or raise pgdl.max_training_memory (superuser).")));
}

static void
no_rows_error(int64 dropped)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("k-means needs at least one row: the source has none%s",
					dropped > 0 ? " left after dropping rows with a missing feature" : "")));
}

/*
 * One more scan of the source through a Lloyd pass (after
 * dl_kmeans_pass_begin); it must still have n rows.  With row_sql it is the
 * aggregate on the workers, except a Lloyd pass that leaves a cluster
 * empty: that one is read again through the coordinator for the farthest
 * rows.
 */
static void
lloyd_scan(const char *src, const PgdlFeatureSet *fs, const KmOptions *o, float *buf,
		   size_t block_rows, LloydPass *lp, size_t n, KmFit *fit, const char *row_sql)
{
	int64		dropped;
	size_t		n2 = 0;
	bool		coordinator = true;

	fit->passes++;
	if (row_sql)
	{
		n2 = (size_t) pgdl_kmeans_agg_pass(src, row_sql, lp->km, lp->scaler->center,
										   lp->scaler->scale, lp->final);
		fit->worker_passes++;
		coordinator = false;
		for (int j = 0; j < lp->km->k && !lp->final && n2 == n; j++)
			coordinator |= lp->km->counts[j] == 0;
		if (coordinator)
		{
			dl_kmeans_pass_begin(lp->km);
			fit->passes++;
		}
	}
	if (coordinator)
		n2 = stream_source(src, fs, o->impute == DL_MISSING_DROP_ROW, buf, block_rows, lloyd_pass_block, lp, &dropped);
	if (n2 != n)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the source changed during k-means: %zu rows, then %zu", n, n2)));
}

static void
fit_streaming(const char *src, const PgdlFeatureSet *fs, const KmOptions *o, size_t limit,
			  const char *row_sql, KmFit *fit)
{
	int			d = fs->n_inputs;
	int			k = o->km.k;
	size_t		row_bytes = (size_t) d * sizeof(float);
	size_t		block_rows = Max((size_t) 1, Min((size_t) 16384, limit / 8 / row_bytes));
	float	   *buf = pgdl_budget_alloc(CurrentMemoryContext, block_rows * row_bytes);
	FirstPass	fp;
	int64		dropped;
	size_t		n;
	dl_kmeans	km;
	double		tol_abs;
	int			trials = 2 + (int) log((double) k);
	size_t		cap = (limit / 4) / (row_bytes + sizeof(double) * (trials + 2));

	cap = Min(cap, (size_t) KM_SAMPLE_MAX);
	/*
	 * The block takes an eighth of the limit, the sample and k-means++'s
	 * distances over it a quarter, the centres at most a quarter; the
	 * engine's own buffers for the sample's fit take the rest (all of it is
	 * charged to the budget as it is allocated).
	 */
	if (cap < (size_t) k || kmeans_state_bytes(k, d) > (double) (limit / 4))
		centres_too_large(k, d, limit);
	memset(&fp, 0, sizeof(fp));
	pgdl_check_status(dl_colstats_create(&fp.cs, d));
	fp.rs.x = pgdl_budget_alloc(CurrentMemoryContext, cap * row_bytes);
	fp.rs.cap = cap;
	fp.rs.d = d;
	dl_rng_seed(&fp.rs.rng, o->km.seed ^ UINT64_C(0x5851F42D4C957F2D));
	n = stream_source(src, fs, o->impute == DL_MISSING_DROP_ROW, buf, block_rows, first_pass_block, &fp, &dropped);
	fit->passes = 1;
	if (dropped > 0)
		ereport(NOTICE,
				(errmsg("dropped %lld rows with a missing feature (impute: drop_row)", (long long) dropped)));
	if (n == 0)
		no_rows_error(dropped);
	if ((size_t) k > n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k (%d) is larger than the number of rows (%zu)", k, n)));
	if (row_sql)
		ereport(NOTICE,
				(errmsg("k-means runs its iterations on the Citus workers: %zu rows of %d features, centres initialised on a sample of %zu rows",
						n, d, fp.rs.n)));
	else
		ereport(NOTICE,
				(errmsg("k-means streams the source: %zu rows of %d features exceed pgdl.max_training_memory; one scan per iteration, centres initialised on a sample of %zu rows",
						n, d, fp.rs.n)));
	fit->rows = n;
	fit->streamed = true;
	fit->scaler = scaler_from_colstats(&fp.cs, o->standardize);
	dl_apply_scaler_rows(fit->scaler, fp.rs.x, fp.rs.n, d);
	if (o->standardize)
	{
		/* the variance of standardized features is 1 (0 for constant ones) */
		{
			double	   *var = palloc(sizeof(double) * d);
			double		s = 0;

			dl_colstats_get(&fp.cs, NULL, var);
			for (int t = 0; t < d; t++)
				s += var[t] > 0 ? 1.0 : 0.0;
			tol_abs = o->km.tol * s / d;
			pfree(var);
		}
	}
	else
		tol_abs = o->km.tol * dl_colstats_mean_variance(&fp.cs);

	pgdl_check_status(dl_kmeans_create(&km, k, d));
	memset(&fit->r, 0, sizeof(fit->r));
	fit->r.k = k;
	fit->r.d = d;
	/* k x d doubles pass 1 GB beyond 2700 features with a raised memory limit */
	fit->r.centers = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * (size_t) k * (d + 2));
	fit->r.sizes = fit->r.centers + (size_t) k * d;
	fit->r.sse = fit->r.sizes + k;
	fit->r.total_sse = INFINITY;
	for (int run = 0; run < o->km.n_init; run++)
	{
		LloydPass	lp = {&km, fit->scaler, false};
		int			it = 0;
		bool		converged = false;
		double		total = 0;

		km.reseeded = 0;
		pgdl_check_status(dl_kmeans_seed_centers(&km, fp.rs.x, fp.rs.n, o->km.init,
												 dl_kmeans_run_seed(o->km.seed, run)));
		while (it < o->km.max_iter)
		{
			double		shift;

			dl_kmeans_pass_begin(&km);
			lloyd_scan(src, fs, o, buf, block_rows, &lp, n, fit, row_sql);
			dl_kmeans_pass_end(&km, &shift);
			it++;
			if (shift <= tol_abs)
			{
				converged = true;
				break;
			}
		}
		lp.final = true;
		dl_kmeans_pass_begin(&km);
		lloyd_scan(src, fs, o, buf, block_rows, &lp, n, fit, row_sql);
		for (int j = 0; j < k; j++)
			total += km.sse[j];
		if (total < fit->r.total_sse)
		{
			fit->r.total_sse = total;
			memcpy(fit->r.centers, km.centers, sizeof(double) * (size_t) k * d);
			memcpy(fit->r.sizes, km.counts, sizeof(double) * k);
			memcpy(fit->r.sse, km.sse, sizeof(double) * k);
			fit->r.iterations = it;
			fit->r.converged = converged;
			fit->r.reseeded = km.reseeded;
			fit->r.best_init = run + 1;
		}
	}
	dl_kmeans_free(&km);
	dl_colstats_free(&fp.cs);
}

static void
fit_in_memory(const char *src, const PgdlFeatureSet *fs, const KmOptions *o, size_t limit,
			  MemoryContext cxt, KmFit *fit)
{
	PgdlMatrix	m;
	int			d = fs->n_inputs;

	memset(&m, 0, sizeof(m));
	m.d = d;
	m.with_target = false;
	m.limit_bytes = limit;
	pgdl_load_matrix(&m, src, fs, NULL, o->impute, cxt);
	/* its SPI calls left the SPI procedure's context current, which SPI_finish deletes */
	MemoryContextSwitchTo(cxt);
	fit->passes = 1;
	if (m.dropped_rows > 0)
		ereport(NOTICE,
				(errmsg("dropped %lld rows with a missing feature (impute: drop_row)", (long long) m.dropped_rows)));
	if (m.n == 0)
		no_rows_error(m.dropped_rows);
	fit->rows = m.n;
	{
		dl_colstats cs;

		pgdl_check_status(dl_colstats_create(&cs, d));
		pgdl_check_status(dl_colstats_add(&cs, m.x, m.n, 0));
		fit->scaler = scaler_from_colstats(&cs, o->standardize);
		dl_colstats_free(&cs);
		dl_apply_scaler_rows(fit->scaler, m.x, m.n, d);
	}
	pgdl_check_status(dl_kmeans_fit(m.x, m.n, d, &o->km, &fit->r, NULL));
}

static void
fit_source(const char *src, const PgdlFeatureSet *fs, const KmOptions *o, MemoryContext cxt,
		   KmFit *fit)
{
	size_t		limit = (size_t) pgdl_max_training_memory_kb * 1024;
	int			d = fs->n_inputs;
	int			trials = 2 + (int) log((double) o->km.k);
	double		rows;
	bool		isnull;
	MemoryContext old;
	char	   *row_sql = NULL;

	memset(fit, 0, sizeof(*fit));
	/* how many rows: decides between memory and streaming before reading any */
	if (pgdl_source_execute(psprintf("SELECT pg_catalog.count(*) FROM (%s) AS s", src)) != SPI_OK_SELECT)
		elog(ERROR, "pgdl: counting the rows of the source failed");
	rows = (double) DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	old = MemoryContextSwitchTo(cxt);
	/* the matrix (grown by doubling), k-means++'s per-row distances and the centres */
	if (rows * ((double) d * sizeof(float) + sizeof(double) * (trials + 2)) * 1.25 +
		kmeans_state_bytes(o->km.k, d) <= (double) limit)
		fit_in_memory(src, fs, o, limit, cxt, fit);
	else
	{
		/*
		 * Streamed: one scan per pass.  On Citus the passes run on the
		 * workers when the rows can be float8[] there, so only partial sums
		 * travel instead of every row at every pass.  (Rows that fit are read
		 * once into memory: on the 3-node test cluster, 200,000 rows x 8,
		 * that took 1.4 s against 6.0 s for passes on the workers.)
		 */
		if (pgdl_sql_reads_citus_table(src))
		{
			row_sql = pgdl_kmeans_row_sql(src, fs->features, fs->n);
			if (row_sql)
				pgdl_citus_check_versions();
			else
				ereport(NOTICE,
						(errmsg("k-means reads the Citus table through the coordinator: only numbers and one-dimensional arrays make rows the workers can cluster")));
		}
		fit_streaming(src, fs, o, limit, row_sql, fit);
	}
	MemoryContextSwitchTo(old);
}

/* ---- the SQL functions -------------------------------------------------------------- */

/* the features of the source's result, by the README's rule */
static char *
source_features(text *source, ArrayType *requested, MemoryContext cxt, PgdlFeatureSet *fs)
{
	PgdlDataset ds;

	pgdl_dataset_open(&ds, source, NULL);
	pgdl_dataset_features(&ds, requested, NULL, 0, cxt);
	*fs = ds.fs;
	return ds.src;
}

static void
put_rows(FunctionCallInfo fcinfo, const KmFit *fit)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			k = fit->r.k;
	int			d = fit->r.d;
	double	   *c = palloc(sizeof(double) * d);

	InitMaterializedSRF(fcinfo, 0);
	for (int j = 0; j < k; j++)
	{
		Datum		values[4];
		bool		nulls[4] = {0};

		/* centroids in the features' own units, also when standardized */
		memcpy(c, fit->r.centers + (size_t) j * d, sizeof(double) * d);
		if (fit->scaler)
			pgdl_check_status(dl_scaler_inverse(fit->scaler, c, NULL, c));
		values[0] = Int32GetDatum(j);
		values[1] = PointerGetDatum(pgdl_float8_array(c, NULL, d));
		values[2] = Int64GetDatum((int64) fit->r.sizes[j]);
		values[3] = Float8GetDatum(fit->r.sse[j]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

static void
report_fit(const KmFit *fit)
{
	ereport(NOTICE,
			(errmsg("k-means: %zu rows, %d iterations (%s), SSE %.6g%s",
					fit->rows, fit->r.iterations,
					fit->r.converged ? "converged" : "max_iter reached", fit->r.total_sse,
					fit->r.reseeded > 0 ? psprintf(", %d empty clusters re-seeded", fit->r.reseeded) : "")));
}

static Datum
kmeans_entry(FunctionCallInfo fcinfo, int first, const char *model_name)
{
	text	   *source = pgdl_required_text(fcinfo, first, "source");
	ArrayType  *requested = PG_ARGISNULL(first + 2) ? NULL : PG_GETARG_ARRAYTYPE_P(first + 2);
	KmOptions	o;
	char	   *options_json;
	MemoryContext cxt;
	PgdlBudget *budget;
	PgdlFeatureSet fs;
	char	   *src;
	KmFit		fit;
	PgdlModelRef ref;

	if (PG_ARGISNULL(first + 1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("k must not be NULL")));
	options_json = pgdl_read_options(fcinfo, first + 3,
									 model_name ? &dl_train_kmeans_schema : &dl_kmeans_schema, &o);
	o.km.k = PG_GETARG_INT32(first + 1);
	if (o.km.k < 1 || o.km.k > DL_KMEANS_MAX_K)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be between 1 and %d, got %d", DL_KMEANS_MAX_K, o.km.k)));
	if (model_name)
	{
		pgdl_parse_model_ref(model_name, &ref);
		if (ref.version != PGDL_VERSION_DEFAULT)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_NAME),
					 errmsg("train_kmeans takes a plain model name: each training creates the next version")));
		if (o.km.k < 2)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a saved k-means model needs k >= 2, got %d", o.km.k),
					 errhint("pgdl.kmeans computes a single centroid without saving a model.")));
	}

	budget = pgdl_budget_begin("k-means", (size_t) pgdl_max_training_memory_kb * 1024,
							   "pgdl.max_training_memory");
	cxt = budget->cxt;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pgdl: SPI_connect failed");
	if (model_name)
		pgdl_check_model_writer(ref.name, false);
	src = source_features(source, requested, cxt, &fs);
	fit_source(src, &fs, &o, cxt, &fit);
	report_fit(&fit);

	if (model_name)
	{
		dl_model	m;
		int			k = o.km.k;
		int			d = fs.n_inputs;
		PgdlSave	s;
		MemoryContext old = MemoryContextSwitchTo(cxt);

		memset(&m, 0, sizeof(m));
		m.task = DL_TASK_CLUSTERING;
		m.loss = DL_LOSS_CE;
		m.target = "";
		m.n_labels = k;
		m.labels = palloc(sizeof(char *) * k);
		for (int j = 0; j < k; j++)
			m.labels[j] = psprintf("%d", j);
		m.n_features = fs.n;
		m.features = fs.features;
		m.n_inputs = d;
		m.scaler = fit.scaler;
		m.options_json = options_json;
		pgdl_check_status(dl_network_init_linear(&m.net, d, k));
		/* W (d x k) = 2 C^T, then the bias -||c||^2 (as float, what predict computes with) */
		{
			float	   *w = m.net.params + m.net.layers[0].param_offset;
			float	   *b = w + (size_t) d * k;

			for (int j = 0; j < k; j++)
			{
				double		nn = 0;

				for (int t = 0; t < d; t++)
				{
					float		c = (float) fit.r.centers[(size_t) j * d + t];

					w[(size_t) t * k + j] = 2.0f * c;
					nn += (double) c * c;
				}
				b[j] = (float) -nn;
			}
		}
		memset(&s, 0, sizeof(s));
		s.name = ref.name;
		s.model = &m;
		s.description = o.description;
		s.guard_meaning = true;
		s.replace = o.replace;
		s.metrics_json = psprintf("{\"sse\": %.17g, \"iterations\": %d, \"k\": %d, \"rows\": %zu, \"converged\": %s, \"reseeded\": %d, \"best_init\": %d, \"streamed\": %s, \"worker_passes\": %d}",
								  fit.r.total_sse, fit.r.iterations, k, fit.rows,
								  fit.r.converged ? "true" : "false", fit.r.reseeded, fit.r.best_init,
								  fit.streamed ? "true" : "false", fit.worker_passes);
		MemoryContextSwitchTo(old);
		(void) pgdl_save_model(&s);
	}
	SPI_finish();
	put_rows(fcinfo, &fit);
	pgdl_budget_end(budget);
	return (Datum) 0;
}

Datum
pgdl_kmeans(PG_FUNCTION_ARGS)
{
	return kmeans_entry(fcinfo, 0, NULL);
}

Datum
pgdl_train_kmeans(PG_FUNCTION_ARGS)
{
	return kmeans_entry(fcinfo, 1, text_to_cstring(pgdl_required_text(fcinfo, 0, "model")));
}

/* ---- silhouette ------------------------------------------------------------------------ */

typedef struct SilPass
{
	Reservoir	rs;
} SilPass;

static void
sil_block(const float *x, size_t n, size_t first_row, void *arg)
{
	reservoir_add(&((SilPass *) arg)->rs, x, n);
}

Datum
pgdl_silhouette(PG_FUNCTION_ARGS)
{
	char	   *model_ref = text_to_cstring(pgdl_required_text(fcinfo, 0, "model"));
	text	   *source = pgdl_required_text(fcinfo, 1, "source");
	ArrayType  *requested = PG_ARGISNULL(2) ? NULL : PG_GETARG_ARRAYTYPE_P(2);
	PgdlBudget *budget = pgdl_budget_begin("the silhouette", (size_t) pgdl_max_training_memory_kb * 1024,
										   "pgdl.max_training_memory");
	MemoryContext cxt = budget->cxt;
	MemoryContext old = MemoryContextSwitchTo(cxt);
	PgdlModel  *pm;
	const dl_model *m;
	PgdlFeatureSet fs;
	char	   *src;
	int			d;
	size_t		limit = (size_t) pgdl_max_training_memory_kb * 1024;
	size_t		cap,
				block_rows,
				n;
	float	   *buf;
	SilPass		sp;
	int64		dropped;
	int32	   *labels;
	double	   *xd;
	double		score;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pgdl: SPI_connect failed");
	pm = pgdl_model_load(model_ref, cxt);
	m = &pm->m;
	if (m->task != DL_TASK_CLUSTERING)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("model \"%s\" is a %s model, not a k-means model", pm->name, dl_task_name(m->task)),
				 errhint("Train one with pgdl.train_kmeans.")));
	d = m->n_inputs;
	if (requested == NULL)
	{
		/* the model's own feature columns, by name */
		Oid			relid;

		src = pgdl_source_sql_rel(source, &relid);
		fs.n = m->n_features;
		fs.features = m->features;
		fs.n_inputs = m->n_inputs;
	}
	else
	{
		src = source_features(source, requested, cxt, &fs);
		if (fs.n_inputs != d)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("the features give %d inputs, model \"%s\" takes %d", fs.n_inputs, pm->name, d)));
	}

	/*
	 * Exact up to SIL_SAMPLE_MAX rows (the reservoir then holds every row, in
	 * order); beyond, a seeded uniform sample of that many.  The pairwise
	 * block and the rows in double must also fit in the memory limit.
	 */
	cap = limit / ((size_t) d * (sizeof(float) + 2 * sizeof(double)) + 256 * sizeof(double) + 64);
	cap = Min(cap, (size_t) SIL_SAMPLE_MAX);
	if (cap < 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the silhouette cannot hold two rows of %d features in pgdl.max_training_memory", d)));
	block_rows = Max((size_t) 1, Min((size_t) 4096, limit / 8 / ((size_t) d * sizeof(float))));
	buf = MemoryContextAllocHuge(cxt, block_rows * (size_t) d * sizeof(float));
	memset(&sp, 0, sizeof(sp));
	sp.rs.x = MemoryContextAllocHuge(cxt, cap * (size_t) d * sizeof(float));
	sp.rs.cap = cap;
	sp.rs.d = d;
	dl_rng_seed(&sp.rs.rng, SIL_SEED);
	n = stream_source(src, &fs, false, buf, block_rows, sil_block, &sp, &dropped);
	SPI_finish();
	if (n > sp.rs.n)
		ereport(NOTICE,
				(errmsg("silhouette on a uniform sample of %zu of %zu rows (seed %d)", sp.rs.n, n, SIL_SEED)));

	/* each row through the model's scaler, then its cluster as predict gives it */
	labels = palloc(sizeof(int32) * Max(sp.rs.n, 1));
	xd = MemoryContextAllocHuge(cxt, Max(sp.rs.n, 1) * (size_t) d * sizeof(double));
	{
		dl_workspace *ws;
		int			bs = 256;
		int			nout = (int) dl_shape_size(&m->net.output_shape);
		float	   *out = palloc(sizeof(float) * bs * nout);

		if (m->scaler)
			dl_apply_scaler_rows(m->scaler, sp.rs.x, sp.rs.n, d);
		pgdl_check_status(dl_workspace_create(&m->net, bs, false, &ws));
		for (size_t s = 0; s < sp.rs.n; s += bs)
		{
			int			nb = (int) Min((size_t) bs, sp.rs.n - s);

			CHECK_FOR_INTERRUPTS();
			dl_network_predict(&m->net, ws, sp.rs.x + s * d, nb, out);
			for (int i = 0; i < nb; i++)
				labels[s + i] = pgdl_output_class(m, out + (size_t) i * nout);
		}
		dl_workspace_free(ws);
		for (size_t i = 0; i < sp.rs.n * (size_t) d; i++)
			xd[i] = sp.rs.x[i];
	}
	if (sp.rs.n < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the silhouette needs at least two rows, the source has %zu", sp.rs.n)));
	pgdl_check_status(dl_silhouette(xd, sp.rs.n, d, labels, m->n_labels, &score));
	MemoryContextSwitchTo(old);
	pgdl_budget_end(budget);
	PG_RETURN_FLOAT8(score);
}
