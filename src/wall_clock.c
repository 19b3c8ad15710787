/*
 * wall_clock - CLOCK_REALTIME in milliseconds, shifted by an offset that
 * only tests set.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "wall_clock.h"

static long long offset_ms;

int
wall_clock_set_offset(const char *text)
{
	char   *end;
	double	seconds;

	if (text == NULL || text[0] == '\0') {
		offset_ms = 0;
		return 0;
	}
	errno = 0;
	seconds = strtod(text, &end);
	if (errno != 0 || end == text || *end != '\0' || !isfinite(seconds) ||
	    fabs(seconds) > WALL_CLOCK_OFFSET_MAX)
		return -1;
	offset_ms = llround(seconds * 1000.0);
	return 0;
}

long long
wall_clock_now_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000 +
	    offset_ms;
}

void
wall_clock_format(long long ms, char text[WALL_CLOCK_TEXT_SIZE])
{
	long long remainder = ((ms % 1000) + 1000) % 1000;
	time_t	seconds = (time_t)((ms - remainder) / 1000);
	struct tm utc;
	char	date[20];

	gmtime_r(&seconds, &utc);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &utc);
	snprintf(text, WALL_CLOCK_TEXT_SIZE, "%s.%03lldZ", date, remainder);
}
