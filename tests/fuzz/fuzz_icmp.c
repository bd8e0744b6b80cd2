/* libFuzzer target: ICMP/ICMPv6 reply parsing (icmp_parse) and the TCP
 * segment parsers of synprobe (IPv4 + TCP, TCP alone), on any bytes. The first byte picks how the
 * rest is read: family, and whether an IPv4 header leads. */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "icmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > ICMP_MAX_LEN + 60)
		return 0;
	int family = data[0] & 1 ? AF_INET6 : AF_INET;
	int ip_header = family == AF_INET && (data[0] & 2);
	/* An exact-size copy: reading past it is a bug ASan sees. */
	uint8_t *buf = malloc(size - 1 ? size - 1 : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	struct icmp_msg m;
	enum icmp_kind k = icmp_parse(family, ip_header, buf, size - 1, &m);
	if (k == ICMP_ECHO_REPLY && m.data_len &&
	    (m.data < buf || m.data + m.data_len > buf + size - 1))
		abort();
	if (k == ICMP_ERROR)
		icmp_error_text(family, m.type, m.code);
	struct tcp_segment seg;
	tcp_segment_parse(buf, size - 1, &seg);
	tcp6_segment_parse(buf, size - 1, &seg);
	free(buf);
	return 0;
}
