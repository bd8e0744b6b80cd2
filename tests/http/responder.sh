# Sourced after tests/lib.sh by the tests that probe a local HTTP
# responder (responder.py) or scrape /metrics.

# The interpreter itself, not a wrapper (pyenv shims fork): the pid killed
# at exit must be the one that listens.
PY=$(python3 -c 'import sys; print(sys.executable)')
RESPONDER="$top_srcdir/tests/http/responder.py"

# start_responder: run it for the whole test; HP is its answering port,
# HANG the port that accepts and never answers.
start_responder() {
	local i=0
	"$PY" "$RESPONDER" "$TMP/ports" &
	at_exit "kill $! 2>/dev/null"
	while [ ! -s "$TMP/ports" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	read -r HP HANG < "$TMP/ports" || fail "responder did not start"
}

# scrape PORT: GET /metrics of 127.0.0.1:PORT into $TMP/metrics.
scrape_metrics() {
	"$PY" -c '
import sys, urllib.request
sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())
' "http://127.0.0.1:$1/metrics" > "$TMP/metrics" || fail "scrape of /metrics failed"
}
