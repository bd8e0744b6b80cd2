/* Logging: levels and a "plugin/instance:" prefix on every line. Where
 * lines go (stderr, syslog, the journal) and the level are the host's
 * business: a plugin only writes. A message below the level costs one
 * function call. */
#ifndef NETHOST_LOG_H
#define NETHOST_LOG_H

#include <stdarg.h>
#include <stddef.h>

#include <nethost/ctx.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Same numbers as syslog(3) priorities. */
enum nh_log_level {
	NH_LOG_ERR = 3,
	NH_LOG_WARN = 4,
	NH_LOG_NOTICE = 5,
	NH_LOG_INFO = 6,
	NH_LOG_DEBUG = 7,
};

/* 1 when a message of this level would be written now (the host's level
 * can change on reload: ask, do not cache). ctx may be NULL. */
int nh_log_enabled(const nh_ctx *ctx, int level);

/* Write one line: "LEVEL name: message", cut at 2 KiB. ctx may be NULL
 * (no prefix, to stderr). */
void nh_logf(const nh_ctx *ctx, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void nh_vlogf(const nh_ctx *ctx, int level, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Copy text into buf (len bytes, NUL-terminated) with every control byte
 * and DEL written as \xNN, so that a name or value from outside cannot
 * move the cursor, ring the bell or forge a log line. Cut at len - 1 on a
 * whole escape. Returns buf. The host escapes every log line itself: use
 * this for what a command prints. */
char *nh_escape(const char *text, char *buf, size_t len);

#define NH_LOG_(ctx, lvl, ...)                                                 \
	do {                                                                   \
		if (nh_log_enabled((ctx), (lvl)))                              \
			nh_logf((ctx), (lvl), __VA_ARGS__);                    \
	} while (0)
#define nh_error(ctx, ...) NH_LOG_(ctx, NH_LOG_ERR, __VA_ARGS__)
#define nh_warn(ctx, ...) NH_LOG_(ctx, NH_LOG_WARN, __VA_ARGS__)
#define nh_notice(ctx, ...) NH_LOG_(ctx, NH_LOG_NOTICE, __VA_ARGS__)
#define nh_info(ctx, ...) NH_LOG_(ctx, NH_LOG_INFO, __VA_ARGS__)
#define nh_debug(ctx, ...) NH_LOG_(ctx, NH_LOG_DEBUG, __VA_ARGS__)

#ifdef __cplusplus
}
#endif
#endif
