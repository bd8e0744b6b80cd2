#!/bin/sh
# Benchmark of the icmp plugin against fping, nmap and iputils ping.
# Needs root (namespaces, raw sockets), fping, nmap, iputils-ping, python3.
# Run from a build tree:  sh bench/icmp.sh [RUNS [SECTION...]]   (default 5
# runs each, the median is reported; sections sweep, loopback, ping and
# synprobe, default all). Not part of `make check`.
#
# 1. Through a bridge into namespaces made here: 10.220.0.0/22, whose lower
#    /23 is held by one namespace that answers and upper /23 by one that
#    ignores echo requests (each a local route on lo: every probed address
#    is a host's). 200 ms timeout, no retries. Wall time, hosts found alive.
# 2. 127.0.0.0/22 on loopback (nmap does not probe loopback targets: it
#    marks them up without sending, so its time is not comparable).
# 3. ping -c 100 -i 0.002 on 127.0.0.1 and ::1: RTT avg and mdev.
# 4. synprobe against nmap -sS: 1,000 ports (two listening) on 127.0.0.1
#    and ::1 (nmap's port scans do probe loopback, unlike its host
#    discovery), then on the answering namespace's own IPv4 and IPv6
#    addresses through the bridge. Wall time, open and closed ports found.
set -u
RUNS=${1:-5}
[ $# -gt 0 ] && shift
SECTIONS=${*:-sweep loopback ping synprobe}
want() { case " $SECTIONS " in *" $1 "*) return 0 ;; esac; return 1; }
top=$(cd "$(dirname "$0")/.." && pwd)
NETHOST=${NETHOST:-$top/host/nethost}
[ "$(id -u)" = 0 ] || { echo "bench/icmp.sh: needs root" >&2; exit 77; }
for c in fping nmap ping python3; do
	command -v $c >/dev/null || { echo "bench/icmp.sh: needs $c" >&2; exit 77; }
done
[ -x "$NETHOST" ] || { echo "bench/icmp.sh: build first ($NETHOST)" >&2; exit 77; }

SC=nhb-scan-$$
HO=nhb-hosts-$$
SI=nhb-silent-$$
OUT=$(mktemp -d)
LISTENERS=
cleanup() {
	for pid in $LISTENERS; do kill "$pid" 2>/dev/null; done
	for ns in $SC $HO $SI; do ip netns del $ns 2>/dev/null; done
	rm -rf "$OUT"
}
trap cleanup EXIT INT TERM
# The machine may be shared: say how busy it was.
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
for ns in $SC $HO $SI; do
	ip netns add $ns && ip -n $ns link set lo up || exit 1
done
# A bridge in SC with a veth to each: every target behind one interface
# (nmap paces the hosts behind each interface as a group of their own; with
# a veth each, the silent /23 alone took it 10 s).
# HO (10.219.0.2) holds the lower /23, SI (10.219.0.3) the upper.
ip -n $SC link add nhbr type bridge || exit 1
ip -n $SC link set nhbr up
ip -n $SC addr add 10.219.0.1/24 dev nhbr
n=2
for ns in $HO $SI; do
	ip link add nhb$n netns $SC type veth peer name nhb$n netns $ns || exit 1
	ip -n $SC link set nhb$n master nhbr up
	ip -n $ns link set nhb$n up
	ip -n $ns addr add 10.219.0.$n/24 dev nhb$n
	n=$((n + 1))
done
ip -n $SC route add 10.220.0.0/23 via 10.219.0.2
ip -n $SC route add 10.220.2.0/23 via 10.219.0.3
ip -n $HO route add local 10.220.0.0/23 dev lo
ip -n $SI route add local 10.220.2.0/23 dev lo
ip netns exec $SI sysctl -qw net.ipv4.icmp_echo_ignore_all=1 || exit 1
IN_SC="ip netns exec $SC"
# Warm the neighbour entries so no tool pays for ARP.
$IN_SC ping -c 1 -q 10.219.0.2 >/dev/null
$IN_SC ping -c 1 -q -W 0.2 10.219.0.3 >/dev/null

# time_cmd NAME COUNT_CMD CMD...: run CMD RUNS times; median wall seconds
# and what COUNT_CMD (reading the output on stdin) says about the last run.
time_cmd() {
	local name=$1 count=$2
	shift 2
	: > "$OUT/times"
	"$@" > /dev/null 2>&1 # warm-up: caches, page faults, neighbour entries
	for r in $(seq "$RUNS"); do
		local t0=$(date +%s%N)
		"$@" > "$OUT/out" 2>&1
		local t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000)) >> "$OUT/times"
	done
	local med=$(sort -n "$OUT/times" | awk '{ a[NR] = $1 } END { printf "%.3f", a[int((NR + 1) / 2)] / 1e6 }')
	local found=$(sh -c "$count" < "$OUT/out")
	printf '| %s | %s | %s |\n' "$name" "$med" "$found"
}

if want sweep; then
echo "## a bridge into namespaces: 10.220.0.0/22, lower /23 answers (512 hosts), upper /23 silent, 200 ms timeout, no retries"
echo
echo "| tool | wall s (median of $RUNS) | hosts alive found |"
echo "|---|---|---|"
time_cmd "nethost sweep --timeout 200ms --retries 0" "sed -n 's/^--- [0-9]* targets: \([0-9]*\) alive.*/\1/p'" \
	$IN_SC "$NETHOST" sweep -q --timeout 200ms --retries 0 10.220.0.0/22
time_cmd "fping -q -a -r 0 -t 200 -i 1 -g" "grep -c '^10\.'" \
	$IN_SC fping -q -a -r 0 -t 200 -i 1 -g 10.220.0.0/22
