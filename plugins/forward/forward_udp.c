/* The UDP data path (`protocol = udp`): one session per client address,
 * each with its own socket connected to the upstream, so that whatever
 * comes back on it belongs to exactly that client.
 *
 * A listening socket is read in batches with recvmmsg(); each datagram
 * finds its session in a hash table keyed by the client address (O(1)),
 * or opens one (allow/deny first, max_connections bounds them); runs of
 * datagrams of one session go out with one sendmmsg() on its upstream
 * socket. A session socket is read in batches as well, and its datagrams
 * go back to the client through the listening socket it came in on, in
 * one sendmmsg(), from the address the client sent to (IP_PKTINFO on a
 * wildcard listener, so a client of 127.0.0.2 hears 127.0.0.2).
 *
 * Sessions are kept in order of their last datagram, so one timer ends
 * the idle ones from the oldest on: no timer per session, and a datagram
 * costs a few pointer moves. A connected UDP socket reports an ICMP
 * unreachable as ECONNREFUSED: the session ends with a log line.
 *
 * UDP has no back-pressure: a datagram that finds a socket buffer full is
 * dropped and counted, as the network would. Empty datagrams are dropped
 * too (counted): the forwarder never sends one.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "forward_udp.h"

/* Control space for one IP_PKTINFO or IPV6_PKTINFO message, either way. */
#define PKTINFO_SPACE (CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo)))
#define BUCKETS_MIN 64
/* Socket buffers asked for a listening socket. */
#define FWD_UDP_SOCKBUF (4 << 20)

enum { UP = 0, DOWN = 1 };

typedef union {
	char buf[PKTINFO_SPACE];
	struct cmsghdr align;
} udp_ctrl;

/* One listening socket, and the replies waiting to leave through it:
 * upstream sockets that turn readable in one pass of the loop read
 * straight into its slots, and one sendmmsg() takes them all, when the
 * slots are full or the pass ends. */
struct udp_listen {
	struct fwd_udp *u;
	int fd;
	nh_io *io;
	int wildcard; /* bound to any address: replies name their source */
	int n_out;    /* slots in use */
	nh_defer *flush;
	char *out_bufs; /* FWD_UDP_BATCH x FWD_UDP_DGRAM_MAX, slot i at i */
	struct udp_sess *out_sess[FWD_UDP_BATCH]; /* NULL once it ended */
	size_t out_len[FWD_UDP_BATCH];
	nh_addr out_to[FWD_UDP_BATCH];
	udp_ctrl out_ctrl[FWD_UDP_BATCH];
	size_t out_ctrl_len[FWD_UDP_BATCH];
};

/* Where a client sent to, on a wildcard listener: the source of its replies. */
struct udp_dst {
	int level; /* 0 (none), IPPROTO_IP or IPPROTO_IPV6 */
	union {
		struct in_pktinfo v4;
		struct in6_pktinfo v6;
	} u;
};

struct udp_sess {
	struct fwd_udp *u;
	struct udp_sess *hnext;         /* hash chain */
	struct udp_sess *older, *newer; /* by last datagram */
	struct udp_listen *lis;         /* the client's way back */
	int fd;                         /* connected to up */
	nh_io *io;
	uint32_t hash;
	struct udp_dst dst;
	const nh_addr *up;
	int64_t start_ms, last_ms;
	uint64_t dgrams[2], bytes[2]; /* [UP]: client -> upstream */
	nh_addr peer;
};

struct fwd_udp {
	struct fwd *f;
	struct udp_listen *lis;
	int n_lis;
	struct udp_sess **buckets;
	uint32_t mask; /* buckets - 1, a power of two less one */
	uint32_t seed;
	long n_sess;
	struct udp_sess *oldest, *newest;
	nh_timer *sweep;
	int64_t refused_log_ms, full_log_ms, err_log_ms; /* -1: never yet */
	struct fwd_udp_stats st;
	/* One batch in flight at a time: callbacks never nest. */
	struct mmsghdr in[FWD_UDP_BATCH], out[FWD_UDP_BATCH];
	struct iovec iov[FWD_UDP_BATCH], oiov[FWD_UDP_BATCH];
	struct sockaddr_storage names[FWD_UDP_BATCH];
	udp_ctrl ctrl[FWD_UDP_BATCH];
	char *bufs; /* FWD_UDP_BATCH x FWD_UDP_DGRAM_MAX */
};

