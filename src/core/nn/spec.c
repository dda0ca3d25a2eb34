/*-------------------------------------------------------------------------
 *
 * spec.c
 *	  Reading the training options from JSON.  (The layers are read and
 *	  written by the layer table: layers.c and the family files.)
 *
 * Every mistake a user can make here is DL_EINVAL (22023) whose message
 * names the option and what is accepted, because the message is all a
 * user sees of this code.  JSON null for a key means "the default", as if
 * the key were absent.  Malformed JSON text (the glue hands over jsonb
 * text, so only direct callers see it) is DL_ETEXT.
 *
 * src/core/nn/spec.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dl_nn.h"
#include "json.h"
#include "spec_values.h"

/* far more than any real options text */
#define SPEC_MAX_JSON_BYTES (1 << 20)

/* PostgreSQL's MaxTupleAttributeNumber: no source has more columns */
#define MAX_CATEGORICAL 1664

/* max_memory is a kB setting: PostgreSQL's integer settings stop at INT_MAX */
#define MAX_MEMORY_KB INT64_C(2147483647)

#define MAX_SEED INT64_C(9007199254740992)	/* 2^53 */

static const dl_name_value tasks[] = {
	{"classification", DL_TASK_CLASSIFICATION},
	{"regression", DL_TASK_REGRESSION}
};

static const dl_name_value losses[] = {
	{"mse", DL_LOSS_MSE},
	{"mae", DL_LOSS_MAE},
	{"huber", DL_LOSS_HUBER},
	{"binary_cross_entropy", DL_LOSS_BCE},
	{"cross_entropy", DL_LOSS_CE}
};

static const dl_name_value optimizers[] = {
	{"adam", DL_OPT_ADAM},
	{"sgd", DL_OPT_SGD},
	{"momentum", DL_OPT_MOMENTUM},
	{"adamw", DL_OPT_ADAMW}
};

static const dl_name_value imputes[] = {
	{"mean", DL_MISSING_MEAN},
	{"median", DL_MISSING_MEDIAN},
	{"drop_row", DL_MISSING_DROP_ROW}
};

/* ---- options ---- */

enum
{
	O_TASK,
	O_INPUT_SHAPE,
	O_LOSS,
	O_OPTIMIZER,
	O_LEARNING_RATE,
	O_BATCH_SIZE,
	O_EPOCHS,
	O_WEIGHT_DECAY,
	O_L1,
	O_CLIP_NORM,
	O_VALIDATION_FRACTION,
	O_PATIENCE,
	O_STANDARDIZE,
	O_CATEGORICAL,
	O_IMPUTE,
	O_SEED,
	O_WARM_START,
	O_DESCRIPTION,
	O_MAX_MEMORY,
	O_MOMENTUM,
	O_NESTEROV,
	O_BETA1,
	O_BETA2,
	O_HUBER_DELTA,
	O_COUNT
};

static const char *const option_names[O_COUNT] = {
	"task", "input_shape", "loss", "optimizer", "learning_rate", "batch_size",
	"epochs", "weight_decay", "l1", "clip_norm", "validation_fraction",
	"early_stopping_patience", "standardize", "categorical", "impute", "seed",
	"warm_start", "description", "max_memory", "momentum", "nesterov",
	"beta1", "beta2", "huber_delta"
};

void
dl_options_defaults(dl_options *o)
{
	memset(o, 0, sizeof(*o));
	dl_train_options_defaults(&o->train);
	o->train.seed = 42;
	o->validation_fraction = 0.1;
	o->standardize = true;
	o->impute = DL_MISSING_ERROR;
}

void
dl_options_free(dl_options *o)
{
	for (int i = 0; i < o->n_categorical; i++)
		dl_free(o->categorical[i]);
	dl_free(o->categorical);
	dl_free(o->warm_start);
	dl_free(o->description);
	dl_options_defaults(o);
}

/*
 * max_memory: an integer number of kB, or a string with PostgreSQL's
 * memory units ("512MB", "2 GB", "1.5GB"; case-sensitive, as in
 * postgresql.conf; no unit means kB), rounded to the nearest kB.
 */
