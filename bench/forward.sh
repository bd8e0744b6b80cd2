#!/bin/bash
# bench/forward.sh: nethost forward next to socat, redir, rinetd and HAProxy,
# with the direct connection as the ceiling, in one run on loopback.
#
#   bench/forward.sh            (from a built tree; RUNS=3 DUR=5 by default)
#   RUNS=5 DUR=10 bench/forward.sh
#
# Every forwarder runs from the start and the rounds take them in turn, so
# load that comes and goes on the machine falls on all alike. Figures,
# medians of RUNS:
#   1 st / 8 st   iperf3 receiver Gbit/s with 1 and 8 parallel streams
#   conn/s        sequential short connections: connect, 1-byte echo, close
#   RSS           resident memory of the forwarder (every process of it)
#                 with 1,000 idle connections held open
# Ratios compare each figure with the best anchor (socat, redir, rinetd,
# HAProxy): higher is better, except RSS where the lowest anchor is 1.00x
# and below 1.00x is better. Two reference rows are no anchors: min-splice
# and min-copy (bench/relay_min.c), the least a relay can be (a blocking
# thread per direction, splice() or read()/write() with 512 KiB chunks),
# show what this kernel and machine allow any relay. Loopback only; needs
# iperf3, socat, redir, rinetd, haproxy, cc (and openssl for the TLS part).
# The TLS part (bench/forward_tls.sh: termination, origination, handshakes,
# RSS of idle TLS connections, next to HAProxy and socat) follows; TLS=0
# skips it, TLS=only runs it alone.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
NETHOST=${NETHOST:-$top/host/nethost}
RUNS=${RUNS:-3}
DUR=${DUR:-5}
RATE_SECS=${RATE_SECS:-3}
HOLD=${HOLD:-1000}
IPERF_PORT=${IPERF_PORT:-25201}
ECHO_PORT=${ECHO_PORT:-25202}
LPORT=${LPORT:-25210}  # and the 15 ports after it

[ "${TLS:-1}" = only ] && exec "$top/bench/forward_tls.sh"
for tool in iperf3 socat redir rinetd haproxy cc ss python3; do
	command -v $tool >/dev/null || { echo "bench: needs $tool" >&2; exit 2; }
done
[ -x "$NETHOST" ] || { echo "bench: no $NETHOST (build first)" >&2; exit 2; }
ulimit -n 20000 2>/dev/null || ulimit -n 8192 || true

TMP=$(mktemp -d /tmp/bench-forward.XXXXXX)
PIDS=
cleanup() {
	# What we started, and redir's per-connection processes (not our
	# children), found by the ports they hold.
	for p in $PIDS $(ss -Htanp "sport >= :$LPORT and sport <= :$((LPORT + 15))" |
		grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
bg() { "$@" & PIDS="$PIDS $!"; }

# A tiny C helper: an epoll echo server, a sequential connection-rate
# client, and a holder of N idle connections. C, so that the client and
# the echo server are not what limits the figures.
cat >"$TMP/fb.c" <<'EOF'
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in addr(const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(port)) };
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	return a;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int echo(struct sockaddr_in a)
{
	int one = 1, l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (void *)&a, sizeof(a)) || listen(l, 4096))
		return perror("echo: bind"), 1;
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = l }, evs[256];
	epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		int n = epoll_wait(ep, evs, 256, -1);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd == l) {
				int c;
				while ((c = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					ev.data.fd = c;
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
				}
				continue;
			}
			char buf[65536];
			ssize_t r = read(fd, buf, sizeof(buf));
			if (r > 0 && write(fd, buf, r) == r)
				continue;
			if (r < 0)
				continue;
			close(fd);
		}
	}
}

static int rate(struct sockaddr_in a, double secs)
{
	long n = 0;
	double t0 = now(), t;
	char c = 'x';
	do {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(fd, (void *)&a, sizeof(a)) || write(fd, &c, 1) != 1 || read(fd, &c, 1) != 1)
			return perror("rate"), 1;
		close(fd);
		n++;
	} while ((t = now() - t0) < secs);
	printf("%.0f\n", n / t);
	return 0;
}

