/* http plugin, private: the status page at / (page.c: the model, JSON,
 * CSV and the route; page_html.c: the HTML). */
#ifndef NETHOST_HTTP_PAGE_H
#define NETHOST_HTTP_PAGE_H

#include <stddef.h>

#include "http.h"

/* Targets or upstreams drawn per instance in the HTML (down ones first);
 * the rest are counted, and in JSON and CSV. */
#define PAGE_MAX_ROWS 500

/* The page's data: the host status, each instance's control replies
 * ("ctl": {"targets": ...}, at most limit targets an instance, the down
 * ones first; 0: all) and counters ("metrics"), and "probes" (the recent
 * /probe results). NULL with errno. */
struct json_object *page_model(struct http *h, int limit);
/* Renderings of the model: malloc'd text, NULL when out of memory. */
char *page_html(struct json_object *model, size_t *len);
char *page_csv(struct json_object *model, size_t *len);

/* probe.c: the recent /probe results, newest first. */
struct json_object *probe_log_json(struct http *h);

#endif
