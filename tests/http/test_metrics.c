/* SDK metrics: names and labels checked, the exact exposition text,
 * series tied to their context. With NH_METRICS_SAMPLE=FILE set, the
 * sample exposition is also written there (test_metrics_promtool.sh
 * hands it to promtool). */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

static nh_ctx *fwd, *ping;

static void setup(void)
{
	host_log_set_level(NH_LOG_ERR - 1); /* the refusals below log; keep quiet */
	fwd = host_ctx_new(NULL, "forward", "web");
	ping = host_ctx_new(NULL, "icmp", "lan");
	ck_assert_ptr_nonnull(fwd);
	ck_assert_ptr_nonnull(ping);
}

static void teardown(void)
{
	host_ctx_free(fwd);
	host_ctx_free(ping);
	ck_assert_int_eq(host_metrics_count(), 0);
	host_log_set_level(NH_LOG_INFO);
}

static const char sample[] =
	"# HELP nethost_forward_bytes_total Bytes relayed, by direction\n"
	"# TYPE nethost_forward_bytes_total counter\n"
	"nethost_forward_bytes_total{plugin=\"forward\",instance=\"web\",direction=\"up\"} 1500\n"
	"nethost_forward_bytes_total{plugin=\"forward\",instance=\"web\",direction=\"down\"} 18446744073709551615\n"
	"# HELP nethost_forward_connections_active Connections open now\n"
	"# TYPE nethost_forward_connections_active gauge\n"
	"nethost_forward_connections_active{plugin=\"forward\",instance=\"web\"} 3\n"
	"# HELP nethost_icmp_probe_seconds Probe times\n"
	"# TYPE nethost_icmp_probe_seconds histogram\n"
	"nethost_icmp_probe_seconds_bucket{plugin=\"icmp\",instance=\"lan\",target=\"a\",le=\"1\"} 2\n"
	"nethost_icmp_probe_seconds_bucket{plugin=\"icmp\",instance=\"lan\",target=\"a\",le=\"2\"} 3\n"
	"nethost_icmp_probe_seconds_bucket{plugin=\"icmp\",instance=\"lan\",target=\"a\",le=\"4\"} 3\n"
	"nethost_icmp_probe_seconds_bucket{plugin=\"icmp\",instance=\"lan\",target=\"a\",le=\"+Inf\"} 4\n"
	"nethost_icmp_probe_seconds_sum{plugin=\"icmp\",instance=\"lan\",target=\"a\"} 11.5\n"
	"nethost_icmp_probe_seconds_count{plugin=\"icmp\",instance=\"lan\",target=\"a\"} 4\n"
	"# HELP nethost_icmp_rtt_seconds Last round-trip time \\\\ with a\\nnewline\n"
	"# TYPE nethost_icmp_rtt_seconds gauge\n"
	"nethost_icmp_rtt_seconds{plugin=\"icmp\",instance=\"lan\",target=\"a\\\"b\\\\c\\nd\"} 0.000125\n"
	"nethost_icmp_rtt_seconds{plugin=\"icmp\",instance=\"lan\",target=\"inf\"} +Inf\n"
	"nethost_icmp_rtt_seconds{plugin=\"icmp\",instance=\"lan\",target=\"nan\"} NaN\n"
	"nethost_icmp_rtt_seconds{plugin=\"icmp\",instance=\"lan\",target=\"tenth\"} 0.1\n";

