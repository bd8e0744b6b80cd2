#!/bin/sh
# forward, protocol = udp: 1,000 clients at once each get their own reply,
# 64 B and 60,000 B datagrams intact, IPv4 <-> IPv6 both ways (a wildcard
# listener answers from the address the client sent to), idle sessions
# end, max_connections bounds sessions, allow/deny, an unreachable
# upstream ends its session with a log line, empty datagrams are not
# relayed, no fd outlives its session, metrics, SIGHUP (kept and
# changed sections), the CLI's --udp, bad config.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/forward/common.sh"
need_cmd python3 python3
UDPTOOL="python3 $top_srcdir/tests/forward/udptool.py"

E4=$(free_port); E6=$(free_port); DEAD=$(free_port); M=$(free_port)
L4=$(free_port); LD=$(free_port); LI=$(free_port); LM=$(free_port)
LA=$(free_port); LX=$(free_port); LC=$(free_port)
$UDPTOOL echo 127.0.0.1 "$E4" >"$TMP/e4.out" 2>&1 &
at_exit "kill $! 2>/dev/null"
$UDPTOOL echo ::1 "$E6" >"$TMP/e6.out" 2>&1 &
at_exit "kill $! 2>/dev/null"
wait_for_log "$TMP/e4.out" 10 ready || fail "echo server (v4) did not start"
wait_for_log "$TMP/e6.out" 10 ready || fail "echo server (v6) did not start"

cat >"$TMP/udp.ini" <<INI
[http m]
listen = 127.0.0.1:$M

; IPv4 clients, an IPv6 upstream
[forward v4]
protocol = udp
listen = 127.0.0.1:$L4
to = [::1]:$E6
idle_timeout = 2s

; a dual-stack wildcard listener, an IPv4 upstream
[forward dual]
protocol = udp
listen = [::]:$LD
to = 127.0.0.1:$E4

[forward idle]
protocol = udp
listen = 127.0.0.1:$LI
to = 127.0.0.1:$E4
idle_timeout = 300ms

[forward max]
protocol = udp
listen = 127.0.0.1:$LM
to = 127.0.0.1:$E4
max_connections = 5

[forward acl]
protocol = udp
listen = [::]:$LA
to = 127.0.0.1:$E4
allow = 127.0.0.0/8
deny = 127.0.0.2

; nothing listens on its upstream
[forward dead]
protocol = udp
listen = 127.0.0.1:$LX
to = 127.0.0.1:$DEAD
INI
start_host "$TMP/udp.ini"
fd0=$(fd_count "$HOST_PID")

# clients WANT HOST PORT N SIZE [FROM [SECS]]: "answered A lost L misrouted M bad B"
clients() {
	local want=$1 got
	shift
	got=$($UDPTOOL clients "$@") || fail "clients $*: $got"
	[ "$got" = "$want" ] || fail "clients $*: got '$got', want '$want'"
}
report() { # report INSTANCE PATTERN: SIGUSR1; the report of INSTANCE it logs matches
	local n i=0
	n=$(wc -l <"$TMP/host.log")
	kill -USR1 "$HOST_PID"
	while [ $i -lt 100 ]; do
		tail -n +$((n + 1)) "$TMP/host.log" | grep -q -- "forward/$1: udp .*$2" && return 0
		sleep 0.05
		i=$((i + 1))
	done
	fail "report of $1: no line with '$2'"
}

scrape() {
	python3 -c '
import sys, urllib.request
sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())
' "http://127.0.0.1:$M/metrics" >"$TMP/metrics" || fail "scrape of /metrics failed"
}

clients "answered 1000 lost 0 misrouted 0 bad 0" 127.0.0.1 "$L4" 1000 64 - 5
report v4 "=1000 opened=1000 "
ok "1,000 clients at once (v4 -> v6 upstream): each got its own 64 B reply, 1,000 sessions"

