/* nethost ipv6: whether this host can use IPv6 (kernel, socket,
 * disable_ipv6), and every interface's IPv6 addresses with their prefix. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "ipv6.h"
#include "ipv6_prefix.h"

struct ipv6_host {
	int kernel;            /* the kernel has IPv6 (not ipv6.disable=1) */
	int socket_ok;         /* an AF_INET6 socket opens */
	char socket_error[64]; /* why not */
	int all_disabled;      /* net.ipv6.conf.all.disable_ipv6, -1 unknown */
	int default_disabled;  /* net.ipv6.conf.default.disable_ipv6 */
	int enabled_ifaces;    /* interfaces with IPv6 on */
	int global_addrs;      /* addresses of global reach */
	struct nh_rtnl_snapshot snap;
};

/* A 0/1 sysctl under /proc/sys/net/ipv6/conf/, or -1 when unreadable. */
static int read_conf_flag(const char *ifname, const char *key)
{
	char path[128];
	int v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/%s", ifname, key);
	if (!(f = fopen(path, "re")))
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static void probe(struct ipv6_host *h)
{
	int fd;

	h->kernel = access("/proc/sys/net/ipv6", F_OK) == 0;
	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	h->socket_ok = fd >= 0;
	if (fd >= 0)
		close(fd);
	else
		snprintf(h->socket_error, sizeof(h->socket_error), "%s", strerror(errno));
	h->all_disabled = read_conf_flag("all", "disable_ipv6");
	h->default_disabled = read_conf_flag("default", "disable_ipv6");
	for (int i = 0; i < h->snap.nlinks; i++)
		h->enabled_ifaces += read_conf_flag(h->snap.links[i].name, "disable_ipv6") == 0;
	for (int i = 0; i < h->snap.naddrs; i++)
		h->global_addrs += strcmp(ipv6_addr_scope(h->snap.addrs[i].local), "global") == 0;
}

static int usable(const struct ipv6_host *h)
{
	return h->kernel && h->socket_ok && h->enabled_ifaces > 0;
}

static const char *flag_text(int v)
{
	return v < 0 ? "unknown" : v ? "1" : "0";
}

static void add_tristate(struct json_object *o, const char *key, int v)
{
	if (v < 0)
		json_object_object_add(o, key, NULL);
	else
		nh_json_add_bool(o, key, v);
}

static void addr_texts(const struct nh_ifaddr *a, char *addr, char *net, size_t len)
{
	uint8_t n[16], last[16];
	char ip[INET6_ADDRSTRLEN];

	ipv6_prefix_mask(a->local, 16, a->prefixlen, n, last);
	snprintf(addr, len, "%s/%d", inet_ntop(AF_INET6, a->local, ip, sizeof(ip)), a->prefixlen);
	snprintf(net, len, "%s/%d", inet_ntop(AF_INET6, n, ip, sizeof(ip)), a->prefixlen);
}

static struct json_object *addr_json(const struct nh_ifaddr *a)
{
	struct json_object *o = json_object_new_object(), *flags = json_object_new_array();
	char ip[INET6_ADDRSTRLEN], addr[INET6_ADDRSTRLEN + 8], net[INET6_ADDRSTRLEN + 8];
	char names[256];

	addr_texts(a, addr, net, sizeof(addr));
	nh_json_add_str(o, "address", inet_ntop(AF_INET6, a->local, ip, sizeof(ip)));
	nh_json_add_int(o, "prefixlen", a->prefixlen);
	nh_json_add_str(o, "network", net);
	nh_json_add_str(o, "scope", ipv6_addr_scope(a->local));
	nh_rtnl_addr_flags_text(AF_INET6, a->flags, names, sizeof(names));
	for (char *save = NULL, *w = strtok_r(names, " ", &save); w; w = strtok_r(NULL, " ", &save))
		json_object_array_add(flags, json_object_new_string(w));
	json_object_object_add(o, "flags", flags);
	return o;
}

static int print_json(const struct ipv6_host *h)
{
	struct json_object *o = json_object_new_object(), *ifaces = json_object_new_array();

	nh_json_add_bool(o, "usable", usable(h));
	nh_json_add_bool(o, "kernel", h->kernel);
	nh_json_add_bool(o, "socket", h->socket_ok);
	if (!h->socket_ok)
		nh_json_add_str(o, "socket_error", h->socket_error);
	add_tristate(o, "all_disable_ipv6", h->all_disabled);
	add_tristate(o, "default_disable_ipv6", h->default_disabled);
	nh_json_add_int(o, "global_addresses", h->global_addrs);
	for (int i = 0; i < h->snap.nlinks; i++) {
		const struct nh_link *l = &h->snap.links[i];
		struct json_object *li = json_object_new_object(), *addrs = json_object_new_array();
		nh_json_add_int(li, "ifindex", l->index);
		nh_json_add_str(li, "ifname", l->name);
		add_tristate(li, "disable_ipv6", read_conf_flag(l->name, "disable_ipv6"));
		for (int j = 0; j < h->snap.naddrs; j++)
			if (h->snap.addrs[j].index == l->index)
				json_object_array_add(addrs, addr_json(&h->snap.addrs[j]));
		json_object_object_add(li, "addresses", addrs);
		json_object_array_add(ifaces, li);
	}
	json_object_object_add(o, "interfaces", ifaces);
	return nh_json_print(stdout, o);
}

static int print_text(const struct ipv6_host *h)
{
	char addr[INET6_ADDRSTRLEN + 8], net[INET6_ADDRSTRLEN + 8], flags[256];

	printf("ipv6: %s\n", usable(h) ? "usable" : "not usable");
	printf("kernel: %s\n", h->kernel ? "yes" : "no (booted with ipv6.disable=1?)");
	if (h->socket_ok)
		printf("socket: yes\n");
	else
		printf("socket: no (%s)\n", h->socket_error);
	printf("disable_ipv6: all=%s default=%s\n", flag_text(h->all_disabled),
	       flag_text(h->default_disabled));
	printf("global addresses: %d\n", h->global_addrs);
	for (int i = 0; i < h->snap.nlinks; i++) {
		const struct nh_link *l = &h->snap.links[i];
		int off = read_conf_flag(l->name, "disable_ipv6");
		printf("%s: %s\n", l->name, off < 0 ? "no ipv6" : off ? "disabled" : "enabled");
		for (int j = 0; j < h->snap.naddrs; j++) {
			const struct nh_ifaddr *a = &h->snap.addrs[j];
			if (a->index != l->index)
				continue;
			addr_texts(a, addr, net, sizeof(addr));
			nh_rtnl_addr_flags_text(AF_INET6, a->flags, flags, sizeof(flags));
			printf("    %s network %s scope %s%s%s\n", addr, net, ipv6_addr_scope(a->local),
			       flags[0] ? " " : "", flags);
		}
	}
	return fflush(stdout) == 0 ? 0 : -EIO;
}

int ipv6_status_run(nh_ctx *ctx, int json)
{
	struct ipv6_host h = { 0 };
	nh_error err;
	int r;

	if (nh_rtnl_snapshot_read(&h.snap, AF_INET6, &err) < 0) {
		nh_error(ctx, "%s", err.msg);
		return NH_EXIT_FAIL;
	}
	probe(&h);
	r = json ? print_json(&h) : print_text(&h);
	nh_rtnl_snapshot_free(&h.snap);
	if (r < 0)
		return NH_EXIT_FAIL;
	return usable(&h) ? NH_EXIT_OK : NH_EXIT_FAIL;
}
