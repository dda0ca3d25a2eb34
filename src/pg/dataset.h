/*-------------------------------------------------------------------------
 *
 * dataset.h
 *	  A source as data (dataset.c): its columns, features, target and labels,
 *	  and its rows scanned, loaded as a matrix or spooled for training.
 *
 * src/pg/dataset.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_PG_DATASET_H
#define PGDL_PG_DATASET_H

#include "access/htup.h"
#include "access/tupdesc.h"
#include "storage/buffile.h"
#include "utils/array.h"

#include "dl_nn.h"
#include "features.h"

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

/* columns read as another type for a model (the options numeric_text and dates; coerce.c) */
typedef struct PgdlCoercions
{
	char	  **numeric_text;	/* text columns read as numbers */
	int			n_numeric_text;
	char	  **dates;			/* date and timestamp columns */
	int			n_dates;
	unsigned	date_encodings; /* DL_DATE_* */
} PgdlCoercions;

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
	PgdlCoercions coerce;		/* set before pgdl_dataset_features */
	int			n_text;			/* set before pgdl_dataset_features: the option "text" */
	const dl_option_entry *text;
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

/*
 * A target value as label text, as training normalises it: the labels
 * pgdl_read_labels gives and the actual values evaluate compares with them.
 */
extern char *pgdl_label_text(Datum d, Oid typid);

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
	/* statistics of the first pass, for pgdl_rows_drop_constant */
	double	   *lo;				/* per input: the smallest and largest value of */
	double	   *hi;				/* the rows kept, missing ones aside (NaN: none) */
	int			file_d;			/* the inputs of a row in the file (d until some are dropped) */
	int		   *keep;			/* NULL, or the d inputs of file_d that rows pass on */
	struct PgdlTextSpool *text; /* NULL, or the documents of the text features (text_columns.h) */
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
/* fn on every row of r, whose d values it may change, written back (r->keep applied) */
extern void pgdl_rows_rewrite(PgdlRows *r, pgdl_rows_fn fn, void *arg);
extern void pgdl_rows_close(PgdlRows *r);

/*
 * Scalar features (numbers and bool) with one value in every row of r,
 * missing values aside: the feature choice of the README.  With drop (the
 * default feature choice) they leave fs and the rows r passes on, with a
 * NOTICE naming them - unless every feature would go; otherwise (listed in
 * "features") they stay, with a WARNING.  fs's features are reallocated in
 * cxt.  Returns how many were dropped.
 */
extern int	pgdl_rows_drop_constant(PgdlRows *r, PgdlFeatureSet *fs, bool drop, MemoryContext cxt);

#endif							/* PGDL_PG_DATASET_H */
