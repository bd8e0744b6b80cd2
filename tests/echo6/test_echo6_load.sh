#!/bin/sh
# echo6 under load: 1,000 concurrent TCP clients, a client aborting
# mid-message, a client that does not read (back-pressure), max_clients,
# idle_timeout, and no fd left behind.
. "$top_srcdir/tests/lib.sh"
: "${NETHOST_WRAPPER:=}" # lib.sh reads it under set -u

CLIENTS="$top_srcdir/tests/echo6/echo_clients.py"
PORT=$(free_port)
PORT2=$(free_port)
cat > "$TMP/echo6.ini" <<INI
[echo6 big]
listen = [::]:$PORT
udp = no
max_clients = 2000
[echo6 small]
listen = 127.0.0.1:$PORT2
udp = no
max_clients = 5
idle_timeout = 500ms
INI
start_host "$TMP/echo6.ini"
fds=$(fd_count "$HOST_PID")

python3 "$CLIENTS" many "tcp:127.0.0.1:$PORT" 1000 1000 || fail "1000 IPv4 clients"
python3 "$CLIENTS" many "tcp:[::1]:$PORT" 1000 100 || fail "1000 IPv6 clients"
ok "1000 concurrent clients, IPv4 and IPv6"

python3 "$CLIENTS" abort "tcp:[::1]:$PORT" || fail "abort"
ok "a client aborting mid-message disturbs no one"

python3 "$CLIENTS" stall "tcp:[::1]:$PORT" || fail "stall"
ok "back-pressure on a client that does not read"

python3 "$CLIENTS" maxclients "tcp:127.0.0.1:$PORT2" 5 || fail "max_clients"
ok "max_clients"

python3 "$CLIENTS" idle "tcp:127.0.0.1:$PORT2" 3 || fail "idle_timeout"
ok "idle_timeout"

# Every client is gone: the host holds what it held before.
i=0
while [ "$(fd_count "$HOST_PID")" != "$fds" ] && [ $i -lt 40 ]; do sleep 0.05; i=$((i + 1)); done
[ "$(fd_count "$HOST_PID")" = "$fds" ] || fail "fds: $fds before, $(fd_count "$HOST_PID") after"
kill -USR1 "$HOST_PID"
wait_for_log "$TMP/host.log" 5 "echo6/small: tcp: clients=0 .*refused=1 timeouts=1" ||
	fail "report counters"
stop_host
ok "no fd leak; counters"
