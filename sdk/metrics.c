/* Metrics for plugins: series are created in the host's registry through
 * the context; the plugin keeps a pointer to the value and updates it
 * inline (metrics.h). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>

#include "nh_internal.h"

#define MAX_LABEL_PAIRS 16

/* The label pairs of a call into pairs (NULL-terminated). 0, or -1 with
 * errno set and the reason logged. */
static int collect_labels(const nh_ctx *ctx, const char *name, va_list ap,
			  const char *pairs[2 * MAX_LABEL_PAIRS + 1])
{
	int n = 0;

	for (;;) {
		const char *key = va_arg(ap, const char *);
		if (!key)
			break;
		if (n == 2 * MAX_LABEL_PAIRS) {
			nh_logf(ctx, NH_LOG_ERR, "metric %s: more than %d labels", name, MAX_LABEL_PAIRS);
			errno = EINVAL;
			return -1;
		}
		pairs[n++] = key;
		pairs[n++] = va_arg(ap, const char *);
	}
	pairs[n] = NULL;
	return 0;
}

static void *series_new(const nh_ctx *ctx, int type, const char *name, const char *help,
			va_list ap)
{
	const char *pairs[2 * MAX_LABEL_PAIRS + 1];

	if (collect_labels(ctx, name, ap, pairs) < 0)
		return NULL;
	if (!ctx || !ctx->ops || !ctx->ops->series_new) {
		errno = ENOSYS;
		return NULL;
	}
	return ctx->ops->series_new(ctx, type, name, help, pairs);
}

nh_counter *nh_counter_new(const nh_ctx *ctx, const char *name, const char *help, ...)
{
	va_list ap;

	va_start(ap, help);
	struct nh_series_head *s = series_new(ctx, NH_SERIES_COUNTER, name, help, ap);
	va_end(ap);
	return s ? &s->v.counter : NULL;
}

nh_gauge *nh_gauge_new(const nh_ctx *ctx, const char *name, const char *help, ...)
{
	va_list ap;

	va_start(ap, help);
	struct nh_series_head *s = series_new(ctx, NH_SERIES_GAUGE, name, help, ap);
	va_end(ap);
	return s ? &s->v.gauge : NULL;
}

nh_histogram *nh_histogram_new(const nh_ctx *ctx, const char *name, const char *help,
			       const double *bounds, size_t n_bounds, ...)
{
	const char *pairs[2 * MAX_LABEL_PAIRS + 1];
	va_list ap;

	va_start(ap, n_bounds);
	int r = collect_labels(ctx, name, ap, pairs);
	va_end(ap);
	if (r < 0)
		return NULL;
	if (!ctx || !ctx->ops || !ctx->ops->histogram_new) {
		errno = ENOSYS;
		return NULL;
	}
	struct nh_series_head *s = ctx->ops->histogram_new(ctx, name, help, bounds, n_bounds, pairs);
	return s ? &s->v.histogram : NULL;
}

void nh_histogram_observe(nh_histogram *h, double v)
{
	if (v != v)
		return;
	/* The first bound not below v; past them all is the +Inf bucket. */
	size_t lo = 0, hi = h->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (h->bounds[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	h->counts[lo]++;
	h->count++;
	h->sum += v;
}

static void series_del(void *series)
{
	struct nh_series_head *s = series;

	if (s)
		s->owner->ops->series_del(s);
}

void nh_counter_del(nh_counter *c)
{
	series_del(c);
}

void nh_gauge_del(nh_gauge *g)
{
	series_del(g);
}

void nh_histogram_del(nh_histogram *h)
{
	series_del(h);
}

char *nh_metrics_text(const nh_ctx *ctx, size_t *len)
{
	if (!ctx || !ctx->ops || !ctx->ops->metrics_text) {
		errno = ENOSYS;
		return NULL;
	}
	return ctx->ops->metrics_text(ctx, len);
}

char *nh_metrics_text_without(const nh_ctx *ctx, const char *label, size_t *len)
{
	if (!ctx || !ctx->ops || !ctx->ops->metrics_text_without) {
		errno = ENOSYS;
		return NULL;
	}
	return ctx->ops->metrics_text_without(ctx, label, len);
}
