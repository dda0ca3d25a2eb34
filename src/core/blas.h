/*-------------------------------------------------------------------------
 *
 * blas.h
 *	  The BLAS and LAPACK calls of pgdl, each beside a naive twin.
 *
 * Every product of the network engine and the analytics goes through these
 * wrappers, so src/core/blas.c is the only file that includes cblas.h or
 * declares a LAPACK routine.  Each *_ref function computes the same result
 * with plain loops (sums in double); the unit tests compare each wrapper
 * with its twin on odd sizes and leading dimensions.  Matrices are
 * row-major.  Part of the ground floor under the network engine and the
 * analytics.
 *
 * src/core/blas.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_BLAS_H
#define PGDL_BLAS_H

#include "pgdl_core.h"

/*
 * C (m, n) = alpha op(A) op(B) + beta C, float32: cblas_sgemm, or sgemv
 * (or a plain loop) when C is one row or one column.  beta = 0 ignores
 * what C held, even NaN.
 */
extern void dl_sgemm(bool trans_a, bool trans_b, int m, int n, int k,
					 float alpha, const float *a, int lda, const float *b, int ldb,
					 float beta, float *c, int ldc);
extern void dl_sgemm_ref(bool trans_a, bool trans_b, int m, int n, int k,
						 float alpha, const float *a, int lda, const float *b, int ldb,
						 float beta, float *c, int ldc);

/* C (m, n) = alpha op(A) op(B) + beta C, double: cblas_dgemm */
extern void dl_dgemm(bool trans_a, bool trans_b, int m, int n, int k,
					 double alpha, const double *a, int lda, const double *b, int ldb,
					 double beta, double *c, int ldc);
extern void dl_dgemm_ref(bool trans_a, bool trans_b, int m, int n, int k,
						 double alpha, const double *a, int lda, const double *b, int ldb,
						 double beta, double *c, int ldc);

/* y = alpha op(A) x + beta y, A (m, n), double: cblas_dgemv */
extern void dl_dgemv(bool trans, int m, int n, double alpha, const double *a, int lda,
					 const double *x, double beta, double *y);
extern void dl_dgemv_ref(bool trans, int m, int n, double alpha, const double *a, int lda,
						 const double *x, double beta, double *y);

/*
 * The upper triangle of C (n, n) = alpha A^T A + beta C, A (k, n): a
 * scatter or Gram matrix from a block of k rows (cblas_dsyrk).  The strict
 * lower triangle is not written.
 */
extern void dl_dsyrk(int n, int k, double alpha, const double *a, int lda,
					 double beta, double *c, int ldc);
extern void dl_dsyrk_ref(int n, int k, double alpha, const double *a, int lda,
						 double beta, double *c, int ldc);

/* the upper triangle of C (n, n) += alpha x x^T (cblas_dsyr) */
extern void dl_dsyr(int n, double alpha, const double *x, double *c, int ldc);
extern void dl_dsyr_ref(int n, double alpha, const double *x, double *c, int ldc);

/*
 * Eigenvalues il..iu (1-based, ascending order) of the symmetric n x n
 * matrix a, whose upper triangle is read and which is destroyed, into w
 * (iu - il + 1 of them; w must hold n), and their unit eigenvectors into
 * z, one after the other (n each): LAPACK's dsyevr (MRRR).  DL_EINTERNAL
 * when LAPACK fails.  The twin finds all n eigenpairs, ascending, with
 * cyclic Jacobi rotations (a is read, not written).
 */
extern dl_status dl_dsyevr(int n, double *a, int il, int iu, double *w, double *z);
extern void dl_dsyev_ref(int n, const double *a, double *w, double *z);

#endif							/* PGDL_BLAS_H */
