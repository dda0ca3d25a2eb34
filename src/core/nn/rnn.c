/*-------------------------------------------------------------------------
 *
 * rnn.c
 *	  Recurrent layers: lstm and gru on sequences (T, F), with
 *	  backpropagation through time.
 *
 * Layouts (Keras's, which the weights format stores):
 *
 *	lstm: W (F, 4U), U (U, 4U), b (4U); the gate columns are i, f, c, o
 *		i = sigmoid(x W_i + h U_i + b_i)   f, o likewise
 *		g = tanh(x W_c + h U_c + b_c)
 *		c_t = f c_{t-1} + i g		h_t = o tanh(c_t)
 *	  The forget gate's bias starts at 1 (Keras's unit_forget_bias).
 *
 *	gru: W (F, 3U), U (U, 3U), b_x (3U), b_h (3U); gate columns z, r, n.
 *	  Keras's GRU with reset_after = true, which is PyTorch's (and cuDNN's)
 *	  formulation: the reset gate multiplies the recurrent product, bias
 *	  included.
 *		z = sigmoid(x W_z + b_xz + h U_z + b_hz)   r likewise
 *		n = tanh(x W_n + b_xn + r (h U_n + b_hn))
 *		h_t = z h_{t-1} + (1 - z) n
 *
 * The initial state is zero.  The input projection of every step of the
 * batch is one sgemm over (n T, F); each step then adds h_{t-1} U with one
 * sgemm over the batch, reading and writing the per-step rows in place
 * through leading dimensions (rows of (n, T, ...) buffers at step t are
 * T apart).  The training pass keeps the activated gates, the cell states
 * (gru: the recurrent candidate h U_n + b_hn) and every hidden state; the
 * backward pass walks the steps back, accumulating the pre-activation
 * gradients of all steps, so dW, db and dx are again one sgemm each.
 *
 * With a padding mask (an embedding's mask_zero), a padded step leaves
 * the states as they were (zero before the first real step), so the last
 * state is the one after the last real step whether the padding comes
 * before or after; its backward pass hands the state gradients through
 * to the step before and gives the step's gates none.
 *
 * Padded steps cost (almost) nothing, as with PyTorch's packed sequences:
 * the input side's products (x W, and x^T dG, dG W^T back) cover only the
 * real steps, packed together; at each step the recurrent products cover
 * only the rows whose step is real (gathered into a compact block unless
 * all are); a padded step copies the state of the step before, and only
 * where something reads it: inside a row's run of real steps, the zero
 * state just before its first one, and, with return_sequences, every step
 * (the outputs).  A batch padded at the end thus stops at its longest
 * row, and the backward direction of a bidirectional layer, which reads
 * the padding first, starts each row at its last real token.  The same
 * products are computed on the real steps either way, so the results are
 * the full computation's up to the rounding of differently blocked sums
 * (dl_rnn_skip_padding = false runs the full one, for the tests).
 *
 * A bidirectional layer holds a second set of parameters for a pass from
 * the last step to the first, and puts both directions' states side by
 * side.  W starts Glorot-uniform, U orthogonal, the biases 0 but the
 * lstm's forget gate 1 (Keras's initialisers).  The weights record: units
 * (u32), flags (u8: 1 return_sequences, 2 bidirectional).
 *
 * src/core/nn/rnn.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "layers.h"

/*
 * The gates' exp, sigmoid and tanh, written as plain arithmetic (selects
 * instead of branches, no libm call) so that GCC vectorizes the loops over a
 * step's units: libm's expf and tanhf, called once a value, took about 40 %
 * of an LSTM's training time.  They agree with libm to a few ulp (relative
 * error below 1e-6 over the whole float range; test_nn checks it).
 *
 * vexp: v = n ln 2 + r with n = rint(v / ln 2) (the 1.5 * 2^23 addition
 * rounds to an integer) and ln 2 split in two so that r is exact, |r| <=
 * ln 2 / 2; e^r by its Taylor polynomial to degree 7 (truncation error below
 * 5e-9 relative); 2^n put into the exponent bits.  v is clamped to
 * [ln FLT_MIN, 88], where 2^n stays normal; below ln FLT_MIN (-87.3365) the
 * result is 0.  A NaN takes the clamp's lower end, so that the conversion
 * of n to an integer stays defined, and is given back as NaN at the end.
 */
static inline float
vexp(float v)
{
	float		c = v > -87.33654f ? (v < 88.0f ? v : 88.0f) : -87.33654f;
	float		n = (c * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
	float		r = (c - n * 0.693145751953125f) - n * 1.42860676533018e-6f;
	float		p = 1.0f + r * (1.0f + r * (1.0f / 2 + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120 +
										r * (1.0f / 720 + r * (1.0f / 5040)))))));
	int32_t		bits = ((int32_t) n + 127) << 23;
	float		scale;

	memcpy(&scale, &bits, sizeof(scale));
	return v < -87.33654f ? 0.0f : (v == v ? p * scale : v);
}

/* 1 / (1 + e^-v), from e = e^-|v| so that either side keeps its precision */
static inline float
sigm(float v)
{
	float		e = vexp(v < 0.0f ? v : -v);
	float		s = 1.0f / (1.0f + e);

	return v < 0.0f ? e * s : s;
}

/*
 * tanh: for |v| < 0.625, v + v^3 P(v^2) with P of degree 4 fitted to tanh's
 * relative error on [0, 0.625] (by least squares; 5e-9 before rounding to
 * float); above, 1 - 2 / (e^2|v| + 1), which cancels nothing there; the sign
 * put back.
 */
static inline float
vtanh(float v)
{
	float		a = v < 0.0f ? -v : v;
	float		z = v * v;
	float		small = v + v * z * (-0.33333287f + z * (0.13331513f + z * (-0.053744659f +
										z * (0.020653125f + z * -0.0057189628f))));
	float		big = 1.0f - 2.0f / (vexp(2.0f * a) + 1.0f);

	return a < 0.625f ? small : (v < 0.0f ? -big : big);
}

float
dl_rnn_sigmoid(float v)
{
	return sigm(v);
}

float
dl_rnn_tanh(float v)
{
	return vtanh(v);
}

int
dl_rnn_gates(const dl_layer *l)
{
	return (l->spec.type == DL_LAYER_LSTM ? 4 : 3) * l->spec.rnn.units;
}

bool		dl_rnn_skip_padding = true;

/*
 * The floats per row that skipping padded steps needs beside a pass's own
 * buffers: the packed input rows (T F), a compact block of states (U), one
 * of state gradients (U) and one of gate rows (G), and three int arrays
 * (the rows of a step, each row's first real step and its last + 1).
 */
static size_t
skip_size(size_t T, size_t F, size_t U, size_t G)
{
	return T * F + 2 * U + G + 3;
}

