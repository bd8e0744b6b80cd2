# ifaces tests: CLI output and exit codes, the ip -j oracle, the watcher;
# each in a network namespace of its own.
TESTS += tests/ifaces/test_ifaces_cli.sh tests/ifaces/test_ifaces_oracle.sh \
	tests/ifaces/test_ifaces_watch.sh
EXTRA_DIST += tests/ifaces/test_ifaces_cli.sh tests/ifaces/test_ifaces_oracle.sh \
	tests/ifaces/test_ifaces_watch.sh
