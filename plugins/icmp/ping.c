/* nethost ping: ICMP echo to one host, iputils-style output and exit codes.
 *
 * Every sent sequence number remembers its send time; a reply counts once
 * (later copies are duplicates), and anything that matches no probe of
 * ours is a stray. Times are the kernel's receive stamp minus the clock
 * read just before send(), as iputils does.
 *
 * Waiting for the next probe is iputils' too: when it is due within 10 ms
 * and no answer is awaited, ping spins (yielding) instead of sleeping. A
 * CPU that went idle runs the kernel's send and loopback path slower and
 * more unevenly (measured: mdev 10 us against 2 us on loopback at -i 2ms),
 * so sleeping there would time a colder machine than iputils does. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netdb.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/time.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "icmp.h"

#define SEQ_SLOTS 65536
/* iputils spins when the next probe is due this soon (its 1000 / HZ). */
#define SPIN_US 10000

struct ping {
	nh_ctx *ctx;
	nh_loop *loop;
	struct icmp_sock sock;
	nh_addr dst;
	char dst_text[NH_ADDR_STRLEN];
	const char *host;
	int have_src;
	nh_addr src;       /* our source: -I ADDR, or the route's (IPv6, -I IFACE) */
	const char *iface; /* -I IFACE */
	const char *src_arg; /* -I ADDR as given */

	long count;        /* 0: until interrupted */
	long preload;      /* -l: probes the first tick sends at once (1) */
	int pipe;          /* most probes out at once, seen from the replies */
	int64_t interval_ms, timeout_ms;
	size_t size;
	int quiet;
	uint8_t pattern[16]; /* -p: the payload's fill */
	size_t pattern_len;  /* 0: iputils' default fill */
	int ttl;           /* -1: the system's */
	int tos;           /* -1: the system's */
	long mark;         /* -1: none */
	int pmtudisc;      /* -M: IP_PMTUDISC_*, -1: the system's */
	int64_t deadline_ms; /* -w; 0: none */
	int timestamps;    /* -D */
	int outstanding;   /* -O */
	int adaptive;      /* -A: the interval follows the round-trip time */
	int flood;         /* -f: '.' per probe, a backspace per reply */
	int interval_given; /* -i */
	int64_t ewma_x8;   /* iputils' smoothed RTT: microseconds times 8 */
	int json;          /* --json: NDJSON records instead of text */
	int names;         /* reverse names shown: HOST was a name and no -n */
	char dst_shown[NI_MAXHOST + NH_ADDR_STRLEN + 4]; /* dst as reply lines show it */

	uint8_t *payload, *pkt, *rxbuf;
	int64_t *sent_ns;  /* per sequence number: CLOCK_REALTIME of the send, 0 never */
	uint8_t *seen;     /* per sequence number: replies counted */
	uint8_t *failed;   /* per sequence number: an error came about it */
	uint16_t next_seq;
	uint16_t acked;    /* newest sequence number answered or failed: iputils' "acked" */

	uint64_t tried;    /* sends attempted: the count -c limits */
	uint64_t transmitted, received, dups, errors, strays, malformed;
	double tmin, tmax, tsum, tsum2; /* microseconds */
	int64_t start_us, last_send_us;
	int64_t due_us;    /* when the next probe goes */

	nh_timer *timer, *deadline;
	nh_io *io;
	nh_signal *sigint, *sigterm;
	int done;
};

static int64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void ping_finish(struct ping *p)
{
	if (p->done)
		return;
	p->done = 1;
	nh_loop_stop(p->loop);
}

/* Every probe sent and every one that went out answered: no reason to
 * linger (a send that failed has no answer to wait for). Under a deadline
 * -c counts answers instead, as in iputils: probes go on until COUNT
 * answers or errors came, or the deadline. */
static int all_answered(const struct ping *p)
{
	if (p->deadline_ms)
		return p->count && p->received + p->errors >= (uint64_t)p->count;
	return p->count && p->tried >= (uint64_t)p->count &&
	       p->received + p->errors >= p->transmitted;
}

/* -c probes all went out (under -w, -c counts answers: never). */
static int all_sent(const struct ping *p)
{
	return !p->deadline_ms && p->count && p->tried >= (uint64_t)p->count;
}

/* Probes that went out after the newest one answered (replies and errors
 * alike), as iputils counts them. */
static int in_flight(const struct ping *p)
{
	return (uint16_t)((uint16_t)(p->next_seq - 1) - p->acked) != 0;
}

/* -D: the wall clock before a line, as iputils prints it. */
static void print_stamp(const struct ping *p)
{
	struct timeval tv;

	if (!p->timestamps)
		return;
	gettimeofday(&tv, NULL);
	printf("[%lu.%06lu] ", (unsigned long)tv.tv_sec, (unsigned long)tv.tv_usec);
}

/* --json: a record of TYPE about HOST (seq < 0: about no one probe),
 * with -D's wall clock as "timestamp". */
