/*-------------------------------------------------------------------------
 *
 * pca.c
 *	  Principal component analysis: a blocked scatter matrix and the fit
 *	  from the top eigenpairs of the covariance (linalg.c).
 *
 * The scatter matrix (sum of (x - mean)(x - mean)^T) is accumulated over
 * blocks of DL_SCATTER_BLOCK rows.  Each block is centered on its own mean
 * (two passes over the block, the second correcting the first's rounding)
 * and its scatter added with one dsyrk; the blocks are merged with
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
 * The components are the eigenvectors of the k largest eigenvalues
 * (dl_sym_eigen_top: LAPACK's dsyevr, signs as scikit-learn's svd_flip).
 *
 * src/core/pca.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "blas.h"
#include "json.h"
#include "linalg.h"
#include "pgdl_core.h"

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
	dl_dsyrk(d, nb, 1.0, s->block, d, 1.0, s->scatter, d);
	n = na + nb;
	if (na > 0)
	{
		double		f = na * nb / n;

		/* bm becomes the difference of the means */
		for (int j = 0; j < d; j++)
			bm[j] -= s->mean[j];
		dl_dsyr(d, f, bm, s->scatter, d);
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
dl_scatter_set_comoments(dl_scatter *s, const dl_comoments *c)
{
	int			d = s->d;
	size_t		k = 0;
	const double *shift,
			   *mean,
			   *tri;

	dl_comoments_complete(c, &s->n, &shift, &mean, &tri);
	s->n_block = 0;
	memcpy(s->shift, shift, sizeof(double) * d);
	memcpy(s->mean, mean, sizeof(double) * d);
	/* packed upper triangle, row by row, into the upper triangle of the d x d matrix */
	for (int i = 0; i < d; i++)
		for (int j = i; j < d; j++)
			s->scatter[(size_t) i * d + j] = tri[k++];
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
