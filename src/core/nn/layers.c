/*-------------------------------------------------------------------------
 *
 * layers.c
 *	  The layer table, and the loops over it that read the layers from
 *	  JSON and write them back as canonical JSON.
 *
 * The table has one row per layer type, the operations record its family
 * file defines (layers.h).  Everything below runs any type through its
 * record: there is no switch on the type here or in the planner, the
 * passes and the weights format.
 *
 * Every mistake a user can make in the layers is DL_EINVAL (22023) whose
 * message names the layer, the key, and what is accepted, because the
 * message is all a user sees of this code.  JSON null for a key means "the
 * default", as if the key were absent.  Malformed JSON text (the glue hands
 * over jsonb text, so only direct callers see it) is DL_ETEXT.
 *
 * dl_layers_to_json writes only the keys each type has, and floats as the
 * shortest decimal that reads back as the same float, so that
 * dl_parse_layers gives back identical specs: the registry's layers column
 * is that text.
 *
 * src/core/nn/layers.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "layers.h"
#include "names.h"

/* far more than any real layers text */
#define SPEC_MAX_JSON_BYTES (1 << 20)

/* the table: one row per dl_layer_type, in its order */
static const dl_layer_ops *const layer_table[DL_LAYER_LAST + 1] = {
	[DL_LAYER_DENSE] = &dl_dense_ops,
	[DL_LAYER_DROPOUT] = &dl_dropout_ops,
	[DL_LAYER_FLATTEN] = &dl_flatten_ops,
	[DL_LAYER_RESHAPE] = &dl_reshape_ops,
	[DL_LAYER_BATCHNORM] = &dl_batchnorm_ops,
	[DL_LAYER_LAYERNORM] = &dl_layernorm_ops,
	[DL_LAYER_ACTIVATION] = &dl_activation_ops,
	[DL_LAYER_CONV2D] = &dl_conv2d_ops,
	[DL_LAYER_CONV1D] = &dl_conv1d_ops,
	[DL_LAYER_MAXPOOL2D] = &dl_maxpool2d_ops,
	[DL_LAYER_AVGPOOL2D] = &dl_avgpool2d_ops,
	[DL_LAYER_MAXPOOL1D] = &dl_maxpool1d_ops,
	[DL_LAYER_GLOBAL_AVGPOOL] = &dl_global_avgpool_ops,
	[DL_LAYER_EMBEDDING] = &dl_embedding_ops,
	[DL_LAYER_LSTM] = &dl_lstm_ops,
	[DL_LAYER_GRU] = &dl_gru_ops,
	[DL_LAYER_ATTENTION] = &dl_attention_ops,
	[DL_LAYER_TRANSFORMER_ENCODER] = &dl_transformer_encoder_ops,
	[DL_LAYER_POSITIONAL_ENCODING] = &dl_positional_encoding_ops
};

const dl_layer_ops *
dl_layer_ops_of(int t)
{
	return t >= 1 && t <= DL_LAYER_LAST ? layer_table[t] : NULL;
}

const char *
dl_layer_type_name(dl_layer_type t)
{
	const dl_layer_ops *ops = dl_layer_ops_of((int) t);

	return ops ? ops->name : "?";
}

void
dl_layer_spec_defaults(dl_layer_spec *s, dl_layer_type t)
{
	const dl_layer_ops *ops = dl_layer_ops_of((int) t);

	memset(s, 0, sizeof(*s));
	s->type = t;
	if (ops && ops->defaults)
		ops->defaults(s);
}

/* the same dimensions (past ndim they are not meaningful) */
static bool
same_shape(const dl_shape *a, const dl_shape *b)
{
	return a->ndim == b->ndim && memcmp(a->dim, b->dim, sizeof(int) * a->ndim) == 0;
}

bool
dl_layer_same_layout(const dl_layer *a, const dl_layer *b)
{
	const dl_layer_ops *ops = dl_layer_ops_of((int) a->spec.type);

	return a->spec.type == b->spec.type && a->n_params == b->n_params &&
		a->n_trainable == b->n_trainable &&
		same_shape(&a->in_shape, &b->in_shape) && same_shape(&a->out_shape, &b->out_shape) &&
		(ops == NULL || ops->same_layout == NULL || ops->same_layout(&a->spec, &b->spec));
}

