/*
 * follow - spoolinject --follow: watches a spool for slot folders named
 * YYYYMMDDTHHMMZ and gives each slot's messages to the sessions when the
 * slot's minute begins, one slot at a time and oldest first. New slots
 * and files are found through inotify and by a rescan every few seconds,
 * in case inotify is unavailable or misses an event. The caller runs the
 * sessions and the poll() loop, as follow_step() describes.
 */
#ifndef FOLLOW_H
#define FOLLOW_H

#include <stdbool.h>
#include <stdio.h>

#include "inject_queue.h"

/* Milliseconds between two rescans of the spool. */
#define FOLLOW_RESCAN_MS 5000

struct follow_options {
	const char *spool;
	struct inject_queue_options queue;	/* for every slot's queue */
	FILE   *log;			/* CSV log of every queue, or NULL */
	double	duration;		/* seconds after a slot's start by
					 * which its transactions start */
	double	rate;			/* messages per second, or 0 */
	unsigned max_lag;		/* seconds a slot may start late */
};

struct follow;

/*
 * Creates a follower of options->spool. options is copied, but what it
 * points to must outlive the follower. Returns NULL with errno set when
 * the spool is missing or not a folder. Free it with follow_free().
 */
struct follow *follow_create(const struct follow_options *options);

/* Returns the inotify descriptor to poll for reading, or -1 when inotify
 * is unavailable. */
int	follow_fd(const struct follow *follow);

/*
 * Returns the CLOCK_MONOTONIC time in milliseconds at which follow_step()
 * has work to do without an event on follow_fd(): the next rescan, or the
 * start of the next slot. now_ms is the monotonic time now.
 */
long long follow_wake_time(const struct follow *follow, long long now_ms);

/*
 * Does what is due at monotonic time now_ms: reads the inotify events,
 * rescans when due, adds new files of the slot being sent to its queue,
 * ends that slot once idle is true, skips slots that are too late and
 * starts the next due slot. The caller sets idle when no session is open
 * and none may open, because the sessions are then done with the queue.
 * Logs the start and end of every slot to standard error.
 *
 * Returns the queue the sessions take messages from: the queue of the
 * slot being sent, or an empty queue between slots. The queue returned
 * changes only when idle is true. It stays owned by the follower.
 */
struct inject_queue *follow_step(struct follow *follow, bool idle,
	    long long now_ms);

/* Ends the slot being sent, if any, once the sessions are done with it,
 * such as after a stop signal. Its unsent messages stay in new/. */
void	follow_finish(struct follow *follow, long long now_ms);

/* Prints the summary over every slot sent, as inject_queue_print_summary()
 * does, and then the number of messages skipped as late. */
void	follow_print_summary(struct follow *follow, FILE *out,
	    double elapsed_seconds);

/* Returns the number of messages of the slots sent that got no final
 * reply. */
size_t	follow_count_unanswered(const struct follow *follow);

/* Returns the exit status of the slots sent so far, as
 * inject_queue_exit_status() gives it. */
int	follow_exit_status(const struct follow *follow);

/* Frees the follower, the queue of a slot still being sent included. */
void	follow_free(struct follow *follow);

#endif
