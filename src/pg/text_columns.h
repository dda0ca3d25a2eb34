/*-------------------------------------------------------------------------
 *
 * text_columns.h
 *	  The option "text" of train_model checked against a source's columns,
 *	  and the documents of the spooled rows kept beside them
 *	  (text_columns.c); text_features.h fits the vocabularies from them.
 *
 * src/pg/text_columns.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_PG_TEXT_COLUMNS_H
#define PGDL_PG_TEXT_COLUMNS_H

#include "access/htup.h"
#include "access/tupdesc.h"

#include "dl_nn.h"
#include "features.h"
#include "text_feature.h"

/* the column options of name in the option "text", or NULL */
extern const dl_text_column *pgdl_text_column(const dl_option_entry *text, int n_text,
											  const char *name);

/*
 * Checks the option "text" against the source's columns (desc): each
 * column is there (42703), is text (22023), is not the target, and is not
 * also categorical (22023).
 */
extern void pgdl_text_check_columns(const dl_option_entry *text, int n_text, TupleDesc desc,
									const char *target, char **categorical, int n_categorical);

/* with features listed: each text column must be among them (22023) */
extern void pgdl_text_check_listed(const dl_option_entry *text, int n_text, const dl_feature *features,
								   int n_features);

/*
 * The layout of a model's inputs: a sequence text column first (its token
 * ids open each row: the text branch, which the other features join,
 * text_join.c), then the other features, then the bag-of-words text
 * features (the sparse inputs of the first dense layer), each group in its
 * order (stable).  Training and prediction read a model's features in the
 * order it stores, so this one place, where the features are resolved,
 * decides it for both.
 */
extern void pgdl_text_layout(dl_feature *features, int n_features);

/*
 * The documents of the spooled rows: per kept row, the document of each
 * text feature, in UTF-8, in a temporary file.  NULL without text features.
 */
typedef struct PgdlTextSpool PgdlTextSpool;

extern PgdlTextSpool *pgdl_text_spool_begin(const dl_feature *features, int n_features);
/* the documents of a row of features bound by bound */
extern void pgdl_text_spool_row(PgdlTextSpool *ts, const dl_feature *features, int n_features,
								const PgdlBoundFeature *bound, HeapTuple tuple, TupleDesc desc);
/* the text features of each row */
extern int	pgdl_text_spool_width(const PgdlTextSpool *ts);
extern void pgdl_text_spool_rewind(PgdlTextSpool *ts);
/* the next document; valid until pgdl_text_spool_next_row */
extern const char *pgdl_text_spool_next(PgdlTextSpool *ts, size_t *len);
extern void pgdl_text_spool_next_row(PgdlTextSpool *ts);
extern void pgdl_text_spool_end(PgdlTextSpool *ts);

#endif							/* PGDL_PG_TEXT_COLUMNS_H */
