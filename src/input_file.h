/*
 * input_file - opens the files that a user names as input. open() on a
 * FIFO waits for a writer and reading a device may never end, so only
 * regular files and /dev/null (an empty input) are read, and a FIFO is
 * rejected without waiting for a writer.
 */
#ifndef INPUT_FILE_H
#define INPUT_FILE_H

#include <stdio.h>
#include <sys/types.h>

#include "buf.h"

/*
 * Opens path read-only and close-on-exec, with extra_flags (such as
 * O_NOFOLLOW) added, and checks that it is a regular file or /dev/null.
 * Returns the descriptor, in blocking mode, and sets *size to the file's
 * size (0 for /dev/null) when size is not NULL. On failure returns -1
 * and appends a message to error that names what (such as "attachment",
 * or NULL for none) and path. Callers report every failure with
 * EX_NOINPUT.
 */
int	input_file_open(const char *what, const char *path, int extra_flags,
	    off_t *size, struct buf *error);

/* Like input_file_open(), but returns a stdio stream, or NULL. */
FILE   *input_file_fopen(const char *what, const char *path,
	    struct buf *error);

#endif
