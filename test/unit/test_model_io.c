/*-------------------------------------------------------------------------
 *
 * test_model_io.c
 *	  The weights format (src/core/nn/model_io.c, docs/model-format.md).
 *
 * A model is built by hand (every feature kind, labels, an imputer, a
 * scaler, options and a network with every layer type), written, read back
 * and compared field by field with bit-identical parameters.  Then the
 * reader is attacked: every truncation, every single-bit flip, a newer
 * version, and hand-edited fields (with the checksum recomputed so the
 * reader gets past it) that claim huge counts, which must fail without a
 * large allocation.  Under ASan (run_tests_asan) a failed read that leaks
 * is reported at exit.
 *
 * test/unit/test_model_io.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "nn_testing.h"
#include "../fuzz/layer_models.h"

#define NO_LIMIT ((size_t) 1 << 40)

static void
set_feature(dl_feature *f, const char *name, dl_feature_kind kind, int length, int rows, int cols)
{
	memset(f, 0, sizeof(*f));
	f->name = model_strdup(name);
	f->kind = kind;
	f->length = length;
	f->rows = rows;
	f->cols = cols;
}

/*
 * The full model: 11 inputs from five features (number, array of 3, 2x2
 * matrix, categorical of 3, categorical seen without values), a 3-class
 * softmax network with every layer type.
 */
static void
build_full(dl_model *m)
{
	const char *labels[] = {"setosa", "versicolor", "virginica"};
	const char *colors[] = {"blue", "green", "red"};
	dl_layer_spec *specs;
	int			n;
	dl_shape	in = {1, {11}};

	memset(m, 0, sizeof(*m));
	m->task = DL_TASK_CLASSIFICATION;
	m->loss = DL_LOSS_CE;
	m->target = model_strdup("species");
	m->n_labels = 3;
	m->labels = dl_alloc(3 * sizeof(char *));
	for (int i = 0; i < 3; i++)
		m->labels[i] = model_strdup(labels[i]);
	m->label_kind = DL_LABELS_TEXT;
	m->n_features = 5;
	m->features = dl_alloc(5 * sizeof(dl_feature));
	set_feature(&m->features[0], "age", DL_FEATURE_NUMBER, 1, 0, 0);
	set_feature(&m->features[1], "pix", DL_FEATURE_ARRAY, 3, 0, 0);
	set_feature(&m->features[2], "seq", DL_FEATURE_MATRIX, 4, 2, 2);
	set_feature(&m->features[3], "color", DL_FEATURE_CATEGORICAL, 3, 0, 0);
	m->features[3].n_categories = 3;
	m->features[3].categories = dl_alloc(3 * sizeof(char *));
	for (int i = 0; i < 3; i++)
		m->features[3].categories[i] = model_strdup(colors[i]);
	set_feature(&m->features[4], "never", DL_FEATURE_CATEGORICAL, 0, 0, 0);
	m->n_inputs = 11;

	m->imputer = dl_alloc(sizeof(dl_scaler));
	CHECK_STATUS(dl_scaler_alloc(m->imputer, DL_SCALER_IMPUTER, 11), DL_OK);
	m->imputer->strategy = DL_IMPUTE_MEAN;
	m->imputer->n = 150;
	m->scaler = dl_alloc(sizeof(dl_scaler));
	CHECK_STATUS(dl_scaler_alloc(m->scaler, DL_SCALER_STANDARD, 11), DL_OK);
	m->scaler->n = 150;
	for (int i = 0; i < 11; i++)
	{
		m->imputer->fill[i] = 0.5 * i - 1;
		m->scaler->center[i] = m->scaler->lo[i] = 0.1 * i;
		m->scaler->scale[i] = m->scaler->hi[i] = 1.0 + i;
	}
	m->scaler->scale[3] = NAN;	/* a scaler fitted on NaN keeps it */
	m->scaler->hi[3] = NAN;
	m->options_json = model_strdup("{\"epochs\": 5, \"description\": \"caf\xC3\xA9\"}");

	CHECK_STATUS(dl_parse_layers(
								 "[{\"type\":\"dense\",\"units\":8,\"activation\":\"relu\"},"
								 "{\"type\":\"dropout\",\"rate\":0.2},{\"type\":\"batchnorm\",\"momentum\":0.3},"
								 "{\"type\":\"reshape\",\"target_shape\":[2,-1]},{\"type\":\"layernorm\",\"epsilon\":1e-3},"
								 "{\"type\":\"flatten\"},{\"type\":\"activation\",\"activation\":\"leaky_relu\",\"alpha\":0.3},"
								 "{\"type\":\"dense\",\"use_bias\":false}]", &specs, &n), DL_OK);
	CHECK_STATUS(dl_complete_output(&specs, &n, DL_TASK_CLASSIFICATION, 3, DL_LOSS_CE), DL_OK);
	CHECK_STATUS(dl_network_init(&m->net, specs, n, &in), DL_OK);
	dl_network_init_params(&m->net, 7);
	/* odd bit patterns travel too: a negative zero and the smallest subnormal */
	m->net.params[0] = -0.0f;
	{
		uint32_t	subnormal_bits = 0x00000001u;

		memcpy(&m->net.params[1], &subnormal_bits, 4);
	}
	dl_free(specs);
}

/* a model with every conv and pool layer type, on a [2, 6, 6] image of 72 values */
static void
build_cnn(dl_model *m)
{
	dl_layer_spec *specs;
	int			n;
	dl_shape	in = {3, {2, 6, 6}};

	memset(m, 0, sizeof(*m));
	m->task = DL_TASK_CLASSIFICATION;
	m->loss = DL_LOSS_CE;
	m->target = model_strdup("digit");
	m->n_labels = 3;
	m->labels = dl_alloc(3 * sizeof(char *));
	for (int i = 0; i < 3; i++)
		m->labels[i] = model_strdup(i == 0 ? "0" : i == 1 ? "1" : "2");
	m->n_features = 1;
	m->features = dl_alloc(sizeof(dl_feature));
	set_feature(&m->features[0], "pixels", DL_FEATURE_ARRAY, 72, 0, 0);
	m->n_inputs = 72;
	CHECK_STATUS(dl_parse_layers(
								 "[{\"type\":\"conv2d\",\"filters\":3,\"kernel\":[3,2],\"stride\":[1,2],\"padding\":\"same\","
								 "\"dilation\":[2,1],\"activation\":\"leaky_relu\",\"alpha\":0.2,\"use_bias\":false},"
								 "{\"type\":\"maxpool2d\",\"pool\":[2,1],\"stride\":1},"
								 "{\"type\":\"avgpool2d\",\"pool\":[2,3],\"stride\":1},"
								 "{\"type\":\"reshape\",\"target_shape\":[6,2]},"
								 "{\"type\":\"conv1d\",\"filters\":4,\"kernel\":2,\"dilation\":2,\"activation\":\"tanh\"},"
								 "{\"type\":\"maxpool1d\",\"pool\":2,\"stride\":1},"
								 "{\"type\":\"global_avgpool\"}]", &specs, &n), DL_OK);
	CHECK_STATUS(dl_complete_output(&specs, &n, DL_TASK_CLASSIFICATION, 3, DL_LOSS_CE), DL_OK);
	CHECK_STATUS(dl_network_init(&m->net, specs, n, &in), DL_OK);
	dl_network_init_params(&m->net, 8);
	dl_free(specs);
}

/* the smallest model: regression on one number through one dense unit */
static void
build_small(dl_model *m, bool with_scaler)
{
	dl_layer_spec spec;
	dl_shape	in = {1, {1}};

	memset(m, 0, sizeof(*m));
	m->task = DL_TASK_REGRESSION;
	m->loss = DL_LOSS_MSE;
	m->target = model_strdup("y");
	m->n_features = 1;
	m->features = dl_alloc(sizeof(dl_feature));
	set_feature(&m->features[0], "x", DL_FEATURE_NUMBER, 1, 0, 0);
	m->n_inputs = 1;
	dl_layer_spec_defaults(&spec, DL_LAYER_DENSE);
	spec.dense.units = 1;
	CHECK_STATUS(dl_network_init(&m->net, &spec, 1, &in), DL_OK);
	m->net.params[0] = 2.0f;
	m->net.params[1] = -1.0f;
	if (with_scaler)
	{
		m->scaler = dl_alloc(sizeof(dl_scaler));
		CHECK_STATUS(dl_scaler_alloc(m->scaler, DL_SCALER_STANDARD, 1), DL_OK);
		m->scaler->n = 10;
	}
}

static bool
same_scaler(const dl_scaler *a, const dl_scaler *b)
{
	size_t		bytes;

	if (a == NULL || b == NULL)
		return a == b;
	bytes = (size_t) a->d * sizeof(double);
	return a->kind == b->kind && a->strategy == b->strategy && a->d == b->d &&
		memcmp(&a->n, &b->n, 8) == 0 && memcmp(&a->constant, &b->constant, 8) == 0 &&
		memcmp(a->center, b->center, bytes) == 0 && memcmp(a->scale, b->scale, bytes) == 0 &&
		memcmp(a->lo, b->lo, bytes) == 0 && memcmp(a->hi, b->hi, bytes) == 0 &&
		memcmp(a->fill, b->fill, bytes) == 0;
}

