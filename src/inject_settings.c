/*
 * inject_settings - parses spoolinject's options into struct
 * inject_settings and rejects combinations that cannot work.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sysexits.h>
#include <unistd.h>

#include "address.h"
#include "buf.h"
#include "envelope.h"
#include "inject_settings.h"
#include "input_file.h"
#include "msg.h"
#include "smtp_auth.h"
#include "wall_clock.h"

#define USAGE "usage: spoolinject [--server HOST[:PORT]|unix:PATH] " \
	"[--lmtp] [--max-connections N] [--messages-per-connection N] " \
	"[--add-header NAME=VALUE]... [--helo NAME] " \
	"[--starttls auto|opportunistic|always|never] [--tls-verify] " \
	"[--tls-ca FILE] [--auth-user USER [--auth-pass-file FILE]] " \
	"[--timeout SECONDS] [--log FILE] [--keep | --delete] [--recursive] " \
	"[--from ADDRESS] [--to ADDRESS]... [--shard K/N] " \
	"[--duration SECONDS] [--rate MESSAGES_PER_SECOND] " \
	"[--follow [--max-lag SECONDS]] MAILDIR_OR_SPOOL...\n" \
	"       spoolinject --sendmail[=PATH] [--sendmail-arg ARG]... " \
	"[--max-procs N] [--timeout SECONDS] [--add-header NAME=VALUE]... " \
	"[--log FILE] [--keep | --delete] [--recursive] [--from ADDRESS] " \
	"[--to ADDRESS]... [--shard K/N] [--duration SECONDS] " \
	"[--rate MESSAGES_PER_SECOND] MAILDIR_OR_SPOOL..."

/* The sendmail program of --sendmail without a path. */
#define SENDMAIL_DEFAULT_PATH "/usr/sbin/sendmail"

/* The environment variable that may carry the AUTH password. */
#define PASSWORD_VARIABLE "SPOOLINJECT_PASSWORD"

/* Longest --helo argument: RFC 5321 4.5.3.1.2 limits a domain to 255
 * bytes. */
#define HELO_NAME_MAX 255

#define CONNECTIONS_MAX 1000
#define TIMEOUT_MAX 86400
#define SHARDS_MAX 1000000
#define DURATION_MAX 31536000.0		/* one year, in seconds */
#define RATE_MAX 1000000.0		/* messages per second */

/* --follow sends each slot within its minute: by default its transactions
 * start over the first 59 seconds. */
#define FOLLOW_DURATION_DEFAULT 59.0
#define FOLLOW_DURATION_MAX 60.0
#define MAX_LAG_DEFAULT 300
#define MAX_LAG_MAX 86400

