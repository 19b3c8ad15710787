/*
 * Unit tests for follow_schedule: whether a slot's files wait, go or are
 * skipped as late, which slot is sent next, and the pacing interval.
 */
#include <criterion/criterion.h>
#include <stddef.h>
#include <string.h>

#include "follow_schedule.h"

#define SECOND 1000LL
#define START (1796397660LL * SECOND)	/* 2026-12-04T15:21Z */
#define MAX_LAG (300 * SECOND)

static const char *
action_name(enum follow_action action)
{
	switch (action) {
	case FOLLOW_WAIT:
		return "wait";
	case FOLLOW_SEND:
		return "send";
	case FOLLOW_SKIP:
		return "skip";
	}
	return "?";
}

struct action_case {
	long long lag_ms;		/* now minus the slot's start */
	bool	started;
	long long max_lag_ms;
	enum follow_action expected;
};

static const struct action_case action_cases[] = {
	/* Not sent yet: waits for its start, then may start up to
	 * --max-lag late. */
	{ -60 * SECOND, false, MAX_LAG, FOLLOW_WAIT },
	{ -1, false, MAX_LAG, FOLLOW_WAIT },
	{ 0, false, MAX_LAG, FOLLOW_SEND },
	{ 59 * SECOND, false, MAX_LAG, FOLLOW_SEND },
	{ MAX_LAG, false, MAX_LAG, FOLLOW_SEND },
	{ MAX_LAG + 1, false, MAX_LAG, FOLLOW_SKIP },
	{ 10 * SECOND, false, 5 * SECOND, FOLLOW_SKIP },
	/* Sent before: files added later go out within the minute, or
	 * within --max-lag when it is longer. */
	{ 0, true, MAX_LAG, FOLLOW_SEND },
	{ 59999, true, MAX_LAG, FOLLOW_SEND },
	{ 61 * SECOND, true, MAX_LAG, FOLLOW_SEND },
	{ MAX_LAG + 1, true, MAX_LAG, FOLLOW_SKIP },
	{ 30 * SECOND, true, 5 * SECOND, FOLLOW_SEND },
	{ 59999, true, 5 * SECOND, FOLLOW_SEND },
	{ 60 * SECOND, true, 5 * SECOND, FOLLOW_SKIP },
	/* A clock set back: a slot sent before stays sendable. */
	{ -5 * SECOND, true, MAX_LAG, FOLLOW_SEND },
};

Test(follow_schedule, action)
{
	size_t	i;

	for (i = 0; i < sizeof(action_cases) / sizeof(action_cases[0]); i++) {
		const struct action_case *c = &action_cases[i];
		enum follow_action got = follow_schedule_action(START,
		    c->started, START + c->lag_ms, c->max_lag_ms);

		cr_expect_eq(got, c->expected, "lag %lld ms, started %d, "
		    "max lag %lld ms: got %s, expected %s", c->lag_ms,
		    c->started, c->max_lag_ms, action_name(got),
		    action_name(c->expected));
	}
}

/* Slots at START - 2 min, - 1 min, START and + 1 min, all unsent. */
static void
four_slots(struct follow_schedule_slot slots[4])
{
	size_t	i;

	memset(slots, 0, 4 * sizeof(*slots));
	for (i = 0; i < 4; i++)
		slots[i].start_ms = START + ((long long)i - 2) * 60 * SECOND;
}

Test(follow_schedule, next_oldest_due_first)
{
	struct follow_schedule_slot slots[4];

	four_slots(slots);
	cr_expect_eq(follow_schedule_next(slots, 4, START, MAX_LAG), 0,
	    "three slots due: the oldest goes first");
	slots[0].started = true;
	cr_expect_eq(follow_schedule_next(slots, 4, START, MAX_LAG), 1,
	    "after the oldest was sent, the next oldest");
	slots[1].started = true;
	cr_expect_eq(follow_schedule_next(slots, 4, START, MAX_LAG), 2,
	    "then the slot of this minute");
	slots[2].started = true;
	cr_expect_eq(follow_schedule_next(slots, 4, START, MAX_LAG), 4,
	    "the next minute's slot waits");
	cr_expect_eq(follow_schedule_next(slots, 4, START + 60 * SECOND,
	    MAX_LAG), 3, "until its minute begins");
}

Test(follow_schedule, next_skips_late_and_skipped)
{
	struct follow_schedule_slot slots[4];

	four_slots(slots);
	cr_expect_eq(follow_schedule_next(slots, 4, START, 90 * SECOND), 1,
	    "a slot 2 min late with --max-lag 90 is not sent");
	slots[1].skipped = true;
	cr_expect_eq(follow_schedule_next(slots, 4, START, 90 * SECOND), 2,
	    "a skipped slot is never sent");
}

Test(follow_schedule, next_new_files_in_order)
{
	struct follow_schedule_slot slots[4];

	four_slots(slots);
	slots[0].started = slots[1].started = slots[2].started = true;
	slots[1].has_new_files = true;
	cr_expect_eq(follow_schedule_next(slots, 4, START, MAX_LAG), 1,
	    "files added to a sent slot within --max-lag go next");
	slots[1].has_new_files = false;
	slots[2].has_new_files = true;
	slots[3].start_ms = START;
	slots[3].started = false;
	cr_expect_eq(follow_schedule_next(slots, 4, START, MAX_LAG), 2,
	    "an older slot's new files go before a due slot");
	cr_expect_eq(follow_schedule_next(slots, 0, START, MAX_LAG), 0,
	    "no slots: none to send");
}

struct interval_case {
	long long now_ms;
	long long end_ms;
	size_t	count;
	double	rate;
	double	expected;
};

static const struct interval_case interval_cases[] = {
	{ 0, 59000, 59, 0, 1000 },	/* one a second */
	{ 0, 59000, 118, 0, 500 },
	{ 30000, 59000, 29, 0, 1000 },	/* what is left of the window */
	{ 0, 59000, 59, 0.5, 2000 },	/* --rate wins when slower */
	{ 0, 59000, 59, 10, 1000 },	/* --duration wins when slower */
	{ 60000, 59000, 10, 0, 0 },	/* window over: at once */
	{ 59000, 59000, 10, 0, 0 },
	{ 60000, 59000, 10, 4, 250 },	/* at once, capped by --rate */
	{ 0, 59000, 0, 0, 0 },		/* nothing to send */
};

Test(follow_schedule, interval)
{
	size_t	i;

	for (i = 0; i < sizeof(interval_cases) / sizeof(interval_cases[0]);
	    i++) {
		const struct interval_case *c = &interval_cases[i];
		double	got = follow_schedule_interval(c->now_ms, c->end_ms,
		    c->count, c->rate);

		cr_expect_float_eq(got, c->expected, 1e-9, "now %lld, end "
		    "%lld, %zu messages, rate %g: got %g ms, expected %g ms",
		    c->now_ms, c->end_ms, c->count, c->rate, got, c->expected);
	}
}
