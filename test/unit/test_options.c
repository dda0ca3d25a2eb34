/*-------------------------------------------------------------------------
 *
 * test_options.c
 *	  The option schemas and their one validator (src/core/options.c), and
 *	  the writer that prints a tree as jsonb does (dl_json_write).
 *
 * The training options keep their own tests in test_spec.c (through
 * dl_parse_options); here: every schema's table and defaults, the two
 * layouts of the one error style, null as the default, the text of a label,
 * and that a failed read frees what it allocated (ASan's leak check).
 *
 * test/unit/test_options.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "options.h"

typedef union any_options
{
	dl_options	train;
	dl_kmeans_sql_options kmeans;
	dl_pca_sql_options pca;
	dl_evaluate_sql_options evaluate;
	dl_import_sql_options import;
} any_options;

/* reads text against schema, with the error handed back (nothing reported) */
static dl_status
read_text(const dl_option_schema *s, const char *text, void *out, dl_option_error *err)
{
	dl_json_doc *doc;
	dl_status	st;

	th_clear_error();
	if (dl_json_parse(text, 1 << 20, "test", &doc) != DL_OK)
		return DL_ETEXT;
	st = dl_schema_read(s, dl_json_root(doc), out, err);
	dl_json_free(doc);
	return st;
}

static void
test_tables(void)
{
	th_begin("options: every schema's table is well formed and its defaults pass its own checks");
	for (int i = 0; i < dl_n_option_schemas; i++)
	{
		const dl_option_schema *s = dl_option_schemas[i];
		any_options o;

		CHECK(s->n_options > 0 && s->size <= sizeof(o) && s->functions != NULL);
		for (int k = 0; k < s->n_options; k++)
		{
			const dl_option *a = &s->options[k];

			CHECK(a->key != NULL && a->offset < s->size && (a->given == 0 || a->given <= s->size));
			CHECK(a->type != DL_OPT_ENUM || (a->names != NULL && a->n_names > 0));
			CHECK(a->type != DL_OPT_NAMES || (a->count > 0 && a->count < s->size));
			CHECK(a->type != DL_OPT_OBJECTS || (a->count > 0 && a->count < s->size && a->sub != NULL));
			for (int j = 0; j < k; j++)
				CHECK(strcmp(a->key, s->options[j].key) != 0);
		}
		th_clear_error();
		CHECK_STATUS(dl_schema_defaults(s, &o), DL_OK);
		CHECK(th_last_error == DL_OK);
		dl_schema_free(s, &o);
	}
	th_end();
}

static void
test_defaults(void)
{
	any_options o;
	dl_kmeans_options km;
	dl_option_error err;

	th_begin("options: the defaults of kmeans, pca and evaluate are the README's");
	dl_kmeans_options_defaults(&km);
	CHECK_STATUS(read_text(&dl_kmeans_schema, "{}", &o, &err), DL_OK);
	CHECK(o.kmeans.km.init == DL_KMEANS_PLUSPLUS && o.kmeans.km.max_iter == 300 && o.kmeans.km.tol == 1e-4 &&
		  o.kmeans.km.n_init == 1 && o.kmeans.km.seed == 0);
	CHECK(memcmp(&o.kmeans.km, &km, sizeof(km)) == 0);
	CHECK(!o.kmeans.standardize && o.kmeans.impute == DL_MISSING_ERROR && o.kmeans.description == NULL);
	CHECK_STATUS(read_text(&dl_pca_schema, "{}", &o, &err), DL_OK);
	CHECK(o.pca.matrix == DL_PCA_COVARIANCE);
	CHECK_STATUS(read_text(&dl_evaluate_schema, "{}", &o, &err), DL_OK);
	CHECK(o.evaluate.threshold == 0.5 && o.evaluate.positive_label == NULL);

	/* null is the default, everywhere */
	CHECK_STATUS(read_text(&dl_train_kmeans_schema,
						   "{\"init\": null, \"seed\": null, \"description\": null}", &o, &err), DL_OK);
	CHECK(o.kmeans.km.init == DL_KMEANS_PLUSPLUS && o.kmeans.km.seed == 0 && o.kmeans.description == NULL);
	CHECK_STATUS(read_text(&dl_evaluate_schema, "{\"threshold\": null, \"positive_label\": null}", &o, &err), DL_OK);
	CHECK(o.evaluate.threshold == 0.5 && o.evaluate.positive_label == NULL);

	/* every key read */
	CHECK_STATUS(read_text(&dl_train_kmeans_schema,
						   "{\"init\": \"random\", \"max_iter\": 7, \"tol\": 0, \"n_init\": 3, \"seed\": 9007199254740992, "
						   "\"standardize\": true, \"impute\": \"drop_row\", \"description\": \"d\"}", &o, &err), DL_OK);
	CHECK(o.kmeans.km.init == DL_KMEANS_RANDOM && o.kmeans.km.max_iter == 7 && o.kmeans.km.tol == 0 &&
		  o.kmeans.km.n_init == 3 && o.kmeans.km.seed == UINT64_C(9007199254740992));
	CHECK(o.kmeans.standardize && o.kmeans.impute == DL_MISSING_DROP_ROW && strcmp(o.kmeans.description, "d") == 0);
	dl_schema_free(&dl_train_kmeans_schema, &o);
	CHECK(o.kmeans.description == NULL && o.kmeans.km.max_iter == 300);
	CHECK_STATUS(read_text(&dl_pca_schema, "{\"matrix\": \"correlation\"}", &o, &err), DL_OK);
	CHECK(o.pca.matrix == DL_PCA_CORRELATION && !o.pca.replace);
	/* replace: only the functions that save a version take it */
	CHECK_STATUS(read_text(&dl_train_pca_schema, "{\"replace\": true}", &o, &err), DL_OK);
	CHECK(o.pca.replace && o.pca.matrix == DL_PCA_COVARIANCE);
	CHECK_STATUS(read_text(&dl_train_kmeans_schema, "{\"replace\": true}", &o, &err), DL_OK);
	CHECK(o.kmeans.replace);
	CHECK_STATUS(read_text(&dl_pca_schema, "{\"replace\": true}", &o, &err), DL_EINVAL);
	th_clear_error();
	CHECK_STATUS(read_text(&dl_kmeans_schema, "{\"replace\": true}", &o, &err), DL_EINVAL);
	th_clear_error();
	th_end();
}

