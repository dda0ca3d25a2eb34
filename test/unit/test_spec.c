/*-------------------------------------------------------------------------
 *
 * test_spec.c
 *	  Parsing layers (the layer table: src/core/nn/layers.c and the family
 *	  files) and options (spec.c), the canonical layers JSON, and completing
 *	  the output layer (dense.c).
 *
 * Error tests check the status and what the message names (layer, key,
 * accepted values), since the message is the whole user interface here.
 *
 * test/unit/test_spec.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "nn/layers.h"
#include "nn_testing.h"

/* fails the test unless the last message holds every needle (NULL-terminated) */
static void
check_message(const char *file, int line, const char *what, ...)
{
	va_list		ap;
	const char *needle;

	va_start(ap, what);
	while ((needle = va_arg(ap, const char *)) != NULL)
		if (strstr(th_last_message, needle) == NULL)
			th_fail(file, line, "%s: message \"%s\" lacks \"%s\"", what, th_last_message, needle);
	va_end(ap);
}

static void
layers_fail(const char *file, int line, const char *json, dl_status want, ...)
{
	dl_layer_spec *specs = (dl_layer_spec *) 1;
	int			n = -1;
	dl_status	st;
	va_list		ap;
	const char *needle;

	th_clear_error();
	st = dl_parse_layers(json, &specs, &n);
	if (st != want || th_last_error != want || specs != NULL || n != 0)
		th_fail(file, line, "layers %s: status %d (expected %d), message \"%s\"",
				json, (int) st, (int) want, th_last_message);
	va_start(ap, want);
	while ((needle = va_arg(ap, const char *)) != NULL)
		if (strstr(th_last_message, needle) == NULL)
			th_fail(file, line, "layers %s: message \"%s\" lacks \"%s\"", json, th_last_message, needle);
	va_end(ap);
	if (st == DL_OK)
		dl_free(specs);
}

static void
options_fail(const char *file, int line, const char *json, dl_status want, ...)
{
	dl_options	o;
	dl_status	st;
	va_list		ap;
	const char *needle;

	th_clear_error();
	st = dl_parse_options(json, &o);
	if (st != want || th_last_error != want)
		th_fail(file, line, "options %s: status %d (expected %d), message \"%s\"",
				json, (int) st, (int) want, th_last_message);
	/* a failed parse leaves the defaults, nothing to free */
	if (st != DL_OK && (o.categorical != NULL || o.warm_start != NULL || o.description != NULL ||
						o.train.epochs != 10))
		th_fail(file, line, "options %s: failed parse did not leave the defaults", json);
	va_start(ap, want);
	while ((needle = va_arg(ap, const char *)) != NULL)
		if (strstr(th_last_message, needle) == NULL)
			th_fail(file, line, "options %s: message \"%s\" lacks \"%s\"", json, th_last_message, needle);
	va_end(ap);
	dl_options_free(&o);
}

#define LAYERS_FAIL(json, ...) layers_fail(__FILE__, __LINE__, json, __VA_ARGS__, (const char *) NULL)
#define OPTIONS_FAIL(json, ...) options_fail(__FILE__, __LINE__, json, __VA_ARGS__, (const char *) NULL)
#define CHECK_MESSAGE(...) check_message(__FILE__, __LINE__, "message", __VA_ARGS__, (const char *) NULL)

/* ---- layers ---- */

static void
test_layers_each_key(void)
{
	dl_layer_spec *s;
	dl_layer_spec d;
	int			n;

	th_begin("spec: every layer type and key is read, defaults from dl_layer_spec_defaults");
	CHECK_STATUS(dl_parse_layers(
								 "[{\"type\":\"dense\",\"units\":64,\"activation\":\"relu\"},"
								 " {\"type\":\"dense\",\"units\":8,\"activation\":\"leaky_relu\",\"alpha\":0.2,\"use_bias\":false},"
								 " {\"type\":\"dropout\",\"rate\":0.25},"
								 " {\"type\":\"batchnorm\",\"epsilon\":0.001,\"momentum\":0.5},"
								 " {\"type\":\"layernorm\",\"epsilon\":1e-6},"
								 " {\"type\":\"reshape\",\"target_shape\":[2,-1]},"
								 " {\"type\":\"flatten\"},"
								 " {\"type\":\"activation\",\"activation\":\"gelu\"},"
								 " {\"type\":\"batchnorm\"},"
								 " {\"type\":\"dense\",\"units\":null,\"activation\":null}]",
								 &s, &n), DL_OK);
	CHECK(n == 10);
	if (n == 10)
	{
		dl_layer_spec_defaults(&d, DL_LAYER_DENSE);
		d.dense.units = 64;
		d.dense.activation = DL_ACT_RELU;
		d.dense.activation_given = true;
		CHECK(th_same_spec(&s[0], &d));
		d.dense.units = 8;
		d.dense.activation = DL_ACT_LEAKY_RELU;
		d.dense.alpha = 0.2f;
		d.dense.use_bias = false;
		CHECK(th_same_spec(&s[1], &d));
		dl_layer_spec_defaults(&d, DL_LAYER_DROPOUT);
		d.dropout.rate = 0.25f;
		CHECK(th_same_spec(&s[2], &d));
		dl_layer_spec_defaults(&d, DL_LAYER_BATCHNORM);
		d.norm.epsilon = 0.001f;
		d.norm.momentum = 0.5f;
		CHECK(th_same_spec(&s[3], &d));
		dl_layer_spec_defaults(&d, DL_LAYER_LAYERNORM);
		d.norm.epsilon = 1e-6f;
		CHECK(th_same_spec(&s[4], &d));
		dl_layer_spec_defaults(&d, DL_LAYER_RESHAPE);
		d.reshape.target.ndim = 2;
		d.reshape.target.dim[0] = 2;
		d.reshape.target.dim[1] = -1;
		CHECK(th_same_spec(&s[5], &d));
		dl_layer_spec_defaults(&d, DL_LAYER_FLATTEN);
		CHECK(th_same_spec(&s[6], &d));
		dl_layer_spec_defaults(&d, DL_LAYER_ACTIVATION);
		d.act.activation = DL_ACT_GELU;
		CHECK(th_same_spec(&s[7], &d));
		dl_layer_spec_defaults(&d, DL_LAYER_BATCHNORM);
		CHECK(th_same_spec(&s[8], &d));
		/* the last dense may leave units and activation to the task */
		dl_layer_spec_defaults(&d, DL_LAYER_DENSE);
		CHECK(th_same_spec(&s[9], &d) && s[9].dense.units == 0 && !s[9].dense.activation_given);
	}
	dl_free(s);

	/* every activation name */
	{
		const char *names[] = {"linear", "relu", "leaky_relu", "sigmoid", "tanh", "gelu", "softmax"};

		for (int a = 0; a <= DL_ACT_LAST; a++)
		{
			char		json[128];

			snprintf(json, sizeof(json), "[{\"type\":\"activation\",\"activation\":\"%s\"}]", names[a]);
			CHECK_STATUS(dl_parse_layers(json, &s, &n), DL_OK);
			CHECK(n == 1 && s[0].act.activation == (dl_activation) a);
			CHECK(strcmp(dl_activation_name((dl_activation) a), names[a]) == 0);
			dl_free(s);
		}
	}
	/* 10.0 is an integer; 256 layers are fine */
	CHECK_STATUS(dl_parse_layers("[{\"type\":\"dense\",\"units\":10.0}]", &s, &n), DL_OK);
	CHECK(n == 1 && s[0].dense.units == 10);
	dl_free(s);
	{
		size_t		cap = 256 * 24 + 8;
		char	   *json = malloc(cap);
		size_t		len = 0;

		json[len++] = '[';
		for (int i = 0; i < 256; i++)
			len += (size_t) sprintf(json + len, "%s{\"type\":\"flatten\"}", i ? "," : "");
		json[len++] = ']';
		json[len] = '\0';
		CHECK_STATUS(dl_parse_layers(json, &s, &n), DL_OK);
		CHECK(n == 256);
		dl_free(s);
		memcpy(json + len - 1, ",{\"type\":\"flatten\"}]", 21);
		LAYERS_FAIL(json, DL_EINVAL, "0 to 256 layer objects", "got 257 layers");
		free(json);
	}
	th_end();
}

