/*-------------------------------------------------------------------------
 *
 * kmeans.c
 *	  k-means (k-means++ or random initialisation, Lloyd iterations) and
 *	  the silhouette score.
 *
 * Distances.  The nearest centre of a row x minimises ||c||^2 - 2 x.c, and
 * x.c for a block of DL_KMEANS_BLOCK rows against every centre is one sgemm
 * (rows x d times d x k): that is where the time goes, and the BLAS does it
 * at full speed.  Everything else is linear in n d: the centroid sums are
 * accumulated in double (float32 sums of 60,000 pixels would lose digits),
 * and ||x||^2 is summed in the same loop, so a pass reads each row once
 * while it is still in cache from the sgemm.  The formula cancels badly
 * when x is close to c; where that matters the code recomputes the distance
 * from the differences in double: always in the final pass (the reported
 * SSE is exact, not the formula's), and in k-means++ for distances below
 * a small fraction of ||x||^2 + ||c||^2 (so that a row equal to a chosen
 * centre has weight exactly 0, and "fewer distinct rows than k" is
 * detected exactly).
 *
 * k-means++ is scikit-learn's greedy variant: the first centre is a
 * uniformly drawn row; each next one is the best, by the resulting
 * potential (the sum of squared distances to the nearest centre), of
 * 2 + floor(ln k) rows drawn with probability proportional to their
 * squared distance.  When the potential is 0 before k centres are chosen,
 * every row equals a chosen centre: the data has fewer distinct rows than
 * k, which is an error (DL_EINVAL) rather than duplicate centres.
 *
 * Empty clusters after a Lloyd pass (possible with random initialisation or
 * outliers) are re-seeded as scikit-learn does: each takes, in decreasing
 * order of distance, one of the k rows of that pass farthest from their own
 * centre, which leaves its old cluster (never a cluster's only row).  The
 * pass keeps those k rows in a small min-heap, so this works in streaming
 * passes too.
 *
 * Convergence: after each pass the centres move to the means; the run stops
 * when the sum of the squared movements is at most tol x the mean feature
 * variance (scikit-learn's tolerance; with tol = 0 only when nothing
 * moves, i.e. the assignments no longer change), or after max_iter passes.
 * A final pass then assigns every row to the final centres and computes the
 * SSE exactly.
 *
 * src/core/kmeans.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "blas.h"
#include "pgdl_core.h"
#include "rng.h"

/*
 * Sums over a row in eight independent accumulators: a single running sum
 * is one long chain of dependent additions (the compiler may not reorder
 * floating-point additions without -ffast-math), eight let it overlap them
 * and use vector registers.  The order is fixed, so results stay
 * reproducible.
 */
