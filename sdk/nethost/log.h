/* Logging: levels, a "plugin/instance:" prefix on every line, stderr or
 * syslog. Messages below the current level cost one comparison. */
#ifndef NETHOST_LOG_H
#define NETHOST_LOG_H

#include <stdarg.h>

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

enum nh_log_target {
	NH_LOG_STDERR = 0,
	NH_LOG_SYSLOG = 1,
};

/* The level below which messages are dropped (default NH_LOG_INFO). */
extern int nh_log_level_current;

/* Write one line: "LEVEL name: message". ctx may be NULL (no prefix). */
void nh_logf(const nh_ctx *ctx, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void nh_vlogf(const nh_ctx *ctx, int level, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

#define NH_LOG_(ctx, lvl, ...)                                                 \
	do {                                                                   \
		if ((lvl) <= nh_log_level_current)                             \
			nh_logf((ctx), (lvl), __VA_ARGS__);                    \
	} while (0)
#define nh_error(ctx, ...) NH_LOG_(ctx, NH_LOG_ERR, __VA_ARGS__)
#define nh_warn(ctx, ...) NH_LOG_(ctx, NH_LOG_WARN, __VA_ARGS__)
#define nh_notice(ctx, ...) NH_LOG_(ctx, NH_LOG_NOTICE, __VA_ARGS__)
#define nh_info(ctx, ...) NH_LOG_(ctx, NH_LOG_INFO, __VA_ARGS__)
#define nh_debug(ctx, ...) NH_LOG_(ctx, NH_LOG_DEBUG, __VA_ARGS__)

/* Set the level; returns the previous one. */
int nh_log_set_level(int level);
/* Parse "error|warn|notice|info|debug"; returns the level or -EINVAL. */
int nh_log_level_parse(const char *text);
/* Send lines to stderr (default) or syslog with the given ident. */
void nh_log_set_target(enum nh_log_target target, const char *ident);

#ifdef __cplusplus
}
#endif
#endif
