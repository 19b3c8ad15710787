/*
 * inject_queue - pending message files of Maildirs. A message is claimed
 * with flock() on its file and stays locked until its file has moved out
 * of new/. So two spoolinject runs over one spool never send the same file
 * while both run, unless --keep leaves the files in place. The lock ends
 * with the process, so a killed run leaves no stale claim.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "inject_queue.h"
#include "maildir_name.h"
#include "msg.h"
#include "wall_clock.h"

/* Skipped files warned about one by one; further ones are only counted,
 * because two runs over one spool skip each other's files by the
 * thousand. */
#define SKIP_WARNINGS_MAX 20

/* An open folder of a Maildir, so that its files are opened and moved by
 * name rather than by a path walked from the working folder. Each cache
 * keeps one folder open, because messages are claimed and answered in
 * folder order. */
struct folder_fd {
	const char *slot;		/* the queue's shared copy */
	const char *folder;		/* "new" or "cur" */
	int	fd;			/* -1: none open */
};

/* Count of messages decided by one reply code and enhanced code. */
struct reply_count {
	char	key[24];		/* e.g. "250 2.0.0" */
	size_t	count;
};

struct inject_queue {
	struct inject_queue_options options;
	FILE   *log;
	struct inject_message **messages;	/* every message, in order */
	size_t	message_count;
	struct inject_message *pending_head;
	struct inject_message *pending_tail;
	size_t	pending_count;
	size_t	outcome_counts[3];
	size_t	local_rejections;
	size_t	skipped;
	size_t	added_unanswered;	/* from inject_queue_add_counts() */
	struct reply_count *reply_counts;
	size_t	reply_count_length;
	size_t	bytes_in_flight;	/* DATA bytes of claimed messages */
	struct buf log_line;		/* reused for each log record */
	bool	log_failed;		/* a write to the log failed */
	size_t	not_moved;		/* answered, yet still in new/ */
	size_t	locked;			/* skipped: locked by another process */
	const char *locked_slot;	/* slot of the last locked file */
	char  **slots;			/* every Maildir read, by realpath();
					 * messages point into slot_names */
	char  **slot_names;		/* the same Maildirs as given or found */
	size_t	slot_count;
	size_t	slot_capacity;
	size_t *slot_table;		/* hash table of slot numbers plus 1;
					 * 0 marks an empty entry */
	size_t	slot_table_size;	/* a power of two, or 0 */
	bool	stopped;
	size_t	claims;
	long long pace_start;		/* monotonic ms */
	double	pace_interval;		/* ms; 0: not paced */
	struct folder_fd claim_folder;	/* folder of the last claim */
	struct folder_fd answer_folder;	/* new/ of the last answer */
	struct folder_fd cur_folder;	/* cur/ of the last move */
};

struct inject_queue *
inject_queue_create(const struct inject_queue_options *options, FILE *log)
{
	struct inject_queue *queue = xcalloc(1, sizeof(*queue));

	queue->options = *options;
	if (queue->options.bytes_in_flight_max == 0)
		queue->options.bytes_in_flight_max = INJECT_QUEUE_BYTES_MAX;
	queue->log = log;
	queue->claim_folder.fd = -1;
	queue->answer_folder.fd = -1;
	queue->cur_folder.fd = -1;
	return queue;
}

/* Returns a descriptor of slot/folder, opening it in place of the folder
 * cached before. With create, a missing folder is made first. Returns -1
 * with errno set when it cannot be opened. */
static int
folder_fd_get(struct folder_fd *cached, const char *slot, const char *folder,
    bool create)
{
	char   *path;

	if (cached->fd >= 0 && cached->slot == slot &&
	    strcmp(cached->folder, folder) == 0)
		return cached->fd;
	if (cached->fd >= 0)
		close(cached->fd);
	cached->slot = slot;
	cached->folder = folder;
	path = xasprintf("%s/%s", slot, folder);
	if (create && mkdir(path, 0700) < 0 && errno != EEXIST)
		msg_warn("mkdir %s: %m", path);
	cached->fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(path);
	return cached->fd;
}

static void
folder_fd_close(struct folder_fd *cached)
{
	if (cached->fd >= 0)
		close(cached->fd);
	cached->fd = -1;
}

/* Warns about a skipped file, up to SKIP_WARNINGS_MAX times. */
static void
queue_skip(struct inject_queue *queue, const char *path, const char *reason)
{
	queue->skipped++;
	if (queue->skipped <= SKIP_WARNINGS_MAX)
		msg_warn("skipping %s: %s", path, reason);
	if (queue->skipped == SKIP_WARNINGS_MAX)
		msg_warn("further skipped files are only counted in the summary");
}

