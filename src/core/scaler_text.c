/*-------------------------------------------------------------------------
 *
 * scaler_text.c
 *	  The JSON text form of a scaler or imputer: writing it, and reading
 *	  and checking it.
 *
 * The text form is JSON, written so that parsing it gives back the same
 * doubles bit for bit (shortest of %.15g, %.16g, %.17g that reads back
 * equal; NaN and the infinities as the strings "NaN", "Infinity" and
 * "-Infinity").  NaN payloads are not kept: every NaN a fit stores, and
 * every one the parser reads, is the canonical quiet NaN, so the round trip
 * of anything fitted is exact.  The text is read by json.c's strict
 * reader (numbers with strtod from their literal text) and then must be
 * exactly that shape: one object whose values are numbers, strings or flat
 * arrays of numbers, checked member by member in the order of the text.
 * The tree is bounded to SCALER_MAX_VALUES values, so the memory it takes
 * is bounded whatever the text, and every problem is DL_ETEXT naming it
 * (DL_EVERSION for a newer version).  snprintf and strtod read and write
 * the decimal point of LC_NUMERIC, which a PostgreSQL backend always keeps
 * at "C".
 *
 * src/core/scaler_text.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "pgdl_core.h"
#include "scaler.h"

#define SCALER_TEXT_VERSION 1

/*
 * longest JSON number we read; a double never needs more than ~25 chars,
 * numeric's text of one (through jsonb) up to ~330
 */
#define NUMBER_MAX_LEN 350

/* keys and strings are shown in messages up to this many bytes */
#define NAME_MAX_LEN 64

/*
 * values in the text's tree: a valid text has at most 4 * DL_SCALER_MAX_D
 * + 11, so a newer version's text with one more array still says it is newer
 */
#define SCALER_MAX_VALUES (5 * DL_SCALER_MAX_D + 64)

/* ---- text form: writing --------------------------------------------------- */

/* a generous bound for one formatted number */
#define NUMBER_ROOM 32

/* shortest of 15, 16, 17 significant digits that reads back identical */
static void
put_double(dl_json_buf *b, double v)
{
	char		num[NUMBER_ROOM];

	if (isnan(v))
		dl_json_buf_puts(b, "\"NaN\"");
	else if (isinf(v))
		dl_json_buf_puts(b, v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
	else
	{
		for (int prec = 15; prec <= 17; prec++)
		{
			snprintf(num, sizeof(num), "%.*g", prec, v);
			if (strtod(num, NULL) == v)
				break;
		}
		dl_json_buf_puts(b, num);
	}
}

static void
put_array(dl_json_buf *b, const char *key, const double *a, int d)
{
	dl_json_buf_puts(b, ", \"");
	dl_json_buf_puts(b, key);
	dl_json_buf_puts(b, "\": [");
	for (int i = 0; i < d; i++)
	{
		if (i > 0)
			dl_json_buf_puts(b, ", ");
		put_double(b, a[i]);
	}
	dl_json_buf_puts(b, "]");
}

/*
 * {"version": 1, "kind": "standard", "n": 3, "center": [...], "scale": [...],
 *	"lo": [...], "hi": [...]}; minmax and maxabs have no lo/hi; an imputer has
 * "strategy", "constant" (constant strategy only) and "fill" instead of the
 * affine arrays.
 */
char *
dl_scaler_to_json(const dl_scaler *s)
{
	dl_json_buf b;
	int			d = s->d > 0 ? s->d : 0;

	dl_json_buf_init(&b);

	dl_json_buf_puts(&b, "{\"version\": 1, \"kind\": \"");
	dl_json_buf_puts(&b, dl_scaler_kind_name(s->kind));
	dl_json_buf_puts(&b, "\", \"n\": ");
	put_double(&b, s->n);
	if (s->kind == DL_SCALER_IMPUTER)
	{
		dl_json_buf_puts(&b, ", \"strategy\": \"");
		dl_json_buf_puts(&b, dl_impute_strategy_name(s->strategy));
		dl_json_buf_puts(&b, "\"");
		if (s->strategy == DL_IMPUTE_CONSTANT)
		{
			dl_json_buf_puts(&b, ", \"constant\": ");
			put_double(&b, s->constant);
		}
		put_array(&b, "fill", s->fill, d);
	}
	else
	{
		put_array(&b, "center", s->center, d);
		put_array(&b, "scale", s->scale, d);
		if (s->kind == DL_SCALER_STANDARD || s->kind == DL_SCALER_ROBUST)
		{
			put_array(&b, "lo", s->lo, d);
			put_array(&b, "hi", s->hi, d);
		}
	}
	dl_json_buf_puts(&b, "}");
	return b.data;
}

/* ---- text form: reading --------------------------------------------------- */

enum
{
	K_VERSION,
	K_KIND,
	K_N,
	K_STRATEGY,
	K_CONSTANT,
	K_CENTER,
	K_SCALE,
	K_LO,
	K_HI,
	K_FILL,
	K_COUNT
};

static const char *const key_names[K_COUNT] = {
	"version", "kind", "n", "strategy", "constant",
	"center", "scale", "lo", "hi", "fill"
};

/* what each key's value is, for messages */
static const char *const key_types[K_COUNT] = {
	"a number", "a string", "a number", "a string", "a number",
	"an array of numbers", "an array of numbers", "an array of numbers",
	"an array of numbers", "an array of numbers"
};

#define KEY_BIT(k) (1u << (k))
#define ARRAY_KEYS (KEY_BIT(K_CENTER) | KEY_BIT(K_SCALE) | KEY_BIT(K_LO) | \
					KEY_BIT(K_HI) | KEY_BIT(K_FILL))

