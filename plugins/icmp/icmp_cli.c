/* What the icmp commands share beyond the SDK: milliseconds in JSON.
 * (Option values are read with the SDK's nh_opt_* parsers.) */
#include <stdio.h>

#include "icmp.h"

void icmp_json_add_ms(struct json_object *obj, const char *key, int64_t us)
{
	char text[32];

	/* Microseconds are what we measure: no 0.010999999999999999. */
	snprintf(text, sizeof(text), "%.3f", (double)us / 1000.0);
	json_object_object_add(obj, key, json_object_new_double_s((double)us / 1000.0, text));
}
