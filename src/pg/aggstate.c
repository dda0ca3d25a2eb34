/*-------------------------------------------------------------------------
 *
 * aggstate.c
 *	  The pgdl.aggstate varlena: allocation, growth, merging and I/O.
 *
 * The layout, the sections and the validation of a state are the core's
 * (src/core/aggstate.c); this file turns what the validator finds into an
 * error.  The text form is "pgdl:" followed by the hex of the binary form,
 * which round-trips every bit (Citus ships partial states between nodes as
 * text).  The binary form is the in-memory layout, little-endian; a state
 * from a machine of the other byte order fails the magic check.
 *
 * src/pg/aggstate.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>
#include <math.h>

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "aggstate.h"
#include "pg_compat.h"
#include "pgdl.h"

PG_FUNCTION_INFO_V1(pgdl_aggstate_in);
PG_FUNCTION_INFO_V1(pgdl_aggstate_out);
PG_FUNCTION_INFO_V1(pgdl_aggstate_recv);
PG_FUNCTION_INFO_V1(pgdl_aggstate_send);
PG_FUNCTION_INFO_V1(pgdl_aggstate_combine);
PG_FUNCTION_INFO_V1(pgdl_sketch_in);
PG_FUNCTION_INFO_V1(pgdl_sketch_recv);

#define STATE_TEXT_PREFIX "pgdl:"

/* a state must fit in one value (1GB) */
static void
check_state_size(Size size)
{
	if (size > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("aggregate state of %zu bytes exceeds the 1GB limit of a value", size),
				 errhint("Fewer columns per call keep each state smaller.")));
}

PgdlAggState *
pgdl_state_alloc(PgdlLayout layout, PgdlPurpose purpose, int flags, int dim, size_t nslots)
{
	Size		size = PGDL_STATE_HDRSZ + nslots * sizeof(double);
	PgdlAggState *s;

	check_state_size(nslots > MaxAllocSize / sizeof(double) ? MaxAllocSize + 1 : size);
	s = palloc0(size);
	SET_VARSIZE(s, size);
	s->magic = PGDL_STATE_MAGIC;
	s->version = PGDL_STATE_VERSION;
	s->layout = layout;
	s->purpose = purpose;
	s->flags = flags;
	s->dim = dim;
	return s;
}

void
pgdl_columns_init(PgdlAggState *s)
{
	if (s->flags & PGDL_HAS_MOMENTS)
	{
		dl_moments_soa v;

		dl_moments_soa_init(&v, PGDL_STATE_SLOTS(s), s->dim);
	}
	if (s->flags & PGDL_HAS_SKETCHES)
	{
		dl_sketch  *sk = pgdl_state_first_sketch(s);

		for (int i = 0; i < s->dim; i++)
		{
			dl_sketch_init(sk);
			sk = pgdl_state_next_sketch(sk);
		}
	}
}

/*
 * A copy of s in which sketch i occupies newbytes[i] bytes (0: as it is).
 * However many sketches grow, the state is copied once: with hundreds of
 * columns a copy per sketch would cost the state's size times the number of
 * columns, in memory as well as time.
 */
static PgdlAggState *
relayout_sketches(PgdlAggState *s, const size_t *newbytes)
{
	dl_sketch  *old = pgdl_state_first_sketch(s);
	size_t		before = (char *) old - (char *) s;
	Size		size = VARSIZE(s);
	PgdlAggState *n;
	char	   *dst;

	for (int i = 0; i < s->dim; i++, old = pgdl_state_next_sketch(old))
		if (newbytes[i] != 0)
			size += newbytes[i] - dl_sketch_bytes(old);
	check_state_size(size);
	n = palloc(size);
	memcpy(n, s, before);
	dst = (char *) n + before;
	old = pgdl_state_first_sketch(s);
	for (int i = 0; i < s->dim; i++, old = pgdl_state_next_sketch(old))
	{
		size_t		bytes = newbytes[i] ? newbytes[i] : dl_sketch_bytes(old);

		if (newbytes[i])
			dl_sketch_move((dl_sketch *) dst, old, bytes);
		else
			memcpy(dst, old, bytes);
		dst += bytes;
	}
	SET_VARSIZE(n, size);
	return n;
}

/*
 * A copy of s in which every sketch from column `from` on that is full (and
 * gets a value in this row) has room for more.  Columns fill at the same
 * pace, so when one sketch is full the others usually are too.
 */