/* For lines that repeat while a condition lasts: once a second at most. */
static int log_due(struct fwd_udp *u, int64_t *last)
{
	int64_t now = nh_loop_now_ms(u->f->loop);

	if (*last >= 0 && now - *last < 1000)
		return 0;
	*last = now;
	return 1;
}

static void active_add(struct fwd_udp *u, long d)
{
	u->st.active += d;
	nh_gauge_set(u->st.active_g, (double)u->st.active);
}

/* ---- the session table ------------------------------------------------ */

/* The address bytes and port that tell one client from another. */
static uint32_t addr_hash(uint32_t seed, const struct udp_listen *lis, const struct sockaddr *sa)
{
	uint32_t w[6] = { 0 };
	uint64_t h = seed ^ (uintptr_t)lis;

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		memcpy(w, &s6->sin6_addr, 16);
		w[4] = s6->sin6_port;
		w[5] = s6->sin6_scope_id;
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		w[0] = s4->sin_addr.s_addr;
		w[4] = s4->sin_port;
	}
	for (int i = 0; i < 6; i++) {
		h ^= w[i];
		h *= 0x9e3779b97f4a7c15ULL; /* Fibonacci hashing: spreads every bit */
		h ^= h >> 29;
	}
	return (uint32_t)(h ^ (h >> 32));
}

static int addr_same(const nh_addr *a, const struct sockaddr *sa)
{
	if (a->u.sa.sa_family != sa->sa_family)
		return 0;
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = &a->u.in6, *y = (const struct sockaddr_in6 *)sa;
		return x->sin6_port == y->sin6_port && x->sin6_scope_id == y->sin6_scope_id &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
	}
	const struct sockaddr_in *x = &a->u.in4, *y = (const struct sockaddr_in *)sa;
	return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
}

static struct udp_sess *sess_find(struct fwd_udp *u, const struct udp_listen *lis,
				  const struct sockaddr *sa, uint32_t h)
{
	for (struct udp_sess *s = u->buckets[h & u->mask]; s; s = s->hnext)
		if (s->hash == h && s->lis == lis && addr_same(&s->peer, sa))
			return s;
	return NULL;
}

/* Double the buckets when there are more sessions than buckets; with no
 * memory for that the table stays as it is, only slower. */
static void table_grow(struct fwd_udp *u)
{
	uint32_t n = (u->mask + 1) * 2;
	struct udp_sess **b = calloc(n, sizeof(*b));

	if (!b)
		return;
	for (uint32_t i = 0; i <= u->mask; i++) {
		struct udp_sess *s = u->buckets[i], *next;
		for (; s; s = next) {
			next = s->hnext;
			s->hnext = b[s->hash & (n - 1)];
			b[s->hash & (n - 1)] = s;
		}
	}
	free(u->buckets);
	u->buckets = b;
	u->mask = n - 1;
}

static void table_del(struct fwd_udp *u, struct udp_sess *s)
{
	struct udp_sess **p = &u->buckets[s->hash & u->mask];

	while (*p != s)
		p = &(*p)->hnext;
	*p = s->hnext;
}

/* ---- age order ---------------------------------------------------------- */

static void age_unlink(struct fwd_udp *u, struct udp_sess *s)
{
	if (s->older)
		s->older->newer = s->newer;
	else
		u->oldest = s->newer;
	if (s->newer)
		s->newer->older = s->older;
	else
		u->newest = s->older;
	s->older = s->newer = NULL;
}

static void age_append(struct fwd_udp *u, struct udp_sess *s)
{
	s->older = u->newest;
	s->newer = NULL;
	if (u->newest)
		u->newest->newer = s;
	else
		u->oldest = s;
	u->newest = s;
}

/* A datagram went through: the session is the newest now. */
static void sess_touch(struct udp_sess *s)
{
	struct fwd_udp *u = s->u;

	s->last_ms = nh_loop_now_ms(u->f->loop);
	if (u->newest != s) {
		age_unlink(u, s);
		age_append(u, s);
	}
}

/* ---- ending a session --------------------------------------------------- */

