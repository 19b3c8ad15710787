/*
 * smtp_auth - SASL mechanism choice and responses for SMTP AUTH. Base64
 * and HMAC-MD5 come from OpenSSL's libcrypto.
 */
#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "msg.h"
#include "smtp_auth.h"

static const char *const mechanism_names[] = {
	[SMTP_AUTH_NONE] = "",
	[SMTP_AUTH_PLAIN] = "PLAIN",
	[SMTP_AUTH_LOGIN] = "LOGIN",
	[SMTP_AUTH_CRAM_MD5] = "CRAM-MD5",
};

const char *
smtp_auth_mechanism_name(enum smtp_auth_mechanism mechanism)
{
	return mechanism_names[mechanism];
}

/* Returns whether the space-separated list contains name, ignoring case. */
static bool
list_contains(const char *list, const char *name)
{
	size_t	length = strlen(name);
	const char *p = list;

	while (*p != '\0') {
		size_t	word = strcspn(p, " ");

		if (word == length && strncasecmp(p, name, length) == 0)
			return true;
		p += word;
		p += strspn(p, " ");
	}
	return false;
}

enum smtp_auth_mechanism
smtp_auth_choose(const char *offered, bool tls)
{
	static const enum smtp_auth_mechanism plain_order[] = {
		SMTP_AUTH_CRAM_MD5, SMTP_AUTH_PLAIN, SMTP_AUTH_LOGIN
	};
	static const enum smtp_auth_mechanism tls_order[] = {
		SMTP_AUTH_PLAIN, SMTP_AUTH_LOGIN, SMTP_AUTH_CRAM_MD5
	};
	const enum smtp_auth_mechanism *order = tls ? tls_order : plain_order;
	size_t	i;

	for (i = 0; i < 3; i++) {
		if (list_contains(offered, mechanism_names[order[i]]))
			return order[i];
	}
	return SMTP_AUTH_NONE;
}

char   *
smtp_auth_base64_encode(const void *bytes, size_t length)
{
	char   *text = xmalloc(4 * ((length + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)text, bytes, (int)length);
	return text;
}

int
smtp_auth_base64_decode(const char *text, struct buf *out)
{
	size_t	length = strlen(text);
	size_t	padding = 0;
	size_t	i;
	int	decoded;

	buf_reset(out);
	if (length % 4 != 0)
		return -1;
	for (i = 0; i < length; i++) {
		unsigned char c = (unsigned char)text[i];

		/* EVP_DecodeBlock skips blanks, which base64 in SMTP never
		 * contains, and accepts '=' anywhere. */
		if (c == '=' && i + 2 >= length)
			padding++;
		else if (!isalnum(c) && c != '+' && c != '/')
			return -1;
	}
	if (padding > 0 && text[length - 1] != '=')
		return -1;
	buf_reserve(out, length / 4 * 3 + 1);
	decoded = EVP_DecodeBlock((unsigned char *)out->data,
	    (const unsigned char *)text, (int)length);
	if (decoded < 0)
		return -1;
	out->length = (size_t)decoded - padding;
	out->data[out->length] = '\0';
	return 0;
}

char   *
smtp_auth_plain_response(const char *user, const char *password)
{
	struct buf message = BUF_INIT;
	char   *response;

	buf_append_byte(&message, '\0');
	buf_append_string(&message, user);
	buf_append_byte(&message, '\0');
	buf_append_string(&message, password);
	response = smtp_auth_base64_encode(message.data, message.length);
	explicit_bzero(message.data, message.capacity);
	buf_free(&message);
	return response;
}

char   *
smtp_auth_cram_md5_response(const char *user, const char *password,
    const char *challenge_base64)
{
	struct buf challenge = BUF_INIT;
	struct buf answer = BUF_INIT;
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int digest_length = 0;
	char   *response = NULL;
	unsigned int i;

	if (smtp_auth_base64_decode(challenge_base64, &challenge) < 0 ||
	    challenge.length == 0)
		goto done;
	if (HMAC(EVP_md5(), password, (int)strlen(password),
	    (const unsigned char *)challenge.data, challenge.length, digest,
	    &digest_length) == NULL)
		goto done;
	buf_append_string(&answer, user);
	buf_append_byte(&answer, ' ');
	for (i = 0; i < digest_length; i++)
		buf_appendf(&answer, "%02x", digest[i]);
	response = smtp_auth_base64_encode(answer.data, answer.length);
done:
	explicit_bzero(digest, sizeof(digest));
	if (answer.data != NULL)
		explicit_bzero(answer.data, answer.capacity);
	buf_free(&answer);
	buf_free(&challenge);
	return response;
}

void
smtp_auth_free_secret(char *secret)
{
	if (secret == NULL)
		return;
	explicit_bzero(secret, strlen(secret));
	free(secret);
}
