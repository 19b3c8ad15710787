/*
 * Tests of message_render_fast(): on every message it accepts, its bytes
 * must equal those of message_render_gmime(), which builds GMime's object
 * tree. Messages come from the generator on the repository's data and on
 * the shared hard cases, and from random bodies and header texts.
 */
#include <criterion/criterion.h>
#include <gmime/gmime.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "generator.h"
#include "message.h"
#include "rng.h"

#define SLOT		1796403600	/* 2026-12-04T17:00Z */
#define NEW_YORK_OFFSET	(-5 * 3600)

static char *repository;

static void
set_up(void)
{
	char executable[PATH_MAX];
	ssize_t length;
	int i;

	length = readlink("/proc/self/exe", executable, sizeof(executable) - 1);
	cr_assert_gt(length, 0, "readlink /proc/self/exe failed");
	executable[length] = '\0';
	for (i = 0; i < 3; i++)
		*strrchr(executable, '/') = '\0';
	repository = strdup(executable);
	message_library_init();
}

static void
tear_down(void)
{
	free(repository);
}

TestSuite(message_fast, .init = set_up, .fini = tear_down);

/* Renders fields both ways; fails with the first differing byte. Returns
 * non-zero when the fast path took the message. */
static int
compare_renders(const struct message_fields *fields, const char *label)
{
	struct buf fast = BUF_INIT, slow = BUF_INIT;
	size_t i = 0;
	int taken;

	taken = message_render_fast(fields, &fast) == 0;
	message_render_gmime(fields, &slow);
	if (taken) {
		while (i < fast.length && i < slow.length
		    && fast.data[i] == slow.data[i])
			i++;
		cr_assert(fast.length == slow.length && i == fast.length,
		    "%s: fast and GMime output differ at byte %zu of %zu and "
		    "%zu:\nfast: \"%.60s\"\nGMime: \"%.60s\"", label, i,
		    fast.length, slow.length, fast.data + (i > 20 ? i - 20 : 0),
		    slow.data + (i > 20 ? i - 20 : 0));
	} else {
		cr_assert_eq(fast.length, 0, "%s: fast path declined but "
		    "wrote %zu bytes", label, fast.length);
	}
	buf_free(&fast);
	buf_free(&slow);
	return taken;
}

/* Sets config to the repository's inputs, with senders and HTML template
 * replaced when the arguments are not NULL. Free the paths in paths. */
static void
config_files(struct generator_config *config, char *paths[7],
    const char *senders, const char *html)
{
	static const char *const files[] = {
		"data/bounces.csv", "data/senders.csv", "templates/email.html",
		"templates/email.txt", "data/first_names.txt",
		"data/last_names.txt", "data/domain_groups.csv",
	};
	int i;

	for (i = 0; i < 7; i++)
		cr_assert_neq(asprintf(&paths[i], "%s/%s", repository,
		    files[i]), -1, "asprintf failed");
	if (senders) {
		free(paths[1]);
		paths[1] = strdup(senders);
	}
	if (html) {
		free(paths[2]);
		paths[2] = strdup(html);
	}
	config->bounces_path = paths[0];
	config->senders_path = paths[1];
	config->html_path = paths[2];
	config->text_path = paths[3];
	config->first_names_path = paths[4];
	config->last_names_path = paths[5];
	config->domain_groups_path = paths[6];
	config->yahoo_backoff = -1;
	config->zone = "America/New_York";
	config->seeded = 1;
	config->skip_bad_rows = 1;
}

/* Composes count messages with the generator and compares both renders;
 * returns how many took the fast path. */
static size_t
compare_generated(const char *senders, const char *html, uint64_t seed,
    size_t count, const struct header_field *headers, size_t header_count)
{
	struct generator_config config = {0};
	struct generator generator;
	struct generator_draft draft;
	struct message_fields fields;
	struct buf error = BUF_INIT;
	char *paths[7], label[64];
	size_t i, taken = 0;
	int status;

	config_files(&config, paths, senders, html);
	config.seed = seed;
	config.extra_headers = headers;
	config.extra_header_count = header_count;
	status = generator_load(&generator, &config, &error);
	cr_assert_eq(status, 0, "generator_load: %s", error.data ? error.data
	    : "");
	for (i = 0; i < count; i++) {
		generator_seed_message(&generator, SLOT, i);
		generator_prepare(&generator, SLOT, NEW_YORK_OFFSET, &draft,
		    &fields);
		snprintf(label, sizeof(label), "seed %llu, message %zu",
		    (unsigned long long) seed, i);
		taken += compare_renders(&fields, label);
	}
	generator_free(&generator);
	for (i = 0; i < 7; i++)
		free(paths[i]);
	buf_free(&error);
	return taken;
}

