/*
 * inject_settings - spoolinject's command line: parses and checks the
 * options, and prints the help and usage errors, which exit.
 */
#ifndef INJECT_SETTINGS_H
#define INJECT_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "inject_queue.h"
#include "smtp_session.h"

/* The command line, parsed. */
struct inject_settings {
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

/* Parses argv into settings. Exits with a message on standard error and
 * status 64 on a usage error, and with 0 after --help or --version. */
void	inject_settings_parse(struct inject_settings *settings, int argc,
	    char **argv);

/* Frees what parsing allocated, wiping the AUTH password. */
void	inject_settings_free(struct inject_settings *settings);

#endif
