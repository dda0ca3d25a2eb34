/*-------------------------------------------------------------------------
 *
 * options.h
 *	  The options of every SQL function that takes a jsonb "options"
 *	  argument, declared once: one schema per function (each key with its
 *	  type, range, default and the words its error message uses), one
 *	  validator, one error style.
 *
 * Usage (the glue walks the jsonb argument into a dl_json tree, see
 * src/pg/options.c; direct callers may parse text):
 *
 *		dl_pca_sql_options o;
 *		dl_option_error err;
 *		if (dl_schema_read(&dl_pca_schema, root, &o, &err) != DL_OK)
 *			... report err.message (and err.detail when not empty) as 22023
 *		dl_schema_free(&dl_pca_schema, &o);		-- strings a schema allocated
 *
 * Every mistake is DL_EINVAL: a root that is not an object, an unknown key
 * ("unknown option \"k\"; accepted options: a, b"), a wrong type or a value
 * out of range ("option \"k\" must be an integer from 1 to 10, got 0").
 * JSON null means the default, as if the key were absent.  A schema may put
 * the accepted values in a detail instead ("option \"k\" has an invalid
 * value" / "k is an integer from 1 to 10."): kmeans keeps that wording of
 * pgdl 0.1.0, which its tests pin.  How to add an option: docs/architecture.md.
 *
 * src/core/options.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_OPTIONS_H
#define PGDL_OPTIONS_H

#include "dl_nn.h"
#include "json.h"

/* options text (and a jsonb options value) is read up to this size */
#define DL_OPTIONS_MAX_BYTES (1 << 20)

typedef enum dl_option_type
{
	DL_OPT_INT,					/* int: an integer in [lo, hi] */
	DL_OPT_UINT64,				/* uint64_t: an integer in [lo, hi], lo >= 0 */
	DL_OPT_DOUBLE,				/* double: a finite number in the range */
	DL_OPT_FLOAT,				/* float: a number in the range, also once cast to float */
	DL_OPT_BOOL,				/* bool */
	DL_OPT_ENUM,				/* int (an enum): a string naming one of names */
	DL_OPT_STRING,				/* char *: a string of lo to hi bytes without NUL */
	DL_OPT_LABEL,				/* char *: a string, number or boolean, as a label's text */
	DL_OPT_NAMES,				/* char **, int count: a name or an array of distinct names */
	DL_OPT_SHAPE,				/* dl_shape: an array of dimensions */
	DL_OPT_MEMORY,				/* int64_t kB: an integer of kB, or a string with a unit */
	DL_OPT_OBJECTS				/* dl_option_entry *, int count: an object keyed by names (lo to
								 * hi bytes) whose values are read by the schema sub */
} dl_option_type;

/* DL_OPT_DOUBLE and DL_OPT_FLOAT: a bound itself excluded */
#define DL_OPT_OPEN_LO 1
#define DL_OPT_OPEN_HI 2

typedef struct dl_option_name
{
	const char *name;
	int			value;
} dl_option_name;

typedef struct dl_option
{
	const char *key;
	dl_option_type type;
	double		lo;				/* the range of numbers; bytes of a string or a name; */
	double		hi;				/* names in a list */
	int			open;			/* DL_OPT_OPEN_LO | DL_OPT_OPEN_HI */
	const dl_option_name *names;	/* DL_OPT_ENUM */
	int			n_names;

	/*
	 * What the message says is accepted ("a positive number"); NULL: made
	 * from the range or the names.
	 */
	const char *accepted;

	/*
	 * The default, as the JSON a user would write ("0.001", "\"adam\""),
	 * read by the same code as a given value; NULL: the field keeps what
	 * the schema's init set (a derived default: the task from the target).
	 */
	const char *dflt;
	size_t		offset;			/* of the value in the options struct */
	size_t		given;			/* 1 + offset of a bool set when the key has a value; 0: none */
	size_t		count;			/* DL_OPT_NAMES, DL_OPT_OBJECTS: offset of the int count */
	const struct dl_option_schema *sub; /* DL_OPT_OBJECTS: the schema of each value */
} dl_option;