Test(message_fast, default_data)
{
	struct header_field headers[] = {
		{"X-Campaign", "spring"}, {"X-Run", "e2e test \xc3\xa9t\xc3\xa9"},
	};
	size_t taken;

	taken = compare_generated(NULL, NULL, 1, 1500, NULL, 0);
	cr_assert_eq(taken, 1500, "fast path took %zu of 1500 messages",
	    taken);
	taken = compare_generated(NULL, NULL, 2, 500, headers, 2);
	cr_assert_eq(taken, 500, "with X- headers, fast path took %zu of 500",
	    taken);
}

Test(message_fast, special_headers_declined)
{
	struct header_field subject[] = {{"Subject", "other"}};
	struct header_field twice[] = {{"X-A", "1"}, {"x-a", "2"}};
	struct header_field job[] = {{"X-Job", "again"}};

	cr_assert_eq(compare_generated(NULL, NULL, 3, 20, subject, 1), 0,
	    "a Subject header must go through GMime");
	cr_assert_eq(compare_generated(NULL, NULL, 3, 20, twice, 2), 0,
	    "a repeated header name must go through GMime");
	cr_assert_eq(compare_generated(NULL, NULL, 3, 20, job, 1), 0,
	    "a second X-Job must go through GMime");
}

Test(message_fast, shared_cases)
{
	static const char *const senders[] = {
		"04-emoji-subjects/sender_subjects.csv",
		"05-display-names/sender_subjects.csv",
		"01-sender-csv-extra-field/sender_subjects.csv",
	};
	char *cases, *path, *html;
	size_t i;

	cr_assert_neq(asprintf(&cases, "%s/../shared/cases", repository), -1,
	    "asprintf failed");
	if (access(cases, R_OK) != 0) {
		free(cases);
		cr_skip_test("the shared cases folder is absent");
	}
	for (i = 0; i < sizeof(senders) / sizeof(senders[0]); i++) {
		cr_assert_neq(asprintf(&path, "%s/%s", cases, senders[i]), -1,
		    "asprintf failed");
		compare_generated(path, NULL, 40 + i, 400, NULL, 0);
		free(path);
	}
	cr_assert_neq(asprintf(&html, "%s/06-template-long-lines/template.html",
	    cases), -1, "asprintf failed");
	compare_generated(NULL, html, 50, 200, NULL, 0);
	free(html);
	free(cases);
}

/* Appends count random pieces: words, blanks and tabs (also before line
 * ends), line ends, '=', 8-bit UTF-8 and long runs without blanks. */
static void
random_text(struct rng *rng, struct buf *text, size_t count)
{
	static const char *const pieces[] = {
		"word", " ", "\t", "\n", " \n", "\t\n", "=", "==", "\xc3\xa9",
		"\xe2\x80\x94", "\xf0\x9f\x94\xa5", ".", "From ", "-", "?",
		"_", "~", "a=b", "  ", "x", "\x7e", "{", "}",
	};
	size_t i, j, piece, repeat;

	for (i = 0; i < count; i++) {
		piece = rng_below(rng, sizeof(pieces) / sizeof(pieces[0]) + 1);
		if (piece == sizeof(pieces) / sizeof(pieces[0])) {
			repeat = rng_below(rng, 200);
			for (j = 0; j < repeat; j++)
				buf_append_byte(text, 'a' + (char) (j % 26));
			continue;
		}
		buf_append_string(text, pieces[piece]);
	}
}

