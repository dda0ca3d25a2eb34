/*-------------------------------------------------------------------------
 *
 * model_io.c
 *	  The weights format: writing a model to bytes and reading it back
 *	  (docs/model-format.md is the manual; keep the two in step).
 *
 * Bytes are little-endian and written field by field (model_fields.c),
 * never as a memcpy of a struct, so the format does not depend on the
 * compiler's layout or the machine.  Everything is covered by a CRC-32C at
 * the end.  Each layer's record is written, read and checked by its type's
 * operations in the layer table (layers.h).
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
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "layers.h"
#include "text.h"

#define HEADER_LEN 28			/* magic, version, flags, header length, total length */
#define CHECKSUM_LEN 4

#define FLAG_IMPUTER 0x1u
#define FLAG_SCALER 0x2u
#define FLAG_OPTIONS 0x4u
#define FLAG_LABEL_KIND 0x8u
#define FLAG_JOIN 0x10u			/* a joined network (dl_nn.h); format version 2 */
#define KNOWN_FLAGS (FLAG_IMPUTER | FLAG_SCALER | FLAG_OPTIONS | FLAG_LABEL_KIND | FLAG_JOIN)

/* the fewest bytes a feature record takes: name length, kind, length, rows, cols, categories */
#define MIN_FEATURE_BYTES 24

/* ---- CRC-32C (Castagnoli), reflected, table-driven ---- */

/*
 * Slicing by 8 (Intel's "slicing-by-8"): table k maps a byte to its CRC
 * contribution k bytes further on, so eight bytes take eight lookups and no
 * byte-to-byte dependency.  A model of a million parameters is checked at
 * every load (each statement that scores), where the byte-at-a-time loop
 * cost 13 ms; this one about a tenth of that.  Little- and big-endian hosts
 * alike: the eight bytes are read one by one.
 */
static uint32_t crc_table[8][256];
static bool crc_ready;

/*
 * Filled on first use: a backend is one thread, and the tables are the same
 * whoever fills them, so a second filling is harmless anyway.
 */
static void
crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++)
	{
		uint32_t	c = i;

		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
		crc_table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^ crc_table[0][crc_table[t - 1][i] & 0xFF];
	crc_ready = true;
}

uint32_t
dl_crc32c(const uint8_t *p, size_t n)
{
	uint32_t	c = 0xFFFFFFFFu;
	size_t		i = 0;

	if (!crc_ready)
		crc_init();
	while (n - i >= 8)
	{
		uint32_t	lo = c ^ ((uint32_t) p[i] | (uint32_t) p[i + 1] << 8 |
							  (uint32_t) p[i + 2] << 16 | (uint32_t) p[i + 3] << 24);

		c = crc_table[7][lo & 0xFF] ^ crc_table[6][(lo >> 8) & 0xFF] ^
			crc_table[5][(lo >> 16) & 0xFF] ^ crc_table[4][lo >> 24] ^
			crc_table[3][p[i + 4]] ^ crc_table[2][p[i + 5]] ^
			crc_table[1][p[i + 6]] ^ crc_table[0][p[i + 7]];
		i += 8;
		if ((i & 0xFFFFF) == 0)
			dl_check_interrupts();
	}
	for (; i < n; i++)
		c = crc_table[0][(c ^ p[i]) & 0xFF] ^ (c >> 8);
	return c ^ 0xFFFFFFFFu;
}

/* ---- checks shared by the writer and the reader ---- */

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

/* what a layer record stores that dl_network_plan does not check */
static dl_status
check_layer(const dl_layer_spec *s, int pos, dl_status bad)
{
	const dl_layer_ops *ops = dl_layer_ops_of((int) s->type);

	if (ops == NULL)
		return dl_model_error(bad, "layer %d has unknown type %d", pos, (int) s->type);
	return ops->check ? ops->check(s, pos, bad) : DL_OK;
}

static dl_status
check_string(const char *s, size_t min_len, size_t max_len, dl_status bad, const char *what)
{
	size_t		n;

	if (s == NULL)
		return dl_model_error(bad, "%s is missing", what);
	n = strlen(s);
	if (n < min_len || n > max_len)
		return dl_model_error(bad, "%s has %zu bytes, not %zu to %zu", what, n, min_len, max_len);
	return DL_OK;
}

