#!/bin/sh
# The status page at / in a real browser: Debian's chromium (headless)
# loads it from a running host in a namespace with a forwarder that has
# one upstream down (by its checks) and an icmp instance with a silent target. The
# rendered DOM marks the down upstream and the silent target down and the
# others up, the forwarder's counters move after traffic, a target whose
# name holds <script> shows as text, JSON and CSV carry the same data. A
# screenshot is left in the build tree (tests/http/page.png).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/icmp/netns.sh"
need_root
need_cmd chromium chromium
need_cmd curl curl

H=$(ns_name pgh)
LIVE=$(ns_name pgl)
DEAD=$(ns_name pgd)
ns_add "$H"
ns_add "$LIVE"
ns_add "$DEAD"
ns_bridge "$H" nhpgbr
ns_plug "$H" nhpgbr "$LIVE" nhpg1 nhpg1p
ns_plug "$H" nhpgbr "$DEAD" nhpg2 nhpg2p
ip -n "$H" addr add 10.217.0.1/24 dev nhpgbr || fail "address in $H"
ip -n "$LIVE" addr add 10.217.0.2/24 dev nhpg1p || fail "address in $LIVE"
ip -n "$DEAD" addr add 10.217.0.3/24 dev nhpg2p || fail "address in $DEAD"
ns_silent "$DEAD"
IN_H="ip netns exec $H"

# Ports inside $H: free_port looks at the root namespace, so the ports
# are fixed ones in a namespace nobody else uses.
PORT=9100 PF=9101 PU=9102 CLOSED=9103
# An upstream that answers one line and closes (checks reset their connects).
$IN_H python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64)
print("ready", flush=True)
while True:
    c, _ = s.accept()
    try: c.sendall(b"hi\n")
    except OSError: pass  # a check that reset at once
    c.close()' $PU > "$TMP/up.log" 2>&1 &
at_exit "kill $!"
wait_for_log "$TMP/up.log" 5 ready || fail "upstream did not start"

cat > "$TMP/page.ini" <<INI
[http m]
listen = 127.0.0.1:$PORT

[forward web]
listen = 127.0.0.1:$PF
to = 127.0.0.1:$CLOSED
to = 127.0.0.1:$PU
connect_timeout = 1s
; The checks mark the closed port down (without them nothing does).
check = tcp
check_interval = 200ms
fall = 1

[icmp lan]
targets = 10.217.0.2 10.217.0.3 http://127.0.0.1:$CLOSED/<script>alert(1)</script>
every = 300ms
timeout = 200ms
retries = 0
INI
NETHOST_WRAPPER="$IN_H" start_host "$TMP/page.ini"
wait_for_log "$TMP/host.log" 5 "first sweep" || fail "no first sweep"

# connect N: N clients through the forwarder, each reads the upstream's line.
connect() {
	$IN_H python3 -c '
import socket, sys
for i in range(int(sys.argv[2])):
    c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3)
    assert c.recv(10) == b"hi\n"; c.close()' $PF "$1" || fail "a client through the forwarder failed"
}
browse() { # FILE: the DOM after chromium rendered /
	HOME=$TMP $IN_H chromium --headless --no-sandbox --disable-gpu --dump-dom \
		"http://127.0.0.1:$PORT/" > "$1" 2> "$TMP/chromium.err" ||
		fail "chromium: $(tail -3 "$TMP/chromium.err")"
	grep -q '</html>' "$1" || fail "chromium gave no page: $(head -c 300 "$1")"
}
connect 2
# Two /probe requests for the recent-probes table, one failing.
$IN_H curl -s "http://127.0.0.1:$PORT/probe?target=10.217.0.2&module=icmp" | grep -qx 'probe_success 1' ||
	fail "/probe of the live target"
$IN_H curl -s "http://127.0.0.1:$PORT/probe?target=127.0.0.1:$CLOSED&module=tcp_connect" | grep -qx 'probe_success 0' ||
	fail "/probe of the closed port"
