/*
 * slot_writer - with one job, the calling thread renders and writes each
 * message in turn. With n jobs, n - 1 more threads take message indexes
 * from one atomic counter, each with its own generator copy, and hand
 * the rendered messages through a queue of at most SLOT_QUEUE_SIZE to
 * the calling thread, which alone creates the files: on ext4, threads
 * creating files in one folder spent most of their time on its locks.
 * The calling thread renders messages itself whenever the queue is
 * empty, so n jobs keep n threads busy and no more.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "msg.h"
#include "slot_writer.h"

/* Most rendered messages waiting for the writing thread. */
#define SLOT_QUEUE_SIZE	256

/* Rendered messages on their way from the threads to the writer. */
struct slot_queue {
	pthread_mutex_t lock;
	pthread_cond_t not_full;
	pthread_cond_t not_empty;
	struct buf messages[SLOT_QUEUE_SIZE];
	unsigned long indexes[SLOT_QUEUE_SIZE];
	size_t	head;			/* oldest message */
	size_t	count;
	unsigned renderers;		/* threads still rendering */
};

struct slot_run {
	struct slot_job *job;
	atomic_ulong next;		/* next message index to render */
	atomic_ulong rendered;		/* messages written in tmp/ */
	atomic_ulong written;		/* messages renamed into new/ */
	atomic_ullong bytes;
	atomic_int stop;		/* set by the first failure */
	pthread_mutex_t lock;		/* guards status and error */
	int	status;
	struct buf *error;
	struct slot_queue *queue;	/* NULL with one job */
};

struct slot_thread {
	struct slot_run *run;
	int	reports_progress;
	pthread_t thread;
};

static void
slot_run_fail(struct slot_run *run, int status, const struct buf *error)
{
	pthread_mutex_lock(&run->lock);
	if (run->status == 0) {
		run->status = status;
		buf_append(run->error, error->data, error->length);
	}
	pthread_mutex_unlock(&run->lock);
	atomic_store(&run->stop, 1);

	/* Wake the renderers that wait for room in the queue. */
	if (run->queue) {
		pthread_mutex_lock(&run->queue->lock);
		pthread_cond_broadcast(&run->queue->not_full);
		pthread_mutex_unlock(&run->queue->lock);
	}
}

/* Returns whether the caller requested a stop. */
static bool
slot_job_stopped(const struct slot_job *job)
{
	return job->stop != NULL && *job->stop != 0;
}

/* Renders and writes messages until the slot is done or a thread fails. */
static void
slot_thread_work(struct slot_run *run, struct generator *generator,
    struct maildir *maildir, int reports_progress, struct buf *error)
{
	struct slot_job *job = run->job;
	struct buf message = BUF_INIT;
	unsigned long index;
	int status = 0;

	while (status == 0 && !atomic_load(&run->stop) &&
	    !slot_job_stopped(job)) {
		index = atomic_fetch_add(&run->next, 1);
		if (index >= job->volume)
			break;
		buf_reset(&message);
		generator_seed_message(generator, job->slot, index);
		generator_compose(generator, job->slot, job->utc_offset,
		    &message);
		status = maildir_deliver(maildir, message.data, message.length,
		    job->first_sequence + index, error);
		if (status == 0) {
			atomic_fetch_add(&run->rendered, 1);
			atomic_fetch_add(&run->bytes, message.length);
		}
		if (reports_progress && job->progress)
			job->progress(job->progress_context,
			    atomic_load(&run->rendered));
	}
	if (status != 0)
		slot_run_fail(run, status, error);
	buf_free(&message);
}

static void *
slot_thread_main(void *argument)
{
	struct slot_thread *thread = argument;
	struct slot_run *run = thread->run;
	struct buf error = BUF_INIT;
	struct generator generator;
	struct maildir maildir;
	int status;

	status = maildir_open(&maildir, run->job->path, run->job->sync_mode,
	    &error);
	if (status != 0) {
		slot_run_fail(run, status, &error);
		buf_free(&error);
		return NULL;
	}
	generator_copy(&generator, run->job->generator);
	slot_thread_work(run, &generator, &maildir, thread->reports_progress,
	    &error);

	/* Finished messages reach new/ even after a failure elsewhere. */
	buf_reset(&error);
	if ((status = maildir_flush(&maildir, &error)) != 0)
		slot_run_fail(run, status, &error);
	atomic_fetch_add(&run->written, maildir.delivered);
	maildir_close(&maildir);
	generator_free(&generator);
	buf_free(&error);
	return NULL;
}