static void
usage_error(const char *format, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* Prints the problem and the one-line usage, then exits EX_USAGE. */
static void
usage_error(const char *format, ...)
{
	va_list	args;

	if (format != NULL) {
		fprintf(stderr, "%s: ", msg_program());
		va_start(args, format);
		vfprintf(stderr, format, args);
		va_end(args);
		fputc('\n', stderr);
	}
	fprintf(stderr, "%s\n", USAGE);
	exit(EX_USAGE);
}

/* One option in --help: the option with its argument, then up to two
 * lines saying what it sets, its unit and its default. */
static const struct option_help {
	const char *option;
	const char *lines[2];
} option_helps[] = {
	{ "--server HOST[:PORT]", { "SMTP server; IPv6 as [ADDRESS]:PORT",
	    "(default localhost:25)" } },
	{ "--server unix:PATH", { "server on a UNIX-domain socket" } },
	{ "--lmtp", { "speak LMTP (RFC 2033): LHLO, and one reply",
	    "per recipient after the data (default SMTP)" } },
	{ "--max-connections N", { "sessions open at once (default 20)" } },
	{ "--messages-per-connection N", { "messages per session before QUIT",
	    "(default 100)" } },
	{ "--add-header NAME=VALUE", { "header field added at the top of",
	    "every message; may be repeated" } },
	{ "--helo NAME", { "EHLO, HELO and LHLO argument",
	    "(default: the host name)" } },
	{ "--starttls MODE", { "when to use TLS: auto (default),",
	    "opportunistic, always or never" } },
	{ "--tls-verify", { "check the certificate chain and host name",
	    "(default: accept any certificate)" } },
	{ "--tls-ca FILE", { "trusted CA certificates for --tls-verify",
	    "(default: the system's)" } },
	{ "--auth-user USER", { "authenticate with AUTH PLAIN, LOGIN or",
	    "CRAM-MD5 (default: no AUTH)" } },
	{ "--auth-pass-file FILE", { "password: FILE's first line (default:",
	    "$" PASSWORD_VARIABLE ")" } },
	{ "--timeout SECONDS", { "seconds to wait for the greeting and MAIL;",
	    "other stages scale from it (default 300)" } },
	{ "--log FILE", { "append one CSV line per recipient outcome",
	    "(default: no log)" } },
	{ "--keep", { "leave every file where it is and also send",
	    "those in cur/ (default: move new/ to cur/)" } },
	{ "--delete", { "delete each file after its final reply",
	    "(default: move new/ to cur/)" } },
	{ "--recursive", { "also send the Maildir++ subfolders (.Name)",
	    "(default: off)" } },
	{ "--from ADDRESS", { "use ADDRESS as the sender instead of the",
	    "header's; \"\" is the null sender" } },
	{ "--to ADDRESS", { "send to ADDRESS instead of the header's",
	    "recipients; may be repeated" } },
	{ "--shard K/N", { "send only the files whose name hash modulo N",
	    "is K-1, K from 1 to N (default: all)" } },
	{ "--duration SECONDS", { "spread the starts of the transactions",
	    "evenly over SECONDS (default: no spread)" } },
	{ "--rate MESSAGES_PER_SECOND", { "start at most this many transactions",
	    "per second (default: no cap)" } },
	{ "--follow", { "keep running and send each slot of the spool",
	    "in its minute (default --duration 59)" } },
	{ "--max-lag SECONDS", { "with --follow, seconds a slot may start",
	    "late before it is skipped (default 300)" } },
	{ "--sendmail[=PATH]", { "hand each message to PATH -i -f SENDER",
	    "-- RCPT... (default " SENDMAIL_DEFAULT_PATH ")" } },
	{ "--sendmail-path PATH", { "like --sendmail=PATH" } },
	{ "--sendmail-arg ARG", { "argument put before \"--\" for sendmail;",
	    "may be repeated (default: none)" } },
	{ "--max-procs N", { "sendmail processes at once (default: the",
	    "number of online processors)" } },
	{ "--help", { "print this help and exit" } },
	{ "--version", { "print the version and exit" } },
};

static void
print_help(void)
{
	size_t	i, line;

	printf("%s\n\n", USAGE);
	printf("Sends the messages in new/ of each Maildir, or of each Maildir\n"
	    "of a spool, to an SMTP server and moves each answered message\n"
	    "to cur/. SIGINT or SIGTERM finishes the transactions in flight\n"
	    "and starts no more; a second signal abandons them.\n\n");
	for (i = 0; i < sizeof(option_helps) / sizeof(option_helps[0]); i++) {
		const struct option_help *help = &option_helps[i];

		printf("  %-29s %s\n", help->option, help->lines[0]);
		for (line = 1; line < 2 && help->lines[line]; line++)
			printf("  %-29s %s\n", "", help->lines[line]);
	}
	printf("\nWith --follow it keeps running and sends each slot of the\n"
	    "spool when its minute begins. SIGHUP reopens the --log file.\n");
	printf("\nWith --sendmail, --timeout limits each sendmail process\n"
	    "(default 300 s) and a message is accepted when its process\n"
	    "exits 0 after reading all of it; exit status 71 or 75, a\n"
	    "signal or a timeout leave it pending, any other rejects it.\n");
	printf("\nExit status: 0 when every message got a final reply, 75 when\n"
	    "some are still pending (also after SIGINT or SIGTERM), 64 for\n"
	    "invalid usage, 66 for a missing folder, 69 when the server\n"
	    "cannot be resolved or the sendmail program cannot be run.\n");
}

/* Parses a whole number from min to max for option, or exits. */
static unsigned
parse_number(const char *option, const char *text, unsigned min,
    unsigned max)
{
	unsigned long value;
	char   *end;

	errno = 0;
	value = strtoul(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' ||
	    !isdigit((unsigned char)text[0]) || value < min || value > max)
		usage_error("invalid %s value \"%s\": expected a whole number from %u to %u", option, text, min, max);
	return (unsigned)value;
}

static void
parse_unix_server(struct inject_settings *settings, const char *path)
{
	struct sockaddr_un address;

	if (path[0] == '\0')
		usage_error("invalid --server value \"unix:\": the socket path is empty");
	if (strlen(path) >= sizeof(address.sun_path))
		usage_error("invalid --server value \"unix:%s\": the socket path is longer than %zu bytes", path, sizeof(address.sun_path) - 1);
	settings->unix_path = xstrdup(path);
	settings->host = xstrdup(path);
	settings->port = xstrdup("");
}

/* Splits HOST[:PORT] or [ADDRESS][:PORT], or takes unix:PATH. An IPv6
 * address without brackets is rejected, because its last group could be
 * a port. */
static void
parse_server(struct inject_settings *settings, const char *text)
{
	const char *port = NULL;
	const char *colon = strchr(text, ':');

	settings->server = text;
	if (strncmp(text, "unix:", 5) == 0) {
		parse_unix_server(settings, text + 5);
		return;
	}
	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (close == NULL || close == text + 1 ||
		    (close[1] != '\0' && close[1] != ':'))
			usage_error("invalid --server value \"%s\": expected HOST[:PORT] or [ADDRESS][:PORT]", text);
		settings->host = xstrndup(text + 1, (size_t)(close - text - 1));
		port = close[1] == ':' ? close + 2 : NULL;
	} else if (colon != NULL && strchr(colon + 1, ':') != NULL) {
		usage_error("invalid --server value \"%s\": write an IPv6 address in brackets: [ADDRESS]:PORT, such as [::1]:25", text);
	} else if (colon != NULL) {
		settings->host = xstrndup(text, (size_t)(colon - text));
		port = colon + 1;
	} else {
		settings->host = xstrdup(text);
	}
	if (settings->host[0] == '\0')
		usage_error("invalid --server value \"%s\": the host is empty", text);
	parse_number("--server port", port ? port : "25", 1, 65535);
	settings->port = xstrdup(port ? port : "25");
}

