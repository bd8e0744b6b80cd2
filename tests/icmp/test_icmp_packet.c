/* Unit tests for the icmp plugin's packet code: checksum vectors, echo
 * build and parse, ICMP errors, truncated and garbage input, and the
 * IPv4 + TCP headers synprobe writes, and its TCP headers for IPv6. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "icmp.h"

/* A checksum written the slow, obvious way, to cross-check the SDK. */
static uint16_t ref_sum(const uint8_t *const *parts, const size_t *lens, int n)
{
	uint32_t sum = 0;
	for (int k = 0; k < n; k++)
		for (size_t i = 0; i < lens[k]; i += 2)
			sum += (uint32_t)(parts[k][i] << 8) | (i + 1 < lens[k] ? parts[k][i + 1] : 0);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

START_TEST(test_rfc1071_vector)
{
	/* RFC 1071 section 3: the words sum to ddf2 (after the carry). */
	const uint8_t d[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	uint16_t c = nh_inet_checksum(d, sizeof(d));
	ck_assert_uint_eq(be16((uint8_t *)&c), 0x220d);
}
END_TEST

START_TEST(test_echo_v4_vector)
{
	uint8_t pkt[64];
	size_t len = icmp_echo_build(AF_INET, 1, 1, NULL, 0, pkt, sizeof(pkt));
	const uint8_t want[] = { 0x08, 0x00, 0xf7, 0xfd, 0x00, 0x01, 0x00, 0x01 };

	ck_assert_uint_eq(len, 8);
	ck_assert_mem_eq(pkt, want, 8);

	/* With an odd-length payload, against the reference sum. */
	const uint8_t payload[] = "nethost!x"; /* 9 bytes + NUL */
	len = icmp_echo_build(AF_INET, 0xbeef, 0x1234, payload, 9, pkt, sizeof(pkt));
	ck_assert_uint_eq(len, 17);
	ck_assert_uint_eq(nh_inet_checksum(pkt, len), 0);
	uint8_t copy[17];
	memcpy(copy, pkt, len);
	copy[2] = copy[3] = 0;
	const uint8_t *parts[] = { copy };
	size_t lens[] = { len };
	ck_assert_uint_eq(be16(pkt + 2), ref_sum(parts, lens, 1));
	ck_assert_uint_eq(be16(pkt + 4), 0xbeef);
	ck_assert_uint_eq(be16(pkt + 6), 0x1234);

	/* Too small a buffer builds nothing. */
	ck_assert_uint_eq(icmp_echo_build(AF_INET, 1, 1, payload, 9, pkt, 16), 0);
}
END_TEST

START_TEST(test_echo_v6_checksum)
{
	uint8_t pkt[64];
	struct in6_addr lo = IN6ADDR_LOOPBACK_INIT;
	size_t len = icmp_echo_build(AF_INET6, 0, 0, NULL, 0, pkt, sizeof(pkt));

	ck_assert_uint_eq(len, 8);
	ck_assert_uint_eq(pkt[0], 128);
	ck_assert_uint_eq(be16(pkt + 2), 0); /* left to the kernel */
	icmp6_set_checksum(pkt, len, &lo, &lo);
	/* ::1 + ::1 + length 8 + next header 58 + type 128: 0x8044. */
	ck_assert_uint_eq(be16(pkt + 2), 0x7fbb);

	/* A payload, two real addresses, against the reference. */
	struct in6_addr a, b;
	inet_pton(AF_INET6, "2001:db8::1", &a);
	inet_pton(AF_INET6, "2001:db8:ffff::abcd", &b);
	len = icmp_echo_build(AF_INET6, 0x4242, 7, "abcde", 5, pkt, sizeof(pkt));
	icmp6_set_checksum(pkt, len, &a, &b);
	uint16_t got = be16(pkt + 2);
	uint8_t tail[8] = { 0, 0, 0, (uint8_t)len, 0, 0, 0, 58 };
	pkt[2] = pkt[3] = 0;
	const uint8_t *parts[] = { a.s6_addr, b.s6_addr, tail, pkt };
	size_t lens[] = { 16, 16, 8, len };
	ck_assert_uint_eq(got, ref_sum(parts, lens, 4));
}
END_TEST

/* An IPv4 header in front of an ICMP message, as raw sockets deliver it. */
static size_t wrap_ip(uint8_t *out, const uint8_t *icmp, size_t len, uint8_t proto, uint8_t ttl)
{
	memset(out, 0, 20);
	out[0] = 0x45;
	out[2] = (uint8_t)((20 + len) >> 8);
	out[3] = (uint8_t)(20 + len);
	out[8] = ttl;
	out[9] = proto;
	inet_pton(AF_INET, "127.0.0.1", out + 12);
	inet_pton(AF_INET, "127.0.0.1", out + 16);
	uint16_t c = nh_inet_checksum(out, 20);
	memcpy(out + 10, &c, 2);
	memcpy(out + 20, icmp, len);
	return 20 + len;
}

static size_t make_reply(int family, uint8_t *pkt, size_t cap)
{
	const uint8_t payload[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	size_t len = icmp_echo_build(family, 0x1111, 42, payload, sizeof(payload), pkt, cap);
	pkt[0] = family == AF_INET ? 0 : 129; /* echo reply */
	if (family == AF_INET) {
		pkt[2] = pkt[3] = 0;
		uint16_t c = nh_inet_checksum(pkt, len);
		memcpy(pkt + 2, &c, 2);
	}
	return len;
}

START_TEST(test_parse_reply)
{
	uint8_t icmp[64], raw[128];
	struct icmp_msg m;
	size_t len = make_reply(AF_INET, icmp, sizeof(icmp));

	ck_assert_int_eq(icmp_parse(AF_INET, 0, icmp, len, &m), ICMP_ECHO_REPLY);
	ck_assert_uint_eq(m.id, 0x1111);
	ck_assert_uint_eq(m.seq, 42);
	ck_assert_uint_eq(m.data_len, 12);
	ck_assert_uint_eq(m.data[0], 1);
	ck_assert_int_eq(m.ttl, -1);

	size_t rlen = wrap_ip(raw, icmp, len, IPPROTO_ICMP, 61);
	ck_assert_int_eq(icmp_parse(AF_INET, 1, raw, rlen, &m), ICMP_ECHO_REPLY);
	ck_assert_int_eq(m.ttl, 61);
	ck_assert_uint_eq(m.seq, 42);
	ck_assert_ptr_eq(m.data, raw + 28);

	/* Padding past the IP total length is not payload. */
	raw[rlen] = 0xee;
	raw[rlen + 1] = 0xee;
	ck_assert_int_eq(icmp_parse(AF_INET, 1, raw, rlen + 2, &m), ICMP_ECHO_REPLY);
	ck_assert_uint_eq(m.data_len, 12);

	len = make_reply(AF_INET6, icmp, sizeof(icmp));
	ck_assert_int_eq(icmp_parse(AF_INET6, 0, icmp, len, &m), ICMP_ECHO_REPLY);
	ck_assert_uint_eq(m.id, 0x1111);
	ck_assert_uint_eq(m.data_len, 12);
}
END_TEST

START_TEST(test_parse_truncated)
{
	uint8_t icmp[64], raw[128];
	struct icmp_msg m;
	size_t len = make_reply(AF_INET, icmp, sizeof(icmp));
	size_t rlen = wrap_ip(raw, icmp, len, IPPROTO_ICMP, 64);

	/* Every cut of a v4 reply is refused: short header or checksum. */
	for (size_t cut = 0; cut < len; cut++) {
		enum icmp_kind k = icmp_parse(AF_INET, 0, icmp, cut, &m);
		ck_assert_int_ne(k, ICMP_ECHO_REPLY);
		if (cut < 8)
			ck_assert_int_eq(k, ICMP_TRUNCATED);
	}
	for (size_t cut = 0; cut < rlen; cut++) {
		/* The IP total length still says the whole datagram. */
		enum icmp_kind k = icmp_parse(AF_INET, 1, raw, cut, &m);
		ck_assert_int_ne(k, ICMP_ECHO_REPLY);
	}
	len = make_reply(AF_INET6, icmp, sizeof(icmp));
	for (size_t cut = 0; cut < 8; cut++)
		ck_assert_int_eq(icmp_parse(AF_INET6, 0, icmp, cut, &m), ICMP_TRUNCATED);
}
END_TEST

START_TEST(test_parse_bad)
{
	uint8_t icmp[64], raw[128];
	struct icmp_msg m;
	size_t len = make_reply(AF_INET, icmp, sizeof(icmp));

	icmp[10] ^= 0x40;
	ck_assert_int_eq(icmp_parse(AF_INET, 0, icmp, len, &m), ICMP_BAD_CHECKSUM);
	icmp[10] ^= 0x40;

	size_t rlen = wrap_ip(raw, icmp, len, IPPROTO_UDP, 64);
	ck_assert_int_eq(icmp_parse(AF_INET, 1, raw, rlen, &m), ICMP_GARBAGE);
	rlen = wrap_ip(raw, icmp, len, IPPROTO_ICMP, 64);
	raw[0] = 0x44; /* header of 16 bytes */
	ck_assert_int_eq(icmp_parse(AF_INET, 1, raw, rlen, &m), ICMP_GARBAGE);
	raw[0] = 0x65; /* version 6 */
	ck_assert_int_eq(icmp_parse(AF_INET, 1, raw, rlen, &m), ICMP_GARBAGE);
	raw[0] = 0x4f; /* 60-byte header in a shorter buffer */
	ck_assert_int_eq(icmp_parse(AF_INET, 1, raw, 40, &m), ICMP_TRUNCATED);

	/* Our own echo request (loopback) is not an answer. */
	len = icmp_echo_build(AF_INET, 1, 1, "x", 1, icmp, sizeof(icmp));
	ck_assert_int_eq(icmp_parse(AF_INET, 0, icmp, len, &m), ICMP_OTHER);
	len = icmp_echo_build(AF_INET6, 1, 1, "x", 1, icmp, sizeof(icmp));
	ck_assert_int_eq(icmp_parse(AF_INET6, 0, icmp, len, &m), ICMP_OTHER);
}
END_TEST

START_TEST(test_parse_errors)
{
	uint8_t req[64], inner[128], err[256];
	struct icmp_msg m;

	/* Destination unreachable quoting our IPv4 echo to 192.0.2.7. */
	size_t rl = icmp_echo_build(AF_INET, 0x2222, 9, "abcdefgh", 8, req, sizeof(req));
	size_t il = wrap_ip(inner, req, rl, IPPROTO_ICMP, 1);
	inet_pton(AF_INET, "192.0.2.7", inner + 16);
	memset(err, 0, 8);
	err[0] = 3;
	err[1] = 1;
	memcpy(err + 8, inner, 28); /* IP header + 8 bytes, as routers quote */
	uint16_t c = nh_inet_checksum(err, 36);
	memcpy(err + 2, &c, 2);
	ck_assert_int_eq(icmp_parse(AF_INET, 0, err, 36, &m), ICMP_ERROR);
	ck_assert_uint_eq(m.id, 0x2222);
	ck_assert_uint_eq(m.seq, 9);
	ck_assert_int_eq(m.orig_family, AF_INET);
	ck_assert_mem_eq(m.orig_dst, inner + 16, 4);
	ck_assert_str_eq(icmp_error_text(AF_INET, 3, 1), "Destination Host Unreachable");
	(void)il;

	/* Quoting too little of the original. */
	memset(err + 2, 0, 2);
	c = nh_inet_checksum(err, 30);
	memcpy(err + 2, &c, 2);
	ck_assert_int_eq(icmp_parse(AF_INET, 0, err, 30, &m), ICMP_TRUNCATED);

	/* ICMPv6 address unreachable quoting our echo. */
	uint8_t v6[8 + 40 + 16];
	memset(v6, 0, sizeof(v6));
	v6[0] = 1;
	v6[1] = 3;
	v6[8] = 0x60;
	v6[8 + 6] = 58;
	inet_pton(AF_INET6, "2001:db8::99", v6 + 8 + 24);
	icmp_echo_build(AF_INET6, 0x3333, 5, "zzzzzzzz", 8, v6 + 48, 16);
	ck_assert_int_eq(icmp_parse(AF_INET6, 0, v6, sizeof(v6), &m), ICMP_ERROR);
	ck_assert_uint_eq(m.id, 0x3333);
	ck_assert_uint_eq(m.seq, 5);
	ck_assert_int_eq(m.orig_family, AF_INET6);
	ck_assert_mem_eq(m.orig_dst, v6 + 32, 16);
	ck_assert_int_eq(icmp_parse(AF_INET6, 0, v6, 8 + 40 + 7, &m), ICMP_TRUNCATED);
	v6[8 + 6] = 17; /* quoting UDP: not ours */
	ck_assert_int_eq(icmp_parse(AF_INET6, 0, v6, sizeof(v6), &m), ICMP_OTHER);
}
END_TEST

/* Random bytes of every length: classified, never read out of bounds
 * (run it under valgrind or ASan to see that), and payloads stay inside
 * the buffer. */
START_TEST(test_parse_garbage)
{
	struct icmp_msg m;
	unsigned seed = 12345;

	for (int iter = 0; iter < 200000; iter++) {
		size_t len = (size_t)(rand_r(&seed) % 300);
		uint8_t *b = malloc(len ? len : 1);
		for (size_t i = 0; i < len; i++)
			b[i] = (uint8_t)rand_r(&seed);
		/* Make some look like IPv4 carrying ICMP, to get past the
		 * first checks. */
		if (len >= 20 && (iter & 1)) {
			b[0] = (uint8_t)(0x40 | (5 + rand_r(&seed) % 11));
			b[9] = IPPROTO_ICMP;
		}
		int family = (iter & 2) ? AF_INET6 : AF_INET;
		enum icmp_kind k = icmp_parse(family, (iter & 4) != 0, b, len, &m);
		ck_assert_int_ge(k, ICMP_ECHO_REPLY);
		ck_assert_int_le(k, ICMP_GARBAGE);
		if (k == ICMP_ECHO_REPLY) {
			ck_assert(m.data >= b && m.data + m.data_len <= b + len);
		}
		free(b);
	}
}
END_TEST

START_TEST(test_tcp_syn)
{
	struct tcp_segment s = { .sport = 40000, .dport = 80, .seq = 0x01020304, .flags = TCP_SYN,
				 .window = 1024, .ip_id = 7, .ttl = 64 };
	uint8_t pkt[TCP_PROBE_MAX_LEN];

	inet_pton(AF_INET, "127.0.0.1", &s.src);
	inet_pton(AF_INET, "127.0.0.2", &s.dst);
	size_t len = tcp_segment_build(&s, pkt, sizeof(pkt));
	ck_assert_uint_eq(len, 44);
	ck_assert_uint_eq(nh_inet_checksum(pkt, 20), 0);
	ck_assert_uint_eq(pkt[32] >> 4, 6); /* data offset: header + MSS option */
	ck_assert_uint_eq(pkt[33], TCP_SYN);

	/* TCP checksum over the pseudo-header, by the reference. */
	uint8_t pseudo[12] = { 0 };
	memcpy(pseudo, pkt + 12, 8);
	pseudo[9] = IPPROTO_TCP;
	pseudo[11] = 24;
	const uint8_t *parts[] = { pseudo, pkt + 20 };
	size_t lens[] = { 12, 24 };
	ck_assert_uint_eq(ref_sum(parts, lens, 2), 0); /* sums to all ones: valid */

	struct tcp_segment p;
	ck_assert_int_eq(tcp_segment_parse(pkt, len, &p), 0);
	ck_assert_uint_eq(p.sport, 40000);
	ck_assert_uint_eq(p.dport, 80);
	ck_assert_uint_eq(p.seq, 0x01020304);
	ck_assert_uint_eq(p.flags, TCP_SYN);
	ck_assert_uint_eq(p.src.s_addr, s.src.s_addr);
	ck_assert_uint_eq(p.dst.s_addr, s.dst.s_addr);

	/* An RST has no option. */
	s.flags = TCP_RST;
	ck_assert_uint_eq(tcp_segment_build(&s, pkt, sizeof(pkt)), 40);
	ck_assert_uint_eq(tcp_segment_build(&s, pkt, 39), 0);
}
END_TEST

START_TEST(test_tcp_parse_bad)
{
	struct tcp_segment s = { .sport = 1, .dport = 2, .flags = TCP_SYN | TCP_ACK, .ttl = 64 };
	uint8_t pkt[TCP_PROBE_MAX_LEN];
	struct tcp_segment p;
	size_t len = tcp_segment_build(&s, pkt, sizeof(pkt));

	for (size_t cut = 0; cut < 40; cut++)
		ck_assert_int_eq(tcp_segment_parse(pkt, cut, &p), -EINVAL);
	ck_assert_int_eq(tcp_segment_parse(pkt, len, &p), 0);
	pkt[9] = IPPROTO_UDP;
	ck_assert_int_eq(tcp_segment_parse(pkt, len, &p), -EINVAL);
	pkt[9] = IPPROTO_TCP;
	pkt[7] = 0x10; /* a later fragment */
	ck_assert_int_eq(tcp_segment_parse(pkt, len, &p), -EINVAL);
	pkt[7] = 0;
	pkt[32] = 0x40; /* data offset 4 words */
	ck_assert_int_eq(tcp_segment_parse(pkt, len, &p), -EINVAL);

	unsigned seed = 99;
	for (int iter = 0; iter < 100000; iter++) {
		uint8_t b[80];
		size_t n = (size_t)(rand_r(&seed) % sizeof(b));
		for (size_t i = 0; i < n; i++)
			b[i] = (uint8_t)rand_r(&seed);
		if (n && (iter & 1))
			b[0] = 0x45;
		tcp_segment_parse(b, n, &p);
	}
}
END_TEST

/* The checksums below were computed apart from this code, with python3's
 * struct over the RFC 8200 pseudo-header (source, destination, 32-bit
 * length, three zeros, next header 6) and the segment's bytes. */
START_TEST(test_tcp6_syn_vector)
{
	static const uint8_t want[24] = {
		0x9c, 0x40, 0x01, 0xbb, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00,
		0x60, 0x02, 0x04, 0x00, 0x96, 0xaf, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4,
	};
	struct tcp_segment s = { .sport = 40000, .dport = 443, .seq = 0x01020304,
				 .flags = TCP_SYN, .window = 1024 };
	struct in6_addr src, dst;
	uint8_t pkt[TCP_PROBE_MAX_LEN];

	inet_pton(AF_INET6, "2001:db8::1", &src);
	inet_pton(AF_INET6, "2001:db8:0:1::2", &dst);
	ck_assert_uint_eq(tcp6_segment_build(&s, &src, &dst, pkt, sizeof(pkt)), 24);
	ck_assert_mem_eq(pkt, want, sizeof(want));
	ck_assert_uint_eq(be16(pkt + 16), 0x96af);
	ck_assert_uint_eq(tcp6_segment_build(&s, &src, &dst, pkt, 23), 0);

	/* The addresses are covered: swapping them changes the checksum. */
	tcp6_segment_build(&s, &dst, &src, pkt, sizeof(pkt));
	ck_assert_uint_eq(be16(pkt + 16), 0x96af); /* the sum is symmetric in src, dst */
	inet_pton(AF_INET6, "2001:db8::3", &src);
	tcp6_segment_build(&s, &src, &dst, pkt, sizeof(pkt));
	ck_assert_uint_ne(be16(pkt + 16), 0x96af);
}
END_TEST

START_TEST(test_tcp6_rst_vector)
{
	static const uint8_t want[20] = {
		0x9c, 0x40, 0x01, 0xbb, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x05,
		0x50, 0x14, 0x04, 0x00, 0x10, 0xbb, 0x00, 0x00,
	};
	struct tcp_segment s = { .sport = 40000, .dport = 443, .seq = 0xdeadbeef,
				 .ack = 0x01020305, .flags = TCP_RST | TCP_ACK, .window = 1024 };
	struct in6_addr src, dst;
	uint8_t pkt[TCP_PROBE_MAX_LEN];

	inet_pton(AF_INET6, "2001:db8::1", &src);
	inet_pton(AF_INET6, "2001:db8:0:1::2", &dst);
	ck_assert_uint_eq(tcp6_segment_build(&s, &src, &dst, pkt, sizeof(pkt)), 20);
	ck_assert_mem_eq(pkt, want, sizeof(want));

	struct tcp_segment p;
	ck_assert_int_eq(tcp6_segment_parse(pkt, 20, &p), 0);
	ck_assert_uint_eq(p.sport, 40000);
	ck_assert_uint_eq(p.dport, 443);
	ck_assert_uint_eq(p.seq, 0xdeadbeef);
	ck_assert_uint_eq(p.ack, 0x01020305);
	ck_assert_uint_eq(p.flags, TCP_RST | TCP_ACK);
	for (size_t cut = 0; cut < 20; cut++)
		ck_assert_int_eq(tcp6_segment_parse(pkt, cut, &p), -EINVAL);
	pkt[12] = 0x40; /* data offset 4 words */
	ck_assert_int_eq(tcp6_segment_parse(pkt, 20, &p), -EINVAL);
}
END_TEST

static Suite *icmp_packet_suite(void)
{
	Suite *s = suite_create("icmp_packet");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_rfc1071_vector);
	tcase_add_test(tc, test_echo_v4_vector);
	tcase_add_test(tc, test_echo_v6_checksum);
	tcase_add_test(tc, test_parse_reply);
	tcase_add_test(tc, test_parse_truncated);
	tcase_add_test(tc, test_parse_bad);
	tcase_add_test(tc, test_parse_errors);
	tcase_add_test(tc, test_parse_garbage);
	tcase_add_test(tc, test_tcp_syn);
	tcase_add_test(tc, test_tcp_parse_bad);
	tcase_add_test(tc, test_tcp6_syn_vector);
	tcase_add_test(tc, test_tcp6_rst_vector);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(icmp_packet_suite());

	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
