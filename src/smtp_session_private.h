/*
 * smtp_session_private - the state of an SMTP or LMTP session, shared by
 * smtp_session.c (connection, transactions, replies) and
 * smtp_session_secure.c (STARTTLS and AUTH). Nothing else includes it.
 */
#ifndef SMTP_SESSION_PRIVATE_H
#define SMTP_SESSION_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "smtp_auth.h"
#include "smtp_io.h"
#include "smtp_reply.h"
#include "smtp_session.h"

enum session_state {
	SESSION_CONNECTING,
	SESSION_GREETING,	/* waiting for the 220 greeting */
	SESSION_HELLO,		/* EHLO, HELO or LHLO sent */
	SESSION_STARTTLS,	/* STARTTLS sent */
	SESSION_TLS_HANDSHAKE,	/* TLS handshake running */
	SESSION_AUTH,		/* AUTH exchange running */
	SESSION_READY,		/* running mail transactions */
	SESSION_QUITTING,	/* QUIT sent */
	SESSION_DONE,
	SESSION_FAILED
};

enum command {
	COMMAND_GREETING,
	COMMAND_EHLO,
	COMMAND_HELO,
	COMMAND_LHLO,
	COMMAND_STARTTLS,
	COMMAND_AUTH,		/* AUTH and each response to a challenge */
	COMMAND_MAIL,
	COMMAND_RCPT,
	COMMAND_DATA,
	COMMAND_DOT,		/* the message data and its final dot */
	COMMAND_RSET,
	COMMAND_QUIT
};


enum transaction_phase {
	PHASE_ENVELOPE,		/* MAIL, RCPT or DATA replies outstanding,
				 * or an empty data transfer */
	PHASE_DATA		/* message data sent, final reply outstanding */
};

/* One message in flight on this connection. */
struct transaction {
	struct inject_message *message;
	enum transaction_phase phase;
	struct smtp_reply mail_reply;		/* code 0 until it arrives */
	struct smtp_reply *rcpt_replies;	/* one per recipient */
	size_t	recipient_count;
	size_t	accepted;			/* recipients given 2xx */
	bool	empty_data;			/* only "." sent after 354 */
	struct smtp_reply *data_replies;	/* LMTP: one per recipient */
	size_t	data_replies_due;		/* LMTP: still to come */
	struct transaction *next;
};

struct expected_reply {
	enum command command;
	struct transaction *transaction;	/* NULL outside transactions */
	size_t	recipient;			/* index, for RCPT */
};

struct smtp_session {
	const struct smtp_session_settings *settings;
	const struct addrinfo *address;		/* address being tried */
	int	connect_errno;			/* last connect failure */
	struct smtp_io io;
	unsigned long sockets_opened;		/* io.fd's so far */
	enum session_state state;
	struct smtp_reply_parser parser;
	struct buf out;				/* bytes not yet sent */
	size_t	out_sent;
	bool	writing_data;			/* out holds message data */
	bool	out_secret;			/* out holds credentials */
	struct expected_reply *expected;	/* FIFO of replies due */
	size_t	expected_head;
	size_t	expected_count;
	size_t	expected_capacity;
	struct transaction *transactions;	/* oldest first */
	struct smtp_capabilities capabilities;
	bool	pipelining;
	bool	starttls_refused;		/* go on in the clear */
	enum smtp_auth_mechanism auth_mechanism;
	unsigned auth_responses;		/* challenges answered */
	bool	auth_initial_response;		/* sent on the AUTH line */
	bool	auth_fallen_back;		/* AUTH resent without it */
	char   *auth_error;			/* 5xx reply to AUTH */
	bool	stopping;			/* claim no more messages */
	size_t	started;			/* transactions begun */
	size_t	answered;			/* final replies received */
	long long deadline;
};
/* Functions of smtp_session.c that the other smtp_session files use. */

/* Restarts the stage timer after progress. */
void	session_touch(struct smtp_session *session);

/* Expects one more reply, to command. */
void	expected_push(struct smtp_session *session, enum command command,
	    struct transaction *transaction, size_t recipient);

/* Appends one command line and the reply it expects. */
void	session_send(struct smtp_session *session, enum command command,
	    struct transaction *transaction, size_t recipient,
	    const char *format, ...)
	__attribute__((format(printf, 5, 6)));

/* Warns with the reason and ends the session without a QUIT. */
void	session_fail(struct smtp_session *session, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

/* Writes QUIT after what is buffered, without waiting for it to go out. */
void	session_write_quit_now(struct smtp_session *session);

/* Sends QUIT without waiting for its reply, then fails the session with
 * the stage and the reply. */
void	session_fail_with_quit(struct smtp_session *session,
	    const struct smtp_reply *reply, const char *stage);

/* Frees a transaction, which no list links any longer. */
void	transaction_free(struct transaction *transaction);

/* Takes a transaction out of the session's list. */
void	transaction_unlink(struct smtp_session *session,
	    struct transaction *transaction);

/* Sends RCPT TO for the transaction's recipient number recipient. */
void	send_rcpt(struct smtp_session *session,
	    struct transaction *transaction, size_t recipient);

/* Functions of smtp_session_reply.c. */

/* Sends EHLO, or LHLO for LMTP. */
void	send_hello(struct smtp_session *session);

/* Handles the reply to the end of a message's data: for a recipient with
 * LMTP, else for the whole transaction. */
void	on_dot(struct smtp_session *session, struct transaction *transaction,
	    size_t recipient, const struct smtp_reply *reply);

/* Hands a reply to the handler of the command it replies to. */
void	session_dispatch_command(struct smtp_session *session,
	    const struct expected_reply *entry, const struct smtp_reply *reply);

/* Functions of smtp_session_secure.c. */

/* Goes on after the reply to EHLO, HELO or LHLO, or after a refused
 * STARTTLS: to STARTTLS, to AUTH, or to the mail transactions. */
void	session_hello_done(struct smtp_session *session);

/* Handles the reply to STARTTLS. */
void	on_starttls(struct smtp_session *session,
	    const struct smtp_reply *reply);

/* Advances the TLS handshake; once done, sends EHLO or LHLO again. */
void	session_handshake(struct smtp_session *session);

/* Handles each reply of the AUTH exchange. */
void	on_auth(struct smtp_session *session, const struct smtp_reply *reply);

#endif
