#!/bin/sh
# nethost sweep's fping-style options: -C N columns, with a host that
# drops every other echo request (an nft rule in its namespace), compared
# with fping -C's own output on the same hosts; -x N; --print-ttl; -o
# outage totals; -Q interval summaries; usage errors.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/icmp/netns.sh"
need_root

# Every probed address is a host's. The scanner SC holds a bridge with a
# port per host namespace: HO answers for .2 and .10 (two widths of
# name), LO holds .3 and drops every other echo request, SI is silent
# and holds .6.
SC=$(ns_name oscan)
HO=$(ns_name ohosts)
LO=$(ns_name olossy)
SI=$(ns_name osilent)
ns_add "$SC"
ns_bridge "$SC" nhobr
ip -n "$SC" addr add 10.216.0.1/24 dev nhobr
ip -n "$SC" addr add fd00:216::1/64 dev nhobr nodad
# on_bridge NS PORT ADDR/PREFIX...: a new namespace NS on bridge port PORT,
# holding the addresses on its end of the veth (nho1).
on_bridge() {
	local ns=$1 port=$2 a
	shift 2
	ns_add "$ns"
	ns_plug "$SC" nhobr "$ns" "$port" nho1
	for a; do
		case $a in
		*:*) ip -n "$ns" addr add "$a" dev nho1 nodad ;;
		*) ip -n "$ns" addr add "$a" dev nho1 ;;
		esac || fail "address $a in $ns"
	done
}
on_bridge "$HO" nhop2 10.216.0.2/24 10.216.0.10/24 fd00:216::2/64
# HO answers with TTL 77 and hop limit 66 (--print-ttl must show them).
ip netns exec "$HO" sysctl -qw net.ipv4.ip_default_ttl=77 net.ipv6.conf.all.hop_limit=66 \
	net.ipv6.conf.nho1.hop_limit=66 || fail "TTL sysctls in $HO"
on_bridge "$LO" nhop3 10.216.0.3/24
on_bridge "$SI" nhop6 10.216.0.6/24
ns_silent "$SI"
ip netns exec "$LO" nft -f - <<'NFT' || fail "nft rule in $LO"
table inet lossy {
	chain in {
		type filter hook input priority 0;
		icmp type echo-request numgen inc mod 2 == 0 drop
	}
}
NFT
IN_SC="ip netns exec $SC"
# Warm the neighbour caches: the first probe must not wait for ARP.
$IN_SC "$NETHOST" sweep -q --timeout 300ms --retries 0 10.216.0.2 10.216.0.10 10.216.0.6 > /dev/null

# -C 4: the lossy host's first probe is the counter's 0th (dropped), so
# its columns are "- RTT - RTT"; the silent host's are all "-".
$IN_SC "$NETHOST" sweep -C 4 --timeout 200ms 10.216.0.2 10.216.0.10 10.216.0.3 10.216.0.6 > "$TMP/c1"
rc=$?
[ $rc = 1 ] || { cat "$TMP/c1" >&2; fail "-C: exit $rc, want 1 (a silent host)"; }
mask() { sed -E 's/ [0-9]+\.[0-9]+/ N/g' "$1"; }
mask "$TMP/c1" > "$TMP/c1.m"
cat > "$TMP/c1.want" <<'EOT'
10.216.0.2  : N N N N
10.216.0.10 : N N N N
10.216.0.3  : - N - N
10.216.0.6  : - - - -
EOT
head -4 "$TMP/c1.m" | diff "$TMP/c1.want" - >&2 || { cat "$TMP/c1" >&2; fail "-C columns"; }
grep -q '^--- 4 targets: 3 alive, 1 inactive (16 probes, 10 replies, 0 errors,' "$TMP/c1" ||
	{ cat "$TMP/c1" >&2; fail "-C totals"; }
# An RTT is printed like fping's: 3 decimals under 1 ms.
grep -Eq '^10\.216\.0\.2  : ([0-9]\.[0-9]{3}|[0-9]{1,2}\.[0-9]{1,2}) ' "$TMP/c1" || fail "-C: RTT precision"
ok "-C 4: per-probe columns, '-' for every other probe of the lossy host"

# fping -C on the same hosts prints the same columns (times masked). Its
# rule's counter went on from ours (4 requests to LO: even), so the
# lossy host starts with a drop again.
if command -v fping > /dev/null; then
	$IN_SC fping -q -C 4 -p 20 -t 200 10.216.0.2 10.216.0.10 10.216.0.3 10.216.0.6 2> "$TMP/f1"
	mask "$TMP/f1" | diff - "$TMP/c1.m" | grep '^[<>] [0-9]' >&2 &&
		{ cat "$TMP/f1" "$TMP/c1" >&2; fail "-C differs from fping -C"; }
	ok "-C columns the same as fping -C's"
