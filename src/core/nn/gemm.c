/*-------------------------------------------------------------------------
 *
 * gemm.c
 *	  C = alpha op(A) op(B) + beta C on row-major float32 matrices: the
 *	  OpenBLAS call every dense layer runs on, and a naive reference.
 *
 * A product with one row or one column (a single row scored by
 * pgdl.predict, a one-output layer) goes to sgemv: OpenBLAS's sgemm packs
 * both operands into blocks first, which for a vector costs more than the
 * product itself.
 *
 * src/core/nn/gemm.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include <cblas.h>

#include "dl_nn.h"

/*
 * sgemv scales y by beta before adding; some OpenBLAS versions compute
 * 0 * y there, so garbage NaN in an output buffer would survive beta = 0.
 * Clear it instead (a vector: cheap next to the product).
 */
static void
clear_vector(float *c, int n, int inc)
{
	if (inc == 1)
		memset(c, 0, sizeof(float) * (size_t) n);
	else
		for (int i = 0; i < n; i++)
			c[(size_t) i * inc] = 0.0f;
}

/*
 * c (1, n) = alpha a (1, k) b (k, n) + beta c, b row-major: the product of
 * one scored row with a dense layer's weights.  A plain loop over the rows
 * of b (an axpy each, which the compiler vectorizes) streams the weights
 * once, on the backend's own thread: with several BLAS threads, OpenBLAS
 * would split this memory-bound product across threads and lose more to
 * the hand-off than it gains.
 */
static void
vector_matrix(int n, int k, float alpha, const float *restrict a,
			  const float *restrict b, int ldb, float beta, float *restrict c)
{
	if (beta == 0.0f)
		memset(c, 0, sizeof(float) * (size_t) n);
	else if (beta != 1.0f)
		for (int j = 0; j < n; j++)
			c[j] *= beta;
	for (int p = 0; p < k; p++)
	{
		const float *restrict row = b + (size_t) p * ldb;
		float		ap = alpha * a[p];

		if (ap == 0.0f)
			continue;			/* zero inputs (ReLU outputs, blank pixels) cost nothing */
		for (int j = 0; j < n; j++)
			c[j] += ap * row[j];
	}
}

void
dl_sgemm(bool trans_a, bool trans_b, int m, int n, int k,
		 float alpha, const float *a, int lda, const float *b, int ldb,
		 float beta, float *c, int ldc)
{
	if (m <= 0 || n <= 0)
		return;
	if (m == 1 && k > 0 && !trans_a && !trans_b)
	{
		vector_matrix(n, k, alpha, a, b, ldb, beta, c);
		return;
	}
	if (m == 1 && k > 0)
	{
		/* c (1, n) = op(a) (1, k) op(b) (k, n): op(b)^T times a vector */
		int			inca = trans_a ? lda : 1;

		if (beta == 0.0f)
			clear_vector(c, n, 1);
		if (trans_b)			/* b is (n, k) */
			cblas_sgemv(CblasRowMajor, CblasNoTrans, n, k, alpha, b, ldb,
						a, inca, beta == 0.0f ? 1.0f : beta, c, 1);
		else					/* b is (k, n) */
			cblas_sgemv(CblasRowMajor, CblasTrans, k, n, alpha, b, ldb,
						a, inca, beta == 0.0f ? 1.0f : beta, c, 1);
		return;
	}
	if (n == 1 && k > 0)
	{
		/* c (m, 1) = op(a) (m, k) op(b) (k, 1) */
		int			incb = trans_b ? 1 : ldb;

		if (beta == 0.0f)
			clear_vector(c, m, ldc);
		if (trans_a)			/* a is (k, m) */
			cblas_sgemv(CblasRowMajor, CblasTrans, k, m, alpha, a, lda,
						b, incb, beta == 0.0f ? 1.0f : beta, c, ldc);
		else
			cblas_sgemv(CblasRowMajor, CblasNoTrans, m, k, alpha, a, lda,
						b, incb, beta == 0.0f ? 1.0f : beta, c, ldc);
		return;
	}
	cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
				trans_b ? CblasTrans : CblasNoTrans, m, n, k,
				alpha, a, lda, b, ldb, beta, c, ldc);
}

void
dl_sgemm_ref(bool trans_a, bool trans_b, int m, int n, int k,
			 float alpha, const float *a, int lda, const float *b, int ldb,
			 float beta, float *c, int ldc)
{
	for (int i = 0; i < m; i++)
		for (int j = 0; j < n; j++)
		{
			double		s = 0.0;
			float	   *cij = &c[(size_t) i * ldc + j];

			for (int p = 0; p < k; p++)
			{
				float		aip = trans_a ? a[(size_t) p * lda + i] : a[(size_t) i * lda + p];
				float		bpj = trans_b ? b[(size_t) j * ldb + p] : b[(size_t) p * ldb + j];

				s += (double) aip * bpj;
			}
			/* beta = 0 ignores what c held, as BLAS specifies */
			*cij = (float) (alpha * s + (beta == 0.0f ? 0.0 : (double) beta * *cij));
		}
}