static inline double
sum8(const double *acc)
{
	return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

/* ||a||^2 of a float row, in double */
static double
row_norm2(const float *a, int d)
{
	double		acc[8] = {0};
	int			t = 0;

	for (; t + 8 <= d; t += 8)
		for (int u = 0; u < 8; u++)
			acc[u] += (double) a[t + u] * a[t + u];
	for (; t < d; t++)
		acc[0] += (double) a[t] * a[t];
	return sum8(acc);
}

/* ||a - c||^2 of a float row and a double centre, in double */
static double
dist2_row_center(const float *a, const double *c, int d)
{
	double		acc[8] = {0};
	int			t = 0;

	for (; t + 8 <= d; t += 8)
		for (int u = 0; u < 8; u++)
		{
			double		e = (double) a[t + u] - c[t + u];

			acc[u] += e * e;
		}
	for (; t < d; t++)
	{
		double		e = (double) a[t] - c[t];

		acc[0] += e * e;
	}
	return sum8(acc);
}

void
dl_kmeans_options_defaults(dl_kmeans_options *o)
{
	memset(o, 0, sizeof(*o));
	o->k = 8;
	o->init = DL_KMEANS_PLUSPLUS;
	o->max_iter = 300;
	o->tol = 1e-4;
	o->n_init = 1;
	o->seed = 0;
}

uint64_t
dl_kmeans_run_seed(uint64_t seed, int run)
{
	/* dl_rng_seed mixes the seed through splitmix64: a plain offset is enough */
	return seed + (uint64_t) run * UINT64_C(0x9E3779B97F4A7C15);
}

/* ---- the Lloyd state ---------------------------------------------------------- */

dl_status
dl_kmeans_create(dl_kmeans *km, int k, int d)
{
	size_t		kd;

	memset(km, 0, sizeof(*km));
	if (k < 1 || k > DL_KMEANS_MAX_K)
		return dl_error(DL_EINVAL, "k must be between 1 and %d, got %d", DL_KMEANS_MAX_K, k);
	if (d < 1)
		return dl_error(DL_EDIM, "k-means needs at least one feature");
	if (dl_size_mul_add((size_t) k, (size_t) d, 0, &kd) != DL_OK)
		return DL_ELIMIT;
	km->k = k;
	km->d = d;
	km->centers = dl_alloc(sizeof(double) * kd);
	km->centers_f = dl_alloc(sizeof(float) * kd);
	km->cnorm = dl_alloc(sizeof(double) * k);
	km->sums = dl_alloc(sizeof(double) * kd);
	km->counts = dl_alloc(sizeof(double) * k);
	km->sse = dl_alloc(sizeof(double) * k);
	km->far_x = dl_alloc(sizeof(float) * kd);
	km->far_dist = dl_alloc(sizeof(double) * k);
	km->far_label = dl_alloc(sizeof(int) * k);
	km->gbuf = dl_alloc(sizeof(float) * DL_KMEANS_BLOCK * (size_t) k);
	memset(km->centers, 0, sizeof(double) * kd);
	return DL_OK;
}

void
dl_kmeans_free(dl_kmeans *km)
{
	if (km->centers == NULL)
		return;
	dl_free(km->centers);
	dl_free(km->centers_f);
	dl_free(km->cnorm);
	dl_free(km->sums);
	dl_free(km->counts);
	dl_free(km->sse);
	dl_free(km->far_x);
	dl_free(km->far_dist);
	dl_free(km->far_label);
	dl_free(km->gbuf);
	memset(km, 0, sizeof(*km));
}

/* centers_f and cnorm from centers */
static void
refresh_centers(dl_kmeans *km)
{
	for (int j = 0; j < km->k; j++)
	{
		const double *c = km->centers + (size_t) j * km->d;
		float	   *cf = km->centers_f + (size_t) j * km->d;
		double		s = 0;

		for (int t = 0; t < km->d; t++)
		{
			cf[t] = (float) c[t];
			s += (double) cf[t] * cf[t];
		}
		km->cnorm[j] = s;
	}
}

void
dl_kmeans_set_centers(dl_kmeans *km, const double *centers)
{
	memcpy(km->centers, centers, sizeof(double) * km->k * (size_t) km->d);
	refresh_centers(km);
}

void
dl_kmeans_pass_begin(dl_kmeans *km)
{
	size_t		kd = (size_t) km->k * km->d;

	memset(km->sums, 0, sizeof(double) * kd);
	memset(km->counts, 0, sizeof(double) * km->k);
	memset(km->sse, 0, sizeof(double) * km->k);
	km->n_far = 0;
}

/* swaps entries i and j of the farthest-rows heap */
static void
far_swap(dl_kmeans *km, int i, int j)
{
	int			d = km->d;
	double		td = km->far_dist[i];
	int			tl = km->far_label[i];

	km->far_dist[i] = km->far_dist[j];
	km->far_label[i] = km->far_label[j];
	km->far_dist[j] = td;
	km->far_label[j] = tl;
	for (int t = 0; t < d; t++)
	{
		float		v = km->far_x[(size_t) i * d + t];

		km->far_x[(size_t) i * d + t] = km->far_x[(size_t) j * d + t];
		km->far_x[(size_t) j * d + t] = v;
	}
}

/* the min-heap of the k farthest rows: sift down from i */
static void
far_sift_down(dl_kmeans *km, int i)
{
	int			n = km->n_far;

	for (;;)
	{
		int			l = 2 * i + 1,
					r = l + 1,
					m = i;

		if (l < n && km->far_dist[l] < km->far_dist[m])
			m = l;
		if (r < n && km->far_dist[r] < km->far_dist[m])
			m = r;
		if (m == i)
			return;
		far_swap(km, i, m);
		i = m;
	}
}

static void
far_offer(dl_kmeans *km, const float *x, double dist, int label)
{
	int			d = km->d;

	if (km->n_far < km->k)
	{
		int			i = km->n_far++;

		memcpy(km->far_x + (size_t) i * d, x, sizeof(float) * d);
		km->far_dist[i] = dist;
		km->far_label[i] = label;
		/* sift up */
		while (i > 0 && km->far_dist[(i - 1) / 2] > km->far_dist[i])
		{
			far_swap(km, i, (i - 1) / 2);
			i = (i - 1) / 2;
		}
		return;
	}
	if (dist <= km->far_dist[0])
		return;
	memcpy(km->far_x, x, sizeof(float) * d);
	km->far_dist[0] = dist;
	km->far_label[0] = label;
	far_sift_down(km, 0);
}

/*
 * The nearest centre of a row from g = x . centers_f (k values): the lowest
 * ||c||^2 - 2 x.c, ties to the lowest id; that value in *bv
 */
static inline int
nearest_center(const dl_kmeans *km, const float *g, double *bv)
{
	int			best = 0;
	double		b = km->cnorm[0] - 2.0 * (double) g[0];

	for (int j = 1; j < km->k; j++)
	{
		double		v = km->cnorm[j] - 2.0 * (double) g[j];

		if (v < b)
		{
			b = v;
			best = j;
		}
	}
	*bv = b;
	return best;
}

void
dl_kmeans_pass_block(dl_kmeans *km, const float *x, size_t n, bool final, int32_t *labels)
{
	int			k = km->k;
	int			d = km->d;

	for (size_t start = 0; start < n; start += DL_KMEANS_BLOCK)
	{
		int			nb = (int) (n - start < DL_KMEANS_BLOCK ? n - start : DL_KMEANS_BLOCK);
		const float *xb = x + start * (size_t) d;

		dl_check_interrupts();
		/* g (nb x k) = xb (nb x d) centers_f^T (d x k) */
		dl_sgemm(false, true, nb, k, d, 1.0f, xb, d, km->centers_f, d, 0.0f, km->gbuf, k);
		for (int i = 0; i < nb; i++)
		{
			const float *xi = xb + (size_t) i * d;
			double		bv;
			int			best = nearest_center(km, km->gbuf + (size_t) i * k, &bv);

			km->counts[best] += 1.0;
			if (labels)
				labels[start + i] = best;
			if (final)
			{
				km->sse[best] += dist2_row_center(xi, km->centers + (size_t) best * d, d);
			}
			else
			{
				double	   *sum = km->sums + (size_t) best * d;
				double		dist;

				for (int t = 0; t < d; t++)
					sum[t] += (double) xi[t];
				dist = row_norm2(xi, d) + bv;
				if (dist < 0)
					dist = 0;
				km->sse[best] += dist;
				far_offer(km, xi, dist, best);
			}
		}
	}
}

int
dl_kmeans_add_row(dl_kmeans *km, const float *x, bool final, double *sums, double *counts,
				  double *sse)
{
	int			k = km->k;
	int			d = km->d;
	int			best;
	double		bv;

	/* the assignment of dl_kmeans_pass_block, for one row */
	dl_sgemm(false, true, 1, k, d, 1.0f, x, d, km->centers_f, d, 0.0f, km->gbuf, k);
	best = nearest_center(km, km->gbuf, &bv);
	counts[best] += 1.0;
	if (final)
		sse[best] += dist2_row_center(x, km->centers + (size_t) best * d, d);
	else
	{
		double	   *sum = sums + (size_t) best * d;
		double		dist = row_norm2(x, d) + bv;

		for (int t = 0; t < d; t++)
			sum[t] += (double) x[t];
		sse[best] += dist < 0 ? 0 : dist;
	}
	return best;
}

void
dl_kmeans_pass_end(dl_kmeans *km, double *shift)
{
	int			k = km->k;
	int			d = km->d;
	double		total = 0;
	int			next_far;

	/* the farthest rows, farthest first (heap sort of the min-heap) */
	{
		int			n = km->n_far;

		while (km->n_far > 1)
		{
			int			last = km->n_far - 1;

			/* move the minimum to the end */
			far_swap(km, 0, last);
			km->n_far--;
			far_sift_down(km, 0);
		}
		km->n_far = n;			/* now in decreasing order of distance */
	}
	next_far = 0;
	for (int j = 0; j < k; j++)
	{
		if (km->counts[j] > 0)
			continue;
		while (next_far < km->n_far)
		{
			int			f = next_far++;
			int			a = km->far_label[f];
			const float *p = km->far_x + (size_t) f * d;
			double	   *sa = km->sums + (size_t) a * d;
			double	   *sj = km->sums + (size_t) j * d;

			if (km->counts[a] <= 1 || km->far_dist[f] <= 0)
				continue;
			for (int t = 0; t < d; t++)
			{
				sa[t] -= (double) p[t];
				sj[t] = (double) p[t];
			}
			km->counts[a] -= 1;
			km->counts[j] = 1;
			km->sse[a] -= km->far_dist[f];
			km->reseeded++;
			break;
		}
		/* no row left to take: the centre stays where it is */
	}
	for (int j = 0; j < k; j++)
	{
		double	   *c = km->centers + (size_t) j * d;
		const double *s = km->sums + (size_t) j * d;
		double		inv;

		if (km->counts[j] <= 0)
			continue;
		inv = 1.0 / km->counts[j];
		for (int t = 0; t < d; t++)
		{
			double		v = s[t] * inv;
			double		e = v - c[t];

			total += e * e;
			c[t] = v;
		}
	}
	refresh_centers(km);
	*shift = total;
}

/* ---- column statistics --------------------------------------------------------- */

dl_status
dl_colstats_create(dl_colstats *cs, int d)
{
	memset(cs, 0, sizeof(*cs));
	if (d < 1)
		return dl_error(DL_EDIM, "at least one feature is needed");
	cs->d = d;
	cs->shift = dl_alloc(sizeof(double) * d * 3);
	cs->s1 = cs->shift + d;
	cs->s2 = cs->s1 + d;
	memset(cs->shift, 0, sizeof(double) * d * 3);
	return DL_OK;
}

void
dl_colstats_free(dl_colstats *cs)
{
	if (cs->shift)
		dl_free(cs->shift);
	memset(cs, 0, sizeof(*cs));
}

dl_status
dl_colstats_add(dl_colstats *cs, const float *x, size_t n, size_t first_row)
{
	int			d = cs->d;

	bool		finite = true;

	if (n > 0 && cs->n == 0)
		for (int t = 0; t < d; t++)
			cs->shift[t] = x[t];
	for (size_t i = 0; i < n; i++)
	{
		const float *xi = x + i * (size_t) d;

		for (int t = 0; t < d; t++)
		{
			double		v = (double) xi[t] - cs->shift[t];

			cs->s1[t] += v;
			cs->s2[t] += v * v;
		}
	}
	cs->n += (double) n;

	/*
	 * A NaN or infinity makes its feature's sum of squares non-finite (finite
	 * float32 values cannot overflow it): checking the sums once per call
	 * keeps the loop above free of branches; only then are the rows searched.
	 */
	for (int t = 0; t < d; t++)
		finite &= isfinite(cs->s2[t]);
	if (!finite)
		for (size_t i = 0; i < n; i++)
			for (int t = 0; t < d; t++)
				if (!isfinite(x[i * (size_t) d + t]))
					return dl_error(DL_EINVAL, "feature %d of row %zu is %s: k-means needs finite values",
									t + 1, first_row + i + 1,
									isnan(x[i * (size_t) d + t]) ? "NaN" : "infinite");
	return DL_OK;
}

void
dl_colstats_get(const dl_colstats *cs, double *mean, double *var)
{
	for (int t = 0; t < cs->d; t++)
	{
		double		m = cs->n > 0 ? cs->s1[t] / cs->n : 0;
		double		v = cs->n > 0 ? cs->s2[t] / cs->n - m * m : 0;

		if (mean)
			mean[t] = cs->shift[t] + m;
		if (var)
			var[t] = v > 0 ? v : 0;
	}
}

double
dl_colstats_mean_variance(const dl_colstats *cs)
{
	double		s = 0;

	for (int t = 0; t < cs->d; t++)
	{
		double		m = cs->n > 0 ? cs->s1[t] / cs->n : 0;
		double		v = cs->n > 0 ? cs->s2[t] / cs->n - m * m : 0;

		s += v > 0 ? v : 0;
	}
	return s / cs->d;
}

/* ---- initialisation ---------------------------------------------------------------- */

static bool
same_row(const float *a, const double *c, int d)
{
	for (int t = 0; t < d; t++)
		if ((double) a[t] != c[t])
			return false;
	return true;
}

static double
exact_dist2(const float *a, const float *b, int d)
{
	double		s = 0;

	for (int t = 0; t < d; t++)
	{
		double		e = (double) a[t] - (double) b[t];

		s += e * e;
	}
	return s;
}

/*
 * Squared distances of every row of x to the m rows cand (m x d) into out
 * (n x m): the sgemm formula, recomputed from the differences where it
 * cancels (below 1e-4 of ||x||^2 + ||c||^2, far above float32 rounding).
 */
static void
dist2_to_rows(const float *x, const double *xnorm, size_t n, int d, const float *cand,
			  int m, const double *cnorm, float *gbuf, double *out)
{
	for (size_t start = 0; start < n; start += DL_KMEANS_BLOCK)
	{
		int			nb = (int) (n - start < DL_KMEANS_BLOCK ? n - start : DL_KMEANS_BLOCK);
		const float *xb = x + start * (size_t) d;

		dl_check_interrupts();
		dl_sgemm(false, true, nb, m, d, 1.0f, xb, d, cand, d, 0.0f, gbuf, m);
		for (int i = 0; i < nb; i++)
			for (int j = 0; j < m; j++)
			{
				double		xn = xnorm[start + i];
				double		v = xn + cnorm[j] - 2.0 * (double) gbuf[(size_t) i * m + j];

				if (v < 1e-4 * (xn + cnorm[j]))
					v = exact_dist2(xb + (size_t) i * d, cand + (size_t) j * d, d);
				out[(start + i) * m + j] = v;
			}
	}
}

/* the first index whose cumulative weight exceeds r (weights >= 0, total > r) */
static size_t
pick_weighted(const double *w, size_t n, double r)
{
	double		acc = 0;
	size_t		last = 0;

	for (size_t i = 0; i < n; i++)
	{
		if (w[i] <= 0)
			continue;
		acc += w[i];
		last = i;
		if (acc > r)
			return i;
	}
	return last;				/* rounding: the last row of positive weight */
}

static dl_status
too_few_distinct(int found, int k, size_t n)
{
	return dl_error(DL_EINVAL, "k (%d) is larger than the number of distinct rows (%d of %zu rows)",
					k, found, n);
}

static dl_status
seed_plusplus(dl_kmeans *km, const float *x, size_t n, dl_rng *rng)
{
	int			k = km->k;
	int			d = km->d;
	int			trials = 2 + (int) log((double) k);
	double	   *xnorm = dl_alloc(sizeof(double) * n);
	double	   *closest = dl_alloc(sizeof(double) * n);
	double	   *cand_d = dl_alloc(sizeof(double) * n * (size_t) trials);
	float	   *cand = dl_alloc(sizeof(float) * (size_t) trials * d);
	double	   *cand_norm = dl_alloc(sizeof(double) * trials);
	float	   *gbuf = dl_alloc(sizeof(float) * DL_KMEANS_BLOCK * (size_t) trials);
	size_t	   *cand_id = dl_alloc(sizeof(size_t) * trials);
	double		pot = 0;
	size_t		first;
	dl_status	st = DL_OK;

	for (size_t i = 0; i < n; i++)
		xnorm[i] = row_norm2(x + i * (size_t) d, d);
	first = (size_t) dl_rng_below(rng, n);
	for (int t = 0; t < d; t++)
		km->centers[t] = x[first * d + t];
	memcpy(cand, x + first * d, sizeof(float) * d);
	cand_norm[0] = xnorm[first];
	dist2_to_rows(x, xnorm, n, d, cand, 1, cand_norm, gbuf, closest);
	for (size_t i = 0; i < n; i++)
		pot += closest[i];

	for (int c = 1; c < k; c++)
	{
		int			best = 0;
		double		best_pot = INFINITY;

		if (!(pot > 0))
		{
			st = too_few_distinct(c, k, n);
			goto done;
		}
		for (int j = 0; j < trials; j++)
		{
			cand_id[j] = pick_weighted(closest, n, dl_rng_uniform(rng) * pot);
			memcpy(cand + (size_t) j * d, x + cand_id[j] * d, sizeof(float) * d);
			cand_norm[j] = xnorm[cand_id[j]];
		}
		dist2_to_rows(x, xnorm, n, d, cand, trials, cand_norm, gbuf, cand_d);
		for (int j = 0; j < trials; j++)
		{
			double		p = 0;

			for (size_t i = 0; i < n; i++)
			{
				double		v = cand_d[i * trials + j];

				p += v < closest[i] ? v : closest[i];
			}
			if (p < best_pot)
			{
				best_pot = p;
				best = j;
			}
		}
		for (size_t i = 0; i < n; i++)
		{
			double		v = cand_d[i * trials + best];

			if (v < closest[i])
				closest[i] = v;
		}
		pot = 0;
		for (size_t i = 0; i < n; i++)
			pot += closest[i];
		for (int t = 0; t < d; t++)
			km->centers[(size_t) c * d + t] = x[cand_id[best] * d + t];
	}
done:
	dl_free(xnorm);
	dl_free(closest);
	dl_free(cand_d);
	dl_free(cand);
	dl_free(cand_norm);
	dl_free(gbuf);
	dl_free(cand_id);
	return st;
}

static dl_status
seed_random(dl_kmeans *km, const float *x, size_t n, dl_rng *rng)
{
	int			k = km->k;
	int			d = km->d;
	uint32_t   *perm;
	int			found = 0;

	if (n > UINT32_MAX)
		return dl_error(DL_ELIMIT, "random initialisation handles at most %u rows", UINT32_MAX);
	perm = dl_alloc(sizeof(uint32_t) * n);
	for (size_t i = 0; i < n; i++)
		perm[i] = (uint32_t) i;
	/* a partial Fisher-Yates shuffle: draw rows until k distinct ones */
	for (size_t i = 0; i < n && found < k; i++)
	{
		size_t		j = i + (size_t) dl_rng_below(rng, n - i);
		uint32_t	r = perm[j];
		const float *row;
		bool		dup = false;

		perm[j] = perm[i];
		perm[i] = r;
		row = x + (size_t) r * d;
		for (int c = 0; c < found && !dup; c++)
			dup = same_row(row, km->centers + (size_t) c * d, d);
		if (dup)
			continue;
		for (int t = 0; t < d; t++)
			km->centers[(size_t) found * d + t] = row[t];
		found++;
		if ((i & 1023) == 0)
			dl_check_interrupts();
	}
	dl_free(perm);
	if (found < k)
		return too_few_distinct(found, k, n);
	return DL_OK;
}

dl_status
dl_kmeans_seed_centers(dl_kmeans *km, const float *x, size_t n,
					   dl_kmeans_init_method init, uint64_t rng_seed)
{
	dl_rng		rng;
	dl_status	st;

	if (n == 0)
		return dl_error(DL_EINVAL, "k-means needs at least one row");
	if ((size_t) km->k > n)
		return dl_error(DL_EINVAL, "k (%d) is larger than the number of rows (%zu)", km->k, n);
	dl_rng_seed(&rng, rng_seed);
	if (init == DL_KMEANS_PLUSPLUS)
		st = seed_plusplus(km, x, n, &rng);
	else if (init == DL_KMEANS_RANDOM)
		st = seed_random(km, x, n, &rng);
	else
		return dl_error(DL_EINVAL, "unknown k-means initialisation %d", (int) init);
	if (st != DL_OK)
		return st;
	refresh_centers(km);
	return DL_OK;
}

/* ---- the in-memory fit ---------------------------------------------------------------- */

void
dl_kmeans_result_free(dl_kmeans_result *r)
{
	if (r->centers)
		dl_free(r->centers);
	memset(r, 0, sizeof(*r));
}

dl_status
dl_kmeans_fit(const float *x, size_t n, int d, const dl_kmeans_options *o,
			  dl_kmeans_result *r, int32_t *labels)
{
	dl_kmeans	km;
	dl_colstats cs;
	dl_status	st;
	double		tol_abs;
	int32_t    *run_labels = NULL;
	int			k = o->k;

	memset(r, 0, sizeof(*r));
	if (o->max_iter < 1)
		return dl_error(DL_EINVAL, "max_iter must be at least 1, got %d", o->max_iter);
	if (o->n_init < 1)
		return dl_error(DL_EINVAL, "n_init must be at least 1, got %d", o->n_init);
	if (!(o->tol >= 0) || !isfinite(o->tol))
		return dl_error(DL_EINVAL, "tol must be a number >= 0, got %g", o->tol);
	if (n == 0)
		return dl_error(DL_EINVAL, "k-means needs at least one row");
	if ((st = dl_colstats_create(&cs, d)) != DL_OK)
		return st;
	st = dl_colstats_add(&cs, x, n, 0);
	tol_abs = o->tol * dl_colstats_mean_variance(&cs);
	dl_colstats_free(&cs);
	if (st != DL_OK)
		return st;
	if ((st = dl_kmeans_create(&km, k, d)) != DL_OK)
		return st;

	r->k = k;
	r->d = d;
	r->centers = dl_alloc(sizeof(double) * (size_t) k * (d + 2));
	r->sizes = r->centers + (size_t) k * d;
	r->sse = r->sizes + k;
	r->total_sse = INFINITY;
	if (labels && o->n_init > 1)
		run_labels = dl_alloc(sizeof(int32_t) * n);

	for (int run = 0; run < o->n_init; run++)
	{
		int			it = 0;
		bool		converged = false;
		double		total = 0;
		int32_t    *lab = run_labels ? run_labels : labels;

		km.reseeded = 0;
		if ((st = dl_kmeans_seed_centers(&km, x, n, o->init, dl_kmeans_run_seed(o->seed, run))) != DL_OK)
			break;
		while (it < o->max_iter)
		{
			double		shift;

			dl_kmeans_pass_begin(&km);
			dl_kmeans_pass_block(&km, x, n, false, NULL);
			dl_kmeans_pass_end(&km, &shift);
			it++;
			if (shift <= tol_abs)
			{
				converged = true;
				break;
			}
		}
		dl_kmeans_pass_begin(&km);
		dl_kmeans_pass_block(&km, x, n, true, lab);
		for (int j = 0; j < k; j++)
			total += km.sse[j];
		/* strictly less: the first of equal runs is kept */
		if (total < r->total_sse)
		{
			r->total_sse = total;
			memcpy(r->centers, km.centers, sizeof(double) * (size_t) k * d);
			memcpy(r->sizes, km.counts, sizeof(double) * k);
			memcpy(r->sse, km.sse, sizeof(double) * k);
			r->iterations = it;
			r->converged = converged;
			r->reseeded = km.reseeded;
			r->best_init = run + 1;
			if (run_labels)
				memcpy(labels, run_labels, sizeof(int32_t) * n);
		}
	}
	if (run_labels)
		dl_free(run_labels);
	dl_kmeans_free(&km);
	if (st != DL_OK)
		dl_kmeans_result_free(r);
	return st;
}

/* ---- silhouette ------------------------------------------------------------------ */

#define SIL_BLOCK 256

dl_status
dl_silhouette(const double *x, size_t n, int d, const int32_t *labels, int k, double *score)
{
	double	   *xnorm;
	double	   *g;
	double	   *csum;
	double	   *size;
	int			present = 0;
	double		total = 0;

	if (k < 1 || d < 1)
		return dl_error(DL_EINVAL, "the silhouette needs at least one feature and one cluster");
	size = dl_alloc(sizeof(double) * k);
	memset(size, 0, sizeof(double) * k);
	for (size_t i = 0; i < n; i++)
	{
		if (labels[i] < 0 || labels[i] >= k)
		{
			dl_free(size);
			return dl_error(DL_EINVAL, "label %d of row %zu is outside [0, %d)", labels[i], i + 1, k);
		}
		size[labels[i]] += 1;
	}
	for (int j = 0; j < k; j++)
		present += size[j] > 0;
	if (present < 2 || (size_t) present > n - 1)
	{
		dl_free(size);
		return dl_error(DL_EINVAL, "the silhouette needs between 2 and n - 1 clusters among the rows: %d clusters in %zu rows",
						present, n);
	}
	xnorm = dl_alloc(sizeof(double) * n);
	g = dl_alloc(sizeof(double) * SIL_BLOCK * n);
	csum = dl_alloc(sizeof(double) * k);
	for (size_t i = 0; i < n; i++)
	{
		double		s = 0;

		for (int t = 0; t < d; t++)
			s += x[i * d + t] * x[i * d + t];
		xnorm[i] = s;
	}
	for (size_t start = 0; start < n; start += SIL_BLOCK)
	{
		int			nb = (int) (n - start < SIL_BLOCK ? n - start : SIL_BLOCK);

		dl_check_interrupts();
		/* g (nb x n) = x[start..] (nb x d) x^T (d x n) */
		dl_dgemm(false, true, nb, (int) n, d, 1.0, x + start * d, d, x, d, 0.0, g, (int) n);
		for (int i = 0; i < nb; i++)
		{
			size_t		row = start + i;
			const double *gi = g + (size_t) i * n;
			int			own = labels[row];
			double		a,
						b = INFINITY;

			memset(csum, 0, sizeof(double) * k);
			for (size_t j = 0; j < n; j++)
			{
				double		v = xnorm[row] + xnorm[j] - 2.0 * gi[j];

				/* as scikit-learn: the distance of a row to itself is 0 */
				csum[labels[j]] += (j == row || v <= 0) ? 0.0 : sqrt(v);
			}
			if (size[own] <= 1)
				continue;		/* a row alone in its cluster scores 0 */
			a = csum[own] / (size[own] - 1);
			for (int j = 0; j < k; j++)
				if (j != own && size[j] > 0 && csum[j] / size[j] < b)
					b = csum[j] / size[j];
			if (a > 0 || b > 0)
				total += (b - a) / (a > b ? a : b);
		}
	}
	*score = total / (double) n;
	dl_free(xnorm);
	dl_free(g);
	dl_free(csum);
	dl_free(size);
	return DL_OK;
}
