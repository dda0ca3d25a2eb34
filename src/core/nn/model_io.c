/*-------------------------------------------------------------------------
 *
 * model_io.c
 *	  The weights format: writing a model to bytes and reading it back
 *	  (docs/model-format.md is the manual; keep the two in step).
 *
 * Bytes are little-endian and written field by field, never as a memcpy of
 * a struct, so the format does not depend on the compiler's layout or the
 * machine.  Everything is covered by a CRC-32C at the end.
 *
 * The reader treats the bytes as hostile (pgdl.import_model takes any
 * bytea): every count and length is compared with the bytes that remain
 * before anything is allocated, with overflow-safe arithmetic, so a few
 * bytes can never ask for a large allocation; strings must hold no NUL
 * (which encoding they are in is the host's to check: the core does not
 * know the database's); enums must be known; parameters must be finite;
 * the options must be one JSON object; the network is rebuilt with dl_network_plan, which
 * validates the layers and shapes, and its parameter count must equal the
 * stored one and stay within max_params before the parameters are
 * allocated.  What the model says about its inputs (features, scaler,
 * imputer) and outputs (labels) must agree with the network, because the
 * prediction path relies on it without checking.  The writer applies the
 * same checks to what it is given, so that it never writes bytes the
 * reader refuses, and the format is canonical: reading and writing again
 * gives the same bytes.
 *
 * src/core/nn/model_io.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dl_nn.h"
#include "json.h"

#define HEADER_LEN 28			/* magic, version, flags, header length, total length */
#define CHECKSUM_LEN 4

#define FLAG_IMPUTER 0x1u
#define FLAG_SCALER 0x2u
#define FLAG_OPTIONS 0x4u
#define KNOWN_FLAGS (FLAG_IMPUTER | FLAG_SCALER | FLAG_OPTIONS)

/* the fewest bytes a feature record takes: name length, kind, length, rows, cols, categories */
#define MIN_FEATURE_BYTES 24

/* ---- CRC-32C (Castagnoli), reflected, table-driven ---- */

static uint32_t crc_table[256];
static bool crc_ready;

/*
 * Filled on first use: a backend is one thread, and the table is the same
 * whoever fills it, so a second filling is harmless anyway.
 */
static void
crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++)
	{
		uint32_t	c = i;

		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
		crc_table[i] = c;
	}
	crc_ready = true;
}

uint32_t
dl_crc32c(const uint8_t *p, size_t n)
{
	uint32_t	c = 0xFFFFFFFFu;

	if (!crc_ready)
		crc_init();
	for (size_t i = 0; i < n; i++)
	{
		c = crc_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
		if ((i & 0xFFFFF) == 0xFFFFF)
			dl_check_interrupts();
	}
	return c ^ 0xFFFFFFFFu;
}

/* ---- little-endian fields ---- */

static uint32_t
load_u32(const uint8_t *p)
{
	return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

static uint64_t
load_u64(const uint8_t *p)
{
	return (uint64_t) load_u32(p) | (uint64_t) load_u32(p + 4) << 32;
}

static void
store_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t) (v >> (8 * i));
}

static void
store_u64(uint8_t *p, uint64_t v)
{
	store_u32(p, (uint32_t) v);
	store_u32(p + 4, (uint32_t) (v >> 32));
}

/* ---- checks shared by the writer and the reader ---- */

static dl_status model_error(dl_status bad, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));

/* the reader's problems are damaged bytes, the writer's a bad argument */
static dl_status
model_error(dl_status bad, const char *fmt,...)
{
	char		buf[400];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return dl_error(bad, "%s: %s",
					bad == DL_EFORMAT ? "invalid model" : "cannot write the model", buf);
}

static bool
loss_for_task(dl_task task, dl_loss loss)
{
	if (task == DL_TASK_CLASSIFICATION)
		return loss == DL_LOSS_CE || loss == DL_LOSS_BCE;
	if (task == DL_TASK_REGRESSION)
		return loss == DL_LOSS_MSE || loss == DL_LOSS_MAE || loss == DL_LOSS_HUBER;
	if (task == DL_TASK_CLUSTERING)
		return loss == DL_LOSS_CE;
	if (task == DL_TASK_PROJECTION)
		return loss == DL_LOSS_MSE;
	return false;
}

static bool
unsupervised(dl_task task)
{
	return task == DL_TASK_CLUSTERING || task == DL_TASK_PROJECTION;
}

/* the fields a layer record stores that dl_network_plan does not check */
static dl_status
check_spec(const dl_layer_spec *s, int pos, dl_status bad)
{
	if (s->type < DL_LAYER_DENSE || s->type > DL_LAYER_LAST)
		return model_error(bad, "layer %d has unknown type %d", pos, (int) s->type);
	if (s->activation < DL_ACT_LINEAR || s->activation > DL_ACT_LAST)
		return model_error(bad, "layer %d has unknown activation %d", pos, (int) s->activation);
	/* ranges are dl_network_plan's; only what it lets through is checked here */
	if ((s->type == DL_LAYER_DENSE || s->type == DL_LAYER_ACTIVATION ||
		 s->type == DL_LAYER_CONV2D || s->type == DL_LAYER_CONV1D ||
		 s->type == DL_LAYER_TRANSFORMER_ENCODER) &&
		!(isfinite(s->alpha) && s->alpha > 0))
		return model_error(bad, "layer %d (%s) has alpha %g, not a positive number",
						   pos, dl_layer_type_name(s->type), (double) s->alpha);
	/* sizes are stored resolved (plan_attention), so that a model has one encoding */
	if ((s->type == DL_LAYER_ATTENTION || s->type == DL_LAYER_TRANSFORMER_ENCODER) &&
		(s->key_dim < 1 || (s->type == DL_LAYER_TRANSFORMER_ENCODER && s->ff_dim < 1)))
		return model_error(bad, "layer %d (%s) has key_dim %d and ff_dim %d, not resolved sizes",
						   pos, dl_layer_type_name(s->type), s->key_dim, s->ff_dim);
	if ((s->type == DL_LAYER_BATCHNORM || s->type == DL_LAYER_LAYERNORM ||
		 s->type == DL_LAYER_TRANSFORMER_ENCODER) && !isfinite(s->epsilon))
		return model_error(bad, "layer %d (%s) has epsilon %g, not a finite number",
						   pos, dl_layer_type_name(s->type), (double) s->epsilon);
	return DL_OK;
}

