/*-------------------------------------------------------------------------
 *
 * scaler.c
 *	  Per-feature scalers and the imputer: fitting them from moments or
 *	  quantile sketches, applying them and checking them (their JSON text
 *	  form is scaler_text.c).
 *
 * The kinds follow scikit-learn: StandardScaler (mean, population standard
 * deviation), MinMaxScaler (to [0, 1], not clipped), MaxAbsScaler,
 * RobustScaler (median, IQR) and SimpleImputer.  Where the two worlds
 * differ we follow PostgreSQL: NULL is the missing value, while NaN and
 * the infinities are values, fitted exactly as pgdl.stats and the built-in
 * float8 aggregates treat them (one NaN makes a feature's mean and scale
 * NaN).  A zero scale becomes 1, as scikit-learn does; a NaN or infinite
 * one is kept, so the data's problem shows in the output instead of being
 * hidden.  A feature with no non-NULL value at all is fitted as the
 * identity (center 0, scale 1), with NaN outlier fences (which flag
 * nothing) and an imputer fill of 0 - scikit-learn's SimpleImputer with
 * keep_empty_features=True - except that the constant strategy always
 * fills its constant.
 *
 * src/core/scaler.c
 *
 *-------------------------------------------------------------------------
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgdl_core.h"
#include "scaler.h"

/* 2^53: the largest count a double holds exactly */
#define MAX_EXACT_COUNT 9007199254740992.0

static bool
kind_known(int kind)
{
	return kind >= DL_SCALER_STANDARD && kind <= DL_SCALER_IMPUTER;
}

const char *
dl_scaler_kind_name(dl_scaler_kind kind)
{
	switch (kind)
	{
		case DL_SCALER_STANDARD:
			return "standard";
		case DL_SCALER_MINMAX:
			return "minmax";
		case DL_SCALER_MAXABS:
			return "maxabs";
		case DL_SCALER_ROBUST:
			return "robust";
		case DL_SCALER_IMPUTER:
			return "imputer";
	}
	return "unknown";
}

const char *
dl_impute_strategy_name(dl_impute_strategy strategy)
{
	switch (strategy)
	{
		case DL_IMPUTE_MEAN:
			return "mean";
		case DL_IMPUTE_MEDIAN:
			return "median";
		case DL_IMPUTE_CONSTANT:
			return "constant";
		case DL_IMPUTE_MOST_FREQUENT:
			return "most_frequent";
		case DL_IMPUTE_NONE:
			break;
	}
	return "none";
}

const char *
dl_scaler_kind_phrase(dl_scaler_kind kind)
{
	switch (kind)
	{
		case DL_SCALER_STANDARD:
			return "a standard scaler";
		case DL_SCALER_MINMAX:
			return "a minmax scaler";
		case DL_SCALER_MAXABS:
			return "a maxabs scaler";
		case DL_SCALER_ROBUST:
			return "a robust scaler";
		case DL_SCALER_IMPUTER:
			return "an imputer";
	}
	return "a scaler of unknown kind";
}

/* equal, or both NaN */
static inline bool
same_value(double a, double b)
{
	return a == b || (isnan(a) && isnan(b));
}

dl_status
dl_scaler_alloc(dl_scaler *s, dl_scaler_kind kind, int d)
{
	size_t		size;
	double	   *buf;
	dl_status	st;

	if (!kind_known((int) kind))
		return dl_error(DL_EINVAL, "unknown scaler kind %d", (int) kind);
	if (d < 1)
		return dl_error(DL_EINVAL, "a scaler needs at least one feature, got %d", d);
	if (d > DL_SCALER_MAX_D)
		return dl_error(DL_ELIMIT, "a scaler has at most %d features, got %d",
						DL_SCALER_MAX_D, d);
	st = dl_size_mul_add((size_t) d * 5, sizeof(double), 0, &size);
	if (st != DL_OK)
		return st;
	buf = dl_alloc(size);

	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->strategy = DL_IMPUTE_NONE;
	s->d = d;
	s->center = buf;
	s->scale = buf + d;
	s->lo = buf + 2 * (size_t) d;
	s->hi = buf + 3 * (size_t) d;
	s->fill = buf + 4 * (size_t) d;
	/* the identity map, with the unused fields at the 0 validate expects */
	memset(buf, 0, size);
	for (int i = 0; i < d; i++)
		s->scale[i] = 1.0;
	return DL_OK;
}