/* Checks NAME=VALUE and appends "NAME: VALUE" to the header prefix. */
static void
parse_add_header(struct inject_settings *settings, const char *text)
{
	const char *equals = strchr(text, '=');
	size_t	line_length;
	char   *name;

	if (equals == NULL)
		usage_error("invalid --add-header value \"%s\": expected NAME=VALUE", text);
	name = xstrndup(text, (size_t)(equals - text));
	if (!envelope_field_name_valid(name))
		usage_error("invalid --add-header value \"%s\": \"%s\" is not a header field name (printable ASCII without ':' or spaces)", text, name);
	if (strpbrk(equals + 1, "\r\n") != NULL)
		usage_error("invalid --add-header value \"%s\": the value must not contain CR or LF", text);
	line_length = strlen(name) + 2 + strlen(equals + 1);
	if (line_length > ENVELOPE_LINE_MAX)
		usage_error("invalid --add-header value for %s: the line \"%s: ...\" is %zu bytes, longer than the %d that SMTP DATA allows", name, name, line_length, ENVELOPE_LINE_MAX);
	buf_appendf(&settings->header_prefix, "%s: %s\n", name, equals + 1);
	free(name);
}

/* Checks an address for MAIL FROM:<...> or RCPT TO:<...>. */
static void
check_address(const char *option, const char *text)
{
	const unsigned char *p;

	for (p = (const unsigned char *)text; *p != '\0'; p++) {
		if (*p <= ' ' || *p == 0x7f || *p == '<' || *p == '>')
			usage_error("invalid %s value \"%s\": spaces, control characters and angle brackets are not allowed", option, text);
	}
}

