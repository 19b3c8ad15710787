/*
 * traffic - the traffic model. For each local day it computes the expected
 * volume of every minute: the hourly or per-minute profile interpolated
 * linearly, times a
 * coarse factor in 0.7..1.3 held for 7-minute windows, times a fine factor
 * in 0.95..1.05, scaled so the day sums to the daily volume. A minute's
 * count is the difference of the rounded-down running sums, offset by a
 * random phase per day: counts below one still come out now and then,
 * and the day's counts add up to the daily volume exactly.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "rng.h"
#include "traffic.h"

const double traffic_default_hourly[24] = {
	2, 1, 1, 2, 5, 12, 14, 6, 8, 10, 19, 27,
	29, 28, 28, 26, 25, 24, 22, 19, 16, 14, 11, 8,
};

/* Key spaces of rng_hash(), so factors of different kinds never share a
 * value. */
enum traffic_key {
	TRAFFIC_KEY_COARSE,
	TRAFFIC_KEY_FINE,
	TRAFFIC_KEY_PHASE,
};

static uint64_t
traffic_key(enum traffic_key kind, int64_t index)
{
	return ((uint64_t) index << 2) | (uint64_t) kind;
}

/* Runs localtime_r() in the model's zone, leaving the process's own
 * TZ as it was. */
struct traffic_zone_scope {
	char   *saved;
	int	had_value;
};

static void
traffic_zone_enter(const struct traffic_model *model,
    struct traffic_zone_scope *scope)
{
	const char *current = getenv("TZ");

	scope->had_value = current != NULL;
	scope->saved = current ? xstrdup(current) : NULL;
	setenv("TZ", model->zone, 1);
	tzset();
}

static void
traffic_zone_leave(struct traffic_zone_scope *scope)
{
	if (scope->had_value)
		setenv("TZ", scope->saved, 1);
	else
		unsetenv("TZ");
	tzset();
	free(scope->saved);
}

int
traffic_model_init(struct traffic_model *model, unsigned long daily_volume,
    uint64_t seed, const char *zone, struct buf *error)
{
	char *path;
	int known;

	memset(model, 0, sizeof(*model));
	path = xasprintf("/usr/share/zoneinfo/%s", zone);
	known = zone[0] != '\0' && zone[0] != '/' && strstr(zone, "..") == NULL
	    && access(path, R_OK) == 0;
	free(path);
	if (!known) {
		buf_appendf(error, "unknown time zone \"%s\": expected a name "
		    "from /usr/share/zoneinfo such as America/New_York "
		    "(Debian package tzdata)", zone);
		return -1;
	}
	model->daily_volume = daily_volume;
	memcpy(model->weights, traffic_default_hourly,
	    sizeof(traffic_default_hourly));
	model->weight_count = 24;
	model->zone = xstrdup(zone);
	model->seed = seed;
	model->day_start = (time_t) -1;
	return 0;
}

int
traffic_model_set_weights(struct traffic_model *model, const double *weights,
    size_t count)
{
	double total = 0;
	size_t i;

	if (count != 24 && count != TRAFFIC_MINUTES_PER_DAY)
		return -1;
	for (i = 0; i < count; i++) {
		if (!isfinite(weights[i]) || weights[i] < 0)
			return -1;
		total += weights[i];
	}
	if (!(total > 0) || !isfinite(total))
		return -1;
	memcpy(model->weights, weights, count * sizeof(double));
	model->weight_count = (int) count;
	model->day_start = (time_t) -1;
	return 0;
}

/* The curve at a local time of day, interpolated between the profile's
 * points: hour marks for 24 weights, minute marks for 1440. */
static double
traffic_curve_at(const struct traffic_model *model, const struct tm *local)
{
	double seconds = local->tm_hour * 3600.0 + local->tm_min * 60.0
	    + local->tm_sec;
	double step = 86400.0 / model->weight_count;
	double fraction;
	int point;

	if (seconds >= 86400)		/* a leap second, 23:59:60 */
		seconds = 86399;
	point = (int) (seconds / step) % model->weight_count;
	fraction = (seconds - point * step) / step;

	return model->weights[point] * (1 - fraction)
	    + model->weights[(point + 1) % model->weight_count] * fraction;
}

