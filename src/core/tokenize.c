/*-------------------------------------------------------------------------
 *
 * tokenize.c
 *	  The tokenizer: UTF-8 text into word, CJK and character n-gram tokens.
 *
 * Each code point has a class (unicode_tables.h, generated from the
 * Unicode Character Database by scripts/gen_unicode.py):
 *
 *	word     letters and numbers of any script that separates words with
 *	         spaces: a run of them is one word ("naïve", "Ελλάδα", "x86")
 *	nospace  Han, Hiragana, Katakana and Bopomofo: each character is a
 *	         token and so is each pair of neighbours in a run ("机器学习" gives
 *	         机 机器 器 器学 学 学习 习), as CJK bigram indexers do, since a
 *	         segmenter would need a dictionary
 *	mark     combining marks extend the character before them (a mark with
 *	         nothing before it is dropped)
 *	symbol   other symbols (emoji) are tokens of one character each
 *	other    punctuation, spaces and controls separate tokens
 *
 * An apostrophe (' or U+2019, kept as ') between letters and a '.' or ','
 * between ASCII digits stay inside a word ("don't", "3.14").  With
 * lowercase, every code point is case folded (Unicode simple folding:
 * "ΣΊΣΥΦΟΣ" and "σίσυφοσ" are one word).  A word is cut after
 * DL_TOKEN_MAX_BYTES bytes (at a character boundary; the rest of it is
 * dropped), so a token's size is bounded whatever the input.
 *
 * ngrams n > 1 (tokenizer "word") adds, after each token, the n-grams of
 * the last 2..n tokens joined by a space, except those made only of CJK
 * characters (their bigrams are there already).  Tokenizer "char" instead
 * gives the character n-grams (n = ngrams, default 3) of each word padded
 * with a space on both sides (" cat " gives " ca", "cat", "at "; a padded
 * word of n characters or fewer is one token), which is what helps with
 * misspellings; a CJK run is one word there.
 *
 * Every step is constant work per input byte (tokens are bounded), so a
 * document costs linear time, and the only memory is a few kB on the stack.
 *
 * src/core/tokenize.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "text.h"

#define DL_CH_OTHER 0
#define DL_CH_WORD 1
#define DL_CH_MARK 2
#define DL_CH_NOSPACE 3
#define DL_CH_SYMBOL 4

#include "unicode_tables.h"

#define LENGTH(a) ((int) (sizeof(a) / sizeof((a)[0])))
#define INTERRUPT_BYTES (1 << 16)

/* ---- UTF-8 ---- */

/*
 * Decodes the code point at s[*i], advancing *i; -1 for a malformed
 * sequence (overlong forms, surrogates and values past U+10FFFF included).
 */