static dl_status
want_memory(const dl_json *v, const char *subject, int64_t *kb)
{
	static const struct
	{
		const char *unit;
		double		kb;
	}			units[] = {
		{"B", 1.0 / 1024}, {"kB", 1}, {"MB", 1024}, {"GB", 1024.0 * 1024},
		{"TB", 1024.0 * 1024 * 1024}
	};
	const char *accepted = "a positive amount of memory up to 2147483647kB: an integer number of kB, or a string such as \"512MB\" (units B, kB, MB, GB, TB)";
	const char *p;
	char		num[64];
	size_t		n = 0;
	double		value;
	double		mult = 1;
	bool		found = false;

	if (v->type == DL_JSON_NUMBER)
	{
		if (!dl_json_integer(v, kb) || *kb < 1 || *kb > MAX_MEMORY_KB)
			return dl_bad_value(subject, accepted, v);
		return DL_OK;
	}
	if (!dl_json_plain_string(v))
		return dl_bad_value(subject, accepted, v);
	p = v->str;
	while (*p == ' ')
		p++;
	while (((*p >= '0' && *p <= '9') || *p == '.') && n + 1 < sizeof(num))
		num[n++] = *p++;
	num[n] = '\0';
	while (*p == ' ')
		p++;
	if (n == 0 || num[0] == '.' || num[n - 1] == '.' || strchr(num, '.') != strrchr(num, '.'))
		return dl_bad_value(subject, accepted, v);
	if (*p == '\0')
		found = true;
	for (int i = 0; i < DL_LENGTH(units) && !found; i++)
		if (strncmp(p, units[i].unit, strlen(units[i].unit)) == 0)
		{
			p += strlen(units[i].unit);
			mult = units[i].kb;
			found = true;
		}
	while (*p == ' ')
		p++;
	if (!found || *p != '\0')
		return dl_bad_value(subject, accepted, v);
	value = rint(strtod(num, NULL) * mult);
	if (!(value >= 1 && value <= (double) MAX_MEMORY_KB))
		return dl_bad_value(subject, accepted, v);
	*kb = (int64_t) value;
	return DL_OK;
}

static dl_status
want_categorical(const dl_json *v, const char *subject, dl_options *o)
{
	char		accepted[160];
	const dl_json *names = v->type == DL_JSON_ARRAY ? v->elems : v;
	int			n = v->type == DL_JSON_ARRAY ? v->n : 1;
	dl_status	st;

	snprintf(accepted, sizeof(accepted),
			 "a column name (1 to %d bytes) or an array of at most %d distinct column names",
			 DL_MAX_NAME, MAX_CATEGORICAL);
	if ((v->type != DL_JSON_ARRAY && v->type != DL_JSON_STRING) || n > MAX_CATEGORICAL)
		return dl_bad_value(subject, accepted, v);
	if (n == 0)
		return DL_OK;
	o->categorical = dl_alloc(sizeof(char *) * (size_t) n);
	for (int i = 0; i < n; i++)
	{
		if ((st = dl_want_string(&names[i], subject, 1, DL_MAX_NAME, accepted,
							  &o->categorical[i])) != DL_OK)
			return st;
		o->n_categorical = i + 1;
		for (int j = 0; j < i; j++)
			if (strcmp(o->categorical[j], o->categorical[i]) == 0)
			{
				char		shown[72];

				return dl_error(DL_EINVAL, "%s names column \"%s\" twice", subject,
								dl_json_printable(names[i].str, names[i].len, shown, sizeof(shown)));
			}
	}
	return DL_OK;
}

