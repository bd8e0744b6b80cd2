/* [ifaces NAME]: listen on rtnetlink's multicast groups and log link and
 * address changes as they happen (no polling).
 *
 * The kernel sends a whole RTM_NEWLINK for any change, so we keep the last
 * state of every link and address and log the difference. Subscribing
 * before the initial dump means nothing is missed; a change seen twice
 * diffs to nothing. When the socket overruns (ENOBUFS: events were lost),
 * we dump again and diff the whole table, so the log stays true.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <net/if.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>

#include "ifaces.h"

/* Room for bursts (a namespace going away sends hundreds of messages). */
#define WATCH_RCVBUF_DEFAULT (1L << 20)
#define WATCH_RCVBUF_MIN 4096L
#define WATCH_RCVBUF_MAX (256L << 20)
#define WATCH_BUF 32768
/* Datagrams read per wakeup before giving the loop back. */
#define WATCH_BATCH 64

/* nethost_ifaces_events_total{kind}: what the log lines say happened. */
enum ev_kind {
	EV_LINK_ADDED, EV_LINK_REMOVED, EV_LINK_UP, EV_LINK_DOWN, EV_CARRIER_ON, EV_CARRIER_LOST,
	EV_ADDR_ADDED, EV_ADDR_REMOVED, EV_RESYNC, EV_KINDS
};

static const char *const ev_names[EV_KINDS] = {
	"link_added", "link_removed", "link_up", "link_down", "carrier_on", "carrier_lost",
	"address_added", "address_removed", "resync",
};

struct watch {
	nh_ctx *ctx;
	char (*ifnames)[NH_IFNAMSIZ]; /* only these, when nifnames > 0 */
	int nifnames;
	int links;    /* log link changes */
	int addrs;    /* log address changes */
	int family;   /* of the addresses to log: AF_UNSPEC, AF_INET, AF_INET6 */
	long rcvbuf;  /* bytes of socket receive buffer */

	struct mnl_socket *nl;
	nh_io *io;
	char *buf;
	struct nh_rtnl_snapshot cache; /* what we last saw */

	unsigned long link_events, addr_events, resyncs;
	nh_counter *events[EV_KINDS]; /* while started */
};

static int parse_family(const nh_section *sec, int *family)
{
	const char *text;

	if (nh_conf_get_str(sec, "family", "any", &text) < 0)
		return -EINVAL;
	if (strcmp(text, "any") == 0)
		*family = AF_UNSPEC;
	else if (strcmp(text, "ipv4") == 0)
		*family = AF_INET;
	else if (strcmp(text, "ipv6") == 0)
		*family = AF_INET6;
	else
		return nh_conf_error(sec, "family", "'%s' is not any, ipv4 or ipv6", text);
	return 0;
}

/* Every value of `interface`, each a list split on commas and spaces. */
static int parse_ifnames(const nh_section *sec, struct watch *w)
{
	int bad = 0;

	for (int i = 0; i < nh_conf_count(sec, "interface"); i++) {
		char *copy = strdup(nh_conf_value(sec, "interface", i, NULL));
		if (!copy)
			return -ENOMEM;
		for (char *save = NULL, *t = strtok_r(copy, ", \t", &save); t;
		     t = strtok_r(NULL, ", \t", &save)) {
			if (strlen(t) >= NH_IFNAMSIZ) {
				bad = nh_conf_error(sec, "interface", "'%s' is longer than %d characters",
						    t, NH_IFNAMSIZ - 1);
				continue;
			}
			void *p = realloc(w->ifnames, (size_t)(w->nifnames + 1) * sizeof(*w->ifnames));
			if (!p) {
				free(copy);
				return -ENOMEM;
			}
			w->ifnames = p;
			strcpy(w->ifnames[w->nifnames++], t);
		}
		free(copy);
	}
	return bad;
}

int ifaces_watch_create(nh_ctx *ctx, const nh_section *sec, void **state)
{
	struct watch *w = calloc(1, sizeof(*w));
	int r;

	if (!w)
		return -ENOMEM;
	w->ctx = ctx;
	int bad = nh_conf_get_bool(sec, "links", 1, &w->links) < 0;
	bad |= nh_conf_get_bool(sec, "addresses", 1, &w->addrs) < 0;
	bad |= parse_family(sec, &w->family) < 0;
	bad |= nh_conf_get_int(sec, "receive_buffer", WATCH_RCVBUF_DEFAULT, WATCH_RCVBUF_MIN,
			       WATCH_RCVBUF_MAX, &w->rcvbuf) < 0;
	r = parse_ifnames(sec, w);
	if (r == -ENOMEM) {
		ifaces_watch_destroy(w);
		return r;
	}
	bad |= r < 0;
	if (!bad && !w->links && !w->addrs)
		bad = nh_conf_error(sec, NULL, "links and addresses are both off: nothing to watch") < 0;
	if (bad) {
		ifaces_watch_destroy(w);
		return -EINVAL;
	}
	*state = w;
	return 0;
}