clients "answered 20 lost 0 misrouted 0 bad 0" ::1 "$LD" 20 60000 - 5
clients "answered 20 lost 0 misrouted 0 bad 0" 127.0.0.1 "$LD" 20 60000 - 5
clients "answered 5 lost 0 misrouted 0 bad 0" 127.0.0.2 "$LD" 5 64 127.0.0.2 5
got=$($UDPTOOL ping 127.0.0.1 "$LD" 65507 3)
case $got in echo*) ;; *) fail "65,507 B (the IPv4 maximum): got '$got'";; esac
report dual "datagrams_up=46 bytes_up=2465827 datagrams_down=46 bytes_down=2465827 "
ok "60,000 B and 65,507 B datagrams intact, v6 and v4 clients on [::] to a v4 upstream; replies from the address sent to"

got=$($UDPTOOL ping 127.0.0.1 "$LI" 64 2)
case $got in echo*) ;; *) fail "idle: first datagram got '$got'";; esac
wait_for_log "$TMP/host.log" 3 "forward/idle: 127.0.0.1:[0-9]* -> 127.0.0.1:$E4/udp: idle timeout (300 ms); up 1 datagrams 64 B, down 1 datagrams 64 B, 0\.[3-9]" ||
	fail "idle: no session line within 3 s"
report idle "=0 opened=1 closed=1 "
ok "idle_timeout 300ms: the session ends, logged with datagrams and bytes each way"

clients "answered 5 lost 5 misrouted 0 bad 0" 127.0.0.1 "$LM" 10 64 - 2
grep -q "forward/max: max_connections (5) reached" "$TMP/host.log" || fail "max: no log line"
report max "=5 opened=5 .*dropped_full=[1-9][0-9]* .*(max_connections reached)"
ok "max_connections 5: 5 of 10 clients get sessions, the others are dropped, logged"

clients "answered 3 lost 0 misrouted 0 bad 0" 127.0.0.1 "$LA" 3 64 127.0.0.1 2
clients "answered 0 lost 3 misrouted 0 bad 0" 127.0.0.2 "$LA" 3 64 127.0.0.2 1
clients "answered 0 lost 2 misrouted 0 bad 0" ::1 "$LA" 2 64 - 1
grep -q "forward/acl: 127.0.0.2:[0-9]*: refused by allow/deny" "$TMP/host.log" || fail "acl: no log line"
report acl "=3 opened=3 .*dropped_refused=25 "
ok "allow 127.0.0.0/8 deny 127.0.0.2: 127.0.0.1 answered; all 25 datagrams of 127.0.0.2 and ::1 dropped, logged"

got=$($UDPTOOL ping 127.0.0.1 "$LX" 64 1)
case $got in timeout*) ;; *) fail "dead upstream: got '$got'";; esac
wait_for_log "$TMP/host.log" 3 "forward/dead: 127.0.0.1:[0-9]* -> 127.0.0.1:$DEAD/udp: upstream unreachable (Connection refused); up 1 datagrams 64 B, down 0 datagrams" ||
	fail "dead upstream: no session line"
report dead "=0 opened=1 closed=0 failed=1 "
ok "upstream port closed: ICMP unreachable ends the session, logged"

python3 - "$LI" <<'PY' || fail "empty datagram: something came back"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.5)
s.sendto(b"", ("127.0.0.1", int(sys.argv[1])))
try:
    s.recv(10)
    sys.exit(1)
except socket.timeout:
    pass
PY
report idle "=0 opened=1 .*dropped_empty=1 "
ok "an empty datagram is dropped (counted), never relayed"

scrape
for want in 'nethost_forward_udp_sessions_total{plugin="forward",instance="dead",result="failed"} 1' \
	'nethost_forward_udp_sessions_active{plugin="forward",instance="max"} 5' \
	'nethost_forward_udp_datagrams_total{plugin="forward",instance="dual",direction="downstream"} 46' \
	'nethost_forward_udp_bytes_total{plugin="forward",instance="dual",direction="upstream"} 2465827' \
	'nethost_forward_udp_dropped_total{plugin="forward",instance="idle",reason="empty"} 1'; do
	grep -qF "$want" "$TMP/metrics" || fail "metrics: no '$want'"
