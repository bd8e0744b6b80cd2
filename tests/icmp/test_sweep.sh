#!/bin/sh
# nethost sweep and [icmp NAME] from a namespace with a bridge to host
# namespaces: a few hosts up and a few silent give exactly the right
# alive/inactive sets; a /24 half answering, half silent; changes between
# rounds; the service's log; usage errors.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/icmp/netns.sh"
need_root

# Every probed address is a host's. The scanner SC holds a bridge with a
# port per host namespace: HO answers for .2, .5, ::2 and, by a local
# route on lo, 10.215.0.0/25; H3 holds .3 and ::3, H4 holds .4 (they fall
# silent and answer again below); SI is silent and holds .6, .7, ::4, ::5
# and 10.215.0.128/25.
SC=$(ns_name scan)
HO=$(ns_name hosts)
H3=$(ns_name h3)
H4=$(ns_name h4)
SI=$(ns_name silent)
ns_add "$SC"
ns_bridge "$SC" nhsbr
ip -n "$SC" addr add 10.214.0.1/24 dev nhsbr
ip -n "$SC" addr add fd00:214::1/64 dev nhsbr nodad
# on_bridge NS PORT ADDR/PREFIX...: a new namespace NS on bridge port PORT,
# holding the addresses on its end of the veth (nhs1).
on_bridge() {
	local ns=$1 port=$2 a
	shift 2
	ns_add "$ns"
	ns_plug "$SC" nhsbr "$ns" "$port" nhs1
	for a; do
		case $a in
		*:*) ip -n "$ns" addr add "$a" dev nhs1 nodad ;;
		*) ip -n "$ns" addr add "$a" dev nhs1 ;;
		esac || fail "address $a in $ns"
	done
}
on_bridge "$HO" nhsp2 10.214.0.2/24 10.214.0.5/24 fd00:214::2/64
on_bridge "$H3" nhsp3 10.214.0.3/24 fd00:214::3/64
on_bridge "$H4" nhsp4 10.214.0.4/24
on_bridge "$SI" nhsp6 10.214.0.6/24 10.214.0.7/24 fd00:214::4/64 fd00:214::5/64
ns_silent "$H4"
ns_silent "$SI"
ip -n "$SC" route add 10.215.0.0/25 via 10.214.0.2
ip -n "$SC" route add 10.215.0.128/25 via 10.214.0.6
ip -n "$HO" route add local 10.215.0.0/25 dev lo
ip -n "$SI" route add local 10.215.0.128/25 dev lo
IN_SC="ip netns exec $SC"

# sets FILE WORD: the hosts of lines "HOST is WORD", sorted, on one line.
sets() { awk -v w="$2" '$2 == "is" && $3 == w { print $1 }' "$1" | sort | tr '\n' ' '; }

$IN_SC "$NETHOST" sweep --timeout 300ms --retries 0 10.214.0.2-7 fd00:214::2-5 > "$TMP/s1"
rc=$?
[ $rc = 1 ] || { cat "$TMP/s1" >&2; fail "mixed sweep: exit $rc, want 1"; }
[ "$(sets "$TMP/s1" alive)" = "10.214.0.2 10.214.0.3 10.214.0.5 fd00:214::2 fd00:214::3 " ] ||
	{ cat "$TMP/s1" >&2; fail "alive set: $(sets "$TMP/s1" alive)"; }
[ "$(sets "$TMP/s1" inactive)" = "10.214.0.4 10.214.0.6 10.214.0.7 fd00:214::4 fd00:214::5 " ] ||
	{ cat "$TMP/s1" >&2; fail "inactive set: $(sets "$TMP/s1" inactive)"; }
grep -q '^--- 10 targets: 5 alive, 5 inactive (10 probes,' "$TMP/s1" || { cat "$TMP/s1" >&2; fail "totals"; }
ok "IPv4 + IPv6 range sweep: exact alive and inactive sets"

# Retries: silent hosts get 1 + 2 probes each.
$IN_SC "$NETHOST" sweep -q --timeout 100ms --retries 2 10.214.0.2-4 > "$TMP/s2"
grep -q '^--- 3 targets: 2 alive, 1 inactive (5 probes,' "$TMP/s2" || { cat "$TMP/s2" >&2; fail "retries"; }
ok "retries: 5 probes for 2 alive + 1 inactive"

