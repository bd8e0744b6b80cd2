# The SDK as a plugin author meets it: the ABI the host accepts and
# refuses, and the exact list of what libnethost exports.
TESTS += tests/sdk/test_abi.sh tests/sdk/test_exported_symbols.sh
EXTRA_DIST += tests/sdk/test_abi.sh tests/sdk/test_exported_symbols.sh
