/*
 * Unit tests for envelope: the SMTP envelope taken from a message header,
 * and the conversion of the stored bytes into DATA bytes.
 */
#include <criterion/criterion.h>
#include <gmime/gmime.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "envelope.h"

static void
setup(void)
{
	g_mime_init();
}

TestSuite(envelope, .init = setup);

/* 998 bytes: the longest line that SMTP DATA allows. */
#define LINE_100 "0123456789012345678901234567890123456789" \
	"0123456789012345678901234567890123456789" \
	"01234567890123456789"
#define LINE_998 LINE_100 LINE_100 LINE_100 LINE_100 LINE_100 LINE_100 \
	LINE_100 LINE_100 LINE_100 "0123456789012345678901234567890123456789" \
	"0123456789012345678901234567890123456789012345678901234567"

static const struct wire_case {
	const char *name;
	const char *input;
	const char *data;	/* expected DATA bytes */
} wire_cases[] = {
	{ "LF lines", "From: f@example.com\nTo: t@example.net\n\nbody\n",
	    "From: f@example.com\r\nTo: t@example.net\r\n\r\nbody\r\n.\r\n" },
	{ "CRLF lines",
	    "From: f@example.com\r\nTo: t@example.net\r\n\r\nbody\r\n",
	    "From: f@example.com\r\nTo: t@example.net\r\n\r\nbody\r\n.\r\n" },
	{ "CR CR LF is one line end",
	    "From: f@example.com\nTo: t@example.net\n\nline\r\r\nnext\n",
	    "From: f@example.com\r\nTo: t@example.net\r\n\r\nline\r\n"
	    "next\r\n.\r\n" },
	{ "no final newline",
	    "From: f@example.com\nTo: t@example.net\n\nlast words",
	    "From: f@example.com\r\nTo: t@example.net\r\n\r\nlast words\r\n"
	    ".\r\n" },
	{ "empty last line kept",
	    "From: f@example.com\nTo: t@example.net\n\ntext\n\n",
	    "From: f@example.com\r\nTo: t@example.net\r\n\r\ntext\r\n\r\n"
	    ".\r\n" },
	{ "dot lines stuffed",
	    "From: f@example.com\nTo: t@example.net\n\n.\n..\n.hidden\n"
	    " .\nend\n.",
	    "From: f@example.com\r\nTo: t@example.net\r\n\r\n..\r\n...\r\n"
	    "..hidden\r\n .\r\nend\r\n..\r\n.\r\n" },
	{ "bare CR starts a line",
	    "From: f@example.com\nTo: t@example.net\n\n10%\r20%\r.done\n",
	    "From: f@example.com\r\nTo: t@example.net\r\n\r\n10%\r\n20%\r\n"
	    "..done\r\n.\r\n" },
	{ "bare CR at the end of the file",
	    "From: f@example.com\nTo: t@example.net\n\nend\r",
	    "From: f@example.com\r\nTo: t@example.net\r\n\r\nend\r\n.\r\n" },
	{ "Return-Path removed",
	    "Return-Path: <s@example.com>\nFrom: f@example.com\n"
	    "To: t@example.net\n\nbody\n",
	    "From: f@example.com\r\nTo: t@example.net\r\n\r\nbody\r\n.\r\n" },
	{ "folded Bcc removed, later fields kept",
	    "From: f@example.com\nTo: t@example.net\nBcc: b1@example.net,\n"
	    "\tb2@example.net\nSubject: s\n\nbody\n",
	    "From: f@example.com\r\nTo: t@example.net\r\nSubject: s\r\n\r\n"
	    "body\r\n.\r\n" },
	{ "Bcc with space before the colon removed",
	    "From: f@example.com\nBCC : b@example.net\nTo: t@example.net\n\n"
	    "x\n",
	    "From: f@example.com\r\nTo: t@example.net\r\n\r\nx\r\n.\r\n" },
	{ "Bcc as the last field before the body",
	    "From: f@example.com\r\nTo: t@example.net\r\nBcc: b@example.net\r\n"
	    "\r\nbody",
	    "From: f@example.com\r\nTo: t@example.net\r\n\r\nbody\r\n.\r\n" },
	{ "lower Delivered-To and Bcc-like names kept",
	    "From: f@example.com\nDelivered-To: d@example.net\n"
	    "To: t@example.net\nX-Bcc: x\nBccx: y\n\nbody\n",
	    "From: f@example.com\r\nDelivered-To: d@example.net\r\n"
	    "To: t@example.net\r\nX-Bcc: x\r\nBccx: y\r\n\r\nbody\r\n.\r\n" },
	{ "top Return-Path and Delivered-To removed",
	    "Return-Path: <s@example.com>\nX-Original-To: o@example.net\n"
	    "Delivered-To: d1@example.net\nDelivered-To: d2@example.net\n"
	    "Received: by mx\nDelivered-To: old@example.net\n"
	    "From: f@example.com\n\nbody\n",
	    "X-Original-To: o@example.net\r\nReceived: by mx\r\n"
	    "Delivered-To: old@example.net\r\nFrom: f@example.com\r\n"
	    "\r\nbody\r\n.\r\n" },
	{ "mbox From line left out",
	    "From f@example.com Mon May  6 10:00:00 2024\n"
	    "From: f@example.com\nTo: t@example.net\n\nFrom here on\n",
	    "From: f@example.com\r\nTo: t@example.net\r\n\r\n"
	    "From here on\r\n.\r\n" },
	{ "line of 998 bytes allowed",
	    "From: f@example.com\nTo: t@example.net\n\n"
	    LINE_998 "\n",
	    "From: f@example.com\r\nTo: t@example.net\r\n\r\n"
	    LINE_998 "\r\n.\r\n" },
	{ "Bcc in the body is not a header",
	    "From: f@example.com\nTo: t@example.net\n\nBcc: b@example.net\n",
	    "From: f@example.com\r\nTo: t@example.net\r\n\r\n"
	    "Bcc: b@example.net\r\n.\r\n" },
};