/* the fit of a feature that had no non-NULL value (see the file header) */
static void
fit_empty(dl_scaler *s, int i)
{
	s->center[i] = 0.0;
	s->scale[i] = 1.0;
	if (s->kind == DL_SCALER_STANDARD || s->kind == DL_SCALER_ROBUST)
	{
		s->lo[i] = NAN;
		s->hi[i] = NAN;
	}
	if (s->kind == DL_SCALER_IMPUTER)
		s->fill[i] = s->strategy == DL_IMPUTE_CONSTANT ? dl_scaler_canon(s->constant) : 0.0;
}

/*
 * The scale of a range (max - min, Q3 - Q1, a standard deviation): a zero
 * one becomes 1 (scikit-learn's _handle_zeros_in_scale); NaN is not zero
 * and stays; a negative one is NaN.  Only quartiles that overflowed in
 * percentile_cont's interpolation (Q1 = Infinity from -1e308 and 1e308,
 * above a finite Q3) give one: no data has a negative spread.
 */
static double
scale_of(double range)
{
	if (range == 0.0)
		return 1.0;
	return range > 0.0 ? range : NAN;
}

static void
set_affine(dl_scaler *s, int i, double center, double scale)
{
	s->center[i] = dl_scaler_canon(center);
	s->scale[i] = scale_of(scale);
}

/*
 * Standard, minmax and maxabs scalers and the mean and constant imputers.
 * The caller has allocated s for m->d features and, for an imputer, set
 * strategy (and constant).  Other kinds are left untouched.
 */
void
dl_scaler_fit_moments(dl_scaler *s, const dl_moments_soa *m)
{
	double		nmax = 0.0;

	if (s->kind == DL_SCALER_ROBUST ||
		(s->kind == DL_SCALER_IMPUTER && s->strategy != DL_IMPUTE_MEAN &&
		 s->strategy != DL_IMPUTE_CONSTANT))
		return;

	for (int i = 0; i < s->d; i++)
	{
		dl_moments	mi;
		double		count,
					mean,
					sd,
					mn,
					mx;

		dl_moments_soa_get(m, i, &mi);
		count = dl_moments_count(&mi);
		if (count > nmax)
			nmax = count;
		if (count == 0.0)
		{
			fit_empty(s, i);
			continue;
		}

		switch (s->kind)
		{
			case DL_SCALER_STANDARD:
				mean = dl_moments_mean(&mi);
				/* NaN when a value is non-finite, as var_pop returns */
				sd = sqrt(dl_moments_pop_variance(&mi));
				set_affine(s, i, mean, sd);
				s->lo[i] = dl_scaler_canon(mean);
				/* the raw deviation: a constant feature has fences at its value */
				s->hi[i] = dl_scaler_canon(sd);
				break;
			case DL_SCALER_MINMAX:
				mn = dl_moments_min(&mi);
				mx = dl_moments_max(&mi);
				set_affine(s, i, mn, mx - mn);
				break;
			case DL_SCALER_MAXABS:
				mn = fabs(dl_moments_min(&mi));
				mx = fabs(dl_moments_max(&mi));
				/* fmax would drop a NaN; it must show instead */
				set_affine(s, i, 0.0, isnan(mn) || isnan(mx) ? NAN : (mn > mx ? mn : mx));
				break;
			case DL_SCALER_IMPUTER:
				if (s->strategy == DL_IMPUTE_MEAN)
					s->fill[i] = dl_scaler_canon(dl_moments_mean(&mi));
				else
					s->fill[i] = dl_scaler_canon(s->constant);
				break;
			case DL_SCALER_ROBUST:
				break;
		}
	}
	s->n = nmax;
}

/*
 * Robust scalers and the median and constant imputers, from one sketch per
 * feature.
 */
