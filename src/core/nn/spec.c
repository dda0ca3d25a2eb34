/*-------------------------------------------------------------------------
 *
 * spec.c
 *	  Reading the layers from JSON, writing them back as canonical JSON,
 *	  and completing the output layer from the task.  (The training
 *	  options are read by the option schemas of src/core/options.c.)
 *
 * Every mistake a user can make here is DL_EINVAL (22023) whose message
 * names the layer, the key, and what is accepted, because the message is
 * all a user sees of this code.  JSON null for a key means "the default",
 * as if the key were absent.  Malformed JSON text (the glue hands over
 * jsonb text, so only direct callers see it) is DL_ETEXT.
 *
 * dl_layers_to_json writes only the keys each type has, and floats as the
 * shortest decimal that reads back as the same float, so that
 * dl_parse_layers gives back identical specs: the registry's layers column
 * is that text.
 *
 * src/core/nn/spec.c
 *
 *-------------------------------------------------------------------------
 */
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dl_nn.h"
#include "json.h"

/* far more than any real layers text */
#define SPEC_MAX_JSON_BYTES (1 << 20)

#define MESSAGE_MAX 400

typedef struct name_value
{
	const char *name;
	int			value;
} name_value;

#define LENGTH(a) ((int) (sizeof(a) / sizeof((a)[0])))

static const name_value layer_types[] = {
	{"dense", DL_LAYER_DENSE},
	{"dropout", DL_LAYER_DROPOUT},
	{"flatten", DL_LAYER_FLATTEN},
	{"reshape", DL_LAYER_RESHAPE},
	{"batchnorm", DL_LAYER_BATCHNORM},
	{"layernorm", DL_LAYER_LAYERNORM},
	{"activation", DL_LAYER_ACTIVATION},
	{"conv2d", DL_LAYER_CONV2D},
	{"conv1d", DL_LAYER_CONV1D},
	{"maxpool2d", DL_LAYER_MAXPOOL2D},
	{"avgpool2d", DL_LAYER_AVGPOOL2D},
	{"maxpool1d", DL_LAYER_MAXPOOL1D},
	{"global_avgpool", DL_LAYER_GLOBAL_AVGPOOL},
	{"embedding", DL_LAYER_EMBEDDING},
	{"lstm", DL_LAYER_LSTM},
	{"gru", DL_LAYER_GRU},
	{"attention", DL_LAYER_ATTENTION},
	{"transformer_encoder", DL_LAYER_TRANSFORMER_ENCODER},
	{"positional_encoding", DL_LAYER_POSITIONAL_ENCODING}
};

static const name_value activations[] = {
	{"linear", DL_ACT_LINEAR},
	{"relu", DL_ACT_RELU},
	{"leaky_relu", DL_ACT_LEAKY_RELU},
	{"sigmoid", DL_ACT_SIGMOID},
	{"tanh", DL_ACT_TANH},
	{"gelu", DL_ACT_GELU},
	{"softmax", DL_ACT_SOFTMAX}
};

/* "a, b, c" from a table, for messages */
static const char *
list_names(const name_value *t, int n, char *buf, size_t size)
{
	size_t		len = 0;

	buf[0] = '\0';
	for (int i = 0; i < n && len < size; i++)
		len += snprintf(buf + len, size - len, "%s%s", i ? ", " : "", t[i].name);
	return buf;
}

/* the value of a string naming a table entry, or -1 */
static int
lookup(const name_value *t, int n, const dl_json *v)
{
	if (!dl_json_plain_string(v))
		return -1;
	for (int i = 0; i < n; i++)
		if (strcmp(t[i].name, v->str) == 0)
			return t[i].value;
	return -1;
}

static const char *
name_of(const name_value *t, int n, int value)
{
	for (int i = 0; i < n; i++)
		if (t[i].value == value)
			return t[i].name;
	return "?";
}

/*
 * Readers of one value.  subject names it for the message, e.g.
 * 'layer 2 (dense): "units"'; accepted says what is accepted, e.g.
 * "an integer from 1 to 65536".
 */
static dl_status
bad_value(const char *subject, const char *accepted, const dl_json *v)
{
	char		got[64];

	return dl_error(DL_EINVAL, "%s must be %s, got %s", subject, accepted,
					dl_json_describe(v, got, sizeof(got)));
}

static dl_status
want_integer(const dl_json *v, const char *subject, int64_t lo, int64_t hi, int64_t *out)
{
	char		accepted[96];

	if (!dl_json_integer(v, out) || *out < lo || *out > hi)
	{
		snprintf(accepted, sizeof(accepted), "an integer from %lld to %lld",
				 (long long) lo, (long long) hi);
		return bad_value(subject, accepted, v);
	}
	return DL_OK;
}

