/*-------------------------------------------------------------------------
 *
 * fuzz_model.c
 *	  libFuzzer harness for the weights format reader (dl_model_read) and
 *	  the check pgdl.import_model adds (dl_model_probe).
 *
 * The first byte of an input is a mode:
 *
 *	bit 1 clear: the rest is the model bytes, copied into an exact-size
 *	  block so that ASan catches a read past the end.  With bit 0 set, the
 *	  harness first makes the header's total length and the CRC-32C agree
 *	  with the bytes: a mutation then reaches the sections instead of
 *	  stopping at the checksum, as a hostile (rather than damaged) blob
 *	  would.
 *	bit 1 set: the second byte picks one of the templates of
 *	  layer_models.h (one small model per layer type), and the rest is a
 *	  list of 4-byte edits of its blob {offset u16, op, value}: op 0 sets a
 *	  byte, 1 inserts one, 2 deletes one, 3 writes a float32 the format
 *	  must refuse or survive (NaN, infinities, 3e38, -1, 0, a subnormal)
 *	  at the offset; the length and checksum are then fixed.  So every
 *	  layer type's record and parameters are mutated whatever the corpus
 *	  holds, past the checksum.
 *
 * Beyond "no crash, no leak", the harness traps when a property the
 * extension relies on breaks: a failure comes with exactly one error report
 * carrying the returned status, which is DL_EFORMAT, DL_EVERSION or
 * DL_ELIMIT, and leaves the model zeroed; a success reports nothing, holds
 * only finite parameters and strings within their bounds without a NUL,
 * and writing the model gives back exactly the bytes read (the format is
 * canonical), which read again.  A model read is then probed as import
 * does (dl_model_probe: finite outputs on an input of zeros, or one
 * DL_EFORMAT report).  A model that passes is scored once more on another
 * finite input (0, 1, 0, 1, ...): finite parameters may still overflow
 * float32 there, which no check before scoring can rule out for every
 * input, so that is counted ("accepted garbage") rather than trapped.  The
 * counts are printed at exit, so a campaign reports cases, accepted models
 * and garbage.
 *
 * Seeds (test/fuzz/corpus/model) come from the unit tests; see
 * test/fuzz/corpus/README.md.  Run with `make fuzz`, or replay the corpus
 * with -DPGDL_FUZZ_REPLAY (scripts/run_tests.sh does).
 *
 * test/fuzz/fuzz_model.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dl_nn.h"

#define FUZZ_NAME "fuzz_model"
#include "fuzz_common.h"
#include "layer_models.h"

/* keeps a hostile input from asking for more than 4 MB of parameters */
#define MAX_PARAMS ((size_t) 1 << 20)

#define HEADER_LEN 28

#define MODE_FIX_CRC 1
#define MODE_TEMPLATE 2

static struct
{
	long		cases;
	long		accepted;		/* read, then passed the probe */
	long		refused_read;
	long		refused_probe;
	long		garbage;		/* accepted, non-finite outputs on the second input */
	long		per_template[N_LAYER_MODELS];
}			stats;

static void
print_stats(void)
{
	fprintf(stderr, "%s: %ld cases, %ld refused by the reader, %ld by the probe, %ld accepted, "
			"%ld accepted garbage (non-finite outputs on a finite input)\n",
			FUZZ_NAME, stats.cases, stats.refused_read, stats.refused_probe, stats.accepted,
			stats.garbage);
	fprintf(stderr, "%s: template cases:", FUZZ_NAME);
	for (int t = 0; t < N_LAYER_MODELS; t++)
		fprintf(stderr, " %s %ld", layer_models[t].name, stats.per_template[t]);
	fprintf(stderr, "\n");
}

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

/* the templates' blobs, written once */
static uint8_t *template_blob[N_LAYER_MODELS];
static size_t template_len[N_LAYER_MODELS];

static void
build_templates(void)
{
	static int	built;

	if (built)
		return;
	built = 1;
	for (int t = 0; t < N_LAYER_MODELS; t++)
	{
		dl_model	m;

		if (build_layer_model(&layer_models[t], &m) != DL_OK ||
			dl_model_write(&m, &template_blob[t], &template_len[t]) != DL_OK)
			__builtin_trap();
		dl_model_free(&m);
	}
	atexit(print_stats);
}

/*
 * Template t with the edits in e[0..n) applied, in a malloc'd block of
 * *len bytes, with the length and checksum fixed.  Edits only touch the
 * sections: the header and the checksum are the harness's.
 */
