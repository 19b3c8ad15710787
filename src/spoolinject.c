/*
 * spoolinject - sends the pending messages of Maildirs or spools to an SMTP
 * or LMTP server over up to --max-connections concurrent sessions, moves
 * (or keeps or deletes) each answered message and prints a summary.
 * Messages without a final reply stay in new/ for the next run. SIGINT or
 * SIGTERM stops new transactions; a second one abandons those in flight.
 * With --follow it keeps running and sends each slot of a spool when the
 * slot's minute begins, as follow.h describes.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <gmime/gmime.h>
#include <limits.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
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
#include "event_set.h"
#include "follow.h"
#include "inject_queue.h"
#include "input_file.h"
#include "msg.h"
#include "sendmail_pool.h"
#include "smtp_auth.h"
#include "smtp_session.h"
#include "tls_client.h"
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

/* Milliseconds between refreshes of the progress line. */
#define PROGRESS_INTERVAL_MS 250

/* Sessions in a row that may fail without a final reply to any message
 * before no new session is opened, once the server has greeted a session
 * of this run. Before that, one failure ends the run. */
#define FAILED_SESSIONS_MAX 3

/* The command line, parsed. */
struct settings {
	const char *server;		/* as given, for messages */
	char   *host;
	char   *port;
	char   *unix_path;		/* --server unix:PATH, else NULL */
	bool	lmtp;
	unsigned max_connections;
	unsigned messages_per_connection;
	struct buf header_prefix;	/* "Name: value\n" per --add-header */
	char   *helo_name;
	enum smtp_tls_policy tls_policy;
	bool	tls_verify;
	const char *tls_ca_file;	/* NULL: the system's CAs */
	const char *auth_user;		/* NULL: no AUTH */
	const char *auth_password_file;
	char   *auth_password;		/* wiped before it is freed */
	unsigned timeout;		/* seconds */
	const char *log_path;		/* NULL: no log */
	enum inject_disposal disposal;
	bool	recursive;
	const char *sender;		/* --from address, or NULL */
	char  **recipients;		/* --to addresses, or NULL */
	size_t	recipient_count;
	unsigned shard;			/* 1 to shard_count */
	unsigned shard_count;		/* 0: all files */
	double	duration;		/* seconds; 0: as fast as allowed */
	double	rate;			/* messages per second; 0: no cap */
	bool	follow;			/* send slots as they come due */
	unsigned max_lag;		/* seconds a slot may start late */
	bool	max_lag_given;
	char  **paths;
	int	path_count;
	const char *sendmail_path;	/* NULL: SMTP or LMTP */
	char  **sendmail_arguments;	/* --sendmail-arg values */
	size_t	sendmail_argument_count;
	unsigned max_processes;		/* 0: not given */
	const char *smtp_option;	/* first option given that only SMTP
					 * uses, or NULL */
};

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
	if (errno != 0 || end == text || *end != '\0' || text[0] == '-' ||
	    value < min || value > max)
		usage_error("invalid %s value \"%s\": expected a whole number from %u to %u", option, text, min, max);
	return (unsigned)value;
}

static void
parse_unix_server(struct settings *settings, const char *path)
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
parse_server(struct settings *settings, const char *text)
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
parse_add_header(struct settings *settings, const char *text)
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
parse_to(struct settings *settings, const char *text)
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
parse_shard(struct settings *settings, const char *text)
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
parse_helo(struct settings *settings, const char *text)
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
settings_defaults(struct settings *settings)
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
take_password_argument(struct settings *settings, char *value)
{
	msg_warn("--auth-pass shows the password to every user of this host while spoolinject starts; use --auth-pass-file or %s", PASSWORD_VARIABLE);
	if (settings->auth_password != NULL)
		smtp_auth_free_secret(settings->auth_password);
	settings->auth_password = xstrdup(value);
	explicit_bzero(value, strlen(value));
}

/* Applies the TLS, AUTH and LMTP options; returns false for others. */
static bool
settings_apply_secure(struct settings *settings, int option, char *value)
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
settings_check_secure(struct settings *settings)
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
settings_apply_sendmail(struct settings *settings, int option, char *value)
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
note_smtp_option(struct settings *settings, int option)
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
settings_check_sendmail(struct settings *settings)
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
settings_apply(struct settings *settings, int option, char *value)
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
settings_check_follow(struct settings *settings)
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

