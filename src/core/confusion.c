/*-------------------------------------------------------------------------
 *
 * confusion.c
 *	  Confusion tables: row counts per (actual, predicted) label pair, in one
 *	  flat block that grows by doubling (the state of classification_metrics,
 *	  and the table pgdl.evaluate and cross_validate count a model's rows in).
 *
 * Layout (see pgdl_core.h): header, label entries, label hash slots, pair
 * counts, pair keys, pair hash slots, label text.  Lookups are open
 * addressing with linear probing over twice as many slots as the capacity,
 * so a probe always ends at an empty slot.  Labels are compared byte for
 * byte (text equality under a deterministic collation).
 *
 * Why one block rather than pointers: the block is the aggregate's state,
 * which PostgreSQL copies between memory contexts and ships, as bytes, to
 * the leader of a parallel query or (as text) between Citus nodes.  Keeping
 * the hash slots inside it costs 16 bytes per label and 8 per pair but means
 * a row is counted in place without rebuilding an index per call.
 *
 * Rules a block from outside must meet (dl_confusion_validate):
 *	- magic "CNF" with a known version; reserved zero;
 *	- capacities powers of two within their bounds, the size exactly theirs;
 *	- counts within capacities and limits; labels back to back in the text
 *	  (offset of label i = the lengths before it; text_used their sum);
 *	- every label found by a lookup at its own index (so labels are
 *	  distinct) and as many occupied label slots as labels; the same for
 *	  pairs, whose keys are label indexes;
 *	- pair counts whole numbers >= 1 adding up to n <= 2^53; every label in
 *	  some pair;
 *	- every byte past what is used zero.
 * These make every lookup terminate and every index in range, and make the
 * metrics of any accepted block those of some real set of rows.
 *
 * A table its caller keeps to itself (dl_confusion_add_label/_add_pair:
 * pgdl.evaluate registers a model's labels before any row) is never
 * validated: its labels need not be in a pair, and only the 32-bit indexes
 * bound it, since a model with a thousand classes can meet more than the
 * stored table's 100,000 pairs.
 *
 * src/core/confusion.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "pgdl_core.h"

#define CONFUSION_MAGIC_BASE 0x464E4300u	/* "CNF" in the high bytes */
#define CONFUSION_VERSION 1u
#define CONFUSION_MAGIC (CONFUSION_MAGIC_BASE | CONFUSION_VERSION)

#define MIN_CAP 8u
#define MIN_TEXT_CAP 64u
/* a new pair brings at most two labels */
#define MAX_LABEL_CAP (1u << 18)
#define MAX_PAIR_CAP (1u << 17)
#define MAX_TEXT_CAP ((uint32_t) DL_CONFUSION_MAX_TEXT)
#define MAX_COUNT 9007199254740992.0
#define NONE DL_CONFUSION_NONE
/* a table its caller keeps (dl_confusion_add_label/_pair): 32-bit indexes */
#define LOCAL_MAX_ENTRIES (1u << 30)
#define LOCAL_MAX_TEXT ((size_t) 1 << 31)

_Static_assert(sizeof(dl_confusion) % 8 == 0, "sections must start 8-byte aligned");
_Static_assert(MAX_PAIR_CAP >= DL_CONFUSION_MAX_PAIRS, "pair capacity bound");
_Static_assert(MAX_LABEL_CAP >= 2 * DL_CONFUSION_MAX_PAIRS, "label capacity bound");

typedef struct label_entry
{
	uint32_t	offset;
	uint32_t	len;
} label_entry;

typedef struct pair_key
{
	uint32_t	actual;
	uint32_t	predicted;
} pair_key;

/* pointers to the sections of a block */
typedef struct sections
{
	label_entry *labels;
	uint32_t   *label_slots;
	double	   *counts;
	pair_key   *keys;
	uint32_t   *pair_slots;
	char	   *text;
} sections;

