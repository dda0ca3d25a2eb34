/*-------------------------------------------------------------------------
 *
 * coerce.h
 *	  Values of one type read as another for a model (coerce.c): numbers
 *	  held in text (the option numeric_text), dates and timestamps as
 *	  numbers (the option dates).
 *
 * src/pg/coerce.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_PG_COERCE_H
#define PGDL_PG_COERCE_H

#include "dl_nn.h"

/*
 * The number text s holds, for the feature named column of row rowno (> 0;
 * 0 at prediction): NaN with *blank set for an empty or blank string (a
 * missing value, as NULL), 22P02 naming the value, the column and the row
 * for text that is not a number, 22003 for one beyond float8.
 */
extern double pgdl_text_to_number(const char *s, const char *column, int64 rowno, bool *blank);

/*
 * Dates and timestamps (the option dates): date, timestamp, timestamptz or a
 * domain over one
 */
extern bool pgdl_date_type(Oid typid);
/* the DL_DATE_* set the option date_encoding names (NULL: days); 22023 for an unknown name */
extern unsigned pgdl_date_encodings(char **names, int n);
/*
 * The inputs of date or timestamp d (of base type base) under encodings
 * into x; false, with x untouched, for -infinity and infinity
 */
extern bool pgdl_date_inputs(Datum d, Oid base, unsigned encodings, double *x);

#endif							/* PGDL_PG_COERCE_H */