/* what the object held, before it is checked against the kind */
typedef struct parsed_scaler
{
	unsigned	seen;			/* KEY_BIT of each key read */
	double		num[K_COUNT];	/* version, n, constant */
	const dl_json *val[K_COUNT];	/* each key's value: kind, strategy, arrays */
	char		unknown[NAME_MAX_LEN + 4];	/* the first unknown key, if any */
	bool		has_unknown;
} parsed_scaler;

static dl_status text_error(const char *fmt,...)
			__attribute__((format(printf, 1, 2)));

static dl_status
text_error(const char *fmt,...)
{
	char		buf[400];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return dl_error(DL_ETEXT, "scaler text: %s", buf);
}

static int
lookup_key(const char *name, size_t len)
{
	for (int k = 0; k < K_COUNT; k++)
		if (strlen(key_names[k]) == len && memcmp(key_names[k], name, len) == 0)
			return k;
	return -1;
}

/*
 * The message for text json.c could not read, in this reader's words where
 * it has its own (the array element, the \u escape), else json.c's.
 */
static dl_status
syntax_error(const char *text, const dl_json_error *e)
{
	char		where[DL_JSON_KEY_SHOWN + 40] = "";
	bool		in_element = e->element > 0 && e->depth == 2;
	int			key = lookup_key(e->key, strlen(e->key));

	if (e->element > 0)
		snprintf(where, sizeof(where), " (in element %d of \"%s\")", e->element, e->key);
	else if (e->key[0] != '\0')
		snprintf(where, sizeof(where), " (in \"%s\")", e->key);

	switch (e->fault)
	{
		case DL_JSON_ENDS_EARLY:
			if (e->element > 0)
				return text_error("input ends inside \"%s\"", e->key);
			return text_error("input ends inside the object%s", where);
		case DL_JSON_TRAILING:
			return text_error("unexpected text after the object at character %d", e->pos);
		case DL_JSON_BAD_UNICODE_ESCAPE:
			return text_error("invalid \\u escape at character %d: %s%s", e->pos, e->message, where);
		case DL_JSON_LONE_SURROGATE:
			return text_error("unpaired surrogate in \\u escape at character %d: %s%s",
							  e->pos, e->message, where);
		case DL_JSON_EXPECTED_VALUE:
			if (in_element)
				return text_error("element %d of \"%s\" must be a number (at character %d)",
								  e->element, e->key, e->pos);
			if (e->depth == 1 && key >= 0)
				return text_error("\"%s\" must be %s (at character %d): %s",
								  e->key, key_types[key], e->pos, e->message);
			break;
		case DL_JSON_LEADING_ZERO:
			/* the number ends after its 0 (and sign), where a ',' or ']' must follow */
			if (in_element)
				return text_error("expected ',' or ']' after element %d of \"%s\" at character %d (a number has no leading zeros)",
								  e->element, e->key, e->pos + (text[e->pos - 1] == '-') + 1);
			break;
		case DL_JSON_TOO_BIG:
			return text_error("%s at character %d%s", e->message, e->pos, where);
		default:
			break;
	}
	return text_error("invalid JSON at character %d: %s%s", e->pos, e->message, where);
}

