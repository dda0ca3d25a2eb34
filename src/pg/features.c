/*-------------------------------------------------------------------------
 *
 * features.c
 *	  From source rows to model inputs: binding a model's features to the
 *	  columns of a result, and reading one row into the input vector.
 *
 * Training, predict(model, record), predict_batch and the evaluation
 * functions all read rows this one way, so a feature means the same thing
 * everywhere: a numeric or bool column is one input, a 1-D array its
 * elements, a 2-D array (a sequence) its elements row by row, a categorical
 * text, integer or bool column one input per category seen in training
 * (one-hot; NULL or an unseen value is all zeros).
 *
 * src/pg/features.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "arrays.h"
#include "coerce.h"
#include "features.h"
#include "pgdl.h"
#include "text.h"
#include "text_feature.h"

bool
pgdl_text_type(Oid typid)
{
	Oid			base = getBaseType(typid);

	return base == TEXTOID || base == VARCHAROID || base == BPCHAROID || base == NAMEOID;
}

char *
pgdl_text_value(Datum d, Oid typid)
{
	Oid			base = getBaseType(typid);
	char	   *s;

	/* name is a fixed-length C string, not a varlena */
	if (base == NAMEOID)
		return pstrdup(NameStr(*DatumGetName(d)));
	s = TextDatumGetCString(d);
	/* char(n) -> text drops the padding (rtrim1), as the SQL cast does */
	if (base == BPCHAROID)
	{
		size_t		len = strlen(s);

		while (len > 0 && s[len - 1] == ' ')
			s[--len] = '\0';
	}
	return s;
}

const char *
pgdl_text_document(Datum d, bool isnull, Oid typid, size_t *len)
{
	if (isnull)
	{
		*len = 0;
		return "";
	}
	return pgdl_text_utf8(cstring_to_text(pgdl_text_value(d, typid)), len);
}

bool
pgdl_categorical_type(Oid typid)
{
	Oid			base = getBaseType(typid);

	return pgdl_text_type(base) || base == INT2OID || base == INT4OID || base == INT8OID ||
		base == BOOLOID;
}

/*
 * A categorical value as its category: the text the cast to text gives, as
 * training reads the categories (SELECT DISTINCT col::text); base is the
 * column's base type
 */
static char *
category_text(Datum d, Oid base)
{
	switch (base)
	{
		case INT2OID:
			return psprintf("%d", (int) DatumGetInt16(d));
		case INT4OID:
			return psprintf("%d", DatumGetInt32(d));
		case INT8OID:
			return psprintf(INT64_FORMAT, DatumGetInt64(d));
		case BOOLOID:
			return pstrdup(DatumGetBool(d) ? "true" : "false");
		default:
			return pgdl_text_value(d, base);
	}
}