# A /24: the lower half answers (HO), the upper half is silent (SI).
$IN_SC "$NETHOST" sweep --json --timeout 300ms --retries 0 10.215.0.0/24 > "$TMP/s3"
[ $? = 1 ] || fail "/24 sweep: exit not 1"
python3 - "$TMP/s3" <<'PY' || fail "/24 sweep JSON: $(cat "$TMP/s3")"
import json, sys, ipaddress
recs = [json.loads(l) for l in open(sys.argv[1])]
hosts = [r for r in recs if r["type"] == "host"]
alive = sorted(int(ipaddress.ip_address(r["host"])) for r in hosts if r["alive"])
inactive = sorted(int(ipaddress.ip_address(r["host"])) for r in hosts if not r["alive"])
base = int(ipaddress.ip_address("10.215.0.0"))
assert alive == list(range(base, base + 128)), "alive"
assert inactive == list(range(base + 128, base + 256)), "inactive"
assert sorted(r["host"] for r in recs if r["type"] == "reply") == sorted(r["host"] for r in hosts if r["alive"])
assert sorted(r["host"] for r in recs if r["type"] == "timeout") == sorted(r["host"] for r in hosts if not r["alive"])
assert all(r["rtt_ms"] >= 0 for r in recs if r["type"] == "reply")
s = recs[-1]
assert s["type"] == "summary" and s["targets"] == 256 and s["alive"] == 128 and s["inactive"] == 128
PY
ok "/24 sweep (JSON): exactly the 128 answering hosts alive"

$IN_SC "$NETHOST" sweep -a --timeout 200ms 10.214.0.2-3 > "$TMP/s4" || fail "all alive: exit $?"
[ "$(sets "$TMP/s4" alive)" = "10.214.0.2 10.214.0.3 " ] || fail "all alive: set"
ok "all alive: exit 0"

# -a and -u each add their list (issue 18: -a -u listed nothing). The
# inactive host is SI, which holds 10.214.0.6 and ignores echo requests.
for opts in "-a -u" "-u -a" "" "-a" "-u"; do
	$IN_SC "$NETHOST" sweep $opts --timeout 200ms --retries 0 10.214.0.2 10.214.0.6 > "$TMP/s5"
	rc=$?
	[ $rc = 1 ] || { cat "$TMP/s5" >&2; fail "sweep $opts: exit $rc, want 1"; }
	case $opts in -a) want_a="10.214.0.2 " want_u="";; -u) want_a="" want_u="10.214.0.6 ";;
	*) want_a="10.214.0.2 " want_u="10.214.0.6 ";; esac
	[ "$(sets "$TMP/s5" alive)" = "$want_a" ] && [ "$(sets "$TMP/s5" inactive)" = "$want_u" ] ||
		{ cat "$TMP/s5" >&2; fail "sweep $opts: alive '$(sets "$TMP/s5" alive)', inactive '$(sets "$TMP/s5" inactive)'"; }
	grep -q '^--- 2 targets: 1 alive, 1 inactive' "$TMP/s5" || { cat "$TMP/s5" >&2; fail "sweep $opts: totals"; }
done
ok "-a lists the alive, -u the inactive, both (or neither) both lists"

# Unprivileged datagram sockets.
if nobody_can_run; then
	$IN_SC sysctl -qw net.ipv4.ping_group_range="0 2147483647"
	$IN_SC $NOBODY "$NETHOST" sweep -S dgram --timeout 300ms --retries 0 10.214.0.2-4 > "$TMP/s5"
	[ "$(sets "$TMP/s5" alive)" = "10.214.0.2 10.214.0.3 " ] && [ "$(sets "$TMP/s5" inactive)" = "10.214.0.4 " ] ||
		{ cat "$TMP/s5" >&2; fail "dgram sweep as nobody"; }
	$IN_SC sysctl -qw net.ipv4.ping_group_range="1 0"
	ok "datagram sockets as an unprivileged user"
else
	echo "SKIP (part): uid 65534 cannot run $NETHOST; unprivileged sweep not tested" >&2
fi