Test(message_fast, random_bodies)
{
	struct message_fields fields = {0};
	struct buf text = BUF_INIT, html = BUF_INIT;
	struct rng rng;
	char label[64];
	size_t i, taken = 0;

	rng_seed(&rng, 99);
	fields.return_path = "sender@example.com";
	fields.from_name = "Sender \xc3\xa9";
	fields.from_addr = "sender@example.com";
	fields.to_name = "Ann Example";
	fields.to_addr = "ann@example.org";
	fields.date = "Fri, 04 Dec 2026 12:00:00 -0500";
	fields.message_id = "20261204170000.0123456789abcdef@r1.example";
	fields.x_job = "job";
	fields.bounce_percentage = "40";
	fields.boundary = "=_0123456789abcdef";
	for (i = 0; i < 3000; i++) {
		buf_reset(&text);
		buf_reset(&html);
		random_text(&rng, &text, rng_below(&rng, 400) + 1);
		random_text(&rng, &html, rng_below(&rng, 400) + 1);
		buf_reset(&html);
		random_text(&rng, &html, rng_below(&rng, 60) + 1);
		buf_append_string(&html, "\xc3\xa9");
		fields.subject = html.length < 300 ? html.data : "Subject";
		fields.bounce_me = i % 2 ? "550 5.1.1 unknown \xc3\xa9" : NULL;
		fields.text_body = text.data;
		fields.text_length = text.length;
		fields.html_body = html.data;
		fields.html_length = html.length;
		snprintf(label, sizeof(label), "random body %zu", i);
		taken += compare_renders(&fields, label);
	}
	cr_assert_gt(taken, 1000, "fast path took only %zu of 3000 random "
	    "messages", taken);
	buf_free(&text);
	buf_free(&html);
}

Test(message_fast, plain_ascii_declined)
{
	struct message_fields fields = {0};
	struct buf output = BUF_INIT;

	fields.return_path = fields.from_addr = "a@example.com";
	fields.to_addr = "b@example.com";
	fields.subject = "s";
	fields.date = "Fri, 04 Dec 2026 12:00:00 -0500";
	fields.message_id = "1@example";
	fields.x_job = "j";
	fields.boundary = "=_0";
	fields.text_body = fields.html_body = "plain ASCII\n";
	fields.text_length = fields.html_length = 12;
	cr_assert_eq(message_render_fast(&fields, &output), -1,
	    "a 7-bit body must go through GMime");
	cr_assert_eq(output.length, 0, "declined, but %zu bytes written",
	    output.length);
	fields.boundary = NULL;
	fields.text_body = fields.html_body = "\xc3\xa9t\xc3\xa9\n";
	fields.text_length = fields.html_length = 6;
	cr_assert_eq(message_render_fast(&fields, &output), -1,
	    "a message without a boundary must go through GMime");
	buf_free(&output);
}

/* Appends a random byte that message_fast_qp() writes as it is and that
 * is not a blank: printable ASCII other than '='. */
static void
append_plain_byte(struct rng *rng, struct buf *text)
{
	char c;

	do
		c = (char) (33 + rng_below(rng, 94));
	while (c == '=');
	buf_append_byte(text, c);
}

/*
 * Appends count pieces that stress the 16-byte blocks of the encoder:
 * plain runs that end near column 75, blank runs that may end a line or
 * the body, '=', 8-bit bytes and lines longer than 76.
 */
static void
random_qp_text(struct rng *rng, struct buf *text, size_t count)
{
	static const size_t run_lengths[] = {1, 2, 15, 16, 17, 59, 60, 73,
	    74, 75, 76, 77};
	size_t i, j, length;

	for (i = 0; i < count; i++) {
		switch (rng_below(rng, 9)) {
		case 0:
			length = run_lengths[rng_below(rng,
			    sizeof(run_lengths) / sizeof(run_lengths[0]))];
			for (j = 0; j < length; j++)
				append_plain_byte(rng, text);
			break;
		case 1:
			length = 55 + rng_below(rng, 150);
			for (j = 0; j < length; j++)
				append_plain_byte(rng, text);
			break;
		case 2:
			length = 1 + rng_below(rng, 20);
			for (j = 0; j < length; j++)
				buf_append_byte(text, rng_below(rng, 3) ? ' '
				    : '\t');
			break;
		case 3:
			buf_append_byte(text, '\n');
			break;
		case 4:
			buf_append_string(text, rng_below(rng, 2) ? " \n"
			    : "\t\n");
			break;
		case 5:
			buf_append_byte(text, '=');
			break;
		case 6:
			buf_append_byte(text, (char) (128 + rng_below(rng,
			    128)));
			break;
		default:
			length = 1 + rng_below(rng, 12);
			for (j = 0; j < length; j++)
				append_plain_byte(rng, text);
			buf_append_byte(text, ' ');
			break;
		}
	}
}

/* Fails with the first byte where two encodings of the same body
 * differ. */