static void
bind_caps(sections *sec, char *base, uint32_t label_cap, uint32_t pair_cap)
{
	char	   *p = base + sizeof(dl_confusion);

	sec->labels = (label_entry *) p;
	p += (size_t) label_cap * sizeof(label_entry);
	sec->label_slots = (uint32_t *) p;
	p += (size_t) 2 * label_cap * sizeof(uint32_t);
	sec->counts = (double *) p;
	p += (size_t) pair_cap * sizeof(double);
	sec->keys = (pair_key *) p;
	p += (size_t) pair_cap * sizeof(pair_key);
	sec->pair_slots = (uint32_t *) p;
	p += (size_t) 2 * pair_cap * sizeof(uint32_t);
	sec->text = p;
}

static void
bind(sections *sec, const dl_confusion *c)
{
	bind_caps(sec, (char *) c, c->label_cap, c->pair_cap);
}

size_t
dl_confusion_caps_bytes(const dl_confusion_caps *caps)
{
	return sizeof(dl_confusion) + (size_t) caps->label_cap * 16 +
		(size_t) caps->pair_cap * 24 + caps->text_cap;
}

size_t
dl_confusion_init_bytes(void)
{
	dl_confusion_caps caps = {MIN_CAP, MIN_CAP, MIN_TEXT_CAP};

	return dl_confusion_caps_bytes(&caps);
}

void
dl_confusion_init(dl_confusion *c)
{
	memset(c, 0, dl_confusion_init_bytes());
	c->magic = CONFUSION_MAGIC;
	c->label_cap = MIN_CAP;
	c->pair_cap = MIN_CAP;
	c->text_cap = MIN_TEXT_CAP;
}

size_t
dl_confusion_bytes(const dl_confusion *c)
{
	dl_confusion_caps caps = {c->label_cap, c->pair_cap, c->text_cap};

	return dl_confusion_caps_bytes(&caps);
}

/* MurmurHash3's finalizer: spreads every input bit over the slot index */
static inline uint32_t
fmix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static uint32_t
hash_label(const char *s, uint32_t len)
{
	uint32_t	h = 2166136261u ^ len;

	for (uint32_t i = 0; i < len; i++)
	{
		h ^= (unsigned char) s[i];
		h *= 16777619u;
	}
	return fmix32(h);
}

static inline uint32_t
hash_pair(uint32_t a, uint32_t p)
{
	return fmix32(a * 0x9E3779B1u ^ fmix32(p + 0x7F4A7C15u));
}

/*
 * The index of the label s, or NONE with *slot the empty slot where it
 * would go.
 */
static uint32_t
find_label(const dl_confusion *c, const sections *sec, const char *s, uint32_t len,
		   uint32_t *slot)
{
	uint32_t	mask = 2 * c->label_cap - 1;
	uint32_t	i = hash_label(s, len) & mask;

	for (;; i = (i + 1) & mask)
	{
		uint32_t	v = sec->label_slots[i];
		const label_entry *e;

		if (v == 0)
		{
			*slot = i;
			return NONE;
		}
		e = &sec->labels[v - 1];
		if (e->len == len && memcmp(sec->text + e->offset, s, len) == 0)
		{
			*slot = i;
			return v - 1;
		}
	}
}

static uint32_t
find_pair(const dl_confusion *c, const sections *sec, uint32_t a, uint32_t p, uint32_t *slot)
{
	uint32_t	mask = 2 * c->pair_cap - 1;
	uint32_t	i = hash_pair(a, p) & mask;

	for (;; i = (i + 1) & mask)
	{
		uint32_t	v = sec->pair_slots[i];

		if (v == 0)
		{
			*slot = i;
			return NONE;
		}
		if (sec->keys[v - 1].actual == a && sec->keys[v - 1].predicted == p)
		{
			*slot = i;
			return v - 1;
		}
	}
}

