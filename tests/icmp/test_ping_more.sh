#!/bin/sh
# nethost ping -A (adaptive) and -f (flood) on 127.0.0.1: output against
# iputils' own ping for the same options (times masked; -f byte for byte),
# -A far faster than one probe a second, and -f refused to a user as
# iputils refuses it.
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

# same_as_iputils ARGS...: both pings with ARGS, the same masked stdout
# (compared as bytes: -f's dots and backspaces), stderr and exit status.
same_as_iputils() {
	ping "$@" > "$TMP/iputils.out" 2> "$TMP/iputils.err"
	local want=$?
	"$NETHOST" ping "$@" > "$TMP/nethost.out" 2> "$TMP/nethost.err"
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
"$NETHOST" ping -A -c 20 127.0.0.1 > "$TMP/adaptive.out" || fail "-A -c 20: exit $?"
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
