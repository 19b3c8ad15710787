/*
 * Unit tests for follow, without sessions: which slot of a temporary spool
 * follow_step() hands out, when it skips a slot as late, how it takes
 * files added later, and the counts it carries into the summary. Slot
 * times are set relative to the real clock.
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "follow.h"
#include "msg.h"
#include "slot.h"
#include "smtp_session.h"
#include "wall_clock.h"

static char spool[64];

static void
setup(void)
{
	snprintf(spool, sizeof(spool), "%s", "/tmp/test_follow.XXXXXX");
	cr_assert_not_null(mkdtemp(spool), "mkdtemp failed");
	msg_init("test_follow");
	wall_clock_set_offset(NULL);
}

static void
teardown(void)
{
	char   *command = xasprintf("rm -rf '%s'", spool);

	cr_expect_eq(system(command), 0, "%s failed", command);
	free(command);
}

TestSuite(follow, .init = setup, .fini = teardown);

/* Returns the name of the slot that starts minutes after this minute. */
static char *
slot_at(int minutes)
{
	time_t	now = (time_t)(wall_clock_now_ms() / 1000);
	char	name[SLOT_NAME_SIZE];

	slot_name(now - now % 60 + minutes * 60, name);
	return xstrdup(name);
}

/* Writes count message files into slot's new/ folder, named from first. */
static void
write_messages(const char *slot, int first, int count)
{
	char   *folder = xasprintf("%s/%s", spool, slot);
	char   *new_folder = xasprintf("%s/new", folder);
	int	i;

	mkdir(folder, 0755);
	mkdir(new_folder, 0755);
	for (i = first; i < first + count; i++) {
		char   *path = xasprintf("%s/%d.test", new_folder, 1000 + i);
		FILE   *file = fopen(path, "w");

		cr_assert_not_null(file, "cannot create %s", path);
		fprintf(file, "From: a@example.com\nTo: b@example.com\n"
		    "Subject: %d\n\nbody\n", i);
		fclose(file);
		free(path);
	}
	free(new_folder);
	free(folder);
}

static struct follow *
create_follow(unsigned max_lag)
{
	struct follow_options options;
	struct follow *follow;

	memset(&options, 0, sizeof(options));
	options.spool = spool;
	options.duration = 59;
	options.max_lag = max_lag;
	follow = follow_create(&options);
	cr_assert_not_null(follow, "follow_create(%s) failed", spool);
	return follow;
}

Test(follow, missing_spool)
{
	struct follow_options options;

	memset(&options, 0, sizeof(options));
	options.spool = "/nonexistent/spool";
	cr_expect_null(follow_create(&options));
}

Test(follow, due_slot_then_idle)
{
	char   *late = slot_at(-10);
	char   *current = slot_at(0);
	char   *future = slot_at(2);
	struct follow *follow;
	struct inject_queue *queue, *idle_queue;
	long long now;

	write_messages(late, 0, 2);
	write_messages(current, 0, 3);
	write_messages(future, 0, 4);
	follow = create_follow(300);

	now = smtp_session_now();
	queue = follow_step(follow, true, now);
	cr_expect_eq(inject_queue_count_unanswered(queue), 3,
	    "the slot of this minute has 3 messages, got %zu",
	    inject_queue_count_unanswered(queue));
	cr_expect_eq(follow_step(follow, false, now), queue,
	    "the queue stays while the sessions are busy");

	idle_queue = follow_step(follow, true, now);
	cr_expect_neq(idle_queue, queue, "the slot ends once idle");
	cr_expect_eq(inject_queue_pending(idle_queue), 0,
	    "nothing to send between slots");
	cr_expect_eq(follow_count_unanswered(follow), 3,
	    "the unsent messages count as pending, got %zu",
	    follow_count_unanswered(follow));
	cr_expect_leq(follow_wake_time(follow, now), now + FOLLOW_RESCAN_MS,
	    "the next rescan is at most %d ms away", FOLLOW_RESCAN_MS);
	cr_expect_geq(follow_wake_time(follow, now), now,
	    "the wake time is not in the past");

	follow_free(follow);
	free(late);
	free(current);
	free(future);
}

Test(follow, late_slot_skipped)
{
	char   *late = slot_at(-10);
	struct follow *follow;
	struct inject_queue *queue;
	char   *path;
	char	summary[4096] = "";
	FILE   *out;

	write_messages(late, 0, 2);
	follow = create_follow(60);
	queue = follow_step(follow, true, smtp_session_now());
	cr_expect_eq(inject_queue_pending(queue), 0,
	    "a slot 10 min late with --max-lag 60 is not sent");

	out = fmemopen(summary, sizeof(summary) - 1, "w");
	follow_print_summary(follow, out, 1.0);
	fclose(out);
	cr_expect(strstr(summary, "skipped late: 2\n") != NULL,
	    "summary without \"skipped late: 2\": %s", summary);
	path = xasprintf("%s/%s/new/1000.test", spool, late);
	cr_expect_eq(access(path, F_OK), 0, "%s was moved", path);

	free(path);
	follow_free(follow);
	free(late);
}

Test(follow, oldest_due_first)
{
	char   *older = slot_at(-2);
	char   *newer = slot_at(-1);
	struct follow *follow;
	struct inject_queue *queue;
	long long now = smtp_session_now();

	write_messages(newer, 0, 1);
	write_messages(older, 0, 2);
	follow = create_follow(300);
	queue = follow_step(follow, true, now);
	cr_expect_eq(inject_queue_pending(queue), 2,
	    "the older slot, with 2 messages, goes first; got %zu",
	    inject_queue_pending(queue));
	queue = follow_step(follow, true, now);
	cr_expect_eq(inject_queue_pending(queue), 1,
	    "then the newer slot, with 1; got %zu",
	    inject_queue_pending(queue));
	follow_free(follow);
	free(older);
	free(newer);
}

Test(follow, files_added_later)
{
	char   *current = slot_at(0);
	struct follow *follow;
	struct inject_queue *queue;
	long long now;

	write_messages(current, 0, 2);
	follow = create_follow(300);
	now = smtp_session_now();
	queue = follow_step(follow, true, now);
	cr_expect_eq(inject_queue_pending(queue), 2);

	/* Added while the slot is sent: they join its queue once the
	 * inotify events have settled, or at the next rescan. */
	write_messages(current, 2, 3);
	now += FOLLOW_RESCAN_MS;
	cr_expect_eq(follow_step(follow, false, now), queue,
	    "the queue stays while the sessions are busy");
	cr_expect_eq(inject_queue_pending(queue), 5,
	    "3 files added while sending join the queue, got %zu",
	    inject_queue_pending(queue) - 2);

	/* Added after the slot ended: a new batch of only those. */
	queue = follow_step(follow, true, now);
	cr_expect_eq(inject_queue_pending(queue), 0, "the slot ended");
	write_messages(current, 5, 1);
	now += FOLLOW_RESCAN_MS;
	queue = follow_step(follow, true, now);
	cr_expect_eq(inject_queue_pending(queue), 1,
	    "the file added after the slot ended is sent, got %zu",
	    inject_queue_pending(queue));

	follow_free(follow);
	free(current);
}