static dl_status
want_int(const dl_json *v, const char *subject, int lo, int hi, int *out)
{
	int64_t		x;
	dl_status	st = want_integer(v, subject, lo, hi, &x);

	if (st == DL_OK)
		*out = (int) x;
	return st;
}

/*
 * A number in a range.  The bounds are checked again on the float the
 * engine keeps, so that 1e-50 is not a "positive" epsilon that is 0.
 */
#define OPEN_LO 1
#define OPEN_HI 2

static bool
in_range(double x, double lo, double hi, int open)
{
	if ((open & OPEN_LO) ? !(x > lo) : !(x >= lo))
		return false;
	if ((open & OPEN_HI) ? !(x < hi) : !(x <= hi))
		return false;
	return true;
}

static dl_status
want_number(const dl_json *v, const char *subject, double lo, double hi, int open,
			const char *accepted, double *out)
{
	if (v->type != DL_JSON_NUMBER || !in_range(v->number, lo, hi, open))
		return bad_value(subject, accepted, v);
	*out = v->number;
	return DL_OK;
}

static dl_status
want_float(const dl_json *v, const char *subject, double lo, double hi, int open,
		   const char *accepted, float *out)
{
	double		x = 0;
	dl_status	st = want_number(v, subject, lo, hi, open, accepted, &x);

	if (st != DL_OK)
		return st;
	/* a value the option's range allows may still not fit the float32 it is kept in */
	if (!isfinite((float) x))
	{
		char		fits[160];

		snprintf(fits, sizeof(fits), "%s within float32's range (magnitude at most %g)",
				 accepted, (double) FLT_MAX);
		return bad_value(subject, fits, v);
	}
	if (!in_range((float) x, lo, hi, open))
		return bad_value(subject, accepted, v);
	*out = (float) x;
	return DL_OK;
}

static dl_status
want_bool(const dl_json *v, const char *subject, bool *out)
{
	if (v->type != DL_JSON_BOOL)
		return bad_value(subject, "true or false", v);
	*out = v->boolean;
	return DL_OK;
}

static dl_status
want_name(const dl_json *v, const char *subject, const name_value *t, int n, int *out)
{
	char		names[256];
	char		accepted[300];

	*out = lookup(t, n, v);
	if (*out < 0)
	{
		snprintf(accepted, sizeof(accepted), "one of %s", list_names(t, n, names, sizeof(names)));
		return bad_value(subject, accepted, v);
	}
	return DL_OK;
}

/* a shape: 1..DL_MAX_DIMS integers, each in 1..DL_MAX_UNITS or (allow_infer) one -1 */
static dl_status
want_shape(const dl_json *v, const char *subject, bool allow_infer, dl_shape *out)
{
	char		accepted[128];
	int			inferred = 0;
	size_t		size = 1;

	if (allow_infer)
		snprintf(accepted, sizeof(accepted),
				 "an array of 1 to %d integers from 1 to %d, one of which may be -1",
				 DL_MAX_DIMS, DL_MAX_UNITS);
	else
		snprintf(accepted, sizeof(accepted),
				 "an array of 1 to %d integers from 1 to %d, at most %d values in all",
				 DL_MAX_DIMS, DL_MAX_UNITS, DL_MAX_FEATURES);
	if (v->type != DL_JSON_ARRAY || v->n < 1 || v->n > DL_MAX_DIMS)
		return bad_value(subject, accepted, v);
	memset(out, 0, sizeof(*out));
	out->ndim = v->n;
	for (int i = 0; i < v->n; i++)
	{
		int64_t		d;

		if (!dl_json_integer(&v->elems[i], &d))
			return bad_value(subject, accepted, &v->elems[i]);
		if (d == -1 && allow_infer)
			inferred++;
		else if (d < 1 || d > DL_MAX_UNITS)
			return bad_value(subject, accepted, &v->elems[i]);
		if (inferred > 1)
			return dl_error(DL_EINVAL, "%s must be %s; it has more than one -1", subject, accepted);
		out->dim[i] = (int) d;
		if (d > 0)
			size *= (size_t) d;
	}
	if (!allow_infer && size > DL_MAX_FEATURES)
		return dl_error(DL_EINVAL, "%s must be %s", subject, accepted);
	return DL_OK;
}

/* ---- layers ---- */

enum
{
	K_UNITS,
	K_ACTIVATION,
	K_USE_BIAS,
	K_ALPHA,
	K_RATE,
	K_TARGET_SHAPE,
	K_EPSILON,
	K_MOMENTUM,
	K_FILTERS,
	K_KERNEL,
	K_STRIDE,
	K_PADDING,
	K_DILATION,
	K_POOL,
	K_INPUT_DIM,
	K_OUTPUT_DIM,
	K_RETURN_SEQUENCES,
	K_HEADS,
	K_KEY_DIM,
	K_CAUSAL,
	K_DROPOUT,
	K_FF_DIM,
	K_NORM_FIRST,
	K_ENCODING,
	K_BIDIRECTIONAL,
	K_COUNT
};

