/*
 * event_set - epoll, level-triggered, so that a ready descriptor is
 * reported on every wait as poll() would report it. Closing a descriptor
 * removes it from the epoll set, so a new descriptor under the same
 * number is registered again.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sysexits.h>
#include <unistd.h>

#include "event_set.h"
#include "msg.h"

/* Maximum events taken from the kernel in one wait. The rest are
 * reported by the next wait. */
#define EVENT_SET_BATCH 256

struct event_set {
	int	epoll_fd;
	struct event_watch **owners;	/* by descriptor number */
	size_t	owner_count;
	struct epoll_event ready[EVENT_SET_BATCH];
};

struct event_set *
event_set_create(void)
{
	struct event_set *set = xcalloc(1, sizeof(*set));

	set->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (set->epoll_fd < 0)
		msg_fatal(EX_OSERR, "epoll_create1 failed: %m");
	return set;
}

/* Converts poll() event bits to epoll's. */
static unsigned
epoll_events(short events)
{
	unsigned result = 0;

	if (events & POLLIN)
		result |= EPOLLIN;
	if (events & POLLOUT)
		result |= EPOLLOUT;
	return result;
}

static void
set_owner(struct event_set *set, int fd, struct event_watch *watch)
{
	size_t	count = set->owner_count;

	if ((size_t)fd >= count) {
		set->owner_count = (size_t)fd + 64;
		set->owners = xrealloc(set->owners,
		    set->owner_count * sizeof(*set->owners));
		while (count < set->owner_count)
			set->owners[count++] = NULL;
	}
	set->owners[fd] = watch;
}

/*
 * A descriptor leaves the epoll set when it is closed. The set records the
 * watch that registered each descriptor number last: an old descriptor
 * is removed only while its watch still owns the number, so a number
 * that another watch registered since stays. Removing a number whose
 * descriptor was closed, or reopened and not yet registered, fails
 * harmlessly.
 */
void
event_set_watch(struct event_set *set, struct event_watch *watch, int fd,
    unsigned long opening, short events)
{
	struct epoll_event event;
	unsigned interest = epoll_events(events);
	bool	same = fd >= 0 && fd == watch->fd && opening == watch->opening;

	if (same && interest == watch->events)
		return;
	if (watch->fd >= 0 && !same && set->owners[watch->fd] == watch) {
		(void) epoll_ctl(set->epoll_fd, EPOLL_CTL_DEL, watch->fd, NULL);
		set->owners[watch->fd] = NULL;
	}
	watch->fd = -1;
	if (fd < 0)
		return;
	event.events = interest;
	event.data.fd = fd;
	if (same ? epoll_ctl(set->epoll_fd, EPOLL_CTL_MOD, fd, &event) < 0 :
	    epoll_ctl(set->epoll_fd, EPOLL_CTL_ADD, fd, &event) < 0 &&
	    (errno != EEXIST ||
	    epoll_ctl(set->epoll_fd, EPOLL_CTL_MOD, fd, &event) < 0))
		msg_fatal(EX_OSERR, "epoll_ctl failed on descriptor %d: %m", fd);
	set_owner(set, fd, watch);
	watch->fd = fd;
	watch->opening = opening;
	watch->events = interest;
}

int
event_set_wait(struct event_set *set, int timeout_ms, const sigset_t *mask)
{
	int	count, i, set_count = 0;

	count = epoll_pwait(set->epoll_fd, set->ready, EVENT_SET_BATCH,
	    timeout_ms, mask);
	if (count < 0 && errno != EINTR)
		msg_fatal(EX_OSERR, "epoll_pwait failed: %m");
	if (count < 0)
		return -1;
	for (i = 0; i < count; i++) {
		int	fd = set->ready[i].data.fd;
		struct event_watch *watch = (size_t)fd < set->owner_count ?
		    set->owners[fd] : NULL;

		/* Skips a descriptor that no watch owns any more. Its owner
		 * closes it soon, which ends these reports. */
		if (watch == NULL)
			continue;
		watch->revents = set->ready[i].events &
		    (EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP);
		set_count++;
	}
	return set_count;
}

void
event_set_free(struct event_set *set)
{
	if (set == NULL)
		return;
	close(set->epoll_fd);
	free(set->owners);
	free(set);
}
