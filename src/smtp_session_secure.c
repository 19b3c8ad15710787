/*
 * smtp_session_secure - the STARTTLS (RFC 3207) and AUTH (RFC 4954) steps
 * of a session, between the EHLO reply and the first mail transaction.
 * Credentials go out only through send_auth_secret(), which marks the
 * output buffer to be wiped once it is sent.
 */
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "smtp_session_private.h"
#include "tls_client.h"

/* Returns why the session must not go on without TLS, or NULL. */
static const char *
session_tls_requirement(const struct smtp_session *session)
{
	const struct smtp_session_settings *settings = session->settings;

	if (settings->tls_policy == SMTP_TLS_ALWAYS)
		return "--starttls always requires TLS";
	if (settings->tls_policy != SMTP_TLS_AUTO)
		return NULL;
	if (settings->auth_user != NULL)
		return "credentials are sent only over TLS unless --starttls is opportunistic or never";
	if (settings->tls_verify)
		return "--tls-verify requires TLS unless --starttls is opportunistic";
	return NULL;
}

static void session_auth_start(struct smtp_session *session);

void
session_hello_done(struct smtp_session *session)
{
	const struct smtp_session_settings *settings = session->settings;
	const char *requirement = session_tls_requirement(session);

	if (!session->io.tls_ready && !session->starttls_refused &&
	    settings->tls_policy != SMTP_TLS_NEVER &&
	    session->capabilities.starttls) {
		session->state = SESSION_STARTTLS;
		session_send(session, COMMAND_STARTTLS, NULL, 0, "STARTTLS");
		return;
	}
	if (!session->io.tls_ready && requirement != NULL) {
		session_write_quit_now(session);
		session_fail(session, "%s, but the server does not offer STARTTLS", requirement);
		return;
	}
	if (settings->auth_user != NULL) {
		session_auth_start(session);
		return;
	}
	session->state = SESSION_READY;
}

/* After 220 to STARTTLS, starts the handshake; after a refusal, goes on
 * in the clear unless TLS is required. */
void
on_starttls(struct smtp_session *session, const struct smtp_reply *reply)
{
	static bool refusal_warned;
	char   *text;

	if (smtp_reply_class(reply) == 2) {
		buf_reset(&session->out);
		session->out_sent = 0;
		smtp_io_start_tls(&session->io, session->settings->tls,
		    session->settings->tls_host);
		session->state = SESSION_TLS_HANDSHAKE;
		session_touch(session);
		return;
	}
	if (session_tls_requirement(session) != NULL) {
		session_fail_with_quit(session, reply, "STARTTLS refused");
		return;
	}

	/* With many sessions, one warning per run is enough. */
	if (!refusal_warned) {
		text = smtp_reply_text(reply, " / ");
		msg_warn("%s: STARTTLS refused: %03d %s; going on without TLS (warned once per run)", session->settings->server, reply->code, text);
		free(text);
		refusal_warned = true;
	}
	session->starttls_refused = true;
	session_hello_done(session);
}

void
session_handshake(struct smtp_session *session)
{
	switch (smtp_io_handshake(&session->io)) {
	case SMTP_IO_OK:
		/* RFC 3207 4.2: forget what the server offered in the clear,
		 * and learn its capabilities again. */
		memset(&session->capabilities, 0,
		    sizeof(session->capabilities));
		session->pipelining = false;
		send_hello(session);
		break;
	case SMTP_IO_AGAIN:
		break;
	case SMTP_IO_CLOSED:
	case SMTP_IO_ERROR:
		session_fail(session, "%s", smtp_io_error(&session->io));
		break;
	}
}

/* Appends a line that carries credentials; it is wiped once sent. */
static void
send_auth_secret(struct smtp_session *session, const char *prefix,
    const char *secret)
{
	buf_append_string(&session->out, prefix);
	buf_append_string(&session->out, secret);
	buf_append(&session->out, "\r\n", 2);
	session->out_secret = true;
	expected_push(session, COMMAND_AUTH, NULL, 0);
}

