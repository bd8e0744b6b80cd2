#!/bin/sh
# echo6 send --json: NDJSON records as nethost(8) documents them, parsed
# with python3 (tests/echo6/check_echo_json.py).
. "$top_srcdir/tests/lib.sh"
: "${NETHOST_WRAPPER:=}" # lib.sh reads it under set -u
need_cmd python3 python3
check="$top_srcdir/tests/echo6/check_echo_json.py"

PORT=$(free_port)
cat > "$TMP/echo6.ini" <<INI
[echo6 dual]
listen = [::]:$PORT
INI
start_host "$TMP/echo6.ini" -v

"$NETHOST" echo6 send --json -c 2 -s 100 "[::1]:$PORT" hello 'a"b' > "$TMP/out" ||
	fail "send --json: exit $?: $(cat "$TMP/out")"
python3 "$check" "[::1]:$PORT" echo:5:hello 'echo:3:a"b' echo:100:- echo:5:hello 'echo:3:a"b' \
	echo:100:- summary:6:6 < "$TMP/out" || fail "send --json: $(cat "$TMP/out")"
ok "an echo record per message, then the summary"

"$NETHOST" echo6 send -j -q -u "127.0.0.1:$PORT" one > "$TMP/out" ||
	fail "send -j -q -u: exit $?: $(cat "$TMP/out")"
python3 "$check" "127.0.0.1:$PORT" summary:1:1 < "$TMP/out" || fail "send -j -q: $(cat "$TMP/out")"
ok "-q: the summary alone (a single echo has one too)"

# Nothing answers on a UDP port no one listens on: an error record.
DEAD=$(free_port)
"$NETHOST" echo6 send --json -u -t 1s "127.0.0.1:$DEAD" lost > "$TMP/out" 2> "$TMP/err"
[ $? = 1 ] || fail "send --json to a dead port: want exit 1"
python3 "$check" "127.0.0.1:$DEAD" error:4 summary:1:0 < "$TMP/out" || fail "dead port: $(cat "$TMP/out")"
grep -q "127.0.0.1:$DEAD" "$TMP/err" || fail "dead port: no error on stderr: $(cat "$TMP/err")"
ok "a failed echo: an error record, the summary, exit 1"
stop_host
