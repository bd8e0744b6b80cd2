#!/bin/sh
# forward: the data path on loopback. 100 MB each way with checksums,
# half-close, 1,000 concurrent connections, resets carried both ways,
# IPv4 <-> IPv6 in both directions, close lines, SIGUSR1 counters, and no
# fd left behind.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/forward/common.sh"
need_cmd python3 python3

ulimit -n 8192 2>/dev/null || skip "cannot raise the fd limit to 8192 for 1,000 connections"
E4=$(free_port); E6=$(free_port); L4=$(free_port); L6=$(free_port); S=$(free_port); LS=$(free_port)
start_tool echo4 echo 127.0.0.1 "$E4" --events "$TMP/echo4.events"
start_tool echo6 echo ::1 "$E6" --events "$TMP/echo6.events"
start_tool stall stall 127.0.0.1 "$S"

cat >"$TMP/fwd.ini" <<INI
[forward v4to6]
listen = 127.0.0.1:$L4
to = [::1]:$E6

[forward v6to4]
listen = [::1]:$L6
to = 127.0.0.1:$E4

[forward stall]
listen = 127.0.0.1:$LS
to = 127.0.0.1:$S
idle_timeout = 1s
INI
start_host "$TMP/fwd.ini"
fds_before=$(fd_count "$HOST_PID")

out=$($FWDTOOL bulk 127.0.0.1 "$L4" 100) || fail "100 MB each way: $out"
ok "100 MB each way through IPv4 -> IPv6, checksums equal"
wait_for_log "$TMP/host.log" 5 "up 104857600 B, down 104857600 B" ||
	fail "no close line with 100 MB each way"
ok "close line counts 104857600 bytes each way"

out=$($FWDTOOL bulk ::1 "$L6" 20) || fail "20 MB IPv6 -> IPv4: $out"
ok "20 MB each way through IPv6 -> IPv4"

out=$($FWDTOOL halfclose 127.0.0.1 "$L4") || fail "half-close: $out"
out=$($FWDTOOL halfclose ::1 "$L6") || fail "half-close v6: $out"
ok "half-close: the reply still flows after the client's shutdown(SHUT_WR)"

out=$($FWDTOOL many 127.0.0.1 "$L4" 1000) || fail "1000 concurrent: $out"
ok "1,000 concurrent connections each echoed"

out=$($FWDTOOL reset 127.0.0.1 "$L4") || fail "client reset: $out"
i=0
while ! grep -q reset "$TMP/echo6.events" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
grep -q reset "$TMP/echo6.events" || fail "a client reset did not reach the upstream as a reset"
wait_for_log "$TMP/host.log" 5 "client reset" || fail "no 'client reset' close line"
ok "client reset -> upstream reset"

out=$($FWDTOOL upreset 127.0.0.1 "$L4") || fail "upstream reset: $out"
wait_for_log "$TMP/host.log" 5 "upstream reset" || fail "no 'upstream reset' close line"
ok "upstream reset -> client reset"

# Back-pressure: an upstream that never reads. What the client can push
# must stop at the socket buffers plus one pipe, not grow without bound.
rss_before=$(awk '/^VmRSS/ {print $2}' "/proc/$HOST_PID/status")
out=$($FWDTOOL push 127.0.0.1 "$LS" 2) || fail "push: $out"
pushed=${out#pushed }
[ "$pushed" -gt 1000000 ] || fail "push: only $pushed bytes went through"
[ "$pushed" -lt 64000000 ] || fail "push: $pushed bytes taken by a path whose end never reads"
rss_after=$(awk '/^VmRSS/ {print $2}' "/proc/$HOST_PID/status")
[ $((rss_after - rss_before)) -lt 4096 ] || fail "RSS grew from $rss_before to $rss_after kB"
ok "back-pressure: $pushed bytes in flight at most, host RSS $rss_before -> $rss_after kB"

kill -USR1 "$HOST_PID"
wait_for_log "$TMP/host.log" 5 "forward/v4to6: accepted=1004 refused=0 failed=0 active=0 closed=1004 " ||
	fail "SIGUSR1 report does not count 1004 accepted and closed on v4to6"
grep -q "forward/v6to4: accepted=2 .* bytes_up=$((20 * 1048576 + 300000))" "$TMP/host.log" ||
	fail "SIGUSR1 report of v6to4 has wrong byte counts"
ok "SIGUSR1 reports the counters"

# The stalled connection idles out; the pipe pool is emptied 1 s after
# the last connection closes.
wait_for_log "$TMP/host.log" 5 "forward/stall: .*idle timeout (1000 ms)" || fail "stalled connection not closed"
i=0
while [ "$(fd_count "$HOST_PID")" != "$fds_before" ] && [ $i -lt 60 ]; do sleep 0.1; i=$((i + 1)); done
fds_after=$(fd_count "$HOST_PID")
[ "$fds_after" = "$fds_before" ] || fail "host had $fds_before fds before, $fds_after after"
ok "no fd leak ($fds_after fds)"
stop_host
