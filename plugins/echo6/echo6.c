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

/* After EMFILE the listener stays readable; wait instead of spinning. */
#define ACCEPT_PAUSE_MS 100
/* Connections taken per readiness event before others get a turn. */
#define ACCEPT_BATCH 64

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
	e->lfd = -1;
	*state = e;
	return 0;
}

static int64_t accept_resume(nh_loop *loop, void *arg)
{
	struct echo6 *e = arg;

	(void)loop;
	e->pause = NULL;
	nh_io_set(e->lio, NH_READ);
	return NH_TIMER_STOP;
}

static void on_accept(nh_loop *loop, int lfd, int events, void *arg)
{
	struct echo6 *e = arg;
	static const int one = 1;

	(void)events;
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		nh_addr peer = { .len = sizeof(peer.u) };
		int fd = accept4(lfd, &peer.u.sa, &peer.len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				nh_warn(e->ctx, "accept: %s; pausing %d ms", strerror(errno),
					ACCEPT_PAUSE_MS);
				nh_io_set(e->lio, 0);
				e->pause = nh_timer_add(loop, ACCEPT_PAUSE_MS, accept_resume, e);
			}
			return; /* EAGAIN, or the client gave up (ECONNABORTED) */
		}
		/* Echo replies are small and wanted now. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		char name[NH_ADDR_STRLEN];
		nh_echo_pool_add(e->pool, fd, nh_addr_format(&peer, 1, name, sizeof(name)));
	}
}

static void log_bound(struct echo6 *e, int fd, const char *proto)
{
	nh_addr a = { .len = sizeof(a.u) };
	char text[NH_ADDR_STRLEN];

	if (getsockname(fd, &a.u.sa, &a.len) < 0)
		a = e->listen;
	int dual = a.u.sa.sa_family == AF_INET6 && !e->v6only &&
		   IN6_IS_ADDR_UNSPECIFIED(&a.u.in6.sin6_addr);
	nh_info(e->ctx, "echo on %s %s%s", proto, nh_addr_format(&a, 1, text, sizeof(text)),
		dual ? " (IPv6 and IPv4)" : "");
}

int echo6_start(void *state)
{
	struct echo6 *e = state;
	int flags = e->v6only ? NH_SOCK_V6ONLY : 0;
	nh_error err;

	if (e->tcp) {
		e->lfd = nh_listen_tcp(&e->listen, 0, flags, &err);
		if (e->lfd < 0) {
			nh_error(e->ctx, "%s", err.msg);
			return e->lfd;
		}
		e->pool = nh_echo_pool_new(e->ctx, &e->opts);
		e->lio = e->pool ? nh_io_add(nh_ctx_loop(e->ctx), e->lfd, NH_READ, on_accept, e) : NULL;
		if (!e->lio) {
			int r = -errno;
			nh_error(e->ctx, "cannot watch the listener: %s", strerror(errno));
			echo6_stop(e);
			return r;
		}
		log_bound(e, e->lfd, "tcp");
	}
	if (e->udp) {
		nh_addr a = e->listen;
		/* Port 0 picks one port for TCP; UDP follows it. */
		if (e->tcp && nh_addr_port(&a) == 0) {
			nh_addr b = { .len = sizeof(b.u) };
			if (getsockname(e->lfd, &b.u.sa, &b.len) == 0)
				nh_addr_set_port(&a, nh_addr_port(&b));
		}
		int fd = nh_bind_udp(&a, flags, &err);
		if (fd < 0) {
			nh_error(e->ctx, "%s", err.msg);
			echo6_stop(e);
			return fd;
		}
		e->dgram = nh_echo_dgram_new(e->ctx, fd, e->opts.bufsize);
		if (!e->dgram) {
			int r = -errno;
			close(fd);
			nh_error(e->ctx, "udp: %s", strerror(errno));
			echo6_stop(e);
			return r;
		}
		log_bound(e, fd, "udp");
	}
	return 0;
}

/* Close the listeners; established TCP clients stay until destroy. */
void echo6_stop(void *state)
{
	struct echo6 *e = state;

	nh_timer_del(e->pause);
	e->pause = NULL;
	nh_io_del(e->lio);
	e->lio = NULL;
	if (e->lfd >= 0)
		close(e->lfd);
	e->lfd = -1;
	nh_echo_dgram_free(e->dgram);
	e->dgram = NULL;
}

void echo6_destroy(void *state)
{
	struct echo6 *e = state;

	echo6_stop(e);
	nh_echo_pool_free(e->pool);
	free(e);
}

void echo6_report(void *state)
{
	struct echo6 *e = state;
	struct nh_echo_stats t = { 0 }, u = { 0 };

	if (e->pool)
		nh_echo_pool_stats(e->pool, &t);
	if (e->dgram)
		nh_echo_dgram_stats(e->dgram, &u);
	nh_info(e->ctx,
		"tcp: clients=%u accepted=%llu refused=%llu timeouts=%llu errors=%llu bytes=%llu; "
		"udp: datagrams=%llu bytes=%llu dropped=%llu",
		t.active, (unsigned long long)t.accepted, (unsigned long long)t.refused,
		(unsigned long long)t.timeouts, (unsigned long long)t.errors,
		(unsigned long long)t.bytes, (unsigned long long)u.messages,
		(unsigned long long)u.bytes, (unsigned long long)(u.errors + u.refused));
}

static const struct nh_conf_key echo6_keys[] = {
	{ "listen", "address and port to serve (default [::]:7007, dual-stack)", 0 },
	{ "tcp", "serve TCP (default yes)", 0 },
	{ "udp", "serve UDP on the same port (default yes)", 0 },
	{ "v6only", "refuse IPv4 clients on an IPv6 wildcard (default no)", 0 },
	{ "max_clients", "TCP clients at once; more are refused (default 4096)", 0 },
	{ "idle_timeout", "close a TCP client silent this long, 0 never (default 5m)", 0 },
	{ "buffer", "per-client buffer and largest UDP datagram, bytes (default 65536)", 0 },
	{ NULL, NULL, 0 },
};

static const struct nh_command echo6_commands[] = {
	{ "echo6",
	  "echo6 serve [OPTIONS] [LISTEN]\n"
	  "echo6 send [OPTIONS] HOST[:PORT] [MESSAGE...]\n"
	  "\n"
	  "serve: echo TCP (and/or UDP) on LISTEN (default [::]:7007; a bare PORT\n"
	  "means [::]:PORT, which also serves IPv4 clients) until SIGINT/SIGTERM.\n"
	  "  -u, --udp               serve UDP instead of TCP\n"
	  "  -b, --both              serve TCP and UDP\n"
	  "      --v6only            refuse IPv4 clients on an IPv6 wildcard\n"
	  "  -m, --max-clients N     TCP clients at once (default 4096)\n"
	  "  -i, --idle-timeout DUR  close silent TCP clients (default 5m, 0 never)\n"
	  "      --buffer BYTES      per-client buffer (default 65536)\n"
	  "\n"
	  "send: send each MESSAGE, read the whole echo back, print it with the\n"
	  "round trip time. HOST is a name, an IPv4 address or [IPv6]; PORT 7007.\n"
	  "  -u, --udp               use UDP\n"
	  "  -4, -6                  resolve HOST to IPv4 / IPv6 only\n"
	  "  -s, --size BYTES        also send a generated message of BYTES\n"
	  "  -c, --count N           send everything N times (default 1)\n"
	  "  -t, --timeout DUR       per connect and per echo (default 5s)\n"
	  "  -q, --quiet             print only the summary\n"
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
