/*-------------------------------------------------------------------------
 *
 * test_text.c
 *	  Unit tests of the tokenizer and the vocabulary (src/core/tokenize.c,
 *	  src/core/vocab.c).
 *
 * test/unit/test_text.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "text.h"

typedef struct joined
{
	char	   *buf;
	size_t		len;
	size_t		cap;
	size_t		ntokens;
	size_t		maxlen;
} joined;

static bool
join_token(void *arg, const char *tok, size_t len)
{
	joined	   *j = arg;

	if (j->len + len + 2 > j->cap)
	{
		j->cap = (j->len + len + 2) * 2;
		j->buf = realloc(j->buf, j->cap);
	}
	if (j->ntokens > 0)
		j->buf[j->len++] = '|';
	memcpy(j->buf + j->len, tok, len);
	j->len += len;
	j->buf[j->len] = '\0';
	j->ntokens++;
	if (len > j->maxlen)
		j->maxlen = len;
	return true;
}

static dl_text_options
options(const char *json)
{
	dl_text_options o;

	if (dl_schema_parse(&dl_text_schema, json, &o) != DL_OK)
		th_fail(__FILE__, __LINE__, "options %s refused: %s", json, th_last_message);
	dl_text_options_resolve(&o);
	return o;
}

/* the tokens of text joined by '|' (caller frees), or NULL when refused */
static char *
tokens_of(const char *json, const char *text, size_t len, size_t *ntokens)
{
	dl_text_options o = options(json);
	joined		j = {malloc(1), 0, 1, 0, 0};

	j.buf[0] = '\0';
	if (dl_tokenize(&o, text, len, join_token, &j) != DL_OK)
	{
		free(j.buf);
		return NULL;
	}
	if (ntokens)
		*ntokens = j.ntokens;
	return j.buf;
}

#define CHECK_TOKENS(json, text, expected) \
	do { char *got_ = tokens_of(json, text, strlen(text), NULL); \
		if (!got_ || strcmp(got_, expected) != 0) \
			th_fail(__FILE__, __LINE__, "tokens of \"%s\": got \"%s\", expected \"%s\"", \
					text, got_ ? got_ : "(error)", expected); \
		free(got_); } while (0)

static void
test_words(void)
{
	th_begin("text: English words, punctuation, apostrophes and numbers");
	CHECK_TOKENS("{}", "The quick brown Fox, isn't it? 3.14 rocks! 1,000 x86_64",
				 "the|quick|brown|fox|isn't|it|3.14|rocks|1,000|x86|64");
	CHECK_TOKENS("{}", "end. 'quoted' don’t", "end|quoted|don't");
	CHECK_TOKENS("{\"lowercase\": false}", "The Fox", "The|Fox");
	th_end();

	th_begin("text: empty and whitespace-only documents have no tokens");
	CHECK_TOKENS("{}", "", "");
	CHECK_TOKENS("{}", " \t\r\n\u3000\u00a0 ", "");
	CHECK_TOKENS("{}", "...!?", "");
	th_end();
}

static void
test_cjk(void)
{
	th_begin("text: Chinese runs give character unigrams and bigrams");
	CHECK_TOKENS("{}", "我爱机器学习", "我|爱|我爱|机|爱机|器|机器|学|器学|习|学习");
	CHECK_TOKENS("{}", "好。人", "好|人");
	CHECK_TOKENS("{}", "カタカナとひらがな", "カ|タ|カタ|カ|タカ|ナ|カナ|と|ナと|ひ|とひ|ら|ひら|が|らが|な|がな");
	th_end();

	th_begin("text: mixed scripts split where the script changes");
	CHECK_TOKENS("{}", "iPhone手机 Ελλάδα Москва 2023年",
				 "iphone|手|机|手机|ελλάδα|москва|2023|年");
	CHECK_TOKENS("{}", "한국어 텍스트", "한국어|텍스트");
	th_end();

	th_begin("text: word n-grams skip windows made only of CJK characters");
	CHECK_TOKENS("{\"ngrams\": 2}", "a b c", "a|b|a b|c|b c");
	CHECK_TOKENS("{\"ngrams\": 3}", "a b c", "a|b|a b|c|b c|a b c");
	CHECK_TOKENS("{\"ngrams\": 2}", "我爱 go", "我|爱|我爱|go|爱 go");
	th_end();
}

