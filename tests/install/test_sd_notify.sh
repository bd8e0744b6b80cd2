#!/bin/sh
# systemd notifications: READY=1 only after every instance started,
# RELOADING=1 then READY=1 around SIGHUP (good and bad files), STOPPING=1
# on SIGTERM, STATUS= lines saying what runs; nothing for a file that
# fails. Under $JOURNAL_STREAM the log carries no timestamps.
. "$top_srcdir/tests/lib.sh"

PLUGINS="$top_builddir/tests/plugins"
CONF="$TMP/n.ini"
SOCK="$TMP/notify.sock"
LOG="$TMP/notify.log"

# Each datagram on one line, its newlines shown as '|'.
cat > "$TMP/listen.py" <<'PY'
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(30)
with open(sys.argv[2], "a", buffering=1) as out:
    out.write("listening\n")
    while True:
        try:
            msg = s.recv(4096).decode()
        except socket.timeout:
            break
        out.write(msg.replace("\n", "|") + "\n")
        if msg.startswith("STOPPING=1"):
            break
PY
listen() {
	rm -f "$SOCK"
	: > "$LOG"
	python3 "$TMP/listen.py" "$SOCK" "$LOG" &
	LISTENER=$!
	at_exit "kill $LISTENER 2>/dev/null"
	wait_for_log "$LOG" 5 "^listening" || fail "listener did not start"
}

nth() { grep -v '^listening$' "$LOG" | sed -n "$1p"; }

printf '[failcreate one]\nnote = a\n[failcreate two]\n' > "$CONF"
listen
export NOTIFY_SOCKET="$SOCK"
start_host "$CONF" -p "$PLUGINS"
wait_for_log "$LOG" 5 "^READY=1" || fail "no READY=1: $(cat "$LOG")"
grep -qx "READY=1|STATUS=running 2 instances from $CONF" "$LOG" || fail "READY line: $(cat "$LOG")"
# READY comes after both instances logged "started".
[ "$(grep -c ': started$' "$TMP/host.log")" = 2 ] || fail "READY before every instance started"
ok "READY=1 after every instance started, with STATUS="

printf '[failcreate one]\nnote = b\n' > "$CONF"
kill -HUP "$HOST_PID"
wait_for_log "$LOG" 5 "STATUS=reloaded" || fail "no READY after reload: $(cat "$LOG")"
nth 2 | grep -qx "RELOADING=1|STATUS=reloading $CONF|MONOTONIC_USEC=[0-9]*" || fail "RELOADING line: $(cat "$LOG")"
nth 3 | grep -qx "READY=1|STATUS=reloaded; running 1 instance from $CONF" || fail "READY after reload: $(cat "$LOG")"
ok "SIGHUP: RELOADING=1 (with MONOTONIC_USEC), then READY=1 with the new state"

printf '[failcreate one]\nbogus = 1\n' > "$CONF"
kill -HUP "$HOST_PID"
wait_for_log "$LOG" 5 "reload failed" || fail "no READY after a bad reload: $(cat "$LOG")"
nth 4 | grep -q "^RELOADING=1|" || fail "bad reload: no RELOADING: $(cat "$LOG")"
nth 5 | grep -qx "READY=1|STATUS=reload failed, the running configuration stays; running 1 instance from $CONF" || fail "bad reload READY: $(cat "$LOG")"
ok "a refused reload still ends in READY=1, and says it failed"

stop_host
wait "$LISTENER"
nth 6 | grep -qx "STOPPING=1|STATUS=stopping on TERM" || fail "STOPPING line: $(cat "$LOG")"
[ "$(grep -vc "^listening$" "$LOG")" = 6 ] || fail "unexpected notifications: $(cat "$LOG")"
ok "SIGTERM: STOPPING=1"

# A file that fails: no READY=1, exit 2.
printf '[failcreate one]\nfail = yes\n' > "$CONF"
listen
"$NETHOST" -p "$PLUGINS" -c "$CONF" > "$TMP/fail.log" 2>&1
rc=$?
[ $rc = 2 ] || fail "failing file exited $rc"
sleep 0.2
grep -q READY "$LOG" && fail "READY=1 sent for a file that failed"
ok "no READY=1 when the configuration fails"
kill "$LISTENER" 2>/dev/null
unset NOTIFY_SOCKET

# Under the journal: no timestamps of our own.
printf '[failcreate one]\n' > "$CONF"
JOURNAL_STREAM=8:1234 start_host "$CONF" -p "$PLUGINS"
stop_host
head -n1 "$TMP/host.log" | grep -q '^info: failcreate/one: started$' || fail "journal line: $(head -n1 "$TMP/host.log")"
ok "with JOURNAL_STREAM set, log lines have no timestamp"
