/*
 * csv_table - whole-file CSV reader on top of libcsv. The input is fed to
 * libcsv one line at a time, so that each record can be tagged with the
 * line it starts on, which every diagnostic about the file then names.
 */
#include <csv.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "csv_table.h"
#include "input_file.h"
#include "msg.h"

#define CSV_TABLE_FIELD_BLOCK	(1024 * 1024)

struct csv_reader {
	struct csv_table *table;
	size_t	capacity;
	size_t	line;
	size_t	record_line;		/* line the current record starts on */
	int	in_quotes;		/* a quoted field continues on the next line */
	size_t	field_count;
	size_t	field_capacity;
	char  **fields;
	size_t *field_lengths;
};

static void
csv_reader_add_field(void *data, size_t length, void *context)
{
	struct csv_reader *reader = context;

	if (reader->field_count == reader->field_capacity) {
		reader->field_capacity = reader->field_capacity * 2 + 8;
		reader->fields = xrealloc(reader->fields,
		    reader->field_capacity * sizeof(char *));
		reader->field_lengths = xrealloc(reader->field_lengths,
		    reader->field_capacity * sizeof(size_t));
	}
	reader->fields[reader->field_count] =
	    xstrndup(data ? data : "", data ? length : 0);
	reader->field_lengths[reader->field_count] = data ? length : 0;
	reader->field_count++;
}

static size_t
csv_count_quotes(const char *text, size_t length)
{
	size_t count = 0, i;

	for (i = 0; i < length; i++)
		count += text[i] == '"';
	return count;
}

static int
csv_reader_is_blank(const struct csv_reader *reader)
{
	return reader->field_count == 1 && reader->field_lengths[0] == 0;
}

static void
csv_reader_end_record(int terminator, void *context)
{
	struct csv_reader *reader = context;
	struct csv_table *table = reader->table;
	struct csv_record *record;

	(void) terminator;
	if (reader->field_count == 0)
		return;

	/* A line of only blanks comes out of libcsv as one empty field. */
	if (csv_reader_is_blank(reader)) {
		free(reader->fields[0]);
		reader->field_count = 0;
		return;
	}
	if (table->count == reader->capacity) {
		reader->capacity = reader->capacity * 2 + 16;
		table->records = xrealloc(table->records,
		    reader->capacity * sizeof(*table->records));
	}
	record = &table->records[table->count++];
	record->line = reader->record_line;
	record->field_count = reader->field_count;
	record->fields = xmalloc(reader->field_count * sizeof(char *));
	record->field_lengths = xmalloc(reader->field_count * sizeof(size_t));
	memcpy(record->fields, reader->fields,
	    reader->field_count * sizeof(char *));
	memcpy(record->field_lengths, reader->field_lengths,
	    reader->field_count * sizeof(size_t));
	reader->field_count = 0;
}

static void
csv_reader_discard(struct csv_reader *reader)
{
	size_t i;

	for (i = 0; i < reader->field_count; i++)
		free(reader->fields[i]);
	free(reader->fields);
	free(reader->field_lengths);
}

int
csv_table_parse(struct csv_table *table, const char *path, const char *text,
    size_t length, struct buf *error)
{
	struct csv_reader reader = {.table = table, .line = 1};
	struct csv_parser parser;
	const char *end = text + length;
	const char *line_start = text;
	int status = 0;

	memset(table, 0, sizeof(*table));
	table->path = xstrdup(path);
	if (length >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		line_start += 3;
	if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0)
		msg_fatal(EX_OSERR, "csv_init: out of memory");

	/* libcsv grows its field buffer by this many bytes at a time (128
	 * by default), which made a 10 MB field take minutes. */
	csv_set_blk_size(&parser, CSV_TABLE_FIELD_BLOCK);

	while (line_start < end) {
		const char *newline = memchr(line_start, '\n',
		    (size_t) (end - line_start));
		size_t chunk = newline ? (size_t) (newline - line_start) + 1
		    : (size_t) (end - line_start);

		/*
		 * A record can only continue past a line end inside quotes,
		 * so a line that starts outside quotes starts a record. An
		 * odd number of '"' on a line opens or closes a quoted field,
		 * because an escaped quote inside one is written twice.
		 */
		if (!reader.in_quotes)
			reader.record_line = reader.line;
		reader.in_quotes ^= csv_count_quotes(line_start, chunk) & 1;
		if (csv_parse(&parser, line_start, chunk, csv_reader_add_field,
			csv_reader_end_record, &reader) != chunk) {
			buf_appendf(error, "%s:%zu: invalid CSV: %s; check the "
			    "quotes on this line", path, reader.line,
			    csv_strerror(csv_error(&parser)));
			status = EX_DATAERR;
			break;
		}
		line_start += chunk;
		if (newline)
			reader.line++;
	}
	if (status == 0 && csv_fini(&parser, csv_reader_add_field,
		csv_reader_end_record, &reader) != 0) {
		buf_appendf(error, "%s:%zu: invalid CSV: a quoted field is "
		    "not closed before the end of the file", path,
		    reader.record_line);
		status = EX_DATAERR;
	}
	csv_free(&parser);
	csv_reader_discard(&reader);
	if (status == 0 && table->count == 0) {
		buf_appendf(error, "%s: empty file: expected a header row "
		    "and at least one record", path);
		status = EX_DATAERR;
	}
	return status;
}

