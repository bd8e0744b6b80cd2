#!/bin/sh
# forward and SIGHUP: a changed [forward] section keeps its listening
# socket. Clients connect in a loop during 20 reloads that each change the
# section and none is refused or reset; a connection open before them
# relays on through all of them; no fd is left behind; a reload that
# moves the listener closes the old port and opens the new one. A
# reload that drops an upstream closes the connections to it after
# drain_timeout (0: at once) and leaves those to the others alone; a
# reload that keeps both upstreams touches neither.
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

# Two upstreams A and B (each greets a client with its port), one held
# connection to each; a reload to a section with `to` lines for $1 and the
# line $2. The holder sends the SIGHUP itself, then echoes on both every
# 50 ms for $3 s and sets got to, per upstream, "PORT closed
# SECONDS-AFTER-THE-SIGHUP" or "PORT alive". With $4, a second reload $4 s
# after the first, back to both upstreams.
A=$(free_port); B=$(free_port)
POOL="python3 $top_srcdir/tests/forward/pooltool.py"
$POOL servers 127.0.0.1 "$A" "$B" >"$TMP/pool.out" 2>&1 &
POOLPID=$!
at_exit "kill $POOLPID 2>/dev/null; wait $POOLPID 2>/dev/null"
wait_for_log "$TMP/pool.out" 10 ready || fail "pool servers did not start"

pool_conf() { # pool_conf N TO-PORTS [EXTRA-LINE]
	{
		printf '[forward r]\nlisten = 127.0.0.1:%s\nbalance = roundrobin\n' "$L2"
		printf 'idle_timeout = %ss\n' "$((600 + $1))"
		for p in $2; do printf 'to = 127.0.0.1:%s\n' "$p"; done
		[ -n "${3:-}" ] && printf '%s\n' "$3"
	} >"${INI:-$TMP/fwd.ini}"
}
reloads=21
reload_to() { # reload_to N TO-PORTS [EXTRA-LINE]: the section, reloaded here
	pool_conf "$@"
	kill -HUP "$HOST_PID"
	reloads=$((reloads + 1))
	wait_count "reloaded: 0 kept, 1 stopped, 1 started" "$reloads" || fail "reload $reloads did not happen"
}
held_pair() { # held_pair TO-PORTS EXTRA-LINE SECONDS [SECOND-RELOAD-AFTER]
	rm -f "$TMP/go"
	python3 - "$L2" "$HOST_PID" "$TMP/go" "$3" "${4:--1}" "$TMP/fwd2.ini" "$TMP/fwd.ini" \
		>"$TMP/pair.out" 2>&1 <<'PY' &
import os, signal, socket, sys, time
port, pid, go, watch = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
again = float(sys.argv[5])
def line(s):
    got = b""
    while not got.endswith(b"\n"):
        d = s.recv(64)
        if not d:
            raise OSError("closed")
        got += d
    return got
conns = {}
for _ in range(2):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    conns[int(line(s))] = s
print("ready", " ".join(map(str, sorted(conns))), flush=True)
while not os.path.exists(go):
    time.sleep(0.02)
os.kill(pid, signal.SIGHUP)
t0 = time.monotonic()
result = {}
while time.monotonic() - t0 < watch:
    if again >= 0 and time.monotonic() - t0 >= again:
        os.replace(sys.argv[6], sys.argv[7])
        os.kill(pid, signal.SIGHUP)
        again = -1
    for up, s in list(conns.items()):
        try:
            s.settimeout(0.5)
            s.sendall(b"p\n")
            if line(s) != b"p\n":
                raise OSError("bad echo")
        except OSError:
            result[up] = "%d closed %.3f" % (up, time.monotonic() - t0)
            s.close()
            del conns[up]
    time.sleep(0.05)
for up in conns:
    result[up] = "%d alive" % up
print(" ".join(result[k] for k in sorted(result)), flush=True)
PY
	PAIR=$!
	wait_for_log "$TMP/pair.out" 10 "ready $(echo "$A $B" | tr ' ' '\n' | sort -n | tr '\n' ' ' | sed 's/ $//')" ||
		fail "no held connection to each of $A and $B: $(cat "$TMP/pair.out")"
	pool_conf $((reloads + 1)) "$1" "$2"
	[ -n "${4:-}" ] && INI=$TMP/fwd2.ini pool_conf $((reloads + 2)) "$A $B" "$2"
	touch "$TMP/go"
	reloads=$((reloads + 1))
	wait_count "reloaded: 0 kept, 1 stopped, 1 started" "$reloads" || fail "reload $reloads did not happen"
	wait "$PAIR" || fail "holder: $(cat "$TMP/pair.out")"
	if [ -n "${4:-}" ]; then
		reloads=$((reloads + 1))
		wait_count "reloaded: 0 kept, 1 stopped, 1 started" "$reloads" ||
			fail "the second reload ($reloads) did not happen"
	fi
	got=$(tail -n 1 "$TMP/pair.out")
}
# closed_within WATCH-LINE PORT LOW HIGH: PORT closed LOW..HIGH s after the SIGHUP.
closed_within() {
	python3 - "$@" <<'PY'
import sys
words = sys.argv[1].split()
for i, w in enumerate(words):
    if w == sys.argv[2] and i + 2 < len(words) and words[i + 1] == "closed":
        t = float(words[i + 2])
        sys.exit(0 if float(sys.argv[3]) <= t <= float(sys.argv[4]) else 1)
sys.exit(1)
PY
}

