#!/bin/sh
# nethost ping -A (adaptive) and -f (flood) on 127.0.0.1: output against
# iputils' own ping for the same options (times masked; -f byte for byte),
# -A far faster than one probe a second, -f refused to a user as
# iputils refuses it, and --json's NDJSON records parsed with python3
# (replies, timeouts from a silent host, ICMP errors from a router). How
# a run ends, as iputils ends it: a lossy host (an nft rule dropping every
# third echo request) is lingered for briefly, not -W, once replies came;
# -f at a host that answers only with ICMP errors goes on at each error.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/icmp/netns.sh"
need_root
need_cmd ping iputils-ping
ping -V 2>/dev/null | grep -q iputils || skip "'ping' is not iputils' ping"

# Times, and the rtt line's numbers (ipg/ewma too), differ from run to run.
mask() {
	sed -E 's/time=[0-9.]+ ms/time=T ms/; s/, time [0-9]+ms$/, time Tms/;
		s/ = [0-9.]+\/[0-9.]+\/[0-9.]+\/[0-9.]+ ms/ = R ms/;
		s/, ipg\/ewma [0-9.]+\/[0-9.]+ ms$/, ipg\/ewma G ms/' "$1"
}

# 127.0.0.1 in a namespace of our own: a raw socket sees every echo reply
# on the host's loopback, and other pings there would count as strays.
LO=$(ns_name plo)
ns_add "$LO"
IN_LO="ip netns exec $LO"

# same_as_iputils ARGS...: both pings with ARGS, the same masked stdout
# (compared as bytes: -f's dots and backspaces), stderr and exit status.
# same_as_iputils_in "ip netns exec NS" ARGS...: the same from NS.
same_as_iputils() { same_as_iputils_in "$IN_LO" "$@"; }
same_as_iputils_in() {
	local in=$1
	shift
	$in ping "$@" > "$TMP/iputils.out" 2> "$TMP/iputils.err"
	local want=$?
	$in "$NETHOST" ping "$@" > "$TMP/nethost.out" 2> "$TMP/nethost.err"
	local got=$?
	mask "$TMP/iputils.out" > "$TMP/iputils.masked"
	mask "$TMP/nethost.out" > "$TMP/nethost.masked"
	cmp -s "$TMP/iputils.masked" "$TMP/nethost.masked" || {
		od -c "$TMP/iputils.masked" > "$TMP/iputils.od"
		od -c "$TMP/nethost.masked" > "$TMP/nethost.od"
		diff -u "$TMP/iputils.od" "$TMP/nethost.od" >&2
		fail "ping $*: output differs from iputils (- iputils, + nethost)"
	}
	diff -u "$TMP/iputils.err" "$TMP/nethost.err" >&2 ||
		fail "ping $*: stderr differs from iputils (- iputils, + nethost)"
	[ "$got" = "$want" ] || fail "ping $*: exit $got, iputils $want"
}

# -A: the next probe goes when the reply comes, so 20 probes to loopback
# take far less than 20 x 1 s; the rtt line gains iputils' ipg/ewma.
start=$(date +%s%N)
$IN_LO "$NETHOST" ping -A -c 20 127.0.0.1 > "$TMP/adaptive.out" || fail "-A -c 20: exit $?"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ $ms -lt 2000 ] || fail "-A -c 20 took ${ms}ms"
grep -q '^20 packets transmitted, 20 received' "$TMP/adaptive.out" ||
	{ cat "$TMP/adaptive.out" >&2; fail "-A -c 20: summary"; }
grep -q ' ms, ipg/ewma [0-9]*\.[0-9]\{3\}/[0-9]*\.[0-9]\{3\} ms$' "$TMP/adaptive.out" ||
	{ cat "$TMP/adaptive.out" >&2; fail "-A: no ipg/ewma on the rtt line"; }
same_as_iputils -A -c 20 127.0.0.1
same_as_iputils -A -c 5 -l 2 127.0.0.1
ok "-A: probes follow the replies (${ms}ms for 20), output as iputils'"

# -f: a dot per probe, a backspace per reply, byte for byte as iputils.
start=$(date +%s%N)
same_as_iputils -f -c 100 127.0.0.1
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ $ms -lt 3000 ] || fail "-f -c 100 (both pings) took ${ms}ms"
grep -q "$(printf '^\\.\b \b')" "$TMP/nethost.out" || fail "-f: no '.' then backspace"
same_as_iputils -f -q -c 50 127.0.0.1
ok "-f: dots and backspaces as iputils', quick"

