/*-------------------------------------------------------------------------
 *
 * models.c
 *	  The model registry: resolving "name", "name@N" and "name@latest",
 *	  loading and caching a model once per statement, saving versions, and
 *	  the management functions (model_info, export/import, drop, deploy,
 *	  grant, revoke).
 *
 * Every registry access goes through SPI as the calling user, so the
 * row-level security policies of models.sql decide who sees and changes
 * what; the C code adds only the friendlier errors (who owns a name).  A
 * model is resolved, read, checked and deserialized once per statement
 * (fn_extra), with that statement's snapshot: a retrain committed meanwhile
 * affects the next statement.
 *
 * src/pg/models.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "models.h"
#include "options.h"
#include "pgdl.h"
#include "text_feature.h"

PG_FUNCTION_INFO_V1(pgdl_model_info);
PG_FUNCTION_INFO_V1(pgdl_export_model);
PG_FUNCTION_INFO_V1(pgdl_import_model);
PG_FUNCTION_INFO_V1(pgdl_drop_model);
PG_FUNCTION_INFO_V1(pgdl_deploy_model);
PG_FUNCTION_INFO_V1(pgdl_grant_model);
PG_FUNCTION_INFO_V1(pgdl_revoke_model);

/* ---- names ---------------------------------------------------------------- */

static bool
valid_model_name(const char *s, size_t len)
{
	if (len < 1 || len > 63)
		return false;
	if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return false;
	for (size_t i = 1; i < len; i++)
	{
		char		c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			  c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

void
pgdl_parse_model_ref(const char *ref, PgdlModelRef *out)
{
	const char *at = strchr(ref, '@');
	size_t		len = at ? (size_t) (at - ref) : strlen(ref);

	if (!valid_model_name(ref, len))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_NAME),
				 errmsg("invalid model name \"%s\"", ref),
				 errdetail("A model name matches ^[A-Za-z_][A-Za-z0-9_.-]{0,62}$, optionally followed by @N or @latest.")));
	out->name = pnstrdup(ref, len);
	out->version = PGDL_VERSION_DEFAULT;
	if (at)
	{
		const char *v = at + 1;

		if (strcmp(v, "latest") == 0)
			out->version = PGDL_VERSION_LATEST;
		else
		{
			char	   *end;
			long		n;

			errno = 0;
			n = strtol(v, &end, 10);
			if (*v < '0' || *v > '9' || *end != '\0' || errno != 0 || n < 1 || n > INT_MAX)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_NAME),
						 errmsg("invalid model version in \"%s\"", ref),
						 errdetail("Write name@N with a positive version number, or name@latest.")));
			out->version = (int) n;
		}
	}
}

/* ---- registry reads -------------------------------------------------------- */

/* the owner of a name, or InvalidOid when no such model exists (names are visible to all) */
static Oid
model_owner(const char *name)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {CStringGetTextDatum(name)};
	Oid			owner = InvalidOid;
	bool		isnull;

	if (SPI_execute_with_args("SELECT owner::pg_catalog.oid FROM pgdl.model_names WHERE name OPERATOR(pg_catalog.=) $1",
							  1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "pgdl: reading the model registry failed");
	if (SPI_processed == 1)
	{
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			owner = DatumGetObjectId(d);
	}
	return owner;
}

static const char *
role_name(Oid role)
{
	char	   *n = GetUserNameFromId(role, true);

	return n ? n : psprintf("(dropped role %u)", role);
}

void
pgdl_check_model_writer(const char *name, bool must_exist)
{
	Oid			owner;

	/* every caller is about to write the registry: in a read-only transaction, fail before the work */
	PreventCommandIfReadOnly("a change of the pgdl model registry");
	owner = model_owner(name);

	if (!OidIsValid(owner))
	{
		if (must_exist)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("model \"%s\" does not exist", name)));
		return;
	}
	if (!is_member_of_role(GetUserId(), owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("model \"%s\" belongs to role \"%s\"", name, role_name(owner)),
				 errdetail("Only members of the owner may train new versions of a model, drop, deploy or grant it.")));
}

/* ---- after a change of the registry ------------------------------------------- */

/*
 * Plans that shipped a model to Citus workers (citus_ship.c) list the
 * registry among their relations: a relcache invalidation of it, sent at
 * commit to every backend, has them replanned with the current model.
 */
static void
registry_changed(void)
{
	Oid			nsp = get_namespace_oid("pgdl", true);
	Oid			registry = OidIsValid(nsp) ? get_relname_relid("model_versions", nsp) : InvalidOid;

	/* sent at commit to every backend: the plans that shipped a model are replanned */
	if (OidIsValid(registry))
		CacheInvalidateRelcacheByRelid(registry);
}

/* ---- on a Citus worker ------------------------------------------------------------- */

/* Citus's connections to its workers name themselves "citus_internal gpid=..." */
static bool
in_citus_shard_query(void)
{
	return application_name != NULL &&
		strncmp(application_name, "citus_internal", strlen("citus_internal")) == 0;
}

/*
 * The model cache of a _shipped twin (src/pg/citus_ship.sql: a scoring
 * function called with the model's bytes, name@version third): one model,
 * as a shard query carries one constant.
 */
typedef struct ShippedCache
{
	char	   *key;			/* the bytes the model was decoded from */
	int			keylen;
	PgdlModel  *model;
	const char *source;			/* where the bytes were, when they are a constant */
	bool		from_const;
} ShippedCache;