/* Moves message into the queue, swapping in an empty buffer. Returns
 * -1 when the run stopped while the queue was full. */
static int
slot_queue_push(struct slot_run *run, struct buf *message,
    unsigned long index)
{
	struct slot_queue *queue = run->queue;
	struct buf empty;
	size_t slot;

	pthread_mutex_lock(&queue->lock);
	while (queue->count == SLOT_QUEUE_SIZE && !atomic_load(&run->stop))
		pthread_cond_wait(&queue->not_full, &queue->lock);
	if (atomic_load(&run->stop)) {
		pthread_mutex_unlock(&queue->lock);
		return -1;
	}
	slot = (queue->head + queue->count) % SLOT_QUEUE_SIZE;
	empty = queue->messages[slot];
	queue->messages[slot] = *message;
	*message = empty;
	queue->indexes[slot] = index;
	queue->count++;
	pthread_cond_signal(&queue->not_empty);
	pthread_mutex_unlock(&queue->lock);
	return 0;
}

/* Takes the oldest message into message, swapping in its old buffer,
 * and returns 0. Returns 1 at once when the queue is empty and wait is
 * false, and -1 when it is empty and every renderer has finished. */
static int
slot_queue_pop(struct slot_queue *queue, struct buf *message,
    unsigned long *index, bool wait)
{
	struct buf used;

	pthread_mutex_lock(&queue->lock);
	while (wait && queue->count == 0 && queue->renderers > 0)
		pthread_cond_wait(&queue->not_empty, &queue->lock);
	if (queue->count == 0) {
		int	result = queue->renderers > 0 ? 1 : -1;

		pthread_mutex_unlock(&queue->lock);
		return result;
	}
	used = *message;
	*message = queue->messages[queue->head];
	queue->messages[queue->head] = used;
	*index = queue->indexes[queue->head];
	queue->head = (queue->head + 1) % SLOT_QUEUE_SIZE;
	queue->count--;

	/* Renderers wait only on a full queue. Waking them once it is half
	 * empty, not after each message, lets each wake-up render many. */
	if (queue->count == SLOT_QUEUE_SIZE / 2)
		pthread_cond_broadcast(&queue->not_full);
	pthread_mutex_unlock(&queue->lock);
	return 0;
}

static void *
slot_renderer_main(void *argument)
{
	struct slot_thread *thread = argument;
	struct slot_run *run = thread->run;
	struct slot_job *job = run->job;
	struct slot_queue *queue = run->queue;
	struct buf message = BUF_INIT;
	struct generator generator;
	unsigned long index;

	generator_copy(&generator, job->generator);
	while (!atomic_load(&run->stop) && !slot_job_stopped(job)) {
		index = atomic_fetch_add(&run->next, 1);
		if (index >= job->volume)
			break;
		buf_reset(&message);
		generator_seed_message(&generator, job->slot, index);
		generator_compose(&generator, job->slot, job->utc_offset,
		    &message);
		if (slot_queue_push(run, &message, index) < 0)
			break;
	}
	pthread_mutex_lock(&queue->lock);
	queue->renderers--;
	pthread_cond_broadcast(&queue->not_empty);
	pthread_mutex_unlock(&queue->lock);
	generator_free(&generator);
	buf_free(&message);
	return NULL;
}

/*
 * Writes what the renderers queue until they are done, and renders a
 * message itself whenever the queue is empty and messages are left.
 * After a failure the rest is dropped.
 */
static void
slot_writer_work(struct slot_run *run, struct maildir *maildir,
    struct buf *error)
{
	struct slot_job *job = run->job;
	struct buf message = BUF_INIT;
	struct generator generator;
	unsigned long index;
	bool	rendering = true;
	int	status = 0, pop_status;

