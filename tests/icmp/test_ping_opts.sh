#!/bin/sh
# nethost ping's iputils options -t, -w, -D, -O, -n, -Q, -p, -I, -m, -M, -l:
# what a receiver in a namespace sees (TTL/hop limit, TOS/traffic class,
# payload, source, interface, routing by mark), "message too long" past a
# small MTU with -M do, the deadline and its exit
# rule, and the output line for line against iputils' own ping (times
# masked) on 127.0.0.1, ::1, localhost and named hosts in a namespace.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/icmp/netns.sh"
need_root
need_cmd ping iputils-ping
ping -V 2>/dev/null | grep -q iputils || skip "'ping' is not iputils' ping"

PY=$(python3 -c 'import sys; print(sys.executable)')
HAVE6=1
ip -6 addr show dev lo 2>/dev/null | grep -q '::1' || HAVE6=0

# Times, the -D stamps and the rtt line differ from run to run.
mask() {
	sed -E 's/time=[0-9.]+ ms/time=T ms/; s/, time [0-9]+ms$/, time Tms/;
		s/ = [0-9.]+\/[0-9.]+\/[0-9.]+\/[0-9.]+ ms/ = R ms/;
		s/^\[[0-9]+\.[0-9]{6}\] /[S] /' "$1"
}

# Loopback comparisons run in a namespace of their own: on the host's lo
# a raw socket also sees other processes' ICMP errors (a UDP test's port
# unreachable), which nethost reports on a stray line iputils never prints.
LO=$(ns_name polo)
ns_add "$LO"

# same_as_iputils [ns NS] ARGS...: both pings with ARGS (in NS if given,
# else in LO), the same masked stdout, the same stderr and the same exit
# status.
same_as_iputils() {
	local run="ip netns exec $LO"
	if [ "$1" = ns ]; then
		run="ip netns exec $2"
		shift 2
	fi
	$run ping "$@" > "$TMP/iputils.out" 2> "$TMP/iputils.err"
	local want=$?
	$run "$NETHOST" ping "$@" > "$TMP/nethost.out" 2> "$TMP/nethost.err"
	local got=$?
	mask "$TMP/iputils.out" > "$TMP/iputils.masked"
	mask "$TMP/nethost.out" > "$TMP/nethost.masked"
	diff -u "$TMP/iputils.masked" "$TMP/nethost.masked" >&2 ||
		fail "ping $*: output differs from iputils (- iputils, + nethost)"
	diff -u "$TMP/iputils.err" "$TMP/nethost.err" >&2 ||
		fail "ping $*: stderr differs from iputils (- iputils, + nethost)"
	[ "$got" = "$want" ] || fail "ping $*: exit $got, iputils $want"
}

# Loopback: plain, -D, -t, -n, and the reverse name only for a named HOST.
same_as_iputils -c 2 -i 0.2 127.0.0.1
same_as_iputils -c 2 -i 0.2 -D -t 9 127.0.0.1
same_as_iputils -c 2 -i 0.2 localhost
same_as_iputils -c 2 -i 0.2 -n -D localhost
grep -q '^\[[0-9]*\.[0-9]\{6\}\] 64 bytes from 127.0.0.1: icmp_seq=2 ' "$TMP/nethost.out" ||
	{ cat "$TMP/nethost.out" >&2; fail "-D: no stamped reply line"; }
if [ $HAVE6 = 1 ]; then
	same_as_iputils -c 2 -i 0.2 ::1
	same_as_iputils -c 2 -i 0.2 -D -t 3 -n ::1
fi
ok "loopback output as iputils': plain, -D, -t, -n, localhost"

# -l: PRELOAD probes at once, and iputils' ", pipe N" on the rtt line.
same_as_iputils -c 4 -l 3 -i 0.2 127.0.0.1
grep -q ' ms, pipe 3$' "$TMP/nethost.out" || { cat "$TMP/nethost.out" >&2; fail "-l 3: no ', pipe 3'"; }
[ $HAVE6 = 1 ] && same_as_iputils -c 2 -l 2 -i 0.2 ::1
ok "-l sends PRELOAD probes at once; pipe as iputils"

# -w: a deadline with no count ends the run and succeeds; with -c, fewer
# replies than COUNT by the deadline is exit 1 (iputils' rule).
same_as_iputils -w 1 -i 0.4 127.0.0.1
same_as_iputils -c 10 -w 1 -i 0.4 127.0.0.1
grep -q '^3 packets transmitted, 3 received' "$TMP/nethost.out" || fail "-c 10 -w 1: summary"
same_as_iputils -c 2 -w 5 -i 0.2 127.0.0.1
ok "-w: deadline, and exit 1 when -c replies did not all come"