static PgdlAggState *
grow_full_sketches(PgdlAggState *s, int from, const bool *isnull)
{
	size_t	   *newbytes = palloc0(sizeof(size_t) * s->dim);
	dl_sketch  *sk = pgdl_state_first_sketch(s);

	for (int i = 0; i < s->dim; i++, sk = pgdl_state_next_sketch(sk))
		if (i >= from && !(isnull && isnull[i]))
			newbytes[i] = dl_sketch_grow_bytes(sk);
	s = relayout_sketches(s, newbytes);
	pfree(newbytes);
	return s;
}

/*
 * Adds one row to the d sketches of s (NULL elements skipped), growing the
 * full ones on the way; returns s or a grown copy.
 */
PgdlAggState *
pgdl_state_sketches_add(PgdlAggState *s, const double *x, const bool *isnull)
{
	dl_sketch  *sk = pgdl_state_first_sketch(s);

	for (int i = 0; i < s->dim; i++)
	{
		if (!(isnull && isnull[i]))
		{
			if (unlikely(dl_sketch_grow_bytes(sk) != 0))
			{
				s = grow_full_sketches(s, i, isnull);
				sk = pgdl_state_sketch(s, i);
			}
			pgdl_check_status(dl_sketch_add(sk, x[i]));
		}
		sk = pgdl_state_next_sketch(sk);
	}
	return s;
}

void
pgdl_state_expect(const PgdlAggState *s, PgdlPurpose purpose, int dim)
{
	if (s->purpose != purpose || (dim >= 0 && s->dim != dim))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("pgdl aggregate state is not of the kind this function takes"),
				 errdetail("The state was built by another pgdl aggregate, or for another number of variables.")));
}

PgdlAggState *
pgdl_final_state(FunctionCallInfo fcinfo, PgdlPurpose purpose, int dim)
{
	PgdlAggState *s = PG_GETARG_PGDL_AGGSTATE(0);

	/* called directly from SQL, its argument can be anything: check it all */
	if (!AggCheckCallContext(fcinfo, NULL))
		pgdl_state_validate(s, VARSIZE(s));
	pgdl_state_expect(s, purpose, dim);
	return s;
}

void
pgdl_moments_get_checked(const dl_moments_soa *v, int i, dl_moments *out)
{
	dl_moments_soa_get(v, i, out);
	if (dl_moments_overflowed(out))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value out of range: overflow"),
				 errdetail("The sum of squared deviations of element %d overflows float8.", i + 1)));
}

/* the detail of an error: the core's phrase as a sentence */
static char *
sentence(const char *phrase)
{
	char	   *out = psprintf("%s.", phrase);

	out[0] = pg_toupper((unsigned char) out[0]);
	return out;
}

void
pgdl_state_validate(const PgdlAggState *s, size_t nbytes)
{
	dl_detail	why;
	dl_status	st = dl_aggstate_check(s, nbytes, &why);

	if (st == DL_OK)
		return;
	if (st == DL_EVERSION)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg_internal("%s", why.text),
				 errhint("Upgrade the pgdl extension on this server.")));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid pgdl aggregate state"),
			 errdetail_internal("%s", sentence(why.text))));
}

