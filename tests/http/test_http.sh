#!/bin/sh
# [http NAME]: /metrics and /status scraped from a running host next to a
# test instance; counters move by exactly the requests made; 404, 405 with
# Allow, HEAD; promtool accepts the live output; reload shows in /status;
# idle clients are closed; a taken port and bad keys are clear errors; no
# fd leak.
. "$top_srcdir/tests/lib.sh"

PLUGINS="$top_builddir/tests/plugins"
PORT=$(free_port)
CONF="$TMP/http.ini"
write_conf() { # $1: extra sections
	cat > "$CONF" <<INI
[nethost]
log_level = debug

[http m]
listen = 127.0.0.1:$PORT
idle_timeout = 1s

$1
INI
}
write_conf "[failcreate x]"

cat > "$TMP/get.py" <<'PY'
# get.py METHOD URL: print the status, then selected headers, then the body.
import sys, urllib.request, urllib.error
req = urllib.request.Request(sys.argv[2], method=sys.argv[1])
try:
    r = urllib.request.urlopen(req, timeout=5)
    code, headers, body = r.status, r.headers, r.read()
except urllib.error.HTTPError as e:
    code, headers, body = e.code, e.headers, e.read()
print(code)
for h in ("Content-Type", "Allow"):
    if headers.get(h) is not None:
        print("%s: %s" % (h, headers.get(h)))
print("--")
sys.stdout.write(body.decode())
PY
get() { python3 "$TMP/get.py" "$1" "http://127.0.0.1:$PORT$2"; }
value() { # the value of series $1 (full name{labels}) in the last scrape
	sed -n "s/^$1 //p" "$TMP/metrics"
}
scrape() {
	get GET /metrics > "$TMP/metrics.full" || fail "scrape failed"
	sed '1,/^--$/d' "$TMP/metrics.full" > "$TMP/metrics"
}
series() { echo "nethost_http_requests_total{plugin=\"http\",instance=\"m\",code=\"$1\"}"; }

start_host "$CONF" -p "$PLUGINS"
wait_for_log "$TMP/host.log" 5 "serving /metrics and /status on http://127.0.0.1:$PORT/" || fail "no serving line"

scrape
[ "$(sed -n 1p "$TMP/metrics.full")" = 200 ] || fail "GET /metrics: $(head -n1 "$TMP/metrics.full")"
grep -qx "Content-Type: text/plain; version=0.0.4; charset=utf-8" "$TMP/metrics.full" || fail "content type: $(cat "$TMP/metrics.full")"
grep -qx "# TYPE nethost_http_requests_total counter" "$TMP/metrics" || fail "no TYPE line"
[ "$(value "$(series 200)")" = 0 ] || fail "first scrape counts itself already"
ok "GET /metrics: 200, text format 0.0.4"

fds_before=$(fd_count "$HOST_PID")
get GET /nope > "$TMP/r" ; [ "$(head -n1 "$TMP/r")" = 404 ] || fail "GET /nope: $(cat "$TMP/r")"
get GET /metricsx > "$TMP/r" ; [ "$(head -n1 "$TMP/r")" = 404 ] || fail "GET /metricsx: $(cat "$TMP/r")"
ok "unknown paths get 404"
for m in POST PUT DELETE; do
	get $m /metrics > "$TMP/r"
	[ "$(head -n1 "$TMP/r")" = 405 ] || fail "$m /metrics: $(cat "$TMP/r")"
	grep -qx "Allow: GET, HEAD" "$TMP/r" || fail "$m: no Allow header: $(cat "$TMP/r")"
done
ok "POST, PUT, DELETE get 405 with Allow: GET, HEAD"
get HEAD /metrics > "$TMP/r"
[ "$(head -n1 "$TMP/r")" = 200 ] && [ "$(sed '1,/^--$/d' "$TMP/r")" = "" ] || fail "HEAD: $(cat "$TMP/r")"
ok "HEAD /metrics: 200, no body"

# Counted so far: scrape, HEAD (200s) = 2; two 404s; three 405s.
scrape
[ "$(value "$(series 200)")" = 2 ] || fail "200 count $(value "$(series 200)"), want 2"
[ "$(value "$(series 404)")" = 2 ] || fail "404 count $(value "$(series 404)"), want 2"
[ "$(value "$(series 405)")" = 3 ] || fail "405 count $(value "$(series 405)"), want 3"
[ "$(value "$(series 500)")" = 0 ] || fail "500 count moved"
ok "request counters moved by exactly the requests made"

if command -v promtool >/dev/null 2>&1; then
	promtool check metrics < "$TMP/metrics" > "$TMP/promtool.out" 2>&1 || fail "promtool: $(cat "$TMP/promtool.out")"
	[ -s "$TMP/promtool.out" ] && fail "promtool lint: $(cat "$TMP/promtool.out")"
	ok "promtool check metrics accepts the live /metrics"
else
	echo "# promtool not installed (apt-get install prometheus): live lint skipped"
fi

