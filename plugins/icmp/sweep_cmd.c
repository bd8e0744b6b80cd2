/* nethost sweep: which of many hosts answer ICMP echo, once or every
 * INTERVAL (then only the changes are printed), or -C N probes a host
 * with one RTT column each, as fping -C prints them. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "icmp.h"

/* Which hosts the first round lists: -a and -u each add a list; neither
 * given lists both. */
/* Long options without a letter. */
enum { OPT_PRINT_TTL = 256 };

enum { SHOW_ALIVE = 1 << 0, SHOW_INACTIVE = 1 << 1, SHOW_BOTH = SHOW_ALIVE | SHOW_INACTIVE };

struct sweep_cli {
	nh_ctx *ctx;
	nh_loop *loop;
	struct sweep *sw;
	int json, show, quiet;
	int print_ttl;      /* --print-ttl: each answer's TTL / hop limit */
	int outage;         /* -o: a summary per host at the end of --every */
	int64_t squiet_ms;  /* -Q: a summary per host every this often */
	struct interval_stats *iv; /* per host, since the last -Q summary */
	nh_timer *squiet;
	int64_t every_ms;
	long rounds;        /* 0: until interrupted (with --every) */
	long done_rounds;
	int64_t round_start_us; /* when this round was due (its schedule, not the timer's lateness) */
	int64_t next_start_us;  /* when the next one is due; 0 before the first */
	nh_timer *next;
	nh_signal *sigint, *sigterm;
	int code;           /* of the last round */
	int error;          /* the loop failed us */

	/* -C N: N rounds of one probe each, a column per round. */
	long count;
	int64_t *rtt_us;    /* [host * count + round], -1: lost */
	struct sweep_round total; /* over all sweeps */
	struct sweep_round last;
	size_t enough;      /* -x N: succeed once N answered */
};

static double ms(int64_t us)
{
	return (double)us / 1000.0;
}

/* --print-ttl's suffix to a reply line, as fping prints it. */
static void print_ttl(const struct sweep_cli *c, const struct sweep_host *h)
{
	if (!c->print_ttl)
		return;
	if (h->ttl < 0)
		printf(" (TTL unknown)");
	else
		printf(" (TTL %d)", h->ttl);
}

/* --json: a record per probe as it ends (the engine calls this). */
static void json_probe(size_t i, int64_t rtt_us, int ttl, void *arg)
{
	struct sweep_cli *c = arg;
	struct json_object *o = json_object_new_object();
	char host[NH_ADDR_STRLEN];

	nh_json_add_str(o, "type", rtt_us < 0 ? "timeout" : "reply");
	nh_json_add_str(o, "host", sweep_host_format(sweep_host(c->sw, i), host, sizeof(host)));
	nh_json_add_int(o, "round", c->done_rounds + 1);
	if (rtt_us >= 0) {
		icmp_json_add_ms(o, "rtt_ms", rtt_us);
		if (c->print_ttl && ttl >= 0)
			nh_json_add_int(o, "ttl", ttl);
		else if (c->print_ttl)
			json_object_object_add(o, "ttl", NULL);
	}
	nh_json_print(stdout, o);
}

