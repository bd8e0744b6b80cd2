/* nethost synprobe: half-open TCP probes from a raw IPv4 socket with
 * IP_HDRINCL. We write the IP and TCP headers (tcp_packet.c), read every
 * TCP segment the host receives, and keep those that answer our SYNs:
 * SYN/ACK open, RST closed, nothing filtered. An open port gets our RST
 * so the listener does not keep a half-open connection.
 *
 * Our source port is a real ephemeral port held by a bound, unconnected
 * TCP socket: no other socket can take it while we probe, and the kernel
 * answers stray segments to it with RST as it should. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>
#include <linux/filter.h>

#include "icmp.h"

/* SYNs per millisecond tick: 64k/s, loopback and LANs take it. */
#define SYNS_PER_TICK 64

enum port_state { PORT_FILTERED, PORT_OPEN, PORT_CLOSED };

struct port_probe {
	uint16_t port;
	uint8_t state;
	uint8_t tries;
	int64_t sent_us;
	int64_t rtt_us;
};

struct synprobe {
	nh_ctx *ctx;
	nh_loop *loop;
	const char *host;
	nh_addr dst, src;
	int fd, hold_fd;
	uint16_t sport;
	uint32_t iss;
	struct port_probe *ports;
	int32_t *index;       /* port -> ports[] index, -1 */
	int n, left;
	int64_t timeout_ms;
	long retries;
	int try_no;           /* 1-based round of SYNs */
	int cursor;           /* next port of this round */
	int64_t last_send_us;
	nh_io *io;
	nh_timer *timer;
	int json;
	uint64_t sent, strays;
	int64_t start_us;
	int error;
};

static const char *state_name(int s)
{
	return s == PORT_OPEN ? "open" : s == PORT_CLOSED ? "closed" : "filtered";
}

static int send_segment(struct synprobe *sp, uint16_t dport, uint32_t seq, uint8_t flags)
{
	struct tcp_segment s = {
		.src = sp->src.u.in4.sin_addr, .dst = sp->dst.u.in4.sin_addr,
		.sport = sp->sport, .dport = dport, .seq = seq, .flags = flags,
		.window = 1024, .ttl = 64,
	};
	uint8_t pkt[TCP_PROBE_MAX_LEN];
	nh_addr to = sp->dst;

	getrandom(&s.ip_id, sizeof(s.ip_id), GRND_NONBLOCK);
	size_t len = tcp_segment_build(&s, pkt, sizeof(pkt));
	/* The port of the address is meaningless to a raw socket, and
	 * Linux insists it be 0 for IPPROTO_RAW-like sends. */
	nh_addr_set_port(&to, 0);
	if (sendto(sp->fd, pkt, len, 0, &to.u.sa, to.len) < 0)
		return -errno;
	return 0;
}

static int64_t synprobe_tick(nh_loop *loop, void *arg)
{
	struct synprobe *sp = arg;
	int64_t now = nh_now_us();

	for (int k = 0; k < SYNS_PER_TICK && sp->cursor < sp->n; sp->cursor++) {
		struct port_probe *pp = &sp->ports[sp->cursor];
		if (pp->state != PORT_FILTERED)
			continue;
		int r = send_segment(sp, pp->port, sp->iss, TCP_SYN);
		if (r == -EAGAIN || r == -ENOBUFS)
			return 1; /* the same port again next tick */
		if (r < 0) {
			fprintf(stderr, "synprobe: %s port %u: send: %s\n", sp->host, pp->port,
				strerror(-r));
			sp->error = 1;
			nh_loop_stop(loop);
			sp->timer = NULL;
			return NH_TIMER_STOP;
		}
		pp->tries++;
		pp->sent_us = nh_now_us();
		sp->sent++;
		sp->last_send_us = now;
		k++;
	}
	if (sp->cursor < sp->n)
		return 1;
	/* The round is out: wait for answers, then retry the silent ports. */
	int64_t wait_ms = sp->timeout_ms - (nh_now_us() - sp->last_send_us) / 1000;
	if (wait_ms > 0)
		return wait_ms;
	if (sp->try_no > sp->retries) {
		nh_loop_stop(loop);
		sp->timer = NULL;
		return NH_TIMER_STOP;
	}
	sp->try_no++;
	sp->cursor = 0;
	return 0;
}

