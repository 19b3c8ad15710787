/*
 * Unit tests for message: each rendered message is parsed back with
 * GMime's parser, and the raw text is checked against RFC 2047 and
 * RFC 5322 limits (encoded-words, line lengths, 7-bit).
 */
#include <criterion/criterion.h>
#include <gmime/gmime.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attachment.h"
#include "buf.h"
#include "message.h"
#include "test_support.h"

static void
set_up(void)
{
	message_library_init();
}

TestSuite(message, .init = set_up);

static const struct header_field extra_headers[] = {
	{"X-Campaign", "spring"},
	{"X-Test-Run", "42 and more"},
};

static void
default_fields(struct message_fields *fields)
{
	memset(fields, 0, sizeof(*fields));
	fields->return_path = "news@example.com";
	fields->from_name = "Example News";
	fields->from_addr = "news@example.com";
	fields->to_name = "Mary O'Neil";
	fields->to_addr = "mary.o'neil12@example.net";
	fields->subject = "Hello";
	fields->date = "Fri, 04 Dec 2026 12:00:07 -0500";
	fields->message_id = "20261204170007.0123456789abcdef@r1.test";
	fields->x_job = "Job";
	fields->extra_headers = extra_headers;
	fields->extra_header_count = 2;
	fields->text_body = "Hello\n";
	fields->text_length = 6;
	fields->html_body = "<p>Hello</p>\n";
	fields->html_length = 13;
}

static GMimeMessage *
parse_message(const struct buf *raw)
{
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(raw->data,
	    raw->length);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	GMimeMessage *message = g_mime_parser_construct_message(parser, NULL);

	g_object_unref(parser);
	g_object_unref(stream);
	cr_assert_not_null(message, "GMime cannot parse the message:\n%s",
	    raw->data);
	return message;
}

/* Renders fields and parses the result; raw receives the text. */
static GMimeMessage *
render(const struct message_fields *fields, struct buf *raw)
{
	buf_reset(raw);
	message_render(fields, raw);
	cr_assert_gt(raw->length, 0, "message_render wrote nothing");
	return parse_message(raw);
}

/* Checks that the whole message is 7-bit text with LF line ends and no
 * line over 998 bytes. */
static void
check_raw_lines(const char *label, const struct buf *raw)
{
	size_t i, column = 0;

	for (i = 0; i < raw->length; i++) {
		unsigned char c = (unsigned char) raw->data[i];

		cr_assert(c != 0 && c < 128, "%s: byte %zu is 0x%02x, expected "
		    "7-bit text", label, i, c);
		cr_assert_neq(c, '\r', "%s: byte %zu is a CR, expected LF line "
		    "ends", label, i);
		if (c == '\n') {
			column = 0;
			continue;
		}
		column++;
		cr_assert_leq(column, 998, "%s: line at byte %zu is longer than "
		    "998 bytes", label, i);
	}
}

/* Copies the raw field name: value of the first header called name,
 * continuation lines included, without the final newline. */
static char *
raw_header(const struct buf *raw, const char *name)
{
	size_t name_length = strlen(name);
	const char *line = raw->data;

	while (line && *line != '\n' && *line) {
		const char *end = line;

		/* The field ends at a newline not followed by a blank. */
		while ((end = strchr(end, '\n')) && (end[1] == ' '
			|| end[1] == '\t'))
			end++;
		if (strncasecmp(line, name, name_length) == 0
		    && line[name_length] == ':')
			return strndup(line, end ? (size_t) (end - line)
			    : strlen(line));
		line = end ? end + 1 : NULL;
	}
	return NULL;
}

/* Decodes an encoded-word's payload (B or Q) into output. */
static void
decode_word_payload(char encoding, const char *text, size_t length,
    struct buf *output)
{
	size_t i;

