/*-------------------------------------------------------------------------
 *
 * dataset.c
 *	  A source as data: which columns are the features (see the README), their
 *	  shapes and categories, and the rows as one float32 matrix.
 *
 * Every function that reads rows of a source for the engine goes through
 * here: train_model and cross_validate, and the clustering and feature
 * functions.  The matrix lives in a caller's memory context, grows by
 * doubling, and never exceeds the byte limit given: the check comes before
 * each allocation, so a too-large source fails with 54000 instead of
 * exhausting memory.
 *
 * src/pg/dataset.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/relation.h"
#include "access/xact.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "arrays.h"
#include "budget.h"
#include "coerce.h"
#include "dataset.h"
#include "features.h"
#include "source.h"
#include "text_columns.h"

#define MAX_CATEGORIES 10000	/* per categorical column */

static void resolve_features(const char *src, Oid relid, TupleDesc desc, ArrayType *requested,
							 const char *target, char **categorical, int n_categorical,
							 const PgdlCoercions *co, const dl_option_entry *text_cols, int n_text,
							 MemoryContext cxt, PgdlFeatureSet *fs);
#define FETCH_ROWS 1000

/* ---- the source's columns ---------------------------------------------------- */

/* the SQL of a source argument (*relid: its relation, or InvalidOid) and its result's columns */
static TupleDesc
source_describe(text *source, char **src, Oid *relid)
{
	*src = pgdl_source_sql_rel(source, relid);
	if (pgdl_source_execute(psprintf("%s LIMIT 0", *src)) != SPI_OK_SELECT)
		elog(ERROR, "pgdl: reading the columns of the source failed");
	return CreateTupleDescCopy(SPI_tuptable->tupdesc);
}

/* the type of column target of desc; 42703 naming it when it is not there */
static Oid
target_type(TupleDesc desc, const char *target)
{
	int			a = pgdl_find_attr(desc, target);

	if (a < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("target column \"%s\" is not in the source", target),
				 errhint("Column names are matched exactly, without case folding.")));
	return TupleDescAttr(desc, a)->atttypid;
}

void
pgdl_dataset_open(PgdlDataset *ds, text *source, const char *target)
{
	memset(ds, 0, sizeof(*ds));
	ds->desc = source_describe(source, &ds->src, &ds->relid);
	if (target)
	{
		ds->target.column = target;
		ds->target.type = target_type(ds->desc, target);
	}
}

void
pgdl_dataset_features(PgdlDataset *ds, ArrayType *requested, char **categorical, int n_categorical,
					  MemoryContext cxt)
{
	resolve_features(ds->src, ds->relid, ds->desc, requested, ds->target.column,
					 categorical, n_categorical, &ds->coerce, ds->text, ds->n_text, cxt, &ds->fs);
}

bool
pgdl_dataset_classes(PgdlDataset *ds, PgdlManyIntegers many)
{
	PgdlTarget *t = &ds->target;
	Oid			base = getBaseType(t->type);
	const char *qtarget = pgdl_quote_ident(t->column);

	if (base == BOOLOID || pgdl_text_type(t->type))
	{
		t->labels = pgdl_read_labels(ds->src, qtarget, t->type, 0, &t->n_labels);
		return true;
	}
	if (base == FLOAT4OID || base == FLOAT8OID || base == NUMERICOID)
		return false;
	if (!pgdl_integer_type(t->type))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("target column \"%s\" is %s: use a number, bool or text target",
						t->column, format_type_be(t->type))));
	t->labels = pgdl_read_labels(ds->src, qtarget, t->type, PGDL_MAX_INT_CLASSES, &t->n_labels);
	if (t->n_labels <= PGDL_MAX_INT_CLASSES)
		return true;
	if (many == PGDL_MANY_INTEGERS_ERROR)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot tell whether integer target \"%s\" is a class or a quantity: it has more than %d distinct values",
						t->column, PGDL_MAX_INT_CLASSES),
				 errhint("Set the option \"task\" to 'classification' or 'regression'.")));
	t->labels = NULL;
	t->n_labels = 0;
	return false;
}

/* ---- the feature columns ---------------------------------------------------- */

/* labels and categories are stored in the model: refuse long ones before training */
static void
check_value_length(const char *qcolumn, const char *value)
{
	size_t		len = strlen(value);

	if (len > DL_MAX_VALUE)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a value of column %s has %zu bytes; a model stores labels and categories of at most %d bytes",
						qcolumn, len, DL_MAX_VALUE)));
}

static int
compare_cstr(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* column i (0-based) of relid is excluded by default: a key, identity, serial or "id" */
static bool
key_like_column(Oid relid, const char *attname)
{
	Relation	rel;
	AttrNumber	attnum;
	bool		result = false;
	List	   *indexes;
	ListCell   *lc;

	if (strcmp(attname, "id") == 0)
		return true;
	if (!OidIsValid(relid))
		return false;
	rel = relation_open(relid, AccessShareLock);
	attnum = InvalidAttrNumber;
	for (int i = 0; i < RelationGetDescr(rel)->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), attname) == 0)
		{
			attnum = att->attnum;
			if (att->attidentity)
				result = true;
			if (att->atthasdef)
			{
				char	   *def = NULL;
				TupleConstr *constr = RelationGetDescr(rel)->constr;

				for (int k = 0; constr && k < constr->num_defval; k++)
					if (constr->defval[k].adnum == attnum)
						def = constr->defval[k].adbin;
				if (def && strstr(def, ":funcid 1574 ") != NULL)	/* nextval(regclass) */
					result = true;
			}
			break;
		}
	}
	if (!result && attnum != InvalidAttrNumber && rel->rd_rel->relhasindex)
	{
		indexes = RelationGetIndexList(rel);
		foreach(lc, indexes)
		{
			HeapTuple	it = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(lfirst_oid(lc)));
			Form_pg_index idx;

			if (!HeapTupleIsValid(it))
				continue;
			idx = (Form_pg_index) GETSTRUCT(it);
			if (idx->indisprimary)
				for (int k = 0; k < idx->indnkeyatts; k++)
					if (idx->indkey.values[k] == attnum)
						result = true;
			ReleaseSysCache(it);
		}
	}
	relation_close(rel, AccessShareLock);
	return result;
}

