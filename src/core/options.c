/*-------------------------------------------------------------------------
 *
 * options.c
 *	  The option schemas of the SQL functions, and the one validator that
 *	  reads options against a schema.
 *
 * A schema is a table: each key with its type, range, default and the
 * words of its message, and where its value goes in the function's options
 * struct (as PostgreSQL's reloptions place values by offset).  Defaults are
 * written as the JSON a user would give and go through the same reader, so
 * a default outside its own range is an internal error a unit test sees,
 * not a silent value.  Every value is checked before the struct is touched:
 * a failure leaves the defaults, with nothing allocated.
 *
 * The glue hands over a tree walked from the jsonb argument; text reaches
 * dl_schema_parse only from the engine's own callers (unit tests, fuzzers).
 *
 * src/core/options.c
 *
 *-------------------------------------------------------------------------
 */
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "options.h"
#include "text_feature.h"

/* PostgreSQL's MaxTupleAttributeNumber: no source has more columns */
#define MAX_NAMES 1664

/* max_memory is a kB setting: PostgreSQL's integer settings stop at INT_MAX */
#define MAX_MEMORY_KB INT64_C(2147483647)

#define MAX_SEED 9007199254740992.0	/* 2^53 */

#define LENGTH(a) ((int) (sizeof(a) / sizeof((a)[0])))

/* more than any schema has (a unit test checks) */
#define MAX_SCHEMA_OPTIONS 64
#define AT(p, off, type) ((type *) ((char *) (p) + (off)))

/* enums are stored through an int */
_Static_assert(sizeof(dl_task) == sizeof(int) && sizeof(dl_loss) == sizeof(int) &&
			   sizeof(dl_optimizer) == sizeof(int) && sizeof(dl_missing) == sizeof(int) &&
			   sizeof(dl_kmeans_init_method) == sizeof(int) && sizeof(dl_pca_matrix) == sizeof(int) &&
			   sizeof(dl_data_mode) == sizeof(int),
			   "an enum option is stored as an int");

/* ---- the values of enum options ---- */

static const dl_option_name tasks[] = {
	{"classification", DL_TASK_CLASSIFICATION},
	{"regression", DL_TASK_REGRESSION}
};

static const dl_option_name losses[] = {
	{"mse", DL_LOSS_MSE},
	{"mae", DL_LOSS_MAE},
	{"huber", DL_LOSS_HUBER},
	{"binary_cross_entropy", DL_LOSS_BCE},
	{"cross_entropy", DL_LOSS_CE}
};

static const dl_option_name optimizers[] = {
	{"adam", DL_OPT_ADAM},
	{"sgd", DL_OPT_SGD},
	{"momentum", DL_OPT_MOMENTUM},
	{"adamw", DL_OPT_ADAMW}
};

static const dl_option_name imputes[] = {
	{"mean", DL_MISSING_MEAN},
	{"median", DL_MISSING_MEDIAN},
	{"drop_row", DL_MISSING_DROP_ROW}
};

static const dl_option_name data_modes[] = {
	{"auto", DL_DATA_AUTO},
	{"memory", DL_DATA_MEMORY},
	{"stream", DL_DATA_STREAM}
};

static const dl_option_name kmeans_inits[] = {
	{"k-means++", DL_KMEANS_PLUSPLUS},
	{"random", DL_KMEANS_RANDOM}
};

static const dl_option_name kmeans_imputes[] = {
	{"error", DL_MISSING_ERROR},
	{"drop_row", DL_MISSING_DROP_ROW}
};

static const dl_option_name pca_matrices[] = {
	{"covariance", DL_PCA_COVARIANCE},
	{"correlation", DL_PCA_CORRELATION}
};

#define NAMES(t) .names = (t), .n_names = LENGTH(t)
#define FIELD(type, field) .offset = offsetof(type, field)
#define GIVEN(type, field) .given = offsetof(type, field) + 1

/* ---- train_model, cross_validate ---- */

static void
train_init(void *out)
{
	dl_options *o = out;

	/* the engine's defaults for what is not an option (adam's epsilon) */
	dl_train_options_defaults(&o->train);
	o->impute = DL_MISSING_ERROR;
}

