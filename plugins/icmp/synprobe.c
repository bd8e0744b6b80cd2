/* nethost synprobe: half-open TCP probes from a raw IPv4 socket with
 * IP_HDRINCL (we write the IP and TCP headers) or a raw IPv6 TCP socket
 * (we write the TCP header, the kernel the IPv6 one): tcp_packet.c. We
 * read the TCP segments the host receives, and keep those that answer our SYNs:
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

/* SYNs a second by default: loopback and LANs take it. */
#define SYN_RATE_DEFAULT 64000
#define SYN_RATE_MAX 1000000
/* Most SYNs sent at once after the loop was late: 2 ms worth (more, and
 * the answers overflow the raw socket's receive buffer on loopback). */
#define SYN_BURST_MS 2

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
	long rate;            /* SYNs a second */
	int64_t pace_start_us; /* this round's first SYN */
	int64_t paced;        /* SYNs sent since then */
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

static int is_ipv6(const struct synprobe *sp)
{
	return sp->dst.u.sa.sa_family == AF_INET6;
}

static int send_segment(struct synprobe *sp, uint16_t dport, uint32_t seq, uint8_t flags)
{
	struct tcp_segment s = {
		.sport = sp->sport, .dport = dport, .seq = seq, .flags = flags,
		.window = 1024, .ttl = 64,
	};
	uint8_t pkt[TCP_PROBE_MAX_LEN];
	nh_addr to = sp->dst;
	size_t len;

	if (is_ipv6(sp)) {
		len = tcp6_segment_build(&s, &sp->src.u.in6.sin6_addr, &sp->dst.u.in6.sin6_addr,
					 pkt, sizeof(pkt));
	} else {
		s.src = sp->src.u.in4.sin_addr;
		s.dst = sp->dst.u.in4.sin_addr;
		getrandom(&s.ip_id, sizeof(s.ip_id), GRND_NONBLOCK);
		len = tcp_segment_build(&s, pkt, sizeof(pkt));
	}
	/* The port of the address is meaningless to a raw socket, and
	 * Linux insists it be 0 for IPPROTO_RAW-like sends. */
	nh_addr_set_port(&to, 0);
	if (sendto(sp->fd, pkt, len, 0, &to.u.sa, to.len) < 0)
		return -errno;
	return 0;
}

/* How many SYNs --rate allows now: those due since the round began,
 * less those sent, at most a burst (a late loop does not flood). */
static int64_t syns_due(const struct synprobe *sp, int64_t now)
{
	int64_t due = (now - sp->pace_start_us) * sp->rate / 1000000 + 1 - sp->paced;
	int64_t burst = sp->rate * SYN_BURST_MS / 1000 + 1;

	return due < burst ? due : burst;
}

/* Milliseconds until the next SYN is due (at least the loop's 1 ms). */
static int64_t next_syn_ms(const struct synprobe *sp, int64_t now)
{
	int64_t at = sp->pace_start_us + sp->paced * 1000000 / sp->rate;
	int64_t ms = (at - now + 999) / 1000;

	return ms > 1 ? ms : 1;
}

static int64_t synprobe_tick(nh_loop *loop, void *arg)
{
	struct synprobe *sp = arg;
	int64_t now = nh_now_us();

	if (sp->cursor == 0 && sp->paced == 0)
		sp->pace_start_us = now;
	for (int64_t k = 0, due = syns_due(sp, now); k < due && sp->cursor < sp->n; sp->cursor++) {
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
		sp->paced++;
		sp->last_send_us = now;
		k++;
	}
	if (sp->cursor < sp->n)
		return next_syn_ms(sp, now);
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
	sp->paced = 0;
	return 0;
}

/* A segment from the target to our address (the caller checked both). */
static void on_segment(struct synprobe *sp, const struct tcp_segment *s)
{
	/* Answers come to our port, acknowledging our SYN. Our own SYNs
	 * (loopback) and the kernel's RSTs go the other way. */
	if (s->dport != sp->sport)
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
		if (tcp_segment_parse(buf, (size_t)n, &s) < 0)
			sp->strays++;
		else if (s.src.s_addr == sp->dst.u.in4.sin_addr.s_addr &&
			 s.dst.s_addr == sp->src.u.in4.sin_addr.s_addr)
			on_segment(sp, &s);
	}
}

