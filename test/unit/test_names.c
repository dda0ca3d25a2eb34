/*-------------------------------------------------------------------------
 *
 * test_names.c
 *	  The spellings pgdl accepts for its names (Keras and PyTorch aliases,
 *	  any case), the "did you mean" hints (src/core/names.c), and what
 *	  follows from the layers a Keras or scikit-learn user writes: [] as a
 *	  linear model, a 2-unit softmax as a binary output, the note saying
 *	  what was completed, and the channels-last input_shape.
 *
 * test/unit/test_names.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "names.h"
#include "options.h"
#include "nn/layers.h"

/* the canonical JSON of layers that must parse */
static char *
layers_json(const char *json)
{
	dl_layer_spec *s = NULL;
	int			n = 0;
	char	   *out;

	th_clear_error();
	if (dl_parse_layers(json, &s, &n) != DL_OK)
	{
		th_fail(__FILE__, __LINE__, "could not parse %s: %s", json, th_last_message);
		return strdup("");
	}
	out = dl_layers_to_json(s, n);
	dl_free(s);
	return out;
}

static void
same_layers(const char *file, int line, const char *alias, const char *canonical)
{
	char	   *a = layers_json(alias);
	char	   *b = layers_json(canonical);

	if (strcmp(a, b) != 0)
		th_fail(file, line, "%s reads as %s, not as %s (%s)", alias, a, b, canonical);
	free(a);
	free(b);
}
#define SAME_LAYERS(a, b) same_layers(__FILE__, __LINE__, a, b)

/* a refusal of the layers, its message and hint ("" hint: none expected) */
static void
layers_hint(const char *file, int line, const char *json, const char *needle, const char *hint)
{
	dl_layer_spec *s = NULL;
	int			n = 0;

	th_clear_error();
	if (dl_parse_layers(json, &s, &n) != DL_EINVAL)
	{
		th_fail(file, line, "%s: expected DL_EINVAL", json);
		dl_free(s);
		return;
	}
	if (strstr(th_last_message, needle) == NULL)
		th_fail(file, line, "%s: message \"%s\" lacks \"%s\"", json, th_last_message, needle);
	if (strcmp(th_last_hint, hint) != 0)
		th_fail(file, line, "%s: hint \"%s\", expected \"%s\"", json, th_last_hint, hint);
}
#define LAYERS_HINT(json, needle, hint) layers_hint(__FILE__, __LINE__, json, needle, hint)

static void
test_suggest(void)
{
	dl_suggest	sg;
	char		buf[128];

	th_begin("names: loose comparison and the nearest name");
	CHECK(dl_name_equal("Dense", 5, "dense", false));
	CHECK(!dl_name_equal("max_pool2d", 10, "maxpool2d", false));
	CHECK(dl_name_equal("max_pool2d", 10, "maxpool2d", true));
	CHECK(dl_name_equal("Max_Pooling2D", 13, "maxpooling2d", true));
	CHECK(!dl_name_equal("dense", 4, "dense", true));	/* a prefix is not the name */
	CHECK(!dl_name_equal("densex", 6, "dense", true));
	CHECK(strcmp(dl_alias_lookup(dl_layer_type_aliases, dl_n_layer_type_aliases,
								 "MaxPooling2D", 12, true), "maxpool2d") == 0);
	CHECK(dl_alias_lookup(dl_layer_type_aliases, dl_n_layer_type_aliases, "Dense", 5, true) == NULL);

	dl_suggest_init(&sg, "rleu", 4);
	dl_suggest_offer(&sg, "linear");
	dl_suggest_offer(&sg, "relu");
	dl_suggest_offer(&sg, "gelu");
	CHECK(sg.best && strcmp(sg.best, "relu") == 0 && sg.distance == 1);	/* a swap counts one */
	CHECK(strcmp(dl_suggest_hint(&sg, buf, sizeof(buf)), "Did you mean \"relu\"?") == 0);

	/* nothing near: no hint */
	dl_suggest_init(&sg, "zzzzzz", 6);
	dl_suggest_offer(&sg, "relu");
	CHECK(sg.best == NULL && dl_suggest_hint(&sg, buf, sizeof(buf)) == NULL);
	/* a one-letter name is not "near" a different letter */
	dl_suggest_init(&sg, "x", 1);
	dl_suggest_offer(&sg, "y");
	CHECK(sg.best == NULL);
	/* an alias compared, its canonical name shown */
	dl_suggest_init(&sg, "kernel_sise", 11);
	dl_suggest_offer(&sg, "kernel");
	dl_suggest_offer_as(&sg, "kernel_size", "kernel");
	CHECK(sg.best && strcmp(sg.best, "kernel") == 0 && sg.distance == 1);
	/* long names are not compared (the table is on the stack) */
	{
		char		longname[200];

		memset(longname, 'a', sizeof(longname));
		dl_suggest_init(&sg, longname, sizeof(longname));
		dl_suggest_offer(&sg, "aaaa");
		CHECK(sg.best == NULL);
	}
	th_end();
}