static int hold(struct sockaddr_in a, int n)
{
	char c = 'x';
	for (int i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(fd, (void *)&a, sizeof(a)) || write(fd, &c, 1) != 1 || read(fd, &c, 1) != 1)
			return perror("hold"), 1;
	}
	printf("holding %d\n", n);
	fflush(stdout);
	pause();
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc == 3 && !strcmp(argv[1], "echo"))
		return echo(addr(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "rate"))
		return rate(addr(argv[2]), atof(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "hold"))
		return hold(addr(argv[2]), atoi(argv[3]));
	fprintf(stderr, "usage: fb echo PORT | rate PORT SECS | hold PORT N\n");
	return 2;
}
EOF
cc -O2 -o "$TMP/fb" "$TMP/fb.c" || exit 2
FB=$TMP/fb
cc -O2 -pthread -o "$TMP/relay_min" "$top/bench/relay_min.c" || exit 2

wait_line() { # wait_line FILE PATTERN
	for _ in $(seq 200); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
	echo "bench: no '$2' in $1" >&2
	return 1
}
wait_port() { # wait_port PORT: until something listens there
	for _ in $(seq 200); do
		ss -Htln "sport = :$1" | grep -q . && return 0
		sleep 0.05
	done
	echo "bench: nothing listens on $1" >&2
	return 1
}

# Resident memory (kB) of every process holding a socket on port $1: the
# forwarder and, for socat and redir, its process per connection (redir's
# are not its children, so the process tree would miss them).
port_rss() {
	local kb=0 r
	for p in $(ss -Htanp "sport = :$1" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
		r=$(awk '/^VmRSS/ {print $2}' /proc/$p/status 2>/dev/null)
		kb=$((kb + ${r:-0}))
	done
	echo $kb
}

bg iperf3 -s -p $IPERF_PORT -B 127.0.0.1 >/dev/null 2>&1
bg "$FB" echo $ECHO_PORT >"$TMP/echo.out"
wait_line "$TMP/echo.out" ready || exit 1
wait_port $IPERF_PORT || exit 1

# start_fwd NAME LISTEN_PORT TARGET_PORT: one forwarder, left running.
start_fwd() {
	local name=$1 l=$2 t=$3
	local log=$TMP/$name.$l.log
	case $name in
	min-splice|min-copy)
		bg "$TMP/relay_min" ${name#min-} $l $t 2>>"$log" ;;
	nethost)
		# -q: no per-connection close lines, as the others log nothing here.
		bg "$NETHOST" -q forward 127.0.0.1:$l 127.0.0.1:$t --max-connections 20000 2>>"$log" ;;
	socat)
		bg socat TCP-LISTEN:$l,bind=127.0.0.1,fork,reuseaddr,backlog=4096 TCP:127.0.0.1:$t 2>>"$log" ;;
	redir)
		bg redir -n -l none 127.0.0.1:$l 127.0.0.1:$t 2>>"$log" ;;
	rinetd)
		echo "127.0.0.1 $l 127.0.0.1 $t" >"$TMP/rinetd.$l.conf"
		bg rinetd -f -c "$TMP/rinetd.$l.conf" 2>>"$log" ;;
	haproxy)
		cat >"$TMP/haproxy.$l.cfg" <<CFG
global
    maxconn 4096
defaults
    mode tcp
    option splice-auto
    timeout connect 5s
    timeout client 1h
    timeout server 1h
listen fwd
    bind 127.0.0.1:$l
    server up 127.0.0.1:$t
CFG
		bg haproxy -f "$TMP/haproxy.$l.cfg" -db >>"$log" 2>&1 ;;
	esac
	wait_port $l || exit 1
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
iperf() { # iperf PORT STREAMS -> Gbit/s received
	iperf3 -c 127.0.0.1 -p $1 -P $2 -t $DUR -J 2>/dev/null |
		python3 -c 'import json,sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))'
}