get GET /status > "$TMP/status.full"
[ "$(head -n1 "$TMP/status.full")" = 200 ] || fail "GET /status: $(cat "$TMP/status.full")"
grep -qx "Content-Type: application/json" "$TMP/status.full" || fail "status content type"
sed '1,/^--$/d' "$TMP/status.full" > "$TMP/status.json"
version=$("$NETHOST" -V | sed -n 's/^nethost \([^ ]*\) .*/\1/p')
python3 - "$TMP/status.json" "$CONF" "$HOST_PID" "$version" <<'PY' || fail "status: $(cat "$TMP/status.json")"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["config_file"] == sys.argv[2], s["config_file"]
assert s["pid"] == int(sys.argv[3]), s["pid"]
assert s["version"] == sys.argv[4], s["version"]
assert s["abi"] == "2.1"
assert 0 <= s["uptime_seconds"] < 60, s["uptime_seconds"]
assert s["reloads"] == 0
# Keys are only ever added (2.1: state, ctl): compare the 2.0 ones.
assert [{k: i[k] for k in ("plugin", "name", "started")} for i in s["instances"]] == \
    [{"plugin": "http", "name": "m", "started": True},
     {"plugin": "failcreate", "name": "x", "started": True}], s["instances"]
assert all(i["state"] == "running" and i["ctl"] == [] for i in s["instances"]), s["instances"]
assert sorted(p["name"] for p in s["plugins"]) == ["failcreate", "http"], s["plugins"]
assert s["started"].endswith("Z") and "T" in s["started"]
PY
ok "GET /status: JSON with version, pid, config file, uptime, plugins, instances"

# A reload that removes the test instance shows in /status; http is kept
# (unchanged section), so its counters keep counting.
write_conf ""
kill -HUP "$HOST_PID"
wait_for_log "$TMP/host.log" 5 "reloaded: 1 kept, 1 stopped, 0 started" || fail "reload"
get GET /status | sed '1,/^--$/d' > "$TMP/status.json"
python3 - "$TMP/status.json" <<'PY' || fail "status after reload: $(cat "$TMP/status.json")"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["reloads"] == 1, s["reloads"]
assert [{k: i[k] for k in ("plugin", "name", "started")} for i in s["instances"]] == \
    [{"plugin": "http", "name": "m", "started": True}], s["instances"]
PY
scrape
# 200s: 3 scrapes, HEAD, 2 status requests.
[ "$(value "$(series 200)")" = 5 ] || fail "200 count after reload $(value "$(series 200)"), want 5"
ok "reload: /status shows one reload and the instance gone; counters kept"

# Scrapers reuse their connection: two requests on one socket. Counted
# below as two more 200s.
python3 - "$PORT" <<'PY' || fail "keep-alive"
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
c.request("GET", "/metrics"); r = c.getresponse(); r.read()
assert r.status == 200 and r.getheader("Connection") != "close", r.getheaders()
first = c.sock
c.request("GET", "/status"); r = c.getresponse(); r.read()
assert r.status == 200 and c.sock is first and first is not None
PY
ok "keep-alive: two requests on one connection"

# A client that says nothing is closed after idle_timeout (1s).
python3 - "$PORT" <<'PY' || fail "idle client not closed"
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
t = time.monotonic()
assert s.recv(1) == b""
assert time.monotonic() - t < 4.5
PY
ok "an idle client is closed"

# Many requests leave no fd behind.
python3 - "$PORT" <<'PY' || fail "burst"
import sys, urllib.request
for i in range(50):
    urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=5).read()
PY
sleep 0.2
[ "$(fd_count "$HOST_PID")" = "$fds_before" ] || fail "fds: $fds_before before, $(fd_count "$HOST_PID") after"
ok "no fd leak over 50 requests"

# The port is taken now: a second host says so and exits 1.
"$NETHOST" -p "$PLUGINS" -c "$CONF" > "$TMP/second.log" 2>&1
rc=$?
[ $rc = 1 ] || fail "second host on a taken port exited $rc: $(cat "$TMP/second.log")"
grep -q "http/m: listen 127.0.0.1:$PORT: .*in use" "$TMP/second.log" || fail "taken port: $(cat "$TMP/second.log")"
ok "a taken port is a clear error, exit 1"
stop_host
ok "stops on SIGTERM"

# Bad keys: file:line and the text quoted, exit 2.
printf '[http a]\nlisten = 127.0.0.1:99999\n[http b]\nidle_timeout = 1500ms\n[http c]\nmax_connections = 0\n[http d]\nport = 1\n' > "$TMP/bad.ini"
"$NETHOST" -t -c "$TMP/bad.ini" > "$TMP/bad.out" 2>&1
rc=$?
[ $rc = 2 ] || fail "bad config exited $rc"
grep -q "bad.ini:2: \[http a\] listen: .*99999" "$TMP/bad.out" || fail "bad listen: $(cat "$TMP/bad.out")"
grep -q "bad.ini:4: \[http b\] idle_timeout: must be whole seconds" "$TMP/bad.out" || fail "bad idle_timeout: $(cat "$TMP/bad.out")"
grep -q "bad.ini:6: \[http c\] max_connections:" "$TMP/bad.out" || fail "bad max_connections: $(cat "$TMP/bad.out")"
grep -q "bad.ini:8: \[http d\] port: unknown key" "$TMP/bad.out" || fail "unknown key: $(cat "$TMP/bad.out")"
ok "bad keys: file:line, quoted, exit 2"