static void
test_symbols_marks(void)
{
	th_begin("text: emoji are tokens of their own, with their variation selectors");
	CHECK_TOKENS("{}", "I \u2764\ufe0f pgdl\U0001F600\U0001F600!", "i|\u2764\ufe0f|pgdl|\U0001F600|\U0001F600");
	th_end();

	th_begin("text: combining marks stay with their character");
	CHECK_TOKENS("{}", "Cafe\u0301 ok", "cafe\u0301|ok");
	CHECK_TOKENS("{}", "\u0301abc \u0301", "abc");
	CHECK_TOKENS("{}", "か\u3099き", "か\u3099|き|か\u3099き");
	th_end();
}

static void
test_folding(void)
{
	th_begin("text: case folding outside ASCII (Latin-1, Latin Extended-A, Greek, Cyrillic)");
	CHECK(dl_case_fold(0xC4) == 0xE4);	/* Ä */
	CHECK(dl_case_fold(0xDE) == 0xFE);	/* Þ */
	CHECK(dl_case_fold(0x141) == 0x142);	/* Ł */
	CHECK(dl_case_fold(0x178) == 0xFF);	/* Ÿ */
	CHECK(dl_case_fold(0x3A3) == 0x3C3);	/* Σ */
	CHECK(dl_case_fold(0x3C2) == 0x3C3);	/* final ς */
	CHECK(dl_case_fold(0x416) == 0x436);	/* Ж */
	CHECK(dl_case_fold(0x401) == 0x451);	/* Ё */
	CHECK(dl_case_fold(0x212A) == 'k');	/* Kelvin sign */
	CHECK(dl_case_fold(0x10400) == 0x10428);	/* Deseret */
	CHECK(dl_case_fold(0x4E2D) == 0x4E2D);
	CHECK_TOKENS("{}", "ΣΊΣΥΦΟΣ σίσυφος ЖУРНАЛ журнал ŁÓDŹ łódź",
				 "σίσυφοσ|σίσυφοσ|журнал|журнал|łódź|łódź");
	th_end();
}

static void
test_char(void)
{
	th_begin("text: character n-grams of padded words");
	CHECK_TOKENS("{\"tokenizer\": \"char\"}", "Cat a", " ca|cat|at | a ");
	CHECK_TOKENS("{\"tokenizer\": \"char\", \"ngrams\": 2}", "ab 学习", " a|ab|b | 学|学习|习 ");
	th_end();
}

static void
test_invalid(void)
{
	static const char *bad[] = {
		"\xff", "a\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe4\xb8", "ok \x80", "\xf5\x80\x80\x80"
	};

	th_begin("text: malformed UTF-8 is DL_ETEXT, never read past the end");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	{
		size_t		len = strlen(bad[i]);
		char	   *copy = malloc(len);
		size_t		at = 99;

		memcpy(copy, bad[i], len);
		CHECK(!dl_utf8_valid(copy, len, &at));
		CHECK(at < len);
		th_clear_error();
		CHECK(tokens_of("{}", copy, len, NULL) == NULL);
		CHECK(th_last_error == DL_ETEXT);
		free(copy);
	}
	CHECK(dl_utf8_valid("中文 ok \U0001F600", strlen("中文 ok \U0001F600"), NULL));
	th_end();
}

