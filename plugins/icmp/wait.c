/* nethost wait: until every HOST:PORT accepts a TCP connection and every
 * http(s):// URL answers 2xx, or the deadline passes. Each TCP attempt is
 * an nh_connect bounded by the time left (and by max(interval, 1s), so a
 * port that opens while the kernel backs off its SYN retransmissions is
 * seen within about an interval); each HTTP attempt is a GET bounded by
 * the time left. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "icmp.h"

#define WAIT_MAX_ADDRS 8

struct waiter;

struct wait_target {
	struct waiter *w;
	const char *text;
	nh_addr addrs[WAIT_MAX_ADDRS];
	int naddrs, next_addr;
	int ready;
	int64_t ready_us;
	int http;
	nh_connect *conn;
	struct http_probe *probe;
	nh_timer *retry;
	char last_error[NH_ADDR_STRLEN + sizeof(((nh_error *)0)->msg)];
};

struct waiter {
	nh_ctx *ctx;
	nh_loop *loop;
	struct wait_target *t;
	int n, left;
	int64_t timeout_ms, interval_ms;
	int64_t start_us, deadline_us;
	nh_timer *deadline;
	struct http_probes *hp; /* when there are URLs */
	int quiet;
	int code;
};

static void attempt(struct wait_target *t);

static int64_t retry_now(nh_loop *loop, void *arg)
{
	struct wait_target *t = arg;

	t->retry = NULL;
	attempt(t);
	return NH_TIMER_STOP;
}

/* The next attempt an interval from now, if it can still start in time. */
static void schedule_retry(struct wait_target *t)
{
	struct waiter *w = t->w;
	int64_t left_ms = (w->deadline_us - nh_now_us()) / 1000;

	if (left_ms <= 0)
		return;
	t->retry = nh_timer_add(w->loop, w->interval_ms < left_ms ? w->interval_ms : left_ms,
				retry_now, t);
	if (!t->retry)
		snprintf(t->last_error, sizeof(t->last_error), "timer: %s", strerror(errno));
}

static void target_ready(struct wait_target *t, const char *what)
{
	struct waiter *w = t->w;

	t->ready = 1;
	t->ready_us = nh_now_us();
	if (!w->quiet) {
		printf("%s %s (after %.3f s)\n", t->text, what,
		       (double)(t->ready_us - w->start_us) / 1e6);
		fflush(stdout);
	}
	if (--w->left == 0) {
		w->code = NH_EXIT_OK;
		nh_loop_stop(w->loop);
	}
}

static void connected(int fd, int result, void *arg)
{
	struct wait_target *t = arg;

	t->conn = NULL;
	if (result < 0) {
		char a[NH_ADDR_STRLEN];
		snprintf(t->last_error, sizeof(t->last_error), "%s: %s",
			 nh_addr_format(&t->addrs[t->next_addr], 1, a, sizeof(a)), strerror(-result));
		t->next_addr = (t->next_addr + 1) % t->naddrs;
		schedule_retry(t);
		return;
	}
	close(fd);
	target_ready(t, "is accepting connections");
}

static void answered(const struct http_probe_result *r, void *arg)
{
	struct wait_target *t = arg;

	t->probe = NULL;
	if (!r->ok) {
		snprintf(t->last_error, sizeof(t->last_error), "%s", r->error);
		schedule_retry(t);
		return;
	}
	char what[64];
	snprintf(what, sizeof(what), "answered %ld", r->code);
	target_ready(t, what);
}

static void attempt(struct wait_target *t)
{
	struct waiter *w = t->w;
	int64_t left_ms = (w->deadline_us - nh_now_us() + 999) / 1000;
	int64_t bound = w->interval_ms > 1000 ? w->interval_ms : 1000;
	nh_error err;

	if (left_ms <= 0)
		return;
	if (t->http) {
		t->probe = http_probe_start(w->hp, t->text, left_ms, answered, t);
		if (!t->probe) {
			snprintf(t->last_error, sizeof(t->last_error), "%s", strerror(errno));
			schedule_retry(t);
		}
		return;
	}
	if (!t->naddrs) {
		/* A name that did not resolve yet (DNS may come up too). */
		int n = nh_resolve(t->text, -1, AF_UNSPEC, SOCK_STREAM, t->addrs, WAIT_MAX_ADDRS, &err);
		if (n < 0) {
			snprintf(t->last_error, sizeof(t->last_error), "%s", err.msg);
			schedule_retry(t);
			return;
		}
		t->naddrs = n;
	}
	t->conn = nh_connect_start(w->loop, &t->addrs[t->next_addr], left_ms < bound ? left_ms : bound,
				   connected, t);
	if (!t->conn) {
		char a[NH_ADDR_STRLEN];
		snprintf(t->last_error, sizeof(t->last_error), "%s: %s",
			 nh_addr_format(&t->addrs[t->next_addr], 1, a, sizeof(a)), strerror(errno));
		t->next_addr = (t->next_addr + 1) % t->naddrs;
		schedule_retry(t);
	}
}

