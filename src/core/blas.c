/*-------------------------------------------------------------------------
 *
 * blas.c
 *	  The BLAS and LAPACK calls of pgdl (OpenBLAS), each beside its naive
 *	  twin: the only file that includes cblas.h.
 *
 * sgemm is the product every dense, convolution, recurrent and attention
 * layer runs on.  A product with one row or one column (a single row
 * scored by pgdl.predict, a one-output layer) goes to sgemv, or for one
 * row times a row-major matrix to a plain loop: OpenBLAS's sgemm packs
 * both operands into blocks first, which for a vector costs more than the
 * product itself.  The double-precision calls are the analytics': dgemm
 * for the silhouette's distances, dgemv and dsyrk for the feature
 * selection's Gram matrix, dsyrk and dsyr for PCA's scatter matrix, and
 * LAPACK's dsyevr for its eigenpairs (OpenBLAS exports the Fortran
 * symbol; there is no LAPACKE here, so its prototype is declared below).
 *
 * The twins are plain loops with sums in double, slow and obviously right:
 * the unit tests (test_blas.c) compare each call with its twin.
 *
 * src/core/blas.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include <cblas.h>

#include "blas.h"

/* LAPACK (Fortran calling convention, hidden string lengths last) */
extern void dsyevr_(const char *jobz, const char *range, const char *uplo,
					const int *n, double *a, const int *lda,
					const double *vl, const double *vu, const int *il, const int *iu,
					const double *abstol, int *m, double *w, double *z, const int *ldz,
					int *isuppz, double *work, const int *lwork, int *iwork,
					const int *liwork, int *info,
					size_t jobz_len, size_t range_len, size_t uplo_len);

/* ---- sgemm ---- */

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

/* ---- double precision ---- */

void
dl_dgemm(bool trans_a, bool trans_b, int m, int n, int k,
		 double alpha, const double *a, int lda, const double *b, int ldb,
		 double beta, double *c, int ldc)
{
	cblas_dgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
				trans_b ? CblasTrans : CblasNoTrans, m, n, k,
				alpha, a, lda, b, ldb, beta, c, ldc);
}

void
dl_dgemm_ref(bool trans_a, bool trans_b, int m, int n, int k,
			 double alpha, const double *a, int lda, const double *b, int ldb,
			 double beta, double *c, int ldc)
{
	for (int i = 0; i < m; i++)
		for (int j = 0; j < n; j++)
		{
			double		s = 0.0;
			double	   *cij = &c[(size_t) i * ldc + j];

			for (int p = 0; p < k; p++)
				s += (trans_a ? a[(size_t) p * lda + i] : a[(size_t) i * lda + p]) *
					(trans_b ? b[(size_t) j * ldb + p] : b[(size_t) p * ldb + j]);
			*cij = alpha * s + (beta == 0.0 ? 0.0 : beta * *cij);
		}
}

void
dl_dgemv(bool trans, int m, int n, double alpha, const double *a, int lda,
		 const double *x, double beta, double *y)
{
	cblas_dgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, m, n, alpha, a, lda,
				x, 1, beta, y, 1);
}

void
dl_dgemv_ref(bool trans, int m, int n, double alpha, const double *a, int lda,
			 const double *x, double beta, double *y)
{
	int			rows = trans ? n : m;
	int			cols = trans ? m : n;

	for (int i = 0; i < rows; i++)
	{
		double		s = 0.0;

		for (int j = 0; j < cols; j++)
			s += (trans ? a[(size_t) j * lda + i] : a[(size_t) i * lda + j]) * x[j];
		y[i] = alpha * s + (beta == 0.0 ? 0.0 : beta * y[i]);
	}
}

void
dl_dsyrk(int n, int k, double alpha, const double *a, int lda,
		 double beta, double *c, int ldc)
{
	cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, n, k, alpha, a, lda, beta, c, ldc);
}

void
dl_dsyrk_ref(int n, int k, double alpha, const double *a, int lda,
			 double beta, double *c, int ldc)
{
	for (int i = 0; i < n; i++)
		for (int j = i; j < n; j++)
		{
			double		s = 0.0;
			double	   *cij = &c[(size_t) i * ldc + j];

			for (int p = 0; p < k; p++)
				s += a[(size_t) p * lda + i] * a[(size_t) p * lda + j];
			*cij = alpha * s + (beta == 0.0 ? 0.0 : beta * *cij);
		}
}

void
dl_dsyr(int n, double alpha, const double *x, double *c, int ldc)
{
	cblas_dsyr(CblasRowMajor, CblasUpper, n, alpha, x, 1, c, ldc);
}

void
dl_dsyr_ref(int n, double alpha, const double *x, double *c, int ldc)
{
	for (int i = 0; i < n; i++)
		for (int j = i; j < n; j++)
			c[(size_t) i * ldc + j] += alpha * x[i] * x[j];
}

/* ---- symmetric eigenproblems ---- */