static dl_status
check_string(const char *s, size_t min_len, size_t max_len, dl_status bad, const char *what)
{
	size_t		n;

	if (s == NULL)
		return model_error(bad, "%s is missing", what);
	n = strlen(s);
	if (n < min_len || n > max_len)
		return model_error(bad, "%s has %zu bytes, not %zu to %zu", what, n, min_len, max_len);
	return DL_OK;
}

static dl_status
check_feature(const dl_feature *f, int i, dl_status bad)
{
	char		what[48];
	dl_status	st;

	snprintf(what, sizeof(what), "the name of feature %d", i + 1);
	if ((st = check_string(f->name, 1, DL_MAX_NAME, bad, what)) != DL_OK)
		return st;
	switch (f->kind)
	{
		case DL_FEATURE_NUMBER:
			if (f->length != 1 || f->rows != 0 || f->cols != 0 || f->n_categories != 0)
				return model_error(bad, "feature %d (number) must have length 1 and no rows, columns or categories", i + 1);
			return DL_OK;
		case DL_FEATURE_ARRAY:
			if (f->length < 1 || f->length > DL_MAX_FEATURES || f->rows != 0 || f->cols != 0 ||
				f->n_categories != 0)
				return model_error(bad, "feature %d (array) must have a length of 1 to %d and no rows, columns or categories",
								   i + 1, DL_MAX_FEATURES);
			return DL_OK;
		case DL_FEATURE_MATRIX:
			if (f->rows < 1 || f->cols < 1 || f->rows > DL_MAX_FEATURES || f->cols > DL_MAX_FEATURES ||
				(int64_t) f->rows * f->cols != f->length || f->length > DL_MAX_FEATURES ||
				f->n_categories != 0)
				return model_error(bad, "feature %d (matrix) must have rows x cols = length, at most %d, and no categories",
								   i + 1, DL_MAX_FEATURES);
			return DL_OK;
		case DL_FEATURE_CATEGORICAL:
			if (f->n_categories < 0 || f->n_categories > DL_MAX_FEATURES ||
				f->length != f->n_categories || f->rows != 0 || f->cols != 0 ||
				(f->n_categories > 0 && f->categories == NULL))
				return model_error(bad, "feature %d (categorical) must have one input per category and no rows or columns",
								   i + 1);
			for (int c = 0; c < f->n_categories; c++)
			{
				snprintf(what, sizeof(what), "category %d of feature %d", c + 1, i + 1);
				if ((st = check_string(f->categories[c], 0, DL_MAX_VALUE, bad, what)) != DL_OK)
					return st;
				/* prediction finds a value by binary search */
				if (c > 0 && strcmp(f->categories[c - 1], f->categories[c]) >= 0)
					return model_error(bad, "the categories of feature %d are not in strictly ascending byte order",
									   i + 1);
			}
			return DL_OK;
	}
	return model_error(bad, "feature %d has unknown kind %d", i + 1, (int) f->kind);
}

static dl_status
check_scaler(const dl_scaler *s, bool imputer, int n_inputs, dl_status bad)
{
	const char *what = imputer ? "the imputer" : "the scaler";

	if (imputer != (s->kind == DL_SCALER_IMPUTER))
		return model_error(bad, "%s is a %s", what, dl_scaler_kind_name(s->kind));
	if (s->d != n_inputs)
		return model_error(bad, "%s has %d features but the model has %d inputs", what, s->d, n_inputs);
	return dl_scaler_validate(s);
}

/*
 * No layer type stores an infinity or a NaN by design: batchnorm's running
 * statistics are averages of finite batches and a sinusoidal positional
 * table holds sines and cosines.  So a non-finite parameter is damage or a
 * forgery, and it would make every prediction NaN; so would a negative
 * running variance (its square root is taken), which no training gives.
 */
static dl_status
check_params(const dl_network *net, dl_status bad)
{
	for (int i = 0; i < net->n_layers; i++)
	{
		const dl_layer *l = &net->layers[i];
		const float *p = net->params + l->param_offset;

		for (size_t j = 0; j < l->n_params; j++)
		{
			if (!isfinite(p[j]))
				return model_error(bad, "layer %d (%s) has a non-finite parameter: number %zu of its %zu is %g",
								   i + 1, dl_layer_type_name(l->spec.type), j + 1, l->n_params, (double) p[j]);
			if ((j & 0xFFFFF) == 0xFFFFF)
				dl_check_interrupts();
		}
		if (l->spec.type == DL_LAYER_BATCHNORM)
		{
			/* gamma, beta, running mean, running variance: c each */
			size_t		c = l->n_params / 4;

			for (size_t j = 0; j < c; j++)
				if (p[3 * c + j] < 0.0f)
					return model_error(bad, "layer %d (batchnorm) has a negative running variance: %g for channel %zu",
									   i + 1, (double) p[3 * c + j], j + 1);
		}
	}
	return DL_OK;
}

/* a decoded string of the options with a NUL (\u0000), which no text can hold */
static bool
json_has_nul(const dl_json *v)
{
	if (v->type == DL_JSON_STRING)
		return !dl_json_plain_string(v);
	for (int i = 0; v->type == DL_JSON_ARRAY && i < v->n; i++)
		if (json_has_nul(&v->elems[i]))
			return true;
	for (int i = 0; v->type == DL_JSON_OBJECT && i < v->n; i++)
		if (strlen(v->members[i].key) != v->members[i].key_len ||
			json_has_nul(&v->members[i].value))
			return true;
	return false;
}

/*
 * The options go into the registry's jsonb column and, as they are, into
 * the object model_info returns: they must be one JSON object that text
 * can hold.
 */
static dl_status
check_options(const char *text, dl_status bad)
{
	dl_json_doc *doc = NULL;
	dl_json_error err;
	const dl_json *root;
	dl_status	st = DL_OK;

	if (dl_json_parse_quiet(text, SIZE_MAX, 0, &doc, &err) != DL_OK)
	{
		if (doc)
			dl_json_free(doc);
		return model_error(bad, "the options are not JSON: %s at character %d", err.message, err.pos);
	}
	root = dl_json_root(doc);
	if (root->type != DL_JSON_OBJECT)
		st = model_error(bad, "the options are not a JSON object");
	else if (json_has_nul(root))
		st = model_error(bad, "the options hold a \\u0000, which no text can hold");
	dl_json_free(doc);
	return st;
}