static bool
same_string(const char *a, const char *b)
{
	return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

/* field by field; the network through its specs, shapes and parameter bits */
static void
check_same_model(const dl_model *a, const dl_model *b)
{
	CHECK(a->task == b->task && a->loss == b->loss);
	CHECK(same_string(a->target, b->target));
	CHECK(a->n_labels == b->n_labels);
	for (int i = 0; i < a->n_labels && i < b->n_labels; i++)
		CHECK(same_string(a->labels[i], b->labels[i]));
	CHECK(a->n_features == b->n_features && a->n_inputs == b->n_inputs);
	for (int i = 0; i < a->n_features && i < b->n_features; i++)
	{
		const dl_feature *x = &a->features[i],
				   *y = &b->features[i];

		CHECK(same_string(x->name, y->name) && x->kind == y->kind && x->length == y->length &&
			  x->rows == y->rows && x->cols == y->cols && x->n_categories == y->n_categories);
		for (int c = 0; c < x->n_categories && c < y->n_categories; c++)
			CHECK(same_string(x->categories[c], y->categories[c]));
	}
	CHECK(same_scaler(a->imputer, b->imputer));
	CHECK(same_scaler(a->scaler, b->scaler));
	CHECK(same_string(a->options_json, b->options_json));
	CHECK(a->label_kind == b->label_kind);
	for (int i = 0; i < a->n_features && i < b->n_features; i++)
		CHECK(a->features[i].encodings == b->features[i].encodings);
	CHECK(a->net.n_layers == b->net.n_layers && a->net.n_params == b->net.n_params);
	CHECK(memcmp(&a->net.input_shape, &b->net.input_shape, sizeof(dl_shape)) == 0);
	CHECK(memcmp(&a->net.output_shape, &b->net.output_shape, sizeof(dl_shape)) == 0);
	for (int i = 0; i < a->net.n_layers && i < b->net.n_layers; i++)
	{
		const dl_layer *x = &a->net.layers[i],
				   *y = &b->net.layers[i];

		CHECK(th_same_spec(&x->spec, &y->spec));
		CHECK(x->param_offset == y->param_offset && x->n_params == y->n_params &&
			  x->n_trainable == y->n_trainable);
		CHECK(memcmp(&x->out_shape, &y->out_shape, sizeof(dl_shape)) == 0);
	}
	if (a->net.n_params == b->net.n_params)
		CHECK(memcmp(a->net.params, b->net.params, a->net.n_params * sizeof(float)) == 0);
}

static bool
model_is_zero(const dl_model *m)
{
	static const dl_model zero;

	return memcmp(m, &zero, sizeof(zero)) == 0;
}

/* reads from an exact-size copy, so ASan sees any read past the end */
static dl_status
read_copy(const uint8_t *blob, size_t len, size_t max_params, dl_model *m)
{
	uint8_t    *copy = malloc(len ? len : 1);
	dl_status	st;

	memcpy(copy, blob, len);
	th_clear_error();
	st = dl_model_read(copy, len, max_params, m);
	free(copy);
	return st;
}

/*
 * With PGDL_MODEL_CORPUS set to a directory, the blobs of the round-trip
 * tests are also written there as fuzz seeds: after mode byte 0 (read as
 * is) and 1 (fuzz_model.c fixes the length and checksum first), for the
 * modes from first_mode on.
 */
static void
save_seed_modes(const char *name, int first_mode, const uint8_t *blob, size_t len)
{
	const char *dir = getenv("PGDL_MODEL_CORPUS");

	if (dir == NULL)
		return;
	for (int mode = first_mode; mode < 2; mode++)
	{
		char		path[1024];
		FILE	   *f;

		snprintf(path, sizeof(path), "%s/seed-%s-%d", dir, name, mode);
		f = fopen(path, "wb");
		if (f == NULL || fputc(mode, f) == EOF || fwrite(blob, 1, len, f) != len || fclose(f) != 0)
			th_fail(__FILE__, __LINE__, "cannot write %s", path);
	}
}

static void
save_seed(const char *name, const uint8_t *blob, size_t len)
{
	save_seed_modes(name, 0, blob, len);
}

static void
store32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t) (v >> (8 * i));
}

