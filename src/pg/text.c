/*-------------------------------------------------------------------------
 *
 * text.c
 *	  Text: pgdl.tokens, the pgdl.vocabulary aggregate and its types,
 *	  pgdl.tokenize and the vocabulary's accessors.
 *
 * The tokenizer and the vocabulary are the engine's (src/core/tokenize.c,
 * src/core/vocab.c); this file moves documents and values in and out.
 *
 * The aggregate's state is the concrete type pgdl.vocabulary_state, so
 * that parallel workers and Citus can ship partial states (as bytes, or as
 * the "pgdl:<hex>" text form every pgdl state has).  While it counts, the
 * state is an expanded object (utils/expandeddatum.h): the engine's hash
 * table lives in a memory context of its own under the aggregate's, and
 * the executor passes a read-write pointer to it from row to row instead
 * of copying it.  Wherever a flat value is needed (a tuple sent by a
 * worker, the output function), PostgreSQL flattens it through
 * state_flatten_into.  The final function turns it into a pgdl.vocabulary
 * value: the same byte format, marked final, in id order.
 *
 * src/pg/text.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "aggstate.h"
#include "options.h"
#include "pg_compat.h"
#include "pgdl.h"
#include "text.h"

PG_FUNCTION_INFO_V1(pgdl_tokens);
PG_FUNCTION_INFO_V1(pgdl_tokenize);
PG_FUNCTION_INFO_V1(pgdl_vocabulary_accum);
PG_FUNCTION_INFO_V1(pgdl_vocabulary_combine);
PG_FUNCTION_INFO_V1(pgdl_vocabulary_final);
PG_FUNCTION_INFO_V1(pgdl_vocabulary_in);
PG_FUNCTION_INFO_V1(pgdl_vocabulary_recv);
PG_FUNCTION_INFO_V1(pgdl_vocabulary_state_in);
PG_FUNCTION_INFO_V1(pgdl_vocabulary_state_recv);
PG_FUNCTION_INFO_V1(pgdl_vocabulary_out);
PG_FUNCTION_INFO_V1(pgdl_vocabulary_send);
PG_FUNCTION_INFO_V1(pgdl_vocabulary_tokens);
PG_FUNCTION_INFO_V1(pgdl_vocabulary_size);
PG_FUNCTION_INFO_V1(pgdl_vocabulary_info);

/* ---- documents ------------------------------------------------------------ */

const char *
pgdl_text_utf8(text *doc, size_t *len)
{
	const char *s = VARDATA_ANY(doc);
	int			n = VARSIZE_ANY_EXHDR(doc);
	int			enc = GetDatabaseEncoding();

	if (enc == PG_SQL_ASCII)
		(void) pg_verify_mbstr(PG_UTF8, s, n, false);
	else if (enc != PG_UTF8)
	{
		char	   *u = pg_server_to_any(s, n, PG_UTF8);

		if (u != s)
			n = strlen(u);
		s = u;
	}
	*len = (size_t) n;
	return s;
}

/* a token (UTF-8) as text in the database's encoding */
static text *
token_text(const char *tok, size_t len)
{
	int			enc = GetDatabaseEncoding();

	if (enc != PG_UTF8 && enc != PG_SQL_ASCII)
	{
		char	   *nul = pnstrdup(tok, len);
		char	   *s = pg_any_to_server(nul, (int) len, PG_UTF8);

		return cstring_to_text(s);
	}
	return cstring_to_text_with_len(tok, (int) len);
}

static void
read_text_options(FunctionCallInfo fcinfo, int arg, dl_text_options *o)
{
	(void) pgdl_read_options(fcinfo, arg, &dl_text_schema, o);
	dl_text_options_resolve(o);
}

/* ---- pgdl.tokens ---------------------------------------------------------- */

typedef struct token_list
{
	ArrayBuildState *astate;
	FunctionCallInfo fcinfo;
} token_list;

static bool
collect_token(void *arg, const char *tok, size_t len)
{
	token_list *l = arg;

	l->astate = accumArrayResult(l->astate, PointerGetDatum(token_text(tok, len)), false,
								 TEXTOID, CurrentMemoryContext);
	return true;
}

