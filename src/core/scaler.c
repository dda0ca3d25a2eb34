/*-------------------------------------------------------------------------
 *
 * scaler.c
 *	  Per-feature scalers and the imputer: fitting them from moments or
 *	  quantile sketches, applying them, checking them, and their JSON text
 *	  form.
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
 * The text form is JSON, written so that parsing it gives back the same
 * doubles bit for bit (shortest of %.15g, %.16g, %.17g that reads back
 * equal; NaN and the infinities as the strings "NaN", "Infinity" and
 * "-Infinity").  NaN payloads are not kept: every NaN a fit stores, and
 * every one the parser reads, is the canonical quiet NaN, so the round trip
 * of anything fitted is exact.  The text is read by json.c's strict
 * reader (numbers with strtod from their literal text) and then must be
 * exactly that shape: one object whose values are numbers, strings or flat
 * arrays of numbers, checked member by member in the order of the text.
 * The tree is bounded to SCALER_MAX_VALUES values, so the memory it takes
 * is bounded whatever the text, and every problem is DL_ETEXT naming it
 * (DL_EVERSION for a newer version).  snprintf and strtod read and write
 * the decimal point of LC_NUMERIC, which a PostgreSQL backend always keeps
 * at "C".
 *
 * src/core/scaler.c
 *
 *-------------------------------------------------------------------------
 */
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgdl_core.h"
#include "json.h"

#define SCALER_TEXT_VERSION 1

/*
 * longest JSON number we read; a double never needs more than ~25 chars,
 * numeric's text of one (through jsonb) up to ~330
 */
#define NUMBER_MAX_LEN 350

/* keys and strings are shown in messages up to this many bytes */
#define NAME_MAX_LEN 64

/*
 * values in the text's tree: a valid text has at most 4 * DL_SCALER_MAX_D
 * + 11, so a newer version's text with one more array still says it is newer
 */
#define SCALER_MAX_VALUES (5 * DL_SCALER_MAX_D + 64)

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
		case DL_IMPUTE_NONE:
			break;
	}
	return "none";
}

/* "a minmax scaler", "an imputer": for messages */
static const char *
kind_phrase(dl_scaler_kind kind)
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

/* every stored NaN is the same one, so that the text round trip is exact */
static inline double
canon(double v)
{
	return isnan(v) ? NAN : v;
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
		s->fill[i] = s->strategy == DL_IMPUTE_CONSTANT ? canon(s->constant) : 0.0;
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
	s->center[i] = canon(center);
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
				s->lo[i] = canon(mean);
				/* the raw deviation: a constant feature has fences at its value */
				s->hi[i] = canon(sd);
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
					s->fill[i] = canon(dl_moments_mean(&mi));
				else
					s->fill[i] = canon(s->constant);
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
						kind_phrase(s->kind), dl_impute_strategy_name(s->strategy));

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
			s->lo[i] = canon(q[0]);
			s->hi[i] = canon(q[2]);
		}
		else
			s->fill[i] = canon(q[1]);
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
static dl_status
scaler_check(const dl_scaler *s, dl_status bad, const char *what)
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
		if (strategy < DL_IMPUTE_MEAN || strategy > DL_IMPUTE_CONSTANT)
			return dl_error(bad, "%s: unknown imputer strategy %d", what, strategy);
	}
	else if (strategy != DL_IMPUTE_NONE)
		return dl_error(bad, "%s: %s has no imputer strategy", what, kind_phrase(s->kind));
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
									what, kind_phrase(s->kind), feature);
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
							what, kind_phrase(s->kind), feature);
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
static dl_status
fitted_check(const dl_scaler *s, dl_status bad, const char *what)
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
	return scaler_check(s, DL_EFORMAT, "invalid scaler");
}

dl_status
dl_scaler_validate_fitted(const dl_scaler *s)
{
	dl_status	st = scaler_check(s, DL_EFORMAT, "invalid scaler");

	return st != DL_OK ? st : fitted_check(s, DL_EFORMAT, "invalid scaler");
}

