#!/bin/sh
# nethost wait on URLs with --expect-status and --expect-body against the
# test responder (tests/http/responder.py: /ok 200, /fail 500, anything
# else 404, each with the body "hello from the responder\n"), --invert on
# URLs (a server that goes away a second from now, one that never
# answers), --json records for URLs, and the usage errors of both options.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/http/responder.sh"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
run_wait() {
	local t0
	t0=$(now_ms)
	"$NETHOST" wait "$@" > "$TMP/out" 2> "$TMP/err"
	rc=$?
	el=$(($(now_ms) - t0))
}

start_responder
U="http://127.0.0.1:$HP"

run_wait --timeout 2s --expect-status 500 "$U/fail"
[ $rc = 0 ] && grep -q "^$U/fail answered 500 (after " "$TMP/out" || fail "500 expected: exit $rc: $(cat "$TMP/err")"
run_wait --timeout 2s --expect-status 200,204,400-499 "$U/missing"
[ $rc = 0 ] && grep -q "answered 404" "$TMP/out" || fail "404 in a range: exit $rc: $(cat "$TMP/err")"
ok "--expect-status: a single status and a range in a list"

run_wait --timeout 1s --interval 100ms --expect-status 200,204,300-399 "$U/fail" "$U/ok"
[ $rc = 1 ] || fail "500 not in the list: exit $rc"
grep -q "wait: $U/fail did not answer as expected within 1 s (HTTP status 500)$" "$TMP/err" || fail "500 not in the list: $(cat "$TMP/err")"
grep -q "^$U/ok answered 200" "$TMP/out" || fail "200 in the list: $(cat "$TMP/out")"
run_wait --timeout 1s --interval 100ms "$U/missing"
[ $rc = 1 ] && grep -q "did not answer 2xx within 1 s (HTTP status 404)" "$TMP/err" || fail "404 by default: exit $rc: $(cat "$TMP/err")"
ok "a status outside the list (or outside 2xx by default): exit 1, the status named"

run_wait --timeout 2s --expect-body 'hello from the [a-z]+' "$U/ok"
[ $rc = 0 ] || fail "body match: exit $rc: $(cat "$TMP/err")"
run_wait --timeout 2s --expect-status 500 --expect-body '(responder|server)' "$U/fail"
[ $rc = 0 ] || fail "body and status: exit $rc: $(cat "$TMP/err")"
run_wait --timeout 1s --interval 100ms --expect-body '^goodbye' "$U/ok"
[ $rc = 1 ] || fail "body mismatch: exit $rc"
grep -q "did not answer as expected within 1 s (HTTP status 200, body does not match '^goodbye')" "$TMP/err" ||
	fail "body mismatch: $(cat "$TMP/err")"
run_wait --timeout 1s --interval 100ms --expect-body 'hello' "$U/fail"
[ $rc = 1 ] && grep -q "(HTTP status 500)" "$TMP/err" || fail "body match, status 500: exit $rc: $(cat "$TMP/err")"
ok "--expect-body: an extended regex on the body, together with the status"

run_wait --timeout 2s --invert "$U/fail" "$U/missing"
[ $rc = 0 ] && grep -q "^$U/fail stopped answering (HTTP status 500)" "$TMP/out" || fail "--invert 500: exit $rc: $(cat "$TMP/out")"
run_wait --timeout 2s --invert --expect-body 'nothing like it' "$U/ok"
[ $rc = 0 ] || fail "--invert body: exit $rc: $(cat "$TMP/err")"
run_wait --timeout 500ms --interval 100ms --invert "$U/ok"
[ $rc = 1 ] && grep -q "$U/ok did not stop answering as expected within 0.5 s (answered 200)" "$TMP/err" ||
	fail "--invert 200: exit $rc: $(cat "$TMP/err")"
run_wait --timeout 5s --interval 100ms --invert "http://127.0.0.1:$HANG/"
[ $rc = 0 ] || fail "--invert, never answering: exit $rc: $(cat "$TMP/err")"
[ $el -ge 900 ] && [ $el -lt 2500 ] || fail "--invert, never answering: ready after $el ms"
grep -qi "^http://127.0.0.1:$HANG/ stopped answering (.*timed out" "$TMP/out" || fail "--invert, never answering: $(cat "$TMP/out")"
ok "--invert on URLs: ready when the answer is not the one expected, or none comes in max(I, 1s)"

# A server that is killed a second from now.
LP=$(free_port)
"$PY" "$RESPONDER" "$TMP/late" 0 "$LP" &
LPID=$!
at_exit "kill $LPID 2>/dev/null"
i=0; while [ ! -s "$TMP/late" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
(sleep 1; kill $LPID) &
run_wait --timeout 5s --interval 100ms --invert "http://127.0.0.1:$LP/ok" -- sh -c 'exit 4'
[ $rc = 4 ] || fail "server going away: exit $rc: $(cat "$TMP/err")"
[ $el -ge 800 ] && [ $el -lt 3000 ] || fail "server going away: ready after $el ms"
ok "--invert: a server killed after 1 s is gone after $el ms, then CMD runs"

run_wait --json --timeout 700ms --interval 100ms --expect-status 200 "$U/ok" "$U/fail"
[ $rc = 1 ] || fail "--json: exit $rc"
python3 - "$TMP/out" "$U" <<'PYEOF' || fail "--json: $(cat "$TMP/out")"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
u = sys.argv[2]
t = {r["target"]: r for r in recs if r["type"] == "target"}
assert len(recs) == 3 and recs[-1]["type"] == "summary", recs
ok, bad = t[u + "/ok"], t[u + "/fail"]
assert ok["kind"] == "http" and ok["ready"] and ok["status"] == 200 and "error" not in ok, ok
assert not bad["ready"] and bad["status"] == 500 and bad["error"] == "HTTP status 500", bad
assert bad["attempts"] >= 3, bad
assert recs[-1]["ready"] == 1 and recs[-1]["targets"] == 2, recs[-1]
PYEOF
ok "--json: URL records carry the last status"

for bad in 99 600 2xx "" 300-200 "200," ",200" 200-; do
	run_wait --timeout 1s --expect-status "$bad" "$U/ok"
	[ $rc = 2 ] && grep -q -- "--expect-status: '$bad'" "$TMP/err" || fail "--expect-status '$bad': exit $rc: $(cat "$TMP/err")"
done
run_wait --timeout 1s --expect-body '(' "$U/ok"
[ $rc = 2 ] && grep -q -- "--expect-body: '(': " "$TMP/err" || fail "--expect-body '(': exit $rc: $(cat "$TMP/err")"
run_wait --timeout 1s --expect-status 200 "127.0.0.1:$HP"
[ $rc = 2 ] && grep -q -- "--expect-status is for URL targets" "$TMP/err" || fail "no URL: exit $rc: $(cat "$TMP/err")"
ok "bad status lists, bad regexes, expectations without a URL: usage errors naming them"
exit 0
