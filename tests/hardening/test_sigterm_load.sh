#!/bin/sh
# SIGTERM while clients echo continuously over echo6 (TCP, IPv4 and IPv6)
# and unixipc (stream and seqpacket socket files): the host exits 0 within
# seconds, every client sees its connection closed (never a wrong byte),
# the socket files and the pid file are removed, the port is free again
# and no process is left.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/hardening/hardening.sh"

PORT=$(free_port)
cat > "$TMP/h.ini" <<INI
[nethost]
pid_file = $TMP/nethost.pid
[echo6 e]
listen = [::]:$PORT
[unixipc s]
path = $TMP/s.sock
[unixipc q]
path = $TMP/q.sock
type = seqpacket
[unixipc d]
path = $TMP/d.sock
type = dgram
INI
start_host "$TMP/h.ini"
[ -S "$TMP/s.sock" ] && [ -S "$TMP/q.sock" ] && [ -S "$TMP/d.sock" ] || fail "socket files missing"

start_load tcp4 steady "tcp:127.0.0.1:$PORT" --conns 100 --seconds 10 --until-closed
start_load tcp6 steady "tcp:[::1]:$PORT" --conns 100 --seconds 10 --until-closed
start_load unix steady "unix:$TMP/s.sock" --conns 20 --seconds 10 --until-closed
start_load seq steady "seqpacket:$TMP/q.sock" --conns 20 --seconds 10 --until-closed
sleep 0.5
pid=$HOST_PID
t0=$(date +%s%N)
stop_host
ok "SIGTERM under load: exit 0 after $((($(date +%s%N) - t0) / 1000000)) ms"

for n in tcp4 tcp6 unix seq; do
	wait_load $n
	grep -q "closed=$(sed -n 's/^ramped conns=\([0-9]*\).*/\1/p' "$TMP/$n.out")$" "$TMP/$n.out" ||
		fail "$n: not every connection was closed: $(cat "$TMP/$n.out")"
done
ok "every client saw its connection closed; every byte echoed before was intact"

for f in s.sock q.sock d.sock nethost.pid; do
	[ -e "$TMP/$f" ] && fail "$f left behind"
done
python3 -c 'import socket, sys; socket.socket(socket.AF_INET6).bind(("::", int(sys.argv[1])))' "$PORT" ||
	fail "port $PORT still taken"
[ -d "/proc/$pid" ] && fail "process $pid still there"
pgrep -f "$TMP/h.ini" >/dev/null && fail "a process still runs on $TMP/h.ini"
ok "socket files and pid file removed, port free, no process left"
