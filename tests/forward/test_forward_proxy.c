/* The PROXY protocol header (plugins/forward/forward_proxy.c): v1 and v2
 * parsed and built byte for byte, every prefix of a good header asks for
 * more, and what the spec says to drop is dropped. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/forward/forward_proxy.h"

static const uint8_t sig[12] = { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A };

static nh_addr addr(const char *text)
{
	nh_addr a;
	nh_error e;
	ck_assert_msg(nh_addr_parse(text, -1, &a, &e) == 0, "%s: %s", text, e.msg);
	return a;
}

static const char *fmt(const nh_addr *a)
{
	static char buf[4][NH_ADDR_STRLEN];
	static int i;
	return nh_addr_format(a, 1, buf[i++ % 4], NH_ADDR_STRLEN);
}

/* Parse text; every shorter prefix must ask for more. */
static int parse_all(const void *buf, size_t len, struct fwd_proxy_hdr *h)
{
	int r = fwd_proxy_parse(buf, len, h);
	if (r > 0)
		for (size_t k = 0; k < (size_t)r; k++)
			ck_assert_msg(fwd_proxy_parse(buf, k, h) == 0, "prefix %zu of %d", k, r);
	if (r > 0)
		r = fwd_proxy_parse(buf, len, h);
	return r;
}

static int v1(const char *text, struct fwd_proxy_hdr *h)
{
	return parse_all(text, strlen(text), h);
}

START_TEST(v1_tcp4_and_tcp6)
{
	struct fwd_proxy_hdr h;
	const char *t = "PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\nGET / HTTP/1.0\r\n";
	ck_assert_int_eq(v1(t, &h), (int)(strchr(t, '\n') - t + 1)); /* payload untouched */
	ck_assert_int_eq(h.version, 1);
	ck_assert_int_eq(h.local, 0);
	ck_assert_str_eq(fmt(&h.src), "192.0.2.1:56324");
	ck_assert_str_eq(fmt(&h.dst), "198.51.100.7:443");
	t = "PROXY TCP6 2001:db8::1 ::1 0 65535\r\n";
	ck_assert_int_eq(v1(t, &h), (int)strlen(t));
	ck_assert_str_eq(fmt(&h.src), "[2001:db8::1]:0");
	ck_assert_str_eq(fmt(&h.dst), "[::1]:65535");
	t = "PROXY UNKNOWN\r\n";
	ck_assert_int_eq(v1(t, &h), 15);
	ck_assert_int_eq(h.local, 1);
	t = "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
	ck_assert_int_eq(strlen(t), 107); /* the longest line there is */
	ck_assert_int_eq(v1(t, &h), 107);
	ck_assert_int_eq(h.local, 1);
}
END_TEST

START_TEST(v1_malformed)
{
	struct fwd_proxy_hdr h;
	static const char *const bad[] = {
		"PROXY TCP4 192.0.2.1 198.51.100.7 056324 443\r\n", /* leading zero */
		"PROXY TCP4 192.0.2.01 198.51.100.7 1 2\r\n",
		"PROXY TCP4 192.0.2.1 198.51.100.7 65536 443\r\n",
		"PROXY TCP4 192.0.2.1  198.51.100.7 1 443\r\n", /* two spaces */
		"PROXY TCP4 192.0.2.1 198.51.100.7 1 443 \r\n",
		"PROXY TCP4 192.0.2.1 198.51.100.7 1\r\n",
		"PROXY TCP4 192.0.2.1 198.51.100.7 1 2 3\r\n",
		"PROXY TCP4 2001:db8::1 198.51.100.7 1 2\r\n", /* family mismatch */
		"PROXY TCP6 192.0.2.1 ::1 1 2\r\n",
		"PROXY TCP5 192.0.2.1 198.51.100.7 1 2\r\n",
		"PROXY tcp4 192.0.2.1 198.51.100.7 1 2\r\n",
		"PROXY TCP4 192.0.2.1 198.51.100.7 1 2\n",       /* LF alone */
		"PROXY TCP4 192.0.2.1 198.51.100.7 1 2\rX\n",
		"PROXY UNKNOWNX\r\n",
		"PROXY  UNKNOWN\r\n",
		"PROXY \r\n",
		"proxy TCP4 192.0.2.1 198.51.100.7 1 2\r\n",
		"GET / HTTP/1.0\r\n",
		"SSH-2.0-OpenSSH_9.2\r\n",
		"P\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(fwd_proxy_parse(bad[i], strlen(bad[i]), &h) == -EINVAL, "accepted: %s",
			      bad[i]);
	/* No CRLF in the first 107 bytes: refused, even with one later. */
	char longl[200];
	memset(longl, 'x', sizeof(longl));
	memcpy(longl, "PROXY UNKNOWN ", 14);
	ck_assert_int_eq(fwd_proxy_parse(longl, 106, &h), 0);
	ck_assert_int_eq(fwd_proxy_parse(longl, 107, &h), -EINVAL);
	memcpy(longl + 106, "\r\n", 2); /* a 108-byte line */
	ck_assert_int_eq(fwd_proxy_parse(longl, 108, &h), -EINVAL);
	memcpy(longl + 105, "\r\n", 2); /* 107 is fine */
	ck_assert_int_eq(fwd_proxy_parse(longl, 108, &h), 107);
	/* A wrong first byte is refused at once, without waiting. */
	ck_assert_int_eq(fwd_proxy_parse("G", 1, &h), -EINVAL);
	ck_assert_int_eq(fwd_proxy_parse("PROXX", 5, &h), -EINVAL);
}
END_TEST