static void
settings_parse(struct settings *settings, int argc, char **argv)
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
	settings_check_secure(settings);
	settings_check_sendmail(settings);
	settings->paths = argv + optind;
	settings->path_count = argc - optind;
	settings_check_follow(settings);
}

static void
settings_free(struct settings *settings)
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

/* Builds the one address of a UNIX-domain socket; free it with
 * free_server_addresses(). */
static struct addrinfo *
unix_address(const char *path)
{
	struct addrinfo *address = xcalloc(1, sizeof(*address));
	struct sockaddr_un *socket_address =
	    xcalloc(1, sizeof(*socket_address));

	socket_address->sun_family = AF_UNIX;
	memcpy(socket_address->sun_path, path, strlen(path) + 1);
	address->ai_family = AF_UNIX;
	address->ai_socktype = SOCK_STREAM;
	address->ai_addr = (struct sockaddr *)socket_address;
	address->ai_addrlen = sizeof(*socket_address);
	return address;
}

static void
free_server_addresses(const struct settings *settings,
    struct addrinfo *addresses)
{
	if (settings->unix_path == NULL) {
		freeaddrinfo(addresses);
		return;
	}
	free(addresses->ai_addr);
	free(addresses);
}

static struct addrinfo *
resolve_server(const struct settings *settings)
{
	struct addrinfo hints, *addresses = NULL;
	int	status;

	if (settings->unix_path != NULL)
		return unix_address(settings->unix_path);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	status = getaddrinfo(settings->host, settings->port, &hints,
	    &addresses);
	if (status != 0)
		msg_fatal(EX_UNAVAILABLE, "cannot resolve server %s: %s",
		    settings->host, gai_strerror(status));
	return addresses;
}

/* SIGINT and SIGTERM received so far. They are blocked except inside
 * ppoll(), so the loop checks each one before it waits again. */
static volatile sig_atomic_t stop_signal_count;

static void
on_stop_signal(int signal_number)
{
	(void)signal_number;
	stop_signal_count++;
}

/* Installs handler for signal_number and blocks that signal, so that it
 * arrives only inside ppoll(), and takes it out of *unblocked, the mask
 * to wait with. */
static void
signal_catch(int signal_number, void (*handler)(int), sigset_t *unblocked)
{
	struct sigaction action;
	sigset_t blocked;

	memset(&action, 0, sizeof(action));
	action.sa_handler = handler;
	sigemptyset(&action.sa_mask);
	sigaction(signal_number, &action, NULL);
	sigemptyset(&blocked);
	sigaddset(&blocked, signal_number);
	sigprocmask(SIG_BLOCK, &blocked, NULL);
	sigdelset(unblocked, signal_number);
}

/* Catches SIGINT and SIGTERM; *unblocked receives the mask to wait with. */
static void
signals_setup(sigset_t *unblocked)
{
	sigprocmask(SIG_BLOCK, NULL, unblocked);
	signal_catch(SIGINT, on_stop_signal, unblocked);
	signal_catch(SIGTERM, on_stop_signal, unblocked);
}

/* The progress line on standard error, shown only on a terminal. */
struct progress {
	bool	enabled;
	size_t	total;			/* messages in the run */
	long long start;		/* monotonic ms */
	long long next_refresh;
};

static void
progress_show(struct progress *progress, const struct inject_queue *queue,
    long long now)
{
	size_t	accepted = inject_queue_count(queue, INJECT_ACCEPTED);
	size_t	deferred = inject_queue_count(queue, INJECT_DEFERRED);
	size_t	rejected = inject_queue_count(queue, INJECT_REJECTED);
	size_t	answered = accepted + deferred + rejected;
	double	seconds = (double)(now - progress->start) / 1000.0;
	double	rate = seconds > 0 ? (double)answered / seconds : 0;
	char	eta[32] = "?";

	if (!progress->enabled || now < progress->next_refresh)
		return;
	progress->next_refresh = now + PROGRESS_INTERVAL_MS;
	if (rate > 0 && answered <= progress->total)
		snprintf(eta, sizeof(eta), "%.0f s",
		    (double)(progress->total - answered) / rate);
	fprintf(stderr, "\r\033[Ksent %zu of %zu, accepted %zu, deferred %zu, rejected %zu, %.1f/s, ETA %s", inject_queue_claims(queue), progress->total, accepted, deferred, rejected, rate, eta);
	fflush(stderr);
}