/* a text feature: its encoding, its length, a final vocabulary */
static dl_status
check_text_feature(const dl_feature *f, int i, dl_status bad)
{
	dl_vocab_info info;

	if (f->encoding < DL_TEXT_SEQUENCE || f->encoding > DL_TEXT_ENCODING_LAST)
		return dl_model_error(bad, "feature %d (text) has unknown encoding %d", i + 1, (int) f->encoding);
	if (f->length < 1 || f->length > DL_MAX_FEATURES || f->rows != 0 || f->cols != 0 ||
		f->n_categories != 0)
		return dl_model_error(bad, "feature %d (text) must have a length of 1 to %d and no rows, columns or categories",
							  i + 1, DL_MAX_FEATURES);
	if (f->vocab == NULL)
		return dl_model_error(bad, "feature %d (text) has no vocabulary", i + 1);
	dl_vocab_get_info(f->vocab, &info);
	if (!info.final)
		return dl_model_error(bad, "the vocabulary of feature %d (text) is a counting state, not a final vocabulary",
							  i + 1);
	/* a bag of words: one input per id the vocabulary gives from 2 */
	if (dl_text_bag_encoding(f->encoding) && f->length != dl_vocab_id_count(f->vocab) - 2)
		return dl_model_error(bad, "feature %d (text, bag of words) has %d inputs, its vocabulary %lld ids from 2",
							  i + 1, f->length, (long long) dl_vocab_id_count(f->vocab) - 2);
	return DL_OK;
}

int
dl_model_dense_inputs(const dl_model *m)
{
	int			d = 0;

	for (int i = 0; i < m->n_features && !dl_feature_is_bag(&m->features[i]); i++)
		d += m->features[i].length;
	return d;
}

/*
 * A text feature's token ids go to the embedding that opens the network:
 * every id the vocabulary gives must have a row in its table, which the
 * kernels do not check.  It is the model's only feature, or the first of
 * a joined network whose first layer reads exactly its ids (the other
 * features join after the text branch).
 */
static dl_status
check_text_network(const dl_model *m, dl_status bad)
{
	for (int i = 0; i < m->n_features; i++)
	{
		const dl_feature *f = &m->features[i];
		const dl_layer_spec *first = &m->net.layers[0].spec;

		/* bags of words come after every other input (the scalers stop before them) */
		if (i > 0 && dl_feature_is_bag(&m->features[i - 1]) && !dl_feature_is_bag(f))
			return dl_model_error(bad, "feature %d comes after a bag-of-words feature", i + 1);
		if (f->kind != DL_FEATURE_TEXT || dl_feature_is_bag(f))
			continue;
		if (m->n_features != 1 &&
			(i != 0 || m->net.n_joined == 0 ||
			 dl_shape_size(&m->net.layers[0].in_shape) != (size_t) f->length))
			return dl_model_error(bad, "feature %d (text, sequence) must be the model's only feature, or the first one with the others joined after the text branch",
								  i + 1);
		if (first->type != DL_LAYER_EMBEDDING ||
			first->embedding.input_dim != dl_vocab_id_count(f->vocab))
			return dl_model_error(bad, "feature %d (text, sequence) needs an embedding first, with an input_dim of %lld (its vocabulary's ids)",
								  i + 1, (long long) dl_vocab_id_count(f->vocab));
	}
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
		case DL_FEATURE_TEXT_NUMBER:
			if (f->length != 1 || f->rows != 0 || f->cols != 0 || f->n_categories != 0)
				return dl_model_error(bad, "feature %d (number) must have length 1 and no rows, columns or categories", i + 1);
			return DL_OK;
		case DL_FEATURE_DATE:
			if (f->encodings == 0 || (f->encodings & ~DL_DATE_ALL) != 0 ||
				f->length != dl_date_inputs(f->encodings) || f->rows != 0 || f->cols != 0 ||
				f->n_categories != 0)
				return dl_model_error(bad, "feature %d (date) must have known encodings (0x%X) giving its %d inputs, and no rows, columns or categories",
									  i + 1, f->encodings, f->length);
			return DL_OK;
		case DL_FEATURE_ARRAY:
			if (f->length < 1 || f->length > DL_MAX_FEATURES || f->rows != 0 || f->cols != 0 ||
				f->n_categories != 0)
				return dl_model_error(bad, "feature %d (array) must have a length of 1 to %d and no rows, columns or categories",
								   i + 1, DL_MAX_FEATURES);
			return DL_OK;
		case DL_FEATURE_MATRIX:
			if (f->rows < 1 || f->cols < 1 || f->rows > DL_MAX_FEATURES || f->cols > DL_MAX_FEATURES ||
				(int64_t) f->rows * f->cols != f->length || f->length > DL_MAX_FEATURES ||
				f->n_categories != 0)
				return dl_model_error(bad, "feature %d (matrix) must have rows x cols = length, at most %d, and no categories",
								   i + 1, DL_MAX_FEATURES);
			return DL_OK;
		case DL_FEATURE_CATEGORICAL:
			if (f->n_categories < 0 || f->n_categories > DL_MAX_FEATURES ||
				f->length != f->n_categories || f->rows != 0 || f->cols != 0 ||
				(f->n_categories > 0 && f->categories == NULL))
				return dl_model_error(bad, "feature %d (categorical) must have one input per category and no rows or columns",
								   i + 1);
			for (int c = 0; c < f->n_categories; c++)
			{
				snprintf(what, sizeof(what), "category %d of feature %d", c + 1, i + 1);
				if ((st = check_string(f->categories[c], 0, DL_MAX_VALUE, bad, what)) != DL_OK)
					return st;
				/* prediction finds a value by binary search */
				if (c > 0 && strcmp(f->categories[c - 1], f->categories[c]) >= 0)
					return dl_model_error(bad, "the categories of feature %d are not in strictly ascending byte order",
									   i + 1);
			}
			return DL_OK;
		case DL_FEATURE_TEXT:
			return check_text_feature(f, i, bad);
	}
	return dl_model_error(bad, "feature %d has unknown kind %d", i + 1, (int) f->kind);
}

