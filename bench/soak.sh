#!/bin/sh
# The soak of issue 8: 10,000 concurrent TCP clients echoing through a
# forwarder to echo6 (both in one host; NH_SOAK_VIA=echo6 for echo6 alone)
# on loopback for 60 s, every byte checked, host RSS and fds compared after
# the ramp-up and at the end (figures printed). Run from the build tree
# after `make`, as root (it raises `ulimit -n` to what it needs).
#   bench/soak.sh             # 10,000 clients to echo6, then 5,000 through
#                             # forward to echo6, 60 s each
#   NH_SOAK_SECONDS=120 NH_SOAK_CONNS=5000 NH_SOAK_VIA=forward bench/soak.sh
# Through the forwarder a client costs the host 3 sockets: with the 20,000
# fd hard limit of the project's machines, 5,000 clients is what fits.
# make check runs the same test shorter (tests/hardening/test_soak.sh:
# 10 s, 2,000 clients).
top=$(cd "$(dirname "$0")/.." && pwd)
: "${top_srcdir:=$top}" "${top_builddir:=$top}"
NH_SOAK_SECONDS=${NH_SOAK_SECONDS:-60}
export top_srcdir top_builddir NH_SOAK_SECONDS
if [ -n "${NH_SOAK_VIA:-}" ]; then
	export NH_SOAK_VIA NH_SOAK_CONNS="${NH_SOAK_CONNS:-10000}"
	exec sh "$top_srcdir/tests/hardening/test_soak.sh"
fi
NH_SOAK_VIA=echo6 NH_SOAK_CONNS=${NH_SOAK_CONNS:-10000} sh "$top_srcdir/tests/hardening/test_soak.sh" || exit
NH_SOAK_VIA=forward NH_SOAK_CONNS=${NH_SOAK_CONNS:-5000} exec sh "$top_srcdir/tests/hardening/test_soak.sh"