/* Checks an address and adds it to the --to list. */
static void
parse_to(struct inject_settings *settings, const char *text)
{
	if (text[0] == '\0')
		usage_error("invalid --to value \"\": the address is empty");
	check_address("--to", text);
	settings->recipients = xrealloc(settings->recipients,
	    (settings->recipient_count + 1) * sizeof(char *));
	settings->recipients[settings->recipient_count++] = xstrdup(text);
}

/* Parses K/N with 1 <= K <= N. */
static void
parse_shard(struct inject_settings *settings, const char *text)
{
	const char *slash = strchr(text, '/');
	char   *shard;

	if (slash == NULL)
		usage_error("invalid --shard value \"%s\": expected K/N, such as 1/3", text);
	shard = xstrndup(text, (size_t)(slash - text));
	settings->shard_count = parse_number("--shard N", slash + 1, 1,
	    SHARDS_MAX);
	settings->shard = parse_number("--shard K", shard, 1,
	    settings->shard_count);
	free(shard);
}

/* Parses a positive decimal number up to max for option, or exits. */
static double
parse_positive(const char *option, const char *text, double max)
{
	char   *end;
	double	value;

	errno = 0;
	value = strtod(text, &end);
	if (errno != 0 || end == text || *end != '\0' || !isfinite(value) ||
	    value <= 0 || value > max)
		usage_error("invalid %s value \"%s\": expected a number above 0 and at most %.0f", option, text, max);
	return value;
}

static void
parse_helo(struct inject_settings *settings, const char *text)
{
	const unsigned char *p;

	if (text[0] == '\0')
		usage_error("invalid --helo value \"\": the name is empty");
	for (p = (const unsigned char *)text; *p != '\0'; p++) {
		if (*p <= ' ' || *p == 0x7f)
			usage_error("invalid --helo value \"%s\": spaces and control characters are not allowed", text);
	}
	if (strlen(text) > HELO_NAME_MAX)
		usage_error("invalid --helo value \"%s\": longer than %d bytes", text, HELO_NAME_MAX);
	if (!address_is_domain(text))
		usage_error("invalid --helo value \"%s\": expected a domain name such as client.example.com or an address literal such as [192.0.2.1]", text);
	free(settings->helo_name);
	settings->helo_name = xstrdup(text);
}

static void
settings_defaults(struct inject_settings *settings)
{
	char	host[HOST_NAME_MAX + 1];

	memset(settings, 0, sizeof(*settings));
	settings->server = "localhost:25";
	settings->host = xstrdup("localhost");
	settings->port = xstrdup("25");
	settings->max_connections = 20;
	settings->messages_per_connection = 100;
	settings->timeout = 300;
	settings->max_lag = MAX_LAG_DEFAULT;
	settings->tls_policy = SMTP_TLS_AUTO;
	if (gethostname(host, sizeof(host)) < 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "localhost");
	host[HOST_NAME_MAX] = '\0';
	settings->helo_name = xstrdup(host);
}

enum option_id {
	OPTION_SERVER = 256,
	OPTION_MAX_CONNECTIONS,
	OPTION_MESSAGES_PER_CONNECTION,
	OPTION_ADD_HEADER,
	OPTION_HELO,
	OPTION_LMTP,
	OPTION_STARTTLS,
	OPTION_TLS_VERIFY,
	OPTION_TLS_CA,
	OPTION_AUTH_USER,
	OPTION_AUTH_PASS_FILE,
	OPTION_AUTH_PASS,
	OPTION_TIMEOUT,
	OPTION_LOG,
	OPTION_KEEP,
	OPTION_DELETE,
	OPTION_RECURSIVE,
	OPTION_FROM,
	OPTION_TO,
	OPTION_SHARD,
	OPTION_DURATION,
	OPTION_RATE,
	OPTION_FOLLOW,
	OPTION_MAX_LAG,
	OPTION_HELP,
	OPTION_SENDMAIL,
	OPTION_SENDMAIL_PATH,
	OPTION_SENDMAIL_ARG,
	OPTION_MAX_PROCS,
	OPTION_VERSION
};