/* Returns the RFC 1870 size of DATA bytes: without the final ".\r\n" and
 * without the dot added to each line that starts with one. */
static size_t
rfc1870_size(const char *data)
{
	size_t	size = strlen(data) - 3;
	const char *line;

	for (line = data; *line != '\0'; line = strstr(line, "\r\n") + 2) {
		if (line[0] == '.' && line[1] == '.')
			size--;
	}
	return size;
}

Test(envelope, wire_conversion_table)
{
	size_t	i;

	for (i = 0; i < sizeof(wire_cases) / sizeof(wire_cases[0]); i++) {
		const struct wire_case *c = &wire_cases[i];
		struct envelope envelope;
		enum envelope_status status;
		char   *error = NULL;

		status = envelope_parse(&envelope, c->input, strlen(c->input),
		    NULL, &error);
		cr_assert_eq(status, ENVELOPE_OK, "%s: status %d, error %s",
		    c->name, status, error ? error : "none");
		cr_expect_str_eq(envelope.data.data, c->data,
		    "%s: DATA bytes\n input: %s\n got:  %s\n want: %s",
		    c->name, c->input, envelope.data.data, c->data);
		cr_expect_eq(envelope.data.length, strlen(c->data),
		    "%s: data length %zu, want %zu", c->name,
		    envelope.data.length, strlen(c->data));
		cr_expect_eq(envelope.size, rfc1870_size(c->data),
		    "%s: size %zu, want %zu", c->name, envelope.size,
		    rfc1870_size(c->data));
		envelope_free(&envelope);
	}
}