static PgdlModel *
shipped_model_cached(FunctionCallInfo fcinfo)
{
	ShippedCache *c = (ShippedCache *) fcinfo->flinfo->fn_extra;
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	const char *data = VARDATA_ANY(b);
	int			len = VARSIZE_ANY_EXHDR(b);
	PgdlModelRef ref;

	if (c == NULL)
	{
		Node	   *expr = fcinfo->flinfo->fn_expr;

		c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ShippedCache));
		/* a constant's bytes stay where they are for as long as this FmgrInfo */
		c->from_const = expr && IsA(expr, FuncExpr) &&
			IsA(linitial(((FuncExpr *) expr)->args), Const);
		fcinfo->flinfo->fn_extra = c;
	}
	if (c->model && c->keylen == len &&
		((c->from_const && c->source == data) || memcmp(c->key, data, len) == 0))
		return c->model;
	if (c->model)
	{
		pgdl_model_release(c->model);
		c->model = NULL;
		pfree(c->key);
	}
	pgdl_parse_model_ref(text_to_cstring(PG_GETARG_TEXT_PP(2)), &ref);
	c->model = pgdl_model_from_weights(ref.name, Max(ref.version, 0), b, fcinfo->flinfo->fn_mcxt);
	c->key = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, Max(len, 1));
	memcpy(c->key, data, len);
	c->keylen = len;
	c->source = data;
	return c->model;
}

/* the version a plain name means, $1: the deployed one, else the highest */
static const char *const resolve_plain_name_sql =
"SELECT v.version, v.weights FROM pgdl.model_versions v "
"LEFT JOIN pgdl.model_names n ON n.name OPERATOR(pg_catalog.=) v.name "
"WHERE v.name OPERATOR(pg_catalog.=) $1 "
"ORDER BY (v.version OPERATOR(pg_catalog.=) n.deployed_version) DESC NULLS LAST, v.version DESC LIMIT 1";

/*
 * The version ref resolves to and its weights (detoasted into the current
 * memory context), or an error saying why there is none: no such model, not
 * allowed to read it, no such version.  Runs inside SPI.
 */
static bytea *
fetch_weights(const PgdlModelRef *ref, int *version)
{
	Oid			argtypes[2] = {TEXTOID, INT4OID};
	Datum		args[2];
	char		nulls[2] = {' ', ' '};
	const char *sql;
	bool		isnull;
	Datum		d;

	args[0] = CStringGetTextDatum(ref->name);
	args[1] = Int32GetDatum(ref->version);
	if (ref->version > 0)
		sql = "SELECT version, weights FROM pgdl.model_versions "
			"WHERE name OPERATOR(pg_catalog.=) $1 AND version OPERATOR(pg_catalog.=) $2";
	else if (ref->version == PGDL_VERSION_LATEST)
		sql = "SELECT version, weights FROM pgdl.model_versions "
			"WHERE name OPERATOR(pg_catalog.=) $1 ORDER BY version DESC LIMIT 1";
	else
		sql = resolve_plain_name_sql;
	if (ref->version <= 0)
		nulls[1] = 'n';
	if (SPI_execute_with_args(sql, 2, argtypes, args, nulls, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "pgdl: reading the model registry failed");
	if (SPI_processed == 0)
	{
		Oid			owner = model_owner(ref->name);

		if (!OidIsValid(owner))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("model \"%s\" does not exist", ref->name),
					 in_citus_shard_query() ?
					 errhint("This is a Citus worker, whose registry is not the coordinator's. The coordinator sends the model with the query when pgdl is in its shared_preload_libraries (after citus) and the call, with a constant model, is written in the query itself.") : 0));
		if (ref->version > 0)
		{
			/* a version that exists but is hidden is reported as not allowed below */
			Datum		a1[1] = {CStringGetTextDatum(ref->name)};
			Oid			t1[1] = {TEXTOID};

			if (SPI_execute_with_args("SELECT 1 FROM pgdl.model_versions WHERE name OPERATOR(pg_catalog.=) $1 LIMIT 1",
									  1, t1, a1, NULL, true, 1) == SPI_OK_SELECT && SPI_processed == 1)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_OBJECT),
						 errmsg("model \"%s\" has no version %d", ref->name, ref->version)));
		}
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for model \"%s\"", ref->name),
				 errdetail("The model belongs to role \"%s\"; it may be read by members of that role and by roles it was granted to with pgdl.grant_model.",
						   role_name(owner))));
	}
	*version = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
	return DatumGetByteaPCopy(d);
}

static size_t
max_params(void)
{
	return (size_t) pgdl_max_model_size_kb * 1024 / sizeof(float);
}

/* reads model bytes into m (allocated in the current context), mapping errors */
void
pgdl_model_from_bytes(const bytea *b, dl_model *m)
{
	size_t		len = VARSIZE_ANY_EXHDR(b);

	if (len > (size_t) pgdl_max_model_size_kb * 1024)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("model is %zu bytes, more than pgdl.max_model_size (%d kB)",
						len, pgdl_max_model_size_kb)));
	pgdl_check_status(dl_model_read((const uint8_t *) VARDATA_ANY(b), len, max_params(), m));
}

/*
 * The weights ref resolves to for the current user (row-level security and
 * the errors of fetch_weights), copied into the caller's memory context;
 * *name and *version say which model they are.
 */
bytea *
pgdl_model_fetch(const char *refstr, char **name, int *version)
{
	PgdlModelRef ref;
	bytea	   *w;

	pgdl_parse_model_ref(refstr, &ref);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pgdl: SPI_connect failed");
	w = fetch_weights(&ref, version);
	/* out of SPI's memory, which SPI_finish frees */
	w = memcpy(SPI_palloc(VARSIZE(w)), w, VARSIZE(w));
	SPI_finish();
	if (name)
		*name = ref.name;
	return w;
}

