/*-------------------------------------------------------------------------
 *
 * pca.c
 *	  Principal component analysis: a blocked scatter matrix, the top
 *	  eigenpairs of a symmetric matrix through LAPACK, and the fit.
 *
 * The scatter matrix (sum of (x - mean)(x - mean)^T) is accumulated over
 * blocks of DL_SCATTER_BLOCK rows.  Each block is centered on its own mean
 * (two passes over the block, the second correcting the first's rounding)
 * and its scatter added with one cblas_dsyrk; the blocks are merged with
 * Chan et al.'s update, a rank-one dsyr of the difference of the means.
 * Rows are stored minus the first row (a shift, as comoments.c does), so
 * the means stay small and keep their digits.
 * That is as stable as the row-by-row Welford step of comoments.c (data
 * like 1e9 + U(0,1) keeps its precision: nothing is ever summed around
 * zero) but runs at BLAS speed: the row-by-row update costs d(d+1)/2
 * scalar multiply-adds a row on a triangle that does not fit in cache
 * (784 features: 2.4 MB streamed once per row), the blocked one is a
 * level-3 kernel.
 *
 * The eigenpairs come from LAPACK's dsyevr (MRRR; OpenBLAS exports the
 * Fortran symbol, there is no LAPACKE here, so the prototype is declared
 * below), asked for the k largest only.  A symmetric matrix is its own
 * transpose, so row- and column-major storage give the same problem; the
 * eigenvectors come back column-major, i.e. one contiguous vector each.
 *
 * Sign convention: each eigenvector is flipped so that its element of
 * largest absolute value is positive (the first such element on a tie).
 * This is scikit-learn's svd_flip(u_based_decision=False), which PCA uses
 * since scikit-learn 1.5, applied to the components.
 *
 * src/core/pca.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include <cblas.h>

#include "pgdl_core.h"

/* LAPACK (Fortran calling convention, hidden string lengths last) */
extern void dsyevr_(const char *jobz, const char *range, const char *uplo,
					const int *n, double *a, const int *lda,
					const double *vl, const double *vu, const int *il, const int *iu,
					const double *abstol, int *m, double *w, double *z, const int *ldz,
					int *isuppz, double *work, const int *lwork, int *iwork,
					const int *liwork, int *info,
					size_t jobz_len, size_t range_len, size_t uplo_len);

size_t
dl_scatter_bytes(int d)
{
	size_t		dd = (size_t) d;

	/* shift, mean, scatter, block, block mean and its correction */
	return sizeof(double) * (2 * dd + dd * dd + (size_t) DL_SCATTER_BLOCK * dd + 2 * dd);
}

dl_status
dl_scatter_init(dl_scatter *s, int d)
{
	size_t		dd = (size_t) d;

	memset(s, 0, sizeof(*s));
	if (d < 1 || d > DL_PCA_MAX_D)
		return dl_error(DL_EINVAL, "PCA takes 1 to %d features, not %d", DL_PCA_MAX_D, d);
	s->d = d;
	s->shift = dl_alloc(dl_scatter_bytes(d));
	s->mean = s->shift + dd;
	s->scatter = s->mean + dd;
	s->block = s->scatter + dd * dd;
	s->block_mean = s->block + (size_t) DL_SCATTER_BLOCK * dd;
	memset(s->shift, 0, sizeof(double) * (2 * dd + dd * dd));
	return DL_OK;
}

void
dl_scatter_free(dl_scatter *s)
{
	if (s->shift)
		dl_free(s->shift);
	memset(s, 0, sizeof(*s));
}