static uint32_t
load32(const uint8_t *p)
{
	return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

static void
fix_crc(uint8_t *blob, size_t len)
{
	store32(blob + len - 4, dl_crc32c(blob, len - 4));
}

/* ---- tests ---- */

static void
test_crc(void)
{
	th_begin("model: CRC-32C of the check string is 0xE3069283");
	CHECK(dl_crc32c((const uint8_t *) "123456789", 9) == 0xE3069283u);
	CHECK(dl_crc32c((const uint8_t *) "", 0) == 0);
	th_end();

	/* the sliced loop against the definition, bit by bit: every length and offset around its steps */
	th_begin("model: CRC-32C by 8-byte slices equals the bitwise definition (lengths 0-299, 8 offsets)");
	{
		uint8_t		buf[320];
		bool		all_equal = true;

		for (int i = 0; i < (int) sizeof(buf); i++)
			buf[i] = (uint8_t) (i * 167 + 13 + (i >> 3));
		for (int off = 0; off < 8; off++)
			for (size_t n = 0; n < 300; n++)
			{
				uint32_t	c = 0xFFFFFFFFu;

				for (size_t i = 0; i < n; i++)
				{
					c ^= buf[off + i];
					for (int k = 0; k < 8; k++)
						c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
				}
				all_equal &= dl_crc32c(buf + off, n) == (c ^ 0xFFFFFFFFu);
			}
		CHECK(all_equal);
	}
	th_end();
}

static void
test_round_trip(void)
{
	dl_model	m,
				back;
	uint8_t    *blob,
			   *again;
	size_t		len,
				len2;

	th_begin("model: write then read gives the same model, bit-identical parameters, same bytes again");
	build_full(&m);
	CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_OK);
	CHECK(len > 28 && memcmp(blob, "PGDLMODL", 8) == 0);
	CHECK(blob[8] == 1 && blob[9] == 0 && blob[12] == 15 && blob[16] == 28);
	CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_OK);
	check_same_model(&m, &back);
	CHECK(back.n_inputs == 11);
	save_seed("full", blob, len);
	CHECK_STATUS(dl_model_write(&back, &again, &len2), DL_OK);
	CHECK(len2 == len && memcmp(blob, again, len) == 0);
	/* the parameter count is the limit: exactly at it is fine */
	dl_model_free(&back);
	CHECK(model_is_zero(&back));
	CHECK_STATUS(read_copy(blob, len, m.net.n_params, &back), DL_OK);
	dl_model_free(&back);
	dl_free(again);
	dl_free(blob);
	dl_model_free(&m);

	/* every conv and pool layer: same model, same predictions */
	build_cnn(&m);
	CHECK(m.net.n_layers == 8 && m.net.output_shape.dim[0] == 3);
	CHECK(m.net.n_params == 3 * 2 * 3 * 2 + (2 * 2 * 4 + 4) + (4 * 3 + 3));
	CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_OK);
	CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_OK);
	check_same_model(&m, &back);
	save_seed("cnn", blob, len);
	CHECK_STATUS(dl_model_write(&back, &again, &len2), DL_OK);
	CHECK(len2 == len && memcmp(blob, again, len) == 0);
	{
		uint64_t	st = 3;
		float	   *x = malloc(sizeof(float) * 72 * 4);
		float		p1[12],
					p2[12];
		dl_workspace *w1,
				   *w2;

		for (int i = 0; i < 72 * 4; i++)
			x[i] = (float) th_rand_normal(&st);
		CHECK_STATUS(dl_workspace_create(&m.net, 4, false, &w1), DL_OK);
		CHECK_STATUS(dl_workspace_create(&back.net, 1, false, &w2), DL_OK);
		dl_network_predict(&m.net, w1, x, 4, p1);
		dl_network_predict(&back.net, w2, x, 4, p2);	/* one row at a time */
		for (int i = 0; i < 12; i++)
			CHECK_NEAR(p1[i], p2[i], 1e-6);
		dl_workspace_free(w1);
		dl_workspace_free(w2);
		free(x);
	}
	dl_model_free(&back);
	dl_free(again);
	dl_free(blob);
	dl_model_free(&m);

	/* an embedding: its table travels as a parameter block */
	{
		dl_layer_spec *specs;
		int			n;
		dl_shape	in = {1, {5}};

		build_small(&m, false);
		dl_network_free(&m.net);
		m.features[0].kind = DL_FEATURE_ARRAY;
		m.features[0].length = 5;
		m.n_inputs = 5;
		CHECK_STATUS(dl_parse_layers("[{\"type\":\"embedding\",\"input_dim\":7,\"output_dim\":3},"
									 "{\"type\":\"global_avgpool\"}]", &specs, &n), DL_OK);
		CHECK_STATUS(dl_complete_output(&specs, &n, DL_TASK_REGRESSION, 1, DL_LOSS_MSE), DL_OK);
		CHECK_STATUS(dl_network_init(&m.net, specs, n, &in), DL_OK);
		dl_network_init_params(&m.net, 5);
		dl_free(specs);
		CHECK(m.net.n_params == 7 * 3 + 3 + 1);
		CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_OK);
		CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_OK);
		check_same_model(&m, &back);
		save_seed("embedding", blob, len);
		/* no mask: format version 1, which pgdl 0.1.0 reads */
		CHECK(blob[8] == 1 && !back.net.layers[0].spec.embedding.mask_zero);
		dl_model_free(&back);
		dl_free(blob);

		/*
		 * mask_zero: format version 2, a flags byte more; each version
		 * holds what it must, so a blob has one form
		 */
		m.net.layers[0].spec.embedding.mask_zero = true;
		CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_OK);
		CHECK(blob[8] == 2);
		CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_OK);
		check_same_model(&m, &back);
		CHECK(back.net.layers[0].spec.embedding.mask_zero && back.net.layers[1].mask_in);
		save_seed("embedding-mask", blob, len);
		CHECK_STATUS(dl_model_write(&back, &again, &len2), DL_OK);
		CHECK(len2 == len && memcmp(blob, again, len) == 0);
		dl_model_free(&back);
		dl_free(again);
		store32(blob + 8, 1);
		fix_crc(blob, len);
		CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_EFORMAT);
		store32(blob + 8, 2);
		fix_crc(blob, len);
		CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_OK);
		dl_model_free(&back);
		{
			/* the flags byte: the embedding record is the first layer's, after the input shape */
			uint8_t    *flags = NULL;

			for (size_t i = 28; i + 12 < len; i++)
				if (blob[i] == DL_LAYER_EMBEDDING && blob[i + 4] == 7 && blob[i + 8] == 3 &&
					blob[i + 12] == 1)
				{
					flags = blob + i + 12;
					break;
				}
			CHECK(flags != NULL);
			if (flags)
			{
				*flags = 0;
				fix_crc(blob, len);
				/* version 2 without a mask: version 1 holds it */
				CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_EFORMAT);
				CHECK(strstr(th_last_message, "format version 2 for a model that format version 1 holds") != NULL);
				*flags = 3;
				fix_crc(blob, len);
				CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_EFORMAT);
				CHECK(strstr(th_last_message, "unknown embedding flags 0x2") != NULL);
			}
		}
		dl_free(blob);
		/* a version 1 blob claiming version 2 lacks the flags byte */
		m.net.layers[0].spec.embedding.mask_zero = false;
		CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_OK);
		store32(blob + 8, 2);
		fix_crc(blob, len);
		CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_EFORMAT);
		dl_free(blob);
		dl_model_free(&m);
	}

	/* stacked lstm and gru: same model, same predictions */
	{
		dl_layer_spec *specs;
		int			n;
		dl_shape	in = {2, {4, 3}};
		uint64_t	st = 9;
		float		x[12 * 3],
					p1[3],
					p2[3];
		dl_workspace *w1,
				   *w2;

		build_small(&m, false);
		dl_network_free(&m.net);
		m.features[0].kind = DL_FEATURE_MATRIX;
		m.features[0].rows = 4;
		m.features[0].cols = 3;
		m.features[0].length = 12;
		m.n_inputs = 12;
		CHECK_STATUS(dl_parse_layers("[{\"type\":\"lstm\",\"units\":5,\"return_sequences\":true},"
									 "{\"type\":\"gru\",\"units\":2}]", &specs, &n), DL_OK);
		CHECK_STATUS(dl_complete_output(&specs, &n, DL_TASK_REGRESSION, 1, DL_LOSS_MSE), DL_OK);
		CHECK_STATUS(dl_network_init(&m.net, specs, n, &in), DL_OK);
		dl_network_init_params(&m.net, 6);
		dl_free(specs);
		CHECK(m.net.n_params == 4 * 5 * (3 + 5 + 1) + 3 * 2 * (5 + 2 + 2) + 2 + 1);
		CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_OK);
		CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_OK);
		check_same_model(&m, &back);
		CHECK(back.net.layers[0].spec.rnn.return_sequences && !back.net.layers[1].spec.rnn.return_sequences);
		save_seed("rnn", blob, len);
		for (int i = 0; i < 36; i++)
			x[i] = (float) th_rand_normal(&st);
		CHECK_STATUS(dl_workspace_create(&m.net, 3, false, &w1), DL_OK);
		CHECK_STATUS(dl_workspace_create(&back.net, 1, false, &w2), DL_OK);
		dl_network_predict(&m.net, w1, x, 3, p1);
		dl_network_predict(&back.net, w2, x, 3, p2);
		for (int i = 0; i < 3; i++)
			CHECK_NEAR(p1[i], p2[i], 1e-6);
		dl_workspace_free(w1);
		dl_workspace_free(w2);
		dl_model_free(&back);
		dl_free(blob);
		dl_model_free(&m);
	}

	/* a bidirectional lstm: flags byte 3, read back; flags above 3 refused */
	{
		dl_layer_spec *specs;
		int			n;
		dl_shape	in = {2, {4, 3}};
		size_t		at = 0;

		build_small(&m, false);
		dl_network_free(&m.net);
		m.features[0].kind = DL_FEATURE_MATRIX;
		m.features[0].rows = 4;
		m.features[0].cols = 3;
		m.features[0].length = 12;
		m.n_inputs = 12;
		CHECK_STATUS(dl_parse_layers("[{\"type\":\"lstm\",\"units\":5,\"return_sequences\":true,"
									 "\"bidirectional\":true},{\"type\":\"global_avgpool\"}]", &specs, &n), DL_OK);
		CHECK_STATUS(dl_complete_output(&specs, &n, DL_TASK_REGRESSION, 1, DL_LOSS_MSE), DL_OK);
		CHECK_STATUS(dl_network_init(&m.net, specs, n, &in), DL_OK);
		dl_network_init_params(&m.net, 6);
		dl_free(specs);
		CHECK(m.net.n_params == 2 * 4 * 5 * (3 + 5 + 1) + 10 + 1);
		CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_OK);
		CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_OK);
		check_same_model(&m, &back);
		CHECK(back.net.layers[0].spec.rnn.bidirectional && back.net.layers[0].spec.rnn.return_sequences);
		dl_model_free(&back);
		/* the record: type 15, units 5, flags 3 */
		for (size_t i = 0; i + 9 <= len && !at; i++)
		{
			uint32_t	v[2];

			memcpy(v, blob + i, 8);
			if (v[0] == DL_LAYER_LSTM && v[1] == 5 && blob[i + 8] == 3)
				at = i + 8;
		}
		CHECK(at > 0);
		if (at > 0)
		{
			blob[at] = 4;
			fix_crc(blob, len);
			CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_EFORMAT);
			CHECK(strstr(th_last_message, "a recurrent layer's flags are 4") != NULL);
		}
		dl_free(blob);
		dl_model_free(&m);
	}

	/* every attention layer type: same model, same predictions; stored sizes are resolved */
	{
		dl_layer_spec *specs;
		int			n;
		dl_shape	in = {2, {4, 6}};
		uint64_t	st = 10;
		float		x[24 * 3],
					p1[3],
					p2[3];
		dl_workspace *w1,
				   *w2;
		char	   *json;

		build_small(&m, false);
		dl_network_free(&m.net);
		m.features[0].kind = DL_FEATURE_MATRIX;
		m.features[0].rows = 4;
		m.features[0].cols = 6;
		m.features[0].length = 24;
		m.n_inputs = 24;
		CHECK_STATUS(dl_parse_layers("[{\"type\":\"positional_encoding\"},"
									 "{\"type\":\"attention\",\"heads\":2,\"key_dim\":5,\"causal\":true,"
									 "\"dropout\":0.25,\"use_bias\":false},"
									 "{\"type\":\"positional_encoding\",\"encoding\":\"learned\"},"
									 "{\"type\":\"transformer_encoder\",\"heads\":3,\"activation\":\"gelu\","
									 "\"norm_first\":true,\"epsilon\":1e-4},"
									 "{\"type\":\"global_avgpool\"}]", &specs, &n), DL_OK);
		CHECK_STATUS(dl_complete_output(&specs, &n, DL_TASK_REGRESSION, 1, DL_LOSS_MSE), DL_OK);
		CHECK_STATUS(dl_network_init(&m.net, specs, n, &in), DL_OK);
		dl_network_init_params(&m.net, 6);
		dl_free(specs);
		CHECK(m.net.n_params == 24 + (4 * 6 * 10) + 24 +
			  (4 * 6 * 6 + 3 * 6 + 6 + 4 * 6 + 2 * 6 * 24 + 24 + 6) + 6 + 1);
		CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_OK);
		CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_OK);
		check_same_model(&m, &back);
		CHECK(back.net.layers[3].spec.attention.key_dim == 2 &&
			  back.net.layers[3].spec.attention.ff_dim == 24 &&
			  back.net.layers[3].spec.attention.norm_first && back.net.layers[1].spec.attention.causal &&
			  !back.net.layers[1].spec.attention.use_bias && back.net.layers[2].spec.posenc.learned);
		/* the planned specs print their resolved sizes */
		json = dl_layers_to_json(&back.net.layers[3].spec, 1);
		CHECK(strstr(json, "\"key_dim\":2") && strstr(json, "\"ff_dim\":24"));
		dl_free(json);
		save_seed("transformer", blob, len);
		for (int i = 0; i < 72; i++)
			x[i] = (float) th_rand_normal(&st);
		CHECK_STATUS(dl_workspace_create(&m.net, 3, false, &w1), DL_OK);
		CHECK_STATUS(dl_workspace_create(&back.net, 1, false, &w2), DL_OK);
		dl_network_predict(&m.net, w1, x, 3, p1);
		dl_network_predict(&back.net, w2, x, 3, p2);
		for (int i = 0; i < 3; i++)
			CHECK_NEAR(p1[i], p2[i], 1e-6);
		dl_workspace_free(w1);
		dl_workspace_free(w2);
		dl_model_free(&back);
		/*
		 * Every hand-edited field of records 17-19 is a clean DL_EFORMAT:
		 * the transformer's (type 18, heads 3, key_dim 2), the attention's
		 * (type 17, heads 2, key_dim 5) and the positional encodings around
		 * it, at their offsets in the record from its type.
		 */
		{
			static const struct
			{
				uint32_t	type,
							heads,
							key_dim;
				int			offset;		/* from the record's type */
				int			bytes;		/* 1: u8, 4: u32 or f32 */
				uint32_t	value;
			}			edits[] = {
				{18, 3, 2, 4, 4, 0},	/* heads 0 */
				{18, 3, 2, 4, 4, 2},	/* heads 2: other parameter counts */
				{18, 3, 2, 4, 4, 0xFFFFFFFFu},	/* heads 2^32 - 1 */
				{18, 3, 2, 8, 4, 0},	/* key_dim 0 */
				{18, 3, 2, 8, 4, 1000000},	/* heads x key_dim above the limit */
				{18, 3, 2, 12, 1, 2},	/* causal 2 */
				{18, 3, 2, 13, 4, 0x7FC00000u},	/* rate NaN */
				{18, 3, 2, 13, 4, 0x3F800000u},	/* rate 1 */
				{18, 3, 2, 13, 4, 0xBF000000u},	/* rate -0.5 */
				{18, 3, 2, 17, 4, 0},	/* ff_dim 0 */
				{18, 3, 2, 17, 4, 25},	/* ff_dim 25: other parameter counts */
				{18, 3, 2, 21, 4, 99},	/* activation 99 */
				{18, 3, 2, 25, 4, 0x7FC00000u},	/* alpha NaN */
				{18, 3, 2, 25, 4, 0},	/* alpha 0 */
				{18, 3, 2, 29, 1, 2},	/* norm_first 2 */
				{18, 3, 2, 30, 4, 0x7FC00000u},	/* epsilon NaN */
				{18, 3, 2, 30, 4, 0},	/* epsilon 0 */
				{18, 3, 2, 30, 4, 0x7F800000u},	/* epsilon infinity */
				{17, 2, 5, 4, 4, 0},	/* heads 0 */
				{17, 2, 5, 13, 4, 0x7FC00000u},	/* rate NaN */
				{17, 2, 5, 17, 1, 2},	/* use_bias 2 */
				{17, 2, 5, 17, 1, 1},	/* use_bias 1: other parameter counts */
				{17, 2, 5, -1, 1, 2},	/* the sinusoidal encoding before it: learned 2 */
				{17, 2, 5, 22, 1, 2},	/* the learned encoding after it: learned 2 */
				{17, 2, 5, 18, 4, 17},	/* the encoding after it becomes an attention */
			};

			for (int e = 0; e < (int) (sizeof(edits) / sizeof(edits[0])); e++)
			{
				uint8_t    *copy = malloc(len);
				size_t		at = 0;

				memcpy(copy, blob, len);
				for (size_t i = 0; i + 12 <= len && !at; i++)
				{
					uint32_t	v[3];

					memcpy(v, copy + i, 12);
					if (v[0] == edits[e].type && v[1] == edits[e].heads && v[2] == edits[e].key_dim)
						at = i;
				}
				if (at == 0)
					th_fail(__FILE__, __LINE__, "edit %d: no record of type %u, heads %u, key_dim %u",
							e, edits[e].type, edits[e].heads, edits[e].key_dim);
				else
				{
					dl_status	st;

					if (edits[e].bytes == 1)
						copy[at + edits[e].offset] = (uint8_t) edits[e].value;
					else
						memcpy(copy + at + edits[e].offset, &edits[e].value, 4);
					fix_crc(copy, len);
					st = read_copy(copy, len, NO_LIMIT, &back);
					if (st != DL_EFORMAT)
						th_fail(__FILE__, __LINE__, "edit %d: status %d, not DL_EFORMAT (%s)", e,
								(int) st, th_last_message);
					if (st == DL_OK)
						dl_model_free(&back);
				}
				free(copy);
			}
		}
		/* a stored key_dim of 0 is refused, by the reader and the writer: sizes have one encoding */
		{
			size_t		at = 0;
			uint32_t	five = 5,
						zero = 0;

			/* layer 2's record: type 17, heads 2, key_dim 5 */
			for (size_t i = 0; i + 12 <= len && !at; i++)
			{
				uint32_t	v[3];

				memcpy(v, blob + i, 12);
				if (v[0] == DL_LAYER_ATTENTION && v[1] == 2 && v[2] == five)
					at = i + 8;
			}
			CHECK(at > 0);
			if (at > 0)
			{
				memcpy(blob + at, &zero, 4);
				fix_crc(blob, len);
				CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_EFORMAT);
				CHECK(strstr(th_last_message, "key_dim is 0") != NULL);
			}
		}
		dl_free(blob);
		m.net.layers[1].spec.attention.key_dim = 0;
		CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_EINVAL);
		CHECK(strstr(th_last_message, "not resolved sizes") != NULL);
		dl_model_free(&m);
	}

	/* without imputer, scaler or options; a binary model */
	build_small(&m, false);
	CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_OK);
	CHECK(len == 136 && blob[12] == 0);
	CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_OK);
	check_same_model(&m, &back);
	save_seed("small", blob, len);
	dl_model_free(&back);
	dl_free(blob);
	m.task = DL_TASK_CLASSIFICATION;
	m.loss = DL_LOSS_BCE;
	m.n_labels = 2;
	m.labels = dl_alloc(2 * sizeof(char *));
	m.labels[0] = model_strdup("false");
	m.labels[1] = model_strdup("");		/* an empty text label is a label */
	m.net.layers[0].spec.dense.activation = DL_ACT_SIGMOID;
	m.net.layers[0].spec.dense.activation_given = true;
	CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_OK);
	CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_OK);
	check_same_model(&m, &back);
	save_seed("binary", blob, len);
	dl_model_free(&back);
	dl_free(blob);
	dl_model_free(&m);
	th_end();
}