static int wanted(const struct watch *w, const char *ifname)
{
	if (!w->nifnames)
		return 1;
	for (int i = 0; i < w->nifnames; i++)
		if (strcmp(w->ifnames[i], ifname) == 0)
			return 1;
	return 0;
}

static const char *link_name(const struct watch *w, int index, char *buf, size_t len)
{
	const struct nh_link *l = nh_rtnl_link_by_index(&w->cache, index);

	if (l)
		return l->name;
	snprintf(buf, len, "if%d", index);
	return buf;
}

/* Append ", what" (or "what" first) to a change line. */
static void say(char *line, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *line, size_t len, const char *fmt, ...)
{
	size_t n = strlen(line);
	va_list ap;

	if (n && n + 2 < len) {
		strcpy(line + n, ", ");
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(line + n, len - n, fmt, ap);
	va_end(ap);
}

static void count(struct watch *w, enum ev_kind k)
{
	if (w->events[k])
		nh_counter_inc(w->events[k]);
}

static void link_log_changes(struct watch *w, const struct nh_link *old, const struct nh_link *l)
{
	char line[512] = "";
	unsigned int changed = old->flags ^ l->flags;

	if (strcmp(old->name, l->name))
		say(line, sizeof(line), "renamed from %s", old->name);
	if (changed & IFF_UP) {
		say(line, sizeof(line), "link %s", l->flags & IFF_UP ? "up" : "down");
		count(w, l->flags & IFF_UP ? EV_LINK_UP : EV_LINK_DOWN);
	}
	if (ifaces_link_carrier(old) != ifaces_link_carrier(l)) {
		say(line, sizeof(line), "carrier %s", ifaces_link_carrier(l) ? "on" : "lost");
		count(w, ifaces_link_carrier(l) ? EV_CARRIER_ON : EV_CARRIER_LOST);
	}
	if (changed & IFF_RUNNING)
		say(line, sizeof(line), "%s", l->flags & IFF_RUNNING ? "running" : "not running");
	if (old->operstate != l->operstate)
		say(line, sizeof(line), "operstate %s -> %s", nh_rtnl_operstate_name(old->operstate),
		    nh_rtnl_operstate_name(l->operstate));
	if (old->mtu != l->mtu)
		say(line, sizeof(line), "mtu %u -> %u", old->mtu, l->mtu);
	if (old->hwaddr_len != l->hwaddr_len || memcmp(old->hwaddr, l->hwaddr, (size_t)l->hwaddr_len))
		say(line, sizeof(line), "hardware address changed");
	if (line[0])
		nh_notice(w->ctx, "%s: %s", l->name, line);
}

/* A link as the kernel now reports it: log what differs, remember it. */
static void link_seen(struct watch *w, const struct nh_link *l)
{
	struct nh_rtnl_snapshot *c = &w->cache;
	struct nh_link *old = (struct nh_link *)nh_rtnl_link_by_index(c, l->index);

	if (old) {
		if (w->links && (wanted(w, l->name) || wanted(w, old->name))) {
			w->link_events++;
			link_log_changes(w, old, l);
		}
		*old = *l;
		return;
	}
	void *p = realloc(c->links, (size_t)(c->nlinks + 1) * sizeof(*c->links));
	if (!p) {
		nh_error(w->ctx, "out of memory: %s not tracked", l->name);
		return;
	}
	c->links = p;
	c->links[c->nlinks++] = *l;
	if (w->links && wanted(w, l->name)) {
		w->link_events++;
		count(w, EV_LINK_ADDED);
		nh_notice(w->ctx, "%s: interface added (index %d, %s, operstate %s)", l->name,
			  l->index, l->flags & IFF_UP ? "up" : "down",
			  nh_rtnl_operstate_name(l->operstate));
	}
}

static void link_gone(struct watch *w, int index)
{
	struct nh_rtnl_snapshot *c = &w->cache;
	struct nh_link *old = (struct nh_link *)nh_rtnl_link_by_index(c, index);

	if (!old)
		return;
	if (w->links && wanted(w, old->name)) {
		w->link_events++;
		count(w, EV_LINK_REMOVED);
		nh_notice(w->ctx, "%s: interface removed (index %d)", old->name, index);
	}
	/* Its addresses went with it; the kernel may not say so one by one. */
	for (int i = 0; i < c->naddrs;)
		if (c->addrs[i].index == index)
			c->addrs[i] = c->addrs[--c->naddrs];
		else
			i++;
	*old = c->links[--c->nlinks];
}

static int addr_same(const struct nh_ifaddr *a, const struct nh_ifaddr *b)
{
	return a->index == b->index && a->family == b->family && a->prefixlen == b->prefixlen &&
	       memcmp(a->local, b->local, sizeof(a->local)) == 0 && a->has_peer == b->has_peer &&
	       memcmp(a->peer, b->peer, sizeof(a->peer)) == 0;
}

static struct nh_ifaddr *addr_find(struct watch *w, const struct nh_ifaddr *a)
{
	for (int i = 0; i < w->cache.naddrs; i++)
		if (addr_same(&w->cache.addrs[i], a))
			return &w->cache.addrs[i];
	return NULL;
}

/* Log this address event? (interface and family filters) */
static int addr_wanted(struct watch *w, const struct nh_ifaddr *a, const char *ifname)
{
	return w->addrs && (w->family == AF_UNSPEC || w->family == a->family) && wanted(w, ifname);
}

/* "is now deprecated, is no longer tentative" */
static void addr_log_flags(struct watch *w, const char *ifname, const char *text, uint32_t old,
			   uint32_t now, int family)
{
	char line[512] = "";

	for (int b = 0; b < 32; b++) {
		uint32_t bit = 1u << b;
		const char *name = ((old ^ now) & bit) ? nh_rtnl_addr_flag_name(family, bit) : NULL;
		if (name)
			say(line, sizeof(line), "%s %s", now & bit ? "now" : "no longer", name);
	}
	if (line[0])
		nh_info(w->ctx, "%s: address %s %s", ifname, text, line);
}

static void addr_seen(struct watch *w, const struct nh_ifaddr *a)
{
	struct nh_rtnl_snapshot *c = &w->cache;
	struct nh_ifaddr *old = addr_find(w, a);
	char ifbuf[32], text[INET6_ADDRSTRLEN + 8];
	const char *ifname = link_name(w, a->index, ifbuf, sizeof(ifbuf));
	int log = addr_wanted(w, a, ifname);

	ifaces_addr_text(a, text, sizeof(text));
	if (old) {
		if (log)
			addr_log_flags(w, ifname, text, old->flags, a->flags, a->family);
		*old = *a;
		return;
	}
	void *p = realloc(c->addrs, (size_t)(c->naddrs + 1) * sizeof(*c->addrs));
	if (!p) {
		nh_error(w->ctx, "out of memory: address %s not tracked", text);
		return;
	}
	c->addrs = p;
	c->addrs[c->naddrs++] = *a;
	if (log) {
		w->addr_events++;
		count(w, EV_ADDR_ADDED);
		nh_notice(w->ctx, "%s: address %s added (scope %s%s)", ifname, text,
			  nh_rtnl_scope_name(a->scope),
			  a->flags & IFA_F_TENTATIVE ? ", tentative" : "");
	}
}

static void addr_gone(struct watch *w, const struct nh_ifaddr *a)
{
	struct nh_ifaddr *old = addr_find(w, a);
	char ifbuf[32], text[INET6_ADDRSTRLEN + 8];
	const char *ifname = link_name(w, a->index, ifbuf, sizeof(ifbuf));

	if (!old)
		return;
	if (addr_wanted(w, a, ifname)) {
		w->addr_events++;
		count(w, EV_ADDR_REMOVED);
		nh_notice(w->ctx, "%s: address %s removed", ifname, ifaces_addr_text(a, text, sizeof(text)));
	}
	*old = w->cache.addrs[--w->cache.naddrs];
}

static int watch_msg(const struct nlmsghdr *nlh, void *data)
{
	struct watch *w = data;
	struct nh_link l;
	struct nh_ifaddr a;

	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
		if (nh_rtnl_parse_link(nlh, &l) == 0)
			link_seen(w, &l);
		break;
	case RTM_DELLINK:
		if (nh_rtnl_parse_link(nlh, &l) == 0)
			link_gone(w, l.index);
		break;
	case RTM_NEWADDR:
		if (nh_rtnl_parse_addr(nlh, &a) == 0)
			addr_seen(w, &a);
		break;
	case RTM_DELADDR:
		if (nh_rtnl_parse_addr(nlh, &a) == 0)
			addr_gone(w, &a);
		break;
	}
	return MNL_CB_OK;
}

