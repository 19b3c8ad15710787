/*
 * slot - schedule slots: one minute each, named by their start in UTC as
 * YYYYMMDDTHHMMZ (for example 20261204T1521Z).
 */
#ifndef SLOT_H
#define SLOT_H

#include <time.h>

#include "buf.h"

#define SLOT_NAME_SIZE	16		/* "20261204T1521Z" and a NUL */

/*
 * Parses "now" (meaning the time now) or an ISO 8601 time into the start
 * of its minute. The time is like 2026-12-04T15:21, with optional seconds
 * and 'Z' or an offset such as +01:00. Without either it is local time,
 * and a space may replace the 'T'. A local time that does not exist or
 * occurs twice, at a change of daylight saving time, is rejected. Returns
 * 0, or -1 with a message in error.
 */
int	slot_parse(const char *text, time_t now, time_t *slot,
		struct buf *error);

/* Writes the slot name of the minute that contains time. */
void	slot_name(time_t time, char name[SLOT_NAME_SIZE]);

/* Parses a slot name. Returns 0, or -1 when name is not one. */
int	slot_from_name(const char *name, time_t *slot);

#endif
