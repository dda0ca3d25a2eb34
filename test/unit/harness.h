/*-------------------------------------------------------------------------
 *
 * harness.h
 *	  A tiny TAP-producing test harness for the engine's unit tests.
 *
 * Each suite is a function registered in main.c; CHECK records one
 * assertion without stopping, so a failing suite reports every broken
 * check.  The hooks installed by the harness record errors instead of
 * exiting, so tests can assert that a call fails with a given status.
 *
 * test/unit/harness.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_HARNESS_H
#define PGDL_HARNESS_H

#include <math.h>
#include <stdio.h>

#include "pgdl_core.h"

extern int	th_checks_failed;
extern dl_status th_last_error;
extern char th_last_message[512];
extern char th_last_hint[512];	/* the hint of the last error, "" when none */
/* how often the engine has checked for interrupts (a counter any test may reset) */
extern long th_interrupt_checks;
/* the largest single allocation through the hooks since it was last set to 0 */
extern size_t th_alloc_max;

/* begins a named test: prints "ok N - name" or "not ok N - name" at th_end */
extern void th_begin(const char *name);
extern void th_end(void);
extern void th_fail(const char *file, int line, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));
/* clears the last recorded error */
extern void th_clear_error(void);

/* a deterministic generator for test data (splitmix64) */
extern uint64_t th_rand_u64(uint64_t *state);
extern double th_rand_uniform(uint64_t *state);		/* [0, 1) */
extern double th_rand_normal(uint64_t *state);

/* sketches grown the way the glue grows them (test_sketch.c) */
extern dl_sketch *th_sketch_new(void);
extern dl_sketch *th_sketch_add(dl_sketch *s, double x, int *failures);

#define CHECK(cond) \
	do { if (!(cond)) th_fail(__FILE__, __LINE__, "%s", #cond); } while (0)

#define CHECK_NEAR(a, b, tol) \
	do { double a_ = (a), b_ = (b); \
		if (!(fabs(a_ - b_) <= (tol))) \
			th_fail(__FILE__, __LINE__, "%s = %.17g, %s = %.17g, |diff| %.3g > %.3g", \
					#a, a_, #b, b_, fabs(a_ - b_), (double) (tol)); } while (0)

/* relative difference, with b as the reference */
#define CHECK_REL(a, b, tol) \
	do { double a_ = (a), b_ = (b); \
		double d_ = a_ == b_ ? 0.0 : fabs(a_ - b_) / (fabs(b_) > 0 ? fabs(b_) : 1.0); \
		if (!(d_ <= (tol))) \
			th_fail(__FILE__, __LINE__, "%s = %.17g, %s = %.17g, rel diff %.3g > %.3g", \
					#a, a_, #b, b_, d_, (double) (tol)); } while (0)

#define CHECK_STATUS(expr, st) \
	do { dl_status s_ = (expr); \
		if (s_ != (st)) \
			th_fail(__FILE__, __LINE__, "%s returned %d, expected %d (%s)", \
					#expr, (int) s_, (int) (st), th_last_message); } while (0)

#endif							/* PGDL_HARNESS_H */
