#!/bin/sh
# nethost forward LISTEN TARGET...: usage errors, a foreground run with
# --deny, SIGUSR1, SIGTERM; max connections, idle timeout, and surviving
# EMFILE (stop accepting, log it, recover).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/forward/common.sh"
need_cmd python3 python3

E=$(free_port); L=$(free_port)
start_tool echo echo ::1 "$E"

usage() { # usage PATTERN ARGS...: exit 2 with PATTERN on stderr
	local want=$1 rc
	shift
	timeout 10 "$NETHOST" forward "$@" >"$TMP/usage.out" 2>&1 # an accepted bad value would serve
	rc=$?
	[ $rc = 2 ] || fail "forward $*: exit $rc, want 2"
	grep -q -- "$want" "$TMP/usage.out" || fail "forward $*: no '$want' in: $(cat "$TMP/usage.out")"
	case $want in bind:*) return;; esac # cannot listen: no usage text
	grep -q "usage: nethost forward" "$TMP/usage.out" || fail "forward $*: no usage text"
}
usage "need LISTEN and at least one TARGET"
usage "need LISTEN and at least one TARGET" 127.0.0.1:$L
usage "'10.0.0.0/33'" --allow 10.0.0.0/33 127.0.0.1:$L "[::1]:$E"
usage "--max-connections: '0': must be 1 to 1000000" --max-connections 0 127.0.0.1:$L "[::1]:$E"
usage "'18446744073709551617': must be 1 to" --max-connections 18446744073709551617 127.0.0.1:$L "[::1]:$E"
usage "'010': a leading zero" --max-connections 010 127.0.0.1:$L "[::1]:$E"
usage "'soon'" --connect-timeout soon 127.0.0.1:$L "[::1]:$E"
usage "--connect-timeout: '0': must be at least" --connect-timeout 0 127.0.0.1:$L "[::1]:$E"
usage "LISTEN: '99999': must be 1 to 65535" 99999 "[::1]:$E"
usage "LISTEN: '4294967297': must be 1 to 65535" 4294967297 "[::1]:$E"
usage "LISTEN: '127.0.0.1:0': port 0" 127.0.0.1:0 "[::1]:$E"
# issue 18 M4: an empty list would let everybody in; a target port 0 reaches nothing.
usage "--allow: '' names no CIDR" --allow '' 127.0.0.1:$L "[::1]:$E"
usage "--allow: ',' names no CIDR" --allow , 127.0.0.1:$L "[::1]:$E"
usage "--deny: ' ' names no CIDR" --deny ' ' 127.0.0.1:$L "[::1]:$E"
usage "TARGET: '\[::1\]:0': port 0" 127.0.0.1:$L "[::1]:0"
usage "'::1'" 127.0.0.1:$L ::1
usage "bind: Address already in use" "[::1]:$E" "[::1]:$E"
"$NETHOST" forward --help | grep -q -- "--deny CIDR" || fail "--help has no --deny"
ok "usage errors exit 2 and quote the bad text (empty lists, port 0, overflow)"

run_fwd() { # run_fwd LOG ARGS...: nethost forward in the background
	local log=$1
	shift
	"$NETHOST" forward "$@" >"$TMP/$log" 2>&1 &
	FWD=$!
	at_exit "kill -KILL $FWD 2>/dev/null"
	wait_for_log "$TMP/$log" 10 "listening on" || fail "forward $* did not start: $(cat "$TMP/$log")"
}
stop_fwd() {
	kill -TERM "$FWD"
	wait "$FWD"
	rc=$?
	[ $rc = 0 ] || fail "forward exited $rc after SIGTERM"
}

run_fwd cli.log "127.0.0.1:$L" "[::1]:$E" --deny 127.0.0.2 --idle-timeout 300ms
got=$($FWDTOOL ping 127.0.0.1 "$L" 5)
case $got in echo*) ;; *) fail "CLI relay: got '$got'";; esac
got=$($FWDTOOL ping 127.0.0.1 "$L" 5 127.0.0.2)
case $got in closed*|reset*) ;; *) fail "CLI --deny: got '$got'";; esac
got=$($FWDTOOL idle 127.0.0.1 "$L" 3)
case $got in closed*) ;; *) fail "idle timeout: got '$got'";; esac
wait_for_log "$TMP/cli.log" 5 "idle timeout (300 ms)" || fail "no idle timeout close line"
kill -USR1 "$FWD"
wait_for_log "$TMP/cli.log" 5 "accepted=3 refused=1 failed=0 active=0 closed=2" ||
	fail "CLI SIGUSR1 counters: $(cat "$TMP/cli.log")"