static void
test_layer_aliases(void)
{
	th_begin("names: Keras and PyTorch layer spellings read as pgdl's layers");
	SAME_LAYERS("[{\"type\":\"Conv2D\",\"filters\":4,\"kernel_size\":[3,5],\"strides\":2,\"dilation_rate\":1,"
				"\"padding\":\"SAME\",\"activation\":\"ReLU\"},"
				"{\"type\":\"MaxPooling2D\",\"pool_size\":2,\"strides\":2},"
				"{\"type\":\"AveragePooling2D\",\"pool_size\":2},{\"type\":\"BatchNormalization\"},"
				"{\"type\":\"Flatten\"},{\"type\":\"Dropout\",\"rate\":0.5},{\"type\":\"Dense\",\"units\":3}]",
				"[{\"type\":\"conv2d\",\"filters\":4,\"kernel\":[3,5],\"stride\":2,\"dilation\":1,"
				"\"padding\":\"same\",\"activation\":\"relu\"},"
				"{\"type\":\"maxpool2d\",\"pool\":2,\"stride\":2},"
				"{\"type\":\"avgpool2d\",\"pool\":2},{\"type\":\"batchnorm\"},"
				"{\"type\":\"flatten\"},{\"type\":\"dropout\",\"rate\":0.5},{\"type\":\"dense\",\"units\":3}]");
	SAME_LAYERS("[{\"type\":\"Embedding\",\"input_dim\":50,\"output_dim\":8},{\"type\":\"LSTM\",\"units\":4,"
				"\"return_sequences\":true},{\"type\":\"GRU\",\"units\":4,\"return_sequences\":true},"
				"{\"type\":\"Conv1D\",\"filters\":2,\"kernel_size\":3},{\"type\":\"MaxPooling1D\",\"pool_size\":2},"
				"{\"type\":\"MultiHeadAttention\",\"num_heads\":2,\"key_dim\":2},{\"type\":\"LayerNormalization\"},"
				"{\"type\":\"GlobalAveragePooling1D\"},{\"type\":\"Linear\",\"units\":2}]",
				"[{\"type\":\"embedding\",\"input_dim\":50,\"output_dim\":8},{\"type\":\"lstm\",\"units\":4,"
				"\"return_sequences\":true},{\"type\":\"gru\",\"units\":4,\"return_sequences\":true},"
				"{\"type\":\"conv1d\",\"filters\":2,\"kernel\":3},{\"type\":\"maxpool1d\",\"pool\":2},"
				"{\"type\":\"attention\",\"heads\":2,\"key_dim\":2},{\"type\":\"layernorm\"},"
				"{\"type\":\"global_avgpool\"},{\"type\":\"dense\",\"units\":2}]");
	/* Keras' snake-case names and PyTorch's */
	SAME_LAYERS("[{\"type\":\"max_pooling2d\"},{\"type\":\"batch_normalization\"},{\"type\":\"BatchNorm2d\"},"
				"{\"type\":\"global_average_pooling2d\"},{\"type\":\"TransformerEncoderLayer\",\"num_heads\":2},"
				"{\"type\":\"PositionalEncoding\"},{\"type\":\"Activation\",\"activation\":\"Softmax\"}]",
				"[{\"type\":\"maxpool2d\"},{\"type\":\"batchnorm\"},{\"type\":\"batchnorm\"},"
				"{\"type\":\"global_avgpool\"},{\"type\":\"transformer_encoder\",\"heads\":2},"
				"{\"type\":\"positional_encoding\"},{\"type\":\"activation\",\"activation\":\"softmax\"}]");
	/* the JSON written back is canonical */
	{
		char	   *j = layers_json("[{\"type\":\"MaxPooling2D\",\"pool_size\":3}]");

		CHECK(strstr(j, "\"maxpool2d\"") != NULL);
		CHECK(strstr(j, "pool_size") == NULL && strstr(j, "MaxPooling2D") == NULL);
		free(j);
	}
	/* an alias names a key of the layers that have it only */
	LAYERS_HINT("[{\"type\":\"dense\",\"units\":2,\"kernel_size\":3}]",
				"layer 1 (dense): unknown key \"kernel_size\"; accepted keys: units", "");
	/* a key and its alias */
	LAYERS_HINT("[{\"type\":\"conv2d\",\"filters\":1,\"kernel\":3,\"kernel_size\":3}]",
				"layer 1 (conv2d): \"kernel\" is given twice, by it and by its other name", "");
	LAYERS_HINT("[{\"type\":\"maxpool2d\",\"pool\":2,\"pool_size\":null}]",
				"\"pool\" is given twice", "");
	th_end();
}

