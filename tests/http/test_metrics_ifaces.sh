#!/bin/sh
# nethost_ifaces_events_total{kind} of a running [ifaces] instance, in a
# namespace of our own: each change made moves exactly its kinds.
. "$top_srcdir/tests/lib.sh"
need_root
need_cmd ip iproute2

NS=nh-metrics-ifaces-$$
ip netns add "$NS" || fail "ip netns add $NS"
at_exit "ip netns del $NS"
ip -n "$NS" link set lo up
ip -n "$NS" link add wa type veth peer name wb
ip -n "$NS" link set wa up
ip -n "$NS" link set wb up

MPORT=$(free_port)
cat > "$TMP/ifaces.ini" <<INI
[http m]
listen = 127.0.0.1:$MPORT

; IPv4 addresses only: the kernel's own IPv6 link-local ones stay out.
[ifaces all]
family = ipv4
INI
NETHOST_WRAPPER="ip netns exec $NS"
start_host "$TMP/ifaces.ini"

PY=$(python3 -c 'import sys; print(sys.executable)')
scrape() {
	ip netns exec "$NS" "$PY" -c '
import sys, urllib.request
sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())
' "http://127.0.0.1:$MPORT/metrics" > "$TMP/metrics" || fail "scrape failed"
}
value() {
	awk -v s="nethost_ifaces_events_total{plugin=\"ifaces\",instance=\"all\",kind=\"$1\"} " \
		'index($0, s) == 1 { print $2 }' "$TMP/metrics"
}
# expect "kind=N ..." (the others unchanged), waiting up to 5 s for the
# events to arrive.
KINDS="link_added link_removed link_up link_down carrier_on carrier_lost address_added address_removed resync"
for k in $KINDS; do eval "want_$k=0"; done
expect() {
	for kv in "$@"; do eval "want_${kv%%=*}=\$((want_${kv%%=*} + ${kv#*=}))"; done
	local i=0 bad
	while :; do
		scrape
		bad=
		for k in $KINDS; do
			eval "w=\$want_$k"
			[ "$(value "$k")" = "$w" ] || bad="$bad $k=$(value "$k") (want $w)"
		done
		[ -z "$bad" ] && return 0
		[ $i -ge 100 ] && fail "after '$*':$bad"
		sleep 0.05; i=$((i + 1))
	done
}

expect
ok "every kind present at 0 before any change"
ip -n "$NS" link set wb down
expect link_down=1 carrier_lost=2
wait_for_log "$TMP/host.log" 5 "wa: .*carrier lost" || fail "no log line"
ip -n "$NS" link set wb up
expect link_up=1 carrier_on=2
ok "link down/up on one end: link_down, link_up 1 each; carrier on both ends"
ip -n "$NS" addr add 10.9.0.1/24 dev wa
ip -n "$NS" addr add 2001:db8:9::1/64 dev wa nodad
expect address_added=1
ip -n "$NS" addr del 10.9.0.1/24 dev wa
expect address_removed=1
ok "an IPv4 address added and removed (the IPv6 one filtered out by family)"
ip -n "$NS" link add wx type veth peer name wy
expect link_added=2
ip -n "$NS" link del wx
expect link_removed=2
ok "a veth pair added and removed: 2 link_added, 2 link_removed"
stop_host