static void
test_scaler_kinds(void)
{
	static const struct
	{
		const char *name;
		dl_scaler_kind kind;
		dl_impute_strategy strategy;
	}			kinds[] = {
		{"minmax", DL_SCALER_MINMAX, DL_IMPUTE_NONE},
		{"maxabs", DL_SCALER_MAXABS, DL_IMPUTE_NONE},
		{"robust", DL_SCALER_ROBUST, DL_IMPUTE_NONE},
		{"imputer-median", DL_SCALER_IMPUTER, DL_IMPUTE_MEDIAN},
		{"imputer-constant", DL_SCALER_IMPUTER, DL_IMPUTE_CONSTANT},
	};

	th_begin("model: every scaler kind and imputer strategy round-trips");
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
	{
		dl_model	m,
					back;
		dl_scaler  *s = dl_alloc(sizeof(dl_scaler));
		uint8_t    *blob;
		size_t		len;

		build_small(&m, false);
		CHECK_STATUS(dl_scaler_alloc(s, kinds[k].kind, 1), DL_OK);
		s->strategy = kinds[k].strategy;
		s->n = 3;
		if (kinds[k].kind == DL_SCALER_IMPUTER)
		{
			if (kinds[k].strategy == DL_IMPUTE_CONSTANT)
				s->constant = -7.5;
			s->fill[0] = kinds[k].strategy == DL_IMPUTE_CONSTANT ? -7.5 : 2.25;
			m.imputer = s;
		}
		else
		{
			s->center[0] = kinds[k].kind == DL_SCALER_MAXABS ? 0 : 1.5;
			s->scale[0] = 4;
			if (kinds[k].kind == DL_SCALER_ROBUST)
			{
				s->lo[0] = 0.5;
				s->hi[0] = 4.5;
			}
			m.scaler = s;
		}
		m.options_json = model_strdup("{}");
		CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_OK);
		CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_OK);
		check_same_model(&m, &back);
		save_seed(kinds[k].name, blob, len);
		dl_model_free(&back);
		dl_free(blob);
		dl_model_free(&m);
	}
	th_end();
}

static void
test_truncations(void)
{
	dl_model	m,
				back;
	uint8_t    *blob;
	size_t		len;
	int			wrong = 0,
				wrong_fixed = 0,
				past_end = 0;

	th_begin("model: every truncation fails with DL_EFORMAT, also with header and checksum made consistent");
	build_full(&m);
	CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_OK);
	for (size_t cut = 0; cut < len; cut++)
	{
		dl_status	st = read_copy(blob, cut, NO_LIMIT, &back);

		if (st != DL_EFORMAT || th_last_error != DL_EFORMAT || !model_is_zero(&back))
			wrong++;

		/*
		 * The same bytes as a complete blob: header length and checksum
		 * fixed, so the reader walks into the sections and must find them
		 * short.
		 */
		if (cut >= 28 && cut != len - 4)	/* len - 4: the blob itself */
		{
			uint8_t    *t = malloc(cut + 4);

			memcpy(t, blob, cut);
			store32(t + 20, (uint32_t) (cut + 4));
			memset(t + 24, 0, 4);
			fix_crc(t, cut + 4);
			st = read_copy(t, cut + 4, NO_LIMIT, &back);
			if (strstr(th_last_message, "run past the end of the model") != NULL)
				past_end++;
			if (st != DL_EFORMAT || !model_is_zero(&back))
			{
				if (wrong_fixed++ == 0)
					th_fail(__FILE__, __LINE__, "cut at %zu: status %d (%s)", cut, (int) st, th_last_message);
				if (st == DL_OK)
					dl_model_free(&back);
			}
			free(t);
		}
	}
	CHECK(wrong == 0);
	CHECK(wrong_fixed == 0);
	CHECK(past_end > 100);
	/* the messages say what happened */
	read_copy(blob, len - 1, NO_LIMIT, &back);
	CHECK(strstr(th_last_message, "truncated") != NULL);
	read_copy(blob, 5, NO_LIMIT, &back);
	CHECK(strstr(th_last_message, "truncated to 5 bytes") != NULL);
	dl_free(blob);
	dl_model_free(&m);
	th_end();
}

static void
test_bit_flips(void)
{
	dl_model	m,
				back;
	uint8_t    *blob;
	size_t		len;
	int			wrong = 0,
				accepted = 0,
				rejected = 0;

	th_begin("model: every single-bit flip is refused; with the checksum fixed, reads are clean or canonical");
	build_full(&m);
	CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_OK);
	for (size_t i = 0; i < len; i++)
		for (int bit = 0; bit < 8; bit++)
		{
			dl_status	st;
			dl_status	want = (i >= 8 && i < 12) ? DL_EVERSION : DL_EFORMAT;

			blob[i] ^= (uint8_t) (1u << bit);
			st = read_copy(blob, len, NO_LIMIT, &back);
			/* version bits: higher is newer, the lowest bit makes 0 */
			if (!(st == want || (want == DL_EVERSION && st == DL_EFORMAT)) || !model_is_zero(&back))
			{
				if (wrong++ == 0)
					th_fail(__FILE__, __LINE__, "flip of bit %d of byte %zu: status %d", bit, i, (int) st);
				if (st == DL_OK)
					dl_model_free(&back);
			}

			/* past the header and the checksum: a hostile but consistent blob */
			if (i >= 28 && i < len - 4)
			{
				fix_crc(blob, len);
				st = read_copy(blob, len, NO_LIMIT, &back);
				if (st == DL_OK)
				{
					uint8_t    *again;
					size_t		len2;

					accepted++;
					CHECK_STATUS(dl_model_write(&back, &again, &len2), DL_OK);
					CHECK(len2 == len && memcmp(again, blob, len) == 0);
					dl_free(again);
					dl_model_free(&back);
				}
				else
				{
					rejected++;
					CHECK(st == DL_EFORMAT && th_last_error == DL_EFORMAT && model_is_zero(&back));
				}
			}
			blob[i] ^= (uint8_t) (1u << bit);
			fix_crc(blob, len);
		}
	CHECK(wrong == 0);
	/* parameters take any bits, so many flips read; the structure refuses most others */
	CHECK(accepted > 0 && rejected > 0);
	dl_free(blob);
	dl_model_free(&m);
	th_end();
}

static void
test_header(void)
{
	dl_model	m,
				back;
	uint8_t    *blob,
			   *longer;
	size_t		len;

	th_begin("model: magic, version, header length, flags and trailing bytes are checked");
	build_small(&m, false);
	CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_OK);

	blob[0] = 'X';
	CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_EFORMAT);
	CHECK(strstr(th_last_message, "not a pgdl model") != NULL);
	CHECK_STATUS(read_copy(blob, 3, NO_LIMIT, &back), DL_EFORMAT);
	CHECK(strstr(th_last_message, "not a pgdl model") != NULL);
	blob[0] = 'P';

	/* a newer version is DL_EVERSION whatever follows, even if it is short */
	store32(blob + 8, DL_MODEL_FORMAT_VERSION + 1);
	CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_EVERSION);
	CHECK(strstr(th_last_message, "model format version 3 is newer than this pgdl supports (2)") != NULL);
	CHECK_STATUS(read_copy(blob, 12, NO_LIMIT, &back), DL_EVERSION);
	store32(blob + 8, 0xFFFFFFFFu);
	CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_EVERSION);
	CHECK(strstr(th_last_message, "version 4294967295") != NULL);
	store32(blob + 8, 0);
	CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_EFORMAT);
	store32(blob + 8, 1);

	store32(blob + 16, 32);
	fix_crc(blob, len);
	CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_EFORMAT);
	CHECK(strstr(th_last_message, "header length 32") != NULL);
	store32(blob + 16, 28);

	store32(blob + 12, 0x100);
	fix_crc(blob, len);
	CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_EFORMAT);
	CHECK(strstr(th_last_message, "unknown flags 0x100") != NULL);
	/* a flag whose section is missing */
	store32(blob + 12, 4);
	fix_crc(blob, len);
	CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_EFORMAT);
	store32(blob + 12, 0);
	fix_crc(blob, len);

	/* trailing bytes, with and without a consistent header */
	longer = malloc(len + 3);
	memcpy(longer, blob, len);
	memset(longer + len, 0, 3);
	CHECK_STATUS(read_copy(longer, len + 3, NO_LIMIT, &back), DL_EFORMAT);
	CHECK(strstr(th_last_message, "3 bytes after its end") != NULL);
	memcpy(longer + len - 4, "\0\0\0\0\0\0\0", 7);
	store32(longer + 20, (uint32_t) (len + 3));
	fix_crc(longer, len + 3);
	CHECK_STATUS(read_copy(longer, len + 3, NO_LIMIT, &back), DL_EFORMAT);
	CHECK(strstr(th_last_message, "3 bytes after the parameters") != NULL);
	free(longer);

	CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_OK);
	dl_model_free(&back);
	blob[len - 1] ^= 0x10;
	CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_EFORMAT);
	CHECK(strstr(th_last_message, "checksum mismatch: the model bytes are damaged") != NULL);
	dl_free(blob);
	dl_model_free(&m);
	th_end();
}