static void
test_layer_hints(void)
{
	th_begin("names: unknown layer types, keys and values get the nearest name as a hint");
	LAYERS_HINT("[{\"type\":\"dens\"}]", "layer 1: unknown type \"dens\"", "Did you mean \"dense\"?");
	LAYERS_HINT("[{\"type\":\"MaxPool\"}]", "unknown type \"MaxPool\"", "Did you mean \"maxpool2d\"?");
	LAYERS_HINT("[{\"type\":\"MaxPoolin2D\"}]", "unknown type", "Did you mean \"maxpool2d\"?");
	LAYERS_HINT("[{\"type\":\"BatchNormalisation\"}]", "unknown type", "Did you mean \"batchnorm\"?");
	LAYERS_HINT("[{\"type\":\"SimpleRNN\"}]", "unknown type \"SimpleRNN\"; accepted types: dense", "");
	/* another number of dimensions is not a misspelling */
	LAYERS_HINT("[{\"type\":\"Conv3D\"}]", "unknown type \"Conv3D\"", "");
	LAYERS_HINT("[{\"type\":\"AveragePooling1D\"}]", "unknown type \"AveragePooling1D\"", "");
	LAYERS_HINT("[{\"type\":\"dense\",\"unit\":3}]", "unknown key \"unit\"", "Did you mean \"units\"?");
	LAYERS_HINT("[{\"type\":\"dense\",\"Units\":3}]", "unknown key \"Units\"", "Did you mean \"units\"?");
	LAYERS_HINT("[{\"type\":\"conv2d\",\"filters\":1,\"kernel_sise\":3}]", "unknown key \"kernel_sise\"",
				"Did you mean \"kernel\"?");
	LAYERS_HINT("[{\"type\":\"maxpool2d\",\"poolsize\":2}]", "unknown key", "Did you mean \"pool\"?");
	LAYERS_HINT("[{\"type\":\"flatten\",\"tpye\":1}]", "a flatten layer takes no keys besides \"type\"",
				"Did you mean \"type\"?");
	LAYERS_HINT("[{\"type\":\"dense\",\"units\":2,\"activation\":\"rleu\"}]",
				"\"activation\" must be one of linear, relu", "Did you mean \"relu\"?");
	LAYERS_HINT("[{\"type\":\"dense\",\"units\":2,\"activation\":\"swish\"}]", "got \"swish\"", "");
	LAYERS_HINT("[{\"type\":\"conv2d\",\"filters\":1,\"kernel\":3,\"padding\":\"vaild\"}]",
				"\"padding\" must be one of valid, same", "Did you mean \"valid\"?");
	th_end();
}