/* floats per row of one direction's backward pass: dG, dh, dc, dr or dh's copy, skip_size */
static size_t
bptt_size(size_t T, size_t F, size_t U, size_t G)
{
	return T * G + 2 * U + G + skip_size(T, F, U, G);
}

size_t
dl_rnn_scratch_size(const dl_layer *l)
{
	size_t		t,
				f,
				u,
				g;

	t = (size_t) l->in_shape.dim[0];
	f = (size_t) l->in_shape.dim[1];
	u = (size_t) l->spec.rnn.units;
	g = (size_t) dl_rnn_gates(l);
	/*
	 * prediction: gates, cells, states (T each) and one step's recurrent
	 * product (G), then skip_size; training: bptt_size, which is smaller
	 */
	if (!l->spec.rnn.bidirectional)
		return t * g + 2 * t * u + g + skip_size(t, f, u, g);
	/*
	 * both directions' gates, cells and states (prediction), one step's
	 * product, skip_size and the reversed input; backward: bptt_size, one
	 * direction's output gradient, the reversed input and its gradient; last
	 * the reversed mask (T bytes in T floats)
	 */
	return 2 * (t * g + 2 * t * u) + 2 * g + t * u + 2 * t * f + skip_size(t, f, u, g) + t;
}

/* whether step t of row b is padding */
static inline bool
padded(const uint8_t *mask, int b, int t, int T)
{
	return mask && !mask[(size_t) b * T + t];
}

/* at a padded step the states stay: v (U) = the step before's, or 0 at the first */
static inline void
carry(float *v, int t, int U)
{
	if (t == 0)
		memset(v, 0, sizeof(float) * U);
	else
		memcpy(v, v - U, sizeof(float) * U);
}

/* x (rows, g) += b (g) on every row */
static void
add_bias(float *x, const float *b, size_t rows, int g)
{
	for (size_t r = 0; r < rows; r++)
	{
		float	   *restrict xr = x + r * g;

		for (int j = 0; j < g; j++)
			xr[j] += b[j];
	}
}

static void
col_sums(float *sum, const float *x, size_t rows, int g, size_t ld)
{
	for (size_t r = 0; r < rows; r++)
	{
		const float *restrict xr = x + r * ld;

		for (int j = 0; j < g; j++)
			sum[j] += xr[j];
	}
}

/* x (U) += y (U) */
static inline void
add_into(float *restrict x, const float *restrict y, int U)
{
	for (int j = 0; j < U; j++)
		x[j] += y[j];
}

/* y (n, U) = the last step of h (n, T, U), or h itself (return_sequences) */
static void
rnn_output(float *y, const float *h, int n, int T, int U, bool seq)
{
	if (seq)
	{
		if (y != h)
			memcpy(y, h, sizeof(float) * (size_t) n * T * U);
		return;
	}
	for (int b = 0; b < n; b++)
		memcpy(y + (size_t) b * U, h + ((size_t) b * T + T - 1) * U, sizeof(float) * U);
}

/* ---- skipping the padded steps ---- */

/* one pass's view of the mask, and the buffers of skip_size */
typedef struct rnn_steps
{
	const uint8_t *mask;		/* (n, T), or NULL: every step is real */
	bool		skip;			/* padded steps are skipped */
	int			n,
				T;
	size_t		real;			/* the real steps of the batch */
	int		   *rows;			/* (n): the rows computed at a step */
	int		   *lo;				/* (n): each row's first real step (T: none) */
	int		   *hi;				/* (n): its last real step + 1 (0: none) */
	float	   *xp;				/* (real, F): the packed input rows */
	float	   *hc;				/* (n, U): compact states */
	float	   *dhc;			/* (n, U): compact state gradients */
	float	   *gc;				/* (n, G): compact gate rows */
} rnn_steps;

static void
steps_init(rnn_steps *s, float *buf, const uint8_t *mask, int n, int T, int F, int U, int G)
{
	s->mask = mask;
	s->n = n;
	s->T = T;
	s->xp = buf;
	s->hc = s->xp + (size_t) n * T * F;
	s->dhc = s->hc + (size_t) n * U;
	s->gc = s->dhc + (size_t) n * U;
	s->rows = (int *) (s->gc + (size_t) n * G);
	s->lo = s->rows + n;
	s->hi = s->lo + n;
	s->real = 0;
	for (int b = 0; b < n; b++)
	{
		s->lo[b] = mask ? T : 0;
		s->hi[b] = mask ? 0 : T;
		for (int t = 0; mask && t < T; t++)
			if (mask[(size_t) b * T + t])
			{
				if (s->lo[b] == T)
					s->lo[b] = t;
				s->hi[b] = t + 1;
				s->real++;
			}
	}
	if (!mask)
		s->real = (size_t) n * T;
	s->skip = mask && dl_rnn_skip_padding && s->real < (size_t) n * T;
}

/* the rows computed at step t into s->rows, and how many: the real ones, or all */
static int
step_rows(rnn_steps *s, int t)
{
	int			k = 0;

	for (int b = 0; b < s->n; b++)
		if (!s->skip || !padded(s->mask, b, t, s->T))
			s->rows[k++] = b;
	return k;
}

/*
 * Whether a skipped (padded) step t of row b must hold its state: inside
 * the row's real steps, at the step before the first (the zero state the
 * first reads), or everywhere when every state is kept (all)
 */
static inline bool
must_hold(const rnn_steps *s, int b, int t, bool all)
{
	return all || (t >= s->lo[b] - 1 && t < s->hi[b]);
}

/* a skipped step's state v (U) of row b: zero before its first real step, else the step before's */
static inline void
hold(float *v, const rnn_steps *s, int b, int t, int U)
{
	if (t < s->lo[b])
		memset(v, 0, sizeof(float) * U);
	else
		memcpy(v, v - U, sizeof(float) * U);
}

/*
 * Without every state kept, the steps after a row's last real one were
 * not written: its last step (the output, and a bidirectional layer's)
 * gets the state after the last real one
 */
static void
hold_last(const rnn_steps *s, float *h, int U)
{
	size_t		TU = (size_t) s->T * U;

	for (int b = 0; s->skip && b < s->n; b++)
	{
		float	   *last = h + b * TU + (size_t) (s->T - 1) * U;

		if (s->hi[b] == 0)
			memset(last, 0, sizeof(float) * U);
		else if (s->hi[b] < s->T)
			memcpy(last, h + b * TU + (size_t) (s->hi[b] - 1) * U, sizeof(float) * U);
	}
}

