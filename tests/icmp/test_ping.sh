#!/bin/sh
# nethost ping: 127.0.0.1 and ::1 with raw and datagram sockets, the
# summary and exit codes, no reply, Ctrl-C, usage errors, and the message
# when neither socket kind is allowed.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/icmp/netns.sh"
need_root

# The interpreter itself, not a wrapper (pyenv shims fork): the pid we
# kill at exit must be the one that listens.
PY=$(python3 -c 'import sys; print(sys.executable)')

# check_ping OUTPUT_FILE ADDR COUNT: COUNT replies, seq 1..COUNT, summary.
check_ping() {
	local out=$1 addr=$2 count=$3 seq=1
	while [ $seq -le "$count" ]; do
		grep -Eq "^[0-9]+ bytes from $addr: icmp_seq=$seq ttl=[0-9]+ time=[0-9.]+ ms\$" "$out" ||
			{ cat "$out" >&2; fail "$addr: no reply line for icmp_seq=$seq"; }
		seq=$((seq + 1))
	done
	[ "$(grep -c "bytes from" "$out")" = "$count" ] || { cat "$out" >&2; fail "$addr: not $count reply lines"; }
	grep -q "^$count packets transmitted, $count received, 0% packet loss" "$out" ||
		{ cat "$out" >&2; fail "$addr: summary"; }
	grep -Eq '^rtt min/avg/max/mdev = [0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+ ms$' "$out" ||
		{ cat "$out" >&2; fail "$addr: rtt line"; }
}

# Raw sockets (root), both families.
"$NETHOST" ping -S raw -c 3 -i 50ms 127.0.0.1 > "$TMP/raw4" || fail "ping -S raw 127.0.0.1 exit $?"
check_ping "$TMP/raw4" 127.0.0.1 3
grep -q '^PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.$' "$TMP/raw4" || fail "PING header"
ok "raw socket, 127.0.0.1"
HAVE6=1
ip -6 addr show dev lo 2>/dev/null | grep -q '::1' || HAVE6=0
if [ $HAVE6 = 1 ]; then
	"$NETHOST" ping -S raw -c 3 -i 50ms -s 100 ::1 > "$TMP/raw6" || fail "ping -S raw ::1 exit $?"
	check_ping "$TMP/raw6" ::1 3
	grep -q '^108 bytes from ::1' "$TMP/raw6" || fail "-s 100 gives 108-byte replies"
	ok "raw socket, ::1"
fi

# Datagram sockets in a namespace where ping_group_range allows them.
NS=$(ns_name ping)
ns_add "$NS"
ip netns exec "$NS" sysctl -qw net.ipv4.ping_group_range="0 2147483647" || fail "sysctl in $NS"
ip netns exec "$NS" "$NETHOST" ping -S dgram -c 2 -i 20ms 127.0.0.1 > "$TMP/dg4" || fail "dgram 127.0.0.1 exit $?"
check_ping "$TMP/dg4" 127.0.0.1 2
[ $HAVE6 = 1 ] && { ip netns exec "$NS" "$NETHOST" ping -S dgram -c 2 -i 20ms ::1 > "$TMP/dg6" || fail "dgram ::1 exit $?"; }
[ $HAVE6 = 1 ] && check_ping "$TMP/dg6" ::1 2
ok "datagram socket as root"

if nobody_can_run; then
	ip netns exec "$NS" $NOBODY "$NETHOST" ping -c 2 -i 20ms 127.0.0.1 > "$TMP/nb4" ||
		fail "unprivileged ping 127.0.0.1 exit $?"
	check_ping "$TMP/nb4" 127.0.0.1 2
	if [ $HAVE6 = 1 ]; then
		ip netns exec "$NS" $NOBODY "$NETHOST" ping -c 2 -i 20ms ::1 > "$TMP/nb6" ||
			fail "unprivileged ping ::1 exit $?"
		check_ping "$TMP/nb6" ::1 2
	fi
	ok "unprivileged user, datagram sockets"
	# Neither kind allowed: exit 2 and a message naming both ways out.
	ip netns exec "$NS" sysctl -qw net.ipv4.ping_group_range="1 0"
	ip netns exec "$NS" $NOBODY "$NETHOST" ping -c 1 127.0.0.1 > "$TMP/no.out" 2> "$TMP/no.err"
	rc=$?
	[ $rc = 2 ] || fail "no permission: exit $rc, want 2"
	grep -q 'CAP_NET_RAW' "$TMP/no.err" && grep -q 'ping_group_range, now "1 0"' "$TMP/no.err" ||
		{ cat "$TMP/no.err" >&2; fail "no permission: message"; }
	ok "no permission: exit 2, says what is missing"
