/*
 * Unit tests for the SMTP AUTH helpers: mechanism choice, base64 both
 * ways, and the PLAIN and CRAM-MD5 responses against published examples.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "smtp_auth.h"

static const struct choose_case {
	const char *offered;
	bool	tls;
	enum smtp_auth_mechanism expected;
} choose_cases[] = {
	{ "PLAIN LOGIN CRAM-MD5", false, SMTP_AUTH_CRAM_MD5 },
	{ "PLAIN LOGIN CRAM-MD5", true, SMTP_AUTH_PLAIN },
	{ "LOGIN PLAIN", false, SMTP_AUTH_PLAIN },
	{ "LOGIN", true, SMTP_AUTH_LOGIN },
	{ "login", false, SMTP_AUTH_LOGIN },
	{ "cram-md5", true, SMTP_AUTH_CRAM_MD5 },
	{ "SCRAM-SHA-256 XOAUTH2", false, SMTP_AUTH_NONE },
	{ "DIGEST-MD5  GSSAPI  LOGIN", false, SMTP_AUTH_LOGIN },
	{ "PLAINTEXT", true, SMTP_AUTH_NONE },
	{ "", true, SMTP_AUTH_NONE },
};

Test(smtp_auth, choose_by_connection)
{
	size_t	i;

	for (i = 0; i < sizeof(choose_cases) / sizeof(choose_cases[0]); i++) {
		const struct choose_case *c = &choose_cases[i];
		enum smtp_auth_mechanism got = smtp_auth_choose(c->offered,
		    c->tls);

		cr_expect_eq(got, c->expected,
		    "offered \"%s\" on %s: got %s, expected %s", c->offered,
		    c->tls ? "TLS" : "a plain connection",
		    smtp_auth_mechanism_name(got),
		    smtp_auth_mechanism_name(c->expected));
	}
}

/* RFC 4648 section 10 test vectors. */
static const char *const base64_cases[][2] = {
	{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};

Test(smtp_auth, base64_round_trip)
{
	struct buf decoded = BUF_INIT;
	size_t	i;

	for (i = 0; i < sizeof(base64_cases) / sizeof(base64_cases[0]); i++) {
		const char *plain = base64_cases[i][0];
		const char *encoded = base64_cases[i][1];
		char   *got = smtp_auth_base64_encode(plain, strlen(plain));

		cr_expect_str_eq(got, encoded, "encode \"%s\": got \"%s\", expected \"%s\"", plain, got, encoded);
		free(got);
		cr_expect_eq(smtp_auth_base64_decode(encoded, &decoded), 0,
		    "decode \"%s\" failed", encoded);
		cr_expect_eq(decoded.length, strlen(plain),
		    "decode \"%s\": length %zu, expected %zu", encoded,
		    decoded.length, strlen(plain));
		cr_expect(decoded.length == 0 ||
		    memcmp(decoded.data, plain, decoded.length) == 0,
		    "decode \"%s\": got \"%s\", expected \"%s\"", encoded,
		    decoded.data, plain);
	}
	buf_free(&decoded);
}

Test(smtp_auth, base64_decode_invalid)
{
	static const char *const invalid[] = {
		"Zg=", "Zm9v!", "Z===", "Zg=a", "Zm 9v", "=Zm9", "Zm9vY",
	};
	struct buf decoded = BUF_INIT;
	size_t	i;

	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
		cr_expect_eq(smtp_auth_base64_decode(invalid[i], &decoded), -1,
		    "\"%s\" accepted as base64", invalid[i]);
	buf_free(&decoded);
}

Test(smtp_auth, base64_binary)
{
	char   *got = smtp_auth_base64_encode("Password\0", 9);
	struct buf decoded = BUF_INIT;

	cr_expect_str_eq(got, "UGFzc3dvcmQA");
	free(got);
	cr_assert_eq(smtp_auth_base64_decode("UGFzc3dvcmQA", &decoded), 0);
	cr_expect_eq(decoded.length, 9);
	cr_expect(memcmp(decoded.data, "Password\0", 9) == 0);
	buf_free(&decoded);
}

Test(smtp_auth, plain_response)
{
	/* RFC 4616 section 4: authorization identity empty, user "tim",
	 * password "tanstaaftanstaaf". */
	char   *got = smtp_auth_plain_response("tim", "tanstaaftanstaaf");

	cr_expect_str_eq(got, "AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
	smtp_auth_free_secret(got);
	got = smtp_auth_plain_response("sinkuser", "s3cret pass");
	cr_expect_str_eq(got, "AHNpbmt1c2VyAHMzY3JldCBwYXNz");
	smtp_auth_free_secret(got);
}

Test(smtp_auth, cram_md5_rfc2195_example)
{
	/* The RFC's challenge ends in ".mci.net>"; with ".com>" the same
	 * secret gives another digest. */
	char   *challenge = smtp_auth_base64_encode(
	    "<1896.697170952@postoffice.reston.mci.net>", 42);
	char   *got = smtp_auth_cram_md5_response("tim", "tanstaaftanstaaf",
	    challenge);

	cr_expect_str_eq(challenge,
	    "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+");
	cr_expect_str_eq(got,
	    "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
	free(challenge);
	smtp_auth_free_secret(got);
}

Test(smtp_auth, cram_md5_bad_challenge)
{
	cr_expect_null(smtp_auth_cram_md5_response("tim", "secret", "not*b64"));
	cr_expect_null(smtp_auth_cram_md5_response("tim", "secret", ""));
}

Test(smtp_auth, mechanism_names)
{
	cr_expect_str_eq(smtp_auth_mechanism_name(SMTP_AUTH_PLAIN), "PLAIN");
	cr_expect_str_eq(smtp_auth_mechanism_name(SMTP_AUTH_LOGIN), "LOGIN");
	cr_expect_str_eq(smtp_auth_mechanism_name(SMTP_AUTH_CRAM_MD5),
	    "CRAM-MD5");
}