/*
 * Everything the prediction path relies on.  n_inputs has been set (the
 * reader sets it from the features).
 */
static dl_status
check_model(const dl_model *m, dl_status bad)
{
	const dl_network *net = &m->net;
	size_t		sum = 0;
	size_t		n_out;
	dl_status	st;

	if (!loss_for_task(m->task, m->loss))
		return model_error(bad, "task %d and loss %d do not go together", (int) m->task, (int) m->loss);
	/* clustering and projection models have no target: an empty name */
	if ((st = check_string(m->target, unsupervised(m->task) ? 0 : 1,
						   unsupervised(m->task) ? 0 : DL_MAX_NAME, bad, "the target name")) != DL_OK)
		return st;
	if (net->n_layers < 1 || net->n_layers > DL_MAX_LAYERS || net->layers == NULL ||
		(net->n_params > 0 && net->params == NULL))
		return model_error(bad, "the network is not built");
	for (int i = 0; i < net->n_layers; i++)
		if ((st = check_spec(&net->layers[i].spec, i + 1, bad)) != DL_OK)
			return st;

	n_out = dl_shape_size(&net->output_shape);
	if (m->n_labels < 0 || m->n_labels > DL_MAX_LABELS || (m->n_labels > 0 && m->labels == NULL))
		return model_error(bad, "%d labels is out of range (0 to %d)", m->n_labels, DL_MAX_LABELS);
	if (m->task == DL_TASK_PROJECTION && m->n_labels != 0)
		return model_error(bad, "a projection model has no labels, not %d", m->n_labels);
	if (m->task == DL_TASK_REGRESSION && (m->n_labels != 0 || n_out != 1))
		return model_error(bad, "a regression model has one output and no labels, not %zu outputs and %d labels",
						   n_out, m->n_labels);
	if (m->loss == DL_LOSS_BCE && (m->n_labels != 2 || n_out != 1))
		return model_error(bad, "a binary_cross_entropy model has two labels and one output, not %d labels and %zu outputs",
						   m->n_labels, n_out);
	if (m->loss == DL_LOSS_CE && (m->n_labels < 2 || n_out != (size_t) m->n_labels))
		return model_error(bad, "a cross_entropy model has one output per label (at least 2), not %zu outputs for %d labels",
						   n_out, m->n_labels);
	for (int i = 0; i < m->n_labels; i++)
	{
		char		what[32];

		snprintf(what, sizeof(what), "label %d", i + 1);
		if ((st = check_string(m->labels[i], 0, DL_MAX_VALUE, bad, what)) != DL_OK)
			return st;
	}

	if (m->n_features < 1 || m->n_features > DL_MAX_FEATURES || m->features == NULL)
		return model_error(bad, "%d features is out of range (1 to %d)", m->n_features, DL_MAX_FEATURES);
	for (int i = 0; i < m->n_features; i++)
	{
		if ((st = check_feature(&m->features[i], i, bad)) != DL_OK)
			return st;
		sum += (size_t) m->features[i].length;
	}
	if (sum != (size_t) m->n_inputs || sum != dl_shape_size(&net->input_shape))
		return model_error(bad, "the features give %zu inputs but the model has %d and the network takes %zu",
						   sum, m->n_inputs, dl_shape_size(&net->input_shape));
	if (m->imputer && (st = check_scaler(m->imputer, true, m->n_inputs, bad)) != DL_OK)
		return st;
	if (m->scaler && (st = check_scaler(m->scaler, false, m->n_inputs, bad)) != DL_OK)
		return st;
	if (m->options_json && (st = check_options(m->options_json, bad)) != DL_OK)
		return st;
	return check_params(net, bad);
}

/* ---- writing ---- */

/*
 * Writes at buf + pos, or only counts when buf is NULL: one walk sizes the
 * blob and a second fills it, so the two cannot disagree.
 */
typedef struct writer
{
	uint8_t    *buf;
	size_t		pos;
} writer;

static void
put_bytes(writer *w, const void *p, size_t n)
{
	if (w->buf && n > 0)
		memcpy(w->buf + w->pos, p, n);
	w->pos += n;
}

static void
put_u8(writer *w, uint8_t v)
{
	put_bytes(w, &v, 1);
}

static void
put_u32(writer *w, uint32_t v)
{
	uint8_t		b[4];

	store_u32(b, v);
	put_bytes(w, b, 4);
}

static void
put_u64(writer *w, uint64_t v)
{
	uint8_t		b[8];

	store_u64(b, v);
	put_bytes(w, b, 8);
}

static void
put_f32(writer *w, float v)
{
	uint32_t	u;

	memcpy(&u, &v, 4);
	put_u32(w, u);
}

static void
put_f64(writer *w, double v)
{
	uint64_t	u;

	memcpy(&u, &v, 8);
	put_u64(w, u);
}

static void
put_string(writer *w, const char *s)
{
	size_t		n = strlen(s);

	put_u32(w, (uint32_t) n);
	put_bytes(w, s, n);
}

static void
put_shape(writer *w, const dl_shape *s)
{
	put_u32(w, (uint32_t) s->ndim);
	for (int i = 0; i < DL_MAX_DIMS; i++)
		put_u32(w, (uint32_t) (i < s->ndim ? s->dim[i] : 0));
}

