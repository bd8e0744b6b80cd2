#!/bin/sh
# /metrics while traffic flows through a forwarder: connections accepted,
# refused by the ACL, failed upstream and closed, bytes each way and the
# active gauge move by exactly what the clients did.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/http/responder.sh"

MPORT=$(free_port)
EPORT=$(free_port)
FPORT=$(free_port)
DPORT=$(free_port)
DEAD=$(free_port)
cat > "$TMP/fwd.ini" <<INI
[http m]
listen = 127.0.0.1:$MPORT

[echo6 e]
listen = 127.0.0.1:$EPORT

[forward f]
listen = 127.0.0.1:$FPORT
to = 127.0.0.1:$EPORT
allow = 127.0.0.1

; Nothing listens on its upstream.
[forward dead]
listen = 127.0.0.1:$DPORT
to = 127.0.0.1:$DEAD
connect_timeout = 1s
INI
start_host "$TMP/fwd.ini"

value() { # METRIC INSTANCE [LABEL]: its value in the last scrape
	awk -v s="$1{plugin=\"forward\",instance=\"$2\"${3:+,$3}}" 'index($0, s " ") == 1 { print $2 }' "$TMP/metrics"
}
expect() { # METRIC INSTANCE LABEL WANT
	got=$(value "$1" "$2" "$3")
	[ "$got" = "$4" ] || fail "$1{$2 $3} = '$got', want $4"
}

scrape_metrics "$MPORT"
for r in accepted refused failed closed; do expect nethost_forward_connections_total f "result=\"$r\"" 0; done
expect nethost_forward_bytes_total f 'direction="upstream"' 0
expect nethost_forward_connections_active f "" 0
ok "before traffic: every forward series present, at 0"

# Five clients through the forwarder, 1000 bytes each way; two held open.
"$PY" - "$FPORT" "$TMP/held" <<'PY' &
import socket, sys, time
port = int(sys.argv[1])
def echo(s, n):
    s.sendall(b"y" * n)
    got = b""
    while len(got) < n:
        got += s.recv(n - len(got))
    assert got == b"y" * n
for _ in range(3):
    s = socket.create_connection(("127.0.0.1", port))
    echo(s, 1000)
    s.close()
held = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
for s in held:
    echo(s, 1000)
open(sys.argv[2], "w").close()
time.sleep(30)
PY
CPID=$!
at_exit "kill $CPID 2>/dev/null"
# One client the ACL refuses (127.0.0.2 is not allowed), one whose upstream is dead.
"$PY" -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.2", 0)); s.connect(("127.0.0.1", int(sys.argv[1])))
s.settimeout(5); assert s.recv(1) == b""
d = socket.create_connection(("127.0.0.1", int(sys.argv[2])))
d.settimeout(5); assert d.recv(1) == b""
' "$FPORT" "$DPORT" || fail "refused or failed client not closed"
i=0; while [ ! -e "$TMP/held" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -e "$TMP/held" ] || fail "held clients did not connect"
sleep 0.2 # the three short connections' closes reach the host
scrape_metrics "$MPORT"
expect nethost_forward_connections_total f 'result="accepted"' 6
expect nethost_forward_connections_total f 'result="refused"' 1
expect nethost_forward_connections_total f 'result="closed"' 3
expect nethost_forward_connections_active f "" 2
expect nethost_forward_bytes_total f 'direction="upstream"' 5000
expect nethost_forward_bytes_total f 'direction="downstream"' 5000
expect nethost_forward_connections_total dead 'result="failed"' 1
ok "accepted 6, refused 1, closed 3, active 2, 5000 bytes each way, 1 failed upstream"

kill "$CPID"; wait "$CPID" 2>/dev/null
sleep 0.2
scrape_metrics "$MPORT"
expect nethost_forward_connections_active f "" 0
expect nethost_forward_connections_total f 'result="closed"' 5
ok "the held clients gone: active 0, closed 5"
if command -v promtool > /dev/null; then
	promtool check metrics < "$TMP/metrics" > "$TMP/promtool.out" 2>&1 || fail "promtool: $(cat "$TMP/promtool.out")"
	ok "promtool accepts the output"
fi
stop_host
exit 0