#define T(field) FIELD(dl_options, field)
static const dl_option train_options[] = {
	{"task", DL_OPT_ENUM, NAMES(tasks), T(task)},
	{"input_shape", DL_OPT_SHAPE, T(input_shape), GIVEN(dl_options, has_input_shape)},
	{"loss", DL_OPT_ENUM, NAMES(losses), T(train.loss), GIVEN(dl_options, loss_given)},
	{"optimizer", DL_OPT_ENUM, NAMES(optimizers), .dflt = "\"adam\"", T(train.optimizer)},
	{"learning_rate", DL_OPT_FLOAT, 0, INFINITY, DL_OPT_OPEN_LO, .accepted = "a positive number",
	.dflt = "0.001", T(train.learning_rate)},
	{"batch_size", DL_OPT_INT, 1, 65536, .dflt = "64", T(train.batch_size)},
	{"epochs", DL_OPT_INT, 1, 100000, .dflt = "10", T(train.epochs)},
	{"weight_decay", DL_OPT_FLOAT, 0, INFINITY, .accepted = "a number at least 0",
	.dflt = "0", T(train.weight_decay)},
	{"l1", DL_OPT_FLOAT, 0, INFINITY, .accepted = "a number at least 0", .dflt = "0", T(train.l1)},
	{"clip_norm", DL_OPT_FLOAT, 0, INFINITY, .accepted = "a number at least 0 (0 turns clipping off)",
	.dflt = "0", T(train.clip_norm)},
	{"validation_fraction", DL_OPT_DOUBLE, 0, 1, DL_OPT_OPEN_HI,
		.accepted = "a number from 0 to below 1 (0 skips validation)",
	.dflt = "0.1", T(validation_fraction)},
	{"early_stopping_patience", DL_OPT_INT, 0, 100000, .dflt = "0", T(train.patience)},
	{"standardize", DL_OPT_BOOL, .dflt = "true", T(standardize)},
	{"categorical", DL_OPT_NAMES, 1, DL_MAX_NAME, T(categorical), .count = offsetof(dl_options, n_categorical)},
	{"numeric_text", DL_OPT_NAMES, 1, DL_MAX_NAME, T(numeric_text), .count = offsetof(dl_options, n_numeric_text)},
	{"dates", DL_OPT_NAMES, 1, DL_MAX_NAME, T(dates), .count = offsetof(dl_options, n_dates)},
	{"date_encoding", DL_OPT_NAMES, 1, 32, T(date_encodings), .count = offsetof(dl_options, n_date_encodings)},
	{"text", DL_OPT_OBJECTS, 1, DL_MAX_NAME, T(text), .count = offsetof(dl_options, n_text),
	.sub = &dl_text_column_schema},
	{"impute", DL_OPT_ENUM, NAMES(imputes), T(impute)},
	{"seed", DL_OPT_UINT64, 0, MAX_SEED, .dflt = "42", T(train.seed), GIVEN(dl_options, seed_given)},
	{"warm_start", DL_OPT_STRING, 1, 200, .accepted = "a model name with a version, \"name@N\"",
	T(warm_start)},
	{"description", DL_OPT_STRING, 0, DL_OPTIONS_MAX_BYTES, .accepted = "a string", T(description)},
	{"max_memory", DL_OPT_MEMORY, T(max_memory_kb)},
	{"data", DL_OPT_ENUM, NAMES(data_modes), .dflt = "\"auto\"", T(data)},
	{"shuffle_buffer", DL_OPT_INT, 1, 1000000000, T(shuffle_buffer)},
	{"momentum", DL_OPT_FLOAT, 0, 1, DL_OPT_OPEN_HI, .accepted = "a number from 0 to below 1",
	.dflt = "0.9", T(train.momentum)},
	{"nesterov", DL_OPT_BOOL, .dflt = "false", T(train.nesterov)},
	{"beta1", DL_OPT_FLOAT, 0, 1, DL_OPT_OPEN_LO | DL_OPT_OPEN_HI,
		.accepted = "a number between 0 and 1 (both excluded)",
	.dflt = "0.9", T(train.beta1)},
	{"beta2", DL_OPT_FLOAT, 0, 1, DL_OPT_OPEN_LO | DL_OPT_OPEN_HI,
		.accepted = "a number between 0 and 1 (both excluded)",
	.dflt = "0.999", T(train.beta2)},
	{"huber_delta", DL_OPT_FLOAT, 0, INFINITY, DL_OPT_OPEN_LO, .accepted = "a positive number",
	.dflt = "1", T(train.huber_delta)},
	/* PostgreSQL's max_parallel_workers_per_gather stops at 1024 */
	{"parallel_workers", DL_OPT_INT, 0, 1024, .dflt = "0", T(parallel_workers)},
	{"replace", DL_OPT_BOOL, .dflt = "false", T(replace)}
};
#undef T

_Static_assert(LENGTH(train_options) <= MAX_SCHEMA_OPTIONS, "dl_schema_read marks each option seen");

const dl_option_schema dl_train_schema = {
	"train_model, cross_validate", train_options, LENGTH(train_options),
	sizeof(dl_options), train_init, false
};

/* ---- kmeans, train_kmeans ---- */

static void
kmeans_init(void *out)
{
	dl_kmeans_sql_options *o = out;

	/* k is the function's argument */
	dl_kmeans_options_defaults(&o->km);
}

