/* forward: relay TCP connections from local listeners to upstreams.
 *
 * Service:  [forward NAME]
 *           listen = 127.0.0.1:8080     ; repeatable
 *           to = www.example.org:80     ; repeatable; each address an upstream
 *           balance = first|roundrobin|leastconn|source
 *           check = none|tcp            ; check_interval, check_timeout, rise, fall
 *           allow = 127.0.0.0/8, ::1    ; deny = ...; deny wins
 *           max_connections = 4096
 *           connect_timeout = 5s
 *           idle_timeout = 0            ; 0: never (UDP: default 60s)
 *           drain_timeout = 10s         ; reload: grace of connections to dropped upstreams
 *           protocol = tcp              ; or udp (forward_udp.c)
 *           send_proxy = off|v1|v2      ; PROXY header to the upstream (tcp)
 *           accept_proxy = off|on       ; PROXY header required from clients (tcp)
 *           tls_to = on, tls_sni, tls_ca, tls_verify   ; TLS to the upstream
 *           tls_cert, tls_key, tls_client_ca          ; TLS from clients
 *           tls_ciphers, http_host
 * CLI:      nethost forward [--udp] LISTEN TARGET... [--allow CIDR]... [--deny CIDR]...
 *           [--send-proxy v1|v2] [--accept-proxy]
 *           [--tls-to] [--tls-cert FILE --tls-key FILE] [--http-host NAME]...
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forward.h"
#include "forward_udp.h"

#define DEF_MAX_CONNS 4096
#define MAX_MAX_CONNS 1000000L
#define DEF_CONNECT_TIMEOUT_MS 5000
#define DEF_DRAIN_TIMEOUT_MS 10000
#define DEF_CHECK_INTERVAL_MS 2000
#define DEF_CHECK_TIMEOUT_MS 1000
#define DEF_RISE 2
#define DEF_FALL 3

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

/* One of names[] (NULL-terminated) as its index into *out. 0, or
 * -EINVAL reported at the key with the choices. */
static int conf_enum(const nh_section *sec, const char *key, const char *const *names, int def,
		     int *out)
{
	const char *v;
	char choices[80] = "";

	if (nh_conf_get_str(sec, key, names[def], &v) < 0)
		return -EINVAL;
	for (int i = 0; names[i]; i++) {
		if (strcmp(v, names[i]) == 0) {
			*out = i;
			return 0;
		}
		snprintf(choices + strlen(choices), sizeof(choices) - strlen(choices), "%s%s",
			 i ? "|" : "", names[i]);
	}
	return nh_conf_error(sec, key, "'%s' is none of %s", v, choices);
}

static const char *const send_proxy_names[] = { "off", "v1", "v2", NULL };
static const char *const on_off_names[] = { "off", "on", NULL };
static const char *const balance_names[] = { "first", "roundrobin", "leastconn", "source", NULL };
static const char *const check_names[] = { "none", "tcp", NULL };
static const char *const protocol_names[] = { "tcp", "udp", NULL };

/* Keys that only a TCP relay has: refused with protocol = udp. */
static const char *const tcp_only_keys[] = {
	"send_proxy", "accept_proxy", "balance", "check", "check_interval", "check_timeout", "rise",
	"fall", "drain_timeout", "tls_to", "tls_sni", "tls_ca", "tls_verify", "tls_cert", "tls_key",
	"tls_client_ca", "tls_ciphers", "http_host", NULL
};

/* A string key into *out (a copy); 0 or -ENOMEM. */
static int conf_strdup(const nh_section *sec, const char *key, char **out)
{
	const char *v;

	nh_conf_get_str(sec, key, NULL, &v);
	if (v && !(*out = strdup(v)))
		return nh_conf_error(sec, key, "out of memory");
	return 0;
}

