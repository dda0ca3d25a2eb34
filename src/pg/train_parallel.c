/*-------------------------------------------------------------------------
 *
 * train_parallel.c
 *	  Data-parallel training: the pgdl.train_state type, the aggregate
 *	  pgdl.train_state_agg that trains on the rows it is given, and the
 *	  driver train_model runs when the option "parallel_workers" is above 0.
 *
 * The aggregate's state is a model being trained (dl_train_state.h): the
 * model's bytes (architecture, preprocessing, the round's starting
 * weights), its parameters, the optimizer's moments and a buffer of rows.
 * The transition reads a row (the source row as a record) the way serial
 * training does - pgdl_read_features, then pgdl_prepare_inputs, the
 * function prediction uses - and appends it to the buffer; a full buffer is
 * shuffled and trained in mini-batches.  The combine function trains what
 * each side still buffers and averages the two partial models weighted by
 * the rows each trained (average.c); the final function trains the last
 * rows.  The state is a concrete varlena type with an exact text form (the
 * hex of its bytes, as pgdl.aggstate), so the aggregate is PARALLEL SAFE
 * without serialize functions.
 *
 * The driver runs one aggregate query per epoch over the source, with a
 * parallel plan forced for that query only (parallel costs 0, the leader
 * not participating, max_parallel_workers_per_gather lowered to the
 * option) so that each of the n workers trains on the blocks PostgreSQL's
 * parallel scan hands it; the merged model starts the next round.  Each
 * round also measures the validation rows (chosen by a seeded hash of each
 * row) with the round's starting weights: the previous epoch's model; one
 * last round measures the final model.  The README says what this does and
 * does not reproduce.
 *
 * On a Citus table the same rounds run on the Citus workers: the state is a
 * literal in the query (Citus distributes no parameter), Citus runs the
 * aggregate per shard as worker_partial_agg and combines the shards' states
 * on the coordinator.  Citus passes the rows as anonymous records, so the
 * driver's states bind a row's columns by position (DL_TSTATE_BY_POSITION),
 * and the output function trains a shard's buffered rows before Citus sends
 * its state (pgdl_train_state_out).
 *
 * src/pg/train_parallel.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "nodes/nodeFuncs.h"
#include "nodes/params.h"
#include "nodes/parsenodes.h"
#include "optimizer/cost.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "aggstate.h"
#include "budget.h"
#include "citus_ship.h"
#include "dataset.h"
#include "dl_train_state.h"
#include "features.h"
#include "models.h"
#include "pg_compat.h"
#include "pgdl.h"
#include "source.h"
#include "train_parallel.h"

PG_FUNCTION_INFO_V1(pgdl_train_state_in);
PG_FUNCTION_INFO_V1(pgdl_train_state_out);
PG_FUNCTION_INFO_V1(pgdl_train_state_recv);
PG_FUNCTION_INFO_V1(pgdl_train_state_send);
PG_FUNCTION_INFO_V1(pgdl_train_state_step);
PG_FUNCTION_INFO_V1(pgdl_train_state_step_ref);
PG_FUNCTION_INFO_V1(pgdl_train_state_ref);
PG_FUNCTION_INFO_V1(pgdl_train_state_combine);
PG_FUNCTION_INFO_V1(pgdl_train_state_final);
PG_FUNCTION_INFO_V1(pgdl_train_state_info);
PG_FUNCTION_INFO_V1(pgdl_train_state_init);

/*
 * The varlena: the length word, 4 bytes of padding, then the state, so
 * that its doubles are 8-byte aligned (the type is ALIGNMENT = double).
 */
#define TS_OFFSET 8
#define TS_STATE(v) ((dl_tstate *) ((char *) (v) + TS_OFFSET))

/* a buffer of about this many bytes of rows: a few thousand rows shuffled together */
#define TS_BUFFER_BYTES (4 * 1024 * 1024)

static dl_tstate *
arg_state(FunctionCallInfo fcinfo, int i)
{
	return PG_ARGISNULL(i) ? NULL : TS_STATE(PG_DETOAST_DATUM(PG_GETARG_DATUM(i)));
}

static struct varlena *
varlena_of(dl_tstate *s)
{
	return (struct varlena *) ((char *) s - TS_OFFSET);
}

/* a new varlena of a state of bytes bytes, in cxt */
static dl_tstate *
state_alloc(MemoryContext cxt, size_t bytes)
{
	struct varlena *v;

	if (bytes == SIZE_MAX || bytes > MaxAllocSize - TS_OFFSET)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a data-parallel training state of this model would exceed 1 GB"),
				 errhint("Use a smaller network or batch_size, or train serially (parallel_workers 0).")));
	v = MemoryContextAllocZero(cxt, bytes + TS_OFFSET);
	SET_VARSIZE(v, bytes + TS_OFFSET);
	return TS_STATE(v);
}

static void
state_check(const dl_tstate *s, size_t len)
{
	const char *why;
	dl_status	st = dl_tstate_check(s, len, &why);

	if (st == DL_EVERSION)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("invalid pgdl training state: %s", why),
				 errhint("Upgrade the pgdl extension on this server.")));
	if (st != DL_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid pgdl training state: %s", why)));
}

/* a state from bytes that arrived from outside, checked */
static Datum
state_from_bytes(const char *bytes, size_t len)
{
	dl_tstate  *s;

	if (len < sizeof(dl_tstate) || len > MaxAllocSize - TS_OFFSET)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid pgdl training state: its length (%zu bytes) is impossible", len)));
	s = state_alloc(CurrentMemoryContext, len);
	memcpy(s, bytes, len);
	state_check(s, len);
	return PointerGetDatum(varlena_of(s));
}

Datum
pgdl_train_state_in(PG_FUNCTION_ARGS)
{
	size_t		len;
	char	   *bytes = pgdl_state_text_decode(PG_GETARG_CSTRING(0), &len);

	return state_from_bytes(bytes, len);
}

Datum
pgdl_train_state_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			len = buf->len - buf->cursor;

	return state_from_bytes(pq_getmsgbytes(buf, len), len);
}

Datum
pgdl_train_state_send(PG_FUNCTION_ARGS)
{
	struct varlena *v = PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, (const char *) v + TS_OFFSET, VARSIZE(v) - TS_OFFSET);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