# A user may not flood: iputils' words, exit 2.
if nobody_can_run; then
	$NOBODY "$NETHOST" ping -f -c 2 127.0.0.1 > /dev/null 2> "$TMP/user.err"
	rc=$?
	[ $rc = 2 ] || fail "-f as a user: exit $rc, want 2"
	$NOBODY ping -f -c 2 127.0.0.1 > /dev/null 2> "$TMP/iputils-user.err"
	diff -u "$TMP/iputils-user.err" "$TMP/user.err" >&2 || fail "-f as a user: stderr differs from iputils"
	ok "-f refused to a user as iputils refuses it"
else
	echo "# SKIP -f as a user: uid 65534 cannot run the build tree"
fi

# --json: NDJSON, a record per reply, timeout and error, then a summary,
# each line parsed on its own. A namespace with an answering peer, a
# silent one, and behind the peer a real host it refuses to forward to (a
# prohibit route for that host's /32: ICMP errors back; the probed
# address is the host's own).
NS=$(ns_name pjs)
PEER=$(ns_name pjsp)
SILENT=$(ns_name pjss)
TGT=$(ns_name pjst)
ns_add "$NS"
ns_add "$PEER"
ns_add "$SILENT"
ns_add "$TGT"
ns_link "$NS" "$PEER" nhj0 nhj1
ns_link "$NS" "$SILENT" nhj2 nhj3
ns_link "$PEER" "$TGT" nhj4 nhj5
ip -n "$PEER" addr add 10.216.9.1/24 dev nhj4
ip -n "$TGT" addr add 10.216.9.9/24 dev nhj5
ip -n "$NS" addr add 10.216.0.1/24 dev nhj0
ip -n "$PEER" addr add 10.216.0.2/24 dev nhj1
ip -n "$NS" addr add 10.216.1.1/24 dev nhj2
ip -n "$SILENT" addr add 10.216.1.2/24 dev nhj3
ip -n "$NS" route add 10.216.9.0/24 via 10.216.0.2
ip netns exec "$PEER" sysctl -qw net.ipv4.ip_forward=1
ip -n "$PEER" route add prohibit 10.216.9.9
ns_silent "$SILENT"
# 10.216.9.10, the host's second address, is refused by an nft rule
# instead: the route's errors above are rate-limited by the kernel's
# global route.error_cost (5 at once, then one a second), these only by
# the router's own sysctls, which we lift.
HAVE_NFT=
if command -v nft >/dev/null 2>&1; then
	ip -n "$TGT" addr add 10.216.9.10/24 dev nhj5
	ip netns exec "$PEER" sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv4.icmp_msgs_per_sec=100000 \
		net.ipv4.icmp_msgs_burst=100000 || fail "ICMP rate limits in $PEER"
	ip netns exec "$PEER" nft -f - <<'NFT' || fail "nft rule in $PEER"
table ip refuse {
	chain through {
		type filter hook forward priority 0;
		ip daddr 10.216.9.10 reject with icmp type admin-prohibited
	}
}
NFT
	HAVE_NFT=1
fi

# check_json FILE PYTHON-ASSERTIONS: every line one JSON object, the
# records in R (a list), the last in S.
check_json() {
	"$PY" - "$1" "$2" <<'PYEOF' >&2
import json, sys
R = [json.loads(line) for line in open(sys.argv[1])]
S = R[-1]
assert all(r["type"] in ("reply", "timeout", "error", "summary") for r in R), R
assert [r["type"] for r in R].count("summary") == 1 and S["type"] == "summary", R
exec(sys.argv[2])
PYEOF
}
PY=$(command -v python3) || skip "no python3 to parse --json"

$IN_LO "$NETHOST" ping --json -c 3 -i 0.2 -D 127.0.0.1 > "$TMP/j.out" || fail "--json 127.0.0.1: exit $?"
check_json "$TMP/j.out" '
assert [r["seq"] for r in R[:-1]] == [1, 2, 3] and all(r["type"] == "reply" for r in R[:-1]), R
for r in R[:-1]:
    assert r["host"] == "127.0.0.1" and r["address"] == "127.0.0.1" and r["bytes"] == 64, r
    assert r["ttl"] == 64 and 0 <= r["rtt_ms"] < 1000 and r["dup"] is False and r["timestamp"] > 1e9, r
assert (S["xmt"], S["rcv"], S["loss_percentage"], S["errors"]) == (3, 3, 0, 0), S
assert S["min"] <= S["avg"] <= S["max"] and S["mdev"] >= 0 and S["elapsed_ms"] >= 300, S
' || fail "--json: replies and summary (above)"
grep -q '^PING\|^---' "$TMP/j.out" && fail "--json: text lines mixed in"