static void
test_layers_errors(void)
{
	th_begin("spec: layer errors name the layer, the key and what is accepted");
	LAYERS_FAIL("[1, 2", DL_ETEXT, "layers: invalid JSON at character 6");
	LAYERS_FAIL("{\"type\":\"dense\"}", DL_EINVAL, "layers must be a JSON array", "got an object");
	LAYERS_FAIL("[5]", DL_EINVAL, "layer 1 must be an object with a \"type\", got 5");
	LAYERS_FAIL("[{\"units\":3}]", DL_EINVAL, "layer 1 has no \"type\"", "accepted types: dense, dropout, flatten, reshape, batchnorm, layernorm, activation");
	LAYERS_FAIL("[{\"type\":null}]", DL_EINVAL, "layer 1 has no \"type\"");
	LAYERS_FAIL("[{\"type\":3}]", DL_EINVAL, "layer 1: \"type\" must be a string", "got 3");
	LAYERS_FAIL("[{\"type\":\"Atention\"}]", DL_EINVAL, "layer 1: unknown type \"Atention\"; accepted types: dense, dropout,",
				"conv2d, conv1d, maxpool2d, avgpool2d, maxpool1d, global_avgpool, embedding, lstm, gru, attention, transformer_encoder, positional_encoding");
	LAYERS_FAIL("[{\"type\":\"Dens\"}]", DL_EINVAL, "layer 1: unknown type \"Dens\"; accepted types: dense,");
	LAYERS_FAIL("[{\"type\":\"dense\\u0000\"}]", DL_EINVAL, "unknown type \"dense?\"");
	LAYERS_FAIL("[{\"type\":\"dense\",\"unit\":3}]", DL_EINVAL,
				"layer 1 (dense): unknown key \"unit\"; accepted keys: units, activation, use_bias, alpha");
	LAYERS_FAIL("[{\"type\":\"dropout\",\"units\":3}]", DL_EINVAL,
				"layer 1 (dropout): unknown key \"units\"; accepted keys: rate");
	LAYERS_FAIL("[{\"type\":\"flatten\",\"x\":1}]", DL_EINVAL,
				"layer 1 (flatten): unknown key \"x\"; a flatten layer takes no keys besides \"type\"");
	LAYERS_FAIL("[{\"type\":\"batchnorm\",\"rate\":0.1}]", DL_EINVAL, "accepted keys: epsilon, momentum");
	LAYERS_FAIL("[{\"type\":\"layernorm\",\"momentum\":0.1}]", DL_EINVAL, "accepted keys: epsilon");
	LAYERS_FAIL("[{\"type\":\"activation\",\"units\":1}]", DL_EINVAL, "accepted keys: activation, alpha");
	LAYERS_FAIL("[{\"type\":\"reshape\",\"units\":1}]", DL_EINVAL, "accepted keys: target_shape");

	/* dense */
	LAYERS_FAIL("[{\"type\":\"dense\",\"units\":0}]", DL_EINVAL,
				"layer 1 (dense): \"units\" must be an integer from 1 to 1048576, got 0");
	LAYERS_FAIL("[{\"type\":\"dense\",\"units\":1048577}]", DL_EINVAL, "got 1048577");
	LAYERS_FAIL("[{\"type\":\"dense\",\"units\":2.5}]", DL_EINVAL, "\"units\" must be an integer", "got 2.5");
	LAYERS_FAIL("[{\"type\":\"dense\",\"units\":\"8\"}]", DL_EINVAL, "got \"8\"");
	LAYERS_FAIL("[{\"type\":\"dense\",\"units\":[8]}]", DL_EINVAL, "got an array");
	LAYERS_FAIL("[{\"type\":\"dense\",\"activation\":\"relu\"},{\"type\":\"dense\"}]", DL_EINVAL,
				"layer 1 (dense): \"units\" is required (only the last layer may leave it out");
	LAYERS_FAIL("[{\"type\":\"dense\",\"units\":2,\"activation\":\"rleu\"}]", DL_EINVAL,
				"layer 1 (dense): \"activation\" must be one of linear, relu, leaky_relu, sigmoid, tanh, gelu, softmax, got \"rleu\"");
	LAYERS_FAIL("[{\"type\":\"dense\",\"units\":2,\"activation\":1}]", DL_EINVAL, "\"activation\" must be one of", "got 1");
	LAYERS_FAIL("[{\"type\":\"dense\",\"units\":2,\"use_bias\":1}]", DL_EINVAL,
				"layer 1 (dense): \"use_bias\" must be true or false, got 1");
	LAYERS_FAIL("[{\"type\":\"dense\",\"units\":2,\"activation\":\"leaky_relu\",\"alpha\":0}]", DL_EINVAL,
				"\"alpha\" must be a positive number", "got 0");
	LAYERS_FAIL("[{\"type\":\"dense\",\"units\":2,\"activation\":\"leaky_relu\",\"alpha\":1e-50}]", DL_EINVAL,
				"\"alpha\" must be a positive number", "got 1e-50");
	LAYERS_FAIL("[{\"type\":\"dense\",\"units\":2,\"activation\":\"leaky_relu\",\"alpha\":1e39}]", DL_EINVAL,
				"\"alpha\" must be a positive number");
	LAYERS_FAIL("[{\"type\":\"dense\",\"units\":2,\"activation\":\"relu\",\"alpha\":0.1}]", DL_EINVAL,
				"layer 1 (dense): \"alpha\" is the slope of leaky_relu and needs \"activation\": \"leaky_relu\"");
	LAYERS_FAIL("[{\"type\":\"dense\",\"units\":2,\"alpha\":0.1}]", DL_EINVAL, "\"alpha\" is the slope of leaky_relu");

	/* the others */
	LAYERS_FAIL("[{\"type\":\"dropout\",\"rate\":1}]", DL_EINVAL,
				"layer 1 (dropout): \"rate\" must be a number from 0 to below 1, got 1");
	LAYERS_FAIL("[{\"type\":\"dropout\",\"rate\":-0.1}]", DL_EINVAL, "got -0.1");
	LAYERS_FAIL("[{\"type\":\"dropout\",\"rate\":0.99999999}]", DL_EINVAL, "got 0.99999999");	/* 1 as a float */
	LAYERS_FAIL("[{\"type\":\"batchnorm\",\"epsilon\":0}]", DL_EINVAL,
				"layer 1 (batchnorm): \"epsilon\" must be a positive number, got 0");
	LAYERS_FAIL("[{\"type\":\"batchnorm\",\"momentum\":0}]", DL_EINVAL,
				"\"momentum\" must be a number above 0 and at most 1, got 0");
	LAYERS_FAIL("[{\"type\":\"batchnorm\",\"momentum\":1.5}]", DL_EINVAL, "got 1.5");
	LAYERS_FAIL("[{\"type\":\"layernorm\",\"epsilon\":-1}]", DL_EINVAL, "layer 1 (layernorm): \"epsilon\"");
	LAYERS_FAIL("[{\"type\":\"activation\"}]", DL_EINVAL,
				"layer 1 (activation): \"activation\" is required; accepted values: linear, relu,");
	LAYERS_FAIL("[{\"type\":\"activation\",\"activation\":\"relu\",\"alpha\":2}]", DL_EINVAL,
				"layer 1 (activation): \"alpha\" is the slope of leaky_relu");
	LAYERS_FAIL("[{\"type\":\"reshape\"}]", DL_EINVAL, "layer 1 (reshape): \"target_shape\" is required");
	LAYERS_FAIL("[{\"type\":\"reshape\",\"target_shape\":[]}]", DL_EINVAL,
				"\"target_shape\" must be an array of 1 to 4 integers from 1 to 1048576, one of which may be -1", "got an array");
	LAYERS_FAIL("[{\"type\":\"reshape\",\"target_shape\":[1,2,3,4,5]}]", DL_EINVAL, "1 to 4 integers");
	LAYERS_FAIL("[{\"type\":\"reshape\",\"target_shape\":[-1,-1]}]", DL_EINVAL, "more than one -1");
	LAYERS_FAIL("[{\"type\":\"reshape\",\"target_shape\":[0]}]", DL_EINVAL, "got 0");
	LAYERS_FAIL("[{\"type\":\"reshape\",\"target_shape\":[-2]}]", DL_EINVAL, "got -2");
	LAYERS_FAIL("[{\"type\":\"reshape\",\"target_shape\":[\"2\"]}]", DL_EINVAL, "got \"2\"");
	LAYERS_FAIL("[{\"type\":\"reshape\",\"target_shape\":4}]", DL_EINVAL, "got 4");

	/* convolution and pooling */
	LAYERS_FAIL("[{\"type\":\"conv2d\",\"kernel\":3}]", DL_EINVAL,
				"layer 1 (conv2d): \"filters\" is required");
	LAYERS_FAIL("[{\"type\":\"conv1d\",\"filters\":3}]", DL_EINVAL,
				"layer 1 (conv1d): \"kernel\" is required, e.g. 3");
	LAYERS_FAIL("[{\"type\":\"conv2d\",\"filters\":0,\"kernel\":3}]", DL_EINVAL,
				"layer 1 (conv2d): \"filters\" must be an integer from 1 to 1048576, got 0");
	LAYERS_FAIL("[{\"type\":\"conv2d\",\"filters\":2,\"kernel\":[3]}]", DL_EINVAL,
				"layer 1 (conv2d): \"kernel\" must be an integer from 1 to 1048576 or an array of two such integers [height, width]");
	LAYERS_FAIL("[{\"type\":\"conv2d\",\"filters\":2,\"kernel\":[3,0]}]", DL_EINVAL, "\"kernel\" must be", "got 0");
	LAYERS_FAIL("[{\"type\":\"conv2d\",\"filters\":2,\"kernel\":2.5}]", DL_EINVAL, "got 2.5");
	LAYERS_FAIL("[{\"type\":\"conv1d\",\"filters\":2,\"kernel\":[3,3]}]", DL_EINVAL,
				"layer 1 (conv1d): \"kernel\" must be an integer from 1 to 1048576, got an array");
	LAYERS_FAIL("[{\"type\":\"conv2d\",\"filters\":2,\"kernel\":3,\"stride\":0}]", DL_EINVAL,
				"\"stride\" must be", "got 0");
	LAYERS_FAIL("[{\"type\":\"conv2d\",\"filters\":2,\"kernel\":3,\"dilation\":\"2\"}]", DL_EINVAL,
				"\"dilation\" must be", "got \"2\"");
	LAYERS_FAIL("[{\"type\":\"conv2d\",\"filters\":2,\"kernel\":3,\"padding\":\"full\"}]", DL_EINVAL,
				"layer 1 (conv2d): \"padding\" must be one of valid, same, got \"full\"");
	LAYERS_FAIL("[{\"type\":\"conv2d\",\"filters\":2,\"kernel\":3,\"units\":3}]", DL_EINVAL,
				"accepted keys: activation, use_bias, alpha, filters, kernel, stride, padding, dilation");
	LAYERS_FAIL("[{\"type\":\"conv2d\",\"filters\":2,\"kernel\":3,\"alpha\":0.1}]", DL_EINVAL,
				"\"alpha\" is the slope of leaky_relu");
	LAYERS_FAIL("[{\"type\":\"maxpool2d\",\"kernel\":2}]", DL_EINVAL,
				"layer 1 (maxpool2d): unknown key \"kernel\"; accepted keys: stride, pool");
	LAYERS_FAIL("[{\"type\":\"avgpool2d\",\"pool\":[2,2,2]}]", DL_EINVAL, "\"pool\" must be");
	LAYERS_FAIL("[{\"type\":\"maxpool1d\",\"pool\":[2]}]", DL_EINVAL,
				"layer 1 (maxpool1d): \"pool\" must be an integer from 1 to 1048576");
	LAYERS_FAIL("[{\"type\":\"global_avgpool\",\"pool\":2}]", DL_EINVAL,
				"a global_avgpool layer takes no keys besides \"type\"");
	LAYERS_FAIL("[{\"type\":\"embedding\",\"input_dim\":10}]", DL_EINVAL,
				"layer 1 (embedding): \"output_dim\" (the vector size) is required");
	LAYERS_FAIL("[{\"type\":\"embedding\",\"input_dim\":0,\"output_dim\":4}]", DL_EINVAL,
				"layer 1 (embedding): \"input_dim\" must be an integer from 1 to 1048576, got 0");
	LAYERS_FAIL("[{\"type\":\"embedding\",\"input_dim\":3,\"output_dim\":4.5}]", DL_EINVAL,
				"\"output_dim\" must be an integer", "got 4.5");
	LAYERS_FAIL("[{\"type\":\"embedding\",\"input_dim\":3,\"output_dim\":4,\"units\":3}]", DL_EINVAL,
				"layer 1 (embedding): unknown key \"units\"; accepted keys: input_dim, output_dim, mask_zero");
	LAYERS_FAIL("[{\"type\":\"embedding\",\"input_dim\":3,\"output_dim\":4,\"mask_zero\":1}]", DL_EINVAL,
				"layer 1 (embedding): \"mask_zero\"");
	LAYERS_FAIL("[{\"type\":\"lstm\"}]", DL_EINVAL, "layer 1 (lstm): \"units\" is required (the size of the state)");
	LAYERS_FAIL("[{\"type\":\"gru\",\"units\":0}]", DL_EINVAL,
				"layer 1 (gru): \"units\" must be an integer from 1 to 1048576, got 0");
	LAYERS_FAIL("[{\"type\":\"gru\",\"units\":4,\"return_sequences\":1}]", DL_EINVAL,
				"layer 1 (gru): \"return_sequences\" must be");
	LAYERS_FAIL("[{\"type\":\"lstm\",\"units\":4,\"activation\":\"relu\"}]", DL_EINVAL,
				"layer 1 (lstm): unknown key \"activation\"; accepted keys: units, return_sequences");
	LAYERS_FAIL("[{\"type\":\"attention\",\"heads\":0}]", DL_EINVAL,
				"layer 1 (attention): \"heads\" must be an integer from 1 to 1048576, got 0");
	LAYERS_FAIL("[{\"type\":\"attention\",\"rate\":0.1}]", DL_EINVAL,
				"layer 1 (attention): unknown key \"rate\"; accepted keys: use_bias, heads, key_dim, causal, dropout");
	LAYERS_FAIL("[{\"type\":\"attention\",\"dropout\":1}]", DL_EINVAL,
				"layer 1 (attention): \"dropout\" must be a number from 0 to below 1, got 1");
	LAYERS_FAIL("[{\"type\":\"transformer_encoder\",\"causal\":\"yes\"}]", DL_EINVAL,
				"layer 1 (transformer_encoder): \"causal\" must be");
	LAYERS_FAIL("[{\"type\":\"transformer_encoder\",\"units\":8}]", DL_EINVAL,
				"layer 1 (transformer_encoder): unknown key \"units\"; accepted keys: activation, alpha, epsilon, heads, key_dim, causal, dropout, ff_dim, norm_first");
	LAYERS_FAIL("[{\"type\":\"transformer_encoder\",\"ff_dim\":-1}]", DL_EINVAL,
				"\"ff_dim\" must be an integer from 1 to 1048576, got -1");
	LAYERS_FAIL("[{\"type\":\"positional_encoding\",\"encoding\":\"rotary\"}]", DL_EINVAL,
				"layer 1 (positional_encoding): \"encoding\" must be one of sinusoidal, learned");
	th_end();
}

