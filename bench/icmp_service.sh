#!/bin/sh
# The [icmp NAME] service beside smokeping_prober (Debian's
# prometheus-smokeping-prober 0.6.1): both ping the same 100 loopback
# targets every second; CPU and memory of each process.
#
#   sudo sh bench/icmp_service.sh [RUNS]    from a build tree (default 3)
#
# Root: a network namespace made here (its own lo, so no other process's
# ICMP reaches the raw sockets and nothing leaves the machine) and raw
# sockets. Needs prometheus-smokeping-prober (bench/setup), curl, iproute2.
#
# Each round runs nethost ([icmp smoke] every = 1s, timeout = 1s,
# retries = 0, and an [http] instance for /metrics) and then
# smokeping_prober (--ping.interval=1s --privileged, its own /metrics), one
# at a time (both at once would each read the other's echoes off their raw
# sockets), alternating which goes first. Each process runs WARM seconds
# (default 5), then SECS seconds (default 30) are measured:
#   CPU     utime + stime from /proc/PID/stat over the window, % of a core
#   RSS     VmRSS at the end, the largest of one sample a second, VmHWM,
#           and RssAnon at the end (RSS less the pages of files, mostly
#           shared libraries, that other processes share)
#   rate    probes sent and replies received per second, from each one's
#           own counters (nethost_icmp_probes_total by result;
#           smokeping_requests_total and
#           smokeping_response_duration_seconds_count), read just outside
#           the CPU window so the scrapes are not charged to it. nethost
#           counts a round's probes when the round ends, 100 at a time, so
#           each end of the rate's window is the first scrape that sees
#           the counters move (polled, about 20 ms apart): a window of
#           whole rounds, whatever its phase. smokeping is read the same way.
#   scrape  one GET /metrics after the window: bytes and ms (information)
# Medians over RUNS of each column, then nethost / smokeping ratios.
# SOCKET=dgram runs both on ICMP datagram sockets instead (the namespace's
# ping_group_range opened to root, smokeping without --privileged).
# TARGETS=N (1-254) changes the number of targets, 127.0.1.1 to 127.0.1.N.
set -u
RUNS=${1:-3}
SECS=${SECS:-30}
WARM=${WARM:-5}
N=${TARGETS:-100}
SOCKET=${SOCKET:-raw}
top=$(cd "$(dirname "$0")/.." && pwd)
NETHOST=${NETHOST:-$top/host/nethost}
SMOKEPING=${SMOKEPING:-prometheus-smokeping-prober}
me=bench/icmp_service.sh
[ "$(id -u)" = 0 ] || { echo "$me: needs root" >&2; exit 77; }
for c in "$SMOKEPING" curl ip awk; do
	command -v "$c" >/dev/null || { echo "$me: needs $c (bench/setup)" >&2; exit 77; }
done
[ -x "$NETHOST" ] || { echo "$me: build first ($NETHOST)" >&2; exit 77; }
case $SOCKET in raw | dgram) ;; *) echo "$me: SOCKET=raw or dgram" >&2; exit 2 ;; esac
[ "$N" -ge 1 ] && [ "$N" -le 254 ] 2>/dev/null || { echo "$me: TARGETS=1-254" >&2; exit 2; }

NS=nhb-smoke-$$
OUT=$(mktemp -d /tmp/nethost-bench.XXXXXX)
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null
	ip netns del $NS 2>/dev/null
	rm -rf "$OUT"
}
trap cleanup EXIT INT TERM
ip netns add $NS && ip -n $NS link set lo up || exit 1
IN="ip netns exec $NS"
PRIV=--privileged
if [ $SOCKET = dgram ]; then
	$IN sysctl -qw net.ipv4.ping_group_range="0 0" || exit 1
	PRIV=
fi
HZ=$(getconf CLK_TCK)
NPORT=19401
SPORT=19402 # the namespace is ours: fixed ports are free
HOSTS=$(seq -f '127.0.1.%g' 1 "$N")

cat > "$OUT/nethost.ini" <<INI
[http m]
listen = 127.0.0.1:$NPORT

[icmp smoke]
targets = 127.0.1.1-$N
every = 1s
timeout = 1s
retries = 0
socket = $SOCKET
INI