static const struct option long_options[] = {
	{ "server", required_argument, NULL, OPTION_SERVER },
	{ "max-connections", required_argument, NULL, OPTION_MAX_CONNECTIONS },
	{ "messages-per-connection", required_argument, NULL,
	    OPTION_MESSAGES_PER_CONNECTION },
	{ "add-header", required_argument, NULL, OPTION_ADD_HEADER },
	{ "helo", required_argument, NULL, OPTION_HELO },
	{ "lmtp", no_argument, NULL, OPTION_LMTP },
	{ "starttls", required_argument, NULL, OPTION_STARTTLS },
	{ "tls-verify", no_argument, NULL, OPTION_TLS_VERIFY },
	{ "tls-ca", required_argument, NULL, OPTION_TLS_CA },
	{ "auth-user", required_argument, NULL, OPTION_AUTH_USER },
	{ "auth-pass-file", required_argument, NULL, OPTION_AUTH_PASS_FILE },
	{ "auth-pass", required_argument, NULL, OPTION_AUTH_PASS },
	{ "timeout", required_argument, NULL, OPTION_TIMEOUT },
	{ "log", required_argument, NULL, OPTION_LOG },
	{ "keep", no_argument, NULL, OPTION_KEEP },
	{ "delete", no_argument, NULL, OPTION_DELETE },
	{ "recursive", no_argument, NULL, OPTION_RECURSIVE },
	{ "from", required_argument, NULL, OPTION_FROM },
	{ "to", required_argument, NULL, OPTION_TO },
	{ "shard", required_argument, NULL, OPTION_SHARD },
	{ "duration", required_argument, NULL, OPTION_DURATION },
	{ "rate", required_argument, NULL, OPTION_RATE },
	{ "follow", no_argument, NULL, OPTION_FOLLOW },
	{ "max-lag", required_argument, NULL, OPTION_MAX_LAG },
	{ "help", no_argument, NULL, OPTION_HELP },
	{ "sendmail", optional_argument, NULL, OPTION_SENDMAIL },
	{ "sendmail-path", required_argument, NULL, OPTION_SENDMAIL_PATH },
	{ "sendmail-arg", required_argument, NULL, OPTION_SENDMAIL_ARG },
	{ "max-procs", required_argument, NULL, OPTION_MAX_PROCS },
	{ "version", no_argument, NULL, OPTION_VERSION },
	{ NULL, 0, NULL, 0 }
};

static enum smtp_tls_policy
parse_starttls(const char *text)
{
	static const struct {
		const char *name;
		enum smtp_tls_policy policy;
	} policies[] = {
		{ "never", SMTP_TLS_NEVER },
		{ "opportunistic", SMTP_TLS_OPPORTUNISTIC },
		{ "auto", SMTP_TLS_AUTO },
		{ "always", SMTP_TLS_ALWAYS },
	};
	size_t	i;

	for (i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		if (strcmp(text, policies[i].name) == 0)
			return policies[i].policy;
	}
	usage_error("invalid --starttls value \"%s\": expected auto, opportunistic, always or never", text);
}

/* Takes the password from the command line, where ps shows it, and
 * overwrites it there at once. */
static void
take_password_argument(struct inject_settings *settings, char *value)
{
	msg_warn("--auth-pass shows the password to every user of this host while spoolinject starts; use --auth-pass-file or %s", PASSWORD_VARIABLE);
	if (settings->auth_password != NULL)
		smtp_auth_free_secret(settings->auth_password);
	settings->auth_password = xstrdup(value);
	explicit_bzero(value, strlen(value));
}

/* Applies the TLS, AUTH and LMTP options; returns false for others. */
static bool
settings_apply_secure(struct inject_settings *settings, int option, char *value)
{
	switch (option) {
	case OPTION_LMTP:
		settings->lmtp = true;
		return true;
	case OPTION_STARTTLS:
		settings->tls_policy = parse_starttls(value);
		return true;
	case OPTION_TLS_VERIFY:
		settings->tls_verify = true;
		return true;
	case OPTION_TLS_CA:
		settings->tls_ca_file = value;
		return true;
	case OPTION_AUTH_USER:
		if (value[0] == '\0')
			usage_error("invalid --auth-user value \"\": the user name is empty");
		settings->auth_user = value;
		return true;
	case OPTION_AUTH_PASS_FILE:
		settings->auth_password_file = value;
		return true;
	case OPTION_AUTH_PASS:
		take_password_argument(settings, value);
		return true;
	default:
		return false;
	}
}