static dl_tstate *trained_copy(FunctionCallInfo fcinfo, const dl_tstate *s, MemoryContext cxt);

/*
 * Whether the output function is writing the partial state of a shard:
 * Citus's worker_partial_agg ends a shard's aggregation by calling the
 * state type's output function in the aggregate's context.
 */
static bool
citus_partial_output(FunctionCallInfo fcinfo)
{
	Aggref	   *aggref;
	char	   *name;
	bool		partial;

	if (fcinfo->context == NULL || !IsA(fcinfo->context, AggState))
		return false;
	aggref = AggGetAggref(fcinfo);
	if (aggref == NULL)
		return false;
	name = get_func_name(aggref->aggfnoid);
	partial = name != NULL && strcmp(name, "worker_partial_agg") == 0 &&
		get_func_namespace(aggref->aggfnoid) == PG_CATALOG_NAMESPACE;
	if (name)
		pfree(name);
	return partial;
}

Datum
pgdl_train_state_out(PG_FUNCTION_ARGS)
{
	struct varlena *v = PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
	dl_tstate  *s = TS_STATE(v);

	/*
	 * A shard's partial state on a Citus worker: its buffered rows are
	 * trained here, as the combine would train them on the coordinator, so
	 * the worker trains every row of its shards and no row travels.  Any
	 * other output is the exact state.
	 */
	if (s->pending > 0 && citus_partial_output(fcinfo))
	{
		state_check(s, VARSIZE(v) - TS_OFFSET);
		s = trained_copy(fcinfo, s, CurrentMemoryContext);
		v = varlena_of(s);
	}
	PG_RETURN_CSTRING(pgdl_state_text_encode((const char *) v + TS_OFFSET, VARSIZE(v) - TS_OFFSET));
}

/* ---- the model a process trains ------------------------------------------------ */

/* a target label and its class, sorted bytewise by label for a binary search */
typedef struct LabelClass
{
	const char *label;
	int			k;
} LabelClass;

static int
label_class_cmp(const void *a, const void *b)
{
	return strcmp(((const LabelClass *) a)->label, ((const LabelClass *) b)->label);
}

/*
 * What a process keeps across the calls of one aggregate (in fn_extra):
 * the model read from a state's bytes, its workspaces, and for the
 * transition the binding of the row type's columns.
 */
typedef struct TrainCache
{
	MemoryContext cxt;
	uint8_t    *model_bytes;	/* a copy: which model this is */
	size_t		model_len;
	dl_model	model;			/* its network holds the round's starting weights */
	dl_workspace *train_ws;
	dl_workspace *eval_ws;
	LabelClass *labels;			/* classification: sorted */
	int			buffer_rows;
	/* the rows: bound to this row type */
	Oid			rowtype;
	int32		rowtypmod;
	TupleDesc	desc;
	PgdlBoundFeature *bound;
	double	   *x;
	bool	   *nulls;
	float	   *row;
	int64		rows_read;
	const void *checked;		/* the last running state found to be of this model */
} TrainCache;

/* c if it holds s's model, else a new cache of it in parent (c deleted) */
static TrainCache *
train_cache_in(TrainCache *c, MemoryContext parent, const dl_tstate *s)
{
	MemoryContext old;

	if (c && c->model_len == s->model_len &&
		memcmp(c->model_bytes, dl_tstate_model(s), s->model_len) == 0)
		return c;
	if (c)
		MemoryContextDelete(c->cxt);
	{
		MemoryContext cxt = AllocSetContextCreate(parent, "pgdl parallel training",
												  ALLOCSET_DEFAULT_SIZES);

		old = MemoryContextSwitchTo(cxt);
		c = palloc0(sizeof(TrainCache));
		c->cxt = cxt;
	}
	c->model_len = s->model_len;
	c->model_bytes = palloc(s->model_len);
	memcpy(c->model_bytes, dl_tstate_model(s), s->model_len);
	pgdl_check_status(dl_model_read(c->model_bytes, c->model_len,
									(size_t) pgdl_max_model_size_kb * 1024 / sizeof(float), &c->model));
	if (c->model.net.n_params != s->n_params || c->model.n_inputs != s->n_inputs)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid pgdl training state: its model has %zu parameters and %d inputs, the state %llu and %d",
						c->model.net.n_params, c->model.n_inputs,
						(unsigned long long) s->n_params, s->n_inputs)));
	pgdl_check_status(dl_tstate_workspaces(s, &c->model.net, &c->train_ws, &c->eval_ws));
	if (c->model.n_labels > 0)
	{
		c->labels = palloc(sizeof(LabelClass) * c->model.n_labels);
		for (int k = 0; k < c->model.n_labels; k++)
		{
			c->labels[k].label = c->model.labels[k];
			c->labels[k].k = k;
		}
		qsort(c->labels, c->model.n_labels, sizeof(LabelClass), label_class_cmp);
	}
	/* whole batches, at least one */
	c->buffer_rows = TS_BUFFER_BYTES / (int) (sizeof(float) * (s->n_inputs + 1));
	c->buffer_rows = Max(s->batch_size, c->buffer_rows - c->buffer_rows % s->batch_size);
	c->x = palloc(sizeof(double) * s->n_inputs);
	c->nulls = palloc(sizeof(bool) * s->n_inputs);
	c->row = palloc(sizeof(float) * s->n_inputs);
	MemoryContextSwitchTo(old);
	return c;
}

static TrainCache *
train_cache(FunctionCallInfo fcinfo, const dl_tstate *s)
{
	TrainCache *c = train_cache_in(fcinfo->flinfo->fn_extra, fcinfo->flinfo->fn_mcxt, s);

	fcinfo->flinfo->fn_extra = c;
	return c;
}

/* trains s on its buffered rows with the network of c */
static void
train_buffer(TrainCache *c, dl_tstate *s)
{
	dl_network	net = c->model.net;

	net.params = dl_tstate_params(s);
	pgdl_check_status(dl_tstate_train_pending(s, &net, c->train_ws));
}

