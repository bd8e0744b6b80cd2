/* Echo connections, datagram echo, and the blocking echo client.
 *
 * The connection path is what a minimal epoll echo server does, and no
 * more: one recv() per readiness event into the connection's buffer, one
 * send() straight back. Only a short send costs an epoll_ctl (to wait for
 * writability instead of reading), and only its end costs another.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <nethost/nethost.h>

#include "echo.h"

struct echo_conn {
	struct echo_pool *pool;
	struct echo_conn *prev, *next;
	nh_io *io;
	nh_timer *idle;
	int fd;
	int listened;     /* holds one of the listener's slots */
	int64_t last_ms;  /* last data received, loop time */
	size_t off, len;  /* pending output: buf[off..len) */
	uint64_t bytes;
	char peer[NH_ADDR_STRLEN];
	unsigned char buf[];
};

/* The metrics an echo exports. Until exported they point at spares in
 * the same struct, so that the hot path adds without a test. */
enum { M_ACCEPTED, M_REFUSED, M_TIMEOUT, M_ERROR, M_MESSAGES, M_BYTES, M_COUNTERS };

struct echo_metrics {
	nh_counter *c[M_COUNTERS];
	nh_gauge *active;
	nh_counter spare[M_COUNTERS];
	nh_gauge spare_active;
};

static void metrics_init(struct echo_metrics *m)
{
	*m = (struct echo_metrics){ 0 };
	for (int i = 0; i < M_COUNTERS; i++)
		m->c[i] = &m->spare[i];
	m->active = &m->spare_active;
}

static void metrics_del(struct echo_metrics *m)
{
	for (int i = 0; i < M_COUNTERS; i++)
		if (m->c[i] != &m->spare[i])
			nh_counter_del(m->c[i]);
	if (m->active != &m->spare_active)
		nh_gauge_del(m->active);
	metrics_init(m);
}

/* The transport label of a datagram socket: udp, or dgram (Unix). */
static const char *dgram_transport(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0 && ss.ss_family != AF_UNIX)
		return "udp";
	return "dgram";
}

/* Export m's series under ctx with transport="..." (the label that keeps
 * one instance's TCP and UDP apart); the values so far carry over. A
 * datagram echo has no connections to accept, time out or count. */
static void metrics_export(const nh_ctx *ctx, struct echo_metrics *m, const char *t, int stream)
{
	static const char *const results[M_COUNTERS] = { "accepted", "refused", "timeout", "error" };
	static const char conn_help[] =
		"Echo connections by result: accepted; refused (max_clients, or a datagram "
		"with no sender address); closed on idle timeout; closed or dropped on error";
	nh_counter *c[M_COUNTERS] = { NULL };
	nh_gauge *active = NULL;
	int failed = 0;

	if (m->active != &m->spare_active || m->c[M_REFUSED] != &m->spare[M_REFUSED])
		return; /* already */
	for (int i = 0; i < M_COUNTERS && !failed; i++) {
		if (!stream && (i == M_ACCEPTED || i == M_TIMEOUT))
			continue;
		if (i == M_MESSAGES)
			c[i] = nh_counter_new(ctx, "nethost_echo_messages_total",
					      "Messages echoed (a read on a stream, a datagram)",
					      "transport", t, NULL);
		else if (i == M_BYTES)
			c[i] = nh_counter_new(ctx, "nethost_echo_bytes_total", "Bytes echoed",
					      "transport", t, NULL);
		else
			c[i] = nh_counter_new(ctx, "nethost_echo_connections_total", conn_help,
					      "transport", t, "result", results[i], NULL);
		failed = !c[i];
	}
	if (!failed && stream)
		failed = !(active = nh_gauge_new(ctx, "nethost_echo_clients_active",
						 "Echo clients connected now", "transport", t, NULL));
	if (failed) {
		int e = errno;
		nh_logf(ctx, NH_LOG_WARN, "%s echo: metrics not exported: %s", t, strerror(e));
		for (int i = 0; i < M_COUNTERS; i++)
			nh_counter_del(c[i]);
		return;
	}
	for (int i = 0; i < M_COUNTERS; i++) {
		if (!c[i])
			continue;
		c[i]->value = m->c[i]->value;
		m->c[i] = c[i];
	}
	if (active) {
		active->value = m->active->value;
		m->active = active;
	}
}

