/* Metrics: counters and gauges with labels, rendered in the Prometheus
 * text exposition format (version 0.0.4) by whoever serves them (the
 * http plugin's /metrics).
 *
 * A plugin creates its series in start() through its context; each gets
 * the labels plugin="..." and instance="..." by itself, then the pairs
 * given. The plugin keeps the returned pointer and updates it on the hot
 * path: an update is one inline add to a number the plugin points at (the
 * host is single-threaded, no atomics). Series are removed when the
 * instance's context goes away (after destroy()), or earlier with
 * nh_counter_del() / nh_gauge_del(); the pointer is invalid after that.
 *
 *     st->accepted = nh_counter_new(ctx, "nethost_forward_connections_total",
 *                                   "Connections accepted", "result", "ok", NULL);
 *     ...
 *     nh_counter_inc(st->accepted);
 *
 * Names follow Prometheus: metric names [a-zA-Z_:][a-zA-Z0-9_:]*, counter
 * names end in "_total"; label names [a-zA-Z_][a-zA-Z0-9_]*, not starting
 * with "__", not "plugin" or "instance". Series of one name share one
 * type and help text (the first one given).
 */
#ifndef NETHOST_METRICS_H
#define NETHOST_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include <nethost/ctx.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The value is the only public field; the rest of the series lives
 * behind it in the SDK. */
typedef struct nh_counter {
	uint64_t value;
} nh_counter;

typedef struct nh_gauge {
	double value;
} nh_gauge;

/* A new series of counter `name` with label pairs (name, value, ...,
 * NULL; at most 16 pairs). NULL with errno set: EINVAL for a bad name,
 * label or help, or a name registered with another type (each reported through the log with
 * the text quoted); EEXIST when this name and label set already exist;
 * ENOMEM. The value starts at 0. */
nh_counter *nh_counter_new(const nh_ctx *ctx, const char *name, const char *help, ...)
	__attribute__((sentinel));
nh_gauge *nh_gauge_new(const nh_ctx *ctx, const char *name, const char *help, ...)
	__attribute__((sentinel));
/* Remove one series now. NULL is ignored. */
void nh_counter_del(nh_counter *c);
void nh_gauge_del(nh_gauge *g);

static inline void nh_counter_add(nh_counter *c, uint64_t n)
{
	c->value += n;
}

static inline void nh_counter_inc(nh_counter *c)
{
	c->value++;
}

static inline void nh_gauge_set(nh_gauge *g, double v)
{
	g->value = v;
}

static inline void nh_gauge_add(nh_gauge *g, double d)
{
	g->value += d;
}

/* 2.1: a histogram series. Each observation lands in the first bucket
 * whose upper bound it does not exceed (bounds: n_bounds finite values,
 * strictly ascending, copied; 1 to NH_HISTOGRAM_MAX_BUCKETS; +Inf is
 * added); the exposition has name_bucket{...,le="B"} (cumulative),
 * name_sum and name_count under one "# TYPE name histogram". The name
 * does not end in _total, _bucket, _sum or _count; "le" is not a label.
 * Labels, errors and lifetime as nh_counter_new(). Opaque: observe
 * through nh_histogram_observe(), which is a function call (a binary
 * search over the bounds), not an inline add. */
#define NH_HISTOGRAM_MAX_BUCKETS 64
typedef struct nh_histogram nh_histogram;
nh_histogram *nh_histogram_new(const nh_ctx *ctx, const char *name, const char *help,
			       const double *bounds, size_t n_bounds, ...) __attribute__((sentinel));
/* Count one observation; NaN is ignored. */
void nh_histogram_observe(nh_histogram *h, double v);
void nh_histogram_del(nh_histogram *h);

/* Every series of the process (all instances), in the text format:
 * families sorted by name, a # HELP and # TYPE line each, series in
 * creation order. For plugins that serve metrics (the http plugin's
 * /metrics). One malloc'd NUL-terminated string (free it); *len gets its
 * length when len is not NULL. NULL with errno set. */
char *nh_metrics_text(const nh_ctx *ctx, size_t *len);
/* The same without the series that carry the label `label` (a family
 * left with none is left out whole): what a status page reads for its
 * instances' counters, without a sweep's thousand per-target series
 * ("target"). label NULL: every series. 2.1. */
char *nh_metrics_text_without(const nh_ctx *ctx, const char *label, size_t *len);

#ifdef __cplusplus
}
#endif
#endif
