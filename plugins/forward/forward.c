/* forward: relay TCP connections from local listeners to upstreams.
 *
 * Service:  [forward NAME]
 *           listen = 127.0.0.1:8080     ; repeatable
 *           to = www.example.org:80     ; repeatable, tried in order
 *           allow = 127.0.0.0/8, ::1    ; deny = ...; deny wins
 *           max_connections = 4096
 *           connect_timeout = 5s
 *           idle_timeout = 0            ; 0: never
 * CLI:      nethost forward LISTEN TARGET... [--allow CIDR]... [--deny CIDR]...
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forward.h"

#define DEF_MAX_CONNS 4096
#define MAX_MAX_CONNS 1000000L
#define DEF_CONNECT_TIMEOUT_MS 5000

/* ---- [forward NAME] ------------------------------------------------- */

/* Every value of a repeatable key, through fn; each problem reported at
 * the key. Returns the number of bad values. */
static int conf_each(const nh_section *sec, const char *key, struct fwd_conf *c,
		     int (*fn)(struct fwd_conf *c, const char *text, nh_error *err))
{
	int bad = 0, n = nh_conf_count(sec, key);

	for (int i = 0; i < n; i++) {
		const char *v = nh_conf_value(sec, key, i, NULL);
		nh_error err;
		if (fn(c, v, &err) < 0) {
			nh_conf_error_at(sec, key, i, "%s", err.msg);
			bad++;
		}
	}
	return bad;
}

static int add_listen_text(struct fwd_conf *c, const char *text, nh_error *err)
{
	nh_addr a;
	int rc = nh_addr_parse(text, -1, &a, err);

	if (rc < 0)
		return rc;
	if (nh_addr_port(&a) == 0)
		return nh_error_set(err, EINVAL, "'%s': port 0 is not a port to listen on", text);
	rc = fwd_conf_add_listen(c, &a);
	return rc < 0 ? nh_error_set(err, -rc, "out of memory") : 0;
}

static int forward_create(nh_ctx *ctx, const nh_section *sec, void **state)
{
	struct fwd_conf c = { 0 };
	long max_conns;
	int bad = 0;

	/* Read every key before giving up, so -t lists every problem. */
	bad |= conf_each(sec, "listen", &c, add_listen_text) > 0;
	bad |= conf_each(sec, "to", &c, fwd_conf_add_upstream) > 0;
	bad |= nh_conf_get_cidr_list(sec, "allow", &c.allow, &c.n_allow) < 0;
	bad |= nh_conf_get_cidr_list(sec, "deny", &c.deny, &c.n_deny) < 0;
	bad |= nh_conf_get_int(sec, "max_connections", DEF_MAX_CONNS, 1, MAX_MAX_CONNS,
			       &max_conns) < 0;
	bad |= nh_conf_get_duration_ms(sec, "connect_timeout", DEF_CONNECT_TIMEOUT_MS,
				       &c.connect_timeout_ms) < 0;
	bad |= nh_conf_get_duration_ms(sec, "idle_timeout", 0, &c.idle_timeout_ms) < 0;
	if (nh_conf_count(sec, "listen") == 0)
		bad = nh_conf_error(sec, "listen", "missing (ADDR:PORT to accept on)") < 0;
	if (nh_conf_count(sec, "to") == 0)
		bad = nh_conf_error(sec, "to", "missing (HOST:PORT to relay to)") < 0;
	if (!bad && c.connect_timeout_ms < 1)
		bad = nh_conf_error(sec, "connect_timeout", "must be at least 1ms") < 0;
	if (!bad && c.idle_timeout_ms < 0)
		bad = nh_conf_error(sec, "idle_timeout", "must not be negative") < 0;
	if (bad) {
		fwd_conf_free(&c);
		return -EINVAL;
	}
	c.max_conns = max_conns;
	struct fwd *f = fwd_new(ctx, &c);
	if (!f) {
		fwd_conf_free(&c);
		return -ENOMEM;
	}
	*state = f;
	return 0;
}

static int forward_start(void *state)
{
	return fwd_start(state);
}

static void forward_stop(void *state)
{
	fwd_stop(state);
}

