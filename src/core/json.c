/*-------------------------------------------------------------------------
 *
 * json.c
 *	  A small strict JSON reader into a read-only tree (RFC 8259), a
 *	  growing text buffer for writing JSON, and the writer of a tree.
 *
 * Layers reach the engine as the text of a jsonb value (options as a tree
 * the glue walks from the jsonb value, see src/pg/options.c), so in
 * practice the text is well formed; the reader is strict anyway because the
 * unit tests and the fuzzers feed it anything.  It accepts exactly RFC 8259:
 * no comments, trailing commas, leading zeros, NaN or single quotes; control
 * characters in strings are errors; escapes are decoded to UTF-8 with
 * surrogate pairs combined and lone surrogates rejected.  Raw bytes pass
 * through unchecked: the server encoding need not be UTF-8 and PostgreSQL
 * has verified it already.  Duplicate keys are errors (the text of a jsonb
 * never has any, so one means hand-written text whose intent is unclear).
 *
 * Bounds: the text is at most max_bytes (checked before reading), numbers
 * at most NUMBER_MAX_LEN characters, nesting at most DL_JSON_MAX_DEPTH (the
 * reader recurses once per level), and, for dl_json_parse_quiet, the values
 * at most max_values.  Every node and decoded string lives in an arena of
 * dl_alloc'd blocks, so a failure anywhere frees everything with one call,
 * and the memory used is a small multiple of the text.
 *
 * dl_json_parse reports a malformed text itself; dl_json_parse_quiet hands
 * back why and where (which member of the root object, which element of
 * its array) for a caller that words its own message, and keeps a root
 * object's members read before the problem, so that the caller can check
 * them first and report problems in the order of the text.
 *
 * strtod and snprintf use the decimal point of LC_NUMERIC, which a
 * PostgreSQL backend always keeps at "C".
 *
 * src/core/json.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "text.h"

/* a double never needs more; longer literals are refused, not rounded */
#define NUMBER_MAX_LEN 400

#define ARENA_FIRST_BLOCK 4096
#define ARENA_MAX_BLOCK (1 << 20)
#define ALIGN16(n) (((n) + 15) & ~(size_t) 15)

typedef struct arena_block
{
	struct arena_block *next;
	size_t		size;
	size_t		used;
} arena_block;

#define BLOCK_HEADER ALIGN16(sizeof(arena_block))

struct dl_json_doc
{
	arena_block *blocks;
	size_t		next_block;
	dl_json		root;
};

typedef struct parser
{
	const char *start;
	const char *p;
	dl_json_doc *doc;
	int			depth;
	int			values;			/* read so far */
	int			max_values;		/* 0: no bound */
	dl_json_error *err;
	/* where, for the error (see dl_json_error) */
	const char *key;
	size_t		key_len;
	int			element;
} parser;

/* ---- arena ---- */

static void *
arena_alloc(dl_json_doc *doc, size_t size)
{
	arena_block *b = doc->blocks;
	void	   *p;

	size = ALIGN16(size);
	if (b == NULL || b->size - b->used < size)
	{
		size_t		bsize = doc->next_block;

		if (bsize < size)
			bsize = size;
		if (doc->next_block < ARENA_MAX_BLOCK)
			doc->next_block *= 2;
		b = dl_alloc(BLOCK_HEADER + bsize);
		b->next = doc->blocks;
		b->size = bsize;
		b->used = 0;
		doc->blocks = b;
	}
	p = (char *) b + BLOCK_HEADER + b->used;
	b->used += size;
	return p;
}

void
dl_json_free(dl_json_doc *doc)
{
	arena_block *b;

	if (doc == NULL)
		return;
	b = doc->blocks;
	while (b)
	{
		arena_block *next = b->next;

		dl_free(b);
		b = next;
	}
	dl_free(doc);
}

const dl_json *
dl_json_root(const dl_json_doc *doc)
{
	return &doc->root;
}

/* ---- messages ---- */

