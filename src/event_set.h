/*
 * event_set - descriptors watched with epoll. Each watch is registered
 * once and changed only when its descriptor or interest changes, so that
 * a wait costs time for the descriptors that are ready, not for every
 * one watched, as poll() does.
 */
#ifndef EVENT_SET_H
#define EVENT_SET_H

#include <signal.h>

/* One watched descriptor. The caller owns it and keeps its address
 * fixed while it is watched, because the set finds it by its address. */
struct event_watch {
	int	fd;			/* registered descriptor; -1: none */
	unsigned long opening;		/* its owner's count of opened ones */
	unsigned events;		/* registered interest: POLLIN, POLLOUT */
	unsigned revents;		/* set by event_set_wait() */
};

#define EVENT_WATCH_INIT { -1, 0, 0, 0 }

struct event_set;

/* Creates a set. Exits with EX_OSERR when epoll_create1() fails. */
struct event_set *event_set_create(void);

/* Watches fd for events (POLLIN, POLLOUT) with watch. An fd of -1 stops
 * watching. Errors and hang-ups are always reported. opening counts the
 * descriptors the owner has opened, so that a new descriptor that reuses
 * a closed one's number is registered again. */
void	event_set_watch(struct event_set *set, struct event_watch *watch,
	    int fd, unsigned long opening, short events);

/* Waits at most timeout_ms milliseconds with the signal mask mask, and
 * sets revents on each watch that is ready. The caller resets them.
 * Returns the number of watches set, or -1 with errno EINTR. */
int	event_set_wait(struct event_set *set, int timeout_ms,
	    const sigset_t *mask);

void	event_set_free(struct event_set *set);

#endif