static void
pending_push(struct inject_queue *queue, struct inject_message *message)
{
	message->state = INJECT_PENDING;
	message->next = NULL;
	if (queue->pending_tail)
		queue->pending_tail->next = message;
	else
		queue->pending_head = message;
	queue->pending_tail = message;
	queue->pending_count++;
}

static struct inject_message *
pending_pop(struct inject_queue *queue)
{
	struct inject_message *message = queue->pending_head;

	if (message == NULL)
		return NULL;
	queue->pending_head = message->next;
	if (queue->pending_head == NULL)
		queue->pending_tail = NULL;
	queue->pending_count--;
	message->next = NULL;
	return message;
}

static int
skip_dot_entries(const struct dirent *entry)
{
	return entry->d_name[0] != '.';
}

/* Counts a file that another process has locked. Two runs over one spool
 * skip each other's files by the thousand, so only the first such file
 * of each Maildir is named. The summary gives the total. */
static void
queue_skip_locked(struct inject_queue *queue,
    const struct inject_message *message, const char *path)
{
	queue->skipped++;
	queue->locked++;
	if (queue->locked_slot == message->slot)
		return;
	queue->locked_slot = message->slot;
	msg_warn("skipping %s: locked by another process; further locked files in %s are only counted", path, message->slot);
}

/* Returns the table entry for resolved: the one with its slot number, or
 * the empty one where it would go. The table is never full. */
static size_t *
slot_table_entry(const struct inject_queue *queue, const char *resolved)
{
	size_t	mask = queue->slot_table_size - 1;
	size_t	i = (size_t)maildir_name_fnv1a(resolved, strlen(resolved)) &
	    mask;

	while (queue->slot_table[i] != 0 &&
	    strcmp(queue->slots[queue->slot_table[i] - 1], resolved) != 0)
		i = (i + 1) & mask;
	return &queue->slot_table[i];
}

/* Doubles the table, or creates it, and enters every slot again. */
static void
slot_table_grow(struct inject_queue *queue)
{
	size_t	i;

	free(queue->slot_table);
	queue->slot_table_size = queue->slot_table_size == 0 ? 64 :
	    queue->slot_table_size * 2;
	queue->slot_table = xcalloc(queue->slot_table_size,
	    sizeof(*queue->slot_table));
	for (i = 0; i < queue->slot_count; i++)
		*slot_table_entry(queue, queue->slots[i]) = i + 1;
}

/* Returns the number of the slot whose realpath() is resolved, or
 * SIZE_MAX when there is none. */
static size_t
queue_find_slot(const struct inject_queue *queue, const char *resolved)
{
	size_t	entry;

	if (queue->slot_table_size == 0)
		return SIZE_MAX;
	entry = *slot_table_entry(queue, resolved);
	return entry == 0 ? SIZE_MAX : entry - 1;
}

/* Records slot, by its realpath(), unless it was added before. Returns
 * the copy of slot that its messages share, or NULL for a repeat. */
static char *
queue_add_slot_name(struct inject_queue *queue, const char *slot)
{
	char   *resolved = realpath(slot, NULL);

	if (resolved == NULL)
		resolved = xstrdup(slot);
	if (queue_find_slot(queue, resolved) != SIZE_MAX) {
		free(resolved);
		return NULL;
	}
	if (queue->slot_count == queue->slot_capacity) {
		queue->slot_capacity = queue->slot_capacity == 0 ? 16 :
		    queue->slot_capacity * 2;
		queue->slots = xrealloc(queue->slots,
		    queue->slot_capacity * sizeof(*queue->slots));
		queue->slot_names = xrealloc(queue->slot_names,
		    queue->slot_capacity * sizeof(*queue->slot_names));
	}
	queue->slots[queue->slot_count] = resolved;
	queue->slot_names[queue->slot_count] = xstrdup(slot);
	queue->slot_count++;

	/* At most half full, so that probes stay short. */
	if (queue->slot_count * 2 > queue->slot_table_size)
		slot_table_grow(queue);
	else
		*slot_table_entry(queue, resolved) = queue->slot_count;
	return queue->slot_names[queue->slot_count - 1];
}

/* Returns the queue's copy of the name of Maildir slot, adding it when
 * the queue has none yet, so that messages may point to it. */