dl_status
dl_dsyevr(int n, double *a, int il, int iu, double *w, double *z)
{
	int			m = 0,
				info = 0,
				lwork = -1,
				liwork = -1,
				iwork_query = 0;
	int			k = iu - il + 1;
	double		vl = 0.0,
				vu = 0.0,
				abstol = 0.0,
				work_query = 0.0;
	int		   *isuppz;
	double	   *work;
	int		   *iwork;

	/* workspace query (W is n long whatever the range: LAPACK uses all of it) */
	dsyevr_("V", "I", "U", &n, a, &n, &vl, &vu, &il, &iu, &abstol, &m, w, z, &n,
			NULL, &work_query, &lwork, &iwork_query, &liwork, &info, 1, 1, 1);
	if (info != 0)
		return dl_error(DL_EINTERNAL, "LAPACK dsyevr workspace query failed (INFO = %d)", info);
	lwork = (int) work_query;
	liwork = iwork_query;
	work = dl_alloc(sizeof(double) * (size_t) (lwork > 1 ? lwork : 1));
	iwork = dl_alloc(sizeof(int) * (size_t) (liwork > 1 ? liwork : 1));
	isuppz = dl_alloc(sizeof(int) * 2 * (size_t) k);
	dl_check_interrupts();
	dsyevr_("V", "I", "U", &n, a, &n, &vl, &vu, &il, &iu, &abstol, &m, w, z, &n,
			isuppz, work, &lwork, iwork, &liwork, &info, 1, 1, 1);
	dl_free(isuppz);
	dl_free(iwork);
	dl_free(work);
	if (info != 0 || m != k)
		return dl_error(DL_EINTERNAL, "LAPACK dsyevr failed (INFO = %d, %d of %d eigenvalues)", info, m, k);
	return DL_OK;
}

/*
 * Cyclic Jacobi (Golub and Van Loan, algorithm 8.5.3): rotations zero the
 * off-diagonal elements one by one, sweep after sweep, until they are
 * negligible next to the diagonal; the rotations' product holds the
 * eigenvectors as its columns.
 */
void
dl_dsyev_ref(int n, const double *a0, double *w, double *z)
{
	size_t		nn = (size_t) n * n;
	double	   *a = dl_alloc(sizeof(double) * nn);
	double	   *v = dl_alloc(sizeof(double) * nn);
	int		   *order = dl_alloc(sizeof(int) * (size_t) n);

	/* the full symmetric matrix from its upper triangle */
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			a[(size_t) i * n + j] = i <= j ? a0[(size_t) i * n + j] : a0[(size_t) j * n + i];
	memset(v, 0, sizeof(double) * nn);
	for (int i = 0; i < n; i++)
		v[(size_t) i * n + i] = 1.0;
	for (int sweep = 0; sweep < 100; sweep++)
	{
		double		off = 0.0,
					diag = 0.0;

		for (int i = 0; i < n; i++)
		{
			diag += a[(size_t) i * n + i] * a[(size_t) i * n + i];
			for (int j = i + 1; j < n; j++)
				off += a[(size_t) i * n + j] * a[(size_t) i * n + j];
		}
		if (off <= 1e-30 * diag || off == 0.0)
			break;
		for (int p = 0; p < n; p++)
			for (int q = p + 1; q < n; q++)
			{
				double		apq = a[(size_t) p * n + q];
				double		theta,
							t,
							c,
							s;

				if (apq == 0.0)
					continue;
				theta = (a[(size_t) q * n + q] - a[(size_t) p * n + p]) / (2.0 * apq);
				t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1.0));
				c = 1.0 / sqrt(t * t + 1.0);
				s = t * c;
				/* A = J^T A J with J the rotation in the (p, q) plane */
				for (int k = 0; k < n; k++)
				{
					double		akp = a[(size_t) k * n + p];
					double		akq = a[(size_t) k * n + q];

					a[(size_t) k * n + p] = c * akp - s * akq;
					a[(size_t) k * n + q] = s * akp + c * akq;
				}
				for (int k = 0; k < n; k++)
				{
					double		apk = a[(size_t) p * n + k];
					double		aqk = a[(size_t) q * n + k];

					a[(size_t) p * n + k] = c * apk - s * aqk;
					a[(size_t) q * n + k] = s * apk + c * aqk;
				}
				for (int k = 0; k < n; k++)
				{
					double		vkp = v[(size_t) k * n + p];
					double		vkq = v[(size_t) k * n + q];

					v[(size_t) k * n + p] = c * vkp - s * vkq;
					v[(size_t) k * n + q] = s * vkp + c * vkq;
				}
			}
	}
	/* ascending, by insertion: n is small in the tests */
	for (int i = 0; i < n; i++)
	{
		int			j = i;

		while (j > 0 && a[(size_t) order[j - 1] * n + order[j - 1]] > a[(size_t) i * n + i])
		{
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	for (int r = 0; r < n; r++)
	{
		int			e = order[r];

		w[r] = a[(size_t) e * n + e];
		for (int k = 0; k < n; k++)
			z[(size_t) r * n + k] = v[(size_t) k * n + e];
	}
	dl_free(order);
	dl_free(v);
	dl_free(a);
}
