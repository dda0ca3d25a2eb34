/*-------------------------------------------------------------------------
 *
 * rfe.c
 *	  Recursive feature elimination (pgdl.select_features with the method
 *	  rfe): a ridge or multinomial logistic fit on standardized columns,
 *	  refitted as the weakest columns go.
 *
 * src/core/rfe.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "linalg.h"
#include "pgdl_core.h"

/*
 * The model: columns standardized (mean 0, population stddev 1; a constant
 * column stays all zero and so gets weight 0 and goes first), then
 *
 * - regression: ridge least squares, minimizing |y - ybar - Z w|^2 +
 *   RFE_LAMBDA |w|^2 (scikit-learn's Ridge(alpha=1) on standardized data),
 *   solved from the Gram matrix Z'Z (computed once, dsyrk in blocks) by
 *   Cholesky;
 * - classification: multinomial logistic regression (softmax, K weight
 *   vectors and intercepts; for two classes the same model, whose two weight
 *   vectors are opposite), minimizing the summed cross-entropy +
 *   RFE_LAMBDA/2 |W|^2 (scikit-learn's LogisticRegression(C=1) penalty), by
 *   Bohning's bound: the Hessian is at most (1/2) Z'Z (x) I, so
 *   W <- W - ((1/2) Z'Z + lambda I)^-1 gradient decreases the objective at
 *   every step (a monotone MM/quasi-Newton method with one Cholesky factor
 *   per fit), until the largest change is below 1e-6 or RFE_MAX_ITER
 *   iterations, warm-started from the previous fit.
 *
 * Each fit ranks the remaining columns by |w| (the root of the sum of
 * squares over the classes); the smallest go.  One at a time while more
 * than RFE_ONE_AT_A_TIME remain; beyond, a tenth of them per fit (as
 * scikit-learn's RFE(step=0.1)), never going below k.
 */
static dl_status rfe(const float *x, const float *y, size_t n, int d, int n_classes, int k,
					 double *score, int *rank);

#define RFE_LAMBDA 1.0
#define RFE_MAX_ITER 300
#define RFE_ONE_AT_A_TIME 100
#define RFE_BLOCK 256

typedef struct Imp
{
	double		imp;
	int			pos;
} Imp;

static int
imp_cmp(const void *a, const void *b)
{
	const Imp  *x = a;
	const Imp  *y = b;

	/* ascending importance; ties: the later column first */
	if (x->imp != y->imp)
		return x->imp < y->imp ? -1 : 1;
	return y->pos - x->pos;
}

/* softmax fit of the active columns S (m of them), W (m + 1) x K warm */
static dl_status
fit_logistic(const float *x, const float *y, size_t n, int d, int K, const double *mu,
			 const double *sd, const double *G, const int *S, int m, double *W)
{
	int			m1 = m + 1;
	double	   *B = dl_alloc(sizeof(double) * (size_t) m1 * m1);
	double	   *grad = dl_alloc(sizeof(double) * (size_t) m1 * K);
	double	   *z = dl_alloc(sizeof(double) * m1);
	double	   *p = dl_alloc(sizeof(double) * K);
	double	   *col = dl_alloc(sizeof(double) * m1);
	dl_status	st = DL_OK;

	/* B = G_SS / 2 + lambda I for the weights; the intercept's row is n/2 */
	for (int a = 0; a < m; a++)
	{
		for (int b = 0; b < m; b++)
			B[(size_t) a * m1 + b] = 0.5 * G[(size_t) S[a] * d + S[b]];
		B[(size_t) a * m1 + a] += RFE_LAMBDA;
		B[(size_t) a * m1 + m] = B[(size_t) m * m1 + a] = 0;	/* centred columns */
	}
	B[(size_t) m * m1 + m] = 0.5 * n;
	if (!dl_cholesky(B, m1))
	{
		st = dl_error(DL_EINTERNAL, "logistic regression bound is not positive definite");
		goto done;
	}
	for (int it = 0; it < RFE_MAX_ITER; it++)
	{
		double		change = 0,
					wmax = 0;

		dl_check_interrupts();
		memset(grad, 0, sizeof(double) * (size_t) m1 * K);
		for (size_t i = 0; i < n; i++)
		{
			const float *row = x + i * (size_t) d;
			double		mx = -INFINITY,
						tot = 0;
			int			yi = (int) y[i];

			for (int a = 0; a < m; a++)
				z[a] = (row[S[a]] - mu[S[a]]) / sd[S[a]];
			z[m] = 1.0;
			for (int c = 0; c < K; c++)
			{
				double		s = 0;

				for (int a = 0; a < m1; a++)
					s += z[a] * W[(size_t) a * K + c];
				p[c] = s;
				mx = s > mx ? s : mx;
			}
			for (int c = 0; c < K; c++)
			{
				p[c] = exp(p[c] - mx);
				tot += p[c];
			}
			for (int c = 0; c < K; c++)
			{
				double		r = p[c] / tot - (c == yi ? 1.0 : 0.0);

				for (int a = 0; a < m1; a++)
					grad[(size_t) a * K + c] += z[a] * r;
			}
		}
		for (int c = 0; c < K; c++)
		{
			for (int a = 0; a < m1; a++)
				col[a] = grad[(size_t) a * K + c] + (a < m ? RFE_LAMBDA * W[(size_t) a * K + c] : 0);
			dl_cholesky_solve(B, m1, col);
			for (int a = 0; a < m1; a++)
			{
				W[(size_t) a * K + c] -= col[a];
				change = fabs(col[a]) > change ? fabs(col[a]) : change;
				wmax = fabs(W[(size_t) a * K + c]) > wmax ? fabs(W[(size_t) a * K + c]) : wmax;
			}
		}
		if (change <= 1e-6 * (1 + wmax))
			break;
	}
done:
	dl_free(B);
	dl_free(grad);
	dl_free(z);
	dl_free(p);
	dl_free(col);
	return st;
}