/*
 * pgdl.tokens(doc text, options jsonb DEFAULT '{}') → text[]: what the
 * tokenizer makes of a document, as pgdl.vocabulary sees it.
 */
Datum
pgdl_tokens(PG_FUNCTION_ARGS)
{
	text	   *doc = PG_GETARG_TEXT_PP(0);
	dl_text_options o;
	token_list	l = {NULL, fcinfo};
	const char *s;
	size_t		len;

	read_text_options(fcinfo, 1, &o);
	s = pgdl_text_utf8(doc, &len);
	pgdl_check_status(dl_tokenize(&o, s, len, collect_token, &l));
	if (l.astate == NULL)
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(TEXTOID));
	PG_RETURN_DATUM(makeArrayResult(l.astate, CurrentMemoryContext));
}

/* ---- the state: an expanded object ---------------------------------------- */

typedef struct VocabState
{
	ExpandedObjectHeader hdr;
	dl_vocab   *v;
	Jsonb	   *options;		/* the first row's options (NULL: none) */
} VocabState;

static Size
state_get_flat_size(ExpandedObjectHeader *eohptr)
{
	VocabState *st = (VocabState *) eohptr;
	Size		n = dl_vocab_bytes(st->v);

	if (n > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("vocabulary of %zu bytes exceeds the 1GB limit of a value", (size_t) n)));
	return n + VARHDRSZ;
}

static void
state_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	VocabState *st = (VocabState *) eohptr;

	SET_VARSIZE(result, allocated_size);
	dl_vocab_write(st->v, VARDATA(result));
}

static const ExpandedObjectMethods state_methods = {
	state_get_flat_size,
	state_flatten_into
};

/* an empty state in a context of its own under parent */
static VocabState *
state_new(MemoryContext parent)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "pgdl vocabulary state", ALLOCSET_DEFAULT_SIZES);
	VocabState *st = MemoryContextAllocZero(cxt, sizeof(VocabState));

	EOH_init_header(&st->hdr, &state_methods, cxt);
	return st;
}

/* the engine's vocabulary in bytes, with the value's name for errors */
static dl_vocab *
read_bytes(const char *data, size_t n, bool final, const char *what)
{
	dl_vocab   *v;
	dl_detail	why;
	dl_status	st = dl_vocab_read(data, n, &v, &why);
	dl_vocab_info info;

	if (st != DL_OK)
		ereport(ERROR,
				(errcode(pgdl_sqlstate(st)),
				 errmsg("invalid %s", what),
				 errdetail("%c%s.", pg_toupper((unsigned char) why.text[0]), why.text + 1),
				 st == DL_EVERSION ?
				 errhint("The value was written by a newer pgdl; upgrade the extension to read it.") : 0));
	dl_vocab_get_info(v, &info);
	if (info.final != final)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid %s", what),
				 errdetail(final ? "The value is a vocabulary's aggregate state, not a final vocabulary."
						   : "The value is a final vocabulary, not an aggregate state.")));
	return v;
}

/*
 * The state in datum d.  To update (modify): this aggregate's own read-write
 * object in place, else a new object read from the value's bytes.  To read
 * only: any expanded object of ours as it is.  *fresh says whether a new
 * object was made (in a context under aggcontext).
 */
static VocabState *
state_get(Datum d, MemoryContext aggcontext, bool modify, bool *fresh)
{
	VocabState *st;
	struct varlena *flat;
	MemoryContext old;

	*fresh = false;
	if (VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
	{
		st = (VocabState *) DatumGetEOHP(d);
		if (st->hdr.eoh_methods != &state_methods)
			elog(ERROR, "pgdl vocabulary state expected");
		if (!modify || (VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(d)) &&
						MemoryContextGetParent(st->hdr.eoh_context) == aggcontext))
			return st;
	}
	flat = PG_DETOAST_DATUM(d);
	st = state_new(aggcontext);
	old = MemoryContextSwitchTo(st->hdr.eoh_context);
	st->v = read_bytes(VARDATA(flat), VARSIZE(flat) - VARHDRSZ, false, "pgdl vocabulary state");
	MemoryContextSwitchTo(old);
	*fresh = true;
	return st;
}