/* Finds the UTC start of the local day that contains time, and of the
 * next one. Must run inside traffic_zone_enter(). */
static void
traffic_local_day(time_t time, time_t *start, time_t *end)
{
	struct tm local;

	localtime_r(&time, &local);
	local.tm_hour = local.tm_min = local.tm_sec = 0;
	local.tm_isdst = -1;
	*start = mktime(&local);
	local.tm_mday++;
	local.tm_hour = local.tm_min = local.tm_sec = 0;
	local.tm_isdst = -1;
	*end = mktime(&local);
}

static void
traffic_build_day(struct traffic_model *model, time_t day_start, int minutes)
{
	double *weight = xmalloc((size_t) minutes * sizeof(double));
	double total = 0, scale, phase;
	int64_t first_minute = (int64_t) day_start / 60;
	int m;

	for (m = 0; m < minutes; m++) {
		int64_t minute = first_minute + m;
		time_t at = (time_t) (minute * 60);
		int64_t window = minute >= 0 ? minute / TRAFFIC_COARSE_MINUTES
		    : (minute - TRAFFIC_COARSE_MINUTES + 1)
		    / TRAFFIC_COARSE_MINUTES;
		double coarse = 0.7 + 0.6 * rng_to_unit(rng_hash(model->seed,
		    traffic_key(TRAFFIC_KEY_COARSE, window)));
		double fine = 0.95 + 0.1 * rng_to_unit(rng_hash(model->seed,
		    traffic_key(TRAFFIC_KEY_FINE, minute)));
		struct tm local;

		localtime_r(&at, &local);
		weight[m] = traffic_curve_at(model, &local) * coarse * fine;
		total += weight[m];
	}
	/* A profile can be 0 for every minute of a short DST day. */
	if (!(total > 0)) {
		for (m = 0; m < minutes; m++)
			weight[m] = 1;
		total = minutes;
	}
	phase = rng_to_unit(rng_hash(model->seed,
	    traffic_key(TRAFFIC_KEY_PHASE, first_minute)));
	scale = total > 0 ? (double) model->daily_volume / total : 0;
	free(model->cumulative);
	model->cumulative = xmalloc(((size_t) minutes + 1) * sizeof(double));
	model->cumulative[0] = phase;
	for (m = 0; m < minutes; m++)
		model->cumulative[m + 1] = model->cumulative[m]
		    + weight[m] * scale;
	/* Rounding must not lose or add a message over the day. */
	model->cumulative[minutes] = phase + (double) model->daily_volume;
	model->day_start = day_start;
	model->day_minutes = minutes;
	free(weight);
}

unsigned long
traffic_model_volume(struct traffic_model *model, time_t slot)
{
	struct traffic_zone_scope scope;
	time_t start, end;
	long index;

	slot -= ((slot % 60) + 60) % 60;
	if (model->day_start == (time_t) -1 || slot < model->day_start
	    || slot >= model->day_start + model->day_minutes * 60L) {
		traffic_zone_enter(model, &scope);
		traffic_local_day(slot, &start, &end);
		traffic_build_day(model, start, (int) ((end - start) / 60));
		traffic_zone_leave(&scope);
	}
	index = (long) ((slot - model->day_start) / 60);
	return (unsigned long) (floor(model->cumulative[index + 1])
	    - floor(model->cumulative[index]));
}

double
traffic_model_curve(struct traffic_model *model, time_t time)
{
	struct traffic_zone_scope scope;
	struct tm local;
	double mean = 0;
	int i;

	traffic_zone_enter(model, &scope);
	localtime_r(&time, &local);
	traffic_zone_leave(&scope);
	for (i = 0; i < model->weight_count; i++)
		mean += model->weights[i] / model->weight_count;
	return traffic_curve_at(model, &local) / mean;
}

long
traffic_model_utc_offset(struct traffic_model *model, time_t time)
{
	struct traffic_zone_scope scope;
	struct tm local;

	traffic_zone_enter(model, &scope);
	localtime_r(&time, &local);
	traffic_zone_leave(&scope);
	return local.tm_gmtoff;
}

void
traffic_model_free(struct traffic_model *model)
{
	free(model->zone);
	free(model->cumulative);
	memset(model, 0, sizeof(*model));
}