/* a model ready to score, in a context of its own under mcxt, from its bytes */
PgdlModel *
pgdl_model_from_weights(const char *name, int version, const bytea *weights, MemoryContext mcxt)
{
	MemoryContext cxt = AllocSetContextCreate(mcxt, "pgdl model", ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	PgdlModel  *pm = palloc0(sizeof(PgdlModel));

	pm->mcxt = cxt;
	pm->name = pstrdup(name);
	pm->version = version;
	pgdl_model_from_bytes(weights, &pm->m);
	pgdl_check_status(dl_workspace_create(&pm->m.net, 1, false, &pm->ws));
	pm->n_outputs = (int) dl_shape_size(&pm->m.net.output_shape);
	pm->in = palloc0(sizeof(float) * Max(pm->m.n_inputs, 1));
	pm->out = palloc0(sizeof(float) * Max(pm->n_outputs, 1));
	pm->xd = palloc0(sizeof(double) * Max(pm->m.n_inputs, 1));
	pm->nulls = palloc0(sizeof(bool) * Max(pm->m.n_inputs, 1));
	MemoryContextSwitchTo(old);
	return pm;
}

PgdlModel *
pgdl_model_load(const char *refstr, MemoryContext mcxt)
{
	char	   *name;
	int			version;
	bytea	   *weights = pgdl_model_fetch(refstr, &name, &version);
	PgdlModel  *pm = pgdl_model_from_weights(name, version, weights, mcxt);

	pfree(weights);
	return pm;
}

void
pgdl_model_release(PgdlModel *pm)
{
	if (pm)
		MemoryContextDelete(pm->mcxt);
}

/*
 * The models of a per-row function's call site, cached in fn_extra for the
 * statement: every model text the statement passes (a query comparing
 * versions row by row, "'m@' || v", uses several), most recently used
 * first.  They may hold pgdl.model_cache_size together; past it the least
 * recently used are released, never the one in use, so one model of any
 * size stays as before.  Each load is logged at DEBUG1 (the tests count
 * them).
 *
 * The FmgrInfo can outlive the statement: PL/pgSQL keeps the state of a
 * simple expression such as "p := pgdl.predict('m', x)" for the whole
 * transaction.  So the cache also remembers the statement its models were
 * loaded for, by its snapshot (a new statement that may see a new version
 * has another snapshot; every row of one statement, parallel workers
 * included, has the same) and the user (row-level security decided what was
 * read), and starts empty for another.
 */
typedef struct CachedModel
{
	struct CachedModel *next;
	char	   *key;			/* the model argument's bytes as given */
	int			keylen;
	size_t		bytes;			/* what the model's context holds */
	PgdlModel  *model;
} CachedModel;

typedef struct ModelCache
{
	CachedModel *models;		/* most recently used first */
	size_t		bytes;
	/* the statement they were loaded for: the user and the active snapshot */
	Oid			userid;
	TransactionId snap_xmin;
	TransactionId snap_xmax;
	CommandId	snap_curcid;
	uint64		snap_completions;
} ModelCache;

static void
cache_release(ModelCache *c, CachedModel *e)
{
	c->bytes -= e->bytes;
	pgdl_model_release(e->model);
	pfree(e->key);
	pfree(e);
}

/* whether the cached models were loaded for the statement of snap (and this user) */
static bool
cache_same_statement(const ModelCache *c, Snapshot snap)
{
	return snap != NULL && c->userid == GetUserId() &&
		c->snap_xmin == snap->xmin && c->snap_xmax == snap->xmax &&
		c->snap_curcid == snap->curcid && c->snap_completions == snap->snapXactCompletionCount;
}

PgdlModel *
pgdl_model_cached(FunctionCallInfo fcinfo, text *ref)
{
	ModelCache *c = (ModelCache *) fcinfo->flinfo->fn_extra;
	const char *key = VARDATA_ANY(ref);
	int			keylen = VARSIZE_ANY_EXHDR(ref);
	Snapshot	snap;
	CachedModel *e;
	CachedModel **prev;
	size_t		limit;

	/* the twins the coordinator ships to Citus workers carry the model's bytes (citus_ship.c) */
	if (fcinfo->flinfo->fn_nargs == 3 && get_fn_expr_argtype(fcinfo->flinfo, 0) == BYTEAOID)
		return shipped_model_cached(fcinfo);
	snap = ActiveSnapshotSet() ? GetActiveSnapshot() : NULL;
	if (c == NULL)
	{
		c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ModelCache));
		fcinfo->flinfo->fn_extra = c;
	}
	if (cache_same_statement(c, snap))
	{
		/* the same model text as the last row: no allocation, no lookup */
		for (prev = &c->models; (e = *prev) != NULL; prev = &e->next)
			if (e->keylen == keylen && memcmp(e->key, key, keylen) == 0)
			{
				*prev = e->next;
				e->next = c->models;
				c->models = e;
				return e->model;
			}
	}
	else
	{
		while (c->models)
		{
			e = c->models;
			c->models = e->next;
			cache_release(c, e);
		}
		c->userid = GetUserId();
		if (snap)
		{
			c->snap_xmin = snap->xmin;
			c->snap_xmax = snap->xmax;
			c->snap_curcid = snap->curcid;
			c->snap_completions = snap->snapXactCompletionCount;
		}
	}

	e = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(CachedModel));
	e->model = pgdl_model_load(text_to_cstring(ref), fcinfo->flinfo->fn_mcxt);
	e->key = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, Max(keylen, 1));
	memcpy(e->key, key, keylen);
	e->keylen = keylen;
	e->bytes = MemoryContextMemAllocated(e->model->mcxt, true);
	e->next = c->models;
	c->models = e;
	c->bytes += e->bytes;
	ereport(DEBUG1,
			(errmsg_internal("pgdl: model \"%s\" version %d loaded for this statement",
							 e->model->name, e->model->version)));

	/* past the limit: the least recently used go, the model just loaded stays */
	limit = (size_t) pgdl_model_cache_size_kb * 1024;
	while (c->bytes > limit && c->models->next != NULL)
	{
		for (prev = &c->models->next; (*prev)->next != NULL; prev = &(*prev)->next)
			;
		ereport(DEBUG1,
				(errmsg_internal("pgdl: model \"%s\" version %d leaves the statement's model cache (pgdl.model_cache_size)",
								 (*prev)->model->name, (*prev)->model->version)));
		cache_release(c, *prev);
		*prev = NULL;
	}
	return e->model;
}

/* ---- what a plain name means ------------------------------------------------- */

/* "a, b, c" of up to 8 names, then how many more */
static void
append_name_list(StringInfo b, char *const *names, int n)
{
	for (int i = 0; i < n && i < 8; i++)
		appendStringInfo(b, "%s%s", i ? ", " : "", names[i]);
	if (n > 8)
		appendStringInfo(b, " and %d more", n - 8);
	if (n == 0)
		appendStringInfoString(b, "none");
}

