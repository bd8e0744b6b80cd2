/* echo6: an echo service on TCP and UDP, many clients on one loop.
 *
 * Service:  [echo6 NAME]
 *           listen       = [::]:7007  ; [::] also serves IPv4 clients
 *           tcp          = yes
 *           udp          = yes
 *           v6only       = no
 *           max_clients  = 4096
 *           idle_timeout = 5m
 *           buffer       = 65536
 * CLI:      nethost echo6 serve|send ... (echo6_cli.c)
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "echo6.h"

static int echo6_create(nh_ctx *ctx, const nh_section *sec, void **state)
{
	struct echo6 *e = calloc(1, sizeof(*e));
	long max_clients, buffer;
	int present;

	if (!e)
		return -ENOMEM;
	int bad = nh_conf_get_addr(sec, "listen", ECHO6_PORT, &e->listen, &present) < 0;
	if (!present && nh_addr_parse("[::]", ECHO6_PORT, &e->listen, NULL) < 0)
		bad = 1;
	bad |= nh_conf_get_bool(sec, "tcp", 1, &e->tcp) < 0;
	bad |= nh_conf_get_bool(sec, "udp", 1, &e->udp) < 0;
	bad |= nh_conf_get_bool(sec, "v6only", 0, &e->v6only) < 0;
	bad |= nh_conf_get_int(sec, "max_clients", 4096, 1, 1000000, &max_clients) < 0;
	bad |= nh_conf_get_duration_ms(sec, "idle_timeout", 300000, &e->opts.idle_timeout_ms) < 0;
	bad |= nh_conf_get_int(sec, "buffer", 65536, 512, 16 << 20, &buffer) < 0;
	if (!bad && !e->tcp && !e->udp)
		bad = nh_conf_error(sec, "udp", "tcp and udp are both off: nothing to serve") < 0;
	if (!bad && e->v6only && e->listen.u.sa.sa_family != AF_INET6)
		bad = nh_conf_error(sec, "v6only", "only applies to an IPv6 listen address") < 0;
	if (bad) {
		free(e);
		return -EINVAL;
	}
	e->opts.max_clients = (unsigned)max_clients;
	e->opts.bufsize = (size_t)buffer;
	e->ctx = ctx;
	*state = e;
	return 0;
}

static int admit(int fd, const struct sockaddr *sa, socklen_t salen, char *name, size_t size,
		 void *arg)
{
	static const int one = 1;

	(void)arg;
	/* Echo replies are small and wanted now. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	nh_sockaddr_format(sa, salen, 1, name, size);
	return 0;
}

static void log_bound(struct echo6 *e, const nh_addr *bound, const char *proto)
{
	char text[NH_ADDR_STRLEN];
	int dual = bound->u.sa.sa_family == AF_INET6 && !e->v6only &&
		   IN6_IS_ADDR_UNSPECIFIED(&bound->u.in6.sin6_addr);

	nh_info(e->ctx, "echo on %s %s%s", proto, nh_addr_format(bound, 1, text, sizeof(text)),
		dual ? " (IPv6 and IPv4)" : "");
}

int echo6_start(void *state)
{
	struct echo6 *e = state;
	int flags = e->v6only ? NH_SOCK_V6ONLY : 0;
	nh_addr udp = e->listen, bound;
	nh_error err;
	int fd, r;

	if (e->tcp) {
		e->pool = echo_pool_new(e->ctx, &e->opts);
		r = e->pool ? echo_pool_listen_tcp(e->pool, &e->listen, flags, admit, e, &err) :
			nh_error_set(&err, errno, "tcp: %s", strerror(errno));
		if (r < 0) {
			nh_error(e->ctx, "%s", err.msg);
			return r;
		}
		if (echo_pool_local(e->pool, &bound) < 0)
			bound = e->listen;
		log_bound(e, &bound, "tcp");
		/* Port 0 picks one port for TCP; UDP follows it. */
		if (nh_addr_port(&udp) == 0)
			nh_addr_set_port(&udp, nh_addr_port(&bound));
	}
	if (e->udp) {
		if ((fd = nh_bind_udp(&udp, flags, &err)) < 0) {
			nh_error(e->ctx, "%s", err.msg);
			echo6_stop(e);
			return fd;
		}
		bound = (nh_addr){ .len = sizeof(bound.u) };
		if (getsockname(fd, &bound.u.sa, &bound.len) < 0)
			bound = udp;
		log_bound(e, &bound, "udp");
		e->dgram = echo_dgram_new(e->ctx, fd, e->opts.bufsize);
		if (!e->dgram) {
			r = -errno;
			close(fd);
			nh_error(e->ctx, "udp: %s", strerror(-r));
			echo6_stop(e);
			return r;
		}
	}
	return 0;
}