/* Chooses a mechanism and sends AUTH: PLAIN with its initial response,
 * LOGIN and CRAM-MD5 without one. */
static void
session_auth_start(struct smtp_session *session)
{
	const struct smtp_session_settings *settings = session->settings;
	const char *offered = session->capabilities.auth_mechanisms;
	char   *response;

	session->auth_mechanism = smtp_auth_choose(offered,
	    session->io.tls_ready);
	if (session->auth_mechanism == SMTP_AUTH_NONE) {
		session_write_quit_now(session);
		session_fail(session, "the server offers no AUTH mechanism that spoolinject supports (PLAIN, LOGIN, CRAM-MD5); offered: \"%s\"", offered);
		return;
	}
	session->state = SESSION_AUTH;
	if (session->auth_mechanism != SMTP_AUTH_PLAIN) {
		session_send(session, COMMAND_AUTH, NULL, 0, "AUTH %s",
		    smtp_auth_mechanism_name(session->auth_mechanism));
		return;
	}
	response = smtp_auth_plain_response(settings->auth_user,
	    settings->auth_password);
	send_auth_secret(session, "AUTH PLAIN ", response);
	smtp_auth_free_secret(response);
	session->auth_initial_response = true;
}

/* Sends the response to a 334 challenge. LOGIN sends the user name to the
 * first and the password to the second, whatever their text is. */
static void
auth_answer_challenge(struct smtp_session *session,
    const struct smtp_reply *reply)
{
	const struct smtp_session_settings *settings = session->settings;
	const char *user = settings->auth_user;
	const char *password = settings->auth_password;
	unsigned answered = session->auth_responses;
	char   *response = NULL;

	switch (session->auth_mechanism) {
	case SMTP_AUTH_PLAIN:
		if (!session->auth_initial_response && answered == 0)
			response = smtp_auth_plain_response(user, password);
		break;
	case SMTP_AUTH_LOGIN:
		if (answered < 2)
			response = smtp_auth_base64_encode(
			    answered == 0 ? user : password,
			    strlen(answered == 0 ? user : password));
		break;
	case SMTP_AUTH_CRAM_MD5:
		if (answered == 0)
			response = smtp_auth_cram_md5_response(user, password,
			    reply->line_count > 0 ? reply->lines[0] : "");
		break;
	case SMTP_AUTH_NONE:
		break;
	}
	if (response == NULL) {
		session_fail_with_quit(session, reply,
		    "AUTH: unexpected or invalid challenge");
		return;
	}
	session->auth_responses++;
	send_auth_secret(session, "", response);
	smtp_auth_free_secret(response);
}

/* A 5xx means the credentials are wrong, so the caller stops the whole
 * run. */
void
on_auth(struct smtp_session *session, const struct smtp_reply *reply)
{
	const char *name = smtp_auth_mechanism_name(session->auth_mechanism);
	char   *text;

	switch (smtp_reply_class(reply)) {
	case 2:
		session->state = SESSION_READY;
		return;
	case 3:
		auth_answer_challenge(session, reply);
		return;
	case 4:
		session_fail_with_quit(session, reply, "AUTH failed");
		return;
	}

	/* A server that does not take an initial response gets the
	 * challenge flow, once. */
	if ((reply->code == 501 || reply->code == 504) &&
	    session->auth_initial_response && !session->auth_fallen_back) {
		session->auth_initial_response = false;
		session->auth_fallen_back = true;
		session->auth_responses = 0;
		session_send(session, COMMAND_AUTH, NULL, 0, "AUTH %s", name);
		return;
	}
	text = smtp_reply_text(reply, " / ");
	free(session->auth_error);
	session->auth_error = xasprintf("%03d%s%s %s", reply->code,
	    reply->enhanced[0] ? " " : "", reply->enhanced, text);
	free(text);
	session_fail_with_quit(session, reply, "AUTH rejected");
}