/* a number, or one of the strings "NaN", "Infinity", "-Infinity" */
static bool
number_value(const dl_json *v, double *out)
{
	if (v->type == DL_JSON_NUMBER)
		*out = v->number;
	else if (!dl_json_plain_string(v))
		return false;
	else if (strcmp(v->str, "NaN") == 0)
		*out = NAN;
	else if (strcmp(v->str, "Infinity") == 0)
		*out = INFINITY;
	else if (strcmp(v->str, "-Infinity") == 0)
		*out = -INFINITY;
	else
		return false;
	return true;
}

/* names the value being read, for messages only (never on the hot path) */
static const char *
value_name(char *buf, size_t size, const char *key, int element)
{
	if (element > 0)
		snprintf(buf, size, "element %d of \"%s\"", element, key);
	else
		snprintf(buf, size, "\"%s\"", key);
	return buf;
}

/*
 * A number, or one of the strings "NaN", "Infinity", "-Infinity", as the
 * value of key (element > 0: its element-th array element).
 */
static dl_status
check_number(const dl_json *v, const char *key, int element, double *out)
{
	char		what[NAME_MAX_LEN + 48];
	char		shown[NAME_MAX_LEN + 4];

	if (v->type == DL_JSON_NUMBER && v->len > NUMBER_MAX_LEN)
		return text_error("number at character %d is too long", v->pos);
	if (number_value(v, out))
		return DL_OK;
	if (v->type == DL_JSON_STRING)
		return text_error("%s must be a number, got the string \"%s\" (only \"NaN\", \"Infinity\" and \"-Infinity\" may be quoted)",
						  value_name(what, sizeof(what), key, element),
						  dl_json_printable(v->str, v->len, shown, sizeof(shown)));
	return text_error("%s must be a number (at character %d)",
					  value_name(what, sizeof(what), key, element), v->pos);
}

/* a flat array of at most DL_SCALER_MAX_D numbers */
static dl_status
check_array(const dl_json *v, const char *name)
{
	if (v->type != DL_JSON_ARRAY)
		return text_error("\"%s\" must be an array of numbers (at character %d)",
						  name, v->pos);
	for (int i = 0; i < v->n; i++)
	{
		double		x;
		dl_status	st;

		if (i == DL_SCALER_MAX_D)
			return text_error("\"%s\" has more than %d elements", name, DL_SCALER_MAX_D);
		if ((st = check_number(&v->elems[i], name, i + 1, &x)) != DL_OK)
			return st;
	}
	return DL_OK;
}

/* an array check_array accepted, into d doubles */
static void
copy_array(const dl_json *v, double *out)
{
	for (int i = 0; i < v->n; i++)
	{
		double		x = 0.0;

		(void) number_value(&v->elems[i], &x);
		out[i] = dl_scaler_canon(x);
	}
}

static dl_status
check_version(double v)
{
	if (v != floor(v) || v < 1)
		return text_error("invalid version %g", v);
	if (v > SCALER_TEXT_VERSION)
		return dl_error(DL_EVERSION,
						"scaler text: version %g is newer than this pgdl reads (%d)",
						v, SCALER_TEXT_VERSION);
	return DL_OK;
}

/*
 * The members in the order of the text, each checked as it comes, so the
 * first problem in the text is the one reported (json.c's tree of a
 * malformed text may hold duplicate keys).
 */
