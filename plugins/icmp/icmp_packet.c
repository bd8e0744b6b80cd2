/* ICMP and ICMPv6 echo messages: building requests, classifying what a
 * socket hands back. Pure functions over byte buffers: no sockets, no
 * clock, so the unit tests can feed them anything. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "icmp.h"

/* Types we build or read (RFC 792, RFC 4443). */
enum {
	V4_ECHO_REPLY = 0, V4_UNREACH = 3, V4_SOURCE_QUENCH = 4, V4_REDIRECT = 5,
	V4_ECHO = 8, V4_TIME_EXCEEDED = 11, V4_PARAM_PROBLEM = 12,
	V6_UNREACH = 1, V6_TOO_BIG = 2, V6_TIME_EXCEEDED = 3, V6_PARAM_PROBLEM = 4,
	V6_ECHO = 128, V6_ECHO_REPLY = 129,
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

size_t icmp_echo_build(int family, uint16_t id, uint16_t seq, const void *payload, size_t plen,
		       uint8_t *buf, size_t buflen)
{
	if (plen > ICMP_MAX_PAYLOAD || buflen < ICMP_HDR_LEN + plen)
		return 0;
	buf[0] = family == AF_INET ? V4_ECHO : V6_ECHO;
	buf[1] = 0;
	put16(buf + 2, 0);
	put16(buf + 4, id);
	put16(buf + 6, seq);
	if (plen)
		memcpy(buf + ICMP_HDR_LEN, payload, plen);
	if (family == AF_INET) {
		uint16_t c = nh_inet_checksum(buf, ICMP_HDR_LEN + plen);
		memcpy(buf + 2, &c, 2);
	}
	return ICMP_HDR_LEN + plen;
}

void icmp6_set_checksum(uint8_t *pkt, size_t len, const struct in6_addr *src,
			const struct in6_addr *dst)
{
	/* Pseudo-header: source, destination, upper-layer length (32 bits),
	 * three zero bytes and the next header. */
	uint8_t tail[8] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
			    (uint8_t)len, 0, 0, 0, IPPROTO_ICMPV6 };
	uint32_t sum;

	put16(pkt + 2, 0);
	sum = nh_csum_add(0, src, 16);
	sum = nh_csum_add(sum, dst, 16);
	sum = nh_csum_add(sum, tail, sizeof(tail));
	sum = nh_csum_add(sum, pkt, len);
	uint16_t c = nh_csum_fold(sum);
	memcpy(pkt + 2, &c, 2);
}

static int is_error_type(int family, int type)
{
	if (family == AF_INET)
		return type == V4_UNREACH || type == V4_SOURCE_QUENCH || type == V4_REDIRECT ||
		       type == V4_TIME_EXCEEDED || type == V4_PARAM_PROBLEM;
	return type == V6_UNREACH || type == V6_TOO_BIG || type == V6_TIME_EXCEEDED ||
	       type == V6_PARAM_PROBLEM;
}

/* An error quotes the packet that caused it: find our echo request in it. */
static enum icmp_kind parse_quoted(int family, const uint8_t *q, size_t len, struct icmp_msg *m)
{
	const uint8_t *echo;
	size_t hl;

	if (family == AF_INET) {
		if (len < 20 || q[0] >> 4 != 4)
			return ICMP_TRUNCATED;
		hl = (size_t)(q[0] & 0x0f) * 4;
		if (hl < 20 || len < hl + ICMP_HDR_LEN)
			return ICMP_TRUNCATED;
		if (q[9] != IPPROTO_ICMP || q[hl] != V4_ECHO)
			return ICMP_OTHER;
		m->orig_family = AF_INET;
		memcpy(m->orig_dst, q + 16, 4);
	} else {
		hl = 40;
		if (len < hl + ICMP_HDR_LEN || q[0] >> 4 != 6)
			return ICMP_TRUNCATED;
		/* Extension headers in front of our own echo: we never send them. */
		if (q[6] != IPPROTO_ICMPV6 || q[hl] != V6_ECHO)
			return ICMP_OTHER;
		m->orig_family = AF_INET6;
		memcpy(m->orig_dst, q + 24, 16);
	}
	echo = q + hl;
	m->id = get16(echo + 4);
	m->seq = get16(echo + 6);
	return ICMP_ERROR;
}