/* --json, at the end: a record per host over all sweeps, then the totals. */
static void print_json_end(struct sweep_cli *c, const struct sweep_round *last)
{
	const struct sweep_round *t = &c->total;
	char host[NH_ADDR_STRLEN];

	for (size_t i = 0; i < sweep_count(c->sw); i++) {
		const struct sweep_host *h = sweep_host(c->sw, i);
		uint64_t xmt = (uint64_t)c->done_rounds, rcv = h->answered;
		struct json_object *o = json_object_new_object();
		nh_json_add_str(o, "type", "host");
		nh_json_add_str(o, "host", sweep_host_format(h, host, sizeof(host)));
		nh_json_add_bool(o, "alive", h->alive);
		nh_json_add_int(o, "xmt", (int64_t)xmt);
		nh_json_add_int(o, "rcv", (int64_t)rcv);
		nh_json_add_int(o, "loss_percentage", (int64_t)((xmt - rcv) * 100 / xmt));
		nh_json_add_int(o, "probes", (int64_t)h->sent);
		if (c->outage)
			nh_json_add_int(o, "outage_ms", (int64_t)(xmt - rcv) * c->every_ms);
		if (rcv) {
			icmp_json_add_ms(o, "min", h->rtt_min_us);
			icmp_json_add_ms(o, "avg", (int64_t)(h->rtt_sum_us / rcv));
			icmp_json_add_ms(o, "max", h->rtt_max_us);
		}
		nh_json_print(stdout, o);
	}
	struct json_object *o = json_object_new_object();
	nh_json_add_str(o, "type", "summary");
	nh_json_add_int(o, "targets", (int64_t)sweep_count(c->sw));
	nh_json_add_int(o, "rounds", c->done_rounds);
	nh_json_add_int(o, "alive", (int64_t)last->alive);
	nh_json_add_int(o, "inactive", (int64_t)last->inactive);
	nh_json_add_int(o, "probes", (int64_t)t->sent);
	nh_json_add_int(o, "replies", (int64_t)t->replies);
	nh_json_add_int(o, "errors", (int64_t)t->errors);
	nh_json_add_int(o, "strays", (int64_t)t->strays);
	icmp_json_add_ms(o, "elapsed_ms", t->elapsed_us);
	nh_json_print(stdout, o);
}

static void print_full_text(struct sweep_cli *c, const struct sweep_round *r)
{
	char host[NH_ADDR_STRLEN];

	for (size_t i = 0; i < sweep_count(c->sw) && !c->quiet; i++) {
		struct sweep_host *h = sweep_host(c->sw, i);
		if (h->alive && (c->show & SHOW_ALIVE)) {
			printf("%s is alive (%.3f ms)", sweep_host_format(h, host, sizeof(host)),
			       ms(h->rtt_us));
			print_ttl(c, h);
			printf("\n");
		} else if (h->gave_up && (c->show & SHOW_INACTIVE))
			printf("%s is inactive\n", sweep_host_format(h, host, sizeof(host)));
	}
	if (c->enough)
		printf("%s hosts reachable (required: %zu, reachable: %zu)\n",
		       r->alive >= c->enough ? "Enough" : "Not enough", c->enough, r->alive);
	printf("--- %zu targets: %zu alive, %zu inactive", sweep_count(c->sw), r->alive, r->inactive);
	if (r->undecided)
		printf(", %zu not waited for", r->undecided);
	printf(" (%llu probes, %llu errors, %llu strays, %.3f s)\n", (unsigned long long)r->sent,
	       (unsigned long long)r->errors, (unsigned long long)r->strays,
	       (double)r->elapsed_us / 1e6);
}

static void stamp(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	strftime(buf, len, "%Y-%m-%dT%H:%M:%S%z", localtime_r(&t, &tm));
}

/* Later rounds: only the hosts whose state changed. */
static void print_changes(struct sweep_cli *c)
{
	struct json_object *down = NULL, *up = NULL;
	char host[NH_ADDR_STRLEN], when[40];
	int changes = 0;

	stamp(when, sizeof(when));
	if (c->json) {
		down = json_object_new_array();
		up = json_object_new_array();
	}
	for (size_t i = 0; i < sweep_count(c->sw); i++) {
		struct sweep_host *h = sweep_host(c->sw, i);
		if (h->prev < 0 || h->prev == h->alive)
			continue;
		changes++;
		sweep_host_format(h, host, sizeof(host));
		if (c->json)
			json_object_array_add(h->alive ? up : down, json_object_new_string(host));
		else if (h->alive) {
			printf("%s %s came back (%.3f ms)", when, host, ms(h->rtt_us));
			print_ttl(c, h);
			printf("\n");
		} else
			printf("%s %s went down\n", when, host);
	}
	if (c->json && changes) {
		struct json_object *o = json_object_new_object();
		nh_json_add_str(o, "type", "change");
		nh_json_add_str(o, "time", when);
		nh_json_add_int(o, "round", c->done_rounds);
		json_object_object_add(o, "down", down);
		json_object_object_add(o, "up", up);
		nh_json_print(stdout, o);
	} else if (c->json) {
		json_object_put(down);
		json_object_put(up);
	}
}

