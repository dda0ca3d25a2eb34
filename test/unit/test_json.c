/*-------------------------------------------------------------------------
 *
 * test_json.c
 *	  The engine's strict JSON reader and its text buffer (src/core/json.c).
 *
 * Every prefix of a valid text is parsed from an exact-size buffer, so that
 * ASan catches a read past the NUL.
 *
 * test/unit/test_json.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "json.h"

#define MAX 4096

/* parses a copy of text in an exact-size block */
static dl_status
parse(const char *text, dl_json_doc **doc)
{
	size_t		n = strlen(text);
	char	   *copy = malloc(n + 1);
	dl_status	st;

	memcpy(copy, text, n + 1);
	th_clear_error();
	st = dl_json_parse(copy, MAX, "test", doc);
	free(copy);
	return st;
}

static void
check_rejected(const char *text, const char *needle)
{
	dl_json_doc *doc = NULL;
	dl_status	st = parse(text, &doc);

	if (st != DL_ETEXT || doc != NULL || th_last_error != DL_ETEXT ||
		strstr(th_last_message, needle) == NULL)
		th_fail(__FILE__, __LINE__, "text %s gave status %d, message \"%s\", expected DL_ETEXT with \"%s\"",
				text, (int) st, th_last_message, needle);
	dl_json_free(doc);
}

static void
test_values(void)
{
	dl_json_doc *doc;
	const dl_json *root,
			   *v;
	int64_t		i;

	th_begin("json: objects keep their keys in order; values of every type");
	CHECK_STATUS(parse(" {\"b\": [1, -2.5e1, true, false, null], \"a\": {\"x\": \"y\"}, \"c\": \"\"} ", &doc), DL_OK);
	root = dl_json_root(doc);
	CHECK(root->type == DL_JSON_OBJECT && root->n == 3);
	CHECK(strcmp(root->members[0].key, "b") == 0 && strcmp(root->members[1].key, "a") == 0);
	v = dl_json_get(root, "b");
	CHECK(v && v->type == DL_JSON_ARRAY && v->n == 5);
	CHECK(v->elems[0].type == DL_JSON_NUMBER && v->elems[0].number == 1.0);
	CHECK(v->elems[1].number == -25.0 && strcmp(v->elems[1].str, "-2.5e1") == 0);
	CHECK(v->elems[2].type == DL_JSON_BOOL && v->elems[2].boolean);
	CHECK(v->elems[3].type == DL_JSON_BOOL && !v->elems[3].boolean);
	CHECK(v->elems[4].type == DL_JSON_NULL);
	CHECK(v->pos == 8);
	v = dl_json_get(dl_json_get(root, "a"), "x");
	CHECK(v && v->type == DL_JSON_STRING && strcmp(v->str, "y") == 0 && v->len == 1);
	v = dl_json_get(root, "c");
	CHECK(v && v->len == 0 && dl_json_plain_string(v));
	CHECK(dl_json_get(root, "z") == NULL);
	CHECK(dl_json_get(&dl_json_get(root, "b")->elems[0], "a") == NULL);
	dl_json_free(doc);

	/* integers: exact literal, 10.0 counts, fractions and overflow do not */
	CHECK_STATUS(parse("[9007199254740993, 10.0, 1.5, -9223372036854775808, 9223372036854775808, 1.5e1, 1e300, -0]", &doc), DL_OK);
	root = dl_json_root(doc);
	CHECK(dl_json_integer(&root->elems[0], &i) && i == INT64_C(9007199254740993));
	CHECK(dl_json_integer(&root->elems[1], &i) && i == 10);
	CHECK(!dl_json_integer(&root->elems[2], &i));
	CHECK(dl_json_integer(&root->elems[3], &i) && i == INT64_MIN);
	CHECK(!dl_json_integer(&root->elems[4], &i));
	CHECK(dl_json_integer(&root->elems[5], &i) && i == 15);
	CHECK(!dl_json_integer(&root->elems[6], &i));
	CHECK(dl_json_integer(&root->elems[7], &i) && i == 0);
	dl_json_free(doc);

	/* scalars at the top, empty containers */
	CHECK_STATUS(parse("\"x\"", &doc), DL_OK);
	dl_json_free(doc);
	CHECK_STATUS(parse("[[], {}]", &doc), DL_OK);
	root = dl_json_root(doc);
	CHECK(root->elems[0].n == 0 && root->elems[1].n == 0 && root->elems[1].type == DL_JSON_OBJECT);
	dl_json_free(doc);
	th_end();
}

