/* Control commands of the running instances: found by "plugin/name" and
 * run on the host's loop, for the control socket and for nh_ctl_call(). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service_internal.h"

struct instance *ctl_find_instance(const struct service *svc, const char *name)
{
	const char *slash = strchr(name, '/');

	if (!slash)
		return NULL;
	size_t plen = (size_t)(slash - name);
	for (int i = 0; i < svc->cur.n; i++) {
		struct instance *in = svc->cur.inst[i];
		if (strlen(in->sec->plugin) == plen && strncmp(in->sec->plugin, name, plen) == 0 &&
		    strcmp(in->sec->instance, slash + 1) == 0)
			return in;
	}
	return NULL;
}

int ctl_run_instance(struct service *svc, struct instance *in, int argc, char **argv,
		     struct json_object **out)
{
	const struct nh_ctl_command *c = instance_ctl_find(in, argv[0]);
	nh_ctl_reply reply = { .error = "" };

	*out = NULL;
	if (!c)
		return -ENOENT;
	if (svc->ctl_running)
		return -EBUSY;
	struct json_object *o = json_object_new_object();
	if (!o || !(reply.json = json_object_new_object())) {
		json_object_put(o);
		return -ENOMEM;
	}
	svc->ctl_running = 1;
	int code = instance_ctl(in, c, argc, argv, &reply);
	svc->ctl_running = 0;
	if (code == 0 && reply.error[0])
		code = NH_EXIT_FAIL; /* an error without a failing code is still one */
	if (code < 0 || code > 255)
		code = NH_EXIT_FAIL;
	nh_json_add_int(o, "code", code);
	if (code == 0 || !reply.error[0]) {
		json_object_object_add(o, "reply", reply.json);
	} else {
		json_object_put(reply.json);
		nh_json_add_str(o, "error", reply.error);
	}
	*out = o;
	return code;
}

int ctl_plugin_call(void *arg, const nh_ctx *caller, const char *instance, int argc, char **argv,
		    struct json_object **out)
{
	struct service *svc = arg;
	struct instance *in = ctl_find_instance(svc, instance);

	(void)caller;
	*out = NULL;
	return in ? ctl_run_instance(svc, in, argc, argv, out) : -ENOENT;
}

/* ---- the control socket's commands ----------------------------------- */

static struct json_object *response(int code, struct json_object *reply, const char *error)
{
	struct json_object *o = json_object_new_object();

	if (!o) {
		json_object_put(reply);
		return NULL;
	}
	nh_json_add_int(o, "code", code);
	if (reply)
		json_object_object_add(o, "reply", reply);
	if (error)
		nh_json_add_str(o, "error", error);
	return o;
}

