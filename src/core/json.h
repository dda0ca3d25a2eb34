/*-------------------------------------------------------------------------
 *
 * json.h
 *	  A small strict JSON reader into a read-only tree, a growing text
 *	  buffer for writing JSON, and the writer of a tree.  The glue sees the
 *	  tree too: it walks a jsonb value into one (src/pg/options.c) so that
 *	  options reach the engine's validator without a round trip through
 *	  text.
 *
 * Usage:
 *
 *		dl_json_doc *doc;
 *		if (dl_json_parse(text, 1 << 20, "options", &doc) != DL_OK)
 *			return status;						-- DL_ETEXT, already reported
 *		const dl_json *root = dl_json_root(doc);
 *		const dl_json *v = dl_json_get(root, "epochs");	-- NULL when absent
 *		int64_t		epochs;
 *		if (v && dl_json_integer(v, &epochs)) ...
 *		dl_json_free(doc);						-- every node at once
 *
 * src/core/json.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_JSON_H
#define PGDL_JSON_H

#include "pgdl_core.h"

#define DL_JSON_MAX_DEPTH 64	/* nested arrays and objects */

typedef enum dl_json_type
{
	DL_JSON_NULL,
	DL_JSON_BOOL,
	DL_JSON_NUMBER,
	DL_JSON_STRING,
	DL_JSON_ARRAY,
	DL_JSON_OBJECT
} dl_json_type;

typedef struct dl_json dl_json;
typedef struct dl_json_member dl_json_member;

struct dl_json
{
	dl_json_type type;
	int			pos;			/* 1-based byte offset of the value in the text; 0 from jsonb */
	bool		boolean;

	/*
	 * Finite when read from text; a tree walked from jsonb, whose numerics
	 * have no such bound, holds +-HUGE_VAL for a literal beyond double.
	 */
	double		number;
	/* string: the decoded bytes; number: the literal as written */
	const char *str;			/* NUL-terminated */
	size_t		len;			/* bytes of str: a decoded \u0000 may be inside */
	int			n;				/* elements or members */
	const dl_json *elems;		/* array */
	const dl_json_member *members;	/* object, in the order of the text */
};

struct dl_json_member
{
	const char *key;			/* decoded, NUL-terminated */
	size_t		key_len;
	dl_json		value;
};

typedef struct dl_json_doc dl_json_doc;

/*
 * Parses NUL-terminated text of at most max_bytes bytes: exactly one value
 * and white space around it.  Malformed text (including duplicate keys, a
 * number beyond double, nesting deeper than DL_JSON_MAX_DEPTH) is DL_ETEXT,
 * "<what>: invalid JSON at character N: ...".
 */
extern dl_status dl_json_parse(const char *text, size_t max_bytes, const char *what,
							   dl_json_doc **doc);

/* why a text is malformed, for a caller that words its own messages */
typedef enum dl_json_fault
{
	DL_JSON_BAD_SYNTAX,			/* any problem not named below */
	DL_JSON_EMPTY,				/* no text, or only white space */
	DL_JSON_TOO_BIG,			/* more than max_bytes or max_values */
	DL_JSON_ENDS_EARLY,			/* the text ends inside a value (not in a string) */
	DL_JSON_EXPECTED_VALUE,		/* something else stands where a value must */
	DL_JSON_LEADING_ZERO,		/* 01 */
	DL_JSON_BAD_UNICODE_ESCAPE, /* \u not followed by four hex digits */
	DL_JSON_LONE_SURROGATE,		/* a \u escape of half a UTF-16 pair */
	DL_JSON_TRAILING,			/* text after the value */
	DL_JSON_DUPLICATE_KEY
} dl_json_fault;

#define DL_JSON_KEY_SHOWN 72

typedef struct dl_json_error
{
	dl_json_fault fault;
	int			pos;			/* 1-based byte of the problem; 0: the whole text */
	char		message[256];	/* e.g. "expected a value, found ']'" */

	/*
	 * Where, when the root is an object: key (printable, "" outside) is the
	 * root member being read, from its key to the ',' or '}' after its
	 * value; element (0 outside) the 1-based element of that member's array
	 * value being read; depth the arrays and objects open at the problem.
	 */
	char		key[DL_JSON_KEY_SHOWN];
	int			element;
	int			depth;
} dl_json_error;

/*
 * dl_json_parse without the report, for a caller that words the message
 * itself from *err: DL_OK, or DL_ETEXT with nothing reported.  Then *doc
 * is NULL, except that a root object is kept with the members whose values
 * were read before the problem (all of them when it is a duplicate key or
 * text after the object; they may hold a duplicate), so the caller can put
 * its own checks of those first; free it.  max_values > 0 bounds the values
 * in the tree (the root, every member value and every array element), so
 * that the memory a text takes is bounded whatever its length.
 */
extern dl_status dl_json_parse_quiet(const char *text, size_t max_bytes, int max_values,
									 dl_json_doc **doc, dl_json_error *err);
extern const dl_json *dl_json_root(const dl_json_doc *doc);
extern void dl_json_free(dl_json_doc *doc);

/* the value of key in an object, NULL when absent (or obj is not an object) */
extern const dl_json *dl_json_get(const dl_json *obj, const char *key);
/*
 * An integral number: the literal is read exactly (so 2^53 + 1 is not
 * rounded), "10.0" counts as 10; false for fractions, non-numbers and
 * values beyond int64.
 */
extern bool dl_json_integer(const dl_json *v, int64_t *out);
/* true when a string value holds no decoded NUL (so it can be a C string) */
extern bool dl_json_plain_string(const dl_json *v);
/* for messages: a number's literal, a quoted string, true, an array, ... */
extern const char *dl_json_describe(const dl_json *v, char *buf, size_t size);
/* bytes shown in a message: printable ASCII, others as '?', cut with "..." */
extern const char *dl_json_printable(const char *s, size_t len, char *buf, size_t size);

/* ---- writing ---- */
typedef struct dl_json_buf
{
	char	   *data;			/* NUL-terminated, dl_alloc'd */
	size_t		len;
	size_t		cap;
} dl_json_buf;

extern void dl_json_buf_init(dl_json_buf *b);
extern void dl_json_buf_append(dl_json_buf *b, const char *s, size_t n);
extern void dl_json_buf_puts(dl_json_buf *b, const char *s);
extern void dl_json_buf_int(dl_json_buf *b, int64_t v);
/* a quoted JSON string, escaped */
extern void dl_json_buf_string(dl_json_buf *b, const char *s, size_t len);
/* the shortest decimal that reads back as the same float; null when not finite */
extern void dl_json_buf_float(dl_json_buf *b, float f);

/*
 * A tree as text, in the layout PostgreSQL prints a jsonb value with
 * ({"a": 1, "b": [true, null]}; numbers as their literal, strings escaped
 * as PostgreSQL escapes them), so that a tree walked from a jsonb value
 * prints as that value does.  Returns the dl_alloc'd text.
 */
extern char *dl_json_write(const dl_json *v);

#endif							/* PGDL_JSON_H */
