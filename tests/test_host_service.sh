#!/bin/sh
# The service: start, SIGHUP reload (unchanged instances untouched, a bad
# file keeps the running config), SIGUSR1, SIGTERM, pid file, no fd leak.
. "$top_srcdir/tests/lib.sh"

PLUGINS="$top_builddir/tests/plugins"
CONF="$TMP/svc.ini"
write_conf() { # $1: note of instance two
	cat > "$CONF" <<INI
[nethost]
pid_file = $TMP/nethost.pid
log_level = debug

[failcreate one]
note = stays

[failcreate two]
note = $1
INI
}

write_conf first
start_host "$CONF" -p "$PLUGINS"
grep -q "failcreate/one: started" "$TMP/host.log" || fail "one not started"
grep -q "failcreate/two: started" "$TMP/host.log" || fail "two not started"
[ "$(cat "$TMP/nethost.pid")" = "$HOST_PID" ] || fail "pid file does not hold $HOST_PID"
ok "started two instances, pid file written"
fds_before=$(fd_count "$HOST_PID")

# Unchanged file: everything kept.
kill -HUP "$HOST_PID"
wait_for_log "$TMP/host.log" 5 "reloaded: 2 kept, 0 stopped, 0 started" || fail "unchanged reload"
ok "reload of an unchanged file keeps both instances"

# One section changed: only that one is restarted.
write_conf second
kill -HUP "$HOST_PID"
wait_for_log "$TMP/host.log" 5 "reloaded: 1 kept, 1 stopped, 1 started" || fail "changed reload"
grep -q "failcreate/one: stop called" "$TMP/host.log" && fail "unchanged instance one was stopped"
grep -q "failcreate/two: stop called" "$TMP/host.log" || fail "changed instance two was not stopped"
ok "reload restarts only the changed instance"

# A bad file: reported, running configuration stays.
printf '[failcreate one]\nnote = stays\n[failcreate three]\nfail = yes\nbogus = 1\n' > "$CONF"
kill -HUP "$HOST_PID"
wait_for_log "$TMP/host.log" 5 "the running configuration stays" || fail "bad reload not refused"
grep -q "$CONF:5: \[failcreate three\] bogus: unknown key" "$TMP/host.log" || fail "bad reload: no file:line"
kill -0 "$HOST_PID" || fail "host died on a bad reload"
ok "a bad file is reported and the running configuration stays"

# A file that cannot be read is no worse.
mv "$CONF" "$CONF.away"
kill -HUP "$HOST_PID"
wait_for_log "$TMP/host.log" 5 "cannot open" || fail "unreadable reload not reported"
mv "$CONF.away" "$CONF"
kill -USR1 "$HOST_PID"
sleep 0.2
kill -0 "$HOST_PID" || fail "host died"
fds_after=$(fd_count "$HOST_PID")
[ "$fds_before" = "$fds_after" ] || fail "fd count changed across reloads: $fds_before -> $fds_after"
ok "no fd leak across reloads ($fds_after fds)"

stop_host
grep -q "Terminated received, stopping" "$TMP/host.log" || fail "no stopping line"
[ -e "$TMP/nethost.pid" ] && fail "pid file left behind"
[ "$(grep -c "stop called" "$TMP/host.log")" = 3 ] || fail "not every instance stopped on SIGTERM"
ok "SIGTERM stops every instance, exits 0, removes the pid file"

# SIGINT works the same; a start-up failure exits non-zero.
write_conf x
start_host "$CONF" -p "$PLUGINS"
kill -INT "$HOST_PID"
wait "$HOST_PID" || fail "SIGINT exit $?"
HOST_PID=
printf '[failcreate x]\nfail = yes\n' > "$TMP/fail.ini"
"$NETHOST" -p "$PLUGINS" -c "$TMP/fail.ini" > "$TMP/out" 2>&1
[ $? = 2 ] || fail "service with a failing create(): want exit 2"
grep -q "create failed" "$TMP/out" || fail "no create failed line"
ok "SIGINT exits 0; a failing create() refuses to start (exit 2)"
exit 0
