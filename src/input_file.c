/*
 * input_file - opens input files without waiting on FIFOs; see
 * input_file.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "input_file.h"

/* Appends "verb what path: problem", leaving out what when it is NULL. */
static void
input_file_fail(struct buf *error, const char *verb, const char *what,
    const char *path, const char *problem)
{
	buf_appendf(error, "%s%s%s%s%s: %s", verb, verb[0] ? " " : "",
	    what ? what : "", what ? " " : "", path, problem);
}

/* Returns true for the null device, which reads as an empty file. */
static bool
input_file_is_null_device(const struct stat *status)
{
	struct stat null_status;

	return S_ISCHR(status->st_mode) && stat("/dev/null", &null_status) == 0
	    && S_ISCHR(null_status.st_mode)
	    && status->st_rdev == null_status.st_rdev;
}

int
input_file_open(const char *what, const char *path, int extra_flags,
    off_t *size, struct buf *error)
{
	struct stat status;
	int	fd, flags;

	/* O_NONBLOCK makes open() return at once on a FIFO without a
	 * writer, so that fstat() can reject it. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | extra_flags);
	if (fd < 0) {
		input_file_fail(error, "open", what, path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &status) < 0) {
		input_file_fail(error, "stat", what, path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(status.st_mode) && !input_file_is_null_device(&status)) {
		input_file_fail(error, "", what, path, S_ISDIR(status.st_mode)
		    ? "is a directory: expected a regular file"
		    : "is not a regular file: expected a regular file");
		close(fd);
		return -1;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		input_file_fail(error, "open", what, path, strerror(errno));
		close(fd);
		return -1;
	}
	if (size != NULL)
		*size = S_ISREG(status.st_mode) ? status.st_size : 0;
	return fd;
}

FILE *
input_file_fopen(const char *what, const char *path, struct buf *error)
{
	FILE   *file;
	int	fd = input_file_open(what, path, 0, NULL, error);

	if (fd < 0)
		return NULL;
	if ((file = fdopen(fd, "r")) == NULL) {
		input_file_fail(error, "open", what, path, strerror(errno));
		close(fd);
	}
	return file;
}