struct echo_pool {
	const nh_ctx *ctx;
	nh_loop *loop;
	struct echo_opts o;
	struct echo_conn *head;
	struct echo_stats st;
	struct echo_metrics m;

	nh_listener *listener; /* NULL when not listening */
	uint64_t fd_pauses;    /* the listener's, at the last accept */
	echo_admit_cb admit;
	void *admit_arg;
};

struct echo_pool *echo_pool_new(const nh_ctx *ctx, const struct echo_opts *opts)
{
	if (!opts->bufsize) {
		errno = EINVAL;
		return NULL;
	}
	struct echo_pool *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->ctx = ctx;
	p->loop = nh_ctx_loop(ctx);
	p->o = *opts;
	metrics_init(&p->m);
	return p;
}

static const char *close_reason(int result)
{
	switch (result) {
	case 0: return "closed by peer";
	case -ETIMEDOUT: return "idle timeout";
	case -EMSGSIZE: return "message larger than the buffer";
	default: return strerror(-result);
	}
}

static void conn_close(struct echo_conn *c, int result)
{
	struct echo_pool *p = c->pool;

	nh_debug(p->ctx, "%s: %s after %llu bytes", c->peer, close_reason(result),
		 (unsigned long long)c->bytes);
	if (result == -ETIMEDOUT) {
		p->st.timeouts++;
		nh_counter_inc(p->m.c[M_TIMEOUT]);
	} else if (result < 0) {
		p->st.errors++;
		nh_counter_inc(p->m.c[M_ERROR]);
	}
	nh_io_del(c->io);
	nh_timer_del(c->idle);
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		p->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	p->st.active--;
	nh_gauge_add(p->m.active, -1);
	if (c->listened)
		nh_listener_release(p->listener);
	free(c);
}

/* Send what is pending. 1 when all went, 0 when the socket is full,
 * -1 when the connection was closed. */
static int conn_flush(struct echo_conn *c)
{
	while (c->off < c->len) {
		ssize_t n = send(c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			conn_close(c, -errno);
			return -1;
		}
		c->off += (size_t)n;
	}
	c->off = c->len = 0;
	return 1;
}

static void conn_event(nh_loop *loop, int fd, int events, void *arg)
{
	struct echo_conn *c = arg;
	struct echo_pool *p = c->pool;

	(void)events;
	if (c->len) {
		/* Writable again: drain, then read again. */
		if (conn_flush(c) == 1)
			nh_io_set(c->io, NH_READ);
		return;
	}
	ssize_t n = recv(fd, c->buf, p->o.bufsize, p->o.packet ? MSG_TRUNC : 0);
	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		conn_close(c, n < 0 ? -errno : 0);
		return;
	}
	if ((size_t)n > p->o.bufsize) {
		conn_close(c, -EMSGSIZE);
		return;
	}
	c->last_ms = nh_loop_now_ms(loop);
	c->bytes += (uint64_t)n;
	p->st.messages++;
	p->st.bytes += (uint64_t)n;
	nh_counter_inc(p->m.c[M_MESSAGES]);
	nh_counter_add(p->m.c[M_BYTES], (uint64_t)n);
	c->off = 0;
	c->len = (size_t)n;
	/* The common case ends here: all sent, keep reading. */
	if (conn_flush(c) == 0 && nh_io_set(c->io, NH_WRITE) < 0)
		conn_close(c, -errno);
}

static int64_t conn_idle(nh_loop *loop, void *arg)
{
	struct echo_conn *c = arg;
	int64_t left = c->last_ms + c->pool->o.idle_timeout_ms - nh_loop_now_ms(loop);

	/* Re-arming on every message would cost a heap update per message;
	 * checking here costs one wake-up per timeout period. */
	if (left > 0)
		return left;
	c->idle = NULL; /* deleted by returning NH_TIMER_STOP */
	conn_close(c, -ETIMEDOUT);
	return NH_TIMER_STOP;
}

