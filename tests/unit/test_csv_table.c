/*
 * Unit tests for csv_table, the whole-file CSV reader, on in-memory text,
 * and for the two CSV loaders built on it (bounces and senders) on files
 * written to a temporary folder.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "bounces.h"
#include "buf.h"
#include "csv_table.h"
#include "senders.h"
#include "test_support.h"

#define MAX_RECORDS	4
#define MAX_FIELDS	4

struct expected_record {
	size_t	line;
	size_t	field_count;
	const char *fields[MAX_FIELDS];
};

struct parse_case {
	const char *name;
	const char *text;
	size_t	record_count;
	struct expected_record records[MAX_RECORDS];
};

static const struct parse_case parse_cases[] = {
	{"BOM removed", "\xef\xbb\xbf" "a,b\n1,2\n", 2,
	    {{1, 2, {"a", "b"}}, {2, 2, {"1", "2"}}}},
	{"BOM and quoted first cell", "\xef\xbb\xbf\"domain\",code\nx,550\n",
	    2, {{1, 2, {"domain", "code"}}, {2, 2, {"x", "550"}}}},
	{"CRLF", "a,b\r\n1,2\r\n3,4\r\n", 3,
	    {{1, 2, {"a", "b"}}, {2, 2, {"1", "2"}}, {3, 2, {"3", "4"}}}},
	{"no final newline", "a,b\n1,2", 2,
	    {{1, 2, {"a", "b"}}, {2, 2, {"1", "2"}}}},
	{"CRLF, no final newline", "a,b\r\n1,2", 2,
	    {{1, 2, {"a", "b"}}, {2, 2, {"1", "2"}}}},
	{"empty lines", "a,b\n\n1,2\n\n\n3,4\n\n", 3,
	    {{1, 2, {"a", "b"}}, {3, 2, {"1", "2"}}, {6, 2, {"3", "4"}}}},
	{"empty CRLF line", "a\r\n\r\n1\r\n", 2,
	    {{1, 1, {"a"}}, {3, 1, {"1"}}}},
	{"blank-only line", "a,b\n   \n\t\n1,2\n", 2,
	    {{1, 2, {"a", "b"}}, {4, 2, {"1", "2"}}}},
	{"doubled quotes", "t\n\"say \"\"hi\"\"\"\n", 2,
	    {{1, 1, {"t"}}, {2, 1, {"say \"hi\""}}}},
	{"quoted comma", "a,b\n\"x, y\",z\n", 2,
	    {{1, 2, {"a", "b"}}, {2, 2, {"x, y", "z"}}}},
	{"empty fields kept", "a,b,c\n,,\n", 2,
	    {{1, 3, {"a", "b", "c"}}, {2, 3, {"", "", ""}}}},
	{"quoted line break", "a,b\n\"one\ntwo\",x\n\n3,4\n", 3,
	    {{1, 2, {"a", "b"}}, {2, 2, {"one\ntwo", "x"}},
	    {5, 2, {"3", "4"}}}},
	{"quoted line break later", "a,b\nx,\"one\ntwo\"\n3,4\n", 3,
	    {{1, 2, {"a", "b"}}, {2, 2, {"x", "one\ntwo"}},
	    {4, 2, {"3", "4"}}}},
};

static void
check_record(const char *name, const struct csv_record *got,
    const struct expected_record *expected, size_t index)
{
	size_t j;

	cr_assert_eq(got->line, expected->line, "%s: record %zu: line %zu, "
	    "expected %zu", name, index, got->line, expected->line);
	cr_assert_eq(got->field_count, expected->field_count, "%s: record "
	    "%zu: %zu fields, expected %zu", name, index, got->field_count,
	    expected->field_count);
	for (j = 0; j < got->field_count; j++) {
		cr_assert_str_eq(got->fields[j], expected->fields[j],
		    "%s: record %zu field %zu: \"%s\", expected \"%s\"", name,
		    index, j, got->fields[j], expected->fields[j]);
		cr_assert_eq(got->field_lengths[j], strlen(expected->fields[j]),
		    "%s: record %zu field %zu: length %zu, expected %zu",
		    name, index, j, got->field_lengths[j],
		    strlen(expected->fields[j]));
		cr_assert_null(memchr(got->fields[j], '\r',
		    got->field_lengths[j]), "%s: record %zu field %zu "
		    "contains a CR: \"%s\"", name, index, j, got->fields[j]);
	}
}

Test(csv_table, parse_cases)
{
	size_t c, i;

	for (c = 0; c < sizeof(parse_cases) / sizeof(parse_cases[0]); c++) {
		const struct parse_case *test = &parse_cases[c];
		struct buf error = BUF_INIT;
		struct csv_table table;
		int status;

		status = csv_table_parse(&table, "t.csv", test->text,
		    strlen(test->text), &error);
		cr_assert_eq(status, 0, "%s: status %d, expected 0 (%s)",
		    test->name, status, error.data ? error.data : "");
		cr_assert_eq(table.count, test->record_count, "%s: %zu records, "
		    "expected %zu", test->name, table.count, test->record_count);
		for (i = 0; i < table.count; i++)
			check_record(test->name, &table.records[i],
			    &test->records[i], i);
		csv_table_free(&table);
		buf_free(&error);
	}
}

struct error_case {
	const char *name;
	const char *text;
	const char *location;		/* "file:line" the message must name */
};

