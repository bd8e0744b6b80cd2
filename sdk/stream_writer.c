/* The buffered writer: send at once when the socket takes it, queue the
 * rest (bounded), arm the write watcher only while something is queued. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nethost/loop.h>
#include <nethost/stream.h>

#include "nh_internal.h"
#include "nh_sized.h"

#define DEFAULT_LIMIT (1u << 20)
/* A drained queue keeps a buffer this big for the next burst; a bigger
 * one goes back, so an idle connection does not hold a megabyte. */
#define KEEP_BUFFER 65536

enum { OPEN, CLOSE_FLUSH, CLOSE_NOW };

struct nh_writer {
	nh_ctx *ctx;           /* its context lists it: what is left goes with it */
	nh_writer *prev, *next;
	nh_loop *loop;
	int fd;
	nh_io *io;
	struct nh_writer_opts o;
	unsigned char *buf;
	size_t off, len, cap;  /* queued: buf[off..len) */
	int state;             /* OPEN, CLOSE_FLUSH, CLOSE_NOW */
	int error;             /* handed to on_close: 0 or -errno */
	nh_defer *finish;      /* on_close is due */
	int finish_on_io;      /* no memory for the defer: finish on the next event */
	int in_on_close;
};

static void link_to_ctx(nh_writer *w, nh_ctx *ctx)
{
	w->ctx = ctx;
	w->next = ctx->writers;
	if (w->next)
		w->next->prev = w;
	ctx->writers = w;
}

/* Close the socket and free; on_close is the caller's business. */
static void release(nh_writer *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		w->ctx->writers = w->next;
	if (w->next)
		w->next->prev = w->prev;
	nh_defer_del(w->finish);
	nh_io_del(w->io);
	close(w->fd);
	free(w->buf);
	free(w);
}

static size_t queued(const nh_writer *w)
{
	return w->len - w->off;
}

static void finish(nh_writer *w)
{
	nh_defer_del(w->finish);
	w->state = CLOSE_NOW; /* what on_close may still call does nothing */
	w->finish_on_io = 0;
	w->finish = NULL;
	w->in_on_close = 1;
	if (w->o.on_close)
		w->o.on_close(w, w->error, w->o.arg);
	w->finish = NULL; /* on_close cannot have asked for another */
	release(w);
}

static void finish_deferred(nh_loop *loop, void *arg)
{
	nh_writer *w = arg;

	w->finish = NULL; /* the loop frees a deferred call after it ran */
	finish(w);
}

/* Stop everything and have on_close called from the loop, not from the
 * nh_writer_* call that got us here: its caller still holds w. */
static void finish_soon(nh_writer *w, int error)
{
	if (!w->error)
		w->error = error;
	w->state = CLOSE_NOW;
	if (w->finish || w->finish_on_io || w->in_on_close)
		return;
	if ((w->finish = nh_defer_add(w->loop, finish_deferred, w))) {
		nh_io_set(w->io, 0);
		return;
	}
	w->finish_on_io = 1; /* a socket turns writable, or reports its error */
	nh_io_set(w->io, NH_WRITE);
}

/* Watch for what is needed now: writability only while something is
 * queued; input unless the peer must first read what we owe it. */
static void watch(nh_writer *w)
{
	int mask = 0, r;

	if (queued(w))
		mask |= NH_WRITE;
	if (w->o.on_readable && w->state == OPEN && queued(w) <= w->o.limit / 2)
		mask |= NH_READ;
	if ((r = nh_io_set(w->io, mask)) < 0)
		finish_soon(w, r);
}

/* Send from the queue until it is empty or the socket is full. 0 or
 * -errno. */
static int flush(nh_writer *w)
{
	while (queued(w)) {
		ssize_t n = send(w->fd, w->buf + w->off, queued(w), MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
		}
		w->off += (size_t)n;
	}
	w->off = w->len = 0;
	if (w->cap > KEEP_BUFFER) {
		free(w->buf);
		w->buf = NULL;
		w->cap = 0;
	}
	return 0;
}

static int socket_error(int fd)
{
	int e = 0;
	socklen_t len = sizeof(e);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
		e = errno;
	return e ? -e : -EPIPE;
}

