/*-------------------------------------------------------------------------
 *
 * preprocess.c
 *	  The standard scaler and the imputer fitted on a training matrix's
 *	  rows, and applying a scaler to a float32 matrix in place.
 *
 * These produce the same dl_scaler as the SQL scalers (scaler.c): the
 * standard scaler and the mean imputer are fitted through the moments the
 * aggregates use and dl_scaler_fit_moments (population standard deviation,
 * a zero one becoming 1, a feature without values the identity with fill
 * 0), and the median imputer takes percentile_cont's median of each
 * feature's values, as an exact quantile sketch does.  In a training
 * matrix NaN stands for a missing value (the glue stores NULL that way),
 * so NaN is what the imputer fills and what the fits skip.
 *
 * src/core/nn/preprocess.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "dl_nn.h"

/* moments of the given rows' features, NaN skipped as missing */
static dl_status
fit_from_moments(const float *x, size_t n_rows, int d, const uint32_t *rows, size_t n,
				 dl_scaler *out)
{
	size_t		nslots = dl_moments_soa_nslots(d);
	double	   *buf = dl_alloc(sizeof(double) * (nslots + d));
	double	   *row = buf + nslots;
	bool	   *isnull = dl_alloc(sizeof(bool) * d);
	dl_moments_soa m;

	dl_moments_soa_init(&m, buf, d);
	for (size_t i = 0; i < n; i++)
	{
		size_t		r = rows ? rows[i] : i;
		const float *xr = x + r * d;
		bool		any_nan = false;

		if (r >= n_rows)
		{
			dl_free(isnull);
			dl_free(buf);
			dl_free(out->center);
			return dl_error(DL_EINVAL, "row index %zu is out of range (%zu rows)", r, n_rows);
		}
		if ((i & 1023) == 0)
			dl_check_interrupts();
		for (int j = 0; j < d; j++)
		{
			row[j] = xr[j];
			isnull[j] = isnan(xr[j]);
			any_nan |= isnull[j];
		}
		dl_moments_soa_add(&m, row, any_nan ? isnull : NULL);
	}
	dl_scaler_fit_moments(out, &m);
	dl_free(isnull);
	dl_free(buf);
	return DL_OK;
}

dl_status
dl_fit_standard_rows(const float *x, size_t n_rows, int d,
					 const uint32_t *rows, size_t n, dl_scaler *out)
{
	dl_status	st;

	if ((st = dl_scaler_alloc(out, DL_SCALER_STANDARD, d)) != DL_OK)
		return st;
	return fit_from_moments(x, n_rows, d, rows, n, out);
}

/* percentile_cont(0.5) of a sorted array of m > 0 values */
static double
median_sorted(const double *a, size_t m)
{
	size_t		lo = (m - 1) / 2;

	if (m % 2 == 1)
		return a[lo];
	return a[lo] + 0.5 * (a[lo + 1] - a[lo]);
}

dl_status
dl_fit_imputer_rows(const float *x, size_t n_rows, int d,
					const uint32_t *rows, size_t n,
					dl_impute_strategy strategy, dl_scaler *out)
{
	dl_status	st;
	double	   *vals;
	double		nmax = 0.0;

	if (strategy != DL_IMPUTE_MEAN && strategy != DL_IMPUTE_MEDIAN)
		return dl_error(DL_EINVAL, "an imputer fitted on training rows uses the mean or the median");
	if ((st = dl_scaler_alloc(out, DL_SCALER_IMPUTER, d)) != DL_OK)
		return st;
	out->strategy = strategy;
	if (strategy == DL_IMPUTE_MEAN)
		return fit_from_moments(x, n_rows, d, rows, n, out);

	vals = dl_alloc(sizeof(double) * (n ? n : 1));
	for (int j = 0; j < d; j++)
	{
		size_t		m = 0;

		dl_check_interrupts();
		for (size_t i = 0; i < n; i++)
		{
			size_t		r = rows ? rows[i] : i;
			float		v;

			if (r >= n_rows)
			{
				dl_free(vals);
				dl_free(out->center);
				return dl_error(DL_EINVAL, "row index %zu is out of range (%zu rows)", r, n_rows);
			}
			v = x[r * d + j];
			if (!isnan(v))
				vals[m++] = v;
		}
		if (m == 0)
			out->fill[j] = 0.0; /* no value: scaler.c's empty feature */
		else
		{
			dl_sort_doubles(vals, m);
			out->fill[j] = median_sorted(vals, m);
		}
		if ((double) m > nmax)
			nmax = (double) m;
	}
	out->n = nmax;
	dl_free(vals);
	return DL_OK;
}

void
dl_apply_scaler_rows(const dl_scaler *s, float *x, size_t n_rows, int d)
{
	/* dl_scaler_transform's arithmetic, in double, per element */
	int			nf = d < s->d ? d : s->d;

	for (size_t r = 0; r < n_rows; r++)
	{
		float	   *xr = x + r * d;

		if (s->kind == DL_SCALER_IMPUTER)
		{
			for (int j = 0; j < nf; j++)
				if (isnan(xr[j]))
					xr[j] = (float) s->fill[j];
		}
		else
			for (int j = 0; j < nf; j++)
				xr[j] = (float) (((double) xr[j] - s->center[j]) / s->scale[j]);
	}
}
