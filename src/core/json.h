/*-------------------------------------------------------------------------
 *
 * json.h
 *	  A small strict JSON reader into a read-only tree, and a growing text
 *	  buffer for writing JSON.  Private to the engine (not part of the
 *	  interface the glue sees).
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
	int			pos;			/* 1-based byte offset of the value in the text */
	bool		boolean;
	double		number;			/* finite */
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

#endif							/* PGDL_JSON_H */