static void
test_options(void)
{
	dl_text_options o;

	th_begin("text: options and their defaults");
	o = options("{}");
	CHECK(o.tokenizer == DL_TOKENIZER_WORD && o.lowercase && o.ngrams == 1 && o.min_count == 1 &&
		  o.max_size == 0 && o.oov_buckets == 0);
	o = options("{\"tokenizer\": \"char\"}");
	CHECK(o.ngrams == 3);
	th_clear_error();
	CHECK(dl_schema_parse(&dl_text_schema, "{\"ngrams\": 9}", &o) == DL_EINVAL);
	CHECK(dl_schema_parse(&dl_text_schema, "{\"tokenizer\": \"bpe\"}", &o) == DL_EINVAL);
	CHECK(dl_schema_parse(&dl_text_schema, "{\"min_count\": 0}", &o) == DL_EINVAL);
	CHECK(dl_schema_parse(&dl_text_schema, "{\"max_size\": 0}", &o) == DL_EINVAL);
	CHECK(dl_schema_parse(&dl_text_schema, "{\"stopwords\": true}", &o) == DL_EINVAL);
	th_end();
}

static void
test_large(void)
{
	size_t		n = 1 << 20,
				ntok = 0;
	char	   *doc = malloc(n);
	char	   *got;

	th_begin("text: 1 MB documents in linear time, tokens bounded, interrupts checked");
	for (size_t i = 0; i < n; i++)
		doc[i] = "word "[i % 5];
	th_interrupt_checks = 0;
	got = tokens_of("{\"ngrams\": 3}", doc, n, &ntok);
	/* 209715 times "word " and a last "w" */
	CHECK(got != NULL && ntok == 3 * (n / 5 + 1) - 3);
	CHECK(th_interrupt_checks >= 8);
	free(got);

	/* one word of a million letters: cut at DL_TOKEN_MAX_BYTES */
	memset(doc, 'a', n);
	got = tokens_of("{}", doc, n, &ntok);
	CHECK(got != NULL && ntok == 1 && strlen(got) == DL_TOKEN_MAX_BYTES);
	free(got);
	got = tokens_of("{\"tokenizer\": \"char\"}", doc, n, &ntok);
	CHECK(got != NULL && ntok == DL_TOKEN_MAX_BYTES);
	free(got);

	/* a million bytes of Chinese without a break: 2k - 1 tokens */
	for (size_t i = 0; i + 3 <= n; i += 3)
		memcpy(doc + i, "中", 3);
	got = tokens_of("{}", doc, n - n % 3, &ntok);
	CHECK(got != NULL && ntok == 2 * (n / 3) - 1);
	free(got);

	/* é repeated: 2-byte characters, cut at a character boundary */
	for (size_t i = 0; i + 2 <= n; i += 2)
		memcpy(doc + i, "\xc3\xa9", 2);
	{
		dl_text_options o = options("{}");
		joined		j = {malloc(1), 0, 1, 0, 0};

		CHECK(dl_tokenize(&o, doc, n, join_token, &j) == DL_OK);
		CHECK(j.ntokens == 1 && j.maxlen == DL_TOKEN_MAX_BYTES && dl_utf8_valid(j.buf, j.len, NULL));
		free(j.buf);
	}
	free(doc);
	th_end();
}

/* ---- vocabulary ---- */

static dl_vocab *
state_of(const char *json, const char *const *docs, int ndocs)
{
	dl_text_options o = options(json);
	dl_vocab   *v;

	CHECK(dl_vocab_create(&o, &v) == DL_OK);
	for (int i = 0; i < ndocs; i++)
		CHECK(dl_vocab_add_document(v, docs[i], strlen(docs[i])) == DL_OK);
	return v;
}

static void *
serialize(const dl_vocab *v, size_t *n)
{
	void	   *b;

	*n = dl_vocab_bytes(v);
	b = malloc(*n);
	dl_vocab_write(v, b);
	return b;
}

static int32_t
id_of(const dl_vocab *v, const char *tok)
{
	return dl_vocab_id(v, tok, strlen(tok));
}