/* options are read once: a row whose options differ from the first's is 22023 */
static void
check_row_options(FunctionCallInfo fcinfo, VocabState *st, int arg)
{
	Jsonb	   *j;
	dl_text_options o;
	dl_vocab_info info;

	if (PG_NARGS() <= arg || PG_ARGISNULL(arg))
		j = NULL;
	else
		j = PG_GETARG_JSONB_P(arg);
	if (j == NULL && st->options == NULL)
		return;
	if (j != NULL && st->options != NULL && VARSIZE(j) == VARSIZE(st->options) &&
		memcmp(j, st->options, VARSIZE(j)) == 0)
		return;
	read_text_options(fcinfo, arg, &o);
	dl_vocab_get_info(st->v, &info);
	if (!dl_text_options_equal(&o, &info.options))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the options of pgdl.vocabulary must be the same in every row")));
}

/*
 * pgdl.vocabulary_accum(state, doc [, options]): counts one document.  A
 * NULL document is skipped.
 */
Datum
pgdl_vocabulary_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = pgdl_agg_context(fcinfo, "pgdl.vocabulary_accum");
	VocabState *st;
	MemoryContext old;
	const char *s;
	size_t		len;
	bool		fresh;

	if (PG_ARGISNULL(0))
	{
		dl_text_options o;

		if (PG_ARGISNULL(1))
			PG_RETURN_NULL();
		read_text_options(fcinfo, 2, &o);
		st = state_new(aggcontext);
		old = MemoryContextSwitchTo(st->hdr.eoh_context);
		pgdl_check_status(dl_vocab_create(&o, &st->v));
		if (PG_NARGS() > 2 && !PG_ARGISNULL(2))
			st->options = (Jsonb *) PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(2));
		MemoryContextSwitchTo(old);
	}
	else
	{
		st = state_get(PG_GETARG_DATUM(0), aggcontext, true, &fresh);
		if (PG_ARGISNULL(1))
			PG_RETURN_DATUM(EOHPGetRWDatum(&st->hdr));
	}
	check_row_options(fcinfo, st, 2);
	s = pgdl_text_utf8(PG_GETARG_TEXT_PP(1), &len);
	old = MemoryContextSwitchTo(st->hdr.eoh_context);
	pgdl_check_status(dl_vocab_add_document(st->v, s, len));
	MemoryContextSwitchTo(old);
	PG_RETURN_DATUM(EOHPGetRWDatum(&st->hdr));
}

/*
 * pgdl.vocabulary_combine(a, b): adds b's counts to a's.  a is updated in
 * place when it is this aggregate's own expanded state; b (from a worker or
 * another node, flat) is validated as it is read.
 */
Datum
pgdl_vocabulary_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = pgdl_agg_context(fcinfo, "pgdl.vocabulary_combine");
	VocabState *a,
			   *b;
	MemoryContext old;
	bool		a_fresh,
				b_fresh;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		a = state_get(PG_GETARG_DATUM(0), aggcontext, true, &a_fresh);
		PG_RETURN_DATUM(EOHPGetRWDatum(&a->hdr));
	}
	if (PG_ARGISNULL(0))
	{
		/* a copy of b becomes the state */
		b = state_get(PG_GETARG_DATUM(1), aggcontext, true, &b_fresh);
		if (b_fresh)
			PG_RETURN_DATUM(EOHPGetRWDatum(&b->hdr));
		b = state_get(PG_GETARG_DATUM(1), aggcontext, false, &b_fresh);
		a = state_new(aggcontext);
		old = MemoryContextSwitchTo(a->hdr.eoh_context);
		{
			dl_vocab_info info;

			dl_vocab_get_info(b->v, &info);
			pgdl_check_status(dl_vocab_create(&info.options, &a->v));
		}
		MemoryContextSwitchTo(old);
	}
	else
		a = state_get(PG_GETARG_DATUM(0), aggcontext, true, &a_fresh);
	b = state_get(PG_GETARG_DATUM(1), aggcontext, false, &b_fresh);
	old = MemoryContextSwitchTo(a->hdr.eoh_context);
	pgdl_check_status(dl_vocab_merge(a->v, b->v));
	MemoryContextSwitchTo(old);
	/* a copy read from b's bytes only served this merge */
	if (b_fresh)
		MemoryContextDelete(b->hdr.eoh_context);
	PG_RETURN_DATUM(EOHPGetRWDatum(&a->hdr));
}