/* the real steps' rows of v (n T, w), packed at its start in order (in place) */
static void
pack_rows(const rnn_steps *s, float *v, int w)
{
	size_t		p = 0;

	for (size_t i = 0; i < (size_t) s->n * s->T; i++)
		if (s->mask[i])
		{
			if (p != i)
				memcpy(v + p * w, v + i * w, sizeof(float) * w);
			p++;
		}
}

/* the inverse: v's packed rows back at their steps, the padded ones zero (zero) or left */
static void
unpack_rows(const rnn_steps *s, float *v, int w, bool zero)
{
	size_t		p = s->real;

	for (size_t i = (size_t) s->n * s->T; i-- > 0;)
	{
		if (s->mask[i])
		{
			if (--p != i)
				memcpy(v + i * w, v + p * w, sizeof(float) * w);
		}
		else if (zero)
			memset(v + i * w, 0, sizeof(float) * w);
	}
}

/* x (n T, F): itself, or its real steps' rows packed into s->xp */
static const float *
packed_input(const rnn_steps *s, const float *x, int F)
{
	size_t		p = 0;

	if (!s->skip)
		return x;
	for (size_t i = 0; i < (size_t) s->n * s->T; i++)
		if (s->mask[i])
			memcpy(s->xp + p++ * F, x + i * F, sizeof(float) * F);
	return s->xp;
}

/* gates (n T, G) = x (n T, F) W (F, G) + b at the real steps (all unless packed) */
static void
input_side(const rnn_steps *s, float *gates, const float *x, const float *w, const float *bias,
		   int F, int G)
{
	size_t		rows = s->skip ? s->real : (size_t) s->n * s->T;

	dl_sgemm(false, false, (int) rows, G, F, 1.0f, packed_input(s, x, F), F, w, G, 0.0f, gates, G);
	add_bias(gates, bias, rows, G);
	if (s->skip)
		unpack_rows(s, gates, G, false);
}

/*
 * From the pre-activation gradients dg (n T, G), whose padded steps'
 * rows are zero unless packed (then not read): dW (F, G) += x^T dg, db (G)
 * += its column sums, dx (n T, F) = dg W^T unless NULL (zero at the
 * padded steps).  dg is packed in place.
 */
static void
input_side_back(const rnn_steps *s, float *dx, float *dw, float *db, float *dg, const float *x,
				const float *w, int F, int G)
{
	size_t		rows = s->skip ? s->real : (size_t) s->n * s->T;
	const float *xs = packed_input(s, x, F);

	if (s->skip)
		pack_rows(s, dg, G);
	dl_sgemm(true, false, F, G, (int) rows, 1.0f, xs, F, dg, G, 1.0f, dw, G);
	col_sums(db, dg, rows, G, G);
	if (!dx)
		return;
	dl_sgemm(false, true, (int) rows, F, G, 1.0f, dg, G, w, G, 0.0f, dx, F);
	if (s->skip)
		unpack_rows(s, dx, F, true);
}

/* c (k, w) = the rows s->rows[0..k) of v at step t (v (n, T, w)) */
static void
gather_step(float *c, const rnn_steps *s, const float *v, int t, int k, int w)
{
	for (int i = 0; i < k; i++)
		memcpy(c + (size_t) i * w, v + ((size_t) s->rows[i] * s->T + t) * w, sizeof(float) * w);
}

/*
 * One row's step: the gates' pre-activations (i, f, c, o: four runs of U)
 * activated in place, the cell state c and the hidden state hh from the
 * previous cell state cp (first: none, the zero state).  Separate restrict
 * pointers and a constant first let GCC vectorize the loop.
 */
static inline void
lstm_cell(float *restrict gi, float *restrict gf, float *restrict gc, float *restrict go,
		  float *restrict c, const float *restrict cp, float *restrict hh, int U, bool first)
{
	for (int j = 0; j < U; j++)
	{
		float		i = sigm(gi[j]);
		float		f = sigm(gf[j]);
		float		gg = vtanh(gc[j]);
		float		o = sigm(go[j]);
		float		cv = first ? i * gg : i * gg + f * cp[j];

		gi[j] = i;
		gf[j] = f;
		gc[j] = gg;
		go[j] = o;
		c[j] = cv;
		hh[j] = o * vtanh(cv);
	}
}

/* dl_lstm_forward; all: every step's state is written (else the real ones' and the last) */
static void
lstm_forward(float *y, float *gates, float *cells, float *h, float *tmp,
			 const float *x, const float *p, const uint8_t *mask, int n, int T, int F,
			 int U, bool seq, bool all)
{
	int			G = 4 * U;
	const float *w = p;
	const float *uw = p + (size_t) F * G;
	const float *bias = uw + (size_t) U * G;
	size_t		TG = (size_t) T * G;
	size_t		TU = (size_t) T * U;
	rnn_steps	s;

	steps_init(&s, tmp + (size_t) n * G, mask, n, T, F, U, G);
	/* gates (n T, 4U) = x (n T, F) W (F, 4U) + b */
	input_side(&s, gates, x, w, bias, F, G);
	for (int t = 0; t < T; t++)
	{
		int			k = step_rows(&s, t);

		/* gates[:, t] (n, 4U) += h[:, t-1] (n, U) U (U, 4U), over the rows of the step */
		if (t > 0 && k == n)
			dl_sgemm(false, false, n, G, U, 1.0f, h + (size_t) (t - 1) * U, (int) TU, uw, G,
					 1.0f, gates + (size_t) t * G, (int) TG);
		else if (t > 0 && k > 0)
		{
			gather_step(s.hc, &s, h, t - 1, k, U);
			dl_sgemm(false, false, k, G, U, 1.0f, s.hc, U, uw, G, 0.0f, tmp, G);
			for (int i = 0; i < k; i++)
				add_into(gates + s.rows[i] * TG + (size_t) t * G, tmp + (size_t) i * G, G);
		}
		for (int i = 0; i < k; i++)
		{
			int			b = s.rows[i];
			float	   *g = gates + b * TG + (size_t) t * G;
			float	   *c = cells + b * TU + (size_t) t * U;
			float	   *hh = h + b * TU + (size_t) t * U;

			if (t == 0)
				lstm_cell(g, g + U, g + 2 * U, g + 3 * U, c, NULL, hh, U, true);
			else
				lstm_cell(g, g + U, g + 2 * U, g + 3 * U, c, c - U, hh, U, false);
			if (padded(mask, b, t, T))
			{
				carry(c, t, U);
				carry(hh, t, U);
			}
		}
		for (int b = 0; s.skip && b < n; b++)
			if (padded(mask, b, t, T))
			{
				if (must_hold(&s, b, t, false))
					hold(cells + b * TU + (size_t) t * U, &s, b, t, U);
				if (must_hold(&s, b, t, all))
					hold(h + b * TU + (size_t) t * U, &s, b, t, U);
			}
	}
	if (!all)
		hold_last(&s, h, U);
	rnn_output(y, h, n, T, U, seq);
}

