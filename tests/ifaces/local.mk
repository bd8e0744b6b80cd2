# ifaces tests: CLI output and exit codes, the ip -j oracle, the watcher;
# each in a network namespace of its own.
TESTS += tests/ifaces/test_ifaces_cli.sh tests/ifaces/test_ifaces_oracle.sh \
	tests/ifaces/test_ifaces_watch.sh tests/ifaces/test_ifaces_resync.sh
EXTRA_DIST += tests/ifaces/test_ifaces_cli.sh tests/ifaces/test_ifaces_oracle.sh \
	tests/ifaces/test_ifaces_watch.sh tests/ifaces/test_ifaces_resync.sh

# The SDK's rtnetlink decoders, on hand-built messages (libmnl builds them).
check_PROGRAMS += tests/ifaces/test_rtnl_parse
tests_ifaces_test_rtnl_parse_SOURCES = tests/ifaces/test_rtnl_parse.c
tests_ifaces_test_rtnl_parse_CFLAGS = $(CHECK_TEST_CFLAGS) $(MNL_CFLAGS)
tests_ifaces_test_rtnl_parse_LDADD = plugins/common/libnhrtnl.la $(CHECK_TEST_LDADD) $(MNL_LIBS)
TESTS += tests/ifaces/test_rtnl_parse