static void on_segment(struct synprobe *sp, const struct tcp_segment *s)
{
	/* Answers come from the target to our port, acknowledging our SYN.
	 * Our own SYNs (loopback) and the kernel's RSTs go the other way. */
	if (s->src.s_addr != sp->dst.u.in4.sin_addr.s_addr ||
	    s->dst.s_addr != sp->src.u.in4.sin_addr.s_addr || s->dport != sp->sport)
		return;
	int32_t i = sp->index[s->sport];
	if (i < 0 || !(s->flags & TCP_ACK) || s->ack != sp->iss + 1) {
		sp->strays++;
		return;
	}
	struct port_probe *pp = &sp->ports[i];
	if (pp->state != PORT_FILTERED)
		return; /* a retransmitted SYN/ACK */
	if ((s->flags & (TCP_SYN | TCP_RST)) == TCP_SYN) {
		pp->state = PORT_OPEN;
		/* Tear the half-open connection down at once. */
		send_segment(sp, pp->port, s->ack, TCP_RST);
	} else if (s->flags & TCP_RST) {
		pp->state = PORT_CLOSED;
	} else {
		sp->strays++;
		return;
	}
	pp->rtt_us = nh_now_us() - pp->sent_us;
	if (--sp->left == 0)
		nh_loop_stop(sp->loop);
}

static void synprobe_readable(nh_loop *loop, int fd, int events, void *arg)
{
	struct synprobe *sp = arg;
	uint8_t buf[1600];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) >= 0) {
		struct tcp_segment s;
		if (tcp_segment_parse(buf, (size_t)n, &s) == 0)
			on_segment(sp, &s);
		else
			sp->strays++;
	}
}

/* One port of a PORT argument, the whole argument quoted when it is bad. */
static int parse_port(const nh_ctx *ctx, const char *arg, const char *text, long *port)
{
	if (!*text) {
		nh_cli_usage_error(ctx, "PORT: '%s': an empty port (use 80, 8000-8010 or 22,80,443)",
				   arg);
		return -EINVAL;
	}
	return nh_opt_int(ctx, "PORT", text, 1, 65535, port);
}

/* "80", "8000-8010", "22,80,443-445" into sp->ports. 0, or -EINVAL with
 * the usage error printed. */
static int parse_ports(struct synprobe *sp, const char *text)
{
	const char *p = text;

	do {
		size_t n = strcspn(p, ",");
		char piece[32], *dash;
		long lo, hi;
		if (n >= sizeof(piece)) {
			nh_cli_usage_error(sp->ctx, "PORT: '%.*s': not a port or range (A-B)", (int)n, p);
			return -EINVAL;
		}
		memcpy(piece, p, n);
		piece[n] = '\0';
		if ((dash = strchr(piece, '-')))
			*dash = '\0';
		if (parse_port(sp->ctx, text, piece, &lo) < 0 ||
		    (dash && parse_port(sp->ctx, text, dash + 1, &hi) < 0))
			return -EINVAL;
		if (!dash)
			hi = lo;
		if (lo > hi) {
			nh_cli_usage_error(sp->ctx, "PORT: '%ld-%ld': a range goes up (A-B, A <= B)",
					   lo, hi);
			return -EINVAL;
		}
		for (long port = lo; port <= hi; port++) {
			if (sp->index[port] >= 0)
				continue;
			sp->index[port] = sp->n;
			sp->ports[sp->n++] = (struct port_probe){ .port = (uint16_t)port };
		}
		p += n;
	} while (*p++ == ',');
	return 0;
}