dl_status
dl_scaler_fit_sketches(dl_scaler *s, const dl_sketch *const *sk)
{
	static const double quartiles[3] = {0.25, 0.5, 0.75};
	double		nmax = 0.0;

	if (s->kind != DL_SCALER_ROBUST &&
		!(s->kind == DL_SCALER_IMPUTER &&
		  (s->strategy == DL_IMPUTE_MEDIAN || s->strategy == DL_IMPUTE_CONSTANT)))
		return dl_error(DL_EINTERNAL, "cannot fit %s (strategy %s) from sketches",
						dl_scaler_kind_phrase(s->kind), dl_impute_strategy_name(s->strategy));

	for (int i = 0; i < s->d; i++)
	{
		const dl_sketch *k = sk[i];
		double		count = dl_sketch_count(k);
		double		q[3];

		/* a quantile query may sort a level: keep the loop cancellable */
		dl_check_interrupts();
		if (count > nmax)
			nmax = count;
		if (count == 0.0 ||
			(s->kind == DL_SCALER_IMPUTER && s->strategy == DL_IMPUTE_CONSTANT))
		{
			fit_empty(s, i);
			continue;
		}

		if (k->n == 0.0)
		{
			/* only NaN: every quantile is NaN, as percentile_cont gives */
			q[0] = q[1] = q[2] = NAN;
		}
		else if (s->kind == DL_SCALER_ROBUST)
		{
			dl_status	st = dl_sketch_quantiles(k, quartiles, 3, q);

			if (st != DL_OK)
				return st;
		}
		else
		{
			dl_status	st = dl_sketch_quantiles(k, &quartiles[1], 1, &q[1]);

			if (st != DL_OK)
				return st;
		}

		if (s->kind == DL_SCALER_ROBUST)
		{
			set_affine(s, i, q[1], q[2] - q[0]);
			s->lo[i] = dl_scaler_canon(q[0]);
			s->hi[i] = dl_scaler_canon(q[2]);
		}
		else
			s->fill[i] = dl_scaler_canon(q[1]);
	}
	s->n = nmax;
	return DL_OK;
}

/*
 * The checks behind dl_scaler_validate and dl_scaler_from_json, which
 * report with different statuses (binary 22P03, text 22P02).  Besides the
 * ranges, unused fields must be 0 so that every valid scaler has one text
 * form and one binary form.
 */
dl_status
dl_scaler_check(const dl_scaler *s, dl_status bad, const char *what)
{
	int			kind = (int) s->kind;
	int			strategy = (int) s->strategy;

	if (!kind_known(kind))
		return dl_error(bad, "%s: unknown kind %d", what, kind);
	if (s->d < 1 || s->d > DL_SCALER_MAX_D)
		return dl_error(bad, "%s: %d features is out of range (1 to %d)",
						what, s->d, DL_SCALER_MAX_D);
	if (!(s->n >= 0.0 && s->n <= MAX_EXACT_COUNT && s->n == floor(s->n)))
		return dl_error(bad, "%s: n must be a non-negative integer, got %g", what, s->n);
	if (s->kind == DL_SCALER_IMPUTER)
	{
		if (strategy < DL_IMPUTE_MEAN || strategy > DL_IMPUTE_MOST_FREQUENT)
			return dl_error(bad, "%s: unknown imputer strategy %d", what, strategy);
	}
	else if (strategy != DL_IMPUTE_NONE)
		return dl_error(bad, "%s: %s has no imputer strategy", what, dl_scaler_kind_phrase(s->kind));
	if (s->strategy != DL_IMPUTE_CONSTANT && s->constant != 0.0)
		return dl_error(bad, "%s: only the constant imputer has a constant", what);
	if (!s->center || !s->scale || !s->lo || !s->hi || !s->fill)
		return dl_error(bad, "%s: parameter arrays are missing", what);

	for (int i = 0; i < s->d; i++)
	{
		double		c = s->center[i],
					sc = s->scale[i],
					lo = s->lo[i],
					hi = s->hi[i],
					f = s->fill[i];
		int			feature = i + 1;

		/* NaN and +Inf are what non-finite data fits to; 0 and below never */
		if (!(sc > 0.0) && !isnan(sc))
			return dl_error(bad, "%s: scale of feature %d is %g, must be positive",
							what, feature, sc);
		switch (s->kind)
		{
			case DL_SCALER_STANDARD:
				if (hi < 0.0)
					return dl_error(bad, "%s: standard deviation of feature %d is negative",
									what, feature);
				break;
			case DL_SCALER_ROBUST:
				/* infinite quartiles may come from an interpolation that overflowed */
				if (isfinite(lo) && isfinite(hi) && lo > hi)
					return dl_error(bad, "%s: Q1 of feature %d is above its Q3",
									what, feature);
				break;
			case DL_SCALER_MAXABS:
				if (c != 0.0)
					return dl_error(bad, "%s: center of feature %d of a maxabs scaler must be 0",
									what, feature);
				/* FALLTHROUGH */
			case DL_SCALER_MINMAX:
				if (lo != 0.0 || hi != 0.0)
					return dl_error(bad, "%s: %s has no outlier fences (feature %d)",
									what, dl_scaler_kind_phrase(s->kind), feature);
				break;
			case DL_SCALER_IMPUTER:
				if (c != 0.0 || sc != 1.0 || lo != 0.0 || hi != 0.0)
					return dl_error(bad, "%s: an imputer must have center 0, scale 1 and no fences (feature %d)",
									what, feature);
				if (s->strategy == DL_IMPUTE_CONSTANT && !same_value(f, s->constant))
					return dl_error(bad, "%s: fill of feature %d is %g but the constant is %g",
									what, feature, f, s->constant);
				break;
		}
		if (s->kind != DL_SCALER_IMPUTER && f != 0.0)
			return dl_error(bad, "%s: %s has no fill values (feature %d)",
							what, dl_scaler_kind_phrase(s->kind), feature);
	}
	return DL_OK;
}