# Both tools' counters as "SENT REPLIES" from one scrape.
counters_nethost() {
	$IN curl -s "http://127.0.0.1:$NPORT/metrics" | awk '
		/^nethost_icmp_probes_total\{.*instance="smoke"/ {
			s += $2; if ($0 ~ /result="reply"/) r += $2 }
		END { printf "%d %d\n", s, r }'
}
counters_smokeping() {
	$IN curl -s "http://127.0.0.1:$SPORT/metrics" | awk '
		/^smokeping_requests_total\{/ { s += $2 }
		/^smokeping_response_duration_seconds_count\{/ { r += $2 }
		END { printf "%d %d\n", s, r }'
}
# sync_counters NAME: "NS SENT REPLIES" at the first scrape that sees the
# counters change.
sync_counters() {
	local c0 c i=0
	c0=$(counters_$1)
	while c=$(counters_$1) && [ "$c" = "$c0" ] && [ $i -lt 200 ]; do
		sleep 0.02
		i=$((i + 1))
	done
	echo "$(now_ns) $c"
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_kb() { awk -v k="$2" '$1 == k ":" { print $2 }' "/proc/$1/status"; }
now_ns() { date +%s%N; }

start_nethost() {
	$IN "$NETHOST" -c "$OUT/nethost.ini" > "$OUT/nethost.log" 2>&1 &
	PID=$!
}
start_smokeping() {
	# shellcheck disable=SC2086 # PRIV and HOSTS are lists
	$IN "$SMOKEPING" $PRIV --ping.interval=1s --web.listen-address=127.0.0.1:$SPORT \
		$HOSTS > "$OUT/smokeping.log" 2>&1 &
	PID=$!
}

# measure NAME: start NAME, wait until it answers with replies counted,
# warm up, measure, scrape once, stop it; append a row to $OUT/NAME.
measure() {
	local name=$1 i=0 c0 c1 t0 t1 rss max=0 hwm anon scrape
	start_$name
	until c0=$(counters_$name) && [ "${c0#* }" -gt 0 ] 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$PID" 2>/dev/null; then
			echo "$me: $name did not start pinging:" >&2
			cat "$OUT/$name.log" >&2
			exit 1
		fi
		sleep 0.1
	done
	sleep "$WARM"
	c0=$(sync_counters $name)
	t0="$(now_ns) $(cpu_ticks $PID)"
	i=0
	while [ $i -lt "$SECS" ]; do
		sleep 1
		rss=$(rss_kb $PID VmRSS)
		[ "$rss" -gt $max ] && max=$rss
		i=$((i + 1))
	done
	t1="$(now_ns) $(cpu_ticks $PID)"
	c1=$(sync_counters $name)
	hwm=$(rss_kb $PID VmHWM)
	anon=$(rss_kb $PID RssAnon)
	scrape=$($IN curl -s -o /dev/null -w '%{size_download} %{time_total}' \
		"http://127.0.0.1:$([ $name = nethost ] && echo $NPORT || echo $SPORT)/metrics")
	kill "$PID"
	wait "$PID" 2>/dev/null
	PID=
	# cpu% rss_end max hwm (kB) sent/s replies/s bytes ms anon (kB)
	echo "$t0 $t1 $c0 $c1 $rss $max $hwm $scrape $anon" | awk -v hz="$HZ" '{
		wall = ($3 - $1) / 1e9; span = ($8 - $5) / 1e9
		printf "%.2f %d %d %d %.1f %.1f %d %.1f %d\n", ($4 - $2) / hz / wall * 100,
			$11, $12, $13, ($9 - $6) / span, ($10 - $7) / span, $14, $15 * 1000, $16 }' >> "$OUT/$name"
}

echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$N targets (127.0.1.1-$N) every 1 s, $SOCKET sockets; $RUNS rounds of ${WARM} s warm-up + ${SECS} s measured each"
echo "each round: CPU% RSS-end max-RSS VmHWM (kB) sent/s replies/s /metrics-bytes scrape-ms RssAnon (kB)"
r=1
while [ $r -le "$RUNS" ]; do
	if [ $((r % 2)) = 1 ]; then order="nethost smokeping"; else order="smokeping nethost"; fi
	for name in $order; do measure $name; done
	echo "round $r: nethost $(tail -n 1 "$OUT/nethost") | smokeping $(tail -n 1 "$OUT/smokeping")"
	r=$((r + 1))
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# The median of each column.
median() {
	local col
	for col in 1 2 3 4 5 6 7 8 9; do
		awk -v c=$col '{ print $c }' "$1" | sort -g | awk '{ a[NR] = $1 } END { printf "%s ", a[int((NR + 1) / 2)] }'
	done
	echo
}
median "$OUT/nethost" > "$OUT/med.nethost"
median "$OUT/smokeping" > "$OUT/med.smokeping"
echo "| medians of $RUNS | CPU, % of a core | RSS at the end | RSS, max of samples | VmHWM | RssAnon | probes sent/s | replies/s | /metrics bytes | scrape ms |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
row() {
	awk -v n="$1" '{ printf "| %s | %.2f | %.1f MB | %.1f MB | %.1f MB | %.1f MB | %.1f | %.1f | %d | %.1f |\n",
		n, $1, $2 / 1024, $3 / 1024, $4 / 1024, $9 / 1024, $5, $6, $7, $8 }' "$2"
}
row "nethost [icmp] + [http]" "$OUT/med.nethost"
row "smokeping_prober" "$OUT/med.smokeping"
paste -d' ' "$OUT/med.nethost" "$OUT/med.smokeping" | awk '
	function q(a, b) { return b > 0 ? sprintf("%.2fx", a / b) : "-" }
	{ printf "| nethost / smokeping | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
		q($1, $10), q($2, $11), q($3, $12), q($4, $13), q($9, $18), q($5, $14), q($6, $15), q($7, $16), q($8, $17) }'
# Fair only if both pinged every target once a second and got the answers.
paste -d' ' "$OUT/med.nethost" "$OUT/med.smokeping" | awk -v n="$N" -v me="$me" '
	function bad(what, v) { printf "%s: %s: %.1f/s, not %d/s\n", me, what, v, n > "/dev/stderr"; rc = 1 }
	{ if ($5 < 0.95 * n || $5 > 1.05 * n) bad("nethost probes", $5)
	  if ($6 < 0.95 * n) bad("nethost replies", $6)
	  if ($14 < 0.95 * n || $14 > 1.05 * n) bad("smokeping probes", $14)
	  if ($15 < 0.95 * n) bad("smokeping replies", $15) }
	END { exit rc }'
