/*-------------------------------------------------------------------------
 *
 * sketch.c
 *	  Mergeable quantile sketch: exact up to DL_SKETCH_EXACT values, then a
 *	  deterministic compactor hierarchy with a documented rank-error bound.
 *
 * Levels.  Level 0 holds raw values (weight 1), up to E = DL_SKETCH_EXACT =
 * 10000 of them, in arrival order.  Level h >= 1 holds up to K = DL_SKETCH_K
 * = 4096 items of weight 2^h, kept sorted.  n = sum(count[h] * 2^h) exactly.
 * Until a value leaves level 0 the sketch holds every value and quantiles
 * are those of percentile_cont, bit for bit.
 *
 * Compaction.  A sorted run of 2m items of weight w at level h is cut into
 * pairs (0,1), (2,3), ...; one item of each pair (the first or the second,
 * as the level's parity bit says, flipped at each compaction so successive
 * errors cancel rather than add up) goes to level h+1 with weight 2w.  For
 * any x the weight of the items <= x changes by at most w: only a pair that
 * straddles x changes its contribution, and at most one does.  This is the
 * deterministic compactor of Manku, Rajagopalan and Lindsay (SIGMOD 1998),
 * i.e. the KLL sketch (Karnin, Lang and Liberty, FOCS 2016) without its coin.
 *
 * When.  On an add that finds level 0 full, level 0 is sorted and its lowest
 * 2K items are compacted into K items at level 1; the other E - 2K = 1808
 * stay.  Promoting K rather than E/2 = 5000 is what keeps every cascade
 * within room: a level h >= 1 holding c <= K items that receives <= K sorted
 * items merges them, and if that makes more than K it compacts them all
 * (an odd one out, the largest, stays), promoting <= K.  So the top level
 * receives at most K items and never compacts: it only has to be empty
 * before an add that compacts, and once an add has put items there,
 * dl_sketch_grow_bytes asks for one more level before the next add (an add
 * that would need it anyway is refused, the sketch intact).  A merge
 * combines level by level (into's items, from's items and what the level
 * below promoted) and compacts a level entirely when it exceeds its
 * capacity, once per level.  Promotions there can exceed K, so the room a
 * merge needs depends on both sketches' counts; compaction sizes depend on
 * counts alone, so dl_sketch_merge_bytes simulates them.  No weight is
 * ever dropped, so n stays exact, and min and max are tracked apart.
 *
 * Bound.  A level-0 compaction consumes >= 2K items of weight 1 (8192 on an
 * add, > E in a merge) and moves any rank by <= 1; a level-h compaction
 * consumes > K items less at most one leftover, i.e. >= K 2^h of weight, and
 * moves any rank by <= 2^h.  At most n weight ever reaches a level, and only
 * the levels below the highest non-empty one, T, have compacted.  So for
 * every x the sketch's count of values <= x (or < x) is within
 *
 *		err = n / (2K) + (T - 1) n / K	= n/8192 + (T - 1) n/4096
 *
 * of the truth (err = 0 while T = 0: exact), and a quantile's answer v, an
 * item whose cumulative-weight interval holds p = q (n - 1), occupies sorted
 * positions that meet [floor(p) - err, ceil(p) + err].  Level T-1 compacted,
 * so K 2^(T-1) <= n and T - 1 <= log2(n / K): err <= 0.18% of n at 10^6
 * values, 0.43% at 10^9, below 0.5% for every n < 2^32.
 *
 * Memory.  A fresh sketch is small: 248 bytes of header and room for 16
 * values at level 0, doubled whenever it fills (dl_sketch_grow_bytes; at
 * most twice what the values need) up to 8192; the next step gives level 0
 * all E slots and level 1 its K.  From then on a sketch of H levels takes
 * dl_sketch_size(H) = 248 + (E + (H-1) K) * 8 bytes, H <= T + 2 <= 3 +
 * log2(n/K): 113 KB up to 10001 values, 145 KB up to 18193, then 32 KB more
 * per doubling of n: <= 375 KB at 10^6 values (342 KB in the tests), <= 703
 * KB at 10^9.  A query sorts level 0 and merges the (sorted) levels once:
 * O(S log S + S H) time and about 2S doubles of scratch, S <= E + (H-1) K
 * items.  An add is an append; every 8192 adds it sorts level 0 (a radix
 * sort, sort.c) and merges sorted runs up the levels: amortized O(1).
 *
 * Format (the block is position-independent and is stored as it is): the
 * dl_sketch header (magic "LSK" + format version, nlevels, parity, n,
 * n_nan, min, max, count[48], cap0, reserved), then cap0 slots for level 0
 * and, when cap0 = E, K slots for each level 1 .. nlevels-1.  Slots past a
 * level's count are zero or stale.  dl_sketch_validate lists the rules a
 * block from outside must meet.
 *
 * src/core/sketch.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "pgdl_core.h"

/*
 * "LSK" in the high bytes, the format version in the low byte, so a newer
 * format can be told apart from garbage.
 */
