/*-------------------------------------------------------------------------
 *
 * layer_models.h
 *	  One small model per layer type (and per variant the weights format
 *	  stores differently), built in memory: the templates fuzz_model.c
 *	  mutates, and the models test/unit/test_model_io.c round-trips and
 *	  writes as seeds of test/fuzz/corpus/model (see its README).
 *
 * Each is a 3-class classification (labels "a", "b", "c", target "y") on
 * one feature "x" that gives the template's input: a number array for a
 * vector or an image, a matrix for a sequence (rows x cols); a joined
 * template (a text column with other features) adds an array "z" of
 * "joined" numbers, which join after the text branch.  The layers
 * are completed with the output layer as training does, the parameters
 * initialised from a fixed seed.  The engine's hooks must be installed.
 *
 * test/fuzz/layer_models.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_LAYER_MODELS_H
#define PGDL_LAYER_MODELS_H

#include <string.h>

#include "dl_nn.h"
#include "text.h"

typedef struct layer_model
{
	const char *name;			/* the layer type, and the variant */
	dl_layer_type type;			/* the type it is there for */
	const char *layers;			/* JSON, before the output layer */
	dl_shape	input;
	int			joined;			/* > 0: that many inputs of "z" join after the branch */
} layer_model;

/* every type of dl_layer_type, in its order; a flatten where the output needs a vector */
static const layer_model layer_models[] = {
	{"dense", DL_LAYER_DENSE, "[{\"type\":\"dense\",\"units\":3,\"activation\":\"gelu\",\"use_bias\":false},{\"type\":\"flatten\"}]", {1, {4}}, 0},
	{"dropout", DL_LAYER_DROPOUT, "[{\"type\":\"dropout\",\"rate\":0.25}]", {1, {4}}, 0},
	{"flatten", DL_LAYER_FLATTEN, "[{\"type\":\"flatten\"}]", {2, {2, 3}}, 0},
	{"reshape", DL_LAYER_RESHAPE, "[{\"type\":\"reshape\",\"target_shape\":[3,-1]},{\"type\":\"flatten\"}]", {1, {6}}, 0},
	{"batchnorm", DL_LAYER_BATCHNORM, "[{\"type\":\"batchnorm\",\"momentum\":0.2,\"epsilon\":1e-3}]", {1, {3}}, 0},
	{"layernorm", DL_LAYER_LAYERNORM, "[{\"type\":\"layernorm\"},{\"type\":\"flatten\"}]", {2, {2, 3}}, 0},
	{"activation", DL_LAYER_ACTIVATION, "[{\"type\":\"activation\",\"activation\":\"leaky_relu\",\"alpha\":0.2}]", {1, {4}}, 0},
	{"conv2d", DL_LAYER_CONV2D, "[{\"type\":\"conv2d\",\"filters\":2,\"kernel\":[2,3],\"padding\":\"same\",\"activation\":\"relu\"},{\"type\":\"flatten\"}]", {3, {1, 3, 4}}, 0},
	{"conv1d", DL_LAYER_CONV1D, "[{\"type\":\"conv1d\",\"filters\":2,\"kernel\":2,\"dilation\":2},{\"type\":\"flatten\"}]", {2, {4, 2}}, 0},
	{"maxpool2d", DL_LAYER_MAXPOOL2D, "[{\"type\":\"maxpool2d\",\"pool\":[2,2],\"stride\":1},{\"type\":\"flatten\"}]", {3, {2, 3, 3}}, 0},
	{"avgpool2d", DL_LAYER_AVGPOOL2D, "[{\"type\":\"avgpool2d\",\"pool\":[2,1]},{\"type\":\"flatten\"}]", {3, {1, 4, 2}}, 0},
	{"maxpool1d", DL_LAYER_MAXPOOL1D, "[{\"type\":\"maxpool1d\",\"pool\":2},{\"type\":\"flatten\"}]", {2, {4, 2}}, 0},
	{"global_avgpool", DL_LAYER_GLOBAL_AVGPOOL, "[{\"type\":\"global_avgpool\"}]", {3, {2, 2, 2}}, 0},
	{"embedding", DL_LAYER_EMBEDDING, "[{\"type\":\"embedding\",\"input_dim\":5,\"output_dim\":2},{\"type\":\"flatten\"}]", {1, {3}}, 0},
	{"embedding-mask_zero", DL_LAYER_EMBEDDING, "[{\"type\":\"embedding\",\"input_dim\":5,\"output_dim\":2,\"mask_zero\":true},{\"type\":\"lstm\",\"units\":2}]", {1, {3}}, 0},
	{"lstm", DL_LAYER_LSTM, "[{\"type\":\"lstm\",\"units\":2}]", {2, {3, 2}}, 0},
	{"lstm-bidirectional", DL_LAYER_LSTM, "[{\"type\":\"lstm\",\"units\":2,\"bidirectional\":true,\"return_sequences\":true},{\"type\":\"flatten\"}]", {2, {3, 2}}, 0},
	{"gru", DL_LAYER_GRU, "[{\"type\":\"gru\",\"units\":2,\"return_sequences\":true},{\"type\":\"flatten\"}]", {2, {3, 2}}, 0},
	{"gru-bidirectional", DL_LAYER_GRU, "[{\"type\":\"gru\",\"units\":2,\"bidirectional\":true}]", {2, {3, 2}}, 0},
	{"attention", DL_LAYER_ATTENTION, "[{\"type\":\"attention\",\"heads\":2,\"key_dim\":2,\"causal\":true},{\"type\":\"flatten\"}]", {2, {3, 4}}, 0},
	{"transformer_encoder", DL_LAYER_TRANSFORMER_ENCODER, "[{\"type\":\"transformer_encoder\",\"heads\":2,\"ff_dim\":6,\"norm_first\":true},{\"type\":\"global_avgpool\"}]", {2, {3, 4}}, 0},
	{"positional_encoding", DL_LAYER_POSITIONAL_ENCODING, "[{\"type\":\"positional_encoding\"},{\"type\":\"flatten\"}]", {2, {3, 4}}, 0},
	{"positional_encoding-learned", DL_LAYER_POSITIONAL_ENCODING, "[{\"type\":\"positional_encoding\",\"encoding\":\"learned\"},{\"type\":\"flatten\"}]", {2, {3, 4}}, 0},
	/* appended, so that the templates' numbers in the seeds stay: x a text feature, 3 ids */
	{"embedding-text", DL_LAYER_EMBEDDING, "[{\"type\":\"embedding\",\"output_dim\":2,\"mask_zero\":true},{\"type\":\"global_avgpool\"}]", {1, {3}}, 0},
	/* x a text feature of 4 ids, then z of 2 numbers joined after the lstm (format version 2) */
	{"embedding-text-joined", DL_LAYER_EMBEDDING, "[{\"type\":\"embedding\",\"output_dim\":2,\"mask_zero\":true},{\"type\":\"lstm\",\"units\":2},{\"type\":\"dense\",\"units\":3,\"activation\":\"relu\"}]", {1, {4}}, 2},
	/* x a number array of 2, then t a tfidf text feature: one input per id from 2 (6) */
	{"dense-tfidf", DL_LAYER_DENSE, "[{\"type\":\"dense\",\"units\":3,\"activation\":\"relu\"}]", {1, {8}}, 0},
};

