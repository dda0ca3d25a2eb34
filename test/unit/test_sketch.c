/*-------------------------------------------------------------------------
 *
 * test_sketch.c
 *	  Unit tests of the quantile sketch (sketch.c) and dl_sort_doubles.
 *
 * While a sketch holds every value its quantiles are compared bit for bit
 * with a percentile_cont reference over a sorted copy of the data.  Beyond
 * that, each answer's true position interval in the sorted data (found by
 * binary search) must come within the sketch's own rank-error bound of
 * q (n - 1), and that bound within 0.5% of n, for several distributions,
 * for sketches merged from pieces, and for sketches merged with themselves.
 * Sketches are grown the way the glue grows them (dl_sketch_grow_bytes and
 * dl_sketch_move before each add) and, in one test, the older way
 * (dl_sketch_needs_grow and dl_sketch_grow after each add).
 *
 * test/unit/test_sketch.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

/* values in the large tests (fast enough under ASan/UBSan too: ~2 s) */
#define BIG_N 1000000

/* ---- helpers ---------------------------------------------------------------- */

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

static double *
copy_sorted(const double *x, size_t n)
{
	double	   *s = malloc((n ? n : 1) * sizeof(double));

	memcpy(s, x, n * sizeof(double));
	dl_sort_doubles(s, n);
	return s;
}

/* NaN equals NaN; otherwise ==, so -0 == +0 */
static bool
same(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b;
}

dl_sketch *
th_sketch_new(void)
{
	dl_sketch  *s = malloc(dl_sketch_init_bytes());

	dl_sketch_init(s);
	return s;
}

static dl_sketch *
sk_move(dl_sketch *s, size_t bytes)
{
	dl_sketch  *d = malloc(bytes);

	dl_sketch_move(d, s, bytes);
	free(s);
	return d;
}

/* adds the way the glue does: grow first if the sketch says so */
dl_sketch *
th_sketch_add(dl_sketch *s, double x, int *failures)
{
	size_t		need = dl_sketch_grow_bytes(s);

	if (need != 0)
		s = sk_move(s, need);
	if (dl_sketch_add(s, x) != DL_OK)
		(*failures)++;
	return s;
}

static dl_sketch *
sk_build(const double *x, size_t n)
{
	dl_sketch  *s = th_sketch_new();
	int			failures = 0;

	for (size_t i = 0; i < n; i++)
		s = th_sketch_add(s, x[i], &failures);
	CHECK(failures == 0);
	CHECK(dl_sketch_count(s) == (double) n);
	return s;
}

/* merges from into *into, moving it first if the merge needs more room */
static void
sk_merge(dl_sketch **into, const dl_sketch *from)
{
	size_t		need = dl_sketch_merge_bytes(*into, from);

	if (need > dl_sketch_bytes(*into))
		*into = sk_move(*into, need);
	CHECK_STATUS(dl_sketch_merge(*into, from), DL_OK);
	CHECK_STATUS(dl_sketch_validate(*into, dl_sketch_bytes(*into)), DL_OK);
	CHECK(!dl_sketch_needs_grow(*into));
}

/* PostgreSQL's float8_lerp, with the product rounded apart (no FMA) */
static double
ref_lerp(double lo, double hi, double pct)
{
	volatile double prod = pct * (hi - lo);

	return lo + prod;
}

/* percentile_cont over sorted v[0 .. n) followed by n_nan NaNs */
static double
ref_percentile_cont(const double *v, size_t n, size_t n_nan, double q)
{
	double		pos = q * ((double) (n + n_nan) - 1);
	double		first = floor(pos);
	double		second = ceil(pos);
	double		lo = first < n ? v[(size_t) first] : NAN;
	double		hi;

	if (first == second)
		return lo;
	hi = second < n ? v[(size_t) second] : NAN;
	return ref_lerp(lo, hi, pos - first);
}

/*
 * How far, in ranks, the positions v occupies in sorted[0 .. n) are from
 * position p (0 when they meet [floor(p), ceil(p)]); infinite if v is not
 * in the data at all.
 */