/* Events were lost: read the whole table again and log the difference. */
static void watch_resync(struct watch *w)
{
	struct nh_rtnl_snapshot now;
	nh_error err;

	w->resyncs++;
	count(w, EV_RESYNC);
	if (nh_rtnl_snapshot_read(&now, AF_UNSPEC, &err) < 0) {
		nh_error(w->ctx, "resync: %s", err.msg);
		return;
	}
	for (int i = 0; i < w->cache.nlinks;) {
		if (!nh_rtnl_link_by_index(&now, w->cache.links[i].index))
			link_gone(w, w->cache.links[i].index); /* moves the last one here */
		else
			i++;
	}
	for (int i = 0; i < now.nlinks; i++)
		link_seen(w, &now.links[i]);
	for (int i = 0; i < w->cache.naddrs;) {
		const struct nh_ifaddr *a = &w->cache.addrs[i];
		int found = 0;
		for (int j = 0; j < now.naddrs && !found; j++)
			found = addr_same(a, &now.addrs[j]);
		if (!found)
			addr_gone(w, a);
		else
			i++;
	}
	for (int i = 0; i < now.naddrs; i++)
		addr_seen(w, &now.addrs[i]);
	nh_rtnl_snapshot_free(&now);
}

static void watch_readable(nh_loop *loop, int fd, int events, void *arg)
{
	struct watch *w = arg;

	for (int i = 0; i < WATCH_BATCH; i++) {
		ssize_t n = mnl_socket_recvfrom(w->nl, w->buf, WATCH_BUF);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			if (errno == ENOBUFS) {
				nh_warn(w->ctx, "rtnetlink events were lost (receive buffer overrun); "
						"reading the full state again");
				watch_resync(w);
				continue;
			}
			nh_error(w->ctx, "rtnetlink read: %s", strerror(errno));
			return;
		}
		if (mnl_cb_run(w->buf, n, 0, 0, watch_msg, w) == MNL_CB_ERROR)
			nh_debug(w->ctx, "rtnetlink: bad message: %s", strerror(errno));
	}
}

