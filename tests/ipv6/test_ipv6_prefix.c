/* ipv6_prefix_compute() and ipv6_addr_type() against a table of cases:
 * every edge of the prefix length, IPv4-mapped, IPv4, and bad inputs,
 * which must come back quoted in the error. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "../../plugins/ipv6/ipv6_prefix.h"

struct good_case {
	const char *input;
	int family, prefixlen;
	const char *network, *last, *type;
};

static const struct good_case good[] = {
	{ "2001:db8::1/64", AF_INET6, 64, "2001:db8::", "2001:db8::ffff:ffff:ffff:ffff", "documentation" },
	{ "2001:db8:aa:bb:cc:dd:ee:ff/64", AF_INET6, 64, "2001:db8:aa:bb::", "2001:db8:aa:bb:ffff:ffff:ffff:ffff", "documentation" },
	{ "2001:db8::1/0", AF_INET6, 0, "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "documentation" },
	{ "::/0", AF_INET6, 0, "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "unspecified" },
	{ "2001:db8::7/127", AF_INET6, 127, "2001:db8::6", "2001:db8::7", "documentation" },
	{ "2001:db8::6/127", AF_INET6, 127, "2001:db8::6", "2001:db8::7", "documentation" },
	{ "2001:db8::5/128", AF_INET6, 128, "2001:db8::5", "2001:db8::5", "documentation" },
	{ "2001:db8::5", AF_INET6, 128, "2001:db8::5", "2001:db8::5", "documentation" },
	{ "2001:db8:1234::/33", AF_INET6, 33, "2001:db8::", "2001:db8:7fff:ffff:ffff:ffff:ffff:ffff", "documentation" },
	{ "2001:db8::1/065", AF_INET6, 65, "2001:db8::", "2001:db8::7fff:ffff:ffff:ffff", "documentation" },
	{ "fe80::1234:5678/64", AF_INET6, 64, "fe80::", "fe80::ffff:ffff:ffff:ffff", "link-local" },
	{ "fd12:3456:789a:1::1/48", AF_INET6, 48, "fd12:3456:789a::", "fd12:3456:789a:ffff:ffff:ffff:ffff:ffff", "unique-local" },
	{ "fec0::1/10", AF_INET6, 10, "fec0::", "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "site-local" },
	{ "::1", AF_INET6, 128, "::1", "::1", "loopback" },
	{ "ff02::1/8", AF_INET6, 8, "ff00::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "multicast" },
	{ "2606:4700::1111/32", AF_INET6, 32, "2606:4700::", "2606:4700:ffff:ffff:ffff:ffff:ffff:ffff", "global" },
	{ "2002:c000:201::1/16", AF_INET6, 16, "2002::", "2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "6to4" },
	{ "2001::1/32", AF_INET6, 32, "2001::", "2001:0:ffff:ffff:ffff:ffff:ffff:ffff", "teredo" },
	{ "64:ff9b::192.0.2.1/96", AF_INET6, 96, "64:ff9b::", "64:ff9b::ffff:ffff", "nat64" },
	{ "100::1/64", AF_INET6, 64, "100::", "100::ffff:ffff:ffff:ffff", "discard" },
	{ "3fff:1::/20", AF_INET6, 20, "3fff::", "3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", "documentation" },
	{ "4000::1/3", AF_INET6, 3, "4000::", "5fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "reserved" },
	/* IPv4-mapped: computed on all 128 bits, typed as mapped. */
	{ "::ffff:192.0.2.1/120", AF_INET6, 120, "::ffff:192.0.2.0", "::ffff:192.0.2.255", "ipv4-mapped" },
	{ "::ffff:10.1.2.3", AF_INET6, 128, "::ffff:10.1.2.3", "::ffff:10.1.2.3", "ipv4-mapped" },
	{ "::ffff:0.0.0.0/96", AF_INET6, 96, "::ffff:0.0.0.0", "::ffff:255.255.255.255", "ipv4-mapped" },
	/* IPv4 input. */
	{ "192.0.2.130/25", AF_INET, 25, "192.0.2.128", "192.0.2.255", "documentation" },
	{ "10.1.2.3/8", AF_INET, 8, "10.0.0.0", "10.255.255.255", "private" },
	{ "172.31.255.255/12", AF_INET, 12, "172.16.0.0", "172.31.255.255", "private" },
	{ "172.32.0.1/12", AF_INET, 12, "172.32.0.0", "172.47.255.255", "global" },
	{ "100.64.1.1/10", AF_INET, 10, "100.64.0.0", "100.127.255.255", "shared" },
	{ "127.0.0.1", AF_INET, 32, "127.0.0.1", "127.0.0.1", "loopback" },
	{ "169.254.7.7/16", AF_INET, 16, "169.254.0.0", "169.254.255.255", "link-local" },
	{ "8.8.8.8/0", AF_INET, 0, "0.0.0.0", "255.255.255.255", "global" },
	{ "198.51.100.9/31", AF_INET, 31, "198.51.100.8", "198.51.100.9", "documentation" },
	{ "0.0.0.0/0", AF_INET, 0, "0.0.0.0", "255.255.255.255", "unspecified" },
	{ "0.1.2.3/8", AF_INET, 8, "0.0.0.0", "0.255.255.255", "this-network" },
	{ "255.255.255.255", AF_INET, 32, "255.255.255.255", "255.255.255.255", "broadcast" },
	{ "239.1.2.3/4", AF_INET, 4, "224.0.0.0", "239.255.255.255", "multicast" },
	{ "250.0.0.1/4", AF_INET, 4, "240.0.0.0", "255.255.255.255", "reserved" },
	{ "198.19.0.1/15", AF_INET, 15, "198.18.0.0", "198.19.255.255", "benchmarking" },
};

