/*
 * smtp_session_reply - what a session does with each reply: the greeting
 * and hello replies, the replies of a mail transaction (MAIL, RCPT, DATA
 * and the final dot, one per recipient with LMTP), and RSET. The outcome
 * of a message is recorded in the queue here.
 */
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "smtp_session_private.h"

/* Returns the reply that decides a recipient's outcome. */
static const struct smtp_reply *
recipient_reply(const struct transaction *transaction, size_t recipient,
    const struct smtp_reply *final)
{
	const struct smtp_reply *rcpt = &transaction->rcpt_replies[recipient];

	if (smtp_reply_class(&transaction->mail_reply) != 2)
		return &transaction->mail_reply;
	if (smtp_reply_class(rcpt) != 2)
		return rcpt;
	if (transaction->data_replies != NULL)
		return &transaction->data_replies[recipient];
	return final;
}

/* Logs every recipient, records the outcome in the queue and frees the
 * transaction. */
static void
transaction_answer(struct smtp_session *session,
    struct transaction *transaction, const struct smtp_reply *decisive,
    const struct smtp_reply *final)
{
	struct inject_queue *queue = session->settings->queue;
	struct inject_message *message = transaction->message;
	enum inject_outcome outcome = INJECT_REJECTED;
	size_t	i;

	for (i = 0; i < message->envelope.recipient_count; i++) {
		const struct smtp_reply *reply =
		    recipient_reply(transaction, i, final);

		inject_queue_log(queue, message,
		    message->envelope.recipients[i],
		    reply && reply->code ? reply : NULL, "no reply");
	}
	if (smtp_reply_class(decisive) == 2)
		outcome = INJECT_ACCEPTED;
	else if (smtp_reply_class(decisive) == 4)
		outcome = INJECT_DEFERRED;
	transaction_unlink(session, transaction);
	inject_queue_answer(queue, message, outcome, decisive);
	session->answered++;
	transaction_free(transaction);
}

/*
 * Records the outcome of a transaction that failed before its data. The
 * MAIL reply decides when MAIL was refused, else the first 4xx RCPT reply
 * (deferred), else the first RCPT reply (rejected). Then sends RSET,
 * because the server may still keep the sender.
 */
static void
transaction_refuse(struct smtp_session *session,
    struct transaction *transaction)
{
	const struct smtp_reply *decisive = &transaction->mail_reply;
	size_t	count = transaction->message->envelope.recipient_count;
	size_t	i;

	if (smtp_reply_class(decisive) == 2) {
		const struct smtp_reply *replies = transaction->rcpt_replies;

		decisive = &replies[0];
		for (i = 0; i < count; i++) {
			if (smtp_reply_class(&replies[i]) == 4) {
				decisive = &replies[i];
				break;
			}
		}
	}
	transaction_answer(session, transaction, decisive, NULL);
	session_send(session, COMMAND_RSET, NULL, 0, "RSET");
}

void
send_hello(struct smtp_session *session)
{
	const struct smtp_session_settings *settings = session->settings;

	session->state = SESSION_HELLO;
	if (settings->lmtp)
		session_send(session, COMMAND_LHLO, NULL, 0, "LHLO %s",
		    settings->helo_name);
	else
		session_send(session, COMMAND_EHLO, NULL, 0, "EHLO %s",
		    settings->helo_name);
}

static void
on_greeting(struct smtp_session *session, const struct smtp_reply *reply)
{
	if (smtp_reply_class(reply) != 2) {
		session_fail_with_quit(session, reply, "greeting refused");
		return;
	}
	send_hello(session);
}

static void
on_ehlo(struct smtp_session *session, const struct smtp_reply *reply)
{
	if (smtp_reply_class(reply) == 5) {
		session_send(session, COMMAND_HELO, NULL, 0, "HELO %s",
		    session->settings->helo_name);
		return;
	}
	if (smtp_reply_class(reply) != 2) {
		session_fail_with_quit(session, reply, "EHLO refused");
		return;
	}
	smtp_capabilities_parse(&session->capabilities, reply);
	session->pipelining = session->capabilities.pipelining;
	session_hello_done(session);
}

