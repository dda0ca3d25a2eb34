/*
 * test/unit/test_text_feature.c: text columns as features
 * (src/core/text_feature.c): train_model's option "text", read by an
 * object option of the schema validator, and documents as token ids.
 * The weights format's text record is tested in test_model_io.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "options.h"
#include "text_feature.h"

static void
test_text_option(void)
{
	dl_options	o;
	dl_option_error err;
	const dl_text_column *c;
	dl_json_doc *doc;

	th_begin("text features: the option \"text\" reads each column with its own schema");
	CHECK_STATUS(dl_parse_options("{\"text\": {\"review\": {\"max_length\": 50, \"tokenizer\": \"char\"}, \"title\": {}}}", &o),
				 DL_OK);
	CHECK(o.n_text == 2);
	CHECK(strcmp(o.text[0].name, "review") == 0 && strcmp(o.text[1].name, "title") == 0);
	c = o.text[0].value;
	CHECK(c->encoding == DL_TEXT_SEQUENCE && c->max_length == 50 && c->vocabulary_size == 20000);
	CHECK(c->tok.tokenizer == DL_TOKENIZER_CHAR && c->tok.lowercase && c->tok.min_count == 1);
	c = o.text[1].value;
	CHECK(c->max_length == 200 && c->tok.tokenizer == DL_TOKENIZER_WORD && c->tok.oov_buckets == 0);
	{
		dl_text_options v;

		dl_text_column_vocab_options(o.text[0].value, &v);
		CHECK(v.max_size == 20000 && v.ngrams == 3 && v.tokenizer == DL_TOKENIZER_CHAR);
	}
	CHECK(dl_text_column_max_ids(o.text[1].value) == 20002);
	dl_options_free(&o);
	CHECK(o.n_text == 0 && o.text == NULL);

	/* errors name the option, the column and the key */
	{
		static const struct
		{
			const char *json;
			const char *message;
		}			cases[] = {
			{"{\"text\": {\"review\": {\"encoding\": \"bag\"}}}",
			"option \"text\" column \"review\": option \"encoding\" must be one of sequence, tfidf, counts, binary, got \"bag\""},
			{"{\"text\": {\"review\": {\"max_length\": 0}}}",
			"option \"text\" column \"review\": option \"max_length\" must be an integer from 1 to 100000, got 0"},
			{"{\"text\": {\"a\": {}, \"review\": {\"vocabulary_size\": 1000001}}}",
			"option \"text\" column \"review\": option \"vocabulary_size\" must be an integer from 1 to 1000000, got 1000001"},
			{"{\"text\": {\"review\": {\"max_len\": 3}}}",
			"option \"text\" column \"review\": unknown option \"max_len\"; accepted options: encoding, max_length, vocabulary_size, tokenizer, lowercase, ngrams, min_count, oov_buckets"},
			{"{\"text\": {\"review\": 5}}", "option \"text\" column \"review\": options must be a JSON object, got 5"},
			{"{\"text\": {}}", "option \"text\" must be an object keyed by column name"},
			{"{\"text\": [\"review\"]}", "option \"text\" must be an object keyed by column name"},
			{"{\"text\": {\"\": {}}}", "option \"text\" must be an object keyed by column name"},
		};

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		{
			dl_options	r;

			CHECK_STATUS(dl_json_parse(cases[i].json, 4096, "test", &doc), DL_OK);
			memset(&err, 0, sizeof(err));
			th_clear_error();
			CHECK_STATUS(dl_schema_read(&dl_train_schema, dl_json_root(doc), &r, &err), DL_EINVAL);
			CHECK(th_last_error == DL_OK);	/* with err, nothing is reported */
			if (strncmp(err.message, cases[i].message, strlen(cases[i].message)) != 0)
				th_fail(__FILE__, __LINE__, "%s: \"%s\"", cases[i].json, err.message);
			/* a failure leaves the defaults, nothing allocated */
			CHECK(r.n_text == 0 && r.text == NULL);
			dl_json_free(doc);
		}
	}
	th_end();
}