int ifaces_watch_start(void *state)
{
	struct watch *w = state;
	unsigned int groups = RTMGRP_LINK;
	int rcvbuf = (int)w->rcvbuf, r;
	nh_error err;

	if (w->family != AF_INET6)
		groups |= RTMGRP_IPV4_IFADDR;
	if (w->family != AF_INET)
		groups |= RTMGRP_IPV6_IFADDR;
	if (!w->buf && !(w->buf = malloc(WATCH_BUF)))
		return -ENOMEM;
	for (int k = 0; k < EV_KINDS; k++) {
		w->events[k] = nh_counter_new(w->ctx, "nethost_ifaces_events_total",
					      "Interface events logged, by kind", "kind", ev_names[k],
					      NULL);
		if (!w->events[k]) {
			r = -errno;
			ifaces_watch_stop(w);
			return r;
		}
	}
	w->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!w->nl) {
		r = -errno;
		nh_error(w->ctx, "rtnetlink socket: %s", strerror(errno));
		return r;
	}
	/* SO_RCVBUFFORCE passes rmem_max when we may; else take what we get. */
	if (setsockopt(mnl_socket_get_fd(w->nl), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(mnl_socket_get_fd(w->nl), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (mnl_socket_bind(w->nl, groups, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		nh_error(w->ctx, "rtnetlink bind: %s", strerror(errno));
		goto fail;
	}
	/* Subscribed first, dumped second: no change falls in between. */
	nh_rtnl_snapshot_free(&w->cache);
	if ((r = nh_rtnl_snapshot_read(&w->cache, AF_UNSPEC, &err)) < 0) {
		nh_error(w->ctx, "%s", err.msg);
		goto fail;
	}
	w->io = nh_io_add(nh_ctx_loop(w->ctx), mnl_socket_get_fd(w->nl), NH_READ, watch_readable, w);
	if (!w->io) {
		r = -errno;
		nh_error(w->ctx, "watch rtnetlink socket: %s", strerror(errno));
		goto fail;
	}
	for (int i = 0; i < w->nifnames; i++)
		if (!nh_rtnl_link_by_name(&w->cache, w->ifnames[i]))
			nh_warn(w->ctx, "%s: no such interface (yet); watching for it", w->ifnames[i]);
	nh_info(w->ctx, "watching %s (%d interfaces, %d addresses now)",
		w->nifnames ? "the listed interfaces" : "all interfaces", w->cache.nlinks,
		w->cache.naddrs);
	return 0;
fail:
	ifaces_watch_stop(w);
	return r;
}

void ifaces_watch_stop(void *state)
{
	struct watch *w = state;

	nh_io_del(w->io);
	w->io = NULL;
	if (w->nl)
		mnl_socket_close(w->nl);
	w->nl = NULL;
	for (int k = 0; k < EV_KINDS; k++) {
		nh_counter_del(w->events[k]);
		w->events[k] = NULL;
	}
}

void ifaces_watch_destroy(void *state)
{
	struct watch *w = state;

	ifaces_watch_stop(w);
	nh_rtnl_snapshot_free(&w->cache);
	free(w->ifnames);
	free(w->buf);
	free(w);
}

void ifaces_watch_report(void *state)
{
	struct watch *w = state;

	nh_info(w->ctx, "interfaces=%d addresses=%d link_events=%lu address_events=%lu resyncs=%lu",
		w->cache.nlinks, w->cache.naddrs, w->link_events, w->addr_events, w->resyncs);
}