int
csv_table_read(struct csv_table *table, const char *path, struct buf *error)
{
	struct buf content = BUF_INIT;
	char chunk[65536];
	size_t count;
	FILE *file;
	int status;

	memset(table, 0, sizeof(*table));
	if ((file = input_file_fopen(NULL, path, error)) == NULL)
		return EX_NOINPUT;
	while ((count = fread(chunk, 1, sizeof(chunk), file)) > 0)
		buf_append(&content, chunk, count);
	if (ferror(file)) {
		buf_appendf(error, "read %s: %s", path, strerror(errno));
		fclose(file);
		buf_free(&content);
		return EX_NOINPUT;
	}
	fclose(file);
	status = csv_table_parse(table, path, content.data ? content.data : "",
	    content.length, error);
	buf_free(&content);
	return status;
}

int
csv_table_column(const struct csv_table *table, const char *name)
{
	const struct csv_record *header;
	size_t i;

	if (table->count == 0)
		return -1;
	header = &table->records[0];
	for (i = 0; i < header->field_count; i++) {
		const char *field = header->fields[i];
		size_t length = header->field_lengths[i];

		while (length && (*field == ' ' || *field == '\t')) {
			field++;
			length--;
		}
		while (length && (field[length - 1] == ' '
			|| field[length - 1] == '\t'))
			length--;
		if (length == strlen(name) && strncasecmp(field, name,
			length) == 0)
			return (int) i;
	}
	return -1;
}

void
csv_table_free(struct csv_table *table)
{
	size_t i, j;

	for (i = 0; i < table->count; i++) {
		for (j = 0; j < table->records[i].field_count; j++)
			free(table->records[i].fields[j]);
		free(table->records[i].fields);
		free(table->records[i].field_lengths);
	}
	free(table->records);
	free(table->path);
	memset(table, 0, sizeof(*table));
}

int
csv_row_reject(struct csv_row_policy *policy, const char *path, size_t line,
    const char *format, ...)
{
	struct buf text = BUF_INIT;
	va_list args;
	int length;

	va_start(args, format);
	length = vsnprintf(NULL, 0, format, args);
	va_end(args);
	buf_reserve(&text, (size_t) length);
	va_start(args, format);
	vsnprintf(text.data, (size_t) length + 1, format, args);
	va_end(args);
	text.length = (size_t) length;

	if (policy->skip_bad_rows) {
		msg_warn("%s:%zu: %s; skipping this row", path, line, text.data);
		policy->skipped++;
		buf_free(&text);
		return 0;
	}
	buf_appendf(policy->error, "%s:%zu: %s (use --skip-bad-rows to skip "
	    "such rows with a warning)", path, line, text.data);
	buf_free(&text);
	return EX_DATAERR;
}

int
utf8_is_valid(const char *text, size_t length)
{
	const unsigned char *p = (const unsigned char *) text;
	const unsigned char *end = p + length;

	while (p < end) {
		size_t extra;
		unsigned long code;

		if (*p < 0x80) {
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf)
			extra = 1, code = *p & 0x1f;
		else if (*p >= 0xe0 && *p <= 0xef)
			extra = 2, code = *p & 0x0f;
		else if (*p >= 0xf0 && *p <= 0xf4)
			extra = 3, code = *p & 0x07;
		else
			return 0;
		if ((size_t) (end - p) <= extra)
			return 0;
		for (size_t i = 1; i <= extra; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			code = (code << 6) | (p[i] & 0x3f);
		}
		/* Overlong forms, surrogates and values past U+10FFFF. */
		if ((extra == 2 && code < 0x800) || (extra == 3 && code < 0x10000)
		    || (code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff)
			return 0;
		p += extra + 1;
	}
	return 1;
}

const char *
csv_field_problem(const char *field, size_t length)
{
	size_t i;

	for (i = 0; i < length; i++) {
		unsigned char c = (unsigned char) field[i];

		if (c == '\r' || c == '\n')
			return "contains a line break";
		if (c == '\0')
			return "contains a NUL byte";
		if ((c < 32 && c != '\t') || c == 127)
			return "contains a control character";
	}
	if (!utf8_is_valid(field, length))
		return "is not valid UTF-8";
	return NULL;
}