static void
on_helo(struct smtp_session *session, const struct smtp_reply *reply)
{
	if (smtp_reply_class(reply) != 2) {
		session_fail_with_quit(session, reply, "HELO refused");
		return;
	}
	memset(&session->capabilities, 0, sizeof(session->capabilities));
	session->pipelining = false;
	session_hello_done(session);
}

/* LMTP has no HELO to fall back to (RFC 2033 4.1). */
static void
on_lhlo(struct smtp_session *session, const struct smtp_reply *reply)
{
	if (smtp_reply_class(reply) != 2) {
		session_fail_with_quit(session, reply, "LHLO refused");
		return;
	}
	smtp_capabilities_parse(&session->capabilities, reply);
	session->pipelining = session->capabilities.pipelining;
	session_hello_done(session);
}

static void
on_mail(struct smtp_session *session, struct transaction *transaction,
    const struct smtp_reply *reply)
{
	smtp_reply_copy(&transaction->mail_reply, reply);
	if (session->pipelining)
		return;
	if (smtp_reply_class(reply) == 2)
		send_rcpt(session, transaction, 0);
	else
		transaction_refuse(session, transaction);
}

static void
on_rcpt(struct smtp_session *session, struct transaction *transaction,
    size_t recipient, const struct smtp_reply *reply)
{
	smtp_reply_copy(&transaction->rcpt_replies[recipient], reply);
	if (smtp_reply_class(reply) == 2 &&
	    smtp_reply_class(&transaction->mail_reply) == 2)
		transaction->accepted++;
	if (session->pipelining)
		return;
	if (recipient + 1 < transaction->message->envelope.recipient_count)
		send_rcpt(session, transaction, recipient + 1);
	else if (transaction->accepted > 0)
		session_send(session, COMMAND_DATA, transaction, 0, "DATA");
	else
		transaction_refuse(session, transaction);
}

/* Expects the reply to the data: one, or with LMTP one per accepted
 * recipient, in RCPT order (RFC 2033 4.2). */
static void
expect_data_replies(struct smtp_session *session,
    struct transaction *transaction)
{
	size_t	count = transaction->recipient_count;
	size_t	i;

	if (!session->settings->lmtp) {
		expected_push(session, COMMAND_DOT, transaction, 0);
		return;
	}
	transaction->data_replies = xcalloc(count, sizeof(struct smtp_reply));
	for (i = 0; i < count; i++) {
		if (smtp_reply_class(&transaction->rcpt_replies[i]) != 2)
			continue;
		expected_push(session, COMMAND_DOT, transaction, i);
		transaction->data_replies_due++;
	}
}

/*
 * Returns the LMTP reply that decides the message's outcome. The first
 * 2xx wins, because the message reached at least that recipient. Without
 * one, the first 4xx (deferred) wins, and without that the first 5xx.
 */
static const struct smtp_reply *
lmtp_decisive_reply(const struct transaction *transaction)
{
	const struct smtp_reply *first[6] = { NULL };
	size_t	i;

	for (i = 0; i < transaction->recipient_count; i++) {
		const struct smtp_reply *reply = &transaction->data_replies[i];
		int	class = smtp_reply_class(reply);

		if (reply->code != 0 && class >= 2 && class <= 5 &&
		    first[class] == NULL)
			first[class] = reply;
	}
	if (first[2] != NULL)
		return first[2];
	return first[4] != NULL ? first[4] : first[5];
}

/* Stores one recipient's LMTP data reply and records the message's outcome
 * once all have come. A 421 counts for every reply still due, because the
 * server closes the connection after it. */
