# forward tests: a unit suite on the plugin's config/ACL code, and real
# sockets on loopback driven by tests/forward/fwdtool.py.
check_PROGRAMS += tests/forward/test_forward_conf tests/forward/test_forward_proxy
tests_forward_test_forward_proxy_SOURCES = tests/forward/test_forward_proxy.c \
	plugins/forward/forward_proxy.c plugins/forward/forward_proxy.h
tests_forward_test_forward_proxy_CFLAGS = $(CHECK_TEST_CFLAGS)
tests_forward_test_forward_proxy_LDADD = $(CHECK_TEST_LDADD)
tests_forward_test_forward_conf_SOURCES = tests/forward/test_forward_conf.c \
	plugins/forward/forward_conf.c plugins/forward/forward.h
tests_forward_test_forward_conf_CFLAGS = $(CHECK_TEST_CFLAGS)
tests_forward_test_forward_conf_LDADD = $(CHECK_TEST_LDADD) $(SSL_LIBS)
TESTS += tests/forward/test_forward_conf tests/forward/test_forward_proxy tests/forward/test_forward_relay.sh \
	tests/forward/test_forward_policy.sh tests/forward/test_forward_cli.sh \
	tests/forward/test_forward_proxyproto.sh tests/forward/test_forward_balance.sh tests/forward/test_forward_checks.sh \
	tests/forward/test_forward_reload.sh tests/forward/test_forward_tls.sh
EXTRA_DIST += tests/forward/test_forward_relay.sh tests/forward/test_forward_policy.sh \
	tests/forward/test_forward_cli.sh tests/forward/common.sh tests/forward/fwdtool.py \
	tests/forward/test_forward_proxyproto.sh tests/forward/proxytool.py \
	tests/forward/test_forward_balance.sh tests/forward/test_forward_checks.sh tests/forward/pooltool.py \
	tests/forward/test_forward_reload.sh tests/forward/test_forward_tls.sh \
	tests/forward/tlstool.py tests/forward/mkcerts.sh
# UDP (protocol = udp), driven by tests/forward/udptool.py.
TESTS += tests/forward/test_forward_udp.sh
EXTRA_DIST += tests/forward/test_forward_udp.sh tests/forward/udptool.py
