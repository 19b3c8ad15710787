/*
 * tls_client - OpenSSL behind a small non-blocking interface. OpenSSL's
 * error queue is per thread and shared by every connection, so each call
 * clears it first and, after a failure, turns it into the connection's
 * error text.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "input_file.h"
#include "msg.h"
#include "tls_client.h"

struct tls_client {
	SSL_CTX *context;
	bool	verify;
};

struct tls_connection {
	SSL    *ssl;
	bool	failed;		/* no close_notify may be sent */
	char	error[256];
};

/* Writes the text of OpenSSL's last queued error, or fallback, and
 * clears the queue. */
static void
format_openssl_error(char *text, size_t size, const char *fallback)
{
	unsigned long code = ERR_peek_last_error();

	if (code == 0)
		snprintf(text, size, "%s", fallback);
	else
		ERR_error_string_n(code, text, size);
	ERR_clear_error();
}

/* Adds the PEM certificates and CRLs of ca_file to the trusted ones,
 * like SSL_CTX_load_verify_locations() but through input_file_fopen(),
 * so that a FIFO is rejected instead of blocking. */
static bool
load_ca_file(SSL_CTX *context, const char *ca_file, char **error)
{
	X509_STORE *store = SSL_CTX_get_cert_store(context);
	STACK_OF(X509_INFO) *infos = NULL;
	struct buf open_error = BUF_INIT;
	X509_INFO *info;
	size_t	loaded = 0;
	char	text[256];
	FILE   *file;
	BIO    *bio;
	int	i;

	if ((file = input_file_fopen("CA file", ca_file, &open_error)) ==
	    NULL) {
		*error = xasprintf("load trusted certificates: %s",
		    open_error.data);
		buf_free(&open_error);
		return false;
	}
	if ((bio = BIO_new_fp(file, BIO_NOCLOSE)) != NULL)
		infos = PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL);
	for (i = 0; infos != NULL && i < sk_X509_INFO_num(infos); i++) {
		info = sk_X509_INFO_value(infos, i);
		if (info->x509 != NULL &&
		    X509_STORE_add_cert(store, info->x509) == 1)
			loaded++;
		if (info->crl != NULL &&
		    X509_STORE_add_crl(store, info->crl) == 1)
			loaded++;
	}
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	BIO_free(bio);
	fclose(file);
	if (loaded == 0) {
		format_openssl_error(text, sizeof(text),
		    "no PEM certificate found");
		*error = xasprintf("load trusted certificates from %s: %s",
		    ca_file, text);
		return false;
	}
	ERR_clear_error();
	return true;
}

