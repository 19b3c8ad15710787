/*
 * traffic - the daily traffic curve: how many messages each one-minute
 * slot gets. The volume of a minute depends only on the daily volume, the
 * seed and the minute, so separate runs (one per minute from cron, or a
 * whole day at once) agree, and every local day sums to the daily volume.
 */
#ifndef TRAFFIC_H
#define TRAFFIC_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"

#define TRAFFIC_DEFAULT_ZONE	"America/New_York"
#define TRAFFIC_COARSE_MINUTES	7	/* length of a coarse-factor window */
#define TRAFFIC_MINUTES_PER_DAY	1440	/* weights of a per-minute profile */

extern const double traffic_default_hourly[24];

struct traffic_model {
	unsigned long daily_volume;
	/* Profile weights from local 00:00 on: 24 hourly or 1440 per-minute
	 * values, interpolated linearly between their points in time. */
	double	weights[TRAFFIC_MINUTES_PER_DAY];
	int	weight_count;
	char   *zone;			/* IANA time zone name */
	uint64_t seed;
	/* The local day whose cumulative volumes are cached. */
	time_t	day_start;
	int	day_minutes;
	double *cumulative;		/* day_minutes + 1 values */
};

/*
 * Sets up the model for daily_volume messages per day with the default
 * curve. Returns 0, or -1 with a message in error when zone is not a
 * time zone installed on this machine. Free with traffic_model_free().
 */
int	traffic_model_init(struct traffic_model *model,
		unsigned long daily_volume, uint64_t seed, const char *zone,
		struct buf *error);

/*
 * Replaces the default curve with count weights (24 hourly or 1440
 * per-minute values from local 00:00 on, each at least 0, not all 0).
 * Returns 0, or -1 when count or a weight is invalid.
 */
int	traffic_model_set_weights(struct traffic_model *model,
		const double *weights, size_t count);

/* Returns the number of messages for the slot that starts at slot. */
unsigned long traffic_model_volume(struct traffic_model *model, time_t slot);

/* Returns the curve weight (interpolated between the profile's points,
 * before the random factors) at time, relative to the curve's mean. */
double	traffic_model_curve(struct traffic_model *model, time_t time);

/* Returns how many seconds local time in the model's zone is ahead of
 * UTC at time. */
long	traffic_model_utc_offset(struct traffic_model *model, time_t time);

void	traffic_model_free(struct traffic_model *model);

#endif
