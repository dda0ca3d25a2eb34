/*-------------------------------------------------------------------------
 *
 * nn_testing.h
 *	  Helpers shared by the unit tests of the neural-network engine.
 *
 * test/unit/nn_testing.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_NN_TESTING_H
#define PGDL_NN_TESTING_H

#include <string.h>

#include "dl_nn.h"

/* field by field: padding bytes may differ between equal specs */
static inline bool
th_same_spec(const dl_layer_spec *a, const dl_layer_spec *b)
{
	return a->type == b->type && a->activation == b->activation &&
		memcmp(&a->alpha, &b->alpha, sizeof(float)) == 0 && a->units == b->units &&
		a->use_bias == b->use_bias && a->activation_given == b->activation_given &&
		memcmp(&a->rate, &b->rate, sizeof(float)) == 0 &&
		a->target.ndim == b->target.ndim &&
		memcmp(a->target.dim, b->target.dim, sizeof(a->target.dim)) == 0 &&
		memcmp(&a->epsilon, &b->epsilon, sizeof(float)) == 0 &&
		memcmp(&a->momentum, &b->momentum, sizeof(float)) == 0 &&
		a->filters == b->filters && a->padding == b->padding &&
		memcmp(a->kernel, b->kernel, sizeof(a->kernel)) == 0 &&
		memcmp(a->stride, b->stride, sizeof(a->stride)) == 0 &&
		memcmp(a->dilation, b->dilation, sizeof(a->dilation)) == 0 &&
		memcmp(a->pool, b->pool, sizeof(a->pool)) == 0 &&
		a->input_dim == b->input_dim && a->output_dim == b->output_dim &&
		a->return_sequences == b->return_sequences && a->heads == b->heads &&
		a->key_dim == b->key_dim && a->causal == b->causal && a->ff_dim == b->ff_dim &&
		a->norm_first == b->norm_first && a->learned == b->learned &&
		a->bidirectional == b->bidirectional;
}

#endif							/* PGDL_NN_TESTING_H */