static void
assert_same_encoding(const struct buf *got, const char *got_name,
    const struct buf *expected, const char *expected_name, size_t body)
{
	size_t i = 0;

	while (i < got->length && i < expected->length
	    && got->data[i] == expected->data[i])
		i++;
	cr_assert(got->length == expected->length && i == got->length,
	    "body %zu: %s and %s differ at byte %zu of %zu and %zu:\n"
	    "%s: \"%.40s\"\n%s: \"%.40s\"", body, got_name, expected_name, i,
	    got->length, expected->length, got_name,
	    got->data + (i > 20 ? i - 20 : 0), expected_name,
	    expected->data + (i > 20 ? i - 20 : 0));
}

Test(message_fast, blocks_in_use)
{
#ifdef __SSE2__
	cr_assert(message_fast_blocks_ready(), "the SSE2 byte classes do not "
	    "match the quoted-printable bytes learnt from GMime");
#else
	cr_skip_test("built without SSE2");
#endif
}

/* Encodes random bodies with the SSE2 blocks, without them and with
 * GMime's own encoder, and compares the three. Each body sits in a
 * buffer of its exact length, so that the sanitizer build catches a
 * read past its end. */
Test(message_fast, qp_blocks_match_bytewise)
{
	struct buf text = BUF_INIT, blocks = BUF_INIT, bytewise = BUF_INIT;
	struct buf gmime = BUF_INIT;
	struct rng rng;
	size_t i, length;
	char *body;
	int state;
	guint32 save;

	rng_seed(&rng, 7);
	for (i = 0; i < 20000; i++) {
		buf_reset(&text);
		random_qp_text(&rng, &text, rng_below(&rng, 40) + 1);
		length = text.length;
		body = malloc(length ? length : 1);
		cr_assert_not_null(body, "malloc failed");
		memcpy(body, text.data, length);
		buf_reset(&blocks);
		buf_reset(&bytewise);
		buf_reset(&gmime);
		message_fast_qp(&blocks, body, length, 1);
		message_fast_qp(&bytewise, body, length, 0);
		assert_same_encoding(&blocks, "blocks", &bytewise, "bytewise",
		    i);
		buf_reserve(&gmime, length * 5 + 16);
		state = -1;
		save = 0;
		gmime.length = g_mime_encoding_quoted_encode_close(
		    (const unsigned char *) body, length,
		    (unsigned char *) gmime.data, &state, &save);
		gmime.data[gmime.length] = '\0';
		assert_same_encoding(&blocks, "blocks", &gmime, "GMime", i);
		free(body);
	}
	buf_free(&text);
	buf_free(&blocks);
	buf_free(&bytewise);
	buf_free(&gmime);
}

/* Compares message_fast_body_fits() with and without the SSE2 blocks on
 * random bodies with control characters, tabs, LFs and a varying share
 * of 8-bit bytes around the base64 limit. */
Test(message_fast, body_fits_blocks_match_bytewise)
{
	struct rng rng;
	size_t i, j, length, accepted = 0;
	unsigned eight_bit_share, control_share;
	unsigned char *body;
	int with_blocks, bytewise;

	rng_seed(&rng, 11);
	for (i = 0; i < 50000; i++) {
		length = rng_below(&rng, 600);
		eight_bit_share = (unsigned) rng_below(&rng, 30);
		control_share = rng_below(&rng, 2) ? 0
		    : (unsigned) rng_below(&rng, 2000);
		body = malloc(length ? length : 1);
		cr_assert_not_null(body, "malloc failed");
		for (j = 0; j < length; j++) {
			if (rng_below(&rng, 100) < eight_bit_share)
				body[j] = (unsigned char) (128 + rng_below(&rng,
				    128));
			else if (rng_below(&rng, 10000) < control_share)
				body[j] = rng_below(&rng, 8) ? (unsigned char)
				    rng_below(&rng, 32) : 127;
			else
				body[j] = (unsigned char) (32 + rng_below(&rng,
				    95));
			if (rng_below(&rng, 40) == 0)
				body[j] = rng_below(&rng, 2) ? '\t' : '\n';
		}
		with_blocks = message_fast_body_fits((const char *) body,
		    length, 1);
		bytewise = message_fast_body_fits((const char *) body, length,
		    0);
		cr_assert_eq(with_blocks, bytewise, "body %zu of %zu bytes: "
		    "body_fits is %d with blocks, %d without", i, length,
		    with_blocks, bytewise);
		accepted += with_blocks != 0;
		free(body);
	}
	cr_assert_gt(accepted, 5000, "only %zu of 50000 bodies fit, too few "
	    "to compare the 8-bit counts", accepted);
	cr_assert_lt(accepted, 45000, "%zu of 50000 bodies fit, too few "
	    "rejected to compare the control checks", accepted);
}
