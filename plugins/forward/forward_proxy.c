/* The PROXY protocol header (haproxy.org's proxy-protocol.txt), version 1
 * (a text line) and version 2 (binary): parsed from the bytes a client sent
 * first, built for an upstream. Pure functions on buffers: no sockets here,
 * so the unit test and the fuzz target run them as they are.
 *
 * The parser is strict where the text says "must": a v1 line ends in CRLF
 * within 107 bytes, numbers have no leading zeros, one space between
 * fields, addresses of the family named; a v2 header has version 2, the
 * PROXY or LOCAL command and a known family with room for its addresses.
 * Families the spec lets a receiver treat as unspecified (UDP, UNIX,
 * UNSPEC) and LOCAL / UNKNOWN mean "use the real connection": `local`.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "forward_proxy.h"

static const uint8_t v2_sig[12] = { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
				    0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A };
static const char v1_sig[] = "PROXY ";

#define V1_MAX 107 /* longest line, CRLF included */

/* Does buf (len bytes) start like sig? 1 if equal so far, 0 if not. */
static int prefix_of(const void *buf, size_t len, const void *sig, size_t siglen)
{
	return memcmp(buf, sig, len < siglen ? len : siglen) == 0;
}

static void set_in(nh_addr *a, const void *ip4, uint16_t port_be)
{
	memset(a, 0, sizeof(*a));
	a->u.in4.sin_family = AF_INET;
	memcpy(&a->u.in4.sin_addr, ip4, 4);
	a->u.in4.sin_port = port_be;
	a->len = sizeof(a->u.in4);
}

static void set_in6(nh_addr *a, const void *ip6, uint16_t port_be)
{
	memset(a, 0, sizeof(*a));
	a->u.in6.sin6_family = AF_INET6;
	memcpy(&a->u.in6.sin6_addr, ip6, 16);
	a->u.in6.sin6_port = port_be;
	a->len = sizeof(a->u.in6);
}

/* ---- version 1 ------------------------------------------------------ */

/* A port: decimal 0..65535, no leading zero. 0 or -EINVAL. */
static int v1_port(const char *s, size_t n, uint16_t *be)
{
	unsigned long v = 0;

	if (n == 0 || n > 5 || (n > 1 && s[0] == '0'))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 65535)
		return -EINVAL;
	*be = htons((uint16_t)v);
	return 0;
}

/* Split line (no CRLF) at single spaces into at most max fields. The
 * number of fields, or -EINVAL for an empty field (two spaces, a space at
 * an end). */
static int v1_fields(const char *line, size_t len, const char **f, size_t *flen, int max)
{
	int n = 0;
	size_t start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && line[i] != ' ')
			continue;
		if (i == start || n == max)
			return -EINVAL;
		f[n] = line + start;
		flen[n++] = i - start;
		start = i + 1;
	}
	return n;
}

static int v1_parse(const uint8_t *buf, size_t len, struct fwd_proxy_hdr *out)
{
	const char *line = (const char *)buf;
	size_t end = 0;

	/* The line ends at the first CRLF within V1_MAX bytes; a lone CR or
	 * LF is no end, and no byte outside printable US-ASCII is text. */
	for (;; end++) {
		if (end >= len || end + 2 > V1_MAX)
			return len >= V1_MAX ? -EINVAL : 0;
		if (buf[end] == '\r') {
			if (end + 1 == len)
				return 0;
			if (buf[end + 1] == '\n')
				break;
		}
		if (buf[end] < 0x20 || buf[end] > 0x7e)
			return -EINVAL;
	}

	const char *f[6];
	size_t fl[6];
	/* "UNKNOWN": whatever follows it up to the CRLF is ignored. */
	if (end >= 13 && memcmp(line + 6, "UNKNOWN", 7) == 0 && (end == 13 || line[13] == ' ')) {
		out->version = 1;
		out->local = 1;
		return (int)end + 2;
	}
	if (v1_fields(line, end, f, fl, 6) != 6)
		return -EINVAL;
	int fam;
	if (fl[1] == 4 && memcmp(f[1], "TCP4", 4) == 0)
		fam = AF_INET;
	else if (fl[1] == 4 && memcmp(f[1], "TCP6", 4) == 0)
		fam = AF_INET6;
	else
		return -EINVAL;

	char text[2][INET6_ADDRSTRLEN];
	uint8_t ip[2][16];
	uint16_t port[2];
	for (int i = 0; i < 2; i++) {
		if (fl[2 + i] >= sizeof(text[i]))
			return -EINVAL;
		memcpy(text[i], f[2 + i], fl[2 + i]);
		text[i][fl[2 + i]] = '\0';
		/* glibc's inet_pton refuses leading zeros in dotted quads. */
		if (inet_pton(fam, text[i], ip[i]) != 1)
			return -EINVAL;
		if (v1_port(f[4 + i], fl[4 + i], &port[i]) < 0)
			return -EINVAL;
	}
	out->version = 1;
	out->local = 0;
	if (fam == AF_INET) {
		set_in(&out->src, ip[0], port[0]);
		set_in(&out->dst, ip[1], port[1]);
	} else {
		set_in6(&out->src, ip[0], port[0]);
		set_in6(&out->dst, ip[1], port[1]);
	}
	return (int)end + 2;
}

/* ---- version 2 ------------------------------------------------------ */

