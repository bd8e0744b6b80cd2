#!/bin/sh
# /metrics of a running host with [echo6], [unixipc] (stream, seqpacket, dgram)
# and [icmp] (loopback hosts when root, and URLs of a local responder):
# every counter moves by exactly what the traffic made it do; gauges
# follow clients coming and going; promtool accepts the live output.
. "$top_srcdir/tests/lib.sh"

. "$top_srcdir/tests/http/responder.sh"
start_responder

MPORT=$(free_port)
EPORT=$(free_port)
HOSTS=
# ICMP sockets need root here (or a ping_group_range we do not set).
[ "$(id -u)" = 0 ] && HOSTS="127.0.0.1, ::1,"
cat > "$TMP/live.ini" <<INI
[http m]
listen = 127.0.0.1:$MPORT

[echo6 e]
listen = 127.0.0.1:$EPORT
max_clients = 2

[unixipc s]
path = $TMP/s.sock
idle_timeout = 1s

[unixipc d]
path = $TMP/d.sock
type = dgram

[unixipc q]
path = $TMP/q.sock
type = seqpacket

; One round (every = 1h): the counts below are exact.
[icmp i]
targets = $HOSTS http://127.0.0.1:$HP/ok, http://127.0.0.1:$HP/fail
targets = http://127.0.0.1:$HANG/
every = 1h
timeout = 400ms
retries = 1
INI
start_host "$TMP/live.ini"

scrape() { scrape_metrics "$MPORT"; }
value() { # METRIC PLUGIN INSTANCE [LABELS]: its value in the last scrape
	local sel="$1{plugin=\"$2\",instance=\"$3\"${4:+,$4}}"
	awk -v s="$sel" 'index($0, s " ") == 1 { print $2 }' "$TMP/metrics"
}
expect() { # METRIC PLUGIN INSTANCE LABELS WANT
	local got
	got=$(value "$1" "$2" "$3" "$4")
	[ "$got" = "$5" ] || fail "$1{$2/$3 $4} = '$got', want $5"
}
conns() { echo "transport=\"$1\",result=\"$2\""; }

scrape
for t in tcp stream; do
	p=echo6 i=e; [ $t = stream ] && p=unixipc i=s
	for r in accepted refused timeout error; do expect nethost_echo_connections_total $p $i "$(conns $t $r)" 0; done
	expect nethost_echo_clients_active $p $i "transport=\"$t\"" 0
	expect nethost_echo_bytes_total $p $i "transport=\"$t\"" 0
done
expect nethost_echo_messages_total echo6 e 'transport="udp"' 0
expect nethost_echo_messages_total unixipc d 'transport="dgram"' 0
[ -z "$(value nethost_echo_connections_total echo6 e "$(conns udp accepted)")" ] || fail "udp has an accepted series"
ok "before traffic: every echo series present, at 0; TCP and UDP apart"

# TCP: two messages on one connection (5 + 5 bytes); UDP: three of 4.
"$NETHOST" echo6 send "127.0.0.1:$EPORT" hello world > /dev/null || fail "echo6 send"
"$NETHOST" echo6 send -u -c 3 "127.0.0.1:$EPORT" ping > /dev/null || fail "echo6 send -u"
"$NETHOST" unixipc send -c 4 "$TMP/s.sock" abc > /dev/null || fail "unixipc send"
"$NETHOST" unixipc send -T dgram -s 1000 -c 2 "$TMP/d.sock" > /dev/null || fail "unixipc send dgram"
"$NETHOST" unixipc send -T seqpacket -c 3 "$TMP/q.sock" hello ab > /dev/null || fail "unixipc send seqpacket"
# Two clients that stay (max_clients = 2), a third one refused.
"$PY" -c '
import socket, sys, time
port = int(sys.argv[1])
held = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
for s in held:
    s.sendall(b"x"); s.recv(1)
third = socket.create_connection(("127.0.0.1", port))
third.settimeout(5)
assert third.recv(1) == b"", "third client not refused"
open(sys.argv[2], "w").close()
time.sleep(30)
' "$EPORT" "$TMP/held" &
CPID=$!
at_exit "kill $CPID 2>/dev/null"
i=0; while [ ! -e "$TMP/held" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -e "$TMP/held" ] || fail "the held clients did not connect"
scrape
expect nethost_echo_clients_active echo6 e 'transport="tcp"' 2
expect nethost_echo_connections_total echo6 e "$(conns tcp accepted)" 3
expect nethost_echo_connections_total echo6 e "$(conns tcp refused)" 1
expect nethost_echo_messages_total echo6 e 'transport="tcp"' 4
expect nethost_echo_bytes_total echo6 e 'transport="tcp"' 12
expect nethost_echo_messages_total echo6 e 'transport="udp"' 3
expect nethost_echo_bytes_total echo6 e 'transport="udp"' 12
expect nethost_echo_connections_total unixipc s "$(conns stream accepted)" 1
expect nethost_echo_messages_total unixipc s 'transport="stream"' 4
expect nethost_echo_bytes_total unixipc s 'transport="stream"' 12
expect nethost_echo_messages_total unixipc d 'transport="dgram"' 2
expect nethost_echo_bytes_total unixipc d 'transport="dgram"' 2000
expect nethost_echo_connections_total unixipc q "$(conns seqpacket accepted)" 1
expect nethost_echo_messages_total unixipc q 'transport="seqpacket"' 6
expect nethost_echo_bytes_total unixipc q 'transport="seqpacket"' 21
ok "echo: accepted, refused, active, messages and bytes moved by exactly the traffic sent"

