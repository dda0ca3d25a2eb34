/*-------------------------------------------------------------------------
 *
 * fuzz_sketch.c
 *	  libFuzzer harness for quantile sketch blocks from outside
 *	  (dl_sketch_validate_block), as pgdl.sketch and pgdl.aggstate values
 *	  arrive.
 *
 * Each input is copied into an exact-size heap block (malloc's alignment,
 * so 8-byte aligned as a varlena's payload is), so ASan catches a read past
 * its end.  Beyond "no crash", the harness checks the properties the glue
 * relies on, and traps when one breaks:
 *
 *	- a failure comes with exactly one error report, carrying the returned
 *	  status (DL_EFORMAT, or DL_EVERSION for a newer format) and a message;
 *	- a success reports nothing, and the size it returns is within the
 *	  input and is dl_sketch_bytes() of the sketch;
 *	- quantiles at q = 0, 0.001, 0.25, 0.5, 0.75, 0.999, 1 succeed when the
 *	  sketch holds values (and fail with one DL_EINVAL report when it is
 *	  empty).  An exact sketch answers what percentile_cont does, checked
 *	  against a reference here; there, as in PostgreSQL, infinities (or a
 *	  difference of two values that overflows) can interpolate to NaN or
 *	  Inf.  Otherwise the answers lie within [min, max], are NaN only when
 *	  the sketch counted NaN values, and are nondecreasing in q, NaN last;
 *	- the rank-error bound is finite and >= 0;
 *	- merging it into a fresh sketch (moved first into
 *	  dl_sketch_merge_bytes() bytes), into and from a sketch of 13003 other
 *	  values, into a copy of itself, and a copy into itself (into == from)
 *	  succeeds; each result validates and counts the sum of the counts,
 *	  and merging into the empty sketch changes no quantile.  A merge that
 *	  would need more than DL_SKETCH_MAX_LEVELS levels
 *	  (dl_sketch_merge_bytes() = 0; items that high up pass validation) or
 *	  count more than 2^53 values or NaNs (no longer exact in a double)
 *	  must instead be refused with one DL_ELIMIT report, the sketch intact.
 *
 * The work per input is bounded by its size: a valid block is at most the
 * input, and every step is (near) linear in its items.
 *
 * Fuzzing (clang; link every core source, $(CORE_SRCS) in the Makefile,
 * or just run make fuzz):
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc/core \
 *		test/fuzz/fuzz_sketch.c $(CORE_SRCS) -lm -o fuzz_sketch
 *	./fuzz_sketch -max_total_time=180 NEW_DIR test/fuzz/corpus/sketch
 *
 * With -DPGDL_FUZZ_REPLAY it builds without libFuzzer (gcc is fine) into a
 * replayer whose main() feeds every file, or every file in each directory,
 * named on the command line, so the corpus runs under ASan in make test.
 *
 * test/fuzz/fuzz_sketch.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgdl_core.h"

#define FUZZ_NAME "fuzz_sketch"
#include "fuzz_common.h"

/* counts are doubles: a merge must refuse to count past 2^53 */
#define LIMIT_COUNT 9007199254740992.0

#define NQ 7
static const double qs[NQ] = {0, 0.001, 0.25, 0.5, 0.75, 0.999, 1};


/* traps unless the call just made reported exactly one error, of st */
static void
expect_one_error(dl_status st, dl_status want)
{
	if (st != want || n_errors != 1 || last_status != st || last_message_len == 0)
		__builtin_trap();
}

/* bit-identical, or both NaN */
static int
same_bits(double a, double b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	return memcmp(&a, &b, sizeof(double)) == 0;
}

/* equal (so -0 = 0: sorts may order the two zeros either way), or both NaN */
static int
same_value(double a, double b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	return a == b;
}

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

/* PostgreSQL's float8_lerp, with the product rounded apart (no FMA) */
static double
ref_lerp(double lo, double hi, double pct)
{
	volatile double prod = pct * (hi - lo);

	return lo + prod;
}

/*
 * percentile_cont over the values of an exact sketch (level 0 holds all n
 * of them, in arrival order) followed by n_nan NaNs.
 */
static void
ref_exact(const dl_sketch *s, double *out)
{
	size_t		n = s->count[0];
	double		total = s->n + s->n_nan;
	double	   *v = malloc(n ? n * sizeof(double) : 1);

	if (!v)
		abort();
	memcpy(v, (const char *) s + sizeof(dl_sketch), n * sizeof(double));
	qsort(v, n, sizeof(double), cmp_double);
	for (int i = 0; i < NQ; i++)
	{
		double		pos = qs[i] * (total - 1);
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
		out[i] = ref_lerp(lo, hi, pos - first);
	}
	free(v);
}