stop_fwd
ok "foreground run: relay, --deny, --idle-timeout, SIGUSR1 counters, SIGTERM exits 0"

# The read()/write() fallback moves the same bytes the same way.
LN=$(free_port)
NETHOST_FORWARD_NO_SPLICE=1 run_fwd nosplice.log "127.0.0.1:$LN" "[::1]:$E"
out=$($FWDTOOL bulk 127.0.0.1 "$LN" 20) || fail "no splice, 20 MB: $out"
out=$($FWDTOOL halfclose 127.0.0.1 "$LN") || fail "no splice, half-close: $out"
out=$($FWDTOOL upreset 127.0.0.1 "$LN") || fail "no splice, upstream reset: $out"
stop_fwd
grep -q "up 20971520 B, down 20971520 B" "$TMP/nosplice.log" || fail "no splice: byte counts"
ok "read/write fallback: 20 MB each way, half-close, reset"

# The data path, seen from the system calls: a short exchange is copied
# (read/send), bulk goes through splice() and never enters user space.
if command -v strace >/dev/null 2>&1 && strace -qq -o /dev/null true 2>/dev/null; then
	LS=$(free_port)
	run_fwd trace.log "127.0.0.1:$LS" "[::1]:$E"
	strace -qq -p "$FWD" -e trace=splice,sendto -o "$TMP/strace.out" &
	ST=$!
	sleep 0.5 # strace attached
	got=$($FWDTOOL ping 127.0.0.1 "$LS" 5)
	case $got in echo*) ;; *) fail "traced relay: got '$got'";; esac
	grep -q 'sendto(.*"ping\\n"' "$TMP/strace.out" || fail "ping not sent by copy: $(cat "$TMP/strace.out")"
	grep -q 'splice(' "$TMP/strace.out" && fail "a 5-byte exchange went through splice()"
	out=$($FWDTOOL bulk 127.0.0.1 "$LS" 4) || fail "traced bulk: $out"
	kill "$ST"
	wait "$ST" 2>/dev/null
	n=$(grep -c 'splice(.* = [1-9]' "$TMP/strace.out")
	[ "$n" -gt 0 ] || fail "4 MB each way without a splice()"
	stop_fwd
	ok "data path: 5 bytes copied, 4 MB each way spliced ($n splice calls)"
else
	echo "ok - # SKIP data path check: no usable strace (apt-get install strace)"
fi

# max connections: the third client waits in the backlog until one closes.
L2=$(free_port)
run_fwd max.log "127.0.0.1:$L2" "[::1]:$E" --max-connections 2
$FWDTOOL hold 127.0.0.1 "$L2" 2 1.5 >"$TMP/hold.out" 2>&1 &
HOLD=$!
wait_for_log "$TMP/hold.out" 5 "holding 2" || fail "hold did not start"
got=$($FWDTOOL ping 127.0.0.1 "$L2" 10)
wait "$HOLD" || fail "held connections failed: $(cat "$TMP/hold.out")"
case $got in echo*) ;; *) fail "max connections: the waiting client got '$got'";; esac
grep -q "max_connections (2) reached; pausing accepts" "$TMP/max.log" || fail "no max_connections line"
stop_fwd
ok "max connections: a client over the limit waits, then is served"

# EMFILE: with 32 fds the forwarder runs out; it must pause, say so and recover.
L3=$(free_port)
FWD_LIMIT=32
( ulimit -n $FWD_LIMIT && exec "$NETHOST" forward "127.0.0.1:$L3" "[::1]:$E" ) >"$TMP/emfile.log" 2>&1 &
FWD=$!
at_exit "kill -KILL $FWD 2>/dev/null"
wait_for_log "$TMP/emfile.log" 10 "listening on" || fail "forward did not start: $(cat "$TMP/emfile.log")"
$FWDTOOL flood 127.0.0.1 "$L3" 40 >"$TMP/flood.out" 2>&1 || fail "flood: $(cat "$TMP/flood.out")"
grep -q "Too many open files; pausing accepts" "$TMP/emfile.log" || fail "no EMFILE pause line: $(cat "$TMP/emfile.log")"
got=$($FWDTOOL ping 127.0.0.1 "$L3" 5)
case $got in echo*) ;; *) fail "after EMFILE: got '$got'";; esac
kill -0 "$FWD" || fail "forwarder died on EMFILE"
stop_fwd
ok "EMFILE: logged, survived, serving again ($(cat "$TMP/flood.out"))"