else
	echo "SKIP (part): no fping to compare -C with" >&2
fi

# All answered at least once: exit 0 (fping's rule too).
$IN_SC "$NETHOST" sweep -C 2 --timeout 200ms 10.216.0.2 10.216.0.3 > "$TMP/c2"
rc=$?
[ $rc = 0 ] || { cat "$TMP/c2" >&2; fail "-C 2 lossy + up: exit $rc, want 0"; }
# -a / -u / -q choose the lines, as without -C.
$IN_SC "$NETHOST" sweep -C 1 -u --timeout 200ms 10.216.0.2 10.216.0.6 > "$TMP/c3"
[ "$(grep -c ' : ' "$TMP/c3")" = 1 ] && grep -q '^10.216.0.6 : -$' "$TMP/c3" || { cat "$TMP/c3" >&2; fail "-C -u"; }
$IN_SC "$NETHOST" sweep -C 1 -q --timeout 200ms 10.216.0.2 > "$TMP/c4"
[ "$(wc -l < "$TMP/c4")" = 1 ] && grep -q '^--- 1 targets: 1 alive' "$TMP/c4" || { cat "$TMP/c4" >&2; fail "-C -q"; }
ok "-C exit status; -u and -q"

# -x 2: the two answering hosts are enough; the silent one is not waited
# for (its timeout is 5 s).
t0=$(date +%s%N)
$IN_SC "$NETHOST" sweep -x 2 --timeout 5s --retries 0 10.216.0.6 10.216.0.2 10.216.0.10 > "$TMP/x1"
rc=$?
t1=$(date +%s%N)
[ $rc = 0 ] || { cat "$TMP/x1" >&2; fail "-x 2: exit $rc, want 0"; }
[ $(( (t1 - t0) / 1000000 )) -lt 2000 ] || fail "-x 2: took $(( (t1 - t0) / 1000000 )) ms: waited for the silent host"
grep -q '^Enough hosts reachable (required: 2, reachable: 2)$' "$TMP/x1" || { cat "$TMP/x1" >&2; fail "-x 2: verdict"; }
grep -q '^--- 3 targets: 2 alive, 0 inactive, 1 not waited for (3 probes,' "$TMP/x1" || { cat "$TMP/x1" >&2; fail "-x 2: totals"; }
grep -q 'is inactive' "$TMP/x1" && { cat "$TMP/x1" >&2; fail "-x 2: a host not waited for called inactive"; }
# -x 3: only 2 answer; every host waited for.
$IN_SC "$NETHOST" sweep -x 3 --timeout 200ms 10.216.0.6 10.216.0.2 10.216.0.10 > "$TMP/x2"
rc=$?
[ $rc = 1 ] || { cat "$TMP/x2" >&2; fail "-x 3: exit $rc, want 1"; }
grep -q '^Not enough hosts reachable (required: 3, reachable: 2)$' "$TMP/x2" && grep -q '^10.216.0.6 is inactive$' "$TMP/x2" &&
	grep -q '^--- 3 targets: 2 alive, 1 inactive (4 probes,' "$TMP/x2" || { cat "$TMP/x2" >&2; fail "-x 3: output"; }
# fping -x says the same.
if command -v fping > /dev/null; then
	$IN_SC fping -x 3 -t 200 -r 1 10.216.0.6 10.216.0.2 10.216.0.10 > "$TMP/f2" 2>&1
	frc=$?
	[ $frc = $rc ] && grep -qxF "$(cat "$TMP/f2")" "$TMP/x2" || { cat "$TMP/f2" "$TMP/x2" >&2; fail "-x 3: fping differs"; }
fi
ok "-x N: exit 0 as soon as N answered, 1 when fewer did (fping's verdict line)"

# --print-ttl: the answer's TTL (hop limit on IPv6) on each alive line,
# and in JSON's reply records.
$IN_SC "$NETHOST" sweep --print-ttl --timeout 300ms --retries 0 10.216.0.2 fd00:216::2 10.216.0.6 > "$TMP/t1"
grep -qx '10.216.0.2 is alive ([0-9.]* ms) (TTL 77)' "$TMP/t1" && grep -qx 'fd00:216::2 is alive ([0-9.]* ms) (TTL 66)' "$TMP/t1" &&
	grep -qx '10.216.0.6 is inactive' "$TMP/t1" || { cat "$TMP/t1" >&2; fail "--print-ttl lines"; }
