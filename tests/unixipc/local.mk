# unixipc tests.
TESTS += tests/unixipc/test_unixipc.sh tests/unixipc/test_unixipc_perm.sh tests/unixipc/test_unixipc_args.sh
TESTS += tests/unixipc/test_unixipc_json.sh
EXTRA_DIST += tests/unixipc/test_unixipc_json.sh
EXTRA_DIST += tests/unixipc/test_unixipc.sh tests/unixipc/test_unixipc_perm.sh tests/unixipc/test_unixipc_args.sh
# The echo engine (plugins/common/echo.c) that unixipc and echo6 share.
check_PROGRAMS += tests/unixipc/test_echo_pool
tests_unixipc_test_echo_pool_SOURCES = tests/unixipc/test_echo_pool.c
tests_unixipc_test_echo_pool_CFLAGS = $(CHECK_TEST_CFLAGS)
tests_unixipc_test_echo_pool_LDADD = plugins/common/libnhecho.la $(CHECK_TEST_LDADD)
TESTS += tests/unixipc/test_echo_pool