static void
append_feature_names(StringInfo b, const dl_model *m)
{
	char	  **names = palloc(sizeof(char *) * Max(m->n_features, 1));

	for (int i = 0; i < m->n_features; i++)
		names[i] = m->features[i].name;
	append_name_list(b, names, m->n_features);
	pfree(names);
}

static const char *feature_kind_name(dl_feature_kind k);

/* what a query passes for a feature: "a number", "an array of 4 values", ... */
static const char *
feature_form(const dl_feature *f)
{
	if (f->kind == DL_FEATURE_ARRAY)
		return psprintf("an array of %d values", f->length);
	if (f->kind == DL_FEATURE_MATRIX)
		return psprintf("a sequence of %d steps of %d values", f->rows, f->cols);
	if (f->kind == DL_FEATURE_CATEGORICAL)
		return "a category";
	return psprintf("a %s", feature_kind_name(f->kind));
}

/* the first difference between the features of was (version v) and now, or NULL */
static char *
features_differ(const dl_model *was, int v, const dl_model *now)
{
	StringInfoData b;

	initStringInfo(&b);
	if (was->n_features != now->n_features)
	{
		appendStringInfo(&b, "Version %d reads %d features (", v, was->n_features);
		append_feature_names(&b, was);
		appendStringInfo(&b, "), the new one %d (", now->n_features);
		append_feature_names(&b, now);
		appendStringInfoString(&b, ").");
		return b.data;
	}
	for (int i = 0; i < now->n_features; i++)
		if (strcmp(was->features[i].name, now->features[i].name) != 0)
		{
			appendStringInfo(&b, "Feature %d is \"%s\" in version %d, \"%s\" in the new one.",
							 i + 1, was->features[i].name, v, now->features[i].name);
			return b.data;
		}
	for (int i = 0; i < now->n_features; i++)
	{
		const dl_feature *f = &was->features[i];
		const dl_feature *g = &now->features[i];

		/*
		 * A category seen since, a date's other encodings, or a bag of
		 * words' other vocabulary, change the inputs, not what a query passes
		 */
		if (f->kind != g->kind ||
			(f->kind != DL_FEATURE_CATEGORICAL && f->kind != DL_FEATURE_DATE &&
			 !dl_feature_is_bag(f) && !dl_feature_is_bag(g) &&
			 (f->length != g->length || f->rows != g->rows || f->cols != g->cols)))
		{
			appendStringInfo(&b, "Feature \"%s\" is %s in version %d, %s in the new one.",
							 f->name, feature_form(f), v, feature_form(g));
			return b.data;
		}
	}
	return NULL;
}

static bool
labels_differ(const dl_model *was, const dl_model *now)
{
	if (was->n_labels != now->n_labels)
		return true;
	for (int i = 0; i < now->n_labels; i++)
		if (strcmp(was->labels[i], now->labels[i]) != 0)
			return true;
	return false;
}

/*
 * Refuses (55000) a new version of name whose features, task or labels
 * differ from those of the version the plain name means (the deployed one,
 * else the highest), unless replace: every query scoring with the plain
 * name would then read rows differently, or fail.  Inside SPI, as a writer
 * of the name (who reads all its versions).
 */
void
pgdl_check_model_meaning(const char *name, const dl_model *m, bool replace)
{
	Oid			argtypes[2] = {TEXTOID, INT4OID};
	Datum		args[2] = {CStringGetTextDatum(name), (Datum) 0};
	char		nulls[2] = {' ', 'n'};
	MemoryContext cxt;
	MemoryContext old;
	dl_model	was;
	int			v;
	bool		isnull;
	char	   *features;
	const char *what[3];
	int			n_what = 0;
	StringInfoData detail;

	if (replace)
		return;
	if (SPI_execute_with_args(resolve_plain_name_sql, 2, argtypes, args, nulls, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "pgdl: reading the model registry failed");
	if (SPI_processed == 0)
		return;					/* a new name means nothing yet */
	v = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	cxt = AllocSetContextCreate(CurrentMemoryContext, "pgdl model meaning", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	pgdl_model_from_bytes(DatumGetByteaPP(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull)),
						  &was);

	initStringInfo(&detail);
	if (was.task != m->task)
	{
		what[n_what++] = "task";
		appendStringInfo(&detail, "Version %d is a %s model, the new one %s.",
						 v, dl_task_name(was.task), dl_task_name(m->task));
	}
	features = features_differ(&was, v, m);
	if (features)
	{
		what[n_what++] = "features";
		appendStringInfo(&detail, "%s%s", detail.len ? " " : "", features);
	}
	/* what the outputs mean: a k-means model's clusters, a PCA model's components */
	if (was.task == DL_TASK_CLUSTERING && m->task == DL_TASK_CLUSTERING && was.n_labels != m->n_labels)
	{
		what[n_what++] = "clusters";
		appendStringInfo(&detail, "%sVersion %d has %d clusters; the new one %d.", detail.len ? " " : "",
						 v, was.n_labels, m->n_labels);
	}
	if (was.task == DL_TASK_PROJECTION && m->task == DL_TASK_PROJECTION &&
		dl_shape_size(&was.net.output_shape) != dl_shape_size(&m->net.output_shape))
	{
		what[n_what++] = "components";
		appendStringInfo(&detail, "%sVersion %d projects onto %zu components; the new one onto %zu.",
						 detail.len ? " " : "", v, dl_shape_size(&was.net.output_shape),
						 dl_shape_size(&m->net.output_shape));
	}
	if (was.task == DL_TASK_CLASSIFICATION && m->task == DL_TASK_CLASSIFICATION &&
		labels_differ(&was, m))
	{
		what[n_what++] = "labels";
		appendStringInfo(&detail, "%sVersion %d has the labels ", detail.len ? " " : "", v);
		append_name_list(&detail, was.labels, was.n_labels);
		appendStringInfoString(&detail, "; the new one ");
		append_name_list(&detail, m->labels, m->n_labels);
		appendStringInfoChar(&detail, '.');
	}
	MemoryContextSwitchTo(old);
	if (n_what > 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("a new version of model \"%s\" would change its %s", name,
						n_what == 1 ? what[0] :
						psprintf("%s%s%s and %s", what[0], n_what == 3 ? ", " : "",
								 n_what == 3 ? what[1] : "", what[n_what - 1])),
				 errdetail("%s Every query that scores with the plain name \"%s\" would read the new version.",
						   detail.data, name),
				 errhint("Save it under another name, or set the option \"replace\" to true to change what \"%s\" means (a deployed version keeps serving until another is deployed).",
						 name)));
	MemoryContextDelete(cxt);
}