/* train options from text, with the error handed back */
static dl_status
train_options(const char *text, dl_options *o, dl_option_error *e)
{
	dl_json_doc *doc;
	dl_status	st;

	th_clear_error();
	if (dl_json_parse(text, 1 << 20, "test", &doc) != DL_OK)
		return DL_ETEXT;
	st = dl_schema_read(&dl_train_schema, dl_json_root(doc), o, e);
	dl_json_free(doc);
	return st;
}

/* the text a model stores for options text */
static char *
canonical(const char *text)
{
	dl_json_doc *doc;
	dl_options	o;
	char	   *out;

	if (dl_json_parse(text, 1 << 20, "test", &doc) != DL_OK)
		return strdup("");
	CHECK_STATUS(dl_schema_read(&dl_train_schema, dl_json_root(doc), &o, NULL), DL_OK);
	{
		const dl_json *root = dl_json_root(doc);
		const dl_json *c = dl_schema_canonical(&dl_train_schema, root);

		out = dl_json_write(c);
		if (c != root)
		{
			dl_free((void *) c->members);
			dl_free((void *) c);
		}
	}
	dl_options_free(&o);
	dl_json_free(doc);
	return out;
}

static void
test_option_aliases(void)
{
	static const struct
	{
		const char *text;
		dl_loss		loss;
	}			losses[] = {
		{"{\"loss\":\"binary_crossentropy\"}", DL_LOSS_BCE},
		{"{\"loss\":\"categorical_crossentropy\"}", DL_LOSS_CE},
		{"{\"loss\":\"sparse_categorical_crossentropy\"}", DL_LOSS_CE},
		{"{\"loss\":\"mean_squared_error\"}", DL_LOSS_MSE},
		{"{\"loss\":\"mean_absolute_error\"}", DL_LOSS_MAE},
		{"{\"loss\":\"huber_loss\"}", DL_LOSS_HUBER},
		{"{\"loss\":\"MSE\"}", DL_LOSS_MSE},
		{"{\"loss\":\"Binary_CrossEntropy\"}", DL_LOSS_BCE}
	};
	static const struct
	{
		const char *text;
		dl_optimizer opt;
	}			optimizers[] = {
		{"{\"optimizer\":\"Adam\"}", DL_OPT_ADAM},
		{"{\"optimizer\":\"SGD\"}", DL_OPT_SGD},
		{"{\"optimizer\":\"AdamW\"}", DL_OPT_ADAMW},
		{"{\"optimizer\":\"Momentum\"}", DL_OPT_MOMENTUM}
	};
	dl_options	o;
	dl_option_error e;
	char	   *c;

	th_begin("names: Keras spellings of train options, and the canonical text a model keeps");
	for (int i = 0; i < (int) (sizeof(losses) / sizeof(losses[0])); i++)
	{
		CHECK_STATUS(train_options(losses[i].text, &o, &e), DL_OK);
		CHECK(o.loss_given && o.train.loss == losses[i].loss);
		dl_options_free(&o);
	}
	for (int i = 0; i < (int) (sizeof(optimizers) / sizeof(optimizers[0])); i++)
	{
		CHECK_STATUS(train_options(optimizers[i].text, &o, &e), DL_OK);
		CHECK(o.train.optimizer == optimizers[i].opt);
		dl_options_free(&o);
	}
	CHECK_STATUS(train_options("{\"validation_split\":0.25}", &o, &e), DL_OK);
	CHECK(o.validation_fraction == 0.25);
	dl_options_free(&o);
	/* an alias stays with its option: mse is no optimizer */
	CHECK_STATUS(train_options("{\"optimizer\":\"binary_crossentropy\"}", &o, &e), DL_EINVAL);
	CHECK(strstr(e.message, "option \"optimizer\" must be one of adam, sgd, momentum, adamw") != NULL);
	/* a key and its alias */
	CHECK_STATUS(train_options("{\"validation_split\":0.2,\"validation_fraction\":0.2}", &o, &e), DL_EINVAL);
	CHECK(strstr(e.message, "option \"validation_fraction\" is given twice, as \"validation_split\" and as \"validation_fraction\"; give it once") != NULL);

	c = canonical("{\"loss\":\"sparse_categorical_crossentropy\",\"optimizer\":\"Adam\",\"validation_split\":0.2,\"epochs\":3}");
	if (strcmp(c, "{\"loss\": \"cross_entropy\", \"optimizer\": \"adam\", \"validation_fraction\": 0.2, \"epochs\": 3}") != 0)
		th_fail(__FILE__, __LINE__, "canonical text %s", c);
	dl_free(c);
	c = canonical("{\"epochs\":3}");
	CHECK(strcmp(c, "{\"epochs\": 3}") == 0);
	dl_free(c);
	th_end();
}