/* Take fd into the pool. listened: it came from the pool's listener, and
 * the slot it holds there is given back when it ends (or now, when the
 * pool cannot take it). */
static int conn_open(struct echo_pool *p, int fd, const char *peer, int listened)
{
	struct echo_conn *c = NULL;
	int r = 0;

	if (p->o.max_clients && p->st.active >= p->o.max_clients) {
		p->st.refused++;
		nh_counter_inc(p->m.c[M_REFUSED]);
		nh_debug(p->ctx, "%s: refused, %u clients connected (max_clients)", peer,
			 p->st.active);
		r = -EBUSY;
	} else if (!(c = malloc(sizeof(*c) + p->o.bufsize))) {
		r = -ENOMEM;
	} else {
		*c = (struct echo_conn){ .pool = p, .fd = fd, .listened = listened,
					 .last_ms = nh_loop_now_ms(p->loop) };
		snprintf(c->peer, sizeof(c->peer), "%s", peer);
		c->io = nh_io_add(p->loop, fd, NH_READ, conn_event, c);
		if (c->io && p->o.idle_timeout_ms > 0)
			c->idle = nh_timer_add(p->loop, p->o.idle_timeout_ms, conn_idle, c);
		if (!c->io || (p->o.idle_timeout_ms > 0 && !c->idle)) {
			r = -errno;
			nh_io_del(c->io);
			free(c);
		}
	}
	if (r < 0) {
		close(fd);
		if (listened)
			nh_listener_release(p->listener);
		return r;
	}
	c->next = p->head;
	if (p->head)
		p->head->prev = c;
	p->head = c;
	p->st.accepted++;
	p->st.active++;
	nh_counter_inc(p->m.c[M_ACCEPTED]);
	nh_gauge_add(p->m.active, 1);
	nh_debug(p->ctx, "%s: connected (%u clients)", peer, p->st.active);
	return 0;
}

int echo_pool_add(struct echo_pool *p, int fd, const char *peer)
{
	return conn_open(p, fd, peer, 0);
}

void echo_pool_stats(const struct echo_pool *p, struct echo_stats *out)
{
	*out = p->st;
}

/* A client from the listener. The listener leaves max_clients to the
 * pool, which refuses there and counts the refusal at once (the
 * listener's own refusals would reach the metrics only when asked). */
static void pool_accept(int fd, const struct sockaddr *sa, socklen_t salen, void *arg)
{
	struct echo_pool *p = arg;
	struct nh_listener_stats ls = NH_LISTENER_STATS_INIT;
	char name[NH_ADDR_STRLEN];

	/* The listener said when it paused for lack of fds; this is the end. */
	nh_listener_stats(p->listener, &ls);
	if (ls.fd_pauses != p->fd_pauses) {
		nh_notice(p->ctx, "accepting again");
		p->fd_pauses = ls.fd_pauses;
	}
	if (p->admit) {
		if (p->admit(fd, sa, salen, name, sizeof(name), p->admit_arg) < 0) {
			close(fd);
			nh_listener_release(p->listener);
			return;
		}
	} else {
		nh_sockaddr_format(sa, salen, 1, name, sizeof(name));
	}
	conn_open(p, fd, name, 1);
}

/* A listener for the pool, before its socket is added. */
static int listen_begin(struct echo_pool *p, echo_admit_cb admit, void *arg, nh_error *err)
{
	struct nh_listener_opts o = NH_LISTENER_OPTS_INIT;

	echo_pool_unlisten(p);
	o.on_accept = pool_accept;
	o.arg = p;
	if (!(p->listener = nh_listener_new(p->ctx, &o)))
		return nh_error_set(err, errno, "listener: %s", strerror(errno));
	p->fd_pauses = 0;
	p->admit = admit;
	p->admit_arg = arg;
	return 0;
}

/* The socket is added (r == 0): export the metrics; or it failed. */
static int listen_end(struct echo_pool *p, int r, const char *transport)
{
	if (r < 0) {
		nh_listener_free(p->listener);
		p->listener = NULL;
		return r;
	}
	metrics_export(p->ctx, &p->m, transport, 1);
	return 0;
}

