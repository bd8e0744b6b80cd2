/* libFuzzer target: address, CIDR, range and duration parsing, CIDR
 * matching (the forwarder's ACL) and formatting, on any text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <nethost/conf.h>
#include <nethost/sock.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[512];
	char out[NH_ADDR_STRLEN];
	nh_error err;
	nh_addr a;
	nh_cidr c, *list;
	nh_range r;
	int64_t ms;

	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	if (nh_addr_parse(text, 80, &a, &err) == 0) {
		nh_addr_format(&a, 1, out, sizeof(out));
		nh_addr b;
		/* What we print parses back to the same address. */
		if (nh_addr_parse(out, -1, &b, &err) == 0 && !nh_addr_equal(&a, &b) &&
		    !(a.u.sa.sa_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&a.u.in6.sin6_addr)))
			abort();
	}
	char host[64];
	int port;
	nh_hostport_split(text, host, sizeof(host), -1, &port, &err);
	if (nh_cidr_parse(text, 1, &c, &err) == 0) {
		nh_cidr_format(&c, out, sizeof(out));
		nh_cidr back;
		if (nh_cidr_parse(out, 0, &back, &err) != 0 || back.prefix != c.prefix ||
		    memcmp(back.addr, c.addr, 16) != 0)
			abort();
	}
	int n = nh_cidr_list_parse(text, &list, &err);
	if (n >= 0) {
		nh_addr probe;
		nh_addr_parse("::ffff:192.0.2.1", 0, &probe, NULL);
		nh_cidr_list_match(list, n, &probe.u.sa);
		nh_addr_parse("2001:db8::1", 0, &probe, NULL);
		nh_cidr_list_match(list, n, &probe.u.sa);
		free(list);
	}
	if (nh_range_parse(text, &r, &err) == 0) {
		uint64_t count = nh_range_count(&r), seen = 1;
		nh_range_begin(&r, &a);
		while (seen < 70000 && nh_range_next(&r, &a))
			seen++;
		if (count < 70000 && seen != count)
			abort();
	}
	nh_duration_parse_ms(text, &ms, &err);
	return 0;
}
