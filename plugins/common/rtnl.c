/* rtnetlink snapshots of links and addresses, on libmnl. libmnl stays in
 * here: the public header speaks plain structs. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <nethost/nethost.h>

#include "rtnl.h"

/* Big enough for one dump datagram of the kernel (it fills up to 32 KiB
 * when the reader's buffer allows; a smaller one only costs more reads). */
#define RTNL_DUMP_BUF 32768
/* A dump interrupted by a concurrent change (NLM_F_DUMP_INTR) is redone. */
#define RTNL_DUMP_TRIES 5

struct dump_state {
	struct nh_rtnl_snapshot *snap;
	int cap_links, cap_addrs;
	int interrupted;
	int error; /* -errno from a callback */
};

/* An attribute table for mnl_attr_parse(). */
struct attrs {
	const struct nlattr **tb;
	int max;
};

static int attr_store(const struct nlattr *attr, void *data)
{
	struct attrs *a = data;
	int type = mnl_attr_get_type(attr);

	/* Attributes newer than our headers are skipped, not errors. */
	if (type <= a->max)
		a->tb[type] = attr;
	return MNL_CB_OK;
}

static int attr_u32(const struct nlattr *a, uint32_t *out)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return 0;
	*out = mnl_attr_get_u32(a);
	return 1;
}

static int attr_u8(const struct nlattr *a, int *out)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_U8) < 0)
		return 0;
	*out = mnl_attr_get_u8(a);
	return 1;
}

/* Copy a NUL-terminated name attribute, refusing what does not fit. */
static int attr_name(const struct nlattr *a, char *out, size_t len)
{
	size_t n;

	if (!a || mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
		return 0;
	n = strnlen(mnl_attr_get_str(a), mnl_attr_get_payload_len(a));
	if (n >= len)
		return 0;
	memcpy(out, mnl_attr_get_str(a), n);
	out[n] = '\0';
	return 1;
}

int nh_rtnl_parse_link(const void *msg, struct nh_link *out)
{
	const struct nlmsghdr *nlh = msg;
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 };
	const struct ifinfomsg *ifi;
	uint32_t mtu = 0;

	if ((nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK) ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifi)))
		return -EINVAL;
	ifi = mnl_nlmsg_get_payload(nlh);
	/* AF_BRIDGE messages on the same group describe a bridge port joining
	 * or leaving (an RTM_DELLINK too), not the link itself. */
	if (ifi->ifi_family != AF_UNSPEC)
		return -EINVAL;
	if (mnl_attr_parse(nlh, sizeof(*ifi), attr_store, &(struct attrs){ tb, IFLA_MAX }) < 0)
		return -EINVAL;

	memset(out, 0, sizeof(*out));
	out->index = ifi->ifi_index;
	out->flags = ifi->ifi_flags;
	out->type = ifi->ifi_type;
	if (!attr_name(tb[IFLA_IFNAME], out->name, sizeof(out->name)))
		return -EINVAL;
	if (attr_u32(tb[IFLA_MTU], &mtu))
		out->mtu = mtu;
	if (!attr_u8(tb[IFLA_OPERSTATE], &out->operstate))
		out->operstate = IF_OPER_UNKNOWN;
	if (!attr_u8(tb[IFLA_CARRIER], &out->carrier))
		out->carrier = -1;
	if (tb[IFLA_ADDRESS]) {
		uint16_t n = mnl_attr_get_payload_len(tb[IFLA_ADDRESS]);
		if (n <= sizeof(out->hwaddr)) {
			memcpy(out->hwaddr, mnl_attr_get_payload(tb[IFLA_ADDRESS]), n);
			out->hwaddr_len = n;
		}
	}
	return 0;
}

/* An address attribute of exactly the family's size. */
static int attr_ip(const struct nlattr *a, int family, uint8_t *out)
{
	size_t n = family == AF_INET ? 4 : 16;

	if (!a || mnl_attr_get_payload_len(a) != n)
		return 0;
	memcpy(out, mnl_attr_get_payload(a), n);
	return 1;
}

