# ipv6 tests: the prefix table (Check), the CLI in a namespace of its own.
check_PROGRAMS += tests/ipv6/test_ipv6_prefix
tests_ipv6_test_ipv6_prefix_SOURCES = tests/ipv6/test_ipv6_prefix.c plugins/ipv6/ipv6_prefix.c
tests_ipv6_test_ipv6_prefix_CFLAGS = $(CHECK_TEST_CFLAGS)
tests_ipv6_test_ipv6_prefix_LDADD = $(CHECK_TEST_LDADD)
TESTS += tests/ipv6/test_ipv6_prefix tests/ipv6/test_ipv6_cli.sh
EXTRA_DIST += tests/ipv6/test_ipv6_cli.sh
