/*-------------------------------------------------------------------------
 *
 * pgdl_glue.h
 *	  Declarations shared by the PostgreSQL glue files (src/pg).
 *
 * Aggregate states.  Every pgdl aggregate keeps its transition state in one
 * concrete varlena type, pgdl.aggstate (the public pgdl.sketch shares its
 * binary form): a fixed header plus float8 slots, allocated on the first row
 * and then updated in place.  The one exception is classification_metrics,
 * whose state counts string labels: pgdl.confusion_state (metrics.c), a
 * dl_confusion table behind an 8-byte varlena header, with the same text
 * form and the same discipline.  A concrete type, rather than "internal", is
 * what lets both parallel query and Citus ship partial states between
 * processes or nodes without serialize/deserialize functions; the price is
 * that every state arriving from outside (input, receive, the second
 * argument of a combine function) is validated before use.
 *
 * The layout of a state and its validation are the core's: see the
 * aggregate-states section of pgdl_core.h and src/core/aggstate.c.
 *
 * src/pg/pgdl_glue.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_GLUE_H
#define PGDL_GLUE_H

#include "fmgr.h"
#include "access/htup.h"
#include "access/tupdesc.h"
#include "storage/buffile.h"
#include "utils/array.h"

#include "pgdl_core.h"
#include "dl_nn.h"
#include "options.h"

/* ---- errors and settings (pgdl.c) --------------------------------------- */

extern int	pgdl_max_training_memory_kb;
extern int	pgdl_max_model_size_kb;
extern int	pgdl_blas_threads;

/* SQLSTATE of a core status */
extern int	pgdl_sqlstate(dl_status status);
/* a text argument that must not be NULL (22004 naming it otherwise) */
extern text *pgdl_required_text(FunctionCallInfo fcinfo, int arg, const char *name);
/* raises the core's last error if status is not DL_OK (a hook normally did) */
extern void pgdl_check_status(dl_status status);

/* ---- memory budgets (budget.c) ------------------------------------------------ */

/*
 * A memory context whose total may not pass limit: the engine's allocations
 * in it (through the allocation hook) and the glue's large buffers
 * (pgdl_budget_alloc) are charged before they are made, 54000 past it.
 */
typedef struct PgdlBudget
{
	MemoryContext cxt;
	size_t		limit;
	const char *what;			/* "the training", for the message */
	const char *limit_name;		/* "pgdl.max_training_memory", for the message */
	struct PgdlBudget *outer;
	MemoryContextCallback callback;
	size_t		peak;			/* the most the context held with a charged request */
} PgdlBudget;

/* a budget (b->cxt a child of the current context), active until its context is deleted */
extern PgdlBudget *pgdl_budget_begin(const char *what, size_t limit, const char *limit_name);
extern void pgdl_budget_end(PgdlBudget *b);
/* 54000 unless size more bytes fit the active budget (when the current context is in it) */
extern void pgdl_budget_charge(size_t size);
/* MemoryContextAllocHuge / repalloc_huge, charged first when in the active budget */
extern void *pgdl_budget_alloc(MemoryContext cxt, size_t size);
extern void *pgdl_budget_realloc(void *ptr, size_t size);
/* whether pgdl_budget_realloc(ptr, size) would fit the active budget (no error) */
extern bool pgdl_budget_fits(void *ptr, size_t size);

/* ---- options (options.c) ------------------------------------------------ */

/*
 * Reads the jsonb argument arg (absent or NULL: {}) against the function's
 * schema into out (22023 in the schema's style for a mistake); returns the
 * options as text, for the models that keep them.
 */
extern char *pgdl_read_options(FunctionCallInfo fcinfo, int arg, const dl_option_schema *schema,
							   void *out);
/* a jsonb value as the engine's JSON tree, in the current memory context */
extern const dl_json *pgdl_jsonb_tree(Datum jsonb);

