/*
 * Unit tests for inject_queue: a Maildir named more than once is read
 * once, among a few or hundreds, CSV log records are quoted and whole, and claims stop while the
 * claimed messages hold too many DATA bytes.
 */
#include <criterion/criterion.h>
#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inject_queue.h"
#include "test_support.h"

static void
setup(void)
{
	g_mime_init();
	temp_folder_create();
}

TestSuite(inject_queue, .init = setup, .fini = temp_folder_remove);

/* Makes the Maildir temp_folder/name with count small messages in new/,
 * and returns its path, which the caller frees. */
static char *
make_maildir(const char *name, int count)
{
	char   *path, *folder;
	int	i;

	cr_assert_neq(asprintf(&path, "%s/%s", temp_folder, name), -1);
	cr_assert_eq(mkdir(path, 0700), 0, "mkdir %s failed", path);
	cr_assert_neq(asprintf(&folder, "%s/new", path), -1);
	cr_assert_eq(mkdir(folder, 0700), 0, "mkdir %s failed", folder);
	free(folder);
	for (i = 0; i < count; i++) {
		char   *file;

		cr_assert_neq(asprintf(&file, "%s/new/%d.M%dP1Q1.test", name,
		    1700000000 + i, i), -1);
		free(write_temp_file(file, "From: a@example.com\n"
		    "To: b@example.net\n\nbody\n"));
		free(file);
	}
	return path;
}

static struct inject_queue *
queue_new(FILE *log)
{
	struct inject_queue_options options;

	memset(&options, 0, sizeof(options));
	options.disposal = INJECT_KEEP;
	return inject_queue_create(&options, log);
}

Test(inject_queue, maildir_named_twice_read_once)
{
	char   *maildir = make_maildir("slot", 3);
	char   *alias, *spool_slot;
	struct inject_queue *queue = queue_new(NULL);

	cr_assert_neq(asprintf(&alias, "%s/./", maildir), -1);
	cr_assert_neq(asprintf(&spool_slot, "%s/link", temp_folder), -1);
	cr_assert_eq(symlink(maildir, spool_slot), 0);
	cr_assert_eq(inject_queue_add(queue, maildir), 0);
	cr_assert_eq(inject_queue_add(queue, alias), 0);
	cr_assert_eq(inject_queue_add(queue, spool_slot), 0);
	cr_expect_eq(inject_queue_pending(queue), 3,
	    "pending %zu, want 3 for one Maildir named three ways",
	    inject_queue_pending(queue));
	inject_queue_free(queue);
	free(maildir);
	free(alias);
	free(spool_slot);
}

Test(inject_queue, many_maildirs_read_once)
{
	struct inject_queue *queue = queue_new(NULL);
	char   *paths[300];
	size_t	i;

	for (i = 0; i < 300; i++) {
		char	name[32];

		snprintf(name, sizeof(name), "slot-%zu", i);
		paths[i] = make_maildir(name, 1);
		cr_assert_eq(inject_queue_add(queue, paths[i]), 0);
	}
	for (i = 0; i < 300; i++) {
		char   *alias;

		cr_assert_neq(asprintf(&alias, "%s/.", paths[i]), -1);
		cr_assert_eq(inject_queue_add(queue, alias), 0);
		free(alias);
		free(paths[i]);
	}
	cr_expect_eq(inject_queue_pending(queue), 300,
	    "pending %zu, want 300 for 300 Maildirs each named twice",
	    inject_queue_pending(queue));
	inject_queue_free(queue);
}

Test(inject_queue, log_record_quoted)
{
	char   *maildir = make_maildir("logged", 1);
	char   *log_path, *line = NULL;
	size_t	capacity = 0;
	FILE   *log, *reader;
	struct inject_queue *queue;
	struct inject_message *message;
	int	lines = 0;

	cr_assert_neq(asprintf(&log_path, "%s/log.csv", temp_folder), -1);
	log = fopen(log_path, "a");
	cr_assert_not_null(log);
	queue = queue_new(log);
	cr_assert_eq(inject_queue_add(queue, maildir), 0);
	message = inject_queue_claim(queue, 0);
	cr_assert_not_null(message);

	/* No fflush(): a record must be in the file as soon as it is
	 * logged. */
	inject_queue_log(queue, message, "b@example.net", NULL,
	    "said \"no\", twice");
	reader = fopen(log_path, "r");
	cr_assert_not_null(reader);
	while (getline(&line, &capacity, reader) > 0) {
		const char *tail = "\"b@example.net\",\"\",\"\","
		    "\"said \"\"no\"\", twice\",\"\"\n";
		size_t	length = strlen(line);

		lines++;
		cr_expect(length > strlen(tail) &&
		    strcmp(line + length - strlen(tail), tail) == 0,
		    "record \"%s\" does not end in \"%s\"", line, tail);
	}
	cr_expect_eq(lines, 1, "%d records, want 1", lines);
	inject_queue_answer(queue, message, INJECT_ACCEPTED, NULL);
	inject_queue_free(queue);
	fclose(reader);
	fclose(log);
	free(line);
	free(log_path);
	free(maildir);
}

Test(inject_queue, claims_wait_for_bytes_in_flight)
{
	char   *maildir = make_maildir("big", 2);
	struct inject_queue_options options;
	struct inject_queue *queue;
	struct inject_message *first, *second;

	/* With a bound of 1 byte, one message is in flight at a time. */
	memset(&options, 0, sizeof(options));
	options.disposal = INJECT_KEEP;
	options.bytes_in_flight_max = 1;
	queue = inject_queue_create(&options, NULL);
	cr_assert_eq(inject_queue_add(queue, maildir), 0);
	first = inject_queue_claim(queue, 0);
	cr_assert_not_null(first, "no first claim");
	cr_expect_gt(first->data_bytes, 0, "claimed message counts no bytes");
	cr_expect_null(inject_queue_claim(queue, 0),
	    "claimed past the bound of bytes in flight");
	inject_queue_answer(queue, first, INJECT_ACCEPTED, NULL);
	second = inject_queue_claim(queue, 0);
	cr_expect_not_null(second, "no claim after the bytes were freed");
	if (second != NULL)
		inject_queue_answer(queue, second, INJECT_ACCEPTED, NULL);
	inject_queue_free(queue);
	free(maildir);
}

/* The sendmail transport ends claims with inject_queue_answer_status()
 * and inject_queue_leave_pending(); both free the claim's bytes. */
Test(inject_queue, status_outcomes_free_bytes)
{
	char   *maildir = make_maildir("status", 3);
	struct inject_queue_options options;
	struct inject_queue *queue;
	struct inject_message *message;

	memset(&options, 0, sizeof(options));
	options.disposal = INJECT_KEEP;
	options.bytes_in_flight_max = 1;
	queue = inject_queue_create(&options, NULL);
	cr_assert_eq(inject_queue_add(queue, maildir), 0);
	message = inject_queue_claim(queue, 0);
	cr_assert_not_null(message, "no first claim");
	inject_queue_answer_status(queue, message, INJECT_ACCEPTED, "exit 0");
	message = inject_queue_claim(queue, 0);
	cr_assert_not_null(message, "no claim after an answered status");
	inject_queue_leave_pending(queue, message, "exit 75");
	message = inject_queue_claim(queue, 0);
	cr_assert_not_null(message, "no claim after a message left pending");
	inject_queue_answer_status(queue, message, INJECT_ACCEPTED, "exit 0");
	inject_queue_free(queue);
	free(maildir);
}
