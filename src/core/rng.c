/*-------------------------------------------------------------------------
 *
 * rng.c
 *	  xoshiro256** seeded through splitmix64, and the draws pgdl takes from
 *	  it: uniform, normal, an unbiased integer below n, a shuffle.
 *
 * The streams are part of what fixes a trained model bit for bit, so none
 * of these may change how many numbers it draws or how it maps them.
 *
 * src/core/rng.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>

#include "rng.h"

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
