# Helpers shared by the forward tests (sourced after tests/lib.sh).
FWDTOOL="python3 $top_srcdir/tests/forward/fwdtool.py"

# Run fwdtool in the background until the test ends; waits for its
# "ready" line. $1 names the output file under $TMP.
start_tool() {
	local name=$1
	shift
	$FWDTOOL "$@" >"$TMP/$name.out" 2>&1 &
	local pid=$!
	at_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
	wait_for_log "$TMP/$name.out" 10 "ready" || fail "$name ($*) did not start"
}

# Wait until the host's log has $2 lines matching $1 (10 s at most).
wait_count() {
	local i=0
	while [ "$(grep -c -- "$1" "$TMP/host.log")" -lt "$2" ] && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ "$(grep -c -- "$1" "$TMP/host.log")" -ge "$2" ]
}
