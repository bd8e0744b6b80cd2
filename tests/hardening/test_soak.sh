#!/bin/sh
# Soak: NH_SOAK_CONNS (default 2000) TCP clients connected at once on
# loopback through a forwarder to echo6, both in the host (NH_SOAK_VIA=echo6:
# to echo6 directly), each echoing 100-byte messages back to back for
# NH_SOAK_SECONDS (default 10). Every echo is checked byte for byte; no
# client may be dropped or go 10 s without an answer; the host's VmRSS at
# the end may exceed its value once every client was served by at most
# 1 MB + 1% of its idle RSS, and its fds must not change. bench/soak.sh runs it with 10,000
# clients for 60 s.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/hardening/hardening.sh"

CONNS=${NH_SOAK_CONNS:-2000}
SECS=${NH_SOAK_SECONDS:-10}
VIA=${NH_SOAK_VIA:-forward}
# Through the forwarder each client costs the host 3 sockets, and pipes
# while its data is in flight (the pool hands them back when empty).
need=$((CONNS + 1000))
[ "$VIA" = forward ] && need=$((CONNS * 3 + 2000))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $need ]; then
	ulimit -n $need 2>/dev/null || skip "needs 'ulimit -n $need' (raising the limit needs root)"
	[ "$(ulimit -n)" -ge $need ] || skip "needs 'ulimit -n $need', have $(ulimit -n)"
fi

PORT=$(free_port)
cat > "$TMP/h.ini" <<INI
[echo6 soak]
listen = 127.0.0.1:$PORT
udp = no
max_clients = $((CONNS + 100))
INI
if [ "$VIA" = forward ]; then
	EPORT=$PORT
	PORT=$(free_port)
	cat >> "$TMP/h.ini" <<INI

[forward soak]
listen = 127.0.0.1:$PORT
to = 127.0.0.1:$EPORT
max_connections = $((CONNS + 100))
INI
fi
start_host "$TMP/h.ini"
fds=$(fd_count "$HOST_PID")
rss0=$(rss_kb "$HOST_PID")

budget=$((1024 + rss0 / 100))
# shellcheck disable=SC2046
python3 "$LOAD" steady "tcp:127.0.0.1:$PORT" --conns "$CONNS" --seconds "$SECS" --size 100 \
	--pid "$HOST_PID" $(rss_budget_opt "$budget") > "$TMP/out" 2>&1 || fail "soak: $(cat "$TMP/out")"
sed 's/^/  soak: /' "$TMP/out"
# The RSS after the ramp includes every client's buffer: print both.
ramp=$(sed -n 's/.*rss_ramp_kb=\([0-9]*\).*/\1/p' "$TMP/out")
echo "  soak: host VmRSS idle ${rss0} kB, after the ramp ${ramp} kB; budget for the end: +${budget} kB"
ok "$CONNS clients for ${SECS}s via $VIA: every echo intact, none dropped, host RSS within budget"

wait_fds "$fds"
stop_host
ok "all clients gone: $fds fds as before; clean exit"
