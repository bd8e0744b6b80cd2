/* The rtnetlink decoders ifaces and ipv6 share (plugins/common/rtnl.h) on hand-built messages:
 * what the kernel sends, and what it must never make us crash on or
 * misread (truncated, wrong type, bridge-port messages, bad lengths). */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_arp.h>
#include <linux/rtnetlink.h>

#include "common/rtnl.h"

static char buf[4096];

static struct nlmsghdr *link_msg(int type, int family, int index, const char *name)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = family;
	ifi->ifi_index = index;
	ifi->ifi_type = ARPHRD_ETHER;
	ifi->ifi_flags = IFF_UP | IFF_BROADCAST | IFF_LOWER_UP;
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nlh;
}

START_TEST(test_link)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 0xa };
	struct nlmsghdr *nlh = link_msg(RTM_NEWLINK, AF_UNSPEC, 7, "eth7");
	struct nh_link l;

	mnl_attr_put_u32(nlh, IFLA_MTU, 9000);
	mnl_attr_put_u8(nlh, IFLA_OPERSTATE, IF_OPER_UP);
	mnl_attr_put(nlh, IFLA_ADDRESS, sizeof(mac), mac);
	ck_assert_int_eq(nh_rtnl_parse_link(nlh, &l), 0);
	ck_assert_int_eq(l.index, 7);
	ck_assert_str_eq(l.name, "eth7");
	ck_assert_uint_eq(l.mtu, 9000);
	ck_assert_str_eq(nh_rtnl_operstate_name(l.operstate), "UP");
	ck_assert_int_eq(l.carrier, -1); /* not sent: unknown */
	ck_assert_int_eq(l.hwaddr_len, 6);
	ck_assert_mem_eq(l.hwaddr, mac, 6);
	ck_assert_uint_eq(l.flags, IFF_UP | IFF_BROADCAST | IFF_LOWER_UP);
}
END_TEST

START_TEST(test_link_refused)
{
	struct nh_link l;
	struct nlmsghdr *nlh;

	/* A port leaving a bridge: not the link going away. */
	ck_assert_int_eq(nh_rtnl_parse_link(link_msg(RTM_DELLINK, AF_BRIDGE, 3, "eth3"), &l), -EINVAL);
	ck_assert_int_eq(nh_rtnl_parse_link(link_msg(RTM_NEWADDR, AF_UNSPEC, 3, "eth3"), &l), -EINVAL);
	ck_assert_int_eq(nh_rtnl_parse_link(link_msg(RTM_NEWLINK, AF_UNSPEC, 3, NULL), &l), -EINVAL);
	/* A name that fills IFNAMSIZ leaves no room for the NUL. */
	ck_assert_int_eq(nh_rtnl_parse_link(link_msg(RTM_NEWLINK, AF_UNSPEC, 3, "0123456789abcdef"), &l),
			 -EINVAL);
	/* Cut short: the header claims less than an ifinfomsg. */
	nlh = link_msg(RTM_NEWLINK, AF_UNSPEC, 3, "eth3");
	nlh->nlmsg_len = sizeof(*nlh) + 4;
	ck_assert_int_eq(nh_rtnl_parse_link(nlh, &l), -EINVAL);
	/* An attribute running past the end of the message. */
	nlh = link_msg(RTM_NEWLINK, AF_UNSPEC, 3, "eth3");
	nlh->nlmsg_len -= 4;
	ck_assert_int_eq(nh_rtnl_parse_link(nlh, &l), -EINVAL);
	/* A hardware address longer than any real one is dropped, not copied. */
	nlh = link_msg(RTM_NEWLINK, AF_UNSPEC, 3, "eth3");
	mnl_attr_put(nlh, IFLA_ADDRESS, 64, buf + 2048);
	ck_assert_int_eq(nh_rtnl_parse_link(nlh, &l), 0);
	ck_assert_int_eq(l.hwaddr_len, 0);
}
END_TEST

static struct nlmsghdr *addr_msg(int type, int family, int prefixlen)
{
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = family;
	ifa->ifa_prefixlen = prefixlen;
	ifa->ifa_flags = IFA_F_PERMANENT;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = 4;
	return nlh;
}

static void put_ip(struct nlmsghdr *nlh, int type, int family, const char *text)
{
	uint8_t a[16];

	ck_assert_int_eq(inet_pton(family, text, a), 1);
	mnl_attr_put(nlh, type, family == AF_INET ? 4 : 16, a);
}

static const char *ntop(int family, const uint8_t *a)
{
	static char text[INET6_ADDRSTRLEN];
	return inet_ntop(family, a, text, sizeof(text));
}

