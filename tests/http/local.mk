# The SDK's metrics (Check), promtool on their output, the http plugin.
check_PROGRAMS += tests/http/test_metrics
tests_http_test_metrics_SOURCES = tests/http/test_metrics.c
tests_http_test_metrics_CFLAGS = $(CHECK_TEST_CFLAGS) -I$(top_srcdir)/sdk
tests_http_test_metrics_LDADD = $(CHECK_TEST_LDADD) -lm
TESTS += tests/http/test_metrics tests/http/test_metrics_promtool.sh
EXTRA_DIST += tests/http/test_metrics_promtool.sh
TESTS += tests/http/test_http.sh
EXTRA_DIST += tests/http/test_http.sh
EXTRA_DIST += tests/http/responder.py tests/http/responder.sh
TESTS += tests/http/test_metrics_live.sh
EXTRA_DIST += tests/http/test_metrics_live.sh
TESTS += tests/http/test_metrics_ifaces.sh
EXTRA_DIST += tests/http/test_metrics_ifaces.sh
TESTS += tests/http/test_metrics_forward.sh
EXTRA_DIST += tests/http/test_metrics_forward.sh
TESTS += tests/http/test_http_limits.sh tests/http/test_http_raw.sh tests/http/test_http_lifecycle.sh \
	tests/http/test_probe_blackbox.sh tests/http/test_probe_prometheus.sh tests/http/test_page.sh
EXTRA_DIST += tests/http/test_http_limits.sh tests/http/test_http_raw.sh tests/http/test_http_lifecycle.sh \
	tests/http/test_probe_blackbox.sh tests/http/test_probe_prometheus.sh tests/http/test_page.sh
CLEANFILES += tests/http/page.png
