/* [icmp NAME]: sweep targets on a timer, log the hosts that go down or
 * come back, and an RTT summary per host on SIGUSR1.
 *
 *   [icmp lan]
 *   targets = 10.0.2.0/24, 10.0.3.1-9
 *   every   = 30s
 *   timeout = 1s
 *   retries = 2
 *   rate    = 1000
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "icmp.h"

struct icmp_service {
	nh_ctx *ctx;
	struct sweep *sw;
	int64_t every_ms;
	int64_t round_start_us;
	nh_timer *timer;
	unsigned long rounds;
	struct sweep_round last;
};

/* Every value of targets, split on commas and spaces: a malloc'd array of
 * pointers into one malloc'd buffer (*store). */
static char **split_targets(const nh_section *sec, int *n, char **store)
{
	size_t total = 1;
	int count = nh_conf_count(sec, "targets");

	for (int i = 0; i < count; i++)
		total += strlen(nh_conf_value(sec, "targets", i, NULL)) + 1;
	char *buf = malloc(total), **out = malloc(total * sizeof(*out));
	if (!buf || !out) {
		free(buf);
		free(out);
		return NULL;
	}
	buf[0] = '\0';
	for (int i = 0; i < count; i++) {
		strcat(buf, nh_conf_value(sec, "targets", i, NULL));
		strcat(buf, " ");
	}
	*n = 0;
	char *save = NULL;
	for (char *t = strtok_r(buf, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save))
		out[(*n)++] = t;
	*store = buf;
	return out;
}

int icmp_service_create(nh_ctx *ctx, const nh_section *sec, void **state)
{
	struct sweep_params p = { 0 };
	const char *kind = "auto";
	long retries, rate;
	int64_t every_ms;
	nh_error err;

	int bad = nh_conf_get_duration_ms(sec, "every", 60000, &every_ms) < 0;
	bad |= nh_conf_get_duration_ms(sec, "timeout", 1000, &p.timeout_ms) < 0;
	bad |= nh_conf_get_int(sec, "retries", 2, 0, 10, &retries) < 0;
	bad |= nh_conf_get_int(sec, "rate", 1000, 1, 1000000, &rate) < 0;
	bad |= nh_conf_get_str(sec, "socket", "auto", &kind) < 0;
	if (icmp_sock_kind_parse(kind, &p.sock_kind) < 0)
		bad |= nh_conf_error(sec, "socket", "'%s': use auto, dgram or raw", kind) < 0;
	if (every_ms < 100)
		bad |= nh_conf_error(sec, "every", "must be at least 100ms") < 0;
	if (p.timeout_ms < 1)
		bad |= nh_conf_error(sec, "timeout", "must be at least 1ms") < 0;
	p.retries = (int)retries;
	p.rate = rate;

	/* The targets are checked even when another key was bad: -t lists
	 * every problem at once. */
	char *store = NULL, **targets;
	int n = 0;
	if (nh_conf_count(sec, "targets") == 0)
		return nh_conf_error(sec, NULL, "targets: missing (hosts, CIDRs or ranges to sweep)");
	if (!(targets = split_targets(sec, &n, &store)))
		return -ENOMEM;
	struct sweep *sw = n ? sweep_new(nh_ctx_loop(ctx), targets, n, &p, &err) : NULL;
	free(targets);
	free(store);
	if (!sw)
		bad |= nh_conf_error(sec, "targets", "%s", n ? err.msg : "empty") < 0;
	struct icmp_service *s = bad ? NULL : calloc(1, sizeof(*s));
	if (!s) {
		sweep_free(sw);
		return bad ? -EINVAL : -ENOMEM;
	}
	s->ctx = ctx;
	s->every_ms = every_ms;
	s->sw = sw;
	*state = s;
	return 0;
}

static void log_first(struct icmp_service *s, const struct sweep_round *r)
{
	char host[NH_ADDR_STRLEN];

	nh_notice(s->ctx, "first sweep: %zu targets, %zu alive, %zu inactive (%.3f s)",
		  sweep_count(s->sw), r->alive, r->inactive, (double)r->elapsed_us / 1e6);
	for (size_t i = 0; i < sweep_count(s->sw); i++) {
		struct sweep_host *h = sweep_host(s->sw, i);
		if (!h->alive)
			nh_notice(s->ctx, "%s is inactive", sweep_host_format(h, host, sizeof(host)));
	}
}