time_cmd "nmap -sn -n -PE --send-ip --max-retries 0 --max-rtt-timeout 200ms" "sed -n 's/.*(\([0-9]*\) hosts* up).*/\1/p'" \
	$IN_SC nmap -sn -n -PE --send-ip --max-retries 0 --max-rtt-timeout 200ms 10.220.0.0/22
echo

fi
if want loopback; then
echo "## loopback: 127.0.0.0/22 (1024 hosts, all answer)"
echo
echo "| tool | wall s (median of $RUNS) | hosts alive found |"
echo "|---|---|---|"
time_cmd "nethost sweep --timeout 200ms" "sed -n 's/^--- [0-9]* targets: \([0-9]*\) alive.*/\1/p'" \
	"$NETHOST" sweep -q --timeout 200ms 127.0.0.0/22
time_cmd "fping -q -c1 -t200 -g" "grep -c ' 1/1/0%'" fping -q -c1 -t200 -g 127.0.0.0/22
time_cmd "fping -q -c1 -t200 -i 1 -g" "grep -c ' 1/1/0%'" fping -q -c1 -t200 -i 1 -g 127.0.0.0/22
time_cmd "nmap -sn -n (does not probe loopback)" "sed -n 's/.*(\([0-9]*\) hosts* up).*/\1/p'" \
	nmap -sn -n 127.0.0.0/22
echo

fi
if want ping; then
echo "## ping -c 100 -i 0.002: RTT (ms), median run of $RUNS"
echo
echo "| tool | target | avg | mdev | min | max |"
echo "|---|---|---|---|---|---|"
# rtt_pair TARGET: nethost's and iputils' runs taken in turn (a busy
# machine's ups and downs hit both), each tool's run with the median avg
# in a row, then the ratio row.
rtt_pair() {
	local t=$1
	: > "$OUT/rtt.nethost"
	: > "$OUT/rtt.iputils"
	for r in $(seq "$RUNS"); do
		"$NETHOST" ping -q -c 100 -i 0.002 $t 2>&1 | rtt_of >> "$OUT/rtt.nethost"
		ping -q -c 100 -i 0.002 $t 2>&1 | rtt_of >> "$OUT/rtt.iputils"
	done
	median_row "nethost ping" $t "$OUT/rtt.nethost" > "$OUT/row.nethost"
	median_row "iputils ping" $t "$OUT/rtt.iputils" > "$OUT/row.iputils"
	cat "$OUT/row.nethost" "$OUT/row.iputils"
	# nethost's avg and mdev over iputils' (1.00: the same); mdev difference in us.
	awk -F'|' -v t="$t" 'NR == 1 { a = $4; m = $5 } NR == 2 {
		printf "| nethost / iputils | %s | x%.2f | x%.2f (%+.0f us) | | |\n", t,
			($4 > 0 ? a / $4 : 0), ($5 > 0 ? m / $5 : 0), (m - $5) * 1000 }' \
		"$OUT/row.nethost" "$OUT/row.iputils"
}
rtt_of() { sed -n 's|^rtt min/avg/max/mdev = \([^ ]*\) ms$|\1|p'; }
# median_row NAME TARGET FILE: the run with the median avg.
median_row() {
	sort -t/ -k2 -n "$3" | awk -F/ -v n="$1" -v t="$2" \
		'{ l[NR] = $0 } END { split(l[int((NR + 1) / 2)], f, "/"); printf "| %s | %s | %s | %s | %s | %s |\n", n, t, f[2], f[4], f[1], f[3] }'
}
for t in 127.0.0.1 ::1; do rtt_pair $t; done
echo

fi
want synprobe || exit 0
# Ports 20100 and 20500 listen (dual-stack, never accepting) on loopback
# and in HO, which also gets an IPv6 address on its bridge port.
ip -n $SC addr add fd00:219::1/64 dev nhbr nodad
ip -n $HO addr add fd00:219::2/64 dev nhb2 nodad
PY=$(python3 -c 'import sys; print(sys.executable)')
LISTEN='
import socket, sys, time
for port in (20100, 20500):
	s = socket.socket(socket.AF_INET6)
	s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
	s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	s.bind(("::", port))
	s.listen(8)
	globals()["s%d" % port] = s
time.sleep(3600)
'
"$PY" -c "$LISTEN" & LISTENERS="$LISTENERS $!"
ip netns exec $HO "$PY" -c "$LISTEN" & LISTENERS="$LISTENERS $!"
sleep 0.5
$IN_SC ping -c 1 -q fd00:219::2 >/dev/null

echo "## synprobe: 1,000 ports (20000-20999, 2 listening)"
echo
echo "| tool | target | wall s (median of $RUNS) | open / closed found |"
echo "|---|---|---|---|"
synprobe_row() {
	local where=$1 target=$2 v6=
	case $target in *:*) v6=-6 ;; esac
	time_cmd "nethost synprobe | $target" \
		"sed -n 's/^--- [0-9]* ports: \([0-9]*\) open, \([0-9]*\) closed.*/\1 \/ \2/p'" \
		$where "$NETHOST" synprobe $target 20000-20999
	time_cmd "nmap ${v6:+$v6 }-sS -n -Pn | $target" \
		"awk '/open/ { o++ } /closed tcp ports/ { c = \$3 } END { printf \"%d / %d\", o, c }'" \
		$where nmap $v6 -sS -n -Pn -p 20000-20999 $target
}
for t in 127.0.0.1 ::1; do synprobe_row "" $t; done
for t in 10.219.0.2 fd00:219::2; do synprobe_row "$IN_SC" $t; done
