/*
 * Unit tests for attachment: files read and typed by libmagic, the
 * folder listing (sorted, regular files only, hidden names skipped), and
 * the errors for missing files, folders and files over the size limit.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "attachment.h"
#include "buf.h"
#include "msg.h"

static char folder[] = "/tmp/test_attachment.XXXXXX";

/* The first bytes of a PNG file: signature and an IHDR chunk header. */
static const unsigned char png_start[] = {
	0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
	'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0,
};

static char *
write_file(const char *name, const void *data, size_t length)
{
	char *path = xasprintf("%s/%s", folder, name);
	FILE *file = fopen(path, "wb");

	cr_assert_not_null(file, "cannot create %s", path);
	cr_assert_eq(fwrite(data, 1, length, file), length, "write %s", path);
	fclose(file);
	return path;
}

static void
make_folder(void)
{
	cr_assert_not_null(mkdtemp(folder), "mkdtemp failed");
}

static void
remove_folder(void)
{
	char *command = xasprintf("rm -rf '%s'", folder);

	cr_expect_eq(system(command), 0, "cannot remove %s", folder);
	free(command);
}

Test(attachment, fixed_files_typed, .init = make_folder,
    .fini = remove_folder)
{
	static const char text[] = "plain words\n";
	char *paths[3];
	struct attachment_list fixed, pool;
	struct buf error = BUF_INIT;
	int status;

	paths[0] = write_file("image.png", png_start, sizeof(png_start));
	paths[1] = write_file("no-extension", text, strlen(text));
	paths[2] = write_file("Übersicht.txt", text, strlen(text));
	status = attachment_lists_load(&fixed, (const char *const *) paths, 3,
	    &pool, NULL, &error);
	cr_assert_eq(status, 0, "status %d: %s", status,
	    error.data ? error.data : "");
	cr_assert_eq(fixed.count, 3, "%zu files, expected 3", fixed.count);
	cr_expect_eq(pool.count, 0, "%zu pool files, expected 0", pool.count);
	cr_expect_str_eq(fixed.items[0].content_type, "image/png");
	cr_expect_str_eq(fixed.items[0].filename, "image.png");
	cr_expect_eq(fixed.items[0].length, sizeof(png_start));
	cr_expect_str_eq(fixed.items[1].content_type, "text/plain");
	cr_expect_str_eq(fixed.items[1].filename, "no-extension");
	cr_expect_str_eq(fixed.items[2].filename, "Übersicht.txt");
	cr_expect_eq(memcmp(fixed.items[1].data, text, strlen(text)), 0,
	    "content of no-extension differs");
	cr_expect_eq(fixed.total_length, sizeof(png_start) + 2 * strlen(text));
	attachment_list_free(&fixed);
	attachment_list_free(&pool);
	for (int i = 0; i < 3; i++)
		free(paths[i]);
}

Test(attachment, folder_listing, .init = make_folder,
    .fini = remove_folder)
{
	struct attachment_list fixed, pool;
	struct buf error = BUF_INIT;
	char *sub = xasprintf("%s/sub", folder);
	int status;

	free(write_file("b.txt", "b\n", 2));
	free(write_file("a.png", png_start, sizeof(png_start)));
	free(write_file(".hidden", "h\n", 2));
	cr_assert_eq(mkdir(sub, 0755), 0, "mkdir %s", sub);
	status = attachment_lists_load(&fixed, NULL, 0, &pool, folder, &error);
	cr_assert_eq(status, 0, "status %d: %s", status,
	    error.data ? error.data : "");
	cr_assert_eq(pool.count, 2, "%zu files, expected 2", pool.count);
	cr_expect_str_eq(pool.items[0].filename, "a.png");
	cr_expect_str_eq(pool.items[0].content_type, "image/png");
	cr_expect_str_eq(pool.items[1].filename, "b.txt");
	attachment_list_free(&fixed);
	attachment_list_free(&pool);
	free(sub);
}

/* Loads one --attach path and checks the status and message. */
static void
expect_error(const char *path, const char *directory, int expected,
    const char *message)
{
	struct attachment_list fixed, pool;
	struct buf error = BUF_INIT;
	int status = attachment_lists_load(&fixed, &path, path ? 1 : 0, &pool,
	    directory, &error);

	cr_expect_eq(status, expected, "%s: status %d, expected %d (%s)",
	    path ? path : directory, status, expected,
	    error.data ? error.data : "");
	cr_expect(strstr(error.data ? error.data : "", message) != NULL,
	    "message \"%s\", expected it to contain \"%s\"",
	    error.data ? error.data : "", message);
	attachment_list_free(&fixed);
	attachment_list_free(&pool);
	buf_free(&error);
}

Test(attachment, errors, .init = make_folder, .fini = remove_folder)
{
	char *missing = xasprintf("%s/missing.pdf", folder);
	char *large = xasprintf("%s/large.bin", folder);
	char *empty = xasprintf("%s/empty", folder);
	char *expected;
	int fd;

	expect_error(missing, NULL, EX_NOINPUT, "No such file or directory");
	expected = xasprintf("attachment %s: is a directory", folder);
	expect_error(folder, NULL, EX_NOINPUT, expected);
	free(expected);

	fd = open(large, O_WRONLY | O_CREAT, 0644);
	cr_assert_geq(fd, 0, "create %s", large);
	cr_assert_eq(ftruncate(fd, ATTACHMENT_MAX_SIZE + 1), 0, "truncate");
	close(fd);
	expect_error(large, NULL, EX_DATAERR, "is 25000001 bytes: an "
	    "attachment may be at most 25000000 bytes");

	cr_assert_eq(mkdir(empty, 0755), 0, "mkdir %s", empty);
	expect_error(NULL, empty, EX_NOINPUT, "contains no regular file");
	expect_error(NULL, missing, EX_NOINPUT, "open attachment folder");
	free(missing);
	free(large);
	free(empty);
}