reload_to 0 "$A $B"
held_pair "$A $B" "" 1.5
case $got in *"$A alive"*) ;; *) fail "a reload keeping both upstreams, A: $got";; esac
case $got in *"$B alive"*) ;; *) fail "a reload keeping both upstreams, B: $got";; esac
ok "a reload that keeps both upstreams touches neither connection ($got)"

held_pair "$A" "drain_timeout = 500ms" 2
case $got in *"$A alive"*) ;; *) fail "the connection to the kept upstream did not relay on: $got";; esac
closed_within "$got" "$B" 0.45 1.5 || fail "the connection to the dropped upstream, 500ms drain: $got"
grep -q "forward/r: 127.0.0.1:[0-9]* -> 127.0.0.1:$B: upstream removed by reload: closed after the 500ms drain; up" \
	"$TMP/host.log" || fail "no close line for the drained connection"
grep -q "upstream 127.0.0.1:$B removed: its 1 connection closes after the 500ms drain" "$TMP/host.log" ||
	fail "no line announcing the drain"
ok "a reload dropping an upstream: its connection closed after the 500ms drain, the other relays on ($got)"

reload_to 40 "$A $B"
held_pair "$A" "drain_timeout = 0" 1
case $got in *"$A alive"*) ;; *) fail "drain_timeout = 0: the kept upstream's connection: $got";; esac
closed_within "$got" "$B" 0 0.4 || fail "drain_timeout = 0 did not close at once: $got"
grep -q "127.0.0.1:$B: upstream removed by reload: closed after the 0s drain" "$TMP/host.log" ||
	fail "no close line for drain_timeout = 0"
ok "drain_timeout = 0: the connection to the dropped upstream closed at once ($got)"

# B dropped with a 1s drain, named again 0.3 s later: its connection is spared.
reload_to 60 "$A $B"
held_pair "$A" "drain_timeout = 1s" 2 0.3
case $got in *"$A alive"*"$B alive"* | *"$B alive"*"$A alive"*) ;;
*) fail "an upstream named again within its drain: $got";; esac
ok "an upstream dropped and named again within its drain keeps its connection ($got)"

pool_conf 50 "$A" "drain_timeout = -1s"
kill -HUP "$HOST_PID"
wait_for_log "$TMP/host.log" 5 "\\[forward r\\] drain_timeout: '-1s': not a duration" ||
	fail "a negative drain_timeout was not refused"
ok "a negative drain_timeout is refused with the key named"

printf '[forward u]\nprotocol = udp\nlisten = 127.0.0.1:%s\nto = 127.0.0.1:%s\ndrain_timeout = 1s\n' \
	"$(free_port)" "$E" >"$TMP/udp.ini"
"$NETHOST" -t -c "$TMP/udp.ini" >"$TMP/udp.out" 2>&1 && fail "drain_timeout accepted with protocol = udp"
grep -q "udp.ini:5: \[forward u\] drain_timeout: applies to protocol = tcp only" "$TMP/udp.out" ||
	fail "drain_timeout with protocol = udp: $(cat "$TMP/udp.out")"
ok "drain_timeout is refused with protocol = udp (UDP sessions do not move across a reload)"

stop_host
exit 0
