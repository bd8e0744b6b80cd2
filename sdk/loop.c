/* The event loop: epoll for fds, a binary heap of timers, signalfd for
 * signals, a list of deferred calls.
 *
 * Deleting a handle from inside a callback is safe: fd watchers are
 * marked dead and freed after the batch of events that may still point
 * at them; timers leave the heap at once.
 *
 * Timers are set in milliseconds (the ABI) but kept and waited for in
 * microseconds: epoll_pwait2() sleeps for the exact remaining time, so a
 * timer fires at its deadline instead of up to a millisecond late.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "nh_internal.h"
#include "nh_loop_private.h"

#define MAX_EVENTS 256

struct nh_io {
	nh_loop *loop;
	int fd;
	int mask;
	int dead;
	nh_io_cb cb;
	void *arg;
	nh_io *next_dead;
};

struct nh_timer {
	nh_loop *loop;
	int64_t when_us;
	uint64_t seq;   /* ties fire in the order they were set */
	size_t slot;    /* index in the heap */
	nh_timer_cb cb;
	void *arg;
};

struct nh_signal {
	nh_loop *loop;
	int signo;
	nh_signal_cb cb;
	void *arg;
};

struct nh_defer {
	nh_loop *loop;
	nh_defer_cb cb;
	void *arg;
	nh_defer *next;
	int cancelled;
};

struct nh_loop {
	struct nh_loop_head head; /* first: the host's crash handler reads it */
	int epfd;
	int stop;
	int64_t now_ms;
	int64_t now_us;   /* the iteration's time, which timers are due by */
	int no_pwait2;    /* the kernel lacks epoll_pwait2: millisecond waits */
	size_t n_io;      /* live watchers */
	nh_io *dead_io;   /* freed after the current batch */

	nh_timer **heap;
	size_t n_timers, cap_timers;
	uint64_t timer_seq;
	nh_timer *firing;     /* the timer whose callback runs now */
	int firing_deleted;

	int sigfd;
	nh_io *sig_io;
	sigset_t sigmask;
	sigset_t saved_mask;
	nh_signal *signals[_NSIG];

	nh_defer *defer_head, *defer_tail;
};

int64_t nh_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t nh_loop_now_ms(nh_loop *loop)
{
	return loop->now_ms;
}

nh_loop *nh_loop_new(void)
{
	nh_loop *loop = calloc(1, sizeof(*loop));

	if (!loop)
		return NULL;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		int e = errno;
		free(loop);
		errno = e;
		return NULL;
	}
	loop->sigfd = -1;
	sigemptyset(&loop->sigmask);
	loop->now_us = nh_now_us();
	loop->now_ms = loop->now_us / 1000;
	return loop;
}

static void free_dead_io(nh_loop *loop)
{
	while (loop->dead_io) {
		nh_io *io = loop->dead_io;
		loop->dead_io = io->next_dead;
		free(io);
	}
}

void nh_loop_free(nh_loop *loop)
{
	if (!loop)
		return;
	for (int s = 1; s < _NSIG; s++)
		if (loop->signals[s])
			nh_signal_del(loop->signals[s]);
	while (loop->n_timers)
		nh_timer_del(loop->heap[0]);
	free(loop->heap);
	while (loop->defer_head) {
		nh_defer *d = loop->defer_head;
		loop->defer_head = d->next;
		free(d);
	}
	free_dead_io(loop);
	/* Watchers still registered belong to callers that forgot them; the
	 * loop cannot find them without a table, so they leak by design of
	 * the caller. epoll forgets them with epfd. */
	close(loop->epfd);
	free(loop);
}

void nh_loop_stop(nh_loop *loop)
{
	loop->stop = 1;
}

/* Which callback runs, for the host's crash line; nested runs (signal
 * callbacks inside the signalfd watcher) put the outer one back. */
struct running {
	void *cb;
	const char *kind;
};

static struct running running_begin(nh_loop *loop, const char *kind, void *cb)
{
	struct running outer = { loop->head.running_cb, loop->head.running_kind };

	loop->head.running_kind = kind;
	loop->head.running_cb = cb;
	return outer;
}

static void running_end(nh_loop *loop, struct running outer)
{
	loop->head.running_cb = outer.cb;
	loop->head.running_kind = outer.kind;
}