START_TEST(exact_text)
{
	/* Registered out of name order: the output sorts families. */
	nh_gauge *rtt = nh_gauge_new(ping, "nethost_icmp_rtt_seconds",
				     "Last round-trip time \\ with a\nnewline", "target", "a\"b\\c\nd", NULL);
	nh_gauge *inf = nh_gauge_new(ping, "nethost_icmp_rtt_seconds", "ignored: first help wins",
				     "target", "inf", NULL);
	nh_gauge *nan_ = nh_gauge_new(ping, "nethost_icmp_rtt_seconds", "x", "target", "nan", NULL);
	nh_gauge *tenth = nh_gauge_new(ping, "nethost_icmp_rtt_seconds", "x", "target", "tenth", NULL);
	nh_counter *up = nh_counter_new(fwd, "nethost_forward_bytes_total",
					"Bytes relayed, by direction", "direction", "up", NULL);
	nh_counter *down = nh_counter_new(fwd, "nethost_forward_bytes_total", "x", "direction", "down",
					  NULL);
	nh_gauge *active = nh_gauge_new(fwd, "nethost_forward_connections_active",
					"Connections open now", NULL);
	static const double bounds[] = { 1, 2, 4 };
	nh_histogram *probe = nh_histogram_new(ping, "nethost_icmp_probe_seconds", "Probe times",
					       bounds, 3, "target", "a", NULL);

	ck_assert_ptr_nonnull(rtt);
	ck_assert_ptr_nonnull(inf);
	ck_assert_ptr_nonnull(nan_);
	ck_assert_ptr_nonnull(tenth);
	ck_assert_ptr_nonnull(up);
	ck_assert_ptr_nonnull(down);
	ck_assert_ptr_nonnull(active);
	ck_assert_ptr_nonnull(probe);
	ck_assert_int_eq(host_metrics_count(), 8);
	/* A bound is inclusive (le); NaN is not counted; past the last bound
	 * is +Inf only. */
	nh_histogram_observe(probe, 0.5);
	nh_histogram_observe(probe, 1);
	nh_histogram_observe(probe, 2);
	nh_histogram_observe(probe, NAN);
	nh_histogram_observe(probe, 8);

	nh_counter_add(up, 1000);
	nh_counter_add(up, 500);
	nh_counter_add(down, UINT64_MAX - 1);
	nh_counter_inc(down);
	nh_gauge_set(active, 5);
	nh_gauge_add(active, -2);
	nh_gauge_set(rtt, 0.000125);
	nh_gauge_set(inf, INFINITY);
	nh_gauge_set(nan_, NAN);
	nh_gauge_set(tenth, 0.1);

	size_t len;
	char *text = host_metrics_text(&len);
	ck_assert_ptr_nonnull(text);
	ck_assert_str_eq(text, sample);
	ck_assert_uint_eq(len, strlen(sample));
	const char *out = getenv("NH_METRICS_SAMPLE");
	if (out) {
		FILE *f = fopen(out, "w");
		ck_assert_ptr_nonnull(f);
		ck_assert_int_eq(host_metrics_write(f), 0);
		ck_assert_int_eq(fclose(f), 0);
	}
	free(text);
}
END_TEST

/* nh_metrics_text_without(): the series with the label go, and a family
 * left with none goes whole; a label value that looks like the label is
 * not taken for it. */
START_TEST(text_without_a_label)
{
	nh_counter *up = nh_counter_new(fwd, "nethost_forward_bytes_total", "Bytes", "direction",
					"up", NULL);
	nh_gauge *active = nh_gauge_new(fwd, "nethost_forward_connections_active", "Open", NULL);
	nh_gauge *rtt = nh_gauge_new(ping, "nethost_icmp_rtt_seconds", "RTT", "target", "a", NULL);
	nh_gauge *sneaky = nh_gauge_new(ping, "nethost_icmp_rtt_seconds", "RTT", "kind",
					"\",target=\"x", NULL);
	static const double bounds[] = { 1 };
	nh_histogram *probe = nh_histogram_new(ping, "nethost_icmp_probe_seconds", "Probe times",
					       bounds, 1, "target", "a", NULL);
	nh_counter *sweeps = nh_counter_new(ping, "nethost_icmp_sweeps_total", "Sweeps", NULL);

	ck_assert_ptr_nonnull(up);
	ck_assert_ptr_nonnull(active);
	ck_assert_ptr_nonnull(rtt);
	ck_assert_ptr_nonnull(sneaky);
	ck_assert_ptr_nonnull(probe);
	ck_assert_ptr_nonnull(sweeps);
	nh_counter_add(up, 7);
	nh_gauge_set(active, 2);
	nh_gauge_set(sneaky, 1);
	nh_counter_inc(sweeps);

	size_t len = 0;
	char *text = nh_metrics_text_without(fwd, "target", &len);
	ck_assert_ptr_nonnull(text);
	ck_assert_str_eq(text,
			 "# HELP nethost_forward_bytes_total Bytes\n"
			 "# TYPE nethost_forward_bytes_total counter\n"
			 "nethost_forward_bytes_total{plugin=\"forward\",instance=\"web\",direction=\"up\"} 7\n"
			 "# HELP nethost_forward_connections_active Open\n"
			 "# TYPE nethost_forward_connections_active gauge\n"
			 "nethost_forward_connections_active{plugin=\"forward\",instance=\"web\"} 2\n"
			 "# HELP nethost_icmp_rtt_seconds RTT\n"
			 "# TYPE nethost_icmp_rtt_seconds gauge\n"
			 "nethost_icmp_rtt_seconds{plugin=\"icmp\",instance=\"lan\",kind=\"\\\",target=\\\"x\"} 1\n"
			 "# HELP nethost_icmp_sweeps_total Sweeps\n"
			 "# TYPE nethost_icmp_sweeps_total counter\n"
			 "nethost_icmp_sweeps_total{plugin=\"icmp\",instance=\"lan\"} 1\n");
	ck_assert_uint_eq(len, strlen(text));
	free(text);
	/* NULL: every series, as nh_metrics_text(). */
	char *all = nh_metrics_text_without(ping, NULL, NULL), *same = nh_metrics_text(ping, NULL);
	ck_assert_ptr_nonnull(all);
	ck_assert_ptr_nonnull(same);
	ck_assert_str_eq(all, same);
	ck_assert_ptr_nonnull(strstr(all, "target=\"a\""));
	free(all);
	free(same);
	/* Every series of a family with the label: the family is not named. */
	text = nh_metrics_text_without(fwd, "direction", NULL);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_null(strstr(text, "nethost_forward_bytes_total"));
	ck_assert_ptr_nonnull(strstr(text, "nethost_forward_connections_active"));
	free(text);
	nh_counter_del(up);
	nh_gauge_del(active);
	nh_gauge_del(rtt);
	nh_gauge_del(sneaky);
	nh_histogram_del(probe);
	nh_counter_del(sweeps);
}
END_TEST