ip netns exec "$NS" "$NETHOST" ping --json -c 2 -i 0.2 -W 0.3 10.216.1.2 > "$TMP/j.out"
rc=$?
[ $rc = 1 ] || fail "--json, silent host: exit $rc, want 1"
check_json "$TMP/j.out" '
assert [(r["type"], r["seq"]) for r in R[:-1]] == [("timeout", 1), ("timeout", 2)], R
assert (S["xmt"], S["rcv"], S["loss_percentage"]) == (2, 0, 100) and "min" not in S, S
' || fail "--json: timeout records (above)"

ip netns exec "$NS" "$NETHOST" ping --json -c 2 -i 0.2 10.216.9.9 > "$TMP/j.out"
check_json "$TMP/j.out" '
E = [r for r in R if r["type"] == "error"]
assert [r["seq"] for r in E] == [1, 2], R
assert all(r["from"] == "10.216.0.2" and r["error"] == "Packet filtered" for r in E), E
assert S["errors"] == 2 and S["rcv"] == 0 and "timeout" not in [r["type"] for r in R], S
' || fail "--json: error records (above)"

$IN_LO "$NETHOST" ping --json -q -c 2 -i 0.2 127.0.0.1 > "$TMP/j.out" || fail "--json -q: exit $?"
check_json "$TMP/j.out" 'assert len(R) == 1 and S["rcv"] == 2, R' || fail "--json -q: summary only"
$IN_LO "$NETHOST" ping --json -f -c 5 127.0.0.1 > "$TMP/j.out" || fail "--json -f: exit $?"
check_json "$TMP/j.out" 'assert len(R) == 6 and S["rcv"] == 5, R' || fail "--json -f: dots mixed in"
"$NETHOST" ping --json -O -c 1 127.0.0.1 > /dev/null 2>&1
[ $? = 2 ] || fail "--json -O: not refused"
ok "--json: NDJSON replies, timeouts, errors and a summary; -q, -D, -f; -O refused"

# "time Nms" of a summary, from nethost's output.
summary_ms() { sed -n 's/.* packet loss, time \([0-9]*\)ms$/\1/p' "$TMP/nethost.out"; }
if [ -z "$HAVE_NFT" ]; then
	echo "# SKIP how runs end: no nft (apt-get install nftables)"
	exit 0
fi

# -f at a host that answers only with errors: as in iputils an error frees
# the next probe as a reply does (not 10 ms later), and the run ends at the
# last error; dots and E's byte for byte as iputils'.
same_as_iputils_in "ip netns exec $NS" -f -c 50 -W 5 10.216.9.10
grep -q '^50 packets transmitted, 0 received, +50 errors, 100% packet loss' "$TMP/nethost.out" ||
	{ cat "$TMP/nethost.out" >&2; fail "-f, errors only: summary"; }
ms=$(summary_ms)
[ "${ms:-9999}" -lt 400 ] || fail "-f -c 50, errors only: time ${ms}ms, the next probe waited for the 10 ms tick"
ok "-f at a host answering with errors: a probe per error, over in ${ms}ms, output as iputils'"

# A lossy host: nft drops every third echo request (each run sends a
# multiple of three, so both pings lose the same probes). The last probe
# is lost: iputils waits twice the longest RTT, at least the interval,
# once a reply came, not -W; nethost must too.
LOSSY=$(ns_name plos)
ns_add "$LOSSY"
ip netns exec "$LOSSY" nft -f - <<'NFT' || fail "nft rule in $LOSSY"
table inet lossy {
	chain in {
		type filter hook input priority 0;
		icmp type echo-request numgen inc mod 3 == 2 drop
	}
}
NFT
IN_LOSSY="ip netns exec $LOSSY"
same_as_iputils_in "$IN_LOSSY" -f -c 6 -W 5 127.0.0.1
grep -q '^6 packets transmitted, 4 received, 33.3333% packet loss' "$TMP/nethost.out" ||
	{ cat "$TMP/nethost.out" >&2; fail "-f, lossy host: summary"; }
same_as_iputils_in "$IN_LOSSY" -c 3 -i 0.2 -W 5 127.0.0.1
start=$(date +%s%N)
$IN_LOSSY "$NETHOST" ping -q -c 3 -i 0.2 -W 5 127.0.0.1 > "$TMP/nethost.out"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
grep -q '^3 packets transmitted, 2 received' "$TMP/nethost.out" ||
	{ cat "$TMP/nethost.out" >&2; fail "-c 3, lossy host: summary"; }
[ $ms -lt 2500 ] || fail "-c 3 -i 0.2 -W 5, last probe lost: ${ms}ms, waited -W"
ms=$(summary_ms)
[ "${ms:-9999}" -lt 1000 ] || fail "-c 3 -i 0.2, last probe lost: time ${ms}ms, not to the last probe"
ok "a lost last probe is waited for briefly, not -W, once replies came (as iputils)"