static struct json_object *json_record(const struct ping *p, const char *type, long seq)
{
	struct json_object *o = json_object_new_object();
	struct timeval tv;

	nh_json_add_str(o, "type", type);
	nh_json_add_str(o, "host", p->host);
	nh_json_add_str(o, "address", p->dst_text);
	if (seq >= 0)
		nh_json_add_int(o, "seq", seq);
	if (p->timestamps) {
		char text[32];
		/* -D's digits exactly, not a double's rounding. */
		gettimeofday(&tv, NULL);
		snprintf(text, sizeof(text), "%lu.%06lu", (unsigned long)tv.tv_sec,
			 (unsigned long)tv.tv_usec);
		json_object_object_add(o, "timestamp", json_object_new_double_s(
								   (double)tv.tv_sec + (double)tv.tv_usec / 1e6, text));
	}
	return o;
}

/* --json: an error record, unless -q. */
static void json_error(const struct ping *p, long seq, const char *from, const char *text)
{
	if (p->quiet)
		return;
	struct json_object *o = json_record(p, "error", seq);
	if (from)
		nh_json_add_str(o, "from", from);
	nh_json_add_str(o, "error", text);
	nh_json_print(stdout, o);
}

/* An address as iputils shows it: "name (address)" when HOST was a name
 * and -n is not given (the address twice if it has no name), else the
 * address alone. */
static const char *peer_text(const struct ping *p, const nh_addr *a, char *buf, size_t len)
{
	char host[NI_MAXHOST], num[NH_ADDR_STRLEN];

	nh_addr_format(a, 0, num, sizeof(num));
	if (p->names && getnameinfo(&a->u.sa, a->len, host, sizeof(host), NULL, 0, 0) == 0)
		snprintf(buf, len, "%s (%s)", host, num);
	else
		snprintf(buf, len, "%s", num);
	return buf;
}

/* The MTU of the route to dst, for "message too long": a UDP socket
 * bound and marked as ours reads it once connected. -1 if unknown. */
static int route_mtu(const struct ping *p)
{
	int v6 = p->dst.u.sa.sa_family == AF_INET6, mtu = -1, dont_fragment = IP_PMTUDISC_DO;
	uint32_t mark = (uint32_t)p->mark;
	socklen_t len = sizeof(mtu);
	nh_addr to = p->dst;
	int fd = socket(p->dst.u.sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (p->iface)
		setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, p->iface, (socklen_t)strlen(p->iface) + 1);
	if (p->mark >= 0)
		setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark));
	setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_MTU_DISCOVER : IP_MTU_DISCOVER,
		   &dont_fragment, sizeof(dont_fragment));
	nh_addr_set_port(&to, 9);
	if (connect(fd, &to.u.sa, to.len) < 0 ||
	    getsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_MTU : IP_MTU, &mtu, &len) < 0)
		mtu = -1;
	close(fd);
	return mtu;
}

static void send_one(struct ping *p)
{
	uint16_t seq = p->next_seq++;
	uint16_t prev = (uint16_t)(seq - 1);

	if (p->outstanding && p->transmitted && p->sent_ns[prev] && !p->seen[prev]) {
		print_stamp(p);
		printf("no answer yet for icmp_seq=%u\n", prev);
		fflush(stdout);
	}
	size_t len = icmp_echo_build(p->dst.u.sa.sa_family, p->sock.id, seq, p->payload, p->size,
				     p->pkt, ICMP_HDR_LEN + p->size);

	if (p->dst.u.sa.sa_family == AF_INET6 && p->have_src)
		icmp6_set_checksum(p->pkt, len, &p->src.u.in6.sin6_addr, &p->dst.u.in6.sin6_addr);
	p->seen[seq] = 0;
	p->last_send_us = nh_now_us();
	p->sent_ns[seq] = realtime_ns();
	int r = icmp_sock_send(&p->sock, &p->dst, p->pkt, len);
	p->tried++;
	if (p->flood && !p->quiet && !p->json) {
		fputs(".", stdout);
		fflush(stdout);
	}
	if (r == -EMSGSIZE && p->pmtudisc == IP_PMTUDISC_DO) {
		/* Too big for the path and not to be fragmented: iputils counts
		 * it sent and, unless -q, an error (its "local error"). */
		p->transmitted++;
		if (!p->quiet) {
			char text[64];
			snprintf(text, sizeof(text), "local error: message too long, mtu%s%d",
				 p->dst.u.sa.sa_family == AF_INET ? "=" : ": ", route_mtu(p));
			p->errors++;
			p->failed[seq] = 1;
			fprintf(stderr, "ping: %s\n", text);
			if (p->json)
				json_error(p, seq, NULL, text);
		}
		return;
	}
	if (r < 0) {
		/* Not transmitted: an answer to it would be a stray. */
		p->sent_ns[seq] = 0;
		fprintf(stderr, "ping: %s: icmp_seq=%u: send: %s\n", p->dst_text, seq, strerror(-r));
		if (p->json) {
			char text[128];
			snprintf(text, sizeof(text), "send: %s", strerror(-r));
			json_error(p, seq, NULL, text);
		}
		return;
	}
	p->transmitted++;
}

/* -A: iputils' interval, the smoothed RTT in whole milliseconds; users
 * get no less than the 2 ms -i allows them. */
static int64_t adaptive_interval_ms(const struct ping *p)
{
	int64_t ms = p->ewma_x8 ? (p->ewma_x8 / 8 + 500) / 1000 : p->interval_ms;
	int64_t floor = geteuid() == 0 ? 0 : 2;

	return ms < floor ? floor : ms;
}

/* The wait before the next probe when none came back: -A's interval
 * (at least 1 ms, so a lost reply does not turn into a send loop), else -i. */
static int64_t next_interval_ms(const struct ping *p)
{
	if (p->adaptive) {
		int64_t ms = adaptive_interval_ms(p);
		return ms < 1 ? 1 : ms;
	}
	return p->interval_ms;
}

/* The tick's delay until the next probe is due: 0 (run again at once,
 * yielding first) while it is due within SPIN_US and nothing is awaited,
 * as iputils spins; else the wait rounded up, never early. */
static int64_t wait_for_due_ms(const struct ping *p)
{
	int64_t left_us = p->due_us - nh_now_us();

	if (left_us <= 0)
		return 0;
	if (left_us <= SPIN_US && !in_flight(p)) {
		sched_yield();
		return 0;
	}
	return (left_us + 999) / 1000;
}

/* After the last probe: every answer in, done; else, as iputils, twice
 * the longest RTT (at least the interval) once a reply came, -W if none. */
static int64_t linger_ms(const struct ping *p)
{
	if (all_answered(p))
		return 0;
	if (!p->received)
		return p->timeout_ms;
	int64_t ms = ((int64_t)(2 * p->tmax) + 999) / 1000;
	/* -f without -i has iputils' interval 0: its 10 ms is ours alone. */
	int64_t interval_ms = p->flood && !p->interval_given ? 0 : p->interval_ms;
	return ms > interval_ms ? ms : interval_ms;
}

static int64_t ping_tick(nh_loop *loop, void *arg)
{
	struct ping *p = arg;

	if (all_sent(p)) {
		/* The linger after the last probe has run out. */
		ping_finish(p);
		p->timer = NULL;
		return NH_TIMER_STOP;
	}
	if (p->tried && nh_now_us() < p->due_us)
		return wait_for_due_ms(p);
	/* -l: the first tick sends PRELOAD probes back to back. */
	for (long i = 0; i < p->preload && !all_sent(p); i++)
		send_one(p);
	p->preload = 1;
	if (all_sent(p))
		return linger_ms(p);
	p->due_us = p->last_send_us + next_interval_ms(p) * 1000;
	return wait_for_due_ms(p);
}

/* An answer (reply or error) to probe seq. Once nothing is awaited, as in
 * iputils: -f sends the next probe now, -A once its interval since the
 * last send has passed, and a probe due within SPIN_US is spun for. */
static void probe_answered(struct ping *p, uint16_t seq)
{
	if ((int16_t)(seq - p->acked) > 0)
		p->acked = seq;
	if (in_flight(p) || all_sent(p) || !p->timer)
		return;
	int64_t now = nh_now_us();
	if (p->flood)
		p->due_us = now;
	else if (p->adaptive)
		p->due_us = p->last_send_us + adaptive_interval_ms(p) * 1000;
	else if (p->due_us - now > SPIN_US)
		return; /* the timer is set for it already */
	nh_timer_reset(p->timer, 0);
}

static int64_t ping_deadline(nh_loop *loop, void *arg)
{
	struct ping *p = arg;

	p->deadline = NULL;
	ping_finish(p);
	return NH_TIMER_STOP;
}

static void print_time(double us)
{
	double ms = us / 1000.0;

	if (ms >= 100)
		printf("time=%.0f ms", ms);
	else if (ms >= 10)
		printf("time=%.1f ms", ms);
	else if (ms >= 1)
		printf("time=%.2f ms", ms);
	else
		printf("time=%.3f ms", ms);
}

/* Our host answered: same family and address (ports, scope and flow
 * labels say nothing here). */
static int from_dst(const struct ping *p, const nh_addr *from)
{
	int family = p->dst.u.sa.sa_family;

	return from->u.sa.sa_family == family &&
	       memcmp(icmp_addr_bytes(from), icmp_addr_bytes(&p->dst), family == AF_INET ? 4 : 16) == 0;
}