/* ridge fit of the active columns S: w (m) */
static dl_status
fit_ridge(int d, const double *G, const double *c, const int *S, int m, double *w)
{
	double	   *A = dl_alloc(sizeof(double) * (size_t) m * m);
	dl_status	st = DL_OK;

	for (int a = 0; a < m; a++)
	{
		for (int b = 0; b < m; b++)
			A[(size_t) a * m + b] = G[(size_t) S[a] * d + S[b]];
		A[(size_t) a * m + a] += RFE_LAMBDA;
		w[a] = c[S[a]];
	}
	if (!dl_cholesky(A, m))
		st = dl_error(DL_EINTERNAL, "ridge normal equations are not positive definite");
	else
		dl_cholesky_solve(A, m, w);
	dl_free(A);
	return st;
}

dl_status
dl_rfe(const float *x, const float *y, size_t n, int d, int n_classes, int k,
	   double *score, int *rank)
{
	if (n == 0 || d <= 0 || k < 1 || k > d)
		return dl_error(DL_EINVAL, "rfe needs rows, features and 1 <= k <= %d", d);
	return rfe(x, y, n, d, n_classes, k, score, rank);
}

static dl_status
rfe(const float *x, const float *y, size_t n, int d, int n_classes, int k,
	double *score, int *rank)
{
	int			K = n_classes > 0 ? n_classes : 1;
	double	   *mu = dl_alloc(sizeof(double) * d);
	double	   *sd = dl_alloc(sizeof(double) * d);
	double	   *G = dl_alloc(sizeof(double) * (size_t) d * d);
	double	   *c = dl_alloc(sizeof(double) * d);
	double	   *zb = dl_alloc(sizeof(double) * (size_t) RFE_BLOCK * d);
	double	   *yb = dl_alloc(sizeof(double) * RFE_BLOCK);
	int		   *S = dl_alloc(sizeof(int) * d);
	double	   *W = dl_alloc(sizeof(double) * (size_t) (d + 1) * K);
	double	   *W2 = dl_alloc(sizeof(double) * (size_t) (d + 1) * K);
	Imp		   *imp = dl_alloc(sizeof(Imp) * d);
	double		ymean = 0;
	int			m = d;
	int			next_rank = d;
	dl_status	st = DL_OK;

	/* means and standard deviations (shifted sums), the target's mean */
	for (int j = 0; j < d; j++)
		mu[j] = sd[j] = 0;
	for (size_t i = 0; i < n; i++)
	{
		const float *row = x + i * (size_t) d;

		for (int j = 0; j < d; j++)
		{
			double		v = (double) row[j] - x[j];

			mu[j] += v;
			sd[j] += v * v;
		}
		ymean += y[i];
	}
	ymean /= n;
	for (int j = 0; j < d; j++)
	{
		double		var = (sd[j] - mu[j] * mu[j] / n) / n;

		mu[j] = mu[j] / n + x[j];
		sd[j] = var > 1e-24 * (1 + mu[j] * mu[j]) ? sqrt(var) : 0;
	}
	/* constant columns: z = 0, whatever sd says */

	/* G = Z'Z and c = Z'(y - ybar), by blocks of standardized rows */
	memset(G, 0, sizeof(double) * (size_t) d * d);
	memset(c, 0, sizeof(double) * d);
	for (size_t i0 = 0; i0 < n; i0 += RFE_BLOCK)
	{
		int			bn = (int) (n - i0 < RFE_BLOCK ? n - i0 : RFE_BLOCK);

		dl_check_interrupts();
		for (int r = 0; r < bn; r++)
		{
			const float *row = x + (i0 + r) * (size_t) d;

			for (int j = 0; j < d; j++)
				zb[(size_t) r * d + j] = sd[j] > 0 ? (row[j] - mu[j]) / sd[j] : 0;
			yb[r] = y[i0 + r] - ymean;
		}
		dl_dsyrk(d, bn, 1.0, zb, d, 1.0, G, d);
		dl_dgemv(true, bn, d, 1.0, zb, d, yb, 1.0, c);
	}
	for (int a = 0; a < d; a++)
		for (int b = 0; b < a; b++)
			G[(size_t) a * d + b] = G[(size_t) b * d + a];
	/* the fits see sd = 1 for constant columns, whose z is then x - mu = 0 */
	for (int j = 0; j < d; j++)
		if (sd[j] == 0)
			sd[j] = 1;

	for (int j = 0; j < d; j++)
		S[j] = j;
	memset(W, 0, sizeof(double) * (size_t) (d + 1) * K);
	for (;;)
	{
		int			drop;
		int			keep = 0;

		dl_check_interrupts();
		if (n_classes > 0)
			st = fit_logistic(x, y, n, d, K, mu, sd, G, S, m, W);
		else
			st = fit_ridge(d, G, c, S, m, W);
		if (st != DL_OK)
			break;
		for (int a = 0; a < m; a++)
		{
			double		s = 0;

			for (int q = 0; q < K; q++)
				s += W[(size_t) a * K + q] * W[(size_t) a * K + q];
			imp[a].imp = s;
			imp[a].pos = a;
			score[S[a]] = sqrt(s);
		}
		qsort(imp, m, sizeof(Imp), imp_cmp);
		if (m == k)
		{
			for (int r = m - 1; r >= 0; r--)
				rank[S[imp[r].pos]] = m - r;
			break;
		}
		drop = m > RFE_ONE_AT_A_TIME ? m / 10 : 1;
		if (drop > m - k)
			drop = m - k;
		for (int r = 0; r < drop; r++)
		{
			rank[S[imp[r].pos]] = next_rank--;
			imp[r].pos = -1 - imp[r].pos;	/* mark dropped */
		}
		/* compact S and the warm start W (rows of the kept columns, then the intercepts) */
		{
			bool	   *gone = dl_alloc(sizeof(bool) * m);

			memset(gone, 0, sizeof(bool) * m);
			for (int r = 0; r < drop; r++)
				gone[-1 - imp[r].pos] = true;
			for (int a = 0; a < m; a++)
			{
				if (gone[a])
					continue;
				S[keep] = S[a];
				memcpy(W2 + (size_t) keep * K, W + (size_t) a * K, sizeof(double) * K);
				keep++;
			}
			memcpy(W2 + (size_t) keep * K, W + (size_t) m * K, sizeof(double) * K);
			memcpy(W, W2, sizeof(double) * (size_t) (keep + 1) * K);
			dl_free(gone);
		}
		m = keep;
	}
	dl_free(mu);
	dl_free(sd);
	dl_free(G);
	dl_free(c);
	dl_free(zb);
	dl_free(yb);
	dl_free(S);
	dl_free(W);
	dl_free(W2);
	dl_free(imp);
	return st;
}