static const struct address_case {
	const char *name;
	const char *input;
	const char *sender;
	const char *recipients;	/* joined with "," */
} address_cases[] = {
	{ "From and To", "From: Ann <ann@example.com>\nTo: bob@example.net\n\n",
	    "ann@example.com", "bob@example.net" },
	{ "Return-Path wins over From",
	    "Return-Path: <bounce@example.com>\nFrom: ann@example.com\n"
	    "To: bob@example.net\n\n",
	    "bounce@example.com", "bob@example.net" },
	{ "null Return-Path",
	    "Return-Path: <>\nFrom: ann@example.com\nTo: bob@example.net\n\n",
	    "", "bob@example.net" },
	{ "Return-Path without brackets",
	    "Return-Path: bounce@example.com\nFrom: ann@example.com\n"
	    "To: bob@example.net\n\n",
	    "bounce@example.com", "bob@example.net" },
	{ "unusable Return-Path falls back to From",
	    "Return-Path: not an address\nFrom: ann@example.com\n"
	    "To: bob@example.net\n\n",
	    "ann@example.com", "bob@example.net" },
	{ "To, Cc and Bcc in order",
	    "From: a@example.com\nBcc: z@example.net\nTo: x@example.net\n"
	    "Cc: y@example.net\n\n",
	    "a@example.com", "z@example.net,x@example.net,y@example.net" },
	{ "every occurrence of a field",
	    "From: a@example.com\nTo: x@example.net\nTo: y@example.net\n\n",
	    "a@example.com", "x@example.net,y@example.net" },
	{ "quoted names with commas",
	    "From: \"Doe, Jane\" <jane@example.com>\n"
	    "To: \"Doe, John\" <john@example.net>, \"Roe, Ann\" "
	    "<ann@example.net>\n\n",
	    "jane@example.com", "john@example.net,ann@example.net" },
	{ "duplicates removed, first kept",
	    "From: a@example.com\nTo: x@example.net, X Name <x@EXAMPLE.NET>\n"
	    "Cc: y@example.net, x@example.net\nBcc: y@example.net\n\n",
	    "a@example.com", "x@example.net,y@example.net" },
	{ "local parts differ in case",
	    "From: a@example.com\nTo: x@example.net, X@example.net\n\n",
	    "a@example.com", "x@example.net,X@example.net" },
	{ "group flattened",
	    "From: a@example.com\nTo: friends: x@example.net, "
	    "Y <y@example.net>;, z@example.net\n\n",
	    "a@example.com", "x@example.net,y@example.net,z@example.net" },
	{ "folded To unfolded",
	    "From: a@example.com\nTo: x@example.net,\n\t\"Last, First\"\n"
	    " <y@example.net>\n\n",
	    "a@example.com", "x@example.net,y@example.net" },
	{ "CRLF header",
	    "From: a@example.com\r\nCc: x@example.net\r\n\r\nTo: no@example.net\r\n",
	    "a@example.com", "x@example.net" },
	{ "header without a body",
	    "From: a@example.com\nTo: x@example.net",
	    "a@example.com", "x@example.net" },
	{ "first From mailbox",
	    "From: a@example.com, b@example.com\nTo: x@example.net\n\n",
	    "a@example.com", "x@example.net" },
	{ "top Delivered-To replaces To and Cc",
	    "Return-Path: <s@example.com>\nDelivered-To: d1@example.net\n"
	    "Delivered-To: <d2@example.net>\nFrom: a@example.com\n"
	    "To: x@example.net\nCc: y@example.net\n\n",
	    "s@example.com", "d1@example.net,d2@example.net" },
	{ "Delivered-To after X-Original-To",
	    "Return-Path: <s@example.com>\nX-Original-To: o@example.net\n"
	    "Delivered-To: d@example.net\nFrom: a@example.com\n"
	    "To: x@example.net\n\n",
	    "s@example.com", "d@example.net" },
	{ "lower Delivered-To ignored",
	    "From: a@example.com\nDelivered-To: d@example.net\n"
	    "To: x@example.net\n\n",
	    "a@example.com", "x@example.net" },
	{ "mbox From line not a sender",
	    "From other@example.org Mon May  6 10:00:00 2024\n"
	    "From: a@example.com\nTo: x@example.net\n\n",
	    "a@example.com", "x@example.net" },
};

static char *
join_recipients(const struct envelope *envelope)
{
	struct buf joined = BUF_INIT;
	size_t	i;

	buf_append_string(&joined, "");
	for (i = 0; i < envelope->recipient_count; i++) {
		if (i > 0)
			buf_append_byte(&joined, ',');
		buf_append_string(&joined, envelope->recipients[i]);
	}
	return joined.data;
}

Test(envelope, address_table)
{
	size_t	i;

	for (i = 0; i < sizeof(address_cases) / sizeof(address_cases[0]);
	    i++) {
		const struct address_case *c = &address_cases[i];
		struct envelope envelope;
		char   *error = NULL;
		char   *recipients;

		cr_assert_eq(envelope_parse(&envelope, c->input,
		    strlen(c->input), NULL, &error), ENVELOPE_OK,
		    "%s: error %s", c->name, error ? error : "none");
		recipients = join_recipients(&envelope);
		cr_expect_str_eq(envelope.sender, c->sender,
		    "%s: sender \"%s\", want \"%s\"", c->name, envelope.sender,
		    c->sender);
		cr_expect_str_eq(recipients, c->recipients,
		    "%s: recipients \"%s\", want \"%s\"", c->name, recipients,
		    c->recipients);
		free(recipients);
		envelope_free(&envelope);
	}
}

