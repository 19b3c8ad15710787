/*
 * maildir - Maildir delivery. Unique names follow the usual
 * SECONDS.MmicrosecondsPpidQsequence.HOST shape. The rename into new/
 * uses RENAME_NOREPLACE, so a clash fails instead of replacing a message.
 * Unless the sync mode is MAILDIR_SYNC_NONE, a file's data is on disk
 * before its rename, so after a crash new/ holds only complete files.
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
maildir_open(struct maildir *maildir, const char *path,
    enum maildir_sync_mode sync_mode, struct buf *error)
{
	int cur_fd;

	memset(maildir, 0, sizeof(*maildir));
	maildir->tmp_fd = maildir->new_fd = -1;
	maildir->sync_mode = sync_mode;
	if (maildir_make_path(path) < 0) {
		buf_appendf(error, "create %s: %s", path, strerror(errno));
		return EX_CANTCREAT;
	}
	maildir->path = xstrdup(path);
	maildir->host = maildir_host_name();
	maildir->pid = (long) getpid();
	if ((maildir->tmp_fd = maildir_open_folder(path, "tmp", error)) < 0
	    || (maildir->new_fd = maildir_open_folder(path, "new", error)) < 0
	    || (cur_fd = maildir_open_folder(path, "cur", error)) < 0) {
		maildir_close(maildir);
		return EX_CANTCREAT;
	}
	close(cur_fd);
	if (sync_mode == MAILDIR_SYNC_BATCH)
		maildir->pending = xmalloc(MAILDIR_BATCH_MAX
		    * sizeof(*maildir->pending));
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

static int
maildir_rename(struct maildir *maildir, const char *name, struct buf *error)
{
	int saved;

	if (renameat2(maildir->tmp_fd, name, maildir->new_fd, name,
		RENAME_NOREPLACE) < 0) {
		saved = errno;
		unlinkat(maildir->tmp_fd, name, 0);
		buf_appendf(error, "rename %s/tmp/%s into new/: %s",
		    maildir->path, name, strerror(saved));
		return EX_IOERR;
	}
	maildir->renamed = 1;
	maildir->delivered++;
	return 0;
}

/* Writes the file in tmp/ and closes it; removes it on failure. */
static int
maildir_write_file(struct maildir *maildir, const char *name,
    const void *data, size_t length, struct buf *error)
{
	int fd, saved;

	fd = openat(maildir->tmp_fd, name, O_WRONLY | O_CREAT | O_EXCL
	    | O_CLOEXEC, 0644);
	if (fd < 0) {
		buf_appendf(error, "create %s/tmp/%s: %s", maildir->path, name,
		    strerror(errno));
		return EX_IOERR;
	}
	if (maildir_write_all(fd, data, length) < 0
	    || (maildir->sync_mode == MAILDIR_SYNC_EACH && fdatasync(fd) < 0)
	    || close(fd) < 0) {
		saved = errno;
		close(fd);
		unlinkat(maildir->tmp_fd, name, 0);
		buf_appendf(error, "write %s/tmp/%s: %s", maildir->path, name,
		    strerror(saved));
		return EX_IOERR;
	}
	return 0;
}

int
maildir_deliver(struct maildir *maildir, const void *data, size_t length,
    unsigned long long sequence, struct buf *error)
{
	struct timeval now;
	char name[MAILDIR_NAME_SIZE];
	int status;

	gettimeofday(&now, NULL);
	snprintf(name, sizeof(name), "%lld.M%06ldP%ldQ%llu.%s",
	    (long long) now.tv_sec, (long) now.tv_usec, maildir->pid,
	    sequence, maildir->host);
	if ((status = maildir_write_file(maildir, name, data, length,
		    error)) != 0)
		return status;
	if (maildir->sync_mode != MAILDIR_SYNC_BATCH)
		return maildir_rename(maildir, name, error);
	memcpy(maildir->pending[maildir->pending_count++], name,
	    sizeof(name));
	if (maildir->pending_count == MAILDIR_BATCH_MAX)
		return maildir_flush(maildir, error);
	return 0;
}

/*
 * Syncs a batch with one syncfs(): on ext4 with 15 kB files that took a
 * quarter of the time of an fdatasync() per file (see BENCHMARKS.md). It
 * also writes out other dirty data of the file system. When it fails,
 * which file lost its data is unknown, so each one is synced on its own.
 */
static void
maildir_sync_batch(struct maildir *maildir, struct buf *error)
{
	size_t i, kept = 0;
	int fd;

	if (syncfs(maildir->tmp_fd) == 0)
		return;
	for (i = 0; i < maildir->pending_count; i++) {
		const char *name = maildir->pending[i];

		fd = openat(maildir->tmp_fd, name, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && fdatasync(fd) == 0) {
			close(fd);
			if (kept != i)
				memcpy(maildir->pending[kept], name,
				    MAILDIR_NAME_SIZE);
			kept++;
			continue;
		}
		if (error->length == 0)
			buf_appendf(error, "sync %s/tmp/%s: %s", maildir->path,
			    name, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlinkat(maildir->tmp_fd, name, 0);
	}
	maildir->pending_count = kept;
}

int
maildir_flush(struct maildir *maildir, struct buf *error)
{
	size_t start_length = error->length, i;
	struct buf later = BUF_INIT;

	if (maildir->pending_count > 0)
		maildir_sync_batch(maildir, error);

	/* Only the first failure goes into error; the rest still rename. */
	for (i = 0; i < maildir->pending_count; i++)
		maildir_rename(maildir, maildir->pending[i],
		    error->length > start_length ? &later : error);
	buf_free(&later);
	maildir->pending_count = 0;
	if (maildir->sync_mode != MAILDIR_SYNC_NONE && maildir->renamed) {
		if (fsync(maildir->new_fd) < 0 && error->length == start_length)
			buf_appendf(error, "sync %s/new: %s", maildir->path,
			    strerror(errno));
		maildir->renamed = 0;
	}
	return error->length > start_length ? EX_IOERR : 0;
}

void
maildir_close(struct maildir *maildir)
{
	size_t i;

	for (i = 0; i < maildir->pending_count; i++)
		unlinkat(maildir->tmp_fd, maildir->pending[i], 0);
	if (maildir->tmp_fd >= 0)
		close(maildir->tmp_fd);
	if (maildir->new_fd >= 0)
		close(maildir->new_fd);
	free(maildir->path);
	free(maildir->host);
	free(maildir->pending);
	memset(maildir, 0, sizeof(*maildir));
	maildir->tmp_fd = maildir->new_fd = -1;
}