/* ---- saving a version ------------------------------------------------------ */

static Datum
text_array_datum(char **items, int n)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(n, 1));

	for (int i = 0; i < n; i++)
		d[i] = CStringGetTextDatum(items[i]);
	return PointerGetDatum(construct_array(d, n, TEXTOID, -1, false, TYPALIGN_INT));
}

static Datum
jsonb_datum(const char *json)
{
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(json));
}

int
pgdl_save_model(const PgdlSave *s)
{
	Oid			owner;
	int			version;
	bytea	   *weights;
	uint8_t    *bytes;
	size_t		len;
	char	  **fnames;
	char	   *layers_json;
	bool		isnull;

	pgdl_check_status(dl_model_write(s->model, &bytes, &len));
	if (len > (size_t) pgdl_max_model_size_kb * 1024)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("model \"%s\" would be %zu bytes, more than pgdl.max_model_size (%d kB)",
						s->name, len, pgdl_max_model_size_kb),
				 errhint("Use fewer or smaller layers, or raise pgdl.max_model_size (superuser).")));
	weights = palloc(VARHDRSZ + len);
	SET_VARSIZE(weights, VARHDRSZ + len);
	memcpy(VARDATA(weights), bytes, len);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pgdl: SPI_connect failed");

	/* the name: created by the first trainer, then a row lock serializes versions */
	{
		Oid			t[2] = {TEXTOID, OIDOID};
		Datum		a[2] = {CStringGetTextDatum(s->name), ObjectIdGetDatum(GetUserId())};

		if (SPI_execute_with_args("INSERT INTO pgdl.model_names (name, owner) VALUES ($1, $2::pg_catalog.regrole) "
								  "ON CONFLICT (name) DO NOTHING", 2, t, a, NULL, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "pgdl: creating the model name failed");
		if (SPI_execute_with_args("UPDATE pgdl.model_names SET last_version = pg_catalog.int4larger(last_version, "
								  "COALESCE((SELECT pg_catalog.max(v.version) FROM pgdl.model_versions v "
								  "WHERE v.name OPERATOR(pg_catalog.=) $1), 0)) OPERATOR(pg_catalog.+) 1 "
								  "WHERE name OPERATOR(pg_catalog.=) $1 RETURNING last_version",
								  1, t, a, NULL, false, 0) != SPI_OK_UPDATE_RETURNING)
			elog(ERROR, "pgdl: numbering the model version failed");
		if (SPI_processed != 1)
		{
			owner = model_owner(s->name);
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("model \"%s\" belongs to role \"%s\"", s->name, role_name(owner)),
					 errdetail("Only members of the owner may train new versions of a model.")));
		}
		version = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	}
	/* under the name's row lock: no other version is saved meanwhile */
	if (s->guard_meaning)
		pgdl_check_model_meaning(s->name, s->model, s->replace);

	fnames = palloc(sizeof(char *) * Max(s->model->n_features, 1));
	for (int i = 0; i < s->model->n_features; i++)
		fnames[i] = s->model->features[i].name;
	{
		/* the layers as built (output layer completed) */
		dl_layer_spec *specs = palloc(sizeof(dl_layer_spec) * s->model->net.n_layers);

		for (int i = 0; i < s->model->net.n_layers; i++)
			specs[i] = s->model->net.layers[i].spec;
		layers_json = dl_layers_to_json(specs, s->model->net.n_layers);
	}
	{
		Oid			t[12] = {TEXTOID, INT4OID, TEXTOID, OIDOID, TEXTOID, TEXTOID, JSONBOID,
		JSONBOID, TEXTARRAYOID, TEXTARRAYOID, INT8OID, JSONBOID};
		Datum		a[13];
		char		n[13];
		Oid			t2[13];

		memset(n, ' ', sizeof(n));
		memcpy(t2, t, sizeof(t));
		t2[12] = BYTEAOID;
		a[0] = CStringGetTextDatum(s->name);
		a[1] = Int32GetDatum(version);
		a[2] = CStringGetTextDatum(dl_task_name(s->model->task));
		a[3] = ObjectIdGetDatum(GetUserId());
		if (s->description)
			a[4] = CStringGetTextDatum(s->description);
		else
			n[4] = 'n';
		if (s->model->target)
			a[5] = CStringGetTextDatum(s->model->target);
		else
			n[5] = 'n';
		a[6] = jsonb_datum(layers_json);
		a[7] = jsonb_datum(s->model->options_json ? s->model->options_json : "{}");
		a[8] = text_array_datum(fnames, s->model->n_features);
		if (s->model->task == DL_TASK_CLASSIFICATION)
			a[9] = text_array_datum(s->model->labels, s->model->n_labels);
		else
			n[9] = 'n';
		a[10] = Int64GetDatum((int64) s->model->net.n_params);
		a[11] = jsonb_datum(s->metrics_json ? s->metrics_json : "{}");
		a[12] = PointerGetDatum(weights);
		if (SPI_execute_with_args("INSERT INTO pgdl.model_versions (name, version, task, trained_by, description, "
								  "target, layers, options, features, labels, parameters, metrics, weights) "
								  "VALUES ($1, $2, $3, $4::pg_catalog.regrole, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
								  13, t2, a, n, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "pgdl: saving the model version failed");
	}

	for (int e = 0; e < s->n_epochs; e++)
	{
		const dl_epoch_report *r = &s->epochs[e];
		Oid			t[8] = {TEXTOID, INT4OID, INT4OID, FLOAT8OID, FLOAT8OID, TEXTOID, FLOAT8OID, FLOAT8OID};
		Datum		a[8];
		char		n[8];

		memset(n, ' ', sizeof(n));
		a[0] = CStringGetTextDatum(s->name);
		a[1] = Int32GetDatum(version);
		a[2] = Int32GetDatum(r->epoch);
		a[3] = Float8GetDatum(r->train_loss);
		a[4] = Float8GetDatum(r->validation_loss);
		if (isnan(r->validation_loss))
			n[4] = 'n';
		a[5] = CStringGetTextDatum(r->metric ? r->metric : "");
		a[6] = Float8GetDatum(r->validation_metric);
		if (isnan(r->validation_metric))
			n[6] = 'n';
		a[7] = Float8GetDatum(r->seconds);
		if (SPI_execute_with_args("INSERT INTO pgdl.model_epochs (name, version, epoch, train_loss, "
								  "validation_loss, metric, validation_metric, seconds) "
								  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
								  8, t, a, n, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "pgdl: saving the training history failed");
	}
	SPI_finish();
	registry_changed();
	return version;
}

/* ---- management functions ------------------------------------------------- */

static void
append_json_string(StringInfo b, const char *s)
{
	escape_json(b, s ? s : "");
}

static void
append_shape(StringInfo b, const dl_shape *s)
{
	appendStringInfoChar(b, '[');
	for (int i = 0; i < s->ndim; i++)
		appendStringInfo(b, "%s%d", i ? ", " : "", s->dim[i]);
	appendStringInfoChar(b, ']');
}

static const char *
feature_kind_name(dl_feature_kind k)
{
	switch (k)
	{
		case DL_FEATURE_NUMBER:
			return "number";
		case DL_FEATURE_ARRAY:
			return "array";
		case DL_FEATURE_MATRIX:
			return "sequence";
		case DL_FEATURE_CATEGORICAL:
			return "categorical";
		case DL_FEATURE_TEXT_NUMBER:
			return "numeric_text";
		case DL_FEATURE_DATE:
			return "date";
		case DL_FEATURE_TEXT:
			return "text";
	}
	return "?";
}

Datum
pgdl_model_info(PG_FUNCTION_ARGS)
{
	char	   *ref = text_to_cstring(PG_GETARG_TEXT_PP(0));
	PgdlModel  *pm = pgdl_model_load(ref, CurrentMemoryContext);
	const dl_model *m = &pm->m;
	StringInfoData b;
	dl_layer_spec *specs;

	initStringInfo(&b);
	appendStringInfoString(&b, "{\"name\": ");
	append_json_string(&b, pm->name);
	appendStringInfo(&b, ", \"version\": %d, \"task\": \"%s\", \"loss\": \"%s\", \"target\": ",
					 pm->version, dl_task_name(m->task),
					 dl_loss_name(m->loss));
	append_json_string(&b, m->target);
	appendStringInfoString(&b, ", \"input_shape\": ");
	append_shape(&b, &m->net.input_shape);
	appendStringInfoString(&b, ", \"output_shape\": ");
	append_shape(&b, &m->net.output_shape);
	appendStringInfo(&b, ", \"parameters\": %zu", m->net.n_params);
	/* a text column with other features: where they join, and the widths (README) */
	if (m->net.n_joined > 0)
		appendStringInfo(&b, ", \"join\": {\"after_layer\": %d, \"text_inputs\": %zu, \"branch_width\": %zu, \"joined_inputs\": %d, \"width\": %zu}",
						 m->net.join_layer + 1, dl_shape_size(&m->net.layers[0].in_shape),
						 dl_shape_size(&m->net.layers[m->net.join_layer].out_shape), m->net.n_joined,
						 dl_shape_size(&m->net.layers[m->net.join_layer + 1].in_shape));
	appendStringInfoString(&b, ", \"labels\": ");
	if (m->task == DL_TASK_CLASSIFICATION)
	{
		appendStringInfoChar(&b, '[');
		for (int i = 0; i < m->n_labels; i++)
		{
			if (i)
				appendStringInfoString(&b, ", ");
			append_json_string(&b, m->labels[i]);
		}
		appendStringInfoChar(&b, ']');
		{
			dl_label_kind kind = dl_model_label_kind(m);

			/* what predict returns for them (src/core/nn/labels.c) */
			appendStringInfo(&b, ", \"label_type\": \"%s\"",
							 kind == DL_LABELS_BOOL ? "bool" : kind == DL_LABELS_NUMBER ? "number" : "text");
		}
	}
	else
		appendStringInfoString(&b, "null");
	appendStringInfoString(&b, ", \"features\": [");
	for (int i = 0; i < m->n_features; i++)
	{
		const dl_feature *f = &m->features[i];

		appendStringInfoString(&b, i ? ", {\"name\": " : "{\"name\": ");
		append_json_string(&b, f->name);
		appendStringInfo(&b, ", \"kind\": \"%s\", \"inputs\": %d", feature_kind_name(f->kind), f->length);
		if (f->kind == DL_FEATURE_CATEGORICAL)
		{
			appendStringInfoString(&b, ", \"categories\": [");
			for (int k = 0; k < f->n_categories; k++)
			{
				if (k)
					appendStringInfoString(&b, ", ");
				append_json_string(&b, f->categories[k]);
			}
			appendStringInfoChar(&b, ']');
		}
		if (f->kind == DL_FEATURE_TEXT)
		{
			dl_vocab_info vi;

			dl_vocab_get_info(f->vocab, &vi);
			appendStringInfo(&b, ", \"encoding\": \"%s\", \"vocabulary_size\": %zu, \"tokenizer\": \"%s\"",
							 dl_text_encoding_name(f->encoding), vi.ntokens, vi.options.tokenizer == DL_TOKENIZER_CHAR ? "char" : "word");
		}
		appendStringInfoChar(&b, '}');
	}
	appendStringInfo(&b, "], \"standardized\": %s, \"imputer\": ",
					 m->scaler ? "true" : "false");
	if (m->imputer)
		append_json_string(&b, dl_impute_strategy_name(m->imputer->strategy));
	else
		appendStringInfoString(&b, "null");
	appendStringInfoString(&b, ", \"layers\": [");
	specs = palloc(sizeof(dl_layer_spec));
	for (int i = 0; i < m->net.n_layers; i++)
	{
		const dl_layer *l = &m->net.layers[i];
		char	   *one;
		size_t		len;

		specs[0] = l->spec;
		one = dl_layers_to_json(specs, 1);
		/* the one-element array's object, with the shapes and counts added */
		len = strlen(one);
		if (len >= 4 && one[0] == '[' && one[len - 1] == ']' && one[len - 2] == '}')
		{
			one[len - 2] = '\0';
			appendStringInfo(&b, "%s%s", i ? ", " : "", one + 1);
		}
		else
			appendStringInfo(&b, "%s{\"type\": \"%s\"", i ? ", " : "", dl_layer_type_name(l->spec.type));
		appendStringInfoString(&b, ", \"input_shape\": ");
		append_shape(&b, &l->in_shape);
		appendStringInfoString(&b, ", \"output_shape\": ");
		append_shape(&b, &l->out_shape);
		appendStringInfo(&b, ", \"parameters\": %zu, \"trainable\": %zu}", l->n_params, l->n_trainable);
	}
	appendStringInfoString(&b, "], \"options\": ");
	appendStringInfoString(&b, m->options_json ? m->options_json : "{}");
	appendStringInfoChar(&b, '}');
	pgdl_model_release(pm);
	PG_RETURN_DATUM(jsonb_datum(b.data));
}

Datum
pgdl_export_model(PG_FUNCTION_ARGS)
{
	int			version;

	PG_RETURN_BYTEA_P(pgdl_model_fetch(text_to_cstring(PG_GETARG_TEXT_PP(0)), NULL, &version));
}

/*
 * One string of an imported model, which the registry's text, text[] and
 * jsonb columns will hold and model_info, predict_label and the views
 * return: it must be valid in the database's encoding, or pg_dump writes
 * text that the restore refuses.  (The engine refuses a NUL byte, which no
 * encoding allows.)
 */
static void
check_imported_string(const char *s, const char *what)
{
	int			len = (int) strlen(s);
	int			valid = pg_encoding_verifymbstr(GetDatabaseEncoding(), s, len);

	if (valid < len)
		ereport(ERROR,
				(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
				 errmsg("invalid byte sequence for encoding \"%s\" in %s of the model",
						GetDatabaseEncodingName(), what),
				 errdetail("Byte %d of %d (0x%02x) does not start a valid character; every string in a model must be valid in the database's encoding.",
						   valid + 1, len, (unsigned char) s[valid])));
}

static void
check_imported_strings(const dl_model *m)
{
	char		what[64];

	check_imported_string(m->target, "the target name");
	for (int i = 0; i < m->n_labels; i++)
	{
		snprintf(what, sizeof(what), "label %d", i + 1);
		check_imported_string(m->labels[i], what);
	}
	for (int i = 0; i < m->n_features; i++)
	{
		const dl_feature *f = &m->features[i];

		snprintf(what, sizeof(what), "the name of feature %d", i + 1);
		check_imported_string(f->name, what);
		for (int c = 0; c < f->n_categories; c++)
		{
			snprintf(what, sizeof(what), "category %d of feature %d", c + 1, i + 1);
			check_imported_string(f->categories[c], what);
		}
	}
	if (m->options_json)
		check_imported_string(m->options_json, "the options");
}

Datum
pgdl_import_model(PG_FUNCTION_ARGS)
{
	text	   *model;
	PgdlModelRef ref;
	bytea	   *data;
	dl_model	m;
	PgdlSave	s;
	dl_import_sql_options o;

	/* as the other writers of the registry: refuse before reading the bytes */
	PreventCommandIfReadOnly("pgdl.import_model()");
	model = pgdl_required_text(fcinfo, 0, "model");
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("data must not be NULL")));
	data = PG_GETARG_BYTEA_PP(1);
	/* import_model(model, data, options) */
	(void) pgdl_read_options(fcinfo, 2, &dl_import_schema, &o);
	pgdl_parse_model_ref(text_to_cstring(model), &ref);
	if (ref.version != PGDL_VERSION_DEFAULT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_NAME),
				 errmsg("import_model takes a plain model name: the version is assigned")));
	pgdl_model_from_bytes(data, &m);
	check_imported_strings(&m);
	pgdl_check_status(dl_model_probe(&m));
	memset(&s, 0, sizeof(s));
	s.name = ref.name;
	s.model = &m;
	s.description = "imported";
	s.guard_meaning = true;
	s.replace = o.replace;
	PG_RETURN_INT32(pgdl_save_model(&s));
}