int echo_pool_listen_tcp(struct echo_pool *p, const nh_addr *a, int flags, echo_admit_cb admit,
			 void *arg, nh_error *err)
{
	int r = listen_begin(p, admit, arg, err);

	return r < 0 ? r : listen_end(p, nh_listener_add_tcp(p->listener, a, flags, err), "tcp");
}

int echo_pool_listen_unix(struct echo_pool *p, const char *path, int type, int mode,
			  echo_admit_cb admit, void *arg, nh_error *err)
{
	int r = listen_begin(p, admit, arg, err);

	if (r < 0)
		return r;
	r = nh_listener_add_unix(p->listener, path, type, mode, err);
	return listen_end(p, r, type == SOCK_SEQPACKET ? "seqpacket" : "stream");
}

int echo_pool_local(const struct echo_pool *p, nh_addr *out)
{
	return p->listener ? nh_listener_local(p->listener, 0, out) : -ENOENT;
}

void echo_pool_unlisten(struct echo_pool *p)
{
	if (!p || !p->listener)
		return;
	/* The slots its clients hold go with it. */
	for (struct echo_conn *c = p->head; c; c = c->next)
		c->listened = 0;
	nh_listener_free(p->listener);
	p->listener = NULL;
}

void echo_pool_free(struct echo_pool *p)
{
	if (!p)
		return;
	echo_pool_unlisten(p);
	while (p->head)
		conn_close(p->head, -ESHUTDOWN);
	metrics_del(&p->m);
	free(p);
}

/* ---- datagrams ------------------------------------------------------- */

/* Datagrams handled per readiness event before others get a turn. */
#define DGRAM_BATCH 64

struct echo_dgram {
	const nh_ctx *ctx;
	nh_io *io;
	int fd;
	size_t cap;
	size_t pending; /* a datagram waiting for the socket to take it */
	struct sockaddr_storage from;
	socklen_t fromlen;
	struct echo_stats st;
	struct echo_metrics m;
	unsigned char buf[];
};

static const char *sender_name(const struct sockaddr_storage *ss, socklen_t len, char *buf,
			       size_t size)
{
	if (ss->ss_family != AF_UNIX)
		return nh_sockaddr_format((const struct sockaddr *)ss, len, 1, buf, size);
	const struct sockaddr_un *un = (const struct sockaddr_un *)ss;
	size_t n = len - offsetof(struct sockaddr_un, sun_path);
	if (n > 0 && un->sun_path[0] == '\0') /* abstract: not NUL-terminated */
		snprintf(buf, size, "@%.*s", (int)(n - 1), un->sun_path + 1);
	else
		snprintf(buf, size, "%.*s", (int)n, un->sun_path);
	return buf;
}

