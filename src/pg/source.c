/*-------------------------------------------------------------------------
 *
 * source.c
 *	  The "source" argument: a relation name or one read-only query.
 *
 * A string that splits as a (possibly qualified, possibly quoted) name is a
 * relation, looked up with the caller's search_path; anything else must be
 * one SELECT / VALUES / TABLE statement (WITH allowed) without a
 * data-modifying CTE, INTO or FOR UPDATE/SHARE, as PostgreSQL's own parser
 * sees it.  Every caller then runs the SQL through pgdl_source_execute: SPI
 * with read_only = true, as the calling user with that user's privileges,
 * search_path and row-level security, and with the transaction marked read
 * only for the duration, so that even a volatile function called by the
 * query cannot write (SPI's own read_only check sees only the top-level
 * statement).
 *
 * A query's ORDER BY is the order pgdl reads its rows in (a seed then
 * reproduces a training, on a distributed table too): the query becomes a
 * subquery, and PostgreSQL keeps a subquery's order in practice but does
 * not promise it, and a distributed planner (Citus) does not keep it.  So
 * the ORDER BY is repeated around the subquery, where the query's
 * result columns can be named - whenever its keys are result columns,
 * by name or position - and the scans of the rows (pgdl_source_select)
 * select their columns in that outer query itself, so the ORDER BY stays
 * the last word of what runs.
 *
 * src/pg/source.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "nodes/nodeFuncs.h"
#include "nodes/parsenodes.h"
#include "nodes/value.h"
#include "parser/parser.h"
#include "storage/lmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/varlena.h"

#include "arrays.h"
#include "source.h"

int
pgdl_source_execute(const char *sql)
{
	bool		was_read_only = XactReadOnly;
	int			ret;

	XactReadOnly = true;
	PG_TRY();
	{
		ret = SPI_execute(sql, true, 0);
	}
	PG_FINALLY();
	{
		XactReadOnly = was_read_only;
	}
	PG_END_TRY();
	return ret;
}

const char *
pgdl_quote_ident(const char *ident)
{
	return quote_identifier(ident);
}

static void
reject_query(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_SYNTAX_ERROR),
			 errmsg("source must be a relation name or a single read-only query, got %s", what),
			 errhint("Pass a table or view name, or one SELECT, VALUES or TABLE statement.")));
}

/*
 * Looks through the whole raw parse tree (subqueries, sublinks, CTEs and
 * set-operation branches alike) for what a read-only source may not hold.
 */
static bool
find_forbidden(Node *node, void *context)
{
	const char **found = (const char **) context;

	if (node == NULL)
		return false;
	if (IsA(node, SelectStmt))
	{
		SelectStmt *sel = (SelectStmt *) node;

		if (sel->intoClause)
		{
			*found = "SELECT ... INTO";
			return true;
		}
		if (sel->lockingClause)
		{
			*found = "a query with FOR UPDATE/SHARE";
			return true;
		}
	}
	if (IsA(node, CommonTableExpr) && !IsA(((CommonTableExpr *) node)->ctequery, SelectStmt))
	{
		*found = "a WITH clause holding a data-modifying statement";
		return true;
	}
	if (IsA(node, InsertStmt) || IsA(node, UpdateStmt) || IsA(node, DeleteStmt) ||
		IsA(node, MergeStmt))
	{
		*found = "a data-modifying statement inside the query";
		return true;
	}
	return raw_expression_tree_walker(node, find_forbidden, context);
}

/*
 * A syntax error in the source points into the source text, not into the
 * caller's statement (as SPI does for the queries it runs).
 */
static void
source_error_callback(void *arg)
{
	int			pos = geterrposition();

	if (pos > 0)
	{
		errposition(0);
		internalerrposition(pos);
		internalerrquery((const char *) arg);
	}
}

/* the one result column named name, or NULL (none, or several) */
static const char *
unique_column(char **names, int n, const char *name)
{
	const char *found = NULL;

	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
		{
			if (found)
				return NULL;
			found = names[i];
		}
	return found;
}

/*
 * The ORDER BY of stmt written over the result columns of wrapped (the
 * query as the subquery pgdl_source), or NULL when stmt has none or a key
 * is not a result column by name or position (an expression, a column of
 * the query's input, USING, COLLATE): the subquery's own order then
 * stands alone.
 */