static dl_status
read_members(const dl_json *root, parsed_scaler *ps)
{
	for (int i = 0; i < root->n; i++)
	{
		const dl_json_member *m = &root->members[i];
		const dl_json *v = &m->value;
		int			key = lookup_key(m->key, m->key_len);
		double		x;
		dl_status	st;

		if (key < 0)
		{
			char		name[NAME_MAX_LEN + 4];

			dl_json_printable(m->key, m->key_len, name, sizeof(name));

			/*
			 * Text from a newer pgdl may have new keys: until its version
			 * has been read, remember the key and report it after the
			 * version check, so that such text says it is newer.  Its value
			 * is a number, a string or a flat array of numbers, never
			 * nesting.
			 */
			if (ps->seen & KEY_BIT(K_VERSION))
				return text_error("unknown key \"%s\"", name);
			if (!ps->has_unknown)
			{
				ps->has_unknown = true;
				memcpy(ps->unknown, name, sizeof(name));
			}
			if (v->type == DL_JSON_STRING)
				st = DL_OK;
			else if (v->type == DL_JSON_NUMBER)
				st = check_number(v, name, 0, &x);
			else if (v->type == DL_JSON_ARRAY)
				st = check_array(v, name);
			else
				st = text_error("unknown key \"%s\"", name);
		}
		else
		{
			if (ps->seen & KEY_BIT(key))
				return text_error("duplicate key \"%s\"", key_names[key]);
			ps->seen |= KEY_BIT(key);
			ps->val[key] = v;
			switch (key)
			{
				case K_VERSION:
					st = check_number(v, key_names[key], 0, &ps->num[key]);
					if (st == DL_OK)
						st = check_version(ps->num[key]);
					break;
				case K_N:
				case K_CONSTANT:
					st = check_number(v, key_names[key], 0, &ps->num[key]);
					break;
				case K_KIND:
				case K_STRATEGY:
					st = DL_OK;
					if (v->type != DL_JSON_STRING)
						st = text_error("\"%s\" must be a string (at character %d)",
										key_names[key], v->pos);
					break;
				default:
					st = check_array(v, key_names[key]);
					break;
			}
		}
		if (st != DL_OK)
			return st;
	}
	return DL_OK;
}

/* which keys each kind has, besides version, kind and n */
static unsigned
kind_keys(dl_scaler_kind kind, dl_impute_strategy strategy)
{
	unsigned	common = KEY_BIT(K_VERSION) | KEY_BIT(K_KIND) | KEY_BIT(K_N);

	switch (kind)
	{
		case DL_SCALER_STANDARD:
		case DL_SCALER_ROBUST:
			return common | KEY_BIT(K_CENTER) | KEY_BIT(K_SCALE) |
				KEY_BIT(K_LO) | KEY_BIT(K_HI);
		case DL_SCALER_MINMAX:
		case DL_SCALER_MAXABS:
			return common | KEY_BIT(K_CENTER) | KEY_BIT(K_SCALE);
		case DL_SCALER_IMPUTER:
			return common | KEY_BIT(K_STRATEGY) | KEY_BIT(K_FILL) |
				(strategy == DL_IMPUTE_CONSTANT ? KEY_BIT(K_CONSTANT) : 0);
	}
	return common;
}

