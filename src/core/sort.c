/*-------------------------------------------------------------------------
 *
 * sort.c
 *	  In-place ascending sort of doubles, for the quantile sketch and tests.
 *
 * The sketch sorts a full level 0 (up to 10000 values) every 8192 adds and
 * every level 0 it answers a query from, so this sits on the hot path of
 * large aggregates, where qsort's call through a function pointer per
 * comparison costs several times the comparison itself.
 *
 * Arrays of RADIX_MIN values or more get an LSD radix sort on the IEEE-754
 * bit patterns, mapped so that unsigned order is numeric order (a negative
 * value has all its bits flipped, any other only its sign bit): one pass
 * counts all eight byte histograms, then each byte is scattered stably, least
 * significant first.  A byte that is the same in every key is skipped, which
 * is common for the sign and exponent bytes of real data (and makes an array
 * of equal values cost one pass).  It needs a scratch array of n keys.
 *
 * Shorter arrays get an introsort (median-of-three quicksort with inline
 * comparisons, insertion sort for short runs, heapsort past a depth limit so
 * the worst case stays O(n log n)), which needs no scratch memory.
 *
 * NaN must not occur (the sketch counts NaN apart).  If one does, the result
 * is not sorted but every loop still stays within the array.  The radix sort
 * puts -0 before +0; the comparison sort treats them as equal.  Both are
 * ascending orders.
 *
 * src/core/sort.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdbool.h>
#include <string.h>

#include "pgdl_core.h"

/*
 * The radix sort reads and writes the caller's doubles as 64-bit keys; a
 * may_alias type makes that well defined under strict aliasing.
 */
typedef uint64_t dl_key64 __attribute__((__may_alias__));

#define SIGN_BIT UINT64_C(0x8000000000000000)

/* below this the radix sort's fixed costs (histograms, scratch) dominate */
#define RADIX_MIN 128

/* runs this short are finished by insertion sort */
#define INSERTION_MAX 16

static inline uint64_t
key_from_bits(uint64_t u)
{
	/* negative: flip everything; non-negative: flip the sign bit only */
	return u ^ ((UINT64_C(0) - (u >> 63)) | SIGN_BIT);
}

static inline uint64_t
bits_from_key(uint64_t k)
{
	/* top bit set: was non-negative, so only the sign bit was flipped */
	return k ^ (((k >> 63) - UINT64_C(1)) | SIGN_BIT);
}

/*
 * One stable scatter of src into dst by the byte at shift, using the running
 * offsets in pos.  The first pass reads the doubles' bits and maps them to
 * keys on the way; the last maps keys back, so no pass is spent on either.
 */
static inline void
scatter(dl_key64 *dst, const dl_key64 *src, size_t n, size_t *pos, int shift,
		bool first, bool last)
{
	for (size_t i = 0; i < n; i++)
	{
		uint64_t	k = first ? key_from_bits(src[i]) : src[i];

		dst[pos[(k >> shift) & 0xFF]++] = last ? bits_from_key(k) : k;
	}
}