static void
test_layers_conv(void)
{
	dl_layer_spec *s;
	dl_layer_spec d;
	int			n;

	th_begin("spec: conv and pool keys are read; pools stride by their size by default");
	CHECK_STATUS(dl_parse_layers("[{\"type\":\"conv2d\",\"filters\":16,\"kernel\":[3,5],\"stride\":2,"
								 "\"padding\":\"same\",\"dilation\":[1,2],\"activation\":\"relu\",\"use_bias\":false},"
								 "{\"type\":\"conv1d\",\"filters\":4,\"kernel\":3},"
								 "{\"type\":\"maxpool2d\"},"
								 "{\"type\":\"avgpool2d\",\"pool\":[3,2],\"stride\":1},"
								 "{\"type\":\"maxpool1d\",\"pool\":3},"
								 "{\"type\":\"global_avgpool\"}]", &s, &n), DL_OK);
	CHECK(n == 6);
	if (n == 6)
	{
		dl_layer_spec_defaults(&d, DL_LAYER_CONV2D);
		d.conv.filters = 16;
		d.conv.kernel[0] = 3;
		d.conv.kernel[1] = 5;
		d.conv.stride[0] = d.conv.stride[1] = 2;
		d.conv.padding = DL_PAD_SAME;
		d.conv.dilation[1] = 2;
		d.conv.activation = DL_ACT_RELU;
		d.conv.use_bias = false;
		CHECK(th_same_spec(&s[0], &d));
		dl_layer_spec_defaults(&d, DL_LAYER_CONV1D);
		d.conv.filters = 4;
		d.conv.kernel[0] = 3;
		CHECK(th_same_spec(&s[1], &d) && d.conv.kernel[1] == 1 && d.conv.stride[0] == 1);
		dl_layer_spec_defaults(&d, DL_LAYER_MAXPOOL2D);
		CHECK(th_same_spec(&s[2], &d) && d.pool.pool[0] == 2 && d.pool.pool[1] == 2 && d.pool.stride[1] == 2);
		dl_layer_spec_defaults(&d, DL_LAYER_AVGPOOL2D);
		d.pool.pool[0] = 3;
		d.pool.stride[0] = d.pool.stride[1] = 1;
		CHECK(th_same_spec(&s[3], &d));
		dl_layer_spec_defaults(&d, DL_LAYER_MAXPOOL1D);
		d.pool.pool[0] = 3;
		d.pool.stride[0] = 3;
		CHECK(th_same_spec(&s[4], &d) && d.pool.pool[1] == 1 && d.pool.stride[1] == 1);
		dl_layer_spec_defaults(&d, DL_LAYER_GLOBAL_AVGPOOL);
		CHECK(th_same_spec(&s[5], &d));
	}
	dl_free(s);
	CHECK_STATUS(dl_parse_layers("[{\"type\":\"embedding\",\"input_dim\":50,\"output_dim\":8}]", &s, &n), DL_OK);
	dl_layer_spec_defaults(&d, DL_LAYER_EMBEDDING);
	d.embedding.input_dim = 50;
	d.embedding.output_dim = 8;
	CHECK(n == 1 && th_same_spec(&s[0], &d) && !s[0].embedding.mask_zero);
	dl_free(s);
	CHECK_STATUS(dl_parse_layers("[{\"type\":\"embedding\",\"input_dim\":50,\"output_dim\":8,\"mask_zero\":true}]", &s, &n), DL_OK);
	d.embedding.mask_zero = true;
	CHECK(n == 1 && th_same_spec(&s[0], &d));
	dl_free(s);
	CHECK_STATUS(dl_parse_layers("[{\"type\":\"lstm\",\"units\":5,\"return_sequences\":true},"
								 "{\"type\":\"gru\",\"units\":3}]", &s, &n), DL_OK);
	dl_layer_spec_defaults(&d, DL_LAYER_LSTM);
	d.rnn.units = 5;
	d.rnn.return_sequences = true;
	CHECK(n == 2 && th_same_spec(&s[0], &d));
	dl_layer_spec_defaults(&d, DL_LAYER_GRU);
	d.rnn.units = 3;
	CHECK(n == 2 && th_same_spec(&s[1], &d) && !s[1].rnn.return_sequences);
	dl_free(s);
	CHECK_STATUS(dl_parse_layers("[{\"type\":\"positional_encoding\",\"encoding\":\"learned\"},"
								 "{\"type\":\"attention\",\"heads\":4,\"key_dim\":8,\"causal\":true,"
								 "\"dropout\":0.25,\"use_bias\":false},"
								 "{\"type\":\"transformer_encoder\"},"
								 "{\"type\":\"transformer_encoder\",\"heads\":2,\"ff_dim\":64,"
								 "\"activation\":\"gelu\",\"norm_first\":true,\"dropout\":0,"
								 "\"epsilon\":1e-6}]", &s, &n), DL_OK);
	CHECK(n == 4);
	if (n == 4)
	{
		dl_layer_spec_defaults(&d, DL_LAYER_POSITIONAL_ENCODING);
		d.posenc.learned = true;
		CHECK(th_same_spec(&s[0], &d));
		dl_layer_spec_defaults(&d, DL_LAYER_ATTENTION);
		d.attention.heads = 4;
		d.attention.key_dim = 8;
		d.attention.causal = true;
		d.attention.rate = 0.25f;
		d.attention.use_bias = false;
		CHECK(th_same_spec(&s[1], &d));
		dl_layer_spec_defaults(&d, DL_LAYER_TRANSFORMER_ENCODER);
		CHECK(th_same_spec(&s[2], &d) && d.attention.rate == 0.1f && d.attention.activation == DL_ACT_RELU &&
			  d.attention.heads == 1 && d.attention.key_dim == 0 && d.attention.ff_dim == 0);
		d.attention.heads = 2;
		d.attention.ff_dim = 64;
		d.attention.activation = DL_ACT_GELU;
		d.attention.norm_first = true;
		d.attention.rate = 0.0f;
		d.attention.epsilon = 1e-6f;
		CHECK(th_same_spec(&s[3], &d));
	}
	dl_free(s);
	th_end();
}