	if (encoding == 'B' || encoding == 'b') {
		char *copy = strndup(text, length);
		gsize decoded_length;
		guchar *decoded = g_base64_decode(copy, &decoded_length);

		buf_append(output, decoded, decoded_length);
		g_free(decoded);
		free(copy);
		return;
	}
	for (i = 0; i < length; i++) {
		if (text[i] == '_') {
			buf_append_byte(output, ' ');
		} else if (text[i] == '=' && i + 2 < length) {
			char hex[3] = {text[i + 1], text[i + 2], 0};

			buf_append_byte(output, (char) strtol(hex, NULL, 16));
			i += 2;
		} else {
			buf_append_byte(output, text[i]);
		}
	}
}

/*
 * Checks a raw header field against RFC 2047: encoded-words of at most
 * 75 characters, in UTF-8, each holding whole characters, never back to
 * back without white space.
 */
static void
check_encoded_words(const char *label, const char *field)
{
	regmatch_t match[4];
	regex_t pattern;
	const char *p = field;

	cr_assert_null(strstr(field, "?==?"), "%s: encoded-words back to "
	    "back in \"%s\"", label, field);
	cr_assert_eq(regcomp(&pattern, "=\\?([^?[:space:]]+)\\?([BbQq])\\?"
	    "([^?[:space:]]*)\\?=", REG_EXTENDED), 0, "regcomp failed");
	while (regexec(&pattern, p, 4, match, 0) == 0) {
		struct buf payload = BUF_INIT;
		size_t length = (size_t) (match[0].rm_eo - match[0].rm_so);

		cr_assert_leq(length, 75, "%s: encoded-word \"%.*s\" has %zu "
		    "characters, expected at most 75", label, (int) length,
		    p + match[0].rm_so, length);
		cr_assert(strncasecmp(p + match[1].rm_so, "UTF-8?", 6) == 0,
		    "%s: encoded-word \"%.*s\" is not in UTF-8", label,
		    (int) length, p + match[0].rm_so);
		decode_word_payload(p[match[2].rm_so], p + match[3].rm_so,
		    (size_t) (match[3].rm_eo - match[3].rm_so), &payload);
		cr_assert(g_utf8_validate(payload.data ? payload.data : "",
		    (gssize) payload.length, NULL), "%s: encoded-word \"%.*s\" "
		    "does not hold whole UTF-8 characters", label,
		    (int) length, p + match[0].rm_so);
		buf_free(&payload);
		p += match[0].rm_eo;
	}
	regfree(&pattern);
}

static void
check_subject(const char *label, const char *subject)
{
	struct message_fields fields;
	struct buf raw = BUF_INIT;
	GMimeMessage *message;
	const char *got;
	char *field;

	default_fields(&fields);
	fields.subject = subject;
	message = render(&fields, &raw);
	got = g_mime_message_get_subject(message);
	cr_assert_str_eq(got ? got : "(none)", subject, "%s: Subject decodes "
	    "to \"%s\", expected \"%s\"\n%s", label, got ? got : "(none)",
	    subject, raw.data);
	field = raw_header(&raw, "Subject");
	cr_assert_not_null(field, "%s: no Subject header", label);
	check_encoded_words(label, field);
	check_raw_lines(label, &raw);
	free(field);
	g_object_unref(message);
	buf_free(&raw);
}

static const char *const local_subjects[] = {
	"Hello",
	"Weekend sale \xf0\x9f\x94\xa5 on climbing ropes",
	"Caf\xc3\xa9 \xe2\x80\x93 Zo\xc3\xab's pick, $15",
	"Two  spaces and a\ttab",
	" leading space",
	"trailing space ",
	"\xf0\x9f\x94\xa5  \xf0\x9f\x94\xa5 double space between emoji",
	"=?utf-8?B?SGk=?=",
	"word=?utf-8?q?x?=word and ?= and =? alone",
	"\xf0\x9f\x87\xa8\xf0\x9f\x87\xad\xf0\x9f\x87\xaf\xf0\x9f\x87\xb5"
	    "\xf0\x9f\x87\xab\xf0\x9f\x87\xb7\xf0\x9f\x87\xa9\xf0\x9f\x87\xaa"
	    "\xf0\x9f\x87\xac\xf0\x9f\x87\xa7\xf0\x9f\x87\xae\xf0\x9f\x87\xb9"
	    " flags",
	"Reply: \"quoted\" (comment) <angle> [square] a_b a=b a?b",
};

