# echo6 tests.
TESTS += tests/echo6/test_echo6.sh tests/echo6/test_echo6_load.sh tests/echo6/test_echo6_args.sh
TESTS += tests/echo6/test_echo6_json.sh
EXTRA_DIST += tests/echo6/test_echo6_json.sh tests/echo6/check_echo_json.py
EXTRA_DIST += tests/echo6/test_echo6.sh tests/echo6/test_echo6_load.sh tests/echo6/test_echo6_args.sh tests/echo6/echo_clients.py