static void
progress_clear(const struct progress *progress)
{
	if (progress->enabled)
		fputs("\r\033[K", stderr);
}

/* SIGHUP received so far. Each one requests a reopen of the --log file. */
static volatile sig_atomic_t reopen_signal_count;

static void
on_reopen_signal(int signal_number)
{
	(void)signal_number;
	reopen_signal_count++;
}

/* Catches SIGHUP like signals_setup() catches the stop signals. */
static void
signals_setup_reopen(sigset_t *unblocked)
{
	signal_catch(SIGHUP, on_reopen_signal, unblocked);
}

/* Points the log's stream at a new file at path, as logrotate expects
 * after it renamed the old one. Keeps the old file when the open fails. */
static void
log_reopen(FILE *log, const char *path)
{
	int	fd;

	if (log == NULL)
		return;
	if (fflush(log) != 0)
		msg_warn("write log file %s: %m", path);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0) {
		msg_warn("reopen log file %s: %m; the log goes on in the old file", path);
		return;
	}
	if (dup3(fd, fileno(log), O_CLOEXEC) < 0)
		msg_warn("reopen log file %s: %m; the log goes on in the old file", path);
	else
		msg_info("reopened log file %s", path);
	close(fd);
}

/* The --log stream of a run and the SIGHUPs already acted on. */
struct log_reopener {
	FILE   *log;			/* NULL: no log */
	const char *path;
	sig_atomic_t reopens;
};

static void
log_reopener_init(struct log_reopener *reopener, FILE *log,
    const char *path)
{
	reopener->log = log;
	reopener->path = path;
	reopener->reopens = reopen_signal_count;
}

/* Reopens the log when a SIGHUP arrived since the last check. */
static void
log_reopen_if_signalled(struct log_reopener *reopener)
{
	if (reopener->reopens == reopen_signal_count)
		return;
	reopener->reopens = reopen_signal_count;
	log_reopen(reopener->log, reopener->path);
}

/*
 * The sessions open at once. Until one session has been greeted, only one
 * is opened, so that an unreachable or broken server costs one attempt.
 */
struct session_pool {
	const struct smtp_session_settings *settings;
	struct smtp_session **sessions;
	struct event_watch **watches;	/* each session's socket */
	struct event_set *events;
	struct event_watch follow_watch;
	size_t	active;
	size_t	capacity;
	bool	server_ready;		/* a session got past EHLO */
	unsigned failures_in_row;	/* failed without a final reply */
	char   *auth_error;		/* the server rejected AUTH */
	sigset_t wait_mask;		/* signal mask inside ppoll() */
	struct progress progress;
	struct follow *follow;		/* --follow: its descriptor and wake
					 * time join the poll; else NULL */
	struct log_reopener log;
};

/* Sets up a pool of the run's --max-connections sessions. */
static void
pool_init(struct session_pool *pool, const struct settings *settings,
    const struct smtp_session_settings *session_settings,
    const sigset_t *wait_mask, FILE *log)
{
	memset(pool, 0, sizeof(*pool));
	pool->settings = session_settings;
	pool->capacity = settings->max_connections;
	pool->wait_mask = *wait_mask;
	log_reopener_init(&pool->log, log, settings->log_path);
}

static bool
pool_may_open(const struct session_pool *pool)
{
	size_t	limit = pool->server_ready ? pool->capacity : 1;
	unsigned failures_max = pool->server_ready ? FAILED_SESSIONS_MAX : 1;

	return pool->auth_error == NULL && pool->active < limit &&
	    pool->active < inject_queue_pending(pool->settings->queue) &&
	    pool->failures_in_row < failures_max;
}

static void
pool_open_sessions(struct session_pool *pool)
{
	static const struct event_watch unwatched = EVENT_WATCH_INIT;

	while (pool_may_open(pool)) {
		pool->watches[pool->active] = xmalloc(sizeof(unwatched));
		*pool->watches[pool->active] = unwatched;
		pool->sessions[pool->active++] =
		    smtp_session_create(pool->settings);
	}
}

