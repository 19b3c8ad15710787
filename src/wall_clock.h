/*
 * wall_clock - the time of day that spoolinject uses for slot times and
 * log lines: the real clock plus an offset. The offset is 0 unless a test
 * sets it, through the environment variable SPOOLINJECT_CLOCK_OFFSET, to
 * make slots start seconds apart without waiting for real minutes.
 */
#ifndef WALL_CLOCK_H
#define WALL_CLOCK_H

#define WALL_CLOCK_OFFSET_VARIABLE "SPOOLINJECT_CLOCK_OFFSET"

/* "2026-12-04T15:21:00.004Z" and a NUL. */
#define WALL_CLOCK_TEXT_SIZE 25

/* The largest offset accepted, in seconds: about 31 years either way. */
#define WALL_CLOCK_OFFSET_MAX 1e9

/*
 * Sets the offset from text, a decimal number of seconds that may be
 * negative. NULL or "" sets none. Returns 0, or -1 and leaves the offset
 * unchanged when text is not a number or is beyond WALL_CLOCK_OFFSET_MAX.
 */
int	wall_clock_set_offset(const char *text);

/* Returns the milliseconds since 1970-01-01T00:00Z, offset included. */
long long wall_clock_now_ms(void);

/* Formats ms (milliseconds since the epoch) as an ISO 8601 UTC time with
 * milliseconds, such as 2026-12-04T15:21:00.004Z. */
void	wall_clock_format(long long ms, char text[WALL_CLOCK_TEXT_SIZE]);

#endif
