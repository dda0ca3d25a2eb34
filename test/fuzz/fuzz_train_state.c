/*-------------------------------------------------------------------------
 *
 * fuzz_train_state.c
 *	  libFuzzer harness for data-parallel training states from outside
 *	  (dl_tstate_check), as pgdl.train_state values arrive through their
 *	  text and binary input functions.
 *
 * Each input is copied into an exact-size heap block (malloc's alignment,
 * 8 bytes as the glue gives the state), so ASan catches a read past its
 * end.  Beyond "no crash", the harness checks what the glue relies on and
 * traps when it breaks:
 *
 *	- the checker reports through *why only, never through the error hook,
 *	  and refuses with DL_EFORMAT or DL_EVERSION;
 *	- an accepted state (when its copies fit 64 MB: a state of no buffered
 *	  rows may declare rows of millions of inputs) copies into a larger buffer (its buffered rows
 *	  kept) that is accepted too, is compatible with itself, and merges
 *	  with a copy of itself into a state that is still accepted, with the
 *	  counts added and the parameters unchanged (the average of equals).
 *
 * Fuzzing (clang; or make fuzz):
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc/core \
 *		test/fuzz/fuzz_train_state.c $(CORE_SRCS) -lm -o fuzz_train_state
 *	./fuzz_train_state -max_total_time=180 NEW_DIR test/fuzz/corpus/train_state
 *
 * With -DPGDL_FUZZ_REPLAY it builds without libFuzzer into a replayer of
 * the files named on the command line (the corpus runs under ASan in make
 * test).  The seeds are states pgdl.train_state_init and
 * pgdl.train_state_agg returned (adam, sgd; before and after training).
 *
 * test/fuzz/fuzz_train_state.c
 *
 *-------------------------------------------------------------------------
 */
#define FUZZ_NAME "fuzz_train_state"

#include "fuzz_common.h"
#include "dl_train_state.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t    *block = malloc(size ? size : 1);
	const char *why = NULL;
	dl_status	st;

	install_hooks();
	memcpy(block, data, size);
	n_errors = 0;
	st = dl_tstate_check(block, size, &why);
	if (n_errors != 0)
		__builtin_trap();
	if (st != DL_OK)
	{
		if ((st != DL_EFORMAT && st != DL_EVERSION) || why == NULL || why[0] == '\0')
			__builtin_trap();
		free(block);
		return 0;
	}
	{
		const dl_tstate *s = (const dl_tstate *) block;
		int			rows = s->buffer_rows + 5;
		size_t		bytes = dl_tstate_bytes(s->model_len, s->n_params, s->n_moments, s->n_inputs, rows);
		dl_tstate  *a,
				   *b;

		if (bytes == SIZE_MAX || bytes < size)
			__builtin_trap();
		/* a state may claim rows of millions of inputs: its copies are not bounded by the input */
		if (bytes > ((size_t) 64 << 20))
		{
			free(block);
			return 0;
		}
		a = malloc(bytes);
		b = malloc(bytes);
		dl_tstate_copy(a, s, rows);
		if (dl_tstate_check(a, bytes, &why) != DL_OK || a->pending != s->pending ||
			memcmp(dl_tstate_x(a), dl_tstate_x(s), sizeof(float) * (size_t) s->pending * s->n_inputs) != 0)
			__builtin_trap();
		/* merging takes states with their buffers trained: emptied here */
		a->pending = 0;
		memcpy(b, a, bytes);
		if (dl_tstate_compatible(a, b, &why) != DL_OK)
			__builtin_trap();
		dl_tstate_merge(a, b);
		/* the merged counts may pass the checker's bounds only by doubling */
		if (dl_tstate_check(a, bytes, &why) != DL_OK &&
			a->rows <= (INT64_C(1) << 53) && a->step <= (INT64_C(1) << 53) &&
			a->validation_rows <= (INT64_C(1) << 53) && a->skipped_rows <= (INT64_C(1) << 53) &&
			a->partials <= (1 << 24))
			__builtin_trap();
		if (a->rows != 2 * b->rows || a->partials != 2 * b->partials || a->step != b->step)
			__builtin_trap();
		/* equal rows weigh one half each: the average of equals is exact */
		if (memcmp(dl_tstate_params(a), dl_tstate_params(b), sizeof(float) * s->n_params) != 0)
			__builtin_trap();
		free(a);
		free(b);
	}
	free(block);
	return 0;
}