Test(message, subjects_local)
{
	size_t i;

	for (i = 0; i < sizeof(local_subjects) / sizeof(local_subjects[0]);
	    i++) {
		char label[32];

		snprintf(label, sizeof(label), "subject %zu", i);
		check_subject(label, local_subjects[i]);
	}
}

Test(message, subject_long_word)
{
	char subject[2101];

	/* 2,100 bytes without a blank: no line may pass 998 bytes. */
	memset(subject, 'a', sizeof(subject) - 1);
	subject[sizeof(subject) - 1] = '\0';
	check_subject("2,100-byte word", subject);
	memset(subject, 0, sizeof(subject));
	while (strlen(subject) + 4 < sizeof(subject))
		strcat(subject, "\xe6\x97\xa5");
	check_subject("CJK without blanks", subject);
}

Test(message, ascii_subject_folded)
{
	static const char subject[] = "Your monthly statement for the account "
	    "ending 4242 is now ready to view online together with a summary "
	    "of fees";
	struct message_fields fields;
	struct buf raw = BUF_INIT;
	GMimeMessage *message;
	char *field, *line;

	default_fields(&fields);
	fields.subject = subject;
	message = render(&fields, &raw);
	field = raw_header(&raw, "Subject");
	cr_assert_null(strstr(field, "=?"), "plain ASCII subject was encoded: "
	    "\"%s\"", field);
	for (line = field; line; line = strchr(line, '\n')) {
		size_t length;

		line += *line == '\n';
		length = strcspn(line, "\n");
		cr_assert_leq(length, 78, "Subject line \"%.*s\" has %zu "
		    "characters, expected at most 78", (int) length, line,
		    length);
	}
	free(field);
	g_object_unref(message);
	buf_free(&raw);
}

/* Reads the lines of a file, without their newlines, into lines. */
static size_t
read_lines(const char *path, char ***lines)
{
	size_t count = 0, capacity = 0;
	ssize_t length;
	char *line = NULL;
	FILE *file = fopen(path, "r");

	cr_assert_not_null(file, "cannot open %s", path);
	*lines = NULL;
	while ((length = getline(&line, &capacity, file)) >= 0) {
		if (length > 0 && line[length - 1] == '\n')
			line[length - 1] = '\0';
		*lines = realloc(*lines, (count + 1) * sizeof(char *));
		(*lines)[count++] = strdup(line);
	}
	free(line);
	fclose(file);
	return count;
}

static void
free_lines(char **lines, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		free(lines[i]);
	free(lines);
}

Test(message, subjects_case)
{
	char *path = shared_file("cases/04-emoji-subjects/expected_subjects.txt");
	char **lines;
	size_t count, i;

	count = read_lines(path, &lines);
	cr_assert_eq(count, 10, "%s has %zu lines, expected 10", path, count);
	for (i = 0; i < count; i++) {
		char label[32];

		snprintf(label, sizeof(label), "case 04 row %zu", i + 1);
		check_subject(label, lines[i]);
	}
	free_lines(lines, count);
	free(path);
}

/* Renders a message from name and address, then checks that From
 * contains exactly that one mailbox. */
