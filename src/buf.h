/*
 * buf - a growable byte buffer. The bytes are always followed by a NUL
 * that is not counted in length, so text can be used as a C string.
 */
#ifndef BUF_H
#define BUF_H

#include <stddef.h>

struct buf {
	char   *data;
	size_t	length;
	size_t	capacity;
};

#define BUF_INIT { NULL, 0, 0 }

/* Makes room for at least extra more bytes; ends the process when out of
 * memory, like xmalloc(). */
void	buf_reserve(struct buf *buffer, size_t extra);

/* Appends length bytes. */
void	buf_append(struct buf *buffer, const void *bytes, size_t length);

/* Appends a C string. */
void	buf_append_string(struct buf *buffer, const char *text);

/* Appends one byte. */
void	buf_append_byte(struct buf *buffer, char byte);

/* Appends printf-style formatted text. */
void	buf_appendf(struct buf *buffer, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

/* Drops the first count bytes, keeping the rest. */
void	buf_consume(struct buf *buffer, size_t count);

/* Empties the buffer and keeps its memory. */
void	buf_reset(struct buf *buffer);

/* Frees the memory; the buffer is then empty and reusable. */
void	buf_free(struct buf *buffer);

#endif
