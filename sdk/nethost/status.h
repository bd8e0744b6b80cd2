/* The host's status, for plugins that show it (the http plugin's
 * /status): what runs, since when, from which file. The host publishes
 * it; plugins read a JSON snapshot and never see host internals.
 */
#ifndef NETHOST_STATUS_H
#define NETHOST_STATUS_H

#include <json-c/json.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A fresh JSON object the caller owns (json_object_put it), built now:
 *   {"version": "0.1.0", "abi": "1.0", "pid": 123,
 *    "config_file": "/etc/nethost.ini", "started": "2026-11-22T04:30:00Z",
 *    "uptime_seconds": 12.5, "reloads": 0,
 *    "plugins": [{"name", "version", "file"}...],
 *    "instances": [{"plugin", "name", "started": true}...]}
 * Keys are only ever added. NULL with errno ENOENT when no host
 * publishes a status (CLI commands), ENOMEM. */
struct json_object *nh_status_json(void);

#ifdef __cplusplus
}
#endif
#endif
