/*-------------------------------------------------------------------------
 *
 * citus_ship.c
 *	  Per-row scoring on Citus workers with the coordinator's model.
 *
 * Citus runs "SELECT pgdl.predict('m', x) FROM dist" on its workers, whose
 * model registry is empty (or stale).  So the coordinator sends the model
 * with the query: a planner hook, chained in front of Citus's, finds each
 * call of a per-row scoring function (predict, predict_label,
 * predict_proba, transform_model, class_probabilities, model_inputs,
 * embed) in a
 * query that reads a Citus table, resolves its model there as the current
 * user (row-level security and grants decide, with the errors of an
 * ordinary table), and replaces the call by its "_shipped" twin, which
 * takes the model's bytes as a bytea constant and "name@version" for
 * messages: predict('m', x) becomes predict_shipped('\x...', x, 'm@3').
 * Citus deparses the constant into every shard query, so a worker never
 * reads its registry.  The twins score the bytes they are given and read
 * nothing else: whoever calls one had the model already.
 *
 * A plan that shipped a model depends on the registry: the registry's
 * relation is added to its relationOids and every change of the registry
 * (a new version, deploy, drop, grant, revoke) sends a relcache
 * invalidation for it, so a cached plan (PREPARE, PL/pgSQL) is replanned
 * with the current model; and on the role, as row-level security decides
 * what was read.
 *
 * On a worker the twin's model is decoded once per shard query: the model
 * cache in fn_extra (models.c) is keyed by the bytes, and by the constant's
 * address when the argument is a constant, so a row costs no comparison.
 *
 * The same hook checks, for any query over a Citus table that calls a pgdl
 * function or aggregate (a scoring call, or a hand-written
 * "SELECT pgdl.stats(x) FROM dist" whose partial aggregates run on the
 * workers), that every worker has the coordinator's pgdl version
 * (citus_version.c), before Citus sends it anywhere.
 *
 * The hook exists once pgdl's library is loaded: the README's Citus section
 * puts pgdl in shared_preload_libraries after citus on the coordinator.
 *
 * src/pg/citus_ship.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/planner.h"
#include "parser/analyze.h"
#include "parser/parse_func.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "citus_ship.h"
#include "models.h"

/* the per-row scoring functions, each with its twin that takes the model's bytes */
typedef struct ShipFunc
{
	const char *name;
	const char *shipped;
	Oid			x_type;			/* the second argument: anyarray, record or text */
} ShipFunc;

static const ShipFunc ship_funcs[] = {
	{"predict", "predict_shipped", ANYARRAYOID},
	{"predict", "predict_shipped", RECORDOID},
	{"predict_label", "predict_label_shipped", ANYARRAYOID},
	{"predict_label", "predict_label_shipped", RECORDOID},
	{"predict_proba", "predict_proba_shipped", ANYARRAYOID},
	{"transform_model", "transform_model_shipped", ANYARRAYOID},
	{"class_probabilities", "class_probabilities_shipped", ANYARRAYOID},
	{"model_inputs", "model_inputs_shipped", ANYARRAYOID},
	{"embed", "embed_shipped", ANYARRAYOID},
	{"embed", "embed_shipped", RECORDOID},
	{"predict", "predict_shipped", TEXTOID},
	{"predict_label", "predict_label_shipped", TEXTOID},
	{"predict_proba", "predict_proba_shipped", TEXTOID},
};

#define N_SHIP_FUNCS lengthof(ship_funcs)

/* their OIDs in this database, looked up once and again after a change of pg_proc */
static struct
{
	bool		valid;
	bool		any;			/* pgdl is installed: some were found */
	Oid			func[N_SHIP_FUNCS];
	Oid			twin[N_SHIP_FUNCS];
	Oid			registry;		/* pgdl.model_versions */
	Oid			nsp;			/* the schema pgdl */
}			oids;

static planner_hook_type prev_planner = NULL;

static void
forget_oids(Datum arg, int cacheid, uint32 hashvalue)
{
	oids.valid = false;
}

static Oid
lookup_function(const char *name, int nargs, Oid *argtypes)
{
	return LookupFuncName(list_make2(makeString("pgdl"), makeString(pstrdup(name))),
						  nargs, argtypes, true);
}

