/* nethost wait: until every target is ready (or, with --invert, until
 * every target stopped answering), or the deadline passes; then, given
 * `-- CMD ARGS...`, exec CMD. A target is HOST:PORT (a TCP connection is
 * accepted), an http(s):// URL (a GET answers with an expected status and
 * body) or dns:NAME[=ADDR] (NAME resolves, to ADDR when given). Every
 * target is tried at once and retried an interval after each failed
 * attempt. Each TCP attempt is an nh_connect bounded by the time left (and
 * by max(interval, 1s), so a port that opens while the kernel backs off
 * its SYN retransmissions is seen within about an interval); each HTTP
 * attempt is a GET and each DNS attempt a resolver process, bounded by the
 * time left. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "icmp.h"

#define WAIT_MAX_ADDRS 8
#define WAIT_MAX_STATUS_RANGES 32
/* --expect-body looks at the body's first MiB. */
#define WAIT_BODY_MAX (1024 * 1024)

struct waiter;

enum wait_kind { WAIT_TCP, WAIT_HTTP, WAIT_DNS };
static const char *const kind_names[] = { "tcp", "http", "dns" };

struct wait_target {
	struct waiter *w;
	const char *text;
	enum wait_kind kind;
	nh_addr addrs[WAIT_MAX_ADDRS];
	int naddrs, next_addr;
	char dns_name[256];
	char dns_expect[INET6_ADDRSTRLEN]; /* dns:NAME=ADDR, normalised; "" for any */
	int ready;
	int64_t ready_us;
	int cut_by_deadline;     /* this attempt's own timeout is the deadline */
	uint64_t attempts;
	long http_status;        /* the last answer's, 0 none */
	struct dns_probe_result dns_last; /* the last resolution */
	nh_connect *conn;
	struct http_probe *probe;
	struct dns_probe *dns;
	nh_timer *retry;
	char last_error[NH_ADDR_STRLEN + sizeof(((nh_error *)0)->msg)];
};

struct status_range {
	long lo, hi;
};

struct waiter {
	nh_ctx *ctx;
	nh_loop *loop;
	struct wait_target *t;
	int n, left;
	int64_t timeout_ms, interval_ms;
	int quiet, json, invert;
	struct status_range status[WAIT_MAX_STATUS_RANGES];
	int nstatus; /* 0: the default, 2xx */
	const char *body_text; /* --expect-body as given */
	regex_t body_re;
	char **cmd; /* after "--", NULL-terminated; NULL when none */
	int64_t start_us, deadline_us;
	nh_timer *deadline;
	struct http_probes *hp; /* when there are URLs */
	int code;
};

static void attempt(struct wait_target *t);

