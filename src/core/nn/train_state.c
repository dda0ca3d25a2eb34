/*-------------------------------------------------------------------------
 *
 * train_state.c
 *	  The state of data-parallel training (dl_train_state.h): its layout,
 *	  the check of a state that arrived from outside, the row buffer and
 *	  training on it.
 *
 * A process that reads rows appends them to the buffer and trains when it
 * is full: the buffer is shuffled by the state's own generator (so rows
 * stored in some order are not trained in that order) and trained in
 * mini-batches by dl_train_step, the step serial training takes.  With
 * one process, one round, no validation and a buffer that holds every row,
 * this is serial training's first epoch exactly: the same shuffle of the
 * same rows, the same batches, the same dropout stream.  Merging partial
 * states is average.c.
 *
 * src/core/nn/train_state.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "nn_kernels.h"
#include "dl_train_state.h"

_Static_assert(sizeof(dl_tstate) % 8 == 0, "the state's header keeps its parts 8-byte aligned");

#define ALIGN8(n) (((n) + 7) & ~(size_t) 7)

/* counts exact in a double; partial states: far more than any cluster has processes */
#define DL_TSTATE_MAX_COUNT (INT64_C(1) << 53)
#define DL_TSTATE_MAX_PARTIALS (1 << 24)

int
dl_tstate_moments(dl_optimizer opt)
{
	return opt == DL_OPT_SGD ? 0 : opt == DL_OPT_MOMENTUM ? 1 : 2;
}

/* the offsets of the parts; false on overflow */
typedef struct Layout
{
	size_t		model;
	size_t		params;
	size_t		moments;
	size_t		x;
	size_t		y;
	size_t		total;
} Layout;

static bool
layout(size_t model_len, size_t n_params, int n_moments, int d, int buffer_rows, Layout *l)
{
	size_t		pbytes,
				xbytes,
				ybytes;

	memset(l, 0, sizeof(*l));	/* defined on failure too */
	if (model_len > SIZE_MAX / 2 || n_params > SIZE_MAX / 16 || n_moments < 0 || n_moments > 2 ||
		d < 0 || buffer_rows < 0)
		return false;
	pbytes = ALIGN8(n_params * sizeof(float));
	if (__builtin_mul_overflow((size_t) d, (size_t) buffer_rows, &xbytes) ||
		__builtin_mul_overflow(xbytes, sizeof(float), &xbytes))
		return false;
	xbytes = ALIGN8(xbytes);
	ybytes = ALIGN8((size_t) buffer_rows * sizeof(float));
	l->model = sizeof(dl_tstate);
	l->params = l->model + ALIGN8(model_len);
	l->moments = l->params + pbytes;
	l->x = l->moments + pbytes * (size_t) n_moments;
	if (__builtin_add_overflow(l->x, xbytes, &l->y) ||
		__builtin_add_overflow(l->y, ybytes, &l->total))
		return false;
	return true;
}

static Layout
layout_of(const dl_tstate *s)
{
	Layout		l;

	(void) layout(s->model_len, s->n_params, s->n_moments, s->n_inputs, s->buffer_rows, &l);
	return l;
}

size_t
dl_tstate_bytes(size_t model_len, size_t n_params, int n_moments, int d, int buffer_rows)
{
	Layout		l;

	return layout(model_len, n_params, n_moments, d, buffer_rows, &l) ? l.total : SIZE_MAX;
}

const uint8_t *
dl_tstate_model(const dl_tstate *s)
{
	return (const uint8_t *) s + sizeof(dl_tstate);
}

float *
dl_tstate_params(const dl_tstate *s)
{
	return (float *) ((char *) s + layout_of(s).params);
}

float *
dl_tstate_moment(const dl_tstate *s, int i)
{
	return (float *) ((char *) s + layout_of(s).moments) + (size_t) i * ALIGN8(s->n_params * sizeof(float)) / sizeof(float);
}

float *
dl_tstate_x(const dl_tstate *s)
{
	return (float *) ((char *) s + layout_of(s).x);
}

float *
dl_tstate_y(const dl_tstate *s)
{
	return (float *) ((char *) s + layout_of(s).y);
}