START_TEST(test_good)
{
	const struct good_case *c = &good[_i];
	struct ipv6_prefix p;
	char net[INET6_ADDRSTRLEN], last[INET6_ADDRSTRLEN];
	nh_error err = { .msg = "" };

	ck_assert_msg(ipv6_prefix_compute(c->input, &p, &err) == 0, "%s: %s", c->input, err.msg);
	ck_assert_int_eq(p.family, c->family);
	ck_assert_int_eq(p.prefixlen, c->prefixlen);
	ck_assert_str_eq(inet_ntop(p.family, p.network, net, sizeof(net)), c->network);
	ck_assert_str_eq(inet_ntop(p.family, p.last, last, sizeof(last)), c->last);
	ck_assert_str_eq(p.type, c->type);
}
END_TEST

struct bad_case {
	const char *input;
	const char *error; /* the exact message */
};

static const struct bad_case bad[] = {
	{ "", "'': empty address" },
	{ "2001:db8::1/129", "'2001:db8::1/129': prefix length '129' is not 0-128" },
	{ "192.0.2.1/33", "'192.0.2.1/33': prefix length '33' is not 0-32" },
	{ "2001:db8::1/", "'2001:db8::1/': prefix length '' is not 0-128" },
	{ "2001:db8::1/-1", "'2001:db8::1/-1': prefix length '-1' is not 0-128" },
	{ "2001:db8::1/+64", "'2001:db8::1/+64': prefix length '+64' is not 0-128" },
	{ "2001:db8::1/ 64", "'2001:db8::1/ 64': prefix length ' 64' is not 0-128" },
	{ "2001:db8::1/64x", "'2001:db8::1/64x': prefix length '64x' is not 0-128" },
	{ "2001:db8::1/0064", "'2001:db8::1/0064': prefix length '0064' is not 0-128" },
	{ "2001:db8::1/64/64", "'2001:db8::1/64/64': prefix length '64/64' is not 0-128" },
	{ "/64", "'/64': '' is not an IPv6 or IPv4 address" },
	{ "2001:db8:::1/64", "'2001:db8:::1/64': '2001:db8:::1' is not an IPv6 or IPv4 address" },
	{ "2001:db8::g", "'2001:db8::g' is not an IPv6 or IPv4 address" },
	{ "1:2:3:4:5:6:7:8:9", "'1:2:3:4:5:6:7:8:9' is not an IPv6 or IPv4 address" },
	{ "192.0.2", "'192.0.2' is not an IPv6 or IPv4 address" },
	{ "192.0.2.256/24", "'192.0.2.256/24': '192.0.2.256' is not an IPv6 or IPv4 address" },
	{ "example.com", "'example.com' is not an IPv6 or IPv4 address" },
	{ "fe80::1%eth0/64", "'fe80::1%eth0/64': zone index (%...) not allowed in a prefix" },
	{ "1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb:cccc:dddd:eeee/64",
	  "'1111:2222:3333:4444:5555:6666:7777:8888:...': too long for an address" },
};

START_TEST(test_bad)
{
	const struct bad_case *c = &bad[_i];
	struct ipv6_prefix p;
	nh_error err = { .msg = "" };

	ck_assert_int_eq(ipv6_prefix_compute(c->input, &p, &err), -EINVAL);
	ck_assert_str_eq(err.msg, c->error);
}
END_TEST

START_TEST(test_scope)
{
	static const struct { const char *addr, *scope; } cases[] = {
		{ "::1", "host" },           { "fe80::1", "link" },  { "febf::1", "link" },
		{ "fec0::1", "site" },       { "fd00::1", "ula" },   { "fc00::1", "ula" },
		{ "2001:db8::1", "global" }, { "2a00::1", "global" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t a[16];
		ck_assert_int_eq(inet_pton(AF_INET6, cases[i].addr, a), 1);
		ck_assert_msg(strcmp(ipv6_addr_scope(a), cases[i].scope) == 0, "%s: got %s, want %s",
			      cases[i].addr, ipv6_addr_scope(a), cases[i].scope);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ipv6_prefix");
	TCase *tc = tcase_create("prefix");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_good, 0, sizeof(good) / sizeof(good[0]));
	tcase_add_loop_test(tc, test_bad, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_scope);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
