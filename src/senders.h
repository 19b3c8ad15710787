/*
 * senders - sender rows: who sends, with which subject, and how often
 * their mail should bounce. File format: CSV with the header
 * x_job,from_name,from_addr,bounce_rate,retry_percent,subject and exactly
 * that many fields in every row.
 */
#ifndef SENDERS_H
#define SENDERS_H

#include <stddef.h>

#include "csv_table.h"

struct sender {
	size_t	line;
	char   *x_job;
	char   *from_name;		/* may be empty */
	char   *from_addr;
	double	bounce_rate;		/* 0..1 */
	char   *retry_percent;		/* 0..100, as written in the file */
	char   *subject;
};

struct sender_list {
	char   *path;
	struct sender *senders;
	size_t	count;
};

/*
 * Loads the sender rows at path. Returns 0, or a sysexits.h status with a
 * message naming the file, line and value in policy->error. Rows with the
 * wrong number of fields or an invalid value stop the load, or are
 * skipped with a warning when policy->skip_bad_rows is set. Free with
 * sender_list_free() in either case.
 */
int	sender_list_load(struct sender_list *list, const char *path,
		struct csv_row_policy *policy);

/* Loads the sender rows from text, as if it were the content of the file
 * path, like sender_list_load(). */
int	sender_list_parse(struct sender_list *list, const char *path,
		const char *text, size_t length, struct csv_row_policy *policy);

void	sender_list_free(struct sender_list *list);

#endif