struct tls_client *
tls_client_create(bool verify, const char *ca_file, char **error)
{
	struct tls_client *client = xcalloc(1, sizeof(*client));
	char	text[256];

	ERR_clear_error();
	client->verify = verify;
	client->context = SSL_CTX_new(TLS_client_method());
	if (client->context == NULL) {
		format_openssl_error(text, sizeof(text), "unknown error");
		*error = xasprintf("create TLS context: %s", text);
		free(client);
		return NULL;
	}

	/* The output buffer may grow and move between a write that wants
	 * a retry and the retry. SMTP frames its own data, so a peer that
	 * closes without close_notify only ends the stream. */
	SSL_CTX_set_mode(client->context, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_options(client->context, SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_verify(client->context,
	    verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
	if (verify && ca_file != NULL &&
	    !load_ca_file(client->context, ca_file, error)) {
		tls_client_free(client);
		return NULL;
	}
	if (verify && ca_file == NULL &&
	    SSL_CTX_set_default_verify_paths(client->context) != 1) {
		format_openssl_error(text, sizeof(text), "unknown error");
		*error = xasprintf("load trusted certificates from the "
		    "system's default paths: %s", text);
		tls_client_free(client);
		return NULL;
	}
	return client;
}

void
tls_client_free(struct tls_client *client)
{
	if (client == NULL)
		return;
	SSL_CTX_free(client->context);
	free(client);
}

static bool
is_ip_address(const char *host)
{
	unsigned char address[16];

	return inet_pton(AF_INET, host, address) == 1 ||
	    inet_pton(AF_INET6, host, address) == 1;
}

struct tls_connection *
tls_connection_create(struct tls_client *client, int fd, const char *host)
{
	struct tls_connection *connection = xcalloc(1, sizeof(*connection));
	X509_VERIFY_PARAM *param;

	ERR_clear_error();
	connection->ssl = SSL_new(client->context);
	if (connection->ssl == NULL)
		msg_fatal(EX_OSERR, "out of memory creating a TLS connection");
	SSL_set_fd(connection->ssl, fd);
	if (host != NULL && !is_ip_address(host))
		SSL_set_tlsext_host_name(connection->ssl, host);
	if (client->verify && host != NULL) {
		param = SSL_get0_param(connection->ssl);
		X509_VERIFY_PARAM_set_hostflags(param,
		    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (is_ip_address(host))
			X509_VERIFY_PARAM_set1_ip_asc(param, host);
		else
			X509_VERIFY_PARAM_set1_host(param, host, 0);
	}
	SSL_set_connect_state(connection->ssl);
	return connection;
}

/* Maps the outcome of an OpenSSL call that returned status. */
static enum tls_result
connection_result(struct tls_connection *connection, int status,
    const char *operation)
{
	int	error = SSL_get_error(connection->ssl, status);
	long	verify_result;
	char	text[200];

	switch (error) {
	case SSL_ERROR_NONE:
		return TLS_DONE;
	case SSL_ERROR_WANT_READ:
		return TLS_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return TLS_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		return TLS_CLOSED;
	default:
		break;
	}
	connection->failed = true;
	verify_result = SSL_get_verify_result(connection->ssl);
	if (verify_result != X509_V_OK) {
		snprintf(connection->error, sizeof(connection->error),
		    "TLS %s failed: certificate verification failed: %s",
		    operation, X509_verify_cert_error_string(verify_result));
		ERR_clear_error();
		return TLS_ERROR;
	}
	if (error == SSL_ERROR_SYSCALL && ERR_peek_last_error() == 0) {
		snprintf(connection->error, sizeof(connection->error),
		    "TLS %s failed: %s", operation,
		    errno != 0 ? strerror(errno) : "connection closed");
		return TLS_ERROR;
	}
	format_openssl_error(text, sizeof(text), "unknown error");
	snprintf(connection->error, sizeof(connection->error),
	    "TLS %s failed: %s", operation, text);
	return TLS_ERROR;
}

enum tls_result
tls_connection_handshake(struct tls_connection *connection)
{
	ERR_clear_error();
	errno = 0;
	return connection_result(connection, SSL_connect(connection->ssl),
	    "handshake");
}

enum tls_result
tls_connection_read(struct tls_connection *connection, void *bytes,
    size_t length, size_t *count)
{
	int	status;

	*count = 0;
	ERR_clear_error();
	errno = 0;
	status = SSL_read_ex(connection->ssl, bytes, length, count);
	return connection_result(connection, status, "read");
}

enum tls_result
tls_connection_write(struct tls_connection *connection, const void *bytes,
    size_t length, size_t *count)
{
	int	status;

	*count = 0;
	ERR_clear_error();
	errno = 0;
	status = SSL_write_ex(connection->ssl, bytes, length, count);
	return connection_result(connection, status, "write");
}

const char *
tls_connection_error(const struct tls_connection *connection)
{
	return connection->error;
}

void
tls_connection_free(struct tls_connection *connection)
{
	if (connection == NULL)
		return;
	if (!connection->failed && SSL_is_init_finished(connection->ssl)) {
		ERR_clear_error();
		(void)SSL_shutdown(connection->ssl);
	}
	ERR_clear_error();
	SSL_free(connection->ssl);
	free(connection);
}
