#!/bin/sh
# nethost synprobe over IPv6: open and closed on ::1 (the half-open
# connection reset afterwards), --rate pacing and its usage errors, then a
# test host in a namespace behind a veth: open, closed and a port its
# firewall drops (filtered).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/icmp/netns.sh"
need_root
need_cmd ss iproute2
need_cmd nft nftables

# The interpreter itself, not a wrapper (pyenv shims fork): the pid we
# kill at exit must be the one that listens.
PY=$(python3 -c 'import sys; print(sys.executable)')

# A TCP port that was free a moment ago on ::1.
free_port6() {
	"$PY" -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0)); print(s.getsockname()[1])'
}

# listen [NETNS] ADDR PORT READY: a listener that never accepts (a SYN it
# answered stays visible in ss), killed at exit; returns once it listens.
listen() {
	local ns=
	if [ $# = 4 ]; then ns="ip netns exec $1"; shift; fi
	$ns "$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(8)
open(sys.argv[3], "w").close()
time.sleep(30)
' "$1" "$2" "$3" &
	at_exit "kill $! 2>/dev/null"
	local i=0
	while [ ! -e "$3" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	[ -e "$3" ] || fail "listener on [$1]:$2 did not start"
}

OPEN=$(free_port6)
CLOSED=$(free_port6)
[ "$OPEN" != "$CLOSED" ] || CLOSED=$((OPEN + 1))
listen ::1 "$OPEN" "$TMP/listening"

# A list with a one-port range: each port probed once.
"$NETHOST" synprobe --timeout 300ms ::1 "$CLOSED,$OPEN-$OPEN,$CLOSED" > "$TMP/p1" 2>&1
rc=$?
[ $rc = 0 ] || { cat "$TMP/p1" >&2; fail "::1 open + closed: exit $rc, want 0"; }
grep -Eq "^::1 $OPEN/tcp open \([0-9.]+ ms\)$" "$TMP/p1" || { cat "$TMP/p1" >&2; fail "::1 open port not open"; }
grep -Eq "^::1 $CLOSED/tcp closed \([0-9.]+ ms\)$" "$TMP/p1" || { cat "$TMP/p1" >&2; fail "::1 closed port not closed"; }
grep -q "^--- 2 ports: 1 open, 1 closed, 0 filtered (2 SYNs," "$TMP/p1" || { cat "$TMP/p1" >&2; fail "::1 totals"; }
ok "::1: listening port open, other port closed"

sleep 0.2
[ -z "$(ss -Htn state syn-recv "sport = :$OPEN")" ] || fail "a half-open connection is left on [::1]:$OPEN"
[ -z "$(ss -Htn state established "sport = :$OPEN")" ] || fail "a connection was established on [::1]:$OPEN"
ok "::1: half-open connection reset"

"$NETHOST" synprobe --json --timeout 200ms ::1 "$CLOSED" > "$TMP/p2"
rc=$?
[ $rc = 1 ] || fail "::1 closed only: exit $rc, want 1"
python3 - "$TMP/p2" "$CLOSED" <<'PY' || fail "JSON: $(cat "$TMP/p2")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["address"] == "::1", d
assert [(p["port"], p["state"]) for p in d["ports"]] == [(int(sys.argv[2]), "closed")]
assert d["open"] == 0 and d["closed"] == 1 and d["filtered"] == 0 and d["probes"] == 1
PY
ok "::1 closed only: exit 1, JSON"

# --rate 20: ten SYNs are 9 intervals of 50 ms apart. Every port answers
# (open or closed), so the time is the pacing's.
elapsed_ms() {
	local t0=$(date +%s%N)
	"$@" > "$TMP/r" 2>&1
	local rc=$?
	local t1=$(date +%s%N)
	echo "$rc $(((t1 - t0) / 1000000))"
}
set -- $(elapsed_ms "$NETHOST" synprobe --rate 20 --timeout 200ms ::1 "$OPEN-$((OPEN + 9))")
[ "$1" = 0 ] && grep -q "^--- 10 ports: 1 open, 9 closed, 0 filtered (10 SYNs," "$TMP/r" ||
	{ cat "$TMP/r" >&2; fail "--rate 20: exit $1"; }
[ "$2" -ge 440 ] || fail "--rate 20: 10 SYNs in $2 ms, want at least 450"
[ "$2" -lt 2000 ] || fail "--rate 20: 10 SYNs in $2 ms, want about 450"
set -- $(elapsed_ms "$NETHOST" synprobe --timeout 200ms ::1 "$OPEN-$((OPEN + 9))")
[ "$1" = 0 ] && [ "$2" -lt 300 ] || fail "default rate: 10 ports in $2 ms (exit $1), want < 300"
ok "--rate 20 spaces SYNs 50 ms apart; the default does not"

for rate in 0 1000001 abc 010 -5 ''; do
	"$NETHOST" synprobe --rate "$rate" ::1 "$CLOSED" > "$TMP/u1" 2>&1; rc=$?
	[ $rc = 2 ] && grep -q -- "--rate: '$rate'" "$TMP/u1" || { cat "$TMP/u1" >&2; fail "--rate '$rate': exit $rc"; }
done
for ports in 0 70000 '22,80,8000-' '9-3' '22;80' '0x50'; do
	"$NETHOST" synprobe ::1 "$ports" > "$TMP/u2" 2>&1; rc=$?
	[ $rc = 2 ] && grep -q "PORT: '" "$TMP/u2" || { cat "$TMP/u2" >&2; fail "ports '$ports': exit $rc"; }
done
"$NETHOST" synprobe ::ffff:127.0.0.1 "$CLOSED" > "$TMP/u3" 2>&1; rc=$?
[ $rc = 2 ] && grep -q "'::ffff:127.0.0.1': an IPv4-mapped address" "$TMP/u3" || { cat "$TMP/u3" >&2; fail "mapped address: exit $rc"; }
ok "usage errors: --rate, port lists, an IPv4-mapped address"

# A name: its first address, whichever family (this used to fail in
# getaddrinfo: no service with SOCK_RAW).
"$NETHOST" synprobe --timeout 200ms localhost "$CLOSED" > "$TMP/n1" 2>&1
grep -Eq "^(127\.0\.0\.1|::1) $CLOSED/tcp (open|closed) " "$TMP/n1" || { cat "$TMP/n1" >&2; fail "localhost not probed"; }
ok "a name is resolved"

# A test host in namespace HO holds fd00:217::2 on a veth from SC: a
# listener on 8080, nothing on 8081 (RST), and its firewall drops TCP to
# port 80 (without the rule it would answer RST: closed).
SC=$(ns_name sp6)
HO=$(ns_name sp6h)
ns_add "$SC"
ns_add "$HO"
ns_link "$SC" "$HO" nhq6a nhq6b
ip -n "$SC" addr add fd00:217::1/64 dev nhq6a nodad || fail "address in $SC"
ip -n "$HO" addr add fd00:217::2/64 dev nhq6b nodad || fail "address in $HO"
ip netns exec "$HO" nft -f - <<'NFT' || fail "nft rule in $HO"
table inet nh {
	chain in {
		type filter hook input priority 0;
		ip6 daddr fd00:217::2 tcp dport 80 drop
	}
}
NFT
listen "$HO" fd00:217::2 8080 "$TMP/listening-ns"

ip netns exec "$SC" "$NETHOST" synprobe --timeout 200ms --retries 1 fd00:217::2 80,8080-8081 \
	> "$TMP/p3" 2>&1
rc=$?
[ $rc = 0 ] || { cat "$TMP/p3" >&2; fail "namespace: exit $rc, want 0"; }
grep -Eq "^fd00:217::2 8080/tcp open \([0-9.]+ ms\)$" "$TMP/p3" || { cat "$TMP/p3" >&2; fail "namespace: 8080 not open"; }
grep -Eq "^fd00:217::2 8081/tcp closed \([0-9.]+ ms\)$" "$TMP/p3" || { cat "$TMP/p3" >&2; fail "namespace: 8081 not closed"; }
grep -q "^fd00:217::2 80/tcp filtered$" "$TMP/p3" || { cat "$TMP/p3" >&2; fail "namespace: 80 not filtered"; }
# Port 80 twice (no answer, one retry), the others once.
grep -q "^--- 3 ports: 1 open, 1 closed, 1 filtered (4 SYNs," "$TMP/p3" || { cat "$TMP/p3" >&2; fail "namespace: totals"; }
ok "test host over a veth: open, closed, filtered after 2 SYNs"

sleep 0.2
[ -z "$(ip netns exec "$HO" ss -Htn state syn-recv "sport = :8080")" ] || fail "a half-open connection is left in $HO"
ok "test host: half-open connection reset"
exit 0
