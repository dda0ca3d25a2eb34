/*-------------------------------------------------------------------------
 *
 * util.c
 *	  Hooks through which the engine allocates, reports errors and checks
 *	  for interrupts, plus small overflow-safe helpers.
 *
 * src/core/util.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdarg.h>
#include <stdio.h>

#include "pgdl_core.h"

static dl_hooks hooks;

/* the hint of the error being reported, for the error hook; NULL: none */
static const char *error_hint;

void
dl_set_hooks(const dl_hooks *h)
{
	hooks = *h;
}

void *
dl_alloc(size_t size)
{
	return hooks.alloc(size);
}

void
dl_free(void *ptr)
{
	if (ptr)
		hooks.free(ptr);
}

void
dl_check_interrupts(void)
{
	if (hooks.check_interrupts)
		hooks.check_interrupts();
}

static dl_status report(dl_status status, const char *hint, const char *fmt, va_list ap)
			__attribute__((format(printf, 3, 0)));

/* formats the message and reports it with its hint (NULL: none) */
static dl_status
report(dl_status status, const char *hint, const char *fmt, va_list ap)
{
	char		buf[512];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	/* set on every report, so a hook that longjmps leaves no stale hint */
	error_hint = hint;
	hooks.error(status, buf);
	error_hint = NULL;
	return status;
}

dl_status
dl_error(dl_status status, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	report(status, NULL, fmt, ap);
	va_end(ap);
	return status;
}

dl_status
dl_error_hint(dl_status status, const char *hint, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	report(status, hint, fmt, ap);
	va_end(ap);
	return status;
}

const char *
dl_error_hint_text(void)
{
	return error_hint;
}

dl_status
dl_detail_set(dl_detail *why, dl_status status, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(why->text, sizeof(why->text), fmt, ap);
	va_end(ap);
	return status;
}

dl_status
dl_size_mul_add(size_t a, size_t b, size_t c, size_t *result)
{
	size_t		prod;

	if (__builtin_mul_overflow(a, b, &prod) ||
		__builtin_add_overflow(prod, c, result))
		return dl_error(DL_ELIMIT, "requested size overflows");
	return DL_OK;
}