static void on_reply(struct ping *p, const struct icmp_rx *rx)
{
	const struct icmp_msg *m = &rx->msg;

	if (m->id != p->sock.id || !from_dst(p, &rx->from) || !p->sent_ns[m->seq]) {
		p->strays++;
		return;
	}
	int dup = p->seen[m->seq]++ > 0;
	/* iputils' "pipe": probes sent up to this reply's one, itself included. */
	uint16_t out = (uint16_t)((uint16_t)(p->next_seq - 1) - m->seq);
	if (out <= 0x7fff && out + 1 > p->pipe)
		p->pipe = out + 1;
	int64_t stamp = rx->stamp_ns ? rx->stamp_ns : realtime_ns();
	double us = (double)(stamp - p->sent_ns[m->seq]) / 1000.0;
	if (us < 0)
		us = 0; /* the wall clock stepped back between send and receive */
	if (dup) {
		p->dups++;
	} else {
		p->received++;
		if (p->received == 1 || us < p->tmin)
			p->tmin = us;
		if (us > p->tmax)
			p->tmax = us;
		p->tsum += us;
		p->tsum2 += us * us;
		if (p->ewma_x8)
			p->ewma_x8 += (int64_t)us - p->ewma_x8 / 8;
		else
			p->ewma_x8 = (int64_t)us * 8;
		probe_answered(p, m->seq);
	}
	if (p->quiet)
		return;
	if (p->json) {
		struct json_object *o = json_record(p, "reply", m->seq);
		nh_json_add_int(o, "bytes", (int64_t)rx->len);
		if (rx->ttl >= 0)
			nh_json_add_int(o, "ttl", rx->ttl);
		icmp_json_add_ms(o, "rtt_ms", (int64_t)us);
		nh_json_add_bool(o, "dup", dup);
		nh_json_print(stdout, o);
		return;
	}
	if (p->flood) {
		fputs("\b \b", stdout);
		fflush(stdout);
		return;
	}
	print_stamp(p);
	printf("%zu bytes from %s: icmp_seq=%u", rx->len, p->dst_shown, m->seq);
	if (rx->ttl >= 0)
		printf(" ttl=%d", rx->ttl);
	printf(" ");
	print_time(us);
	printf("%s\n", dup ? " (DUP!)" : "");
	fflush(stdout);
}

static void on_error(struct ping *p, const struct icmp_rx *rx)
{
	const struct icmp_msg *m = &rx->msg;
	char from[sizeof(p->dst_shown)];
	int n = p->dst.u.sa.sa_family == AF_INET ? 4 : 16;

	if (m->id != p->sock.id || m->orig_family != p->dst.u.sa.sa_family ||
	    memcmp(m->orig_dst, icmp_addr_bytes(&p->dst), (size_t)n) != 0 || !p->sent_ns[m->seq]) {
		p->strays++;
		return;
	}
	p->errors++;
	p->failed[m->seq] = 1;
	probe_answered(p, m->seq);
	if (p->quiet)
		return;
	if (p->json) {
		char addr[NH_ADDR_STRLEN];
		json_error(p, m->seq, nh_addr_format(&rx->from, 0, addr, sizeof(addr)),
			   icmp_error_text(p->dst.u.sa.sa_family, m->type, m->code));
		return;
	}
	if (p->flood) {
		fputs("\bE", stdout);
		fflush(stdout);
		return;
	}
	print_stamp(p);
	printf("From %s icmp_seq=%u %s\n", peer_text(p, &rx->from, from, sizeof(from)), m->seq,
	       icmp_error_text(p->dst.u.sa.sa_family, m->type, m->code));
	fflush(stdout);
}

static void ping_readable(nh_loop *loop, int fd, int events, void *arg)
{
	struct ping *p = arg;
	struct icmp_rx rx;
	int r;

	while ((r = icmp_sock_recv(&p->sock, p->rxbuf, ICMP_MAX_LEN + 60, &rx)) != -EAGAIN) {
		if (r < 0) {
			/* A datagram socket reports ICMP errors as socket errors. */
			p->errors++;
			if (p->json) {
				json_error(p, -1, NULL, strerror(-r));
			} else if (!p->quiet) {
				print_stamp(p);
				printf("From %s: %s\n", p->dst_text, strerror(-r));
			}
			continue;
		}
		switch (rx.msg.kind) {
		case ICMP_ECHO_REPLY: on_reply(p, &rx); break;
		case ICMP_ERROR: on_error(p, &rx); break;
		case ICMP_OTHER: p->strays++; break;
		default: p->malformed++; break;
		}
	}
	/* Under a deadline iputils stops at the first error too. */
	if (all_answered(p) || (p->deadline_ms && p->errors))
		ping_finish(p);
}

static void ping_signal(nh_loop *loop, int signo, void *arg)
{
	ping_finish(arg);
}

/* --json at the end: a timeout record per probe sent that got neither an
 * answer nor an error (unless -q), then the summary record. */
