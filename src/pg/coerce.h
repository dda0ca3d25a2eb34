/*-------------------------------------------------------------------------
 *
 * coerce.h
 *	  Values of one type read as another for a model (coerce.c): numbers
 *	  held in text (the option numeric_text).
 *
 * src/pg/coerce.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_PG_COERCE_H
#define PGDL_PG_COERCE_H

/*
 * The number text s holds, for the feature named column of row rowno (> 0;
 * 0 at prediction): NaN with *blank set for an empty or blank string (a
 * missing value, as NULL), 22P02 naming the value, the column and the row for text that is
 * not a number, 22003 for one beyond float8.
 */
extern double pgdl_text_to_number(const char *s, const char *column, int64 rowno, bool *blank);

#endif							/* PGDL_PG_COERCE_H */
