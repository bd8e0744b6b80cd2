#!/bin/sh
# nethost wait on URLs: 200 (exit 0), 500 and a short body (exit 1, the
# reason named), a server that accepts and never answers (exit 1 within
# the deadline), a server that comes up late, URLs and HOST:PORT mixed in
# one call, usage errors.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/http/responder.sh"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# nethost wait ARGS: output in $TMP/out and $TMP/err, exit code in rc,
# milliseconds taken in el.
run_wait() {
	local t0
	t0=$(now_ms)
	"$NETHOST" wait "$@" > "$TMP/out" 2> "$TMP/err"
	rc=$?
	el=$(($(now_ms) - t0))
}

start_responder
U="http://127.0.0.1:$HP"

run_wait --timeout 5s "$U/ok"
[ $rc = 0 ] || fail "200: exit $rc: $(cat "$TMP/err")"
grep -q "^$U/ok answered 200 (after " "$TMP/out" || fail "200: output: $(cat "$TMP/out")"
ok "a URL answering 200: exit 0, reported"

run_wait --timeout 1s --interval 100ms "$U/fail"
[ $rc = 1 ] || fail "500: exit $rc"
grep -q "$U/fail did not answer 2xx within 1 s (HTTP status 500)" "$TMP/err" || fail "500: stderr: $(cat "$TMP/err")"
[ $el -ge 900 ] && [ $el -lt 1800 ] || fail "500: took $el ms for a 1 s deadline"
ok "a URL answering 500: exit 1 at the deadline ($el ms), status named"

run_wait --timeout 1s "$U/short"
[ $rc = 1 ] || fail "short body: exit $rc: $(cat "$TMP/out")"
grep -q "$U/short did not answer 2xx" "$TMP/err" || fail "short body: stderr: $(cat "$TMP/err")"
ok "a 200 whose body stops short of Content-Length does not count"

run_wait --timeout 1500ms "http://127.0.0.1:$HANG/"
[ $rc = 1 ] || fail "hang: exit $rc"
[ $el -ge 1400 ] && [ $el -lt 2300 ] || fail "hang: took $el ms for a 1.5 s deadline"
grep -qi "http://127.0.0.1:$HANG/ did not answer 2xx within 1.5 s (.*timed out" "$TMP/err" || fail "hang: stderr: $(cat "$TMP/err")"
ok "a server that accepts and never answers: exit 1 after $el ms (deadline 1.5 s)"

# Mixed: a TCP port and two URLs, all ready; then one of them is not.
run_wait --timeout 5s "127.0.0.1:$HP" "$U/ok" "http://[::ffff:127.0.0.1]:$HP/ok"
[ $rc = 0 ] || fail "mixed: exit $rc: $(cat "$TMP/err")"
[ "$(wc -l < "$TMP/out")" = 3 ] || fail "mixed: output: $(cat "$TMP/out")"
grep -q "^127.0.0.1:$HP is accepting connections" "$TMP/out" || fail "mixed: $(cat "$TMP/out")"
run_wait --timeout 1s "127.0.0.1:$HP" "$U/fail" "$U/ok"
[ $rc = 1 ] || fail "mixed with a 500: exit $rc"
[ "$(wc -l < "$TMP/err")" = 1 ] && grep -q "$U/fail did not answer" "$TMP/err" || fail "mixed with a 500: stderr: $(cat "$TMP/err")"
ok "TCP and HTTP targets in one call: all must be ready, only the failing one is named"

# A server that comes up a second from now is seen within the interval.
LP=$(free_port)
"$PY" "$RESPONDER" "$TMP/late" 1 "$LP" &
LPID=$!
at_exit "kill $LPID 2>/dev/null"
run_wait --timeout 5s --interval 100ms "http://127.0.0.1:$LP/ok"
[ $rc = 0 ] || fail "late: $(cat "$TMP/err")"
[ -s "$TMP/late" ] && [ $el -ge 900 ] && [ $el -lt 3000 ] || fail "late: ready after $el ms"
ok "a server that starts a second later: ready after $el ms"

# The port of a server that is gone: refused until the deadline.
DEAD=$(free_port)
"$NETHOST" wait --timeout 500ms --interval 100ms "http://127.0.0.1:$DEAD/" 2> "$TMP/err"
[ $? = 1 ] || fail "refused: not exit 1"
grep -q "Couldn't connect\|onnection refused\|Failed to connect" "$TMP/err" || fail "refused: $(cat "$TMP/err")"
ok "a closed port: exit 1, the connect error named"

for bad in "ftp://127.0.0.1/" "http://" "http://[::1/x"; do
	"$NETHOST" wait --timeout 1s "$bad" > /dev/null 2> "$TMP/err"
	rc=$?
	[ $rc = 2 ] || fail "'$bad': exit $rc, want 2: $(cat "$TMP/err")"
done
ok "malformed URLs and other schemes are usage errors (exit 2)"
