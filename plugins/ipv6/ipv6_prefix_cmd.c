/* nethost ipv6 prefix ADDR[/LEN]...: the network, first and last address
 * and the type of each input; bad inputs quoted back, the rest still shown. */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "ipv6.h"
#include "ipv6_prefix.h"

struct prefix_text {
	char addr[INET6_ADDRSTRLEN], network[INET6_ADDRSTRLEN + 4];
	char first[INET6_ADDRSTRLEN], last[INET6_ADDRSTRLEN];
	char mask[INET_ADDRSTRLEN];  /* IPv4 only */
	char ipv4[INET_ADDRSTRLEN];  /* the IPv4 address inside an IPv4-mapped one */
};

static void prefix_text(const struct ipv6_prefix *p, struct prefix_text *t)
{
	char net[INET6_ADDRSTRLEN];

	inet_ntop(p->family, p->addr, t->addr, sizeof(t->addr));
	inet_ntop(p->family, p->network, net, sizeof(net));
	snprintf(t->network, sizeof(t->network), "%s/%d", net, p->prefixlen);
	inet_ntop(p->family, p->network, t->first, sizeof(t->first));
	inet_ntop(p->family, p->last, t->last, sizeof(t->last));
	t->mask[0] = t->ipv4[0] = '\0';
	if (p->family == AF_INET) {
		uint8_t ones[4] = { 0xff, 0xff, 0xff, 0xff }, mask[4], unused[4];
		ipv6_prefix_mask(ones, 4, p->prefixlen, mask, unused);
		inet_ntop(AF_INET, mask, t->mask, sizeof(t->mask));
	} else if (strcmp(p->type, "ipv4-mapped") == 0) {
		inet_ntop(AF_INET, p->addr + 12, t->ipv4, sizeof(t->ipv4));
	}
}

static struct json_object *prefix_json(const char *input, const struct ipv6_prefix *p)
{
	struct json_object *o = json_object_new_object();
	struct prefix_text t;

	prefix_text(p, &t);
	nh_json_add_str(o, "input", input);
	nh_json_add_str(o, "family", p->family == AF_INET6 ? "inet6" : "inet");
	nh_json_add_str(o, "address", t.addr);
	nh_json_add_int(o, "prefixlen", p->prefixlen);
	nh_json_add_str(o, "network", t.network);
	nh_json_add_str(o, "first", t.first);
	nh_json_add_str(o, "last", t.last);
	if (t.mask[0])
		nh_json_add_str(o, "netmask", t.mask);
	nh_json_add_str(o, "type", p->type);
	if (t.ipv4[0])
		nh_json_add_str(o, "ipv4", t.ipv4);
	return o;
}

static void prefix_print(const struct ipv6_prefix *p, int first)
{
	struct prefix_text t;

	prefix_text(p, &t);
	printf("%saddress:   %s\nprefixlen: %d\nnetwork:   %s\nfirst:     %s\nlast:      %s\n",
	       first ? "" : "\n", t.addr, p->prefixlen, t.network, t.first, t.last);
	if (t.mask[0])
		printf("netmask:   %s\n", t.mask);
	printf("type:      %s\n", p->type);
	if (t.ipv4[0])
		printf("ipv4:      %s\n", t.ipv4);
}

int ipv6_prefix_run(nh_ctx *ctx, int json, int argc, char **argv)
{
	struct json_object *arr = json ? json_object_new_array() : NULL;
	int bad = 0, shown = 0;

	if (argc < 1)
		return nh_cli_usage_error(ctx, "prefix: missing ADDR[/LEN]");
	for (int i = 0; i < argc; i++) {
		struct ipv6_prefix p;
		nh_error err;

		if (ipv6_prefix_compute(argv[i], &p, &err) < 0) {
			fprintf(stderr, "nethost %s prefix: %s\n", nh_ctx_name(ctx), err.msg);
			if (arr) {
				struct json_object *o = json_object_new_object();
				nh_json_add_str(o, "input", argv[i]);
				nh_json_add_str(o, "error", err.msg);
				json_object_array_add(arr, o);
			}
			bad = 1;
			continue;
		}
		if (arr)
			json_object_array_add(arr, prefix_json(argv[i], &p));
		else
			prefix_print(&p, !shown);
		shown++;
	}
	if (arr && nh_json_print(stdout, arr) < 0)
		return NH_EXIT_FAIL;
	if (fflush(stdout))
		return NH_EXIT_FAIL;
	return bad ? NH_EXIT_USAGE : NH_EXIT_OK;
}
