/*-------------------------------------------------------------------------
 *
 * options.c
 *	  The jsonb "options" argument of every pgdl function that takes one:
 *	  walked into the engine's JSON tree, validated against the function's
 *	  schema (src/core/options.c), and written back as text by the engine's
 *	  one JSON writer for the models that keep it.
 *
 * The walk reads the jsonb value with JsonbIterator into dl_json nodes in
 * the current memory context; there is no round trip through text, so the
 * validator sees exactly the jsonb value: its numbers as numeric_out
 * prints them, its keys unique and in jsonb's order.  The text a model
 * stores comes from dl_json_write, which prints the tree as jsonb's own
 * output function does.
 *
 * src/pg/options.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>
#include <stdlib.h>

#include "access/detoast.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "options.h"

static void walk_value(JsonbIterator **it, JsonbIteratorToken tok, JsonbValue *v, int depth,
					   dl_json *out);

static void
walk_scalar(const JsonbValue *v, dl_json *out)
{
	switch (v->type)
	{
		case jbvNull:
			out->type = DL_JSON_NULL;
			break;
		case jbvBool:
			out->type = DL_JSON_BOOL;
			out->boolean = v->val.boolean;
			break;
		case jbvString:
			out->type = DL_JSON_STRING;
			out->str = pnstrdup(v->val.string.val, v->val.string.len);
			out->len = v->val.string.len;
			break;
		case jbvNumeric:
			out->str = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
			out->len = strlen(out->str);
			/* jsonb cannot hold NaN or infinity; to_jsonb makes them strings */
			if (numeric_is_nan(v->val.numeric) || numeric_is_inf(v->val.numeric))
				out->type = DL_JSON_STRING;
			else
			{
				out->type = DL_JSON_NUMBER;
				/* +-HUGE_VAL beyond double, which jsonb allows (see json.h) */
				out->number = strtod(out->str, NULL);
			}
			break;
		default:
			elog(ERROR, "pgdl: unexpected jsonb scalar type %d", (int) v->type);
	}
}

/* the value whose first token (tok, v) was just read */
static void
walk_value(JsonbIterator **it, JsonbIteratorToken tok, JsonbValue *v, int depth, dl_json *out)
{
	int			cap;
	int			n = 0;

	memset(out, 0, sizeof(*out));
	if (tok != WJB_BEGIN_ARRAY && tok != WJB_BEGIN_OBJECT)
	{
		walk_scalar(v, out);
		return;
	}
	/* the engine's trees are at most as deep as its text reader allows */
	if (depth >= DL_JSON_MAX_DEPTH)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("options nest arrays and objects more than %d deep", DL_JSON_MAX_DEPTH)));
	check_stack_depth();
	if (tok == WJB_BEGIN_ARRAY)
	{
		dl_json    *elems;

		cap = v->val.array.nElems;
		elems = palloc0(sizeof(dl_json) * Max(cap, 1));
		while ((tok = JsonbIteratorNext(it, v, false)) != WJB_END_ARRAY)
		{
			if (n >= cap)
				elog(ERROR, "pgdl: a jsonb array holds more elements than it says");
			walk_value(it, tok, v, depth + 1, &elems[n++]);
		}
		out->type = DL_JSON_ARRAY;
		out->elems = elems;
	}
	else
	{
		dl_json_member *members;

		cap = v->val.object.nPairs;
		members = palloc0(sizeof(dl_json_member) * Max(cap, 1));
		while ((tok = JsonbIteratorNext(it, v, false)) != WJB_END_OBJECT)
		{
			dl_json_member *m = &members[n];

			if (tok != WJB_KEY || n >= cap)
				elog(ERROR, "pgdl: unexpected jsonb object layout");
			m->key = pnstrdup(v->val.string.val, v->val.string.len);
			m->key_len = v->val.string.len;
			tok = JsonbIteratorNext(it, v, false);
			walk_value(it, tok, v, depth + 1, &m->value);
			n++;
		}
		out->type = DL_JSON_OBJECT;
		out->members = members;
	}
	out->n = n;
}

const dl_json *
pgdl_jsonb_tree(Datum jsonb)
{
	Jsonb	   *j = DatumGetJsonbP(jsonb);
	JsonbIterator *it = JsonbIteratorInit(&j->root);
	JsonbValue	v;
	JsonbIteratorToken tok = JsonbIteratorNext(&it, &v, false);
	dl_json    *root = palloc0(sizeof(dl_json));

	/* a scalar at the root is stored as an array of one, marked raw */
	if (tok == WJB_BEGIN_ARRAY && v.val.array.rawScalar)
	{
		tok = JsonbIteratorNext(&it, &v, false);
		walk_scalar(&v, root);
		return root;
	}
	walk_value(&it, tok, &v, 0, root);
	return root;
}

char *
pgdl_read_options(FunctionCallInfo fcinfo, int arg, const dl_option_schema *schema, void *out)
{
	const dl_json *root;
	dl_option_error err;
	dl_json		empty;

	if (PG_NARGS() <= arg || PG_ARGISNULL(arg))
	{
		memset(&empty, 0, sizeof(empty));
		empty.type = DL_JSON_OBJECT;
		root = &empty;
	}
	else
	{
		/* before anything is detoasted or walked (the tree is a multiple of the value) */
		Size		bytes = toast_raw_datum_size(PG_GETARG_DATUM(arg)) - VARHDRSZ;

		if (bytes > DL_OPTIONS_MAX_BYTES)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("options are %zu bytes of jsonb, more than the %d bytes pgdl reads",
							(size_t) bytes, DL_OPTIONS_MAX_BYTES)));
		root = pgdl_jsonb_tree(PG_GETARG_DATUM(arg));
	}
	/* a status other than DL_EINVAL (an invalid default) was raised already */
	if (dl_schema_read(schema, root, out, &err) != DL_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg_internal("%s", err.message),
				 err.detail[0] ? errdetail_internal("%s", err.detail) : 0,
				 err.hint[0] ? errhint("%s", err.hint) : 0));
	/* a model keeps the canonical names, whatever aliases were typed */
	return dl_json_write(dl_schema_canonical(schema, root));
}