/* the quantile properties of a valid sketch; out gets the answers */
static void
check_quantiles(const dl_sketch *s, double *out)
{
	dl_status	st;
	double		bound;

	n_errors = 0;
	bound = dl_sketch_rank_error_bound(s);
	if (!(isfinite(bound) && bound >= 0) || n_errors != 0)
		__builtin_trap();

	st = dl_sketch_quantiles(s, qs, NQ, out);
	if (!(dl_sketch_count(s) > 0))
	{
		expect_one_error(st, DL_EINVAL);
		n_errors = 0;
		return;
	}
	if (st != DL_OK || n_errors != 0)
		__builtin_trap();

	/*
	 * An exact sketch is percentile_cont: with infinite values, or values so
	 * far apart that their difference overflows, PostgreSQL interpolates to
	 * NaN or Inf too, so only there the order properties are not promised.
	 */
	if (s->n > 0 && dl_sketch_is_exact(s))
	{
		double		ref[NQ];

		ref_exact(s, ref);
		for (int i = 0; i < NQ; i++)
			if (!same_value(out[i], ref[i]))
				__builtin_trap();
		if (!isfinite(s->max - s->min))
			return;
	}

	for (int i = 0; i < NQ; i++)
	{
		if (isnan(out[i]))
		{
			if (!(s->n_nan > 0))
				__builtin_trap();
		}
		else if (!(out[i] >= s->min && out[i] <= s->max))
			__builtin_trap();
		/* nondecreasing, NaN last */
		if (i > 0 && isnan(out[i - 1]) && !isnan(out[i]))
			__builtin_trap();
		if (i > 0 && !isnan(out[i]) && !isnan(out[i - 1]) && out[i] < out[i - 1])
			__builtin_trap();
	}
}

/* a valid result of a merge, in a block of bytes, holding count values */
static void
check_merged(const dl_sketch *m, size_t bytes, double n, double n_nan)
{
	size_t		got = 0;

	n_errors = 0;
	if (dl_sketch_validate_block(m, bytes, &got) != DL_OK || n_errors != 0 ||
		got != bytes || dl_sketch_bytes(m) != bytes)
		__builtin_trap();
	if (m->n != n || m->n_nan != n_nan || dl_sketch_count(m) != n + n_nan)
		__builtin_trap();
}

/* the refused merge of from into c (c == from if from_self): c intact */
static void
expect_refused(dl_sketch *c, size_t bytes, const dl_sketch *from, int from_self)
{
	dl_sketch  *before = malloc(bytes);

	if (!before)
		abort();
	memcpy(before, c, bytes);
	n_errors = 0;
	expect_one_error(dl_sketch_merge(c, from_self ? c : from), DL_ELIMIT);
	if (memcmp(c, before, bytes) != 0)
		__builtin_trap();
	free(before);
	n_errors = 0;
}

/*
 * Merges from into a copy of into (moved into dl_sketch_merge_bytes()
 * bytes), or, if from_self, the copy into itself.  Returns the result (to
 * free) and its size in *bytes, or NULL when the merge is refused, as it
 * must be, for needing too many levels or counting more values than a
 * double holds exactly (2^53).
 */
static dl_sketch *
merge_copy(const dl_sketch *into, const dl_sketch *from, int from_self, size_t *bytes)
{
	size_t		need;
	size_t		into_bytes = dl_sketch_bytes(into);
	const dl_sketch *f = from_self ? into : from;
	int			too_many = f->n > LIMIT_COUNT - into->n ||
		f->n_nan > LIMIT_COUNT - into->n_nan;
	dl_sketch  *m;
	dl_status	st;

	n_errors = 0;
	need = dl_sketch_merge_bytes(into, f);
	if (n_errors != 0)
		__builtin_trap();
	if (need == 0)
	{
		/* refused before anything changes */
		dl_sketch  *c = malloc(into_bytes);

		if (!c)
			abort();
		memcpy(c, into, into_bytes);
		expect_refused(c, into_bytes, from, from_self);
		free(c);
		return NULL;
	}
	if (need < into_bytes)
		__builtin_trap();
	m = malloc(need);
	if (!m)
		abort();
	dl_sketch_move(m, into, need);
	if (n_errors != 0)
		__builtin_trap();
	if (too_many)
	{
		expect_refused(m, need, from, from_self);
		free(m);
		return NULL;
	}
	st = dl_sketch_merge(m, from_self ? m : from);
	if (st != DL_OK || n_errors != 0)
		__builtin_trap();
	*bytes = need;
	return m;
}

