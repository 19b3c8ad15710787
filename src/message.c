/*
 * message - builds each message as a GMime object tree and writes it into
 * a memory stream. GMime picks quoted-printable or base64 per part from
 * the part's content, so long template lines and 8-bit text are encoded.
 * Header values are encoded and folded here rather than by GMime, because
 * GMime 3.2 writes encoded-words longer than RFC 2047's 75 characters and
 * decodes text that merely looks like an encoded-word.
 */
#include <gmime/gmime.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "msg.h"

/* RFC 2047 section 2: an encoded-word is at most 75 characters. */
#define ENCODED_WORD_MAX	75
#define ENCODED_WORD_PAYLOAD	(ENCODED_WORD_MAX - 12)	/* "=?UTF-8?Q?" "?=" */

/* RFC 5322 section 2.1.1: fold before 78 characters where possible. */
#define FOLD_WIDTH		78

/* A word longer than this is encoded, so that it can be split over
 * lines: RFC 5322 allows no line over 998 bytes. */
#define PLAIN_WORD_MAX		900

/* A header value being written, with the column its last line ends at. */
struct header_writer {
	struct buf *text;
	size_t	column;
	int	started;
};

int
header_field_parse(const char *argument, struct header_field *field,
    struct buf *error)
{
	size_t name_length = strcspn(argument, "=:");
	const char *value = argument + name_length;
	size_t i;

	if (*value == '\0' || name_length == 0) {
		buf_appendf(error, "invalid header \"%s\": expected NAME=VALUE, "
		    "such as X-Campaign=spring", argument);
		return -1;
	}
	for (i = 0; i < name_length; i++) {
		unsigned char c = (unsigned char) argument[i];

		if (c <= 32 || c >= 127) {
			buf_appendf(error, "invalid header name \"%.*s\": use "
			    "printable ASCII without blanks or colons",
			    (int) name_length, argument);
			return -1;
		}
	}
	value++;
	if (strpbrk(value, "\r\n") != NULL) {
		buf_appendf(error, "invalid value for header %.*s: it contains "
		    "a line break, which would start another header",
		    (int) name_length, argument);
		return -1;
	}
	while (*value == ' ' || *value == '\t')
		value++;
	field->name = xstrndup(argument, name_length);
	field->value = xstrdup(value);
	return 0;
}

void
message_library_init(void)
{
	g_mime_init();
	message_fast_init();
}

static GMimePart *
message_text_part(const char *subtype, const char *text, size_t length)
{
	GMimePart *part = GMIME_PART(g_mime_text_part_new_with_subtype(subtype));
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(
	    text ? text : "", length);
	GMimeDataWrapper *content = g_mime_data_wrapper_new_with_stream(
	    stream, GMIME_CONTENT_ENCODING_DEFAULT);
	GMimeContentEncoding encoding;

	g_mime_object_set_content_type_parameter(GMIME_OBJECT(part),
	    "charset", "utf-8");
	g_mime_part_set_content(part, content);
	encoding = g_mime_part_get_best_content_encoding(part,
	    GMIME_ENCODING_CONSTRAINT_7BIT);
	g_mime_part_set_content_encoding(part, encoding);
	g_object_unref(content);
	g_object_unref(stream);
	return part;
}

/* Reads one UTF-8 character; an invalid byte counts as one character. */
static size_t
message_char_length(const char *text, size_t length, uint32_t *code)
{
	const unsigned char *p = (const unsigned char *) text;
	size_t extra, i;

	*code = p[0];
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		extra = 1, *code = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		extra = 2, *code = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		extra = 3, *code = p[0] & 0x07;
	else
		return 1;
	if (extra >= length)
		return 1;
	for (i = 1; i <= extra; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 1;
		*code = (*code << 6) | (p[i] & 0x3f);
	}
	return extra + 1;
}

/* Code points that belong to the character before them: combining
 * marks, variation selectors, emoji skin tones, tags and the ZWJ. */