else
	echo "SKIP (part): uid 65534 cannot run $NETHOST (build tree not readable); unprivileged path not tested" >&2
fi

# No reply: a neighbour behind a veth that holds the address (it answers
# ARP) but ignores echo requests.
PEER=$(ns_name peer)
ns_add "$PEER"
ns_link "$NS" "$PEER" nhp0 nhp1
ip -n "$NS" addr add 10.213.0.1/24 dev nhp0
# 10.213.0.2 first: the responder below answers from the primary address.
ip -n "$PEER" addr add 10.213.0.2/24 dev nhp1
ip -n "$PEER" addr add 10.213.0.9/24 dev nhp1
ns_silent "$PEER"
ip netns exec "$NS" "$NETHOST" ping -S raw -c 2 -i 100ms -W 300ms 10.213.0.9 > "$TMP/none" 2>&1
rc=$?
[ $rc = 1 ] || { cat "$TMP/none" >&2; fail "no reply: exit $rc, want 1"; }
grep -q '^2 packets transmitted, 0 received, 100% packet loss' "$TMP/none" || { cat "$TMP/none" >&2; fail "no reply: summary"; }
ok "no reply: exit 1, 100% loss"

# Duplicates, strays and corrupt replies: a responder in the peer answers
# each echo request once more itself, once with a sequence number never
# sent, and once with a broken checksum, on top of the kernel's own reply.
ns_silent "$PEER" off
ip netns exec "$PEER" "$PY" -c '
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.settimeout(10)
open(sys.argv[1], "w").close()
def csum(b):
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b + b"\0" * (len(b) % 2)))
    while t >> 16:
        t = (t & 0xffff) + (t >> 16)
    return ~t & 0xffff
def reply(ident, seq, data, bad=False):
    h = struct.pack("!BBHHH", 0, 0, 0, ident, seq) + data
    c = csum(h) ^ (0x5555 if bad else 0)
    return h[:2] + struct.pack("!H", c) + h[4:]
n = 0
while n < 3:
    pkt, (src, _) = s.recvfrom(65535)
    icmp = pkt[(pkt[0] & 15) * 4:]
    if icmp[0] != 8:
        continue
    n += 1
    ident, seq = struct.unpack("!HH", icmp[4:8])
    s.sendto(reply(ident, seq, icmp[8:]), (src, 0))
    s.sendto(reply(ident, (seq + 1000) & 0xffff, icmp[8:]), (src, 0))
    s.sendto(reply(ident, seq, icmp[8:], True), (src, 0))
