#!/bin/sh
# nethost wait ... -- CMD: CMD runs once every target is ready, in place
# of nethost (its exit status is ours, its arguments untouched by our
# option parsing), never when the deadline passes, 127 when it cannot
# run; --invert on a port that closes a second from now; --json records
# for TCP targets.
. "$top_srcdir/tests/lib.sh"

PY=$(python3 -c 'import sys; print(sys.executable)')
now_ms() { echo $(($(date +%s%N) / 1000000)); }
run_wait() {
	local t0
	t0=$(now_ms)
	"$NETHOST" wait "$@" > "$TMP/out" 2> "$TMP/err"
	rc=$?
	el=$(($(now_ms) - t0))
}

# listen PORT SECONDS: a listener on 127.0.0.1:PORT for SECONDS, then gone.
listen() {
	"$PY" -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(64)
open(sys.argv[3], "w").close()
time.sleep(float(sys.argv[2]))
' "$1" "$2" "$TMP/listening.$1" &
	at_exit "kill $! 2>/dev/null"
	local i=0
	while [ ! -e "$TMP/listening.$1" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	[ -e "$TMP/listening.$1" ] || fail "listener on $1 did not start"
}

UP=$(free_port)
DOWN=$(free_port)
listen "$UP" 30

run_wait --timeout 5s "127.0.0.1:$UP" -- sh -c 'echo "ran with $# args: $*"; exit 7' sh -t 1s --json
[ $rc = 7 ] || fail "-- CMD: exit $rc, want CMD's 7: $(cat "$TMP/err")"
grep -q "^127.0.0.1:$UP is accepting connections" "$TMP/out" || fail "-- CMD: $(cat "$TMP/out")"
grep -q "^ran with 3 args: -t 1s --json$" "$TMP/out" || fail "-- CMD: CMD's output: $(cat "$TMP/out")"
[ "$(tail -n 1 "$TMP/out")" = "ran with 3 args: -t 1s --json" ] || fail "-- CMD: ran before the ready line"
ok "-- CMD: run once ready, its status (7) is ours, its arguments its own"

run_wait --timeout 5s -q "127.0.0.1:$UP" -- sh -c 'exit 0'
[ $rc = 0 ] && [ ! -s "$TMP/out" ] || fail "-- CMD exit 0, -q: exit $rc, output $(cat "$TMP/out")"
ok "-- CMD exiting 0, with -q: exit 0, nothing printed"

run_wait --timeout 500ms --interval 100ms "127.0.0.1:$UP" "127.0.0.1:$DOWN" -- touch "$TMP/ran"
[ $rc = 1 ] || fail "deadline with -- CMD: exit $rc"
[ -e "$TMP/ran" ] && fail "deadline with -- CMD: CMD ran"
grep -q "127.0.0.1:$DOWN did not accept a connection" "$TMP/err" || fail "deadline with -- CMD: $(cat "$TMP/err")"
ok "-- CMD when the deadline passes first: exit 1, CMD not run"

run_wait --timeout 5s "127.0.0.1:$UP" -- "$TMP/no-such-command" arg
[ $rc = 127 ] || fail "missing CMD: exit $rc, want 127"
grep -q "wait: $TMP/no-such-command: No such file or directory" "$TMP/err" || fail "missing CMD: $(cat "$TMP/err")"
run_wait --timeout 5s "127.0.0.1:$UP" -- no-such-command-on-path
[ $rc = 127 ] && grep -q "no-such-command-on-path: " "$TMP/err" || fail "CMD not on PATH: exit $rc: $(cat "$TMP/err")"
printf 'not a program\n' > "$TMP/plain"
chmod 644 "$TMP/plain"
run_wait --timeout 5s "127.0.0.1:$UP" -- "$TMP/plain"
[ $rc = 127 ] && grep -q "plain: Permission denied" "$TMP/err" || fail "CMD not executable: exit $rc: $(cat "$TMP/err")"
ok "a CMD that cannot run: exit 127 with the reason"

run_wait "127.0.0.1:$UP" -- 2> /dev/null
[ $rc = 2 ] && grep -q "no command after '--'" "$TMP/err" || fail "-- alone: exit $rc: $(cat "$TMP/err")"
run_wait -- true
[ $rc = 2 ] && grep -q "no target" "$TMP/err" || fail "no target before --: exit $rc: $(cat "$TMP/err")"
ok "'--' with no command or no target: usage errors"

# --invert: a port that is open now and closed a second from now.
GOING=$(free_port)
listen "$GOING" 1
run_wait --invert --timeout 5s --interval 100ms "127.0.0.1:$GOING" "127.0.0.1:$DOWN" -- sh -c 'exit 3'
[ $rc = 3 ] || fail "--invert: exit $rc: $(cat "$TMP/err")"
[ $el -ge 700 ] && [ $el -lt 3000 ] || fail "--invert: ready after $el ms, the port closed after 1 s"
grep -q "^127.0.0.1:$GOING stopped answering (127.0.0.1:$GOING: Connection refused) (after " "$TMP/out" ||
	fail "--invert: $(cat "$TMP/out")"
ok "--invert: a port that closes after 1 s is gone after $el ms"

run_wait --invert --timeout 600ms --interval 100ms "127.0.0.1:$UP"
[ $rc = 1 ] || fail "--invert on an open port: exit $rc"
grep -q "127.0.0.1:$UP did not stop accepting connections within 0.6 s" "$TMP/err" || fail "--invert open: $(cat "$TMP/err")"
ok "--invert on a port that stays open: exit 1 at the deadline"

run_wait --json --timeout 700ms --interval 100ms "127.0.0.1:$UP" "[::1]:$DOWN"
[ $rc = 1 ] || fail "--json: exit $rc"
python3 - "$TMP/out" "$UP" "$DOWN" <<'PYEOF' || fail "--json: $(cat "$TMP/out")"
import json, sys
out, up, down = sys.argv[1], sys.argv[2], sys.argv[3]
recs = [json.loads(l) for l in open(out)]
assert [r["type"] for r in recs] == ["target", "target", "summary"], recs
a, b, s = recs
assert a == {"type": "target", "target": "127.0.0.1:" + up, "kind": "tcp", "ready": True,
             "elapsed_ms": a["elapsed_ms"], "attempts": 1}, a
assert a["elapsed_ms"] < 500, a
assert b["target"] == "[::1]:" + down and b["ready"] is False and b["attempts"] >= 3, b
assert b["error"] == "[::1]:%s: Connection refused" % down, b
assert 650 <= b["elapsed_ms"] < 1500, b
assert s["targets"] == 2 and s["ready"] == 1 and s["result"] == "deadline", s
assert s["invert"] is False and s["timeout_ms"] == 700 and s["command"] is None, s
PYEOF
ok "--json: a record per TCP target (when ready, at the deadline) and a summary"
exit 0