/* ---- fd watchers ---------------------------------------------------- */

static uint32_t epoll_mask(int mask)
{
	uint32_t ev = 0;

	if (mask & NH_READ)
		ev |= EPOLLIN | EPOLLRDHUP;
	if (mask & NH_WRITE)
		ev |= EPOLLOUT;
	if ((mask & NH_EDGE) && (mask & (NH_READ | NH_WRITE)))
		ev |= EPOLLET;
	return ev;
}

nh_io *nh_io_add(nh_loop *loop, int fd, int mask, nh_io_cb cb, void *arg)
{
	nh_io *io = calloc(1, sizeof(*io));

	if (!io)
		return NULL;
	*io = (nh_io){ .loop = loop, .fd = fd, .mask = mask, .cb = cb, .arg = arg };
	struct epoll_event ev = { .events = epoll_mask(mask), .data.ptr = io };
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int e = errno;
		free(io);
		errno = e;
		return NULL;
	}
	loop->n_io++;
	return io;
}

int nh_io_set(nh_io *io, int mask)
{
	if (io->mask == mask)
		return 0;
	struct epoll_event ev = { .events = epoll_mask(mask), .data.ptr = io };
	if (epoll_ctl(io->loop->epfd, EPOLL_CTL_MOD, io->fd, &ev) < 0)
		return -errno;
	io->mask = mask;
	return 0;
}

int nh_io_mask(const nh_io *io)
{
	return io->mask;
}

void nh_io_del(nh_io *io)
{
	if (!io || io->dead)
		return;
	/* The fd may already be closed (EBADF): nothing to undo then. */
	epoll_ctl(io->loop->epfd, EPOLL_CTL_DEL, io->fd, NULL);
	io->dead = 1;
	io->loop->n_io--;
	io->next_dead = io->loop->dead_io;
	io->loop->dead_io = io;
}

int nh_io_close(nh_io *io)
{
	/* Marked dead like nh_io_del(), so events already fetched for it in
	 * this batch are skipped; close() takes it out of the epoll set. */
	io->dead = 1;
	io->loop->n_io--;
	io->next_dead = io->loop->dead_io;
	io->loop->dead_io = io;
	return close(io->fd) < 0 ? -errno : 0;
}

/* ---- timers: a binary min-heap on (when, seq) ------------------------ */

static int timer_before(const nh_timer *a, const nh_timer *b)
{
	return a->when_us < b->when_us || (a->when_us == b->when_us && a->seq < b->seq);
}

static void heap_place(nh_loop *loop, size_t i, nh_timer *t)
{
	loop->heap[i] = t;
	t->slot = i;
}

static void heap_up(nh_loop *loop, size_t i)
{
	nh_timer *t = loop->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!timer_before(t, loop->heap[parent]))
			break;
		heap_place(loop, i, loop->heap[parent]);
		i = parent;
	}
	heap_place(loop, i, t);
}

static void heap_down(nh_loop *loop, size_t i)
{
	nh_timer *t = loop->heap[i];

	for (;;) {
		size_t child = 2 * i + 1;
		if (child >= loop->n_timers)
			break;
		if (child + 1 < loop->n_timers && timer_before(loop->heap[child + 1], loop->heap[child]))
			child++;
		if (!timer_before(loop->heap[child], t))
			break;
		heap_place(loop, i, loop->heap[child]);
		i = child;
	}
	heap_place(loop, i, t);
}

static void timer_schedule(nh_timer *t, int64_t delay_ms)
{
	if (delay_ms < 0)
		delay_ms = 0;
	/* Microseconds must not overflow: this is still ~146,000 years. */
	if (delay_ms > INT64_MAX / 2000)
		delay_ms = INT64_MAX / 2000;
	/* Fresh time, not the iteration's cached one: a timer set after a
	 * slow callback must not fire early. */
	t->when_us = nh_now_us() + delay_ms * 1000;
	t->seq = t->loop->timer_seq++;
}