const char *
dl_json_printable(const char *s, size_t len, char *buf, size_t size)
{
	size_t		j = 0;
	size_t		i;

	if (size < 4)
	{
		if (size > 0)
			buf[0] = '\0';
		return buf;
	}
	for (i = 0; i < len && j + 4 < size; i++)
	{
		unsigned char c = (unsigned char) s[i];

		buf[j++] = (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? (char) c : '?';
	}
	if (i < len)
	{
		buf[j++] = '.';
		buf[j++] = '.';
		buf[j++] = '.';
	}
	buf[j] = '\0';
	return buf;
}

const char *
dl_json_describe(const dl_json *v, char *buf, size_t size)
{
	char		shown[48];

	switch (v->type)
	{
		case DL_JSON_NULL:
			snprintf(buf, size, "null");
			break;
		case DL_JSON_BOOL:
			snprintf(buf, size, "%s", v->boolean ? "true" : "false");
			break;
		case DL_JSON_NUMBER:
			snprintf(buf, size, "%s", dl_json_printable(v->str, v->len, shown, sizeof(shown)));
			break;
		case DL_JSON_STRING:
			snprintf(buf, size, "\"%s\"", dl_json_printable(v->str, v->len, shown, sizeof(shown)));
			break;
		case DL_JSON_ARRAY:
			snprintf(buf, size, "an array");
			break;
		case DL_JSON_OBJECT:
			snprintf(buf, size, "an object");
			break;
	}
	return buf;
}

static dl_status syntax_error(parser *ps, const char *at, dl_json_fault fault,
							  const char *fmt,...)
			__attribute__((format(printf, 4, 5)));

/*
 * DL_ETEXT, with *ps->err saying why and where: at is the problem's byte
 * (1-based, as PostgreSQL counts); nothing is reported yet
 */
static dl_status
syntax_error(parser *ps, const char *at, dl_json_fault fault, const char *fmt,...)
{
	dl_json_error *err = ps->err;
	va_list		ap;

	err->fault = fault;
	err->pos = (int) (at - ps->start) + 1;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	if (ps->key)
		dl_json_printable(ps->key, ps->key_len, err->key, sizeof(err->key));
	else
		err->key[0] = '\0';
	err->element = ps->element;
	err->depth = ps->depth;
	return DL_ETEXT;
}

/* where one of several things was expected: the end of the text is a fault of its own */
static dl_json_fault
unexpected(const char *p, dl_json_fault fault)
{
	return *p == '\0' ? DL_JSON_ENDS_EARLY : fault;
}

/* what stands at p, for "unexpected ..." */
static const char *
shown_char(const char *p, char *buf, size_t size)
{
	unsigned char c = (unsigned char) *p;

	if (c == '\0')
		snprintf(buf, size, "end of input");
	else if (c > 0x20 && c < 0x7f)
		snprintf(buf, size, "'%c'", (char) c);
	else
		snprintf(buf, size, "byte 0x%02X", c);
	return buf;
}

/* ---- reading ---- */

static void
skip_ws(parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
		ps->p++;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* the code unit of "\uXXXX" at p (p at the backslash), or -1 */
static long
unicode_escape(const char *p)
{
	long		v = 0;

	if (p[0] != '\\' || p[1] != 'u')
		return -1;
	for (int i = 2; i < 6; i++)
	{
		int			h = hex_digit(p[i]);	/* stops at a NUL */

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/*
 * The string at ps->p (its opening quote).  A first pass finds the closing
 * quote (or the end of the text), so the decoded bytes, never longer than
 * the raw ones, get one allocation; the second reports the first problem
 * in the order of the text.
 */
static dl_status
read_string(parser *ps, const char **str, size_t *len)
{
	const char *open = ps->p;
	const char *q = open + 1;
	char	   *out;
	size_t		n = 0;

	while (*q != '"' && *q != '\0')
	{
		if (*q == '\\' && q[1] != '\0')
			q++;
		q++;
	}
	out = arena_alloc(ps->doc, (size_t) (q - open));

	ps->p = open + 1;
	for (;;)
	{
		unsigned char c = (unsigned char) *ps->p;
		long		cp;

		if (c == '"')
			break;
		if (c == '\0' || (c == '\\' && ps->p[1] == '\0'))
			return syntax_error(ps, open, DL_JSON_BAD_SYNTAX, "unterminated string");
		if (c < 0x20)
			return syntax_error(ps, ps->p, DL_JSON_BAD_SYNTAX,
								"control character (byte 0x%02X) in a string", c);
		if (c != '\\')
		{
			out[n++] = (char) c;
			ps->p++;
			continue;
		}
		switch (ps->p[1])
		{
			case '"':
			case '\\':
			case '/':
				out[n++] = ps->p[1];
				break;
			case 'b':
				out[n++] = '\b';
				break;
			case 'f':
				out[n++] = '\f';
				break;
			case 'n':
				out[n++] = '\n';
				break;
			case 'r':
				out[n++] = '\r';
				break;
			case 't':
				out[n++] = '\t';
				break;
			case 'u':
				cp = unicode_escape(ps->p);
				if (cp < 0)
					return syntax_error(ps, ps->p, DL_JSON_BAD_UNICODE_ESCAPE,
										"\\u must be followed by four hex digits");
				if (cp >= 0xDC00 && cp <= 0xDFFF)
					return syntax_error(ps, ps->p, DL_JSON_LONE_SURROGATE,
										"unpaired low surrogate \\u%04lX", cp);
				if (cp >= 0xD800 && cp <= 0xDBFF)
				{
					long		lo = unicode_escape(ps->p + 6);

					if (lo < 0xDC00 || lo > 0xDFFF)
						return syntax_error(ps, ps->p, DL_JSON_LONE_SURROGATE,
											"high surrogate \\u%04lX is not followed by a low surrogate", cp);
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					ps->p += 6;
				}
				n += dl_utf8_put((uint32_t) cp, out + n);
				ps->p += 6;
				continue;
			default:
				return syntax_error(ps, ps->p, DL_JSON_BAD_SYNTAX, "invalid escape \\%c",
									ps->p[1] > 0x20 && ps->p[1] < 0x7f ? ps->p[1] : '?');
		}
		ps->p += 2;
	}
	out[n] = '\0';
	ps->p++;
	*str = out;
	*len = n;
	return DL_OK;
}

static dl_status
read_number(parser *ps, dl_json *v)
{
	const char *begin = ps->p;
	const char *q = begin;
	char	   *lit;
	char	   *end;
	size_t		n;

	if (*q == '-')
		q++;
	if (*q == '0')
		q++;
	else if (is_digit(*q))
		while (is_digit(*q))
			q++;
	else
		return syntax_error(ps, begin, DL_JSON_BAD_SYNTAX, "invalid number");
	if (*q == '.')
	{
		q++;
		if (!is_digit(*q))
			return syntax_error(ps, begin, DL_JSON_BAD_SYNTAX,
								"invalid number: digits must follow the decimal point");
		while (is_digit(*q))
			q++;
	}
	if (*q == 'e' || *q == 'E')
	{
		q++;
		if (*q == '+' || *q == '-')
			q++;
		if (!is_digit(*q))
			return syntax_error(ps, begin, DL_JSON_BAD_SYNTAX,
								"invalid number: digits must follow the exponent");
		while (is_digit(*q))
			q++;
	}
	if (is_digit(*q))
		return syntax_error(ps, begin, DL_JSON_LEADING_ZERO,
							"invalid number: leading zeros are not allowed");
	n = (size_t) (q - begin);
	if (n > NUMBER_MAX_LEN)
		return syntax_error(ps, begin, DL_JSON_BAD_SYNTAX,
							"number longer than %d characters", NUMBER_MAX_LEN);

	lit = arena_alloc(ps->doc, n + 1);
	memcpy(lit, begin, n);
	lit[n] = '\0';
	v->number = strtod(lit, &end);
	if (end != lit + n)
		return syntax_error(ps, begin, DL_JSON_BAD_SYNTAX, "invalid number");
	if (isinf(v->number))
		return syntax_error(ps, begin, DL_JSON_BAD_SYNTAX, "number out of range");
	v->type = DL_JSON_NUMBER;
	v->str = lit;
	v->len = n;
	ps->p = q;
	return DL_OK;
}

static dl_status read_value(parser *ps, dl_json *v);

/* grows an arena array of elem-size items from cap to twice as many */
static void *
grow(parser *ps, const void *old, int n, int *cap, size_t elem)
{
	int			newcap = *cap == 0 ? 4 : *cap * 2;
	void	   *p = arena_alloc(ps->doc, (size_t) newcap * elem);

	if (n > 0)
		memcpy(p, old, (size_t) n * elem);
	*cap = newcap;
	return p;
}

/*
 * The elements are gathered in a scratch block grown by doubling and copied
 * into the arena once, at their final size: an array of a hundred thousand
 * numbers leaves no outgrown copies behind in the arena.
 */
static dl_status
read_array(parser *ps, dl_json *v)
{
	dl_json    *elems = NULL;	/* scratch */
	dl_json    *kept;
	int			cap = 0;
	/* the value of a member of the root object: its elements are named */
	bool		root_member = ps->depth == 2 && ps->key != NULL;
	dl_status	st;

	v->type = DL_JSON_ARRAY;
	ps->p++;
	skip_ws(ps);
	if (*ps->p == ']')
	{
		ps->p++;
		return DL_OK;
	}
	for (;;)
	{
		char		c[24];

		if (v->n == cap)
		{
			dl_json    *grown;

			cap = cap == 0 ? 8 : cap * 2;
			grown = dl_alloc((size_t) cap * sizeof(dl_json));
			if (v->n > 0)
				memcpy(grown, elems, (size_t) v->n * sizeof(dl_json));
			dl_free(elems);
			elems = grown;
		}
		if (root_member)
			ps->element = v->n + 1;
		if ((st = read_value(ps, &elems[v->n])) != DL_OK)
			break;
		v->n++;
		skip_ws(ps);
		if (*ps->p == ',')
		{
			ps->p++;
			continue;
		}
		if (*ps->p == ']')
		{
			ps->p++;
			if (root_member)
				ps->element = 0;
			kept = arena_alloc(ps->doc, (size_t) v->n * sizeof(dl_json));
			memcpy(kept, elems, (size_t) v->n * sizeof(dl_json));
			v->elems = kept;
			break;
		}
		st = syntax_error(ps, ps->p, unexpected(ps->p, DL_JSON_BAD_SYNTAX),
						  "expected ',' or ']' after an array element, found %s",
						  shown_char(ps->p, c, sizeof(c)));
		break;
	}
	dl_free(elems);
	return st;
}

static int
compare_members(const void *a, const void *b)
{
	const dl_json_member *x = *(const dl_json_member *const *) a;
	const dl_json_member *y = *(const dl_json_member *const *) b;
	size_t		n = x->key_len < y->key_len ? x->key_len : y->key_len;
	int			c = memcmp(x->key, y->key, n);

	if (c != 0)
		return c;
	return x->key_len < y->key_len ? -1 : x->key_len > y->key_len;
}

/* a duplicate key, or NULL; sorting keeps large objects fast */
static const dl_json_member *
find_duplicate(parser *ps, const dl_json_member *m, int n)
{
	const dl_json_member **sorted;

	if (n < 2)
		return NULL;
	sorted = arena_alloc(ps->doc, sizeof(*sorted) * (size_t) n);
	for (int i = 0; i < n; i++)
		sorted[i] = &m[i];
	qsort(sorted, (size_t) n, sizeof(*sorted), compare_members);
	for (int i = 1; i < n; i++)
		if (compare_members(&sorted[i - 1], &sorted[i]) == 0)
			return sorted[i];
	return NULL;
}

static dl_status
read_object(parser *ps, dl_json *v)
{
	dl_json_member *members = NULL;
	int			cap = 0;
	const dl_json_member *dup;
	const char *open = ps->p;
	bool		root = ps->depth == 1;
	dl_status	st;

	v->type = DL_JSON_OBJECT;
	ps->p++;
	skip_ws(ps);
	if (*ps->p == '}')
	{
		ps->p++;
		return DL_OK;
	}
	for (;;)
	{
		dl_json_member *m;
		char		c[24];

		skip_ws(ps);
		if (root)
			ps->key = NULL;
		if (*ps->p != '"')
			return syntax_error(ps, ps->p, unexpected(ps->p, DL_JSON_BAD_SYNTAX),
								"expected a quoted key, found %s",
								shown_char(ps->p, c, sizeof(c)));
		if (v->n == cap)
			members = grow(ps, members, v->n, &cap, sizeof(dl_json_member));
		m = &members[v->n];
		memset(m, 0, sizeof(*m));
		if ((st = read_string(ps, &m->key, &m->key_len)) != DL_OK)
			return st;
		if (root)
		{
			ps->key = m->key;
			ps->key_len = m->key_len;
		}
		skip_ws(ps);
		if (*ps->p != ':')
			return syntax_error(ps, ps->p, unexpected(ps->p, DL_JSON_BAD_SYNTAX),
								"expected ':' after a key, found %s",
								shown_char(ps->p, c, sizeof(c)));
		ps->p++;
		if ((st = read_value(ps, &m->value)) != DL_OK)
			return st;
		v->n++;
		v->members = members;
		skip_ws(ps);
		if (*ps->p == ',')
		{
			ps->p++;
			continue;
		}
		if (*ps->p == '}')
		{
			ps->p++;
			break;
		}
		return syntax_error(ps, ps->p, unexpected(ps->p, DL_JSON_BAD_SYNTAX),
							"expected ',' or '}' after an object member, found %s",
							shown_char(ps->p, c, sizeof(c)));
	}
	if (root)
		ps->key = NULL;
	if ((dup = find_duplicate(ps, members, v->n)) != NULL)
	{
		char		shown[72];

		return syntax_error(ps, open, DL_JSON_DUPLICATE_KEY, "duplicate key \"%s\" in this object",
							dl_json_printable(dup->key, dup->key_len, shown, sizeof(shown)));
	}
	return DL_OK;
}

static bool
match_word(parser *ps, const char *word)
{
	size_t		n = strlen(word);

	if (strncmp(ps->p, word, n) != 0)
		return false;
	ps->p += n;
	return true;
}

static dl_status
read_value(parser *ps, dl_json *v)
{
	char		c[24];
	dl_status	st;

	memset(v, 0, sizeof(*v));
	skip_ws(ps);
	v->pos = (int) (ps->p - ps->start) + 1;
	if (ps->max_values > 0 && ps->values++ == ps->max_values)
		return syntax_error(ps, ps->p, DL_JSON_TOO_BIG, "more than %d values", ps->max_values);
	switch (*ps->p)
	{
		case '{':
		case '[':
			if (ps->depth == DL_JSON_MAX_DEPTH)
				return syntax_error(ps, ps->p, DL_JSON_TOO_BIG,
									"nested deeper than %d levels", DL_JSON_MAX_DEPTH);
			ps->depth++;
			st = *ps->p == '{' ? read_object(ps, v) : read_array(ps, v);
			ps->depth--;
			return st;
		case '"':
			v->type = DL_JSON_STRING;
			return read_string(ps, &v->str, &v->len);
		case 't':
		case 'f':
		case 'n':
			if (match_word(ps, "true"))
			{
				v->type = DL_JSON_BOOL;
				v->boolean = true;
			}
			else if (match_word(ps, "false"))
				v->type = DL_JSON_BOOL;
			else if (match_word(ps, "null"))
				v->type = DL_JSON_NULL;
			else
				break;
			/* "truex" is not true followed by garbage but one bad token */
			if ((*ps->p >= 'a' && *ps->p <= 'z') || is_digit(*ps->p))
				return syntax_error(ps, ps->p, DL_JSON_BAD_SYNTAX, "unexpected %s after a literal",
									shown_char(ps->p, c, sizeof(c)));
			return DL_OK;
		default:
			if (*ps->p == '-' || is_digit(*ps->p))
				return read_number(ps, v);
			break;
	}
	return syntax_error(ps, ps->p, unexpected(ps->p, DL_JSON_EXPECTED_VALUE),
						"expected a value, found %s", shown_char(ps->p, c, sizeof(c)));
}

dl_status
dl_json_parse_quiet(const char *text, size_t max_bytes, int max_values,
					dl_json_doc **doc, dl_json_error *err)
{
	parser		ps;
	dl_json_doc *d;
	dl_status	st;
	char		c[24];

	*doc = NULL;
	memset(err, 0, sizeof(*err));
	if (text == NULL)
	{
		err->fault = DL_JSON_EMPTY;
		snprintf(err->message, sizeof(err->message), "no JSON text");
		return DL_ETEXT;
	}
	/* max_bytes + 1 must not wrap to 0 */
	if (max_bytes < SIZE_MAX && strnlen(text, max_bytes + 1) > max_bytes)
	{
		err->fault = DL_JSON_TOO_BIG;
		snprintf(err->message, sizeof(err->message),
				 "the JSON text is longer than %zu bytes", max_bytes);
		return DL_ETEXT;
	}

	d = dl_alloc(sizeof(dl_json_doc));
	memset(d, 0, sizeof(*d));
	d->next_block = ARENA_FIRST_BLOCK;
	memset(&ps, 0, sizeof(ps));
	ps.start = ps.p = text;
	ps.doc = d;
	ps.max_values = max_values;
	ps.err = err;

	skip_ws(&ps);
	if (*ps.p == '\0')
		st = syntax_error(&ps, ps.p, DL_JSON_EMPTY, "the text is empty");
	else if ((st = read_value(&ps, &d->root)) == DL_OK)
	{
		skip_ws(&ps);
		if (*ps.p != '\0')
			st = syntax_error(&ps, ps.p, DL_JSON_TRAILING, "unexpected %s after the value",
							  shown_char(ps.p, c, sizeof(c)));
	}
	/* a root object keeps the members read before the problem */
	if (st != DL_OK && d->root.type != DL_JSON_OBJECT)
	{
		dl_json_free(d);
		return st;
	}
	*doc = d;
	return st;
}

dl_status
dl_json_parse(const char *text, size_t max_bytes, const char *what, dl_json_doc **doc)
{
	dl_json_error err;

	if (dl_json_parse_quiet(text, max_bytes, 0, doc, &err) == DL_OK)
		return DL_OK;
	dl_json_free(*doc);
	*doc = NULL;
	if (err.pos == 0)
		return dl_error(DL_ETEXT, "%s: %s", what, err.message);
	return dl_error(DL_ETEXT, "%s: invalid JSON at character %d: %s", what, err.pos, err.message);
}

/* ---- accessors ---- */

const dl_json *
dl_json_get(const dl_json *obj, const char *key)
{
	size_t		n = strlen(key);

	if (obj->type != DL_JSON_OBJECT)
		return NULL;
	for (int i = 0; i < obj->n; i++)
		if (obj->members[i].key_len == n && memcmp(obj->members[i].key, key, n) == 0)
			return &obj->members[i].value;
	return NULL;
}

bool
dl_json_plain_string(const dl_json *v)
{
	return v->type == DL_JSON_STRING && strlen(v->str) == v->len;
}

bool
dl_json_integer(const dl_json *v, int64_t *out)
{
	const char *p;
	bool		negative = false;
	uint64_t	mag = 0;

	if (v->type != DL_JSON_NUMBER)
		return false;
	if (strpbrk(v->str, "eE") != NULL)
	{
		/* 1.5e1: the double is exact up to 2^53, which is enough there */
		if (v->number != floor(v->number) || fabs(v->number) > 9007199254740992.0)
			return false;
		*out = (int64_t) v->number;
		return true;
	}
	p = v->str;
	if (*p == '-')
	{
		negative = true;
		p++;
	}
	for (; is_digit(*p); p++)
	{
		if (mag > (UINT64_MAX - 9) / 10)
			return false;
		mag = mag * 10 + (uint64_t) (*p - '0');
	}
	if (*p == '.')
		for (p++; *p == '0'; p++)
			;
	if (*p != '\0')
		return false;			/* a non-zero fraction digit */
	if (mag > (uint64_t) INT64_MAX + (negative ? 1 : 0))
		return false;
	*out = negative ? (int64_t) (0 - mag) : (int64_t) mag;
	return true;
}

/* ---- writing ---- */

void
dl_json_buf_init(dl_json_buf *b)
{
	b->cap = 256;
	b->data = dl_alloc(b->cap);
	b->data[0] = '\0';
	b->len = 0;
}

void
dl_json_buf_append(dl_json_buf *b, const char *s, size_t n)
{
	if (b->cap - b->len <= n)
	{
		size_t		newcap = b->cap;
		char	   *grown;

		while (newcap - b->len <= n)
			newcap *= 2;
		grown = dl_alloc(newcap);
		memcpy(grown, b->data, b->len + 1);
		dl_free(b->data);
		b->data = grown;
		b->cap = newcap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
dl_json_buf_puts(dl_json_buf *b, const char *s)
{
	dl_json_buf_append(b, s, strlen(s));
}

void
dl_json_buf_int(dl_json_buf *b, int64_t v)
{
	char		num[24];

	snprintf(num, sizeof(num), "%lld", (long long) v);
	dl_json_buf_puts(b, num);
}

void
dl_json_buf_string(dl_json_buf *b, const char *s, size_t len)
{
	size_t		run = 0;

	dl_json_buf_append(b, "\"", 1);
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];
		char		esc[8];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		dl_json_buf_append(b, s + run, i - run);
		run = i + 1;
		switch (c)
		{
			case '"':
				dl_json_buf_append(b, "\\\"", 2);
				break;
			case '\\':
				dl_json_buf_append(b, "\\\\", 2);
				break;
			case '\n':
				dl_json_buf_append(b, "\\n", 2);
				break;
			case '\t':
				dl_json_buf_append(b, "\\t", 2);
				break;
			case '\r':
				dl_json_buf_append(b, "\\r", 2);
				break;
			case '\b':
				dl_json_buf_append(b, "\\b", 2);
				break;
			case '\f':
				dl_json_buf_append(b, "\\f", 2);
				break;
			default:
				/* as PostgreSQL's escape_json, so that dl_json_write prints as jsonb does */
				snprintf(esc, sizeof(esc), "\\u%04x", c);
				dl_json_buf_append(b, esc, 6);
				break;
		}
	}
	dl_json_buf_append(b, s + run, len - run);
	dl_json_buf_append(b, "\"", 1);
}

void
dl_json_buf_float(dl_json_buf *b, float f)
{
	char		num[32];

	if (!isfinite(f))
	{
		dl_json_buf_puts(b, "null");
		return;
	}
	/* 9 significant digits always read back as the same float */
	for (int prec = 6; prec <= 9; prec++)
	{
		snprintf(num, sizeof(num), "%.*g", prec, (double) f);
		if ((float) strtod(num, NULL) == f)
			break;
	}
	dl_json_buf_puts(b, num);
}

static void
write_value(dl_json_buf *b, const dl_json *v)
{
	switch (v->type)
	{
		case DL_JSON_NULL:
			dl_json_buf_puts(b, "null");
			break;
		case DL_JSON_BOOL:
			dl_json_buf_puts(b, v->boolean ? "true" : "false");
			break;
		case DL_JSON_NUMBER:
			dl_json_buf_append(b, v->str, v->len);
			break;
		case DL_JSON_STRING:
			dl_json_buf_string(b, v->str, v->len);
			break;
		case DL_JSON_ARRAY:
			dl_json_buf_puts(b, "[");
			for (int i = 0; i < v->n; i++)
			{
				if (i > 0)
					dl_json_buf_puts(b, ", ");
				write_value(b, &v->elems[i]);
			}
			dl_json_buf_puts(b, "]");
			break;
		case DL_JSON_OBJECT:
			dl_json_buf_puts(b, "{");
			for (int i = 0; i < v->n; i++)
			{
				if (i > 0)
					dl_json_buf_puts(b, ", ");
				dl_json_buf_string(b, v->members[i].key, v->members[i].key_len);
				dl_json_buf_puts(b, ": ");
				write_value(b, &v->members[i].value);
			}
			dl_json_buf_puts(b, "}");
			break;
	}
}

char *
dl_json_write(const dl_json *v)
{
	dl_json_buf b;

	dl_json_buf_init(&b);
	write_value(&b, v);
	return b.data;
}
