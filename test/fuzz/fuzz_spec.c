/*-------------------------------------------------------------------------
 *
 * fuzz_spec.c
 *	  libFuzzer harness for the layers and options parsers
 *	  (dl_parse_layers, dl_parse_options, dl_layers_to_json,
 *	  dl_complete_output, dl_pca_parse_options).
 *
 * Each input is parsed, as layers, as train_model options and as pca
 * options, from a NUL-terminated copy in an exact-size block, so ASan
 * catches a read past the NUL.  The harness traps when a property breaks: a
 * failure comes with exactly one error report carrying the returned status
 * (DL_ETEXT for malformed JSON, DL_EINVAL otherwise) and leaves no result
 * behind; parsed layers print as JSON that parses back to identical specs
 * and prints identically (the registry stores that text); completing the
 * output either fails with DL_EINVAL or ends in a dense layer of the
 * requested size; parsed options are finite and within their documented
 * ranges, and, written back as JSON by the harness, parse to the same
 * options; pca options are accepted only when the document, read by the
 * JSON parser alone, is an object whose keys are all exactly "matrix" with
 * null, "covariance" or "correlation" in any case (no byte more: a decoded
 * NUL does not end a key or a value), and the result is the last of those;
 * layers [] complete to one dense layer (a linear model), and a completion
 * notes what it added exactly when it added or filled in something.
 *
 * test/fuzz/fuzz_spec.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dl_nn.h"
#include "json.h"

#define FUZZ_NAME "fuzz_spec"
#include "fuzz_common.h"
#include "../unit/nn_testing.h"

static void
check_failure(dl_status st)
{
	if (n_errors != 1 || last_status != st || last_message_len == 0 ||
		(st != DL_ETEXT && st != DL_EINVAL))
		__builtin_trap();
}

/* prints, parses back, compares, prints again */
static void
check_round_trip(const dl_layer_spec *specs, int n)
{
	char	   *json = dl_layers_to_json(specs, n);
	char	   *again;
	dl_layer_spec *back;
	int			nb;

	n_errors = 0;
	if (dl_parse_layers(json, &back, &nb) != DL_OK || nb != n)
		__builtin_trap();
	for (int i = 0; i < n; i++)
		if (!th_same_spec(&specs[i], &back[i]))
			__builtin_trap();
	again = dl_layers_to_json(back, nb);
	if (strcmp(json, again) != 0)
		__builtin_trap();
	dl_free(again);
	dl_free(json);
	dl_free(back);
}

static void
check_complete(const dl_layer_spec *specs, int n, dl_task task, int n_out, dl_loss loss)
{
	dl_layer_spec *copy = dl_alloc(sizeof(dl_layer_spec) * (size_t) n);
	int			nc = n;
	dl_status	st;

	char		note[512];

	if (n > 0)
		memcpy(copy, specs, sizeof(dl_layer_spec) * (size_t) n);
	n_errors = 0;
	st = dl_complete_output_noted(&copy, &nc, task, n_out, loss, note, sizeof(note));
	if (st != DL_OK)
	{
		check_failure(st);
		if (st != DL_EINVAL || nc != n)
			__builtin_trap();
	}
	else
	{
		const dl_layer_spec *last = &copy[nc - 1];

		if (n_errors != 0 || nc < n || nc > n + 1 || nc > DL_MAX_LAYERS ||
			last->type != DL_LAYER_DENSE || last->dense.units != n_out || !last->dense.activation_given)
			__builtin_trap();
		/* something appended or units filled in is always noted */
		if ((nc > n || specs[n - 1].dense.units == 0) && note[0] == '\0')
			__builtin_trap();
		if (nc == n && specs[n - 1].dense.units == n_out && specs[n - 1].dense.activation_given &&
			note[0] != '\0')
			__builtin_trap();
		check_round_trip(copy, nc);
	}
	dl_free(copy);
}

static void
fuzz_layers(const char *text)
{
	dl_layer_spec *specs;
	int			n;
	dl_status	st;

	n_errors = 0;
	st = dl_parse_layers(text, &specs, &n);
	if (st != DL_OK)
	{
		check_failure(st);
		if (specs != NULL || n != 0)
			__builtin_trap();
		return;
	}
	if (n_errors != 0 || n < 0 || n > DL_MAX_LAYERS || (n == 0) != (specs == NULL))
		__builtin_trap();
	check_round_trip(specs, n);
	check_complete(specs, n, DL_TASK_CLASSIFICATION, 3, DL_LOSS_CE);
	check_complete(specs, n, DL_TASK_CLASSIFICATION, 1, DL_LOSS_BCE);
	check_complete(specs, n, DL_TASK_REGRESSION, 1, DL_LOSS_HUBER);
	/* a binary target takes two outputs exactly when the loss chosen says so */
	if (dl_default_loss(DL_TASK_CLASSIFICATION, 2, specs, n) == DL_LOSS_CE)
		check_complete(specs, n, DL_TASK_CLASSIFICATION, 2, DL_LOSS_CE);
	{
		dl_shape	image = {3, {28, 28, 1}};

		n_errors = 0;
		if (dl_check_channels_first(specs, n, &image) != DL_OK)
			check_failure(DL_EINVAL);
	}
	dl_free(specs);
}