void
dl_lstm_forward(float *y, float *gates, float *cells, float *h, float *tmp,
				const float *x, const float *p, const uint8_t *mask, int n, int T, int F,
				int U, bool seq)
{
	lstm_forward(y, gates, cells, h, tmp, x, p, mask, n, T, F, U, seq, seq);
}

/* the gradient reaching h[b, t] from the layer's output dy */
static inline const float *
dy_at(const float *dy, int b, int t, int T, int U, bool seq)
{
	if (seq)
		return dy + ((size_t) b * T + t) * U;
	return t == T - 1 ? dy + (size_t) b * U : NULL;
}

/*
 * One row's step back: from dh (the gradient reaching h_t) and dc (reaching
 * c_t from the step after, replaced by the one reaching c_{t-1}), the
 * pre-activation gradients of the four gates; i, f, gg, o are the activated
 * gates, c and cp this and the previous cell state (first: none).
 */
static inline void
lstm_cell_back(float *restrict di, float *restrict df, float *restrict dgc, float *restrict dout,
			   const float *restrict dh, float *restrict dc,
			   const float *restrict gi, const float *restrict gf, const float *restrict gc,
			   const float *restrict go, const float *restrict c, const float *restrict cp, int U, bool first)
{
	for (int j = 0; j < U; j++)
	{
		float		i = gi[j],
					f = gf[j],
					gg = gc[j],
					o = go[j];
		float		dhj = dh[j];
		float		tc = vtanh(c[j]);
		float		dcj = dc[j] + dhj * o * (1.0f - tc * tc);

		di[j] = dcj * gg * i * (1.0f - i);
		df[j] = first ? 0.0f : dcj * cp[j] * f * (1.0f - f);
		dgc[j] = dcj * i * (1.0f - gg * gg);
		dout[j] = dhj * tc * o * (1.0f - o);
		dc[j] = dcj * f;
	}
}

void
dl_lstm_backward(float *dx, float *dp, const float *dy, const float *x, const float *p,
				 const float *gates, const float *cells, const float *h, const uint8_t *mask,
				 float *scratch, int n, int T, int F, int U, bool seq)
{
	int			G = 4 * U;
	const float *w = p;
	const float *uw = p + (size_t) F * G;
	float	   *dw = dp;
	float	   *du = dp + (size_t) F * G;
	float	   *db = du + (size_t) U * G;
	size_t		TG = (size_t) T * G;
	size_t		TU = (size_t) T * U;
	float	   *dg = scratch;	/* (n, T, 4U): pre-activation gradients */
	float	   *dh = dg + (size_t) n * TG;	/* (n, U): from the step after */
	float	   *dc = dh + (size_t) n * U;	/* (n, U) */
	float	   *dhp = dc + (size_t) n * U;	/* (n, U): dh of rows padded at this step */
	rnn_steps	s;

	steps_init(&s, dhp + (size_t) n * G, mask, n, T, F, U, G);
	memset(dh, 0, sizeof(float) * 2 * (size_t) n * U);
	for (int t = T - 1; t >= 0; t--)
	{
		int			k = 0;

		for (int b = 0; b < n; b++)
		{
			const float *g = gates + b * TG + (size_t) t * G;
			const float *c = cells + b * TU + (size_t) t * U;
			const float *dyt = dy_at(dy, b, t, T, U, seq);
			float	   *d = dg + b * TG + (size_t) t * G;
			float	   *dhb = dh + (size_t) b * U;
			float	   *dcb = dc + (size_t) b * U;

			if (dyt)
				add_into(dhb, dyt, U);
			if (padded(mask, b, t, T))
			{
				/* h_t = h_{t-1}, c_t = c_{t-1}: dc stays, dh passes after the product */
				if (s.skip)
					continue;
				memset(d, 0, sizeof(float) * G);
				memcpy(dhp + (size_t) b * U, dhb, sizeof(float) * U);
				s.rows[k++] = b;
				continue;
			}
			s.rows[k++] = b;
			if (t == 0)
				lstm_cell_back(d, d + U, d + 2 * U, d + 3 * U, dhb, dcb, g, g + U, g + 2 * U, g + 3 * U,
							   c, NULL, U, true);
			else
				lstm_cell_back(d, d + U, d + 2 * U, d + 3 * U, dhb, dcb, g, g + U, g + 2 * U, g + 3 * U,
							   c, c - U, U, false);
		}
		if (t > 0 && k == n)
		{
			const float *dgt = dg + (size_t) t * G;

			/* dh (n, U) = dg_t (n, 4U) U^T; dU (U, 4U) += h_{t-1}^T dg_t */
			dl_sgemm(false, true, n, U, G, 1.0f, dgt, (int) TG, uw, G, 0.0f, dh, U);
			dl_sgemm(true, false, U, G, n, 1.0f, h + (size_t) (t - 1) * U, (int) TU, dgt, (int) TG,
					 1.0f, du, G);
			for (int b = 0; mask && b < n; b++)
				if (padded(mask, b, t, T))
					memcpy(dh + (size_t) b * U, dhp + (size_t) b * U, sizeof(float) * U);
		}
		else if (t > 0 && k > 0)
		{
			/* the same over the rows of the step, gathered; the others' dh passes */
			gather_step(s.gc, &s, dg, t, k, G);
			gather_step(s.hc, &s, h, t - 1, k, U);
			dl_sgemm(false, true, k, U, G, 1.0f, s.gc, G, uw, G, 0.0f, s.dhc, U);
			dl_sgemm(true, false, U, G, k, 1.0f, s.hc, U, s.gc, G, 1.0f, du, G);
			for (int i = 0; i < k; i++)
				memcpy(dh + (size_t) s.rows[i] * U, s.dhc + (size_t) i * U, sizeof(float) * U);
		}
	}
	/* dW (F, 4U) += x^T dg; db += column sums; dx (n T, F) = dg W^T */
	input_side_back(&s, dx, dw, db, dg, x, w, F, G);
}

/*
 * One row's GRU step: the input side's pre-activations (z, r, n: gz, gr,
 * gn) activated in place, with the recurrent side's (hz, hr, hn: h U + b_h);
 * cn keeps hn for the backward pass; hh from the previous state hp (first:
 * none).  Written, like lstm_cell, so that GCC vectorizes it.
 */
static inline void
gru_cell(float *restrict gz, float *restrict gr, float *restrict gn,
		 const float *restrict hz, const float *restrict hr, const float *restrict hn,
		 float *restrict cn, const float *restrict hp, float *restrict hh, int U, bool first)
{
	for (int j = 0; j < U; j++)
	{
		float		z = sigm(gz[j] + hz[j]);
		float		r = sigm(gr[j] + hr[j]);
		float		nn = vtanh(gn[j] + r * hn[j]);

		gz[j] = z;
		gr[j] = r;
		gn[j] = nn;
		cn[j] = hn[j];
		hh[j] = first ? (1.0f - z) * nn : (1.0f - z) * nn + z * hp[j];
	}
}

