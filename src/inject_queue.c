/*
 * inject_queue - pending message files of Maildir slots. A message is
 * claimed with flock() on its file, so two spoolinject runs over one spool
 * never send the same file; an answered file moves from new/ to cur/.
 */
#include <csv.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "inject_queue.h"
#include "msg.h"

/* Count of messages decided by one reply code and enhanced code. */
struct reply_count {
	char	key[24];		/* e.g. "250 2.0.0" */
	size_t	count;
};

struct inject_queue {
	const char *header_prefix;
	FILE   *log;
	struct inject_message **messages;	/* every message, in order */
	size_t	message_count;
	struct inject_message *pending_head;
	struct inject_message *pending_tail;
	size_t	pending_count;
	size_t	outcome_counts[3];
	struct reply_count *reply_counts;
	size_t	reply_count_length;
};

struct inject_queue *
inject_queue_create(const char *header_prefix, FILE *log)
{
	struct inject_queue *queue = xcalloc(1, sizeof(*queue));

	queue->header_prefix = header_prefix;
	queue->log = log;
	return queue;
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
name_compare(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int
skip_dot_entries(const struct dirent *entry)
{
	return entry->d_name[0] != '.';
}

static void
queue_add_message(struct inject_queue *queue, const char *slot,
    const char *name)
{
	struct inject_message *message = xcalloc(1, sizeof(*message));

	message->slot = xstrdup(slot);
	message->name = xstrdup(name);
	message->fd = -1;
	queue->messages = xrealloc(queue->messages,
	    (queue->message_count + 1) * sizeof(*queue->messages));
	queue->messages[queue->message_count++] = message;
	pending_push(queue, message);
}

/* Returns whether the entry of new/ is a message file, warning if not. */
static bool
slot_entry_is_message(const char *path)
{
	struct stat status;

	if (lstat(path, &status) < 0) {
		msg_warn("skipping %s: %m", path);
		return false;
	}
	if (S_ISLNK(status.st_mode)) {
		msg_warn("skipping %s: symbolic link", path);
		return false;
	}
	if (!S_ISREG(status.st_mode)) {
		msg_warn("skipping %s: not a regular file", path);
		return false;
	}
	if (status.st_size == 0) {
		msg_warn("skipping %s: empty file", path);
		return false;
	}
	return true;
}

static void
queue_add_slot(struct inject_queue *queue, const char *slot)
{
	char   *new_folder = xasprintf("%s/new", slot);
	struct dirent **entries;
	int	count, i;

	count = scandir(new_folder, &entries, skip_dot_entries, name_compare);
	if (count < 0) {
		msg_warn("skipping slot %s: scan %s: %m", slot, new_folder);
		free(new_folder);
		return;
	}
	for (i = 0; i < count; i++) {
		char   *path = xasprintf("%s/%s", new_folder,
		    entries[i]->d_name);

		if (slot_entry_is_message(path))
			queue_add_message(queue, slot, entries[i]->d_name);
		free(path);
		free(entries[i]);
	}
	free(entries);
	free(new_folder);
}

static bool
is_folder(const char *path)
{
	struct stat status;

	return stat(path, &status) == 0 && S_ISDIR(status.st_mode);
}

static bool
is_slot(const char *path)
{
	char   *new_folder = xasprintf("%s/new", path);
	bool	result = is_folder(new_folder);

	free(new_folder);
	return result;
}

/* Adds every slot of a spool; other entries are ignored, with a warning
 * for folders that are not slots. */
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

		if (is_slot(path)) {
			queue_add_slot(queue, path);
			slots++;
		} else if (is_folder(path))
			msg_warn("skipping %s: no new/ folder, so not a Maildir slot", path);
		free(path);
		free(entries[i]);
	}
	free(entries);
	if (slots == 0)
		msg_warn("%s: no Maildir slot found: neither it nor a sub-folder has a new/ folder", spool);
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
	if (is_slot(path)) {
		queue_add_slot(queue, path);
		return 0;
	}
	return queue_add_spool(queue, path);
}

size_t
inject_queue_pending(const struct inject_queue *queue)
{
	return queue->pending_count;
}

/*
 * Opens and locks the file of message. Returns the descriptor, or -1 when
 * the file is gone, was moved after we listed it, or another process holds
 * its lock.
 */
static int
message_lock(const struct inject_message *message)
{
	char   *path = xasprintf("%s/new/%s", message->slot, message->name);
	struct stat opened, listed;
	int	fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			msg_warn("skipping %s: open: %m", path);
		free(path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		msg_warn("skipping %s: locked by another process", path);
		close(fd);
		free(path);
		return -1;
	}

	/* Another run may have moved the file to cur/ before we locked it. */
	if (fstat(fd, &opened) < 0 || stat(path, &listed) < 0 ||
	    opened.st_dev != listed.st_dev || opened.st_ino != listed.st_ino) {
		close(fd);
		fd = -1;
	}
	free(path);
	return fd;
}

/* Loads the envelope of a locked message; returns false when the message
 * was answered or left pending instead. */
