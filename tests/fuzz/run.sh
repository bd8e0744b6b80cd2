#!/bin/sh
# Build every libFuzzer target with clang (ASan + UBSan) and run each for
# FUZZ_SECONDS (default 60) on its corpus. A crash fails the run; the
# crashing input is saved under tests/fuzz/crashes/ — copy it into the
# target's corpus folder so that `make check` replays it from then on.
#   tests/fuzz/run.sh [TARGET...]     (after ./configure: needs config.h)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
[ -f config.h ] || { echo "fuzz: run ./configure first (config.h missing)" >&2; exit 2; }
command -v clang > /dev/null || { echo "fuzz: needs clang and libclang-rt-14-dev" >&2; exit 2; }
secs=${FUZZ_SECONDS:-60}
out=${FUZZ_BUILD:-$top/tests/fuzz/build}
mkdir -p "$out" tests/fuzz/crashes
targets=${*:-$(cd tests/fuzz && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')}
# Plugin parsers are compiled in with the target that fuzzes them.
extra_sources() {
	case $1 in
	icmp) echo "-Iplugins/icmp plugins/icmp/icmp_packet.c plugins/icmp/tcp_packet.c" ;;
	config) echo "-Ihost host/ini_file.c host/log.c host/ctx.c host/metrics.c" ;;
	rtnl) echo "-Iplugins plugins/common/rtnl.c" ;;
	proxy) echo "-Iplugins/forward plugins/forward/forward_proxy.c" ;;
	http) echo "-Iplugins/forward plugins/forward/forward_http.c -lhttp_parser" ;;
	esac
}
status=0
for t in $targets; do
	# shellcheck disable=SC2046
	clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-D_GNU_SOURCE -I"$top" -I"$top/sdk" \
		sdk/*.c "tests/fuzz/fuzz_$t.c" $(extra_sources "$t") \
		$(pkg-config --cflags --libs inih json-c libmnl) -lm -o "$out/fuzz_$t"
	work=$(mktemp -d)
	cp tests/fuzz/corpus/"$t"/* "$work"/ 2>/dev/null || true
	echo "fuzz: $t for ${secs}s"
	if ! "$out/fuzz_$t" -max_total_time="$secs" -max_len=4096 -artifact_prefix=tests/fuzz/crashes/"$t"- \
		-print_final_stats=1 "$work" > "$out/$t.log" 2>&1; then
		tail -n 40 "$out/$t.log"
		echo "fuzz: $t: CRASH (input saved in tests/fuzz/crashes/)"
		status=1
	else
		echo "fuzz: $t: $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out/$t.log" | grep -o '[0-9]*$') runs, no crash"
	fi
	rm -rf "$work"
done
exit $status
