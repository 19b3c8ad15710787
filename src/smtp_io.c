/*
 * smtp_io - plain or TLS reads and writes on a non-blocking socket. Plain
 * writes use MSG_NOSIGNAL, but OpenSSL writes with write(), so a program
 * using TLS must ignore SIGPIPE, as spoolinject's main() does.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "smtp_io.h"

void
smtp_io_init(struct smtp_io *io, int fd)
{
	memset(io, 0, sizeof(*io));
	io->fd = fd;
}

/* Maps a TLS result. read is true for a read or a handshake step, whose
 * TLS_WANT_WRITE needs POLLOUT even when no output waits. */
static enum smtp_io_status
io_tls_status(struct smtp_io *io, enum tls_result result, bool read)
{
	switch (result) {
	case TLS_DONE:
		if (read)
			io->read_wants_write = false;
		return SMTP_IO_OK;
	case TLS_WANT_READ:
		if (read)
			io->read_wants_write = false;
		return SMTP_IO_AGAIN;
	case TLS_WANT_WRITE:
		if (read)
			io->read_wants_write = true;
		return SMTP_IO_AGAIN;
	case TLS_CLOSED:
		return SMTP_IO_CLOSED;
	case TLS_ERROR:
		break;
	}
	snprintf(io->error, sizeof(io->error), "%s",
	    tls_connection_error(io->tls));
	return SMTP_IO_ERROR;
}

/* Maps the result of recv() or send(). */
static enum smtp_io_status
io_socket_status(struct smtp_io *io, ssize_t result, size_t *count)
{
	if (result > 0) {
		*count = (size_t)result;
		return SMTP_IO_OK;
	}
	if (result == 0)
		return SMTP_IO_CLOSED;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return SMTP_IO_AGAIN;
	snprintf(io->error, sizeof(io->error), "%s", strerror(errno));
	return SMTP_IO_ERROR;
}

enum smtp_io_status
smtp_io_read(struct smtp_io *io, void *bytes, size_t length, size_t *count)
{
	ssize_t	result;

	*count = 0;
	if (io->tls != NULL)
		return io_tls_status(io,
		    tls_connection_read(io->tls, bytes, length, count), true);
	do
		result = recv(io->fd, bytes, length, 0);
	while (result < 0 && errno == EINTR);
	return io_socket_status(io, result, count);
}

enum smtp_io_status
smtp_io_write(struct smtp_io *io, const void *bytes, size_t length,
    size_t *count)
{
	ssize_t	result;

	*count = 0;
	if (io->tls != NULL)
		return io_tls_status(io,
		    tls_connection_write(io->tls, bytes, length, count), false);
	do
		result = send(io->fd, bytes, length, MSG_NOSIGNAL);
	while (result < 0 && errno == EINTR);
	if (result == 0) {
		errno = EAGAIN;
		result = -1;
	}
	return io_socket_status(io, result, count);
}

void
smtp_io_start_tls(struct smtp_io *io, struct tls_client *client,
    const char *host)
{
	io->tls = tls_connection_create(client, io->fd, host);
	io->tls_ready = false;
}

enum smtp_io_status
smtp_io_handshake(struct smtp_io *io)
{
	enum smtp_io_status status =
	    io_tls_status(io, tls_connection_handshake(io->tls), true);

	if (status == SMTP_IO_OK)
		io->tls_ready = true;
	if (status == SMTP_IO_CLOSED) {
		snprintf(io->error, sizeof(io->error),
		    "TLS handshake failed: connection closed by the server");
		status = SMTP_IO_ERROR;
	}
	return status;
}

short
smtp_io_events(const struct smtp_io *io, bool have_output)
{
	if (io->tls != NULL && !io->tls_ready)
		return io->read_wants_write ? POLLOUT : POLLIN;
	if (have_output || io->read_wants_write)
		return POLLIN | POLLOUT;
	return POLLIN;
}

const char *
smtp_io_error(const struct smtp_io *io)
{
	return io->error;
}

void
smtp_io_close(struct smtp_io *io)
{
	tls_connection_free(io->tls);
	io->tls = NULL;
	io->tls_ready = false;
	if (io->fd >= 0)
		close(io->fd);
	io->fd = -1;
}
