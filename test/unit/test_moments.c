/*-------------------------------------------------------------------------
 *
 * test_moments.c
 *	  Moments and co-moments against two-pass long-double references.
 *
 * test/unit/test_moments.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

typedef struct ref_moments
{
	long double n,
				mean,
				var,
				skew,
				kurt;
} ref_moments;

/*
 * The two-pass computation in long double, on x - x[0] so that the sum
 * itself does not limit the reference (a plain long double sum of 2e5 values
 * near 1e9 is off by ~1e-2, which moves m3 visibly).
 */
static ref_moments
two_pass(const double *x, size_t n)
{
	ref_moments r = {0};
	long double s = 0,
				m2 = 0,
				m3 = 0,
				m4 = 0,
				shifted_mean;

	for (size_t i = 0; i < n; i++)
		s += (long double) x[i] - x[0];
	r.n = n;
	shifted_mean = s / n;
	r.mean = x[0] + shifted_mean;
	for (size_t i = 0; i < n; i++)
	{
		long double d = ((long double) x[i] - x[0]) - shifted_mean;

		m2 += d * d;
		m3 += d * d * d;
		m4 += d * d * d * d;
	}
	r.var = m2 / (n - 1);
	r.skew = (m3 / n) / powl(m2 / n, 1.5L);
	r.kurt = (m4 / n) / ((m2 / n) * (m2 / n)) - 3.0L;
	return r;
}

static void
check_against_ref(const dl_moments *m, const double *x, size_t n,
				  double tol_var, double tol_shape)
{
	ref_moments r = two_pass(x, n);
	bool		def;

	CHECK(dl_moments_count(m) == (double) n);
	CHECK_REL(dl_moments_mean(m), (double) r.mean, 1e-13);
	CHECK_REL(dl_moments_variance(m), (double) r.var, tol_var);
	CHECK_REL(dl_moments_skewness(m, &def), (double) r.skew, tol_shape);
	CHECK(def);
	CHECK_REL(dl_moments_kurtosis(m, &def), (double) r.kurt, tol_shape);
}

#define HARD_N 200003		/* not a multiple of the block: one is pending */

static double *
hard_data(uint64_t seed)
{
	double	   *x = malloc(HARD_N * sizeof(double));
	uint64_t	st = seed;

	/* 1e9 + U(0,1): the sum of squares formula loses every digit here */
	for (int i = 0; i < HARD_N; i++)
		x[i] = 1e9 + th_rand_uniform(&st);
	return x;
}

static void
test_hard_data(void)
{
	double	   *x = hard_data(42);
	dl_moments	m;

	th_begin("moments: 1e9 + U(0,1) vs two-pass long double");
	dl_moments_init(&m);
	for (int i = 0; i < HARD_N; i++)
		dl_moments_add(&m, x[i]);
	check_against_ref(&m, x, HARD_N, 1e-9, 1e-6);
	CHECK(dl_moments_min(&m) >= 1e9 && dl_moments_max(&m) < 1e9 + 1);
	th_end();

	th_begin("moments: skewed data (lognormal) vs two-pass");
	{
		uint64_t	st = 7;

		dl_moments_init(&m);
		for (int i = 0; i < HARD_N; i++)
		{
			x[i] = exp(th_rand_normal(&st));
			dl_moments_add(&m, x[i]);
		}
		check_against_ref(&m, x, HARD_N, 1e-12, 1e-9);
	}
	th_end();
	free(x);
}

static void
test_merge_splits(void)
{
	double	   *x = hard_data(3);
	uint64_t	st = 99;

	th_begin("moments: merging random splits equals one pass");
	for (int trial = 0; trial < 20; trial++)
	{
		dl_moments	whole,
					merged,
					part;
		int			start = 0;

		dl_moments_init(&whole);
		for (int i = 0; i < HARD_N; i++)
			dl_moments_add(&whole, x[i]);
		dl_moments_init(&merged);
		while (start < HARD_N)
		{
			int			len = 1 + (int) (th_rand_uniform(&st) * HARD_N / 4);

			if (start + len > HARD_N)
				len = HARD_N - start;
			dl_moments_init(&part);
			for (int i = start; i < start + len; i++)
				dl_moments_add(&part, x[i]);
			/* merge in either direction */
			if (th_rand_uniform(&st) < 0.5)
				dl_moments_merge(&merged, &part);
			else
			{
				dl_moments_merge(&part, &merged);
				merged = part;
			}
			start += len;
		}
		bool		def;

		CHECK(dl_moments_count(&merged) == dl_moments_count(&whole));
		CHECK_REL(dl_moments_mean(&merged), dl_moments_mean(&whole), 1e-14);
		CHECK_REL(dl_moments_variance(&merged), dl_moments_variance(&whole), 1e-12);
		/* skewness of near-symmetric data is a small difference of big terms */
		CHECK_NEAR(dl_moments_skewness(&merged, &def), dl_moments_skewness(&whole, &def), 1e-9);
		CHECK_REL(dl_moments_kurtosis(&merged, &def), dl_moments_kurtosis(&whole, &def), 1e-12);
		CHECK(dl_moments_min(&merged) == dl_moments_min(&whole) &&
			  dl_moments_max(&merged) == dl_moments_max(&whole));
	}
	th_end();
	free(x);
}

