# unixipc tests.
TESTS += tests/unixipc/test_unixipc.sh tests/unixipc/test_unixipc_perm.sh
EXTRA_DIST += tests/unixipc/test_unixipc.sh tests/unixipc/test_unixipc_perm.sh