static void sess_end(struct udp_sess *s, nh_counter *result, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The one place a session ends: logs it, counts it under result, frees it. */
static void sess_end(struct udp_sess *s, nh_counter *result, const char *fmt, ...)
{
	struct fwd_udp *u = s->u;
	struct fwd *f = u->f;

	if (nh_log_enabled(f->ctx, NH_LOG_INFO)) {
		char why[200], peer[NH_ADDR_STRLEN], up[NH_ADDR_STRLEN];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, sizeof(why), fmt, ap);
		va_end(ap);
		int64_t ms = nh_loop_now_ms(f->loop) - s->start_ms;
		nh_info(f->ctx,
			"%s -> %s/udp: %s; up %llu datagrams %llu B, down %llu datagrams %llu B, "
			"%lld.%03lld s",
			nh_addr_format(&s->peer, 1, peer, sizeof(peer)),
			nh_addr_format(s->up, 1, up, sizeof(up)), why,
			(unsigned long long)s->dgrams[UP], (unsigned long long)s->bytes[UP],
			(unsigned long long)s->dgrams[DOWN], (unsigned long long)s->bytes[DOWN],
			(long long)(ms / 1000), (long long)(ms % 1000));
	}
	nh_counter_inc(result);
	/* Its replies still leave; they are just no longer its to count. */
	for (int i = 0; i < s->lis->n_out; i++)
		if (s->lis->out_sess[i] == s)
			s->lis->out_sess[i] = NULL;
	if (s->io)
		nh_io_close(s->io); /* our own socket(): the close drops it from epoll */
	else
		close(s->fd);
	table_del(u, s);
	age_unlink(u, s);
	u->n_sess--;
	active_add(u, -1);
	free(s);
}

/* The upstream socket failed (err > 0): an ICMP unreachable shows as
 * ECONNREFUSED (port), EHOSTUNREACH or ENETUNREACH. */
static void sess_fail(struct udp_sess *s, int err)
{
	int unreachable = err == ECONNREFUSED || err == EHOSTUNREACH || err == ENETUNREACH;

	sess_end(s, s->u->st.failed, "%s (%s)", unreachable ? "upstream unreachable" : "upstream error",
		 strerror(err));
}

/* Ends the sessions idle for idle_timeout, oldest first. */
static int64_t sweep_idle(nh_loop *loop, void *arg)
{
	struct fwd_udp *u = arg;
	int64_t limit = u->f->conf.idle_timeout_ms, now = nh_loop_now_ms(loop);

	while (u->oldest && now - u->oldest->last_ms >= limit)
		sess_end(u->oldest, u->st.closed, "idle timeout (%lld ms)", (long long)limit);
	if (!u->oldest) {
		u->sweep = NULL; /* the loop frees it as we return STOP */
		return NH_TIMER_STOP;
	}
	return u->oldest->last_ms + limit - now;
}

/* ---- upstream -> client ------------------------------------------------- */

