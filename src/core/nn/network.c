/*-------------------------------------------------------------------------
 *
 * network.c
 *	  Building a network: the plan (shapes, parameter counts and layout,
 *	  fusions), initialisation, and checking its input.
 *
 * Planning validates everything a kernel relies on (kernels cannot fail:
 * they never allocate and report nothing), so forward and backward passes
 * never check shapes.  Each layer is planned and initialised by its type's
 * record in the layer table (layers.h).
 *
 * src/core/nn/network.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "layers.h"

/* ---- shapes ---- */

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

/* ---- the plan ---- */

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
 * The output shape and parameter counts of one layer; a layer that cannot
 * take this input is reported with status bad (DL_EINVAL for specs from the
 * user, DL_EFORMAT for a stored model) naming its position (1-based) and type.
 */
static dl_status
plan_layer(dl_layer *l, int pos, dl_status bad)
{
	const dl_layer_ops *ops = dl_layer_ops_of((int) l->spec.type);
	char		buf[64];
	dl_status	st;

	l->ops = ops;
	l->out_shape = l->in_shape;
	l->n_params = l->n_trainable = 0;
	if (ops == NULL)
		return dl_error(bad, "layer %d: unknown layer type %d", pos, (int) l->spec.type);
	if ((st = ops->plan(l, pos, bad)) != DL_OK)
		return st;
	if (!shape_valid(&l->out_shape))
	{
		dl_shape_format(&l->in_shape, buf, sizeof(buf));
		return dl_error(bad, "layer %d (%s): output too large for input %s", pos, ops->name, buf);
	}
	return DL_OK;
}

/*
 * The fusions of the backward pass, chosen once here rather than found by
 * looking at neighbours in every pass: a layer whose record fuses the next
 * one runs both backward passes at once (conv2d then maxpool2d).  Only a
 * layer with trainable parameters fuses, so that the backward pass, which
 * starts at the first such layer, always reaches it.
 */
static void
plan_fusions(dl_network *net)
{
	for (int i = 0; i + 1 < net->n_layers; i++)
	{
		dl_layer   *l = &net->layers[i];

		/* not across a join: the joined inputs' gradient is split off between the two */
		if (net->n_joined > 0 && i == net->join_layer)
			continue;
		if (l->ops->fuses && !l->fused_into_prev && l->n_trainable > 0 &&
			l->ops->fuses(l, &net->layers[i + 1]))
		{
			l->fuses_next = true;
			net->layers[i + 1].fused_into_prev = true;
		}
	}
}

/*
 * Which layers' inputs carry the padding mask of a first embedding layer
 * with mask_zero: the layer after it, and each after one that keeps the
 * mask (layers.h) while its output keeps the steps of its input.  The
 * mask stops at a layer that changes the steps (flatten, conv1d,
 * maxpool1d, a recurrent layer's last state) or does not carry it
 * (batchnorm, whose batch statistics would count the padding).
 */
static void
plan_mask(dl_network *net)
{
	const dl_layer *first = &net->layers[0];

	if (first->spec.type != DL_LAYER_EMBEDDING || !first->spec.embedding.mask_zero)
		return;
	for (int i = 1; i < net->n_layers; i++)
	{
		dl_layer   *l = &net->layers[i];
		const dl_layer *prev = &net->layers[i - 1];

		if (i > 1 && !(prev->mask_in && prev->ops->keeps_mask &&
					   prev->out_shape.ndim == 2 &&
					   prev->out_shape.dim[0] == prev->in_shape.dim[0]))
			break;
		l->mask_in = true;
	}
}

/*
 * Plans layers 0 .. n_layers - 1 from input, the first layer's input shape.
 * With n_joined > 0 (a joined network, dl_nn.h), n_joined more inputs are
 * appended after the first layer whose output is one vector per row (1-D),
 * which must come before the last layer: *join is its index, or -1 when
 * there is none (the layers are then planned on the branch alone).
 * Without, *join is -1.
 */
static dl_status
plan_layers(dl_network *net, const dl_layer_spec *specs, int n_layers, const dl_shape *input,
			int n_joined, dl_status bad, int *join)
{
	dl_shape	cur = *input;
	size_t		total = 0;
	dl_status	st;

	*join = -1;
	for (int i = 0; i < n_layers; i++)
	{
		dl_layer   *l = &net->layers[i];

		l->spec = specs[i];
		l->in_shape = cur;
		if ((st = plan_layer(l, i + 1, bad)) != DL_OK)
			return st;
		l->param_offset = total;
		if (__builtin_add_overflow(total, l->n_params, &total) || total > ((size_t) 1 << 40))
			return dl_error(DL_ELIMIT, "the network has too many parameters");
		cur = l->out_shape;
		if (n_joined > 0 && *join < 0 && cur.ndim == 1)
		{
			if (i == n_layers - 1)
				break;
			*join = i;
			cur.dim[0] += n_joined;
			if (!shape_valid(&cur))
				return dl_error(bad, "layer %d (%s): its output and the %d joined inputs are too many values",
								i + 1, l->ops->name, n_joined);
		}
	}
	net->output_shape = cur;
	net->n_params = total;
	return DL_OK;
}

