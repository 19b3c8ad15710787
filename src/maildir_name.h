/*
 * maildir_name - parses the names of Maildir message files: the unique
 * part, the info part that contains the flags, and a stable hash of the
 * unique part for splitting a Maildir into shards.
 */
#ifndef MAILDIR_NAME_H
#define MAILDIR_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Returns the length of the unique part of name, the part before the info
 * part. The info part starts at the first ':'. A name without ':' may use
 * the Windows-compatible separators '!' or ';' (offlineimap, mbsync): the
 * info part then starts at the last '!' or ';' followed by "1," or "2,".
 * A name without an info part is all unique part.
 */
size_t	maildir_name_unique_length(const char *name);

/* Returns whether name has an info part. */
bool	maildir_name_has_info(const char *name);

/*
 * Returns the name a file in new/ takes in cur/: name itself when it has
 * an info part, else name with ":2," appended. The caller frees it.
 */
char   *maildir_name_answered(const char *name);

/* Returns the 64-bit FNV-1a hash of the unique part of name, so a file
 * keeps its hash when a rename in the Maildir changes its flags. */
uint64_t maildir_name_hash(const char *name);

/* Returns the 64-bit FNV-1a hash of length bytes. */
uint64_t maildir_name_fnv1a(const char *bytes, size_t length);

/* Returns whether name belongs to shard (1 to shard_count): whether its
 * hash modulo shard_count is shard - 1. */
bool	maildir_name_in_shard(const char *name, unsigned shard,
	    unsigned shard_count);

#endif
