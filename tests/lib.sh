# Shared helpers for the shell integration tests. Source it:
#   . "$top_srcdir/tests/lib.sh"
# Exit codes follow automake: 0 pass, 1 fail, 77 skip, 99 hard error.
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${NETHOST:=$top_builddir/host/nethost}"
: "${NETHOST_WRAPPER:=}"
# Under tools/check's valgrind phase, every host run is checked too.
[ "${NH_VALGRIND:-0}" = 1 ] && NETHOST="$top_srcdir/tests/valgrind-nethost"

TEST_NAME=$(basename "$0" .sh)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nethost-$TEST_NAME.XXXXXX")
HOST_PID=
_cleanups=

# Run "$@" at exit, last added first.
at_exit() { _cleanups="$*; $_cleanups"; }
_run_cleanups() {
	set +e
	eval "$_cleanups"
	if [ -n "$HOST_PID" ] && kill -0 "$HOST_PID" 2>/dev/null; then
		kill -KILL "$HOST_PID" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap _run_cleanups EXIT

# The host log's last 60 lines (a sanitizer's report whole), so that the
# failure and what led to it stay readable in CI's output.
fail() {
	echo "FAIL: $TEST_NAME: $*" >&2
	if [ -f "$TMP/host.log" ]; then
		n=$(wc -l <"$TMP/host.log")
		[ "$n" -gt 60 ] && echo "  host: [... $((n - 60)) earlier lines]" >&2
		grep -n -A40 'ERROR: \(Address\|Leak\)Sanitizer\|runtime error:' "$TMP/host.log" | head -n 200 | sed 's/^/  host: /' >&2
		tail -n 60 "$TMP/host.log" | sed 's/^/  host: /' >&2
	fi
	exit 1
}
skip() { echo "SKIP: $TEST_NAME: $*" >&2; exit 77; }
ok() { echo "ok - $*"; }

need_root() { [ "$(id -u)" = 0 ] || skip "needs root (run as root or in CI)"; }
need_cmd() { command -v "$1" >/dev/null 2>&1 || skip "needs '$1' (apt-get install $2)"; }

# A TCP port that was free a moment ago on 127.0.0.1.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Wait (up to $2 seconds, default 10) until file $1 contains pattern $3.
wait_for_log() {
	local file=$1 secs=${2:-10} pattern=$3 i=0
	while [ $i -lt $((secs * 20)) ]; do
		grep -q -- "$pattern" "$file" 2>/dev/null && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# Start the host in the background on config $1 (extra args after it);
# waits for its "running" line. Log in $TMP/host.log, pid in HOST_PID.
start_host() {
	local conf=$1
	shift
	: > "$TMP/host.log"
	$NETHOST_WRAPPER "$NETHOST" "$@" -c "$conf" >>"$TMP/host.log" 2>&1 &
	HOST_PID=$!
	wait_for_log "$TMP/host.log" 20 "running" || fail "host did not start on $conf"
}

# Stop the host with SIGTERM; fails when it does not exit 0 within 10 s.
stop_host() {
	[ -n "$HOST_PID" ] || return 0
	kill -TERM "$HOST_PID" 2>/dev/null
	local i=0
	while kill -0 "$HOST_PID" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	kill -0 "$HOST_PID" 2>/dev/null && fail "host still running 10 s after SIGTERM"
	wait "$HOST_PID"
	local rc=$?
	HOST_PID=
	[ $rc = 0 ] || fail "host exited $rc after SIGTERM"
}

# Count the open fds of process $1.
fd_count() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
