/* The upstream pool: every address of every `to` line, its health, its
 * counters, and the choice of one for each client.
 *
 *   first       the first upstream that is up, in `to` order (fail-over)
 *   roundrobin  each client the next one that is up
 *   leastconn   the one relaying the fewest clients (ties in turn)
 *   source      a hash of the client address: the same client, the same
 *               upstream while that one is up
 *
 * An upstream takes new clients while it is up and enabled: `nethost ctl
 * upstream drain|disable` takes it out of the choice, its connections
 * and checks go on. A client whose connect fails goes on to the next
 * upstream that takes clients, in `to` order from its pick, until each
 * was tried once. Series per
 * upstream, with the plugin and instance labels the SDK adds:
 *   nethost_forward_upstream_up{upstream}                1 up, 0 down (health)
 *   nethost_forward_upstream_admin_up{upstream}          1 enabled, 0 drain or disabled
 *   nethost_forward_upstream_connections_total{upstream,result="connected"|"failed"}
 *   nethost_forward_upstream_connections_active{upstream}
 *   nethost_forward_upstream_checks_total{upstream,result="ok"|"failed"}
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forward.h"

int fwd_upstreams_new(struct fwd *f)
{
	f->ups = calloc((size_t)(f->conf.n_up ? f->conf.n_up : 1), sizeof(*f->ups));
	if (!f->ups)
		return -ENOMEM;
	for (int i = 0; i < f->conf.n_up; i++) {
		struct fwd_upstream *u = &f->ups[i];
		u->f = f;
		u->addr = f->conf.up[i];
		nh_addr_format(&u->addr, 1, u->name, sizeof(u->name));
		/* Up until checks say otherwise: no client is refused while
		 * the first checks run (HAProxy starts servers up too). */
		u->up = 1;
		u->since_ms = nh_loop_now_ms(f->loop);
		u->connected = &u->own[0];
		u->failed = &u->own[1];
		u->check_ok = &u->own[2];
		u->check_failed = &u->own[3];
		u->up_g = &u->own_g[0];
		u->active_g = &u->own_g[1];
		u->admin_g = &u->own_g[2];
		u->up_g->value = 1;
		u->admin_g->value = 1;
	}
	return 0;
}

void fwd_upstreams_free(struct fwd *f)
{
	free(f->ups);
	f->ups = NULL;
}

static const char conns_help[] = "Client connections to an upstream, by connect result";
static const char checks_help[] = "Health checks of an upstream, by result";

int fwd_upstream_metrics_open(struct fwd *f)
{
	for (int i = 0; i < f->conf.n_up; i++) {
		struct fwd_upstream *u = &f->ups[i];
		nh_counter *c[4] = {
			nh_counter_new(f->ctx, "nethost_forward_upstream_connections_total", conns_help,
				       "upstream", u->name, "result", "connected", NULL),
			nh_counter_new(f->ctx, "nethost_forward_upstream_connections_total", conns_help,
				       "upstream", u->name, "result", "failed", NULL),
			nh_counter_new(f->ctx, "nethost_forward_upstream_checks_total", checks_help,
				       "upstream", u->name, "result", "ok", NULL),
			nh_counter_new(f->ctx, "nethost_forward_upstream_checks_total", checks_help,
				       "upstream", u->name, "result", "failed", NULL),
		};
		nh_gauge *g[3] = {
			nh_gauge_new(f->ctx, "nethost_forward_upstream_up",
				     "1 while an upstream is healthy, 0 while it is down",
				     "upstream", u->name, NULL),
			nh_gauge_new(f->ctx, "nethost_forward_upstream_connections_active",
				     "Clients relayed to an upstream now", "upstream", u->name, NULL),
			nh_gauge_new(f->ctx, "nethost_forward_upstream_admin_up",
				     "1 while an upstream is enabled, 0 while drained or disabled "
				     "(nethost ctl upstream)", "upstream", u->name, NULL),
		};
		nh_counter **cs[4] = { &u->connected, &u->failed, &u->check_ok, &u->check_failed };
		nh_gauge **gs[3] = { &u->up_g, &u->active_g, &u->admin_g };
		int bad = 0;
		for (int k = 0; k < 4; k++) {
			if (!c[k]) {
				bad = 1;
				continue;
			}
			c[k]->value = (*cs[k])->value;
			*cs[k] = c[k];
		}
		for (int k = 0; k < 3; k++) {
			if (!g[k]) {
				bad = 1;
				continue;
			}
			g[k]->value = (*gs[k])->value;
			*gs[k] = g[k];
		}
		if (bad) {
			/* The series made so far go with the context. */
			int e = errno;
			nh_error(f->ctx, "cannot register the metrics of upstream %s: %s", u->name,
				 strerror(e));
			return -e;
		}
	}
	return 0;
}

int fwd_upstreams_up(const struct fwd *f)
{
	int n = 0;

	for (int i = 0; i < f->conf.n_up; i++)
		n += fwd_upstream_takes_clients(&f->ups[i]);
	return n;
}

const char *const fwd_admin_names[] = { "enabled", "drain", "disabled" };

const char *fwd_upstream_state(const struct fwd_upstream *u)
{
	if (u->admin != FWD_ADMIN_ENABLED)
		return fwd_admin_names[u->admin];
	return u->up ? "up" : "down";
}