static void log_changes(struct icmp_service *s)
{
	char host[NH_ADDR_STRLEN];

	for (size_t i = 0; i < sweep_count(s->sw); i++) {
		struct sweep_host *h = sweep_host(s->sw, i);
		if (h->prev < 0 || h->prev == h->alive)
			continue;
		sweep_host_format(h, host, sizeof(host));
		if (h->alive)
			nh_notice(s->ctx, "%s came back (rtt %.3f ms)", host, (double)h->rtt_us / 1000.0);
		else
			nh_warn(s->ctx, "%s went down (no answer to %u probes)", host, h->tries);
	}
}

static int64_t service_round(nh_loop *loop, void *arg);

static void service_round_done(struct sweep *sw, const struct sweep_round *r, void *arg)
{
	struct icmp_service *s = arg;

	s->rounds++;
	s->last = *r;
	if (s->rounds == 1)
		log_first(s, r);
	else
		log_changes(s);
	nh_debug(s->ctx, "sweep %lu: %zu alive, %zu inactive, %llu probes, %.3f s", s->rounds,
		 r->alive, r->inactive, (unsigned long long)r->sent, (double)r->elapsed_us / 1e6);
	int64_t wait_ms = s->every_ms - (nh_now_us() - s->round_start_us) / 1000;
	s->timer = nh_timer_add(nh_ctx_loop(s->ctx), wait_ms > 0 ? wait_ms : 0, service_round, s);
	if (!s->timer)
		nh_error(s->ctx, "cannot schedule the next sweep: %s", strerror(errno));
}

static int64_t service_round(nh_loop *loop, void *arg)
{
	struct icmp_service *s = arg;

	s->timer = NULL;
	s->round_start_us = nh_now_us();
	if (sweep_start_round(s->sw, service_round_done, s) < 0)
		nh_error(s->ctx, "cannot start a sweep: %s", strerror(errno));
	return NH_TIMER_STOP;
}

int icmp_service_start(void *state)
{
	struct icmp_service *s = state;
	nh_error err;

	int r = sweep_open(s->sw, &err);
	if (r < 0) {
		nh_error(s->ctx, "%s", err.msg);
		return r;
	}
	s->timer = nh_timer_add(nh_ctx_loop(s->ctx), 0, service_round, s);
	if (!s->timer) {
		r = -errno;
		sweep_close(s->sw);
		return r;
	}
	nh_info(s->ctx, "sweeping %zu targets every %.3g s", sweep_count(s->sw),
		(double)s->every_ms / 1000.0);
	return 0;
}

void icmp_service_stop(void *state)
{
	struct icmp_service *s = state;

	nh_timer_del(s->timer);
	s->timer = NULL;
	sweep_close(s->sw);
}

void icmp_service_destroy(void *state)
{
	struct icmp_service *s = state;

	sweep_free(s->sw);
	free(s);
}

void icmp_service_report(void *state)
{
	struct icmp_service *s = state;
	char host[NH_ADDR_STRLEN];

	nh_info(s->ctx, "%lu sweeps; last: %zu alive, %zu inactive, %llu probes, %llu strays, %.3f s",
		s->rounds, s->last.alive, s->last.inactive, (unsigned long long)s->last.sent,
		(unsigned long long)s->last.strays, (double)s->last.elapsed_us / 1e6);
	for (size_t i = 0; i < sweep_count(s->sw); i++) {
		struct sweep_host *h = sweep_host(s->sw, i);
		sweep_host_format(h, host, sizeof(host));
		if (!h->answered) {
			nh_info(s->ctx, "%s: %s, never answered (%llu probes)", host,
				s->rounds ? (h->alive ? "alive" : "inactive") : "not swept yet",
				(unsigned long long)h->sent);
			continue;
		}
		nh_info(s->ctx, "%s: %s, answered %llu of %lu sweeps, rtt min/avg/max %.3f/%.3f/%.3f ms",
			host, h->alive ? "alive" : "inactive", (unsigned long long)h->answered,
			s->rounds, (double)h->rtt_min_us / 1000.0,
			(double)h->rtt_sum_us / (double)h->answered / 1000.0,
			(double)h->rtt_max_us / 1000.0);
	}
}
