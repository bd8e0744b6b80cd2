#!/bin/sh
# nethost wait: a port that starts listening after a second (exit 0), one
# that never does (exit 1 within timeout + interval, named on stderr),
# several targets, usage errors.
. "$top_srcdir/tests/lib.sh"

# The interpreter itself, not a wrapper (pyenv shims fork): the pid we
# kill at exit must be the one that listens.
PY=$(python3 -c 'import sys; print(sys.executable)')

now_ms() { echo $(($(date +%s%N) / 1000000)); }

P1=$(free_port)
P2=$(free_port)
# A listener that opens P1 one second from now, for three seconds.
"$PY" -c '
import socket, sys, time
time.sleep(1)
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(8)
time.sleep(3)
' "$P1" &
LPID=$!
at_exit "kill $LPID 2>/dev/null"

T0=$(now_ms)
"$NETHOST" wait --timeout 5s --interval 100ms "127.0.0.1:$P1" > "$TMP/w1" 2> "$TMP/w1.err"
rc=$?
T1=$(now_ms)
[ $rc = 0 ] || { cat "$TMP/w1.err" >&2; fail "late listener: exit $rc, want 0"; }
[ $((T1 - T0)) -ge 900 ] || fail "late listener: returned after $((T1 - T0)) ms, before it listened"
[ $((T1 - T0)) -lt 2500 ] || fail "late listener: took $((T1 - T0)) ms"
grep -q "^127.0.0.1:$P1 is accepting connections (after " "$TMP/w1" || fail "late listener: output"
ok "port listening after 1 s: exit 0 after $((T1 - T0)) ms"

# Nobody ever listens on P2: exit 1 within timeout + interval.
T0=$(now_ms)
"$NETHOST" wait --timeout 1s --interval 300ms "127.0.0.1:$P2" > "$TMP/w2" 2> "$TMP/w2.err"
rc=$?
T1=$(now_ms)
[ $rc = 1 ] || fail "never: exit $rc, want 1"
[ $((T1 - T0)) -ge 1000 ] || fail "never: gave up after $((T1 - T0)) ms, before the timeout"
[ $((T1 - T0)) -le 1300 ] || fail "never: took $((T1 - T0)) ms, more than timeout + interval"
grep -q "127.0.0.1:$P2 did not accept a connection within 1 s (127.0.0.1:$P2: Connection refused)" "$TMP/w2.err" ||
	{ cat "$TMP/w2.err" >&2; fail "never: message"; }
ok "port never listening: exit 1 after $((T1 - T0)) ms"

# Two targets, one up (P1 still listens), one never: only the silent one named.
"$NETHOST" wait --timeout 500ms --interval 100ms "127.0.0.1:$P1" "[::1]:$P2" > "$TMP/w3" 2> "$TMP/w3.err"
rc=$?
[ $rc = 1 ] || fail "two targets: exit $rc, want 1"
grep -q "\[::1\]:$P2 did not accept" "$TMP/w3.err" || { cat "$TMP/w3.err" >&2; fail "two targets: silent one not named"; }
grep -q "127.0.0.1:$P1 did not" "$TMP/w3.err" && fail "two targets: the ready one named as silent"
grep -q "^127.0.0.1:$P1 is accepting" "$TMP/w3" || fail "two targets: ready one not reported"
ok "several targets: the silent one is named"

"$NETHOST" wait 127.0.0.1 2> "$TMP/u1"; rc=$?
[ $rc = 2 ] && grep -q "127.0.0.1" "$TMP/u1" || { cat "$TMP/u1" >&2; fail "no port: exit $rc"; }
"$NETHOST" wait --timeout soon 127.0.0.1:1 2> "$TMP/u2"; rc=$?
[ $rc = 2 ] && grep -q "'soon'" "$TMP/u2" || fail "--timeout soon: exit $rc"
"$NETHOST" wait 2> /dev/null; [ $? = 2 ] || fail "no target: exit not 2"
"$NETHOST" wait ftp://127.0.0.1/ 2> "$TMP/u3"; rc=$?
[ $rc = 2 ] && grep -q "'ftp://127.0.0.1/': unsupported scheme 'ftp'" "$TMP/u3" ||
	{ cat "$TMP/u3" >&2; fail "ftp://: exit $rc"; }
"$NETHOST" wait --interval 5ms 127.0.0.1:1 2> "$TMP/u4"; rc=$?
[ $rc = 2 ] && grep -q -- "--interval: '5ms': must be 10ms to 1d" "$TMP/u4" || fail "--interval 5ms: exit $rc"
ok "usage errors"
exit 0
