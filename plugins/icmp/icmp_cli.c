/* Option parsing shared by the icmp commands: numbers and durations with
 * the option and the text quoted in the error. */
#include <errno.h>
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
