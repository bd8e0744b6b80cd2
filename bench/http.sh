#!/bin/sh
# Benchmark of the http plugin: scrape cost with a big host, and /probe
# beside blackbox_exporter. Needs root (namespaces, raw ICMP sockets),
# curl, ab (apache2-utils), prometheus-blackbox-exporter, python3.
# Run from a build tree:  sh bench/http.sh [SCRAPES]  (default 50).
# SCRAPE_ONLY=1 stops after part 1. Not part of `make check`.
#
# 1. In a namespace, a host with an icmp instance sweeping 4,096 targets
#    (10.221.0.0/20, held by a second namespace through a local route on
#    lo, every 10 s) and 100 forward instances: time per scrape of
#    /metrics and / (median of SCRAPES), bytes, and the host's CPU time
#    per scrape (utime + stime over the scrapes).
# 2. /probe of nethost and of blackbox_exporter (its default modules) on
#    the same loopback targets: icmp 127.0.0.1, tcp_connect and http_2xx
#    to a second nethost's [http] (/-/healthy): probes/s with ab at 1 and
#    50 concurrent scrapes, and each prober's RSS after them.
set -u
SCRAPES=${1:-50}
top=$(cd "$(dirname "$0")/.." && pwd)
NETHOST=${NETHOST:-$top/host/nethost}
[ "$(id -u)" = 0 ] || { echo "bench/http.sh: needs root" >&2; exit 77; }
for c in curl ab prometheus-blackbox-exporter python3; do
	command -v $c >/dev/null || { echo "bench/http.sh: needs $c (bench/setup)" >&2; exit 77; }
done
[ -x "$NETHOST" ] || { echo "bench/http.sh: build first ($NETHOST)" >&2; exit 77; }

SC=nhb-http-$$
HO=nhb-httph-$$
OUT=$(mktemp -d)
PIDS=
cleanup() {
	for pid in $PIDS; do kill "$pid" 2>/dev/null; done
	for ns in $SC $HO; do ip netns del $ns 2>/dev/null; done
	rm -rf "$OUT"
}
trap cleanup EXIT INT TERM HUP PIPE
for ns in $SC $HO; do
	ip netns add $ns && ip -n $ns link set lo up || exit 1
done
ip link add nhbh0 netns $SC type veth peer name nhbh1 netns $HO || exit 1
ip -n $SC link set nhbh0 up
ip -n $HO link set nhbh1 up
ip -n $SC addr add 10.219.1.1/24 dev nhbh0
ip -n $HO addr add 10.219.1.2/24 dev nhbh1
ip -n $SC route add 10.221.0.0/20 via 10.219.1.2
ip -n $HO route add local 10.221.0.0/20 dev lo
IN="ip netns exec $SC"

# ---- 1. scrape cost ------------------------------------------------------
{
	printf '[http m]\nlisten = 127.0.0.1:9100\n\n'
	printf '[icmp sweep]\ntargets = 10.221.0.0/20\nevery = 10s\ntimeout = 500ms\nretries = 0\nrate = 20000\n\n'
	i=0
	while [ $i -lt 100 ]; do
		printf '[forward f%d]\nlisten = 127.0.0.1:%d\nto = 127.0.0.1:1\n\n' $i $((20000 + i))
		i=$((i + 1))
	done
} > "$OUT/big.ini"
$IN "$NETHOST" -c "$OUT/big.ini" > "$OUT/big.log" 2>&1 &
BIG=$!
PIDS="$PIDS $BIG"
i=0
until grep -q "first sweep" "$OUT/big.log"; do
	i=$((i + 1)); [ $i -lt 200 ] || { echo "no first sweep: $(tail -3 "$OUT/big.log")" >&2; exit 1; }
	sleep 0.1
