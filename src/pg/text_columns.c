/*-------------------------------------------------------------------------
 *
 * text_columns.c
 *	  The option "text" of train_model checked against a source's columns,
 *	  and the documents of the spooled rows.
 *
 * The vocabulary of a text feature is fitted on the training split only,
 * but the split is drawn after the rows are read, and the rows are read
 * once (a query source may give other rows on a second run).  So while the
 * rows are spooled (dataset.c) a text feature's inputs are zeros, and its
 * documents go, in UTF-8, to a temporary file of their own, row by row;
 * text_features.c reads them back once the split is known.
 *
 * src/pg/text_columns.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "executor/spi.h"
#include "storage/buffile.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "features.h"
#include "text_columns.h"

/* ---- the option "text" ------------------------------------------------------- */

const dl_text_column *
pgdl_text_column(const dl_option_entry *text, int n_text, const char *name)
{
	for (int i = 0; i < n_text; i++)
		if (strcmp(text[i].name, name) == 0)
			return text[i].value;
	return NULL;
}

void
pgdl_text_check_columns(const dl_option_entry *text, int n_text, TupleDesc desc,
						const char *target, char **categorical, int n_categorical)
{
	for (int i = 0; i < n_text; i++)
	{
		const char *name = text[i].name;

		/* exact names, dropped columns skipped, as the rest of the columns are found */
		int			a = SPI_fnumber(desc, name) - 1;

		if (a < 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("text column \"%s\" is not in the source", name),
					 errhint("Column names are matched exactly, without case folding.")));
		if (!pgdl_text_type(TupleDescAttr(desc, a)->atttypid))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"text\" names column \"%s\", which is %s, not text", name,
							format_type_be(TupleDescAttr(desc, a)->atttypid))));
		if (target && strcmp(name, target) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"text\" names column \"%s\", which is the target", name)));
		for (int c = 0; c < n_categorical; c++)
			if (strcmp(categorical[c], name) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("column \"%s\" is in both \"categorical\" and \"text\"", name),
						 errhint("A text column is either one-hot encoded (categorical) or tokenized (text).")));
	}
}

void
pgdl_text_check_listed(const dl_option_entry *text, int n_text, const dl_feature *features,
					   int n_features)
{
	for (int i = 0; i < n_text; i++)
	{
		bool		found = false;

		for (int k = 0; k < n_features && !found; k++)
			found = strcmp(features[k].name, text[i].name) == 0;
		if (!found)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"text\" names column \"%s\", which is not among the features", text[i].name),
					 errhint("Add it to \"features\", or leave \"features\" NULL.")));
	}
}

/* 0: a sequence text column, 1: every other feature but bags, 2: bags of words */
static int
layout_group(const dl_feature *f)
{
	if (f->kind == DL_FEATURE_TEXT)
		return dl_feature_is_bag(f) ? 2 : 0;
	return 1;
}

void
pgdl_text_layout(dl_feature *features, int n_features)
{
	dl_feature *sorted = palloc(sizeof(dl_feature) * Max(n_features, 1));
	int			k = 0;

	for (int group = 0; group <= 2; group++)
		for (int i = 0; i < n_features; i++)
			if (layout_group(&features[i]) == group)
				sorted[k++] = features[i];
	memcpy(features, sorted, sizeof(dl_feature) * n_features);
	pfree(sorted);
}

/* ---- the documents of the spooled rows -------------------------------------------- */

struct PgdlTextSpool
{
	BufFile    *file;			/* per row, per text feature: int32 length (-1: NULL), the bytes */
	int			n;				/* text features */
	MemoryContext row_cxt;
};

PgdlTextSpool *
pgdl_text_spool_begin(const dl_feature *features, int n_features)
{
	PgdlTextSpool *ts;
	int			n = 0;

	for (int i = 0; i < n_features; i++)
		n += features[i].kind == DL_FEATURE_TEXT;
	if (n == 0)
		return NULL;
	ts = palloc0(sizeof(PgdlTextSpool));
	ts->n = n;
	/* a temporary file of this transaction: deleted at its end, or by pgdl_text_spool_end */
	ts->file = BufFileCreateTemp(false);
	ts->row_cxt = AllocSetContextCreate(CurrentMemoryContext, "pgdl text row", ALLOCSET_SMALL_SIZES);
	return ts;
}

void
pgdl_text_spool_row(PgdlTextSpool *ts, const dl_feature *features, int n_features,
					const PgdlBoundFeature *bound, HeapTuple tuple, TupleDesc desc)
{
	MemoryContext old = MemoryContextSwitchTo(ts->row_cxt);

	for (int i = 0; i < n_features; i++)
	{
		bool		isnull;
		Datum		d;
		const char *s;
		size_t		len;
		int32		n;

		if (features[i].kind != DL_FEATURE_TEXT)
			continue;
		d = heap_getattr(tuple, bound[i].attno, desc, &isnull);
		s = pgdl_text_document(d, isnull, bound[i].elemtype, &len);
		if (len > (size_t) PG_INT32_MAX)
			elog(ERROR, "pgdl: a document of %zu bytes", len);
		n = isnull ? -1 : (int32) len;
		BufFileWrite(ts->file, &n, sizeof(n));
		if (n > 0)
			BufFileWrite(ts->file, (void *) s, len);
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(ts->row_cxt);
}

void
pgdl_text_spool_end(PgdlTextSpool *ts)
{
	if (ts == NULL)
		return;
	if (ts->file)
		BufFileClose(ts->file);
	ts->file = NULL;
	MemoryContextDelete(ts->row_cxt);
}

int
pgdl_text_spool_width(const PgdlTextSpool *ts)
{
	return ts->n;
}

const char *
pgdl_text_spool_next(PgdlTextSpool *ts, size_t *len)
{
	int32		n;
	char	   *s;

	if (BufFileRead(ts->file, &n, sizeof(n)) != sizeof(n))
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not read the temporary file of the training documents")));
	*len = n > 0 ? (size_t) n : 0;
	s = MemoryContextAlloc(ts->row_cxt, *len + 1);
	if (*len > 0 && BufFileRead(ts->file, s, *len) != *len)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not read the temporary file of the training documents")));
	s[*len] = '\0';
	return s;
}

void
pgdl_text_spool_next_row(PgdlTextSpool *ts)
{
	MemoryContextReset(ts->row_cxt);
}

void
pgdl_text_spool_rewind(PgdlTextSpool *ts)
{
	if (BufFileSeek(ts->file, 0, 0, SEEK_SET) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not rewind the temporary file of the training documents: %m")));
}