typedef struct TrainColumn
{
	char	   *name;
	int			attno;			/* in the source's result */
	Oid			typid;			/* as declared */
	dl_feature_kind kind;
} TrainColumn;

static bool
listed(char **names, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

int
pgdl_find_attr(TupleDesc desc, const char *name)
{
	for (int a = 0; a < desc->natts; a++)
		if (!TupleDescAttr(desc, a)->attisdropped &&
			strcmp(NameStr(TupleDescAttr(desc, a)->attname), name) == 0)
			return a;
	return -1;
}

static bool
numeric_array_type(Oid typid)
{
	Oid			elem = get_element_type(getBaseType(typid));

	return OidIsValid(elem) && OidIsValid(pgdl_numeric_base_type(elem));
}

/* the feature columns: requested, or the default rule of the README */
/*
 * The options numeric_text and dates: text (date or timestamp) columns of
 * the source, not the target, not also categorical (42703, 42804, 22023)
 */
static void
check_coerced(TupleDesc desc, const char *target, const PgdlCoercions *co,
			  char **categorical, int n_categorical)
{
	for (int c = 0; c < co->n_dates; c++)
	{
		int			a = pgdl_find_attr(desc, co->dates[c]);

		if (a < 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("dates column \"%s\" is not in the source", co->dates[c])));
		if (!pgdl_date_type(TupleDescAttr(desc, a)->atttypid))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("dates column \"%s\" is %s, not a date or timestamp", co->dates[c],
							format_type_be(TupleDescAttr(desc, a)->atttypid))));
		if (target && strcmp(co->dates[c], target) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("dates column \"%s\" is also the target", co->dates[c])));
	}
	for (int c = 0; c < co->n_numeric_text; c++)
	{
		const char *name = co->numeric_text[c];
		int			a = pgdl_find_attr(desc, name);

		if (a < 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("numeric_text column \"%s\" is not in the source", name)));
		if (!pgdl_text_type(TupleDescAttr(desc, a)->atttypid))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("numeric_text column \"%s\" is %s, not text", name,
							format_type_be(TupleDescAttr(desc, a)->atttypid)),
					 errhint("The option \"numeric_text\" lists text columns that hold numbers.")));
		if ((target && strcmp(name, target) == 0) ||
			listed(categorical, n_categorical, name))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("numeric_text column \"%s\" is also %s", name,
							target && strcmp(name, target) == 0 ? "the target" : "categorical")));
	}
}

