/*-------------------------------------------------------------------------
 *
 * vocab.c
 *	  Vocabularies: token counts and document frequencies, merged, bounded,
 *	  finalized into ids, serialized and read back.
 *
 * A counting state is a table of distinct tokens (count, documents) in an
 * open-addressing hash index over one byte arena.  It counts exactly until
 * it holds DL_VOCAB_EXACT tokens or DL_VOCAB_ARENA bytes of them (about
 * 50 MB in all); then it prunes, in the manner of lossy counting (Manku and
 * Motwani, 2002): the tokens counted at most the median count p go, and the
 * state's error grows by p.  Every count (and document frequency) is then
 * at most "error" below the truth and never above it; a token missing was
 * counted at most "error" times.  Pruning costs O(n log n) once per n/2
 * new tokens, so counting stays amortized O(log n) per token.  Merging adds
 * counts, documents and errors; under the exact limit it is exact, so the
 * order of merges cannot change the result.
 *
 * Finalizing keeps the tokens counted min_count times or more, the
 * max_size most frequent of them, in the order (count descending, bytes
 * ascending): token i gets id i + 2 (0 is padding, 1 unknown).  With
 * oov_buckets B, an unknown token gets 2 + ntokens + (FNV-1a hash mod B).
 *
 * Serialized form (little-endian; a state of the other byte order fails
 * the magic check):
 *
 *	offset	size	field
 *	0		4		magic "PGDV" (0x50474456)
 *	4		2		version (1)
 *	6		1		kind: 0 counting state, 1 final vocabulary
 *	7		1		tokenizer: 0 word, 1 char
 *	8		1		lowercase: 0 or 1
 *	9		1		ngrams: 1 to DL_NGRAMS_MAX
 *	10		2		zero
 *	12		4		ntokens: at most DL_VOCAB_EXACT
 *	16		4		oov_buckets: 0 to DL_VOCAB_MAX_BUCKETS
 *	20		4		max_size: 0 (none) to INT32_MAX
 *	24		8		min_count: 1 to INT32_MAX
 *	32		8		documents
 *	40		8		error
 *	48		...		ntokens times: count (8), documents (8), length (2), the bytes
 *
 * The reader checks each field's range, that every token is well-formed
 * UTF-8 of 1 to DL_NGRAM_MAX_BYTES bytes, 1 <= documents <= count, documents
 * at most the state's documents, counts and errors below 2^62, no token
 * twice, that a final vocabulary is in id order and within min_count and
 * max_size, and that the bytes end where the last token does.
 *
 * src/core/vocab.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "text.h"

#define VOCAB_MAGIC 0x50474456u
#define VOCAB_VERSION 1
#define HEADER_BYTES 48
#define ENTRY_BYTES 18
#define COUNT_MAX (UINT64_C(1) << 62)

typedef struct entry
{
	uint64_t	count;
	uint64_t	docs;
	uint64_t	last_doc;		/* the document that last counted it */
	uint32_t	off;			/* in the arena */
	uint32_t	len;
} entry;

struct dl_vocab
{
	dl_text_options o;
	bool		final;
	uint64_t	ndocs;
	uint64_t	error;
	uint64_t	doc_serial;		/* documents added here, for doc frequencies */

	entry	   *entries;
	size_t		n;
	size_t		cap;
	char	   *arena;
	size_t		arena_len;
	size_t		arena_cap;
	uint32_t   *index;			/* entry + 1, 0 empty; a power of two slots */
	size_t		index_cap;

	size_t		max_tokens;
	size_t		max_bytes;
};

/* ---- options ---- */

static const dl_option_name tokenizers[] = {
	{"word", DL_TOKENIZER_WORD}, {"char", DL_TOKENIZER_CHAR}
};

static void
text_init(void *out)
{
	dl_text_options *o = out;

	o->ngrams = 0;
	o->max_size = 0;
}

static const dl_option text_options[] = {
	{"tokenizer", DL_OPT_ENUM, .names = tokenizers, .n_names = 2, .dflt = "\"word\"",
	.offset = offsetof(dl_text_options, tokenizer)},
	{"lowercase", DL_OPT_BOOL, .dflt = "true", .offset = offsetof(dl_text_options, lowercase)},
	{"ngrams", DL_OPT_INT, 1, DL_NGRAMS_MAX,
		.accepted = "an integer from 1 to 8 (default 1 for \"word\", 3 for \"char\")",
	.offset = offsetof(dl_text_options, ngrams)},
	{"min_count", DL_OPT_INT, 1, INT32_MAX, .dflt = "1", .offset = offsetof(dl_text_options, min_count)},
	{"max_size", DL_OPT_INT, 1, INT32_MAX - 2 - DL_VOCAB_MAX_BUCKETS,
	.offset = offsetof(dl_text_options, max_size)},
	{"oov_buckets", DL_OPT_INT, 0, DL_VOCAB_MAX_BUCKETS, .dflt = "0",
	.offset = offsetof(dl_text_options, oov_buckets)}
};