static void
test_strings(void)
{
	dl_json_doc *doc;
	const dl_json *v;

	th_begin("json: escapes, UTF-16 surrogate pairs and embedded NUL decode exactly");
	CHECK_STATUS(parse("\"a\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u20AC\\ud83d\\ude00\\u0000z\"", &doc), DL_OK);
	v = dl_json_root(doc);
	CHECK(v->len == 1 + 8 + 2 + 3 + 4 + 1 + 1);
	CHECK(memcmp(v->str, "a\"\\/\b\f\n\r\t\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\0z", v->len) == 0);
	CHECK(!dl_json_plain_string(v));
	dl_json_free(doc);
	/* raw bytes of any encoding pass through */
	CHECK_STATUS(parse("\"\xE9t\xE9\"", &doc), DL_OK);
	CHECK(dl_json_root(doc)->len == 3);
	dl_json_free(doc);
	th_end();
}

static void
test_errors(void)
{
	char		deep[200];

	th_begin("json: malformed text is DL_ETEXT naming the problem and its position");
	check_rejected("", "the text is empty");
	check_rejected("   ", "at character 4");
	check_rejected("[1,]", "expected a value");
	check_rejected("[1 2]", "expected ',' or ']'");
	check_rejected("{\"a\" 1}", "expected ':'");
	check_rejected("{\"a\":1,}", "expected a quoted key");
	check_rejected("{a:1}", "expected a quoted key");
	check_rejected("{\"a\":1 \"b\":2}", "expected ',' or '}'");
	check_rejected("{\"a\":1,\"a\":2}", "duplicate key \"a\"");
	check_rejected("[01]", "leading zeros");
	check_rejected("[1.]", "decimal point");
	check_rejected("[1e]", "exponent");
	check_rejected("[-]", "invalid number");
	check_rejected("[+1]", "expected a value");
	check_rejected("[1e400]", "out of range");
	check_rejected("[NaN]", "expected a value");
	check_rejected("[tru]", "expected a value");
	check_rejected("[truex]", "after a literal");
	check_rejected("\"abc", "unterminated string");
	check_rejected("\"ab\\", "unterminated string");
	check_rejected("\"a\tb\"", "control character");
	check_rejected("\"\\x\"", "invalid escape \\x");
	check_rejected("\"\\u12\"", "four hex digits");
	check_rejected("\"\\udc00\"", "unpaired low surrogate");
	check_rejected("\"\\ud800x\"", "not followed by a low surrogate");
	check_rejected("\"\\ud800\\u0041\"", "not followed by a low surrogate");
	check_rejected("[1] x", "after the value");
	check_rejected("// c\n[1]", "expected a value");
	check_rejected("[1] \x01", "byte 0x01");

	/* depth: 64 levels are fine, 65 are not */
	memset(deep, '[', 64);
	memset(deep + 64, ']', 64);
	deep[128] = '\0';
	{
		dl_json_doc *doc;

		CHECK_STATUS(parse(deep, &doc), DL_OK);
		dl_json_free(doc);
	}
	memset(deep, '[', 65);
	memset(deep + 65, ']', 65);
	deep[130] = '\0';
	check_rejected(deep, "nested deeper than 64");

	/* size: checked before reading */
	{
		char	   *big = malloc(MAX + 2);
		dl_json_doc *doc = NULL;

		memset(big, ' ', MAX + 1);
		big[0] = '1';
		big[MAX + 1] = '\0';
		th_clear_error();
		CHECK_STATUS(dl_json_parse(big, MAX, "test", &doc), DL_ETEXT);
		CHECK(strstr(th_last_message, "longer than 4096 bytes") != NULL);
		big[MAX] = '\0';
		CHECK_STATUS(dl_json_parse(big, MAX, "test", &doc), DL_OK);
		dl_json_free(doc);
		free(big);
	}
	th_end();
}

