/*-------------------------------------------------------------------------
 *
 * text.h
 *	  Text in the glue (text.c): documents as UTF-8 for the engine's
 *	  tokenizer, and pgdl.vocabulary values read into the engine.
 *
 * src/pg/text.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_PG_TEXT_H
#define PGDL_PG_TEXT_H

#include "fmgr.h"

#include "../core/text.h"

/*
 * The bytes of a document as UTF-8: the text itself in a UTF-8 database,
 * checked in a SQL_ASCII one (22021 for bytes that are not UTF-8),
 * converted from any other encoding.
 */
extern const char *pgdl_text_utf8(text *doc, size_t *len);

/* a pgdl.vocabulary value, checked, in the current memory context (22P03 if malformed) */
extern dl_vocab *pgdl_vocabulary_read(Datum value);

#endif							/* PGDL_PG_TEXT_H */