static bool
message_load(struct inject_queue *queue, struct inject_message *message)
{
	enum envelope_status status;
	char   *error = NULL;

	status = envelope_read(&message->envelope, message->fd,
	    queue->header_prefix, &error);
	if (status == ENVELOPE_OK && message->envelope.bare_cr_line > 0)
		msg_warn("%s/new/%s: line %zu has a CR without LF; it is sent as a line end", message->slot, message->name, message->envelope.bare_cr_line);
	if (status == ENVELOPE_OK)
		return true;
	msg_warn("%s/new/%s: %s", message->slot, message->name, error);
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

struct inject_message *
inject_queue_claim(struct inject_queue *queue)
{
	struct inject_message *message;

	while ((message = pending_pop(queue)) != NULL) {
		message->fd = message_lock(message);
		if (message->fd < 0) {
			message->state = INJECT_SKIPPED;
			continue;
		}
		message->state = INJECT_CLAIMED;
		message->attempts++;
		if (message_load(queue, message))
			return message;
	}
	return NULL;
}

/* Returns the path in cur/ for a file name; names that carry Maildir info
 * already (a ':') keep it. */
static char *
answered_path(const struct inject_message *message)
{
	if (strchr(message->name, ':'))
		return xasprintf("%s/cur/%s", message->slot, message->name);
	return xasprintf("%s/cur/%s:2,", message->slot, message->name);
}

static void
message_move_to_cur(const struct inject_message *message)
{
	char   *from = xasprintf("%s/new/%s", message->slot, message->name);
	char   *to = answered_path(message);
	char   *cur = xasprintf("%s/cur", message->slot);

	if (mkdir(cur, 0700) < 0 && errno != EEXIST)
		msg_warn("mkdir %s: %m", cur);
	if (rename(from, to) < 0)
		msg_warn("rename %s to %s: %m; the next run sends it again", from, to);
	free(from);
	free(to);
	free(cur);
}

static void
count_reply(struct inject_queue *queue, const struct smtp_reply *reply)
{
	char	key[24];
	size_t	i;

	if (reply->enhanced[0] != '\0')
		snprintf(key, sizeof(key), "%03d %s", reply->code,
		    reply->enhanced);
	else
		snprintf(key, sizeof(key), "%03d", reply->code);
	for (i = 0; i < queue->reply_count_length; i++) {
		if (strcmp(queue->reply_counts[i].key, key) == 0) {
			queue->reply_counts[i].count++;
			return;
		}
	}
	queue->reply_counts = xrealloc(queue->reply_counts,
	    (queue->reply_count_length + 1) * sizeof(*queue->reply_counts));
	memcpy(queue->reply_counts[i].key, key, sizeof(key));
	queue->reply_counts[i].count = 1;
	queue->reply_count_length++;
}

void
inject_queue_answer(struct inject_queue *queue,
    struct inject_message *message, enum inject_outcome outcome,
    const struct smtp_reply *reply)
{
	if (message->state != INJECT_CLAIMED)
		msg_panic("inject_queue_answer: %s is not claimed",
		    message->name);
	message_move_to_cur(message);
	close(message->fd);
	message->fd = -1;
	envelope_free(&message->envelope);
	message->state = INJECT_ANSWERED;
	queue->outcome_counts[outcome]++;
	if (reply != NULL)
		count_reply(queue, reply);
}

void
inject_queue_release(struct inject_queue *queue,
    struct inject_message *message)
{
	if (message->state != INJECT_CLAIMED)
		msg_panic("inject_queue_release: %s is not claimed",
		    message->name);
	close(message->fd);
	message->fd = -1;
	envelope_free(&message->envelope);
	if (message->attempts < INJECT_QUEUE_ATTEMPTS_MAX) {
		pending_push(queue, message);
		return;
	}
	msg_warn("%s/new/%s: no final reply after %d attempts; left pending",
	    message->slot, message->name, message->attempts);
	message->state = INJECT_LEFT_PENDING;
}

static void
log_field(FILE *log, const char *text, bool last)
{
	csv_fwrite(log, text, strlen(text));
	fputc(last ? '\n' : ',', log);
}

void
inject_queue_log(struct inject_queue *queue,
    const struct inject_message *message, const char *recipient,
    const struct smtp_reply *reply, const char *text)
{
	char	now[32], code[8] = "";
	char   *reply_text = NULL;
	time_t	seconds = time(NULL);
	struct tm utc;

	if (queue->log == NULL)
		return;
	gmtime_r(&seconds, &utc);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &utc);
	if (reply != NULL) {
		snprintf(code, sizeof(code), "%03d", reply->code);
		reply_text = smtp_reply_text(reply, " / ");
	}
	log_field(queue->log, now, false);
	log_field(queue->log, message->slot, false);
	log_field(queue->log, message->name, false);
	log_field(queue->log, recipient, false);
	log_field(queue->log, code, false);
	log_field(queue->log, reply ? reply->enhanced : "", false);
	log_field(queue->log, reply_text ? reply_text : text, true);
	free(reply_text);
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
	size_t	count = 0;
	size_t	i;

	for (i = 0; i < queue->message_count; i++) {
		enum inject_state state = queue->messages[i]->state;

		if (state != INJECT_ANSWERED && state != INJECT_SKIPPED)
			count++;
	}
	return count;
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
		free(message->slot);
		free(message->name);
		free(message);
	}
	free(queue->messages);
	free(queue->reply_counts);
	free(queue);
}