# A peer that holds its addresses and answers nothing, another that
# answers, both with names in the namespace's own hosts file (ip netns
# exec shows /etc/netns/NS/hosts as /etc/hosts).
NS=$(ns_name popt)
PEER=$(ns_name poptp)
SILENT=$(ns_name popts)
ns_add "$NS"
ns_add "$PEER"
ns_add "$SILENT"
ns_link "$NS" "$PEER" nho0 nho1
ns_link "$NS" "$SILENT" nho2 nho3
ip -n "$NS" addr add 10.215.0.1/24 dev nho0
ip -n "$PEER" addr add 10.215.0.2/24 dev nho1
ip -n "$NS" addr add 10.215.1.1/24 dev nho2
ip -n "$SILENT" addr add 10.215.1.2/24 dev nho3
ip -n "$NS" addr add fd00:215::1/64 dev nho0 nodad
ip -n "$PEER" addr add fd00:215::2/64 dev nho1 nodad
ns_silent "$SILENT"
mkdir -p "/etc/netns/$NS" || fail "mkdir /etc/netns/$NS"
at_exit "rm -rf /etc/netns/$NS"
printf '10.215.0.2 peer4.nhtest\nfd00:215::2 peer6.nhtest\n10.215.1.2 silent.nhtest\n' > "/etc/netns/$NS/hosts"

same_as_iputils ns "$NS" -c 2 -i 0.2 peer4.nhtest
same_as_iputils ns "$NS" -c 2 -i 0.2 -D 10.215.0.2
same_as_iputils ns "$NS" -c 2 -i 0.2 peer6.nhtest
grep -q '^64 bytes from peer6.nhtest (fd00:215::2): icmp_seq=1 ' "$TMP/nethost.out" ||
	{ cat "$TMP/nethost.out" >&2; fail "reverse name of an IPv6 peer"; }
same_as_iputils ns "$NS" -c 2 -i 0.2 -n peer6.nhtest
ok "named hosts in a namespace: reverse names, -n, IPv4 and IPv6"

# -O and -w on the silent host: "no answer yet" as each next probe goes
# out, the deadline ends the run (not -c), exit 1.
same_as_iputils ns "$NS" -c 2 -w 1 -i 0.4 -O silent.nhtest
grep -q "^3 packets transmitted, 0 received, 100% packet loss" "$TMP/nethost.out" ||
	{ cat "$TMP/nethost.out" >&2; fail "-c 2 -w 1: probes did not go on past COUNT"; }
grep -q '^no answer yet for icmp_seq=1$' "$TMP/nethost.out" || fail "-O: no 'no answer yet' line"
start=$(date +%s%N)
ip netns exec "$NS" "$NETHOST" ping -c 100 -w 0.6 -i 0.2 10.215.1.2 > /dev/null
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ $rc = 1 ] || fail "-w 0.6, no replies: exit $rc, want 1"
[ $ms -lt 1500 ] || fail "-w 0.6 took ${ms}ms"
ok "-O reports outstanding probes; -w ends a silent run on time"

# On the wire: a receiver in the peer namespace reads the first echo
# request and prints "TTL TOS SOURCE IFINDEX DATA": TTL or hop limit, TOS
# or traffic class, the source address, the interface it came in on and
# the payload in hex.
# wire ARGS...: ping -c 1 ARGS from $NS, what the receiver saw.
wire() {
	rm -f "$TMP/rx.ready" "$TMP/rx.out"
	local fam=4
	case "$*" in *:*) fam=6 ;; esac
	ip netns exec "$PEER" "$PY" -c '
import socket, struct, sys
fam, ready, out = sys.argv[1], sys.argv[2], sys.argv[3]
if fam == "4":
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.setsockopt(socket.IPPROTO_IP, 8, 1)  # IP_PKTINFO
else:
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    for o in (socket.IPV6_RECVHOPLIMIT, socket.IPV6_RECVTCLASS, socket.IPV6_RECVPKTINFO):
        s.setsockopt(socket.IPPROTO_IPV6, o, 1)
s.settimeout(5)
open(ready, "w").close()
while True:
    data, anc, _, src = s.recvmsg(65535, 512)
    if fam == "4" and data[(data[0] & 15) * 4] == 8:
        ttl, tos = data[8], data[1]
        ifindex = [struct.unpack("i", d[:4])[0] for l, t, d in anc if t == 8][0]
        payload = data[(data[0] & 15) * 4 + 8:]
        break
    if fam == "6" and data[0] == 128:
        c = {t: d for l, t, d in anc}
        ttl = int.from_bytes(c[socket.IPV6_HOPLIMIT], sys.byteorder)
        tos = int.from_bytes(c[socket.IPV6_TCLASS], sys.byteorder)
        ifindex = struct.unpack("16sI", c[socket.IPV6_PKTINFO])[1]
        payload = data[8:]
        break
