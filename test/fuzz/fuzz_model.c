/*-------------------------------------------------------------------------
 *
 * fuzz_model.c
 *	  libFuzzer harness for the weights format reader (dl_model_read).
 *
 * The first byte of an input is a mode, the rest the model bytes, copied
 * into an exact-size block so that ASan catches a read past the end.  With
 * bit 0 of the mode set, the harness first makes the header's total length
 * and the CRC-32C agree with the bytes: a mutation then reaches the
 * sections instead of stopping at the checksum, as a hostile (rather than
 * damaged) blob would.
 *
 * Beyond "no crash, no leak", the harness traps when a property the
 * extension relies on breaks: a failure comes with exactly one error report
 * carrying the returned status, which is DL_EFORMAT, DL_EVERSION or
 * DL_ELIMIT, and leaves the model zeroed; a success reports nothing, and
 * writing the model gives back exactly the bytes read (the format is
 * canonical), which read again.
 *
 * Seeds (test/fuzz/corpus/model) come from the unit tests; see
 * test/fuzz/corpus/README.md.  Run with `make fuzz`, or replay the corpus
 * with -DPGDL_FUZZ_REPLAY (scripts/run_tests.sh does).
 *
 * test/fuzz/fuzz_model.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dl_nn.h"

#define FUZZ_NAME "fuzz_model"
#include "fuzz_common.h"

/* keeps a hostile input from asking for more than 4 MB of parameters */
#define MAX_PARAMS ((size_t) 1 << 20)

#define HEADER_LEN 28

static void
store_le(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (uint8_t) (v >> (8 * i));
}

static int
model_is_zero(const dl_model *m)
{
	static const dl_model zero;

	return memcmp(m, &zero, sizeof(zero)) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t    *blob;
	size_t		len;
	dl_model	m;
	dl_status	st;

	install_hooks();
	if (size < 1)
		return 0;
	len = size - 1;
	blob = malloc(len ? len : 1);
	memcpy(blob, data + 1, len);
	if ((data[0] & 1) && len >= HEADER_LEN + 4)
	{
		store_le(blob + 20, len, 8);
		store_le(blob + len - 4, dl_crc32c(blob, len - 4), 4);
	}

	n_errors = 0;
	st = dl_model_read(blob, len, MAX_PARAMS, &m);
	if (st != DL_OK)
	{
		if (n_errors != 1 || last_status != st || last_message_len == 0 ||
			(st != DL_EFORMAT && st != DL_EVERSION && st != DL_ELIMIT) || !model_is_zero(&m))
			__builtin_trap();
		free(blob);
		return 0;
	}
	if (n_errors != 0)
		__builtin_trap();

	/* canonical: writing gives back the bytes, which read again */
	{
		uint8_t    *out;
		size_t		out_len;
		dl_model	again;

		if (dl_model_write(&m, &out, &out_len) != DL_OK ||
			out_len != len || memcmp(out, blob, len) != 0)
			__builtin_trap();
		if (dl_model_read(out, out_len, MAX_PARAMS, &again) != DL_OK)
			__builtin_trap();
		dl_model_free(&again);
		dl_free(out);
	}
	dl_model_free(&m);
	free(blob);
	return 0;
}
