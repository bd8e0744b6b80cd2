/* JSON output for `--json`: build with json-c (kept Debian library), print
 * with nh_json_print(). No plugin escapes strings by hand. */
#ifndef NETHOST_JSON_H
#define NETHOST_JSON_H

#include <stdio.h>
#include <json-c/json.h>

#include <nethost/ctx.h>

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

/* The host's status, for plugins that show it (the http plugin's
 * /status): a fresh object the caller owns (json_object_put it), built
 * now:
 *   {"version": "0.1.0", "abi": "2.0", "pid": 123,
 *    "config_file": "/etc/nethost.ini", "started": "2026-11-22T04:30:00Z",
 *    "uptime_seconds": 12.5, "reloads": 0,
 *    "plugins": [{"name", "version", "file"}...],
 *    "instances": [{"plugin", "name", "started": true, "state": "running",
 *                   "ctl": ["conns"...]}...]}   (state, ctl: 2.1)
 * Keys are only ever added. NULL with errno ENOENT where the host keeps
 * no status (CLI commands), ENOMEM. */
struct json_object *nh_host_status(const nh_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif
