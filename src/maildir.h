/*
 * maildir - writes messages into a Maildir the safe way: each file is
 * written in tmp/ under a unique name and then renamed into new/, so no
 * reader ever sees a partial file and no file is ever overwritten.
 */
#ifndef MAILDIR_H
#define MAILDIR_H

#include <stddef.h>

#include "buf.h"

/* When message data is forced to disk before its rename into new/. */
enum maildir_sync_mode {
	MAILDIR_SYNC_NONE,		/* never: the kernel writes it later */
	MAILDIR_SYNC_BATCH,		/* once per batch of files */
	MAILDIR_SYNC_EACH,		/* every file on its own */
};

/* Maximum number of files written in tmp/ before a batch is synced
 * and renamed. */
#define MAILDIR_BATCH_MAX	2048

/* Room for a unique file name: time, PID, sequence and host name. */
#define MAILDIR_NAME_SIZE	320

struct maildir {
	char   *path;
	int	tmp_fd;			/* directory descriptors */
	int	new_fd;
	enum maildir_sync_mode sync_mode;
	char   *host;			/* host name with '/' and ':' escaped */
	long	pid;			/* process ID, for file names */
	char  (*pending)[MAILDIR_NAME_SIZE];	/* written in tmp/, not yet
						 * renamed into new/ */
	size_t	pending_count;
	int	renamed;		/* new/ changed since its last sync */
	unsigned long delivered;	/* files renamed into new/ */
};

/*
 * Opens the Maildir at path, creating it and its tmp/, new/ and cur/
 * folders (and missing parent folders) as needed. Returns 0, or
 * EX_CANTCREAT with a message naming the path in error.
 */
int	maildir_open(struct maildir *maildir, const char *path,
		enum maildir_sync_mode sync_mode, struct buf *error);

/*
 * Writes length bytes as a new message whose file name carries sequence,
 * which must differ between the calls of one process. With
 * MAILDIR_SYNC_BATCH the file waits in tmp/ until the batch is full or
 * maildir_flush() runs. Returns 0, or EX_IOERR with a message in error;
 * the failed file is then removed, and files of the batch stay in tmp/
 * until maildir_flush().
 */
int	maildir_deliver(struct maildir *maildir, const void *data,
		size_t length, unsigned long long sequence, struct buf *error);

/*
 * Syncs the files waiting in tmp/ (per the sync mode), renames them into
 * new/ and syncs new/ unless the mode is MAILDIR_SYNC_NONE. Returns 0, or
 * EX_IOERR with a message in error; a file whose sync failed is removed,
 * and every other file still reaches new/.
 */
int	maildir_flush(struct maildir *maildir, struct buf *error);

/* Removes the files still waiting in tmp/ and frees the Maildir. */
void	maildir_close(struct maildir *maildir);

/* Creates path and its missing parents with mode 0755. Returns 0, or -1
 * with errno set. */
int	maildir_make_path(const char *path);

#endif