static char *
queue_slot_name(struct inject_queue *queue, const char *slot)
{
	char   *resolved = realpath(slot, NULL);
	char   *added;
	size_t	found = resolved == NULL ? SIZE_MAX :
	    queue_find_slot(queue, resolved);

	free(resolved);
	if (found != SIZE_MAX)
		return queue->slot_names[found];
	added = queue_add_slot_name(queue, slot);
	if (added == NULL)
		msg_panic("queue_slot_name: %s vanished from the slot list",
		    slot);
	return added;
}

static void
queue_add_message(struct inject_queue *queue, char *slot,
    const char *folder, const char *name)
{
	struct inject_message *message = xcalloc(1, sizeof(*message));

	message->slot = slot;
	message->folder = folder;
	message->name = xstrdup(name);
	message->fd = -1;
	queue->messages = xrealloc(queue->messages,
	    (queue->message_count + 1) * sizeof(*queue->messages));
	queue->messages[queue->message_count++] = message;
	pending_push(queue, message);
}

/* Returns whether name, in the folder open on folder_fd whose path is
 * folder_path, is a message file, warning if not. lstat() semantics keep
 * a symbolic link from leading out of the Maildir. */
static bool
folder_entry_is_message(int folder_fd, const char *folder_path,
    const char *name)
{
	struct stat status;
	const char *problem = NULL;

	if (fstatat(folder_fd, name, &status, AT_SYMLINK_NOFOLLOW) < 0)
		problem = strerror(errno);
	else if (S_ISLNK(status.st_mode))
		problem = "symbolic link";
	else if (!S_ISREG(status.st_mode))
		problem = "not a regular file";
	else if (status.st_size == 0)
		problem = "empty file";
	if (problem != NULL)
		msg_warn("skipping %s/%s: %s", folder_path, name, problem);
	return problem == NULL;
}

/* A file found in new/ or cur/, before sorting. */
struct listed_file {
	const char *folder;
	char   *name;
};

static int
listed_file_compare(const void *a, const void *b)
{
	const struct listed_file *file_a = a, *file_b = b;
	int	order = strcmp(file_a->name, file_b->name);

	return order != 0 ? order : strcmp(file_b->folder, file_a->folder);
}

/* Appends the message files of slot/folder that belong to our shard. */
static void
list_folder(struct inject_queue *queue, const char *slot, const char *folder,
    struct listed_file **files, size_t *count)
{
	char   *path = xasprintf("%s/%s", slot, folder);
	struct dirent **entries;
	int	entry_count = -1, folder_fd, i;

	folder_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (folder_fd >= 0)
		entry_count = scandirat(folder_fd, ".", &entries,
		    skip_dot_entries, NULL);
	if (entry_count < 0) {
		if (errno != ENOENT)
			msg_warn("skipping %s: %m", path);
		if (folder_fd >= 0)
			close(folder_fd);
		free(path);
		return;
	}
	for (i = 0; i < entry_count; i++) {
		const char *name = entries[i]->d_name;

		if ((queue->options.shard_count == 0 ||
		    maildir_name_in_shard(name, queue->options.shard,
		    queue->options.shard_count)) &&
		    folder_entry_is_message(folder_fd, path, name)) {
			*files = xrealloc(*files, (*count + 1) * sizeof(**files));
			(*files)[*count].folder = folder;
			(*files)[*count].name = xstrdup(name);
			(*count)++;
		}
		free(entries[i]);
	}
	free(entries);
	close(folder_fd);
	free(path);
}

static bool
is_folder(const char *path)
{
	struct stat status;

	return stat(path, &status) == 0 && S_ISDIR(status.st_mode);
}

/* Returns whether path is a Maildir: a folder with new/ or cur/. */
static bool
is_maildir(const char *path)
{
	char   *new_folder = xasprintf("%s/new", path);
	char   *cur_folder = xasprintf("%s/cur", path);
	bool	result = is_folder(new_folder) || is_folder(cur_folder);

	free(new_folder);
	free(cur_folder);
	return result;
}

/* Returns whether the entry of a Maildir is a Maildir++ subfolder. */
static int
is_subfolder_entry(const struct dirent *entry)
{
	return entry->d_name[0] == '.' && strcmp(entry->d_name, ".") != 0 &&
	    strcmp(entry->d_name, "..") != 0;
}