static struct json_object *failf(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static struct json_object *failf(int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return response(code, NULL, msg);
}

static struct json_object *cmd_status(struct service *svc)
{
	struct json_object *st = status_build(svc);

	if (!st)
		return NULL;
	nh_json_add_str(st, "control", svc->control ? control_path(svc) : NULL);
	return response(0, st, NULL);
}

/* The same transaction as SIGHUP, with its problems for the caller. */
static struct json_object *cmd_reload(struct service *svc)
{
	struct json_object *reply = json_object_new_object(), *problems = json_object_new_array();

	if (!reply || !problems) {
		json_object_put(reply);
		json_object_put(problems);
		return NULL;
	}
	host_log_capture(problems);
	int r = reload(svc);
	host_log_capture(NULL);
	nh_json_add_bool(reply, "applied", r == 0);
	nh_json_add_str(reply, "config_file", svc->opt->config_path);
	nh_json_add_int(reply, "reloads", svc->reloads);
	json_object_object_add(reply, "problems", problems);
	return response(r == 0 ? NH_EXIT_OK : NH_EXIT_USAGE, reply, NULL);
}

static struct json_object *cmd_metrics(void)
{
	size_t len;
	char *text = host_metrics_text(&len);
	struct json_object *reply = text ? json_object_new_object() : NULL;

	if (!reply) {
		free(text);
		return NULL;
	}
	json_object_object_add(reply, "text", json_object_new_string_len(text, (int)len));
	free(text);
	return response(0, reply, NULL);
}

static const struct {
	const char *name, *usage, *summary;
} host_commands[] = {
	{ "status", "status", "version, config file, uptime, plugins, instances and their state" },
	{ "reload", "reload", "reload the config file like SIGHUP; every problem; exit 2 if refused" },
	{ "stop", "stop", "stop the service like SIGTERM" },
	{ "metrics", "metrics", "every metric series, Prometheus text" },
	{ "help", "help", "these commands, and every instance's own" },
};

static struct json_object *cmd_help(struct service *svc)
{
	struct json_object *reply = json_object_new_object(), *host = json_object_new_array(),
			   *inst = json_object_new_array();

	for (size_t i = 0; i < sizeof(host_commands) / sizeof(host_commands[0]); i++) {
		struct json_object *o = json_object_new_object();
		nh_json_add_str(o, "command", host_commands[i].usage);
		nh_json_add_str(o, "summary", host_commands[i].summary);
		json_object_array_add(host, o);
	}
	for (int i = 0; i < svc->cur.n; i++) {
		struct instance *in = svc->cur.inst[i];
		for (const struct nh_ctl_command *c = in->plugin->desc->ctl_commands; c && c->name; c++) {
			struct json_object *o = json_object_new_object();
			char who[2 * NH_NAME_MAX + 2];
			snprintf(who, sizeof(who), "%s/%s", in->sec->plugin, in->sec->instance);
			nh_json_add_str(o, "instance", who);
			nh_json_add_str(o, "command", c->usage ? c->usage : c->name);
			nh_json_add_str(o, "summary", c->summary);
			json_object_array_add(inst, o);
		}
	}
	json_object_object_add(reply, "host", host);
	json_object_object_add(reply, "instances", inst);
	return response(0, reply, NULL);
}

/* filter: NULL, "name" or "plugin/name". */
static int instance_matches(const struct instance *in, const char *filter)
{
	if (!filter)
		return 1;
	const char *slash = strchr(filter, '/');
	if (!slash)
		return strcmp(in->sec->instance, filter) == 0;
	size_t plen = (size_t)(slash - filter);
	return strlen(in->sec->plugin) == plen && strncmp(in->sec->plugin, filter, plen) == 0 &&
	       strcmp(in->sec->instance, slash + 1) == 0;
}

/* Where INSTANCE goes in `COMMAND ... INSTANCE ARGS...` for c: after the
 * fixed words its usage starts with ("upstream enable|disable|drain ADDR":
 * one, so `upstream drain web ADDR`; "conns": none, so `conns web`). */
static int instance_position(const struct nh_ctl_command *c)
{
	const char *p = c->usage ? c->usage : c->name;
	int pos = 0;

	for (;;) {
		p += strcspn(p, " "); /* the command's name first, then each fixed word */
		p += strspn(p, " ");
		if (!islower((unsigned char)*p))
			return pos + 1;
		pos++;
	}
}

/* `conns [INSTANCE]`, `upstream drain INSTANCE ADDR`: argv[0] on every
 * started instance that has it (or the one named), with INSTANCE taken
 * out of the words: {"instances": [{"instance", "code", "reply"|"error"}]},
 * the worst code overall. */
static struct json_object *cmd_each(struct service *svc, int argc, char **argv)
{
	const char *filter = NULL;
	int has = 0, code = 0, ran = 0;

	struct json_object *list = json_object_new_array(), *reply = json_object_new_object();
	char **words = calloc((size_t)argc + 1, sizeof(*words));
	if (!list || !reply || !words) {
		json_object_put(list);
		json_object_put(reply);
		free(words);
		return NULL;
	}
	json_object_object_add(reply, "instances", list);
	for (int i = 0; i < svc->cur.n; i++) {
		struct instance *in = svc->cur.inst[i];
		const struct nh_ctl_command *c = instance_ctl_find(in, argv[0]);
		if (!c)
			continue;
		has = 1;
		int pos = instance_position(c), n = 0;
		filter = argc > pos ? argv[pos] : NULL;
		if (!instance_matches(in, filter))
			continue;
		for (int k = 0; k < argc; k++)
			if (k != pos)
				words[n++] = argv[k];
		struct json_object *one;
		int r = ctl_run_instance(svc, in, n, words, &one);
		if (r < 0)
			continue;
		char who[2 * NH_NAME_MAX + 2];
		snprintf(who, sizeof(who), "%s/%s", in->sec->plugin, in->sec->instance);
		nh_json_add_str(one, "instance", who);
		json_object_array_add(list, one);
		code = r > code ? r : code;
		ran++;
	}
	free(words);
	if (!has) {
		json_object_put(reply);
		return failf(NH_EXIT_USAGE, "unknown command '%s' (nethost ctl help lists them)",
			     argv[0]);
	}
	if (!ran) {
		json_object_put(reply);
		return failf(NH_EXIT_USAGE, "no running instance '%s' has '%s' (nethost ctl help)",
			     filter ? filter : "", argv[0]);
	}
	struct json_object *o = response(code, reply, NULL);
	if (o)
		nh_json_add_bool(o, "each", 1);
	return o;
}

/* `PLUGIN/NAME COMMAND ARGS...` */
static struct json_object *cmd_instance(struct service *svc, int argc, char **argv)
{
	struct instance *in = ctl_find_instance(svc, argv[0]);
	struct json_object *out;

	if (!in)
		return failf(NH_EXIT_USAGE, "no instance '%s' (nethost ctl status lists them)", argv[0]);
	if (argc < 2)
		return failf(NH_EXIT_USAGE, "%s: which command? (nethost ctl help lists them)", argv[0]);
	int r = ctl_run_instance(svc, in, argc - 1, argv + 1, &out);
	if (r == -ENOENT) {
		char names[512] = "";
		for (const struct nh_ctl_command *c = in->plugin->desc->ctl_commands; c && c->name; c++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
				 names[0] ? ", " : "", c->name);
		if (!in->started)
			return failf(NH_EXIT_FAIL, "%s is not running", argv[0]);
		return failf(NH_EXIT_USAGE, "%s has no control command '%s' (%s%s)", argv[0], argv[1],
			     names[0] ? "it has: " : "it has none", names);
	}
	return r < 0 ? failf(NH_EXIT_FAIL, "%s", strerror(-r)) : out;
}

struct json_object *ctl_dispatch(struct service *svc, int argc, char **argv, int *stop)
{
	const char *cmd = argv[0];

	*stop = 0;
	if (strchr(cmd, '/'))
		return cmd_instance(svc, argc, argv);
	for (size_t i = 0; i < sizeof(host_commands) / sizeof(host_commands[0]); i++)
		if (strcmp(cmd, host_commands[i].name) == 0 && argc > 1)
			return failf(NH_EXIT_USAGE, "%s takes no arguments", cmd);
	if (strcmp(cmd, "status") == 0)
		return cmd_status(svc);
	if (strcmp(cmd, "reload") == 0)
		return cmd_reload(svc);
	if (strcmp(cmd, "metrics") == 0)
		return cmd_metrics();
	if (strcmp(cmd, "help") == 0)
		return cmd_help(svc);
	if (strcmp(cmd, "stop") == 0) {
		struct json_object *reply = json_object_new_object();
		if (reply)
			nh_json_add_bool(reply, "stopping", 1);
		*stop = reply != NULL;
		return response(0, reply, NULL);
	}
	return cmd_each(svc, argc, argv);
}
