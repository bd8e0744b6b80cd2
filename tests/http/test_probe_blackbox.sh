#!/bin/sh
# /probe next to the real blackbox_exporter (Debian's, its default
# modules): for icmp, tcp_connect and http_2xx on loopback targets, up and
# down, every metric name and label set blackbox answers is in nethost's
# answer, with the same type and the same probe_success; the scrape
# timeout header bounds a probe of a server that never answers; a missing
# target and an unknown module are 400 as in blackbox.
. "$top_srcdir/tests/lib.sh"
need_cmd curl curl
need_cmd prometheus-blackbox-exporter prometheus-blackbox-exporter
BBCONF=/etc/prometheus/blackbox.yml
[ -r "$BBCONF" ] || skip "no $BBCONF (apt-get install prometheus-blackbox-exporter)"

. "$top_srcdir/tests/http/responder.sh"
start_responder
PORT=$(free_port)
BB=$(free_port)
CLOSED=$(free_port)
cat > "$TMP/probe.ini" <<INI
[http m]
listen = 127.0.0.1:$PORT
INI
start_host "$TMP/probe.ini"
prometheus-blackbox-exporter --config.file="$BBCONF" --web.listen-address="127.0.0.1:$BB" \
	> "$TMP/bb.log" 2>&1 &
at_exit "kill $! 2>/dev/null"
i=0
until curl -sf "http://127.0.0.1:$BB/-/healthy" > /dev/null; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "blackbox_exporter did not start: $(cat "$TMP/bb.log")"
	sleep 0.05
done

# names FILE: "name{labels}" of every sample; types FILE: "name type".
names() { grep -v '^#' "$1" | sed 's/ [^ ]*$//' | sort -u; }
types() { sed -n 's/^# TYPE //p' "$1" | sort -u; }
value() { sed -n "s/^$2 //p" "$1"; }