#define K(field) FIELD(dl_kmeans_sql_options, field)
static const dl_option kmeans_options[] = {
	{"init", DL_OPT_ENUM, NAMES(kmeans_inits), .dflt = "\"k-means++\"", K(km.init)},
	{"max_iter", DL_OPT_INT, 1, 100000, .dflt = "300", K(km.max_iter)},
	{"tol", DL_OPT_DOUBLE, 0, INFINITY, .accepted = "a number at least 0 (relative to the mean feature variance)",
	.dflt = "0.0001", K(km.tol)},
	{"n_init", DL_OPT_INT, 1, 1000, .dflt = "1", K(km.n_init)},
	{"seed", DL_OPT_UINT64, 0, MAX_SEED, .dflt = "0", K(km.seed)},
	{"standardize", DL_OPT_BOOL, .dflt = "false", K(standardize)},
	{"impute", DL_OPT_ENUM, NAMES(kmeans_imputes), .dflt = "\"error\"", K(impute)},
	/* train_kmeans only: the last two entries */
	{"description", DL_OPT_STRING, 0, DL_OPTIONS_MAX_BYTES, .accepted = "a string", K(description)},
	{"replace", DL_OPT_BOOL, .dflt = "false", K(replace)}
};
#undef K

/* kmeans saves no model: the same keys but description and replace */
const dl_option_schema dl_kmeans_schema = {
	"kmeans", kmeans_options, LENGTH(kmeans_options) - 2,
	sizeof(dl_kmeans_sql_options), kmeans_init, true
};

const dl_option_schema dl_train_kmeans_schema = {
	"train_kmeans", kmeans_options, LENGTH(kmeans_options),
	sizeof(dl_kmeans_sql_options), kmeans_init, true
};

/* ---- pca, train_pca ---- */

static const dl_option pca_options[] = {
	{"matrix", DL_OPT_ENUM, NAMES(pca_matrices), .dflt = "\"covariance\"",
	FIELD(dl_pca_sql_options, matrix)},
	/* train_pca only: the last entry */
	{"replace", DL_OPT_BOOL, .dflt = "false", FIELD(dl_pca_sql_options, replace)}
};

/* pca saves no model: the same keys but replace */
const dl_option_schema dl_pca_schema = {
	"pca", pca_options, LENGTH(pca_options) - 1,
	sizeof(dl_pca_sql_options), NULL, false
};

const dl_option_schema dl_train_pca_schema = {
	"train_pca", pca_options, LENGTH(pca_options),
	sizeof(dl_pca_sql_options), NULL, false
};

/* ---- evaluate, roc_curve ---- */

static const dl_option evaluate_options[] = {
	{"threshold", DL_OPT_DOUBLE, 0, 1, .accepted = "a number from 0 to 1", .dflt = "0.5",
	FIELD(dl_evaluate_sql_options, threshold)},
	{"positive_label", DL_OPT_LABEL, 0, DL_MAX_VALUE,
		.accepted = "one of the model's labels: a string, a number or a boolean",
	FIELD(dl_evaluate_sql_options, positive_label)}
};

const dl_option_schema dl_evaluate_schema = {
	"evaluate, roc_curve", evaluate_options, LENGTH(evaluate_options),
	sizeof(dl_evaluate_sql_options), NULL, false
};

/* ---- import_model ---- */

static const dl_option import_options[] = {
	{"replace", DL_OPT_BOOL, .dflt = "false", FIELD(dl_import_sql_options, replace)}
};

const dl_option_schema dl_import_schema = {
	"import_model", import_options, LENGTH(import_options),
	sizeof(dl_import_sql_options), NULL, false
};

const dl_option_schema *const dl_option_schemas[] = {
	&dl_train_schema, &dl_kmeans_schema, &dl_train_kmeans_schema, &dl_pca_schema, &dl_train_pca_schema, &dl_evaluate_schema,
	&dl_import_schema
};
const int	dl_n_option_schemas = LENGTH(dl_option_schemas);

/* ---- messages ---- */

/* the accepted values of an option, in the schema's style */
static const char *
accepted_text(const dl_option_schema *s, const dl_option *o, char *buf, size_t size)
{
	size_t		len = 0;

	if (o->accepted)
		return o->accepted;
	buf[0] = '\0';
	switch (o->type)
	{
		case DL_OPT_INT:
		case DL_OPT_UINT64:
			snprintf(buf, size, "an integer from %lld to %lld", (long long) o->lo, (long long) o->hi);
			break;
		case DL_OPT_DOUBLE:
		case DL_OPT_FLOAT:
			snprintf(buf, size, "a number from %g to %g", o->lo, o->hi);
			break;
		case DL_OPT_BOOL:
			snprintf(buf, size, "true or false");
			break;
		case DL_OPT_ENUM:
			/* one of a, b, c -- or, in a detail: 'a', 'b' or 'c' */
			if (!s->detail)
				len += snprintf(buf, size, "one of ");
			for (int i = 0; i < o->n_names && len < size; i++)
				len += snprintf(buf + len, size - len, s->detail ? "%s'%s'" : "%s%s",
								i == 0 ? "" : (s->detail && i == o->n_names - 1) ? " or " : ", ",
								o->names[i].name);
			break;
		case DL_OPT_STRING:
			snprintf(buf, size, "a string of %lld to %lld bytes", (long long) o->lo, (long long) o->hi);
			break;
		case DL_OPT_LABEL:
			snprintf(buf, size, "a string, a number or a boolean");
			break;
		case DL_OPT_NAMES:
			snprintf(buf, size, "a column name (%lld to %lld bytes) or an array of at most %d distinct column names",
					 (long long) o->lo, (long long) o->hi, MAX_NAMES);
			break;
		case DL_OPT_SHAPE:
			snprintf(buf, size, "an array of 1 to %d integers from 1 to %d, at most %d values in all",
					 DL_MAX_DIMS, DL_MAX_UNITS, DL_MAX_FEATURES);
			break;
		case DL_OPT_OBJECTS:
			snprintf(buf, size, "an object keyed by column name (%lld to %lld bytes), at most %d, whose values are objects of the options %s takes",
					 (long long) o->lo, (long long) o->hi, MAX_NAMES, o->sub ? o->sub->functions : "?");
			break;
		case DL_OPT_MEMORY:
			snprintf(buf, size, "a positive amount of memory up to %lldkB: an integer number of kB, or a string such as \"512MB\" (units B, kB, MB, GB, TB)",
					 (long long) MAX_MEMORY_KB);
			break;
	}
	return buf;
}