void
pgdl_bind_features(const dl_feature *features, int n, TupleDesc desc,
				   PgdlBoundFeature *out)
{
	for (int i = 0; i < n; i++)
	{
		const dl_feature *f = &features[i];
		int			found = -1;
		Oid			typid;

		for (int a = 0; a < desc->natts; a++)
			if (!TupleDescAttr(desc, a)->attisdropped &&
				strcmp(NameStr(TupleDescAttr(desc, a)->attname), f->name) == 0)
			{
				found = a;
				break;
			}
		if (found < 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" used by the model is not in the input", f->name),
					 errhint("The model reads the columns it was trained on, by name.")));
		typid = TupleDescAttr(desc, found)->atttypid;
		out[i].f = f;
		out[i].attno = found + 1;
		out[i].is_array = false;
		switch (f->kind)
		{
			case DL_FEATURE_NUMBER:
				out[i].elemtype = pgdl_numeric_base_type(typid);
				if (!OidIsValid(out[i].elemtype))
					ereport(ERROR,
							(errcode(ERRCODE_DATATYPE_MISMATCH),
							 errmsg("column \"%s\" is %s; the model needs a number", f->name,
									format_type_be(typid))));
				break;
			case DL_FEATURE_ARRAY:
			case DL_FEATURE_MATRIX:
				{
					Oid			elem = get_element_type(getBaseType(typid));

					out[i].elemtype = OidIsValid(elem) ? pgdl_numeric_base_type(elem) : InvalidOid;
					out[i].is_array = true;
					if (!OidIsValid(out[i].elemtype))
						ereport(ERROR,
								(errcode(ERRCODE_DATATYPE_MISMATCH),
								 errmsg("column \"%s\" is %s; the model needs a numeric array", f->name,
										format_type_be(typid))));
					break;
				}
			case DL_FEATURE_DATE:
				if (!pgdl_date_type(typid))
					ereport(ERROR,
							(errcode(ERRCODE_DATATYPE_MISMATCH),
							 errmsg("column \"%s\" is %s; the model needs a date or timestamp", f->name,
									format_type_be(typid))));
				out[i].elemtype = getBaseType(typid);
				break;
			case DL_FEATURE_TEXT_NUMBER:
				if (!pgdl_text_type(typid))
					ereport(ERROR,
							(errcode(ERRCODE_DATATYPE_MISMATCH),
							 errmsg("column \"%s\" is %s; the model reads it as text holding numbers (numeric_text)",
									f->name, format_type_be(typid))));
				out[i].elemtype = getBaseType(typid);
				break;
			case DL_FEATURE_CATEGORICAL:
				/* a category is matched by its text: an integer code may come as text too */
				if (!pgdl_categorical_type(typid))
					ereport(ERROR,
							(errcode(ERRCODE_DATATYPE_MISMATCH),
							 errmsg("column \"%s\" is %s; the model needs text, an integer or bool (a categorical feature)",
									f->name, format_type_be(typid))));
				/* the base type: category_text reads name, char(n), integers and bool differently */
				out[i].elemtype = getBaseType(typid);
				break;
			case DL_FEATURE_TEXT:
				if (!pgdl_text_type(typid))
					ereport(ERROR,
							(errcode(ERRCODE_DATATYPE_MISMATCH),
							 errmsg("column \"%s\" is %s; the model needs text (a text feature)",
									f->name, format_type_be(typid))));
				out[i].elemtype = getBaseType(typid);
				break;
		}
	}
}

/*
 * "The row's values: id = 7, y = pos, a = 1.5, b = NULL." - a row as read,
 * the columns after its n_features features first (the target, an id or
 * key column), then the features, five at most: a row number counts rows in
 * the source's order, which the user cannot look up, but these values find
 * the row
 */
static char *
row_values(HeapTuple tuple, TupleDesc desc, int n_features)
{
	StringInfoData b;
	int			shown = 0;

	initStringInfo(&b);
	appendStringInfoString(&b, "The row's values:");
	for (int k = 0; k < desc->natts && shown < 5; k++)
	{
		int			a = (k + Min(n_features, desc->natts)) % desc->natts;
		Form_pg_attribute att = TupleDescAttr(desc, a);
		bool		isnull;
		Datum		d;

		if (att->attisdropped)
			continue;
		d = heap_getattr(tuple, a + 1, desc, &isnull);
		appendStringInfo(&b, "%s %s = ", shown ? "," : "", NameStr(att->attname));
		if (isnull)
			appendStringInfoString(&b, "NULL");
		else
		{
			Oid			out;
			bool		isvarlena;
			char	   *v;

			getTypeOutputInfo(att->atttypid, &out, &isvarlena);
			v = OidOutputFunctionCall(out, d);
			if (strlen(v) > 40)
				appendStringInfo(&b, "%.*s...", pg_mbcliplen(v, strlen(v), 40), v);
			else
				appendStringInfoString(&b, v);
		}
		shown++;
	}
	appendStringInfoString(&b, shown < desc->natts ? ", ..." : ".");
	return b.data;
}

