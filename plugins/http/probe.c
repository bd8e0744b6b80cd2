/* http: GET /probe?target=T&module=M, blackbox_exporter's multi-target
 * pattern. One probe per request, run on the loop while the request is
 * suspended; the answer uses blackbox_exporter's metric names and labels
 * (a Prometheus job written for blackbox works unchanged), in the text
 * format, families sorted by name as blackbox sorts them.
 *
 * The deadline is blackbox's: the X-Prometheus-Scrape-Timeout-Seconds
 * header less half a second, so the answer is there before Prometheus
 * gives up; without the header, HTTP_PROBE_DEFAULT_MS. Names are resolved
 * in a child (dns_probe), never on the loop; IPv6 is preferred, as
 * blackbox's default preferred_ip_protocol.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include "page.h"
#include "probe.h"

#define HTTP_PROBE_DEFAULT_MS 10000
#define HTTP_PROBE_OFFSET_MS 500   /* blackbox's timeout offset */
#define HTTP_PROBE_MAX_MS 120000

static const struct probe_module *const modules[] = { &probe_icmp, &probe_tcp, &probe_web };

int64_t probe_left_ms(const struct probe *p)
{
	int64_t left = (p->deadline_us - nh_now_us()) / 1000;

	return left > 0 ? left : 1;
}

void probe_gauge(struct probe_out *out, const char *name, const char *help, const char *labels,
		 double v)
{
	char num[40];

	if (!out->last || strcmp(out->last, name) != 0)
		fprintf(out->f, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
	out->last = name;
	if (isnan(v)) {
		snprintf(num, sizeof(num), "NaN");
	} else {
		snprintf(num, sizeof(num), "%.15g", v);
		if (strtod(num, NULL) != v)
			snprintf(num, sizeof(num), "%.17g", v);
	}
	if (labels)
		fprintf(out->f, "%s{%s} %s\n", name, labels, num);
	else
		fprintf(out->f, "%s %s\n", name, num);
}

/* FNV-1a over the address bytes (4 for IPv4, 16 for IPv6): the value
 * blackbox answers, so a dashboard that watches it for changes keeps
 * working. */
static uint32_t addr_hash(const nh_addr *a)
{
	const uint8_t *b = icmp_addr_bytes(a);
	size_t n = a->u.sa.sa_family == AF_INET ? 4 : 16;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 16777619u;
	}
	return h;
}