void
dl_scaler_transform(const dl_scaler *s, const double *x, bool *isnull, double *y)
{
	int			d = s->d;

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
		return;
	}

	for (int i = 0; i < d; i++)
	{
		if (isnull && isnull[i])
			y[i] = 0.0;
		else
			y[i] = (x[i] - s->center[i]) / s->scale[i];
	}
}

dl_status
dl_scaler_inverse(const dl_scaler *s, const double *y, const bool *isnull, double *x)
{
	if (s->kind == DL_SCALER_IMPUTER)
		return dl_error(DL_EINVAL, "an imputer has no inverse");

	for (int i = 0; i < s->d; i++)
	{
		if (isnull && isnull[i])
			x[i] = 0.0;
		else
			x[i] = y[i] * s->scale[i] + s->center[i];
	}
	return DL_OK;
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
						kind_phrase(s->kind));
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

/* ---- text form: writing --------------------------------------------------- */

/* a generous bound for one formatted number */
#define NUMBER_ROOM 32

/* shortest of 15, 16, 17 significant digits that reads back identical */
static void
put_double(dl_json_buf *b, double v)
{
	char		num[NUMBER_ROOM];

	if (isnan(v))
		dl_json_buf_puts(b, "\"NaN\"");
	else if (isinf(v))
		dl_json_buf_puts(b, v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
	else
	{
		for (int prec = 15; prec <= 17; prec++)
		{
			snprintf(num, sizeof(num), "%.*g", prec, v);
			if (strtod(num, NULL) == v)
				break;
		}
		dl_json_buf_puts(b, num);
	}
}

static void
put_array(dl_json_buf *b, const char *key, const double *a, int d)
{
	dl_json_buf_puts(b, ", \"");
	dl_json_buf_puts(b, key);
	dl_json_buf_puts(b, "\": [");
	for (int i = 0; i < d; i++)
	{
		if (i > 0)
			dl_json_buf_puts(b, ", ");
		put_double(b, a[i]);
	}
	dl_json_buf_puts(b, "]");
}

/*
 * {"version": 1, "kind": "standard", "n": 3, "center": [...], "scale": [...],
 *	"lo": [...], "hi": [...]}; minmax and maxabs have no lo/hi; an imputer has
 * "strategy", "constant" (constant strategy only) and "fill" instead of the
 * affine arrays.
 */
char *
dl_scaler_to_json(const dl_scaler *s)
{
	dl_json_buf b;
	int			d = s->d > 0 ? s->d : 0;

	dl_json_buf_init(&b);

	dl_json_buf_puts(&b, "{\"version\": 1, \"kind\": \"");
	dl_json_buf_puts(&b, dl_scaler_kind_name(s->kind));
	dl_json_buf_puts(&b, "\", \"n\": ");
	put_double(&b, s->n);
	if (s->kind == DL_SCALER_IMPUTER)
	{
		dl_json_buf_puts(&b, ", \"strategy\": \"");
		dl_json_buf_puts(&b, dl_impute_strategy_name(s->strategy));
		dl_json_buf_puts(&b, "\"");
		if (s->strategy == DL_IMPUTE_CONSTANT)
		{
			dl_json_buf_puts(&b, ", \"constant\": ");
			put_double(&b, s->constant);
		}
		put_array(&b, "fill", s->fill, d);
	}
	else
	{
		put_array(&b, "center", s->center, d);
		put_array(&b, "scale", s->scale, d);
		if (s->kind == DL_SCALER_STANDARD || s->kind == DL_SCALER_ROBUST)
		{
			put_array(&b, "lo", s->lo, d);
			put_array(&b, "hi", s->hi, d);
		}
	}
	dl_json_buf_puts(&b, "}");
	return b.data;
}

/* ---- text form: reading --------------------------------------------------- */

enum
{
	K_VERSION,
	K_KIND,
	K_N,
	K_STRATEGY,
	K_CONSTANT,
	K_CENTER,
	K_SCALE,
	K_LO,
	K_HI,
	K_FILL,
	K_COUNT
};

static const char *const key_names[K_COUNT] = {
	"version", "kind", "n", "strategy", "constant",
	"center", "scale", "lo", "hi", "fill"
};

/* what each key's value is, for messages */
static const char *const key_types[K_COUNT] = {
	"a number", "a string", "a number", "a string", "a number",
	"an array of numbers", "an array of numbers", "an array of numbers",
	"an array of numbers", "an array of numbers"
};

#define KEY_BIT(k) (1u << (k))
#define ARRAY_KEYS (KEY_BIT(K_CENTER) | KEY_BIT(K_SCALE) | KEY_BIT(K_LO) | \
					KEY_BIT(K_HI) | KEY_BIT(K_FILL))