static const char *const layer_key_names[K_COUNT] = {
	"units", "activation", "use_bias", "alpha", "rate", "target_shape",
	"epsilon", "momentum", "filters", "kernel", "stride", "padding", "dilation",
	"pool", "input_dim", "output_dim", "return_sequences", "heads", "key_dim",
	"causal", "dropout", "ff_dim", "norm_first", "encoding", "bidirectional"
};

static const name_value encodings[] = {
	{"sinusoidal", 0},
	{"learned", 1}
};

static const name_value paddings[] = {
	{"valid", DL_PAD_VALID},
	{"same", DL_PAD_SAME}
};

/* true for the layers on (T, F) whose kernel, stride and pool are one number */
static bool
one_dimensional(dl_layer_type t)
{
	return t == DL_LAYER_CONV1D || t == DL_LAYER_MAXPOOL1D;
}

/*
 * A kernel, stride, dilation or pool: an integer in 1..DL_MAX_UNITS, or
 * for 2-D layers also an array of two ([height, width]); one integer n
 * means [n, n].  1-D layers keep [1] at 1.
 */
static dl_status
want_pair(const dl_json *v, const char *subject, bool one_d, int out[2])
{
	char		accepted[128];
	int64_t		a,
				b;

	if (one_d)
		snprintf(accepted, sizeof(accepted), "an integer from 1 to %d", DL_MAX_UNITS);
	else
		snprintf(accepted, sizeof(accepted),
				 "an integer from 1 to %d or an array of two such integers [height, width]",
				 DL_MAX_UNITS);
	if (!one_d && v->type == DL_JSON_ARRAY)
	{
		if (v->n != 2)
			return bad_value(subject, accepted, v);
		if (!dl_json_integer(&v->elems[0], &a) || a < 1 || a > DL_MAX_UNITS)
			return bad_value(subject, accepted, &v->elems[0]);
		if (!dl_json_integer(&v->elems[1], &b) || b < 1 || b > DL_MAX_UNITS)
			return bad_value(subject, accepted, &v->elems[1]);
	}
	else
	{
		if (!dl_json_integer(v, &a) || a < 1 || a > DL_MAX_UNITS)
			return bad_value(subject, accepted, v);
		b = one_d ? 1 : a;
	}
	out[0] = (int) a;
	out[1] = (int) b;
	return DL_OK;
}

#define KEY(k) (1u << (k))

/* the keys of each type, besides "type" */
static unsigned
layer_keys(dl_layer_type t)
{
	switch (t)
	{
		case DL_LAYER_DENSE:
			return KEY(K_UNITS) | KEY(K_ACTIVATION) | KEY(K_USE_BIAS) | KEY(K_ALPHA);
		case DL_LAYER_DROPOUT:
			return KEY(K_RATE);
		case DL_LAYER_FLATTEN:
			return 0;
		case DL_LAYER_RESHAPE:
			return KEY(K_TARGET_SHAPE);
		case DL_LAYER_BATCHNORM:
			return KEY(K_EPSILON) | KEY(K_MOMENTUM);
		case DL_LAYER_LAYERNORM:
			return KEY(K_EPSILON);
		case DL_LAYER_ACTIVATION:
			return KEY(K_ACTIVATION) | KEY(K_ALPHA);
		case DL_LAYER_CONV2D:
		case DL_LAYER_CONV1D:
			return KEY(K_FILTERS) | KEY(K_KERNEL) | KEY(K_STRIDE) | KEY(K_PADDING) |
				KEY(K_DILATION) | KEY(K_ACTIVATION) | KEY(K_USE_BIAS) | KEY(K_ALPHA);
		case DL_LAYER_MAXPOOL2D:
		case DL_LAYER_AVGPOOL2D:
		case DL_LAYER_MAXPOOL1D:
			return KEY(K_POOL) | KEY(K_STRIDE);
		case DL_LAYER_GLOBAL_AVGPOOL:
			return 0;
		case DL_LAYER_EMBEDDING:
			return KEY(K_INPUT_DIM) | KEY(K_OUTPUT_DIM);
		case DL_LAYER_LSTM:
		case DL_LAYER_GRU:
			return KEY(K_UNITS) | KEY(K_RETURN_SEQUENCES) | KEY(K_BIDIRECTIONAL);
		case DL_LAYER_ATTENTION:
			return KEY(K_HEADS) | KEY(K_KEY_DIM) | KEY(K_CAUSAL) | KEY(K_DROPOUT) | KEY(K_USE_BIAS);
		case DL_LAYER_TRANSFORMER_ENCODER:
			return KEY(K_HEADS) | KEY(K_KEY_DIM) | KEY(K_CAUSAL) | KEY(K_DROPOUT) |
				KEY(K_FF_DIM) | KEY(K_ACTIVATION) | KEY(K_ALPHA) | KEY(K_NORM_FIRST) | KEY(K_EPSILON);
		case DL_LAYER_POSITIONAL_ENCODING:
			return KEY(K_ENCODING);
	}
	return 0;
}