/* 1 sent, 0 socket full (keep it pending), -1 dropped. */
static int dgram_reply(struct echo_dgram *d, size_t len)
{
	ssize_t n = sendto(d->fd, d->buf, len, MSG_DONTWAIT | MSG_NOSIGNAL,
			   (struct sockaddr *)&d->from, d->fromlen);
	if (n >= 0) {
		d->st.messages++;
		d->st.bytes += len;
		nh_counter_inc(d->m.c[M_MESSAGES]);
		nh_counter_add(d->m.c[M_BYTES], len);
		return 1;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
		return 0;
	char name[NH_ADDR_STRLEN + 40];
	nh_debug(d->ctx, "%s: reply dropped: %s",
		 sender_name(&d->from, d->fromlen, name, sizeof(name)), strerror(errno));
	d->st.errors++;
	nh_counter_inc(d->m.c[M_ERROR]);
	return -1;
}

static void dgram_event(nh_loop *loop, int fd, int events, void *arg)
{
	struct echo_dgram *d = arg;
	char name[NH_ADDR_STRLEN + 40];

	(void)loop;
	(void)events;
	if (d->pending) {
		if (dgram_reply(d, d->pending) == 0)
			return;
		d->pending = 0;
		nh_io_set(d->io, NH_READ);
		return;
	}
	for (int i = 0; i < DGRAM_BATCH; i++) {
		d->fromlen = sizeof(d->from);
		ssize_t n = recvfrom(fd, d->buf, d->cap, MSG_TRUNC | MSG_DONTWAIT,
				     (struct sockaddr *)&d->from, &d->fromlen);
		if (n < 0) {
			/* ICMP errors from earlier replies surface here on
			 * UDP (ECONNREFUSED): they concern one old peer only. */
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return;
			d->st.errors++;
			nh_counter_inc(d->m.c[M_ERROR]);
			continue;
		}
		if ((size_t)n > d->cap) {
			nh_debug(d->ctx, "%s: %zd-byte datagram dropped (buffer %zu)",
				 sender_name(&d->from, d->fromlen, name, sizeof(name)), n, d->cap);
			d->st.errors++;
			nh_counter_inc(d->m.c[M_ERROR]);
			continue;
		}
		/* An unbound Unix socket has no address to answer to. */
		if (d->fromlen <= sizeof(sa_family_t)) {
			d->st.refused++;
			nh_counter_inc(d->m.c[M_REFUSED]);
			continue;
		}
		nh_debug(d->ctx, "%s: %zd bytes",
			 sender_name(&d->from, d->fromlen, name, sizeof(name)), n);
		if (dgram_reply(d, (size_t)n) == 0) {
			d->pending = (size_t)n;
			nh_io_set(d->io, NH_WRITE);
			return;
		}
	}
}

struct echo_dgram *echo_dgram_new(const nh_ctx *ctx, int fd, size_t bufsize)
{
	struct echo_dgram *d = calloc(1, sizeof(*d) + bufsize);

	if (!d)
		return NULL;
	d->ctx = ctx;
	d->fd = fd;
	d->cap = bufsize;
	metrics_init(&d->m);
	metrics_export(ctx, &d->m, dgram_transport(fd), 0);
	d->io = nh_io_add(nh_ctx_loop(ctx), fd, NH_READ, dgram_event, d);
	if (!d->io) {
		int e = errno;
		metrics_del(&d->m);
		free(d);
		errno = e;
		return NULL;
	}
	return d;
}

void echo_dgram_stats(const struct echo_dgram *d, struct echo_stats *out)
{
	*out = d->st;
}

void echo_dgram_free(struct echo_dgram *d)
{
	if (!d)
		return;
	nh_io_del(d->io);
	close(d->fd);
	metrics_del(&d->m);
	free(d);
}

/* ---- the client ------------------------------------------------------ */

/* Send msg on a connected socket and read the echo into reply. On a
 * stream, reads exactly len bytes, while still sending; on a datagram or
 * seqpacket socket, one message. The bytes received, or -errno with the
 * reason in err (-ETIMEDOUT, -ECONNRESET when the peer closed first,
 * -EMSGSIZE when the reply did not fit in cap). */
static ssize_t echo_exchange(int fd, const void *msg, size_t len, void *reply, size_t cap,
			 int64_t timeout_ms, nh_error *err)
{
	int type = SOCK_STREAM;
	socklen_t tl = sizeof(type);
	size_t sent = 0, got = 0;
	int64_t deadline = nh_now_us() + timeout_ms * 1000;

	getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl);
	int stream = type == SOCK_STREAM;
	int sending = 1; /* a datagram is sent whole, even an empty one */
	if (stream && len > cap)
		return nh_error_set(err, EMSGSIZE, "reply buffer of %zu bytes is too small", cap);
	while (!stream || got < len) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN | (sending ? POLLOUT : 0) };
		int64_t left = (deadline - nh_now_us()) / 1000;
		if (left <= 0)
			return nh_error_set(err, ETIMEDOUT, "timed out: %zu of %zu bytes echoed", got,
					    len);
		int r = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return nh_error_set(err, errno, "poll: %s", strerror(errno));
		}
		if (pfd.revents & POLLOUT) {
			ssize_t n = send(fd, (const char *)msg + sent, len - sent,
					 MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				return nh_error_set(err, errno, "send: %s", strerror(errno));
			if (n >= 0) {
				sent = stream ? sent + (size_t)n : len;
				sending = sent < len;
			}
		}
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = recv(fd, (char *)reply + got, cap - got,
					 MSG_DONTWAIT | (stream ? 0 : MSG_TRUNC));
			if (n < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
					continue;
				return nh_error_set(err, errno, "receive: %s", strerror(errno));
			}
			if (!stream) {
				/* On a seqpacket socket, EOF reads as an empty message. */
				if (n == 0 && len > 0 && type == SOCK_SEQPACKET)
					return nh_error_set(err, ECONNRESET, "connection closed by peer");
				if ((size_t)n > cap)
					return nh_error_set(err, EMSGSIZE,
							    "%zd-byte reply does not fit in %zu bytes",
							    n, cap);
				return n;
			}
			if (n == 0)
				return nh_error_set(err, ECONNRESET,
						    "connection closed by peer: %zu of %zu bytes echoed",
						    got, len);
			got += (size_t)n;
		}
	}
	return (ssize_t)got;
}