/* An RTT the way fping prints it: three significant digits or so. */
static void print_fping_ms(int64_t us)
{
	double t = ms(us);

	if (t < 1.0)
		printf(" %.3f", t);
	else if (t < 10.0)
		printf(" %.2f", t);
	else if (t < 100.0)
		printf(" %.1f", t);
	else
		printf(" %.0f", t);
}

/* fping -C's report: "HOST : 0.040 - 0.052", names padded to one width. */
static void print_columns(struct sweep_cli *c)
{
	const struct sweep_round *t = &c->total;
	char host[NH_ADDR_STRLEN];
	int width = 0;
	size_t answered = 0;

	for (size_t i = 0; i < sweep_count(c->sw); i++) {
		int len = (int)strlen(sweep_host_format(sweep_host(c->sw, i), host, sizeof(host)));
		if (len > width)
			width = len;
	}
	for (size_t i = 0; i < sweep_count(c->sw); i++) {
		const int64_t *rtt = &c->rtt_us[i * (size_t)c->count];
		int any = 0;
		for (long k = 0; k < c->count; k++)
			any |= rtt[k] >= 0;
		answered += any;
		if (c->quiet || (any && !(c->show & SHOW_ALIVE)) || (!any && !(c->show & SHOW_INACTIVE)))
			continue;
		printf("%-*s :", width, sweep_host_format(sweep_host(c->sw, i), host, sizeof(host)));
		for (long k = 0; k < c->count; k++) {
			if (rtt[k] < 0)
				printf(" -");
			else
				print_fping_ms(rtt[k]);
		}
		printf("\n");
	}
	printf("--- %zu targets: %zu alive, %zu inactive (%llu probes, %llu replies, %llu errors, "
	       "%llu strays, %.3f s)\n",
	       sweep_count(c->sw), answered, sweep_count(c->sw) - answered,
	       (unsigned long long)t->sent, (unsigned long long)t->replies,
	       (unsigned long long)t->errors, (unsigned long long)t->strays,
	       (double)t->elapsed_us / 1e6);
	c->code = answered == sweep_count(c->sw) ? NH_EXIT_OK : NH_EXIT_FAIL;
}

/* fping -c's line for one host: "HOST : xmt/rcv/%loss = 4/2/50%[, outage(ms)
 * = 600][, min/avg/max = ...]". A lost sweep is one interval (I) of outage. */
static void print_host_stats(const struct sweep_cli *c, const char *host, uint64_t xmt,
			     uint64_t rcv, int64_t min_us, int64_t sum_us, int64_t max_us)
{
	printf("%s : xmt/rcv/%%loss = %llu/%llu/%llu%%", host, (unsigned long long)xmt,
	       (unsigned long long)rcv, (unsigned long long)(xmt ? (xmt - rcv) * 100 / xmt : 0));
	if (c->outage)
		printf(", outage(ms) = %lld", (long long)((int64_t)(xmt - rcv) * c->every_ms));
	if (rcv)
		printf(", min/avg/max = %.3f/%.3f/%.3f", ms(min_us), ms(sum_us / (int64_t)rcv),
		       ms(max_us));
	printf("\n");
}

/* -Q: what each host did since the last summary. */
struct interval_stats {
	uint32_t xmt, rcv;
	int64_t min_us, sum_us, max_us;
};

static void interval_add(struct sweep_cli *c)
{
	for (size_t i = 0; i < sweep_count(c->sw); i++) {
		const struct sweep_host *h = sweep_host(c->sw, i);
		struct interval_stats *s = &c->iv[i];
		s->xmt++;
		if (!h->alive)
			continue;
		if (!s->rcv || h->rtt_us < s->min_us)
			s->min_us = h->rtt_us;
		if (h->rtt_us > s->max_us)
			s->max_us = h->rtt_us;
		s->sum_us += h->rtt_us;
		s->rcv++;
	}
}

