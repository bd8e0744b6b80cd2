/* JSON output for `--json`: build with json-c (kept Debian library), print
 * with nh_json_print(). No plugin escapes strings by hand. */
#ifndef NETHOST_JSON_H
#define NETHOST_JSON_H

#include <stdio.h>
#include <json-c/json.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Print obj to f, pretty when f is a terminal, one line otherwise, then a
 * newline; releases obj (json_object_put). 0 or -errno. */
int nh_json_print(FILE *f, struct json_object *obj);
/* Add key: string value (NULL becomes JSON null). */
void nh_json_add_str(struct json_object *obj, const char *key, const char *val);
void nh_json_add_int(struct json_object *obj, const char *key, int64_t val);
void nh_json_add_bool(struct json_object *obj, const char *key, int val);
void nh_json_add_double(struct json_object *obj, const char *key, double val);

#ifdef __cplusplus
}
#endif
#endif
