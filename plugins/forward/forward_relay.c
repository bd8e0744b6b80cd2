/* The data path: connect upstream (with fail-over), then relay both
 * directions until both are done, one of them resets, or the connection
 * idles out.
 *
 * A half carrying bulk moves bytes from its source socket into a pipe
 * and from the pipe into its destination socket with splice(), so the
 * payload never enters user space (the approach of HAProxy's raw_sock.c).
 * Until it has filled a buffer once, a half copies through read()/send():
 * cheaper for small exchanges, and the only way where the kernel refuses
 * splice() or no pipe can be had. The pipe or buffer bounds what a half
 * holds: when full, reading from the source stops until the destination
 * drains it, which is the back-pressure.
 *
 * Watchers are level-triggered and asked only for what the state needs:
 * READ on a source whose half has room, WRITE on a destination with bytes
 * waiting. A socket that needs nothing is taken off the loop, so a
 * hang-up it keeps reporting cannot spin us.
 *
 * A side that speaks TLS (forward_tls.c) is read with SSL_read and
 * written with SSL_write through the copy buffer; halves touching it
 * never splice. OpenSSL may need the other readiness than the call's
 * (a read that must write, a write that must read): the half records
 * it (rd_want_write, wr_want_read) and the watcher asks for that.
 *
 * With http_host, the client's bytes go through the request rewriter
 * (forward_http.c) before they reach the copy buffer; the answers come
 * back as they are (spliced where both sides are plain).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "forward.h"
#include "forward_proxy.h"
#include "forward_http.h"

enum { CLIENT = 0, UPSTREAM = 1 };

struct fwd_half {
	int pipe[2];      /* held only while it has data; -1 otherwise */
	char *buf;        /* read/write fallback, same rule */
	size_t off;       /* fallback: first byte not yet written */
	size_t pending;   /* bytes held, in the pipe or the buffer */
	size_t cap;       /* what the pipe or buffer can hold */
	uint64_t bytes;   /* delivered to the destination */
	unsigned bulk : 1;      /* filled its buffer once: splice from now on */
	unsigned can_read : 1;  /* source may have data (or EOF) */
	unsigned can_write : 1; /* destination may take more */
	unsigned full : 1;      /* no room in the pipe or buffer */
	unsigned eof : 1;       /* source said EOF */
	unsigned shut : 1;      /* EOF passed on: shutdown(dst, SHUT_WR) */
	unsigned copy : 1;      /* source or destination is TLS: never splice */
	unsigned rd_want_write : 1; /* TLS source: the read waits for writable */
	unsigned wr_want_read : 1;  /* TLS destination: the write waits for readable */
};

struct fwd_conn {
	struct fwd *f;
	struct fwd_conn *prev, *next;
	int fd[2];            /* CLIENT, UPSTREAM */
	nh_io *io[2];
	struct fwd_half h[2]; /* h[CLIENT]: client -> upstream */
	nh_connect *connecting;
	int up_first, up_scan; /* fwd_balance_pick()'s place */
	int upi;              /* index of up in f->ups; -1 before the first pick */
	unsigned again : 1;   /* connect to upi again (it was out of fds) */
	unsigned relayed : 1; /* counted in ups[upi].active */
	int up_err;           /* why the last one failed */
	nh_timer *idle;
	nh_timer *retry;      /* connect again once fds are free */
	int64_t start_ms, last_ms;
	nh_addr peer;         /* the client (from its PROXY header with accept_proxy) */
	nh_addr local;        /* where it connected to; len 0: ask the socket */
	const nh_addr *up;    /* connected to, or last tried */
	struct ssl_st *tls[2]; /* per side, NULL: plain TCP */
	struct fwd_http *http; /* http_host: rewrites the client's requests */
	unsigned tls_done[2];  /* its handshake completed (and was counted) */
	/* send_proxy: the header not sent yet; it leaves with the client's
	 * first bytes, or alone when the client has none (proxy_send). */
	uint8_t *proxy_hdr;
	size_t proxy_len;
};

static const char *const side_name[2] = { "client", "upstream" };

/* ---- pipes ---------------------------------------------------------- */