static TrainColumn *
resolve_columns(TupleDesc desc, Oid relid, ArrayType *requested, const char *target,
				char **categorical, int n_categorical, const PgdlCoercions *co,
				const dl_option_entry *text_cols, int n_text, int *ncols)
{
	TrainColumn *cols = palloc0(sizeof(TrainColumn) * Max(desc->natts, 1));
	int			n = 0;

	check_coerced(desc, target, co, categorical, n_categorical);
	pgdl_text_check_columns(text_cols, n_text, desc, target, categorical, n_categorical);

	for (int c = 0; c < n_categorical; c++)
	{
		int			a = pgdl_find_attr(desc, categorical[c]);

		if (a < 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("categorical column \"%s\" is not in the source", categorical[c])));
		if (!pgdl_categorical_type(TupleDescAttr(desc, a)->atttypid))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("categorical column \"%s\" is %s, not text, an integer or bool", categorical[c],
							format_type_be(TupleDescAttr(desc, a)->atttypid))));
	}

	if (requested == NULL)
	{
		StringInfoData chosen;
		StringInfoData skipped;

		initStringInfo(&chosen);
		initStringInfo(&skipped);
		for (int a = 0; a < desc->natts; a++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, a);
			const char *name = NameStr(att->attname);
			dl_feature_kind kind;

			if (att->attisdropped || (target && strcmp(name, target) == 0))
				continue;
			/* listed first: an integer or bool code may be categorical */
			if (listed(categorical, n_categorical, name))
				kind = DL_FEATURE_CATEGORICAL;
			else if (pgdl_text_column(text_cols, n_text, name))
				kind = DL_FEATURE_TEXT;
			else if (OidIsValid(pgdl_numeric_base_type(att->atttypid)))
				kind = DL_FEATURE_NUMBER;
			else if (numeric_array_type(att->atttypid))
				kind = DL_FEATURE_ARRAY;
			else if (listed(co->numeric_text, co->n_numeric_text, name))
				kind = DL_FEATURE_TEXT_NUMBER;
			else if (listed(co->dates, co->n_dates, name))
				kind = DL_FEATURE_DATE;
			else
			{
				appendStringInfo(&skipped, "%s%s (%s)", skipped.len ? ", " : "", name,
								 format_type_be(att->atttypid));
				continue;
			}
			if (kind != DL_FEATURE_CATEGORICAL && kind != DL_FEATURE_TEXT_NUMBER &&
				kind != DL_FEATURE_DATE && kind != DL_FEATURE_TEXT && key_like_column(relid, name))
			{
				appendStringInfo(&skipped, "%s%s (an id or key)", skipped.len ? ", " : "", name);
				continue;
			}
			cols[n].name = pstrdup(name);
			cols[n].attno = a + 1;
			cols[n].typid = att->atttypid;
			cols[n].kind = kind;
			appendStringInfo(&chosen, "%s%s", n ? ", " : "", name);
			n++;
		}
		if (n == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the source has no feature column%s", target ? " besides the target" : ""),
					 skipped.len ? errdetail("Skipped: %s.", skipped.data) : 0));
		ereport(NOTICE,
				(errmsg("features: %s", chosen.data),
				 skipped.len ? errdetail("Skipped: %s.", skipped.data) : 0));
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
					 errmsg("features is an empty list"),
					 errhint("Pass NULL to use every numeric column.")));
		cols = repalloc(cols, sizeof(TrainColumn) * nnames);
		for (int k = 0; k < nnames; k++)
		{
			char	   *want;
			int			a;
			Oid			typid;

			if (nulls[k])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("feature name %d is NULL", k + 1)));
			want = TextDatumGetCString(names[k]);
			a = pgdl_find_attr(desc, want);
			if (a < 0)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_COLUMN),
						 errmsg("feature column \"%s\" is not in the source", want),
						 errhint("Column names are matched exactly, without case folding.")));
			if (target && strcmp(want, target) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("column \"%s\" is the target and cannot also be a feature", want)));
			for (int j = 0; j < n; j++)
				if (cols[j].attno == a + 1)
					ereport(ERROR,
							(errcode(ERRCODE_DUPLICATE_COLUMN),
							 errmsg("feature column \"%s\" is listed twice", want)));
			typid = TupleDescAttr(desc, a)->atttypid;
			if (listed(categorical, n_categorical, want))
				cols[n].kind = DL_FEATURE_CATEGORICAL;
			else if (pgdl_text_column(text_cols, n_text, want))
				cols[n].kind = DL_FEATURE_TEXT;
			else if (OidIsValid(pgdl_numeric_base_type(typid)))
				cols[n].kind = DL_FEATURE_NUMBER;
			else if (numeric_array_type(typid))
				cols[n].kind = DL_FEATURE_ARRAY;
			else if (listed(co->numeric_text, co->n_numeric_text, want))
				cols[n].kind = DL_FEATURE_TEXT_NUMBER;
			else if (listed(co->dates, co->n_dates, want))
				cols[n].kind = DL_FEATURE_DATE;
			else
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("feature column \"%s\" is %s, not a numeric, bool or numeric array column",
								want, format_type_be(typid)),
						 pgdl_text_type(typid) ?
						 errhint("List text columns in the option \"categorical\" to one-hot encode them, in \"numeric_text\" to read them as numbers, or in \"text\" to tokenize them.") :
						 pgdl_date_type(typid) ?
						 errhint("List date and timestamp columns in the option \"dates\" to encode them.") : 0));
			cols[n].name = want;
			cols[n].attno = a + 1;
			cols[n].typid = typid;
			n++;
		}
		for (int c = 0; c < co->n_numeric_text + co->n_dates; c++)
		{
			bool		text = c < co->n_numeric_text;
			const char *name = text ? co->numeric_text[c] : co->dates[c - co->n_numeric_text];
			bool		among = false;

			for (int j = 0; j < n; j++)
				among |= strcmp(cols[j].name, name) == 0;
			if (!among)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s column \"%s\" is not among the features", text ? "numeric_text" : "dates", name),
						 errhint("List it in features too, or leave it out of %s.", text ? "numeric_text" : "dates")));
		}
	}
	*ncols = n;
	return cols;
}


/*
 * The features of src (whose result is desc; relid its relation or
 * InvalidOid): requested exactly, or by the default rule of the README's
 * "Features" with a NOTICE; text columns named in categorical are one-hot.
 * Reads the categories and the array shapes (first row) through SPI; the
 * features are allocated in cxt.
 */
