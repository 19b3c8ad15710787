/*
 * inject_queue - the messages spoolinject sends: pending files in the new/
 * folder of each slot, claimed one at a time with a lock, and moved to cur/
 * once the server has given a final reply. Also keeps the outcome counts
 * and writes the per-recipient CSV log.
 */
#ifndef INJECT_QUEUE_H
#define INJECT_QUEUE_H

#include <stdio.h>

#include "envelope.h"
#include "smtp_reply.h"

/* How often one message may be claimed in a run before it stays pending. */
#define INJECT_QUEUE_ATTEMPTS_MAX 3

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
					 * process; not counted */
};

/* One message file. */
struct inject_message {
	char   *slot;			/* slot folder, as given or found */
	char   *name;			/* file name inside new/ */
	struct envelope envelope;	/* loaded while claimed */
	int	fd;			/* open and locked while claimed */
	int	attempts;		/* claims so far in this run */
	enum inject_state state;
	struct inject_message *next;	/* link in the pending list */
};

struct inject_queue;

/*
 * Creates an empty queue. header_prefix (or NULL) is given to
 * envelope_read() for every message; log (or NULL) receives one CSV line
 * per recipient outcome. The queue keeps both pointers but owns neither.
 */
struct inject_queue *inject_queue_create(const char *header_prefix,
	    FILE *log);

/*
 * Adds the pending messages of path: a slot (a folder with new/) or a spool
 * (a folder whose sub-folders are slots, taken in name order). Files in
 * new/ are taken in name order; dot-files are skipped, and so are
 * directories, symbolic links and empty files, with a warning. Returns 0,
 * or -1 with errno set when path is missing or not a folder.
 */
int	inject_queue_add(struct inject_queue *queue, const char *path);

/* Returns the number of messages waiting to be claimed. */
size_t	inject_queue_pending(const struct inject_queue *queue);

/*
 * Claims the next pending message: opens and locks its file and reads its
 * envelope. Files that are not valid messages are answered as rejected
 * and logged on the way. Returns NULL when nothing is left to claim.
 */
struct inject_message *inject_queue_claim(struct inject_queue *queue);

/*
 * Records the final outcome of a claimed message and moves its file from
 * new/ to cur/ with the Maildir info ":2," appended. reply is the reply
 * that decided the outcome, or NULL. The message is unlocked and its
 * envelope freed; it stays owned by the queue.
 */
void	inject_queue_answer(struct inject_queue *queue,
	    struct inject_message *message, enum inject_outcome outcome,
	    const struct smtp_reply *reply);

/*
 * Returns a claimed message without a final reply to the pending list, or
 * leaves it pending for this run once it has been claimed
 * INJECT_QUEUE_ATTEMPTS_MAX times. The file stays in new/.
 */
void	inject_queue_release(struct inject_queue *queue,
	    struct inject_message *message);

/*
 * Appends one CSV log line for recipient: time, slot, file name,
 * recipient, reply code, enhanced code and text (lines joined with " / ").
 * reply may be NULL when no server reply applies; text then describes the
 * local reason. Does nothing without a log.
 */
void	inject_queue_log(struct inject_queue *queue,
	    const struct inject_message *message, const char *recipient,
	    const struct smtp_reply *reply, const char *text);

/* Returns the number of messages with an outcome, or with none yet. */
size_t	inject_queue_count(const struct inject_queue *queue,
	    enum inject_outcome outcome);
size_t	inject_queue_count_unanswered(const struct inject_queue *queue);

/* Prints the counts by outcome and by reply code, the elapsed seconds and
 * the messages answered per second. */
void	inject_queue_print_summary(struct inject_queue *queue,
	    FILE *out, double elapsed_seconds);

/* Frees the queue and its messages, closing any file still open. */
void	inject_queue_free(struct inject_queue *queue);

#endif
