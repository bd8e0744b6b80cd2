/* The host's log sink: where every line goes (stderr with or without
 * timestamps, syslog), and the level. Plugins reach it through their
 * context (host_log_ops_line); the host's own lines use host_logf(). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

#include "host.h"

static int log_level = NH_LOG_INFO;
static enum host_log_target log_target = HOST_LOG_STDERR;
static int log_stamps = 1;
static struct json_object *capture; /* host_log_capture() */

static const char *const level_names[] = {
	[NH_LOG_ERR] = "error",   [NH_LOG_WARN] = "warning", [NH_LOG_NOTICE] = "notice",
	[NH_LOG_INFO] = "info",   [NH_LOG_DEBUG] = "debug",
};

const int *host_log_level(void)
{
	return &log_level;
}

void host_log_set_stamps(int on)
{
	log_stamps = on;
}

int host_log_set_level(int level)
{
	int old = log_level;

	if (level < NH_LOG_ERR - 1)
		level = NH_LOG_ERR - 1; /* below error: silent (tests, fuzzing) */
	if (level > NH_LOG_DEBUG)
		level = NH_LOG_DEBUG;
	log_level = level;
	return old;
}

int host_log_level_parse(const char *text)
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

void host_log_set_target(enum host_log_target target, const char *ident)
{
	if (log_target == HOST_LOG_SYSLOG)
		closelog();
	log_target = target;
	if (target == HOST_LOG_SYSLOG)
		openlog(ident ? ident : "nethost", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

/* name: the "plugin/instance" prefix, or NULL. Control bytes in the
 * message (a name or a value from outside) are escaped: one line stays
 * one line, and nothing reaches the terminal raw. */
static void write_line(const char *name, int level, const char *raw)
{
	char msg[4 * 2048];

	nh_escape(raw, msg, sizeof(msg));
	if (capture && level <= NH_LOG_WARN) {
		char line[sizeof(msg) + 2 * NH_NAME_MAX + 4];
		snprintf(line, sizeof(line), "%s%s%s", name ? name : "", name ? ": " : "", msg);
		json_object_array_add(capture, json_object_new_string(line));
	}
	if (level < NH_LOG_ERR)
		level = NH_LOG_ERR;
	if (level > NH_LOG_DEBUG)
		level = NH_LOG_DEBUG;
	if (log_target == HOST_LOG_SYSLOG) {
		if (name)
			syslog(level, "%s: %s", name, msg);
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
	if (name)
		fprintf(stderr, "%s%s: %s: %s\n", stamp, level_names[level], name, msg);
	else
		fprintf(stderr, "%s%s: %s\n", stamp, level_names[level], msg);
}

void host_log_capture(struct json_object *lines)
{
	capture = lines;
}

void host_log_ops_line(const nh_ctx *ctx, int level, const char *msg)
{
	write_line(ctx ? ctx->name : NULL, level, msg);
}

void host_vlogf(int level, const char *fmt, va_list ap)
{
	char msg[2048];

	if (level > log_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	write_line(NULL, level, msg);
}

void host_logf(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	host_vlogf(level, fmt, ap);
	va_end(ap);
}
