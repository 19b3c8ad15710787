/*
 * reference-writer - the baseline for spoolgen's write benchmark: writes
 * files of given sizes into a Maildir the way spoolgen does (tmp/, then a
 * rename into new/) with the same durability, but renders nothing, so it
 * measures the cost of the file system alone.
 *
 * usage: reference-writer MODE MAILDIR SIZES_FILE COUNT
 *   MODE: none, each, batch (fdatasync per file), batch-syncfs
 *   SIZES_FILE: one file size in bytes per line, reused cyclically
 */
#define _GNU_SOURCE
#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BATCH_MAX 2048

static void
fail(const char *operation, const char *path)
{
	fprintf(stderr, "reference-writer: %s %s: %s\n", operation, path,
	    strerror(errno));
	exit(74);
}

static size_t *
read_sizes(const char *path, size_t *count, size_t *largest)
{
	FILE *file = fopen(path, "r");
	size_t *sizes = NULL, capacity = 0, size;

	if (file == NULL)
		fail("open", path);
	*count = *largest = 0;
	while (fscanf(file, "%zu", &size) == 1) {
		if (*count == capacity) {
			capacity = capacity * 2 + 1024;
			sizes = realloc(sizes, capacity * sizeof(*sizes));
			if (sizes == NULL)
				fail("allocate sizes for", path);
		}
		sizes[(*count)++] = size;
		if (size > *largest)
			*largest = size;
	}
	fclose(file);
	if (*count == 0) {
		fprintf(stderr, "reference-writer: %s: no sizes\n", path);
		exit(65);
	}
	return sizes;
}

static void
write_file(int tmp_fd, const char *name, const char *data, size_t length,
    int sync_each)
{
	int fd = openat(tmp_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0644);

	if (fd < 0)
		fail("create", name);
	if (write(fd, data, length) != (ssize_t) length)
		fail("write", name);
	if (sync_each && fdatasync(fd) < 0)
		fail("sync", name);
	if (close(fd) < 0)
		fail("close", name);
}

static void
sync_batch(int tmp_fd, char (*names)[64], size_t count, int use_syncfs)
{
	size_t i;

	if (use_syncfs) {
		if (syncfs(tmp_fd) < 0)
			fail("syncfs", "tmp");
		return;
	}
	for (i = 0; i < count; i++) {
		int fd = openat(tmp_fd, names[i], O_RDONLY | O_CLOEXEC);

		if (fd < 0 || fdatasync(fd) < 0)
			fail("sync", names[i]);
		close(fd);
	}
}

static void
rename_batch(int tmp_fd, int new_fd, char (*names)[64], size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (renameat2(tmp_fd, names[i], new_fd, names[i],
			RENAME_NOREPLACE) < 0)
			fail("rename", names[i]);
}

int
main(int argc, char **argv)
{
	static char names[BATCH_MAX][64];
	size_t size_count, largest, count, i, pending = 0;
	int batch, each, use_syncfs, tmp_fd, new_fd;
	struct timeval start, end;
	size_t *sizes;
	char *data, path[4096];
	double seconds;

	if (argc != 5) {
		fprintf(stderr, "usage: reference-writer none|each|batch|"
		    "batch-syncfs MAILDIR SIZES_FILE COUNT\n");
		return 64;
	}
	each = strcmp(argv[1], "each") == 0;
	use_syncfs = strcmp(argv[1], "batch-syncfs") == 0;
	batch = use_syncfs || strcmp(argv[1], "batch") == 0;
	count = strtoul(argv[4], NULL, 10);
	sizes = read_sizes(argv[3], &size_count, &largest);
	data = malloc(largest + 1);
	if (data == NULL)
		fail("allocate", "data");
	memset(data, 'x', largest);

	mkdir(argv[2], 0755);
	snprintf(path, sizeof(path), "%s/tmp", argv[2]);
	mkdir(path, 0755);
	if ((tmp_fd = open(path, O_RDONLY | O_DIRECTORY)) < 0)
		fail("open", path);
	snprintf(path, sizeof(path), "%s/new", argv[2]);
	mkdir(path, 0755);
	if ((new_fd = open(path, O_RDONLY | O_DIRECTORY)) < 0)
		fail("open", path);

	gettimeofday(&start, NULL);
	for (i = 0; i < count; i++) {
		char *name = names[pending];

		snprintf(name, 64, "%lld.R%dQ%zu.reference",
		    (long long) start.tv_sec, (int) getpid(), i + 1);
		write_file(tmp_fd, name, data, sizes[i % size_count], each);
		if (!batch) {
			rename_batch(tmp_fd, new_fd, &names[pending], 1);
			continue;
		}
		if (++pending == BATCH_MAX || i + 1 == count) {
			sync_batch(tmp_fd, names, pending, use_syncfs);
			rename_batch(tmp_fd, new_fd, names, pending);
			if (fsync(new_fd) < 0)
				fail("sync", "new");
			pending = 0;
		}
	}
	if (!batch && strcmp(argv[1], "none") != 0 && fsync(new_fd) < 0)
		fail("sync", "new");
	gettimeofday(&end, NULL);
	seconds = (double) (end.tv_sec - start.tv_sec)
	    + (double) (end.tv_usec - start.tv_usec) / 1e6;
	printf("%zu files, %.2f s, %.0f files/s\n", count, seconds,
	    (double) count / seconds);
	free(sizes);
	free(data);
	return 0;
}
