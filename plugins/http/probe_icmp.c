/* /probe module icmp: one echo request to the target, answered by the
 * first matching echo reply (id, sequence and source). A socket per
 * probe: datagram where net.ipv4.ping_group_range allows it, else raw
 * with the kernel filtering on our id, so concurrent probes never see
 * each other's replies. Phases as blackbox names them: resolve, setup
 * (opening the socket), rtt. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"

#define PROBE_ICMP_PAYLOAD 56 /* ping's default */

struct icmp_probe {
	struct probe *p;
	struct icmp_sock sock;
	nh_io *io;
	uint16_t seq;
	int64_t sent_us;
};

static void icmp_free(struct icmp_probe *ip)
{
	nh_io_del(ip->io);
	icmp_sock_close(&ip->sock);
	free(ip);
}

static int same_host(const nh_addr *a, const nh_addr *b)
{
	size_t n = a->u.sa.sa_family == AF_INET ? 4 : 16;

	return a->u.sa.sa_family == b->u.sa.sa_family &&
	       memcmp(icmp_addr_bytes(a), icmp_addr_bytes(b), n) == 0;
}

static void readable(nh_loop *loop, int fd, int events, void *arg)
{
	struct icmp_probe *ip = arg;
	struct probe *p = ip->p;
	struct icmp_rx rx;
	int r;

	(void)loop;
	(void)fd;
	(void)events;
	while ((r = icmp_sock_recv(&ip->sock, p->h->probe_buf, HTTP_PROBE_BUF, &rx)) == 0) {
		if (rx.msg.id != ip->sock.id || rx.msg.seq != ip->seq)
			continue;
		if (rx.msg.kind == ICMP_ECHO_REPLY && same_host(&rx.from, &p->addr)) {
			p->rtt_s = (double)(nh_now_us() - ip->sent_us) / 1e6;
			p->hop_limit = rx.ttl;
			p->success = 1;
			break;
		}
		if (rx.msg.kind == ICMP_ERROR) {
			probe_fail(p, "%s", icmp_error_text(p->addr.u.sa.sa_family, rx.msg.type,
							   rx.msg.code));
			break;
		}
	}
	if (r == -EAGAIN)
		return;
	if (r < 0)
		probe_fail(p, "receive: %s", strerror(-r));
	p->engine = NULL;
	icmp_free(ip);
	probe_done(p);
}

static int icmp_start(struct probe *p)
{
	struct icmp_probe *ip = calloc(1, sizeof(*ip));
	uint8_t payload[PROBE_ICMP_PAYLOAD], pkt[ICMP_HDR_LEN + PROBE_ICMP_PAYLOAD];
	int64_t t0 = nh_now_us();
	nh_error err;
	int r;

	/* One receive buffer for every probe: they run one at a time. */
	if (!p->h->probe_buf && !(p->h->probe_buf = malloc(HTTP_PROBE_BUF))) {
		free(ip);
		ip = NULL;
	}
	if (!ip) {
		probe_fail(p, "out of memory");
		return -ENOMEM;
	}
	ip->p = p;
	ip->sock.fd = -1;
	if ((r = icmp_sock_open(&ip->sock, p->addr.u.sa.sa_family, ICMP_SOCK_AUTO, &err)) < 0) {
		probe_fail(p, "%s", err.msg);
		free(ip);
		return r;
	}
	ip->seq = (uint16_t)(t0 / 1000);
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)i;
	size_t len = icmp_echo_build(p->addr.u.sa.sa_family, ip->sock.id, ip->seq, payload,
				     sizeof(payload), pkt, sizeof(pkt));
	if (!(ip->io = nh_io_add(nh_ctx_loop(p->h->ctx), ip->sock.fd, NH_READ, readable, ip))) {
		r = -errno;
		probe_fail(p, "cannot watch the socket: %s", strerror(-r));
		icmp_free(ip);
		return r;
	}
	ip->sent_us = nh_now_us();
	p->setup_s = (double)(ip->sent_us - t0) / 1e6;
	if ((r = icmp_sock_send(&ip->sock, &p->addr, pkt, len)) < 0) {
		probe_fail(p, "send: %s", strerror(-r));
		icmp_free(ip);
		return r;
	}
	p->engine = ip;
	return 0;
}

static void icmp_cancel(struct probe *p)
{
	icmp_free(p->engine);
	p->engine = NULL;
}

static void icmp_render(struct probe *p, struct probe_out *out)
{
	static const char help[] = "Duration of the ICMP probe by phase, seconds";

	probe_gauge(out, "probe_icmp_duration_seconds", help, "phase=\"resolve\"", p->dns_s);
	probe_gauge(out, "probe_icmp_duration_seconds", help, "phase=\"rtt\"", p->rtt_s);
	probe_gauge(out, "probe_icmp_duration_seconds", help, "phase=\"setup\"", p->setup_s);
	if (p->success && p->hop_limit >= 0)
		probe_gauge(out, "probe_icmp_reply_hop_limit",
			    "TTL (IPv4) or hop limit (IPv6) of the reply", NULL, p->hop_limit);
}

const struct probe_module probe_icmp = {
	.name = "icmp",
	.resolve = 1,
	.start = icmp_start,
	.cancel = icmp_cancel,
	.render = icmp_render,
};