static const struct error_case error_cases[] = {
	{"unclosed quote, later field", "a,b\n1,\"oops\n2,3\n", "t.csv:2:"},
	{"unclosed quote, first field", "a,b\n\n\"oops,1\n2,3\n", "t.csv:3:"},
	{"unclosed quote, last line", "a,b\n1,2\n3,\"x", "t.csv:3:"},
	{"quote inside a bare field", "a,b\n1,2\n3,x\"y\n", "t.csv:3:"},
	{"text after closing quote", "a,b\n\"x\"y,2\n", "t.csv:2:"},
};

Test(csv_table, parse_errors)
{
	size_t c;

	for (c = 0; c < sizeof(error_cases) / sizeof(error_cases[0]); c++) {
		const struct error_case *test = &error_cases[c];
		struct buf error = BUF_INIT;
		struct csv_table table;
		int status;

		status = csv_table_parse(&table, "t.csv", test->text,
		    strlen(test->text), &error);
		cr_assert_eq(status, EX_DATAERR, "%s: status %d, expected %d "
		    "(EX_DATAERR)", test->name, status, EX_DATAERR);
		cr_assert_not_null(error.data, "%s: no error message",
		    test->name);
		cr_assert_not_null(strstr(error.data, test->location), "%s: "
		    "message \"%s\" does not name \"%s\"", test->name,
		    error.data, test->location);
		csv_table_free(&table);
		buf_free(&error);
	}
}

Test(csv_table, empty_input)
{
	static const char *const inputs[] = {"", "\n\n", "\xef\xbb\xbf",
	    "  \r\n"};
	size_t i;

	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		struct buf error = BUF_INIT;
		struct csv_table table;
		int status = csv_table_parse(&table, "t.csv", inputs[i],
		    strlen(inputs[i]), &error);

		cr_assert_eq(status, EX_DATAERR, "input %zu: status %d, "
		    "expected %d (EX_DATAERR)", i, status, EX_DATAERR);
		cr_assert(error.data && strstr(error.data, "t.csv"),
		    "input %zu: message \"%s\" does not name the file", i,
		    error.data ? error.data : "");
		csv_table_free(&table);
		buf_free(&error);
	}
}