static void on_event(nh_loop *loop, int fd, int events, void *arg)
{
	nh_writer *w = arg;
	int r;

	if (w->state == CLOSE_NOW) {
		if (w->finish_on_io)
			finish(w);
		return;
	}
	if (events & NH_ERROR) {
		w->error = socket_error(fd);
		finish(w);
		return;
	}
	if (queued(w) && (events & (NH_WRITE | NH_HANGUP))) {
		if ((r = flush(w)) < 0) {
			w->error = r;
			finish(w);
			return;
		}
		if (w->state == CLOSE_FLUSH && !queued(w)) {
			finish(w);
			return;
		}
		watch(w);
		if (w->state == CLOSE_NOW)
			return;
	}
	if ((events & (NH_READ | NH_HANGUP)) && (nh_io_mask(w->io) & NH_READ)) {
		w->o.on_readable(w, fd, w->o.arg); /* last: it may free w */
		return;
	}
	/* Hung up with nobody reading and nothing left to send: the peer is
	 * gone, and the event would repeat until we go too. */
	if ((events & NH_HANGUP) && !queued(w)) {
		w->error = -EPIPE;
		finish(w);
	}
}

nh_writer *nh_writer_new(const nh_ctx *ctx, int fd, const struct nh_writer_opts *o)
{
	struct nh_writer_opts d = { .size = sizeof(d) };
	int r;

	if (fd < 0 || nh_sized_read(&d, sizeof(d), o) < 0) {
		errno = EINVAL;
		return NULL;
	}
	if ((r = nh_fd_nonblock(fd)) < 0) {
		errno = -r;
		return NULL;
	}
	nh_writer *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	if (!d.limit)
		d.limit = DEFAULT_LIMIT;
	w->o = d;
	w->fd = fd;
	w->loop = nh_ctx_loop(ctx);
	w->io = nh_io_add(w->loop, fd, d.on_readable ? NH_READ : 0, on_event, w);
	if (!w->io) {
		int e = errno;
		free(w);
		errno = e;
		return NULL;
	}
	link_to_ctx(w, (nh_ctx *)ctx);
	return w;
}

/* Make room for n more bytes (the caller checked the limit). */
static int reserve(nh_writer *w, size_t n)
{
	if (w->cap - w->len >= n)
		return 0;
	if (w->off) {
		memmove(w->buf, w->buf + w->off, queued(w));
		w->len -= w->off;
		w->off = 0;
		if (w->cap - w->len >= n)
			return 0;
	}
	size_t cap = w->cap ? w->cap : 4096;
	while (cap < w->len + n)
		cap *= 2;
	if (cap > w->o.limit)
		cap = w->o.limit;
	unsigned char *grown = realloc(w->buf, cap);
	if (!grown)
		return -ENOMEM;
	w->buf = grown;
	w->cap = cap;
	return 0;
}

int nh_writer_write(nh_writer *w, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t done = 0;

	if (w->state != OPEN)
		return -EPIPE;
	if (len > w->o.limit - queued(w))
		return -ENOBUFS;
	/* Nothing queued: the socket usually takes it all, no watcher needed. */
	while (!queued(w) && done < len) {
		ssize_t n = send(w->fd, p + done, len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			int e = -errno;
			finish_soon(w, e);
			return e;
		}
		done += (size_t)n;
	}
	if (done == len)
		return 0;
	if (reserve(w, len - done) < 0) {
		/* Part of it went: the stream is cut, the connection must end. */
		finish_soon(w, -ENOMEM);
		return -ENOMEM;
	}
	memcpy(w->buf + w->len, p + done, len - done);
	w->len += len - done;
	watch(w);
	return w->state == CLOSE_NOW ? w->error : 0;
}

int nh_writer_printf(nh_writer *w, const char *fmt, ...)
{
	char small[512];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n < sizeof(small))
		return nh_writer_write(w, small, (size_t)n);
	char *big = malloc((size_t)n + 1);
	if (!big)
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	int r = nh_writer_write(w, big, (size_t)n);
	free(big);
	return r;
}

size_t nh_writer_queued(const nh_writer *w)
{
	return queued(w);
}

int nh_writer_fd(const nh_writer *w)
{
	return w->fd;
}

void nh_writer_close(nh_writer *w, int flush_first)
{
	if (w->state == CLOSE_NOW || (w->state == CLOSE_FLUSH && flush_first))
		return;
	if (flush_first && queued(w)) {
		w->state = CLOSE_FLUSH;
		watch(w); /* stops reading */
		return;
	}
	finish_soon(w, 0);
}

void nh_writer_free(nh_writer *w)
{
	if (!w || w->in_on_close)
		return;
	release(w);
}
