#!/bin/sh
# The loader, fed purpose-built broken plugins: each gives one clear error
# naming the plugin and the reason, and the host never crashes.
. "$top_srcdir/tests/lib.sh"

PLUGINS="$top_builddir/tests/plugins"

# check_conf NAME SECTION EXPECTED: -t on a one-section file exits 2 and
# says EXPECTED.
check_conf() {
	printf '%s\n' "$2" > "$TMP/$1.ini"
	"$NETHOST" -p "$PLUGINS" -t -c "$TMP/$1.ini" > "$TMP/$1.out" 2>&1
	rc=$?
	[ $rc = 2 ] || { cat "$TMP/$1.out"; fail "$1: exit $rc, want 2"; }
	grep -q -- "$3" "$TMP/$1.out" || { cat "$TMP/$1.out"; fail "$1: no '$3'"; }
	ok "$1: $(grep -- "$3" "$TMP/$1.out" | head -n1)"
}

check_conf missing '[nosuchplugin x]' \
	"$TMP/missing.ini:1: \[nosuchplugin x\]: plugin 'nosuchplugin': not found (no nosuchplugin.la or nosuchplugin.so in $PLUGINS"
check_conf nosym '[nosym x]' \
	"plugin 'nosym' ($PLUGINS/nosym.la): no 'nethost_plugin' descriptor symbol"
check_conf badabi '[badabi x]' \
	"plugin 'badabi' ($PLUGINS/badabi.la): ABI mismatch: built for ABI 3.0, this host speaks ABI 2.1"
check_conf wrongname '[wrongname x]' \
	"plugin 'wrongname' ($PLUGINS/wrongname.la): descriptor names itself 'somethingelse', not 'wrongname'"
check_conf failcreate '[failcreate x]
fail = yes' \
	"failcreate.ini:1: \[failcreate x\]: create failed: Address already in use"
check_conf badname '[../etc x]' "bad section name"

# The loader checks the file that is really mapped (links resolved, the
# .so a .la names) and every directory from it up to /: owned by root or
# the host's user, writable by nobody else. Paths in messages are real
# paths, so resolve TMP as the loader does.
R=$(cd "$TMP" && pwd -P)
RP=$(cd "$PLUGINS" && pwd -P)
SO="$PLUGINS/.libs/failcreate.so"
printf '[failcreate x]\n' > "$TMP/fc.ini"

# plugin_dir DIR MODE: DIR (under TMP, mode 700) with a copy of failcreate.so.
plugin_dir() {
	mkdir -p "$1"
	cp "$SO" "$1/failcreate.so"
	chmod 644 "$1/failcreate.so"
	chmod "$2" "$1"
}

# refused CASE DIR EXPECTED: -t with [failcreate x] and -p DIR exits 2 and
# prints EXPECTED (a fixed string).
refused() {
	"$NETHOST" -p "$2" -t -c "$TMP/fc.ini" > "$TMP/$1.out" 2>&1
	rc=$?
	[ $rc = 2 ] || { cat "$TMP/$1.out"; fail "$1: exit $rc, want 2"; }
	grep -qF -- "$3" "$TMP/$1.out" || { cat "$TMP/$1.out"; fail "$1: no '$3'"; }
	ok "$1: $3"
}

plugin_dir "$TMP/ww" 755
chmod 666 "$TMP/ww/failcreate.so"
refused "world-writable file" "$TMP/ww" \
	"plugin 'failcreate': $R/ww/failcreate.so: writable by others"
chmod 644 "$TMP/ww/failcreate.so"
"$NETHOST" -p "$TMP/ww" -t -c "$TMP/fc.ini" > "$TMP/ww.out" 2>&1 || fail "plain .so not loaded: $(cat "$TMP/ww.out")"
ok "plugin loaded from a plain .so (a sticky /tmp above it is fine)"
chmod 777 "$TMP/ww"
refused "world-writable directory" "$TMP/ww" \
	"plugin 'failcreate': $R/ww/failcreate.so: directory $R/ww is writable by others"
chmod 1777 "$TMP/ww"
refused "sticky world-writable directory" "$TMP/ww" \
	"plugin 'failcreate': $R/ww/failcreate.so: directory $R/ww is writable by others"
chmod 775 "$TMP/ww"
refused "group-writable directory" "$TMP/ww" \
	"plugin 'failcreate': $R/ww/failcreate.so: directory $R/ww is writable by group"