/* merges the pending block into mean and scatter */
void
dl_scatter_flush(dl_scatter *s)
{
	int			d = s->d;
	int			nb = s->n_block;
	double	   *restrict bm = s->block_mean;
	double	   *restrict e = s->block_mean + d;
	double		na = s->n,
				n;

	if (nb == 0)
		return;
	/*
	 * The block's mean, the rows centered on it, and a second pass that
	 * removes what the mean's rounding left (the centered rows' own mean).
	 */
	memset(bm, 0, sizeof(double) * 2 * d);
	for (int r = 0; r < nb; r++)
	{
		const double *restrict x = s->block + (size_t) r * d;

		for (int j = 0; j < d; j++)
			bm[j] += x[j];
	}
	for (int j = 0; j < d; j++)
		bm[j] /= nb;
	for (int r = 0; r < nb; r++)
	{
		double	   *restrict x = s->block + (size_t) r * d;

		for (int j = 0; j < d; j++)
		{
			x[j] -= bm[j];
			e[j] += x[j];
		}
	}
	for (int j = 0; j < d; j++)
	{
		e[j] /= nb;
		bm[j] += e[j];
	}
	for (int r = 0; r < nb; r++)
	{
		double	   *restrict x = s->block + (size_t) r * d;

		for (int j = 0; j < d; j++)
			x[j] -= e[j];
	}
	/* scatter (upper triangle, row-major) += B^T B */
	cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, d, nb, 1.0, s->block, d,
				1.0, s->scatter, d);
	n = na + nb;
	if (na > 0)
	{
		double		f = na * nb / n;

		/* bm becomes the difference of the means */
		for (int j = 0; j < d; j++)
			bm[j] -= s->mean[j];
		cblas_dsyr(CblasRowMajor, CblasUpper, d, f, bm, 1, s->scatter, d);
		for (int j = 0; j < d; j++)
			s->mean[j] += bm[j] * nb / n;
	}
	else
		memcpy(s->mean, bm, sizeof(double) * d);
	s->n = n;
	s->n_block = 0;
}

void
dl_scatter_add(dl_scatter *s, const double *x)
{
	double	   *restrict dst = s->block + (size_t) s->n_block * s->d;
	const double *restrict shift = s->shift;

	/* the first row is the shift: data like 1e9 + U(0,1) is summed near 0 */
	if (s->n == 0 && s->n_block == 0)
		memcpy(s->shift, x, sizeof(double) * s->d);
	for (int j = 0; j < s->d; j++)
		dst[j] = x[j] - shift[j];
	if (++s->n_block == DL_SCATTER_BLOCK)
	{
		dl_check_interrupts();
		dl_scatter_flush(s);
	}
}

void
dl_scatter_mean(const dl_scatter *s, double *mean)
{
	for (int j = 0; j < s->d; j++)
		mean[j] = s->shift[j] + s->mean[j];
}

