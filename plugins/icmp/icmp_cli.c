/* Option parsing shared by the icmp commands: numbers and durations with
 * the option and the text quoted in the error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "icmp.h"

int icmp_parse_long(const char *opt, const char *text, long min, long max, long *out,
		    nh_error *err)
{
	char *end;

	errno = 0;
	long v = strtol(text, &end, 10);
	if (!*text || *end || errno || v < min || v > max)
		return nh_error_set(err, EINVAL, "%s: '%s' is not a whole number from %ld to %ld",
				    opt, text, min, max);
	*out = v;
	return 0;
}

int icmp_parse_duration(const char *opt, const char *text, int64_t min_ms, int64_t *out,
			nh_error *err)
{
	nh_error e;

	if (nh_duration_parse_ms(text, out, &e) < 0)
		return nh_error_set(err, EINVAL, "%s: %s", opt, e.msg);
	if (*out < min_ms)
		return nh_error_set(err, EINVAL, "%s: '%s' is shorter than the minimum %lldms", opt,
				    text, (long long)min_ms);
	return 0;
}

void icmp_json_add_ms(struct json_object *obj, const char *key, int64_t us)
{
	char text[32];

	/* Microseconds are what we measure: no 0.010999999999999999. */
	snprintf(text, sizeof(text), "%.3f", (double)us / 1000.0);
	json_object_object_add(obj, key, json_object_new_double_s((double)us / 1000.0, text));
}
