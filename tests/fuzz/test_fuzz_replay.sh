#!/bin/sh
# Replay every fuzz corpus (seeds and past crashes) through its target,
# built with the normal compiler: a regression test for each crash found.
. "$top_srcdir/tests/lib.sh"
for t in config addr rtnl icmp proxy http; do
	out=$("$top_builddir/tests/fuzz/replay_$t" "$top_srcdir/tests/fuzz/corpus/$t" 2>&1) || fail "$t: $out"
	ok "$t: $out"
done
exit 0
