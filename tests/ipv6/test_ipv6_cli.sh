#!/bin/sh
# nethost ipv6 in a namespace of our own, with veth pairs and known
# addresses: exact text, JSON, the tentative and deprecated flags,
# disable_ipv6 per interface and for all; `ipv6 prefix` exit codes.
. "$top_srcdir/tests/lib.sh"
need_root
need_cmd ip iproute2
need_cmd python3 python3

NS=nh-ipv6-$$
ip netns add "$NS" || fail "ip netns add $NS"
at_exit "ip netns del $NS"
in_ns() { ip netns exec "$NS" "$@"; }

# No random link-local addresses: exact output needs known ones only.
in_ns sysctl -qw net.ipv6.conf.default.addr_gen_mode=1 || fail "addr_gen_mode"
ip -n "$NS" link set lo up
ip -n "$NS" link add v6a type veth peer name v6b
ip -n "$NS" link add v6c type veth peer name v6d
in_ns sysctl -qw net.ipv6.conf.v6b.disable_ipv6=1
ip -n "$NS" link set v6a up
ip -n "$NS" link set v6b up
ip -n "$NS" link set v6c up  # v6d stays down: v6c has no carrier
ip -n "$NS" addr add 2001:db8:1::1/64 dev v6a nodad
ip -n "$NS" addr add fd00:1::1/48 dev v6a nodad
ip -n "$NS" addr add fe80::1/64 dev v6a nodad
ip -n "$NS" addr add 2001:db8:2::1/64 dev v6a nodad preferred_lft 0 valid_lft 3600
ip -n "$NS" addr add 10.7.0.1/24 dev v6a
# Without nodad and without carrier, DAD never runs: tentative for good.
ip -n "$NS" addr add 2001:db8:3::1/64 dev v6c

in_ns "$NETHOST" ipv6 > "$TMP/out" 2> "$TMP/err"
rc=$?
cat > "$TMP/want" <<'WANT'
ipv6: usable
kernel: yes
socket: yes
disable_ipv6: all=0 default=0
global addresses: 3
lo: enabled
    ::1/128 network ::1/128 scope host permanent
v6b: disabled
v6a: enabled
    2001:db8:2::1/64 network 2001:db8:2::/64 scope global nodad deprecated
    fd00:1::1/48 network fd00:1::/48 scope ula nodad permanent
    2001:db8:1::1/64 network 2001:db8:1::/64 scope global nodad permanent
    fe80::1/64 network fe80::/64 scope link nodad permanent
v6d: enabled
v6c: enabled
    2001:db8:3::1/64 network 2001:db8:3::/64 scope global tentative permanent
WANT
[ $rc = 0 ] || fail "ipv6 exited $rc: $(cat "$TMP/err")"
diff -u "$TMP/want" "$TMP/out" || fail "ipv6 text output differs"
[ -s "$TMP/err" ] && fail "ipv6 wrote to stderr: $(cat "$TMP/err")"
ok "ipv6: exact text output"

# JSON: the same facts, and every address the oracle (ip -j) lists.
in_ns "$NETHOST" ipv6 --json > "$TMP/json" || fail "ipv6 --json failed"
in_ns ip -j -6 addr show > "$TMP/oracle" || fail "ip -j -6 addr show"
python3 - "$TMP/json" "$TMP/oracle" <<'PY' || fail "ipv6 --json differs from ip -j -6 addr"
import json, sys
got = json.load(open(sys.argv[1]))
oracle = json.load(open(sys.argv[2]))
assert got["usable"] is True and got["kernel"] is True and got["socket"] is True, got
assert got["all_disable_ipv6"] is False and got["global_addresses"] == 3, got
ifs = {i["ifname"]: i for i in got["interfaces"]}
assert ifs["v6b"]["disable_ipv6"] is True and ifs["v6a"]["disable_ipv6"] is False
for link in oracle:
    mine = {(a["address"], a["prefixlen"]): a for a in ifs[link["ifname"]]["addresses"]}
    theirs = [a for a in link["addr_info"] if a["family"] == "inet6"]
    assert len(mine) == len(theirs), (link["ifname"], mine, theirs)
    for a in theirs:
        m = mine[(a["local"], a["prefixlen"])]
        for flag in ("tentative", "deprecated", "nodad"):
            assert (flag in m["flags"]) == bool(a.get(flag)), (flag, m, a)
        assert ("permanent" in m["flags"]) != bool(a.get("dynamic")), (m, a)
