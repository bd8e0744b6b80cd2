/* The per-instance context, and helpers for CLI commands. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nh_internal.h"

nh_ctx *nh_ctx_new(nh_loop *loop, const char *plugin, const char *instance)
{
	nh_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return NULL;
	ctx->loop = loop;
	snprintf(ctx->name, sizeof(ctx->name), "%s/%s", plugin, instance);
	snprintf(ctx->plugin, sizeof(ctx->plugin), "%s", plugin);
	snprintf(ctx->instance, sizeof(ctx->instance), "%s", instance);
	return ctx;
}

nh_ctx *nh_ctx_new_cli(nh_loop *loop, const struct nh_command *cmd)
{
	nh_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return NULL;
	ctx->loop = loop;
	ctx->cmd = cmd;
	snprintf(ctx->name, sizeof(ctx->name), "%s", cmd->name);
	snprintf(ctx->plugin, sizeof(ctx->plugin), "%s", cmd->name);
	snprintf(ctx->instance, sizeof(ctx->instance), "%s", cmd->name);
	return ctx;
}

/* What else must go with a context (its metric series). A hook rather
 * than a call keeps this file free of metrics.c, so that code linking
 * ctx.c alone (the fuzz targets) needs nothing more. */
static void (*release_hook)(const nh_ctx *ctx);

void nh_ctx_set_release_hook(void (*fn)(const nh_ctx *ctx))
{
	release_hook = fn;
}

void nh_ctx_free(nh_ctx *ctx)
{
	if (!ctx)
		return;
	if (release_hook)
		release_hook(ctx);
	free(ctx);
}

nh_loop *nh_ctx_loop(const nh_ctx *ctx)
{
	return ctx->loop;
}

const char *nh_ctx_name(const nh_ctx *ctx)
{
	return ctx->name;
}

const char *nh_ctx_instance(const nh_ctx *ctx)
{
	return ctx->instance;
}

int nh_cli_usage_error(const nh_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "nethost %s: ", ctx->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (ctx->cmd && ctx->cmd->usage)
		fprintf(stderr, "usage: nethost %s\n", ctx->cmd->usage);
	return NH_EXIT_USAGE;
}

int nh_cli_help(const nh_ctx *ctx)
{
	if (ctx->cmd) {
		printf("usage: nethost %s\n", ctx->cmd->usage ? ctx->cmd->usage : ctx->cmd->name);
		if (ctx->cmd->summary)
			printf("\n%s\n", ctx->cmd->summary);
	}
	return NH_EXIT_OK;
}