/* the row's class or value; false for a NULL target */
static bool
row_target(TrainCache *c, HeapTuple tup, float *y)
{
	int			att = c->desc->natts;
	bool		isnull;
	Datum		d = heap_getattr(tup, att, c->desc, &isnull);

	if (isnull)
		return false;
	if (c->model.n_labels > 0)
	{
		char	   *lt = pgdl_label_text(d, TupleDescAttr(c->desc, att - 1)->atttypid);
		LabelClass	key = {lt, -1};
		LabelClass *hit = bsearch(&key, c->labels, c->model.n_labels, sizeof(LabelClass),
								  label_class_cmp);

		if (!hit)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("target value \"%s\" was not among the labels read before: the source changed during training",
							lt)));
		pfree(lt);
		*y = (float) hit->k;
	}
	else
	{
		double		v = DatumGetFloat8(d);

		if (!isfinite(v))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("target \"%s\" is %s", c->model.target, isnan(v) ? "NaN" : "infinite")));
		*y = (float) v;
	}
	return true;
}

/* ---- states by reference (the rounds on Citus workers) ------------------------- */

/*
 * Citus passes an aggregate's arguments to its workers packed in one row
 * per input row, and PostgreSQL builds that row by copying every argument:
 * the whole state at every row (150 kB for a network of 9,473 parameters
 * trained with Adam).  So on Citus the round's state is registered in the
 * process that runs the aggregate by pgdl.train_state_ref, once per shard
 * query (its fn_extra remembers the constant it was given), and the
 * aggregate pgdl.train_state_agg_ref receives a 16-byte reference: the
 * state's hash and length.  The states live until the end of the
 * transaction; a reference found nowhere is 22023.
 */
#define TS_REF_BYTES 16
#define TS_REF_SLOTS 4

typedef struct StateRef
{
	uint64		hash;
	uint64		len;
	dl_tstate  *state;
} StateRef;

static struct
{
	bool		registered;		/* the transaction callback */
	MemoryContext cxt;			/* in TopTransactionContext, or NULL */
	int			n;
	int			next;
	StateRef	slots[TS_REF_SLOTS];
}			refs;

/*
 * The model cache of transitions whose fn_extra does not last: Citus's
 * worker_partial_agg calls the transition through a new FmgrInfo at every
 * row, which rebuilt the model at every row (14 times slower on the test
 * cluster, 9,473 parameters: 2,300 rows/s against 32,000).  It
 * lives in TopTransactionContext; never stored in an fn_extra.
 */
static TrainCache *loose_cache;

static void
forget_refs(XactEvent event, void *arg)
{
	/* the contexts went with TopTransactionContext */
	refs.cxt = NULL;
	refs.n = refs.next = 0;
	loose_cache = NULL;
}

static void
register_forget(void)
{
	if (!refs.registered)
	{
		RegisterXactCallback(forget_refs, NULL);
		refs.registered = true;
	}
}

/* the cache of s's model for this row: fn_extra's, or the loose one */
static TrainCache *
step_cache(FunctionCallInfo fcinfo, const dl_tstate *s, bool loose)
{
	if (!loose)
		return train_cache(fcinfo, s);
	register_forget();
	loose_cache = train_cache_in(loose_cache, TopTransactionContext, s);
	return loose_cache;
}

static void
ref_key(const bytea *ref, uint64 *hash, uint64 *len)
{
	if (VARSIZE_ANY_EXHDR(ref) != TS_REF_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a training state reference has %d bytes, not %d",
						(int) VARSIZE_ANY_EXHDR(ref), TS_REF_BYTES)));
	memcpy(hash, VARDATA_ANY(ref), 8);
	memcpy(len, VARDATA_ANY(ref) + 8, 8);
}

/* the state a reference names, or NULL when none is registered */
static dl_tstate *
ref_find(const bytea *ref)
{
	uint64		hash,
				len;

	ref_key(ref, &hash, &len);
	for (int i = 0; i < refs.n; i++)
		if (refs.slots[i].hash == hash && refs.slots[i].len == len)
			return refs.slots[i].state;
	return NULL;
}

/* the state a reference names, registered in this transaction */
static dl_tstate *
ref_state(const bytea *ref)
{
	dl_tstate  *s = ref_find(ref);

	if (s != NULL)
		return s;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("no training state of this reference in this transaction"),
			 errhint("Pass pgdl.train_state_ref(state) in the same query, as train_model does.")));
	return NULL;				/* keep the compiler quiet */
}

typedef struct RefCache
{
	const void *arg;			/* the argument last given, when it is a constant */
	bytea	   *ref;
	MemoryContext cxt;			/* refs.cxt when ref was made */
} RefCache;

/*
 * Whether argument 0 of the call is a Const, whose value stays at one
 * address for the whole query.  Not a parameter: a PL/pgSQL variable
 * assigned again may hold another state where the old one was.
 */
static bool
arg_is_const(FmgrInfo *flinfo)
{
	Node	   *expr = flinfo->fn_expr;

	return expr != NULL && IsA(expr, FuncExpr) && ((FuncExpr *) expr)->args != NIL &&
		IsA(linitial(((FuncExpr *) expr)->args), Const);
}