#define SKETCH_MAGIC_BASE 0x4B534C00u
#define SKETCH_VERSION 1u
#define SKETCH_MAGIC (SKETCH_MAGIC_BASE | SKETCH_VERSION)

#define E_CAP ((uint32_t) DL_SKETCH_EXACT)
#define K_CAP ((uint32_t) DL_SKETCH_K)
/* an add compacts this many of level 0's items, promoting K */
#define ADD_RUN (2 * K_CAP)
/* level 0's room in a fresh sketch; small sizes are its powers of two < E */
#define SMALL_CAP 16u

/* largest integer a double counts exactly: the limit of n and n_nan */
#define MAX_EXACT_COUNT 9007199254740992.0

_Static_assert(sizeof(dl_sketch) % sizeof(double) == 0,
			   "sketch items must start 8-byte aligned");
_Static_assert(DL_SKETCH_EXACT >= 2 * DL_SKETCH_K,
			   "level 0 must hold the 2K-item run an add compacts");
_Static_assert(DL_SKETCH_MAX_LEVELS <= 64, "parity has one bit per level");

/* a small sketch has no room above level 0 */
static inline uint32_t
level_capacity(const dl_sketch *s, uint32_t h)
{
	if (h == 0)
		return s->cap0;
	return s->cap0 < E_CAP ? 0 : K_CAP;
}

/* only a full-size sketch (cap0 = E) has room above level 0 */
static inline double *
level_items(dl_sketch *s, uint32_t h)
{
	double	   *items = (double *) ((char *) s + sizeof(dl_sketch));

	return h == 0 ? items : items + s->cap0 + (size_t) (h - 1) * K_CAP;
}

static inline const double *
level_items_const(const dl_sketch *s, uint32_t h)
{
	return level_items((dl_sketch *) s, h);
}

static inline bool
is_small_cap(uint32_t cap)
{
	return cap >= SMALL_CAP && cap < E_CAP && (cap & (cap - 1)) == 0;
}

/* bytes of a sketch whose level 0 has room for cap0 and that has nlevels */
static size_t
geometry_bytes(uint32_t cap0, uint32_t nlevels)
{
	if (cap0 < E_CAP)
		return sizeof(dl_sketch) + (size_t) cap0 * sizeof(double);
	return dl_sketch_size(nlevels);
}

/* the smallest level-0 room that holds c values */
static uint32_t
cap_for(uint64_t c)
{
	uint32_t	cap = SMALL_CAP;

	while (cap < c && cap < E_CAP)
		cap *= 2;
	return cap < E_CAP ? cap : E_CAP;
}

/* highest level holding items, or -1 for an empty sketch */
static int
highest_level(const dl_sketch *s)
{
	for (int h = (int) s->nlevels - 1; h >= 0; h--)
		if (s->count[h] != 0)
			return h;
	return -1;
}

/*
 * dst[0 .. na + nb) = sorted a and b merged; dst overlaps neither.
 *
 * The runs interleave unpredictably, so the loops select without branching
 * on the comparison (a mispredicted branch per item would cost more than
 * the rest), and the first min(na, nb) steps merge from both ends at once:
 * two independent chains of load, compare and advance instead of one.  In
 * those steps neither end can run out of either run, and the two ends fill
 * disjoint parts of dst; ties go to a at the front and to b at the back,
 * as a merge that puts a's items first would place them.
 */
static void
merge_sorted(double *dst, const double *a, size_t na, const double *b, size_t nb)
{
	size_t		ia = 0,
				ib = 0;			/* front: next unread */
	size_t		ea = na,
				eb = nb;		/* back: one past the last unread */
	size_t		lo = 0,
				hi = na + nb;	/* dst[lo .. hi) still to fill */
	size_t		steps = na < nb ? na : nb;

	for (size_t i = 0; i < steps; i++)
	{
		double		x = a[ia];
		double		y = b[ib];
		size_t		take_b = y < x;
		double		u = a[ea - 1];
		double		v = b[eb - 1];
		size_t		take_a = u > v;

		dst[lo++] = take_b ? y : x;
		ib += take_b;
		ia += take_b ^ 1;
		dst[--hi] = take_a ? u : v;
		ea -= take_a;
		eb -= take_a ^ 1;
	}

	/* what is left between the two ends */
	while (ia < ea && ib < eb)
	{
		double		x = a[ia];
		double		y = b[ib];
		size_t		take_b = y < x;

		dst[lo++] = take_b ? y : x;
		ib += take_b;
		ia += take_b ^ 1;
	}
	while (ia < ea)
		dst[lo++] = a[ia++];
	while (ib < eb)
		dst[lo++] = b[ib++];
}