static void
test_vocab_basic(void)
{
	static const char *const docs[] = {"a b a", "b c", "d"};
	dl_vocab   *s = state_of("{}", docs, 3),
			   *v;
	dl_vocab_info info;
	const char *tok;
	size_t		len;
	uint64_t	count,
				ndocs;

	th_begin("vocabulary: counts, document frequencies and ids by count, then bytes");
	CHECK(dl_vocab_finalize(s, &v) == DL_OK);
	dl_vocab_get_info(v, &info);
	CHECK(info.final && info.ntokens == 4 && info.documents == 3 && info.error == 0);
	CHECK(id_of(v, "a") == 2 && id_of(v, "b") == 3 && id_of(v, "c") == 4 && id_of(v, "d") == 5);
	CHECK(id_of(v, "e") == 1 && id_of(v, "") == 1);
	dl_vocab_token(v, 0, &tok, &len, &count, &ndocs);
	CHECK(len == 1 && tok[0] == 'a' && count == 2 && ndocs == 1);
	dl_vocab_token(v, 1, &tok, &len, &count, &ndocs);
	CHECK(len == 1 && tok[0] == 'b' && count == 2 && ndocs == 2);
	CHECK(dl_vocab_id_count(v) == 6);
	dl_vocab_free(v);
	dl_vocab_free(s);

	s = state_of("{\"min_count\": 2}", docs, 3);
	CHECK(dl_vocab_finalize(s, &v) == DL_OK);
	CHECK(id_of(v, "a") == 2 && id_of(v, "b") == 3 && id_of(v, "c") == 1 && dl_vocab_id_count(v) == 4);
	dl_vocab_free(v);
	dl_vocab_free(s);

	s = state_of("{\"max_size\": 1, \"oov_buckets\": 10}", docs, 3);
	CHECK(dl_vocab_finalize(s, &v) == DL_OK);
	CHECK(id_of(v, "a") == 2 && id_of(v, "b") >= 3 && id_of(v, "b") < 13 && dl_vocab_id_count(v) == 13);
	CHECK(id_of(v, "zzz") == id_of(v, "zzz"));
	dl_vocab_free(v);
	dl_vocab_free(s);
	th_end();
}

/* a corpus with repeated and rare words, Chinese and Greek */
static char **
corpus(int n)
{
	static const char *const words[] = {
		"data", "model", "Σοφία", "学习", "机器", "pgdl", "vector", "query", "index", "Москва", "naïve", "😀"
	};
	char	  **docs = malloc(n * sizeof(char *));
	uint64_t	seed = 7;

	for (int i = 0; i < n; i++)
	{
		char		buf[512];
		size_t		len = 0;
		int			k = 1 + (int) (th_rand_u64(&seed) % 12);

		for (int w = 0; w < k; w++)
		{
			uint64_t	r = th_rand_u64(&seed);

			if (r % 5 == 0)
				len += snprintf(buf + len, sizeof(buf) - len, "w%d ", (int) (r % 997));
			else
				len += snprintf(buf + len, sizeof(buf) - len, "%s ", words[(r >> 8) % 12]);
		}
		docs[i] = strdup(buf);
	}
	return docs;
}