/* what the object held, before it is checked against the kind */
typedef struct parsed_scaler
{
	unsigned	seen;			/* KEY_BIT of each key read */
	double		num[K_COUNT];	/* version, n, constant */
	const dl_json *val[K_COUNT];	/* each key's value: kind, strategy, arrays */
	char		unknown[NAME_MAX_LEN + 4];	/* the first unknown key, if any */
	bool		has_unknown;
} parsed_scaler;

static dl_status text_error(const char *fmt,...)
			__attribute__((format(printf, 1, 2)));

static dl_status
text_error(const char *fmt,...)
{
	char		buf[400];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return dl_error(DL_ETEXT, "scaler text: %s", buf);
}

static int
lookup_key(const char *name, size_t len)
{
	for (int k = 0; k < K_COUNT; k++)
		if (strlen(key_names[k]) == len && memcmp(key_names[k], name, len) == 0)
			return k;
	return -1;
}

/*
 * The message for text json.c could not read, in this reader's words where
 * it has its own (the array element, the \u escape), else json.c's.
 */
static dl_status
syntax_error(const char *text, const dl_json_error *e)
{
	char		where[DL_JSON_KEY_SHOWN + 40] = "";
	bool		in_element = e->element > 0 && e->depth == 2;
	int			key = lookup_key(e->key, strlen(e->key));

	if (e->element > 0)
		snprintf(where, sizeof(where), " (in element %d of \"%s\")", e->element, e->key);
	else if (e->key[0] != '\0')
		snprintf(where, sizeof(where), " (in \"%s\")", e->key);

	switch (e->fault)
	{
		case DL_JSON_ENDS_EARLY:
			if (e->element > 0)
				return text_error("input ends inside \"%s\"", e->key);
			return text_error("input ends inside the object%s", where);
		case DL_JSON_TRAILING:
			return text_error("unexpected text after the object at character %d", e->pos);
		case DL_JSON_BAD_UNICODE_ESCAPE:
			return text_error("invalid \\u escape at character %d: %s%s", e->pos, e->message, where);
		case DL_JSON_LONE_SURROGATE:
			return text_error("unpaired surrogate in \\u escape at character %d: %s%s",
							  e->pos, e->message, where);
		case DL_JSON_EXPECTED_VALUE:
			if (in_element)
				return text_error("element %d of \"%s\" must be a number (at character %d)",
								  e->element, e->key, e->pos);
			if (e->depth == 1 && key >= 0)
				return text_error("\"%s\" must be %s (at character %d): %s",
								  e->key, key_types[key], e->pos, e->message);
			break;
		case DL_JSON_LEADING_ZERO:
			/* the number ends after its 0 (and sign), where a ',' or ']' must follow */
			if (in_element)
				return text_error("expected ',' or ']' after element %d of \"%s\" at character %d (a number has no leading zeros)",
								  e->element, e->key, e->pos + (text[e->pos - 1] == '-') + 1);
			break;
		case DL_JSON_TOO_BIG:
			return text_error("%s at character %d%s", e->message, e->pos, where);
		default:
			break;
	}
	return text_error("invalid JSON at character %d: %s%s", e->pos, e->message, where);
}

/* a number, or one of the strings "NaN", "Infinity", "-Infinity" */
static bool
number_value(const dl_json *v, double *out)
{
	if (v->type == DL_JSON_NUMBER)
		*out = v->number;
	else if (!dl_json_plain_string(v))
		return false;
	else if (strcmp(v->str, "NaN") == 0)
		*out = NAN;
	else if (strcmp(v->str, "Infinity") == 0)
		*out = INFINITY;
	else if (strcmp(v->str, "-Infinity") == 0)
		*out = -INFINITY;
	else
		return false;
	return true;
}

