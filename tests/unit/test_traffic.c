/*
 * Unit tests for traffic: daily sums in a local time zone (DST days
 * included), the curve's shape, seeds, and low volumes.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "traffic.h"

#define ZONE	"America/New_York"

static void
use_zone(void)
{
	setenv("TZ", ZONE, 1);
	tzset();
}

static void
model_init(struct traffic_model *model, unsigned long volume, uint64_t seed)
{
	struct buf error = BUF_INIT;
	int status = traffic_model_init(model, volume, seed, ZONE, &error);

	cr_assert_eq(status, 0, "traffic_model_init(%lu, %s): status %d, "
	    "expected 0 (%s)", volume, ZONE, status,
	    error.data ? error.data : "");
	buf_free(&error);
}

/* Returns the UTC start of local midnight on year-month-day in ZONE. */
static time_t
local_midnight(int year, int month, int day)
{
	struct tm fields = {0};

	fields.tm_year = year - 1900;
	fields.tm_mon = month - 1;
	fields.tm_mday = day;
	fields.tm_isdst = -1;
	return mktime(&fields);
}

/* Sums the volumes of count slots from first on. */
static unsigned long long
sum_slots(struct traffic_model *model, time_t first, long count)
{
	unsigned long long total = 0;
	long i;

	for (i = 0; i < count; i++)
		total += traffic_model_volume(model, first + i * 60);
	return total;
}

struct day_case {
	int	year, month, day;
	long	minutes;		/* length of the local day */
};

static const struct day_case day_cases[] = {
	{2026, 3, 7, 1440},
	{2026, 3, 8, 1380},		/* clocks go forward at 02:00 */
	{2026, 3, 9, 1440},
	{2026, 6, 21, 1440},
	{2026, 10, 31, 1440},
	{2026, 11, 1, 1500},		/* clocks go back at 02:00 */
	{2026, 12, 4, 1440},
	{2028, 2, 29, 1440},
};

Test(traffic, local_day_sums, .init = use_zone)
{
	static const unsigned long volumes[] = {1, 100, 1440, 150000, 999983};
	size_t d, v;

	for (v = 0; v < sizeof(volumes) / sizeof(volumes[0]); v++) {
		struct traffic_model model;

		model_init(&model, volumes[v], 42);
		for (d = 0; d < sizeof(day_cases) / sizeof(day_cases[0]); d++) {
			const struct day_case *day = &day_cases[d];
			time_t start = local_midnight(day->year, day->month,
			    day->day);
			time_t end = local_midnight(day->year, day->month,
			    day->day + 1);
			unsigned long long total;

			cr_assert_eq((end - start) / 60, day->minutes,
			    "%04d-%02d-%02d has %lld minutes, expected %ld",
			    day->year, day->month, day->day,
			    (long long) (end - start) / 60, day->minutes);
			total = sum_slots(&model, start, day->minutes);
			cr_assert_eq(total, volumes[v], "%04d-%02d-%02d, "
			    "volume %lu: slots sum to %llu, expected %lu",
			    day->year, day->month, day->day, volumes[v],
			    total, volumes[v]);
		}
		traffic_model_free(&model);
	}
}

Test(traffic, slot_within_minute, .init = use_zone)
{
	struct traffic_model model;
	time_t start = local_midnight(2026, 6, 1) + 12 * 3600;
	int s;

	model_init(&model, 150000, 9);
	for (s = 1; s < 60; s += 7) {
		unsigned long at_start = traffic_model_volume(&model, start);
		unsigned long inside = traffic_model_volume(&model, start + s);

		cr_assert_eq(inside, at_start, "second %d of a slot: %lu, "
		    "expected the slot's %lu", s, inside, at_start);
	}
	traffic_model_free(&model);
}

Test(traffic, utc_day_near_volume, .init = use_zone)
{
	static const unsigned long volume = 150000;
	struct traffic_model model;
	time_t first = 1780272000;	/* 2026-06-01T00:00Z */
	int day;

	model_init(&model, volume, 5);
	for (day = 0; day < 5; day++) {
		time_t start = first + day * 86400L + day * 3600L;
		unsigned long long total = sum_slots(&model, start, 1440);
		double share = (double) total / volume;

		cr_assert(share >= 0.95 && share <= 1.05, "1440 slots from "
		    "%lld: %llu messages, expected %lu +-5%%",
		    (long long) start, total, volume);
	}
	traffic_model_free(&model);
}