static void print_json_end(const struct ping *p)
{
	int64_t elapsed_us = nh_now_us() - p->start_us;

	for (uint16_t seq = 1; !p->quiet && seq != p->next_seq; seq++)
		if (p->sent_ns[seq] && !p->seen[seq] && !p->failed[seq])
			nh_json_print(stdout, json_record(p, "timeout", seq));
	struct json_object *o = json_record(p, "summary", -1);
	nh_json_add_int(o, "xmt", (int64_t)p->transmitted);
	nh_json_add_int(o, "rcv", (int64_t)p->received);
	nh_json_add_int(o, "loss_percentage",
			p->transmitted ? (int64_t)((p->transmitted - (p->received < p->transmitted ? p->received : p->transmitted)) *
						   100 / p->transmitted)
				       : 0);
	nh_json_add_int(o, "duplicates", (int64_t)p->dups);
	nh_json_add_int(o, "errors", (int64_t)p->errors);
	nh_json_add_int(o, "strays", (int64_t)p->strays);
	nh_json_add_int(o, "malformed", (int64_t)p->malformed);
	icmp_json_add_ms(o, "elapsed_ms", elapsed_us);
	if (p->received) {
		double n = (double)p->received, avg = p->tsum / n, var = p->tsum2 / n - avg * avg;
		icmp_json_add_ms(o, "min", (int64_t)p->tmin);
		icmp_json_add_ms(o, "avg", (int64_t)avg);
		icmp_json_add_ms(o, "max", (int64_t)p->tmax);
		icmp_json_add_ms(o, "mdev", (int64_t)(var > 0 ? sqrt(var) : 0));
	}
	if (p->pipe > 1)
		nh_json_add_int(o, "pipe", p->pipe);
	nh_json_print(stdout, o);
	fflush(stdout);
}

static void print_summary(const struct ping *p)
{
	/* iputils' "time": from the start to the last probe, the wait for
	 * its answer left out. */
	int64_t span_us = p->tried ? p->last_send_us - p->start_us : 0;

	printf("\n--- %s ping statistics ---\n", p->host);
	printf("%llu packets transmitted, %llu received", (unsigned long long)p->transmitted,
	       (unsigned long long)p->received);
	if (p->dups)
		printf(", +%llu duplicates", (unsigned long long)p->dups);
	if (p->errors)
		printf(", +%llu errors", (unsigned long long)p->errors);
	if (p->transmitted)
		printf(", %g%% packet loss",
		       (double)(p->transmitted - (p->received < p->transmitted ? p->received : p->transmitted)) *
			       100.0 / (double)p->transmitted);
	printf(", time %lldms\n", (long long)((span_us + 500) / 1000));
	if (p->strays || p->malformed)
		printf("%llu stray and %llu malformed packets ignored\n",
		       (unsigned long long)p->strays, (unsigned long long)p->malformed);
	if (p->received) {
		double n = (double)p->received, avg = p->tsum / n;
		double var = p->tsum2 / n - avg * avg;
		printf("rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms", p->tmin / 1000, avg / 1000,
		       p->tmax / 1000, (var > 0 ? sqrt(var) : 0) / 1000);
	}
	if (p->pipe > 1)
		printf(", pipe %d", p->pipe);
	/* iputils: -f and -A add the mean gap between probes and the smoothed RTT. */
	if ((p->flood || p->adaptive) && p->transmitted > 1 && p->received) {
		int64_t ipg_us = span_us / (int64_t)(p->transmitted - 1);
		printf(", ipg/ewma %d.%03d/%d.%03d ms", (int)(ipg_us / 1000), (int)(ipg_us % 1000),
		       (int)(p->ewma_x8 / 8000), (int)(p->ewma_x8 / 8 % 1000));
	}
	/* iputils' rtt line ends here: with no reply, its newline is alone. */
	printf("\n");
	fflush(stdout);
}

/* The ICMPv6 checksum covers our source address, and -I IFACE shows it:
 * ask the routing table through a UDP socket bound as the ICMP one is.
 * The ICMP socket itself stays unconnected, or the kernel would hide the
 * errors that routers on the way send about it. 0 or -errno. */
static int ping_source(struct ping *p)
{
	socklen_t len = sizeof(p->src.u.ss);
	uint32_t mark = (uint32_t)p->mark;
	int fd = socket(p->dst.u.sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;

	if (fd < 0)
		return -errno;
	if (p->iface)
		setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, p->iface, (socklen_t)strlen(p->iface) + 1);
	if (p->mark >= 0)
		setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark));
	nh_addr_set_port(&p->dst, 9);
	if (connect(fd, &p->dst.u.sa, p->dst.len) == 0 && getsockname(fd, &p->src.u.sa, &len) == 0) {
		p->src.len = len;
		nh_addr_set_port(&p->src, 0);
		p->have_src = 1;
	} else {
		r = -errno;
	}
	nh_addr_set_port(&p->dst, 0);
	close(fd);
	return r;
}

