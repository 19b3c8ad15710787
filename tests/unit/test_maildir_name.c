/*
 * Unit tests for maildir_name: unique and info parts of Maildir file
 * names, the name a file takes in cur/, and the shard hash.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maildir_name.h"

static const struct name_case {
	const char *name;
	const char *unique;	/* expected unique part */
	const char *answered;	/* expected name in cur/ */
} name_cases[] = {
	{ "1714989600.M1P12Q1.host,S=179,W=186:2,S",
	    "1714989600.M1P12Q1.host,S=179,W=186",
	    "1714989600.M1P12Q1.host,S=179,W=186:2,S" },
	{ "1714989720.M3P12.host,U=103:2,RS", "1714989720.M3P12.host,U=103",
	    "1714989720.M3P12.host,U=103:2,RS" },
	{ "1714989780.M4P12.host!2,S", "1714989780.M4P12.host",
	    "1714989780.M4P12.host!2,S" },
	{ "1714989840.M5P12.host;2,FS", "1714989840.M5P12.host",
	    "1714989840.M5P12.host;2,FS" },
	{ "1714989900.M6P12.host,U=104:2:2,RS", "1714989900.M6P12.host,U=104",
	    "1714989900.M6P12.host,U=104:2:2,RS" },
	{ "1714989960.M7P12.host:2,", "1714989960.M7P12.host",
	    "1714989960.M7P12.host:2," },
	{ "1714990140.M10P12.h\xc3\xb6st name:2,S",
	    "1714990140.M10P12.h\xc3\xb6st name",
	    "1714990140.M10P12.h\xc3\xb6st name:2,S" },
	{ "1714990200.M11P12.host", "1714990200.M11P12.host",
	    "1714990200.M11P12.host:2," },
	{ "a!b;c", "a!b;c", "a!b;c:2," },
	{ "host!1,x", "host", "host!1,x" },
	{ "odd!2,a;2,b", "odd!2,a", "odd!2,a;2,b" },
};

Test(maildir_name, unique_part_and_answered_name)
{
	size_t	i;

	for (i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
		const struct name_case *c = &name_cases[i];
		size_t	length = maildir_name_unique_length(c->name);
		char   *answered = maildir_name_answered(c->name);

		cr_expect_eq(length, strlen(c->unique),
		    "%s: unique part \"%.*s\", want \"%s\"", c->name,
		    (int)length, c->name, c->unique);
		cr_expect_str_eq(answered, c->answered,
		    "%s: answered name \"%s\", want \"%s\"", c->name,
		    answered, c->answered);
		free(answered);
	}
}

Test(maildir_name, hash_is_fnv1a_of_unique_part)
{
	/* Reference values of 64-bit FNV-1a. */
	cr_expect_eq(maildir_name_hash(""), 0xcbf29ce484222325ULL);
	cr_expect_eq(maildir_name_hash("a"), 0xaf63dc4c8601ec8cULL);
	cr_expect_eq(maildir_name_hash("foobar"), 0x85944171f73967e8ULL);
	cr_expect_eq(maildir_name_hash("foobar:2,S"),
	    maildir_name_hash("foobar"), "info part changed the hash");
	cr_expect_eq(maildir_name_hash("foobar!2,RS"),
	    maildir_name_hash("foobar"), "'!' info part changed the hash");
}

Test(maildir_name, rename_keeps_shard)
{
	const char *name = "1767225601.M1P1.generated";
	char   *answered = maildir_name_answered(name);
	unsigned shard;

	for (shard = 1; shard <= 7; shard++)
		cr_expect_eq(maildir_name_in_shard(name, shard, 7),
		    maildir_name_in_shard(answered, shard, 7),
		    "shard %u of 7 differs for %s and %s", shard, name,
		    answered);
	free(answered);
}

Test(maildir_name, shards_partition_names)
{
	unsigned counts[3] = { 0, 0, 0 };
	char	name[64];
	unsigned i, shard, owners;

	for (i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "%u.M%uP1.host", 1700000000 + i, i);
		owners = 0;
		for (shard = 1; shard <= 3; shard++) {
			if (maildir_name_in_shard(name, shard, 3)) {
				owners++;
				counts[shard - 1]++;
			}
		}
		cr_assert_eq(owners, 1, "%s is in %u shards, want 1", name,
		    owners);
	}
	for (shard = 0; shard < 3; shard++)
		cr_expect(counts[shard] > 900 && counts[shard] < 1100,
		    "shard %u has %u of 3000 names, want about 1000",
		    shard + 1, counts[shard]);
	cr_expect(maildir_name_in_shard("x", 1, 1), "one shard takes all");
}
