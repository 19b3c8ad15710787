/*
 * template - text with {{placeholder}} fields, compiled once and rendered
 * many times. A placeholder is a name from a fixed list given at compile
 * time; blanks inside the braces are allowed ({{ name }}).
 */
#ifndef TEMPLATE_H
#define TEMPLATE_H

#include <stddef.h>

#include "buf.h"

enum template_escape {
	TEMPLATE_ESCAPE_NONE,
	TEMPLATE_ESCAPE_HTML,		/* & < > " ' become entities */
};

struct template;

/*
 * Compiles text, whose first line is line first_line of the file path
 * (both only for messages). names lists the known placeholders; a value
 * index in template_render() is an index into names. Returns the template,
 * or NULL with a message naming the file, line and placeholder in error
 * when the text uses an unknown placeholder or an unclosed "{{". Free the
 * result with template_free().
 */
struct template *template_compile(const char *text, size_t length,
		const char *const *names, size_t name_count,
		const char *path, size_t first_line, struct buf *error);

/*
 * Appends the template to output with each placeholder replaced by
 * values[index], escaped as escape selects. NULL values count as empty.
 */
void	template_render(const struct template *template,
		const char *const *values, enum template_escape escape,
		struct buf *output);

/* Returns non-zero when the template uses placeholder index. */
int	template_uses(const struct template *template, size_t index);

void	template_free(struct template *template);

/* Appends text with & < > " ' written as HTML character references. */
void	template_escape_html(const char *text, struct buf *output);

#endif
