#!/bin/bash
# bench/forward_tls.sh: the TLS part of bench/forward.sh (which runs it at
# its end; PARTS without tls skips it there). nethost forward next to HAProxy
# (`bind ... ssl crt`, `server ... ssl`) and socat (OPENSSL-LISTEN, OPENSSL)
# on the same certificate (ECDSA P-256) and key exchange (X25519), in one
# run on loopback. Figures, medians of RUNS:
#   term Gbit/s   one TLS client stream into the relay, plaintext sink behind
#   hs/s          new TLS handshakes a client CPU second (openssl s_time -new)
#   RSS           resident memory with 1,000 idle TLS client connections
#   orig Gbit/s   one plaintext stream into the relay, TLS to the sink
# "direct" is the client against a TLS sink with no relay: the ceiling,
# and the check that the client is not what limits the others.
#   bench/forward_tls.sh        (RUNS=3 DUR=5 by default)
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
NETHOST=${NETHOST:-$top/host/nethost}
RUNS=${RUNS:-3}
DUR=${DUR:-5}
HOLD=${HOLD:-1000}
BASE=${TLS_PORT:-25240} # and the 12 ports after it

for tool in socat haproxy openssl cc ss; do
	command -v $tool >/dev/null || { echo "bench: needs $tool" >&2; exit 2; }
done
[ -x "$NETHOST" ] || { echo "bench: no $NETHOST (build first)" >&2; exit 2; }
ulimit -n 20000 2>/dev/null || ulimit -n 8192 || true

TMP=$(mktemp -d /tmp/bench-forward-tls.XXXXXX)
PIDS=
cleanup() {
	for p in $PIDS $(ss -Htanp "sport >= :$BASE and sport <= :$((BASE + 12))" |
		grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT
bg() { "$@" & PIDS="$PIDS $!"; }

cc -O2 -pthread -o "$TMP/tl" "$top/bench/tls_load.c" $(pkg-config --cflags --libs openssl) || exit 2
sh "$top/tests/forward/mkcerts.sh" "$TMP/c" || exit 2
C=$TMP/c
cat "$C/srv.pem" "$C/srv.key" >"$C/srv.both"

wait_port() {
	for _ in $(seq 200); do
		ss -Htln "sport = :$1" | grep -q . && return 0
		sleep 0.05
	done
	echo "bench: nothing listens on $1" >&2
	return 1
}
port_rss() {
	local kb=0 r
	for p in $(ss -Htanp "sport = :$1" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
		r=$(awk '/^VmRSS/ {print $2}' /proc/$p/status 2>/dev/null)
		kb=$((kb + ${r:-0}))
	done
	echo $kb
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

SINK=$BASE; TSINK=$((BASE + 1))
bg "$TMP/tl" sink $SINK >/dev/null
bg "$TMP/tl" tlssink $TSINK "$C/srv.pem" "$C/srv.key" >/dev/null
wait_port $SINK && wait_port $TSINK || exit 1

# term NAME PORT: TLS from clients on PORT to the plain sink.
term() {
	local l=$2
	case $1 in
	nethost) bg "$NETHOST" -q forward 127.0.0.1:$l 127.0.0.1:$SINK --max-connections 20000 \
			--tls-cert "$C/srv.pem" --tls-key "$C/srv.key" 2>>"$TMP/nethost.log" ;;
	socat) bg socat OPENSSL-LISTEN:$l,bind=127.0.0.1,fork,reuseaddr,backlog=4096,cert="$C/srv.pem",key="$C/srv.key",verify=0 \
			TCP:127.0.0.1:$SINK 2>>"$TMP/socat.log" ;;
	haproxy)
		cat >"$TMP/ht.cfg" <<CFG
global
    maxconn 8000
    ssl-default-bind-curves X25519
defaults
    mode tcp
    timeout connect 5s
    timeout client 1h
    timeout server 1h
listen term
    bind 127.0.0.1:$l ssl crt $C/srv.both
    server up 127.0.0.1:$SINK
CFG
		bg haproxy -f "$TMP/ht.cfg" -db >>"$TMP/haproxy.log" 2>&1 ;;
	esac
	wait_port $l || exit 1
}
# orig NAME PORT: plain from clients on PORT, TLS (verified) to the TLS sink.
orig() {
	local l=$2
	case $1 in
	nethost) bg "$NETHOST" -q forward 127.0.0.1:$l 127.0.0.1:$TSINK --tls-to --tls-ca "$C/ca.pem" \
			--tls-sni www.example.test 2>>"$TMP/nethost.log" ;;
	socat) bg socat TCP-LISTEN:$l,bind=127.0.0.1,fork,reuseaddr \
			OPENSSL:127.0.0.1:$TSINK,cafile="$C/ca.pem",commonname=www.example.test 2>>"$TMP/socat.log" ;;
	haproxy)
		cat >"$TMP/ho.cfg" <<CFG