/* Reads the first line of path, without its line end, as the password. */
static char *
read_password_file(const char *path)
{
	struct buf error = BUF_INIT;
	FILE   *file = input_file_fopen("--auth-pass-file", path, &error);
	char   *line = NULL;
	size_t	size = 0;
	ssize_t	length;

	if (file == NULL)
		msg_fatal(EX_NOINPUT, "%s", error.data);
	length = getline(&line, &size, file);
	fclose(file);
	if (length > 0 && line[length - 1] == '\n')
		line[--length] = '\0';
	if (length > 0 && line[length - 1] == '\r')
		line[--length] = '\0';
	if (length <= 0)
		msg_fatal(EX_DATAERR, "password file %s: the first line is empty", path);
	return line;
}

/* Removes PASSWORD_VARIABLE from the environment and wipes its text, so
 * that no --sendmail child and no reader of /proc/PID/environ gets it.
 * Returns a copy of a non-empty value, else NULL. */
static char *
take_password_variable(void)
{
	char   *variable = getenv(PASSWORD_VARIABLE);
	char   *password = NULL;

	if (variable == NULL)
		return NULL;
	if (variable[0] != '\0')
		password = xstrdup(variable);
	explicit_bzero(variable, strlen(variable));
	unsetenv(PASSWORD_VARIABLE);
	return password;
}

/* Checks that the --tls-ca file is a readable regular file. The TLS
 * context is built after SIGINT and SIGTERM are blocked, so a missing
 * file is reported here, with EX_NOINPUT, before they are. */
static void
check_ca_file(const char *path)
{
	struct buf error = BUF_INIT;
	int	fd = input_file_open("--tls-ca", path, 0, NULL, &error);

	if (fd < 0)
		msg_fatal(EX_NOINPUT, "%s", error.data);
	close(fd);
}

/* Checks the TLS and AUTH options together and finds the password. */
static void
settings_check_secure(struct inject_settings *settings)
{
	char   *variable = take_password_variable();

	if (settings->tls_policy == SMTP_TLS_NEVER && settings->tls_verify)
		usage_error("--tls-verify needs TLS, but --starttls is never");
	if (settings->tls_ca_file != NULL && !settings->tls_verify)
		usage_error("--tls-ca is used only with --tls-verify");
	if (settings->tls_ca_file != NULL)
		check_ca_file(settings->tls_ca_file);
	if (settings->auth_user == NULL) {
		if (settings->auth_password_file != NULL ||
		    settings->auth_password != NULL)
			usage_error("a password was given without --auth-user");
		smtp_auth_free_secret(variable);
		return;
	}
	if (settings->auth_password_file != NULL &&
	    settings->auth_password != NULL)
		usage_error("give the password with --auth-pass-file or --auth-pass, not both");
	if (settings->auth_password_file != NULL)
		settings->auth_password =
		    read_password_file(settings->auth_password_file);
	if (settings->auth_password == NULL) {
		settings->auth_password = variable;
		variable = NULL;
	}
	smtp_auth_free_secret(variable);
	if (settings->auth_password == NULL)
		usage_error("--auth-user needs a password: --auth-pass-file FILE or the environment variable %s", PASSWORD_VARIABLE);
}

/* Applies the --sendmail options; returns false for others. */
static bool
settings_apply_sendmail(struct inject_settings *settings, int option, char *value)
{
	switch (option) {
	case OPTION_SENDMAIL:
	case OPTION_SENDMAIL_PATH:
		if (value != NULL && value[0] == '\0')
			usage_error("invalid --sendmail value \"\": the path is empty");
		settings->sendmail_path = value ? value : SENDMAIL_DEFAULT_PATH;
		return true;
	case OPTION_SENDMAIL_ARG:
		settings->sendmail_arguments = xrealloc(
		    settings->sendmail_arguments,
		    (settings->sendmail_argument_count + 1) * sizeof(char *));
		settings->sendmail_arguments[
		    settings->sendmail_argument_count++] = value;
		return true;
	case OPTION_MAX_PROCS:
		settings->max_processes = parse_number("--max-procs", value, 1,
		    CONNECTIONS_MAX);
		return true;
	default:
		return false;
	}
}

