/* The PROXY protocol header, v1 and v2 (forward_proxy.c): what the
 * forwarder parses from a client with accept_proxy and sends to an
 * upstream with send_proxy. */
#ifndef FORWARD_PROXY_H
#define FORWARD_PROXY_H

#include <stddef.h>
#include <stdint.h>

#include <nethost/sock.h>

/* Longest v2 header accepted, TLVs included (they are skipped). */
#define FWD_PROXY_V2_MAX 2048
/* Room fwd_proxy_build() needs: a v1 line is 107 bytes at most. */
#define FWD_PROXY_BUILD_MAX 108

struct fwd_proxy_hdr {
	int version; /* 1 or 2 */
	int local;   /* LOCAL, UNKNOWN or a family without addresses to use:
		      * the real connection's endpoints stand */
	nh_addr src, dst; /* the original client and the address it reached */
};

/* Parse the header at the start of the len bytes a client sent. Returns
 * its length (> 0) with *out filled; 0 when these bytes are a valid start
 * but not a whole header (every one of them then belongs to it, so a
 * caller may consume them); -EINVAL for bytes that are no PROXY header,
 * -E2BIG for a v2 header longer than FWD_PROXY_V2_MAX. */
int fwd_proxy_parse(const void *buf, size_t len, struct fwd_proxy_hdr *out);

/* Write a version 1 or 2 header for a connection from src to dst into buf
 * and return its length. v4-mapped addresses are sent as IPv4; a family
 * other than IPv4/IPv6 gives "UNKNOWN" (v1) or UNSPEC (v2). */
size_t fwd_proxy_build(int version, const nh_addr *src, const nh_addr *dst,
		       uint8_t buf[FWD_PROXY_BUILD_MAX]);

#endif