Datum
pgdl_drop_model(PG_FUNCTION_ARGS)
{
	PgdlModelRef ref;
	Oid			t[2] = {TEXTOID, INT4OID};
	Datum		a[2];
	int			dropped;

	pgdl_parse_model_ref(text_to_cstring(pgdl_required_text(fcinfo, 0, "model")), &ref);
	if (ref.version == PGDL_VERSION_LATEST)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_NAME),
				 errmsg("drop_model takes name or name@N, not name@latest")));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pgdl: SPI_connect failed");
	pgdl_check_model_writer(ref.name, true);
	a[0] = CStringGetTextDatum(ref.name);
	a[1] = Int32GetDatum(ref.version);
	if (ref.version > 0)
	{
		if (SPI_execute_with_args("DELETE FROM pgdl.model_versions WHERE name OPERATOR(pg_catalog.=) $1 "
								  "AND version OPERATOR(pg_catalog.=) $2", 2, t, a, NULL, false, 0) != SPI_OK_DELETE)
			elog(ERROR, "pgdl: dropping the model version failed");
		dropped = (int) SPI_processed;
		if (dropped == 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("model \"%s\" has no version %d", ref.name, ref.version)));
		/* a deployment of the dropped version falls back to the highest */
		SPI_execute_with_args("UPDATE pgdl.model_names SET deployed_version = NULL "
							  "WHERE name OPERATOR(pg_catalog.=) $1 AND deployed_version OPERATOR(pg_catalog.=) $2",
							  2, t, a, NULL, false, 0);
		/* the last version gone: the name goes too */
		SPI_execute_with_args("DELETE FROM pgdl.model_names n WHERE name OPERATOR(pg_catalog.=) $1 "
							  "AND NOT EXISTS (SELECT FROM pgdl.model_versions v WHERE v.name OPERATOR(pg_catalog.=) n.name)",
							  1, t, a, NULL, false, 0);
	}
	else
	{
		if (SPI_execute_with_args("SELECT pg_catalog.count(*)::pg_catalog.int4 FROM pgdl.model_versions WHERE name OPERATOR(pg_catalog.=) $1",
								  1, t, a, NULL, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "pgdl: counting the model versions failed");
		{
			bool		isnull;

			dropped = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		}
		if (SPI_execute_with_args("DELETE FROM pgdl.model_names WHERE name OPERATOR(pg_catalog.=) $1",
								  1, t, a, NULL, false, 0) != SPI_OK_DELETE)
			elog(ERROR, "pgdl: dropping the model failed");
	}
	SPI_finish();
	registry_changed();
	PG_RETURN_INT32(dropped);
}