static void forward_destroy(void *state)
{
	fwd_free(state);
}

static void forward_report(void *state)
{
	fwd_report(state);
}

/* ---- nethost forward ------------------------------------------------ */

/* One --allow or --deny value: CIDRs separated by commas or spaces. An
 * empty one is refused: an empty allow list would let everybody in. */
static int cli_add_cidrs(const nh_ctx *ctx, const char *opt, const char *text, nh_cidr **list,
			 int *n)
{
	nh_error err;
	nh_cidr *more;
	int k = nh_cidr_list_parse(text, &more, &err);

	if (k < 0)
		return nh_cli_usage_error(ctx, "%s: %s", opt, err.msg);
	if (k == 0) {
		free(more);
		return nh_cli_usage_error(ctx, "%s: '%s' names no CIDR", opt, text);
	}
	nh_cidr *all = realloc(*list, (size_t)(*n + k) * sizeof(*all));
	if (!all) {
		free(more);
		return nh_cli_usage_error(ctx, "out of memory");
	}
	memcpy(all + *n, more, (size_t)k * sizeof(*all));
	free(more);
	*list = all;
	*n += k;
	return 0;
}

/* LISTEN is ADDR:PORT, or a bare PORT for every address (dual-stack). */
static int cli_listen(const nh_ctx *ctx, const char *text, struct fwd_conf *c)
{
	nh_addr a;

	if (text[0] >= '0' && text[0] <= '9' && !strpbrk(text, ".:")) {
		long port;
		if (nh_opt_int(ctx, "LISTEN", text, 1, 65535, &port) < 0)
			return NH_EXIT_USAGE;
		char any[16];
		snprintf(any, sizeof(any), "[::]:%ld", port);
		if (nh_opt_addr(ctx, "LISTEN", any, -1, &a) < 0)
			return NH_EXIT_USAGE;
	} else if (nh_opt_addr(ctx, "LISTEN", text, -1, &a) < 0) {
		return NH_EXIT_USAGE;
	}
	return fwd_conf_add_listen(c, &a) < 0 ? nh_cli_usage_error(ctx, "out of memory") : 0;
}

