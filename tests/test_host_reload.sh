#!/bin/sh
# Reload is all or nothing, start() included: a new instance that cannot
# start (port in use, out of fds) refuses the whole reload, the old
# instances serve on as before, nothing of the new file is applied; a good
# reload afterwards works. plugin_path changes apply on reload.
. "$top_srcdir/tests/lib.sh"

CONF="$TMP/reload.ini"
PA=$(free_port); PB=$(free_port); PC=$(free_port); PD=$(free_port)
[ "$PA" != "$PB" ] && [ "$PB" != "$PC" ] && [ "$PC" != "$PD" ] || skip "free_port gave a port twice"

echoes() { # $1: port; the echo6 instance there answers (exit 0: intact)
	"$NETHOST" echo6 send -q -t 2s "127.0.0.1:$1" "ping$1" > /dev/null 2>&1
}

# A port that is in use: a plain listener outside the host.
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
print("listening", flush=True); time.sleep(600)' "$PC" > "$TMP/squatter" &
SQUATTER=$!
at_exit "kill $SQUATTER"
wait_for_log "$TMP/squatter" 5 listening || fail "squatter did not listen on $PC"

cat > "$CONF" <<INI
[nethost]
pid_file = $TMP/one.pid
log_level = info

[echo6 a]
listen = 127.0.0.1:$PA
udp = no

[echo6 b]
listen = 127.0.0.1:$PB
udp = no
INI
start_host "$CONF"
echoes "$PA" && echoes "$PB" || fail "a and b do not echo"
fds_before=$(fd_count "$HOST_PID")

# b moves to the squatted port; a new c comes first (it starts, then has
# to be stopped again); log level and pid file change too.
cat > "$CONF" <<INI
[nethost]
pid_file = $TMP/two.pid
log_level = error

[echo6 a]
listen = 127.0.0.1:$PA
udp = no

[echo6 c]
listen = 127.0.0.1:$PD
udp = no

[echo6 b]
listen = 127.0.0.1:$PC
udp = no
INI
kill -HUP "$HOST_PID"
wait_for_log "$TMP/host.log" 5 "reload refused: \[echo6 b\] start failed: Address already in use; the running configuration stays" ||
	fail "port in use: reload not refused"
grep -q "reloaded:" "$TMP/host.log" && fail "a refused reload says reloaded"
echoes "$PB" || fail "the old b does not answer on $PB after the refused reload"
echoes "$PA" || fail "a does not answer after the refused reload"
echoes "$PD" && fail "the new c still answers on $PD"
[ -e "$TMP/two.pid" ] && fail "the refused file's pid_file was written"
[ "$(cat "$TMP/one.pid")" = "$HOST_PID" ] || fail "the running pid file is gone"
[ "$(fd_count "$HOST_PID")" = "$fds_before" ] ||
	fail "fd count changed across the refused reload: $fds_before -> $(fd_count "$HOST_PID")"
ok "start() failing on reload: refused whole, the old b serves on $PB, nothing else applied"

# A good reload after the refused one: b moves to a free port.
sed -i "s/127.0.0.1:$PC/127.0.0.1:$PB/; s/log_level = error/log_level = info/" "$CONF"
kill -HUP "$HOST_PID"
wait_for_log "$TMP/host.log" 5 "reloaded: 2 kept, 0 stopped, 1 started" || fail "good reload after a refused one"
# Had the refused file's log_level = error been applied, this reload's
# "reloading" notice would be missing.
[ "$(grep -c "reloading $CONF" "$TMP/host.log")" = 2 ] || fail "the refused file's log_level was applied"
echoes "$PA" && echoes "$PB" && echoes "$PD" || fail "a, b, c do not all echo after the good reload"
[ "$(cat "$TMP/two.pid" 2>/dev/null)" = "$HOST_PID" ] || fail "the good reload's pid file was not written"
[ -e "$TMP/one.pid" ] && fail "the old pid file was left behind"
ok "a good reload after a refused one applies (pid file moved)"
stop_host

# ulimit -n 64: a reload adding 100 sections runs out of fds half-way and
# is refused whole.
cat > "$CONF" <<INI
[echo6 a]
listen = 127.0.0.1:$PA
INI
: > "$TMP/host.log"
(ulimit -n 64 && exec "$NETHOST" -c "$CONF") >> "$TMP/host.log" 2>&1 &
HOST_PID=$!
wait_for_log "$TMP/host.log" 10 "running" || fail "host under ulimit -n 64 did not start"
fds_before=$(fd_count "$HOST_PID")
# 100 distinct ports that were free a moment ago, held together so that
# none repeats.
python3 -c '
import socket
held = [socket.socket() for _ in range(100)]
for s in held: s.bind(("127.0.0.1", 0))
print("\n".join(str(s.getsockname()[1]) for s in held))' > "$TMP/ports"
i=0
while read -r port; do
	printf '[echo6 s%d]\nlisten = 127.0.0.1:%d\n' $i "$port" >> "$CONF"
	i=$((i + 1))
