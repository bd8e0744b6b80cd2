#!/bin/sh
# Echo round trips per second, 64-byte messages, closed loop, at 1, 10 and
# 100 connections: nethost echo6 (TCP ::1) and unixipc (Unix stream) vs
# socat and a minimal single-threaded epoll echo server (the ceiling).
#
#   bench/echo.sh [SECONDS]     run from the source tree after make;
#                               needs cc, socat, python3
#
# All six servers run at once, idle unless measured. Runs interleave the
# servers (REPS rounds, default 5, of SECONDS each, default 2) so that
# machine noise hits them alike; each cell is the median. PIN=1 pins the
# servers to CPU 0 and the load client to CPU 1. Prints a Markdown table
# (the one in bench/echo.md). The bench/ C files are built here with cc.
set -eu
SECS=${1:-2}
REPS=${REPS:-5}
top=$(cd "$(dirname "$0")/.." && pwd)
NETHOST=${NETHOST:-$top/host/nethost}
W=$(mktemp -d /tmp/nethost-bench.XXXXXX)
PIDS=
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null || true; done; rm -rf "$W"; }
trap cleanup EXIT INT TERM

command -v socat >/dev/null || { echo "needs socat (apt-get install socat)" >&2; exit 2; }
[ -x "$NETHOST" ] || { echo "build nethost first ($NETHOST)" >&2; exit 2; }
cc -O2 -o "$W/echo_load" "$top/bench/echo_load.c"
cc -O2 -o "$W/echo_min" "$top/bench/echo_min.c"
SRV= CLI=
if [ "${PIN:-0}" = 1 ]; then SRV="taskset -c 0" CLI="taskset -c 1"; fi

port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0)); print(s.getsockname()[1])'; }

# serve NAME TARGET CMD...: start a server, wait until TARGET echoes.
NAMES=
serve() {
	name=$1 target=$2
	shift 2
	$SRV "$@" >"$W/$name.log" 2>&1 &
	PIDS="$PIDS $!"
	i=0
	until "$W/echo_load" "$target" 1 0.01 >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 100 ] || { echo "$name did not start:" >&2; cat "$W/$name.log" >&2; exit 1; }
		sleep 0.05
	done
	NAMES="$NAMES $name"
	echo "$target" > "$W/$name.target"
}

P=$(port); serve socat-tcp "tcp:[::1]:$P" socat "TCP6-LISTEN:$P,bind=[::1],reuseaddr,fork,backlog=512" PIPE
P=$(port); serve min-tcp "tcp:[::1]:$P" "$W/echo_min" tcp6 "$P"
P=$(port); serve echo6 "tcp:[::1]:$P" "$NETHOST" -q echo6 serve "[::1]:$P"
serve socat-unix "unix:$W/socat.sock" socat "UNIX-LISTEN:$W/socat.sock,fork,backlog=512" PIPE
serve min-unix "unix:$W/min.sock" "$W/echo_min" unix "$W/min.sock"
serve unixipc "unix:$W/nh.sock" "$NETHOST" -q unixipc serve "$W/nh.sock"

r=0
while [ $r -lt "$REPS" ]; do
	for n in 1 10 100; do
		for name in $NAMES; do
			$CLI "$W/echo_load" "$(cat "$W/$name.target")" $n "$SECS" >> "$W/$name.$n"
		done
	done
	r=$((r + 1))
done

median() { sort -n "$1" | sed -n "$(( (REPS + 1) / 2 ))p"; }
label() {
	case $1 in
	socat-tcp) echo "socat TCP6-LISTEN:P,fork PIPE" ;;
	min-tcp) echo "minimal epoll echo, TCP (ceiling)" ;;
	echo6) echo "**nethost echo6 serve [::1]:P**" ;;
	socat-unix) echo "socat UNIX-LISTEN:PATH,fork PIPE" ;;
	min-unix) echo "minimal epoll echo, Unix (ceiling)" ;;
	unixipc) echo "**nethost unixipc serve PATH**" ;;
	esac
}
echo "| server | 1 conn | 10 conns | 100 conns |"
echo "|---|---:|---:|---:|"
for name in $NAMES; do
	printf '| %s |' "$(label $name)"
	for n in 1 10 100; do printf ' %s |' "$(median "$W/$name.$n")"; done
	printf '\n'
	case $name in
	echo6|unixipc)
		ceil=min-tcp
		[ $name = unixipc ] && ceil=min-unix
		printf '| _of the ceiling_ |'
		for n in 1 10 100; do
			printf ' %s%% |' "$(( $(median "$W/$name.$n") * 100 / $(median "$W/$ceil.$n") ))"
		done
		printf '\n'
		;;
	esac
done
