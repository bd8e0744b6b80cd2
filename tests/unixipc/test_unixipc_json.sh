#!/bin/sh
# unixipc send --json: the echo client's NDJSON records (nethost(8), JSON
# OUTPUT), parsed with python3; pair refuses --json.
. "$top_srcdir/tests/lib.sh"
: "${NETHOST_WRAPPER:=}" # lib.sh reads it under set -u
need_cmd python3 python3
check="$top_srcdir/tests/echo6/check_echo_json.py"

SOCK="$TMP/echo.sock"
cat > "$TMP/unixipc.ini" <<INI
[unixipc seq]
path = @nethost-json-test-$$
type = seqpacket
INI
start_host "$TMP/unixipc.ini" -v


"$NETHOST" unixipc send --json -T seqpacket -c 2 "@nethost-json-test-$$" ping > "$TMP/out" ||
	fail "send --json: exit $?: $(cat "$TMP/out")"
python3 "$check" "@nethost-json-test-$$" echo:4:ping echo:4:ping summary:2:2 < "$TMP/out" ||
	fail "send --json: $(cat "$TMP/out")"
ok "seqpacket: an echo record per message, then the summary"

"$NETHOST" unixipc send -j "$SOCK" hello > "$TMP/out" 2>&1
[ $? = 1 ] || fail "send -j to a missing socket: want exit 1: $(cat "$TMP/out")"
ok "nothing listening: exit 1 (before any exchange: stderr only)"

"$NETHOST" unixipc pair --json > /dev/null 2>&1
[ $? = 2 ] || fail "pair --json: want exit 2"
ok "pair refuses --json"
stop_host