/* ---- aggregate states (aggstate.c) -------------------------------------- */

/*
 * The state block, its sections and its validation are the core's
 * (pgdl_core.h, src/core/aggstate.c); these are the glue's names for them.
 */
typedef dl_aggstate PgdlAggState;
typedef dl_state_layout PgdlLayout;
typedef dl_state_purpose PgdlPurpose;

#define PGDL_STATE_MAGIC	DL_STATE_MAGIC
#define PGDL_STATE_VERSION	DL_STATE_VERSION
#define PGDL_LAYOUT_COLUMNS		DL_LAYOUT_COLUMNS
#define PGDL_LAYOUT_COMOMENTS	DL_LAYOUT_COMOMENTS
#define PGDL_LAYOUT_HISTOGRAM	DL_LAYOUT_HISTOGRAM
#define PGDL_PURPOSE_STATS		DL_PURPOSE_STATS
#define PGDL_PURPOSE_QUANTILES	DL_PURPOSE_QUANTILES
#define PGDL_PURPOSE_SKETCH		DL_PURPOSE_SKETCH
#define PGDL_PURPOSE_DESCRIBE	DL_PURPOSE_DESCRIBE
#define PGDL_PURPOSE_COMOMENTS	DL_PURPOSE_COMOMENTS
#define PGDL_PURPOSE_HISTOGRAM	DL_PURPOSE_HISTOGRAM
#define PGDL_PURPOSE_SCALER		DL_PURPOSE_SCALER
#define PGDL_PURPOSE_REGRESSION DL_PURPOSE_REGRESSION
#define PGDL_PURPOSE_ROC_AUC	DL_PURPOSE_ROC_AUC
#define PGDL_REGRESSION_DIM DL_REGRESSION_DIM
#define PGDL_ROC_AUC_DIM	DL_ROC_AUC_DIM
#define PGDL_HAS_MOMENTS	DL_HAS_MOMENTS
#define PGDL_HAS_Q			DL_HAS_Q
#define PGDL_HAS_SKETCHES	DL_HAS_SKETCHES
#define PGDL_HAS_PAIRS		DL_HAS_PAIRS
#define PGDL_MAX_DIM		DL_STATE_MAX_DIM
#define PGDL_MAX_Q			DL_STATE_MAX_Q
#define PGDL_MAX_BINS		DL_STATE_MAX_BINS
#define PGDL_STATE_HDRSZ	DL_STATE_HDRSZ
#define PGDL_STATE_SLOTS(s) DL_STATE_SLOTS(s)

StaticAssertDecl(offsetof(dl_aggstate, magic) == VARHDRSZ,
				 "the state header starts with room for the varlena header");

#define DatumGetPgdlAggState(d)	((PgdlAggState *) PG_DETOAST_DATUM(d))
#define PG_GETARG_PGDL_AGGSTATE(n) DatumGetPgdlAggState(PG_GETARG_DATUM(n))

/* allocates a zeroed state with the given header and room for nslots */
extern PgdlAggState *pgdl_state_alloc(PgdlLayout layout, PgdlPurpose purpose,
									  int flags, int dim, size_t nslots);

/* COLUMNS sections; sketches start at the first, sketch i+1 follows sketch i */
#define pgdl_state_moments(s, v)	dl_aggstate_moments((s), (v))
#define pgdl_state_q(s)				dl_aggstate_q(s)
#define pgdl_state_sketch(s, i)		dl_aggstate_sketch((s), (i))
#define pgdl_state_first_sketch(s)	dl_aggstate_first_sketch(s)
#define pgdl_state_next_sketch(sk)	dl_aggstate_next_sketch(sk)
/* adds a row to the sketches (see aggstate.c); returns s or a grown copy */
extern PgdlAggState *pgdl_state_sketches_add(PgdlAggState *s, const double *x, const bool *isnull);
/* size of a COLUMNS state of d variables with fresh sketches */
#define pgdl_columns_nslots(flags, dim, nq) dl_aggstate_columns_nslots((flags), (dim), (nq))
/* initializes the sections of a fresh COLUMNS state */
extern void pgdl_columns_init(PgdlAggState *s);

