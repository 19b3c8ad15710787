/*
 * Unit tests for profile: valid files of 24 and 1440 weights in several
 * layouts, and invalid ones with their status and message.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"
#include "profile.h"

/* Writes text to a new temporary file; returns its path (free it). */
static char *
write_profile(const char *text)
{
	char *path = strdup("/tmp/test_profile.XXXXXX");
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0, "mkstemp failed");
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t) strlen(text),
	    "write failed");
	close(fd);
	return path;
}

struct profile_case {
	const char *text;
	int	status;
	size_t	count;
	const char *message;	/* expected in the error after the path */
};

static const struct profile_case cases[] = {
	{"1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24\n",
	    0, 24, NULL},
	{"# hours\n1 1 1 1 # night\n\n1 1 1 1\n1 1 1 1 1 1 1 1 1 1 1 1 1 1 "
	    "1 1", 0, 24, NULL},
	{"\xef\xbb\xbf" "0.5\t0.5 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 "
	    "1e1\r\n", 0, 24, NULL},
	{"1 2\n3 abc 5\n", EX_DATAERR, 0,
	    ":2: invalid weight \"abc\": expected a decimal number of at "
	    "least 0"},
	{"1 0x10\n", EX_DATAERR, 0, ":1: invalid weight \"0x10\""},
	{"0X1p4\n", EX_DATAERR, 0, ":1: invalid weight \"0X1p4\""},
	{"+5\n", EX_DATAERR, 0, ":1: invalid weight \"+5\""},
	{"1\n-2\n", EX_DATAERR, 0, ":2: invalid weight \"-2\""},
	{"1 2 3x\n", EX_DATAERR, 0, ":1: invalid weight \"3x\""},
	{"nan\n", EX_DATAERR, 0, ":1: invalid weight \"nan\""},
	{"inf\n", EX_DATAERR, 0, ":1: invalid weight \"inf\""},
	{"1e999\n", EX_DATAERR, 0, ":1: invalid weight \"1e999\""},
	{"1 2 3\n", EX_DATAERR, 0, ": 3 weights: expected 24 hourly or "
	    "1440 per-minute weights"},
	{"", EX_DATAERR, 0, ": 0 weights"},
	{"0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n", EX_DATAERR, 0,
	    ": the weights sum to 0"},
};

Test(profile, table)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct profile_case *c = &cases[i];
		char *path = write_profile(c->text);
		struct buf error = BUF_INIT;
		double *weights = NULL;
		size_t count = 0;
		int status = profile_load(path, &weights, &count, &error);

		cr_expect_eq(status, c->status, "case %zu: status %d, "
		    "expected %d (%s)", i, status, c->status,
		    error.data ? error.data : "");
		if (c->status == 0)
			cr_expect_eq(count, c->count, "case %zu: %zu weights, "
			    "expected %zu", i, count, c->count);
		if (c->message) {
			cr_expect(error.data != NULL && strncmp(error.data,
			    path, strlen(path)) == 0, "case %zu: message "
			    "\"%s\" does not start with the path", i,
			    error.data ? error.data : "");
			cr_expect(error.data != NULL && strstr(error.data,
			    c->message) != NULL, "case %zu: message \"%s\", "
			    "expected it to contain \"%s\"", i,
			    error.data ? error.data : "", c->message);
		}
		unlink(path);
		free(path);
		free(weights);
		buf_free(&error);
	}
}

Test(profile, values_in_order)
{
	char *path = write_profile("# comment 9 9\n0.25 1\n2 # 7\n3 4 5 6 7 8 "
	    "9 10 11 12 13 14 15 16 17 18 19 20 21 22 23\n");
	struct buf error = BUF_INIT;
	double *weights;
	size_t count;

	cr_assert_eq(profile_load(path, &weights, &count, &error), 0,
	    "load failed: %s", error.data ? error.data : "");
	cr_expect_float_eq(weights[0], 0.25, 1e-12, "weight 0 is %g, "
	    "expected 0.25", weights[0]);
	cr_expect_float_eq(weights[2], 2, 1e-12, "weight 2 is %g, expected 2",
	    weights[2]);
	cr_expect_float_eq(weights[23], 23, 1e-12, "weight 23 is %g, "
	    "expected 23", weights[23]);
	unlink(path);
	free(path);
	free(weights);
}

Test(profile, minute_weights)
{
	struct buf text = BUF_INIT, error = BUF_INIT;
	double *weights;
	size_t count, i;
	char *path;

	for (i = 0; i < 1440; i++)
		buf_appendf(&text, "%zu\n", i % 60);
	path = write_profile(text.data);
	cr_assert_eq(profile_load(path, &weights, &count, &error), 0,
	    "load failed: %s", error.data ? error.data : "");
	cr_expect_eq(count, 1440, "%zu weights, expected 1440", count);
	cr_expect_float_eq(weights[1439], 59, 1e-12, "last weight %g, "
	    "expected 59", weights[1439]);
	free(weights);
	unlink(path);
	free(path);

	buf_append_string(&text, "1\n");
	path = write_profile(text.data);
	cr_expect_eq(profile_load(path, &weights, &count, &error), EX_DATAERR,
	    "1441 weights accepted");
	cr_expect(strstr(error.data ? error.data : "", ":1441: more than "
	    "1440 weights") != NULL, "message \"%s\" does not name line 1441",
	    error.data ? error.data : "");
	free(weights);
	unlink(path);
	free(path);
	buf_free(&text);
	buf_free(&error);
}

Test(profile, missing_file)
{
	struct buf error = BUF_INIT;
	double *weights;
	size_t count;

	cr_expect_eq(profile_load("/nonexistent/profile", &weights, &count,
	    &error), EX_NOINPUT, "missing file: status is not EX_NOINPUT");
	cr_expect_str_eq(error.data ? error.data : "", "open "
	    "/nonexistent/profile: No such file or directory");
	free(weights);
	cr_expect_eq(profile_load("/tmp", &weights, &count, &error),
	    EX_NOINPUT, "directory: status is not EX_NOINPUT");
	free(weights);
	buf_free(&error);
}
