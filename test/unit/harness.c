/*-------------------------------------------------------------------------
 *
 * harness.c
 *	  Implementation of the unit-test harness (see harness.h).
 *
 * test/unit/harness.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

int			th_checks_failed;
dl_status	th_last_error;
char		th_last_message[512];
char		th_last_hint[512];
size_t		th_alloc_max;

static int	test_number;
static int	failed_in_test;
static const char *test_name;

void
th_begin(const char *name)
{
	test_name = name;
	failed_in_test = 0;
	th_clear_error();
}

void
th_end(void)
{
	test_number++;
	printf("%sok %d - %s\n", failed_in_test ? "not " : "", test_number, test_name);
	fflush(stdout);
}

void
th_fail(const char *file, int line, const char *fmt,...)
{
	va_list		ap;

	failed_in_test++;
	th_checks_failed++;
	printf("# %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

void
th_clear_error(void)
{
	th_last_error = DL_OK;
	th_last_message[0] = '\0';
	th_last_hint[0] = '\0';
}

uint64_t
th_rand_u64(uint64_t *state)
{
	uint64_t	z = (*state += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

double
th_rand_uniform(uint64_t *state)
{
	return (th_rand_u64(state) >> 11) * (1.0 / 9007199254740992.0);
}

double
th_rand_normal(uint64_t *state)
{
	double		u1 = th_rand_uniform(state),
				u2 = th_rand_uniform(state);

	if (u1 < 1e-300)
		u1 = 1e-300;
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* hooks: plain malloc, and errors recorded for the test to inspect */
static void *
th_alloc(size_t size)
{
	void	   *p = malloc(size ? size : 1);

	if (size > th_alloc_max)
		th_alloc_max = size;
	if (!p)
	{
		fprintf(stderr, "out of memory\n");
		abort();
	}
	return p;
}

long		th_interrupt_checks;

static void
th_check_interrupts(void)
{
	th_interrupt_checks++;
}

static void
th_error(dl_status status, const char *message)
{
	th_last_error = status;
	snprintf(th_last_message, sizeof(th_last_message), "%s", message);
	snprintf(th_last_hint, sizeof(th_last_hint), "%s",
			 dl_error_hint_text() ? dl_error_hint_text() : "");
}

/* suites, defined in test_*.c */
#define SUITE(name) extern void name(void);
#include <suites.h>
#undef SUITE

int
main(int argc, char **argv)
{
	dl_hooks	h = {th_alloc, free, th_error, th_check_interrupts};
	const char *only = argc > 1 ? argv[1] : NULL;

	dl_set_hooks(&h);
#define SUITE(name) if (!only || strcmp(only, #name) == 0) name();
#include <suites.h>
#undef SUITE
	printf("1..%d\n", test_number);
	return th_checks_failed ? 1 : 0;
}