static int64_t deadline_passed(nh_loop *loop, void *arg)
{
	struct waiter *w = arg;

	w->deadline = NULL;
	w->code = NH_EXIT_FAIL;
	nh_loop_stop(loop);
	return NH_TIMER_STOP;
}

/* "ftp://..." -> 1 and "ftp" in buf: text names a scheme (RFC 3986:
 * a letter, then letters, digits, '+', '-', '.') followed by "://". */
static int url_scheme(const char *text, char *buf, size_t len)
{
	size_t n = 0;

	if (!isalpha((unsigned char)text[0]))
		return 0;
	while (isalnum((unsigned char)text[n]) || text[n] == '+' || text[n] == '-' || text[n] == '.')
		n++;
	if (strncmp(text + n, "://", 3) != 0)
		return 0;
	snprintf(buf, len, "%.*s", (int)n, text);
	return 1;
}

int wait_cmd(nh_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "interval", required_argument, NULL, 'i' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	struct waiter w = { .ctx = ctx, .loop = nh_ctx_loop(ctx), .timeout_ms = 30000,
			    .interval_ms = 1000, .code = NH_EXIT_FAIL };
	nh_error err;
	int c;

	while ((c = getopt_long(argc, argv, "t:i:q", opts, NULL)) != -1) {
		int bad = 0;
		switch (c) {
		case 't':
			bad = nh_opt_duration_ms(ctx, "--timeout", optarg, 1, ICMP_MAX_DURATION_MS,
						 &w.timeout_ms);
			break;
		case 'i':
			bad = nh_opt_duration_ms(ctx, "--interval", optarg, 10, ICMP_MAX_DURATION_MS,
						 &w.interval_ms);
			break;
		case 'q': w.quiet = 1; break;
		default: return nh_cli_usage_error(ctx, "unknown option");
		}
		if (bad)
			return NH_EXIT_USAGE; /* the parser said why */
	}
	if (optind >= argc)
		return nh_cli_usage_error(ctx, "no HOST:PORT given");
	w.n = w.left = argc - optind;
	w.t = calloc((size_t)w.n, sizeof(*w.t));
	if (!w.t) {
		fprintf(stderr, "wait: out of memory\n");
		return NH_EXIT_USAGE;
	}
	/* Refuse what can never work before waiting for anything. */
	for (int i = 0; i < w.n; i++) {
		char host[256];
		int port;
		w.t[i] = (struct wait_target){ .w = &w, .text = argv[optind + i] };
		if (http_target(w.t[i].text)) {
			w.t[i].http = 1;
			if (http_url_check(w.t[i].text, &err) < 0) {
				free(w.t);
				return nh_cli_usage_error(ctx, "%s", err.msg);
			}
			continue;
		}
		if (url_scheme(w.t[i].text, host, sizeof(host))) {
			free(w.t);
			return nh_cli_usage_error(ctx, "'%s': unsupported scheme '%s' (http and https "
						  "are; a TCP port is HOST:PORT)", argv[optind + i], host);
		}
		if (nh_hostport_split(w.t[i].text, host, sizeof(host), -1, &port, &err) < 0 ||
		    (port == 0 && nh_error_set(&err, EINVAL, "'%s': port 0", w.t[i].text))) {
			free(w.t);
			return nh_cli_usage_error(ctx, "%s", err.msg);
		}
	}

	for (int i = 0; i < w.n && !w.hp; i++)
		if (w.t[i].http && !(w.hp = http_probes_new(w.loop))) {
			fprintf(stderr, "wait: cannot set up HTTP probes: %s\n", strerror(errno));
			free(w.t);
			return NH_EXIT_FAIL;
		}
	w.start_us = nh_now_us();
	w.deadline_us = w.start_us + w.timeout_ms * 1000;
	w.deadline = nh_timer_add(w.loop, w.timeout_ms, deadline_passed, &w);
	for (int i = 0; i < w.n; i++)
		attempt(&w.t[i]);
	if (w.left && nh_loop_run(w.loop) < 0)
		w.code = NH_EXIT_USAGE;
	for (int i = 0; i < w.n; i++) {
		struct wait_target *t = &w.t[i];
		nh_connect_cancel(t->conn);
		/* The deadline and a first attempt's own timeout are the
		 * same moment; whichever the loop ran first, say the same. */
		if (t->probe && !t->last_error[0])
			snprintf(t->last_error, sizeof(t->last_error),
				 "timed out waiting for the answer");
		http_probe_cancel(t->probe);
		nh_timer_del(t->retry);
		if (!t->ready)
			fprintf(stderr, "wait: %s did not %s within %.3g s (%s)\n", t->text,
				t->http ? "answer 2xx" : "accept a connection",
				(double)w.timeout_ms / 1000.0,
				t->last_error[0] ? t->last_error : "no attempt finished");
	}
	http_probes_free(w.hp);
	nh_timer_del(w.deadline);
	free(w.t);
	return w.code;
}
