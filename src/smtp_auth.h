/*
 * smtp_auth - the client side of SMTP AUTH (RFC 4954): choosing a SASL
 * mechanism from the EHLO list and building the base64 responses of
 * PLAIN (RFC 4616), LOGIN and CRAM-MD5 (RFC 2195). The functions are pure
 * and keep no state. Responses carry the password, so free them with
 * smtp_auth_free_secret(), which wipes them first.
 */
#ifndef SMTP_AUTH_H
#define SMTP_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

enum smtp_auth_mechanism {
	SMTP_AUTH_NONE,
	SMTP_AUTH_PLAIN,
	SMTP_AUTH_LOGIN,
	SMTP_AUTH_CRAM_MD5
};

/*
 * Chooses a mechanism from offered, the space-separated argument of the
 * EHLO AUTH keyword (case does not matter). On a plain connection
 * CRAM-MD5 comes first, because it does not send the password; on TLS
 * PLAIN comes first, then LOGIN, then CRAM-MD5. Returns SMTP_AUTH_NONE
 * when none of the three is offered.
 */
enum smtp_auth_mechanism smtp_auth_choose(const char *offered, bool tls);

/* Returns the mechanism's name as sent after AUTH, e.g. "CRAM-MD5". */
const char *smtp_auth_mechanism_name(enum smtp_auth_mechanism mechanism);

/* Encodes length bytes in base64 (RFC 4648) without line breaks. The
 * caller frees the result. */
char   *smtp_auth_base64_encode(const void *bytes, size_t length);

/*
 * Decodes base64 text, which may be empty, into out (replacing what out
 * contains). Returns 0, or -1 when text is not valid base64.
 */
int	smtp_auth_base64_decode(const char *text, struct buf *out);

/* Returns the PLAIN response: base64 of NUL, user, NUL, password. */
char   *smtp_auth_plain_response(const char *user, const char *password);

/*
 * Returns the CRAM-MD5 response to challenge_base64: base64 of the user,
 * a space and the lower-case hex HMAC-MD5 of the decoded challenge keyed
 * with the password. Returns NULL when the challenge is not valid base64
 * or is empty.
 */
char   *smtp_auth_cram_md5_response(const char *user, const char *password,
	    const char *challenge_base64);

/* Overwrites a secret string with zeros and frees it; NULL is allowed. */
void	smtp_auth_free_secret(char *secret);

#endif