static void
test_prefixes(void)
{
	const char *text = "{\"layers\": [{\"type\": \"dense\", \"units\": 10, \"a\": [1.5e-3, true, null]}], \"s\": \"\\u00e9\\ud83d\\ude00\"}";
	size_t		n = strlen(text);
	int			bad = 0;

	th_begin("json: every proper prefix of a valid text is rejected, none read past the end");
	for (size_t len = 0; len < n; len++)
	{
		char	   *copy = malloc(len + 1);
		dl_json_doc *doc = NULL;

		memcpy(copy, text, len);
		copy[len] = '\0';
		/* "1" would be a valid prefix of "10"; this text has none at the top level */
		if (dl_json_parse(copy, MAX, "test", &doc) != DL_ETEXT || doc != NULL)
			bad++;
		dl_json_free(doc);
		free(copy);
	}
	CHECK(bad == 0);
	th_end();
}

static void
test_large(void)
{
	/* many members: the duplicate check sorts, so this stays fast */
	size_t		n = 20000;
	char	   *text = malloc(n * 16 + 8);
	size_t		len = 0;
	dl_json_doc *doc;

	th_begin("json: large objects and arrays, duplicate found among 20000 keys");
	text[len++] = '{';
	for (size_t i = 0; i < n; i++)
		len += (size_t) sprintf(text + len, "%s\"k%zu\":%zu", i ? "," : "", i, i);
	text[len++] = '}';
	text[len] = '\0';
	CHECK_STATUS(dl_json_parse(text, 1 << 20, "test", &doc), DL_OK);
	CHECK(dl_json_root(doc)->n == (int) n);
	CHECK(dl_json_get(dl_json_root(doc), "k19999")->number == 19999);
	dl_json_free(doc);
	memcpy(text + len - 1, ",\"k7\":1}", 9);
	th_clear_error();
	CHECK_STATUS(dl_json_parse(text, 1 << 20, "test", &doc), DL_ETEXT);
	CHECK(strstr(th_last_message, "duplicate key \"k7\"") != NULL);
	free(text);
	th_end();
}

static void
test_writing(void)
{
	dl_json_buf b;
	dl_json_doc *doc;
	const char	raw[] = "q\"b\\n\n\t\x01\xC3\xA9";
	const float floats[] = {0.1f, 1e-5f, 3.4028235e38f, 1.17549435e-38f, 1e-45f, -2.5f, 0.0f, 16777217.0f, 0.3f};

	th_begin("json: written strings and floats read back exactly");
	dl_json_buf_init(&b);
	dl_json_buf_puts(&b, "[");
	dl_json_buf_string(&b, raw, sizeof(raw) - 1);
	for (size_t i = 0; i < sizeof(floats) / sizeof(floats[0]); i++)
	{
		dl_json_buf_puts(&b, ",");
		dl_json_buf_float(&b, floats[i]);
	}
	dl_json_buf_puts(&b, ",");
	dl_json_buf_int(&b, INT64_MIN);
	dl_json_buf_puts(&b, "]");
	CHECK_STATUS(dl_json_parse(b.data, MAX, "test", &doc), DL_OK);
	{
		const dl_json *r = dl_json_root(doc);
		int64_t		i;

		CHECK(r->elems[0].len == sizeof(raw) - 1 && memcmp(r->elems[0].str, raw, sizeof(raw) - 1) == 0);
		for (size_t k = 0; k < sizeof(floats) / sizeof(floats[0]); k++)
			CHECK((float) r->elems[1 + k].number == floats[k]);
		CHECK(dl_json_integer(&r->elems[r->n - 1], &i) && i == INT64_MIN);
	}
	CHECK(strstr(b.data, "0.1,") != NULL);	/* shortest form */
	dl_json_free(doc);
	dl_free(b.data);
	th_end();
}

void
suite_json(void)
{
	test_values();
	test_strings();
	test_errors();
	test_prefixes();
	test_large();
	test_writing();
}
