/* ipv6 plugin: prefix arithmetic and address types, pure functions (no
 * I/O), unit-tested on their own. */
#ifndef IPV6_PREFIX_H
#define IPV6_PREFIX_H

#include <stdint.h>

#include <nethost/sock.h>

/* What `nethost ipv6 prefix ADDR[/LEN]` reports about one input. */
struct ipv6_prefix {
	int family;          /* AF_INET6 or AF_INET */
	uint8_t addr[16];    /* the address as given */
	int prefixlen;       /* as given, else 128 (IPv6) or 32 (IPv4) */
	uint8_t network[16]; /* addr with the host bits cleared: the first address */
	uint8_t last[16];    /* addr with the host bits set */
	const char *type;    /* of addr: "global", "link-local", "documentation"... */
};

/* Parse "2001:db8::1/64", "192.0.2.1/24", or a bare address (a /128 or
 * /32), and compute its prefix. 0, or -EINVAL with the text quoted in err. */
int ipv6_prefix_compute(const char *text, struct ipv6_prefix *out, nh_error *err);

/* The special-purpose block an address falls in (RFC 6890 and the IANA
 * registries): "loopback", "ipv4-mapped", "unique-local", "private"...,
 * "global" for ordinary unicast. Never NULL. */
const char *ipv6_addr_type(int family, const uint8_t *addr);

/* The reach of an IPv6 address: "host", "link", "site" (fec0::/10),
 * "ula" (fc00::/7) or "global". */
const char *ipv6_addr_scope(const uint8_t *addr);

/* Clear (net) or set (last) the bits after prefixlen of addr (len bytes). */
void ipv6_prefix_mask(const uint8_t *addr, int len, int prefixlen, uint8_t *net, uint8_t *last);

#endif