/* merges sorted b into sorted a[0 .. na), which has room for na + nb */
static void
merge_into(double *a, size_t na, const double *b, size_t nb)
{
	double	   *out = a + na + nb;
	const double *ap = a + na;
	const double *bp = b + nb;

	/* from the top down, so a's items move only into slots already read */
	while (ap > a && bp > b)
	{
		double		x = ap[-1];
		double		y = bp[-1];
		size_t		take_a = x > y;

		*--out = take_a ? x : y;
		ap -= take_a;
		bp -= take_a ^ 1;
	}
	while (bp > b)
		*--out = *--bp;
}

/*
 * Compacts all m sorted items in run at level h: the largest stays at level
 * h if m is odd, one item of each pair moves to run[0 .. m/2).  Returns m/2.
 */
static uint32_t
compact_run(dl_sketch *s, uint32_t h, double *run, uint32_t m)
{
	uint32_t	bit = (uint32_t) (s->parity >> h) & 1;
	uint32_t	half = m / 2;

	if (m & 1)
	{
		level_items(s, h)[0] = run[m - 1];
		s->count[h] = 1;
	}
	else
		s->count[h] = 0;
	/* run[i] never overwrites an item not yet read: 2i + bit >= i */
	for (uint32_t i = 0; i < half; i++)
		run[i] = run[2 * i + bit];
	s->parity ^= UINT64_C(1) << h;
	return half;
}

/*
 * Settles cc sorted items promoted to level h on an add, compacting upwards
 * as needed.  carry and tmp have room for 2K items each.  Each level receives
 * at most K items, so the top level (empty on entry) never compacts.
 */
static dl_status
cascade_add(dl_sketch *s, uint32_t h, double *carry, uint32_t cc, double *tmp)
{
	while (cc > 0)
	{
		double	   *items;
		uint32_t	c;
		uint32_t	m;
		double	   *t;

		if (h >= s->nlevels)
			return dl_error(DL_EINTERNAL, "quantile sketch ran out of levels");
		items = level_items(s, h);
		c = s->count[h];
		m = c + cc;
		if (m <= K_CAP)
		{
			merge_into(items, c, carry, cc);
			s->count[h] = m;
			return DL_OK;
		}
		merge_sorted(tmp, items, c, carry, cc);
		cc = compact_run(s, h, tmp, m);
		t = carry;
		carry = tmp;
		tmp = t;
		h++;
	}
	return DL_OK;
}

/* level 0 (full size) is full and a value is arriving: make room */
static dl_status
compact_level0_for_add(dl_sketch *s)
{
	double	   *l0 = level_items(s, 0);
	double	   *scratch;
	double	   *carry;
	uint32_t	sp;
	uint32_t	bit;
	dl_status	status;

	/*
	 * Checked before anything changes, so a caller that skipped the grow
	 * gets an error and an intact sketch.
	 */
	if (s->count[s->nlevels - 1] != 0)
	{
		if (s->nlevels >= DL_SKETCH_MAX_LEVELS)
			return dl_error(DL_ELIMIT, "quantile sketch has reached %d levels",
							DL_SKETCH_MAX_LEVELS);
		return dl_error(DL_EINTERNAL,
						"quantile sketch must grow before more values are added");
	}

	/* two buffers of 2K for the cascade */
	scratch = dl_alloc((size_t) (4 * K_CAP) * sizeof(double));
	carry = scratch + 2 * K_CAP;

	/*
	 * A sorted stream stays sorted (what the last compaction kept is below
	 * what arrives); otherwise one radix sort of all of it is cheaper than
	 * sorting the new part and merging in the kept part.
	 */
	for (sp = 1; sp < E_CAP && !(l0[sp] < l0[sp - 1]); sp++)
		;
	if (sp < E_CAP)
		dl_sort_doubles(l0, E_CAP);

	bit = (uint32_t) s->parity & 1;
	for (uint32_t i = 0; i < K_CAP; i++)
		carry[i] = l0[2 * i + bit];
	s->parity ^= 1;
	memmove(l0, l0 + ADD_RUN, (E_CAP - ADD_RUN) * sizeof(double));
	s->count[0] = E_CAP - ADD_RUN;

	status = cascade_add(s, 1, carry, K_CAP, scratch);
	dl_free(scratch);
	return status;
}

