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
 * A bag-of-words column ("tfidf", "counts", "binary") gives one input per
 * id of the vocabulary from 2 (its tokens, then its oov buckets; unknown
 * tokens, id 1, are dropped as scikit-learn drops them): the number of
 * times the id occurs, 1 when it occurs, or for tfidf scikit-learn's
 * TfidfVectorizer with its defaults - count x idf, idf = ln((1 + n) /
 * (1 + df)) + 1 from the vocabulary's n training documents and the id's
 * document frequency df (0 for an oov bucket), the row then divided by
 * its L2 norm.  A document gives its nonzero inputs only, in column order.
 *
 * src/core/text_feature.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "text_feature.h"

/* ---- the options of a column ---- */

static const dl_option_name encodings[] = {
	{"sequence", DL_TEXT_SEQUENCE}, {"tfidf", DL_TEXT_TFIDF}, {"counts", DL_TEXT_COUNTS},
	{"binary", DL_TEXT_BINARY}
};

static const dl_option_name tokenizers[] = {
	{"word", DL_TOKENIZER_WORD}, {"char", DL_TOKENIZER_CHAR}
};

#define C(field) .offset = offsetof(dl_text_column, field)
static const dl_option text_column_options[] = {
	{"encoding", DL_OPT_ENUM, .names = encodings, .n_names = (int) (sizeof(encodings) / sizeof(encodings[0])), .dflt = "\"sequence\"", C(encoding)},
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

const char *
dl_text_encoding_name(dl_text_encoding e)
{
	for (size_t i = 0; i < sizeof(encodings) / sizeof(encodings[0]); i++)
		if (encodings[i].value == (int) e)
			return encodings[i].name;
	return "?";
}

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

/* ---- a document as a bag of words ---- */

int64_t
dl_text_bag_width(const dl_vocab *v)
{
	return dl_vocab_id_count(v) - 2;
}

/* makes room for need entries in *p of *cap, elem bytes each */
static void
grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t		cap2 = *cap ? *cap : 16;
	void	   *q;

	if (need <= *cap)
		return;
	while (cap2 < need)
		cap2 *= 2;
	q = dl_alloc(cap2 * elem);
	if (*cap > 0)
		memcpy(q, *p, *cap * elem);
	dl_free(*p);
	*p = q;
	*cap = cap2;
}

static bool
collect_id(void *arg, const char *token, size_t len)
{
	dl_text_bag *b = arg;
	int32_t		id = dl_vocab_id(b->v, token, len);

	if (id < 2)
		return true;
	if (b->counts)
	{
		/* a document's tokens are fewer than 2^32 (at most 1 GB of text) */
		b->counts[id - 2]++;
		return true;
	}
	if (b->n_ids >= b->width)
	{
		/* more ids than columns: count per column from here on */
		b->counts = dl_alloc(sizeof(uint32_t) * b->width);
		memset(b->counts, 0, sizeof(uint32_t) * b->width);
		for (size_t k = 0; k < b->n_ids; k++)
			b->counts[b->ids[k] - 2]++;
		b->n_ids = 0;
		b->counts[id - 2]++;
		return true;
	}
	grow((void **) &b->ids, &b->ids_cap, b->n_ids + 1, sizeof(int32_t));
	b->ids[b->n_ids++] = id;
	return true;
}

/* the column of id with count occurrences, as enc gives it; its square added to *norm */
static void
put_column(dl_text_bag *b, dl_text_encoding enc, int32_t id, double count, double *norm)
{
	b->col[b->n] = id - 2;
	b->val[b->n] = enc == DL_TEXT_BINARY ? 1.0 :
		enc == DL_TEXT_TFIDF ? count * dl_text_idf(b->v, id) : count;
	*norm += b->val[b->n] * b->val[b->n];
	b->n++;
}

static int
cmp_int32(const void *a, const void *b)
{
	int32_t		x = *(const int32_t *) a;
	int32_t		y = *(const int32_t *) b;

	return (x > y) - (x < y);
}

double
dl_text_idf(const dl_vocab *v, int32_t id)
{
	dl_vocab_info info;
	uint64_t	df = 0;

	dl_vocab_get_info(v, &info);
	if (id >= 2 && (size_t) (id - 2) < info.ntokens)
	{
		const char *token;
		size_t		len;
		uint64_t	count;

		dl_vocab_token(v, (size_t) (id - 2), &token, &len, &count, &df);
	}
	return log((1.0 + (double) info.documents) / (1.0 + (double) df)) + 1.0;
}

dl_status
dl_text_bag_encode(const dl_vocab *v, dl_text_encoding enc, const char *doc, size_t len,
				   dl_text_bag *b)
{
	dl_vocab_info info;
	dl_status	st;
	double		norm = 0.0;

	dl_vocab_get_info(v, &info);
	b->v = v;
	b->n = b->n_ids = 0;
	dl_free(b->counts);
	b->counts = NULL;
	b->width = (size_t) dl_text_bag_width(v);
	if ((st = dl_tokenize(&info.options, doc, len, collect_id, b)) != DL_OK)
		return st;
	if (b->counts)
	{
		size_t		nonzero = 0;

		for (size_t c = 0; c < b->width; c++)
			nonzero += b->counts[c] > 0;
		grow((void **) &b->col, &b->cap, nonzero, sizeof(int32_t));
		grow((void **) &b->val, &b->val_cap, nonzero, sizeof(double));
		for (size_t c = 0; c < b->width; c++)
			if (b->counts[c] > 0)
				put_column(b, enc, (int32_t) c + 2, (double) b->counts[c], &norm);
		dl_free(b->counts);
		b->counts = NULL;
	}
	else
	{
		if (b->n_ids > 1)
			qsort(b->ids, b->n_ids, sizeof(int32_t), cmp_int32);
		grow((void **) &b->col, &b->cap, b->n_ids, sizeof(int32_t));
		grow((void **) &b->val, &b->val_cap, b->n_ids, sizeof(double));
		for (size_t k = 0; k < b->n_ids;)
		{
			size_t		end = k;

			while (end < b->n_ids && b->ids[end] == b->ids[k])
				end++;
			put_column(b, enc, b->ids[k], (double) (end - k), &norm);
			k = end;
		}
	}
	if (enc == DL_TEXT_TFIDF && norm > 0.0)
	{
		norm = sqrt(norm);
		for (size_t k = 0; k < b->n; k++)
			b->val[k] /= norm;
	}
	return DL_OK;
}

void
dl_text_bag_free(dl_text_bag *b)
{
	dl_free(b->ids);
	dl_free(b->col);
	dl_free(b->val);
	dl_free(b->counts);
	memset(b, 0, sizeof(*b));
}