static void
resolve_features(const char *src, Oid relid, TupleDesc desc, ArrayType *requested,
					  const char *target, char **categorical, int n_categorical,
					  const PgdlCoercions *co, const dl_option_entry *text_cols, int n_text,
					  MemoryContext cxt, PgdlFeatureSet *fs)
{
	TrainColumn *cols;
	int			ncols;
	MemoryContext old;

	cols = resolve_columns(desc, relid, requested, target, categorical, n_categorical, co,
						   text_cols, n_text, &ncols);
	old = MemoryContextSwitchTo(cxt);
	fs->n = ncols;
	fs->features = palloc0(sizeof(dl_feature) * Max(ncols, 1));
	fs->n_inputs = 0;
	MemoryContextSwitchTo(old);
	/* categorical vocabularies, then array lengths from the first row */
	for (int i = 0; i < fs->n; i++)
	{
		dl_feature *f = &fs->features[i];

		f->name = cols[i].name;
		f->kind = cols[i].kind;
		f->length = 1;
		if (f->kind == DL_FEATURE_DATE)
		{
			f->encodings = co->date_encodings;
			f->length = dl_date_inputs(f->encodings);
		}
		else if (f->kind == DL_FEATURE_TEXT)
		{
			const dl_text_column *c = pgdl_text_column(text_cols, n_text, f->name);

			f->encoding = c->encoding;
			/* a bag of words gives no input to the spooled rows: its words are held sparse (text_features.c) */
			f->length = dl_text_bag_encoding(c->encoding) ? 0 : c->max_length;
		}
		else if (f->kind == DL_FEATURE_CATEGORICAL)
		{
			const char *q = pgdl_quote_ident(f->name);
			char	   *sql = psprintf("SELECT DISTINCT %s::pg_catalog.text COLLATE pg_catalog.\"C\" AS c FROM (%s) AS s "
									   "WHERE %s IS NOT NULL ORDER BY 1 LIMIT %d",
									   q, src, q, MAX_CATEGORIES + 1);

			if (pgdl_source_execute(sql) != SPI_OK_SELECT)
				elog(ERROR, "pgdl: reading the categories failed");
			if (SPI_processed > MAX_CATEGORIES)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("categorical column \"%s\" has more than %d distinct values", f->name, MAX_CATEGORIES),
						 errdetail("A model one-hot encodes at most %d categories per column.", MAX_CATEGORIES),
						 errhint("Group rare values into one category (a CASE in a query source).")));
			if (SPI_processed == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("categorical column \"%s\" has no non-NULL value", f->name)));
			old = MemoryContextSwitchTo(cxt);
			f->n_categories = (int) SPI_processed;
			f->categories = palloc(sizeof(char *) * f->n_categories);
			for (int k = 0; k < f->n_categories; k++)
			{
				f->categories[k] = SPI_getvalue(SPI_tuptable->vals[k], SPI_tuptable->tupdesc, 1);
				check_value_length(q, f->categories[k]);
			}
			/* bytewise order, which bsearch in features.c relies on */
			qsort(f->categories, f->n_categories, sizeof(char *), compare_cstr);
			MemoryContextSwitchTo(old);
			f->length = f->n_categories;
		}
		else if (f->kind == DL_FEATURE_ARRAY)
		{
			const char *q = pgdl_quote_ident(f->name);
			char	   *sql = psprintf("SELECT pg_catalog.array_ndims(%s), pg_catalog.array_length(%s, 1), "
									   "pg_catalog.array_length(%s, 2) FROM (%s) AS s WHERE %s IS NOT NULL LIMIT 1",
									   q, q, q, src, q);
			bool		isnull;

			if (pgdl_source_execute(sql) != SPI_OK_SELECT)
				elog(ERROR, "pgdl: reading the array lengths failed");
			if (SPI_processed == 0)
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("array feature \"%s\" is NULL in every row", f->name)));
			{
				Datum		nd = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
				int			ndims = isnull ? 0 : DatumGetInt32(nd);
				int			len1 = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));

				if (ndims == 1)
					f->length = len1;
				else if (ndims == 2)
				{
					f->kind = DL_FEATURE_MATRIX;
					f->rows = len1;
					f->cols = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull));
					f->length = f->rows * f->cols;
				}
				else
					ereport(ERROR,
							(errcode(ERRCODE_DATA_EXCEPTION),
							 errmsg("array feature \"%s\" has %d dimensions in its first row: use 1-D arrays, or 2-D for a sequence",
									f->name, ndims)));
			}
		}
		if ((int64) fs->n_inputs + f->length > DL_MAX_FEATURES)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("more than %d inputs", DL_MAX_FEATURES)));
		fs->n_inputs += f->length;
	}
	pgdl_text_layout(fs->features, fs->n);
	if (requested)
		pgdl_text_check_listed(text_cols, n_text, fs->features, fs->n);
}

/* ---- the target ------------------------------------------------------------- */

bool
pgdl_integer_type(Oid typid)
{
	Oid			base = getBaseType(typid);

	return base == INT2OID || base == INT4OID || base == INT8OID;
}

char *
pgdl_label_text(Datum d, Oid typid)
{
	Oid			base = getBaseType(typid);

	switch (base)
	{
		case BOOLOID:
			return pstrdup(DatumGetBool(d) ? "true" : "false");
		case NUMERICOID:
			return DatumGetCString(DirectFunctionCall1(numeric_out,
													   DirectFunctionCall1(numeric_trim_scale, d)));
		case FLOAT4OID:
		case FLOAT8OID:
			{
				/*
				 * The shortest text that reads back exactly (float8out's form
				 * with the default extra_float_digits, whatever the setting);
				 * -0 and 0 are one class, as DISTINCT sees them.
				 */
				double		v = base == FLOAT4OID ? (double) DatumGetFloat4(d) : DatumGetFloat8(d);
				char	   *buf = palloc(DOUBLE_SHORTEST_DECIMAL_LEN);

				if (v == 0)
					v = 0.0;
				double_to_shortest_decimal_buf(v, buf);
				return buf;
			}
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
		case NAMEOID:
			return pgdl_text_value(d, base);
		default:
			{
				Oid			out;
				bool		isvarlena;

				getTypeOutputInfo(typid, &out, &isvarlena);
				return OidOutputFunctionCall(out, d);
			}
	}
}

/*
 * The labels, in the target type's order (text compared with COLLATE "C");
 * with limit > 0, stops after limit + 1 labels.
 */