int nh_rtnl_parse_addr(const void *msg, struct nh_ifaddr *out)
{
	const struct nlmsghdr *nlh = msg;
	const struct nlattr *tb[IFA_MAX + 1] = { 0 };
	const struct ifaddrmsg *ifa;
	uint8_t address[16];
	int has_address;

	if ((nlh->nlmsg_type != RTM_NEWADDR && nlh->nlmsg_type != RTM_DELADDR) ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifa)))
		return -EINVAL;
	ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return -EINVAL;
	if (mnl_attr_parse(nlh, sizeof(*ifa), attr_store, &(struct attrs){ tb, IFA_MAX }) < 0)
		return -EINVAL;

	memset(out, 0, sizeof(*out));
	out->index = ifa->ifa_index;
	out->family = ifa->ifa_family;
	out->prefixlen = ifa->ifa_prefixlen;
	out->scope = ifa->ifa_scope;
	out->flags = ifa->ifa_flags;
	attr_u32(tb[IFA_FLAGS], &out->flags); /* the full 32 bits, when sent */

	/* IFA_LOCAL is the interface's own address; IFA_ADDRESS is the same,
	 * or the peer on a point-to-point link. IPv6 often sends only the
	 * latter. */
	has_address = attr_ip(tb[IFA_ADDRESS], out->family, address);
	if (attr_ip(tb[IFA_LOCAL], out->family, out->local)) {
		if (has_address && memcmp(address, out->local, out->family == AF_INET ? 4 : 16)) {
			memcpy(out->peer, address, sizeof(address));
			out->has_peer = 1;
		}
	} else if (has_address) {
		memcpy(out->local, address, sizeof(address));
	} else {
		return -EINVAL;
	}
	if (out->family == AF_INET)
		out->has_broadcast = attr_ip(tb[IFA_BROADCAST], AF_INET, out->broadcast);
	attr_name(tb[IFA_LABEL], out->label, sizeof(out->label));

	out->preferred_lft = out->valid_lft = UINT32_MAX;
	if (tb[IFA_CACHEINFO] &&
	    mnl_attr_validate2(tb[IFA_CACHEINFO], MNL_TYPE_UNSPEC, sizeof(struct ifa_cacheinfo)) == 0) {
		const struct ifa_cacheinfo *ci = mnl_attr_get_payload(tb[IFA_CACHEINFO]);
		out->preferred_lft = ci->ifa_prefered;
		out->valid_lft = ci->ifa_valid;
	}
	return 0;
}

/* Room for one more element in a growing array. */
static void *grow(void *arr, int n, int *cap, size_t size)
{
	if (n < *cap)
		return arr;
	int ncap = *cap ? *cap * 2 : 16;
	void *p = realloc(arr, (size_t)ncap * size);
	if (p)
		*cap = ncap;
	return p;
}

static int dump_msg(const struct nlmsghdr *nlh, void *data)
{
	struct dump_state *st = data;
	struct nh_rtnl_snapshot *snap = st->snap;
	void *p;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		st->interrupted = 1;
	if (nlh->nlmsg_type == RTM_NEWLINK) {
		if (!(p = grow(snap->links, snap->nlinks, &st->cap_links, sizeof(*snap->links))))
			goto nomem;
		snap->links = p;
		if (nh_rtnl_parse_link(nlh, &snap->links[snap->nlinks]) == 0)
			snap->nlinks++;
	} else if (nlh->nlmsg_type == RTM_NEWADDR) {
		if (!(p = grow(snap->addrs, snap->naddrs, &st->cap_addrs, sizeof(*snap->addrs))))
			goto nomem;
		snap->addrs = p;
		if (nh_rtnl_parse_addr(nlh, &snap->addrs[snap->naddrs]) == 0)
			snap->naddrs++;
	}
	return MNL_CB_OK;
nomem:
	st->error = -ENOMEM;
	return MNL_CB_ERROR;
}

/* Send one dump request and read its answer into st. */
static int dump_one(struct mnl_socket *nl, char *buf, int type, int family, uint32_t seq,
		    struct dump_state *st, nh_error *err)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	uint32_t portid = mnl_socket_get_portid(nl);
	ssize_t n;
	int r;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	if (type == RTM_GETLINK) {
		struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
		ifi->ifi_family = AF_UNSPEC;
	} else {
		struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
		ifa->ifa_family = family;
	}
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return nh_error_set(err, errno, "rtnetlink: send dump request: %s", strerror(errno));
	do {
		n = mnl_socket_recvfrom(nl, buf, RTNL_DUMP_BUF);
		if (n < 0)
			return nh_error_set(err, errno, "rtnetlink: read dump: %s", strerror(errno));
		r = mnl_cb_run(buf, n, seq, portid, dump_msg, st);
	} while (r > MNL_CB_STOP);
	if (r < 0) {
		int e = st->error ? -st->error : errno;
		return nh_error_set(err, e, "rtnetlink: dump: %s", strerror(e));
	}
	return 0;
}

