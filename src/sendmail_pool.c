/*
 * sendmail_pool - one sendmail child per message, up to max_processes at
 * once, driven by one ppoll() loop over the children's output pipes.
 * SIGCHLD is blocked except inside ppoll(), so a child's exit wakes the
 * loop, which then reaps with waitpid(WNOHANG). A child reads the message
 * file itself when the file contains the message as sendmail takes it,
 * and a memory file otherwise. How much it read is the file offset it
 * shares with us.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "msg.h"
#include "sendmail_pool.h"

extern char **environ;

/* Problems warned about one by one on standard error; the log file gets
 * every one. */
#define WARNINGS_MAX 20

struct sendmail_child {
	struct inject_message *message;
	pid_t	pid;			/* also its process group */
	int	input_fd;		/* the message file, or a memory file */
	off_t	input_start;		/* where the message starts in it */
	off_t	input_end;		/* and where it ends */
	int	output_fd;		/* read end of its stdout and stderr */
	int	output_hold_fd;		/* write end, held until the child is
					 * reaped, so that its exit wakes the
					 * loop once, by SIGCHLD, and not also
					 * by the end of its output */
	struct buf output;		/* the first SENDMAIL_OUTPUT_BYTES_MAX
					 * bytes of its output */
	bool	output_cut;		/* more output was thrown away */
	bool	exited;
	int	wait_status;
	long long deadline;		/* SIGTERM at this time */
	long long kill_time;		/* SIGKILL at this time; 0 before
					 * SIGTERM */
	bool	timed_out;
	long long output_close_time;	/* 0 until the child has exited */
};

/* A claimed message, ready to be its child's standard input. */
struct sendmail_input {
	struct inject_message *message;	/* NULL: none */
	int	fd;
	off_t	start;			/* offset of the message in fd */
	off_t	end;
};

struct sendmail_pool {
	const struct sendmail_pool_settings *settings;
	struct sendmail_input next;	/* prepared while children run */
	struct sendmail_child *children;
	size_t	active;
	struct pollfd *poll_fds;
	bool	stopping;		/* start no more children */
	bool	abandoning;		/* children were sent SIGTERM */
	bool	spawn_failed;
	unsigned warnings;
	long long tick_time;
	int	handled_signals[NSIG];	/* set to SIG_DFL in each child */
	size_t	handled_signal_count;
};

static void
on_child_signal(int signal_number)
{
	(void)signal_number;
}

long long
sendmail_pool_now(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Lets SIGCHLD interrupt ppoll() and nothing else. */
static void
child_signal_setup(struct sendmail_pool *pool, sigset_t *wait_mask)
{
	struct sigaction action;
	sigset_t blocked;

	memset(&action, 0, sizeof(action));
	action.sa_handler = on_child_signal;
	action.sa_flags = SA_NOCLDSTOP;
	sigemptyset(&action.sa_mask);
	sigaction(SIGCHLD, &action, NULL);
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGCHLD);
	sigprocmask(SIG_BLOCK, &blocked, NULL);
	*wait_mask = pool->settings->wait_mask;
	sigdelset(wait_mask, SIGCHLD);
}

/* Warns, up to WARNINGS_MAX times in a run. */
static void
pool_warn(struct sendmail_pool *pool, const char *path, const char *text)
{
	pool->warnings++;
	if (pool->warnings <= WARNINGS_MAX)
		msg_warn("%s: %s", path, text);
	if (pool->warnings == WARNINGS_MAX)
		msg_warn("further sendmail problems go only to the --log file and the summary");
}

/* Returns the argument vector for message; free it with free() only,
 * since its strings belong to the settings and the envelope. */
static char **
child_arguments(const struct sendmail_pool_settings *settings,
    const struct envelope *envelope)
{
	size_t	count = 5 + settings->argument_count +
	    envelope->recipient_count;
	char  **argv = xcalloc(count + 1, sizeof(char *));
	size_t	n = 0, i;

	argv[n++] = (char *)settings->path;
	argv[n++] = "-i";
	argv[n++] = "-f";
	/* Postfix 3.7's sendmail takes both "" and "<>" as the null sender.
	 * "<>" also reads as the null sender in a log of the command. */
	argv[n++] = envelope->sender[0] == '\0' ? "<>" : envelope->sender;
	for (i = 0; i < settings->argument_count; i++)
		argv[n++] = settings->arguments[i];
	argv[n++] = "--";
	for (i = 0; i < envelope->recipient_count; i++)
		argv[n++] = envelope->recipients[i];
	argv[n] = NULL;
	return argv;
}

