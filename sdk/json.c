/* JSON output for --json, on json-c. */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include "nh_internal.h"

int nh_json_print(FILE *f, struct json_object *obj)
{
	int flags = isatty(fileno(f)) ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
				      : JSON_C_TO_STRING_PLAIN;
	const char *text = json_object_to_json_string_ext(obj, flags | JSON_C_TO_STRING_NOSLASHESCAPE);
	int r = text && fprintf(f, "%s\n", text) >= 0 ? 0 : -EIO;

	json_object_put(obj);
	return r;
}

void nh_json_add_str(struct json_object *obj, const char *key, const char *val)
{
	json_object_object_add(obj, key, val ? json_object_new_string(val) : NULL);
}

void nh_json_add_int(struct json_object *obj, const char *key, int64_t val)
{
	json_object_object_add(obj, key, json_object_new_int64(val));
}

void nh_json_add_bool(struct json_object *obj, const char *key, int val)
{
	json_object_object_add(obj, key, json_object_new_boolean(val));
}

void nh_json_add_double(struct json_object *obj, const char *key, double val)
{
	json_object_object_add(obj, key, json_object_new_double(val));
}
