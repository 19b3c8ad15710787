/*
 * attachment - reads attachment files and types them with libmagic,
 * whose database is loaded once per attachment_lists_load() call.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <magic.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "attachment.h"
#include "input_file.h"
#include "msg.h"

static const char *
attachment_magic_error(magic_t magic)
{
	const char *text = magic ? magic_error(magic) : NULL;

	return text ? text : "unknown error";
}

/* The reading state shared by every file of one load. */
struct attachment_loader {
	magic_t	magic;
	size_t	total_length;		/* bytes read so far, all lists */
	struct buf *error;
};

/* Reads the open regular file fd of size bytes into *data. */
static int
attachment_read_all(int fd, const char *path, size_t size,
    unsigned char **data, struct buf *error)
{
	size_t done = 0;
	ssize_t count;

	*data = xmalloc(size ? size : 1);
	while (done < size) {
		count = read(fd, *data + done, size - done);
		if (count < 0 && errno == EINTR)
			continue;
		if (count < 0) {
			buf_appendf(error, "read %s: %s", path,
			    strerror(errno));
			return EX_NOINPUT;
		}
		if (count == 0)
			break;
		done += (size_t) count;
	}
	if (done != size) {
		buf_appendf(error, "read %s: the file shrank while it was "
		    "read", path);
		return EX_NOINPUT;
	}
	return 0;
}

/* Checks that a file of file_size bytes is small enough. */
static int
attachment_check_size(struct attachment_loader *loader, const char *path,
    off_t file_size, size_t *size)
{
	if (file_size > ATTACHMENT_MAX_SIZE) {
		buf_appendf(loader->error, "attachment %s is %lld bytes: an "
		    "attachment may be at most %d bytes (25 MB)", path,
		    (long long) file_size, ATTACHMENT_MAX_SIZE);
		return EX_DATAERR;
	}
	*size = (size_t) file_size;
	if (loader->total_length + *size > ATTACHMENT_TOTAL_MAX) {
		buf_appendf(loader->error, "attachment %s: the attachments "
		    "add up to more than %d bytes (250 MB); attach fewer "
		    "files", path, ATTACHMENT_TOTAL_MAX);
		return EX_DATAERR;
	}
	return 0;
}

/* Sets the file name (its last component, made valid UTF-8) and the
 * Content-Type of item. */
static int
attachment_describe(struct attachment_loader *loader, const char *path,
    struct attachment *item)
{
	const char *slash = strrchr(path, '/');
	const char *type;
	gchar *name;

	name = g_filename_display_name(slash ? slash + 1 : path);
	item->filename = xstrdup(name);
	g_free(name);
	type = magic_buffer(loader->magic, item->data, item->length);
	if (type == NULL) {
		buf_appendf(loader->error, "libmagic cannot type %s: %s",
		    path, attachment_magic_error(loader->magic));
		return EX_SOFTWARE;
	}
	item->content_type = xstrdup(type);
	return 0;
}

/* Adds the file at path to list; extra_flags go to open(). */
static int
attachment_load_file(struct attachment_loader *loader,
    struct attachment_list *list, const char *path, int extra_flags)
{
	struct attachment *item;
	off_t file_size;
	size_t size;
	int fd, status;

	if ((fd = input_file_open("attachment", path, extra_flags, &file_size,
	    loader->error)) < 0)
		return EX_NOINPUT;
	if ((status = attachment_check_size(loader, path, file_size,
	    &size)) != 0) {
		close(fd);
		return status;
	}
	list->items = xrealloc(list->items, (list->count + 1)
	    * sizeof(*list->items));
	item = &list->items[list->count++];
	memset(item, 0, sizeof(*item));
	item->length = size;
	status = attachment_read_all(fd, path, size, &item->data,
	    loader->error);
	close(fd);
	if (status == 0)
		status = attachment_describe(loader, path, item);
	list->total_length += size;
	loader->total_length += size;
	return status;
}

/* Returns non-zero for names that are not hidden (no leading '.'). */
static int
attachment_is_visible(const struct dirent *entry)
{
	return entry->d_name[0] != '.';
}

static int
attachment_load_directory(struct attachment_loader *loader,
    struct attachment_list *pool, const char *directory)
{
	struct dirent **entries;
	struct stat status;
	int count, i, result = 0;
	char *path;

	count = scandir(directory, &entries, attachment_is_visible, alphasort);
	if (count < 0) {
		buf_appendf(loader->error, "open attachment folder %s: %s",
		    directory, strerror(errno));
		return EX_NOINPUT;
	}
	for (i = 0; i < count; i++) {
		path = xasprintf("%s/%s", directory, entries[i]->d_name);
		if (result == 0 && lstat(path, &status) == 0) {
			if (S_ISLNK(status.st_mode))
				msg_warn("attachment folder %s: skipping %s: "
				    "a symbolic link may lead out of the "
				    "folder", directory, entries[i]->d_name);
			else if (S_ISREG(status.st_mode))
				result = attachment_load_file(loader, pool,
				    path, O_NOFOLLOW);
		}
		free(path);
		free(entries[i]);
	}
	free(entries);
	if (result == 0 && pool->count == 0) {
		buf_appendf(loader->error, "attachment folder %s contains no "
		    "regular file", directory);
		return EX_NOINPUT;
	}
	return result;
}

int
attachment_lists_load(struct attachment_list *fixed,
    const char *const *paths, size_t path_count,
    struct attachment_list *pool, const char *directory, struct buf *error)
{
	struct attachment_loader loader = {NULL, 0, error};
	size_t i;
	int status = 0;

	memset(fixed, 0, sizeof(*fixed));
	memset(pool, 0, sizeof(*pool));
	if (path_count == 0 && directory == NULL)
		return 0;
	loader.magic = magic_open(MAGIC_MIME_TYPE);
	if (loader.magic == NULL || magic_load(loader.magic, NULL) != 0) {
		buf_appendf(error, "load the libmagic database: %s",
		    attachment_magic_error(loader.magic));
		if (loader.magic)
			magic_close(loader.magic);
		return EX_OSFILE;
	}
	for (i = 0; i < path_count && status == 0; i++)
		status = attachment_load_file(&loader, fixed, paths[i], 0);
	if (status == 0 && directory != NULL)
		status = attachment_load_directory(&loader, pool, directory);
	magic_close(loader.magic);
	return status;
}

void
attachment_list_free(struct attachment_list *list)
{
	size_t i;

	for (i = 0; i < list->count; i++) {
		free(list->items[i].filename);
		free(list->items[i].content_type);
		free(list->items[i].data);
	}
	free(list->items);
	memset(list, 0, sizeof(*list));
}