/* the merged result must have the same shape and constants */
static void
check_compatible(const PgdlAggState *a, const PgdlAggState *b)
{
	if (a->layout != b->layout || a->purpose != b->purpose ||
		(a->flags & ~PGDL_HAS_PAIRS) != (b->flags & ~PGDL_HAS_PAIRS) ||
		memcmp(a->params, b->params, sizeof(a->params)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("cannot combine pgdl aggregate states of different kinds")));
	if (a->dim != b->dim && a->dim != 0 && b->dim != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("cannot combine aggregate states of %d and %d variables", a->dim, b->dim),
				 errdetail("All arrays aggregated together must have the same length.")));
	if (a->nq != b->nq && a->dim != 0 && b->dim != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the quantiles asked for must not change between rows")));
	if ((a->flags & PGDL_HAS_Q) && a->dim != 0 && b->dim != 0 &&
		memcmp(pgdl_state_q((PgdlAggState *) a), pgdl_state_q((PgdlAggState *) b),
			   a->nq * sizeof(double)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the quantiles asked for must not change between rows")));
}

static PgdlAggState *
copy_state(const PgdlAggState *s)
{
	PgdlAggState *c = palloc(VARSIZE(s));

	memcpy(c, s, VARSIZE(s));
	return c;
}

PgdlAggState *
pgdl_state_counts_grow(const PgdlAggState *s, const dl_confusion_caps *caps)
{
	size_t		bytes = dl_confusion_caps_bytes(caps);
	PgdlAggState *n = pgdl_state_alloc(PGDL_LAYOUT_COUNTS, s->purpose, s->flags, s->dim,
									   bytes / sizeof(double));

	n->rows = s->rows;
	n->nulls = s->nulls;
	memcpy(n->params, s->params, sizeof(n->params));
	dl_confusion_move(PGDL_STATE_COUNTS(n), PGDL_STATE_COUNTS(s), caps);
	return n;
}

PgdlAggState *
pgdl_state_merge(PgdlAggState *a, const PgdlAggState *b)
{
	check_compatible(a, b);
	if (b->dim == 0)
	{
		a->nulls += b->nulls;
		a->rows += b->rows;
		return a;
	}
	if (a->dim == 0)
	{
		double		nulls = a->nulls,
					rows = a->rows;

		a = copy_state(b);
		a->nulls += nulls;
		a->rows += rows;
		return a;
	}
	a->nulls += b->nulls;
	a->rows += b->rows;

	switch (a->layout)
	{
		case PGDL_LAYOUT_COLUMNS:
			if (a->flags & PGDL_HAS_MOMENTS)
			{
				dl_moments_soa va,
							vb;

				pgdl_state_moments(a, &va);
				pgdl_state_moments((PgdlAggState *) b, &vb);
				dl_moments_soa_merge(&va, &vb);
			}
			if (a->flags & PGDL_HAS_SKETCHES)
			{
				const dl_sketch *sb = pgdl_state_first_sketch((PgdlAggState *) b);

				size_t	   *newbytes = palloc0(sizeof(size_t) * a->dim);
				bool		grow = false;
				dl_sketch  *sa = pgdl_state_first_sketch(a);

				/* first the room every sketch needs, then one relayout */
				for (int i = 0; i < a->dim; i++)
				{
					size_t		need = dl_sketch_merge_bytes(sa, sb);

					if (need > dl_sketch_bytes(sa))
					{
						newbytes[i] = need;
						grow = true;
					}
					sa = pgdl_state_next_sketch(sa);
					sb = pgdl_state_next_sketch((dl_sketch *) sb);
				}
				if (grow)
					a = relayout_sketches(a, newbytes);
				pfree(newbytes);
				sa = pgdl_state_first_sketch(a);
				sb = pgdl_state_first_sketch((PgdlAggState *) b);
				for (int i = 0; i < a->dim; i++)
				{
					pgdl_check_status(dl_sketch_merge(sa, sb));
					sa = pgdl_state_next_sketch(sa);
					sb = pgdl_state_next_sketch((dl_sketch *) sb);
				}
			}
			break;
		case PGDL_LAYOUT_COMOMENTS:
			{
				dl_comoments ca,
							cb;

				if ((b->flags & PGDL_HAS_PAIRS) && !(a->flags & PGDL_HAS_PAIRS))
				{
					PgdlAggState *n = pgdl_state_alloc(PGDL_LAYOUT_COMOMENTS, a->purpose,
													   a->flags | PGDL_HAS_PAIRS, a->dim,
													   dl_comoments_nslots(a->dim, true));

					n->nulls = a->nulls;
					n->rows = a->rows;
					pgdl_state_comoments(a, &ca);
					dl_comoments_enable_pairs(&ca, PGDL_STATE_SLOTS(n));
					a = n;
				}
				pgdl_state_comoments(a, &ca);
				pgdl_state_comoments((PgdlAggState *) b, &cb);
				dl_comoments_merge(&ca, &cb);
				break;
			}
		case PGDL_LAYOUT_COUNTS:
			for (;;)
			{
				dl_confusion_caps grow;

				pgdl_check_status(dl_confusion_merge(PGDL_STATE_COUNTS(a),
													 PGDL_STATE_COUNTS((PgdlAggState *) b), &grow));
				if (grow.label_cap == 0)
					break;
				a = pgdl_state_counts_grow(a, &grow);
			}
			break;
		case PGDL_LAYOUT_HISTOGRAM:
			{
				double	   *ca = PGDL_STATE_SLOTS(a);
				const double *cb = PGDL_STATE_SLOTS((PgdlAggState *) b);

				for (int i = 0; i < (int) a->params[2]; i++)
					ca[i] += cb[i];
				break;
			}
	}
	return a;
}

MemoryContext
pgdl_agg_context(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext aggcontext;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", fname)));
	return aggcontext;
}

/*
 * pgdl.aggstate_combine(a, b): the combine function of every pgdl aggregate.
 * a belongs to this aggregate (updated in place); b came from a worker or
 * another node and is validated first.  A new pointer is palloc'd in the
 * current (per-call) context: the executor copies it into its own.
 */
Datum
pgdl_aggstate_combine(PG_FUNCTION_ARGS)
{
	PgdlAggState *a,
			   *b;

	pgdl_agg_context(fcinfo, "pgdl.aggstate_combine");
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = PG_GETARG_PGDL_AGGSTATE(1);
	pgdl_state_validate(b, VARSIZE(b));
	if (PG_ARGISNULL(0))
		PG_RETURN_POINTER(copy_state(b));
	a = (PgdlAggState *) PG_GETARG_POINTER(0);
	PG_RETURN_POINTER(pgdl_state_merge(a, b));
}

/* ---- I/O ----------------------------------------------------------------- */

static PgdlAggState *
state_from_bytes(const char *data, size_t len)
{
	PgdlAggState *s;

	if (len < PGDL_STATE_HDRSZ - VARHDRSZ || len > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid pgdl aggregate state"),
				 errdetail("The value has an impossible length.")));
	s = palloc(len + VARHDRSZ);
	SET_VARSIZE(s, len + VARHDRSZ);
	memcpy((char *) s + VARHDRSZ, data, len);
	pgdl_state_validate(s, VARSIZE(s));
	return s;
}

/*
 * The bytes of a "pgdl:<hex>" text form; 22P02 for anything else.  Shared
 * by every pgdl state type, whose input functions then validate the bytes.
 */
char *
pgdl_state_text_decode(const char *str, size_t *nbytes)
{
	size_t		len = strlen(str);
	char	   *buf;

	if (strncmp(str, STATE_TEXT_PREFIX, strlen(STATE_TEXT_PREFIX)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for a pgdl aggregate state"),
				 errdetail("The text form starts with \"%s\".", STATE_TEXT_PREFIX)));
	str += strlen(STATE_TEXT_PREFIX);
	len -= strlen(STATE_TEXT_PREFIX);
	if (len % 2 != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for a pgdl aggregate state"),
				 errdetail("The hex digits come in pairs.")));
	for (size_t i = 0; i < len; i++)
		if (!isxdigit((unsigned char) str[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for a pgdl aggregate state"),
					 errdetail("\"%c\" is not a hexadecimal digit.", str[i])));
	*nbytes = len / 2;
	buf = palloc(*nbytes + 1);
	if (hex_decode(str, len, buf) != *nbytes)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for a pgdl aggregate state")));
	return buf;
}

char *
pgdl_state_text_encode(const char *data, size_t len)
{
	size_t		plen = strlen(STATE_TEXT_PREFIX);
	char	   *out;

	if (len > (MaxAllocHugeSize - plen - 1) / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("aggregate state of %zu bytes is too large for its text form", len)));
	out = palloc_extended(plen + 2 * len + 1, MCXT_ALLOC_HUGE);
	memcpy(out, STATE_TEXT_PREFIX, plen);
	hex_encode(data, len, out + plen);
	out[plen + 2 * len] = '\0';
	return out;
}