static dl_status
unknown_layer_key(int pos, dl_layer_type t, const dl_json_member *m)
{
	unsigned	keys = layer_keys(t);
	char		shown[72];
	char		list[256];
	size_t		len = 0;

	list[0] = '\0';
	for (int k = 0; k < K_COUNT; k++)
		if (keys & KEY(k))
			len += snprintf(list + len, sizeof(list) - len, "%s%s", len ? ", " : "",
							layer_key_names[k]);
	dl_json_printable(m->key, m->key_len, shown, sizeof(shown));
	if (keys == 0)
		return dl_error(DL_EINVAL, "layer %d (%s): unknown key \"%s\"; a %s layer takes no keys besides \"type\"",
						pos, dl_layer_type_name(t), shown, dl_layer_type_name(t));
	return dl_error(DL_EINVAL, "layer %d (%s): unknown key \"%s\"; accepted keys: %s",
					pos, dl_layer_type_name(t), shown, list);
}

/* the type of layer pos, or an error naming what is accepted */
static dl_status
layer_type(const dl_json *v, int pos, dl_layer_type *t)
{
	char		names[320];
	char		shown[72];
	const dl_json *type;
	int			found;

	list_names(layer_types, LENGTH(layer_types), names, sizeof(names));
	if (v->type != DL_JSON_OBJECT)
	{
		char		got[64];

		return dl_error(DL_EINVAL, "layer %d must be an object with a \"type\", got %s",
						pos, dl_json_describe(v, got, sizeof(got)));
	}
	type = dl_json_get(v, "type");
	if (type == NULL || type->type == DL_JSON_NULL)
		return dl_error(DL_EINVAL, "layer %d has no \"type\"; accepted types: %s", pos, names);
	if (type->type != DL_JSON_STRING)
	{
		char		got[64];

		return dl_error(DL_EINVAL, "layer %d: \"type\" must be a string, one of %s; got %s",
						pos, names, dl_json_describe(type, got, sizeof(got)));
	}
	found = lookup(layer_types, LENGTH(layer_types), type);
	if (found > 0)
	{
		*t = (dl_layer_type) found;
		return DL_OK;
	}
	dl_json_printable(type->str, type->len, shown, sizeof(shown));
	return dl_error(DL_EINVAL, "layer %d: unknown type \"%s\"; accepted types: %s",
					pos, shown, names);
}