/* pgdl.train_state_ref(state): state registered in this process, and its reference */
Datum
pgdl_train_state_ref(PG_FUNCTION_ARGS)
{
	RefCache   *c = fcinfo->flinfo->fn_extra;
	Datum		arg = PG_GETARG_DATUM(0);
	struct varlena *v;
	dl_tstate  *s;
	uint64		hash,
				len;
	bytea	   *ref;
	bool		found = false;

	/* the same constant row after row: its reference, computed once (while its state is kept) */
	if (c && c->arg != NULL && c->arg == DatumGetPointer(arg) && c->cxt == refs.cxt &&
		refs.cxt != NULL && ref_find(c->ref) != NULL)
		PG_RETURN_BYTEA_P(c->ref);
	v = PG_DETOAST_DATUM(arg);
	s = TS_STATE(v);
	len = VARSIZE(v) - TS_OFFSET;
	state_check(s, len);
	hash = hash_bytes_extended((const unsigned char *) s, (int) Min(len, (uint64) INT_MAX), 0);
	register_forget();
	if (refs.cxt == NULL)
	{
		refs.cxt = AllocSetContextCreate(TopTransactionContext, "pgdl training states",
										 ALLOCSET_DEFAULT_SIZES);
		refs.n = refs.next = 0;
	}
	for (int i = 0; i < refs.n && !found; i++)
		found = refs.slots[i].hash == hash && refs.slots[i].len == len;
	if (!found)
	{
		StateRef   *slot = &refs.slots[refs.next];

		if (refs.n == TS_REF_SLOTS)
			pfree(varlena_of(slot->state));
		else
			refs.n++;
		refs.next = (refs.next + 1) % TS_REF_SLOTS;
		slot->hash = hash;
		slot->len = len;
		slot->state = state_alloc(refs.cxt, len);
		memcpy(slot->state, s, len);
	}
	if (c == NULL)
		c = fcinfo->flinfo->fn_extra = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(RefCache));
	else if (c->ref)
		pfree(c->ref);
	ref = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, VARHDRSZ + TS_REF_BYTES);
	SET_VARSIZE(ref, VARHDRSZ + TS_REF_BYTES);
	memcpy(VARDATA(ref), &hash, 8);
	memcpy(VARDATA(ref) + 8, &len, 8);
	c->ref = ref;
	c->cxt = refs.cxt;
	/* a constant argument stays where it is for the whole query */
	c->arg = arg_is_const(fcinfo->flinfo) ? DatumGetPointer(arg) : NULL;
	PG_RETURN_BYTEA_P(ref);
}

/*
 * pgdl.train_state_step(state, init, row): the round's model init (the same
 * every row) trained on row, a record of the model's features and, last,
 * the target (a class label, or float8).  pgdl.train_state_step_ref(state,
 * ref, row) is the same with init given by its reference.
 */
static Datum
train_step(FunctionCallInfo fcinfo, bool by_ref)
{
	MemoryContext aggcxt;
	dl_tstate  *s = arg_state(fcinfo, 0);
	dl_tstate  *init;
	TrainCache *c;
	HeapTupleHeader th;
	HeapTupleData tup;
	float		y;
	int			missing;
	bool		loose;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("pgdl.train_state_step can only be called as the transition of pgdl.train_state_agg")));
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the initial training state must not be NULL")));
	init = by_ref ? ref_state(PG_GETARG_BYTEA_PP(1)) : arg_state(fcinfo, 1);
	/* a running state without a cache: fn_extra does not last (Citus) */
	loose = s != NULL && fcinfo->flinfo->fn_extra == NULL;
	/* a new group: whatever state the loose cache checked is gone */
	if (s == NULL && loose_cache)
		loose_cache->checked = NULL;
	c = loose ? loose_cache : fcinfo->flinfo->fn_extra;
	if (c == NULL || s == NULL)
	{
		/* once per process and group: the model read and the init state checked */
		state_check(init, VARSIZE(varlena_of(init)) - TS_OFFSET);
		if (init->pending != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the initial training state must hold no buffered rows")));
		c = step_cache(fcinfo, init, loose);
	}
	if (s == NULL)
	{
		s = state_alloc(aggcxt, dl_tstate_bytes(init->model_len, init->n_params, init->n_moments,
												init->n_inputs, c->buffer_rows));
		dl_tstate_copy(s, init, c->buffer_rows);
		c->checked = s;
	}
	else if (s != c->checked)
	{
		/*
		 * Another running state than last time (another group, or an initial
		 * condition of the user's own aggregate): the cache must be its
		 * model's, whose rows and parameters it reads and writes.
		 */
		c = step_cache(fcinfo, s, loose);
		if (s->buffer_rows == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("pgdl.train_state_step continues only the states it made: this one has no row buffer"),
					 errhint("Run pgdl.train_state_agg; a training state cannot be an aggregate's initial condition.")));
		if (s->pending < 0 || s->pending >= s->buffer_rows)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid pgdl training state: %d buffered rows in a buffer of %d",
							s->pending, s->buffer_rows)));
		c->checked = s;
	}
	if (PG_ARGISNULL(2))
	{
		s->skipped_rows++;
		PG_RETURN_POINTER(varlena_of(s));
	}

	/* the row, bound to its type once */
	th = PG_GETARG_HEAPTUPLEHEADER(2);
	if (c->desc == NULL || HeapTupleHeaderGetTypeId(th) != c->rowtype ||
		HeapTupleHeaderGetTypMod(th) != c->rowtypmod)
	{
		MemoryContext old = MemoryContextSwitchTo(c->cxt);
		TupleDesc	desc = lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(th),
												  HeapTupleHeaderGetTypMod(th));

		TupleDesc	copy = CreateTupleDescCopy(desc);
		PgdlBoundFeature *bound;

		ReleaseTupleDesc(desc);
		if (copy->natts != c->model.n_features + 1)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("the rows have %d columns, the model needs its %d features and the target",
							copy->natts, c->model.n_features)));
		/* train_model's rows: the features in order (Citus drops their names) */
		if (s->flags & DL_TSTATE_BY_POSITION)
			for (int i = 0; i < c->model.n_features; i++)
				namestrcpy(&TupleDescAttr(copy, i)->attname, c->model.features[i].name);
		bound = palloc(sizeof(PgdlBoundFeature) * Max(c->model.n_features, 1));
		pgdl_bind_features(c->model.features, c->model.n_features, copy, bound);

		/*
		 * Kept only once bound: the cache outlives the statement on Citus, so
		 * an error above (caught by a subtransaction) must not leave a row
		 * type recorded without its binding.
		 */
		c->desc = copy;
		c->bound = bound;
		c->rowtype = HeapTupleHeaderGetTypeId(th);
		c->rowtypmod = HeapTupleHeaderGetTypMod(th);
		MemoryContextSwitchTo(old);
	}
	if ((++c->rows_read & 1023) == 0)
		CHECK_FOR_INTERRUPTS();
	tup.t_len = HeapTupleHeaderGetDatumLength(th);
	ItemPointerSetInvalid(&tup.t_self);
	tup.t_tableOid = InvalidOid;
	tup.t_data = th;

	if (!row_target(c, &tup, &y))
	{
		s->skipped_rows++;
		PG_RETURN_POINTER(varlena_of(s));
	}
	missing = pgdl_read_features(c->bound, c->model.n_features, &tup, c->desc, c->x, 0,
								 c->model.imputer != NULL || (s->flags & DL_TSTATE_DROP_ROW));
	if (missing > 0 && (s->flags & DL_TSTATE_DROP_ROW))
	{
		s->skipped_rows++;
		PG_RETURN_POINTER(varlena_of(s));
	}
	if (dl_tstate_is_validation(s, c->x, s->n_inputs, y))
	{
		pgdl_prepare_inputs(&c->model, c->x, c->nulls, c->row, 0);
		dl_tstate_evaluate_row(s, &c->model.net, c->eval_ws, c->row, y);
	}
	else if (s->flags & DL_TSTATE_TRAIN)
	{
		pgdl_prepare_inputs(&c->model, c->x, c->nulls, c->row, 0);
		if (dl_tstate_add_row(s, c->row, y))
			train_buffer(c, s);
	}
	PG_RETURN_POINTER(varlena_of(s));
}