/* A pipe and what it holds; 0 or -errno. */
static int pipe_get(struct fwd *f, int p[2], size_t *cap)
{
	if (f->n_pool > 0) {
		struct fwd_pipe *pp = &f->pool[--f->n_pool];
		p[0] = pp->fd[0];
		p[1] = pp->fd[1];
		*cap = pp->cap;
		return 0;
	}
	if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0)
		return -errno;
	/* A bigger pipe means fewer splice() calls per megabyte; the kernel
	 * may refuse (pipe-max-size, a user over pipe-user-pages-soft):
	 * keep what it gave then. */
	int sz = fcntl(p[0], F_SETPIPE_SZ, FWD_PIPE_SIZE);
	if (sz < 0)
		sz = fcntl(p[0], F_GETPIPE_SZ);
	*cap = sz > 0 ? (size_t)sz : 4096; /* a page is always there */
	return 0;
}

/* Only an empty pipe goes back to the pool. */
static void pipe_put(struct fwd *f, int p[2], size_t cap, int empty)
{
	if (p[0] < 0)
		return;
	if (empty && f->n_pool < FWD_POOL_MAX) {
		struct fwd_pipe *pp = &f->pool[f->n_pool++];
		pp->fd[0] = p[0];
		pp->fd[1] = p[1];
		pp->cap = cap;
	} else {
		close(p[0]);
		close(p[1]);
	}
	p[0] = p[1] = -1;
}

void fwd_pool_free(struct fwd *f)
{
	while (f->n_pool > 0) {
		struct fwd_pipe *pp = &f->pool[--f->n_pool];
		close(pp->fd[0]);
		close(pp->fd[1]);
	}
}

/* Give an empty half a buffer or a pipe. A half starts by copying:
 * for the few bytes of a request or a reply, read()/send() costs less
 * than moving page references into a pipe and out again. Once it has
 * filled its buffer it is carrying bulk, and splices from then on
 * (HAProxy's splice-auto makes the same call). */
static int half_hold(struct fwd *f, struct fwd_half *h)
{
	if (h->pipe[0] >= 0 || h->buf)
		return 0;
	if (h->bulk && !h->copy && !f->no_splice && pipe_get(f, h->pipe, &h->cap) == 0)
		return 0;
	if (!(h->buf = malloc(FWD_BUF_SIZE)))
		return -ENOMEM;
	h->cap = FWD_BUF_SIZE;
	h->off = 0;
	return 0;
}

/* An emptied half gives its pipe or buffer back: idle costs nothing. */
static void half_release(struct fwd *f, struct fwd_half *h)
{
	pipe_put(f, h->pipe, h->cap, h->pending == 0);
	free(h->buf);
	h->buf = NULL;
	h->off = 0;
	h->pending = 0;
	h->full = 0;
}

/* ---- moving bytes ----------------------------------------------------- */

static ssize_t half_in(struct fwd *f, struct fwd_half *h, int src, size_t want)
{
	ssize_t n;

	if (h->pipe[0] >= 0) {
		n = splice(src, NULL, h->pipe[1], NULL, want, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n < 0 && (errno == EINVAL || errno == ENOSYS) && h->pending == 0) {
			/* Not spliceable here: fall back for good. */
			f->no_splice = 1;
			pipe_put(f, h->pipe, h->cap, 1);
			if (half_hold(f, h) < 0)
				return -ENOMEM;
			return half_in(f, h, src, h->cap);
		}
	} else {
		if (h->pending == 0)
			h->off = 0;
		size_t room = h->cap - h->off - h->pending;
		if (room == 0)
			return -ENOBUFS; /* the tail is in use: drain first */
		n = read(src, h->buf + h->off + h->pending, want < room ? want : room);
	}
	return n < 0 ? -errno : n;
}