void
dl_tstate_init(dl_tstate *s, const uint8_t *model, size_t model_len, size_t n_params,
			   const float *params, const float *moments, int64_t step, int d, int buffer_rows,
			   const dl_train_options *o, double validation_fraction, uint64_t round_seed,
			   uint32_t flags)
{
	Layout		l;
	dl_rng		rng;
	int			nm = dl_tstate_moments(o->optimizer);

	(void) layout(model_len, n_params, nm, d, buffer_rows, &l);
	memset(s, 0, l.total);
	memcpy(s->magic, DL_TSTATE_MAGIC, 8);
	s->version = DL_TSTATE_VERSION;
	s->flags = flags;
	s->total_bytes = l.total;
	s->model_len = model_len;
	s->n_params = n_params;
	s->n_moments = nm;
	s->n_inputs = d;
	s->batch_size = o->batch_size;
	s->buffer_rows = buffer_rows;
	s->partials = 1;
	s->step = step;
	s->validation_fraction = validation_fraction;
	s->split_seed = o->seed;
	/* round 1 (round_seed = the seed) shuffles and drops out as serial training's epoch 1 */
	dl_rng_seed(&rng, round_seed);
	memcpy(s->rng, rng.s, sizeof(s->rng));
	s->dropout_seed = round_seed ^ UINT64_C(0xD1B54A32D192ED03);
	s->optimizer = o->optimizer;
	s->loss = o->loss;
	s->nesterov = o->nesterov;
	s->learning_rate = o->learning_rate;
	s->momentum = o->momentum;
	s->beta1 = o->beta1;
	s->beta2 = o->beta2;
	s->adam_epsilon = o->adam_epsilon;
	s->weight_decay = o->weight_decay;
	s->l1 = o->l1;
	s->clip_norm = o->clip_norm;
	s->huber_delta = o->huber_delta;
	memcpy((char *) s + l.model, model, model_len);
	if (params)
		memcpy((char *) s + l.params, params, n_params * sizeof(float));
	if (moments && nm > 0)
		for (int i = 0; i < nm; i++)
			memcpy(dl_tstate_moment(s, i), moments + (size_t) i * n_params, n_params * sizeof(float));
}

void
dl_tstate_options(const dl_tstate *s, dl_train_options *o)
{
	dl_train_options_defaults(o);
	o->optimizer = (dl_optimizer) s->optimizer;
	o->loss = (dl_loss) s->loss;
	o->nesterov = s->nesterov != 0;
	o->learning_rate = s->learning_rate;
	o->momentum = s->momentum;
	o->beta1 = s->beta1;
	o->beta2 = s->beta2;
	o->adam_epsilon = s->adam_epsilon;
	o->weight_decay = s->weight_decay;
	o->l1 = s->l1;
	o->clip_norm = s->clip_norm;
	o->huber_delta = s->huber_delta;
	o->batch_size = s->batch_size;
}

static dl_status
bad(const char **why, const char *what)
{
	*why = what;
	return DL_EFORMAT;
}