/* -t, -Q, -m and -I IFACE on the open socket; 0, or prints why and returns -1. */
static int ping_socket_options(struct ping *p)
{
	int r;

	if (p->ttl >= 0 && (r = icmp_sock_set_ttl(&p->sock, p->ttl)) < 0) {
		fprintf(stderr, "ping: -t %d: %s\n", p->ttl, strerror(-r));
		return -1;
	}
	if (p->tos >= 0 && (r = icmp_sock_set_tos(&p->sock, p->tos)) < 0) {
		fprintf(stderr, "ping: -Q %d: %s\n", p->tos, strerror(-r));
		return -1;
	}
	if (p->pmtudisc >= 0 && (r = icmp_sock_set_pmtudisc(&p->sock, p->pmtudisc)) < 0) {
		fprintf(stderr, "ping: -M: %s\n", strerror(-r));
		return -1;
	}
	if (p->mark >= 0 && (r = icmp_sock_set_mark(&p->sock, (uint32_t)p->mark)) < 0) {
		fprintf(stderr, "ping: -m %ld: %s\n", p->mark, strerror(-r));
		return -1;
	}
	if (p->iface && (r = icmp_sock_bind_device(&p->sock, p->iface)) < 0) {
		fprintf(stderr, "ping: -I %s: %s\n", p->iface, strerror(-r));
		return -1;
	}
	return 0;
}

static int ping_setup(struct ping *p, int family, enum icmp_sock_kind kind)
{
	nh_error err;

	if (nh_resolve(p->host, 0, family, SOCK_DGRAM, &p->dst, 1, &err) < 0) {
		fprintf(stderr, "ping: %s\n", err.msg);
		return NH_EXIT_USAGE;
	}
	nh_addr_set_port(&p->dst, 0);
	nh_addr_format(&p->dst, 0, p->dst_text, sizeof(p->dst_text));
	if (p->have_src && p->src.u.sa.sa_family != p->dst.u.sa.sa_family) {
		char text[NH_ADDR_STRLEN];
		fprintf(stderr, "ping: -I %s: not an address of %s's family\n",
			nh_addr_format(&p->src, 0, text, sizeof(text)), p->dst_text);
		return NH_EXIT_USAGE;
	}
	if (icmp_sock_open_from(&p->sock, p->dst.u.sa.sa_family, kind, p->have_src ? &p->src : NULL,
				&err) < 0) {
		if (p->have_src)
			fprintf(stderr, "ping: -I %s: %s\n", p->src_arg, err.msg);
		else
			fprintf(stderr, "ping: %s\n", err.msg);
		return NH_EXIT_USAGE;
	}
	nh_debug(p->ctx, "%s socket, echo id %u", icmp_sock_kind_name(p->sock.kind), p->sock.id);
	if (ping_socket_options(p) < 0)
		return NH_EXIT_USAGE;
	peer_text(p, &p->dst, p->dst_shown, sizeof(p->dst_shown));
	if (!p->have_src && (p->iface || p->dst.u.sa.sa_family == AF_INET6)) {
		int r = ping_source(p);
		if (r < 0 && p->iface) {
			fprintf(stderr, "ping: -I %s: no route to %s: %s\n", p->iface, p->dst_text,
				strerror(-r));
			return NH_EXIT_USAGE;
		}
	}
	p->payload = malloc(p->size + 1);
	p->pkt = malloc(p->size + ICMP_HDR_LEN);
	p->rxbuf = malloc(ICMP_MAX_LEN + 60);
	p->sent_ns = calloc(SEQ_SLOTS, sizeof(*p->sent_ns));
	p->seen = calloc(SEQ_SLOTS, 1);
	p->failed = calloc(SEQ_SLOTS, 1);
	if (!p->payload || !p->pkt || !p->rxbuf || !p->sent_ns || !p->seen || !p->failed) {
		fprintf(stderr, "ping: out of memory\n");
		return NH_EXIT_USAGE;
	}
	/* The payload pattern iputils uses, or -p's bytes over and over. */
	for (size_t i = 0; i < p->size; i++)
		p->payload[i] = p->pattern_len ? p->pattern[i % p->pattern_len] : (uint8_t)(i + 8);
	p->io = nh_io_add(p->loop, p->sock.fd, NH_READ, ping_readable, p);
	p->timer = nh_timer_add(p->loop, 0, ping_tick, p);
	p->sigint = nh_signal_add(p->loop, SIGINT, ping_signal, p);
	p->sigterm = nh_signal_add(p->loop, SIGTERM, ping_signal, p);
	if (p->deadline_ms && !(p->deadline = nh_timer_add(p->loop, p->deadline_ms, ping_deadline, p))) {
		fprintf(stderr, "ping: %s\n", strerror(errno));
		return NH_EXIT_USAGE;
	}
	if (!p->io || !p->timer || !p->sigint || !p->sigterm) {
		fprintf(stderr, "ping: %s\n", strerror(errno));
		return NH_EXIT_USAGE;
	}
	return NH_EXIT_OK;
}