static double
rank_distance(const double *sorted, size_t n, double v, double p)
{
	size_t		lo = 0,
				hi = n;
	size_t		first,
				end;

	while (lo < hi)
	{
		size_t		mid = lo + (hi - lo) / 2;

		if (sorted[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	first = lo;
	hi = n;
	while (lo < hi)
	{
		size_t		mid = lo + (hi - lo) / 2;

		if (sorted[mid] <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	end = lo;
	if (first == end)
		return INFINITY;
	if ((double) first > ceil(p))
		return (double) first - ceil(p);
	if ((double) (end - 1) < floor(p))
		return floor(p) - (double) (end - 1);
	return 0;
}

/*
 * Checks q = 0, 0.01, ..., 0.99, 1 of a (not necessarily exact) sketch of
 * sorted[0 .. n) against the bound; returns the largest rank distance.
 */
static double
check_ranks(const dl_sketch *s, const double *sorted, size_t n)
{
	double		q[101];
	double		out[101];
	double		bound = dl_sketch_rank_error_bound(s);
	double		worst = 0;

	for (int i = 0; i <= 100; i++)
		q[i] = i / 100.0;
	CHECK_STATUS(dl_sketch_quantiles(s, q, 101, out), DL_OK);
	CHECK(bound <= 0.005 * (double) n);
	CHECK(out[0] == sorted[0]);
	CHECK(out[100] == sorted[n - 1]);
	for (int i = 0; i <= 100; i++)
	{
		double		d = rank_distance(sorted, n, out[i], q[i] * ((double) n - 1));

		if (!(d <= bound && d <= 0.005 * (double) n))
			th_fail(__FILE__, __LINE__, "q = %g: answer %.17g is %g ranks off, bound %g",
					q[i], out[i], d, bound);
		if (d > worst)
			worst = d;
	}
	return worst;
}

enum dist
{
	UNIFORM, NORMAL, LOGNORMAL, PARETO, DUPLICATES, ASCENDING, DESCENDING
};

static const char *const dist_name[] = {
	"uniform", "normal", "lognormal", "pareto (alpha 1.1)", "20 distinct values",
	"sorted ascending", "sorted descending"
};

static void
fill(double *x, size_t n, enum dist d, uint64_t seed)
{
	uint64_t	st = seed;

	for (size_t i = 0; i < n; i++)
	{
		switch (d)
		{
			case UNIFORM:
				x[i] = th_rand_uniform(&st);
				break;
			case NORMAL:
				x[i] = 100 + 15 * th_rand_normal(&st);
				break;
			case LOGNORMAL:
				x[i] = exp(3 * th_rand_normal(&st));
				break;
			case PARETO:
				x[i] = pow(1 - th_rand_uniform(&st), -1 / 1.1);
				break;
			case DUPLICATES:
				x[i] = floor(20 * th_rand_uniform(&st)) - 5;
				break;
			case ASCENDING:
				x[i] = (double) i * 0.5 - 1000;
				break;
			case DESCENDING:
				x[i] = (double) (n - i) * 3;
				break;
		}
	}
}

/* ---- dl_sort_doubles ------------------------------------------------------- */

static void
check_sort(double *x, size_t n, const char *what)
{
	double	   *a = malloc((n ? n : 1) * sizeof(double));
	double	   *b = malloc((n ? n : 1) * sizeof(double));

	memcpy(a, x, n * sizeof(double));
	memcpy(b, x, n * sizeof(double));
	dl_sort_doubles(a, n);
	qsort(b, n, sizeof(double), cmp_double);
	for (size_t i = 0; i < n; i++)
	{
		if (!(a[i] == b[i]))
		{
			th_fail(__FILE__, __LINE__, "%s, n = %zu: [%zu] = %.17g, qsort has %.17g",
					what, n, i, a[i], b[i]);
			break;
		}
	}
	free(a);
	free(b);
}

static void
test_sort(void)
{
	static const size_t sizes[] = {0, 1, 2, 3, 5, 16, 17, 31, 100, 127, 128, 129,
	1000, 10000, 100000};
	static const double specials[] = {0.0, -0.0, INFINITY, -INFINITY, 5e-324, -5e-324,
	1e308, -1e308, 1, -1, 2.5, -2.5};
	uint64_t	st = 7;

	th_begin("sketch: dl_sort_doubles agrees with qsort");
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
	{
		size_t		n = sizes[k];
		double	   *x = malloc((n ? n : 1) * sizeof(double));

		for (size_t i = 0; i < n; i++)
			x[i] = th_rand_normal(&st) * 1e3;
		check_sort(x, n, "random");
		for (size_t i = 0; i < n; i++)
			x[i] = specials[th_rand_u64(&st) % 12];
		check_sort(x, n, "special values");
		for (size_t i = 0; i < n; i++)
			x[i] = (double) (th_rand_u64(&st) % 3);
		check_sort(x, n, "three values");
		for (size_t i = 0; i < n; i++)
			x[i] = 42;
		check_sort(x, n, "all equal");
		for (size_t i = 0; i < n; i++)
			x[i] = (double) i;
		check_sort(x, n, "ascending");
		for (size_t i = 0; i < n; i++)
			x[i] = -(double) i;
		check_sort(x, n, "descending");
		for (size_t i = 0; i < n; i++)
			x[i] = (double) (i < n / 2 ? i : n - i);
		check_sort(x, n, "organ pipe");
		free(x);
	}
	th_end();
}

/* ---- exact regime ----------------------------------------------------------- */

static const double exact_q[] = {0, 1, 0.25, 0.5, 0.75, 0.1, 0.9, 1.0 / 3, 0.999, 1e-9};
#define N_EXACT_Q (int) (sizeof(exact_q) / sizeof(exact_q[0]))

/* quantiles of s equal percentile_cont over x (NaNs counted in n_nan) */
static void
check_exact(const dl_sketch *s, const double *x, size_t n, size_t n_nan)
{
	double	   *sorted = copy_sorted(x, n);
	double		out[N_EXACT_Q];

	CHECK(dl_sketch_is_exact(s));
	CHECK(dl_sketch_rank_error_bound(s) == 0);
	CHECK_STATUS(dl_sketch_quantiles(s, exact_q, N_EXACT_Q, out), DL_OK);
	for (int i = 0; i < N_EXACT_Q; i++)
	{
		double		ref = ref_percentile_cont(sorted, n, n_nan, exact_q[i]);

		if (!same(out[i], ref))
			th_fail(__FILE__, __LINE__, "n = %zu, q = %g: %.17g, percentile_cont %.17g",
					n, exact_q[i], out[i], ref);
	}
	free(sorted);
}

static void
test_exact(void)
{
	static const size_t sizes[] = {1, 2, 7, 10000};
	uint64_t	st = 11;

	th_begin("sketch: exact quantiles equal percentile_cont (n = 1, 2, 7, 10000)");
	for (size_t k = 0; k < 4; k++)
	{
		size_t		n = sizes[k];
		double	   *x = malloc(n * sizeof(double));
		dl_sketch  *s;

		/* some duplicates, so interpolation also meets equal neighbours */
		for (size_t i = 0; i < n; i++)
			x[i] = (i % 5 == 4) ? x[i - 1] : 10 * th_rand_normal(&st);
		s = sk_build(x, n);
		check_exact(s, x, n, 0);
		{
			double	   *sorted = copy_sorted(x, n);

			CHECK(s->min == sorted[0] && s->max == sorted[n - 1]);
			free(sorted);
		}
		CHECK_STATUS(dl_sketch_validate(s, dl_sketch_bytes(s)), DL_OK);
		free(s);
		free(x);
	}
	/* by hand: {1, 2, 3, 4} has quartiles 1.75, 2.5, 3.25 */
	{
		dl_sketch  *s = sk_build((const double[]) {4, 1, 3, 2}, 4);
		double		out[3];

		CHECK_STATUS(dl_sketch_quantiles(s, (const double[]) {0.25, 0.5, 0.75}, 3, out), DL_OK);
		CHECK(out[0] == 1.75 && out[1] == 2.5 && out[2] == 3.25);
		free(s);
	}
	th_end();
}

static void
test_exact_merge(void)
{
	uint64_t	st = 12;
	double	   *x = malloc(10001 * sizeof(double));
	dl_sketch  *a;
	dl_sketch  *b;

	th_begin("sketch: merging exact sketches stays exact up to 10000 values");
	for (size_t i = 0; i < 10001; i++)
		x[i] = th_rand_uniform(&st) * 100 - 50;

	/* 4000 + 5000 */
	a = sk_build(x, 4000);
	b = sk_build(x + 4000, 5000);
	sk_merge(&a, b);
	CHECK(dl_sketch_count(a) == 9000);
	check_exact(a, x, 9000, 0);
	free(a);
	free(b);

	/* a merge into a sketch that was not moved to the room it needs is refused */
	a = sk_build(x, 10);
	b = sk_build(x + 10, 10);
	CHECK(dl_sketch_merge_bytes(a, b) > dl_sketch_bytes(a));
	th_clear_error();
	CHECK_STATUS(dl_sketch_merge(a, b), DL_EINTERNAL);
	CHECK(th_last_error == DL_EINTERNAL && a->n == 10 && a->count[0] == 10);
	free(a);
	free(b);

	/* 100 + 200 fit a small sketch (room for 512) */
	a = sk_build(x, 100);
	b = sk_build(x + 100, 200);
	sk_merge(&a, b);
	CHECK(dl_sketch_bytes(a) == dl_sketch_init_bytes() + (512 - 16) * sizeof(double));
	check_exact(a, x, 300, 0);
	free(a);
	free(b);

	/* 5000 + 5000 is the limit; one more value and it is a sketch */
	a = sk_build(x, 5000);
	b = sk_build(x + 5000, 5000);
	sk_merge(&a, b);
	check_exact(a, x, 10000, 0);
	free(b);
	b = sk_build(x + 10000, 1);
	sk_merge(&a, b);
	CHECK(!dl_sketch_is_exact(a));
	CHECK(dl_sketch_count(a) == 10001);
	{
		double	   *sorted = copy_sorted(x, 10001);

		check_ranks(a, sorted, 10001);
		free(sorted);
	}
	free(a);
	free(b);

	/* the other way round: a big exact sketch absorbing a small one */
	a = sk_build(x + 1, 9000);
	b = sk_build(x, 1);
	sk_merge(&a, b);
	check_exact(a, x, 9001, 0);
	free(a);
	free(b);
	free(x);
	th_end();
}

static void
test_exact_limit(void)
{
	double	   *x = malloc(10001 * sizeof(double));
	dl_sketch  *s;
	double		out[2];

	th_begin("sketch: value 10001 ends the exact regime, min and max stay exact");
	for (size_t i = 0; i < 10001; i++)
		x[i] = (double) ((i * 7919) % 10001);	/* a permutation of 0 .. 10000 */
	s = sk_build(x, 10000);
	CHECK(dl_sketch_is_exact(s));
	free(s);
	s = sk_build(x, 10001);
	CHECK(!dl_sketch_is_exact(s));
	CHECK(dl_sketch_rank_error_bound(s) > 0);
	CHECK_STATUS(dl_sketch_quantiles(s, (const double[]) {0, 1}, 2, out), DL_OK);
	CHECK(out[0] == 0 && out[1] == 10000);
	CHECK(s->min == 0 && s->max == 10000);
	CHECK_STATUS(dl_sketch_validate(s, dl_sketch_bytes(s)), DL_OK);
	free(s);
	free(x);
	th_end();
}

/* ---- beyond exact: the rank-error bound --------------------------------------- */

static void
test_distribution(enum dist d)
{
	char		name[128];
	double	   *x = malloc(BIG_N * sizeof(double));
	double	   *sorted;
	dl_sketch  *s;
	double		worst;

	snprintf(name, sizeof(name), "sketch: %d values, %s, within the rank bound",
			 BIG_N, dist_name[d]);
	th_begin(name);
	fill(x, BIG_N, d, 1000 + (uint64_t) d);
	s = sk_build(x, BIG_N);
	sorted = copy_sorted(x, BIG_N);
	CHECK_STATUS(dl_sketch_validate(s, dl_sketch_bytes(s)), DL_OK);
	CHECK(!dl_sketch_is_exact(s));
	CHECK(s->min == sorted[0] && s->max == sorted[BIG_N - 1]);
	worst = check_ranks(s, sorted, BIG_N);

	/*
	 * The bound is a worst case; alternating the kept item of each pair
	 * makes successive compactions' errors cancel, so on random data the
	 * worst error seen is far below it (about 1/8 here, 1/3 if every
	 * compaction kept the first item of each pair).  The data are fixed,
	 * so this cannot flake.
	 */
	if (d <= PARETO)
		CHECK(worst <= dl_sketch_rank_error_bound(s) / 4);
	printf("# sketch: %s: worst rank error %.0f, bound %.0f (%.3f%% of n), %u levels, %zu bytes\n",
		   dist_name[d], worst, dl_sketch_rank_error_bound(s),
		   100 * dl_sketch_rank_error_bound(s) / BIG_N, (unsigned) s->nlevels, dl_sketch_bytes(s));
	free(sorted);
	free(s);
	free(x);
	th_end();
}

static void
test_merge_pieces(void)
{
	/* uneven pieces, from tiny (exact) to most of the data */
	static const double share[8] = {0.31, 0.02, 0.17, 0.00003, 0.25, 0.09, 0.0111, 0.14887};
	double	   *x = malloc(BIG_N * sizeof(double));
	double	   *sorted;
	dl_sketch  *piece[8];
	size_t		start = 0;
	double		worst;

	th_begin("sketch: 8 uneven pieces merged in a tree, within the rank bound");
	fill(x, BIG_N / 2, NORMAL, 77);
	fill(x + BIG_N / 2, BIG_N - BIG_N / 2, LOGNORMAL, 78);
	for (int i = 0; i < 8; i++)
	{
		size_t		len = i == 7 ? BIG_N - start : (size_t) (share[i] * BIG_N);

		piece[i] = sk_build(x + start, len);
		start += len;
	}
	for (int step = 1; step < 8; step *= 2)
		for (int i = 0; i + step < 8; i += 2 * step)
		{
			sk_merge(&piece[i], piece[i + step]);
			free(piece[i + step]);
		}
	sorted = copy_sorted(x, BIG_N);
	CHECK(dl_sketch_count(piece[0]) == BIG_N);
	CHECK(piece[0]->min == sorted[0] && piece[0]->max == sorted[BIG_N - 1]);
	worst = check_ranks(piece[0], sorted, BIG_N);
	printf("# sketch: tree merge: worst rank error %.0f, bound %.0f\n",
		   worst, dl_sketch_rank_error_bound(piece[0]));
	free(piece[0]);

	/* a chain: 4000-value (exact) pieces merged one by one into one sketch */
	{
		dl_sketch  *acc = th_sketch_new();

		for (size_t i = 0; i < BIG_N; i += 4000)
		{
			dl_sketch  *p = sk_build(x + i, i + 4000 <= BIG_N ? 4000 : BIG_N - i);

			sk_merge(&acc, p);
			free(p);
		}
		CHECK(dl_sketch_count(acc) == BIG_N);
		worst = check_ranks(acc, sorted, BIG_N);
		printf("# sketch: chain of %d merges: worst rank error %.0f, bound %.0f\n",
			   BIG_N / 4000, worst, dl_sketch_rank_error_bound(acc));
		free(acc);
	}
	free(sorted);
	free(x);
	th_end();
}

static void
test_merge_self(void)
{
	size_t		n = BIG_N / 10;
	double	   *x = malloc(2 * n * sizeof(double));
	double	   *sorted;
	dl_sketch  *s;

	th_begin("sketch: a sketch merged with itself counts every value twice");
	fill(x, n, PARETO, 5);
	memcpy(x + n, x, n * sizeof(double));
	s = sk_build(x, n);
	{
		size_t		need = dl_sketch_merge_bytes(s, s);

		if (need > dl_sketch_bytes(s))
			s = sk_move(s, need);
	}
	CHECK_STATUS(dl_sketch_merge(s, s), DL_OK);
	CHECK_STATUS(dl_sketch_validate(s, dl_sketch_bytes(s)), DL_OK);
	CHECK(dl_sketch_count(s) == 2.0 * n);
	sorted = copy_sorted(x, 2 * n);
	check_ranks(s, sorted, 2 * n);
	free(sorted);
	free(s);

	/* and an exact one: the doubled data, still exact */
	s = sk_build(x, 3000);
	{
		size_t		need = dl_sketch_merge_bytes(s, s);

		if (need > dl_sketch_bytes(s))
			s = sk_move(s, need);
	}
	CHECK_STATUS(dl_sketch_merge(s, s), DL_OK);
	memcpy(x + 3000, x, 3000 * sizeof(double));
	check_exact(s, x, 6000, 0);
	free(s);
	free(x);
	th_end();
}

/* ---- NaN and infinities ----------------------------------------------------- */

static void
test_nan(void)
{
	uint64_t	st = 21;
	double	   *x = malloc(100000 * sizeof(double));
	dl_sketch  *s = th_sketch_new();
	double		out[4];
	int			failures = 0;

	th_begin("sketch: NaN counts, ranks last and makes the top quantiles NaN");
	/* exact: 1000 numbers and 10 NaN, interleaved */
	for (size_t i = 0; i < 1000; i++)
	{
		x[i] = th_rand_normal(&st);
		s = th_sketch_add(s, x[i], &failures);
		if (i % 100 == 50)
			s = th_sketch_add(s, NAN, &failures);
	}
	CHECK(failures == 0);
	CHECK(s->n == 1000 && s->n_nan == 10 && dl_sketch_count(s) == 1010);
	check_exact(s, x, 1000, 10);
	CHECK_STATUS(dl_sketch_quantiles(s, (const double[]) {1, 0.5, 0.995, 0.989}, 4, out), DL_OK);
	CHECK(isnan(out[0]) && !isnan(out[1]) && isnan(out[2]) && !isnan(out[3]));
	CHECK_STATUS(dl_sketch_validate(s, dl_sketch_bytes(s)), DL_OK);
	free(s);

	/* beyond exact: 100000 numbers and 50 NaN */
	s = th_sketch_new();
	for (size_t i = 0; i < 100000; i++)
	{
		x[i] = th_rand_uniform(&st);
		s = th_sketch_add(s, x[i], &failures);
		if (i % 2000 == 0)
			s = th_sketch_add(s, NAN, &failures);
	}
	CHECK(failures == 0);
	CHECK(!dl_sketch_is_exact(s) && s->n_nan == 50);
	CHECK_STATUS(dl_sketch_quantiles(s, (const double[]) {1, 0.9999, 0.5, 0}, 4, out), DL_OK);
	CHECK(isnan(out[0]) && isnan(out[1]));
	CHECK(!isnan(out[2]) && out[3] == s->min);
	{
		double	   *sorted = copy_sorted(x, 100000);
		double		p = 0.5 * (100050 - 1);

		CHECK(rank_distance(sorted, 100000, out[2], p) <= dl_sketch_rank_error_bound(s));
		free(sorted);
	}
	free(s);

	/* only NaN: every quantile is NaN, not an error */
	s = th_sketch_new();
	s = th_sketch_add(s, NAN, &failures);
	s = th_sketch_add(s, NAN, &failures);
	CHECK(dl_sketch_count(s) == 2 && s->n == 0);
	CHECK_STATUS(dl_sketch_quantiles(s, (const double[]) {0, 0.5}, 2, out), DL_OK);
	CHECK(isnan(out[0]) && isnan(out[1]));
	CHECK_STATUS(dl_sketch_validate(s, dl_sketch_bytes(s)), DL_OK);
	free(s);
	free(x);
	th_end();
}

static void
test_infinities(void)
{
	dl_sketch  *s;
	double		out[5];

	th_begin("sketch: infinities are values, interpolated as percentile_cont does");
	s = sk_build((const double[]) {INFINITY, 2, -INFINITY, 1}, 4);
	CHECK_STATUS(dl_sketch_quantiles(s, (const double[]) {0, 1, 0.5, 0.1, 0.9}, 5, out), DL_OK);
	CHECK(out[0] == -INFINITY && out[1] == INFINITY && out[2] == 1.5);
	/* -Inf + 0.3 * (1 - -Inf) and 2 + 0.7 * (Inf - 2) */
	CHECK(isnan(out[3]) && out[4] == INFINITY);
	check_exact(s, (const double[]) {INFINITY, 2, -INFINITY, 1}, 4, 0);
	CHECK(s->min == -INFINITY && s->max == INFINITY);
	CHECK_STATUS(dl_sketch_validate(s, dl_sketch_bytes(s)), DL_OK);
	free(s);

	/* Inf + 0.5 * (Inf - Inf) is NaN in PostgreSQL too */
	s = sk_build((const double[]) {INFINITY, INFINITY}, 2);
	CHECK_STATUS(dl_sketch_quantiles(s, (const double[]) {0.5, 1}, 2, out), DL_OK);
	CHECK(isnan(out[0]) && out[1] == INFINITY);
	free(s);
	th_end();
}

static void
test_bad_arguments(void)
{
	dl_sketch  *s = th_sketch_new();
	double		out[1];

	th_begin("sketch: empty sketch and bad quantiles are errors");
	CHECK_STATUS(dl_sketch_quantiles(s, (const double[]) {0.5}, 1, out), DL_EINVAL);
	CHECK(th_last_error == DL_EINVAL);
	CHECK_STATUS(dl_sketch_add(s, 1), DL_OK);
	th_clear_error();
	CHECK_STATUS(dl_sketch_quantiles(s, (const double[]) {1.5}, 1, out), DL_EINVAL);
	CHECK_STATUS(dl_sketch_quantiles(s, (const double[]) {NAN}, 1, out), DL_EINVAL);
	CHECK_STATUS(dl_sketch_quantiles(s, (const double[]) {-0.1}, 1, out), DL_EINVAL);
	CHECK_STATUS(dl_sketch_quantiles(s, NULL, 0, out), DL_OK);
	CHECK(th_last_error == DL_EINVAL);
	free(s);
	th_end();
}

/* ---- sizes, growth, moves --------------------------------------------------- */

static void
test_growth(void)
{
	uint64_t	st = 31;
	dl_sketch  *s = th_sketch_new();
	size_t		prev = dl_sketch_bytes(s);
	int			steps = 0;
	int			failures = 0;

	th_begin("sketch: small sketches grow step by step, and only when full");
	CHECK(sizeof(dl_sketch) % 8 == 0);
	CHECK(dl_sketch_init_bytes() == sizeof(dl_sketch) + 16 * sizeof(double));
	CHECK(dl_sketch_size(2) == sizeof(dl_sketch) + (10000 + 4096) * sizeof(double));
	CHECK(dl_sketch_size(3) - dl_sketch_size(2) == 4096 * sizeof(double));
	CHECK(dl_sketch_size(1) == 0 && dl_sketch_size(49) == 0);
	CHECK(dl_sketch_is_exact(s) && dl_sketch_count(s) == 0);
	CHECK(!dl_sketch_needs_grow(s) && dl_sketch_grow_bytes(s) == 0);
	CHECK_STATUS(dl_sketch_validate(s, dl_sketch_bytes(s)), DL_OK);

	for (int i = 0; i < 20000; i++)
	{
		s = th_sketch_add(s, th_rand_uniform(&st), &failures);
		if (dl_sketch_bytes(s) != prev)
		{
			/* 16 -> 32 -> ... -> 8192 values, then full size, then a level */
			CHECK(dl_sketch_bytes(s) > prev);
			prev = dl_sketch_bytes(s);
			steps++;
			CHECK_STATUS(dl_sketch_validate(s, prev), DL_OK);
		}
	}
	CHECK(failures == 0);
	/* 9 small steps, full size at 8193, levels after compactions 1 and 2 */
	CHECK(steps == 12);
	CHECK(dl_sketch_bytes(s) == dl_sketch_size(4));

	/* a full small sketch refuses the add (and stays intact) until moved */
	free(s);
	s = th_sketch_new();
	for (int i = 0; i < 16; i++)
		CHECK_STATUS(dl_sketch_add(s, i), DL_OK);
	CHECK(dl_sketch_grow_bytes(s) == sizeof(dl_sketch) + 32 * sizeof(double));
	CHECK(dl_sketch_needs_grow(s));
	CHECK_STATUS(dl_sketch_add(s, 99), DL_EINTERNAL);
	CHECK(s->n == 16 && s->max == 15);
	CHECK_STATUS(dl_sketch_add(s, NAN), DL_OK);	/* NaN takes no room */
	s = sk_move(s, dl_sketch_grow_bytes(s));
	CHECK_STATUS(dl_sketch_add(s, 99), DL_OK);
	CHECK_STATUS(dl_sketch_validate(s, dl_sketch_bytes(s)), DL_OK);

	/* moves to a smaller or malformed size are refused */
	{
		dl_sketch  *d = malloc(dl_sketch_size(2));

		th_clear_error();
		dl_sketch_move(d, s, dl_sketch_init_bytes());
		CHECK(th_last_error == DL_EINTERNAL);
		th_clear_error();
		dl_sketch_move(d, s, dl_sketch_init_bytes() + 40 * sizeof(double));
		CHECK(th_last_error == DL_EINTERNAL);
		th_clear_error();
		dl_sketch_move(d, s, dl_sketch_size(2));
		CHECK(th_last_error == DL_OK);
		CHECK_STATUS(dl_sketch_validate(d, dl_sketch_size(2)), DL_OK);
		free(d);
	}
	free(s);
	th_end();
}

static void
test_grow_round_trip(void)
{
	double	   *x = malloc(200000 * sizeof(double));
	double		q[5] = {0, 0.1, 0.5, 0.9, 1};
	double		o1[5];
	double		o2[5];
	dl_sketch  *s;
	dl_sketch  *g;
	int			failures = 0;

	th_begin("sketch: growing keeps every item, and both copies go on alike");
	fill(x, 200000, LOGNORMAL, 41);
	s = sk_build(x, 100000);
	g = malloc(dl_sketch_size(s->nlevels + 2));
	dl_sketch_grow(g, s, s->nlevels + 2);
	CHECK(g->nlevels == s->nlevels + 2);
	CHECK_STATUS(dl_sketch_validate(g, dl_sketch_size(g->nlevels)), DL_OK);
	CHECK_STATUS(dl_sketch_validate(g, dl_sketch_bytes(s)), DL_EFORMAT);
	CHECK_STATUS(dl_sketch_quantiles(s, q, 5, o1), DL_OK);
	CHECK_STATUS(dl_sketch_quantiles(g, q, 5, o2), DL_OK);
	CHECK(memcmp(o1, o2, sizeof(o1)) == 0);
	CHECK(dl_sketch_rank_error_bound(s) == dl_sketch_rank_error_bound(g));
	for (size_t i = 100000; i < 200000; i++)
	{
		s = th_sketch_add(s, x[i], &failures);
		g = th_sketch_add(g, x[i], &failures);
	}
	CHECK(failures == 0);
	CHECK_STATUS(dl_sketch_quantiles(s, q, 5, o1), DL_OK);
	CHECK_STATUS(dl_sketch_quantiles(g, q, 5, o2), DL_OK);
	CHECK(memcmp(o1, o2, sizeof(o1)) == 0);

	/* refusing to shrink */
	th_clear_error();
	dl_sketch_grow(g, s, s->nlevels);
	CHECK(th_last_error == DL_EINTERNAL);
	free(s);
	free(g);

	/*
	 * The older protocol: a dl_sketch_size(2) block, dl_sketch_needs_grow
	 * after each add, dl_sketch_grow by one level.  Same answers.
	 */
	s = malloc(dl_sketch_size(2));
	dl_sketch_init(s);
	for (size_t i = 0; i < 200000; i++)
	{
		if (dl_sketch_add(s, x[i]) != DL_OK)
			failures++;
		if (dl_sketch_needs_grow(s))
		{
			g = malloc(dl_sketch_size(s->nlevels + 1));
			dl_sketch_grow(g, s, s->nlevels + 1);
			free(s);
			s = g;
		}
	}
	CHECK(failures == 0);
	CHECK_STATUS(dl_sketch_quantiles(s, q, 5, o2), DL_OK);
	CHECK(memcmp(o1, o2, sizeof(o1)) == 0);
	free(s);
	free(x);
	th_end();
}

static void
test_refuses_without_grow(void)
{
	dl_sketch  *s = th_sketch_new();
	uint64_t	st = 51;
	int			failures = 0;
	double		n_before;
	dl_status	st1 = DL_OK;

	th_begin("sketch: an add that would need the top level is refused");
	for (int i = 0; i < 10000; i++)
		s = th_sketch_add(s, th_rand_uniform(&st), &failures);
	CHECK(failures == 0 && s->nlevels == 2);
	/* the first compaction fills level 1, the top: now it must grow */
	CHECK_STATUS(dl_sketch_add(s, 0.5), DL_OK);
	CHECK(dl_sketch_needs_grow(s));
	CHECK(dl_sketch_grow_bytes(s) == dl_sketch_size(3));
	CHECK_STATUS(dl_sketch_validate(s, dl_sketch_bytes(s)), DL_OK);
	/* adds go on until level 0 is full again, then the next is refused */
	for (int i = 0; i < 8191 && st1 == DL_OK; i++)
		st1 = dl_sketch_add(s, th_rand_uniform(&st));
	CHECK(st1 == DL_OK);
	n_before = s->n;
	th_clear_error();
	CHECK_STATUS(dl_sketch_add(s, 0.25), DL_EINTERNAL);
	CHECK(s->n == n_before && s->count[0] == 10000);
	s = sk_move(s, dl_sketch_grow_bytes(s));
	CHECK_STATUS(dl_sketch_add(s, 0.25), DL_OK);
	free(s);
	th_end();
}

/* ---- validation of bytes from outside ---------------------------------------- */

enum corruption
{
	NONE, BAD_MAGIC, NEW_VERSION, LEVEL0_OVER, LEVEL1_OVER, N_MISMATCH, N_FRACTION,
	NAN_COUNT_NEGATIVE, NAN_COUNT_NAN, FEW_LEVELS, MANY_LEVELS, BEYOND_LEVELS,
	PARITY_HIGH, MIN_ABOVE_MAX, MIN_NAN, RESERVED_SET, ODD_CAP0, NAN_ITEM0,
	NAN_ITEM1, ITEM_ABOVE_MAX, UNSORTED_LEVEL1, SMALL_LEVEL1
};

static double *
items_of(dl_sketch *c, int h)
{
	double	   *items = (double *) (c + 1);

	return h == 0 ? items : items + c->cap0 + (size_t) (h - 1) * DL_SKETCH_K;
}

static void
corrupt(dl_sketch *c, enum corruption what)
{
	double	   *l1 = items_of(c, 1);
	double		t;

	switch (what)
	{
		case NONE:
			break;
		case BAD_MAGIC:
			c->magic ^= 0x01000000u;
			break;
		case NEW_VERSION:
			c->magic += 1;
			break;
		case LEVEL0_OVER:
			c->count[0] = DL_SKETCH_EXACT + 1;
			break;
		case LEVEL1_OVER:
			c->count[1] = DL_SKETCH_K + 1;
			break;
		case N_MISMATCH:
			c->n += 1;
			break;
		case N_FRACTION:
			c->n += 0.5;
			break;
		case NAN_COUNT_NEGATIVE:
			c->n_nan = -1;
			break;
		case NAN_COUNT_NAN:
			c->n_nan = NAN;
			break;
		case FEW_LEVELS:
			c->nlevels = 1;
			break;
		case MANY_LEVELS:
			c->nlevels = DL_SKETCH_MAX_LEVELS + 1;
			break;
		case BEYOND_LEVELS:
			c->count[c->nlevels + 3] = 1;
			break;
		case PARITY_HIGH:
			c->parity |= UINT64_C(1) << 40;
			break;
		case MIN_ABOVE_MAX:
			c->min = c->max + 1;
			break;
		case MIN_NAN:
			c->min = NAN;
			break;
		case RESERVED_SET:
			c->reserved = 1;
			break;
		case ODD_CAP0:
			c->cap0 = 17;
			break;
		case NAN_ITEM0:
			items_of(c, 0)[3] = NAN;
			break;
		case NAN_ITEM1:
			l1[c->count[1] - 1] = NAN;
			break;
		case ITEM_ABOVE_MAX:
			items_of(c, 0)[0] = c->max * 2 + 1;
			break;
		case UNSORTED_LEVEL1:
			t = l1[0];
			l1[0] = l1[c->count[1] - 1];
			l1[c->count[1] - 1] = t;
			break;
		case SMALL_LEVEL1:
			/* weight that adds up, but no room for level 1 in a small sketch */
			c->count[1] = 1;
			c->n += 2;
			break;
	}
}

/* a copy of s corrupted as said must be refused with `expect`, through the hook too */
static void
expect_invalid(const dl_sketch *s, enum corruption what, long size_change,
			   dl_status expect, const char *label)
{
	size_t		bytes = dl_sketch_bytes(s);
	dl_sketch  *c = malloc(bytes);
	dl_status	got;

	memcpy(c, s, bytes);
	corrupt(c, what);
	th_clear_error();
	got = dl_sketch_validate(c, (size_t) ((long) bytes + size_change));
	if (got != expect || th_last_error != expect)
		th_fail(__FILE__, __LINE__, "%s: validate returned %d (hook saw %d), expected %d",
				label, (int) got, (int) th_last_error, (int) expect);
	free(c);
}

static void
test_validate(void)
{
	double	   *x = malloc(100000 * sizeof(double));
	dl_sketch  *s;
	dl_sketch  *small;
	size_t		bytes;
	size_t		got = 0;

	th_begin("sketch: validate accepts good bytes and refuses corrupt ones");
	fill(x, 100000, NORMAL, 61);
	s = sk_build(x, 100000);
	bytes = dl_sketch_bytes(s);
	CHECK(s->count[1] > 1 && s->count[0] > 3);
	CHECK_STATUS(dl_sketch_validate(s, bytes), DL_OK);

	expect_invalid(s, NONE, 0, DL_OK, "untouched copy");
	expect_invalid(s, BAD_MAGIC, 0, DL_EFORMAT, "bad magic");
	expect_invalid(s, NEW_VERSION, 0, DL_EVERSION, "newer version");
	expect_invalid(s, LEVEL0_OVER, 0, DL_EFORMAT, "level 0 over capacity");
	expect_invalid(s, LEVEL1_OVER, 0, DL_EFORMAT, "level 1 over capacity");
	expect_invalid(s, N_MISMATCH, 0, DL_EFORMAT, "n does not match the items");
	expect_invalid(s, N_FRACTION, 0, DL_EFORMAT, "fractional n");
	expect_invalid(s, NAN_COUNT_NEGATIVE, 0, DL_EFORMAT, "negative NaN count");
	expect_invalid(s, NAN_COUNT_NAN, 0, DL_EFORMAT, "NaN NaN count");
	expect_invalid(s, NONE, -8, DL_EFORMAT, "truncated by one item");
	expect_invalid(s, NONE, 8, DL_EFORMAT, "one item too long");
	expect_invalid(s, NONE, (long) sizeof(dl_sketch) - 1 - (long) bytes, DL_EFORMAT,
				   "shorter than a header");
	expect_invalid(s, FEW_LEVELS, 0, DL_EFORMAT, "one level");
	expect_invalid(s, MANY_LEVELS, 0, DL_EFORMAT, "too many levels");
	expect_invalid(s, BEYOND_LEVELS, 0, DL_EFORMAT, "count beyond nlevels");
	expect_invalid(s, PARITY_HIGH, 0, DL_EFORMAT, "parity of a level that never compacted");
	expect_invalid(s, MIN_ABOVE_MAX, 0, DL_EFORMAT, "min above max");
	expect_invalid(s, MIN_NAN, 0, DL_EFORMAT, "NaN min");
	expect_invalid(s, RESERVED_SET, 0, DL_EFORMAT, "reserved field set");
	expect_invalid(s, ODD_CAP0, 0, DL_EFORMAT, "level 0 room not a valid size");
	expect_invalid(s, NAN_ITEM0, 0, DL_EFORMAT, "NaN item at level 0");
	expect_invalid(s, NAN_ITEM1, 0, DL_EFORMAT, "NaN item at level 1");
	expect_invalid(s, ITEM_ABOVE_MAX, 0, DL_EFORMAT, "item above max");
	expect_invalid(s, UNSORTED_LEVEL1, 0, DL_EFORMAT, "level 1 not sorted");

	/* a small sketch, and validate_block with room to spare or too little */
	small = sk_build(x, 100);
	CHECK_STATUS(dl_sketch_validate(small, dl_sketch_bytes(small)), DL_OK);
	expect_invalid(small, LEVEL1_OVER, 0, DL_EFORMAT, "small sketch, level 1 over capacity");
	expect_invalid(small, SMALL_LEVEL1, 0, DL_EFORMAT, "small sketch with an item at level 1");
	CHECK_STATUS(dl_sketch_validate_block(s, bytes + 1000, &got), DL_OK);
	CHECK(got == bytes);
	th_clear_error();
	CHECK_STATUS(dl_sketch_validate_block(s, bytes - 1, &got), DL_EFORMAT);
	CHECK(th_last_error == DL_EFORMAT);
	CHECK_STATUS(dl_sketch_validate_block(small, 100000, &got), DL_OK);
	CHECK(got == dl_sketch_bytes(small));
	free(small);
	free(s);
	free(x);
	th_end();
}

/* ---- throughput (a comment, not an assertion) ---------------------------------- */

static double
seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double) t.tv_sec + t.tv_nsec * 1e-9;
}

static void
test_throughput(void)
{
	const size_t nvals = (size_t) 1 << 20;
	const int	rounds = BIG_N / 100000;
	double	   *x = malloc(nvals * sizeof(double));
	dl_sketch  *s = th_sketch_new();
	int			failures = 0;
	double		t0;
	double		t;

	th_begin("sketch: add throughput");
	fill(x, nvals, NORMAL, 71);
	t0 = seconds();
	for (int r = 0; r < rounds; r++)
		for (size_t i = 0; i < nvals; i++)
			s = th_sketch_add(s, x[i], &failures);
	t = seconds() - t0;
	CHECK(failures == 0);
	CHECK(dl_sketch_count(s) == (double) nvals * rounds);
	printf("# sketch: %.0f adds/s (%zu adds with grow checks, %u levels at the end)\n",
		   (double) nvals * rounds / t, nvals * rounds, (unsigned) s->nlevels);
	{
		double		q[3] = {0.25, 0.5, 0.75};
		double		out[3];

		t0 = seconds();
		CHECK_STATUS(dl_sketch_quantiles(s, q, 3, out), DL_OK);
		printf("# sketch: quantiles of that sketch in %.2f ms\n", (seconds() - t0) * 1e3);
	}
	{
		double	   *y = malloc(10000 * sizeof(double));
		int			reps = 200;

		t0 = seconds();
		for (int r = 0; r < reps; r++)
		{
			memcpy(y, x + (size_t) r * 1000, 10000 * sizeof(double));
			dl_sort_doubles(y, 10000);
		}
		printf("# sketch: dl_sort_doubles of 10000 values in %.1f us\n",
			   (seconds() - t0) / reps * 1e6);
		free(y);
	}
	free(s);
	free(x);
	th_end();
}

void
suite_sketch(void)
{
	test_sort();
	test_exact();
	test_exact_merge();
	test_exact_limit();
	for (int d = UNIFORM; d <= DESCENDING; d++)
		test_distribution((enum dist) d);
	test_merge_pieces();
	test_merge_self();
	test_nan();
	test_infinities();
	test_bad_arguments();
	test_growth();
	test_grow_round_trip();
	test_refuses_without_grow();
	test_validate();
	test_throughput();
}
