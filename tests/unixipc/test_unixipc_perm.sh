#!/bin/sh
# unixipc: stale sockets are replaced, live ones and other files never;
# file mode and allow_uid (SO_PEERCRED) keep other users out; bad config.
. "$top_srcdir/tests/lib.sh"
: "${NETHOST_WRAPPER:=}" # lib.sh reads it under set -u

SOCK="$TMP/echo.sock"

# A socket file whose owner died without removing it.
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$SOCK"
[ -S "$SOCK" ] || fail "could not make a stale socket"
cat > "$TMP/u.ini" <<INI
[unixipc main]
path = $SOCK
mode = 0666
allow_uid = 0
INI
start_host "$TMP/u.ini"
grep -q "$SOCK: removed a stale socket" "$TMP/host.log" || fail "stale socket not reported"
"$NETHOST" unixipc send "$SOCK" hi >/dev/null || fail "no echo after replacing a stale socket"
ok "a stale socket file is replaced"

# A live one is not: the second server refuses, the first keeps serving.
"$NETHOST" unixipc serve "$SOCK" >"$TMP/out" 2>&1
[ $? = 2 ] || fail "second server on a live socket did not exit 2 (cannot run)"
grep -q "$SOCK: in use by another process" "$TMP/out" || fail "live socket: $(cat "$TMP/out")"
"$NETHOST" unixipc send "$SOCK" still >/dev/null || fail "the first server lost its socket"
ok "a live socket is never taken over"

: > "$TMP/plain"
"$NETHOST" unixipc serve "$TMP/plain" >"$TMP/out" 2>&1
[ $? = 2 ] && grep -q "plain: exists and is not a socket" "$TMP/out" || fail "plain file: $(cat "$TMP/out")"
[ -f "$TMP/plain" ] || fail "a plain file was removed"
ok "a file that is not a socket is left alone"

# Another user: mode 0666 lets nobody connect, allow_uid = 0 turns it away.
if [ "$(id -u)" = 0 ]; then
	chmod 755 "$TMP"
	cat > "$TMP/asuser.py" <<'PY'
import os, socket, sys
os.setgid(65534); os.setuid(65534)
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
try:
    s.connect(sys.argv[1])
    s.sendall(b"x")
    print("echo" if s.recv(1) == b"x" else "closed")
except PermissionError:
    print("denied")
except (ConnectionResetError, BrokenPipeError):
    print("closed")
PY
	r=$(python3 "$TMP/asuser.py" "$SOCK")
	[ "$r" = closed ] || fail "uid 65534 with allow_uid = 0: $r"
	wait_for_log "$TMP/host.log" 5 "uid 65534: refused, uid not in allow_uid" || fail "no refusal line"
	stop_host

	cat > "$TMP/u2.ini" <<INI
[unixipc open]
path = $TMP/open.sock
mode = 0666
allow_uid = nobody root
[unixipc private]
path = $TMP/private.sock
INI
	start_host "$TMP/u2.ini"
	[ "$(python3 "$TMP/asuser.py" "$TMP/open.sock")" = echo ] || fail "allow_uid = nobody refused"
	[ "$(python3 "$TMP/asuser.py" "$TMP/private.sock")" = denied ] || fail "mode 0600 let nobody in"
	"$NETHOST" unixipc send "$TMP/private.sock" root >/dev/null || fail "owner refused"
	ok "mode 0600 keeps other users out; allow_uid by name and number"
else
	echo "SKIP part: uid checks need root"
fi
stop_host

# The CLI server honours --allow-uid too, and removes its file on SIGTERM.
"$NETHOST" unixipc serve -a 4242 "$TMP/cli.sock" >"$TMP/serve.log" 2>&1 &
SP=$!
at_exit "kill $SP 2>/dev/null"
wait_for_log "$TMP/serve.log" 10 "echo on" || fail "serve did not start"
"$NETHOST" unixipc send -t 2s "$TMP/cli.sock" x >"$TMP/out" 2>&1 && fail "--allow-uid 4242 let uid $(id -u) in"
kill -TERM $SP
wait $SP || fail "serve exited $? on SIGTERM"
[ -e "$TMP/cli.sock" ] && fail "serve left its socket file"
ok "serve --allow-uid; file removed on SIGTERM"

cat > "$TMP/bad.ini" <<INI
[unixipc a]
type = stream2
mode = 0999
[unixipc b]
path = @abstract
mode = 0600
[unixipc c]
path = $TMP/c.sock
type = dgram
allow_uid = 0
[unixipc d]
path = $TMP/d.sock
allow_uid = no-such-user-here
[unixipc e]
path = $TMP/e.sock
allow_uid = 0, 010
INI
"$NETHOST" -t -c "$TMP/bad.ini" >"$TMP/out" 2>&1
[ $? = 2 ] || fail "bad config did not exit 2"
for pat in "\[unixipc a\] path: missing" "bad.ini:2: \[unixipc a\] type: 'stream2'" \
	"bad.ini:3: \[unixipc a\] mode: '0999'" "\[unixipc b\] mode: an abstract socket" \
	"\[unixipc c\] allow_uid: needs type stream or seqpacket" \
	"\[unixipc d\] allow_uid: 'no-such-user-here': no such user" \
	"\[unixipc e\] allow_uid: '010': a leading zero (numbers are decimal: write 10)"; do
	grep -q "$pat" "$TMP/out" || fail "no '$pat' in: $(cat "$TMP/out")"
done
long=$(printf '%0120d' 0)
"$NETHOST" unixipc send "/tmp/$long" x >"$TMP/out" 2>&1
[ $? = 2 ] && grep -q "longer than the 107 bytes" "$TMP/out" || fail "long path: $(cat "$TMP/out")"
"$NETHOST" unixipc serve --mode=abc "$TMP/x.sock" >"$TMP/out" 2>&1
[ $? = 2 ] && grep -q "'abc'" "$TMP/out" || fail "bad --mode: $(cat "$TMP/out")"
"$NETHOST" unixipc send "$TMP/none.sock" x >"$TMP/out" 2>&1
[ $? = 1 ] && grep -q "none.sock: connect: No such file" "$TMP/out" || fail "no server: $(cat "$TMP/out")"
ok "bad config and arguments: quoted, exit 2; no server: exit 1"

"$NETHOST" -t -c "$top_srcdir/conf/unixipc.ini" >"$TMP/out" 2>&1 || fail "conf/unixipc.ini: $(cat "$TMP/out")"
ok "conf/unixipc.ini is valid"
