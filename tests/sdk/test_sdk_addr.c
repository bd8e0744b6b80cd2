/* Address, CIDR and range parsing: valid inputs and errors that quote
 * the text. */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <nethost/sock.h>

static const char *fmt(const nh_addr *a)
{
	static char buf[NH_ADDR_STRLEN];
	return nh_addr_format(a, 1, buf, sizeof(buf));
}

START_TEST(addr_valid)
{
	static const struct { const char *in; int def; const char *out; } cases[] = {
		{ "192.0.2.1:80", -1, "192.0.2.1:80" },
		{ "192.0.2.1", 7, "192.0.2.1:7" },
		{ "[2001:db8::1]:443", -1, "[2001:db8::1]:443" },
		{ "2001:db8::1", 0, "[2001:db8::1]:0" },
		{ "::1", 9, "[::1]:9" },
		{ "[::]:7007", -1, "[::]:7007" },
		{ "0.0.0.0:65535", -1, "0.0.0.0:65535" },
		{ "[::ffff:192.0.2.1]:5", -1, "192.0.2.1:5" },
		{ "[fe80::1%lo]:22", -1, "[fe80::1%lo]:22" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		nh_addr a;
		nh_error err = { .msg = "" };
		ck_assert_msg(nh_addr_parse(cases[i].in, cases[i].def, &a, &err) == 0, "%s: %s",
			      cases[i].in, err.msg);
		ck_assert_str_eq(fmt(&a), cases[i].out);
	}
}
END_TEST

START_TEST(addr_invalid)
{
	static const struct { const char *in; int def; const char *says; } cases[] = {
		{ "", 80, "empty address" },
		{ "192.0.2.1", -1, "'192.0.2.1': a port is required" },
		{ "192.0.2.1:", -1, "'192.0.2.1:': empty port" },
		{ "192.0.2.1:http", -1, "'192.0.2.1:http': bad port 'http'" },
		{ "192.0.2.1:65536", -1, "bad port '65536'" },
		{ "192.0.2.1:-1", -1, "bad port" },
		{ "[2001:db8::1:80", -1, "missing ']'" },
		{ "[2001:db8::1]x", -1, "junk after ']'" },
		{ "300.1.2.3:80", -1, "'300.1.2.3:80': not a numeric" },
		{ "example.com:80", -1, "'example.com:80': not a numeric" },
		{ ":80", -1, "empty host" },
		{ "[fe80::1%nosuchif0]:1", -1, "no such interface" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		nh_addr a;
		nh_error err = { .msg = "" };
		ck_assert_msg(nh_addr_parse(cases[i].in, cases[i].def, &a, &err) < 0, "%s accepted",
			      cases[i].in);
		ck_assert_msg(strstr(err.msg, cases[i].says), "%s: got '%s'", cases[i].in, err.msg);
	}
}
END_TEST

START_TEST(resolve_names)
{
	nh_addr a[4];
	nh_error err;
	int n = nh_resolve("localhost:80", -1, AF_INET, SOCK_STREAM, a, 4, &err);
	ck_assert_msg(n >= 1, "%s", err.msg);
	ck_assert_str_eq(fmt(&a[0]), "127.0.0.1:80");
	n = nh_resolve("[::1]:81", -1, AF_UNSPEC, SOCK_STREAM, a, 4, &err);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(fmt(&a[0]), "[::1]:81");
	n = nh_resolve("127.0.0.1:1", -1, AF_INET6, SOCK_STREAM, a, 4, &err);
	ck_assert_int_lt(n, 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "not an IPv6 address"));
	n = nh_resolve("no-such-host.invalid:80", -1, AF_UNSPEC, SOCK_STREAM, a, 4, &err);
	ck_assert_int_lt(n, 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "'no-such-host.invalid:80': cannot resolve"));
}
END_TEST

static const char *cidr_text(const nh_cidr *c)
{
	static char buf[64];
	return nh_cidr_format(c, buf, sizeof(buf));
}

