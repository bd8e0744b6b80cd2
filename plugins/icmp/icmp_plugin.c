/* icmp: the plugin descriptor. The work lives in a file per command. */
#include "icmp.h"

static const struct nh_command icmp_commands[] = {
	{ "ping",
	  "ping [-4|-6] [-c COUNT] [-i INTERVAL] [-W TIMEOUT] [-s SIZE] [-q] [-S KIND] HOST\n"
	  "  -4, -6              use IPv4 / IPv6 only when resolving HOST\n"
	  "  -c, --count COUNT   stop after COUNT replies or COUNT probes (default: until Ctrl-C)\n"
	  "  -i, --interval I    time between probes (default 1s; at least 1ms as root, 2ms otherwise)\n"
	  "  -W, --timeout T     after the last probe, wait this long for replies (default 10s)\n"
	  "  -s, --size SIZE     payload bytes (0-65507, default 56)\n"
	  "  -q, --quiet         print the summary only\n"
	  "  -S, --socket KIND   auto (default: datagram if allowed, else raw), dgram or raw\n"
	  "Durations: 250ms, 0.2 (seconds), 2s, 1m. Ctrl-C prints the summary.\n"
	  "Exit: 0 some reply, 1 no reply, 2 usage or socket error.",
	  "ICMP echo to a host, like iputils ping", ping_cmd },
	{ NULL, NULL, NULL, NULL },
};

NH_PLUGIN_DEFINE(
	.name = "icmp",
	.version = "1.0",
	.summary = "ICMP ping and sweeps, TCP wait and SYN probes",
	.commands = icmp_commands,
);