/* turns what was read into *s, checking it against the kind */
static dl_status
build_scaler(parsed_scaler *ps, dl_scaler *s)
{
	static const struct
	{
		const char *name;
		int			value;
	}			kinds[] = {
		{"standard", DL_SCALER_STANDARD},
		{"minmax", DL_SCALER_MINMAX},
		{"maxabs", DL_SCALER_MAXABS},
		{"robust", DL_SCALER_ROBUST},
		{"imputer", DL_SCALER_IMPUTER}
	},
				strategies[] = {
		{"mean", DL_IMPUTE_MEAN},
		{"median", DL_IMPUTE_MEDIAN},
		{"constant", DL_IMPUTE_CONSTANT},
		{"most_frequent", DL_IMPUTE_MOST_FREQUENT}
	};
	const dl_json *kv = ps->val[K_KIND];
	const dl_json *sv = ps->val[K_STRATEGY];
	char		shown[NAME_MAX_LEN + 4];
	int			kind = 0;
	int			strategy = DL_IMPUTE_NONE;
	unsigned	allowed;
	int			first = -1;
	dl_status	st;

	if (!(ps->seen & KEY_BIT(K_VERSION)))
		return text_error("missing key \"version\"");
	if (ps->has_unknown)
		return text_error("unknown key \"%s\"", ps->unknown);

	if (!(ps->seen & KEY_BIT(K_KIND)))
		return text_error("missing key \"kind\"");
	/* a decoded \u0000 can match no name */
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (dl_json_plain_string(kv) && strcmp(kv->str, kinds[i].name) == 0)
			kind = kinds[i].value;
	if (kind == 0)
		return text_error("unknown kind \"%s\" (expected standard, minmax, maxabs, robust or imputer)",
						  dl_json_printable(kv->str, kv->len, shown, sizeof(shown)));

	if (kind == DL_SCALER_IMPUTER && (ps->seen & KEY_BIT(K_STRATEGY)))
	{
		for (size_t i = 0; i < sizeof(strategies) / sizeof(strategies[0]); i++)
			if (dl_json_plain_string(sv) && strcmp(sv->str, strategies[i].name) == 0)
				strategy = strategies[i].value;
		if (strategy == DL_IMPUTE_NONE)
			return text_error("unknown strategy \"%s\" (expected mean, median, constant or most_frequent)",
							  dl_json_printable(sv->str, sv->len, shown, sizeof(shown)));
	}

	allowed = kind_keys((dl_scaler_kind) kind, (dl_impute_strategy) strategy);
	for (int k = 0; k < K_COUNT; k++)
	{
		if ((allowed & KEY_BIT(k)) && !(ps->seen & KEY_BIT(k)))
			return text_error("missing key \"%s\" for %s", key_names[k],
							  dl_scaler_kind_phrase((dl_scaler_kind) kind));
		if (!(allowed & KEY_BIT(k)) && (ps->seen & KEY_BIT(k)))
		{
			if (k == K_CONSTANT)
				return text_error("key \"constant\" is only for the constant strategy");
			return text_error("key \"%s\" does not apply to %s", key_names[k],
							  dl_scaler_kind_phrase((dl_scaler_kind) kind));
		}
	}

	/* every array has d elements; d comes from the first */
	for (int k = 0; k < K_COUNT; k++)
	{
		if (!(allowed & ARRAY_KEYS & KEY_BIT(k)))
			continue;
		if (ps->val[k]->n == 0)
			return text_error("\"%s\" is empty", key_names[k]);
		if (first < 0)
			first = k;
		else if (ps->val[k]->n != ps->val[first]->n)
			return text_error("\"%s\" has %d elements but \"%s\" has %d",
							  key_names[k], ps->val[k]->n, key_names[first], ps->val[first]->n);
	}

	st = dl_scaler_alloc(s, (dl_scaler_kind) kind, ps->val[first]->n);
	if (st != DL_OK)
		return st;
	s->strategy = (dl_impute_strategy) strategy;
	s->n = ps->num[K_N];
	if (strategy == DL_IMPUTE_CONSTANT)
		s->constant = dl_scaler_canon(ps->num[K_CONSTANT]);
	if (ps->val[K_CENTER])
		copy_array(ps->val[K_CENTER], s->center);
	if (ps->val[K_SCALE])
		copy_array(ps->val[K_SCALE], s->scale);
	if (ps->val[K_LO])
		copy_array(ps->val[K_LO], s->lo);
	if (ps->val[K_HI])
		copy_array(ps->val[K_HI], s->hi);
	if (ps->val[K_FILL])
		copy_array(ps->val[K_FILL], s->fill);

	st = dl_scaler_check(s, DL_ETEXT, "scaler text");
	if (st == DL_OK)
		st = dl_scaler_check_fitted(s, DL_ETEXT, "scaler text");
	if (st != DL_OK)
	{
		dl_free(s->center);
		memset(s, 0, sizeof(*s));
	}
	return st;
}

/* on failure *s is left as it was */
dl_status
dl_scaler_from_json(const char *text, dl_scaler *s)
{
	dl_json_doc *doc;
	dl_json_error err;
	parsed_scaler ps;
	dl_scaler	result;
	size_t		lead;
	dl_status	st;

	if (text == NULL)
		return text_error("empty input");
	/* the text is one object: say so before reading anything in it */
	lead = strspn(text, " \t\n\r");
	if (text[lead] == '\0')
		return text_error("empty input");
	if (text[lead] != '{')
		return text_error("expected '{' at character %d", (int) lead + 1);
	/* no bound on the length: SCALER_MAX_VALUES bounds the memory */
	memset(&ps, 0, sizeof(ps));
	if (dl_json_parse_quiet(text, SIZE_MAX, SCALER_MAX_VALUES, &doc, &err) != DL_OK)
	{
		/* what comes before the problem in the text is reported first */
		st = doc ? read_members(dl_json_root(doc), &ps) : DL_OK;
		dl_json_free(doc);
		return st != DL_OK ? st : syntax_error(text, &err);
	}

	memset(&result, 0, sizeof(result));
	st = read_members(dl_json_root(doc), &ps);
	if (st == DL_OK)
		st = build_scaler(&ps, &result);
	dl_json_free(doc);
	if (st == DL_OK)
		*s = result;
	return st;
}