static dl_status
check_scaler(const dl_scaler *s, bool imputer, int n_inputs, dl_status bad)
{
	const char *what = imputer ? "the imputer" : "the scaler";

	if (imputer != (s->kind == DL_SCALER_IMPUTER))
		return dl_model_error(bad, "%s is a %s", what, dl_scaler_kind_name(s->kind));
	if (s->d != n_inputs)
		return dl_model_error(bad, "%s has %d features but the model has %d inputs", what, s->d, n_inputs);
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
	dl_status	st;

	for (int i = 0; i < net->n_layers; i++)
	{
		const dl_layer *l = &net->layers[i];
		const float *p = net->params + l->param_offset;

		for (size_t j = 0; j < l->n_params; j++)
		{
			if (!isfinite(p[j]))
				return dl_model_error(bad, "layer %d (%s) has a non-finite parameter: number %zu of its %zu is %g",
									  i + 1, l->ops->name, j + 1, l->n_params, (double) p[j]);
			if ((j & 0xFFFFF) == 0xFFFFF)
				dl_check_interrupts();
		}
		if (l->ops->check_params && (st = l->ops->check_params(l, p, i + 1, bad)) != DL_OK)
			return st;
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
		return dl_model_error(bad, "the options are not JSON: %s at character %d", err.message, err.pos);
	}
	root = dl_json_root(doc);
	if (root->type != DL_JSON_OBJECT)
		st = dl_model_error(bad, "the options are not a JSON object");
	else if (json_has_nul(root))
		st = dl_model_error(bad, "the options hold a \\u0000, which no text can hold");
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
		return dl_model_error(bad, "task %d and loss %d do not go together", (int) m->task, (int) m->loss);
	/* clustering and projection models have no target: an empty name */
	if ((st = check_string(m->target, unsupervised(m->task) ? 0 : 1,
						   unsupervised(m->task) ? 0 : DL_MAX_NAME, bad, "the target name")) != DL_OK)
		return st;
	if (net->n_layers < 1 || net->n_layers > DL_MAX_LAYERS || net->layers == NULL ||
		(net->n_params > 0 && net->params == NULL))
		return dl_model_error(bad, "the network is not built");
	for (int i = 0; i < net->n_layers; i++)
		if ((st = check_layer(&net->layers[i].spec, i + 1, bad)) != DL_OK)
			return st;

	n_out = dl_shape_size(&net->output_shape);
	if (m->n_labels < 0 || m->n_labels > DL_MAX_LABELS || (m->n_labels > 0 && m->labels == NULL))
		return dl_model_error(bad, "%d labels is out of range (0 to %d)", m->n_labels, DL_MAX_LABELS);
	if (m->task == DL_TASK_PROJECTION && m->n_labels != 0)
		return dl_model_error(bad, "a projection model has no labels, not %d", m->n_labels);
	if (m->task == DL_TASK_REGRESSION && (m->n_labels != 0 || n_out != 1))
		return dl_model_error(bad, "a regression model has one output and no labels, not %zu outputs and %d labels",
						   n_out, m->n_labels);
	if (m->loss == DL_LOSS_BCE && (m->n_labels != 2 || n_out != 1))
		return dl_model_error(bad, "a binary_cross_entropy model has two labels and one output, not %d labels and %zu outputs",
						   m->n_labels, n_out);
	if (m->loss == DL_LOSS_CE && (m->n_labels < 2 || n_out != (size_t) m->n_labels))
		return dl_model_error(bad, "a cross_entropy model has one output per label (at least 2), not %zu outputs for %d labels",
						   n_out, m->n_labels);
	for (int i = 0; i < m->n_labels; i++)
	{
		char		what[32];

		snprintf(what, sizeof(what), "label %d", i + 1);
		if ((st = check_string(m->labels[i], 0, DL_MAX_VALUE, bad, what)) != DL_OK)
			return st;
	}

	if (m->n_features < 1 || m->n_features > DL_MAX_FEATURES || m->features == NULL)
		return dl_model_error(bad, "%d features is out of range (1 to %d)", m->n_features, DL_MAX_FEATURES);
	for (int i = 0; i < m->n_features; i++)
	{
		if ((st = check_feature(&m->features[i], i, bad)) != DL_OK)
			return st;
		sum += (size_t) m->features[i].length;
	}
	if (sum != (size_t) m->n_inputs || sum != dl_shape_size(&net->input_shape))
		return dl_model_error(bad, "the features give %zu inputs but the model has %d and the network takes %zu",
						   sum, m->n_inputs, dl_shape_size(&net->input_shape));
	if (m->imputer && (st = check_scaler(m->imputer, true, dl_model_dense_inputs(m), bad)) != DL_OK)
		return st;
	if (m->scaler && (st = check_scaler(m->scaler, false, dl_model_dense_inputs(m), bad)) != DL_OK)
		return st;
	if (m->options_json && (st = check_options(m->options_json, bad)) != DL_OK)
		return st;
	if (m->label_kind != DL_LABELS_UNRECORDED &&
		(m->task != DL_TASK_CLASSIFICATION || m->label_kind > DL_LABELS_TEXT))
		return dl_model_error(bad, "label kind %d does not fit a %s model", (int) m->label_kind,
							  dl_task_name(m->task));
	if ((st = check_text_network(m, bad)) != DL_OK)
		return st;
	return check_params(net, bad);
}