static void
test_option_hints(void)
{
	dl_options	o;
	dl_option_error e;

	th_begin("names: unknown option keys and values get the nearest name as a hint");
	CHECK_STATUS(train_options("{\"epoch\":3}", &o, &e), DL_EINVAL);
	CHECK(strstr(e.message, "unknown option \"epoch\"; accepted options: task,") != NULL);
	CHECK(strcmp(e.hint, "Did you mean \"epochs\"?") == 0);
	CHECK_STATUS(train_options("{\"validation_splt\":0.1}", &o, &e), DL_EINVAL);
	CHECK(strcmp(e.hint, "Did you mean \"validation_fraction\"?") == 0);
	CHECK_STATUS(train_options("{\"learningrate\":0.1}", &o, &e), DL_EINVAL);
	CHECK(strcmp(e.hint, "Did you mean \"learning_rate\"?") == 0);
	CHECK_STATUS(train_options("{\"loss\":\"binary_crossentropi\"}", &o, &e), DL_EINVAL);
	CHECK(strstr(e.message, "option \"loss\" must be one of mse, mae, huber, binary_cross_entropy, cross_entropy") != NULL);
	CHECK(strcmp(e.hint, "Did you mean \"binary_cross_entropy\"?") == 0);
	CHECK_STATUS(train_options("{\"optimizer\":\"adma\"}", &o, &e), DL_EINVAL);
	CHECK(strcmp(e.hint, "Did you mean \"adam\"?") == 0);
	CHECK_STATUS(train_options("{\"optimizer\":\"rmsprop\"}", &o, &e), DL_EINVAL);
	CHECK(e.hint[0] == '\0');
	CHECK_STATUS(train_options("{\"zzzzzzzz\":1}", &o, &e), DL_EINVAL);
	CHECK(e.hint[0] == '\0');
	/* reported without err: the hint goes with the error */
	th_clear_error();
	CHECK_STATUS(dl_parse_options("{\"epoch\":3}", &o), DL_EINVAL);
	CHECK(strcmp(th_last_hint, "Did you mean \"epochs\"?") == 0);
	th_end();
}

/* completes layers; returns the specs and the note */
static dl_layer_spec *
complete(const char *json, dl_task task, int n_out, dl_loss loss, int *n, char *note, size_t size)
{
	dl_layer_spec *s = NULL;

	th_clear_error();
	CHECK_STATUS(dl_parse_layers(json, &s, n), DL_OK);
	CHECK_STATUS(dl_complete_output_noted(&s, n, task, n_out, loss, note, size), DL_OK);
	return s;
}