Test(traffic, thirty_day_mean, .init = use_zone)
{
	static const unsigned long volume = 20000;
	struct traffic_model model;
	time_t first = 1780272000;	/* 2026-06-01T00:00Z, UTC days */
	unsigned long long total;
	double mean;

	model_init(&model, volume, 11);
	total = sum_slots(&model, first, 30 * 1440);
	mean = (double) total / 30;
	cr_assert(fabs(mean - volume) <= volume * 0.01, "mean of 30 UTC days: "
	    "%.1f, expected %lu +-1%%", mean, volume);
	traffic_model_free(&model);
}

/* Sums 30 local days of June 2026 by local hour of day. */
static void
hour_totals(struct traffic_model *model, double totals[24])
{
	time_t start = local_midnight(2026, 6, 1);
	time_t end = local_midnight(2026, 7, 1);
	time_t slot;

	memset(totals, 0, 24 * sizeof(double));
	for (slot = start; slot < end; slot += 60) {
		struct tm local;

		localtime_r(&slot, &local);
		totals[local.tm_hour] += traffic_model_volume(model, slot);
	}
}

Test(traffic, curve_shape, .init = use_zone)
{
	struct traffic_model model;
	double totals[24], mean_total = 0, mean_weight = 0;
	double covariance = 0, variance_total = 0, variance_weight = 0;
	double correlation;
	int h;

	model_init(&model, 150000, 3);
	hour_totals(&model, totals);
	cr_assert(totals[12] > 10 * totals[2], "12:00-13:00 carries %.0f, "
	    "02:00-03:00 %.0f: expected more than 10 times as much",
	    totals[12], totals[2]);
	for (h = 0; h < 24; h++) {
		mean_total += totals[h] / 24;
		mean_weight += traffic_default_hourly[h] / 24;
	}
	for (h = 0; h < 24; h++) {
		double a = totals[h] - mean_total;
		double b = traffic_default_hourly[h] - mean_weight;

		covariance += a * b;
		variance_total += a * a;
		variance_weight += b * b;
	}
	correlation = covariance / sqrt(variance_total * variance_weight);
	cr_assert(correlation > 0.95, "correlation of hour totals with the "
	    "default weights: %.3f, expected above 0.95", correlation);
	traffic_model_free(&model);
}

/* Fills plan with the volumes of count slots from first. */
static void
make_plan(uint64_t seed, unsigned long volume, time_t first, long count,
    unsigned long *plan)
{
	struct traffic_model model;
	long i;

	model_init(&model, volume, seed);
	for (i = 0; i < count; i++)
		plan[i] = traffic_model_volume(&model, first + i * 60);
	traffic_model_free(&model);
}

Test(traffic, seeds, .init = use_zone)
{
	enum { SLOTS = 1440 };
	static unsigned long first_plan[SLOTS], same_plan[SLOTS];
	static unsigned long other_plan[SLOTS];
	time_t first = local_midnight(2026, 6, 1);
	long differences = 0, i;

	make_plan(7, 150000, first, SLOTS, first_plan);
	make_plan(7, 150000, first, SLOTS, same_plan);
	make_plan(8, 150000, first, SLOTS, other_plan);
	for (i = 0; i < SLOTS; i++) {
		cr_assert_eq(same_plan[i], first_plan[i], "seed 7, slot %ld: "
		    "%lu in the second run, %lu in the first", i,
		    same_plan[i], first_plan[i]);
		differences += other_plan[i] != first_plan[i];
	}
	cr_assert(differences > SLOTS / 2, "seeds 7 and 8 differ in %ld of "
	    "%d slots, expected most", differences, SLOTS);
}