/* a flat varlena of an engine vocabulary, in the current context */
static struct varlena *
vocab_to_varlena(const dl_vocab *v)
{
	size_t		n = dl_vocab_bytes(v);
	struct varlena *out;

	if (n > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("vocabulary of %zu bytes exceeds the 1GB limit of a value", n)));
	out = palloc(n + VARHDRSZ);
	SET_VARSIZE(out, n + VARHDRSZ);
	dl_vocab_write(v, VARDATA(out));
	return out;
}

/* pgdl.vocabulary_final(state) → pgdl.vocabulary */
Datum
pgdl_vocabulary_final(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = pgdl_agg_context(fcinfo, "pgdl.vocabulary_final");
	VocabState *st;
	dl_vocab   *v;
	bool		fresh;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = state_get(PG_GETARG_DATUM(0), aggcontext, false, &fresh);
	pgdl_check_status(dl_vocab_finalize(st->v, &v));
	if (fresh)
		MemoryContextDelete(st->hdr.eoh_context);
	PG_RETURN_POINTER(vocab_to_varlena(v));
}

/* ---- the types' I/O ------------------------------------------------------- */

static Datum
vocab_from_bytes(const char *data, size_t n, bool final)
{
	struct varlena *out;

	(void) read_bytes(data, n, final, final ? "pgdl vocabulary" : "pgdl vocabulary state");
	out = palloc(n + VARHDRSZ);
	SET_VARSIZE(out, n + VARHDRSZ);
	memcpy(VARDATA(out), data, n);
	PG_RETURN_POINTER(out);
}

static Datum
vocab_in(FunctionCallInfo fcinfo, bool final)
{
	size_t		n;
	char	   *bytes = pgdl_state_text_decode(PG_GETARG_CSTRING(0), &n);

	return vocab_from_bytes(bytes, n, final);
}

static Datum
vocab_recv(FunctionCallInfo fcinfo, bool final)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			len = buf->len - buf->cursor;

	return vocab_from_bytes(pq_getmsgbytes(buf, len), len, final);
}

Datum
pgdl_vocabulary_in(PG_FUNCTION_ARGS)
{
	return vocab_in(fcinfo, true);
}

Datum
pgdl_vocabulary_state_in(PG_FUNCTION_ARGS)
{
	return vocab_in(fcinfo, false);
}

Datum
pgdl_vocabulary_recv(PG_FUNCTION_ARGS)
{
	return vocab_recv(fcinfo, true);
}

Datum
pgdl_vocabulary_state_recv(PG_FUNCTION_ARGS)
{
	return vocab_recv(fcinfo, false);
}

/* shared by both types; a state in an expanded object is flattened by the detoast */
Datum
pgdl_vocabulary_out(PG_FUNCTION_ARGS)
{
	struct varlena *v = PG_DETOAST_DATUM(PG_GETARG_DATUM(0));

	PG_RETURN_CSTRING(pgdl_state_text_encode(VARDATA(v), VARSIZE(v) - VARHDRSZ));
}

Datum
pgdl_vocabulary_send(PG_FUNCTION_ARGS)
{
	struct varlena *v = PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, VARDATA(v), VARSIZE(v) - VARHDRSZ);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

dl_vocab *
pgdl_vocabulary_read(Datum value)
{
	struct varlena *v = PG_DETOAST_DATUM(value);

	return read_bytes(VARDATA(v), VARSIZE(v) - VARHDRSZ, true, "pgdl vocabulary");
}