/*
 * Everything dl_network_init does but allocating the parameters: a reader
 * of stored bytes compares the count with what the bytes hold before
 * allocating it.
 */
dl_status
dl_network_plan_joined(dl_network *net, const dl_layer_spec *specs, int n_layers,
					   const dl_shape *input, int n_joined, dl_status bad)
{
	dl_status	st;
	int			join = -1;

	memset(net, 0, sizeof(*net));
	if (n_layers < 1 || n_layers > DL_MAX_LAYERS)
		return dl_error(bad, "a network needs 1 to %d layers, got %d", DL_MAX_LAYERS, n_layers);
	if (!shape_valid(input))
		return dl_error(bad, "input shape is invalid (1 to %d positive dimensions, at most %d values)",
						DL_MAX_DIMS, DL_MAX_FEATURES);
	if (n_joined < 0 || n_joined > DL_MAX_FEATURES - (int) dl_shape_size(input))
		return dl_error(bad, "%d joined inputs is out of range (0 to %d)",
						n_joined, DL_MAX_FEATURES - (int) dl_shape_size(input));
	net->layers = dl_alloc(sizeof(dl_layer) * n_layers);
	memset(net->layers, 0, sizeof(dl_layer) * n_layers);
	net->n_layers = n_layers;
	net->input_shape = *input;
	if (n_joined > 0)
	{
		net->input_shape.ndim = 1;
		net->input_shape.dim[0] = (int) dl_shape_size(input) + n_joined;
	}
	st = plan_layers(net, specs, n_layers, input, n_joined, bad, &join);
	if (st == DL_OK && n_joined > 0 && join < 0)
		st = dl_error(bad, "the first branch of the network (layers 1 to %d) never gives one vector per row before the last layer, so the %d other inputs have nowhere to join",
					  n_layers, n_joined);
	if (st != DL_OK)
	{
		dl_network_free(net);
		return st;
	}
	net->n_joined = n_joined;
	net->join_layer = join;
	plan_fusions(net);
	plan_mask(net);
	return DL_OK;
}

dl_status
dl_network_plan(dl_network *net, const dl_layer_spec *specs, int n_layers,
				const dl_shape *input, dl_status bad)
{
	return dl_network_plan_joined(net, specs, n_layers, input, 0, bad);
}

dl_status
dl_network_join_layer(const dl_layer_spec *specs, int n_layers, const dl_shape *input,
					  int n_joined, int *join)
{
	dl_network	net;
	dl_status	st;

	*join = -1;
	if (n_joined < 1)
		return dl_error(DL_EINVAL, "a join needs at least one joined input, got %d", n_joined);
	if (n_layers < 1 || n_layers > DL_MAX_LAYERS || !shape_valid(input))
		return dl_network_plan(&net, specs, n_layers, input, DL_EINVAL);
	memset(&net, 0, sizeof(net));
	net.layers = dl_alloc(sizeof(dl_layer) * n_layers);
	memset(net.layers, 0, sizeof(dl_layer) * n_layers);
	net.n_layers = n_layers;
	st = plan_layers(&net, specs, n_layers, input, n_joined, DL_EINVAL, join);
	dl_network_free(&net);
	return st;
}

