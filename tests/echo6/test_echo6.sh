#!/bin/sh
# echo6: TCP and UDP echo on a dual-stack listener, from the config file
# and from the command line; IPv4 clients on [::]; v6only; bad input.
. "$top_srcdir/tests/lib.sh"
: "${NETHOST_WRAPPER:=}" # lib.sh reads it under set -u

PORT=$(free_port)
PORT2=$(free_port)
cat > "$TMP/echo6.ini" <<INI
[echo6 dual]
listen = [::]:$PORT
[echo6 v6]
listen = [::]:$PORT2
v6only = yes
udp = no
INI
start_host "$TMP/echo6.ini" -v
grep -q "echo on tcp \[::\]:$PORT (IPv6 and IPv4)" "$TMP/host.log" || fail "no dual-stack tcp line"
grep -q "echo on udp \[::\]:$PORT (IPv6 and IPv4)" "$TMP/host.log" || fail "no dual-stack udp line"

out=$("$NETHOST" echo6 send "[::1]:$PORT" hello world) || fail "send over IPv6 failed: $out"
echo "$out" | grep -q "^5 bytes from \[::1\]:$PORT: hello time=" || fail "bad output: $out"
echo "$out" | grep -q "^2 sent, 2 echoed intact" || fail "no summary: $out"
ok "TCP over IPv6"

out=$("$NETHOST" echo6 send "127.0.0.1:$PORT" v4client) || fail "IPv4 to [::] failed: $out"
echo "$out" | grep -q "^8 bytes from 127.0.0.1:$PORT: v4client" || fail "bad output: $out"
ok "IPv4 client on the dual-stack listener (TCP)"

out=$("$NETHOST" echo6 send -4 "localhost:$PORT" byname) || fail "send by name failed: $out"
echo "$out" | grep -q "127.0.0.1:$PORT: byname" || fail "bad output: $out"
ok "host name"

out=$("$NETHOST" echo6 send --udp "127.0.0.1:$PORT" udp4) || fail "UDP over IPv4 failed: $out"
echo "$out" | grep -q "^4 bytes from 127.0.0.1:$PORT: udp4" || fail "bad output: $out"
out=$("$NETHOST" echo6 send -u -s 60000 -c 20 -q "[::1]:$PORT") || fail "UDP 60000 failed: $out"
echo "$out" | grep -q "^20 sent, 20 echoed intact" || fail "bad output: $out"
ok "UDP over IPv4 and IPv6, 60000-byte datagrams"

out=$("$NETHOST" echo6 send -s 1048576 -c 5 -q "[::1]:$PORT") || fail "1 MB messages failed: $out"
echo "$out" | grep -q "^5 sent, 5 echoed intact" || fail "bad output: $out"
python3 "$top_srcdir/tests/echo6/echo_clients.py" messages "tcp:127.0.0.1:$PORT" 2000 100 ||
	fail "many messages"
ok "1 MB messages and 2000 messages on one connection"

"$NETHOST" echo6 send -t 1s "127.0.0.1:$PORT2" x >"$TMP/out" 2>&1 && fail "IPv4 reached a v6only listener"
grep -q "Connection refused" "$TMP/out" || fail "v6only: $(cat "$TMP/out")"
"$NETHOST" echo6 send "[::1]:$PORT2" six >/dev/null || fail "v6only refused IPv6"
ok "v6only refuses IPv4 clients, serves IPv6"

# Nothing listens: exit 1 with the reason.
"$NETHOST" echo6 send -t 1s "[::1]:$(free_port)" x >"$TMP/out" 2>&1
[ $? = 1 ] || fail "send to a closed port did not exit 1"
grep -q "Connection refused" "$TMP/out" || fail "no reason: $(cat "$TMP/out")"
stop_host
ok "closed port: exit 1"

# The command-line server, UDP only, then both.
"$NETHOST" -v echo6 serve --udp "127.0.0.1:$PORT" >"$TMP/serve.log" 2>&1 &
SP=$!
at_exit "kill $SP 2>/dev/null"
wait_for_log "$TMP/serve.log" 10 "echo on udp" || fail "serve --udp did not start"
"$NETHOST" echo6 send -u "127.0.0.1:$PORT" cli >/dev/null || fail "serve --udp does not echo"
"$NETHOST" echo6 send -t 1s "127.0.0.1:$PORT" tcp >/dev/null 2>&1 && fail "serve --udp answers TCP"
kill -INT $SP
wait $SP || fail "serve exited $? on SIGINT"
grep -q "udp: datagrams=1 " "$TMP/serve.log" || fail "no counters at exit: $(cat "$TMP/serve.log")"
ok "echo6 serve --udp, counters at exit"

# Bad input: a clear message quoting the text, exit 2.
cat > "$TMP/bad.ini" <<INI
[echo6 bad]
listen = [::]:notaport
max_clients = 0
idle_timeout = soon
[echo6 none]
tcp = no
udp = off
INI
"$NETHOST" -t -c "$TMP/bad.ini" >"$TMP/out" 2>&1
[ $? = 2 ] || fail "bad config did not exit 2"
for pat in "bad.ini:2: \[echo6 bad\] listen:.*notaport" "bad.ini:3: \[echo6 bad\] max_clients" \
	"bad.ini:4: \[echo6 bad\] idle_timeout:.*soon" "\[echo6 none\] udp: tcp and udp are both off"; do
	grep -q "$pat" "$TMP/out" || fail "no '$pat' in: $(cat "$TMP/out")"
done
"$NETHOST" echo6 send --count=x "[::1]:1" a >"$TMP/out" 2>&1
[ $? = 2 ] && grep -q "'x'" "$TMP/out" || fail "bad --count: $(cat "$TMP/out")"
"$NETHOST" echo6 serve 1.2.3.4.5 >"$TMP/out" 2>&1
[ $? = 2 ] && grep -q "1.2.3.4.5" "$TMP/out" || fail "bad LISTEN: $(cat "$TMP/out")"
"$NETHOST" echo6 send "[::1]:$PORT" >"$TMP/out" 2>&1
[ $? = 2 ] || fail "send without a message did not exit 2"
"$NETHOST" echo6 bogus >/dev/null 2>&1
[ $? = 2 ] || fail "unknown verb did not exit 2"
ok "bad config and arguments: quoted, exit 2"

"$NETHOST" -t -c "$top_srcdir/conf/echo6.ini" >"$TMP/out" 2>&1 || fail "conf/echo6.ini: $(cat "$TMP/out")"
ok "conf/echo6.ini is valid"