/* ---- reading the layers ---- */

/* "dense, dropout, ...": every type, in the table's order */
static const char *
type_names(char *buf, size_t size)
{
	size_t		len = 0;

	buf[0] = '\0';
	for (int t = 1; t <= DL_LAYER_LAST && len < size; t++)
		len += snprintf(buf + len, size - len, "%s%s", t > 1 ? ", " : "", layer_table[t]->name);
	return buf;
}

static dl_status
unknown_layer_key(int pos, const dl_layer_ops *ops, const dl_json_member *m)
{
	char		shown[72];
	char		list[256];
	char		hint[128];
	size_t		len = 0;
	dl_suggest	sg;

	list[0] = '\0';
	dl_suggest_init(&sg, m->key, m->key_len);
	dl_suggest_offer(&sg, "type");
	for (int k = 0; k < ops->n_keys && len < sizeof(list); k++)
	{
		len += snprintf(list + len, sizeof(list) - len, "%s%s", k ? ", " : "", ops->keys[k]);
		dl_suggest_offer(&sg, ops->keys[k]);
	}
	for (int a = 0; a < dl_n_layer_key_aliases; a++)
		for (int k = 0; k < ops->n_keys; k++)
			if (strcmp(dl_layer_key_aliases[a].canonical, ops->keys[k]) == 0)
				dl_suggest_offer_as(&sg, dl_layer_key_aliases[a].alias, ops->keys[k]);
	dl_json_printable(m->key, m->key_len, shown, sizeof(shown));
	if (ops->n_keys == 0)
		return dl_error_hint(DL_EINVAL, dl_suggest_hint(&sg, hint, sizeof(hint)),
							 "layer %d (%s): unknown key \"%s\"; a %s layer takes no keys besides \"type\"",
							 pos, ops->name, shown, ops->name);
	return dl_error_hint(DL_EINVAL, dl_suggest_hint(&sg, hint, sizeof(hint)),
						 "layer %d (%s): unknown key \"%s\"; accepted keys: %s",
						 pos, ops->name, shown, list);
}

/*
 * The index in ops->keys of a key or of its alias (kernel_size for
 * kernel), or -1.
 */
static int
layer_key(const dl_layer_ops *ops, const dl_json_member *m)
{
	const char *canonical = NULL;

	for (int k = 0; k < ops->n_keys; k++)
		if (strcmp(ops->keys[k], m->key) == 0 && strlen(ops->keys[k]) == m->key_len)
			return k;
	for (int a = 0; a < dl_n_layer_key_aliases && canonical == NULL; a++)
		if (strlen(dl_layer_key_aliases[a].alias) == m->key_len &&
			strcmp(dl_layer_key_aliases[a].alias, m->key) == 0)
			canonical = dl_layer_key_aliases[a].canonical;
	for (int k = 0; canonical && k < ops->n_keys; k++)
		if (strcmp(ops->keys[k], canonical) == 0)
			return k;
	return -1;
}

/* the type a name or an alias names (case and '_' ignored), or 0 */
static int
find_layer_type(const char *name, size_t len)
{
	const char *canonical = dl_alias_lookup(dl_layer_type_aliases, dl_n_layer_type_aliases,
											name, len, true);

	for (int k = 1; k <= DL_LAYER_LAST; k++)
		if (canonical ? strcmp(layer_table[k]->name, canonical) == 0 :
			dl_name_equal(name, len, layer_table[k]->name, true))
			return k;
	return 0;
}

/* the dimensions a type name ends with ("Conv3D": '3'), or 0 */
static char
name_dimensions(const char *s, size_t len)
{
	if (len >= 2 && (s[len - 1] == 'd' || s[len - 1] == 'D') && s[len - 2] >= '1' && s[len - 2] <= '9')
		return s[len - 2];
	return 0;
}

