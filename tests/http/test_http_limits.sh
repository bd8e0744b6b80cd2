#!/bin/sh
# [http] max_connections and idle_timeout (issue 18, H1 and a low):
# with max_connections = 1, 20 sequential curl requests are all answered
# (the second used to time out for good); with the default 64, 64 idle
# clients hold every slot, a scrape waits, and is answered within 1 s of
# one idle client closing; idle_timeout values libmicrohttpd cannot hold
# (over 4294967295s) are refused, naming the text and the maximum.
. "$top_srcdir/tests/lib.sh"

need_cmd curl curl
PORT=$(free_port)
cat > "$TMP/one.ini" <<INI
[http m]
listen = 127.0.0.1:$PORT
max_connections = 1
INI
start_host "$TMP/one.ini"
for i in $(seq 20); do
	code=$(curl -s -m 2 -o /dev/null -w "%{http_code}" "http://127.0.0.1:$PORT/status")
	[ "$code" = 200 ] || fail "max_connections = 1: request $i got '$code'"
done
ok "max_connections = 1: 20 sequential requests all answered"

# Two at once: the second waits in the backlog for the first to go.
python3 - "$PORT" <<'PY' || fail "max_connections = 1, two clients"
import socket, sys, time
port = int(sys.argv[1])
a = socket.create_connection(("127.0.0.1", port), timeout=3)
time.sleep(0.2)
b = socket.create_connection(("127.0.0.1", port), timeout=3)
b.sendall(b"GET /status HTTP/1.1\r\nHost: x\r\n\r\n")
b.settimeout(0.5)
try:
    assert b.recv(1) == b"", "answered a second client while the first holds the only slot"
    raise SystemExit("second client closed instead of waiting")
except socket.timeout:
    pass
a.close()
b.settimeout(2)
assert b.recv(12) == b"HTTP/1.1 200"
PY
ok "max_connections = 1: a second client waits and is served when the first leaves"
stop_host

cat > "$TMP/64.ini" <<INI
[http m]
listen = 127.0.0.1:$PORT
idle_timeout = 60s
INI
start_host "$TMP/64.ini"
fds=$(fd_count "$HOST_PID")
python3 - "$PORT" "$HOST_PID" <<'PY' || fail "64 idle clients"
import os, socket, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(64)]
t = time.monotonic()
base = len(os.listdir("/proc/%d/fd" % pid))
while len(os.listdir("/proc/%d/fd" % pid)) < base + 64 and time.monotonic() - t < 5:
    time.sleep(0.05)
scrape = socket.create_connection(("127.0.0.1", port))
scrape.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
scrape.settimeout(1)
try:
    scrape.recv(1)
    raise SystemExit("a 65th client was served (or closed) while 64 hold every slot")
except socket.timeout:
    pass
idle[0].close()
t = time.monotonic()
scrape.settimeout(1)
head = scrape.recv(12)
took = time.monotonic() - t
assert head == b"HTTP/1.1 200", head
assert took < 1, took
print("  scrape answered %.3f s after one of 64 idle clients closed" % took)
for s in idle[1:]:
    s.close()
PY
sleep 0.3
[ "$(fd_count "$HOST_PID")" = "$fds" ] || fail "fds: $fds before, $(fd_count "$HOST_PID") after"
ok "64 idle clients: a scrape waits, and is answered within 1 s of one closing; no fd left"
stop_host

# idle_timeout: MHD holds whole seconds in an unsigned int.
printf '[http a]\nidle_timeout = 4294967297s\n[http b]\nidle_timeout = 4294967296s\n[http c]\nlisten = 127.0.0.1:%s\nidle_timeout = 4294967295s\n' "$PORT" > "$TMP/t.ini"
"$NETHOST" -t -c "$TMP/t.ini" > "$TMP/t.out" 2>&1
rc=$?
[ $rc = 2 ] || fail "idle_timeout over the maximum: exit $rc: $(cat "$TMP/t.out")"
grep -q "t.ini:2: \[http a\] idle_timeout: '4294967297s' is too long: at most 4294967295s" "$TMP/t.out" ||
	fail "4294967297s: $(cat "$TMP/t.out")"
grep -q "t.ini:4: \[http b\] idle_timeout: '4294967296s' is too long: at most 4294967295s" "$TMP/t.out" ||
	fail "4294967296s: $(cat "$TMP/t.out")"
grep -q "http c" "$TMP/t.out" && fail "4294967295s refused: $(cat "$TMP/t.out")"
ok "idle_timeout over 4294967295s refused with the text and the maximum"

# The maximum itself is held: a silent client is not closed at once.
printf '[http c]\nlisten = 127.0.0.1:%s\nidle_timeout = 4294967295s\n' "$PORT" > "$TMP/max.ini"
start_host "$TMP/max.ini"
python3 - "$PORT" <<'PY' || fail "idle_timeout = 4294967295s"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
try:
    s.recv(1)
    raise SystemExit("closed a silent client at once")
except socket.timeout:
    pass
s.sendall(b"GET /status HTTP/1.1\r\nHost: x\r\n\r\n")
assert s.recv(12) == b"HTTP/1.1 200"
PY
stop_host
ok "idle_timeout = 4294967295s: a silent client is kept, then served"