nh_timer *nh_timer_add(nh_loop *loop, int64_t delay_ms, nh_timer_cb cb, void *arg)
{
	if (loop->n_timers == loop->cap_timers) {
		size_t cap = loop->cap_timers ? loop->cap_timers * 2 : 16;
		nh_timer **heap = realloc(loop->heap, cap * sizeof(*heap));
		if (!heap)
			return NULL;
		loop->heap = heap;
		loop->cap_timers = cap;
	}
	nh_timer *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	*t = (nh_timer){ .loop = loop, .cb = cb, .arg = arg };
	timer_schedule(t, delay_ms);
	loop->heap[loop->n_timers] = t;
	t->slot = loop->n_timers++;
	heap_up(loop, t->slot);
	return t;
}

static void heap_fix(nh_loop *loop, size_t i)
{
	if (i > 0 && timer_before(loop->heap[i], loop->heap[(i - 1) / 2]))
		heap_up(loop, i);
	else
		heap_down(loop, i);
}

void nh_timer_reset(nh_timer *t, int64_t delay_ms)
{
	timer_schedule(t, delay_ms);
	heap_fix(t->loop, t->slot);
}

void nh_timer_del(nh_timer *t)
{
	if (!t)
		return;
	nh_loop *loop = t->loop;
	size_t i = t->slot;
	nh_timer *last = loop->heap[--loop->n_timers];
	if (last != t) {
		heap_place(loop, i, last);
		heap_fix(loop, i);
	}
	/* The timer whose callback is running is freed when it returns. */
	if (t == loop->firing)
		loop->firing_deleted = 1;
	else
		free(t);
}

/* Fire every timer that is due. A timer that is re-armed for 0 ms fires
 * again on the next iteration, not in this pass: no starvation. */
static void run_timers(nh_loop *loop)
{
	int64_t now = loop->now_us;
	uint64_t seq_limit = loop->timer_seq;

	while (loop->n_timers) {
		nh_timer *t = loop->heap[0];
		if (t->when_us > now || t->seq >= seq_limit)
			break;
		loop->firing = t;
		loop->firing_deleted = 0;
		struct running outer = running_begin(loop, "timer", (void *)t->cb);
		int64_t next = t->cb(loop, t->arg);
		running_end(loop, outer);
		loop->firing = NULL;
		if (loop->firing_deleted)
			free(t);
		else if (next == NH_TIMER_STOP)
			nh_timer_del(t);
		else
			nh_timer_reset(t, next);
	}
}

/* ---- signals through one signalfd ------------------------------------ */

static void signal_ready(nh_loop *loop, int fd, int events, void *arg)
{
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		int signo = (int)si.ssi_signo;
		nh_signal *s = signo > 0 && signo < _NSIG ? loop->signals[signo] : NULL;
		if (!s)
			continue;
		struct running outer = running_begin(loop, "signal", (void *)s->cb);
		s->cb(loop, signo, s->arg);
		running_end(loop, outer);
	}
}

