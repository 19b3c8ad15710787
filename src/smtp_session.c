/*
 * smtp_session - state machine for one SMTP or LMTP client connection.
 * Every command sent pushes an entry on a queue of expected replies, so
 * each reply is matched to its command even when commands are pipelined
 * (RFC 2920). With pipelining, the next message's MAIL, RCPT and DATA
 * group follows the previous message's final dot before its reply.
 * STARTTLS and AUTH are never pipelined.
 */
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"
#include "smtp_session_private.h"


/* Per command: its name, the reply classes it may get, and its reply
 * timeout in thousandths of the --timeout value (RFC 5321 4.5.3.2: 5
 * minutes for the greeting, MAIL and RCPT, 2 for DATA, 10 after the data).
 * QUIT uses QUIT_TIMEOUT_MAX_MS at most. */
static const struct command_info {
	const char *name;
	const char *classes;
	unsigned timeout_permille;
} command_infos[] = {
	[COMMAND_GREETING] = { "greeting", "245", 1000 },
	[COMMAND_EHLO] = { "EHLO", "245", 1000 },
	[COMMAND_HELO] = { "HELO", "245", 1000 },
	[COMMAND_LHLO] = { "LHLO", "245", 1000 },
	[COMMAND_STARTTLS] = { "STARTTLS", "245", 1000 },
	[COMMAND_AUTH] = { "AUTH", "2345", 1000 },
	[COMMAND_MAIL] = { "MAIL", "245", 1000 },
	[COMMAND_RCPT] = { "RCPT", "245", 1000 },
	[COMMAND_DATA] = { "DATA", "345", 400 },
	[COMMAND_DOT] = { "end of data", "245", 2000 },
	[COMMAND_RSET] = { "RSET", "245", 1000 },
	[COMMAND_QUIT] = { "QUIT", "2345", 1000 },
};

/* RFC 5321 gives 3 minutes per data block: 3/5 of the greeting timeout. */
#define DATA_BLOCK_TIMEOUT_PERMILLE 600
#define QUIT_TIMEOUT_MAX_MS 10000

/* Output buffers at most this large are kept between messages. */
#define OUT_KEEP_MAX 4096

static void session_read(struct smtp_session *session);
static void session_flush(struct smtp_session *session);

