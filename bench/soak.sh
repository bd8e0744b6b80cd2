#!/bin/sh
# The soak of issue 8: 10,000 concurrent TCP clients echoing through
# echo6 on loopback for 60 s, every byte checked, host RSS and fds
# compared after the ramp-up and at the end (figures printed). Run from
# the build tree after `make`, as root (it raises `ulimit -n` to 30000):
#   bench/soak.sh                       # 60 s, 10,000 clients
#   NH_SOAK_SECONDS=120 NH_SOAK_CONNS=5000 bench/soak.sh
# make check runs the same test shorter (tests/hardening/test_soak.sh:
# 10 s, 2,000 clients).
top=$(cd "$(dirname "$0")/.." && pwd)
: "${top_srcdir:=$top}" "${top_builddir:=$top}"
NH_SOAK_SECONDS=${NH_SOAK_SECONDS:-60}
NH_SOAK_CONNS=${NH_SOAK_CONNS:-10000}
export top_srcdir top_builddir NH_SOAK_SECONDS NH_SOAK_CONNS
exec sh "$top_srcdir/tests/hardening/test_soak.sh"
