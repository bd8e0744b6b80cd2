/* [icmp NAME]: sweep targets on a timer, log the hosts that go down or
 * come back, and an RTT summary per host on SIGUSR1. http(s):// targets
 * are probed with a GET in the same rounds (up: a 2xx answer in time).
 *
 *   [icmp lan]
 *   targets = 10.0.2.0/24, 10.0.3.1-9, http://10.0.2.5:8080/health
 *   every   = 30s
 *   timeout = 1s
 *   retries = 2
 *   rate    = 1000
 *
 * Metrics per target (an address of the sweep, or the URL):
 *   nethost_icmp_target_up{target}          1 answered in the last round, 0 not
 *   nethost_icmp_last_rtt_seconds{target}   last round trip (NaN until one)
 *   nethost_icmp_rtt_seconds{target}        RTT histogram (rtt_buckets), for the
 *                                           first ICMP_HIST_MAX_TARGETS targets
 *   nethost_icmp_probes_total{target,result} reply, timeout (and error for URLs)
 *   nethost_icmp_target_last_change_timestamp_seconds{target}
 *                                           when up last changed (0 until the first round)
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "icmp.h"

/* Sweeps of whole networks have many hosts; past this many, the rest
 * are swept and logged but get no series of their own. */
#define SERVICE_MAX_SERIES 4096

struct target_metrics {
	nh_gauge *up, *rtt, *changed;
	nh_counter *reply, *timeout, *error;
	nh_histogram *hist; /* NULL past ICMP_HIST_MAX_TARGETS */
};

struct url_target {
	struct icmp_service *s;
	char *url;
	struct http_probe *probe;
	int tries;           /* this round */
	int8_t prev;         /* -1 not probed yet, 0 down, 1 up */
	double rtt;          /* seconds, last good answer */
	uint64_t rounds, good;
	char error[256];     /* why it is down */
	struct target_metrics m;
};

struct icmp_service {
	nh_ctx *ctx;
	struct sweep *sw;       /* NULL when every target is a URL */
	struct http_probes *hp; /* NULL when none is */
	struct url_target *urls;
	int nurls;
	int64_t every_ms, timeout_ms;
	int retries;
	int64_t round_start_us;
	/* When the next round is due: rounds keep to one grid, every_ms apart,
	 * instead of each adding the timer's lateness (0: at once). */
	int64_t next_start_us;
	nh_timer *timer;
	int pending;            /* the sweep and URLs still probing this round */
	unsigned long rounds;
	struct sweep_round last;
	struct target_metrics *hm; /* per swept host, nhm of them */
	size_t nhm;
	/* Recent results: swept hosts, then URLs (icmp_targets.c). */
	struct icmp_target_log *logs;
	/* Bucket bounds of the RTT histograms (icmp_hist.c). */
	struct icmp_hist_conf hconf;
	size_t nhist; /* targets given a histogram so far this start */
};

/* hc: the bucket bounds, or NULL for a target without a histogram. */
static int metrics_new(nh_ctx *ctx, struct target_metrics *m, const char *target, int url,
		       const struct icmp_hist_conf *hc)
{
	static const char probes_help[] =
		"Probes sent, by result: reply (an answer; for a URL a 2xx), timeout, "
		"error (a URL's other answers and failures)";

	m->up = nh_gauge_new(ctx, "nethost_icmp_target_up",
			     "1 when the target answered in the last round, else 0", "target", target,
			     NULL);
	m->rtt = nh_gauge_new(ctx, "nethost_icmp_last_rtt_seconds",
			      "Round trip of the last answer (NaN until one came)", "target", target,
			      NULL);
	m->reply = nh_counter_new(ctx, "nethost_icmp_probes_total", probes_help, "target", target,
				  "result", "reply", NULL);
	m->timeout = nh_counter_new(ctx, "nethost_icmp_probes_total", probes_help, "target", target,
				    "result", "timeout", NULL);
	m->changed = nh_gauge_new(ctx, "nethost_icmp_target_last_change_timestamp_seconds",
				  "When the target last went up or down, Unix time (the first "
				  "round counts as a change; 0 before it)", "target", target, NULL);
	if (url)
		m->error = nh_counter_new(ctx, "nethost_icmp_probes_total", probes_help, "target",
					  target, "result", "error", NULL);
	if (hc)
		m->hist = nh_histogram_new(ctx, "nethost_icmp_rtt_seconds",
					   "Round-trip times of the answers (ICMP echo; a URL's whole "
					   "2xx answer)", hc->bounds, (size_t)hc->n, "target", target,
					   NULL);
	if (!m->up || !m->rtt || !m->changed || !m->reply || !m->timeout || (url && !m->error) ||
	    (hc && !m->hist))
		return -1;
	m->rtt->value = NAN;
	return 0;
}