static dl_status
parse_layer(const dl_json *v, int pos, bool last, dl_layer_spec *s)
{
	dl_layer_type t = DL_LAYER_DENSE;
	unsigned	given = 0;
	char		subject[96];
	char		names[320];
	dl_status	st;

	if ((st = layer_type(v, pos, &t)) != DL_OK)
		return st;
	dl_layer_spec_defaults(s, t);

	for (int i = 0; i < v->n; i++)
	{
		const dl_json_member *m = &v->members[i];
		const dl_json *val = &m->value;
		int			k;
		int			act;

		if (strcmp(m->key, "type") == 0 && m->key_len == 4)
			continue;
		for (k = 0; k < K_COUNT; k++)
			if (strcmp(layer_key_names[k], m->key) == 0 &&
				strlen(layer_key_names[k]) == m->key_len)
				break;
		if (k == K_COUNT || !(layer_keys(t) & KEY(k)))
			return unknown_layer_key(pos, t, m);
		if (val->type == DL_JSON_NULL)
			continue;
		given |= KEY(k);
		snprintf(subject, sizeof(subject), "layer %d (%s): \"%s\"", pos,
				 dl_layer_type_name(t), layer_key_names[k]);
		switch (k)
		{
			case K_UNITS:
				st = want_int(val, subject, 1, DL_MAX_UNITS, &s->units);
				break;
			case K_ACTIVATION:
				st = want_name(val, subject, activations, LENGTH(activations), &act);
				if (st == DL_OK)
				{
					s->activation = (dl_activation) act;
					s->activation_given = t == DL_LAYER_DENSE;
				}
				break;
			case K_USE_BIAS:
				st = want_bool(val, subject, &s->use_bias);
				break;
			case K_RETURN_SEQUENCES:
				st = want_bool(val, subject, &s->return_sequences);
				break;
			case K_ALPHA:
				st = want_float(val, subject, 0, HUGE_VAL, OPEN_LO,
								"a positive number (the slope of leaky_relu below 0)", &s->alpha);
				break;
			case K_RATE:
				st = want_float(val, subject, 0, 1, OPEN_HI,
								"a number from 0 to below 1", &s->rate);
				break;
			case K_TARGET_SHAPE:
				st = want_shape(val, subject, true, &s->target);
				break;
			case K_EPSILON:
				st = want_float(val, subject, 0, HUGE_VAL, OPEN_LO,
								"a positive number", &s->epsilon);
				break;
			case K_MOMENTUM:
				st = want_float(val, subject, 0, 1, OPEN_LO,
								"a number above 0 and at most 1", &s->momentum);
				break;
			case K_FILTERS:
				st = want_int(val, subject, 1, DL_MAX_UNITS, &s->filters);
				break;
			case K_KERNEL:
				st = want_pair(val, subject, one_dimensional(t), s->kernel);
				break;
			case K_STRIDE:
				st = want_pair(val, subject, one_dimensional(t), s->stride);
				break;
			case K_DILATION:
				st = want_pair(val, subject, one_dimensional(t), s->dilation);
				break;
			case K_POOL:
				st = want_pair(val, subject, one_dimensional(t), s->pool);
				break;
			case K_INPUT_DIM:
				st = want_int(val, subject, 1, DL_MAX_UNITS, &s->input_dim);
				break;
			case K_OUTPUT_DIM:
				st = want_int(val, subject, 1, DL_MAX_UNITS, &s->output_dim);
				break;
			case K_HEADS:
				st = want_int(val, subject, 1, DL_MAX_UNITS, &s->heads);
				break;
			case K_KEY_DIM:
				st = want_int(val, subject, 1, DL_MAX_UNITS, &s->key_dim);
				break;
			case K_FF_DIM:
				st = want_int(val, subject, 1, DL_MAX_UNITS, &s->ff_dim);
				break;
			case K_CAUSAL:
				st = want_bool(val, subject, &s->causal);
				break;
			case K_NORM_FIRST:
				st = want_bool(val, subject, &s->norm_first);
				break;
			case K_BIDIRECTIONAL:
				st = want_bool(val, subject, &s->bidirectional);
				break;
			case K_DROPOUT:
				st = want_float(val, subject, 0, 1, OPEN_HI,
								"a number from 0 to below 1", &s->rate);
				break;
			case K_ENCODING:
				{
					int			enc;

					st = want_name(val, subject, encodings, LENGTH(encodings), &enc);
					if (st == DL_OK)
						s->learned = enc == 1;
					break;
				}
			case K_PADDING:
				{
					int			pad;

					st = want_name(val, subject, paddings, LENGTH(paddings), &pad);
					if (st == DL_OK)
						s->padding = (dl_padding) pad;
					break;
				}
		}
		if (st != DL_OK)
			return st;
	}

	list_names(activations, LENGTH(activations), names, sizeof(names));
	if (t == DL_LAYER_DENSE && !(given & KEY(K_UNITS)) && !last)
		return dl_error(DL_EINVAL, "layer %d (dense): \"units\" is required (only the last layer may leave it out, to take the output size from the task)",
						pos);
	if ((t == DL_LAYER_LSTM || t == DL_LAYER_GRU) && !(given & KEY(K_UNITS)))
		return dl_error(DL_EINVAL, "layer %d (%s): \"units\" is required (the size of the state)",
						pos, dl_layer_type_name(t));
	if (t == DL_LAYER_ACTIVATION && !(given & KEY(K_ACTIVATION)))
		return dl_error(DL_EINVAL, "layer %d (activation): \"activation\" is required; accepted values: %s",
						pos, names);
	if ((t == DL_LAYER_CONV2D || t == DL_LAYER_CONV1D) && !(given & KEY(K_FILTERS)))
		return dl_error(DL_EINVAL, "layer %d (%s): \"filters\" is required (the number of output channels)",
						pos, dl_layer_type_name(t));
	if ((t == DL_LAYER_CONV2D || t == DL_LAYER_CONV1D) && !(given & KEY(K_KERNEL)))
		return dl_error(DL_EINVAL, "layer %d (%s): \"kernel\" is required, e.g. %s",
						pos, dl_layer_type_name(t), t == DL_LAYER_CONV2D ? "3 or [3, 3]" : "3");
	if (t == DL_LAYER_EMBEDDING && (given & (KEY(K_INPUT_DIM) | KEY(K_OUTPUT_DIM))) !=
		(KEY(K_INPUT_DIM) | KEY(K_OUTPUT_DIM)))
		return dl_error(DL_EINVAL, "layer %d (embedding): \"input_dim\" (the vocabulary size) and \"output_dim\" (the vector size) are required",
						pos);
	/* a pool strides by its size unless told otherwise */
	if ((t == DL_LAYER_MAXPOOL2D || t == DL_LAYER_AVGPOOL2D || t == DL_LAYER_MAXPOOL1D) &&
		!(given & KEY(K_STRIDE)))
	{
		s->stride[0] = s->pool[0];
		s->stride[1] = s->pool[1];
	}
	if (t == DL_LAYER_RESHAPE && !(given & KEY(K_TARGET_SHAPE)))
		return dl_error(DL_EINVAL, "layer %d (reshape): \"target_shape\" is required, e.g. [28, 28] (one dimension may be -1)",
						pos);
	/* alpha anywhere else would be silently ignored, and lost by the round trip */
	if ((given & KEY(K_ALPHA)) &&
		!((given & KEY(K_ACTIVATION)) && s->activation == DL_ACT_LEAKY_RELU))
		return dl_error(DL_EINVAL, "layer %d (%s): \"alpha\" is the slope of leaky_relu and needs \"activation\": \"leaky_relu\"",
						pos, dl_layer_type_name(t));
	return DL_OK;
}