Test(traffic, order_independent, .init = use_zone)
{
	struct traffic_model forward, backward;
	time_t first = local_midnight(2026, 11, 1) - 3600;
	long i;

	/* A slot's volume must not depend on which slots came before it. */
	model_init(&forward, 5000, 21);
	model_init(&backward, 5000, 21);
	for (i = 0; i < 1600; i += 37) {
		unsigned long a = traffic_model_volume(&forward,
		    first + i * 60);
		unsigned long b = traffic_model_volume(&backward,
		    first + (1599 - i) * 60);
		unsigned long c = traffic_model_volume(&backward,
		    first + i * 60);

		(void) b;
		cr_assert_eq(c, a, "slot %ld: %lu after a jump, %lu in order",
		    i, c, a);
	}
	traffic_model_free(&forward);
	traffic_model_free(&backward);
}

Test(traffic, low_volume, .init = use_zone)
{
	struct traffic_model model;
	time_t start = local_midnight(2026, 6, 1);
	unsigned long long total = 0;
	long i, busy = 0;

	model_init(&model, 100, 7);
	for (i = 0; i < 1440; i++) {
		unsigned long volume = traffic_model_volume(&model,
		    start + i * 60);

		total += volume;
		busy += volume != 0;
	}
	cr_assert_eq(total, 100, "volume 100: the day sums to %llu, expected "
	    "100", total);
	cr_assert(busy >= 50, "volume 100: %ld slots have mail, expected at "
	    "least 50", busy);
	traffic_model_free(&model);
}

Test(traffic, zero_volume, .init = use_zone)
{
	struct traffic_model model;
	time_t start = local_midnight(2026, 6, 1);

	model_init(&model, 0, 7);
	cr_assert_eq(sum_slots(&model, start, 1440), 0, "volume 0: the day "
	    "sums to %llu, expected 0", sum_slots(&model, start, 1440));
	traffic_model_free(&model);
}

Test(traffic, unknown_zone)
{
	static const char *const zones[] = {
		"", "Mars/Olympus", "../etc/passwd", "/etc/localtime",
		"America/../../etc",
	};
	size_t i;

	for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		struct traffic_model model;
		struct buf error = BUF_INIT;
		int status = traffic_model_init(&model, 10, 1, zones[i],
		    &error);

		cr_assert_eq(status, -1, "zone \"%s\": status %d, expected -1",
		    zones[i], status);
		cr_assert(error.data && strstr(error.data, zones[i]), "zone "
		    "\"%s\": message \"%s\" does not quote it", zones[i],
		    error.data ? error.data : "");
		buf_free(&error);
	}
}

Test(traffic, utc_offset, .init = use_zone)
{
	struct traffic_model model;

	model_init(&model, 10, 1);
	cr_assert_eq(traffic_model_utc_offset(&model, 1796403600), -5 * 3600,
	    "offset in December: %ld, expected %d",
	    traffic_model_utc_offset(&model, 1796403600), -5 * 3600);
	cr_assert_eq(traffic_model_utc_offset(&model, 1780272000), -4 * 3600,
	    "offset in June: %ld, expected %d",
	    traffic_model_utc_offset(&model, 1780272000), -4 * 3600);
	traffic_model_free(&model);
}

Test(traffic, set_weights_rejects_invalid, .init = use_zone)
{
	struct traffic_model model;
	double weights[TRAFFIC_MINUTES_PER_DAY] = {0};
	static const size_t bad_counts[] = {0, 1, 23, 25, 1439};
	size_t i;

	model_init(&model, 100, 1);
	for (i = 0; i < sizeof(bad_counts) / sizeof(bad_counts[0]); i++) {
		weights[0] = 1;
		cr_expect_eq(traffic_model_set_weights(&model, weights,
		    bad_counts[i]), -1, "%zu weights: accepted, expected -1",
		    bad_counts[i]);
	}
	weights[0] = 0;
	cr_expect_eq(traffic_model_set_weights(&model, weights, 24), -1,
	    "24 zero weights: accepted, expected -1");
	weights[3] = -1;
	weights[4] = 2;
	cr_expect_eq(traffic_model_set_weights(&model, weights, 24), -1,
	    "a negative weight: accepted, expected -1");
	weights[3] = NAN;
	cr_expect_eq(traffic_model_set_weights(&model, weights, 24), -1,
	    "a NaN weight: accepted, expected -1");
	traffic_model_free(&model);
}