/* appends a label known to be new; the caller checked the room */
static uint32_t
insert_label(dl_confusion *c, const sections *sec, const char *s, uint32_t len)
{
	uint32_t	slot;
	uint32_t	i = c->nlabels;

	(void) find_label(c, sec, s, len, &slot);
	sec->labels[i].offset = c->text_used;
	sec->labels[i].len = len;
	if (len > 0)
		memcpy(sec->text + c->text_used, s, len);
	c->text_used += len;
	sec->label_slots[slot] = i + 1;
	c->nlabels++;
	return i;
}

static void
insert_pair(dl_confusion *c, const sections *sec, uint32_t a, uint32_t p, double count)
{
	uint32_t	slot;
	uint32_t	i = c->npairs;

	(void) find_pair(c, sec, a, p, &slot);
	sec->keys[i].actual = a;
	sec->keys[i].predicted = p;
	sec->counts[i] = count;
	sec->pair_slots[slot] = i + 1;
	c->npairs++;
}

/*
 * Checks the limits for a table that gets new_labels labels, new_pairs pairs
 * and new_text bytes more (a stored table's, or with local those of one
 * its caller keeps), and sets *grow to the capacities it needs when this
 * block has not the room (grow->label_cap = 0 when it has).
 */
static dl_status
check_room(const dl_confusion *c, uint32_t new_labels, uint32_t new_pairs, size_t new_text,
		   bool local, dl_confusion_caps *grow)
{
	size_t		labels = (size_t) c->nlabels + new_labels;
	size_t		pairs = (size_t) c->npairs + new_pairs;
	size_t		text = (size_t) c->text_used + new_text;

	grow->label_cap = 0;
	if (local)
	{
		if (labels > LOCAL_MAX_ENTRIES || pairs > LOCAL_MAX_ENTRIES || text > LOCAL_MAX_TEXT)
			return dl_error(DL_ELIMIT, "a confusion table holds at most 2^30 labels and pairs and 2 GB of label text");
	}
	else if (pairs > DL_CONFUSION_MAX_PAIRS)
		return dl_error(DL_ELIMIT, "more than %d distinct (actual, predicted) label pairs",
						DL_CONFUSION_MAX_PAIRS);
	else if (text > DL_CONFUSION_MAX_TEXT)
		return dl_error(DL_ELIMIT, "distinct labels longer than %d bytes in all",
						DL_CONFUSION_MAX_TEXT);
	if (labels <= c->label_cap && pairs <= c->pair_cap && text <= c->text_cap)
		return DL_OK;
	grow->label_cap = c->label_cap;
	grow->pair_cap = c->pair_cap;
	grow->text_cap = c->text_cap;
	while (grow->label_cap < labels)
		grow->label_cap *= 2;
	while (grow->pair_cap < pairs)
		grow->pair_cap *= 2;
	while (grow->text_cap < text)
		grow->text_cap *= 2;
	return DL_OK;
}

dl_status
dl_confusion_add(dl_confusion *c, const char *a, uint32_t alen, const char *p, uint32_t plen,
				 double count, dl_confusion_caps *grow)
{
	sections	sec;
	uint32_t	aslot,
				pslot,
				ia,
				ip;
	uint32_t	new_labels = 0;
	size_t		new_text = 0;
	bool		same = alen == plen && memcmp(a, p, alen) == 0;

	grow->label_cap = 0;
	bind(&sec, c);
	if (c->n + count > MAX_COUNT)
		return dl_error(DL_ELIMIT, "more than 2^53 rows counted");
	ia = find_label(c, &sec, a, alen, &aslot);
	ip = same ? ia : find_label(c, &sec, p, plen, &pslot);
	if (ia != NONE && ip != NONE)
	{
		uint32_t	slot;
		uint32_t	k = find_pair(c, &sec, ia, ip, &slot);

		if (k != NONE)
		{
			/* the common case: a pair seen before */
			sec.counts[k] += count;
			c->n += count;
			return DL_OK;
		}
	}
	if (ia == NONE)
	{
		new_labels++;
		new_text += alen;
	}
	if (ip == NONE && !same)
	{
		new_labels++;
		new_text += plen;
	}
	if (check_room(c, new_labels, 1, new_text, false, grow) != DL_OK)
		return DL_ELIMIT;
	if (grow->label_cap != 0)
		return DL_OK;
	if (ia == NONE)
		ia = insert_label(c, &sec, a, alen);
	if (same)
		ip = ia;
	else if (ip == NONE)
		ip = insert_label(c, &sec, p, plen);
	insert_pair(c, &sec, ia, ip, count);
	c->n += count;
	return DL_OK;
}