# --every: only the changes, host .3 falls silent and answers again.
$IN_SC "$NETHOST" sweep --every 1s --rounds 3 --timeout 200ms --retries 0 10.214.0.2-3 > "$TMP/s6" 2>&1 &
PID=$!
wait_for_log "$TMP/s6" 5 "^--- 2 targets: 2 alive" || fail "--every: first round"
ns_silent "$H3"
wait_for_log "$TMP/s6" 5 " 10.214.0.3 went down$" || { cat "$TMP/s6" >&2; fail "--every: no 'went down'"; }
ns_silent "$H3" off
wait $PID
rc=$?
grep -q " 10.214.0.3 came back (" "$TMP/s6" || { cat "$TMP/s6" >&2; fail "--every: no 'came back'"; }
[ $rc = 0 ] || fail "--every: exit $rc after the last round (all alive)"
[ "$(grep -c '10.214.0.2' "$TMP/s6")" = 1 ] || { cat "$TMP/s6" >&2; fail "--every: unchanged host printed again"; }
ok "--every prints only changes"

# The service: first sweep, a host coming back, another going down,
# RTT per host on SIGUSR1, steady fds.
cat > "$TMP/icmp.ini" <<EOT
[icmp lan]
targets = 10.214.0.2-3
targets = 10.214.0.4
every = 300ms
timeout = 100ms
retries = 0
EOT
NETHOST_WRAPPER="$IN_SC"
start_host "$TMP/icmp.ini"
PID=$(ip netns pids "$SC" | head -1)
wait_for_log "$TMP/host.log" 5 "icmp/lan: first sweep: 3 targets, 2 alive, 1 inactive" || fail "service: first sweep"
grep -q "icmp/lan: 10.214.0.4 is inactive" "$TMP/host.log" || fail "service: inactive host not logged"
FD1=$(fd_count "$PID")
ns_silent "$H4" off
wait_for_log "$TMP/host.log" 5 "icmp/lan: 10.214.0.4 came back (rtt " || fail "service: no 'came back'"
ns_silent "$H3"
wait_for_log "$TMP/host.log" 5 "icmp/lan: 10.214.0.3 went down (no answer to 1 probes)" || fail "service: no 'went down'"
grep -q "10.214.0.[24] went down" "$TMP/host.log" && fail "service: a host that stayed up went down"
kill -USR1 "$PID"
wait_for_log "$TMP/host.log" 5 "icmp/lan: 10.214.0.2: alive, answered [0-9]* of [0-9]* sweeps, rtt min/avg/max [0-9.]*/[0-9.]*/[0-9.]* ms" ||
	fail "service: no RTT summary on SIGUSR1"
FD2=$(fd_count "$PID")
[ "$FD1" = "$FD2" ] || fail "service: fds $FD1 then $FD2"
stop_host
ok "service: first sweep, up/down logged, RTT summary, $FD2 fds steady"

# Bad input: exit 2 with the text quoted; nothing sent.
"$NETHOST" sweep 10.0.0.0/33 2> "$TMP/e1"; rc=$?
[ $rc = 2 ] && grep -q "'10.0.0.0/33'" "$TMP/e1" || fail "bad CIDR: exit $rc"
"$NETHOST" sweep fd00::/64 2> "$TMP/e2"; rc=$?
[ $rc = 2 ] && grep -q "too many addresses" "$TMP/e2" || fail "/64: exit $rc"
"$NETHOST" sweep --rate 0 127.0.0.1 2> "$TMP/e3"; rc=$?
[ $rc = 2 ] && grep -q "'0'" "$TMP/e3" || fail "--rate 0: exit $rc"
"$NETHOST" sweep --retries 1x 127.0.0.1 2> "$TMP/e5"; rc=$?
[ $rc = 2 ] && grep -q -- "--retries: '1x': not a whole number (0 to 10)" "$TMP/e5" || fail "--retries 1x: exit $rc"
printf '[icmp x]\nevery = 1ms\ntargets = 10.0.0.0/33\n' > "$TMP/bad.ini"
"$NETHOST" -t -c "$TMP/bad.ini" 2> "$TMP/e4"; rc=$?
[ $rc = 2 ] && grep -q "bad.ini:2: \[icmp x\] every: must be at least 100ms" "$TMP/e4" &&
	grep -q "bad.ini:3: \[icmp x\] targets: '10.0.0.0/33'" "$TMP/e4" || { cat "$TMP/e4" >&2; fail "bad config: exit $rc"; }
ok "usage and config errors"
exit 0
