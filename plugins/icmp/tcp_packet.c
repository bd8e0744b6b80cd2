/* IPv4 and TCP headers by hand, for synprobe's IP_HDRINCL socket, and
 * TCP headers alone for its raw IPv6 socket (the kernel writes the IPv6
 * header there). Pure functions over byte buffers, checksums through the
 * SDK. */
#include <errno.h>
#include <string.h>

#include "icmp.h"

#define IP_HDR_LEN 20
#define TCP_HDR_LEN 20
#define TCP_MSS_OPT_LEN 4

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static size_t tcp_header_len(const struct tcp_segment *s)
{
	/* A SYN carries an MSS option, as every real stack's does: some
	 * filters drop option-less SYNs as scans. */
	return TCP_HDR_LEN + ((s->flags & TCP_SYN) ? TCP_MSS_OPT_LEN : 0);
}

/* The TCP header of s at tcp (tcp_len bytes, zeroed), checksummed over
 * the pseudo-header whose partial sum is pseudo_sum. */
static void tcp_header_write(const struct tcp_segment *s, uint8_t *tcp, size_t tcp_len,
			     uint32_t pseudo_sum)
{
	put16(tcp, s->sport);
	put16(tcp + 2, s->dport);
	put32(tcp + 4, s->seq);
	put32(tcp + 8, s->ack);
	tcp[12] = (uint8_t)((tcp_len / 4) << 4);
	tcp[13] = s->flags;
	put16(tcp + 14, s->window);
	if (s->flags & TCP_SYN) {
		tcp[20] = 2; /* MSS */
		tcp[21] = 4;
		put16(tcp + 22, 1460);
	}
	uint16_t c = nh_csum_fold(nh_csum_add(pseudo_sum, tcp, tcp_len));
	memcpy(tcp + 16, &c, 2);
}

size_t tcp_segment_build(const struct tcp_segment *s, uint8_t *buf, size_t buflen)
{
	size_t tcp_len = tcp_header_len(s);
	size_t total = IP_HDR_LEN + tcp_len;
	uint8_t *ip = buf;

	if (buflen < total)
		return 0;
	memset(buf, 0, total);
	ip[0] = 0x45; /* version 4, 5 words */
	put16(ip + 2, (uint16_t)total);
	put16(ip + 4, s->ip_id);
	put16(ip + 6, 0x4000); /* DF */
	ip[8] = s->ttl ? s->ttl : 64;
	ip[9] = IPPROTO_TCP;
	memcpy(ip + 12, &s->src, 4);
	memcpy(ip + 16, &s->dst, 4);
	uint16_t c = nh_inet_checksum(ip, IP_HDR_LEN);
	memcpy(ip + 10, &c, 2);

	/* Pseudo-header: source, destination, zero, protocol, TCP length. */
	uint8_t pseudo[12];
	memcpy(pseudo, &s->src, 4);
	memcpy(pseudo + 4, &s->dst, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	put16(pseudo + 10, (uint16_t)tcp_len);
	tcp_header_write(s, buf + IP_HDR_LEN, tcp_len, nh_csum_add(0, pseudo, sizeof(pseudo)));
	return total;
}

size_t tcp6_segment_build(const struct tcp_segment *s, const struct in6_addr *src,
			  const struct in6_addr *dst, uint8_t *buf, size_t buflen)
{
	size_t tcp_len = tcp_header_len(s);

	if (buflen < tcp_len)
		return 0;
	memset(buf, 0, tcp_len);
	/* RFC 8200 8.1: source, destination, 32-bit upper-layer length,
	 * three zero bytes, next header. */
	uint8_t pseudo[40];
	memcpy(pseudo, src, 16);
	memcpy(pseudo + 16, dst, 16);
	put32(pseudo + 32, (uint32_t)tcp_len);
	pseudo[36] = pseudo[37] = pseudo[38] = 0;
	pseudo[39] = IPPROTO_TCP;
	tcp_header_write(s, buf, tcp_len, nh_csum_add(0, pseudo, sizeof(pseudo)));
	return tcp_len;
}

/* The TCP header at tcp (len bytes from there) into s's TCP fields. */
static int tcp_header_read(const uint8_t *tcp, size_t len, struct tcp_segment *s)
{
	if (len < TCP_HDR_LEN || (size_t)(tcp[12] >> 4) * 4 < TCP_HDR_LEN)
		return -EINVAL;
	s->sport = get16(tcp);
	s->dport = get16(tcp + 2);
	s->seq = get32(tcp + 4);
	s->ack = get32(tcp + 8);
	s->flags = tcp[13];
	s->window = get16(tcp + 14);
	return 0;
}

int tcp6_segment_parse(const uint8_t *buf, size_t len, struct tcp_segment *s)
{
	memset(s, 0, sizeof(*s));
	return tcp_header_read(buf, len, s);
}

int tcp_segment_parse(const uint8_t *buf, size_t len, struct tcp_segment *s)
{
	memset(s, 0, sizeof(*s));
	if (len < IP_HDR_LEN || buf[0] >> 4 != 4)
		return -EINVAL;
	size_t hl = (size_t)(buf[0] & 0x0f) * 4;
	if (hl < IP_HDR_LEN || len < hl + TCP_HDR_LEN || buf[9] != IPPROTO_TCP)
		return -EINVAL;
	/* A fragment other than the first has no TCP header at its start. */
	if (get16(buf + 6) & 0x1fff)
		return -EINVAL;
	s->ip_id = get16(buf + 4);
	s->ttl = buf[8];
	memcpy(&s->src, buf + 12, 4);
	memcpy(&s->dst, buf + 16, 4);
	return tcp_header_read(buf + hl, len - hl, s);
}
