/* ifaces: network interfaces, their addresses and state, from rtnetlink.
 *
 * CLI:      nethost ifaces [list|ip IFNAME|status IFNAME] [--json] [-4|-6]
 * Service:  [ifaces NAME]   log link and address changes as they happen
 *           interface = eth0, eth1  ; only these (default: all)
 *           links     = yes         ; log link changes
 *           addresses = yes         ; log address changes
 *           family    = any         ; any, ipv4 or ipv6 addresses
 *           receive_buffer = 1048576 ; bytes, for bursts of events
 */
#include "ifaces.h"

static const struct nh_conf_key ifaces_keys[] = {
	{ .name = "interface", .help = "interfaces to watch, separated by commas or spaces (default: all)", .multi = 1 },
	{ .name = "links", .help = "log link changes: up/down, carrier, operstate, mtu (default yes)" },
	{ .name = "addresses", .help = "log addresses added and removed (default yes)" },
	{ .name = "family", .help = "addresses of which family: any, ipv4, ipv6 (default any)" },
	{ .name = "receive_buffer", .help = "socket receive buffer in bytes for event bursts (default 1048576)" },
	{ .name = NULL },
};

static const struct nh_command ifaces_commands[] = {
	{ "ifaces",
	  "ifaces [list] [--json] [-4|-6]\n"
	  "       ifaces ip IFNAME [-4|-6] [--bare] [--json]\n"
	  "       ifaces status IFNAME [--json]\n"
	  "  list            every interface: index, name, flags, operstate, mtu,\n"
	  "                  hardware address and every address (the default)\n"
	  "  ip IFNAME       the interface's addresses, one a line (ADDR/LEN);\n"
	  "                  exit 1 when it has none, 2 when there is no IFNAME\n"
	  "  status IFNAME   up/down, running, carrier and operstate; exit 0 when\n"
	  "                  up and running, 1 when not, 2 when there is no IFNAME\n"
	  "  -4, --ipv4      IPv4 addresses only\n"
	  "  -6, --ipv6      IPv6 addresses only\n"
	  "  -b, --bare      ip: addresses without /LEN\n"
	  "  -j, --json      JSON instead of text",
	  "list interfaces, their addresses and state (rtnetlink)", ifaces_cmd },
	{ NULL, NULL, NULL, NULL },
};

NH_PLUGIN_DEFINE(
	.name = "ifaces",
	.version = "1.0",
	.summary = "interfaces, addresses and state; watches link and address changes",
	.keys = ifaces_keys,
	.create = ifaces_watch_create,
	.start = ifaces_watch_start,
	.stop = ifaces_watch_stop,
	.destroy = ifaces_watch_destroy,
	.report = ifaces_watch_report,
	.commands = ifaces_commands,
);