/* ---- writing ---- */

/* a layer record: its type, then what its record op writes */
static void
put_layer(dl_writer *w, const dl_layer_spec *s)
{
	const dl_layer_ops *ops = dl_layer_ops_of((int) s->type);

	dl_put_u32(w, (uint32_t) s->type);
	if (ops && ops->write)
		ops->write(w, s);
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
put_scaler(dl_writer *w, const dl_scaler *s)
{
	double	   *arrays[4];
	int			n = scaler_arrays(s, arrays);

	dl_put_u32(w, (uint32_t) s->kind);
	dl_put_u32(w, (uint32_t) s->strategy);
	dl_put_u32(w, (uint32_t) s->d);
	dl_put_f64(w, s->n);
	dl_put_f64(w, s->constant);
	for (int a = 0; a < n; a++)
		for (int i = 0; i < s->d; i++)
			dl_put_f64(w, arrays[a][i]);
}

/* a text feature's record after the common fields: encoding, then its vocabulary's bytes */
static void
put_text_feature(dl_writer *w, const dl_feature *f)
{
	size_t		n = dl_vocab_bytes(f->vocab);

	dl_put_u32(w, (uint32_t) f->encoding);
	dl_put_u64(w, (uint64_t) n);
	if (w->buf)
		dl_vocab_write(f->vocab, w->buf + w->pos);
	w->pos += n;
}

static void
put_model(dl_writer *w, const dl_model *m, uint32_t flags, size_t total)
{
	const dl_network *net = &m->net;

	dl_put_bytes(w, DL_MODEL_MAGIC, 8);
	dl_put_u32(w, w->version);
	dl_put_u32(w, flags);
	dl_put_u32(w, HEADER_LEN);
	dl_put_u64(w, (uint64_t) total);

	dl_put_u32(w, (uint32_t) m->task);
	dl_put_u32(w, (uint32_t) m->loss);
	dl_put_string(w, m->target);
	dl_put_u32(w, (uint32_t) m->n_labels);
	for (int i = 0; i < m->n_labels; i++)
		dl_put_string(w, m->labels[i]);
	dl_put_u32(w, (uint32_t) m->n_features);
	for (int i = 0; i < m->n_features; i++)
	{
		const dl_feature *f = &m->features[i];

		dl_put_string(w, f->name);
		dl_put_u32(w, (uint32_t) f->kind);
		dl_put_u32(w, (uint32_t) f->length);
		/* a date feature's encodings take the rows field, which only matrices use */
		dl_put_u32(w, (uint32_t) (f->kind == DL_FEATURE_DATE ? (int) f->encodings : f->rows));
		dl_put_u32(w, (uint32_t) f->cols);
		dl_put_u32(w, (uint32_t) f->n_categories);
		for (int c = 0; c < f->n_categories; c++)
			dl_put_string(w, f->categories[c]);
		if (f->kind == DL_FEATURE_TEXT)
			put_text_feature(w, f);
	}
	/* a joined network: the first layer's, which the joined inputs follow in each row */
	dl_put_shape(w, net->n_joined > 0 ? &net->layers[0].in_shape : &net->input_shape);
	dl_put_u32(w, (uint32_t) net->n_layers);
	for (int i = 0; i < net->n_layers; i++)
		put_layer(w, &net->layers[i].spec);
	if (m->imputer)
		put_scaler(w, m->imputer);
	if (m->scaler)
		put_scaler(w, m->scaler);
	if (m->options_json)
		dl_put_string(w, m->options_json);
	if (m->label_kind != DL_LABELS_UNRECORDED)
		dl_put_u32(w, (uint32_t) m->label_kind);
	if (net->n_joined > 0)
	{
		dl_put_u32(w, (uint32_t) net->n_joined);
		dl_put_u32(w, (uint32_t) net->join_layer);
	}
	dl_put_u64(w, (uint64_t) net->n_params);
	if (w->buf)
	{
		uint8_t    *p = w->buf + w->pos;

		for (size_t i = 0; i < net->n_params; i++)
		{
			uint32_t	u;

			memcpy(&u, &net->params[i], 4);
			dl_store_u32(p + 4 * i, u);
		}
	}
	w->pos += 4 * net->n_params;
}

dl_status
dl_model_write(const dl_model *m, uint8_t **out, size_t *len)
{
	dl_writer	w = {NULL, 0, dl_model_format_version(m)};
	uint32_t	flags = 0;
	size_t		total;
	dl_status	st;

	*out = NULL;
	*len = 0;
	if ((st = check_model(m, DL_EINVAL)) != DL_OK)
		return st;
	if (m->options_json && strlen(m->options_json) > UINT32_MAX)
		return dl_model_error(DL_EINVAL, "the options text is too long");
	flags = (m->imputer ? FLAG_IMPUTER : 0) | (m->scaler ? FLAG_SCALER : 0) |
		(m->options_json ? FLAG_OPTIONS : 0) |
		(m->label_kind != DL_LABELS_UNRECORDED ? FLAG_LABEL_KIND : 0) |
		(m->net.n_joined > 0 ? FLAG_JOIN : 0);

	put_model(&w, m, flags, 0);
	total = w.pos + CHECKSUM_LEN;
	w.buf = dl_alloc(total);
	w.pos = 0;
	put_model(&w, m, flags, total);
	dl_store_u32(w.buf + w.pos, dl_crc32c(w.buf, w.pos));
	*out = w.buf;
	*len = total;
	return DL_OK;
}

/*
 * The lowest format version that holds the model: 1 (pgdl 0.1.0's) unless
 * an embedding masks its padding, a feature is text or the network is
 * joined (version 2 added the mask flag, text features and joins), so that
 * models which need nothing new stay readable by older releases, and a
 * release that cannot honour a mask refuses the model as newer
 */
uint32_t
dl_model_format_version(const dl_model *m)
{
	const dl_network *net = &m->net;

	if (net->n_joined > 0)
		return 2;
	for (int i = 0; i < m->n_features; i++)
		if (m->features[i].kind == DL_FEATURE_TEXT)
			return 2;
	for (int i = 0; i < net->n_layers; i++)
		if (net->layers[i].spec.type == DL_LAYER_EMBEDDING &&
			net->layers[i].spec.embedding.mask_zero)
			return 2;
	return 1;
}

/* ---- reading ---- */

static dl_status
get_layer(dl_reader *r, dl_layer_spec *s)
{
	uint32_t	type;
	const dl_layer_ops *ops;
	dl_status	st;

	if ((st = dl_get_u32(r, &type)) != DL_OK)
		return st;
	ops = dl_layer_ops_of(type > DL_LAYER_LAST ? 0 : (int) type);
	if (ops == NULL)
		return dl_error(DL_EFORMAT, "invalid model: unknown layer type %u", type);
	/* the fields a type does not store keep their defaults */
	dl_layer_spec_defaults(s, (dl_layer_type) type);
	return ops->read ? ops->read(r, s) : DL_OK;
}

static dl_status
get_scaler(dl_reader *r, dl_scaler **out)
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

	if ((st = dl_get_u32(r, &kind)) != DL_OK || (st = dl_get_u32(r, &strategy)) != DL_OK ||
		(st = dl_get_count(r, DL_SCALER_MAX_D, "a scaler's feature count", &d)) != DL_OK ||
		(st = dl_get_f64(r, &n)) != DL_OK || (st = dl_get_f64(r, &constant)) != DL_OK)
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
		return dl_reader_past_end(r);
	if ((st = dl_scaler_alloc(s, (dl_scaler_kind) kind, d)) != DL_OK)
		return st;
	s->strategy = (dl_impute_strategy) strategy;
	s->n = n;
	s->constant = constant;
	scaler_arrays(s, arrays);
	for (int a = 0; a < n_arrays; a++)
		for (int i = 0; i < d; i++)
			(void) dl_get_f64(r, &arrays[a][i]);	/* the room was checked above */
	return DL_OK;
}