/* the form of a feature fitted on no value (fit_empty) */
static bool
is_empty_fit(const dl_scaler *s, int i)
{
	double		c = s->center[i],
				sc = s->scale[i],
				f = s->fill[i];

	switch (s->kind)
	{
		case DL_SCALER_STANDARD:
		case DL_SCALER_ROBUST:
			return c == 0.0 && sc == 1.0 && isnan(s->lo[i]) && isnan(s->hi[i]);
		case DL_SCALER_MINMAX:
		case DL_SCALER_MAXABS:
			return c == 0.0 && sc == 1.0;
		case DL_SCALER_IMPUTER:
			return s->strategy == DL_IMPUTE_CONSTANT ? same_value(f, s->constant) : f == 0.0;
	}
	return false;
}

/*
 * The relations every scaler the aggregates fit keeps (after scaler_check),
 * so that a pgdl.scaler from outside is one some data could have given.
 * Per feature, as the fits above compute it:
 *	- a feature fitted on no value has the form fit_empty gives it, and a
 *	  scaler fitted on no row (n = 0) has only such features;
 *	- standard: lo is the mean (center) and hi the population standard
 *	  deviation, the scale hi (1 for 0); a finite mean comes with a finite
 *	  deviation (an overflow is an error of the fit), a mean that is not
 *	  finite (NaN or infinite data) with a NaN one;
 *	- minmax: the center is the minimum and the scale max - min (1 for 0):
 *	  a NaN minimum (every value NaN) or +Infinity gives a NaN range, -Infinity
 *	  an infinite or NaN one, and a finite range ends at a float8 maximum;
 *	- robust: lo and hi are Q1 and Q3, the center the median, the scale
 *	  Q3 - Q1 to the bit (1 for 0, NaN for NaN or negative: scale_of), and
 *	  Q1 <= median <= Q3 when the three are finite (percentile_cont's
 *	  interpolation is monotone until it overflows).
 * A model's scalers are fitted in other ways (a clustering model's scaler
 * may only center) and are held to scaler_check alone.
 */
