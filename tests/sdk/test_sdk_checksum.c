/* The RFC 1071 Internet checksum against known vectors. */
#include <check.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>

#include <nethost/sock.h>

static uint16_t host_order(uint16_t stored)
{
	return ntohs(stored);
}

START_TEST(rfc1071_example)
{
	/* RFC 1071 section 3: the words sum to 0xddf2; the checksum is its
	 * complement. */
	const uint8_t data[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	ck_assert_uint_eq(host_order(nh_inet_checksum(data, sizeof(data))), 0x220d);
}
END_TEST

START_TEST(ipv4_header)
{
	/* A well-known IPv4 header whose checksum is 0xb861. */
	uint8_t hdr[] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
			  0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
	uint16_t c = nh_inet_checksum(hdr, sizeof(hdr));
	ck_assert_uint_eq(host_order(c), 0xb861);
	/* Stored in place, the header now sums to zero. */
	memcpy(hdr + 10, &c, 2);
	ck_assert_uint_eq(nh_inet_checksum(hdr, sizeof(hdr)), 0);
}
END_TEST

START_TEST(odd_length)
{
	/* An odd trailing byte is padded with a zero byte on the right. */
	const uint8_t odd[] = { 0x01, 0x02, 0x03 };
	const uint8_t even[] = { 0x01, 0x02, 0x03, 0x00 };
	ck_assert_uint_eq(nh_inet_checksum(odd, 3), nh_inet_checksum(even, 4));
	ck_assert_uint_eq(host_order(nh_inet_checksum(odd, 3)), (uint16_t) ~(0x0102 + 0x0300));
}
END_TEST

START_TEST(incremental_equals_whole)
{
	uint8_t buf[1001];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	uint32_t sum = nh_csum_add(0, buf, 400);
	sum = nh_csum_add(sum, buf + 400, 600);
	sum = nh_csum_add(sum, buf + 1000, 1);
	ck_assert_uint_eq(nh_csum_fold(sum), nh_inet_checksum(buf, sizeof(buf)));
}
END_TEST

START_TEST(all_ones_and_empty)
{
	const uint8_t ff[] = { 0xff, 0xff, 0xff, 0xff };
	ck_assert_uint_eq(host_order(nh_inet_checksum(ff, 4)), 0x0000);
	ck_assert_uint_eq(host_order(nh_inet_checksum(ff, 0)), 0xffff);
	/* Large input: carries must not be lost. */
	static uint8_t big[70000];
	memset(big, 0xff, sizeof(big));
	ck_assert_uint_eq(host_order(nh_inet_checksum(big, sizeof(big))), 0x0000);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sdk_checksum");
	TCase *tc = tcase_create("vectors");
	tcase_add_test(tc, rfc1071_example);
	tcase_add_test(tc, ipv4_header);
	tcase_add_test(tc, odd_length);
	tcase_add_test(tc, incremental_equals_whole);
	tcase_add_test(tc, all_ones_and_empty);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