# A link from a safe plugin directory to a plugin in an open one.
plugin_dir "$TMP/open" 777
mkdir -p "$TMP/safe/plugins"
ln -s "$TMP/open/failcreate.so" "$TMP/safe/plugins/failcreate.so"
refused "symlink out of the plugin directory" "$TMP/safe/plugins" \
	"plugin 'failcreate': $R/open/failcreate.so: directory $R/open is writable by others"

# A world-writable parent of the plugin directory.
plugin_dir "$TMP/wwparent/plugins" 755
chmod 777 "$TMP/wwparent"
refused "world-writable parent" "$TMP/wwparent/plugins" \
	"plugin 'failcreate': $R/wwparent/plugins/failcreate.so: directory $R/wwparent is writable by others"

# A safe .la whose libdir= sends lt_dlopen to a .so in the open directory.
mkdir -p "$TMP/la"
sed -e "s|^libdir=.*|libdir='$TMP/open'|" -e "s|^installed=.*|installed=yes|" \
	"$PLUGINS/failcreate.la" > "$TMP/la/failcreate.la"
refused ".la naming a .so in an open directory" "$TMP/la" \
	"plugin 'failcreate': $R/open/failcreate.so: directory $R/open is writable by others"

if [ "$(id -u)" = 0 ]; then
	plugin_dir "$TMP/owned" 755
	chown 65534 "$TMP/owned"
	refused "directory of another user" "$TMP/owned" \
		"plugin 'failcreate': $R/owned/failcreate.so: directory $R/owned is owned by uid 65534, not by root or the host's user"
	chown 0 "$TMP/owned"
	chown 65534 "$TMP/owned/failcreate.so"
	refused "file of another user" "$TMP/owned" \
		"plugin 'failcreate': $R/owned/failcreate.so: owned by uid 65534, not by root or the host's user"
fi

# Not an ELF file: said so, at -t and for a command of that name.
mkdir -p "$TMP/junk"
echo 'not a plugin' > "$TMP/junk/junk.so"
printf '[junk x]\n' > "$TMP/junk.ini"
"$NETHOST" -p "$TMP/junk" -t -c "$TMP/junk.ini" > "$TMP/junk.out" 2>&1
[ $? = 2 ] || fail "non-ELF plugin: want exit 2"
grep -qF "plugin 'junk': $R/junk/junk.so: not an ELF shared object" "$TMP/junk.out" \
	|| { cat "$TMP/junk.out"; fail "non-ELF plugin message"; }
ok "non-ELF .so: not an ELF shared object"

# A command whose plugin was refused says why, not "unknown command".
# cmd_refused CMD DIR EXPECTED
cmd_refused() {
	"$NETHOST" -p "$2" "$1" > /dev/null 2> "$TMP/cmd.err"
	rc=$?
	[ $rc = 2 ] || { cat "$TMP/cmd.err"; fail "command '$1': exit $rc, want 2"; }
	grep -qF -- "$3" "$TMP/cmd.err" || { cat "$TMP/cmd.err"; fail "command '$1': no '$3'"; }
	! grep -q "unknown command" "$TMP/cmd.err" || fail "command '$1': says unknown command"
	ok "command '$1': $3"
}
cmd_refused junk "$TMP/junk" \
	"nethost: command 'junk': plugin 'junk' refused: $R/junk/junk.so: not an ELF shared object"
cmd_refused nosym "$PLUGINS" \
	"nethost: command 'nosym': plugin 'nosym' refused ($PLUGINS/nosym.la): no 'nethost_plugin' descriptor symbol"
# No plugin of that name: unknown, and the plugins that could not be asked.
"$NETHOST" -p "$PLUGINS" frobnicate > /dev/null 2> "$TMP/cmd.err"
[ $? = 2 ] || fail "unknown command: want exit 2"
grep -q "^nethost: unknown command 'frobnicate'" "$TMP/cmd.err" || fail "unknown command: $(cat "$TMP/cmd.err")"
grep -qF "nethost: command 'frobnicate': plugin 'badabi' refused ($PLUGINS/badabi.la): ABI mismatch" "$TMP/cmd.err" \
	|| fail "unknown command: refused plugins not named: $(cat "$TMP/cmd.err")"
ok "unknown command: names the plugins refused on the way"
chmod 777 "$TMP/ww"
cmd_refused failcreate "$TMP/ww" \
	"nethost: command 'failcreate': plugin 'failcreate' refused: $R/ww/failcreate.so: directory $R/ww is writable by others"