static void check_options_round_trip(const dl_options *o);

static void
fuzz_options(const char *text)
{
	dl_options	o;
	dl_status	st;

	n_errors = 0;
	st = dl_parse_options(text, &o);
	if (st != DL_OK)
	{
		check_failure(st);
		if (o.categorical != NULL || o.warm_start != NULL || o.description != NULL)
			__builtin_trap();
		return;
	}
	if (n_errors != 0 ||
		!(o.train.learning_rate > 0) || o.train.batch_size < 1 || o.train.batch_size > 65536 ||
		o.train.epochs < 1 || o.train.epochs > 100000 || o.train.patience < 0 ||
		!(o.validation_fraction >= 0 && o.validation_fraction < 1) ||
		!(o.train.beta1 > 0 && o.train.beta1 < 1) || !(o.train.beta2 > 0 && o.train.beta2 < 1) ||
		!(o.train.huber_delta > 0) || o.max_memory_kb < 0 ||
		o.train.seed > (UINT64_C(1) << 53) || o.n_categorical < 0 ||
		(o.n_categorical > 0) != (o.categorical != NULL))
		__builtin_trap();
	for (int i = 0; i < o.n_categorical; i++)
		if (strlen(o.categorical[i]) < 1 || strlen(o.categorical[i]) > DL_MAX_NAME)
			__builtin_trap();
	if (!isfinite(o.train.learning_rate) || !isfinite(o.train.weight_decay) || !isfinite(o.train.l1) ||
		!isfinite(o.train.clip_norm) || !isfinite(o.train.huber_delta) || !isfinite(o.train.momentum) ||
		!(o.train.momentum >= 0 && o.train.momentum < 1) || o.train.weight_decay < 0 ||
		o.train.l1 < 0 || o.train.clip_norm < 0)
		__builtin_trap();
	check_options_round_trip(&o);
	dl_options_free(&o);
}

/* a JSON string of the bytes s[0..len) (an independent writer: not the engine's) */
static void
put_string(char **p, const char *s, size_t len)
{
	*(*p)++ = '"';
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (c == '"' || c == '\\')
		{
			*(*p)++ = '\\';
			*(*p)++ = (char) c;
		}
		else if (c < 0x20)
			*p += sprintf(*p, "\\u%04x", c);
		else
			*(*p)++ = (char) c;
	}
	*(*p)++ = '"';
}