/*
 * Offsets in the blob of build_small(): header 0..28, task 28, loss 32,
 * target 36 (+1 byte), labels 41, features 45 (name 49, kind 54, length 58,
 * rows 62, cols 66, categories 70), input shape 74, layer count 94, type 98,
 * activation 102, alpha 106, units 110, use_bias 114, activation_given 115;
 * without a scaler: parameter count 116, parameters 124, checksum 132.
 * With a standard scaler of one feature: kind 116, strategy 120, d 124,
 * n 128, constant 136, arrays 144, parameter count 176.
 */
typedef struct edit
{
	bool		scaler;
	size_t		offset;
	int			width;			/* 1, 4 or 8 bytes */
	uint64_t	value;
	dl_status	want;
	const char *needle;
} edit;

static void
test_hostile_fields(void)
{
	static const edit edits[] = {
		{false, 28, 4, 0, DL_EFORMAT, "unknown task or loss"},
		{false, 32, 4, 4, DL_EFORMAT, "unknown task or loss"},
		{false, 36, 4, 0xFFFFFFFFu, DL_EFORMAT, "the target name has 4294967295 bytes, more than 63"},
		{false, 36, 4, 60, DL_EFORMAT, "the target name contains a NUL byte"},
		{false, 36, 4, 0, DL_EFORMAT, "the label count is 121 but only 88 bytes remain"},
		{false, 40, 1, 0, DL_EFORMAT, "the target name contains a NUL byte"},
		{false, 41, 4, 0xFFFFFFFFu, DL_EFORMAT, "the label count is 4294967295, more than 100000"},
		{false, 41, 4, 100000, DL_EFORMAT, "the label count is 100000 but only"},
		{false, 41, 4, 1, DL_EFORMAT, "invalid model"},
		{false, 45, 4, 1000000, DL_EFORMAT, "the feature count is 1000000 but only"},
		{false, 45, 4, 0, DL_EFORMAT, "invalid model"},
		{false, 49, 4, 0xFFFFFFF0u, DL_EFORMAT, "the name of feature 1 has 4294967280 bytes"},
		{false, 54, 4, 9, DL_EFORMAT, "feature 1 has unknown kind 9"},
		{false, 54, 4, DL_FEATURE_ARRAY, DL_OK, NULL},	/* an array of one is fine */
		{false, 54, 4, DL_FEATURE_CATEGORICAL, DL_EFORMAT, "has 0 categories and length 1"},
		{false, 58, 4, 0x7FFFFFFF, DL_EFORMAT, "a feature's length is 2147483647, more than 1000000"},
		{false, 58, 4, 2, DL_EFORMAT, "feature 1 (number) must have length 1"},
		{false, 62, 4, 3, DL_EFORMAT, "feature 1 (number) must have length 1"},
		{false, 70, 4, 0xFFFFFF, DL_EFORMAT, "category count is 16777215, more than 1000000"},
		{false, 74, 4, 5, DL_EFORMAT, "a shape in the input shape has 5 dimensions"},
		{false, 78, 4, 0, DL_EFORMAT, "input shape is invalid"},
		{false, 82, 4, 1, DL_EFORMAT, "has dimension 2 = 1"},
		{false, 94, 4, 0, DL_EFORMAT, "the network has no layers"},
		{false, 94, 4, 257, DL_EFORMAT, "the layer count is 257, more than 256"},
		{false, 94, 4, 5, DL_EFORMAT, "unknown layer type 1073741824"},
		{false, 94, 4, 2, DL_EFORMAT, "it stores 13799029259336941568 parameters but 0 bytes follow"},
		{false, 41, 4, 21, DL_EFORMAT, "a label has 2013265920 bytes, more than 4096"},
		{false, 98, 4, 99, DL_EFORMAT, "unknown layer type 99"},
		{false, 98, 4, DL_LAYER_FLATTEN, DL_EFORMAT, "invalid model"},
		{false, 102, 4, 7, DL_EFORMAT, "an activation is 7, more than 6"},
		{false, 102, 4, DL_ACT_SOFTMAX, DL_OK, NULL},
		{false, 106, 4, 0x7F800000u, DL_EFORMAT, "alpha inf, not a positive number"},
		{false, 106, 4, 0, DL_EFORMAT, "alpha 0, not a positive number"},
		{false, 110, 4, 0, DL_EFORMAT, "layer 1 (dense): units must be between 1 and"},
		{false, 110, 4, 0x7FFFFFFF, DL_EFORMAT, "a dense layer has 2147483647 units"},
		{false, 110, 4, 2, DL_EFORMAT, "the layers have 4 parameters but the model stores 2"},
		{false, 114, 1, 2, DL_EFORMAT, "a boolean in the layers is 2"},
		{false, 114, 1, 0, DL_EFORMAT, "the layers have 1 parameters but the model stores 2"},
		{false, 115, 1, 1, DL_OK, NULL},
		{false, 116, 8, UINT64_C(1) << 62, DL_EFORMAT, "stores 4611686018427387904 parameters but 8 bytes follow"},
		{false, 116, 8, 3, DL_EFORMAT, "stores 3 parameters but 8 bytes follow"},
		{true, 116, 4, 0, DL_EFORMAT, "the scaler has kind 0"},
		{true, 116, 4, DL_SCALER_IMPUTER, DL_EFORMAT, "invalid model"},
		{true, 116, 4, DL_SCALER_MINMAX, DL_EFORMAT, "invalid model"},
		{true, 120, 4, 1, DL_EFORMAT, "has no imputer strategy"},
		{true, 124, 4, 0x0FFFFFFF, DL_EFORMAT, "a scaler's feature count is 268435455, more than 100000"},
		{true, 124, 4, 50000, DL_EFORMAT, "run past the end"},
		{true, 124, 4, 0, DL_EFORMAT, "and 0 features"},
		{true, 128, 8, UINT64_C(0xBFF0000000000000), DL_EFORMAT, "invalid scaler: n must be a non-negative integer"},
		{true, 136, 8, UINT64_C(0x3FF0000000000000), DL_EFORMAT, "only the constant imputer has a constant"},
		{true, 152, 8, 0, DL_EFORMAT, "scale of feature 1 is 0"},
		{true, 176, 8, 1, DL_EFORMAT, "stores 1 parameters but 8 bytes follow"},
	};

	th_begin("model: hand-edited fields with a valid checksum fail cleanly, without large allocations");
	for (size_t e = 0; e < sizeof(edits) / sizeof(edits[0]); e++)
	{
		const edit *ed = &edits[e];
		dl_model	m,
					back;
		uint8_t    *blob;
		size_t		len;
		dl_status	st;

		build_small(&m, ed->scaler);
		CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_OK);
		CHECK(len == (ed->scaler ? 196u : 136u));
		for (int i = 0; i < ed->width; i++)
			blob[ed->offset + i] = (uint8_t) (ed->value >> (8 * i));
		fix_crc(blob, len);
		th_alloc_max = 0;
		st = read_copy(blob, len, NO_LIMIT, &back);
		if (st != ed->want || (st != DL_OK && th_last_error != st) ||
			(ed->needle && strstr(th_last_message, ed->needle) == NULL))
			th_fail(__FILE__, __LINE__, "edit %zu (offset %zu = %llu): status %d, message \"%s\", expected %d with \"%s\"",
					e, ed->offset, (unsigned long long) ed->value, (int) st, th_last_message,
					(int) ed->want, ed->needle ? ed->needle : "");
		if (th_alloc_max > 4096)
			th_fail(__FILE__, __LINE__, "edit %zu allocated %zu bytes at once", e, th_alloc_max);
		if (st == DL_OK)
			dl_model_free(&back);
		else
			CHECK(model_is_zero(&back));
		dl_free(blob);
		dl_model_free(&m);
	}
	th_end();
}

static void
test_max_params(void)
{
	dl_model	m,
				back;
	uint8_t    *blob;
	size_t		len;

	th_begin("model: more parameters than max_params is DL_ELIMIT, before they are allocated");
	build_full(&m);
	CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_OK);
	th_alloc_max = 0;
	CHECK_STATUS(read_copy(blob, len, m.net.n_params - 1, &back), DL_ELIMIT);
	CHECK(th_last_error == DL_ELIMIT && model_is_zero(&back));
	CHECK(m.net.n_params == 160);
	CHECK(strstr(th_last_message, "the model has 160 parameters, more than the 159 that pgdl.max_model_size allows") != NULL);
	/* the largest allocation is the layer array, not the parameters */
	CHECK(th_alloc_max <= sizeof(dl_layer) * (size_t) m.net.n_layers ||
		  th_alloc_max < m.net.n_params * sizeof(float));
	CHECK_STATUS(read_copy(blob, len, 0, &back), DL_ELIMIT);
	dl_free(blob);
	dl_model_free(&m);
	th_end();
}

