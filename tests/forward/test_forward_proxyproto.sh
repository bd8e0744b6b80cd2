#!/bin/sh
# forward and the PROXY protocol: send_proxy v1/v2 headers checked byte for
# byte by a receiver written from the spec (IPv4, IPv6, a dual-stack
# listener's v4-mapped clients); accept_proxy with the header's address as
# the client for allow/deny and send_proxy, the payload after it relayed
# untouched; missing, malformed, slow and cut headers refused with a log
# line; the CLI flags; and HAProxy on either side (accept-proxy behind
# nethost, send-proxy-v2 in front of it).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/forward/common.sh"
need_cmd python3 python3
PT="python3 $top_srcdir/tests/forward/proxytool.py"

R=$(free_port); L1=$(free_port); L2=$(free_port); L6=$(free_port); LD=$(free_port)
A1=$(free_port); P=$(free_port); LH1=$(free_port); LH2=$(free_port); A2=$(free_port)
H1=$(free_port); H2=$(free_port); C=$(free_port)
$PT receiver 127.0.0.1 "$R" >"$TMP/recv.out" 2>&1 &
RPID=$!
at_exit "kill $RPID 2>/dev/null"
wait_for_log "$TMP/recv.out" 10 ready || fail "receiver did not start"

cat >"$TMP/fwd.ini" <<INI
[forward v1]
listen = 127.0.0.1:$L1
to = 127.0.0.1:$R
send_proxy = v1

[forward v2]
listen = 127.0.0.1:$L2
to = 127.0.0.1:$R
send_proxy = v2

[forward v6]
listen = [::1]:$L6
to = 127.0.0.1:$R
send_proxy = v2

[forward dual]
listen = [::]:$LD
to = 127.0.0.1:$R
send_proxy = v1

[forward plain]
listen = 127.0.0.1:$P
to = 127.0.0.1:$R

; behind a proxy: the header's client is checked and passed on
[forward behind]
listen = 127.0.0.1:$A1
to = 127.0.0.1:$R
accept_proxy = on
send_proxy = v1
allow = 10.0.0.0/8, 2001:db8::/32
connect_timeout = 600ms

; the two ends of HAProxy
[forward tohaproxy1]
listen = 127.0.0.1:$LH1
to = 127.0.0.1:$H1
send_proxy = v1

[forward tohaproxy2]
listen = 127.0.0.1:$LH2
to = 127.0.0.1:$H1
send_proxy = v2

[forward fromhaproxy]
listen = 127.0.0.1:$A2
to = 127.0.0.1:$R
accept_proxy = on
send_proxy = v1
deny = 127.0.0.7
INI
start_host "$TMP/fwd.ini"

# ---- send_proxy: the receiver got exactly header + payload --------------
check() { out=$($PT expect "$@") || fail "expect $*: $out"; ok "$out"; }
check v1 127.0.0.1 "$L1"
check v1 127.0.0.1 "$L1" 127.0.0.5
check v2 127.0.0.1 "$L2"
check v2 127.0.0.1 "$L2" 127.0.0.9
check v2 ::1 "$L6"
check v1 127.0.0.1 "$LD" 127.0.0.3 # v4-mapped on the socket, TCP4 in the header
check v1 ::1 "$LD"
check none 127.0.0.1 "$P"
# The header leaves with the client's first bytes, or alone when the
# client is silent (a server that speaks first) or sends nothing at all.
check v1 127.0.0.1 "$L1" --late 0.3
check v2 ::1 "$L6" --late 0.3
check v1 127.0.0.1 "$L1" --empty
check v2 127.0.0.1 "$L2" --empty

