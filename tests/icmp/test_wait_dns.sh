#!/bin/sh
# nethost wait dns:NAME[=ADDR]: localhost resolves (to 127.0.0.1, not to
# 192.0.2.1), nope.invalid (RFC 6761) never does, --invert, a name added to
# the hosts file a second later, and a resolver that never answers: the
# deadline holds and the other targets are not held up. Every lookup runs
# in a private mount and network namespace: /etc/hosts and
# /etc/resolv.conf are bind-mounted from $TMP there (nothing outside
# changes) and the only name server is on its loopback, so no query
# leaves the machine.
. "$top_srcdir/tests/lib.sh"

need_root
need_cmd unshare util-linux
PY=$(python3 -c 'import sys; print(sys.executable)')

printf '127.0.0.1 localhost\n' > "$TMP/hosts"
# Nothing listens on 127.0.0.1:53 in the namespace: every DNS query is
# refused at once.
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' > "$TMP/resolv"
# A server that reads queries and never answers: glibc waits 5 s, twice.
printf 'nameserver 127.0.0.1\noptions timeout:5 attempts:2\n' > "$TMP/resolv.hang"
cat > "$TMP/swallow.py" <<'PYEOF'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53))
open(sys.argv[1], "w").close()
while True:
    s.recv(4096)
PYEOF

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# in_ns RESOLV [swallow] -- ARGS: nethost wait ARGS in a fresh namespace;
# output in $TMP/out and $TMP/err, exit code in rc, milliseconds in el.
in_ns() {
	local resolv=$1 swallow=0 t0
	shift
	[ "$1" = swallow ] && { swallow=1; shift; }
	rm -f "$TMP/swallowing"
	t0=$(now_ms)
	unshare -m -n sh -c '
		ip link set lo up || exit 99
		mount --bind "$1" /etc/hosts && mount --bind "$2" /etc/resolv.conf || exit 99
		sp=
		if [ "$3" = 1 ]; then
			"$4" "$5/swallow.py" "$5/swallowing" &
			sp=$!
			i=0; while [ ! -e "$5/swallowing" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
		fi
		shift 5
		"$@"; rc=$?
		# By its pid: sh -c has no job control, so %1 names nothing.
		[ -n "$sp" ] && kill "$sp" 2>/dev/null && wait "$sp" 2>/dev/null
		exit $rc' sh "$TMP/hosts" "$resolv" "$swallow" "$PY" "$TMP" "$NETHOST" wait "$@" \
		> "$TMP/out" 2> "$TMP/err"
	rc=$?
	el=$(($(now_ms) - t0))
	[ $rc = 99 ] && skip "cannot make a private mount and network namespace"
}

in_ns "$TMP/resolv" --timeout 2s dns:localhost
[ $rc = 0 ] || fail "localhost: exit $rc: $(cat "$TMP/err")"
grep -q "^dns:localhost resolves to 127.0.0.1 (after " "$TMP/out" || fail "localhost: $(cat "$TMP/out")"
in_ns "$TMP/resolv" --timeout 2s dns:localhost=127.0.0.1
[ $rc = 0 ] || fail "localhost=127.0.0.1: exit $rc: $(cat "$TMP/err")"
ok "dns:localhost and dns:localhost=127.0.0.1 are ready"

in_ns "$TMP/resolv" --timeout 1s --interval 100ms dns:localhost=192.0.2.1
[ $rc = 1 ] || fail "localhost=192.0.2.1: exit $rc"
grep -q "dns:localhost=192.0.2.1 did not resolve to 192.0.2.1 within 1 s (localhost resolves to 127.0.0.1, not 192.0.2.1)" "$TMP/err" ||
	fail "localhost=192.0.2.1: $(cat "$TMP/err")"
ok "dns:localhost=192.0.2.1: exit 1, what it resolves to named"

in_ns "$TMP/resolv" --timeout 1s --interval 100ms dns:nope.invalid
[ $rc = 1 ] || fail "nope.invalid: exit $rc: $(cat "$TMP/out")"
[ $el -ge 900 ] && [ $el -lt 2500 ] || fail "nope.invalid: took $el ms for a 1 s deadline"
grep -q "dns:nope.invalid did not resolve within 1 s (nope.invalid: " "$TMP/err" || fail "nope.invalid: $(cat "$TMP/err")"
ok "dns:nope.invalid: exit 1 at the deadline ($el ms)"

in_ns "$TMP/resolv" --timeout 2s --invert dns:nope.invalid dns:localhost=192.0.2.1
[ $rc = 0 ] || fail "--invert: exit $rc: $(cat "$TMP/err")"
in_ns "$TMP/resolv" --timeout 500ms --invert dns:localhost
[ $rc = 1 ] && grep -q "dns:localhost did not stop resolving within 0.5 s" "$TMP/err" ||
	fail "--invert localhost: exit $rc: $(cat "$TMP/err")"
ok "--invert: ready when the name does not resolve (to that address)"

# A name the hosts file gets a second from now (appended in place: the
# bind mount follows the file).
(sleep 1; echo '127.0.0.1 svc.test' >> "$TMP/hosts") &
at_exit "kill $! 2>/dev/null"
in_ns "$TMP/resolv" --timeout 5s --interval 100ms dns:svc.test=127.0.0.1
[ $rc = 0 ] || fail "late name: exit $rc: $(cat "$TMP/err")"
[ $el -ge 900 ] && [ $el -lt 3000 ] || fail "late name: ready after $el ms"
ok "a name added a second later: ready after $el ms"

# A resolver that never answers: the deadline holds, and the name the
# hosts file has is ready at once (each lookup is its own process).
in_ns "$TMP/resolv.hang" swallow --json --timeout 1s dns:hang.test dns:localhost
[ $rc = 1 ] || fail "hanging resolver: exit $rc: $(cat "$TMP/err")"
[ $el -lt 2500 ] || fail "hanging resolver: took $el ms for a 1 s deadline"
grep -q "dns:hang.test did not resolve within 1 s (timed out waiting for the resolver)" "$TMP/err" ||
	fail "hanging resolver: $(cat "$TMP/err")"
python3 - "$TMP/out" <<'PYEOF' || fail "hanging resolver: JSON: $(cat "$TMP/out")"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
t = {r["target"]: r for r in recs if r["type"] == "target"}
assert t["dns:localhost"]["ready"] and t["dns:localhost"]["elapsed_ms"] < 500, t
assert t["dns:localhost"]["addresses"] == ["127.0.0.1"], t
assert not t["dns:hang.test"]["ready"] and t["dns:hang.test"]["attempts"] == 1, t
assert recs[-1]["type"] == "summary" and recs[-1]["ready"] == 1, recs[-1]
PYEOF
ok "a resolver that never answers holds up nothing and ends at the deadline ($el ms)"

for bad in "dns:" "dns:=127.0.0.1" "dns:localhost=nowhere" "dns:localhost="; do
	"$NETHOST" wait --timeout 1s "$bad" > /dev/null 2> "$TMP/err"
	rc=$?
	[ $rc = 2 ] && grep -q "'$bad'" "$TMP/err" || fail "'$bad': exit $rc: $(cat "$TMP/err")"
done
ok "dns: with no name or a bad address: usage error naming it"
exit 0