/* a text feature's record after the common fields (put_text_feature) */
static dl_status
get_text_feature(dl_reader *r, dl_feature *f, int i)
{
	uint32_t	encoding;
	uint64_t	n;
	dl_detail	why;
	dl_status	st;

	if ((st = dl_get_u32(r, &encoding)) != DL_OK || (st = dl_get_u64(r, &n)) != DL_OK)
		return st;
	if (encoding < DL_TEXT_SEQUENCE || encoding > DL_TEXT_ENCODING_LAST)
		return dl_error(DL_EFORMAT, "invalid model: feature %d (text) has unknown encoding %u", i + 1, encoding);
	f->encoding = (dl_text_encoding) encoding;
	if (n > r->left)
		return dl_reader_past_end(r);
	if ((st = dl_vocab_read(r->p, (size_t) n, &f->vocab, &why)) != DL_OK)
		return dl_error(st == DL_EVERSION ? DL_EVERSION : DL_EFORMAT,
						"invalid model: the vocabulary of feature %d: %s", i + 1, why.text);
	r->p += n;
	r->left -= (size_t) n;
	return DL_OK;
}

/*
 * Feature i; *sum counts the inputs so far, which bounds the categories of
 * all features together (one input each) before any is allocated.
 */
static dl_status
get_feature(dl_reader *r, dl_feature *f, int i, size_t *sum)
{
	char		what[64];
	uint32_t	kind;
	dl_status	st;

	snprintf(what, sizeof(what), "the name of feature %d", i + 1);
	if ((st = dl_get_string(r, DL_MAX_NAME, what, &f->name)) != DL_OK ||
		(st = dl_get_u32(r, &kind)) != DL_OK ||
		(st = dl_get_count(r, DL_MAX_FEATURES, "a feature's length", &f->length)) != DL_OK ||
		(st = dl_get_count(r, DL_MAX_FEATURES, "a feature's rows", &f->rows)) != DL_OK ||
		(st = dl_get_count(r, DL_MAX_FEATURES, "a feature's columns", &f->cols)) != DL_OK)
		return st;
	/* text features came with format version 2 */
	if (kind < DL_FEATURE_NUMBER || kind > DL_FEATURE_TEXT ||
		(kind == DL_FEATURE_TEXT && r->version < 2))
		return dl_error(DL_EFORMAT, "invalid model: feature %d has unknown kind %u", i + 1, kind);
	f->kind = (dl_feature_kind) kind;
	if (f->kind == DL_FEATURE_DATE)
	{
		f->encodings = (unsigned) f->rows;
		f->rows = 0;
	}
	*sum += (size_t) f->length;
	if (*sum > DL_MAX_FEATURES)
		return dl_error(DL_EFORMAT, "invalid model: the features give more than %d inputs",
						DL_MAX_FEATURES);
	{
		int			n;

		if ((st = dl_get_items(r, DL_MAX_FEATURES, 4, "a feature's category count", &n)) != DL_OK)
			return st;
		if (n != (f->kind == DL_FEATURE_CATEGORICAL ? f->length : 0))
			return dl_error(DL_EFORMAT, "invalid model: feature %d has %d categories and length %d",
							i + 1, n, f->length);
		if (n == 0)
			return f->kind == DL_FEATURE_TEXT ? get_text_feature(r, f, i) : DL_OK;
		f->categories = dl_alloc(sizeof(char *) * (size_t) n);
		memset(f->categories, 0, sizeof(char *) * (size_t) n);
		f->n_categories = n;
	}
	for (int c = 0; c < f->n_categories; c++)
	{
		snprintf(what, sizeof(what), "category %d of feature %d", c + 1, i + 1);
		if ((st = dl_get_string(r, DL_MAX_VALUE, what, &f->categories[c])) != DL_OK)
			return st;
	}
	return DL_OK;
}