static int v2_parse(const uint8_t *buf, size_t len, struct fwd_proxy_hdr *out)
{
	if (len < 16)
		return 0;
	size_t alen = (size_t)buf[14] << 8 | buf[15];
	uint8_t cmd = buf[12] & 0x0f, fam = buf[13];

	if (buf[12] >> 4 != 2 || cmd > 1)
		return -EINVAL;
	if (16 + alen > FWD_PROXY_V2_MAX)
		return -E2BIG;
	switch (fam) {
	case 0x00: case 0x11: case 0x12: case 0x21: case 0x22: case 0x31: case 0x32: break;
	default: return -EINVAL;
	}
	/* The family must fit in the length, even when it is ignored. */
	size_t need = fam >> 4 == 1 ? 12 : fam >> 4 == 2 ? 36 : fam >> 4 == 3 ? 216 : 0;
	if (alen < need)
		return -EINVAL;
	if (len < 16 + alen)
		return 0;
	const uint8_t *a = buf + 16;
	uint16_t sp, dp;
	out->version = 2;
	out->local = cmd == 0 || (fam != 0x11 && fam != 0x21);
	if (out->local)
		return (int)(16 + alen);
	if (fam == 0x11) {
		memcpy(&sp, a + 8, 2);
		memcpy(&dp, a + 10, 2);
		set_in(&out->src, a, sp);
		set_in(&out->dst, a + 4, dp);
	} else {
		memcpy(&sp, a + 32, 2);
		memcpy(&dp, a + 34, 2);
		set_in6(&out->src, a, sp);
		set_in6(&out->dst, a + 16, dp);
	}
	return (int)(16 + alen);
}

int fwd_proxy_parse(const void *data, size_t len, struct fwd_proxy_hdr *out)
{
	const uint8_t *buf = data;

	if (len == 0)
		return 0;
	if (prefix_of(buf, len, v2_sig, sizeof(v2_sig)))
		return len < sizeof(v2_sig) ? 0 : v2_parse(buf, len, out);
	if (prefix_of(buf, len, v1_sig, sizeof(v1_sig) - 1))
		return len < sizeof(v1_sig) - 1 ? 0 : v1_parse(buf, len, out);
	return -EINVAL;
}

/* ---- building ------------------------------------------------------- */

/* IPv4 as itself, whether plain or v4-mapped (a dual-stack listener
 * reports IPv4 clients that way). */
static int unmap(const nh_addr *a, nh_addr *out)
{
	if (a->u.sa.sa_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&a->u.in6.sin6_addr)) {
		set_in(out, a->u.in6.sin6_addr.s6_addr + 12, a->u.in6.sin6_port);
		return AF_INET;
	}
	*out = *a;
	return a->u.sa.sa_family;
}

/* IPv4 as v4-mapped IPv6, for a header whose other address is IPv6. */
static void map6(nh_addr *a)
{
	uint8_t ip6[16] = { [10] = 0xff, [11] = 0xff };

	memcpy(ip6 + 12, &a->u.in4.sin_addr, 4);
	set_in6(a, ip6, a->u.in4.sin_port);
}

size_t fwd_proxy_build(int version, const nh_addr *src, const nh_addr *dst,
		       uint8_t buf[FWD_PROXY_BUILD_MAX])
{
	nh_addr s, d;
	int fs = unmap(src, &s), fd = unmap(dst, &d);

	if (fs != fd && (fs == AF_INET || fs == AF_INET6) && (fd == AF_INET || fd == AF_INET6)) {
		if (fs == AF_INET)
			map6(&s);
		else
			map6(&d);
		fs = fd = AF_INET6;
	}
	int known = fs == fd && (fs == AF_INET || fs == AF_INET6);

	if (version == 1) {
		char st[INET6_ADDRSTRLEN], dt[INET6_ADDRSTRLEN];
		if (!known)
			return (size_t)snprintf((char *)buf, FWD_PROXY_BUILD_MAX, "PROXY UNKNOWN\r\n");
		const void *sa = fs == AF_INET ? (const void *)&s.u.in4.sin_addr
					       : (const void *)&s.u.in6.sin6_addr;
		const void *da = fs == AF_INET ? (const void *)&d.u.in4.sin_addr
					       : (const void *)&d.u.in6.sin6_addr;
		inet_ntop(fs, sa, st, sizeof(st));
		inet_ntop(fs, da, dt, sizeof(dt));
		return (size_t)snprintf((char *)buf, FWD_PROXY_BUILD_MAX, "PROXY %s %s %s %d %d\r\n",
					fs == AF_INET ? "TCP4" : "TCP6", st, dt, nh_addr_port(&s),
					nh_addr_port(&d));
	}
	memcpy(buf, v2_sig, sizeof(v2_sig));
	buf[12] = 0x21; /* version 2, PROXY */
	size_t n = 16;
	if (!known) {
		buf[13] = 0x00; /* UNSPEC: the receiver uses the real connection */
	} else if (fs == AF_INET) {
		buf[13] = 0x11;
		memcpy(buf + 16, &s.u.in4.sin_addr, 4);
		memcpy(buf + 20, &d.u.in4.sin_addr, 4);
		memcpy(buf + 24, &s.u.in4.sin_port, 2);
		memcpy(buf + 26, &d.u.in4.sin_port, 2);
		n += 12;
	} else {
		buf[13] = 0x21;
		memcpy(buf + 16, &s.u.in6.sin6_addr, 16);
		memcpy(buf + 32, &d.u.in6.sin6_addr, 16);
		memcpy(buf + 48, &s.u.in6.sin6_port, 2);
		memcpy(buf + 50, &d.u.in6.sin6_port, 2);
		n += 36;
	}
	buf[14] = (uint8_t)((n - 16) >> 8);
	buf[15] = (uint8_t)(n - 16);
	return n;
}
