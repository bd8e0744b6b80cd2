#!/bin/sh
# nethost ifaces in a namespace of our own, veth pairs with known hardware
# and IP addresses: exact `list` output, `ip` and `status` with their exit
# codes (a veth whose peer is down is UP without carrier), usage errors.
. "$top_srcdir/tests/lib.sh"
need_root
need_cmd ip iproute2
need_cmd python3 python3

NS=nh-ifaces-$$
ip netns add "$NS" || fail "ip netns add $NS"
at_exit "ip netns del $NS"
in_ns() { ip netns exec "$NS" "$@"; }
nh() { ip netns exec "$NS" "$NETHOST" "$@"; }

in_ns sysctl -qw net.ipv6.conf.default.addr_gen_mode=1 || fail "addr_gen_mode"
ip -n "$NS" link set lo up
ip -n "$NS" link add ifa type veth peer name ifb
ip -n "$NS" link add ifc type veth peer name ifd
for i in a b c d; do ip -n "$NS" link set if$i address 02:00:00:00:00:0$i; done
ip -n "$NS" link set ifa mtu 1400
ip -n "$NS" link set ifa up
ip -n "$NS" link set ifb up
ip -n "$NS" link set ifc up  # ifd stays down: ifc is UP without carrier
ip -n "$NS" addr add 10.9.0.1/24 brd + dev ifa
ip -n "$NS" addr add 10.9.1.1/16 dev ifa label ifa:1
ip -n "$NS" addr add 2001:db8:9::1/64 dev ifa nodad
ip -n "$NS" addr add fe80::a/64 dev ifa nodad
ip -n "$NS" addr add 10.9.2.1 peer 10.9.2.2/32 dev ifc
ip -n "$NS" addr add 2001:db8:a::1/64 dev ifc  # no carrier: stays tentative

nh ifaces > "$TMP/out" 2> "$TMP/err" || fail "ifaces exited $?: $(cat "$TMP/err")"
cat > "$TMP/want" <<'WANT'
1: lo: <LOOPBACK,UP,RUNNING,LOWER_UP> mtu 65536 state UNKNOWN
    link/loopback 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host permanent
    inet6 ::1/128 scope host permanent
2: ifb: <BROADCAST,MULTICAST,UP,RUNNING,LOWER_UP> mtu 1500 state UP
    link/ether 02:00:00:00:00:0b
3: ifa: <BROADCAST,MULTICAST,UP,RUNNING,LOWER_UP> mtu 1400 state UP
    link/ether 02:00:00:00:00:0a
    inet 10.9.0.1/24 brd 10.9.0.255 scope global permanent
    inet 10.9.1.1/16 scope global label ifa:1 permanent
    inet6 2001:db8:9::1/64 scope global nodad permanent
    inet6 fe80::a/64 scope link nodad permanent
4: ifd: <BROADCAST,MULTICAST> mtu 1500 state DOWN
    link/ether 02:00:00:00:00:0d
5: ifc: <BROADCAST,MULTICAST,UP> mtu 1500 state LOWERLAYERDOWN
    link/ether 02:00:00:00:00:0c
    inet 10.9.2.1/32 peer 10.9.2.2 scope global permanent
    inet6 2001:db8:a::1/64 scope global tentative permanent
WANT
diff -u "$TMP/want" "$TMP/out" || fail "ifaces list output differs"
[ -s "$TMP/err" ] && fail "ifaces wrote to stderr: $(cat "$TMP/err")"
nh ifaces list -6 | grep -c inet > "$TMP/n"
[ "$(cat "$TMP/n")" = 4 ] || fail "ifaces -6 shows $(cat "$TMP/n") addresses, want 4"
nh ifaces -4 | grep -q inet6 && fail "ifaces -4 shows IPv6 addresses"
ok "ifaces: exact list output, -4/-6 filter"