START_TEST(bad_names_refused)
{
	static const char *const bad[] = { "", "1abc", "a-b", "a b", "é", NULL };

	for (int i = 0; bad[i]; i++) {
		errno = 0;
		ck_assert_ptr_null(nh_gauge_new(fwd, bad[i], "help", NULL));
		ck_assert_int_eq(errno, EINVAL);
	}
	errno = 0;
	ck_assert_ptr_null(nh_gauge_new(fwd, NULL, "help", NULL));
	ck_assert_int_eq(errno, EINVAL);
	/* Counters end in _total; a colon is fine in metric names. */
	ck_assert_ptr_null(nh_counter_new(fwd, "nethost_bytes", "help", NULL));
	ck_assert_ptr_null(nh_counter_new(fwd, "_total", "help", NULL));
	nh_counter *c = nh_counter_new(fwd, "job:bytes_total", "help", NULL);
	ck_assert_ptr_nonnull(c);
	nh_counter_del(c);
	/* Help is required. */
	ck_assert_ptr_null(nh_gauge_new(fwd, "g", "", NULL));
	ck_assert_ptr_null(nh_gauge_new(fwd, "g", NULL, NULL));
	/* Label names: no colon, no __ prefix, not the automatic ones, a value. */
	static const char *const bad_labels[] = { "a:b", "__x", "plugin", "instance", "9", "", NULL };
	for (int i = 0; bad_labels[i]; i++) {
		errno = 0;
		ck_assert_ptr_null(nh_gauge_new(fwd, "g", "help", bad_labels[i], "v", NULL));
		ck_assert_int_eq(errno, EINVAL);
	}
	errno = 0;
	ck_assert_ptr_null(nh_gauge_new(fwd, "g", "help", "key", (char *)NULL, NULL));
	/* The key alone, then the sentinel: a label without a value. */
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(host_metrics_count(), 0);
	char *text = host_metrics_text(NULL);
	ck_assert_str_eq(text, "");
	free(text);
}
END_TEST

START_TEST(histograms_refused)
{
	static const double ok[] = { 0.001, 0.01 }, down[] = { 0.01, 0.001 }, same[] = { 1, 1 },
			    inf[] = { 1, INFINITY };

	errno = 0;
	ck_assert_ptr_null(nh_histogram_new(ping, "rtt_count", "h", ok, 2, NULL));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(nh_histogram_new(ping, "rtt_total", "h", ok, 2, NULL));
	ck_assert_ptr_null(nh_histogram_new(ping, "rtt_bucket", "h", ok, 2, NULL));
	ck_assert_ptr_null(nh_histogram_new(ping, "rtt_sum", "h", ok, 2, NULL));
	ck_assert_ptr_null(nh_histogram_new(ping, "rtt", "h", ok, 2, "le", "1", NULL));
	ck_assert_ptr_null(nh_histogram_new(ping, "rtt", "h", down, 2, NULL));
	ck_assert_ptr_null(nh_histogram_new(ping, "rtt", "h", same, 2, NULL));
	ck_assert_ptr_null(nh_histogram_new(ping, "rtt", "h", inf, 2, NULL));
	ck_assert_ptr_null(nh_histogram_new(ping, "rtt", "h", ok, 0, NULL));
	ck_assert_ptr_null(nh_histogram_new(ping, "rtt", "h", ok, NH_HISTOGRAM_MAX_BUCKETS + 1, NULL));
	ck_assert_int_eq(host_metrics_count(), 0);
	/* "le" is a label of counters and gauges as any other. */
	nh_gauge *g = nh_gauge_new(ping, "g", "h", "le", "x", NULL);
	ck_assert_ptr_nonnull(g);
	/* One name, one type. */
	ck_assert_ptr_null(nh_histogram_new(ping, "g", "h", ok, 2, NULL));
	nh_histogram *h = nh_histogram_new(ping, "rtt", "h", ok, 2, NULL);
	ck_assert_ptr_nonnull(h);
	errno = 0;
	ck_assert_ptr_null(nh_histogram_new(ping, "rtt", "h", ok, 2, NULL));
	ck_assert_int_eq(errno, EEXIST);
	nh_histogram_del(h);
	nh_gauge_del(g);
	ck_assert_int_eq(host_metrics_count(), 0);
}
END_TEST

