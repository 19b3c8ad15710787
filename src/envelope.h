/*
 * envelope - reads one message file: the SMTP envelope from its header and
 * the exact bytes to send after the server's 354 reply.
 */
#ifndef ENVELOPE_H
#define ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* The envelope and the DATA bytes of one message. */
struct envelope {
	char   *sender;		/* addr-spec; "" for the null sender <> */
	char  **recipients;	/* addr-specs from To, Cc and Bcc, no repeats */
	size_t	recipient_count;
	struct buf data;	/* CRLF lines, dot-stuffed, ending in ".\r\n" */
	size_t	size;		/* RFC 1870 size: data without the stuffed
				 * dots and the final ".\r\n" */
	bool	eight_bit;	/* data has a byte above 127 */
	size_t	bare_cr_line;	/* first line of the file with a CR not
				 * followed by LF, sent as a line end; or 0 */
	bool	utf8_address;	/* an address has a byte above 127 */
};

enum envelope_status {
	ENVELOPE_OK,
	ENVELOPE_INVALID,	/* the message can never be sent as it is */
	ENVELOPE_READ_ERROR	/* the file could not be read this time */
};

/*
 * Fills envelope from the message bytes. prefix contains header lines to
 * insert at the top of the header ("Name: value" lines, each ending in LF
 * or CRLF), or is NULL. Return-Path and Bcc fields are not copied into the
 * data. On ENVELOPE_INVALID, *error is set to a description that the
 * caller frees; envelope is then empty. Needs g_mime_init() first.
 */
enum envelope_status envelope_parse(struct envelope *envelope,
	    const char *bytes, size_t length, const char *prefix,
	    char **error);

/* Reads the whole file open on fd and parses it like envelope_parse().
 * Returns ENVELOPE_READ_ERROR with *error set when reading fails. */
enum envelope_status envelope_read(struct envelope *envelope, int fd,
	    const char *prefix, char **error);

/* Frees the memory of envelope and leaves it empty. */
void	envelope_free(struct envelope *envelope);

/* Returns whether name is a valid RFC 5322 field name: one or more
 * printable US-ASCII characters other than ':'. */
bool	envelope_field_name_valid(const char *name);

#endif
