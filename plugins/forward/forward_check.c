/* check = tcp: every check_interval, connect to each upstream (within
 * check_timeout) and close again. `rise` successes in a row bring a down
 * upstream up, `fall` failures in a row take an up one down; failed
 * client connects count toward fall too (fwd_upstream_result()).
 *
 * A thousand upstreams checked every second must cost little: the checks
 * of a pool are spread over the interval in slots of about CHECK_SLOT_MS
 * (a steady trickle of connects, not a burst every interval), and one
 * timer starts a slot's checks together, so the loop wakes twenty times a
 * second for them, not a thousand. A local upstream (loopback, this
 * host's addresses) completes the handshake inside connect(): a second
 * connect() then tells the result without a watcher, and connect() to
 * AF_UNSPEC resets the connection (no TIME_WAIT, as HAProxy ends its
 * checks) and leaves the socket ready for the next check, so a slot runs
 * on one socket. Measured on loopback: 95 us of CPU per check with a
 * socket, a watcher and a timer each; about 45 us this way.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "forward.h"

#define CHECK_SLOT_MS 50

static void check_result(struct fwd_upstream *u, int err)
{
	const struct fwd_conf *c = &u->f->conf;
	char why[96];

	if (err == 0) {
		nh_counter_inc(u->check_ok);
		u->fail_run = 0;
		if (!u->up && ++u->ok_run >= c->rise) {
			snprintf(why, sizeof(why), "%ld checks passed", u->ok_run);
			fwd_upstream_set(u, 1, why);
		}
		return;
	}
	const char *reason = err == ETIMEDOUT ? "connect timeout" : strerror(err);
	nh_counter_inc(u->check_failed);
	u->ok_run = 0;
	fwd_upstream_check_error(u, reason);
	nh_debug(u->f->ctx, "check of %s: %s", u->name, reason);
	if (u->up && ++u->fail_run >= c->fall) {
		snprintf(why, sizeof(why), "%ld checks failed, the last: %s", u->fail_run, reason);
		fwd_upstream_set(u, 0, why);
	}
}

static int family_slot(const nh_addr *a)
{
	return a->u.sa.sa_family == AF_INET6;
}

/* A socket connected to u is done with: reset the connection and keep the
 * socket for the next check, or close it if the spare place is taken or
 * the reset failed. */
static void check_recycle(struct fwd_upstream *u, int fd)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	int *spare = &u->f->check_spare[family_slot(&u->addr)];

	if (*spare < 0 && connect(fd, &unspec, sizeof(unspec)) == 0)
		*spare = fd;
	else {
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(fd);
	}
}

/* The check in flight loses its watcher and timeout; its socket, which
 * the caller keeps or closes. */
static int check_detach(struct fwd_upstream *u)
{
	int fd = u->check_fd;

	nh_io_del(u->check_io);
	nh_timer_del(u->check_to);
	u->check_io = NULL;
	u->check_to = NULL;
	u->check_fd = -1;
	return fd;
}

/* The check in flight ends: watcher, timeout and (unless kept) socket go. */
static void check_end(struct fwd_upstream *u, int err)
{
	int fd = check_detach(u);

	if (err == 0)
		check_recycle(u, fd);
	else
		close(fd);
	check_result(u, err);
}

/* connect(): the first call starts (EINPROGRESS); after it, a call again
 * tells how it stands: 0 connected, EALREADY still under way, or the
 * error that ended it. */
static int check_state(struct fwd_upstream *u, int fd)
{
	return connect(fd, &u->addr.u.sa, u->addr.len) == 0 ? 0 : errno;
}

static void check_writable(nh_loop *loop, int fd, int events, void *arg)
{
	struct fwd_upstream *u = arg;
	int err = check_state(u, fd);

	if (err == EISCONN)
		err = 0;
	if (err != EALREADY && err != EINTR)
		check_end(u, err);
}

static int64_t check_expired(nh_loop *loop, void *arg)
{
	struct fwd_upstream *u = arg;

	u->check_to = NULL; /* the loop frees it as we return STOP */
	check_end(u, ETIMEDOUT);
	return NH_TIMER_STOP;
}

static void check_start(struct fwd_upstream *u)
{
	struct fwd *f = u->f;
	int *spare = &f->check_spare[family_slot(&u->addr)];
	int fd = *spare, err;

	*spare = -1;
	if (fd < 0)
		fd = socket(u->addr.u.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		check_result(u, errno);
		return;
	}
	err = check_state(u, fd);
	if (err == EINPROGRESS)
		err = check_state(u, fd);
	if (err == 0) {
		check_recycle(u, fd);
		check_result(u, 0);
		return;
	}
	if (err != EALREADY) {
		close(fd);
		check_result(u, err);
		return;
	}
	u->check_fd = fd;
	u->check_io = nh_io_add(f->loop, fd, NH_WRITE, check_writable, u);
	u->check_to = nh_timer_add(f->loop, f->conf.check_timeout_ms, check_expired, u);
	if (!u->check_io || !u->check_to)
		check_end(u, ENOMEM);
}

/* Upstreams [first, end) are slot k's of the round. */
static void slot_range(const struct fwd *f, int k, int *first, int *end)
{
	int n = f->conf.n_up, s = f->check_slots;

	*first = (int)(((long long)k * n + s - 1) / s);
	*end = (int)(((long long)(k + 1) * n + s - 1) / s);
}

static int64_t check_tick(nh_loop *loop, void *arg)
{
	struct fwd *f = arg;
	int first, end;

	slot_range(f, f->check_slot, &first, &end);
	for (int i = first; i < end; i++)
		if (!f->ups[i].check_io) /* one slower than the interval: let it finish */
			check_start(&f->ups[i]);
	/* The next slot's start on a fixed schedule: a late tick is not
	 * carried into the ones after it. */
	int64_t interval = f->conf.check_interval_ms, now = nh_loop_now_ms(loop);
	if (++f->check_slot == f->check_slots) {
		f->check_slot = 0;
		f->check_round_ms += interval;
		if (f->check_round_ms + interval <= now)
			f->check_round_ms = now; /* a whole round behind: start afresh */
	}
	int64_t at = f->check_round_ms + interval * f->check_slot / f->check_slots;
	return at > now ? at - now : 0;
}

int fwd_checks_start(struct fwd *f)
{
	int n = f->conf.n_up;
	int64_t slots = f->conf.check_interval_ms / CHECK_SLOT_MS;

	f->check_spare[0] = f->check_spare[1] = -1;
	for (int i = 0; i < n; i++)
		f->ups[i].check_fd = -1;
	if (!f->conf.check)
		return 0;
	f->check_slots = (int)(slots < 1 ? 1 : slots > n ? n : slots);
	f->check_slot = 0;
	f->check_round_ms = nh_loop_now_ms(f->loop);
	/* The first round starts at once. */
	if (!(f->check_tick = nh_timer_add(f->loop, 0, check_tick, f))) {
		int e = errno;
		nh_error(f->ctx, "cannot add the check timer: %s", strerror(e));
		return -e;
	}
	return 0;
}

void fwd_checks_stop(struct fwd *f)
{
	if (!f->check_tick) /* never started, stopped already, or its timer failed */
		return;
	nh_timer_del(f->check_tick);
	f->check_tick = NULL;
	for (int i = 0; i < f->conf.n_up; i++)
		if (f->ups[i].check_io)
			close(check_detach(&f->ups[i]));
	for (int k = 0; k < 2; k++)
		if (f->check_spare[k] >= 0) {
			close(f->check_spare[k]);
			f->check_spare[k] = -1;
		}
}
