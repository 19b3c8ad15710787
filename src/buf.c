/*
 * buf - growable byte buffer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "msg.h"

void
buf_reserve(struct buf *buffer, size_t extra)
{
	size_t needed = buffer->length + extra + 1;
	size_t capacity = buffer->capacity ? buffer->capacity : 256;

	if (needed <= buffer->capacity)
		return;
	while (capacity < needed)
		capacity *= 2;
	buffer->data = xrealloc(buffer->data, capacity);
	buffer->capacity = capacity;
}

void
buf_append(struct buf *buffer, const void *bytes, size_t length)
{
	buf_reserve(buffer, length);
	if (length)
		memcpy(buffer->data + buffer->length, bytes, length);
	buffer->length += length;
	buffer->data[buffer->length] = '\0';
}

void
buf_append_string(struct buf *buffer, const char *text)
{
	buf_append(buffer, text, strlen(text));
}

void
buf_append_byte(struct buf *buffer, char byte)
{
	buf_reserve(buffer, 1);
	buffer->data[buffer->length++] = byte;
	buffer->data[buffer->length] = '\0';
}

void
buf_appendf(struct buf *buffer, const char *format, ...)
{
	va_list args;
	int length;

	va_start(args, format);
	length = vsnprintf(NULL, 0, format, args);
	va_end(args);
	if (length < 0)
		msg_panic("buf_appendf: invalid format \"%s\"", format);
	buf_reserve(buffer, (size_t) length);
	va_start(args, format);
	vsnprintf(buffer->data + buffer->length, (size_t) length + 1, format,
	    args);
	va_end(args);
	buffer->length += (size_t) length;
}

void
buf_consume(struct buf *buffer, size_t count)
{
	if (count >= buffer->length) {
		buf_reset(buffer);
		return;
	}
	memmove(buffer->data, buffer->data + count, buffer->length - count);
	buffer->length -= count;
	buffer->data[buffer->length] = '\0';
}

void
buf_reset(struct buf *buffer)
{
	buffer->length = 0;
	if (buffer->data)
		buffer->data[0] = '\0';
}

void
buf_free(struct buf *buffer)
{
	free(buffer->data);
	buffer->data = NULL;
	buffer->length = 0;
	buffer->capacity = 0;
}
