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

# "N problems" is the number of FILE:LINE problem lines printed.
check_count() { # $1: file, $2: output, $3: problems wanted
	local lines n
	lines=$(grep -c "$1:[0-9]*: " "$2")
	n=$(sed -n "s|.*$1: \([0-9]*\) problems*.*|\1|p" "$2" | tail -n 1)
	[ "$lines" = "$3" ] && [ "$n" = "$3" ] ||
		fail "$1: want $3 problem lines and '$3 problem(s)', got $lines lines, '$n': $(cat "$2")"
}

# An unknown key next to a near name suggests it, with its help.
printf '[icmp x]\ntargets = 127.0.0.1\nevry = 1s\n' > "$TMP/typo.ini"
"$NETHOST" -t -c "$TMP/typo.ini" > "$TMP/out" 2>&1
[ $? = 2 ] || fail "typo: want exit 2"
grep -q "$TMP/typo.ini:3: \[icmp x\] evry: unknown key for plugin 'icmp'; did you mean 'every' (time from one round's start" "$TMP/out" ||
	fail "no did-you-mean: $(cat "$TMP/out")"
grep -q "typo.ini: 1 problem$" "$TMP/out" || fail "typo: not '1 problem'"
check_count "$TMP/typo.ini" "$TMP/out" 1
ok "unknown key 'evry' suggests 'every' with its help; 1 problem"

printf '[icmp y]\ntargets = 127.0.0.1\nevery = soon\ntimeout = never\nretries = 99\n' > "$TMP/three.ini"
"$NETHOST" -t -c "$TMP/three.ini" > "$TMP/out" 2>&1
[ $? = 2 ] || fail "three bad values: want exit 2"
check_count "$TMP/three.ini" "$TMP/out" 3
ok "a section with 3 bad values: 3 lines, 3 problems (-t)"

# The same on reload.
printf '[failcreate ok]\nnote = 1\n' > "$TMP/live.ini"
start_host "$TMP/live.ini" -p "$PLUGINS"
cat "$TMP/three.ini" >> "$TMP/live.ini"
: > "$TMP/host.log"
kill -HUP "$HOST_PID"
wait_for_log "$TMP/host.log" 5 "reload refused" || fail "bad reload not refused"
check_count "$TMP/live.ini" "$TMP/host.log" 3
printf '[failcreate ok]\nnote = 1\n[icmp x]\ntargets = 127.0.0.1\nevry = 1s\n' > "$TMP/live.ini"
: > "$TMP/host.log"
kill -HUP "$HOST_PID"
wait_for_log "$TMP/host.log" 5 "reload refused" || fail "typo reload not refused"
grep -q "did you mean 'every'" "$TMP/host.log" || fail "no did-you-mean on reload"
check_count "$TMP/live.ini" "$TMP/host.log" 1
stop_host
ok "on reload: 3 bad values give 3 lines and 3 problems, a typo 1"

# pid_file in a directory that does not exist: -t fails naming it, and
# the service does not start.
printf '[nethost]\npid_file = %s/no/such/dir/nethost.pid\n' "$TMP" > "$TMP/pid.ini"
"$NETHOST" -t -c "$TMP/pid.ini" > "$TMP/out" 2>&1
[ $? = 2 ] || fail "pid_file in a missing directory: -t exit, want 2: $(cat "$TMP/out")"
grep -q "pid.ini:2: \[nethost nethost\] pid_file: .*directory '$TMP/no/such/dir': No such file or directory" "$TMP/out" ||
	fail "pid_file: directory not named: $(cat "$TMP/out")"
timeout 5 "$NETHOST" -c "$TMP/pid.ini" > "$TMP/out" 2>&1
[ $? = 2 ] || fail "service with a pid_file in a missing directory: want exit 2: $(cat "$TMP/out")"
printf '[nethost]\npid_file = %s/pid.ini/x.pid\n' "$TMP" > "$TMP/pid2.ini"
"$NETHOST" -t -c "$TMP/pid2.ini" > "$TMP/out" 2>&1
[ $? = 2 ] || fail "pid_file under a regular file: want exit 2"
grep -q "'$TMP/pid.ini' is not a directory" "$TMP/out" || fail "pid_file under a file: $(cat "$TMP/out")"
ok "pid_file in a missing directory: -t exit 2 naming it, the service does not start"
exit 0