static const struct invalid_case {
	const char *name;
	const char *input;
	const char *error;
	size_t	length;		/* of input; 0 for strlen(input) */
} invalid_cases[] = {
	{ "no recipient field", "From: a@example.com\nSubject: x\n\nTo: b@example.net\n",
	    "no recipient address in To, Cc or Bcc", 0 },
	{ "empty group only", "From: a@example.com\nTo: undisclosed-recipients:;\n\n",
	    "no recipient address in To, Cc or Bcc", 0 },
	{ "no sender", "To: b@example.net\n\nbody\n",
	    "no sender address in Return-Path or From", 0 },
	{ "empty From", "From:\nTo: b@example.net\n\n",
	    "no sender address in Return-Path or From", 0 },
	{ "only a body", "\nFrom: a@example.com\nTo: b@example.net\n",
	    "no sender address in Return-Path or From", 0 },
	{ "line of 999 bytes",
	    "From: a@example.com\nTo: b@example.net\n\nok\nx" LINE_998 "\n",
	    "line 5 is longer than 998 bytes, the limit of SMTP DATA (RFC 5321 4.5.3.1.6)", 0 },
	{ "NUL byte", "From: a@example.com\nTo: b@example.net\n\nab\0c\n",
	    "line 4 has a NUL byte, which SMTP DATA cannot carry", 44 },
	{ "space inside the domain",
	    "From: a@example.com\nTo: b@exa mple.com\n\n",
	    "recipient address \"mple.com\" in \"b@exa mple.com\" is not a valid mailbox (RFC 5321 local-part@domain)", 0 },
	{ "angle bracket inside the domain",
	    "From: a@example.com\nTo: <c@ex>ample.com>\n\n",
	    "recipient address \"ample.com\" in \"<c@ex>ample.com>\" is not a valid mailbox (RFC 5321 local-part@domain)", 0 },
	{ "two addresses without a comma",
	    "From: a@example.com\nTo: b@example.net c@example.net\n\n",
	    "recipient field \"b@example.net c@example.net\" contains 2 addresses without a comma between each two", 0 },
	{ "sender without a domain",
	    "From: alice\nTo: b@example.net\n\n",
	    "From address \"alice\" in \"alice\" is not a valid mailbox (RFC 5321 local-part@domain)", 0 },
	{ "Return-Path with a space falls back to an invalid From",
	    "Return-Path: <a b@example.com>\nFrom: a@exa_mple.com\nTo: b@example.net\n\n",
	    "From address \"a@exa_mple.com\" in \"a@exa_mple.com\" is not a valid mailbox (RFC 5321 local-part@domain)", 0 },
	{ "Delivered-To label starting with a hyphen",
	    "Delivered-To: d@-example.net\nFrom: a@example.com\nTo: b@example.net\n\n",
	    "Delivered-To address \"d@-example.net\" in \"d@-example.net\" is not a valid mailbox (RFC 5321 local-part@domain)", 0 },
	{ "empty top Delivered-To",
	    "Delivered-To:\nFrom: a@example.com\nTo: b@example.net\n\n",
	    "no recipient address in the Delivered-To fields at the top of the header", 0 },
};

Test(envelope, invalid_messages)
{
	size_t	i;

	for (i = 0; i < sizeof(invalid_cases) / sizeof(invalid_cases[0]);
	    i++) {
		const struct invalid_case *c = &invalid_cases[i];
		struct envelope envelope;
		char   *error = NULL;

		cr_expect_eq(envelope_parse(&envelope, c->input,
		    c->length ? c->length : strlen(c->input), NULL, &error),
		    ENVELOPE_INVALID,
		    "%s: not reported as invalid", c->name);
		cr_expect_str_eq(error ? error : "", c->error,
		    "%s: error \"%s\", want \"%s\"", c->name,
		    error ? error : "", c->error);
		cr_expect_eq(envelope.recipient_count, 0,
		    "%s: envelope not emptied", c->name);
		free(error);
	}
}

Test(envelope, added_headers_go_first)
{
	const char *input = "From: a@example.com\nTo: b@example.net\n\nx\n";
	struct envelope envelope;
	char   *error = NULL;

	cr_assert_eq(envelope_parse(&envelope, input, strlen(input),
	    "X-Campaign: spring\n.X-Dot: 1\n", &error), ENVELOPE_OK);
	cr_expect_str_eq(envelope.data.data, "X-Campaign: spring\r\n"
	    "..X-Dot: 1\r\nFrom: a@example.com\r\nTo: b@example.net\r\n\r\n"
	    "x\r\n.\r\n");
	envelope_free(&envelope);
}

Test(envelope, eight_bit_and_utf8_addresses)
{
	const char *plain = "From: a@example.com\nTo: b@example.net\n\nplain\n";
	const char *body = "From: a@example.com\nTo: b@example.net\n\ncaf\xc3\xa9\n";
	const char *address = "From: a@example.com\nTo: j\xc3\xb6rg@example.net\n\nx\n";
	struct envelope envelope;
	char   *error = NULL;

	cr_assert_eq(envelope_parse(&envelope, plain, strlen(plain), NULL,
	    &error), ENVELOPE_OK);
	cr_expect(!envelope.eight_bit, "plain text marked 8-bit");
	cr_expect(!envelope.utf8_address, "ASCII address marked UTF-8");
	envelope_free(&envelope);
	cr_assert_eq(envelope_parse(&envelope, body, strlen(body), NULL,
	    &error), ENVELOPE_OK);
	cr_expect(envelope.eight_bit, "8-bit body not marked 8-bit");
	envelope_free(&envelope);
	cr_assert_eq(envelope_parse(&envelope, address, strlen(address), NULL,
	    &error), ENVELOPE_OK);
	cr_expect(envelope.utf8_address, "UTF-8 address not marked");
	cr_expect_str_eq(envelope.recipients[0], "j\xc3\xb6rg@example.net");
	envelope_free(&envelope);
}