static void
put_layer(writer *w, const dl_layer_spec *s)
{
	put_u32(w, (uint32_t) s->type);
	switch (s->type)
	{
		case DL_LAYER_DENSE:
			put_u32(w, (uint32_t) s->activation);
			put_f32(w, s->alpha);
			put_u32(w, (uint32_t) s->units);
			put_u8(w, s->use_bias ? 1 : 0);
			put_u8(w, s->activation_given ? 1 : 0);
			break;
		case DL_LAYER_DROPOUT:
			put_f32(w, s->rate);
			break;
		case DL_LAYER_FLATTEN:
			break;
		case DL_LAYER_RESHAPE:
			put_shape(w, &s->target);	/* -1 is written as 0xFFFFFFFF */
			break;
		case DL_LAYER_BATCHNORM:
			put_f32(w, s->epsilon);
			put_f32(w, s->momentum);
			break;
		case DL_LAYER_LAYERNORM:
			put_f32(w, s->epsilon);
			break;
		case DL_LAYER_ACTIVATION:
			put_u32(w, (uint32_t) s->activation);
			put_f32(w, s->alpha);
			break;
		case DL_LAYER_CONV2D:
		case DL_LAYER_CONV1D:
			put_u32(w, (uint32_t) s->filters);
			for (int i = 0; i < 2; i++)
				put_u32(w, (uint32_t) s->kernel[i]);
			for (int i = 0; i < 2; i++)
				put_u32(w, (uint32_t) s->stride[i]);
			put_u32(w, (uint32_t) s->padding);
			for (int i = 0; i < 2; i++)
				put_u32(w, (uint32_t) s->dilation[i]);
			put_u32(w, (uint32_t) s->activation);
			put_f32(w, s->alpha);
			put_u8(w, s->use_bias ? 1 : 0);
			break;
		case DL_LAYER_MAXPOOL2D:
		case DL_LAYER_AVGPOOL2D:
		case DL_LAYER_MAXPOOL1D:
			for (int i = 0; i < 2; i++)
				put_u32(w, (uint32_t) s->pool[i]);
			for (int i = 0; i < 2; i++)
				put_u32(w, (uint32_t) s->stride[i]);
			break;
		case DL_LAYER_GLOBAL_AVGPOOL:
			break;
		case DL_LAYER_EMBEDDING:
			put_u32(w, (uint32_t) s->input_dim);
			put_u32(w, (uint32_t) s->output_dim);
			break;
		case DL_LAYER_LSTM:
		case DL_LAYER_GRU:
			put_u32(w, (uint32_t) s->units);
			/* bit 0 return_sequences, bit 1 bidirectional (older models: 0 or 1) */
			put_u8(w, (s->return_sequences ? 1 : 0) | (s->bidirectional ? 2 : 0));
			break;
		case DL_LAYER_ATTENTION:
		case DL_LAYER_TRANSFORMER_ENCODER:
			put_u32(w, (uint32_t) s->heads);
			put_u32(w, (uint32_t) s->key_dim);
			put_u8(w, s->causal ? 1 : 0);
			put_f32(w, s->rate);
			if (s->type == DL_LAYER_ATTENTION)
			{
				put_u8(w, s->use_bias ? 1 : 0);
				break;
			}
			put_u32(w, (uint32_t) s->ff_dim);
			put_u32(w, (uint32_t) s->activation);
			put_f32(w, s->alpha);
			put_u8(w, s->norm_first ? 1 : 0);
			put_f32(w, s->epsilon);
			break;
		case DL_LAYER_POSITIONAL_ENCODING:
			put_u8(w, s->learned ? 1 : 0);
			break;
	}
}

/*
 * The parameter arrays a scaler of s->kind keeps, in the order they are
 * stored; the others are all zero (dl_scaler_validate checks that).
 */
static int
scaler_arrays(const dl_scaler *s, double *out[4])
{
	switch (s->kind)
	{
		case DL_SCALER_STANDARD:
		case DL_SCALER_ROBUST:
			out[0] = s->center;
			out[1] = s->scale;
			out[2] = s->lo;
			out[3] = s->hi;
			return 4;
		case DL_SCALER_MINMAX:
		case DL_SCALER_MAXABS:
			out[0] = s->center;
			out[1] = s->scale;
			return 2;
		case DL_SCALER_IMPUTER:
			out[0] = s->fill;
			return 1;
	}
	return 0;
}

static void
put_scaler(writer *w, const dl_scaler *s)
{
	double	   *arrays[4];
	int			n = scaler_arrays(s, arrays);

	put_u32(w, (uint32_t) s->kind);
	put_u32(w, (uint32_t) s->strategy);
	put_u32(w, (uint32_t) s->d);
	put_f64(w, s->n);
	put_f64(w, s->constant);
	for (int a = 0; a < n; a++)
		for (int i = 0; i < s->d; i++)
			put_f64(w, arrays[a][i]);
}

static void
put_model(writer *w, const dl_model *m, uint32_t flags, size_t total)
{
	const dl_network *net = &m->net;

	put_bytes(w, DL_MODEL_MAGIC, 8);
	put_u32(w, DL_MODEL_FORMAT_VERSION);
	put_u32(w, flags);
	put_u32(w, HEADER_LEN);
	put_u64(w, (uint64_t) total);

	put_u32(w, (uint32_t) m->task);
	put_u32(w, (uint32_t) m->loss);
	put_string(w, m->target);
	put_u32(w, (uint32_t) m->n_labels);
	for (int i = 0; i < m->n_labels; i++)
		put_string(w, m->labels[i]);
	put_u32(w, (uint32_t) m->n_features);
	for (int i = 0; i < m->n_features; i++)
	{
		const dl_feature *f = &m->features[i];

		put_string(w, f->name);
		put_u32(w, (uint32_t) f->kind);
		put_u32(w, (uint32_t) f->length);
		put_u32(w, (uint32_t) f->rows);
		put_u32(w, (uint32_t) f->cols);
		put_u32(w, (uint32_t) f->n_categories);
		for (int c = 0; c < f->n_categories; c++)
			put_string(w, f->categories[c]);
	}
	put_shape(w, &net->input_shape);
	put_u32(w, (uint32_t) net->n_layers);
	for (int i = 0; i < net->n_layers; i++)
		put_layer(w, &net->layers[i].spec);
	if (m->imputer)
		put_scaler(w, m->imputer);
	if (m->scaler)
		put_scaler(w, m->scaler);
	if (m->options_json)
		put_string(w, m->options_json);
	put_u64(w, (uint64_t) net->n_params);
	if (w->buf)
	{
		uint8_t    *p = w->buf + w->pos;

		for (size_t i = 0; i < net->n_params; i++)
		{
			uint32_t	u;

			memcpy(&u, &net->params[i], 4);
			store_u32(p + 4 * i, u);
		}
	}
	w->pos += 4 * net->n_params;
}

