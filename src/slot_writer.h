/*
 * slot_writer - renders one slot's messages and writes them into its
 * Maildir, in one thread or several. Message i of a slot always gets the
 * same content (see generator_seed_message()), whichever thread renders
 * it, so a seeded run gives the same set of files for any thread count;
 * only their order on disk differs.
 */
#ifndef SLOT_WRITER_H
#define SLOT_WRITER_H

#include <signal.h>
#include <time.h>

#include "buf.h"
#include "generator.h"
#include "maildir.h"

/* Maximum number of threads that render one slot. */
#define SLOT_WRITER_JOBS_MAX	256

struct slot_job {
	struct generator *generator;	/* loaded; only read by the threads */
	const char *path;		/* the slot's Maildir */
	time_t	slot;			/* start of the slot */
	long	utc_offset;		/* for the Date header */
	unsigned long volume;		/* messages to write */
	unsigned long long first_sequence; /* file name sequence of message
					 * 0, unique in this process */
	enum maildir_sync_mode sync_mode;
	unsigned jobs;			/* threads, 1..SLOT_WRITER_JOBS_MAX */

	/* Stop request: when nonzero, no further message is started, and
	 * the messages written so far still reach new/. May be NULL. */
	const volatile sig_atomic_t *stop;

	/* Called from one thread after its messages with the slot's count
	 * so far; may be NULL. */
	void	(*progress)(void *context, unsigned long written);
	void   *progress_context;

	/* Results, also after a failure. */
	unsigned long written;		/* messages now in new/ */
	unsigned long long bytes;
};

/*
 * Writes job->volume messages into job->path. Returns 0, or a sysexits.h
 * status with a message in error: EX_CANTCREAT when the Maildir cannot
 * be created, EX_IOERR when a write fails. After a failure the threads
 * stop, and every message written completely is renamed into new/.
 */
int	slot_write(struct slot_job *job, struct buf *error);

#endif
