/*-------------------------------------------------------------------------
 *
 * test_blas.c
 *	  The double-precision BLAS wrappers and the LAPACK eigen solver
 *	  against their naive twins (blas.c), on odd sizes, padded leading
 *	  dimensions, every transpose and the special alpha and beta values.
 *	  (sgemm and its twin are checked in test_nn.c.)
 *
 * test/unit/test_blas.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "harness.h"

static double *
random_doubles(size_t n, uint64_t *st)
{
	double	   *x = malloc(sizeof(double) * (n ? n : 1));

	for (size_t i = 0; i < n; i++)
		x[i] = th_rand_normal(st);
	return x;
}

/* the largest |a - b| over n values, relative to the largest |b| (at least 1) */
static double
worst_rel(const double *a, const double *b, size_t n)
{
	double		worst = 0.0,
				scale = 1.0;

	for (size_t i = 0; i < n; i++)
		scale = fabs(b[i]) > scale ? fabs(b[i]) : scale;
	for (size_t i = 0; i < n; i++)
	{
		double		d = fabs(a[i] - b[i]);

		/* NaN counts as the worst */
		if (!(d <= worst))
			worst = isnan(d) ? INFINITY : d;
	}
	return worst / scale;
}

static const int sizes[] = {1, 2, 3, 7, 16, 33};

#define N_SIZES ((int) (sizeof(sizes) / sizeof(sizes[0])))

/* alpha and beta by case: 1 and 0 (C ignored, even NaN), then 1, then random */
static void
scalars(int c, uint64_t *st, double *alpha, double *beta)
{
	*alpha = c % 3 == 0 ? 1.0 : th_rand_normal(st);
	*beta = c % 4 == 0 ? 0.0 : (c % 4 == 1 ? 1.0 : th_rand_normal(st));
}

static void
test_dgemm(void)
{
	uint64_t	st = 5;
	int			cases = 0;

	th_begin("blas: dgemm equals its twin for every transpose, odd sizes, alpha, beta");
	for (int im = 0; im < N_SIZES; im++)
		for (int in = 0; in < N_SIZES; in++)
			for (int ik = 0; ik < N_SIZES; ik += 2)
				for (int t = 0; t < 4; t++, cases++)
				{
					int			m = sizes[im],
								n = sizes[in],
								k = sizes[ik];
					bool		ta = t & 1,
								tb = t & 2;
					int			lda = (ta ? m : k) + 2,
								ldb = (tb ? k : n) + 1,
								ldc = n + 3;
					size_t		nc = (size_t) m * ldc;
					double	   *a = random_doubles((size_t) (ta ? k : m) * lda, &st);
					double	   *b = random_doubles((size_t) (tb ? n : k) * ldb, &st);
					double	   *c1 = random_doubles(nc, &st);
					double	   *c2 = malloc(sizeof(double) * nc);
					double		alpha,
								beta;

					scalars(cases, &st, &alpha, &beta);
					if (beta == 0.0)
						for (size_t i = 0; i < nc; i++)
							c1[i] = NAN;
					memcpy(c2, c1, sizeof(double) * nc);
					dl_dgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c1, ldc);
					dl_dgemm_ref(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c2, ldc);
					for (int i = 0; i < m; i++)
						if (!(worst_rel(c1 + (size_t) i * ldc, c2 + (size_t) i * ldc, n) < 1e-12))
						{
							th_fail(__FILE__, __LINE__, "dgemm m=%d n=%d k=%d ta=%d tb=%d differs in row %d",
									m, n, k, ta, tb, i);
							break;
						}
					free(a);
					free(b);
					free(c1);
					free(c2);
				}
	th_end();
}

static void
test_dgemv(void)
{
	uint64_t	st = 6;
	int			cases = 0;

	th_begin("blas: dgemv equals its twin, both transposes, alpha, beta");
	for (int im = 0; im < N_SIZES; im++)
		for (int in = 0; in < N_SIZES; in++)
			for (int t = 0; t < 2; t++, cases++)
			{
				int			m = sizes[im],
							n = sizes[in],
							lda = n + 2;
				int			ny = t ? n : m;
				double	   *a = random_doubles((size_t) m * lda, &st);
				double	   *x = random_doubles(t ? m : n, &st);
				double	   *y1 = random_doubles(ny, &st);
				double	   *y2 = malloc(sizeof(double) * ny);
				double		alpha,
							beta;

				scalars(cases, &st, &alpha, &beta);
				memcpy(y2, y1, sizeof(double) * ny);
				dl_dgemv(t, m, n, alpha, a, lda, x, beta, y1);
				dl_dgemv_ref(t, m, n, alpha, a, lda, x, beta, y2);
				if (!(worst_rel(y1, y2, ny) < 1e-12))
					th_fail(__FILE__, __LINE__, "dgemv m=%d n=%d trans=%d differs", m, n, t);
				free(a);
				free(x);
				free(y1);
				free(y2);
			}
	th_end();
}

