#!/bin/sh
# A plugin whose create() fails, next to real services (echo6, unixipc):
# at start the host refuses to run (exit 2) with a message naming the
# file, line and section, having bound nothing; on SIGHUP it keeps the
# running configuration, even when the new file also changes a section
# that is serving clients right now, which keep echoing throughout.
# (tests/test_host_service.sh covers a reload with a bad key.)
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/hardening/hardening.sh"

PLUGINS="$top_builddir/tests/plugins"
PORT=$(free_port)
write_conf() { # $1: extra lines for [echo6 e], $2: extra sections
	cat > "$TMP/h.ini" <<INI
[echo6 e]
listen = 127.0.0.1:$PORT
udp = no
$1
[unixipc s]
path = $TMP/s.sock
$2
INI
}

write_conf "" "[failcreate x]
fail = yes"
"$NETHOST" -p "$PLUGINS" -c "$TMP/h.ini" > "$TMP/out" 2>&1
rc=$?
[ $rc = 2 ] || fail "want exit 2, got $rc: $(cat "$TMP/out")"
grep -q "error: failcreate/x: refusing to create (fail = yes)" "$TMP/out" || fail "plugin's reason missing: $(cat "$TMP/out")"
grep -q "$TMP/h.ini:7: \[failcreate x\]: create failed: Address already in use" "$TMP/out" ||
	fail "no file:line message: $(cat "$TMP/out")"
grep -q "running\|started" "$TMP/out" && fail "something started: $(cat "$TMP/out")"
[ -e "$TMP/s.sock" ] && fail "unixipc socket file created"
python3 -c 'import socket, sys; socket.socket().bind(("127.0.0.1", int(sys.argv[1])))' "$PORT" ||
	fail "port $PORT was bound"
ok "create() fails: exit 2, file:line and the plugin's reason, nothing bound"

write_conf "" ""
start_host "$TMP/h.ini" -p "$PLUGINS"
fds=$(fd_count "$HOST_PID")
start_load tcp steady "tcp:127.0.0.1:$PORT" --conns 50 --seconds 3
start_load unix steady "unix:$TMP/s.sock" --conns 10 --seconds 3
write_conf "max_clients = 100" "[failcreate x]
fail = yes"
for i in 1 2 3; do
	kill -HUP "$HOST_PID"
	sleep 0.3
done
wait_load tcp
wait_load unix
[ "$(grep -c "create failed" "$TMP/host.log")" -ge 1 ] || fail "no create failed line"
[ "$(grep -c "problem; the running configuration stays" "$TMP/host.log")" = \
  "$(grep -c "reloading" "$TMP/host.log")" ] || fail "a reload was not refused"
grep -q "stopped (reload)\|reloaded:" "$TMP/host.log" && fail "the running configuration changed"
"$NETHOST" echo6 send "127.0.0.1:$PORT" still >/dev/null || fail "echo6 not serving"
"$NETHOST" unixipc send "$TMP/s.sock" still >/dev/null || fail "unixipc not serving"
wait_fds "$fds"
ok "SIGHUP with a failing create(): old configuration kept, clients kept echoing, no fd leak"

write_conf "" ""
kill -HUP "$HOST_PID"
wait_for_log "$TMP/host.log" 5 "reloaded: 2 kept, 0 stopped, 0 started" || fail "fixed file not reloaded"
stop_host
ok "the fixed file reloads; clean exit"