static void
missing_error(const dl_feature *f, int64 rowno, int element, bool is_null, double v,
			  HeapTuple tuple, TupleDesc desc, int n_features)
{
	char		where[64];
	char		elem[32] = "";
	char	   *detail = rowno > 0 ? row_values(tuple, desc, n_features) : NULL;

	if (rowno > 0)
		snprintf(where, sizeof(where), " in row %lld", (long long) rowno);
	else
		where[0] = '\0';
	if (element > 0)
		snprintf(elem, sizeof(elem), " element %d", element);
	if (is_null)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("feature \"%s\"%s is NULL%s", f->name, elem, where),
				 detail ? errdetail_internal("%s", detail) : 0,
				 errhint("Filter such rows out, or use the option \"impute\" (train_model: \"mean\", \"median\" or \"drop_row\"; kmeans: \"drop_row\").")));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("feature \"%s\"%s is %s%s", f->name, elem,
					isnan(v) ? "NaN" : (v > 0 ? "Infinity" : "-Infinity"), where),
			 detail ? errdetail_internal("%s", detail) : 0,
			 errhint("Filter such rows out, or use the option \"impute\" (train_model: \"mean\", \"median\" or \"drop_row\"; kmeans: \"drop_row\").")));
}

static int
compare_cstr(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* reads a numeric array's elements as doubles into x; NULL elements as NaN with nulls set */
static int
read_array(const PgdlBoundFeature *bf, Datum d, double *x, bool *nulls, int64 rowno,
		   HeapTuple tuple, TupleDesc desc, int n_features)
{
	ArrayType  *arr = DatumGetArrayTypeP(d);
	const dl_feature *f = bf->f;
	int			ndim = ARR_NDIM(arr);
	int			nitems = ArrayGetNItems(ndim, ARR_DIMS(arr));
	int			missing = 0;

	if (f->kind == DL_FEATURE_MATRIX)
	{
		if (ndim != 2 || ARR_DIMS(arr)[0] != f->rows || ARR_DIMS(arr)[1] != f->cols)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("feature \"%s\" must be a %d x %d array%s, got %d dimensions with %d elements",
							f->name, f->rows, f->cols,
							rowno > 0 ? psprintf(" (row %lld)", (long long) rowno) : "",
							ndim, nitems),
					 rowno > 0 ? errdetail_internal("%s", row_values(tuple, desc, n_features)) : 0));
	}
	else if (ndim != 1 || nitems != f->length)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("feature \"%s\" must have %d elements%s, got %d", f->name, f->length,
						rowno > 0 ? psprintf(" (the length in the first row; row %lld differs)", (long long) rowno) : "",
						nitems),
				 rowno > 0 ? errdetail_internal("%s", row_values(tuple, desc, n_features)) : 0));

	{
		int			n_null;
		const double *v = pgdl_array_doubles(arr, bf->elemtype, nitems, x, nulls, &n_null);

		if (v != x)
			memcpy(x, v, sizeof(double) * nitems);
	}
	for (int i = 0; i < nitems; i++)
		if (!isfinite(x[i]))
			missing++;
	if ((Pointer) arr != DatumGetPointer(d))
		pfree(arr);
	return missing;
}

/*
 * Reading a row leaves garbage (a detoasted array, a numeric with a short
 * header copied to be read, a text value cast): it goes to this context,
 * reset per row, not to the caller's, where a scan of millions of rows would
 * pile it up (and a memory budget would count it).  Default sizes: its first
 * block (8 kB, kept across resets) holds the detoasted array of a few
 * hundred float8 inputs, so a row mallocs nothing.
 */
static MemoryContext
row_context(void)
{
	static MemoryContext read_cxt = NULL;

	if (read_cxt == NULL)
		read_cxt = AllocSetContextCreate(TopMemoryContext, "pgdl row reading", ALLOCSET_DEFAULT_SIZES);
	return read_cxt;
}