static void
test_layers_round_trip(void)
{
	const char *cases[] = {
		"[{\"type\":\"dense\",\"units\":10,\"activation\":\"softmax\",\"use_bias\":true}]",
		"[{\"type\":\"dense\",\"units\":64,\"activation\":\"leaky_relu\",\"alpha\":0.3,\"use_bias\":false},"
		"{\"type\":\"dropout\",\"rate\":0.1},{\"type\":\"batchnorm\",\"epsilon\":1e-3,\"momentum\":0.99},"
		"{\"type\":\"reshape\",\"target_shape\":[4,-1,2]},{\"type\":\"layernorm\",\"epsilon\":3.3e-7},"
		"{\"type\":\"flatten\"},{\"type\":\"activation\",\"activation\":\"leaky_relu\",\"alpha\":0.123456789},"
		"{\"type\":\"activation\",\"activation\":\"tanh\"},{\"type\":\"dense\"}]",
		"[{\"type\":\"dense\",\"units\":3},{\"type\":\"dense\",\"activation\":\"sigmoid\"}]",
		"[{\"type\":\"conv2d\",\"filters\":8,\"kernel\":[3,5],\"stride\":[2,1],\"padding\":\"same\","
		"\"dilation\":2,\"activation\":\"leaky_relu\",\"alpha\":0.2,\"use_bias\":false},"
		"{\"type\":\"maxpool2d\",\"pool\":[2,3]},{\"type\":\"avgpool2d\",\"pool\":2,\"stride\":1},"
		"{\"type\":\"global_avgpool\"},{\"type\":\"conv1d\",\"filters\":3,\"kernel\":4,\"stride\":2,"
		"\"dilation\":3},{\"type\":\"maxpool1d\",\"pool\":3,\"stride\":2}]",
		"[{\"type\":\"conv2d\",\"filters\":16,\"kernel\":3,\"stride\":1,\"padding\":\"valid\",\"dilation\":1,"
		"\"activation\":\"relu\",\"use_bias\":true},{\"type\":\"maxpool2d\",\"pool\":2,\"stride\":2}]",
		"[{\"type\":\"embedding\",\"input_dim\":1000,\"output_dim\":16},{\"type\":\"global_avgpool\"}]",
		"[{\"type\":\"lstm\",\"units\":32,\"return_sequences\":true},{\"type\":\"gru\",\"units\":8,"
		"\"return_sequences\":false},{\"type\":\"dense\",\"units\":1,\"activation\":\"linear\",\"use_bias\":true}]",
		"[{\"type\":\"lstm\",\"units\":4,\"return_sequences\":true,\"bidirectional\":true},"
		"{\"type\":\"gru\",\"units\":3,\"return_sequences\":false,\"bidirectional\":true}]",
		"[{\"type\":\"positional_encoding\",\"encoding\":\"sinusoidal\"},{\"type\":\"attention\",\"heads\":2,"
		"\"key_dim\":5,\"causal\":true,\"dropout\":0.125,\"use_bias\":false},{\"type\":\"transformer_encoder\","
		"\"heads\":4,\"causal\":false,\"dropout\":0.1,\"activation\":\"leaky_relu\",\"alpha\":0.2,"
		"\"norm_first\":true,\"epsilon\":1e-05},{\"type\":\"positional_encoding\",\"encoding\":\"learned\"},"
		"{\"type\":\"transformer_encoder\",\"heads\":1,\"key_dim\":3,\"causal\":true,\"dropout\":0,"
		"\"ff_dim\":7,\"activation\":\"relu\",\"norm_first\":false,\"epsilon\":0.001}]",
	};

	th_begin("spec: dl_layers_to_json is canonical and reads back to identical specs");
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
	{
		dl_layer_spec *a,
				   *b;
		int			na,
					nb;
		char	   *json,
				   *again;

		CHECK_STATUS(dl_parse_layers(cases[c], &a, &na), DL_OK);
		json = dl_layers_to_json(a, na);
		CHECK_STATUS(dl_parse_layers(json, &b, &nb), DL_OK);
		CHECK(na == nb);
		for (int i = 0; i < na && i < nb; i++)
			CHECK(th_same_spec(&a[i], &b[i]));
		again = dl_layers_to_json(b, nb);
		CHECK(strcmp(json, again) == 0);
		if (c == 0 || c == 4 || c == 5)
			CHECK(strcmp(json, cases[c]) == 0);
		if (c == 2)
			CHECK(strcmp(json, "[{\"type\":\"dense\",\"units\":3,\"use_bias\":true},"
						 "{\"type\":\"dense\",\"activation\":\"sigmoid\",\"use_bias\":true}]") == 0);
		dl_free(json);
		dl_free(again);
		dl_free(a);
		dl_free(b);
	}
	th_end();
}