/* Frees session i, which leaves its messages in flight pending. */
static void
pool_free_session(struct session_pool *pool, size_t i)
{
	event_set_watch(pool->events, pool->watches[i], -1, 0, 0);
	free(pool->watches[i]);
	smtp_session_free(pool->sessions[i]);
}

/* Returns the earliest time the loop must wake up: a session deadline,
 * the next paced claim or the next progress refresh. */
static long long
pool_wake_time(const struct session_pool *pool)
{
	const struct inject_queue *queue = pool->settings->queue;
	long long wake = LLONG_MAX;
	long long next_claim = inject_queue_next_claim(queue);
	long long follow_wake = LLONG_MAX;
	size_t	i;

	for (i = 0; i < pool->active; i++) {
		long long deadline = smtp_session_deadline(pool->sessions[i]);

		if (deadline < wake)
			wake = deadline;
	}
	if (next_claim > 0 && inject_queue_pending(queue) > 0 &&
	    next_claim < wake)
		wake = next_claim;
	if (pool->progress.enabled && pool->progress.next_refresh < wake)
		wake = pool->progress.next_refresh;
	if (pool->follow != NULL)
		follow_wake = follow_wake_time(pool->follow, smtp_session_now());
	if (follow_wake < wake)
		wake = follow_wake;
	return wake;
}

static void
pool_poll(struct session_pool *pool)
{
	long long now = smtp_session_now();
	long long wake = pool_wake_time(pool);
	unsigned long opening;
	short	events;
	size_t	i;
	int	fd;

	for (i = 0; i < pool->active; i++) {
		fd = smtp_session_poll_fd(pool->sessions[i], &events, &opening);
		event_set_watch(pool->events, pool->watches[i], fd, opening,
		    events);
		pool->watches[i]->revents = 0;
	}
	fd = pool->follow != NULL ? follow_fd(pool->follow) : -1;
	event_set_watch(pool->events, &pool->follow_watch, fd, 0, POLLIN);
	if (wake <= now)
		wake = now;
	if (wake - now > (long long)INT_MAX)
		wake = now + INT_MAX;
	(void) event_set_wait(pool->events, (int)(wake - now),
	    &pool->wait_mask);
	if (stop_signal_count >= 2)
		return;
	now = smtp_session_now();
	for (i = 0; i < pool->active; i++)
		smtp_session_process(pool->sessions[i],
		    (short)pool->watches[i]->revents, now);
	progress_show(&pool->progress, pool->settings->queue, now);
}

/* Frees finished sessions and counts the failures among them. */
static void
pool_reap(struct session_pool *pool)
{
	size_t	kept = 0;
	size_t	i;

	for (i = 0; i < pool->active; i++) {
		struct smtp_session *session = pool->sessions[i];

		if (smtp_session_ready(session))
			pool->server_ready = true;
		if (!smtp_session_finished(session)) {
			pool->watches[kept] = pool->watches[i];
			pool->sessions[kept++] = session;
			continue;
		}
		if (smtp_session_answered(session) > 0)
			pool->failures_in_row = 0;
		else if (smtp_session_failed(session))
			pool->failures_in_row++;
		if (smtp_session_auth_error(session) != NULL &&
		    pool->auth_error == NULL)
			pool->auth_error =
			    xstrdup(smtp_session_auth_error(session));
		pool_free_session(pool, i);
	}
	pool->active = kept;

	/* Rejected credentials are a configuration error, so the other
	 * sessions only finish the messages they have in flight. */
	for (i = 0; pool->auth_error != NULL && i < pool->active; i++)
		smtp_session_stop(pool->sessions[i]);
}

/* Acts on SIGINT or SIGTERM. Returns false when the run must end now. */
static bool
pool_check_signals(struct session_pool *pool, bool *stopping)
{
	size_t	i;

	log_reopen_if_signalled(&pool->log);
	if (stop_signal_count == 1 && !*stopping) {
		*stopping = true;
		inject_queue_stop(pool->settings->queue);
		progress_clear(&pool->progress);
		msg_info("stopping: no new transactions; %zu session(s) finish what is in flight; a second signal abandons it", pool->active);

		/* Idle sessions send QUIT now instead of at their deadline. */
		for (i = 0; i < pool->active; i++)
			smtp_session_process(pool->sessions[i], 0,
			    smtp_session_now());
	}
	if (stop_signal_count < 2)
		return true;

	/* Freeing a session returns its messages in flight to pending. */
	progress_clear(&pool->progress);
	msg_info("stopping at once: %zu session(s) abandoned; their messages stay pending", pool->active);
	for (i = 0; i < pool->active; i++)
		pool_free_session(pool, i);
	pool->active = 0;
	return false;
}