static void
check_from(const char *label, const char *name, const char *address)
{
	struct message_fields fields;
	struct buf raw = BUF_INIT;
	GMimeMessage *message;
	InternetAddressList *from;
	InternetAddress *mailbox;
	const char *got_name, *got_address;
	char *field, *unfolded;

	default_fields(&fields);
	fields.from_name = name;
	fields.from_addr = address;
	fields.return_path = address;
	message = render(&fields, &raw);
	cr_assert_eq(internet_address_list_length(g_mime_message_get_from(
	    message)), 1, "%s: From holds %d addresses, expected 1\n%s",
	    label, internet_address_list_length(g_mime_message_get_from(
	    message)), raw.data);

	/* RFC 5322 section 2.2.3: unfold, then parse the address list. */
	field = raw_header(&raw, "From");
	cr_assert_not_null(field, "%s: no From header", label);
	unfolded = g_mime_utils_header_unfold(field + 5);
	from = internet_address_list_parse(NULL, unfolded);
	cr_assert_not_null(from, "%s: cannot parse \"%s\"", label, unfolded);
	cr_assert_eq(internet_address_list_length(from), 1, "%s: \"%s\" "
	    "holds %d addresses, expected 1", label, unfolded,
	    internet_address_list_length(from));
	mailbox = internet_address_list_get_address(from, 0);
	cr_assert(INTERNET_ADDRESS_IS_MAILBOX(mailbox), "%s: From is a "
	    "group, expected a mailbox", label);
	got_name = internet_address_get_name(mailbox);
	got_address = internet_address_mailbox_get_addr(
	    INTERNET_ADDRESS_MAILBOX(mailbox));
	cr_assert_str_eq(got_name ? got_name : "", name, "%s: display name "
	    "\"%s\", expected \"%s\"\n%s", label, got_name ? got_name : "",
	    name, raw.data);
	cr_assert_str_eq(got_address, address, "%s: address \"%s\", expected "
	    "\"%s\"", label, got_address, address);
	check_encoded_words(label, field);
	if (name[0] == '\0') {
		cr_assert_null(strchr(field, '"'), "%s: empty name written as "
		    "\"%s\", expected a bare address", label, field);
		cr_assert_eq(strstr(field, address) - field, 6, "%s: \"%s\" "
		    "does not start with the address", label, field);
	}
	cr_assert_null(strstr(field, "=?") ? strstr(strstr(field, "<"),
	    "=?") : NULL, "%s: the address is encoded in \"%s\"", label,
	    field);
	check_raw_lines(label, &raw);
	g_object_unref(from);
	g_free(unfolded);
	free(field);
	g_object_unref(message);
	buf_free(&raw);
}

