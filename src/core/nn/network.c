/*-------------------------------------------------------------------------
 *
 * network.c
 *	  Random numbers, shapes, layer specs and building a network: shape
 *	  inference, parameter layout and initialisation.
 *
 * Building validates everything a kernel relies on (DESIGN.md: kernels
 * cannot fail), so forward and backward passes never check shapes.
 *
 * src/core/nn/network.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "nn_kernels.h"

/* ---- random numbers: xoshiro256** seeded through splitmix64 ---- */

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t	z = (*x += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

void
dl_rng_seed(dl_rng *r, uint64_t seed)
{
	uint64_t	x = seed;

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}


double
dl_rng_uniform(dl_rng *r)
{
	return (dl_rng_next(r) >> 11) * 0x1.0p-53;
}

double
dl_rng_normal(dl_rng *r)
{
	/* Box-Muller; one value per call keeps the stream simple to reproduce */
	double		u1 = 1.0 - dl_rng_uniform(r);	/* (0, 1] */
	double		u2 = dl_rng_uniform(r);

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

uint64_t
dl_rng_below(dl_rng *r, uint64_t n)
{
	/* Lemire's multiply-shift with rejection: unbiased */
	unsigned __int128 m = (unsigned __int128) dl_rng_next(r) * n;
	uint64_t	low = (uint64_t) m;

	if (low < n)
	{
		uint64_t	threshold = -n % n;

		while (low < threshold)
		{
			m = (unsigned __int128) dl_rng_next(r) * n;
			low = (uint64_t) m;
		}
	}
	return (uint64_t) (m >> 64);
}

void
dl_rng_shuffle(dl_rng *r, uint32_t *a, size_t n)
{
	for (size_t i = n; i > 1; i--)
	{
		size_t		j = (size_t) dl_rng_below(r, i);
		uint32_t	t = a[i - 1];

		a[i - 1] = a[j];
		a[j] = t;
	}
}

/* ---- shapes and names ---- */

size_t
dl_shape_size(const dl_shape *s)
{
	size_t		n = 1;

	for (int i = 0; i < s->ndim; i++)
		n *= (size_t) s->dim[i];
	return n;
}

void
dl_shape_format(const dl_shape *s, char *buf, size_t size)
{
	size_t		len = 0;

	if (size == 0)
		return;
	buf[0] = '\0';
	len += snprintf(buf + len, size - len, "[");
	for (int i = 0; i < s->ndim && len < size; i++)
		len += snprintf(buf + len, size - len, "%s%d", i ? ", " : "", s->dim[i]);
	if (len < size)
		snprintf(buf + len, size - len, "]");
}

const char *
dl_activation_name(dl_activation a)
{
	switch (a)
	{
		case DL_ACT_LINEAR:
			return "linear";
		case DL_ACT_RELU:
			return "relu";
		case DL_ACT_LEAKY_RELU:
			return "leaky_relu";
		case DL_ACT_SIGMOID:
			return "sigmoid";
		case DL_ACT_TANH:
			return "tanh";
		case DL_ACT_GELU:
			return "gelu";
		case DL_ACT_SOFTMAX:
			return "softmax";
	}
	return "?";
}

const char *
dl_layer_type_name(dl_layer_type t)
{
	switch (t)
	{
		case DL_LAYER_DENSE:
			return "dense";
		case DL_LAYER_DROPOUT:
			return "dropout";
		case DL_LAYER_FLATTEN:
			return "flatten";
		case DL_LAYER_RESHAPE:
			return "reshape";
		case DL_LAYER_BATCHNORM:
			return "batchnorm";
		case DL_LAYER_LAYERNORM:
			return "layernorm";
		case DL_LAYER_ACTIVATION:
			return "activation";
		case DL_LAYER_CONV2D:
			return "conv2d";
		case DL_LAYER_CONV1D:
			return "conv1d";
		case DL_LAYER_MAXPOOL2D:
			return "maxpool2d";
		case DL_LAYER_AVGPOOL2D:
			return "avgpool2d";
		case DL_LAYER_MAXPOOL1D:
			return "maxpool1d";
		case DL_LAYER_GLOBAL_AVGPOOL:
			return "global_avgpool";
		case DL_LAYER_EMBEDDING:
			return "embedding";
		case DL_LAYER_LSTM:
			return "lstm";
		case DL_LAYER_GRU:
			return "gru";
		case DL_LAYER_ATTENTION:
			return "attention";
		case DL_LAYER_TRANSFORMER_ENCODER:
			return "transformer_encoder";
		case DL_LAYER_POSITIONAL_ENCODING:
			return "positional_encoding";
	}
	return "?";
}

const char *
dl_loss_name(dl_loss l)
{
	switch (l)
	{
		case DL_LOSS_MSE:
			return "mse";
		case DL_LOSS_MAE:
			return "mae";
		case DL_LOSS_HUBER:
			return "huber";
		case DL_LOSS_BCE:
			return "binary_cross_entropy";
		case DL_LOSS_CE:
			return "cross_entropy";
	}
	return "?";
}

const char *
dl_optimizer_name(dl_optimizer o)
{
	switch (o)
	{
		case DL_OPT_SGD:
			return "sgd";
		case DL_OPT_MOMENTUM:
			return "momentum";
		case DL_OPT_ADAM:
			return "adam";
		case DL_OPT_ADAMW:
			return "adamw";
	}
	return "?";
}

void
dl_layer_spec_defaults(dl_layer_spec *s, dl_layer_type t)
{
	memset(s, 0, sizeof(*s));
	s->type = t;
	s->activation = DL_ACT_LINEAR;
	s->alpha = 0.01f;
	s->use_bias = true;
	s->epsilon = 1e-5f;
	s->momentum = 0.1f;
	s->kernel[0] = s->kernel[1] = 1;
	s->dilation[0] = s->dilation[1] = 1;
	s->padding = DL_PAD_VALID;
	s->pool[0] = s->pool[1] = 2;
	/* pools stride by their size unless told otherwise; 1-D layers use [0] only */
	if (t == DL_LAYER_MAXPOOL2D || t == DL_LAYER_AVGPOOL2D)
		s->stride[0] = s->stride[1] = 2;
	else if (t == DL_LAYER_MAXPOOL1D)
	{
		s->stride[0] = 2;
		s->stride[1] = 1;
		s->pool[1] = 1;
	}
	else
		s->stride[0] = s->stride[1] = 1;
	s->heads = 1;
	/* as PyTorch's nn.TransformerEncoderLayer */
	if (t == DL_LAYER_TRANSFORMER_ENCODER)
	{
		s->activation = DL_ACT_RELU;
		s->rate = 0.1f;
	}
}

void
dl_train_options_defaults(dl_train_options *o)
{
	memset(o, 0, sizeof(*o));
	o->loss = DL_LOSS_MSE;
	o->huber_delta = 1.0f;
	o->optimizer = DL_OPT_ADAM;
	o->learning_rate = 0.001f;
	o->momentum = 0.9f;
	o->beta1 = 0.9f;
	o->beta2 = 0.999f;
	o->adam_epsilon = 1e-8f;
	o->batch_size = 64;
	o->epochs = 10;
}

/* ---- building a network ---- */

static bool
shape_valid(const dl_shape *s)
{
	size_t		n = 1;

	if (s->ndim < 1 || s->ndim > DL_MAX_DIMS)
		return false;
	for (int i = 0; i < s->ndim; i++)
	{
		if (s->dim[i] < 1 || s->dim[i] > DL_MAX_UNITS)
			return false;
		n *= (size_t) s->dim[i];
		if (n > DL_MAX_FEATURES)
			return false;
	}
	return true;
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

/*
 * The output shape and parameter counts of a conv or pool layer: 2-D
 * layers take (C, H, W), 1-D ones (T, F) channels-last.
 */
static dl_status
plan_spatial(dl_layer *l, int pos, dl_status bad)
{
	const dl_layer_spec *s = &l->spec;
	const dl_shape *in = &l->in_shape;
	dl_shape   *out = &l->out_shape;
	const char *name = dl_layer_type_name(s->type);
	bool		conv = s->type == DL_LAYER_CONV2D || s->type == DL_LAYER_CONV1D;
	bool		two = s->type == DL_LAYER_CONV2D || s->type == DL_LAYER_MAXPOOL2D ||
		s->type == DL_LAYER_AVGPOOL2D;
	int			nd = two ? 2 : 1;
	const int  *k = conv ? s->kernel : s->pool;
	dl_padding	pad = conv ? s->padding : DL_PAD_VALID;
	int64_t		o[2] = {0, 0};	/* both set below when two; gcc 16 cannot tell */
	char		buf[64];

	dl_shape_format(in, buf, sizeof(buf));
	if (in->ndim != (two ? 3 : 2))
		return dl_error(bad, "layer %d (%s): needs an input of shape %s, got %s (set the input_shape option)",
						pos, name, two ? "[C, H, W]" : "[T, F]", buf);
	if (conv && (s->filters < 1 || s->filters > DL_MAX_UNITS))
		return dl_error(bad, "layer %d (%s): filters must be between 1 and %d", pos, name,
						DL_MAX_UNITS);
	if (!pair_valid(k, nd) || !pair_valid(s->stride, nd) || (conv && !pair_valid(s->dilation, nd)))
		return dl_error(bad, "layer %d (%s): %s, stride%s must be between 1 and %d",
						pos, name, conv ? "kernel" : "pool", conv ? " and dilation" : "",
						DL_MAX_UNITS);
	if (pad != DL_PAD_VALID && pad != DL_PAD_SAME)
		return dl_error(bad, "layer %d (%s): unknown padding %d", pos, name, (int) pad);
	for (int i = 0; i < nd; i++)
	{
		int64_t		len = two ? in->dim[1 + i] : in->dim[0];

		o[i] = conv_out(len, k[i], s->stride[i], conv ? s->dilation[i] : 1, pad);
		if (o[i] < 1)
			return dl_error(bad, "layer %d (%s): the %s does not fit the input %s",
							pos, name, conv ? "kernel" : "pool", buf);
	}
	if (two)
	{
		out->ndim = 3;
		out->dim[0] = conv ? s->filters : in->dim[0];
		out->dim[1] = (int) o[0];
		out->dim[2] = (int) o[1];
	}
	else
	{
		out->ndim = 2;
		out->dim[0] = (int) o[0];
		out->dim[1] = conv ? s->filters : in->dim[1];
	}
	if (conv)
	{
		/* weights: filters x C x kh x kw (conv2d), k x F x filters (conv1d) */
		size_t		c = (size_t) (two ? in->dim[0] : in->dim[1]);
		size_t		taps = two ? (size_t) k[0] * k[1] : (size_t) k[0];
		size_t		nw;

		if (__builtin_mul_overflow(c, taps, &nw) || __builtin_mul_overflow(nw, (size_t) s->filters, &nw) ||
			nw > ((size_t) 1 << 40))
			return dl_error(DL_ELIMIT, "layer %d (%s): too many weights", pos, name);
		l->n_trainable = l->n_params = nw + (s->use_bias ? (size_t) s->filters : 0);
	}
	return DL_OK;
}

/*
 * attention, transformer_encoder and positional_encoding on (T, D): the
 * output is the input's shape; key_dim 0 becomes D / heads and ff_dim 0
 * becomes 4 D in l->spec, so that the weights record the sizes used.
 */
static dl_status
plan_attention(dl_layer *l, int pos, dl_status bad)
{
	dl_layer_spec *s = &l->spec;
	const dl_shape *in = &l->in_shape;
	const char *name = dl_layer_type_name(s->type);
	size_t		d,
				hk,
				n;
	char		buf[64];

	if (in->ndim != 2)
	{
		dl_shape_format(in, buf, sizeof(buf));
		return dl_error(bad, "layer %d (%s): needs a sequence of shape [T, D], got %s (set the input_shape option, or return_sequences on a recurrent layer before)",
						pos, name, buf);
	}
	d = (size_t) in->dim[1];
	if (s->type == DL_LAYER_POSITIONAL_ENCODING)
	{
		/* the table: trained, or the stored sinusoids */
		l->n_params = (size_t) in->dim[0] * d;
		l->n_trainable = s->learned ? l->n_params : 0;
		return DL_OK;
	}
	if (s->heads < 1 || s->heads > DL_MAX_UNITS)
		return dl_error(bad, "layer %d (%s): heads must be between 1 and %d", pos, name, DL_MAX_UNITS);
	if (s->key_dim == 0)
	{
		if (d % s->heads != 0)
			return dl_error(bad, "layer %d (%s): the model dimension %zu is not a multiple of heads (%d); set key_dim",
							pos, name, d, s->heads);
		s->key_dim = (int) d / s->heads;
	}
	if (s->key_dim < 1 || s->key_dim > DL_MAX_UNITS)
		return dl_error(bad, "layer %d (%s): key_dim must be between 1 and %d", pos, name, DL_MAX_UNITS);
	if (!(s->rate >= 0.0f && s->rate < 1.0f))
		return dl_error(bad, "layer %d (%s): dropout must be at least 0 and below 1", pos, name);
	hk = (size_t) s->heads * s->key_dim;
	if (hk > DL_MAX_UNITS)
		return dl_error(bad, "layer %d (%s): heads x key_dim is above %d", pos, name, DL_MAX_UNITS);
	/* W_qkv, W_o and their biases */
	n = d * 3 * hk + hk * d;
	if (s->type == DL_LAYER_ATTENTION)
	{
		if (s->activation != DL_ACT_LINEAR)
			return dl_error(bad, "layer %d (attention): takes no activation", pos);
		n += s->use_bias ? 3 * hk + d : 0;
	}
	else
	{
		if (s->ff_dim == 0)
			s->ff_dim = d * 4 > DL_MAX_UNITS ? DL_MAX_UNITS : (int) d * 4;
		if (s->ff_dim < 1 || s->ff_dim > DL_MAX_UNITS)
			return dl_error(bad, "layer %d (transformer_encoder): ff_dim must be between 1 and %d",
							pos, DL_MAX_UNITS);
		if (!(s->epsilon > 0.0f))
			return dl_error(bad, "layer %d (transformer_encoder): epsilon must be positive", pos);
		if (!s->use_bias)
			return dl_error(bad, "layer %d (transformer_encoder): always has biases", pos);
		/* attention's biases, two layernorms, the feed-forward's two layers */
		n += 3 * hk + d + 4 * d + 2 * d * (size_t) s->ff_dim + (size_t) s->ff_dim + d;
	}
	l->n_trainable = l->n_params = n;
	return DL_OK;
}

/*
 * The output shape and parameter counts of one layer; a layer that cannot
 * take this input is reported with status bad (DL_EINVAL for specs from the
 * user, DL_EFORMAT for a stored model) naming its position (1-based) and type.
 */
static dl_status
plan_layer(dl_layer *l, int pos, dl_status bad)
{
	const dl_layer_spec *s = &l->spec;
	const dl_shape *in = &l->in_shape;
	dl_shape   *out = &l->out_shape;
	size_t		in_size = dl_shape_size(in);
	const char *name = dl_layer_type_name(s->type);
	char		buf[64];

	*out = *in;
	l->n_params = l->n_trainable = 0;
	switch (s->type)
	{
		case DL_LAYER_DENSE:
			{
				int			last = in->dim[in->ndim - 1];

				if (s->units < 1 || s->units > DL_MAX_UNITS)
					return dl_error(bad, "layer %d (dense): units must be between 1 and %d",
									pos, DL_MAX_UNITS);
				out->dim[out->ndim - 1] = s->units;
				l->n_trainable = (size_t) last * s->units + (s->use_bias ? s->units : 0);
				l->n_params = l->n_trainable;
				break;
			}
		case DL_LAYER_DROPOUT:
			if (!(s->rate >= 0.0f && s->rate < 1.0f))
				return dl_error(bad, "layer %d (dropout): rate must be at least 0 and below 1",
								pos);
			break;
		case DL_LAYER_FLATTEN:
			out->ndim = 1;
			out->dim[0] = (int) in_size;
			break;
		case DL_LAYER_RESHAPE:
			{
				dl_shape	t = s->target;
				int			infer = -1;
				size_t		known = 1;

				if (t.ndim < 1 || t.ndim > DL_MAX_DIMS)
					return dl_error(bad, "layer %d (reshape): target must have 1 to %d dimensions",
									pos, DL_MAX_DIMS);
				for (int i = 0; i < t.ndim; i++)
				{
					if (t.dim[i] == -1 && infer < 0)
						infer = i;
					else if (t.dim[i] < 1 || t.dim[i] > DL_MAX_UNITS)
						return dl_error(bad, "layer %d (reshape): target dimensions must be positive (one may be -1)",
										pos);
					else
						known *= (size_t) t.dim[i];
				}
				if (infer >= 0)
				{
					if (known == 0 || in_size % known != 0)
						goto bad_reshape;
					t.dim[infer] = (int) (in_size / known);
				}
				if (dl_shape_size(&t) != in_size)
					goto bad_reshape;
				*out = t;
				break;
		bad_reshape:
				dl_shape_format(in, buf, sizeof(buf));
				return dl_error(bad, "layer %d (reshape): cannot reshape %s (%zu values) to the target",
								pos, buf, in_size);
			}
		case DL_LAYER_BATCHNORM:
			{
				/* per feature of a vector or of the last axis of a sequence; per channel of (C, H, W) */
				int			c = in->ndim == 3 ? in->dim[0] : in->dim[in->ndim - 1];

				if (!(s->epsilon > 0.0f) || !(s->momentum > 0.0f && s->momentum <= 1.0f))
					return dl_error(bad, "layer %d (batchnorm): epsilon must be positive and momentum in (0, 1]",
									pos);
				l->n_trainable = 2 * (size_t) c;	/* gamma, beta */
				l->n_params = 4 * (size_t) c;	/* + running mean, running variance */
				break;
			}
		case DL_LAYER_LAYERNORM:
			if (!(s->epsilon > 0.0f))
				return dl_error(bad, "layer %d (layernorm): epsilon must be positive", pos);
			l->n_trainable = l->n_params = 2 * (size_t) in->dim[in->ndim - 1];
			break;
		case DL_LAYER_ACTIVATION:
			break;
		case DL_LAYER_CONV2D:
		case DL_LAYER_CONV1D:
		case DL_LAYER_MAXPOOL2D:
		case DL_LAYER_AVGPOOL2D:
		case DL_LAYER_MAXPOOL1D:
			{
				dl_status	st = plan_spatial(l, pos, bad);

				if (st != DL_OK)
					return st;
				break;
			}
		case DL_LAYER_GLOBAL_AVGPOOL:
			if (in->ndim != 2 && in->ndim != 3)
			{
				dl_shape_format(in, buf, sizeof(buf));
				return dl_error(bad, "layer %d (global_avgpool): needs an input of shape [C, H, W] or [T, F], got %s",
								pos, buf);
			}
			/* (C, H, W) -> (C); (T, F) -> (F) */
			out->ndim = 1;
			out->dim[0] = in->ndim == 3 ? in->dim[0] : in->dim[1];
			break;
		case DL_LAYER_EMBEDDING:
			/* ids are checked where data enters (dl_network_check_input): only layer 1 sees them */
			if (pos != 1)
				return dl_error(bad, "layer %d (embedding): must be the first layer (its input is the token ids)",
								pos);
			if (in->ndim != 1)
			{
				dl_shape_format(in, buf, sizeof(buf));
				return dl_error(bad, "layer 1 (embedding): needs an input of token ids of shape [T], got %s",
								buf);
			}
			if (s->input_dim < 1 || s->input_dim > DL_MAX_UNITS ||
				s->output_dim < 1 || s->output_dim > DL_MAX_UNITS)
				return dl_error(bad, "layer 1 (embedding): input_dim and output_dim must be between 1 and %d",
								DL_MAX_UNITS);
			out->ndim = 2;
			out->dim[1] = s->output_dim;
			l->n_trainable = l->n_params = (size_t) s->input_dim * s->output_dim;
			break;
		case DL_LAYER_LSTM:
		case DL_LAYER_GRU:
			{
				/* W (F, G), U (U, G), biases: lstm b (G), gru b_x and b_h (G each) */
				size_t		g = (size_t) (s->type == DL_LAYER_LSTM ? 4 : 3) * (size_t) s->units;

				if (in->ndim != 2)
				{
					dl_shape_format(in, buf, sizeof(buf));
					return dl_error(bad, "layer %d (%s): needs a sequence of shape [T, F], got %s (set the input_shape option, or return_sequences on the layer before)",
									pos, name, buf);
				}
				if (s->units < 1 || s->units > DL_MAX_UNITS)
					return dl_error(bad, "layer %d (%s): units must be between 1 and %d",
									pos, name, DL_MAX_UNITS);
				if (s->activation != DL_ACT_LINEAR)
					return dl_error(bad, "layer %d (%s): takes no activation", pos, name);
				if ((size_t) in->dim[1] + s->units > ((size_t) 1 << 40) / g)
					return dl_error(DL_ELIMIT, "layer %d (%s): too many weights", pos, name);
				/* bidirectional: a second set for the backward pass, outputs side by side */
				l->n_trainable = l->n_params =
					(s->bidirectional ? 2 : 1) *
					g * ((size_t) in->dim[1] + s->units + (s->type == DL_LAYER_LSTM ? 1 : 2));
				if (s->return_sequences)
					out->dim[1] = s->units * (s->bidirectional ? 2 : 1);
				else
				{
					out->ndim = 1;
					out->dim[0] = s->units * (s->bidirectional ? 2 : 1);
				}
				break;
			}
		case DL_LAYER_ATTENTION:
		case DL_LAYER_TRANSFORMER_ENCODER:
		case DL_LAYER_POSITIONAL_ENCODING:
			{
				dl_status	st = plan_attention(l, pos, bad);

				if (st != DL_OK)
					return st;
				break;
			}
		default:
			return dl_error(bad, "layer %d: unknown layer type %d", pos, (int) s->type);
	}
	if (s->activation < DL_ACT_LINEAR || s->activation > DL_ACT_LAST)
		return dl_error(bad, "layer %d (%s): unknown activation %d", pos, name, (int) s->activation);
	if (!shape_valid(out))
	{
		dl_shape_format(in, buf, sizeof(buf));
		return dl_error(bad, "layer %d (%s): output too large for input %s", pos, name, buf);
	}
	return DL_OK;
}

/*
 * Everything dl_network_init does but allocating the parameters: a reader
 * of stored bytes compares the count with what the bytes hold before
 * allocating it.
 */
dl_status
dl_network_plan(dl_network *net, const dl_layer_spec *specs, int n_layers,
				const dl_shape *input, dl_status bad)
{
	dl_shape	cur;
	size_t		total = 0;
	dl_status	st;

	memset(net, 0, sizeof(*net));
	if (n_layers < 1 || n_layers > DL_MAX_LAYERS)
		return dl_error(bad, "a network needs 1 to %d layers, got %d", DL_MAX_LAYERS, n_layers);
	if (!shape_valid(input))
		return dl_error(bad, "input shape is invalid (1 to %d positive dimensions, at most %d values)",
						DL_MAX_DIMS, DL_MAX_FEATURES);
	net->layers = dl_alloc(sizeof(dl_layer) * n_layers);
	memset(net->layers, 0, sizeof(dl_layer) * n_layers);
	net->n_layers = n_layers;
	net->input_shape = *input;
	cur = *input;
	for (int i = 0; i < n_layers; i++)
	{
		dl_layer   *l = &net->layers[i];

		l->spec = specs[i];
		l->in_shape = cur;
		if ((st = plan_layer(l, i + 1, bad)) != DL_OK)
		{
			dl_network_free(net);
			return st;
		}
		l->param_offset = total;
		if (__builtin_add_overflow(total, l->n_params, &total) || total > ((size_t) 1 << 40))
		{
			dl_network_free(net);
			return dl_error(DL_ELIMIT, "the network has too many parameters");
		}
		cur = l->out_shape;
	}
	net->output_shape = cur;
	net->n_params = total;
	return DL_OK;
}

dl_status
dl_network_init(dl_network *net, const dl_layer_spec *specs, int n_layers,
				const dl_shape *input)
{
	dl_status	st = dl_network_plan(net, specs, n_layers, input, DL_EINVAL);

	if (st != DL_OK)
		return st;
	if (net->n_params > 0)
	{
		size_t		bytes;

		if ((st = dl_size_mul_add(net->n_params, sizeof(float), 0, &bytes)) != DL_OK)
		{
			dl_network_free(net);
			return st;
		}
		net->params = dl_alloc(bytes);
		memset(net->params, 0, bytes);
	}
	return DL_OK;
}

void
dl_network_free(dl_network *net)
{
	dl_free(net->layers);
	dl_free(net->params);
	net->layers = NULL;
	net->params = NULL;
	net->n_layers = 0;
	net->n_params = 0;
}

/* the activation that follows layer i's weights (its own, or a following activation layer) */
static dl_activation
next_activation(const dl_network *net, int i)
{
	if (net->layers[i].spec.activation != DL_ACT_LINEAR)
		return net->layers[i].spec.activation;
	for (int j = i + 1; j < net->n_layers; j++)
	{
		dl_layer_type t = net->layers[j].spec.type;

		if (t == DL_LAYER_ACTIVATION)
			return net->layers[j].spec.activation;
		if (t != DL_LAYER_DROPOUT && t != DL_LAYER_BATCHNORM && t != DL_LAYER_LAYERNORM)
			break;
	}
	return DL_ACT_LINEAR;
}

/* n weights: He-normal before relu, leaky_relu and gelu, Glorot-uniform otherwise */
static void
init_weights(float *p, size_t n, double fan_in, double fan_out, dl_activation a, dl_rng *rng)
{
	if (a == DL_ACT_RELU || a == DL_ACT_LEAKY_RELU || a == DL_ACT_GELU)
	{
		double		sd = sqrt(2.0 / fan_in);

		for (size_t k = 0; k < n; k++)
			p[k] = (float) (sd * dl_rng_normal(rng));
	}
	else
	{
		double		limit = sqrt(6.0 / (fan_in + fan_out));

		for (size_t k = 0; k < n; k++)
			p[k] = (float) (limit * (2.0 * dl_rng_uniform(rng) - 1.0));
	}
}

/*
 * rows x cols (rows <= cols) with orthonormal rows: Gram-Schmidt over
 * normal draws, in double (Keras's orthogonal initializer for a recurrent
 * kernel).  Beyond 1024 rows the cubic cost is not worth it: Glorot.
 */
static void
init_orthogonal(float *p, int rows, int cols, dl_rng *rng)
{
	double	   *q;

	if (rows > 1024 || rows > cols)
	{
		init_weights(p, (size_t) rows * cols, rows, cols, DL_ACT_TANH, rng);
		return;
	}
	q = dl_alloc(sizeof(double) * (size_t) rows * cols);
	for (int r = 0; r < rows; r++)
	{
		double	   *v = q + (size_t) r * cols;
		double		norm;

		do
		{
			for (int k = 0; k < cols; k++)
				v[k] = dl_rng_normal(rng);
			for (int pass = 0; pass < 2; pass++)
				for (int s = 0; s < r; s++)
				{
					const double *e = q + (size_t) s * cols;
					double		dot = 0.0;

					for (int k = 0; k < cols; k++)
						dot += v[k] * e[k];
					for (int k = 0; k < cols; k++)
						v[k] -= dot * e[k];
				}
			norm = 0.0;
			for (int k = 0; k < cols; k++)
				norm += v[k] * v[k];
			norm = sqrt(norm);
		} while (norm < 1e-6);
		for (int k = 0; k < cols; k++)
			v[k] /= norm;
	}
	for (size_t k = 0; k < (size_t) rows * cols; k++)
		p[k] = (float) q[k];
	dl_free(q);
}

/*
 * An attention or transformer layer (attention.c's layout): the query,
 * key, value and output projections Glorot-uniform each on its own (as
 * Keras's MultiHeadAttention; PyTorch draws Q, K and V as one matrix),
 * biases 0; the feed-forward as dense layers (He before relu); layernorms
 * 1 and 0.
 */
static void
init_attention(const dl_layer *l, float *p, dl_rng *rng)
{
	int			d = l->in_shape.dim[1];
	size_t		hk = (size_t) l->spec.heads * l->spec.key_dim;
	bool		tf = l->spec.type == DL_LAYER_TRANSFORMER_ENCODER;
	bool		bias = tf || l->spec.use_bias;
	int			ff = l->spec.ff_dim;
	float	   *q = p;

	memset(p, 0, sizeof(float) * l->n_params);
	for (int block = 0; block < 3; block++)
		for (int e = 0; e < d; e++)
			init_weights(q + (size_t) e * 3 * hk + block * hk, hk, d, (double) hk,
						 DL_ACT_LINEAR, rng);
	q += (size_t) d * 3 * hk + (bias ? 3 * hk : 0);
	init_weights(q, hk * d, (double) hk, d, DL_ACT_LINEAR, rng);
	q += hk * d + (bias ? (size_t) d : 0);
	if (!tf)
		return;
	for (int k = 0; k < d; k++)
		q[k] = 1.0f;
	q += 2 * (size_t) d;
	init_weights(q, (size_t) d * ff, d, ff, l->spec.activation, rng);
	q += (size_t) d * ff + ff;
	init_weights(q, (size_t) ff * d, ff, d, DL_ACT_LINEAR, rng);
	q += (size_t) ff * d + d;
	for (int k = 0; k < d; k++)
		q[k] = 1.0f;
}

void
dl_network_init_params(dl_network *net, uint64_t seed)
{
	dl_rng		rng;

	dl_rng_seed(&rng, seed);
	for (int i = 0; i < net->n_layers; i++)
	{
		dl_layer   *l = &net->layers[i];
		float	   *p = net->params + l->param_offset;

		switch (l->spec.type)
		{
			case DL_LAYER_DENSE:
				{
					int			fan_in = l->in_shape.dim[l->in_shape.ndim - 1];
					int			fan_out = l->spec.units;
					size_t		nw = (size_t) fan_in * fan_out;
					dl_activation a = next_activation(net, i);

					/* W is (fan_in, units), row-major; the bias follows */
					init_weights(p, nw, fan_in, fan_out, a, &rng);
					if (l->spec.use_bias)
						memset(p + nw, 0, sizeof(float) * fan_out);
					break;
				}
			case DL_LAYER_CONV2D:
			case DL_LAYER_CONV1D:
				{
					/* as dense, with a kernel's taps: fan_in = C kh kw, fan_out = filters kh kw */
					size_t		nb = l->spec.use_bias ? (size_t) l->spec.filters : 0;
					size_t		nw = l->n_trainable - nb;
					double		fan_in = (double) nw / l->spec.filters;
					double		fan_out = (double) nw / (l->in_shape.ndim == 3 ? l->in_shape.dim[0] : l->in_shape.dim[1]);
					dl_activation a = next_activation(net, i);

					init_weights(p, nw, fan_in, fan_out, a, &rng);
					memset(p + nw, 0, sizeof(float) * nb);
					break;
				}
			case DL_LAYER_LSTM:
			case DL_LAYER_GRU:
				{
					/* as Keras: W Glorot-uniform, U orthogonal, biases 0 but lstm's forget gate 1 */
					int			f = l->in_shape.dim[1];
					int			u = l->spec.units;
					int			g = (l->spec.type == DL_LAYER_LSTM ? 4 : 3) * u;
					int			dirs = l->spec.bidirectional ? 2 : 1;
					size_t		set = l->n_params / dirs;

					for (int d = 0; d < dirs; d++)
					{
						float	   *w = p + d * set;
						float	   *uw = w + (size_t) f * g;
						float	   *b = uw + (size_t) u * g;

						init_weights(w, (size_t) f * g, f, g, DL_ACT_TANH, &rng);
						init_orthogonal(uw, u, g, &rng);
						memset(b, 0, sizeof(float) * (set - (size_t) (f + u) * g));
						if (l->spec.type == DL_LAYER_LSTM)
							for (int k = 0; k < u; k++)
								b[u + k] = 1.0f;
					}
					break;
				}
			case DL_LAYER_ATTENTION:
			case DL_LAYER_TRANSFORMER_ENCODER:
				init_attention(l, p, &rng);
				break;
			case DL_LAYER_POSITIONAL_ENCODING:
				if (l->spec.learned)
					for (size_t k = 0; k < l->n_params; k++)
						p[k] = (float) (0.1 * dl_rng_uniform(&rng) - 0.05);
				else
					dl_sinusoids(p, l->in_shape.dim[0], l->in_shape.dim[1]);
				break;
			case DL_LAYER_EMBEDDING:
				/* uniform in [-0.05, 0.05], as Keras */
				for (size_t k = 0; k < l->n_params; k++)
					p[k] = (float) (0.1 * dl_rng_uniform(&rng) - 0.05);
				break;
			case DL_LAYER_BATCHNORM:
			case DL_LAYER_LAYERNORM:
				{
					/* gamma 1, beta 0; batchnorm: running mean 0, running variance 1 */
					size_t		c = l->n_trainable / 2;

					for (size_t k = 0; k < c; k++)
					{
						p[k] = 1.0f;
						p[c + k] = 0.0f;
					}
					if (l->spec.type == DL_LAYER_BATCHNORM)
						for (size_t k = 0; k < c; k++)
						{
							p[2 * c + k] = 0.0f;
							p[3 * c + k] = 1.0f;
						}
					break;
				}
			default:
				break;
		}
	}
}

dl_status
dl_network_check_input(const dl_network *net, const float *x, size_t n)
{
	const dl_layer *l;
	size_t		t;

	if (net->n_layers < 1 || net->layers[0].spec.type != DL_LAYER_EMBEDDING)
		return DL_OK;
	l = &net->layers[0];
	t = dl_shape_size(&l->in_shape);
	for (size_t r = 0; r < n; r++)
		for (size_t i = 0; i < t; i++)
		{
			float		id = x[r * t + i];

			/* the comparison is false for NaN */
			if (id >= 0.0f && id < (float) l->spec.input_dim && id == floorf(id))
				continue;
			if (n > 1)
				return dl_error(DL_EINVAL, "token id %g in row %zu, position %zu, is not an integer from 0 to %d: the embedding's vocabulary (input_dim) has %d ids",
								(double) id, r + 1, i + 1, l->spec.input_dim - 1, l->spec.input_dim);
			return dl_error(DL_EINVAL, "token id %g at position %zu is not an integer from 0 to %d: the embedding's vocabulary (input_dim) has %d ids",
							(double) id, i + 1, l->spec.input_dim - 1, l->spec.input_dim);
		}
	return DL_OK;
}

dl_status
dl_network_init_linear(dl_network *net, int inputs, int units)
{
	dl_layer_spec spec;
	dl_shape	in = {1, {inputs}};

	dl_layer_spec_defaults(&spec, DL_LAYER_DENSE);
	spec.units = units;
	spec.activation = DL_ACT_LINEAR;
	spec.activation_given = true;
	return dl_network_init(net, &spec, 1, &in);
}