Datum
pgdl_train_state_step(PG_FUNCTION_ARGS)
{
	return train_step(fcinfo, false);
}

Datum
pgdl_train_state_step_ref(PG_FUNCTION_ARGS)
{
	return train_step(fcinfo, true);
}

/* a copy of s in cxt with its buffered rows trained and no buffer left */
static dl_tstate *
trained_copy(FunctionCallInfo fcinfo, const dl_tstate *s, MemoryContext cxt)
{
	dl_tstate  *t = state_alloc(cxt, dl_tstate_bytes(s->model_len, s->n_params, s->n_moments,
													 s->n_inputs, 0));

	if (s->pending > 0)
	{
		/* trained in a scratch copy: s may be a worker's, read-only */
		dl_tstate  *w = state_alloc(CurrentMemoryContext,
									dl_tstate_bytes(s->model_len, s->n_params, s->n_moments,
													s->n_inputs, s->pending));

		dl_tstate_copy(w, s, s->pending);
		train_buffer(train_cache(fcinfo, w), w);
		dl_tstate_copy(t, w, 0);
		pfree(varlena_of(w));
	}
	else
		dl_tstate_copy(t, s, 0);
	return t;
}

/*
 * pgdl.train_state_combine(a, b): both partial models with their buffers
 * trained, averaged by rows into a (the aggregate's own copy).
 */
Datum
pgdl_train_state_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	dl_tstate  *a = arg_state(fcinfo, 0);
	dl_tstate  *b = arg_state(fcinfo, 1);
	const char *why;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("pgdl.train_state_combine can only be called as the combine function of pgdl.train_state_agg")));
	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(varlena_of(a));
	}
	state_check(b, VARSIZE(varlena_of(b)) - TS_OFFSET);
	if (a == NULL)
		PG_RETURN_POINTER(varlena_of(trained_copy(fcinfo, b, aggcxt)));
	if (dl_tstate_compatible(a, b, &why) != DL_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("cannot merge pgdl training states: %s", why)));
	if (a->pending > 0)
		train_buffer(train_cache(fcinfo, a), a);
	if (b->pending > 0)
	{
		dl_tstate  *t = trained_copy(fcinfo, b, CurrentMemoryContext);

		dl_tstate_merge(a, t);
		pfree(varlena_of(t));
	}
	else
		dl_tstate_merge(a, b);
	PG_RETURN_POINTER(varlena_of(a));
}

/* pgdl.train_state_final(state): the buffered rows trained, the buffer dropped */
Datum
pgdl_train_state_final(PG_FUNCTION_ARGS)
{
	dl_tstate  *s = arg_state(fcinfo, 0);

	if (s == NULL)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(varlena_of(trained_copy(fcinfo, s, CurrentMemoryContext)));
}

/*
 * pgdl.train_state_info(state): what a state holds, as jsonb (rows,
 * partials, losses): for tests and for looking at a round by hand.
 */
Datum
pgdl_train_state_info(PG_FUNCTION_ARGS)
{
	dl_tstate  *s = arg_state(fcinfo, 0);
	StringInfoData b;

	initStringInfo(&b);
	appendStringInfo(&b, "{\"parameters\": %llu, \"rows\": %lld, \"partials\": %d, \"step\": %lld, \"pending\": %d, \"skipped_rows\": %lld, \"validation_rows\": %lld",
					 (unsigned long long) s->n_params, (long long) s->rows, s->partials,
					 (long long) s->step, s->pending, (long long) s->skipped_rows,
					 (long long) s->validation_rows);
	/* the mean losses; null without rows */
	if (s->rows > 0)
		appendStringInfo(&b, ", \"train_loss\": %.17g", s->loss_sum / (double) s->rows);
	else
		appendStringInfoString(&b, ", \"train_loss\": null");
	if (s->validation_rows > 0)
		appendStringInfo(&b, ", \"validation_loss\": %.17g, \"validation_metric_mean\": %.17g",
						 s->validation_loss_sum / (double) s->validation_rows,
						 s->validation_metric_sum / (double) s->validation_rows);
	else
		appendStringInfoString(&b, ", \"validation_loss\": null, \"validation_metric_mean\": null");
	appendStringInfo(&b, ", \"bytes\": %llu}", (unsigned long long) s->total_bytes);
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(b.data)));
}

/* ---- the driver ------------------------------------------------------------------ */

void
pgdl_parallel_refuse(const dl_options *opts, const char *function)
{
	if (opts->parallel_workers > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"parallel_workers\" is not supported by %s", function),
				 errhint("Only train_model trains data-parallel; leave the option out or set it to 0.")));
}

typedef struct SplitPass
{
	const dl_options *opts;
	double		fraction;
	PgdlRows   *rows;
	dl_split   *split;
} SplitPass;

static void
split_row(size_t i, int64 rowno, float y, double *x, void *arg)
{
	SplitPass  *p = arg;

	if (dl_row_is_validation(p->opts->train.seed, p->fraction, x, p->rows->d, y))
		p->split->validation[p->split->n_validation++] = (uint32) i;
	else
		p->split->train[p->split->n_train++] = (uint32) i;
}