Test(message, from_local)
{
	static const struct {
		const char *name;
		const char *address;
	} cases[] = {
		{"Example News", "news@example.com"},
		{"Acme, Inc.", "news@example.com"},
		{"Back\\slash \"and\" quotes", "b@example.com"},
		{"Lee; Partners (Sales) <Team>", "sales@example.com"},
		{"M\xc3\xbcller, J\xc3\xbcrgen", "j@example.org"},
		{"=?utf-8?q?Doe=2C_John?=", "doe@example.com"},
		{"Doe, John =?utf-8?q?x?=", "jdoe@example.com"},
		{"", "noname@example.net"},
		{"Support Team", "first.last+promo@example.com"},
		{"\xf0\x9f\x9a\x80 Rocket", "rocket@example.org"},
		{"Two  spaces", "s@example.com"},
		{"Caf\xc3\xa9 Zo\xc3\xab \xe2\x80\x93 M\xc3\xbcller and a long "
		    "tail of words to make the header fold more than once "
		    "\xf0\x9f\x87\xa8\xf0\x9f\x87\xad", "long@example.com"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char label[32];

		snprintf(label, sizeof(label), "name %zu", i);
		check_from(label, cases[i].name, cases[i].address);
	}
}

Test(message, from_case)
{
	char *path = shared_file("cases/05-display-names/expected_from.tsv");
	char **lines;
	size_t count, i;

	count = read_lines(path, &lines);
	cr_assert_eq(count, 12, "%s has %zu lines, expected 12", path, count);
	for (i = 1; i < count; i++) {
		char *job = lines[i], *name, *address;

		name = strchr(job, '\t');
		cr_assert_not_null(name, "%s:%zu: no tab", path, i + 1);
		*name++ = '\0';
		address = strchr(name, '\t');
		cr_assert_not_null(address, "%s:%zu: one tab", path, i + 1);
		*address++ = '\0';
		check_from(job, name, address);
	}
	free_lines(lines, count);
	free(path);
}

Test(message, to_header)
{
	struct message_fields fields;
	struct buf raw = BUF_INIT;
	GMimeMessage *message;
	InternetAddressList *to;
	InternetAddress *mailbox;

	default_fields(&fields);
	message = render(&fields, &raw);
	to = g_mime_message_get_addresses(message, GMIME_ADDRESS_TYPE_TO);
	cr_assert_eq(internet_address_list_length(to), 1, "To holds %d "
	    "addresses, expected 1", internet_address_list_length(to));
	mailbox = internet_address_list_get_address(to, 0);
	cr_assert_str_eq(internet_address_get_name(mailbox), "Mary O'Neil",
	    "To name \"%s\", expected \"Mary O'Neil\"",
	    internet_address_get_name(mailbox));
	cr_assert_str_eq(internet_address_mailbox_get_addr(
	    INTERNET_ADDRESS_MAILBOX(mailbox)), "mary.o'neil12@example.net",
	    "To address \"%s\", expected \"mary.o'neil12@example.net\"",
	    internet_address_mailbox_get_addr(
	    INTERNET_ADDRESS_MAILBOX(mailbox)));
	g_object_unref(message);
	buf_free(&raw);
}

struct header_case {
	const char *name;
	const char *value;
};

Test(message, headers)
{
	static const struct header_case expected[] = {
		{"Return-Path", "<news@example.com>"},
		{"Date", "Fri, 04 Dec 2026 12:00:07 -0500"},
		{"Message-Id", "<20261204170007.0123456789abcdef@r1.test>"},
		{"MIME-Version", "1.0"},
		{"X-Job", "Job"},
		{"X-Bounce-Me", "550 5.1.1 <mary@example.net> no such user"},
		{"X-Bounce-Percentage", "40"},
		{"X-Campaign", "spring"},
		{"X-Test-Run", "42 and more"},
	};
	struct message_fields fields;
	struct buf raw = BUF_INIT;
	GMimeMessage *message;
	size_t i;

	default_fields(&fields);
	fields.bounce_me = "550 5.1.1 <mary@example.net> no such user";
	fields.bounce_percentage = "40";
	message = render(&fields, &raw);
	for (i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		const char *got = g_mime_object_get_header(GMIME_OBJECT(message),
		    expected[i].name);

		cr_assert_str_eq(got ? got : "(none)", expected[i].value,
		    "%s: \"%s\", expected \"%s\"", expected[i].name,
		    got ? got : "(none)", expected[i].value);
	}
	cr_assert_eq(raw.data[0] == 'R', 1, "the message starts with \"%.20s\", "
	    "expected Return-Path", raw.data);
	g_object_unref(message);
	buf_free(&raw);
}

Test(message, no_bounce_headers)
{
	struct message_fields fields;
	struct buf raw = BUF_INIT;
	GMimeMessage *message;

	default_fields(&fields);
	message = render(&fields, &raw);
	cr_assert_null(g_mime_object_get_header(GMIME_OBJECT(message),
	    "X-Bounce-Me"), "X-Bounce-Me present without a bounce");
	cr_assert_null(g_mime_object_get_header(GMIME_OBJECT(message),
	    "X-Bounce-Percentage"), "X-Bounce-Percentage present without a "
	    "bounce");
	g_object_unref(message);
	buf_free(&raw);
}

/* Returns the decoded content of part; free with g_byte_array_unref. */
static GByteArray *
part_content(GMimePart *part)
{
	GByteArray *bytes = g_byte_array_new();
	GMimeStream *stream = g_mime_stream_mem_new_with_byte_array(bytes);

	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
	g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(part),
	    stream);
	g_object_unref(stream);
	return bytes;
}

