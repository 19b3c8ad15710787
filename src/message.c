/*
 * message - builds each message as a GMime object tree and writes it into
 * a memory stream. GMime picks quoted-printable or base64 per part from
 * the part's content, so long template lines and 8-bit text are encoded.
 */
#include <gmime/gmime.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "msg.h"

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
}

static GMimePart *
message_text_part(const char *subtype, const char *text, size_t length)
{
	GMimePart *part = GMIME_PART(g_mime_text_part_new_with_subtype(subtype));
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(text, length);
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

static void
message_set_header(GMimeMessage *message, const char *name, const char *value)
{
	g_mime_object_append_header(GMIME_OBJECT(message), name, value,
	    "utf-8");
}

static void
message_set_addresses(GMimeMessage *message, const struct message_fields *f)
{
	InternetAddress *from = internet_address_mailbox_new(f->from_name,
	    f->from_addr);
	InternetAddress *to = internet_address_mailbox_new(f->to_name,
	    f->to_addr);

	internet_address_list_add(g_mime_message_get_from(message), from);
	internet_address_list_add(g_mime_message_get_addresses(message,
	    GMIME_ADDRESS_TYPE_TO), to);
	g_object_unref(from);
	g_object_unref(to);
}

static void
message_set_headers(GMimeMessage *message, const struct message_fields *f)
{
	char *return_path = xasprintf("<%s>", f->return_path);
	size_t i;

	message_set_header(message, "Return-Path", return_path);
	free(return_path);
	message_set_addresses(message, f);
	g_mime_message_set_subject(message, f->subject, "utf-8");
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

void
message_render(const struct message_fields *fields, struct buf *output)
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

	message_set_headers(message, fields);
	g_mime_multipart_add(alternative, GMIME_OBJECT(text));
	g_mime_multipart_add(alternative, GMIME_OBJECT(html));
	g_mime_message_set_mime_part(message, GMIME_OBJECT(alternative));
	g_mime_object_write_to_stream(GMIME_OBJECT(message), NULL, stream);
	buf_append(output, bytes->data, bytes->len);

	g_object_unref(stream);
	g_object_unref(text);
	g_object_unref(html);
	g_object_unref(alternative);
	g_object_unref(message);
}
