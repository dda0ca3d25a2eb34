/*-------------------------------------------------------------------------
 *
 * test_kmeans.c
 *	  k-means and the silhouette score against independent computations:
 *	  blob means, direct SSE, naive nearest-centre search, scikit-learn's
 *	  silhouette_score (reference numbers written below).
 *
 * test/unit/test_kmeans.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "dl_nn.h"

/* three blobs of m points each, sd 0.2, around known centres; labels = blob */
static float *
make_blobs(int m, uint64_t seed, int32_t *blob)
{
	static const double centre[3][2] = {{0, 0}, {10, 10}, {-10, 10}};
	float	   *x = malloc(sizeof(float) * 3 * m * 2);
	uint64_t	s = seed;

	/* interleaved, so the rows of a blob are not adjacent */
	for (int i = 0; i < 3 * m; i++)
	{
		int			b = i % 3;

		x[2 * i] = (float) (centre[b][0] + 0.2 * th_rand_normal(&s));
		x[2 * i + 1] = (float) (centre[b][1] + 0.2 * th_rand_normal(&s));
		if (blob)
			blob[i] = b;
	}
	return x;
}

static void
test_blobs(dl_kmeans_init_method init)
{
	int			m = 200,
				n = 3 * m;
	int32_t    *blob = malloc(sizeof(int32_t) * n);
	int32_t    *lab = malloc(sizeof(int32_t) * n);
	float	   *x = make_blobs(m, 42, blob);
	dl_kmeans_options o;
	dl_kmeans_result r;
	double		mean[3][2] = {{0}};
	double		direct = 0;
	int			map[3] = {-1, -1, -1};

	th_begin(init == DL_KMEANS_PLUSPLUS ? "kmeans: k-means++ recovers the blob means"
			 : "kmeans: random init recovers the blob means");
	/* the optimum of well-separated blobs: each blob's own mean */
	for (int i = 0; i < n; i++)
	{
		mean[blob[i]][0] += x[2 * i] / (double) m;
		mean[blob[i]][1] += x[2 * i + 1] / (double) m;
	}
	dl_kmeans_options_defaults(&o);
	o.k = 3;
	o.init = init;
	o.n_init = init == DL_KMEANS_RANDOM ? 5 : 1;
	o.seed = 7;
	CHECK_STATUS(dl_kmeans_fit(x, n, 2, &o, &r, lab), DL_OK);
	CHECK(r.converged);
	CHECK(r.iterations >= 1 && r.iterations <= 300);
	/* each cluster is exactly one blob */
	for (int i = 0; i < n; i++)
	{
		if (map[blob[i]] < 0)
			map[blob[i]] = lab[i];
		CHECK(lab[i] == map[blob[i]]);
	}
	CHECK(map[0] != map[1] && map[1] != map[2] && map[0] != map[2]);
	for (int b = 0; b < 3; b++)
	{
		CHECK_NEAR(r.centers[map[b] * 2], mean[b][0], 1e-9);
		CHECK_NEAR(r.centers[map[b] * 2 + 1], mean[b][1], 1e-9);
		CHECK_NEAR(r.sizes[map[b]], m, 0);
	}
	/* the SSE is the direct sum of squared distances to the blob means */
	for (int i = 0; i < n; i++)
	{
		double		e0 = x[2 * i] - mean[blob[i]][0],
					e1 = x[2 * i + 1] - mean[blob[i]][1];

		direct += e0 * e0 + e1 * e1;
	}
	CHECK_REL(r.total_sse, direct, 1e-9);
	CHECK_REL(r.sse[0] + r.sse[1] + r.sse[2], direct, 1e-9);
	th_end();
	dl_kmeans_result_free(&r);
	free(x);
	free(blob);
	free(lab);
}