/* Fill a generated message with a pattern that shows shifts and drops. */
static void fill_pattern(unsigned char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)((i * 7 + i / 251) & 0xff);
}

static void print_text(const unsigned char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		putchar(buf[i] >= 0x20 && buf[i] < 0x7f ? buf[i] : '.');
}

/* A record of --json: {"type": TYPE, "peer": PEER, ...}. */
static struct json_object *record_new(const char *type, const char *peer)
{
	struct json_object *o = json_object_new_object();

	nh_json_add_str(o, "type", type);
	nh_json_add_str(o, "peer", peer);
	return o;
}

/* One echo that came back intact; text is NULL for the generated one. */
static void report_echo(const struct echo_job *job, const char *peer, unsigned long seq,
			const char *text, size_t len, double ms)
{
	if (job->quiet)
		return;
	if (job->json) {
		struct json_object *o = record_new("echo", peer);
		nh_json_add_int(o, "seq", (int64_t)seq);
		nh_json_add_int(o, "bytes", (int64_t)len);
		nh_json_add_str(o, "message", text);
		nh_json_add_double(o, "time_ms", ms);
		nh_json_print(stdout, o);
	} else {
		printf("%zu bytes from %s: ", len, peer);
		if (text)
			print_text((const unsigned char *)text, len);
		else
			fputs("intact", stdout);
		printf(" time=%.3f ms\n", ms);
	}
	fflush(stdout); /* in order with other writers (unixipc pair's child) */
}

/* The echo that failed the job: logged, and a record with --json. */
static void report_error(const nh_ctx *ctx, const struct echo_job *job, const char *name,
			 const char *peer, unsigned long seq, size_t len, const char *why)
{
	nh_logf(ctx, NH_LOG_ERR, "%s: %s", name, why);
	if (!job->json)
		return;
	struct json_object *o = record_new("error", peer);
	nh_json_add_int(o, "seq", (int64_t)seq);
	nh_json_add_int(o, "bytes", (int64_t)len);
	nh_json_add_str(o, "error", why);
	nh_json_print(stdout, o);
}

static void report_summary(const struct echo_job *job, const char *peer, unsigned long sent,
			   unsigned long intact, double min, double avg, double max)
{
	if (job->json) {
		struct json_object *o = record_new("summary", peer);
		nh_json_add_int(o, "sent", (int64_t)sent);
		nh_json_add_int(o, "intact", (int64_t)intact);
		nh_json_add_double(o, "rtt_min_ms", min);
		nh_json_add_double(o, "rtt_avg_ms", avg);
		nh_json_add_double(o, "rtt_max_ms", max);
		nh_json_print(stdout, o);
	} else if (sent > 1 || job->quiet) {
		printf("%lu sent, %lu echoed intact, rtt min/avg/max = %.3f/%.3f/%.3f ms\n", sent,
		       intact, min, avg, max);
	}
	fflush(stdout);
}