/* Names the options that only SMTP and LMTP use, so that --sendmail can
 * reject them. */
static void
note_smtp_option(struct inject_settings *settings, int option)
{
	static const char *const names[] = {
		[OPTION_SERVER - OPTION_SERVER] = "--server",
		[OPTION_MAX_CONNECTIONS - OPTION_SERVER] = "--max-connections",
		[OPTION_MESSAGES_PER_CONNECTION - OPTION_SERVER] =
		    "--messages-per-connection",
		[OPTION_HELO - OPTION_SERVER] = "--helo",
		[OPTION_LMTP - OPTION_SERVER] = "--lmtp",
		[OPTION_STARTTLS - OPTION_SERVER] = "--starttls",
		[OPTION_TLS_VERIFY - OPTION_SERVER] = "--tls-verify",
		[OPTION_TLS_CA - OPTION_SERVER] = "--tls-ca",
		[OPTION_AUTH_USER - OPTION_SERVER] = "--auth-user",
		[OPTION_AUTH_PASS_FILE - OPTION_SERVER] = "--auth-pass-file",
		[OPTION_AUTH_PASS - OPTION_SERVER] = "--auth-pass",
	};
	size_t	index = (size_t)(option - OPTION_SERVER);

	if (option >= OPTION_SERVER && index < sizeof(names) / sizeof(names[0])
	    && names[index] != NULL && settings->smtp_option == NULL)
		settings->smtp_option = names[index];
}

/* Checks the --sendmail options against the others and the program. */
static void
settings_check_sendmail(struct inject_settings *settings)
{
	struct stat status;

	if (settings->sendmail_path == NULL) {
		if (settings->sendmail_argument_count > 0)
			usage_error("--sendmail-arg needs --sendmail");
		if (settings->max_processes > 0)
			usage_error("--max-procs needs --sendmail");
		return;
	}
	if (settings->smtp_option != NULL)
		usage_error("%s is for SMTP and LMTP and cannot be used with --sendmail", settings->smtp_option);
	if (settings->max_processes == 0) {
		long	processors = sysconf(_SC_NPROCESSORS_ONLN);

		settings->max_processes = processors < 1 ? 1 :
		    processors > CONNECTIONS_MAX ? CONNECTIONS_MAX :
		    (unsigned)processors;
	}
	if (stat(settings->sendmail_path, &status) == 0 &&
	    !S_ISREG(status.st_mode))
		msg_fatal(EX_UNAVAILABLE, "sendmail program %s cannot be run: not a regular file", settings->sendmail_path);
	if (access(settings->sendmail_path, X_OK) < 0)
		msg_fatal(EX_UNAVAILABLE, "sendmail program %s cannot be run: %m", settings->sendmail_path);
}

