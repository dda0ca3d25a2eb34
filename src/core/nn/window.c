/*-------------------------------------------------------------------------
 *
 * window.c
 *	  The window of a convolution or pool layer (conv.c, pool.c): its
 *	  geometry, and the plan of its output shape.
 *
 * A window is k (kernel or pool) positions with a stride and, for a
 * convolution, a dilation and a padding ("valid" or TensorFlow's "same"),
 * over a (C, H, W) input or a channels-last (T, F) one, which is laid out
 * as one row of T positions.
 *
 * src/core/nn/window.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <string.h>

#include "layers.h"

void
dl_window_geometry(dl_conv_geom *g, const dl_shape *in, const dl_shape *out,
				   const int k[2], const int stride[2], const int dilation[2], dl_padding pad)
{
	long		total;

	memset(g, 0, sizeof(*g));
	if (in->ndim == 3)
	{
		g->c = in->dim[0];
		g->h = in->dim[1];
		g->w = in->dim[2];
		g->f = out->dim[0];
		g->oh = out->dim[1];
		g->ow = out->dim[2];
		g->kh = k[0];
		g->kw = k[1];
		g->sh = stride[0];
		g->sw = stride[1];
		g->dh = dilation[0];
		g->dw = dilation[1];
	}
	else
	{
		/* (t, c) channels-last: one row of t positions */
		g->c = in->dim[1];
		g->h = 1;
		g->w = in->dim[0];
		g->f = out->dim[1];
		g->oh = 1;
		g->ow = out->dim[0];
		g->kh = g->sh = g->dh = 1;
		g->kw = k[0];
		g->sw = stride[0];
		g->dw = dilation[0];
	}
	if (pad == DL_PAD_SAME)
	{
		/* TensorFlow's split: the smaller half of the zeros goes before */
		total = (long) (g->oh - 1) * g->sh + (long) g->dh * (g->kh - 1) + 1 - g->h;
		g->pad_h = total > 0 ? (int) (total / 2) : 0;
		total = (long) (g->ow - 1) * g->sw + (long) g->dw * (g->kw - 1) + 1 - g->w;
		g->pad_w = total > 0 ? (int) (total / 2) : 0;
	}
}

/*
 * Output length of a convolution or pool along one axis: 0 when the
 * (dilated) kernel does not fit.  int64 so that huge kernels cannot wrap.
 */
static int64_t
conv_out(int64_t in, int64_t k, int64_t stride, int64_t dilation, dl_padding pad)
{
	int64_t		span = dilation * (k - 1) + 1;

	if (pad == DL_PAD_SAME)
		return (in + stride - 1) / stride;
	if (span > in)
		return 0;
	return (in - span) / stride + 1;
}

/* a spatial parameter pair (kernel, stride, dilation, pool) in 1..DL_MAX_UNITS */
static bool
pair_valid(const int *v, int n)
{
	for (int i = 0; i < n; i++)
		if (v[i] < 1 || v[i] > DL_MAX_UNITS)
			return false;
	return true;
}

dl_status
dl_plan_window(dl_layer *l, int pos, dl_status bad, bool two, const int k[2],
			   const int stride[2], const int *dilation, dl_padding pad, int filters)
{
	const dl_shape *in = &l->in_shape;
	dl_shape   *out = &l->out_shape;
	const char *name = dl_layer_type_name(l->spec.type);
	bool		conv = dilation != NULL;
	int			nd = two ? 2 : 1;
	int64_t		o[2] = {0, 0};	/* both set below when two; gcc 16 cannot tell */
	char		buf[64];

	dl_shape_format(in, buf, sizeof(buf));
	if (in->ndim != (two ? 3 : 2))
		return dl_error(bad, "layer %d (%s): needs an input of shape %s, got %s (set the input_shape option)",
						pos, name, two ? "[C, H, W]" : "[T, F]", buf);
	if (conv && (filters < 1 || filters > DL_MAX_UNITS))
		return dl_error(bad, "layer %d (%s): filters must be between 1 and %d", pos, name,
						DL_MAX_UNITS);
	if (!pair_valid(k, nd) || !pair_valid(stride, nd) || (conv && !pair_valid(dilation, nd)))
		return dl_error(bad, "layer %d (%s): %s, stride%s must be between 1 and %d",
						pos, name, conv ? "kernel" : "pool", conv ? " and dilation" : "",
						DL_MAX_UNITS);
	if (pad != DL_PAD_VALID && pad != DL_PAD_SAME)
		return dl_error(bad, "layer %d (%s): unknown padding %d", pos, name, (int) pad);
	for (int i = 0; i < nd; i++)
	{
		int64_t		len = two ? in->dim[1 + i] : in->dim[0];

		o[i] = conv_out(len, k[i], stride[i], conv ? dilation[i] : 1, pad);
		if (o[i] < 1)
			return dl_error(bad, "layer %d (%s): the %s does not fit the input %s",
							pos, name, conv ? "kernel" : "pool", buf);
	}
	if (two)
	{
		out->ndim = 3;
		out->dim[0] = conv ? filters : in->dim[0];
		out->dim[1] = (int) o[0];
		out->dim[2] = (int) o[1];
	}
	else
	{
		out->ndim = 2;
		out->dim[0] = (int) o[0];
		out->dim[1] = conv ? filters : in->dim[1];
	}
	return DL_OK;
}