done
ok "metrics: sessions, datagrams, bytes, drops per instance"

# The 1,000 sessions of [forward v4] idle out after 2 s: every fd goes
# with its session, the host holds one per session still open.
wait_for_log "$TMP/host.log" 10 "forward/v4: .*idle timeout (2000 ms)" || fail "v4 sessions did not idle out"
report v4 "=0 opened=1000 closed=1000 "
scrape
open=$(awk '/^nethost_forward_udp_sessions_active/ { n += $2 } END { print n }' "$TMP/metrics")
fd1=$(fd_count "$HOST_PID")
[ "$fd1" -le "$((fd0 + open + 2))" ] || fail "fds: $fd0 at start, $fd1 with $open sessions open"
ok "every session's socket closed with it ($fd0 fds at start, $fd1 with $open sessions open)"

# SIGHUP, the file unchanged: every instance kept, and its sessions.
kill -HUP "$HOST_PID"
wait_for_log "$TMP/host.log" 5 "reloaded: 7 kept, 0 stopped, 0 started" || fail "reload did not keep the instances"
report max "=5 opened=5 closed=0 "
clients "answered 0 lost 3 misrouted 0 bad 0" 127.0.0.1 "$LM" 3 64 - 1
ok "SIGHUP with the file unchanged: the 5 sessions of [forward max] kept, new clients still dropped at the limit"

# SIGHUP with [forward idle] changed: the old one stops (its port freed),
# the new one binds it and relays.
sed -i 's/^idle_timeout = 300ms$/idle_timeout = 400ms/' "$TMP/udp.ini"
kill -HUP "$HOST_PID"
wait_for_log "$TMP/host.log" 5 "reloaded: 6 kept, 1 stopped, 1 started" || fail "reload of a changed section"
got=$($UDPTOOL ping 127.0.0.1 "$LI" 64 2)
case $got in echo*) ;; *) fail "after the reload: got '$got'";; esac
wait_for_log "$TMP/host.log" 3 "forward/idle: .*idle timeout (400 ms)" || fail "the new [forward idle] is not the one relaying"
ok "SIGHUP with a UDP section changed: the new instance takes the port over and relays"
stop_host

# The CLI: --udp, v6 listener to a v4 upstream.
"$NETHOST" forward --udp "[::1]:$LC" "127.0.0.1:$E4" >"$TMP/cli.log" 2>&1 &
CLI=$!
at_exit "kill $CLI 2>/dev/null"
wait_for_log "$TMP/cli.log" 5 "listening on \[::1\]:$LC/udp" || fail "cli: $(cat "$TMP/cli.log")"
clients "answered 50 lost 0 misrouted 0 bad 0" ::1 "$LC" 50 64 - 3
kill -TERM $CLI
wait $CLI || fail "cli: exit $? after SIGTERM"
grep -q "udp sessions=50 opened=50 " "$TMP/cli.log" || fail "cli: no final report: $(cat "$TMP/cli.log")"
[ "$(grep -c "/udp: closed (forwarder stopped); up 1 datagrams 64 B, down 1 datagrams 64 B" "$TMP/cli.log")" = 50 ] ||
	fail "cli: not every session logged at stop: $(cat "$TMP/cli.log")"
ok "nethost forward --udp: 50 v6 clients to a v4 upstream, sessions logged at stop"

cat >"$TMP/bad.ini" <<INI
[forward bad]
protocol = sctp
listen = 127.0.0.1:$LC
to = 127.0.0.1:$E4
idle_timeout = -1s
INI
"$NETHOST" -t -c "$TMP/bad.ini" >"$TMP/bad.out" 2>&1
rc=$?
[ $rc = 2 ] || fail "bad config: exit $rc, want 2: $(cat "$TMP/bad.out")"
grep -q "bad.ini:2: \[forward bad\] protocol: 'sctp' is none of tcp|udp" "$TMP/bad.out" ||
	fail "bad config: $(cat "$TMP/bad.out")"
ok "protocol = sctp: file:line, exit 2"