/*
 * The one error style.  problem completes "option \"key\" ..." (e.g. "must
 * be an integer from 1 to 10, got 0"); in a detail-style schema the
 * message only names the key and the detail says what is accepted.
 */
static dl_status
refuse(const dl_option_schema *s, const dl_option *o, const char *problem, const char *accepted,
	   dl_option_error *e)
{
	if (s->detail)
	{
		snprintf(e->message, sizeof(e->message), "option \"%s\" has an invalid value", o->key);
		if (problem)
			snprintf(e->detail, sizeof(e->detail), "%s %s.", o->key, problem);
		else
			snprintf(e->detail, sizeof(e->detail), "%s is %s.", o->key, accepted);
	}
	else
		snprintf(e->message, sizeof(e->message), "option \"%s\" %s", o->key, problem);
	return DL_EINVAL;
}

/* "must be <accepted>, got <v>" (v NULL: without what was got) */
static dl_status
bad_value(const dl_option_schema *s, const dl_option *o, const char *accepted, const dl_json *v,
		  dl_option_error *e)
{
	char		problem[DL_OPTION_MESSAGE - 160];
	char		got[64];

	if (v)
		snprintf(problem, sizeof(problem), "must be %s, got %s", accepted,
				 dl_json_describe(v, got, sizeof(got)));
	else
		snprintf(problem, sizeof(problem), "must be %s", accepted);
	return refuse(s, o, s->detail ? NULL : problem, s->detail ? accepted : NULL, e);
}

/* ---- reading one value ---- */

static bool
in_range(double x, const dl_option *o)
{
	if ((o->open & DL_OPT_OPEN_LO) ? !(x > o->lo) : !(x >= o->lo))
		return false;
	if ((o->open & DL_OPT_OPEN_HI) ? !(x < o->hi) : !(x <= o->hi))
		return false;
	return true;
}

static char *
copy_string(const char *s, size_t len)
{
	char	   *c = dl_alloc(len + 1);

	memcpy(c, s, len);
	c[len] = '\0';
	return c;
}

/*
 * max_memory: an integer number of kB, or a string with PostgreSQL's
 * memory units ("512MB", "2 GB", "1.5GB"; case-sensitive, as in
 * postgresql.conf; no unit means kB), rounded to the nearest kB.
 */
static bool
memory_kb(const dl_json *v, int64_t *kb)
{
	static const struct
	{
		const char *unit;
		double		kb;
	}			units[] = {
		{"B", 1.0 / 1024}, {"kB", 1}, {"MB", 1024}, {"GB", 1024.0 * 1024},
		{"TB", 1024.0 * 1024 * 1024}
	};
	const char *p;
	char		num[64];
	size_t		n = 0;
	double		value;
	double		mult = 1;
	bool		found = false;

	if (v->type == DL_JSON_NUMBER)
		return dl_json_integer(v, kb) && *kb >= 1 && *kb <= MAX_MEMORY_KB;
	if (!dl_json_plain_string(v))
		return false;
	p = v->str;
	while (*p == ' ')
		p++;
	while (((*p >= '0' && *p <= '9') || *p == '.') && n + 1 < sizeof(num))
		num[n++] = *p++;
	num[n] = '\0';
	while (*p == ' ')
		p++;
	if (n == 0 || num[0] == '.' || num[n - 1] == '.' || strchr(num, '.') != strrchr(num, '.'))
		return false;
	if (*p == '\0')
		found = true;
	for (int i = 0; i < LENGTH(units) && !found; i++)
		if (strncmp(p, units[i].unit, strlen(units[i].unit)) == 0)
		{
			p += strlen(units[i].unit);
			mult = units[i].kb;
			found = true;
		}
	while (*p == ' ')
		p++;
	if (!found || *p != '\0')
		return false;
	value = rint(strtod(num, NULL) * mult);
	if (!(value >= 1 && value <= (double) MAX_MEMORY_KB))
		return false;
	*kb = (int64_t) value;
	return true;
}