/*
 * One row's GRU step back: from dh (reaching h_t; replaced by the part that
 * reaches h_{t-1} directly), the input side's pre-activation gradients (dz,
 * dr, dn) and the recurrent side's (rz, rr, rn); z, r, nn the activated
 * gates, cn the recurrent candidate, hp the previous state (first: none).
 */
static inline void
gru_cell_back(float *restrict dz, float *restrict dr, float *restrict dn,
			  float *restrict rz, float *restrict rr, float *restrict rn, float *restrict dh,
			  const float *restrict gz, const float *restrict gr, const float *restrict gn,
			  const float *restrict cn, const float *restrict hp, int U, bool first)
{
	for (int j = 0; j < U; j++)
	{
		float		z = gz[j],
					r = gr[j],
					nn = gn[j];
		float		dhj = dh[j];
		float		dzj = dhj * ((first ? 0.0f : hp[j]) - nn);
		float		dan = dhj * (1.0f - z) * (1.0f - nn * nn);
		float		daz = dzj * z * (1.0f - z);
		float		dar = dan * cn[j] * r * (1.0f - r);

		dz[j] = daz;
		dr[j] = dar;
		dn[j] = dan;
		rz[j] = daz;
		rr[j] = dar;
		rn[j] = dan * r;
		dh[j] = dhj * z;
	}
}

/* dl_gru_forward; all as lstm_forward's */
static void
gru_forward(float *y, float *gates, float *cand, float *h, float *tmp,
			const float *x, const float *p, const uint8_t *mask, int n, int T, int F,
			int U, bool seq, bool all)
{
	int			G = 3 * U;
	const float *w = p;
	const float *uw = p + (size_t) F * G;
	const float *bx = uw + (size_t) U * G;
	const float *bh = bx + G;
	size_t		TG = (size_t) T * G;
	size_t		TU = (size_t) T * U;
	rnn_steps	s;

	steps_init(&s, tmp + (size_t) n * G, mask, n, T, F, U, G);
	/* gates (n T, 3U) = x W + b_x */
	input_side(&s, gates, x, w, bx, F, G);
	for (int t = 0; t < T; t++)
	{
		int			k = step_rows(&s, t);

		/* tmp (k, 3U) = h[rows, t-1] U + b_h */
		if (t > 0 && k == n)
			dl_sgemm(false, false, n, G, U, 1.0f, h + (size_t) (t - 1) * U, (int) TU, uw, G,
					 0.0f, tmp, G);
		else if (t > 0 && k > 0)
		{
			gather_step(s.hc, &s, h, t - 1, k, U);
			dl_sgemm(false, false, k, G, U, 1.0f, s.hc, U, uw, G, 0.0f, tmp, G);
		}
		else
			memset(tmp, 0, sizeof(float) * (size_t) k * G);
		add_bias(tmp, bh, (size_t) k, G);
		for (int i = 0; i < k; i++)
		{
			int			b = s.rows[i];
			float	   *g = gates + b * TG + (size_t) t * G;
			const float *hg = tmp + (size_t) i * G;
			float	   *cn = cand + b * TU + (size_t) t * U;
			float	   *hh = h + b * TU + (size_t) t * U;

			if (t == 0)
				gru_cell(g, g + U, g + 2 * U, hg, hg + U, hg + 2 * U, cn, NULL, hh, U, true);
			else
				gru_cell(g, g + U, g + 2 * U, hg, hg + U, hg + 2 * U, cn, hh - U, hh, U, false);
			if (padded(mask, b, t, T))
				carry(hh, t, U);
		}
		for (int b = 0; s.skip && b < n; b++)
			if (padded(mask, b, t, T) && must_hold(&s, b, t, all))
				hold(h + b * TU + (size_t) t * U, &s, b, t, U);
	}
	if (!all)
		hold_last(&s, h, U);
	rnn_output(y, h, n, T, U, seq);
}

void
dl_gru_forward(float *y, float *gates, float *cand, float *h, float *tmp,
			   const float *x, const float *p, const uint8_t *mask, int n, int T, int F,
			   int U, bool seq)
{
	gru_forward(y, gates, cand, h, tmp, x, p, mask, n, T, F, U, seq, seq);
}

void
dl_gru_backward(float *dx, float *dp, const float *dy, const float *x, const float *p,
				const float *gates, const float *cand, const float *h, const uint8_t *mask,
				float *scratch, int n, int T, int F, int U, bool seq)
{
	int			G = 3 * U;
	const float *w = p;
	const float *uw = p + (size_t) F * G;
	float	   *dw = dp;
	float	   *du = dp + (size_t) F * G;
	float	   *dbx = du + (size_t) U * G;
	float	   *dbh = dbx + G;
	size_t		TG = (size_t) T * G;
	size_t		TU = (size_t) T * U;
	float	   *dg = scratch;	/* (n, T, 3U): gradients of the input side */
	float	   *dh = dg + (size_t) n * TG;	/* (n, U) */
	float	   *dr = dh + 2 * (size_t) n * U;	/* (k, 3U): of the recurrent side, the step's rows */
	rnn_steps	s;

	steps_init(&s, dr + (size_t) n * G, mask, n, T, F, U, G);
	memset(dh, 0, sizeof(float) * (size_t) n * U);
	for (int t = T - 1; t >= 0; t--)
	{
		int			k = 0;

		for (int b = 0; b < n; b++)
		{
			const float *g = gates + b * TG + (size_t) t * G;
			const float *cn = cand + b * TU + (size_t) t * U;
			const float *dyt = dy_at(dy, b, t, T, U, seq);
			float	   *d = dg + b * TG + (size_t) t * G;
			float	   *drb = dr + (size_t) k * G;
			float	   *dhb = dh + (size_t) b * U;

			if (dyt)
				add_into(dhb, dyt, U);
			if (padded(mask, b, t, T))
			{
				/* h_t = h_{t-1}: dh passes on, the gates get nothing */
				if (s.skip)
					continue;
				memset(d, 0, sizeof(float) * G);
				memset(drb, 0, sizeof(float) * G);
				s.rows[k++] = b;
				continue;
			}
			s.rows[k++] = b;
			if (t == 0)
				gru_cell_back(d, d + U, d + 2 * U, drb, drb + U, drb + 2 * U, dhb, g, g + U, g + 2 * U,
							  cn, NULL, U, true);
			else
				gru_cell_back(d, d + U, d + 2 * U, drb, drb + U, drb + 2 * U, dhb, g, g + U, g + 2 * U,
							  cn, h + b * TU + (size_t) (t - 1) * U, U, false);
		}
		col_sums(dbh, dr, (size_t) k, G, G);
		if (t > 0 && k == n)
		{
			/* dU += h_{t-1}^T dr; dh (n, U) += dr (n, 3U) U^T */
			dl_sgemm(true, false, U, G, n, 1.0f, h + (size_t) (t - 1) * U, (int) TU, dr, G,
					 1.0f, du, G);
			dl_sgemm(false, true, n, U, G, 1.0f, dr, G, uw, G, 1.0f, dh, U);
		}
		else if (t > 0 && k > 0)
		{
			/* the same over the rows of the step, gathered */
			gather_step(s.hc, &s, h, t - 1, k, U);
			dl_sgemm(true, false, U, G, k, 1.0f, s.hc, U, dr, G, 1.0f, du, G);
			dl_sgemm(false, true, k, U, G, 1.0f, dr, G, uw, G, 0.0f, s.dhc, U);
			for (int i = 0; i < k; i++)
				add_into(dh + (size_t) s.rows[i] * U, s.dhc + (size_t) i * U, U);
		}
	}
	input_side_back(&s, dx, dw, dbx, dg, x, w, F, G);
}