/* The bounds for the next target's histogram, or NULL once the first
 * ICMP_HIST_MAX_TARGETS have one. */
static const struct icmp_hist_conf *next_hist(struct icmp_service *s)
{
	if (s->nhist == ICMP_HIST_MAX_TARGETS)
		return NULL;
	s->nhist++;
	return &s->hconf;
}

static void metrics_del(struct target_metrics *m)
{
	nh_gauge_del(m->up);
	nh_gauge_del(m->rtt);
	nh_gauge_del(m->changed);
	nh_counter_del(m->reply);
	nh_counter_del(m->timeout);
	nh_counter_del(m->error);
	nh_histogram_del(m->hist);
	*m = (struct target_metrics){ NULL };
}

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
	struct icmp_service *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;

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
	int n = 0, nhosts = 0;
	s->ctx = ctx;
	if (nh_conf_count(sec, "targets") == 0) {
		free(s);
		return nh_conf_error(sec, NULL,
				     "targets: missing (hosts, CIDRs, ranges or URLs to probe)");
	}
	if (!(targets = split_targets(sec, &n, &store)) ||
	    !(s->urls = calloc((size_t)n + 1, sizeof(*s->urls)))) {
		free(targets);
		free(store);
		free(s);
		return -ENOMEM;
	}
	/* URLs go to the HTTP prober; the rest, in order, to the sweep. */
	for (int i = 0; i < n; i++) {
		if (!http_target(targets[i])) {
			targets[nhosts++] = targets[i];
			continue;
		}
		if (http_url_check(targets[i], &err) < 0) {
			bad |= nh_conf_error(sec, "targets", "%s", err.msg) < 0;
			continue;
		}
		struct url_target *u = &s->urls[s->nurls];
		*u = (struct url_target){ .s = s, .prev = -1, .url = strdup(targets[i]) };
		if (!u->url)
			bad = 1;
		else
			s->nurls++;
	}
	if (nhosts && !(s->sw = sweep_new(nh_ctx_loop(ctx), targets, nhosts, &p, &err)))
		bad |= nh_conf_error(sec, "targets", "%s", err.msg) < 0;
	if (!nhosts && !s->nurls && !bad)
		bad |= nh_conf_error(sec, "targets", "empty") < 0;
	free(targets);
	free(store);
	size_t nlogs = (s->sw ? sweep_count(s->sw) : 0) + (size_t)s->nurls;
	if (!bad && !(s->logs = calloc(nlogs ? nlogs : 1, sizeof(*s->logs))))
		bad = 1;
	for (size_t i = 0; s->logs && i < nlogs; i++)
		s->logs[i] = (struct icmp_target_log){ .state = -1, .last_rtt_us = -1 };
	bad |= icmp_hist_conf(sec, &s->hconf) < 0;
	s->every_ms = every_ms;
	s->timeout_ms = p.timeout_ms;
	s->retries = p.retries;
	if (bad) {
		icmp_service_destroy(s);
		return -EINVAL;
	}
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

/* The sweep and every URL have answered or given up: next round. */
static void round_end(struct icmp_service *s)
{
	if (--s->pending > 0)
		return;
	s->rounds++;
	int64_t now = nh_now_us();
	s->next_start_us = s->round_start_us + s->every_ms * 1000;
	if (s->next_start_us < now)
		s->next_start_us = now; /* the round overran: the next one starts now */
	/* Rounded up: a timer firing early would start the round early. */
	int64_t wait_ms = (s->next_start_us - now + 999) / 1000;
	s->timer = nh_timer_add(nh_ctx_loop(s->ctx), wait_ms, service_round, s);
	if (!s->timer)
		nh_error(s->ctx, "cannot schedule the next round: %s", strerror(errno));
}

static double unix_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)(ts.tv_nsec / 1000000) / 1e3;
}

/* was: -1 unknown (never probed), 0 down, 1 up. */
static void mark_change(struct target_metrics *m, int was, int now, double when)
{
	if (was != now)
		nh_gauge_set(m->changed, when);
}

