/*
 * csv_table - reads a whole CSV file (RFC 4180, parsed by libcsv) into
 * records that remember the line each one starts on. One leading UTF-8
 * byte-order mark is removed; CRLF and LF line ends are both accepted;
 * empty lines and lines of only blanks are skipped.
 */
#ifndef CSV_TABLE_H
#define CSV_TABLE_H

#include <stddef.h>

#include "buf.h"

struct csv_record {
	size_t	line;			/* first line of the record, from 1 */
	size_t	field_count;
	char  **fields;			/* NUL-terminated copies */
	size_t *field_lengths;		/* lengths; fields may contain NUL */
};

struct csv_table {
	char   *path;
	struct csv_record *records;
	size_t	count;
};

/*
 * Reads path into table. Returns 0, or a sysexits.h status with a message
 * naming the file (and line, where known) in error: EX_NOINPUT when the
 * file cannot be opened, EX_DATAERR for malformed CSV or an empty file.
 * Free the table with csv_table_free() in either case.
 */
int	csv_table_read(struct csv_table *table, const char *path,
		struct buf *error);

/* Parses text as if it were the content of a file called path. */
int	csv_table_parse(struct csv_table *table, const char *path,
		const char *text, size_t length, struct buf *error);

/*
 * Finds the column named name in the header record (the first record),
 * ignoring case and surrounding blanks. Returns its index, or -1.
 */
int	csv_table_column(const struct csv_table *table, const char *name);

/*
 * Policy for records whose fields are invalid: stop (the default) or,
 * with skip_bad_rows, warn, count the record in skipped and go on.
 */
struct csv_row_policy {
	int	skip_bad_rows;
	size_t	skipped;
	struct buf *error;
};

/*
 * Reports an invalid record at path:line. With skip_bad_rows it prints a
 * warning and returns 0, meaning "skip the record"; otherwise it stores
 * the message in policy->error and returns EX_DATAERR.
 */
int	csv_row_reject(struct csv_row_policy *policy, const char *path,
		size_t line, const char *format, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * Returns why a field cannot go into a one-line header value ("contains
 * a line break", "contains a NUL byte", "contains a control character",
 * "is not valid UTF-8"), or NULL when it can.
 */
const char *csv_field_problem(const char *field, size_t length);

/* Returns non-zero when the bytes are valid UTF-8. */
int	utf8_is_valid(const char *text, size_t length);

/* Frees what csv_table_read() or csv_table_parse() allocated. */
void	csv_table_free(struct csv_table *table);

#endif