# Every forwarder runs from the start, two each (to iperf3, to the echo
# server), and the rounds go through them in turn: a load that comes and
# goes on the machine falls on all of them, not on whoever ran then.
NAMES="direct min-splice min-copy nethost haproxy rinetd redir socat"
declare -A TP EP G1 G8 CPS RSS A1 A8 AC
i=0
for name in $NAMES; do
	if [ $name = direct ]; then
		TP[$name]=$IPERF_PORT
		EP[$name]=$ECHO_PORT
	else
		TP[$name]=$((LPORT + 2 * i))
		EP[$name]=$((LPORT + 2 * i + 1))
		start_fwd $name ${TP[$name]} $IPERF_PORT
		start_fwd $name ${EP[$name]} $ECHO_PORT
	fi
	i=$((i + 1))
done
for r in $(seq $RUNS); do
	for name in $NAMES; do
		echo "bench: round $r: $name" >&2
		A1[$name]="${A1[$name]:-} $(iperf ${TP[$name]} 1)"
		A8[$name]="${A8[$name]:-} $(iperf ${TP[$name]} 8)"
		AC[$name]="${AC[$name]:-} $("$FB" rate ${EP[$name]} $RATE_SECS)"
	done
done
for name in $NAMES; do
	G1[$name]=$(echo ${A1[$name]} | tr ' ' '\n' | median)
	G8[$name]=$(echo ${A8[$name]} | tr ' ' '\n' | median)
	CPS[$name]=$(echo ${AC[$name]} | tr ' ' '\n' | median)
	RSS[$name]=-
	case $name in direct|min-*) continue;; esac
	"$FB" hold ${EP[$name]} $HOLD >"$TMP/hold.out" 2>&1 &
	hp=$!
	wait_line "$TMP/hold.out" "holding" || exit 1
	sleep 0.5
	RSS[$name]=$(port_rss ${EP[$name]})
	kill $hp
	wait $hp 2>/dev/null
	echo "bench: $name: ${G1[$name]} / ${G8[$name]} Gbit/s, ${CPS[$name]} conn/s, RSS ${RSS[$name]} kB" >&2
	sleep 1 # let the held connections close before the next one
done

best() { # best ARRAY max|min over the anchors
	local -n arr=$1
	local v=
	for n in haproxy rinetd redir socat; do
		x=${arr[$n]}
		if [ -z "$v" ] || awk "BEGIN {exit !($x $([ $2 = max ] && echo '>' || echo '<') $v)}"; then v=$x; fi
	done
	echo $v
}
b1=$(best G1 max); b8=$(best G8 max); bc=$(best CPS max); br=$(best RSS min)
cell() { awk "BEGIN {printf \"%s %.2fx\", \"$1\", $1 / $2}"; }
rss_mb() { awk "BEGIN {printf \"%.1f MB\", $1 / 1024}"; }

echo
echo "nethost forward vs anchors on loopback, $(nproc) cores, $(uname -r); medians of $RUNS"
echo "(iperf3 $DUR s; conn/s over $RATE_SECS s; RSS with $HOLD idle connections held)"
printf '%-10s | %-16s | %-16s | %-15s | %s\n' "" "1 st Gbit/s" "8 st Gbit/s" "conn/s" "RSS ($HOLD conns)"
printf '%s\n' "-----------+------------------+------------------+-----------------+------------------"
for name in $NAMES; do
	if [ "${RSS[$name]}" = - ]; then
		r=-
	else
		r="$(rss_mb ${RSS[$name]}) $(awk "BEGIN {printf \"%.2fx\", ${RSS[$name]} / $br}")"
	fi
	printf '%-10s | %-16s | %-16s | %-15s | %s\n' $name "$(cell ${G1[$name]} $b1)" \
		"$(cell ${G8[$name]} $b8)" "$(cell ${CPS[$name]} $bc)" "$r"
done
echo
for name in nethost min-splice min-copy; do
	awk "BEGIN {printf \"%s 1 stream = %.0f%% of direct\n\", \"$name\", 100 * ${G1[$name]} / ${G1[direct]}}"
done
if [ "${TLS:-1}" != 0 ]; then
	echo
	"$top/bench/forward_tls.sh"
fi
