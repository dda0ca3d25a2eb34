/*-------------------------------------------------------------------------
 *
 * names.h
 *	  The spellings a user may type for a name pgdl knows (Keras and
 *	  PyTorch aliases, names in another case), and the nearest accepted
 *	  name for one it does not know ("did you mean ...?").
 *
 * An alias is accepted where the meaning is the same and is replaced by the
 * canonical name at once: specs, stored options and model_info only ever
 * hold canonical names.  The tables are in names.c, so that the README's
 * list of aliases has one place to be checked against.
 *
 * src/core/names.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_NAMES_H
#define PGDL_NAMES_H

#include "pgdl_core.h"

typedef struct dl_alias
{
	const char *alias;
	const char *canonical;
} dl_alias;

/* layer types: compared loosely (case and '_' ignored): Dense, MaxPooling2D, max_pooling2d */
extern const dl_alias dl_layer_type_aliases[];
extern const int dl_n_layer_type_aliases;

/* layer keys: kernel_size, pool_size, strides, ... (exact) */
extern const dl_alias dl_layer_key_aliases[];
extern const int dl_n_layer_key_aliases;

/* train_model's option keys (exact) and option values (case ignored) */
extern const dl_alias dl_option_key_aliases[];
extern const int dl_n_option_key_aliases;
extern const dl_alias dl_option_value_aliases[];
extern const int dl_n_option_value_aliases;

/*
 * a (len bytes, maybe not NUL-terminated) equals the C string b, ignoring
 * ASCII case, and with loose also every '_'.
 */
extern bool dl_name_equal(const char *a, size_t len, const char *b, bool loose);

/* the canonical name of an alias in t (compared as dl_name_equal), or NULL */
extern const char *dl_alias_lookup(const dl_alias *t, int n, const char *s, size_t len,
								   bool loose);

/*
 * The nearest of the names offered to dl_suggest_offer, by edit distance
 * (Damerau's: a swap of two neighbours counts one) ignoring case; none when
 * even the nearest needs more than a third of the given name's letters
 * changed (at least 2 edits allowed), so a hint is only given when it is
 * likely what was meant.
 */
typedef struct dl_suggest
{
	const char *given;
	size_t		len;
	const char *best;			/* NULL: none near enough */
	int			distance;
} dl_suggest;

extern void dl_suggest_init(dl_suggest *s, const char *given, size_t len);
extern void dl_suggest_offer(dl_suggest *s, const char *name);
/* name compared, shown suggested (an alias compared, its canonical name shown) */
extern void dl_suggest_offer_as(dl_suggest *s, const char *name, const char *shown);
/* "Did you mean \"name\"?" in buf, or NULL when there is nothing to suggest */
extern const char *dl_suggest_hint(const dl_suggest *s, char *buf, size_t size);

#endif							/* PGDL_NAMES_H */
