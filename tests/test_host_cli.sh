#!/bin/sh
# The CLI: help, version, unknown commands, exit codes.
. "$top_srcdir/tests/lib.sh"

"$NETHOST" --help > "$TMP/help" || fail "--help exit $?"
grep -q "usage: nethost" "$TMP/help" || fail "--help has no usage"
grep -q "Exit codes: 0 ok, 1 the job failed, 2 usage or configuration error" "$TMP/help" || fail "--help has no exit codes"
ok "--help"

"$NETHOST" --version | grep -q "^nethost [0-9.]* (plugin ABI 2.0)$" || fail "--version"
ok "--version"

"$NETHOST" > /dev/null 2>&1
[ $? = 2 ] || fail "no arguments: want exit 2"
"$NETHOST" --no-such-option > /dev/null 2>&1
[ $? = 2 ] || fail "bad option: want exit 2"
"$NETHOST" frobnicate > /dev/null 2> "$TMP/err"
[ $? = 2 ] || fail "unknown command: want exit 2"
grep -q "unknown command 'frobnicate'" "$TMP/err" || fail "unknown command message"
"$NETHOST" plugins --bogus > /dev/null 2>&1
[ $? = 2 ] || fail "plugins --bogus: want exit 2"
"$NETHOST" serve -c "$TMP/none.ini" extra > /dev/null 2>&1
[ $? = 2 ] || fail "serve with extra argument: want exit 2"
ok "usage errors exit 2"

# A command from a broken plugin of the same name gets the real reason.
"$NETHOST" -p "$top_builddir/tests/plugins" badabi > /dev/null 2> "$TMP/err"
[ $? = 2 ] || fail "broken plugin command: want exit 2"
grep -q "ABI mismatch" "$TMP/err" || fail "broken plugin command: $(cat "$TMP/err")"
ok "command of a broken plugin names the reason"
exit 0
