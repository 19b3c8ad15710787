/*
 * attachment - files that spoolgen attaches to messages. Every file is
 * read once at start-up and its Content-Type is taken from libmagic, so
 * composing a message reads no file.
 */
#ifndef ATTACHMENT_H
#define ATTACHMENT_H

#include <stddef.h>

#include "buf.h"

/* Largest attachment file, in bytes: 25 MB, the limit of large mail
 * providers. */
#define ATTACHMENT_MAX_SIZE	25000000

/* Largest sum of all attachment files, in bytes, so that a large
 * --attach-dir cannot take unbounded memory. */
#define ATTACHMENT_TOTAL_MAX	250000000

struct attachment {
	char   *filename;		/* UTF-8, without folders */
	char   *content_type;		/* type/subtype, such as image/png */
	unsigned char *data;
	size_t	length;
};

struct attachment_list {
	struct attachment *items;
	size_t	count;
	size_t	total_length;		/* bytes of all items */
};

/*
 * Reads each of the path_count files in paths into fixed, and each
 * regular file in directory (when it is not NULL; names starting with
 * '.' are skipped, and symbolic links with a warning) into pool, sorted
 * by name. Returns 0 on success.
 * Returns EX_NOINPUT when a file is missing, unreadable or not a regular
 * file, or when the directory has no regular file. Returns EX_DATAERR
 * when a file is over ATTACHMENT_MAX_SIZE or all of them are over
 * ATTACHMENT_TOTAL_MAX, and EX_OSFILE when libmagic's database cannot be
 * loaded. Each error message in error names the path. Free both lists
 * with attachment_list_free() either way.
 */
int	attachment_lists_load(struct attachment_list *fixed,
		const char *const *paths, size_t path_count,
		struct attachment_list *pool, const char *directory,
		struct buf *error);

void	attachment_list_free(struct attachment_list *list);

#endif