/*
 * A label's text: a string as it is, a boolean as true/false, a number as
 * its literal without trailing fraction zeros (1.50 -> 1.5, 2.0 -> 2), the
 * text the glue gives a numeric target value.
 */
static char *
label_text(const dl_json *v)
{
	size_t		len = v->len;

	if (v->type == DL_JSON_BOOL)
		return copy_string(v->boolean ? "true" : "false", v->boolean ? 4 : 5);
	if (v->type == DL_JSON_NUMBER && memchr(v->str, '.', len) && !strpbrk(v->str, "eE"))
	{
		while (v->str[len - 1] == '0')
			len--;
		if (v->str[len - 1] == '.')
			len--;
	}
	return copy_string(v->str, len);
}

static dl_status
read_names(const dl_option_schema *s, const dl_option *o, const char *accepted, const dl_json *v,
		   void *out, dl_option_error *e)
{
	const dl_json *names = v->type == DL_JSON_ARRAY ? v->elems : v;
	int			n = v->type == DL_JSON_ARRAY ? v->n : 1;
	char	  **list;

	if ((v->type != DL_JSON_ARRAY && v->type != DL_JSON_STRING) || n > MAX_NAMES)
		return bad_value(s, o, accepted, v, e);
	for (int i = 0; i < n; i++)
	{
		if (!dl_json_plain_string(&names[i]) || names[i].len < o->lo || names[i].len > o->hi)
			return bad_value(s, o, accepted, &names[i], e);
		for (int j = 0; j < i; j++)
			if (strcmp(names[j].str, names[i].str) == 0)
			{
				char		problem[160];
				char		shown[72];

				snprintf(problem, sizeof(problem), "names column \"%s\" twice",
						 dl_json_printable(names[i].str, names[i].len, shown, sizeof(shown)));
				return refuse(s, o, problem, NULL, e);
			}
	}
	list = n > 0 ? dl_alloc(sizeof(char *) * (size_t) n) : NULL;
	for (int i = 0; i < n; i++)
		list[i] = copy_string(names[i].str, names[i].len);
	*AT(out, o->offset, char **) = list;
	*AT(out, o->count, int) = n;
	return DL_OK;
}

static dl_status
read_shape(const dl_option_schema *s, const dl_option *o, const char *accepted, const dl_json *v,
		   void *out, dl_option_error *e)
{
	dl_shape	shape;
	size_t		size = 1;

	if (v->type != DL_JSON_ARRAY || v->n < 1 || v->n > DL_MAX_DIMS)
		return bad_value(s, o, accepted, v, e);
	memset(&shape, 0, sizeof(shape));
	shape.ndim = v->n;
	for (int i = 0; i < v->n; i++)
	{
		int64_t		d;

		if (!dl_json_integer(&v->elems[i], &d) || d < 1 || d > DL_MAX_UNITS)
			return bad_value(s, o, accepted, &v->elems[i], e);
		shape.dim[i] = (int) d;
		size *= (size_t) d;
	}
	if (size > DL_MAX_FEATURES)
		return bad_value(s, o, accepted, NULL, e);
	*AT(out, o->offset, dl_shape) = shape;
	return DL_OK;
}

/*
 * The name an enum value stands for: the name itself in any case ("Adam"),
 * or an alias of it ("binary_crossentropy"); NULL when none.
 */
static const dl_option_name *
enum_name(const dl_option *o, const dl_json *v)
{
	const char *canonical;

	if (!dl_json_plain_string(v))
		return NULL;
	canonical = dl_alias_lookup(dl_option_value_aliases, dl_n_option_value_aliases,
								v->str, v->len, false);
	for (int k = 0; k < o->n_names; k++)
		if (canonical ? strcmp(o->names[k].name, canonical) == 0 :
			dl_name_equal(v->str, v->len, o->names[k].name, false))
			return &o->names[k];
	return NULL;
}

/* the hint of an unknown enum value: the nearest name or alias */
static dl_status
suggest_value(const dl_option *o, const dl_json *v, dl_option_error *e)
{
	dl_suggest	sg;

	if (v->type != DL_JSON_STRING)
		return DL_EINVAL;
	dl_suggest_init(&sg, v->str, v->len);
	for (int k = 0; k < o->n_names; k++)
	{
		dl_suggest_offer(&sg, o->names[k].name);
		for (int a = 0; a < dl_n_option_value_aliases; a++)
			if (strcmp(dl_option_value_aliases[a].canonical, o->names[k].name) == 0)
				dl_suggest_offer_as(&sg, dl_option_value_aliases[a].alias, o->names[k].name);
	}
	dl_suggest_hint(&sg, e->hint, sizeof(e->hint));
	return DL_EINVAL;
}

static void
free_entries(const dl_option *o, dl_option_entry *list, int n)
{
	for (int i = 0; i < n; i++)
	{
		dl_free(list[i].name);
		if (list[i].value)
		{
			dl_schema_free(o->sub, list[i].value);
			dl_free(list[i].value);
		}
	}
	if (list)
		dl_free(list);
}