Test(csv_table, column_lookup)
{
	static const char text[] = " Domain ,CODE,\ttext\t\nx,1,y\n";
	struct buf error = BUF_INIT;
	struct csv_table table;
	int status;

	status = csv_table_parse(&table, "t.csv", text, strlen(text), &error);
	cr_assert_eq(status, 0, "status %d, expected 0 (%s)", status,
	    error.data ? error.data : "");
	cr_assert_eq(csv_table_column(&table, "domain"), 0, "column "
	    "\"domain\": %d, expected 0", csv_table_column(&table, "domain"));
	cr_assert_eq(csv_table_column(&table, "code"), 1, "column \"code\": "
	    "%d, expected 1", csv_table_column(&table, "code"));
	cr_assert_eq(csv_table_column(&table, "text"), 2, "column \"text\": "
	    "%d, expected 2", csv_table_column(&table, "text"));
	cr_assert_eq(csv_table_column(&table, "count"), -1, "column "
	    "\"count\": %d, expected -1", csv_table_column(&table, "count"));
	csv_table_free(&table);
	buf_free(&error);
}

struct problem_case {
	const char *field;
	size_t	length;
	const char *problem;		/* NULL when the field is fine */
};

Test(csv_table, field_problems)
{
	static const struct problem_case cases[] = {
		{"plain text", 10, NULL},
		{"tab\there", 8, NULL},
		{"emoji \xf0\x9f\x94\xa5", 10, NULL},
		{"two\nlines", 9, "contains a line break"},
		{"cr\r", 3, "contains a line break"},
		{"nul\0x", 5, "contains a NUL byte"},
		{"bell\a", 5, "contains a control character"},
		{"del\x7f", 4, "contains a control character"},
		{"latin1 \xe9", 8, "is not valid UTF-8"},
		{"overlong \xc0\xaf", 11, "is not valid UTF-8"},
		{"surrogate \xed\xa0\x80", 13, "is not valid UTF-8"},
		{"cut \xf0\x9f\x94", 7, "is not valid UTF-8"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = csv_field_problem(cases[i].field,
		    cases[i].length);

		if (cases[i].problem == NULL)
			cr_assert_null(got, "field %zu: \"%s\", expected none",
			    i, got);
		else
			cr_assert_str_eq(got ? got : "(none)",
			    cases[i].problem, "field %zu: \"%s\", expected "
			    "\"%s\"", i, got ? got : "(none)",
			    cases[i].problem);
	}
}

/* Loader tests: files in a temporary folder, and the shared hard cases. */

/* Renders a bounce text with every placeholder set to "X". */
static char *
render_bounce_text(const struct bounce_entry *entry)
{
	const char *values[BOUNCE_PLACEHOLDER_COUNT];
	struct buf output = BUF_INIT;
	size_t i;

	for (i = 0; i < BOUNCE_PLACEHOLDER_COUNT; i++)
		values[i] = "X";
	template_render(entry->text, values, TEMPLATE_ESCAPE_NONE, &output);
	return output.data ? output.data : strdup("");
}

struct expected_bounce {
	const char *domain;
	int	code;
	const char *enhanced;
	unsigned long count;
	const char *text;		/* with every placeholder "X" */
};

Test(bounces, spreadsheet_case)
{
	static const struct expected_bounce expected[] = {
		{"example.com", 550, "5.1.1", 16, "<X> recipient unknown here"},
		{"example.com", 550, "5.2.0", 6,
		    "<X> - account closed, please remove"},
		{"example.net", 421, "4.7.0", 120, "[TS04] Messages from X "
		    "deferred, try later; see "
		    "https://postmaster.example.net/codes?a=1&b=2"},
		{"example.net", 554, "", 9,
		    "Message refused for \"policy\" reasons"},
		{"example.org", 452, "4.2.2", 1, "Mailbox is full"},
		{"example.org", 550, "5.7.1", 7,
		    "Rejected - see https://lookup.example.org/?ip=X"},
	};
	char *path = shared_file("cases/02-bounce-csv-bom-crlf/bounces.csv");
	struct buf error = BUF_INIT;
	struct csv_row_policy policy = {0, 0, &error};
	struct bounce_catalogue catalogue;
	int status;
	size_t i;

	status = bounce_catalogue_load(&catalogue, path, &policy);
	cr_assert_eq(status, 0, "load %s: status %d, expected 0 (%s)", path,
	    status, error.data ? error.data : "");
	cr_assert_eq(catalogue.entry_count, 6, "%zu entries, expected 6",
	    catalogue.entry_count);
	cr_assert_eq(catalogue.domain_count, 3, "%zu domains, expected 3",
	    catalogue.domain_count);
	cr_assert_eq(strlen(catalogue.domains[0].name), 11, "first domain "
	    "\"%s\" has %zu bytes, expected 11", catalogue.domains[0].name,
	    strlen(catalogue.domains[0].name));
	for (i = 0; i < 6; i++) {
		const struct bounce_entry *entry = &catalogue.entries[i];
		const char *domain = catalogue.domains[entry->domain].name;
		char *text = render_bounce_text(entry);

		cr_assert_str_eq(domain, expected[i].domain, "record %zu: "
		    "domain \"%s\", expected \"%s\"", i + 1, domain,
		    expected[i].domain);
		cr_assert_eq(entry->code, expected[i].code, "record %zu: code "
		    "%d, expected %d", i + 1, entry->code, expected[i].code);
		cr_assert_str_eq(entry->enhanced, expected[i].enhanced,
		    "record %zu: enhanced \"%s\", expected \"%s\"", i + 1,
		    entry->enhanced, expected[i].enhanced);
		cr_assert_eq(entry->count, expected[i].count, "record %zu: "
		    "count %lu, expected %lu", i + 1, entry->count,
		    expected[i].count);
		cr_assert_str_eq(text, expected[i].text, "record %zu: text "
		    "\"%s\", expected \"%s\"", i + 1, text, expected[i].text);
		cr_assert_null(strchr(text, '\r'), "record %zu: text contains "
		    "a CR", i + 1);
		free(text);
	}
	bounce_catalogue_free(&catalogue);
	buf_free(&error);
	free(path);
}

struct rejected_row {
	const char *name;
	const char *row;		/* line 2, after the header */
	const char *value;		/* the message must quote it */
};

Test(bounces, invalid_rows, .init = temp_folder_create,
    .fini = temp_folder_remove)
{
	static const struct rejected_row rows[] = {
		{"code 600", "example.com,600,5.1.1,text,1\n", "\"600\""},
		{"code 25", "example.com,25,5.1.1,text,1\n", "\"25\""},
		{"enhanced 6.1.1", "example.com,550,6.1.1,text,1\n",
		    "\"6.1.1\""},
		{"enhanced 5.1", "example.com,550,5.1,text,1\n", "\"5.1\""},
		{"count -3", "example.com,550,5.1.1,text,-3\n", "\"-3\""},
		{"count 2x", "example.com,550,5.1.1,text,2x\n", "\"2x\""},
		{"domain with @", "a@example.com,550,5.1.1,text,1\n",
		    "\"a@example.com\""},
		{"unknown placeholder", "example.com,550,5.1.1,{{nope}},1\n",
		    "{{nope}}"},
		{"three fields", "example.com,550,5.1.1\n", "found 3"},
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct buf text = BUF_INIT, error = BUF_INIT;
		struct csv_row_policy policy = {0, 0, &error};
		struct bounce_catalogue catalogue;
		char *path;
		int status;

		buf_appendf(&text, "domain,code,enhanced,text,count\n%s",
		    rows[i].row);
		path = write_temp_file("bounces.csv", text.data);
		status = bounce_catalogue_load(&catalogue, path, &policy);
		cr_assert_eq(status, EX_DATAERR, "%s: status %d, expected %d "
		    "(EX_DATAERR)", rows[i].name, status, EX_DATAERR);
		cr_assert(error.data && strstr(error.data, "bounces.csv:2:"),
		    "%s: message \"%s\" does not name bounces.csv:2",
		    rows[i].name, error.data ? error.data : "");
		cr_assert(strstr(error.data, rows[i].value), "%s: message "
		    "\"%s\" does not contain %s", rows[i].name, error.data,
		    rows[i].value);
		bounce_catalogue_free(&catalogue);
		buf_free(&text);
		buf_free(&error);
		free(path);
	}
}

Test(senders, extra_field_case)
{
	char *path = shared_file(
	    "cases/01-sender-csv-extra-field/sender_subjects.csv");
	struct buf error = BUF_INIT;
	struct csv_row_policy policy = {0, 0, &error};
	struct sender_list list;
	char location[PATH_MAX + 8];
	int status;

	status = sender_list_load(&list, path, &policy);
	cr_assert_eq(status, EX_DATAERR, "status %d, expected %d "
	    "(EX_DATAERR)", status, EX_DATAERR);
	snprintf(location, sizeof(location), "%s:3:", path);
	cr_assert(error.data && strstr(error.data, location), "message \"%s\" "
	    "does not name %s", error.data ? error.data : "", location);
	cr_assert(strstr(error.data, "found 7"), "message \"%s\" does not "
	    "give the row's 7 fields", error.data);
	cr_assert(strstr(error.data, "expected 6"), "message \"%s\" does not "
	    "give the header's 6 fields", error.data);
	sender_list_free(&list);
	buf_free(&error);
	free(path);
}

Test(senders, extra_field_skipped, .init = cr_redirect_stderr)
{
	static const char *const subjects[] = {
		"Weekend sale \xf0\x9f\x94\xa5 on climbing ropes",
		"Password reset",
		"Your order is on its way \xf0\x9f\x9a\x9a",
	};
	static const size_t lines[] = {2, 4, 5};
	char *path = shared_file(
	    "cases/01-sender-csv-extra-field/sender_subjects.csv");
	struct buf error = BUF_INIT;
	struct csv_row_policy policy = {1, 0, &error};
	struct sender_list list;
	int status;
	size_t i;

	status = sender_list_load(&list, path, &policy);
	cr_assert_eq(status, 0, "status %d, expected 0 (%s)", status,
	    error.data ? error.data : "");
	cr_assert_eq(policy.skipped, 1, "skipped %zu rows, expected 1",
	    policy.skipped);
	cr_assert_eq(list.count, 3, "loaded %zu rows, expected 3", list.count);
	for (i = 0; i < 3; i++) {
		cr_assert_eq(list.senders[i].line, lines[i], "row %zu: line "
		    "%zu, expected %zu", i, list.senders[i].line, lines[i]);
		cr_assert_str_eq(list.senders[i].subject, subjects[i], "row "
		    "%zu: subject \"%s\", expected \"%s\"", i,
		    list.senders[i].subject, subjects[i]);
	}
	sender_list_free(&list);
	buf_free(&error);
	free(path);
}

/* Reads what the test wrote to its redirected standard error. */
static char *
read_redirected_stderr(void)
{
	FILE *stream;
	struct buf text = BUF_INIT;
	char chunk[4096];
	size_t count;

	fflush(stderr);
	stream = cr_get_redirected_stderr();
	while ((count = fread(chunk, 1, sizeof(chunk), stream)) > 0)
		buf_append(&text, chunk, count);
	return text.data ? text.data : strdup("");
}

Test(senders, arity_case, .init = cr_redirect_stderr)
{
	static const struct {
		size_t	line;
		int	reported;
	} lines[] = {
		{3, 1}, {4, 1}, {5, 0}, {6, 1}, {7, 0}, {9, 0},
	};
	char *path = shared_file(
	    "cases/01-sender-csv-extra-field/sender_subjects_arity.csv");
	struct buf error = BUF_INIT;
	struct csv_row_policy policy = {1, 0, &error};
	struct sender_list list;
	char *warnings;
	int status;
	size_t i;

	status = sender_list_load(&list, path, &policy);
	warnings = read_redirected_stderr();
	cr_assert_eq(status, 0, "status %d, expected 0 (%s)", status,
	    error.data ? error.data : "");
	cr_assert_eq(policy.skipped, 3, "skipped %zu rows, expected 3 "
	    "(lines 3, 4 and 6); warnings: %s", policy.skipped, warnings);
	cr_assert_eq(list.count, 2, "loaded %zu rows, expected 2", list.count);
	cr_assert_str_eq(list.senders[0].x_job, "Ok1", "row 0: x_job \"%s\", "
	    "expected \"Ok1\"", list.senders[0].x_job);
	cr_assert_str_eq(list.senders[0].subject, "Fine row", "row 0: subject "
	    "\"%s\", expected \"Fine row\"", list.senders[0].subject);
	cr_assert_str_eq(list.senders[1].x_job, "Ok2", "row 1: x_job \"%s\", "
	    "expected \"Ok2\"", list.senders[1].x_job);
	cr_assert_str_eq(list.senders[1].subject, "Another fine row", "row 1: "
	    "subject \"%s\", expected \"Another fine row\"",
	    list.senders[1].subject);
	cr_assert_eq(list.senders[1].line, 8, "row 1: line %zu, expected 8",
	    list.senders[1].line);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		char location[PATH_MAX + 32];
		int found;

		snprintf(location, sizeof(location), "%s:%zu:", path,
		    lines[i].line);
		found = strstr(warnings, location) != NULL;
		cr_assert_eq(found, lines[i].reported, "line %zu: reported "
		    "%d, expected %d; warnings: %s", lines[i].line, found,
		    lines[i].reported, warnings);
	}
	cr_assert(strstr(warnings, "found 5"), "no warning gives line 3's 5 "
	    "fields: %s", warnings);
	cr_assert(strstr(warnings, "found 7"), "no warning gives line 4's 7 "
	    "fields: %s", warnings);
	cr_assert(strstr(warnings, "sender_subjects_arity.csv:6: invalid "
	    "from_addr"), "line 6 is not reported as an invalid value: %s",
	    warnings);
	free(warnings);
	sender_list_free(&list);
	buf_free(&error);
	free(path);
}

