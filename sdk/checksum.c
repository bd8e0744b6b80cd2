/* The RFC 1071 Internet checksum, shared by every plugin that builds
 * packets (ICMP, ICMPv6 pseudo-headers, IPv4, TCP). */
#include "config.h"

#include "nh_internal.h"

uint32_t nh_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t acc = sum;

	/* Bytes are summed as big-endian 16-bit words; folding the result
	 * gives the checksum in network byte order on any host. */
	while (len >= 2) {
		acc += (uint32_t)(p[0] << 8 | p[1]);
		p += 2;
		len -= 2;
	}
	if (len)
		acc += (uint32_t)(p[0] << 8);
	while (acc >> 32)
		acc = (acc & 0xffffffff) + (acc >> 32);
	/* Keep the running sum small enough to add to again. */
	while (acc >> 16 && acc > 0xffffffffu - 0x1ffff)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint32_t)acc;
}

uint16_t nh_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	uint16_t host = (uint16_t)~sum;
	/* Back to network byte order, ready to store into a header. */
	uint8_t be[2] = { (uint8_t)(host >> 8), (uint8_t)host };
	uint16_t out;
	__builtin_memcpy(&out, be, 2);
	return out;
}

uint16_t nh_inet_checksum(const void *data, size_t len)
{
	return nh_csum_fold(nh_csum_add(0, data, len));
}
