/* The forwarder's counters as metrics series:
 *   nethost_forward_connections_total{result="accepted"|"refused"|"failed"|"closed"}
 *   nethost_forward_connections_active
 *   nethost_forward_bytes_total{direction="upstream"|"downstream"}
 *   nethost_forward_accept_pauses_total   (out of file descriptors)
 *   nethost_forward_tls_handshakes_total{result="ok"|"failed"}
 *   nethost_forward_http_bad_requests_total
 * each with the plugin and instance labels the SDK adds. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "forward.h"

static const char conns_help[] = "Client connections, by what became of them";
static const char tls_help[] = "TLS handshakes, either side, by result (failed: verification included)";
static const char bytes_help[] = "Bytes relayed, by direction (upstream: client to upstream)";

static const struct fwd_series series[] = {
	{ offsetof(struct fwd_stats, accepted), "nethost_forward_connections_total", conns_help, "result", "accepted" },
	{ offsetof(struct fwd_stats, refused), "nethost_forward_connections_total", conns_help, "result", "refused" },
	{ offsetof(struct fwd_stats, failed), "nethost_forward_connections_total", conns_help, "result", "failed" },
	{ offsetof(struct fwd_stats, closed), "nethost_forward_connections_total", conns_help, "result", "closed" },
	{ offsetof(struct fwd_stats, bytes_up), "nethost_forward_bytes_total", bytes_help, "direction", "upstream" },
	{ offsetof(struct fwd_stats, bytes_down), "nethost_forward_bytes_total", bytes_help, "direction", "downstream" },
	{ offsetof(struct fwd_stats, emfile), "nethost_forward_accept_pauses_total",
	  "Accept pauses for lack of file descriptors", NULL, NULL },
	{ offsetof(struct fwd_stats, tls_ok), "nethost_forward_tls_handshakes_total", tls_help, "result", "ok" },
	{ offsetof(struct fwd_stats, tls_failed), "nethost_forward_tls_handshakes_total", tls_help, "result", "failed" },
	{ offsetof(struct fwd_stats, http_bad), "nethost_forward_http_bad_requests_total",
	  "Requests refused with 400 (http_host: malformed request head)", NULL, NULL },
};

#define N_SERIES (sizeof(series) / sizeof(series[0]))

static nh_counter **slot(void *st, const struct fwd_series *t)
{
	return (nh_counter **)((char *)st + t->slot);
}

void fwd_series_init(void *st, const struct fwd_series *t, size_t n, nh_counter *own)
{
	for (size_t i = 0; i < n; i++)
		*slot(st, &t[i]) = &own[i];
}

int fwd_series_open(nh_ctx *ctx, void *st, const struct fwd_series *t, size_t n,
		    const char *name, const char *help, long active, nh_gauge **gauge)
{
	for (size_t i = 0; i < n; i++) {
		nh_counter **s = slot(st, &t[i]);
		nh_counter *c = t[i].label ? nh_counter_new(ctx, t[i].name, t[i].help, t[i].label,
							   t[i].value, NULL)
					   : nh_counter_new(ctx, t[i].name, t[i].help, NULL);
		if (!c)
			goto fail;
		c->value = (*s)->value;
		*s = c;
	}
	nh_gauge *g = nh_gauge_new(ctx, name, help, NULL);
	if (!g)
		goto fail;
	g->value = (double)active;
	*gauge = g;
	return 0;
fail:;
	/* start() fails: the series made so far go with the context. */
	int e = errno;
	nh_error(ctx, "cannot register metrics: %s", strerror(e));
	return -e;
}

void fwd_stats_init(struct fwd_stats *st)
{
	_Static_assert(N_SERIES == sizeof(st->own) / sizeof(st->own[0]), "one own counter a series");
	fwd_series_init(st, series, N_SERIES, st->own);
	st->active_g = &st->own_active;
}

int fwd_metrics_open(struct fwd *f)
{
	return fwd_series_open(f->ctx, &f->st, series, N_SERIES, "nethost_forward_connections_active",
			       "Client connections open now", f->st.active, &f->st.active_g);
}