dep = {a["address"]: a for a in ifs["v6a"]["addresses"]}["2001:db8:2::1"]
assert dep == {"address": "2001:db8:2::1", "prefixlen": 64, "network": "2001:db8:2::/64",
               "scope": "global", "flags": ["nodad", "deprecated"]}, dep
PY
ok "ipv6 --json agrees with ip -j -6 addr show"

# IPv6 off everywhere: not usable, exit 1.
in_ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1
in_ns "$NETHOST" ipv6 > "$TMP/out"
rc=$?
[ $rc = 1 ] || fail "ipv6 with all.disable_ipv6=1 exited $rc, want 1"
head -1 "$TMP/out" | grep -qx 'ipv6: not usable' || fail "want 'ipv6: not usable', got: $(head -1 "$TMP/out")"
grep -qx 'disable_ipv6: all=1 default=1' "$TMP/out" || fail "all=1 not reported"
grep -qx 'lo: disabled' "$TMP/out" || fail "lo not reported disabled"
ok "ipv6: all.disable_ipv6=1 gives 'not usable', exit 1"

# prefix: text, JSON, bad inputs quoted back with exit 2.
"$NETHOST" ipv6 prefix 2001:db8::1/64 > "$TMP/out" || fail "ipv6 prefix exited $?"
cat > "$TMP/want" <<'WANT'
address:   2001:db8::1
prefixlen: 64
network:   2001:db8::/64
first:     2001:db8::
last:      2001:db8::ffff:ffff:ffff:ffff
type:      documentation
WANT
diff -u "$TMP/want" "$TMP/out" || fail "ipv6 prefix text differs"
ok "ipv6 prefix: exact text"

"$NETHOST" ipv6 prefix --json ::ffff:192.0.2.1/120 'nope/64' 192.0.2.1/33 10.1.2.3/8 \
	> "$TMP/out" 2> "$TMP/err"
rc=$?
[ $rc = 2 ] || fail "ipv6 prefix with bad inputs exited $rc, want 2"
grep -qF "'nope/64': 'nope' is not an IPv6 or IPv4 address" "$TMP/err" || fail "bad input not quoted: $(cat "$TMP/err")"
grep -qF "'192.0.2.1/33': prefix length '33' is not 0-32" "$TMP/err" || fail "bad length not quoted: $(cat "$TMP/err")"
python3 - "$TMP/out" <<'PY' || fail "ipv6 prefix --json is wrong: $(cat "$TMP/out")"
import json, sys
r = json.load(open(sys.argv[1]))
assert len(r) == 4, r
assert r[0] == {"input": "::ffff:192.0.2.1/120", "family": "inet6", "address": "::ffff:192.0.2.1",
                "prefixlen": 120, "network": "::ffff:192.0.2.0/120", "first": "::ffff:192.0.2.0",
                "last": "::ffff:192.0.2.255", "type": "ipv4-mapped", "ipv4": "192.0.2.1"}, r[0]
assert r[1]["input"] == "nope/64" and "error" in r[1], r[1]
assert r[2]["input"] == "192.0.2.1/33" and "error" in r[2], r[2]
assert r[3]["network"] == "10.0.0.0/8" and r[3]["netmask"] == "255.0.0.0", r[3]
assert r[3]["last"] == "10.255.255.255" and r[3]["type"] == "private", r[3]
PY
ok "ipv6 prefix --json: results and errors side by side, exit 2"

"$NETHOST" ipv6 prefix > /dev/null 2> "$TMP/err"
[ $? = 2 ] || fail "ipv6 prefix without arguments should exit 2"
grep -q 'missing ADDR' "$TMP/err" || fail "no usage error: $(cat "$TMP/err")"
"$NETHOST" ipv6 bogus > /dev/null 2> "$TMP/err"
[ $? = 2 ] || fail "ipv6 bogus should exit 2"
grep -qF "unknown subcommand 'bogus'" "$TMP/err" || fail "bogus not quoted: $(cat "$TMP/err")"
"$NETHOST" ipv6 --help | grep -q 'ipv6 prefix' || fail "--help lacks the prefix usage"
ok "ipv6: usage errors exit 2 and quote the input"