static int
message_is_extender(uint32_t code)
{
	return (code >= 0x300 && code <= 0x36f)
	    || (code >= 0x1ab0 && code <= 0x1aff)
	    || (code >= 0x1dc0 && code <= 0x1dff)
	    || (code >= 0x20d0 && code <= 0x20ff)
	    || (code >= 0xfe00 && code <= 0xfe0f)
	    || (code >= 0xfe20 && code <= 0xfe2f)
	    || (code >= 0x1f3fb && code <= 0x1f3ff)
	    || (code >= 0xe0020 && code <= 0xe007f)
	    || (code >= 0xe0100 && code <= 0xe01ef)
	    || code == 0x200d;
}

static int
message_is_regional_indicator(uint32_t code)
{
	return code >= 0x1f1e6 && code <= 0x1f1ff;
}

/*
 * Returns the length of the character sequence that starts at text and
 * that a reader sees as one symbol: a character with its extenders, a
 * ZWJ sequence, or a flag (two regional indicators). This is a subset of
 * the grapheme clusters of Unicode UAX #29, enough for emoji.
 */
static size_t
message_cluster_length(const char *text, size_t length)
{
	uint32_t code, next;
	size_t used = message_char_length(text, length, &code);
	size_t more;

	if (message_is_regional_indicator(code) && used < length) {
		more = message_char_length(text + used, length - used, &next);
		if (message_is_regional_indicator(next))
			used += more;
	}
	while (used < length) {
		more = message_char_length(text + used, length - used, &next);
		if (code != 0x200d && !message_is_extender(next))
			break;
		used += more;
		code = next;
	}
	return used;
}

/* Q encoding writes these bytes as they are in any header (RFC 2047
 * section 5, rule 3); others become =XX, and a space becomes '_'. */
static int
message_q_is_literal(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	    || (c >= '0' && c <= '9') || (c && strchr("!*+-/", c) != NULL);
}

static size_t
message_q_length(const char *text, size_t length)
{
	size_t total = 0, i;

	for (i = 0; i < length; i++)
		total += message_q_is_literal((unsigned char) text[i])
		    || text[i] == ' ' ? 1 : 3;
	return total;
}

static size_t
message_b_length(size_t length)
{
	return (length + 2) / 3 * 4;
}

static void
header_writer_init(struct header_writer *writer, struct buf *text,
    const char *name)
{
	writer->text = text;
	writer->column = strlen(name) + 1;
	writer->started = 0;
}

/*
 * Appends token after the blanks in separator. Folds the line there, as
 * a newline before the blanks, when the token would pass FOLD_WIDTH;
 * unfolding removes only the newline, so the value stays the same.
 */
static void
header_writer_add(struct header_writer *writer, const char *separator,
    size_t separator_length, const char *token, size_t token_length)
{
	if (!writer->started) {
		separator = " ";
		separator_length = 1;
		writer->started = 1;
	} else if (separator_length > 0 && token_length > 0
	    && writer->column + separator_length + token_length > FOLD_WIDTH) {
		buf_append_byte(writer->text, '\n');
		writer->column = 0;
	}
	buf_append(writer->text, separator, separator_length);
	buf_append(writer->text, token, token_length);
	writer->column += separator_length + token_length;
}

static void
header_writer_finish(struct header_writer *writer)
{
	if (!writer->started)
		buf_append_byte(writer->text, ' ');
	buf_append_byte(writer->text, '\n');
}

static void
message_append_word(struct buf *word, int q_encoding, const char *bytes,
    size_t length)
{
	size_t i;

	buf_append_string(word, q_encoding ? "=?UTF-8?Q?" : "=?UTF-8?B?");
	if (q_encoding) {
		for (i = 0; i < length; i++) {
			unsigned char c = (unsigned char) bytes[i];

			if (message_q_is_literal(c))
				buf_append_byte(word, (char) c);
			else if (c == ' ')
				buf_append_byte(word, '_');
			else
				buf_appendf(word, "=%02X", c);
		}
	} else if (length > 0) {
		gchar *encoded = g_base64_encode((const guchar *) bytes, length);

		buf_append_string(word, encoded);
		g_free(encoded);
	}
	buf_append_string(word, "?=");
}