static void
radix_sort(double *a, size_t n)
{
	dl_key64   *bits = (dl_key64 *) a;
	dl_key64   *scratch;
	dl_key64   *src = bits;
	dl_key64   *dst;
	size_t		hist[8][256];
	int			passes[8];
	int			npasses = 0;

	memset(hist, 0, sizeof(hist));
	for (size_t i = 0; i < n; i++)
	{
		uint64_t	k = key_from_bits(bits[i]);

		hist[0][k & 0xFF]++;
		hist[1][(k >> 8) & 0xFF]++;
		hist[2][(k >> 16) & 0xFF]++;
		hist[3][(k >> 24) & 0xFF]++;
		hist[4][(k >> 32) & 0xFF]++;
		hist[5][(k >> 40) & 0xFF]++;
		hist[6][(k >> 48) & 0xFF]++;
		hist[7][k >> 56]++;
	}

	/* a byte that is the same in every key would not move anything */
	{
		uint64_t	k0 = key_from_bits(bits[0]);

		for (int d = 0; d < 8; d++)
			if (hist[d][(k0 >> (8 * d)) & 0xFF] != n)
				passes[npasses++] = d;
	}
	if (npasses == 0)
		return;					/* all equal */

	scratch = dl_alloc(n * sizeof(uint64_t));
	dst = scratch;
	for (int p = 0; p < npasses; p++)
	{
		size_t	   *pos = hist[passes[p]];
		size_t		sum = 0;
		dl_key64   *t;

		for (int b = 0; b < 256; b++)
		{
			size_t		c = pos[b];

			pos[b] = sum;
			sum += c;
		}
		/* constant flags, so each call below compiles to its own loop */
		if (npasses == 1)
			scatter(dst, src, n, pos, 8 * passes[p], true, true);
		else if (p == 0)
			scatter(dst, src, n, pos, 8 * passes[p], true, false);
		else if (p == npasses - 1)
			scatter(dst, src, n, pos, 8 * passes[p], false, true);
		else
			scatter(dst, src, n, pos, 8 * passes[p], false, false);
		t = src;
		src = dst;
		dst = t;
	}
	if (src != bits)
		memcpy(bits, src, n * sizeof(uint64_t));
	dl_free(scratch);
}

static inline void
swap_doubles(double *x, double *y)
{
	double		t = *x;

	*x = *y;
	*y = t;
}

static void
insertion_sort(double *a, size_t n)
{
	for (size_t i = 1; i < n; i++)
	{
		double		x = a[i];
		size_t		j = i;

		while (j > 0 && x < a[j - 1])
		{
			a[j] = a[j - 1];
			j--;
		}
		a[j] = x;
	}
}

static void
sift_down(double *a, size_t root, size_t n)
{
	double		x = a[root];

	for (;;)
	{
		size_t		child = 2 * root + 1;

		if (child >= n)
			break;
		if (child + 1 < n && a[child] < a[child + 1])
			child++;
		if (!(x < a[child]))
			break;
		a[root] = a[child];
		root = child;
	}
	a[root] = x;
}

static void
heap_sort(double *a, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		sift_down(a, i, n);
	for (size_t end = n - 1; end > 0; end--)
	{
		swap_doubles(&a[0], &a[end]);
		sift_down(a, 0, end);
	}
}

static void
intro_sort(double *a, size_t n, int depth)
{
	while (n > INSERTION_MAX)
	{
		double	   *lo = a;
		double	   *hi = a + n - 1;
		double	   *mid = a + n / 2;
		double	   *i;
		double	   *j;
		double		pivot;
		size_t		nleft;

		if (depth-- <= 0)
		{
			heap_sort(a, n);
			return;
		}

		/*
		 * Median of three, leaving *lo <= pivot <= *hi: those two then stop
		 * the scans below without bounds checks.
		 */
		if (*mid < *lo)
			swap_doubles(mid, lo);
		if (*hi < *mid)
		{
			swap_doubles(hi, mid);
			if (*mid < *lo)
				swap_doubles(mid, lo);
		}
		pivot = *mid;

		/*
		 * Hoare partition: both scans stop on values equal to the pivot, so
		 * runs of duplicates split evenly.  Afterwards [a, i) <= pivot <=
		 * [i, a + n), and both parts are non-empty.
		 */
		i = lo;
		j = hi;
		for (;;)
		{
			do
				i++;
			while (*i < pivot);
			do
				j--;
			while (pivot < *j);
			if (i >= j)
				break;
			swap_doubles(i, j);
		}

		/* recurse into the smaller part, loop on the larger: O(log n) stack */
		nleft = (size_t) (i - a);
		if (nleft < n - nleft)
		{
			intro_sort(a, nleft, depth);
			a = i;
			n -= nleft;
		}
		else
		{
			intro_sort(i, n - nleft, depth);
			n = nleft;
		}
	}
	insertion_sort(a, n);
}

void
dl_sort_doubles(double *a, size_t n)
{
	int			depth = 0;

	if (n < 2)
		return;
	if (n >= RADIX_MIN)
	{
		radix_sort(a, n);
		return;
	}
	for (size_t m = n; m > 1; m >>= 1)
		depth += 2;
	intro_sort(a, n, depth);
}
