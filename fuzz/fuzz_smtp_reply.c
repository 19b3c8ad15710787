/*
 * libFuzzer target: the SMTP reply parser. The input is fed in pieces
 * whose sizes come from its first byte, as replies arrive from a socket,
 * and every complete reply also goes through the EHLO capability parser.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "smtp_reply.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_reply_parser parser;
	struct smtp_capabilities capabilities;
	struct smtp_reply reply, copy;
	enum smtp_reply_status status = SMTP_REPLY_INCOMPLETE;
	size_t piece, offset, used, length;
	char *text;

	if (size == 0)
		return 0;
	piece = (size_t) data[0] % 17 + 1;
	smtp_reply_parser_init(&parser);
	for (offset = 1; offset < size && status != SMTP_REPLY_INVALID;) {
		length = size - offset < piece ? size - offset : piece;
		status = smtp_reply_parser_feed(&parser,
		    (const char *) data + offset, length, &used, &reply);
		offset += used;
		if (status == SMTP_REPLY_COMPLETE) {
			smtp_capabilities_parse(&capabilities, &reply);
			smtp_reply_copy(&copy, &reply);
			text = smtp_reply_text(&copy, " / ");
			(void) smtp_reply_class(&copy);
			free(text);
			smtp_reply_free(&copy);
			smtp_reply_free(&reply);
		} else if (status == SMTP_REPLY_INCOMPLETE && used < length) {
			break;
		}
	}
	smtp_reply_parser_free(&parser);
	return 0;
}