void
pgdl_parallel_split(const dl_options *opts, PgdlRows *rows, dl_split *split, PgdlParallelRun *run)
{
	SplitPass	p;

	memset(split, 0, sizeof(*split));
	/* charged to the training's budget, as dl_split_rows's are at the engine's hook */
	split->train = pgdl_budget_alloc(CurrentMemoryContext, sizeof(uint32) * Max(rows->n, 1));
	split->validation = pgdl_budget_alloc(CurrentMemoryContext, sizeof(uint32) * Max(rows->n, 1));
	p.opts = opts;
	p.fraction = rows->n < 10 ? 0 : opts->validation_fraction;
	p.rows = rows;
	p.split = split;
	pgdl_rows_foreach(rows, split_row, &p);
	if (split->n_validation == 0 || split->n_train == 0)
	{
		/* every row trains: the rounds then measure none */
		split->skipped_reason = opts->validation_fraction == 0 ? "validation_fraction is 0" :
			rows->n < 10 ? "fewer than 10 rows: every row is used for training" :
			"validation_fraction selects no row";
		p.fraction = 0;
		split->n_train = split->n_validation = 0;
		for (size_t i = 0; i < rows->n; i++)
			split->train[split->n_train++] = (uint32) i;
	}
	run->validation_fraction = p.fraction;
}

/* the state type's OID (the schema is pinned: pgdl) */
static Oid
train_state_type(void)
{
	Oid			nsp = get_namespace_oid("pgdl", false);

	return GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum("train_state"),
						   ObjectIdGetDatum(nsp));
}

/*
 * What follows the aggregate call in a round's query: the source's rows as
 * records of the features (in the model's order) and the target.
 */
static char *
round_from_sql(const PgdlParallelRun *run, const dl_model *model)
{
	StringInfoData sql;
	const char *qt = pgdl_quote_ident(run->tg->column);

	initStringInfo(&sql);
	appendStringInfoString(&sql, " FROM (SELECT ");
	for (int i = 0; i < run->fs->n; i++)
		appendStringInfo(&sql, "%s, ", pgdl_quote_ident(run->fs->features[i].name));
	if (model->n_labels > 0)
		appendStringInfo(&sql, "%s AS \"pgdl target\"", qt);
	else
		appendStringInfo(&sql, "(%s)::pg_catalog.float8 AS \"pgdl target\"", qt);
	appendStringInfo(&sql, " FROM (%s) AS s0) AS s", run->src);
	return sql.data;
}

static void
set_local(const char *name, const char *value)
{
	(void) set_config_option(name, value, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
}

/*
 * The starting state of a round: the model's current weights, the
 * optimizer's moments and step; by_position for rows whose columns are the
 * features in order, then the target.
 */
static Datum
round_state(dl_model *model, const dl_options *opts, const float *moments, int64 step,
			double fraction, int round, bool train, bool by_position)
{
	uint8_t    *bytes;
	size_t		len;
	dl_tstate  *s;
	int			nm = dl_tstate_moments(opts->train.optimizer);
	uint32		flags = (train ? DL_TSTATE_TRAIN : 0) | (by_position ? DL_TSTATE_BY_POSITION : 0) |
		(opts->impute == DL_MISSING_DROP_ROW ? DL_TSTATE_DROP_ROW : 0);

	pgdl_check_status(dl_model_write(model, &bytes, &len));
	s = state_alloc(CurrentMemoryContext, dl_tstate_bytes(len, model->net.n_params, nm, model->n_inputs, 0));
	/* round 1 shuffles with the seed itself, as serial training's first epoch */
	dl_tstate_init(s, bytes, len, model->net.n_params, model->net.params, moments, step,
				   model->n_inputs, 0, &opts->train, fraction,
				   opts->train.seed + (uint64) (round - 1) * UINT64_C(0x9E3779B97F4A7C15), flags);
	pfree(bytes);
	return PointerGetDatum(varlena_of(s));
}

/*
 * pgdl.train_state_init(model): a state to start a round from a stored
 * model version: its weights, its training options, no optimizer history,
 * every row training (no validation).
 */
Datum
pgdl_train_state_init(PG_FUNCTION_ARGS)
{
	PgdlModel  *pm = pgdl_model_load(text_to_cstring(PG_GETARG_TEXT_PP(0)), CurrentMemoryContext);
	dl_options	opts;

	if (pm->m.task != DL_TASK_CLASSIFICATION && pm->m.task != DL_TASK_REGRESSION)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("model \"%s\" was not trained by train_model", pm->name)));
	pgdl_check_status(dl_parse_options(pm->m.options_json ? pm->m.options_json : "{}", &opts));
	opts.train.loss = pm->m.loss;
	return round_state(&pm->m, &opts, NULL, 0, 0, 1, true, false);
}

/* receives the one row of a round: its state, copied into cxt */
typedef struct RoundReceiver
{
	DestReceiver pub;
	MemoryContext cxt;
	dl_tstate  *state;
	bool		got_row;
} RoundReceiver;

static bool
round_receive(TupleTableSlot *slot, DestReceiver *self)
{
	RoundReceiver *r = (RoundReceiver *) self;
	bool		isnull;
	Datum		d = slot_getattr(slot, 1, &isnull);

	r->got_row = true;
	if (!isnull)
	{
		struct varlena *v = PG_DETOAST_DATUM(d);

		r->state = state_alloc(r->cxt, VARSIZE(v) - TS_OFFSET);
		memcpy(r->state, TS_STATE(v), VARSIZE(v) - TS_OFFSET);
	}
	return true;
}

static void
round_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
}

static void
round_shutdown(DestReceiver *self)
{
}

/* the workers PostgreSQL started for the plan's Gather, or -1 without one */
static int
workers_launched(PlanState *ps)
{
	int			n;

	if (ps == NULL)
		return -1;
	if (IsA(ps, GatherState))
		return ((GatherState *) ps)->nworkers_launched;
	n = workers_launched(ps->lefttree);
	return n >= 0 ? n : workers_launched(ps->righttree);
}

