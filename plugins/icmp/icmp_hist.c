/* RTT histograms per target, and the control command that hands them to
 * whoever exposes metrics (the http plugin's /metrics renders them as
 * Prometheus histograms: the SDK's metrics API has counters and gauges
 * only, and a histogram family needs its own # TYPE line).
 *
 *   [icmp NAME]
 *   rtt_buckets = 50us 100us 250us 500us 1ms ... 10s     ; upper bounds
 *
 * Every answer of the first ICMP_HIST_MAX_TARGETS targets (swept hosts,
 * then URLs) is counted in its bucket; the rest are swept, logged and
 * have their gauges, but no histogram (bounded /metrics: 20 lines a
 * target with the default buckets). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "icmp.h"

static const double default_bounds[] = {
	50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3,
	100e-3, 250e-3, 500e-3, 1, 2.5, 5, 10,
};

/* "50us", "2.5ms", "1s", "0.25" (seconds): seconds, or -1. */
static double parse_bound(const char *text)
{
	char *end;
	double v = strtod(text, &end);

	if (end == text || !(v > 0))
		return -1;
	if (strcmp(end, "us") == 0)
		return v / 1e6;
	if (strcmp(end, "ms") == 0)
		return v / 1e3;
	if (strcmp(end, "s") == 0 || !*end)
		return v;
	return -1;
}

int icmp_hist_conf(const nh_section *sec, struct icmp_hist_conf *hc)
{
	int n = nh_conf_count(sec, "rtt_buckets"), bad = 0;

	hc->n = 0;
	if (n == 0) {
		memcpy(hc->bounds, default_bounds, sizeof(default_bounds));
		hc->n = (int)(sizeof(default_bounds) / sizeof(*default_bounds));
		return 0;
	}
	for (int i = 0; i < n; i++) {
		char *copy = strdup(nh_conf_value(sec, "rtt_buckets", i, NULL)), *save = NULL;
		if (!copy)
			return -ENOMEM;
		for (char *t = strtok_r(copy, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
			double b = parse_bound(t);
			if (b < 0) {
				bad = nh_conf_error_at(sec, "rtt_buckets", i,
						       "'%s' is not a duration (50us, 2.5ms, 1s)", t);
			} else if (hc->n == ICMP_HIST_MAX_BUCKETS) {
				bad = nh_conf_error_at(sec, "rtt_buckets", i, "more than %d buckets",
						       ICMP_HIST_MAX_BUCKETS);
				break;
			} else if (hc->n && b <= hc->bounds[hc->n - 1]) {
				bad = nh_conf_error_at(sec, "rtt_buckets", i,
						       "'%s' is not above the bucket before it", t);
			} else {
				hc->bounds[hc->n++] = b;
			}
		}
		free(copy);
	}
	if (!bad && hc->n == 0)
		bad = nh_conf_error(sec, "rtt_buckets", "empty");
	return bad ? -EINVAL : 0;
}

void icmp_hist_observe(const struct icmp_hist_conf *hc, struct icmp_hist *h, double seconds)
{
	int i = 0;

	while (i < hc->n && seconds > hc->bounds[i])
		i++;
	h->counts[i]++; /* i == n: above the last bound, +Inf only */
	h->sum += seconds;
	h->count++;
}

/* The reply: one family, cumulative counts as Prometheus wants them.
 *   {"families": [{"name", "help", "bounds": [...], "total", "series":
 *     [{"labels": {"target": T}, "buckets": [cumulative...], "sum", "count"}]}]} */
struct hist_walk {
	struct json_object *series;
};

static void add_series(const char *target, const struct icmp_hist_conf *hc,
		       const struct icmp_hist *h, void *arg)
{
	struct hist_walk *w = arg;
	struct json_object *o = json_object_new_object(), *labels = json_object_new_object(),
			   *buckets = json_object_new_array();
	uint64_t cum = 0;

	nh_json_add_str(labels, "target", target);
	for (int i = 0; i < hc->n; i++) {
		cum += h->counts[i];
		json_object_array_add(buckets, json_object_new_int64((int64_t)cum));
	}
	json_object_object_add(o, "labels", labels);
	json_object_object_add(o, "buckets", buckets);
	nh_json_add_double(o, "sum", h->sum);
	nh_json_add_int(o, "count", (int64_t)h->count);
	json_object_array_add(w->series, o);
}

int icmp_ctl_histograms(void *state, int argc, char **argv, nh_ctl_reply *reply)
{
	struct json_object *o = nh_ctl_reply_json(reply), *fams = json_object_new_array(),
			   *fam = json_object_new_object(), *bounds = json_object_new_array();
	struct hist_walk w = { .series = json_object_new_array() };
	size_t total = 0;

	if (argc > 1 || !fams || !fam || !bounds || !w.series) {
		json_object_put(fams);
		json_object_put(fam);
		json_object_put(bounds);
		json_object_put(w.series);
		return argc > 1 ? nh_ctl_fail(reply, NH_EXIT_USAGE, "%s takes no arguments", argv[0])
				: nh_ctl_fail(reply, NH_EXIT_FAIL, "out of memory");
	}
	const struct icmp_hist_conf *hc = icmp_service_each_hist(state, add_series, &w, &total);
	for (int i = 0; i < hc->n; i++)
		json_object_array_add(bounds, json_object_new_double(hc->bounds[i]));
	nh_json_add_str(fam, "name", "nethost_icmp_rtt_seconds");
	nh_json_add_str(fam, "help", "Round-trip times of the answers (ICMP echo; a URL's whole 2xx answer)");
	json_object_object_add(fam, "bounds", bounds);
	nh_json_add_int(fam, "total", (int64_t)total);
	json_object_object_add(fam, "series", w.series);
	json_object_array_add(fams, fam);
	json_object_object_add(o, "families", fams);
	return NH_EXIT_OK;
}