static uint8_t *
edited_template(int t, const uint8_t *e, size_t n, size_t *len)
{
	static const uint32_t specials[] = {
		0x7FC00000u, 0x7F800000u, 0xFF800000u, 0x7F61B1E6u, 0xBF800000u, 0x00000000u,
		0x00000001u, 0x7F812345u
	};
	size_t		cap = template_len[t] + n / 4 + 1;
	uint8_t    *b = malloc(cap);
	size_t		l = template_len[t];

	memcpy(b, template_blob[t], l);
	for (size_t i = 0; i + 4 <= n; i += 4)
	{
		size_t		body = l - HEADER_LEN - 4;
		size_t		at = HEADER_LEN + ((size_t) e[i] | (size_t) e[i + 1] << 8) % (body ? body : 1);

		switch (e[i + 2] & 3)
		{
			case 0:
				b[at] = e[i + 3];
				break;
			case 1:
				memmove(b + at + 1, b + at, l - at);
				b[at] = e[i + 3];
				l++;
				break;
			case 2:
				if (body > 1)
				{
					memmove(b + at, b + at + 1, l - at - 1);
					l--;
				}
				break;
			case 3:
				if (at + 4 <= l - 4)
					store_le(b + at, specials[e[i + 3] % (sizeof(specials) / sizeof(specials[0]))], 4);
				break;
		}
	}
	*len = l;
	return b;
}

static void
check_string(const char *s, size_t min_len, size_t max_len)
{
	size_t		n;

	if (s == NULL)
		__builtin_trap();
	n = strlen(s);
	if (n < min_len || n > max_len)
		__builtin_trap();
}

/* what dl_model_read promises about a model it returns */
static void
check_read_model(const dl_model *m)
{
	const dl_network *net = &m->net;

	check_string(m->target, 0, DL_MAX_NAME);
	for (int i = 0; i < m->n_labels; i++)
		check_string(m->labels[i], 0, DL_MAX_VALUE);
	for (int i = 0; i < m->n_features; i++)
	{
		check_string(m->features[i].name, 1, DL_MAX_NAME);
		for (int c = 0; c < m->features[i].n_categories; c++)
			check_string(m->features[i].categories[c], 0, DL_MAX_VALUE);
	}
	for (size_t i = 0; i < net->n_params; i++)
		if (!isfinite(net->params[i]))
			__builtin_trap();
}

/* the probe of import, then the second input */
static void
probe(const dl_model *m)
{
	size_t		n_in = dl_shape_size(&m->net.input_shape);
	size_t		n_out = dl_shape_size(&m->net.output_shape);
	dl_status	st;
	dl_workspace *ws;
	float	   *x,
			   *y;
	bool		finite = true;

	n_errors = 0;
	st = dl_model_probe(m);
	if (st != DL_OK)
	{
		if (n_errors != 1 || last_status != st || (st != DL_EFORMAT && st != DL_ELIMIT))
			__builtin_trap();
		stats.refused_probe++;
		return;
	}
	if (n_errors != 0)
		__builtin_trap();
	stats.accepted++;
	if (dl_workspace_create(&m->net, 1, false, &ws) != DL_OK)
		__builtin_trap();		/* the probe made the same workspace */
	x = malloc(sizeof(float) * n_in);
	y = malloc(sizeof(float) * n_out);
	for (size_t i = 0; i < n_in; i++)
		x[i] = (float) (i % 2);
	/* token ids 0 and 1 for an embedding: out of a vocabulary of 1, skip */
	n_errors = 0;
	if (dl_network_check_input(&m->net, x, 1) == DL_OK)
	{
		dl_network_predict(&m->net, ws, x, 1, y);
		for (size_t k = 0; k < n_out; k++)
			finite &= isfinite(y[k]) != 0;
		if (!finite)
			stats.garbage++;
	}
	free(y);
	free(x);
	dl_workspace_free(ws);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t    *blob;
	size_t		len;
	dl_model	m;
	dl_status	st;

	install_hooks();
	build_templates();
	if (size < 1)
		return 0;
	stats.cases++;
	if ((data[0] & MODE_TEMPLATE) && size >= 2)
	{
		int			t = data[1] % N_LAYER_MODELS;

		stats.per_template[t]++;
		blob = edited_template(t, data + 2, size - 2, &len);
	}
	else
	{
		len = size - 1;
		blob = malloc(len ? len : 1);
		memcpy(blob, data + 1, len);
	}
	if ((data[0] & (MODE_FIX_CRC | MODE_TEMPLATE)) && len >= HEADER_LEN + 4)
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
		stats.refused_read++;
		free(blob);
		return 0;
	}
	if (n_errors != 0)
		__builtin_trap();
	check_read_model(&m);

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
	probe(&m);
	dl_model_free(&m);
	free(blob);
	return 0;
}