static void
test_vocab_merge(void)
{
	int			n = 300;
	char	  **docs = corpus(n);
	const char *json = "{\"ngrams\": 2}";
	dl_vocab   *serial = state_of(json, (const char *const *) docs, n);
	dl_vocab   *parts[3],
			   *fin;
	size_t		nref,
				nb;
	void	   *ref;
	static const int orders[3][3] = {{0, 1, 2}, {2, 0, 1}, {1, 2, 0}};

	th_begin("vocabulary: merge order does not change the final vocabulary (under the exact limit)");
	CHECK(dl_vocab_finalize(serial, &fin) == DL_OK);
	ref = serialize(fin, &nref);
	dl_vocab_free(fin);
	for (int o = 0; o < 3; o++)
	{
		dl_vocab   *into;

		/* parts of different sizes, documents dealt round robin */
		for (int p = 0; p < 3; p++)
			parts[p] = state_of(json, NULL, 0);
		for (int i = 0; i < n; i++)
			CHECK(dl_vocab_add_document(parts[(i * 7 / 3) % 3], docs[i], strlen(docs[i])) == DL_OK);
		into = state_of(json, NULL, 0);
		for (int p = 0; p < 3; p++)
			CHECK(dl_vocab_merge(into, parts[orders[o][p]]) == DL_OK);
		CHECK(dl_vocab_finalize(into, &fin) == DL_OK);
		{
			void	   *b = serialize(fin, &nb);

			CHECK(nb == nref && memcmp(b, ref, nb) == 0);
			free(b);
		}
		dl_vocab_free(fin);
		dl_vocab_free(into);
		for (int p = 0; p < 3; p++)
			dl_vocab_free(parts[p]);
	}
	/* options must agree */
	{
		dl_vocab   *other = state_of("{}", NULL, 0);

		th_clear_error();
		CHECK(dl_vocab_merge(other, serial) == DL_EINVAL && th_last_error == DL_EINVAL);
		dl_vocab_free(other);
	}
	dl_vocab_free(serial);
	free(ref);
	for (int i = 0; i < n; i++)
		free(docs[i]);
	free(docs);
	th_end();
}

static void
test_vocab_round_trip(void)
{
	int			n = 100;
	char	  **docs = corpus(n);
	dl_vocab   *s = state_of("{\"tokenizer\": \"char\", \"min_count\": 2, \"oov_buckets\": 5}",
							 (const char *const *) docs, n);
	dl_vocab   *fin,
			   *back;
	dl_detail	why;

	th_begin("vocabulary: serialized form round-trips, states and final vocabularies");
	CHECK(dl_vocab_finalize(s, &fin) == DL_OK);
	for (int k = 0; k < 2; k++)
	{
		dl_vocab   *v = k ? fin : s;
		size_t		n1,
					n2;
		void	   *b1 = serialize(v, &n1),
				   *b2;

		CHECK(dl_vocab_read(b1, n1, &back, &why) == DL_OK);
		if (!back)
		{
			th_fail(__FILE__, __LINE__, "read back: %s", why.text);
			free(b1);
			continue;
		}
		b2 = serialize(back, &n2);
		CHECK(n1 == n2 && memcmp(b1, b2, n1) == 0);
		if (k)
			CHECK(dl_vocab_id(back, " da", 3) == dl_vocab_id(fin, " da", 3) && dl_vocab_id(back, " da", 3) >= 2);
		dl_vocab_free(back);
		free(b2);
		/* every truncation is refused */
		for (size_t cut = 0; cut < n1; cut += 1 + cut / 8)
			CHECK(dl_vocab_read(b1, cut, &back, &why) == DL_EFORMAT && back == NULL);
		free(b1);
	}
	dl_vocab_free(s);

	/* tampering: out of order, a duplicate, documents above the count, bad UTF-8, newer version */
	{
		size_t		nb;
		unsigned char *b = serialize(fin, &nb);
		unsigned char *c = malloc(nb);
		uint64_t	big = 1000000;
		size_t		first = 48,
					second;
		uint16_t	len;

		memcpy(&len, b + first + 16, 2);
		second = first + 18 + len;

		memcpy(c, b, nb);
		memcpy(c + second, &big, 8);	/* count of the second above the first */
		CHECK(dl_vocab_read(c, nb, &back, &why) == DL_EFORMAT);
		memcpy(c, b, nb);
		memcpy(c + first + 8, &big, 8); /* documents above the count */
		CHECK(dl_vocab_read(c, nb, &back, &why) == DL_EFORMAT);
		memcpy(c, b, nb);
		c[first + 18] = 0xff;
		CHECK(dl_vocab_read(c, nb, &back, &why) == DL_EFORMAT);
		memcpy(c, b, nb);
		c[4] = 2;
		CHECK(dl_vocab_read(c, nb, &back, &why) == DL_EVERSION);
		memcpy(c, b, nb);
		c[6] = 0;				/* as a state, in any order: reads */
		CHECK(dl_vocab_read(c, nb, &back, &why) == DL_OK);
		dl_vocab_free(back);
		free(b);
		free(c);
	}
	/* a duplicate token in a state */
	{
		static const char *const one[] = {"ab"};
		dl_vocab   *t = state_of("{}", one, 1);
		size_t		nb;
		unsigned char *b = serialize(t, &nb);
		unsigned char *c = malloc(2 * nb - 48);
		uint32_t	two = 2;

		memcpy(c, b, nb);
		memcpy(c + nb, b + 48, nb - 48);
		memcpy(c + 12, &two, 4);
		CHECK(dl_vocab_read(c, 2 * nb - 48, &back, &why) == DL_EFORMAT && strstr(why.text, "twice"));
		free(b);
		free(c);
		dl_vocab_free(t);
	}
	dl_vocab_free(fin);
	for (int i = 0; i < n; i++)
		free(docs[i]);
	free(docs);
	th_end();
}