static void
test_special_values(void)
{
	dl_moments	m;
	dl_detail	why;
	bool		def;

	th_begin("moments: NaN and Infinity as the built-in aggregates");
	dl_moments_init(&m);
	CHECK(isnan(dl_moments_mean(&m)));
	dl_moments_add(&m, 1.0);
	CHECK(dl_moments_mean(&m) == 1.0);
	CHECK(isnan(dl_moments_variance(&m)));	/* n < 2: NULL */
	dl_moments_skewness(&m, &def);
	CHECK(!def);
	dl_moments_add(&m, INFINITY);
	CHECK(dl_moments_mean(&m) == INFINITY);
	CHECK(isnan(dl_moments_variance(&m)));
	CHECK(dl_moments_max(&m) == INFINITY && dl_moments_min(&m) == 1.0);
	dl_moments_add(&m, -INFINITY);
	CHECK(isnan(dl_moments_mean(&m)));
	CHECK(dl_moments_min(&m) == -INFINITY);
	dl_moments_add(&m, NAN);
	CHECK(isnan(dl_moments_max(&m)));
	CHECK(dl_moments_count(&m) == 4);
	CHECK(dl_moments_check(&m, &why) == DL_OK);

	dl_moments_init(&m);
	dl_moments_add(&m, NAN);
	CHECK(isnan(dl_moments_min(&m)) && isnan(dl_moments_max(&m)));
	CHECK(isnan(dl_moments_mean(&m)));

	/* a constant column: variance 0, shape undefined (NULL) */
	dl_moments_init(&m);
	for (int i = 0; i < 5; i++)
		dl_moments_add(&m, 3.5);
	CHECK(dl_moments_variance(&m) == 0.0);
	dl_moments_kurtosis(&m, &def);
	CHECK(!def);

	/* corrupt records are refused */
	m.n = -1;
	CHECK(dl_moments_check(&m, &why) == DL_EFORMAT);
	dl_moments_init(&m);
	dl_moments_add(&m, 1);
	m.m2 = NAN;
	CHECK(dl_moments_check(&m, &why) == DL_EFORMAT);
	dl_moments_init(&m);
	m.n = 2.5;
	CHECK(dl_moments_check(&m, &why) == DL_EFORMAT);
	th_end();
}

static void
test_soa(void)
{
	enum
	{
		D = 7, N = 5000
	};
	double	   *buf = malloc(dl_moments_soa_nslots(D) * sizeof(double));
	double	   *buf2 = malloc(dl_moments_soa_nslots(D) * sizeof(double));
	dl_moments_soa v,
				v2;
	dl_moments	ref[D];
	dl_detail	why;
	uint64_t	st = 5;

	th_begin("moments SoA: row updates with NULLs and specials equal per-variable updates");
	dl_moments_soa_init(&v, buf, D);
	dl_moments_soa_init(&v2, buf2, D);
	for (int j = 0; j < D; j++)
		dl_moments_init(&ref[j]);
	for (int i = 0; i < N; i++)
	{
		double		x[D];
		bool		nulls[D];
		bool		any_null = false;

		for (int j = 0; j < D; j++)
		{
			double		u = th_rand_uniform(&st);

			x[j] = 100.0 * j + th_rand_normal(&st);
			nulls[j] = (j == 3 && u < 0.2);
			if (j == 5 && u < 0.001)
				x[j] = INFINITY;
			any_null |= nulls[j];
			if (!nulls[j])
				dl_moments_add(&ref[j], x[j]);
		}
		/* half the rows into a second state, merged at the end */
		dl_moments_soa_add(i % 2 ? &v2 : &v, x, any_null ? nulls : NULL);
	}
	dl_moments_soa_merge(&v, &v2);
	CHECK(dl_moments_soa_check(&v, &why) == DL_OK);
	for (int j = 0; j < D; j++)
	{
		dl_moments	got;

		dl_moments_soa_get(&v, j, &got);
		CHECK(dl_moments_count(&got) == dl_moments_count(&ref[j]));
		CHECK(got.n_posinf == ref[j].n_posinf);
		CHECK_REL(dl_moments_mean(&got), dl_moments_mean(&ref[j]), 1e-12);
		if (j == 5)
			CHECK(isnan(dl_moments_variance(&got)) && isnan(dl_moments_variance(&ref[j])));
		else
			CHECK_REL(dl_moments_variance(&got), dl_moments_variance(&ref[j]), 1e-10);
		CHECK(dl_moments_min(&got) == dl_moments_min(&ref[j]) &&
			  dl_moments_max(&got) == dl_moments_max(&ref[j]));
		/* the finite-only variables 0..4 (not 5, which holds an infinity) */
		if (j != 5)
		{
			bool		def;

			CHECK(isfinite(dl_moments_mean(&ref[j])));
			CHECK_REL(dl_moments_skewness(&got, &def), dl_moments_skewness(&ref[j], &def), 1e-8);
		}
	}
	th_end();
	free(buf);
	free(buf2);
}

