/*
 * follow_schedule - when spoolinject --follow sends or skips a slot, and
 * how it spreads the slot's transactions. No input or output happens here.
 */
#include "follow_schedule.h"

enum follow_action
follow_schedule_action(long long start_ms, bool started, long long now_ms,
    long long max_lag_ms)
{
	long long lag = now_ms - start_ms;

	if (lag < 0)
		return started ? FOLLOW_SEND : FOLLOW_WAIT;
	if (lag <= max_lag_ms)
		return FOLLOW_SEND;

	/* Files added to a slot already sent still go out within its
	 * minute, even when --max-lag is shorter than a minute. */
	if (started && lag < FOLLOW_SLOT_MS)
		return FOLLOW_SEND;
	return FOLLOW_SKIP;
}

size_t
follow_schedule_next(const struct follow_schedule_slot *slots, size_t count,
    long long now_ms, long long max_lag_ms)
{
	size_t	i;

	for (i = 0; i < count; i++) {
		const struct follow_schedule_slot *slot = &slots[i];

		if (slot->skipped || (slot->started && !slot->has_new_files))
			continue;
		if (follow_schedule_action(slot->start_ms, slot->started,
		    now_ms, max_lag_ms) == FOLLOW_SEND)
			return i;
	}
	return count;
}

double
follow_schedule_interval(long long now_ms, long long end_ms, size_t count,
    double rate)
{
	double	interval = 0;

	if (count == 0)
		return 0;
	if (end_ms > now_ms)
		interval = (double)(end_ms - now_ms) / (double)count;
	if (rate > 0 && 1000.0 / rate > interval)
		interval = 1000.0 / rate;
	return interval;
}