static void
lookup_oids(void)
{
	Oid			nsp;

	if (oids.valid)
		return;
	memset(&oids, 0, sizeof(oids));
	nsp = get_namespace_oid("pgdl", true);
	if (OidIsValid(nsp))
	{
		for (int i = 0; i < (int) N_SHIP_FUNCS; i++)
		{
			Oid			args[3] = {TEXTOID, ship_funcs[i].x_type, TEXTOID};
			Oid			twin_args[3] = {BYTEAOID, ship_funcs[i].x_type, TEXTOID};

			oids.func[i] = lookup_function(ship_funcs[i].name, 2, args);
			oids.twin[i] = lookup_function(ship_funcs[i].shipped, 3, twin_args);
			/* both, or neither (a library newer than the installed SQL) */
			if (!OidIsValid(oids.twin[i]))
				oids.func[i] = InvalidOid;
			oids.any |= OidIsValid(oids.func[i]);
		}
		oids.registry = get_relname_relid("model_versions", nsp);
		oids.nsp = nsp;
	}
	oids.valid = true;
}

static int
ship_func_index(Oid funcid)
{
	for (int i = 0; i < (int) N_SHIP_FUNCS; i++)
		if (oids.func[i] == funcid && OidIsValid(funcid))
			return i;
	return -1;
}

/* ---- which queries ------------------------------------------------------------ */

typedef struct ScanContext
{
	bool		has_call;		/* a scoring call anywhere in the query */
	bool		has_pgdl;		/* any function or aggregate of pgdl */
	List	   *relids;			/* every relation it reads */
} ScanContext;

static bool
is_pgdl_function(Oid funcid)
{
	return OidIsValid(oids.nsp) && get_func_namespace(funcid) == oids.nsp;
}

static bool
scan_walker(Node *node, ScanContext *cx)
{
	if (node == NULL)
		return false;
	if (IsA(node, FuncExpr))
	{
		Oid			funcid = ((FuncExpr *) node)->funcid;

		cx->has_call |= ship_func_index(funcid) >= 0;
		cx->has_pgdl = cx->has_pgdl || is_pgdl_function(funcid);
	}
	if (IsA(node, Aggref))
		cx->has_pgdl = cx->has_pgdl || is_pgdl_function(((Aggref *) node)->aggfnoid);
	if (IsA(node, WindowFunc))
		cx->has_pgdl = cx->has_pgdl || is_pgdl_function(((WindowFunc *) node)->winfnoid);
	if (IsA(node, RangeTblEntry))
	{
		RangeTblEntry *rte = (RangeTblEntry *) node;

		if (rte->rtekind == RTE_RELATION)
			cx->relids = list_append_unique_oid(cx->relids, rte->relid);
		return false;			/* range_table_walker goes on into its contents */
	}
	if (IsA(node, Query))
		return query_tree_walker((Query *) node, scan_walker, cx, QTW_EXAMINE_RTES_BEFORE);
	return expression_tree_walker(node, scan_walker, cx);
}

/* whether one of relids is a Citus table (distributed, reference or local: in pg_dist_partition) */
static bool
reads_citus_table(List *relids)
{
	Oid			catalog = get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE);
	Oid			index;
	Relation	rel;
	ListCell   *lc;
	bool		found = false;

	if (!OidIsValid(catalog) || relids == NIL)
		return false;
	index = get_relname_relid("pg_dist_partition_logical_relid_index", PG_CATALOG_NAMESPACE);
	rel = table_open(catalog, AccessShareLock);
	foreach(lc, relids)
	{
		ScanKeyData key;
		SysScanDesc scan;

		/* logicalrelid, the first column */
		ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(lfirst_oid(lc)));
		scan = systable_beginscan(rel, index, OidIsValid(index), NULL, 1, &key);
		found = HeapTupleIsValid(systable_getnext(scan));
		systable_endscan(scan);
		if (found)
			break;
	}
	table_close(rel, AccessShareLock);
	return found;
}

/*
 * Whether the query sql reads a Citus table: for what does not run on
 * Citus yet, so that it can say so rather than fail in Citus's planner.
 */
bool
pgdl_sql_reads_citus_table(const char *sql)
{
	ScanContext cx = {false, false, NIL};
	ListCell   *lc;

	if (!OidIsValid(get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE)))
		return false;
	foreach(lc, pg_parse_query(sql))
	{
		RawStmt    *raw = lfirst_node(RawStmt, lc);

		(void) scan_walker((Node *) parse_analyze_fixedparams(raw, sql, NULL, 0, NULL), &cx);
	}
	return reads_citus_table(cx.relids);
}