/* Writes the LF form of the message into a new memory file and rewinds
 * it. Returns the descriptor, or -1 with errno set. */
static int
input_write(const struct envelope *envelope, size_t *length)
{
	struct buf data = BUF_INIT;
	size_t	done = 0;
	int	fd = memfd_create("spoolinject-message", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	envelope_data_lf(envelope, &data);
	while (done < data.length) {
		ssize_t	count = write(fd, data.data + done,
		    data.length - done);

		if (count < 0 && errno == EINTR)
			continue;
		if (count < 0) {
			int	saved = errno;

			close(fd);
			buf_free(&data);
			errno = saved;
			return -1;
		}
		done += (size_t)count;
	}
	*length = data.length;
	buf_free(&data);
	if (lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Opens the LF form of the claimed message in input->fd. When the file
 * contains that form as it is, as files that spoolgen writes do, this is
 * the file itself, opened again and set to where the form starts.
 * Otherwise it is a memory file. Returns false with errno set on failure.
 */
static bool
input_open(struct inject_queue *queue, struct sendmail_input *input)
{
	const struct envelope *envelope = &input->message->envelope;
	struct stat status;
	size_t	length = 0;
	int	fd;

	if (envelope->lf_in_file) {
		fd = inject_queue_reopen(queue, input->message, &status);
		if (fd >= 0 && status.st_size == (off_t)envelope->lf_end &&
		    lseek(fd, (off_t)envelope->lf_start, SEEK_SET) >= 0) {
			input->fd = fd;
			input->start = (off_t)envelope->lf_start;
			input->end = (off_t)envelope->lf_end;
			return true;
		}
		if (fd >= 0)
			close(fd);
	}
	input->fd = input_write(envelope, &length);
	input->start = 0;
	input->end = (off_t)length;
	return input->fd >= 0;
}

/*
 * Lists in pool->handled_signals the signals that have a handler here,
 * and SIGPIPE, which spoolinject ignores: those a child sets back to
 * their defaults. Other ignored signals stay ignored in the child, as
 * execve() leaves them.
 */
static void
pool_find_handled_signals(struct sendmail_pool *pool)
{
	int	signal_number;

	pool->handled_signal_count = 0;
	pool->handled_signals[pool->handled_signal_count++] = SIGPIPE;
	for (signal_number = 1; signal_number < NSIG; signal_number++) {
		struct sigaction action;

		if (signal_number == SIGPIPE || signal_number == SIGKILL ||
		    signal_number == SIGSTOP ||
		    sigaction(signal_number, NULL, &action) < 0)
			continue;
		if ((action.sa_flags & SA_SIGINFO) != 0 ||
		    (action.sa_handler != SIG_DFL &&
		    action.sa_handler != SIG_IGN))
			pool->handled_signals[pool->handled_signal_count++] =
			    signal_number;
	}
}

/*
 * Starts the child with input_fd as standard input and the write end of
 * output as standard output and error, in a new process group, with no
 * signal blocked and those in pool->handled_signals at their defaults.
 * Returns 0, or an errno value.
 *
 * vfork() saves posix_spawn()'s stack mapping and its reset of every
 * signal: about 10 of the 93 us that spoolinject spent on each message
 * when measured with 2 processes. The child shares our memory until
 * execve(), so it only makes system calls and stores its errno. Our
 * handled signals stay blocked until it has set them to their defaults,
 * so no handler of ours runs in it.
 */
static int
child_spawn(const struct sendmail_pool *pool, struct sendmail_child *child,
    const char *path, char **argv, int output)
{
	volatile int exec_error = 0;
	sigset_t all, saved, empty;
	pid_t	pid;

	sigfillset(&all);
	sigemptyset(&empty);
	sigprocmask(SIG_SETMASK, &all, &saved);
	pid = vfork();
	if (pid == 0) {
		size_t	i;

		for (i = 0; i < pool->handled_signal_count; i++)
			signal(pool->handled_signals[i], SIG_DFL);
		if (setpgid(0, 0) < 0 || dup2(child->input_fd, 0) < 0 ||
		    dup2(output, 1) < 0 || dup2(output, 2) < 0) {
			exec_error = errno;
			_exit(127);
		}
		sigprocmask(SIG_SETMASK, &empty, NULL);
		execve(path, argv, environ);
		exec_error = errno;
		_exit(127);
	}
	sigprocmask(SIG_SETMASK, &saved, NULL);
	if (pid < 0)
		return errno;
	if (exec_error != 0) {
		int	error = exec_error;

		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			continue;
		return error;
	}
	child->pid = pid;
	return 0;
}

/* Starts a child for input, which it then owns. Returns 0, or an errno
 * value when no child runs. */
static int
child_start(struct sendmail_pool *pool, struct sendmail_child *child,
    const struct sendmail_input *input, long long now)
{
	const struct sendmail_pool_settings *settings = pool->settings;
	struct inject_message *message = input->message;
	char  **argv;
	int	output[2];
	int	status;

	memset(child, 0, sizeof(*child));
	child->message = message;
	child->output_fd = -1;
	child->output_hold_fd = -1;
	child->input_fd = input->fd;
	child->input_start = input->start;
	child->input_end = input->end;
	if (pipe2(output, O_CLOEXEC) < 0) {
		status = errno;
		close(child->input_fd);
		return status;
	}
	argv = child_arguments(settings, &message->envelope);
	status = child_spawn(pool, child, settings->path, argv, output[1]);
	free(argv);
	if (status != 0) {
		close(output[0]);
		close(output[1]);
		close(child->input_fd);
		return status;
	}
	fcntl(output[0], F_SETFL, O_NONBLOCK);
	child->output_fd = output[0];
	child->output_hold_fd = output[1];
	child->deadline = now + (long long)settings->timeout * 1000;
	return 0;
}

static void
child_close_output(struct sendmail_child *child)
{
	if (child->output_fd >= 0)
		close(child->output_fd);
	child->output_fd = -1;
}

/* Reads what the child wrote, keeping the first bytes. */
static void
child_read_output(struct sendmail_child *child)
{
	char	chunk[4096];

	for (;;) {
		ssize_t	count = read(child->output_fd, chunk, sizeof(chunk));
		size_t	room = SENDMAIL_OUTPUT_BYTES_MAX - child->output.length;

		if (count < 0 && errno == EINTR)
			continue;
		if (count < 0 && errno == EAGAIN)
			return;
		if (count <= 0) {
			child_close_output(child);
			return;
		}
		if ((size_t)count > room) {
			child->output_cut = true;
			count = (ssize_t)room;
		}
		buf_append(&child->output, chunk, (size_t)count);
	}
}

/* Reaps the child if it has exited. */
static void
child_check_exit(struct sendmail_child *child, long long now, bool at_once)
{
	pid_t	pid;

	if (child->exited)
		return;
	pid = waitpid(child->pid, &child->wait_status, WNOHANG);
	if (pid == 0 || (pid < 0 && errno == EINTR))
		return;
	if (pid < 0)
		msg_panic("waitpid %ld: %s", (long)child->pid,
		    strerror(errno));
	child->exited = true;
	child->output_close_time = at_once ? now :
	    now + SENDMAIL_OUTPUT_GRACE_MS;
	close(child->output_hold_fd);
	child->output_hold_fd = -1;
}

/* Sends SIGTERM to the child's process group once, and SIGKILL when it is
 * still running SENDMAIL_KILL_GRACE seconds later. */
static void
child_terminate(struct sendmail_child *child, long long now)
{
	if (child->exited)
		return;
	if (child->kill_time == 0) {
		kill(-child->pid, SIGTERM);
		child->kill_time = now + SENDMAIL_KILL_GRACE * 1000;
	} else if (now >= child->kill_time) {
		kill(-child->pid, SIGKILL);
		child->kill_time = LLONG_MAX;
	}
}

static void
child_check_time(struct sendmail_child *child, long long now)
{
	if (!child->exited && now >= child->deadline) {
		if (child->kill_time == 0)
			child->timed_out = true;
		child_terminate(child, now);
	} else if (!child->exited && child->kill_time != 0) {
		child_terminate(child, now);
	}
	if (child->exited && child->output_fd >= 0 &&
	    now >= child->output_close_time)
		child_close_output(child);
}

/* Returns the earliest time the child needs the loop to wake up. */
static long long
child_wake_time(const struct sendmail_child *child)
{
	if (child->exited)
		return child->output_close_time;
	if (child->kill_time != 0)
		return child->kill_time;
	return child->deadline;
}

/* Appends the kept output: up to SENDMAIL_OUTPUT_LINES_MAX lines joined
 * with " / ", control characters as '?'. */
static void
child_append_output(const struct sendmail_child *child, struct buf *text)
{
	const char *p = child->output.data;
	const char *end = p + child->output.length;
	unsigned lines = 0;
	bool	first = true;

	while (p < end && lines < SENDMAIL_OUTPUT_LINES_MAX) {
		const char *newline = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = newline ? newline : end;

		if (line_end > p && !(line_end == p + 1 && *p == '\r')) {
			if (!first)
				buf_append_string(text, " / ");
			first = false;
			for (; p < line_end; p++) {
				unsigned char byte = (unsigned char)*p;

				if (byte == '\r' && p + 1 == line_end)
					break;
				buf_append_byte(text, byte < 0x20 ||
				    byte == 0x7f ? '?' : (char)byte);
			}
			lines++;
		}
		p = newline ? newline + 1 : end;
	}
	if (p < end || child->output_cut)
		buf_append_string(text, " ...");
}

/* The outcome of one child, in the words of the log and the summary. */
struct child_result {
	char	status[24];		/* "exit 75", "signal 9", "timeout" */
	enum inject_outcome outcome;
	bool	pending;		/* stays in new/ */
	struct buf text;		/* what happened and the output */
};

/* Returns " (EX_NAME)" for a sysexits.h status, else "". */
static const char *
exit_status_name(int code)
{
	static const char *const names[] = {
		" (EX_USAGE)", " (EX_DATAERR)", " (EX_NOINPUT)",
		" (EX_NOUSER)", " (EX_NOHOST)", " (EX_UNAVAILABLE)",
		" (EX_SOFTWARE)", " (EX_OSERR)", " (EX_OSFILE)",
		" (EX_CANTCREAT)", " (EX_IOERR)", " (EX_TEMPFAIL)",
		" (EX_PROTOCOL)", " (EX_NOPERM)", " (EX_CONFIG)",
	};

	if (code < EX__BASE || code > EX__MAX)
		return "";
	return names[code - EX__BASE];
}

static void
child_judge(const struct sendmail_child *child, unsigned timeout,
    struct child_result *result)
{
	off_t	offset = lseek(child->input_fd, 0, SEEK_CUR);
	bool	read_all = offset >= child->input_end;
	long long done = offset < child->input_start ? 0 :
	    (long long)(offset - child->input_start);
	int	code;

	memset(result, 0, sizeof(*result));
	result->outcome = INJECT_REJECTED;
	result->pending = true;
	if (child->timed_out) {
		snprintf(result->status, sizeof(result->status), "timeout");
		buf_appendf(&result->text, "was still running after the %u s timeout, so its process group got SIGTERM%s", timeout, child->kill_time == LLONG_MAX ? " and SIGKILL" : "");
		return;
	}
	if (WIFSIGNALED(child->wait_status)) {
		snprintf(result->status, sizeof(result->status), "signal %d",
		    WTERMSIG(child->wait_status));
		buf_appendf(&result->text, "killed by signal %d (%s)",
		    WTERMSIG(child->wait_status),
		    strsignal(WTERMSIG(child->wait_status)));
		return;
	}
	code = WEXITSTATUS(child->wait_status);
	snprintf(result->status, sizeof(result->status), "exit %d", code);
	if (code == EX_OK && !read_all) {
		snprintf(result->status, sizeof(result->status),
		    "exit 0, input unread");
		buf_appendf(&result->text, "exited with status 0 after reading %lld of %lld bytes of the message", done, (long long)(child->input_end - child->input_start));
		return;
	}
	if (code == EX_OK) {
		result->outcome = INJECT_ACCEPTED;
		result->pending = false;
	} else if (code != EX_TEMPFAIL && code != EX_OSERR) {
		result->pending = false;
	}
	buf_appendf(&result->text, "exited with status %d%s", code,
	    exit_status_name(code));
}

/* Logs the result for every recipient and warns when the message is not
 * accepted or the child wrote anything. */
static void
child_report(struct sendmail_pool *pool, const struct sendmail_child *child,
    struct child_result *result)
{
	struct inject_queue *queue = pool->settings->queue;
	const struct inject_message *message = child->message;
	const struct envelope *envelope = &message->envelope;
	char   *path;
	size_t	i;

	if (child->output.length > 0) {
		buf_append_string(&result->text, "; output: ");
		child_append_output(child, &result->text);
	}
	for (i = 0; i < envelope->recipient_count; i++)
		inject_queue_log_status(queue, message, envelope->recipients[i],
		    result->status, result->text.data);
	if (result->outcome == INJECT_ACCEPTED && child->output.length == 0)
		return;
	path = xasprintf("%s/%s/%s", message->slot, message->folder,
	    message->name);
	if (result->outcome == INJECT_ACCEPTED) {
		char   *text = xasprintf("sendmail %s; the message is accepted", result->text.data);

		pool_warn(pool, path, text);
		free(text);
	}
	else {
		char   *text = xasprintf("sendmail %s; %s",
		    result->text.data, result->pending ?
		    "the message stays in new/ for the next run" :
		    "the message is rejected");

		pool_warn(pool, path, text);
		free(text);
	}
	free(path);
}

/* Records the outcome of an exited child whose output is closed, which
 * disposes of its message or leaves it pending, and frees the child. */
static void
child_finish(struct sendmail_pool *pool, struct sendmail_child *child)
{
	struct inject_queue *queue = pool->settings->queue;
	struct child_result result;

	child_judge(child, pool->settings->timeout, &result);
	child_report(pool, child, &result);
	if (result.pending)
		inject_queue_leave_pending(queue, child->message,
		    result.status);
	else
		inject_queue_answer_status(queue, child->message,
		    result.outcome, result.status);
	close(child->input_fd);
	buf_free(&child->output);
	buf_free(&result.text);
}

/* Leaves the message pending after its child could not be started, and
 * starts no more children in this run. */
static void
pool_spawn_failed(struct sendmail_pool *pool, struct inject_message *message,
    int error)
{
	char   *text = xasprintf("run %s: %s", pool->settings->path,
	    strerror(error));
	size_t	i;

	msg_warn("%s/%s/%s: %s; the message stays in new/, and no more messages are handed over in this run", message->slot, message->folder, message->name, text);
	for (i = 0; i < message->envelope.recipient_count; i++)
		inject_queue_log_status(pool->settings->queue, message,
		    message->envelope.recipients[i], "not started", text);
	inject_queue_leave_pending(pool->settings->queue, message,
	    "not started");
	pool->spawn_failed = true;
	free(text);
}

static bool
pool_may_claim(const struct sendmail_pool *pool)
{
	return !pool->stopping && !pool->spawn_failed &&
	    (pool->next.message != NULL ||
	    inject_queue_pending(pool->settings->queue) > 0);
}

static bool
pool_may_start(const struct sendmail_pool *pool)
{
	return pool_may_claim(pool) &&
	    pool->active < pool->settings->max_processes;
}

/* Claims the next message into pool->next unless one is there already.
 * Returns whether pool->next contains a message. */
static bool
pool_prepare_next(struct sendmail_pool *pool, long long now)
{
	struct sendmail_input *next = &pool->next;

	if (next->message != NULL)
		return true;
	next->message = inject_queue_claim(pool->settings->queue, now);
	if (next->message == NULL)
		return false;
	if (!input_open(pool->settings->queue, next)) {
		pool_spawn_failed(pool, next->message, errno);
		next->message = NULL;
		return false;
	}
	return true;
}

/* Returns a prepared message that no child took to the queue. */
static void
pool_release_next(struct sendmail_pool *pool)
{
	if (pool->next.message == NULL)
		return;
	close(pool->next.fd);
	inject_queue_release(pool->settings->queue, pool->next.message);
	pool->next.message = NULL;
}

/*
 * Starts children while slots are free, then prepares the message for the
 * next free slot, so that its file is read and converted while children
 * run rather than after one exits. Paced claims are not made early.
 */
static void
pool_start_children(struct sendmail_pool *pool, long long now)
{
	while (pool_may_start(pool) && pool_prepare_next(pool, now)) {
		int	error = child_start(pool, &pool->children[pool->active],
		    &pool->next, now);

		if (error != 0) {
			pool_spawn_failed(pool, pool->next.message, error);
			pool->next.message = NULL;
			return;
		}
		pool->next.message = NULL;
		pool->active++;
	}
	if (pool_may_claim(pool) &&
	    inject_queue_next_claim(pool->settings->queue) == 0)
		pool_prepare_next(pool, now);
}

static long long
pool_wake_time(const struct sendmail_pool *pool)
{
	const struct inject_queue *queue = pool->settings->queue;
	long long wake = pool->tick_time;
	long long next_claim = inject_queue_next_claim(queue);
	size_t	i;

	for (i = 0; i < pool->active; i++) {
		long long child_wake = child_wake_time(&pool->children[i]);

		if (child_wake < wake)
			wake = child_wake;
	}
	if (next_claim > 0 && pool_may_start(pool) && next_claim < wake)
		wake = next_claim;
	return wake;
}

/* Waits for output, an exit, a signal or the next deadline, then reads
 * the output that arrived. */
static void
pool_poll(struct sendmail_pool *pool, const sigset_t *wait_mask)
{
	long long now = sendmail_pool_now();
	long long wake = pool_wake_time(pool);
	struct timespec timeout;
	size_t	i;

	for (i = 0; i < pool->active; i++) {
		pool->poll_fds[i].fd = pool->children[i].output_fd;
		pool->poll_fds[i].events = POLLIN;
		pool->poll_fds[i].revents = 0;
	}
	if (wake < now)
		wake = now;
	if (wake - now > (long long)INT_MAX)
		wake = now + INT_MAX;
	timeout.tv_sec = (time_t)((wake - now) / 1000);
	timeout.tv_nsec = (long)((wake - now) % 1000) * 1000000L;
	if (ppoll(pool->poll_fds, pool->active, &timeout, wait_mask) < 0 &&
	    errno != EINTR)
		msg_fatal(EX_OSERR, "poll failed: %m");
	for (i = 0; i < pool->active; i++) {
		if (pool->poll_fds[i].revents != 0 &&
		    pool->children[i].output_fd >= 0)
			child_read_output(&pool->children[i]);
	}
}

/* Reaps exited children, enforces the deadlines and finishes every child
 * that has exited and whose output is closed. */
static void
pool_reap(struct sendmail_pool *pool)
{
	long long now = sendmail_pool_now();
	size_t	kept = 0, i;

	for (i = 0; i < pool->active; i++) {
		struct sendmail_child *child = &pool->children[i];

		child_check_exit(child, now, pool->abandoning);
		if (child->exited && child->output_fd >= 0)
			child_read_output(child);
		child_check_time(child, now);
		if (child->exited && child->output_fd < 0) {
			child_finish(pool, child);
			continue;
		}
		if (kept != i)
			pool->children[kept] = *child;
		kept++;
	}
	pool->active = kept;
}

/* Acts on SIGINT and SIGTERM: the first starts no more children, the
 * second sends SIGTERM to those still running. */
static void
pool_check_signals(struct sendmail_pool *pool)
{
	sig_atomic_t count = *pool->settings->stop_signal_count;
	long long now = sendmail_pool_now();
	size_t	i;

	if (count >= 1 && !pool->stopping) {
		pool->stopping = true;
		pool_release_next(pool);
		inject_queue_stop(pool->settings->queue);
		msg_info("stopping: no new sendmail processes; %zu running one(s) finish; a second signal terminates them", pool->active);
	}
	if (count < 2 || pool->abandoning)
		return;
	pool->abandoning = true;
	msg_info("stopping at once: SIGTERM to %zu sendmail process group(s); their messages stay pending unless they already finished", pool->active);
	for (i = 0; i < pool->active; i++) {
		pool->children[i].output_close_time = now;
		child_terminate(&pool->children[i], now);
	}
}

void
sendmail_pool_run(const struct sendmail_pool_settings *settings)
{
	struct sendmail_pool pool;
	sigset_t wait_mask;

	memset(&pool, 0, sizeof(pool));
	pool.settings = settings;
	pool.children = xcalloc(settings->max_processes,
	    sizeof(*pool.children));
	pool.poll_fds = xcalloc(settings->max_processes,
	    sizeof(*pool.poll_fds));
	pool.tick_time = LLONG_MAX;
	child_signal_setup(&pool, &wait_mask);
	pool_find_handled_signals(&pool);
	for (;;) {
		long long now = sendmail_pool_now();

		pool_check_signals(&pool);
		pool_start_children(&pool, now);
		if (settings->tick != NULL)
			pool.tick_time = settings->tick(settings->tick_context,
			    now);
		if (pool.active == 0 && !pool_may_start(&pool))
			break;

		/* pool_start_children() found no message to claim although
		 * some are pending, none is in flight and no pacing delays
		 * claims. Waiting would never end. */
		if (pool.active == 0 && pool.next.message == NULL &&
		    inject_queue_next_claim(settings->queue) == 0)
			msg_panic("sendmail_pool_run: %zu messages pending, none claimable with none in flight", inject_queue_pending(settings->queue));
		pool_poll(&pool, &wait_mask);
		pool_reap(&pool);
	}
	pool_release_next(&pool);
	free(pool.children);
	free(pool.poll_fds);
}
