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
#include <gmime/gmime.h>
#include <limits.h>
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

#include "buf.h"
#include "envelope.h"
#include "event_set.h"
#include "follow.h"
#include "inject_queue.h"
#include "inject_settings.h"
#include "msg.h"
#include "sendmail_pool.h"
#include "smtp_session.h"
#include "tls_client.h"

/* Milliseconds between refreshes of the progress line. */
#define PROGRESS_INTERVAL_MS 250

/* Sessions in a row that may fail without a final reply to any message
 * before no new session is opened, once the server has greeted a session
 * of this run. Before that, one failure ends the run. */
#define FAILED_SESSIONS_MAX 3

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
free_server_addresses(const struct inject_settings *settings,
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
resolve_server(const struct inject_settings *settings)
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
pool_init(struct session_pool *pool, const struct inject_settings *settings,
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
    const struct inject_settings *settings)
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
    const struct inject_settings *settings)
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
queue_create(const struct inject_settings *settings, FILE *log)
{
	struct inject_queue_options options;

	queue_options_init(&options, settings);
	return inject_queue_create(&options, log);
}

/* Starts transaction i at start + i * interval, where the interval is the
 * larger of --duration / count and 1 / --rate. */
static void
queue_pace(const struct inject_settings *settings, struct inject_queue *queue,
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
    const struct inject_settings *settings, const struct addrinfo *addresses,
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
send_queue(const struct inject_settings *settings, struct inject_queue *queue,
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
send_follow(const struct inject_settings *settings, struct follow *follow,
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
run_close(const struct inject_settings *settings, FILE *log, char *auth_error)
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
run_follow(const struct inject_settings *settings)
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
send_queue_sendmail(const struct inject_settings *settings,
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
run(const struct inject_settings *settings)
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
	struct inject_settings settings;
	int	status;

	msg_init(argv[0]);
	inject_settings_parse(&settings, argc, argv);
	signal(SIGPIPE, SIG_IGN);
	g_mime_init();
	status = run(&settings);
	g_mime_shutdown();
	inject_settings_free(&settings);
	if (fflush(stdout) != 0)
		msg_fatal(EX_IOERR, "write standard output: %m");
	return status;
}
