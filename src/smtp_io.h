/*
 * smtp_io - the byte stream under an SMTP or LMTP session: a non-blocking
 * socket, read and written in the clear until STARTTLS and through TLS
 * after it, so the session has one path for both.
 */
#ifndef SMTP_IO_H
#define SMTP_IO_H

#include <stdbool.h>
#include <stddef.h>

#include "tls_client.h"

enum smtp_io_status {
	SMTP_IO_OK,		/* some bytes moved, or the handshake is done */
	SMTP_IO_AGAIN,		/* would block; poll and call again */
	SMTP_IO_CLOSED,		/* the server closed the connection */
	SMTP_IO_ERROR		/* failed; see smtp_io_error() */
};

struct smtp_io {
	int	fd;			/* -1 once closed */
	struct tls_connection *tls;	/* NULL before STARTTLS */
	bool	tls_ready;		/* the TLS handshake has finished */
	bool	read_wants_write;	/* TLS needs POLLOUT to go on reading */
	char	error[320];
};

/* Starts on a connected socket, in the clear. */
void	smtp_io_init(struct smtp_io *io, int fd);

/* Reads up to length bytes into bytes and sets *count. */
enum smtp_io_status smtp_io_read(struct smtp_io *io, void *bytes,
	    size_t length, size_t *count);

/* Writes up to length bytes and sets *count. After SMTP_IO_AGAIN, call
 * again with at least the same bytes. */
enum smtp_io_status smtp_io_write(struct smtp_io *io, const void *bytes,
	    size_t length, size_t *count);

/* Switches to TLS; call smtp_io_handshake() until it returns SMTP_IO_OK.
 * host is the server name for SNI and verification, or NULL. */
void	smtp_io_start_tls(struct smtp_io *io, struct tls_client *client,
	    const char *host);

/* Advances the TLS handshake. */
enum smtp_io_status smtp_io_handshake(struct smtp_io *io);

/* Returns the poll() events to wait for. have_output is true when bytes
 * wait to be written. */
short	smtp_io_events(const struct smtp_io *io, bool have_output);

/* Returns why the last call returned SMTP_IO_ERROR. */
const char *smtp_io_error(const struct smtp_io *io);

/* Ends TLS, if any, with a close_notify alert and closes the socket. */
void	smtp_io_close(struct smtp_io *io);

#endif
