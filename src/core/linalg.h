/*-------------------------------------------------------------------------
 *
 * linalg.h
 *	  Small dense linear algebra in double precision: a Cholesky factor and
 *	  its solve (feature selection's ridge and logistic fits), and the top
 *	  eigenpairs of a symmetric matrix (PCA).  Part of the ground floor
 *	  under the network engine and the analytics.
 *
 * src/core/linalg.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_LINALG_H
#define PGDL_LINALG_H

#include "pgdl_core.h"

/* Cholesky of the SPD n x n matrix a in place (lower); false when not positive definite */
extern bool dl_cholesky(double *a, int n);
/* solves L L^T x = b in place with the factor of dl_cholesky */
extern void dl_cholesky_solve(const double *l, int n, double *b);

/*
 * The k largest eigenvalues of the symmetric d x d matrix a (destroyed),
 * descending, and their eigenvectors as the rows of vectors (k x d), each
 * flipped so that its largest-magnitude element (the first on a tie) is
 * positive.  DL_ERANGE when a holds a non-finite element.
 */
extern dl_status dl_sym_eigen_top(int d, double *a, int k, double *values, double *vectors);

#endif							/* PGDL_LINALG_H */