static char *render(struct probe *p, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	struct probe_out out = { .f = f };

	if (!f)
		return NULL;
	probe_gauge(&out, "probe_dns_lookup_time_seconds", "Time taken to resolve the target, seconds",
		    NULL, p->dns_s);
	probe_gauge(&out, "probe_duration_seconds", "How long the probe took, seconds", NULL,
		    (double)(nh_now_us() - p->start_us) / 1e6);
	p->mod->render(p, &out);
	if (p->have_addr) {
		probe_gauge(&out, "probe_ip_addr_hash",
			    "FNV-1a hash of the address probed (to see when it changes)", NULL,
			    (double)addr_hash(&p->addr));
		probe_gauge(&out, "probe_ip_protocol", "IP version probed: 4 or 6", NULL,
			    p->addr.u.sa.sa_family == AF_INET6 ? 6 : 4);
	}
	probe_gauge(&out, "probe_success", "1 when the probe succeeded, else 0", NULL, p->success);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void probe_free(struct probe *p)
{
	nh_timer_del(p->deadline);
	dns_probe_cancel(p->dns);
	free(p);
}

static void probe_log_add(struct probe *p)
{
	struct http *h = p->h;
	struct http_probe_log *e = &h->probe_log[h->probe_log_next];

	*e = (struct http_probe_log){ .at = time(NULL), .success = p->success,
				      .seconds = (double)(nh_now_us() - p->start_us) / 1e6 };
	snprintf(e->module, sizeof(e->module), "%s", p->mod->name);
	/* The page shows the first 127 and 159 characters: enough to tell. */
	snprintf(e->target, sizeof(e->target), "%.127s", p->target);
	if (!p->success)
		snprintf(e->error, sizeof(e->error), "%.159s", p->error[0] ? p->error : "no answer in time");
	h->probe_log_next = (h->probe_log_next + 1) % HTTP_PROBE_LOG;
	if (h->probe_log_count < HTTP_PROBE_LOG)
		h->probe_log_count++;
}

struct json_object *probe_log_json(struct http *h)
{
	struct json_object *list = json_object_new_array();

	for (unsigned int i = 0; list && i < h->probe_log_count; i++) {
		const struct http_probe_log *e =
			&h->probe_log[(h->probe_log_next + HTTP_PROBE_LOG - 1 - i) % HTTP_PROBE_LOG];
		struct json_object *o = json_object_new_object();
		char when[32];
		struct tm tm;
		time_t t = (time_t)e->at;
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		nh_json_add_str(o, "at", when);
		nh_json_add_str(o, "module", e->module);
		nh_json_add_str(o, "target", e->target);
		nh_json_add_bool(o, "success", e->success);
		nh_json_add_double(o, "seconds", e->seconds);
		if (e->error[0])
			nh_json_add_str(o, "error", e->error);
		json_object_array_add(list, o);
	}
	return list;
}

void probe_done(struct probe *p)
{
	size_t len = 0;

	probe_log_add(p);

	nh_timer_del(p->deadline);
	p->deadline = NULL;
	if (!p->success)
		nh_debug(p->h->ctx, "probe %s %s failed: %s", p->mod->name, p->target,
			 p->error[0] ? p->error : "no answer in time");
	char *body = render(p, &len);
	struct http_req *r = p->req;
	probe_free(p);
	http_req_finish(r, 200, "text/plain; version=0.0.4; charset=utf-8", body, len);
}

void probe_fail(struct probe *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->error, sizeof(p->error), fmt, ap);
	va_end(ap);
	p->success = 0;
}

/* The request went first (client gone, instance stopping). */
static void probe_cancel(struct http_req *r)
{
	struct probe *p = r->job;

	if (p->engine)
		p->mod->cancel(p);
	probe_free(p);
}

static int64_t probe_expired(nh_loop *loop, void *arg)
{
	struct probe *p = arg;

	(void)loop;
	p->deadline = NULL;
	if (p->engine)
		p->mod->cancel(p);
	p->engine = NULL;
	if (p->dns) {
		p->dns_s = (double)(nh_now_us() - p->start_us) / 1e6;
		probe_fail(p, "name not resolved in time");
	} else if (!p->error[0]) {
		probe_fail(p, "timed out");
	}
	p->success = 0;
	probe_done(p);
	return NH_TIMER_STOP;
}

static void start_module(struct probe *p)
{
	if (p->mod->start(p) < 0)
		probe_done(p);
}

/* An address of a resolver's answer: the first IPv6 one, else the first. */
static void resolved(const struct dns_probe_result *res, void *arg)
{
	struct probe *p = arg;
	nh_error err;

	p->dns = NULL;
	p->dns_s = (double)(nh_now_us() - p->start_us) / 1e6;
	if (!res->ok || res->naddrs == 0) {
		probe_fail(p, "cannot resolve: %s", res->error);
		probe_done(p);
		return;
	}
	int pick = 0;
	for (int i = 0; i < res->naddrs; i++)
		if (strchr(res->addrs[i], ':')) {
			pick = i;
			break;
		}
	if (nh_addr_parse(res->addrs[pick], p->port, &p->addr, &err) < 0) {
		probe_fail(p, "%s", err.msg);
		probe_done(p);
		return;
	}
	p->have_addr = 1;
	start_module(p);
}

/* Resolve p->target (a host, or host:port): at once for an address,
 * through a child for a name. */
