/*
 * domain_groups - provider groups of recipient domains and each group's
 * share of recipients. File format: CSV with the header group,weight,
 * domains; domains is a blank-separated list of shell patterns, and a
 * catalogue domain belongs to the first group with a matching pattern.
 */
#ifndef DOMAIN_GROUPS_H
#define DOMAIN_GROUPS_H

#include <stddef.h>

#include "bounces.h"
#include "rng.h"

struct domain_group {
	char   *name;
	double	weight;
	char  **patterns;
	size_t	pattern_count;
	size_t *domains;		/* catalogue domain indexes */
	size_t	domain_count;
};

struct domain_groups {
	char   *path;
	struct domain_group *groups;
	size_t	count;
	double	total_weight;		/* of groups that have domains */
};

/*
 * Loads the groups at path. Returns 0, or a sysexits.h status with a
 * message naming the file, line and value in error. Free with
 * domain_groups_free() in either case.
 */
int	domain_groups_load(struct domain_groups *groups, const char *path,
		struct buf *error);

/*
 * Puts each catalogue domain into its group and sets its group index.
 * Domains that match no group are left out with one warning. Returns 0,
 * or EX_DATAERR with a message in error when no domain can be picked.
 */
int	domain_groups_assign(struct domain_groups *groups,
		struct bounce_catalogue *catalogue, struct buf *error);

/* Returns the index of the group named name, or (size_t) -1. */
size_t	domain_groups_find(const struct domain_groups *groups,
		const char *name);

/* Draws a catalogue domain index: a group by weight, then a domain of it
 * uniformly. */
size_t	domain_groups_pick(const struct domain_groups *groups,
		struct rng *rng);

void	domain_groups_free(struct domain_groups *groups);

#endif