size_t
dl_sketch_size(uint32_t nlevels)
{
	if (nlevels < 2 || nlevels > DL_SKETCH_MAX_LEVELS)
		return 0;
	return sizeof(dl_sketch) +
		((size_t) E_CAP + (size_t) (nlevels - 1) * K_CAP) * sizeof(double);
}

size_t
dl_sketch_init_bytes(void)
{
	return geometry_bytes(SMALL_CAP, 2);
}

size_t
dl_sketch_bytes(const dl_sketch *s)
{
	return geometry_bytes(s->cap0, s->nlevels);
}

void
dl_sketch_init(dl_sketch *s)
{
	/* zeroed whole, so a stored sketch never carries uninitialized bytes */
	memset(s, 0, dl_sketch_init_bytes());
	s->magic = SKETCH_MAGIC;
	s->nlevels = 2;
	s->cap0 = SMALL_CAP;
	s->min = INFINITY;
	s->max = -INFINITY;
}

dl_status
dl_sketch_add(dl_sketch *s, double x)
{
	uint32_t	c;

	/* counts past 2^53 would not be exact (and would not validate) */
	if (s->n + s->n_nan >= MAX_EXACT_COUNT)
		return dl_error(DL_ELIMIT, "quantile sketch holds 2^53 values, its limit");
	if (isnan(x))
	{
		s->n_nan += 1.0;
		return DL_OK;
	}
	c = s->count[0];
	if (c >= s->cap0)
	{
		dl_status	status;

		if (s->cap0 < E_CAP)
			return dl_error(DL_EINTERNAL,
							"quantile sketch must grow before more values are added");
		status = compact_level0_for_add(s);
		if (status != DL_OK)
			return status;
		c = s->count[0];
	}
	level_items(s, 0)[c] = x;
	s->count[0] = c + 1;
	s->n += 1.0;
	if (x < s->min)
		s->min = x;
	if (x > s->max)
		s->max = x;
	return DL_OK;
}

size_t
dl_sketch_grow_bytes(const dl_sketch *s)
{
	if (s->cap0 < E_CAP)
	{
		if (s->count[0] < s->cap0)
			return 0;
		return geometry_bytes(cap_for((uint64_t) s->cap0 + 1), 2);
	}
	/* at the level limit, the next compaction reports DL_ELIMIT */
	if (s->count[s->nlevels - 1] != 0 && s->nlevels < DL_SKETCH_MAX_LEVELS)
		return dl_sketch_size(s->nlevels + 1);
	return 0;
}

bool
dl_sketch_needs_grow(const dl_sketch *s)
{
	return dl_sketch_grow_bytes(s) != 0;
}

/*
 * Copies s into dst, laid out for level-0 room cap0 and nlevels levels, at
 * least s's own.  Levels keep their items; everything else is zeroed, so
 * no uninitialized (or stale) bytes ride along into a stored value.
 */
static void
move_to(dl_sketch *dst, const dl_sketch *s, uint32_t cap0, uint32_t nlevels)
{
	size_t		bytes = geometry_bytes(cap0, nlevels);

	memset(dst, 0, bytes);
	memcpy(dst, s, sizeof(dl_sketch));
	dst->cap0 = cap0;
	dst->nlevels = nlevels;
	for (uint32_t h = 0; h < s->nlevels; h++)
		if (s->count[h] > 0)
			memcpy(level_items(dst, h), level_items_const(s, h),
				   (size_t) s->count[h] * sizeof(double));
}

void
dl_sketch_grow(dl_sketch *dst, const dl_sketch *s, uint32_t nlevels)
{
	/* a small sketch may also become a full-size one of as many levels */
	if (nlevels > DL_SKETCH_MAX_LEVELS ||
		(s->cap0 < E_CAP ? nlevels < s->nlevels : nlevels <= s->nlevels))
	{
		dl_error(DL_EINTERNAL, "cannot grow a quantile sketch from %u to %u levels",
				 (unsigned) s->nlevels, (unsigned) nlevels);
		return;
	}
	move_to(dst, s, E_CAP, nlevels);
}

