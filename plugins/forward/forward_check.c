/* check = tcp: every check_interval, connect to each upstream (within
 * check_timeout) and close again. `rise` successes in a row bring a down
 * upstream up, `fall` failures in a row take an up one down; failed
 * client connects count toward fall too (fwd_upstream_result()).
 *
 * The checks of a pool are spread over the interval rather than fired
 * together, so a thousand upstreams cost a steady trickle of connects,
 * not a burst every interval.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "forward.h"

static void check_done(int fd, int result, void *arg)
{
	struct fwd_upstream *u = arg;
	const struct fwd_conf *c = &u->f->conf;
	char why[96];

	u->probe = NULL;
	if (result == 0) {
		/* Closed with a reset, as HAProxy ends its checks: no FIN
		 * exchange, no TIME_WAIT left per check on our side (a
		 * thousand upstreams checked every second would hold 60,000). */
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(fd);
		nh_counter_inc(u->check_ok);
		u->fail_run = 0;
		if (!u->up && ++u->ok_run >= c->rise) {
			snprintf(why, sizeof(why), "%ld checks passed", u->ok_run);
			fwd_upstream_set(u, 1, why);
		}
		return;
	}
	const char *reason = result == -ETIMEDOUT ? "connect timeout" : strerror(-result);
	nh_counter_inc(u->check_failed);
	u->ok_run = 0;
	fwd_upstream_check_error(u, reason);
	nh_debug(u->f->ctx, "check of %s: %s", u->name, reason);
	if (u->up && ++u->fail_run >= c->fall) {
		snprintf(why, sizeof(why), "%ld checks failed, the last: %s", u->fail_run, reason);
		fwd_upstream_set(u, 0, why);
	}
}

static int64_t check_due(nh_loop *loop, void *arg)
{
	struct fwd_upstream *u = arg;
	const struct fwd_conf *c = &u->f->conf;

	/* A check slower than the interval: let it finish, skip this one. */
	if (u->probe)
		return c->check_interval_ms;
	u->probe = nh_connect_start(loop, &u->addr, c->check_timeout_ms, check_done, u);
	if (!u->probe) {
		int e = errno ? errno : EIO;
		u->probe = NULL;
		check_done(-1, -e, u); /* refused at once counts as a failed check */
	}
	return c->check_interval_ms;
}

int fwd_checks_start(struct fwd *f)
{
	int n = f->conf.n_up;

	if (!f->conf.check)
		return 0;
	for (int i = 0; i < n; i++) {
		/* Spread over one interval; the first round starts at once. */
		int64_t at = f->conf.check_interval_ms * i / n;
		f->ups[i].check = nh_timer_add(f->loop, at, check_due, &f->ups[i]);
		if (!f->ups[i].check) {
			int e = errno;
			nh_error(f->ctx, "cannot add the check timer of %s: %s", f->ups[i].name,
				 strerror(e));
			fwd_checks_stop(f);
			return -e;
		}
	}
	return 0;
}

void fwd_checks_stop(struct fwd *f)
{
	for (int i = 0; f->ups && i < f->conf.n_up; i++) {
		struct fwd_upstream *u = &f->ups[i];
		nh_timer_del(u->check);
		u->check = NULL;
		nh_connect_cancel(u->probe);
		u->probe = NULL;
	}
}
