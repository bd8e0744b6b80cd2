/* ipv6: can this host use IPv6, its IPv6 addresses and their prefixes,
 * and prefix arithmetic for any IPv6 (or IPv4) address.
 *
 * CLI:  nethost ipv6 [--json]
 *       nethost ipv6 prefix [--json] ADDR[/LEN]...
 */
#include <getopt.h>
#include <string.h>

#include "ipv6.h"

static int ipv6_cmd(nh_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int json = 0, c;

	while ((c = getopt_long(argc, argv, "j", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		default: return nh_cli_usage_error(ctx, "unknown option");
		}
	}
	if (optind < argc && strcmp(argv[optind], "prefix") == 0)
		return ipv6_prefix_run(ctx, json, argc - optind - 1, argv + optind + 1);
	if (optind < argc)
		return nh_cli_usage_error(ctx, "unknown subcommand '%s' (prefix)", argv[optind]);
	return ipv6_status_run(ctx, json);
}

static const struct nh_command ipv6_commands[] = {
	{ "ipv6",
	  "ipv6 [--json]\n"
	  "       ipv6 prefix [--json] ADDR[/LEN]...\n"
	  "  (none)          whether this host can use IPv6 (kernel, AF_INET6 socket,\n"
	  "                  disable_ipv6) and every interface's IPv6 addresses with\n"
	  "                  prefix length, network, scope and flags; exit 0 when\n"
	  "                  IPv6 is usable, 1 when not\n"
	  "  prefix ADDR[/LEN]...\n"
	  "                  network, prefix length, first and last address and type\n"
	  "                  of each IPv6 or IPv4 address (a bare address is /128 or\n"
	  "                  /32); exit 2 when an input is not valid\n"
	  "  -j, --json      JSON instead of text",
	  "IPv6 support and addresses; prefix arithmetic", ipv6_cmd },
	{ NULL, NULL, NULL, NULL },
};

NH_PLUGIN_DEFINE(
	.name = "ipv6",
	.version = "1.0",
	.summary = "IPv6 support, IPv6 addresses, prefix computation",
	.commands = ipv6_commands,
);