/* The control message that makes a reply leave from d, into c; its length. */
static size_t reply_ctrl(const struct udp_dst *d, udp_ctrl *c)
{
	struct msghdr mh = { .msg_control = c->buf, .msg_controllen = sizeof(*c) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	memset(c, 0, sizeof(*c));
	if (d->level == IPPROTO_IPV6) {
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
		memcpy(CMSG_DATA(cm), &d->u.v6, sizeof(d->u.v6));
		return CMSG_SPACE(sizeof(struct in6_pktinfo));
	}
	cm->cmsg_level = IPPROTO_IP;
	cm->cmsg_type = IP_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
	memcpy(CMSG_DATA(cm), &d->u.v4, sizeof(d->u.v4));
	return CMSG_SPACE(sizeof(struct in_pktinfo));
}

/* Send the replies waiting on lis in one sendmmsg(); what the socket
 * does not take (its buffer full) is dropped and counted. */
static void out_flush(struct udp_listen *lis)
{
	struct fwd_udp *u = lis->u;
	int k = 0;

	for (int i = 0; i < lis->n_out; i++) {
		if (lis->out_len[i] == 0)
			continue; /* an empty datagram: never relayed */
		u->oiov[k] = (struct iovec){ lis->out_bufs + (size_t)i * FWD_UDP_DGRAM_MAX,
					     lis->out_len[i] };
		u->out[k].msg_hdr = (struct msghdr){
			.msg_name = &lis->out_to[i].u, .msg_namelen = lis->out_to[i].len,
			.msg_iov = &u->oiov[k], .msg_iovlen = 1,
			.msg_control = lis->out_ctrl_len[i] ? lis->out_ctrl[i].buf : NULL,
			.msg_controllen = lis->out_ctrl_len[i],
		};
		lis->out_sess[k] = lis->out_sess[i];
		k++;
	}
	lis->n_out = 0;
	int sent = k ? sendmmsg(lis->fd, u->out, (unsigned)k, MSG_DONTWAIT) : 0;
	if (sent < 0) {
		if (errno != EAGAIN && errno != EINTR && log_due(u, &u->err_log_ms))
			nh_warn(u->f->ctx, "cannot send to clients: %s; dropped", strerror(errno));
		sent = 0;
	}
	for (int i = 0; i < sent; i++) {
		struct udp_sess *s = lis->out_sess[i];
		nh_counter_add(u->st.bytes_down, u->oiov[i].iov_len);
		if (s) {
			s->bytes[DOWN] += u->oiov[i].iov_len;
			s->dgrams[DOWN]++;
		}
	}
	nh_counter_add(u->st.dgrams_down, (uint64_t)sent);
	nh_counter_add(u->st.drop_error, (uint64_t)(k - sent));
}

static void out_flush_deferred(nh_loop *loop, void *arg)
{
	struct udp_listen *lis = arg;

	lis->flush = NULL; /* freed by the loop after this call */
	out_flush(lis);
}

static void sess_readable(nh_loop *loop, int fd, int events, void *arg)
{
	struct udp_sess *s = arg;
	struct fwd_udp *u = s->u;
	struct udp_listen *lis = s->lis;

	if (lis->n_out == FWD_UDP_BATCH)
		out_flush(lis);
	int first = lis->n_out, room = FWD_UDP_BATCH - first;
	for (int j = 0; j < room; j++) {
		u->iov[j] = (struct iovec){ lis->out_bufs + (size_t)(first + j) * FWD_UDP_DGRAM_MAX,
					    FWD_UDP_DGRAM_MAX };
		u->in[j].msg_hdr = (struct msghdr){ .msg_iov = &u->iov[j], .msg_iovlen = 1 };
	}
	int n = recvmmsg(fd, u->in, (unsigned)room, MSG_DONTWAIT, NULL);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			sess_fail(s, errno);
		return;
	}
	size_t clen = s->dst.level ? reply_ctrl(&s->dst, &lis->out_ctrl[first]) : 0;
	for (int j = 0; j < n; j++) {
		int slot = first + j;
		lis->out_len[slot] = u->in[j].msg_len;
		if (u->in[j].msg_len == 0)
			nh_counter_inc(u->st.drop_empty);
		lis->out_sess[slot] = s;
		lis->out_to[slot] = s->peer;
		lis->out_ctrl_len[slot] = clen;
		if (clen && j > 0)
			lis->out_ctrl[slot] = lis->out_ctrl[first];
	}
	lis->n_out += n;
	sess_touch(s);
	if (lis->n_out == FWD_UDP_BATCH)
		out_flush(lis);
	else if (lis->n_out && !lis->flush && !(lis->flush = nh_defer_add(loop, out_flush_deferred, lis)))
		out_flush(lis); /* no memory to wait: send now */
}

/* ---- client -> upstream ------------------------------------------------- */

/* A socket connected to the first upstream that takes one; -errno. */
static int upstream_socket(struct fwd *f, const nh_addr **up)
{
	int err = ENOENT;

	for (int i = 0; i < f->conf.n_up; i++) {
		const nh_addr *a = &f->conf.up[i];
		int fd = socket(a->u.sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			err = errno;
			if (err == EMFILE || err == ENFILE)
				break; /* the next one would not fare better */
			continue;
		}
		if (connect(fd, &a->u.sa, a->len) == 0) {
			*up = a;
			return fd;
		}
		err = errno;
		close(fd);
	}
	return -err;
}

/* Where the datagram in mh was sent to, from its IP_PKTINFO/IPV6_PKTINFO. */
static void read_dst(struct msghdr *mh, struct udp_dst *d)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
			d->level = IPPROTO_IPV6;
			memcpy(&d->u.v6, CMSG_DATA(cm), sizeof(d->u.v6));
			/* The interface only matters for a link-local source;
			 * elsewhere routing picks it, as for any reply. */
			if (!IN6_IS_ADDR_LINKLOCAL(&d->u.v6.ipi6_addr))
				d->u.v6.ipi6_ifindex = 0;
			return;
		}
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			d->level = IPPROTO_IP;
			memset(&d->u.v4, 0, sizeof(d->u.v4));
			d->u.v4.ipi_spec_dst = pi.ipi_addr;
			return;
		}
	}
}