/* Close the listeners; established TCP clients stay until destroy. */
void echo6_stop(void *state)
{
	struct echo6 *e = state;

	echo_pool_unlisten(e->pool);
	echo_dgram_free(e->dgram);
	e->dgram = NULL;
}

void echo6_destroy(void *state)
{
	struct echo6 *e = state;

	echo6_stop(e);
	echo_pool_free(e->pool);
	free(e);
}

void echo6_report(void *state)
{
	struct echo6 *e = state;
	struct echo_stats t = { 0 }, u = { 0 };

	if (e->pool)
		echo_pool_stats(e->pool, &t);
	if (e->dgram)
		echo_dgram_stats(e->dgram, &u);
	nh_info(e->ctx,
		"tcp: clients=%u accepted=%llu refused=%llu timeouts=%llu errors=%llu bytes=%llu; "
		"udp: datagrams=%llu bytes=%llu dropped=%llu",
		t.active, (unsigned long long)t.accepted, (unsigned long long)t.refused,
		(unsigned long long)t.timeouts, (unsigned long long)t.errors,
		(unsigned long long)t.bytes, (unsigned long long)u.messages,
		(unsigned long long)u.bytes, (unsigned long long)(u.errors + u.refused));
}

static const struct nh_conf_key echo6_keys[] = {
	{ .name = "listen", .help = "address and port to serve (default [::]:7007, dual-stack)" },
	{ .name = "tcp", .help = "serve TCP (default yes)" },
	{ .name = "udp", .help = "serve UDP on the same port (default yes)" },
	{ .name = "v6only", .help = "refuse IPv4 clients on an IPv6 wildcard (default no)" },
	{ .name = "max_clients", .help = "TCP clients at once; more are refused (default 4096)" },
	{ .name = "idle_timeout", .help = "close a TCP client silent this long, 0 never (default 5m)" },
	{ .name = "buffer", .help = "per-client buffer and largest UDP datagram, bytes (default 65536)" },
	{ .name = NULL },
};

static const struct nh_command echo6_commands[] = {
	{ "echo6",
	  "echo6 serve [OPTIONS] [LISTEN]\n"
	  "       nethost echo6 send [OPTIONS] HOST[:PORT] [MESSAGE...]\n"
	  "\n"
	  "serve: echo TCP (and/or UDP) on LISTEN (default [::]:7007; a bare PORT\n"
	  "means [::]:PORT, which also serves IPv4 clients) until SIGINT/SIGTERM.\n"
	  "  -u, --udp               serve UDP instead of TCP\n"
	  "  -b, --both              serve TCP and UDP\n"
	  "      --v6only            refuse IPv4 clients on an IPv6 wildcard\n"
	  ECHO_SERVE_USAGE
	  "\n"
	  "send: send each MESSAGE, read the whole echo back, print it with the\n"
	  "round trip time. HOST is a name, an IPv4 address or [IPv6]; PORT 7007.\n"
	  "  -u, --udp               use UDP\n"
	  "  -4, -6                  resolve HOST to IPv4 / IPv6 only\n"
	  ECHO_JOB_USAGE
	  ECHO_JSON_USAGE
	  "Exit: 0 every echo came back intact, 1 one did not, 2 usage error.\n"
	  "\n"
	  "Examples:\n"
	  "  nethost echo6 serve --both 7007\n"
	  "  nethost echo6 send localhost hello world\n"
	  "  nethost echo6 send --udp 127.0.0.1:7007 ping\n"
	  "  nethost echo6 send -s 1048576 -c 10 [::1]:7007",
	  "TCP/UDP echo server and client, IPv6 and IPv4", echo6_cmd },
	{ NULL, NULL, NULL, NULL },
};

NH_PLUGIN_DEFINE(
	.name = "echo6",
	.version = "1.0",
	.summary = "TCP and UDP echo service, dual-stack IPv6",
	.keys = echo6_keys,
	.create = echo6_create,
	.start = echo6_start,
	.stop = echo6_stop,
	.destroy = echo6_destroy,
	.report = echo6_report,
	.commands = echo6_commands,
);