dl_status
dl_parse_layers(const char *json, dl_layer_spec **specs, int *n)
{
	dl_json_doc *doc;
	const dl_json *root;
	dl_layer_spec *out;
	dl_status	st;

	*specs = NULL;
	*n = 0;
	if ((st = dl_json_parse(json, SPEC_MAX_JSON_BYTES, "layers", &doc)) != DL_OK)
		return st;
	root = dl_json_root(doc);
	if (root->type != DL_JSON_ARRAY || root->n < 1 || root->n > DL_MAX_LAYERS)
	{
		char		got[64];

		if (root->type == DL_JSON_ARRAY)
			snprintf(got, sizeof(got), "%d layers", root->n);
		else
			dl_json_describe(root, got, sizeof(got));
		dl_json_free(doc);
		return dl_error(DL_EINVAL, "layers must be a JSON array of 1 to %d layer objects, got %s",
						DL_MAX_LAYERS, got);
	}
	out = dl_alloc(sizeof(dl_layer_spec) * (size_t) root->n);
	for (int i = 0; i < root->n; i++)
	{
		if ((st = parse_layer(&root->elems[i], i + 1, i == root->n - 1, &out[i])) != DL_OK)
		{
			dl_free(out);
			dl_json_free(doc);
			return st;
		}
	}
	*specs = out;
	*n = root->n;
	dl_json_free(doc);
	return DL_OK;
}

static void
put_key(dl_json_buf *b, const char *key)
{
	dl_json_buf_puts(b, ",\"");
	dl_json_buf_puts(b, key);
	dl_json_buf_puts(b, "\":");
}

/* a kernel, stride, dilation or pool: one integer for 1-D layers and squares, else [h, w] */
static void
put_pair(dl_json_buf *b, const char *key, const int v[2], bool one_d)
{
	put_key(b, key);
	if (one_d || v[0] == v[1])
		dl_json_buf_int(b, v[0]);
	else
	{
		dl_json_buf_puts(b, "[");
		dl_json_buf_int(b, v[0]);
		dl_json_buf_puts(b, ",");
		dl_json_buf_int(b, v[1]);
		dl_json_buf_puts(b, "]");
	}
}

static void
put_activation(dl_json_buf *b, const dl_layer_spec *s)
{
	put_key(b, "activation");
	dl_json_buf_string(b, dl_activation_name(s->activation),
					   strlen(dl_activation_name(s->activation)));
	if (s->activation == DL_ACT_LEAKY_RELU)
	{
		put_key(b, "alpha");
		dl_json_buf_float(b, s->alpha);
	}
}

/*
 * [{"type":"dense","units":10,"activation":"softmax","use_bias":true}, ...]:
 * each type's keys in a fixed order; units 0 and an activation not given
 * are left out, as dl_parse_layers reads them.
 */