/* COMOMENTS */
#define pgdl_state_comoments(s, c)	dl_aggstate_comoments((s), (c))

/*
 * Checks a state of nbytes that arrived from outside (dl_aggstate_check):
 * raises 22P03 (or 0A000 for a newer version) naming what is wrong.
 */
extern void pgdl_state_validate(const PgdlAggState *s, size_t nbytes);

/*
 * Merges state b (validated) into a, which the caller owns (aggregate
 * context); returns a or a larger copy of it.
 */
extern PgdlAggState *pgdl_state_merge(PgdlAggState *a, const PgdlAggState *b);

/*
 * 22P03 unless s was built for this purpose (and, dim >= 0, has dim
 * variables): transition and final functions call it on every state they
 * did not create themselves (an INITCOND, a direct call from SQL).
 */
extern void pgdl_state_expect(const PgdlAggState *s, PgdlPurpose purpose, int dim);
/*
 * The state argument of a final function: detoasted, validated when called
 * outside an aggregate, and of the expected kind.
 */
extern PgdlAggState *pgdl_final_state(FunctionCallInfo fcinfo, PgdlPurpose purpose, int dim);
/* variable i of v; 22003 if its accumulators overflowed */
extern void pgdl_moments_get_checked(const dl_moments_soa *v, int i, dl_moments *out);

/*
 * The text form of every pgdl state type, "pgdl:<hex>": decode gives the
 * bytes (22P02 if the text is malformed; the caller validates them).
 */
extern char *pgdl_state_text_decode(const char *str, size_t *nbytes);
extern char *pgdl_state_text_encode(const char *data, size_t len);

/* the aggregate context, or an error if not called as an aggregate */
extern MemoryContext pgdl_agg_context(FunctionCallInfo fcinfo, const char *fname);

/* ---- feature vectors (arrays.c) ------------------------------------------ */

/*
 * A feature vector read from an array argument: x points into the array
 * itself for float8 arrays without NULLs, or into the scratch buffer.
 */
typedef struct PgdlVector
{
	int			d;
	const double *x;
	bool	   *isnull;			/* NULL when no element is NULL */
} PgdlVector;

typedef struct PgdlVectorScratch
{
	int			capacity;
	double	   *buf;
	bool	   *nulls;
	MemoryContext mcxt;
} PgdlVectorScratch;

/* scratch kept in fn_extra across calls */
extern PgdlVectorScratch *pgdl_vector_scratch(FunctionCallInfo fcinfo);
/*
 * reads a 1-D, non-empty numeric array (42804 for other element types, 22000
 * for other shapes)
 */
extern void pgdl_read_vector(ArrayType *arr, PgdlVectorScratch *scratch, PgdlVector *out,
							 const char *what);
/* true if element type can be a feature (float8, real, int2/4/8, numeric, bool) */
/*
 * the one decoder of numeric arrays: n elements as doubles, a pointer into
 * arr for float8 without NULLs, else buf (NULL elements NaN, nulls[i] set)
 */
extern const double *pgdl_array_doubles(ArrayType *arr, Oid elemtype, int n, double *buf,
										bool *nulls, int *n_null);
extern bool pgdl_numeric_type(Oid typid);
/* that type, or the base of a domain over it; InvalidOid if not numeric */
extern Oid	pgdl_numeric_base_type(Oid typid);
/* a Datum of a numeric scalar type as a double */
extern double pgdl_datum_to_double(Datum d, Oid typid);
/*
 * The arguments first.. of a VARIADIC "any" function as doubles (types
 * checked once per query; 42804 for a non-numeric one).  out->x and
 * out->isnull live in fn_extra.
 */
