/* The control commands of [forward NAME] (ABI 2.1):
 *
 *   nethost ctl conns [NAME]            every live connection
 *   nethost ctl forward/NAME conns
 *   nethost ctl stats [NAME]            addresses and counters
 *   nethost ctl upstreams [NAME]        each upstream: state, since, last error, counters
 *   nethost ctl upstream disable NAME ADDR   (enable, drain): the operator's say
 *   nethost ctl forward/NAME upstream disable ADDR
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
		const struct fwd_upstream *u = &f->ups[i];
		struct json_object *e = json_object_new_object();
		nh_json_add_str(e, "upstream", u->name);
		nh_json_add_str(e, "state", fwd_upstream_state(u));
		nh_json_add_str(e, "health", u->up ? "up" : "down");
		nh_json_add_str(e, "admin", fwd_admin_names[u->admin]);
		nh_json_add_double(e, "since_seconds_ago", (double)(now - u->since_ms) / 1000.0);
		nh_json_add_int(e, "active", u->active);
		nh_json_add_int(e, "connects_ok", (int64_t)u->connected->value);
		nh_json_add_int(e, "connects_failed", (int64_t)u->failed->value);
		nh_json_add_int(e, "checks_ok", (int64_t)u->check_ok->value);
		nh_json_add_int(e, "checks_failed", (int64_t)u->check_failed->value);
		if (u->error[0]) {
			nh_json_add_str(e, "error", u->error);
			nh_json_add_double(e, "error_seconds_ago", (double)(now - u->error_ms) / 1000.0);
		}
		json_object_array_add(list, e);
	}
	nh_json_add_str(o, "check", f->conf.check ? "tcp" : "none");
	json_object_object_add(o, "upstreams", list);
	return NH_EXIT_OK;
}

/* The error of an unknown ADDR lists what there is, as far as it fits. */
static int no_such_upstream(const struct fwd *f, const char *addr, nh_ctl_reply *reply)
{
	char names[400] = "";
	size_t len = 0;
	int shown = 0;

	for (; shown < f->conf.n_up; shown++) {
		int n = snprintf(names + len, sizeof(names) - len, "%s%s", shown ? ", " : "",
				 f->ups[shown].name);
		if (n < 0 || (size_t)n >= sizeof(names) - len - 24) {
			names[len] = '\0';
			break;
		}
		len += (size_t)n;
	}
	return nh_ctl_fail(reply, NH_EXIT_FAIL, "no upstream '%s'; there are: %s%s", addr, names,
			   shown < f->conf.n_up ? ", ... (nethost ctl upstreams lists all)" : "");
}

/* upstream enable|disable|drain ADDR */
static int ctl_upstream(void *state, int argc, char **argv, nh_ctl_reply *reply)
{
	static const int admin_of[] = { FWD_ADMIN_ENABLED, FWD_ADMIN_DRAIN, FWD_ADMIN_DISABLED };
	static const char *const verbs[] = { "enable", "drain", "disable" };
	struct fwd *f = state;
	int v = -1;

	for (int k = 0; argc == 3 && k < 3; k++)
		if (strcmp(argv[1], verbs[k]) == 0)
			v = k;
	if (v < 0)
		return nh_ctl_fail(reply, NH_EXIT_USAGE, "usage: %s enable|disable|drain ADDR",
				   argv[0]);
	if (f->conf.udp)
		return nh_ctl_fail(reply, NH_EXIT_USAGE, "protocol = udp: sessions take the first "
				   "upstream that answers; drain and disable are for TCP balancing");
	for (int i = 0; i < f->conf.n_up; i++) {
		struct fwd_upstream *u = &f->ups[i];
		if (strcmp(u->name, argv[2]) != 0)
			continue;
		struct json_object *o = nh_ctl_reply_json(reply);
		nh_json_add_str(o, "upstream", u->name);
		nh_json_add_str(o, "was", fwd_admin_names[u->admin]);
		fwd_upstream_admin(u, admin_of[v]);
		nh_json_add_str(o, "admin", fwd_admin_names[u->admin]);
		nh_json_add_str(o, "state", fwd_upstream_state(u));
		nh_json_add_int(o, "active", u->active);
		nh_json_add_int(o, "taking_clients", fwd_upstreams_up(f));
		return NH_EXIT_OK;
	}
	return no_such_upstream(f, argv[2], reply);
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
	  .summary = "each upstream: state (up, down, drain, disabled), since when, last error, "
		     "active clients, connects and checks ok and failed",
	  .run = ctl_upstreams },
	{ .name = "upstream", .usage = "upstream enable|disable|drain ADDR",
	  .summary = "drain, disable: no new clients for ADDR (its connections and checks go "
		     "on); enable: back; not saved",
	  .run = ctl_upstream },
	{ .name = NULL },
};