static dl_vocab *
small_vocab(const char *const *docs, int n, int max_size)
{
	dl_text_column c;
	dl_text_options o;
	dl_vocab   *state,
			   *v;

	CHECK_STATUS(dl_schema_parse(&dl_text_column_schema, "{}", &c), DL_OK);
	c.vocabulary_size = max_size;
	dl_text_column_vocab_options(&c, &o);
	CHECK_STATUS(dl_vocab_create(&o, &state), DL_OK);
	for (int i = 0; i < n; i++)
		CHECK_STATUS(dl_vocab_add_document(state, docs[i], strlen(docs[i])), DL_OK);
	CHECK_STATUS(dl_vocab_finalize(state, &v), DL_OK);
	dl_vocab_free(state);
	return v;
}

static void
test_sequence(void)
{
	static const char *const docs[] = {"good good good movie", "bad movie", "good day"};
	dl_vocab   *v;
	double		ids[6];
	int32_t		good,
				movie;

	th_begin("text features: a document is its first max_length ids, 1 unknown, 0 padding at the end");
	v = small_vocab(docs, 3, 100);
	good = dl_vocab_id(v, "good", 4);
	movie = dl_vocab_id(v, "movie", 5);
	CHECK(good == 2 && movie == 3);	/* by count */
	CHECK_STATUS(dl_text_sequence(v, "Good MOVIE zzz", 14, 6, ids), DL_OK);
	CHECK(ids[0] == good && ids[1] == movie && ids[2] == 1 && ids[3] == 0 && ids[4] == 0 && ids[5] == 0);
	/* truncation keeps the start */
	CHECK_STATUS(dl_text_sequence(v, "movie good good movie good", 26, 2, ids), DL_OK);
	CHECK(ids[0] == movie && ids[1] == good);
	/* an empty document is padding */
	for (int i = 0; i < 6; i++)
		ids[i] = 9;
	CHECK_STATUS(dl_text_sequence(v, "", 0, 6, ids), DL_OK);
	for (int i = 0; i < 6; i++)
		CHECK(ids[i] == 0);
	/* bytes that are not UTF-8 are DL_ETEXT */
	th_clear_error();
	CHECK_STATUS(dl_text_sequence(v, "good \xff", 6, 6, ids), DL_ETEXT);
	dl_vocab_free(v);

	/* the cap keeps the most frequent tokens */
	v = small_vocab(docs, 3, 1);
	CHECK(dl_vocab_id_count(v) == 3);
	CHECK(dl_vocab_id(v, "good", 4) == 2 && dl_vocab_id(v, "movie", 5) == 1);
	dl_vocab_free(v);
	th_end();
}

