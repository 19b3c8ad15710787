/*
 * slot_writer - a slot is shared among its threads through one atomic
 * message counter. Each thread has its own generator copy, message
 * buffer and Maildir batch, and writes its own files, so memory stays at
 * one message and one batch of names per thread.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "msg.h"
#include "slot_writer.h"

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

	while (status == 0 && !atomic_load(&run->stop)) {
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

int
slot_write(struct slot_job *job, struct buf *error)
{
	struct slot_thread threads[SLOT_WRITER_JOBS_MAX];
	struct slot_run run;
	unsigned i, started;

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

	/* With one job the calling thread does the work. */
	started = 0;
	for (i = 1; i < job->jobs; i++, started++)
		if (pthread_create(&threads[i].thread, NULL, slot_thread_main,
			&threads[i]) != 0)
			break;
	slot_thread_main(&threads[0]);
	for (i = 1; i <= started; i++)
		pthread_join(threads[i].thread, NULL);

	pthread_mutex_destroy(&run.lock);
	job->written = atomic_load(&run.written);
	job->bytes = atomic_load(&run.bytes);
	return run.status;
}
