/* Logging: one formatted line per call, to stderr or syslog. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

#include "nh_internal.h"

int nh_log_level_current = NH_LOG_INFO;
static enum nh_log_target log_target = NH_LOG_STDERR;
static int log_stamps = 1;

void nh_log_set_stamps(int on)
{
	log_stamps = on;
}

static const char *const level_names[] = {
	[NH_LOG_ERR] = "error",   [NH_LOG_WARN] = "warning", [NH_LOG_NOTICE] = "notice",
	[NH_LOG_INFO] = "info",   [NH_LOG_DEBUG] = "debug",
};

int nh_log_set_level(int level)
{
	int old = nh_log_level_current;

	if (level < NH_LOG_ERR)
		level = NH_LOG_ERR;
	if (level > NH_LOG_DEBUG)
		level = NH_LOG_DEBUG;
	nh_log_level_current = level;
	return old;
}

int nh_log_level_parse(const char *text)
{
	static const struct { const char *name; int level; } names[] = {
		{ "error", NH_LOG_ERR }, { "err", NH_LOG_ERR },   { "warning", NH_LOG_WARN },
		{ "warn", NH_LOG_WARN }, { "notice", NH_LOG_NOTICE }, { "info", NH_LOG_INFO },
		{ "debug", NH_LOG_DEBUG },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(text, names[i].name) == 0)
			return names[i].level;
	return -EINVAL;
}

void nh_log_set_target(enum nh_log_target target, const char *ident)
{
	if (log_target == NH_LOG_SYSLOG)
		closelog();
	log_target = target;
	if (target == NH_LOG_SYSLOG)
		openlog(ident ? ident : "nethost", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void nh_vlogf(const nh_ctx *ctx, int level, const char *fmt, va_list ap)
{
	char msg[2048];

	if (level > nh_log_level_current)
		return;
	if (level < NH_LOG_ERR)
		level = NH_LOG_ERR;
	vsnprintf(msg, sizeof(msg), fmt, ap);

	if (log_target == NH_LOG_SYSLOG) {
		if (ctx)
			syslog(level, "%s: %s", ctx->name, msg);
		else
			syslog(level, "%s", msg);
		return;
	}
	/* journald stamps lines itself; elsewhere a timestamp helps. */
	char stamp[40] = "";
	static int under_journal = -1;
	if (under_journal < 0)
		under_journal = getenv("JOURNAL_STREAM") != NULL;
	if (log_stamps && !under_journal) {
		struct timespec ts;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		size_t n = strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
		snprintf(stamp + n, sizeof(stamp) - n, ".%03ld ", ts.tv_nsec / 1000000);
	}
	/* One fprintf: lines from one process never interleave mid-line. */
	if (ctx)
		fprintf(stderr, "%s%s: %s: %s\n", stamp, level_names[level], ctx->name, msg);
	else
		fprintf(stderr, "%s%s: %s\n", stamp, level_names[level], msg);
}

void nh_logf(const nh_ctx *ctx, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	nh_vlogf(ctx, level, fmt, ap);
	va_end(ap);
}