/* Checks that every line of every encoded part's body is at most 76
 * characters, as RFC 2045 requires of quoted-printable and base64. */
static void
check_encoded_lines(const char *label, const struct buf *raw,
    const char *boundary)
{
	char delimiter[256];
	const char *part = raw->data;

	snprintf(delimiter, sizeof(delimiter), "\n--%s", boundary);
	while ((part = strstr(part, delimiter)) != NULL) {
		const char *body = strstr(part, "\n\n");
		const char *end = body ? strstr(body, delimiter) : NULL;
		int encoded;

		part += strlen(delimiter);
		if (body == NULL || end == NULL)
			break;
		encoded = memmem(part, (size_t) (body - part),
		    "quoted-printable", 16) || memmem(part,
		    (size_t) (body - part), "base64", 6);
		for (body += 2; encoded && body < end;) {
			size_t length = strcspn(body, "\n");

			cr_assert_leq(length, 76, "%s: encoded line \"%.*s\" has "
			    "%zu characters, expected at most 76", label,
			    (int) length, body, length);
			body += length + 1;
		}
	}
}

static void
check_bodies(const char *label, const char *text, const char *html)
{
	struct message_fields fields;
	struct buf raw = BUF_INIT;
	GMimeMessage *message;
	GMimeObject *body;
	GMimeMultipart *multipart;
	const char *expected[2] = {text, html};
	const char *subtypes[2] = {"plain", "html"};
	int i;

	default_fields(&fields);
	fields.text_body = text;
	fields.text_length = strlen(text);
	fields.html_body = html;
	fields.html_length = strlen(html);
	message = render(&fields, &raw);
	check_raw_lines(label, &raw);
	body = g_mime_message_get_mime_part(message);
	cr_assert(GMIME_IS_MULTIPART(body), "%s: the body is not multipart",
	    label);
	cr_assert(g_mime_content_type_is_type(g_mime_object_get_content_type(
	    body), "multipart", "alternative"), "%s: the body is not "
	    "multipart/alternative", label);
	multipart = GMIME_MULTIPART(body);
	cr_assert_eq(g_mime_multipart_get_count(multipart), 2, "%s: %d parts, "
	    "expected 2", label, g_mime_multipart_get_count(multipart));
	for (i = 0; i < 2; i++) {
		GMimeObject *object = g_mime_multipart_get_part(multipart, i);
		GMimeContentType *type = g_mime_object_get_content_type(object);
		const char *charset = g_mime_content_type_get_parameter(type,
		    "charset");
		GByteArray *content;

		cr_assert(g_mime_content_type_is_type(type, "text",
		    subtypes[i]), "%s: part %d is %s/%s, expected text/%s",
		    label, i, g_mime_content_type_get_media_type(type),
		    g_mime_content_type_get_media_subtype(type), subtypes[i]);
		cr_assert_str_eq(charset ? charset : "(none)", "utf-8", "%s: "
		    "part %d charset \"%s\", expected \"utf-8\"", label, i,
		    charset ? charset : "(none)");
		content = part_content(GMIME_PART(object));
		cr_assert_eq(content->len, strlen(expected[i]), "%s: part %d "
		    "decodes to %u bytes, expected %zu:\n%.*s", label, i,
		    content->len, strlen(expected[i]), (int) content->len,
		    (char *) content->data);
		cr_assert(content->len == 0 || memcmp(content->data, expected[i],
		    content->len) == 0,
		    "%s: part %d decodes to\n%.*s\nexpected\n%s", label, i,
		    (int) content->len, (char *) content->data, expected[i]);
		g_byte_array_unref(content);
	}
	check_encoded_lines(label, &raw, g_mime_multipart_get_boundary(
	    multipart));
	g_object_unref(message);
	buf_free(&raw);
}

