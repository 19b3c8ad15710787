/*
 * template - placeholder engine. A compiled template is a list of
 * segments, each either a run of literal text or a placeholder index, so
 * rendering is one pass of memcpy() calls.
 */
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "template.h"

#define SEGMENT_LITERAL	((size_t) -1)

struct segment {
	size_t	placeholder;		/* index, or SEGMENT_LITERAL */
	size_t	offset;			/* literal text in template->text */
	size_t	length;
};

struct template {
	char   *text;
	struct segment *segments;
	size_t	segment_count;
	size_t	segment_capacity;
};

static void
template_add_segment(struct template *template, size_t placeholder,
    size_t offset, size_t length)
{
	struct segment *segment;

	if (placeholder == SEGMENT_LITERAL && length == 0)
		return;
	if (template->segment_count == template->segment_capacity) {
		template->segment_capacity = template->segment_capacity * 2 + 8;
		template->segments = xrealloc(template->segments,
		    template->segment_capacity * sizeof(*segment));
	}
	segment = &template->segments[template->segment_count++];
	segment->placeholder = placeholder;
	segment->offset = offset;
	segment->length = length;
}

static size_t
template_line_at(const char *text, size_t offset, size_t first_line)
{
	size_t line = first_line;
	size_t i;

	for (i = 0; i < offset; i++)
		if (text[i] == '\n')
			line++;
	return line;
}

/* Looks up the name between the braces, without surrounding blanks.
 * Returns its index, or name_count when it is not known. */
static size_t
template_find_name(const char *name, size_t length, const char *const *names,
    size_t name_count)
{
	size_t i;

	while (length && (*name == ' ' || *name == '\t')) {
		name++;
		length--;
	}
	while (length && (name[length - 1] == ' ' || name[length - 1] == '\t'))
		length--;
	for (i = 0; i < name_count; i++)
		if (strlen(names[i]) == length
		    && memcmp(names[i], name, length) == 0)
			return i;
	return name_count;
}

static void
template_list_names(const char *const *names, size_t name_count,
    struct buf *error)
{
	size_t i;

	for (i = 0; i < name_count; i++)
		buf_appendf(error, "%s{{%s}}", i ? ", " : "", names[i]);
}

/*
 * Finds the first "{{" or "}}" (c twice) in [text, end), or NULL. It
 * uses memchr() rather than memmem(), whose AddressSanitizer wrapper
 * checks the whole rest of the text on every call.
 */
static const char *
template_find_pair(const char *text, const char *end, char c)
{
	while (end - text >= 2) {
		const char *found = memchr(text, c, (size_t) (end - text - 1));

		if (found == NULL)
			return NULL;
		if (found[1] == c)
			return found;
		text = found + 1;
	}
	return NULL;
}

struct template *
template_compile(const char *text, size_t length, const char *const *names,
    size_t name_count, const char *path, size_t first_line, struct buf *error)
{
	struct template *template = xcalloc(1, sizeof(*template));
	size_t position = 0;
	size_t literal_start = 0;

	template->text = xstrndup(text, length);
	while (position + 1 < length) {
		const char *open = template_find_pair(text + position,
		    text + length, '{');
		const char *close, *line_end;
		size_t index;

		if (open == NULL)
			break;
		position = (size_t) (open - text);
		line_end = memchr(open + 2, '\n', length - position - 2);
		close = template_find_pair(open + 2, line_end ? line_end
		    : text + length, '}');
		if (close == NULL) {
			buf_appendf(error, "%s:%zu: \"{{\" is not closed by "
			    "\"}}\" on the same line; write placeholders as "
			    "{{name}}", path,
			    template_line_at(text, position, first_line));
			template_free(template);
			return NULL;
		}
		index = template_find_name(open + 2,
		    (size_t) (close - open - 2), names, name_count);
		if (index == name_count) {
			buf_appendf(error, "%s:%zu: unknown placeholder "
			    "\"%.*s\"; known placeholders: ", path,
			    template_line_at(text, position, first_line),
			    (int) (close + 2 - open), open);
			template_list_names(names, name_count, error);
			template_free(template);
			return NULL;
		}
		template_add_segment(template, SEGMENT_LITERAL, literal_start,
		    position - literal_start);
		template_add_segment(template, index, 0, 0);
		position = (size_t) (close - text) + 2;
		literal_start = position;
	}
	template_add_segment(template, SEGMENT_LITERAL, literal_start,
	    length - literal_start);
	return template;
}

void
template_escape_html(const char *text, struct buf *output)
{
	const char *run = text;
	const char *p;

	for (p = text; *p; p++) {
		const char *entity;

		switch (*p) {
		case '&': entity = "&amp;"; break;
		case '<': entity = "&lt;"; break;
		case '>': entity = "&gt;"; break;
		case '"': entity = "&quot;"; break;
		case '\'': entity = "&#39;"; break;
		default: continue;
		}
		buf_append(output, run, (size_t) (p - run));
		buf_append_string(output, entity);
		run = p + 1;
	}
	buf_append(output, run, (size_t) (p - run));
}

void
template_render(const struct template *template, const char *const *values,
    enum template_escape escape, struct buf *output)
{
	size_t i;

	for (i = 0; i < template->segment_count; i++) {
		const struct segment *segment = &template->segments[i];
		const char *value;

		if (segment->placeholder == SEGMENT_LITERAL) {
			buf_append(output, template->text + segment->offset,
			    segment->length);
			continue;
		}
		value = values[segment->placeholder];
		if (value == NULL)
			continue;
		if (escape == TEMPLATE_ESCAPE_HTML)
			template_escape_html(value, output);
		else
			buf_append_string(output, value);
	}
}

int
template_uses(const struct template *template, size_t index)
{
	size_t i;

	for (i = 0; i < template->segment_count; i++)
		if (template->segments[i].placeholder == index)
			return 1;
	return 0;
}

void
template_free(struct template *template)
{
	if (template == NULL)
		return;
	free(template->text);
	free(template->segments);
	free(template);
}
