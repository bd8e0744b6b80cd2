#!/bin/sh
# Faults on the echo path, with other clients echoing all along: clients
# that stop reading while pushing megabytes (host RSS stays flat: it
# stops reading them), a slow reader streaming 16 MB, and clients reset
# while the host has output pending for them. echo6 over TCP, unixipc
# over stream and seqpacket (one message per send); a datagram client
# that stops reading (unixipc dgram); no fd left behind.
# (tests/echo6 covers one stalled or aborting client without the load.)
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/hardening/hardening.sh"

PORT=$(free_port)
cat > "$TMP/h.ini" <<INI
[echo6 e]
listen = [::]:$PORT
udp = no
buffer = 16384
[unixipc s]
path = $TMP/s.sock
buffer = 16384
[unixipc q]
path = $TMP/q.sock
type = seqpacket
buffer = 16384
[unixipc d]
path = $TMP/d.sock
type = dgram
INI
start_host "$TMP/h.ini"
fds=$(fd_count "$HOST_PID")

# Bystanders echo through everything below; none may be dropped.
start_load tcp steady "tcp:127.0.0.1:$PORT" --conns 20 --seconds 8
start_load seq steady "seqpacket:$TMP/q.sock" --conns 10 --seconds 8

# 20 stalled clients may cost the host at most their 16 kB buffers.
for a in "tcp:[::1]:$PORT" "unix:$TMP/s.sock" "seqpacket:$TMP/q.sock --chunk 8192"; do
	# shellcheck disable=SC2086
	python3 "$LOAD" stall $a --conns 20 --pid "$HOST_PID" --mbytes 16 \
		$(rss_budget_opt $((20 * 16 + 1024))) > "$TMP/out" 2>&1 || fail "stall $a: $(cat "$TMP/out")"
	sed "s/^/  ${a%%:*}: /" "$TMP/out"
done
ok "stalled clients and a slow reader: nothing lost, host RSS within budget"

for a in "tcp:127.0.0.1:$PORT" "unix:$TMP/s.sock" "seqpacket:$TMP/q.sock --chunk 8192"; do
	# shellcheck disable=SC2086
	python3 "$LOAD" reset $a --conns 20 > "$TMP/out" 2>&1 || fail "reset $a: $(cat "$TMP/out")"
	sed "s/^/  ${a%%:*}: /" "$TMP/out"
done
ok "20 clients reset at once with output pending, on each socket type"

# Datagrams: the kernel charges replies queued at a client that does not
# read to the server's socket, so one such client can hold up the echo
# for everyone (printed, see README); once it goes, all are served again.
# shellcheck disable=SC2046
python3 "$LOAD" dgramstall "dgram:$TMP/d.sock" --size 1000 --pid "$HOST_PID" \
	$(rss_budget_opt 1024) > "$TMP/out" 2>&1 || fail "dgram: $(cat "$TMP/out")"
sed "s/^/  dgram: /" "$TMP/out"
ok "a datagram client that stops reading: RSS flat; served again as soon as it goes"

wait_load tcp
wait_load seq
ok "bystanders: no connection dropped, every echo intact"

wait_fds "$fds"
kill -0 "$HOST_PID" || fail "host died"
stop_host
ok "no fd left behind ($fds)"