static int signal_update(nh_loop *loop)
{
	int fd = signalfd(loop->sigfd, &loop->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (loop->sigfd < 0) {
		loop->sigfd = fd;
		loop->sig_io = nh_io_add(loop, fd, NH_READ, signal_ready, NULL);
		if (!loop->sig_io) {
			int e = errno;
			close(fd);
			loop->sigfd = -1;
			return -e;
		}
		/* The signal watcher alone keeps no loop alive. */
		loop->n_io--;
	}
	return 0;
}

nh_signal *nh_signal_add(nh_loop *loop, int signo, nh_signal_cb cb, void *arg)
{
	if (signo <= 0 || signo >= _NSIG || loop->signals[signo]) {
		errno = signo <= 0 || signo >= _NSIG ? EINVAL : EEXIST;
		return NULL;
	}
	nh_signal *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	*s = (nh_signal){ .loop = loop, .signo = signo, .cb = cb, .arg = arg };

	sigset_t one;
	sigemptyset(&one);
	sigaddset(&one, signo);
	sigprocmask(SIG_BLOCK, &one, NULL);
	sigaddset(&loop->sigmask, signo);
	int r = signal_update(loop);
	if (r < 0) {
		sigdelset(&loop->sigmask, signo);
		sigprocmask(SIG_UNBLOCK, &one, NULL);
		free(s);
		errno = -r;
		return NULL;
	}
	loop->signals[signo] = s;
	return s;
}

void nh_signal_del(nh_signal *s)
{
	if (!s)
		return;
	nh_loop *loop = s->loop;
	sigset_t one;

	loop->signals[s->signo] = NULL;
	sigdelset(&loop->sigmask, s->signo);
	sigemptyset(&one);
	sigaddset(&one, s->signo);
	sigprocmask(SIG_UNBLOCK, &one, NULL);
	free(s);
	if (sigisemptyset(&loop->sigmask) && loop->sigfd >= 0) {
		loop->n_io++; /* undo the discount made when it was added */
		nh_io_del(loop->sig_io);
		close(loop->sigfd);
		loop->sigfd = -1;
		loop->sig_io = NULL;
	} else if (loop->sigfd >= 0) {
		signal_update(loop);
	}
}

/* ---- deferred calls -------------------------------------------------- */

nh_defer *nh_defer_add(nh_loop *loop, nh_defer_cb cb, void *arg)
{
	nh_defer *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	*d = (nh_defer){ .loop = loop, .cb = cb, .arg = arg };
	if (loop->defer_tail)
		loop->defer_tail->next = d;
	else
		loop->defer_head = d;
	loop->defer_tail = d;
	return d;
}

void nh_defer_del(nh_defer *d)
{
	if (d)
		d->cancelled = 1;
}

/* Run the calls queued before this pass; ones they queue wait a pass. */
static void run_defers(nh_loop *loop)
{
	nh_defer *d = loop->defer_head;

	loop->defer_head = loop->defer_tail = NULL;
	while (d) {
		nh_defer *next = d->next;
		if (!d->cancelled) {
			struct running outer = running_begin(loop, "defer", (void *)d->cb);
			d->cb(loop, d->arg);
			running_end(loop, outer);
		}
		free(d);
		d = next;
	}
}

/* ---- the loop -------------------------------------------------------- */

/* Microseconds until the next thing to do; -1: nothing but fds. */
static int64_t poll_timeout_us(nh_loop *loop)
{
	if (loop->defer_head)
		return 0;
	if (!loop->n_timers)
		return -1;
	int64_t wait = loop->heap[0]->when_us - nh_now_us();
	if (wait <= 0)
		return 0;
	return wait > 60000000 ? 60000000 : wait;
}

static int poll_events(nh_loop *loop, struct epoll_event *events, int max)
{
	int64_t wait_us = poll_timeout_us(loop);

	if (!loop->no_pwait2) {
		struct timespec ts = { wait_us / 1000000, wait_us % 1000000 * 1000 };
		int n = epoll_pwait2(loop->epfd, events, max, wait_us < 0 ? NULL : &ts, NULL);
		if (n >= 0 || errno != ENOSYS)
			return n;
		loop->no_pwait2 = 1;
	}
	/* Rounded up: a timer is never run before its deadline, and a wait
	 * shorter than a millisecond is not a busy loop of zero timeouts. */
	int wait_ms = wait_us < 0 ? -1 : (int)((wait_us + 999) / 1000);
	return epoll_wait(loop->epfd, events, max, wait_ms);
}

int nh_loop_run(nh_loop *loop)
{
	struct epoll_event events[MAX_EVENTS];

	loop->stop = 0;
	while (!loop->stop) {
		if (!loop->n_io && !loop->n_timers && !loop->defer_head &&
		    sigisemptyset(&loop->sigmask))
			break;
		int n = poll_events(loop, events, MAX_EVENTS);
		if (n < 0 && errno != EINTR)
			return -errno;
		loop->now_us = nh_now_us();
		loop->now_ms = loop->now_us / 1000;
		for (int i = 0; i < n; i++) {
			nh_io *io = events[i].data.ptr;
			if (io->dead)
				continue;
			uint32_t ev = events[i].events;
			int got = 0;
			if (ev & EPOLLIN)
				got |= NH_READ;
			if (ev & EPOLLOUT)
				got |= NH_WRITE;
			if (ev & EPOLLERR)
				got |= NH_ERROR;
			if (ev & (EPOLLHUP | EPOLLRDHUP))
				got |= NH_HANGUP;
			struct running outer = running_begin(loop, "io", (void *)io->cb);
			io->cb(loop, io->fd, got, io->arg);
			running_end(loop, outer);
		}
		free_dead_io(loop);
		run_timers(loop);
		run_defers(loop);
		free_dead_io(loop);
	}
	return 0;
}