/* ---- completing the output ---- */

static dl_layer_spec *
layers(const char *json, int *n)
{
	dl_layer_spec *s = NULL;

	if (dl_parse_layers(json, &s, n) != DL_OK)
		th_fail(__FILE__, __LINE__, "could not parse %s: %s", json, th_last_message);
	return s;
}

static void
complete_fail(const char *file, int line, const char *json, dl_task task, int n_out, dl_loss loss, ...)
{
	int			n;
	dl_layer_spec *s = layers(json, &n);
	dl_layer_spec *before = s;
	int			n_before = n;
	va_list		ap;
	const char *needle;

	th_clear_error();
	if (dl_complete_output(&s, &n, task, n_out, loss) != DL_EINVAL || s != before || n != n_before)
		th_fail(file, line, "%s: expected DL_EINVAL with specs untouched (%s)", json, th_last_message);
	va_start(ap, loss);
	while ((needle = va_arg(ap, const char *)) != NULL)
		if (strstr(th_last_message, needle) == NULL)
			th_fail(file, line, "%s: message \"%s\" lacks \"%s\"", json, th_last_message, needle);
	va_end(ap);
	dl_free(s);
}

#define COMPLETE_FAIL(json, task, n_out, loss, ...) \
	complete_fail(__FILE__, __LINE__, json, task, n_out, loss, __VA_ARGS__, (const char *) NULL)