chmod 755 "$TMP/ww"

# An undefined symbol is refused at load time with the dynamic loader's
# words, not "symbol lookup error" (exit 127) on the first call.
check_conf undefsym '[undefsym x]' \
	"plugin 'undefsym': $RP/.libs/undefsym.so: undefined symbol: undefsym_nobody_defines_this"

# A crash names its culprit, and the exit status stays 128 + SIGSEGV. A
# deliberate crash is not valgrind's business: the real binary runs it.
HOST_BIN="$top_builddir/host/nethost"
# crash CASE STATUS EXPECTED ARGS...: the host exits STATUS (128 + the
# signal) and its last line is EXPECTED.
crash() {
	name=$1 status=$2 want=$3
	shift 3
	(ulimit -c 0; exec "$HOST_BIN" -p "$PLUGINS" "$@") > "$TMP/crash.out" 2>&1
	rc=$?
	[ $rc = "$status" ] || { cat "$TMP/crash.out"; fail "$name: exit $rc, want $status"; }
	last=$(tail -n 1 "$TMP/crash.out")
	[ "$last" = "$want" ] || { cat "$TMP/crash.out"; fail "$name: last line '$last'"; }
	ok "$name: $want"
}
printf '[failcreate ok]\n\n[crashy a]\nwhere = start\n' > "$TMP/crash-start.ini"
crash "segfault in start()" 139 \
	"nethost: fatal: SIGSEGV in plugin 'crashy' instance 'a' callback start()" -c "$TMP/crash-start.ini"
printf '[failcreate ok]\n\n[crashy a]\nwhere = timer\n' > "$TMP/crash-timer.ini"
crash "segfault in a timer callback" 139 \
	"nethost: fatal: SIGSEGV in plugin 'crashy' timer callback" -c "$TMP/crash-timer.ini"
crash "segfault in a command" 139 \
	"nethost: fatal: SIGSEGV in plugin 'crashy' command 'crashy' run()" crashy
printf '[crashy b]\nwhere = abort\n' > "$TMP/crash-abort.ini"
crash "abort() in start()" 134 \
	"nethost: fatal: SIGABRT in plugin 'crashy' instance 'b' callback start()" -c "$TMP/crash-abort.ini"

# A start() that crashes on SIGHUP runs inside the host's own signal
# callback: the plugin call is named, not the host's callback.
printf '[crashy a]\nwhere = none\n' > "$TMP/crash-reload.ini"
(ulimit -c 0; exec "$HOST_BIN" -p "$PLUGINS" -c "$TMP/crash-reload.ini") > "$TMP/crash.out" 2>&1 &
crash_pid=$!
wait_for_log "$TMP/crash.out" 10 "running" || { kill "$crash_pid"; fail "crashy host did not start"; }
printf '[crashy a]\nwhere = start\n' > "$TMP/crash-reload.ini"
kill -HUP "$crash_pid"
wait "$crash_pid"
rc=$?
last=$(tail -n 1 "$TMP/crash.out")
[ $rc = 139 ] || { cat "$TMP/crash.out"; fail "crash on reload: exit $rc, want 139"; }
[ "$last" = "nethost: fatal: SIGSEGV in plugin 'crashy' instance 'a' callback start()" ] \
	|| { cat "$TMP/crash.out"; fail "crash on reload: last line '$last'"; }
ok "segfault in start() on reload: $last"

# `nethost plugins` lists the good one and names every broken one.
"$NETHOST" -p "$PLUGINS" plugins > "$TMP/list.out" 2> "$TMP/list.err"
rc=$?
[ $rc = 1 ] || fail "plugins with broken files: exit $rc, want 1"
grep -q '^failcreate ' "$TMP/list.out" || fail "failcreate not listed"
for p in badabi nosym wrongname undefsym; do
	grep -q "plugin '$p'" "$TMP/list.err" || fail "$p not reported by 'plugins'"
done
ok "plugins lists good plugins and reports broken ones"

"$NETHOST" -p "$PLUGINS" plugins --json > "$TMP/list.json" 2>/dev/null
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert any(p["name"]=="failcreate" and p["service"] for p in d), d' "$TMP/list.json" \
	|| fail "plugins --json"
ok "plugins --json is valid JSON"
exit 0