	generator_copy(&generator, job->generator);
	for (;;) {
		pop_status = slot_queue_pop(run->queue, &message, &index,
		    !rendering);
		if (pop_status != 0 && !rendering)
			break;
		if (pop_status != 0) {
			index = atomic_fetch_add(&run->next, 1);
			rendering = index < job->volume &&
			    !atomic_load(&run->stop) && !slot_job_stopped(job);
			if (!rendering)
				continue;
			buf_reset(&message);
			generator_seed_message(&generator, job->slot, index);
			generator_compose(&generator, job->slot,
			    job->utc_offset, &message);
		}
		if (status != 0 || atomic_load(&run->stop))
			continue;
		status = maildir_deliver(maildir, message.data, message.length,
		    job->first_sequence + index, error);
		if (status != 0) {
			slot_run_fail(run, status, error);
			continue;
		}
		atomic_fetch_add(&run->rendered, 1);
		atomic_fetch_add(&run->bytes, message.length);
		if (job->progress)
			job->progress(job->progress_context,
			    atomic_load(&run->rendered));
	}
	generator_free(&generator);
	buf_free(&message);
}

/* Runs job->jobs - 1 renderers and writes their messages in this
 * thread, which renders too. */
static void
slot_write_queued(struct slot_run *run, struct slot_thread *threads)
{
	struct slot_queue queue;
	struct buf error = BUF_INIT;
	struct maildir maildir;
	unsigned i, started = 0;
	int status;

	memset(&queue, 0, sizeof(queue));
	pthread_mutex_init(&queue.lock, NULL);
	pthread_cond_init(&queue.not_full, NULL);
	pthread_cond_init(&queue.not_empty, NULL);
	run->queue = &queue;
	status = maildir_open(&maildir, run->job->path, run->job->sync_mode,
	    &error);
	if (status != 0) {
		slot_run_fail(run, status, &error);
		buf_free(&error);
		return;
	}

	queue.renderers = run->job->jobs - 1;
	for (i = 0; i < run->job->jobs - 1; i++, started++)
		if (pthread_create(&threads[i].thread, NULL,
			slot_renderer_main, &threads[i]) != 0)
			break;

	/* Renderers may have finished already; count out those never
	 * started. This thread renders on its own if none started. */
	pthread_mutex_lock(&queue.lock);
	queue.renderers -= run->job->jobs - 1 - started;
	pthread_mutex_unlock(&queue.lock);
	slot_writer_work(run, &maildir, &error);
	for (i = 0; i < started; i++)
		pthread_join(threads[i].thread, NULL);

	buf_reset(&error);
	if ((status = maildir_flush(&maildir, &error)) != 0)
		slot_run_fail(run, status, &error);
	atomic_fetch_add(&run->written, maildir.delivered);
	maildir_close(&maildir);
	for (i = 0; i < SLOT_QUEUE_SIZE; i++)
		buf_free(&queue.messages[i]);
	pthread_cond_destroy(&queue.not_full);
	pthread_cond_destroy(&queue.not_empty);
	pthread_mutex_destroy(&queue.lock);
	run->queue = NULL;
	buf_free(&error);
}

int
slot_write(struct slot_job *job, struct buf *error)
{
	struct slot_thread threads[SLOT_WRITER_JOBS_MAX];
	struct slot_run run;
	unsigned i;

	if (job->jobs < 1 || job->jobs > SLOT_WRITER_JOBS_MAX)
		msg_panic("slot_write: %u threads", job->jobs);
	memset(&run, 0, sizeof(run));
	run.job = job;
	run.error = error;
	pthread_mutex_init(&run.lock, NULL);
	for (i = 0; i < job->jobs; i++) {
		threads[i].run = &run;
		threads[i].reports_progress = i == 0;
	}

	if (job->jobs == 1)
		slot_thread_main(&threads[0]);
	else
		slot_write_queued(&run, threads);

	pthread_mutex_destroy(&run.lock);
	job->written = atomic_load(&run.written);
	job->bytes = atomic_load(&run.bytes);
	return run.status;
}
