/*
 * smtp_session - one SMTP (RFC 5321) or LMTP (RFC 2033) client connection
 * on a non-blocking socket, driven by the caller's poll() loop. As its
 * settings request, a session upgrades to TLS with STARTTLS (RFC 3207)
 * and authenticates with AUTH (RFC 4954). It takes messages from an
 * inject_queue, pipelines them when the server offers PIPELINING
 * (RFC 2920), and reports each final reply back to the queue.
 */
#ifndef SMTP_SESSION_H
#define SMTP_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "inject_queue.h"

struct addrinfo;
struct tls_client;

/* When a session uses STARTTLS. */
enum smtp_tls_policy {
	SMTP_TLS_NEVER,		/* never, even when offered */
	SMTP_TLS_OPPORTUNISTIC,	/* when offered; else go on in the clear */
	SMTP_TLS_AUTO,		/* like SMTP_TLS_ALWAYS with credentials or
				 * tls_verify, else SMTP_TLS_OPPORTUNISTIC */
	SMTP_TLS_ALWAYS		/* fail the session without TLS */
};

/* Settings shared by every session of a run. They must outlive the
 * sessions. */
struct smtp_session_settings {
	const struct addrinfo *addresses;	/* server addresses, in order */
	const char *server;			/* as given, for messages */
	const char *helo_name;			/* EHLO, HELO and LHLO
						 * argument */
	bool	lmtp;				/* LHLO and one reply per
						 * recipient after the data */
	enum smtp_tls_policy tls_policy;
	struct tls_client *tls;			/* NULL with SMTP_TLS_NEVER */
	bool	tls_verify;			/* tls checks certificates */
	const char *tls_host;			/* name for SNI and certificate
						 * checks, or NULL */
	const char *auth_user;			/* NULL: no AUTH */
	const char *auth_password;
	unsigned messages_per_connection;	/* QUIT after this many */
	bool	early_data;			/* send released data before
						 * loading the next message */
	unsigned timeout;			/* seconds for the greeting and
						 * MAIL; the other stages scale
						 * from it (RFC 5321 4.5.3.2) */
	struct inject_queue *queue;
};

struct smtp_session;

/*
 * Creates a session and starts connecting to the first address. The
 * session may be finished already when every address failed at once.
 * Free it with smtp_session_free().
 */
struct smtp_session *smtp_session_create(
	    const struct smtp_session_settings *settings);

/* Returns the socket to poll and sets *events to the poll() events the
 * session waits for. Sets *opening to the count of sockets it opened,
 * which distinguishes a new socket from an old one with the same
 * number. Returns -1 once the session is finished. */
int	smtp_session_poll_fd(const struct smtp_session *session, short *events,
	    unsigned long *opening);

/* Returns the CLOCK_MONOTONIC time in milliseconds at which the current
 * stage times out. */
long long smtp_session_deadline(const struct smtp_session *session);

/*
 * Handles the poll() result revents (0 when only the deadline may have
 * passed) at monotonic time now_ms: reads replies, writes commands, starts
 * transactions and checks the deadline.
 */
void	smtp_session_process(struct smtp_session *session, short revents,
	    long long now_ms);

/* Returns whether the session has ended, normally or not. */
bool	smtp_session_finished(const struct smtp_session *session);

/* Returns whether the session ended through an error, a timeout or a 421
 * reply rather than through QUIT. */
bool	smtp_session_failed(const struct smtp_session *session);

/* Returns whether the server has accepted the greeting, EHLO (or HELO or
 * LHLO), STARTTLS and AUTH stages of this session, as far as they apply. */
bool	smtp_session_ready(const struct smtp_session *session);

/*
 * Returns the server's 5xx reply to AUTH, as "535 5.7.8 text", when the
 * session failed because the server rejected the credentials; else NULL.
 * The string lives as long as the session.
 */
const char *smtp_session_auth_error(const struct smtp_session *session);

/* Makes the session claim no more messages: it sends QUIT once the
 * messages in flight have their replies. */
void	smtp_session_stop(struct smtp_session *session);

/* Returns the number of messages that got a final reply in this session. */
size_t	smtp_session_answered(const struct smtp_session *session);

/* Frees the session; messages still in flight go back to the queue. */
void	smtp_session_free(struct smtp_session *session);

/* Returns the CLOCK_MONOTONIC time in milliseconds. */
long long smtp_session_now(void);

#endif