$IN_SC "$NETHOST" sweep --timeout 300ms 10.216.0.2 > "$TMP/t2"
grep -q TTL "$TMP/t2" && { cat "$TMP/t2" >&2; fail "TTL printed without --print-ttl"; }
$IN_SC "$NETHOST" sweep --json --print-ttl --timeout 300ms 10.216.0.2 fd00:216::2 > "$TMP/t3"
python3 - "$TMP/t3" <<'PY' || fail "--print-ttl JSON: $(cat "$TMP/t3")"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert {r["host"]: r["ttl"] for r in recs if r["type"] == "reply"} == {"10.216.0.2": 77, "fd00:216::2": 66}
PY
ok "--print-ttl: TTL 77 and hop limit 66 as the host sent them"

# -o with --every: fping -c's summary per host at the end; a missed sweep
# is one interval (300 ms) of outage. LO misses every other sweep.
$IN_SC "$NETHOST" sweep -o --every 300ms --rounds 4 --timeout 100ms --retries 0 \
	10.216.0.2 10.216.0.3 10.216.0.6 > "$TMP/o1"
grep -Eqx '10.216.0.2 : xmt/rcv/%loss = 4/4/0%, outage\(ms\) = 0, min/avg/max = [0-9.]+/[0-9.]+/[0-9.]+' "$TMP/o1" &&
	grep -Eqx '10.216.0.3 : xmt/rcv/%loss = 4/2/50%, outage\(ms\) = 600, min/avg/max = [0-9.]+/[0-9.]+/[0-9.]+' "$TMP/o1" &&
	grep -qx '10.216.0.6 : xmt/rcv/%loss = 4/0/100%, outage(ms) = 1200' "$TMP/o1" ||
	{ cat "$TMP/o1" >&2; fail "-o summary"; }
$IN_SC "$NETHOST" sweep -o --json --every 300ms --rounds 4 --timeout 100ms --retries 0 \
	10.216.0.2 10.216.0.3 10.216.0.6 > "$TMP/o2"
python3 - "$TMP/o2" <<'PY' || fail "-o JSON: $(cat "$TMP/o2")"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
hosts = {r["host"]: r for r in recs if r["type"] == "host"}
assert [(hosts[h]["xmt"], hosts[h]["rcv"], hosts[h]["loss_percentage"], hosts[h]["outage_ms"])
        for h in ("10.216.0.2", "10.216.0.3", "10.216.0.6")] == [(4, 4, 0, 0), (4, 2, 50, 600), (4, 0, 100, 1200)]
assert hosts["10.216.0.2"]["min"] <= hosts["10.216.0.2"]["avg"] <= hosts["10.216.0.2"]["max"]
assert "min" not in hosts["10.216.0.6"]
PY
ok "-o: per-host outage (missed sweeps x interval) in the summary and JSON"

# -Q 0.5s with --every 200ms: a "[HH:MM:SS]" block every 0.5 s, a line
# per host over the sweeps since the last block (the counts restart).
$IN_SC "$NETHOST" sweep -Q 0.5s --every 200ms --rounds 6 --timeout 100ms --retries 0 \
	10.216.0.2 10.216.0.6 > "$TMP/q1"
python3 - "$TMP/q1" <<'PY' || { cat "$TMP/q1" >&2; fail "-Q summaries"; }
import re, sys
blocks, cur = [], None
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if re.fullmatch(r"\[\d\d:\d\d:\d\d\]", line):
        cur = {}
        blocks.append(cur)
        continue
    m = re.fullmatch(r"(\S+) : xmt/rcv/%loss = (\d+)/(\d+)/(\d+)%(, min/avg/max = [\d.]+/[\d.]+/[\d.]+)?", line)
    if m and cur is not None:
        cur[m[1]] = (int(m[2]), int(m[3]), int(m[4]), bool(m[5]))
assert len(blocks) >= 2, "fewer than 2 summaries"
for b in blocks:
    assert set(b) == {"10.216.0.2", "10.216.0.6"}, b
    up, down = b["10.216.0.2"], b["10.216.0.6"]
    assert up[0] == up[1] and up[2] == 0 and (up[3] or up[0] == 0), b
    assert down[1] == 0 and not down[3] and (down[2] == 100 or down[0] == 0), b
    assert up[0] < 6, "counts did not restart"
assert sum(b["10.216.0.2"][0] for b in blocks) <= 6
PY
ok "-Q: interval summaries every 0.5 s, counts restarting"

# --json: NDJSON, a record per reply and per timeout as they happen, a
# record per host, then the summary. LO answers 2 of 4 sweeps, SI none.
$IN_SC "$NETHOST" sweep --json --print-ttl --every 200ms --rounds 4 --timeout 100ms --retries 0 \
	10.216.0.2 10.216.0.3 10.216.0.6 > "$TMP/j1"
rc=$?
[ $rc = 1 ] || fail "--json: exit $rc, want 1 (SI inactive)"
python3 - "$TMP/j1" <<'PY' || fail "--json NDJSON: $(cat "$TMP/j1")"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
def of(t, h=None):
    return [r for r in recs if r["type"] == t and (h is None or r["host"] == h)]