static void
test_determinism(void)
{
	int			n = 500,
				d = 7;
	float	   *x = malloc(sizeof(float) * n * d);
	uint64_t	s = 3;
	dl_kmeans_options o;
	dl_kmeans_result a,
				b,
				c;

	th_begin("kmeans: same seed, same result; n_init keeps the least SSE");
	for (int i = 0; i < n * d; i++)
		x[i] = (float) th_rand_uniform(&s);
	dl_kmeans_options_defaults(&o);
	o.k = 6;
	o.seed = 11;
	CHECK_STATUS(dl_kmeans_fit(x, n, d, &o, &a, NULL), DL_OK);
	CHECK_STATUS(dl_kmeans_fit(x, n, d, &o, &b, NULL), DL_OK);
	CHECK(memcmp(a.centers, b.centers, sizeof(double) * o.k * d) == 0);
	CHECK(a.total_sse == b.total_sse && a.iterations == b.iterations);
	/* five runs: the best is at most the first run's, which is the single run above */
	o.n_init = 5;
	CHECK_STATUS(dl_kmeans_fit(x, n, d, &o, &c, NULL), DL_OK);
	CHECK(c.total_sse <= a.total_sse);
	CHECK(c.best_init >= 1 && c.best_init <= 5);
	/* sizes add up to n */
	{
		double		sum = 0;

		for (int j = 0; j < o.k; j++)
			sum += c.sizes[j];
		CHECK_NEAR(sum, n, 0);
	}
	dl_kmeans_result_free(&a);
	dl_kmeans_result_free(&b);
	dl_kmeans_result_free(&c);
	th_end();
	free(x);
}

/* the sgemm assignment and the final SSE against a naive search in double */
static void
test_gemm_vs_naive(void)
{
	int			n = 1000,
				d = 33,
				k = 9;
	float	   *x = malloc(sizeof(float) * n * d);
	double	   *cent = malloc(sizeof(double) * k * d);
	int32_t    *lab = malloc(sizeof(int32_t) * n);
	uint64_t	s = 5;
	dl_kmeans	km;
	double		naive_sse = 0,
				sse = 0;
	int			mismatches = 0;

	th_begin("kmeans: the sgemm distance path equals a naive distance computation");
	for (int i = 0; i < n * d; i++)
		x[i] = (float) (3.0 * th_rand_normal(&s) + 1.0);
	for (int i = 0; i < k * d; i++)
		cent[i] = 3.0 * th_rand_normal(&s);
	CHECK_STATUS(dl_kmeans_create(&km, k, d), DL_OK);
	dl_kmeans_set_centers(&km, cent);
	dl_kmeans_pass_begin(&km);
	dl_kmeans_pass_block(&km, x, n, true, lab);
	for (int i = 0; i < n; i++)
	{
		int			best = 0;
		double		bd = INFINITY,
					second = INFINITY;

		for (int j = 0; j < k; j++)
		{
			double		e = 0;

			for (int t = 0; t < d; t++)
			{
				double		v = (double) x[i * d + t] - (double) (float) cent[j * d + t];

				e += v * v;
			}
			if (e < bd)
			{
				second = bd;
				bd = e;
				best = j;
			}
			else if (e < second)
				second = e;
		}
		/* only a near tie (below float rounding) may be decided otherwise */
		if (lab[i] != best && second - bd > 1e-3 * bd)
			mismatches++;
		{
			double		e = 0;

			for (int t = 0; t < d; t++)
			{
				double		v = (double) x[i * d + t] - cent[lab[i] * d + t];

				e += v * v;
			}
			naive_sse += e;
		}
	}
	CHECK(mismatches == 0);
	for (int j = 0; j < k; j++)
		sse += km.sse[j];
	CHECK_REL(sse, naive_sse, 1e-12);
	/* a Lloyd pass: the sums give the means of the assigned rows */
	{
		double		shift;
		double	   *mean = calloc((size_t) k * d, sizeof(double));
		double	   *cnt = calloc(k, sizeof(double));

		for (int i = 0; i < n; i++)
		{
			cnt[lab[i]]++;
			for (int t = 0; t < d; t++)
				mean[lab[i] * d + t] += x[i * d + t];
		}
		dl_kmeans_pass_begin(&km);
		dl_kmeans_pass_block(&km, x, n, false, NULL);
		/* the formula's SSE, for the same assignment, within float rounding */
		{
			double		fsse = 0;

			for (int j = 0; j < k; j++)
				fsse += km.sse[j];
			CHECK_REL(fsse, naive_sse, 1e-4);
		}
		dl_kmeans_pass_end(&km, &shift);
		for (int j = 0; j < k; j++)
			if (cnt[j] > 0)
				for (int t = 0; t < d; t++)
					CHECK_NEAR(km.centers[j * d + t], mean[j * d + t] / cnt[j], 1e-9);
		CHECK(shift > 0);
		free(mean);
		free(cnt);
	}
	dl_kmeans_free(&km);
	free(x);
	free(cent);
	free(lab);
	th_end();
}