kill "$CPID"; wait "$CPID" 2>/dev/null
# A client that says nothing is closed after idle_timeout (1s).
"$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(5)
assert s.recv(1) == b""
' "$TMP/s.sock" || fail "idle unixipc client not closed"
i=0
while [ $i -lt 40 ]; do
	scrape
	[ "$(value nethost_echo_clients_active echo6 e 'transport="tcp"')" = 0 ] && break
	sleep 0.05; i=$((i + 1))
done
expect nethost_echo_clients_active echo6 e 'transport="tcp"' 0
expect nethost_echo_connections_total unixipc s "$(conns stream timeout)" 1
expect nethost_echo_connections_total unixipc s "$(conns stream accepted)" 2
expect nethost_echo_clients_active unixipc s 'transport="stream"' 0
ok "echo: clients leaving bring the gauge back to 0; an idle client counts as a timeout"

# icmp: one round. The hang URL takes 2 x 400 ms; wait for its verdict.
wait_for_log "$TMP/host.log" 10 "http://127.0.0.1:$HANG/ is down" || fail "no verdict on the hang URL"
scrape
ok_url="http://127.0.0.1:$HP/ok" fail_url="http://127.0.0.1:$HP/fail" hang_url="http://127.0.0.1:$HANG/"
expect nethost_icmp_target_up icmp i "target=\"$ok_url\"" 1
expect nethost_icmp_probes_total icmp i "target=\"$ok_url\",result=\"reply\"" 1
expect nethost_icmp_probes_total icmp i "target=\"$ok_url\",result=\"error\"" 0
rtt=$(value nethost_icmp_last_rtt_seconds icmp i "target=\"$ok_url\"")
awk -v r="$rtt" 'BEGIN { exit !(r > 0 && r < 0.4) }' || fail "rtt of $ok_url: '$rtt'"
expect nethost_icmp_target_up icmp i "target=\"$fail_url\"" 0
expect nethost_icmp_probes_total icmp i "target=\"$fail_url\",result=\"error\"" 2
expect nethost_icmp_last_rtt_seconds icmp i "target=\"$fail_url\"" NaN
expect nethost_icmp_target_up icmp i "target=\"$hang_url\"" 0
expect nethost_icmp_probes_total icmp i "target=\"$hang_url\",result=\"timeout\"" 2
expect nethost_icmp_probes_total icmp i "target=\"$hang_url\",result=\"reply\"" 0
grep -q "icmp/i: http://127.0.0.1:$HP/fail is down (HTTP status 500)" "$TMP/host.log" || fail "500 not logged"
ok "icmp URL targets: up 1/0, rtt (NaN without an answer), probes by result, retries counted"
if [ -n "$HOSTS" ]; then
	for h in 127.0.0.1 ::1; do
		expect nethost_icmp_target_up icmp i "target=\"$h\"" 1
		expect nethost_icmp_probes_total icmp i "target=\"$h\",result=\"reply\"" 1
		expect nethost_icmp_probes_total icmp i "target=\"$h\",result=\"timeout\"" 0
		rtt=$(value nethost_icmp_last_rtt_seconds icmp i "target=\"$h\"")
		awk -v r="$rtt" 'BEGIN { exit !(r > 0 && r < 0.4) }' || fail "rtt of $h: '$rtt'"
	done
	ok "icmp hosts 127.0.0.1 and ::1: up, one reply each, an RTT"
else
	echo "# not root: ICMP hosts left out"
fi

if command -v promtool > /dev/null 2>&1; then
	promtool check metrics < "$TMP/metrics" > "$TMP/promtool" 2>&1 || fail "promtool: $(cat "$TMP/promtool")"
	ok "promtool check metrics accepts the live output"
else
	echo "# promtool not installed: live output not checked by it"
fi

kill -USR1 "$HOST_PID"
wait_for_log "$TMP/host.log" 5 "echo6/e: tcp: clients=0 accepted=3 refused=1 timeouts=0 errors=0 bytes=12; udp: datagrams=3 bytes=12" ||
	fail "the SIGUSR1 report differs from the metrics"
ok "the SIGUSR1 report agrees with /metrics"
stop_host
ok "clean stop"
