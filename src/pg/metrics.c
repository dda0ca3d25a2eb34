/*-------------------------------------------------------------------------
 *
 * metrics.c
 *	  Model metrics aggregates for BI tools (see the README):
 *	  classification_metrics, regression_metrics, roc_auc.
 *
 * classification_metrics keeps a confusion table of string labels
 * (src/core/confusion.c) in its own state type, pgdl.confusion_state: an
 * 8-byte varlena header (length, then a reserved zero word so the table's
 * doubles are aligned) followed by the table.  Its text form is that of
 * every pgdl state, "pgdl:<hex>" of everything after the length word, and
 * its input functions validate every byte.
 *
 * regression_metrics and roc_auc use pgdl.aggstate: moments of (actual,
 * error, |error|), and two quantile sketches (scores of positives, of
 * negatives), so the shared combine function, validation and I/O serve
 * them unchanged.
 *
 * The metrics themselves are the core's finalizers (src/core/metrics.c),
 * the ones pgdl.evaluate and cross_validate call.
 *
 * pgdl.imputer(text, 'most_frequent') counts values in the same state (a
 * value v as the pair (v, v)), so its combine, validation and I/O are
 * classification_metrics'; it is bounded as the table is, at
 * DL_CONFUSION_MAX_PAIRS distinct values (54000 beyond).
 *
 * src/pg/metrics.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/memutils.h"

#include "aggstate.h"
#include "pgdl.h"

PG_FUNCTION_INFO_V1(pgdl_confusion_state_in);
PG_FUNCTION_INFO_V1(pgdl_confusion_state_out);
PG_FUNCTION_INFO_V1(pgdl_confusion_state_recv);
PG_FUNCTION_INFO_V1(pgdl_confusion_state_send);
PG_FUNCTION_INFO_V1(pgdl_confusion_combine);
PG_FUNCTION_INFO_V1(pgdl_classification_accum);
PG_FUNCTION_INFO_V1(pgdl_classification_final);
PG_FUNCTION_INFO_V1(pgdl_regression_accum);
PG_FUNCTION_INFO_V1(pgdl_regression_final);
PG_FUNCTION_INFO_V1(pgdl_roc_auc_accum);
PG_FUNCTION_INFO_V1(pgdl_roc_auc_final);
PG_FUNCTION_INFO_V1(pgdl_imputer_text_accum);
PG_FUNCTION_INFO_V1(pgdl_imputer_text_final);

typedef struct PgdlConfusionState
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	uint32		reserved;		/* zero: puts the table on an 8-byte boundary */
	/* dl_confusion follows */
} PgdlConfusionState;

#define CONFUSION_HDRSZ sizeof(PgdlConfusionState)
#define CONFUSION_TABLE(s) ((dl_confusion *) ((char *) (s) + CONFUSION_HDRSZ))

StaticAssertDecl(sizeof(PgdlConfusionState) == 8, "the table must start 8-byte aligned");

static PgdlConfusionState *
confusion_alloc(size_t table_bytes)
{
	Size		size = CONFUSION_HDRSZ + table_bytes;
	PgdlConfusionState *s;

	if (size > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("confusion table of %zu bytes exceeds the 1GB limit of a value", size)));
	s = palloc0(size);
	SET_VARSIZE(s, size);
	return s;
}

static PgdlConfusionState *
confusion_new(void)
{
	PgdlConfusionState *s = confusion_alloc(dl_confusion_init_bytes());

	dl_confusion_init(CONFUSION_TABLE(s));
	return s;
}

/* a copy of s with the capacities the table asked for */
static PgdlConfusionState *
confusion_grow(PgdlConfusionState *s, const dl_confusion_caps *caps)
{
	PgdlConfusionState *n = confusion_alloc(dl_confusion_caps_bytes(caps));

	dl_confusion_move(CONFUSION_TABLE(n), CONFUSION_TABLE(s), caps);
	return n;
}

/* checks a state that arrived from outside (22P03, 0A000 for a newer format) */
static void
confusion_validate(const PgdlConfusionState *s)
{
	Size		size = VARSIZE(s);

	if (size < CONFUSION_HDRSZ || s->reserved != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid pgdl confusion state"),
				 errdetail("The header is short or has reserved bits set.")));
	pgdl_check_status(dl_confusion_validate(CONFUSION_TABLE(s), size - CONFUSION_HDRSZ));
}