static void
test_complete_output(void)
{
	dl_layer_spec *s;
	int			n;

	th_begin("spec: dl_complete_output fills, appends and refuses contradictions");
	/* fill units and softmax for cross entropy */
	s = layers("[{\"type\":\"dense\",\"units\":8,\"activation\":\"relu\"},{\"type\":\"dense\"}]", &n);
	CHECK_STATUS(dl_complete_output(&s, &n, DL_TASK_CLASSIFICATION, 3, DL_LOSS_CE), DL_OK);
	CHECK(n == 2 && s[1].dense.units == 3 && s[1].dense.activation == DL_ACT_SOFTMAX &&
		  s[1].dense.activation_given);
	CHECK(s[0].dense.units == 8 && s[0].dense.activation == DL_ACT_RELU);
	dl_free(s);

	/* sigmoid for BCE, linear for regression losses */
	s = layers("[{\"type\":\"dense\"}]", &n);
	CHECK_STATUS(dl_complete_output(&s, &n, DL_TASK_CLASSIFICATION, 1, DL_LOSS_BCE), DL_OK);
	CHECK(n == 1 && s[0].dense.units == 1 && s[0].dense.activation == DL_ACT_SIGMOID);
	dl_free(s);
	for (dl_loss l = DL_LOSS_MSE; l <= DL_LOSS_HUBER; l++)
	{
		s = layers("[{\"type\":\"dense\"}]", &n);
		CHECK_STATUS(dl_complete_output(&s, &n, DL_TASK_REGRESSION, 1, l), DL_OK);
		CHECK(n == 1 && s[0].dense.units == 1 && s[0].dense.activation == DL_ACT_LINEAR &&
			  s[0].dense.activation_given);
		dl_free(s);
	}

	/* a last layer that is not dense gets a dense one after it */
	s = layers("[{\"type\":\"dense\",\"units\":8,\"activation\":\"relu\"},{\"type\":\"dropout\",\"rate\":0.5}]", &n);
	CHECK_STATUS(dl_complete_output(&s, &n, DL_TASK_CLASSIFICATION, 4, DL_LOSS_CE), DL_OK);
	CHECK(n == 3 && s[2].type == DL_LAYER_DENSE && s[2].dense.units == 4 &&
		  s[2].dense.activation == DL_ACT_SOFTMAX);
	CHECK(s[2].dense.use_bias && s[1].type == DL_LAYER_DROPOUT);
	dl_free(s);

	/* given values that agree are kept; sigmoid is fine for a regression */
	s = layers("[{\"type\":\"dense\",\"units\":3,\"activation\":\"softmax\"}]", &n);
	CHECK_STATUS(dl_complete_output(&s, &n, DL_TASK_CLASSIFICATION, 3, DL_LOSS_CE), DL_OK);
	CHECK(n == 1 && s[0].dense.units == 3);
	dl_free(s);
	s = layers("[{\"type\":\"dense\",\"units\":1,\"activation\":\"sigmoid\"}]", &n);
	CHECK_STATUS(dl_complete_output(&s, &n, DL_TASK_REGRESSION, 1, DL_LOSS_MSE), DL_OK);
	CHECK(s[0].dense.activation == DL_ACT_SIGMOID);
	dl_free(s);

	/* a last dense layer that contradicts the task is hidden: the output follows it */
	s = layers("[{\"type\":\"dense\",\"units\":5}]", &n);
	CHECK_STATUS(dl_complete_output(&s, &n, DL_TASK_CLASSIFICATION, 3, DL_LOSS_CE), DL_OK);
	CHECK(n == 2 && s[0].dense.units == 5 && s[1].dense.units == 3 &&
		  s[1].dense.activation == DL_ACT_SOFTMAX);
	dl_free(s);
	s = layers("[{\"type\":\"dense\",\"units\":3,\"activation\":\"relu\"}]", &n);
	CHECK_STATUS(dl_complete_output(&s, &n, DL_TASK_CLASSIFICATION, 3, DL_LOSS_CE), DL_OK);
	CHECK(n == 2 && s[0].dense.activation == DL_ACT_RELU && s[1].dense.units == 3 &&
		  s[1].dense.activation == DL_ACT_SOFTMAX);
	dl_free(s);
	s = layers("[{\"type\":\"dense\",\"units\":8,\"activation\":\"tanh\"}]", &n);
	CHECK_STATUS(dl_complete_output(&s, &n, DL_TASK_REGRESSION, 1, DL_LOSS_MSE), DL_OK);
	CHECK(n == 2 && s[1].dense.units == 1 && s[1].dense.activation == DL_ACT_LINEAR);
	dl_free(s);
	COMPLETE_FAIL("[{\"type\":\"dense\",\"activation\":\"relu\"}]", DL_TASK_CLASSIFICATION, 3, DL_LOSS_CE,
				  "output layer of a cross_entropy model (one per class) and must use softmax, not relu");
	COMPLETE_FAIL("[{\"type\":\"dense\",\"activation\":\"softmax\"}]", DL_TASK_CLASSIFICATION, 1, DL_LOSS_BCE,
				  "binary_cross_entropy model", "must use sigmoid, not softmax");
	COMPLETE_FAIL("[{\"type\":\"dense\",\"activation\":\"softmax\"}]", DL_TASK_REGRESSION, 1, DL_LOSS_MSE,
				  "regression model (loss mse); softmax");
	COMPLETE_FAIL("[{\"type\":\"dense\"}]", DL_TASK_REGRESSION, 1, DL_LOSS_CE,
				  "loss cross_entropy is for classification, but the task is regression");
	COMPLETE_FAIL("[{\"type\":\"dense\"}]", DL_TASK_CLASSIFICATION, 2, DL_LOSS_MAE,
				  "loss mae is for regression, but the task is classification");
	COMPLETE_FAIL("[{\"type\":\"dense\"}]", DL_TASK_CLASSIFICATION, 3, DL_LOSS_BCE,
				  "binary_cross_entropy has one output", "not 3");
	COMPLETE_FAIL("[{\"type\":\"dense\"}]", DL_TASK_CLASSIFICATION, 1, DL_LOSS_CE,
				  "cross_entropy needs 2 to 100000 outputs");
	COMPLETE_FAIL("[{\"type\":\"dense\"}]", DL_TASK_REGRESSION, 0, DL_LOSS_MSE, "output size must be from 1");
	COMPLETE_FAIL("[{\"type\":\"dense\"}]", (dl_task) 7, 1, DL_LOSS_MSE, "unknown task 7");
	COMPLETE_FAIL("[{\"type\":\"dense\"}]", DL_TASK_REGRESSION, 1, (dl_loss) 0, "unknown loss 0");

	/* a hidden dense without units (specs not from the parser) */
	s = layers("[{\"type\":\"dense\",\"units\":2},{\"type\":\"dense\"}]", &n);
	s[0].dense.units = 0;
	th_clear_error();
	CHECK_STATUS(dl_complete_output(&s, &n, DL_TASK_REGRESSION, 1, DL_LOSS_MSE), DL_EINVAL);
	CHECK_MESSAGE("layer 1 (dense): \"units\" is required");
	dl_free(s);

	/* the layer cap applies after appending */
	{
		dl_layer_spec *many = dl_alloc(sizeof(dl_layer_spec) * DL_MAX_LAYERS);

		for (int i = 0; i < DL_MAX_LAYERS; i++)
			dl_layer_spec_defaults(&many[i], DL_LAYER_FLATTEN);
		n = DL_MAX_LAYERS;
		th_clear_error();
		CHECK_STATUS(dl_complete_output(&many, &n, DL_TASK_REGRESSION, 1, DL_LOSS_MSE), DL_EINVAL);
		CHECK_MESSAGE("the layers end with a flatten layer, so a dense output layer is added", "makes 257 layers; at most 256");
		many[DL_MAX_LAYERS - 1].type = DL_LAYER_DENSE;
		CHECK_STATUS(dl_complete_output(&many, &n, DL_TASK_REGRESSION, 1, DL_LOSS_MSE), DL_OK);
		CHECK(n == DL_MAX_LAYERS && many[n - 1].dense.units == 1);
		dl_free(many);
	}
	th_end();
}

/* ---- options ---- */

static void
test_options_defaults(void)
{
	dl_options	o;
	dl_train_options t;

	th_begin("spec: options default as documented; null means the default");
	dl_train_options_defaults(&t);
	t.seed = 42;
	CHECK_STATUS(dl_parse_options("{}", &o), DL_OK);
	CHECK(memcmp(&o.train, &t, sizeof(t)) == 0);
	CHECK(o.task == 0 && !o.loss_given && !o.has_input_shape && o.validation_fraction == 0.1);
	CHECK(o.standardize && o.n_categorical == 0 && o.categorical == NULL);
	CHECK(o.impute == DL_MISSING_ERROR && o.warm_start == NULL && o.description == NULL);
	CHECK(o.max_memory_kb == 0 && !o.seed_given && o.train.seed == 42);
	CHECK(o.data == DL_DATA_AUTO && o.shuffle_buffer == 0);
	CHECK(o.train.learning_rate == 0.001f && o.train.batch_size == 64 && o.train.epochs == 10);
	dl_options_free(&o);

	CHECK_STATUS(dl_parse_options(" {\"epochs\": null, \"task\": null, \"seed\": null, \"categorical\": null} ", &o), DL_OK);
	CHECK(o.train.epochs == 10 && o.task == 0 && !o.seed_given);
	dl_options_free(&o);
	th_end();
}