/* http_host goes into a header line: a host name, an address, a port. */
static int http_host_ok(const char *v)
{
	if (!*v || strlen(v) > 255)
		return 0;
	return v[strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._:[]")] ==
	       0;
}

static int conf_tls(const nh_section *sec, struct fwd_conf *c)
{
	int bad = 0;

	bad |= nh_conf_get_bool(sec, "tls_to", -1, &c->tls.to) < 0;
	bad |= nh_conf_get_bool(sec, "tls_verify", 1, &c->tls.verify) < 0;
	bad |= conf_strdup(sec, "tls_sni", &c->tls.sni) < 0;
	bad |= conf_strdup(sec, "tls_ca", &c->tls.ca) < 0;
	bad |= conf_strdup(sec, "tls_cert", &c->tls.cert) < 0;
	bad |= conf_strdup(sec, "tls_key", &c->tls.key) < 0;
	bad |= conf_strdup(sec, "tls_client_ca", &c->tls.client_ca) < 0;
	bad |= conf_strdup(sec, "tls_ciphers", &c->tls.ciphers) < 0;
	bad |= conf_strdup(sec, "http_host", &c->http_host) < 0;
	if (c->http_host && !http_host_ok(c->http_host))
		bad |= nh_conf_error(sec, "http_host", "'%s' is not a host name[:port]",
				     c->http_host) < 0;
	return bad ? -EINVAL : 0;
}

static int forward_create(nh_ctx *ctx, const nh_section *sec, void **state)
{
	struct fwd_conf c = { 0 };
	long max_conns;
	int bad = 0;

	bad |= conf_enum(sec, "protocol", protocol_names, 0, &c.udp) < 0;

	/* Read every key before giving up, so -t lists every problem. */
	bad |= conf_each(sec, "listen", &c, add_listen_text) > 0;
	bad |= conf_each(sec, "to", &c, fwd_conf_add_upstream) > 0;
	bad |= nh_conf_get_cidr_list(sec, "allow", &c.allow, &c.n_allow) < 0;
	bad |= nh_conf_get_cidr_list(sec, "deny", &c.deny, &c.n_deny) < 0;
	bad |= nh_conf_get_int(sec, "max_connections", DEF_MAX_CONNS, 1, MAX_MAX_CONNS,
			       &max_conns) < 0;
	bad |= nh_conf_get_duration_ms(sec, "connect_timeout", DEF_CONNECT_TIMEOUT_MS,
				       &c.connect_timeout_ms) < 0;
	bad |= nh_conf_get_duration_ms(sec, "idle_timeout", c.udp ? FWD_UDP_IDLE_DEFAULT_MS : 0,
				       &c.idle_timeout_ms) < 0;
	bad |= nh_conf_get_duration_ms(sec, "drain_timeout", DEF_DRAIN_TIMEOUT_MS,
				       &c.drain_timeout_ms) < 0;
	bad |= conf_enum(sec, "send_proxy", send_proxy_names, 0, &c.send_proxy) < 0;
	bad |= conf_enum(sec, "accept_proxy", on_off_names, 0, &c.accept_proxy) < 0;
	bad |= conf_enum(sec, "balance", balance_names, FWD_FIRST, &c.balance) < 0;
	bad |= conf_enum(sec, "check", check_names, 0, &c.check) < 0;
	bad |= nh_conf_get_duration_ms(sec, "check_interval", DEF_CHECK_INTERVAL_MS,
				       &c.check_interval_ms) < 0;
	bad |= nh_conf_get_duration_ms(sec, "check_timeout", DEF_CHECK_TIMEOUT_MS,
				       &c.check_timeout_ms) < 0;
	bad |= nh_conf_get_int(sec, "rise", DEF_RISE, 1, 1000, &c.rise) < 0;
	bad |= nh_conf_get_int(sec, "fall", DEF_FALL, 1, 1000, &c.fall) < 0;
	for (int i = 0; c.udp && tcp_only_keys[i]; i++)
		if (nh_conf_count(sec, tcp_only_keys[i]) > 0)
			bad |= nh_conf_error(sec, tcp_only_keys[i], "applies to protocol = tcp only") < 0;
	bad |= conf_tls(sec, &c) < 0;
	if (nh_conf_count(sec, "listen") == 0)
		bad = nh_conf_error(sec, "listen", "missing (ADDR:PORT to accept on)") < 0;
	if (nh_conf_count(sec, "to") == 0)
		bad = nh_conf_error(sec, "to", "missing (HOST:PORT to relay to)") < 0;
	if (!bad && c.connect_timeout_ms < 1)
		bad = nh_conf_error(sec, "connect_timeout", "must be at least 1ms") < 0;
	if (!bad && c.idle_timeout_ms < 0)
		bad = nh_conf_error(sec, "idle_timeout", "must not be negative") < 0;
	if (!bad && c.check_interval_ms < 10)
		bad = nh_conf_error(sec, "check_interval", "must be at least 10ms") < 0;
	if (!bad && c.check_timeout_ms < 1)
		bad = nh_conf_error(sec, "check_timeout", "must be at least 1ms") < 0;
	if (!bad) {
		nh_error err;
		const char *key;
		if (fwd_tls_setup(&c, &err, &key) < 0)
			bad = nh_conf_error(sec, key ? key : "tls_to", "%s", err.msg) < 0;
	}
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

/* TCP or UDP: the one place that tells them apart. */
static int instance_start(struct fwd *f)
{
	return f->conf.udp ? fwd_udp_start(f) : fwd_start(f);
}

static void instance_report(struct fwd *f)
{
	if (f->conf.udp)
		fwd_udp_report(f);
	else
		fwd_report(f);
}

static void instance_free(struct fwd *f)
{
	if (f)
		fwd_udp_free(f);
	fwd_free(f);
}

/* A reload replaces the running [forward NAME] with state. */
static void forward_succeed(void *state, void *predecessor)
{
	fwd_succeed(state, predecessor);
}

static int forward_start(void *state)
{
	return instance_start(state);
}

static void forward_stop(void *state)
{
	struct fwd *f = state;

	if (f->conf.udp)
		fwd_udp_stop(f);
	else
		fwd_stop(f);
}

static void forward_destroy(void *state)
{
	instance_free(state);
}

static void forward_report(void *state)
{
	instance_report(state);
}

/* A reload that keeps the section: certificates renewed in place are
 * re-read with it, all or nothing (forward_tls.c). */
static int forward_refresh(void *state, int phase)
{
	struct fwd *f = state;

	if (phase == NH_REFRESH_PREPARE)
		return fwd_tls_prepare(f);
	if (phase == NH_REFRESH_COMMIT)
		fwd_tls_commit(f);
	else
		fwd_tls_abort(f);
	return 0;
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

/* A string option's value into *out (the last one given wins). */
static int cli_strdup(const nh_ctx *ctx, const char *text, char **out)
{
	free(*out);
	if (!(*out = strdup(text)))
		return nh_cli_usage_error(ctx, "out of memory");
	return 0;
}

enum {
	OPT_TLS_TO = 256, OPT_TLS_SNI, OPT_TLS_CA, OPT_TLS_VERIFY, OPT_TLS_CERT, OPT_TLS_KEY,
	OPT_TLS_CLIENT_CA, OPT_TLS_CIPHERS, OPT_HTTP_HOST,
};

/* The TLS and HTTP options; 0 or NH_EXIT_USAGE. */
static int cli_tls_opt(const nh_ctx *ctx, int opt, const char *arg, struct fwd_conf *c)
{
	struct fwd_tls_keys *k = &c->tls;

	switch (opt) {
	case OPT_TLS_TO: k->to = 1; return 0;
	case OPT_TLS_VERIFY:
		if (strcmp(arg, "off") && strcmp(arg, "on"))
			return nh_cli_usage_error(ctx, "--tls-verify: '%s' is not on or off", arg);
		k->verify = strcmp(arg, "on") == 0;
		return 0;
	case OPT_TLS_SNI: return cli_strdup(ctx, arg, &k->sni);
	case OPT_TLS_CA: return cli_strdup(ctx, arg, &k->ca);
	case OPT_TLS_CERT: return cli_strdup(ctx, arg, &k->cert);
	case OPT_TLS_KEY: return cli_strdup(ctx, arg, &k->key);
	case OPT_TLS_CLIENT_CA: return cli_strdup(ctx, arg, &k->client_ca);
	case OPT_TLS_CIPHERS: return cli_strdup(ctx, arg, &k->ciphers);
	case OPT_HTTP_HOST:
		if (!http_host_ok(arg))
			return nh_cli_usage_error(ctx, "--http-host: '%s' is not a host name[:port]",
						  arg);
		return cli_strdup(ctx, arg, &c->http_host);
	}
	return nh_cli_usage_error(ctx, "unknown option");
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
		{ "udp", no_argument, NULL, 'u' },
		{ "send-proxy", required_argument, NULL, 'P' },
		{ "accept-proxy", no_argument, NULL, 'A' },
		{ "tls-to", no_argument, NULL, OPT_TLS_TO },
		{ "tls-sni", required_argument, NULL, OPT_TLS_SNI },
		{ "tls-ca", required_argument, NULL, OPT_TLS_CA },
		{ "tls-verify", required_argument, NULL, OPT_TLS_VERIFY },
		{ "tls-cert", required_argument, NULL, OPT_TLS_CERT },
		{ "tls-key", required_argument, NULL, OPT_TLS_KEY },
		{ "tls-client-ca", required_argument, NULL, OPT_TLS_CLIENT_CA },
		{ "tls-ciphers", required_argument, NULL, OPT_TLS_CIPHERS },
		{ "http-host", required_argument, NULL, OPT_HTTP_HOST },
		{ NULL, 0, NULL, 0 },
	};
	int opt, rc = 0;

	c->max_conns = DEF_MAX_CONNS;
	c->connect_timeout_ms = DEF_CONNECT_TIMEOUT_MS;
	c->drain_timeout_ms = DEF_DRAIN_TIMEOUT_MS; /* no reloads in a CLI run: unused */
	c->idle_timeout_ms = -1; /* not given: the protocol's default */
	c->check_interval_ms = DEF_CHECK_INTERVAL_MS;
	c->check_timeout_ms = DEF_CHECK_TIMEOUT_MS;
	c->rise = DEF_RISE;
	c->fall = DEF_FALL;
	c->tls.to = -1;
	c->tls.verify = 1;
	while (rc == 0 && (opt = getopt_long(argc, argv, "a:d:c:i:m:u", opts, NULL)) != -1) {
		switch (opt) {
		case 'u': c->udp = 1; break;
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
		case 'P':
			if (strcmp(optarg, "v1") == 0 || strcmp(optarg, "v2") == 0)
				c->send_proxy = optarg[1] - '0';
			else
				rc = nh_cli_usage_error(ctx, "--send-proxy: '%s' is neither v1 nor v2",
							optarg);
			break;
		case 'A': c->accept_proxy = 1; break;
		default: rc = cli_tls_opt(ctx, opt, optarg, c); break;
		}
	}
	if (rc)
		return NH_EXIT_USAGE;
	if (c->idle_timeout_ms < 0)
		c->idle_timeout_ms = c->udp ? FWD_UDP_IDLE_DEFAULT_MS : 0;
	if (c->udp && (c->send_proxy || c->accept_proxy || c->tls.to == 1 || c->tls.sni || c->tls.ca ||
		       !c->tls.verify || c->tls.cert || c->tls.key || c->tls.client_ca ||
		       c->tls.ciphers || c->http_host))
		return nh_cli_usage_error(ctx, "--send-proxy, --accept-proxy, --tls-* and --http-host "
					       "are for TCP, not --udp");
	if (argc - optind < 2)
		return nh_cli_usage_error(ctx, "need LISTEN and at least one TARGET");
	if (cli_listen(ctx, argv[optind], c))
		return NH_EXIT_USAGE;
	for (int i = optind + 1; i < argc; i++) {
		nh_error err;
		if (fwd_conf_add_upstream(c, argv[i], &err) < 0)
			return nh_cli_usage_error(ctx, "TARGET: %s", err.msg);
	}
	nh_error err;
	const char *key;
	if (fwd_tls_setup(c, &err, &key) < 0) {
		char flag[32] = "--tls-to"; /* the key's own flag: tls_cert is --tls-cert */
		if (key)
			for (size_t i = 0; key[i] && i + 3 < sizeof(flag); i++)
				flag[i + 2] = key[i] == '_' ? '-' : key[i], flag[i + 3] = 0;
		return nh_cli_usage_error(ctx, "%s: %s", flag, err.msg);
	}
	return 0;
}

static void cli_report(nh_loop *loop, int signo, void *arg)
{
	instance_report(arg);
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
	} else if (instance_start(f) < 0) {
		rc = NH_EXIT_USAGE; /* cannot run: the reason is logged */
	} else {
		if (nh_cli_run_until_signal(ctx) < 0)
			rc = NH_EXIT_FAIL;
		instance_report(f);
	}
	nh_signal_del(usr1);
	instance_free(f);
	return rc;
}

static const struct nh_conf_key forward_keys[] = {
	{ .name = "listen", .help = "ADDR:PORT to accept on ([::]:PORT is dual-stack)", .multi = 1 },
	{ .name = "to", .help = "HOST:PORT to relay to; each address is an upstream (see balance)", .multi = 1 },
	{ .name = "allow", .help = "CIDRs allowed in (default all); deny wins", .multi = 1 },
	{ .name = "deny", .help = "CIDRs refused", .multi = 1 },
	{ .name = "max_connections", .help = "clients relayed at once; more wait in the backlog (default 4096)" },
	{ .name = "connect_timeout", .help = "per upstream connect attempt (default 5s)" },
	{ .name = "idle_timeout", .help = "close a connection quiet both ways this long (default 0: never; udp: 60s)" },
	{ .name = "drain_timeout", .help = "a reload whose section drops an upstream closes the connections to it this much later (default 10s; 0: at once)" },
	{ .name = "protocol", .help = "tcp or udp (default tcp); udp: a session per client address" },
	{ .name = "balance", .help = "first|roundrobin|leastconn|source: which upstream a client gets (default first: in order, fail-over)" },
	{ .name = "check", .help = "none|tcp: connect to each upstream every check_interval (default none)" },
	{ .name = "check_interval", .help = "time between checks of an upstream (default 2s)" },
	{ .name = "check_timeout", .help = "a check's connect deadline (default 1s)" },
	{ .name = "rise", .help = "checks passed in a row that bring a down upstream up (default 2)" },
	{ .name = "fall", .help = "failures in a row (checks or client connects) that take an upstream down (default 3)" },
	{ .name = "send_proxy", .help = "off|v1|v2: send upstream a PROXY header with the client's address (default off)" },
	{ .name = "accept_proxy", .help = "off|on: clients must start with a PROXY header v1/v2; its address is the client (default off)" },
	{ .name = "tls_to", .help = "speak TLS to the upstream (default off; on with http_host and port 443)" },
	{ .name = "tls_sni", .help = "server name sent and checked (default: the to line's host)" },
	{ .name = "tls_ca", .help = "PEM file of CAs the upstream's certificate must chain to (default: the system store)" },
	{ .name = "tls_verify", .help = "check the upstream's certificate (default on; off warns at start)" },
	{ .name = "tls_cert", .help = "PEM certificate (chain) to terminate TLS from clients with" },
	{ .name = "tls_key", .help = "PEM private key of tls_cert" },
	{ .name = "tls_client_ca", .help = "PEM file of CAs; clients must present a certificate they signed" },
	{ .name = "tls_ciphers", .help = "TLS 1.2 cipher list, OpenSSL syntax (default ECDHE with AES-GCM or ChaCha20)" },
	{ .name = "http_host", .help = "HTTP/1.x: replace the Host: header of every request with this" },
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
	  "  -u, --udp                   relay UDP datagrams instead: a session per client\n"
	  "                              address, ended after --idle-timeout (default 60s)\n"
	  "                              or when the upstream answers ICMP unreachable;\n"
	  "                              --max-connections bounds the sessions\n"
	  "      --send-proxy v1|v2      send each TARGET a PROXY header (client address)\n"
	  "      --accept-proxy          clients must start with a PROXY header v1 or v2;\n"
	  "                              the address in it is the client (for --allow too)\n"
	  "      --tls-to                speak TLS to TARGET, verifying its certificate\n"
	  "      --tls-sni NAME          server name to send and check (default TARGET's host)\n"
	  "      --tls-ca FILE           CAs to verify against (default the system store)\n"
	  "      --tls-verify off        do not verify (warns at start)\n"
	  "      --tls-cert FILE         terminate TLS from clients with this certificate\n"
	  "      --tls-key FILE          ... and this key\n"
	  "      --tls-client-ca FILE    require client certificates signed by these CAs\n"
	  "      --tls-ciphers LIST      TLS 1.2 ciphers (OpenSSL syntax)\n"
	  "      --http-host NAME        rewrite the Host: header of HTTP/1.x requests\n"
	  "                              (with a TARGET on port 443, --tls-to is implied)\n"
	  "  Example: nethost forward 127.0.0.1:8080 www.example.org:80 --allow 127.0.0.0/8\n"
	  "           nethost forward --udp 127.0.0.1:5353 192.0.2.53:53\n"
	  "           nethost forward 127.0.0.1:8800 www.example.org:443 --tls-to \\\n"
	  "                   --http-host www.example.org\n"
	  "  Exit: 0 stopped by a signal, 1 failed while running, 2 usage or cannot listen.",
	  "relay TCP connections (or UDP datagrams) from a local port to a remote HOST:PORT", forward_cmd },
	{ NULL, NULL, NULL, NULL },
};

NH_PLUGIN_DEFINE(
	.name = "forward",
	.version = "1.0",
	.summary = "TCP and UDP port forwarder: splice() relay, TLS either side, UDP sessions, allow/deny, balanced checked upstreams, PROXY protocol",
	.keys = forward_keys,
	.create = forward_create,
	.start = forward_start,
	.stop = forward_stop,
	.destroy = forward_destroy,
	.report = forward_report,
	.commands = forward_commands,
	.ctl_commands = fwd_ctl_commands,
	.refresh = forward_refresh,
	.succeed = forward_succeed,
);