/*
 * An object keyed by names, each value read by o->sub: "option \"text\"
 * column \"review\": option \"encoding\" must be ..." names both levels.
 */
static dl_status
read_objects(const dl_option_schema *s, const dl_option *o, const char *accepted, const dl_json *v,
			 void *out, dl_option_error *e)
{
	dl_option_entry *list;
	int			n = v->type == DL_JSON_OBJECT ? v->n : 0;

	if (v->type != DL_JSON_OBJECT || n < 1 || n > MAX_NAMES || o->sub == NULL)
		return bad_value(s, o, accepted, v, e);
	list = dl_alloc(sizeof(dl_option_entry) * (size_t) n);
	memset(list, 0, sizeof(dl_option_entry) * (size_t) n);
	for (int i = 0; i < n; i++)
	{
		const dl_json_member *m = &v->members[i];
		char		shown[72];
		dl_option_error sub;

		dl_json_printable(m->key, m->key_len, shown, sizeof(shown));
		if (m->key_len < o->lo || m->key_len > o->hi || memchr(m->key, '\0', m->key_len))
		{
			free_entries(o, list, n);
			return bad_value(s, o, accepted, NULL, e);
		}
		list[i].name = copy_string(m->key, m->key_len);
		list[i].value = dl_alloc(o->sub->size);
		if (dl_schema_read(o->sub, &m->value, list[i].value, &sub) != DL_OK)
		{
			char		problem[DL_OPTION_MESSAGE - 80];

			/* bounded, so that the whole fits the message */
			snprintf(problem, sizeof(problem), "column \"%s\": %.400s%s%.60s", shown, sub.message,
					 sub.detail[0] ? ": " : "", sub.detail);
			free_entries(o, list, i + 1);
			return refuse(s, o, problem, NULL, e);
		}
	}
	*AT(out, o->offset, dl_option_entry *) = list;
	*AT(out, o->count, int) = n;
	return DL_OK;
}

/* checks v against o and stores it in out; nothing is stored on failure */
static dl_status
read_value(const dl_option_schema *s, const dl_option *o, const dl_json *v, void *out,
		   dl_option_error *e)
{
	char		buf[320];
	const char *accepted = accepted_text(s, o, buf, sizeof(buf));
	int64_t		i;
	char	  **str;

	switch (o->type)
	{
		case DL_OPT_INT:
		case DL_OPT_UINT64:
			if (!dl_json_integer(v, &i) || i < (int64_t) o->lo || i > (int64_t) o->hi)
				return bad_value(s, o, accepted, v, e);
			if (o->type == DL_OPT_INT)
				*AT(out, o->offset, int) = (int) i;
			else
				*AT(out, o->offset, uint64_t) = (uint64_t) i;
			return DL_OK;
		case DL_OPT_DOUBLE:
			if (v->type != DL_JSON_NUMBER || !isfinite(v->number) || !in_range(v->number, o))
				return bad_value(s, o, accepted, v, e);
			*AT(out, o->offset, double) = v->number;
			return DL_OK;
		case DL_OPT_FLOAT:
			if (v->type != DL_JSON_NUMBER || !in_range(v->number, o))
				return bad_value(s, o, accepted, v, e);
			/* a value the range allows may still not fit the float32 it is kept in */
			if (!isfinite((float) v->number))
			{
				char		fits[400];

				snprintf(fits, sizeof(fits), "%s within float32's range (magnitude at most %g)",
						 accepted, (double) FLT_MAX);
				return bad_value(s, o, fits, v, e);
			}
			/* and 1e-50 is no positive learning rate once it is 0 */
			if (!in_range((float) v->number, o))
				return bad_value(s, o, accepted, v, e);
			*AT(out, o->offset, float) = (float) v->number;
			return DL_OK;
		case DL_OPT_BOOL:
			if (v->type != DL_JSON_BOOL)
				return bad_value(s, o, accepted, v, e);
			*AT(out, o->offset, bool) = v->boolean;
			return DL_OK;
		case DL_OPT_ENUM:
			{
				const dl_option_name *name = enum_name(o, v);

				if (name == NULL)
				{
					bad_value(s, o, accepted, v, e);
					return suggest_value(o, v, e);
				}
				*AT(out, o->offset, int) = name->value;
				return DL_OK;
			}
		case DL_OPT_STRING:
		case DL_OPT_LABEL:
			if (!(dl_json_plain_string(v) ||
				  (o->type == DL_OPT_LABEL && (v->type == DL_JSON_NUMBER || v->type == DL_JSON_BOOL))) ||
				v->len < o->lo || v->len > o->hi)
				return bad_value(s, o, accepted, v, e);
			str = AT(out, o->offset, char *);
			if (*str)
				dl_free(*str);
			*str = o->type == DL_OPT_LABEL ? label_text(v) : copy_string(v->str, v->len);
			return DL_OK;
		case DL_OPT_NAMES:
			return read_names(s, o, accepted, v, out, e);
		case DL_OPT_SHAPE:
			return read_shape(s, o, accepted, v, out, e);
		case DL_OPT_OBJECTS:
			return read_objects(s, o, accepted, v, out, e);
		case DL_OPT_MEMORY:
			if (!memory_kb(v, &i))
				return bad_value(s, o, accepted, v, e);
			*AT(out, o->offset, int64_t) = i;
			return DL_OK;
	}
	return dl_error(DL_EINTERNAL, "option \"%s\" has no reader for type %d", o->key, (int) o->type);
}

