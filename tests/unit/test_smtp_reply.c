/*
 * Unit tests for the incremental SMTP reply parser and the EHLO capability
 * parser. Every input is fed whole and then one byte at a time.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "smtp_reply.h"

/* What a parse of one input produced: replies as "code|enhanced|text"
 * lines, and whether the parser reported a protocol error. */
struct parse_result {
	struct buf replies;
	bool	invalid;
	bool	incomplete;		/* bytes left over after the input */
};

static void
parse_input(const char *input, size_t length, size_t chunk,
    struct parse_result *result)
{
	struct smtp_reply_parser parser;
	struct smtp_reply reply;
	size_t	offset = 0;

	memset(result, 0, sizeof(*result));
	buf_append_string(&result->replies, "");
	smtp_reply_parser_init(&parser);
	while (offset < length && !result->invalid) {
		size_t	piece = length - offset;
		size_t	used = 0;
		enum smtp_reply_status status;

		if (piece > chunk)
			piece = chunk;
		status = smtp_reply_parser_feed(&parser, input + offset, piece,
		    &used, &reply);
		offset += used;
		if (status == SMTP_REPLY_INVALID)
			result->invalid = true;
		if (status == SMTP_REPLY_COMPLETE) {
			char   *text = smtp_reply_text(&reply, " / ");

			buf_appendf(&result->replies, "%03d|%s|%zu|%s\n",
			    reply.code, reply.enhanced, reply.line_count, text);
			free(text);
			smtp_reply_free(&reply);
		}
	}
	result->incomplete = !result->invalid && parser.line.length > 0;
	smtp_reply_parser_free(&parser);
}

static const struct reply_case {
	const char *name;
	const char *input;
	const char *replies;	/* "code|enhanced|line count|text" lines */
	bool	invalid;
	bool	incomplete;
} reply_cases[] = {
	{ "one line", "220 mx.example.net ESMTP\r\n",
	    "220||1|mx.example.net ESMTP\n", false, false },
	{ "multi-line greeting",
	    "220-mx.example.net ESMTP\r\n220-Bulk mail is not welcome.\r\n"
	    "220 Ready\r\n",
	    "220||3|mx.example.net ESMTP / Bulk mail is not welcome. / Ready\n",
	    false, false },
	{ "continuation starting with digits",
	    "250-mx hello\r\n250-234 text beginning with numbers\r\n"
	    "250 done\r\n",
	    "250||3|mx hello / 234 text beginning with numbers / done\n",
	    false, false },
	{ "bare three digits end the reply",
	    "250-mx hello\r\n250-8BITMIME\r\n250\r\n",
	    "250||3|mx hello / 8BITMIME / \n", false, false },
	{ "code and space only", "250 \r\n", "250||1|\n", false, false },
	{ "LF without CR", "250 ok\n", "250||1|ok\n", false, false },
	{ "two replies in one read", "250 2.1.0 Ok\r\n354 go ahead\r\n",
	    "250|2.1.0|1|Ok\n354||1|go ahead\n", false, false },
	{ "enhanced code on every line",
	    "550-5.1.1 The mailbox does not exist.\r\n"
	    "550-5.1.1 Check the address\r\n550 5.1.1 and try again.\r\n",
	    "550|5.1.1|3|The mailbox does not exist. / Check the address / "
	    "and try again.\n", false, false },
	{ "enhanced code without text", "250 2.0.0\r\n", "250|2.0.0|1|\n",
	    false, false },
	{ "enhanced code of another class", "250 5.1.1 odd\r\n",
	    "250||1|5.1.1 odd\n", false, false },
	{ "digits glued to text are no code", "250 2.0.0Ok\r\n",
	    "250||1|2.0.0Ok\n", false, false },
	{ "three-digit enhanced parts", "452 4.123.456 full\r\n",
	    "452|4.123.456|1|full\n", false, false },
	{ "empty line inside a reply", "250-mx hello\r\n\r\n250 PIPELINING\r\n",
	    "", true, false },
	{ "empty line alone", "\r\n", "", true, false },
	{ "two-digit code", "25 ok\r\n", "", true, false },
	{ "letter after the code", "250x ok\r\n", "", true, false },
	{ "no code", "hello there\r\n", "", true, false },
	{ "codes differ between lines", "250-a\r\n251 b\r\n", "", true, false },
	{ "line not finished", "250 ok", "", false, true },
	{ "continuation not finished", "250-a\r\n250 b", "", false, true },
};

