#!/bin/sh
# [icmp NAME] with URL targets only (no ICMP socket needed): probes every
# 100ms hold no fds across rounds; a URL that comes back is logged and its
# gauge follows; a reload replaces the series without a clash; bad URLs
# are config errors quoting the text.
. "$top_srcdir/tests/lib.sh"

. "$top_srcdir/tests/http/responder.sh"
start_responder
MPORT=$(free_port)
LATE=$(free_port)

write_conf() { # $1: every
	cat > "$TMP/svc.ini" <<INI
[http m]
listen = 127.0.0.1:$MPORT

[icmp web]
targets = http://127.0.0.1:$HP/ok http://127.0.0.1:$LATE/ok
every = $1
timeout = 2s
retries = 0
INI
}
write_conf 100ms
start_host "$TMP/svc.ini"
scrape() { scrape_metrics "$MPORT"; }
value() { # TARGET-PORT METRIC [RESULT]
	awk -v s="$2{plugin=\"icmp\",instance=\"web\",target=\"http://127.0.0.1:$1/ok\"${3:+,result=\"$3\"}} " \
		'index($0, s) == 1 { print $2 }' "$TMP/metrics"
}

# The fewest fds over 10 samples: a probe in flight holds one for a moment.
steady_fds() {
	local n min=99999 i=0
	while [ $i -lt 10 ]; do
		n=$(fd_count "$HOST_PID")
		[ "$n" -lt $min ] && min=$n
		sleep 0.01; i=$((i + 1))
	done
	echo $min
}

wait_for_log "$TMP/host.log" 5 "http://127.0.0.1:$LATE/ok is down (.*onnect" || fail "the closed port not reported down"
sleep 0.3
fds=$(steady_fds)
now_ms() { echo $(($(date +%s%N) / 1000000)); }
t1=$(now_ms)
scrape
n1=$(value "$HP" nethost_icmp_probes_total reply)
sleep 1
scrape
n2=$(value "$HP" nethost_icmp_probes_total reply)
ms=$(($(now_ms) - t1))
fds2=$(steady_fds)
[ "$fds2" = "$fds" ] || fail "fds $fds -> $fds2 over ten rounds"
# One a round, a round every 100ms at most (a loaded machine makes fewer).
[ $((n2 - n1)) -ge 2 ] && [ $((n2 - n1)) -le $((ms / 100 + 1)) ] ||
	fail "$((n2 - n1)) replies in $ms ms at every = 100ms"
[ "$(value "$HP" nethost_icmp_target_up)" = 1 ] || fail "up gauge of the good URL"
[ "$(value "$LATE" nethost_icmp_target_up)" = 0 ] || fail "up gauge of the closed port"
[ "$(value "$LATE" nethost_icmp_probes_total error)" -ge 5 ] || fail "errors of the closed port"
down_at=$(value "$LATE" nethost_icmp_target_last_change_timestamp_seconds)
[ "$(value "$HP" nethost_icmp_target_last_change_timestamp_seconds)" != 0 ] || fail "no last change for the good URL"
# Down since the first round: the stamp is from the start, not from now.
awk -v t="$down_at" -v now="$(date +%s)" 'BEGIN { exit !(t > now - 30 && t < now - 0.5) }' ||
	fail "last change of the closed port is $down_at (now $(date +%s))"
ok "URL probes every 100ms: $((n2 - n1)) replies in $ms ms, fds steady at $fds"

"$PY" "$RESPONDER" "$TMP/late" 0 "$LATE" &
LPID=$!
at_exit "kill $LPID 2>/dev/null"
wait_for_log "$TMP/host.log" 5 "http://127.0.0.1:$LATE/ok came back (200 in " || fail "came back not logged"
scrape
[ "$(value "$LATE" nethost_icmp_target_up)" = 1 ] || fail "up gauge after coming back"
up_at=$(value "$LATE" nethost_icmp_target_last_change_timestamp_seconds)
awk -v a="$down_at" -v b="$up_at" 'BEGIN { exit !(b > a) }' || fail "last change $down_at -> $up_at on coming back"
ok "a URL that comes back: logged, gauge 1"

write_conf 200ms
kill -HUP "$HOST_PID"
wait_for_log "$TMP/host.log" 5 "reloaded: 1 kept, 1 stopped, 1 started" || fail "reload"
sleep 0.3
scrape
[ "$(value "$HP" nethost_icmp_target_up)" = 1 ] || fail "series gone after the reload"
grep -qi "not exported\|already\|EEXIST" "$TMP/host.log" && fail "a series clashed on reload"
ok "reload: the new instance's series replace the old ones"
stop_host

cat > "$TMP/bad.ini" <<'INI'
[icmp bad]
targets = http://[::1/x, ftp://example.org/
INI
"$NETHOST" -t -c "$TMP/bad.ini" > "$TMP/out" 2>&1 && fail "bad URL accepted"
grep -q "bad.ini:2: \[icmp bad\] targets: 'http://\[::1/x' is not an http:// or https:// URL with a host" "$TMP/out" || fail "bad URL: $(cat "$TMP/out")"
ok "a malformed URL is a config error quoting it"