Test(message, bodies)
{
	static char long_line[2000];
	static char html[2200];
	static const char text[] = "Hello,\n\n.\n..two dots\nFrom the team\n"
	    "Tab\there and trailing spaces   \nNo\xc2\xa0" "break\n"
	    "=?utf-8?q?x?= and =3D\nRegister now";

	memset(long_line, 'x', 1200);
	snprintf(html, sizeof(html), "<p>%s</p>\n<p>Caf\xc3\xa9\xc2\xa0"
	    "</p>\n.\n<p>trailing   \n", long_line);
	check_bodies("ASCII", "plain\n", "<p>plain</p>\n");
	check_bodies("dots, tabs, NBSP", text, "<p>x</p>");
	check_bodies("1,200-byte line", text, html);
	check_bodies("empty", "", "");
}

Test(message, header_field_parse)
{
	static const struct {
		const char *argument;
		const char *name;
		const char *value;
	} valid[] = {
		{"X-Campaign=spring", "X-Campaign", "spring"},
		{"X-Campaign:spring", "X-Campaign", "spring"},
		{"X-A= padded", "X-A", "padded"},
		{"X-B=a=b", "X-B", "a=b"},
		{"X-C=", "X-C", ""},
	};
	static const char *const invalid[] = {
		"", "=value", "NoValue", "X Bad=1", "X-\xc3\xa9=1",
		"X-Line=a\nB: c", "X-CR=a\rb",
	};
	size_t i;

	for (i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		struct header_field field;
		struct buf error = BUF_INIT;
		int status = header_field_parse(valid[i].argument, &field,
		    &error);

		cr_assert_eq(status, 0, "\"%s\": status %d, expected 0 (%s)",
		    valid[i].argument, status, error.data ? error.data : "");
		cr_assert_str_eq(field.name, valid[i].name, "\"%s\": name "
		    "\"%s\", expected \"%s\"", valid[i].argument, field.name,
		    valid[i].name);
		cr_assert_str_eq(field.value, valid[i].value, "\"%s\": value "
		    "\"%s\", expected \"%s\"", valid[i].argument, field.value,
		    valid[i].value);
		free(field.name);
		free(field.value);
		buf_free(&error);
	}
	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		struct header_field field;
		struct buf error = BUF_INIT;
		int status = header_field_parse(invalid[i], &field, &error);

		cr_assert_eq(status, -1, "\"%s\": status %d, expected -1",
		    invalid[i], status);
		cr_assert_not_null(error.data, "\"%s\": no message",
		    invalid[i]);
		buf_free(&error);
	}
}

/* Writes length bytes to name in the temporary folder. */
static void
write_temp_bytes(const char *name, const void *bytes, size_t length)
{
	char *path;
	FILE *file;

	cr_assert_neq(asprintf(&path, "%s/%s", temp_folder, name), -1,
	    "asprintf failed");
	file = fopen(path, "wb");
	cr_assert_not_null(file, "cannot create %s", path);
	cr_assert_eq(fwrite(bytes, 1, length, file), length, "write %s", path);
	cr_assert_eq(fclose(file), 0, "cannot write %s", path);
	free(path);
}

/* Decodes a MIME part's content into a new buffer. */
static void
decode_part(GMimePart *part, struct buf *out)
{
	GByteArray *bytes = g_byte_array_new();
	GMimeStream *stream = g_mime_stream_mem_new_with_byte_array(bytes);

	g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(part),
	    stream);
	buf_append(out, bytes->data, bytes->len);
	g_object_unref(stream);
}

