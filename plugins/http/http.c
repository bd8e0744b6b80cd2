/* http: serve the host's metrics (/metrics, Prometheus text format) and
 * status (/status, JSON) over HTTP.
 *
 * Built on libmicrohttpd in its external-loop mode: MHD keeps its own
 * epoll set, whose one fd the SDK loop watches, and a timer follows
 * MHD_get_timeout() for idle connections and work MHD has left over.
 * No thread: handlers read metrics and status on the loop's thread,
 * where they are updated, without locks.
 *
 * Service:  [http NAME]
 *           listen          = 127.0.0.1:9100   ; where to serve
 *           max_connections = 64               ; clients at once
 *           idle_timeout    = 10s              ; close a silent client
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include <nethost/nethost.h>

#define HTTP_DEFAULT_LISTEN "127.0.0.1:9100"
#define HTTP_MAX_WAIT_MS 60000 /* when MHD has no deadline, look anyway */

/* Answers we count, by status code. */
static const unsigned int http_codes[] = { 200, 404, 405, 500, 503 };
#define HTTP_NCODES (sizeof(http_codes) / sizeof(http_codes[0]))

struct http {
	nh_ctx *ctx;
	nh_addr listen;
	long max_connections;
	int64_t idle_timeout_ms;
	struct MHD_Daemon *daemon;
	nh_io *io;
	nh_timer *timer;
	nh_counter *requests[HTTP_NCODES];
};

static int http_create(nh_ctx *ctx, const nh_section *sec, void **state)
{
	struct http *h = calloc(1, sizeof(*h));
	nh_error err;

	if (!h)
		return -ENOMEM;
	h->ctx = ctx;
	int bad = 0, present;
	if (nh_conf_get_addr(sec, "listen", 9100, &h->listen, &present) < 0)
		bad = 1;
	else if (!present && nh_addr_parse(HTTP_DEFAULT_LISTEN, 9100, &h->listen, &err) < 0)
		bad = nh_conf_error(sec, "listen", "%s", err.msg) < 0;
	bad |= nh_conf_get_int(sec, "max_connections", 64, 1, 10000, &h->max_connections) < 0;
	bad |= nh_conf_get_duration_ms(sec, "idle_timeout", 10000, &h->idle_timeout_ms) < 0;
	if (!bad && (h->idle_timeout_ms < 1000 || h->idle_timeout_ms % 1000))
		bad = nh_conf_error(sec, "idle_timeout", "must be whole seconds, at least 1s") < 0;
	if (bad) {
		free(h);
		return -EINVAL;
	}
	*state = h;
	return 0;
}

static void http_count(struct http *h, unsigned int code)
{
	for (size_t i = 0; i < HTTP_NCODES; i++)
		if (http_codes[i] == code && h->requests[i])
			nh_counter_inc(h->requests[i]);
}

/* Queue a response that owns body (malloc'd); NULL body means out of
 * memory and becomes a 500. */
static enum MHD_Result http_reply(struct http *h, struct MHD_Connection *conn, unsigned int code,
				  const char *type, char *body, size_t len)
{
	static char oom[] = "out of memory\n";
	struct MHD_Response *r;

	if (body) {
		r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	} else {
		code = MHD_HTTP_INTERNAL_SERVER_ERROR;
		type = "text/plain; charset=utf-8";
		r = MHD_create_response_from_buffer(strlen(oom), oom, MHD_RESPMEM_PERSISTENT);
	}
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	enum MHD_Result ret = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	http_count(h, code);
	return ret;
}

static enum MHD_Result http_text(struct http *h, struct MHD_Connection *conn, unsigned int code,
				 const char *text)
{
	char *body = strdup(text);

	return http_reply(h, conn, code, "text/plain; charset=utf-8", body, body ? strlen(body) : 0);
}

static enum MHD_Result http_status(struct http *h, struct MHD_Connection *conn)
{
	struct json_object *o = nh_host_status(h->ctx);

	if (!o)
		return http_text(h, conn, errno == ENOENT ? MHD_HTTP_SERVICE_UNAVAILABLE : 500,
				 "no host status\n");
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							      JSON_C_TO_STRING_SPACED |
							      JSON_C_TO_STRING_NOSLASHESCAPE);
	char *body = text ? malloc(strlen(text) + 2) : NULL;
	size_t len = 0;
	if (body)
		len = (size_t)sprintf(body, "%s\n", text);
	json_object_put(o);
	return http_reply(h, conn, 200, "application/json", body, len);
}