done < "$TMP/ports"
[ $i = 100 ] || fail "got $i ports, not 100"
kill -HUP "$HOST_PID"
wait_for_log "$TMP/host.log" 10 "reload refused: \[echo6 s[0-9]*\] start failed: Too many open files" ||
	fail "100 sections under ulimit -n 64: reload not refused"
grep -q "reloaded:" "$TMP/host.log" && fail "half a config was applied"
fds_after=$(fd_count "$HOST_PID")
[ "$fds_after" = "$fds_before" ] || fail "fd count changed: $fds_before -> $fds_after"
echoes "$PA" || fail "a does not answer after the refused reload"
echoes "$(head -n 1 "$TMP/ports")" && fail "the first new section still answers"
ok "100 sections under ulimit -n 64: refused whole, $fds_after fds as before, a serves"
stop_host

# plugin_path applies on reload: failcreate is only in tests/plugins.
cat > "$CONF" <<INI
[echo6 a]
listen = 127.0.0.1:$PA
udp = no
INI
start_host "$CONF"
fds_before=$(fd_count "$HOST_PID")
cat >> "$CONF" <<INI
[nethost]
plugin_path = $top_builddir/tests/plugins

[failcreate one]
note = new
INI
kill -HUP "$HOST_PID"
wait_for_log "$TMP/host.log" 5 "reloaded: 1 kept, 0 stopped, 1 started" ||
	fail "a new plugin_path was not used on reload"
grep -q "failcreate/one: started" "$TMP/host.log" || fail "failcreate/one not started"
echoes "$PA" || fail "a (kept across the plugin_path change) does not answer"
# Back without it: failcreate cannot be found, the reload is refused and
# one stays.
sed -i '/^\[nethost\]/,$d' "$CONF"
printf '[failcreate one]\nnote = new\n' >> "$CONF"
kill -HUP "$HOST_PID"
wait_for_log "$TMP/host.log" 5 "reload refused: .*1 problem" || fail "plugin_path removed: not refused"
grep -q "plugin 'failcreate'.*not found\|failcreate.*no plugin" "$TMP/host.log" ||
	fail "plugin_path removed: no not-found line"
grep -q "failcreate/one: stop called" "$TMP/host.log" && fail "failcreate/one was stopped"
# And without failcreate at all: the old loader goes, one is stopped.
sed -i '/^\[failcreate one\]/,$d' "$CONF"
kill -HUP "$HOST_PID"
wait_for_log "$TMP/host.log" 5 "reloaded: 1 kept, 1 stopped, 0 started" || fail "last reload"
grep -q "failcreate/one: stop called" "$TMP/host.log" || fail "failcreate/one not stopped"
fds_after=$(fd_count "$HOST_PID")
[ "$fds_after" = "$fds_before" ] || fail "fd count changed across plugin_path reloads: $fds_before -> $fds_after"
ok "plugin_path changes apply on reload (added, refused without it, removed)"
stop_host

# succeed(): a changed section's new instance is told which running one it
# replaces, after every create() and before the old one's stop(); never for
# an unchanged or a new section, nor a 2.0 plugin (abi21 logs each call).
cat > "$CONF" <<INI
[nethost]
plugin_path = $top_builddir/tests/plugins
log_level = info

[abi21 a]
word = one

[abi21 b]
word = same

[abi20 z]
word = old
INI
start_host "$CONF"
wait_for_log "$TMP/host.log" 5 "abi20/z: tick" || fail "abi21 a, b and abi20 z did not start"
succeeds() { grep -c "abi21/[a-z]*: succeed:" "$TMP/host.log"; }
line_of() { grep -n -- "$1" "$TMP/host.log" | head -n 1 | cut -d: -f1; }
sed -i 's/word = one/word = two/; s/word = old/word = new/' "$CONF"
printf '[abi21 c]\nword = new\n' >> "$CONF"
kill -HUP "$HOST_PID"
wait_for_log "$TMP/host.log" 5 "reloaded: 1 kept, 2 stopped, 3 started" || fail "reload with a changed a"
[ "$(succeeds)" = 1 ] || { grep succeed "$TMP/host.log"; fail "succeed() called $(succeeds) times, want once (a)"; }
grep -q "abi21/a: succeed: two replaces one (still running: yes)" "$TMP/host.log" ||
	{ grep succeed "$TMP/host.log"; fail "succeed() not called with (new a, running old a)"; }
