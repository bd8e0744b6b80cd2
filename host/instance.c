/* One instance's lifecycle: create, start, stop, destroy. Each call into
 * the plugin is one small function here, so that whatever must wrap a
 * plugin call (crash attribution) wraps exactly one line. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crash.h"
#include "service_internal.h"

static int plugin_create(struct instance *in)
{
	crash_enter(in->plugin->name, in->sec->instance, "create()");
	int r = in->plugin->desc->create(in->ctx, in->sec, &in->state);
	crash_leave();
	return r;
}

static int plugin_start(struct instance *in)
{
	crash_enter(in->plugin->name, in->sec->instance, "start()");
	int r = in->plugin->desc->start(in->state);
	crash_leave();
	return r;
}

static void plugin_stop(struct instance *in)
{
	crash_enter(in->plugin->name, in->sec->instance, "stop()");
	in->plugin->desc->stop(in->state);
	crash_leave();
}

static void plugin_destroy(struct instance *in)
{
	crash_enter(in->plugin->name, in->sec->instance, "destroy()");
	in->plugin->desc->destroy(in->state);
	crash_leave();
}

static void plugin_succeed(struct instance *in, struct instance *pred)
{
	crash_enter(in->plugin->name, in->sec->instance, "succeed()");
	in->plugin->desc->succeed(in->state, pred->state);
	crash_leave();
}

static int plugin_refresh(struct instance *in, int phase)
{
	crash_enter(in->plugin->name, in->sec->instance, "refresh()");
	int r = in->plugin->desc->refresh(in->state, phase);
	crash_leave();
	return r;
}

static void plugin_report(struct instance *in)
{
	crash_enter(in->plugin->name, in->sec->instance, "report()");
	in->plugin->desc->report(in->state);
	crash_leave();
}

/* A context and create() for in->sec: 0, or -errno with the reason
 * reported once against the file. */
static int instance_open(nh_loop *loop, struct instance *in)
{
	nh_section *sec = in->sec;

	if (!(in->ctx = host_ctx_new(loop, sec->plugin, sec->instance))) {
		nh_config_error(sec->cfg, sec->line, "[%s %s]: out of memory", sec->plugin, sec->instance);
		return -ENOMEM;
	}
	int lines_before = sec->cfg->errors;
	int r = plugin_create(in);
	/* create()'s return is its verdict; the count only says whether
	 * somebody printed why, so that each problem is one line. */
	if (r < 0) {
		if (sec->cfg->errors == lines_before)
			nh_config_error(sec->cfg, sec->line, "[%s %s]: create failed: %s",
					sec->plugin, sec->instance, strerror(-r));
		in->state = NULL;
		host_ctx_free(in->ctx);
		in->ctx = NULL;
		return r;
	}
	return 0;
}

struct instance *instance_create(nh_loop *loop, struct loader *ld, nh_section *sec)
{
	nh_error err;
	const struct loaded_plugin *lp = loader_get(ld, sec->plugin, &err);

	if (!lp) {
		nh_config_error(sec->cfg, sec->line, "[%s %s]: %s", sec->plugin, sec->instance, err.msg);
		return NULL;
	}
	if (!lp->desc->keys) {
		nh_config_error(sec->cfg, sec->line, "[%s %s]: plugin '%s' runs no service instances (CLI only)",
				sec->plugin, sec->instance, sec->plugin);
		return NULL;
	}
	/* Unknown keys are errors, but create() still reads the known ones
	 * so that one run lists every problem in the section. */
	int bad_keys = nh_section_check_keys(sec, lp->desc->keys) < 0;

	struct instance *in = calloc(1, sizeof(*in));
	if (!in) {
		nh_config_error(sec->cfg, sec->line, "[%s %s]: out of memory", sec->plugin, sec->instance);
		return NULL;
	}
	in->ld = ld;
	in->plugin = lp;
	in->sec = sec;
	if (instance_open(loop, in) < 0 || bad_keys) {
		instance_free(in);
		return NULL;
	}
	return in;
}

int instance_start(struct instance *in)
{
	int r = plugin_start(in);

	if (r < 0) {
		host_logf(NH_LOG_ERR, "[%s %s]: start failed: %s", in->sec->plugin, in->sec->instance,
			strerror(-r));
		return r;
	}
	in->started = 1;
	nh_logf(in->ctx, NH_LOG_INFO, "started");
	return 0;
}

void instance_retire(struct instance *in)
{
	if (in->state) {
		if (in->started)
			plugin_stop(in);
		plugin_destroy(in);
	}
	in->state = NULL;
	in->started = 0;
	host_ctx_free(in->ctx);
	in->ctx = NULL;
}

int instance_restore(nh_loop *loop, struct instance *in)
{
	/* A fresh create() rather than start() on a stopped state: no
	 * plugin has to support being started twice. */
	int r = instance_open(loop, in);

	if (r < 0)
		return r;
	if ((r = instance_start(in)) < 0)
		instance_retire(in);
	return r;
}

void instance_free(struct instance *in)
{
	if (!in)
		return;
	instance_retire(in);
	free(in);
}

int instance_succeeds(const struct instance *in, const struct instance *pred)
{
	/* One dlopen handle: both states come from the same code, which
	 * may then read each other's. ctx: neither is retired. */
	return in != pred && in->ctx && pred->ctx && in->plugin->handle == pred->plugin->handle &&
	       strcmp(in->sec->instance, pred->sec->instance) == 0;
}

void instance_succeed(struct instance *in, struct instance *pred)
{
	if (in->plugin->desc->succeed)
		plugin_succeed(in, pred);
}

int instance_refresh(struct instance *in, int phase)
{
	if (!in->ctx || !in->plugin->desc->refresh)
		return 1;
	int r = plugin_refresh(in, phase);
	return phase == NH_REFRESH_PREPARE ? (r < 0 ? r : 0) : 0;
}

void instance_report(struct instance *in)
{
	if (in->ctx && in->plugin->desc->report)
		plugin_report(in);
}

const struct nh_ctl_command *instance_ctl_find(const struct instance *in, const char *name)
{
	if (!in->started || !in->ctx)
		return NULL;
	for (const struct nh_ctl_command *c = in->plugin->desc->ctl_commands; c && c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

int instance_ctl(struct instance *in, const struct nh_ctl_command *c, int argc, char **argv,
		 nh_ctl_reply *reply)
{
	crash_enter(in->plugin->name, in->sec->instance, "a control command's run()");
	int r = c->run(in->state, argc, argv, reply);
	crash_leave();
	return r;
}