Datum
pgdl_deploy_model(PG_FUNCTION_ARGS)
{
	PgdlModelRef ref;
	Oid			t[2] = {TEXTOID, INT4OID};
	Datum		a[2];
	char		n[2] = {' ', ' '};
	int			result;
	bool		isnull;

	pgdl_parse_model_ref(text_to_cstring(pgdl_required_text(fcinfo, 0, "model")), &ref);
	if (ref.version != PGDL_VERSION_DEFAULT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_NAME),
				 errmsg("deploy_model takes a plain model name and the version as its second argument")));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pgdl: SPI_connect failed");
	pgdl_check_model_writer(ref.name, true);
	a[0] = CStringGetTextDatum(ref.name);
	a[1] = Int32GetDatum(PG_ARGISNULL(1) ? 0 : PG_GETARG_INT32(1));
	if (PG_ARGISNULL(1))
		n[1] = 'n';
	else if (SPI_execute_with_args("SELECT 1 FROM pgdl.model_versions WHERE name OPERATOR(pg_catalog.=) $1 "
								   "AND version OPERATOR(pg_catalog.=) $2", 2, t, a, NULL, false, 1) != SPI_OK_SELECT ||
			 SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model \"%s\" has no version %d", ref.name, PG_GETARG_INT32(1))));
	if (SPI_execute_with_args("UPDATE pgdl.model_names SET deployed_version = $2 WHERE name OPERATOR(pg_catalog.=) $1",
							  2, t, a, n, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "pgdl: deploying the model failed");
	if (SPI_execute_with_args("SELECT pg_catalog.max(version)::pg_catalog.int4 FROM pgdl.model_versions WHERE name OPERATOR(pg_catalog.=) $1",
							  1, t, a, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "pgdl: reading the model failed");
	result = PG_ARGISNULL(1) ?
		DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)) :
		PG_GETARG_INT32(1);
	SPI_finish();
	registry_changed();
	PG_RETURN_INT32(result);
}