dl_status
dl_model_write(const dl_model *m, uint8_t **out, size_t *len)
{
	writer		w = {NULL, 0};
	uint32_t	flags = 0;
	size_t		total;
	dl_status	st;

	*out = NULL;
	*len = 0;
	if ((st = check_model(m, DL_EINVAL)) != DL_OK)
		return st;
	if (m->options_json && strlen(m->options_json) > UINT32_MAX)
		return model_error(DL_EINVAL, "the options text is too long");
	flags = (m->imputer ? FLAG_IMPUTER : 0) | (m->scaler ? FLAG_SCALER : 0) |
		(m->options_json ? FLAG_OPTIONS : 0);

	put_model(&w, m, flags, 0);
	total = w.pos + CHECKSUM_LEN;
	w.buf = dl_alloc(total);
	w.pos = 0;
	put_model(&w, m, flags, total);
	store_u32(w.buf + w.pos, dl_crc32c(w.buf, w.pos));
	*out = w.buf;
	*len = total;
	return DL_OK;
}

/* ---- reading ---- */

typedef struct reader
{
	const uint8_t *p;
	size_t		left;			/* bytes before the checksum */
	const char *section;		/* for messages */
} reader;

static dl_status
past_end(const reader *r)
{
	return dl_error(DL_EFORMAT, "invalid model: the %s run past the end of the model", r->section);
}

static dl_status
get_bytes(reader *r, void *out, size_t n)
{
	if (r->left < n)
	{
		memset(out, 0, n);
		return past_end(r);
	}
	memcpy(out, r->p, n);
	r->p += n;
	r->left -= n;
	return DL_OK;
}

static dl_status
get_u8(reader *r, uint8_t *v)
{
	return get_bytes(r, v, 1);
}

static dl_status
get_u32(reader *r, uint32_t *v)
{
	uint8_t		b[4];
	dl_status	st = get_bytes(r, b, 4);

	if (st == DL_OK)
		*v = load_u32(b);
	return st;
}

static dl_status
get_u64(reader *r, uint64_t *v)
{
	uint8_t		b[8];
	dl_status	st = get_bytes(r, b, 8);

	if (st == DL_OK)
		*v = load_u64(b);
	return st;
}

static dl_status
get_f32(reader *r, float *v)
{
	uint32_t	u;
	dl_status	st = get_u32(r, &u);

	if (st == DL_OK)
		memcpy(v, &u, 4);
	return st;
}

static dl_status
get_f64(reader *r, double *v)
{
	uint64_t	u;
	dl_status	st = get_u64(r, &u);

	if (st == DL_OK)
		memcpy(v, &u, 8);
	return st;
}

static dl_status
get_bool(reader *r, bool *v)
{
	uint8_t		b;
	dl_status	st = get_u8(r, &b);

	if (st != DL_OK)
		return st;
	if (b > 1)
		return dl_error(DL_EFORMAT, "invalid model: a boolean in the %s is %u", r->section, b);
	*v = b == 1;
	return DL_OK;
}

/* a u32 that must be at most max (so it fits an int) */
static dl_status
get_count(reader *r, uint32_t max, const char *what, int *v)
{
	uint32_t	u;
	dl_status	st = get_u32(r, &u);

	*v = 0;						/* defined on every path, which gcc cannot always see */
	if (st != DL_OK)
		return st;
	if (u > max)
		return dl_error(DL_EFORMAT, "invalid model: %s is %u, more than %u", what, u, max);
	*v = (int) u;
	return DL_OK;
}

/* a count of items of at least min_bytes each, checked against what remains */
static dl_status
get_items(reader *r, uint32_t max, size_t min_bytes, const char *what, int *v)
{
	dl_status	st = get_count(r, max, what, v);

	if (st != DL_OK)
		return st;
	if ((size_t) *v > r->left / min_bytes)
		return dl_error(DL_EFORMAT, "invalid model: %s is %d but only %zu bytes remain",
						what, *v, r->left);
	return DL_OK;
}

/* a length-prefixed string: checked before the copy is allocated */
static dl_status
get_string(reader *r, size_t max_len, const char *what, char **out)
{
	uint32_t	n;
	dl_status	st = get_u32(r, &n);

	if (st != DL_OK)
		return st;
	if (n > max_len)
		return dl_error(DL_EFORMAT, "invalid model: %s has %u bytes, more than %zu", what, n, max_len);
	if (n > r->left)
		return past_end(r);
	if (memchr(r->p, '\0', n) != NULL)
		return dl_error(DL_EFORMAT, "invalid model: %s contains a NUL byte", what);
	*out = dl_alloc((size_t) n + 1);
	memcpy(*out, r->p, n);
	(*out)[n] = '\0';
	r->p += n;
	r->left -= n;
	return DL_OK;
}

/* ndim and four dimensions, the unused ones 0; -1 allowed when infer (reshape targets) */
static dl_status
get_shape(reader *r, bool infer, dl_shape *s)
{
	uint32_t	u;
	dl_status	st;

	if ((st = get_u32(r, &u)) != DL_OK)
		return st;
	if (u < 1 || u > DL_MAX_DIMS)
		return dl_error(DL_EFORMAT, "invalid model: a shape in the %s has %u dimensions", r->section, u);
	memset(s, 0, sizeof(*s));
	s->ndim = (int) u;
	for (int i = 0; i < DL_MAX_DIMS; i++)
	{
		if ((st = get_u32(r, &u)) != DL_OK)
			return st;
		if (i >= s->ndim ? u != 0 : !(u <= DL_MAX_UNITS || (infer && u == UINT32_MAX)))
			return dl_error(DL_EFORMAT, "invalid model: a shape in the %s has dimension %d = %u",
							r->section, i + 1, u);
		s->dim[i] = (int) (int32_t) u;
	}
	return DL_OK;
}

/* two u32 of a kernel, stride, dilation or pool, each at most DL_MAX_UNITS */
static dl_status
get_pair(reader *r, const char *what, int v[2])
{
	dl_status	st = get_count(r, DL_MAX_UNITS, what, &v[0]);

	if (st == DL_OK)
		st = get_count(r, DL_MAX_UNITS, what, &v[1]);
	return st;
}

static dl_status
get_activation(reader *r, dl_activation *a)
{
	int			v = 0;
	dl_status	st = get_count(r, DL_ACT_LAST, "an activation", &v);

	if (st == DL_OK)
		*a = (dl_activation) v;
	return st;
}

