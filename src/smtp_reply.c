/*
 * smtp_reply - incremental SMTP reply parser. Bytes may arrive in any
 * pieces; a reply ends at a line whose fourth byte is a space or that is
 * exactly three digits. Any other line shape is a protocol error.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "msg.h"
#include "smtp_reply.h"

void
smtp_reply_parser_init(struct smtp_reply_parser *parser)
{
	memset(parser, 0, sizeof(*parser));
}

void
smtp_reply_parser_free(struct smtp_reply_parser *parser)
{
	buf_free(&parser->line);
	smtp_reply_free(&parser->reply);
	parser->error = NULL;
}

void
smtp_reply_free(struct smtp_reply *reply)
{
	size_t	i;

	for (i = 0; i < reply->line_count; i++)
		free(reply->lines[i]);
	free(reply->lines);
	memset(reply, 0, sizeof(*reply));
}

void
smtp_reply_copy(struct smtp_reply *copy, const struct smtp_reply *reply)
{
	size_t	i;

	*copy = *reply;
	copy->lines = xcalloc(reply->line_count + 1, sizeof(char *));
	for (i = 0; i < reply->line_count; i++)
		copy->lines[i] = xstrdup(reply->lines[i]);
}

int
smtp_reply_class(const struct smtp_reply *reply)
{
	return reply->code / 100;
}

/* Returns the length of an RFC 3463 code of the given class at the start
 * of text ("5.1.1" followed by a space or the end), or 0. */
static size_t
enhanced_code_length(const char *text, int class)
{
	const char *p = text;
	int	part, digits;

	if (*p != '0' + class)
		return 0;
	p++;
	for (part = 0; part < 2; part++) {
		if (*p++ != '.')
			return 0;
		for (digits = 0; isdigit((unsigned char)*p); digits++)
			p++;
		if (digits < 1 || digits > 3)
			return 0;
	}
	if (*p != '\0' && *p != ' ')
		return 0;
	return (size_t)(p - text);
}

/* Checks one line without its line end; sets *last when it ends a reply. */
static const char *
line_check(const char *line, size_t length, const struct smtp_reply *reply,
    bool *last)
{
	int	code;

	if (length < 3 || !isdigit((unsigned char)line[0]) ||
	    !isdigit((unsigned char)line[1]) ||
	    !isdigit((unsigned char)line[2]))
		return "reply line does not start with a three-digit code";
	if (length > 3 && line[3] != ' ' && line[3] != '-')
		return "reply code is not followed by a space or a hyphen";
	code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (reply->line_count > 0 && code != reply->code)
		return "reply lines carry different reply codes";
	*last = length == 3 || line[3] == ' ';
	return NULL;
}

/* Stores the text of a checked line, with control characters replaced
 * so that logs and terminals show it safely. */
static void
line_store(struct smtp_reply *reply, const char *line, size_t length)
{
	char   *text;
	size_t	i;

	reply->code = (line[0] - '0') * 100 + (line[1] - '0') * 10 +
	    (line[2] - '0');
	text = length > 4 ? xstrndup(line + 4, length - 4) : xstrdup("");
	for (i = 0; text[i] != '\0'; i++) {
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			text[i] = '?';
	}
	reply->lines = xrealloc(reply->lines,
	    (reply->line_count + 1) * sizeof(char *));
	reply->lines[reply->line_count++] = text;
	if (reply->line_count == 1) {
		size_t	n = enhanced_code_length(text, reply->code / 100);

		memcpy(reply->enhanced, text, n);
		reply->enhanced[n] = '\0';
	}
}

/* Handles one complete line; returns 1 when it ends the reply. */
static int
parser_take_line(struct smtp_reply_parser *parser)
{
	struct buf *line = &parser->line;
	size_t	length = line->length;
	bool	last = false;

	if (length > 0 && line->data[length - 1] == '\r')
		length--;
	parser->error = line_check(line->data, length, &parser->reply, &last);
	if (parser->error)
		return -1;
	if (parser->reply.line_count >= SMTP_REPLY_LINES_MAX) {
		parser->error = "reply has too many lines";
		return -1;
	}
	line_store(&parser->reply, line->data, length);
	buf_reset(line);
	return last ? 1 : 0;
}