/* ---- a schema ---- */

/* the strings and lists a read allocated */
static void
release(const dl_option_schema *s, void *out)
{
	for (int k = 0; k < s->n_options; k++)
	{
		const dl_option *o = &s->options[k];

		if (o->type == DL_OPT_STRING || o->type == DL_OPT_LABEL)
		{
			char	  **str = AT(out, o->offset, char *);

			if (*str)
				dl_free(*str);
			*str = NULL;
		}
		else if (o->type == DL_OPT_NAMES)
		{
			char	 ***list = AT(out, o->offset, char **);
			int		   *n = AT(out, o->count, int);

			for (int i = 0; i < *n; i++)
				dl_free((*list)[i]);
			if (*list)
				dl_free(*list);
			*list = NULL;
			*n = 0;
		}
		else if (o->type == DL_OPT_OBJECTS)
		{
			dl_option_entry **list = AT(out, o->offset, dl_option_entry *);
			int		   *n = AT(out, o->count, int);

			free_entries(o, *list, *n);
			*list = NULL;
			*n = 0;
		}
	}
}

dl_status
dl_schema_defaults(const dl_option_schema *s, void *out)
{
	memset(out, 0, s->size);
	if (s->init)
		s->init(out);
	for (int k = 0; k < s->n_options; k++)
	{
		const dl_option *o = &s->options[k];
		dl_json_doc *doc;
		dl_json_error jerr;
		dl_option_error e;
		dl_status	st;

		if (o->dflt == NULL)
			continue;
		if (dl_json_parse_quiet(o->dflt, 256, 0, &doc, &jerr) != DL_OK)
		{
			dl_json_free(doc);
			return dl_error(DL_EINTERNAL, "%s: the default of option \"%s\" is not JSON: %s",
							s->functions, o->key, jerr.message);
		}
		memset(&e, 0, sizeof(e));
		st = read_value(s, o, dl_json_root(doc), out, &e);
		dl_json_free(doc);
		if (st != DL_OK)
			return dl_error(DL_EINTERNAL, "%s: the default of option \"%s\" is refused: %s %s",
							s->functions, o->key, e.message, e.detail);
	}
	return DL_OK;
}

void
dl_schema_free(const dl_option_schema *s, void *out)
{
	release(s, out);
	(void) dl_schema_defaults(s, out);
}

/* the option a key names, itself or by an alias (validation_split) */
static const dl_option *
find_option(const dl_option_schema *s, const dl_json_member *m)
{
	const char *canonical = NULL;

	for (int k = 0; k < s->n_options; k++)
		if (strlen(s->options[k].key) == m->key_len && strcmp(s->options[k].key, m->key) == 0)
			return &s->options[k];
	for (int a = 0; a < dl_n_option_key_aliases && canonical == NULL; a++)
		if (strlen(dl_option_key_aliases[a].alias) == m->key_len &&
			strcmp(dl_option_key_aliases[a].alias, m->key) == 0)
			canonical = dl_option_key_aliases[a].canonical;
	for (int k = 0; canonical && k < s->n_options; k++)
		if (strcmp(s->options[k].key, canonical) == 0)
			return &s->options[k];
	return NULL;
}

static dl_status
unknown_option(const dl_option_schema *s, const dl_json_member *m, dl_option_error *e)
{
	char		shown[72];
	/* what the message leaves for the list, past the key shown and the words around it */
	char		list[DL_OPTION_MESSAGE - 128];
	size_t		len = 0;
	dl_suggest	sg;

	list[0] = '\0';
	dl_suggest_init(&sg, m->key, m->key_len);
	for (int k = 0; k < s->n_options && len < sizeof(list); k++)
	{
		len += snprintf(list + len, sizeof(list) - len, "%s%s", k ? ", " : "", s->options[k].key);
		dl_suggest_offer(&sg, s->options[k].key);
		for (int a = 0; a < dl_n_option_key_aliases; a++)
			if (strcmp(dl_option_key_aliases[a].canonical, s->options[k].key) == 0)
				dl_suggest_offer_as(&sg, dl_option_key_aliases[a].alias, s->options[k].key);
	}
	dl_suggest_hint(&sg, e->hint, sizeof(e->hint));
	dl_json_printable(m->key, m->key_len, shown, sizeof(shown));
	if (s->detail)
	{
		snprintf(e->message, sizeof(e->message), "unknown option \"%s\"", shown);
		snprintf(e->detail, sizeof(e->detail), "Accepted options: %s.", list);
	}
	else
		snprintf(e->message, sizeof(e->message), "unknown option \"%s\"; accepted options: %s",
				 shown, list);
	return DL_EINVAL;
}