typedef struct dl_option_schema
{
	const char *functions;		/* the SQL functions that take these options */
	const dl_option *options;	/* in the order the messages list them */
	int			n_options;
	size_t		size;			/* of the options struct */
	void		(*init) (void *out);	/* fields no default sets; NULL: zeros */
	bool		detail;			/* the accepted values go in the detail */
} dl_option_schema;

/* why options were refused, for the glue to report (22023) */
#define DL_OPTION_MESSAGE 640
typedef struct dl_option_error
{
	char		message[DL_OPTION_MESSAGE];
	char		detail[DL_OPTION_MESSAGE];	/* "" when the message says it all */
	char		hint[DL_OPTION_MESSAGE / 4];	/* "Did you mean ...?", or "" */
} dl_option_error;

/* out (schema->size bytes) gets the defaults; DL_EINTERNAL if one is invalid */
extern dl_status dl_schema_defaults(const dl_option_schema *schema, void *out);

/*
 * Validates root against the schema into out: the defaults, then every key
 * given.  On failure out holds the defaults and the status is DL_EINVAL:
 * with err, the message is there and nothing is reported; without, it is
 * reported (the detail after the message).
 */
extern dl_status dl_schema_read(const dl_option_schema *schema, const dl_json *root, void *out,
								dl_option_error *err);

/* the same from JSON text (malformed text is DL_ETEXT, reported) */
extern dl_status dl_schema_parse(const dl_option_schema *schema, const char *text, void *out);

/*
 * root with the canonical names of keys and enum values given by an alias
 * or in another case (validation_split, "Adam"): a shallow copy when one
 * differs, for the text a model stores (the copy and its members are
 * dl_alloc'd).  Call it on options that dl_schema_read accepted.
 */
extern const dl_json *dl_schema_canonical(const dl_option_schema *schema, const dl_json *root);

/* frees the strings dl_schema_read allocated; out is the defaults again */
extern void dl_schema_free(const dl_option_schema *schema, void *out);

/* ---- the schemas ---- */

/* train_model and cross_validate: dl_options (dl_nn.h) */
extern const dl_option_schema dl_train_schema;

/* kmeans, and train_kmeans (which also takes "description") */
typedef struct dl_kmeans_sql_options
{
	dl_kmeans_options km;		/* k is an argument, not an option */
	bool		standardize;
	dl_missing	impute;			/* DL_MISSING_ERROR or DL_MISSING_DROP_ROW */
	char	   *description;
	bool		replace;		/* train_kmeans: a new version may change what the name means */
} dl_kmeans_sql_options;

extern const dl_option_schema dl_kmeans_schema;
extern const dl_option_schema dl_train_kmeans_schema;

/* pca and train_pca */
typedef enum dl_pca_matrix
{
	DL_PCA_COVARIANCE = 0,
	DL_PCA_CORRELATION = 1
} dl_pca_matrix;

typedef struct dl_pca_sql_options
{
	dl_pca_matrix matrix;
	bool		replace;		/* train_pca: a new version may change what the name means */
} dl_pca_sql_options;

extern const dl_option_schema dl_pca_schema;
extern const dl_option_schema dl_train_pca_schema;

/* evaluate and roc_curve */
typedef struct dl_evaluate_sql_options
{
	double		threshold;		/* of the positive class's probability */
	char	   *positive_label; /* NULL: the second of a model's two labels */
} dl_evaluate_sql_options;

extern const dl_option_schema dl_evaluate_schema;

/* import_model */
typedef struct dl_import_sql_options
{
	bool		replace;		/* the version may change the name's features, task or labels */
} dl_import_sql_options;

extern const dl_option_schema dl_import_schema;

/* every schema above, for tests and documentation */
extern const dl_option_schema *const dl_option_schemas[];
extern const int dl_n_option_schemas;

#endif							/* PGDL_OPTIONS_H */