/* Returns the payload length of bytes in the chosen encoding. */
static size_t
message_payload_length(int q_encoding, const char *bytes, size_t length)
{
	return q_encoding ? message_q_length(bytes, length)
	    : message_b_length(length);
}

/*
 * Returns the end of the encoded-word that starts at start: as many
 * whole character sequences (see message_cluster_length()) as fit in 75
 * characters, or single characters of a sequence too long for one word.
 * A base64 word other than the last contains a multiple of 3 bytes where
 * it can, so that it needs no padding. GMime 3.2 joins adjacent base64
 * words before decoding them and stops at the first padding.
 */
static size_t
message_word_end(int q_encoding, const char *text, size_t length,
    size_t start)
{
	size_t end = start, aligned = start;

	while (end < length) {
		size_t unit = message_cluster_length(text + end, length - end);
		uint32_t code;

		if (message_payload_length(q_encoding, text + start,
		    end + unit - start) > ENCODED_WORD_PAYLOAD) {
			if (end > start)
				break;
			unit = message_char_length(text + end, length - end,
			    &code);
		}
		end += unit;
		if ((end - start) % 3 == 0)
			aligned = end;
	}
	if (!q_encoding && end < length && aligned > start)
		return aligned;
	return end;
}

/* Returns non-zero when text splits into base64 words with no padding
 * before the last one. */
static int
message_base64_splits_cleanly(const char *text, size_t length)
{
	size_t start = 0, end;

	while (start < length) {
		end = message_word_end(0, text, length, start);
		if (end < length && (end - start) % 3 != 0)
			return 0;
		start = end;
	}
	return 1;
}

/*
 * Writes text as RFC 2047 encoded-words in UTF-8, in base64 when that is
 * shorter and splits cleanly, else in Q encoding. The words are separated
 * by folding white space, which decoders drop between encoded-words.
 */
static void
message_write_encoded(struct header_writer *writer, const char *separator,
    size_t separator_length, const char *text, size_t length)
{
	int q_encoding = message_q_length(text, length)
	    <= message_b_length(length)
	    || !message_base64_splits_cleanly(text, length);
	struct buf word = BUF_INIT;
	size_t start = 0, end;

	while (start < length) {
		end = message_word_end(q_encoding, text, length, start);
		buf_reset(&word);
		message_append_word(&word, q_encoding, text + start,
		    end - start);
		header_writer_add(writer, separator, separator_length,
		    word.data, word.length);
		separator = " ";
		separator_length = 1;
		start = end;
	}
	buf_free(&word);
}

static int
message_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Returns non-zero when a word of unstructured text must be encoded:
 * it is not printable ASCII, could be read as an encoded-word, or is too
 * long to fit on a line. */
static int
message_word_needs_encoding(const char *word, size_t length)
{
	size_t i;

	if (length > PLAIN_WORD_MAX)
		return 1;
	for (i = 0; i < length; i++) {
		unsigned char c = (unsigned char) word[i];

		if (c < 33 || c > 126)
			return 1;
		if (c == '=' && i + 1 < length && word[i + 1] == '?')
			return 1;
	}
	return 0;
}

/* One word of a header value and the blanks before it. */
struct header_word {
	size_t	blank_start;
	size_t	start;
	size_t	end;
	int	encode;
};

/* Splits text into words at blanks. Returns the count; free *words. */
static size_t
message_split_words(const char *text, size_t length,
    struct header_word **words)
{
	size_t count = 0, position = 0;