int
pgdl_read_features(const PgdlBoundFeature *bf, int n, HeapTuple tuple, TupleDesc desc,
				   double *x, int64 rowno, bool allow_missing)
{
	int			pos = 0;
	int			missing = 0;

	MemoryContext read_cxt = row_context();
	MemoryContext caller = MemoryContextSwitchTo(read_cxt);

	for (int i = 0; i < n; i++)
	{
		const dl_feature *f = bf[i].f;
		bool		isnull;
		Datum		d = heap_getattr(tuple, bf[i].attno, desc, &isnull);

		switch (f->kind)
		{
			case DL_FEATURE_NUMBER:
				if (isnull)
				{
					if (!allow_missing)
						missing_error(f, rowno, 0, true, 0, tuple, desc, n);
					x[pos] = NAN;
					missing++;
				}
				else
				{
					x[pos] = pgdl_datum_to_double(d, bf[i].elemtype);
					if (!isfinite(x[pos]))
					{
						if (!allow_missing)
							missing_error(f, rowno, 0, false, x[pos], tuple, desc, n);
						x[pos] = NAN;
						missing++;
					}
				}
				break;
			case DL_FEATURE_ARRAY:
			case DL_FEATURE_MATRIX:
				if (isnull)
				{
					if (!allow_missing)
						missing_error(f, rowno, 0, true, 0, tuple, desc, n);
					for (int k = 0; k < f->length; k++)
						x[pos + k] = NAN;
					missing += f->length;
				}
				else
				{
					bool		stack_nulls[1] = {false};
					bool	   *nulls = f->length <= 1 ? stack_nulls : palloc0(sizeof(bool) * f->length);
					int			m = read_array(&bf[i], d, x + pos, nulls, rowno, tuple, desc, n);

					if (m > 0 && !allow_missing)
						for (int k = 0; k < f->length; k++)
							if (!isfinite(x[pos + k]))
								missing_error(f, rowno, k + 1, nulls[k], x[pos + k], tuple, desc, n);
					for (int k = 0; k < f->length; k++)
						if (!isfinite(x[pos + k]))
							x[pos + k] = NAN;
					missing += m;
					if (nulls != stack_nulls)
						pfree(nulls);
				}
				break;
			case DL_FEATURE_DATE:
				/* coerce.c: NULL is missing; -infinity and infinity are infinite */
				if (isnull || !pgdl_date_inputs(d, bf[i].elemtype, f->encodings, x + pos))
				{
					if (!allow_missing)
						missing_error(f, rowno, 0, isnull, INFINITY, tuple, desc, n);
					for (int k = 0; k < f->length; k++)
						x[pos + k] = NAN;
					missing += f->length;
				}
				break;
			case DL_FEATURE_TEXT_NUMBER:
				{
					/* coerce.c: blank text is missing, as NULL; other text an error */
					bool		blank = isnull;

					x[pos] = isnull ? NAN :
						pgdl_text_to_number(pgdl_text_value(d, bf[i].elemtype), f->name, rowno, &blank);
					if (!isfinite(x[pos]))
					{
						if (!allow_missing)
							missing_error(f, rowno, 0, blank, x[pos], tuple, desc, n);
						x[pos] = NAN;
						missing++;
					}
				}
				break;
			case DL_FEATURE_CATEGORICAL:
				for (int k = 0; k < f->length; k++)
					x[pos + k] = 0.0;
				if (!isnull)
				{
					char	   *s = category_text(d, bf[i].elemtype);
					char	  **hit = bsearch(&s, f->categories, f->n_categories, sizeof(char *),
											  compare_cstr);

					if (hit)
						x[pos + (hit - f->categories)] = 1.0;
					pfree(s);
				}
				break;
			case DL_FEATURE_TEXT:
				/* zeros while training spools the rows (no vocabulary yet: text_features.c) */
				if (f->vocab == NULL)
					memset(x + pos, 0, sizeof(double) * f->length);
				else if (dl_feature_is_bag(f))
				{
					size_t		len;
					const char *s = pgdl_text_document(d, isnull, bf[i].elemtype, &len);
					dl_text_bag b;

					/* one row made dense: training holds the same values sparse (text_features.c) */
					memset(&b, 0, sizeof(b));
					memset(x + pos, 0, sizeof(double) * f->length);
					pgdl_check_status(dl_text_bag_encode(f->vocab, f->encoding, s, len, &b));
					for (size_t k = 0; k < b.n; k++)
						x[pos + b.col[k]] = b.val[k];
					dl_text_bag_free(&b);
				}
				else
				{
					size_t		len;
					const char *s = pgdl_text_document(d, isnull, bf[i].elemtype, &len);

					pgdl_check_status(dl_text_sequence(f->vocab, s, len, f->length, x + pos));
				}
				break;
		}
		pos += f->length;
	}
	MemoryContextSwitchTo(caller);
	MemoryContextReset(read_cxt);
	return missing;
}