uint32_t
dl_confusion_find_label(const dl_confusion *c, const char *s, uint32_t len)
{
	sections	sec;
	uint32_t	slot;

	bind(&sec, c);
	return find_label(c, &sec, s, len, &slot);
}

dl_status
dl_confusion_add_label(dl_confusion *c, const char *s, uint32_t len, uint32_t *index,
					   dl_confusion_caps *grow)
{
	sections	sec;
	uint32_t	slot;

	grow->label_cap = 0;
	bind(&sec, c);
	*index = find_label(c, &sec, s, len, &slot);
	if (*index != NONE)
		return DL_OK;
	if (check_room(c, 1, 0, len, true, grow) != DL_OK)
		return DL_ELIMIT;
	if (grow->label_cap == 0)
		*index = insert_label(c, &sec, s, len);
	return DL_OK;
}

dl_status
dl_confusion_add_pair(dl_confusion *c, uint32_t actual, uint32_t predicted, double count,
					  dl_confusion_caps *grow)
{
	sections	sec;
	uint32_t	slot,
				k;

	grow->label_cap = 0;
	if (actual >= c->nlabels || predicted >= c->nlabels)
		return dl_error(DL_EINTERNAL, "confusion table: label %u or %u does not exist", actual, predicted);
	if (c->n + count > MAX_COUNT)
		return dl_error(DL_ELIMIT, "more than 2^53 rows counted");
	bind(&sec, c);
	k = find_pair(c, &sec, actual, predicted, &slot);
	if (k != NONE)
		sec.counts[k] += count;
	else
	{
		if (check_room(c, 0, 1, 0, true, grow) != DL_OK)
			return DL_ELIMIT;
		if (grow->label_cap != 0)
			return DL_OK;
		insert_pair(c, &sec, actual, predicted, count);
	}
	c->n += count;
	return DL_OK;
}

double
dl_confusion_count(const dl_confusion *c, uint32_t actual, uint32_t predicted)
{
	sections	sec;
	uint32_t	slot,
				k;

	bind(&sec, c);
	k = find_pair(c, &sec, actual, predicted, &slot);
	return k == NONE ? 0.0 : sec.counts[k];
}

void
dl_confusion_move(dl_confusion *dst, const dl_confusion *c, const dl_confusion_caps *caps)
{
	sections	from,
				to;

	bind(&from, c);
	*dst = *c;
	dst->label_cap = caps->label_cap;
	dst->pair_cap = caps->pair_cap;
	dst->text_cap = caps->text_cap;
	dst->nlabels = 0;
	dst->npairs = 0;
	dst->text_used = 0;
	bind(&to, dst);
	/* re-inserted in index order: indexes and text stay as they were */
	for (uint32_t i = 0; i < c->nlabels; i++)
		insert_label(dst, &to, from.text + from.labels[i].offset, from.labels[i].len);
	for (uint32_t i = 0; i < c->npairs; i++)
	{
		if ((i & 0xFFFF) == 0xFFFF)
			dl_check_interrupts();
		insert_pair(dst, &to, from.keys[i].actual, from.keys[i].predicted, from.counts[i]);
	}
}