void
suite_moments(void)
{
	test_hard_data();
	test_merge_splits();
	test_special_values();
	test_soa();
}

/* ---- co-moments ---------------------------------------------------------- */

static void
test_comoments_pairwise(void)
{
	enum
	{
		D = 5, N = 3000
	};
	double		(*x)[D] = malloc(sizeof(double[N][D]));
	bool		(*nul)[D] = malloc(sizeof(bool[N][D]));
	double	   *b1 = malloc(dl_comoments_nslots(D, true) * sizeof(double));
	double	   *b2 = malloc(dl_comoments_nslots(D, false) * sizeof(double));
	double	   *b2p = malloc(dl_comoments_nslots(D, true) * sizeof(double));
	dl_comoments c1,
				c2;
	dl_detail	why;
	uint64_t	st = 11;

	th_begin("comoments: pairwise-complete covariance vs two-pass per pair");
	for (int i = 0; i < N; i++)
	{
		double		z = th_rand_normal(&st);

		for (int j = 0; j < D; j++)
		{
			x[i][j] = 1e9 + z * (j + 1) + th_rand_normal(&st);
			nul[i][j] = (j >= 3 && th_rand_uniform(&st) < 0.1 * (j - 2));
		}
	}
	dl_comoments_init(&c1, b1, D, true);
	dl_comoments_init(&c2, b2, D, false);
	for (int i = 0; i < N; i++)
	{
		bool		any = false;
		dl_comoments *c = (i < N / 3) ? &c1 : &c2;

		for (int j = 0; j < D; j++)
			any |= nul[i][j];
		if (!any)
			dl_comoments_add(c, x[i]);
		else
		{
			if (!c->has_pairs)
				dl_comoments_enable_pairs(c, b2p);
			dl_comoments_add_nulls(c, x[i], nul[i]);
		}
	}
	dl_comoments_merge(&c1, &c2);
	CHECK(dl_comoments_check(&c1, N, &why) == DL_OK);
	for (int a = 0; a < D; a++)
		for (int b = 0; b < D; b++)
		{
			long double n = 0,
						ma = 0,
						mb = 0,
						cab = 0,
						va = 0;
			double		gn,
						gcov,
						gva,
						gvb;

			for (int i = 0; i < N; i++)
				if (!nul[i][a] && !nul[i][b])
				{
					n++;
					ma += x[i][a];
					mb += x[i][b];
				}
			ma /= n;
			mb /= n;
			for (int i = 0; i < N; i++)
				if (!nul[i][a] && !nul[i][b])
				{
					cab += (x[i][a] - ma) * (x[i][b] - mb);
					va += (x[i][a] - ma) * (x[i][a] - ma);
				}
			CHECK(dl_comoments_pair(&c1, a, b, &gn, &gcov, &gva, &gvb));
			CHECK(gn == (double) n);
			CHECK_REL(gcov, (double) (cab / (n - 1)), 1e-9);
			CHECK_REL(gva, (double) (va / (n - 1)), 1e-9);
		}
	th_end();
	free(x);
	free(nul);
	free(b1);
	free(b2);
	free(b2p);
}

void
suite_comoments(void)
{
	test_comoments_pairwise();
}