static dl_status
get_layer(reader *r, dl_layer_spec *s)
{
	uint32_t	type,
				units;
	dl_status	st;

	if ((st = get_u32(r, &type)) != DL_OK)
		return st;
	if (type < DL_LAYER_DENSE || type > DL_LAYER_LAST)
		return dl_error(DL_EFORMAT, "invalid model: unknown layer type %u", type);
	/* the fields a type does not store keep their defaults */
	dl_layer_spec_defaults(s, (dl_layer_type) type);
	switch (s->type)
	{
		case DL_LAYER_DENSE:
			if ((st = get_activation(r, &s->activation)) != DL_OK ||
				(st = get_f32(r, &s->alpha)) != DL_OK ||
				(st = get_u32(r, &units)) != DL_OK)
				return st;
			if (units > DL_MAX_UNITS)
				return dl_error(DL_EFORMAT, "invalid model: a dense layer has %u units", units);
			s->units = (int) units;
			if ((st = get_bool(r, &s->use_bias)) != DL_OK ||
				(st = get_bool(r, &s->activation_given)) != DL_OK)
				return st;
			break;
		case DL_LAYER_DROPOUT:
			st = get_f32(r, &s->rate);
			break;
		case DL_LAYER_FLATTEN:
			break;
		case DL_LAYER_RESHAPE:
			st = get_shape(r, true, &s->target);
			break;
		case DL_LAYER_BATCHNORM:
			if ((st = get_f32(r, &s->epsilon)) == DL_OK)
				st = get_f32(r, &s->momentum);
			break;
		case DL_LAYER_LAYERNORM:
			st = get_f32(r, &s->epsilon);
			break;
		case DL_LAYER_ACTIVATION:
			if ((st = get_activation(r, &s->activation)) == DL_OK)
				st = get_f32(r, &s->alpha);
			break;
		case DL_LAYER_CONV2D:
		case DL_LAYER_CONV1D:
			{
				int			pad = 0;

				/* ranges below 1 are dl_network_plan's to report */
				if ((st = get_count(r, DL_MAX_UNITS, "conv filters", &s->filters)) != DL_OK ||
					(st = get_pair(r, "a conv kernel", s->kernel)) != DL_OK ||
					(st = get_pair(r, "a conv stride", s->stride)) != DL_OK ||
					(st = get_count(r, DL_PAD_SAME, "a conv padding", &pad)) != DL_OK ||
					(st = get_pair(r, "a conv dilation", s->dilation)) != DL_OK ||
					(st = get_activation(r, &s->activation)) != DL_OK ||
					(st = get_f32(r, &s->alpha)) != DL_OK ||
					(st = get_bool(r, &s->use_bias)) != DL_OK)
					return st;
				s->padding = (dl_padding) pad;
				break;
			}
		case DL_LAYER_MAXPOOL2D:
		case DL_LAYER_AVGPOOL2D:
		case DL_LAYER_MAXPOOL1D:
			if ((st = get_pair(r, "a pool size", s->pool)) == DL_OK)
				st = get_pair(r, "a pool stride", s->stride);
			break;
		case DL_LAYER_GLOBAL_AVGPOOL:
			break;
		case DL_LAYER_EMBEDDING:
			if ((st = get_count(r, DL_MAX_UNITS, "an embedding's input_dim", &s->input_dim)) == DL_OK)
				st = get_count(r, DL_MAX_UNITS, "an embedding's output_dim", &s->output_dim);
			break;
		case DL_LAYER_LSTM:
		case DL_LAYER_GRU:
			{
				uint8_t		flags = 0;

				if ((st = get_count(r, DL_MAX_UNITS, "a recurrent layer's units", &s->units)) != DL_OK ||
					(st = get_u8(r, &flags)) != DL_OK)
					return st;
				if (flags > 3)
					return dl_error(DL_EFORMAT, "invalid model: a recurrent layer's flags are %u", flags);
				s->return_sequences = (flags & 1) != 0;
				s->bidirectional = (flags & 2) != 0;
				break;
			}
		case DL_LAYER_ATTENTION:
		case DL_LAYER_TRANSFORMER_ENCODER:
			/* ranges below 1 and rates are dl_network_plan's to report */
			if ((st = get_count(r, DL_MAX_UNITS, "an attention's heads", &s->heads)) != DL_OK ||
				(st = get_count(r, DL_MAX_UNITS, "an attention's key_dim", &s->key_dim)) != DL_OK ||
				(st = get_bool(r, &s->causal)) != DL_OK ||
				(st = get_f32(r, &s->rate)) != DL_OK)
				return st;
			/* sizes are stored resolved (plan_attention): 0 would be a second encoding */
			if (s->key_dim == 0)
				return dl_error(DL_EFORMAT, "invalid model: an attention's key_dim is 0");
			if (s->type == DL_LAYER_ATTENTION)
				return get_bool(r, &s->use_bias);
			if ((st = get_count(r, DL_MAX_UNITS, "a transformer's ff_dim", &s->ff_dim)) != DL_OK)
				return st;
			if (s->ff_dim == 0)
				return dl_error(DL_EFORMAT, "invalid model: a transformer's ff_dim is 0");
			if ((st = get_activation(r, &s->activation)) != DL_OK ||
				(st = get_f32(r, &s->alpha)) != DL_OK ||
				(st = get_bool(r, &s->norm_first)) != DL_OK)
				return st;
			st = get_f32(r, &s->epsilon);
			break;
		case DL_LAYER_POSITIONAL_ENCODING:
			st = get_bool(r, &s->learned);
			break;
	}
	return st;
}