dl_status
dl_scatter_covariance(dl_scatter *s, double *cov)
{
	int			d = s->d;

	dl_scatter_flush(s);
	if (s->n < 2)
		return dl_error(DL_EINVAL, "a covariance needs at least 2 rows, not %.0f", s->n);
	for (int i = 0; i < d; i++)
		for (int j = i; j < d; j++)
		{
			double		c = s->scatter[(size_t) i * d + j] / (s->n - 1.0);

			cov[(size_t) i * d + j] = c;
			cov[(size_t) j * d + i] = c;
		}
	return DL_OK;
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
	int			n = d,
				il = d - k + 1,
				iu = d,
				m = 0,
				info = 0,
				lwork = -1,
				liwork = -1,
				iwork_query = 0;
	double		vl = 0.0,
				vu = 0.0,
				abstol = 0.0,
				work_query = 0.0;
	int		   *isuppz;
	double	   *work;
	double	   *w;
	int		   *iwork;

	if (d < 1 || k < 1 || k > d)
		return dl_error(DL_EINVAL, "the number of eigenpairs must be between 1 and %d, not %d", d, k);
	for (size_t i = 0; i < (size_t) d * d; i++)
		if (!isfinite(a[i]))
			return dl_error(DL_ERANGE, "the matrix has a non-finite element: the data overflow double precision");
	/* workspace query (W is n long whatever the range: LAPACK uses all of it) */
	w = dl_alloc(sizeof(double) * (size_t) d);
	dsyevr_("V", "I", "U", &n, a, &n, &vl, &vu, &il, &iu, &abstol, &m, w, vectors, &n,
			NULL, &work_query, &lwork, &iwork_query, &liwork, &info, 1, 1, 1);
	if (info != 0)
	{
		dl_free(w);
		return dl_error(DL_EINTERNAL, "LAPACK dsyevr workspace query failed (INFO = %d)", info);
	}
	lwork = (int) work_query;
	liwork = iwork_query;
	work = dl_alloc(sizeof(double) * (size_t) (lwork > 1 ? lwork : 1));
	iwork = dl_alloc(sizeof(int) * (size_t) (liwork > 1 ? liwork : 1));
	isuppz = dl_alloc(sizeof(int) * 2 * (size_t) k);
	dl_check_interrupts();
	dsyevr_("V", "I", "U", &n, a, &n, &vl, &vu, &il, &iu, &abstol, &m, w, vectors, &n,
			isuppz, work, &lwork, iwork, &liwork, &info, 1, 1, 1);
	dl_free(isuppz);
	dl_free(iwork);
	dl_free(work);
	if (info == 0 && m == k)
		memcpy(values, w, sizeof(double) * (size_t) k);
	dl_free(w);
	if (info != 0 || m != k)
		return dl_error(DL_EINTERNAL, "LAPACK dsyevr failed (INFO = %d, %d of %d eigenvalues)", info, m, k);

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

dl_status
dl_pca_fit(dl_scatter *s, int k, bool correlation, dl_pca *out)
{
	int			d = s->d;
	size_t		dd = (size_t) d;
	double	   *cov;
	dl_status	st;

	memset(out, 0, sizeof(*out));
	if (k < 1 || k > d)
		return dl_error(DL_EINVAL, "n_components must be between 1 and the number of features (%d), not %d", d, k);
	dl_scatter_flush(s);
	if (s->n < 2)
		return dl_error(DL_EINVAL, "PCA needs at least 2 rows, not %.0f", s->n);
	out->d = d;
	out->k = k;
	out->n = s->n;
	out->mean = dl_alloc(sizeof(double) * (3 * dd + (size_t) k + (size_t) k * dd));
	out->scale = out->mean + dd;
	out->sd = out->scale + dd;
	out->variance = out->sd + dd;
	out->components = out->variance + k;
	dl_scatter_mean(s, out->mean);
	/* the covariance in place of the scatter: the state is spent */
	cov = s->scatter;
	if ((st = dl_scatter_covariance(s, cov)) != DL_OK)
		return st;
	s->n = 0;
	for (int i = 0; i < d; i++)
	{
		out->sd[i] = sqrt(cov[(size_t) i * d + i] * (out->n - 1.0) / out->n);
		out->scale[i] = 1.0;
	}
	if (correlation)
	{
		/*
		 * PCA of the standardized features, as StandardScaler then PCA:
		 * population standard deviations, 1 for a constant feature (whose
		 * row and column of the covariance are zero anyway).
		 */
		for (int i = 0; i < d; i++)
			out->scale[i] = out->sd[i] > 0.0 && isfinite(out->sd[i]) ? out->sd[i] : 1.0;
		for (int i = 0; i < d; i++)
			for (int j = 0; j < d; j++)
				cov[(size_t) i * d + j] /= out->scale[i] * out->scale[j];
	}
	out->total_variance = 0.0;
	for (int i = 0; i < d; i++)
		out->total_variance += cov[(size_t) i * d + i];
	if ((st = dl_sym_eigen_top(d, cov, k, out->variance, out->components)) != DL_OK)
		return st;
	/* a rank-deficient covariance gives eigenvalues of -1e-13, -0 and so: they are 0 */
	for (int i = 0; i < k; i++)
		if (out->variance[i] <= 0.0)
			out->variance[i] = 0.0;
	return DL_OK;
}

void
dl_pca_free(dl_pca *p)
{
	if (p->mean)
		dl_free(p->mean);
	memset(p, 0, sizeof(*p));
}