/* fping -Q's summary: "[HH:MM:SS]", then a line per host; counts restart. */
static int64_t squiet_tick(nh_loop *loop, void *arg)
{
	struct sweep_cli *c = arg;
	char host[NH_ADDR_STRLEN], when[16];
	time_t t = time(NULL);
	struct tm tm;

	strftime(when, sizeof(when), "%H:%M:%S", localtime_r(&t, &tm));
	printf("[%s]\n", when);
	for (size_t i = 0; i < sweep_count(c->sw); i++) {
		struct interval_stats *s = &c->iv[i];
		print_host_stats(c, sweep_host_format(sweep_host(c->sw, i), host, sizeof(host)),
				 s->xmt, s->rcv, s->min_us, s->sum_us, s->max_us);
		memset(s, 0, sizeof(*s));
	}
	fflush(stdout);
	return c->squiet_ms;
}

/* -o, after the last --every sweep: fping -c -o's summary per host. */
static void print_outage(struct sweep_cli *c)
{
	char host[NH_ADDR_STRLEN];

	for (size_t i = 0; i < sweep_count(c->sw); i++) {
		const struct sweep_host *h = sweep_host(c->sw, i);
		uint64_t xmt = (uint64_t)c->done_rounds, rcv = h->answered;
		sweep_host_format(h, host, sizeof(host));
		print_host_stats(c, host, xmt, rcv, h->rtt_min_us, (int64_t)h->rtt_sum_us,
				 h->rtt_max_us);
	}
}

static void round_done(struct sweep *sw, const struct sweep_round *r, void *arg);
static int64_t next_round(nh_loop *loop, void *arg);

/* -C: note each host's column; the next round starts at once. */
static void count_round_done(struct sweep_cli *c, const struct sweep_round *r)
{
	long k = c->done_rounds - 1;

	for (size_t i = 0; i < sweep_count(c->sw); i++) {
		const struct sweep_host *h = sweep_host(c->sw, i);
		c->rtt_us[i * (size_t)c->count + (size_t)k] = h->alive ? (int64_t)h->rtt_us : -1;
	}
	if (c->done_rounds < c->count) {
		c->next = nh_timer_add(c->loop, 0, next_round, c);
		if (c->next)
			return;
		fprintf(stderr, "sweep: %s\n", strerror(errno));
		c->error = 1;
	} else {
		print_columns(c);
		fflush(stdout);
	}
	nh_loop_stop(c->loop);
}

static int64_t next_round(nh_loop *loop, void *arg)
{
	struct sweep_cli *c = arg;

	c->next = NULL;
	c->round_start_us = c->next_start_us ? c->next_start_us : nh_now_us();
	if (sweep_start_round(c->sw, round_done, c) < 0) {
		fprintf(stderr, "sweep: %s\n", strerror(errno));
		c->error = 1;
		nh_loop_stop(c->loop);
	}
	return NH_TIMER_STOP;
}

