/*
 * bounces - loads and checks the bounce catalogue. Domains keep the order
 * of their first row, so that a seeded run picks the same domains.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "address.h"
#include "bounces.h"
#include "msg.h"

const char *const bounce_placeholder_names[] = {
	"to", "verp", "ip4addr", "datetime", "datetime_uuid", "google_uuid",
};

struct bounce_columns {
	int	domain;
	int	code;
	int	enhanced;
	int	text;
	int	count;
};

static int
bounce_find_columns(const struct csv_table *table, struct bounce_columns *columns,
    struct buf *error)
{
	columns->domain = csv_table_column(table, "domain");
	columns->code = csv_table_column(table, "code");
	columns->enhanced = csv_table_column(table, "enhanced");
	columns->text = csv_table_column(table, "text");
	columns->count = csv_table_column(table, "count");
	if (columns->domain < 0 || columns->code < 0 || columns->enhanced < 0
	    || columns->text < 0) {
		buf_appendf(error, "%s:%zu: the header row must name the "
		    "columns domain,code,enhanced,text (and optionally count)",
		    table->path, table->records[0].line);
		return EX_DATAERR;
	}
	return 0;
}

/* Accepts "C.S.D" with class 4 or 5 and subject and detail of 1-3 digits. */
static int
bounce_enhanced_is_valid(const char *text)
{
	size_t subject, detail;

	if ((text[0] != '4' && text[0] != '5') || text[1] != '.')
		return 0;
	subject = strspn(text + 2, "0123456789");
	if (subject < 1 || subject > 3 || text[2 + subject] != '.')
		return 0;
	detail = strspn(text + 3 + subject, "0123456789");
	return detail >= 1 && detail <= 3 && text[3 + subject + detail] == '\0';
}

static size_t
bounce_domain_index(struct bounce_catalogue *catalogue, const char *name)
{
	struct bounce_domain *domain;
	size_t i;

	for (i = 0; i < catalogue->domain_count; i++)
		if (strcmp(catalogue->domains[i].name, name) == 0)
			return i;
	catalogue->domains = xrealloc(catalogue->domains,
	    (catalogue->domain_count + 1) * sizeof(*domain));
	domain = &catalogue->domains[catalogue->domain_count];
	memset(domain, 0, sizeof(*domain));
	domain->name = xstrdup(name);
	return catalogue->domain_count++;
}

static void
bounce_add_entry(struct bounce_catalogue *catalogue, struct bounce_entry *entry,
    const char *domain_name)
{
	struct bounce_domain *domain;

	entry->domain = bounce_domain_index(catalogue, domain_name);
	domain = &catalogue->domains[entry->domain];
	domain->entries = xrealloc(domain->entries,
	    (domain->entry_count + 1) * sizeof(size_t));
	domain->entries[domain->entry_count++] = catalogue->entry_count;
	catalogue->entries = xrealloc(catalogue->entries,
	    (catalogue->entry_count + 1) * sizeof(*entry));
	catalogue->entries[catalogue->entry_count++] = *entry;
}

/* The largest count, so that the counts of a domain's rows add up
 * without overflow. */
#define BOUNCE_COUNT_MAX	1000000000UL

static int
bounce_count_is_valid(const char *count)
{
	unsigned long value;
	char *end;

	errno = 0;
	value = strtoul(count, &end, 10);
	return isdigit((unsigned char) count[0]) && errno == 0 && *end == '\0'
	    && value <= BOUNCE_COUNT_MAX;
}

/* Checks one row's fields; returns 0 with entry filled in, or what
 * csv_row_reject() returns. */
static int
bounce_check_record(const char *path, const struct csv_record *record,
    const char *const field[4], const char *count,
    struct csv_row_policy *policy)
{
	const char *domain = field[0], *code = field[1], *enhanced = field[2];
	const char *problem;

	if (domain[0] == '[' || !address_is_domain(domain)
	    || strchr(domain, '.') == NULL || strlen(domain) > 253)
		return csv_row_reject(policy, path, record->line, "invalid "
		    "domain \"%s\": expected a domain name such as gmail.com "
		    "(no wildcards)", domain);
	if (strlen(code) != 3 || strspn(code, "0123456789") != 3
	    || (code[0] != '4' && code[0] != '5'))
		return csv_row_reject(policy, path, record->line, "invalid code "
		    "\"%s\": expected a 4xx or 5xx SMTP reply code such as 550",
		    code);
	if (enhanced[0] && !bounce_enhanced_is_valid(enhanced))
		return csv_row_reject(policy, path, record->line, "invalid "
		    "enhanced code \"%s\": expected a code such as 5.1.1, or "
		    "an empty field", enhanced);
	if (enhanced[0] && enhanced[0] != code[0])
		return csv_row_reject(policy, path, record->line, "enhanced "
		    "code \"%s\" does not match the class of code %s; use "
		    "%c.x.x", enhanced, code, code[0]);
	if (count[0] && !bounce_count_is_valid(count))
		return csv_row_reject(policy, path, record->line, "invalid count "
		    "\"%s\": expected a whole number from 0 to %lu", count,
		    BOUNCE_COUNT_MAX);
	if ((problem = csv_field_problem(field[3], strlen(field[3]))) != NULL)
		return csv_row_reject(policy, path, record->line, "the text "
		    "field %s; a reply text must be one line of ASCII", problem);
	for (problem = field[3]; *problem; problem++)
		if ((unsigned char) *problem > 126)
			return csv_row_reject(policy, path, record->line, "the "
			    "text field contains a non-ASCII character; SMTP "
			    "reply texts are ASCII (RFC 5321 section 4.2)");
	return -1;
}

