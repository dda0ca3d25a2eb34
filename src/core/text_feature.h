/*-------------------------------------------------------------------------
 *
 * text_feature.h
 *	  Text columns as features of a model (train_model's option "text"):
 *	  how each column is encoded, and a document turned into the inputs a
 *	  model reads, with the vocabulary fitted on the training rows.
 *
 * Usage:
 *
 *		dl_text_column c;			-- one value of the option "text"
 *		dl_schema_parse(&dl_text_column_schema, "{\"max_length\": 50}", &c);
 *		dl_text_column_vocab_options(&c, &o);	-- the vocabulary's options
 *		... dl_vocab_create(&o, &state), add the training rows, finalize: v
 *		dl_text_sequence(v, doc, len, c.max_length, ids);	-- max_length ids
 *
 * src/core/text_feature.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_TEXT_FEATURE_H
#define PGDL_TEXT_FEATURE_H

#include "options.h"
#include "text.h"

/* the longest sequence a text column gives */
#define DL_TEXT_MAX_LENGTH 100000
/* the largest vocabulary_size */
#define DL_TEXT_MAX_VOCABULARY 1000000

/* one column of the option "text" of train_model */
typedef struct dl_text_column
{
	dl_text_encoding encoding;
	int			max_length;		/* sequence: ids per document */
	int			vocabulary_size;	/* the most frequent tokens kept */
	dl_text_options tok;		/* tokenizer, lowercase, ngrams, min_count, oov_buckets */
} dl_text_column;

extern const dl_option_schema dl_text_column_schema;

/* "sequence", "tfidf", "counts", "binary" */
extern const char *dl_text_encoding_name(dl_text_encoding e);

/* the options of the column's vocabulary (resolved; max_size = vocabulary_size) */
extern void dl_text_column_vocab_options(const dl_text_column *c, dl_text_options *o);

/* the ids a vocabulary of the column's options can give at most */
extern int64_t dl_text_column_max_ids(const dl_text_column *c);

/*
 * The first max_length token ids of a UTF-8 document in out, then 0
 * (padding) to max_length: truncation keeps the start, padding goes at
 * the end, as pgdl.tokenize(v, doc, max_length) gives them.  A token not in
 * v is 1 (unknown).  DL_ETEXT (reported) for bytes that are not UTF-8.
 */
extern dl_status dl_text_sequence(const dl_vocab *v, const char *doc, size_t len, int max_length,
								  double *out);

/*
 * A document as a bag of words (text_feature.c says what each encoding
 * gives): its nonzero inputs, columns 0 .. dl_text_bag_width(v) - 1 in
 * ascending order (column id - 2), values in double.  The buffers are
 * reused from document to document; zero the struct first, free it with
 * dl_text_bag_free.
 */
typedef struct dl_text_bag
{
	size_t		n;				/* nonzero inputs */
	int32_t    *col;
	double	   *val;
	/*
	 * Working memory: the ids of a document's known words as they come, or,
	 * once they outnumber the bag's columns, a count per column (so that a
	 * long document costs at most its bag's width, not its length)
	 */
	const dl_vocab *v;
	size_t		cap;
	size_t		val_cap;
	int32_t    *ids;
	size_t		n_ids;
	size_t		ids_cap;
	uint32_t   *counts;			/* NULL, or width counts */
	size_t		width;
} dl_text_bag;

/* the inputs of a bag-of-words feature over v: one per id from 2 */
extern int64_t dl_text_bag_width(const dl_vocab *v);
/* tfidf's idf of id in v: ln((1 + documents) / (1 + df)) + 1 (df 0 for an oov bucket) */
extern double dl_text_idf(const dl_vocab *v, int32_t id);
/* DL_ETEXT (reported) for bytes that are not UTF-8 */
extern dl_status dl_text_bag_encode(const dl_vocab *v, dl_text_encoding enc, const char *doc,
									size_t len, dl_text_bag *b);
extern void dl_text_bag_free(dl_text_bag *b);

#endif							/* PGDL_TEXT_FEATURE_H */