# ---- accept_proxy -------------------------------------------------------
PAY=$(python3 -c "import sys; sys.path.insert(0, '$top_srcdir/tests/forward'); import proxytool; print(proxytool.PAYLOAD.hex())")
# send HEX [PAUSE]: what the receiver got, hex, or closed / reset
via() { $PT send 127.0.0.1 "$A1" "$@"; }
want() { # want EXPECTED-REPLY HEX [PAUSE]
	local w=$1 got
	shift
	got=$(via "$@") || fail "send $*: $got"
	# a refused client may have sent unread bytes: the kernel says RST
	[ "$w" = closed ] && [ "$got" = reset ] && return
	[ "$got" = "$w" ] || fail "sent $1: got '$got', want '$w'"
}
hdr() { $PT "$@"; }
# v1 in, v1 out with the header's client; the payload after it untouched
want "reply $(hdr v1 10.1.2.3 4000 10.9.9.9 80)$PAY" "$(hdr v1 10.1.2.3 4000 10.9.9.9 80)$PAY"
ok "v1 header in: client 10.1.2.3:4000 passed on, payload relayed"
# v2 IPv6 in, v1 TCP6 out
want "reply $(hdr v1 2001:db8::5 1 2001:db8::1 443)$PAY" "$(hdr v2 2001:db8::5 1 2001:db8::1 443)$PAY"
ok "v2 IPv6 header in"
# a header in two parts, the second 300 ms later (within connect_timeout)
want "reply $(hdr v1 10.0.0.1 5 10.0.0.2 6)$PAY" "$(hdr v2 10.0.0.1 5 10.0.0.2 6)$PAY" 0.3
ok "a header in two parts"
# LOCAL (a proxy's own health check): the real connection is the client,
# and 127.0.0.1 is not allowed here
want closed "$(printf '0d0a0d0a000d0a515549540a20000000')$PAY"
wait_for_log "$TMP/host.log" 5 "client 127.0.0.1:[0-9]* (PROXY v2) refused by allow/deny" ||
	fail "no refusal logged for a LOCAL header from 127.0.0.1"
ok "v2 LOCAL: the real address, refused by allow"
# the header's client is not allowed
want closed "$(hdr v1 192.0.2.1 4000 10.9.9.9 80)$PAY"
wait_for_log "$TMP/host.log" 5 "client 192.0.2.1:4000 (PROXY v1) refused by allow/deny" ||
	fail "no refusal logged for 192.0.2.1"
ok "a header's client refused by allow"
# no header, a malformed one, a cut one, a slow one, none at all
want closed "$(printf 'GET / HTTP/1.0\r\n\r\n' | od -An -tx1 | tr -d ' \n')"
wait_for_log "$TMP/host.log" 5 "no valid PROXY header (starts 47 45 54 20" || fail "no log line for HTTP"
want closed "$(printf 'PROXY TCP4 10.0.0.1 10.0.0.2 01 2\r\n' | od -An -tx1 | tr -d ' \n')$PAY"
want closed "$(printf 'PROXY TCP4 10.0.0.1 10.0.0.2 1 2\n' | od -An -tx1 | tr -d ' \n')$PAY"
[ "$(grep -c "no valid PROXY header" "$TMP/host.log")" -ge 3 ] || fail "malformed headers not logged"
ok "no header and malformed headers refused"
want closed "$(hdr v2 10.0.0.1 5 10.0.0.2 6 | cut -c1-40)"
wait_for_log "$TMP/host.log" 5 "closed in the middle of its PROXY header" || fail "no log line for a cut header"
want closed "$(hdr v1 10.0.0.1 5 10.0.0.2 6)" 1.5
wait_for_log "$TMP/host.log" 5 "no whole PROXY header within 600 ms" || fail "no log line for a slow header"
want closed "" 1.2
wait_for_log "$TMP/host.log" 5 "no whole PROXY header within 600 ms (0 bytes" || fail "no log line for silence"
ok "cut, slow and absent headers refused"
want closed ""
wait_for_log "$TMP/host.log" 5 "closed before sending a PROXY header" || fail "no log for an empty connection"

# ---- HAProxy on either side ---------------------------------------------
if command -v haproxy >/dev/null 2>&1; then
	cat >"$TMP/haproxy.cfg" <<CFG
global
	maxconn 200
defaults
	mode tcp
	timeout connect 2s
	timeout client 10s
	timeout server 10s
frontend behind_nethost
	bind 127.0.0.1:$H1 accept-proxy
	default_backend receiver
backend receiver
	server r 127.0.0.1:$R send-proxy
frontend before_nethost
	bind 127.0.0.1:$H2
	default_backend nethost
backend nethost
	server n 127.0.0.1:$A2 send-proxy-v2
