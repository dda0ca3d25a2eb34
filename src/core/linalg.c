/*-------------------------------------------------------------------------
 *
 * linalg.c
 *	  A dense SPD solver (Cholesky) and the top eigenpairs of a symmetric
 *	  matrix, in double precision.
 *
 * The Cholesky factor is the textbook column-by-column one (Golub and Van
 * Loan, algorithm 4.2.1): feature selection factors matrices of a few
 * thousand columns, many times over, so it checks for interrupts.
 *
 * The eigenpairs come from LAPACK's dsyevr (blas.c), asked for the k
 * largest only.  A symmetric matrix is its own transpose, so row- and
 * column-major storage give the same problem; the eigenvectors come back
 * one contiguous vector each.  Sign convention: each eigenvector is
 * flipped so that its element of largest absolute value is positive (the
 * first such element on a tie).  This is scikit-learn's
 * svd_flip(u_based_decision=False), which PCA uses since scikit-learn 1.5,
 * applied to the components.
 *
 * src/core/linalg.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "blas.h"
#include "linalg.h"

bool
dl_cholesky(double *a, int n)
{
	for (int j = 0; j < n; j++)
	{
		double		s = a[(size_t) j * n + j];

		/* O(n^3): rfe factors thousands of columns, many times over */
		if ((j & 63) == 0)
			dl_check_interrupts();

		for (int k = 0; k < j; k++)
			s -= a[(size_t) j * n + k] * a[(size_t) j * n + k];
		if (!(s > 0))
			return false;
		s = sqrt(s);
		a[(size_t) j * n + j] = s;
		for (int i = j + 1; i < n; i++)
		{
			double		t = a[(size_t) i * n + j];

			for (int k = 0; k < j; k++)
				t -= a[(size_t) i * n + k] * a[(size_t) j * n + k];
			a[(size_t) i * n + j] = t / s;
		}
		for (int i = 0; i < j; i++)
			a[(size_t) i * n + j] = 0;	/* keep the upper part clean */
	}
	return true;
}

void
dl_cholesky_solve(const double *l, int n, double *b)
{
	for (int i = 0; i < n; i++)
	{
		double		s = b[i];

		for (int k = 0; k < i; k++)
			s -= l[(size_t) i * n + k] * b[k];
		b[i] = s / l[(size_t) i * n + i];
	}
	for (int i = n - 1; i >= 0; i--)
	{
		double		s = b[i];

		for (int k = i + 1; k < n; k++)
			s -= l[(size_t) k * n + i] * b[k];
		b[i] = s / l[(size_t) i * n + i];
	}
}

/* flips v so that its largest-magnitude element (the first on a tie) is positive */
static void
fix_sign(double *v, int d)
{
	int			best = 0;

	for (int j = 1; j < d; j++)
		if (fabs(v[j]) > fabs(v[best]))
			best = j;
	if (v[best] < 0.0)
		for (int j = 0; j < d; j++)
			v[j] = -v[j];
	/* no -0.0 in the results */
	for (int j = 0; j < d; j++)
		if (v[j] == 0.0)
			v[j] = 0.0;
}

dl_status
dl_sym_eigen_top(int d, double *a, int k, double *values, double *vectors)
{
	double	   *w;
	dl_status	st;

	if (d < 1 || k < 1 || k > d)
		return dl_error(DL_EINVAL, "the number of eigenpairs must be between 1 and %d, not %d", d, k);
	for (size_t i = 0; i < (size_t) d * d; i++)
		if (!isfinite(a[i]))
			return dl_error(DL_ERANGE, "the matrix has a non-finite element: the data overflow double precision");
	w = dl_alloc(sizeof(double) * (size_t) d);
	st = dl_dsyevr(d, a, d - k + 1, d, w, vectors);
	if (st == DL_OK)
		memcpy(values, w, sizeof(double) * (size_t) k);
	dl_free(w);
	if (st != DL_OK)
		return st;

	/* ascending from LAPACK: reverse to descending, vectors with them */
	for (int i = 0, j = k - 1; i < j; i++, j--)
	{
		double		t = values[i];

		values[i] = values[j];
		values[j] = t;
		for (int c = 0; c < d; c++)
		{
			double		u = vectors[(size_t) i * d + c];

			vectors[(size_t) i * d + c] = vectors[(size_t) j * d + c];
			vectors[(size_t) j * d + c] = u;
		}
	}
	for (int i = 0; i < k; i++)
		fix_sign(vectors + (size_t) i * d, d);
	return DL_OK;
}
