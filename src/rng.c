/*
 * rng - xoshiro256** seeded through splitmix64, after the published
 * description by Blackman and Vigna.
 */
#include <sys/random.h>

#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rng.h"

static uint64_t
splitmix64(uint64_t *state)
{
	uint64_t value = (*state += 0x9e3779b97f4a7c15ULL);

	value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ULL;
	value = (value ^ (value >> 27)) * 0x94d049bb133111ebULL;
	return value ^ (value >> 31);
}

static uint64_t
rotate_left(uint64_t value, int count)
{
	return (value << count) | (value >> (64 - count));
}

void
rng_seed(struct rng *rng, uint64_t seed)
{
	uint64_t state = seed;
	int i;

	for (i = 0; i < 4; i++)
		rng->state[i] = splitmix64(&state);
}

void
rng_seed_random(struct rng *rng)
{
	uint64_t seed;

	/* Should getrandom() fail (it is missing before Linux 3.17), time
	 * and PID still give distinct seeds to runs that start apart. */
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t) time(NULL) ^ ((uint64_t) getpid() << 32);
	rng_seed(rng, seed);
}

uint64_t
rng_next(struct rng *rng)
{
	uint64_t *s = rng->state;
	uint64_t result = rotate_left(s[1] * 5, 7) * 9;
	uint64_t shifted = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= shifted;
	s[3] = rotate_left(s[3], 45);
	return result;
}

double
rng_to_unit(uint64_t bits)
{
	return (double) (bits >> 11) * 0x1.0p-53;
}

double
rng_uniform(struct rng *rng)
{
	return rng_to_unit(rng_next(rng));
}

uint64_t
rng_below(struct rng *rng, uint64_t bound)
{
	/* Rejection sampling removes the modulo bias. */
	uint64_t limit = -bound % bound;
	uint64_t value;

	do
		value = rng_next(rng);
	while (value < limit);
	return value % bound;
}

uint64_t
rng_hash(uint64_t seed, uint64_t key)
{
	uint64_t state = seed ^ (key * 0xd6e8feb86659fd93ULL);

	splitmix64(&state);
	return splitmix64(&state);
}