/* ---- bidirectional layers ---- */

/* rev (n, T, w) = v with its steps in reverse order */
static void
reverse_steps(float *rev, const float *v, int n, int T, int w)
{
	for (int b = 0; b < n; b++)
		for (int t = 0; t < T; t++)
			memcpy(rev + ((size_t) b * T + t) * w, v + ((size_t) b * T + T - 1 - t) * w,
				   sizeof(float) * w);
}

/* the mask (n, T) of the reversed steps in rev, or NULL without one */
static const uint8_t *
reverse_mask(uint8_t *rev, const uint8_t *mask, int n, int T)
{
	if (!mask)
		return NULL;
	for (int b = 0; b < n; b++)
		for (int t = 0; t < T; t++)
			rev[(size_t) b * T + t] = mask[(size_t) b * T + T - 1 - t];
	return rev;
}

static void
direction_forward(const dl_layer *l, float *gates, float *cells, float *h, float *tmp,
				  const float *x, const float *p, const uint8_t *mask, int n)
{
	int			T = l->in_shape.dim[0],
				F = l->in_shape.dim[1],
				U = l->spec.rnn.units;
	bool		all = l->spec.rnn.return_sequences;

	/* the states in h (every one with return_sequences, else the last too) */
	if (l->spec.type == DL_LAYER_LSTM)
		lstm_forward(h, gates, cells, h, tmp, x, p, mask, n, T, F, U, true, all);
	else
		gru_forward(h, gates, cells, h, tmp, x, p, mask, n, T, F, U, true, all);
}

void
dl_birnn_forward(const dl_layer *l, float *y, float *gates, float *cells, float *h,
				 float *scratch, const float *x, const float *p, const uint8_t *mask,
				 uint8_t *mrev, int n)
{
	int			T = l->in_shape.dim[0],
				F = l->in_shape.dim[1],
				U = l->spec.rnn.units,
				G = dl_rnn_gates(l);
	size_t		ntg = (size_t) n * T * G;
	size_t		ntu = (size_t) n * T * U;
	float	   *tmp = scratch;	/* (n, G), then skip_size: a direction's scratch */
	float	   *xrev = tmp + (size_t) n * (G + skip_size(T, F, U, G));
	const float *pb = p + l->n_params / 2;

	direction_forward(l, gates, cells, h, tmp, x, p, mask, n);
	reverse_steps(xrev, x, n, T, F);
	direction_forward(l, gates + ntg, cells + ntu, h + ntu, tmp, xrev, pb,
					  reverse_mask(mrev, mask, n, T), n);
	/* forward states beside backward ones, both at the step they describe */
	for (int b = 0; b < n; b++)
	{
		const float *hf = h + (size_t) b * T * U;
		const float *hb = h + ntu + (size_t) b * T * U;

		if (!l->spec.rnn.return_sequences)
		{
			/* each direction's last state: the backward one has read step 1 last */
			memcpy(y + (size_t) b * 2 * U, hf + (size_t) (T - 1) * U, sizeof(float) * U);
			memcpy(y + (size_t) b * 2 * U + U, hb + (size_t) (T - 1) * U, sizeof(float) * U);
			continue;
		}
		for (int t = 0; t < T; t++)
		{
			float	   *yt = y + ((size_t) b * T + t) * 2 * U;

			memcpy(yt, hf + (size_t) t * U, sizeof(float) * U);
			memcpy(yt + U, hb + (size_t) (T - 1 - t) * U, sizeof(float) * U);
		}
	}
}

void
dl_birnn_backward(const dl_layer *l, float *dx, float *dp, const float *dy, const float *x,
				  const float *p, const float *gates, const float *cells, const float *h,
				  const uint8_t *mask, uint8_t *mrev, float *scratch, int n)
{
	int			T = l->in_shape.dim[0],
				F = l->in_shape.dim[1],
				U = l->spec.rnn.units,
				G = dl_rnn_gates(l);
	bool		seq = l->spec.rnn.return_sequences;
	size_t		ntg = (size_t) n * T * G;
	size_t		ntu = (size_t) n * T * U;
	size_t		half = l->n_params / 2;
	float	   *bptt = scratch; /* n bptt_size */
	float	   *dyd = bptt + (size_t) n * bptt_size(T, F, U, G);	/* (n, T, U) */
	float	   *xrev = dyd + ntu;	/* (n, T, F) */
	float	   *dxb = xrev + (size_t) n * T * F;	/* (n, T, F) */

	for (int dir = 0; dir < 2; dir++)
	{
		const float *xd = x;
		float	   *dxd = dx;
		const uint8_t *md = mask;

		/* this direction's share of dy, in its own step order */
		for (int b = 0; b < n; b++)
		{
			if (!seq)
			{
				memcpy(dyd + (size_t) b * U, dy + (size_t) b * 2 * U + dir * U, sizeof(float) * U);
				continue;
			}
			for (int t = 0; t < T; t++)
			{
				int			from = dir == 0 ? t : T - 1 - t;

				memcpy(dyd + ((size_t) b * T + t) * U,
					   dy + ((size_t) b * T + from) * 2 * U + dir * U, sizeof(float) * U);
			}
		}
		if (dir == 1)
		{
			reverse_steps(xrev, x, n, T, F);
			xd = xrev;
			dxd = dx ? dxb : NULL;
			md = reverse_mask(mrev, mask, n, T);
		}
		if (l->spec.type == DL_LAYER_LSTM)
			dl_lstm_backward(dxd, dp + dir * half, dyd, xd, p + dir * half, gates + dir * ntg,
							 cells + dir * ntu, h + dir * ntu, md, bptt, n, T, F, U, seq);
		else
			dl_gru_backward(dxd, dp + dir * half, dyd, xd, p + dir * half, gates + dir * ntg,
							cells + dir * ntu, h + dir * ntu, md, bptt, n, T, F, U, seq);
	}
	if (dx)
		for (int b = 0; b < n; b++)
			for (int t = 0; t < T; t++)
			{
				float	   *restrict d = dx + ((size_t) b * T + t) * F;
				const float *restrict e = dxb + ((size_t) b * T + T - 1 - t) * F;

				for (int k = 0; k < F; k++)
					d[k] += e[k];
			}
}

