/*-------------------------------------------------------------------------
 *
 * rng.h
 *	  The random generator of every random path in pgdl: xoshiro256**
 *	  (Blackman and Vigna) seeded through splitmix64.
 *
 * Every random path takes a seed, so that a seed and the data fix the
 * result: network initialisation, dropout masks, the training shuffle and
 * validation split, k-means seeding, reservoir samples.  Part of the
 * ground floor under the network engine and the analytics.
 *
 * src/core/rng.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_RNG_H
#define PGDL_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct dl_rng
{
	uint64_t	s[4];
} dl_rng;

extern void dl_rng_seed(dl_rng *r, uint64_t seed);

/* inline: dropout masks draw millions per epoch */
static inline uint64_t
dl_rng_next(dl_rng *r)
{
	uint64_t   *s = r->s;
	uint64_t	x = s[1] * 5;
	uint64_t	result = ((x << 7) | (x >> 57)) * 9;
	uint64_t	t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = (s[3] << 45) | (s[3] >> 19);
	return result;
}

extern double dl_rng_uniform(dl_rng *r);	/* [0, 1) */
extern double dl_rng_normal(dl_rng *r);		/* N(0, 1) */
extern uint64_t dl_rng_below(dl_rng *r, uint64_t n);	/* [0, n), unbiased */
extern void dl_rng_shuffle(dl_rng *r, uint32_t *a, size_t n);

#endif							/* PGDL_RNG_H */