/* The command line into c: 0, or NH_EXIT_USAGE with the reason printed. */
static int forward_parse(nh_ctx *ctx, int argc, char **argv, struct fwd_conf *c)
{
	static const struct option opts[] = {
		{ "allow", required_argument, NULL, 'a' },
		{ "deny", required_argument, NULL, 'd' },
		{ "connect-timeout", required_argument, NULL, 'c' },
		{ "idle-timeout", required_argument, NULL, 'i' },
		{ "max-connections", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, rc = 0;

	c->max_conns = DEF_MAX_CONNS;
	c->connect_timeout_ms = DEF_CONNECT_TIMEOUT_MS;
	while (rc == 0 && (opt = getopt_long(argc, argv, "a:d:c:i:m:", opts, NULL)) != -1) {
		switch (opt) {
		case 'a': rc = cli_add_cidrs(ctx, "--allow", optarg, &c->allow, &c->n_allow); break;
		case 'd': rc = cli_add_cidrs(ctx, "--deny", optarg, &c->deny, &c->n_deny); break;
		case 'c':
			rc = nh_opt_duration_ms(ctx, "--connect-timeout", optarg, 1, INT64_MAX,
						&c->connect_timeout_ms);
			break;
		case 'i':
			rc = nh_opt_duration_ms(ctx, "--idle-timeout", optarg, 0, INT64_MAX,
						&c->idle_timeout_ms);
			break;
		case 'm':
			rc = nh_opt_int(ctx, "--max-connections", optarg, 1, MAX_MAX_CONNS,
					&c->max_conns);
			break;
		default: rc = nh_cli_usage_error(ctx, "unknown option"); break;
		}
	}
	if (rc)
		return NH_EXIT_USAGE;
	if (argc - optind < 2)
		return nh_cli_usage_error(ctx, "need LISTEN and at least one TARGET");
	if (cli_listen(ctx, argv[optind], c))
		return NH_EXIT_USAGE;
	for (int i = optind + 1; i < argc; i++) {
		nh_error err;
		if (fwd_conf_add_upstream(c, argv[i], &err) < 0)
			return nh_cli_usage_error(ctx, "TARGET: %s", err.msg);
	}
	return 0;
}

static void cli_report(nh_loop *loop, int signo, void *arg)
{
	fwd_report(arg);
}

static int forward_cmd(nh_ctx *ctx, int argc, char **argv)
{
	struct fwd_conf c = { 0 };

	if (forward_parse(ctx, argc, argv, &c)) {
		fwd_conf_free(&c);
		return NH_EXIT_USAGE;
	}
	struct fwd *f = fwd_new(ctx, &c);
	if (!f) {
		fwd_conf_free(&c);
		nh_error(ctx, "out of memory");
		return NH_EXIT_FAIL;
	}
	int rc = NH_EXIT_OK;
	nh_signal *usr1 = nh_signal_add(nh_ctx_loop(ctx), SIGUSR1, cli_report, f);
	if (!usr1) {
		nh_error(ctx, "cannot watch SIGUSR1: %s", strerror(errno));
		rc = NH_EXIT_FAIL;
	} else if (fwd_start(f) < 0) {
		rc = NH_EXIT_USAGE; /* cannot run: the reason is logged */
	} else {
		if (nh_cli_run_until_signal(ctx) < 0)
			rc = NH_EXIT_FAIL;
		fwd_report(f);
	}
	nh_signal_del(usr1);
	fwd_free(f);
	return rc;
}

static const struct nh_conf_key forward_keys[] = {
	{ .name = "listen", .help = "ADDR:PORT to accept on ([::]:PORT is dual-stack)", .multi = 1 },
	{ .name = "to", .help = "HOST:PORT to relay to, tried in order on connect failure", .multi = 1 },
	{ .name = "allow", .help = "CIDRs allowed in (default all); deny wins", .multi = 1 },
	{ .name = "deny", .help = "CIDRs refused", .multi = 1 },
	{ .name = "max_connections", .help = "clients relayed at once; more wait in the backlog (default 4096)" },
	{ .name = "connect_timeout", .help = "per upstream connect attempt (default 5s)" },
	{ .name = "idle_timeout", .help = "close a connection quiet both ways this long (default 0: never)" },
	{ .name = NULL },
};

static const struct nh_command forward_commands[] = {
	{ "forward",
	  "forward [OPTIONS] LISTEN TARGET [TARGET...]\n"
	  "  Relay every TCP connection to LISTEN to the first TARGET that accepts it.\n"
	  "  LISTEN is ADDR:PORT ([::]:PORT is dual-stack) or a bare PORT (every\n"
	  "  address). TARGET is HOST:PORT; names are resolved once at start.\n"
	  "  Ports are 1-65535; N is decimal; DUR is 500ms, 5s, 2m...\n"
	  "  Runs in the foreground until SIGINT/SIGTERM; SIGUSR1 logs counters.\n"
	  "  -a, --allow CIDR            let only these clients in (repeatable; not empty)\n"
	  "  -d, --deny CIDR             keep these clients out; wins over --allow\n"
	  "  -c, --connect-timeout DUR   per upstream attempt (default 5s)\n"
	  "  -i, --idle-timeout DUR      close connections idle this long (default never)\n"
	  "  -m, --max-connections N     relay at most N at once (default 4096)\n"
	  "  Example: nethost forward 127.0.0.1:8080 www.example.org:80 --allow 127.0.0.0/8\n"
	  "  Exit: 0 stopped by a signal, 1 failed while running, 2 usage or cannot listen.",
	  "relay TCP connections from a local port to a remote HOST:PORT", forward_cmd },
	{ NULL, NULL, NULL, NULL },
};

NH_PLUGIN_DEFINE(
	.name = "forward",
	.version = "1.0",
	.summary = "TCP port forwarder: splice() relay, allow/deny, upstream fail-over",
	.keys = forward_keys,
	.create = forward_create,
	.start = forward_start,
	.stop = forward_stop,
	.destroy = forward_destroy,
	.report = forward_report,
	.commands = forward_commands,
	.ctl_commands = fwd_ctl_commands,
);
