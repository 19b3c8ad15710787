/*
 * follow - the slots of a spool, sent as they come due. Each slot that is
 * sent gets its own inject_queue, freed when the slot ends, and a sorted
 * list of the file names already taken, so that files added later are
 * recognized. A slot's record is dropped once files added to it could no
 * longer be sent, and slot folders that begin before then are ignored.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "follow.h"
#include "follow_schedule.h"
#include "maildir_name.h"
#include "msg.h"
#include "slot.h"
#include "wall_clock.h"

/* Late slots warned about one by one in one pass. Further ones in the
 * same pass share one warning, because a spool may contain a day of old
 * slots when spoolinject starts. */
#define SKIP_WARNINGS_MAX 10

/* Milliseconds from the first inotify event of a burst until the files
 * are listed, so that a slot written while it is sent is listed a few
 * times a second and not once per file. */
#define SETTLE_MS 100

/* A sorted list of file names. */
struct name_list {
	char  **names;
	size_t	count;
};

struct follow_slot {
	char	name[SLOT_NAME_SIZE];
	char   *path;
	long long start_ms;		/* wall clock */
	bool	started;		/* sent at least once */
	bool	skipped;		/* too late to start, so never sent */
	bool	changed;		/* new/ may hold files not yet seen */
	bool	has_new_files;		/* started, with files not yet sent */
	struct name_list seen;		/* files in new/ already taken or
					 * skipped, or of another shard */
	int	watch;			/* inotify watch of new/, or -1 */
};

/* The slot being sent. */
struct follow_batch {
	struct follow_slot *slot;	/* NULL between slots */
	struct inject_queue *queue;
	long long start_ms;		/* monotonic */
};

/* Late slots skipped in one pass beyond SKIP_WARNINGS_MAX. */
struct skip_tally {
	size_t	warnings;
	size_t	slots_unwarned;
	size_t	messages_unwarned;
};

struct follow {
	struct follow_options options;
	long long max_lag_ms;
	long long keep_ms;		/* a slot is forgotten this long after
					 * its start */
	int	inotify_fd;		/* -1: rescans only */
	int	spool_watch;
	bool	spool_changed;
	bool	spool_unreadable;	/* warned, until a scan works */
	bool	watch_failed;		/* warned once */
	long long next_rescan;		/* monotonic */
	long long events_due;		/* monotonic time to act on the
					 * events read; LLONG_MAX: none */
	long long horizon_ms;		/* slots before it are ignored */
	long long next_start_ms;	/* wall clock, or LLONG_MAX */
	struct follow_slot **slots;	/* sorted by start */
	size_t	slot_count;
	struct follow_batch batch;
	struct inject_queue *totals;	/* counts of the slots sent, and
					 * the empty queue between slots */
	size_t	late_messages;		/* skipped as late */
};

static void
name_list_free(struct name_list *list)
{
	size_t	i;

	for (i = 0; i < list->count; i++)
		free(list->names[i]);
	free(list->names);
	list->names = NULL;
	list->count = 0;
}