static void
test_options_each_key(void)
{
	dl_options	o;

	th_begin("spec: every option is read");
	CHECK_STATUS(dl_parse_options(
								  "{\"task\":\"classification\",\"input_shape\":[1,28,28],\"loss\":\"cross_entropy\","
								  "\"optimizer\":\"momentum\",\"learning_rate\":0.05,\"batch_size\":32,\"epochs\":7,"
								  "\"weight_decay\":0.01,\"l1\":0.001,\"clip_norm\":5,\"validation_fraction\":0,"
								  "\"early_stopping_patience\":3,\"standardize\":false,\"categorical\":[\"color\",\"size\"],"
								  "\"impute\":\"median\",\"seed\":9007199254740992,\"warm_start\":\"m@3\","
								  "\"description\":\"first try \\u00e9\",\"max_memory\":\"512MB\",\"momentum\":0.8,"
								  "\"data\":\"stream\",\"shuffle_buffer\":5000,"
								  "\"nesterov\":true,\"beta1\":0.8,\"beta2\":0.99,\"huber_delta\":2.5}", &o), DL_OK);
	CHECK(o.task == DL_TASK_CLASSIFICATION);
	CHECK(o.has_input_shape && o.input_shape.ndim == 3 && o.input_shape.dim[0] == 1 &&
		  o.input_shape.dim[1] == 28 && o.input_shape.dim[2] == 28);
	CHECK(o.train.loss == DL_LOSS_CE && o.loss_given);
	CHECK(o.train.optimizer == DL_OPT_MOMENTUM);
	CHECK(o.train.learning_rate == 0.05f && o.train.batch_size == 32 && o.train.epochs == 7);
	CHECK(o.train.weight_decay == 0.01f && o.train.l1 == 0.001f && o.train.clip_norm == 5.0f);
	CHECK(o.validation_fraction == 0.0 && o.train.patience == 3 && !o.standardize);
	CHECK(o.n_categorical == 2 && strcmp(o.categorical[0], "color") == 0 &&
		  strcmp(o.categorical[1], "size") == 0);
	CHECK(o.impute == DL_MISSING_MEDIAN);
	CHECK(o.seed_given && o.train.seed == UINT64_C(9007199254740992));
	CHECK(strcmp(o.warm_start, "m@3") == 0);
	CHECK(strcmp(o.description, "first try \xC3\xA9") == 0);
	CHECK(o.max_memory_kb == 512 * 1024);
	CHECK(o.data == DL_DATA_STREAM && o.shuffle_buffer == 5000);
	CHECK(o.train.momentum == 0.8f && o.train.nesterov);
	CHECK(o.train.beta1 == 0.8f && o.train.beta2 == 0.99f && o.train.huber_delta == 2.5f);
	dl_options_free(&o);
	CHECK(o.categorical == NULL && o.n_categorical == 0 && o.train.epochs == 10);

	/* the names of every enum */
	{
		const char *tasks[] = {"regression", "classification"};
		const char *losses[] = {"mse", "mae", "huber", "binary_cross_entropy", "cross_entropy"};
		const char *opts[] = {"sgd", "momentum", "adam", "adamw"};
		const char *imp[] = {"mean", "median", "drop_row"};
		char		json[128];

		for (int i = 0; i < 2; i++)
		{
			snprintf(json, sizeof(json), "{\"task\":\"%s\"}", tasks[i]);
			CHECK_STATUS(dl_parse_options(json, &o), DL_OK);
			CHECK(o.task == (dl_task) (i + 1) && strcmp(dl_task_name(o.task), tasks[i]) == 0);
		}
		for (int i = 0; i < 5; i++)
		{
			snprintf(json, sizeof(json), "{\"loss\":\"%s\"}", losses[i]);
			CHECK_STATUS(dl_parse_options(json, &o), DL_OK);
			CHECK(o.train.loss == (dl_loss) (i + 1));
		}
		for (int i = 0; i < 4; i++)
		{
			snprintf(json, sizeof(json), "{\"optimizer\":\"%s\"}", opts[i]);
			CHECK_STATUS(dl_parse_options(json, &o), DL_OK);
			CHECK(o.train.optimizer == (dl_optimizer) (i + 1));
		}
		for (int i = 0; i < 3; i++)
		{
			snprintf(json, sizeof(json), "{\"impute\":\"%s\"}", imp[i]);
			CHECK_STATUS(dl_parse_options(json, &o), DL_OK);
			CHECK(o.impute == (dl_missing) (i + 1));
		}
	}

	/* categorical as one string; max_memory forms */
	CHECK_STATUS(dl_parse_options("{\"categorical\":\"city\",\"max_memory\":65536}", &o), DL_OK);
	CHECK(o.n_categorical == 1 && strcmp(o.categorical[0], "city") == 0 && o.max_memory_kb == 65536);
	dl_options_free(&o);
	{
		const struct
		{
			const char *text;
			int64_t		kb;
		}			mem[] = {
			{"\"64kB\"", 64}, {"\"2GB\"", 2 * 1024 * 1024}, {"\"1TB\"", INT64_C(1024) * 1024 * 1024},
			{"\"1.5GB\"", 1536 * 1024}, {"\" 512 MB \"", 512 * 1024}, {"\"100\"", 100},
			{"\"2048B\"", 2}, {"\"1500B\"", 1}, {"\"1kB\"", 1}
		};
		char		json[64];

		for (size_t i = 0; i < sizeof(mem) / sizeof(mem[0]); i++)
		{
			snprintf(json, sizeof(json), "{\"max_memory\":%s}", mem[i].text);
			CHECK_STATUS(dl_parse_options(json, &o), DL_OK);
			if (o.max_memory_kb != mem[i].kb)
				th_fail(__FILE__, __LINE__, "max_memory %s gave %lld kB, expected %lld",
						mem[i].text, (long long) o.max_memory_kb, (long long) mem[i].kb);
		}
	}
	th_end();
}