static void
change_grant(FunctionCallInfo fcinfo, bool grant)
{
	PgdlModelRef ref;
	Oid			t[2] = {TEXTOID, OIDOID};
	Datum		a[2];

	pgdl_parse_model_ref(text_to_cstring(pgdl_required_text(fcinfo, 0, "model")), &ref);
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("grantee must not be NULL"),
				 errhint("Write 'public' for everyone.")));
	if (ref.version != PGDL_VERSION_DEFAULT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_NAME),
				 errmsg("access is granted to a model with all its versions: give the plain name")));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pgdl: SPI_connect failed");
	pgdl_check_model_writer(ref.name, true);
	a[0] = CStringGetTextDatum(ref.name);
	if (get_fn_expr_argtype(fcinfo->flinfo, 1) == TEXTOID)
	{
		/* the text form: a role name, or PUBLIC (which is no role; '-' as regrole writes it) */
		char	   *who = text_to_cstring(PG_GETARG_TEXT_PP(1));
		bool		everyone = pg_strcasecmp(who, "public") == 0 || strcmp(who, "-") == 0;

		a[1] = ObjectIdGetDatum(everyone ? InvalidOid : get_role_oid(who, false));
	}
	else
		a[1] = PG_GETARG_DATUM(1);
	if (OidIsValid(DatumGetObjectId(a[1])) &&
		!SearchSysCacheExists1(AUTHOID, a[1]))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("role with OID %u does not exist", DatumGetObjectId(a[1]))));
	if (SPI_execute_with_args(grant ?
							  "INSERT INTO pgdl.model_grants (name, grantee) VALUES ($1, $2::pg_catalog.regrole) "
							  "ON CONFLICT DO NOTHING" :
							  "DELETE FROM pgdl.model_grants WHERE name OPERATOR(pg_catalog.=) $1 "
							  "AND grantee::pg_catalog.oid OPERATOR(pg_catalog.=) $2",
							  2, t, a, NULL, false, 0) < 0)
		elog(ERROR, "pgdl: changing the model's grants failed");
	SPI_finish();
	registry_changed();
}

Datum
pgdl_grant_model(PG_FUNCTION_ARGS)
{
	change_grant(fcinfo, true);
	PG_RETURN_VOID();
}

Datum
pgdl_revoke_model(PG_FUNCTION_ARGS)
{
	change_grant(fcinfo, false);
	PG_RETURN_VOID();
}
