/* Logging for plugins: format the line, hand it to the host through the
 * context. Without a host (a NULL context) the line goes to stderr. */
#include "config.h"

#include <stdio.h>

#include "nh_internal.h"

/* Without a context there is no host to ask: info and above. */
#define NO_HOST_LEVEL NH_LOG_INFO

char *nh_escape(const char *text, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	if (!len)
		return buf;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		int esc = *p < 0x20 || *p == 0x7f;
		if (n + (esc ? 4 : 1) >= len)
			break;
		if (esc) {
			buf[n++] = '\\';
			buf[n++] = 'x';
			buf[n++] = hex[*p >> 4];
			buf[n++] = hex[*p & 15];
		} else {
			buf[n++] = (char)*p;
		}
	}
	buf[n] = '\0';
	return buf;
}

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