open(out, "w").write("%d %d %s %d %s\n" % (ttl, tos, src[0], ifindex, payload.hex()))
' "$fam" "$TMP/rx.ready" "$TMP/rx.out" &
	local rx=$! i=0
	while [ ! -e "$TMP/rx.ready" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	ip netns exec "$NS" "$NETHOST" ping -c 1 -W 1 "$@" > "$TMP/wire.out" 2>&1
	local rc=$?
	[ $rc = 0 ] || { cat "$TMP/wire.out" >&2; fail "ping $*: exit $rc"; }
	wait $rx
	cat "$TMP/rx.out" 2>/dev/null
}
# field N ARGS...: field N of what the receiver saw.
field() {
	local n=$1
	shift
	wire "$@" | cut -d' ' -f"$n"
}
ip netns exec "$NS" sysctl -qw net.ipv4.ping_group_range="0 2147483647" || fail "sysctl in $NS"
[ "$(field 1 10.215.0.2)" = 64 ] || fail "default TTL on the wire is not 64"
[ "$(field 1 -t 7 10.215.0.2)" = 7 ] || fail "-t 7: TTL on the wire is not 7"
[ "$(field 1 -t 5 fd00:215::2)" = 5 ] || fail "-t 5: hop limit on the wire is not 5"
[ "$(field 1 -S dgram -t 200 fd00:215::2)" = 200 ] ||
	fail "-S dgram -t 200: hop limit on the wire is not 200"
ok "-t sets the TTL and the IPv6 hop limit on the wire"

[ "$(field 2 10.215.0.2)" = 0 ] || fail "default TOS on the wire is not 0"
[ "$(field 2 -Q 40 10.215.0.2)" = 40 ] || fail "-Q 40: TOS on the wire is not 40"
[ "$(field 2 -S dgram -Q 184 10.215.0.2)" = 184 ] || fail "-S dgram -Q 184: TOS on the wire"
[ "$(field 2 -Q 32 fd00:215::2)" = 32 ] || fail "-Q 32: traffic class on the wire is not 32"
ok "-Q sets the TOS and the IPv6 traffic class on the wire"

[ "$(field 5 -s 6 -p abcd 10.215.0.2)" = abcdabcdabcd ] || fail "-p abcd -s 6: payload on the wire"
[ "$(field 5 -s 5 -p 0102030405060708090a0b0c0d0e0f10 fd00:215::2)" = 0102030405 ] ||
	fail "-p with 16 bytes -s 5: payload on the wire"
ok "-p fills the payload with the pattern"

# A second link to the peer, nho4-nho5, with a route to the peer's
# address that loses to nho0's unless a probe is bound to nho4 (-I) or
# marked 7 (-m, a rule sends mark 7 to table 107).
ns_link "$NS" "$PEER" nho4 nho5
ip -n "$NS" addr add 10.215.2.1/24 dev nho4
ip -n "$PEER" addr add 10.215.2.2/24 dev nho5
ip -n "$NS" route add 10.215.0.0/24 dev nho4 metric 500
ip -n "$NS" rule add fwmark 7 table 107
ip -n "$NS" route add 10.215.0.0/24 dev nho4 table 107
ip -n "$PEER" route add 10.215.1.0/24 dev nho1
IF1=$(ip -n "$PEER" -o link show nho1 | cut -d: -f1)
IF5=$(ip -n "$PEER" -o link show nho5 | cut -d: -f1)
[ "$(field 4 10.215.0.2)" = "$IF1" ] || fail "without -I the probe does not come in on nho1"
[ "$(field 4 -I nho4 10.215.0.2)" = "$IF5" ] || fail "-I nho4: the probe does not come in on nho5"
grep -q '^PING 10.215.0.2 (10.215.0.2) from 10.215.2.1 nho4: 56(84) bytes of data.$' "$TMP/wire.out" ||
	{ cat "$TMP/wire.out" >&2; fail "-I nho4: header"; }
[ "$(field 4 -S dgram -I nho4 10.215.0.2)" = "$IF5" ] || fail "-S dgram -I nho4: not through nho4"
[ "$(field 3 -I 10.215.1.1 10.215.0.2)" = 10.215.1.1 ] || fail "-I 10.215.1.1: not the source"
[ "$(field 3 -I fd00:215::1 fd00:215::2)" = fd00:215::1 ] || fail "-I fd00:215::1: not the source"
ok "-I IFACE sends through IFACE, -I ADDR from ADDR"
[ "$(field 4 -m 7 10.215.0.2)" = "$IF5" ] || fail "-m 7: the probe was not routed by its mark"
[ "$(field 4 -m 8 10.215.0.2)" = "$IF1" ] || fail "-m 8: routed as mark 7"
ok "-m marks the probes (routed by an fwmark rule)"