static int
bounce_load_record(struct bounce_catalogue *catalogue,
    const struct csv_record *record, const struct bounce_columns *columns,
    struct csv_row_policy *policy)
{
	const char *path = catalogue->path;
	struct bounce_entry entry = {.line = record->line};
	const char *field[4], *count = "";
	int widest = columns->domain, status;
	char *domain;
	size_t i;

	for (i = 0; i < record->field_count; i++)
		if (memchr(record->fields[i], '\0', record->field_lengths[i]))
			return csv_row_reject(policy, path, record->line, "field "
			    "%zu contains a NUL byte; save the file as text",
			    i + 1);
	widest = widest > columns->code ? widest : columns->code;
	widest = widest > columns->enhanced ? widest : columns->enhanced;
	widest = widest > columns->text ? widest : columns->text;
	if ((int) record->field_count <= widest)
		return csv_row_reject(policy, path, record->line, "expected at "
		    "least %d fields (domain,code,enhanced,text), found %zu",
		    widest + 1, record->field_count);
	field[0] = record->fields[columns->domain];
	field[1] = record->fields[columns->code];
	field[2] = record->fields[columns->enhanced];
	field[3] = record->fields[columns->text];
	if (columns->count >= 0 && (int) record->field_count > columns->count)
		count = record->fields[columns->count];
	if ((status = bounce_check_record(path, record, field, count,
		    policy)) >= 0)
		return status;

	entry.text = template_compile(field[3], strlen(field[3]),
	    bounce_placeholder_names, BOUNCE_PLACEHOLDER_COUNT, path,
	    record->line, policy->error);
	if (entry.text == NULL)
		return EX_DATAERR;
	entry.code = atoi(field[1]);
	entry.enhanced = xstrdup(field[2]);
	entry.count = count[0] ? strtoul(count, NULL, 10) : 1;
	domain = xstrdup(field[0]);
	for (i = 0; domain[i]; i++)
		domain[i] = (char) tolower((unsigned char) domain[i]);
	bounce_add_entry(catalogue, &entry, domain);
	free(domain);
	return 0;
}

/* Fills the catalogue from table, which csv_table_read() or
 * csv_table_parse() returned status for, and frees the table. */
static int
bounce_catalogue_fill(struct bounce_catalogue *catalogue, const char *path,
    struct csv_table *table, int status, struct csv_row_policy *policy)
{
	struct bounce_columns columns;
	size_t i;

	memset(catalogue, 0, sizeof(*catalogue));
	catalogue->path = xstrdup(path);
	if (status == 0 && (status = bounce_find_columns(table, &columns,
		    policy->error)) == 0) {
		for (i = 1; i < table->count && status == 0; i++)
			status = bounce_load_record(catalogue,
			    &table->records[i], &columns, policy);
	}
	csv_table_free(table);
	if (status == 0 && catalogue->entry_count == 0) {
		buf_appendf(policy->error, "%s: no valid bounce entries; add "
		    "rows of domain,code,enhanced,text after the header",
		    path);
		status = EX_DATAERR;
	}
	return status;
}

int
bounce_catalogue_load(struct bounce_catalogue *catalogue, const char *path,
    struct csv_row_policy *policy)
{
	struct csv_table table;
	int status = csv_table_read(&table, path, policy->error);

	return bounce_catalogue_fill(catalogue, path, &table, status, policy);
}

int
bounce_catalogue_parse(struct bounce_catalogue *catalogue, const char *path,
    const char *text, size_t length, struct csv_row_policy *policy)
{
	struct csv_table table;
	int status = csv_table_parse(&table, path, text, length,
	    policy->error);

	return bounce_catalogue_fill(catalogue, path, &table, status, policy);
}

void
bounce_catalogue_free(struct bounce_catalogue *catalogue)
{
	size_t i;

	for (i = 0; i < catalogue->entry_count; i++) {
		free(catalogue->entries[i].enhanced);
		template_free(catalogue->entries[i].text);
	}
	for (i = 0; i < catalogue->domain_count; i++) {
		free(catalogue->domains[i].name);
		free(catalogue->domains[i].entries);
	}
	free(catalogue->entries);
	free(catalogue->domains);
	free(catalogue->path);
	memset(catalogue, 0, sizeof(*catalogue));
}
