/*
 * senders - loads and checks the senders-and-subjects file. Fields are
 * taken by position after the header has been checked, because the
 * prototype's files have no other column names.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "address.h"
#include "msg.h"
#include "senders.h"

enum sender_column {
	SENDER_X_JOB,
	SENDER_FROM_NAME,
	SENDER_FROM_ADDR,
	SENDER_BOUNCE_RATE,
	SENDER_RETRY_PERCENT,
	SENDER_SUBJECT,
	SENDER_COLUMN_COUNT
};

static const char *const sender_column_names[] = {
	"x_job", "from_name", "from_addr", "bounce_rate", "retry_percent",
	"subject",
};

static int
sender_parse_number(const char *text, double minimum, double maximum,
    double *value)
{
	char *end;

	errno = 0;
	*value = strtod(text, &end);
	return text[0] != '\0' && *end == '\0' && errno == 0
	    && isfinite(*value) && *value >= minimum && *value <= maximum
	    && strspn(text, "0123456789.") == strlen(text);
}

static int
sender_check_header(const struct csv_table *table, struct buf *error)
{
	size_t i;

	for (i = 0; i < SENDER_COLUMN_COUNT; i++)
		if (csv_table_column(table, sender_column_names[i]) != (int) i)
			break;
	if (i == SENDER_COLUMN_COUNT
	    && table->records[0].field_count == SENDER_COLUMN_COUNT)
		return 0;
	buf_appendf(error, "%s:%zu: invalid header row; expected exactly "
	    "x_job,from_name,from_addr,bounce_rate,retry_percent,subject",
	    table->path, table->records[0].line);
	return EX_DATAERR;
}

/* Checks the text fields; returns -1 when all are fine. */
static int
sender_check_text(const char *path, const struct csv_record *record,
    struct csv_row_policy *policy)
{
	static const int text_columns[] = {
		SENDER_X_JOB, SENDER_FROM_NAME, SENDER_SUBJECT
	};
	const char *problem;
	size_t i;

	if (record->fields[SENDER_X_JOB][0] == '\0')
		return csv_row_reject(policy, path, record->line, "empty x_job; "
		    "give each row a job name");
	if (record->fields[SENDER_SUBJECT][0] == '\0')
		return csv_row_reject(policy, path, record->line, "empty "
		    "subject; give each row a subject");
	for (i = 0; i < sizeof(text_columns) / sizeof(text_columns[0]); i++) {
		int column = text_columns[i];

		problem = csv_field_problem(record->fields[column],
		    record->field_lengths[column]);
		if (problem)
			return csv_row_reject(policy, path, record->line,
			    "the %s field %s; header text must be one line "
			    "of UTF-8", sender_column_names[column], problem);
	}
	return -1;
}

static int
sender_load_record(struct sender_list *list, const struct csv_record *record,
    struct csv_row_policy *policy)
{
	const char *path = list->path;
	char *const *field = record->fields;
	struct sender *sender;
	double rate, percent;
	size_t i;
	int status;

	if (record->field_count != SENDER_COLUMN_COUNT)
		return csv_row_reject(policy, path, record->line, "expected %d "
		    "fields as in the header, found %zu", SENDER_COLUMN_COUNT,
		    record->field_count);
	for (i = 0; i < record->field_count; i++)
		if (memchr(field[i], '\0', record->field_lengths[i]))
			return csv_row_reject(policy, path, record->line, "the %s "
			    "field contains a NUL byte; save the file as text",
			    sender_column_names[i]);
	if (!address_is_valid(field[SENDER_FROM_ADDR]))
		return csv_row_reject(policy, path, record->line, "invalid "
		    "from_addr \"%s\": expected an address such as "
		    "news@example.com", field[SENDER_FROM_ADDR]);
	if (!sender_parse_number(field[SENDER_BOUNCE_RATE], 0, 1, &rate))
		return csv_row_reject(policy, path, record->line, "invalid "
		    "bounce_rate \"%s\": expected a number from 0 to 1",
		    field[SENDER_BOUNCE_RATE]);
	if (!sender_parse_number(field[SENDER_RETRY_PERCENT], 0, 100, &percent))
		return csv_row_reject(policy, path, record->line, "invalid "
		    "retry_percent \"%s\": expected a number from 0 to 100",
		    field[SENDER_RETRY_PERCENT]);
	if ((status = sender_check_text(path, record, policy)) >= 0)
		return status;

	/* The array doubles at each power of two from 16, so that a file of
	 * a million rows is not copied a million times. */
	if (list->count == 0 || (list->count >= 16
	    && (list->count & (list->count - 1)) == 0))
		list->senders = xrealloc(list->senders, (list->count ? list->count
		    * 2 : 16) * sizeof(*sender));
	sender = &list->senders[list->count++];
	sender->line = record->line;
	sender->x_job = xstrdup(field[SENDER_X_JOB]);
	sender->from_name = xstrdup(field[SENDER_FROM_NAME]);
	sender->from_addr = xstrdup(field[SENDER_FROM_ADDR]);
	sender->bounce_rate = rate;
	sender->retry_percent = xstrdup(field[SENDER_RETRY_PERCENT]);
	sender->subject = xstrdup(field[SENDER_SUBJECT]);
	return 0;
}

/* Fills the list from table, which csv_table_read() or csv_table_parse()
 * returned status for, and frees the table. */
static int
sender_list_fill(struct sender_list *list, const char *path,
    struct csv_table *table, int status, struct csv_row_policy *policy)
{
	size_t i;

	memset(list, 0, sizeof(*list));
	list->path = xstrdup(path);
	if (status == 0 && (status = sender_check_header(table,
		    policy->error)) == 0) {
		for (i = 1; i < table->count && status == 0; i++)
			status = sender_load_record(list, &table->records[i],
			    policy);
	}
	csv_table_free(table);
	if (status == 0 && list->count == 0) {
		buf_appendf(policy->error, "%s: no valid sender rows; add rows "
		    "after the header", path);
		status = EX_DATAERR;
	}
	return status;
}

int
sender_list_load(struct sender_list *list, const char *path,
    struct csv_row_policy *policy)
{
	struct csv_table table;
	int status = csv_table_read(&table, path, policy->error);

	return sender_list_fill(list, path, &table, status, policy);
}

int
sender_list_parse(struct sender_list *list, const char *path,
    const char *text, size_t length, struct csv_row_policy *policy)
{
	struct csv_table table;
	int status = csv_table_parse(&table, path, text, length,
	    policy->error);

	return sender_list_fill(list, path, &table, status, policy);
}

void
sender_list_free(struct sender_list *list)
{
	size_t i;

	for (i = 0; i < list->count; i++) {
		struct sender *sender = &list->senders[i];

		free(sender->x_job);
		free(sender->from_name);
		free(sender->from_addr);
		free(sender->retry_percent);
		free(sender->subject);
	}
	free(list->senders);
	free(list->path);
	memset(list, 0, sizeof(*list));
}