extern void pgdl_read_variadic(FunctionCallInfo fcinfo, int first, PgdlVector *out,
							   const char *fname);
/* float8[] / bigint[] results; nulls may be NULL */
extern ArrayType *pgdl_float8_array(const double *x, const bool *nulls, int n);
extern ArrayType *pgdl_int8_array(const double *x, const bool *nulls, int n);
extern ArrayType *pgdl_float8_matrix(const double *x, const bool *nulls, int rows, int cols);
/* reads a float8[] argument of plain constants (e.g. q) into a palloc'd buffer */
extern double *pgdl_read_float8_list(ArrayType *arr, int *n, const char *argname);

/* ---- sources (source.c) --------------------------------------------------- */

/*
 * The SQL text of a source argument: a relation name becomes
 * "SELECT * FROM <quoted, qualified name>", a query is checked to be one
 * read-only SELECT/VALUES/TABLE (42601 otherwise) and wrapped as a subquery.
 */
extern char *pgdl_source_sql(text *source);

/* runs SQL built on a source through SPI, read-only (see source.c) */
extern int	pgdl_source_execute(const char *sql);

/* one column of a source, as chosen by pgdl_source_columns */
typedef struct PgdlColumn
{
	char	   *name;
	Oid			typid;
	int			attnum;			/* 1-based in the source's result */
} PgdlColumn;

/*
 * The numeric columns of a source's result (all of them when requested is
 * NULL, with a NOTICE listing the skipped ones), or exactly the requested
 * ones (42703 for a missing name, 42804 for a non-numeric one).
 */
extern PgdlColumn *pgdl_source_columns(const char *source_sql, ArrayType *requested,
									   int *ncolumns);
/* an identifier quoted for SQL */
extern const char *pgdl_quote_ident(const char *ident);

/* ---- models (models.c) ---------------------------------------------------- */

#define PGDL_VERSION_DEFAULT	0	/* the deployed version, else the highest */
#define PGDL_VERSION_LATEST		(-1)

typedef struct PgdlModelRef
{
	char	   *name;
	int			version;		/* > 0, or PGDL_VERSION_DEFAULT / _LATEST */
} PgdlModelRef;

/* a model loaded for scoring: buffers for one row, no allocation per row */
typedef struct PgdlModel
{
	MemoryContext mcxt;			/* holds everything below */
	char	   *name;
	int			version;
	dl_model	m;
	dl_workspace *ws;			/* batch of 1 */
	int			n_outputs;
	float	   *in;				/* n_inputs */
	float	   *out;			/* n_outputs */
	double	   *xd;				/* n_inputs, for the imputer and scaler */
	bool	   *nulls;			/* n_inputs */
} PgdlModel;

typedef struct PgdlBoundFeature PgdlBoundFeature;

typedef struct PgdlModelCache
{
	char	   *key;			/* the model argument's bytes as given */
	int			keylen;
	PgdlModel  *model;
	/* the statement it was loaded for: the user and the active snapshot */
	Oid			userid;
	TransactionId snap_xmin;
	TransactionId snap_xmax;
	CommandId	snap_curcid;
	uint64		snap_completions;
	Oid			record_type;	/* predict(model, record): record_bound is for this row type */
	int32		record_typmod;
	PgdlBoundFeature *record_bound; /* per model feature, in the model's context */
} PgdlModelCache;

/* what pgdl_save_model stores */
typedef struct PgdlSave
{
	const char *name;
	const dl_model *model;		/* its options_json (NULL: {}) is the options column */
	const char *description;
	const char *metrics_json;
	const dl_epoch_report *epochs;
	int			n_epochs;
} PgdlSave;

