/*
 * domain_groups - loads provider groups and draws recipient domains.
 */
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "csv_table.h"
#include "domain_groups.h"
#include "msg.h"

static int
domain_groups_add(struct domain_groups *groups, const struct csv_record *record,
    struct buf *error)
{
	struct domain_group *group;
	char *patterns, *pattern, *save, *end;
	double weight;

	if (record->field_count != 3) {
		buf_appendf(error, "%s:%zu: expected 3 fields "
		    "(group,weight,domains), found %zu", groups->path,
		    record->line, record->field_count);
		return EX_DATAERR;
	}
	errno = 0;
	weight = strtod(record->fields[1], &end);
	if (record->fields[0][0] == '\0' || *end || errno || !isfinite(weight)
	    || weight < 0 || weight > 1e9 || end == record->fields[1]) {
		buf_appendf(error, "%s:%zu: invalid weight \"%s\" for group "
		    "\"%s\": expected a number from 0 to 1000000000", groups->path,
		    record->line, record->fields[1], record->fields[0]);
		return EX_DATAERR;
	}
	if (domain_groups_find(groups, record->fields[0]) != (size_t) -1) {
		buf_appendf(error, "%s:%zu: group \"%s\" is defined twice; "
		    "list all its domains on one row", groups->path,
		    record->line, record->fields[0]);
		return EX_DATAERR;
	}
	groups->groups = xrealloc(groups->groups,
	    (groups->count + 1) * sizeof(*group));
	group = &groups->groups[groups->count++];
	memset(group, 0, sizeof(*group));
	group->name = xstrdup(record->fields[0]);
	group->weight = weight;
	patterns = xstrdup(record->fields[2]);
	for (pattern = strtok_r(patterns, " \t", &save); pattern;
	    pattern = strtok_r(NULL, " \t", &save)) {
		group->patterns = xrealloc(group->patterns,
		    (group->pattern_count + 1) * sizeof(char *));
		group->patterns[group->pattern_count++] = xstrdup(pattern);
	}
	free(patterns);
	return 0;
}

int
domain_groups_load(struct domain_groups *groups, const char *path,
    struct buf *error)
{
	struct csv_table table;
	size_t i;
	int status;

	memset(groups, 0, sizeof(*groups));
	groups->path = xstrdup(path);
	status = csv_table_read(&table, path, error);
	if (status == 0 && (csv_table_column(&table, "group") != 0
		|| csv_table_column(&table, "weight") != 1
		|| csv_table_column(&table, "domains") != 2)) {
		buf_appendf(error, "%s:%zu: invalid header row; expected "
		    "group,weight,domains", path, table.records[0].line);
		status = EX_DATAERR;
	}
	for (i = 1; status == 0 && i < table.count; i++)
		status = domain_groups_add(groups, &table.records[i], error);
	csv_table_free(&table);
	return status;
}

static size_t
domain_groups_match(const struct domain_groups *groups, const char *domain)
{
	size_t i, j;

	for (i = 0; i < groups->count; i++)
		for (j = 0; j < groups->groups[i].pattern_count; j++)
			if (fnmatch(groups->groups[i].patterns[j], domain,
				FNM_CASEFOLD) == 0)
				return i;
	return (size_t) -1;
}

int
domain_groups_assign(struct domain_groups *groups,
    struct bounce_catalogue *catalogue, struct buf *error)
{
	size_t unmatched = 0, i;

	for (i = 0; i < catalogue->domain_count; i++) {
		size_t index = domain_groups_match(groups,
		    catalogue->domains[i].name);
		struct domain_group *group;

		catalogue->domains[i].group = index;
		if (index == (size_t) -1) {
			unmatched++;
			continue;
		}
		group = &groups->groups[index];
		group->domains = xrealloc(group->domains,
		    (group->domain_count + 1) * sizeof(size_t));
		group->domains[group->domain_count++] = i;
	}
	if (unmatched)
		msg_warn("%s: %zu domains of %s match no group and get no "
		    "mail; add a group with the pattern * to include them",
		    groups->path, unmatched, catalogue->path);
	groups->total_weight = 0;
	for (i = 0; i < groups->count; i++)
		if (groups->groups[i].domain_count)
			groups->total_weight += groups->groups[i].weight;
	if (groups->total_weight <= 0) {
		buf_appendf(error, "%s: no group with a weight above 0 has a "
		    "domain of %s", groups->path, catalogue->path);
		return EX_DATAERR;
	}
	return 0;
}

size_t
domain_groups_find(const struct domain_groups *groups, const char *name)
{
	size_t i;

	for (i = 0; i < groups->count; i++)
		if (strcmp(groups->groups[i].name, name) == 0)
			return i;
	return (size_t) -1;
}

size_t
domain_groups_pick(const struct domain_groups *groups, struct rng *rng)
{
	double target = rng_uniform(rng) * groups->total_weight;
	const struct domain_group *group = NULL;
	size_t i;

	for (i = 0; i < groups->count; i++) {
		if (groups->groups[i].domain_count == 0
		    || groups->groups[i].weight <= 0)
			continue;
		group = &groups->groups[i];
		if (target < group->weight)
			break;
		target -= group->weight;
	}
	return group->domains[rng_below(rng, group->domain_count)];
}

void
domain_groups_free(struct domain_groups *groups)
{
	size_t i, j;

	for (i = 0; i < groups->count; i++) {
		struct domain_group *group = &groups->groups[i];

		for (j = 0; j < group->pattern_count; j++)
			free(group->patterns[j]);
		free(group->patterns);
		free(group->domains);
		free(group->name);
	}
	free(groups->groups);
	free(groups->path);
	memset(groups, 0, sizeof(*groups));
}
