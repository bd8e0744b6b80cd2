#!/bin/sh
# unixipc: socketpair self-test, echo over stream / seqpacket / dgram
# sockets (file and abstract), large and many messages, clients that
# abort or stop reading, and no fd left behind.
. "$top_srcdir/tests/lib.sh"
: "${NETHOST_WRAPPER:=}" # lib.sh reads it under set -u

CLIENTS="$top_srcdir/tests/echo6/echo_clients.py"
ABS="@nethost-test-$$"

# pair: both processes report what they received, in order.
out=$("$NETHOST" unixipc pair ping pong) || fail "pair failed: $out"
[ "$(echo "$out" | grep -c "^4 bytes from parent [0-9]*: p[io]ng$")" = 2 ] || fail "child lines: $out"
[ "$(echo "$out" | grep -c "^4 bytes from child [0-9]*: p[io]ng time=")" = 2 ] || fail "parent lines: $out"
[ "$(echo "$out" | sed -n 1p | cut -d: -f2)" = " ping" ] || fail "out of order: $out"
for t in stream seqpacket dgram; do
	out=$("$NETHOST" unixipc pair -T $t -s 60000 -c 50 -q) || fail "pair -T $t: $out"
	echo "$out" | grep -q "^50 sent, 50 echoed intact" || fail "pair -T $t: $out"
done
out=$("$NETHOST" unixipc pair -s 1048576 -c 3 -q) || fail "pair 1 MB: $out"
echo "$out" | grep -q "^3 sent, 3 echoed intact" || fail "pair 1 MB: $out"
ok "unixipc pair over stream, seqpacket and dgram; 1 MB on stream"

cat > "$TMP/u.ini" <<INI
[unixipc stream]
path = $TMP/s.sock
[unixipc seq]
path = $ABS
type = seqpacket
[unixipc dgram]
path = $TMP/d.sock
type = dgram
mode = 0660
INI
start_host "$TMP/u.ini" -v
fds=$(fd_count "$HOST_PID")
[ "$(stat -c %a "$TMP/s.sock")" = 600 ] || fail "s.sock mode $(stat -c %a "$TMP/s.sock")"
[ "$(stat -c %a "$TMP/d.sock")" = 660 ] || fail "d.sock mode $(stat -c %a "$TMP/d.sock")"
ok "socket files created with their mode (0600 default, 0660)"

out=$("$NETHOST" unixipc send "$TMP/s.sock" hello) || fail "send: $out"
[ "$out" = "5 bytes from $TMP/s.sock: hello time=${out##*time=}" ] || fail "bad output: $out"
out=$("$NETHOST" unixipc send -s 1048576 -c 5 -q "$TMP/s.sock") || fail "1 MB stream: $out"
echo "$out" | grep -q "^5 sent, 5 echoed intact" || fail "1 MB stream: $out"
python3 "$CLIENTS" messages "unix:$TMP/s.sock" 2000 100 || fail "many messages"
python3 "$CLIENTS" many "unix:$TMP/s.sock" 300 10000 || fail "300 clients"
ok "stream: 1 MB messages, 2000 messages, 300 clients at once"

out=$("$NETHOST" unixipc send -T seqpacket -s 60000 -c 200 -q "$ABS") || fail "seqpacket: $out"
echo "$out" | grep -q "^200 sent, 200 echoed intact" || fail "seqpacket: $out"
python3 "$CLIENTS" many "seqpacket:$ABS" 100 1000 || fail "100 seqpacket clients"
"$NETHOST" unixipc send -T seqpacket -s 100000 "$ABS" >"$TMP/out" 2>&1 && fail "oversize seqpacket echoed"
grep -q "connection closed by peer\|Connection reset" "$TMP/out" || fail "oversize: $(cat "$TMP/out")"
wait_for_log "$TMP/host.log" 5 "message larger than the buffer" || fail "no oversize log line"
ok "seqpacket (abstract name): 60000-byte messages, 100 clients; oversize closes with a log line"

out=$("$NETHOST" unixipc send -T dgram -s 60000 -c 200 -q "$TMP/d.sock") || fail "dgram: $out"
echo "$out" | grep -q "^200 sent, 200 echoed intact" || fail "dgram: $out"
"$NETHOST" unixipc send "$TMP/d.sock" x >"$TMP/out" 2>&1 && fail "stream client on a dgram socket"
grep -q "not a stream socket (try --type)" "$TMP/out" || fail "type mismatch: $(cat "$TMP/out")"
ok "dgram: 60000-byte datagrams; a type mismatch is explained"

python3 "$CLIENTS" abort "unix:$TMP/s.sock" || fail "abort"
python3 "$CLIENTS" stall "unix:$TMP/s.sock" || fail "stall"
ok "a client aborting mid-message or not reading disturbs no one"

i=0
while [ "$(fd_count "$HOST_PID")" != "$fds" ] && [ $i -lt 40 ]; do sleep 0.05; i=$((i + 1)); done
[ "$(fd_count "$HOST_PID")" = "$fds" ] || fail "fds: $fds before, $(fd_count "$HOST_PID") after"
stop_host
[ -e "$TMP/s.sock" ] && fail "s.sock left behind"
[ -e "$TMP/d.sock" ] && fail "d.sock left behind"
ok "no fd leak; socket files removed at shutdown"