dl_status
dl_tstate_check(const void *p, size_t len, const char **why)
{
	dl_tstate	h;
	Layout		l;
	dl_train_options o;
	const float *params;

	*why = NULL;
	if (len < sizeof(dl_tstate))
		return bad(why, "it is shorter than its header");
	memcpy(&h, p, sizeof(h));
	if (memcmp(h.magic, DL_TSTATE_MAGIC, 8) != 0)
		return bad(why, "it does not start with the state's magic bytes");
	if (h.version > DL_TSTATE_VERSION)
	{
		*why = "it was written by a newer version of pgdl";
		return DL_EVERSION;
	}
	if (h.version != DL_TSTATE_VERSION)
		return bad(why, "its format version is unknown");
	if ((h.flags & ~(uint32_t) DL_TSTATE_FLAGS) != 0)
		return bad(why, "it has unknown flags");
	if (h.optimizer < DL_OPT_SGD || h.optimizer > DL_OPT_ADAMW || h.n_moments != dl_tstate_moments(h.optimizer))
		return bad(why, "its optimizer or optimizer moments are invalid");
	if (h.loss < DL_LOSS_MSE || h.loss > DL_LOSS_CE)
		return bad(why, "its loss is invalid");
	if (h.n_params == 0 || h.n_inputs < 1 || h.batch_size < 1 || h.batch_size > 65536 ||
		h.buffer_rows < 0 || h.pending < 0 || h.pending > h.buffer_rows || h.partials < 1 ||
		h.model_len == 0)
		return bad(why, "its counts are invalid");
	if (!layout(h.model_len, h.n_params, h.n_moments, h.n_inputs, h.buffer_rows, &l) ||
		l.total != h.total_bytes || l.total != len)
		return bad(why, "its size does not match its counts");
	/* merges add counts up: bounded so that no sum can overflow */
	if (h.step < 0 || h.rows < 0 || h.validation_rows < 0 || h.skipped_rows < 0 ||
		h.step > DL_TSTATE_MAX_COUNT || h.rows > DL_TSTATE_MAX_COUNT ||
		h.validation_rows > DL_TSTATE_MAX_COUNT || h.skipped_rows > DL_TSTATE_MAX_COUNT ||
		h.partials > DL_TSTATE_MAX_PARTIALS)
		return bad(why, "a count is negative or too large");
	if (!isfinite(h.loss_sum) || h.loss_sum < 0 || !isfinite(h.validation_loss_sum) ||
		h.validation_loss_sum < 0 || !isfinite(h.validation_metric_sum) || h.validation_metric_sum < 0)
		return bad(why, "a sum of losses is not a finite non-negative number");
	if (!(h.validation_fraction >= 0.0 && h.validation_fraction < 1.0))
		return bad(why, "its validation fraction is not in [0, 1)");
	if (h.rng[0] == 0 && h.rng[1] == 0 && h.rng[2] == 0 && h.rng[3] == 0)
		return bad(why, "its random generator state is all zeros");
	dl_tstate_options(&h, &o);
	if (dl_train_options_problem(&o) != NULL)
		return bad(why, "its training options are invalid");
	params = (const float *) ((const char *) p + l.params);
	for (size_t i = 0; i < h.n_params * (size_t) (1 + h.n_moments); i++)
	{
		float		v;

		/* params then the moments: contiguous, each part padded to 8 bytes */
		size_t		part = i / h.n_params,
					j = i % h.n_params;

		memcpy(&v, (const char *) params + part * ALIGN8(h.n_params * sizeof(float)) + j * sizeof(float),
			   sizeof(float));
		if (!isfinite(v))
			return bad(why, "a parameter or optimizer moment is not finite");
	}
	{
		const float *x = (const float *) ((const char *) p + l.x);

		for (size_t i = 0; i < (size_t) h.pending * h.n_inputs; i++)
			if (!isfinite(x[i]))
				return bad(why, "a buffered row is not finite");
	}
	return DL_OK;
}

dl_status
dl_tstate_compatible(const dl_tstate *a, const dl_tstate *b, const char **why)
{
	*why = NULL;
	if (a->n_params != b->n_params || a->n_inputs != b->n_inputs || a->n_moments != b->n_moments ||
		a->model_len != b->model_len || a->batch_size != b->batch_size ||
		a->optimizer != b->optimizer || a->loss != b->loss || a->flags != b->flags ||
		memcmp(dl_tstate_model(a), dl_tstate_model(b), a->model_len) != 0)
		return bad(why, "the two states train different models");
	return DL_OK;
}

void
dl_tstate_copy(dl_tstate *dst, const dl_tstate *src, int buffer_rows)
{
	Layout		ls = layout_of(src);
	Layout		ld;

	(void) layout(src->model_len, src->n_params, src->n_moments, src->n_inputs, buffer_rows, &ld);
	/* header, model, params and moments are laid out alike */
	memcpy(dst, src, ls.x);
	memset((char *) dst + ld.x, 0, ld.total - ld.x);
	dst->buffer_rows = buffer_rows;
	dst->total_bytes = ld.total;
	memcpy((char *) dst + ld.x, (const char *) src + ls.x,
		   (size_t) src->pending * src->n_inputs * sizeof(float));
	memcpy((char *) dst + ld.y, (const char *) src + ls.y, (size_t) src->pending * sizeof(float));
}

/* splitmix64's finaliser */
static inline uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

bool
dl_row_is_validation(uint64_t seed, double fraction, const double *x, int d, float y)
{
	uint64_t	h = mix64(seed ^ UINT64_C(0x5BD1E9955BD1E995));
	uint64_t	bits;
	uint32_t	ybits;

	if (fraction <= 0.0)
		return false;
	for (int i = 0; i < d; i++)
	{
		double		v = x[i] == 0.0 ? 0.0 : x[i];	/* -0 as 0 */

		memcpy(&bits, &v, sizeof(bits));
		h = mix64(h ^ bits) + UINT64_C(0x9E3779B97F4A7C15);
	}
	memcpy(&ybits, &y, sizeof(ybits));
	h = mix64(h ^ ybits);
	return (double) (h >> 11) * 0x1.0p-53 < fraction;
}

bool
dl_tstate_is_validation(const dl_tstate *s, const double *x, int d, float y)
{
	return dl_row_is_validation(s->split_seed, s->validation_fraction, x, d, y);
}