enum smtp_reply_status
smtp_reply_parser_feed(struct smtp_reply_parser *parser, const char *bytes,
    size_t length, size_t *used, struct smtp_reply *reply)
{
	size_t	i = 0;

	*used = 0;
	if (parser->error)
		return SMTP_REPLY_INVALID;
	while (i < length) {
		const char *newline = memchr(bytes + i, '\n', length - i);
		size_t	end = newline ? (size_t)(newline - bytes) : length;
		int	status;

		if (parser->line.length + (end - i) > SMTP_REPLY_LINE_MAX) {
			parser->error = "reply line is too long";
			return SMTP_REPLY_INVALID;
		}
		buf_append(&parser->line, bytes + i, end - i);
		i = newline ? end + 1 : end;
		*used = i;
		if (!newline)
			break;
		status = parser_take_line(parser);
		if (status < 0)
			return SMTP_REPLY_INVALID;
		if (status > 0) {
			*reply = parser->reply;
			memset(&parser->reply, 0, sizeof(parser->reply));
			return SMTP_REPLY_COMPLETE;
		}
	}
	return SMTP_REPLY_INCOMPLETE;
}

char   *
smtp_reply_text(const struct smtp_reply *reply, const char *separator)
{
	struct buf text = BUF_INIT;
	size_t	skip = strlen(reply->enhanced);
	size_t	i;

	buf_append_string(&text, "");
	for (i = 0; i < reply->line_count; i++) {
		const char *line = reply->lines[i];

		if (skip > 0 && strncmp(line, reply->enhanced, skip) == 0 &&
		    (line[skip] == ' ' || line[skip] == '\0')) {
			line += skip;
			line += *line == ' ';
		}
		if (i > 0)
			buf_append_string(&text, separator);
		buf_append_string(&text, line);
	}
	return text.data;
}

/* Returns the argument after keyword and a space or '=', or NULL. */
static const char *
keyword_argument(const char *line, const char *keyword, bool allow_equals)
{
	size_t	length = strlen(keyword);

	if (strncasecmp(line, keyword, length) != 0)
		return NULL;
	if (line[length] == '\0')
		return line + length;
	if (line[length] == ' ' || (allow_equals && line[length] == '='))
		return line + length + 1;
	return NULL;
}

static void
capabilities_parse_line(struct smtp_capabilities *capabilities,
    const char *line)
{
	const char *argument;

	if (keyword_argument(line, "PIPELINING", false))
		capabilities->pipelining = true;
	else if (keyword_argument(line, "8BITMIME", false))
		capabilities->eight_bit_mime = true;
	else if (keyword_argument(line, "SMTPUTF8", false))
		capabilities->smtputf8 = true;
	else if (keyword_argument(line, "STARTTLS", false))
		capabilities->starttls = true;
	else if (keyword_argument(line, "ENHANCEDSTATUSCODES", false))
		capabilities->enhanced_status_codes = true;
	else if ((argument = keyword_argument(line, "SIZE", false))) {
		capabilities->size = true;
		capabilities->size_limit = strtoull(argument, NULL, 10);
	} else if ((argument = keyword_argument(line, "AUTH", true))) {
		if (capabilities->auth_mechanisms[0] == '\0')
			snprintf(capabilities->auth_mechanisms,
			    sizeof(capabilities->auth_mechanisms), "%s",
			    argument);
	}
}

void
smtp_capabilities_parse(struct smtp_capabilities *capabilities,
    const struct smtp_reply *reply)
{
	size_t	i;

	memset(capabilities, 0, sizeof(*capabilities));
	for (i = 1; i < reply->line_count; i++)
		capabilities_parse_line(capabilities, reply->lines[i]);
}