Test(senders, arity_case_strict)
{
	char *path = shared_file(
	    "cases/01-sender-csv-extra-field/sender_subjects_arity.csv");
	struct buf error = BUF_INIT;
	struct csv_row_policy policy = {0, 0, &error};
	struct sender_list list;
	char location[PATH_MAX + 8];
	int status;

	status = sender_list_load(&list, path, &policy);
	cr_assert_eq(status, EX_DATAERR, "status %d, expected %d "
	    "(EX_DATAERR)", status, EX_DATAERR);
	snprintf(location, sizeof(location), "%s:3:", path);
	cr_assert(error.data && strstr(error.data, location), "message \"%s\" "
	    "does not name %s", error.data ? error.data : "", location);
	sender_list_free(&list);
	buf_free(&error);
	free(path);
}

Test(senders, invalid_values, .init = temp_folder_create,
    .fini = temp_folder_remove)
{
	static const struct rejected_row rows[] = {
		{"rate 1.5", "J,Name,a@example.com,1.5,40,Hi\n", "\"1.5\""},
		{"rate -0.1", "J,Name,a@example.com,-0.1,40,Hi\n", "\"-0.1\""},
		{"rate 1e-2", "J,Name,a@example.com,1e-2,40,Hi\n", "\"1e-2\""},
		{"percent 101", "J,Name,a@example.com,0.1,101,Hi\n", "\"101\""},
		{"percent abc", "J,Name,a@example.com,0.1,abc,Hi\n", "\"abc\""},
		{"bad address", "J,Name,not an address,0.1,40,Hi\n",
		    "\"not an address\""},
		{"empty address", "J,Name,,0.1,40,Hi\n", "\"\""},
		{"empty subject", "J,Name,a@example.com,0.1,40,\n", "subject"},
		{"empty x_job", ",Name,a@example.com,0.1,40,Hi\n", "x_job"},
		{"line break", "J,Name,a@example.com,0.1,40,\"Hi\nthere\"\n",
		    "line break"},
		{"five fields", "J,Name,a@example.com,0.1,40\n", "found 5"},
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct buf text = BUF_INIT, error = BUF_INIT;
		struct csv_row_policy policy = {0, 0, &error};
		struct sender_list list;
		char *path;
		int status;

		buf_appendf(&text, "x_job,from_name,from_addr,bounce_rate,"
		    "retry_percent,subject\n%s", rows[i].row);
		path = write_temp_file("senders.csv", text.data);
		status = sender_list_load(&list, path, &policy);
		cr_assert_eq(status, EX_DATAERR, "%s: status %d, expected %d "
		    "(EX_DATAERR)", rows[i].name, status, EX_DATAERR);
		cr_assert(error.data && strstr(error.data, "senders.csv:2:"),
		    "%s: message \"%s\" does not name senders.csv:2",
		    rows[i].name, error.data ? error.data : "");
		cr_assert(strstr(error.data, rows[i].value), "%s: message "
		    "\"%s\" does not contain %s", rows[i].name, error.data,
		    rows[i].value);
		sender_list_free(&list);
		buf_free(&text);
		buf_free(&error);
		free(path);
	}
}