/* the type of layer pos, or an error naming what is accepted */
static dl_status
layer_type(const dl_json *v, int pos, dl_layer_type *t)
{
	char		names[320];
	char		shown[72];
	char		hint[128];
	const dl_json *type;
	dl_suggest	sg;
	int			k;

	type_names(names, sizeof(names));
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
	if (dl_json_plain_string(type) && (k = find_layer_type(type->str, type->len)) > 0)
	{
		*t = (dl_layer_type) k;
		return DL_OK;
	}
	dl_suggest_init(&sg, type->str, type->len);
	for (k = 1; k <= DL_LAYER_LAST; k++)
		dl_suggest_offer(&sg, layer_table[k]->name);
	for (int a = 0; a < dl_n_layer_type_aliases; a++)
		dl_suggest_offer_as(&sg, dl_layer_type_aliases[a].alias, dl_layer_type_aliases[a].canonical);
	/* Conv3D or AveragePooling1D is no misspelt conv2d or avgpool2d: pgdl has none */
	if (sg.best && name_dimensions(type->str, type->len) &&
		name_dimensions(sg.best, strlen(sg.best)) != name_dimensions(type->str, type->len))
		sg.best = NULL;
	dl_json_printable(type->str, type->len, shown, sizeof(shown));
	return dl_error_hint(DL_EINVAL, dl_suggest_hint(&sg, hint, sizeof(hint)),
						 "layer %d: unknown type \"%s\"; accepted types: %s",
						 pos, shown, names);
}