/*
 * dl_kmeans_add_row, the aggregate's step, row by row into separate sums
 * (split in two parts and added, as a combine does) gives what a block pass
 * gives: the same clusters, sums and SSE to rounding
 */
static void
test_add_row(void)
{
	int			m = 300,
				n = 3 * m,
				d = 2,
				k = 3;
	float	   *x = make_blobs(m, 77, NULL);
	dl_kmeans	km;
	double	   *sums = calloc((size_t) 2 * k * d, sizeof(double));
	double	   *counts = calloc(2 * k, sizeof(double));
	double	   *sse = calloc(2 * k, sizeof(double));
	int32_t    *lab = malloc(sizeof(int32_t) * n);
	static const double start[6] = {1, 1, 9, 9, -9, 9};

	th_begin("kmeans: one row at a time equals a block pass");
	CHECK_STATUS(dl_kmeans_create(&km, k, d), DL_OK);
	for (int final = 0; final <= 1; final++)
	{
		dl_kmeans_set_centers(&km, start);
		memset(sums, 0, sizeof(double) * 2 * k * d);
		memset(counts, 0, sizeof(double) * 2 * k);
		memset(sse, 0, sizeof(double) * 2 * k);
		dl_kmeans_pass_begin(&km);
		dl_kmeans_pass_block(&km, x, n, final, lab);
		for (int i = 0; i < n; i++)
		{
			int			part = i % 2;	/* two partial states */

			CHECK(dl_kmeans_add_row(&km, x + (size_t) i * d, final, sums + part * k * d,
									counts + part * k, sse + part * k) == lab[i]);
		}
		for (int j = 0; j < k; j++)
		{
			CHECK(counts[j] + counts[k + j] == km.counts[j]);
			/*
			 * the SSE sums float32 distances that sgemm computes for one row
			 * or for a block: OpenBLAS's kernels may round those apart (0.3.29
			 * does, by about 3e-7 relative), so float32's precision
			 */
			CHECK_NEAR(sse[j] + sse[k + j], km.sse[j], 1e-5 * (1 + km.sse[j]));
			for (int t = 0; t < d && !final; t++)
				CHECK_NEAR(sums[j * d + t] + sums[k * d + j * d + t], km.sums[j * d + t],
						   1e-9 * (1 + fabs(km.sums[j * d + t])));
		}
	}
	dl_kmeans_free(&km);
	free(x);
	free(sums);
	free(counts);
	free(sse);
	free(lab);
	th_end();
}

static void
test_empty_cluster(void)
{
	/* 1-D rows 0, 1, 2, 10; centres 1 and 100: centre 2 gets no row */
	float		x[4] = {0, 1, 2, 10};
	double		c[2] = {1, 100};
	dl_kmeans	km;
	double		shift;

	th_begin("kmeans: an empty cluster is re-seeded with the farthest row");
	CHECK_STATUS(dl_kmeans_create(&km, 2, 1), DL_OK);
	dl_kmeans_set_centers(&km, c);
	dl_kmeans_pass_begin(&km);
	dl_kmeans_pass_block(&km, x, 4, false, NULL);
	CHECK_NEAR(km.counts[1], 0, 0);
	dl_kmeans_pass_end(&km, &shift);
	CHECK(km.reseeded == 1);
	/* row 10 (81 from its centre, the farthest) moved to cluster 2 */
	CHECK_NEAR(km.centers[1], 10, 0);
	CHECK_NEAR(km.centers[0], 1, 1e-12);	/* mean of 0, 1, 2 */
	CHECK_NEAR(km.counts[0], 3, 0);
	CHECK_NEAR(shift, 90.0 * 90.0, 1e-9);	/* centre 1 stays at 1 */
	dl_kmeans_free(&km);
	th_end();
}