CFG
	haproxy -db -f "$TMP/haproxy.cfg" >"$TMP/haproxy.log" 2>&1 &
	HPID=$!
	at_exit "kill $HPID 2>/dev/null"
	i=0
	until python3 -c "import socket; socket.create_connection(('127.0.0.1', $H2), 1)" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] || fail "haproxy did not start: $(cat "$TMP/haproxy.log")"
		sleep 0.1
	done
	# nethost send_proxy -> haproxy accept-proxy -> receiver: haproxy saw
	# our client (the address and port it says in its own header).
	for v in 1 2; do
		port=$(eval echo \$LH$v)
		out=$($PT client 127.0.0.1 "$port" 127.0.0.5) || fail "via haproxy (v$v): $out"
		set -- $out
		[ "$1 $2 $3 $5" = "v1 127.0.0.5 127.0.0.1 $port" ] && [ "$4" = "$6" ] ||
			fail "haproxy behind send_proxy v$v saw '$out', want 127.0.0.5 port $6 -> :$port"
		ok "nethost send_proxy v$v -> haproxy accept-proxy: it saw $2:$4"
	done
	# haproxy send-proxy-v2 -> nethost accept_proxy -> receiver
	out=$($PT client 127.0.0.1 "$H2" 127.0.0.6) || fail "haproxy in front: $out"
	set -- $out
	[ "$1 $2 $3 $5" = "v1 127.0.0.6 127.0.0.1 $H2" ] && [ "$4" = "$6" ] ||
		fail "nethost behind haproxy send-proxy-v2 passed on '$out', want 127.0.0.6 port $6"
	ok "haproxy send-proxy-v2 -> nethost accept_proxy: client $2:$4"
	got=$(python3 -c "
import socket, sys
s = socket.socket(); s.settimeout(10); s.bind(('127.0.0.7', 0)); s.connect(('127.0.0.1', $H2))
s.sendall(b'x'); s.shutdown(socket.SHUT_WR)
print(s.recv(100) or b'closed')")
	[ "$got" = "closed" ] || [ "$got" = "b'closed'" ] || fail "127.0.0.7 via haproxy not refused: $got"
	wait_for_log "$TMP/host.log" 5 "client 127.0.0.7:[0-9]* (PROXY v2) refused by allow/deny" ||
		fail "no refusal logged for 127.0.0.7 behind haproxy"
	ok "deny applies to the client haproxy names"
else
	echo "# haproxy missing (apt-get install haproxy): its checks skipped"
fi

# ---- CLI ----------------------------------------------------------------
"$NETHOST" forward --help | grep -q -- "--send-proxy v1|v2" || fail "--help has no --send-proxy"
"$NETHOST" forward --help | grep -q -- "--accept-proxy" || fail "--help has no --accept-proxy"
timeout 10 "$NETHOST" forward --send-proxy v3 127.0.0.1:"$C" 127.0.0.1:"$R" >"$TMP/u.out" 2>&1
[ $? = 2 ] && grep -q -- "--send-proxy: 'v3' is neither v1 nor v2" "$TMP/u.out" ||
	fail "--send-proxy v3: $(cat "$TMP/u.out")"
"$NETHOST" forward --send-proxy v2 127.0.0.1:"$C" 127.0.0.1:"$R" >"$TMP/cli.log" 2>&1 &
CPID=$!
at_exit "kill $CPID 2>/dev/null"
wait_for_log "$TMP/cli.log" 10 "listening on" || fail "CLI did not start: $(cat "$TMP/cli.log")"
check v2 127.0.0.1 "$C" 127.0.0.4
kill "$CPID"; wait "$CPID" 2>/dev/null
"$NETHOST" forward --accept-proxy --send-proxy v1 127.0.0.1:"$C" 127.0.0.1:"$R" >"$TMP/cli.log" 2>&1 &
CPID=$!
at_exit "kill $CPID 2>/dev/null"
wait_for_log "$TMP/cli.log" 10 "listening on" || fail "CLI did not start: $(cat "$TMP/cli.log")"
got=$($PT send 127.0.0.1 "$C" "$(hdr v2 10.7.7.7 7 10.8.8.8 8)$PAY")
[ "$got" = "reply $(hdr v1 10.7.7.7 7 10.8.8.8 8)$PAY" ] || fail "CLI --accept-proxy: $got"
ok "CLI --send-proxy and --accept-proxy"
kill "$CPID"; wait "$CPID" 2>/dev/null

# ---- bad config ---------------------------------------------------------
printf '[forward x]\nlisten = 127.0.0.1:%s\nto = 127.0.0.1:%s\nsend_proxy = v3\naccept_proxy = yes\n' \
	"$C" "$R" >"$TMP/bad.ini"
"$NETHOST" -t -c "$TMP/bad.ini" >"$TMP/bad.out" 2>&1 && fail "send_proxy = v3 accepted"
grep -q "bad.ini:4.*send_proxy.*'v3' is none of off|v1|v2" "$TMP/bad.out" || fail "no error for v3: $(cat "$TMP/bad.out")"
grep -q "bad.ini:5.*accept_proxy.*'yes' is none of off|on" "$TMP/bad.out" || fail "no error for yes: $(cat "$TMP/bad.out")"
ok "bad send_proxy / accept_proxy named at their lines"

stop_host
exit 0
