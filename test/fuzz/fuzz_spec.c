/*-------------------------------------------------------------------------
 *
 * fuzz_spec.c
 *	  libFuzzer harness for the layers and options parsers
 *	  (dl_parse_layers, dl_parse_options, dl_layers_to_json,
 *	  dl_complete_output).
 *
 * Each input is parsed, as layers and as options, from a NUL-terminated
 * copy in an exact-size block, so ASan catches a read past the NUL.  The
 * harness traps when a property breaks: a failure comes with exactly one
 * error report carrying the returned status (DL_ETEXT for malformed JSON,
 * DL_EINVAL otherwise) and leaves no result behind; parsed layers print as
 * JSON that parses back to identical specs and prints identically (the
 * registry stores that text); completing the output either fails with
 * DL_EINVAL or ends in a dense layer of the requested size; parsed options
 * are within their documented ranges.
 *
 * test/fuzz/fuzz_spec.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dl_nn.h"

#define FUZZ_NAME "fuzz_spec"
#include "fuzz_common.h"
#include "../unit/nn_testing.h"

static void
check_failure(dl_status st)
{
	if (n_errors != 1 || last_status != st || last_message_len == 0 ||
		(st != DL_ETEXT && st != DL_EINVAL))
		__builtin_trap();
}

/* prints, parses back, compares, prints again */
static void
check_round_trip(const dl_layer_spec *specs, int n)
{
	char	   *json = dl_layers_to_json(specs, n);
	char	   *again;
	dl_layer_spec *back;
	int			nb;

	n_errors = 0;
	if (dl_parse_layers(json, &back, &nb) != DL_OK || nb != n)
		__builtin_trap();
	for (int i = 0; i < n; i++)
		if (!th_same_spec(&specs[i], &back[i]))
			__builtin_trap();
	again = dl_layers_to_json(back, nb);
	if (strcmp(json, again) != 0)
		__builtin_trap();
	dl_free(again);
	dl_free(json);
	dl_free(back);
}

static void
check_complete(const dl_layer_spec *specs, int n, dl_task task, int n_out, dl_loss loss)
{
	dl_layer_spec *copy = dl_alloc(sizeof(dl_layer_spec) * (size_t) n);
	int			nc = n;
	dl_status	st;

	memcpy(copy, specs, sizeof(dl_layer_spec) * (size_t) n);
	n_errors = 0;
	st = dl_complete_output(&copy, &nc, task, n_out, loss);
	if (st != DL_OK)
	{
		check_failure(st);
		if (st != DL_EINVAL || nc != n)
			__builtin_trap();
	}
	else
	{
		const dl_layer_spec *last = &copy[nc - 1];

		if (n_errors != 0 || nc < n || nc > n + 1 || nc > DL_MAX_LAYERS ||
			last->type != DL_LAYER_DENSE || last->dense.units != n_out || !last->dense.activation_given)
			__builtin_trap();
		check_round_trip(copy, nc);
	}
	dl_free(copy);
}

static void
fuzz_layers(const char *text)
{
	dl_layer_spec *specs;
	int			n;
	dl_status	st;

	n_errors = 0;
	st = dl_parse_layers(text, &specs, &n);
	if (st != DL_OK)
	{
		check_failure(st);
		if (specs != NULL || n != 0)
			__builtin_trap();
		return;
	}
	if (n_errors != 0 || n < 1 || n > DL_MAX_LAYERS)
		__builtin_trap();
	check_round_trip(specs, n);
	check_complete(specs, n, DL_TASK_CLASSIFICATION, 3, DL_LOSS_CE);
	check_complete(specs, n, DL_TASK_CLASSIFICATION, 1, DL_LOSS_BCE);
	check_complete(specs, n, DL_TASK_REGRESSION, 1, DL_LOSS_HUBER);
	dl_free(specs);
}

static void
fuzz_options(const char *text)
{
	dl_options	o;
	dl_status	st;

	n_errors = 0;
	st = dl_parse_options(text, &o);
	if (st != DL_OK)
	{
		check_failure(st);
		if (o.categorical != NULL || o.warm_start != NULL || o.description != NULL)
			__builtin_trap();
		return;
	}
	if (n_errors != 0 ||
		!(o.train.learning_rate > 0) || o.train.batch_size < 1 || o.train.batch_size > 65536 ||
		o.train.epochs < 1 || o.train.epochs > 100000 || o.train.patience < 0 ||
		!(o.validation_fraction >= 0 && o.validation_fraction < 1) ||
		!(o.train.beta1 > 0 && o.train.beta1 < 1) || !(o.train.beta2 > 0 && o.train.beta2 < 1) ||
		!(o.train.huber_delta > 0) || o.max_memory_kb < 0 ||
		o.train.seed > (UINT64_C(1) << 53) || o.n_categorical < 0 ||
		(o.n_categorical > 0) != (o.categorical != NULL))
		__builtin_trap();
	for (int i = 0; i < o.n_categorical; i++)
		if (strlen(o.categorical[i]) < 1 || strlen(o.categorical[i]) > DL_MAX_NAME)
			__builtin_trap();
	dl_options_free(&o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *text = malloc(size + 1);

	install_hooks();
	memcpy(text, data, size);
	text[size] = '\0';
	fuzz_layers(text);
	fuzz_options(text);
	free(text);
	return 0;
}