static void
pool_start(struct session_pool *pool)
{
	static const struct event_watch unwatched = EVENT_WATCH_INIT;

	pool->sessions = xcalloc(pool->capacity, sizeof(*pool->sessions));
	pool->watches = xcalloc(pool->capacity, sizeof(*pool->watches));
	pool->events = event_set_create();
	pool->follow_watch = unwatched;
}

static void
pool_end(struct session_pool *pool)
{
	free(pool->sessions);
	free(pool->watches);
	event_set_free(pool->events);
	pool->events = NULL;
}

static void
run_sessions(struct session_pool *pool)
{
	bool	stopping = false;

	pool_start(pool);
	for (;;) {
		if (!pool_check_signals(pool, &stopping))
			break;
		pool_open_sessions(pool);
		pool_reap(pool);
		if (pool->active == 0 && !pool_may_open(pool))
			break;
		if (pool->active == 0)
			continue;
		pool_poll(pool);
		pool_reap(pool);
	}
	progress_clear(&pool->progress);
	pool_end(pool);
}

static FILE *
log_open(const char *path)
{
	FILE   *log;

	if (path == NULL)
		return NULL;
	log = fopen(path, "ae");
	if (log == NULL)
		msg_fatal(EX_CANTCREAT, "open log file %s: %m", path);
	return log;
}

/* Fills in the LMTP, TLS and AUTH settings of the sessions. */
static void
session_settings_secure(struct smtp_session_settings *session_settings,
    const struct settings *settings)
{
	char   *error = NULL;

	session_settings->lmtp = settings->lmtp;
	session_settings->tls_policy = settings->tls_policy;
	session_settings->tls_verify = settings->tls_verify;
	session_settings->tls_host = settings->unix_path ? NULL :
	    settings->host;
	session_settings->auth_user = settings->auth_user;
	session_settings->auth_password = settings->auth_password;
	if (settings->tls_policy == SMTP_TLS_NEVER)
		return;
	session_settings->tls = tls_client_create(settings->tls_verify,
	    settings->tls_ca_file, &error);
	if (session_settings->tls == NULL)
		msg_fatal(EX_CONFIG, "%s", error);
}

static void
queue_options_init(struct inject_queue_options *options,
    const struct settings *settings)
{
	memset(options, 0, sizeof(*options));
	options->envelope.prefix = settings->header_prefix.data;
	options->envelope.sender = settings->sender;
	options->envelope.recipients = settings->recipients;
	options->envelope.recipient_count = settings->recipient_count;
	options->disposal = settings->disposal;
	options->recursive = settings->recursive;
	options->shard = settings->shard;
	options->shard_count = settings->shard_count;
}

static struct inject_queue *
queue_create(const struct settings *settings, FILE *log)
{
	struct inject_queue_options options;

	queue_options_init(&options, settings);
	return inject_queue_create(&options, log);
}

/* Starts transaction i at start + i * interval, where the interval is the
 * larger of --duration / count and 1 / --rate. */
static void
queue_pace(const struct settings *settings, struct inject_queue *queue,
    long long start)
{
	size_t	count = inject_queue_pending(queue);
	double	interval = 0;

	if (settings->duration > 0 && count > 0)
		interval = settings->duration * 1000.0 / (double)count;
	if (settings->rate > 0 && 1000.0 / settings->rate > interval)
		interval = 1000.0 / settings->rate;
	if (interval > 0)
		inject_queue_pace(queue, start, interval);
}

/* Fills in the settings of sessions that send queue to addresses. */
static void
session_settings_init(struct smtp_session_settings *session_settings,
    const struct settings *settings, const struct addrinfo *addresses,
    struct inject_queue *queue)
{
	memset(session_settings, 0, sizeof(*session_settings));
	session_settings->addresses = addresses;
	session_settings->server = settings->server;
	session_settings->helo_name = settings->helo_name;
	session_settings->messages_per_connection =
	    settings->messages_per_connection;
	session_settings->timeout = settings->timeout;
	session_settings->queue = queue;

