/* ifaces plugin: interfaces, their addresses and state, from rtnetlink.
 * Private to the plugin. */
#ifndef IFACES_H
#define IFACES_H

#include <stddef.h>

#include <nethost/nethost.h>

#include "common/rtnl.h"

/* "LOOPBACK,UP,RUNNING,LOWER_UP": iproute2's order, plus RUNNING. */
char *ifaces_link_flags_text(unsigned int flags, char *buf, size_t len);
/* "10.0.0.1/24", "2001:db8::1/64". */
char *ifaces_addr_text(const struct nh_ifaddr *a, char *buf, size_t len);
/* iproute2's link type name ("ether", "loopback", "none"...). */
const char *ifaces_link_type_name(unsigned int type);
/* The kernel's carrier, or IFF_LOWER_UP when it did not say. */
int ifaces_link_carrier(const struct nh_link *l);

/* CLI: nethost ifaces [list|ip|status] ... */
int ifaces_cmd(nh_ctx *ctx, int argc, char **argv);

/* Service: [ifaces NAME] watches links and addresses. */
int ifaces_watch_create(nh_ctx *ctx, const nh_section *sec, void **state);
int ifaces_watch_start(void *state);
void ifaces_watch_stop(void *state);
void ifaces_watch_destroy(void *state);
void ifaces_watch_report(void *state);

#endif