dl_status
dl_schema_read(const dl_option_schema *s, const dl_json *root, void *out, dl_option_error *err)
{
	dl_option_error local;
	dl_option_error *e = err ? err : &local;
	void	   *r;
	dl_status	st;

	memset(e, 0, sizeof(*e));
	if ((st = dl_schema_defaults(s, out)) != DL_OK)
		return st;
	if (root->type != DL_JSON_OBJECT)
	{
		char		got[64];

		snprintf(e->message, sizeof(e->message), "options must be a JSON object, got %s",
				 dl_json_describe(root, got, sizeof(got)));
		st = DL_EINVAL;
	}
	else
	{
		/* the key each option was given by, to refuse it given by two names */
		const char *seen[MAX_SCHEMA_OPTIONS] = {NULL};

		r = dl_alloc(s->size);
		memcpy(r, out, s->size);
		for (int i = 0; i < root->n && st == DL_OK; i++)
		{
			const dl_json_member *m = &root->members[i];
			const dl_option *o = find_option(s, m);

			if (o == NULL)
				st = unknown_option(s, m, e);
			else if (seen[o - s->options])
			{
				/* jsonb keys are unique: only a key and its alias meet here */
				snprintf(e->message, sizeof(e->message),
						 "option \"%s\" is given twice, as \"%s\" and as \"%s\"; give it once",
						 o->key, seen[o - s->options], m->key);
				st = DL_EINVAL;
			}
			else if ((seen[o - s->options] = m->key) != NULL && m->value.type == DL_JSON_NULL)
				continue;		/* the default */
			else if ((st = read_value(s, o, &m->value, r, e)) == DL_OK && o->given)
				*AT(r, o->given - 1, bool) = true;
		}
		if (st == DL_OK)
			memcpy(out, r, s->size);
		else
			release(s, r);
		dl_free(r);
	}
	if (st == DL_EINVAL && err == NULL)
		return e->detail[0] ?
			dl_error_hint(st, e->hint[0] ? e->hint : NULL, "%s: %s", e->message, e->detail) :
			dl_error_hint(st, e->hint[0] ? e->hint : NULL, "%s", e->message);
	return st;
}

const dl_json *
dl_schema_canonical(const dl_option_schema *s, const dl_json *root)
{
	dl_json    *copy;
	dl_json_member *members;

	if (root->type != DL_JSON_OBJECT || root->n == 0)
		return root;
	copy = dl_alloc(sizeof(dl_json));
	members = dl_alloc(sizeof(dl_json_member) * (size_t) root->n);
	*copy = *root;
	memcpy(members, root->members, sizeof(dl_json_member) * (size_t) root->n);
	for (int i = 0; i < root->n; i++)
	{
		dl_json_member *m = &members[i];
		const dl_option *o = find_option(s, m);
		const dl_option_name *name;

		if (o == NULL)
			continue;
		m->key = o->key;
		m->key_len = strlen(o->key);
		if (o->type == DL_OPT_ENUM && (name = enum_name(o, &m->value)) != NULL)
		{
			m->value.str = name->name;
			m->value.len = strlen(name->name);
		}
	}
	copy->members = members;
	return copy;
}

dl_status
dl_schema_parse(const dl_option_schema *s, const char *text, void *out)
{
	dl_json_doc *doc;
	dl_status	st;

	if ((st = dl_schema_defaults(s, out)) != DL_OK)
		return st;
	if ((st = dl_json_parse(text, DL_OPTIONS_MAX_BYTES, "options", &doc)) != DL_OK)
		return st;
	st = dl_schema_read(s, dl_json_root(doc), out, NULL);
	dl_json_free(doc);
	return st;
}

/* ---- the engine's own entry points ---- */

dl_status
dl_parse_options(const char *json, dl_options *o)
{
	return dl_schema_parse(&dl_train_schema, json, o);
}

void
dl_options_defaults(dl_options *o)
{
	(void) dl_schema_defaults(&dl_train_schema, o);
}

void
dl_options_free(dl_options *o)
{
	dl_schema_free(&dl_train_schema, o);
}

dl_status
dl_pca_parse_options(const char *json, bool *correlation)
{
	dl_pca_sql_options o;
	dl_status	st = dl_schema_parse(&dl_pca_schema, json, &o);

	*correlation = o.matrix == DL_PCA_CORRELATION;
	return st;
}

const char *
dl_task_name(dl_task t)
{
	/* not in tasks[]: train_model's option "task" does not accept them */
	if (t == DL_TASK_CLUSTERING)
		return "clustering";
	if (t == DL_TASK_PROJECTION)
		return "projection";
	for (int i = 0; i < LENGTH(tasks); i++)
		if (tasks[i].value == (int) t)
			return tasks[i].name;
	return "?";
}