static void
test_options_errors(void)
{
	th_begin("spec: option errors name the option and what is accepted");
	OPTIONS_FAIL("{", DL_ETEXT, "options: invalid JSON at character 2");
	OPTIONS_FAIL("[]", DL_EINVAL, "options must be a JSON object, got an array");
	OPTIONS_FAIL("{\"epoch\":3}", DL_EINVAL,
				 "unknown option \"epoch\"; accepted options: task, input_shape, loss, optimizer, learning_rate, batch_size, epochs, weight_decay, l1, clip_norm, validation_fraction, early_stopping_patience, standardize, categorical, numeric_text, dates, date_encoding, text, impute, seed, warm_start, description, max_memory, data, shuffle_buffer, momentum, nesterov, beta1, beta2, huber_delta, parallel_workers, replace");
	OPTIONS_FAIL("{\"task\":\"clustering\"}", DL_EINVAL,
				 "option \"task\" must be one of classification, regression, got \"clustering\"");
	OPTIONS_FAIL("{\"input_shape\":[0]}", DL_EINVAL, "option \"input_shape\" must be an array of 1 to 4 integers", "got 0");
	OPTIONS_FAIL("{\"input_shape\":[-1,2]}", DL_EINVAL, "got -1");
	OPTIONS_FAIL("{\"input_shape\":[1000,1000,2]}", DL_EINVAL, "at most 1000000 values in all");
	OPTIONS_FAIL("{\"input_shape\":\"28x28\"}", DL_EINVAL, "got \"28x28\"");
	OPTIONS_FAIL("{\"loss\":\"hinge\"}", DL_EINVAL,
				 "option \"loss\" must be one of mse, mae, huber, binary_cross_entropy, cross_entropy, got \"hinge\"");
	OPTIONS_FAIL("{\"optimizer\":\"rmsprop\"}", DL_EINVAL, "one of adam, sgd, momentum, adamw");
	OPTIONS_FAIL("{\"learning_rate\":0}", DL_EINVAL, "option \"learning_rate\" must be a positive number, got 0");
	OPTIONS_FAIL("{\"learning_rate\":\"0.1\"}", DL_EINVAL, "got \"0.1\"");
	OPTIONS_FAIL("{\"learning_rate\":1e300}", DL_EINVAL, "got 1e300");
	OPTIONS_FAIL("{\"batch_size\":0}", DL_EINVAL, "option \"batch_size\" must be an integer from 1 to 65536, got 0");
	OPTIONS_FAIL("{\"batch_size\":65537}", DL_EINVAL, "got 65537");
	OPTIONS_FAIL("{\"epochs\":1.5}", DL_EINVAL, "option \"epochs\" must be an integer from 1 to 100000, got 1.5");
	OPTIONS_FAIL("{\"epochs\":true}", DL_EINVAL, "got true");
	OPTIONS_FAIL("{\"weight_decay\":-1}", DL_EINVAL, "option \"weight_decay\" must be a number at least 0");
	OPTIONS_FAIL("{\"l1\":-0.1}", DL_EINVAL, "option \"l1\"");
	OPTIONS_FAIL("{\"clip_norm\":-1}", DL_EINVAL, "option \"clip_norm\"", "0 turns clipping off");
	OPTIONS_FAIL("{\"validation_fraction\":1}", DL_EINVAL, "option \"validation_fraction\" must be a number from 0 to below 1");
	OPTIONS_FAIL("{\"early_stopping_patience\":-1}", DL_EINVAL, "option \"early_stopping_patience\" must be an integer from 0");
	OPTIONS_FAIL("{\"standardize\":\"yes\"}", DL_EINVAL, "option \"standardize\" must be true or false, got \"yes\"");
	OPTIONS_FAIL("{\"categorical\":[\"a\",1]}", DL_EINVAL, "option \"categorical\" must be a column name", "got 1");
	OPTIONS_FAIL("{\"categorical\":[\"a\",\"\"]}", DL_EINVAL, "got \"\"");
	OPTIONS_FAIL("{\"categorical\":[\"a\",\"b\",\"a\"]}", DL_EINVAL, "option \"categorical\" names column \"a\" twice");
	OPTIONS_FAIL("{\"categorical\":\"a\\u0000b\"}", DL_EINVAL, "option \"categorical\"");
	OPTIONS_FAIL("{\"categorical\":\"0123456789012345678901234567890123456789012345678901234567890123\"}", DL_EINVAL,
				 "1 to 63 bytes");
	OPTIONS_FAIL("{\"categorical\":{}}", DL_EINVAL, "got an object");
	OPTIONS_FAIL("{\"impute\":\"zero\"}", DL_EINVAL, "option \"impute\" must be one of mean, median, drop_row");
	OPTIONS_FAIL("{\"seed\":-1}", DL_EINVAL, "option \"seed\" must be an integer from 0 to 9007199254740992");
	OPTIONS_FAIL("{\"seed\":9007199254740993}", DL_EINVAL, "got 9007199254740993");
	OPTIONS_FAIL("{\"seed\":0.5}", DL_EINVAL, "option \"seed\"");
	OPTIONS_FAIL("{\"warm_start\":3}", DL_EINVAL, "option \"warm_start\" must be a model name with a version");
	OPTIONS_FAIL("{\"warm_start\":\"\"}", DL_EINVAL, "option \"warm_start\"");
	OPTIONS_FAIL("{\"description\":5}", DL_EINVAL, "option \"description\" must be a string");
	OPTIONS_FAIL("{\"max_memory\":0}", DL_EINVAL, "option \"max_memory\" must be a positive amount of memory", "got 0");
	OPTIONS_FAIL("{\"max_memory\":\"512mb\"}", DL_EINVAL, "units B, kB, MB, GB, TB", "got \"512mb\"");
	OPTIONS_FAIL("{\"max_memory\":\"MB\"}", DL_EINVAL, "got \"MB\"");
	OPTIONS_FAIL("{\"max_memory\":\"1.2.3MB\"}", DL_EINVAL, "option \"max_memory\"");
	OPTIONS_FAIL("{\"max_memory\":\"100B\"}", DL_EINVAL, "option \"max_memory\"");
	OPTIONS_FAIL("{\"max_memory\":\"3TB\"}", DL_EINVAL, "up to 2147483647kB");
	OPTIONS_FAIL("{\"max_memory\":\"5 MB x\"}", DL_EINVAL, "option \"max_memory\"");
	OPTIONS_FAIL("{\"max_memory\":1.5}", DL_EINVAL, "option \"max_memory\"");
	OPTIONS_FAIL("{\"momentum\":1}", DL_EINVAL, "option \"momentum\" must be a number from 0 to below 1");
	OPTIONS_FAIL("{\"nesterov\":0}", DL_EINVAL, "option \"nesterov\" must be true or false");
	OPTIONS_FAIL("{\"beta1\":0}", DL_EINVAL, "option \"beta1\" must be a number between 0 and 1");
	OPTIONS_FAIL("{\"beta2\":1}", DL_EINVAL, "option \"beta2\"");
	OPTIONS_FAIL("{\"huber_delta\":0}", DL_EINVAL, "option \"huber_delta\" must be a positive number");
	/* an error after an allocating option frees it (ASan would see a leak) */
	OPTIONS_FAIL("{\"categorical\":[\"a\",\"b\"],\"description\":\"d\",\"warm_start\":\"m@1\",\"epochs\":0}",
				 DL_EINVAL, "option \"epochs\"");
	th_end();
}

/*
 * The layer table: a record for every type, named as the type, with what
 * every type needs (a plan; a reader for each key it accepts, at most
 * DL_LAYER_MAX_KEYS of them, no two alike), and a spec of each type's
 * defaults that plans on some input and writes back as JSON that reads
 * back to the same spec.
 */
static void
test_layer_table(void)
{
	static const dl_shape inputs[] = {{1, {6}}, {2, {4, 6}}, {3, {2, 6, 6}}};

	th_begin("layers: one record per type in the table, each complete and consistent");
	CHECK(dl_layer_ops_of(0) == NULL && dl_layer_ops_of(DL_LAYER_LAST + 1) == NULL);
	for (int t = 1; t <= DL_LAYER_LAST; t++)
	{
		const dl_layer_ops *ops = dl_layer_ops_of(t);
		dl_layer_spec d;
		bool		planned = false;

		if (ops == NULL)
		{
			th_fail(__FILE__, __LINE__, "type %d has no record", t);
			continue;
		}
		CHECK(strcmp(ops->name, dl_layer_type_name((dl_layer_type) t)) == 0);
		CHECK(ops->plan != NULL && ops->n_keys >= 0 && ops->n_keys <= DL_LAYER_MAX_KEYS);
		CHECK(ops->n_keys == 0 || (ops->keys != NULL && ops->parse_key != NULL));
		CHECK(ops->loss_fuses ? ops->activation != NULL : true);
		for (int a = 0; a < ops->n_keys; a++)
			for (int b = 0; b < a; b++)
				CHECK(strcmp(ops->keys[a], ops->keys[b]) != 0);
		/* the types whose keys are all optional: their defaults plan and round-trip */
		dl_layer_spec_defaults(&d, (dl_layer_type) t);
		CHECK(d.type == (dl_layer_type) t);
		for (int i = 0; i < (int) (sizeof(inputs) / sizeof(inputs[0])) && !planned; i++)
		{
			dl_network	net;

			th_clear_error();
			if (dl_network_plan(&net, &d, 1, &inputs[i], DL_EINVAL) == DL_OK)
			{
				char	   *json = dl_layers_to_json(&net.layers[0].spec, 1);
				dl_layer_spec *back;
				int			n;

				planned = true;
				CHECK(net.layers[0].ops == ops);
				CHECK_STATUS(dl_parse_layers(json, &back, &n), DL_OK);
				CHECK(n == 1 && th_same_spec(&back[0], &net.layers[0].spec));
				dl_free(back);
				dl_free(json);
				dl_network_free(&net);
			}
		}
		/* the others need a key (units, filters, ...): their plan refuses the defaults */
		if (!planned)
			CHECK(th_last_error == DL_EINVAL);
	}
	th_end();
}

void
suite_spec(void)
{
	test_layer_table();
	test_layers_each_key();
	test_layers_errors();
	test_layers_conv();
	test_layers_round_trip();
	test_complete_output();
	test_options_defaults();
	test_options_each_key();
	test_options_errors();
}