int echo_client_run(const nh_ctx *ctx, int fd, const char *name, const struct echo_job *job)
{
	size_t cap = job->size;
	unsigned long sent = 0, intact = 0;
	double min = 0, max = 0, sum = 0;
	nh_error err;

	/* A socket name is the user's text: no control byte reaches the
	 * terminal. (Log lines are escaped by the host.) */
	char shown[4 * 108 + 1]; /* the longest name, a Unix path, all escaped */
	nh_escape(name, shown, sizeof(shown));
	for (int m = 0; m < job->n_messages; m++)
		if (strlen(job->messages[m]) > cap)
			cap = strlen(job->messages[m]);
	/* One allocation for the whole run; +1 catches a longer datagram. */
	unsigned char *gen = malloc(job->size + 1), *reply = malloc(cap + 1);
	if (!gen || !reply) {
		free(gen);
		free(reply);
		nh_logf(ctx, NH_LOG_ERR, "out of memory for %zu-byte messages", cap);
		return NH_EXIT_FAIL;
	}
	fill_pattern(gen, job->size);
	int failed = 0;
	for (long c = 0; c < job->count && !failed; c++) {
		for (int m = 0; m <= job->n_messages && !failed; m++) {
			const unsigned char *msg = m < job->n_messages ?
				(const unsigned char *)job->messages[m] : gen;
			size_t len = m < job->n_messages ? strlen(job->messages[m]) : job->size;
			if (m == job->n_messages && !job->size)
				break;
			int64_t t0 = nh_now_us();
			ssize_t n = echo_exchange(fd, msg, len, reply, cap + 1, job->timeout_ms,
						     &err);
			double ms = (double)(nh_now_us() - t0) / 1000.0;
			sent++;
			if (n < 0) {
				report_error(ctx, job, name, shown, sent, len, err.msg);
				failed = 1;
				break;
			}
			if ((size_t)n != len || memcmp(reply, msg, len) != 0) {
				size_t at = 0;
				while (at < (size_t)n && at < len && reply[at] == msg[at])
					at++;
				char why[160];
				snprintf(why, sizeof(why),
					 "echo differs from the %zu bytes sent (got %zd, first difference at byte %zu)",
					 len, n, at);
				report_error(ctx, job, name, shown, sent, len, why);
				failed = 1;
				break;
			}
			intact++;
			sum += ms;
			min = intact == 1 || ms < min ? ms : min;
			max = ms > max ? ms : max;
			report_echo(job, shown, sent, m < job->n_messages ? job->messages[m] : NULL, len,
				    ms);
		}
	}
	report_summary(job, shown, sent, intact, min, intact ? sum / (double)intact : 0.0, max);
	free(gen);
	free(reply);
	return failed ? NH_EXIT_FAIL : NH_EXIT_OK;
}

/* ---- shared command-line options ------------------------------------ */

int echo_serve_option(const nh_ctx *ctx, int c, const char *arg, struct echo_opts *o)
{
	uint64_t size;
	long n;

	switch (c) {
	case 'M':
		if (nh_opt_int(ctx, "--max-clients", arg, 1, 1000000, &n) < 0)
			return NH_EXIT_USAGE;
		o->max_clients = (unsigned)n;
		return 1;
	case 'i':
		if (nh_opt_duration_ms(ctx, "--idle-timeout", arg, 0, INT64_MAX,
				       &o->idle_timeout_ms) < 0)
			return NH_EXIT_USAGE;
		return 1;
	case 'B':
		if (nh_opt_size(ctx, "--buffer", arg, 512, 16 << 20, &size) < 0)
			return NH_EXIT_USAGE;
		o->bufsize = (size_t)size;
		return 1;
	}
	return 0;
}

int echo_job_option(const nh_ctx *ctx, int c, const char *arg, struct echo_job *job)
{
	uint64_t size;

	switch (c) {
	case 's':
		if (nh_opt_size(ctx, "--size", arg, 0, 1 << 30, &size) < 0)
			return NH_EXIT_USAGE;
		job->size = (size_t)size;
		return 1;
	case 'c':
		return nh_opt_int(ctx, "--count", arg, 1, 1000000000, &job->count) < 0 ?
			NH_EXIT_USAGE : 1;
	case 't':
		/* 0 would fail every echo before it was sent. */
		return nh_opt_duration_ms(ctx, "--timeout", arg, 1, INT64_MAX, &job->timeout_ms) < 0 ?
			NH_EXIT_USAGE : 1;
	case 'q':
		job->quiet = 1;
		return 1;
	case 'j':
		job->json = 1;
		return 1;
	}
	return 0;
}