START_TEST(cidr_parse)
{
	nh_cidr c;
	nh_error err;
	ck_assert_int_eq(nh_cidr_parse("192.0.2.0/24", 0, &c, &err), 0);
	ck_assert_str_eq(cidr_text(&c), "192.0.2.0/24");
	ck_assert_int_eq(nh_cidr_parse("2001:db8::/64", 0, &c, &err), 0);
	ck_assert_str_eq(cidr_text(&c), "2001:db8::/64");
	ck_assert_int_eq(nh_cidr_parse("10.1.2.3", 0, &c, &err), 0);
	ck_assert_str_eq(cidr_text(&c), "10.1.2.3/32");
	ck_assert_int_eq(nh_cidr_parse("0.0.0.0/0", 0, &c, &err), 0);
	ck_assert_int_eq(nh_cidr_parse("::/0", 0, &c, &err), 0);
	ck_assert_int_eq(nh_cidr_parse("10.1.2.3/8", 1, &c, &err), 0);
	ck_assert_str_eq(cidr_text(&c), "10.0.0.0/8");

	static const struct { const char *in; const char *says; } bad[] = {
		{ "10.1.2.3/8", "'10.1.2.3/8': host bits set" },
		{ "192.0.2.0/33", "'192.0.2.0/33': prefix length must be 0-32" },
		{ "2001:db8::/129", "prefix length must be 0-128" },
		{ "192.0.2.0/", "bad prefix length" },
		{ "192.0.2.0/x", "bad prefix length" },
		{ "192.0.2/24", "'192.0.2/24': '192.0.2' is not an IPv4 or IPv6 address" },
		{ "/24", "not an address or CIDR" },
		{ "192.0.2.0/24/1", "prefix length" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		nh_error e = { .msg = "" };
		ck_assert_msg(nh_cidr_parse(bad[i].in, 0, &c, &e) < 0, "%s accepted", bad[i].in);
		ck_assert_msg(strstr(e.msg, bad[i].says), "%s: got '%s'", bad[i].in, e.msg);
	}
}
END_TEST

START_TEST(cidr_contains)
{
	nh_cidr list[3];
	nh_addr a;
	ck_assert_int_eq(nh_cidr_parse("192.0.2.0/25", 0, &list[0], NULL), 0);
	ck_assert_int_eq(nh_cidr_parse("2001:db8::/32", 0, &list[1], NULL), 0);
	ck_assert_int_eq(nh_cidr_parse("10.0.0.0/7", 0, &list[2], NULL), 0);
	nh_addr_parse("192.0.2.127", 0, &a, NULL);
	ck_assert(nh_cidr_contains(&list[0], &a.u.sa));
	nh_addr_parse("192.0.2.128", 0, &a, NULL);
	ck_assert(!nh_cidr_contains(&list[0], &a.u.sa));
	/* A dual-stack listener reports IPv4 clients as v4-mapped. */
	nh_addr_parse("::ffff:192.0.2.5", 0, &a, NULL);
	ck_assert(nh_cidr_contains(&list[0], &a.u.sa));
	ck_assert(!nh_cidr_contains(&list[1], &a.u.sa));
	nh_addr_parse("2001:db8:ffff::1", 0, &a, NULL);
	ck_assert(nh_cidr_contains(&list[1], &a.u.sa));
	ck_assert(!nh_cidr_contains(&list[0], &a.u.sa));
	nh_addr_parse("11.255.0.1", 0, &a, NULL);
	ck_assert(nh_cidr_list_match(list, 3, &a.u.sa));
	nh_addr_parse("12.0.0.1", 0, &a, NULL);
	ck_assert(!nh_cidr_list_match(list, 3, &a.u.sa));
}
END_TEST

START_TEST(cidr_list)
{
	nh_cidr *l;
	nh_error err = { .msg = "" };
	int n = nh_cidr_list_parse("10.0.0.0/8, ::1  192.168.0.0/16,", &l, &err);
	ck_assert_int_eq(n, 3);
	ck_assert_str_eq(cidr_text(&l[1]), "::1/128");
	free(l);
	n = nh_cidr_list_parse("10.0.0.0/8, bogus", &l, &err);
	ck_assert_int_lt(n, 0);
	ck_assert_ptr_null(l);
	ck_assert_ptr_nonnull(strstr(err.msg, "'bogus'"));
}
END_TEST

static const char *host_of(const nh_addr *a)
{
	static char buf[NH_ADDR_STRLEN];
	return nh_addr_format(a, 0, buf, sizeof(buf));
}

START_TEST(range_forms)
{
	nh_range r;
	nh_addr cur;
	nh_error err = { .msg = "" };

	ck_assert_int_eq(nh_range_parse("10.0.2.2-4", &r, &err), 0);
	ck_assert_uint_eq(nh_range_count(&r), 3);
	nh_range_begin(&r, &cur);
	ck_assert_str_eq(host_of(&cur), "10.0.2.2");
	ck_assert(nh_range_next(&r, &cur));
	ck_assert(nh_range_next(&r, &cur));
	ck_assert_str_eq(host_of(&cur), "10.0.2.4");
	ck_assert(!nh_range_next(&r, &cur));

	ck_assert_int_eq(nh_range_parse("10.0.2.250-10.0.3.9", &r, &err), 0);
	ck_assert_uint_eq(nh_range_count(&r), 16);
	int n = 1;
	nh_range_begin(&r, &cur);
	while (nh_range_next(&r, &cur))
		n++;
	ck_assert_int_eq(n, 16);
	ck_assert_str_eq(host_of(&cur), "10.0.3.9");

	ck_assert_int_eq(nh_range_parse("192.0.2.0/22", &r, &err), 0);
	ck_assert_uint_eq(nh_range_count(&r), 1024);
	ck_assert_int_eq(nh_range_parse("192.0.2.77", &r, &err), 0);
	ck_assert_uint_eq(nh_range_count(&r), 1);
	ck_assert_int_eq(nh_range_parse("2001:db8::1-ff", &r, &err), 0);
	ck_assert_uint_eq(nh_range_count(&r), 255);
	ck_assert_int_eq(nh_range_parse("2001:db8::fffe-2001:db8::1:1", &r, &err), 0);
	ck_assert_uint_eq(nh_range_count(&r), 4);
	nh_range_begin(&r, &cur);
	nh_range_next(&r, &cur);
	nh_range_next(&r, &cur);
	ck_assert_str_eq(host_of(&cur), "2001:db8::1:0");
	ck_assert_int_eq(nh_range_parse("2001:db8::/64", &r, &err), 0);
	ck_assert_uint_eq(nh_range_count(&r), UINT64_MAX);
	ck_assert_int_eq(nh_range_parse("255.255.255.254-255", &r, &err), 0);
	nh_range_begin(&r, &cur);
	ck_assert(nh_range_next(&r, &cur));
	ck_assert(!nh_range_next(&r, &cur)); /* no wrap to 0.0.0.0 */
}
END_TEST

START_TEST(range_invalid)
{
	static const struct { const char *in; const char *says; } bad[] = {
		{ "10.0.2.4-2", "'10.0.2.4-2': range ends before it starts" },
		{ "10.0.2.2-256", "'256' is not an IPv4 address or last octet" },
		{ "10.0.2.2-", "not a range" },
		{ "-10.0.2.2", "not a range" },
		{ "10.0.2.2-::1", "'::1' is not an IPv4 address" },
		{ "fish", "'fish': not a host, CIDR or range" },
		{ "2001:db8::1-zz", "'zz' is not an IPv6 address or last group" },
		{ "10.0.0.0/33", "not a host, CIDR or range" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		nh_range r;
		nh_error e = { .msg = "" };
		ck_assert_msg(nh_range_parse(bad[i].in, &r, &e) < 0, "%s accepted", bad[i].in);
		ck_assert_msg(strstr(e.msg, bad[i].says), "%s: got '%s'", bad[i].in, e.msg);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sdk_addr");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, addr_valid);
	tcase_add_test(tc, addr_invalid);
	tcase_add_test(tc, resolve_names);
	tcase_add_test(tc, cidr_parse);
	tcase_add_test(tc, cidr_contains);
	tcase_add_test(tc, cidr_list);
	tcase_add_test(tc, range_forms);
	tcase_add_test(tc, range_invalid);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