/* The raw IPv6 socket reads TCP headers alone; it is bound to our address,
 * so only segments to it arrive, and recvfrom says who sent them. */
static void synprobe_readable6(nh_loop *loop, int fd, int events, void *arg)
{
	struct synprobe *sp = arg;
	uint8_t buf[1600];
	struct sockaddr_in6 from;
	socklen_t len = sizeof(from);
	ssize_t n;

	while ((n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from,
			     &len)) >= 0) {
		struct tcp_segment s;
		if (tcp6_segment_parse(buf, (size_t)n, &s) < 0)
			sp->strays++;
		else if (len >= sizeof(from) && IN6_ARE_ADDR_EQUAL(&from.sin6_addr,
								     &sp->dst.u.in6.sin6_addr))
			on_segment(sp, &s);
		len = sizeof(from);
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
	int family = sp->dst.u.sa.sa_family;
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
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
	sp->hold_fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
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
	/* A raw IPv6 socket's filter sees the TCP header at offset 0; the
	 * source address is checked after recvfrom. */
	struct sock_filter code6[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 2),              /* TCP destination port */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, sp->sport, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};

	if (is_ipv6(sp)) {
		prog.len = sizeof(code6) / sizeof(code6[0]);
		prog.filter = code6;
	}
	if (setsockopt(sp->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
		return -errno;
	/* What arrived before the filter is read and sorted out by hand. */
	return 0;
}

static int synprobe_open(struct synprobe *sp, nh_error *err)
{
	char a[NH_ADDR_STRLEN];
	int one = 1;

	/* SOCK_STREAM: getaddrinfo refuses a service with SOCK_RAW, and only
	 * the address is wanted. A name gives its first address. */
	if (nh_resolve(sp->host, 0, AF_UNSPEC, SOCK_STREAM, &sp->dst, 1, err) < 0)
		return -EINVAL;
	/* A raw IPv6 socket cannot reach IPv4 through a mapped address. */
	if (is_ipv6(sp) && IN6_IS_ADDR_V4MAPPED(&sp->dst.u.in6.sin6_addr))
		return nh_error_set(err, EINVAL, "'%s': an IPv4-mapped address: give the IPv4 address",
				    sp->host);
	if (pick_source(sp, err) < 0)
		return -EINVAL;
	sp->fd = socket(sp->dst.u.sa.sa_family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			IPPROTO_TCP);
	if (sp->fd < 0)
		return nh_error_set(err, errno, "raw TCP socket: %s (synprobe needs root or CAP_NET_RAW)",
				    strerror(errno));
	/* IPv6: the kernel writes the header but must use the source our
	 * checksum covers; binding also keeps segments to other addresses out. */
	if (is_ipv6(sp) && bind(sp->fd, &sp->src.u.sa, sp->src.len) < 0)
		return nh_error_set(err, errno, "raw TCP socket: bind %s: %s",
				    nh_addr_format(&sp->src, 0, a, sizeof(a)), strerror(errno));
	if (!is_ipv6(sp) && setsockopt(sp->fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) < 0)
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
		{ "rate", required_argument, NULL, 'R' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct synprobe sp = { .ctx = ctx, .loop = nh_ctx_loop(ctx), .fd = -1, .hold_fd = -1,
			       .timeout_ms = 1000, .retries = 1, .try_no = 1,
			       .rate = SYN_RATE_DEFAULT };
	nh_error err;
	int c, code = NH_EXIT_USAGE;

	while ((c = getopt_long(argc, argv, "t:r:R:j", opts, NULL)) != -1) {
		int bad = 0;
		switch (c) {
		case 't':
			bad = nh_opt_duration_ms(ctx, "--timeout", optarg, 1, ICMP_MAX_DURATION_MS,
						 &sp.timeout_ms);
			break;
		case 'r': bad = nh_opt_int(ctx, "--retries", optarg, 0, 10, &sp.retries); break;
		case 'R':
			bad = nh_opt_int(ctx, "--rate", optarg, 1, SYN_RATE_MAX, &sp.rate);
			break;
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
	sp.io = nh_io_add(sp.loop, sp.fd, NH_READ,
			  is_ipv6(&sp) ? synprobe_readable6 : synprobe_readable, &sp);
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
