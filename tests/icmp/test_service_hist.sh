#!/bin/sh
# [icmp NAME] RTT histograms on /metrics: with rtt_buckets set, each URL
# target has nethost_icmp_rtt_seconds as a histogram family (# TYPE
# histogram, cumulative _bucket counts, +Inf = _count = the replies
# counted, _sum); promtool accepts the live scrape without a remark; a
# target that never answers has count 0; bad bounds are config errors
# naming file, line, key and the text.
. "$top_srcdir/tests/lib.sh"
need_cmd promtool prometheus
. "$top_srcdir/tests/http/responder.sh"
start_responder
MPORT=$(free_port)
CLOSED=$(free_port)
cat > "$TMP/h.ini" <<INI
[http m]
listen = 127.0.0.1:$MPORT

[icmp web]
targets = http://127.0.0.1:$HP/ok http://127.0.0.1:$CLOSED/
every = 100ms
timeout = 1s
retries = 0
rtt_buckets = 100us, 1ms 10ms
rtt_buckets = 1s
INI
start_host "$TMP/h.ini"
sleep 1
scrape_metrics "$MPORT"
promtool check metrics < "$TMP/metrics" > "$TMP/lint" 2>&1 || fail "promtool: $(cat "$TMP/lint")"
[ -s "$TMP/lint" ] && fail "promtool remarks: $(cat "$TMP/lint")"
grep -qx '# TYPE nethost_icmp_rtt_seconds histogram' "$TMP/metrics" || fail "no histogram TYPE line"
grep -qx '# TYPE nethost_icmp_last_rtt_seconds gauge' "$TMP/metrics" || fail "no last-RTT gauge"
ok "promtool accepts the live scrape with the histograms"

L="plugin=\"icmp\",instance=\"web\",target=\"http://127.0.0.1:$HP/ok\""
v() { awk -v s="$1 " 'index($0, s) == 1 { print $2 }' "$TMP/metrics"; }
b1=$(v "nethost_icmp_rtt_seconds_bucket{$L,le=\"0.0001\"}")
b2=$(v "nethost_icmp_rtt_seconds_bucket{$L,le=\"0.001\"}")
b3=$(v "nethost_icmp_rtt_seconds_bucket{$L,le=\"0.01\"}")
b4=$(v "nethost_icmp_rtt_seconds_bucket{$L,le=\"1\"}")
inf=$(v "nethost_icmp_rtt_seconds_bucket{$L,le=\"+Inf\"}")
count=$(v "nethost_icmp_rtt_seconds_count{$L}")
sum=$(v "nethost_icmp_rtt_seconds_sum{$L}")
replies=$(v "nethost_icmp_probes_total{$L,result=\"reply\"}")
[ -n "$b1" ] && [ -n "$inf" ] || fail "no buckets for the good URL: $(grep rtt_seconds_bucket "$TMP/metrics" | head -3)"
[ "$b1" -le "$b2" ] && [ "$b2" -le "$b3" ] && [ "$b3" -le "$b4" ] && [ "$b4" -le "$inf" ] ||
	fail "buckets not cumulative: $b1 $b2 $b3 $b4 $inf"
# The scrape reads the counters and the histogram one after the other: a
# round may end between them.
[ "$inf" = "$count" ] && [ "$count" -ge 5 ] && [ $((count - replies)) -le 1 ] && [ $((replies - count)) -le 1 ] ||
	fail "+Inf $inf, count $count, replies $replies"
awk -v s="$sum" -v c="$count" 'BEGIN { exit !(s > 0 && s < c * 1.0) }' || fail "sum $sum for $count answers"
[ "$(v "nethost_icmp_rtt_seconds_count{plugin=\"icmp\",instance=\"web\",target=\"http://127.0.0.1:$CLOSED/\"}")" = 0 ] ||
	fail "the closed port has answers in its histogram"
ok "histogram: cumulative buckets, +Inf = count = $count replies, sum $sum s; the silent target has 0"
stop_host

cat > "$TMP/bad.ini" <<'INI'
[icmp bad]
targets = http://127.0.0.1:1/
rtt_buckets = 1ms 2ms soon
rtt_buckets = 1s 500ms
INI
"$NETHOST" -t -c "$TMP/bad.ini" > "$TMP/out" 2>&1 && fail "bad rtt_buckets accepted"
grep -q "bad.ini:3: \[icmp bad\] rtt_buckets: 'soon' is not a duration" "$TMP/out" || fail "bad bound: $(cat "$TMP/out")"
grep -q "bad.ini:4: \[icmp bad\] rtt_buckets: '500ms' is not above the bucket before it" "$TMP/out" ||
	fail "descending bounds: $(cat "$TMP/out")"
ok "bad rtt_buckets: every problem named with file, line and text"