char **
pgdl_read_labels(const char *src, const char *qtarget, Oid typid, int limit, int *nlabels)
{
	char	   *sql;
	char	  **labels;
	bool		text_like = pgdl_text_type(typid);

	/*
	 * The distinct values in the type's order; their label text is made in C
	 * by pgdl_label_text, the one function evaluate and the row reader use
	 * too, so a label never depends on a setting such as extra_float_digits.
	 */
	sql = psprintf("SELECT DISTINCT %s%s AS t FROM (%s) AS s WHERE %s IS NOT NULL ORDER BY t%s",
				   qtarget, text_like ? " COLLATE pg_catalog.\"C\"" : "", src, qtarget,
				   limit > 0 ? psprintf(" LIMIT %d", limit + 1) : "");
	if (pgdl_source_execute(sql) != SPI_OK_SELECT)
		elog(ERROR, "pgdl: reading the labels failed");
	if (SPI_processed > DL_MAX_LABELS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the target has more than %d distinct values", DL_MAX_LABELS)));
	labels = palloc(sizeof(char *) * Max(SPI_processed, 1));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);

		labels[i] = pgdl_label_text(d, TupleDescAttr(SPI_tuptable->tupdesc, 0)->atttypid);
		check_value_length(qtarget, labels[i]);
	}
	*nlabels = (int) SPI_processed;
	/* values that normalise to one label are equal: DISTINCT already merged them */
	return labels;
}


/* ---- the rows ------------------------------------------------------------------ */

/* labels sorted bytewise, for a binary search per row */
typedef struct LabelIndex
{
	const char *label;
	int			k;
} LabelIndex;

static int
compare_label_index(const void *a, const void *b)
{
	return strcmp(((const LabelIndex *) a)->label, ((const LabelIndex *) b)->label);
}

static LabelIndex *
label_index(char **labels, int n)
{
	LabelIndex *index = palloc(sizeof(LabelIndex) * Max(n, 1));

	for (int i = 0; i < n; i++)
	{
		index[i].label = labels[i];
		index[i].k = i;
	}
	qsort(index, n, sizeof(LabelIndex), compare_label_index);
	return index;
}

static int
label_lookup(const LabelIndex *index, int n, const char *label)
{
	LabelIndex	key = {label, -1};
	const LabelIndex *hit = bsearch(&key, index, n, sizeof(LabelIndex), compare_label_index);

	return hit ? hit->k : -1;
}


static void
grow(PgdlMatrix *td)
{
	size_t		cap = td->capacity ? td->capacity * 2 : 1024;
	size_t		bytes = cap * ((size_t) td->d + 1) * sizeof(float);

	if (bytes > td->limit_bytes)
	{
		cap = td->limit_bytes / (((size_t) td->d + 1) * sizeof(float));
		if (cap <= td->capacity)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("the rows of the source need more than pgdl.max_training_memory (%zu kB) after %zu rows of %d features",
							td->limit_bytes / 1024, td->n, td->d),
					 errhint("Train on a sample (e.g. a query with TABLESAMPLE or LIMIT), use fewer features, or raise pgdl.max_training_memory (superuser).")));
	}
	if (td->x == NULL)
	{
		td->x = pgdl_budget_alloc(CurrentMemoryContext, cap * (size_t) td->d * sizeof(float));
		if (td->with_target)
			td->y = pgdl_budget_alloc(CurrentMemoryContext, cap * sizeof(float));
	}
	else
	{
		td->x = pgdl_budget_realloc(td->x, cap * (size_t) td->d * sizeof(float));
		if (td->y)
			td->y = pgdl_budget_realloc(td->y, cap * sizeof(float));
	}
	td->capacity = cap;
}

/*
 * The one cursor loop over a source's features: the features (and extra
 * expressions after them) of every row, through a read-only cursor (the
 * transaction marked read only for the whole scan, as pgdl_source_execute
 * does for one statement), in physical order for tables
 * (synchronize_seqscans off), so that the same table gives the same rows in
 * the same order and a seed reproduces a result.  row_fn sees each row;
 * batch_fn, when given, each fetched batch while its tuples are still valid.
 * Checks for interrupts every batch.
 */