Test(envelope, bare_cr_line_reported)
{
	static const struct {
		const char *input;
		size_t	line;
	} cases[] = {
		{ "From: a@example.com\nTo: b@example.net\n\nok\r\n", 0 },
		{ "From: a@example.com\nTo: b@example.net\n\nok\r\r\n", 0 },
		{ "From: a@example.com\nTo: b@example.net\n\n1\n2\r3\n4\r5\n", 5 },
		{ "From: a@example.com\nTo: b@example.net\n\nend\r", 4 },
	};
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct envelope envelope;
		char   *error = NULL;

		cr_assert_eq(envelope_parse(&envelope, cases[i].input,
		    strlen(cases[i].input), NULL, &error), ENVELOPE_OK);
		cr_expect_eq(envelope.bare_cr_line, cases[i].line,
		    "case %zu: bare CR line %zu, want %zu", i,
		    envelope.bare_cr_line, cases[i].line);
		envelope_free(&envelope);
	}
}

Test(envelope, field_name_check)
{
	static const struct {
		const char *name;
		bool	valid;
	} names[] = {
		{ "X-Campaign", true }, { "X.Dot", true }, { "!#$%", true },
		{ "", false }, { "X Campaign", false }, { "X:Y", false },
		{ "X\tY", false }, { "caf\xc3\xa9", false }, { "X\x7f", false },
	};
	size_t	i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		cr_expect_eq(envelope_field_name_valid(names[i].name),
		    names[i].valid, "field name \"%s\": got %d, want %d",
		    names[i].name, !names[i].valid, names[i].valid);
}

Test(envelope, message_id_kept)
{
	const char *input = "From: a@example.com\nTo: b@example.net\n"
	    "Message-ID:  <id1@example.com> \n\nx\n";
	const char *invalid = "From: a@example.com\n"
	    "Message-ID: <id2@example.com>\n\nx\n";
	struct envelope envelope;
	char   *error = NULL;

	cr_assert_eq(envelope_parse(&envelope, input, strlen(input), NULL,
	    &error), ENVELOPE_OK);
	cr_expect_str_eq(envelope.message_id, "<id1@example.com>");
	envelope_free(&envelope);
	cr_assert_eq(envelope_parse(&envelope, invalid, strlen(invalid), NULL,
	    &error), ENVELOPE_INVALID);
	cr_expect_str_eq(envelope.message_id ? envelope.message_id : "(none)",
	    "<id2@example.com>", "Message-ID of an invalid message lost");
	envelope_free(&envelope);
	free(error);
}

Test(envelope, recipients_option_replaces_header)
{
	const char *input = "Delivered-To: d@example.net\nFrom: a@example.com\n"
	    "Bcc: hidden@example.net\n\nx\n";
	char   *recipients[] = { "r1@example.org", "R1@EXAMPLE.ORG",
	    "r2@example.org" };
	struct envelope_options options = {
		.prefix = NULL, .recipients = recipients, .recipient_count = 3
	};
	struct envelope envelope;
	char   *error = NULL;

	cr_assert_eq(envelope_parse_with(&envelope, input, strlen(input),
	    &options, &error), ENVELOPE_OK, "error: %s", error ? error : "");
	cr_expect_eq(envelope.recipient_count, 3);
	cr_expect_str_eq(envelope.recipients[0], "r1@example.org");
	cr_expect_str_eq(envelope.recipients[1], "R1@EXAMPLE.ORG");
	cr_expect_str_eq(envelope.recipients[2], "r2@example.org");
	cr_expect_str_eq(envelope.data.data,
	    "From: a@example.com\r\n\r\nx\r\n.\r\n");
	envelope_free(&envelope);
}

Test(envelope, mbox_from_line_flag)
{
	const char *input = "From a@example.com Mon May  6 10:00:00 2024\r\n"
	    "From: a@example.com\r\nTo: b@example.net\r\n\r\nx\r\n";
	struct envelope envelope;
	char   *error = NULL;

	cr_assert_eq(envelope_parse(&envelope, input, strlen(input), NULL,
	    &error), ENVELOPE_OK);
	cr_expect(envelope.mbox_from_line, "mbox From line not flagged");
	cr_expect_str_eq(envelope.data.data,
	    "From: a@example.com\r\nTo: b@example.net\r\n\r\nx\r\n.\r\n");
	envelope_free(&envelope);
}

