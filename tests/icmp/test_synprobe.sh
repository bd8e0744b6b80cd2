#!/bin/sh
# nethost synprobe: a listening and a closed loopback port, the half-open
# connection reset afterwards, JSON, a port a host's firewall drops, the
# privilege message, usage errors.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/icmp/netns.sh"
need_root
need_cmd ss iproute2

# The interpreter itself, not a wrapper (pyenv shims fork): the pid we
# kill at exit must be the one that listens.
PY=$(python3 -c 'import sys; print(sys.executable)')

OPEN=$(free_port)
CLOSED=$(free_port)
[ "$OPEN" != "$CLOSED" ] || CLOSED=$((OPEN + 1))
# A listener that never accepts: a SYN it answered stays visible in ss.
"$PY" -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(8)
open(sys.argv[2], "w").close()
time.sleep(30)
' "$OPEN" "$TMP/listening" &
LPID=$!
at_exit "kill $LPID 2>/dev/null"
i=0
while [ ! -e "$TMP/listening" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done

"$NETHOST" synprobe --timeout 300ms 127.0.0.1 "$OPEN" "$CLOSED" > "$TMP/p1" 2>&1
rc=$?
[ $rc = 0 ] || { cat "$TMP/p1" >&2; fail "open + closed: exit $rc, want 0"; }
grep -Eq "^127.0.0.1 $OPEN/tcp open \([0-9.]+ ms\)$" "$TMP/p1" || { cat "$TMP/p1" >&2; fail "open port not open"; }
grep -Eq "^127.0.0.1 $CLOSED/tcp closed \([0-9.]+ ms\)$" "$TMP/p1" || { cat "$TMP/p1" >&2; fail "closed port not closed"; }
grep -q "^--- 2 ports: 1 open, 1 closed, 0 filtered (2 SYNs," "$TMP/p1" || { cat "$TMP/p1" >&2; fail "totals"; }
ok "listening port open, other port closed"

# Our RST removed the half-open connection: no SYN-RECV, nothing to accept.
sleep 0.2
[ -z "$(ss -Htn state syn-recv "sport = :$OPEN")" ] || fail "a half-open connection is left on :$OPEN"
[ -z "$(ss -Htn state established "sport = :$OPEN")" ] || fail "a connection was established on :$OPEN"
ok "half-open connection reset"

"$NETHOST" synprobe --json --timeout 200ms 127.0.0.1 "$CLOSED" > "$TMP/p2"
rc=$?
[ $rc = 1 ] || fail "closed only: exit $rc, want 1"
python3 - "$TMP/p2" "$CLOSED" <<'PY' || fail "JSON: $(cat "$TMP/p2")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ports"] == [{"port": int(sys.argv[2]), "state": "closed", "rtt_ms": d["ports"][0]["rtt_ms"]}]
assert d["open"] == 0 and d["closed"] == 1 and d["filtered"] == 0
PY
ok "closed only: exit 1, JSON"

# Filtered: host 10.216.0.9, on the far side of a veth, holds the address
# and its firewall drops TCP to port 80 (without the rule it would answer
# RST: closed), so no answer ever comes.
SC=$(ns_name sp)
HO=$(ns_name sph)
ns_pair "$SC" "$HO" nhq0 nhq1 10.217.0.1/24 10.217.0.2/24
ip -n "$SC" route add 10.216.0.0/24 via 10.217.0.2
ip -n "$HO" addr add 10.216.0.9/32 dev lo
if command -v nft >/dev/null 2>&1; then
	ip netns exec "$HO" nft -f - <<'NFT' || fail "nft rule in $HO"
table inet nh {
	chain in {
		type filter hook input priority 0;
		ip daddr 10.216.0.9 tcp dport 80 drop
	}
}
NFT
	FIREWALL=1
else
	echo "SKIP (part): no nft (apt-get install nftables); filtered port not tested" >&2
	FIREWALL=0
fi
if [ $FIREWALL = 1 ]; then
	ip netns exec "$SC" "$NETHOST" synprobe --timeout 200ms --retries 1 10.216.0.9 80 > "$TMP/p3" 2>&1
	rc=$?
	[ $rc = 1 ] || { cat "$TMP/p3" >&2; fail "filtered: exit $rc, want 1"; }
	grep -q "^10.216.0.9 80/tcp filtered$" "$TMP/p3" && grep -q "(2 SYNs," "$TMP/p3" || { cat "$TMP/p3" >&2; fail "filtered: output"; }
	ok "no answer: filtered after 2 SYNs"
fi

if nobody_can_run; then
	$NOBODY "$NETHOST" synprobe 127.0.0.1 "$OPEN" 2> "$TMP/p4"; rc=$?
	[ $rc = 2 ] && grep -q "CAP_NET_RAW" "$TMP/p4" || { cat "$TMP/p4" >&2; fail "unprivileged: exit $rc"; }
	ok "unprivileged: exit 2, says CAP_NET_RAW"
fi

"$NETHOST" synprobe 127.0.0.1 0 2> "$TMP/u1"; rc=$?
[ $rc = 2 ] && grep -q "'0'" "$TMP/u1" || fail "port 0: exit $rc"
"$NETHOST" synprobe 127.0.0.1 9-3 2> "$TMP/u2"; rc=$?
[ $rc = 2 ] && grep -q "'9-3'" "$TMP/u2" || fail "port 9-3: exit $rc"
"$NETHOST" synprobe 127.0.0.1 2> /dev/null; [ $? = 2 ] || fail "no port: exit not 2"
# Empty port lists probe nothing (issue 18: exit 1 after probing nothing).
for ports in '' ',' '80,' '80,,81' '80-'; do
	"$NETHOST" synprobe 127.0.0.1 "$ports" > "$TMP/u3" 2>&1; rc=$?
	[ $rc = 2 ] && grep -q "PORT: '$ports'" "$TMP/u3" || { cat "$TMP/u3" >&2; fail "ports '$ports': exit $rc"; }
done
"$NETHOST" synprobe 127.0.0.1 4294967377 2> "$TMP/u4"; rc=$?
[ $rc = 2 ] && grep -q "'4294967377': must be 1 to 65535" "$TMP/u4" || fail "port overflow: exit $rc"
ok "usage errors"
exit 0