static void
test_writer_checks(void)
{
	dl_model	m;
	uint8_t    *blob = (uint8_t *) 1;
	size_t		len = 1;

	th_begin("model: the writer refuses models the reader would refuse");
#define WRITE_FAILS(needle) \
	do { th_clear_error(); \
		CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_EINVAL); \
		CHECK(blob == NULL && len == 0); \
		if (strstr(th_last_message, "cannot write the model") == NULL || strstr(th_last_message, needle) == NULL) \
			th_fail(__FILE__, __LINE__, "message \"%s\" lacks \"%s\"", th_last_message, needle); \
	} while (0)

	build_full(&m);
	m.n_inputs = 12;
	WRITE_FAILS("the features give 11 inputs but the model has 12");
	m.n_inputs = 11;
	m.n_labels = 2;
	WRITE_FAILS("one output per label");
	m.n_labels = 3;
	m.features[3].categories[1][0] = 'a';	/* "areen" sorts before "blue" */
	WRITE_FAILS("not in strictly ascending byte order");
	m.features[3].categories[1][0] = 'g';
	m.features[2].rows = 3;
	WRITE_FAILS("feature 3 (matrix) must have rows x cols = length");
	m.features[2].rows = 2;
	m.scaler->d = 10;
	WRITE_FAILS("the scaler has 10 features but the model has 11 inputs");
	m.scaler->d = 11;
	m.loss = DL_LOSS_MSE;
	WRITE_FAILS("do not go together");
	m.loss = DL_LOSS_CE;
	m.features[0].name[0] = '\0';
	WRITE_FAILS("the name of feature 1 has 0 bytes");
	m.features[0].name[0] = 'a';
	m.net.layers[6].spec.act.alpha = NAN;
	WRITE_FAILS("layer 7 (activation) has alpha nan");
	m.net.layers[6].spec.act.alpha = 0.3f;
	{
		dl_scaler  *s = m.scaler;

		m.scaler = m.imputer;
		m.imputer = s;
		WRITE_FAILS("the imputer is a standard");
		m.imputer = m.scaler;
		m.scaler = s;
	}
	CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_OK);
	dl_free(blob);
	dl_model_free(&m);
#undef WRITE_FAILS
	th_end();
}


/*
 * One model per layer type (test/fuzz/layer_models.h, fuzz_model.c's
 * templates): each reads back as it was, predicts finite values on an
 * input of zeros (dl_model_probe) and, with PGDL_MODEL_CORPUS set, is
 * written as the seed seed-layer-<name>-1.
 */
static void
test_layer_models(void)
{
	bool		covered[DL_LAYER_LAST + 1] = {false};

	th_begin("model: one model per layer type round-trips, scores an input of zeros and seeds the fuzzer");
	for (int t = 0; t < N_LAYER_MODELS; t++)
	{
		const layer_model *lm = &layer_models[t];
		dl_model	m,
					back;
		uint8_t    *blob;
		size_t		len;
		char		name[64];
		bool		has_type = false;

		th_clear_error();
		if (build_layer_model(lm, &m) != DL_OK)
		{
			th_fail(__FILE__, __LINE__, "template %s: %s", lm->name, th_last_message);
			dl_model_free(&m);
			continue;
		}
		for (int i = 0; i < m.net.n_layers; i++)
			has_type |= m.net.layers[i].spec.type == lm->type;
		CHECK(has_type);
		covered[lm->type] = true;
		CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_OK);
		CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_OK);
		check_same_model(&m, &back);
		CHECK_STATUS(dl_model_probe(&back), DL_OK);
		snprintf(name, sizeof(name), "layer-%s", lm->name);
		save_seed_modes(name, 1, blob, len);
		dl_model_free(&back);
		dl_free(blob);
		dl_model_free(&m);
	}
	for (int type = DL_LAYER_DENSE; type <= DL_LAYER_LAST; type++)
		if (!covered[type])
			th_fail(__FILE__, __LINE__, "no template for layer type %d (%s)", type,
					dl_layer_type_name((dl_layer_type) type));
	th_end();
}

/* the blob of m with parameter i set to the float bits given, the checksum fixed */
static uint8_t *
blob_with_param(const dl_model *m, size_t i, uint32_t bits, size_t *len)
{
	uint8_t    *blob;

	CHECK_STATUS(dl_model_write(m, &blob, len), DL_OK);
	store32(blob + *len - 4 - 4 * (m->net.n_params - i), bits);
	fix_crc(blob, *len);
	return blob;
}

static void
test_nonfinite_params(void)
{
	static const struct
	{
		const char *tmpl;
		size_t		param;		/* index into the parameter buffer */
		uint32_t	bits;
		const char *needle;
	}			cases[] = {
		{"dense", 0, 0x7FC00000u, "layer 1 (dense) has a non-finite parameter: number 1 of its 12 is nan"},
		{"dense", 11, 0xFF800000u, "layer 1 (dense) has a non-finite parameter: number 12 of its 12 is -inf"},
		{"dense", 12, 0x7F800000u, "layer 3 (dense) has a non-finite parameter: number 1 of its 12 is inf"},
		{"dense", 2, 0x7F812345u, "layer 1 (dense) has a non-finite parameter: number 3 of its 12 is nan"},	/* a signalling NaN */
		{"batchnorm", 7, 0x7FC00000u, "layer 1 (batchnorm) has a non-finite parameter: number 8 of its 12 is nan"},
		{"batchnorm", 9, 0xBF800000u, "layer 1 (batchnorm) has a negative running variance: -1 for channel 1"},
		{"batchnorm", 11, 0x80000001u, "layer 1 (batchnorm) has a negative running variance"},
		{"positional_encoding", 5, 0x7F800000u, "layer 1 (positional_encoding) has a non-finite parameter: number 6 of its 12 is inf"},
		{"lstm-bidirectional", 60, 0x7FC00000u, "layer 1 (lstm) has a non-finite parameter"},
		{"transformer_encoder", 3, 0xFFC00000u, "layer 1 (transformer_encoder) has a non-finite parameter: number 4 of"},
		{"embedding", 9, 0x7F800000u, "layer 1 (embedding) has a non-finite parameter: number 10 of its 10 is inf"},
	};

	th_begin("model: a non-finite parameter or a negative running variance is refused by the reader and the writer, naming the layer");
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
	{
		dl_model	m,
					back;
		uint8_t    *blob;
		size_t		len;
		float		saved;
		int			t = 0;
		dl_status	st;

		while (t < N_LAYER_MODELS && strcmp(layer_models[t].name, cases[c].tmpl) != 0)
			t++;
		CHECK_STATUS(build_layer_model(&layer_models[t], &m), DL_OK);
		/* the reader: a blob whose checksum is right */
		blob = blob_with_param(&m, cases[c].param, cases[c].bits, &len);
		st = read_copy(blob, len, NO_LIMIT, &back);
		if (st != DL_EFORMAT || strstr(th_last_message, "invalid model: ") == NULL ||
			strstr(th_last_message, cases[c].needle) == NULL || !model_is_zero(&back))
			th_fail(__FILE__, __LINE__, "case %zu: status %d, \"%s\", expected DL_EFORMAT with \"%s\"",
					c, (int) st, th_last_message, cases[c].needle);
		if (st == DL_OK)
			dl_model_free(&back);
		dl_free(blob);
		/* the writer never writes what the reader refuses */
		saved = m.net.params[cases[c].param];
		memcpy(&m.net.params[cases[c].param], &cases[c].bits, 4);
		th_clear_error();
		blob = NULL;
		CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_EINVAL);
		CHECK(blob == NULL && strstr(th_last_message, "cannot write the model") != NULL &&
			  strstr(th_last_message, cases[c].needle) != NULL);
		m.net.params[cases[c].param] = saved;
		dl_model_free(&m);
	}
	th_end();
}

static void
test_options_text(void)
{
	static const struct
	{
		const char *text;
		dl_status	want;
		const char *needle;
	}			cases[] = {
		{"{}", DL_OK, NULL},
		{" {\"epochs\": 5, \"description\": \"caf\xC3\xA9 \\u00e9\", \"layers\": [1, {\"a\": null}]} ", DL_OK, NULL},
		{"", DL_EFORMAT, "the options are not JSON: "},
		{"[1]", DL_EFORMAT, "the options are not a JSON object"},
		{"\"{}\"", DL_EFORMAT, "the options are not a JSON object"},
		{"{\"a\": 1} {}", DL_EFORMAT, "the options are not JSON: "},
		{"{\"a\": 1, \"a\": 2}", DL_EFORMAT, "the options are not JSON: "},
		{"{\"a\": \"x\\u0000y\"}", DL_EFORMAT, "the options hold a \\u0000, which no text can hold"},
		{"{\"a\\u0000\": 1}", DL_EFORMAT, "the options hold a \\u0000"},
		{"{\"a\": [[\"\\u0000\"]]}", DL_EFORMAT, "the options hold a \\u0000"},
		{"{\"a\": \"\\ud800\"}", DL_EFORMAT, "the options are not JSON: "},
	};

	th_begin("model: the options are one JSON object without \\u0000, for the reader and the writer");
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
	{
		dl_model	m,
					back;
		uint8_t    *blob = NULL;
		size_t		len;
		dl_status	st;

		/* the writer */
		build_small(&m, false);
		m.options_json = model_strdup(cases[c].text);
		th_clear_error();
		st = dl_model_write(&m, &blob, &len);
		if (st != (cases[c].want == DL_OK ? DL_OK : DL_EINVAL) ||
			(cases[c].needle && strstr(th_last_message, cases[c].needle) == NULL))
			th_fail(__FILE__, __LINE__, "writing case %zu: status %d, \"%s\"", c, (int) st, th_last_message);
		dl_free(blob);
		blob = NULL;
		/* the reader: the options of "{}" replaced with the text, lengths and checksum fixed */
		dl_free(m.options_json);
		m.options_json = model_strdup("{}");
		CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_OK);
		{
			size_t		n = strlen(cases[c].text);
			size_t		at = len - 4 - 8 - 4 * m.net.n_params - 2;	/* the 2 bytes "{}" */
			size_t		len2 = len - 2 + n;
			uint8_t    *b2 = malloc(len2);

			CHECK(memcmp(blob + at, "{}", 2) == 0);
			memcpy(b2, blob, at - 4);
			store32(b2 + at - 4, (uint32_t) n);
			memcpy(b2 + at, cases[c].text, n);
			memcpy(b2 + at + n, blob + at + 2, len - at - 2);
			store32(b2 + 20, (uint32_t) len2);
			fix_crc(b2, len2);
			st = read_copy(b2, len2, NO_LIMIT, &back);
			if (st != cases[c].want || (cases[c].needle && strstr(th_last_message, cases[c].needle) == NULL))
				th_fail(__FILE__, __LINE__, "reading case %zu: status %d, \"%s\"", c, (int) st, th_last_message);
			if (st == DL_OK)
			{
				CHECK(strcmp(back.options_json, cases[c].text) == 0);
				dl_model_free(&back);
			}
			free(b2);
		}
		dl_free(blob);
		dl_model_free(&m);
	}
	th_end();
}

