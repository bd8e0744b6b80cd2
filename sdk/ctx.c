/* The context's accessors, the host services behind it, and helpers for
 * CLI commands. The host builds contexts (host/ctx.c); plugins only read
 * them. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "nh_internal.h"

uint32_t nh_abi_host(void)
{
	return NH_ABI_VERSION;
}

nh_loop *nh_ctx_loop(const nh_ctx *ctx)
{
	return ctx->loop;
}

const char *nh_ctx_name(const nh_ctx *ctx)
{
	return ctx->name;
}

const char *nh_ctx_plugin(const nh_ctx *ctx)
{
	return ctx->plugin;
}

const char *nh_ctx_instance(const nh_ctx *ctx)
{
	return ctx->instance;
}

struct json_object *nh_host_status(const nh_ctx *ctx)
{
	if (!ctx || !ctx->ops || !ctx->ops->status) {
		errno = ENOENT;
		return NULL;
	}
	return ctx->ops->status(ctx);
}

int nh_cli_usage_error(const nh_ctx *ctx, const char *fmt, ...)
{
	char msg[1024], safe[4 * sizeof(msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* The text quotes what the user typed: print it, not its bytes. */
	fprintf(stderr, "nethost %s: %s\n", ctx->name, nh_escape(msg, safe, sizeof(safe)));
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
