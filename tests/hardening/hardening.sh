# Helpers shared by the hardening tests; sourced after tests/lib.sh.
LOAD="$top_srcdir/tests/hardening/load.py"
: "${NETHOST_WRAPPER:=}" # lib.sh reads it under set -u

# ASan keeps freed memory in quarantine: RSS figures are printed but
# not held to a budget in a sanitizer build.
sanitized() { grep -q -- '-fsanitize=address' "$top_builddir/Makefile"; }
rss_budget_opt() { sanitized || echo "--rss-budget $1"; }

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# Wait (up to 5 s) until the host holds $1 fds again.
wait_fds() {
	local i=0
	while [ "$(fd_count "$HOST_PID")" != "$1" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	[ "$(fd_count "$HOST_PID")" = "$1" ] || fail "host fds: $1 before, $(fd_count "$HOST_PID") after"
}

# Run the load driver in the background: $1 name (output in $TMP/$1.out),
# the rest its arguments. Its pid is in LOAD_PID; wait_load NAME reaps it.
start_load() {
	local name=$1
	shift
	python3 "$LOAD" "$@" > "$TMP/$name.out" 2>&1 &
	LOAD_PID=$!
	eval "LOAD_PID_$name=$LOAD_PID"
	at_exit "kill $LOAD_PID 2>/dev/null"
	wait_for_log "$TMP/$name.out" 30 "^ramped" || fail "$name: clients not served: $(cat "$TMP/$name.out")"
}
wait_load() {
	eval "wait \$LOAD_PID_$1" || fail "$1: $(cat "$TMP/$1.out")"
	sed "s/^/  $1: /" "$TMP/$1.out"
}
