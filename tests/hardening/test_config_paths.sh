#!/bin/sh
# The config path is outside input too (issue 18, M1/M2): a device, a FIFO,
# a directory or a huge file given as -c is refused at once (exit 2), and
# the same paths on SIGHUP leave the running service serving. A UTF-8 BOM
# is skipped; control bytes in the file are escaped when printed.
. "$top_srcdir/tests/lib.sh"

# within SECONDS CMD...: run CMD, fail if it takes longer; sets rc.
within() {
	secs=$1
	shift
	"$@" > "$TMP/out" 2>&1 &
	pid=$!
	i=0
	while kill -0 $pid 2>/dev/null; do
		i=$((i + 1))
		[ $i -le $((secs * 20)) ] || { kill -KILL $pid; fail "$* still running after ${secs}s"; }
		sleep 0.05
	done
	wait $pid
	rc=$?
}

# Within a second natively; valgrind alone takes longer to start.
LIMIT=1
[ "${NH_VALGRIND:-0}" = 1 ] && LIMIT=15
mkfifo "$TMP/fifo"
mkdir "$TMP/dir"
truncate -s 100M "$TMP/huge.ini"
for path in /dev/zero "$TMP/fifo" "$TMP/dir" "$TMP/huge.ini"; do
	within $LIMIT "$NETHOST" -t -c "$path"
	[ $rc = 2 ] || { cat "$TMP/out"; fail "-c $path: exit $rc, want 2"; }
	grep -q "$path: \(not a regular file\|larger than 16 MiB, not read\)" "$TMP/out" ||
		{ cat "$TMP/out"; fail "-c $path: no clear reason"; }
	ok "-c $path: exit 2 within $LIMIT s: $(grep -o 'error: .*' "$TMP/out" | head -n1)"
done

PORT=$(free_port)
printf '[echo6 e]\nlisten = 127.0.0.1:%s\nudp = no\n' "$PORT" > "$TMP/good.ini"
cp "$TMP/good.ini" "$TMP/live.ini"
start_host "$TMP/live.ini"
for path in /dev/zero "$TMP/fifo" "$TMP/dir" "$TMP/huge.ini"; do
	rm -rf "$TMP/live.ini"
	ln -s "$path" "$TMP/live.ini"
	kill -HUP "$HOST_PID"
	wait_for_log "$TMP/host.log" $((LIMIT + 1)) "$path\|live.ini: \(not a regular file\|larger than\)" || fail "SIGHUP with $path: no refusal logged"
	"$NETHOST" echo6 send -t 2s "127.0.0.1:$PORT" still-here > "$TMP/echo" 2>&1 || { cat "$TMP/echo"; fail "not serving after SIGHUP with $path"; }
	kill -0 "$HOST_PID" || fail "host gone after SIGHUP with $path"
	: > "$TMP/host.log"
	ok "SIGHUP with the config at $path: refused, still serving"
done
rm -f "$TMP/live.ini"
stop_host

# A UTF-8 byte order mark is not a line.
printf '\357\273\277[echo6 e]\nlisten = 127.0.0.1:%s\n' "$PORT" > "$TMP/bom.ini"
"$NETHOST" -t -c "$TMP/bom.ini" > "$TMP/out" 2>&1 || { cat "$TMP/out"; fail "a file with a BOM refused"; }
ok "a UTF-8 BOM is skipped"

# Control bytes from the file are escaped, never printed raw.
printf '[echo6 e]\nlisten = 127.0.0.1:\033[31mred\n' > "$TMP/ctl.ini"
"$NETHOST" -t -c "$TMP/ctl.ini" > "$TMP/out" 2>&1
[ $? = 2 ] || fail "a bad listen value accepted"
grep -q "$(printf '\033')" "$TMP/out" && fail "an escape byte reached the output raw: $(od -c "$TMP/out" | head -n3)"
grep -qF '\x1b[31mred' "$TMP/out" || { cat "$TMP/out"; fail "the escape byte is not shown as \\x1b"; }
ok "control bytes in the file are printed escaped"