	*words = xmalloc((length / 2 + 2) * sizeof(**words));
	while (position < length) {
		struct header_word *word = &(*words)[count++];

		word->blank_start = position;
		while (position < length && message_is_blank(text[position]))
			position++;
		word->start = position;
		while (position < length && !message_is_blank(text[position]))
			position++;
		word->end = position;
		word->encode = message_word_needs_encoding(text + word->start,
		    word->end - word->start);
	}
	return count;
}

/*
 * Writes unstructured text (RFC 5322 section 3.2.5, such as a Subject):
 * printable ASCII words as they are, each run of other words as
 * encoded-words. Blanks between two encoded words go inside the encoded
 * text, because decoders drop them. Blanks at the start or end go inside
 * too, because parsers strip them.
 */
static void
message_write_text(struct header_writer *writer, const char *text)
{
	size_t length = strlen(text), count, i, j;
	struct header_word *words;

	count = message_split_words(text, length, &words);
	if (count > 0 && words[0].start > 0)
		words[0].encode = 1;
	if (count > 1 && words[count - 1].start == length) {
		count--;
		words[count - 1].encode = 1;
		words[count - 1].end = length;
	}
	for (i = 0; i < count; i = j) {
		const struct header_word *word = &words[i];
		size_t blanks = word->start - word->blank_start;
		size_t start = i == 0 ? 0 : word->start;

		j = i + 1;
		if (!word->encode) {
			header_writer_add(writer, text + word->blank_start,
			    blanks, text + word->start, word->end - word->start);
			continue;
		}
		while (j < count && words[j].encode)
			j++;
		message_write_encoded(writer, text + word->blank_start,
		    i == 0 ? 0 : blanks, text + start, words[j - 1].end - start);
	}
	free(words);
}

