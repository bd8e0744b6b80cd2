#!/bin/sh
# fd exhaustion: the host runs with `ulimit -n 64` (echo6 and unixipc) and
# 100 clients connect at once to each. The host logs that accept() ran
# out of fds, keeps serving the clients it has, and accepts the waiting
# ones as soon as those leave; then new clients are served and the host
# holds the fds it held before.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/hardening/hardening.sh"

PORT=$(free_port)
cat > "$TMP/h.ini" <<INI
[echo6 e]
listen = 127.0.0.1:$PORT
udp = no
[unixipc s]
path = $TMP/s.sock
INI
NETHOST_WRAPPER="prlimit --nofile=64:64 --"
need_cmd prlimit util-linux
start_host "$TMP/h.ini"
grep -q "^Max open files *64 *64" "/proc/$HOST_PID/limits" || fail "the host's fd limit is not 64"
fds=$(fd_count "$HOST_PID")

for a in "tcp:127.0.0.1:$PORT" "unix:$TMP/s.sock"; do
	python3 "$LOAD" fdlimit "$a" --conns 100 --pid "$HOST_PID" > "$TMP/out" 2>&1 ||
		fail "$a: $(cat "$TMP/out")"
	sed "s/^/  ${a%%:*}: /" "$TMP/out"
	n=$(sed -n 's/.* host_fds=\([0-9]*\).*/\1/p' "$TMP/out")
	[ "${n:-0}" -ge 62 ] || fail "$a: the host did not run out of fds: $(cat "$TMP/out")"
done
ok "out of fds: served clients keep echoing; the waiting ones are served once fds free up"

for i in echo6/e unixipc/s; do
	# The SDK listener's line (echo accepts through it); at most one a second.
	grep -q "warning: $i: accept: Too many open files; pausing accepts for 100 ms" "$TMP/host.log" ||
		fail "$i: no log line for EMFILE"
	# One warning per shortage, not one per 100 ms pause.
	[ "$(grep -c "warning: $i: accept: Too many open files" "$TMP/host.log")" -le 2 ] ||
		fail "$i: EMFILE warned more than once per episode"
	grep -q "notice: $i: accepting again" "$TMP/host.log" || fail "$i: no line when accepts resume"
done
ok "the host logs the shortage once, and when it ends"

wait_fds "$fds"
"$NETHOST" echo6 send "127.0.0.1:$PORT" after >/dev/null || fail "echo6 not serving afterwards"
"$NETHOST" unixipc send "$TMP/s.sock" after >/dev/null || fail "unixipc not serving afterwards"
stop_host
ok "recovered: new clients served, $fds fds held as before, clean exit"