/* ---- the layers ---- */

enum
{
	K_UNITS,
	K_RETURN_SEQUENCES,
	K_BIDIRECTIONAL
};

static const char *const rnn_keys[] = {"units", "return_sequences", "bidirectional"};

static dl_status
rnn_parse_key(dl_layer_spec *s, int key, const dl_json *v, const char *subject)
{
	switch (key)
	{
		case K_UNITS:
			return dl_want_int(v, subject, 1, DL_MAX_UNITS, &s->rnn.units);
		case K_RETURN_SEQUENCES:
			return dl_want_bool(v, subject, &s->rnn.return_sequences);
	}
	return dl_want_bool(v, subject, &s->rnn.bidirectional);
}

static dl_status
rnn_parse_done(dl_layer_spec *s, unsigned given, int pos, bool last)
{
	if (!(given & (1u << K_UNITS)))
		return dl_error(DL_EINVAL, "layer %d (%s): \"units\" is required (the size of the state)",
						pos, dl_layer_type_name(s->type));
	return DL_OK;
}

static void
rnn_to_json(dl_json_buf *b, const dl_layer_spec *s)
{
	dl_json_put_int(b, "units", s->rnn.units);
	dl_json_put_bool(b, "return_sequences", s->rnn.return_sequences);
	/* only when set: the layers of unidirectional models read as before */
	if (s->rnn.bidirectional)
		dl_json_put_bool(b, "bidirectional", true);
}

static void
rnn_write(dl_writer *w, const dl_layer_spec *s)
{
	dl_put_u32(w, (uint32_t) s->rnn.units);
	/* bit 0 return_sequences, bit 1 bidirectional (older models: 0 or 1) */
	dl_put_u8(w, (s->rnn.return_sequences ? 1 : 0) | (s->rnn.bidirectional ? 2 : 0));
}

static dl_status
rnn_read(dl_reader *r, dl_layer_spec *s)
{
	uint8_t		flags = 0;
	dl_status	st;

	if ((st = dl_get_count(r, DL_MAX_UNITS, "a recurrent layer's units", &s->rnn.units)) != DL_OK ||
		(st = dl_get_u8(r, &flags)) != DL_OK)
		return st;
	if (flags > 3)
		return dl_error(DL_EFORMAT, "invalid model: a recurrent layer's flags are %u", flags);
	s->rnn.return_sequences = (flags & 1) != 0;
	s->rnn.bidirectional = (flags & 2) != 0;
	return DL_OK;
}

/* W (F, G), U (U, G), biases: lstm b (G), gru b_x and b_h (G each); twice when bidirectional */
static dl_status
rnn_plan(dl_layer *l, int pos, dl_status bad, int gates, int biases)
{
	const dl_rnn_spec *s = &l->spec.rnn;
	const dl_shape *in = &l->in_shape;
	dl_shape   *out = &l->out_shape;
	const char *name = dl_layer_type_name(l->spec.type);
	size_t		g = (size_t) gates * (size_t) s->units;
	int			dirs = s->bidirectional ? 2 : 1;
	char		buf[64];

	if (in->ndim != 2)
	{
		dl_shape_format(in, buf, sizeof(buf));
		return dl_error(bad, "layer %d (%s): needs a sequence of shape [T, F], got %s (set the input_shape option, or return_sequences on the layer before)",
						pos, name, buf);
	}
	if (s->units < 1 || s->units > DL_MAX_UNITS)
		return dl_error(bad, "layer %d (%s): units must be between 1 and %d",
						pos, name, DL_MAX_UNITS);
	if ((size_t) in->dim[1] + s->units > ((size_t) 1 << 40) / g)
		return dl_error(DL_ELIMIT, "layer %d (%s): too many weights", pos, name);
	l->n_trainable = l->n_params = dirs * g * ((size_t) in->dim[1] + s->units + biases);
	if (s->return_sequences)
		out->dim[1] = s->units * dirs;
	else
	{
		out->ndim = 1;
		out->dim[0] = s->units * dirs;
	}
	return DL_OK;
}

static dl_status
lstm_plan(dl_layer *l, int pos, dl_status bad)
{
	return rnn_plan(l, pos, bad, 4, 1);
}

static dl_status
gru_plan(dl_layer *l, int pos, dl_status bad)
{
	return rnn_plan(l, pos, bad, 3, 2);
}

static bool
rnn_same_layout(const dl_layer_spec *a, const dl_layer_spec *b)
{
	return a->rnn.units == b->rnn.units;
}

/* as Keras: W Glorot-uniform, U orthogonal, biases 0 but (forget_bias) lstm's forget gate 1 */
static void
rnn_init(const dl_network *net, int i, float *p, dl_rng *rng, bool forget_bias)
{
	const dl_layer *l = &net->layers[i];
	int			f = l->in_shape.dim[1];
	int			u = l->spec.rnn.units;
	int			g = dl_rnn_gates(l);
	int			dirs = l->spec.rnn.bidirectional ? 2 : 1;
	size_t		set = l->n_params / dirs;

	for (int d = 0; d < dirs; d++)
	{
		float	   *w = p + d * set;
		float	   *uw = w + (size_t) f * g;
		float	   *b = uw + (size_t) u * g;

		dl_init_weights(w, (size_t) f * g, f, g, DL_ACT_TANH, rng);
		dl_init_orthogonal(uw, u, g, rng);
		memset(b, 0, sizeof(float) * (set - (size_t) (f + u) * g));
		if (forget_bias)
			for (int k = 0; k < u; k++)
				b[u + k] = 1.0f;
	}
}

static void
lstm_init(const dl_network *net, int i, float *p, dl_rng *rng)
{
	rnn_init(net, i, p, rng, true);
}

static void
gru_init(const dl_network *net, int i, float *p, dl_rng *rng)
{
	rnn_init(net, i, p, rng, false);
}

/*
 * The scratch: prediction's states, training's BPTT; kept: the gates, the
 * cells (gru: candidates) and, unless they are the output, the states
 */