/* A per-minute profile with weight only from 12:00 to 12:59 local time. */
static void
noon_hour_profile(double weights[TRAFFIC_MINUTES_PER_DAY])
{
	int m;

	for (m = 0; m < TRAFFIC_MINUTES_PER_DAY; m++)
		weights[m] = m >= 720 && m < 780 ? 1 : 0;
}

Test(traffic, minute_profile_stays_in_hour, .init = use_zone)
{
	double weights[TRAFFIC_MINUTES_PER_DAY];
	struct traffic_model model;
	time_t start = local_midnight(2026, 6, 1);
	unsigned long volume;
	long m;

	noon_hour_profile(weights);
	model_init(&model, 6000, 7);
	cr_assert_eq(traffic_model_set_weights(&model, weights,
	    TRAFFIC_MINUTES_PER_DAY), 0, "valid minute profile rejected");
	for (m = 0; m < 1440; m++) {
		volume = traffic_model_volume(&model, start + m * 60);
		if (m >= 720 && m < 780)
			cr_expect_gt(volume, 0, "minute %ld: volume 0, "
			    "expected more", m);
		else
			cr_expect_eq(volume, 0, "minute %ld: volume %lu, "
			    "expected 0", m, volume);
	}
	cr_expect_eq(sum_slots(&model, start, 1440), 6000,
	    "day sum differs from 6000");
	traffic_model_free(&model);
}

Test(traffic, minute_profile_day_sums, .init = use_zone)
{
	double weights[TRAFFIC_MINUTES_PER_DAY];
	struct traffic_model model;
	size_t d;

	noon_hour_profile(weights);
	model_init(&model, 999, 3);
	cr_assert_eq(traffic_model_set_weights(&model, weights,
	    TRAFFIC_MINUTES_PER_DAY), 0, "valid minute profile rejected");
	for (d = 0; d < sizeof(day_cases) / sizeof(day_cases[0]); d++) {
		const struct day_case *day = &day_cases[d];
		time_t start = local_midnight(day->year, day->month, day->day);
		unsigned long long total = sum_slots(&model, start,
		    day->minutes);

		cr_expect_eq(total, 999, "%04d-%02d-%02d: slots sum to %llu, "
		    "expected 999", day->year, day->month, day->day, total);
	}
	traffic_model_free(&model);
}

Test(traffic, minute_profile_curve, .init = use_zone)
{
	double weights[TRAFFIC_MINUTES_PER_DAY];
	struct traffic_model model;
	time_t start = local_midnight(2026, 6, 1);
	double mean = 60.0 / 1440, curve;

	noon_hour_profile(weights);
	model_init(&model, 100, 3);
	cr_assert_eq(traffic_model_set_weights(&model, weights,
	    TRAFFIC_MINUTES_PER_DAY), 0, "valid minute profile rejected");
	curve = traffic_model_curve(&model, start + 720 * 60);
	cr_expect_float_eq(curve, 1 / mean, 1e-9, "12:00: curve %g, "
	    "expected %g", curve, 1 / mean);
	curve = traffic_model_curve(&model, start + 719 * 60 + 30);
	cr_expect_float_eq(curve, 0.5 / mean, 1e-9, "11:59:30: curve %g, "
	    "expected %g (halfway between minutes)", curve, 0.5 / mean);
	curve = traffic_model_curve(&model, start + 781 * 60);
	cr_expect_float_eq(curve, 0, 1e-9, "13:01: curve %g, expected 0",
	    curve);
	traffic_model_free(&model);
}

Test(traffic, hourly_profile_interpolates, .init = use_zone)
{
	double weights[24] = {0};
	struct traffic_model model;
	time_t start = local_midnight(2026, 6, 1);
	double curve;

	weights[12] = 24;		/* mean 1 */
	model_init(&model, 100, 3);
	cr_assert_eq(traffic_model_set_weights(&model, weights, 24), 0,
	    "valid hourly profile rejected");
	curve = traffic_model_curve(&model, start + 11 * 3600 + 1800);
	cr_expect_float_eq(curve, 12, 1e-9, "11:30: curve %g, expected 12",
	    curve);
	curve = traffic_model_curve(&model, start + 12 * 3600 + 2700);
	cr_expect_float_eq(curve, 6, 1e-9, "12:45: curve %g, expected 6",
	    curve);
	traffic_model_free(&model);
}