static bool
same_string(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/*
 * Writes parsed options back as JSON (every key the parse set, numbers with
 * 17 significant digits, so each float and double reads back exactly) and
 * parses that: the same options must come out.  An option read one way and
 * kept another (a value rounded, a flag lost, a string cut) breaks it.
 */
static void
check_options_round_trip(const dl_options *o)
{
	static const char *const impute_names[] = {NULL, "mean", "median", "drop_row"};
	const dl_train_options *t = &o->train;
	size_t		cap = 4096 + (o->description ? 6 * strlen(o->description) : 0) +
		(o->warm_start ? 6 * strlen(o->warm_start) : 0);
	char	   *json;
	char	   *p;
	dl_options	b;

	for (int i = 0; i < o->n_categorical; i++)
		cap += 6 * strlen(o->categorical[i]) + 4;
	json = p = malloc(cap);
	p += sprintf(p, "{\"learning_rate\": %.17g, \"batch_size\": %d, \"epochs\": %d, \"weight_decay\": %.17g, "
				 "\"l1\": %.17g, \"clip_norm\": %.17g, \"validation_fraction\": %.17g, "
				 "\"early_stopping_patience\": %d, \"standardize\": %s, \"momentum\": %.17g, \"nesterov\": %s, "
				 "\"beta1\": %.17g, \"beta2\": %.17g, \"huber_delta\": %.17g, \"optimizer\": \"%s\"",
				 (double) t->learning_rate, t->batch_size, t->epochs, (double) t->weight_decay,
				 (double) t->l1, (double) t->clip_norm, o->validation_fraction, t->patience,
				 o->standardize ? "true" : "false", (double) t->momentum, t->nesterov ? "true" : "false",
				 (double) t->beta1, (double) t->beta2, (double) t->huber_delta, dl_optimizer_name(t->optimizer));
	if (o->task != 0)
		p += sprintf(p, ", \"task\": \"%s\"", dl_task_name(o->task));
	if (o->loss_given)
		p += sprintf(p, ", \"loss\": \"%s\"", dl_loss_name(t->loss));
	if (o->seed_given)
		p += sprintf(p, ", \"seed\": %llu", (unsigned long long) t->seed);
	if (o->impute != DL_MISSING_ERROR)
		p += sprintf(p, ", \"impute\": \"%s\"", impute_names[o->impute]);
	if (o->max_memory_kb > 0)
		p += sprintf(p, ", \"max_memory\": %lld", (long long) o->max_memory_kb);
	if (o->has_input_shape)
	{
		p += sprintf(p, ", \"input_shape\": [");
		for (int i = 0; i < o->input_shape.ndim; i++)
			p += sprintf(p, "%s%d", i ? ", " : "", o->input_shape.dim[i]);
		*p++ = ']';
	}
	if (o->n_categorical > 0)
	{
		p += sprintf(p, ", \"categorical\": [");
		for (int i = 0; i < o->n_categorical; i++)
		{
			if (i)
				*p++ = ',';
			put_string(&p, o->categorical[i], strlen(o->categorical[i]));
		}
		*p++ = ']';
	}
	if (o->warm_start)
	{
		p += sprintf(p, ", \"warm_start\": ");
		put_string(&p, o->warm_start, strlen(o->warm_start));
	}
	if (o->description)
	{
		p += sprintf(p, ", \"description\": ");
		put_string(&p, o->description, strlen(o->description));
	}
	*p++ = '}';
	*p = '\0';

	n_errors = 0;
	if (dl_parse_options(json, &b) != DL_OK || n_errors != 0)
		__builtin_trap();
	if (b.train.loss != t->loss || b.train.huber_delta != t->huber_delta || b.train.optimizer != t->optimizer ||
		b.train.learning_rate != t->learning_rate || b.train.momentum != t->momentum ||
		b.train.nesterov != t->nesterov || b.train.beta1 != t->beta1 || b.train.beta2 != t->beta2 ||
		b.train.adam_epsilon != t->adam_epsilon || b.train.weight_decay != t->weight_decay ||
		b.train.l1 != t->l1 || b.train.clip_norm != t->clip_norm || b.train.batch_size != t->batch_size ||
		b.train.epochs != t->epochs || b.train.patience != t->patience || b.train.seed != t->seed ||
		b.task != o->task || b.loss_given != o->loss_given ||
		b.has_input_shape != o->has_input_shape || b.validation_fraction != o->validation_fraction ||
		b.standardize != o->standardize || b.n_categorical != o->n_categorical || b.impute != o->impute ||
		!same_string(b.warm_start, o->warm_start) || !same_string(b.description, o->description) ||
		b.max_memory_kb != o->max_memory_kb || b.seed_given != o->seed_given)
		__builtin_trap();
	if (o->has_input_shape &&
		(b.input_shape.ndim != o->input_shape.ndim ||
		 memcmp(b.input_shape.dim, o->input_shape.dim, sizeof(int) * (size_t) o->input_shape.ndim) != 0))
		__builtin_trap();
	for (int i = 0; i < o->n_categorical; i++)
		if (strcmp(b.categorical[i], o->categorical[i]) != 0)
			__builtin_trap();
	dl_options_free(&b);
	free(json);
}

/* len bytes s are name in any ASCII case (names are read so: "Adam", "SGD") */
static bool
same_name_any_case(const char *s, size_t len, const char *name)
{
	if (len != strlen(name))
		return false;
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if ((c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c) != (unsigned char) name[i])
			return false;
	}
	return true;
}

/*
 * pca's options, against what the JSON parser alone makes of the text: the
 * verdict and the result must follow from the document.
 */
static void
fuzz_pca_options(const char *text)
{
	bool		correlation = true;
	bool		want = false;
	bool		valid = true;
	dl_json_doc *doc = NULL;
	dl_json_error err;
	dl_status	st;

	n_errors = 0;
	st = dl_pca_parse_options(text, &correlation);
	if (dl_json_parse_quiet(text, 1 << 20, 0, &doc, &err) != DL_OK)
		valid = false;
	else
	{
		const dl_json *root = dl_json_root(doc);

		valid = root->type == DL_JSON_OBJECT;
		for (int i = 0; valid && i < root->n; i++)
		{
			const dl_json_member *m = &root->members[i];
			const dl_json *v = &m->value;

			if (m->key_len != 6 || memcmp(m->key, "matrix", 6) != 0)
				valid = false;
			else if (v->type == DL_JSON_NULL)
				continue;
			else if (v->type == DL_JSON_STRING && same_name_any_case(v->str, v->len, "covariance"))
				want = false;
			else if (v->type == DL_JSON_STRING && same_name_any_case(v->str, v->len, "correlation"))
				want = true;
			else
				valid = false;
		}
	}
	if (doc)
		dl_json_free(doc);
	if (st == DL_OK)
	{
		if (!valid || n_errors != 0 || correlation != want)
			__builtin_trap();
	}
	else
	{
		check_failure(st);
		if (valid)
			__builtin_trap();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *text = malloc(size + 1);

	install_hooks();
	memcpy(text, data, size);
	text[size] = '\0';
	fuzz_layers(text);
	fuzz_options(text);
	fuzz_pca_options(text);
	free(text);
	return 0;
}
