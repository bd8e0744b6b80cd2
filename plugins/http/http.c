/* http: serve the host's metrics (/metrics, Prometheus text format),
 * status (/status, JSON), blackbox-style probes (/probe) and the /-/
 * lifecycle endpoints over HTTP.
 *
 * Built on libmicrohttpd, driven by the SDK loop (http_server.c); no
 * thread: handlers (http_routes.c) read metrics and status on the
 * loop's thread, where they are updated, without locks.
 *
 * Service:  [http NAME]
 *           listen          = 127.0.0.1:9100   ; where to serve
 *           max_connections = 64               ; clients at once
 *           idle_timeout    = 10s              ; close a silent client
 *           allow_reload    = no               ; POST /-/reload reloads the host
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "probe.h"

#define HTTP_DEFAULT_LISTEN "127.0.0.1:9100"

static int http_create(nh_ctx *ctx, const nh_section *sec, void **state)
{
	struct http *h = calloc(1, sizeof(*h));
	nh_error err;

	if (!h)
		return -ENOMEM;
	h->ctx = ctx;
	h->lfd = -1;
	int bad = 0, present;
	if (nh_conf_get_addr(sec, "listen", 9100, &h->listen, &present) < 0)
		bad = 1;
	else if (!present && nh_addr_parse(HTTP_DEFAULT_LISTEN, 9100, &h->listen, &err) < 0)
		bad = nh_conf_error(sec, "listen", "%s", err.msg) < 0;
	bad |= nh_conf_get_int(sec, "max_connections", 64, 1, 10000, &h->max_connections) < 0;
	bad |= nh_conf_get_duration_ms(sec, "idle_timeout", 10000, &h->idle_timeout_ms) < 0;
	bad |= nh_conf_get_bool(sec, "allow_reload", 0, &h->allow_reload) < 0;
	if (!bad && (h->idle_timeout_ms < 1000 || h->idle_timeout_ms % 1000))
		bad = nh_conf_error(sec, "idle_timeout", "must be whole seconds, at least 1s") < 0;
	/* MHD takes the timeout as an unsigned int of seconds. */
	if (!bad && h->idle_timeout_ms / 1000 > UINT_MAX)
		bad = nh_conf_error(sec, "idle_timeout", "'%s' is too long: at most %us",
				    nh_conf_value(sec, "idle_timeout",
						  nh_conf_count(sec, "idle_timeout") - 1, NULL),
				    UINT_MAX) < 0;
	if (bad) {
		free(h);
		return -EINVAL;
	}
	*state = h;
	return 0;
}

static void http_stop(void *state)
{
	struct http *h = state;

	http_server_stop(h); /* cancels the probes in flight */
	http_probes_free(h->web);
	h->web = NULL;
}

static int http_start(void *state)
{
	struct http *h = state;

	for (size_t i = 0; i < HTTP_NCODES; i++) {
		char code[8];
		snprintf(code, sizeof(code), "%u", http_codes[i]);
		h->requests[i] = nh_counter_new(h->ctx, "nethost_http_requests_total",
						"HTTP requests answered, by status code", "code", code,
						NULL);
		if (!h->requests[i])
			return -errno;
	}
	h->accept_pauses = nh_counter_new(h->ctx, "nethost_http_accept_pauses_total",
					  "Accept pauses for lack of file descriptors", NULL);
	if (!h->accept_pauses)
		return -errno;
	return http_server_start(h);
}

static void http_destroy(void *state)
{
	struct http *h = state;

	free(h->probe_buf);
	free(h);
}

static void http_report(void *state)
{
	struct http *h = state;
	char line[160];
	int n = 0;

	for (size_t i = 0; i < HTTP_NCODES && h->requests[i]; i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, "%s%u=%llu", i ? " " : "",
			      http_codes[i], (unsigned long long)h->requests[i]->value);
	nh_info(h->ctx, "requests: %s", n ? line : "none");
}

static const struct nh_conf_key http_keys[] = {
	{ .name = "listen", .help = "ADDRESS:PORT to serve on (default " HTTP_DEFAULT_LISTEN ")" },
	{ .name = "max_connections", .help = "clients served at once, 1-10000 (default 64)" },
	{ .name = "idle_timeout", .help = "close a client silent this long, whole seconds, 1s-4294967295s (default 10s)" },
	{ .name = "allow_reload", .help = "yes: POST /-/reload reloads the host's configuration (default no)" },
	{ .name = NULL },
};

NH_PLUGIN_DEFINE(
	.name = "http",
	.version = "1.0",
	.summary = "serves /metrics (Prometheus), /status (JSON), /probe (blackbox-style) and /-/ over HTTP",
	.keys = http_keys,
	.create = http_create,
	.start = http_start,
	.stop = http_stop,
	.destroy = http_destroy,
	.report = http_report,
);