void
pgdl_scan_source(const char *src, const PgdlFeatureSet *fs, const char *extra_sql, int fetch_rows,
				 pgdl_scan_row_fn row_fn, pgdl_scan_batch_fn batch_fn, void *arg)
{
	MemoryContext caller = CurrentMemoryContext;
	PgdlScan	scan;
	StringInfoData sql;
	char	   *query;
	bool		was_read_only = XactReadOnly;
	int			guc_level = NewGUCNestLevel();

	memset(&scan, 0, sizeof(scan));
	scan.fs = fs;
	scan.bound = palloc(sizeof(PgdlBoundFeature) * Max(fs->n, 1));
	scan.extra_att = fs->n + 1;
	(void) set_config_option("synchronize_seqscans", "off", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	initStringInfo(&sql);
	for (int i = 0; i < fs->n; i++)
		appendStringInfo(&sql, "%s%s", i ? ", " : "", pgdl_quote_ident(fs->features[i].name));
	if (extra_sql)
		appendStringInfo(&sql, "%s%s", fs->n ? ", " : "", extra_sql);
	/* in the source's own query, so that its ORDER BY orders the rows (source.c) */
	query = pgdl_source_select(src, sql.data);

	XactReadOnly = true;
	PG_TRY();
	{
		SPIPlanPtr	plan = SPI_prepare(query, 0, NULL);
		Portal		portal;

		if (plan == NULL)
			elog(ERROR, "pgdl: preparing the scan of the source failed: %s",
				 SPI_result_code_string(SPI_result));
		portal = SPI_cursor_open(NULL, plan, NULL, NULL, true);
		pgdl_bind_features(fs->features, fs->n, portal->tupDesc, scan.bound);
		for (;;)
		{
			SPITupleTable *tt;

			CHECK_FOR_INTERRUPTS();
			SPI_cursor_fetch(portal, true, fetch_rows);
			if (SPI_processed == 0)
				break;
			tt = SPI_tuptable;
			scan.desc = tt->tupdesc;
			scan.batch = tt->vals;
			scan.batch_rows = SPI_processed;
			/* SPI leaves its own context current: the callbacks run in the caller's */
			MemoryContextSwitchTo(caller);
			for (uint64 r = 0; r < scan.batch_rows; r++)
			{
				scan.rowno++;
				row_fn(&scan, tt->vals[r], arg);
			}
			if (batch_fn)
				batch_fn(&scan, arg);
			SPI_freetuptable(tt);
		}
		SPI_cursor_close(portal);
	}
	PG_FINALLY();
	{
		XactReadOnly = was_read_only;
	}
	PG_END_TRY();
	AtEOXact_GUC(true, guc_level);
	MemoryContextSwitchTo(caller);
	pfree(scan.bound);
}

/* how a scan reads the target of each row: a class index, or the value */
typedef struct LoadTarget
{
	const PgdlTarget *tg;		/* NULL: no target */
	dl_missing	impute;
	LabelIndex *index;			/* classification: the labels, sorted for lookup */
	MemoryContext label_cxt;
} LoadTarget;

/* sets t up; returns the extra expression the scan must read after the features, or NULL */
static const char *
load_target_begin(LoadTarget *t, const PgdlTarget *tg, dl_missing impute)
{
	memset(t, 0, sizeof(*t));
	t->tg = tg && tg->column ? tg : NULL;
	t->impute = impute;
	t->label_cxt = AllocSetContextCreate(CurrentMemoryContext, "pgdl label", ALLOCSET_SMALL_SIZES);
	if (t->tg && tg->n_labels > 0)
	{
		t->index = label_index(tg->labels, tg->n_labels);
		return pgdl_quote_ident(tg->column);
	}
	if (t->tg)
		return psprintf("(%s)::pg_catalog.float8", pgdl_quote_ident(tg->column));
	return NULL;
}

static void
load_target_end(LoadTarget *t)
{
	MemoryContextDelete(t->label_cxt);
	if (t->index)
		pfree(t->index);
}

/* the row's target into *yv (0 without a target); false when it is NULL */
static bool
read_target(LoadTarget *t, PgdlScan *scan, HeapTuple tup, float *yv)
{
	const char *target = t->tg ? t->tg->column : NULL;
	bool		isnull = false;
	Datum		d = target ? heap_getattr(tup, scan->extra_att, scan->desc, &isnull) : (Datum) 0;

	*yv = 0;
	if (isnull)
		return false;
	if (target && t->index)
	{
		/* numeric_trim_scale and output functions leave garbage: reset per row */
		MemoryContext prev = MemoryContextSwitchTo(t->label_cxt);
		char	   *lt = pgdl_label_text(d, TupleDescAttr(scan->desc, scan->extra_att - 1)->atttypid);
		int			k = label_lookup(t->index, t->tg->n_labels, lt);

		MemoryContextSwitchTo(prev);
		if (k < 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("target value \"%s\" in row %lld was not among the labels read before: the source changed during training",
							lt, (long long) scan->rowno)));
		MemoryContextReset(t->label_cxt);
		*yv = (float) k;
	}
	else if (target)
	{
		double		v = DatumGetFloat8(d);

		if (!isfinite(v))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("target \"%s\" is %s in row %lld", target,
							isnan(v) ? "NaN" : "infinite", (long long) scan->rowno)));
		*yv = (float) v;
	}
	return true;
}

/*
 * A row's target into *yv and its features into x (NaN = missing); false,
 * counted, for a row skipped: a NULL target, or a missing feature under
 * impute drop_row
 */
static bool
read_row(LoadTarget *t, PgdlScan *scan, HeapTuple tup, double *x, float *yv,
		 int64 *null_targets, int64 *dropped_rows)
{
	int			missing;

	if (!read_target(t, scan, tup, yv))
	{
		(*null_targets)++;
		return false;
	}
	missing = pgdl_read_features(scan->bound, scan->fs->n, tup, scan->desc, x, scan->rowno,
								 t->impute != DL_MISSING_ERROR);
	if (missing > 0 && t->impute == DL_MISSING_DROP_ROW)
	{
		(*dropped_rows)++;
		return false;
	}
	return true;
}

/* what pgdl_load_matrix keeps across rows */
typedef struct LoadState
{
	PgdlMatrix *td;
	LoadTarget	t;
	MemoryContext cxt;
	double	   *xrow;
} LoadState;

static void
load_row(PgdlScan *scan, HeapTuple tup, void *arg)
{
	LoadState  *ls = arg;
	PgdlMatrix *td = ls->td;
	float		yv = 0;

	if (!read_row(&ls->t, scan, tup, ls->xrow, &yv, &td->null_targets, &td->dropped_rows))
		return;
	if (td->n == td->capacity)
	{
		MemoryContext old = MemoryContextSwitchTo(ls->cxt);

		grow(td);
		MemoryContextSwitchTo(old);
	}
	pgdl_store_float32(scan->fs->features, scan->fs->n, ls->xrow, td->d,
					   td->x + td->n * (size_t) td->d, scan->rowno, false);
	if (td->y)
		td->y[td->n] = yv;
	td->n++;
}

/* ---- rows spooled in double precision ------------------------------------------ */

/* the bytes of one spooled row: its row number, its target, then d doubles */
#define SPOOL_ROW_BYTES(d) (sizeof(double) * ((size_t) (d) + 2))