enum
{
	KEEP_GATES,
	KEEP_CELLS,
	KEEP_STATES
};

static void
rnn_memory(const dl_layer *l, size_t max_batch, bool training, dl_layer_mem *m)
{
	/* a bidirectional layer keeps both directions, and its states apart from y */
	size_t		dirs = l->spec.rnn.bidirectional ? 2 : 1;
	size_t		tu = dl_times(dirs * max_batch, dl_times(l->in_shape.dim[0], l->spec.rnn.units));

	m->scratch = dl_times(max_batch, dl_rnn_scratch_size(l));
	m->keep[KEEP_GATES] = dl_times(dirs * max_batch,
								   dl_times(l->in_shape.dim[0], dl_rnn_gates(l)));
	m->keep[KEEP_CELLS] = tu;
	if (!l->spec.rnn.return_sequences || l->spec.rnn.bidirectional)
		m->keep[KEEP_STATES] = tu;
}

/* the passes of one direction of an lstm or a gru (the same arguments) */
typedef void (*rnn_forward_fn) (float *y, float *gates, float *cells, float *h, float *tmp,
								const float *x, const float *p, const uint8_t *mask, int n,
								int T, int F, int U, bool seq);
typedef void (*rnn_backward_fn) (float *dx, float *dp, const float *dy, const float *x,
								 const float *p, const float *gates, const float *cells,
								 const float *h, const uint8_t *mask, float *scratch, int n,
								 int T, int F, int U, bool seq);

/* a bidirectional layer's reversed mask: the last T floats a row of its scratch */
static uint8_t *
reversed_mask_buffer(const dl_layer *l, const dl_pass *c)
{
	return (uint8_t *) (c->ws->scratch +
						(size_t) c->n * (dl_rnn_scratch_size(l) - (size_t) l->in_shape.dim[0]));
}

static const float *
rnn_forward(const dl_layer *l, const dl_pass *c, const float *x, float *y, rnn_forward_fn cell)
{
	int			n = c->n;
	int			T = l->in_shape.dim[0];
	int			F = l->in_shape.dim[1];
	int			U = l->spec.rnn.units;
	bool		seq = l->spec.rnn.return_sequences;
	size_t		ntu = (size_t) n * T * U;
	float	   *scratch = c->ws->scratch;
	float	   *gates,
			   *cells,
			   *h,
			   *tmp;

	if (l->spec.rnn.bidirectional)
	{
		if (c->lw)
			dl_birnn_forward(l, y, c->lw->keep[KEEP_GATES], c->lw->keep[KEEP_CELLS],
							 c->lw->keep[KEEP_STATES], scratch, x, c->p, c->mask,
							 reversed_mask_buffer(l, c), n);
		else
		{
			/* scratch: both directions' gates, cells and states, then the rest */
			gates = scratch;
			cells = gates + 2 * (size_t) n * T * dl_rnn_gates(l);
			h = cells + 2 * ntu;
			dl_birnn_forward(l, y, gates, cells, h, h + 2 * ntu, x, c->p, c->mask,
							 reversed_mask_buffer(l, c), n);
		}
		return y;
	}
	if (c->lw)
	{
		gates = c->lw->keep[KEEP_GATES];
		cells = c->lw->keep[KEEP_CELLS];
		h = seq ? y : c->lw->keep[KEEP_STATES];
		tmp = scratch;
	}
	else
	{
		/* scratch: gates, cells, states, one step's product */
		gates = scratch;
		cells = gates + (size_t) n * T * dl_rnn_gates(l);
		h = seq ? y : cells + ntu;
		tmp = cells + 2 * ntu;
	}
	cell(y, gates, cells, h, tmp, x, c->p, c->mask, n, T, F, U, seq);
	return y;
}

static float *
rnn_backward(const dl_layer *l, const dl_pass *c, float *dy, float *dx, rnn_backward_fn cell)
{
	const dl_layer_ws *lw = c->lw;
	int			T = l->in_shape.dim[0];
	int			F = l->in_shape.dim[1];
	bool		seq = l->spec.rnn.return_sequences;
	const float *h = seq ? lw->buf : lw->keep[KEEP_STATES];
	float	   *dxo = c->need_dx ? dx : NULL;

	if (l->spec.rnn.bidirectional)
		dl_birnn_backward(l, dxo, c->g, dy, lw->in, c->p, lw->keep[KEEP_GATES],
						  lw->keep[KEEP_CELLS], lw->keep[KEEP_STATES], c->mask,
						  reversed_mask_buffer(l, c), c->ws->scratch, c->n);
	else
		cell(dxo, c->g, dy, lw->in, c->p, lw->keep[KEEP_GATES], lw->keep[KEEP_CELLS], h,
			 c->mask, c->ws->scratch, c->n, T, F, l->spec.rnn.units, seq);
	return dx;
}

static const float *
lstm_layer_forward(const dl_layer *l, const dl_pass *c, const float *x, float *y)
{
	return rnn_forward(l, c, x, y, dl_lstm_forward);
}

static float *
lstm_layer_backward(const dl_layer *l, const dl_pass *c, float *dy, float *dx)
{
	return rnn_backward(l, c, dy, dx, dl_lstm_backward);
}

static const float *
gru_layer_forward(const dl_layer *l, const dl_pass *c, const float *x, float *y)
{
	return rnn_forward(l, c, x, y, dl_gru_forward);
}

static float *
gru_layer_backward(const dl_layer *l, const dl_pass *c, float *dy, float *dx)
{
	return rnn_backward(l, c, dy, dx, dl_gru_backward);
}

const dl_layer_ops dl_lstm_ops = {
	.name = "lstm",
	.keys = rnn_keys,
	.n_keys = DL_LENGTH(rnn_keys),
	.parse_key = rnn_parse_key,
	.parse_done = rnn_parse_done,
	.to_json = rnn_to_json,
	.write = rnn_write,
	.read = rnn_read,
	.plan = lstm_plan,
	.same_layout = rnn_same_layout,
	.init = lstm_init,
	.memory = rnn_memory,
	.keeps_mask = true,
	.forward = lstm_layer_forward,
	.backward = lstm_layer_backward
};

const dl_layer_ops dl_gru_ops = {
	.name = "gru",
	.keys = rnn_keys,
	.n_keys = DL_LENGTH(rnn_keys),
	.parse_key = rnn_parse_key,
	.parse_done = rnn_parse_done,
	.to_json = rnn_to_json,
	.write = rnn_write,
	.read = rnn_read,
	.plan = gru_plan,
	.same_layout = rnn_same_layout,
	.init = gru_init,
	.memory = rnn_memory,
	.keeps_mask = true,
	.forward = gru_layer_forward,
	.backward = gru_layer_backward
};