long long
smtp_session_now(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Returns the timeout in milliseconds of the current stage. */
static long long
session_stage_timeout(const struct smtp_session *session)
{
	long long base = (long long)session->settings->timeout * 1000;
	enum command command;

	if (session->state == SESSION_CONNECTING ||
	    session->expected_count == 0)
		return base;
	if (session->writing_data)
		return base * DATA_BLOCK_TIMEOUT_PERMILLE / 1000;
	command = session->expected[session->expected_head].command;
	if (command == COMMAND_QUIT)
		return base < QUIT_TIMEOUT_MAX_MS ? base : QUIT_TIMEOUT_MAX_MS;
	return base * command_infos[command].timeout_permille / 1000;
}

void
session_touch(struct smtp_session *session)
{
	session->deadline = smtp_session_now() + session_stage_timeout(session);
}

void
expected_push(struct smtp_session *session, enum command command,
    struct transaction *transaction, size_t recipient)
{
	struct expected_reply *entry;

	if (session->expected_head + session->expected_count ==
	    session->expected_capacity) {
		if (session->expected_head > 0) {
			memmove(session->expected,
			    session->expected + session->expected_head,
			    session->expected_count * sizeof(*entry));
			session->expected_head = 0;
		} else {
			session->expected_capacity =
			    session->expected_capacity * 2 + 8;
			session->expected = xrealloc(session->expected,
			    session->expected_capacity * sizeof(*entry));
		}
	}
	if (session->expected_count == 0)
		session_touch(session);
	entry = session->expected + session->expected_head +
	    session->expected_count++;
	entry->command = command;
	entry->transaction = transaction;
	entry->recipient = recipient;
}

static struct expected_reply
expected_pop(struct smtp_session *session)
{
	struct expected_reply entry = session->expected[session->expected_head];

	session->expected_head++;
	session->expected_count--;
	if (session->expected_count == 0)
		session->expected_head = 0;
	return entry;
}

void
session_send(struct smtp_session *session, enum command command,
    struct transaction *transaction, size_t recipient, const char *format,
    ...)
{
	va_list	args;
	char   *line;

	va_start(args, format);
	if (vasprintf(&line, format, args) < 0)
		msg_fatal(EX_OSERR, "out of memory");
	va_end(args);
	buf_append_string(&session->out, line);
	buf_append(&session->out, "\r\n", 2);
	free(line);
	expected_push(session, command, transaction, recipient);
}

void
transaction_free(struct transaction *transaction)
{
	size_t	i;

	smtp_reply_free(&transaction->mail_reply);
	for (i = 0; i < transaction->recipient_count; i++) {
		smtp_reply_free(&transaction->rcpt_replies[i]);
		if (transaction->data_replies)
			smtp_reply_free(&transaction->data_replies[i]);
	}
	free(transaction->rcpt_replies);
	free(transaction->data_replies);
	free(transaction);
}

void
transaction_unlink(struct smtp_session *session,
    struct transaction *transaction)
{
	struct transaction **link = &session->transactions;

	while (*link != transaction)
		link = &(*link)->next;
	*link = transaction->next;
}

/* Closes the socket and returns every message in flight to the queue. */
static void
session_abort(struct smtp_session *session)
{
	while (session->transactions) {
		struct transaction *transaction = session->transactions;

		session->transactions = transaction->next;
		inject_queue_release(session->settings->queue,
		    transaction->message);
		transaction->message = NULL;
		transaction_free(transaction);
	}
	smtp_io_close(&session->io);
	session->expected_count = 0;
	session->expected_head = 0;
	session->state = SESSION_FAILED;
}

static size_t
session_in_flight(const struct smtp_session *session)
{
	const struct transaction *transaction;
	size_t	count = 0;

	for (transaction = session->transactions; transaction;
	    transaction = transaction->next)
		count++;
	return count;
}

void
session_fail(struct smtp_session *session, const char *format, ...)
{
	size_t	in_flight = session_in_flight(session);
	va_list	args;
	char   *reason;

	va_start(args, format);
	if (vasprintf(&reason, format, args) < 0)
		msg_fatal(EX_OSERR, "out of memory");
	va_end(args);
	if (in_flight > 0)
		msg_warn("%s: %s; %zu message(s) in flight go back to pending",
		    session->settings->server, reason, in_flight);
	else
		msg_warn("%s: %s", session->settings->server, reason);
	free(reason);
	session_abort(session);
}

/* A best effort: the session ends whether or not the QUIT goes out. */
void
session_write_quit_now(struct smtp_session *session)
{
	size_t	sent;

	buf_append_string(&session->out, "QUIT\r\n");
	(void)smtp_io_write(&session->io, session->out.data + session->out_sent,
	    session->out.length - session->out_sent, &sent);
}

/* Used when the server rejects the session or has closed it with 421. */
void
session_fail_with_quit(struct smtp_session *session,
    const struct smtp_reply *reply, const char *stage)
{
	char   *text = smtp_reply_text(reply, " / ");

	session_write_quit_now(session);
	session_fail(session, "%s: %03d %s", stage, reply->code, text);
	free(text);
}

static void
session_connected(struct smtp_session *session)
{
	session->state = SESSION_GREETING;
	expected_push(session, COMMAND_GREETING, NULL, 0);
}

/* Tries the current address and then the following ones. */
static void
session_connect(struct smtp_session *session)
{
	for (; session->address; session->address = session->address->ai_next) {
		const struct addrinfo *address = session->address;

		smtp_io_init(&session->io, socket(address->ai_family,
		    address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    address->ai_protocol));
		session->sockets_opened++;
		if (session->io.fd < 0) {
			session->connect_errno = errno;
			continue;
		}
		if (connect(session->io.fd, address->ai_addr,
		    address->ai_addrlen) == 0) {
			session_connected(session);
			return;
		}
		if (errno == EINPROGRESS) {
			session->state = SESSION_CONNECTING;
			session_touch(session);
			return;
		}
		session->connect_errno = errno;
		smtp_io_close(&session->io);
	}
	session_fail(session, "connect failed: %s",
	    strerror(session->connect_errno));
}

/* Finishes a non-blocking connect, or moves on to the next address. */
static void
session_connect_check(struct smtp_session *session)
{
	int	error = 0;
	socklen_t length = sizeof(error);

	if (getsockopt(session->io.fd, SOL_SOCKET, SO_ERROR, &error, &length) < 0)
		error = errno;
	if (error == 0) {
		session_connected(session);
		return;
	}
	session->connect_errno = error;
	smtp_io_close(&session->io);
	session->address = session->address->ai_next;
	session_connect(session);
}

struct smtp_session *
smtp_session_create(const struct smtp_session_settings *settings)
{
	struct smtp_session *session = xcalloc(1, sizeof(*session));

	session->settings = settings;
	session->address = settings->addresses;
	session->connect_errno = EHOSTUNREACH;
	smtp_io_init(&session->io, -1);
	smtp_reply_parser_init(&session->parser);
	session_connect(session);
	return session;
}

static void
send_quit(struct smtp_session *session)
{
	session->state = SESSION_QUITTING;
	session_send(session, COMMAND_QUIT, NULL, 0, "QUIT");
}

static void
send_mail(struct smtp_session *session, struct transaction *transaction)
{
	const struct envelope *envelope = &transaction->message->envelope;
	const struct smtp_capabilities *capabilities = &session->capabilities;
	char	size[32] = "";

	if (capabilities->size)
		snprintf(size, sizeof(size), " SIZE=%zu", envelope->size);
	session_send(session, COMMAND_MAIL, transaction, 0,
	    "MAIL FROM:<%s>%s%s%s", envelope->sender, size,
	    envelope->eight_bit && capabilities->eight_bit_mime ?
	    " BODY=8BITMIME" : "",
	    envelope->utf8_address && capabilities->smtputf8 ?
	    " SMTPUTF8" : "");
}

void
send_rcpt(struct smtp_session *session, struct transaction *transaction,
    size_t recipient)
{
	session_send(session, COMMAND_RCPT, transaction, recipient,
	    "RCPT TO:<%s>",
	    transaction->message->envelope.recipients[recipient]);
}

/* Begins a transaction: the whole MAIL, RCPT and DATA group with
 * pipelining, or MAIL alone without. */
static void
transaction_start(struct smtp_session *session, struct inject_message *message)
{
	struct transaction *transaction = xcalloc(1, sizeof(*transaction));
	struct transaction **link = &session->transactions;
	size_t	i;

	transaction->message = message;
	transaction->recipient_count = message->envelope.recipient_count;
	transaction->rcpt_replies = xcalloc(transaction->recipient_count,
	    sizeof(struct smtp_reply));
	while (*link)
		link = &(*link)->next;
	*link = transaction;
	session->started++;

	send_mail(session, transaction);
	if (!session->pipelining)
		return;
	for (i = 0; i < message->envelope.recipient_count; i++)
		send_rcpt(session, transaction, i);
	session_send(session, COMMAND_DATA, transaction, 0, "DATA");
}

/* Returns whether a new transaction may be sent now. */
static bool
session_may_start(const struct smtp_session *session)
{
	const struct transaction *transaction;
	size_t	count = 0;

	if (session->state != SESSION_READY || session->stopping ||
	    session->started >= session->settings->messages_per_connection)
		return false;
	if (!session->pipelining)
		return session->transactions == NULL &&
		    session->expected_count == 0;

	/* Pipeline at most one message behind one that awaits its final
	 * reply, and never behind unresolved MAIL, RCPT or DATA replies. */
	for (transaction = session->transactions; transaction;
	    transaction = transaction->next) {
		if (transaction->phase == PHASE_ENVELOPE)
			return false;
		count++;
	}
	return count < 2;
}

/* Starts what transactions it can; sends QUIT when nothing is left. A
 * session whose next claim waits for --rate or --duration stays open. */
static void
session_start_transactions(struct smtp_session *session)
{
	struct inject_queue *queue = session->settings->queue;
	struct inject_message *message;

	/* Data that a 354 released goes out first, so that the server reads
	 * it while the next message is loaded. */
	if (session->settings->early_data && session->writing_data &&
	    session_may_start(session))
		session_flush(session);
	while (session_may_start(session)) {
		message = inject_queue_claim(queue, smtp_session_now());
		if (message == NULL)
			break;

		/* RFC 6152: 8-bit data needs 8BITMIME; nothing is changed to
		 * make it fit. */
		if (message->envelope.eight_bit &&
		    !session->capabilities.eight_bit_mime) {
			inject_queue_reject(queue, message, "the data has bytes above 127 and the server does not offer 8BITMIME");
			continue;
		}
		if (message->envelope.utf8_address &&
		    !session->capabilities.smtputf8) {
			inject_queue_reject(queue, message, "an address has bytes above 127 and the server does not offer SMTPUTF8");
			continue;
		}
		transaction_start(session, message);
	}
	if (session->state == SESSION_READY && session->transactions == NULL &&
	    session->expected_count == 0 &&
	    (session->started >= session->settings->messages_per_connection ||
	    inject_queue_pending(queue) == 0))
		send_quit(session);
}


/* Returns whether the session has sent transactions and waits, with
 * nothing in flight, for the next claim that --rate or --duration allows.
 * A session that never started one is not idle, so a server that closes
 * every new session still counts as failing. */
static bool
session_idle(const struct smtp_session *session)
{
	return session->state == SESSION_READY && session->started > 0 &&
	    session->expected_count == 0 && session->transactions == NULL &&
	    session->out_sent == session->out.length;
}

/* Ends an idle session that the server closed, or announced to close with
 * 421, after its own idle timeout: nothing was lost, so it is no failure. */
static void
session_end_idle(struct smtp_session *session)
{
	smtp_io_close(&session->io);
	session->state = SESSION_DONE;
}

/* Matches a reply to the oldest command that awaits one. */
static void
session_dispatch(struct smtp_session *session, const struct smtp_reply *reply)
{
	struct expected_reply entry;
	const struct command_info *info;
	char   *text;

	if (session_idle(session) && reply->code == 421) {
		session_end_idle(session);
		return;
	}
	if (session->expected_count == 0) {
		text = smtp_reply_text(reply, " / ");
		session_fail(session, "unexpected reply without a command: %03d %s", reply->code, text);
		free(text);
		return;
	}
	entry = expected_pop(session);
	info = &command_infos[entry.command];
	if (reply->code == 421 && entry.command != COMMAND_QUIT) {
		/* A 421 to the data is that message's final reply, so it is
		 * deferred like any 4xx; only the others go back to pending. */
		if (entry.command == COMMAND_DOT
		    && !entry.transaction->empty_data)
			on_dot(session, entry.transaction, entry.recipient,
			    reply);
		session_fail_with_quit(session, reply, "service closing");
		return;
	}
	if (strchr(info->classes, '0' + smtp_reply_class(reply)) == NULL) {
		text = smtp_reply_text(reply, " / ");
		session_fail(session, "protocol error: unexpected reply to %s: %03d %s", info->name, reply->code, text);
		free(text);
		return;
	}
	session_dispatch_command(session, &entry, reply);
	if (session->state == SESSION_READY)
		session_start_transactions(session);
}

/* Parses received bytes and handles every reply they complete. */
static void
session_feed(struct smtp_session *session, const char *bytes, size_t length)
{
	struct smtp_reply reply;
	enum smtp_reply_status status;
	size_t	used;

	while (length > 0 && session->io.fd >= 0) {
		status = smtp_reply_parser_feed(&session->parser, bytes, length,
		    &used, &reply);
		bytes += used;
		length -= used;
		if (status == SMTP_REPLY_INVALID) {
			session_fail(session, "protocol error: %s",
			    session->parser.error);
			return;
		}
		if (status == SMTP_REPLY_INCOMPLETE)
			return;
		session_dispatch(session, &reply);
		smtp_reply_free(&reply);

		/* Bytes after the reply to STARTTLS came in the clear, so
		 * they must not be taken as replies sent through TLS. */
		if (session->state == SESSION_TLS_HANDSHAKE &&
		    (length > 0 || session->parser.line.length > 0)) {
			session_fail(session, "protocol error: the server sent more data after its reply to STARTTLS");
			return;
		}
		if (session->state == SESSION_TLS_HANDSHAKE)
			return;
	}
}

static void
session_closed_by_server(struct smtp_session *session)
{
	if (session_idle(session)) {
		session_end_idle(session);
		return;
	}
	if (session->state == SESSION_QUITTING) {
		smtp_io_close(&session->io);
		session->state = SESSION_DONE;
		return;
	}
	if (session->expected_count == 0) {
		session_fail(session, "connection closed by the server");
		return;
	}
	session_fail(session, "connection closed by the server while waiting for the reply to %s", command_infos[session->expected[session->expected_head].command].name);
}

static void
session_read(struct smtp_session *session)
{
	char	bytes[16384];
	size_t	count;

	while (session->io.fd >= 0 &&
	    session->state != SESSION_TLS_HANDSHAKE) {
		switch (smtp_io_read(&session->io, bytes, sizeof(bytes),
		    &count)) {
		case SMTP_IO_OK:
			session_feed(session, bytes, count);
			if (session->io.fd >= 0)
				session_touch(session);

			/* A short read from a plain socket emptied it, so poll()
			 * reports when more arrives. TLS may hold decrypted bytes
			 * back, so it is read until it would block, and a reply
			 * to STARTTLS goes on to the handshake below. */
			if (count < sizeof(bytes) && session->io.tls == NULL &&
			    session->state != SESSION_TLS_HANDSHAKE)
				return;
			continue;
		case SMTP_IO_CLOSED:
			session_closed_by_server(session);
			return;
		case SMTP_IO_ERROR:
			session_fail(session, "read failed: %s",
			    smtp_io_error(&session->io));
			return;
		case SMTP_IO_AGAIN:
			return;
		}
	}
	if (session->state == SESSION_TLS_HANDSHAKE)
		session_handshake(session);
}

/* Sends what is buffered until the socket would block. */
static void
session_flush(struct smtp_session *session)
{
	enum smtp_io_status status = SMTP_IO_OK;
	bool	progress = false;
	size_t	count;

	while (session->io.fd >= 0 && session->out_sent < session->out.length) {
		status = smtp_io_write(&session->io,
		    session->out.data + session->out_sent,
		    session->out.length - session->out_sent, &count);
		if (status == SMTP_IO_OK) {
			session->out_sent += count;
			progress = true;
			continue;
		}
		if (status == SMTP_IO_AGAIN)
			break;

		/* The server may have sent a reason before it closed. */
		session_read(session);
		if (session->io.fd >= 0)
			session_fail(session, "write failed: %s",
			    status == SMTP_IO_CLOSED ? "connection closed" :
			    smtp_io_error(&session->io));
		return;
	}
	if (session->out_sent == session->out.length) {
		if (session->out_secret)
			explicit_bzero(session->out.data, session->out.length);
		session->out_secret = false;
		buf_reset(&session->out);
		session->out_sent = 0;

		/* Message data is not kept for the next message, because a
		 * run with 1000 sessions would hold 1000 such buffers. */
		if (session->out.capacity > OUT_KEEP_MAX)
			envelope_data_release(&session->out);
		session->writing_data = false;
	}
	if (progress && session->io.fd >= 0)
		session_touch(session);
}

static void
session_time_out(struct smtp_session *session)
{
	unsigned seconds = (unsigned)(session_stage_timeout(session) / 1000);

	/* A session waiting for its next paced claim is not late. */
	if (session->state == SESSION_READY && session->expected_count == 0 &&
	    !session->writing_data) {
		session_touch(session);
		return;
	}

	/* Every message has its final reply; the 221 is only a courtesy. */
	if (session->state == SESSION_QUITTING) {
		smtp_io_close(&session->io);
		session->state = SESSION_DONE;
		return;
	}
	if (session->state == SESSION_CONNECTING)
		session_fail(session, "connect timed out after %u s", seconds);
	else if (session->state == SESSION_TLS_HANDSHAKE)
		session_fail(session, "TLS handshake timed out after %u s", seconds);
	else if (session->writing_data)
		session_fail(session, "sending message data timed out after %u s", seconds);
	else
		session_fail(session, "timed out after %u s waiting for the reply to %s", seconds, command_infos[session->expected[session->expected_head].command].name);
}

void
smtp_session_process(struct smtp_session *session, short revents,
    long long now_ms)
{
	if (smtp_session_finished(session))
		return;
	if (session->state == SESSION_CONNECTING) {
		if (revents & (POLLOUT | POLLERR | POLLHUP))
			session_connect_check(session);
	} else if (session->state == SESSION_TLS_HANDSHAKE) {
		if (revents != 0)
			session_handshake(session);
	} else if ((revents & (POLLIN | POLLERR | POLLHUP)) ||
	    (session->io.read_wants_write && (revents & POLLOUT))) {
		session_read(session);
	}
	if (session->state == SESSION_READY)
		session_start_transactions(session);
	if (session->io.fd >= 0 && session->state != SESSION_CONNECTING &&
	    session->state != SESSION_TLS_HANDSHAKE)
		session_flush(session);
	if (session->io.fd >= 0 && now_ms >= session->deadline)
		session_time_out(session);
}

int
smtp_session_poll_fd(const struct smtp_session *session, short *events,
    unsigned long *opening)
{
	*events = 0;
	*opening = session->sockets_opened;
	if (smtp_session_finished(session))
		return -1;
	if (session->state == SESSION_CONNECTING)
		*events = POLLOUT;
	else
		*events = smtp_io_events(&session->io,
		    session->out_sent < session->out.length);
	return session->io.fd;
}

long long
smtp_session_deadline(const struct smtp_session *session)
{
	if (smtp_session_finished(session))
		return LLONG_MAX;
	return session->deadline;
}

bool
smtp_session_finished(const struct smtp_session *session)
{
	return session->state == SESSION_DONE ||
	    session->state == SESSION_FAILED;
}

bool
smtp_session_failed(const struct smtp_session *session)
{
	return session->state == SESSION_FAILED;
}

bool
smtp_session_ready(const struct smtp_session *session)
{
	return session->state == SESSION_READY ||
	    session->state == SESSION_QUITTING || session->started > 0;
}

const char *
smtp_session_auth_error(const struct smtp_session *session)
{
	return session->auth_error;
}

void
smtp_session_stop(struct smtp_session *session)
{
	session->stopping = true;
	if (session->state == SESSION_READY)
		session_start_transactions(session);
}

size_t
smtp_session_answered(const struct smtp_session *session)
{
	return session->answered;
}

void
smtp_session_free(struct smtp_session *session)
{
	if (!smtp_session_finished(session))
		session_abort(session);
	smtp_reply_parser_free(&session->parser);
	if (session->out.data != NULL)
		explicit_bzero(session->out.data, session->out.capacity);
	buf_free(&session->out);
	free(session->auth_error);
	free(session->expected);
	free(session);
}
