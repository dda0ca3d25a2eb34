/*-------------------------------------------------------------------------
 *
 * model_fields.c
 *	  The little-endian fields of the weights format: writing them, and
 *	  reading them back with every length and range checked against the
 *	  bytes that remain (model_fields.h).
 *
 * src/core/nn/model_fields.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "model_fields.h"

/* ---- little-endian words ---- */

uint32_t
dl_load_u32(const uint8_t *p)
{
	return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

uint64_t
dl_load_u64(const uint8_t *p)
{
	return (uint64_t) dl_load_u32(p) | (uint64_t) dl_load_u32(p + 4) << 32;
}

void
dl_store_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t) (v >> (8 * i));
}

void
dl_store_u64(uint8_t *p, uint64_t v)
{
	dl_store_u32(p, (uint32_t) v);
	dl_store_u32(p + 4, (uint32_t) (v >> 32));
}

/* ---- errors ---- */

/* the reader's problems are damaged bytes, the writer's a bad argument */
dl_status
dl_model_error(dl_status bad, const char *fmt,...)
{
	char		buf[400];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return dl_error(bad, "%s: %s",
					bad == DL_EFORMAT ? "invalid model" : "cannot write the model", buf);
}

/* ---- writing ---- */

void
dl_put_bytes(dl_writer *w, const void *p, size_t n)
{
	if (w->buf && n > 0)
		memcpy(w->buf + w->pos, p, n);
	w->pos += n;
}

void
dl_put_u8(dl_writer *w, uint8_t v)
{
	dl_put_bytes(w, &v, 1);
}

void
dl_put_u32(dl_writer *w, uint32_t v)
{
	uint8_t		b[4];

	dl_store_u32(b, v);
	dl_put_bytes(w, b, 4);
}

void
dl_put_u64(dl_writer *w, uint64_t v)
{
	uint8_t		b[8];

	dl_store_u64(b, v);
	dl_put_bytes(w, b, 8);
}

void
dl_put_f32(dl_writer *w, float v)
{
	uint32_t	u;

	memcpy(&u, &v, 4);
	dl_put_u32(w, u);
}

void
dl_put_f64(dl_writer *w, double v)
{
	uint64_t	u;

	memcpy(&u, &v, 8);
	dl_put_u64(w, u);
}

void
dl_put_string(dl_writer *w, const char *s)
{
	size_t		n = strlen(s);

	dl_put_u32(w, (uint32_t) n);
	dl_put_bytes(w, s, n);
}

void
dl_put_bool(dl_writer *w, bool v)
{
	dl_put_u8(w, v ? 1 : 0);
}

void
dl_put_pair(dl_writer *w, const int v[2])
{
	for (int i = 0; i < 2; i++)
		dl_put_u32(w, (uint32_t) v[i]);
}

void
dl_put_shape(dl_writer *w, const dl_shape *s)
{
	dl_put_u32(w, (uint32_t) s->ndim);
	for (int i = 0; i < DL_MAX_DIMS; i++)
		dl_put_u32(w, (uint32_t) (i < s->ndim ? s->dim[i] : 0));
}

/* ---- reading ---- */

dl_status
dl_reader_past_end(const dl_reader *r)
{
	return dl_error(DL_EFORMAT, "invalid model: the %s run past the end of the model", r->section);
}

dl_status
dl_get_bytes(dl_reader *r, void *out, size_t n)
{
	if (r->left < n)
	{
		memset(out, 0, n);
		return dl_reader_past_end(r);
	}
	memcpy(out, r->p, n);
	r->p += n;
	r->left -= n;
	return DL_OK;
}

dl_status
dl_get_u8(dl_reader *r, uint8_t *v)
{
	return dl_get_bytes(r, v, 1);
}

dl_status
dl_get_u32(dl_reader *r, uint32_t *v)
{
	uint8_t		b[4];
	dl_status	st = dl_get_bytes(r, b, 4);

	if (st == DL_OK)
		*v = dl_load_u32(b);
	return st;
}

dl_status
dl_get_u64(dl_reader *r, uint64_t *v)
{
	uint8_t		b[8];
	dl_status	st = dl_get_bytes(r, b, 8);

	if (st == DL_OK)
		*v = dl_load_u64(b);
	return st;
}

