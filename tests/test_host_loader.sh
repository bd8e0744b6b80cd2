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
	"plugin 'badabi' ($PLUGINS/badabi.la): ABI mismatch: built for ABI 3.0, this host speaks ABI 2.0"
check_conf wrongname '[wrongname x]' \
	"plugin 'wrongname' ($PLUGINS/wrongname.la): descriptor names itself 'somethingelse', not 'wrongname'"
check_conf failcreate '[failcreate x]
fail = yes' \
	"failcreate.ini:1: \[failcreate x\]: create failed: Address already in use"
check_conf badname '[../etc x]' "bad section name"

# A world-writable plugin file is refused before it is opened.
mkdir -p "$TMP/ww"
cp "$PLUGINS/.libs/failcreate.so" "$TMP/ww/failcreate.so"
chmod 666 "$TMP/ww/failcreate.so"
printf '[failcreate x]\n' > "$TMP/ww.ini"
"$NETHOST" -p "$TMP/ww" -t -c "$TMP/ww.ini" > "$TMP/ww.out" 2>&1
[ $? = 2 ] || fail "world-writable plugin accepted"
grep -q "refusing a world-writable plugin file" "$TMP/ww.out" || fail "no world-writable message"
ok "world-writable plugin refused"
chmod 644 "$TMP/ww/failcreate.so"
"$NETHOST" -p "$TMP/ww" -t -c "$TMP/ww.ini" > "$TMP/ww.out" 2>&1 || fail "plain .so not loaded: $(cat "$TMP/ww.out")"
ok "plugin loaded from a plain .so"
chmod 777 "$TMP/ww"
"$NETHOST" -p "$TMP/ww" -t -c "$TMP/ww.ini" > "$TMP/ww.out" 2>&1
[ $? = 2 ] || fail "plugin in a world-writable directory accepted"
grep -q "refusing a plugin in a world-writable directory" "$TMP/ww.out" || fail "no world-writable directory message"
chmod 755 "$TMP/ww"
ok "plugin in a world-writable directory refused"

# `nethost plugins` lists the good one and names every broken one.
"$NETHOST" -p "$PLUGINS" plugins > "$TMP/list.out" 2> "$TMP/list.err"
rc=$?
[ $rc = 1 ] || fail "plugins with broken files: exit $rc, want 1"
grep -q '^failcreate ' "$TMP/list.out" || fail "failcreate not listed"
for p in badabi nosym wrongname; do
	grep -q "plugin '$p'" "$TMP/list.err" || fail "$p not reported by 'plugins'"
done
ok "plugins lists good plugins and reports broken ones"

"$NETHOST" -p "$PLUGINS" plugins --json > "$TMP/list.json" 2>/dev/null
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert any(p["name"]=="failcreate" and p["service"] for p in d), d' "$TMP/list.json" \
	|| fail "plugins --json"
ok "plugins --json is valid JSON"
exit 0
