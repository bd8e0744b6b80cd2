/* libFuzzer target: the forwarder's PROXY header parser on any bytes.
 * What it accepts must say how long the header is, within the input and
 * the spec's limits; a header built from what it parsed parses back to
 * the same addresses. */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "forward_proxy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fwd_proxy_hdr h, back;
	/* A copy of exactly size bytes: ASan sees any read past them. */
	uint8_t *buf = malloc(size ? size : 1);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	int r = fwd_proxy_parse(buf, size, &h);
	if (r > (int)size || (r > 0 && r > FWD_PROXY_V2_MAX))
		abort();
	if (r > 0 && h.version == 1 && r > 107)
		abort();
	/* v4-mapped addresses are sent back as IPv4 on purpose. */
	int mapped = h.src.u.sa.sa_family == AF_INET6 &&
		     (IN6_IS_ADDR_V4MAPPED(&h.src.u.in6.sin6_addr) ||
		      IN6_IS_ADDR_V4MAPPED(&h.dst.u.in6.sin6_addr));
	if (r > 0 && !h.local && !mapped) {
		uint8_t out[FWD_PROXY_BUILD_MAX];
		size_t n = fwd_proxy_build(h.version, &h.src, &h.dst, out);
		if (fwd_proxy_parse(out, n, &back) != (int)n || back.local ||
		    !nh_addr_equal(&back.src, &h.src) || !nh_addr_equal(&back.dst, &h.dst))
			abort();
	}
	free(buf);
	return 0;
}