assert [len(of("reply", h)) for h in ("10.216.0.2", "10.216.0.3", "10.216.0.6")] == [4, 2, 0]
assert [len(of("timeout", h)) for h in ("10.216.0.2", "10.216.0.3", "10.216.0.6")] == [0, 2, 4]
assert all(r["ttl"] == (77 if r["host"] == "10.216.0.2" else 64) and r["rtt_ms"] >= 0 and 1 <= r["round"] <= 4 for r in of("reply"))
assert sorted(r["round"] for r in of("timeout", "10.216.0.6")) == [1, 2, 3, 4]
assert {tuple(sorted(r)) for r in of("timeout")} == {("host", "round", "type")}
h = {r["host"]: r for r in of("host")}
assert (h["10.216.0.3"]["xmt"], h["10.216.0.3"]["rcv"], h["10.216.0.3"]["loss_percentage"]) == (4, 2, 50)
assert h["10.216.0.6"]["alive"] is False and "min" not in h["10.216.0.6"] and "outage_ms" not in h["10.216.0.6"]
assert len(of("change")) >= 2 and all(set(r["up"]) | set(r["down"]) <= {"10.216.0.3"} for r in of("change"))
s = recs[-1]
assert s["type"] == "summary" and len(of("summary")) == 1
assert (s["targets"], s["rounds"], s["probes"], s["replies"]) == (3, 4, 12, 6), s
assert recs.index(s) > max(recs.index(r) for r in of("host")) > max(recs.index(r) for r in of("reply"))
PY
ok "--json: NDJSON reply/timeout records, one per host, a final summary"

# Bad input: exit 2 naming the text.
"$NETHOST" sweep -C 0 10.216.0.2 2> "$TMP/e1"; rc=$?
[ $rc = 2 ] && grep -q -- "-C: '0'" "$TMP/e1" || { cat "$TMP/e1" >&2; fail "-C 0: exit $rc"; }
"$NETHOST" sweep -C 2x 10.216.0.2 2> "$TMP/e2"; rc=$?
[ $rc = 2 ] && grep -q -- "-C: '2x'" "$TMP/e2" || { cat "$TMP/e2" >&2; fail "-C 2x: exit $rc"; }
for bad in "--every 1s" "--retries 1" "--json"; do
	"$NETHOST" sweep -C 2 $bad 10.216.0.2 2> "$TMP/e3"; rc=$?
	[ $rc = 2 ] && grep -q -- "-C" "$TMP/e3" || { cat "$TMP/e3" >&2; fail "-C with $bad: exit $rc"; }
done
for bad in "-C 2" "--every 1s" "--json"; do
	"$NETHOST" sweep -x 1 $bad 10.216.0.2 2> "$TMP/e4"; rc=$?
	[ $rc = 2 ] && grep -q -- "-x goes with one sweep" "$TMP/e4" || { cat "$TMP/e4" >&2; fail "-x with $bad: exit $rc"; }
done
for bad in "-C 2" "-q"; do
	"$NETHOST" sweep --print-ttl $bad 10.216.0.2 2> "$TMP/e6"; rc=$?
	[ $rc = 2 ] && grep -q -- "--print-ttl adds to the alive lines" "$TMP/e6" || { cat "$TMP/e6" >&2; fail "--print-ttl $bad: exit $rc"; }
done
"$NETHOST" sweep -o 10.216.0.2 2> "$TMP/e7"; rc=$?
[ $rc = 2 ] && grep -q -- "-o sums the sweeps a host missed: it needs --every" "$TMP/e7" || { cat "$TMP/e7" >&2; fail "-o alone: exit $rc"; }
for bad in "" "--every 1s --json"; do
	"$NETHOST" sweep -Q 1 $bad 10.216.0.2 2> "$TMP/e8"; rc=$?
	[ $rc = 2 ] && grep -q -- "-Q prints text summaries" "$TMP/e8" || { cat "$TMP/e8" >&2; fail "-Q $bad: exit $rc"; }
done
"$NETHOST" sweep -Q 1x --every 1s 10.216.0.2 2> "$TMP/e9"; rc=$?
[ $rc = 2 ] && grep -q -- "-Q: '1x'" "$TMP/e9" || { cat "$TMP/e9" >&2; fail "-Q 1x: exit $rc"; }
"$NETHOST" sweep -x 0 10.216.0.2 2> "$TMP/e5"; rc=$?
[ $rc = 2 ] && grep -q -- "-x: '0'" "$TMP/e5" || { cat "$TMP/e5" >&2; fail "-x 0: exit $rc"; }
ok "-C, -x, --print-ttl, -o and -Q usage errors"
exit 0
