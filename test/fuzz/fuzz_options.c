/*-------------------------------------------------------------------------
 *
 * fuzz_options.c
 *	  libFuzzer harness for the option schemas and their validator
 *	  (dl_schema_read over every schema of src/core/options.c) and for
 *	  dl_json_write, which prints the options a model keeps.
 *
 * Each input is parsed as JSON once (from an exact-size NUL-terminated
 * copy); a tree is read against every schema.  The harness traps when a
 * property breaks: a refusal is DL_EINVAL with a message, nothing reported
 * and the options left byte for byte at the defaults; an acceptance holds
 * only values the schema's table allows (each checked from the table: the
 * range of a number, a name of an enum, the length of a string, the size
 * of a shape), and frees cleanly (ASan's leak check); its canonical form
 * (aliases and names in another case replaced, dl_schema_canonical) has
 * only the schema's keys and is accepted too; the tree prints as
 * text that parses back and prints the same.
 *
 * test/fuzz/fuzz_options.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

#define FUZZ_NAME "fuzz_options"
#include "fuzz_common.h"

#define AT(p, off, type) ((const type *) ((const char *) (p) + (off)))

typedef char **name_list;

static bool
in_range(double x, const dl_option *o)
{
	if ((o->open & DL_OPT_OPEN_LO) ? !(x > o->lo) : !(x >= o->lo))
		return false;
	return (o->open & DL_OPT_OPEN_HI) ? x < o->hi : x <= o->hi;
}

/* a value given for o, as stored in out, is one the table allows */
static bool
allowed(const dl_option *o, const void *out, const void *dflt)
{
	switch (o->type)
	{
		case DL_OPT_INT:
			/* or, without a default in the table, what init set (shuffle_buffer's 0: from the budget) */
			return (*AT(out, o->offset, int) >= o->lo && *AT(out, o->offset, int) <= o->hi) ||
				(o->dflt == NULL && *AT(out, o->offset, int) == *AT(dflt, o->offset, int));
		case DL_OPT_UINT64:
			return (double) *AT(out, o->offset, uint64_t) <= o->hi;
		case DL_OPT_DOUBLE:
			return isfinite(*AT(out, o->offset, double)) && in_range(*AT(out, o->offset, double), o);
		case DL_OPT_FLOAT:
			return isfinite(*AT(out, o->offset, float)) && in_range(*AT(out, o->offset, float), o);
		case DL_OPT_BOOL:
			return true;
		case DL_OPT_ENUM:
			for (int k = 0; k < o->n_names; k++)
				if (o->names[k].value == *AT(out, o->offset, int))
					return true;
			/* or the field kept what init set (a derived default) */
			return *AT(out, o->offset, int) == *AT(dflt, o->offset, int);
		case DL_OPT_STRING:
		case DL_OPT_LABEL:
			{
				const char *s = *AT(out, o->offset, char *);

				return s == NULL || (o->type == DL_OPT_LABEL ? strlen(s) <= o->hi
									 : strlen(s) >= o->lo && strlen(s) <= o->hi);
			}
		case DL_OPT_NAMES:
			{
				name_list	list = *AT(out, o->offset, name_list);
				int			n = *AT(out, o->count, int);

				if (n < 0 || (n > 0) != (list != NULL))
					return false;
				for (int i = 0; i < n; i++)
				{
					if (strlen(list[i]) < o->lo || strlen(list[i]) > o->hi)
						return false;
					for (int j = 0; j < i; j++)
						if (strcmp(list[i], list[j]) == 0)
							return false;
				}
				return true;
			}
		case DL_OPT_SHAPE:
			{
				const dl_shape *s = AT(out, o->offset, dl_shape);
				size_t		size = 1;

				if (s->ndim == 0)
					return true;
				if (s->ndim < 1 || s->ndim > DL_MAX_DIMS)
					return false;
				for (int i = 0; i < s->ndim; i++)
				{
					if (s->dim[i] < 1 || s->dim[i] > DL_MAX_UNITS)
						return false;
					size *= (size_t) s->dim[i];
				}
				return size <= DL_MAX_FEATURES;
			}
		case DL_OPT_OBJECTS:
			{
				const dl_option_entry *list = *AT(out, o->offset, dl_option_entry *);
				int			n = *AT(out, o->count, int);

				if (n < 0 || (n > 0) != (list != NULL))
					return false;
				/* each value passed its own schema: the same checks, one level down */
				for (int i = 0; i < n; i++)
				{
					if (strlen(list[i].name) < o->lo || strlen(list[i].name) > o->hi || list[i].value == NULL)
						return false;
					for (int k = 0; k < o->sub->n_options; k++)
						if (!allowed(&o->sub->options[k], list[i].value, list[i].value))
							return false;
				}
				return true;
			}
		case DL_OPT_MEMORY:
			return *AT(out, o->offset, int64_t) >= 0 && *AT(out, o->offset, int64_t) <= INT64_C(2147483647);
	}
	return false;
}

