/* Prefix arithmetic and address types for `nethost ipv6 prefix`. */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "ipv6_prefix.h"

/* Longest input worth parsing: a full IPv6 address with an embedded IPv4
 * tail and "/128" is 49 characters. */
#define PREFIX_TEXT_MAX 64

void ipv6_prefix_mask(const uint8_t *addr, int len, int prefixlen, uint8_t *net, uint8_t *last)
{
	for (int i = 0; i < len; i++) {
		int bits = prefixlen - i * 8;
		uint8_t mask = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
		net[i] = addr[i] & mask;
		last[i] = addr[i] | (uint8_t)~mask;
	}
}

struct block {
	const char *prefix; /* text, parsed on use: the table stays readable */
	int len;
	const char *type;
};

/* Most specific first: the first match names the address. */
static const struct block v6_blocks[] = {
	{ "::", 128, "unspecified" },
	{ "::1", 128, "loopback" },
	{ "::ffff:0:0", 96, "ipv4-mapped" },
	{ "::", 96, "ipv4-compatible" },
	{ "64:ff9b::", 96, "nat64" },
	{ "64:ff9b:1::", 48, "nat64-local" },
	{ "100::", 64, "discard" },
	{ "2001:2::", 48, "benchmarking" },
	{ "2001::", 32, "teredo" },
	{ "2001:db8::", 32, "documentation" },
	{ "3fff::", 20, "documentation" },
	{ "2002::", 16, "6to4" },
	{ "fc00::", 7, "unique-local" },
	{ "fe80::", 10, "link-local" },
	{ "fec0::", 10, "site-local" },
	{ "ff00::", 8, "multicast" },
	{ "2000::", 3, "global" },
	{ "::", 0, "reserved" },
};

static const struct block v4_blocks[] = {
	{ "0.0.0.0", 32, "unspecified" },
	{ "255.255.255.255", 32, "broadcast" },
	{ "0.0.0.0", 8, "this-network" },
	{ "10.0.0.0", 8, "private" },
	{ "172.16.0.0", 12, "private" },
	{ "192.168.0.0", 16, "private" },
	{ "100.64.0.0", 10, "shared" },
	{ "127.0.0.0", 8, "loopback" },
	{ "169.254.0.0", 16, "link-local" },
	{ "192.0.0.0", 24, "ietf-protocol" },
	{ "192.0.2.0", 24, "documentation" },
	{ "198.51.100.0", 24, "documentation" },
	{ "203.0.113.0", 24, "documentation" },
	{ "198.18.0.0", 15, "benchmarking" },
	{ "224.0.0.0", 4, "multicast" },
	{ "240.0.0.0", 4, "reserved" },
	{ "0.0.0.0", 0, "global" },
};

static int block_match(int family, const struct block *b, const uint8_t *addr)
{
	uint8_t net[16], a_net[16], last[16];

	inet_pton(family, b->prefix, net);
	ipv6_prefix_mask(addr, family == AF_INET ? 4 : 16, b->len, a_net, last);
	return memcmp(a_net, net, family == AF_INET ? 4 : 16) == 0;
}

const char *ipv6_addr_type(int family, const uint8_t *addr)
{
	const struct block *t = family == AF_INET ? v4_blocks : v6_blocks;
	size_t n = family == AF_INET ? sizeof(v4_blocks) / sizeof(v4_blocks[0])
				     : sizeof(v6_blocks) / sizeof(v6_blocks[0]);

	for (size_t i = 0; i < n; i++)
		if (block_match(family, &t[i], addr))
			return t[i].type;
	return "reserved";
}

const char *ipv6_addr_scope(const uint8_t *addr)
{
	const char *type = ipv6_addr_type(AF_INET6, addr);

	if (strcmp(type, "loopback") == 0)
		return "host";
	if (strcmp(type, "link-local") == 0)
		return "link";
	if (strcmp(type, "site-local") == 0)
		return "site";
	if (strcmp(type, "unique-local") == 0)
		return "ula";
	return "global";
}

/* "64" into 0..max; anything else (sign, spaces, "064" is fine) refused. */
static int parse_len(const char *s, int max, int *out)
{
	int v = 0;

	if (!*s || strlen(s) > 3)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

int ipv6_prefix_compute(const char *text, struct ipv6_prefix *out, nh_error *err)
{
	char buf[PREFIX_TEXT_MAX + 1];
	const char *len_text = NULL;
	char *slash;
	int max;

	memset(out, 0, sizeof(*out));
	if (!*text)
		return nh_error_set(err, EINVAL, "'': empty address");
	if (strlen(text) > PREFIX_TEXT_MAX)
		return nh_error_set(err, EINVAL, "'%.*s...': too long for an address", 40, text);
	strcpy(buf, text);
	if ((slash = strchr(buf, '/'))) {
		*slash = '\0';
		len_text = slash + 1;
	}
	if (strchr(buf, '%'))
		return nh_error_set(err, EINVAL, "'%s': zone index (%%...) not allowed in a prefix", text);
	out->family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(out->family, buf, out->addr) != 1) {
		if (!len_text)
			return nh_error_set(err, EINVAL, "'%s' is not an IPv6 or IPv4 address", text);
		return nh_error_set(err, EINVAL, "'%s': '%s' is not an IPv6 or IPv4 address", text, buf);
	}
	max = out->family == AF_INET6 ? 128 : 32;
	out->prefixlen = max;
	if (len_text && parse_len(len_text, max, &out->prefixlen) < 0)
		return nh_error_set(err, EINVAL, "'%s': prefix length '%s' is not 0-%d", text,
				    len_text, max);
	ipv6_prefix_mask(out->addr, max / 8, out->prefixlen, out->network, out->last);
	out->type = ipv6_addr_type(out->family, out->addr);
	return 0;
}