/*
 * The label kind: a flagged section of one u32 after the options, written
 * only for a classifier whose kind is recorded; models without it (those
 * of 0.1.0) read as DL_LABELS_UNRECORDED.
 */
static void
test_label_kind(void)
{
	dl_model	m,
				back;
	uint8_t    *blob,
			   *blob2,
			   *without;
	size_t		len,
				len2,
				len0,
				at;

	th_begin("model: the label kind is stored, read back, checked, and absent from older models");
	build_cnn(&m);
	CHECK_STATUS(dl_model_write(&m, &without, &len0), DL_OK);
	CHECK_STATUS(read_copy(without, len0, NO_LIMIT, &back), DL_OK);
	CHECK(back.label_kind == DL_LABELS_UNRECORDED);
	CHECK((load32(without + 12) & 0x8u) == 0);
	dl_model_free(&back);

	m.label_kind = DL_LABELS_NUMBER;
	CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_OK);
	CHECK(len == len0 + 4);
	CHECK((load32(blob + 12) & 0x8u) != 0);
	CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_OK);
	CHECK(back.label_kind == DL_LABELS_NUMBER);
	check_same_model(&m, &back);
	CHECK_STATUS(dl_model_write(&back, &blob2, &len2), DL_OK);
	CHECK(len2 == len && memcmp(blob, blob2, len) == 0);
	dl_free(blob2);
	dl_model_free(&back);

	/* the kind's u32 sits before the parameter count and the parameters */
	at = len - 4 - 4 * m.net.n_params - 8 - 4;
	CHECK(load32(blob + at) == DL_LABELS_NUMBER);
	store32(blob + at, 0);
	fix_crc(blob, len);
	CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_EFORMAT);
	CHECK(strstr(th_last_message, "unknown label kind 0") != NULL);
	store32(blob + at, 4);
	fix_crc(blob, len);
	CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_EFORMAT);
	CHECK(strstr(th_last_message, "unknown label kind 4") != NULL);
	store32(blob + at, DL_LABELS_TEXT);
	fix_crc(blob, len);
	CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_OK);
	CHECK(back.label_kind == DL_LABELS_TEXT);
	dl_model_free(&back);
	dl_free(blob);
	dl_free(without);

	/* what predict reads from the labels: the recorded kind, whatever the labels look like */
	{
		double		v = -1;

		m.label_kind = DL_LABELS_TEXT;
		CHECK(dl_model_label_kind(&m) == DL_LABELS_TEXT && !dl_label_number(&m, 1, &v));
		m.label_kind = DL_LABELS_NUMBER;
		CHECK(dl_label_number(&m, 2, &v) && v == 2.0);
		/* unrecorded (models of 0.1.0): one kind inferred from all the labels */
		m.label_kind = DL_LABELS_UNRECORDED;
		CHECK(dl_model_label_kind(&m) == DL_LABELS_NUMBER);
		CHECK(dl_label_number(&m, 1, &v) && v == 1.0);
		dl_free(m.labels[2]);
		m.labels[2] = model_strdup("x");
		CHECK(dl_model_label_kind(&m) == DL_LABELS_TEXT);
		CHECK(!dl_label_number(&m, 1, &v));		/* "1" among "x": text like the others */
		dl_free(m.labels[2]);
		m.labels[2] = model_strdup("nan");
		CHECK(dl_model_label_kind(&m) == DL_LABELS_TEXT);
		dl_free(m.labels[0]);
		dl_free(m.labels[1]);
		m.labels[0] = model_strdup("false");
		m.labels[1] = model_strdup("true");
		m.n_labels = 2;
		CHECK(dl_model_label_kind(&m) == DL_LABELS_BOOL);
		CHECK(dl_label_number(&m, 1, &v) && v == 1.0 && dl_label_number(&m, 0, &v) && v == 0.0);
		m.n_labels = 3;
	}

	/* the writer: a known kind, and a classifier's only */
	m.label_kind = (dl_label_kind) 9;
	th_clear_error();
	CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_EINVAL);
	CHECK(strstr(th_last_message, "label kind 9") != NULL);
	dl_model_free(&m);
	build_small(&m, false);
	m.label_kind = DL_LABELS_NUMBER;
	th_clear_error();
	CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_EINVAL);
	CHECK(strstr(th_last_message, "does not fit a regression model") != NULL);
	dl_model_free(&m);
	th_end();
}

/* a text column read as numbers (numeric_text): one input, as a number, a kind of its own */
static void
test_text_number_feature(void)
{
	dl_model	m,
				back;
	uint8_t    *blob;
	size_t		len;

	th_begin("model: a numeric_text feature is stored as kind 5, read back; kind 7 is refused");
	build_small(&m, true);
	m.features[0].kind = DL_FEATURE_TEXT_NUMBER;
	CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_OK);
	save_seed("text-number", blob, len);
	CHECK(load32(blob + 54) == DL_FEATURE_TEXT_NUMBER);
	CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_OK);
	check_same_model(&m, &back);
	dl_model_free(&back);
	store32(blob + 54, 7);
	fix_crc(blob, len);
	CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_EFORMAT);
	CHECK(strstr(th_last_message, "feature 1 has unknown kind 7") != NULL);
	dl_free(blob);
	/* like a number: one input */
	m.features[0].length = 2;
	th_clear_error();
	CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_EINVAL);
	dl_model_free(&m);
	th_end();
}

/* a date feature (option dates): its encodings stored in the rows field, its inputs theirs */
static void
test_date_feature(void)
{
	dl_model	m,
				back;
	uint8_t    *blob;
	size_t		len;

	th_begin("model: a date feature stores its encodings; unknown or inconsistent ones are refused");
	CHECK(dl_date_inputs(DL_DATE_DAYS) == 1 && dl_date_inputs(DL_DATE_DOW | DL_DATE_MONTH) == 19 &&
		  dl_date_inputs(DL_DATE_ALL) == 24 && dl_date_inputs(0x20) == 0);
	build_small(&m, false);
	m.features[0].kind = DL_FEATURE_DATE;
	m.features[0].encodings = DL_DATE_DAYS;
	CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_OK);
	save_seed("date", blob, len);
	CHECK(load32(blob + 54) == DL_FEATURE_DATE && load32(blob + 62) == DL_DATE_DAYS);
	CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_OK);
	check_same_model(&m, &back);
	CHECK(back.features[0].encodings == DL_DATE_DAYS && back.features[0].rows == 0);
	dl_model_free(&back);
	/* the encodings must give the feature's length, and be known */
	store32(blob + 62, DL_DATE_DOW);
	fix_crc(blob, len);
	CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_EFORMAT);
	CHECK(strstr(th_last_message, "feature 1 (date)") != NULL);
	store32(blob + 62, 0x21);
	fix_crc(blob, len);
	CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_EFORMAT);
	store32(blob + 62, 0);
	fix_crc(blob, len);
	CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_EFORMAT);
	dl_free(blob);
	m.features[0].encodings = 0;
	th_clear_error();
	CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_EINVAL);
	dl_model_free(&m);
	th_end();
}

static void
test_probe(void)
{
	dl_model	m;
	int			t = 0;

	th_begin("model: dl_model_probe refuses a network that overflows on an input of zeros, with finite parameters");
	build_small(&m, false);
	CHECK_STATUS(dl_model_probe(&m), DL_OK);
	m.net.params[1] = 3e38f;	/* the bias: finite, and the output is finite */
	CHECK_STATUS(dl_model_probe(&m), DL_OK);
	dl_model_free(&m);

	/* dense 3 (gelu, no bias) on 4 inputs, flatten, output dense 3 (softmax): biases of 3e38 on zeros */
	while (strcmp(layer_models[t].name, "dense") != 0)
		t++;
	CHECK_STATUS(build_layer_model(&layer_models[t], &m), DL_OK);
	CHECK(m.net.n_params == 12 + 12);
	/* the output's W (3 x 3) and bias: logits of 3e38 + 3e38 overflow, and softmax makes NaN */
	m.net.params[12 + 9] = 3e38f;
	m.net.params[12 + 10] = 3e38f;
	CHECK_STATUS(dl_model_probe(&m), DL_OK);	/* 3e38 each: finite, softmax is fine */
	m.net.layers[0].spec.dense.activation = DL_ACT_LINEAR;
	for (int i = 0; i < 12; i++)
		m.net.params[i] = 0.0f;
	for (int i = 0; i < 9; i++)
		m.net.params[12 + i] = 3e38f;
	/* zeros stay zeros through the first layer: still finite */
	CHECK_STATUS(dl_model_probe(&m), DL_OK);
	dl_model_free(&m);

	/* a regression whose output is the sum of two biases of 3e38 through weights of 3e38 */
	{
		dl_layer_spec specs[2];
		dl_shape	in = {1, {1}};

		build_small(&m, false);
		dl_network_free(&m.net);
		dl_layer_spec_defaults(&specs[0], DL_LAYER_DENSE);
		specs[0].dense.units = 2;
		dl_layer_spec_defaults(&specs[1], DL_LAYER_DENSE);
		specs[1].dense.units = 1;
		CHECK_STATUS(dl_network_init(&m.net, specs, 2, &in), DL_OK);
		CHECK(m.net.n_params == 4 + 3);
		for (int i = 0; i < 7; i++)
			m.net.params[i] = 3e38f;
		th_clear_error();
		CHECK_STATUS(dl_model_probe(&m), DL_EFORMAT);
		CHECK(strstr(th_last_message, "invalid model: it predicts inf for output 1 of 1 on an input of zeros") != NULL);
		dl_model_free(&m);
	}
	th_end();
}

/* template t of layer_models.h by name */
static const layer_model *
layer_model_named(const char *name)
{
	for (int t = 0; t < N_LAYER_MODELS; t++)
		if (strcmp(layer_models[t].name, name) == 0)
			return &layer_models[t];
	th_fail(__FILE__, __LINE__, "no template %s", name);
	return &layer_models[0];
}

/*
 * A text feature's record (format version 2): written and read back bit
 * for bit with its vocabulary; refused in a version 1 blob, with a damaged
 * vocabulary, or with an embedding that does not take every id the
 * vocabulary gives.
 */
