/*-------------------------------------------------------------------------
 *
 * text.h
 *	  Text in the engine: a Unicode-aware tokenizer over UTF-8 and a
 *	  vocabulary (token counts and document frequencies, mergeable, bounded
 *	  in memory, serialisable) that maps tokens to ids.
 *
 * Usage:
 *
 *		dl_text_options o;
 *		dl_vocab   *state, *v;
 *
 *		dl_schema_parse(&dl_text_schema, "{\"ngrams\": 2}", &o);
 *		dl_text_options_resolve(&o);
 *		dl_vocab_create(&o, &state);
 *		dl_vocab_add_document(state, "The cat sat.", 12);
 *		dl_vocab_add_document(state, "猫が座った", 15);
 *		dl_vocab_finalize(state, &v);			-- ids 2.. by count, then bytes
 *		int32_t id = dl_vocab_id(v, "cat", 3);	-- 1 for an unknown token
 *
 *		dl_tokenize(&o, text, len, my_emit, my_arg);	-- the tokens themselves
 *
 * The tokenizer and the vocabulary's byte format are described in
 * tokenize.c and vocab.c; the README's "Text" section is the user's view.
 *
 * src/core/text.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_TEXT_H
#define PGDL_TEXT_H

#include "options.h"
#include "pgdl_core.h"

/* a word (or a run of marks on one character) is cut after this many bytes */
#define DL_TOKEN_MAX_BYTES 128
/* the largest n of word or character n-grams */
#define DL_NGRAMS_MAX 8
/* the longest token: DL_NGRAMS_MAX words joined by spaces */
#define DL_NGRAM_MAX_BYTES (DL_NGRAMS_MAX * (DL_TOKEN_MAX_BYTES + 1))

/*
 * A vocabulary counts exactly up to DL_VOCAB_EXACT distinct tokens and
 * DL_VOCAB_ARENA bytes of them; past either it drops its rarer half and
 * remembers by how much its counts may now fall short (vocab.c).
 */
#define DL_VOCAB_EXACT (1 << 19)
#define DL_VOCAB_ARENA (1 << 24)
/* the largest oov_buckets */
#define DL_VOCAB_MAX_BUCKETS (1 << 24)

typedef enum dl_tokenizer
{
	DL_TOKENIZER_WORD = 0,		/* words; unigrams + bigrams of CJK runs */
	DL_TOKENIZER_CHAR = 1		/* character n-grams of each word */
} dl_tokenizer;

/* the options of pgdl.tokens and pgdl.vocabulary (dl_text_schema) */
typedef struct dl_text_options
{
	dl_tokenizer tokenizer;
	bool		lowercase;
	int			ngrams;			/* 0 until resolved: 1 for words, 3 for char */
	int			min_count;		/* final vocabulary: tokens counted fewer times go */
	int			max_size;		/* final vocabulary: at most this many tokens; 0: no cap */
	int			oov_buckets;	/* unknown tokens hashed to this many ids; 0: id 1 */
} dl_text_options;

extern const dl_option_schema dl_text_schema;

/* fills in the defaults that depend on other options (ngrams) */
extern void dl_text_options_resolve(dl_text_options *o);

/* the same options, field by field */
extern bool dl_text_options_equal(const dl_text_options *a, const dl_text_options *b);

/* ------------------------------------------------------------------------
 * Tokenizer
 */

/* receives one token (UTF-8, not NUL-terminated); returns false to stop */
typedef bool (*dl_token_emit) (void *arg, const char *token, size_t len);

/*
 * Cuts UTF-8 text into tokens, in reading order, calling emit for each.
 * DL_ETEXT (reported) for bytes that are not UTF-8: the glue validates
 * first, so that a user sees PostgreSQL's own encoding error.  Linear time,
 * no allocation; checks for interrupts every 64 kB.
 */
extern dl_status dl_tokenize(const dl_text_options *o, const char *text, size_t len,
							 dl_token_emit emit, void *arg);

/* true when s[0..len) is well-formed UTF-8; else *bad is the offset of the first bad byte */
extern bool dl_utf8_valid(const char *s, size_t len, size_t *bad);

/* writes code point c (at most U+10FFFF) as 1 to 4 bytes of UTF-8; returns how many */
extern size_t dl_utf8_put(uint32_t c, char *out);

/* simple case folding of one code point (identity where Unicode has none) */
extern uint32_t dl_case_fold(uint32_t cp);

/* ------------------------------------------------------------------------
 * Vocabulary
 */

typedef struct dl_vocab dl_vocab;

/* an empty counting state with the given (resolved) options */
extern dl_status dl_vocab_create(const dl_text_options *o, dl_vocab **out);

/* the exact limits (tests make them small); at most the defaults above */
extern void dl_vocab_set_limits(dl_vocab *v, size_t max_tokens, size_t max_bytes);

/* tokenizes one document and counts its tokens (DL_ETEXT: not UTF-8) */
extern dl_status dl_vocab_add_document(dl_vocab *v, const char *text, size_t len);

/*
 * Adds from's counts into into (both counting states).  DL_EINVAL when
 * their options differ; DL_ELIMIT when a count would pass 2^62.
 */
extern dl_status dl_vocab_merge(dl_vocab *into, const dl_vocab *from);

/*
 * The final vocabulary of a counting state: tokens counted at least
 * min_count times, the max_size most frequent, ordered by count
 * (descending), then by their bytes; token i gets id i + 2.
 */
extern dl_status dl_vocab_finalize(const dl_vocab *state, dl_vocab **out);

extern void dl_vocab_free(dl_vocab *v);

/*
 * The id of a token in a final vocabulary: 2.. for its tokens, then the
 * oov buckets, else 1 (unknown).  0 is never returned (padding).
 */
extern int32_t dl_vocab_id(const dl_vocab *v, const char *token, size_t len);

/* the ids a final vocabulary gives: 2 + its tokens + its oov buckets */
extern int64_t dl_vocab_id_count(const dl_vocab *v);

typedef struct dl_vocab_info
{
	bool		final;
	size_t		ntokens;
	uint64_t	documents;
	uint64_t	error;			/* counts may fall short of the truth by at most this */
	dl_text_options options;
} dl_vocab_info;

extern void dl_vocab_get_info(const dl_vocab *v, dl_vocab_info *info);

/* token i (0-based; id i + 2 in a final vocabulary) */
extern void dl_vocab_token(const dl_vocab *v, size_t i, const char **token, size_t *len,
						   uint64_t *count, uint64_t *documents);

/* the serialized form: its size, then the bytes (little-endian) */
extern size_t dl_vocab_bytes(const dl_vocab *v);
extern void dl_vocab_write(const dl_vocab *v, void *out);

/*
 * Reads a serialized vocabulary or counting state from outside, checking
 * every byte: DL_EFORMAT (or DL_EVERSION for a newer format) with *why, and
 * nothing reported; *out allocated on success.
 */
extern dl_status dl_vocab_read(const void *data, size_t nbytes, dl_vocab **out, dl_detail *why);

#endif							/* PGDL_TEXT_H */
