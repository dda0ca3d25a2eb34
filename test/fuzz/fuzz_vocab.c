/*-------------------------------------------------------------------------
 *
 * fuzz_vocab.c
 *	  libFuzzer harness for vocabularies from outside (dl_vocab_read: the
 *	  bytes of the "pgdl:<hex>" text form and of the binary form of
 *	  pgdl.vocabulary and pgdl.vocabulary_state) and for the tokenizer.
 *
 * The first byte chooses what the rest is.  Even: a serialized vocabulary,
 * copied into an exact-size heap block so that ASan catches a read past
 * its end.  The harness traps unless
 *
 *	- a refusal is DL_EFORMAT or DL_EVERSION with a reason in the detail,
 *	  nothing reported through the error hook and nothing returned;
 *	- an accepted value serializes back to exactly the input (the format is
 *	  canonical, so the text form round-trips);
 *	- in a final vocabulary, token i has id i + 2 and every id is below
 *	  dl_vocab_id_count;
 *	- a counting state merges into an empty state of its options giving the
 *	  same bytes, still counts a document, and finalizes into a vocabulary
 *	  that reads back.
 *
 * Odd: a document, tokenized with options from the second byte (tokenizer,
 * lowercase, ngrams): well-formed UTF-8 gives tokens of 1 to
 * DL_NGRAM_MAX_BYTES bytes of well-formed UTF-8 and no report; anything
 * else DL_ETEXT with exactly one report.  Its vocabulary knows every one of
 * its tokens.
 *
 * Fuzzing (clang; or make fuzz):
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc/core \
 *		test/fuzz/fuzz_vocab.c $(CORE_SRCS) -lm -o fuzz_vocab
 *	./fuzz_vocab -dict=test/fuzz/vocab.dict NEW_DIR test/fuzz/corpus/vocab
 *
 * With -DPGDL_FUZZ_REPLAY it builds into a corpus replayer (fuzz_common.h).
 *
 * test/fuzz/fuzz_vocab.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgdl_core.h"
#include "text.h"

#define FUZZ_NAME "fuzz_vocab"
#include "fuzz_common.h"

static void *
serialize(const dl_vocab *v, size_t *n)
{
	void	   *b;

	*n = dl_vocab_bytes(v);
	b = fuzz_alloc(*n);
	dl_vocab_write(v, b);
	return b;
}

static void
check_round_trip(const dl_vocab *v)
{
	size_t		n;
	void	   *b = serialize(v, &n);
	dl_vocab   *back;
	dl_detail	why;

	if (dl_vocab_read(b, n, &back, &why) != DL_OK || back == NULL)
		__builtin_trap();
	dl_vocab_free(back);
	free(b);
}

static void
fuzz_vocabulary(const uint8_t *data, size_t size)
{
	dl_vocab   *v;
	dl_detail	why;
	dl_status	st;
	dl_vocab_info info;
	size_t		n;
	void	   *b;

	why.text[0] = '\0';
	n_errors = 0;
	st = dl_vocab_read(data, size, &v, &why);
	if (n_errors != 0)
		__builtin_trap();
	if (st != DL_OK)
	{
		if ((st != DL_EFORMAT && st != DL_EVERSION) || v != NULL || why.text[0] == '\0')
			__builtin_trap();
		return;
	}
	b = serialize(v, &n);
	if (n != size || memcmp(b, data, size) != 0)
		__builtin_trap();
	free(b);

	dl_vocab_get_info(v, &info);
	if (info.final)
	{
		for (size_t i = 0; i < info.ntokens; i++)
		{
			const char *tok;
			size_t		len;
			uint64_t	count,
						docs;

			dl_vocab_token(v, i, &tok, &len, &count, &docs);
			if (dl_vocab_id(v, tok, len) != (int32_t) (i + 2))
				__builtin_trap();
		}
		{
			int32_t		id = dl_vocab_id(v, "\xe4\xb8\xad", 3);

			if (id < 1 || id >= dl_vocab_id_count(v))
				__builtin_trap();
		}
	}
	else
	{
		dl_vocab   *empty,
				   *fin;

		if (dl_vocab_create(&info.options, &empty) != DL_OK)
			__builtin_trap();
		n_errors = 0;
		st = dl_vocab_merge(empty, v);
		if (st != DL_OK)
		{
			/* only counts at their limit may refuse */
			if (st != DL_ELIMIT || n_errors != 1)
				__builtin_trap();
		}
		else if (size <= DL_VOCAB_ARENA)
		{
			/* (a larger state's arena is pruned as it is merged) */
			b = serialize(empty, &n);
			if (n != size || memcmp(b, data, size) != 0)
				__builtin_trap();
			free(b);
			if (dl_vocab_add_document(empty, "the cat 机器", strlen("the cat 机器")) != DL_OK && n_errors == 0)
				__builtin_trap();
			n_errors = 0;
			if (dl_vocab_finalize(empty, &fin) != DL_OK || n_errors != 0)
				__builtin_trap();
			check_round_trip(fin);
			dl_vocab_free(fin);
		}
		dl_vocab_free(empty);
	}
	dl_vocab_free(v);
}

typedef struct seen
{
	const dl_vocab *v;
	size_t		ntokens;
} seen;

static bool
check_token(void *arg, const char *tok, size_t len)
{
	seen	   *s = arg;

	if (len < 1 || len > DL_NGRAM_MAX_BYTES || !dl_utf8_valid(tok, len, NULL))
		__builtin_trap();
	if (s->v && dl_vocab_id(s->v, tok, len) < 2)
		__builtin_trap();
	s->ntokens++;
	return true;
}

static void
fuzz_document(const uint8_t *data, size_t size)
{
	dl_text_options o;
	seen		s = {NULL, 0};
	const char *text = (const char *) data + 1;
	size_t		len = size - 1;
	bool		valid;
	dl_status	st;

	if (size < 1)
		return;
	valid = dl_utf8_valid(text, len, NULL);
	memset(&o, 0, sizeof(o));
	o.tokenizer = (data[0] & 1) ? DL_TOKENIZER_CHAR : DL_TOKENIZER_WORD;
	o.lowercase = (data[0] & 2) != 0;
	o.ngrams = 1 + ((data[0] >> 2) & 7);
	o.min_count = 1;
	n_errors = 0;
	st = dl_tokenize(&o, text, len, check_token, &s);
	if (valid ? (st != DL_OK || n_errors != 0) : (st != DL_ETEXT || n_errors != 1))
		__builtin_trap();
	if (valid)
	{
		dl_vocab   *state,
				   *v;

		dl_vocab_create(&o, &state);
		if (dl_vocab_add_document(state, text, len) != DL_OK || dl_vocab_finalize(state, &v) != DL_OK)
			__builtin_trap();
		s.v = v;
		dl_tokenize(&o, text, len, check_token, &s);
		check_round_trip(v);
		dl_vocab_free(v);
		dl_vocab_free(state);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t    *copy;

	install_hooks();
	if (size < 1)
		return 0;
	copy = fuzz_alloc(size - 1);
	memcpy(copy, data + 1, size - 1);
	if ((data[0] & 1) == 0)
		fuzz_vocabulary(copy, size - 1);
	else if (size >= 2)
		fuzz_document(copy, size - 1);
	free(copy);
	return 0;
}