/* widens r's per-input range by a kept row (NaN = missing) */
static void
note_range(PgdlRows *r, const double *x)
{
	for (int i = 0; i < r->d; i++)
	{
		if (isnan(x[i]))
			continue;
		if (isnan(r->lo[i]) || x[i] < r->lo[i])
			r->lo[i] = x[i];
		if (isnan(r->hi[i]) || x[i] > r->hi[i])
			r->hi[i] = x[i];
	}
}

typedef struct SpoolState
{
	PgdlRows   *r;
	LoadTarget	t;
	double	   *buf;			/* the row number, the target, then the features */
} SpoolState;

static void
spool_row(PgdlScan *scan, HeapTuple tup, void *arg)
{
	SpoolState *ss = arg;
	PgdlRows   *r = ss->r;
	float		yv = 0;

	if (!read_row(&ss->t, scan, tup, ss->buf + 2, &yv, &r->null_targets, &r->dropped_rows))
		return;
	note_range(r, ss->buf + 2);
	/*
	 * The float32 rows prepared from these, and the targets, are what
	 * training holds in memory: refuse the row that would not fit, now,
	 * rather than after spooling the rest of a large source - unless the
	 * rows may be streamed instead, which keeps the targets in the file only.
	 */
	if (r->y && (r->n + 1) * (((size_t) r->d + 1) * sizeof(float)) > r->limit_bytes)
	{
		if (r->stream_past_limit)
		{
			pfree(r->y);
			r->y = NULL;
		}
		else
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("the rows of the source need more than pgdl.max_training_memory (%zu kB) after %zu rows of %d features",
							r->limit_bytes / 1024, r->n, r->d),
					 errhint("Train on a sample (e.g. a query with TABLESAMPLE or LIMIT), use fewer features, or raise pgdl.max_training_memory (superuser).")));
	}
	if (r->y && r->n == r->y_capacity)
	{
		if (r->stream_past_limit && !pgdl_budget_fits(r->y, sizeof(float) * r->y_capacity * 2))
		{
			/* the targets alone pass the budget: the rows will be streamed */
			pfree(r->y);
			r->y = NULL;
		}
		else
		{
			r->y_capacity *= 2;
			r->y = pgdl_budget_realloc(r->y, sizeof(float) * r->y_capacity);
		}
	}
	if (r->y)
		r->y[r->n] = yv;
	r->n++;
	ss->buf[0] = (double) scan->rowno;
	ss->buf[1] = yv;
	BufFileWrite(r->file, ss->buf, SPOOL_ROW_BYTES(r->d));
	if (r->text)
		pgdl_text_spool_row(r->text, scan->fs->features, scan->fs->n, scan->bound, tup, scan->desc);
}

void
pgdl_spool_rows(PgdlRows *r, const char *src, const PgdlFeatureSet *fs, const PgdlTarget *tg,
				dl_missing impute, MemoryContext cxt)
{
	SpoolState	ss;
	const char *extra;
	MemoryContext old = MemoryContextSwitchTo(cxt);

	r->d = fs->n_inputs;
	r->n = 0;
	r->y_capacity = 1024;
	r->y = palloc(sizeof(float) * r->y_capacity);
	r->file_d = r->d;
	r->keep = NULL;
	/* a temporary file of this transaction: deleted at its end, or by pgdl_rows_close */
	r->file = BufFileCreateTemp(false);
	r->text = pgdl_text_spool_begin(fs->features, fs->n);
	MemoryContextSwitchTo(old);
	memset(&ss, 0, sizeof(ss));
	ss.r = r;
	extra = load_target_begin(&ss.t, tg, impute);
	ss.buf = palloc(SPOOL_ROW_BYTES(r->d));
	/* the first pass's statistics, the size of a row buffer: with it, in the caller's context */
	r->lo = palloc(sizeof(double) * Max(r->d, 1));
	r->hi = palloc(sizeof(double) * Max(r->d, 1));
	for (int i = 0; i < r->d; i++)
		r->lo[i] = r->hi[i] = NAN;
	pgdl_scan_source(src, fs, extra, FETCH_ROWS, spool_row, NULL, &ss);
	load_target_end(&ss.t);
	pfree(ss.buf);
}

