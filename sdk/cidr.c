/* IP networks (CIDR) and inclusive address ranges. Addresses are handled
 * as big-endian byte strings of 4 or 16 bytes, so one code path serves
 * both families. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nh_internal.h"

static int addr_bytes(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* Parse a bare numeric address into bytes; returns the family or 0. */
static int parse_ip(const char *text, uint8_t out[16])
{
	if (inet_pton(AF_INET, text, out) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, text, out) == 1)
		return AF_INET6;
	return 0;
}

int nh_cidr_parse(const char *text, int allow_host_bits, nh_cidr *out, nh_error *err)
{
	char buf[64];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);

	memset(out, 0, sizeof(*out));
	if (alen == 0 || alen >= sizeof(buf))
		return nh_error_set(err, EINVAL, "'%s': not an address or CIDR", text);
	memcpy(buf, text, alen);
	buf[alen] = '\0';
	out->family = parse_ip(buf, out->addr);
	if (!out->family)
		return nh_error_set(err, EINVAL, "'%s': '%s' is not an IPv4 or IPv6 address", text,
				    buf);
	int max = addr_bytes(out->family) * 8;
	out->prefix = max;
	if (slash) {
		char *end;
		const char *p = slash + 1;
		if (!isdigit((unsigned char)*p))
			return nh_error_set(err, EINVAL, "'%s': bad prefix length", text);
		long v = strtol(p, &end, 10);
		if (*end || v < 0 || v > max)
			return nh_error_set(err, EINVAL, "'%s': prefix length must be 0-%d", text,
					    max);
		out->prefix = (int)v;
	}
	for (int bit = out->prefix; bit < max; bit++) {
		uint8_t m = (uint8_t)(0x80 >> (bit % 8));
		if (out->addr[bit / 8] & m) {
			if (!allow_host_bits)
				return nh_error_set(err, EINVAL,
						    "'%s': host bits set (did you mean the network "
						    "address?)",
						    text);
			out->addr[bit / 8] &= (uint8_t)~m;
		}
	}
	return 0;
}

static int prefix_match(const uint8_t *a, const uint8_t *net, int prefix)
{
	int whole = prefix / 8, rest = prefix % 8;

	if (memcmp(a, net, (size_t)whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[whole] & mask) == (net[whole] & mask);
}

int nh_cidr_contains(const nh_cidr *net, const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in4 = (const void *)sa;
		return net->family == AF_INET &&
		       prefix_match((const uint8_t *)&in4->sin_addr, net->addr, net->prefix);
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		const uint8_t *b = in6->sin6_addr.s6_addr;
		if (net->family == AF_INET6)
			return prefix_match(b, net->addr, net->prefix);
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
			return prefix_match(b + 12, net->addr, net->prefix);
	}
	return 0;
}

