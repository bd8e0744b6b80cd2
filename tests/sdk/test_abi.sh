#!/bin/sh
# The ABI the host accepts: a plugin built against the frozen ABI 2.0
# headers (tests/abi/2.0) loads and runs; one built for a newer minor, or
# against ABI 1, is refused with a message naming both versions.
. "$top_srcdir/tests/lib.sh"

PLUGINS="$top_builddir/tests/plugins"

refused() { # NAME EXPECTED
	printf '[%s x]\n' "$1" > "$TMP/$1.ini"
	"$NETHOST" -p "$PLUGINS" -t -c "$TMP/$1.ini" > "$TMP/$1.out" 2>&1
	rc=$?
	[ $rc = 2 ] || { cat "$TMP/$1.out"; fail "$1: exit $rc, want 2"; }
	grep -qF -- "$2" "$TMP/$1.out" || { cat "$TMP/$1.out"; fail "$1: no '$2'"; }
	ok "$1 refused: $2"
}

refused abi1 "plugin 'abi1' ($PLUGINS/abi1.la): ABI mismatch: built for ABI 1.0, this host speaks ABI 2.1"
refused abinewer "plugin 'abinewer' ($PLUGINS/abinewer.la): ABI mismatch: built for ABI 2.2, this host speaks ABI 2.1"

# Its command is refused with the same reason, not "unknown command".
"$NETHOST" -p "$PLUGINS" abinewer > "$TMP/cmd.out" 2>&1
rc=$?
[ $rc = 2 ] || fail "command of a refused plugin: exit $rc, want 2"
grep -q "ABI mismatch: built for ABI 2.2" "$TMP/cmd.out" || { cat "$TMP/cmd.out"; fail "command of a refused plugin: reason not given"; }
ok "a refused plugin's command says why"

# Built against the frozen 2.0 headers: loads, reads its keys, runs its
# command (the descriptor and tables are read at the sizes it was built with).
[ -f "$PLUGINS/abi20.la" ] || fail "tests/plugins/abi20.la not built"
printf '[abi20 x]\nword = frozen\n' > "$TMP/abi20.ini"
"$NETHOST" -p "$PLUGINS" -t -c "$TMP/abi20.ini" > "$TMP/abi20.out" 2>&1 || { cat "$TMP/abi20.out"; fail "frozen 2.0 plugin refused"; }
ok "a plugin built against the frozen 2.0 headers passes -t"
printf '[abi20 x]\nwrod = frozen\n' > "$TMP/abi20bad.ini"
"$NETHOST" -p "$PLUGINS" -t -c "$TMP/abi20bad.ini" > "$TMP/abi20bad.out" 2>&1 && fail "unknown key accepted"
grep -q "did you mean 'word'" "$TMP/abi20bad.out" || { cat "$TMP/abi20bad.out"; fail "no key suggestion from a 2.0 table"; }
ok "its key table is read at its own stride"
out=$("$NETHOST" -p "$PLUGINS" abi20 hello) || fail "frozen 2.0 command failed"
[ "$out" = "abi20: hello" ] || fail "frozen 2.0 command printed '$out'"
ok "its command runs"
# The frozen copies are what 2.0 and 2.1 shipped: the current headers may only have grown.
for h in "$top_srcdir"/tests/abi/2.*/nethost/*.h; do
	[ -f "$top_srcdir/sdk/nethost/$(basename "$h")" ] || fail "sdk/nethost/$(basename "$h") is gone (a released header)"
done
ok "every 2.0 and 2.1 header still exists"

# Built against the frozen 2.1 headers: loads (its control table read at its stride).
[ -f "$PLUGINS/abi21.la" ] || fail "tests/plugins/abi21.la not built"
printf '[abi21 x]\nword = frozen\n' > "$TMP/abi21.ini"
"$NETHOST" -p "$PLUGINS" -t -c "$TMP/abi21.ini" > "$TMP/abi21.out" 2>&1 || { cat "$TMP/abi21.out"; fail "frozen 2.1 plugin refused"; }
ok "a plugin built against the frozen 2.1 headers passes -t"

# And it runs as a service instance on the current host.
start_host "$TMP/abi20.ini" -p "$PLUGINS"
wait_for_log "$TMP/host.log" 5 "abi20/x: tick (host ABI 2\.[0-9]*)" || fail "the frozen 2.0 instance does not run"
stop_host
ok "the frozen 2.0 plugin runs as an instance"
