#!/bin/sh
# forward and SIGHUP: a changed [forward] section keeps its listening
# socket. Clients connect in a loop during 20 reloads that each change the
# section and none is refused or reset; a connection open before them
# relays on through all of them; no fd is left behind; a reload that
# moves the listener closes the old port and opens the new one.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/forward/common.sh"
need_cmd python3 python3

E=$(free_port); L=$(free_port); L2=$(free_port)
start_tool echo echo 127.0.0.1 "$E"

conf() { # conf LISTEN-PORT N: the section, changed by N
	cat >"$TMP/fwd.ini" <<INI
[forward r]
listen = 127.0.0.1:$1
to = 127.0.0.1:$E
idle_timeout = $((600 + $2))s
connect_timeout = $((2000 + $2))ms
INI
}
conf "$L" 0
start_host "$TMP/fwd.ini"

# One connection held through every reload: it echoes before and after.
python3 - "$L" "$TMP/held" >"$TMP/held.out" 2>&1 <<'PY' &
import os, socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
def echo(b):
    s.sendall(b)
    got = b""
    while len(got) < len(b):
        got += s.recv(len(b) - len(got))
    assert got == b, got
echo(b"before\n")
print("ready", flush=True)
while not os.path.exists(sys.argv[2]):
    time.sleep(0.05)
echo(b"after twenty reloads\n")
print("held ok", flush=True)
PY
HELD=$!
wait_for_log "$TMP/held.out" 10 ready || fail "held connection: $(cat "$TMP/held.out")"
fds0=$(fd_count "$HOST_PID")

# Clients in a loop, 4 at a time, until $TMP/stop appears.
python3 - "$L" "$TMP/stop" >"$TMP/loop.out" 2>&1 <<'PY' &
import os, socket, sys, threading
port, stop = int(sys.argv[1]), sys.argv[2]
res = {"ok": 0, "failed": 0}
first = []
lock = threading.Lock()
def run():
    while not os.path.exists(stop):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.sendall(b"x\n")
            got = b""
            while len(got) < 2:
                d = s.recv(2)
                if not d:
                    raise OSError("closed before the echo")
                got += d
            s.close()
            assert got == b"x\n"
            k = "ok"
        except Exception as e:
            k = "failed"
            with lock:
                first.append(repr(e))
        with lock:
            res[k] += 1
threads = [threading.Thread(target=run) for _ in range(4)]
[t.start() for t in threads]
print("ready", flush=True)
[t.join() for t in threads]
print("ok=%d failed=%d %s" % (res["ok"], res["failed"], first[:3]), flush=True)
PY
LOOP=$!
wait_for_log "$TMP/loop.out" 10 ready || fail "client loop did not start"
sleep 0.3
for i in $(seq 1 20); do
	conf "$L" "$i"
	kill -HUP "$HOST_PID"
	wait_count "reloaded: 0 kept, 1 stopped, 1 started" "$i" || fail "reload $i did not happen"
	sleep 0.1
done
touch "$TMP/stop"
wait "$LOOP"
res=$(tail -n 1 "$TMP/loop.out")
case $res in "ok="*" failed=0 "*) ;; *) fail "clients during 20 reloads: $res";; esac
n=${res#ok=}; n=${n%% *}
[ "$n" -ge 100 ] || fail "only $n clients during the reloads: $res"
ok "20 reloads changing the section, clients connecting meanwhile: $res"

touch "$TMP/held"
wait "$HELD" || fail "the held connection broke: $(cat "$TMP/held.out")"
grep -q "held ok" "$TMP/held.out" || fail "held connection: $(cat "$TMP/held.out")"
wait_for_log "$TMP/host.log" 5 "forward/r: 127.0.0.1:[0-9]* -> 127.0.0.1:$E: closed; up 28 B" ||
	fail "no close line for the held connection"
ok "a connection open before the reloads relays on through them"

# Every predecessor freed once its connections ended: no fd left.
i=0
while [ "$(fd_count "$HOST_PID")" -gt "$fds0" ] && [ $i -lt 40 ]; do sleep 0.05; i=$((i + 1)); done
[ "$(fd_count "$HOST_PID")" -le "$fds0" ] || fail "fds: $fds0 before, $(fd_count "$HOST_PID") after"
ok "no fd left behind ($(fd_count "$HOST_PID") open)"

conf "$L2" 21
kill -HUP "$HOST_PID"
wait_count "reloaded: 0 kept, 1 stopped, 1 started" 21 || fail "the moving reload did not happen"
got=$($FWDTOOL ping 127.0.0.1 "$L2" 5) || fail "new port: $got"
case $got in "echo "*) ;; *) fail "new port $L2: $got";; esac
python3 -c "import socket; socket.create_connection(('127.0.0.1', $L), 2)" 2>/dev/null &&
	fail "the old port $L still accepts after the listener moved"
ok "a reload that moves the listener: the new port answers, the old one is closed"

stop_host
exit 0