static dl_status
get_scaler(reader *r, dl_scaler **out)
{
	uint32_t	kind,
				strategy;
	int			d = 0;
	double		n,
				constant;
	double	   *arrays[4];
	int			n_arrays;
	dl_scaler  *s;
	dl_status	st;

	if ((st = get_u32(r, &kind)) != DL_OK || (st = get_u32(r, &strategy)) != DL_OK ||
		(st = get_count(r, DL_SCALER_MAX_D, "a scaler's feature count", &d)) != DL_OK ||
		(st = get_f64(r, &n)) != DL_OK || (st = get_f64(r, &constant)) != DL_OK)
		return st;
	if (kind < DL_SCALER_STANDARD || kind > DL_SCALER_IMPUTER || d < 1 ||
		strategy > DL_IMPUTE_CONSTANT)
		return dl_error(DL_EFORMAT, "invalid model: the %s has kind %u, strategy %u and %d features",
						r->section, kind, strategy, d);
	*out = s = dl_alloc(sizeof(dl_scaler));
	memset(s, 0, sizeof(*s));
	s->kind = (dl_scaler_kind) kind;
	n_arrays = scaler_arrays(s, arrays);
	if ((size_t) d * (size_t) n_arrays > r->left / sizeof(double))
		return past_end(r);
	if ((st = dl_scaler_alloc(s, (dl_scaler_kind) kind, d)) != DL_OK)
		return st;
	s->strategy = (dl_impute_strategy) strategy;
	s->n = n;
	s->constant = constant;
	scaler_arrays(s, arrays);
	for (int a = 0; a < n_arrays; a++)
		for (int i = 0; i < d; i++)
			(void) get_f64(r, &arrays[a][i]);	/* the room was checked above */
	return DL_OK;
}

/*
 * Feature i; *sum counts the inputs so far, which bounds the categories of
 * all features together (one input each) before any is allocated.
 */
static dl_status
get_feature(reader *r, dl_feature *f, int i, size_t *sum)
{
	char		what[64];
	uint32_t	kind;
	dl_status	st;

	snprintf(what, sizeof(what), "the name of feature %d", i + 1);
	if ((st = get_string(r, DL_MAX_NAME, what, &f->name)) != DL_OK ||
		(st = get_u32(r, &kind)) != DL_OK ||
		(st = get_count(r, DL_MAX_FEATURES, "a feature's length", &f->length)) != DL_OK ||
		(st = get_count(r, DL_MAX_FEATURES, "a feature's rows", &f->rows)) != DL_OK ||
		(st = get_count(r, DL_MAX_FEATURES, "a feature's columns", &f->cols)) != DL_OK)
		return st;
	if (kind < DL_FEATURE_NUMBER || kind > DL_FEATURE_CATEGORICAL)
		return dl_error(DL_EFORMAT, "invalid model: feature %d has unknown kind %u", i + 1, kind);
	f->kind = (dl_feature_kind) kind;
	*sum += (size_t) f->length;
	if (*sum > DL_MAX_FEATURES)
		return dl_error(DL_EFORMAT, "invalid model: the features give more than %d inputs",
						DL_MAX_FEATURES);
	{
		int			n;

		if ((st = get_items(r, DL_MAX_FEATURES, 4, "a feature's category count", &n)) != DL_OK)
			return st;
		if (n != (f->kind == DL_FEATURE_CATEGORICAL ? f->length : 0))
			return dl_error(DL_EFORMAT, "invalid model: feature %d has %d categories and length %d",
							i + 1, n, f->length);
		if (n == 0)
			return DL_OK;
		f->categories = dl_alloc(sizeof(char *) * (size_t) n);
		memset(f->categories, 0, sizeof(char *) * (size_t) n);
		f->n_categories = n;
	}
	for (int c = 0; c < f->n_categories; c++)
	{
		snprintf(what, sizeof(what), "category %d of feature %d", c + 1, i + 1);
		if ((st = get_string(r, DL_MAX_VALUE, what, &f->categories[c])) != DL_OK)
			return st;
	}
	return DL_OK;
}

/* the header is checked; r covers the sections, up to the checksum */
static dl_status
read_sections(reader *r, uint32_t flags, size_t max_params, dl_model *m)
{
	dl_layer_spec *specs = NULL;
	dl_shape	input;
	uint32_t	u;
	uint64_t	count = 0;
	int			n_layers;
	size_t		sum = 0;
	dl_status	st;

	r->section = "task and loss";
	if ((st = get_u32(r, &u)) != DL_OK)
		return st;
	m->task = (dl_task) u;
	if ((st = get_u32(r, &u)) != DL_OK)
		return st;
	m->loss = (dl_loss) u;
	if (!loss_for_task(m->task, m->loss))
		return dl_error(DL_EFORMAT, "invalid model: unknown task or loss (%d, %d)",
						(int) m->task, (int) m->loss);
	r->section = "target name";
	if ((st = get_string(r, DL_MAX_NAME, "the target name", &m->target)) != DL_OK)
		return st;

	r->section = "labels";
	{
		int			n;

		if ((st = get_items(r, DL_MAX_LABELS, 4, "the label count", &n)) != DL_OK)
			return st;
		if (n > 0)
		{
			m->labels = dl_alloc(sizeof(char *) * (size_t) n);
			memset(m->labels, 0, sizeof(char *) * (size_t) n);
			m->n_labels = n;
		}
	}
	for (int i = 0; i < m->n_labels; i++)
		if ((st = get_string(r, DL_MAX_VALUE, "a label", &m->labels[i])) != DL_OK)
			return st;

	r->section = "features";
	{
		int			n;

		if ((st = get_items(r, DL_MAX_FEATURES, MIN_FEATURE_BYTES, "the feature count", &n)) != DL_OK)
			return st;
		if (n > 0)
		{
			m->features = dl_alloc(sizeof(dl_feature) * (size_t) n);
			memset(m->features, 0, sizeof(dl_feature) * (size_t) n);
			m->n_features = n;
		}
	}
	for (int i = 0; i < m->n_features; i++)
		if ((st = get_feature(r, &m->features[i], i, &sum)) != DL_OK)
			return st;
	m->n_inputs = (int) sum;

	r->section = "input shape";
	if ((st = get_shape(r, false, &input)) != DL_OK)
		return st;

	r->section = "layers";
	if ((st = get_items(r, DL_MAX_LAYERS, 4, "the layer count", &n_layers)) != DL_OK)
		return st;
	if (n_layers < 1)
		return dl_error(DL_EFORMAT, "invalid model: the network has no layers");
	specs = dl_alloc(sizeof(dl_layer_spec) * (size_t) n_layers);
	for (int i = 0; i < n_layers && st == DL_OK; i++)
		st = get_layer(r, &specs[i]);

	if (st == DL_OK && (flags & FLAG_IMPUTER))
	{
		r->section = "imputer";
		st = get_scaler(r, &m->imputer);
	}
	if (st == DL_OK && (flags & FLAG_SCALER))
	{
		r->section = "scaler";
		st = get_scaler(r, &m->scaler);
	}
	if (st == DL_OK && (flags & FLAG_OPTIONS))
	{
		r->section = "options";
		st = get_string(r, UINT32_MAX, "the options text", &m->options_json);
	}
	if (st == DL_OK)
	{
		r->section = "parameters";
		st = get_u64(r, &count);
	}
	if (st == DL_OK && count != r->left / 4)
		st = dl_error(DL_EFORMAT, "invalid model: it stores %llu parameters but %zu bytes follow",
					  (unsigned long long) count, r->left);
	if (st == DL_OK && r->left % 4 != 0)
		st = dl_error(DL_EFORMAT, "invalid model: %zu bytes after the parameters", r->left % 4);
	if (st == DL_OK && count > max_params)
		st = dl_error(DL_ELIMIT, "the model has %llu parameters, more than the %zu that pgdl.max_model_size allows",
					  (unsigned long long) count, max_params);
	/* validates the layers against the input and counts, allocating no parameters */
	if (st == DL_OK)
		st = dl_network_plan(&m->net, specs, n_layers, &input, DL_EFORMAT);
	dl_free(specs);
	if (st != DL_OK)
		return st;
	if (m->net.n_params != count)
		return dl_error(DL_EFORMAT, "invalid model: the layers have %zu parameters but the model stores %llu",
						m->net.n_params, (unsigned long long) count);
	if (count > 0)
	{
		m->net.params = dl_alloc(sizeof(float) * (size_t) count);
		for (size_t i = 0; i < count; i++)
		{
			uint32_t	v = load_u32(r->p + 4 * i);

			memcpy(&m->net.params[i], &v, 4);
		}
		r->p += 4 * count;
		r->left -= 4 * count;
	}
	return DL_OK;
}

