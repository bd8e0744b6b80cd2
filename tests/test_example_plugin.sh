#!/bin/sh
# The out-of-tree template (examples/skeleton) builds with its own Makefile
# through pkg-config against this SDK, loads in the host, serves its
# greeting, counts it, and its CLI client reads it.
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
# It uses nothing but the SDK and libc.
undef=$(nm -D --undefined-only "$TMP/skeleton.so" | awk '{ print $2 }' | grep -v '^nh_' |
	grep -vE '^(__|_ITM|_Jv)' | grep -vxE '(calloc|free|strdup|strerror|close|printf|fprintf|getopt_long|optind|optarg|stderr|errno|__errno_location)(@.*)?' || true)
[ -z "$undef" ] || fail "the template uses more than the SDK and libc: $undef"
ok "the template links only the SDK and libc"

"$NETHOST" -p "$TMP" skeleton > /dev/null 2>&1
[ $? = 2 ] || fail "no HOST:PORT: want exit 2"
"$NETHOST" -p "$TMP" skeleton --timeout 0 127.0.0.1:1 > /dev/null 2>&1
[ $? = 2 ] || fail "--timeout 0: want exit 2"
"$NETHOST" -p "$TMP" --help | grep -q "skeleton .*greeting" || fail "--help does not list skeleton"
"$NETHOST" -p "$TMP" help skeleton | grep -q "^usage: nethost skeleton \[--timeout DUR\] HOST:PORT" || fail "help skeleton"
"$NETHOST" -p "$TMP" help skeleton | grep -q "listen.*(required)" || fail "help skeleton does not list its keys"
ok "the example's CLI command has help, its keys are listed, usage errors exit 2"

PORT=$(free_port)
cat > "$TMP/sk.ini" <<INI
[skeleton demo]
listen = 127.0.0.1:$PORT
greeting = hi there
every = 100ms
INI
start_host "$TMP/sk.ini" -p "$TMP"
wait_for_log "$TMP/host.log" 5 "skeleton/demo: greeting on 127.0.0.1:$PORT" || fail "the example instance does not listen"
for i in 1 2 3; do
	out=$("$NETHOST" -p "$TMP" skeleton "127.0.0.1:$PORT") || fail "skeleton client failed"
	[ "$out" = "hi there" ] || fail "skeleton client printed '$out'"
done
ok "the example serves its greeting to its own client"
wait_for_log "$TMP/host.log" 5 "skeleton/demo: served 3 clients" || fail "the timer does not log the count"
kill -USR1 "$HOST_PID"
wait_for_log "$TMP/host.log" 5 "skeleton/demo: clients=3" || fail "no report on SIGUSR1"
ok "the count is logged on the timer and on SIGUSR1"
sed -i 's/greeting = hi there/greeting = changed/' "$TMP/sk.ini"
kill -HUP "$HOST_PID"
wait_for_log "$TMP/host.log" 5 "reloaded" || fail "reload did not apply"
out=$("$NETHOST" -p "$TMP" skeleton "127.0.0.1:$PORT") || fail "skeleton client failed after reload"
[ "$out" = "changed" ] || fail "after reload the greeting is '$out'"
stop_host
ok "the example instance reloads and stops"
"$NETHOST" -p "$TMP" skeleton --timeout 1s "127.0.0.1:$PORT" > /dev/null 2> "$TMP/err"
[ $? = 1 ] || fail "no server: want exit 1"
grep -q "127.0.0.1:$PORT" "$TMP/err" || fail "the error does not name the server: $(cat "$TMP/err")"
ok "no server: exit 1 naming it"

printf '[skeleton demo]\nlisten = 127.0.0.1:1\nevery = 1ms\n' > "$TMP/bad.ini"
"$NETHOST" -p "$TMP" -t -c "$TMP/bad.ini" > "$TMP/out" 2>&1
[ $? = 2 ] || fail "every = 1ms accepted"
grep -q "bad.ini:3: \[skeleton demo\] every: must be at least 10ms" "$TMP/out" || fail "no error line: $(cat "$TMP/out")"
printf '[skeleton demo]\ngreeting = x\n' > "$TMP/nolisten.ini"
"$NETHOST" -p "$TMP" -t -c "$TMP/nolisten.ini" > "$TMP/out" 2>&1
[ $? = 2 ] || fail "a section without listen accepted"
grep -q "\[skeleton demo\] listen: required" "$TMP/out" || fail "no required-key error: $(cat "$TMP/out")"
grep -q "1 problem$" "$TMP/out" || fail "not one problem: $(cat "$TMP/out")"
ok "the example's config checks report file:line, a missing required key once"
exit 0
