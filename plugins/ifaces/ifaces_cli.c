/* nethost ifaces [list|ip|status]: interfaces, addresses and state, read
 * from rtnetlink in one snapshot. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if.h>

#include "ifaces.h"

struct cli {
	nh_ctx *ctx;
	int json;
	int family; /* AF_UNSPEC, AF_INET, AF_INET6 */
	int bare;   /* ip: addresses without /LEN */
	struct nh_rtnl_snapshot snap;
};

static const char *family_name(int family)
{
	return family == AF_INET ? "inet" : "inet6";
}

static char *hwaddr_text(const uint8_t *hw, int len, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < len && n + 4 <= size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%02x", i ? ":" : "", hw[i]);
	return buf;
}

/* "A,B,C" into ["A","B","C"]. */
static struct json_object *json_words(const char *text, const char *sep)
{
	struct json_object *arr = json_object_new_array();
	char buf[512];

	snprintf(buf, sizeof(buf), "%s", text);
	for (char *save = NULL, *w = strtok_r(buf, sep, &save); w; w = strtok_r(NULL, sep, &save))
		json_object_array_add(arr, json_object_new_string(w));
	return arr;
}

static struct json_object *addr_json(const struct nh_ifaddr *a)
{
	struct json_object *o = json_object_new_object();
	char ip[INET6_ADDRSTRLEN], flags[256];

	nh_json_add_str(o, "family", family_name(a->family));
	nh_json_add_str(o, "local", inet_ntop(a->family, a->local, ip, sizeof(ip)));
	nh_json_add_int(o, "prefixlen", a->prefixlen);
	if (a->has_peer)
		nh_json_add_str(o, "peer", inet_ntop(a->family, a->peer, ip, sizeof(ip)));
	if (a->has_broadcast)
		nh_json_add_str(o, "broadcast", inet_ntop(AF_INET, a->broadcast, ip, sizeof(ip)));
	nh_json_add_str(o, "scope", nh_rtnl_scope_name(a->scope));
	if (a->label[0])
		nh_json_add_str(o, "label", a->label);
	nh_rtnl_addr_flags_text(a->family, a->flags, flags, sizeof(flags));
	json_object_object_add(o, "flags", json_words(flags, " "));
	nh_json_add_int(o, "valid_life_time", a->valid_lft);
	nh_json_add_int(o, "preferred_life_time", a->preferred_lft);
	return o;
}

/* " scope global tentative": the words after the address. */
static void addr_print_tail(const struct nh_ifaddr *a, const struct nh_link *l)
{
	char ip[INET6_ADDRSTRLEN], flags[256];

	if (a->has_peer)
		printf(" peer %s", inet_ntop(a->family, a->peer, ip, sizeof(ip)));
	if (a->has_broadcast)
		printf(" brd %s", inet_ntop(AF_INET, a->broadcast, ip, sizeof(ip)));
	printf(" scope %s", nh_rtnl_scope_name(a->scope));
	if (a->label[0] && strcmp(a->label, l->name))
		printf(" label %s", a->label);
	nh_rtnl_addr_flags_text(a->family, a->flags, flags, sizeof(flags));
	printf("%s%s\n", flags[0] ? " " : "", flags);
}

/* Call fn on each of the link's addresses of the wanted families, IPv4
 * first; returns how many. */
static int for_each_addr(const struct cli *c, const struct nh_link *l,
			 void (*fn)(const struct cli *c, const struct nh_ifaddr *a, void *arg),
			 void *arg)
{
	static const int order[] = { AF_INET, AF_INET6 };
	int n = 0;

	for (int f = 0; f < 2; f++) {
		if (c->family != AF_UNSPEC && c->family != order[f])
			continue;
		for (int i = 0; i < c->snap.naddrs; i++) {
			const struct nh_ifaddr *a = &c->snap.addrs[i];
			if (a->index == l->index && a->family == order[f]) {
				fn(c, a, arg);
				n++;
			}
		}
	}
	return n;
}

static void addr_add_json(const struct cli *c, const struct nh_ifaddr *a, void *arg)
{
	json_object_array_add(arg, addr_json(a));
}

static void addr_print_line(const struct cli *c, const struct nh_ifaddr *a, void *arg)
{
	const struct nh_link *l = arg;
	char text[INET6_ADDRSTRLEN + 8];

	printf("    %s %s", family_name(a->family), ifaces_addr_text(a, text, sizeof(text)));
	addr_print_tail(a, l);
}

static struct json_object *link_json(const struct cli *c, const struct nh_link *l)
{
	struct json_object *o = json_object_new_object(), *addrs = json_object_new_array();
	char buf[256];

	nh_json_add_int(o, "ifindex", l->index);
	nh_json_add_str(o, "ifname", l->name);
	ifaces_link_flags_text(l->flags, buf, sizeof(buf));
	json_object_object_add(o, "flags", json_words(buf, ","));
	nh_json_add_int(o, "mtu", l->mtu);
	nh_json_add_str(o, "operstate", nh_rtnl_operstate_name(l->operstate));
	nh_json_add_bool(o, "carrier", ifaces_link_carrier(l));
	nh_json_add_str(o, "link_type", ifaces_link_type_name(l->type));
	if (l->hwaddr_len)
		nh_json_add_str(o, "address", hwaddr_text(l->hwaddr, l->hwaddr_len, buf, sizeof(buf)));
	for_each_addr(c, l, addr_add_json, addrs);
	json_object_object_add(o, "addr_info", addrs);
	return o;
}

