/* The bucket bounds of the RTT histograms (rtt_buckets): icmp_service.c
 * gives each of the first ICMP_HIST_MAX_TARGETS targets an nh_histogram
 * with them (SDK 2.1), which the host renders on /metrics.
 *
 *   [icmp NAME]
 *   rtt_buckets = 50us 100us 250us 500us 1ms ... 10s     ; upper bounds
 */
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