/* ---- the rewrite ---------------------------------------------------------------- */

typedef struct ShippedModel
{
	char	   *ref;			/* the model argument as written */
	bytea	   *weights;
	char	   *label;			/* name@version */
} ShippedModel;

typedef struct ShipContext
{
	List	   *models;			/* ShippedModel, one per model argument of the query */
} ShipContext;

static ShippedModel *
resolve(ShipContext *cx, const char *ref)
{
	ListCell   *lc;
	ShippedModel *sm;
	char	   *name;
	int			version;

	foreach(lc, cx->models)
	{
		sm = lfirst(lc);
		if (strcmp(sm->ref, ref) == 0)
			return sm;
	}
	sm = palloc(sizeof(ShippedModel));
	sm->ref = pstrdup(ref);
	/* as the current user: the same errors as on an ordinary table */
	sm->weights = pgdl_model_fetch(ref, &name, &version);
	sm->label = psprintf("%s@%d", name, version);
	cx->models = lappend(cx->models, sm);
	return sm;
}

static bool
ship_walker(Node *node, ShipContext *cx)
{
	if (node == NULL)
		return false;
	if (IsA(node, FuncExpr))
	{
		FuncExpr   *f = (FuncExpr *) node;
		int			i = ship_func_index(f->funcid);

		if (i >= 0 && list_length(f->args) == 2)
		{
			Node	   *model = eval_const_expressions(NULL, copyObject(linitial(f->args)));

			if (!IsA(model, Const))
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("the model argument of pgdl.%s must be a constant in a query over a Citus table",
								ship_funcs[i].name),
						 errdetail("The coordinator resolves the model when it plans the query and sends it to the workers with the query."),
						 errhint("Write the model name as a literal, or build the query with format() and run it with EXECUTE.")));
			/* a NULL model: the function is strict, the row's result NULL; nothing to send */
			if (!((Const *) model)->constisnull)
			{
				ShippedModel *sm = resolve(cx, TextDatumGetCString(((Const *) model)->constvalue));
				Node	   *x = lsecond(f->args);

				f->funcid = oids.twin[i];
				f->args = list_make3(makeConst(BYTEAOID, -1, InvalidOid, -1,
											   PointerGetDatum(sm->weights), false, false),
									 x,
									 makeConst(TEXTOID, -1, DEFAULT_COLLATION_OID, -1,
											   CStringGetTextDatum(sm->label), false, false));
				/* the model is a constant now; x may hold other calls */
				return expression_tree_walker(x, ship_walker, cx);
			}
		}
	}
	if (IsA(node, Query))
		return query_tree_walker((Query *) node, ship_walker, cx, 0);
	return expression_tree_walker(node, ship_walker, cx);
}

static PlannedStmt *
ship_planner(Query *parse, const char *query_string, int cursorOptions, ParamListInfo boundParams)
{
	bool		shipped = false;
	PlannedStmt *stmt;

	if (parse->commandType != CMD_UTILITY)
	{
		lookup_oids();
		if (oids.any)
		{
			ScanContext scan = {false, false, NIL};

			(void) scan_walker((Node *) parse, &scan);
			if (scan.has_pgdl && reads_citus_table(scan.relids))
			{
				/*
				 * pgdl code may run on the workers - the twins, the partial
				 * aggregates of any query written by hand - and must be the
				 * coordinator's version there
				 */
				pgdl_citus_check_versions();
				if (scan.has_call)
				{
					ShipContext cx = {NIL};

					(void) ship_walker((Node *) parse, &cx);
					shipped = cx.models != NIL;
				}
			}
		}
	}
	if (prev_planner)
		stmt = prev_planner(parse, query_string, cursorOptions, boundParams);
	else
		stmt = standard_planner(parse, query_string, cursorOptions, boundParams);
	if (shipped)
	{
		/* replanned after a change of the registry, and for another role */
		if (OidIsValid(oids.registry))
			stmt->relationOids = lappend_oid(stmt->relationOids, oids.registry);
		stmt->dependsOnRole = true;
	}
	return stmt;
}

void
pgdl_citus_ship_init(void)
{
	prev_planner = planner_hook;
	planner_hook = ship_planner;
	CacheRegisterSyscacheCallback(PROCOID, forget_oids, (Datum) 0);
}
