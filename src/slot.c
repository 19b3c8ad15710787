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

/* Returns whether time is fields's minute in local time. */
static int
slot_local_matches(time_t time, const struct tm *fields)
{
	struct tm local;

	return localtime_r(&time, &local) != NULL
	    && local.tm_year == fields->tm_year
	    && local.tm_mon == fields->tm_mon
	    && local.tm_mday == fields->tm_mday
	    && local.tm_hour == fields->tm_hour
	    && local.tm_min == fields->tm_min;
}

/* Writes time as a local ISO 8601 time with its UTC offset, such as
 * 2026-11-01T01:30-04:00. */
static void
slot_format_local(time_t time, char text[32])
{
	struct tm local;
	size_t length;

	localtime_r(&time, &local);
	length = strftime(text, 32, "%Y-%m-%dT%H:%M%z", &local);

	/* strftime writes the offset as -0400; ISO 8601 text has -04:00. */
	if (length >= 5 && length + 2 <= 32) {
		memmove(text + length - 1, text + length - 2, 3);
		text[length - 2] = ':';
	}
}

/*
 * Converts the local minute in fields to a time. A minute that the clocks
 * skip, or one that they pass twice when they go back, is an error,
 * because only a UTC offset identifies the time meant.
 * NOTE: the check takes whole minutes, so in a zone whose offset is not a
 * whole number of minutes a partly skipped minute is rejected whole.
 */
static int
slot_from_local(const struct tm *fields, const char *text, time_t *result,
    struct buf *error)
{
	time_t found[2];
	int count = 0, dst;

	for (dst = 0; dst <= 1; dst++) {
		struct tm guess = *fields;
		time_t time;

		guess.tm_sec = 0;
		guess.tm_isdst = dst;
		time = mktime(&guess);
		if (slot_local_matches(time, fields)
		    && (count == 0 || found[0] != time))
			found[count++] = time;
	}
	if (count == 1) {
		*result = found[0];
		return 0;
	}
	if (count == 0) {
		buf_appendf(error, "invalid time \"%s\": the clocks of the "
		    "local time zone skip it; give another time, or one with "
		    "a UTC offset", text);
	} else {
		char	first[32], second[32];

		slot_format_local(found[0] < found[1] ? found[0] : found[1],
		    first);
		slot_format_local(found[0] < found[1] ? found[1] : found[0],
		    second);
		buf_appendf(error, "ambiguous time \"%s\": the clocks of the "
		    "local time zone pass it twice; give it with its UTC "
		    "offset, as %s or %s", text, first, second);
	}
	return -1;
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
	if (local) {
		if (slot_from_local(&fields, text, &result, error) < 0)
			return -1;
	} else {
		fields.tm_sec = 0;
		result = timegm(&fields) - offset;
	}

	/* A leap second, :60, counts as the next minute. */
	result += seconds;
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