const dl_option_schema dl_text_schema = {
	"tokens, vocabulary", text_options, (int) (sizeof(text_options) / sizeof(text_options[0])),
	sizeof(dl_text_options), text_init, false
};

void
dl_text_options_resolve(dl_text_options *o)
{
	if (o->ngrams == 0)
		o->ngrams = o->tokenizer == DL_TOKENIZER_CHAR ? 3 : 1;
}

/* ---- the table ---- */

static uint64_t
token_hash(const char *s, size_t len)
{
	uint64_t	h = UINT64_C(0xcbf29ce484222325);

	for (size_t i = 0; i < len; i++)
	{
		h ^= (unsigned char) s[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

static void
index_rebuild(dl_vocab *v, size_t cap)
{
	dl_free(v->index);
	v->index = dl_alloc(cap * sizeof(uint32_t));
	memset(v->index, 0, cap * sizeof(uint32_t));
	v->index_cap = cap;
	for (size_t e = 0; e < v->n; e++)
	{
		size_t		slot = token_hash(v->arena + v->entries[e].off, v->entries[e].len) & (cap - 1);

		while (v->index[slot] != 0)
			slot = (slot + 1) & (cap - 1);
		v->index[slot] = (uint32_t) (e + 1);
	}
}

/* the slot of a token: holding its entry, or the empty one it would take */
static size_t
find_slot(const dl_vocab *v, const char *s, size_t len, uint64_t h)
{
	size_t		mask = v->index_cap - 1;
	size_t		slot = h & mask;

	for (;;)
	{
		uint32_t	e = v->index[slot];

		if (e == 0)
			return slot;
		if (v->entries[e - 1].len == len && memcmp(v->arena + v->entries[e - 1].off, s, len) == 0)
			return slot;
		slot = (slot + 1) & mask;
	}
}

static dl_vocab *
vocab_new(const dl_text_options *o, size_t cap, size_t arena_cap)
{
	dl_vocab   *v = dl_alloc(sizeof(dl_vocab));

	memset(v, 0, sizeof(*v));
	v->o = *o;
	v->max_tokens = DL_VOCAB_EXACT;
	v->max_bytes = DL_VOCAB_ARENA;
	v->cap = cap < 16 ? 16 : cap;
	v->entries = dl_alloc(v->cap * sizeof(entry));
	v->arena_cap = arena_cap < 256 ? 256 : arena_cap;
	v->arena = dl_alloc(v->arena_cap);
	{
		size_t		icap = 32;

		while (icap < 2 * v->cap)
			icap *= 2;
		index_rebuild(v, icap);
	}
	return v;
}

dl_status
dl_vocab_create(const dl_text_options *o, dl_vocab **out)
{
	*out = vocab_new(o, 16, 256);
	return DL_OK;
}

void
dl_vocab_set_limits(dl_vocab *v, size_t max_tokens, size_t max_bytes)
{
	v->max_tokens = max_tokens < 2 ? 2 : max_tokens > DL_VOCAB_EXACT ? DL_VOCAB_EXACT : max_tokens;
	v->max_bytes = max_bytes < DL_NGRAM_MAX_BYTES ? DL_NGRAM_MAX_BYTES :
		max_bytes > DL_VOCAB_ARENA ? DL_VOCAB_ARENA : max_bytes;
}

void
dl_vocab_free(dl_vocab *v)
{
	if (!v)
		return;
	dl_free(v->entries);
	dl_free(v->arena);
	dl_free(v->index);
	dl_free(v);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *) a,
				y = *(const uint64_t *) b;

	return x < y ? -1 : x > y;
}

/*
 * Drops the tokens counted at most the median count; the error grows by
 * that count.  At least half the tokens go.
 */
static void
prune(dl_vocab *v)
{
	uint64_t   *counts;
	uint64_t	p;
	size_t		kept = 0;
	char	   *arena;
	size_t		alen = 0;

	if (v->n == 0)
		return;
	counts = dl_alloc(v->n * sizeof(uint64_t));
	for (size_t e = 0; e < v->n; e++)
		counts[e] = v->entries[e].count;
	qsort(counts, v->n, sizeof(uint64_t), cmp_u64);
	p = counts[(v->n - 1) / 2];
	dl_free(counts);

	arena = dl_alloc(v->arena_cap);
	for (size_t e = 0; e < v->n; e++)
	{
		entry		x = v->entries[e];

		if (x.count <= p)
			continue;
		memcpy(arena + alen, v->arena + x.off, x.len);
		x.off = (uint32_t) alen;
		alen += x.len;
		v->entries[kept++] = x;
	}
	dl_free(v->arena);
	v->arena = arena;
	v->arena_len = alen;
	v->n = kept;
	v->error += p;
	index_rebuild(v, v->index_cap);
	dl_check_interrupts();
}

/* makes room for one more token of len bytes, pruning past the limits */
static void
reserve(dl_vocab *v, size_t len)
{
	while (v->n > 0 && (v->n >= v->max_tokens || v->arena_len + len > v->max_bytes))
		prune(v);
	if (v->n == v->cap)
	{
		size_t		cap = v->cap * 2;
		entry	   *e = dl_alloc(cap * sizeof(entry));

		memcpy(e, v->entries, v->n * sizeof(entry));
		dl_free(v->entries);
		v->entries = e;
		v->cap = cap;
	}
	if (v->arena_len + len > v->arena_cap)
	{
		size_t		cap = v->arena_cap;
		char	   *a;

		while (v->arena_len + len > cap)
			cap *= 2;
		a = dl_alloc(cap);
		memcpy(a, v->arena, v->arena_len);
		dl_free(v->arena);
		v->arena = a;
		v->arena_cap = cap;
	}
	if (2 * (v->n + 1) > v->index_cap)
		index_rebuild(v, v->index_cap * 2);
}

/* the entry of a token, added with zero counts if new */
static entry *
lookup_or_add(dl_vocab *v, const char *s, size_t len)
{
	uint64_t	h = token_hash(s, len);
	size_t		slot = find_slot(v, s, len, h);
	entry	   *e;

	if (v->index[slot] != 0)
		return &v->entries[v->index[slot] - 1];
	reserve(v, len);
	/* the table may have been pruned or regrown */
	slot = find_slot(v, s, len, h);
	memcpy(v->arena + v->arena_len, s, len);
	e = &v->entries[v->n];
	e->count = 0;
	e->docs = 0;
	e->last_doc = 0;
	e->off = (uint32_t) v->arena_len;
	e->len = (uint32_t) len;
	v->arena_len += len;
	v->n++;
	v->index[slot] = (uint32_t) v->n;
	return e;
}

static bool
count_token(void *arg, const char *token, size_t len)
{
	dl_vocab   *v = arg;
	entry	   *e = lookup_or_add(v, token, len);

	e->count++;
	if (e->last_doc != v->doc_serial)
	{
		e->docs++;
		e->last_doc = v->doc_serial;
	}
	return true;
}

dl_status
dl_vocab_add_document(dl_vocab *v, const char *text, size_t len)
{
	dl_status	st;

	if (v->final)
		return dl_error(DL_EINTERNAL, "a final vocabulary cannot count documents");
	if (v->ndocs >= COUNT_MAX)
		return dl_error(DL_ELIMIT, "a vocabulary counts at most 2^62 documents");
	v->doc_serial++;
	st = dl_tokenize(&v->o, text, len, count_token, v);
	if (st != DL_OK)
		return st;
	v->ndocs++;
	return DL_OK;
}

bool
dl_text_options_equal(const dl_text_options *a, const dl_text_options *b)
{
	return a->tokenizer == b->tokenizer && a->lowercase == b->lowercase &&
		a->ngrams == b->ngrams && a->min_count == b->min_count &&
		a->max_size == b->max_size && a->oov_buckets == b->oov_buckets;
}

dl_status
dl_vocab_merge(dl_vocab *into, const dl_vocab *from)
{
	if (into->final || from->final)
		return dl_error(DL_EINTERNAL, "final vocabularies cannot be merged");
	if (!dl_text_options_equal(&into->o, &from->o))
		return dl_error(DL_EINVAL, "vocabulary states built with different options cannot be merged");
	if (into->ndocs + from->ndocs >= COUNT_MAX || into->error + from->error >= COUNT_MAX)
		return dl_error(DL_ELIMIT, "a vocabulary counts at most 2^62 documents");
	for (size_t i = 0; i < from->n; i++)
	{
		const entry *f = &from->entries[i];
		entry	   *e = lookup_or_add(into, from->arena + f->off, f->len);

		if (e->count + f->count >= COUNT_MAX)
			return dl_error(DL_ELIMIT, "a vocabulary counts a token at most 2^62 times");
		e->count += f->count;
		e->docs += f->docs;
		if ((i & 0xFFFF) == 0xFFFF)
			dl_check_interrupts();
	}
	into->ndocs += from->ndocs;
	into->error += from->error;
	return DL_OK;
}

/* ---- finalizing ---- */

static const dl_vocab *sort_vocab;

static int
cmp_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
	int			c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* id order: count descending, then bytes ascending */
static int
cmp_id_order(const entry *x, const char *xa, const entry *y, const char *ya)
{
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return cmp_bytes(xa + x->off, x->len, ya + y->off, y->len);
}

static int
cmp_entry_idx(const void *a, const void *b)
{
	const entry *x = &sort_vocab->entries[*(const uint32_t *) a];
	const entry *y = &sort_vocab->entries[*(const uint32_t *) b];

	return cmp_id_order(x, sort_vocab->arena, y, sort_vocab->arena);
}

dl_status
dl_vocab_finalize(const dl_vocab *s, dl_vocab **out)
{
	uint32_t   *order;
	size_t		keep = 0,
				bytes = 0;
	dl_vocab   *v;

	if (s->final)
		return dl_error(DL_EINTERNAL, "the vocabulary is final already");
	order = dl_alloc((s->n ? s->n : 1) * sizeof(uint32_t));
	for (size_t e = 0; e < s->n; e++)
		if (s->entries[e].count >= (uint64_t) s->o.min_count)
			order[keep++] = (uint32_t) e;
	/* qsort has no context argument: the state being sorted is a static */
	sort_vocab = s;
	qsort(order, keep, sizeof(uint32_t), cmp_entry_idx);
	sort_vocab = NULL;
	if (s->o.max_size > 0 && keep > (size_t) s->o.max_size)
		keep = (size_t) s->o.max_size;
	for (size_t i = 0; i < keep; i++)
		bytes += s->entries[order[i]].len;

	v = vocab_new(&s->o, keep, bytes);
	v->final = true;
	v->ndocs = s->ndocs;
	v->error = s->error;
	for (size_t i = 0; i < keep; i++)
	{
		const entry *f = &s->entries[order[i]];
		entry	   *e = &v->entries[i];

		*e = *f;
		e->last_doc = 0;
		e->off = (uint32_t) v->arena_len;
		memcpy(v->arena + v->arena_len, s->arena + f->off, f->len);
		v->arena_len += f->len;
	}
	v->n = keep;
	dl_free(order);
	index_rebuild(v, v->index_cap);
	*out = v;
	return DL_OK;
}

/* ---- lookups and accessors ---- */

int32_t
dl_vocab_id(const dl_vocab *v, const char *token, size_t len)
{
	uint64_t	h = token_hash(token, len);
	uint32_t	e = v->index[find_slot(v, token, len, h)];

	if (e != 0)
		return (int32_t) (e + 1);
	if (v->o.oov_buckets > 0)
		return (int32_t) (2 + v->n + h % (uint64_t) v->o.oov_buckets);
	return 1;
}

int64_t
dl_vocab_id_count(const dl_vocab *v)
{
	return 2 + (int64_t) v->n + v->o.oov_buckets;
}

void
dl_vocab_get_info(const dl_vocab *v, dl_vocab_info *info)
{
	info->final = v->final;
	info->ntokens = v->n;
	info->documents = v->ndocs;
	info->error = v->error;
	info->options = v->o;
}

void
dl_vocab_token(const dl_vocab *v, size_t i, const char **token, size_t *len,
			   uint64_t *count, uint64_t *documents)
{
	*token = v->arena + v->entries[i].off;
	*len = v->entries[i].len;
	*count = v->entries[i].count;
	*documents = v->entries[i].docs;
}

/* ---- serialized form ---- */

size_t
dl_vocab_bytes(const dl_vocab *v)
{
	return HEADER_BYTES + v->n * ENTRY_BYTES + v->arena_len;
}

static void
put_u16(char **p, uint16_t x)
{
	memcpy(*p, &x, 2);
	*p += 2;
}

static void
put_u32(char **p, uint32_t x)
{
	memcpy(*p, &x, 4);
	*p += 4;
}

static void
put_u64(char **p, uint64_t x)
{
	memcpy(*p, &x, 8);
	*p += 8;
}

void
dl_vocab_write(const dl_vocab *v, void *out)
{
	char	   *p = out;

	put_u32(&p, VOCAB_MAGIC);
	put_u16(&p, VOCAB_VERSION);
	*p++ = v->final ? 1 : 0;
	*p++ = (char) v->o.tokenizer;
	*p++ = v->o.lowercase ? 1 : 0;
	*p++ = (char) v->o.ngrams;
	put_u16(&p, 0);
	put_u32(&p, (uint32_t) v->n);
	put_u32(&p, (uint32_t) v->o.oov_buckets);
	put_u32(&p, (uint32_t) v->o.max_size);
	put_u64(&p, (uint64_t) v->o.min_count);
	put_u64(&p, v->ndocs);
	put_u64(&p, v->error);
	for (size_t i = 0; i < v->n; i++)
	{
		const entry *e = &v->entries[i];

		put_u64(&p, e->count);
		put_u64(&p, e->docs);
		put_u16(&p, (uint16_t) e->len);
		memcpy(p, v->arena + e->off, e->len);
		p += e->len;
	}
}

static uint64_t
get_u64(const unsigned char *p)
{
	uint64_t	x;

	memcpy(&x, p, 8);
	return x;
}

static uint32_t
get_u32(const unsigned char *p)
{
	uint32_t	x;

	memcpy(&x, p, 4);
	return x;
}

static uint16_t
get_u16(const unsigned char *p)
{
	uint16_t	x;

	memcpy(&x, p, 2);
	return x;
}

dl_status
dl_vocab_read(const void *data, size_t nbytes, dl_vocab **out, dl_detail *why)
{
	const unsigned char *p = data;
	dl_text_options o;
	uint32_t	ntokens,
				buckets,
				max_size;
	uint64_t	min_count,
				ndocs,
				error;
	int			kind;
	size_t		at,
				bytes = 0;
	dl_vocab   *v;

	*out = NULL;
	if (nbytes < HEADER_BYTES)
		return dl_detail_set(why, DL_EFORMAT, "a vocabulary has at least %d bytes, this value %zu", HEADER_BYTES, nbytes);
	if (get_u32(p) != VOCAB_MAGIC)
		return dl_detail_set(why, DL_EFORMAT, "the bytes are not a pgdl vocabulary");
	if (get_u16(p + 4) > VOCAB_VERSION)
		return dl_detail_set(why, DL_EVERSION, "the vocabulary has format version %u; this pgdl reads version %d",
							 get_u16(p + 4), VOCAB_VERSION);
	if (get_u16(p + 4) != VOCAB_VERSION)
		return dl_detail_set(why, DL_EFORMAT, "the vocabulary has format version 0");
	kind = p[6];
	memset(&o, 0, sizeof(o));
	o.tokenizer = p[7];
	o.lowercase = p[8] != 0;
	o.ngrams = p[9];
	ntokens = get_u32(p + 12);
	buckets = get_u32(p + 16);
	max_size = get_u32(p + 20);
	min_count = get_u64(p + 24);
	ndocs = get_u64(p + 32);
	error = get_u64(p + 40);
	if (kind > 1)
		return dl_detail_set(why, DL_EFORMAT, "the vocabulary's kind %d is neither 0 nor 1", kind);
	if (p[7] > DL_TOKENIZER_CHAR)
		return dl_detail_set(why, DL_EFORMAT, "the vocabulary's tokenizer %d is unknown", p[7]);
	if (p[8] > 1 || get_u16(p + 10) != 0)
		return dl_detail_set(why, DL_EFORMAT, "the vocabulary's flags are invalid");
	if (o.ngrams < 1 || o.ngrams > DL_NGRAMS_MAX)
		return dl_detail_set(why, DL_EFORMAT, "the vocabulary's ngrams %d is outside 1 to %d", o.ngrams, DL_NGRAMS_MAX);
	if (ntokens > DL_VOCAB_EXACT)
		return dl_detail_set(why, DL_EFORMAT, "the vocabulary has %u tokens, more than %d", ntokens, DL_VOCAB_EXACT);
	if (buckets > DL_VOCAB_MAX_BUCKETS)
		return dl_detail_set(why, DL_EFORMAT, "the vocabulary's oov_buckets %u is above %d", buckets, DL_VOCAB_MAX_BUCKETS);
	if (max_size > (uint32_t) (INT32_MAX - 2 - DL_VOCAB_MAX_BUCKETS))
		return dl_detail_set(why, DL_EFORMAT, "the vocabulary's max_size %u is too large", max_size);
	if (min_count < 1 || min_count > INT32_MAX)
		return dl_detail_set(why, DL_EFORMAT, "the vocabulary's min_count is outside 1 to %d", INT32_MAX);
	if (ndocs >= COUNT_MAX || error >= COUNT_MAX)
		return dl_detail_set(why, DL_EFORMAT, "the vocabulary's document count or error is 2^62 or more");
	o.oov_buckets = (int) buckets;
	o.max_size = (int) max_size;
	o.min_count = (int) min_count;

	/* the entries: sizes first, so that nothing is allocated for a lie */
	at = HEADER_BYTES;
	for (uint32_t i = 0; i < ntokens; i++)
	{
		uint16_t	len;

		if (nbytes - at < ENTRY_BYTES)
			return dl_detail_set(why, DL_EFORMAT, "the vocabulary ends inside token %u of %u", i, ntokens);
		len = get_u16(p + at + 16);
		if (len < 1 || len > DL_NGRAM_MAX_BYTES)
			return dl_detail_set(why, DL_EFORMAT, "token %u has a length of %u bytes, outside 1 to %d",
								 i, len, DL_NGRAM_MAX_BYTES);
		if (nbytes - at - ENTRY_BYTES < len)
			return dl_detail_set(why, DL_EFORMAT, "the vocabulary ends inside token %u of %u", i, ntokens);
		at += ENTRY_BYTES + len;
		bytes += len;
	}
	if (at != nbytes)
		return dl_detail_set(why, DL_EFORMAT, "%zu bytes follow the last token", nbytes - at);
	if (kind == 1 && max_size > 0 && ntokens > max_size)
		return dl_detail_set(why, DL_EFORMAT, "the vocabulary has %u tokens, more than its max_size %u",
							 ntokens, max_size);

	v = vocab_new(&o, ntokens, bytes);
	v->final = kind == 1;
	v->ndocs = ndocs;
	v->error = error;
	at = HEADER_BYTES;
	for (uint32_t i = 0; i < ntokens; i++)
	{
		uint64_t	count = get_u64(p + at),
					docs = get_u64(p + at + 8);
		uint16_t	len = get_u16(p + at + 16);
		const char *tok = (const char *) p + at + ENTRY_BYTES;
		dl_status	st = DL_OK;
		size_t		slot = 0;
		entry	   *e;

		if (count < 1 || count >= COUNT_MAX)
			st = dl_detail_set(why, DL_EFORMAT, "token %u has a count outside 1 to 2^62", i);
		else if (docs < 1 || docs > count || docs > ndocs)
			st = dl_detail_set(why, DL_EFORMAT, "token %u is in %llu documents, outside 1 to its count and the documents counted",
							   i, (unsigned long long) docs);
		else if (!dl_utf8_valid(tok, len, NULL))
			st = dl_detail_set(why, DL_EFORMAT, "token %u is not valid UTF-8", i);
		else if (v->final && count < min_count)
			st = dl_detail_set(why, DL_EFORMAT, "token %u is counted fewer than min_count times", i);
		else if (v->final && i > 0)
		{
			entry		x = {count, docs, 0, 0, len};

			if (cmp_id_order(&v->entries[i - 1], v->arena, &x, tok) >= 0)
				st = dl_detail_set(why, DL_EFORMAT, "token %u is out of id order", i);
		}
		if (st == DL_OK)
		{
			slot = find_slot(v, tok, len, token_hash(tok, len));
			if (v->index[slot] != 0)
				st = dl_detail_set(why, DL_EFORMAT, "token %u occurs twice", i);
		}
		if (st != DL_OK)
		{
			dl_vocab_free(v);
			return st;
		}
		memcpy(v->arena + v->arena_len, tok, len);
		e = &v->entries[v->n];
		e->count = count;
		e->docs = docs;
		e->last_doc = 0;
		e->off = (uint32_t) v->arena_len;
		e->len = len;
		v->arena_len += len;
		v->n++;
		v->index[slot] = (uint32_t) v->n;
		at += ENTRY_BYTES + len;
	}
	*out = v;
	return DL_OK;
}