s=$(line_of "abi21/a: succeed:"); st=$(line_of "abi21/a: stop one"); d=$(line_of "abi21/a: destroy one")
up=$(grep -n "abi21/a: started" "$TMP/host.log" | sed -n 2p | cut -d: -f1)
[ -n "$s" ] && [ -n "$st" ] && [ -n "$d" ] && [ -n "$up" ] && [ "$s" -lt "$st" ] &&
	[ "$st" -lt "$d" ] && [ "$d" -lt "$up" ] ||
	fail "not succeed() < old stop() < old destroy() < new start(): lines $s $st $d $up"
ok "succeed() gets (new a, old a) before the old one's stop/destroy; not for b (kept), c (new), abi20"

# A reload refused at create(): no succeed(). One rolled back at start():
# succeed() was called, the old a comes back from a fresh create() and is
# the one the next reload's a replaces.
sed -i 's/word = two/word = three/' "$CONF"
printf '[abi21 d]\nwrod = typo\n' >> "$CONF"
kill -HUP "$HOST_PID"
wait_for_log "$TMP/host.log" 5 "reload refused: .*1 problem" || fail "a bad key was not refused"
[ "$(succeeds)" = 1 ] || fail "succeed() called on a reload refused at create()"
sed -i '/^\[abi21 d\]/,$d' "$CONF"
printf '[echo6 sq]\nlisten = 127.0.0.1:%s\nudp = no\n' "$PC" >> "$CONF"
kill -HUP "$HOST_PID"
wait_for_log "$TMP/host.log" 5 "reload refused: \[echo6 sq\] start failed" || fail "squatted port: not refused"
[ "$(succeeds)" = 2 ] && grep -q "abi21/a: succeed: three replaces two (still running: yes)" "$TMP/host.log" ||
	fail "succeed() not called once on the rolled-back reload"
# Destroyed twice: refused at create(), then rolled back.
[ "$(grep -c "abi21/a: destroy three" "$TMP/host.log")" = 2 ] || fail "the rolled-back new a was not destroyed"
sed -i 's/word = three/word = four/; /^\[echo6 sq\]/,$d' "$CONF"
kill -HUP "$HOST_PID"
wait_for_log "$TMP/host.log" 5 "reloaded: 3 kept, 1 stopped, 1 started" || fail "reload after the rolled-back one"
[ "$(succeeds)" = 3 ] && grep -q "abi21/a: succeed: four replaces two (still running: yes)" "$TMP/host.log" ||
	{ grep succeed "$TMP/host.log"; fail "after a rollback, the new a does not replace the restored old one"; }
ok "succeed(): none when refused at create(); on rollback the restored a (two) is the next one's predecessor"

# refresh(): b is unchanged, so the reload asks it to re-read its file:
# prepared then committed; a "bad" file refuses the whole reload (a's
# change is not applied either); a start() that fails aborts it.
echo v1 > "$TMP/b.txt"
sed -i "s|^word = same|word = same\nfile = $TMP/b.txt|" "$CONF"
kill -HUP "$HOST_PID"
wait_for_log "$TMP/host.log" 5 "abi21/b: succeed: same replaces same" || fail "reload giving b a file"
echo v2 > "$TMP/b.txt"
kill -HUP "$HOST_PID"
wait_for_log "$TMP/host.log" 5 "abi21/b: refresh commit same: v2" || fail "b's refresh was not committed: $(grep refresh "$TMP/host.log")"
grep -q "abi21/b: refresh prepare same: v2" "$TMP/host.log" || fail "no PREPARE before COMMIT"
echo bad > "$TMP/b.txt"
sed -i 's/word = four/word = five/' "$CONF"
kill -HUP "$HOST_PID"
wait_for_log "$TMP/host.log" 5 "reload refused: \[abi21 b\] cannot re-read its files" ||
	fail "a refused refresh did not refuse the reload: $(tail -n 4 "$TMP/host.log")"
grep -q "succeed: five replaces" "$TMP/host.log" && fail "half a reload: a was replaced although b refused"
echo v3 > "$TMP/b.txt"
printf '[echo6 sq]\nlisten = 127.0.0.1:%s\nudp = no\n' "$PC" >> "$CONF"
kill -HUP "$HOST_PID"
wait_for_log "$TMP/host.log" 5 "reload refused: \[echo6 sq\] start failed" || fail "squatted port: not refused"
wait_for_log "$TMP/host.log" 5 "abi21/b: refresh abort same: v2" || fail "a rolled-back reload did not abort b's refresh"
grep -q "refresh commit same: v3" "$TMP/host.log" && fail "a refused reload committed b's refresh"
ok "refresh(): an unchanged section re-reads its file, PREPARE then COMMIT; a refusal or a failed start refuses the reload and aborts"
stop_host
exit 0