char *
dl_layers_to_json(const dl_layer_spec *specs, int n)
{
	dl_json_buf b;

	dl_json_buf_init(&b);
	dl_json_buf_puts(&b, "[");
	for (int i = 0; i < n; i++)
	{
		const dl_layer_spec *s = &specs[i];

		dl_json_buf_puts(&b, i ? ",{\"type\":" : "{\"type\":");
		dl_json_buf_string(&b, dl_layer_type_name(s->type), strlen(dl_layer_type_name(s->type)));
		switch (s->type)
		{
			case DL_LAYER_DENSE:
				if (s->units > 0)
				{
					put_key(&b, "units");
					dl_json_buf_int(&b, s->units);
				}
				if (s->activation_given)
					put_activation(&b, s);
				put_key(&b, "use_bias");
				dl_json_buf_puts(&b, s->use_bias ? "true" : "false");
				break;
			case DL_LAYER_DROPOUT:
				put_key(&b, "rate");
				dl_json_buf_float(&b, s->rate);
				break;
			case DL_LAYER_FLATTEN:
				break;
			case DL_LAYER_RESHAPE:
				put_key(&b, "target_shape");
				dl_json_buf_puts(&b, "[");
				for (int d = 0; d < s->target.ndim && d < DL_MAX_DIMS; d++)
				{
					if (d > 0)
						dl_json_buf_puts(&b, ",");
					dl_json_buf_int(&b, s->target.dim[d]);
				}
				dl_json_buf_puts(&b, "]");
				break;
			case DL_LAYER_BATCHNORM:
				put_key(&b, "epsilon");
				dl_json_buf_float(&b, s->epsilon);
				put_key(&b, "momentum");
				dl_json_buf_float(&b, s->momentum);
				break;
			case DL_LAYER_LAYERNORM:
				put_key(&b, "epsilon");
				dl_json_buf_float(&b, s->epsilon);
				break;
			case DL_LAYER_ACTIVATION:
				put_activation(&b, s);
				break;
			case DL_LAYER_CONV2D:
			case DL_LAYER_CONV1D:
				{
					bool		one_d = one_dimensional(s->type);
					const char *pad = name_of(paddings, LENGTH(paddings), (int) s->padding);

					put_key(&b, "filters");
					dl_json_buf_int(&b, s->filters);
					put_pair(&b, "kernel", s->kernel, one_d);
					put_pair(&b, "stride", s->stride, one_d);
					put_key(&b, "padding");
					dl_json_buf_string(&b, pad, strlen(pad));
					put_pair(&b, "dilation", s->dilation, one_d);
					put_activation(&b, s);
					put_key(&b, "use_bias");
					dl_json_buf_puts(&b, s->use_bias ? "true" : "false");
					break;
				}
			case DL_LAYER_MAXPOOL2D:
			case DL_LAYER_AVGPOOL2D:
			case DL_LAYER_MAXPOOL1D:
				put_pair(&b, "pool", s->pool, one_dimensional(s->type));
				put_pair(&b, "stride", s->stride, one_dimensional(s->type));
				break;
			case DL_LAYER_GLOBAL_AVGPOOL:
				break;
			case DL_LAYER_EMBEDDING:
				put_key(&b, "input_dim");
				dl_json_buf_int(&b, s->input_dim);
				put_key(&b, "output_dim");
				dl_json_buf_int(&b, s->output_dim);
				break;
			case DL_LAYER_LSTM:
			case DL_LAYER_GRU:
				put_key(&b, "units");
				dl_json_buf_int(&b, s->units);
				put_key(&b, "return_sequences");
				dl_json_buf_puts(&b, s->return_sequences ? "true" : "false");
				/* only when set: the layers of unidirectional models read as before */
				if (s->bidirectional)
				{
					put_key(&b, "bidirectional");
					dl_json_buf_puts(&b, "true");
				}
				break;
			case DL_LAYER_ATTENTION:
			case DL_LAYER_TRANSFORMER_ENCODER:
				put_key(&b, "heads");
				dl_json_buf_int(&b, s->heads);
				/* 0: D / heads, from the input; a planned network's specs hold the size */
				if (s->key_dim > 0)
				{
					put_key(&b, "key_dim");
					dl_json_buf_int(&b, s->key_dim);
				}
				put_key(&b, "causal");
				dl_json_buf_puts(&b, s->causal ? "true" : "false");
				put_key(&b, "dropout");
				dl_json_buf_float(&b, s->rate);
				if (s->type == DL_LAYER_ATTENTION)
				{
					put_key(&b, "use_bias");
					dl_json_buf_puts(&b, s->use_bias ? "true" : "false");
					break;
				}
				if (s->ff_dim > 0)
				{
					put_key(&b, "ff_dim");
					dl_json_buf_int(&b, s->ff_dim);
				}
				put_activation(&b, s);
				put_key(&b, "norm_first");
				dl_json_buf_puts(&b, s->norm_first ? "true" : "false");
				put_key(&b, "epsilon");
				dl_json_buf_float(&b, s->epsilon);
				break;
			case DL_LAYER_POSITIONAL_ENCODING:
				put_key(&b, "encoding");
				dl_json_buf_string(&b, s->learned ? "learned" : "sinusoidal",
								   strlen(s->learned ? "learned" : "sinusoidal"));
				break;
		}
		dl_json_buf_puts(&b, "}");
	}
	dl_json_buf_puts(&b, "]");
	return b.data;
}

/* ---- completing the output layer ---- */

static bool
loss_known(int l)
{
	return l >= DL_LOSS_MSE && l <= DL_LOSS_CE;
}

static bool
classification_loss(dl_loss l)
{
	return l == DL_LOSS_CE || l == DL_LOSS_BCE;
}