/* A v2 header: command, family, address bytes. */
static size_t v2_make(uint8_t *b, uint8_t ver_cmd, uint8_t fam, const void *addrs, size_t alen)
{
	memcpy(b, sig, 12);
	b[12] = ver_cmd;
	b[13] = fam;
	b[14] = (uint8_t)(alen >> 8);
	b[15] = (uint8_t)alen;
	if (alen)
		memcpy(b + 16, addrs, alen);
	return 16 + alen;
}

START_TEST(v2_families)
{
	struct fwd_proxy_hdr h;
	uint8_t b[2200], a[300] = { 0 };

	/* TCP4 192.0.2.1:1234 -> 198.51.100.7:443, then a TLV (skipped). */
	const uint8_t v4[] = { 192, 0, 2, 1, 198, 51, 100, 7, 0x04, 0xd2, 0x01, 0xbb,
			       0x04, 0x00, 0x02, 'h', 'i' };
	size_t n = v2_make(b, 0x21, 0x11, v4, sizeof(v4));
	memcpy(b + n, "payload", 7);
	ck_assert_int_eq(parse_all(b, n + 7, &h), (int)n);
	ck_assert_int_eq(h.version, 2);
	ck_assert_int_eq(h.local, 0);
	ck_assert_str_eq(fmt(&h.src), "192.0.2.1:1234");
	ck_assert_str_eq(fmt(&h.dst), "198.51.100.7:443");

	memset(a, 0, 36);
	a[15] = 1;                /* ::1 */
	a[16] = 0x20, a[17] = 0x01, a[18] = 0x0d, a[19] = 0xb8, a[31] = 9; /* 2001:db8::9 */
	a[32] = 0xff, a[33] = 0xff, a[34] = 0, a[35] = 80;
	n = v2_make(b, 0x21, 0x21, a, 36);
	ck_assert_int_eq(parse_all(b, n, &h), 52);
	ck_assert_str_eq(fmt(&h.src), "[::1]:65535");
	ck_assert_str_eq(fmt(&h.dst), "[2001:db8::9]:80");

	/* LOCAL: the real endpoints, whatever the family says. */
	n = v2_make(b, 0x20, 0x00, NULL, 0);
	ck_assert_int_eq(parse_all(b, n, &h), 16);
	ck_assert_int_eq(h.local, 1);
	n = v2_make(b, 0x20, 0x11, v4, 12);
	ck_assert_int_eq(parse_all(b, n, &h), 28);
	ck_assert_int_eq(h.local, 1);
	/* UNSPEC, UDP and UNIX fall back to the real endpoints. */
	ck_assert_int_eq(parse_all(b, v2_make(b, 0x21, 0x00, NULL, 0), &h), 16);
	ck_assert_int_eq(h.local, 1);
	ck_assert_int_eq(parse_all(b, v2_make(b, 0x21, 0x12, v4, 12), &h), 28);
	ck_assert_int_eq(h.local, 1);
	ck_assert_int_eq(parse_all(b, v2_make(b, 0x21, 0x31, a, 216), &h), 232);
	ck_assert_int_eq(h.local, 1);
	/* The longest accepted, and one byte more. */
	static uint8_t big[FWD_PROXY_V2_MAX + 1];
	ck_assert_int_eq(parse_all(b, v2_make(b, 0x21, 0x11, big, FWD_PROXY_V2_MAX - 16), &h),
			 FWD_PROXY_V2_MAX);
	ck_assert_int_eq(fwd_proxy_parse(b, v2_make(b, 0x21, 0x11, big, FWD_PROXY_V2_MAX - 15), &h),
			 -E2BIG);
}
END_TEST