global
    maxconn 8000
defaults
    mode tcp
    timeout connect 5s
    timeout client 1h
    timeout server 1h
listen orig
    bind 127.0.0.1:$l
    server up 127.0.0.1:$TSINK ssl verify required ca-file $C/ca.pem sni str(www.example.test) verifyhost www.example.test
CFG
		bg haproxy -f "$TMP/ho.cfg" -db >>"$TMP/haproxy.log" 2>&1 ;;
	esac
	wait_port $l || exit 1
}

NAMES="direct nethost haproxy socat"
declare -A TP OP GT GO HS RSS AT AO AH
i=0
for n in $NAMES; do
	if [ $n = direct ]; then
		TP[$n]=$TSINK; OP[$n]=$TSINK
	else
		TP[$n]=$((BASE + 2 + 2 * i)); OP[$n]=$((BASE + 3 + 2 * i))
		term $n ${TP[$n]}
		orig $n ${OP[$n]}
	fi
	i=$((i + 1))
done
hs() { # hs PORT -> new handshakes per client CPU second
	openssl s_time -connect 127.0.0.1:$1 -new -time $DUR 2>/dev/null |
		awk '{for (i = 2; i <= NF; i++) if ($i == "connections/user") {print $(i - 1); exit}}'
}
for r in $(seq $RUNS); do
	for n in $NAMES; do
		echo "bench: tls round $r: $n" >&2
		AT[$n]="${AT[$n]:-} $("$TMP/tl" send ${TP[$n]} $DUR tls)"
		m=plain; [ $n = direct ] && m=tls # no relay: TLS from the client itself
		AO[$n]="${AO[$n]:-} $("$TMP/tl" send ${OP[$n]} $DUR $m)"
		AH[$n]="${AH[$n]:-} $(hs ${TP[$n]})"
	done
done
for n in $NAMES; do
	GT[$n]=$(echo ${AT[$n]} | tr ' ' '\n' | median)
	GO[$n]=$(echo ${AO[$n]} | tr ' ' '\n' | median)
	HS[$n]=$(echo ${AH[$n]} | tr ' ' '\n' | median)
	RSS[$n]=-
	[ $n = direct ] && continue
	"$TMP/tl" hold ${TP[$n]} $HOLD >"$TMP/hold.out" 2>&1 &
	hp=$!
	for _ in $(seq 600); do grep -q holding "$TMP/hold.out" && break; sleep 0.05; done
	sleep 0.5
	RSS[$n]=$(port_rss ${TP[$n]})
	kill $hp
	wait $hp 2>/dev/null
	echo "bench: $n: term ${GT[$n]} Gbit/s, orig ${GO[$n]} Gbit/s, ${HS[$n]} hs/s, RSS ${RSS[$n]} kB" >&2
	sleep 1
done

ratio() { awk "BEGIN {printf \"%s %.2fx\", \"$1\", $1 / $2}"; }
echo
echo "TLS: nethost forward vs HAProxy and socat on loopback, $(nproc) cores; medians of $RUNS"
echo "(ECDSA P-256 certificate, TLS 1.3; streams $DUR s; s_time -new $DUR s; RSS with $HOLD idle TLS connections)"
echo "(ratios against HAProxy; for RSS below 1.00x is better)"
printf '%-8s | %-14s | %-14s | %-15s | %s\n' "" "term Gbit/s" "orig Gbit/s" "new hs/s" "RSS ($HOLD TLS conns)"
printf '%s\n' "---------+----------------+----------------+-----------------+---------------------"
for n in $NAMES; do
	r=-
	[ "${RSS[$n]}" != - ] && r="$(awk "BEGIN {printf \"%.1f MB %.2fx\", ${RSS[$n]} / 1024, ${RSS[$n]} / ${RSS[haproxy]}}")"
	printf '%-8s | %-14s | %-14s | %-15s | %s\n' $n "$(ratio ${GT[$n]} ${GT[haproxy]})" \
		"$(ratio ${GO[$n]} ${GO[haproxy]})" "$(ratio ${HS[$n]} ${HS[haproxy]})" "$r"
done