static void round_done(struct sweep *sw, const struct sweep_round *r, void *arg)
{
	struct sweep_cli *c = arg;

	c->done_rounds++;
	c->total.sent += r->sent;
	c->total.replies += r->replies;
	c->total.errors += r->errors;
	c->total.strays += r->strays;
	c->total.elapsed_us += r->elapsed_us;
	c->last = *r;
	if (c->count) {
		count_round_done(c, r);
		return;
	}
	if (c->iv)
		interval_add(c);
	if (c->done_rounds == 1 && c->json)
		; /* the probes' records said it all; the totals come at the end */
	else if (c->done_rounds == 1)
		print_full_text(c, r);
	else
		print_changes(c);
	fflush(stdout);
	if (c->enough)
		c->code = r->alive >= c->enough ? NH_EXIT_OK : NH_EXIT_FAIL;
	else
		c->code = r->inactive ? NH_EXIT_FAIL : NH_EXIT_OK;
	if (!c->every_ms || (c->rounds && c->done_rounds >= c->rounds)) {
		nh_loop_stop(c->loop);
		return;
	}
	/* Rounds keep to a fixed schedule, every_ms apart, so that a timer's
	 * lateness does not add up; one that overran starts the next now. */
	int64_t now = nh_now_us();
	c->next_start_us = c->round_start_us + c->every_ms * 1000;
	if (c->next_start_us < now)
		c->next_start_us = now;
	int64_t wait_ms = (c->next_start_us - now + 999) / 1000;
	c->next = nh_timer_add(c->loop, wait_ms, next_round, c);
	if (!c->next) {
		fprintf(stderr, "sweep: %s\n", strerror(errno));
		c->error = 1;
		nh_loop_stop(c->loop);
	}
}

static void sweep_signal(nh_loop *loop, int signo, void *arg)
{
	nh_loop_stop(loop);
}

