#!/bin/sh
# Config errors: every problem listed as FILE:LINE, -t exit codes.
. "$top_srcdir/tests/lib.sh"

PLUGINS="$top_builddir/tests/plugins"
cat > "$TMP/bad.ini" <<'INI'
[nethost]
log_level = chatty
colour = blue

[failcreate one]
fail = perhaps
size = 3

[failcreate two]
fail = no
fail = no
stray line
INI
"$NETHOST" -p "$PLUGINS" -t -c "$TMP/bad.ini" > "$TMP/out" 2>&1
rc=$?
cat "$TMP/out"
[ $rc = 2 ] || fail "bad config: exit $rc, want 2"
F="$TMP/bad.ini"
for want in \
	"$F:2: \[nethost nethost\] log_level: 'chatty': use error" \
	"$F:3: \[nethost nethost\] colour: unknown key for plugin 'nethost'" \
	"$F:6: \[failcreate one\] fail: 'perhaps' is not a boolean" \
	"$F:7: \[failcreate one\] size: unknown key for plugin 'failcreate'" \
	"$F:11: \[failcreate two\] fail: given twice (first at line 10)" \
	"$F:12: expected 'key = value'" \
	"configuration test failed"; do
	grep -q -- "$want" "$TMP/out" || fail "missing: $want"
done
ok "every problem reported with file and line"

printf '[nethost]\nlog_level = debug\n\n[failcreate a]\nnote = hi\n' > "$TMP/good.ini"
"$NETHOST" -p "$PLUGINS" -t -c "$TMP/good.ini" > "$TMP/out" 2>&1 || fail "good config rejected: $(cat "$TMP/out")"
grep -q "configuration is valid (1 instance)" "$TMP/out" || fail "no success line"
ok "-t accepts a good file"

"$NETHOST" -t -c "$TMP/nonexistent.ini" > "$TMP/out" 2>&1
[ $? = 2 ] || fail "missing file: want exit 2"
grep -q "$TMP/nonexistent.ini: cannot open: No such file or directory" "$TMP/out" || fail "missing file message"
ok "missing file named"

# A binary file is refused line by line, without a crash.
head -c 4096 "$top_builddir/host/nethost" > "$TMP/garbage.ini"
"$NETHOST" -p "$PLUGINS" -t -c "$TMP/garbage.ini" > "$TMP/out" 2>&1
rc=$?
[ $rc = 2 ] || fail "garbage file: exit $rc, want 2"
ok "garbage file rejected (exit 2)"
exit 0