dl_status
dl_confusion_merge(dl_confusion *into, const dl_confusion *from, dl_confusion_caps *grow)
{
	sections	a,
				b;
	uint32_t   *map;
	uint32_t	new_labels = 0,
				new_pairs = 0;
	size_t		new_text = 0;
	dl_status	st;

	grow->label_cap = 0;
	if (from->nlabels == 0)
		return DL_OK;
	if (into->n + from->n > MAX_COUNT)
		return dl_error(DL_ELIMIT, "more than 2^53 rows counted");
	bind(&a, into);
	bind(&b, from);
	map = dl_alloc((size_t) from->nlabels * sizeof(uint32_t));

	/* first what is new, for the limits and the room */
	for (uint32_t i = 0; i < from->nlabels; i++)
	{
		uint32_t	slot;

		map[i] = find_label(into, &a, b.text + b.labels[i].offset, b.labels[i].len, &slot);
		if (map[i] == NONE)
		{
			new_labels++;
			new_text += b.labels[i].len;
		}
	}
	for (uint32_t i = 0; i < from->npairs; i++)
	{
		uint32_t	slot,
					ka = map[b.keys[i].actual],
					kp = map[b.keys[i].predicted];

		/* a pair with a new label is new; from's pairs are distinct */
		if (ka == NONE || kp == NONE || find_pair(into, &a, ka, kp, &slot) == NONE)
			new_pairs++;
	}
	st = check_room(into, new_labels, new_pairs, new_text, false, grow);
	if (st != DL_OK || grow->label_cap != 0)
	{
		dl_free(map);
		return st;
	}

	for (uint32_t i = 0; i < from->nlabels; i++)
		if (map[i] == NONE)
			map[i] = insert_label(into, &a, b.text + b.labels[i].offset, b.labels[i].len);
	for (uint32_t i = 0; i < from->npairs; i++)
	{
		uint32_t	slot,
					ka = map[b.keys[i].actual],
					kp = map[b.keys[i].predicted];
		uint32_t	k = find_pair(into, &a, ka, kp, &slot);

		if ((i & 0xFFFF) == 0xFFFF)
			dl_check_interrupts();
		if (k == NONE)
			insert_pair(into, &a, ka, kp, b.counts[i]);
		else
			a.counts[k] += b.counts[i];
	}
	into->n += from->n;
	dl_free(map);
	return DL_OK;
}

const char *
dl_confusion_label(const dl_confusion *c, uint32_t i, uint32_t *len)
{
	sections	sec;

	bind(&sec, c);
	*len = sec.labels[i].len;
	return sec.text + sec.labels[i].offset;
}

void
dl_confusion_pair(const dl_confusion *c, uint32_t i, uint32_t *actual, uint32_t *predicted,
				  double *count)
{
	sections	sec;

	bind(&sec, c);
	*actual = sec.keys[i].actual;
	*predicted = sec.keys[i].predicted;
	*count = sec.counts[i];
}

static bool
is_pow2_in(uint32_t x, uint32_t lo, uint32_t hi)
{
	return x >= lo && x <= hi && (x & (x - 1)) == 0;
}

static bool
all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

static dl_status
invalid(const char *what)
{
	return dl_error(DL_EFORMAT, "invalid confusion table: %s", what);
}

/* occupied slots, each in range: how many, or NONE for one out of range */
static uint32_t
count_slots(const uint32_t *slots, uint32_t nslots, uint32_t n)
{
	uint32_t	used = 0;

	for (uint32_t i = 0; i < nslots; i++)
	{
		if (slots[i] > n)
			return NONE;
		used += slots[i] != 0;
	}
	return used;
}

