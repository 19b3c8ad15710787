/*
 * maildir - writes messages into a Maildir the safe way: each file is
 * written in tmp/ under a unique name and then renamed into new/, so no
 * reader ever sees a partial file and no file is ever overwritten.
 */
#ifndef MAILDIR_H
#define MAILDIR_H

#include <stddef.h>

#include "buf.h"

struct maildir {
	char   *path;
	int	tmp_fd;			/* directory descriptors */
	int	new_fd;
	unsigned long sequence;		/* deliveries by this process */
	char   *host;			/* host name with '/' and ':' escaped */
};

/*
 * Opens the Maildir at path, creating it and its tmp/, new/ and cur/
 * folders (and missing parent folders) as needed. Returns 0, or
 * EX_CANTCREAT with a message naming the path in error.
 */
int	maildir_open(struct maildir *maildir, const char *path,
		struct buf *error);

/*
 * Writes length bytes as a new message. Returns 0, or EX_IOERR with a
 * message in error (nothing is left in tmp/ or new/ then).
 */
int	maildir_deliver(struct maildir *maildir, const void *data,
		size_t length, struct buf *error);

/* Flushes the new/ folder's entries to disk. Returns 0 or EX_IOERR. */
int	maildir_sync(struct maildir *maildir, struct buf *error);

void	maildir_close(struct maildir *maildir);

/* Creates path and its missing parents with mode 0755. Returns 0, or -1
 * with errno set. */
int	maildir_make_path(const char *path);

#endif