dl_status
dl_get_f32(dl_reader *r, float *v)
{
	uint32_t	u;
	dl_status	st = dl_get_u32(r, &u);

	if (st == DL_OK)
		memcpy(v, &u, 4);
	return st;
}

dl_status
dl_get_f64(dl_reader *r, double *v)
{
	uint64_t	u;
	dl_status	st = dl_get_u64(r, &u);

	if (st == DL_OK)
		memcpy(v, &u, 8);
	return st;
}

dl_status
dl_get_bool(dl_reader *r, bool *v)
{
	uint8_t		b;
	dl_status	st = dl_get_u8(r, &b);

	if (st != DL_OK)
		return st;
	if (b > 1)
		return dl_error(DL_EFORMAT, "invalid model: a boolean in the %s is %u", r->section, b);
	*v = b == 1;
	return DL_OK;
}

/* a u32 that must be at most max (so it fits an int) */
dl_status
dl_get_count(dl_reader *r, uint32_t max, const char *what, int *v)
{
	uint32_t	u;
	dl_status	st = dl_get_u32(r, &u);

	*v = 0;						/* defined on every path, which gcc cannot always see */
	if (st != DL_OK)
		return st;
	if (u > max)
		return dl_error(DL_EFORMAT, "invalid model: %s is %u, more than %u", what, u, max);
	*v = (int) u;
	return DL_OK;
}

/* a count of items of at least min_bytes each, checked against what remains */
dl_status
dl_get_items(dl_reader *r, uint32_t max, size_t min_bytes, const char *what, int *v)
{
	dl_status	st = dl_get_count(r, max, what, v);

	if (st != DL_OK)
		return st;
	if ((size_t) *v > r->left / min_bytes)
		return dl_error(DL_EFORMAT, "invalid model: %s is %d but only %zu bytes remain",
						what, *v, r->left);
	return DL_OK;
}

/* a length-prefixed string: checked before the copy is allocated */
dl_status
dl_get_string(dl_reader *r, size_t max_len, const char *what, char **out)
{
	uint32_t	n;
	dl_status	st = dl_get_u32(r, &n);

	if (st != DL_OK)
		return st;
	if (n > max_len)
		return dl_error(DL_EFORMAT, "invalid model: %s has %u bytes, more than %zu", what, n, max_len);
	if (n > r->left)
		return dl_reader_past_end(r);
	if (memchr(r->p, '\0', n) != NULL)
		return dl_error(DL_EFORMAT, "invalid model: %s contains a NUL byte", what);
	*out = dl_alloc((size_t) n + 1);
	memcpy(*out, r->p, n);
	(*out)[n] = '\0';
	r->p += n;
	r->left -= n;
	return DL_OK;
}

/* ndim and four dimensions, the unused ones 0; -1 allowed when infer (reshape targets) */
dl_status
dl_get_shape(dl_reader *r, bool infer, dl_shape *s)
{
	uint32_t	u;
	dl_status	st;

	if ((st = dl_get_u32(r, &u)) != DL_OK)
		return st;
	if (u < 1 || u > DL_MAX_DIMS)
		return dl_error(DL_EFORMAT, "invalid model: a shape in the %s has %u dimensions", r->section, u);
	memset(s, 0, sizeof(*s));
	s->ndim = (int) u;
	for (int i = 0; i < DL_MAX_DIMS; i++)
	{
		if ((st = dl_get_u32(r, &u)) != DL_OK)
			return st;
		if (i >= s->ndim ? u != 0 : !(u <= DL_MAX_UNITS || (infer && u == UINT32_MAX)))
			return dl_error(DL_EFORMAT, "invalid model: a shape in the %s has dimension %d = %u",
							r->section, i + 1, u);
		s->dim[i] = (int) (int32_t) u;
	}
	return DL_OK;
}

/* two u32 of a kernel, stride, dilation or pool, each at most DL_MAX_UNITS */
dl_status
dl_get_pair(dl_reader *r, const char *what, int v[2])
{
	dl_status	st = dl_get_count(r, DL_MAX_UNITS, what, &v[0]);

	if (st == DL_OK)
		st = dl_get_count(r, DL_MAX_UNITS, what, &v[1]);
	return st;
}

dl_status
dl_get_activation(dl_reader *r, dl_activation *a)
{
	int			v = 0;
	dl_status	st = dl_get_count(r, DL_ACT_LAST, "an activation", &v);

	if (st == DL_OK)
		*a = (dl_activation) v;
	return st;
}
