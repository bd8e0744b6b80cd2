# forward tests: real sockets on loopback, driven by tests/forward/fwdtool.py.
TESTS += tests/forward/test_forward_relay.sh tests/forward/test_forward_policy.sh \
	tests/forward/test_forward_cli.sh
EXTRA_DIST += tests/forward/test_forward_relay.sh tests/forward/test_forward_policy.sh \
	tests/forward/test_forward_cli.sh tests/forward/common.sh tests/forward/fwdtool.py