static char *
outer_order_by(SelectStmt *stmt, const char *wrapped)
{
	MemoryContext caller = CurrentMemoryContext;
	char	  **names;
	int			n;
	StringInfoData buf;
	ListCell   *lc;

	if (stmt->sortClause == NIL)
		return NULL;
	/* the result's column names, as the query's own ORDER BY sees them */
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pgdl: SPI_connect failed");
	if (pgdl_source_execute(psprintf("%s LIMIT 0", wrapped)) != SPI_OK_SELECT)
		elog(ERROR, "pgdl: reading the columns of the source failed");
	n = SPI_tuptable->tupdesc->natts;
	names = MemoryContextAlloc(caller, sizeof(char *) * Max(n, 1));
	for (int i = 0; i < n; i++)
		names[i] = MemoryContextStrdup(caller, NameStr(TupleDescAttr(SPI_tuptable->tupdesc, i)->attname));
	SPI_finish();

	initStringInfo(&buf);
	foreach(lc, stmt->sortClause)
	{
		SortBy	   *sb = lfirst_node(SortBy, lc);
		const char *name = NULL;

		if (sb->sortby_dir == SORTBY_USING)
			return NULL;
		if (IsA(sb->node, ColumnRef) && list_length(((ColumnRef *) sb->node)->fields) == 1 &&
			IsA(linitial(((ColumnRef *) sb->node)->fields), String))
			name = unique_column(names, n, strVal(linitial(((ColumnRef *) sb->node)->fields)));
		else if (IsA(sb->node, A_Const) && !((A_Const *) sb->node)->isnull &&
				 IsA(&((A_Const *) sb->node)->val, Integer))
		{
			int			pos = intVal(&((A_Const *) sb->node)->val);

			if (pos >= 1 && pos <= n)
				name = unique_column(names, n, names[pos - 1]);
		}
		if (name == NULL)
			return NULL;
		appendStringInfo(&buf, "%s pgdl_source.%s%s%s", buf.len ? "," : " ORDER BY",
						 quote_identifier(name),
						 sb->sortby_dir == SORTBY_DESC ? " DESC" : sb->sortby_dir == SORTBY_ASC ? " ASC" : "",
						 sb->sortby_nulls == SORTBY_NULLS_FIRST ? " NULLS FIRST" :
						 sb->sortby_nulls == SORTBY_NULLS_LAST ? " NULLS LAST" : "");
	}
	return buf.data;
}

char *
pgdl_source_select(const char *src, const char *select_list)
{
	static const char star[] = "SELECT * FROM ";

	/* both forms of pgdl_source_sql_rel: select in the source's own query */
	if (strncmp(src, star, sizeof(star) - 1) == 0)
		return psprintf("SELECT %s FROM %s", select_list, src + sizeof(star) - 1);
	return psprintf("SELECT %s FROM (%s) AS s", select_list, src);
}

/* names: the plain C strings SplitIdentifierString produced */
static char *
relation_sql(List *names, const char *given, Oid *relid_out)
{
	List	   *name_nodes = NIL;
	ListCell   *lc;
	RangeVar   *rv;
	Oid			relid;
	char		relkind;

	foreach(lc, names)
		name_nodes = lappend(name_nodes, makeString(pstrdup((char *) lfirst(lc))));
	rv = makeRangeVarFromNameList(name_nodes);
	relid = RangeVarGetRelid(rv, AccessShareLock, true);

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("source relation \"%s\" does not exist", given),
				 errhint("Pass a relation name (schema-qualified if needed) or a SELECT query.")));
	relkind = get_rel_relkind(relid);
	if (relkind != RELKIND_RELATION && relkind != RELKIND_VIEW &&
		relkind != RELKIND_MATVIEW && relkind != RELKIND_FOREIGN_TABLE &&
		relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("source \"%s\" is not a table, view or materialized view", given)));
	if (relid_out)
		*relid_out = relid;
	return psprintf("SELECT * FROM %s",
					quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
											   get_rel_name(relid)));
}

char *
pgdl_source_sql(text *source)
{
	return pgdl_source_sql_rel(source, NULL);
}