int nh_cidr_list_parse(const char *text, nh_cidr **out, nh_error *err)
{
	char *copy = strdup(text), *save = NULL;
	nh_cidr *list = NULL;
	int n = 0;

	*out = NULL;
	if (!copy)
		return nh_error_set(err, ENOMEM, "out of memory");
	for (char *tok = strtok_r(copy, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		nh_cidr *grown = realloc(list, (size_t)(n + 1) * sizeof(*list));
		if (!grown) {
			free(list);
			free(copy);
			return nh_error_set(err, ENOMEM, "out of memory");
		}
		list = grown;
		if (nh_cidr_parse(tok, 0, &list[n], err) < 0) {
			free(list);
			free(copy);
			return -EINVAL;
		}
		n++;
	}
	free(copy);
	*out = list;
	return n;
}

int nh_cidr_list_match(const nh_cidr *list, int n, const struct sockaddr *sa)
{
	for (int i = 0; i < n; i++)
		if (nh_cidr_contains(&list[i], sa))
			return 1;
	return 0;
}

char *nh_cidr_format(const nh_cidr *net, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(net->family, net->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%d", a, net->prefix);
	return buf;
}

/* ---- ranges ---------------------------------------------------------- */

static int bytes_cmp(const uint8_t *a, const uint8_t *b, int n)
{
	return memcmp(a, b, (size_t)n);
}

int nh_range_parse(const char *text, nh_range *out, nh_error *err)
{
	const char *dash = strchr(text, '-');

	memset(out, 0, sizeof(*out));
	if (!dash) {
		nh_cidr net;
		if (nh_cidr_parse(text, 1, &net, err) < 0)
			return nh_error_set(err, EINVAL,
					    "'%s': not a host, CIDR or range (A-B)", text);
		int n = addr_bytes(net.family);
		out->family = net.family;
		memcpy(out->first, net.addr, (size_t)n);
		memcpy(out->last, net.addr, (size_t)n);
		for (int bit = net.prefix; bit < n * 8; bit++)
			out->last[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
		return 0;
	}

	char a[64], b[64];
	size_t alen = (size_t)(dash - text);
	if (alen == 0 || alen >= sizeof(a) || strlen(dash + 1) >= sizeof(b) || !dash[1])
		return nh_error_set(err, EINVAL, "'%s': not a range (A-B)", text);
	memcpy(a, text, alen);
	a[alen] = '\0';
	strcpy(b, dash + 1);
	out->family = parse_ip(a, out->first);
	if (!out->family)
		return nh_error_set(err, EINVAL, "'%s': '%s' is not an IPv4 or IPv6 address", text, a);
	int n = addr_bytes(out->family);

	if (parse_ip(b, out->last) == out->family) {
		/* full form: A-B */
	} else if (out->family == AF_INET) {
		/* short form: 10.0.2.2-4 replaces the last octet */
		char *end;
		long v = strtol(b, &end, 10);
		if (*end || !isdigit((unsigned char)b[0]) || v > 255)
			return nh_error_set(err, EINVAL,
					    "'%s': '%s' is not an IPv4 address or last octet (0-255)",
					    text, b);
		memcpy(out->last, out->first, 4);
		out->last[3] = (uint8_t)v;
	} else {
		/* short form: 2001:db8::1-ff replaces the last 16-bit group */
		char *end;
		unsigned long v = strtoul(b, &end, 16);
		if (*end || !isxdigit((unsigned char)b[0]) || v > 0xffff)
			return nh_error_set(err, EINVAL,
					    "'%s': '%s' is not an IPv6 address or last group (0-ffff)",
					    text, b);
		memcpy(out->last, out->first, 16);
		out->last[14] = (uint8_t)(v >> 8);
		out->last[15] = (uint8_t)v;
	}
	if (bytes_cmp(out->first, out->last, n) > 0)
		return nh_error_set(err, EINVAL, "'%s': range ends before it starts", text);
	return 0;
}

uint64_t nh_range_count(const nh_range *r)
{
	int n = addr_bytes(r->family);
	uint8_t diff[16];
	int borrow = 0;

	for (int i = n - 1; i >= 0; i--) {
		int d = r->last[i] - r->first[i] - borrow;
		borrow = d < 0;
		diff[i] = (uint8_t)(d + (borrow ? 256 : 0));
	}
	for (int i = 0; i < n - 8; i++)
		if (diff[i])
			return UINT64_MAX;
	uint64_t v = 0;
	for (int i = n > 8 ? n - 8 : 0; i < n; i++)
		v = (v << 8) | diff[i];
	return v == UINT64_MAX ? v : v + 1;
}

static uint8_t *cursor_bytes(nh_addr *a)
{
	return a->u.sa.sa_family == AF_INET ? (uint8_t *)&a->u.in4.sin_addr
					    : a->u.in6.sin6_addr.s6_addr;
}

void nh_range_begin(const nh_range *r, nh_addr *cursor)
{
	memset(cursor, 0, sizeof(*cursor));
	cursor->u.sa.sa_family = (sa_family_t)r->family;
	cursor->len = r->family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	memcpy(cursor_bytes(cursor), r->first, (size_t)addr_bytes(r->family));
}

int nh_range_next(const nh_range *r, nh_addr *cursor)
{
	int n = addr_bytes(r->family);
	uint8_t *b = cursor_bytes(cursor);

	if (bytes_cmp(b, r->last, n) >= 0)
		return 0;
	for (int i = n - 1; i >= 0; i--)
		if (++b[i] != 0)
			break;
	return 1;
}
