/*
 * maildir - Maildir delivery. Unique names follow the usual
 * SECONDS.MmicrosecondsPpidQsequence.HOST shape. The rename into new/
 * uses RENAME_NOREPLACE, so a clash fails instead of replacing a message.
 *
 * NOTE: files are not synced before the rename; after a power loss new/
 * may hold a file whose data never reached the disk.
 */
#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "maildir.h"
#include "msg.h"

int
maildir_make_path(const char *path)
{
	char *copy = xstrdup(path);
	char *slash = copy;
	int status = 0;

	while (status == 0 && (slash = strchr(slash + 1, '/')) != NULL) {
		*slash = '\0';
		if (mkdir(copy, 0755) < 0 && errno != EEXIST)
			status = -1;
		*slash = '/';
	}
	if (status == 0 && mkdir(copy, 0755) < 0 && errno != EEXIST)
		status = -1;
	free(copy);
	return status;
}

static char *
maildir_host_name(void)
{
	char host[256];
	struct buf escaped = BUF_INIT;
	const char *p;

	if (gethostname(host, sizeof(host)) < 0 || host[0] == '\0')
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = '\0';
	for (p = host; *p; p++) {
		if (*p == '/')
			buf_append_string(&escaped, "\\057");
		else if (*p == ':')
			buf_append_string(&escaped, "\\072");
		else
			buf_append_byte(&escaped, *p);
	}
	return escaped.data;
}

static int
maildir_open_folder(const char *path, const char *folder, struct buf *error)
{
	char *full = xasprintf("%s/%s", path, folder);
	int fd = -1;

	if (mkdir(full, 0755) < 0 && errno != EEXIST)
		buf_appendf(error, "create %s: %s", full, strerror(errno));
	else if ((fd = open(full, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		buf_appendf(error, "open %s: %s", full, strerror(errno));
	free(full);
	return fd;
}

int
maildir_open(struct maildir *maildir, const char *path, struct buf *error)
{
	int cur_fd;

	memset(maildir, 0, sizeof(*maildir));
	maildir->tmp_fd = maildir->new_fd = -1;
	if (maildir_make_path(path) < 0) {
		buf_appendf(error, "create %s: %s", path, strerror(errno));
		return EX_CANTCREAT;
	}
	maildir->path = xstrdup(path);
	maildir->host = maildir_host_name();
	if ((maildir->tmp_fd = maildir_open_folder(path, "tmp", error)) < 0
	    || (maildir->new_fd = maildir_open_folder(path, "new", error)) < 0
	    || (cur_fd = maildir_open_folder(path, "cur", error)) < 0) {
		maildir_close(maildir);
		return EX_CANTCREAT;
	}
	close(cur_fd);
	return 0;
}

static int
maildir_write_all(int fd, const char *data, size_t length)
{
	while (length > 0) {
		ssize_t count = write(fd, data, length);

		if (count < 0 && errno == EINTR)
			continue;
		if (count < 0)
			return -1;
		data += count;
		length -= (size_t) count;
	}
	return 0;
}

int
maildir_deliver(struct maildir *maildir, const void *data, size_t length,
    struct buf *error)
{
	struct timeval now;
	char name[512];
	int fd, saved;

	gettimeofday(&now, NULL);
	snprintf(name, sizeof(name), "%lld.M%06ldP%dQ%lu.%s",
	    (long long) now.tv_sec, (long) now.tv_usec, (int) getpid(),
	    ++maildir->sequence, maildir->host);
	fd = openat(maildir->tmp_fd, name, O_WRONLY | O_CREAT | O_EXCL
	    | O_CLOEXEC, 0644);
	if (fd < 0) {
		buf_appendf(error, "create %s/tmp/%s: %s", maildir->path, name,
		    strerror(errno));
		return EX_IOERR;
	}
	if (maildir_write_all(fd, data, length) < 0 || close(fd) < 0) {
		saved = errno;
		close(fd);
		unlinkat(maildir->tmp_fd, name, 0);
		buf_appendf(error, "write %s/tmp/%s: %s", maildir->path, name,
		    strerror(saved));
		return EX_IOERR;
	}
	if (renameat2(maildir->tmp_fd, name, maildir->new_fd, name,
		RENAME_NOREPLACE) < 0) {
		saved = errno;
		unlinkat(maildir->tmp_fd, name, 0);
		buf_appendf(error, "rename %s/tmp/%s into new/: %s",
		    maildir->path, name, strerror(saved));
		return EX_IOERR;
	}
	return 0;
}

int
maildir_sync(struct maildir *maildir, struct buf *error)
{
	if (fsync(maildir->new_fd) < 0) {
		buf_appendf(error, "sync %s/new: %s", maildir->path,
		    strerror(errno));
		return EX_IOERR;
	}
	return 0;
}

void
maildir_close(struct maildir *maildir)
{
	if (maildir->tmp_fd >= 0)
		close(maildir->tmp_fd);
	if (maildir->new_fd >= 0)
		close(maildir->new_fd);
	free(maildir->path);
	free(maildir->host);
	memset(maildir, 0, sizeof(*maildir));
	maildir->tmp_fd = maildir->new_fd = -1;
}