void
dl_sketch_move(dl_sketch *dst, const dl_sketch *s, size_t bytes)
{
	size_t		slots;
	uint32_t	cap0 = 0;
	uint32_t	nlevels = 0;

	/* which layout has this size: small (2^j slots) or full (E + (H-1) K) */
	if (bytes >= sizeof(dl_sketch) && (bytes - sizeof(dl_sketch)) % sizeof(double) == 0)
	{
		slots = (bytes - sizeof(dl_sketch)) / sizeof(double);
		if (slots < E_CAP && is_small_cap((uint32_t) slots))
		{
			cap0 = (uint32_t) slots;
			nlevels = 2;
		}
		else if (slots >= (size_t) E_CAP + K_CAP && (slots - E_CAP) % K_CAP == 0 &&
				 (slots - E_CAP) / K_CAP < DL_SKETCH_MAX_LEVELS)
		{
			cap0 = E_CAP;
			nlevels = (uint32_t) ((slots - E_CAP) / K_CAP) + 1;
		}
	}
	if (cap0 == 0 || cap0 < s->cap0 || nlevels < s->nlevels || cap0 < s->count[0])
	{
		dl_error(DL_EINTERNAL, "cannot move a quantile sketch of %zu bytes into %zu bytes",
				 dl_sketch_bytes(s), bytes);
		return;
	}
	move_to(dst, s, cap0, nlevels);
}

/*
 * The layout dl_sketch_merge(into, from) needs: counts alone decide every
 * compaction, so simulate them (this mirrors the loops of the merge).
 */
static void
merge_geometry(const dl_sketch *into, const dl_sketch *from,
			   uint32_t *cap0, uint32_t *nlevels)
{
	uint32_t	nl = into->nlevels > from->nlevels ? into->nlevels : from->nlevels;
	uint64_t	carry = 0;
	int			highest = -1;

	for (uint32_t h = 0; h < nl || carry > 0; h++)
	{
		uint64_t	m = carry;
		uint64_t	keep;

		if (h < into->nlevels)
			m += into->count[h];
		if (h < from->nlevels)
			m += from->count[h];
		if (m <= (h == 0 ? E_CAP : K_CAP))
		{
			keep = m;
			carry = 0;
		}
		else
		{
			keep = m & 1;
			carry = m >> 1;
		}
		if (keep > 0)
			highest = (int) h;
	}

	if (highest <= 0)
	{
		/* still exact: level 0 needs room for both, nothing else */
		*cap0 = cap_for((uint64_t) into->count[0] + from->count[0]);
		if (*cap0 < into->cap0)
			*cap0 = into->cap0;
		*nlevels = into->nlevels;
	}
	else
	{
		/* the highest level with items, and an empty one above it */
		*cap0 = E_CAP;
		*nlevels = (uint32_t) highest + 2;
		if (*nlevels < into->nlevels)
			*nlevels = into->nlevels;
	}
}

size_t
dl_sketch_merge_bytes(const dl_sketch *into, const dl_sketch *from)
{
	uint32_t	cap0;
	uint32_t	nlevels;

	merge_geometry(into, from, &cap0, &nlevels);
	/* 0 past the level limit: the merge itself then reports DL_ELIMIT */
	return geometry_bytes(cap0, nlevels);
}