' "$TMP/responder" &
RPID=$!
at_exit "kill $RPID 2>/dev/null"
i=0
while [ ! -e "$TMP/responder" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
ip netns exec "$NS" "$NETHOST" ping -S raw -c 3 -i 200ms 10.213.0.2 > "$TMP/dup" 2>&1
rc=$?
[ $rc = 0 ] || { cat "$TMP/dup" >&2; fail "duplicates: exit $rc"; }
grep -Eq '^64 bytes from 10.213.0.2: icmp_seq=1 ttl=64 time=[0-9.]+ ms \(DUP!\)$' "$TMP/dup" ||
	{ cat "$TMP/dup" >&2; fail "duplicates: no (DUP!) line for icmp_seq=1"; }
[ "$(grep -v DUP "$TMP/dup" | grep -c 'bytes from')" = 3 ] || { cat "$TMP/dup" >&2; fail "duplicates: not 3 first replies"; }
grep -Eq '^3 packets transmitted, 3 received, \+[1-3] duplicates, 0% packet loss' "$TMP/dup" ||
	{ cat "$TMP/dup" >&2; fail "duplicates: summary"; }
grep -Eq '^[1-3] stray and [1-3] malformed packets ignored$' "$TMP/dup" ||
	{ cat "$TMP/dup" >&2; fail "duplicates: strays and malformed not counted"; }
ok "duplicates, strays and corrupt replies counted, not taken for answers"

# ICMP errors: host 10.213.9N.1 sits behind a router namespace that
# refuses to forward to it (an "unreachable" route for its /32) and says
# so. Raw sockets read the error packet, datagram ones their error queue.
# A router per socket kind: routers rate-limit errors per sender.
ip netns exec "$NS" sysctl -qw net.ipv4.ping_group_range="0 2147483647"
n=0
for kind in raw dgram; do
	n=$((n + 1))
	R=$(ns_name r$kind)
	T=$(ns_name t$kind)
	ns_add "$R"
	ns_add "$T"
	ns_link "$NS" "$R" nhr$n nhR$n
	ns_link "$R" "$T" nht$n nhT$n
	ip -n "$NS" addr add 10.213.1$n.1/24 dev nhr$n
	ip -n "$R" addr add 10.213.1$n.2/24 dev nhR$n
	ip -n "$R" addr add 10.213.9$n.2/24 dev nht$n
	ip -n "$T" addr add 10.213.9$n.1/24 dev nhT$n
	ip -n "$T" route add default via 10.213.9$n.2
	ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1
	ip -n "$R" route add unreachable 10.213.9$n.1/32
	ip -n "$NS" route add 10.213.9$n.0/24 via 10.213.1$n.2
	ip netns exec "$NS" "$NETHOST" ping -S $kind -c 2 -i 100ms -W 500ms 10.213.9$n.1 > "$TMP/unr" 2>&1
	rc=$?
	[ $rc = 1 ] || { cat "$TMP/unr" >&2; fail "$kind, unreachable: exit $rc, want 1"; }
	grep -q "^From 10.213.1$n.2 icmp_seq=1 Destination Host Unreachable\$" "$TMP/unr" &&
		grep -q "^From 10.213.1$n.2 icmp_seq=2 Destination Host Unreachable\$" "$TMP/unr" ||
		{ cat "$TMP/unr" >&2; fail "$kind, unreachable: no 'From ... Destination Host Unreachable' lines"; }
	grep -q '^2 packets transmitted, 0 received, +2 errors, 100% packet loss' "$TMP/unr" ||
		{ cat "$TMP/unr" >&2; fail "$kind, unreachable: summary"; }
done
ok "ICMP errors matched to their probes (raw and datagram sockets)"

# Ctrl-C prints the summary, exit 0 after replies.
"$NETHOST" ping -i 50ms 127.0.0.1 > "$TMP/int" 2>&1 &
PID=$!
sleep 0.5
kill -INT $PID
wait $PID
rc=$?
[ $rc = 0 ] || fail "after SIGINT: exit $rc"
grep -Eq '^[0-9]+ packets transmitted, [0-9]+ received' "$TMP/int" || { cat "$TMP/int" >&2; fail "no summary after SIGINT"; }
ok "SIGINT prints the summary"

# A send that fails (issue 18): fe80::1%lo has no route, in a namespace of
# ours so nothing leaves it. Said at once, not counted as transmitted, no
# wait for replies that cannot come (-W is 10 s), exit 1 as iputils' ping.
if [ $HAVE6 = 1 ]; then
	t0=$(date +%s%N)
	ip netns exec "$NS" "$NETHOST" ping -S raw -c 2 -i 50ms fe80::1%lo > "$TMP/nosend" 2> "$TMP/nosend.err"
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ $rc = 1 ] || { cat "$TMP/nosend" "$TMP/nosend.err" >&2; fail "send fails: exit $rc, want 1"; }
	[ $ms -lt 3000 ] || fail "send fails: took $ms ms, waiting for replies to probes never sent"
	grep -q '^0 packets transmitted, 0 received' "$TMP/nosend" ||
		{ cat "$TMP/nosend" >&2; fail "send fails: counted as transmitted"; }
	[ "$(grep -c 'icmp_seq=[12]: send: Network is unreachable' "$TMP/nosend.err")" = 2 ] ||
		{ cat "$TMP/nosend.err" >&2; fail "send fails: not reported per probe"; }
	ok "failed sends: reported, not transmitted, no linger ($ms ms), exit 1"
fi

# Usage errors: exit 2 with the text quoted.
"$NETHOST" ping -c abc 127.0.0.1 2> "$TMP/u1"; rc=$?
[ $rc = 2 ] && grep -q "'abc'" "$TMP/u1" || fail "-c abc: exit $rc"
"$NETHOST" ping -i 1x 127.0.0.1 2> "$TMP/u2"; rc=$?
[ $rc = 2 ] && grep -q "'1x'" "$TMP/u2" || fail "-i 1x: exit $rc"
"$NETHOST" ping 2> /dev/null; [ $? = 2 ] || fail "no host: exit not 2"
"$NETHOST" ping -4 ::1 2> "$TMP/u3"; [ $? = 2 ] || fail "-4 ::1: exit not 2"
"$NETHOST" ping -c 99999999999999999999 127.0.0.1 2> "$TMP/u4"; rc=$?
[ $rc = 2 ] && grep -q "'99999999999999999999': must be 1 to" "$TMP/u4" || fail "-c overflow: exit $rc"
"$NETHOST" ping -s 64k 127.0.0.1 2> "$TMP/u5"; rc=$?
[ $rc = 2 ] && grep -q -- "-s: '64k': must be 0 to 65507" "$TMP/u5" || fail "-s 64k: exit $rc"
ok "usage errors"
exit 0