START_TEST(duplicates_and_types)
{
	nh_counter *a = nh_counter_new(fwd, "x_total", "help", "k", "1", NULL);

	ck_assert_ptr_nonnull(a);
	errno = 0;
	ck_assert_ptr_null(nh_counter_new(fwd, "x_total", "help", "k", "1", NULL));
	ck_assert_int_eq(errno, EEXIST);
	/* Another instance: another series of the same family. */
	ck_assert_ptr_nonnull(nh_counter_new(ping, "x_total", "help", "k", "1", NULL));
	errno = 0;
	ck_assert_ptr_null(nh_gauge_new(fwd, "x_total", "help", NULL));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(host_metrics_count(), 2);
}
END_TEST

START_TEST(series_go_with_their_context)
{
	nh_ctx *tmp = host_ctx_new(NULL, "echo6", "e");
	nh_counter *keep = nh_counter_new(fwd, "shared_total", "help", NULL);

	ck_assert_ptr_nonnull(keep);
	for (int i = 0; i < 50; i++) {
		char v[8];
		snprintf(v, sizeof(v), "%d", i);
		ck_assert_ptr_nonnull(nh_counter_new(tmp, "shared_total", "help", "n", v, NULL));
		ck_assert_ptr_nonnull(nh_gauge_new(tmp, "only_tmp", "help", "n", v, NULL));
	}
	ck_assert_int_eq(host_metrics_count(), 101);
	host_ctx_free(tmp);
	ck_assert_int_eq(host_metrics_count(), 1);
	char *text = host_metrics_text(NULL);
	ck_assert_str_eq(text, "# HELP shared_total help\n# TYPE shared_total counter\n"
			       "shared_total{plugin=\"forward\",instance=\"web\"} 0\n");
	free(text);
	/* The same labels can be registered again once the old are gone. */
	nh_counter_del(keep);
	ck_assert_int_eq(host_metrics_count(), 0);
	ck_assert_ptr_nonnull(nh_counter_new(fwd, "shared_total", "help", NULL));
	nh_counter_del(NULL);
	nh_gauge_del(NULL);
}
END_TEST

START_TEST(cli_context_labels)
{
	static const struct nh_command cmd = { "ping", "ping HOST", "ping", NULL };
	nh_ctx *cli = host_ctx_new_cli(NULL, &cmd);
	nh_gauge *g = nh_gauge_new(cli, "g", "help", NULL);

	/* Whole values take the digits path, a sign included. */
	nh_gauge_set(g, -7);
	char *text = host_metrics_text(NULL);
	ck_assert_str_eq(text, "# HELP g help\n# TYPE g gauge\ng{plugin=\"ping\",instance=\"ping\"} -7\n");
	free(text);
	nh_gauge_set(g, -1.5e-300);
	text = host_metrics_text(NULL);
	ck_assert_str_eq(text, "# HELP g help\n# TYPE g gauge\ng{plugin=\"ping\",instance=\"ping\"} -1.5e-300\n");
	free(text);
	host_ctx_free(cli);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sdk_metrics");
	TCase *tc = tcase_create("metrics");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, exact_text);
	tcase_add_test(tc, text_without_a_label);
	tcase_add_test(tc, bad_names_refused);
	tcase_add_test(tc, histograms_refused);
	tcase_add_test(tc, duplicates_and_types);
	tcase_add_test(tc, series_go_with_their_context);
	tcase_add_test(tc, cli_context_labels);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);

	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
