#!/bin/sh
# forward: who gets in and where they go. allow/deny for IPv4 and IPv6
# clients on a dual-stack listener, upstream fail-over, an upstream that
# refuses or never answers, SIGHUP with connections open, bad config.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/forward/common.sh"
need_cmd python3 python3

E=$(free_port); DEAD=$(free_port); HOLE=$(free_port)
LA=$(free_port); LD=$(free_port); L6=$(free_port); LF=$(free_port); LX=$(free_port); LT=$(free_port)
start_tool echo echo ::1 "$E"
start_tool hole blackhole 127.0.0.1 "$HOLE"

cat >"$TMP/fwd.ini" <<INI
; allow a v4 network, deny one host in it; the v6 client is not allowed
[forward allow4]
listen = [::]:$LA
to = [::1]:$E
allow = 127.0.0.0/8
deny = 127.0.0.2

; deny only: a v6 client and a v4 one
[forward deny6]
listen = [::]:$LD
to = [::1]:$E
deny = ::1/128, 127.0.0.3/32

; allow only ::1
[forward allow6]
listen = [::]:$L6
to = [::1]:$E
allow = ::1

; the first upstream refuses, the second answers
[forward failover]
listen = 127.0.0.1:$LF
to = 127.0.0.1:$DEAD
to = [::1]:$E

[forward down]
listen = 127.0.0.1:$LX
to = 127.0.0.1:$DEAD

[forward hole]
listen = 127.0.0.1:$LT
to = 127.0.0.1:$HOLE
connect_timeout = 800ms
INI
start_host "$TMP/fwd.ini"

# expect echo|shut HOST PORT [FROM]: shut is closed or reset (a refused
# client may have sent before the close, so the kernel may answer RST).
expect() {
	local want=$1 got
	shift
	got=$($FWDTOOL ping "$1" "$2" 5 ${3:-}) || fail "ping $*: $got"
	case $want:$got in echo:"echo "*|shut:"closed "*|shut:"reset "*) ;;
	*) fail "$* from ${3:-default}: got '$got', want $want";; esac
}
expect echo 127.0.0.1 "$LA"
expect shut 127.0.0.1 "$LA" 127.0.0.2
expect shut ::1 "$LA"
ok "allow 127.0.0.0/8 deny 127.0.0.2: 127.0.0.1 in, 127.0.0.2 and ::1 out"
expect shut ::1 "$LD"
expect shut 127.0.0.1 "$LD" 127.0.0.3
expect echo 127.0.0.1 "$LD"
expect echo 127.0.0.1 "$LD" 127.0.0.4
ok "deny ::1, 127.0.0.3: those out, other v4 clients in (v4-mapped on a dual-stack listener)"
expect echo ::1 "$L6"
expect shut 127.0.0.1 "$L6"
ok "allow ::1: the v6 client in, v4 out"
grep -q "forward/allow4: 127.0.0.2:[0-9]*: refused by allow/deny" "$TMP/host.log" ||
	fail "no log line for the refused client"

expect echo 127.0.0.1 "$LF"
expect echo 127.0.0.1 "$LF"
ok "fail-over: the second upstream serves when the first refuses"

expect shut 127.0.0.1 "$LX"
wait_for_log "$TMP/host.log" 5 "forward/down: 127.0.0.1:[0-9]* -> 127.0.0.1:$DEAD: upstream unreachable (Connection refused)" ||
	fail "no log line saying why the client was closed"
ok "upstream refusing: client closed at once, with the reason logged"

got=$($FWDTOOL ping 127.0.0.1 "$LT" 5)
case $got in closed*|reset*) ;; *) fail "upstream silent: got '$got'";; esac
secs=${got#* }
python3 -c "import sys; s=float('$secs'); sys.exit(0 if 0.7 <= s <= 2.0 else 1)" ||
	fail "upstream silent: closed after $secs s, connect_timeout is 0.8 s"
wait_for_log "$TMP/host.log" 5 "upstream unreachable (connect timeout)" ||
	fail "no connect timeout line"
ok "upstream silent: client closed after the connect timeout ($secs s)"

kill -USR1 "$HOST_PID"
wait_for_log "$TMP/host.log" 5 "forward/allow4: accepted=[0-9]* refused=2 " || fail "allow4 refused count"
wait_for_log "$TMP/host.log" 5 "forward/down: accepted=1 refused=0 failed=1 " || fail "down failed count"
ok "counters: refused by ACL and failed upstream"

# SIGHUP with open connections: a changed file, unchanged sections.
$FWDTOOL hold 127.0.0.1 "$LF" 50 2 >"$TMP/hold.out" 2>&1 &
HOLD=$!
at_exit "kill $HOLD 2>/dev/null"
wait_for_log "$TMP/hold.out" 10 "holding 50" || fail "hold did not start: $(cat "$TMP/hold.out")"
printf '\n[forward extra]\nlisten = 127.0.0.1:%s\nto = [::1]:%s\n' "$(free_port)" "$E" >>"$TMP/fwd.ini"
kill -HUP "$HOST_PID"
wait_for_log "$TMP/host.log" 5 "reloaded: 6 kept, 0 stopped, 1 started" || fail "reload did not keep the forwarders"
wait "$HOLD" || fail "connections dropped by SIGHUP: $(cat "$TMP/hold.out")"
grep -q "hold ok 50" "$TMP/hold.out" || fail "hold: $(cat "$TMP/hold.out")"
ok "SIGHUP: 50 open connections kept"
stop_host

# Bad values: every problem as file:line, exit 2.
cat >"$TMP/bad.ini" <<INI
[forward bad]
listen = 127.0.0.1
listen = nowhere:80
to = 127.0.0.1:99999
allow = 10.0.0.0/33
max_connections = 0
connect_timeout = soon

[forward empty]
idle_timeout = 5s

; issue 18 M4: empty lists would let everybody in; port 0 reaches nothing
[forward nothing]
listen = 127.0.0.1:1
to = 127.0.0.1:0
allow =
allow = ,
deny = ,
INI
"$NETHOST" -t -c "$TMP/bad.ini" >"$TMP/bad.out" 2>&1
rc=$?
[ $rc = 2 ] || fail "bad config: exit $rc, want 2"
for want in "bad.ini:2: \[forward bad\] listen: '127.0.0.1'" \
	"bad.ini:3: \[forward bad\] listen: 'nowhere:80'" \
	"bad.ini:4: \[forward bad\] to: .*99999" \
	"bad.ini:5: \[forward bad\] allow: .*10.0.0.0/33" \
	"bad.ini:6: \[forward bad\] max_connections" \
	"bad.ini:7: \[forward bad\] connect_timeout: .*soon" \
	"bad.ini:9: \[forward empty\] listen: missing" \
	"bad.ini:9: \[forward empty\] to: missing" \
	"bad.ini:15: \[forward nothing\] to: '127.0.0.1:0': port 0" \
	"bad.ini:16: \[forward nothing\] allow: empty list" \
	"bad.ini:17: \[forward nothing\] allow: empty list" \
	"bad.ini:18: \[forward nothing\] deny: empty list"; do
	grep -q -- "$want" "$TMP/bad.out" || { cat "$TMP/bad.out"; fail "bad config: no line like '$want'"; }
done
ok "bad config: every problem reported as file:line (empty lists, port 0 too), exit 2"