/* adds x to *s the way the glue does: grow first if the sketch says so */
static void
grow_add(dl_sketch **s, double x)
{
	size_t		need = dl_sketch_grow_bytes(*s);

	if (need != 0)
	{
		dl_sketch  *g = malloc(need);

		if (!g)
			abort();
		dl_sketch_move(g, *s, need);
		free(*s);
		*s = g;
	}
	if (dl_sketch_add(*s, x) != DL_OK)
		__builtin_trap();
}

static double
next_value(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	/* a few hundred distinct values, so ties too */
	return (double) (int64_t) (*x % 601) - 300.0;
}

/*
 * A sketch built here, to merge with each input both ways: two exact
 * sketches of 5001 values merged (level 0 compacts entirely, 5001 items at
 * level 1 compact again, leaving one there and 2500 at level 2), then 3001
 * more values: levels of 3001, 1 and 2500 items, which an input's levels
 * meet unevenly.
 */
static const dl_sketch *
other_sketch(void)
{
	static dl_sketch *o;
	dl_sketch  *b;
	dl_sketch  *g;
	uint64_t	x = 0x9E3779B97F4A7C15u;
	size_t		need;

	if (o != NULL)
		return o;
	o = malloc(dl_sketch_init_bytes());
	b = malloc(dl_sketch_init_bytes());
	if (!o || !b)
		abort();
	dl_sketch_init(o);
	dl_sketch_init(b);
	n_errors = 0;
	for (int i = 0; i < 5001; i++)
	{
		grow_add(&o, next_value(&x));
		grow_add(&b, next_value(&x));
	}
	need = dl_sketch_merge_bytes(o, b);
	g = malloc(need);
	if (!g)
		abort();
	dl_sketch_move(g, o, need);
	free(o);
	o = g;
	if (dl_sketch_merge(o, b) != DL_OK)
		__builtin_trap();
	free(b);
	for (int i = 0; i < 3001; i++)
		grow_add(&o, next_value(&x));
	if (n_errors != 0 || dl_sketch_validate(o, dl_sketch_bytes(o)) != DL_OK ||
		o->count[0] != 3001 || o->count[1] != 1 || o->count[2] != 2500)
		__builtin_trap();
	return o;
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dl_sketch  *s;
	dl_sketch  *fresh;
	dl_sketch  *m;
	size_t		bytes = 0;
	size_t		mbytes = 0;
	dl_status	st;
	double		out[NQ];
	double		again[NQ];

	install_hooks();

	/* exact size: malloc aligns it for doubles, ASan guards its end */
	s = malloc(size);
	if (!s && size > 0)
		abort();
	if (size > 0)
		memcpy(s, data, size);

	n_errors = 0;
	st = dl_sketch_validate_block(s, size, &bytes);
	if (st != DL_OK)
	{
		/* one report, of the status returned, with a message */
		if (st != DL_EFORMAT && st != DL_EVERSION)
			__builtin_trap();
		expect_one_error(st, st);
		free(s);
		return 0;
	}
	if (n_errors != 0 || bytes > size || bytes != dl_sketch_bytes(s) ||
		bytes < sizeof(dl_sketch))
		__builtin_trap();

	check_quantiles(s, out);

	/* into an empty sketch: the same sketch, the same answers */
	fresh = malloc(dl_sketch_init_bytes());
	if (!fresh)
		abort();
	dl_sketch_init(fresh);
	m = merge_copy(fresh, s, 0, &mbytes);
	if (m != NULL)
	{
		check_merged(m, mbytes, s->n, s->n_nan);
		check_quantiles(m, again);
		if (dl_sketch_count(s) > 0)
			for (int i = 0; i < NQ; i++)
				if (!same_bits(out[i], again[i]))
					__builtin_trap();
		free(m);
	}
	free(fresh);

	/* with a sketch of other values, both ways */
	for (int way = 0; way <= 1; way++)
	{
		const dl_sketch *o = other_sketch();

		m = way == 0 ? merge_copy(o, s, 0, &mbytes) : merge_copy(s, o, 0, &mbytes);
		if (m == NULL)
			continue;
		check_merged(m, mbytes, s->n + o->n, s->n_nan + o->n_nan);
		check_quantiles(m, again);
		free(m);
	}

	/* into a copy of itself, and a copy into itself */
	for (int from_self = 0; from_self <= 1; from_self++)
	{
		m = merge_copy(s, s, from_self, &mbytes);
		if (m == NULL)
			continue;
		check_merged(m, mbytes, 2 * s->n, 2 * s->n_nan);
		check_quantiles(m, again);
		free(m);
	}

	free(s);
	return 0;
}

