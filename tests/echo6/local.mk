# echo6 tests.
TESTS += tests/echo6/test_echo6.sh tests/echo6/test_echo6_load.sh tests/echo6/test_echo6_args.sh
EXTRA_DIST += tests/echo6/test_echo6.sh tests/echo6/test_echo6_load.sh tests/echo6/test_echo6_args.sh tests/echo6/echo_clients.py