static void
check_refused(const dl_option_schema *s, const char *text, const char *message, const char *detail)
{
	any_options o;
	dl_option_error err;

	if (read_text(s, text, &o, &err) != DL_EINVAL || th_last_error != DL_OK ||
		strcmp(err.message, message) != 0 || strcmp(err.detail, detail) != 0)
		th_fail(__FILE__, __LINE__, "%s %s: got \"%s\" | \"%s\", expected \"%s\" | \"%s\"",
				s->functions, text, err.message, err.detail, message, detail);
}

static void
test_error_style(void)
{
	any_options o;

	th_begin("options: one error style, in the two layouts (accepted values in the message or the detail)");
	check_refused(&dl_pca_schema, "{\"whiten\": true}", "unknown option \"whiten\"; accepted options: matrix", "");
	check_refused(&dl_pca_schema, "{\"matrix\": \"pearson\"}",
				  "option \"matrix\" must be one of covariance, correlation, got \"pearson\"", "");
	check_refused(&dl_pca_schema, "[]", "options must be a JSON object, got an array", "");
	check_refused(&dl_evaluate_schema, "{\"threshold\": 1.01}",
				  "option \"threshold\" must be a number from 0 to 1, got 1.01", "");
	check_refused(&dl_evaluate_schema, "{\"positive_label\": {}}",
				  "option \"positive_label\" must be one of the model's labels: a string, a number or a boolean, got an object", "");
	check_refused(&dl_kmeans_schema, "{\"colour\": 1}", "unknown option \"colour\"",
				  "Accepted options: init, max_iter, tol, n_init, seed, standardize, impute.");
	check_refused(&dl_kmeans_schema, "{\"description\": \"x\"}", "unknown option \"description\"",
				  "Accepted options: init, max_iter, tol, n_init, seed, standardize, impute.");
	check_refused(&dl_train_kmeans_schema, "{\"colour\": 1}", "unknown option \"colour\"",
				  "Accepted options: init, max_iter, tol, n_init, seed, standardize, impute, description, replace.");
	check_refused(&dl_kmeans_schema, "{\"init\": \"kmeans\"}", "option \"init\" has an invalid value",
				  "init is 'k-means++' or 'random'.");
	check_refused(&dl_kmeans_schema, "{\"impute\": \"mean\"}", "option \"impute\" has an invalid value",
				  "impute is 'error' or 'drop_row'.");
	check_refused(&dl_kmeans_schema, "{\"n_init\": 1.5}", "option \"n_init\" has an invalid value",
				  "n_init is an integer from 1 to 1000.");
	check_refused(&dl_kmeans_schema, "{\"seed\": 9007199254740993}", "option \"seed\" has an invalid value",
				  "seed is an integer from 0 to 9007199254740992.");
	check_refused(&dl_kmeans_schema, "{\"max_iter\": 1.0000000000000001}", "option \"max_iter\" has an invalid value",
				  "max_iter is an integer from 1 to 100000.");

	/* without an error record the message is reported, the detail after it */
	th_clear_error();
	CHECK_STATUS(dl_schema_parse(&dl_kmeans_schema, "{\"tol\": -1}", &o), DL_EINVAL);
	CHECK(th_last_error == DL_EINVAL &&
		  strcmp(th_last_message, "option \"tol\" has an invalid value: tol is a number at least 0 (relative to the mean feature variance).") == 0);
	th_clear_error();
	CHECK_STATUS(dl_schema_parse(&dl_kmeans_schema, "{\"tol\": ", &o), DL_ETEXT);

	/* every key of every schema refuses an object, naming the key */
	for (int i = 0; i < dl_n_option_schemas; i++)
	{
		const dl_option_schema *s = dl_option_schemas[i];

		for (int k = 0; k < s->n_options; k++)
		{
			char		text[96];
			char		named[96];
			dl_option_error err;

			snprintf(text, sizeof(text), "{\"%s\": {}}", s->options[k].key);
			snprintf(named, sizeof(named), "option \"%s\" ", s->options[k].key);
			if (read_text(s, text, &o, &err) != DL_EINVAL || strncmp(err.message, named, strlen(named)) != 0 ||
				(s->detail ? strncmp(err.detail, named + 8, strlen(s->options[k].key)) != 0
				 : strstr(err.message, " must be ") == NULL))
				th_fail(__FILE__, __LINE__, "%s %s: \"%s\" | \"%s\"", s->functions, text, err.message, err.detail);
		}
	}
	th_end();
}