dl_status
dl_scaler_check_fitted(const dl_scaler *s, dl_status bad, const char *what)
{
	for (int i = 0; i < s->d; i++)
	{
		double		c = s->center[i],
					sc = s->scale[i],
					lo = s->lo[i],
					hi = s->hi[i];
		int			feature = i + 1;

		if (is_empty_fit(s, i))
			continue;
		if (s->n == 0)
			return dl_error(bad, "%s: feature %d is fitted but n is 0", what, feature);
		switch (s->kind)
		{
			case DL_SCALER_STANDARD:
				if (!same_value(lo, c))
					return dl_error(bad, "%s: the outlier base of feature %d is not its mean",
									what, feature);
				if (!same_value(sc, scale_of(hi)))
					return dl_error(bad, "%s: the scale of feature %d is not its standard deviation",
									what, feature);
				if (isfinite(c) ? !isfinite(hi) : !isnan(hi))
					return dl_error(bad, "%s: the mean and standard deviation of feature %d are not both finite or both undefined",
									what, feature);
				break;
			case DL_SCALER_MINMAX:
				if ((isnan(c) || c == INFINITY) ? !isnan(sc) :
					c == -INFINITY ? !(isnan(sc) || sc == INFINITY) :
					isfinite(sc) && !(0.5 * c + 0.5 * sc <= 0.5 * DBL_MAX * (1 + 4 * DBL_EPSILON)))
					return dl_error(bad, "%s: the minimum and range of feature %d are not those of any data",
									what, feature);
				break;
			case DL_SCALER_ROBUST:
				if (!same_value(sc, scale_of(hi - lo)))
					return dl_error(bad, "%s: the scale of feature %d is not Q3 - Q1",
									what, feature);
				if (isfinite(lo) && isfinite(c) && isfinite(hi) && !(lo <= c && c <= hi))
					return dl_error(bad, "%s: the median of feature %d is outside [Q1, Q3]",
									what, feature);
				break;
			case DL_SCALER_MAXABS:
			case DL_SCALER_IMPUTER:
				break;
		}
	}
	return DL_OK;
}

dl_status
dl_scaler_validate(const dl_scaler *s)
{
	return dl_scaler_check(s, DL_EFORMAT, "invalid scaler");
}

dl_status
dl_scaler_validate_fitted(const dl_scaler *s)
{
	dl_status	st = dl_scaler_check(s, DL_EFORMAT, "invalid scaler");

	return st != DL_OK ? st : dl_scaler_check_fitted(s, DL_EFORMAT, "invalid scaler");
}

/*
 * A finite value that the scaling made infinite: PostgreSQL's float8
 * arithmetic raises "value out of range: overflow" there, and so does this
 * (an infinite input stays infinite, as in SQL)
 */
static dl_status
overflowed(const char *what, int i, double in, double out)
{
	if (isfinite(in) && !isfinite(out))
		return dl_error(DL_ERANGE, "value out of range: overflow: the %s of element %d (%g) is beyond float8",
						what, i + 1, in);
	return DL_OK;
}

dl_status
dl_scaler_transform(const dl_scaler *s, const double *x, bool *isnull, double *y)
{
	int			d = s->d;
	dl_status	st = DL_OK;

	if (s->kind == DL_SCALER_IMPUTER)
	{
		for (int i = 0; i < d; i++)
		{
			if (isnull && isnull[i])
			{
				y[i] = s->fill[i];
				isnull[i] = false;
			}
			else
				y[i] = x[i];
		}
		return DL_OK;
	}

	for (int i = 0; i < d; i++)
	{
		if (isnull && isnull[i])
			y[i] = 0.0;
		else
		{
			double		in = x[i];

			y[i] = (in - s->center[i]) / s->scale[i];
			if (st == DL_OK && !isfinite(y[i]))
				st = overflowed("transform", i, in, y[i]);
		}
	}
	return st;
}

dl_status
dl_scaler_inverse(const dl_scaler *s, const double *y, const bool *isnull, double *x)
{
	dl_status	st = DL_OK;

	if (s->kind == DL_SCALER_IMPUTER)
		return dl_error(DL_EINVAL, "an imputer has no inverse");

	for (int i = 0; i < s->d; i++)
	{
		if (isnull && isnull[i])
			x[i] = 0.0;
		else
		{
			double		in = y[i];

			x[i] = in * s->scale[i] + s->center[i];
			if (st == DL_OK && !isfinite(x[i]))
				st = overflowed("inverse transform", i, in, x[i]);
		}
	}
	return st;
}

/*
 * A NaN fence compares false both ways, so a feature fitted on NaN or on no
 * value flags nothing; a NaN element is not an outlier either.
 */
