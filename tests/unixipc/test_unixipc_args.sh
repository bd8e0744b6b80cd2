#!/bin/sh
# unixipc serve applies -m or says why it cannot (an abstract name has no
# file); a server that cannot start exits 2 (issue 18); socket names with
# control bytes are printed escaped, never raw to the terminal or the log.
. "$top_srcdir/tests/lib.sh"

"$NETHOST" unixipc serve -m 0666 "$TMP/m.sock" >"$TMP/serve.log" 2>&1 &
SP=$!
at_exit "kill $SP 2>/dev/null"
wait_for_log "$TMP/serve.log" 10 "echo on $TMP/m.sock (stream, mode 0666)" || fail "serve -m: $(cat "$TMP/serve.log")"
[ "$(stat -c %a "$TMP/m.sock")" = 666 ] || fail "-m 0666 gave mode $(stat -c %a "$TMP/m.sock")"
"$NETHOST" unixipc send "$TMP/m.sock" hi >/dev/null || fail "no echo on the -m socket"
kill -TERM $SP
wait $SP || fail "serve exited $? on SIGTERM"
[ -e "$TMP/m.sock" ] && fail "the socket file was left behind"
ok "serve -m 0666: the file has mode 0666, and goes at exit"

for t in stream seqpacket; do
	"$NETHOST" unixipc serve -T $t -m 0666 "@nethost-test-$$" >"$TMP/out" 2>&1
	rc=$?
	[ $rc = 2 ] || fail "-m with an abstract name ($t): exit $rc, not 2: $(cat "$TMP/out")"
	grep -q -- "--mode: @nethost-test-$$ is an abstract socket, which has no file mode" "$TMP/out" ||
		fail "-m with an abstract name: no reason: $(cat "$TMP/out")"
done
"$NETHOST" unixipc serve -m 0 "$TMP/z.sock" >"$TMP/out" 2>&1
[ $? = 2 ] && grep -q -- "--mode: '0'" "$TMP/out" || fail "-m 0: $(cat "$TMP/out")"
ok "serve -m with an abstract name, or mode 0: exit 2, with the reason"

: > "$TMP/plain"
for t in stream seqpacket dgram; do
	"$NETHOST" unixipc serve -T $t "$TMP/plain" >"$TMP/out" 2>&1
	rc=$?
	[ $rc = 2 ] && grep -q "plain: exists and is not a socket" "$TMP/out" || fail "$t on a plain file: exit $rc: $(cat "$TMP/out")"
done
ok "serve that cannot bind: exit 2"

esc=$(printf '\033')
# An abstract name: shown escaped in the log lines and the client's output.
name=$(printf '@nh\033[2Jt%s\007' $$)
"$NETHOST" unixipc serve -T seqpacket "$name" >"$TMP/serve.log" 2>&1 &
SP=$!
wait_for_log "$TMP/serve.log" 10 "echo on @nh" || fail "serve on an abstract name: $(cat "$TMP/serve.log")"
"$NETHOST" unixipc send -T seqpacket "$name" hi >"$TMP/out" 2>&1 || fail "send: $(cat "$TMP/out")"
"$NETHOST" unixipc send "$name" hi >>"$TMP/out" 2>&1 && fail "a stream client reached a seqpacket server"
kill -TERM $SP
wait $SP
for f in "$TMP/serve.log" "$TMP/out"; do
	grep -q "$esc" "$f" && fail "control bytes printed raw: $(od -c "$f" | head)"
	grep -qF "@nh\\x1b[2Jt$$\\x07" "$f" || fail "name not shown escaped: $(cat "$f")"
done
grep -qF "@nh\\x1b[2Jt$$\\x07: clients=0" "$TMP/serve.log" || fail "report: $(cat "$TMP/serve.log")"
grep -qF "connect: Connection refused" "$TMP/out" || fail "wrong type: $(cat "$TMP/out")"
ok "an abstract name with control bytes is printed as \\xNN (log, report, client)"

# A path: in the usage errors and the connect errors.
path="$TMP/s$(printf '\033]0;x\007').sock"
for t in stream seqpacket; do
	"$NETHOST" unixipc send -T $t "$path" hi >"$TMP/out" 2>&1
	[ $? = 1 ] || fail "send to nothing ($t): exit $?"
	grep -q "$esc" "$TMP/out" && fail "control bytes printed raw ($t): $(od -c "$TMP/out" | head)"
	grep -qF 's\x1b]0;x\x07.sock: connect: No such file' "$TMP/out" || fail "$t: $(cat "$TMP/out")"
done
"$NETHOST" unixipc send "$path$(printf '%0120d' 0)" hi >"$TMP/out" 2>&1
[ $? = 2 ] || fail "a long name: exit $?"
grep -q "$esc" "$TMP/out" && fail "control bytes printed raw in a usage error"
grep -qF 's\x1b]0;x\x07.sock' "$TMP/out" || fail "usage error: $(cat "$TMP/out")"
ok "a path with control bytes is printed as \\xNN (connect and usage errors)"