static void
test_labels(void)
{
	const struct
	{
		const char *json;
		const char *label;
	}			cases[] = {
		{"\"yes\"", "yes"}, {"\"\"", ""}, {"true", "true"}, {"false", "false"}, {"1", "1"},
		{"1.50", "1.5"}, {"2.0", "2"}, {"-0.250", "-0.25"}, {"10", "10"}, {"100.000", "100"}, {"1e2", "1e2"}
	};

	th_begin("options: positive_label: a string, a boolean or a number as a label's text");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		char		text[64];
		any_options o;
		dl_option_error err;

		snprintf(text, sizeof(text), "{\"positive_label\": %s}", cases[i].json);
		CHECK_STATUS(read_text(&dl_evaluate_schema, text, &o, &err), DL_OK);
		if (o.evaluate.positive_label == NULL || strcmp(o.evaluate.positive_label, cases[i].label) != 0)
			th_fail(__FILE__, __LINE__, "%s gave \"%s\", expected \"%s\"", cases[i].json,
					o.evaluate.positive_label ? o.evaluate.positive_label : "(null)", cases[i].label);
		dl_schema_free(&dl_evaluate_schema, &o);
	}
	th_end();
}

static void
test_failure_frees(void)
{
	any_options o;
	dl_option_error err;

	th_begin("options: a refused read frees what it read before and leaves the defaults");
	CHECK_STATUS(read_text(&dl_train_schema, "{\"description\": \"kept?\", \"categorical\": [\"a\", \"b\"], "
						   "\"warm_start\": \"m@1\", \"epochs\": 0}", &o, &err), DL_EINVAL);
	CHECK(o.train.description == NULL && o.train.categorical == NULL && o.train.n_categorical == 0 &&
		  o.train.warm_start == NULL && o.train.train.epochs == 10);
	CHECK(strcmp(err.message, "option \"epochs\" must be an integer from 1 to 100000, got 0") == 0);
	CHECK_STATUS(read_text(&dl_evaluate_schema, "{\"positive_label\": \"p\", \"threshold\": 2}", &o, &err),
				 DL_EINVAL);
	CHECK(o.evaluate.positive_label == NULL && o.evaluate.threshold == 0.5);
	th_end();
}

/* a tree prints as PostgreSQL prints the jsonb value */
static void
test_writer(void)
{
	const struct
	{
		const char *in;
		const char *out;
	}			cases[] = {
		{"{}", "{}"},
		{"[]", "[]"},
		{" {\"a\":[1,2.50,{},[]],\"b\":null,\"c\":true,\"d\":false} ",
		"{\"a\": [1, 2.50, {}, []], \"b\": null, \"c\": true, \"d\": false}"},
		/* escapes: \b \f \n \r \t by name, other controls as \u00xx (lower case), / and UTF-8 as they are */
		{"\"q\\\"b\\\\\\/\\b\\f\\n\\r\\t\\u0001\\u001F\\u00e9\\u007f\"",
		"\"q\\\"b\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f\xC3\xA9\x7f\""},
		{"{\"k\\ney\": -1.5e-3}", "{\"k\\ney\": -1.5e-3}"}
	};

	th_begin("json: dl_json_write prints a tree in jsonb's layout and escapes");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		dl_json_doc *doc;
		char	   *text;

		CHECK_STATUS(dl_json_parse(cases[i].in, 4096, "test", &doc), DL_OK);
		text = dl_json_write(dl_json_root(doc));
		if (strcmp(text, cases[i].out) != 0)
			th_fail(__FILE__, __LINE__, "%s printed as %s, expected %s", cases[i].in, text, cases[i].out);
		dl_free(text);
		dl_json_free(doc);
	}
	th_end();
}

void
suite_options(void)
{
	test_tables();
	test_defaults();
	test_error_style();
	test_labels();
	test_failure_frees();
	test_writer();
}
