#!/bin/sh
# nethost ping's iputils options -t, -w, -D, -O and -n: the TTL and hop
# limit a receiver in a namespace sees, the deadline and its exit rule,
# and the output line for line against iputils' own ping (times masked)
# on 127.0.0.1, ::1, localhost and named hosts in a namespace.
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
		s/ = [0-9.]+\/[0-9.]+\/[0-9.]+\/[0-9.]+ ms$/ = R ms/;
		s/^\[[0-9]+\.[0-9]{6}\] /[S] /' "$1"
}

# same_as_iputils [ns NS] ARGS...: both pings with ARGS (in NS if given),
# the same masked output and the same exit status.
same_as_iputils() {
	local run=
	if [ "$1" = ns ]; then
		run="ip netns exec $2"
		shift 2
	fi
	$run ping "$@" > "$TMP/iputils.out" 2>&1
	local want=$?
	$run "$NETHOST" ping "$@" > "$TMP/nethost.out" 2>&1
	local got=$?
	mask "$TMP/iputils.out" > "$TMP/iputils.masked"
	mask "$TMP/nethost.out" > "$TMP/nethost.masked"
	diff -u "$TMP/iputils.masked" "$TMP/nethost.masked" >&2 ||
		fail "ping $*: output differs from iputils (- iputils, + nethost)"
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
same_as_iputils ns "$NS" -c 3 -w 1 -i 0.2 -O silent.nhtest
grep -q '^no answer yet for icmp_seq=1$' "$TMP/nethost.out" || fail "-O: no 'no answer yet' line"
start=$(date +%s%N)
ip netns exec "$NS" "$NETHOST" ping -c 100 -w 0.6 -i 0.2 10.215.1.2 > /dev/null
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ $rc = 1 ] || fail "-w 0.6, no replies: exit $rc, want 1"
[ $ms -lt 1500 ] || fail "-w 0.6 took ${ms}ms"
ok "-O reports outstanding probes; -w ends a silent run on time"

# -t on the wire: the TTL (IPv4) and the hop limit (IPv6) of the echo
# requests a receiver in the peer namespace reads.
# wire_ttl FAMILY ARGS...: the TTL or hop limit of the first request.
wire_ttl() {
	local fam=$1
	shift
	rm -f "$TMP/rx.ready" "$TMP/rx.ttl"
	ip netns exec "$PEER" "$PY" -c '
import socket, sys
fam, ready, out = sys.argv[1], sys.argv[2], sys.argv[3]
if fam == "4":
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
else:
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVHOPLIMIT, 1)
s.settimeout(5)
open(ready, "w").close()
while True:
    data, anc, _, _ = s.recvmsg(65535, 256)
    if fam == "4" and data[(data[0] & 15) * 4] == 8:
        ttl = data[8]
        break
    if fam == "6" and data[0] == 128:
        ttl = [int.from_bytes(d, sys.byteorder) for l, t, d in anc
               if t == socket.IPV6_HOPLIMIT][0]
        break
open(out, "w").write("%d\n" % ttl)
' "$fam" "$TMP/rx.ready" "$TMP/rx.ttl" &
	local rx=$! i=0
	while [ ! -e "$TMP/rx.ready" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	ip netns exec "$NS" "$NETHOST" ping -c 1 -W 1 "$@" > "$TMP/ttl.out" 2>&1
	local rc=$?
	[ $rc = 0 ] || { cat "$TMP/ttl.out" >&2; fail "ping $*: exit $rc"; }
	wait $rx
	cat "$TMP/rx.ttl" 2>/dev/null
}
ip netns exec "$NS" sysctl -qw net.ipv4.ping_group_range="0 2147483647" || fail "sysctl in $NS"
[ "$(wire_ttl 4 10.215.0.2)" = 64 ] || fail "default TTL on the wire is not 64"
[ "$(wire_ttl 4 -t 7 10.215.0.2)" = 7 ] || fail "-t 7: TTL on the wire is not 7"
[ "$(wire_ttl 6 -t 5 fd00:215::2)" = 5 ] || fail "-t 5: hop limit on the wire is not 5"
[ "$(wire_ttl 6 -S dgram -t 200 fd00:215::2)" = 200 ] ||
	fail "-S dgram -t 200: hop limit on the wire is not 200"
ok "-t sets the TTL and the IPv6 hop limit on the wire"

# Bad values name the option and the text.
for bad in "-t 256" "-t x" "-w 0" "-w soon"; do
	"$NETHOST" ping $bad -c 1 127.0.0.1 > /dev/null 2> "$TMP/bad.err"
	rc=$?
	[ $rc = 2 ] || fail "ping $bad: exit $rc, want 2"
	grep -q -- "${bad%% *}" "$TMP/bad.err" && grep -q -- "${bad#* }" "$TMP/bad.err" ||
		{ cat "$TMP/bad.err" >&2; fail "ping $bad: message does not name the option and text"; }
done
ok "bad -t and -w values: exit 2, message names them"
