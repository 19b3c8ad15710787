/*
 * msg - diagnostics and allocation wrappers shared by both programs.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "msg.h"

static const char *program_name = "spoolgen";

void
msg_init(const char *program)
{
	const char *slash = strrchr(program, '/');

	program_name = slash ? slash + 1 : program;
}

const char *
msg_program(void)
{
	return program_name;
}

char *
msg_option_problem(int result, char *const argv[],
    const struct option *options)
{
	const char *argument = argv[optind - 1];
	size_t	name_length = strcspn(argument, "=");
	size_t	matches = 0;
	const struct option *option;

	if (result == ':')
		return xasprintf("option %.*s needs a value", (int) name_length,
		    argument);
	if (optopt > 0 && optopt < 256)
		return xasprintf("unknown option -%c", optopt);
	if (optopt >= 256)
		return xasprintf("option %.*s takes no value", (int) name_length,
		    argument);
	for (option = options; option->name != NULL; option++) {
		if (name_length > 2 && strncmp(option->name, argument + 2,
		    name_length - 2) == 0)
			matches++;
	}
	if (matches > 1)
		return xasprintf("ambiguous option %.*s: it starts %zu option "
		    "names; write more of the name", (int) name_length,
		    argument, matches);
	return xasprintf("unknown option %.*s", (int) name_length, argument);
}

static void
msg_vprint(const char *level, const char *format, va_list args)
{
	int saved_errno = errno;

	fflush(stdout);
	if (level)
		fprintf(stderr, "%s: %s: ", program_name, level);
	else
		fprintf(stderr, "%s: ", program_name);
	errno = saved_errno;
	vfprintf(stderr, format, args);
	fputc('\n', stderr);
	errno = saved_errno;
}

void
msg_warn(const char *format, ...)
{
	va_list args;

	va_start(args, format);
	msg_vprint("warning", format, args);
	va_end(args);
}

void
msg_info(const char *format, ...)
{
	va_list args;

	va_start(args, format);
	msg_vprint(NULL, format, args);
	va_end(args);
}

void
msg_fatal(int status, const char *format, ...)
{
	va_list args;

	va_start(args, format);
	msg_vprint("fatal", format, args);
	va_end(args);
	exit(status);
}

void
msg_panic(const char *format, ...)
{
	va_list args;

	va_start(args, format);
	msg_vprint("panic", format, args);
	va_end(args);
	abort();
}

void *
xmalloc(size_t size)
{
	void *pointer = malloc(size ? size : 1);

	if (pointer == NULL)
		msg_fatal(EX_OSERR, "out of memory allocating %zu bytes", size);
	return pointer;
}

void *
xcalloc(size_t count, size_t size)
{
	void *pointer = calloc(count ? count : 1, size ? size : 1);

	if (pointer == NULL)
		msg_fatal(EX_OSERR, "out of memory allocating %zu items", count);
	return pointer;
}

void *
xrealloc(void *pointer, size_t size)
{
	void *result = realloc(pointer, size ? size : 1);

	if (result == NULL)
		msg_fatal(EX_OSERR, "out of memory allocating %zu bytes", size);
	return result;
}

char *
xstrdup(const char *text)
{
	return xstrndup(text, strlen(text));
}

char *
xstrndup(const char *text, size_t length)
{
	char *copy = xmalloc(length + 1);

	memcpy(copy, text, length);
	copy[length] = '\0';
	return copy;
}

char *
xasprintf(const char *format, ...)
{
	va_list args;
	char *result;

	va_start(args, format);
	if (vasprintf(&result, format, args) < 0)
		msg_fatal(EX_OSERR, "out of memory formatting a string");
	va_end(args);
	return result;
}