enum icmp_kind icmp_parse(int family, int ip_header, const uint8_t *buf, size_t len,
			  struct icmp_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->ttl = -1;
	m->kind = ICMP_GARBAGE;
	if (family == AF_INET && ip_header) {
		if (len < 1 || buf[0] >> 4 != 4)
			return m->kind = ICMP_GARBAGE;
		size_t hl = (size_t)(buf[0] & 0x0f) * 4;
		if (hl < 20)
			return m->kind = ICMP_GARBAGE;
		if (len < hl)
			return m->kind = ICMP_TRUNCATED;
		if (buf[9] != IPPROTO_ICMP)
			return m->kind = ICMP_GARBAGE;
		m->ttl = buf[8];
		/* A total length shorter than what arrived trims padding;
		 * a longer one means the datagram was cut. */
		size_t total = get16(buf + 2);
		if (total >= hl && total < len)
			len = total;
		buf += hl;
		len -= hl;
	}
	if (len < ICMP_HDR_LEN)
		return m->kind = ICMP_TRUNCATED;
	/* IPv4 raw sockets see packets before the ICMP layer checks them;
	 * ICMPv6 sockets only get checksummed ones (the kernel verified
	 * them with addresses we do not have here). */
	if (family == AF_INET && nh_inet_checksum(buf, len) != 0)
		return m->kind = ICMP_BAD_CHECKSUM;
	m->type = buf[0];
	m->code = buf[1];
	if (m->type == (family == AF_INET ? V4_ECHO_REPLY : V6_ECHO_REPLY)) {
		m->id = get16(buf + 4);
		m->seq = get16(buf + 6);
		m->data = buf + ICMP_HDR_LEN;
		m->data_len = len - ICMP_HDR_LEN;
		return m->kind = ICMP_ECHO_REPLY;
	}
	if (is_error_type(family, m->type))
		return m->kind = parse_quoted(family, buf + ICMP_HDR_LEN, len - ICMP_HDR_LEN, m);
	return m->kind = ICMP_OTHER;
}

const char *icmp_error_text(int family, int type, int code)
{
	static const char *const unreach4[] = {
		"Destination Net Unreachable", "Destination Host Unreachable",
		"Destination Protocol Unreachable", "Destination Port Unreachable",
		"Frag needed and DF set", "Source Route Failed", "Destination Net Unknown",
		"Destination Host Unknown", "Source Host Isolated", "Destination Net Prohibited",
		"Destination Host Prohibited", "Destination Net Unreachable for Type of Service",
		"Destination Host Unreachable for Type of Service", "Packet filtered",
		"Precedence Violation", "Precedence Cutoff",
	};
	static const char *const unreach6[] = {
		"No route", "Administratively prohibited", "Beyond scope of source address",
		"Address unreachable", "Port unreachable", "Source address failed ingress policy",
		"Reject route to destination",
	};

	if (family == AF_INET) {
		switch (type) {
		case V4_UNREACH:
			return code >= 0 && code < 16 ? unreach4[code] : "Destination Unreachable";
		case V4_SOURCE_QUENCH: return "Source Quench";
		case V4_REDIRECT: return "Redirect";
		case V4_TIME_EXCEEDED: return code ? "Frag reassembly time exceeded" : "Time to live exceeded";
		case V4_PARAM_PROBLEM: return "Parameter problem";
		}
	} else {
		switch (type) {
		case V6_UNREACH:
			return code >= 0 && code < 7 ? unreach6[code] : "Destination unreachable";
		case V6_TOO_BIG: return "Packet too big";
		case V6_TIME_EXCEEDED: return code ? "Fragment reassembly time exceeded" : "Time exceeded: Hop limit";
		case V6_PARAM_PROBLEM: return "Parameter problem";
		}
	}
	return "ICMP error";
}