/*
 * A missing input of a text feature (only an array given to predict holds
 * one: a row's NULL document is an empty one) is 22004 though the model has
 * an imputer: the imputer fills the other features' inputs, never a token
 * id (its fill would be an id meaning another word) nor a bag of words'
 * value (bags follow the inputs it covers)
 */
static void
refuse_missing_text_input(const dl_model *m, const bool *nulls)
{
	int			pos = 0;

	for (int k = 0; k < m->n_features; k++)
	{
		const dl_feature *f = &m->features[k];

		/*
		 * Within the model's inputs: while training prepares its rows a bag of
		 * words is not among them (its length may still be a previous
		 * cross-validation fold's)
		 */
		if (f->kind == DL_FEATURE_TEXT)
			for (int i = pos; i < pos + f->length && i < m->n_inputs; i++)
				if (nulls[i])
					ereport(ERROR,
							(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
							 errmsg("element %d of the feature vector is NULL or NaN", i + 1),
							 errdetail("It is %s of text column \"%s\", which the imputer does not fill.",
									   dl_feature_is_bag(f) ? "an input of the bag of words" : "a token id",
									   f->name)));
		pos += f->length;
	}
}

/*
 * The one preprocessing path, for training and prediction alike: the
 * model's imputer and scaler applied to x (n_inputs doubles, NaN =
 * missing; clobbered) in double precision, and only then the result as
 * float32 in out.  Casting first would lose every feature near 1e9 (float32's
 * spacing there is 64).  A missing value without an imputer, or of a
 * text feature (refuse_missing_text_input), is 22004 naming its position,
 * a value beyond float32 22003 naming rowno (> 0).
 */
void
pgdl_preprocess_row(const dl_model *m, double *x, bool *nulls, float *out, int64 rowno)
{
	int			d = m->n_inputs;
	bool		any_missing = false;

	for (int i = 0; i < d; i++)
	{
		nulls[i] = isnan(x[i]);
		any_missing |= nulls[i];
	}
	if (any_missing)
	{
		if (!m->imputer)
		{
			for (int i = 0; i < d; i++)
				if (nulls[i])
					ereport(ERROR,
							(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
							 errmsg("element %d of the feature vector is NULL or NaN", i + 1),
							 errdetail("Model was trained without an imputer.")));
		}
		refuse_missing_text_input(m, nulls);
		(void) dl_scaler_transform(m->imputer, x, nulls, x);
	}
	else if (m->imputer)
		(void) dl_scaler_transform(m->imputer, x, NULL, x);
	/* an overflow to infinity is reported below, with the float32 range */
	if (m->scaler)
		(void) dl_scaler_transform(m->scaler, x, NULL, x);
	pgdl_store_float32(m->features, m->n_features, x, d, out, rowno, m->scaler != NULL);
}

void
pgdl_prepare_inputs(const dl_model *m, double *x, bool *nulls, float *out, int64 rowno)
{
	pgdl_preprocess_row(m, x, nulls, out, rowno);
	/* token ids of an embedding: the kernels cannot refuse a bad one */
	pgdl_check_status(dl_network_check_input(&m->net, out, 1));
}

/*
 * The common row of a model without imputer and scaler, in one pass: every
 * feature a float4/float8/integer/bool column or an array of those without
 * NULLs, every value finite in float32.  Each value is the float cast of its
 * double value, as pgdl_read_features and pgdl_preprocess_row make it, bit
 * for bit (pgdl_array_float32).  Returns false (out partly written) at the
 * first thing it does not take: the caller then reads the row the general
 * way, which gives the same inputs or the error that row deserves.
 */
