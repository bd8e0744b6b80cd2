#!/bin/sh
# Least privilege: user = / group = in [nethost] switch the host to that
# user after every instance started, with no capability left.
. "$top_srcdir/tests/lib.sh"

PLUGINS="$top_builddir/tests/plugins"
printf '[nethost]\nuser = no-such-user-here\ngroup = no-such-group-here\n' > "$TMP/bad.ini"
"$NETHOST" -p "$PLUGINS" -t -c "$TMP/bad.ini" > "$TMP/out" 2>&1
[ $? = 2 ] || fail "unknown user accepted"
grep -q "bad.ini:2: \[nethost nethost\] user: 'no-such-user-here': no such user" "$TMP/out" || fail "no user error: $(cat "$TMP/out")"
printf '[nethost]\ngroup = nogroup\n' > "$TMP/bad.ini"
"$NETHOST" -p "$PLUGINS" -t -c "$TMP/bad.ini" > "$TMP/out" 2>&1
[ $? = 2 ] || fail "group without user accepted"
grep -q "group: needs user = as well" "$TMP/out" || fail "no group error"
ok "bad user/group settings are reported"

need_root
id nobody > /dev/null 2>&1 || skip "no 'nobody' user"
printf '[nethost]\nuser = nobody\npid_file = %s/pid\n[failcreate a]\n' "$TMP" > "$TMP/drop.ini"
start_host "$TMP/drop.ini" -p "$PLUGINS"
grep -q "running as user nobody" "$TMP/host.log" || fail "no running-as line"
status=/proc/$HOST_PID/status
grep -q "^Uid:[[:space:]]*65534[[:space:]]*65534[[:space:]]*65534[[:space:]]*65534$" "$status" || fail "uids: $(grep ^Uid "$status")"
grep -q "^CapEff:[[:space:]]*0000000000000000$" "$status" || fail "effective capabilities left: $(grep ^CapEff "$status")"
grep -q "^CapPrm:[[:space:]]*0000000000000000$" "$status" || fail "permitted capabilities left: $(grep ^CapPrm "$status")"
ok "the running host is uid nobody with no capabilities"
kill -TERM "$HOST_PID"
wait "$HOST_PID" || fail "exit $? after SIGTERM"
HOST_PID=
exit 0
