#!/bin/sh
# When the kernel drops rtnetlink events (the socket's buffer overran), the
# watcher must say so, read the whole state again and log the difference:
# the log must not silently miss what happened. The host is stopped
# (SIGSTOP) with a small receive_buffer while 40 veth pairs come and some
# go, then continued.
. "$top_srcdir/tests/lib.sh"
need_root
need_cmd ip iproute2

NS=nh-ifaces-resync-$$
ip netns add "$NS" || fail "ip netns add $NS"
at_exit "ip netns del $NS"
ip -n "$NS" link add keep type veth peer name gone
ip -n "$NS" addr add 10.6.0.1/24 dev keep

cat > "$TMP/watch.ini" <<'INI'
[ifaces small]
receive_buffer = 4096
INI
NETHOST_WRAPPER="ip netns exec $NS"
start_host "$TMP/watch.ini"
wait_for_log "$TMP/host.log" 10 "ifaces/small: watching all interfaces" || fail "no start line"
fds=$(fd_count "$HOST_PID")

kill -STOP "$HOST_PID"
at_exit "kill -CONT $HOST_PID 2>/dev/null"
{
	for i in $(seq 1 40); do
		echo "link add ra$i type veth peer name rb$i"
	done
	echo "link del keep"
} > "$TMP/batch"
ip -n "$NS" -batch "$TMP/batch" || fail "ip -batch"
kill -CONT "$HOST_PID"

wait_for_log "$TMP/host.log" 10 "ifaces/small: rtnetlink events were lost" || fail "overrun not reported"
wait_for_log "$TMP/host.log" 10 "ifaces/small: rb40: interface added" || fail "rb40 not seen"
wait_for_log "$TMP/host.log" 10 "ifaces/small: ra40: interface added" || fail "ra40 not seen"
wait_for_log "$TMP/host.log" 10 "ifaces/small: keep: interface removed" || fail "keep removal lost"
n=$(grep -c "ifaces/small: r[ab][0-9]*: interface added" "$TMP/host.log")
[ "$n" = 80 ] || fail "$n interfaces logged as added, want 80 (each once)"
grep -q "ifaces/small: gone: interface removed" "$TMP/host.log" || fail "peer removal lost"
ok "overrun: reported, state read again, every change logged once"

kill -USR1 "$HOST_PID"
wait_for_log "$TMP/host.log" 10 "ifaces/small: interfaces=81 addresses=[0-9]* .*resyncs=[1-9]" \
	|| fail "counters after the resync are wrong"
[ "$(fd_count "$HOST_PID")" = "$fds" ] || fail "fd count went from $fds to $(fd_count "$HOST_PID")"
stop_host
ok "overrun: counters right, no fd leak, clean stop"
