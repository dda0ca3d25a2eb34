/*-------------------------------------------------------------------------
 *
 * spec_values.c
 *	  Reading one value of a JSON spec (a layer's key, a training option):
 *	  its type and range, or DL_EINVAL saying what the subject must be and
 *	  what it got (spec_values.h).
 *
 * src/core/nn/spec_values.c
 *
 *-------------------------------------------------------------------------
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "names.h"
#include "spec_values.h"

/* ---- tables of names ---- */

const char *
dl_list_names(const dl_name_value *t, int n, char *buf, size_t size)
{
	size_t		len = 0;

	buf[0] = '\0';
	for (int i = 0; i < n && len < size; i++)
		len += snprintf(buf + len, size - len, "%s%s", i ? ", " : "", t[i].name);
	return buf;
}

int
dl_lookup_name(const dl_name_value *t, int n, const dl_json *v)
{
	if (!dl_json_plain_string(v))
		return -1;
	/* in any case: Keras' "ReLU", "SAME" */
	for (int i = 0; i < n; i++)
		if (dl_name_equal(v->str, v->len, t[i].name, false))
			return t[i].value;
	return -1;
}

const char *
dl_name_of(const dl_name_value *t, int n, int value)
{
	for (int i = 0; i < n; i++)
		if (t[i].value == value)
			return t[i].name;
	return "?";
}

/* ---- values ---- */

dl_status
dl_bad_value(const char *subject, const char *accepted, const dl_json *v)
{
	char		got[64];

	return dl_error(DL_EINVAL, "%s must be %s, got %s", subject, accepted,
					dl_json_describe(v, got, sizeof(got)));
}

dl_status
dl_want_integer(const dl_json *v, const char *subject, int64_t lo, int64_t hi, int64_t *out)
{
	char		accepted[96];

	if (!dl_json_integer(v, out) || *out < lo || *out > hi)
	{
		snprintf(accepted, sizeof(accepted), "an integer from %lld to %lld",
				 (long long) lo, (long long) hi);
		return dl_bad_value(subject, accepted, v);
	}
	return DL_OK;
}

dl_status
dl_want_int(const dl_json *v, const char *subject, int lo, int hi, int *out)
{
	int64_t		x;
	dl_status	st = dl_want_integer(v, subject, lo, hi, &x);

	if (st == DL_OK)
		*out = (int) x;
	return st;
}

/*
 * A number in a range.  The bounds are checked again on the float the
 * engine keeps, so that 1e-50 is not a "positive" epsilon that is 0.
 */
static bool
in_range(double x, double lo, double hi, int open)
{
	if ((open & DL_OPEN_LO) ? !(x > lo) : !(x >= lo))
		return false;
	if ((open & DL_OPEN_HI) ? !(x < hi) : !(x <= hi))
		return false;
	return true;
}

dl_status
dl_want_number(const dl_json *v, const char *subject, double lo, double hi, int open,
			const char *accepted, double *out)
{
	if (v->type != DL_JSON_NUMBER || !in_range(v->number, lo, hi, open))
		return dl_bad_value(subject, accepted, v);
	*out = v->number;
	return DL_OK;
}

dl_status
dl_want_float(const dl_json *v, const char *subject, double lo, double hi, int open,
		   const char *accepted, float *out)
{
	double		x = 0;
	dl_status	st = dl_want_number(v, subject, lo, hi, open, accepted, &x);

	if (st != DL_OK)
		return st;
	/* a value the option's range allows may still not fit the float32 it is kept in */
	if (!isfinite((float) x))
	{
		char		fits[160];

		snprintf(fits, sizeof(fits), "%s within float32's range (magnitude at most %g)",
				 accepted, (double) FLT_MAX);
		return dl_bad_value(subject, fits, v);
	}
	if (!in_range((float) x, lo, hi, open))
		return dl_bad_value(subject, accepted, v);
	*out = (float) x;
	return DL_OK;
}

dl_status
dl_want_bool(const dl_json *v, const char *subject, bool *out)
{
	if (v->type != DL_JSON_BOOL)
		return dl_bad_value(subject, "true or false", v);
	*out = v->boolean;
	return DL_OK;
}