static const struct lf_case {
	const char *name;
	const char *input;
	const char *prefix;	/* --add-header lines, or NULL */
	const char *lf_data;	/* expected sendmail input */
} lf_cases[] = {
	{ "LF lines unchanged",
	    "From: f@example.com\nTo: t@example.net\n\nbody\n", NULL,
	    "From: f@example.com\nTo: t@example.net\n\nbody\n" },
	{ "CRLF lines become LF",
	    "From: f@example.com\r\nTo: t@example.net\r\n\r\nbody\r\n", NULL,
	    "From: f@example.com\nTo: t@example.net\n\nbody\n" },
	{ "CR CR LF is one LF",
	    "From: f@example.com\nTo: t@example.net\n\nline\r\r\nnext\n",
	    NULL, "From: f@example.com\nTo: t@example.net\n\nline\nnext\n" },
	{ "final newline added",
	    "From: f@example.com\nTo: t@example.net\n\nlast words", NULL,
	    "From: f@example.com\nTo: t@example.net\n\nlast words\n" },
	{ "empty last line kept",
	    "From: f@example.com\nTo: t@example.net\n\ntext\n\n", NULL,
	    "From: f@example.com\nTo: t@example.net\n\ntext\n\n" },
	{ "dot lines not stuffed",
	    "From: f@example.com\nTo: t@example.net\n\n.\n..\n.hidden\n"
	    " .\nsoft=\n.com\n.", NULL,
	    "From: f@example.com\nTo: t@example.net\n\n.\n..\n.hidden\n"
	    " .\nsoft=\n.com\n.\n" },
	{ "bare CR becomes LF",
	    "From: f@example.com\nTo: t@example.net\n\n10%\r20%\r.done\n",
	    NULL, "From: f@example.com\nTo: t@example.net\n\n10%\n20%\n"
	    ".done\n" },
	{ "envelope fields left out",
	    "Return-Path: <r@example.com>\nDelivered-To: d@example.net\n"
	    "From: f@example.com\nTo: t@example.net\nBcc: b@example.net\n"
	    "\nbody\n", NULL,
	    "From: f@example.com\nTo: t@example.net\n\nbody\n" },
	{ "added fields first",
	    "From: f@example.com\nTo: t@example.net\n\nbody\n",
	    "X-Test: 1\r\n.X-Dot: 2\n",
	    "X-Test: 1\n.X-Dot: 2\nFrom: f@example.com\nTo: t@example.net\n"
	    "\nbody\n" },
	{ "mbox From line left out",
	    "From sender@example.com Mon Jan  1 00:00:00 2024\n"
	    "From: f@example.com\nTo: t@example.net\n\n.body\n", NULL,
	    "From: f@example.com\nTo: t@example.net\n\n.body\n" },
};

Test(envelope, lf_data_table)
{
	size_t	i;

	for (i = 0; i < sizeof(lf_cases) / sizeof(lf_cases[0]); i++) {
		const struct lf_case *c = &lf_cases[i];
		struct envelope envelope;
		struct buf lf = BUF_INIT;
		enum envelope_status status;
		char   *error = NULL;

		status = envelope_parse(&envelope, c->input, strlen(c->input),
		    c->prefix, &error);
		cr_assert_eq(status, ENVELOPE_OK, "%s: status %d, error %s",
		    c->name, status, error ? error : "none");
		envelope_data_lf(&envelope, &lf);
		cr_expect_eq(lf.length, strlen(c->lf_data),
		    "%s: length %zu, want %zu", c->name, lf.length,
		    strlen(c->lf_data));
		cr_expect_str_eq(lf.data ? lf.data : "", c->lf_data,
		    "%s: sendmail input\n input: %s\n got:  %s\n want: %s",
		    c->name, c->input, lf.data ? lf.data : "", c->lf_data);
		cr_expect_eq(memchr(lf.data, '\r', lf.length), NULL,
		    "%s: a CR is left in the sendmail input", c->name);
		if (envelope.lf_in_file) {
			cr_expect_eq(envelope.lf_end, strlen(c->input),
			    "%s: lf_end %zu", c->name, envelope.lf_end);
			cr_expect_eq(envelope.lf_end - envelope.lf_start,
			    lf.length, "%s: file part of %zu bytes for %zu",
			    c->name, envelope.lf_end - envelope.lf_start,
			    lf.length);
			cr_expect(memcmp(c->input + envelope.lf_start,
			    lf.data ? lf.data : "", lf.length) == 0,
			    "%s: the file part differs", c->name);
		}
		buf_free(&lf);
		envelope_free(&envelope);
	}
}

/* Whether the sendmail input may be read from the file itself, and where
 * it starts there. */
struct lf_file_case {
	const char *name;
	const char *input;
	const char *prefix;
	bool	in_file;
	const char *first_sent;	/* the file from here on, when in_file */
};

