#!/bin/sh
# The CLI: help, version, unknown commands, exit codes.
. "$top_srcdir/tests/lib.sh"

"$NETHOST" --help > "$TMP/help" || fail "--help exit $?"
grep -q "usage: nethost" "$TMP/help" || fail "--help has no usage"
grep -q "Exit codes: 0 ok, 1 the job failed, 2 usage or configuration error" "$TMP/help" || fail "--help has no exit codes"
ok "--help"

"$NETHOST" --version | grep -q "^nethost [0-9.]* (plugin ABI 2.1)$" || fail "--version"
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

# nethost help PLUGIN: a plugin that is no command (icmp: ping, sweep...)
# lists its commands and keys; a command named like its plugin (forward)
# shows the keys after its usage.
"$NETHOST" help icmp > "$TMP/out" 2>&1 || fail "help icmp: exit $?: $(cat "$TMP/out")"
grep -q "^Keys of \[icmp NAME\]:" "$TMP/out" || fail "help icmp: no keys section: $(cat "$TMP/out")"
grep -q "^  targets .*separated by commas or spaces (repeatable)$" "$TMP/out" || fail "help icmp: targets line"
grep -q "^  every .*(default 60s, at least 100ms)$" "$TMP/out" || fail "help icmp: every line"
grep -q "^  ping " "$TMP/out" || fail "help icmp: no ping command"
"$NETHOST" help forward > "$TMP/out" 2>&1 || fail "help forward: exit $?"
grep -q "^usage: nethost forward" "$TMP/out" || fail "help forward: no usage"
grep -q "^Keys of \[forward NAME\]:" "$TMP/out" || fail "help forward: no keys: $(cat "$TMP/out")"
grep -q "^  to .*(repeatable)$" "$TMP/out" || fail "help forward: to is not repeatable"
"$NETHOST" -p "$top_builddir/tests/plugins" help keyhelp > "$TMP/out" 2>&1 || fail "help keyhelp: exit $?"
grep -q "^  must  *a key every section needs (required)$" "$TMP/out" || fail "help keyhelp: required: $(cat "$TMP/out")"
grep -q "^  many  *a key that may repeat (repeatable)$" "$TMP/out" || fail "help keyhelp: repeatable"
grep -q "^  plain  *a key with neither flag$" "$TMP/out" || fail "help keyhelp: plain"
"$NETHOST" help ipv6 | grep -q "Keys of" && fail "help ipv6: a CLI-only plugin has no keys"
"$NETHOST" help nosuch > /dev/null 2> "$TMP/err"
[ $? = 2 ] || fail "help nosuch: want exit 2"
grep -q "unknown command or plugin 'nosuch'" "$TMP/err" || fail "help nosuch: $(cat "$TMP/err")"
ok "help PLUGIN lists keys with their help, (repeatable) and (required)"

# plugins --json: every plugin's keys with their flags.
"$NETHOST" -p "$top_builddir/tests/plugins" plugins --json > "$TMP/json" 2>/dev/null
python3 - "$TMP/json" <<'PY' || fail "plugins --json keys: $(cat "$TMP/json")"
import json, sys
p = {x["name"]: x for x in json.load(open(sys.argv[1]))}
k = {x["name"]: x for x in p["keyhelp"]["keys"]}
assert k["must"] == {"name": "must", "help": "a key every section needs", "multi": False, "required": True}, k
assert k["many"]["multi"] is True and k["many"]["required"] is False, k
fw = {x["name"]: x for x in p["forward"]["keys"]}
assert fw["listen"]["multi"] is True and fw["max_connections"]["multi"] is False, fw
assert p["ipv6"]["keys"] == [], p["ipv6"]
PY
ok "plugins --json lists keys (name, help, multi, required)"

# -c FILE: its [nethost] plugin_path is searched by commands too.
printf '[nethost]\nplugin_path = %s\n' "$top_builddir/tests/plugins" > "$TMP/pp.ini"
"$NETHOST" badabi > /dev/null 2> "$TMP/err"
grep -q "unknown command 'badabi'" "$TMP/err" || fail "badabi found without -c: $(cat "$TMP/err")"
"$NETHOST" -c "$TMP/pp.ini" badabi > /dev/null 2> "$TMP/err"
[ $? = 2 ] || fail "-c FILE badabi: want exit 2"
grep -q "ABI mismatch" "$TMP/err" || fail "-c FILE's plugin_path not searched: $(cat "$TMP/err")"
"$NETHOST" -c "$TMP/pp.ini" help keyhelp | grep -q "^Keys of \[keyhelp NAME\]:" ||
	fail "-c FILE help keyhelp"
"$NETHOST" -c "$TMP/none.ini" plugins > /dev/null 2> "$TMP/err"
[ $? = 2 ] || fail "-c with a missing file: want exit 2"
ok "-c FILE's plugin_path applies to commands, help and plugins"

# The host's own commands have help too, exit 0 (issue 18).
for args in "plugins --help" "help plugins" "serve --help" "help serve" "help help"; do
	# shellcheck disable=SC2086
	"$NETHOST" $args > "$TMP/bh.out" 2>&1 || fail "nethost $args: exit $?"
	grep -q "^usage: nethost" "$TMP/bh.out" || fail "nethost $args: $(cat "$TMP/bh.out")"
done
ok "plugins, serve and help have their own help"
exit 0