cases="tcp_connect|127.0.0.1:$HP tcp_connect|127.0.0.1:$CLOSED tcp_connect|[::1]:$CLOSED
http_2xx|http://127.0.0.1:$HP/ok http_2xx|http://127.0.0.1:$HP/fail http_2xx|http://127.0.0.1:$CLOSED/
http_2xx|127.0.0.1:$HP/ok http_2xx|http://localhost:$HP/ok"
# Raw ICMP sockets on both sides need root (ping_group_range is off).
[ "$(id -u)" = 0 ] && cases="$cases icmp|127.0.0.1 icmp|::1 icmp|localhost"
n=0
for c in $cases; do
	mod=${c%%|*} target=${c#*|}
	q="target=$(printf %s "$target" | sed 's/\[/%5B/g; s/\]/%5D/g')&module=$mod"
	curl -s -H 'X-Prometheus-Scrape-Timeout-Seconds: 5' "http://127.0.0.1:$BB/probe?$q" > "$TMP/bb.out"
	curl -s -H 'X-Prometheus-Scrape-Timeout-Seconds: 5' -D "$TMP/nh.head" \
		"http://127.0.0.1:$PORT/probe?$q" > "$TMP/nh.out"
	grep -q '^probe_success ' "$TMP/bb.out" || fail "blackbox gave no probe_success for $c: $(cat "$TMP/bb.out")"
	grep -qi '^Content-Type: text/plain; version=0.0.4' "$TMP/nh.head" || fail "content type for $c"
	missing=$(names "$TMP/bb.out" | comm -23 - "$(names "$TMP/nh.out" > "$TMP/nh.names"; echo "$TMP/nh.names")")
	[ -z "$missing" ] || fail "$c: blackbox answers what nethost does not: $missing
nethost:
$(cat "$TMP/nh.out")"
	wrong=$(types "$TMP/bb.out" | comm -23 - "$(types "$TMP/nh.out" > "$TMP/nh.types"; echo "$TMP/nh.types")")
	[ -z "$wrong" ] || fail "$c: types differ: $wrong"
	bs=$(value "$TMP/bb.out" probe_success) ns=$(value "$TMP/nh.out" probe_success)
	[ "$bs" = "$ns" ] || fail "$c: probe_success blackbox $bs, nethost $ns"
	for m in probe_ip_protocol probe_ip_addr_hash probe_http_status_code probe_http_version probe_http_redirects; do
		b=$(value "$TMP/bb.out" $m)
		[ -z "$b" ] || [ "$(awk -v a="$b" -v b="$(value "$TMP/nh.out" $m)" 'BEGIN { print (a + 0 == b + 0) }')" = 1 ] ||
			fail "$c: $m blackbox $b, nethost $(value "$TMP/nh.out" $m)"
	done
	promtool check metrics < "$TMP/nh.out" > "$TMP/lint" 2>&1 || fail "$c: promtool: $(cat "$TMP/lint")"
	n=$((n + 1))
done
ok "$n probes: every name and label set blackbox_exporter answers, same types, same success, ip hash, status"

# A server that never answers: the probe ends by the header's deadline
# (less blackbox's half second) with probe_success 0.
t0=$(date +%s%N)
curl -s -H 'X-Prometheus-Scrape-Timeout-Seconds: 1.5' \
	"http://127.0.0.1:$PORT/probe?target=http://127.0.0.1:$HANG/&module=http_2xx" > "$TMP/hang.out"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$(value "$TMP/hang.out" probe_success)" = 0 ] || fail "a hanging server: $(cat "$TMP/hang.out")"
[ $ms -ge 900 ] && [ $ms -lt 1450 ] || fail "a 1.5 s scrape timeout took $ms ms"
ok "X-Prometheus-Scrape-Timeout-Seconds: 1.5 ends a hanging probe after $ms ms"

# The loop is not blocked meanwhile: a second request is answered while
# the first waits.
curl -s -H 'X-Prometheus-Scrape-Timeout-Seconds: 2' \
	"http://127.0.0.1:$PORT/probe?target=http://127.0.0.1:$HANG/&module=http_2xx" > /dev/null &
slow=$!
sleep 0.2
t0=$(date +%s%N)
curl -sf "http://127.0.0.1:$PORT/probe?target=127.0.0.1:$HP&module=tcp_connect" | grep -qx 'probe_success 1' ||
	fail "a probe beside a waiting one"
ms=$((($(date +%s%N) - t0) / 1000000))
[ $ms -lt 500 ] || fail "a probe beside a waiting one took $ms ms"
wait $slow
ok "a probe is answered in $ms ms while another waits"

r=$(curl -s -w ' %{http_code}' "http://127.0.0.1:$PORT/probe?module=icmp")
[ "$r" = "Target parameter is missing
 400" ] || fail "no target: $r"
r=$(curl -s -w ' %{http_code}' "http://127.0.0.1:$PORT/probe?target=x&module=dns_<b>")
case $r in 'Unknown module "dns_<b>"'*" 400") ;; *) fail "unknown module: $r";; esac
r=$(curl -s -w ' %{http_code}' -H 'X-Prometheus-Scrape-Timeout-Seconds: soon' "http://127.0.0.1:$PORT/probe?target=127.0.0.1:$HP&module=tcp_connect")
case $r in *" 400") ;; *) fail "a bad timeout header: $r";; esac
ok "no target, an unknown module, a bad timeout header: 400"

# A target that fails before any work starts (no port for tcp_connect)
# is answered at once, as blackbox does: 200, probe_success 0.
r=$(curl -s -m 3 -w ' %{http_code}' "http://127.0.0.1:$PORT/probe?target=127.0.0.1&module=tcp_connect")
case $r in *"probe_success 0"*" 200") ;; *) fail "tcp_connect without a port: $r";; esac
curl -s "http://127.0.0.1:$BB/probe?target=127.0.0.1&module=tcp_connect" | grep -qx 'probe_success 0' ||
	fail "blackbox differs on a target without a port"
ok "a target refused before any work: answered at once, probe_success 0 (as blackbox)"

# Stopping with a probe in flight: it is answered 503, the host exits cleanly.
curl -s -o "$TMP/last.out" -w '%{http_code}' -H 'X-Prometheus-Scrape-Timeout-Seconds: 10' \
	"http://127.0.0.1:$PORT/probe?target=http://127.0.0.1:$HANG/&module=http_2xx" > "$TMP/last.code" &
last=$!
sleep 0.3
stop_host
wait $last
[ "$(cat "$TMP/last.code")" = 503 ] || fail "a probe in flight at stop: $(cat "$TMP/last.code") $(cat "$TMP/last.out")"
ok "a probe in flight when the host stops: 503, clean exit"
