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

/* the same float bits (so that NaN equals itself and -0 differs from 0) */
static inline bool
th_same_float(float a, float b)
{
	return memcmp(&a, &b, sizeof(float)) == 0;
}

/*
 * Field by field (padding bytes may differ between equal specs): the type,
 * then the fields of its parameters, as a test sees them
 */
static inline bool
th_same_spec(const dl_layer_spec *a, const dl_layer_spec *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type)
	{
		case DL_LAYER_DENSE:
			return a->dense.units == b->dense.units &&
				a->dense.activation == b->dense.activation &&
				th_same_float(a->dense.alpha, b->dense.alpha) &&
				a->dense.use_bias == b->dense.use_bias &&
				a->dense.activation_given == b->dense.activation_given;
		case DL_LAYER_DROPOUT:
			return th_same_float(a->dropout.rate, b->dropout.rate);
		case DL_LAYER_FLATTEN:
		case DL_LAYER_GLOBAL_AVGPOOL:
			return true;
		case DL_LAYER_RESHAPE:
			return a->reshape.target.ndim == b->reshape.target.ndim &&
				memcmp(a->reshape.target.dim, b->reshape.target.dim,
					   sizeof(a->reshape.target.dim)) == 0;
		case DL_LAYER_BATCHNORM:
		case DL_LAYER_LAYERNORM:
			return th_same_float(a->norm.epsilon, b->norm.epsilon) &&
				th_same_float(a->norm.momentum, b->norm.momentum);
		case DL_LAYER_ACTIVATION:
			return a->act.activation == b->act.activation &&
				th_same_float(a->act.alpha, b->act.alpha);
		case DL_LAYER_CONV2D:
		case DL_LAYER_CONV1D:
			return a->conv.filters == b->conv.filters &&
				memcmp(a->conv.kernel, b->conv.kernel, sizeof(a->conv.kernel)) == 0 &&
				memcmp(a->conv.stride, b->conv.stride, sizeof(a->conv.stride)) == 0 &&
				a->conv.padding == b->conv.padding &&
				memcmp(a->conv.dilation, b->conv.dilation, sizeof(a->conv.dilation)) == 0 &&
				a->conv.activation == b->conv.activation &&
				th_same_float(a->conv.alpha, b->conv.alpha) &&
				a->conv.use_bias == b->conv.use_bias;
		case DL_LAYER_MAXPOOL2D:
		case DL_LAYER_AVGPOOL2D:
		case DL_LAYER_MAXPOOL1D:
			return memcmp(a->pool.pool, b->pool.pool, sizeof(a->pool.pool)) == 0 &&
				memcmp(a->pool.stride, b->pool.stride, sizeof(a->pool.stride)) == 0;
		case DL_LAYER_EMBEDDING:
			return a->embedding.input_dim == b->embedding.input_dim &&
				a->embedding.output_dim == b->embedding.output_dim &&
				a->embedding.mask_zero == b->embedding.mask_zero;
		case DL_LAYER_LSTM:
		case DL_LAYER_GRU:
			return a->rnn.units == b->rnn.units &&
				a->rnn.return_sequences == b->rnn.return_sequences &&
				a->rnn.bidirectional == b->rnn.bidirectional;
		case DL_LAYER_ATTENTION:
		case DL_LAYER_TRANSFORMER_ENCODER:
			return a->attention.heads == b->attention.heads &&
				a->attention.key_dim == b->attention.key_dim &&
				a->attention.causal == b->attention.causal &&
				th_same_float(a->attention.rate, b->attention.rate) &&
				a->attention.use_bias == b->attention.use_bias &&
				a->attention.ff_dim == b->attention.ff_dim &&
				a->attention.activation == b->attention.activation &&
				th_same_float(a->attention.alpha, b->attention.alpha) &&
				a->attention.norm_first == b->attention.norm_first &&
				th_same_float(a->attention.epsilon, b->attention.epsilon);
		case DL_LAYER_POSITIONAL_ENCODING:
			return a->posenc.learned == b->posenc.learned;
	}
	return false;
}

#endif							/* PGDL_NN_TESTING_H */
