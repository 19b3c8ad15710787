/*
 * inject_queue - the messages spoolinject sends: pending files in new/ (and
 * with --keep in cur/) of each Maildir, claimed one at a time with a lock.
 * Once the server has given a final reply, a file is moved to cur/,
 * deleted or kept. The queue also paces the claims, keeps the outcome
 * counts and writes the per-recipient CSV log.
 */
#ifndef INJECT_QUEUE_H
#define INJECT_QUEUE_H

#include <stdio.h>

#include "envelope.h"
#include "smtp_reply.h"

/* How often one message may be claimed in a run before it stays pending. */
#define INJECT_QUEUE_ATTEMPTS_MAX 3

/* DATA bytes of claimed messages above which no more are claimed: 256
 * MiB. A single larger message is still claimed when nothing else is in
 * flight. */
#define INJECT_QUEUE_BYTES_MAX ((size_t)256 << 20)

enum inject_outcome {
	INJECT_ACCEPTED,		/* 2xx to the end of data */
	INJECT_DEFERRED,		/* 4xx: answered, the server may
					 * accept it later */
	INJECT_REJECTED			/* 5xx, or the file is not a valid
					 * message */
};

enum inject_state {
	INJECT_PENDING,			/* waiting to be claimed */
	INJECT_CLAIMED,			/* locked and being sent */
	INJECT_ANSWERED,		/* moved to cur/ */
	INJECT_LEFT_PENDING,		/* stays in new/ after this run */
	INJECT_SKIPPED			/* vanished or locked by another
					 * process; counted as skipped, not
					 * as pending */
};

/* Disposal of a file once the server has given its final reply. */
enum inject_disposal {
	INJECT_MOVE,			/* new/NAME to cur/NAME:2, */
	INJECT_KEEP,			/* stays where it is */
	INJECT_DELETE			/* unlinked */
};

/* Options for finding and disposing of the queue's files. */
struct inject_queue_options {
	struct envelope_options envelope;	/* for every message */
	enum inject_disposal disposal;	/* INJECT_KEEP also reads cur/ */
	bool	recursive;		/* also the Maildir++ subfolders */
	unsigned shard;			/* 1 to shard_count */
	unsigned shard_count;		/* 0: no sharding */
	size_t	bytes_in_flight_max;	/* 0: INJECT_QUEUE_BYTES_MAX */
};

/* One message file. */
struct inject_message {
	char   *slot;			/* Maildir folder, as given or found;
					 * shared with the queue's other
					 * messages of that Maildir */
	const char *folder;		/* "new" or "cur" */
	char   *name;			/* file name inside the folder */
	struct envelope envelope;	/* loaded while claimed */
	int	fd;			/* open and locked while claimed */
	int	attempts;		/* claims so far in this run */
	size_t	data_bytes;		/* DATA bytes while claimed, else 0 */
	enum inject_state state;
	struct inject_message *next;	/* link in the pending list */
};

struct inject_queue;

/*
 * Creates an empty queue. options is copied, but the strings and arrays it
 * points to must outlive the queue. log (or NULL) receives one CSV line
 * per recipient outcome; the queue does not own it.
 */
struct inject_queue *inject_queue_create(
	    const struct inject_queue_options *options, FILE *log);

/*
 * Adds the pending messages of path: a Maildir (a folder with new/ or cur/)
 * or a spool (a folder whose sub-folders are Maildirs, taken in name
 * order). A Maildir's files are taken in byte order of their names, new/
 * before cur/ for equal names, then its Maildir++ subfolders (".Name") in
 * name order when options.recursive is set. A Maildir already added, by
 * its realpath(), is not added again. Dot-files are skipped, and so
 * are directories, symbolic links and empty files, with a warning. tmp/
 * is never read. Returns 0, or -1 with errno set when path is missing or
 * not a folder.
 */
int	inject_queue_add(struct inject_queue *queue, const char *path);

/*
 * Adds the file name in the new/ folder of maildir when it belongs to the
 * queue's shard and is a message file, as inject_queue_add() would: a
 * regular file that is not empty, and not a symbolic link. Others are
 * skipped with a warning. Returns whether the file was added.
 */
bool	inject_queue_add_file(struct inject_queue *queue, const char *maildir,
	    const char *name);

/* Returns the number of messages waiting to be claimed; 0 once the queue
 * is stopped. */
size_t	inject_queue_pending(const struct inject_queue *queue);

/*
 * Spreads the claims over time: claim i (from 0) of the run may happen at
 * start_ms + i * interval_ms (CLOCK_MONOTONIC milliseconds), not earlier.
 */
void	inject_queue_pace(struct inject_queue *queue, long long start_ms,
	    double interval_ms);

/* Returns the monotonic time in milliseconds of the next allowed claim,
 * or 0 when claims are not paced. */
long long inject_queue_next_claim(const struct inject_queue *queue);

