/* Non-blocking sockets: listeners, UDP binds, connects with a deadline. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nh_internal.h"

int nh_fd_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return -errno;
	return 0;
}

static int open_bound(const nh_addr *a, int type, int flags, nh_error *err)
{
	char text[NH_ADDR_STRLEN];
	int one = 1;
	int fd = socket(a->u.sa.sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return nh_error_set(err, errno, "%s: socket: %s",
				    nh_addr_format(a, 1, text, sizeof(text)), strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (flags & NH_SOCK_REUSEPORT)
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (flags & NH_SOCK_FREEBIND)
		setsockopt(fd, a->u.sa.sa_family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP,
			   a->u.sa.sa_family == AF_INET6 ? IPV6_FREEBIND : IP_FREEBIND, &one,
			   sizeof(one));
	if (a->u.sa.sa_family == AF_INET6) {
		/* Dual-stack is a choice, not whatever bindv6only says. */
		int v6only = (flags & NH_SOCK_V6ONLY) ? 1 : 0;
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
	}
	if (bind(fd, &a->u.sa, a->len) < 0) {
		int e = errno;
		close(fd);
		return nh_error_set(err, e, "%s: bind: %s", nh_addr_format(a, 1, text, sizeof(text)),
				    strerror(e));
	}
	return fd;
}

int nh_listen_tcp(const nh_addr *a, int backlog, int flags, nh_error *err)
{
	int fd = open_bound(a, SOCK_STREAM, flags, err);

	if (fd < 0)
		return fd;
	if (listen(fd, backlog > 0 ? backlog : SOMAXCONN) < 0) {
		int e = errno;
		char text[NH_ADDR_STRLEN];
		close(fd);
		return nh_error_set(err, e, "%s: listen: %s",
				    nh_addr_format(a, 1, text, sizeof(text)), strerror(e));
	}
	return fd;
}

int nh_bind_udp(const nh_addr *a, int flags, nh_error *err)
{
	return open_bound(a, SOCK_DGRAM, flags, err);
}

int nh_connect_tcp(const nh_addr *a, nh_error *err)
{
	char text[NH_ADDR_STRLEN];
	int fd = socket(a->u.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return nh_error_set(err, errno, "%s: socket: %s",
				    nh_addr_format(a, 1, text, sizeof(text)), strerror(errno));
	if (connect(fd, &a->u.sa, a->len) < 0 && errno != EINPROGRESS) {
		int e = errno;
		close(fd);
		return nh_error_set(err, e, "%s: connect: %s",
				    nh_addr_format(a, 1, text, sizeof(text)), strerror(e));
	}
	return fd;
}

/* ---- connect with a deadline ----------------------------------------- */

struct nh_connect {
	int fd;
	nh_io *io;
	nh_timer *timer;
	nh_defer *done; /* connected at once: the callback is deferred */
	nh_connect_cb cb;
	void *arg;
};

static void connect_finish(nh_connect *c, int result)
{
	int fd = c->fd;
	nh_connect_cb cb = c->cb;
	void *arg = c->arg;

	nh_io_del(c->io);
	nh_timer_del(c->timer);
	nh_defer_del(c->done);
	free(c);
	if (result < 0) {
		close(fd);
		fd = -1;
	}
	cb(fd, result, arg);
}

static void connect_ready(nh_loop *loop, int fd, int events, void *arg)
{
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		soerr = errno;
	if (soerr == 0 && (events & (NH_ERROR | NH_HANGUP)) && !(events & NH_WRITE))
		soerr = ECONNREFUSED;
	connect_finish(arg, soerr ? -soerr : 0);
}

static int64_t connect_expired(nh_loop *loop, void *arg)
{
	nh_connect *c = arg;

	c->timer = NULL; /* freed by the loop when we return STOP */
	connect_finish(c, -ETIMEDOUT);
	return NH_TIMER_STOP;
}

static void connect_done_now(nh_loop *loop, void *arg)
{
	nh_connect *c = arg;

	c->done = NULL; /* the loop frees a deferred call after it ran */
	connect_finish(c, 0);
}

/* Local peers (loopback, this host's addresses) finish the handshake
 * inside connect(): one poll() then spares a watcher, a wait and a
 * SO_ERROR read. */
static int connected_already(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLOUT) && !(p.revents & (POLLERR | POLLHUP));
}

nh_connect *nh_connect_start(nh_loop *loop, const nh_addr *a, int64_t timeout_ms,
			     nh_connect_cb cb, void *arg)
{
	nh_connect *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->cb = cb;
	c->arg = arg;
	c->fd = nh_connect_tcp(a, NULL);
	if (c->fd < 0) {
		errno = -c->fd;
		free(c);
		return NULL;
	}
	if (connected_already(c->fd) && (c->done = nh_defer_add(loop, connect_done_now, c)))
		return c;
	c->io = nh_io_add(loop, c->fd, NH_WRITE, connect_ready, c);
	c->timer = nh_timer_add(loop, timeout_ms, connect_expired, c);
	if (!c->io || !c->timer) {
		nh_io_del(c->io);
		nh_timer_del(c->timer);
		close(c->fd);
		free(c);
		errno = ENOMEM;
		return NULL;
	}
	return c;
}

void nh_connect_cancel(nh_connect *c)
{
	if (!c)
		return;
	nh_io_del(c->io);
	nh_timer_del(c->timer);
	nh_defer_del(c->done);
	close(c->fd);
	free(c);
}
