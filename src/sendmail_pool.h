/*
 * sendmail_pool - hands the messages of an inject_queue to a sendmail
 * program, one child process per message and a bounded number at once.
 * A child reads its message from a memory file (memfd) on standard input,
 * so it never reads a message cut short, even when spoolinject dies.
 */
#ifndef SENDMAIL_POOL_H
#define SENDMAIL_POOL_H

#include <signal.h>
#include <stddef.h>

#include "inject_queue.h"

/* Seconds between SIGTERM and SIGKILL to the process group of a child
 * that outlived its timeout. */
#define SENDMAIL_KILL_GRACE 5

/* Milliseconds that the output of an exited child is still read, so that
 * a grandchild that keeps the pipe open cannot hold up the run. */
#define SENDMAIL_OUTPUT_GRACE_MS 1000

/* The first lines and bytes of a child's output kept for the log. */
#define SENDMAIL_OUTPUT_LINES_MAX 5
#define SENDMAIL_OUTPUT_BYTES_MAX 1024

struct sendmail_pool_settings {
	const char *path;		/* the sendmail program */
	char *const *arguments;		/* put before "--", in order */
	size_t	argument_count;
	unsigned max_processes;		/* children at once */
	unsigned timeout;		/* seconds per child */
	struct inject_queue *queue;
	sigset_t wait_mask;		/* signal mask inside ppoll() */
	volatile sig_atomic_t *stop_signal_count;	/* SIGINT and SIGTERM
							 * so far */

	/* Called on every turn of the loop, or NULL. Returns the monotonic
	 * time in milliseconds when it wants to be called again. */
	long long (*tick)(void *context, long long now_ms);
	void   *tick_context;
};

/*
 * Runs "path -i -f SENDER ARGUMENTS... -- RECIPIENT..." for every message
 * that settings->queue lets it claim, without a shell, each child in its
 * own process group, until nothing is left or a signal stops the run.
 * A message is accepted when its child exits 0 after reading all of its
 * input. Exit status 71 or 75, a signal, a timeout, unread input after
 * exit 0, or a failure to start the child leave it pending in new/ for
 * the next run. Any other status rejects it. Every outcome is logged per
 * recipient with the first lines of the child's output.
 *
 * Blocks SIGCHLD and installs a handler for it, and ends only after every
 * child it started has been reaped.
 */
void	sendmail_pool_run(const struct sendmail_pool_settings *settings);

/* Returns the monotonic clock in milliseconds. */
long long sendmail_pool_now(void);

#endif