static void resolve(struct probe *p)
{
	char *host = p->host;
	int port = 0;
	nh_error err;

	if (p->mod->host_of) {
		if (p->mod->host_of(p, host, sizeof(p->host), &port) < 0) {
			probe_done(p);
			return;
		}
	} else if (nh_hostport_split(p->target, host, sizeof(p->host), p->mod->need_port ? -1 : 0,
				     &port, &err) < 0) {
		probe_fail(p, "%s", err.msg);
		probe_done(p);
		return;
	}
	p->port = port;
	if (nh_addr_parse(host, port, &p->addr, &err) == 0) {
		p->have_addr = 1;
		p->dns_s = (double)(nh_now_us() - p->start_us) / 1e6;
		start_module(p);
		return;
	}
	if (!(p->dns = dns_probe_start(nh_ctx_loop(p->h->ctx), host, resolved, p))) {
		probe_fail(p, "cannot resolve %s: %s", host, strerror(errno));
		probe_done(p);
	}
}

/* blackbox's timeout: the scrape's own less the offset; a bad header
 * is an error, as there. */
static int probe_timeout_ms(struct MHD_Connection *conn, int64_t *ms)
{
	const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						    "X-Prometheus-Scrape-Timeout-Seconds");
	char *end;

	*ms = HTTP_PROBE_DEFAULT_MS;
	if (!v)
		return 0;
	double s = strtod(v, &end);
	if (end == v || *end || !(s > 0) || s > HTTP_PROBE_MAX_MS / 1000)
		return -EINVAL;
	*ms = (int64_t)(s * 1000) - HTTP_PROBE_OFFSET_MS;
	if (*ms < HTTP_PROBE_OFFSET_MS)
		*ms = (int64_t)(s * 1000) / 2; /* a short scrape: half of it */
	if (*ms < 1)
		*ms = 1;
	return 0;
}

enum MHD_Result http_probe(struct http_req *r)
{
	struct http *h = r->h;
	const char *target = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "target");
	const char *module = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "module");
	const struct probe_module *mod = NULL;
	char text[700];
	int64_t timeout_ms;

	if (!target || !*target)
		return http_text(h, r->conn, MHD_HTTP_BAD_REQUEST, "Target parameter is missing\n");
	if (!module || !*module)
		module = "http_2xx"; /* blackbox's default */
	for (size_t i = 0; i < sizeof(modules) / sizeof(*modules); i++)
		if (strcmp(modules[i]->name, module) == 0)
			mod = modules[i];
	if (!mod) {
		snprintf(text, sizeof(text), "Unknown module \"%.200s\" (icmp, tcp_connect, http_2xx)\n",
			 module);
		return http_text(h, r->conn, MHD_HTTP_BAD_REQUEST, text);
	}
	if (strlen(target) >= sizeof(((struct probe *)0)->target))
		return http_text(h, r->conn, MHD_HTTP_BAD_REQUEST, "target too long\n");
	if (probe_timeout_ms(r->conn, &timeout_ms) < 0)
		return http_text(h, r->conn, MHD_HTTP_BAD_REQUEST,
				 "X-Prometheus-Scrape-Timeout-Seconds is not a number of seconds "
				 "(0-120)\n");
	struct probe *p = calloc(1, sizeof(*p));
	if (!p)
		return http_reply(h, r->conn, 500, HTTP_TEXT, NULL, 0);
	p->h = h;
	p->req = r;
	p->mod = mod;
	p->hop_limit = -1;
	snprintf(p->target, sizeof(p->target), "%s", target);
	p->start_us = nh_now_us();
	p->deadline_us = p->start_us + timeout_ms * 1000;
	if (!(p->deadline = nh_timer_add(nh_ctx_loop(h->ctx), timeout_ms, probe_expired, p))) {
		free(p);
		return http_reply(h, r->conn, 500, HTTP_TEXT, NULL, 0);
	}
	http_req_begin(r, probe_cancel, p);
	if (mod->resolve)
		resolve(p);
	else
		start_module(p);
	return http_req_wait(r);
}
