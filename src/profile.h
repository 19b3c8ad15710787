/*
 * profile - reads a traffic profile file: 24 hourly or 1440 per-minute
 * weights from local 00:00 on, as numbers separated by blanks or line
 * ends, with '#' starting a comment that runs to the end of the line.
 */
#ifndef PROFILE_H
#define PROFILE_H

#include <stddef.h>

#include "buf.h"

/*
 * Reads the weights in path into *weights (free it) and their number into
 * *count. Returns 0 on success, or EX_NOINPUT when the file cannot be
 * read. Returns EX_DATAERR when a value is not a number of at least 0,
 * the count is not 24 or 1440, or every weight is 0. The message in
 * error names the file, and the line and value where there is one.
 */
int	profile_load(const char *path, double **weights, size_t *count,
		struct buf *error);

#endif
