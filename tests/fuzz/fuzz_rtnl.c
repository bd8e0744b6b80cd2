/* libFuzzer target: rtnetlink message decoding (nh_rtnl_parse_link /
 * nh_rtnl_parse_addr), as the ifaces watcher feeds it: the caller has
 * checked that nlmsg_len fits in what recv() returned, nothing more. */
#include <linux/netlink.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/rtnl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < sizeof(struct nlmsghdr) || size > 65536)
		return 0;
	/* An aligned copy of the bytes received, in a buffer padded to
	 * NLMSG_ALIGN as a recv() buffer always is (libmnl walks attributes
	 * up to the aligned end of the message). */
	struct nlmsghdr *h = calloc(1, NLMSG_ALIGN(size));
	if (!h)
		return 0;
	memcpy(h, data, size);
	if (h->nlmsg_len > size)
		h->nlmsg_len = (uint32_t)size;
	struct nh_link link;
	struct nh_ifaddr addr;
	char flags[128];
	if (nh_rtnl_parse_link(h, &link) == 0) {
		nh_rtnl_operstate_name(link.operstate);
		if (link.name[NH_IFNAMSIZ - 1] != '\0' || link.hwaddr_len > NH_HWADDR_MAX)
			abort();
	}
	if (nh_rtnl_parse_addr(h, &addr) == 0) {
		nh_rtnl_scope_name(addr.scope);
		nh_rtnl_addr_flags_text(addr.family, addr.flags, flags, sizeof(flags));
		if (addr.label[NH_IFNAMSIZ - 1] != '\0')
			abort();
	}
	free(h);
	return 0;
}