static int
message_is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	    || (c >= '0' && c <= '9')
	    || (c && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* Returns how a display name must be written: 'a' as atoms, 'q' as a
 * quoted-string, 'e' as encoded-words. */
static int
message_phrase_form(const char *name)
{
	size_t length = strlen(name), i;
	int atoms = name[0] != ' ' && length > 0 && name[length - 1] != ' ';

	for (i = 0; i < length; i++) {
		unsigned char c = (unsigned char) name[i];

		if (c < 32 || c > 126 || (c == '=' && name[i + 1] == '?'))
			return 'e';
		if (c == ' ' && name[i + 1] == ' ')
			atoms = 0;
		else if (c != ' ' && !message_is_atext(c))
			atoms = 0;
	}
	return atoms ? 'a' : 'q';
}

/*
 * Writes a display name (an RFC 5322 phrase). Names of atoms stay as
 * they are. Other printable ASCII names become a quoted-string with '"'
 * and '\' escaped. Names with other bytes, or with text that a decoder
 * would take for an encoded-word, become encoded-words as a whole. A
 * comma inside them then cannot split the address list.
 */
static void
message_write_phrase(struct header_writer *writer, const char *name)
{
	struct buf quoted = BUF_INIT;
	const char *p, *token;
	int form = message_phrase_form(name);

	if (form == 'e') {
		message_write_encoded(writer, " ", 1, name, strlen(name));
		return;
	}
	if (form == 'q') {
		buf_append_byte(&quoted, '"');
		for (p = name; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_append_byte(&quoted, '\\');
			buf_append_byte(&quoted, *p);
		}
		buf_append_byte(&quoted, '"');
		name = quoted.data;
	}

	/* Folding at a space is allowed inside a quoted-string too. */
	for (token = name; token; token = p ? p + 1 : NULL) {
		p = strchr(token, ' ');
		header_writer_add(writer, " ", 1, token,
		    p ? (size_t) (p - token) : strlen(token));
	}
	buf_free(&quoted);
}

void
message_format_mailbox(struct buf *raw, const char *field_name,
    const char *name, const char *address)
{
	struct header_writer writer;
	char *bracketed;

	header_writer_init(&writer, raw, field_name);
	if (name == NULL || name[0] == '\0') {
		header_writer_add(&writer, " ", 1, address, strlen(address));
	} else {
		message_write_phrase(&writer, name);
		bracketed = xasprintf("<%s>", address);
		header_writer_add(&writer, " ", 1, bracketed,
		    strlen(bracketed));
		free(bracketed);
	}
	header_writer_finish(&writer);
}

/* Replaces the written form of the first header called name. */
static void
message_set_raw_value(GMimeMessage *message, const char *name,
    const char *raw)
{
	GMimeHeaderList *headers =
	    g_mime_object_get_header_list(GMIME_OBJECT(message));
	GMimeHeader *header = g_mime_header_list_get_header(headers, name);

	g_mime_header_set_raw_value(header, raw);
}

/* Appends an unstructured header, encoded and folded by
 * message_write_text(). */
static void
message_set_header(GMimeMessage *message, const char *name, const char *value)
{
	struct buf raw = BUF_INIT;
	struct header_writer writer;

	header_writer_init(&writer, &raw, name);
	message_write_text(&writer, value);
	header_writer_finish(&writer);
	g_mime_object_append_header(GMIME_OBJECT(message), name, value,
	    "utf-8");
	message_set_raw_value(message, name, raw.data);
	buf_free(&raw);
}

static void
message_set_addresses(GMimeMessage *message, const struct message_fields *f)
{
	InternetAddress *from = internet_address_mailbox_new(f->from_name,
	    f->from_addr);
	InternetAddress *to = internet_address_mailbox_new(f->to_name,
	    f->to_addr);
	struct buf raw = BUF_INIT;

	internet_address_list_add(g_mime_message_get_from(message), from);
	internet_address_list_add(g_mime_message_get_addresses(message,
	    GMIME_ADDRESS_TYPE_TO), to);
	g_object_unref(from);
	g_object_unref(to);

	message_format_mailbox(&raw, "From", f->from_name, f->from_addr);
	message_set_raw_value(message, "From", raw.data);
	buf_reset(&raw);
	message_format_mailbox(&raw, "To", f->to_name, f->to_addr);
	message_set_raw_value(message, "To", raw.data);
	buf_free(&raw);
}

static void
message_set_headers(GMimeMessage *message, const struct message_fields *f)
{
	char *return_path = xasprintf("<%s>", f->return_path);
	size_t i;

	message_set_header(message, "Return-Path", return_path);
	free(return_path);
	message_set_addresses(message, f);
	message_set_header(message, "Subject", f->subject);
	message_set_header(message, "Date", f->date);
	g_mime_message_set_message_id(message, f->message_id);
	message_set_header(message, "MIME-Version", "1.0");
	message_set_header(message, "X-Job", f->x_job);
	if (f->bounce_me) {
		message_set_header(message, "X-Bounce-Me", f->bounce_me);
		message_set_header(message, "X-Bounce-Percentage",
		    f->bounce_percentage);
	}
	for (i = 0; i < f->extra_header_count; i++)
		message_set_header(message, f->extra_headers[i].name,
		    f->extra_headers[i].value);
}

/* Makes GMime write the parameter, when it is not ASCII, in the RFC 2231
 * form with UTF-8 (name*=utf-8''...). GMime would pick ISO-8859-1 for a
 * name that fits it. */
static void
message_use_utf8(GMimeParamList *list, const char *name)
{
	GMimeParam *param = list ? g_mime_param_list_get_parameter(list, name)
	    : NULL;

	if (param == NULL)
		return;
	g_mime_param_set_charset(param, "utf-8");
	g_mime_param_set_encoding_method(param,
	    GMIME_PARAM_ENCODING_METHOD_RFC2231);
}

/*
 * Returns a base64 part of the attachment with Content-Disposition
 * attachment and its file name, also as the Content-Type name.
 */
static GMimeObject *
message_attachment_part(const struct message_attachment *attachment)
{
	const char *slash = strchr(attachment->content_type, '/');
	char *type = slash ? xstrndup(attachment->content_type,
	    (size_t) (slash - attachment->content_type))
	    : xstrdup("application");
	GMimePart *part = g_mime_part_new_with_type(type,
	    slash ? slash + 1 : "octet-stream");
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(
	    attachment->data, attachment->length);
	GMimeDataWrapper *content = g_mime_data_wrapper_new_with_stream(
	    stream, GMIME_CONTENT_ENCODING_DEFAULT);

	g_mime_part_set_content(part, content);
	g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
	g_mime_object_set_disposition(GMIME_OBJECT(part),
	    GMIME_DISPOSITION_ATTACHMENT);
	g_mime_part_set_filename(part, attachment->filename);
	message_use_utf8(g_mime_content_disposition_get_parameters(
	    g_mime_object_get_content_disposition(GMIME_OBJECT(part))),
	    "filename");
	message_use_utf8(g_mime_content_type_get_parameters(
	    g_mime_object_get_content_type(GMIME_OBJECT(part))), "name");
	g_object_unref(content);
	g_object_unref(stream);
	free(type);
	return GMIME_OBJECT(part);
}

/* Wraps body in multipart/mixed with the attachments after it. Returns
 * a new reference. */
static GMimeObject *
message_add_attachments(const struct message_fields *fields,
    GMimeObject *body)
{
	GMimeMultipart *mixed = g_mime_multipart_new_with_subtype("mixed");
	GMimeObject *part;
	size_t i;

	if (fields->mixed_boundary)
		g_mime_multipart_set_boundary(mixed, fields->mixed_boundary);
	g_mime_multipart_add(mixed, body);
	for (i = 0; i < fields->attachment_count; i++) {
		part = message_attachment_part(&fields->attachments[i]);
		g_mime_multipart_add(mixed, part);
		g_object_unref(part);
	}
	return GMIME_OBJECT(mixed);
}

void
message_format_header(struct buf *output, const char *name,
    const char *value)
{
	struct header_writer writer;

	buf_append_string(output, name);
	buf_append_byte(output, ':');
	header_writer_init(&writer, output, name);
	message_write_text(&writer, value);
	header_writer_finish(&writer);
}

void
message_render(const struct message_fields *fields, struct buf *output)
{
	if (message_render_fast(fields, output) != 0)
		message_render_gmime(fields, output);
}

void
message_render_gmime(const struct message_fields *fields, struct buf *output)
{
	GMimeMessage *message = g_mime_message_new(FALSE);
	GMimeMultipart *alternative =
	    g_mime_multipart_new_with_subtype("alternative");
	GMimePart *text = message_text_part("plain", fields->text_body,
	    fields->text_length);
	GMimePart *html = message_text_part("html", fields->html_body,
	    fields->html_length);
	GByteArray *bytes = g_byte_array_new();
	GMimeStream *stream = g_mime_stream_mem_new_with_byte_array(bytes);
	GMimeObject *body;

	message_set_headers(message, fields);
	if (fields->boundary)
		g_mime_multipart_set_boundary(alternative, fields->boundary);
	g_mime_multipart_add(alternative, GMIME_OBJECT(text));
	g_mime_multipart_add(alternative, GMIME_OBJECT(html));
	body = fields->attachment_count > 0 ? message_add_attachments(fields,
	    GMIME_OBJECT(alternative)) : g_object_ref(GMIME_OBJECT(alternative));
	g_mime_message_set_mime_part(message, body);
	g_mime_object_write_to_stream(GMIME_OBJECT(message), NULL, stream);
	buf_append(output, bytes->data, bytes->len);

	g_object_unref(body);
	g_object_unref(stream);
	g_object_unref(text);
	g_object_unref(html);
	g_object_unref(alternative);
	g_object_unref(message);
}
