/*
 * slot - parses slot times and formats slot names.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "slot.h"

/* Reads exactly count digits. Returns the value, or -1. */
static int
slot_digits(const char **cursor, int count)
{
	int value = 0;

	while (count-- > 0) {
		if (!isdigit((unsigned char) **cursor))
			return -1;
		value = value * 10 + (*(*cursor)++ - '0');
	}
	return value;
}

/* Returns non-zero when the date exists in the proleptic Gregorian
 * calendar; tm_year counts from 1900 and tm_mon from 0. */
static int
slot_date_exists(const struct tm *fields)
{
	static const int days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int year = fields->tm_year + 1900;
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	if (fields->tm_mon < 0 || fields->tm_mon > 11 || fields->tm_mday < 1)
		return 0;
	return fields->tm_mday <= days[fields->tm_mon]
	    + (fields->tm_mon == 1 && leap);
}

/* Skips a decimal fraction (".5", ".999"); a '.' needs at least one
 * digit. Returns -1 when it has none. */
static int
slot_skip_fraction(const char **cursor)
{
	size_t digits;

	if (**cursor != '.')
		return 0;
	digits = strspn(*cursor + 1, "0123456789");
	if (digits == 0)
		return -1;
	*cursor += 1 + digits;
	return 0;
}

/* Parses "Z", "+HH:MM", "+HHMM", "+HH" or nothing; sets *local when the
 * time has no zone. Returns 0, or -1. */
static int
slot_parse_zone(const char *p, long *offset, int *local)
{
	int sign, hours, minutes = 0;

	*offset = 0;
	*local = 0;
	if (*p == '\0') {
		*local = 1;
		return 0;
	}
	if ((p[0] == 'Z' || p[0] == 'z') && p[1] == '\0')
		return 0;
	if (*p != '+' && *p != '-')
		return -1;
	sign = *p++ == '-' ? -1 : 1;
	if ((hours = slot_digits(&p, 2)) < 0 || hours > 23)
		return -1;
	if (*p == ':')
		p++;
	if (*p && ((minutes = slot_digits(&p, 2)) < 0 || minutes > 59))
		return -1;
	if (*p)
		return -1;
	*offset = sign * (hours * 3600L + minutes * 60L);
	return 0;
}

int
slot_parse(const char *text, time_t now, time_t *slot, struct buf *error)
{
	const char *p = text;
	struct tm fields = {0};
	long offset;
	int local, seconds = 0;
	time_t result;

	if (strcmp(text, "now") == 0) {
		*slot = now - now % 60;
		return 0;
	}
	fields.tm_year = slot_digits(&p, 4) - 1900;
	if (*p++ != '-' || (fields.tm_mon = slot_digits(&p, 2) - 1) < 0
	    || *p++ != '-' || (fields.tm_mday = slot_digits(&p, 2)) < 1
	    || (*p != 'T' && *p != 't' && *p != ' ') || !*p++
	    || (fields.tm_hour = slot_digits(&p, 2)) < 0 || *p++ != ':'
	    || (fields.tm_min = slot_digits(&p, 2)) < 0
	    || (*p == ':' && (p++, (seconds = slot_digits(&p, 2)) < 0))
	    || slot_skip_fraction(&p) < 0
	    || fields.tm_year < 0 || !slot_date_exists(&fields)
	    || fields.tm_hour > 23 || fields.tm_min > 59 || seconds > 60
	    || slot_parse_zone(p, &offset, &local) < 0) {
		buf_appendf(error, "invalid time \"%s\": expected now or an "
		    "ISO 8601 time such as 2026-12-04T15:21Z or "
		    "2026-12-04T10:21-05:00", text);
		return -1;
	}
	fields.tm_sec = seconds;
	if (local) {
		fields.tm_isdst = -1;
		result = mktime(&fields);
	} else {
		result = timegm(&fields) - offset;
	}
	*slot = result - ((result % 60) + 60) % 60;
	return 0;
}

void
slot_name(time_t time, char name[SLOT_NAME_SIZE])
{
	struct tm fields;

	gmtime_r(&time, &fields);
	strftime(name, SLOT_NAME_SIZE, "%Y%m%dT%H%MZ", &fields);
}

int
slot_from_name(const char *name, time_t *slot)
{
	const char *p = name;
	struct tm fields = {0};

	if (strlen(name) != SLOT_NAME_SIZE - 2)
		return -1;
	fields.tm_year = slot_digits(&p, 4) - 1900;
	fields.tm_mon = slot_digits(&p, 2) - 1;
	fields.tm_mday = slot_digits(&p, 2);
	if (*p++ != 'T')
		return -1;
	fields.tm_hour = slot_digits(&p, 2);
	fields.tm_min = slot_digits(&p, 2);
	if (*p != 'Z' || fields.tm_year < 0 || !slot_date_exists(&fields)
	    || fields.tm_hour < 0 || fields.tm_hour > 23 || fields.tm_min < 0
	    || fields.tm_min > 59)
		return -1;
	*slot = timegm(&fields);
	return 0;
}
