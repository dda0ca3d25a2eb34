/*-------------------------------------------------------------------------
 *
 * fuzz_scaler.c
 *	  libFuzzer harness for the scaler text form (dl_scaler_from_json).
 *
 * Each input is parsed from a NUL-terminated copy in an exact-size block,
 * so ASan catches a read past the NUL.  Beyond "no crash", the harness
 * checks the properties the SQL type relies on, and traps when one breaks:
 * a failure comes with exactly one error report, carrying the returned
 * status (DL_ETEXT, or DL_EVERSION for newer text) and a message; a success
 * passes the binary form's check (dl_scaler_validate_fitted: the relations
 * of a fitted scaler included), and its text parses back to the same scaler bit for bit and
 * prints identically (the text form is canonical).
 *
 * Fuzzing (clang; the scaler calls into moments.c and sketch.c, so link
 * every core source, $(CORE_SRCS) in the Makefile):
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc/core \
 *		test/fuzz/fuzz_scaler.c $(CORE_SRCS) -lm -o fuzz_scaler
 *	./fuzz_scaler -dict=test/fuzz/scaler.dict -max_total_time=60 \
 *		test/fuzz/corpus/scaler
 *
 * With -DPGDL_FUZZ_REPLAY it builds without libFuzzer (gcc is fine) into a
 * replayer whose main() feeds every file, or every file in each directory,
 * named on the command line, so the corpus runs under ASan in make test.
 *
 * test/fuzz/fuzz_scaler.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgdl_core.h"

#define FUZZ_NAME "fuzz_scaler"
#include "fuzz_common.h"


static int
same_doubles(const double *a, const double *b, int d)
{
	return memcmp(a, b, (size_t) d * sizeof(double)) == 0;
}

static int
same_scaler(const dl_scaler *a, const dl_scaler *b)
{
	return a->kind == b->kind && a->strategy == b->strategy && a->d == b->d &&
		memcmp(&a->n, &b->n, sizeof(double)) == 0 &&
		memcmp(&a->constant, &b->constant, sizeof(double)) == 0 &&
		same_doubles(a->center, b->center, a->d) &&
		same_doubles(a->scale, b->scale, a->d) &&
		same_doubles(a->lo, b->lo, a->d) &&
		same_doubles(a->hi, b->hi, a->d) &&
		same_doubles(a->fill, b->fill, a->d);
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *text = malloc(size + 1);
	dl_scaler	s,
				back;
	dl_status	st;

	install_hooks();
	memcpy(text, data, size);
	text[size] = '\0';

	n_errors = 0;
	st = dl_scaler_from_json(text, &s);
	free(text);
	if (st != DL_OK)
	{
		/* one report, of the status returned, with a message */
		if (n_errors != 1 || last_status != st || last_message_len == 0 ||
			(st != DL_ETEXT && st != DL_EVERSION))
			__builtin_trap();
		return 0;
	}
	/* what the text accepts, the binary form (pgdl.scaler's receive) accepts */
	if (n_errors != 0 || dl_scaler_validate_fitted(&s) != DL_OK)
		__builtin_trap();

	/* the text form is canonical: print, parse, print again */
	{
		char	   *out = dl_scaler_to_json(&s);
		char	   *again;

		if (dl_scaler_from_json(out, &back) != DL_OK || !same_scaler(&s, &back))
			__builtin_trap();
		again = dl_scaler_to_json(&back);
		if (strcmp(out, again) != 0)
			__builtin_trap();
		dl_free(again);
		dl_free(out);
		dl_free(back.center);
	}

	/* applying it must not trip the sanitizers either */
	{
		double	   *x = calloc((size_t) s.d, sizeof(double));
		bool	   *isnull = calloc((size_t) s.d, sizeof(bool));
		bool		outlier;

		for (int i = 0; i < s.d; i += 2)
			isnull[i] = true;
		dl_scaler_transform(&s, x, isnull, x);
		(void) dl_scaler_inverse(&s, x, isnull, x);
		(void) dl_scaler_is_outlier(&s, x, isnull, 3.0, &outlier);
		free(x);
		free(isnull);
	}
	dl_free(s.center);
	return 0;
}