static void
settings_apply(struct inject_settings *settings, int option, char *value)
{
	note_smtp_option(settings, option);
	if (settings_apply_sendmail(settings, option, value))
		return;
	if (settings_apply_secure(settings, option, value))
		return;
	switch (option) {
	case OPTION_SERVER:
		free(settings->host);
		free(settings->port);
		parse_server(settings, value);
		break;
	case OPTION_MAX_CONNECTIONS:
		settings->max_connections = parse_number("--max-connections",
		    value, 1, CONNECTIONS_MAX);
		break;
	case OPTION_MESSAGES_PER_CONNECTION:
		settings->messages_per_connection = parse_number(
		    "--messages-per-connection", value, 1, UINT_MAX);
		break;
	case OPTION_ADD_HEADER:
		parse_add_header(settings, value);
		break;
	case OPTION_HELO:
		parse_helo(settings, value);
		break;
	case OPTION_TIMEOUT:
		settings->timeout = parse_number("--timeout", value, 1,
		    TIMEOUT_MAX);
		break;
	case OPTION_LOG:
		settings->log_path = value;
		break;
	case OPTION_KEEP:
	case OPTION_DELETE:
		if (settings->disposal != INJECT_MOVE)
			usage_error("--keep and --delete exclude each other; give at most one");
		settings->disposal = option == OPTION_KEEP ? INJECT_KEEP :
		    INJECT_DELETE;
		break;
	case OPTION_RECURSIVE:
		settings->recursive = true;
		break;
	case OPTION_FROM:
		check_address("--from", value);
		settings->sender = value;
		break;
	case OPTION_TO:
		parse_to(settings, value);
		break;
	case OPTION_SHARD:
		parse_shard(settings, value);
		break;
	case OPTION_DURATION:
		settings->duration = parse_positive("--duration", value,
		    DURATION_MAX);
		break;
	case OPTION_RATE:
		settings->rate = parse_positive("--rate", value, RATE_MAX);
		break;
	case OPTION_FOLLOW:
		settings->follow = true;
		break;
	case OPTION_MAX_LAG:
		settings->max_lag = parse_number("--max-lag", value, 1,
		    MAX_LAG_MAX);
		settings->max_lag_given = true;
		break;
	case OPTION_HELP:
		print_help();
		exit(EX_OK);
	case OPTION_VERSION:
		printf("spoolinject %s\n", VERSION);
		exit(EX_OK);
	default:
		usage_error(NULL);
	}
}

/* Checks --follow against the other options, sets its default --duration
 * and reads the test clock offset. */
static void
settings_check_follow(struct inject_settings *settings)
{
	const char *offset = getenv(WALL_CLOCK_OFFSET_VARIABLE);

	if (wall_clock_set_offset(offset) < 0)
		usage_error("invalid %s value \"%s\": expected a number of seconds from -%.0f to %.0f", WALL_CLOCK_OFFSET_VARIABLE, offset, WALL_CLOCK_OFFSET_MAX, WALL_CLOCK_OFFSET_MAX);
	if (!settings->follow) {
		if (settings->max_lag_given)
			usage_error("--max-lag is used only with --follow");
		return;
	}
	if (settings->sendmail_path != NULL)
		usage_error("--sendmail and --follow exclude each other: --follow sends over SMTP or LMTP only");
	if (settings->path_count != 1)
		usage_error("--follow takes exactly one spool folder, not %d", settings->path_count);
	if (settings->disposal == INJECT_KEEP)
		usage_error("--keep and --follow exclude each other: --follow sends each file in new/ once and moves it out");
	if (settings->recursive)
		usage_error("--recursive and --follow exclude each other: --follow sends the new/ folder of each slot only");
	if (settings->duration > FOLLOW_DURATION_MAX)
		usage_error("invalid --duration value %g with --follow: at most %.0f seconds, so that each slot is sent within its minute", settings->duration, FOLLOW_DURATION_MAX);
	if (settings->duration == 0)
		settings->duration = FOLLOW_DURATION_DEFAULT;
}

void
inject_settings_parse(struct inject_settings *settings, int argc, char **argv)
{
	int	option;

	settings_defaults(settings);
	opterr = 0;
	while ((option = getopt_long(argc, argv, ":", long_options, NULL)) !=
	    -1) {
		if (option == '?' || option == ':')
			usage_error("%s", msg_option_problem(option, argv,
			    long_options));
		settings_apply(settings, option, optarg);
	}
	if (optind >= argc)
		usage_error("no Maildir or spool folder given");
	/* The --sendmail checks come first, so that an SMTP option given
	 * with --sendmail is a usage error before its file is looked at. */
	settings_check_sendmail(settings);
	settings_check_secure(settings);
	settings->paths = argv + optind;
	settings->path_count = argc - optind;
	settings_check_follow(settings);
}

void
inject_settings_free(struct inject_settings *settings)
{
	free(settings->host);
	free(settings->port);
	size_t	i;

	free(settings->helo_name);
	free(settings->unix_path);
	smtp_auth_free_secret(settings->auth_password);
	buf_free(&settings->header_prefix);
	for (i = 0; i < settings->recipient_count; i++)
		free(settings->recipients[i]);
	free(settings->recipients);
	free(settings->sendmail_arguments);
}
