/* Each target's recent results (a fixed ring), and the control command
 * that shows them (ABI 2.1):
 *
 *   nethost ctl targets [NAME]          every target of every [icmp] instance
 *   nethost ctl icmp/NAME targets [LIMIT]   at most LIMIT, the down ones first
 *
 * The ring is what the http status page draws its sparklines from. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "icmp.h"

/* A reply lists at most this many targets (the first in config order);
 * "total" says how many there are. */
#define ICMP_CTL_MAX_TARGETS 10000

void icmp_target_log_add(struct icmp_target_log *t, int up, int64_t rtt_us, time_t now)
{
	up = up ? 1 : 0;
	if (t->state != up || t->count == 0) {
		t->state = (int8_t)up;
		t->since = (int64_t)now;
	}
	if (up)
		t->last_rtt_us = rtt_us;
	t->ring[t->next] = (struct icmp_result){
		.at = (uint32_t)now,
		.rtt_us = up ? (int32_t)(rtt_us < INT32_MAX ? rtt_us : INT32_MAX) : -1,
	};
	t->next = (uint8_t)((t->next + 1) % ICMP_RECENT);
	if (t->count < ICMP_RECENT)
		t->count++;
}

static void add_time(struct json_object *o, const char *key, int64_t unix_s)
{
	char when[32];
	struct tm tm;
	time_t t = (time_t)unix_s;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	nh_json_add_str(o, key, when);
}

struct targets_walk {
	struct json_object *list;
	long total;
	long limit, shown; /* targets LIMIT: at most limit, the down ones first */
	int pass;          /* with a limit: 0 lists the down ones, 1 the others */
};

static void add_target(const struct icmp_target_view *v, void *arg)
{
	struct targets_walk *tw = arg;
	const struct icmp_target_log *t = v->log;

	if (tw->limit) {
		if (tw->pass == 0)
			tw->total++;
		if ((t->state == 0) != (tw->pass == 0) || tw->shown >= tw->limit)
			return;
		tw->shown++;
	} else if (tw->total++ >= ICMP_CTL_MAX_TARGETS) {
		return;
	}
	struct json_object *o = json_object_new_object(), *recent = json_object_new_array();
	nh_json_add_str(o, "target", v->name);
	nh_json_add_str(o, "state", t->state < 0 ? "unknown" : t->state ? "up" : "down");
	if (t->count)
		add_time(o, "since", t->since);
	else
		nh_json_add_str(o, "since", NULL);
	if (t->last_rtt_us >= 0)
		icmp_json_add_ms(o, "last_rtt_ms", t->last_rtt_us);
	else
		nh_json_add_str(o, "last_rtt_ms", NULL);
	nh_json_add_double(o, "loss", v->sent ? 1.0 - (double)v->answered / (double)v->sent : 0.0);
	nh_json_add_int(o, "sent", (int64_t)v->sent);
	/* Oldest first: RTTs in ms, null for a round without an answer. */
	int lost = 0;
	for (int i = 0; i < t->count; i++) {
		const struct icmp_result *r = &t->ring[(t->next + ICMP_RECENT - t->count + i) % ICMP_RECENT];
		lost += r->rtt_us < 0;
		json_object_array_add(recent, r->rtt_us < 0 ? NULL
					      : json_object_new_double((double)r->rtt_us / 1000.0));
	}
	nh_json_add_double(o, "recent_loss", t->count ? (double)lost / t->count : 0.0);
	json_object_object_add(o, "recent_rtt_ms", recent);
	if (v->error && v->error[0] && t->state == 0)
		nh_json_add_str(o, "error", v->error);
	json_object_array_add(tw->list, o);
}

static int ctl_targets(void *state, int argc, char **argv, nh_ctl_reply *reply)
{
	struct json_object *o = nh_ctl_reply_json(reply);
	struct targets_walk tw = { .list = json_object_new_array() };
	unsigned long rounds = 0;
	int64_t every_ms = 0;

	char *end = NULL;
	if (argc > 2 || (argc == 2 && ((tw.limit = strtol(argv[1], &end, 10)) < 1 || *end ||
				       tw.limit > ICMP_CTL_MAX_TARGETS))) {
		json_object_put(tw.list);
		return nh_ctl_fail(reply, NH_EXIT_USAGE, "usage: %s [LIMIT] (LIMIT 1-%d)", argv[0],
				   ICMP_CTL_MAX_TARGETS);
	}
	if (!tw.list)
		return nh_ctl_fail(reply, NH_EXIT_FAIL, "out of memory");
	icmp_service_each_target(state, add_target, &tw, &rounds, &every_ms);
	if (tw.limit) {
		tw.pass = 1;
		icmp_service_each_target(state, add_target, &tw, &rounds, &every_ms);
	}
	nh_json_add_int(o, "rounds", (int64_t)rounds);
	nh_json_add_double(o, "every_seconds", (double)every_ms / 1000.0);
	nh_json_add_int(o, "total", tw.total);
	json_object_object_add(o, "targets", tw.list);
	return NH_EXIT_OK;
}

const struct nh_ctl_command icmp_ctl_commands[] = {
	{ .name = "targets", .usage = "targets [LIMIT]",
	  .summary = "each target (at most LIMIT, the down ones first): state, since when, last RTT, loss, the last 16 RTTs",
	  .run = ctl_targets },
	{ .name = NULL },
};
