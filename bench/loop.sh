#!/bin/sh
# The SDK event loop's own costs (run after make): timers and fd events.
#   bench/loop.sh [N]      (default 1,000,000)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cc -O2 -I"$top/sdk" $(pkg-config --cflags json-c) "$top/bench/loop_bench.c" \
	-L"$top/sdk/.libs" -lnethost -o "$out/loop_bench"
LD_LIBRARY_PATH="$top/sdk/.libs" "$out/loop_bench" "${1:-1000000}"
