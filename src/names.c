/*
 * names - loads weighted name lists and draws from them by binary search
 * over the running sum of the weights.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "input_file.h"
#include "msg.h"
#include "names.h"

static int
name_is_valid(const char *name)
{
	const char *p;

	if (!isalpha((unsigned char) name[0]))
		return 0;
	for (p = name; *p; p++)
		if (!isalpha((unsigned char) *p) && *p != '\'' && *p != '-')
			return 0;
	return 1;
}

/* "MARY" or "mary" becomes "Mary"; "O'NEIL" becomes "O'Neil". */
static char *
name_display_form(const char *name)
{
	char *display = xstrdup(name);
	int word_start = 1;
	char *p;

	for (p = display; *p; p++) {
		*p = (char) (word_start ? toupper((unsigned char) *p)
		    : tolower((unsigned char) *p));
		word_start = (*p == '\'' || *p == '-');
	}
	return display;
}

static char *
name_address_form(const char *name)
{
	char *address = xstrdup(name);
	char *p;

	for (p = address; *p; p++)
		*p = (char) tolower((unsigned char) *p);
	return address;
}

static int
name_list_add_line(struct name_list *list, char *line, const char *path,
    size_t line_number, struct buf *error)
{
	char *name, *weight_text, *end, *save;
	double weight, previous;

	name = strtok_r(line, " \t\r\n,", &save);
	if (name == NULL || name[0] == '#')
		return 0;
	weight_text = strtok_r(NULL, " \t\r\n,", &save);
	if (!name_is_valid(name)) {
		buf_appendf(error, "%s:%zu: invalid name \"%s\": use letters, "
		    "apostrophes and hyphens only", path, line_number, name);
		return EX_DATAERR;
	}
	errno = 0;
	weight = weight_text ? strtod(weight_text, &end) : -1;
	if (weight_text == NULL || *end || errno || !isfinite(weight)
	    || weight < 0) {
		buf_appendf(error, "%s:%zu: invalid frequency \"%s\" for %s: "
		    "expected a number of 0 or more after the name", path,
		    line_number, weight_text ? weight_text : "", name);
		return EX_DATAERR;
	}
	previous = list->count ? list->cumulative[list->count - 1] : 0;
	list->display = xrealloc(list->display,
	    (list->count + 1) * sizeof(char *));
	list->address = xrealloc(list->address,
	    (list->count + 1) * sizeof(char *));
	list->cumulative = xrealloc(list->cumulative,
	    (list->count + 1) * sizeof(double));
	list->display[list->count] = name_display_form(name);
	list->address[list->count] = name_address_form(name);
	list->cumulative[list->count] = previous + weight;
	list->count++;
	return 0;
}

int
name_list_load(struct name_list *list, const char *path, struct buf *error)
{
	size_t capacity = 0, line_number = 0;
	char *line = NULL;
	FILE *file;
	int status = 0;

	memset(list, 0, sizeof(*list));
	if ((file = input_file_fopen(NULL, path, error)) == NULL)
		return EX_NOINPUT;
	errno = 0;
	while (status == 0 && getline(&line, &capacity, file) >= 0) {
		char *start = line;

		/* A byte-order mark may start the first line. */
		if (line_number == 0 && memcmp(line, "\xef\xbb\xbf", 3) == 0)
			start += 3;
		status = name_list_add_line(list, start, path, ++line_number,
		    error);
		errno = 0;
	}
	if (status == 0 && ferror(file)) {
		buf_appendf(error, "read %s: %s", path, strerror(errno));
		status = EX_NOINPUT;
	}
	free(line);
	fclose(file);
	if (status == 0 && (list->count == 0
		|| list->cumulative[list->count - 1] <= 0)) {
		buf_appendf(error, "%s: no names with a frequency above 0; "
		    "expected lines of NAME FREQ", path);
		status = EX_DATAERR;
	}
	return status;
}

size_t
name_list_pick(const struct name_list *list, struct rng *rng)
{
	double target = rng_uniform(rng) * list->cumulative[list->count - 1];
	size_t low = 0, high = list->count - 1;

	/* The first index whose running sum exceeds the target. */
	while (low < high) {
		size_t middle = low + (high - low) / 2;

		if (list->cumulative[middle] > target)
			high = middle;
		else
			low = middle + 1;
	}
	return low;
}

void
name_list_free(struct name_list *list)
{
	size_t i;

	for (i = 0; i < list->count; i++) {
		free(list->display[i]);
		free(list->address[i]);
	}
	free(list->display);
	free(list->address);
	free(list->cumulative);
	memset(list, 0, sizeof(*list));
}
