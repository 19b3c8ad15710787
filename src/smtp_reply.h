/*
 * smtp_reply - incremental parser for SMTP replies (RFC 5321 4.2) and the
 * EHLO capabilities they carry.
 */
#ifndef SMTP_REPLY_H
#define SMTP_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Longest reply line accepted, and most lines in one reply. RFC 5321
 * allows 512 bytes per line; servers that send more are tolerated up to
 * these limits, past which the reply is invalid. */
#define SMTP_REPLY_LINE_MAX 65536
#define SMTP_REPLY_LINES_MAX 1000

/* One complete reply. */
struct smtp_reply {
	int	code;			/* three-digit reply code, e.g. 250 */
	char	enhanced[16];		/* RFC 3463 code ("5.1.1") or "" */
	char  **lines;			/* per line, the text after "DDD-"
					 * or "DDD " */
	size_t	line_count;
};

enum smtp_reply_status {
	SMTP_REPLY_INCOMPLETE,		/* all bytes used, reply not finished */
	SMTP_REPLY_COMPLETE,		/* one reply finished */
	SMTP_REPLY_INVALID		/* protocol error; see parser error */
};

/* State kept between calls while a reply arrives in pieces. */
struct smtp_reply_parser {
	struct buf line;		/* bytes of the unfinished line */
	struct smtp_reply reply;	/* lines of the unfinished reply */
	const char *error;		/* why the input is invalid, or NULL */
};

/* Capabilities collected from every line of an EHLO reply. */
struct smtp_capabilities {
	bool	pipelining;
	bool	size;
	unsigned long long size_limit;	/* SIZE argument; 0 when none */
	bool	eight_bit_mime;
	bool	smtputf8;
	bool	starttls;
	bool	enhanced_status_codes;
	char	auth_mechanisms[256];	/* AUTH or AUTH= argument, or "" */
};

/* Prepares an empty parser. */
void	smtp_reply_parser_init(struct smtp_reply_parser *parser);

/* Frees what the parser holds; it may be initialised again afterwards. */
void	smtp_reply_parser_free(struct smtp_reply_parser *parser);

/*
 * Feeds length bytes. Stops after the first reply that completes and sets
 * *used to the bytes consumed, so the caller feeds the rest again. On
 * SMTP_REPLY_COMPLETE the reply moves into *reply, which the caller frees
 * with smtp_reply_free(). On SMTP_REPLY_INVALID, parser->error describes the
 * error, and the parser must not be fed again before
 * smtp_reply_parser_free().
 */
enum smtp_reply_status smtp_reply_parser_feed(struct smtp_reply_parser *parser,
	    const char *bytes, size_t length, size_t *used,
	    struct smtp_reply *reply);

/* Frees the lines of a reply and leaves it empty. */
void	smtp_reply_free(struct smtp_reply *reply);

/* Copies a reply; free the copy with smtp_reply_free(). */
void	smtp_reply_copy(struct smtp_reply *copy,
	    const struct smtp_reply *reply);

/*
 * Returns the text of all lines joined with separator, leaving out the
 * enhanced code where a line starts with it. The caller frees the result.
 */
char   *smtp_reply_text(const struct smtp_reply *reply, const char *separator);

/* Returns the reply class: 2 to 5 for 2xx to 5xx. */
int	smtp_reply_class(const struct smtp_reply *reply);

/* Fills capabilities from the lines after the first of an EHLO reply. */
void	smtp_capabilities_parse(struct smtp_capabilities *capabilities,
	    const struct smtp_reply *reply);

#endif
