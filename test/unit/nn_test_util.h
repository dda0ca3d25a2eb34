/*-------------------------------------------------------------------------
 *
 * nn_test_util.h
 *	  Small helpers shared by the neural-network test suites: layer specs
 *	  in one line, random buffers, building a network.
 *
 * test/unit/nn_test_util.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_NN_TEST_UTIL_H
#define PGDL_NN_TEST_UTIL_H

#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "nn/nn_kernels.h"

static inline dl_layer_spec
spec_dense(int units, dl_activation a)
{
	dl_layer_spec s;

	dl_layer_spec_defaults(&s, DL_LAYER_DENSE);
	s.dense.units = units;
	s.dense.activation = a;
	s.dense.activation_given = true;
	return s;
}

static inline dl_layer_spec
spec_of(dl_layer_type t)
{
	dl_layer_spec s;

	dl_layer_spec_defaults(&s, t);
	return s;
}

static inline dl_layer_spec
spec_act(dl_activation a, float alpha)
{
	dl_layer_spec s = spec_of(DL_LAYER_ACTIVATION);

	s.act.activation = a;
	s.act.alpha = alpha;
	return s;
}

static inline dl_layer_spec
spec_dropout(float rate)
{
	dl_layer_spec s = spec_of(DL_LAYER_DROPOUT);

	s.dropout.rate = rate;
	return s;
}

static inline dl_layer_spec
spec_conv2d(int filters, int kh, int kw, int sh, int sw, dl_padding pad, int dh, int dw,
			dl_activation a)
{
	dl_layer_spec s = spec_of(DL_LAYER_CONV2D);

	s.conv.filters = filters;
	s.conv.kernel[0] = kh;
	s.conv.kernel[1] = kw;
	s.conv.stride[0] = sh;
	s.conv.stride[1] = sw;
	s.conv.padding = pad;
	s.conv.dilation[0] = dh;
	s.conv.dilation[1] = dw;
	s.conv.activation = a;
	return s;
}

static inline dl_layer_spec
spec_conv1d(int filters, int k, int stride, dl_padding pad, int dilation, dl_activation a)
{
	dl_layer_spec s = spec_of(DL_LAYER_CONV1D);

	s.conv.filters = filters;
	s.conv.kernel[0] = k;
	s.conv.stride[0] = stride;
	s.conv.padding = pad;
	s.conv.dilation[0] = dilation;
	s.conv.activation = a;
	return s;
}

/* a pool of type t; 1-D pools use p0 and s0 only */
static inline dl_layer_spec
spec_pool(dl_layer_type t, int p0, int p1, int s0, int s1)
{
	dl_layer_spec s = spec_of(t);

	s.pool.pool[0] = p0;
	s.pool.pool[1] = p1;
	s.pool.stride[0] = s0;
	s.pool.stride[1] = s1;
	return s;
}

/* an lstm or gru layer */
static inline dl_layer_spec
spec_rnn(dl_layer_type t, int units, bool return_sequences)
{
	dl_layer_spec s = spec_of(t);

	s.rnn.units = units;
	s.rnn.return_sequences = return_sequences;
	return s;
}

static inline dl_shape
shape1(int a)
{
	dl_shape	s = {1, {a}};

	return s;
}

static inline dl_shape
shape2(int a, int b)
{
	dl_shape	s = {2, {a, b}};

	return s;
}

static inline dl_shape
shape3(int a, int b, int c)
{
	dl_shape	s = {3, {a, b, c}};

	return s;
}

static inline float *
random_floats(size_t n, double scale, uint64_t *state)
{
	float	   *x = malloc(sizeof(float) * (n ? n : 1));

	for (size_t i = 0; i < n; i++)
		x[i] = (float) (scale * th_rand_normal(state));
	return x;
}

/* builds net from specs, initialises it with seed and checks that both worked */
static inline bool
build_net(dl_network *net, const dl_layer_spec *specs, int n, dl_shape in, uint64_t seed)
{
	dl_status	st = dl_network_init(net, specs, n, &in);

	if (st != DL_OK)
	{
		th_fail(__FILE__, __LINE__, "dl_network_init failed: %s", th_last_message);
		return false;
	}
	dl_network_init_params(net, seed);
	return true;
}

#endif							/* PGDL_NN_TEST_UTIL_H */