static int32_t
utf8_next(const unsigned char *s, size_t len, size_t *i)
{
	size_t		p = *i;
	uint32_t	c = s[p];
	int			n;
	uint32_t	min;

	if (c < 0x80)
	{
		*i = p + 1;
		return (int32_t) c;
	}
	if (c >= 0xC2 && c <= 0xDF)
		n = 1, c &= 0x1F, min = 0x80;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 2, c &= 0x0F, min = 0x800;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 3, c &= 0x07, min = 0x10000;
	else
		return -1;
	if (len - p <= (size_t) n)
		return -1;
	for (int k = 1; k <= n; k++)
	{
		uint32_t	b = s[p + k];

		if ((b & 0xC0) != 0x80)
			return -1;
		c = (c << 6) | (b & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return -1;
	*i = p + n + 1;
	return (int32_t) c;
}

size_t
dl_utf8_put(uint32_t c, char *out)
{
	if (c < 0x80)
	{
		out[0] = (char) c;
		return 1;
	}
	if (c < 0x800)
	{
		out[0] = (char) (0xC0 | (c >> 6));
		out[1] = (char) (0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000)
	{
		out[0] = (char) (0xE0 | (c >> 12));
		out[1] = (char) (0x80 | ((c >> 6) & 0x3F));
		out[2] = (char) (0x80 | (c & 0x3F));
		return 3;
	}
	out[0] = (char) (0xF0 | (c >> 18));
	out[1] = (char) (0x80 | ((c >> 12) & 0x3F));
	out[2] = (char) (0x80 | ((c >> 6) & 0x3F));
	out[3] = (char) (0x80 | (c & 0x3F));
	return 4;
}

bool
dl_utf8_valid(const char *s, size_t len, size_t *bad)
{
	size_t		i = 0;

	while (i < len)
	{
		/* ASCII eight bytes at a time */
		while (len - i >= 8)
		{
			uint64_t	w;

			memcpy(&w, s + i, 8);
			if (w & UINT64_C(0x8080808080808080))
				break;
			i += 8;
		}
		if (i >= len)
			break;
		if (utf8_next((const unsigned char *) s, len, &i) < 0)
		{
			if (bad)
				*bad = i;
			return false;
		}
	}
	return true;
}

/* ---- character classes and folding ---- */

static int
char_class(uint32_t c)
{
	int			lo = 0,
				hi = LENGTH(dl_char_ranges) - 1;

	if (c < 0x80)
	{
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			return DL_CH_WORD;
		return DL_CH_OTHER;
	}
	/* the last range starting at or before c */
	while (lo < hi)
	{
		int			mid = (lo + hi + 1) / 2;

		if (dl_char_ranges[mid].start <= c)
			lo = mid;
		else
			hi = mid - 1;
	}
	return dl_char_ranges[lo].class;
}

uint32_t
dl_case_fold(uint32_t c)
{
	int			lo = 0,
				hi = LENGTH(dl_case_fold_table) - 1;

	if (c < 0x80)
		return (c >= 'A' && c <= 'Z') ? c + 32 : c;
	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;

		if (dl_case_fold_table[mid][0] == c)
			return dl_case_fold_table[mid][1];
		if (dl_case_fold_table[mid][0] < c)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return c;
}

/* ---- the tokenizer's state ---- */

typedef struct base_token
{
	char		text[DL_TOKEN_MAX_BYTES];
	size_t		len;
	bool		cjk;
	uint64_t	run;			/* CJK characters of one run share it */
} base_token;

typedef struct tokenizer
{
	const dl_text_options *o;
	dl_token_emit emit;
	void	   *arg;
	bool		stopped;

	/* the token being read */
	int			kind;			/* DL_CH_OTHER when none */
	char		cur[DL_TOKEN_MAX_BYTES];
	size_t		cur_len;
	bool		full;			/* cut: drop what follows until the run ends */
	uint64_t	run;

	/* the last DL_NGRAMS_MAX tokens, for n-grams and CJK bigrams */
	base_token	ring[DL_NGRAMS_MAX];
	uint64_t	nbase;
	char		gram[DL_NGRAM_MAX_BYTES];
} tokenizer;

static void
emit(tokenizer *t, const char *s, size_t len)
{
	if (!t->stopped && !t->emit(t->arg, s, len))
		t->stopped = true;
}

/* character n-grams of " word " */
static void
emit_char_ngrams(tokenizer *t, const char *word, size_t len)
{
	char		padded[DL_TOKEN_MAX_BYTES + 2];
	size_t		starts[DL_TOKEN_MAX_BYTES + 3];
	size_t		nchars = 0,
				plen = len + 2,
				i = 0;
	int			n = t->o->ngrams;

	padded[0] = ' ';
	memcpy(padded + 1, word, len);
	padded[len + 1] = ' ';
	while (i < plen)
	{
		starts[nchars++] = i;
		/* the word is valid UTF-8 of our own making */
		(void) utf8_next((const unsigned char *) padded, plen, &i);
	}
	starts[nchars] = plen;
	if (nchars <= (size_t) n)
	{
		emit(t, padded, plen);
		return;
	}
	for (size_t s = 0; s + n <= nchars && !t->stopped; s++)
		emit(t, padded + starts[s], starts[s + n] - starts[s]);
}

/* a finished word, CJK character or symbol: the token and its n-grams */
static void
emit_base(tokenizer *t, const char *s, size_t len, bool cjk)
{
	base_token *b;
	int			n = t->o->ngrams;

	if (t->o->tokenizer == DL_TOKENIZER_CHAR)
	{
		emit_char_ngrams(t, s, len);
		return;
	}
	b = &t->ring[t->nbase % DL_NGRAMS_MAX];
	memcpy(b->text, s, len);
	b->len = len;
	b->cjk = cjk;
	b->run = t->run;
	t->nbase++;
	emit(t, s, len);

	/* the bigram of two neighbours in one CJK run */
	if (cjk && t->nbase >= 2)
	{
		const base_token *p = &t->ring[(t->nbase - 2) % DL_NGRAMS_MAX];

		if (p->cjk && p->run == b->run)
		{
			memcpy(t->gram, p->text, p->len);
			memcpy(t->gram + p->len, s, len);
			emit(t, t->gram, p->len + len);
		}
	}

	/* word n-grams ending here, unless made only of CJK characters */
	for (int k = 2; k <= n && (uint64_t) k <= t->nbase; k++)
	{
		size_t		glen = 0;
		bool		all_cjk = true;

		for (int j = k - 1; j >= 0; j--)
		{
			const base_token *w = &t->ring[(t->nbase - 1 - j) % DL_NGRAMS_MAX];

			all_cjk &= w->cjk;
			memcpy(t->gram + glen, w->text, w->len);
			glen += w->len;
			if (j > 0)
				t->gram[glen++] = ' ';
		}
		if (!all_cjk)
			emit(t, t->gram, glen);
	}
}

static void
flush(tokenizer *t)
{
	if (t->kind != DL_CH_OTHER && t->cur_len > 0)
		emit_base(t, t->cur, t->cur_len, t->kind == DL_CH_NOSPACE &&
				  t->o->tokenizer == DL_TOKENIZER_WORD);
	t->kind = DL_CH_OTHER;
	t->cur_len = 0;
	t->full = false;
}

/* appends c (folded if asked) to the token being read, unless it is full */
static void
append(tokenizer *t, uint32_t c)
{
	char		buf[4];
	size_t		n;

	if (t->o->lowercase)
		c = dl_case_fold(c);
	n = dl_utf8_put(c, buf);
	if (t->full || t->cur_len + n > DL_TOKEN_MAX_BYTES)
	{
		t->full = true;
		return;
	}
	memcpy(t->cur + t->cur_len, buf, n);
	t->cur_len += n;
}

static bool
is_ascii_digit(uint32_t c)
{
	return c >= '0' && c <= '9';
}

dl_status
dl_tokenize(const dl_text_options *o, const char *text, size_t len,
			dl_token_emit emit_fn, void *arg)
{
	const unsigned char *s = (const unsigned char *) text;
	size_t		i = 0,
				next_check = INTERRUPT_BYTES;
	tokenizer  *t;
	tokenizer	storage;
	uint32_t	prev = 0;

	/* several kB: on the stack of the caller's frame, zeroed only where read */
	t = &storage;
	t->o = o;
	t->emit = emit_fn;
	t->arg = arg;
	t->stopped = false;
	t->kind = DL_CH_OTHER;
	t->cur_len = 0;
	t->full = false;
	t->run = 0;
	t->nbase = 0;

	while (i < len && !t->stopped)
	{
		size_t		at = i;
		int32_t		c = utf8_next(s, len, &i);
		int			k;

		if (c < 0)
			return dl_error(DL_ETEXT, "invalid UTF-8 at byte %zu of a document", at);
		if (i >= next_check)
		{
			dl_check_interrupts();
			next_check = i + INTERRUPT_BYTES;
		}
		k = char_class((uint32_t) c);
		/* CJK runs are words of the char tokenizer */
		if (k == DL_CH_NOSPACE && o->tokenizer == DL_TOKENIZER_CHAR)
		{
			if (t->kind != DL_CH_NOSPACE)
			{
				flush(t);
				t->kind = DL_CH_NOSPACE;
			}
			append(t, (uint32_t) c);
			prev = (uint32_t) c;
			continue;
		}
		switch (k)
		{
			case DL_CH_WORD:
				if (t->kind != DL_CH_WORD)
				{
					flush(t);
					t->kind = DL_CH_WORD;
				}
				append(t, (uint32_t) c);
				break;
			case DL_CH_MARK:
				if (t->kind != DL_CH_OTHER)
					append(t, (uint32_t) c);
				break;
			case DL_CH_NOSPACE:
				if (t->kind != DL_CH_NOSPACE)
				{
					flush(t);
					t->run++;
				}
				else
					flush(t);
				t->kind = DL_CH_NOSPACE;
				append(t, (uint32_t) c);
				break;
			case DL_CH_SYMBOL:
				flush(t);
				t->kind = DL_CH_SYMBOL;
				append(t, (uint32_t) c);
				break;
			default:
				if (t->kind == DL_CH_WORD && i < len)
				{
					size_t		j = i;
					int32_t		d = utf8_next(s, len, &j);

					/* don't, l'été; 3.14, 1,000 */
					if ((c == '\'' || c == 0x2019) && d >= 0 &&
						char_class((uint32_t) d) == DL_CH_WORD && !is_ascii_digit((uint32_t) d) &&
						!is_ascii_digit(prev))
					{
						append(t, '\'');
						break;
					}
					if ((c == '.' || c == ',') && is_ascii_digit(prev) && d >= 0 &&
						is_ascii_digit((uint32_t) d))
					{
						append(t, (uint32_t) c);
						break;
					}
				}
				flush(t);
				break;
		}
		prev = (uint32_t) c;
	}
	if (!t->stopped)
		flush(t);
	return DL_OK;
}
