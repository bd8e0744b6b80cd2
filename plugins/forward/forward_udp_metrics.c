/* A UDP forwarder's counters as metrics series, in the form of the TCP
 * ones (forward_metrics.c):
 *   nethost_forward_udp_sessions_total{result="opened"|"failed"|"closed"}
 *   nethost_forward_udp_sessions_active
 *   nethost_forward_udp_datagrams_total{direction="upstream"|"downstream"}
 *   nethost_forward_udp_bytes_total{direction="upstream"|"downstream"}
 *   nethost_forward_udp_dropped_total{reason="refused"|"full"|"empty"|"error"}
 * each with the plugin and instance labels the SDK adds. */
#include <stddef.h>
#include <string.h>

#include "forward_udp.h"

static const char sess_help[] = "UDP sessions (one per client address), by how they ended";
static const char dgram_help[] = "UDP datagrams relayed, by direction (upstream: client to upstream)";
static const char bytes_help[] = "UDP payload bytes relayed, by direction";
static const char drop_help[] = "UDP datagrams not relayed, by reason";

static const struct fwd_series series[] = {
	{ offsetof(struct fwd_udp_stats, opened), "nethost_forward_udp_sessions_total", sess_help, "result", "opened" },
	{ offsetof(struct fwd_udp_stats, failed), "nethost_forward_udp_sessions_total", sess_help, "result", "failed" },
	{ offsetof(struct fwd_udp_stats, closed), "nethost_forward_udp_sessions_total", sess_help, "result", "closed" },
	{ offsetof(struct fwd_udp_stats, dgrams_up), "nethost_forward_udp_datagrams_total", dgram_help, "direction", "upstream" },
	{ offsetof(struct fwd_udp_stats, dgrams_down), "nethost_forward_udp_datagrams_total", dgram_help, "direction", "downstream" },
	{ offsetof(struct fwd_udp_stats, bytes_up), "nethost_forward_udp_bytes_total", bytes_help, "direction", "upstream" },
	{ offsetof(struct fwd_udp_stats, bytes_down), "nethost_forward_udp_bytes_total", bytes_help, "direction", "downstream" },
	{ offsetof(struct fwd_udp_stats, drop_refused), "nethost_forward_udp_dropped_total", drop_help, "reason", "refused" },
	{ offsetof(struct fwd_udp_stats, drop_full), "nethost_forward_udp_dropped_total", drop_help, "reason", "full" },
	{ offsetof(struct fwd_udp_stats, drop_empty), "nethost_forward_udp_dropped_total", drop_help, "reason", "empty" },
	{ offsetof(struct fwd_udp_stats, drop_error), "nethost_forward_udp_dropped_total", drop_help, "reason", "error" },
};

#define N_SERIES (sizeof(series) / sizeof(series[0]))

void fwd_udp_stats_init(struct fwd_udp_stats *st)
{
	_Static_assert(N_SERIES == sizeof(st->own) / sizeof(st->own[0]), "one own counter a series");
	memset(st, 0, sizeof(*st));
	fwd_series_init(st, series, N_SERIES, st->own);
	st->active_g = &st->own_active;
}

int fwd_udp_metrics_open(nh_ctx *ctx, struct fwd_udp_stats *st)
{
	return fwd_series_open(ctx, st, series, N_SERIES, "nethost_forward_udp_sessions_active",
			       "UDP sessions open now", st->active, &st->active_g);
}