static int cmd_list(struct cli *c)
{
	char buf[256];

	if (c->json) {
		struct json_object *arr = json_object_new_array();
		for (int i = 0; i < c->snap.nlinks; i++)
			json_object_array_add(arr, link_json(c, &c->snap.links[i]));
		return nh_json_print(stdout, arr) < 0 ? NH_EXIT_FAIL : NH_EXIT_OK;
	}
	for (int i = 0; i < c->snap.nlinks; i++) {
		const struct nh_link *l = &c->snap.links[i];
		printf("%d: %s: <%s> mtu %u state %s\n", l->index, l->name,
		       ifaces_link_flags_text(l->flags, buf, sizeof(buf)), l->mtu,
		       nh_rtnl_operstate_name(l->operstate));
		if (l->hwaddr_len)
			printf("    link/%s %s\n", ifaces_link_type_name(l->type),
			       hwaddr_text(l->hwaddr, l->hwaddr_len, buf, sizeof(buf)));
		for_each_addr(c, l, addr_print_line, (void *)l);
	}
	return fflush(stdout) == 0 ? NH_EXIT_OK : NH_EXIT_FAIL;
}

static void addr_print_bare(const struct cli *c, const struct nh_ifaddr *a, void *arg)
{
	char text[INET6_ADDRSTRLEN + 8];

	if (c->bare)
		inet_ntop(a->family, a->local, text, sizeof(text));
	else
		ifaces_addr_text(a, text, sizeof(text));
	printf("%s\n", text);
}

/* The named interface, or NULL after saying why (exit 2). */
static const struct nh_link *find_link(const struct cli *c, const char *name)
{
	const struct nh_link *l = nh_rtnl_link_by_name(&c->snap, name);

	if (!l)
		nh_error(c->ctx, "no interface '%s'", name);
	return l;
}

static int cmd_ip(struct cli *c, const char *name)
{
	const struct nh_link *l = find_link(c, name);
	int n;

	if (!l)
		return NH_EXIT_USAGE;
	if (c->json) {
		struct json_object *arr = json_object_new_array();
		n = for_each_addr(c, l, addr_add_json, arr);
		if (nh_json_print(stdout, arr) < 0)
			return NH_EXIT_FAIL;
	} else {
		n = for_each_addr(c, l, addr_print_bare, NULL);
	}
	return n ? NH_EXIT_OK : NH_EXIT_FAIL;
}

static int cmd_status(struct cli *c, const char *name)
{
	const struct nh_link *l = find_link(c, name);

	if (!l)
		return NH_EXIT_USAGE;
	int up = !!(l->flags & IFF_UP), running = !!(l->flags & IFF_RUNNING);
	int carrier = ifaces_link_carrier(l);
	const char *oper = nh_rtnl_operstate_name(l->operstate);

	if (c->json) {
		struct json_object *o = json_object_new_object();
		nh_json_add_int(o, "ifindex", l->index);
		nh_json_add_str(o, "ifname", l->name);
		nh_json_add_bool(o, "up", up);
		nh_json_add_bool(o, "running", running);
		nh_json_add_bool(o, "carrier", carrier);
		nh_json_add_str(o, "operstate", oper);
		nh_json_add_bool(o, "usable", up && running);
		if (nh_json_print(stdout, o) < 0)
			return NH_EXIT_FAIL;
	} else {
		printf("%s: %s, %s, %s, operstate %s\n", l->name, up ? "up" : "down",
		       running ? "running" : "not running", carrier ? "carrier" : "no carrier", oper);
	}
	return up && running ? NH_EXIT_OK : NH_EXIT_FAIL;
}

int ifaces_cmd(nh_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "ipv4", no_argument, NULL, '4' },
		{ "ipv6", no_argument, NULL, '6' },
		{ "bare", no_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli c = { .ctx = ctx, .family = AF_UNSPEC };
	const char *sub = "list", *name = NULL;
	int opt, code;

	while ((opt = getopt_long(argc, argv, "j46b", opts, NULL)) != -1) {
		switch (opt) {
		case 'j': c.json = 1; break;
		case '4': c.family = AF_INET; break;
		case '6': c.family = AF_INET6; break;
		case 'b': c.bare = 1; break;
		default: return nh_cli_usage_error(ctx, "unknown option");
		}
	}
	if (optind < argc)
		sub = argv[optind++];
	if (strcmp(sub, "list") == 0) {
		if (optind < argc)
			return nh_cli_usage_error(ctx, "list: unexpected argument '%s'", argv[optind]);
	} else if (strcmp(sub, "ip") == 0 || strcmp(sub, "status") == 0) {
		if (optind >= argc)
			return nh_cli_usage_error(ctx, "%s: missing IFNAME", sub);
		name = argv[optind++];
		if (optind < argc)
			return nh_cli_usage_error(ctx, "%s: unexpected argument '%s'", sub, argv[optind]);
		if (!name[0] || strlen(name) >= NH_IFNAMSIZ)
			return nh_cli_usage_error(ctx, "'%s' is not an interface name (1-%d characters)",
						  name, NH_IFNAMSIZ - 1);
	} else {
		return nh_cli_usage_error(ctx, "unknown subcommand '%s' (list, ip, status)", sub);
	}
	if (c.bare && strcmp(sub, "ip"))
		return nh_cli_usage_error(ctx, "--bare only applies to 'ip'");

	nh_error err;
	if (nh_rtnl_snapshot_read(&c.snap, c.family, &err) < 0) {
		nh_error(ctx, "%s", err.msg);
		return NH_EXIT_FAIL;
	}
	if (strcmp(sub, "ip") == 0)
		code = cmd_ip(&c, name);
	else if (strcmp(sub, "status") == 0)
		code = cmd_status(&c, name);
	else
		code = cmd_list(&c);
	nh_rtnl_snapshot_free(&c.snap);
	return code;
}
