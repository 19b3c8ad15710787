/*
 * maildir_name - Maildir file names as written by qmail, Dovecot, mbsync
 * and offlineimap. The hash is FNV-1a (64 bits), so shard membership
 * depends only on the name, on every platform and in every version.
 */
#include <string.h>

#include "maildir_name.h"
#include "msg.h"

#define FNV_OFFSET_BASIS 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

size_t
maildir_name_unique_length(const char *name)
{
	const char *colon = strchr(name, ':');
	size_t	length = strlen(name);
	size_t	i;

	if (colon != NULL)
		return (size_t)(colon - name);
	for (i = length; i-- > 0;) {
		if ((name[i] == '!' || name[i] == ';') &&
		    (name[i + 1] == '1' || name[i + 1] == '2') &&
		    name[i + 2] == ',')
			return i;
	}
	return length;
}

bool
maildir_name_has_info(const char *name)
{
	return name[maildir_name_unique_length(name)] != '\0';
}

char   *
maildir_name_answered(const char *name)
{
	if (maildir_name_has_info(name))
		return xstrdup(name);
	return xasprintf("%s:2,", name);
}

uint64_t
maildir_name_fnv1a(const char *bytes, size_t length)
{
	uint64_t hash = FNV_OFFSET_BASIS;
	size_t	i;

	for (i = 0; i < length; i++) {
		hash ^= (unsigned char)bytes[i];
		hash *= FNV_PRIME;
	}
	return hash;
}

uint64_t
maildir_name_hash(const char *name)
{
	return maildir_name_fnv1a(name, maildir_name_unique_length(name));
}

bool
maildir_name_in_shard(const char *name, unsigned shard, unsigned shard_count)
{
	return maildir_name_hash(name) % shard_count == shard - 1;
}