sleep 0.4
browse "$TMP/dom1.html"
row() { grep -o "<tr class=\"[a-z]*\" $1=\"$2\"" "$TMP/$3" | sed 's/<tr class="\([a-z]*\)".*/\1/'; }
[ "$(row data-upstream "127.0.0.1:$CLOSED" dom1.html)" = down ] || fail "the closed upstream is not down: $(row data-upstream "127.0.0.1:$CLOSED" dom1.html)"
[ "$(row data-upstream "127.0.0.1:$PU" dom1.html)" = up ] || fail "the live upstream is not up"
[ "$(row data-target 10.217.0.3 dom1.html)" = down ] || fail "the silent target is not down: $(row data-target 10.217.0.3 dom1.html)"
[ "$(row data-target 10.217.0.2 dom1.html)" = up ] || fail "the live target is not up"
grep -q '<svg class="spark"' "$TMP/dom1.html" || fail "no sparkline"
ok "chromium: the down upstream and the silent target are marked down, the others up"
python3 - "$TMP/dom1.html" $CLOSED <<'PY' || fail "recent /probe table: $(grep -o '<section id="probes">.*</section>' "$TMP/dom1.html" | head -c 600)"
import re, sys
html = open(sys.argv[1]).read()
sec = re.search(r'<section id="probes">(.*?)</section>', html, re.S).group(1)
rows = re.findall(r'<tr class="(up|down)">(.*?)</tr>', sec, re.S)
assert len(rows) == 2, rows
assert rows[0][0] == "down" and "127.0.0.1:" + sys.argv[2] in rows[0][1] and "connect" in rows[0][1], rows[0]
assert rows[1][0] == "up" and "10.217.0.2" in rows[1][1] and "icmp" in rows[1][1], rows[1]
PY
ok "the recent /probe requests: newest first, the failure with its reason"

accepted() { sed -n 's/.*<span class="accepted">\([0-9]*\)<.*/\1/p' "$1"; }
a1=$(accepted "$TMP/dom1.html")
connect 3
browse "$TMP/dom2.html"
a2=$(accepted "$TMP/dom2.html")
[ -n "$a1" ] && [ "$a2" = $((a1 + 3)) ] || fail "accepted $a1 -> $a2 after 3 clients"
ok "counters move after traffic: accepted $a1 -> $a2"

# The target holding <script> is text: no script element in the DOM.
grep -q '<script' "$TMP/dom2.html" && fail "a <script> element reached the DOM"
grep -q 'alert(1)&lt;/script&gt;' "$TMP/dom2.html" || fail "the <script> target is not shown as text"
ok "a target named <script>...</script> shows as text"

$IN_H curl -s "http://127.0.0.1:$PORT/?format=json" > "$TMP/page.json"
python3 - "$TMP/page.json" $CLOSED <<'PY' || fail "JSON: $(head -c 400 "$TMP/page.json")"
import json, sys
m = json.load(open(sys.argv[1]))
i = {x["plugin"] + "/" + x["name"]: x for x in m["instances"]}
ups = {u["upstream"]: u for u in i["forward/web"]["ctl"]["upstreams"]["upstreams"]}
assert ups["127.0.0.1:" + sys.argv[2]]["state"] == "down", ups
t = {x["target"]: x for x in i["icmp/lan"]["ctl"]["targets"]["targets"]}
assert t["10.217.0.3"]["state"] == "down" and t["10.217.0.2"]["state"] == "up", t
assert i["forward/web"]["metrics"]["nethost_forward_connections_total{result=accepted}"] >= 5
PY
$IN_H curl -s "http://127.0.0.1:$PORT/?format=csv" > "$TMP/page.csv"
grep -q '^icmp/lan,target,10.217.0.3,down,' "$TMP/page.csv" || fail "CSV: $(cat "$TMP/page.csv")"
grep -q "^forward/web,upstream,127.0.0.1:$CLOSED,down," "$TMP/page.csv" || fail "CSV upstream"
[ "$($IN_H curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/?format=xml")" = 400 ] || fail "?format=xml"
ok "/?format=json and /?format=csv: the same states; another format is 400"

HOME=$TMP $IN_H chromium --headless --no-sandbox --disable-gpu --window-size=1280,1000 \
	--screenshot="$top_builddir/tests/http/page.png" "http://127.0.0.1:$PORT/" > /dev/null 2>&1 ||
	fail "no screenshot"
[ -s "$top_builddir/tests/http/page.png" ] || fail "empty screenshot"
ok "screenshot: tests/http/page.png"
stop_host