/* Our address towards dst, and a port nobody else may take meanwhile. */
static int pick_source(struct synprobe *sp, nh_error *err)
{
	char a[NH_ADDR_STRLEN];
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	socklen_t len = sizeof(sp->src.u.ss);
	nh_addr probe = sp->dst;

	nh_addr_set_port(&probe, 9);
	if (fd < 0 || connect(fd, &probe.u.sa, probe.len) < 0 ||
	    getsockname(fd, &sp->src.u.sa, &len) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return nh_error_set(err, e, "%s: no route: %s", nh_addr_format(&sp->dst, 0, a, sizeof(a)),
				    strerror(e));
	}
	close(fd);
	sp->src.len = len;
	nh_addr_set_port(&sp->src, 0);
	sp->hold_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	len = sizeof(probe.u.ss);
	if (sp->hold_fd < 0 || bind(sp->hold_fd, &sp->src.u.sa, sp->src.len) < 0 ||
	    getsockname(sp->hold_fd, &probe.u.sa, &len) < 0)
		return nh_error_set(err, errno, "%s: bind: %s",
				    nh_addr_format(&sp->src, 0, a, sizeof(a)), strerror(errno));
	sp->sport = (uint16_t)nh_addr_port(&probe);
	return 0;
}

/* A raw TCP socket gets a copy of every TCP segment the host receives: on
 * a busy machine its buffer fills with other connections' data and the
 * answers we wait for are dropped. The kernel keeps only segments from the
 * target to our port (unfragmented or first fragments). */
