/* The sweep engine: echo requests to many hosts from one socket per
 * family, paced to a rate, answers matched by a tag in the payload.
 *
 * A round walks the targets in order; each probe waits `timeout` and is
 * retried `retries` times; with `enough`, the round ends as soon as that
 * many hosts answered. Probes expire in the order they were sent
 * (the timeout is the same for all), so a FIFO of pending probes is the
 * whole timer structure. The loop's timers have millisecond precision:
 * each tick sends what the rate allowed since the last one. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "icmp.h"

/* Ranges beyond this are a mistake (an IPv6 /64), not a sweep. */
#define SWEEP_MAX_HOSTS (1u << 20)

/* What every probe carries: answers from the host copy it back. */
struct probe_tag {
	uint64_t cookie;  /* this sweep's, random */
	uint32_t index;   /* into hosts[] */
	uint32_t round;
	int64_t sent_us;  /* monotonic */
};

struct pending {
	uint32_t index;
	int64_t deadline_us;
};

struct fam {
	struct icmp_sock sock;
	nh_io *io;
	int blocked;      /* send buffer full: waiting to turn writable */
};

struct sweep {
	nh_loop *loop;
	struct sweep_params p;
	struct sweep_host *hosts;
	size_t n;
	int need[2];      /* [0] IPv4, [1] IPv6 targets present */
	struct fam fam[2];
	uint64_t cookie;
	uint32_t round_no;

	/* The round in progress. */
	int running;
	size_t cursor;            /* next host for a first probe */
	uint32_t *retry;          /* ring of hosts due for another probe */
	size_t retry_head, retry_len;
	struct pending *pend;     /* ring, oldest first */
	size_t pend_head, pend_len;
	size_t left;              /* hosts neither alive nor given up */
	double tokens;            /* probes the rate allows now */
	int64_t tokens_us;
	nh_timer *timer;
	struct sweep_round r;
	sweep_done_cb cb;
	void *cb_arg;

	uint8_t *rxbuf;
};

static int fam_index(int family)
{
	return family == AF_INET6;
}

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static int add_range(struct sweep *sw, const nh_range *r, const char *text, nh_error *err)
{
	uint64_t count = nh_range_count(r);
	nh_addr cur;

	if (count > SWEEP_MAX_HOSTS || sw->n + count > SWEEP_MAX_HOSTS)
		return nh_error_set(err, E2BIG, "'%s': too many addresses (a sweep takes at most %u)",
				    text, SWEEP_MAX_HOSTS);
	struct sweep_host *grown = realloc(sw->hosts, (sw->n + count) * sizeof(*grown));
	if (!grown)
		return nh_error_set(err, ENOMEM, "out of memory");
	sw->hosts = grown;
	nh_range_begin(r, &cur);
	do {
		struct sweep_host *h = &sw->hosts[sw->n++];
		memset(h, 0, sizeof(*h));
		h->family = (uint8_t)r->family;
		h->prev = -1;
		memcpy(h->addr, icmp_addr_bytes(&cur), addr_len(r->family));
	} while (nh_range_next(r, &cur));
	sw->need[fam_index(r->family)] = 1;
	return 0;
}

/* A host name: resolved once, here (create time, never on the data path). */
static int add_name(struct sweep *sw, const char *text, nh_error *err)
{
	nh_addr a;
	nh_range r;

	if (nh_resolve(text, 0, AF_UNSPEC, SOCK_DGRAM, &a, 1, err) < 0)
		return -EINVAL;
	memset(&r, 0, sizeof(r));
	r.family = a.u.sa.sa_family;
	memcpy(r.first, icmp_addr_bytes(&a), addr_len(r.family));
	memcpy(r.last, r.first, sizeof(r.last));
	return add_range(sw, &r, text, err);
}

static int looks_numeric(const char *text)
{
	return strspn(text, "0123456789abcdefABCDEF.:/-%") == strlen(text) && strpbrk(text, ".:");
}