static void sweep_metrics(struct icmp_service *s)
{
	double now = unix_now();

	for (size_t i = 0; i < s->nhm; i++) {
		struct sweep_host *h = sweep_host(s->sw, i);
		struct target_metrics *m = &s->hm[i];
		nh_gauge_set(m->up, h->alive);
		mark_change(m, h->prev, h->alive, now);
		if (h->alive) {
			nh_gauge_set(m->rtt, (double)h->rtt_us / 1e6);
			if (m->hist)
				nh_histogram_observe(m->hist, (double)h->rtt_us / 1e6);
		}
		/* Every probe but the one answered timed out. */
		nh_counter_add(m->reply, h->alive);
		nh_counter_add(m->timeout, h->tries - h->alive);
	}
}

static void service_round_done(struct sweep *sw, const struct sweep_round *r, void *arg)
{
	struct icmp_service *s = arg;

	(void)sw;
	s->last = *r;
	sweep_metrics(s);
	time_t now = time(NULL);
	for (size_t i = 0; i < sweep_count(s->sw); i++) {
		struct sweep_host *h = sweep_host(s->sw, i);
		icmp_target_log_add(&s->logs[i], h->alive, h->rtt_us, now);
	}
	if (s->rounds == 0)
		log_first(s, r);
	else
		log_changes(s);
	nh_debug(s->ctx, "sweep %lu: %zu alive, %zu inactive, %llu probes, %.3f s", s->rounds + 1,
		 r->alive, r->inactive, (unsigned long long)r->sent, (double)r->elapsed_us / 1e6);
	round_end(s);
}

static void url_probe(struct url_target *u);

static void url_answered(const struct http_probe_result *r, void *arg)
{
	struct url_target *u = arg;
	struct icmp_service *s = u->s;

	u->probe = NULL;
	u->tries++;
	if (r->ok) {
		nh_counter_inc(u->m.reply);
		u->rtt = r->seconds;
		nh_gauge_set(u->m.rtt, r->seconds);
		if (u->m.hist)
			nh_histogram_observe(u->m.hist, r->seconds);
	} else {
		nh_counter_inc(r->timed_out ? u->m.timeout : u->m.error);
		snprintf(u->error, sizeof(u->error), "%s", r->error);
		if (u->tries <= s->retries) {
			url_probe(u);
			return;
		}
	}
	nh_gauge_set(u->m.up, r->ok);
	mark_change(&u->m, u->prev, r->ok, unix_now());
	size_t ti = (s->sw ? sweep_count(s->sw) : 0) + (size_t)(u - s->urls);
	icmp_target_log_add(&s->logs[ti], r->ok, (int64_t)(r->seconds * 1e6), time(NULL));
	u->rounds++;
	u->good += (uint64_t)r->ok;
	if (r->ok && u->prev == 0)
		nh_notice(s->ctx, "%s came back (%ld in %.3f ms)", u->url, r->code, r->seconds * 1e3);
	else if (!r->ok && u->prev != 0)
		nh_warn(s->ctx, "%s %s (%s)", u->url, u->prev < 0 ? "is down" : "went down", u->error);
	u->prev = (int8_t)r->ok;
	round_end(s);
}

static void url_probe(struct url_target *u)
{
	u->probe = http_probe_start(u->s->hp, u->url, u->s->timeout_ms, url_answered, u);
	if (!u->probe) {
		struct http_probe_result r = { .ok = 0 };
		snprintf(r.error, sizeof(r.error), "cannot start: %s", strerror(errno));
		u->tries = u->s->retries; /* no retry: it would fail the same way */
		url_answered(&r, u);
	}
}

static int64_t service_round(nh_loop *loop, void *arg)
{
	struct icmp_service *s = arg;

	(void)loop;
	s->timer = NULL;
	s->round_start_us = s->next_start_us ? s->next_start_us : nh_now_us();
	/* One for the round itself, so that it cannot end while starting. */
	s->pending = 1 + s->nurls;
	if (s->sw) {
		s->pending++;
		if (sweep_start_round(s->sw, service_round_done, s) < 0) {
			nh_error(s->ctx, "cannot start a sweep: %s", strerror(errno));
			s->pending--;
		}
	}
	for (int i = 0; i < s->nurls; i++) {
		s->urls[i].tries = 0;
		url_probe(&s->urls[i]);
	}
	round_end(s);
	return NH_TIMER_STOP;
}

