/*-------------------------------------------------------------------------
 *
 * preprocess.c
 *	  A model's imputer and standard scaler fitted on its training rows in
 *	  double precision (dl_prep_fit, see dl_nn.h), and applying a scaler to
 *	  a float32 matrix in place (k-means' blocks).
 *
 * These produce the same dl_scaler as the SQL scalers (scaler.c): the
 * standard scaler and the mean imputer are fitted through the moments the
 * aggregates use and dl_scaler_fit_moments (population standard deviation,
 * a zero one becoming 1, a feature without values the identity with fill
 * 0), and the median imputer takes percentile_cont's median of each
 * feature's values, as an exact quantile sketch does.  In training rows
 * NaN stands for a missing value (the glue stores NULL that way), so NaN
 * is what the imputer fills and what the fits skip.  The rows arrive in
 * double: fitted on float32 copies, a feature such as 1e9 + u (float32's
 * spacing there is 64) would be constant.
 *
 * src/core/nn/preprocess.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "dl_nn.h"

static dl_status
alloc_scaler(dl_scaler **out, dl_scaler_kind kind, int d)
{
	dl_scaler  *s = dl_alloc(sizeof(dl_scaler));
	dl_status	st = dl_scaler_alloc(s, kind, d);

	if (st != DL_OK)
	{
		dl_free(s);
		return st;
	}
	*out = s;
	return DL_OK;
}

static void
free_scaler(dl_scaler **s)
{
	if (*s)
	{
		dl_free((*s)->center);
		dl_free(*s);
		*s = NULL;
	}
}

/* the median's first block of columns: as many as n_train values each fit max_bytes */
static void
next_block(dl_prep_fit *f, int from)
{
	size_t		per_col = sizeof(double) * (f->n_train ? f->n_train : 1);
	size_t		cols = f->max_bytes / per_col;

	if (cols < 1)
		cols = 1;
	f->col_lo = from;
	f->col_hi = (size_t) (f->d - from) < cols ? f->d : from + (int) cols;
}

/* what the next pass collects: the imputer's block or moments, or the scaler's moments */
static dl_status
start_pass(dl_prep_fit *f)
{
	f->n_rows = 0;
	if (f->stage == 0 && f->impute == DL_IMPUTE_NONE)
		f->stage = 1;
	if (f->stage == 1 && !f->standardize)
		f->stage = 2;
	if (f->stage == 2)
		return DL_OK;
	if (f->stage == 0 && f->impute == DL_IMPUTE_MEDIAN)
	{
		if (f->vals == NULL)
		{
			size_t		bytes;
			dl_status	st = dl_size_mul_add((size_t) (f->col_hi - f->col_lo) * (f->n_train ? f->n_train : 1),
											 sizeof(double), 0, &bytes);

			if (st != DL_OK)
				return st;
			f->vals = dl_alloc(bytes);
		}
		memset(f->n_vals, 0, sizeof(size_t) * f->d);
		return DL_OK;
	}
	dl_moments_soa_init(&f->m, f->slots, f->d);
	return DL_OK;
}

dl_status
dl_prep_fit_begin(dl_prep_fit *f, int d, dl_impute_strategy impute, bool standardize,
				  size_t n_train, size_t max_bytes)
{
	dl_status	st;

	memset(f, 0, sizeof(*f));
	if (impute != DL_IMPUTE_NONE && impute != DL_IMPUTE_MEAN && impute != DL_IMPUTE_MEDIAN)
		return dl_error(DL_EINVAL, "an imputer fitted on training rows uses the mean or the median");
	if (d < 1)
		return dl_error(DL_EINVAL, "preprocessing needs at least one feature, got %d", d);
	f->d = d;
	f->impute = impute;
	f->standardize = standardize;
	f->n_train = n_train;
	f->max_bytes = max_bytes;
	f->slots = dl_alloc(sizeof(double) * dl_moments_soa_nslots(d));
	f->row = dl_alloc(sizeof(double) * d);
	f->isnull = dl_alloc(sizeof(bool) * d);
	f->n_vals = dl_alloc(sizeof(size_t) * d);
	if (impute != DL_IMPUTE_NONE)
	{
		if ((st = alloc_scaler(&f->imputer, DL_SCALER_IMPUTER, d)) != DL_OK)
		{
			dl_prep_fit_free(f);
			return st;
		}
		f->imputer->strategy = impute;
		if (impute == DL_IMPUTE_MEDIAN)
			next_block(f, 0);
	}
	if ((st = start_pass(f)) != DL_OK)
		dl_prep_fit_free(f);
	return st;
}

