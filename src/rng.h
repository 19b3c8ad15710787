/*
 * rng - a small, fast pseudo-random generator (xoshiro256**) that gives
 * the same sequence for the same seed on every platform, so that a seeded
 * run is reproducible byte for byte.
 */
#ifndef RNG_H
#define RNG_H

#include <stdint.h>

struct rng {
	uint64_t state[4];
};

/* Seeds the generator; equal seeds give equal sequences. */
void	rng_seed(struct rng *rng, uint64_t seed);

/* Seeds the generator from the kernel's random source. */
void	rng_seed_random(struct rng *rng);

/* Returns the next 64 random bits. */
uint64_t rng_next(struct rng *rng);

/* Returns a uniform double in [0, 1). */
double	rng_uniform(struct rng *rng);

/* Returns a uniform integer in [0, bound); bound must be positive. */
uint64_t rng_below(struct rng *rng, uint64_t bound);

/* Returns a well-mixed hash of seed and key, for values that must depend
 * only on their inputs (the traffic model's per-minute factors). */
uint64_t rng_hash(uint64_t seed, uint64_t key);

/* Maps 64 random bits to a uniform double in [0, 1). */
double	rng_to_unit(uint64_t bits);

#endif