char *
pgdl_source_sql_rel(text *source, Oid *relid)
{
	char	   *str = text_to_cstring(source);
	char	   *copy = pstrdup(str);
	List	   *names = NIL;
	List	   *stmts;
	RawStmt    *raw;
	char	   *body;
	int			len;

	if (SplitIdentifierString(copy, '.', &names) && list_length(names) >= 1 &&
		list_length(names) <= 3)
		return relation_sql(names, str, relid);

	{
		ErrorContextCallback errcb;

		errcb.callback = source_error_callback;
		errcb.arg = str;
		errcb.previous = error_context_stack;
		error_context_stack = &errcb;
		stmts = raw_parser(str, RAW_PARSE_DEFAULT);
		error_context_stack = errcb.previous;
	}
	if (list_length(stmts) != 1)
		reject_query(list_length(stmts) == 0 ? "an empty string" : "several statements");
	raw = linitial_node(RawStmt, stmts);
	if (!IsA(raw->stmt, SelectStmt))
		reject_query("a statement that is not a query");
	{
		const char *found = NULL;

		if (find_forbidden(raw->stmt, &found))
			reject_query(found);
	}

	/* the statement's own text, without a trailing semicolon */
	if (relid)
		*relid = InvalidOid;
	len = raw->stmt_len > 0 ? raw->stmt_len : (int) strlen(str) - raw->stmt_location;
	body = pnstrdup(str + raw->stmt_location, len);
	{
		char	   *wrapped = psprintf("SELECT * FROM (%s\n) AS pgdl_source", body);
		char	   *order = outer_order_by((SelectStmt *) raw->stmt, wrapped);

		return order ? psprintf("%s%s", wrapped, order) : wrapped;
	}
}

PgdlColumn *
pgdl_source_columns(const char *source_sql, ArrayType *requested, int *ncolumns)
{
	TupleDesc	desc;
	PgdlColumn *cols;
	int			n = 0;
	int			ret;

	ret = pgdl_source_execute(psprintf("%s LIMIT 0", source_sql));
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "pgdl: reading the columns of the source failed: %s", SPI_result_code_string(ret));
	desc = SPI_tuptable->tupdesc;
	cols = palloc0(sizeof(PgdlColumn) * Max(desc->natts, 1));

	if (requested == NULL)
	{
		StringInfoData skipped;

		initStringInfo(&skipped);
		for (int i = 0; i < desc->natts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, i);
			Oid			base;

			if (att->attisdropped)
				continue;
			/* bool as 0/1, as training reads it among features */
			base = pgdl_numeric_base_type(att->atttypid);
			if (OidIsValid(base))
			{
				cols[n].name = pstrdup(NameStr(att->attname));
				cols[n].typid = base;
				cols[n].attnum = i + 1;
				n++;
			}
			else
				appendStringInfo(&skipped, "%s%s (%s)", skipped.len ? ", " : "",
								 NameStr(att->attname), format_type_be(att->atttypid));
		}
		if (skipped.len > 0)
			ereport(NOTICE,
					(errmsg("skipping columns that are not numeric: %s", skipped.data)));
	}
	else
	{
		Datum	   *names;
		bool	   *nulls;
		int			nnames;

		deconstruct_array(requested, TEXTOID, -1, false, TYPALIGN_INT, &names, &nulls, &nnames);
		if (nnames == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the list of columns is empty")));
		cols = repalloc(cols, sizeof(PgdlColumn) * nnames);
		for (int k = 0; k < nnames; k++)
		{
			char	   *want;
			int			found = -1;

			if (nulls[k])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("column name %d is NULL", k + 1)));
			want = TextDatumGetCString(names[k]);
			for (int i = 0; i < desc->natts; i++)
				if (!TupleDescAttr(desc, i)->attisdropped &&
					strcmp(NameStr(TupleDescAttr(desc, i)->attname), want) == 0)
				{
					found = i;
					break;
				}
			if (found < 0)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_COLUMN),
						 errmsg("column \"%s\" is not in the source", want),
						 errhint("Column names are matched exactly, without case folding.")));
			if (!OidIsValid(pgdl_numeric_base_type(TupleDescAttr(desc, found)->atttypid)))
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("column \"%s\" is %s, not a numeric type", want,
								format_type_be(TupleDescAttr(desc, found)->atttypid))));
			for (int j = 0; j < n; j++)
				if (cols[j].attnum == found + 1)
					ereport(ERROR,
							(errcode(ERRCODE_DUPLICATE_COLUMN),
							 errmsg("column \"%s\" is listed twice", want)));
			cols[n].name = want;
			cols[n].typid = pgdl_numeric_base_type(TupleDescAttr(desc, found)->atttypid);
			cols[n].attnum = found + 1;
			n++;
		}
	}
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the source has no numeric column")));
	*ncolumns = n;
	return cols;
}