static ssize_t half_out(struct fwd_half *h, int dst)
{
	ssize_t n;

	if (h->pipe[0] >= 0)
		n = splice(h->pipe[0], NULL, dst, NULL, h->pending, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	else
		n = send(dst, h->buf + h->off, h->pending, MSG_NOSIGNAL);
	return n < 0 ? -errno : n;
}

/* The PROXY header is out: it is sent once. */
static void proxy_done(struct fwd_conn *c)
{
	free(c->proxy_hdr);
	c->proxy_hdr = NULL;
	c->proxy_len = 0;
}

/* The header alone (flags: MSG_MORE when the client's bytes follow at
 * once). 0 or -errno; one cut short (never on a new socket: it is smaller
 * than an MSS) is -EPIPE, the spec's sender rule. */
static int proxy_send(struct fwd_conn *c, int flags)
{
	ssize_t n = send(c->fd[UPSTREAM], c->proxy_hdr, c->proxy_len, MSG_NOSIGNAL | flags);

	if (n < 0)
		return -errno;
	if ((size_t)n < c->proxy_len)
		return -EPIPE;
	proxy_done(c);
	return 0;
}

/* The PROXY header and the client's first bytes in one segment (on
 * loopback a request costs the upstream one wake-up, not two): sendmsg()
 * of both from a buffer, or the header with MSG_MORE and then the splice,
 * which pushes them out together. The bytes of the client's sent, or
 * -errno (-EPIPE: the header cut short). */
static ssize_t half_out_proxy(struct fwd_conn *c, struct fwd_half *h, int dst)
{
	if (h->pipe[0] >= 0) {
		int r = proxy_send(c, MSG_MORE);
		return r < 0 ? r : half_out(h, dst);
	}
	size_t hl = c->proxy_len;
	struct iovec iov[2] = { { c->proxy_hdr, hl }, { h->buf + h->off, h->pending } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };
	ssize_t n = sendmsg(dst, &m, MSG_NOSIGNAL);
	if (n < 0)
		return -errno;
	if ((size_t)n < hl)
		return -EPIPE;
	proxy_done(c);
	return (size_t)n > hl ? n - (ssize_t)hl : -EAGAIN;
}

/* A TLS side made progress: count its handshake once it completed. */
static void tls_progress(struct fwd_conn *c, int side)
{
	if (c->tls_done[side] || !fwd_tls_done(c->tls[side]))
		return;
	c->tls_done[side] = 1;
	nh_counter_inc(c->f->st.tls_ok);
}

/* A TLS error on side: a handshake that failed is counted as such. */
static ssize_t tls_failed(struct fwd_conn *c, int side, ssize_t n)
{
	if (n == -EPROTO && !c->tls_done[side])
		nh_counter_inc(c->f->st.tls_failed);
	return n;
}

/* Read from side s's socket, through TLS where it speaks it. */
static ssize_t side_read(struct fwd_conn *c, int s, char *buf, size_t len)
{
	int want = 0;

	if (!c->tls[s]) {
		ssize_t n = read(c->fd[s], buf, len);
		return n < 0 ? -errno : n;
	}
	ssize_t n = fwd_tls_read(c->tls[s], buf, len, &want, c->f->tls_why, sizeof(c->f->tls_why));
	tls_progress(c, s);
	if (n == -EAGAIN)
		c->h[s].rd_want_write = want == NH_WRITE;
	return tls_failed(c, s, n);
}

/* The buffer's free room in one piece. */
static void half_compact(struct fwd_half *h)
{
	if (h->pending == 0) {
		h->off = 0;
	} else if (h->off + h->pending == h->cap) {
		memmove(h->buf, h->buf + h->off, h->pending);
		h->off = 0;
	}
}

/* Does the half hold bytes beyond its socket's (OpenSSL records, the
 * rewriter's input)? Then a short read does not mean drained: only
 * EAGAIN does. */
static int half_buffers(const struct fwd_conn *c, int s)
{
	return c->tls[s] || (s == CLIENT && c->http);
}

/* Half s reads TLS from its source into the buffer: records until it
 * is full or the socket is drained, so that the writes on get big. */
static ssize_t half_in_tls(struct fwd_conn *c, int s)
{
	struct fwd_half *h = &c->h[s];
	size_t got = 0;

	half_compact(h);
	for (;;) {
		size_t room = h->cap - h->off - h->pending - got;
		if (room == 0)
			return (ssize_t)got;
		ssize_t n = side_read(c, s, h->buf + h->off + h->pending + got, room);
		if (n <= 0) /* EOF, EAGAIN, an error: the next call sees it again */
			return got ? (ssize_t)got : n;
		got += (size_t)n;
	}
}

/* The client's half under http_host: bytes go through the rewriter, and
 * only what it hands out enters the buffer. Reads until it has some. */
static ssize_t half_in_http(struct fwd_conn *c, int s)
{
	struct fwd_half *h = &c->h[s];

	half_compact(h);
	for (;;) {
		ssize_t o = fwd_http_run(c->http, h->buf + h->off + h->pending,
					 h->cap - h->off - h->pending);
		if (o != 0)
			return o;
		size_t space;
		char *in = fwd_http_space(c->http, &space);
		if (!in)
			return -ENOMEM;
		if (space == 0)
			return -EAGAIN; /* a head waits for the buffer to drain */
		ssize_t n = side_read(c, s, in, space);
		if (n <= 0)
			return n; /* EOF drops a head left unfinished */
		fwd_http_added(c->http, (size_t)n);
	}
}

static ssize_t half_out_tls(struct fwd_conn *c, int s)
{
	struct fwd_half *h = &c->h[s];
	int want = 0;
	ssize_t n = fwd_tls_write(c->tls[!s], h->buf + h->off, h->pending, &want, c->f->tls_why,
				  sizeof(c->f->tls_why));

	tls_progress(c, !s);
	if (n == -EAGAIN)
		h->wr_want_read = want == NH_READ;
	return tls_failed(c, !s, n);
}

/* Move what can be moved now from src to dst. 0, or -errno of the first
 * hard socket error with *fault set to the side that failed. */
static int half_pump(struct fwd_conn *c, int s, int *fault)
{
	struct fwd_half *h = &c->h[s];
	int src = c->fd[s], dst = c->fd[!s];
	int progress;

	do {
		progress = 0;
		if (h->can_read && !h->eof && !h->full) {
			if (half_hold(c->f, h) < 0) {
				*fault = s;
				return -ENOMEM;
			}
			size_t want = h->cap - h->pending;
			ssize_t n = !want		       ? -EAGAIN
				    : s == CLIENT && c->http ? half_in_http(c, s)
				    : c->tls[s]		       ? half_in_tls(c, s)
							       : half_in(c->f, h, src, want);
			if (n > 0) {
				h->pending += (size_t)n;
				progress = 1;
				if ((size_t)n < want && !half_buffers(c, s))
					h->can_read = 0; /* drained, most likely */
				if (h->pending >= h->cap) {
					h->full = 1;
					h->bulk = 1;
				}
			} else if (n == 0) {
				h->eof = 1;
				progress = 1;
			} else if (n == -EAGAIN) {
				h->can_read = 0;
				/* With bytes held, a blocked splice may be a pipe
				 * out of slots: wait for the writer to drain it. */
				if (h->pending)
					h->full = 1;
			} else if (n == -ENOBUFS) {
				/* The source may still have bytes: read on once the
				 * buffer drained, without waiting for an event. */
				h->full = 1;
			} else if (n != -EINTR) {
				*fault = s;
				return (int)n;
			}
		}
		if (s == CLIENT && c->proxy_len && !h->pending && (!h->can_read || h->eof || h->full)) {
			int r = proxy_send(c, 0); /* nothing to go with it */
			if (r < 0) {
				*fault = UPSTREAM;
				return r;
			}
		}
		if (h->pending && h->can_write) {
			ssize_t n = c->tls[!s]				 ? half_out_tls(c, s)
				    : s == CLIENT && c->proxy_len ? half_out_proxy(c, h, dst)
								 : half_out(h, dst);
			if (n > 0) {
				h->pending -= (size_t)n;
				h->off += (size_t)n;
				h->bytes += (uint64_t)n;
				if (s == CLIENT)
					nh_counter_add(c->f->st.bytes_up, (uint64_t)n);
				else
					nh_counter_add(c->f->st.bytes_down, (uint64_t)n);
				h->full = 0;
				progress = 1;
				if (s == CLIENT && c->http && fwd_http_held(c->http))
					h->can_read = 1; /* the rewriter has more */
				if (h->pending && !c->tls[!s])
					h->can_write = 0; /* socket buffer full */
			} else if (n == -EAGAIN) {
				h->can_write = 0;
			} else if (n != -EINTR) {
				*fault = !s;
				return (int)n;
			}
		}
	} while (progress);
	if (h->pending == 0)
		half_release(c->f, h);
	if (h->eof && h->pending == 0 && !h->shut) {
		/* Half-close: the other direction keeps flowing. When it is
		 * done already, the close() that follows sends the FIN. TLS
		 * says it first with close_notify. */
		if (c->tls[!s])
			fwd_tls_close_notify(c->tls[!s]);
		if (!c->h[!s].shut)
			shutdown(dst, SHUT_WR);
		h->shut = 1;
	}
	return 0;
}

/* ---- closing -------------------------------------------------------- */

/* Close both sockets; the side in reset (if any) gets an RST instead of
 * a FIN, so a reset on one side becomes a reset on the other. */
static void conn_close(struct fwd_conn *c, int reset, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void conn_close(struct fwd_conn *c, int reset, const char *fmt, ...)
{
	struct fwd *f = c->f;
	char why[300], peer[NH_ADDR_STRLEN], up[NH_ADDR_STRLEN] = "-", tls[2][80] = { "", "" };
	va_list ap;

	if (nh_log_enabled(f->ctx, NH_LOG_INFO)) {
		va_start(ap, fmt);
		vsnprintf(why, sizeof(why), fmt, ap);
		va_end(ap);
		nh_addr_format(&c->peer, 1, peer, sizeof(peer));
		if (c->up)
			nh_addr_format(c->up, 1, up, sizeof(up));
		int64_t ms = nh_loop_now_ms(f->loop) - c->start_ms;
		for (int s = 0; s < 2; s++)
			if (c->tls_done[s]) {
				char d[64];
				fwd_tls_describe(c->tls[s], d, sizeof(d));
				snprintf(tls[s], sizeof(tls[s]), "; %s TLS %s", side_name[s], d);
			}
		nh_info(f->ctx, "%s -> %s: %s; up %llu B, down %llu B, %lld.%03lld s%s%s", peer, up,
			why, (unsigned long long)c->h[CLIENT].bytes,
			(unsigned long long)c->h[UPSTREAM].bytes, (long long)(ms / 1000),
			(long long)(ms % 1000), tls[CLIENT], tls[UPSTREAM]);
	}

	nh_connect_cancel(c->connecting);
	nh_timer_del(c->idle);
	nh_timer_del(c->retry);
	for (int s = 0; s < 2; s++) {
		fwd_tls_free(c->tls[s]);
		if (c->fd[s] < 0)
			continue;
		if (reset == s) {
			struct linger lg = { .l_onoff = 1, .l_linger = 0 };
			setsockopt(c->fd[s], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		}
		/* Our own sockets (accept/socket): close drops them from epoll. */
		if (c->io[s])
			nh_io_close(c->io[s]);
		else
			close(c->fd[s]);
		half_release(f, &c->h[s]);
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		f->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	if (c->relayed) {
		struct fwd_upstream *u = &f->ups[c->upi];
		nh_gauge_set(u->active_g, (double)--u->active);
	}
	fwd_http_free(c->http);
	free(c->proxy_hdr);
	free(c);
	fwd_active_add(f, -1);
	fwd_conn_gone(f);
}

void fwd_conn_close_all(struct fwd *f)
{
	while (f->conns) {
		nh_counter_inc(f->st.closed);
		conn_close(f->conns, -1, "closed (forwarder stopped)");
	}
}

int fwd_conn_close_upstream(struct fwd *f, int upi, const char *why)
{
	int n = 0;

	for (struct fwd_conn *c = f->conns, *next; c; c = next) {
		next = c->next; /* conn_close frees c only */
		if (c->upi != upi)
			continue;
		nh_counter_inc(f->st.closed);
		conn_close(c, -1, "%s", why);
		n++;
	}
	return n;
}

/* ---- relaying ------------------------------------------------------- */

static void conn_io(nh_loop *loop, int fd, int events, void *arg);
static void conn_connect(struct fwd_conn *c);
static int conn_tls_start(struct fwd_conn *c);

/* Watch each socket for exactly what its state needs. */
static int conn_watch(struct fwd_conn *c)
{
	for (int s = 0; s < 2; s++) {
		int mask = 0;
		if ((!c->h[s].eof && !c->h[s].full) || c->h[!s].wr_want_read)
			mask |= NH_READ;
		if ((c->h[!s].pending && !c->h[!s].wr_want_read) || c->h[s].rd_want_write)
			mask |= NH_WRITE;
		if (!mask) {
			nh_io_del(c->io[s]);
			c->io[s] = NULL;
		} else if (c->io[s]) {
			if (nh_io_set(c->io[s], mask) < 0)
				return -errno;
		} else if (!(c->io[s] = nh_io_add(c->f->loop, c->fd[s], mask, conn_io, c))) {
			return -errno;
		}
	}
	return 0;
}

/* A short answer of our own to the client, best effort (the socket
 * has room for it unless the client stopped reading). */
static void conn_reply(struct fwd_conn *c, const char *text)
{
	size_t len = strlen(text);
	int want;
	char why[64];

	if (c->tls[CLIENT])
		fwd_tls_write(c->tls[CLIENT], text, len, &want, why, sizeof(why));
	else if (send(c->fd[CLIENT], text, len, MSG_NOSIGNAL) < 0)
		nh_debug(c->f->ctx, "400 not sent: %s", strerror(errno));
}

static void conn_pump(struct fwd_conn *c)
{
	int fault = -1, err = 0;
	int64_t before = (int64_t)(c->h[0].bytes + c->h[1].bytes);

	for (int s = 0; s < 2 && !err; s++)
		err = half_pump(c, s, &fault);
	if (err == -EBADMSG && fault == CLIENT && c->http) {
		/* A request the parser refused: say so, then close. */
		nh_counter_inc(c->f->st.http_bad);
		nh_counter_inc(c->f->st.closed);
		conn_reply(c, fwd_http_400);
		conn_close(c, -1, "bad request (%s); answered 400", fwd_http_why(c->http));
		return;
	}
	if (err == -EPROTO && c->tls[fault]) {
		/* The peer broke TLS (or failed verification): nothing to reset. */
		nh_counter_inc(c->f->st.closed);
		conn_close(c, -1, "%s TLS %s (%s)", side_name[fault],
			   c->tls_done[fault] ? "error" : "handshake failed", c->f->tls_why);
		return;
	}
	if (err) {
		nh_counter_inc(c->f->st.closed);
		/* The failed side is gone already; reset the other one. */
		conn_close(c, !fault, "%s reset (%s)", side_name[fault], strerror(-err));
		return;
	}
	if ((int64_t)(c->h[0].bytes + c->h[1].bytes) != before || c->h[0].eof || c->h[1].eof)
		c->last_ms = nh_loop_now_ms(c->f->loop);
	if (c->h[CLIENT].shut && c->h[UPSTREAM].shut) {
		nh_counter_inc(c->f->st.closed);
		conn_close(c, -1, "closed");
		return;
	}
	if (conn_watch(c) < 0) {
		nh_counter_inc(c->f->st.closed);
		conn_close(c, CLIENT, "cannot watch sockets: %s", strerror(errno));
	}
}

static void conn_io(nh_loop *loop, int fd, int events, void *arg)
{
	struct fwd_conn *c = arg;
	int s = fd == c->fd[CLIENT] ? CLIENT : UPSTREAM;

	if (events & NH_ERROR) {
		int soerr = 0;
		socklen_t len = sizeof(soerr);
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
		if (soerr) {
			nh_counter_inc(c->f->st.closed);
			conn_close(c, !s, "%s reset (%s)", side_name[s], strerror(soerr));
			return;
		}
	}
	if (events & (NH_READ | NH_HANGUP | NH_ERROR)) {
		c->h[s].can_read = 1;
		if (c->h[!s].wr_want_read) {
			c->h[!s].wr_want_read = 0;
			c->h[!s].can_write = 1;
		}
	}
	if (events & NH_WRITE) {
		c->h[!s].can_write = 1;
		if (c->h[s].rd_want_write) {
			c->h[s].rd_want_write = 0;
			c->h[s].can_read = 1;
		}
	}
	conn_pump(c);
}

static int64_t conn_idle(nh_loop *loop, void *arg)
{
	struct fwd_conn *c = arg;
	int64_t quiet = nh_loop_now_ms(loop) - c->last_ms;
	int64_t limit = c->f->conf.idle_timeout_ms;

	if (quiet < limit)
		return limit - quiet;
	c->idle = NULL; /* the loop frees it as we return STOP */
	nh_counter_inc(c->f->st.closed);
	conn_close(c, -1, "idle timeout (%lld ms)", (long long)limit);
	return NH_TIMER_STOP;
}

/* send_proxy: the header goes out before any byte of the client's, with
 * the first of them when there are some (half_out_proxy). Over TLS to the
 * upstream it leaves now, before the handshake. 0 or -errno. */
static int send_proxy_header(struct fwd_conn *c)
{
	if (c->local.len == 0) {
		socklen_t len = sizeof(c->local.u);
		if (getsockname(c->fd[CLIENT], &c->local.u.sa, &len) < 0)
			return -errno;
		c->local.len = len;
	}
	if (!(c->proxy_hdr = malloc(FWD_PROXY_BUILD_MAX)))
		return -ENOMEM;
	c->proxy_len = fwd_proxy_build(c->f->conf.send_proxy, &c->peer, &c->local, c->proxy_hdr);
	return c->f->conf.tls_up ? proxy_send(c, 0) : 0;
}

static void conn_relay(struct fwd_conn *c, int upfd)
{
	int one = 1, r;

	c->fd[UPSTREAM] = upfd;
	if (c->f->conf.send_proxy && (r = send_proxy_header(c)) < 0) {
		nh_counter_inc(c->f->st.closed);
		conn_close(c, CLIENT, "cannot send the PROXY header: %s", strerror(-r));
		return;
	}
	/* Relay what arrives when it arrives: the endpoints chose their
	 * write sizes, Nagle on our hop would only add latency. (Clients
	 * inherit TCP_NODELAY from the listener.) */
	setsockopt(upfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (conn_tls_start(c) < 0)
		return;
	/* The client may have sent already; the new upstream has not. */
	c->h[CLIENT].can_read = 1;
	c->h[CLIENT].can_write = 1;
	c->h[UPSTREAM].can_write = 1;
	c->last_ms = nh_loop_now_ms(c->f->loop);
	if (c->f->conf.idle_timeout_ms > 0 &&
	    !(c->idle = nh_timer_add(c->f->loop, c->f->conf.idle_timeout_ms, conn_idle, c))) {
		nh_counter_inc(c->f->st.closed);
		conn_close(c, -1, "cannot add timer: %s", strerror(errno));
		return;
	}
	conn_pump(c);
}

/* Put TLS on the sides that speak it, now that both sockets exist: the
 * client's handshake waits for the upstream (its reply would have
 * nowhere to go), the upstream's starts at once (a read sends the
 * ClientHello). And the request rewriter, with http_host. 0, or -1
 * with the connection closed. */
static int conn_tls_start(struct fwd_conn *c)
{
	struct fwd *f = c->f;
	struct ssl_st **t = c->tls;
	nh_error err;

	if (f->conf.tls_down &&
	    !(t[CLIENT] = fwd_tls_new(f->conf.tls_down, c->fd[CLIENT], 1, NULL, NULL, &err)))
		goto fail;
	if (f->conf.tls_up) {
		const char *host = f->conf.up_host[c->up - f->conf.up];
		if (!(t[UPSTREAM] = fwd_tls_new(f->conf.tls_up, c->fd[UPSTREAM], 0, host,
						 f->conf.tls.sni, &err)))
			goto fail;
		c->h[UPSTREAM].can_read = 1;
	}
	if (f->conf.http_host && !(c->http = fwd_http_new(f->conf.http_host))) {
		nh_error_set(&err, ENOMEM, "out of memory");
		goto fail;
	}
	c->h[CLIENT].copy = c->h[UPSTREAM].copy = t[CLIENT] || t[UPSTREAM];
	c->h[CLIENT].copy |= c->http != NULL;
	return 0;
fail:
	nh_counter_inc(f->st.closed);
	conn_close(c, -1, "%s", err.msg);
	return -1;
}

/* ---- connecting ----------------------------------------------------- */

static void conn_connected(int fd, int result, void *arg)
{
	struct fwd_conn *c = arg;
	char up[NH_ADDR_STRLEN];

	struct fwd_upstream *u = &c->f->ups[c->upi];

	c->connecting = NULL;
	fwd_upstream_result(u, result == 0);
	fwd_upstream_error(u, result);
	if (result < 0) {
		c->up_err = -result;
		nh_debug(c->f->ctx, "upstream %s: %s; trying another one if there is",
			 nh_addr_format(c->up, 1, up, sizeof(up)), strerror(-result));
		conn_connect(c);
		return;
	}
	c->relayed = 1;
	nh_gauge_set(u->active_g, (double)++u->active);
	conn_relay(c, fd);
}

static int64_t conn_retry(nh_loop *loop, void *arg)
{
	struct fwd_conn *c = arg;

	c->retry = NULL; /* the loop frees it as we return STOP */
	conn_connect(c);
	return NH_TIMER_STOP;
}

/* Try the upstreams balance picks, each once; close the client when none
 * is left, saying why the last one failed (at once when every upstream
 * is down). Out of fds, the client waits
 * (within connect_timeout; the listener pauses by itself when accept()
 * runs out too), rather than being turned away for a shortage that
 * closing connections will end. */
static void conn_connect(struct fwd_conn *c)
{
	struct fwd *f = c->f;

	for (;;) {
		int i = c->again ? c->upi : fwd_balance_pick(f, &c->peer, &c->up_first, &c->up_scan);
		c->again = 0;
		if (i < 0)
			break;
		c->upi = i;
		c->up = &f->conf.up[i];
		c->connecting = nh_connect_start(f->loop, c->up, f->conf.connect_timeout_ms,
						 conn_connected, c);
		if (c->connecting)
			return;
		c->up_err = errno;
		if ((errno == EMFILE || errno == ENFILE) &&
		    nh_loop_now_ms(f->loop) - c->start_ms < f->conf.connect_timeout_ms) {
			fwd_out_of_fds(f, errno);
			c->again = 1;
			c->retry = nh_timer_add(f->loop, FWD_EMFILE_PAUSE_MS, conn_retry, c);
			if (c->retry)
				return;
			c->again = 0;
		} else {
			fwd_upstream_result(&f->ups[i], 0);
		}
	}
	nh_counter_inc(f->st.failed);
	if (c->upi < 0) {
		int healthy = 0;
		for (int k = 0; k < f->conf.n_up; k++)
			healthy |= f->ups[k].up;
		conn_close(c, -1, healthy ? "refused: no upstream takes new clients (the healthy ones are "
					    "drained or disabled)"
					  : "refused: every upstream is down");
		return;
	}
	conn_close(c, -1, "upstream unreachable (%s)",
		   c->up_err == ETIMEDOUT ? "connect timeout" : strerror(c->up_err));
}

int fwd_conn_new(struct fwd *f, int fd, const nh_addr *peer, const nh_addr *local)
{
	struct fwd_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->f = f;
	c->fd[CLIENT] = fd;
	c->fd[UPSTREAM] = -1;
	for (int s = 0; s < 2; s++)
		c->h[s].pipe[0] = c->h[s].pipe[1] = -1;
	c->peer = *peer;
	c->upi = -1;
	if (local)
		c->local = *local;
	c->start_ms = nh_loop_now_ms(f->loop);
	c->next = f->conns;
	if (f->conns)
		f->conns->prev = c;
	f->conns = c;
	fwd_active_add(f, 1);
	/* The client is watched from the relay on: one epoll_ctl less per
	 * connection; a client that leaves meanwhile is seen then. */
	conn_connect(c);
	return 0;
}

/* ---- the control command's view (forward_ctl.c) ---------------------- */

void fwd_conn_each(const struct fwd *f, void (*fn)(const struct fwd_conn_info *ci, void *arg),
		   void *arg)
{
	for (const struct fwd_conn *c = f->conns; c; c = c->next) {
		char tls[2][96];
		for (int side = CLIENT; side <= UPSTREAM; side++) {
			if (!c->tls[side])
				snprintf(tls[side], sizeof(tls[side]), "-");
			else if (!fwd_tls_done(c->tls[side]))
				snprintf(tls[side], sizeof(tls[side]), "handshake");
			else
				fwd_tls_describe(c->tls[side], tls[side], sizeof(tls[side]));
		}
		struct fwd_conn_info ci = {
			.tls_client = tls[CLIENT],
			.tls_upstream = tls[UPSTREAM],
			.client = &c->peer,
			.upstream = c->up,
			.relaying = c->fd[UPSTREAM] >= 0,
			.bytes_up = c->h[CLIENT].bytes,
			.bytes_down = c->h[UPSTREAM].bytes,
			.start_ms = c->start_ms,
			.last_ms = c->fd[UPSTREAM] >= 0 ? c->last_ms : c->start_ms,
		};
		fn(&ci, arg);
	}
}
