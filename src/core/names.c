/*-------------------------------------------------------------------------
 *
 * names.c
 *	  Aliases of the names pgdl knows, and the nearest accepted name for an
 *	  unknown one (names.h).
 *
 * The aliases are the spellings Keras and PyTorch users type for the same
 * thing; only those whose meaning is the same are here (Keras'
 * BatchNormalization "momentum" weighs the other way, so the key is not
 * renamed for it, and it is pgdl's own momentum anyway).  The suggestion
 * is Damerau-Levenshtein's optimal string alignment distance, with case
 * ignored, over names of at most NAME_MAX_SUGGEST bytes.
 *
 * src/core/names.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <string.h>

#include "names.h"

#define LENGTH(a) ((int) (sizeof(a) / sizeof((a)[0])))

/* longer names get no suggestion (the distance table is on the stack) */
#define NAME_MAX_SUGGEST 64

const dl_alias dl_layer_type_aliases[] = {
	/* Keras */
	{"maxpooling1d", "maxpool1d"},
	{"maxpooling2d", "maxpool2d"},
	{"averagepooling2d", "avgpool2d"},
	{"globalaveragepooling1d", "global_avgpool"},
	{"globalaveragepooling2d", "global_avgpool"},
	{"batchnormalization", "batchnorm"},
	{"layernormalization", "layernorm"},
	{"multiheadattention", "attention"},
	/* PyTorch */
	{"linear", "dense"},
	{"batchnorm1d", "batchnorm"},
	{"batchnorm2d", "batchnorm"},
	{"transformerencoderlayer", "transformer_encoder"}
};
const int	dl_n_layer_type_aliases = LENGTH(dl_layer_type_aliases);

const dl_alias dl_layer_key_aliases[] = {
	{"kernel_size", "kernel"},
	{"pool_size", "pool"},
	{"strides", "stride"},
	{"dilation_rate", "dilation"},
	{"num_heads", "heads"}
};
const int	dl_n_layer_key_aliases = LENGTH(dl_layer_key_aliases);

const dl_alias dl_option_key_aliases[] = {
	{"validation_split", "validation_fraction"}
};
const int	dl_n_option_key_aliases = LENGTH(dl_option_key_aliases);

const dl_alias dl_option_value_aliases[] = {
	{"binary_crossentropy", "binary_cross_entropy"},
	{"categorical_crossentropy", "cross_entropy"},
	{"sparse_categorical_crossentropy", "cross_entropy"},
	{"mean_squared_error", "mse"},
	{"mean_absolute_error", "mae"},
	{"huber_loss", "huber"}
};
const int	dl_n_option_value_aliases = LENGTH(dl_option_value_aliases);

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

bool
dl_name_equal(const char *a, size_t len, const char *b, bool loose)
{
	size_t		i = 0;

	for (;;)
	{
		if (loose)
		{
			while (i < len && a[i] == '_')
				i++;
			while (*b == '_')
				b++;
		}
		if (i == len || *b == '\0')
			return i == len && *b == '\0';
		if (lower((unsigned char) a[i]) != lower((unsigned char) *b))
			return false;
		i++;
		b++;
	}
}

const char *
dl_alias_lookup(const dl_alias *t, int n, const char *s, size_t len, bool loose)
{
	for (int i = 0; i < n; i++)
		if (dl_name_equal(s, len, t[i].alias, loose))
			return t[i].canonical;
	return NULL;
}

void
dl_suggest_init(dl_suggest *s, const char *given, size_t len)
{
	s->given = given;
	s->len = len;
	s->best = NULL;
	s->distance = 0;
}

/* the optimal string alignment distance, case ignored */
static int
distance(const char *a, size_t la, const char *b, size_t lb)
{
	int			rows[3][NAME_MAX_SUGGEST + 1];
	int		   *prev2 = rows[0],
			   *prev = rows[1],
			   *cur = rows[2];

	for (size_t j = 0; j <= lb; j++)
		prev[j] = (int) j;
	for (size_t i = 1; i <= la; i++)
	{
		int		   *t;

		cur[0] = (int) i;
		for (size_t j = 1; j <= lb; j++)
		{
			int			ca = lower((unsigned char) a[i - 1]);
			int			cb = lower((unsigned char) b[j - 1]);
			int			d = prev[j - 1] + (ca != cb);

			if (prev[j] + 1 < d)
				d = prev[j] + 1;
			if (cur[j - 1] + 1 < d)
				d = cur[j - 1] + 1;
			if (i > 1 && j > 1 && ca == lower((unsigned char) b[j - 2]) &&
				lower((unsigned char) a[i - 2]) == cb && prev2[j - 2] + 1 < d)
				d = prev2[j - 2] + 1;
			cur[j] = d;
		}
		t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

void
dl_suggest_offer(dl_suggest *s, const char *name)
{
	dl_suggest_offer_as(s, name, name);
}

void
dl_suggest_offer_as(dl_suggest *s, const char *name, const char *shown)
{
	size_t		ln = strlen(name);
	int			limit = (int) (s->len / 3);
	int			d;

	if (s->len == 0 || s->len > NAME_MAX_SUGGEST || ln > NAME_MAX_SUGGEST)
		return;
	if (limit < 2)
		limit = 2;
	d = distance(s->given, s->len, name, ln);
	/* 0: the name in another case, where case matters (a key) */
	if (d > limit || d >= (int) s->len)
		return;
	if (s->best == NULL || d < s->distance)
	{
		s->best = shown;
		s->distance = d;
	}
}

const char *
dl_suggest_hint(const dl_suggest *s, char *buf, size_t size)
{
	if (s->best == NULL)
		return NULL;
	snprintf(buf, size, "Did you mean \"%s\"?", s->best);
	return buf;
}