static dl_status
parse_option(int k, const dl_json *v, const char *subject, dl_options *o)
{
	dl_train_options *t = &o->train;
	int64_t		x;
	int			e;
	dl_status	st;

	switch (k)
	{
		case O_TASK:
			st = dl_want_name(v, subject, tasks, DL_LENGTH(tasks), &e);
			o->task = (dl_task) e;
			return st;
		case O_INPUT_SHAPE:
			o->has_input_shape = true;
			return dl_want_shape(v, subject, false, &o->input_shape);
		case O_LOSS:
			st = dl_want_name(v, subject, losses, DL_LENGTH(losses), &e);
			t->loss = (dl_loss) e;
			o->loss_given = true;
			return st;
		case O_OPTIMIZER:
			st = dl_want_name(v, subject, optimizers, DL_LENGTH(optimizers), &e);
			t->optimizer = (dl_optimizer) e;
			return st;
		case O_LEARNING_RATE:
			return dl_want_float(v, subject, 0, HUGE_VAL, DL_OPEN_LO, "a positive number", &t->learning_rate);
		case O_BATCH_SIZE:
			return dl_want_int(v, subject, 1, 65536, &t->batch_size);
		case O_EPOCHS:
			return dl_want_int(v, subject, 1, 100000, &t->epochs);
		case O_WEIGHT_DECAY:
			return dl_want_float(v, subject, 0, HUGE_VAL, 0, "a number at least 0", &t->weight_decay);
		case O_L1:
			return dl_want_float(v, subject, 0, HUGE_VAL, 0, "a number at least 0", &t->l1);
		case O_CLIP_NORM:
			return dl_want_float(v, subject, 0, HUGE_VAL, 0,
							  "a number at least 0 (0 turns clipping off)", &t->clip_norm);
		case O_VALIDATION_FRACTION:
			return dl_want_number(v, subject, 0, 1, DL_OPEN_HI,
							   "a number from 0 to below 1 (0 skips validation)",
							   &o->validation_fraction);
		case O_PATIENCE:
			return dl_want_int(v, subject, 0, 100000, &t->patience);
		case O_STANDARDIZE:
			return dl_want_bool(v, subject, &o->standardize);
		case O_CATEGORICAL:
			return want_categorical(v, subject, o);
		case O_IMPUTE:
			st = dl_want_name(v, subject, imputes, DL_LENGTH(imputes), &e);
			o->impute = (dl_missing) e;
			return st;
		case O_SEED:
			st = dl_want_integer(v, subject, 0, MAX_SEED, &x);
			t->seed = (uint64_t) x;
			o->seed_given = true;
			return st;
		case O_WARM_START:
			return dl_want_string(v, subject, 1, 200, "a model name with a version, \"name@N\"",
							   &o->warm_start);
		case O_DESCRIPTION:
			return dl_want_string(v, subject, 0, SPEC_MAX_JSON_BYTES, "a string", &o->description);
		case O_MAX_MEMORY:
			return want_memory(v, subject, &o->max_memory_kb);
		case O_MOMENTUM:
			return dl_want_float(v, subject, 0, 1, DL_OPEN_HI, "a number from 0 to below 1", &t->momentum);
		case O_NESTEROV:
			return dl_want_bool(v, subject, &t->nesterov);
		case O_BETA1:
			return dl_want_float(v, subject, 0, 1, DL_OPEN_LO | DL_OPEN_HI, "a number between 0 and 1 (both excluded)",
							  &t->beta1);
		case O_BETA2:
			return dl_want_float(v, subject, 0, 1, DL_OPEN_LO | DL_OPEN_HI, "a number between 0 and 1 (both excluded)",
							  &t->beta2);
		case O_HUBER_DELTA:
			return dl_want_float(v, subject, 0, HUGE_VAL, DL_OPEN_LO, "a positive number", &t->huber_delta);
	}
	return dl_error(DL_EINTERNAL, "option %d has no reader", k);
}

dl_status
dl_parse_options(const char *json, dl_options *o)
{
	dl_json_doc *doc;
	const dl_json *root;
	dl_options	r;
	dl_status	st;

	dl_options_defaults(o);
	if ((st = dl_json_parse(json, SPEC_MAX_JSON_BYTES, "options", &doc)) != DL_OK)
		return st;
	root = dl_json_root(doc);
	if (root->type != DL_JSON_OBJECT)
	{
		char		got[64];

		dl_json_describe(root, got, sizeof(got));
		dl_json_free(doc);
		return dl_error(DL_EINVAL, "options must be a JSON object, got %s", got);
	}

	dl_options_defaults(&r);
	for (int i = 0; i < root->n && st == DL_OK; i++)
	{
		const dl_json_member *m = &root->members[i];
		char		subject[64];
		int			k;

		for (k = 0; k < O_COUNT; k++)
			if (strcmp(option_names[k], m->key) == 0 && strlen(option_names[k]) == m->key_len)
				break;
		if (k == O_COUNT)
		{
			char		shown[72];
			char		list[400];
			size_t		len = 0;

			for (int j = 0; j < O_COUNT; j++)
				len += snprintf(list + len, sizeof(list) - len, "%s%s", j ? ", " : "",
								option_names[j]);
			st = dl_error(DL_EINVAL, "unknown option \"%s\"; accepted options: %s",
						  dl_json_printable(m->key, m->key_len, shown, sizeof(shown)), list);
			break;
		}
		if (m->value.type == DL_JSON_NULL)
			continue;
		snprintf(subject, sizeof(subject), "option \"%s\"", option_names[k]);
		st = parse_option(k, &m->value, subject, &r);
	}
	dl_json_free(doc);
	if (st != DL_OK)
	{
		dl_options_free(&r);
		return st;
	}
	*o = r;
	return DL_OK;
}

const char *
dl_task_name(dl_task t)
{
	/* not in tasks[]: train_model's option "task" does not accept them */
	if (t == DL_TASK_CLUSTERING)
		return "clustering";
	if (t == DL_TASK_PROJECTION)
		return "projection";
	return dl_name_of(tasks, DL_LENGTH(tasks), (int) t);
}