static const struct lf_file_case lf_file_cases[] = {
	{ "plain", "From: f@example.com\nTo: t@example.net\n\n.x\n", NULL,
	    true, "From:" },
	{ "Return-Path on top",
	    "Return-Path: <f@example.com>\nFrom: f@example.com\n"
	    "To: t@example.net\n\nx\n", NULL, true, "From:" },
	{ "delivery lines on top",
	    "Return-Path: <f@example.com>\nDelivered-To: t@example.net\n"
	    "Delivered-To: u@example.net\nX-Original-To: t@example.net\n"
	    "From: f@example.com\n\nx\n", NULL, true, "X-Original-To:" },
	{ "Delivered-To after X-Original-To",
	    "Return-Path: <f@example.com>\nX-Original-To: t@example.net\n"
	    "Delivered-To: t@example.net\nFrom: f@example.com\n\nx\n",
	    NULL, false, NULL },
	{ "folded Bcc on top",
	    "Bcc: a@example.net,\n b@example.net\nFrom: f@example.com\n"
	    "To: t@example.net\n\nx\n", NULL, true, "From:" },
	{ "mbox From line",
	    "From f@example.com Mon Jan  1 00:00:00 2024\n"
	    "From: f@example.com\nTo: t@example.net\n\nx\n", NULL, true,
	    "From:" },
	{ "header only", "From: f@example.com\nTo: t@example.net\n", NULL,
	    true, "From:" },
	{ "Bcc between sent fields",
	    "From: f@example.com\nBcc: b@example.net\nTo: t@example.net\n"
	    "\nx\n", NULL, false, NULL },
	{ "Return-Path below a sent field",
	    "From: f@example.com\nReturn-Path: <f@example.com>\n"
	    "To: t@example.net\n\nx\n", NULL, false, NULL },
	{ "CRLF lines", "From: f@example.com\r\nTo: t@example.net\r\n\r\n"
	    "x\r\n", NULL, false, NULL },
	{ "bare CR in the body", "From: f@example.com\nTo: t@example.net\n\n"
	    "x\ry\n", NULL, false, NULL },
	{ "no line end at the end",
	    "From: f@example.com\nTo: t@example.net\n\nx", NULL, false, NULL },
	{ "added header", "From: f@example.com\nTo: t@example.net\n\nx\n",
	    "X-Run: 1\n", false, NULL },
};

Test(envelope, lf_in_file_table)
{
	size_t	i;

	for (i = 0; i < sizeof(lf_file_cases) / sizeof(lf_file_cases[0]);
	    i++) {
		const struct lf_file_case *c = &lf_file_cases[i];
		struct envelope envelope;
		char   *error = NULL;

		cr_assert_eq(envelope_parse(&envelope, c->input,
		    strlen(c->input), c->prefix, &error), ENVELOPE_OK,
		    "%s: error %s", c->name, error ? error : "none");
		cr_expect_eq(envelope.lf_in_file, c->in_file,
		    "%s: lf_in_file %d, want %d", c->name,
		    envelope.lf_in_file, c->in_file);
		if (c->in_file && envelope.lf_in_file)
			cr_expect_eq(envelope.lf_start,
			    (size_t)(strstr(c->input, c->first_sent) -
			    c->input), "%s: lf_start %zu", c->name,
			    envelope.lf_start);
		envelope_free(&envelope);
	}
}

Test(envelope, lf_data_appends)
{
	const char *input = "From: f@example.com\nTo: t@example.net\n\nx\n";
	struct envelope envelope;
	struct buf lf = BUF_INIT;
	char   *error = NULL;

	cr_assert_eq(envelope_parse(&envelope, input, strlen(input), NULL,
	    &error), ENVELOPE_OK);
	buf_append_string(&lf, "kept:");
	envelope_data_lf(&envelope, &lf);
	cr_expect_str_eq(lf.data, "kept:From: f@example.com\n"
	    "To: t@example.net\n\nx\n");
	buf_free(&lf);
	envelope_free(&envelope);
}

Test(envelope, lf_data_of_empty_envelope)
{
	struct envelope envelope;
	struct buf lf = BUF_INIT;

	memset(&envelope, 0, sizeof(envelope));
	envelope_data_lf(&envelope, &lf);
	cr_expect_eq(lf.length, 0, "length %zu, want 0", lf.length);
	buf_free(&lf);
}

/* Converts text the simplest way, one byte at a time: LF to CR LF, a dot
 * doubled at a line start, and the closing dot line. */
static void
reference_data(const char *text, size_t length, struct buf *out)
{
	bool	line_start = true;
	size_t	i;

	for (i = 0; i < length; i++) {
		if (line_start && text[i] == '.')
			buf_append_byte(out, '.');
		line_start = text[i] == '\n';
		if (line_start)
			buf_append(out, "\r\n", 2);
		else
			buf_append_byte(out, text[i]);
	}
	if (!line_start)
		buf_append(out, "\r\n", 2);
	buf_append(out, ".\r\n", 3);
}

/* Lines of every length around the conversion's 16-byte blocks, dots at
 * line starts and inside lines, bytes above 127, lines up to 998 bytes
 * and a missing final LF: the fast conversion must give the bytes of
 * the reference. */