dl_status
dl_sketch_merge(dl_sketch *into, const dl_sketch *from)
{
	/* a copy of from's header: into and from may be the same sketch */
	dl_sketch	f = *from;
	uint32_t	need_cap0;
	uint32_t	need_levels;
	double	   *buf;
	double	   *carry = NULL;
	double	   *work = NULL;
	uint32_t	cc = 0;
	uint32_t	a0 = into->count[0];
	uint32_t	b0 = f.count[0];

	merge_geometry(into, from, &need_cap0, &need_levels);
	if (need_levels > DL_SKETCH_MAX_LEVELS)
		return dl_error(DL_ELIMIT, "merged quantile sketch would need more than %d levels",
						DL_SKETCH_MAX_LEVELS);
	/* counts past 2^53 would not be exact (and would not validate) */
	if (f.n > MAX_EXACT_COUNT - into->n || f.n_nan > MAX_EXACT_COUNT - into->n_nan)
		return dl_error(DL_ELIMIT, "merged quantile sketch would count more than %.0f values",
						MAX_EXACT_COUNT);
	if (into->cap0 < need_cap0 || into->nlevels < need_levels)
		return dl_error(DL_EINTERNAL, "quantile sketch must move to %zu bytes before a merge",
						geometry_bytes(need_cap0, need_levels));

	/* level 0: values in arrival order, so append, or sort and compact */
	if (a0 + b0 <= into->cap0)
	{
		memcpy(level_items(into, 0) + a0, level_items_const(from, 0),
			   (size_t) b0 * sizeof(double));
		into->count[0] = a0 + b0;
		buf = NULL;
	}
	else
	{
		/*
		 * Full size from here on.  A level receives at most 2E items (level
		 * 0) or 2K plus a carry of at most E, so two buffers of 2E hold
		 * every step.
		 */
		buf = dl_alloc((size_t) 4 * E_CAP * sizeof(double));
		carry = buf;
		work = buf + 2 * E_CAP;
		memcpy(carry, level_items(into, 0), (size_t) a0 * sizeof(double));
		memcpy(carry + a0, level_items_const(from, 0), (size_t) b0 * sizeof(double));
		dl_sort_doubles(carry, a0 + b0);
		cc = compact_run(into, 0, carry, a0 + b0);
	}

	/* levels >= 1: into's, from's and the carry, three sorted runs */
	for (uint32_t h = 1; h < f.nlevels || cc > 0; h++)
	{
		uint32_t	b = h < f.nlevels ? f.count[h] : 0;
		uint32_t	a = into->count[h];
		double	   *items;
		uint32_t	m = a + b + cc;

		if (b == 0 && cc == 0)
			continue;
		if (buf == NULL)
		{
			buf = dl_alloc((size_t) 4 * E_CAP * sizeof(double));
			carry = buf;
			work = buf + 2 * E_CAP;
		}
		items = level_items(into, h);
		merge_sorted(work, carry, cc, b > 0 ? level_items_const(from, h) : NULL, b);
		if (m <= K_CAP)
		{
			merge_into(items, a, work, (size_t) cc + b);
			into->count[h] = m;
			cc = 0;
		}
		else
		{
			merge_sorted(carry, items, a, work, (size_t) cc + b);
			cc = compact_run(into, h, carry, m);
		}
	}
	dl_free(buf);

	into->n += f.n;
	into->n_nan += f.n_nan;
	if (f.min < into->min)
		into->min = f.min;
	if (f.max > into->max)
		into->max = f.max;
	return DL_OK;
}

double
dl_sketch_count(const dl_sketch *s)
{
	return s->n + s->n_nan;
}

bool
dl_sketch_is_exact(const dl_sketch *s)
{
	/* compaction always leaves items above level 0, and they never vanish */
	return highest_level(s) <= 0;
}

double
dl_sketch_rank_error_bound(const dl_sketch *s)
{
	int			top = highest_level(s);

	if (top <= 0)
		return 0.0;
	return s->n / (2.0 * K_CAP) + (double) (top - 1) * (s->n / K_CAP);
}

/*
 * percentile_cont's interpolation, written as PostgreSQL's float8_lerp.  The
 * product is rounded on its own: -std=gnu11 with -march=native would let the
 * compiler fuse it into an FMA and the result could differ from the
 * server's in the last bit.
 */
static double
lerp(double lo, double hi, double pct)
{
	volatile double prod = pct * (hi - lo);

	return lo + prod;
}

/* every value is held: percentile_cont over the sorted values, NaN last */
static void
exact_quantiles(const dl_sketch *s, const double *q, int nq, double *out)
{
	uint32_t	n = s->count[0];
	double		total = s->n + s->n_nan;
	double	   *v = dl_alloc((size_t) n * sizeof(double));

	memcpy(v, level_items_const(s, 0), (size_t) n * sizeof(double));
	dl_sort_doubles(v, n);
	for (int i = 0; i < nq; i++)
	{
		double		pos = q[i] * (total - 1);
		double		first = floor(pos);
		double		second = ceil(pos);
		double		lo = first < n ? v[(size_t) first] : NAN;
		double		hi;

		if (first == second)
		{
			out[i] = lo;
			continue;
		}
		hi = second < n ? v[(size_t) second] : NAN;
		out[i] = lerp(lo, hi, pos - first);
	}
	dl_free(v);
}

size_t
dl_sketch_nitems(const dl_sketch *s)
{
	size_t		total = 0;

	for (uint32_t h = 0; h < s->nlevels; h++)
		total += s->count[h];
	return total;
}

/*
 * Every item of every level merged in value order, with its weight 2^h:
 * vals and weights have room for dl_sketch_nitems(s) each.  Level 0 is in
 * arrival order, so it is sorted in a copy; the other levels are sorted
 * already, and there are few of them, so a linear scan finds the smallest
 * head of the k-way merge.
 */