bool
dl_tstate_add_row(dl_tstate *s, const float *x, float y)
{
	memcpy(dl_tstate_x(s) + (size_t) s->pending * s->n_inputs, x, sizeof(float) * s->n_inputs);
	dl_tstate_y(s)[s->pending] = y;
	s->pending++;
	return s->pending >= s->buffer_rows;
}

dl_status
dl_tstate_train_pending(dl_tstate *s, dl_network *net, dl_workspace *ws)
{
	dl_train_options o;
	dl_rng		rng;
	uint32_t   *order;
	int			n = s->pending;
	int			d = s->n_inputs;
	const float *x = dl_tstate_x(s);
	const float *y = dl_tstate_y(s);
	size_t		np = s->n_params;
	dl_status	st = DL_OK;

	if (n == 0)
		return DL_OK;
	dl_tstate_options(s, &o);
	memcpy(rng.s, s->rng, sizeof(rng.s));
	order = dl_alloc(sizeof(uint32_t) * n);
	for (int i = 0; i < n; i++)
		order[i] = (uint32_t) i;
	dl_rng_shuffle(&rng, order, (size_t) n);
	for (int i = 0; i < s->n_moments; i++)
		memcpy(i == 0 ? ws->m : ws->v, dl_tstate_moment(s, i), sizeof(float) * np);
	for (int done = 0; done < n; done += s->batch_size)
	{
		int			b = n - done < s->batch_size ? n - done : s->batch_size;
		double		loss;

		dl_check_interrupts();
		for (int i = 0; i < b; i++)
		{
			memcpy(ws->x + (size_t) i * d, x + (size_t) order[done + i] * d, sizeof(float) * d);
			ws->y[i] = y[order[done + i]];
		}
		loss = dl_train_step(net, ws, &o, b, (long) s->step + 1);
		if (!isfinite(loss))
		{
			st = dl_error(DL_ERANGE, "training diverged after %lld rows (loss is not finite); lower learning_rate (now %g), set clip_norm, or standardize the features",
						  (long long) s->rows, (double) o.learning_rate);
			break;
		}
		s->step++;
		s->rows += b;
		s->loss_sum += loss * b;
	}
	for (int i = 0; i < s->n_moments && st == DL_OK; i++)
		memcpy(dl_tstate_moment(s, i), i == 0 ? ws->m : ws->v, sizeof(float) * np);
	memcpy(s->rng, rng.s, sizeof(s->rng));
	s->pending = 0;
	dl_free(order);
	return st;
}

dl_status
dl_tstate_workspaces(const dl_tstate *s, const dl_network *net, dl_workspace **train,
					 dl_workspace **eval)
{
	dl_status	st;

	*train = *eval = NULL;
	if ((st = dl_workspace_create_mode(net, s->batch_size, DL_WS_TRAIN, train)) != DL_OK)
		return st;
	dl_rng_seed(&(*train)->rng, s->dropout_seed);
	if ((st = dl_workspace_create_mode(net, 1, DL_WS_EVALUATE, eval)) != DL_OK)
	{
		dl_workspace_free(*train);
		*train = NULL;
	}
	return st;
}

void
dl_tstate_evaluate_row(dl_tstate *s, const dl_network *net, dl_workspace *eval, const float *x,
					   float y)
{
	size_t		k = dl_shape_size(&net->output_shape);
	bool		fused = dl_output_fused(net, (dl_loss) s->loss);

	eval->y[0] = y;
	dl_forward_infer(net, eval, x, 1, eval->logits, fused);
	s->validation_loss_sum += dl_loss_forward_backward(NULL, eval->logits, eval->y, 1, (int) k,
													   (dl_loss) s->loss, s->huber_delta);
	s->validation_metric_sum += dl_metric_sum(eval->logits, eval->y, 1, (int) k, (dl_loss) s->loss);
	s->validation_rows++;
}

void
dl_tstate_validation(const dl_tstate *s, const dl_network *net, double *loss, double *metric)
{
	double		n = (double) s->validation_rows;

	*loss = *metric = NAN;
	if (s->validation_rows == 0)
		return;
	*loss = s->validation_loss_sum / n;
	if (s->loss == DL_LOSS_CE || s->loss == DL_LOSS_BCE)
		*metric = s->validation_metric_sum / n;
	else
		*metric = sqrt(s->validation_metric_sum / (n * (double) dl_shape_size(&net->output_shape)));
}
