/*
 * bounces - the bounce catalogue: per recipient domain, the SMTP replies
 * that a test sink is asked to give. File format: CSV with a header row
 * naming at least domain, code, enhanced and text, and optionally count
 * (default 1); other columns are ignored.
 */
#ifndef BOUNCES_H
#define BOUNCES_H

#include <stddef.h>

#include "buf.h"
#include "csv_table.h"
#include "template.h"

/* Placeholders that a bounce text may use, in this order. */
enum bounce_placeholder {
	BOUNCE_TO,			/* the recipient address */
	BOUNCE_VERP,			/* a VERP return address */
	BOUNCE_IP4ADDR,			/* a dotted quad */
	BOUNCE_DATETIME,		/* an ISO 8601 timestamp */
	BOUNCE_DATETIME_UUID,		/* 16 hex digits */
	BOUNCE_GOOGLE_UUID,		/* a Gmail-style queue id */
	BOUNCE_PLACEHOLDER_COUNT
};

extern const char *const bounce_placeholder_names[];

struct bounce_entry {
	size_t	line;
	size_t	domain;			/* index into catalogue->domains */
	int	code;			/* 400..599 */
	char   *enhanced;		/* "5.1.1", or "" when absent */
	struct template *text;
	unsigned long count;		/* weight among the domain's rows, 0..1e9 */
};

struct bounce_domain {
	char   *name;			/* lower case */
	size_t	group;			/* set by domain_groups_assign() */
	size_t *entries;		/* indexes into catalogue->entries */
	size_t	entry_count;
};

struct bounce_catalogue {
	char   *path;
	struct bounce_entry *entries;
	size_t	entry_count;
	struct bounce_domain *domains;
	size_t	domain_count;
};

/*
 * Loads the catalogue at path. Returns 0, or a sysexits.h status with a
 * message naming the file, line and value in policy->error. Invalid rows
 * are skipped with a warning when policy->skip_bad_rows is set. Free with
 * bounce_catalogue_free() in either case.
 */
int	bounce_catalogue_load(struct bounce_catalogue *catalogue,
		const char *path, struct csv_row_policy *policy);

/* Loads the catalogue from text, as if it were the content of the file
 * path, like bounce_catalogue_load(). */
int	bounce_catalogue_parse(struct bounce_catalogue *catalogue,
		const char *path, const char *text, size_t length,
		struct csv_row_policy *policy);

void	bounce_catalogue_free(struct bounce_catalogue *catalogue);

#endif