int icmp_service_start(void *state)
{
	struct icmp_service *s = state;
	nh_error err;
	int r;

	if (s->sw && (r = sweep_open(s->sw, &err)) < 0) {
		nh_error(s->ctx, "%s", err.msg);
		return r;
	}
	if (s->nurls && !(s->hp = http_probes_new(nh_ctx_loop(s->ctx)))) {
		r = -errno;
		nh_error(s->ctx, "cannot set up HTTP probes: %s", strerror(errno));
		icmp_service_stop(s);
		return r;
	}
	size_t nhosts = s->sw ? sweep_count(s->sw) : 0;
	s->nhm = nhosts < SERVICE_MAX_SERIES ? nhosts : SERVICE_MAX_SERIES;
	if (s->nhm && !(s->hm = calloc(s->nhm, sizeof(*s->hm)))) {
		icmp_service_stop(s);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->nhm; i++) {
		char host[NH_ADDR_STRLEN];
		if (metrics_new(s->ctx, &s->hm[i], sweep_host_format(sweep_host(s->sw, i), host,
								      sizeof(host)), 0, next_hist(s)) < 0) {
			r = -errno;
			icmp_service_stop(s);
			return r;
		}
	}
	if (nhosts > s->nhm)
		nh_notice(s->ctx, "metrics for the first %zu of %zu hosts only", s->nhm, nhosts);
	for (int i = 0; i < s->nurls; i++) {
		if (metrics_new(s->ctx, &s->urls[i].m, s->urls[i].url, 1, next_hist(s)) < 0) {
			r = -errno;
			icmp_service_stop(s);
			return r;
		}
	}
	if (nhosts + (size_t)s->nurls > s->nhist)
		nh_notice(s->ctx, "RTT histograms for the first %zu of %zu targets only", s->nhist,
			  nhosts + (size_t)s->nurls);
	s->next_start_us = 0;
	s->timer = nh_timer_add(nh_ctx_loop(s->ctx), 0, service_round, s);
	if (!s->timer) {
		r = -errno;
		icmp_service_stop(s);
		return r;
	}
	nh_info(s->ctx, "probing %zu hosts and %d URLs every %.3g s", nhosts, s->nurls,
		(double)s->every_ms / 1000.0);
	return 0;
}

void icmp_service_stop(void *state)
{
	struct icmp_service *s = state;

	nh_timer_del(s->timer);
	s->timer = NULL;
	if (s->sw)
		sweep_close(s->sw);
	for (int i = 0; i < s->nurls; i++) {
		s->urls[i].probe = NULL; /* freed with the set */
		metrics_del(&s->urls[i].m);
	}
	http_probes_free(s->hp);
	s->hp = NULL;
	for (size_t i = 0; i < s->nhm; i++)
		metrics_del(&s->hm[i]);
	free(s->hm);
	s->hm = NULL;
	s->nhm = 0;
	s->nhist = 0;
}

void icmp_service_destroy(void *state)
{
	struct icmp_service *s = state;

	icmp_service_stop(s);
	sweep_free(s->sw);
	for (int i = 0; i < s->nurls; i++)
		free(s->urls[i].url);
	free(s->urls);
	free(s->logs);
	free(s);
}

void icmp_service_report(void *state)
{
	struct icmp_service *s = state;
	char host[NH_ADDR_STRLEN];

	for (int i = 0; i < s->nurls; i++) {
		struct url_target *u = &s->urls[i];
		if (u->prev < 0)
			nh_info(s->ctx, "%s: not probed yet", u->url);
		else
			nh_info(s->ctx, "%s: %s, good in %llu of %llu rounds, last rtt %.3f ms%s%s",
				u->url, u->prev ? "up" : "down", (unsigned long long)u->good,
				(unsigned long long)u->rounds, u->rtt * 1e3, u->prev ? "" : "; ",
				u->prev ? "" : u->error);
	}
	if (!s->sw)
		return;
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

void icmp_service_each_target(void *state, void (*fn)(const struct icmp_target_view *v, void *arg),
			      void *arg, unsigned long *rounds, int64_t *every_ms)
{
	struct icmp_service *s = state;
	size_t nhosts = s->sw ? sweep_count(s->sw) : 0;
	char host[NH_ADDR_STRLEN];

	*rounds = s->rounds;
	*every_ms = s->every_ms;
	for (size_t i = 0; i < nhosts; i++) {
		struct sweep_host *h = sweep_host(s->sw, i);
		struct icmp_target_view v = {
			.name = sweep_host_format(h, host, sizeof(host)),
			.log = &s->logs[i],
			.sent = h->sent,
			.answered = h->answered,
		};
		fn(&v, arg);
	}
	for (int i = 0; i < s->nurls; i++) {
		struct url_target *u = &s->urls[i];
		struct icmp_target_view v = {
			.name = u->url,
			.log = &s->logs[nhosts + (size_t)i],
			.sent = u->rounds,
			.answered = u->good,
			.error = u->error,
		};
		fn(&v, arg);
	}
}