int nh_rtnl_snapshot_read(struct nh_rtnl_snapshot *snap, int family, nh_error *err)
{
	struct mnl_socket *nl;
	char *buf;
	int r = 0;

	memset(snap, 0, sizeof(*snap));
	if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6)
		return nh_error_set(err, EAFNOSUPPORT, "rtnetlink: unknown address family %d", family);
	buf = malloc(RTNL_DUMP_BUF);
	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!buf || !nl) {
		r = nh_error_set(err, buf ? errno : ENOMEM, "rtnetlink: open: %s",
				 strerror(buf ? errno : ENOMEM));
		goto out;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = nh_error_set(err, errno, "rtnetlink: bind: %s", strerror(errno));
		goto out;
	}
	for (int tries = 0; tries < RTNL_DUMP_TRIES; tries++) {
		struct dump_state st = { .snap = snap };
		uint32_t seq = (uint32_t)time(NULL) + (uint32_t)tries * 2;

		nh_rtnl_snapshot_free(snap);
		r = dump_one(nl, buf, RTM_GETLINK, AF_UNSPEC, seq, &st, err);
		if (r == 0)
			r = dump_one(nl, buf, RTM_GETADDR, family, seq + 1, &st, err);
		if (r < 0 || !st.interrupted)
			break;
		r = nh_error_set(err, EAGAIN, "rtnetlink: dump kept being interrupted by changes");
	}
out:
	if (r < 0)
		nh_rtnl_snapshot_free(snap);
	if (nl)
		mnl_socket_close(nl);
	free(buf);
	return r;
}

void nh_rtnl_snapshot_free(struct nh_rtnl_snapshot *snap)
{
	free(snap->links);
	free(snap->addrs);
	memset(snap, 0, sizeof(*snap));
}

const struct nh_link *nh_rtnl_link_by_name(const struct nh_rtnl_snapshot *snap, const char *name)
{
	for (int i = 0; i < snap->nlinks; i++)
		if (strcmp(snap->links[i].name, name) == 0)
			return &snap->links[i];
	return NULL;
}

const struct nh_link *nh_rtnl_link_by_index(const struct nh_rtnl_snapshot *snap, int index)
{
	for (int i = 0; i < snap->nlinks; i++)
		if (snap->links[i].index == index)
			return &snap->links[i];
	return NULL;
}

const char *nh_rtnl_operstate_name(int operstate)
{
	static const char *const names[] = {
		[IF_OPER_UNKNOWN] = "UNKNOWN",
		[IF_OPER_NOTPRESENT] = "NOTPRESENT",
		[IF_OPER_DOWN] = "DOWN",
		[IF_OPER_LOWERLAYERDOWN] = "LOWERLAYERDOWN",
		[IF_OPER_TESTING] = "TESTING",
		[IF_OPER_DORMANT] = "DORMANT",
		[IF_OPER_UP] = "UP",
	};

	if (operstate >= 0 && operstate < (int)(sizeof(names) / sizeof(names[0])) && names[operstate])
		return names[operstate];
	return "UNKNOWN";
}

const char *nh_rtnl_scope_name(int scope)
{
	switch (scope) {
	case RT_SCOPE_UNIVERSE: return "global";
	case RT_SCOPE_SITE: return "site";
	case RT_SCOPE_LINK: return "link";
	case RT_SCOPE_HOST: return "host";
	case RT_SCOPE_NOWHERE: return "nowhere";
	default: return "unknown";
	}
}

const char *nh_rtnl_addr_flag_name(int family, uint32_t bit)
{
	switch (bit) {
	case IFA_F_SECONDARY: return family == AF_INET6 ? "temporary" : "secondary";
	case IFA_F_NODAD: return "nodad";
	case IFA_F_OPTIMISTIC: return "optimistic";
	case IFA_F_DADFAILED: return "dadfailed";
	case IFA_F_HOMEADDRESS: return "home";
	case IFA_F_DEPRECATED: return "deprecated";
	case IFA_F_TENTATIVE: return "tentative";
	case IFA_F_PERMANENT: return "permanent";
	case IFA_F_MANAGETEMPADDR: return "mngtmpaddr";
	case IFA_F_NOPREFIXROUTE: return "noprefixroute";
	case IFA_F_MCAUTOJOIN: return "autojoin";
	case IFA_F_STABLE_PRIVACY: return "stable-privacy";
	default: return NULL;
	}
}

char *nh_rtnl_addr_flags_text(int family, uint32_t flags, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int b = 0; b < 32; b++) {
		const char *name = (flags >> b) & 1 ? nh_rtnl_addr_flag_name(family, 1u << b) : NULL;
		if (!name)
			continue;
		int w = snprintf(buf + n, len - n, "%s%s", n ? " " : "", name);
		if (w < 0 || (size_t)w >= len - n) {
			buf[n] = '\0'; /* whole words only */
			break;
		}
		n += (size_t)w;
	}
	return buf;
}