# status: 0 up and running, 1 not, 2 no such interface.
check_status() { # IFNAME RC LINE
	nh ifaces status "$1" > "$TMP/out" 2> "$TMP/err"
	rc=$?
	[ $rc = "$2" ] || fail "status $1 exited $rc, want $2 ($(cat "$TMP/out" "$TMP/err"))"
	[ "$(cat "$TMP/out")" = "$3" ] || fail "status $1 printed '$(cat "$TMP/out")', want '$3'"
}
check_status ifa 0 "ifa: up, running, carrier, operstate UP"
check_status ifc 1 "ifc: up, not running, no carrier, operstate LOWERLAYERDOWN"
check_status ifd 1 "ifd: down, not running, no carrier, operstate DOWN"
check_status lo 0 "lo: up, running, carrier, operstate UNKNOWN"
check_status nope 2 ""
grep -qF "no interface 'nope'" "$TMP/err" || fail "missing interface not quoted: $(cat "$TMP/err")"
nh ifaces status --json ifc > "$TMP/out"
[ $? = 1 ] || fail "status --json ifc should exit 1"
python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s == {"ifindex": 5, "ifname": "ifc", "up": True, "running": False, "carrier": False,
             "operstate": "LOWERLAYERDOWN", "usable": False}, s
' "$TMP/out" || fail "status --json ifc: $(cat "$TMP/out")"
# The peer comes up: carrier, running, exit 0.
ip -n "$NS" link set ifd up
i=0
until nh ifaces status ifc > "$TMP/out"; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "ifc never became usable: $(cat "$TMP/out")"; sleep 0.05
done
[ "$(cat "$TMP/out")" = "ifc: up, running, carrier, operstate UP" ] || fail "ifc: $(cat "$TMP/out")"
ok "ifaces status: exit 0/1/2, UP without carrier is not usable"

# ip: one address a line, -4/-6, --bare; 1 when none, 2 when no interface.
nh ifaces ip ifa > "$TMP/out" || fail "ifaces ip ifa exited $?"
printf '10.9.0.1/24\n10.9.1.1/16\n2001:db8:9::1/64\nfe80::a/64\n' | diff -u - "$TMP/out" || fail "ifaces ip ifa"
nh ifaces ip -4 --bare ifa > "$TMP/out" || fail "ifaces ip -4 --bare ifa exited $?"
printf '10.9.0.1\n10.9.1.1\n' | diff -u - "$TMP/out" || fail "ifaces ip -4 --bare ifa"
nh ifaces ip -6 ifc > "$TMP/out" || fail "ifaces ip -6 ifc exited $?"
printf '2001:db8:a::1/64\n' | diff -u - "$TMP/out" || fail "ifaces ip -6 ifc"
nh ifaces ip ifb > "$TMP/out"
rc=$?
[ $rc = 1 ] && [ ! -s "$TMP/out" ] || fail "ifaces ip ifb (no address) exited $rc, want 1 and no output"
nh ifaces ip nope 2> "$TMP/err"
[ $? = 2 ] || fail "ifaces ip nope should exit 2"
nh ifaces ip --json ifc > "$TMP/out" || fail "ifaces ip --json ifc"
python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))
assert [(x["family"], x["local"], x["prefixlen"]) for x in a] == [
    ("inet", "10.9.2.1", 32), ("inet6", "2001:db8:a::1", 64)], a
assert a[0]["peer"] == "10.9.2.2", a
' "$TMP/out" || fail "ifaces ip --json ifc: $(cat "$TMP/out")"
ok "ifaces ip: addresses one a line, exit 1 when none, 2 when no interface"

# Usage errors: exit 2, the bad text quoted.
usage() { # WANT-TEXT ARGS...
	want=$1; shift
	nh ifaces "$@" > /dev/null 2> "$TMP/err"
	rc=$?
	[ $rc = 2 ] || fail "ifaces $* exited $rc, want 2"
	grep -qF -- "$want" "$TMP/err" || fail "ifaces $*: want '$want' in: $(cat "$TMP/err")"
}
usage "unknown subcommand 'bogus'" bogus
usage "status: missing IFNAME" status
usage "'a-name-that-is-too-long' is not an interface name" status a-name-that-is-too-long
usage "unexpected argument 'ifb'" status ifa ifb
usage "--bare only applies to 'ip'" status --bare ifa
usage "unknown option" --frobnicate
nh ifaces --help | grep -q 'ifaces status IFNAME' || fail "--help lacks the status usage"
ok "ifaces: usage errors exit 2 and quote the input"
