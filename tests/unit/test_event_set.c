/*
 * Unit tests for event_set: readiness is reported on the right watch,
 * also when descriptor numbers are closed and reused between waits.
 */
#include <criterion/criterion.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include "event_set.h"

static sigset_t no_signals;

/* Opens a pipe with one byte in it and returns its read end. */
static int
readable_pipe(int *write_end)
{
	int	ends[2];

	cr_assert_eq(pipe(ends), 0);
	cr_assert_eq(write(ends[1], "x", 1), 1);
	*write_end = ends[1];
	return ends[0];
}

/* Moves descriptor fd to number, which is closed. */
static void
move_to(int fd, int number)
{
	if (fd == number)
		return;
	cr_assert_eq(dup2(fd, number), number);
	close(fd);
}

Test(event_set, reports_the_ready_watch_only)
{
	struct event_set *set = event_set_create();
	struct event_watch ready = EVENT_WATCH_INIT, idle = EVENT_WATCH_INIT;
	int	ready_write, idle_ends[2];
	int	ready_read = readable_pipe(&ready_write);

	sigemptyset(&no_signals);
	cr_assert_eq(pipe(idle_ends), 0);
	event_set_watch(set, &ready, ready_read, 1, POLLIN);
	event_set_watch(set, &idle, idle_ends[0], 1, POLLIN);
	cr_assert_eq(event_set_wait(set, 1000, &no_signals), 1);
	cr_assert_eq(ready.revents, (unsigned) POLLIN);
	cr_assert_eq(idle.revents, 0u);

	/* Level-triggered: still ready on the next wait. */
	ready.revents = 0;
	cr_assert_eq(event_set_wait(set, 1000, &no_signals), 1);
	cr_assert_eq(ready.revents, (unsigned) POLLIN);

	/* A changed interest replaces the old one. */
	ready.revents = 0;
	event_set_watch(set, &ready, ready_read, 1, 0);
	cr_assert_eq(event_set_wait(set, 0, &no_signals), 0);
	cr_assert_eq(ready.revents, 0u);
	event_set_free(set);
	close(ready_read);
	close(ready_write);
	close(idle_ends[0]);
	close(idle_ends[1]);
}

/* A closes its descriptor, B gets the same number, then A stops
 * watching: B must still be reported. */
Test(event_set, number_reused_by_another_watch)
{
	struct event_set *set = event_set_create();
	struct event_watch a = EVENT_WATCH_INIT, b = EVENT_WATCH_INIT;
	int	a_ends[2], b_write, b_read, number;

	sigemptyset(&no_signals);
	cr_assert_eq(pipe(a_ends), 0);
	event_set_watch(set, &a, a_ends[0], 1, POLLIN);
	number = a_ends[0];
	close(a_ends[0]);
	b_read = readable_pipe(&b_write);
	move_to(b_read, number);
	event_set_watch(set, &b, number, 1, POLLIN);
	event_set_watch(set, &a, -1, 1, 0);
	cr_assert_eq(event_set_wait(set, 1000, &no_signals), 1);
	cr_assert_eq(b.revents, (unsigned) POLLIN);
	cr_assert_eq(a.revents, 0u);
	event_set_free(set);
	close(number);
	close(b_write);
	close(a_ends[1]);
}

/* One watch's descriptor is closed and a new one opened under the same
 * number with the same interest: the new one is registered. */
Test(event_set, number_reused_by_the_same_watch)
{
	struct event_set *set = event_set_create();
	struct event_watch watch = EVENT_WATCH_INIT;
	int	ends[2], fresh_write, fresh_read, number;

	sigemptyset(&no_signals);
	cr_assert_eq(pipe(ends), 0);
	event_set_watch(set, &watch, ends[0], 1, POLLIN);
	number = ends[0];
	close(ends[0]);
	fresh_read = readable_pipe(&fresh_write);
	move_to(fresh_read, number);
	event_set_watch(set, &watch, number, 2, POLLIN);
	cr_assert_eq(event_set_wait(set, 1000, &no_signals), 1);
	cr_assert_eq(watch.revents, (unsigned) POLLIN);
	event_set_free(set);
	close(number);
	close(fresh_write);
	close(ends[1]);
}

Test(event_set, hang_up_is_reported_without_interest)
{
	struct event_set *set = event_set_create();
	struct event_watch watch = EVENT_WATCH_INIT;
	int	ends[2];

	sigemptyset(&no_signals);
	cr_assert_eq(pipe(ends), 0);
	event_set_watch(set, &watch, ends[0], 1, 0);
	close(ends[1]);
	cr_assert_eq(event_set_wait(set, 1000, &no_signals), 1);
	cr_assert_eq(watch.revents, (unsigned) POLLHUP);
	event_set_free(set);
	close(ends[0]);
}