/* names the value being read, for messages only (never on the hot path) */
static const char *
value_name(char *buf, size_t size, const char *key, int element)
{
	if (element > 0)
		snprintf(buf, size, "element %d of \"%s\"", element, key);
	else
		snprintf(buf, size, "\"%s\"", key);
	return buf;
}

/*
 * A number, or one of the strings "NaN", "Infinity", "-Infinity", as the
 * value of key (element > 0: its element-th array element).
 */
static dl_status
check_number(const dl_json *v, const char *key, int element, double *out)
{
	char		what[NAME_MAX_LEN + 48];
	char		shown[NAME_MAX_LEN + 4];

	if (v->type == DL_JSON_NUMBER && v->len > NUMBER_MAX_LEN)
		return text_error("number at character %d is too long", v->pos);
	if (number_value(v, out))
		return DL_OK;
	if (v->type == DL_JSON_STRING)
		return text_error("%s must be a number, got the string \"%s\" (only \"NaN\", \"Infinity\" and \"-Infinity\" may be quoted)",
						  value_name(what, sizeof(what), key, element),
						  dl_json_printable(v->str, v->len, shown, sizeof(shown)));
	return text_error("%s must be a number (at character %d)",
					  value_name(what, sizeof(what), key, element), v->pos);
}

/* a flat array of at most DL_SCALER_MAX_D numbers */
static dl_status
check_array(const dl_json *v, const char *name)
{
	if (v->type != DL_JSON_ARRAY)
		return text_error("\"%s\" must be an array of numbers (at character %d)",
						  name, v->pos);
	for (int i = 0; i < v->n; i++)
	{
		double		x;
		dl_status	st;

		if (i == DL_SCALER_MAX_D)
			return text_error("\"%s\" has more than %d elements", name, DL_SCALER_MAX_D);
		if ((st = check_number(&v->elems[i], name, i + 1, &x)) != DL_OK)
			return st;
	}
	return DL_OK;
}

/* an array check_array accepted, into d doubles */
static void
copy_array(const dl_json *v, double *out)
{
	for (int i = 0; i < v->n; i++)
	{
		double		x = 0.0;

		(void) number_value(&v->elems[i], &x);
		out[i] = canon(x);
	}
}

static dl_status
check_version(double v)
{
	if (v != floor(v) || v < 1)
		return text_error("invalid version %g", v);
	if (v > SCALER_TEXT_VERSION)
		return dl_error(DL_EVERSION,
						"scaler text: version %g is newer than this pgdl reads (%d)",
						v, SCALER_TEXT_VERSION);
	return DL_OK;
}

/*
 * The members in the order of the text, each checked as it comes, so the
 * first problem in the text is the one reported (json.c's tree of a
 * malformed text may hold duplicate keys).
 */
static dl_status
read_members(const dl_json *root, parsed_scaler *ps)
{
	for (int i = 0; i < root->n; i++)
	{
		const dl_json_member *m = &root->members[i];
		const dl_json *v = &m->value;
		int			key = lookup_key(m->key, m->key_len);
		double		x;
		dl_status	st;

		if (key < 0)
		{
			char		name[NAME_MAX_LEN + 4];

			dl_json_printable(m->key, m->key_len, name, sizeof(name));

			/*
			 * Text from a newer pgdl may have new keys: until its version
			 * has been read, remember the key and report it after the
			 * version check, so that such text says it is newer.  Its value
			 * is a number, a string or a flat array of numbers, never
			 * nesting.
			 */
			if (ps->seen & KEY_BIT(K_VERSION))
				return text_error("unknown key \"%s\"", name);
			if (!ps->has_unknown)
			{
				ps->has_unknown = true;
				memcpy(ps->unknown, name, sizeof(name));
			}
			if (v->type == DL_JSON_STRING)
				st = DL_OK;
			else if (v->type == DL_JSON_NUMBER)
				st = check_number(v, name, 0, &x);
			else if (v->type == DL_JSON_ARRAY)
				st = check_array(v, name);
			else
				st = text_error("unknown key \"%s\"", name);
		}
		else
		{
			if (ps->seen & KEY_BIT(key))
				return text_error("duplicate key \"%s\"", key_names[key]);
			ps->seen |= KEY_BIT(key);
			ps->val[key] = v;
			switch (key)
			{
				case K_VERSION:
					st = check_number(v, key_names[key], 0, &ps->num[key]);
					if (st == DL_OK)
						st = check_version(ps->num[key]);
					break;
				case K_N:
				case K_CONSTANT:
					st = check_number(v, key_names[key], 0, &ps->num[key]);
					break;
				case K_KIND:
				case K_STRATEGY:
					st = DL_OK;
					if (v->type != DL_JSON_STRING)
						st = text_error("\"%s\" must be a string (at character %d)",
										key_names[key], v->pos);
					break;
				default:
					st = check_array(v, key_names[key]);
					break;
			}
		}
		if (st != DL_OK)
			return st;
	}
	return DL_OK;
}