void fwd_upstream_admin(struct fwd_upstream *u, int admin)
{
	struct fwd *f = u->f;
	int was = u->admin;

	if (was == admin)
		return;
	u->admin = admin;
	u->since_ms = nh_loop_now_ms(f->loop);
	nh_gauge_set(u->admin_g, admin == FWD_ADMIN_ENABLED);
	int left = fwd_upstreams_up(f);
	nh_notice(f->ctx, "upstream %s: %s by nethost ctl (was %s; %s); open connections go on: "
		  "%ld; %d of %d take new clients%s", u->name, fwd_admin_names[admin], fwd_admin_names[was],
		  u->up ? "up" : "down", u->active, left, f->conf.n_up,
		  left ? "" : ": clients are refused");
}

static void note_error(struct fwd_upstream *u, const char *what, const char *why)
{
	snprintf(u->error, sizeof(u->error), "%s: %s", what, why);
	u->error_ms = nh_loop_now_ms(u->f->loop);
}

void fwd_upstream_error(struct fwd_upstream *u, int result)
{
	if (result < 0)
		note_error(u, "connect", result == -ETIMEDOUT ? "timeout" : strerror(-result));
}

void fwd_upstream_check_error(struct fwd_upstream *u, const char *why)
{
	note_error(u, "check", why);
}

void fwd_upstream_set(struct fwd_upstream *u, int up, const char *why)
{
	struct fwd *f = u->f;

	if (u->up == up)
		return;
	u->up = up;
	u->since_ms = nh_loop_now_ms(f->loop);
	nh_gauge_set(u->up_g, up);
	int left = fwd_upstreams_up(f);
	const char *admin = u->admin == FWD_ADMIN_ENABLED ? "" : u->admin == FWD_ADMIN_DRAIN
								? " (drained by nethost ctl)"
								: " (disabled by nethost ctl)";
	if (up)
		nh_notice(f->ctx, "upstream %s is up (%s)%s; %d of %d take clients", u->name, why,
			  admin, left, f->conf.n_up);
	else
		nh_warn(f->ctx, "upstream %s is down (%s)%s; %d of %d take clients%s", u->name, why,
			admin, left, f->conf.n_up, left ? "" : ": clients are refused");
}

void fwd_upstream_result(struct fwd_upstream *u, int ok)
{
	nh_counter_inc(ok ? u->connected : u->failed);
	if (!u->f->conf.check)
		return; /* without checks nothing would bring it back */
	if (ok) {
		u->fail_run = 0;
	} else if (++u->fail_run >= u->f->conf.fall && u->up) {
		u->ok_run = 0;
		fwd_upstream_set(u, 0, "client connects failed");
	}
}

/* FNV-1a over the client's address, port left out: sticky per host. */
static uint32_t client_hash(const nh_addr *a)
{
	const uint8_t *p;
	size_t n;
	uint32_t h = 2166136261u;

	if (a->u.sa.sa_family == AF_INET) {
		p = (const uint8_t *)&a->u.in4.sin_addr;
		n = 4;
	} else if (a->u.sa.sa_family == AF_INET6) {
		p = a->u.in6.sin6_addr.s6_addr;
		n = 16;
		if (IN6_IS_ADDR_V4MAPPED(&a->u.in6.sin6_addr)) {
			p += 12; /* the same client on a dual-stack listener */
			n = 4;
		}
	} else {
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* Where the scan of a new client starts. */
static int first_pick(struct fwd *f, const nh_addr *client)
{
	int n = f->conf.n_up;

	switch (f->conf.balance) {
	case FWD_ROUNDROBIN:
		return f->rr_next % n;
	case FWD_LEASTCONN: {
		/* The fewest active among those up; from the turn's start,
		 * so that ties are taken in turn. */
		int best = -1;
		for (int k = 0; k < n; k++) {
			int i = (f->rr_next + k) % n;
			if (fwd_upstream_takes_clients(&f->ups[i]) && (best < 0 || f->ups[i].active < f->ups[best].active))
				best = i;
		}
		return best < 0 ? 0 : best;
	}
	case FWD_SOURCE:
		return (int)(client_hash(client) % (uint32_t)n);
	default:
		return 0;
	}
}

int fwd_balance_pick(struct fwd *f, const nh_addr *client, int *first, int *scan)
{
	int n = f->conf.n_up;

	if (*scan == 0)
		*first = first_pick(f, client);
	while (*scan < n) {
		int i = (*first + (*scan)++) % n;
		if (!fwd_upstream_takes_clients(&f->ups[i]))
			continue;
		if (f->conf.balance == FWD_ROUNDROBIN || f->conf.balance == FWD_LEASTCONN)
			f->rr_next = (i + 1) % n;
		return i;
	}
	return -1;
}

void fwd_upstreams_report(struct fwd *f)
{
	for (int i = 0; i < f->conf.n_up; i++) {
		const struct fwd_upstream *u = &f->ups[i];
		nh_info(f->ctx,
			"upstream %s: %s, active=%ld connected=%llu failed=%llu checks_ok=%llu "
			"checks_failed=%llu admin=%s",
			u->name, u->up ? "up" : "down", u->active,
			(unsigned long long)u->connected->value, (unsigned long long)u->failed->value,
			(unsigned long long)u->check_ok->value,
			(unsigned long long)u->check_failed->value, fwd_admin_names[u->admin]);
	}
}