START_TEST(test_addr)
{
	struct nlmsghdr *nlh;
	struct nh_ifaddr a;
	char flags[128];

	/* IPv4: IFA_LOCAL and IFA_ADDRESS equal, a broadcast and a label. */
	nlh = addr_msg(RTM_NEWADDR, AF_INET, 24);
	put_ip(nlh, IFA_ADDRESS, AF_INET, "192.0.2.1");
	put_ip(nlh, IFA_LOCAL, AF_INET, "192.0.2.1");
	put_ip(nlh, IFA_BROADCAST, AF_INET, "192.0.2.255");
	mnl_attr_put_strz(nlh, IFA_LABEL, "eth4:1");
	ck_assert_int_eq(nh_rtnl_parse_addr(nlh, &a), 0);
	ck_assert_str_eq(ntop(AF_INET, a.local), "192.0.2.1");
	ck_assert_int_eq(a.has_peer, 0);
	ck_assert_int_eq(a.has_broadcast, 1);
	ck_assert_str_eq(ntop(AF_INET, a.broadcast), "192.0.2.255");
	ck_assert_str_eq(a.label, "eth4:1");
	ck_assert_uint_eq(a.valid_lft, UINT32_MAX);

	/* Point-to-point: IFA_ADDRESS is the peer. */
	nlh = addr_msg(RTM_NEWADDR, AF_INET, 32);
	put_ip(nlh, IFA_ADDRESS, AF_INET, "10.0.0.2");
	put_ip(nlh, IFA_LOCAL, AF_INET, "10.0.0.1");
	ck_assert_int_eq(nh_rtnl_parse_addr(nlh, &a), 0);
	ck_assert_str_eq(ntop(AF_INET, a.local), "10.0.0.1");
	ck_assert_int_eq(a.has_peer, 1);
	ck_assert_str_eq(ntop(AF_INET, a.peer), "10.0.0.2");

	/* IPv6: IFA_ADDRESS only; IFA_FLAGS carries the 32-bit flags. */
	nlh = addr_msg(RTM_DELADDR, AF_INET6, 64);
	put_ip(nlh, IFA_ADDRESS, AF_INET6, "2001:db8::1");
	mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_TENTATIVE | IFA_F_NOPREFIXROUTE | IFA_F_SECONDARY);
	ck_assert_int_eq(nh_rtnl_parse_addr(nlh, &a), 0);
	ck_assert_str_eq(ntop(AF_INET6, a.local), "2001:db8::1");
	ck_assert_int_eq(a.prefixlen, 64);
	ck_assert_str_eq(nh_rtnl_addr_flags_text(AF_INET6, a.flags, flags, sizeof(flags)),
			 "temporary tentative noprefixroute");
	ck_assert_str_eq(nh_rtnl_addr_flags_text(AF_INET, IFA_F_SECONDARY | IFA_F_PERMANENT, flags,
						 sizeof(flags)),
			 "secondary permanent");
	/* Truncated to the buffer, never past it. */
	ck_assert_str_eq(nh_rtnl_addr_flags_text(AF_INET6, a.flags, flags, 12), "temporary");
}
END_TEST

START_TEST(test_addr_refused)
{
	struct nlmsghdr *nlh;
	struct nh_ifaddr a;

	nlh = addr_msg(RTM_NEWADDR, AF_INET6, 64); /* no address at all */
	ck_assert_int_eq(nh_rtnl_parse_addr(nlh, &a), -EINVAL);
	nlh = addr_msg(RTM_NEWADDR, AF_INET6, 64); /* an IPv4-sized IPv6 address */
	put_ip(nlh, IFA_ADDRESS, AF_INET, "192.0.2.1");
	ck_assert_int_eq(nh_rtnl_parse_addr(nlh, &a), -EINVAL);
	nlh = addr_msg(RTM_NEWADDR, AF_PACKET, 0);
	put_ip(nlh, IFA_ADDRESS, AF_INET, "192.0.2.1");
	ck_assert_int_eq(nh_rtnl_parse_addr(nlh, &a), -EINVAL);
	nlh = addr_msg(RTM_NEWLINK, AF_INET, 24);
	put_ip(nlh, IFA_ADDRESS, AF_INET, "192.0.2.1");
	ck_assert_int_eq(nh_rtnl_parse_addr(nlh, &a), -EINVAL);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(nh_rtnl_operstate_name(IF_OPER_LOWERLAYERDOWN), "LOWERLAYERDOWN");
	ck_assert_str_eq(nh_rtnl_operstate_name(99), "UNKNOWN");
	ck_assert_str_eq(nh_rtnl_operstate_name(-1), "UNKNOWN");
	ck_assert_str_eq(nh_rtnl_scope_name(RT_SCOPE_LINK), "link");
	ck_assert_str_eq(nh_rtnl_scope_name(RT_SCOPE_HOST), "host");
	ck_assert_str_eq(nh_rtnl_scope_name(RT_SCOPE_UNIVERSE), "global");
	ck_assert_ptr_null(nh_rtnl_addr_flag_name(AF_INET6, 1u << 31));
}
END_TEST

START_TEST(test_snapshot)
{
	struct nh_rtnl_snapshot s;
	nh_error err;
	const struct nh_link *lo;

	ck_assert_int_eq(nh_rtnl_snapshot_read(&s, AF_PACKET, &err), -EAFNOSUPPORT);
	ck_assert_ptr_null(s.links);
	ck_assert_int_eq(nh_rtnl_snapshot_read(&s, AF_UNSPEC, &err), 0);
	lo = nh_rtnl_link_by_name(&s, "lo");
	ck_assert_ptr_nonnull(lo);
	ck_assert_ptr_eq(nh_rtnl_link_by_index(&s, lo->index), lo);
	ck_assert_ptr_null(nh_rtnl_link_by_name(&s, "no-such-link"));
	nh_rtnl_snapshot_free(&s);
	ck_assert_int_eq(s.nlinks, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rtnl_parse");
	TCase *tc = tcase_create("rtnl");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_link);
	tcase_add_test(tc, test_link_refused);
	tcase_add_test(tc, test_addr);
	tcase_add_test(tc, test_addr_refused);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_snapshot);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
