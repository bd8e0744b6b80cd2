/* Logging for plugins: format the line, hand it to the host through the
 * context. Without a host (a NULL context) the line goes to stderr. */
#include "config.h"

#include <stdio.h>

#include "nh_internal.h"

/* Without a context there is no host to ask: info and above. */
#define NO_HOST_LEVEL NH_LOG_INFO

int nh_log_enabled(const nh_ctx *ctx, int level)
{
	return level <= (ctx && ctx->log_level ? *ctx->log_level : NO_HOST_LEVEL);
}

void nh_vlogf(const nh_ctx *ctx, int level, const char *fmt, va_list ap)
{
	char msg[2048];

	if (!nh_log_enabled(ctx, level))
		return;
	if (level < NH_LOG_ERR)
		level = NH_LOG_ERR;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (ctx && ctx->ops && ctx->ops->log)
		ctx->ops->log(ctx, level, msg);
	else if (ctx)
		fprintf(stderr, "%s: %s\n", ctx->name, msg);
	else
		fprintf(stderr, "%s\n", msg);
}

void nh_logf(const nh_ctx *ctx, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	nh_vlogf(ctx, level, fmt, ap);
	va_end(ap);
}