static int
name_compare(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
name_list_contains(const struct name_list *list, const char *name)
{
	return list->count > 0 && bsearch(&name, list->names, list->count,
	    sizeof(*list->names), name_compare) != NULL;
}

/* Moves the names of added, which is sorted, into list, which stays
 * sorted. added is left empty. */
static void
name_list_merge(struct name_list *list, struct name_list *added)
{
	char  **merged;
	size_t	i = 0, j = 0, k = 0;

	if (added->count == 0)
		return;
	merged = xcalloc(list->count + added->count, sizeof(*merged));
	while (i < list->count || j < added->count) {
		if (j == added->count || (i < list->count &&
		    strcmp(list->names[i], added->names[j]) < 0))
			merged[k++] = list->names[i++];
		else
			merged[k++] = added->names[j++];
	}
	free(list->names);
	free(added->names);
	list->names = merged;
	list->count = k;
	added->names = NULL;
	added->count = 0;
}

static void
name_list_append(struct name_list *list, char *name)
{
	list->names = xrealloc(list->names,
	    (list->count + 1) * sizeof(*list->names));
	list->names[list->count++] = name;
}

static int
is_visible_entry(const struct dirent *entry)
{
	return entry->d_name[0] != '.';
}

static int
entry_compare(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static bool
in_shard(const struct follow *follow, const char *name)
{
	const struct inject_queue_options *queue = &follow->options.queue;

	return queue->shard_count == 0 ||
	    maildir_name_in_shard(name, queue->shard, queue->shard_count);
}

/*
 * Lists the files of the slot's new/ folder that are neither seen nor of
 * another shard, sorted. Those of another shard become seen. A missing
 * new/ has no files, because spoolgen may still be creating the slot.
 */
static void
slot_list_unseen(struct follow *follow, struct follow_slot *slot,
    struct name_list *unseen)
{
	char   *path = xasprintf("%s/new", slot->path);
	struct name_list foreign = { NULL, 0 };
	struct dirent **entries;
	int	count, i;

	unseen->names = NULL;
	unseen->count = 0;
	count = scandir(path, &entries, is_visible_entry, entry_compare);
	if (count < 0 && errno != ENOENT)
		msg_warn("slot %s: read %s: %m", slot->name, path);
	for (i = 0; i < count; i++) {
		const char *name = entries[i]->d_name;

		if (!name_list_contains(&slot->seen, name)) {
			if (in_shard(follow, name))
				name_list_append(unseen, xstrdup(name));
			else
				name_list_append(&foreign, xstrdup(name));
		}
		free(entries[i]);
	}
	if (count >= 0)
		free(entries);
	name_list_merge(&slot->seen, &foreign);
	free(path);
}

/* Watches the slot's new/ folder, unless it is watched already or does
 * not exist yet. The rescans find what a missing watch would report. */
static void
slot_watch(struct follow *follow, struct follow_slot *slot)
{
	char   *path;

	if (follow->inotify_fd < 0 || slot->watch >= 0)
		return;
	path = xasprintf("%s/new", slot->path);
	slot->watch = inotify_add_watch(follow->inotify_fd, path,
	    IN_CREATE | IN_MOVED_TO | IN_ONLYDIR);
	if (slot->watch < 0 && errno != ENOENT && !follow->watch_failed) {
		msg_warn("inotify watch of %s failed: %m; new files in slots are found by a rescan every %d s",
		    path, FOLLOW_RESCAN_MS / 1000);
		follow->watch_failed = true;
	}
	free(path);
}

static void
slot_free(struct follow *follow, struct follow_slot *slot)
{
	if (slot->watch >= 0)
		inotify_rm_watch(follow->inotify_fd, slot->watch);
	name_list_free(&slot->seen);
	free(slot->path);
	free(slot);
}

/* Returns the index of the first slot that starts at start_ms or later. */
static size_t
slot_search(const struct follow *follow, long long start_ms)
{
	size_t	low = 0, high = follow->slot_count;

	while (low < high) {
		size_t	middle = low + (high - low) / 2;

		if (follow->slots[middle]->start_ms < start_ms)
			low = middle + 1;
		else
			high = middle;
	}
	return low;
}

/* Adds a record for the slot folder name unless there is one. */
static void
follow_add_slot(struct follow *follow, const char *name, long long start_ms)
{
	size_t	index = slot_search(follow, start_ms);
	struct follow_slot *slot;
	char   *path;
	struct stat status;

	if (index < follow->slot_count &&
	    follow->slots[index]->start_ms == start_ms)
		return;
	path = xasprintf("%s/%s", follow->options.spool, name);
	if (stat(path, &status) < 0 || !S_ISDIR(status.st_mode)) {
		free(path);
		return;
	}
	slot = xcalloc(1, sizeof(*slot));
	slot_name((time_t)(start_ms / 1000), slot->name);
	slot->path = path;
	slot->start_ms = start_ms;
	slot->watch = -1;
	follow->slots = xrealloc(follow->slots,
	    (follow->slot_count + 1) * sizeof(*follow->slots));
	memmove(follow->slots + index + 1, follow->slots + index,
	    (follow->slot_count - index) * sizeof(*follow->slots));
	follow->slots[index] = slot;
	follow->slot_count++;
}

static int
is_slot_entry(const struct dirent *entry)
{
	time_t	start;

	return slot_from_name(entry->d_name, &start) == 0;
}

/* Adds a record for every slot folder of the spool that is not before the
 * horizon. */
static void
follow_scan_spool(struct follow *follow)
{
	struct dirent **entries;
	int	count, i;

	follow->spool_changed = false;
	count = scandir(follow->options.spool, &entries, is_slot_entry,
	    entry_compare);
	if (count < 0) {
		if (!follow->spool_unreadable)
			msg_warn("read spool folder %s: %m; trying again every %d s",
			    follow->options.spool, FOLLOW_RESCAN_MS / 1000);
		follow->spool_unreadable = true;
		return;
	}
	follow->spool_unreadable = false;
	for (i = 0; i < count; i++) {
		time_t	start;

		slot_from_name(entries[i]->d_name, &start);
		if ((long long)start * 1000 >= follow->horizon_ms)
			follow_add_slot(follow, entries[i]->d_name,
			    (long long)start * 1000);
		free(entries[i]);
	}
	free(entries);
}

static struct follow_slot *
slot_by_watch(const struct follow *follow, int watch)
{
	size_t	i;

	for (i = 0; i < follow->slot_count; i++) {
		if (follow->slots[i]->watch == watch)
			return follow->slots[i];
	}
	return NULL;
}

static void
follow_handle_event(struct follow *follow, const struct inotify_event *event)
{
	struct follow_slot *slot;

	if (event->mask & IN_Q_OVERFLOW) {
		follow->next_rescan = 0;
		return;
	}
	if (event->wd == follow->spool_watch) {
		follow->spool_changed = true;
		return;
	}
	slot = slot_by_watch(follow, event->wd);
	if (slot == NULL)
		return;
	if (event->mask & IN_IGNORED)
		slot->watch = -1;
	else
		slot->changed = true;
}

/* Reads every pending inotify event. Returns whether there was one. */
static bool
follow_read_events(struct follow *follow)
{
	char	buffer[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	bool	any = false;
	ssize_t	length;
	char   *p;

	while (follow->inotify_fd >= 0) {
		length = read(follow->inotify_fd, buffer, sizeof(buffer));
		if (length < 0 && errno == EINTR)
			continue;
		if (length <= 0)
			break;
		any = true;
		for (p = buffer; p < buffer + length;) {
			const struct inotify_event *event =
			    (const struct inotify_event *)p;

			follow_handle_event(follow, event);
			p += sizeof(*event) + event->len;
		}
	}
	return any;
}

static const char *
plural(size_t count)
{
	return count == 1 ? "" : "s";
}

/* Paces the queue's pending claims from monotonic time now_ms so that the
 * last starts before the slot's start plus --duration, at most --rate a
 * second. */
static void
batch_pace(struct follow *follow, long long wall_ms, long long now_ms)
{
	struct inject_queue *queue = follow->batch.queue;
	long long end_ms = follow->batch.slot->start_ms +
	    (long long)(follow->options.duration * 1000.0);
	double	interval = follow_schedule_interval(wall_ms, end_ms,
	    inject_queue_pending(queue), follow->options.rate);

	/* inject_queue_pace() counts claims from the start of the queue, so
	 * the next claim, number inject_queue_claims(), is put at now_ms. */
	inject_queue_pace(queue, now_ms -
	    (long long)((double)inject_queue_claims(queue) * interval),
	    interval);
}

/* Adds the slot's unseen files to the queue. Returns the number added. */
static size_t
batch_add_files(struct follow *follow, struct name_list *unseen)
{
	struct follow_slot *slot = follow->batch.slot;
	size_t	added = 0;
	size_t	i;

	for (i = 0; i < unseen->count; i++) {
		if (inject_queue_add_file(follow->batch.queue, slot->path,
		    unseen->names[i]))
			added++;
	}
	name_list_merge(&slot->seen, unseen);
	return added;
}

/* Warns that the files of slot in unseen are too late and marks them
 * seen. */
static void
skip_late_files(struct follow *follow, struct follow_slot *slot,
    struct name_list *unseen, long long wall_ms)
{
	char	now[WALL_CLOCK_TEXT_SIZE];

	wall_clock_format(wall_ms, now);
	msg_warn("%s slot %s: %zu message%s added %.0f s after the slot's start, later than --max-lag %u s, left in new/",
	    now, slot->name, unseen->count, plural(unseen->count),
	    (double)(wall_ms - slot->start_ms) / 1000.0,
	    follow->options.max_lag);
	follow->late_messages += unseen->count;
	name_list_merge(&slot->seen, unseen);
}

/* Takes files added to the slot being sent. Returns whether the queue got
 * more messages. */
static bool
batch_take_new_files(struct follow *follow, long long wall_ms,
    long long now_ms)
{
	struct follow_slot *slot = follow->batch.slot;
	struct name_list unseen;
	char	now[WALL_CLOCK_TEXT_SIZE];
	size_t	added;

	if (slot == NULL || !slot->changed)
		return false;
	slot->changed = false;
	slot_list_unseen(follow, slot, &unseen);
	if (unseen.count == 0)
		return false;
	if (follow_schedule_action(slot->start_ms, true, wall_ms,
	    follow->max_lag_ms) != FOLLOW_SEND) {
		skip_late_files(follow, slot, &unseen, wall_ms);
		return false;
	}
	added = batch_add_files(follow, &unseen);
	if (added == 0)
		return false;
	wall_clock_format(wall_ms, now);
	msg_info("%s slot %s: %zu message%s added while sending", now,
	    slot->name, added, plural(added));
	batch_pace(follow, wall_ms, now_ms);
	return true;
}

/* Starts sending slot: takes its unseen files into a new queue and paces
 * them. */
static void
batch_start(struct follow *follow, struct follow_slot *slot,
    long long wall_ms, long long now_ms)
{
	struct name_list unseen;
	char	now[WALL_CLOCK_TEXT_SIZE], late[48] = "";
	double	lag = (double)(wall_ms - slot->start_ms) / 1000.0;
	bool	again = slot->started;
	size_t	added;

	follow->batch.slot = slot;
	follow->batch.queue = inject_queue_create(&follow->options.queue,
	    follow->options.log);
	follow->batch.start_ms = now_ms;

	/* Watching before listing, so no file can fall between the two. */
	slot_watch(follow, slot);
	slot->changed = false;
	slot->has_new_files = false;
	slot->started = true;
	slot_list_unseen(follow, slot, &unseen);
	added = batch_add_files(follow, &unseen);

	if (lag >= 1.0)
		snprintf(late, sizeof(late), " %.1f s late", lag);
	wall_clock_format(wall_ms, now);
	msg_info("%s slot %s: start%s, %zu %smessage%s", now, slot->name,
	    late, added, again ? "more " : "", plural(added));
	batch_pace(follow, wall_ms, now_ms);
}

static void
batch_end(struct follow *follow, long long now_ms)
{
	struct inject_queue *queue = follow->batch.queue;
	char	now[WALL_CLOCK_TEXT_SIZE];

	wall_clock_format(wall_clock_now_ms(), now);
	msg_info("%s slot %s: end: %zu accepted, %zu deferred, %zu rejected, %zu pending in %.1f s",
	    now, follow->batch.slot->name,
	    inject_queue_count(queue, INJECT_ACCEPTED),
	    inject_queue_count(queue, INJECT_DEFERRED),
	    inject_queue_count(queue, INJECT_REJECTED),
	    inject_queue_count_unanswered(queue),
	    (double)(now_ms - follow->batch.start_ms) / 1000.0);
	inject_queue_add_counts(follow->totals, queue);
	inject_queue_free(queue);
	follow->batch.queue = NULL;
	follow->batch.slot = NULL;
}

/* Skips a slot that was not started within --max-lag of its start. */
static void
slot_skip(struct follow *follow, struct follow_slot *slot,
    long long wall_ms, struct skip_tally *tally)
{
	struct name_list unseen;
	char	now[WALL_CLOCK_TEXT_SIZE];

	slot->skipped = true;
	slot_list_unseen(follow, slot, &unseen);
	follow->late_messages += unseen.count;
	if (unseen.count > 0 && tally->warnings < SKIP_WARNINGS_MAX) {
		wall_clock_format(wall_ms, now);
		msg_warn("%s slot %s: skipped, %.0f s late, later than --max-lag %u s; %zu message%s left in new/",
		    now, slot->name,
		    (double)(wall_ms - slot->start_ms) / 1000.0,
		    follow->options.max_lag, unseen.count,
		    plural(unseen.count));
		tally->warnings++;
	} else if (unseen.count > 0) {
		tally->slots_unwarned++;
		tally->messages_unwarned += unseen.count;
	}
	name_list_free(&unseen);
}

/* Looks for files added to a slot that was sent and is not being sent. */
static void
slot_check_new_files(struct follow *follow, struct follow_slot *slot,
    long long wall_ms)
{
	struct name_list unseen;

	slot->changed = false;
	slot_list_unseen(follow, slot, &unseen);
	if (unseen.count == 0)
		return;
	if (follow_schedule_action(slot->start_ms, true, wall_ms,
	    follow->max_lag_ms) == FOLLOW_SEND)
		slot->has_new_files = true;
	else
		skip_late_files(follow, slot, &unseen, wall_ms);
	name_list_free(&unseen);
}

/* Drops the records of slots whose files could no longer be sent, except
 * the one being sent, and moves the horizon past them. */
static void
follow_forget_old_slots(struct follow *follow, long long wall_ms)
{
	size_t	kept = 0;
	size_t	i;

	if (wall_ms - follow->keep_ms > follow->horizon_ms)
		follow->horizon_ms = wall_ms - follow->keep_ms;
	for (i = 0; i < follow->slot_count; i++) {
		struct follow_slot *slot = follow->slots[i];

		if (slot->start_ms >= follow->horizon_ms ||
		    slot == follow->batch.slot)
			follow->slots[kept++] = slot;
		else
			slot_free(follow, slot);
	}
	follow->slot_count = kept;
}

/* Skips late slots, looks for files added to slots sent before, drops
 * the records of old slots and finds the start of the next slot. */
static void
follow_check_slots(struct follow *follow, long long wall_ms)
{
	struct skip_tally tally = { 0, 0, 0 };
	char	now[WALL_CLOCK_TEXT_SIZE];
	size_t	i;

	follow->next_start_ms = LLONG_MAX;
	for (i = 0; i < follow->slot_count; i++) {
		struct follow_slot *slot = follow->slots[i];
		enum follow_action action = follow_schedule_action(
		    slot->start_ms, slot->started, wall_ms,
		    follow->max_lag_ms);

		if (slot->skipped || slot == follow->batch.slot)
			continue;
		if (!slot->started && action == FOLLOW_SKIP)
			slot_skip(follow, slot, wall_ms, &tally);
		else if (!slot->started && action == FOLLOW_WAIT &&
		    slot->start_ms < follow->next_start_ms)
			follow->next_start_ms = slot->start_ms;
		else if (slot->started && slot->changed)
			slot_check_new_files(follow, slot, wall_ms);
	}
	if (tally.slots_unwarned > 0) {
		wall_clock_format(wall_ms, now);
		msg_warn("%s %zu more slot%s skipped as later than --max-lag %u s; %zu message%s left in new/",
		    now, tally.slots_unwarned, plural(tally.slots_unwarned),
		    follow->options.max_lag, tally.messages_unwarned,
		    plural(tally.messages_unwarned));
	}
	follow_forget_old_slots(follow, wall_ms);
}

/* Returns the slot to send next, or NULL. */
static struct follow_slot *
follow_next_slot(const struct follow *follow, long long wall_ms)
{
	struct follow_schedule_slot *schedule;
	size_t	i, next;

	if (follow->slot_count == 0)
		return NULL;
	schedule = xcalloc(follow->slot_count, sizeof(*schedule));
	for (i = 0; i < follow->slot_count; i++) {
		schedule[i].start_ms = follow->slots[i]->start_ms;
		schedule[i].started = follow->slots[i]->started;
		schedule[i].skipped = follow->slots[i]->skipped;
		schedule[i].has_new_files = follow->slots[i]->has_new_files;
	}
	next = follow_schedule_next(schedule, follow->slot_count, wall_ms,
	    follow->max_lag_ms);
	free(schedule);
	return next < follow->slot_count ? follow->slots[next] : NULL;
}

struct follow *
follow_create(const struct follow_options *options)
{
	struct follow *follow;
	struct stat status;
	long long minute_ms = FOLLOW_SLOT_MS;

	if (stat(options->spool, &status) < 0)
		return NULL;
	if (!S_ISDIR(status.st_mode)) {
		errno = ENOTDIR;
		return NULL;
	}
	follow = xcalloc(1, sizeof(*follow));
	follow->options = *options;
	follow->max_lag_ms = (long long)options->max_lag * 1000;
	follow->keep_ms = (follow->max_lag_ms > minute_ms ?
	    follow->max_lag_ms : minute_ms) + FOLLOW_RESCAN_MS;
	follow->horizon_ms = LLONG_MIN;
	follow->next_start_ms = LLONG_MAX;
	follow->events_due = LLONG_MAX;
	follow->totals = inject_queue_create(&options->queue, options->log);
	follow->spool_changed = true;
	follow->spool_watch = -1;
	follow->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (follow->inotify_fd >= 0)
		follow->spool_watch = inotify_add_watch(follow->inotify_fd,
		    options->spool, IN_CREATE | IN_MOVED_TO | IN_ONLYDIR);
	if (follow->inotify_fd < 0 || follow->spool_watch < 0) {
		msg_warn("inotify on %s failed: %m; new slots and files are found by a rescan every %d s",
		    options->spool, FOLLOW_RESCAN_MS / 1000);
		if (follow->inotify_fd >= 0)
			close(follow->inotify_fd);
		follow->inotify_fd = -1;
	}
	return follow;
}

int
follow_fd(const struct follow *follow)
{
	return follow->inotify_fd;
}

long long
follow_wake_time(const struct follow *follow, long long now_ms)
{
	long long wake = follow->next_rescan;
	long long until_start;

	if (follow->events_due < wake)
		wake = follow->events_due;
	/* The next slot waits for the one being sent in any case. */
	if (follow->batch.queue != NULL ||
	    follow->next_start_ms == LLONG_MAX)
		return wake;
	until_start = follow->next_start_ms - wall_clock_now_ms();
	if (until_start < 0)
		until_start = 0;
	if (now_ms + until_start < wake)
		wake = now_ms + until_start;
	return wake;
}

struct inject_queue *
follow_step(struct follow *follow, bool idle, long long now_ms)
{
	long long wall_ms = wall_clock_now_ms();
	bool	rescan = now_ms >= follow->next_rescan;
	bool	changed;
	bool	grew = false;
	size_t	i;
	struct follow_slot *next;

	if (follow_read_events(follow) && follow->events_due == LLONG_MAX)
		follow->events_due = now_ms + SETTLE_MS;
	changed = rescan || now_ms >= follow->events_due;
	if (changed)
		follow->events_due = LLONG_MAX;
	if (rescan) {
		follow->next_rescan = now_ms + FOLLOW_RESCAN_MS;
		follow->spool_changed = true;
		for (i = 0; i < follow->slot_count; i++) {
			struct follow_slot *slot = follow->slots[i];

			if (!slot->started || slot->skipped)
				continue;
			slot_watch(follow, slot);
			slot->changed = true;
		}
	}
	if (changed && follow->spool_changed)
		follow_scan_spool(follow);
	if (changed)
		grew = batch_take_new_files(follow, wall_ms, now_ms);
	if (follow->batch.queue != NULL && idle && !grew)
		batch_end(follow, now_ms);
	if (follow->batch.queue == NULL || changed)
		follow_check_slots(follow, wall_ms);
	if (follow->batch.queue == NULL) {
		next = follow_next_slot(follow, wall_ms);
		if (next != NULL)
			batch_start(follow, next, wall_ms, now_ms);
	}
	return follow->batch.queue != NULL ? follow->batch.queue :
	    follow->totals;
}

void
follow_finish(struct follow *follow, long long now_ms)
{
	if (follow->batch.queue != NULL)
		batch_end(follow, now_ms);
}

void
follow_print_summary(struct follow *follow, FILE *out,
    double elapsed_seconds)
{
	inject_queue_print_summary(follow->totals, out, elapsed_seconds);
	fprintf(out, "skipped late: %zu\n", follow->late_messages);
}

size_t
follow_count_unanswered(const struct follow *follow)
{
	return inject_queue_count_unanswered(follow->totals);
}

int
follow_exit_status(const struct follow *follow)
{
	return inject_queue_exit_status(follow->totals);
}

void
follow_free(struct follow *follow)
{
	size_t	i;

	if (follow->batch.queue != NULL)
		inject_queue_free(follow->batch.queue);
	for (i = 0; i < follow->slot_count; i++)
		slot_free(follow, follow->slots[i]);
	free(follow->slots);
	inject_queue_free(follow->totals);
	if (follow->inotify_fd >= 0)
		close(follow->inotify_fd);
	free(follow);
}
