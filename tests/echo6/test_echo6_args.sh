#!/bin/sh
# echo6 send and serve refuse what cannot work with exit 2, like every
# command (issue 18): a malformed or unreachable target, port 0, a zero
# timeout, a port that is taken; and a host name with control bytes is
# printed escaped, never raw to the terminal.
. "$top_srcdir/tests/lib.sh"

# Exit code 2 and the text quoted.
usage() {
	"$NETHOST" echo6 "$@" >"$TMP/out" 2>&1
	rc=$?
	[ $rc = 2 ] || fail "echo6 $*: exit $rc, not 2: $(cat "$TMP/out")"
}

for t in '[::1' ':7007' '127.0.0.1:' '127.0.0.1:99999' '127.0.0.1:0' '[::1]:0'; do
	usage send "$t" hello
	grep -qF -- "$t" "$TMP/out" || fail "send $t: the target is not quoted: $(cat "$TMP/out")"
done
grep -q "port 0" "$TMP/out" || fail "port 0: no reason: $(cat "$TMP/out")"
ok "malformed targets and port 0: exit 2, quoted"

for t in 0 0s 0ms; do
	usage send -t "$t" "127.0.0.1:7" hello
	grep -q -- "--timeout: '$t'" "$TMP/out" || fail "-t $t: $(cat "$TMP/out")"
done
ok "send -t 0: exit 2"

PORT=$(free_port)
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
open(sys.argv[2], "w").close(); time.sleep(30)' "$PORT" "$TMP/held" &
HP=$!
at_exit "kill $HP 2>/dev/null"
i=0; while [ ! -e "$TMP/held" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
usage serve "127.0.0.1:$PORT"
grep -q "Address already in use" "$TMP/out" || fail "serve on a taken port: $(cat "$TMP/out")"
ok "serve on a taken port: exit 2 with the reason"

# ESC ] ... BEL would retitle the terminal; ESC [ 2 J would clear it.
bad=$(printf 'x\033]0;owned\007\033[2J.invalid')
"$NETHOST" echo6 send -t 1s "$bad" hello >"$TMP/out" 2>&1
[ $? = 1 ] || fail "unresolvable name: exit $?, not 1"
grep -q "$(printf '\033')" "$TMP/out" && fail "control bytes printed raw: $(od -c "$TMP/out" | head)"
grep -qF 'x\x1b]0;owned\x07\x1b[2J.invalid' "$TMP/out" || fail "name not shown escaped: $(cat "$TMP/out")"
usage send "$bad:0" hello
grep -q "$(printf '\033')" "$TMP/out" && fail "control bytes printed raw in a usage error"
grep -qF 'x\x1b]0;owned' "$TMP/out" || fail "usage error does not show the name: $(cat "$TMP/out")"
ok "control bytes in a host name are printed as \\xNN"