static void
test_linear_and_binary_outputs(void)
{
	dl_layer_spec *s;
	int			n;
	char		note[512];

	th_begin("names: [] is a linear model, a 2-unit softmax a binary output, completions are noted");
	/* [] */
	s = complete("[]", DL_TASK_REGRESSION, 1, DL_LOSS_MSE, &n, note, sizeof(note));
	CHECK(n == 1 && s[0].type == DL_LAYER_DENSE && s[0].dense.units == 1 &&
		  s[0].dense.activation == DL_ACT_LINEAR && s[0].dense.use_bias);
	CHECK(strstr(note, "layers [] is a linear model (linear regression): one output layer (dense, 1 unit, linear)") != NULL);
	dl_free(s);
	s = complete("[]", DL_TASK_CLASSIFICATION, 1, DL_LOSS_BCE, &n, note, sizeof(note));
	CHECK(n == 1 && s[0].dense.units == 1 && s[0].dense.activation == DL_ACT_SIGMOID);
	CHECK(strstr(note, "(logistic regression)") != NULL);
	dl_free(s);
	s = complete("[]", DL_TASK_CLASSIFICATION, 3, DL_LOSS_CE, &n, note, sizeof(note));
	CHECK(n == 1 && s[0].dense.units == 3 && s[0].dense.activation == DL_ACT_SOFTMAX);
	CHECK(strstr(note, "(softmax regression)") != NULL);
	dl_free(s);
	/* the plain entry point takes [] too */
	s = NULL;
	n = 0;
	CHECK_STATUS(dl_complete_output(&s, &n, DL_TASK_REGRESSION, 2, DL_LOSS_MSE), DL_OK);
	CHECK(n == 1 && s[0].dense.units == 2);
	dl_free(s);

	/* appended and completed output layers say so; a full output says nothing */
	s = complete("[{\"type\":\"dense\",\"units\":8,\"activation\":\"relu\"}]", DL_TASK_CLASSIFICATION, 1,
				 DL_LOSS_BCE, &n, note, sizeof(note));
	CHECK(n == 2 && strstr(note, "added an output layer (dense, 1 unit, sigmoid) after layer 1 (dense), for loss binary_cross_entropy") != NULL);
	dl_free(s);
	s = complete("[{\"type\":\"dense\",\"units\":8},{\"type\":\"dense\"}]", DL_TASK_CLASSIFICATION, 3,
				 DL_LOSS_CE, &n, note, sizeof(note));
	CHECK(n == 2 && strstr(note, "layer 2 is the output layer (dense, 3 units, softmax): its units and its activation from the task") != NULL);
	dl_free(s);
	s = complete("[{\"type\":\"dense\",\"units\":1,\"activation\":\"sigmoid\"}]", DL_TASK_CLASSIFICATION, 1,
				 DL_LOSS_BCE, &n, note, sizeof(note));
	CHECK(n == 1 && note[0] == '\0');
	dl_free(s);
	s = complete("[{\"type\":\"dense\",\"units\":1}]", DL_TASK_REGRESSION, 1, DL_LOSS_MSE, &n, note, sizeof(note));
	CHECK(n == 1 && note[0] == '\0');	/* linear is what it was */
	dl_free(s);

	/* the loss a binary target gets from its last layer */
	{
		static const struct
		{
			const char *json;
			dl_loss		loss;
		}			cases[] = {
			{"[{\"type\":\"dense\",\"units\":2,\"activation\":\"softmax\"}]", DL_LOSS_CE},
			{"[{\"type\":\"Dense\",\"units\":2,\"activation\":\"Softmax\"}]", DL_LOSS_CE},
			{"[{\"type\":\"dense\",\"units\":8},{\"type\":\"dense\",\"units\":2}]", DL_LOSS_BCE},
			{"[{\"type\":\"dense\",\"units\":2,\"activation\":\"relu\"}]", DL_LOSS_BCE},
			{"[{\"type\":\"dense\",\"units\":1,\"activation\":\"sigmoid\"}]", DL_LOSS_BCE},
			{"[{\"type\":\"dense\"}]", DL_LOSS_BCE},
			{"[{\"type\":\"flatten\"}]", DL_LOSS_BCE},
			{"[]", DL_LOSS_BCE}
		};

		for (int i = 0; i < (int) (sizeof(cases) / sizeof(cases[0])); i++)
		{
			dl_layer_spec *l = NULL;
			int			nl = 0;

			CHECK_STATUS(dl_parse_layers(cases[i].json, &l, &nl), DL_OK);
			if (dl_default_loss(DL_TASK_CLASSIFICATION, 2, l, nl) != cases[i].loss)
				th_fail(__FILE__, __LINE__, "%s: loss %d, expected %d", cases[i].json,
						(int) dl_default_loss(DL_TASK_CLASSIFICATION, 2, l, nl), (int) cases[i].loss);
			CHECK(dl_default_loss(DL_TASK_CLASSIFICATION, 3, l, nl) == DL_LOSS_CE);
			CHECK(dl_default_loss(DL_TASK_REGRESSION, 0, l, nl) == DL_LOSS_MSE);
			dl_free(l);
		}
	}
	/* a 2-unit softmax is then the output as it is, nothing appended after it */
	s = complete("[{\"type\":\"dense\",\"units\":2,\"activation\":\"softmax\"}]", DL_TASK_CLASSIFICATION, 2,
				 DL_LOSS_CE, &n, note, sizeof(note));
	CHECK(n == 1 && s[0].dense.units == 2 && s[0].dense.activation == DL_ACT_SOFTMAX && note[0] == '\0');
	dl_free(s);
	/* a dense(2) without activation is the output when cross_entropy is given (PyTorch's habit) */
	s = complete("[{\"type\":\"dense\",\"units\":2}]", DL_TASK_CLASSIFICATION, 2, DL_LOSS_CE, &n,
				 note, sizeof(note));
	CHECK(n == 1 && s[0].dense.activation == DL_ACT_SOFTMAX && strstr(note, "its activation from the task") != NULL);
	dl_free(s);
	/* and with binary_cross_entropy asked for, a refusal saying what to write */
	{
		dl_layer_spec *l = NULL;
		int			nl = 0;

		CHECK_STATUS(dl_parse_layers("[{\"type\":\"dense\",\"units\":2,\"activation\":\"softmax\"}]", &l, &nl), DL_OK);
		th_clear_error();
		CHECK_STATUS(dl_complete_output(&l, &nl, DL_TASK_CLASSIFICATION, 1, DL_LOSS_BCE), DL_EINVAL);
		CHECK(strstr(th_last_message, "layer 1 (dense) has 2 softmax units, the output of a two-class cross_entropy model, but the loss is binary_cross_entropy") != NULL);
		CHECK(nl == 1);
		dl_free(l);
	}
	th_end();
}