dl_status
dl_scaler_is_outlier(const dl_scaler *s, const double *x, const bool *isnull,
					 double k, bool *result)
{
	*result = false;
	if (s->kind != DL_SCALER_STANDARD && s->kind != DL_SCALER_ROBUST)
		return dl_error(DL_EINVAL, "is_outlier needs a standard or robust scaler, not %s",
						dl_scaler_kind_phrase(s->kind));
	if (!isfinite(k) || k < 0.0)
		return dl_error(DL_EINVAL, "outlier threshold must be finite and non-negative, got %g", k);

	for (int i = 0; i < s->d; i++)
	{
		double		width,
					low,
					high;

		if (isnull && isnull[i])
			continue;
		if (s->kind == DL_SCALER_STANDARD)
			width = s->hi[i];	/* mean +- k sd */
		else
			width = s->hi[i] - s->lo[i];	/* Q1 - k IQR, Q3 + k IQR */
		/* with k = 0 the fences are the bases even when the width is infinite */
		if (k == 0.0)
			width = 0.0;
		else
			width *= k;
		if (s->kind == DL_SCALER_STANDARD)
		{
			low = s->lo[i] - width;
			high = s->lo[i] + width;
		}
		else
		{
			low = s->lo[i] - width;
			high = s->hi[i] + width;
		}
		if (x[i] < low || x[i] > high)
		{
			*result = true;
			break;
		}
	}
	return DL_OK;
}

/* ---- the most_frequent imputer: counts of (feature, value) keys ----------- */

int
dl_scaler_count_key(char *buf, int j, double v)
{
	if (v == 0.0)
		v = 0.0;				/* -0 is 0 */
	if (isnan(v))
		v = NAN;				/* one NaN, whatever its sign and payload */
	return snprintf(buf, DL_SCALER_COUNT_KEY_MAX, "%d %.17g", j, v);
}

bool
dl_scaler_count_key_parse(const char *key, uint32_t len, int *j, double *v)
{
	char		buf[DL_SCALER_COUNT_KEY_MAX];
	char		again[DL_SCALER_COUNT_KEY_MAX];
	char	   *end;
	long		jj;

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, key, len);
	buf[len] = '\0';
	if (buf[0] < '0' || buf[0] > '9')
		return false;
	jj = strtol(buf, &end, 10);
	if (*end != ' ' || jj < 0 || jj > DL_STATE_MAX_DIM)
		return false;
	*v = strtod(end + 1, &end);
	if (*end != '\0')
		return false;
	*j = (int) jj;
	/* only the canonical spelling: one key per value */
	return dl_scaler_count_key(again, *j, *v) == (int) len && memcmp(again, buf, len) == 0;
}

/* a before b in the order of ties: smaller first, NaN last */
static bool
count_tie_before(double a, double b)
{
	if (isnan(a))
		return false;
	return isnan(b) || a < b;
}

dl_status
dl_scaler_fit_counts(dl_scaler *s, const dl_confusion *c)
{
	double	   *best = dl_alloc(sizeof(double) * s->d);
	double	   *best_count = dl_alloc(sizeof(double) * s->d);

	if (s->kind != DL_SCALER_IMPUTER || s->strategy != DL_IMPUTE_MOST_FREQUENT)
	{
		dl_free(best);
		dl_free(best_count);
		return dl_error(DL_EINTERNAL, "cannot fit %s (strategy %s) from counts",
						dl_scaler_kind_phrase(s->kind), dl_impute_strategy_name(s->strategy));
	}
	for (int i = 0; i < s->d; i++)
		best_count[i] = 0;
	for (uint32_t p = 0; p < c->npairs; p++)
	{
		uint32_t	a,
					b,
					len;
		double		count,
					v;
		int			j;
		const char *key;

		dl_confusion_pair(c, p, &a, &b, &count);
		key = dl_confusion_label(c, a, &len);
		if (a != b || !dl_scaler_count_key_parse(key, len, &j, &v) || j >= s->d)
		{
			dl_free(best);
			dl_free(best_count);
			return dl_error(DL_EFORMAT, "the counts of the most_frequent imputer are malformed");
		}
		if (count > best_count[j] || (count == best_count[j] && count_tie_before(v, best[j])))
		{
			best[j] = v;
			best_count[j] = count;
		}
	}
	for (int i = 0; i < s->d; i++)
	{
		if (best_count[i] == 0)
			fit_empty(s, i);
		else
			s->fill[i] = dl_scaler_canon(best[i]);
	}
	dl_free(best);
	dl_free(best_count);
	return DL_OK;
}
