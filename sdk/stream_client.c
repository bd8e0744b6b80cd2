/* The blocking client for CLI commands: connect, send, read, each with a
 * deadline (poll(), never a blocking call without one). */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <nethost/loop.h>
#include <nethost/stream.h>

/* Addresses tried for one name: enough for dual-stack hosts and a few
 * round-robin records. */
#define MAX_ADDRS 16

/* Milliseconds left until deadline (a nh_now_us() time), for poll(). */
static int left_ms(int64_t deadline_us)
{
	int64_t left = (deadline_us - nh_now_us() + 999) / 1000;

	if (left <= 0)
		return 0;
	return left > 60000 ? 60000 : (int)left;
}

/* Wait for events on fd until the deadline: 1 ready, 0 timed out, -errno. */
static int wait_for(int fd, short events, int64_t deadline_us, short *revents)
{
	struct pollfd p = { .fd = fd, .events = events };

	for (;;) {
		int ms = left_ms(deadline_us);
		if (ms == 0)
			return 0;
		int r = poll(&p, 1, ms);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r > 0) {
			*revents = p.revents;
			return 1;
		}
	}
}

static int check_timeout(int64_t timeout_ms, nh_error *err)
{
	if (timeout_ms <= 0)
		return nh_error_set(err, EINVAL, "timeout %lld ms: must be above 0",
				    (long long)timeout_ms);
	return 0;
}

/* Unix sockets do not connect in the background: a full backlog makes a
 * non-blocking connect() fail with EAGAIN. A blocking one bounded by
 * SO_SNDTIMEO waits for room instead, up to the deadline. */
static int connect_unix(const char *target, int64_t timeout_ms, nh_error *err)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t n = strlen(target);
	int abstract = target[0] == '@';

	if (n == (size_t)abstract)
		return nh_error_set(err, EINVAL, "'%s': empty socket name", target);
	if (n > sizeof(sun.sun_path) - (abstract ? 0 : 1))
		return nh_error_set(err, ENAMETOOLONG,
				    "'%s': longer than the %zu bytes a socket name may have", target,
				    sizeof(sun.sun_path) - 1);
	memcpy(sun.sun_path, target, n);
	if (abstract)
		sun.sun_path[0] = '\0';
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + !abstract);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return nh_error_set(err, errno, "socket: %s", strerror(errno));
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	int r;
	while ((r = connect(fd, (struct sockaddr *)&sun, len)) < 0 && errno == EINTR)
		;
	int e = r < 0 ? errno : -nh_fd_nonblock(fd);
	if (e) {
		close(fd);
		/* The Linux spelling of a connect that ran out of SO_SNDTIMEO. */
		if (e == EAGAIN || e == EINPROGRESS)
			return nh_error_set(err, ETIMEDOUT, "%s: connect timed out after %lld ms",
					    target, (long long)timeout_ms);
		return nh_error_set(err, e, "%s: connect: %s", target, strerror(e));
	}
	struct timeval none = { 0 };
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &none, sizeof(none));
	return fd;
}

/* One address: a connected fd, or -errno with the reason in err. */
static int connect_addr(const nh_addr *a, int64_t deadline_us, int64_t timeout_ms,
			nh_error *err)
{
	char text[NH_ADDR_STRLEN];
	short rev = 0;
	int fd = nh_connect_tcp(a, err);

	if (fd < 0)
		return fd;
	int r = wait_for(fd, POLLOUT, deadline_us, &rev);
	int e = r < 0 ? -r : r == 0 ? ETIMEDOUT : 0;
	socklen_t len = sizeof(e);
	if (r > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
		e = errno;
	if (!e && r > 0 && (rev & (POLLERR | POLLHUP)))
		e = ECONNREFUSED;
	if (!e)
		return fd;
	close(fd);
	nh_addr_format(a, 1, text, sizeof(text));
	if (e == ETIMEDOUT)
		return nh_error_set(err, e, "%s: connect timed out after %lld ms", text,
				    (long long)timeout_ms);
	return nh_error_set(err, e, "%s: connect: %s", text, strerror(e));
}

int nh_client_connect(const char *target, int default_port, int64_t timeout_ms, nh_error *err)
{
	nh_addr addrs[MAX_ADDRS];
	int64_t deadline = nh_now_us() + timeout_ms * 1000;
	int n, r;

	if ((r = check_timeout(timeout_ms, err)) < 0)
		return r;
	if (target[0] == '/' || target[0] == '.' || target[0] == '@')
		return connect_unix(target, timeout_ms, err);
	if ((n = nh_resolve(target, default_port, AF_UNSPEC, SOCK_STREAM, addrs, MAX_ADDRS, err)) < 0)
		return n;
	for (int i = 0; i < n; i++) {
		if ((r = connect_addr(&addrs[i], deadline, timeout_ms, err)) >= 0)
			return r;
		if (r == -ETIMEDOUT)
			break; /* the deadline is for the whole connect */
	}
	if (n > 1 && err) {
		char last[sizeof(err->msg)];
		snprintf(last, sizeof(last), "%s", err->msg);
		nh_error_set(err, -r, "%s (%d addresses tried for '%s')", last, n, target);
	}
	return r;
}

int nh_client_send(int fd, const void *buf, size_t len, int64_t timeout_ms, nh_error *err)
{
	int64_t deadline = nh_now_us() + timeout_ms * 1000;
	size_t sent = 0;
	short rev;
	int r;

	if ((r = check_timeout(timeout_ms, err)) < 0)
		return r;
	while (sent < len) {
		ssize_t n = send(fd, (const char *)buf + sent, len - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n >= 0) {
			sent += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return nh_error_set(err, errno, "send: %s", strerror(errno));
		if ((r = wait_for(fd, POLLOUT, deadline, &rev)) < 0)
			return nh_error_set(err, -r, "poll: %s", strerror(-r));
		if (r == 0)
			return nh_error_set(err, ETIMEDOUT, "send timed out after %lld ms: %zu of %zu bytes sent",
					    (long long)timeout_ms, sent, len);
	}
	return 0;
}

ssize_t nh_client_read(int fd, void *buf, size_t cap, size_t want, int64_t timeout_ms,
		       nh_error *err)
{
	int64_t deadline = nh_now_us() + timeout_ms * 1000;
	size_t got = 0, until = want ? want : cap;
	short rev;
	int r;

	if ((r = check_timeout(timeout_ms, err)) < 0)
		return r;
	if (want > cap)
		return nh_error_set(err, EINVAL, "want %zu bytes: more than the %zu-byte buffer", want,
				    cap);
	while (got < until) {
		ssize_t n = recv(fd, (char *)buf + got, until - got, MSG_DONTWAIT);
		if (n == 0)
			break; /* EOF */
		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return nh_error_set(err, errno, "receive: %s", strerror(errno));
		if ((r = wait_for(fd, POLLIN, deadline, &rev)) < 0)
			return nh_error_set(err, -r, "poll: %s", strerror(-r));
		if (r == 0)
			return nh_error_set(err, ETIMEDOUT,
					    "read timed out after %lld ms: %zu bytes arrived, %s",
					    (long long)timeout_ms, got,
					    want ? "fewer than asked" : "and no end of stream");
	}
	return (ssize_t)got;
}
