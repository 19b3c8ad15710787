/*
 * msg - diagnostics for spoolgen and spoolinject.
 *
 * Every line goes to standard error as "program: level: text". Only main()
 * and msg_fatal() end the process; shared modules report failure to their
 * caller instead.
 */
#ifndef MSG_H
#define MSG_H

#include <stddef.h>

/* Sets the program name used as the prefix of every line. */
void	msg_init(const char *program);

/* Returns the program name given to msg_init(). */
const char *msg_program(void);

struct option;

/*
 * Formats the text for a getopt_long() failure, such as "unknown option
 * -h", "unknown option --bogus", "ambiguous option --s", "option --server
 * needs a value" or "option --help takes no value". result is what
 * getopt_long() returned ('?' or ':'), and argv and options are what it
 * was given. It must run with opterr set to 0 and an optstring that
 * starts with ':', and every long option's value must be 256 or more.
 * Free the text with free().
 */
char   *msg_option_problem(int result, char *const argv[],
	    const struct option *options);

/* Prints "program: warning: text". */
void	msg_warn(const char *format, ...)
	__attribute__((format(printf, 1, 2)));

/* Prints "program: text". */
void	msg_info(const char *format, ...)
	__attribute__((format(printf, 1, 2)));

/* Prints "program: fatal: text" and exits with status (from sysexits.h). */
void	msg_fatal(int status, const char *format, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/* Prints "program: panic: text" for a broken invariant and aborts. */
void	msg_panic(const char *format, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/*
 * Allocation wrappers: on failure they end the process with EX_OSERR,
 * since no caller can do better. Free results with free().
 */
void   *xmalloc(size_t size);
void   *xcalloc(size_t count, size_t size);
void   *xrealloc(void *pointer, size_t size);
char   *xstrdup(const char *text);
char   *xstrndup(const char *text, size_t length);
char   *xasprintf(const char *format, ...)
	__attribute__((format(printf, 1, 2)));

#endif
