/* ipv6 plugin: private declarations. */
#ifndef IPV6_H
#define IPV6_H

#include <nethost/nethost.h>

#include "common/rtnl.h"

/* nethost ipv6 [--json]: can this host use IPv6, and its IPv6 addresses. */
int ipv6_status_run(nh_ctx *ctx, int json);
/* nethost ipv6 prefix [--json] ADDR[/LEN]... */
int ipv6_prefix_run(nh_ctx *ctx, int json, int argc, char **argv);

#endif