	/* A lone session leaves the server idle while it loads the next
	 * message, unless the data goes out first. With more sessions the
	 * server has other work, and one send() per message costs less. */
	session_settings->early_data = settings->max_connections == 1;
	session_settings_secure(session_settings, settings);
}

/* Connects and sends every pending message of queue. Returns the
 * server's reply when it rejected AUTH (the caller frees it), else NULL. */
static char *
send_queue(const struct settings *settings, struct inject_queue *queue,
    const sigset_t *wait_mask, FILE *log)
{
	struct smtp_session_settings session_settings;
	struct addrinfo *addresses = resolve_server(settings);
	struct session_pool pool;

	session_settings_init(&session_settings, settings, addresses, queue);

	pool_init(&pool, settings, &session_settings, wait_mask, log);
	pool.progress.enabled = isatty(STDERR_FILENO);
	pool.progress.total = inject_queue_pending(queue);
	pool.progress.start = smtp_session_now();
	queue_pace(settings, queue, pool.progress.start);
	run_sessions(&pool);
	tls_client_free(session_settings.tls);
	free_server_addresses(settings, addresses);
	return pool.auth_error;
}


/*
 * Runs the sessions on the queues that follow_step() hands out, one slot
 * after another, until a signal or rejected credentials stop it. The
 * queue changes only while no session is open, so every session sends
 * from one slot's queue.
 */
static void
follow_sessions(struct session_pool *pool, struct follow *follow,
    struct smtp_session_settings *session_settings)
{
	struct inject_queue *queue;
	bool	stopping = false, idle;

	pool_start(pool);
	for (;;) {
		if (!pool_check_signals(pool, &stopping))
			break;
		pool_open_sessions(pool);
		pool_reap(pool);
		idle = pool->active == 0 && !pool_may_open(pool);
		if (idle && (stopping || pool->auth_error != NULL))
			break;

		/* After a stop signal no slot starts or grows. */
		pool->follow = stopping ? NULL : follow;
		queue = stopping ? session_settings->queue :
		    follow_step(follow, idle, smtp_session_now());
		if (queue != session_settings->queue) {
			session_settings->queue = queue;
			pool->failures_in_row = 0;
			continue;
		}
		if (pool->active == 0 && !idle)
			continue;
		pool_poll(pool);
		pool_reap(pool);
	}
	pool_end(pool);
}

/* Sends the slots of the spool as they come due. Returns the server's
 * reply when it rejected AUTH (the caller frees it), else NULL. */
static char *
send_follow(const struct settings *settings, struct follow *follow,
    const sigset_t *wait_mask, FILE *log)
{
	struct smtp_session_settings session_settings;
	struct addrinfo *addresses = resolve_server(settings);
	struct session_pool pool;

	session_settings_init(&session_settings, settings, addresses,
	    follow_step(follow, true, smtp_session_now()));
	pool_init(&pool, settings, &session_settings, wait_mask, log);
	pool.follow = follow;
	follow_sessions(&pool, follow, &session_settings);
	follow_finish(follow, smtp_session_now());
	tls_client_free(session_settings.tls);
	free_server_addresses(settings, addresses);
	return pool.auth_error;
}

/* Closes the log and ends the process when the server rejected AUTH. */
static void
run_close(const struct settings *settings, FILE *log, char *auth_error)
{
	if (log != NULL && fclose(log) != 0)
		msg_fatal(EX_IOERR, "write log file %s: %m",
		    settings->log_path);
	if (auth_error != NULL)
		msg_fatal(EX_NOPERM, "authentication as %s failed at %s: %s; every unsent message stays pending", settings->auth_user, settings->server, auth_error);
}

/* Sends the spool's slots as they come due until SIGINT or SIGTERM.
 * Returns the exit status. */