/* A new session for the sender of in[i], or NULL (the datagram is
 * dropped, counted, and logged at most once a second). */
static struct udp_sess *sess_open(struct udp_listen *lis, int i, uint32_t h)
{
	struct fwd_udp *u = lis->u;
	struct fwd *f = u->f;
	const struct sockaddr *sa = (const struct sockaddr *)&u->names[i];
	socklen_t salen = u->in[i].msg_hdr.msg_namelen;
	char peer[NH_ADDR_STRLEN];

	if (!fwd_acl_permits(&f->conf, sa)) {
		nh_counter_inc(u->st.drop_refused);
		if (log_due(u, &u->refused_log_ms))
			nh_info(f->ctx, "%s: refused by allow/deny; its datagrams are dropped",
				nh_sockaddr_format(sa, salen, 1, peer, sizeof(peer)));
		return NULL;
	}
	if (u->n_sess >= f->conf.max_conns) {
		nh_counter_inc(u->st.drop_full);
		if (log_due(u, &u->full_log_ms))
			nh_notice(f->ctx, "max_connections (%ld) reached; datagrams of new clients are dropped",
				  f->conf.max_conns);
		return NULL;
	}
	struct udp_sess *s = calloc(1, sizeof(*s));
	if (!s) {
		nh_counter_inc(u->st.drop_error);
		if (log_due(u, &u->err_log_ms))
			nh_warn(f->ctx, "%s: out of memory for a session; dropped",
				nh_sockaddr_format(sa, salen, 1, peer, sizeof(peer)));
		return NULL;
	}
	s->fd = upstream_socket(f, &s->up);
	if (s->fd < 0 || !(s->io = nh_io_add(f->loop, s->fd, NH_READ, sess_readable, s))) {
		int err = s->fd < 0 ? -s->fd : errno;
		nh_counter_inc(u->st.drop_error);
		if (log_due(u, &u->err_log_ms))
			nh_warn(f->ctx, "%s: no upstream socket: %s; dropped (%ld sessions open)",
				nh_sockaddr_format(sa, salen, 1, peer, sizeof(peer)), strerror(err),
				u->n_sess);
		if (s->fd >= 0)
			close(s->fd);
		free(s);
		return NULL;
	}
	s->u = u;
	s->lis = lis;
	s->hash = h;
	memcpy(&s->peer.u, sa, salen < sizeof(s->peer.u) ? salen : sizeof(s->peer.u));
	s->peer.len = salen;
	if (lis->wildcard)
		read_dst(&u->in[i].msg_hdr, &s->dst);
	s->start_ms = s->last_ms = nh_loop_now_ms(f->loop);
	if (u->n_sess >= (long)u->mask + 1)
		table_grow(u);
	s->hnext = u->buckets[h & u->mask];
	u->buckets[h & u->mask] = s;
	age_append(u, s);
	u->n_sess++;
	active_add(u, 1);
	nh_counter_inc(u->st.opened);
	if (f->conf.idle_timeout_ms > 0 && !u->sweep)
		u->sweep = nh_timer_add(f->loop, f->conf.idle_timeout_ms, sweep_idle, u);
	/* Without the timer the session still ends at stop, or when the
	 * next one arms it. */
	return s;
}

/* Send the datagrams in[idx[0..count-1]], all of session s, upstream in
 * one call. */
static void flush_up(struct fwd_udp *u, struct udp_sess *s, const int *idx, int count)
{
	for (int k = 0; k < count; k++) {
		u->oiov[k] = (struct iovec){ u->iov[idx[k]].iov_base, u->in[idx[k]].msg_len };
		u->out[k].msg_hdr = (struct msghdr){ .msg_iov = &u->oiov[k], .msg_iovlen = 1 };
	}
	int sent = sendmmsg(s->fd, u->out, (unsigned)count, MSG_DONTWAIT);
	if (sent < 0) {
		if (errno != EAGAIN && errno != EINTR) {
			nh_counter_add(u->st.drop_error, (uint64_t)count);
			sess_fail(s, errno); /* an ICMP error, seen on the send */
			return;
		}
		sent = 0;
	}
	for (int k = 0; k < sent; k++) {
		s->bytes[UP] += u->oiov[k].iov_len;
		nh_counter_add(u->st.bytes_up, u->oiov[k].iov_len);
	}
	s->dgrams[UP] += (uint64_t)sent;
	nh_counter_add(u->st.dgrams_up, (uint64_t)sent);
	nh_counter_add(u->st.drop_error, (uint64_t)(count - sent));
	sess_touch(s);
}

