/*
 * follow_schedule - the decisions of spoolinject --follow that depend only
 * on times: whether a slot's files are sent now, later or not at all,
 * which slot is sent next, and how far apart its transactions start.
 * Times are milliseconds, either all since the epoch or all monotonic.
 */
#ifndef FOLLOW_SCHEDULE_H
#define FOLLOW_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>

/* The length of a slot: one minute. */
#define FOLLOW_SLOT_MS 60000LL

enum follow_action {
	FOLLOW_WAIT,			/* the slot has not begun */
	FOLLOW_SEND,			/* send the files now */
	FOLLOW_SKIP			/* too late: the files stay in new/ */
};

/*
 * Decides what to do at now_ms with the files of the slot that begins at
 * start_ms. Before the slot has been sent once (started is false), its
 * files wait until start_ms and are skipped when more than max_lag_ms
 * late. Files that appear after that are sent while the slot's minute
 * lasts, or later while they are at most max_lag_ms late.
 */
enum follow_action follow_schedule_action(long long start_ms, bool started,
	    long long now_ms, long long max_lag_ms);

/* The state of a slot that follow_schedule_next() uses. */
struct follow_schedule_slot {
	long long start_ms;
	bool	started;		/* sent at least once */
	bool	skipped;		/* skipped as late, so never sent */
	bool	has_new_files;		/* started, and files appeared
					 * since it was last sent */
};

/*
 * Returns the index of the slot to send at now_ms: the first, in the
 * order of slots, that has not been sent or skipped, or that has new
 * files, and for which follow_schedule_action() returns FOLLOW_SEND. Returns
 * count when there is none. slots must be sorted by start_ms, so that due
 * slots go oldest first.
 */
size_t	follow_schedule_next(const struct follow_schedule_slot *slots,
	    size_t count, long long now_ms, long long max_lag_ms);

/*
 * Returns the milliseconds between the starts of count transactions that
 * begin at now_ms and are spread up to end_ms, but at least 1000 / rate
 * when rate is above 0. Returns 0, meaning at once, when end_ms has
 * passed and there is no rate, or when count is 0.
 */
double	follow_schedule_interval(long long now_ms, long long end_ms,
	    size_t count, double rate);

#endif