START_TEST(v2_malformed)
{
	struct fwd_proxy_hdr h;
	uint8_t b[300], a[216] = { 0 };

	ck_assert_int_eq(fwd_proxy_parse(b, v2_make(b, 0x11, 0x11, a, 12), &h), -EINVAL); /* v1 */
	ck_assert_int_eq(fwd_proxy_parse(b, v2_make(b, 0x31, 0x11, a, 12), &h), -EINVAL); /* v3 */
	ck_assert_int_eq(fwd_proxy_parse(b, v2_make(b, 0x22, 0x11, a, 12), &h), -EINVAL); /* cmd 2 */
	ck_assert_int_eq(fwd_proxy_parse(b, v2_make(b, 0x21, 0x13, a, 12), &h), -EINVAL);
	ck_assert_int_eq(fwd_proxy_parse(b, v2_make(b, 0x21, 0x41, a, 12), &h), -EINVAL);
	/* Too short for the family, known as soon as the length is. */
	v2_make(b, 0x21, 0x11, a, 11);
	ck_assert_int_eq(fwd_proxy_parse(b, 16, &h), -EINVAL);
	ck_assert_int_eq(fwd_proxy_parse(b, v2_make(b, 0x21, 0x21, a, 12), &h), -EINVAL);
	ck_assert_int_eq(fwd_proxy_parse(b, v2_make(b, 0x20, 0x31, a, 100), &h), -EINVAL);
	/* A broken signature fails at the first byte that differs. */
	v2_make(b, 0x21, 0x11, a, 12);
	b[5] = 0x0c;
	ck_assert_int_eq(fwd_proxy_parse(b, 6, &h), -EINVAL);
	ck_assert_int_eq(fwd_proxy_parse(b, 5, &h), 0);
}
END_TEST

static void build_eq(int version, const char *src, const char *dst, const void *want,
		     size_t want_len)
{
	uint8_t out[FWD_PROXY_BUILD_MAX];
	nh_addr s = addr(src), d = addr(dst);
	size_t n = fwd_proxy_build(version, &s, &d, out);

	ck_assert_msg(n == want_len && memcmp(out, want, n) == 0, "v%d %s -> %s: %zu bytes %.*s",
		      version, src, dst, n, (int)n, out);
}

START_TEST(build_bytes)
{
	const char *l = "PROXY TCP4 127.0.0.2 127.0.0.1 40000 8080\r\n";
	build_eq(1, "127.0.0.2:40000", "127.0.0.1:8080", l, strlen(l));
	/* A dual-stack listener's v4-mapped addresses go out as IPv4. */
	build_eq(1, "[::ffff:127.0.0.2]:40000", "[::ffff:127.0.0.1]:8080", l, strlen(l));
	l = "PROXY TCP6 ::1 2001:db8::7 1 65535\r\n";
	build_eq(1, "[::1]:1", "[2001:db8::7]:65535", l, strlen(l));
	/* Mixed families: IPv4 becomes v4-mapped IPv6. */
	l = "PROXY TCP6 ::ffff:192.0.2.1 ::1 5 6\r\n";
	build_eq(1, "192.0.2.1:5", "[::1]:6", l, strlen(l));

	uint8_t w[52];
	memcpy(w, sig, 12);
	memcpy(w + 12, "\x21\x11\x00\x0c" "\x7f\x00\x00\x02" "\x7f\x00\x00\x01" "\x9c\x40\x1f\x90", 16);
	build_eq(2, "127.0.0.2:40000", "127.0.0.1:8080", w, 28);
	build_eq(2, "[::ffff:127.0.0.2]:40000", "127.0.0.1:8080", w, 28);
	memcpy(w + 12, "\x21\x21\x00\x24", 4);
	memset(w + 16, 0, 32);
	w[31] = 1;
	w[32] = 0x20, w[33] = 0x01, w[34] = 0x0d, w[35] = 0xb8, w[47] = 7;
	memcpy(w + 48, "\x00\x01\xff\xff", 4);
	build_eq(2, "[::1]:1", "[2001:db8::7]:65535", w, 52);
}
END_TEST

START_TEST(build_parse_round_trip)
{
	static const char *const pairs[][2] = {
		{ "10.1.2.3:1", "10.3.2.1:65535" },
		{ "[fe80::1]:80", "[2001:db8:1:2:3:4:5:6]:443" },
		{ "[::ffff:10.0.0.1]:9", "[::ffff:10.0.0.2]:10" },
	};
	for (int v = 1; v <= 2; v++)
		for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
			uint8_t out[FWD_PROXY_BUILD_MAX];
			struct fwd_proxy_hdr h;
			nh_addr s = addr(pairs[i][0]), d = addr(pairs[i][1]);
			size_t n = fwd_proxy_build(v, &s, &d, out);
			ck_assert_int_eq(parse_all(out, n, &h), (int)n);
			ck_assert_int_eq(h.version, v);
			ck_assert_int_eq(h.local, 0);
			nh_addr ws = s, wd = d;
			if (i == 2) { /* v4-mapped comes back as IPv4 */
				ws = addr("10.0.0.1:9");
				wd = addr("10.0.0.2:10");
			}
			ck_assert_str_eq(fmt(&h.src), fmt(&ws));
			ck_assert_str_eq(fmt(&h.dst), fmt(&wd));
		}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("forward_proxy");
	TCase *tc = tcase_create("proxy");
	tcase_add_test(tc, v1_tcp4_and_tcp6);
	tcase_add_test(tc, v1_malformed);
	tcase_add_test(tc, v2_families);
	tcase_add_test(tc, v2_malformed);
	tcase_add_test(tc, build_bytes);
	tcase_add_test(tc, build_parse_round_trip);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