struct sweep *sweep_new(nh_loop *loop, char *const *targets, int ntargets,
			const struct sweep_params *p, nh_error *err)
{
	struct sweep *sw = calloc(1, sizeof(*sw));

	if (!sw) {
		nh_error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	sw->loop = loop;
	sw->p = *p;
	sw->fam[0].sock.fd = sw->fam[1].sock.fd = -1;
	for (int i = 0; i < ntargets; i++) {
		nh_range r;
		int rc = nh_range_parse(targets[i], &r, err) == 0 ? add_range(sw, &r, targets[i], err)
			 : looks_numeric(targets[i])            ? -EINVAL
								: add_name(sw, targets[i], err);
		if (rc < 0) {
			sweep_free(sw);
			return NULL;
		}
	}
	if (!sw->n) {
		nh_error_set(err, EINVAL, "no targets");
		sweep_free(sw);
		return NULL;
	}
	sw->retry = calloc(sw->n, sizeof(*sw->retry));
	sw->pend = calloc(sw->n, sizeof(*sw->pend));
	sw->rxbuf = malloc(ICMP_MAX_LEN + 60);
	if (!sw->retry || !sw->pend || !sw->rxbuf) {
		nh_error_set(err, ENOMEM, "out of memory");
		sweep_free(sw);
		return NULL;
	}
	if (getrandom(&sw->cookie, sizeof(sw->cookie), GRND_NONBLOCK) != sizeof(sw->cookie))
		sw->cookie = (uint64_t)nh_now_us() * 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
	return sw;
}

size_t sweep_count(const struct sweep *sw)
{
	return sw->n;
}

struct sweep_host *sweep_host(struct sweep *sw, size_t i)
{
	return &sw->hosts[i];
}

char *sweep_host_format(const struct sweep_host *h, char *buf, size_t len)
{
	if (!inet_ntop(h->family, h->addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

/* ---- the round ---------------------------------------------------------- */

static void finish_round(struct sweep *sw)
{
	struct sweep_round *r = &sw->r;

	sw->running = 0;
	nh_timer_del(sw->timer);
	sw->timer = NULL;
	r->elapsed_us = nh_now_us() - r->started_us;
	r->alive = r->inactive = r->undecided = 0;
	for (size_t i = 0; i < sw->n; i++) {
		struct sweep_host *h = &sw->hosts[i];
		h->sent += h->tries;
		if (!h->alive) {
			if (h->gave_up)
				r->inactive++;
			else
				r->undecided++;
			continue;
		}
		r->alive++;
		h->answered++;
		h->rtt_sum_us += h->rtt_us;
		if (h->answered == 1 || h->rtt_us < h->rtt_min_us)
			h->rtt_min_us = h->rtt_us;
		if (h->rtt_us > h->rtt_max_us)
			h->rtt_max_us = h->rtt_us;
	}
	sw->cb(sw, r, sw->cb_arg);
}

static void host_decided(struct sweep *sw)
{
	if (--sw->left == 0)
		finish_round(sw);
}

/* Send one probe to host i: 0, -EAGAIN (try again when writable). */
static int probe(struct sweep *sw, uint32_t i)
{
	struct sweep_host *h = &sw->hosts[i];
	struct fam *f = &sw->fam[fam_index(h->family)];
	/* Stamped one by one: a batch takes a while to send. */
	struct probe_tag tag = { .cookie = sw->cookie, .index = i, .round = sw->round_no,
				 .sent_us = nh_now_us() };
	uint8_t pkt[ICMP_HDR_LEN + sizeof(tag)];
	nh_addr to;

	if (f->blocked)
		return -EAGAIN;
	memset(&to, 0, sizeof(to));
	to.u.sa.sa_family = h->family;
	to.len = h->family == AF_INET ? sizeof(to.u.in4) : sizeof(to.u.in6);
	memcpy((uint8_t *)icmp_addr_bytes(&to), h->addr, addr_len(h->family));
	size_t len = icmp_echo_build(h->family, f->sock.id, (uint16_t)(i + h->tries), &tag,
				     sizeof(tag), pkt, sizeof(pkt));
	int r = icmp_sock_send(&f->sock, &to, pkt, len);
	if (r == -EAGAIN) {
		f->blocked = 1;
		nh_io_set(f->io, NH_READ | NH_WRITE);
		return -EAGAIN;
	}
	/* A full device queue: the socket stays writable, so waiting for
	 * that would spin. The next tick tries again. */
	if (r == -ENOBUFS)
		return -EAGAIN;
	/* Other errors (no route...) leave the probe to expire: the host
	 * is as inactive as a silent one. */
	if (r < 0)
		sw->r.errors++;
	h->tries++;
	sw->r.sent++;
	struct pending *pd = &sw->pend[(sw->pend_head + sw->pend_len++) % sw->n];
	pd->index = i;
	pd->deadline_us = tag.sent_us + sw->p.timeout_ms * 1000;
	return 0;
}

static void expire(struct sweep *sw, int64_t now_us)
{
	while (sw->running && sw->pend_len && sw->pend[sw->pend_head].deadline_us <= now_us) {
		uint32_t i = sw->pend[sw->pend_head].index;
		sw->pend_head = (sw->pend_head + 1) % sw->n;
		sw->pend_len--;
		struct sweep_host *h = &sw->hosts[i];
		if (h->alive)
			continue;
		if (sw->p.on_probe)
			sw->p.on_probe(i, -1, -1, sw->p.probe_arg);
		if (h->tries <= sw->p.retries)
			sw->retry[(sw->retry_head + sw->retry_len++) % sw->n] = i;
		else {
			h->gave_up = 1;
			host_decided(sw);
		}
	}
}

/* The next host to probe, or -1; retries go first, their hosts waited. */
static int64_t next_host(struct sweep *sw, int take)
{
	while (sw->retry_len) {
		uint32_t i = sw->retry[sw->retry_head];
		if (!sw->hosts[i].alive) {
			if (take) {
				sw->retry_head = (sw->retry_head + 1) % sw->n;
				sw->retry_len--;
			}
			return i;
		}
		sw->retry_head = (sw->retry_head + 1) % sw->n;
		sw->retry_len--;
	}
	if (sw->cursor < sw->n)
		return take ? (int64_t)sw->cursor++ : (int64_t)sw->cursor;
	return -1;
}

static void send_some(struct sweep *sw, int64_t now_us)
{
	/* Up to 5 ms of probes at once: ticks come late under load, and
	 * the rate still holds over any longer stretch. */
	double burst = (double)sw->p.rate / 200.0;

	if (burst < 1)
		burst = 1;
	sw->tokens += (double)(now_us - sw->tokens_us) * (double)sw->p.rate / 1e6;
	sw->tokens_us = now_us;
	if (sw->tokens > burst)
		sw->tokens = burst;
	while (sw->running && sw->tokens >= 1) {
		int64_t i = next_host(sw, 0);
		if (i < 0 || probe(sw, (uint32_t)i) < 0)
			break;
		next_host(sw, 1);
		sw->tokens -= 1;
	}
}

static int64_t sweep_tick(nh_loop *loop, void *arg)
{
	struct sweep *sw = arg;
	int64_t now_us = nh_now_us();

	expire(sw, now_us);
	if (sw->running)
		send_some(sw, now_us);
	if (!sw->running) {
		sw->timer = NULL; /* the loop frees it when we return STOP */
		return NH_TIMER_STOP;
	}
	if (next_host(sw, 0) >= 0 && !sw->fam[0].blocked && !sw->fam[1].blocked)
		return 1;
	if (sw->pend_len) {
		int64_t wait_us = sw->pend[sw->pend_head].deadline_us - now_us;
		return wait_us <= 0 ? 0 : (wait_us + 999) / 1000;
	}
	/* Blocked on a full send buffer with nothing pending: the writable
	 * event resets us; check again soon regardless. */
	return 10;
}

static void on_reply(struct sweep *sw, struct fam *f, const struct icmp_rx *rx, int64_t now_us)
{
	const struct icmp_msg *m = &rx->msg;
	struct probe_tag tag;

	if ((f->sock.kind == ICMP_SOCK_RAW && m->id != f->sock.id) || m->data_len < sizeof(tag)) {
		sw->r.strays++;
		return;
	}
	memcpy(&tag, m->data, sizeof(tag));
	if (tag.cookie != sw->cookie || tag.index >= sw->n || tag.round != sw->round_no) {
		sw->r.strays++;
		return;
	}
	struct sweep_host *h = &sw->hosts[tag.index];
	if (h->family != rx->from.u.sa.sa_family ||
	    memcmp(h->addr, icmp_addr_bytes(&rx->from), addr_len(h->family)) != 0 || h->alive ||
	    h->tries == 0 || h->gave_up) {
		/* An answer after the host was given up does not revive it:
		 * the timeout is the contract. */
		sw->r.strays++;
		return;
	}
	sw->r.replies++;
	h->alive = 1;
	int64_t rtt = now_us - tag.sent_us;
	h->rtt_us = rtt < 0 ? 0 : rtt > UINT32_MAX ? UINT32_MAX : (uint32_t)rtt;
	h->ttl = (int16_t)(rx->ttl >= 0 && rx->ttl <= 255 ? rx->ttl : -1);
	if (sw->p.on_probe)
		sw->p.on_probe(tag.index, h->rtt_us, h->ttl, sw->p.probe_arg);
	host_decided(sw);
	/* Enough answered: the others are not waited for (nor probed). */
	if (sw->running && sw->p.enough && sw->r.replies >= sw->p.enough)
		finish_round(sw);
}

static void sweep_io(nh_loop *loop, int fd, int events, void *arg)
{
	struct sweep *sw = arg;
	struct fam *f = &sw->fam[fd == sw->fam[1].sock.fd];
	struct icmp_rx rx;
	int r;

	if (events & NH_WRITE) {
		f->blocked = 0;
		nh_io_set(f->io, NH_READ);
		if (sw->timer)
			nh_timer_reset(sw->timer, 0);
	}
	/* Also drain between rounds: late answers must not pile up. */
	while ((r = icmp_sock_recv(&f->sock, sw->rxbuf, ICMP_MAX_LEN + 60, &rx)) != -EAGAIN) {
		if (r < 0) {
			sw->r.errors++;
			continue;
		}
		if (!sw->running) {
			continue;
		} else if (rx.msg.kind == ICMP_ECHO_REPLY) {
			on_reply(sw, f, &rx, nh_now_us());
			if (!sw->running)
				continue; /* keep draining: the round just ended */
		} else if (rx.msg.kind == ICMP_ERROR) {
			sw->r.errors++;
		} else {
			sw->r.strays++;
		}
	}
}

int sweep_open(struct sweep *sw, nh_error *err)
{
	for (int k = 0; k < 2; k++) {
		struct fam *f = &sw->fam[k];
		if (!sw->need[k] || f->sock.fd >= 0)
			continue;
		int r = icmp_sock_open(&f->sock, k ? AF_INET6 : AF_INET, sw->p.sock_kind, err);
		if (r < 0) {
			sweep_close(sw);
			return r;
		}
		/* Room for a burst of answers while we are busy sending. */
		int rcvbuf = 4 << 20;
		if (setsockopt(f->sock.fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
			setsockopt(f->sock.fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
		f->io = nh_io_add(sw->loop, f->sock.fd, NH_READ, sweep_io, sw);
		if (!f->io) {
			r = nh_error_set(err, errno, "event loop: %s", strerror(errno));
			sweep_close(sw);
			return r;
		}
	}
	return 0;
}

int sweep_start_round(struct sweep *sw, sweep_done_cb cb, void *arg)
{
	if (sw->running)
		return -EBUSY;
	int first = sw->round_no == 0;
	sw->round_no++;
	for (size_t i = 0; i < sw->n; i++) {
		struct sweep_host *h = &sw->hosts[i];
		h->prev = first ? -1 : (int8_t)h->alive;
		h->alive = 0;
		h->gave_up = 0;
		h->tries = 0;
		h->rtt_us = 0;
		h->ttl = -1;
	}
	memset(&sw->r, 0, sizeof(sw->r));
	sw->r.started_us = nh_now_us();
	sw->cursor = 0;
	sw->retry_head = sw->retry_len = 0;
	sw->pend_head = sw->pend_len = 0;
	sw->left = sw->n;
	sw->tokens = 1;
	sw->tokens_us = sw->r.started_us;
	sw->cb = cb;
	sw->cb_arg = arg;
	sw->timer = nh_timer_add(sw->loop, 0, sweep_tick, sw);
	if (!sw->timer)
		return -errno;
	sw->running = 1;
	return 0;
}

void sweep_close(struct sweep *sw)
{
	sw->running = 0;
	nh_timer_del(sw->timer);
	sw->timer = NULL;
	for (int k = 0; k < 2; k++) {
		nh_io_del(sw->fam[k].io);
		sw->fam[k].io = NULL;
		sw->fam[k].blocked = 0;
		icmp_sock_close(&sw->fam[k].sock);
	}
}

void sweep_free(struct sweep *sw)
{
	if (!sw)
		return;
	sweep_close(sw);
	free(sw->hosts);
	free(sw->retry);
	free(sw->pend);
	free(sw->rxbuf);
	free(sw);
}
