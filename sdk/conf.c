/* Typed getters over a config section. Each problem is reported once as
 * FILE:LINE: [plugin instance] key: problem. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nh_internal.h"

static const struct nh_section_head *head(const nh_section *sec)
{
	return (const struct nh_section_head *)sec;
}

const char *nh_section_plugin(const nh_section *sec)
{
	return head(sec)->plugin;
}

const char *nh_section_instance(const nh_section *sec)
{
	return head(sec)->instance;
}

int nh_conf_count(const nh_section *sec, const char *key)
{
	return head(sec)->ops->count(sec, key);
}

const char *nh_conf_value(const nh_section *sec, const char *key, int i, int *line)
{
	return head(sec)->ops->value(sec, key, i, line);
}

/* The last value of a single-valued key (duplicates are refused by the
 * host before create(), so last and first agree there). */
static const char *value_of(const nh_section *sec, const char *key, int *line)
{
	int n = nh_conf_count(sec, key);

	return n ? nh_conf_value(sec, key, n - 1, line) : NULL;
}

static int report(const nh_section *sec, int line, const char *key, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

static int report(const nh_section *sec, int line, const char *key, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	head(sec)->ops->report(sec, line, key, msg);
	return -EINVAL;
}

int nh_conf_error(const nh_section *sec, const char *key, const char *fmt, ...)
{
	int line = head(sec)->line;
	va_list ap;

	if (key)
		value_of(sec, key, &line);
	va_start(ap, fmt);
	report(sec, line, key, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int nh_conf_error_at(const nh_section *sec, const char *key, int i, const char *fmt, ...)
{
	int line = head(sec)->line;
	va_list ap;

	nh_conf_value(sec, key, i, &line);
	va_start(ap, fmt);
	report(sec, line, key, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int error_at(const nh_section *sec, int line, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int error_at(const nh_section *sec, int line, const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(sec, line, key, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int nh_conf_get_str(const nh_section *sec, const char *key, const char *def, const char **out)
{
	int line = 0;
	const char *v = value_of(sec, key, &line);

	*out = v ? v : def;
	return 0;
}

int nh_conf_get_int(const nh_section *sec, const char *key, long def, long min, long max,
		    long *out)
{
	int line = 0;
	const char *v = value_of(sec, key, &line);
	char *end;

	*out = def;
	if (!v)
		return 0;
	/* Decimal only, one rule with the CLI's nh_opt_int(): "0x10" and
	 * "010" (octal to some readers, ten to others) are refused. */
	errno = 0;
	long n = strtol(v, &end, 10);
	if (!*v || *end || isspace((unsigned char)*v) || *v == '+')
		return error_at(sec, line, key, "'%s' is not a whole number", v);
	const char *digits = v + (*v == '-');
	if (digits[0] == '0' && digits[1])
		return error_at(sec, line, key, "'%s': no leading zeros (numbers are decimal)", v);
	if (errno == ERANGE)
		return error_at(sec, line, key, "'%s' is out of range (%ld-%ld)", v, min, max);
	if (n < min || n > max)
		return error_at(sec, line, key, "%ld is out of range (%ld-%ld)", n, min, max);
	*out = n;
	return 0;
}

int nh_conf_get_bool(const nh_section *sec, const char *key, int def, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	int line = 0;
	const char *v = value_of(sec, key, &line);

	*out = def;
	if (!v)
		return 0;
	for (int i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return *out = 1, 0;
		if (strcasecmp(v, no[i]) == 0)
			return *out = 0, 0;
	}
	return error_at(sec, line, key, "'%s' is not a boolean (yes/no, true/false, on/off, 1/0)",
			v);
}

int nh_duration_parse_ms(const char *text, int64_t *out, nh_error *err)
{
	static const struct { const char *unit; double ms; } units[] = {
		{ "us", 0.001 }, { "ms", 1 }, { "s", 1000 }, { "", 1000 },
		{ "m", 60000 },  { "min", 60000 }, { "h", 3600000 }, { "d", 86400000 },
	};
	char *end;

	if (!text || !*text || isspace((unsigned char)*text) || *text == '-' || *text == '+')
		return nh_error_set(err, EINVAL, "'%s': not a duration (e.g. 500ms, 10s, 2m)",
				    text ? text : "");
	errno = 0;
	double v = strtod(text, &end);
	if (end == text || errno || !isfinite(v) || v < 0)
		return nh_error_set(err, EINVAL, "'%s': not a duration (e.g. 500ms, 10s, 2m)", text);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(end, units[i].unit) == 0) {
			double ms = v * units[i].ms;
			if (ms > 9.2e15)
				return nh_error_set(err, ERANGE, "'%s': duration too long", text);
			/* Round up: a non-zero duration never becomes 0 ms. */
			*out = (int64_t)ceil(ms);
			return 0;
		}
	return nh_error_set(err, EINVAL, "'%s': unknown unit '%s' (use us, ms, s, m, h, d)", text,
			    end);
}

int nh_conf_get_duration_ms(const nh_section *sec, const char *key, int64_t def_ms,
			    int64_t *out)
{
	int line = 0;
	const char *v = value_of(sec, key, &line);
	nh_error err;

	*out = def_ms;
	if (!v)
		return 0;
	if (nh_duration_parse_ms(v, out, &err) < 0) {
		*out = def_ms;
		return error_at(sec, line, key, "%s", err.msg);
	}
	return 0;
}

int nh_conf_get_addr(const nh_section *sec, const char *key, int default_port, nh_addr *out,
		     int *present)
{
	int line = 0;
	const char *v = value_of(sec, key, &line);
	nh_error err;

	if (present)
		*present = v != NULL;
	if (!v)
		return 0;
	if (nh_addr_parse(v, default_port, out, &err) < 0)
		return error_at(sec, line, key, "%s", err.msg);
	return 0;
}

int nh_conf_get_cidr_list(const nh_section *sec, const char *key, nh_cidr **out, int *n)
{
	nh_cidr *all = NULL;
	int total = 0, bad = 0;

	*out = NULL;
	*n = 0;
	int count = nh_conf_count(sec, key);
	for (int j = 0; j < count; j++) {
		int line = 0;
		const char *value = nh_conf_value(sec, key, j, &line);
		nh_cidr *list;
		nh_error err;
		int got = nh_cidr_list_parse(value, &list, &err);
		if (got < 0) {
			error_at(sec, line, key, "%s", err.msg);
			bad = 1;
			continue;
		}
		if (got == 0) {
			/* "allow =" letting everybody in would be a trap. */
			error_at(sec, line, key, "empty list: name at least one network, or leave the key out");
			bad = 1;
			continue;
		}
		nh_cidr *grown = realloc(all, (size_t)(total + got + 1) * sizeof(*all));
		if (!grown) {
			free(list);
			free(all);
			return error_at(sec, line, key, "out of memory");
		}
		all = grown;
		memcpy(all + total, list, (size_t)got * sizeof(*list));
		total += got;
		free(list);
	}
	if (bad) {
		free(all);
		return -EINVAL;
	}
	*out = all;
	*n = total;
	return 0;
}