static void
test_vocab_bounded(void)
{
	dl_text_options o = options("{}");
	dl_vocab   *v,
			   *fin;
	dl_vocab_info info;
	uint64_t	seed = 3;
	int			truth[4000] = {0};
	char		word[32];

	th_begin("vocabulary: past the exact limit, counts fall short by at most the error");
	CHECK(dl_vocab_create(&o, &v) == DL_OK);
	dl_vocab_set_limits(v, 200, 1 << 20);
	th_alloc_max = 0;
	for (int i = 0; i < 20000; i++)
	{
		/* roughly Zipf: small numbers much more often */
		double		u = th_rand_uniform(&seed);
		int			w = (int) (4000 * u * u * u * u);
		int			len = snprintf(word, sizeof(word), "w%d", w);

		truth[w]++;
		CHECK(dl_vocab_add_document(v, word, (size_t) len) == DL_OK);
	}
	CHECK(th_alloc_max < 64 * 1024);
	dl_vocab_get_info(v, &info);
	CHECK(info.error > 0 && info.ntokens <= 200 && info.documents == 20000);
	CHECK(dl_vocab_finalize(v, &fin) == DL_OK);
	for (size_t i = 0; i < info.ntokens; i++)
	{
		const char *tok;
		size_t		len;
		uint64_t	count,
					docs;
		int			w;

		dl_vocab_token(fin, i, &tok, &len, &count, &docs);
		/* tokens are not NUL-terminated */
		CHECK(len >= 2 && len < sizeof(word));
		memcpy(word, tok, len);
		word[len] = '\0';
		w = atoi(word + 1);
		CHECK(count <= (uint64_t) truth[w] && count + info.error >= (uint64_t) truth[w]);
	}
	/* every token counted more than the error is there */
	for (int w = 0; w < 4000; w++)
		if ((uint64_t) truth[w] > info.error)
		{
			int			len = snprintf(word, sizeof(word), "w%d", w);

			CHECK(dl_vocab_id(fin, word, (size_t) len) >= 2);
		}
	CHECK(dl_vocab_id(fin, "w0", 2) == 2);
	dl_vocab_free(fin);
	dl_vocab_free(v);
	th_end();
}

void
suite_text(void)
{
	test_words();
	test_cjk();
	test_symbols_marks();
	test_folding();
	test_char();
	test_invalid();
	test_options();
	test_large();
	test_vocab_basic();
	test_vocab_merge();
	test_vocab_round_trip();
	test_vocab_bounded();
}