/* ---- pgdl.tokenize -------------------------------------------------------- */

/*
 * The vocabulary of the last call, kept for the statement: a toasted value
 * is known by its toast pointer, any other by its bytes, so that a table's
 * vocabulary is read and indexed once, not once per row.
 */
typedef struct VocabCache
{
	MemoryContext cxt;
	char	   *key;
	Size		keylen;
	dl_vocab   *v;
} VocabCache;

static const dl_vocab *
cached_vocabulary(FunctionCallInfo fcinfo, Datum value)
{
	VocabCache *c = fcinfo->flinfo->fn_extra;
	struct varlena *raw = (struct varlena *) DatumGetPointer(value);
	struct varlena *keyv = raw;
	MemoryContext old;

	if (VARATT_IS_EXTERNAL(raw) && !VARATT_IS_EXTERNAL_ONDISK(raw))
		keyv = PG_DETOAST_DATUM(value);
	if (c == NULL)
	{
		c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(VocabCache));
		c->cxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt, "pgdl vocabulary cache",
									   ALLOCSET_DEFAULT_SIZES);
		fcinfo->flinfo->fn_extra = c;
	}
	else if (c->v != NULL && c->keylen == VARSIZE_ANY(keyv) && memcmp(c->key, keyv, c->keylen) == 0)
		return c->v;
	MemoryContextReset(c->cxt);
	c->v = NULL;
	old = MemoryContextSwitchTo(c->cxt);
	c->keylen = VARSIZE_ANY(keyv);
	c->key = palloc(c->keylen);
	memcpy(c->key, keyv, c->keylen);
	c->v = pgdl_vocabulary_read(value);
	MemoryContextSwitchTo(old);
	return c->v;
}

typedef struct id_list
{
	const dl_vocab *v;
	int32	   *ids;
	size_t		n;
	size_t		cap;
	size_t		limit;			/* stop here; 0: none */
} id_list;

static bool
collect_id(void *arg, const char *tok, size_t len)
{
	id_list    *l = arg;

	if (l->n == l->cap)
	{
		if (l->cap >= MaxArraySize / 2)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("a document has too many tokens for an array")));
		l->cap *= 2;
		l->ids = repalloc_huge(l->ids, l->cap * sizeof(int32));
	}
	l->ids[l->n++] = dl_vocab_id(l->v, tok, len);
	return l->limit == 0 || l->n < l->limit;
}

/* a one-dimensional int4[] of n (>= 1) ids, built in place */
static ArrayType *
int4_array(const int32 *ids, size_t n)
{
	Size		size = ARR_OVERHEAD_NONULLS(1) + n * sizeof(int32);
	ArrayType  *r;

	if (n > MaxArraySize || !AllocSizeIsValid(size))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a document has too many tokens for an array")));
	r = palloc0(size);
	SET_VARSIZE(r, size);
	r->ndim = 1;
	r->dataoffset = 0;
	r->elemtype = INT4OID;
	ARR_DIMS(r)[0] = (int) n;
	ARR_LBOUND(r)[0] = 1;
	memcpy(ARR_DATA_PTR(r), ids, n * sizeof(int32));
	return r;
}

/*
 * pgdl.tokenize(v, doc, max_length DEFAULT NULL) → int4[]: the ids of a
 * document's tokens (1 for a token not in the vocabulary).  With
 * max_length, the first max_length tokens, padded with 0 at the end.
 */
