# The SDK as a plugin author meets it: the ABI the host accepts and
# refuses, and the exact list of what libnethost exports.
TESTS += tests/sdk/test_abi.sh tests/sdk/test_exported_symbols.sh
EXTRA_DIST += tests/sdk/test_abi.sh tests/sdk/test_exported_symbols.sh

# The stream helpers (listener, writer, client) and the CLI option
# parsers, on real sockets.
check_PROGRAMS += tests/sdk/test_sdk_stream tests/sdk/test_sdk_opts
tests_sdk_test_sdk_stream_SOURCES = tests/sdk/test_sdk_stream.c
tests_sdk_test_sdk_stream_CFLAGS = $(CHECK_TEST_CFLAGS)
tests_sdk_test_sdk_stream_LDADD = $(CHECK_TEST_LDADD)
tests_sdk_test_sdk_opts_SOURCES = tests/sdk/test_sdk_opts.c
tests_sdk_test_sdk_opts_CFLAGS = $(CHECK_TEST_CFLAGS)
tests_sdk_test_sdk_opts_LDADD = $(CHECK_TEST_LDADD)
TESTS += tests/sdk/test_sdk_stream tests/sdk/test_sdk_opts

# The SDK's unit suites (Check).
check_PROGRAMS += tests/sdk/test_sdk_addr tests/sdk/test_sdk_loop tests/sdk/test_sdk_conf \
	tests/sdk/test_sdk_checksum
tests_sdk_test_sdk_addr_SOURCES = tests/sdk/test_sdk_addr.c
tests_sdk_test_sdk_addr_CFLAGS = $(CHECK_TEST_CFLAGS)
tests_sdk_test_sdk_addr_LDADD = $(CHECK_TEST_LDADD)
tests_sdk_test_sdk_loop_SOURCES = tests/sdk/test_sdk_loop.c
tests_sdk_test_sdk_loop_CFLAGS = $(CHECK_TEST_CFLAGS)
tests_sdk_test_sdk_loop_LDADD = $(CHECK_TEST_LDADD)
tests_sdk_test_sdk_conf_SOURCES = tests/sdk/test_sdk_conf.c
tests_sdk_test_sdk_conf_CFLAGS = $(CHECK_TEST_CFLAGS)
tests_sdk_test_sdk_conf_LDADD = $(CHECK_TEST_LDADD)
tests_sdk_test_sdk_checksum_SOURCES = tests/sdk/test_sdk_checksum.c
tests_sdk_test_sdk_checksum_CFLAGS = $(CHECK_TEST_CFLAGS)
tests_sdk_test_sdk_checksum_LDADD = $(CHECK_TEST_LDADD)
TESTS += tests/sdk/test_sdk_addr tests/sdk/test_sdk_loop tests/sdk/test_sdk_conf \
	tests/sdk/test_sdk_checksum
