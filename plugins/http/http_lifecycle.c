/* http: the lifecycle endpoints blackbox_exporter and Prometheus users
 * know: /-/healthy (the process answers), /-/ready (every instance has
 * started) and POST /-/reload (off unless allow_reload = yes).
 *
 * A reload is the host's own SIGHUP path, so HTTP and `kill -HUP` apply
 * a configuration the same way (all or nothing). The answer waits for
 * the outcome without blocking the loop: the request is suspended, the
 * signal raised, and a timer reads the host's reload count afterwards.
 * The loop runs fd events (the signalfd: the reload itself) before
 * timers, so a timer armed now fires after the reload has run.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"

#define HTTP_RELOAD_CHECK_MS 20

enum MHD_Result http_healthy(struct http_req *r)
{
	return http_text(r->h, r->conn, 200, "Healthy\n");
}

/* The host's reload count, or -1 when the status is not available. */
static int64_t host_reloads(struct http *h)
{
	struct json_object *o = nh_host_status(h->ctx), *v;
	int64_t n = -1;

	if (o && json_object_object_get_ex(o, "reloads", &v))
		n = json_object_get_int64(v);
	json_object_put(o);
	return n;
}

enum MHD_Result http_ready(struct http_req *r)
{
	struct json_object *o = nh_host_status(r->h->ctx), *insts, *v;
	char why[200] = "";

	if (!o || !json_object_object_get_ex(o, "instances", &insts)) {
		json_object_put(o);
		return http_text(r->h, r->conn, MHD_HTTP_SERVICE_UNAVAILABLE, "no host status\n");
	}
	size_t n = json_object_array_length(insts), waiting = 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *in = json_object_array_get_idx(insts, i), *p, *name;
		if (json_object_object_get_ex(in, "started", &v) && json_object_get_boolean(v))
			continue;
		if (!waiting++ && json_object_object_get_ex(in, "plugin", &p) &&
		    json_object_object_get_ex(in, "name", &name))
			snprintf(why, sizeof(why), "[%s %s]", json_object_get_string(p),
				 json_object_get_string(name));
	}
	json_object_put(o);
	if (!waiting)
		return http_text(r->h, r->conn, 200, "Ready\n");
	char text[300];
	snprintf(text, sizeof(text), "not ready: %zu instance%s not started (%s%s)\n", waiting,
		 waiting == 1 ? "" : "s", why, waiting > 1 ? ", ..." : "");
	return http_text(r->h, r->conn, MHD_HTTP_SERVICE_UNAVAILABLE, text);
}

struct reload_job {
	struct http_req *req;
	nh_timer *check;
	int64_t before;
};

static int64_t reload_check(nh_loop *loop, void *arg)
{
	struct reload_job *j = arg;
	struct http_req *r = j->req;
	int64_t before = j->before, after = host_reloads(r->h);

	(void)loop;
	free(j); /* the timer stops: nothing else holds j */
	if (after > before)
		http_req_finish_text(r, 200, "reloaded\n");
	else
		http_req_finish_text(r, 500, "reload failed; the running configuration stays "
					     "(the host's log says why)\n");
	return NH_TIMER_STOP;
}

static void reload_cancel(struct http_req *r)
{
	struct reload_job *j = r->job;

	nh_timer_del(j->check);
	free(j);
}

enum MHD_Result http_reload(struct http_req *r)
{
	struct http *h = r->h;

	if (!h->allow_reload)
		return http_text(h, r->conn, 403, "reload over HTTP is off (allow_reload = no)\n");
	struct reload_job *j = calloc(1, sizeof(*j));
	if (!j)
		return http_reply(h, r->conn, 500, HTTP_TEXT, NULL, 0);
	j->req = r;
	j->before = host_reloads(h);
	if (j->before < 0 ||
	    !(j->check = nh_timer_add(nh_ctx_loop(h->ctx), HTTP_RELOAD_CHECK_MS, reload_check, j))) {
		free(j);
		return http_text(h, r->conn, 500, "cannot follow a reload here\n");
	}
	if (kill(getpid(), SIGHUP) < 0) {
		int e = errno;
		nh_timer_del(j->check);
		free(j);
		char text[120];
		snprintf(text, sizeof(text), "cannot signal the host: %s\n", strerror(e));
		return http_text(h, r->conn, 500, text);
	}
	nh_notice(h->ctx, "reload requested over HTTP");
	http_req_begin(r, reload_cancel, j);
	return http_req_wait(r);
}
