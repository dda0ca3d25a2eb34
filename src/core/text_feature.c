/*-------------------------------------------------------------------------
 *
 * text_feature.c
 *	  Text columns as features: the options of one column of train_model's
 *	  "text", and a document encoded as the inputs a model reads.
 *
 * A "sequence" column gives max_length token ids, the ids of the
 * vocabulary fitted on the training rows (vocab.c): the first max_length
 * tokens of the document, 1 for a token the vocabulary does not hold, then
 * 0 (padding) at the end.  An embedding layer reads them.
 *
 * src/core/text_feature.c
 *
 *-------------------------------------------------------------------------
 */
#include <stddef.h>
#include <string.h>

#include "text_feature.h"

/* ---- the options of a column ---- */

static const dl_option_name encodings[] = {
	{"sequence", DL_TEXT_SEQUENCE}
};

static const dl_option_name tokenizers[] = {
	{"word", DL_TOKENIZER_WORD}, {"char", DL_TOKENIZER_CHAR}
};

#define C(field) .offset = offsetof(dl_text_column, field)
static const dl_option text_column_options[] = {
	{"encoding", DL_OPT_ENUM, .names = encodings, .n_names = 1, .dflt = "\"sequence\"", C(encoding)},
	{"max_length", DL_OPT_INT, 1, DL_TEXT_MAX_LENGTH, .dflt = "200", C(max_length)},
	{"vocabulary_size", DL_OPT_INT, 1, DL_TEXT_MAX_VOCABULARY, .dflt = "20000", C(vocabulary_size)},
	{"tokenizer", DL_OPT_ENUM, .names = tokenizers, .n_names = 2, .dflt = "\"word\"", C(tok.tokenizer)},
	{"lowercase", DL_OPT_BOOL, .dflt = "true", C(tok.lowercase)},
	{"ngrams", DL_OPT_INT, 1, DL_NGRAMS_MAX,
		.accepted = "an integer from 1 to 8 (default 1 for \"word\", 3 for \"char\")",
	C(tok.ngrams)},
	{"min_count", DL_OPT_INT, 1, 2147483647, .dflt = "1", C(tok.min_count)},
	{"oov_buckets", DL_OPT_INT, 0, DL_TEXT_MAX_VOCABULARY, .dflt = "0", C(tok.oov_buckets)}
};
#undef C

const dl_option_schema dl_text_column_schema = {
	"train_model's \"text\"", text_column_options,
	(int) (sizeof(text_column_options) / sizeof(text_column_options[0])),
	sizeof(dl_text_column), NULL, false
};

void
dl_text_column_vocab_options(const dl_text_column *c, dl_text_options *o)
{
	*o = c->tok;
	o->max_size = c->vocabulary_size;
	dl_text_options_resolve(o);
}

int64_t
dl_text_column_max_ids(const dl_text_column *c)
{
	return 2 + (int64_t) c->vocabulary_size + c->tok.oov_buckets;
}

/* ---- a document as ids ---- */

typedef struct sequence_fill
{
	const dl_vocab *v;
	double	   *out;
	int			n;
	int			max_length;
} sequence_fill;

static bool
fill_id(void *arg, const char *token, size_t len)
{
	sequence_fill *s = arg;

	s->out[s->n++] = (double) dl_vocab_id(s->v, token, len);
	return s->n < s->max_length;
}

dl_status
dl_text_sequence(const dl_vocab *v, const char *doc, size_t len, int max_length, double *out)
{
	dl_vocab_info info;
	sequence_fill s;
	dl_status	st;

	dl_vocab_get_info(v, &info);
	s.v = v;
	s.out = out;
	s.n = 0;
	s.max_length = max_length;
	st = dl_tokenize(&info.options, doc, len, fill_id, &s);
	for (int i = s.n; i < max_length; i++)
		out[i] = 0.0;
	return st;
}
