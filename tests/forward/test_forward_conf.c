/* forward's allow/deny decision and upstream list, unit-tested on the
 * plugin's own forward_conf.c. */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/forward/forward.h"

static nh_addr addr(const char *text)
{
	nh_addr a;
	nh_error e;
	ck_assert_msg(nh_addr_parse(text, 1, &a, &e) == 0, "%s: %s", text, e.msg);
	return a;
}

static void lists(struct fwd_conf *c, const char *allow, const char *deny)
{
	nh_error e;
	c->n_allow = allow ? nh_cidr_list_parse(allow, &c->allow, &e) : 0;
	c->n_deny = deny ? nh_cidr_list_parse(deny, &c->deny, &e) : 0;
	ck_assert_int_ge(c->n_allow, 0);
	ck_assert_int_ge(c->n_deny, 0);
}

static int permits(const struct fwd_conf *c, const char *client)
{
	nh_addr a = addr(client);
	return fwd_acl_permits(c, &a.u.sa);
}

START_TEST(acl_default_allows_all)
{
	struct fwd_conf c = { 0 };
	ck_assert(permits(&c, "192.0.2.1"));
	ck_assert(permits(&c, "2001:db8::1"));
	fwd_conf_free(&c);
}
END_TEST

START_TEST(acl_deny_wins)
{
	struct fwd_conf c = { 0 };
	lists(&c, "10.0.0.0/8, 2001:db8::/32", "10.1.2.3 2001:db8:bad::/48");
	ck_assert(permits(&c, "10.9.9.9"));
	ck_assert(!permits(&c, "10.1.2.3"));
	ck_assert(!permits(&c, "192.0.2.1"));          /* not in allow */
	ck_assert(permits(&c, "2001:db8::1"));
	ck_assert(!permits(&c, "2001:db8:bad::1"));
	ck_assert(!permits(&c, "2001:db9::1"));
	/* A dual-stack listener reports IPv4 clients v4-mapped. */
	ck_assert(permits(&c, "::ffff:10.9.9.9"));
	ck_assert(!permits(&c, "::ffff:10.1.2.3"));
	fwd_conf_free(&c);
}
END_TEST

START_TEST(acl_deny_only)
{
	struct fwd_conf c = { 0 };
	lists(&c, NULL, "::1, 127.0.0.0/8");
	ck_assert(!permits(&c, "::1"));
	ck_assert(!permits(&c, "127.0.0.5"));
	ck_assert(!permits(&c, "::ffff:127.0.0.5"));
	ck_assert(permits(&c, "192.0.2.1"));
	ck_assert(permits(&c, "2001:db8::1"));
	fwd_conf_free(&c);
}
END_TEST

START_TEST(upstreams_in_order)
{
	struct fwd_conf c = { 0 };
	nh_error e;
	char buf[NH_ADDR_STRLEN];

	ck_assert_int_eq(fwd_conf_add_upstream(&c, "127.0.0.1:80", &e), 0);
	ck_assert_int_eq(fwd_conf_add_upstream(&c, "[::1]:8080", &e), 0);
	ck_assert_int_eq(c.n_up, 2);
	ck_assert_str_eq(nh_addr_format(&c.up[0], 1, buf, sizeof(buf)), "127.0.0.1:80");
	ck_assert_str_eq(nh_addr_format(&c.up[1], 1, buf, sizeof(buf)), "[::1]:8080");
	/* Each address keeps its name: TLS sends it (SNI) and checks it. */
	ck_assert_str_eq(c.up_host[0], "127.0.0.1");
	ck_assert_str_eq(c.up_host[1], "::1");
	ck_assert_int_lt(fwd_conf_add_upstream(&c, "127.0.0.1", &e), 0);
	ck_assert_msg(strstr(e.msg, "'127.0.0.1'"), "error does not quote the text: %s", e.msg);
	ck_assert_int_lt(fwd_conf_add_upstream(&c, "127.0.0.1:70000", &e), 0);
	ck_assert_int_eq(c.n_up, 2); /* failures add nothing */
	/* An address named twice is one upstream (one set of series). */
	ck_assert_int_eq(fwd_conf_add_upstream(&c, "127.0.0.1:80", &e), 0);
	ck_assert_int_eq(c.n_up, 2);
	nh_addr l = addr("[::]:7070");
	ck_assert_int_eq(fwd_conf_add_listen(&c, &l), 0);
	ck_assert_int_eq(c.n_listen, 1);
	fwd_conf_free(&c);
	ck_assert_int_eq(c.n_up, 0);
	ck_assert_ptr_null(c.up);
}
END_TEST

START_TEST(host_of_target)
{
	const char *cases[][2] = {
		{ "www.example.org:443", "www.example.org" },
		{ "[2001:db8::1]:443", "2001:db8::1" },
		{ "localhost:80", "localhost" },
		{ "name", "name" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *h = fwd_host_of(cases[i][0]);
		ck_assert_str_eq(h, cases[i][1]);
		free(h);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("forward_conf");
	TCase *tc = tcase_create("conf");
	tcase_add_test(tc, acl_default_allows_all);
	tcase_add_test(tc, acl_deny_wins);
	tcase_add_test(tc, acl_deny_only);
	tcase_add_test(tc, upstreams_in_order);
	tcase_add_test(tc, host_of_target);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