static PgdlAggState *
state_from_text(const char *str)
{
	size_t		nbytes;
	char	   *buf = pgdl_state_text_decode(str, &nbytes);

	return state_from_bytes(buf, nbytes);
}

static char *
state_to_text(const PgdlAggState *s)
{
	return pgdl_state_text_encode((const char *) s + VARHDRSZ, VARSIZE(s) - VARHDRSZ);
}

Datum
pgdl_aggstate_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(state_from_text(PG_GETARG_CSTRING(0)));
}

Datum
pgdl_aggstate_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(state_to_text(PG_GETARG_PGDL_AGGSTATE(0)));
}

Datum
pgdl_aggstate_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			len = buf->len - buf->cursor;
	const char *data = pq_getmsgbytes(buf, len);

	PG_RETURN_POINTER(state_from_bytes(data, len));
}

Datum
pgdl_aggstate_send(PG_FUNCTION_ARGS)
{
	PgdlAggState *s = PG_GETARG_PGDL_AGGSTATE(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, (const char *) s + VARHDRSZ, VARSIZE(s) - VARHDRSZ);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* pgdl.sketch shares the binary and text forms; it is one sketch of one variable */
static void
check_is_sketch(const PgdlAggState *s)
{
	if (s->purpose != PGDL_PURPOSE_SKETCH || s->dim > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("value is a pgdl aggregate state but not a quantile sketch")));
}

Datum
pgdl_sketch_in(PG_FUNCTION_ARGS)
{
	PgdlAggState *s = state_from_text(PG_GETARG_CSTRING(0));

	check_is_sketch(s);
	PG_RETURN_POINTER(s);
}

Datum
pgdl_sketch_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			len = buf->len - buf->cursor;
	PgdlAggState *s = state_from_bytes(pq_getmsgbytes(buf, len), len);

	check_is_sketch(s);
	PG_RETURN_POINTER(s);
}