static dl_status
parse_layer(const dl_json *v, int pos, bool last, dl_layer_spec *s)
{
	dl_layer_type t = DL_LAYER_DENSE;
	const dl_layer_ops *ops;
	unsigned	given = 0;
	unsigned	seen = 0;
	char		subject[96];
	dl_status	st;

	if ((st = layer_type(v, pos, &t)) != DL_OK)
		return st;
	ops = dl_layer_ops_of((int) t);
	dl_layer_spec_defaults(s, t);

	for (int i = 0; i < v->n; i++)
	{
		const dl_json_member *m = &v->members[i];
		const dl_json *val = &m->value;
		int			k;

		if (strcmp(m->key, "type") == 0 && m->key_len == 4)
			continue;
		if ((k = layer_key(ops, m)) < 0)
			return unknown_layer_key(pos, ops, m);
		/* jsonb keys are unique: only a key and its alias meet here */
		if (seen & (1u << k))
			return dl_error(DL_EINVAL, "layer %d (%s): \"%s\" is given twice, by it and by its other name; give it once",
							pos, ops->name, ops->keys[k]);
		seen |= 1u << k;
		if (val->type == DL_JSON_NULL)
			continue;
		given |= 1u << k;
		snprintf(subject, sizeof(subject), "layer %d (%s): \"%s\"", pos, ops->name, ops->keys[k]);
		if ((st = ops->parse_key(s, k, val, subject)) != DL_OK)
			return st;
	}
	return ops->parse_done ? ops->parse_done(s, given, pos, last) : DL_OK;
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
	if (root->type != DL_JSON_ARRAY || root->n > DL_MAX_LAYERS)
	{
		char		got[64];

		if (root->type == DL_JSON_ARRAY)
			snprintf(got, sizeof(got), "%d layers", root->n);
		else
			dl_json_describe(root, got, sizeof(got));
		dl_json_free(doc);
		return dl_error(DL_EINVAL, "layers must be a JSON array of 0 to %d layer objects, got %s",
						DL_MAX_LAYERS, got);
	}
	/* [] is a linear model: dl_complete_output adds its one dense layer */
	if (root->n == 0)
	{
		dl_json_free(doc);
		return DL_OK;
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

/* ---- writing the layers ---- */

/*
 * [{"type":"dense","units":10,"activation":"softmax","use_bias":true}, ...]:
 * each type's keys in a fixed order; what a type leaves to the task or the
 * input (dense units 0, an activation not given) is left out, as
 * dl_parse_layers reads it.
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
		const dl_layer_ops *ops = dl_layer_ops_of((int) s->type);
		const char *name = ops ? ops->name : "?";

		dl_json_buf_puts(&b, i ? ",{\"type\":" : "{\"type\":");
		dl_json_buf_string(&b, name, strlen(name));
		if (ops && ops->to_json)
			ops->to_json(&b, s);
		dl_json_buf_puts(&b, "}");
	}
	dl_json_buf_puts(&b, "]");
	return b.data;
}

/* ---- helpers of the families ---- */

dl_status
dl_parse_alpha(const dl_json *v, const char *subject, float *alpha)
{
	return dl_want_float(v, subject, 0, HUGE_VAL, DL_OPEN_LO,
						 "a positive number (the slope of leaky_relu below 0)", alpha);
}

dl_status
dl_parse_check_alpha(bool alpha_given, bool activation_given, dl_activation a, int pos,
					 const char *name)
{
	/* alpha anywhere else would be silently ignored, and lost by the round trip */
	if (alpha_given && !(activation_given && a == DL_ACT_LEAKY_RELU))
		return dl_error(DL_EINVAL, "layer %d (%s): \"alpha\" is the slope of leaky_relu and needs \"activation\": \"leaky_relu\"",
						pos, name);
	return DL_OK;
}

dl_status
dl_parse_rate(const dl_json *v, const char *subject, float *rate)
{
	return dl_want_float(v, subject, 0, 1, DL_OPEN_HI, "a number from 0 to below 1", rate);
}

dl_status
dl_parse_epsilon(const dl_json *v, const char *subject, float *epsilon)
{
	return dl_want_float(v, subject, 0, HUGE_VAL, DL_OPEN_LO, "a positive number", epsilon);
}

void
dl_json_put_key(dl_json_buf *b, const char *key)
{
	dl_json_buf_puts(b, ",\"");
	dl_json_buf_puts(b, key);
	dl_json_buf_puts(b, "\":");
}

void
dl_json_put_bool(dl_json_buf *b, const char *key, bool v)
{
	dl_json_put_key(b, key);
	dl_json_buf_puts(b, v ? "true" : "false");
}

void
dl_json_put_int(dl_json_buf *b, const char *key, int v)
{
	dl_json_put_key(b, key);
	dl_json_buf_int(b, v);
}

void
dl_json_put_float(dl_json_buf *b, const char *key, float v)
{
	dl_json_put_key(b, key);
	dl_json_buf_float(b, v);
}

void
dl_json_put_name(dl_json_buf *b, const char *key, const char *name)
{
	dl_json_put_key(b, key);
	dl_json_buf_string(b, name, strlen(name));
}

void
dl_json_put_pair(dl_json_buf *b, const char *key, const int v[2], bool one_d)
{
	dl_json_put_key(b, key);
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

void
dl_json_put_activation(dl_json_buf *b, dl_activation a, float alpha)
{
	dl_json_put_name(b, "activation", dl_activation_name(a));
	if (a == DL_ACT_LEAKY_RELU)
		dl_json_put_float(b, "alpha", alpha);
}

dl_status
dl_plan_activation(dl_activation a, int pos, const char *name, dl_status bad)
{
	if (a < DL_ACT_LINEAR || a > DL_ACT_LAST)
		return dl_error(bad, "layer %d (%s): unknown activation %d", pos, name, (int) a);
	return DL_OK;
}

dl_status
dl_plan_sequence(const dl_layer *l, int pos, dl_status bad)
{
	char		buf[64];

	if (l->in_shape.ndim == 2)
		return DL_OK;
	dl_shape_format(&l->in_shape, buf, sizeof(buf));
	return dl_error(bad, "layer %d (%s): needs a sequence of shape [T, D], got %s (set the input_shape option, or return_sequences on a recurrent layer before)",
					pos, dl_layer_type_name(l->spec.type), buf);
}

dl_status
dl_check_activation(dl_activation a, float alpha, int pos, const char *name, dl_status bad)
{
	if (a < DL_ACT_LINEAR || a > DL_ACT_LAST)
		return dl_model_error(bad, "layer %d has unknown activation %d", pos, (int) a);
	if (!(isfinite(alpha) && alpha > 0))
		return dl_model_error(bad, "layer %d (%s) has alpha %g, not a positive number",
							  pos, name, (double) alpha);
	return DL_OK;
}

dl_status
dl_check_epsilon(float epsilon, int pos, const char *name, dl_status bad)
{
	if (!isfinite(epsilon))
		return dl_model_error(bad, "layer %d (%s) has epsilon %g, not a finite number",
							  pos, name, (double) epsilon);
	return DL_OK;
}
