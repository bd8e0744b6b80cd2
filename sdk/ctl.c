/* Control commands (ctl.h): the reply a command fills, and the call that
 * runs another instance's command through the host (nh_host_ops). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "nh_internal.h"

struct json_object *nh_ctl_reply_json(nh_ctl_reply *reply)
{
	return reply->json;
}

int nh_ctl_fail(nh_ctl_reply *reply, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reply->error, sizeof(reply->error), fmt, ap);
	va_end(ap);
	return code;
}

int nh_ctl_call(const nh_ctx *ctx, const char *instance, int argc, char **argv,
		struct json_object **out)
{
	if (out)
		*out = NULL;
	if (!ctx || !instance || argc < 1 || !argv || !argv[0] || !out)
		return -EINVAL;
	if (!ctx->ops || !ctx->ops->ctl_call)
		return -ENOTSUP;
	return ctx->ops->ctl_call(ctx, instance, argc, argv, out);
}