/* 42602 for a malformed name, name@N or name@latest */
extern void pgdl_parse_model_ref(const char *ref, PgdlModelRef *out);
/* loads (through SPI, as the caller) into a new child context of mcxt */
extern PgdlModel *pgdl_model_load(const char *ref, MemoryContext mcxt);
extern void pgdl_model_release(PgdlModel *pm);
/* once per statement: cached in fn_extra */
extern PgdlModel *pgdl_model_cached(FunctionCallInfo fcinfo, text *ref);
extern void pgdl_model_from_bytes(const bytea *b, dl_model *m);
/* 42501 unless the caller is a member of the name's owner (inside SPI) */
extern void pgdl_check_model_writer(const char *name, bool must_exist);
/* saves a new version; returns its number */
extern int	pgdl_save_model(const PgdlSave *s);

/* ---- features (features.c) --------------------------------------------------- */

/* a model feature bound to a column of a result */
struct PgdlBoundFeature
{
	const dl_feature *f;
	int			attno;			/* 1-based */
	Oid			elemtype;		/* numeric base type of the value or its elements; text-like base type */
	bool		is_array;
};

/* text, varchar, char(n), name, or a domain over one */
extern bool pgdl_text_type(Oid typid);
/*
 * A value of such a type as the cast to text gives it (name read as a C
 * string, char(n) without its padding): training reads its vocabularies and
 * labels with that cast, so rows must be read the same way.
 */
extern char *pgdl_text_value(Datum d, Oid typid);
/* finds each feature by name in desc (42703, 42804 when missing or of the wrong type) */
extern void pgdl_bind_features(const dl_feature *features, int n, TupleDesc desc,
							   PgdlBoundFeature *out);
/*
 * One row's inputs as doubles (NaN = missing) into x; returns how many are
 * missing.  Without allow_missing a missing one is an error naming the
 * feature and rowno (> 0) instead.
 */
extern int	pgdl_read_features(const PgdlBoundFeature *bf, int n, HeapTuple tuple,
							   TupleDesc desc, double *x, int64 rowno, bool allow_missing);
/*
 * The one preprocessing path of training and prediction: imputer and scaler
 * of m applied to x (clobbered) in double, then the result as float32 in out;
 * values beyond float32 are 22003 (naming rowno > 0)
 */
extern void pgdl_preprocess_row(const dl_model *m, double *x, bool *nulls, float *out, int64 rowno);
/* pgdl_preprocess_row, then bad token ids are 22023 (m's network is built) */
extern void pgdl_prepare_inputs(const dl_model *m, double *x, bool *nulls, float *out, int64 rowno);
/*
 * d inputs (the concatenation of features; scaled: by a model's scaler) as
 * float32: a value beyond float32's range is 22003 naming the feature and
 * rowno (> 0)
 */
extern void pgdl_store_float32(const dl_feature *features, int n_features, const double *x, int d,
							   float *out, int64 rowno, bool scaled);

/* ---- scoring (predict.c) ---------------------------------------------------- */

/* the class index of a classifier's outputs */
extern int	pgdl_output_class(const dl_model *m, const float *out);
/* 22003 unless a row's n outputs are all finite (naming rowno > 0) */
extern void pgdl_check_outputs(const char *model, const float *out, int n, int64 rowno);
/* bool labels as 0/1, numeric labels as their value; false for other text */
extern bool pgdl_label_number(const char *label, double *v);
/* "a, b (784 values)" for messages */
extern char *pgdl_feature_list(const dl_model *m);

typedef void (*pgdl_score_callback) (PgdlModel *pm, const float *out, Datum extra,
									 bool extra_null, Oid extra_type, void *arg);
/*
 * Scores every row of source_sql (inside SPI; read-only) in blocks, calling
 * cb with each row's outputs and, when extra_column is given, its value.
 */
extern void pgdl_score_source(PgdlModel *pm, const char *source_sql, const char *extra_column,
							  pgdl_score_callback cb, void *arg);

/* a target value as label text, as training normalises it (evaluate.c) */
extern char *pgdl_label_text(Datum d, Oid typid);