dl_status
dl_want_name(const dl_json *v, const char *subject, const dl_name_value *t, int n, int *out)
{
	char		names[256];
	char		accepted[300];
	char		got[64];
	char		hint[128];
	dl_suggest	sg;

	*out = dl_lookup_name(t, n, v);
	if (*out >= 0)
		return DL_OK;
	snprintf(accepted, sizeof(accepted), "one of %s", dl_list_names(t, n, names, sizeof(names)));
	if (v->type != DL_JSON_STRING)
		return dl_bad_value(subject, accepted, v);
	dl_suggest_init(&sg, v->str, v->len);
	for (int i = 0; i < n; i++)
		dl_suggest_offer(&sg, t[i].name);
	return dl_error_hint(DL_EINVAL, dl_suggest_hint(&sg, hint, sizeof(hint)),
						 "%s must be %s, got %s", subject, accepted,
						 dl_json_describe(v, got, sizeof(got)));
}

dl_status
dl_want_string(const dl_json *v, const char *subject, size_t min_len, size_t max_len,
			const char *accepted, char **out)
{
	if (!dl_json_plain_string(v) || v->len < min_len || v->len > max_len)
		return dl_bad_value(subject, accepted, v);
	*out = dl_alloc(v->len + 1);
	memcpy(*out, v->str, v->len + 1);
	return DL_OK;
}

dl_status
dl_want_shape(const dl_json *v, const char *subject, bool allow_infer, dl_shape *out)
{
	char		accepted[128];
	int			inferred = 0;
	size_t		size = 1;

	if (allow_infer)
		snprintf(accepted, sizeof(accepted),
				 "an array of 1 to %d integers from 1 to %d, one of which may be -1",
				 DL_MAX_DIMS, DL_MAX_UNITS);
	else
		snprintf(accepted, sizeof(accepted),
				 "an array of 1 to %d integers from 1 to %d, at most %d values in all",
				 DL_MAX_DIMS, DL_MAX_UNITS, DL_MAX_FEATURES);
	if (v->type != DL_JSON_ARRAY || v->n < 1 || v->n > DL_MAX_DIMS)
		return dl_bad_value(subject, accepted, v);
	memset(out, 0, sizeof(*out));
	out->ndim = v->n;
	for (int i = 0; i < v->n; i++)
	{
		int64_t		d;

		if (!dl_json_integer(&v->elems[i], &d))
			return dl_bad_value(subject, accepted, &v->elems[i]);
		if (d == -1 && allow_infer)
			inferred++;
		else if (d < 1 || d > DL_MAX_UNITS)
			return dl_bad_value(subject, accepted, &v->elems[i]);
		if (inferred > 1)
			return dl_error(DL_EINVAL, "%s must be %s; it has more than one -1", subject, accepted);
		out->dim[i] = (int) d;
		if (d > 0)
			size *= (size_t) d;
	}
	if (!allow_infer && size > DL_MAX_FEATURES)
		return dl_error(DL_EINVAL, "%s must be %s", subject, accepted);
	return DL_OK;
}

dl_status
dl_want_pair(const dl_json *v, const char *subject, bool one_d, int out[2])
{
	char		accepted[128];
	int64_t		a,
				b;

	if (one_d)
		snprintf(accepted, sizeof(accepted), "an integer from 1 to %d", DL_MAX_UNITS);
	else
		snprintf(accepted, sizeof(accepted),
				 "an integer from 1 to %d or an array of two such integers [height, width]",
				 DL_MAX_UNITS);
	if (!one_d && v->type == DL_JSON_ARRAY)
	{
		if (v->n != 2)
			return dl_bad_value(subject, accepted, v);
		if (!dl_json_integer(&v->elems[0], &a) || a < 1 || a > DL_MAX_UNITS)
			return dl_bad_value(subject, accepted, &v->elems[0]);
		if (!dl_json_integer(&v->elems[1], &b) || b < 1 || b > DL_MAX_UNITS)
			return dl_bad_value(subject, accepted, &v->elems[1]);
	}
	else
	{
		if (!dl_json_integer(v, &a) || a < 1 || a > DL_MAX_UNITS)
			return dl_bad_value(subject, accepted, v);
		b = one_d ? 1 : a;
	}
	out[0] = (int) a;
	out[1] = (int) b;
	return DL_OK;
}