/* whether an expression holds a call of Citus's coord_combine_agg */
static bool
combines_partials_walker(Node *node, void *arg)
{
	if (node == NULL)
		return false;
	if (IsA(node, Aggref))
	{
		char	   *name = get_func_name(((Aggref *) node)->aggfnoid);

		if (name != NULL && strcmp(name, "coord_combine_agg") == 0 &&
			get_func_namespace(((Aggref *) node)->aggfnoid) == PG_CATALOG_NAMESPACE)
			return true;
	}
	return expression_tree_walker(node, combines_partials_walker, arg);
}

/*
 * Whether a plan combines partial states that Citus's workers computed
 * (coord_combine_agg): the round's aggregate was pushed down.  A source
 * Citus cannot push down (it pulls the rows first) aggregates on the
 * coordinator instead.
 */
static bool
plan_combines_partials(Plan *plan)
{
	if (plan == NULL)
		return false;
	if (combines_partials_walker((Node *) plan->targetlist, NULL))
		return true;
	return plan_combines_partials(plan->lefttree) || plan_combines_partials(plan->righttree);
}

/*
 * Runs one round (the executor driven here rather than through SPI, to
 * see how many workers the Gather got); returns its merged state in cxt.
 * The plan takes init as its parameter, or has it in its text (Citus)
 * and no parameter; *pushed_down, when asked, says whether Citus's
 * workers run the aggregate.
 */