static void
test_dsyrk_dsyr(void)
{
	uint64_t	st = 7;
	int			cases = 0;

	th_begin("blas: dsyrk and dsyr equal their twins on the upper triangle and leave the lower alone");
	for (int in = 0; in < N_SIZES; in++)
		for (int ik = 0; ik < N_SIZES; ik++, cases++)
		{
			int			n = sizes[in],
						k = sizes[ik],
						lda = n + 1,
						ldc = n + 2;
			size_t		nc = (size_t) n * ldc;
			double	   *a = random_doubles((size_t) k * lda, &st);
			double	   *x = random_doubles(n, &st);
			double	   *c1 = random_doubles(nc, &st);
			double	   *c2 = malloc(sizeof(double) * nc);
			double	   *c0 = malloc(sizeof(double) * nc);
			double		alpha,
						beta;

			scalars(cases, &st, &alpha, &beta);
			memcpy(c2, c1, sizeof(double) * nc);
			memcpy(c0, c1, sizeof(double) * nc);
			dl_dsyrk(n, k, alpha, a, lda, beta, c1, ldc);
			dl_dsyrk_ref(n, k, alpha, a, lda, beta, c2, ldc);
			dl_dsyr(n, alpha, x, c1, ldc);
			dl_dsyr_ref(n, alpha, x, c2, ldc);
			for (int i = 0; i < n; i++)
			{
				const double *r1 = c1 + (size_t) i * ldc;
				const double *r2 = c2 + (size_t) i * ldc;

				if (!(worst_rel(r1 + i, r2 + i, n - i) < 1e-12) ||
					memcmp(r1, c0 + (size_t) i * ldc, sizeof(double) * i) != 0)
				{
					th_fail(__FILE__, __LINE__, "dsyrk/dsyr n=%d k=%d differ in row %d", n, k, i);
					break;
				}
			}
			free(a);
			free(x);
			free(c0);
			free(c1);
			free(c2);
		}
	th_end();
}

static void
test_dsyevr(void)
{
	uint64_t	st = 8;

	th_begin("blas: dsyevr's eigenpairs (all, and the top few) equal the Jacobi twin's");
	for (int in = 0; in < N_SIZES; in++)
	{
		int			n = sizes[in];
		size_t		nn = (size_t) n * n;
		double	   *m = random_doubles(nn, &st);
		double	   *a = malloc(sizeof(double) * nn);
		double	   *w1 = malloc(sizeof(double) * n);
		double	   *z1 = malloc(sizeof(double) * nn);
		double	   *w2 = malloc(sizeof(double) * n);
		double	   *z2 = malloc(sizeof(double) * nn);

		/* symmetric, with a clear gap between eigenvalues most of the time */
		for (int i = 0; i < n; i++)
			for (int j = 0; j < n; j++)
				a[(size_t) i * n + j] = m[(size_t) i * n + j] + m[(size_t) j * n + i] +
					(i == j ? 3.0 * i : 0.0);
		dl_dsyev_ref(n, a, w2, z2);
		for (int top = 0; top < 2; top++)
		{
			int			il = top ? (n > 2 ? n - 2 : 1) : 1;
			int			k = n - il + 1;
			double	   *copy = malloc(sizeof(double) * nn);

			memcpy(copy, a, sizeof(double) * nn);
			CHECK_STATUS(dl_dsyevr(n, copy, il, n, w1, z1), DL_OK);
			for (int e = 0; e < k; e++)
			{
				int			r = il - 1 + e;
				double		dot = 0.0;

				CHECK_NEAR(w1[e], w2[r], 1e-10 * (1.0 + fabs(w2[r])));
				for (int j = 0; j < n; j++)
					dot += z1[(size_t) e * n + j] * z2[(size_t) r * n + j];
				/* the same unit vector up to its sign */
				CHECK_NEAR(fabs(dot), 1.0, 1e-9);
			}
			free(copy);
		}
		free(m);
		free(a);
		free(w1);
		free(z1);
		free(w2);
		free(z2);
	}
	th_end();
}

void
suite_blas(void)
{
	test_dgemm();
	test_dgemv();
	test_dsyrk_dsyr();
	test_dsyevr();
}
