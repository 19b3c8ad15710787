/*
 * names - weighted name lists for recipients. A file has one name per
 * line: NAME FREQ, separated by blanks, where FREQ is a relative weight;
 * further columns are ignored, so the 1990 US Census files
 * (NAME FREQ CUMFREQ RANK) load as they are. '#' starts a comment line.
 */
#ifndef NAMES_H
#define NAMES_H

#include <stddef.h>

#include "buf.h"
#include "rng.h"

struct name_list {
	char  **display;		/* "Mary" */
	char  **address;		/* "mary" */
	double *cumulative;		/* running sum of the weights */
	size_t	count;
};

/*
 * Loads path. Returns 0, or a sysexits.h status with a message naming the
 * file, line and value in error. A name may use letters, apostrophes and
 * hyphens. Free with name_list_free() in either case.
 */
int	name_list_load(struct name_list *list, const char *path,
		struct buf *error);

/* Returns the index of a name drawn with probability by weight. */
size_t	name_list_pick(const struct name_list *list, struct rng *rng);

void	name_list_free(struct name_list *list);

#endif
