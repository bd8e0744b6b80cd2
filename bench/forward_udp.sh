#!/bin/bash
# bench/forward_udp.sh: the UDP part of bench/forward.sh (which runs it
# after the TCP part; it runs alone too). nethost forward --udp next to
# socat UDP-LISTEN,fork and rinetd /udp, with the direct path to the echo
# server as the ceiling, in one run on loopback.
#
#   bench/forward_udp.sh              (from a built tree; RUNS=3 SECS=2)
#   RUNS=5 SECS=3 CLIENTS="1 10 100 1000" SESSIONS=10000 bench/forward_udp.sh
#
# Request/response, 64 B, closed loop: each client socket sends one
# datagram and waits for its reply before the next (bench/udp_load.c).
# Every reply is checked to reach its own sender: one that reaches another
# client's socket is misrouted, one that is empty, cut or from another
# address is bad, a request unanswered for 100 ms is lost (and sent again).
# Only replies that reach their own sender count toward the rate. Each
# figure is a median of RUNS; the rounds go through the forwarders in turn,
# each started afresh for each figure (socat's processes per client do not
# pile up). Then the resident memory of nethost holding SESSIONS sessions.
# Loopback only; needs socat, rinetd, cc.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
NETHOST=${NETHOST:-$top/host/nethost}
RUNS=${RUNS:-3}
SECS=${SECS:-2}
CLIENTS=${CLIENTS:-1 10 100 1000}
SESSIONS=${SESSIONS:-10000}
UECHO_PORT=${UECHO_PORT:-25240}
ULPORT=${ULPORT:-25241}

for tool in socat rinetd cc ss; do
	command -v $tool >/dev/null || { echo "bench: needs $tool" >&2; exit 2; }
done
[ -x "$NETHOST" ] || { echo "bench: no $NETHOST (build first)" >&2; exit 2; }
ulimit -n 20000 2>/dev/null || ulimit -n 8192 || true

TMP=$(mktemp -d /tmp/bench-forward-udp.XXXXXX)
PIDS=
cleanup() {
	for p in $PIDS; do kill -- -"$p" 2>/dev/null || kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
# Each in its own process group, so that socat's children go with it.
bg() { setsid "$@" & PIDS="$PIDS $!"; LAST=$!; }
stop() { kill -- -"$1" 2>/dev/null; wait "$1" 2>/dev/null; }

cc -O2 -o "$TMP/udp_load" "$top/bench/udp_load.c" || exit 2
UL=$TMP/udp_load

wait_udp() { # wait_udp PORT: until something is bound there
	for _ in $(seq 200); do
		ss -Huln "sport = :$1" | grep -q . && return 0
		sleep 0.05
	done
	echo "bench: nothing bound on udp $1" >&2
	return 1
}

bg "$UL" echo $UECHO_PORT >"$TMP/echo.out"
wait_udp $UECHO_PORT || exit 1

# start NAME: one forwarder on ULPORT to the echo server; its pid in LAST.
start() {
	case $1 in
	nethost)
		# -q: no session lines, as the others log nothing here.
		bg "$NETHOST" -q forward --udp 127.0.0.1:$ULPORT 127.0.0.1:$UECHO_PORT \
			--max-connections 20000 2>>"$TMP/nethost.log" ;;
	socat)
		bg socat UDP-LISTEN:$ULPORT,bind=127.0.0.1,fork,reuseaddr UDP:127.0.0.1:$UECHO_PORT \
			2>>"$TMP/socat.log" ;;
	rinetd)
		echo "127.0.0.1 $ULPORT/udp 127.0.0.1 $UECHO_PORT/udp" >"$TMP/rinetd.conf"
		bg rinetd -f -c "$TMP/rinetd.conf" >>"$TMP/rinetd.log" 2>&1 ;;
	esac
	wait_udp $ULPORT
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

NAMES="direct nethost socat rinetd"
declare -A RATES MIS LOST BAD
for r in $(seq $RUNS); do
	for n in $CLIENTS; do
		for name in $NAMES; do
			port=$ULPORT
			if [ $name = direct ]; then
				port=$UECHO_PORT
			else
				start $name || exit 1
			fi
			out=$("$UL" load $port $n $SECS)
			echo "bench: round $r: $name, $n clients: $out" >&2
			[ $name = direct ] || stop $LAST
			set -- $out # rate R ok O misrouted M lost L bad B
			RATES[$name.$n]="${RATES[$name.$n]:-} $2"
			MIS[$name]=$((${MIS[$name]:-0} + $6))
			LOST[$name]=$((${LOST[$name]:-0} + $8))
			BAD[$name]=$((${BAD[$name]:-0} + ${10}))
		done
	done
done

# nethost holding SESSIONS sessions (one client socket each, one round trip).
start nethost || exit 1
np=$LAST
"$UL" hold $ULPORT $SESSIONS >"$TMP/hold.out" 2>&1 &
hp=$!
for _ in $(seq 600); do grep -q holding "$TMP/hold.out" && break; sleep 0.05; done
grep -q holding "$TMP/hold.out" || { echo "bench: hold: $(cat "$TMP/hold.out")" >&2; exit 1; }
sleep 0.5
RSS=$(awk '/^VmRSS/ {print $2}' /proc/$np/status)
kill $hp
wait $hp 2>/dev/null
stop $np

declare -A MED
for name in $NAMES; do for n in $CLIENTS; do
	MED[$name.$n]=$(echo ${RATES[$name.$n]} | tr ' ' '\n' | median)
done; done

echo
echo "UDP request/response, 64 B, closed loop, $(nproc) cores, $(uname -r); medians of $RUNS"
echo "(replies/s that reached their own sender, $SECS s each; misrouted/lost/bad summed over every figure)"
printf '%-8s' ""
for n in $CLIENTS; do printf ' | %-14s' "$n client$([ $n = 1 ] || echo s)"; done
printf ' | %s\n' "misrouted / lost / bad"
for name in $NAMES; do
	printf '%-8s' $name
	for n in $CLIENTS; do printf ' | %-14s' "${MED[$name.$n]}"; done
	printf ' | %s\n' "${MIS[$name]} / ${LOST[$name]} / ${BAD[$name]}"
done
echo
for n in $CLIENTS; do
	awk -v n=$n -v d=${MED[direct.$n]} -v h=${MED[nethost.$n]} -v s=${MED[socat.$n]} 'BEGIN {
		x = s > 0 ? sprintf("%.2fx", h / s) : "inf x"
		printf "%5d clients: nethost = %s socat, %.0f%% of direct\n", n, x, 100 * h / d }'
done
awk -v k=$RSS -v n=$SESSIONS 'BEGIN {printf "nethost RSS with %d UDP sessions: %.1f MB\n", n, k / 1024}'