static int attach_filter(struct synprobe *sp)
{
	uint32_t from = ntohl(sp->dst.u.in4.sin_addr.s_addr);
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 12),             /* source address */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, from, 0, 6),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6),              /* fragment offset */
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 4, 0),
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),             /* X = IP header length */
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),              /* TCP destination port */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, sp->sport, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { .len = sizeof(code) / sizeof(code[0]), .filter = code };

	if (setsockopt(sp->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
		return -errno;
	/* What arrived before the filter is read and sorted out by hand. */
	return 0;
}

static int synprobe_open(struct synprobe *sp, nh_error *err)
{
	int one = 1;

	if (nh_resolve(sp->host, 0, AF_INET, SOCK_RAW, &sp->dst, 1, err) < 0)
		return -EINVAL;
	if (pick_source(sp, err) < 0)
		return -EINVAL;
	sp->fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (sp->fd < 0)
		return nh_error_set(err, errno, "raw TCP socket: %s (synprobe needs root or CAP_NET_RAW)",
				    strerror(errno));
	if (setsockopt(sp->fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) < 0)
		return nh_error_set(err, errno, "IP_HDRINCL: %s", strerror(errno));
	int r = attach_filter(sp);
	if (r < 0)
		return nh_error_set(err, -r, "socket filter: %s", strerror(-r));
	if (getrandom(&sp->iss, sizeof(sp->iss), GRND_NONBLOCK) != sizeof(sp->iss))
		sp->iss = (uint32_t)nh_now_us();
	return 0;
}

static void print_result(struct synprobe *sp)
{
	char a[NH_ADDR_STRLEN];
	int count[3] = { 0, 0, 0 };
	struct json_object *o = NULL, *ports = NULL;

	nh_addr_format(&sp->dst, 0, a, sizeof(a));
	if (sp->json) {
		o = json_object_new_object();
		ports = json_object_new_array();
		nh_json_add_str(o, "host", sp->host);
		nh_json_add_str(o, "address", a);
	}
	for (int i = 0; i < sp->n; i++) {
		struct port_probe *pp = &sp->ports[i];
		count[pp->state]++;
		if (sp->json) {
			struct json_object *p = json_object_new_object();
			nh_json_add_int(p, "port", pp->port);
			nh_json_add_str(p, "state", state_name(pp->state));
			if (pp->state != PORT_FILTERED)
				icmp_json_add_ms(p, "rtt_ms", pp->rtt_us);
			json_object_array_add(ports, p);
		} else if (pp->state == PORT_FILTERED) {
			printf("%s %u/tcp filtered\n", a, pp->port);
		} else {
			printf("%s %u/tcp %s (%.3f ms)\n", a, pp->port, state_name(pp->state),
			       (double)pp->rtt_us / 1000.0);
		}
	}
	if (sp->json) {
		json_object_object_add(o, "ports", ports);
		nh_json_add_int(o, "open", count[PORT_OPEN]);
		nh_json_add_int(o, "closed", count[PORT_CLOSED]);
		nh_json_add_int(o, "filtered", count[PORT_FILTERED]);
		nh_json_add_int(o, "probes", (int64_t)sp->sent);
		nh_json_print(stdout, o);
		return;
	}
	printf("--- %d ports: %d open, %d closed, %d filtered (%llu SYNs, %.3f s)\n", sp->n,
	       count[PORT_OPEN], count[PORT_CLOSED], count[PORT_FILTERED],
	       (unsigned long long)sp->sent, (double)(nh_now_us() - sp->start_us) / 1e6);
}

int synprobe_cmd(nh_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "retries", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct synprobe sp = { .ctx = ctx, .loop = nh_ctx_loop(ctx), .fd = -1, .hold_fd = -1,
			       .timeout_ms = 1000, .retries = 1, .try_no = 1 };
	nh_error err;
	int c, code = NH_EXIT_USAGE;

	while ((c = getopt_long(argc, argv, "t:r:j", opts, NULL)) != -1) {
		int bad = 0;
		switch (c) {
		case 't':
			bad = nh_opt_duration_ms(ctx, "--timeout", optarg, 1, ICMP_MAX_DURATION_MS,
						 &sp.timeout_ms);
			break;
		case 'r': bad = nh_opt_int(ctx, "--retries", optarg, 0, 10, &sp.retries); break;
		case 'j': sp.json = 1; break;
		default: return nh_cli_usage_error(ctx, "unknown option");
		}
		if (bad)
			return NH_EXIT_USAGE; /* the parser said why */
	}
	if (argc - optind < 2)
		return nh_cli_usage_error(ctx, optind >= argc ? "no HOST given" : "no PORT given");
	sp.host = argv[optind];
	sp.ports = calloc(65536, sizeof(*sp.ports));
	sp.index = malloc(65536 * sizeof(*sp.index));
	if (!sp.ports || !sp.index) {
		fprintf(stderr, "synprobe: out of memory\n");
		goto out;
	}
	memset(sp.index, 0xff, 65536 * sizeof(*sp.index));
	for (int i = optind + 1; i < argc; i++)
		if (parse_ports(&sp, argv[i]) < 0)
			goto out; /* code is NH_EXIT_USAGE */
	if (synprobe_open(&sp, &err) < 0) {
		fprintf(stderr, "synprobe: %s\n", err.msg);
		goto out;
	}
	sp.left = sp.n;
	sp.io = nh_io_add(sp.loop, sp.fd, NH_READ, synprobe_readable, &sp);
	sp.timer = nh_timer_add(sp.loop, 0, synprobe_tick, &sp);
	if (!sp.io || !sp.timer) {
		fprintf(stderr, "synprobe: %s\n", strerror(errno));
		goto out;
	}
	sp.start_us = nh_now_us();
	if (nh_loop_run(sp.loop) < 0 || sp.error)
		goto out;
	print_result(&sp);
	code = NH_EXIT_FAIL;
	for (int i = 0; i < sp.n; i++)
		if (sp.ports[i].state == PORT_OPEN)
			code = NH_EXIT_OK;
out:
	nh_io_del(sp.io);
	nh_timer_del(sp.timer);
	if (sp.fd >= 0)
		close(sp.fd);
	if (sp.hold_fd >= 0)
		close(sp.hold_fd);
	free(sp.ports);
	free(sp.index);
	return code;
}