static PgdlConfusionState *
confusion_from_bytes(const char *data, size_t len)
{
	PgdlConfusionState *s;

	if (len < CONFUSION_HDRSZ - VARHDRSZ || len > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid pgdl confusion state"),
				 errdetail("The value has an impossible length.")));
	s = palloc(len + VARHDRSZ);
	SET_VARSIZE(s, len + VARHDRSZ);
	memcpy((char *) s + VARHDRSZ, data, len);
	confusion_validate(s);
	return s;
}

Datum
pgdl_confusion_state_in(PG_FUNCTION_ARGS)
{
	size_t		len;
	char	   *bytes = pgdl_state_text_decode(PG_GETARG_CSTRING(0), &len);

	PG_RETURN_POINTER(confusion_from_bytes(bytes, len));
}

Datum
pgdl_confusion_state_out(PG_FUNCTION_ARGS)
{
	struct varlena *s = PG_GETARG_VARLENA_P(0);

	PG_RETURN_CSTRING(pgdl_state_text_encode((const char *) s + VARHDRSZ, VARSIZE(s) - VARHDRSZ));
}

Datum
pgdl_confusion_state_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			len = buf->len - buf->cursor;

	PG_RETURN_POINTER(confusion_from_bytes(pq_getmsgbytes(buf, len), len));
}

Datum
pgdl_confusion_state_send(PG_FUNCTION_ARGS)
{
	struct varlena *s = PG_GETARG_VARLENA_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, (const char *) s + VARHDRSZ, VARSIZE(s) - VARHDRSZ);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * Counts one row of the pair (a, p) in s.  A new label or pair may not fit:
 * the table then says how large it must become, and the row is counted in a
 * grown copy (which the executor moves into the aggregate's context, freeing
 * the old one).  Capacities double, so this happens a logarithmic number of
 * times.
 */
static PgdlConfusionState *
confusion_count(PgdlConfusionState *s, const text *a, const text *p)
{
	dl_confusion_caps grow;

	for (;;)
	{
		pgdl_check_status(dl_confusion_add(CONFUSION_TABLE(s),
										   VARDATA_ANY(a), VARSIZE_ANY_EXHDR(a),
										   VARDATA_ANY(p), VARSIZE_ANY_EXHDR(p),
										   1, &grow));
		if (grow.label_cap == 0)
			break;
		s = confusion_grow(s, &grow);
	}
	return s;
}

/* pgdl.classification_accum(state, actual, predicted) */
Datum
pgdl_classification_accum(PG_FUNCTION_ARGS)
{
	PgdlConfusionState *s;
	text	   *a,
			   *p;

	pgdl_agg_context(fcinfo, "pgdl.classification_metrics");
	s = PG_ARGISNULL(0) ? confusion_new() : (PgdlConfusionState *) PG_GETARG_POINTER(0);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_POINTER(s);
	a = PG_GETARG_TEXT_PP(1);
	p = PG_GETARG_TEXT_PP(2);
	PG_RETURN_POINTER(confusion_count(s, a, p));
}

/*
 * pgdl.confusion_combine(a, b): a belongs to this aggregate; b came from a
 * worker or another node and is validated first.
 */
Datum
pgdl_confusion_combine(PG_FUNCTION_ARGS)
{
	PgdlConfusionState *a,
			   *b;
	dl_confusion_caps grow;

	pgdl_agg_context(fcinfo, "pgdl.confusion_combine");
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = (PgdlConfusionState *) PG_DETOAST_DATUM(PG_GETARG_DATUM(1));
	confusion_validate(b);
	if (PG_ARGISNULL(0))
	{
		a = palloc(VARSIZE(b));
		memcpy(a, b, VARSIZE(b));
		PG_RETURN_POINTER(a);
	}
	a = (PgdlConfusionState *) PG_GETARG_POINTER(0);
	for (;;)
	{
		pgdl_check_status(dl_confusion_merge(CONFUSION_TABLE(a), CONFUSION_TABLE(b), &grow));
		if (grow.label_cap == 0)
			break;
		a = confusion_grow(a, &grow);
	}
	PG_RETURN_POINTER(a);
}