static void
fuzz_schema(const dl_option_schema *s, const dl_json *root)
{
	union
	{
		dl_options	a;
		dl_kmeans_sql_options b;
		dl_pca_sql_options c;
		dl_evaluate_sql_options d;
		dl_import_sql_options e;
	}			out, dflt;
	dl_option_error err;
	dl_status	st;

	if (s->size > sizeof(out))
		__builtin_trap();
	n_errors = 0;
	if (dl_schema_defaults(s, &dflt) != DL_OK)
		__builtin_trap();
	st = dl_schema_read(s, root, &out, &err);
	if (n_errors != 0)
		__builtin_trap();
	if (st != DL_OK)
	{
		if (st != DL_EINVAL || err.message[0] == '\0' || memcmp(&out, &dflt, s->size) != 0)
			__builtin_trap();
		return;
	}
	for (int k = 0; k < s->n_options; k++)
		if (!allowed(&s->options[k], &out, &dflt))
			__builtin_trap();
	dl_schema_free(s, &out);

	/* the text a model keeps: every key canonical, and read as accepted as before */
	{
		const dl_json *c = dl_schema_canonical(s, root);

		for (int i = 0; i < c->n; i++)
		{
			bool		known = false;

			for (int k = 0; k < s->n_options && !known; k++)
				known = strcmp(c->members[i].key, s->options[k].key) == 0 &&
					c->members[i].key_len == strlen(s->options[k].key);
			if (!known)
				__builtin_trap();
		}
		if (dl_schema_read(s, c, &out, &err) != DL_OK || n_errors != 0)
			__builtin_trap();
		dl_schema_free(s, &out);
		if (c != root)
		{
			dl_free((void *) c->members);
			dl_free((void *) c);
		}
	}
	if (memcmp(&out, &dflt, s->size) != 0)
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *text = malloc(size + 1);
	dl_json_doc *doc;

	install_hooks();
	memcpy(text, data, size);
	text[size] = '\0';
	n_errors = 0;
	if (dl_json_parse(text, DL_OPTIONS_MAX_BYTES, "options", &doc) == DL_OK)
	{
		const dl_json *root = dl_json_root(doc);
		char	   *printed = dl_json_write(root);
		dl_json_doc *again;
		char	   *reprinted;

		for (int i = 0; i < dl_n_option_schemas; i++)
			fuzz_schema(dl_option_schemas[i], root);

		/* the writer's text is JSON that prints the same */
		n_errors = 0;
		if (dl_json_parse(printed, SIZE_MAX, "printed", &again) != DL_OK)
			__builtin_trap();
		reprinted = dl_json_write(dl_json_root(again));
		if (strcmp(printed, reprinted) != 0)
			__builtin_trap();
		dl_free(reprinted);
		dl_json_free(again);
		dl_free(printed);
		dl_json_free(doc);
	}
	else if (n_errors != 1 || last_status != DL_ETEXT)
		__builtin_trap();
	free(text);
	return 0;
}
