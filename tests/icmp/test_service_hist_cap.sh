#!/bin/sh
# [icmp NAME] RTT histograms are capped at the first 1024 targets (swept
# hosts, then URLs): a sweep of 1,280 loopback addresses plus a URL has
# 1024 nethost_icmp_rtt_seconds series, the first host has one, the
# 1025th host and the URL have none but keep their gauges, and a notice
# at start says how many of how many. Loopback only (127.0.0.0/8).
. "$top_srcdir/tests/lib.sh"
need_root
. "$top_srcdir/tests/http/responder.sh"
MPORT=$(free_port)
CLOSED=$(free_port)
cat > "$TMP/cap.ini" <<INI
[http m]
listen = 127.0.0.1:$MPORT

[icmp big]
targets = 127.0.0.1-255, 127.0.1.1-255, 127.0.2.1-255, 127.0.3.1-255, 127.0.4.1-255
targets = 127.0.5.1-5, http://127.0.0.1:$CLOSED/
every = 10s
timeout = 200ms
retries = 0
rate = 50000
INI
start_host "$TMP/cap.ini"
wait_for_log "$TMP/host.log" 10 "first sweep" || fail "no first sweep"
grep -q "RTT histograms for the first 1024 of 1281 targets only" "$TMP/host.log" ||
	fail "no notice of the cap: $(grep -i histogram "$TMP/host.log")"
[ "$(grep -c "RTT histograms for the first" "$TMP/host.log")" = 1 ] || fail "the notice is not once"
ok "the cap is logged once: 1024 of 1281 targets"

scrape_metrics "$MPORT"
n=$(grep -c '^nethost_icmp_rtt_seconds_count{' "$TMP/metrics")
[ "$n" = 1024 ] || fail "$n RTT histograms, expected 1024"
L='plugin="icmp",instance="big"'
grep -q "^nethost_icmp_rtt_seconds_count{$L,target=\"127.0.0.1\"} [1-9]" "$TMP/metrics" ||
	fail "the first host has no histogram with its answer"
# 4 x 255 hosts, then 127.0.4.1-4 are the 1021st to 1024th.
grep -q "^nethost_icmp_rtt_seconds_count{$L,target=\"127.0.4.5\"}" "$TMP/metrics" &&
	fail "the 1025th target has a histogram"
grep -q "^nethost_icmp_rtt_seconds_count{$L,target=\"127.0.4.4\"}" "$TMP/metrics" ||
	fail "the 1024th target has no histogram"
grep -q "^nethost_icmp_target_up{$L,target=\"127.0.4.5\"} 1" "$TMP/metrics" ||
	fail "the 1025th target lost its up gauge"
grep -q "^nethost_icmp_rtt_seconds.*target=\"http://" "$TMP/metrics" && fail "the URL has a histogram"
grep -q "^nethost_icmp_target_up{$L,target=\"http://127.0.0.1:$CLOSED/\"}" "$TMP/metrics" ||
	fail "the URL lost its up gauge"
ok "1024 histograms: hosts 1-1024 have one, the 1025th and the URL keep only their gauges"
command -v promtool > /dev/null && { promtool check metrics < "$TMP/metrics" > "$TMP/lint" 2>&1 ||
	fail "promtool: $(head -3 "$TMP/lint")"; }
stop_host
