/* Option values for CLI commands (integers, durations, sizes, addresses)
 * and the run-until-a-signal loop, so every command reads alike. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <nethost/cli.h>
#include <nethost/conf.h>
#include <nethost/log.h>
#include <nethost/loop.h>

/* Leading decimal digits of text into *v; *end after them. 0; -EINVAL
 * when there are none; -EDOM on a leading zero ("010": octal to C, ten
 * to most people); -ERANGE when over UINT64_MAX. */
static int digits(const char *text, const char **end, uint64_t *v)
{
	const char *p = text;
	int over = 0;

	*v = 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (*v > (UINT64_MAX - d) / 10)
			over = 1;
		else
			*v = *v * 10 + d;
	}
	*end = p;
	if (p == text)
		return -EINVAL;
	if (text[0] == '0' && p - text > 1)
		return -EDOM;
	return over ? -ERANGE : 0;
}

/* "010" -> "10", for the hint in the error. */
static const char *without_zeros(const char *text)
{
	while (text[0] == '0' && text[1] >= '0' && text[1] <= '9')
		text++;
	return text;
}

int nh_opt_int(const nh_ctx *ctx, const char *opt, const char *text, long min, long max,
	       long *out)
{
	const char *p = text + (text[0] == '-'), *end;
	uint64_t u;
	int r = digits(p, &end, &u);
	char range[64];

	if (max == LONG_MAX)
		snprintf(range, sizeof(range), "at least %ld", min);
	else
		snprintf(range, sizeof(range), "%ld to %ld", min, max);
	if (r == -EINVAL || *end) {
		nh_cli_usage_error(ctx, "%s: '%s': not a whole number (%s)", opt, text, range);
		return -EINVAL;
	}
	if (r == -EDOM) {
		nh_cli_usage_error(ctx, "%s: '%s': a leading zero (numbers are decimal: write %s%s)",
				   opt, text, p == text ? "" : "-", without_zeros(p));
		return -EINVAL;
	}
	long v = 0;
	int fits = r == 0 && (p == text ? u <= (uint64_t)LONG_MAX : u <= (uint64_t)LONG_MAX + 1);
	if (fits)
		v = p == text ? (long)u : u == (uint64_t)LONG_MAX + 1 ? LONG_MIN : -(long)u;
	if (!fits || v < min || v > max) {
		nh_cli_usage_error(ctx, "%s: '%s': must be %s", opt, text, range);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* 300000 -> "5m": the largest unit that divides it. */
static const char *ms_text(int64_t ms, char *buf, size_t len)
{
	static const struct { const char *unit; int64_t ms; } units[] = {
		{ "d", 86400000 }, { "h", 3600000 }, { "m", 60000 }, { "s", 1000 },
	};
	for (size_t i = 0; ms && i < sizeof(units) / sizeof(units[0]); i++)
		if (ms % units[i].ms == 0) {
			snprintf(buf, len, "%lld%s", (long long)(ms / units[i].ms), units[i].unit);
			return buf;
		}
	snprintf(buf, len, "%lldms", (long long)ms);
	return buf;
}

int nh_opt_duration_ms(const nh_ctx *ctx, const char *opt, const char *text, int64_t min,
		       int64_t max, int64_t *out)
{
	char lo[32], hi[32];
	nh_error err;
	int64_t v;

	if (nh_duration_parse_ms(text, &v, &err) < 0) {
		nh_cli_usage_error(ctx, "%s: %s", opt, err.msg);
		return -EINVAL;
	}
	if (v < min || v > max) {
		if (max == INT64_MAX)
			nh_cli_usage_error(ctx, "%s: '%s': must be at least %s", opt, text,
					   ms_text(min, lo, sizeof(lo)));
		else
			nh_cli_usage_error(ctx, "%s: '%s': must be %s to %s", opt, text,
					   ms_text(min, lo, sizeof(lo)), ms_text(max, hi, sizeof(hi)));
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static const struct { const char *unit; unsigned shift; } size_units[] = {
	{ "", 0 },     { "k", 10 },   { "kib", 10 }, { "m", 20 }, { "mib", 20 },
	{ "g", 30 },   { "gib", 30 }, { "t", 40 },   { "tib", 40 },
};

/* 16777216 -> "16MiB": the largest unit that divides it. */
static const char *size_text(uint64_t v, char *buf, size_t len)
{
	static const char *const names[] = { "TiB", "GiB", "MiB", "KiB" };
	for (unsigned i = 0; v && i < 4; i++) {
		unsigned shift = 40 - 10 * i;
		if (v % ((uint64_t)1 << shift) == 0) {
			snprintf(buf, len, "%llu%s", (unsigned long long)(v >> shift), names[i]);
			return buf;
		}
	}
	snprintf(buf, len, "%llu", (unsigned long long)v);
	return buf;
}

int nh_opt_size(const nh_ctx *ctx, const char *opt, const char *text, uint64_t min,
		uint64_t max, uint64_t *out)
{
	char lo[32], hi[32];
	const char *end;
	uint64_t v;
	int r = digits(text, &end, &v);

	if (r == -EINVAL) {
		nh_cli_usage_error(ctx, "%s: '%s': not a size (e.g. 65536, 64k, 1MiB)", opt, text);
		return -EINVAL;
	}
	if (r == -EDOM) {
		nh_cli_usage_error(ctx, "%s: '%s': a leading zero (numbers are decimal: write %s)",
				   opt, text, without_zeros(text));
		return -EINVAL;
	}
	size_t u = 0;
	while (u < sizeof(size_units) / sizeof(size_units[0]) && strcasecmp(end, size_units[u].unit))
		u++;
	if (u == sizeof(size_units) / sizeof(size_units[0])) {
		nh_cli_usage_error(ctx, "%s: '%s': unknown unit '%s' (use k/KiB, M/MiB, G/GiB, "
				   "T/TiB: 1024-based)", opt, text, end);
		return -EINVAL;
	}
	unsigned shift = size_units[u].shift;
	if (r == -ERANGE || v > (UINT64_MAX >> shift)) {
		nh_cli_usage_error(ctx, "%s: '%s': too big (over 64 bits)", opt, text);
		return -EINVAL;
	}
	if ((v << shift) < min || (v << shift) > max) {
		if (max == UINT64_MAX)
			nh_cli_usage_error(ctx, "%s: '%s': must be at least %s", opt, text,
					   size_text(min, lo, sizeof(lo)));
		else
			nh_cli_usage_error(ctx, "%s: '%s': must be %s to %s", opt, text,
					   size_text(min, lo, sizeof(lo)),
					   size_text(max, hi, sizeof(hi)));
		return -EINVAL;
	}
	*out = v << shift;
	return 0;
}

int nh_opt_addr(const nh_ctx *ctx, const char *opt, const char *text, int default_port,
		nh_addr *out)
{
	nh_error err;
	nh_addr a;

	if (nh_addr_parse(text, default_port, &a, &err) < 0) {
		nh_cli_usage_error(ctx, "%s: %s", opt, err.msg);
		return -EINVAL;
	}
	if (nh_addr_port(&a) == 0) {
		nh_cli_usage_error(ctx, "%s: '%s': port 0 (give a port from 1 to 65535)", opt, text);
		return -EINVAL;
	}
	*out = a;
	return 0;
}

static void on_quit(nh_loop *loop, int signo, void *arg)
{
	*(int *)arg = signo;
	nh_loop_stop(loop);
}

int nh_cli_run_until_signal(const nh_ctx *ctx)
{
	nh_loop *loop = nh_ctx_loop(ctx);
	int got = 0, r;
	nh_signal *s_int = nh_signal_add(loop, SIGINT, on_quit, &got);
	nh_signal *s_term = s_int ? nh_signal_add(loop, SIGTERM, on_quit, &got) : NULL;

	if (!s_term) {
		r = -errno;
		nh_error(ctx, "cannot watch SIGINT and SIGTERM: %s", strerror(-r));
		nh_signal_del(s_int);
		return r;
	}
	r = nh_loop_run(loop);
	nh_signal_del(s_int);
	nh_signal_del(s_term);
	if (r < 0) {
		nh_error(ctx, "event loop: %s", strerror(-r));
		return r;
	}
	return got;
}