static int64_t retry_now(nh_loop *loop, void *arg)
{
	struct wait_target *t = arg;

	(void)loop;
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

/* One NDJSON record: a target when it became ready or at the deadline. */
static void print_target_json(const struct wait_target *t)
{
	struct waiter *w = t->w;
	struct json_object *o = json_object_new_object();

	nh_json_add_str(o, "type", "target");
	nh_json_add_str(o, "target", t->text);
	nh_json_add_str(o, "kind", kind_names[t->kind]);
	nh_json_add_bool(o, "ready", t->ready);
	icmp_json_add_ms(o, "elapsed_ms", (t->ready ? t->ready_us : nh_now_us()) - w->start_us);
	nh_json_add_int(o, "attempts", (int64_t)t->attempts);
	if (t->kind == WAIT_HTTP && t->http_status)
		nh_json_add_int(o, "status", t->http_status);
	if (t->kind == WAIT_DNS && t->dns_last.ok) {
		struct json_object *a = json_object_new_array();
		for (int i = 0; i < t->dns_last.naddrs; i++)
			json_object_array_add(a, json_object_new_string(t->dns_last.addrs[i]));
		json_object_object_add(o, "addresses", a);
	}
	if (!t->ready)
		nh_json_add_str(o, "error", t->last_error[0] ? t->last_error : "no attempt finished");
	nh_json_print(stdout, o);
}

static void target_ready(struct wait_target *t, const char *what)
{
	struct waiter *w = t->w;

	t->ready = 1;
	t->ready_us = nh_now_us();
	if (w->json)
		print_target_json(t);
	else if (!w->quiet)
		printf("%s %s (after %.3f s)\n", t->text, what,
		       (double)(t->ready_us - w->start_us) / 1e6);
	fflush(stdout);
	if (--w->left == 0) {
		w->code = NH_EXIT_OK;
		nh_loop_stop(w->loop);
	}
}

/* An attempt ended: up is whether the target answered as wanted, what
 * says so ("is accepting connections"), why says why not ("127.0.0.1:80:
 * Connection refused"). Ready when up, or when not up under --invert.
 * An attempt that timed out because the deadline came says nothing about
 * the target: no verdict, and the last real error stays the one named. */
static void observed(struct wait_target *t, int up, int timed_out, const char *what,
		     const char *why)
{
	if (!up && timed_out && t->cut_by_deadline) {
		if (!t->last_error[0])
			snprintf(t->last_error, sizeof(t->last_error), "%s", why);
		return;
	}
	if (up != t->w->invert) {
		char text[sizeof(t->last_error) + 64];
		if (t->w->invert)
			snprintf(text, sizeof(text), "stopped answering (%s)", why);
		target_ready(t, t->w->invert ? text : what);
		return;
	}
	snprintf(t->last_error, sizeof(t->last_error), "%s", up ? what : why);
	schedule_retry(t);
}

static void connected(int fd, int result, void *arg)
{
	struct wait_target *t = arg;
	char a[NH_ADDR_STRLEN], why[sizeof(t->last_error)];

	t->conn = NULL;
	if (result >= 0) {
		close(fd);
		observed(t, 1, 0, "is accepting connections", NULL);
		return;
	}
	snprintf(why, sizeof(why), "%s: %s",
		 nh_addr_format(&t->addrs[t->next_addr], 1, a, sizeof(a)), strerror(-result));
	t->next_addr = (t->next_addr + 1) % t->naddrs;
	observed(t, 0, result == -ETIMEDOUT, NULL, why);
}

static int status_expected(const struct waiter *w, long code)
{
	if (!w->nstatus)
		return code >= 200 && code <= 299;
	for (int i = 0; i < w->nstatus; i++)
		if (code >= w->status[i].lo && code <= w->status[i].hi)
			return 1;
	return 0;
}

static void answered(const struct http_probe_result *r, void *arg)
{
	struct wait_target *t = arg;
	struct waiter *w = t->w;
	char what[64], why[sizeof(t->last_error)];

	t->probe = NULL;
	/* The last answer's: an attempt the deadline cut had none. */
	if (r->code)
		t->http_status = r->code;
	snprintf(what, sizeof(what), "answered %ld", r->code);
	if (!r->complete)
		snprintf(why, sizeof(why), "%s", r->error);
	else if (!status_expected(w, r->code))
		snprintf(why, sizeof(why), "HTTP status %ld", r->code);
	else if (w->body_text && regexec(&w->body_re, r->text ? r->text : "", 0, NULL, 0) != 0)
		snprintf(why, sizeof(why), "HTTP status %ld, body does not match '%s'", r->code,
			 w->body_text);
	else
		why[0] = '\0';
	observed(t, !why[0], r->timed_out, what, why);
}

static void resolved(const struct dns_probe_result *r, void *arg)
{
	struct wait_target *t = arg;
	char what[sizeof(t->last_error)], why[sizeof(what) + sizeof(t->dns_name) + 64];
	int up = 0;

	t->dns = NULL;
	t->dns_last = *r;
	if (!r->ok) {
		snprintf(why, sizeof(why), "%s: %s", t->dns_name, r->error);
	} else {
		size_t len = (size_t)snprintf(what, sizeof(what), "resolves to");
		for (int i = 0; i < r->naddrs && len < sizeof(what); i++) {
			len += (size_t)snprintf(what + len, sizeof(what) - len, " %s", r->addrs[i]);
			up |= !t->dns_expect[0] || strcmp(r->addrs[i], t->dns_expect) == 0;
		}
		snprintf(why, sizeof(why), "%s %s, not %s", t->dns_name, what, t->dns_expect);
	}
	observed(t, up, 0, what, why);
}

static void attempt(struct wait_target *t)
{
	struct waiter *w = t->w;
	int64_t left_ms = (w->deadline_us - nh_now_us() + 999) / 1000;
	int64_t bound = w->interval_ms > 1000 ? w->interval_ms : 1000;
	nh_error err;

	if (left_ms <= 0)
		return;
	t->attempts++;
	/* An HTTP answer may take all the time left, unless what we wait
	 * for is a server that stopped answering: then one that is silent
	 * for as long as a TCP attempt lasts counts as gone. */
	if (t->kind == WAIT_HTTP && !w->invert)
		bound = left_ms;
	t->cut_by_deadline = left_ms <= bound;
	switch (t->kind) {
	case WAIT_HTTP:
		t->probe = http_probe_start(w->hp, t->text, left_ms < bound ? left_ms : bound,
					    answered, t);
		if (t->probe && w->body_text && http_probe_keep_body(t->probe, WAIT_BODY_MAX) < 0) {
			http_probe_cancel(t->probe);
			t->probe = NULL;
			errno = ENOMEM;
		}
		if (!t->probe) {
			snprintf(t->last_error, sizeof(t->last_error), "%s", strerror(errno));
			schedule_retry(t);
		}
		return;
	case WAIT_DNS:
		/* No deadline of its own: the deadline cancels it. */
		if (!(t->dns = dns_probe_start(w->loop, t->dns_name, resolved, t))) {
			snprintf(t->last_error, sizeof(t->last_error), "resolver process: %s",
				 strerror(errno));
			schedule_retry(t);
		}
		return;
	case WAIT_TCP:
		break;
	}
	if (!t->naddrs) {
		/* A name that did not resolve yet (DNS may come up too). */
		int n = nh_resolve(t->text, -1, AF_UNSPEC, SOCK_STREAM, t->addrs, WAIT_MAX_ADDRS, &err);
		if (n < 0) {
			observed(t, 0, 0, NULL, err.msg);
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

/* A status code of --expect-status: 100 to 599, digits only. */
static int status_parse(const char *s, size_t len, long *out)
{
	long v = 0;

	if (len != 3)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	if (v < 100 || v > 599)
		return -EINVAL;
	*out = v;
	return 0;
}

/* --expect-status "200,204,300-399". */
static int status_list_parse(struct waiter *w, const char *text)
{
	const char *p = text;

	w->nstatus = 0;
	for (;;) {
		size_t len = strcspn(p, ",");
		const char *dash = memchr(p, '-', len);
		struct status_range r;
		if (w->nstatus == WAIT_MAX_STATUS_RANGES)
			return nh_cli_usage_error(w->ctx, "--expect-status: '%s': more than %d items",
						  text, WAIT_MAX_STATUS_RANGES);
		if (dash ? status_parse(p, (size_t)(dash - p), &r.lo) < 0 ||
				   status_parse(dash + 1, len - (size_t)(dash - p) - 1, &r.hi) < 0 ||
				   r.hi < r.lo
			 : status_parse(p, len, &r.lo) < 0)
			return nh_cli_usage_error(w->ctx, "--expect-status: '%s': '%.*s' is not a "
						  "status (100-599) or a range LOW-HIGH", text,
						  (int)len, p);
		if (!dash)
			r.hi = r.lo;
		w->status[w->nstatus++] = r;
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

static int body_regex_parse(struct waiter *w, const char *text)
{
	int rc;

	if (w->body_text) {
		regfree(&w->body_re);
		w->body_text = NULL;
	}
	if ((rc = regcomp(&w->body_re, text, REG_EXTENDED | REG_NOSUB)) != 0) {
		char msg[128];
		regerror(rc, &w->body_re, msg, sizeof(msg));
		return nh_cli_usage_error(w->ctx, "--expect-body: '%s': %s", text, msg);
	}
	w->body_text = text;
	return 0;
}

/* dns:NAME or dns:NAME=ADDR into t; a usage error naming the text. */
static int dns_target_parse(struct waiter *w, struct wait_target *t)
{
	const char *name = t->text + 4, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	unsigned char bin[sizeof(struct in6_addr)];

	if (len == 0 || len >= sizeof(t->dns_name))
		return nh_cli_usage_error(w->ctx, "'%s': no name or a name longer than %zu bytes",
					  t->text, sizeof(t->dns_name) - 1);
	snprintf(t->dns_name, sizeof(t->dns_name), "%.*s", (int)len, name);
	if (!eq)
		return 0;
	int family = strchr(eq + 1, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(family, eq + 1, bin) != 1)
		return nh_cli_usage_error(w->ctx, "'%s': '%s' is not a numeric IPv4 or IPv6 address",
					  t->text, eq + 1);
	/* Written the way the resolver's answers are: ::0001 is ::1. */
	inet_ntop(family, bin, t->dns_expect, sizeof(t->dns_expect));
	return 0;
}

/* Refuse what can never work before waiting for anything. */
static int target_parse(struct waiter *w, struct wait_target *t)
{
	char host[256];
	int port;
	nh_error err;

	if (strncasecmp(t->text, "dns:", 4) == 0) {
		t->kind = WAIT_DNS;
		return dns_target_parse(w, t);
	}
	if (http_target(t->text)) {
		t->kind = WAIT_HTTP;
		if (http_url_check(t->text, &err) < 0)
			return nh_cli_usage_error(w->ctx, "%s", err.msg);
		return 0;
	}
	if (url_scheme(t->text, host, sizeof(host)))
		return nh_cli_usage_error(w->ctx, "'%s': unsupported scheme '%s' (http and https "
					  "are; a TCP port is HOST:PORT, a name dns:NAME)",
					  t->text, host);
	if (nh_hostport_split(t->text, host, sizeof(host), -1, &port, &err) < 0 ||
	    (port == 0 && nh_error_set(&err, EINVAL, "'%s': port 0", t->text)))
		return nh_cli_usage_error(w->ctx, "%s", err.msg);
	t->kind = WAIT_TCP;
	return 0;
}

/* Options, targets and the command after "--" into w: 0 or an exit code
 * (the usage error printed). */
static int wait_parse(struct waiter *w, int argc, char **argv)
{
	enum { OPT_INVERT = 256, OPT_STATUS, OPT_BODY, OPT_JSON };
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "interval", required_argument, NULL, 'i' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "invert", no_argument, NULL, OPT_INVERT },
		{ "expect-status", required_argument, NULL, OPT_STATUS },
		{ "expect-body", required_argument, NULL, OPT_BODY },
		{ "json", no_argument, NULL, OPT_JSON },
		{ NULL, 0, NULL, 0 },
	};
	int c, http = 0;

	/* The first "--" ends the targets; getopt would drop it. */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			w->cmd = &argv[i + 1]; /* argv[argc] is NULL */
			argc = i;
			break;
		}
	while ((c = getopt_long(argc, argv, "t:i:q", opts, NULL)) != -1) {
		int bad = 0;
		switch (c) {
		case 't':
			bad = nh_opt_duration_ms(w->ctx, "--timeout", optarg, 1, ICMP_MAX_DURATION_MS,
						 &w->timeout_ms);
			break;
		case 'i':
			bad = nh_opt_duration_ms(w->ctx, "--interval", optarg, 10,
						 ICMP_MAX_DURATION_MS, &w->interval_ms);
			break;
		case 'q': w->quiet = 1; break;
		case OPT_INVERT: w->invert = 1; break;
		case OPT_STATUS: bad = status_list_parse(w, optarg); break;
		case OPT_BODY: bad = body_regex_parse(w, optarg); break;
		case OPT_JSON: w->json = 1; break;
		default: return nh_cli_usage_error(w->ctx, "unknown option");
		}
		if (bad)
			return NH_EXIT_USAGE; /* the parser said why */
	}
	if (optind >= argc)
		return nh_cli_usage_error(w->ctx, "no target (HOST:PORT, URL or dns:NAME) given");
	if (w->cmd && !w->cmd[0])
		return nh_cli_usage_error(w->ctx, "no command after '--'");
	w->n = w->left = argc - optind;
	if (!(w->t = calloc((size_t)w->n, sizeof(*w->t)))) {
		fprintf(stderr, "wait: out of memory\n");
		return NH_EXIT_USAGE;
	}
	for (int i = 0; i < w->n; i++) {
		w->t[i] = (struct wait_target){ .w = w, .text = argv[optind + i] };
		if (target_parse(w, &w->t[i]))
			return NH_EXIT_USAGE;
		http |= w->t[i].kind == WAIT_HTTP;
	}
	if (!http && (w->nstatus || w->body_text))
		return nh_cli_usage_error(w->ctx, "%s is for URL targets and none was given",
					  w->nstatus ? "--expect-status" : "--expect-body");
	return 0;
}

/* What a target that was not ready failed to do, for stderr. */
static const char *goal_text(const struct waiter *w, const struct wait_target *t, char *buf,
			     size_t len)
{
	switch (t->kind) {
	case WAIT_TCP:
		return w->invert ? "stop accepting connections" : "accept a connection";
	case WAIT_HTTP:
		if (w->invert)
			return "stop answering as expected";
		return w->nstatus || w->body_text ? "answer as expected" : "answer 2xx";
	case WAIT_DNS:
		snprintf(buf, len, "%s%s%s", w->invert ? "stop resolving" : "resolve",
			 t->dns_expect[0] ? " to " : "", t->dns_expect);
		return buf;
	}
	return "";
}

static int wait_run(struct waiter *w)
{
	for (int i = 0; i < w->n && !w->hp; i++)
		if (w->t[i].kind == WAIT_HTTP && !(w->hp = http_probes_new(w->loop))) {
			fprintf(stderr, "wait: cannot set up HTTP probes: %s\n", strerror(errno));
			return NH_EXIT_FAIL;
		}
	w->start_us = nh_now_us();
	w->deadline_us = w->start_us + w->timeout_ms * 1000;
	w->deadline = nh_timer_add(w->loop, w->timeout_ms, deadline_passed, w);
	for (int i = 0; i < w->n; i++)
		attempt(&w->t[i]);
	if (w->left && nh_loop_run(w->loop) < 0)
		w->code = NH_EXIT_USAGE;
	int ready = 0;
	for (int i = 0; i < w->n; i++) {
		struct wait_target *t = &w->t[i];
		char goal[INET6_ADDRSTRLEN + 32];
		nh_connect_cancel(t->conn);
		/* The deadline and a first attempt's own timeout are the
		 * same moment; whichever the loop ran first, say the same. */
		if ((t->probe || t->dns) && !t->last_error[0])
			snprintf(t->last_error, sizeof(t->last_error),
				 t->probe ? "timed out waiting for the answer"
					  : "timed out waiting for the resolver");
		http_probe_cancel(t->probe);
		dns_probe_cancel(t->dns);
		nh_timer_del(t->retry);
		ready += t->ready;
		if (t->ready)
			continue;
		if (w->json)
			print_target_json(t);
		fprintf(stderr, "wait: %s did not %s within %.3g s (%s)\n", t->text,
			goal_text(w, t, goal, sizeof(goal)), (double)w->timeout_ms / 1000.0,
			t->last_error[0] ? t->last_error : "no attempt finished");
	}
	if (w->json) {
		struct json_object *o = json_object_new_object();
		nh_json_add_str(o, "type", "summary");
		nh_json_add_int(o, "targets", w->n);
		nh_json_add_int(o, "ready", ready);
		nh_json_add_bool(o, "invert", w->invert);
		nh_json_add_int(o, "timeout_ms", w->timeout_ms);
		icmp_json_add_ms(o, "elapsed_ms", nh_now_us() - w->start_us);
		nh_json_add_str(o, "result", w->code == NH_EXIT_OK ? "ready" : "deadline");
		nh_json_add_str(o, "command", w->cmd ? w->cmd[0] : NULL);
		nh_json_print(stdout, o);
	}
	return w->code;
}

static void waiter_free(struct waiter *w)
{
	http_probes_free(w->hp);
	nh_timer_del(w->deadline);
	if (w->body_text)
		regfree(&w->body_re);
	free(w->t);
}

int wait_cmd(nh_ctx *ctx, int argc, char **argv)
{
	struct waiter w = { .ctx = ctx, .loop = nh_ctx_loop(ctx), .timeout_ms = 30000,
			    .interval_ms = 1000, .code = NH_EXIT_FAIL };
	int code = wait_parse(&w, argc, argv);

	if (code == 0)
		code = wait_run(&w);
	waiter_free(&w);
	if (code != NH_EXIT_OK || !w.cmd)
		return code;
	/* Ready: become CMD, so its exit status is ours, as a shell would. */
	fflush(NULL);
	execvp(w.cmd[0], w.cmd);
	fprintf(stderr, "wait: %s: %s\n", w.cmd[0], strerror(errno));
	return 127;
}