static void
test_errors(void)
{
	/* 6 rows, 3 distinct */
	float		x[12] = {1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3};
	float		bad[4] = {1, 2, NAN, 4};
	dl_kmeans_options o;
	dl_kmeans_result r;

	th_begin("kmeans: errors: k > distinct rows, k < 1, no rows, NaN, options");
	dl_kmeans_options_defaults(&o);
	o.k = 4;
	th_clear_error();
	CHECK_STATUS(dl_kmeans_fit(x, 6, 2, &o, &r, NULL), DL_EINVAL);
	CHECK(strstr(th_last_message, "distinct rows (3 of 6") != NULL);
	o.init = DL_KMEANS_RANDOM;
	CHECK_STATUS(dl_kmeans_fit(x, 6, 2, &o, &r, NULL), DL_EINVAL);
	CHECK(strstr(th_last_message, "distinct rows (3 of 6") != NULL);
	o.k = 3;
	CHECK_STATUS(dl_kmeans_fit(x, 6, 2, &o, &r, NULL), DL_OK);
	CHECK_NEAR(r.total_sse, 0, 0);
	dl_kmeans_result_free(&r);
	o.init = DL_KMEANS_PLUSPLUS;
	CHECK_STATUS(dl_kmeans_fit(x, 6, 2, &o, &r, NULL), DL_OK);
	CHECK_NEAR(r.total_sse, 0, 0);
	dl_kmeans_result_free(&r);
	o.k = 7;
	CHECK_STATUS(dl_kmeans_fit(x, 6, 2, &o, &r, NULL), DL_EINVAL);
	o.k = 0;
	CHECK_STATUS(dl_kmeans_fit(x, 6, 2, &o, &r, NULL), DL_EINVAL);
	o.k = 1;
	CHECK_STATUS(dl_kmeans_fit(x, 0, 2, &o, &r, NULL), DL_EINVAL);
	CHECK_STATUS(dl_kmeans_fit(x, 6, 0, &o, &r, NULL), DL_EDIM);
	CHECK_STATUS(dl_kmeans_fit(bad, 2, 2, &o, &r, NULL), DL_EINVAL);
	CHECK(strstr(th_last_message, "feature 1 of row 2 is NaN") != NULL);
	o.max_iter = 0;
	CHECK_STATUS(dl_kmeans_fit(x, 6, 2, &o, &r, NULL), DL_EINVAL);
	o.max_iter = 10;
	o.tol = -1;
	CHECK_STATUS(dl_kmeans_fit(x, 6, 2, &o, &r, NULL), DL_EINVAL);
	th_end();
}

static void
test_silhouette(void)
{
	double		x[20] = {0, 0, 0, 1, 1, 0, 1, 1.5, 5, 5, 5, 6, 6, 5, 9, 0, 9, 1, 10, 0.5};
	int32_t		l1[10] = {0, 0, 0, 0, 1, 1, 1, 2, 2, 2};
	int32_t		l2[10] = {0, 0, 0, 1, 1, 1, 1, 2, 2, 0};
	int32_t		l3[10] = {0, 0, 0, 0, 1, 1, 1, 1, 1, 3};
	int32_t		one[10] = {0};
	double		s;

	th_begin("silhouette: equals scikit-learn's silhouette_score");
	/* sklearn.metrics.silhouette_score(X, labels) */
	CHECK_STATUS(dl_silhouette(x, 10, 2, l1, 3, &s), DL_OK);
	CHECK_NEAR(s, 0.8156473883164843, 1e-12);
	CHECK_STATUS(dl_silhouette(x, 10, 2, l2, 3, &s), DL_OK);
	CHECK_NEAR(s, 0.29460148046258333, 1e-12);
	/* a singleton cluster scores 0; an unused label is fine */
	CHECK_STATUS(dl_silhouette(x, 10, 2, l3, 4, &s), DL_OK);
	CHECK_NEAR(s, 0.3083789075945053, 1e-12);
	CHECK_STATUS(dl_silhouette(x, 10, 2, one, 1, &s), DL_EINVAL);
	th_end();
}

void
suite_kmeans(void)
{
	test_blobs(DL_KMEANS_PLUSPLUS);
	test_blobs(DL_KMEANS_RANDOM);
	test_determinism();
	test_gemm_vs_naive();
	test_add_row();
	test_empty_cluster();
	test_errors();
	test_silhouette();
}
