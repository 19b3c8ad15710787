/*
 * test_support - helpers shared by the unit test programs: a temporary
 * folder per test, files written into it, and the paths of repository
 * and shared input files. Each program lives in the repository's
 * tests/unit, which is how the repository is found.
 */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char temp_folder[64];

/* Creates a fresh temporary folder; use as a Criterion .init. */
static inline void
temp_folder_create(void)
{
	snprintf(temp_folder, sizeof(temp_folder), "/tmp/spoolgen-unit.XXXXXX");
	cr_assert_not_null(mkdtemp(temp_folder), "mkdtemp %s failed",
	    temp_folder);
}

/* Removes the temporary folder and its files; use as a Criterion .fini. */
static inline void
temp_folder_remove(void)
{
	char *command;

	if (asprintf(&command, "rm -rf '%s'", temp_folder) < 0)
		return;
	if (system(command) != 0)
		fprintf(stderr, "cannot remove %s\n", temp_folder);
	free(command);
}

/* Writes text to name in the temporary folder and returns the path,
 * which the caller frees. */
static inline char *
write_temp_file(const char *name, const char *text)
{
	char *path;
	FILE *file;

	cr_assert_neq(asprintf(&path, "%s/%s", temp_folder, name), -1,
	    "asprintf failed");
	file = fopen(path, "wb");
	cr_assert_not_null(file, "cannot create %s", path);
	fputs(text, file);
	cr_assert_eq(fclose(file), 0, "cannot write %s", path);
	return path;
}

/* Returns the repository root, from this program's own path. Free it. */
static inline char *
repository_root(void)
{
	char executable[PATH_MAX];
	ssize_t length;
	int i;

	length = readlink("/proc/self/exe", executable, sizeof(executable) - 1);
	cr_assert_gt(length, 0, "readlink /proc/self/exe failed");
	executable[length] = '\0';
	for (i = 0; i < 3; i++)
		*strrchr(executable, '/') = '\0';
	return strdup(executable);
}

/* Returns the path of a file of the repository. Free it. */
static inline char *
repository_file(const char *name)
{
	char *root = repository_root();
	char *path;

	cr_assert_neq(asprintf(&path, "%s/%s", root, name), -1,
	    "asprintf failed");
	free(root);
	return path;
}

/*
 * Returns the path of a file in the shared cases folder, or skips the test
 * when the file is absent. The folder is $SPOOLGEN_SHARED, else "shared"
 * beside the repository.
 */
static inline char *
shared_file(const char *name)
{
	const char *variable = getenv("SPOOLGEN_SHARED");
	char *root = NULL, *path = NULL;

	if (variable && variable[0]) {
		if (asprintf(&path, "%s/%s", variable, name) < 0)
			path = NULL;
	} else {
		root = repository_root();
		if (asprintf(&path, "%s/../shared/%s", root, name) < 0)
			path = NULL;
		free(root);
	}
	if (path == NULL || access(path, R_OK) != 0) {
		cr_skip_test("shared case file %s is absent; set "
		    "SPOOLGEN_SHARED to the shared folder to run this test",
		    path ? path : name);
	}
	return path;
}

#endif