static void
test_text_feature(void)
{
	dl_model	m,
				back;
	uint8_t    *blob,
			   *again;
	size_t		len,
				len2;
	/* header, task, loss, target "y", 3 labels, feature count, name "x", 5 u32: the encoding */
	const size_t enc_at = 28 + 4 + 4 + 5 + 4 + 3 * 5 + 4 + 5 + 5 * 4;
	const size_t vocab_at = enc_at + 4 + 8;

	th_begin("model: a text feature's vocabulary round-trips in format version 2 and is checked");
	CHECK_STATUS(build_layer_model(layer_model_named("embedding-text"), &m), DL_OK);
	CHECK(m.features[0].kind == DL_FEATURE_TEXT && m.net.layers[0].spec.embedding.input_dim == 8);
	CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_OK);
	CHECK(blob[8] == 2 && dl_model_format_version(&m) == 2);
	CHECK(blob[enc_at] == DL_TEXT_SEQUENCE);
	CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_OK);
	check_same_model(&m, &back);
	CHECK(back.features[0].vocab != NULL && dl_vocab_id_count(back.features[0].vocab) == 8);
	CHECK(dl_vocab_id(back.features[0].vocab, "movie", 5) == dl_vocab_id(m.features[0].vocab, "movie", 5));
	CHECK_STATUS(dl_model_write(&back, &again, &len2), DL_OK);
	CHECK(len2 == len && memcmp(blob, again, len) == 0);
	dl_free(again);
	dl_model_free(&back);

	/* the same bytes claiming version 1: no text features there */
	blob[8] = 1;
	fix_crc(blob, len);
	CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_EFORMAT);
	CHECK(strstr(th_last_message, "feature 1 has unknown kind 7") != NULL);
	CHECK(model_is_zero(&back));
	blob[8] = 2;
	/* an unknown encoding */
	store32(blob + enc_at, 5);
	fix_crc(blob, len);
	CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_EFORMAT);
	CHECK(strstr(th_last_message, "feature 1 (text) has unknown encoding 5") != NULL);
	/* a bag of words whose length is not its vocabulary's ids from 2 */
	store32(blob + enc_at, DL_TEXT_COUNTS);
	fix_crc(blob, len);
	CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_EFORMAT);
	CHECK(strstr(th_last_message, "feature 1 (text, bag of words) has 3 inputs, its vocabulary 6 ids from 2") != NULL);
	store32(blob + enc_at, 1);
	/* a damaged vocabulary */
	blob[vocab_at] ^= 0x40;
	fix_crc(blob, len);
	CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_EFORMAT);
	CHECK(strstr(th_last_message, "the vocabulary of feature 1") != NULL);
	blob[vocab_at] ^= 0x40;
	/* a vocabulary longer than the bytes left */
	store32(blob + enc_at + 4, (uint32_t) len);
	fix_crc(blob, len);
	CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_EFORMAT);
	dl_free(blob);

	/* the writer refuses what the reader would */
	{
		static const char *const docs[] = {"one", "two"};
		dl_vocab   *own = m.features[0].vocab;
		dl_text_options o;
		dl_vocab   *state,
				   *smaller;

		CHECK_STATUS(dl_schema_parse(&dl_text_schema, "{}", &o), DL_OK);
		dl_text_options_resolve(&o);
		CHECK_STATUS(dl_vocab_create(&o, &state), DL_OK);
		for (int i = 0; i < 2; i++)
			CHECK_STATUS(dl_vocab_add_document(state, docs[i], strlen(docs[i])), DL_OK);
		CHECK_STATUS(dl_vocab_finalize(state, &smaller), DL_OK);
		m.features[0].vocab = smaller;
		th_clear_error();
		CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_EINVAL);
		CHECK(strstr(th_last_message, "needs an embedding first, with an input_dim of 4") != NULL);
		m.features[0].vocab = state;
		th_clear_error();
		CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_EINVAL);
		CHECK(strstr(th_last_message, "a counting state, not a final vocabulary") != NULL);
		m.features[0].vocab = own;
		dl_vocab_free(state);
		dl_vocab_free(smaller);
	}
	dl_model_free(&m);
	th_end();
}

/*
 * A joined network (a text column with other features, format version 2):
 * its join section round-trips bit for bit and predicts the same; the
 * section is refused in version 1, at another place than the layers put
 * it, and without the flag the bytes do not add up.
 */
static void
test_joined_network(void)
{
	dl_model	m,
				back;
	uint8_t    *blob,
			   *again;
	size_t		len,
				len2,
				join_at;
	float		x[6] = {2, 3, 0, 0, 0.5f, -1.5f},
				p1[3],
				p2[3];
	dl_workspace *w1,
			   *w2;

	th_begin("model: a joined network's join section round-trips in format version 2 and is checked");
	CHECK_STATUS(build_layer_model(layer_model_named("embedding-text-joined"), &m), DL_OK);
	CHECK(m.net.n_joined == 2 && m.net.join_layer == 1 && m.net.input_shape.dim[0] == 6);
	CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_OK);
	CHECK(blob[8] == 2 && (load32(blob + 12) & 0x10u) != 0);
	CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_OK);
	check_same_model(&m, &back);
	CHECK(back.net.n_joined == 2 && back.net.join_layer == 1);
	CHECK(back.net.layers[0].in_shape.ndim == 1 && back.net.layers[0].in_shape.dim[0] == 4);
	CHECK_STATUS(dl_model_write(&back, &again, &len2), DL_OK);
	CHECK(len2 == len && memcmp(blob, again, len) == 0);
	dl_free(again);
	CHECK_STATUS(dl_workspace_create(&m.net, 1, false, &w1), DL_OK);
	CHECK_STATUS(dl_workspace_create(&back.net, 1, false, &w2), DL_OK);
	dl_network_predict(&m.net, w1, x, 1, p1);
	dl_network_predict(&back.net, w2, x, 1, p2);
	CHECK(memcmp(p1, p2, sizeof(p1)) == 0);
	dl_workspace_free(w1);
	dl_workspace_free(w2);
	dl_model_free(&back);

	/* the join section: two u32 before the parameter count (u64) and the parameters */
	join_at = len - 4 - 4 * m.net.n_params - 8 - 8;
	CHECK(load32(blob + join_at) == 2 && load32(blob + join_at + 4) == 1);
	/* the join after another layer than the layers put it */
	store32(blob + join_at + 4, 2);
	fix_crc(blob, len);
	CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_EFORMAT);
	CHECK(strstr(th_last_message, "the inputs join after layer 3, but the layers put the join after layer 2") != NULL);
	store32(blob + join_at + 4, 1);
	/* no joined input */
	store32(blob + join_at, 0);
	fix_crc(blob, len);
	CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_EFORMAT);
	/* more joined inputs than the features give */
	store32(blob + join_at, 3);
	fix_crc(blob, len);
	CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_EFORMAT);
	store32(blob + join_at, 2);
	/* version 1 has no joins */
	blob[8] = 1;
	fix_crc(blob, len);
	CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_EFORMAT);
	blob[8] = 2;
	/* without the flag, the section is taken for the parameter count */
	store32(blob + 12, load32(blob + 12) & ~0x10u);
	fix_crc(blob, len);
	CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_EFORMAT);
	CHECK(model_is_zero(&back));
	dl_free(blob);

	/* the writer: a text feature not first, or beside features that are not joined */
	{
		dl_feature	t = m.features[0];

		m.features[0] = m.features[1];
		m.features[1] = t;
		th_clear_error();
		CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_EINVAL);
		CHECK(strstr(th_last_message, "feature 2 (text, sequence) must be the model's only feature, or the first one") != NULL);
		m.features[1] = m.features[0];
		m.features[0] = t;
	}
	dl_model_free(&m);
	th_end();
}

/*
 * A bag-of-words text feature (tfidf) after a number array: its encoding
 * and vocabulary round-trip bit for bit, the scaler covers the inputs
 * before it, and what prediction relies on is checked.
 */
static void
test_bag_feature(void)
{
	dl_model	m,
				back;
	uint8_t    *blob,
			   *again;
	size_t		len,
				len2;

	th_begin("model: a bag-of-words text feature round-trips after the other inputs, outside the scaler");
	CHECK_STATUS(build_layer_model(layer_model_named("dense-tfidf"), &m), DL_OK);
	CHECK(m.n_features == 2 && dl_feature_is_bag(&m.features[1]) && m.features[1].length == 6);
	CHECK(dl_model_dense_inputs(&m) == 2 && m.n_inputs == 8);
	CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_OK);
	CHECK(blob[8] == 2 && dl_model_format_version(&m) == 2);
	save_seed("bag", blob, len);
	CHECK_STATUS(read_copy(blob, len, NO_LIMIT, &back), DL_OK);
	check_same_model(&m, &back);
	CHECK(back.features[1].encoding == DL_TEXT_TFIDF && back.scaler && back.scaler->d == 2);
	CHECK(dl_vocab_id_count(back.features[1].vocab) == 8);
	CHECK_STATUS(dl_model_write(&back, &again, &len2), DL_OK);
	CHECK(len2 == len && memcmp(blob, again, len) == 0);
	dl_free(again);
	dl_model_free(&back);
	dl_free(blob);

	/* the writer refuses what the reader would */
	{
		dl_feature	f0 = m.features[0];
		dl_scaler  *s = m.scaler;

		/* a scaler over the bag of words too */
		{
			dl_scaler	wide;

			CHECK_STATUS(dl_scaler_alloc(&wide, DL_SCALER_STANDARD, 8), DL_OK);
			m.scaler = &wide;
			th_clear_error();
			CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_EINVAL);
			CHECK(strstr(th_last_message, "has 8 features but the model has 2 inputs") != NULL);
			m.scaler = s;
			dl_free(wide.center);
		}
		/* another feature after the bag of words */
		m.features[0] = m.features[1];
		m.features[1] = f0;
		th_clear_error();
		CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_EINVAL);
		m.features[1] = m.features[0];
		m.features[0] = f0;
		/* a length that is not the vocabulary's */
		m.features[1].length = 5;
		m.features[0].length = 3;
		th_clear_error();
		CHECK_STATUS(dl_model_write(&m, &blob, &len), DL_EINVAL);
		CHECK(strstr(th_last_message, "feature 2 (text, bag of words) has 5 inputs") != NULL);
		m.features[1].length = 6;
		m.features[0].length = 2;
	}
	dl_model_free(&m);
	th_end();
}

void
suite_model_io(void)
{
	test_crc();
	test_round_trip();
	test_scaler_kinds();
	test_truncations();
	test_bit_flips();
	test_header();
	test_hostile_fields();
	test_max_params();
	test_writer_checks();
	test_layer_models();
	test_nonfinite_params();
	test_options_text();
	test_label_kind();
	test_text_number_feature();
	test_date_feature();
	test_probe();
	test_text_feature();
	test_joined_network();
	test_bag_feature();
}