# -M on a link with a 1280-byte MTU: -M do with -s 1400 is iputils'
# "local error: message too long" for every probe (raw and datagram
# sockets), -M dont and want fragment and get answers.
ip link add nho6 netns "$NS" type veth peer name nho7 netns "$PEER" || fail "veth nho6/nho7"
ip -n "$NS" link set nho6 mtu 1280 up
ip -n "$PEER" link set nho7 mtu 1280 up
ip -n "$NS" addr add 10.215.3.1/24 dev nho6
ip -n "$PEER" addr add 10.215.3.2/24 dev nho7
ip -n "$NS" addr add fd00:215:3::1/64 dev nho6 nodad
ip -n "$PEER" addr add fd00:215:3::2/64 dev nho7 nodad
same_as_iputils ns "$NS" -c 2 -i 0.2 -M do -s 1400 10.215.3.2
grep -q '^ping: local error: message too long, mtu=1280$' "$TMP/iputils.err" ||
	{ cat "$TMP/iputils.out" "$TMP/iputils.err" >&2; fail "iputils: no 'message too long'"; }
for kind in raw dgram; do
	ip netns exec "$NS" "$NETHOST" ping -S $kind -c 2 -i 0.2 -M do -s 1400 10.215.3.2 > "$TMP/m.out" 2> "$TMP/m.err"
	[ $? = 1 ] || fail "-S $kind -M do: exit not 1"
	[ "$(grep -c '^ping: local error: message too long, mtu=1280$' "$TMP/m.err")" = 2 ] ||
		{ cat "$TMP/m.out" "$TMP/m.err" >&2; fail "-S $kind -M do: not 2 'message too long'"; }
	grep -q '^2 packets transmitted, 0 received, +2 errors, 100% packet loss' "$TMP/m.out" &&
		! grep -q stray "$TMP/m.out" || { cat "$TMP/m.out" >&2; fail "-S $kind -M do: summary"; }
	ip netns exec "$NS" "$NETHOST" ping -S $kind -c 1 -M do -s 1400 fd00:215:3::2 > "$TMP/m.out" 2> "$TMP/m.err"
	grep -q '^ping: local error: message too long, mtu: 1280$' "$TMP/m.err" ||
		{ cat "$TMP/m.out" "$TMP/m.err" >&2; fail "-S $kind -M do, IPv6: no 'message too long'"; }
done
same_as_iputils ns "$NS" -c 1 -M do -s 1400 fd00:215:3::2
same_as_iputils ns "$NS" -c 2 -i 0.2 -M dont -s 1400 10.215.3.2
same_as_iputils ns "$NS" -c 2 -i 0.2 -M want -s 1400 fd00:215:3::2
same_as_iputils ns "$NS" -c 2 -i 0.2 -M do -s 1200 10.215.3.2
ok "-M do: message too long past the path MTU, as iputils; -M dont/want fragment"

# The same on loopback, against iputils' output.
same_as_iputils -c 2 -i 0.2 -I lo -Q 16 -m 3 -p abcd 127.0.0.1
same_as_iputils -c 2 -i 0.2 -I 127.0.0.1 -p 00ff -s 20 127.0.0.1
if [ $HAVE6 = 1 ]; then
	same_as_iputils -c 2 -i 0.2 -I lo -Q 16 -p abcd ::1
	same_as_iputils -c 2 -i 0.2 -I ::1 ::1
fi
ok "-I, -Q, -m, -p on loopback: output as iputils'"

# Bad values name the option and the text.
for bad in "-t 256" "-t x" "-w 0" "-w soon" "-Q 256" "-m -1" "-p abc" "-p xy" "-I nhnosuchif0" "-M maybe" "-l 0" "-l 65537"; do
	"$NETHOST" ping $bad -c 1 127.0.0.1 > /dev/null 2> "$TMP/bad.err"
	rc=$?
	[ $rc = 2 ] || fail "ping $bad: exit $rc, want 2"
	grep -q -- "${bad%% *}" "$TMP/bad.err" && grep -q -- "${bad#* }" "$TMP/bad.err" ||
		{ cat "$TMP/bad.err" >&2; fail "ping $bad: message does not name the option and text"; }
done
ok "bad -t, -w, -Q, -m, -p, -I, -M and -l values: exit 2, message names them"
