#!/bin/sh
# [http] raw requests over a socket (issue 18): every request gets an
# answer, and every framing error gets 400 and a closed connection (RFC
# 9112): a GET or HEAD with a body, conflicting or repeated
# Content-Length, Content-Length with Transfer-Encoding, whitespace before
# the colon, HTTP/1.1 without Host or with two. Bytes after a refused
# request are never answered as a request of their own. Correct requests
# (HTTP/1.0 without Host, GET with Content-Length: 0, two on one
# connection) get 200; a first line that is not a request line is
# closed without an answer. The 400s are counted. libmicrohttpd's own
# messages (for what it refuses itself) are logged 5 a second at most.
. "$top_srcdir/tests/lib.sh"

PORT=$(free_port)
cat > "$TMP/h.ini" <<INI
[http m]
listen = 127.0.0.1:$PORT
INI
start_host "$TMP/h.ini"

cat > "$TMP/raw.py" <<'PY'
# raw.py PORT: each case sent on its own connection; what comes back
# must be the expected status line(s), then the server's close.
import socket, sys
port = int(sys.argv[1])
H = b"Host: x\r\n"
cases = [
    # name, request bytes, expected status codes in order, closed after
    ("GET with a body", b"GET /status HTTP/1.1\r\n" + H + b"Content-Length: 5\r\n\r\nhello", [400], True),
    ("HEAD with a body", b"HEAD /status HTTP/1.1\r\n" + H + b"Content-Length: 5\r\n\r\nhello", [400], True),
    ("GET chunked", b"GET /status HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", [400], True),
    ("conflicting Content-Length",
     b"GET /status HTTP/1.1\r\n" + H + b"Content-Length: 0\r\nContent-Length: 33\r\n\r\n"
     b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", [400], True),
    ("repeated Content-Length", b"POST /status HTTP/1.1\r\n" + H + b"Content-Length: 2\r\nContent-Length: 2\r\n\r\nab", [400], True),
    ("Content-Length and Transfer-Encoding",
     b"POST /status HTTP/1.1\r\n" + H + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", [400], True),
    ("space before the colon", b"GET /status HTTP/1.1\r\n" + H + b"Content-Length : 5\r\n\r\nhello", [400], True),
    ("HTTP/1.1 without Host", b"GET /status HTTP/1.1\r\n\r\n", [400], True),
    ("HTTP/1.1 with two Hosts", b"GET /status HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", [400], True),
    # libmicrohttpd closes a first line that is not a request line
    # without a word: a clean close, never a 200.
    ("not a request line", b"GARBAGE\r\n\r\n", [], True),
    ("POST with a body", b"POST /status HTTP/1.1\r\n" + H + b"Content-Length: 5\r\n\r\nhello", [405], True),
    ("HTTP/1.0 without Host", b"GET /status HTTP/1.0\r\n\r\n", [200], True),
    ("GET with Content-Length: 0", b"GET /status HTTP/1.1\r\n" + H + b"Content-Length: 0\r\nConnection: close\r\n\r\n", [200], True),
    ("two requests on one connection",
     b"GET /status HTTP/1.1\r\n" + H + b"\r\nGET /nope HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n", [200, 404], True),
]
bad = 0
for name, req, want, closed in cases:
    s = socket.create_connection(("127.0.0.1", port), timeout=3)
    s.sendall(req)
    got = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            got += b
    except socket.timeout:
        if closed:
            print("FAIL %s: not closed; got %r" % (name, got[:120])); bad += 1; continue
    codes, rest = [], got
    while b"\r\n\r\n" in rest:  # each response: head, then Content-Length bytes
        head, rest = rest.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        codes.append(int(lines[0].split()[1]))
        clen = [int(l.split(b":")[1]) for l in lines if l.lower().startswith(b"content-length:")]
        rest = rest[clen[0] if clen and not name.startswith("HEAD") else 0:]
    if codes != want:
        print("FAIL %s: status %s, want %s: %r" % (name, codes, want, got[:200])); bad += 1
    elif not want and got:
        print("FAIL %s: want a close without answer, got %r" % (name, got[:120])); bad += 1
    elif 400 in want and b"Connection: close" not in got:
        print("FAIL %s: 400 without Connection: close" % name); bad += 1
    else:
        print("ok %s: %s" % (name, codes))
sys.exit(1 if bad else 0)
PY
python3 "$TMP/raw.py" "$PORT" > "$TMP/out" 2>&1 || fail "$(cat "$TMP/out")"
sed 's/^/  /' "$TMP/out"
ok "framing errors get 400 and a close; correct raw requests are answered"

metrics=$(curl -s -m 2 "http://127.0.0.1:$PORT/metrics")
n=$(echo "$metrics" | sed -n 's/^nethost_http_requests_total{plugin="http",instance="m",code="400"} //p')
[ "$n" = 9 ] || fail "400 count '$n', want 9: $metrics"
ok "the 400s are counted ($n)"
grep -q "libmicrohttpd" "$TMP/host.log" && fail "libmicrohttpd complained: $(grep libmicrohttpd "$TMP/host.log")"
ok "no libmicrohttpd message for any of them"

# What libmicrohttpd refuses itself (a Content-Length that is not a
# number) it answers 400, and logs two lines each: 40 such requests in a
# burst are logged 5 a second at most, and the next message says how
# many were left out.
python3 - "$PORT" <<'PY' > "$TMP/burst" 2>&1 || fail "burst: $(cat "$TMP/burst")"
import socket, sys, time
t = time.monotonic()
for i in range(40):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3)
    s.sendall(b"GET /status HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n")
    got = b""
    while True:
        b = s.recv(4096)
        if not b:
            break
        got += b
    assert got.startswith(b"HTTP/1.1 400 ") and b"Connection: close" in got, got[:100]
print("%.2f" % (time.monotonic() - t))
PY
secs=$(cat "$TMP/burst")
n=$(grep -c "http/m: libmicrohttpd:" "$TMP/host.log")
max=$(python3 -c "import math; print(5 * (math.ceil($secs) + 1) + 1)")
[ "$n" -le "$max" ] || fail "40 bad requests in $secs s logged $n libmicrohttpd lines (at most $max)"
sleep 1.1
curl -s -m 2 -o /dev/null -H "Content-Length: abc" "http://127.0.0.1:$PORT/status"
wait_for_log "$TMP/host.log" 2 "libmicrohttpd: [0-9]* more messages not logged" || fail "no count of the messages left out"
ok "libmicrohttpd's own 400s: answered and closed; its log limited to 5 lines a second ($n lines for 80 messages in $secs s)"
stop_host
ok "clean exit"