void
pgdl_rows_foreach(PgdlRows *r, pgdl_rows_fn fn, void *arg)
{
	size_t		row_bytes = SPOOL_ROW_BYTES(r->file_d);
	double	   *buf = palloc(row_bytes);

	if (BufFileSeek(r->file, 0, 0, SEEK_SET) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not rewind the temporary file of the training rows: %m")));
	for (size_t i = 0; i < r->n; i++)
	{
		if ((i & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		if (BufFileRead(r->file, buf, row_bytes) != row_bytes)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not read row %zu of %zu from the temporary file of the training rows", i + 1, r->n)));
		/* the inputs kept, in place: keep is increasing, so keep[j] >= j */
		if (r->keep)
			for (int j = 0; j < r->d; j++)
				buf[2 + j] = buf[2 + r->keep[j]];
		fn(i, (int64) buf[0], (float) buf[1], buf + 2, arg);
	}
	pfree(buf);
}

/* what pgdl_rows_prepare keeps across rows */
typedef struct PrepareState
{
	const dl_model *m;
	float	   *x;
	int64	   *rowno;
	bool	   *nulls;
} PrepareState;

static void
prepare_row(size_t i, int64 rowno, float y, double *x, void *arg)
{
	PrepareState *ps = arg;

	pgdl_preprocess_row(ps->m, x, ps->nulls, ps->x + i * (size_t) ps->m->n_inputs, rowno);
	if (ps->rowno)
		ps->rowno[i] = rowno;
}

void
pgdl_rows_prepare(const dl_model *m, PgdlRows *r, float *x, int64 *rowno)
{
	PrepareState ps;

	ps.m = m;
	ps.x = x;
	ps.rowno = rowno;
	ps.nulls = palloc(sizeof(bool) * Max(r->d, 1));
	pgdl_rows_foreach(r, prepare_row, &ps);
	pfree(ps.nulls);
}

/* what pgdl_rows_rewrite keeps across rows */
typedef struct RewriteState
{
	pgdl_rows_fn fn;
	void	   *arg;
	BufFile    *out;
	double	   *buf;
	int			d;
} RewriteState;

static void
rewrite_row(size_t i, int64 rowno, float y, double *x, void *arg)
{
	RewriteState *rs = arg;

	rs->fn(i, rowno, y, x, rs->arg);
	rs->buf[0] = (double) rowno;
	rs->buf[1] = y;
	memcpy(rs->buf + 2, x, sizeof(double) * rs->d);
	BufFileWrite(rs->out, rs->buf, SPOOL_ROW_BYTES(rs->d));
}

void
pgdl_rows_rewrite(PgdlRows *r, pgdl_rows_fn fn, void *arg)
{
	RewriteState rs;

	rs.fn = fn;
	rs.arg = arg;
	rs.d = r->d;
	rs.buf = palloc(SPOOL_ROW_BYTES(r->d));
	/* where the file it replaces lives: a fold of cross-validation has a shorter-lived context */
	{
		MemoryContext old = MemoryContextSwitchTo(GetMemoryChunkContext(r->file));

		rs.out = BufFileCreateTemp(false);
		MemoryContextSwitchTo(old);
	}
	pgdl_rows_foreach(r, rewrite_row, &rs);
	BufFileClose(r->file);
	/* the rows as written: the inputs kept, no more */
	r->file = rs.out;
	r->file_d = r->d;
	r->keep = NULL;
	pfree(rs.buf);
}

void
pgdl_rows_close(PgdlRows *r)
{
	if (r->file)
		BufFileClose(r->file);
	r->file = NULL;
	pgdl_text_spool_end(r->text);
	r->text = NULL;
}

/*
 * Reads the source into td (features as float32, the target, if any, as a
 * class index or value).  Rows with a NULL target are skipped before their
 * features are read.
 */
void
pgdl_load_matrix(PgdlMatrix *td, const char *src, const PgdlFeatureSet *fs,
				 const PgdlTarget *tg, dl_missing impute, MemoryContext cxt)
{
	LoadState	ls;
	const char *extra;
	MemoryContext old;

	memset(&ls, 0, sizeof(ls));
	ls.td = td;
	ls.cxt = cxt;
	ls.xrow = palloc(sizeof(double) * Max(fs->n_inputs, 1));
	extra = load_target_begin(&ls.t, tg, impute);
	old = MemoryContextSwitchTo(cxt);
	grow(td);
	MemoryContextSwitchTo(old);
	pgdl_scan_source(src, fs, extra, FETCH_ROWS, load_row, NULL, &ls);
	load_target_end(&ls.t);
	pfree(ls.xrow);
}

/* ---- constant features ---------------------------------------------------------- */

int
pgdl_rows_drop_constant(PgdlRows *r, PgdlFeatureSet *fs, bool drop, MemoryContext cxt)
{
	StringInfoData names;
	bool	   *constant = palloc0(sizeof(bool) * Max(fs->n, 1));
	int			n_constant = 0;
	int			pos = 0;

	initStringInfo(&names);
	for (int i = 0; i < fs->n; i++)
	{
		const dl_feature *f = &fs->features[i];

		/* whole scalar columns only: an array's or a one-hot column's inputs stay together */
		if (f->kind == DL_FEATURE_NUMBER && r->lo && !isnan(r->lo[pos]) && r->lo[pos] == r->hi[pos])
		{
			constant[i] = true;
			n_constant++;
			appendStringInfo(&names, "%s%s (always %g)", names.len ? ", " : "", f->name, r->lo[pos]);
		}
		pos += f->length;
	}
	if (n_constant == 0)
		return 0;
	if (!drop || n_constant == fs->n)
	{
		ereport(WARNING,
				(errmsg("%s constant in every training row: %s",
						n_constant == fs->n ? "every feature is" : "features", names.data),
				 errdetail("A feature with one value gives the network nothing to learn, and another value at prediction shifts every prediction."),
				 errhint("%s", drop ? "Check the source's rows." :
						 "Name the feature columns in \"features\" without them: they are kept.")));
		return 0;
	}
	ereport(NOTICE,
			(errmsg("features left out, constant in every training row: %s", names.data),
			 errdetail("A feature with one value gives the network nothing to learn, and another value at prediction shifts every prediction (a split column such as is_test)."),
			 errhint("List the columns in \"features\" to keep them.")));
	{
		MemoryContext old = MemoryContextSwitchTo(cxt);
		dl_feature *kept = palloc0(sizeof(dl_feature) * fs->n);
		int		   *keep = palloc(sizeof(int) * Max(fs->n_inputs, 1));
		int			n = 0,
					d = 0;

		pos = 0;
		for (int i = 0; i < fs->n; i++)
		{
			const dl_feature *f = &fs->features[i];

			if (!constant[i])
			{
				kept[n++] = *f;
				for (int k = 0; k < f->length; k++)
					keep[d++] = pos + k;
			}
			pos += f->length;
		}
		MemoryContextSwitchTo(old);
		fs->features = kept;
		fs->n = n;
		fs->n_inputs = d;
		r->keep = keep;
		r->d = d;
	}
	pfree(constant);
	return n_constant;
}