/* which keys each kind has, besides version, kind and n */
static unsigned
kind_keys(dl_scaler_kind kind, dl_impute_strategy strategy)
{
	unsigned	common = KEY_BIT(K_VERSION) | KEY_BIT(K_KIND) | KEY_BIT(K_N);

	switch (kind)
	{
		case DL_SCALER_STANDARD:
		case DL_SCALER_ROBUST:
			return common | KEY_BIT(K_CENTER) | KEY_BIT(K_SCALE) |
				KEY_BIT(K_LO) | KEY_BIT(K_HI);
		case DL_SCALER_MINMAX:
		case DL_SCALER_MAXABS:
			return common | KEY_BIT(K_CENTER) | KEY_BIT(K_SCALE);
		case DL_SCALER_IMPUTER:
			return common | KEY_BIT(K_STRATEGY) | KEY_BIT(K_FILL) |
				(strategy == DL_IMPUTE_CONSTANT ? KEY_BIT(K_CONSTANT) : 0);
	}
	return common;
}

/* turns what was read into *s, checking it against the kind */
static dl_status
build_scaler(parsed_scaler *ps, dl_scaler *s)
{
	static const struct
	{
		const char *name;
		int			value;
	}			kinds[] = {
		{"standard", DL_SCALER_STANDARD},
		{"minmax", DL_SCALER_MINMAX},
		{"maxabs", DL_SCALER_MAXABS},
		{"robust", DL_SCALER_ROBUST},
		{"imputer", DL_SCALER_IMPUTER}
	},
				strategies[] = {
		{"mean", DL_IMPUTE_MEAN},
		{"median", DL_IMPUTE_MEDIAN},
		{"constant", DL_IMPUTE_CONSTANT}
	};
	const dl_json *kv = ps->val[K_KIND];
	const dl_json *sv = ps->val[K_STRATEGY];
	char		shown[NAME_MAX_LEN + 4];
	int			kind = 0;
	int			strategy = DL_IMPUTE_NONE;
	unsigned	allowed;
	int			first = -1;
	dl_status	st;

	if (!(ps->seen & KEY_BIT(K_VERSION)))
		return text_error("missing key \"version\"");
	if (ps->has_unknown)
		return text_error("unknown key \"%s\"", ps->unknown);

	if (!(ps->seen & KEY_BIT(K_KIND)))
		return text_error("missing key \"kind\"");
	/* a decoded \u0000 can match no name */
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (dl_json_plain_string(kv) && strcmp(kv->str, kinds[i].name) == 0)
			kind = kinds[i].value;
	if (kind == 0)
		return text_error("unknown kind \"%s\" (expected standard, minmax, maxabs, robust or imputer)",
						  dl_json_printable(kv->str, kv->len, shown, sizeof(shown)));

	if (kind == DL_SCALER_IMPUTER && (ps->seen & KEY_BIT(K_STRATEGY)))
	{
		for (size_t i = 0; i < sizeof(strategies) / sizeof(strategies[0]); i++)
			if (dl_json_plain_string(sv) && strcmp(sv->str, strategies[i].name) == 0)
				strategy = strategies[i].value;
		if (strategy == DL_IMPUTE_NONE)
			return text_error("unknown strategy \"%s\" (expected mean, median or constant)",
							  dl_json_printable(sv->str, sv->len, shown, sizeof(shown)));
	}

	allowed = kind_keys((dl_scaler_kind) kind, (dl_impute_strategy) strategy);
	for (int k = 0; k < K_COUNT; k++)
	{
		if ((allowed & KEY_BIT(k)) && !(ps->seen & KEY_BIT(k)))
			return text_error("missing key \"%s\" for %s", key_names[k],
							  kind_phrase((dl_scaler_kind) kind));
		if (!(allowed & KEY_BIT(k)) && (ps->seen & KEY_BIT(k)))
		{
			if (k == K_CONSTANT)
				return text_error("key \"constant\" is only for the constant strategy");
			return text_error("key \"%s\" does not apply to %s", key_names[k],
							  kind_phrase((dl_scaler_kind) kind));
		}
	}

	/* every array has d elements; d comes from the first */
	for (int k = 0; k < K_COUNT; k++)
	{
		if (!(allowed & ARRAY_KEYS & KEY_BIT(k)))
			continue;
		if (ps->val[k]->n == 0)
			return text_error("\"%s\" is empty", key_names[k]);
		if (first < 0)
			first = k;
		else if (ps->val[k]->n != ps->val[first]->n)
			return text_error("\"%s\" has %d elements but \"%s\" has %d",
							  key_names[k], ps->val[k]->n, key_names[first], ps->val[first]->n);
	}

	st = dl_scaler_alloc(s, (dl_scaler_kind) kind, ps->val[first]->n);
	if (st != DL_OK)
		return st;
	s->strategy = (dl_impute_strategy) strategy;
	s->n = ps->num[K_N];
	if (strategy == DL_IMPUTE_CONSTANT)
		s->constant = canon(ps->num[K_CONSTANT]);
	if (ps->val[K_CENTER])
		copy_array(ps->val[K_CENTER], s->center);
	if (ps->val[K_SCALE])
		copy_array(ps->val[K_SCALE], s->scale);
	if (ps->val[K_LO])
		copy_array(ps->val[K_LO], s->lo);
	if (ps->val[K_HI])
		copy_array(ps->val[K_HI], s->hi);
	if (ps->val[K_FILL])
		copy_array(ps->val[K_FILL], s->fill);

	st = scaler_check(s, DL_ETEXT, "scaler text");
	if (st == DL_OK)
		st = fitted_check(s, DL_ETEXT, "scaler text");
	if (st != DL_OK)
	{
		dl_free(s->center);
		memset(s, 0, sizeof(*s));
	}
	return st;
}

