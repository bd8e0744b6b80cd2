# Network namespaces for the icmp tests. Source after tests/lib.sh.
# Every namespace made here is deleted at exit.

# A name unique to this test run: nh-<tag>-<pid>.
ns_name() { echo "nh-$1-$$"; }

# Make namespace $1 with lo up; removed at exit.
ns_add() {
	ip netns add "$1" || fail "ip netns add $1"
	at_exit "ip netns del $1 2>/dev/null"
	ip -n "$1" link set lo up || fail "lo up in $1"
}

# Connect namespaces $1 and $2 with a veth pair named $3 (in $1) and $4 (in $2).
ns_link() {
	ip link add "$3" netns "$1" type veth peer name "$4" netns "$2" || fail "veth $3/$4"
	ip -n "$1" link set "$3" up
	ip -n "$2" link set "$4" up
}

# Two new namespaces $1 and $2 joined by veth $3 (in $1) and $4 (in $2),
# with IPv4 addresses $5 on $3 and $6 on $4 (prefix included).
ns_pair() {
	ns_add "$1"
	ns_add "$2"
	ns_link "$1" "$2" "$3" "$4"
	ip -n "$1" addr add "$5" dev "$3" || fail "address $5"
	ip -n "$2" addr add "$6" dev "$4" || fail "address $6"
}

# Every address a test probes is held by a host in a namespace made here
# (see tests/hardening/README.md): "no answer" is a silent host, never an address
# that nobody holds.

# Make bridge $2 in namespace $1 and bring it up; it goes with the
# namespace. No multicast snooping: without an MLD querier on the bridge,
# neighbour solicitations must still reach every port.
ns_bridge() {
	ip -n "$1" link add "$2" type bridge mcast_snooping 0 || fail "bridge $2 in $1"
	ip -n "$1" link set "$2" up
}

# Plug namespace $3 into bridge $2 of namespace $1 with a veth pair named
# $4 (the bridge port, in $1) and $5 (in $3).
ns_plug() {
	ns_link "$1" "$3" "$4" "$5"
	ip -n "$1" link set "$4" master "$2" || fail "$4 into bridge $2"
}

# Make namespace $1 ignore echo requests, IPv4 and IPv6 ($2 = off: answer
# them again). It still holds its addresses: it answers ARP and neighbour
# solicitations, TCP and everything else.
ns_silent() {
	local v=1
	[ "${2:-on}" = off ] && v=0
	ip netns exec "$1" sysctl -qw net.ipv4.icmp_echo_ignore_all=$v net.ipv6.icmp.echo_ignore_all=$v ||
		fail "echo_ignore_all=$v in $1"
}

# The user the unprivileged tests run as, when it can read the build tree.
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
nobody_can_run() {
	command -v setpriv >/dev/null 2>&1 || return 1
	$NOBODY sh -c "test -x '$NETHOST' && test -r '$top_builddir/plugins/icmp/icmp.la'" 2>/dev/null
}