static dl_tstate *
run_round(SPIPlanPtr plan, const char *sql, Datum init, MemoryContext cxt, int *launched,
		  bool *pushed_down)
{
	CachedPlan *cplan = SPI_plan_get_cached_plan(plan);
	PlannedStmt *stmt;
	ParamListInfo params = NULL;
	RoundReceiver rr;
	QueryDesc  *qd;

	if (cplan == NULL || list_length(cplan->stmt_list) != 1)
		elog(ERROR, "pgdl: the training round has no plan");
	stmt = linitial_node(PlannedStmt, cplan->stmt_list);
	if (pushed_down)
	{
		*pushed_down = plan_combines_partials(stmt->planTree);
		if (*pushed_down)
			ereport(NOTICE,
					(errmsg("data-parallel training runs on the Citus workers"),
					 errdetail("Each epoch, every shard trains a copy of the model on its rows and the coordinator averages the copies weighted by their rows.")));
		else
			ereport(NOTICE,
					(errmsg("data-parallel training runs in one process: Citus does not split this source's aggregate over the shards"),
					 errdetail("Citus runs such a source (a reference or local table, a LIMIT, a window function) in one place, and one process trains on its rows."),
					 errhint("Give a source that reads a distributed table directly, or set \"parallel_workers\" to 0.")));
	}
	if (SPI_getargcount(plan) == 1)
	{
		params = makeParamList(1);
		params->params[0].value = init;
		params->params[0].isnull = false;
		params->params[0].pflags = PARAM_FLAG_CONST;
		params->params[0].ptype = SPI_getargtypeid(plan, 0);
		params->numParams = 1;
	}
	memset(&rr, 0, sizeof(rr));
	rr.pub.receiveSlot = round_receive;
	rr.pub.rStartup = round_startup;
	rr.pub.rShutdown = round_shutdown;
	rr.pub.rDestroy = round_shutdown;
	rr.pub.mydest = DestNone;
	rr.cxt = cxt;
	qd = CreateQueryDesc(stmt, sql, GetActiveSnapshot(), InvalidSnapshot, &rr.pub, params, NULL, 0);
	ExecutorStart(qd, 0);
	PGDL_EXECUTOR_RUN(qd, ForwardScanDirection, 0);
	*launched = workers_launched(qd->planstate);
	ExecutorFinish(qd);
	ExecutorEnd(qd);
	FreeQueryDesc(qd);
	ReleaseCachedPlan(cplan, NULL);
	if (!rr.got_row)
		elog(ERROR, "pgdl: the training round returned no row");
	if (rr.state == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the source has no row to train on")));
	return rr.state;
}

/* what the epochs of a parallel training keep: the best weights for early stopping */
typedef struct EpochProgress
{
	dl_model   *model;
	const dl_options *opts;
	PgdlParallelRun *run;
	dl_train_result *result;
	bool		validate;
	float	   *best;			/* early stopping: the best epoch's weights */
	double		best_loss;
} EpochProgress;

/*
 * Records an epoch whose model is the current one (as dl_train does: the
 * result follows the best epoch under early stopping, else the last) and
 * reports it; true when early stopping ends the training.
 */
static bool
finish_epoch(dl_epoch_report *r, EpochProgress *p)
{
	dl_train_result *result = p->result;
	double		monitored = p->validate ? r->validation_loss : r->train_loss;
	int			patience = p->opts->train.patience;

	r->improved = monitored < p->best_loss;
	result->epochs_run = r->epoch;
	if (r->improved || patience == 0)
	{
		if (r->improved)
			p->best_loss = monitored;
		result->best_epoch = r->epoch;
		result->train_loss = r->train_loss;
		result->validation_loss = r->validation_loss;
		result->validation_metric = r->validation_metric;
		if (p->best)
			memcpy(p->best, p->model->net.params, sizeof(float) * p->model->net.n_params);
	}
	if (p->run->on_epoch)
		p->run->on_epoch(r, p->run->on_epoch_arg);
	return patience > 0 && r->epoch - result->best_epoch >= patience;
}

void
pgdl_train_parallel(dl_model *model, const dl_options *opts, PgdlParallelRun *run,
					dl_train_result *result)
{
	const dl_train_options *o = &opts->train;
	bool		validate = run->validation_fraction > 0;
	size_t		np = model->net.n_params;
	int			nm = dl_tstate_moments(o->optimizer);
	float	   *moments = nm > 0 ? palloc0(sizeof(float) * np * nm) : NULL;
	int64		step = 0;
	int			asked = Min(opts->parallel_workers, max_parallel_workers_per_gather);
	int			fewest = INT_MAX;	/* workers launched, in the round that got fewest */
	char	   *sql = NULL;
	char	   *from;
	Oid			argtypes[1] = {train_state_type()};
	SPIPlanPtr	plan = NULL;
	bool		citus = pgdl_sql_reads_citus_table(run->src);
	bool		distributed = false;	/* Citus's workers ran the rounds */
	int			guc_level = NewGUCNestLevel();
	bool		was_read_only = XactReadOnly;
	dl_epoch_report report;
	bool		have_pending = false;
	EpochProgress progress;
	bool		stop = false;
	MemoryContext round_cxt = AllocSetContextCreate(CurrentMemoryContext, "pgdl training round",
													ALLOCSET_DEFAULT_SIZES);
	TimestampTz start = GetCurrentTimestamp();

	memset(result, 0, sizeof(*result));
	memset(&progress, 0, sizeof(progress));
	progress.model = model;
	progress.opts = opts;
	progress.run = run;
	progress.result = result;
	progress.validate = validate;
	progress.best = o->patience > 0 ? palloc(sizeof(float) * Max(np, 1)) : NULL;
	progress.best_loss = INFINITY;
	result->metric = model->loss == DL_LOSS_CE || model->loss == DL_LOSS_BCE ? "accuracy" : "rmse";
	result->train_loss = result->validation_loss = result->validation_metric = NAN;
	if (!OidIsValid(argtypes[0]))
		elog(ERROR, "pgdl: type pgdl.train_state is missing");

	if (!citus)
	{
		/* a parallel plan for the rounds, within what the session allows */
		set_local("parallel_setup_cost", "0");
		set_local("parallel_tuple_cost", "0");
		set_local("min_parallel_table_scan_size", "0");
		set_local("min_parallel_index_scan_size", "0");
		set_local("parallel_leader_participation", "off");
		set_local("synchronize_seqscans", "off");
		set_local("max_parallel_workers_per_gather", psprintf("%d", asked));
	}

	XactReadOnly = true;
	PG_TRY();
	{
		from = round_from_sql(run, model);
		if (!citus)
		{
			sql = psprintf("SELECT pgdl.train_state_agg($1, s)%s", from);
			plan = SPI_prepare_cursor(sql, 1, argtypes, CURSOR_OPT_PARALLEL_OK);
			if (plan == NULL)
				elog(ERROR, "pgdl: preparing the training round failed: %s",
					 SPI_result_code_string(SPI_result));
		}

		/* round e trains epoch e and measures epoch e - 1; one more round measures the last */
		for (int round = 1; !stop && round <= o->epochs + (validate ? 1 : 0); round++)
		{
			bool		train = round <= o->epochs;
			TimestampTz t0 = GetCurrentTimestamp();
			MemoryContext old = MemoryContextSwitchTo(round_cxt);
			int			launched;
			Datum		init = round_state(model, opts, moments, step, run->validation_fraction,
										   round, train, true);
			dl_tstate  *s;

			if (citus)
			{
				/*
				 * Citus sends no query parameter to its workers: the state
				 * is a literal in the round's text, as the scoring functions
				 * send a model (citus_ship.c).
				 */
				sql = psprintf("SELECT pgdl.train_state_agg_ref(pgdl.train_state_ref(%s::pgdl.train_state), s)%s",
							   quote_literal_cstr(DatumGetCString(DirectFunctionCall1(pgdl_train_state_out, init))),
							   from);
				plan = SPI_prepare(sql, 0, NULL);
				if (plan == NULL)
					elog(ERROR, "pgdl: preparing the training round failed: %s",
						 SPI_result_code_string(SPI_result));
			}
			s = run_round(plan, sql, init, round_cxt, &launched, citus && round == 1 ? &distributed : NULL);
			if (citus)
				SPI_freeplan(plan);
			MemoryContextSwitchTo(old);
			if (have_pending)
			{
				/* the previous epoch's model (this round's start), measured now */
				dl_tstate_validation(s, &model->net, &report.validation_loss, &report.validation_metric);
				stop = finish_epoch(&report, &progress);
				have_pending = false;
			}
			if (train && !stop)
			{
				if (s->rows == 0)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("there are no training rows")));
				fewest = Min(fewest, Max(launched, 0));
				for (size_t i = 0; i < np; i++)
					if (!isfinite(dl_tstate_params(s)[i]))
						ereport(ERROR,
								(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
								 errmsg("training diverged at epoch %d (a parameter is not finite); lower learning_rate (now %g), set clip_norm, or standardize the features",
										round, (double) o->learning_rate)));
				memcpy(model->net.params, dl_tstate_params(s), sizeof(float) * np);
				/* the optimizer's state goes on from its average (the README says why) */
				for (int i = 0; i < nm; i++)
					memcpy(moments + (size_t) i * np, dl_tstate_moment(s, i), sizeof(float) * np);
				step = s->step;
				memset(&report, 0, sizeof(report));
				report.epoch = round;
				report.epochs = o->epochs;
				report.train_loss = s->loss_sum / (double) s->rows;
				report.metric = result->metric;
				report.validation_loss = report.validation_metric = NAN;
				report.seconds = (double) (GetCurrentTimestamp() - t0) / 1e6;
				report.rows_per_second = report.seconds > 0 ? (double) s->rows / report.seconds : 0;
				have_pending = validate;
				if (!validate)
					stop = finish_epoch(&report, &progress);
			}
			MemoryContextReset(round_cxt);
		}
		if (!citus)
			SPI_freeplan(plan);
	}
	PG_FINALLY();
	{
		XactReadOnly = was_read_only;
	}
	PG_END_TRY();
	AtEOXact_GUC(true, guc_level);
	MemoryContextDelete(round_cxt);

	if (progress.best && result->best_epoch > 0 && result->best_epoch != result->epochs_run)
		memcpy(model->net.params, progress.best, sizeof(float) * np);
	result->seconds = (double) (GetCurrentTimestamp() - start) / 1e6;
	if (fewest == INT_MAX)
		fewest = 0;
	if (citus)
		run->data = distributed ? "distributed" : "parallel 0";
	else
		run->data = psprintf("parallel %d", fewest);
	if (!citus && fewest < opts->parallel_workers)
		ereport(NOTICE,
				(errmsg("data-parallel training got %d of the %d parallel workers asked for%s", fewest,
						opts->parallel_workers, fewest == 0 ? "; one process trained" : ""),
				 errdetail("max_parallel_workers_per_gather is %d and max_parallel_workers %d; PostgreSQL plans fewer workers for a small table, and starts fewer when worker slots are busy.",
						   max_parallel_workers_per_gather, max_parallel_workers)));
}
