/*
 * Unit tests for input_file: regular files and /dev/null open, while
 * FIFOs, other devices, folders and missing files fail at once with a
 * message that names the file. Each test has a timeout, so a blocking
 * open() fails the test instead of hanging it.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input_file.h"
#include "msg.h"
#include "test_support.h"

TestSuite(input_file, .init = temp_folder_create,
    .fini = temp_folder_remove, .timeout = 10);

/* Opens path and checks that it fails with a message containing text. */
static void
expect_rejected(const char *path, const char *text)
{
	struct buf error = BUF_INIT;
	int	fd = input_file_open("test input", path, 0, NULL, &error);

	cr_assert_eq(fd, -1, "%s opened, expected a failure", path);
	cr_assert_not_null(error.data, "no message for %s", path);
	cr_assert_not_null(strstr(error.data, path),
	    "message \"%s\" does not name %s", error.data, path);
	cr_assert_not_null(strstr(error.data, text),
	    "message \"%s\" lacks \"%s\"", error.data, text);
	buf_free(&error);
}

Test(input_file, regular_file_opens)
{
	char   *path = write_temp_file("plain.txt", "twelve bytes");
	struct buf error = BUF_INIT;
	off_t	size = -1;
	int	fd = input_file_open("test input", path, 0, &size, &error);
	char	text[32] = "";

	cr_assert_geq(fd, 0, "open %s failed: %s", path, error.data);
	cr_assert_eq(size, 12, "size %lld, expected 12", (long long)size);
	cr_assert_eq(fcntl(fd, F_GETFL) & O_NONBLOCK, 0,
	    "the descriptor is still non-blocking");
	cr_assert_eq(read(fd, text, sizeof(text) - 1), 12);
	cr_assert_str_eq(text, "twelve bytes");
	close(fd);
	free(path);
}

Test(input_file, fifo_rejected)
{
	char   *path = xasprintf("%s/fifo", temp_folder);

	cr_assert_eq(mkfifo(path, 0600), 0, "mkfifo %s failed", path);
	expect_rejected(path, "is not a regular file: expected a regular "
	    "file");
	free(path);
}

Test(input_file, fifo_rejected_by_fopen)
{
	char   *path = xasprintf("%s/fifo", temp_folder);
	struct buf error = BUF_INIT;

	cr_assert_eq(mkfifo(path, 0600), 0, "mkfifo %s failed", path);
	cr_assert_null(input_file_fopen(NULL, path, &error));
	cr_assert_not_null(strstr(error.data, "is not a regular file"),
	    "message \"%s\"", error.data);
	buf_free(&error);
	free(path);
}

Test(input_file, null_device_opens_empty)
{
	struct buf error = BUF_INIT;
	off_t	size = -1;
	int	fd = input_file_open("test input", "/dev/null", 0, &size,
	    &error);

	cr_assert_geq(fd, 0, "open /dev/null failed: %s", error.data);
	cr_assert_eq(size, 0, "size %lld, expected 0", (long long)size);
	close(fd);
}

Test(input_file, device_rejected)
{
	expect_rejected("/dev/zero", "is not a regular file");
}

Test(input_file, folder_rejected)
{
	expect_rejected(temp_folder, "is a directory: expected a regular "
	    "file");
}

Test(input_file, missing_file_rejected)
{
	char   *path = xasprintf("%s/absent", temp_folder);

	expect_rejected(path, "No such file or directory");
	free(path);
}

Test(input_file, symbolic_link_rejected_with_nofollow)
{
	char   *target = write_temp_file("target.txt", "text");
	char   *link = xasprintf("%s/link", temp_folder);
	struct buf error = BUF_INIT;

	cr_assert_eq(symlink(target, link), 0, "symlink %s failed", link);
	cr_assert_eq(input_file_open("test input", link, O_NOFOLLOW, NULL,
	    &error), -1, "%s opened through its link", link);
	buf_free(&error);
	free(link);
	free(target);
}
