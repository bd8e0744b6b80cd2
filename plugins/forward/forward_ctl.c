/* The control commands of [forward NAME] (ABI 2.1):
 *
 *   nethost ctl conns [NAME]            every live connection
 *   nethost ctl forward/NAME conns
 *   nethost ctl stats [NAME]            addresses and counters
 *   nethost ctl upstreams [NAME]        each upstream: what its last connects did
 *
 * Answered from the connection list as it is now, on the host's loop. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "forward.h"

/* A reply lists at most this many connections (the newest); "total" says
 * how many there are. max_connections defaults to 4096. */
#define FWD_CTL_MAX_CONNS 10000

struct conns_walk {
	struct json_object *list;
	int64_t now_ms;
	long shown;
};

static void add_conn(const struct fwd_conn_info *ci, void *arg)
{
	struct conns_walk *cw = arg;
	char client[NH_ADDR_STRLEN], up[NH_ADDR_STRLEN] = "-";

	if (cw->shown >= FWD_CTL_MAX_CONNS)
		return;
	struct json_object *o = json_object_new_object();
	nh_json_add_str(o, "client", nh_addr_format(ci->client, 1, client, sizeof(client)));
	if (ci->upstream)
		nh_addr_format(ci->upstream, 1, up, sizeof(up));
	nh_json_add_str(o, "upstream", up);
	nh_json_add_str(o, "state", ci->relaying ? "relaying" : "connecting");
	nh_json_add_int(o, "bytes_up", (int64_t)ci->bytes_up);
	nh_json_add_int(o, "bytes_down", (int64_t)ci->bytes_down);
	nh_json_add_double(o, "age_seconds", (double)(cw->now_ms - ci->start_ms) / 1000.0);
	nh_json_add_double(o, "idle_seconds", (double)(cw->now_ms - ci->last_ms) / 1000.0);
	nh_json_add_str(o, "tls_client", ci->tls_client);
	nh_json_add_str(o, "tls_upstream", ci->tls_upstream);
	json_object_array_add(cw->list, o);
	cw->shown++;
}

static int ctl_conns(void *state, int argc, char **argv, nh_ctl_reply *reply)
{
	struct fwd *f = state;
	struct json_object *o = nh_ctl_reply_json(reply);
	struct conns_walk cw = { .now_ms = nh_loop_now_ms(f->loop) };

	if (argc > 1)
		return nh_ctl_fail(reply, NH_EXIT_USAGE, "%s takes no arguments", argv[0]);
	if (!(cw.list = json_object_new_array()))
		return nh_ctl_fail(reply, NH_EXIT_FAIL, "out of memory");
	fwd_conn_each(f, add_conn, &cw);
	nh_json_add_int(o, "total", f->st.active);
	nh_json_add_int(o, "accepted", (int64_t)f->st.accepted->value);
	nh_json_add_int(o, "failed", (int64_t)f->st.failed->value);
	json_object_object_add(o, "conns", cw.list);
	return NH_EXIT_OK;
}

static int ctl_upstreams(void *state, int argc, char **argv, nh_ctl_reply *reply)
{
	struct fwd *f = state;
	struct json_object *o = nh_ctl_reply_json(reply), *list;
	int64_t now = nh_loop_now_ms(f->loop);

	if (argc > 1)
		return nh_ctl_fail(reply, NH_EXIT_USAGE, "%s takes no arguments", argv[0]);
	if (!(list = json_object_new_array()))
		return nh_ctl_fail(reply, NH_EXIT_FAIL, "out of memory");
	for (int i = 0; i < f->conf.n_up; i++) {
		const struct fwd_up_state *u = f->up_state ? &f->up_state[i] : NULL;
		struct json_object *e = json_object_new_object();
		char addr[NH_ADDR_STRLEN];
		nh_json_add_str(e, "upstream", nh_addr_format(&f->conf.up[i], 1, addr, sizeof(addr)));
		nh_json_add_str(e, "state", !u || u->state < 0 ? "unknown" : u->state ? "up" : "down");
		nh_json_add_int(e, "connects_ok", u ? (int64_t)u->ok : 0);
		nh_json_add_int(e, "connects_failed", u ? (int64_t)u->failed : 0);
		if (u && u->state >= 0)
			nh_json_add_double(e, "since_seconds_ago", (double)(now - u->since_ms) / 1000.0);
		if (u && u->state == 0)
			nh_json_add_str(e, "error", u->last_errno == ETIMEDOUT ? "connect timeout"
									  : strerror(u->last_errno));
		json_object_array_add(list, e);
	}
	json_object_object_add(o, "upstreams", list);
	return NH_EXIT_OK;
}

static struct json_object *addr_list(const nh_addr *a, int n)
{
	struct json_object *list = json_object_new_array();
	char text[NH_ADDR_STRLEN];

	for (int i = 0; list && i < n; i++)
		json_object_array_add(list, json_object_new_string(nh_addr_format(&a[i], 1, text,
										     sizeof(text))));
	return list;
}

static int ctl_stats(void *state, int argc, char **argv, nh_ctl_reply *reply)
{
	struct fwd *f = state;
	struct json_object *o = nh_ctl_reply_json(reply);

	if (argc > 1)
		return nh_ctl_fail(reply, NH_EXIT_USAGE, "%s takes no arguments", argv[0]);
	json_object_object_add(o, "listen", addr_list(f->conf.listen, f->conf.n_listen));
	json_object_object_add(o, "upstreams", addr_list(f->conf.up, f->conf.n_up));
	nh_json_add_int(o, "active", f->st.active);
	nh_json_add_int(o, "max_connections", f->conf.max_conns);
	nh_json_add_int(o, "accepted", (int64_t)f->st.accepted->value);
	nh_json_add_int(o, "refused", (int64_t)f->st.refused->value);
	nh_json_add_int(o, "failed", (int64_t)f->st.failed->value);
	nh_json_add_int(o, "closed", (int64_t)f->st.closed->value);
	nh_json_add_int(o, "bytes_up", (int64_t)f->st.bytes_up->value);
	nh_json_add_int(o, "bytes_down", (int64_t)f->st.bytes_down->value);
	return NH_EXIT_OK;
}

const struct nh_ctl_command fwd_ctl_commands[] = {
	{ .name = "stats", .usage = "stats",
	  .summary = "listen addresses, upstreams, connections and bytes so far",
	  .run = ctl_stats },
	{ .name = "conns", .usage = "conns",
	  .summary = "live connections: client, upstream, state, bytes each way, age",
	  .run = ctl_conns },
	{ .name = "upstreams", .usage = "upstreams",
	  .summary = "each upstream: up or down by the last connect to it, since when, connects ok and failed",
	  .run = ctl_upstreams },
	{ .name = NULL },
};