Test(smtp_reply, table_whole_and_bytewise)
{
	size_t	i, chunk;

	for (i = 0; i < sizeof(reply_cases) / sizeof(reply_cases[0]); i++) {
		const struct reply_case *c = &reply_cases[i];

		for (chunk = 1; chunk <= 4096; chunk *= 4096) {
			struct parse_result result;

			parse_input(c->input, strlen(c->input), chunk, &result);
			cr_expect_str_eq(result.replies.data, c->replies,
			    "%s (%zu-byte pieces): replies\n got: %s\n want: %s",
			    c->name, chunk, result.replies.data, c->replies);
			cr_expect_eq(result.invalid, c->invalid,
			    "%s (%zu-byte pieces): invalid is %d, want %d",
			    c->name, chunk, result.invalid, c->invalid);
			cr_expect_eq(result.incomplete, c->incomplete,
			    "%s (%zu-byte pieces): incomplete is %d, want %d",
			    c->name, chunk, result.incomplete, c->incomplete);
			buf_free(&result.replies);
		}
	}
}

Test(smtp_reply, feed_stops_after_each_reply)
{
	const char *input = "250 first\r\n250 second\r\n";
	struct smtp_reply_parser parser;
	struct smtp_reply reply;
	size_t	used;

	smtp_reply_parser_init(&parser);
	cr_assert_eq(smtp_reply_parser_feed(&parser, input, strlen(input),
	    &used, &reply), SMTP_REPLY_COMPLETE);
	cr_expect_eq(used, strlen("250 first\r\n"));
	cr_expect_str_eq(reply.lines[0], "first");
	smtp_reply_free(&reply);
	cr_assert_eq(smtp_reply_parser_feed(&parser, input + used,
	    strlen(input) - used, &used, &reply), SMTP_REPLY_COMPLETE);
	cr_expect_str_eq(reply.lines[0], "second");
	smtp_reply_free(&reply);
	smtp_reply_parser_free(&parser);
}

Test(smtp_reply, overlong_line_is_invalid)
{
	struct smtp_reply_parser parser;
	struct smtp_reply reply;
	size_t	length = SMTP_REPLY_LINE_MAX + 10;
	char   *input = malloc(length);
	size_t	used;

	memset(input, 'a', length);
	memcpy(input, "250 ", 4);
	smtp_reply_parser_init(&parser);
	cr_expect_eq(smtp_reply_parser_feed(&parser, input, length, &used,
	    &reply), SMTP_REPLY_INVALID);
	cr_expect_str_eq(parser.error, "reply line is too long");
	smtp_reply_parser_free(&parser);
	free(input);
}

Test(smtp_reply, control_characters_are_replaced)
{
	struct parse_result result;
	const char input[] = "250 a\tb\x01" "c\r\n";

	parse_input(input, sizeof(input) - 1, 4096, &result);
	cr_expect_str_eq(result.replies.data, "250||1|a?b?c\n");
	buf_free(&result.replies);
}

/* Parses input whole and fills capabilities from it. */
static void
capabilities_from(const char *input, struct smtp_capabilities *capabilities)
{
	struct smtp_reply_parser parser;
	struct smtp_reply reply;
	size_t	used;

	smtp_reply_parser_init(&parser);
	cr_assert_eq(smtp_reply_parser_feed(&parser, input, strlen(input),
	    &used, &reply), SMTP_REPLY_COMPLETE, "EHLO reply: %s", input);
	smtp_capabilities_parse(capabilities, &reply);
	smtp_reply_free(&reply);
	smtp_reply_parser_free(&parser);
}

Test(smtp_capabilities, every_line_and_both_auth_forms)
{
	struct smtp_capabilities capabilities;

	capabilities_from("250-mx.example.net hello\r\n250-SIZE 52428800\r\n"
	    "250-8BITMIME\r\n250-AUTH=LOGIN PLAIN\r\n250-AUTH LOGIN PLAIN\r\n"
	    "250-234 this line starts with digits\r\n"
	    "250-ENHANCEDSTATUSCODES\r\n250\r\n", &capabilities);
	cr_expect(!capabilities.pipelining);
	cr_expect(capabilities.size);
	cr_expect_eq(capabilities.size_limit, 52428800ULL);
	cr_expect(capabilities.eight_bit_mime);
	cr_expect(capabilities.enhanced_status_codes);
	cr_expect_str_eq(capabilities.auth_mechanisms, "LOGIN PLAIN");
	cr_expect(!capabilities.starttls);
	cr_expect(!capabilities.smtputf8);
}

Test(smtp_capabilities, keywords_without_case_and_legacy_auth)
{
	struct smtp_capabilities capabilities;

	capabilities_from("250-mx\r\n250-pipelining\r\n250-STARTTLS\r\n"
	    "250-SMTPUTF8\r\n250-SIZE\r\n250 AUTH=CRAM-MD5\r\n",
	    &capabilities);
	cr_expect(capabilities.pipelining);
	cr_expect(capabilities.starttls);
	cr_expect(capabilities.smtputf8);
	cr_expect(capabilities.size);
	cr_expect_eq(capabilities.size_limit, 0ULL);
	cr_expect_str_eq(capabilities.auth_mechanisms, "CRAM-MD5");
}

Test(smtp_capabilities, greeting_line_is_not_a_capability)
{
	struct smtp_capabilities capabilities;

	capabilities_from("250 PIPELINING\r\n", &capabilities);
	cr_expect(!capabilities.pipelining);
}