void
dl_sketch_sorted_items(const dl_sketch *s, double *vals, double *weights)
{
	uint32_t	nl = s->nlevels;
	size_t		total_items = dl_sketch_nitems(s);
	double	   *l0 = dl_alloc(((size_t) s->count[0] + 1) * sizeof(double));
	const double *lv[DL_SKETCH_MAX_LEVELS];
	uint32_t	pos[DL_SKETCH_MAX_LEVELS];
	double		weight[DL_SKETCH_MAX_LEVELS];

	memcpy(l0, level_items_const(s, 0), (size_t) s->count[0] * sizeof(double));
	dl_sort_doubles(l0, s->count[0]);
	for (uint32_t h = 0; h < nl; h++)
	{
		lv[h] = h == 0 ? l0 : level_items_const(s, h);
		pos[h] = 0;
		weight[h] = ldexp(1.0, (int) h);
	}
	for (size_t k = 0; k < total_items; k++)
	{
		int			best = -1;
		double		bestv = 0;

		for (uint32_t h = 0; h < nl; h++)
		{
			if (pos[h] < s->count[h] && (best < 0 || lv[h][pos[h]] < bestv))
			{
				best = (int) h;
				bestv = lv[h][pos[h]];
			}
		}
		pos[best]++;
		vals[k] = bestv;
		weights[k] = weight[best];
	}
	dl_free(l0);
}

/*
 * Weighted items in value order with their cumulative weights; the answer
 * for position p is the first item whose cumulative weight exceeds p.
 */
static void
sketch_quantiles(const dl_sketch *s, const double *q, int nq, double *out)
{
	size_t		total_items = dl_sketch_nitems(s);
	double	   *vals = dl_alloc(2 * total_items * sizeof(double));
	double	   *cum = vals + total_items;
	double		running = 0;
	double		n = s->n;
	double		total = s->n + s->n_nan;

	dl_sketch_sorted_items(s, vals, cum);
	for (size_t k = 0; k < total_items; k++)
	{
		running += cum[k];
		cum[k] = running;
	}

	for (int i = 0; i < nq; i++)
	{
		double		p = q[i] * (total - 1);
		size_t		lo = 0,
					hi = total_items - 1;

		/* positions n and up are NaN; interpolating toward one gives NaN */
		if (ceil(p) > n - 1)
			out[i] = NAN;
		else if (p <= 0)
			out[i] = s->min;
		else if (p >= n - 1)
			out[i] = s->max;
		else
		{
			/* first k with cum[k] > p; cum[last] = n > p */
			while (lo < hi)
			{
				size_t		mid = lo + (hi - lo) / 2;

				if (cum[mid] > p)
					hi = mid;
				else
					lo = mid + 1;
			}
			out[i] = vals[lo];
		}
	}
	dl_free(vals);
}

dl_status
dl_sketch_quantiles(const dl_sketch *s, const double *q, int nq, double *out)
{
	if (nq < 0)
		return dl_error(DL_EINVAL, "number of quantiles must not be negative");
	for (int i = 0; i < nq; i++)
		if (!(q[i] >= 0.0 && q[i] <= 1.0))
			return dl_error(DL_EINVAL, "quantile %g is not between 0 and 1", q[i]);
	if (nq == 0)
		return DL_OK;
	if (!(s->n + s->n_nan > 0))
		return dl_error(DL_EINVAL, "quantile of an empty sketch");

	if (s->n == 0)
	{
		/* only NaN values: every position holds NaN */
		for (int i = 0; i < nq; i++)
			out[i] = NAN;
	}
	else if (dl_sketch_is_exact(s))
		exact_quantiles(s, q, nq, out);
	else
		sketch_quantiles(s, q, nq, out);
	return DL_OK;
}

/* a count stored as a double: a non-negative integer a double holds exactly */
static bool
valid_count(double x)
{
	return x >= 0 && x <= MAX_EXACT_COUNT && x == floor(x);
}

/* the header fields that fix the block's size; *bytes gets that size */
static dl_status
check_layout(const dl_sketch *s, size_t *bytes, dl_detail *why)
{
	uint32_t	version = s->magic & 0xFFu;

	if ((s->magic & ~0xFFu) != SKETCH_MAGIC_BASE || version == 0)
		return dl_detail_set(why, DL_EFORMAT, "not a quantile sketch (bad magic number)");
	if (version > SKETCH_VERSION)
		return dl_detail_set(why, DL_EVERSION,
							 "quantile sketch format version %u is newer than this pgdl reads (%u)",
							 (unsigned) version, SKETCH_VERSION);
	if (s->nlevels < 2 || s->nlevels > DL_SKETCH_MAX_LEVELS)
		return dl_detail_set(why, DL_EFORMAT, "quantile sketch has %u levels", (unsigned) s->nlevels);
	if (!(s->cap0 == E_CAP || (is_small_cap(s->cap0) && s->nlevels == 2)) ||
		s->reserved != 0)
		return dl_detail_set(why, DL_EFORMAT, "quantile sketch has an invalid layout");
	*bytes = dl_sketch_bytes(s);
	return DL_OK;
}