dl_status
dl_network_init_joined(dl_network *net, const dl_layer_spec *specs, int n_layers,
					   const dl_shape *input, int n_joined)
{
	dl_status	st = dl_network_plan_joined(net, specs, n_layers, input, n_joined, DL_EINVAL);

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

dl_status
dl_network_init(dl_network *net, const dl_layer_spec *specs, int n_layers,
				const dl_shape *input)
{
	return dl_network_init_joined(net, specs, n_layers, input, 0);
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
	net->n_joined = 0;
}

/* ---- initialisation ---- */

dl_activation
dl_following_activation(const dl_network *net, int i)
{
	const dl_layer *l = &net->layers[i];
	float		alpha;
	dl_activation own = l->ops->activation ? l->ops->activation(&l->spec, &alpha) : DL_ACT_LINEAR;

	if (own != DL_ACT_LINEAR)
		return own;
	/* an activation layer (no parameters), past dropout and normalisation */
	for (int j = i + 1; j < net->n_layers; j++)
	{
		const dl_layer *n = &net->layers[j];

		if (n->ops->activation && n->n_params == 0)
			return n->ops->activation(&n->spec, &alpha);
		if (!n->ops->init_see_through)
			break;
	}
	return DL_ACT_LINEAR;
}

/*
 * Initialisation draws one number per parameter: a network near the memory
 * limit has hundreds of millions, so the loops below check for interrupts
 * every INIT_CHUNK draws (a cancel or statement_timeout then stops them).
 */
#define INIT_CHUNK ((size_t) 1 << 16)

/* n weights: He-normal before relu, leaky_relu and gelu, Glorot-uniform otherwise */
void
dl_init_weights(float *p, size_t n, double fan_in, double fan_out, dl_activation a, dl_rng *rng)
{
	bool		he = a == DL_ACT_RELU || a == DL_ACT_LEAKY_RELU || a == DL_ACT_GELU;
	double		sd = sqrt(2.0 / fan_in);
	double		limit = sqrt(6.0 / (fan_in + fan_out));

	for (size_t start = 0; start < n; start += INIT_CHUNK)
	{
		size_t		end = n - start > INIT_CHUNK ? start + INIT_CHUNK : n;

		dl_check_interrupts();
		if (he)
			for (size_t k = start; k < end; k++)
				p[k] = (float) (sd * dl_rng_normal(rng));
		else
			for (size_t k = start; k < end; k++)
				p[k] = (float) (limit * (2.0 * dl_rng_uniform(rng) - 1.0));
	}
}

/* n values uniform in [-0.05, 0.05], as Keras's embeddings */
void
dl_init_small_uniform(float *p, size_t n, dl_rng *rng)
{
	for (size_t start = 0; start < n; start += INIT_CHUNK)
	{
		size_t		end = n - start > INIT_CHUNK ? start + INIT_CHUNK : n;

		dl_check_interrupts();
		for (size_t k = start; k < end; k++)
			p[k] = (float) (0.1 * dl_rng_uniform(rng) - 0.05);
	}
}

/*
 * rows x cols (rows <= cols) with orthonormal rows: Gram-Schmidt over
 * normal draws, in double (Keras's orthogonal initializer for a recurrent
 * kernel).  Beyond 1024 rows the cubic cost is not worth it: Glorot.
 */
void
dl_init_orthogonal(float *p, int rows, int cols, dl_rng *rng)
{
	double	   *q;

	if (rows > 1024 || rows > cols)
	{
		dl_init_weights(p, (size_t) rows * cols, rows, cols, DL_ACT_TANH, rng);
		return;
	}
	q = dl_alloc(sizeof(double) * (size_t) rows * cols);
	for (int r = 0; r < rows; r++)
	{
		double	   *v = q + (size_t) r * cols;
		double		norm;

		dl_check_interrupts();
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

void
dl_network_init_params(dl_network *net, uint64_t seed)
{
	dl_rng		rng;

	dl_rng_seed(&rng, seed);
	for (int i = 0; i < net->n_layers; i++)
	{
		dl_layer   *l = &net->layers[i];

		if (l->ops->init)
			l->ops->init(net, i, net->params + l->param_offset, &rng);
	}
}

/* ---- input ---- */

dl_status
dl_network_check_input(const dl_network *net, const float *x, size_t n)
{
	const dl_layer *l;

	if (net->n_layers < 1)
		return DL_OK;
	l = &net->layers[0];
	if (!l->ops->check_input)
		return DL_OK;
	if (net->n_joined == 0)
		return l->ops->check_input(l, x, n);
	/* a joined network's rows hold the first layer's inputs, then the joined ones */
	for (size_t r = 0; r < n; r++)
	{
		dl_status	st = l->ops->check_input(l, x + r * dl_shape_size(&net->input_shape), 1);

		if (st != DL_OK)
			return st;
	}
	return DL_OK;
}

dl_status
dl_network_check_sparse(const dl_network *net)
{
	const dl_layer *l;

	if (net->sparse_inputs == 0)
		return DL_OK;
	if (net->n_layers < 1 || net->sparse_inputs < 0 ||
		(size_t) net->sparse_inputs > dl_shape_size(&net->input_shape))
		return dl_error(DL_EINVAL, "%d sparse inputs do not fit a network of %zu inputs",
						net->sparse_inputs, dl_shape_size(&net->input_shape));
	l = &net->layers[0];
	if (l->spec.type != DL_LAYER_DENSE || net->input_shape.ndim != 1)
		return dl_error(DL_EINVAL, "sparse inputs need a first dense layer on a flat input, not %s",
						dl_layer_type_name(l->spec.type));
	return DL_OK;
}

dl_status
dl_network_init_linear(dl_network *net, int inputs, int units)
{
	dl_layer_spec spec;
	dl_shape	in = {1, {inputs}};

	dl_layer_spec_defaults(&spec, DL_LAYER_DENSE);
	spec.dense.units = units;
	spec.dense.activation = DL_ACT_LINEAR;
	spec.dense.activation_given = true;
	return dl_network_init(net, &spec, 1, &in);
}
