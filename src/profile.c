/*
 * profile - the --profile file reader. It reads line by line and stops
 * at the 1441st number, but each line is read whole into memory.
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
#include "profile.h"

#define PROFILE_MAX_WEIGHTS	1440

/* Parses one blank-separated word of line number line_number. */
static int
profile_add_word(const char *path, size_t line_number, const char *word,
    double *weights, size_t *count, struct buf *error)
{
	char *end;
	double value;
	int decimal;

	/* strtod() also reads hexadecimal such as 0x10, a sign, "inf" and
	 * "nan"; a weight is plain decimal, with an optional exponent. */
	decimal = (isdigit((unsigned char) word[0]) || word[0] == '.')
	    && strpbrk(word, "xX") == NULL;
	errno = 0;
	value = strtod(word, &end);
	if (!decimal || *end != '\0' || errno == ERANGE || !isfinite(value)
	    || value < 0) {
		buf_appendf(error, "%s:%zu: invalid weight \"%s\": expected a "
		    "decimal number of at least 0, such as 12 or 0.5", path,
		    line_number, word);
		return EX_DATAERR;
	}
	if (*count == PROFILE_MAX_WEIGHTS) {
		buf_appendf(error, "%s:%zu: more than %d weights: expected 24 "
		    "hourly or 1440 per-minute weights", path, line_number,
		    PROFILE_MAX_WEIGHTS);
		return EX_DATAERR;
	}
	weights[(*count)++] = value;
	return 0;
}

/* Parses one line, without its line end, after cutting its comment. */
static int
profile_parse_line(const char *path, size_t line_number, char *line,
    double *weights, size_t *count, struct buf *error)
{
	char *comment = strchr(line, '#'), *word, *state = NULL;
	int status = 0;

	if (comment)
		*comment = '\0';
	for (word = strtok_r(line, " \t\r\f\v", &state); word && status == 0;
	    word = strtok_r(NULL, " \t\r\f\v", &state))
		status = profile_add_word(path, line_number, word, weights,
		    count, error);
	return status;
}

static int
profile_check_count(const char *path, const double *weights, size_t count,
    struct buf *error)
{
	double total = 0;
	size_t i;

	if (count != 24 && count != PROFILE_MAX_WEIGHTS) {
		buf_appendf(error, "%s: %zu weights: expected 24 hourly or "
		    "1440 per-minute weights", path, count);
		return EX_DATAERR;
	}
	for (i = 0; i < count; i++)
		total += weights[i];
	if (!(total > 0) || !isfinite(total)) {
		buf_appendf(error, "%s: the weights sum to %g: expected a "
		    "positive, finite sum", path, total);
		return EX_DATAERR;
	}
	return 0;
}

int
profile_load(const char *path, double **weights, size_t *count,
    struct buf *error)
{
	FILE *file = input_file_fopen(NULL, path, error);
	size_t capacity = 0, line_number = 0;
	char *line = NULL;
	int status = 0;

	*weights = xcalloc(PROFILE_MAX_WEIGHTS, sizeof(double));
	*count = 0;
	if (file == NULL)
		return EX_NOINPUT;
	errno = 0;
	while (status == 0 && getline(&line, &capacity, file) >= 0) {
		line_number++;
		line[strcspn(line, "\n")] = '\0';

		/* Skip a UTF-8 byte-order mark, as the CSV readers do. */
		status = profile_parse_line(path, line_number, line
		    + (line_number == 1 && strncmp(line, "\xef\xbb\xbf", 3) == 0
		    ? 3 : 0), *weights, count, error);
	}
	if (status == 0 && ferror(file)) {
		buf_appendf(error, "read %s: %s", path, strerror(errno));
		status = EX_NOINPUT;
	}
	free(line);
	fclose(file);
	if (status == 0)
		status = profile_check_count(path, *weights, *count, error);
	return status;
}
