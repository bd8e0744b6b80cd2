#!/bin/sh
# [ifaces NAME] watches rtnetlink: in a namespace of our own, the service
# logs link down/up (admin and carrier), addresses added and removed, an
# IPv6 address leaving the tentative state, interfaces added and removed;
# the interface filter holds; no fd leaks; clean stop. Config errors are
# reported as file:line.
. "$top_srcdir/tests/lib.sh"
need_root
need_cmd ip iproute2

NS=nh-ifaces-watch-$$
ip netns add "$NS" || fail "ip netns add $NS"
at_exit "ip netns del $NS"
ip -n "$NS" link set lo up
ip -n "$NS" link add wa type veth peer name wb
ip -n "$NS" link add wc type veth peer name wd
ip -n "$NS" link set wa up
ip -n "$NS" link set wb up
ip -n "$NS" link set wc up  # wd stays down: wc has no carrier

cat > "$TMP/watch.ini" <<'INI'
[ifaces all]

[ifaces only]
interface = wc
addresses = no
INI
NETHOST_WRAPPER="ip netns exec $NS"
start_host "$TMP/watch.ini"
wait_for_log "$TMP/host.log" 10 "ifaces/all: watching all interfaces" || fail "no start line"
wait_for_log "$TMP/host.log" 10 "ifaces/only: watching the listed interfaces" || fail "no start line (only)"
fds=$(fd_count "$HOST_PID")

expect() { # PATTERN (a grep regex), waited for up to 10 s
	wait_for_log "$TMP/host.log" 10 "$1" || fail "not logged: $1"
}

# The peer goes down: wb is down, wa loses its carrier.
ip -n "$NS" link set wb down
expect "ifaces/all: wb: link down"
expect "ifaces/all: wa: .*carrier lost"
expect "ifaces/all: wa: .*operstate UP -> LOWERLAYERDOWN"
ip -n "$NS" link set wb up
expect "ifaces/all: wb: link up"
expect "ifaces/all: wa: .*carrier on"
expect "ifaces/all: wa: .*operstate LOWERLAYERDOWN -> UP"
ok "watch: link down/up and carrier loss seen on both ends"

ip -n "$NS" addr add 10.8.0.5/24 dev wa
ip -n "$NS" addr add 2001:db8:8::5/64 dev wa nodad
expect "ifaces/all: wa: address 10.8.0.5/24 added (scope global)"
expect "ifaces/all: wa: address 2001:db8:8::5/64 added (scope global)"
ip -n "$NS" addr del 10.8.0.5/24 dev wa
ip -n "$NS" addr del 2001:db8:8::5/64 dev wa
expect "ifaces/all: wa: address 10.8.0.5/24 removed"
expect "ifaces/all: wa: address 2001:db8:8::5/64 removed"
ok "watch: IPv4 and IPv6 addresses added and removed"

# Without carrier DAD cannot run: tentative until the peer comes up.
ip -n "$NS" addr add 2001:db8:7::1/64 dev wc
expect "ifaces/all: wc: address 2001:db8:7::1/64 added (scope global, tentative)"
ip -n "$NS" link set wd up
expect "ifaces/only: wc: .*carrier on"
expect "ifaces/all: wc: address 2001:db8:7::1/64 no longer tentative"
ok "watch: an IPv6 address leaves the tentative state when DAD completes"

ip -n "$NS" link add we type veth peer name wf
expect "ifaces/all: we: interface added (index [0-9]*, down, operstate DOWN)"
ip -n "$NS" link set we mtu 1280
expect "ifaces/all: we: mtu 1500 -> 1280"
ip -n "$NS" link del we
expect "ifaces/all: we: interface removed"
expect "ifaces/all: wf: interface removed"
ok "watch: interfaces added, changed and removed"

# A port leaving a bridge gets an AF_BRIDGE RTM_DELLINK: not a removal.
if ip -n "$NS" link add wbr type bridge 2>/dev/null; then
	expect "ifaces/all: wbr: interface added"
	ip -n "$NS" link set wa master wbr
	ip -n "$NS" link set wa nomaster
	ip -n "$NS" link del wbr
	expect "ifaces/all: wbr: interface removed"
	grep -q "ifaces/all: wa: interface \(removed\|added\)" "$TMP/host.log" \
		&& fail "a bridge port leaving was logged as the interface going away"
	ok "watch: bridge port messages are not link removals"
else
	echo "# no bridge driver: bridge port case not run"
fi

# The filtered instance logged wc (and only wc), and no addresses.
grep "ifaces/only:" "$TMP/host.log" | grep -v "ifaces/only: \(watching\|started\|wc: \)" \
	&& fail "ifaces/only logged something else than wc"
grep -q "ifaces/only: [a-z]*: address" "$TMP/host.log" && fail "ifaces/only logged addresses"
ok "watch: interface = wc and addresses = no are honoured"

kill -USR1 "$HOST_PID"
expect "ifaces/all: interfaces=5 addresses=[0-9]* link_events=[0-9]* address_events=[0-9]* resyncs=0"
[ "$(fd_count "$HOST_PID")" = "$fds" ] || fail "fd count went from $fds to $(fd_count "$HOST_PID")"
stop_host
ok "watch: counters on SIGUSR1, no fd leak, clean stop"

# Bad configuration: every problem, as file:line, exit 2.
cat > "$TMP/bad.ini" <<'INI'
[ifaces bad]
family = ipv5
interface = eth0, this-name-is-far-too-long
links = perhaps
INI
"$NETHOST" -t -c "$TMP/bad.ini" > "$TMP/out" 2>&1
rc=$?
[ $rc = 2 ] || fail "-t on a bad config exited $rc, want 2"
grep -q "bad.ini:2: \[ifaces bad\] family: 'ipv5' is not any, ipv4 or ipv6" "$TMP/out" || fail "family: $(cat "$TMP/out")"
grep -q "bad.ini:3: \[ifaces bad\] interface: 'this-name-is-far-too-long' is longer than 15" "$TMP/out" \
	|| fail "interface: $(cat "$TMP/out")"
grep -q "bad.ini:4: \[ifaces bad\] links" "$TMP/out" || fail "links: $(cat "$TMP/out")"
printf '[ifaces none]\nlinks = no\naddresses = no\n' > "$TMP/none.ini"
"$NETHOST" -t -c "$TMP/none.ini" > "$TMP/out" 2>&1
[ $? = 2 ] || fail "-t with nothing to watch should exit 2"
grep -q "nothing to watch" "$TMP/out" || fail "nothing to watch: $(cat "$TMP/out")"
ok "watch: config problems reported as file:line, exit 2"