/* on failure *s is left as it was */
dl_status
dl_scaler_from_json(const char *text, dl_scaler *s)
{
	dl_json_doc *doc;
	dl_json_error err;
	parsed_scaler ps;
	dl_scaler	result;
	size_t		lead;
	dl_status	st;

	if (text == NULL)
		return text_error("empty input");
	/* the text is one object: say so before reading anything in it */
	lead = strspn(text, " \t\n\r");
	if (text[lead] == '\0')
		return text_error("empty input");
	if (text[lead] != '{')
		return text_error("expected '{' at character %d", (int) lead + 1);
	/* no bound on the length: SCALER_MAX_VALUES bounds the memory */
	memset(&ps, 0, sizeof(ps));
	if (dl_json_parse_quiet(text, SIZE_MAX, SCALER_MAX_VALUES, &doc, &err) != DL_OK)
	{
		/* what comes before the problem in the text is reported first */
		st = doc ? read_members(dl_json_root(doc), &ps) : DL_OK;
		dl_json_free(doc);
		return st != DL_OK ? st : syntax_error(text, &err);
	}

	memset(&result, 0, sizeof(result));
	st = read_members(dl_json_root(doc), &ps);
	if (st == DL_OK)
		st = build_scaler(&ps, &result);
	dl_json_free(doc);
	if (st == DL_OK)
		*s = result;
	return st;
}