Test(senders, valid_values, .init = temp_folder_create,
    .fini = temp_folder_remove)
{
	static const char text[] = "x_job,from_name,from_addr,bounce_rate,"
	    "retry_percent,subject\n"
	    "J,,a@example.com,0,0,Hi\n"
	    "K,\"Acme, Inc.\",b+tag@example.com,1,100,\"Caf\xc3\xa9, \"\"ok\"\"\"\n"
	    "L,Name,c@example.com,.25,12.5,x\n";
	char *path = write_temp_file("senders.csv", text);
	struct buf error = BUF_INIT;
	struct csv_row_policy policy = {0, 0, &error};
	struct sender_list list;
	int status;

	status = sender_list_load(&list, path, &policy);
	cr_assert_eq(status, 0, "status %d, expected 0 (%s)", status,
	    error.data ? error.data : "");
	cr_assert_eq(list.count, 3, "%zu rows, expected 3", list.count);
	cr_assert_str_eq(list.senders[0].from_name, "", "row 0: from_name "
	    "\"%s\", expected \"\"", list.senders[0].from_name);
	cr_assert_eq(list.senders[1].bounce_rate, 1.0, "row 1: bounce_rate "
	    "%g, expected 1", list.senders[1].bounce_rate);
	cr_assert_str_eq(list.senders[1].from_name, "Acme, Inc.", "row 1: "
	    "from_name \"%s\", expected \"Acme, Inc.\"",
	    list.senders[1].from_name);
	cr_assert_str_eq(list.senders[1].subject, "Caf\xc3\xa9, \"ok\"",
	    "row 1: subject \"%s\", expected \"Caf\xc3\xa9, \\\"ok\\\"\"",
	    list.senders[1].subject);
	cr_assert_eq(list.senders[2].bounce_rate, 0.25, "row 2: bounce_rate "
	    "%g, expected 0.25", list.senders[2].bounce_rate);
	cr_assert_str_eq(list.senders[2].retry_percent, "12.5", "row 2: "
	    "retry_percent \"%s\", expected \"12.5\"",
	    list.senders[2].retry_percent);
	sender_list_free(&list);
	buf_free(&error);
	free(path);
}