/*
 * What pgdl.evaluate and cross_validate count while they score rows
 * (evaluate.c), for the core's metric finalizers (src/core/metrics.c), the
 * ones the metric aggregates call: a classifier's rows in a confusion table
 * whose first labels are the model's (then target values it never saw),
 * their log loss and, with a positive class, their scores; a regression
 * model's rows in the moments regression_metrics keeps.
 */
typedef struct PgdlEvalCounts
{
	const dl_model *m;
	MemoryContext cxt;
	int64		n;				/* rows counted */
	/* classification */
	dl_confusion *conf;
	uint32	   *label;			/* the model's label k is conf's label[k] */
	uint32		n_classes;		/* conf's first n_classes labels are the model's, */
	int		   *model_class;	/* label i the model's model_class[i] */
	int			positive;		/* the model's positive class, or -1 */
	dl_log_loss log_loss;
	dl_scored  *scored;			/* a row each, when there is a positive class */
	size_t		n_scored;
	size_t		cap_scored;
	/* regression: actual, error, |error| */
	double	   *moments_buf;
	dl_moments_soa moments;
} PgdlEvalCounts;

extern void pgdl_eval_begin(PgdlEvalCounts *c, const dl_model *m, int positive, MemoryContext cxt);
/* the confusion table's index of an actual label (54000 past DL_MAX_LABELS classes) */
extern uint32 pgdl_eval_class(PgdlEvalCounts *c, const char *label);
/* a classifier's row: actual a table index, predicted one of the model's classes */
extern void pgdl_eval_add_class(PgdlEvalCounts *c, uint32 actual, int predicted, const float *out);
extern void pgdl_eval_add_value(PgdlEvalCounts *c, double actual, double predicted);
extern void pgdl_eval_class_metrics(const PgdlEvalCounts *c, dl_class_metrics *out);
/* an overflowing mean square is +Infinity here, as the sum of squares was */
extern void pgdl_eval_reg_metrics(const PgdlEvalCounts *c, dl_reg_metrics *out);
/* the probability a classifier's outputs give its class k */
extern double pgdl_output_prob(const dl_model *m, const float *out, int k);

/* ---- a source as data (dataset.c) -------------------------------------------- */

/* the features of a source, resolved and sized */
typedef struct PgdlFeatureSet
{
	int			n;
	dl_feature *features;		/* name, kind, length (rows, cols), categories */
	int			n_inputs;		/* the sum of the lengths */
} PgdlFeatureSet;

/* what the target column of a source gives each row */
typedef struct PgdlTarget
{
	const char *column;
	Oid			type;
	int			n_labels;		/* > 0: a class index (labels as pgdl_read_labels gives them) */
	char	  **labels;			/* else the value as float8 */
} PgdlTarget;

/* the rows of a source as a float32 matrix */
typedef struct PgdlMatrix
{
	float	   *x;				/* n x d */
	float	   *y;				/* n, with a target */
	size_t		n;
	size_t		capacity;
	int			d;
	bool		with_target;
	int64		null_targets;	/* rows skipped: NULL target */
	int64		dropped_rows;	/* rows skipped: impute drop_row */
	size_t		limit_bytes;	/* x and y never grow past it (54000) */
} PgdlMatrix;

/*
 * A source as data, the one way every function that reads rows of a source
 * for the engine starts (train_model, cross_validate, feature_scores,
 * select_features, kmeans, train_kmeans, silhouette, pca, train_pca): its
 * SQL, its result's columns, the target's type, then the features by the
 * one column rule (pgdl_dataset_features) and, with a target, whether it
 * holds classes and which (pgdl_dataset_classes).
 */
typedef struct PgdlDataset
{
	char	   *src;			/* the source's SQL (a relation as SELECT *) */
	Oid			relid;			/* its relation, or InvalidOid for a query */
	TupleDesc	desc;			/* its result's columns */
	PgdlFeatureSet fs;			/* after pgdl_dataset_features */
	PgdlTarget	target;			/* column NULL without a target */
} PgdlDataset;

