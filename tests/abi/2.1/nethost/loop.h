/* The event loop: fd watchers, monotonic timers, signals, deferred calls.
 *
 * In the shape of Redis' ae: add an fd with a mask, a callback and a
 * pointer; add a timer whose callback returns its next delay or
 * NH_TIMER_STOP; every add returns a handle you delete. The loop is the
 * only place nethost blocks (epoll). Handles may be deleted from inside
 * any callback, including their own.
 */
#ifndef NETHOST_LOOP_H
#define NETHOST_LOOP_H

#include <stdint.h>

#include <nethost/ctx.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nh_io nh_io;
typedef struct nh_timer nh_timer;
typedef struct nh_signal nh_signal;
typedef struct nh_defer nh_defer;

/* Watcher mask bits. Level-triggered unless NH_EDGE is set. */
enum {
	NH_READ = 1 << 0,
	NH_WRITE = 1 << 1,
	NH_EDGE = 1 << 2,
	/* Only ever reported, never asked for: */
	NH_ERROR = 1 << 3,  /* EPOLLERR: read SO_ERROR or call read() */
	NH_HANGUP = 1 << 4, /* EPOLLHUP/EPOLLRDHUP: peer closed */
};

#define NH_TIMER_STOP (-1)

typedef void (*nh_io_cb)(nh_loop *loop, int fd, int events, void *arg);
/* Return the delay in ms until the next call, or NH_TIMER_STOP to have the
 * timer deleted (its handle is then invalid). */
typedef int64_t (*nh_timer_cb)(nh_loop *loop, void *arg);
typedef void (*nh_signal_cb)(nh_loop *loop, int signo, void *arg);
typedef void (*nh_defer_cb)(nh_loop *loop, void *arg);

/* A new loop, or NULL with errno set. */
nh_loop *nh_loop_new(void);
/* Free the loop and every watcher still on it; fds are not closed. */
void nh_loop_free(nh_loop *loop);
/* Run until nh_loop_stop() or nothing is left to wait for.
 * 0, or -errno if epoll failed. */
int nh_loop_run(nh_loop *loop);
/* Make nh_loop_run() return after the current iteration. */
void nh_loop_stop(nh_loop *loop);
/* Monotonic time, cached once per iteration (cheap). */
int64_t nh_loop_now_ms(nh_loop *loop);
/* Monotonic time read now, microseconds. */
int64_t nh_now_us(void);

/* Watch fd for mask (NH_READ|NH_WRITE|NH_EDGE). One watcher per fd.
 * NULL with errno set on failure. */
nh_io *nh_io_add(nh_loop *loop, int fd, int mask, nh_io_cb cb, void *arg);
/* Change the mask (0 pauses the watcher). 0 or -errno. */
int nh_io_set(nh_io *io, int mask);
int nh_io_mask(const nh_io *io);
/* Stop watching; does not close the fd. NULL is ignored. */
void nh_io_del(nh_io *io);
/* Stop watching and close the fd, in one system call instead of two: the
 * kernel drops a closed fd from epoll by itself. Only for an fd whose open
 * file description no other fd shares (not dup()ed, not inherited), as is
 * the case for sockets from accept() or socket(). 0 or -errno of close(). */
int nh_io_close(nh_io *io);

/* Call cb after delay_ms (0 = next iteration), then after whatever it
 * returns. Thousands are cheap (binary heap). NULL with errno set. */
nh_timer *nh_timer_add(nh_loop *loop, int64_t delay_ms, nh_timer_cb cb, void *arg);
/* Move the next expiry to now + delay_ms. */
void nh_timer_reset(nh_timer *t, int64_t delay_ms);
void nh_timer_del(nh_timer *t);

/* Deliver signo through the loop (signalfd); the signal is blocked for
 * normal delivery while a watcher exists. One watcher per signal. */
nh_signal *nh_signal_add(nh_loop *loop, int signo, nh_signal_cb cb, void *arg);
void nh_signal_del(nh_signal *s);

/* Call cb once, at the start of the next iteration. The handle is freed
 * after the call; nh_defer_del() cancels before that. */
nh_defer *nh_defer_add(nh_loop *loop, nh_defer_cb cb, void *arg);
void nh_defer_del(nh_defer *d);

#ifdef __cplusplus
}
#endif
#endif
