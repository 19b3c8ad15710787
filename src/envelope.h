/*
 * envelope - reads one message file: the SMTP envelope from its header and
 * the exact bytes to send after the server's 354 reply.
 */
#ifndef ENVELOPE_H
#define ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>

#include <sys/stat.h>

#include "buf.h"

/* Longest line SMTP DATA may carry without its CRLF (RFC 5321
 * 4.5.3.1.6). Longer lines need BDAT and BINARYMIME (RFC 3030). */
#define ENVELOPE_LINE_MAX 998

/* The envelope and the DATA bytes of one message. */
struct envelope {
	char   *sender;		/* addr-spec; "" for the null sender <> */
	char  **recipients;	/* addr-specs, no repeats: see
				 * envelope_parse_with() for their source */
	size_t	recipient_count;
	struct buf data;	/* CRLF lines, dot-stuffed, ending in ".\r\n" */
	size_t	size;		/* RFC 1870 size: data without the stuffed
				 * dots and the final ".\r\n" */
	bool	eight_bit;	/* data has a byte above 127 */
	size_t	bare_cr_line;	/* first line of the file with a CR not
				 * followed by LF, sent as a line end; or 0 */
	bool	utf8_address;	/* an address has a byte above 127 */
	bool	mbox_from_line;	/* a first line "From ..." was left out */
	char   *message_id;	/* Message-ID field value without the
				 * blanks around it, or NULL */
	bool	lf_in_file;	/* bytes lf_start to lf_end of the file,
				 * its end, are exactly what
				 * envelope_data_lf() gives, so a reader
				 * may take the file itself */
	size_t	lf_start;
	size_t	lf_end;
};

/* How to read a message, beyond its bytes. */
struct envelope_options {
	const char *prefix;	/* header lines to insert at the top ("Name:
				 * value" lines, each ending in LF or CRLF),
				 * or NULL */
	const char *sender;	/* replaces the sender of the header ("" for
				 * the null sender), or NULL */
	char *const *recipients;	/* replace the recipients of the
					 * header, or NULL */
	size_t	recipient_count;
};

enum envelope_status {
	ENVELOPE_OK,
	ENVELOPE_INVALID,	/* the message can never be sent as it is */
	ENVELOPE_READ_ERROR	/* the file could not be read this time */
};

/*
 * Fills envelope from the message bytes. A first line starting with
 * "From " (an mbox separator) is left out. The sender is options->sender
 * when given, else the first Return-Path address, else the first From
 * address. The recipients are
 * options->recipients when given; else the addresses of the Delivered-To
 * fields at the top of the header (before any field other than
 * Return-Path, Delivered-To and X-Original-To), as an MTA's final
 * delivery writes them; else the addresses of every To, Cc and Bcc.
 * Return-Path fields, Bcc fields and the Delivered-To fields at the top
 * are not copied into the data.
 *
 * On ENVELOPE_INVALID, *error is set to a description that the caller
 * frees; envelope is then empty apart from message_id. A line over
 * ENVELOPE_LINE_MAX bytes or a NUL byte makes a message invalid. Needs
 * g_mime_init() first.
 */
enum envelope_status envelope_parse_with(struct envelope *envelope,
	    const char *bytes, size_t length,
	    const struct envelope_options *options, char **error);

/* Calls envelope_parse_with() with prefix as the only option. */
enum envelope_status envelope_parse(struct envelope *envelope,
	    const char *bytes, size_t length, const char *prefix,
	    char **error);

/* Reads the whole file open on fd, whose fstat() gave file_status, and
 * parses it like envelope_parse_with(). Returns ENVELOPE_READ_ERROR with
 * *error set when reading fails. Not thread-safe, because one read
 * buffer is reused. */
enum envelope_status envelope_read(struct envelope *envelope, int fd,
	    const struct stat *file_status,
	    const struct envelope_options *options, char **error);

/*
 * Appends the data of a parsed envelope to out in the form a sendmail
 * program reads with -i: LF line ends, no dot-stuffing and no final dot
 * line. Every other byte is as in envelope->data.
 */
void	envelope_data_lf(const struct envelope *envelope, struct buf *out);

/* Frees the memory of envelope and leaves it empty. */
void	envelope_free(struct envelope *envelope);

/* Frees a DATA buffer taken from an envelope, or keeps it for the next
 * envelope_parse_with(), and leaves data empty. Not thread-safe. */
void	envelope_data_release(struct buf *data);

/* Returns whether name is a valid RFC 5322 field name: one or more
 * printable US-ASCII characters other than ':'. */
bool	envelope_field_name_valid(const char *name);

#endif
