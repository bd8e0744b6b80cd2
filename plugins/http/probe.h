/* http plugin, private: /probe, one blackbox_exporter-style probe per
 * request, run on the loop while the request is suspended.
 * probe.c       the route: target, module, timeout, resolution, answer
 * probe_icmp.c  module icmp: one echo request
 * probe_tcp.c   module tcp_connect: one TCP handshake
 * probe_web.c   module http_2xx: one GET through libcurl
 */
#ifndef NETHOST_HTTP_PROBE_H
#define NETHOST_HTTP_PROBE_H

#include <stdio.h>

#include "http.h"
#include "icmp.h"

struct probe;

#define HTTP_PROBE_BUF (ICMP_MAX_LEN + 60) /* an ICMP message and its IP header */

/* The answer being written: families in name order, # HELP and # TYPE
 * once each. */
struct probe_out {
	FILE *f;
	const char *last;
};

/* What a module does with a probe: start it (0, or -errno after
 * probe_fail()), cancel it (no answer), and write its metrics. */
struct probe_module {
	const char *name;
	int resolve;  /* the target is a host (icmp) or host:port (tcp) to resolve first */
	int need_port;
	/* The host and port to resolve, when the target is not host:port
	 * (a URL); 0 or -errno after probe_fail(). */
	int (*host_of)(struct probe *p, char *host, size_t len, int *port);
	int (*start)(struct probe *p);
	void (*cancel)(struct probe *p);
	void (*render)(struct probe *p, struct probe_out *out); /* between
		probe_duration_seconds and probe_ip_addr_hash */
};

extern const struct probe_module probe_icmp, probe_tcp, probe_web;

struct probe {
	struct http *h;
	struct http_req *req;
	const struct probe_module *mod;
	char target[512];
	int64_t start_us, deadline_us;
	nh_timer *deadline;
	struct dns_probe *dns;
	void *engine;           /* the module's own state */

	/* Results, for render(). */
	int success;
	char error[256];        /* why not, for the log */
	double dns_s;           /* name resolution */
	int port;               /* of host:port, while a name resolves */
	char host[256];         /* the name or address resolved */
	nh_addr addr;           /* what was probed, when resolved */
	int have_addr;
	/* icmp */
	double setup_s, rtt_s;
	int hop_limit;          /* -1 unknown */
	/* http_2xx */
	struct http_probe_result web;
	int web_done;
};

/* probe.c */
/* Milliseconds left before the deadline (at least 1 ms). */
int64_t probe_left_ms(const struct probe *p);
/* The probe has ended (success set or not): answer and free it. */
void probe_done(struct probe *p);
__attribute__((format(printf, 2, 3)))
void probe_fail(struct probe *p, const char *fmt, ...);
/* One gauge line (labels: `phase="rtt"` or NULL), its # HELP and
 * # TYPE first when name is new. */
void probe_gauge(struct probe_out *out, const char *name, const char *help, const char *labels,
		 double v);

#endif