/* a row of float8 fields after n (bigint): NULL where !defined[i] */
static Datum
metrics_row(FunctionCallInfo fcinfo, int64 n, const double *vals, const bool *defined,
			int nvals, bool with_classes, int32 classes)
{
	TupleDesc	tupdesc;
	Datum		values[8];
	bool		nulls[8] = {0};

	Assert(nvals + 2 <= lengthof(values));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "pgdl metrics: return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);
	values[0] = Int64GetDatum(n);
	for (int i = 0; i < nvals; i++)
	{
		values[1 + i] = Float8GetDatum(vals[i]);
		nulls[1 + i] = !defined[i];
	}
	if (with_classes)
		values[1 + nvals] = Int32GetDatum(classes);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* zero rows give a row with n = 0 and NULL metrics, never a NULL row */
Datum
pgdl_classification_final(PG_FUNCTION_ARGS)
{
	dl_class_metrics m = {0};
	double		vals[4];
	bool		defined[4];

	if (!PG_ARGISNULL(0))
	{
		PgdlConfusionState *s = (PgdlConfusionState *) PG_DETOAST_DATUM(PG_GETARG_DATUM(0));

		/* called directly from SQL, its argument can be anything: check it all */
		if (!AggCheckCallContext(fcinfo, NULL))
			confusion_validate(s);
		dl_classification_metrics(CONFUSION_TABLE(s), &m);
	}
	vals[0] = m.accuracy;
	vals[1] = m.precision_macro;
	vals[2] = m.recall_macro;
	vals[3] = m.f1_macro;
	for (int i = 0; i < 4; i++)
		defined[i] = m.defined;
	return metrics_row(fcinfo, (int64) m.n, vals, defined, 4, true, (int32) m.classes);
}

/* ---- regression_metrics and roc_auc: pgdl.aggstate states ------------------ */

/*
 * The state of a transition call of one of the two: the one passed in
 * (checked to be of this purpose), or a fresh one with these sections for
 * dim variables; the row is counted.  Returns NULL with the row counted as
 * skipped when either argument is NULL.
 */
static PgdlAggState *
metrics_state(FunctionCallInfo fcinfo, const char *fname, PgdlPurpose purpose, int flags, int dim,
			  PgdlAggState **state)
{
	PgdlAggState *s;

	pgdl_agg_context(fcinfo, fname);
	if (PG_ARGISNULL(0))
	{
		s = pgdl_state_alloc(PGDL_LAYOUT_COLUMNS, purpose, flags, dim,
							 pgdl_columns_nslots(flags, dim, 0));
		pgdl_columns_init(s);
	}
	else
	{
		s = (PgdlAggState *) PG_GETARG_POINTER(0);
		pgdl_state_expect(s, purpose, dim);
	}
	*state = s;
	s->rows += 1;
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		s->nulls += 1;
		return NULL;
	}
	return s;
}

/* pgdl.regression_accum(state, actual, predicted) */
Datum
pgdl_regression_accum(PG_FUNCTION_ARGS)
{
	PgdlAggState *state;
	PgdlAggState *s = metrics_state(fcinfo, "pgdl.regression_metrics", PGDL_PURPOSE_REGRESSION,
									PGDL_HAS_MOMENTS, PGDL_REGRESSION_DIM, &state);
	dl_moments_soa v;
	double		x[PGDL_REGRESSION_DIM];

	if (s == NULL)
		PG_RETURN_POINTER(state);
	/* as float8mi: finite operands whose difference overflows are an error */
	if (unlikely(!dl_regression_row(PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2), x)))
		float_overflow_error();
	pgdl_state_moments(s, &v);
	dl_moments_soa_add(&v, x, NULL);
	PG_RETURN_POINTER(s);
}

Datum
pgdl_regression_final(PG_FUNCTION_ARGS)
{
	dl_reg_metrics r = {0};
	double		vals[4];
	bool		defined[4] = {0};

	if (!PG_ARGISNULL(0))
	{
		PgdlAggState *s = pgdl_final_state(fcinfo, PGDL_PURPOSE_REGRESSION, PGDL_REGRESSION_DIM);
		dl_moments_soa v;
		dl_moments	m[PGDL_REGRESSION_DIM];

		pgdl_state_moments(s, &v);
		for (int i = 0; i < PGDL_REGRESSION_DIM; i++)
			pgdl_moments_get_checked(&v, i, &m[i]);
		pgdl_check_status(dl_regression_metrics(&m[0], &m[1], &m[2], &r));
		for (int i = 0; i < 3; i++)
			defined[i] = r.n > 0;
		defined[3] = r.r2_defined;
	}
	vals[0] = r.mse;
	vals[1] = r.rmse;
	vals[2] = r.mae;
	vals[3] = r.r2;
	return metrics_row(fcinfo, (int64) r.n, vals, defined, 4, false, 0);
}

