#!/bin/sh
# The out-of-tree template (examples/skeleton) builds with its own Makefile
# through pkg-config against this SDK, loads in the host, and runs.
. "$top_srcdir/tests/lib.sh"
need_cmd pkg-config pkg-config
need_cmd make make

cp "$top_srcdir/examples/skeleton/skeleton.c" "$top_srcdir/examples/skeleton/Makefile" "$TMP/"
chmod u+w "$TMP"/*
# The build tree's SDK: nethost-uninstalled.pc, unless told otherwise
# (CI also builds it against an installed SDK).
: "${NH_PKG_CONFIG_PATH:=$top_builddir/sdk}"
PKG_CONFIG_PATH="$NH_PKG_CONFIG_PATH" env -u MAKEFLAGS -u MFLAGS make -C "$TMP" CFLAGS="-O2 -Werror" > "$TMP/build.log" 2>&1 \
	|| { cat "$TMP/build.log"; fail "example did not build"; }
ok "example built out of tree: $(grep -o 'cc .*' "$TMP/build.log" | head -c 200)"

out=$("$NETHOST" -p "$TMP" skeleton --count 2 hello world) || fail "skeleton command failed"
[ "$out" = "hello world
hello world" ] || fail "skeleton command printed '$out'"
"$NETHOST" -p "$TMP" skeleton --count 0 x > /dev/null 2>&1
[ $? = 2 ] || fail "usage error: want exit 2"
"$NETHOST" -p "$TMP" --help | grep -q "skeleton .*echo words back" || fail "--help does not list skeleton"
"$NETHOST" -p "$TMP" help skeleton | grep -q "^usage: nethost skeleton \[--json\]" || fail "help skeleton"
"$NETHOST" -p "$TMP" skeleton --help | grep -q -- "--count N    repeat N times" || fail "skeleton --help"
ok "the example's CLI command runs and has help"

cat > "$TMP/sk.ini" <<INI
[skeleton demo]
message = tick tock
every = 100ms
INI
start_host "$TMP/sk.ini" -p "$TMP"
wait_for_log "$TMP/host.log" 5 "skeleton/demo: tick tock (tick 3)" || fail "the example instance does not tick"
kill -USR1 "$HOST_PID"
wait_for_log "$TMP/host.log" 5 "skeleton/demo: ticks=" || fail "no report on SIGUSR1"
printf '[skeleton demo]\nmessage = changed\nevery = 100ms\n' > "$TMP/sk.ini"
kill -HUP "$HOST_PID"
wait_for_log "$TMP/host.log" 5 "skeleton/demo: changed (tick 1)" || fail "reload did not apply"
stop_host
ok "the example instance runs, reports, reloads and stops"

printf '[skeleton demo]\nevery = 1ms\n' > "$TMP/bad.ini"
"$NETHOST" -p "$TMP" -t -c "$TMP/bad.ini" > "$TMP/out" 2>&1
[ $? = 2 ] || fail "every = 1ms accepted"
grep -q "bad.ini:2: \[skeleton demo\] every: must be at least 10ms" "$TMP/out" || fail "no error line: $(cat "$TMP/out")"
ok "the example's own config check reports file:line"
exit 0