/* the header is checked; r covers the sections, up to the checksum */
static dl_status
read_sections(dl_reader *r, uint32_t flags, size_t max_params, dl_model *m)
{
	dl_layer_spec *specs = NULL;
	dl_shape	input;
	uint32_t	u;
	uint64_t	count = 0;
	int			n_layers;
	size_t		sum = 0;
	uint32_t	n_joined = 0,
				join_layer = 0;
	dl_status	st;

	r->section = "task and loss";
	if ((st = dl_get_u32(r, &u)) != DL_OK)
		return st;
	m->task = (dl_task) u;
	if ((st = dl_get_u32(r, &u)) != DL_OK)
		return st;
	m->loss = (dl_loss) u;
	if (!loss_for_task(m->task, m->loss))
		return dl_error(DL_EFORMAT, "invalid model: unknown task or loss (%d, %d)",
						(int) m->task, (int) m->loss);
	r->section = "target name";
	if ((st = dl_get_string(r, DL_MAX_NAME, "the target name", &m->target)) != DL_OK)
		return st;

	r->section = "labels";
	{
		int			n;

		if ((st = dl_get_items(r, DL_MAX_LABELS, 4, "the label count", &n)) != DL_OK)
			return st;
		if (n > 0)
		{
			m->labels = dl_alloc(sizeof(char *) * (size_t) n);
			memset(m->labels, 0, sizeof(char *) * (size_t) n);
			m->n_labels = n;
		}
	}
	for (int i = 0; i < m->n_labels; i++)
		if ((st = dl_get_string(r, DL_MAX_VALUE, "a label", &m->labels[i])) != DL_OK)
			return st;

	r->section = "features";
	{
		int			n;

		if ((st = dl_get_items(r, DL_MAX_FEATURES, MIN_FEATURE_BYTES, "the feature count", &n)) != DL_OK)
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
	if ((st = dl_get_shape(r, false, &input)) != DL_OK)
		return st;

	r->section = "layers";
	if ((st = dl_get_items(r, DL_MAX_LAYERS, 4, "the layer count", &n_layers)) != DL_OK)
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
		st = dl_get_string(r, UINT32_MAX, "the options text", &m->options_json);
	}
	if (st == DL_OK && (flags & FLAG_LABEL_KIND))
	{
		r->section = "label kind";
		if ((st = dl_get_u32(r, &u)) == DL_OK)
		{
			/* canonical: a recorded kind is never 0 */
			if (u < DL_LABELS_NUMBER || u > DL_LABELS_TEXT)
				st = dl_error(DL_EFORMAT, "invalid model: unknown label kind %u", u);
			m->label_kind = (dl_label_kind) u;
		}
	}
	if (st == DL_OK && (flags & FLAG_JOIN))
	{
		r->section = "join";
		if (r->version < 2)
			st = dl_error(DL_EFORMAT, "invalid model: joined inputs (flag 0x%X) need format version 2, not %u",
						  FLAG_JOIN, r->version);
		if (st == DL_OK && (st = dl_get_u32(r, &n_joined)) == DL_OK)
			st = dl_get_u32(r, &join_layer);
		/* canonical: a model without joined inputs has no join section */
		if (st == DL_OK && (n_joined < 1 || n_joined > DL_MAX_FEATURES))
			st = dl_error(DL_EFORMAT, "invalid model: %u joined inputs (1 to %d)", n_joined,
						  DL_MAX_FEATURES);
	}
	if (st == DL_OK)
	{
		r->section = "parameters";
		st = dl_get_u64(r, &count);
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
		st = dl_network_plan_joined(&m->net, specs, n_layers, &input, (int) n_joined, DL_EFORMAT);
	dl_free(specs);
	if (st != DL_OK)
		return st;
	/* where the inputs join follows from the layers: the stored place must be it */
	if (n_joined > 0 && join_layer != (uint32_t) m->net.join_layer)
		return dl_error(DL_EFORMAT, "invalid model: the inputs join after layer %u, but the layers put the join after layer %d",
						join_layer + 1, m->net.join_layer + 1);
	if (m->net.n_params != count)
		return dl_error(DL_EFORMAT, "invalid model: the layers have %zu parameters but the model stores %llu",
						m->net.n_params, (unsigned long long) count);
	if (count > 0)
	{
		m->net.params = dl_alloc(sizeof(float) * (size_t) count);
		for (size_t i = 0; i < count; i++)
		{
			uint32_t	v = dl_load_u32(r->p + 4 * i);

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
	dl_reader	r;
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
		version = dl_load_u32(data + 8);
		if (version == 0)
			return dl_error(DL_EFORMAT, "invalid model: format version 0");
		if (version > DL_MODEL_FORMAT_VERSION)
			return dl_error(DL_EVERSION, "model format version %u is newer than this pgdl supports (%d)",
							version, DL_MODEL_FORMAT_VERSION);
	}
	if (len < HEADER_LEN + CHECKSUM_LEN)
		return dl_error(DL_EFORMAT, "invalid model: truncated to %zu bytes", len);
	flags = dl_load_u32(data + 12);
	header_len = dl_load_u32(data + 16);
	total = dl_load_u64(data + 20);
	if (header_len != HEADER_LEN)
		return dl_error(DL_EFORMAT, "invalid model: header length %u, the format's is %d",
						header_len, HEADER_LEN);
	if (total > len)
		return dl_error(DL_EFORMAT, "invalid model: truncated to %zu of its %llu bytes",
						len, (unsigned long long) total);
	if (total < len)
		return dl_error(DL_EFORMAT, "invalid model: %zu bytes after its end",
						len - (size_t) total);
	stored = dl_load_u32(data + len - CHECKSUM_LEN);
	actual = dl_crc32c(data, len - CHECKSUM_LEN);
	if (stored != actual)
		return dl_error(DL_EFORMAT, "checksum mismatch: the model bytes are damaged");
	if (flags & ~KNOWN_FLAGS)
		return dl_error(DL_EFORMAT, "invalid model: unknown flags 0x%X", flags & ~KNOWN_FLAGS);

	memset(&m, 0, sizeof(m));
	r.p = data + HEADER_LEN;
	r.left = len - HEADER_LEN - CHECKSUM_LEN;
	r.section = "header";
	r.version = version;
	st = read_sections(&r, flags, max_params, &m);
	if (st == DL_OK && r.left != 0)
		st = dl_error(DL_EFORMAT, "invalid model: %zu bytes after the parameters", r.left);
	/* the writer's choice, so that a blob has one form (reading and writing give it back) */
	if (st == DL_OK && version != dl_model_format_version(&m))
		st = dl_error(DL_EFORMAT, "invalid model: format version %u for a model that format version %u holds",
					  version, dl_model_format_version(&m));
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
		if (f->vocab)
			dl_vocab_free(f->vocab);
	}
	dl_free(m->features);
	free_scaler(m->imputer);
	free_scaler(m->scaler);
	dl_free(m->options_json);
	dl_network_free(&m->net);
	memset(m, 0, sizeof(*m));
}