static int
run_follow(const struct settings *settings)
{
	struct follow_options options;
	struct follow *follow;
	char   *auth_error;
	long long start = smtp_session_now();
	FILE   *log = log_open(settings->log_path);
	sigset_t wait_mask;
	int	status;

	signals_setup(&wait_mask);
	signals_setup_reopen(&wait_mask);
	memset(&options, 0, sizeof(options));
	options.spool = settings->paths[0];
	queue_options_init(&options.queue, settings);
	options.log = log;
	options.duration = settings->duration;
	options.rate = settings->rate;
	options.max_lag = settings->max_lag;
	follow = follow_create(&options);
	if (follow == NULL)
		msg_fatal(EX_NOINPUT, "spool folder %s: %m", options.spool);
	auth_error = send_follow(settings, follow, &wait_mask, log);
	follow_print_summary(follow, stdout,
	    (double)(smtp_session_now() - start) / 1000.0);
	status = follow_exit_status(follow);
	follow_free(follow);
	run_close(settings, log, auth_error);
	return status;
}

/* Shows the progress line for sendmail_pool_run() and reopens the log
 * on SIGHUP. */
struct sendmail_progress {
	struct progress progress;
	const struct inject_queue *queue;
	struct log_reopener log;
};

static long long
sendmail_tick(void *context, long long now)
{
	struct sendmail_progress *state = context;

	log_reopen_if_signalled(&state->log);
	progress_show(&state->progress, state->queue, now);
	return state->progress.enabled ? state->progress.next_refresh :
	    LLONG_MAX;
}

/* Hands every pending message of queue to the sendmail program. */
static void
send_queue_sendmail(const struct settings *settings,
    struct inject_queue *queue, const sigset_t *wait_mask, FILE *log)
{
	struct sendmail_pool_settings pool_settings;
	struct sendmail_progress state;

	memset(&state, 0, sizeof(state));
	state.queue = queue;
	log_reopener_init(&state.log, log, settings->log_path);
	state.progress.enabled = isatty(STDERR_FILENO);
	state.progress.total = inject_queue_pending(queue);
	state.progress.start = sendmail_pool_now();
	memset(&pool_settings, 0, sizeof(pool_settings));
	pool_settings.path = settings->sendmail_path;
	pool_settings.arguments = settings->sendmail_arguments;
	pool_settings.argument_count = settings->sendmail_argument_count;
	pool_settings.max_processes = settings->max_processes;
	pool_settings.timeout = settings->timeout;
	pool_settings.queue = queue;
	pool_settings.wait_mask = *wait_mask;
	pool_settings.stop_signal_count = &stop_signal_count;
	pool_settings.tick = sendmail_tick;
	pool_settings.tick_context = &state;
	queue_pace(settings, queue, state.progress.start);
	sendmail_pool_run(&pool_settings);
	progress_clear(&state.progress);
}

/* Sends every pending message; returns the exit status. */
static int
run(const struct settings *settings)
{
	struct inject_queue *queue;
	char   *auth_error = NULL;
	long long start = smtp_session_now();
	FILE   *log = log_open(settings->log_path);
	sigset_t wait_mask;
	int	i, status;

	if (settings->follow)
		return run_follow(settings);
	signals_setup(&wait_mask);
	signals_setup_reopen(&wait_mask);
	queue = queue_create(settings, log);
	for (i = 0; i < settings->path_count; i++) {
		if (inject_queue_add(queue, settings->paths[i]) < 0)
			msg_fatal(EX_NOINPUT, "Maildir or spool folder %s: %m",
			    settings->paths[i]);
	}
	if (inject_queue_pending(queue) > 0 && stop_signal_count == 0 &&
	    settings->sendmail_path != NULL)
		send_queue_sendmail(settings, queue, &wait_mask, log);
	else if (inject_queue_pending(queue) > 0 && stop_signal_count == 0)
		auth_error = send_queue(settings, queue, &wait_mask, log);
	inject_queue_print_summary(queue, stdout,
	    (double)(smtp_session_now() - start) / 1000.0);
	status = inject_queue_exit_status(queue);
	inject_queue_free(queue);
	run_close(settings, log, auth_error);
	return status;
}

int
main(int argc, char **argv)
{
	struct settings settings;
	int	status;

	msg_init(argv[0]);
	settings_parse(&settings, argc, argv);
	signal(SIGPIPE, SIG_IGN);
	g_mime_init();
	status = run(&settings);
	g_mime_shutdown();
	settings_free(&settings);
	if (fflush(stdout) != 0)
		msg_fatal(EX_IOERR, "write standard output: %m");
	return status;
}