/* pgdl.roc_auc_accum(state, actual, score): the score goes to one of two sketches */
Datum
pgdl_roc_auc_accum(PG_FUNCTION_ARGS)
{
	PgdlAggState *state;
	PgdlAggState *s = metrics_state(fcinfo, "pgdl.roc_auc", PGDL_PURPOSE_ROC_AUC,
									PGDL_HAS_SKETCHES, PGDL_ROC_AUC_DIM, &state);
	double		x[PGDL_ROC_AUC_DIM];
	bool		skip[PGDL_ROC_AUC_DIM];
	bool		positive;

	if (s == NULL)
		PG_RETURN_POINTER(state);
	positive = PG_GETARG_BOOL(1);
	x[0] = x[1] = PG_GETARG_FLOAT8(2);
	skip[0] = !positive;		/* sketch 0: scores of positives */
	skip[1] = positive;			/* sketch 1: scores of negatives */
	PG_RETURN_POINTER(pgdl_state_sketches_add(s, x, skip));
}

/* NULL without a positive or without a negative */
Datum
pgdl_roc_auc_final(PG_FUNCTION_ARGS)
{
	PgdlAggState *s;
	double		auc,
				bound;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = pgdl_final_state(fcinfo, PGDL_PURPOSE_ROC_AUC, PGDL_ROC_AUC_DIM);
	if (!dl_sketch_auc(pgdl_state_sketch(s, 0), pgdl_state_sketch(s, 1), &auc, &bound))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(auc);
}

/* ---- pgdl.imputer(text, 'most_frequent'): counts in a confusion table ------- */

/*
 * pgdl.imputer_text_accum(state, x, strategy): counts x as the pair (x, x);
 * a NULL x is skipped.  'most_frequent' is the one strategy for text.
 */
Datum
pgdl_imputer_text_accum(PG_FUNCTION_ARGS)
{
	PgdlConfusionState *s;
	text	   *x;
	char	   *strategy;

	pgdl_agg_context(fcinfo, "pgdl.imputer");
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("strategy must not be NULL")));
	strategy = text_to_cstring(PG_GETARG_TEXT_PP(2));
	if (strcmp(strategy, "most_frequent") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown imputer strategy \"%s\" for text", strategy),
				 errhint("Text columns take 'most_frequent'; 'mean', 'median' and 'constant:<number>' are for numbers.")));
	s = PG_ARGISNULL(0) ? confusion_new() : (PgdlConfusionState *) PG_GETARG_POINTER(0);
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(s);
	x = PG_GETARG_TEXT_PP(1);
	if (CONFUSION_TABLE(s)->npairs >= DL_CONFUSION_MAX_PAIRS &&
		dl_confusion_find_label(CONFUSION_TABLE(s), VARDATA_ANY(x), VARSIZE_ANY_EXHDR(x)) == DL_CONFUSION_NONE)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the most_frequent imputer counts at most %d distinct values", DL_CONFUSION_MAX_PAIRS),
				 errhint("Impute a column with fewer distinct values, or a constant: coalesce(x, 'value').")));
	PG_RETURN_POINTER(confusion_count(s, x, x));
}

/*
 * The most frequent value; of equally frequent ones the first in byte order
 * (as mode() WITHIN GROUP (ORDER BY x COLLATE "C")); NULL without values
 */
Datum
pgdl_imputer_text_final(PG_FUNCTION_ARGS)
{
	PgdlConfusionState *s;
	const dl_confusion *c;
	const char *best = NULL;
	uint32		best_len = 0;
	double		best_count = 0;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (PgdlConfusionState *) PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
	if (!AggCheckCallContext(fcinfo, NULL))
		confusion_validate(s);
	c = CONFUSION_TABLE(s);
	for (uint32 i = 0; i < c->npairs; i++)
	{
		uint32		a,
					p,
					len;
		double		count;
		const char *label;

		dl_confusion_pair(c, i, &a, &p, &count);
		label = dl_confusion_label(c, a, &len);
		if (best == NULL || count > best_count ||
			(count == best_count &&
			 (memcmp(label, best, Min(len, best_len)) < 0 ||
			  (memcmp(label, best, Min(len, best_len)) == 0 && len < best_len))))
		{
			best = label;
			best_len = len;
			best_count = count;
		}
	}
	if (best == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text_with_len(best, (int) best_len));
}