static bool
read_features_float32(const PgdlBoundFeature *bf, int n, HeapTuple tuple, TupleDesc desc,
					  float *out)
{
	MemoryContext caller = MemoryContextSwitchTo(row_context());
	bool		ok = true;
	int			pos = 0;

	for (int i = 0; i < n && ok; i++)
	{
		const dl_feature *f = bf[i].f;
		bool		isnull;
		Datum		d = heap_getattr(tuple, bf[i].attno, desc, &isnull);

		if (isnull || bf[i].elemtype == NUMERICOID)
			ok = false;
		else if (f->kind == DL_FEATURE_NUMBER)
		{
			out[pos] = (float) pgdl_datum_to_double(d, bf[i].elemtype);
			ok = isfinite(out[pos]);
		}
		else if (f->kind == DL_FEATURE_ARRAY || f->kind == DL_FEATURE_MATRIX)
		{
			ArrayType  *arr = DatumGetArrayTypeP(d);
			int			ndim = ARR_NDIM(arr);

			ok = f->kind == DL_FEATURE_MATRIX ?
				(ndim == 2 && ARR_DIMS(arr)[0] == f->rows && ARR_DIMS(arr)[1] == f->cols) :
				(ndim == 1 && ARR_DIMS(arr)[0] == f->length);
			ok = ok && pgdl_array_float32(arr, bf[i].elemtype, f->length, out + pos);
		}
		else
			ok = false;			/* categorical, text: text to look up */
		pos += f->length;
	}
	MemoryContextSwitchTo(caller);
	MemoryContextReset(row_context());
	return ok;
}

void
pgdl_row_inputs(const dl_model *m, const PgdlBoundFeature *bf, HeapTuple tuple, TupleDesc desc,
				double *xd, bool *nulls, float *out, int64 rowno)
{
	if (m->imputer == NULL && m->scaler == NULL &&
		read_features_float32(bf, m->n_features, tuple, desc, out))
		pgdl_check_status(dl_network_check_input(&m->net, out, 1));
	else
	{
		pgdl_read_features(bf, m->n_features, tuple, desc, xd, rowno, m->imputer != NULL);
		pgdl_prepare_inputs(m, xd, nulls, out, rowno);
	}
}

/*
 * "feature \"x\"" or "feature \"pixels\" element 3" for input i of the
 * concatenation of features (the layout pgdl_read_features fills)
 */
static char *
input_name(const dl_feature *features, int n_features, int i)
{
	for (int k = 0; k < n_features; k++)
	{
		const dl_feature *f = &features[k];

		if (i < f->length)
			return f->kind == DL_FEATURE_NUMBER || f->kind == DL_FEATURE_TEXT_NUMBER ?
				psprintf("feature \"%s\"", f->name) :
				psprintf("feature \"%s\" element %d", f->name, i + 1);
		i -= f->length;
	}
	return psprintf("input %d", i + 1);
}

void
pgdl_store_float32(const dl_feature *features, int n_features, const double *x, int d,
				   float *out, int64 rowno, bool scaled)
{
	for (int i = 0; i < d; i++)
	{
		out[i] = (float) x[i];
		/* reads refuse infinities: one here is a value that overflowed float32 or the scaler */
		if (unlikely(isinf(out[i])))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("%s%s is %g%s, beyond the float32 range of the network (magnitudes up to %g)",
							input_name(features, n_features, i),
							rowno > 0 ? psprintf(" in row %lld", (long long) rowno) : "",
							x[i], scaled ? " after the model's scaling" : "", (double) FLT_MAX),
					 errdetail("Networks compute in float32."),
					 errhint("Scale the column into range (for example divide it by a power of ten) or leave it out.")));
	}
}

char *
pgdl_feature_list(const dl_model *m)
{
	StringInfoData b;

	initStringInfo(&b);
	for (int i = 0; i < m->n_features && b.len < 400; i++)
	{
		const dl_feature *f = &m->features[i];

		appendStringInfo(&b, "%s%s", i ? ", " : "", f->name);
		if (f->length != 1 || (f->kind != DL_FEATURE_NUMBER && f->kind != DL_FEATURE_TEXT_NUMBER))
			appendStringInfo(&b, " (%d values)", f->length);
	}
	return b.data;
}