dl_status
dl_model_read(const uint8_t *data, size_t len, size_t max_params, dl_model *out)
{
	dl_model	m;
	reader		r;
	uint32_t	version,
				flags,
				header_len;
	uint64_t	total;
	uint32_t	stored,
				actual;
	dl_status	st;

	memset(out, 0, sizeof(*out));
	if (len > 0 && memcmp(data, DL_MODEL_MAGIC, len < 8 ? len : 8) != 0)
		return dl_error(DL_EFORMAT, "not a pgdl model: the bytes do not start with \"%s\"",
						DL_MODEL_MAGIC);
	if (len >= 12)
	{
		version = load_u32(data + 8);
		if (version == 0)
			return dl_error(DL_EFORMAT, "invalid model: format version 0");
		if (version > DL_MODEL_FORMAT_VERSION)
			return dl_error(DL_EVERSION, "model format version %u is newer than this pgdl supports (%d)",
							version, DL_MODEL_FORMAT_VERSION);
	}
	if (len < HEADER_LEN + CHECKSUM_LEN)
		return dl_error(DL_EFORMAT, "invalid model: truncated to %zu bytes", len);
	flags = load_u32(data + 12);
	header_len = load_u32(data + 16);
	total = load_u64(data + 20);
	if (header_len != HEADER_LEN)
		return dl_error(DL_EFORMAT, "invalid model: header length %u, format version 1 has %d",
						header_len, HEADER_LEN);
	if (total > len)
		return dl_error(DL_EFORMAT, "invalid model: truncated to %zu of its %llu bytes",
						len, (unsigned long long) total);
	if (total < len)
		return dl_error(DL_EFORMAT, "invalid model: %zu bytes after its end",
						len - (size_t) total);
	stored = load_u32(data + len - CHECKSUM_LEN);
	actual = dl_crc32c(data, len - CHECKSUM_LEN);
	if (stored != actual)
		return dl_error(DL_EFORMAT, "checksum mismatch: the model bytes are damaged");
	if (flags & ~KNOWN_FLAGS)
		return dl_error(DL_EFORMAT, "invalid model: unknown flags 0x%X", flags & ~KNOWN_FLAGS);

	memset(&m, 0, sizeof(m));
	r.p = data + HEADER_LEN;
	r.left = len - HEADER_LEN - CHECKSUM_LEN;
	r.section = "header";
	st = read_sections(&r, flags, max_params, &m);
	if (st == DL_OK && r.left != 0)
		st = dl_error(DL_EFORMAT, "invalid model: %zu bytes after the parameters", r.left);
	if (st == DL_OK)
		st = check_model(&m, DL_EFORMAT);
	if (st != DL_OK)
	{
		dl_model_free(&m);
		return st;
	}
	*out = m;
	return DL_OK;
}

dl_status
dl_model_probe(const dl_model *m)
{
	size_t		n_in = dl_shape_size(&m->net.input_shape);
	size_t		n_out = dl_shape_size(&m->net.output_shape);
	dl_workspace *ws;
	float	   *x,
			   *y;
	dl_status	st = dl_workspace_create(&m->net, 1, false, &ws);

	if (st != DL_OK)
		return st;
	x = dl_alloc(sizeof(float) * n_in);
	y = dl_alloc(sizeof(float) * n_out);
	memset(x, 0, sizeof(float) * n_in);
	dl_network_predict(&m->net, ws, x, 1, y);
	for (size_t k = 0; k < n_out && st == DL_OK; k++)
		if (!isfinite(y[k]))
			st = dl_error(DL_EFORMAT, "invalid model: it predicts %g for output %zu of %zu on an input of zeros",
						  (double) y[k], k + 1, n_out);
	dl_free(y);
	dl_free(x);
	dl_workspace_free(ws);
	return st;
}

static void
free_scaler(dl_scaler *s)
{
	if (s)
	{
		dl_free(s->center);
		dl_free(s);
	}
}

void
dl_model_free(dl_model *m)
{
	dl_free(m->target);
	for (int i = 0; m->labels && i < m->n_labels; i++)
		dl_free(m->labels[i]);
	dl_free(m->labels);
	for (int i = 0; m->features && i < m->n_features; i++)
	{
		dl_feature *f = &m->features[i];

		dl_free(f->name);
		for (int c = 0; f->categories && c < f->n_categories; c++)
			dl_free(f->categories[c]);
		dl_free(f->categories);
	}
	dl_free(m->features);
	free_scaler(m->imputer);
	free_scaler(m->scaler);
	dl_free(m->options_json);
	dl_network_free(&m->net);
	memset(m, 0, sizeof(*m));
}
