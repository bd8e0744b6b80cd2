# Fault and load tests of the host and the plugins (issue 8).
HARDENING_TESTS = tests/hardening/test_backpressure.sh tests/hardening/test_fd_exhaustion.sh \
	tests/hardening/test_sighup_storm.sh tests/hardening/test_sigterm_load.sh \
	tests/hardening/test_create_fail.sh tests/hardening/test_soak.sh \
	tests/hardening/test_http_fd_exhaustion.sh tests/hardening/test_config_paths.sh
TESTS += $(HARDENING_TESTS)
EXTRA_DIST += $(HARDENING_TESTS) tests/hardening/hardening.sh tests/hardening/load.py \
	tests/hardening/README.md bench/soak.sh