Datum
pgdl_tokenize(PG_FUNCTION_ARGS)
{
	const dl_vocab *v;
	dl_vocab_info info;
	id_list		l;
	const char *s;
	size_t		len;
	int			max_length = 0;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("vocabulary must not be NULL")));
	if (!PG_ARGISNULL(2))
	{
		max_length = PG_GETARG_INT32(2);
		if (max_length < 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("max_length must be at least 1, got %d", max_length)));
		if ((Size) max_length > MaxArraySize)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("max_length %d is more than an array holds (%d)", max_length, (int) MaxArraySize)));
	}
	if (PG_ARGISNULL(1))
		PG_RETURN_NULL();
	v = cached_vocabulary(fcinfo, PG_GETARG_DATUM(0));
	dl_vocab_get_info(v, &info);
	s = pgdl_text_utf8(PG_GETARG_TEXT_PP(1), &len);
	l.v = v;
	l.limit = (size_t) max_length;
	l.cap = max_length > 0 ? (size_t) max_length : 64;
	l.ids = palloc_extended(l.cap * sizeof(int32), MCXT_ALLOC_HUGE);
	l.n = 0;
	pgdl_check_status(dl_tokenize(&info.options, s, len, collect_id, &l));
	while (l.n < l.limit)
		l.ids[l.n++] = 0;
	if (l.n == 0)
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(INT4OID));
	PG_RETURN_ARRAYTYPE_P(int4_array(l.ids, l.n));
}

/* ---- accessors ------------------------------------------------------------ */

/*
 * pgdl.vocabulary_tokens(v) → SETOF pgdl.vocabulary_token: id, token,
 * count and documents of every token, in id order.
 */
Datum
pgdl_vocabulary_tokens(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	dl_vocab   *v = pgdl_vocabulary_read(PG_GETARG_DATUM(0));
	dl_vocab_info info;

	InitMaterializedSRF(fcinfo, 0);
	dl_vocab_get_info(v, &info);
	for (size_t i = 0; i < info.ntokens; i++)
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};
		const char *tok;
		size_t		len;
		uint64_t	count,
					docs;

		dl_vocab_token(v, i, &tok, &len, &count, &docs);
		values[0] = Int32GetDatum((int32) (i + 2));
		values[1] = PointerGetDatum(token_text(tok, len));
		values[2] = Int64GetDatum((int64) count);
		values[3] = Int64GetDatum((int64) docs);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		if ((i & 0xFFF) == 0xFFF)
			CHECK_FOR_INTERRUPTS();
	}
	dl_vocab_free(v);
	PG_RETURN_NULL();
}

/*
 * pgdl.vocabulary_size(v) → int: the number of ids pgdl.tokenize can
 * return, 2 + tokens + oov_buckets (an embedding's input_dim).
 */
Datum
pgdl_vocabulary_size(PG_FUNCTION_ARGS)
{
	dl_vocab   *v = pgdl_vocabulary_read(PG_GETARG_DATUM(0));
	int64_t		n = dl_vocab_id_count(v);

	dl_vocab_free(v);
	PG_RETURN_INT32((int32) n);
}

/*
 * pgdl.vocabulary_info(v) → jsonb: its counts, error bound and options
 * ({"tokens", "documents", "error", "ids", "tokenizer", "lowercase",
 * "ngrams", "min_count", "max_size", "oov_buckets"}).
 */
Datum
pgdl_vocabulary_info(PG_FUNCTION_ARGS)
{
	dl_vocab   *v = pgdl_vocabulary_read(PG_GETARG_DATUM(0));
	dl_vocab_info info;
	StringInfoData buf;

	dl_vocab_get_info(v, &info);
	initStringInfo(&buf);
	appendStringInfo(&buf,
					 "{\"tokens\": %zu, \"documents\": " UINT64_FORMAT ", \"error\": " UINT64_FORMAT
					 ", \"ids\": " INT64_FORMAT ", \"tokenizer\": \"%s\", \"lowercase\": %s, \"ngrams\": %d"
					 ", \"min_count\": %d, \"max_size\": ",
					 info.ntokens, info.documents, info.error, (int64) dl_vocab_id_count(v),
					 info.options.tokenizer == DL_TOKENIZER_CHAR ? "char" : "word",
					 info.options.lowercase ? "true" : "false", info.options.ngrams, info.options.min_count);
	if (info.options.max_size > 0)
		appendStringInfo(&buf, "%d", info.options.max_size);
	else
		appendStringInfoString(&buf, "null");
	appendStringInfo(&buf, ", \"oov_buckets\": %d}", info.options.oov_buckets);
	dl_vocab_free(v);
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}