static void ping_cleanup(struct ping *p)
{
	nh_io_del(p->io);
	nh_timer_del(p->timer);
	nh_timer_del(p->deadline);
	nh_signal_del(p->sigint);
	nh_signal_del(p->sigterm);
	icmp_sock_close(&p->sock);
	free(p->payload);
	free(p->pkt);
	free(p->rxbuf);
	free(p->sent_ns);
	free(p->seen);
	free(p->failed);
}

/* -p: 1 to 16 bytes as pairs of hex digits ("ff", "deadbeef"). */
static int parse_pattern(const char *text, uint8_t *out, size_t *len)
{
	size_t n = strlen(text);

	if (n == 0 || n % 2 || n > 32 || strspn(text, "0123456789abcdefABCDEF") != n)
		return -EINVAL;
	for (size_t i = 0; i < n / 2; i++) {
		char pair[3] = { text[2 * i], text[2 * i + 1], 0 };
		out[i] = (uint8_t)strtoul(pair, NULL, 16);
	}
	*len = n / 2;
	return 0;
}

int ping_cmd(nh_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'c' },
		{ "interval", required_argument, NULL, 'i' },
		{ "timeout", required_argument, NULL, 'W' },
		{ "size", required_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "socket", required_argument, NULL, 'S' },
		{ "ttl", required_argument, NULL, 't' },
		{ "deadline", required_argument, NULL, 'w' },
		{ "timestamps", no_argument, NULL, 'D' },
		{ "outstanding", no_argument, NULL, 'O' },
		{ "numeric", no_argument, NULL, 'n' },
		{ "tos", required_argument, NULL, 'Q' },
		{ "pattern", required_argument, NULL, 'p' },
		{ "pmtudisc", required_argument, NULL, 'M' },
		{ "preload", required_argument, NULL, 'l' },
		{ "mark", required_argument, NULL, 'm' },
		{ "interface", required_argument, NULL, 'I' },
		{ "adaptive", no_argument, NULL, 'A' },
		{ "flood", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	struct ping p = { .ctx = ctx, .loop = nh_ctx_loop(ctx), .sock.fd = -1, .interval_ms = 1000,
			  .timeout_ms = 10000, .size = 56, .next_seq = 1, .preload = 1, .ttl = -1, .tos = -1, .mark = -1,
			  .pmtudisc = -1 };
	enum icmp_sock_kind kind = ICMP_SOCK_AUTO;
	int family = AF_UNSPEC, numeric = 0, src_option = 0, c;
	uint64_t size = 56;
	long num;
	nh_error err;

	while ((c = getopt_long(argc, argv, "46c:i:W:s:qS:t:w:DOnQ:m:I:p:M:l:Af", opts, NULL)) != -1) {
		switch (c) {
		case '4': family = AF_INET; break;
		case '6': family = AF_INET6; break;
		case 'c':
			if (nh_opt_int(ctx, "-c", optarg, 1, 1000000000, &p.count) < 0)
				return NH_EXIT_USAGE;
			break;
		case 'i':
			/* iputils' floor for users without privileges: 2 ms. */
			if (nh_opt_duration_ms(ctx, "-i", optarg, geteuid() == 0 ? 1 : 2,
					       ICMP_MAX_DURATION_MS, &p.interval_ms) < 0)
				return NH_EXIT_USAGE;
			p.interval_given = 1;
			break;
		case 'W':
			if (nh_opt_duration_ms(ctx, "-W", optarg, 1, ICMP_MAX_DURATION_MS,
					       &p.timeout_ms) < 0)
				return NH_EXIT_USAGE;
			break;
		case 's':
			if (nh_opt_size(ctx, "-s", optarg, 0, ICMP_MAX_PAYLOAD, &size) < 0)
				return NH_EXIT_USAGE;
			break;
		case 'q': p.quiet = 1; break;
		case 't':
			if (nh_opt_int(ctx, "-t", optarg, 0, 255, &num) < 0)
				return NH_EXIT_USAGE;
			p.ttl = (int)num;
			break;
		case 'Q':
			if (nh_opt_int(ctx, "-Q", optarg, 0, 255, &num) < 0)
				return NH_EXIT_USAGE;
			p.tos = (int)num;
			break;
		case 'm':
			if (nh_opt_int(ctx, "-m", optarg, 0, UINT32_MAX, &p.mark) < 0)
				return NH_EXIT_USAGE;
			break;
		case 'I':
			/* An address to send from, else an interface to send through. */
			src_option = 1;
			if (nh_addr_parse(optarg, 0, &p.src, &err) == 0 && nh_addr_port(&p.src) == 0) {
				p.have_src = 1;
				p.src_arg = optarg;
				p.iface = NULL;
			} else if (if_nametoindex(optarg)) {
				p.iface = optarg;
				p.have_src = 0;
			} else {
				return nh_cli_usage_error(ctx, "-I: '%s': no such interface or address",
							  optarg);
			}
			break;
		case 'w':
			if (nh_opt_duration_ms(ctx, "-w", optarg, 1, ICMP_MAX_DURATION_MS,
					       &p.deadline_ms) < 0)
				return NH_EXIT_USAGE;
			break;
		case 'p':
			if (parse_pattern(optarg, p.pattern, &p.pattern_len) < 0)
				return nh_cli_usage_error(ctx, "-p: '%s': give 1 to 16 bytes as pairs of hex digits",
							  optarg);
			break;
		case 'l':
			/* iputils: more than 3 at once is for root only. */
			if (nh_opt_int(ctx, "-l", optarg, 1, geteuid() == 0 ? 65536 : 3, &p.preload) < 0)
				return NH_EXIT_USAGE;
			break;
		case 'M':
			if (strcmp(optarg, "do") == 0)
				p.pmtudisc = IP_PMTUDISC_DO;
			else if (strcmp(optarg, "want") == 0)
				p.pmtudisc = IP_PMTUDISC_WANT;
			else if (strcmp(optarg, "dont") == 0)
				p.pmtudisc = IP_PMTUDISC_DONT;
			else
				return nh_cli_usage_error(ctx, "-M: '%s': use do, want or dont", optarg);
			break;
		case 'D': p.timestamps = 1; break;
		case 'A': p.adaptive = 1; break;
		case 'J': p.json = 1; break;
		case 'f':
			/* iputils' words and exit status for a user. */
			if (geteuid() != 0) {
				fprintf(stderr, "ping: cannot flood; minimal interval allowed for user is 2ms\n");
				return NH_EXIT_USAGE;
			}
			p.flood = 1;
			break;
		case 'O': p.outstanding = 1; break;
		case 'n': numeric = 1; break;
		case 'S':
			if (icmp_sock_kind_parse(optarg, &kind) < 0)
				return nh_cli_usage_error(ctx, "--socket: '%s': use auto, dgram or raw",
							  optarg);
			break;
		default: return nh_cli_usage_error(ctx, "unknown option");
		}
	}
	if (optind != argc - 1)
		return nh_cli_usage_error(ctx, optind >= argc ? "no HOST given"
							      : "one HOST only, got '%s' too",
					  argv[optind + (optind < argc)]);
	p.host = argv[optind];
	p.size = (size_t)size;
	/* JSON has no place for -O's lines: its timeout records say it. */
	if (p.json && p.outstanding)
		return nh_cli_usage_error(ctx, "-O and --json: unanswered probes are --json's timeout records");
	/* -f without -i: a probe per reply, or a hundred a second, whichever is more. */
	if (p.flood && !p.interval_given)
		p.interval_ms = 10;
	/* iputils looks names up only for a HOST given as a name. */
	struct in6_addr any;
	p.names = !numeric && inet_pton(AF_INET, p.host, &any) != 1 &&
		  inet_pton(AF_INET6, p.host, &any) != 1;

	int code = ping_setup(&p, family, kind);
	if (code == NH_EXIT_OK) {
		if (p.pattern_len && !p.json) {
			printf("PATTERN: 0x");
			for (size_t i = 0; i < p.pattern_len; i++)
				printf("%02x", p.pattern[i]);
			printf("\n");
		}
		/* iputils' two headers, the IPv6 one with the reply lines' address. */
		/* -I: iputils names the source, and the interface if one was given. */
		char src[NH_ADDR_STRLEN], from[sizeof(src) + IF_NAMESIZE + 8] = "";
		if (src_option)
			snprintf(from, sizeof(from), "from %s %s: ",
				 nh_addr_format(&p.src, 0, src, sizeof(src)), p.iface ? p.iface : "");
		if (p.json)
			; /* no header: every record names the host */
		else if (p.dst.u.sa.sa_family == AF_INET)
			printf("PING %s (%s) %s%zu(%zu) bytes of data.\n", p.host, p.dst_text, from,
			       p.size, p.size + ICMP_HDR_LEN + 20);
		else
			printf("PING %s(%s) %s%zu data bytes\n", p.host, p.dst_shown, from, p.size);
		fflush(stdout);
		p.start_us = nh_now_us();
		if (nh_loop_run(p.loop) < 0) {
			fprintf(stderr, "ping: event loop: %s\n", strerror(errno));
			code = NH_EXIT_USAGE;
		} else {
			if (p.json)
				print_json_end(&p);
			else
				print_summary(&p);
			/* iputils: under -w, fewer than -c answers fail too. */
			int short_of_count = p.deadline_ms && p.count && p.received < (uint64_t)p.count;
			code = p.received && !short_of_count ? NH_EXIT_OK : NH_EXIT_FAIL;
		}
	}
	ping_cleanup(&p);
	return code;
}