int sweep_cmd(nh_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "retries", required_argument, NULL, 'r' },
		{ "rate", required_argument, NULL, 'R' },
		{ "every", required_argument, NULL, 'e' },
		{ "rounds", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "alive", no_argument, NULL, 'a' },
		{ "inactive", no_argument, NULL, 'u' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "socket", required_argument, NULL, 'S' },
		{ "vcount", required_argument, NULL, 'C' },
		{ "reachable", required_argument, NULL, 'x' },
		{ "print-ttl", no_argument, NULL, OPT_PRINT_TTL },
		{ "outage", no_argument, NULL, 'o' },
		{ "squiet", required_argument, NULL, 'Q' },
		{ NULL, 0, NULL, 0 },
	};
	struct sweep_params p = { .timeout_ms = 500, .retries = 1, .rate = 10000 };
	struct sweep_cli c = { .ctx = ctx, .loop = nh_ctx_loop(ctx) };
	long retries = 1;
	int retries_given = 0;
	long enough = 0;
	nh_error err;
	int o;

	while ((o = getopt_long(argc, argv, "t:r:R:e:n:jauqS:C:x:oQ:", opts, NULL)) != -1) {
		int bad = 0;
		switch (o) {
		case 't':
			bad = nh_opt_duration_ms(ctx, "--timeout", optarg, 1, ICMP_MAX_DURATION_MS,
						 &p.timeout_ms);
			break;
		case 'r':
			bad = nh_opt_int(ctx, "--retries", optarg, 0, 10, &retries);
			retries_given = 1;
			break;
		case 'C': bad = nh_opt_int(ctx, "-C", optarg, 1, 10000, &c.count); break;
		case 'x': bad = nh_opt_int(ctx, "-x", optarg, 1, 1 << 20, &enough); break;
		case 'R': bad = nh_opt_int(ctx, "--rate", optarg, 1, 1000000, &p.rate); break;
		case 'e':
			bad = nh_opt_duration_ms(ctx, "--every", optarg, 10, ICMP_MAX_DURATION_MS,
						 &c.every_ms);
			break;
		case 'n': bad = nh_opt_int(ctx, "--rounds", optarg, 1, 1000000000, &c.rounds); break;
		case 'j': c.json = 1; break;
		case 'a': c.show |= SHOW_ALIVE; break;
		case 'u': c.show |= SHOW_INACTIVE; break;
		case 'q': c.quiet = 1; break;
		case OPT_PRINT_TTL: c.print_ttl = 1; break;
		case 'o': c.outage = 1; break;
		case 'Q':
			bad = nh_opt_duration_ms(ctx, "-Q", optarg, 100, ICMP_MAX_DURATION_MS,
						 &c.squiet_ms);
			break;
		case 'S':
			if (icmp_sock_kind_parse(optarg, &p.sock_kind) < 0)
				return nh_cli_usage_error(ctx, "--socket: '%s': use auto, dgram or raw",
							  optarg);
			break;
		default: return nh_cli_usage_error(ctx, "unknown option");
		}
		if (bad)
			return NH_EXIT_USAGE; /* the parser said why */
	}
	if (optind >= argc)
		return nh_cli_usage_error(ctx, "no TARGET given");
	if (!c.show)
		c.show = SHOW_BOTH;
	if (c.rounds && !c.every_ms)
		return nh_cli_usage_error(ctx, "--rounds needs --every");
	if (c.count && c.every_ms)
		return nh_cli_usage_error(ctx, "-C and --every do not go together");
	if (c.count && retries_given)
		return nh_cli_usage_error(ctx, "-C sends one probe per column: --retries does not apply");
	if (c.count && c.json)
		return nh_cli_usage_error(ctx, "-C prints columns: --json does not apply");
	if (c.squiet_ms && (!c.every_ms || c.json))
		return nh_cli_usage_error(ctx, "-Q prints text summaries of --every's sweeps: it needs "
					  "--every and does not take --json");
	if (c.outage && !c.every_ms)
		return nh_cli_usage_error(ctx, "-o sums the sweeps a host missed: it needs --every");
	if (c.print_ttl && (c.count || c.quiet))
		return nh_cli_usage_error(ctx, "--print-ttl adds to the alive lines: -C and -q print none");
	if (enough && (c.count || c.every_ms || c.json))
		return nh_cli_usage_error(ctx, "-x goes with one sweep: not with -C, --every or --json");
	p.retries = c.count ? 0 : (int)retries;
	p.enough = c.enough = (size_t)enough;
	if (c.json) {
		p.on_probe = json_probe;
		p.probe_arg = &c;
	}

	c.sw = sweep_new(c.loop, argv + optind, argc - optind, &p, &err);
	if (!c.sw)
		return nh_cli_usage_error(ctx, "%s", err.msg);
	if (c.count) {
		c.rtt_us = calloc(sweep_count(c.sw) * (size_t)c.count, sizeof(*c.rtt_us));
		if (!c.rtt_us) {
			fprintf(stderr, "sweep: out of memory\n");
			sweep_free(c.sw);
			return NH_EXIT_USAGE;
		}
	}
	if (sweep_open(c.sw, &err) < 0) {
		fprintf(stderr, "sweep: %s\n", err.msg);
		sweep_free(c.sw);
		free(c.rtt_us);
		return NH_EXIT_USAGE;
	}
	if (c.squiet_ms) {
		c.iv = calloc(sweep_count(c.sw), sizeof(*c.iv));
		c.squiet = c.iv ? nh_timer_add(c.loop, c.squiet_ms, squiet_tick, &c) : NULL;
		if (!c.squiet) {
			fprintf(stderr, "sweep: out of memory\n");
			free(c.iv);
			sweep_free(c.sw);
			return NH_EXIT_USAGE;
		}
	}
	c.sigint = nh_signal_add(c.loop, SIGINT, sweep_signal, &c);
	c.sigterm = nh_signal_add(c.loop, SIGTERM, sweep_signal, &c);
	next_round(c.loop, &c);
	if (!c.error && nh_loop_run(c.loop) < 0)
		c.error = 1;
	if (c.json && c.done_rounds && !c.error) {
		print_json_end(&c, &c.last);
		fflush(stdout);
	} else if (c.outage && c.done_rounds && !c.error) {
		print_outage(&c);
		fflush(stdout);
	}
	nh_timer_del(c.next);
	nh_timer_del(c.squiet);
	free(c.iv);
	nh_signal_del(c.sigint);
	nh_signal_del(c.sigterm);
	sweep_free(c.sw);
	free(c.rtt_us);
	/* Interrupted before the first round ended (with -C: before the
	 * last column): nothing known alive. */
	if (c.error)
		return NH_EXIT_USAGE;
	return c.done_rounds && c.done_rounds >= c.count ? c.code : NH_EXIT_FAIL;
}