Test(message, attachments_parse_back, .init = temp_folder_create,
    .fini = temp_folder_remove)
{
	static const unsigned char png[] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
		0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1,
		8, 2, 0, 0, 0, 0x90, 0x77, 0x53, 0xde,
	};
	static const char pdf[] = "%PDF-1.4\n1 0 obj << /Type /Catalog >> "
	    "endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
	static const char text[] = "Plain notes, line one.\nLine two.\n";
	static const struct {
		const char *name;
		const char *type;
	} expected[] = {
		{"pixel.png", "image/png"},
		{"report", "application/pdf"},
		{"r\xc3\xa9sum\xc3\xa9.pdf", "application/pdf"},
		{"notes.txt", "text/plain"},
	};
	const char *paths[4];
	char *owned[4];
	struct attachment_list fixed = {0}, pool = {0};
	struct message_attachment list[4];
	struct message_fields fields;
	struct buf error = BUF_INIT, raw = BUF_INIT;
	GMimeMessage *message;
	GMimeObject *body;
	size_t i;

	write_temp_bytes("pixel.png", png, sizeof(png));
	write_temp_bytes("report", pdf, strlen(pdf));
	write_temp_bytes("r\xc3\xa9sum\xc3\xa9.pdf", pdf, strlen(pdf));
	write_temp_bytes("notes.txt", text, strlen(text));
	for (i = 0; i < 4; i++) {
		cr_assert_neq(asprintf(&owned[i], "%s/%s", temp_folder,
		    expected[i].name), -1, "asprintf failed");
		paths[i] = owned[i];
	}
	cr_assert_eq(attachment_lists_load(&fixed, paths, 4, &pool, NULL,
	    &error), 0, "attachment_lists_load: %s", error.data);
	for (i = 0; i < 4; i++) {
		list[i].filename = fixed.items[i].filename;
		list[i].content_type = fixed.items[i].content_type;
		list[i].data = fixed.items[i].data;
		list[i].length = fixed.items[i].length;
	}
	default_fields(&fields);
	fields.boundary = "=-alternative-boundary";
	fields.mixed_boundary = "=-mixed-boundary";
	fields.attachments = list;
	fields.attachment_count = 4;
	message = render(&fields, &raw);
	check_raw_lines("attachments", &raw);

	body = g_mime_message_get_mime_part(message);
	cr_assert(GMIME_IS_MULTIPART(body), "body is not multipart");
	cr_assert_str_eq(g_mime_content_type_get_media_subtype(
	    g_mime_object_get_content_type(body)), "mixed",
	    "body is not multipart/mixed");
	cr_assert_eq(g_mime_multipart_get_count(GMIME_MULTIPART(body)), 5,
	    "multipart/mixed has %d parts, expected the alternative and 4",
	    g_mime_multipart_get_count(GMIME_MULTIPART(body)));
	for (i = 0; i < 4; i++) {
		GMimeObject *part = g_mime_multipart_get_part(
		    GMIME_MULTIPART(body), (int) i + 1);
		char *type = g_mime_content_type_get_mime_type(
		    g_mime_object_get_content_type(part));
		struct buf decoded = BUF_INIT;

		cr_assert(GMIME_IS_PART(part), "part %zu is not a leaf", i + 1);
		cr_assert_str_eq(type, expected[i].type, "%s: type %s, "
		    "expected %s", expected[i].name, type, expected[i].type);
		cr_assert_str_eq(g_mime_part_get_filename(GMIME_PART(part)),
		    expected[i].name, "file name \"%s\", expected \"%s\"",
		    g_mime_part_get_filename(GMIME_PART(part)),
		    expected[i].name);
		cr_assert_eq(g_mime_part_get_content_encoding(GMIME_PART(part)),
		    GMIME_CONTENT_ENCODING_BASE64, "%s is not base64",
		    expected[i].name);
		decode_part(GMIME_PART(part), &decoded);
		cr_assert_eq(decoded.length, fixed.items[i].length,
		    "%s decodes to %zu bytes, expected %zu", expected[i].name,
		    decoded.length, fixed.items[i].length);
		cr_assert_eq(memcmp(decoded.data, fixed.items[i].data,
		    decoded.length), 0, "%s decodes to other bytes",
		    expected[i].name);
		buf_free(&decoded);
		g_free(type);
	}
	g_object_unref(message);
	attachment_list_free(&fixed);
	attachment_list_free(&pool);
	for (i = 0; i < 4; i++)
		free(owned[i]);
	buf_free(&raw);
	buf_free(&error);
}
