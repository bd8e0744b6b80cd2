/* Contexts: what the host hands each instance and CLI command, with the
 * host services behind it (nh_host_ops). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "host.h"

static struct json_object *(*status_fn)(void *arg);
static void *status_arg;

void host_set_status(struct json_object *(*fn)(void *arg), void *arg)
{
	status_fn = fn;
	status_arg = arg;
}

static struct json_object *status(const nh_ctx *ctx)
{
	if (!status_fn) {
		errno = ENOENT;
		return NULL;
	}
	struct json_object *o = status_fn(status_arg);
	if (!o)
		errno = ENOMEM;
	return o;
}

static host_ctl_fn ctl_fn;
static void *ctl_arg;

void host_set_ctl(host_ctl_fn fn, void *arg)
{
	ctl_fn = fn;
	ctl_arg = arg;
}

static int ctl_call(const nh_ctx *ctx, const char *instance, int argc, char **argv,
		    struct json_object **out)
{
	return ctl_fn ? ctl_fn(ctl_arg, ctx, instance, argc, argv, out) : -ENOTSUP;
}

static char *metrics_text(const nh_ctx *ctx, size_t *len)
{
	return host_metrics_text(len);
}

static char *metrics_text_without(const nh_ctx *ctx, const char *label, size_t *len)
{
	return host_metrics_text_without(label, len);
}

static const struct nh_host_ops host_ops = {
	.log = host_log_ops_line,
	.series_new = host_series_new,
	.series_del = host_series_del,
	.metrics_text = metrics_text,
	.status = status,
	.ctl_call = ctl_call,
	.histogram_new = host_histogram_new,
	.metrics_text_without = metrics_text_without,
};

static nh_ctx *ctx_new(nh_loop *loop, const char *name, const char *plugin, const char *instance)
{
	nh_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return NULL;
	ctx->ops = &host_ops;
	ctx->log_level = host_log_level();
	ctx->loop = loop;
	/* The INI reader and the loader refuse longer names: nothing is cut. */
	snprintf(ctx->name, sizeof(ctx->name), "%s", name);
	snprintf(ctx->plugin, sizeof(ctx->plugin), "%s", plugin);
	snprintf(ctx->instance, sizeof(ctx->instance), "%s", instance);
	return ctx;
}

nh_ctx *host_ctx_new(nh_loop *loop, const char *plugin, const char *instance)
{
	char name[sizeof(((nh_ctx *)0)->name)];

	snprintf(name, sizeof(name), "%s/%s", plugin, instance);
	return ctx_new(loop, name, plugin, instance);
}

nh_ctx *host_ctx_new_cli(nh_loop *loop, const struct nh_command *cmd)
{
	nh_ctx *ctx = ctx_new(loop, cmd->name, cmd->name, cmd->name);

	if (ctx)
		ctx->cmd = cmd;
	return ctx;
}

void host_ctx_free(nh_ctx *ctx)
{
	if (!ctx)
		return;
	/* After destroy(): what the plugin left open goes now, without
	 * callbacks into state that is gone. */
	while (ctx->writers)
		nh_writer_free(ctx->writers);
	host_metrics_drop_ctx(ctx);
	free(ctx);
}