static void
test_bag(void)
{
	static const char *const docs[] = {"the cat sat", "the dog sat", "the cat ran"};
	dl_vocab   *v;
	dl_text_bag b;
	dl_options	o;

	th_begin("text features: bags of words - counts, binary, and tfidf as scikit-learn's TfidfVectorizer gives it");
	CHECK_STATUS(dl_parse_options("{\"text\": {\"a\": {\"encoding\": \"tfidf\"}, \"b\": {\"encoding\": \"counts\"}, \"c\": {\"encoding\": \"binary\"}}}",
								  &o), DL_OK);
	CHECK(((dl_text_column *) o.text[0].value)->encoding == DL_TEXT_TFIDF);
	CHECK(((dl_text_column *) o.text[1].value)->encoding == DL_TEXT_COUNTS);
	CHECK(((dl_text_column *) o.text[2].value)->encoding == DL_TEXT_BINARY);
	CHECK(dl_text_bag_encoding(DL_TEXT_TFIDF) && !dl_text_bag_encoding(DL_TEXT_SEQUENCE));
	dl_options_free(&o);

	/* ids by count, then bytes: the 2, cat 3, sat 4, dog 5, ran 6; columns from 0 */
	v = small_vocab(docs, 3, 100);
	CHECK(dl_text_bag_width(v) == 5);
	memset(&b, 0, sizeof(b));
	CHECK_STATUS(dl_text_bag_encode(v, DL_TEXT_COUNTS, "cat the cat bird", 16, &b), DL_OK);
	/* the unknown word is dropped; columns ascending */
	CHECK(b.n == 2 && b.col[0] == 0 && b.col[1] == 1 && b.val[0] == 1.0 && b.val[1] == 2.0);
	CHECK_STATUS(dl_text_bag_encode(v, DL_TEXT_BINARY, "cat the cat bird", 16, &b), DL_OK);
	CHECK(b.n == 2 && b.val[0] == 1.0 && b.val[1] == 1.0);
	/*
	 * scikit-learn 1.2.1's TfidfVectorizer().fit(docs).transform(["the cat
	 * cat bird"]) gives exactly these (idf = ln(4 / (1 + df)) + 1 over 3
	 * documents, the row L2-normalised)
	 */
	CHECK_STATUS(dl_text_bag_encode(v, DL_TEXT_TFIDF, "the cat cat bird", 16, &b), DL_OK);
	CHECK(b.n == 2);
	CHECK_NEAR(b.val[0], 0.3619650009883935, 1e-15);
	CHECK_NEAR(b.val[1], 0.9321916852554909, 1e-15);
	CHECK_NEAR(dl_text_idf(v, 5), log(4.0 / 2.0) + 1.0, 1e-15);
	/* no known word: no input */
	CHECK_STATUS(dl_text_bag_encode(v, DL_TEXT_TFIDF, "bird", 4, &b), DL_OK);
	CHECK(b.n == 0);
	CHECK_STATUS(dl_text_bag_encode(v, DL_TEXT_COUNTS, "", 0, &b), DL_OK);
	CHECK(b.n == 0);
	th_clear_error();
	CHECK_STATUS(dl_text_bag_encode(v, DL_TEXT_COUNTS, "cat \xff", 5, &b), DL_ETEXT);
	dl_vocab_free(v);

	/* oov buckets are columns after the tokens, with the idf of a word no document held */
	{
		dl_text_column c;
		dl_text_options to;
		dl_vocab   *state;

		CHECK_STATUS(dl_schema_parse(&dl_text_column_schema, "{\"oov_buckets\": 3, \"encoding\": \"counts\"}", &c), DL_OK);
		dl_text_column_vocab_options(&c, &to);
		CHECK_STATUS(dl_vocab_create(&to, &state), DL_OK);
		for (int i = 0; i < 3; i++)
			CHECK_STATUS(dl_vocab_add_document(state, docs[i], strlen(docs[i])), DL_OK);
		CHECK_STATUS(dl_vocab_finalize(state, &v), DL_OK);
		dl_vocab_free(state);
		CHECK(dl_text_bag_width(v) == 8);
		CHECK_STATUS(dl_text_bag_encode(v, DL_TEXT_COUNTS, "bird bird", 9, &b), DL_OK);
		CHECK(b.n == 1 && b.col[0] >= 5 && b.col[0] < 8 && b.val[0] == 2.0);
		CHECK_NEAR(dl_text_idf(v, b.col[0] + 2), log(4.0) + 1.0, 1e-15);
		dl_vocab_free(v);
	}
	/* a long document: the buffers grow */
	{
		char	   *doc = malloc(6 * 5000 + 1);

		v = small_vocab(docs, 3, 100);
		for (int i = 0; i < 5000; i++)
			memcpy(doc + 6 * i, i % 2 ? "cat   " : "the   ", 6);
		doc[6 * 5000] = '\0';
		CHECK_STATUS(dl_text_bag_encode(v, DL_TEXT_COUNTS, doc, strlen(doc), &b), DL_OK);
		CHECK(b.n == 2 && b.val[0] == 2500.0 && b.val[1] == 2500.0);
		/* counted per column past the bag's width: memory bounded by it, not by the document */
		CHECK(b.ids_cap <= 16 && b.counts == NULL);
		CHECK_STATUS(dl_text_bag_encode(v, DL_TEXT_TFIDF, doc, strlen(doc), &b), DL_OK);
		CHECK(b.n == 2 && b.col[0] == 0 && b.col[1] == 1);
		CHECK_NEAR(b.val[0] * b.val[0] + b.val[1] * b.val[1], 1.0, 1e-12);
		/* the same values as a short document with the same proportions */
		{
			double		long_val[2] = {b.val[0], b.val[1]};

			CHECK_STATUS(dl_text_bag_encode(v, DL_TEXT_TFIDF, "the cat", 7, &b), DL_OK);
			CHECK(b.n == 2 && b.val[0] == long_val[0] && b.val[1] == long_val[1]);
		}
		free(doc);
		dl_vocab_free(v);
	}
	dl_text_bag_free(&b);
	th_end();
}

void
suite_text_feature(void)
{
	test_text_option();
	test_sequence();
	test_bag();
}
