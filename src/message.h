/*
 * message - renders one generated message with GMime. Its body is
 * multipart/alternative with a text/plain and a text/html part in UTF-8.
 * When there are attachments, that body is the first part of a
 * multipart/mixed whose other parts are the base64 attachments. Header
 * text is RFC 2047 encoded and folded, and each part's transfer encoding
 * keeps the whole message 7-bit clean with no line over 998 bytes.
 */
#ifndef MESSAGE_H
#define MESSAGE_H

#include <stddef.h>

#include "buf.h"

struct header_field {
	char   *name;
	char   *value;
};

/* A file attached to a message. */
struct message_attachment {
	const char *filename;		/* UTF-8, without folders */
	const char *content_type;	/* type/subtype */
	const void *data;
	size_t	length;
};

struct message_fields {
	const char *return_path;	/* envelope sender, no brackets */
	const char *from_name;		/* may be "" */
	const char *from_addr;
	const char *to_name;
	const char *to_addr;
	const char *subject;
	const char *date;		/* RFC 5322 date-time */
	const char *message_id;		/* without angle brackets */
	const char *x_job;
	const char *bounce_me;		/* NULL when the message has none */
	const char *bounce_percentage;
	const struct header_field *extra_headers;
	size_t	extra_header_count;
	const char *text_body;		/* UTF-8, LF line ends */
	size_t	text_length;
	const char *html_body;
	size_t	html_length;
	const char *boundary;		/* multipart boundary, or NULL for a
					 * random one */
	const struct message_attachment *attachments;
	size_t	attachment_count;
	const char *mixed_boundary;	/* boundary of multipart/mixed, or
					 * NULL for a random one */
};

/*
 * Parses an --add-header argument, NAME=VALUE or NAME:VALUE, into field
 * (free both strings). NAME must be an RFC 5322 field name; VALUE may not
 * contain CR, LF or NUL, so it can never start another header. Returns 0,
 * or -1 with a message naming the argument in error.
 */
int	header_field_parse(const char *argument, struct header_field *field,
		struct buf *error);

/* Initialises GMime; call once before message_render(). */
void	message_library_init(void);

/* Appends the message, with LF line ends, to output. */
void	message_render(const struct message_fields *fields,
		struct buf *output);

/* Appends the message as built by GMime's object tree, which
 * message_render() skips for messages message_render_fast() can write. */
void	message_render_gmime(const struct message_fields *fields,
		struct buf *output);

/*
 * Appends the message byte for byte as message_render_gmime() would, for
 * the common case: a given boundary, X- extra headers, and bodies that
 * GMime would encode as quoted-printable. Returns 0, or -1 without
 * touching output when the message is not such a case.
 */
int	message_render_fast(const struct message_fields *fields,
		struct buf *output);

/* Learns GMime's quoted-printable choices; message_library_init() calls
 * it. */
void	message_fast_init(void);

/* Returns non-zero when message_fast_init() found that the SSE2 byte
 * tests match the bytes GMime writes as they are, so the code uses them. */
int	message_fast_blocks_ready(void);

/* Appends text encoded as GMime's quoted-printable encoder writes it,
 * for a body message_fast_body_fits() accepts. With use_blocks zero,
 * the SSE2 code is skipped, which the unit tests compare against. */
void	message_fast_qp(struct buf *output, const char *text, size_t length,
		int use_blocks);

/* Returns non-zero when message_render_fast() can encode the body;
 * use_blocks as for message_fast_qp(). */
int	message_fast_body_fits(const char *text, size_t length,
		int use_blocks);

/* Appends the raw value of a mailbox header, without "Name:": the
 * encoded display name, if any, and the address, folded, with the line
 * end. */
void	message_format_mailbox(struct buf *output, const char *field_name,
		const char *name, const char *address);

/* Appends "Name:" and the encoded, folded value of an unstructured
 * header with its line end. */
void	message_format_header(struct buf *output, const char *name,
		const char *value);

#endif