/* ds from the source argument and the target column (NULL: none; 42703 when missing) */
extern void pgdl_dataset_open(PgdlDataset *ds, text *source, const char *target);
/* ds->fs: the requested features, or the default rule's, with categorical ones */
extern void pgdl_dataset_features(PgdlDataset *ds, ArrayType *requested, char **categorical,
								  int n_categorical, MemoryContext cxt);

/* what an integer target with more than PGDL_MAX_INT_CLASSES distinct values is */
typedef enum PgdlManyIntegers
{
	PGDL_MANY_INTEGERS_ERROR,	/* 22023 asking for the option "task" (train_model) */
	PGDL_MANY_INTEGERS_QUANTITY /* a quantity (feature scores) */
} PgdlManyIntegers;

#define PGDL_MAX_INT_CLASSES 32	/* integer targets up to this many values are classes */

/*
 * The one rule for what a target holds: bool and text are classes,
 * real/float8/numeric quantities, integers classes when they have at most
 * PGDL_MAX_INT_CLASSES distinct values.  Classes get their labels in
 * ds->target (pgdl_read_labels); a target of another type is 42804.
 */
extern bool pgdl_dataset_classes(PgdlDataset *ds, PgdlManyIntegers many);

/* a column of desc by exact name, or -1 */
extern int	pgdl_find_attr(TupleDesc desc, const char *name);
extern bool pgdl_integer_type(Oid typid);
/* the distinct labels of a column in its type's order (limit > 0: stops after limit + 1) */
extern char **pgdl_read_labels(const char *src, const char *quoted_column, Oid typid, int limit,
							   int *nlabels);
/* one scan of a source's features (pgdl_scan_source) */
typedef struct PgdlScan
{
	const PgdlFeatureSet *fs;
	PgdlBoundFeature *bound;	/* the features in the result, for pgdl_read_features */
	TupleDesc	desc;			/* of the current batch */
	HeapTuple  *batch;			/* the current batch's rows */
	uint64		batch_rows;
	int64		rowno;			/* 1-based number of the current row */
	int			extra_att;		/* the first extra expression's attribute number */
} PgdlScan;

typedef void (*pgdl_scan_row_fn) (PgdlScan *scan, HeapTuple tuple, void *arg);
typedef void (*pgdl_scan_batch_fn) (PgdlScan *scan, void *arg);

/*
 * Every row of src (its features, then extra_sql's expressions when given)
 * through one read-only cursor in physical order, fetch_rows at a time;
 * row_fn per row, then batch_fn (optional) per batch, in the caller's memory
 * context.  Inside SPI.
 */
extern void pgdl_scan_source(const char *src, const PgdlFeatureSet *fs, const char *extra_sql,
							 int fetch_rows, pgdl_scan_row_fn row_fn, pgdl_scan_batch_fn batch_fn,
							 void *arg);

/*
 * Reads every row of src into m (set d, with_target and limit_bytes first)
 * through a read-only cursor, in physical order for tables.  Rows with a
 * NULL target are skipped; a missing feature is an error naming the column
 * and row unless impute allows it (NaN is stored, or the row dropped).
 */
extern void pgdl_load_matrix(PgdlMatrix *m, const char *src, const PgdlFeatureSet *fs,
							 const PgdlTarget *target, dl_missing impute, MemoryContext cxt);

/*
 * A source's rows as training reads them: every row that is kept (a
 * non-NULL target, drop_row applied) written once, in double precision, to
 * a temporary file (NaN = missing), its target kept in memory.  Fitting the
 * model's preprocessing and preparing the float32 rows then re-read the
 * file, not the source: the rows stay exactly those read once, whatever a
 * query source does on a second run (random(), LIMIT without ORDER BY).
 */
