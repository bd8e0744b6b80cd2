/* rtnetlink snapshots: the interfaces and their addresses, as the kernel
 * reports them (the way `ip link` / `ip addr` read them, not the old
 * SIOCGIFCONF ioctl, which misses IPv6 and address aliases).
 *
 * Plain structs, so a plugin needs no netlink library to read them. A
 * plugin that listens for changes itself (an rtnetlink multicast socket)
 * hands each message to nh_rtnl_parse_link() / nh_rtnl_parse_addr() and
 * gets the same structs.
 */
#ifndef NETHOST_RTNL_H
#define NETHOST_RTNL_H

#include <stddef.h>
#include <stdint.h>

#include <nethost/sock.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NH_IFNAMSIZ 16  /* IFNAMSIZ, with the terminating NUL */
#define NH_HWADDR_MAX 32 /* MAX_ADDR_LEN of the kernel */

/* One interface (RTM_NEWLINK). */
struct nh_link {
	int index;
	char name[NH_IFNAMSIZ];
	unsigned int flags;    /* IFF_* of <linux/if.h>, IFF_LOWER_UP included */
	unsigned int type;     /* ARPHRD_* of <net/if_arp.h> */
	unsigned int mtu;
	int operstate;         /* IF_OPER_* (RFC 2863) */
	int carrier;           /* 1, 0, or -1 when the kernel did not say */
	int hwaddr_len;        /* 0: none */
	uint8_t hwaddr[NH_HWADDR_MAX];
};

/* One address (RTM_NEWADDR). */
struct nh_ifaddr {
	int index;             /* of its interface */
	int family;            /* AF_INET or AF_INET6 */
	int prefixlen;
	int scope;             /* RT_SCOPE_*: 0 global, 200 site, 253 link, 254 host */
	uint32_t flags;        /* IFA_F_* (all 32 bits) */
	uint8_t local[16];     /* the interface's own address */
	int has_peer;          /* point-to-point: the other end */
	uint8_t peer[16];
	int has_broadcast;     /* IPv4 only */
	uint8_t broadcast[4];
	char label[NH_IFNAMSIZ]; /* IPv4 alias label ("eth0:1"), else "" */
	uint32_t preferred_lft; /* seconds left; UINT32_MAX: forever */
	uint32_t valid_lft;
};

/* All interfaces and the addresses of one family (or AF_UNSPEC: all). */
struct nh_rtnl_snapshot {
	struct nh_link *links;
	int nlinks;
	struct nh_ifaddr *addrs;
	int naddrs;
};

/* Dump links and addresses from the kernel (blocking, a few ms; not for
 * the data path). Fills *snap, to be released with nh_rtnl_snapshot_free().
 * family: AF_UNSPEC, AF_INET or AF_INET6 (which addresses to read).
 * 0, or -errno with the reason in err (snap is then empty). */
int nh_rtnl_snapshot_read(struct nh_rtnl_snapshot *snap, int family, nh_error *err);
void nh_rtnl_snapshot_free(struct nh_rtnl_snapshot *snap);
/* The interface with this name or index, or NULL. */
const struct nh_link *nh_rtnl_link_by_name(const struct nh_rtnl_snapshot *snap,
					   const char *name);
const struct nh_link *nh_rtnl_link_by_index(const struct nh_rtnl_snapshot *snap, int index);

/* Decode one rtnetlink message (a struct nlmsghdr, RTM_NEWLINK/DELLINK or
 * RTM_NEWADDR/DELADDR). 0, or -EINVAL when it is not one, is truncated,
 * or is a bridge-port message (AF_BRIDGE: a port joined or left a bridge;
 * the link itself did not change). */
int nh_rtnl_parse_link(const void *nlmsghdr, struct nh_link *out);
int nh_rtnl_parse_addr(const void *nlmsghdr, struct nh_ifaddr *out);

/* Names as iproute2 prints them: "UP", "LOWERLAYERDOWN"...; "global",
 * "link", "host"...; never NULL. */
const char *nh_rtnl_operstate_name(int operstate);
const char *nh_rtnl_scope_name(int scope);
/* The name of one IFA_F_* bit ("tentative", "deprecated", "permanent"...),
 * or NULL for a bit without one. family matters: bit 0 is "secondary" for
 * IPv4 and "temporary" (RFC 4941 privacy address) for IPv6. */
const char *nh_rtnl_addr_flag_name(int family, uint32_t bit);
/* Every named flag in flags, separated by spaces ("nodad permanent"), ""
 * when none; words that do not fit in len are left out. Returns buf. */
char *nh_rtnl_addr_flags_text(int family, uint32_t flags, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
