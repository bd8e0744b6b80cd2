/* /probe module http_2xx: one GET of the target URL (http:// added when
 * it has no scheme) through libcurl on the loop, following up to 10
 * redirects; success: a 2xx answer read in full before the deadline.
 * Phases as blackbox names them, from libcurl's marks: resolve, connect,
 * tls, processing (request sent to first byte), transfer (the body). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"

#define PROBE_WEB_REDIRECTS 10 /* Go's http.Client, blackbox's default */

static void answered(const struct http_probe_result *r, void *arg)
{
	struct probe *p = arg;
	nh_error err;

	p->engine = NULL;
	p->web = *r;
	p->web.text = NULL;
	p->web_done = 1;
	/* After a redirect: the address of the last request. */
	if (r->ip[0] && nh_addr_parse(r->ip, 0, &p->addr, &err) == 0)
		p->have_addr = 1;
	p->success = r->ok;
	if (!r->ok)
		probe_fail(p, "%s", r->error);
	probe_done(p);
}

static void web_url(const struct probe *p, char *url, size_t len)
{
	snprintf(url, len, "%s%s", strstr(p->target, "://") ? "" : "http://", p->target);
}

static int web_host(struct probe *p, char *host, size_t len, int *port)
{
	char url[sizeof(p->target) + 8];
	nh_error err;

	web_url(p, url, sizeof(url));
	if (http_url_check(url, &err) < 0 || http_url_host(url, host, len, port, &err) < 0) {
		probe_fail(p, "%s", err.msg);
		return -EINVAL;
	}
	return 0;
}

/* Resolved by probe.c as blackbox does (IPv6 preferred), so the address
 * and the resolve phase are known even when the connection fails; curl
 * connects to that address, sending the URL's own Host. */
static int web_start(struct probe *p)
{
	struct http *h = p->h;
	char url[sizeof(p->target) + 8], addr[NH_ADDR_STRLEN];

	web_url(p, url, sizeof(url));
	nh_addr_format(&p->addr, 0, addr, sizeof(addr));
	struct http_probe_opts opts = {
		.max_redirects = PROBE_WEB_REDIRECTS,
		.pin_host = p->host, .pin_addr = addr, .pin_port = p->port,
	};
	if (!h->web && !(h->web = http_probes_new(nh_ctx_loop(h->ctx)))) {
		probe_fail(p, "cannot set up libcurl");
		return -ENOMEM;
	}
	struct http_probe *hp = http_probe_start_opts(h->web, url, probe_left_ms(p), &opts, answered,
						      p);
	if (!hp) {
		int e = errno;
		probe_fail(p, "cannot start: %s", strerror(e));
		return -e;
	}
	p->engine = hp;
	return 0;
}

static void web_cancel(struct probe *p)
{
	http_probe_cancel(p->engine);
	p->engine = NULL;
}

/* Whole microseconds, libcurl's resolution: prints as it reads. */
static double since(double later, double earlier)
{
	return later > earlier && earlier >= 0 && later > 0 ? round((later - earlier) * 1e6) / 1e6 : 0;
}

static void web_render(struct probe *p, struct probe_out *out)
{
	static const char phase_help[] = "Duration of the HTTP request by phase, seconds";
	const struct http_probe_result *w = &p->web;
	double ready = w->tls ? w->tls_done : w->connected;

	probe_gauge(out, "probe_failed_due_to_regex", "1 when a regular expression check failed",
		    NULL, 0);
	probe_gauge(out, "probe_http_content_length", "Length of the answer's body by its header (-1: none)",
		    NULL, w->complete ? (double)w->content_length : 0);
	probe_gauge(out, "probe_http_duration_seconds", phase_help, "phase=\"connect\"",
		    since(w->connected, w->resolved));
	probe_gauge(out, "probe_http_duration_seconds", phase_help, "phase=\"processing\"",
		    since(w->first_byte, ready));
	probe_gauge(out, "probe_http_duration_seconds", phase_help, "phase=\"resolve\"", p->dns_s);
	probe_gauge(out, "probe_http_duration_seconds", phase_help, "phase=\"tls\"",
		    w->tls ? since(w->tls_done, w->connected) : 0);
	probe_gauge(out, "probe_http_duration_seconds", phase_help, "phase=\"transfer\"",
		    w->complete ? since(w->seconds, w->first_byte) : 0);
	probe_gauge(out, "probe_http_redirects", "Redirects followed", NULL, (double)w->redirects);
	probe_gauge(out, "probe_http_ssl", "1 when the final request was over TLS", NULL,
		    w->code ? w->tls : 0);
	probe_gauge(out, "probe_http_status_code", "HTTP status of the answer (0: none)", NULL,
		    (double)w->code);
	probe_gauge(out, "probe_http_uncompressed_body_length", "Bytes of body read", NULL,
		    (double)w->body);
	probe_gauge(out, "probe_http_version", "HTTP version of the answer (1, 1.1, 2, 3; 0: none)",
		    NULL, w->code ? w->http_version / 10.0 : 0);
}

const struct probe_module probe_web = {
	.name = "http_2xx",
	.resolve = 1,
	.host_of = web_host,
	.start = web_start,
	.cancel = web_cancel,
	.render = web_render,
};