typedef struct PgdlRows
{
	BufFile    *file;			/* per row: its row number in the source, its target, then d doubles */
	int			d;
	size_t		n;
	float	   *y;				/* n targets (class index or value); NULL once streamed */
	size_t		y_capacity;
	size_t		limit_bytes;	/* the prepared float32 rows and targets must fit it (54000) */
	bool		stream_past_limit;	/* past limit_bytes: drop y (the rows will be streamed), no error */
	int64		null_targets;	/* rows skipped: NULL target */
	int64		dropped_rows;	/* rows skipped: impute drop_row */
} PgdlRows;

/* reads every row of src into r (set limit_bytes first), as pgdl_load_matrix does into a matrix */
extern void pgdl_spool_rows(PgdlRows *r, const char *src, const PgdlFeatureSet *fs,
							const PgdlTarget *target, dl_missing impute, MemoryContext cxt);
/* calls fn for every row of r in order: its index, its source row number, its target, its d values (clobberable) */
typedef void (*pgdl_rows_fn) (size_t i, int64 rowno, float y, double *x, void *arg);
extern void pgdl_rows_foreach(PgdlRows *r, pgdl_rows_fn fn, void *arg);
/*
 * every row of r through m's preprocessing (pgdl_preprocess_row, as
 * prediction does) into x (n x d float32); rowno (optional) gets each row's
 * number in the source
 */
extern void pgdl_rows_prepare(const dl_model *m, PgdlRows *r, float *x, int64 *rowno);
extern void pgdl_rows_close(PgdlRows *r);

/* ---- streamed training rows (stream.c) ------------------------------------------ */

/* the validation split of a streamed training: a seeded hash of each row's number */
typedef struct PgdlStreamSplit
{
	uint64		seed;
	double		fraction;
	bool		active;			/* false: every row trains */
	size_t		n_train;
	size_t		n_validation;
	const char *skipped_reason; /* static text when validation is skipped */
} PgdlStreamSplit;

extern void pgdl_stream_split(PgdlStreamSplit *sp, size_t n, double fraction, uint64 seed);
extern bool pgdl_stream_validates(const PgdlStreamSplit *sp, size_t i);

typedef struct PgdlStreamData
{
	int			d;
	size_t		n_train;
	size_t		n_validation;
	size_t		block_rows;
	BufFile    *train_file;		/* rows of d float32 inputs, then the target */
	BufFile    *validation_file;	/* NULL without validation */
	dl_stream	train;
	dl_stream	validation;
	dl_batch_source train_src;
	dl_batch_source validation_src; /* n_rows 0 without validation */
} PgdlStreamData;

/* every row of rows through m's preprocessing (m's network built) into sd's two files */
extern void pgdl_stream_write(PgdlStreamData *sd, const dl_model *m, PgdlRows *rows,
							  const PgdlStreamSplit *sp);
/* the rows a shuffle buffer holds by default: a quarter of limit bytes */
extern size_t pgdl_stream_default_buffer(int d, size_t limit);
/* the batch sources over the files, shuffling shuffle_rows rows at a time */
extern void pgdl_stream_open(PgdlStreamData *sd, size_t shuffle_rows);
extern void pgdl_stream_close(PgdlStreamData *sd);

/* ---- training progress (progress.c) ------------------------------------------ */

extern void pgdl_progress_init(void);	/* _PG_init */
extern void pgdl_progress_start(const char *model, int epochs);
extern void pgdl_progress_update(const char *model, const dl_epoch_report *r);
extern void pgdl_progress_end(void);

/* like pgdl_source_sql; *relid is the relation, or InvalidOid for a query */
extern char *pgdl_source_sql_rel(text *source, Oid *relid);
/* SELECT select_list over src (from pgdl_source_sql), keeping its ORDER BY last */
extern char *pgdl_source_select(const char *src, const char *select_list);

#endif							/* PGDL_GLUE_H */