static int
name_compare(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void queue_add_slot(struct inject_queue *queue, const char *slot,
	    bool subfolders);

/* Adds the Maildir++ subfolders of slot, such as ".Sent", that are real
 * folders and not symbolic links. */
static void
queue_add_subfolders(struct inject_queue *queue, const char *slot)
{
	struct dirent **entries;
	int	count, i;

	count = scandir(slot, &entries, is_subfolder_entry, name_compare);
	if (count < 0) {
		msg_warn("skipping the subfolders of %s: %m", slot);
		return;
	}
	for (i = 0; i < count; i++) {
		char   *path = xasprintf("%s/%s", slot, entries[i]->d_name);
		struct stat status;

		if (lstat(path, &status) == 0 && S_ISDIR(status.st_mode) &&
		    is_maildir(path))
			queue_add_slot(queue, path, false);
		free(path);
		free(entries[i]);
	}
	free(entries);
}

static void
queue_add_slot(struct inject_queue *queue, const char *slot,
    bool subfolders)
{
	struct listed_file *files = NULL;
	size_t	count = 0, i;
	char   *shared_slot = queue_add_slot_name(queue, slot);

	/* A Maildir named twice, as a path given twice or as a spool and
	 * one of its slots, is read once. */
	if (shared_slot == NULL)
		return;
	list_folder(queue, slot, "new", &files, &count);
	if (queue->options.disposal == INJECT_KEEP)
		list_folder(queue, slot, "cur", &files, &count);
	if (count > 0)
		qsort(files, count, sizeof(*files), listed_file_compare);
	for (i = 0; i < count; i++) {
		queue_add_message(queue, shared_slot, files[i].folder,
		    files[i].name);
		free(files[i].name);
	}
	free(files);
	if (subfolders && queue->options.recursive)
		queue_add_subfolders(queue, slot);
}

/* Adds every Maildir of a spool; other entries are ignored, with a warning
 * for folders that are not Maildirs. */
static int
queue_add_spool(struct inject_queue *queue, const char *spool)
{
	struct dirent **entries;
	int	count, i, slots = 0;

	count = scandir(spool, &entries, skip_dot_entries, name_compare);
	if (count < 0)
		return -1;
	for (i = 0; i < count; i++) {
		char   *path = xasprintf("%s/%s", spool, entries[i]->d_name);

		if (is_maildir(path)) {
			queue_add_slot(queue, path, true);
			slots++;
		} else if (is_folder(path))
			msg_warn("skipping %s: no new/ or cur/ folder, so not a Maildir", path);
		free(path);
		free(entries[i]);
	}
	free(entries);
	if (slots == 0)
		msg_warn("%s: no Maildir found: neither it nor a sub-folder has a new/ or cur/ folder", spool);
	return 0;
}

int
inject_queue_add(struct inject_queue *queue, const char *path)
{
	struct stat status;

	if (stat(path, &status) < 0)
		return -1;
	if (!S_ISDIR(status.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	if (is_maildir(path)) {
		queue_add_slot(queue, path, true);
		return 0;
	}
	return queue_add_spool(queue, path);
}

bool
inject_queue_add_file(struct inject_queue *queue, const char *maildir,
    const char *name)
{
	char   *path = xasprintf("%s/new", maildir);
	bool	added = false;

	if (queue->options.shard_count == 0 ||
	    maildir_name_in_shard(name, queue->options.shard,
	    queue->options.shard_count)) {
		char   *slot = queue_slot_name(queue, maildir);
		int	folder_fd = folder_fd_get(&queue->claim_folder, slot,
		    "new", false);

		if (folder_fd < 0)
			msg_warn("skipping %s/%s: %m", path, name);
		else if (folder_entry_is_message(folder_fd, path, name)) {
			queue_add_message(queue, slot, "new", name);
			added = true;
		}
	}
	free(path);
	return added;
}

size_t
inject_queue_pending(const struct inject_queue *queue)
{
	return queue->stopped ? 0 : queue->pending_count;
}

void
inject_queue_pace(struct inject_queue *queue, long long start_ms,
    double interval_ms)
{
	queue->pace_start = start_ms;
	queue->pace_interval = interval_ms;
}

long long
inject_queue_next_claim(const struct inject_queue *queue)
{
	if (queue->pace_interval <= 0)
		return 0;
	return queue->pace_start +
	    (long long)((double)queue->claims * queue->pace_interval);
}

void
inject_queue_stop(struct inject_queue *queue)
{
	queue->stopped = true;
}

size_t
inject_queue_claims(const struct inject_queue *queue)
{
	return queue->claims;
}

/* Returns the path of the message's file. */
static char *
message_path(const struct inject_message *message)
{
	return xasprintf("%s/%s/%s", message->slot, message->folder,
	    message->name);
}

/*
 * Opens and locks the file of message, and fills status from it. Returns
 * the descriptor, or -1 with the message skipped when the file is gone,
 * was moved after we listed it, or another process holds its lock, and
 * left pending when it cannot be opened.
 */
static int
message_lock(struct inject_queue *queue, struct inject_message *message,
    struct stat *status)
{
	struct stat listed;
	char   *path;
	int	folder_fd, fd;

	folder_fd = folder_fd_get(&queue->claim_folder, message->slot,
	    message->folder, false);
	fd = folder_fd < 0 ? -1 : openat(folder_fd, message->name,
	    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		path = message_path(message);
		if (errno == ENOENT) {
			queue_skip(queue, path, "moved or deleted since the folder was read");
			message->state = INJECT_SKIPPED;
		} else {
			msg_warn("%s: open failed: %m; it stays pending", path);
			message->state = INJECT_LEFT_PENDING;
		}
		free(path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		path = message_path(message);
		queue_skip_locked(queue, message, path);
		message->state = INJECT_SKIPPED;
		free(path);
		close(fd);
		return -1;
	}

	/* Another run may have moved the file to cur/ before we locked it.
	 * With --keep that does not matter, because cur/ is sent too. */
	if (fstat(fd, status) < 0 ||
	    (queue->options.disposal != INJECT_KEEP &&
	    (fstatat(folder_fd, message->name, &listed,
	    AT_SYMLINK_NOFOLLOW) < 0 || status->st_dev != listed.st_dev ||
	    status->st_ino != listed.st_ino))) {
		path = message_path(message);
		queue_skip(queue, path, "moved or deleted since the folder was read");
		message->state = INJECT_SKIPPED;
		free(path);
		close(fd);
		return -1;
	}
	return fd;
}

/* Loads the envelope of a locked message; returns false when the message
 * was answered or left pending instead. */
static bool
message_load(struct inject_queue *queue, struct inject_message *message,
    const struct stat *file_status)
{
	enum envelope_status status;
	char   *error = NULL;

	status = envelope_read(&message->envelope, message->fd, file_status,
	    &queue->options.envelope, &error);
	if (status == ENVELOPE_OK && message->envelope.bare_cr_line > 0)
		msg_warn("%s/%s/%s: line %zu has a CR without LF; it is sent as a line end", message->slot, message->folder, message->name, message->envelope.bare_cr_line);
	if (status == ENVELOPE_OK)
		return true;
	msg_warn("%s/%s/%s: %s", message->slot, message->folder, message->name,
	    error);
	if (status == ENVELOPE_INVALID) {
		inject_queue_log(queue, message, "", NULL, error);
		inject_queue_answer(queue, message, INJECT_REJECTED, NULL);
	} else {
		close(message->fd);
		message->fd = -1;
		message->state = INJECT_LEFT_PENDING;
	}
	free(error);
	return false;
}

int
inject_queue_reopen(struct inject_queue *queue,
    const struct inject_message *message, struct stat *opened)
{
	struct stat claimed;
	int	folder_fd, fd;

	folder_fd = folder_fd_get(&queue->claim_folder, message->slot,
	    message->folder, false);
	if (folder_fd < 0)
		return -1;
	fd = openat(folder_fd, message->name, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(message->fd, &claimed) < 0 || fstat(fd, opened) < 0 ||
	    claimed.st_dev != opened->st_dev ||
	    claimed.st_ino != opened->st_ino) {
		close(fd);
		errno = ESTALE;
		return -1;
	}
	return fd;
}

struct inject_message *
inject_queue_claim(struct inject_queue *queue, long long now_ms)
{
	struct inject_message *message;
	struct stat status;

	if (queue->stopped || now_ms < inject_queue_next_claim(queue))
		return NULL;

	/* Each message in flight is held whole in memory. A session that
	 * finds no claim waits until an answer frees some. */
	if (queue->bytes_in_flight >= queue->options.bytes_in_flight_max)
		return NULL;
	while ((message = pending_pop(queue)) != NULL) {
		message->fd = message_lock(queue, message, &status);
		if (message->fd < 0)
			continue;
		message->state = INJECT_CLAIMED;
		message->attempts++;
		if (message_load(queue, message, &status)) {
			message->data_bytes = message->envelope.data.length;
			queue->bytes_in_flight += message->data_bytes;
			queue->claims++;
			return message;
		}
	}
	return NULL;
}

/* Returns whether the file of message moved to cur/. */
static bool
message_move_to_cur(struct inject_queue *queue,
    const struct inject_message *message)
{
	char   *answered = maildir_name_answered(message->name);
	int	from_fd, to_fd;
	bool	moved;

	from_fd = folder_fd_get(&queue->answer_folder, message->slot,
	    message->folder, false);
	to_fd = folder_fd_get(&queue->cur_folder, message->slot, "cur", true);
	moved = from_fd >= 0 && to_fd >= 0 &&
	    renameat(from_fd, message->name, to_fd, answered) == 0;
	if (!moved)
		msg_warn("rename %s/%s/%s to %s/cur/%s failed: %m; the next run sends it again", message->slot, message->folder, message->name, message->slot, answered);
	free(answered);
	return moved;
}

/*
 * Moves, deletes or keeps the file of an answered message. After a failed
 * log write, files stay in new/, because the log must have a record of
 * every file that left it. A file that stays is counted as not moved.
 */
static void
message_dispose(struct inject_queue *queue,
    const struct inject_message *message, bool local_rejection)
{
	int	folder_fd;
	bool	done;

	if (queue->options.disposal == INJECT_KEEP ||
	    strcmp(message->folder, "new") != 0)
		return;
	if (queue->log_failed) {
		done = false;
	} else if (queue->options.disposal == INJECT_MOVE || local_rejection) {
		done = message_move_to_cur(queue, message);
	} else {
		folder_fd = folder_fd_get(&queue->answer_folder, message->slot,
		    message->folder, false);
		done = folder_fd >= 0 &&
		    unlinkat(folder_fd, message->name, 0) == 0;
		if (!done)
			msg_warn("unlink %s/%s/%s failed: %m; the next run sends it again", message->slot, message->folder, message->name);
	}
	if (!done)
		queue->not_moved++;
}

/* Adds count messages decided by the reply code and enhanced code key. */
static void
add_reply_count(struct inject_queue *queue, const char *key, size_t count)
{
	size_t	i;

	for (i = 0; i < queue->reply_count_length; i++) {
		if (strcmp(queue->reply_counts[i].key, key) == 0) {
			queue->reply_counts[i].count += count;
			return;
		}
	}
	queue->reply_counts = xrealloc(queue->reply_counts,
	    (queue->reply_count_length + 1) * sizeof(*queue->reply_counts));
	snprintf(queue->reply_counts[i].key, sizeof(queue->reply_counts[i].key),
	    "%s", key);
	queue->reply_counts[i].count = count;
	queue->reply_count_length++;
}

/* Counts one more message under key, cut to fit struct reply_count. */
static void
count_key(struct inject_queue *queue, const char *text)
{
	char	key[24];

	snprintf(key, sizeof(key), "%s", text);
	add_reply_count(queue, key, 1);
}

static void
count_reply(struct inject_queue *queue, const struct smtp_reply *reply)
{
	char	key[24];

	if (reply->enhanced[0] != '\0')
		snprintf(key, sizeof(key), "%03d %s", reply->code,
		    reply->enhanced);
	else
		snprintf(key, sizeof(key), "%03d", reply->code);
	count_key(queue, key);
}

/* Ends a claim: frees its bytes in flight, closes and unlocks the file
 * and frees the envelope. Every way out of the claimed state goes
 * through here, or claims stop once the bound is reached. */
static void
message_unclaim(struct inject_queue *queue, struct inject_message *message)
{
	queue->bytes_in_flight -= message->data_bytes;
	message->data_bytes = 0;
	close(message->fd);
	message->fd = -1;
	envelope_free(&message->envelope);
}

void
inject_queue_answer(struct inject_queue *queue,
    struct inject_message *message, enum inject_outcome outcome,
    const struct smtp_reply *reply)
{
	if (message->state != INJECT_CLAIMED)
		msg_panic("inject_queue_answer: %s is not claimed",
		    message->name);

	/* The lock is held until the file has left new/, so no other run
	 * can claim it in between. */
	message_dispose(queue, message, reply == NULL);
	message_unclaim(queue, message);
	message->state = INJECT_ANSWERED;
	queue->outcome_counts[outcome]++;
	if (reply != NULL)
		count_reply(queue, reply);
	else
		queue->local_rejections++;
}

void
inject_queue_answer_status(struct inject_queue *queue,
    struct inject_message *message, enum inject_outcome outcome,
    const char *status)
{
	if (message->state != INJECT_CLAIMED)
		msg_panic("inject_queue_answer_status: %s is not claimed",
		    message->name);
	message_dispose(queue, message, false);
	message_unclaim(queue, message);
	message->state = INJECT_ANSWERED;
	queue->outcome_counts[outcome]++;
	count_key(queue, status);
}

void
inject_queue_leave_pending(struct inject_queue *queue,
    struct inject_message *message, const char *status)
{
	if (message->state != INJECT_CLAIMED)
		msg_panic("inject_queue_leave_pending: %s is not claimed",
		    message->name);
	message_unclaim(queue, message);
	message->state = INJECT_LEFT_PENDING;
	count_key(queue, status);
}

void
inject_queue_reject(struct inject_queue *queue,
    struct inject_message *message, const char *reason)
{
	msg_warn("%s/%s/%s: %s", message->slot, message->folder, message->name,
	    reason);
	inject_queue_log(queue, message, "", NULL, reason);
	inject_queue_answer(queue, message, INJECT_REJECTED, NULL);
}

void
inject_queue_release(struct inject_queue *queue,
    struct inject_message *message)
{
	if (message->state != INJECT_CLAIMED)
		msg_panic("inject_queue_release: %s is not claimed",
		    message->name);
	message_unclaim(queue, message);
	if (message->attempts < INJECT_QUEUE_ATTEMPTS_MAX) {
		pending_push(queue, message);
		return;
	}
	msg_warn("%s/%s/%s: no final reply after %d attempts; left pending",
	    message->slot, message->folder, message->name, message->attempts);
	message->state = INJECT_LEFT_PENDING;
}

/* Appends text as a quoted CSV field (RFC 4180) and its separator. */
static void
log_field(struct buf *line, const char *text, bool last)
{
	const char *quote;

	buf_append_byte(line, '"');
	while ((quote = strchr(text, '"')) != NULL) {
		buf_append(line, text, (size_t)(quote - text + 1));
		buf_append_byte(line, '"');
		text = quote + 1;
	}
	buf_append_string(line, text);
	buf_append(line, last ? "\"\n" : "\",", 2);
}

/*
 * Stops the run after a failed log write. A record cut after written
 * bytes is cut off again, unless another run has appended since, so that
 * the log keeps whole records.
 */
static void
log_fail(struct inject_queue *queue, size_t written)
{
	int	fd = fileno(queue->log);
	int	saved_errno = errno;
	struct stat status;
	off_t	end;

	if (written > 0 && (end = lseek(fd, 0, SEEK_CUR)) >= (off_t)written &&
	    fstat(fd, &status) == 0 && status.st_size == end)
		(void) ftruncate(fd, end - (off_t)written);
	errno = saved_errno;
	msg_warn("write to the log file failed: %m; no new message is sent, and answered files stay in new/ for the next run");
	queue->log_failed = true;
	inject_queue_stop(queue);
}

/*
 * Appends line to the log with one write(), so that a killed run leaves
 * whole records, and before the caller moves the file, so that no moved
 * file lacks its record. The log is open in append mode, so concurrent
 * runs do not overwrite each other's records.
 */
static void
log_write(struct inject_queue *queue, const struct buf *line)
{
	size_t	written = 0;
	ssize_t	count;

	if (queue->log_failed)
		return;
	while (written < line->length) {
		count = write(fileno(queue->log), line->data + written,
		    line->length - written);
		if (count < 0 && errno == EINTR)
			continue;
		if (count < 0) {
			log_fail(queue, written);
			return;
		}
		written += (size_t)count;
	}
}

/* Writes one log record: time, slot, file, recipient, code, enhanced
 * code, text and Message-ID. */
static void
log_line(struct inject_queue *queue, const struct inject_message *message,
    const char *recipient, const char *code, const char *enhanced,
    const char *text)
{
	struct buf *line = &queue->log_line;
	time_t	seconds = (time_t)(wall_clock_now_ms() / 1000);
	struct tm utc;
	char	now[32];

	gmtime_r(&seconds, &utc);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &utc);
	buf_reset(line);
	log_field(line, now, false);
	log_field(line, message->slot, false);
	log_field(line, message->name, false);
	log_field(line, recipient, false);
	log_field(line, code, false);
	log_field(line, enhanced, false);
	log_field(line, text, false);
	log_field(line, message->envelope.message_id ?
	    message->envelope.message_id : "", true);
	log_write(queue, line);
}

void
inject_queue_log(struct inject_queue *queue,
    const struct inject_message *message, const char *recipient,
    const struct smtp_reply *reply, const char *text)
{
	char	code[8] = "";
	char   *reply_text = NULL;

	if (queue->log == NULL)
		return;
	if (reply != NULL) {
		snprintf(code, sizeof(code), "%03d", reply->code);
		reply_text = smtp_reply_text(reply, " / ");
	}
	log_line(queue, message, recipient, code, reply ? reply->enhanced : "",
	    reply_text ? reply_text : text);
	free(reply_text);
}

void
inject_queue_log_status(struct inject_queue *queue,
    const struct inject_message *message, const char *recipient,
    const char *status, const char *text)
{
	if (queue->log != NULL)
		log_line(queue, message, recipient, status, "", text);
}

size_t
inject_queue_count(const struct inject_queue *queue,
    enum inject_outcome outcome)
{
	return queue->outcome_counts[outcome];
}

size_t
inject_queue_count_unanswered(const struct inject_queue *queue)
{
	size_t	count = queue->added_unanswered;
	size_t	i;

	for (i = 0; i < queue->message_count; i++) {
		enum inject_state state = queue->messages[i]->state;

		if (state != INJECT_ANSWERED && state != INJECT_SKIPPED)
			count++;
	}
	return count;
}

int
inject_queue_exit_status(const struct inject_queue *queue)
{
	if (queue->log_failed || queue->not_moved > 0)
		return EX_IOERR;
	if (inject_queue_count_unanswered(queue) > 0)
		return EX_TEMPFAIL;
	return EX_OK;
}

void
inject_queue_add_counts(struct inject_queue *total,
    const struct inject_queue *part)
{
	size_t	i;

	for (i = 0; i < 3; i++)
		total->outcome_counts[i] += part->outcome_counts[i];
	total->local_rejections += part->local_rejections;
	total->skipped += part->skipped;
	total->not_moved += part->not_moved;
	total->log_failed |= part->log_failed;
	total->added_unanswered += inject_queue_count_unanswered(part);
	total->claims += part->claims;
	for (i = 0; i < part->reply_count_length; i++)
		add_reply_count(total, part->reply_counts[i].key,
		    part->reply_counts[i].count);
}

static int
reply_count_compare(const void *a, const void *b)
{
	return strcmp(((const struct reply_count *)a)->key,
	    ((const struct reply_count *)b)->key);
}

void
inject_queue_print_summary(struct inject_queue *queue, FILE *out,
    double elapsed_seconds)
{
	size_t	answered = 0;
	size_t	i;

	for (i = 0; i < 3; i++)
		answered += queue->outcome_counts[i];
	fprintf(out, "accepted: %zu\n", queue->outcome_counts[INJECT_ACCEPTED]);
	fprintf(out, "deferred: %zu\n", queue->outcome_counts[INJECT_DEFERRED]);
	fprintf(out, "rejected: %zu\n", queue->outcome_counts[INJECT_REJECTED]);
	fprintf(out, "pending: %zu\n", inject_queue_count_unanswered(queue));
	fprintf(out, "rejected locally: %zu\n", queue->local_rejections);
	fprintf(out, "skipped: %zu\n", queue->skipped);
	if (queue->not_moved > 0) {
		fprintf(out, "not moved: %zu\n", queue->not_moved);
		msg_warn("%zu answered file(s) stayed in new/, so the next run sends them again; see the warnings above", queue->not_moved);
	}
	if (queue->locked > 0)
		msg_warn("skipped %zu file(s) locked by another process, such as another spoolinject run over the same spool", queue->locked);
	if (queue->reply_count_length > 0)
		qsort(queue->reply_counts, queue->reply_count_length,
		    sizeof(*queue->reply_counts), reply_count_compare);
	for (i = 0; i < queue->reply_count_length; i++)
		fprintf(out, "%s: %zu\n", queue->reply_counts[i].key,
		    queue->reply_counts[i].count);
	fprintf(out, "elapsed seconds: %.3f\n", elapsed_seconds);
	fprintf(out, "messages per second: %.1f\n",
	    elapsed_seconds > 0 ? (double)answered / elapsed_seconds : 0.0);
}

void
inject_queue_free(struct inject_queue *queue)
{
	size_t	i;

	for (i = 0; i < queue->message_count; i++) {
		struct inject_message *message = queue->messages[i];

		if (message->fd >= 0)
			close(message->fd);
		envelope_free(&message->envelope);
		free(message->name);
		free(message);
	}
	for (i = 0; i < queue->slot_count; i++) {
		free(queue->slots[i]);
		free(queue->slot_names[i]);
	}
	free(queue->slots);
	free(queue->slot_table);
	free(queue->slot_names);
	free(queue->messages);
	free(queue->reply_counts);
	buf_free(&queue->log_line);
	folder_fd_close(&queue->claim_folder);
	folder_fd_close(&queue->answer_folder);
	folder_fd_close(&queue->cur_folder);
	free(queue);
}