done
# Connections through a few forwarders, so the page has counters that moved.
i=0
while [ $i -lt 20 ]; do $IN curl -s -m 1 "http://127.0.0.1:$((20000 + i))/" > /dev/null; i=$((i + 1)); done
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
echo "## Scrapes: icmp sweeping 4,096 targets + 100 forward instances (median of $SCRAPES)"
echo
echo "| path | ms per scrape | bytes | host CPU ms per scrape |"
echo "|------|---------------|-------|------------------------|"
for path in /metrics / "/?format=json" "/?format=csv"; do
	: > "$OUT/t"
	c0=$(cpu $BIG)
	n=0
	while [ $n -lt "$SCRAPES" ]; do
		$IN curl -s -o /dev/null -w '%{time_total} %{size_download}\n' "http://127.0.0.1:9100$path" >> "$OUT/t"
		n=$((n + 1))
	done
	c1=$(cpu $BIG)
	sort -n "$OUT/t" | awk -v p="$path" -v c="$((c1 - c0))" -v hz="$hz" -v n="$SCRAPES" \
		'{ t[NR] = $1; b = $2 } END { printf "| `%s` | %.2f | %d | %.2f |\n", p, t[int((NR + 1) / 2)] * 1000, b, c * 1000 / hz / n }'
done
kill $BIG; wait $BIG 2>/dev/null
PIDS=
# SCRAPE_ONLY=1: the scrape cost alone (measuring a cap).
[ "${SCRAPE_ONLY:-0}" = 1 ] && exit 0

# ---- 2. /probe beside blackbox_exporter ------------------------------------
printf '[http p]\nlisten = 127.0.0.1:9200\nmax_connections = 200\n' > "$OUT/probe.ini"
printf '[http t]\nlisten = 127.0.0.1:9201\nmax_connections = 200\n' > "$OUT/target.ini"
$IN "$NETHOST" -c "$OUT/probe.ini" > "$OUT/probe.log" 2>&1 &
NH=$!
$IN "$NETHOST" -c "$OUT/target.ini" > "$OUT/target.log" 2>&1 &
TG=$!
$IN prometheus-blackbox-exporter --config.file=/etc/prometheus/blackbox.yml \
	--web.listen-address=127.0.0.1:9215 > "$OUT/bb.log" 2>&1 &
BB=$!
PIDS="$NH $TG $BB"
sleep 1
rss() { awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
N=${PROBES:-2000}
echo
echo "## /probe: probes/s with ab -n $N (loopback targets; ratio nethost / blackbox)"
echo
echo "| module | concurrency | nethost | blackbox_exporter | ratio |"
echo "|--------|-------------|---------|-------------------|-------|"
for m in "icmp 127.0.0.1" "tcp_connect 127.0.0.1:9201" "http_2xx http://127.0.0.1:9201/-/healthy"; do
	set -- $m
	for c in 1 50; do
		r=
		for port in 9200 9215; do
			$IN ab -q -k -n "$N" -c $c -H 'X-Prometheus-Scrape-Timeout-Seconds: 5' \
				"http://127.0.0.1:$port/probe?target=$2&module=$1" > "$OUT/ab" 2>&1
			# Length "failures" are answers of another size than the
			# first: normal for probe results. Count the real ones.
			fails=$(awk '/\(Connect:/ { gsub(/[(),]/, " "); n += $2 + $4 + $8 } /^Non-2xx/ { n += $3 } END { print n + 0 }' "$OUT/ab")
			$IN curl -s "http://127.0.0.1:$port/probe?target=$2&module=$1" | grep -qx 'probe_success 1' ||
				echo "warning: $port $1 does not succeed" >&2
			r="$r $(awk '/^Requests per second/ { print $4 }' "$OUT/ab")"
			[ "${fails:-0}" = 0 ] || echo "warning: $port $1 c=$c: $fails failed requests" >&2
		done
		echo "$1 $c $r" | awk '{ printf "| %s | %d | %.0f | %.0f | %.2fx |\n", $1, $2, $3, $4, $3 / $4 }'
	done
done
echo
echo "RSS after the runs: nethost $(rss $NH) MB, blackbox_exporter $(rss $BB) MB"
