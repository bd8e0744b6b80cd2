/* How links and addresses are named in text: the words iproute2 uses, so
 * output reads the same as `ip addr` and scripts can compare the two. */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <linux/if.h>

#include "ifaces.h"

static const struct {
	unsigned int bit;
	const char *name;
} link_flags[] = {
	{ IFF_LOOPBACK, "LOOPBACK" },   { IFF_BROADCAST, "BROADCAST" },
	{ IFF_POINTOPOINT, "POINTOPOINT" }, { IFF_MULTICAST, "MULTICAST" },
	{ IFF_NOARP, "NOARP" },         { IFF_ALLMULTI, "ALLMULTI" },
	{ IFF_PROMISC, "PROMISC" },     { IFF_MASTER, "MASTER" },
	{ IFF_SLAVE, "SLAVE" },         { IFF_DEBUG, "DEBUG" },
	{ IFF_DYNAMIC, "DYNAMIC" },     { IFF_AUTOMEDIA, "AUTOMEDIA" },
	{ IFF_PORTSEL, "PORTSEL" },     { IFF_NOTRAILERS, "NOTRAILERS" },
	{ IFF_UP, "UP" },               { IFF_RUNNING, "RUNNING" },
	{ IFF_LOWER_UP, "LOWER_UP" },   { IFF_DORMANT, "DORMANT" },
	{ IFF_ECHO, "ECHO" },
};

char *ifaces_link_flags_text(unsigned int flags, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(link_flags) / sizeof(link_flags[0]); i++) {
		if (!(flags & link_flags[i].bit))
			continue;
		int w = snprintf(buf + n, len - n, "%s%s", n ? "," : "", link_flags[i].name);
		if (w < 0 || (size_t)w >= len - n) {
			buf[n] = '\0'; /* whole words only */
			break;
		}
		n += (size_t)w;
	}
	return buf;
}

char *ifaces_addr_text(const struct nh_ifaddr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(a->family, a->local, ip, sizeof(ip));
	snprintf(buf, len, "%s/%d", ip, a->prefixlen);
	return buf;
}

const char *ifaces_link_type_name(unsigned int type)
{
	switch (type) {
	case ARPHRD_ETHER: return "ether";
	case ARPHRD_LOOPBACK: return "loopback";
	case ARPHRD_NONE: return "none";
	case ARPHRD_TUNNEL: return "ipip";
	case ARPHRD_TUNNEL6: return "tunnel6";
	case ARPHRD_SIT: return "sit";
	case ARPHRD_IPGRE: return "gre";
	case ARPHRD_PPP: return "ppp";
	case ARPHRD_INFINIBAND: return "infiniband";
	case ARPHRD_IEEE80211_RADIOTAP: return "ieee802.11/radiotap";
	case ARPHRD_CAN: return "can";
	case ARPHRD_VOID: return "void";
	default: return "other";
	}
}

int ifaces_link_carrier(const struct nh_link *l)
{
	return l->carrier >= 0 ? l->carrier : !!(l->flags & IFF_LOWER_UP);
}