bool
dl_prep_fit_wants_pass(const dl_prep_fit *f)
{
	return f->stage < 2;
}

void
dl_prep_fit_row(dl_prep_fit *f, const double *x)
{
	bool		any_nan = false;

	if ((f->n_rows++ & 1023) == 0)
		dl_check_interrupts();
	if (f->stage == 0 && f->impute == DL_IMPUTE_MEDIAN)
	{
		/* the block's present values, column after column */
		for (int j = f->col_lo; j < f->col_hi; j++)
			if (!isnan(x[j]) && f->n_vals[j] < f->n_train)
				f->vals[(size_t) (j - f->col_lo) * f->n_train + f->n_vals[j]++] = x[j];
		return;
	}
	if (f->stage == 1 && f->imputer)
	{
		/* the scaler is fitted on the rows as the imputer leaves them */
		for (int j = 0; j < f->d; j++)
			f->isnull[j] = isnan(x[j]);
		dl_scaler_transform(f->imputer, x, f->isnull, f->row);
		x = f->row;
	}
	for (int j = 0; j < f->d; j++)
	{
		f->isnull[j] = isnan(x[j]);
		any_nan |= f->isnull[j];
	}
	dl_moments_soa_add(&f->m, x, any_nan ? f->isnull : NULL);
}

double
dl_median(double *a, size_t m)
{
	size_t		lo = (m - 1) / 2;

	dl_sort_doubles(a, m);
	if (m % 2 == 1)
		return a[lo];
	return a[lo] + 0.5 * (a[lo + 1] - a[lo]);
}

dl_status
dl_prep_fit_end_pass(dl_prep_fit *f)
{
	if (f->stage == 2)
		return DL_OK;
	if (f->n_rows != f->n_train)
		return dl_error(DL_EINVAL, "a pass over the training rows gave %zu rows, expected %zu",
						f->n_rows, f->n_train);
	if (f->stage == 0 && f->impute == DL_IMPUTE_MEDIAN)
	{
		for (int j = f->col_lo; j < f->col_hi; j++)
		{
			size_t		m = f->n_vals[j];

			dl_check_interrupts();
			/* a feature without values: scaler.c's empty feature, filled with 0 */
			f->imputer->fill[j] = m == 0 ? 0.0 :
				dl_median(f->vals + (size_t) (j - f->col_lo) * f->n_train, m);
			if ((double) m > f->imputer->n)
				f->imputer->n = (double) m;
		}
		if (f->col_hi < f->d)
			next_block(f, f->col_hi);
		else
		{
			dl_free(f->vals);
			f->vals = NULL;
			f->stage = 1;
		}
	}
	else if (f->stage == 0)
	{
		dl_scaler_fit_moments(f->imputer, &f->m);
		f->stage = 1;
	}
	else
	{
		dl_status	st = alloc_scaler(&f->scaler, DL_SCALER_STANDARD, f->d);

		if (st != DL_OK)
			return st;
		dl_scaler_fit_moments(f->scaler, &f->m);
		f->stage = 2;
	}
	return start_pass(f);
}

void
dl_prep_fit_free(dl_prep_fit *f)
{
	free_scaler(&f->imputer);
	free_scaler(&f->scaler);
	dl_free(f->vals);
	dl_free(f->slots);
	dl_free(f->row);
	dl_free(f->isnull);
	dl_free(f->n_vals);
	f->vals = f->slots = f->row = NULL;
	f->isnull = NULL;
	f->n_vals = NULL;
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