Test(envelope, data_matches_reference)
{
	unsigned seed = 12345;
	int	round, line, i;

	for (round = 0; round < 2000; round++) {
		struct buf text = BUF_INIT, want = BUF_INIT;
		struct envelope envelope;
		enum envelope_status status;
		char   *error = NULL;
		int	lines = 1 + (int)(rand_r(&seed) % 40);

		buf_append_string(&text, "From: a@example.com\nTo: b@example.net\n\n");
		for (line = 0; line < lines; line++) {
			int	kind = (int)(rand_r(&seed) % 8);
			int	length = kind == 0 ? 998 - (int)(rand_r(&seed) % 3) :
			    (int)(rand_r(&seed) % 70);

			for (i = 0; i < length; i++) {
				unsigned pick = (unsigned)rand_r(&seed) % 20;

				buf_append_byte(&text, pick == 0 ? '.' :
				    pick == 1 ? (char)0xc3 : (char)('a' + pick));
			}
			if (line < lines - 1 || rand_r(&seed) % 2)
				buf_append_byte(&text, '\n');
		}
		reference_data(text.data, text.length, &want);
		status = envelope_parse(&envelope, text.data, text.length, NULL,
		    &error);
		cr_assert_eq(status, ENVELOPE_OK, "round %d: %s", round,
		    error ? error : "no error");
		cr_assert_eq(envelope.data.length, want.length,
		    "round %d: length %zu, want %zu", round,
		    envelope.data.length, want.length);
		cr_assert(memcmp(envelope.data.data, want.data, want.length) == 0,
		    "round %d: DATA bytes differ", round);
		envelope_free(&envelope);
		buf_free(&text);
		buf_free(&want);
	}
}

/* Returns GMime's first mailbox of value, groups flattened, or NULL. */
static char *
gmime_first_mailbox(InternetAddressList *list)
{
	int	i;

	for (i = 0; list != NULL && i < internet_address_list_length(list); i++) {
		InternetAddress *address = internet_address_list_get_address(list, i);
		char   *found;

		if (INTERNET_ADDRESS_IS_GROUP(address)) {
			found = gmime_first_mailbox(internet_address_group_get_members((InternetAddressGroup *)address));
			if (found != NULL)
				return found;
			continue;
		}
		return strdup(internet_address_mailbox_get_addr((InternetAddressMailbox *)address));
	}
	return NULL;
}

/* To values that the plain-mailbox shortcut takes, and values next to
 * them that it must leave to GMime: the status and the recipient must
 * be what GMime's parse alone gives. */
Test(envelope, plain_mailbox_matches_gmime)
{
	static const struct {
		const char *value;
		bool	valid;
	} cases[] = {
		{ "jane@example.net", true }, { " jane@example.net ", true },
		{ "\tj.doe@example.net", true },
		{ "Jane Doe <jane@example.net>", true },
		{ "<jane@example.net>", true }, { "Jane <jane@example.net>  ", true },
		{ "J. R. Doe <j.r@mail.example.net>", true },
		{ "=?utf-8?q?J=C3=A9r=C3=B4me?= <jerome@example.net>", true },
		{ "o'brien@example.net", true },
		{ "Ann <a+tag@sub-domain.example.net>", true },
		{ "x!#$%&'*+-/=?^_`{|}~@example.net", true },
		{ "UPPER@EXAMPLE.NET", true },
		{ "\"Doe, Jane\" <jane@example.net>", true },
		{ "Jane (home) <jane@example.net>", true },
		{ "jane@example.net (Jane)", true },
		{ "Jane Doe<jane@example.net>", true },
		{ "a@example.net, b@example.net", true },
		{ "Jane <jane@[192.0.2.1]>", true }, { "jane@example.net.", true },
		{ "Jane <jane@example.net", true }, { "a@b", true },
		{ "a..b@example.net", false },
		{ "<jane@example.net> trailing", false },
		{ "Jane <jane@exa_mple.net>", false },
		{ "jane@-example.net", false },
	};
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *value = cases[i].value;
		struct buf text = BUF_INIT;
		struct envelope envelope;
		InternetAddressList *list = internet_address_list_parse(NULL, value);
		char   *expected = gmime_first_mailbox(list);
		char   *error = NULL;
		enum envelope_status status;

		buf_appendf(&text, "From: a@example.com\nTo: %s\n\nbody\n", value);
		status = envelope_parse(&envelope, text.data, text.length, NULL, &error);
		cr_expect_eq(status == ENVELOPE_OK, cases[i].valid, "%s: status %d",
		    value, status);
		if (status == ENVELOPE_OK) {
			cr_assert_not_null(expected, "%s: GMime found no mailbox", value);
			cr_expect_str_eq(envelope.recipients[0], expected, "%s", value);
			envelope_free(&envelope);
		}
		if (list != NULL)
			g_object_unref(list);
		free(expected);
		free(error);
		buf_free(&text);
	}
}
