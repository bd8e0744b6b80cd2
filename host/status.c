/* The host's part of /status: version, uptime, plugins, instances. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "service_internal.h"

/* A plugin file loaded by an earlier loader too is listed once. */
static int listed_before(const struct service *svc, int loader, const char *path)
{
	for (int i = 0; i < loader; i++)
		for (int j = 0; j < svc->loaders[i]->nloaded; j++)
			if (svc->loaders[i]->loaded[j]->desc &&
			    strcmp(svc->loaders[i]->loaded[j]->path, path) == 0)
				return 1;
	return 0;
}

static void add_plugins(const struct service *svc, struct json_object *plugins)
{
	for (int l = 0; l < svc->nloaders; l++)
		for (int i = 0; i < svc->loaders[l]->nloaded; i++) {
			const struct loaded_plugin *lp = svc->loaders[l]->loaded[i];
			if (!lp->desc || listed_before(svc, l, lp->path))
				continue;
			struct json_object *p = json_object_new_object();
			nh_json_add_str(p, "name", lp->desc->name);
			nh_json_add_str(p, "version", lp->desc->version);
			nh_json_add_str(p, "file", lp->path);
			json_object_array_add(plugins, p);
		}
}

static void add_instances(const struct service *svc, struct json_object *insts)
{
	for (int i = 0; i < svc->cur.n; i++) {
		const struct instance *in = svc->cur.inst[i];
		struct json_object *p = json_object_new_object();
		nh_json_add_str(p, "plugin", in->sec->plugin);
		nh_json_add_str(p, "name", in->sec->instance);
		nh_json_add_bool(p, "started", in->started);
		nh_json_add_str(p, "state", in->started ? "running" : "stopped");
		/* Its control commands (nh_ctl_call, nethost ctl PLUGIN/NAME). */
		struct json_object *ctl = json_object_new_array();
		for (const struct nh_ctl_command *c = in->plugin->desc->ctl_commands; c && c->name; c++)
			json_object_array_add(ctl, json_object_new_string(c->name));
		json_object_object_add(p, "ctl", ctl);
		json_object_array_add(insts, p);
	}
}

struct json_object *status_build(void *arg)
{
	const struct service *svc = arg;
	struct json_object *o = json_object_new_object();
	struct json_object *plugins = json_object_new_array(), *insts = json_object_new_array();
	char abi[16], when[32];
	struct tm tm;

	if (!o || !plugins || !insts) {
		json_object_put(o);
		json_object_put(plugins);
		json_object_put(insts);
		return NULL;
	}
	snprintf(abi, sizeof(abi), "%d.%d", NH_ABI_MAJOR, NH_ABI_MINOR);
	gmtime_r(&svc->started_at, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	nh_json_add_str(o, "version", PACKAGE_VERSION);
	nh_json_add_str(o, "abi", abi);
	nh_json_add_int(o, "pid", (int64_t)getpid());
	nh_json_add_str(o, "config_file", svc->opt->config_path);
	nh_json_add_str(o, "started", when);
	/* Milliseconds are plenty, and print as such rather than as the
	 * nearest double's 17 digits. */
	char uptime[32];
	snprintf(uptime, sizeof(uptime), "%.3f", (double)(nh_now_us() - svc->started_us) / 1e6);
	json_object_object_add(o, "uptime_seconds", json_object_new_double_s(strtod(uptime, NULL), uptime));
	nh_json_add_int(o, "reloads", svc->reloads);
	add_plugins(svc, plugins);
	add_instances(svc, insts);
	json_object_object_add(o, "plugins", plugins);
	json_object_object_add(o, "instances", insts);
	return o;
}