static void listen_readable(nh_loop *loop, int fd, int events, void *arg)
{
	struct udp_listen *lis = arg;
	struct fwd_udp *u = lis->u;

	for (int i = 0; i < FWD_UDP_BATCH; i++) {
		u->iov[i] = (struct iovec){ u->bufs + (size_t)i * FWD_UDP_DGRAM_MAX, FWD_UDP_DGRAM_MAX };
		u->in[i].msg_hdr = (struct msghdr){
			.msg_name = &u->names[i], .msg_namelen = sizeof(u->names[i]),
			.msg_iov = &u->iov[i], .msg_iovlen = 1,
			.msg_control = lis->wildcard ? u->ctrl[i].buf : NULL,
			.msg_controllen = lis->wildcard ? sizeof(u->ctrl[i]) : 0,
		};
	}
	int n = recvmmsg(fd, u->in, FWD_UDP_BATCH, MSG_DONTWAIT, NULL);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR && log_due(u, &u->err_log_ms))
			nh_warn(u->f->ctx, "receive: %s", strerror(errno));
		return;
	}
	/* Datagrams of one client in a row leave in one sendmmsg(). A run
	 * is sent (and its session may end) before the next datagram is
	 * looked up, so no session pointer outlives its session. */
	struct udp_sess *run = NULL;
	int idx[FWD_UDP_BATCH], count = 0;
	for (int i = 0; i < n; i++) {
		if (u->in[i].msg_len == 0) {
			nh_counter_inc(u->st.drop_empty);
			continue;
		}
		const struct sockaddr *sa = (const struct sockaddr *)&u->names[i];
		uint32_t h = addr_hash(u->seed, lis, sa);
		struct udp_sess *s = sess_find(u, lis, sa, h);
		if (run && s != run) {
			flush_up(u, run, idx, count);
			run = NULL;
			count = 0;
		}
		if (!s && !(s = sess_open(lis, i, h)))
			continue;
		run = s;
		idx[count++] = i;
	}
	if (run)
		flush_up(u, run, idx, count);
}

/* ---- the instance ------------------------------------------------------- */

static int is_wildcard(const nh_addr *a)
{
	if (a->u.sa.sa_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&a->u.in6.sin6_addr);
	return a->u.in4.sin_addr.s_addr == htonl(INADDR_ANY);
}

/* Bind one listening address; 0 or -errno (logged). */
static int listen_on(struct fwd_udp *u, const nh_addr *a)
{
	struct udp_listen *lis = &u->lis[u->n_lis];
	nh_error err;
	int one = 1, fd = nh_bind_udp(a, 0, &err);

	if (fd < 0) {
		nh_error(u->f->ctx, "listen %s", err.msg);
		return fd;
	}
	if (!(lis->out_bufs = malloc((size_t)FWD_UDP_BATCH * FWD_UDP_DGRAM_MAX))) {
		nh_error(u->f->ctx, "out of memory");
		close(fd);
		return -ENOMEM;
	}
	lis->u = u;
	lis->fd = fd;
	lis->wildcard = is_wildcard(a);
	/* Every client's datagrams arrive on this one socket: let a burst
	 * wait in its buffer rather than be dropped (the kernel caps the
	 * size at net.core.rmem_max / wmem_max). */
	int big = FWD_UDP_SOCKBUF;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	/* Learn where each client sent to, to answer from there. A
	 * dual-stack socket reports its IPv4 clients' through IPV6_PKTINFO. */
	if (lis->wildcard &&
	    (a->u.sa.sa_family == AF_INET6
		     ? setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one))
		     : setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one))) < 0) {
		int e = errno;
		char text[NH_ADDR_STRLEN];
		nh_error(u->f->ctx, "listen %s: cannot ask for packet info: %s",
			 nh_addr_format(a, 1, text, sizeof(text)), strerror(e));
		free(lis->out_bufs);
		close(fd);
		return -e;
	}
	if (!(lis->io = nh_io_add(u->f->loop, fd, NH_READ, listen_readable, lis))) {
		int e = errno;
		nh_error(u->f->ctx, "cannot watch a socket: %s", strerror(e));
		free(lis->out_bufs);
		close(fd);
		return -e;
	}
	u->n_lis++;
	return 0;
}

