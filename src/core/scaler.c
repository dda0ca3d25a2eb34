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
 * of anything fitted is exact.  The parser is a strict reader of exactly
 * that shape - one object whose values are numbers, strings or flat arrays
 * of numbers - so it never recurses into untrusted nesting and needs no
 * depth limit; it never reads past the terminating NUL, bounds every array
 * by DL_SCALER_MAX_D before growing it, and reports every problem as
 * DL_ETEXT naming it.  snprintf and strtod read and write the decimal
 * point of LC_NUMERIC, which a PostgreSQL backend always keeps at "C".
 *
 * src/core/scaler.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgdl_core.h"

#define SCALER_TEXT_VERSION 1

/* longest JSON number we read; a double never needs more than ~25 chars */
#define NUMBER_MAX_LEN 350

/* decoded strings longer than this are kept truncated, for messages only */
#define NAME_MAX_LEN 64

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

static void
set_affine(dl_scaler *s, int i, double center, double scale)
{
	s->center[i] = canon(center);
	/* scikit-learn's _handle_zeros_in_scale; NaN is not zero and stays */
	s->scale[i] = scale == 0.0 ? 1.0 : canon(scale);
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
				if (lo > hi)
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

dl_status
dl_scaler_validate(const dl_scaler *s)
{
	return scaler_check(s, DL_EFORMAT, "invalid scaler");
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

/* a generous bound for one formatted number plus its ", " separator */
#define NUMBER_ROOM 32

typedef struct text_buf
{
	char	   *data;
	size_t		len;
	size_t		cap;
} text_buf;

/* the caller sized the buffer, so running out is a bug: drop, never overrun */
static void
put_str(text_buf *b, const char *str)
{
	size_t		n = strlen(str);

	if (b->len + n >= b->cap)
		return;
	memcpy(b->data + b->len, str, n + 1);
	b->len += n;
}

/* shortest of 15, 16, 17 significant digits that reads back identical */
static void
put_double(text_buf *b, double v)
{
	char		num[NUMBER_ROOM];

	if (isnan(v))
		put_str(b, "\"NaN\"");
	else if (isinf(v))
		put_str(b, v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
	else
	{
		for (int prec = 15; prec <= 17; prec++)
		{
			snprintf(num, sizeof(num), "%.*g", prec, v);
			if (strtod(num, NULL) == v)
				break;
		}
		put_str(b, num);
	}
}

static void
put_array(text_buf *b, const char *key, const double *a, int d)
{
	put_str(b, ", \"");
	put_str(b, key);
	put_str(b, "\": [");
	for (int i = 0; i < d; i++)
	{
		if (i > 0)
			put_str(b, ", ");
		put_double(b, a[i]);
	}
	put_str(b, "]");
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
	text_buf	b;
	int			d = s->d > 0 ? s->d : 0;

	/* at most four arrays of d numbers, plus the fixed keys */
	b.cap = (size_t) 4 * NUMBER_ROOM * (size_t) d + 256;
	b.data = dl_alloc(b.cap);
	b.len = 0;
	b.data[0] = '\0';

	put_str(&b, "{\"version\": 1, \"kind\": \"");
	put_str(&b, dl_scaler_kind_name(s->kind));
	put_str(&b, "\", \"n\": ");
	put_double(&b, s->n);
	if (s->kind == DL_SCALER_IMPUTER)
	{
		put_str(&b, ", \"strategy\": \"");
		put_str(&b, dl_impute_strategy_name(s->strategy));
		put_str(&b, "\"");
		if (s->strategy == DL_IMPUTE_CONSTANT)
		{
			put_str(&b, ", \"constant\": ");
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
	put_str(&b, "}");
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

#define KEY_BIT(k) (1u << (k))
#define ARRAY_KEYS (KEY_BIT(K_CENTER) | KEY_BIT(K_SCALE) | KEY_BIT(K_LO) | \
					KEY_BIT(K_HI) | KEY_BIT(K_FILL))

typedef struct json_reader
{
	const char *start;
	const char *p;
} json_reader;

/* what the object held, before it is checked against the kind */
typedef struct parsed_scaler
{
	unsigned	seen;			/* KEY_BIT of each key read */
	double		num[K_COUNT];	/* version, n, constant */
	char		str[K_COUNT][NAME_MAX_LEN];	/* kind, strategy (decoded) */
	bool		str_long[K_COUNT];	/* longer than NAME_MAX_LEN - 1 */
	double	   *arr[K_COUNT];	/* hook-allocated, freed by the caller */
	int			len[K_COUNT];
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

/* 1-based, as PostgreSQL counts "at character N" */
static int
position(const json_reader *r)
{
	return (int) (r->p - r->start) + 1;
}

/*
 * Messages quote strings from the input: keep printable ASCII only, so a
 * message never carries control characters or invalid encoding.
 */
static const char *
printable(const char *in, bool truncated, char *out, size_t outsize)
{
	size_t		j = 0;

	for (size_t i = 0; in[i] && j + 4 < outsize; i++)
	{
		unsigned char c = (unsigned char) in[i];

		out[j++] = (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? (char) c : '?';
	}
	if (truncated)
	{
		out[j++] = '.';
		out[j++] = '.';
		out[j++] = '.';
	}
	out[j] = '\0';
	return out;
}

static void
skip_ws(json_reader *r)
{
	while (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')
		r->p++;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* four hex digits at p; stops at the first non-digit, so at a NUL too */
static long
hex4(const char *p)
{
	long		v = 0;

	for (int i = 0; i < 4; i++)
	{
		int			h = hex_value(p[i]);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

static void
append_byte(char *out, size_t outsize, size_t *len, bool *truncated, unsigned char c)
{
	if (*len + 1 < outsize)
	{
		out[(*len)++] = (char) c;
		out[*len] = '\0';
	}
	else
		*truncated = true;
}

static void
append_utf8(char *out, size_t outsize, size_t *len, bool *truncated, long cp)
{
	if (cp < 0x80)
		append_byte(out, outsize, len, truncated, (unsigned char) cp);
	else if (cp < 0x800)
	{
		append_byte(out, outsize, len, truncated, (unsigned char) (0xC0 | (cp >> 6)));
		append_byte(out, outsize, len, truncated, (unsigned char) (0x80 | (cp & 0x3F)));
	}
	else if (cp < 0x10000)
	{
		append_byte(out, outsize, len, truncated, (unsigned char) (0xE0 | (cp >> 12)));
		append_byte(out, outsize, len, truncated, (unsigned char) (0x80 | ((cp >> 6) & 0x3F)));
		append_byte(out, outsize, len, truncated, (unsigned char) (0x80 | (cp & 0x3F)));
	}
	else
	{
		append_byte(out, outsize, len, truncated, (unsigned char) (0xF0 | (cp >> 18)));
		append_byte(out, outsize, len, truncated, (unsigned char) (0x80 | ((cp >> 12) & 0x3F)));
		append_byte(out, outsize, len, truncated, (unsigned char) (0x80 | ((cp >> 6) & 0x3F)));
		append_byte(out, outsize, len, truncated, (unsigned char) (0x80 | (cp & 0x3F)));
	}
}

/*
 * Reads the string at r->p (which is at its opening quote), decoding
 * escapes into out (NUL-terminated, at most outsize - 1 bytes; *truncated
 * says the rest was dropped).  A decoded \u0000 stays in the bytes, so
 * *len, not strlen, is its length.
 */
static dl_status
read_string(json_reader *r, char *out, size_t outsize, size_t *len, bool *truncated)
{
	int			open = position(r);

	*len = 0;
	*truncated = false;
	out[0] = '\0';
	r->p++;
	for (;;)
	{
		unsigned char c = (unsigned char) *r->p;

		if (c == '\0')
			return text_error("unterminated string starting at character %d", open);
		if (c == '"')
		{
			r->p++;
			return DL_OK;
		}
		if (c < 0x20)
			return text_error("control character in string at character %d", position(r));
		if (c != '\\')
		{
			append_byte(out, outsize, len, truncated, c);
			r->p++;
			continue;
		}

		r->p++;
		c = (unsigned char) *r->p;
		switch (c)
		{
			case '"':
			case '\\':
			case '/':
				break;
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case 'n':
				c = '\n';
				break;
			case 'r':
				c = '\r';
				break;
			case 't':
				c = '\t';
				break;
			case 'u':
				{
					long		cp = hex4(r->p + 1);

					if (cp < 0)
						return text_error("invalid \\u escape at character %d", position(r) - 1);
					r->p += 5;
					if (cp >= 0xDC00 && cp <= 0xDFFF)
						return text_error("unpaired surrogate in \\u escape at character %d",
										  position(r) - 6);
					if (cp >= 0xD800 && cp <= 0xDBFF)
					{
						long		lo = -1;

						if (r->p[0] == '\\' && r->p[1] == 'u')
							lo = hex4(r->p + 2);
						if (lo < 0xDC00 || lo > 0xDFFF)
							return text_error("unpaired surrogate in \\u escape at character %d",
											  position(r) - 6);
						cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
						r->p += 6;
					}
					append_utf8(out, outsize, len, truncated, cp);
					continue;
				}
			case '\0':
				return text_error("unterminated string starting at character %d", open);
			default:
				if (c >= 0x20 && c < 0x7f)
					return text_error("invalid escape \\%c at character %d",
									  (char) c, position(r) - 1);
				return text_error("invalid escape at character %d", position(r) - 1);
		}
		append_byte(out, outsize, len, truncated, c);
		r->p++;
	}
}

/* a JSON number at r->p, read with strtod once its syntax is known good */
static dl_status
read_number(json_reader *r, double *v)
{
	const char *q = r->p;
	char		buf[NUMBER_MAX_LEN + 1];
	char	   *end;
	size_t		n;

	if (*q == '-')
		q++;
	if (*q == '0')
		q++;
	else if (is_digit(*q))
	{
		while (is_digit(*q))
			q++;
	}
	else
		return text_error("invalid number at character %d", position(r));
	if (*q == '.')
	{
		q++;
		if (!is_digit(*q))
			return text_error("invalid number at character %d", position(r));
		while (is_digit(*q))
			q++;
	}
	if (*q == 'e' || *q == 'E')
	{
		q++;
		if (*q == '+' || *q == '-')
			q++;
		if (!is_digit(*q))
			return text_error("invalid number at character %d", position(r));
		while (is_digit(*q))
			q++;
	}

	n = (size_t) (q - r->p);
	if (n > NUMBER_MAX_LEN)
		return text_error("number at character %d is too long", position(r));
	memcpy(buf, r->p, n);
	buf[n] = '\0';
	*v = strtod(buf, &end);
	if (end != buf + n)
		return text_error("invalid number at character %d", position(r));
	/* a finite literal that overflows; write "Infinity" for infinity */
	if (isinf(*v))
		return text_error("number at character %d is out of range", position(r));
	r->p = q;
	return DL_OK;
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
read_value_number(json_reader *r, double *v, const char *key, int element)
{
	char		what[NAME_MAX_LEN + 48];

	skip_ws(r);
	if (*r->p == '-' || is_digit(*r->p))
		return read_number(r, v);
	if (*r->p == '"')
	{
		char		s[NAME_MAX_LEN];
		char		shown[NAME_MAX_LEN + 4];
		size_t		len;
		bool		truncated;
		dl_status	st = read_string(r, s, sizeof(s), &len, &truncated);

		if (st != DL_OK)
			return st;
		if (!truncated && len == strlen(s))
		{
			if (strcmp(s, "NaN") == 0)
			{
				*v = NAN;
				return DL_OK;
			}
			if (strcmp(s, "Infinity") == 0)
			{
				*v = INFINITY;
				return DL_OK;
			}
			if (strcmp(s, "-Infinity") == 0)
			{
				*v = -INFINITY;
				return DL_OK;
			}
		}
		return text_error("%s must be a number, got the string \"%s\" (only \"NaN\", \"Infinity\" and \"-Infinity\" may be quoted)",
						  value_name(what, sizeof(what), key, element),
						  printable(s, truncated, shown, sizeof(shown)));
	}
	if (*r->p == '\0')
		return text_error("input ends where %s should be",
						  value_name(what, sizeof(what), key, element));
	return text_error("%s must be a number (at character %d)",
					  value_name(what, sizeof(what), key, element), position(r));
}

/*
 * A flat array of numbers into *arr (hook-allocated, grown by doubling; the
 * caller frees it even on failure); its length is bounded before it grows.
 */
static dl_status
read_array(json_reader *r, const char *name, double **arr, int *len)
{
	int			cap = 0;

	skip_ws(r);
	if (*r->p != '[')
		return text_error("\"%s\" must be an array of numbers (at character %d)",
						  name, position(r));
	r->p++;
	skip_ws(r);
	if (*r->p == ']')
	{
		r->p++;
		return DL_OK;
	}
	for (;;)
	{
		double		v;
		dl_status	st;

		if (*len == DL_SCALER_MAX_D)
			return text_error("\"%s\" has more than %d elements", name, DL_SCALER_MAX_D);
		st = read_value_number(r, &v, name, *len + 1);
		if (st != DL_OK)
			return st;
		if (*len == cap)
		{
			int			newcap = cap == 0 ? 8 : cap * 2;
			double	   *grown;

			if (newcap > DL_SCALER_MAX_D)
				newcap = DL_SCALER_MAX_D;
			grown = dl_alloc((size_t) newcap * sizeof(double));
			if (*len > 0)
				memcpy(grown, *arr, (size_t) *len * sizeof(double));
			dl_free(*arr);
			*arr = grown;
			cap = newcap;
		}
		(*arr)[(*len)++] = canon(v);

		skip_ws(r);
		if (*r->p == ',')
		{
			r->p++;
			continue;
		}
		if (*r->p == ']')
		{
			r->p++;
			return DL_OK;
		}
		if (*r->p == '\0')
			return text_error("input ends inside \"%s\"", name);
		return text_error("expected ',' or ']' after element %d of \"%s\" at character %d",
						  *len, name, position(r));
	}
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
 * Skips the value of an unknown key, which is reported once the version is
 * known: a number, a string or a flat array of numbers, never nesting.
 */
static dl_status
skip_value(json_reader *r, const char *name)
{
	skip_ws(r);
	if (*r->p == '"')
	{
		char		s[NAME_MAX_LEN];
		size_t		len;
		bool		truncated;

		return read_string(r, s, sizeof(s), &len, &truncated);
	}
	if (*r->p == '-' || is_digit(*r->p))
	{
		double		v;

		return read_number(r, &v);
	}
	if (*r->p == '[')
	{
		double	   *arr = NULL;
		int			len = 0;
		dl_status	st = read_array(r, name, &arr, &len);

		dl_free(arr);
		return st;
	}
	return text_error("unknown key \"%s\"", name);
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

/* the object: {"key": value, ...} followed by nothing but white space */
static dl_status
read_object(json_reader *r, parsed_scaler *ps)
{
	dl_status	st;

	skip_ws(r);
	if (*r->p == '\0')
		return text_error("empty input");
	if (*r->p != '{')
		return text_error("expected '{' at character %d", position(r));
	r->p++;
	skip_ws(r);
	if (*r->p == '}')
		r->p++;
	else
	{
		for (;;)
		{
			char		name[NAME_MAX_LEN];
			char		shown[NAME_MAX_LEN + 4];
			size_t		len;
			bool		truncated;
			int			key;

			skip_ws(r);
			if (*r->p == '\0')
				return text_error("input ends inside the object");
			if (*r->p != '"')
				return text_error("expected a quoted key at character %d", position(r));
			st = read_string(r, name, sizeof(name), &len, &truncated);
			if (st != DL_OK)
				return st;
			key = truncated ? -1 : lookup_key(name, len);
			if (key >= 0 && (ps->seen & KEY_BIT(key)))
				return text_error("duplicate key \"%s\"", key_names[key]);

			skip_ws(r);
			if (*r->p != ':')
				return text_error("expected ':' after key \"%s\" at character %d",
								  printable(name, truncated, shown, sizeof(shown)),
								  position(r));
			r->p++;
			skip_ws(r);

			if (key < 0)
			{
				char		full[NAME_MAX_LEN + 4];

				printable(name, truncated, full, sizeof(full));

				/*
				 * Text from a newer pgdl may have new keys: until its version
				 * has been read, remember the key and report it after the
				 * version check, so that such text says it is newer.
				 */
				if (ps->seen & KEY_BIT(K_VERSION))
					return text_error("unknown key \"%s\"", full);
				if (!ps->has_unknown)
				{
					ps->has_unknown = true;
					memcpy(ps->unknown, full, sizeof(full));
				}
				st = skip_value(r, full);
				if (st != DL_OK)
					return st;
			}
			else
			{
				ps->seen |= KEY_BIT(key);
				switch (key)
				{
					case K_VERSION:
						st = read_value_number(r, &ps->num[key], key_names[key], 0);
						if (st == DL_OK)
							st = check_version(ps->num[key]);
						break;
					case K_N:
					case K_CONSTANT:
						st = read_value_number(r, &ps->num[key], key_names[key], 0);
						break;
					case K_KIND:
					case K_STRATEGY:
						if (*r->p != '"')
							st = text_error("\"%s\" must be a string (at character %d)",
											key_names[key], position(r));
						else
						{
							st = read_string(r, ps->str[key], sizeof(ps->str[key]),
											 &len, &truncated);
							/* an embedded \u0000 can match no name */
							ps->str_long[key] = truncated || len != strlen(ps->str[key]);
						}
						break;
					default:
						st = read_array(r, key_names[key], &ps->arr[key], &ps->len[key]);
						break;
				}
				if (st != DL_OK)
					return st;
			}

			skip_ws(r);
			if (*r->p == ',')
			{
				r->p++;
				continue;
			}
			if (*r->p == '}')
			{
				r->p++;
				break;
			}
			if (*r->p == '\0')
				return text_error("input ends inside the object");
			return text_error("expected ',' or '}' at character %d", position(r));
		}
	}

	skip_ws(r);
	if (*r->p != '\0')
		return text_error("unexpected text after the object at character %d", position(r));
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
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!ps->str_long[K_KIND] && strcmp(ps->str[K_KIND], kinds[i].name) == 0)
			kind = kinds[i].value;
	if (kind == 0)
		return text_error("unknown kind \"%s\" (expected standard, minmax, maxabs, robust or imputer)",
						  printable(ps->str[K_KIND], ps->str_long[K_KIND], shown, sizeof(shown)));

	if (kind == DL_SCALER_IMPUTER && (ps->seen & KEY_BIT(K_STRATEGY)))
	{
		for (size_t i = 0; i < sizeof(strategies) / sizeof(strategies[0]); i++)
			if (!ps->str_long[K_STRATEGY] &&
				strcmp(ps->str[K_STRATEGY], strategies[i].name) == 0)
				strategy = strategies[i].value;
		if (strategy == DL_IMPUTE_NONE)
			return text_error("unknown strategy \"%s\" (expected mean, median or constant)",
							  printable(ps->str[K_STRATEGY], ps->str_long[K_STRATEGY],
										shown, sizeof(shown)));
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
		if (ps->len[k] == 0)
			return text_error("\"%s\" is empty", key_names[k]);
		if (first < 0)
			first = k;
		else if (ps->len[k] != ps->len[first])
			return text_error("\"%s\" has %d elements but \"%s\" has %d",
							  key_names[k], ps->len[k], key_names[first], ps->len[first]);
	}

	st = dl_scaler_alloc(s, (dl_scaler_kind) kind, ps->len[first]);
	if (st != DL_OK)
		return st;
	s->strategy = (dl_impute_strategy) strategy;
	s->n = ps->num[K_N];
	if (strategy == DL_IMPUTE_CONSTANT)
		s->constant = canon(ps->num[K_CONSTANT]);
	if (ps->arr[K_CENTER])
		memcpy(s->center, ps->arr[K_CENTER], (size_t) s->d * sizeof(double));
	if (ps->arr[K_SCALE])
		memcpy(s->scale, ps->arr[K_SCALE], (size_t) s->d * sizeof(double));
	if (ps->arr[K_LO])
		memcpy(s->lo, ps->arr[K_LO], (size_t) s->d * sizeof(double));
	if (ps->arr[K_HI])
		memcpy(s->hi, ps->arr[K_HI], (size_t) s->d * sizeof(double));
	if (ps->arr[K_FILL])
		memcpy(s->fill, ps->arr[K_FILL], (size_t) s->d * sizeof(double));

	st = scaler_check(s, DL_ETEXT, "scaler text");
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
	json_reader r;
	parsed_scaler *ps;
	dl_scaler	result;
	dl_status	st;

	if (text == NULL)
		return text_error("empty input");
	r.start = text;
	r.p = text;
	ps = dl_alloc(sizeof(parsed_scaler));
	memset(ps, 0, sizeof(parsed_scaler));
	memset(&result, 0, sizeof(result));

	st = read_object(&r, ps);
	if (st == DL_OK)
		st = build_scaler(ps, &result);

	for (int k = 0; k < K_COUNT; k++)
		dl_free(ps->arr[k]);
	dl_free(ps);
	if (st == DL_OK)
		*s = result;
	return st;
}