static void
on_lmtp_dot(struct smtp_session *session, struct transaction *transaction,
    size_t recipient, const struct smtp_reply *reply)
{
	size_t	i;

	smtp_reply_copy(&transaction->data_replies[recipient], reply);
	transaction->data_replies_due--;
	for (i = 0; reply->code == 421 && i < transaction->recipient_count;
	    i++) {
		if (smtp_reply_class(&transaction->rcpt_replies[i]) == 2 &&
		    transaction->data_replies[i].code == 0) {
			smtp_reply_copy(&transaction->data_replies[i], reply);
			transaction->data_replies_due--;
		}
	}
	if (transaction->data_replies_due > 0)
		return;
	transaction_answer(session, transaction,
	    lmtp_decisive_reply(transaction), NULL);
}

/*
 * Moves a message's data to the output. An empty output buffer trades
 * places with the data, so that a large message is not copied; else the
 * data is appended. Either way the message keeps no second copy, because
 * nothing reads its data after the 354.
 */
static void
session_take_data(struct smtp_session *session, struct buf *data)
{
	struct buf empty;

	if (session->out_sent == session->out.length && !session->out_secret) {
		empty = session->out;
		buf_reset(&empty);
		session->out = *data;
		session->out_sent = 0;
		*data = empty;
		return;
	}
	buf_append(&session->out, data->data, data->length);
	envelope_data_release(data);
}

/*
 * After 354, sends the data when a recipient was accepted. A pipelining
 * server may give 354 with no valid recipient (RFC 2920 3.1). Then only
 * the final dot goes out, so the body never reaches the server.
 */
static void
on_data(struct smtp_session *session, struct transaction *transaction,
    const struct smtp_reply *reply)
{
	struct buf *data = &transaction->message->envelope.data;

	if (smtp_reply_class(reply) == 3 && transaction->accepted > 0) {
		session_take_data(session, data);
		session->writing_data = true;
		transaction->phase = PHASE_DATA;
		expect_data_replies(session, transaction);
	} else if (smtp_reply_class(reply) == 3) {
		buf_append(&session->out, ".\r\n", 3);
		transaction->empty_data = true;
		expected_push(session, COMMAND_DOT, transaction, 0);
	} else if (transaction->accepted == 0) {
		transaction_refuse(session, transaction);
	} else {
		transaction_answer(session, transaction, reply, reply);
		session_send(session, COMMAND_RSET, NULL, 0, "RSET");
	}
}

void
on_dot(struct smtp_session *session, struct transaction *transaction,
    size_t recipient, const struct smtp_reply *reply)
{
	if (transaction->data_replies != NULL)
		on_lmtp_dot(session, transaction, recipient, reply);
	else if (transaction->empty_data)
		transaction_refuse(session, transaction);
	else
		transaction_answer(session, transaction, reply, reply);
}

static void
on_rset(struct smtp_session *session, const struct smtp_reply *reply)
{
	char   *text;

	if (smtp_reply_class(reply) == 2)
		return;
	text = smtp_reply_text(reply, " / ");
	session_fail(session, "RSET refused: %03d %s", reply->code, text);
	free(text);
}

void
session_dispatch_command(struct smtp_session *session,
    const struct expected_reply *entry, const struct smtp_reply *reply)
{
	switch (entry->command) {
	case COMMAND_GREETING:
		on_greeting(session, reply);
		break;
	case COMMAND_EHLO:
		on_ehlo(session, reply);
		break;
	case COMMAND_HELO:
		on_helo(session, reply);
		break;
	case COMMAND_LHLO:
		on_lhlo(session, reply);
		break;
	case COMMAND_STARTTLS:
		on_starttls(session, reply);
		break;
	case COMMAND_AUTH:
		on_auth(session, reply);
		break;
	case COMMAND_MAIL:
		on_mail(session, entry->transaction, reply);
		break;
	case COMMAND_RCPT:
		on_rcpt(session, entry->transaction, entry->recipient, reply);
		break;
	case COMMAND_DATA:
		on_data(session, entry->transaction, reply);
		break;
	case COMMAND_DOT:
		on_dot(session, entry->transaction, entry->recipient, reply);
		break;
	case COMMAND_RSET:
		on_rset(session, reply);
		break;
	case COMMAND_QUIT:
		smtp_io_close(&session->io);
		session->state = SESSION_DONE;
		break;
	}
}