/* Stops claiming: inject_queue_claim() returns NULL from now on, and
 * messages released later stay pending. */
void	inject_queue_stop(struct inject_queue *queue);

/* Returns the number of claims made so far. */
size_t	inject_queue_claims(const struct inject_queue *queue);

/*
 * Claims the next pending message: opens and locks its file and reads its
 * envelope. Files that are not valid messages are answered as rejected
 * and logged on the way. Returns NULL when nothing is left to claim, when
 * the queue is stopped, when pacing allows no claim before
 * inject_queue_next_claim(), or while the claimed messages hold
 * options.bytes_in_flight_max DATA bytes or more.
 */
struct inject_message *inject_queue_claim(struct inject_queue *queue,
	    long long now_ms);

/* Opens the file of a claimed message once more, so that a reader gets an
 * offset of its own, and fills status from it. Returns the descriptor, or
 * -1 with errno set, also when the name no longer leads to the claimed
 * file. */
int	inject_queue_reopen(struct inject_queue *queue,
	    const struct inject_message *message, struct stat *status);

/*
 * Records the final outcome of a claimed message and disposes of its file
 * as the options set: moved from new/ to cur/ (with the Maildir info ":2,"
 * appended unless it has an info part), kept, or deleted. reply is the
 * reply that decided the outcome, or NULL for a local rejection; with
 * INJECT_DELETE, a locally rejected file is moved to cur/ and not
 * deleted. The lock is held until the file has been disposed of. The
 * message is unlocked and its envelope freed; it stays owned by the queue.
 */
void	inject_queue_answer(struct inject_queue *queue,
	    struct inject_message *message, enum inject_outcome outcome,
	    const struct smtp_reply *reply);

/*
 * Like inject_queue_answer(), for an outcome that no SMTP reply decided:
 * status, such as "exit 67" for a sendmail child, is counted in the
 * summary in place of a reply code (cut to 23 bytes). The file is
 * disposed of as after a server's reply.
 */
void	inject_queue_answer_status(struct inject_queue *queue,
	    struct inject_message *message, enum inject_outcome outcome,
	    const char *status);

/*
 * Leaves a claimed message pending for the rest of this run without
 * retrying it: its file stays in new/ for the next run. status, such as
 * "exit 75", is counted in the summary like a reply code. The message is
 * unlocked and its envelope freed.
 */
void	inject_queue_leave_pending(struct inject_queue *queue,
	    struct inject_message *message, const char *status);

/* Rejects a claimed message without sending it: warns and logs reason,
 * then records it as rejected with no reply. */
void	inject_queue_reject(struct inject_queue *queue,
	    struct inject_message *message, const char *reason);

/*
 * Returns a claimed message without a final reply to the pending list, or
 * leaves it pending for this run once it has been claimed
 * INJECT_QUEUE_ATTEMPTS_MAX times. The file stays in new/.
 */
void	inject_queue_release(struct inject_queue *queue,
	    struct inject_message *message);

/*
 * Appends one CSV log line for recipient: time, Maildir, file name,
 * recipient, reply code, enhanced code, text (lines joined with " / ") and
 * the message's Message-ID. reply may be NULL when no server reply
 * applies; text then describes the local reason. Does nothing without a
 * log.
 */
void	inject_queue_log(struct inject_queue *queue,
	    const struct inject_message *message, const char *recipient,
	    const struct smtp_reply *reply, const char *text);

/* Like inject_queue_log(), with status (such as "exit 75" or "timeout")
 * in the reply code field and an empty enhanced code. */
void	inject_queue_log_status(struct inject_queue *queue,
	    const struct inject_message *message, const char *recipient,
	    const char *status, const char *text);

/* Returns the number of messages with an outcome, or with none yet. */
size_t	inject_queue_count(const struct inject_queue *queue,
	    enum inject_outcome outcome);
size_t	inject_queue_count_unanswered(const struct inject_queue *queue);

/* Returns the run's exit status: EX_IOERR when a log write failed or an
 * answered file could not leave new/, else EX_TEMPFAIL when messages are
 * still pending, else EX_OK. */
int	inject_queue_exit_status(const struct inject_queue *queue);

/*
 * Adds the counts of part to total, so that one summary covers several
 * queues: the outcomes, local rejections, skipped files, reply codes and
 * messages without a final reply. total keeps no link to part.
 */
void	inject_queue_add_counts(struct inject_queue *total,
	    const struct inject_queue *part);

/* Prints the counts by outcome, of local rejections, of skipped files
 * and by reply code, the elapsed seconds and the messages answered per
 * second. Warns once on standard error when files locked by another
 * process were skipped. */
void	inject_queue_print_summary(struct inject_queue *queue,
	    FILE *out, double elapsed_seconds);

/* Frees the queue and its messages, closing any file still open. */
void	inject_queue_free(struct inject_queue *queue);

#endif