dl_status
dl_sketch_check(const dl_sketch *s, size_t nbytes, dl_detail *why)
{
	uint64_t	weight = 0;
	size_t		bytes = 0;
	dl_status	status;
	int			top;

	if (nbytes < sizeof(dl_sketch))
		return dl_detail_set(why, DL_EFORMAT, "quantile sketch is truncated: %zu bytes", nbytes);
	if ((status = check_layout(s, &bytes, why)) != DL_OK)
		return status;
	if (nbytes != bytes)
		return dl_detail_set(why, DL_EFORMAT, "quantile sketch has %zu bytes, its header says %zu",
							 nbytes, bytes);
	if (!valid_count(s->n) || !valid_count(s->n_nan))
		return dl_detail_set(why, DL_EFORMAT, "quantile sketch has invalid counts");

	/* count <= E < 2^14 and h < 48: the weighted sum stays below 2^62 */
	for (uint32_t h = 0; h < DL_SKETCH_MAX_LEVELS; h++)
	{
		uint32_t	c = s->count[h];

		if (h >= s->nlevels ? c != 0 : c > level_capacity(s, h))
			return dl_detail_set(why, DL_EFORMAT, "quantile sketch level %u holds %u items",
								 (unsigned) h, (unsigned) c);
		weight += (uint64_t) c << h;
	}
	/* n is an integer below 2^53 here, so the conversion is exact */
	if ((uint64_t) s->n != weight)
		return dl_detail_set(why, DL_EFORMAT, "quantile sketch's items do not add up to its count");

	/* a level has compacted only if a higher one holds items */
	top = highest_level(s);
	if (top < 0 ? s->parity != 0 : (s->parity >> top) != 0)
		return dl_detail_set(why, DL_EFORMAT,
							 "quantile sketch has parity bits for levels that never compacted");

	if (s->n > 0 ? !(s->min <= s->max) : !(s->min == INFINITY && s->max == -INFINITY))
		return dl_detail_set(why, DL_EFORMAT, "quantile sketch has an invalid minimum or maximum");

	/* items: numbers within [min, max] (so no NaN); levels >= 1 sorted */
	for (int h = 0; h <= top; h++)
	{
		const double *items = level_items_const(s, (uint32_t) h);

		for (uint32_t i = 0; i < s->count[h]; i++)
		{
			if (!(items[i] >= s->min && items[i] <= s->max))
				return dl_detail_set(why, DL_EFORMAT, "quantile sketch holds an invalid item");
			if (h > 0 && i > 0 && items[i] < items[i - 1])
				return dl_detail_set(why, DL_EFORMAT, "quantile sketch level %d is not sorted", h);
		}
	}

	/* an exact sketch holds every value: its minimum and maximum among them */
	if (top == 0)
	{
		const double *items = level_items_const(s, 0);
		bool		has_min = false,
					has_max = false;

		for (uint32_t i = 0; i < s->count[0]; i++)
		{
			has_min |= items[i] == s->min;
			has_max |= items[i] == s->max;
		}
		if (!has_min || !has_max)
			return dl_detail_set(why, DL_EFORMAT,
								 "quantile sketch holds every value but not its minimum or maximum");
	}
	return DL_OK;
}

dl_status
dl_sketch_check_block(const dl_sketch *s, size_t avail, size_t *bytes, dl_detail *why)
{
	size_t		claimed = 0;
	dl_status	status;

	if (avail < sizeof(dl_sketch))
		return dl_detail_set(why, DL_EFORMAT, "quantile sketch is truncated: %zu bytes", avail);
	if ((status = check_layout(s, &claimed, why)) != DL_OK)
		return status;
	if (claimed > avail)
		return dl_detail_set(why, DL_EFORMAT, "quantile sketch of %zu bytes has only %zu",
							 claimed, avail);
	if ((status = dl_sketch_check(s, claimed, why)) != DL_OK)
		return status;
	*bytes = claimed;
	return DL_OK;
}

dl_status
dl_sketch_validate(const dl_sketch *s, size_t nbytes)
{
	dl_detail	why;
	dl_status	status = dl_sketch_check(s, nbytes, &why);

	return status == DL_OK ? DL_OK : dl_error(status, "%s", why.text);
}

dl_status
dl_sketch_validate_block(const dl_sketch *s, size_t avail, size_t *bytes)
{
	dl_detail	why;
	dl_status	status = dl_sketch_check_block(s, avail, bytes, &why);

	return status == DL_OK ? DL_OK : dl_error(status, "%s", why.text);
}