static enum MHD_Result http_answer(void *cls, struct MHD_Connection *conn, const char *url,
				   const char *method, const char *version, const char *upload_data,
				   size_t *upload_data_size, void **con_cls)
{
	struct http *h = cls;

	/* Both endpoints are read-only: anything else is refused before a
	 * request body is read. */
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return http_text(h, conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
	/* The first call comes with the headers; answering only on the
	 * second, once the request is complete, lets MHD keep the
	 * connection alive for the next scrape. */
	if (!*con_cls) {
		*con_cls = h;
		return MHD_YES;
	}
	if (strcmp(url, "/metrics") == 0) {
		size_t len = 0;
		char *text = nh_metrics_text(h->ctx, &len);
		return http_reply(h, conn, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
	}
	if (strcmp(url, "/status") == 0)
		return http_status(h, conn);
	return http_text(h, conn, MHD_HTTP_NOT_FOUND, "not found (try /metrics or /status)\n");
}

/* MHD's own messages through the instance's log (they end in '\n'). */
__attribute__((format(printf, 2, 0)))
static void http_mhd_log(void *arg, const char *fmt, va_list ap)
{
	struct http *h = arg;
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = 0;
	nh_warn(h->ctx, "libmicrohttpd: %s", msg);
}

/* Let MHD do what is ready, then the delay until it wants to run again. */
static int64_t http_run(struct http *h)
{
	MHD_UNSIGNED_LONG_LONG to;

	MHD_run(h->daemon);
	if (MHD_get_timeout(h->daemon, &to) != MHD_YES || to > HTTP_MAX_WAIT_MS)
		return HTTP_MAX_WAIT_MS;
	return (int64_t)to;
}

static void http_on_epoll(nh_loop *loop, int fd, int events, void *arg)
{
	struct http *h = arg;

	nh_timer_reset(h->timer, http_run(h));
}

static int64_t http_on_timer(nh_loop *loop, void *arg)
{
	return http_run(arg);
}

static void http_stop(void *state)
{
	struct http *h = state;

	nh_io_del(h->io);
	nh_timer_del(h->timer);
	h->io = NULL;
	h->timer = NULL;
	if (h->daemon)
		MHD_stop_daemon(h->daemon); /* closes the listener and every client */
	h->daemon = NULL;
}

static int http_start(void *state)
{
	struct http *h = state;
	char where[80];
	nh_error err;

	nh_addr_format(&h->listen, 1, where, sizeof(where));
	for (size_t i = 0; i < HTTP_NCODES; i++) {
		char code[8];
		snprintf(code, sizeof(code), "%u", http_codes[i]);
		h->requests[i] = nh_counter_new(h->ctx, "nethost_http_requests_total",
						"HTTP requests answered, by status code", "code", code,
						NULL);
		if (!h->requests[i])
			return -errno;
	}
	int fd = nh_listen_tcp(&h->listen, 0, 0, &err);
	if (fd < 0) {
		nh_error(h->ctx, "listen %s: %s", where, err.msg);
		return fd;
	}
	unsigned int flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	if (h->listen.u.sa.sa_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* The logger first, or MHD prints its early messages itself. */
	h->daemon = MHD_start_daemon(flags, 0, NULL, NULL, http_answer, h,
				     MHD_OPTION_EXTERNAL_LOGGER, http_mhd_log, h,
				     MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned int)h->max_connections,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)(h->idle_timeout_ms / 1000),
				     MHD_OPTION_END);
	if (!h->daemon) {
		close(fd);
		nh_error(h->ctx, "libmicrohttpd refused to start on %s", where);
		return -EIO;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_EPOLL_FD);
	nh_loop *loop = nh_ctx_loop(h->ctx);
	if (!info || !(h->io = nh_io_add(loop, info->epoll_fd, NH_READ, http_on_epoll, h)) ||
	    !(h->timer = nh_timer_add(loop, 0, http_on_timer, h))) {
		int e = info ? errno : EIO;
		nh_error(h->ctx, "cannot watch libmicrohttpd's epoll fd: %s", strerror(e));
		http_stop(h);
		return -e;
	}
	nh_info(h->ctx, "serving /metrics and /status on http://%s/", where);
	return 0;
}

static void http_destroy(void *state)
{
	free(state);
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
	{ .name = "idle_timeout", .help = "close a client silent this long, whole seconds (default 10s)" },
	{ .name = NULL },
};

NH_PLUGIN_DEFINE(
	.name = "http",
	.version = "1.0",
	.summary = "serves /metrics (Prometheus) and /status (JSON) over HTTP",
	.keys = http_keys,
	.create = http_create,
	.start = http_start,
	.stop = http_stop,
	.destroy = http_destroy,
	.report = http_report,
);