dl_status
dl_confusion_validate(const dl_confusion *c, size_t nbytes)
{
	sections	sec;
	uint32_t	offset = 0;
	double		total = 0;
	unsigned char *seen;

	if (nbytes < sizeof(dl_confusion))
		return invalid("shorter than its header");
	if ((c->magic & 0xFFFFFF00u) != CONFUSION_MAGIC_BASE)
		return invalid("the magic number does not match");
	if ((c->magic & 0xFFu) > CONFUSION_VERSION)
		return dl_error(DL_EVERSION, "confusion table format %u is newer than this pgdl understands (%u)",
						c->magic & 0xFFu, CONFUSION_VERSION);
	if (c->magic != CONFUSION_MAGIC)
		return invalid("unknown format version");
	if (c->reserved != 0)
		return invalid("reserved bits are set");
	if (!is_pow2_in(c->label_cap, MIN_CAP, MAX_LABEL_CAP) ||
		!is_pow2_in(c->pair_cap, MIN_CAP, MAX_PAIR_CAP) ||
		!is_pow2_in(c->text_cap, MIN_TEXT_CAP, MAX_TEXT_CAP))
		return invalid("a capacity is out of range");
	if (nbytes != dl_confusion_bytes(c))
		return invalid("the size does not match the capacities");
	if (c->nlabels > c->label_cap || c->npairs > c->pair_cap ||
		c->npairs > DL_CONFUSION_MAX_PAIRS || c->text_used > c->text_cap)
		return invalid("a count exceeds its capacity");
	if (!(c->n >= 0 && c->n <= MAX_COUNT && c->n == floor(c->n)))
		return invalid("the row count is not a count");
	if ((c->nlabels == 0) != (c->npairs == 0))
		return invalid("labels without pairs or pairs without labels");
	bind(&sec, c);

	/* labels back to back, then nothing */
	for (uint32_t i = 0; i < c->nlabels; i++)
	{
		if (sec.labels[i].offset != offset || sec.labels[i].len > c->text_used - offset)
			return invalid("the labels are not laid out back to back");
		offset += sec.labels[i].len;
	}
	if (offset != c->text_used)
		return invalid("the label text has bytes no label owns");
	if (!all_zero(sec.labels + c->nlabels, (size_t) (c->label_cap - c->nlabels) * sizeof(label_entry)) ||
		!all_zero(sec.text + c->text_used, c->text_cap - c->text_used) ||
		!all_zero(sec.counts + c->npairs, (size_t) (c->pair_cap - c->npairs) * sizeof(double)) ||
		!all_zero(sec.keys + c->npairs, (size_t) (c->pair_cap - c->npairs) * sizeof(pair_key)))
		return invalid("unused space is not zero");

	/* slots: in range and one per entry; each entry found where it is */
	if (count_slots(sec.label_slots, 2 * c->label_cap, c->nlabels) != c->nlabels)
		return invalid("the label index does not match the labels");
	for (uint32_t i = 0; i < c->nlabels; i++)
	{
		uint32_t	slot;

		if (find_label(c, &sec, sec.text + sec.labels[i].offset, sec.labels[i].len, &slot) != i)
			return invalid("a label is repeated or not in the index");
	}
	for (uint32_t i = 0; i < c->npairs; i++)
		if (sec.keys[i].actual >= c->nlabels || sec.keys[i].predicted >= c->nlabels)
			return invalid("a pair names a label that does not exist");
	if (count_slots(sec.pair_slots, 2 * c->pair_cap, c->npairs) != c->npairs)
		return invalid("the pair index does not match the pairs");
	seen = dl_alloc((size_t) c->nlabels + 1);
	memset(seen, 0, (size_t) c->nlabels + 1);
	for (uint32_t i = 0; i < c->npairs; i++)
	{
		uint32_t	slot;
		double		k = sec.counts[i];

		if (find_pair(c, &sec, sec.keys[i].actual, sec.keys[i].predicted, &slot) != i ||
			!(k >= 1 && k <= MAX_COUNT && k == floor(k)))
		{
			dl_free(seen);
			return invalid("a pair is repeated, not in the index or has no count");
		}
		total += k;
		if (total > MAX_COUNT)
		{
			dl_free(seen);
			return invalid("the pair counts add up to more than 2^53");
		}
		seen[sec.keys[i].actual] = seen[sec.keys[i].predicted] = 1;
	}
	for (uint32_t i = 0; i < c->nlabels; i++)
		if (!seen[i])
		{
			dl_free(seen);
			return invalid("a label is in no pair");
		}
	dl_free(seen);
	if (total != c->n)
		return invalid("the pair counts do not add up to the row count");
	return DL_OK;
}
