/*
 * tls_client - TLS for the client side of STARTTLS (RFC 3207) with
 * OpenSSL, on a non-blocking socket that the caller polls. Every call
 * returns at once. TLS_WANT_READ and TLS_WANT_WRITE name the poll()
 * event to wait for before calling again with the same arguments.
 */
#ifndef TLS_CLIENT_H
#define TLS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

enum tls_result {
	TLS_DONE,		/* the call completed */
	TLS_WANT_READ,		/* wait for POLLIN, then call again */
	TLS_WANT_WRITE,		/* wait for POLLOUT, then call again */
	TLS_CLOSED,		/* the peer closed the connection */
	TLS_ERROR		/* failed; see tls_connection_error() */
};

/* Settings shared by every connection of a run (an OpenSSL SSL_CTX). */
struct tls_client;

/* One TLS connection on a socket that the caller owns. */
struct tls_connection;

/*
 * Creates the shared settings. With verify, every server must present a
 * certificate chain that leads to a trusted certificate: those in
 * ca_file when it is not NULL, else the system's default ones. Without
 * verify any certificate is accepted. Returns NULL and sets *error (a
 * string the caller frees) on failure, e.g. an unreadable ca_file.
 */
struct tls_client *tls_client_create(bool verify, const char *ca_file,
	    char **error);

/* Frees the shared settings, after every connection made with them. */
void	tls_client_free(struct tls_client *client);

/*
 * Starts a client connection on the connected socket fd. host, when not
 * NULL, is sent as the server name (SNI) unless it is an IP address, and
 * with verify the certificate must match it (a DNS name or an IP
 * address). Call tls_connection_handshake() next.
 */
struct tls_connection *tls_connection_create(struct tls_client *client,
	    int fd, const char *host);

/* Advances the handshake. TLS_DONE means the connection is ready. */
enum tls_result tls_connection_handshake(struct tls_connection *connection);

/* Reads up to length bytes and sets *count to the bytes read. */
enum tls_result tls_connection_read(struct tls_connection *connection,
	    void *bytes, size_t length, size_t *count);

/* Writes up to length bytes and sets *count to the bytes written; after
 * TLS_WANT_*, call again with at least the same bytes. */
enum tls_result tls_connection_write(struct tls_connection *connection,
	    const void *bytes, size_t length, size_t *count);

/* Returns why the last call returned TLS_ERROR, in words. */
const char *tls_connection_error(const struct tls_connection *connection);

/*
 * Sends the TLS close_notify alert without waiting for the peer's one,
 * unless the connection has failed, and frees the connection. The socket
 * stays open; the caller closes it.
 */
void	tls_connection_free(struct tls_connection *connection);

#endif