#define N_LAYER_MODELS ((int) (sizeof(layer_models) / sizeof(layer_models[0])))

/* a copy of s in the engine's memory (dl_model_free frees it) */
static char *
model_strdup(const char *s)
{
	size_t		n = strlen(s) + 1;
	char	   *p = dl_alloc(n);

	memcpy(p, s, n);
	return p;
}

/* a small vocabulary of English and Chinese words: 8 ids (padding, unknown, 6 tokens) */
static dl_status
build_text_vocab(dl_vocab **out)
{
	static const char *const docs[] = {"good movie", "bad movie", "很好"};
	dl_text_options o;
	dl_vocab   *state;
	dl_status	st;

	*out = NULL;
	if ((st = dl_schema_parse(&dl_text_schema, "{}", &o)) != DL_OK)
		return st;
	dl_text_options_resolve(&o);
	if ((st = dl_vocab_create(&o, &state)) != DL_OK)
		return st;
	for (int i = 0; i < 3 && st == DL_OK; i++)
		st = dl_vocab_add_document(state, docs[i], strlen(docs[i]));
	if (st == DL_OK)
		st = dl_vocab_finalize(state, out);
	dl_vocab_free(state);
	return st;
}

/* builds template lm into *m (freed with dl_model_free); DL_OK or the engine's error */
static dl_status
build_layer_model(const layer_model *lm, dl_model *m)
{
	static const char *const labels[] = {"a", "b", "c"};
	dl_layer_spec *specs;
	int			n;
	dl_feature *f;
	dl_status	st;
	bool		text = strncmp(lm->name, "embedding-text", 14) == 0;
	bool		bag = strcmp(lm->name, "dense-tfidf") == 0;

	memset(m, 0, sizeof(*m));
	m->task = DL_TASK_CLASSIFICATION;
	m->loss = DL_LOSS_CE;
	m->target = model_strdup("y");
	m->labels = dl_alloc(3 * sizeof(char *));
	for (int i = 0; i < 3; i++)
		m->labels[i] = model_strdup(labels[i]);
	m->n_labels = 3;
	m->label_kind = DL_LABELS_TEXT;
	m->features = f = dl_alloc(2 * sizeof(dl_feature));
	memset(f, 0, 2 * sizeof(*f));
	m->n_features = 1;
	f->name = model_strdup("x");
	f->length = m->n_inputs = (int) dl_shape_size(&lm->input);
	if (lm->joined > 0)
	{
		m->n_features = 2;
		f[1].name = model_strdup("z");
		f[1].kind = DL_FEATURE_ARRAY;
		f[1].length = lm->joined;
		m->n_inputs += lm->joined;
	}
	if (bag)
	{
		dl_feature *t = &m->features[1];

		/* a scaler over the two numbers only: the bag of words passes through */
		m->n_features = 2;
		f->length = 2;
		t->name = model_strdup("t");
		t->kind = DL_FEATURE_TEXT;
		t->encoding = DL_TEXT_TFIDF;
		if ((st = build_text_vocab(&t->vocab)) != DL_OK)
			return st;
		t->length = (int) dl_vocab_id_count(t->vocab) - 2;
		m->scaler = dl_alloc(sizeof(dl_scaler));
		if ((st = dl_scaler_alloc(m->scaler, DL_SCALER_STANDARD, 2)) != DL_OK)
			return st;
		m->scaler->center[0] = 1.5;
		m->scaler->scale[1] = 2.0;
	}
	f->kind = text ? DL_FEATURE_TEXT : lm->input.ndim == 2 ? DL_FEATURE_MATRIX : DL_FEATURE_ARRAY;
	if (text)
	{
		f->encoding = DL_TEXT_SEQUENCE;
		if ((st = build_text_vocab(&f->vocab)) != DL_OK)
			return st;
	}
	if (lm->input.ndim == 2)
	{
		f->rows = lm->input.dim[0];
		f->cols = lm->input.dim[1];
	}
	m->options_json = model_strdup("{\"epochs\": 1}");
	if ((st = dl_parse_layers(lm->layers, &specs, &n)) != DL_OK)
		return st;
	if (text)
		specs[0].embedding.input_dim = (int) dl_vocab_id_count(f->vocab);
	st = dl_complete_output(&specs, &n, DL_TASK_CLASSIFICATION, 3, DL_LOSS_CE);
	if (st == DL_OK)
		st = dl_network_init_joined(&m->net, specs, n, &lm->input, lm->joined);
	dl_free(specs);
	if (st == DL_OK)
		dl_network_init_params(&m->net, 11);
	return st;
}

#endif							/* PGDL_LAYER_MODELS_H */