static void
test_channels_first(void)
{
	dl_layer_spec *s = NULL;
	int			n = 0;
	dl_shape	last1 = {3, {28, 28, 1}};
	dl_shape	last3 = {3, {32, 32, 3}};
	dl_shape	first = {3, {1, 28, 28}};
	dl_shape	small = {3, {3, 4, 4}};

	th_begin("names: a channels-last input_shape for conv2d says what to write");
	CHECK_STATUS(dl_parse_layers("[{\"type\":\"Conv2D\",\"filters\":4,\"kernel_size\":3}]", &s, &n), DL_OK);
	th_clear_error();
	CHECK_STATUS(dl_check_channels_first(s, n, &last1), DL_EINVAL);
	CHECK(strstr(th_last_message, "input_shape [28, 28, 1] looks channels-last (height, width, channels); pgdl's conv2d expects channels first, [channels, height, width]: write [1, 28, 28]") != NULL);
	CHECK(th_last_hint[0] == '\0');
	th_clear_error();
	CHECK_STATUS(dl_check_channels_first(s, n, &last3), DL_EINVAL);
	CHECK(strstr(th_last_message, "write [3, 32, 32]") != NULL);
	CHECK(strstr(th_last_hint, "channel 1's pixels, then channel 2's") != NULL);
	CHECK_STATUS(dl_check_channels_first(s, n, &first), DL_OK);
	CHECK_STATUS(dl_check_channels_first(s, n, &small), DL_OK);
	dl_free(s);
	CHECK_STATUS(dl_parse_layers("[{\"type\":\"maxpool2d\",\"pool\":2}]", &s, &n), DL_OK);
	CHECK_STATUS(dl_check_channels_first(s, n, &last1), DL_EINVAL);
	dl_free(s);
	/* not an image layer first: nothing to say */
	CHECK_STATUS(dl_parse_layers("[{\"type\":\"flatten\"},{\"type\":\"dense\",\"units\":2}]", &s, &n), DL_OK);
	CHECK_STATUS(dl_check_channels_first(s, n, &last1), DL_OK);
	dl_free(s);
	CHECK_STATUS(dl_check_channels_first(NULL, 0, &last1), DL_OK);
	th_end();
}

void
suite_names(void)
{
	test_suggest();
	test_layer_aliases();
	test_layer_hints();
	test_option_aliases();
	test_option_hints();
	test_linear_and_binary_outputs();
	test_channels_first();
}