int fwd_udp_start(struct fwd *f)
{
	struct fwd_udp *u = f->udp;
	int r;

	if (!u) {
		if (!(u = calloc(1, sizeof(*u)))) {
			nh_error(f->ctx, "out of memory");
			return -ENOMEM;
		}
		u->f = f;
		fwd_udp_stats_init(&u->st);
		f->udp = u;
	}
	if ((r = fwd_udp_metrics_open(f->ctx, &u->st)) < 0)
		return r;
	u->refused_log_ms = u->full_log_ms = u->err_log_ms = -1;
	u->seed = (uint32_t)nh_now_us() ^ (uint32_t)(uintptr_t)u;
	u->mask = BUCKETS_MIN - 1;
	u->buckets = calloc(BUCKETS_MIN, sizeof(*u->buckets));
	u->lis = calloc((size_t)f->conf.n_listen, sizeof(*u->lis));
	/* Pages of it are touched only as large datagrams come. */
	u->bufs = malloc((size_t)FWD_UDP_BATCH * FWD_UDP_DGRAM_MAX);
	if (!u->buckets || !u->lis || !u->bufs) {
		nh_error(f->ctx, "out of memory");
		fwd_udp_stop(f);
		return -ENOMEM;
	}
	for (int i = 0; i < f->conf.n_listen; i++)
		if ((r = listen_on(u, &f->conf.listen[i])) < 0) {
			fwd_udp_stop(f);
			return r;
		}
	char l[NH_ADDR_STRLEN], up[NH_ADDR_STRLEN];
	for (int i = 0; i < f->conf.n_listen; i++)
		nh_notice(f->ctx, "listening on %s/udp, relaying to %s%s",
			  nh_addr_format(&f->conf.listen[i], 1, l, sizeof(l)),
			  nh_addr_format(&f->conf.up[0], 1, up, sizeof(up)),
			  f->conf.n_up > 1 ? " and its fail-overs" : "");
	return 0;
}

/* A UDP session cannot outlive its listening socket (replies leave
 * through it), so stopping ends them all. */
void fwd_udp_stop(struct fwd *f)
{
	struct fwd_udp *u = f->udp;

	if (!u)
		return;
	while (u->oldest)
		sess_end(u->oldest, u->st.closed, "closed (forwarder stopped)");
	nh_timer_del(u->sweep);
	u->sweep = NULL;
	for (int i = 0; i < u->n_lis; i++) {
		nh_defer_del(u->lis[i].flush);
		nh_io_close(u->lis[i].io);
		free(u->lis[i].out_bufs);
	}
	u->n_lis = 0;
	free(u->lis);
	u->lis = NULL;
	free(u->buckets);
	u->buckets = NULL;
	free(u->bufs);
	u->bufs = NULL;
}

void fwd_udp_free(struct fwd *f)
{
	fwd_udp_stop(f);
	free(f->udp);
	f->udp = NULL;
}

void fwd_udp_report(struct fwd *f)
{
	struct fwd_udp *u = f->udp;
	struct fwd_udp_stats none, *s;

	if (!u) {
		fwd_udp_stats_init(&none);
		s = &none;
	} else {
		s = &u->st;
	}
	nh_info(f->ctx,
		"udp sessions=%ld opened=%llu closed=%llu failed=%llu datagrams_up=%llu "
		"bytes_up=%llu datagrams_down=%llu bytes_down=%llu dropped_refused=%llu "
		"dropped_full=%llu dropped_empty=%llu dropped_error=%llu%s",
		s->active, (unsigned long long)s->opened->value,
		(unsigned long long)s->closed->value, (unsigned long long)s->failed->value,
		(unsigned long long)s->dgrams_up->value, (unsigned long long)s->bytes_up->value,
		(unsigned long long)s->dgrams_down->value, (unsigned long long)s->bytes_down->value,
		(unsigned long long)s->drop_refused->value, (unsigned long long)s->drop_full->value,
		(unsigned long long)s->drop_empty->value, (unsigned long long)s->drop_error->value,
		s->active >= f->conf.max_conns ? " (max_connections reached)" : "");
}