dl_status
dl_complete_output(dl_layer_spec **specs, int *n, dl_task task, int n_outputs, dl_loss loss)
{
	const dl_layer_spec *in = *specs;
	int			count = *n;
	bool		append;
	int			total;
	dl_layer_spec *out;
	const dl_layer_spec *given;
	dl_layer_spec *last;
	const char *lname = dl_loss_name(loss);
	const char *why;
	dl_activation want;

	if (task != DL_TASK_REGRESSION && task != DL_TASK_CLASSIFICATION)
		return dl_error(DL_EINVAL, "unknown task %d", (int) task);
	if (!loss_known((int) loss))
		return dl_error(DL_EINVAL, "unknown loss %d", (int) loss);
	if (count < 1 || count > DL_MAX_LAYERS || in == NULL)
		return dl_error(DL_EINVAL, "a network needs 1 to %d layers, got %d", DL_MAX_LAYERS, count);
	if (task == DL_TASK_REGRESSION && classification_loss(loss))
		return dl_error(DL_EINVAL, "loss %s is for classification, but the task is regression; use mse, mae or huber",
						lname);
	if (task == DL_TASK_CLASSIFICATION && !classification_loss(loss))
		return dl_error(DL_EINVAL, "loss %s is for regression, but the task is classification; use cross_entropy or binary_cross_entropy",
						lname);
	if (loss == DL_LOSS_BCE && n_outputs != 1)
		return dl_error(DL_EINVAL, "binary_cross_entropy has one output (the probability of the second label), not %d; use cross_entropy for more than two classes",
						n_outputs);
	if (loss == DL_LOSS_CE && (n_outputs < 2 || n_outputs > DL_MAX_LABELS))
		return dl_error(DL_EINVAL, "cross_entropy needs 2 to %d outputs (one per class), not %d",
						DL_MAX_LABELS, n_outputs);
	if (n_outputs < 1 || n_outputs > DL_MAX_UNITS)
		return dl_error(DL_EINVAL, "the output size must be from 1 to %d, not %d",
						DL_MAX_UNITS, n_outputs);
	for (int i = 0; i < count - 1; i++)
		if (in[i].type == DL_LAYER_DENSE && in[i].units == 0)
			return dl_error(DL_EINVAL, "layer %d (dense): \"units\" is required (only the last layer may leave it out, to take the output size from the task)",
							i + 1);

	switch (loss)
	{
		case DL_LOSS_CE:
			want = DL_ACT_SOFTMAX;
			why = "one per class";
			break;
		case DL_LOSS_BCE:
			want = DL_ACT_SIGMOID;
			why = "one sigmoid output for two classes";
			break;
		default:
			want = DL_ACT_LINEAR;
			why = "one per target";
			break;
	}

	/*
	 * The last layer is the output when it is dense and nothing in it
	 * contradicts the task: its units are left out or equal the output
	 * size, and its activation is left out or fits the loss.  A last dense
	 * layer that contradicts the task is a hidden layer (e.g. "units":64,
	 * "activation":"relu"), and the output layer is added after it.  Left
	 * out units make a layer the output, so there a contradiction is an
	 * error.
	 */
	given = &in[count - 1];
	append = given->type != DL_LAYER_DENSE;
	if (!append)
	{
		bool		bad_activation = given->activation_given &&
			(classification_loss(loss) ? given->activation != want : given->activation == DL_ACT_SOFTMAX);

		if (given->units != 0 && (given->units != n_outputs || bad_activation))
			append = true;
		else if (bad_activation && classification_loss(loss))
			return dl_error(DL_EINVAL, "layer %d (dense) is the output layer of a %s model (%s) and must use %s, not %s; leave \"activation\" out of the last layer to get %s",
							count, lname, why, dl_activation_name(want),
							dl_activation_name(given->activation), dl_activation_name(want));
		else if (bad_activation)
			return dl_error(DL_EINVAL, "layer %d (dense) is the output layer of a regression model (loss %s); softmax would force the outputs to sum to 1; use linear, or leave \"activation\" out",
							count, lname);
	}
	total = count + (append ? 1 : 0);
	if (total > DL_MAX_LAYERS)
		return dl_error(DL_EINVAL, "the layers end with a %s layer, so a dense output layer is added, which makes %d layers; at most %d are allowed",
						dl_layer_type_name(given->type), total, DL_MAX_LAYERS);

	out = dl_alloc(sizeof(dl_layer_spec) * (size_t) total);
	memcpy(out, in, sizeof(dl_layer_spec) * (size_t) count);
	if (append)
		dl_layer_spec_defaults(&out[count], DL_LAYER_DENSE);
	last = &out[total - 1];
	last->units = n_outputs;
	if (!last->activation_given)
	{
		last->activation = want;
		last->activation_given = true;
	}
	dl_free(*specs);
	*specs = out;
	*n = total;
	return DL_OK;
}
