#!/bin/bash
# bench/forward.sh: nethost forward next to socat, redir, rinetd and HAProxy,
# with the direct connection as the ceiling, in one run on loopback.
#
#   bench/forward.sh            (from a built tree; RUNS=3 DUR=5 by default)
#   RUNS=5 DUR=10 bench/forward.sh
#   PARTS="proxy checks" bench/forward.sh   only some parts, of:
#     tcp (the table below), proxy, checks, tls, udp; default all five
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
#
# The UDP part (request/response against socat and rinetd, misrouted replies
# counted) is bench/forward_udp.sh, run after the others.
# The PROXY part: conn/s through nethost with send_proxy = v2 against
# plain nethost, rounds in turn (the echo server skips the header). The
# checks part: one forwarder with CHECK_UPS (1,000) upstreams checked every
# second; the host's CPU (utime + stime from /proc) over CHECK_SECS, in %
# of one core.
# The TLS part (bench/forward_tls.sh: termination, origination, handshakes,
# RSS of idle TLS connections, next to HAProxy and socat) follows.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
PARTS=${PARTS:-tcp proxy checks tls udp}
has_part() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
if ! has_part tcp && ! has_part proxy && ! has_part checks; then
	has_part tls && "$top/bench/forward_tls.sh"
	has_part udp && "$top/bench/forward_udp.sh"
	exit 0
fi
NETHOST=${NETHOST:-$top/host/nethost}
RUNS=${RUNS:-3}
DUR=${DUR:-5}
RATE_SECS=${RATE_SECS:-3}
HOLD=${HOLD:-1000}
IPERF_PORT=${IPERF_PORT:-25201}
ECHO_PORT=${ECHO_PORT:-25202}
LPORT=${LPORT:-25210}  # and the 15 ports after it

needs="cc ss python3"
has_part tcp && needs="iperf3 socat redir rinetd haproxy $needs"
for tool in $needs; do
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

/* The length of the PROXY header at the start of buf (n bytes): 0 if none. */
static size_t pp_len(const unsigned char *buf, size_t n)
{
	if (n >= 16 && !memcmp(buf, "\r\n\r\n\0\r\nQUIT\n", 12))
		return 16 + (size_t)(buf[14] << 8 | buf[15]);
	const unsigned char *e = n > 6 && !memcmp(buf, "PROXY ", 6) ? memchr(buf, '\n', n) : NULL;
	return e ? (size_t)(e - buf) + 1 : 0;
}

static unsigned char pp_seen[65536]; /* per fd: its header is skipped */

static int echo_pp(struct sockaddr_in a, int pp)
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
			size_t skip = 0;
			if (pp && r > 0 && fd < 65536 && !pp_seen[fd]) {
				pp_seen[fd] = 1;
				skip = pp_len((unsigned char *)buf, (size_t)r);
			}
			if (r > 0 && (size_t)r == skip)
				continue;
			if (r > 0 && write(fd, buf + skip, r - skip) == r - (ssize_t)skip)
				continue;
			if (r < 0)
				continue;
			if (fd < 65536)
				pp_seen[fd] = 0;
			close(fd);
		}
	}
}

static int echo(struct sockaddr_in a)
{
	return echo_pp(a, 0);
}

/* Listen on n ports from a's: every connection accepted and closed (the
 * upstreams of the checks part). */
static int many(struct sockaddr_in a, int n)
{
	int one = 1, ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN }, evs[256];
	for (int i = 0; i < n; i++) {
		struct sockaddr_in b = a;
		b.sin_port = htons(ntohs(a.sin_port) + i);
		int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(l, (void *)&b, sizeof(b)) || listen(l, 128))
			return perror("many: bind"), 1;
		ev.data.fd = l;
		epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		int k = epoll_wait(ep, evs, 256, -1);
		for (int i = 0; i < k; i++) {
			int c;
			while ((c = accept4(evs[i].data.fd, NULL, NULL, 0)) >= 0)
				close(c);
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
	if (argc == 3 && !strcmp(argv[1], "echo-pp"))
		return echo_pp(addr(argv[2]), 1);
	if (argc == 4 && !strcmp(argv[1], "many"))
		return many(addr(argv[2]), atoi(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "rate"))
		return rate(addr(argv[2]), atof(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "hold"))
		return hold(addr(argv[2]), atoi(argv[3]));
	fprintf(stderr, "usage: fb echo|echo-pp PORT | rate PORT SECS | hold PORT N | many PORT N\n");
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

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

# ---- the PROXY part: send_proxy = v2 against plain, rounds in turn ------
proxy_part() {
	local pe=$((LPORT + 20)) plain=$((LPORT + 21)) v2=$((LPORT + 22)) r a b
	bg "$FB" echo-pp $pe >"$TMP/echo-pp.out"
	wait_line "$TMP/echo-pp.out" ready || exit 1
	bg "$NETHOST" -q forward 127.0.0.1:$plain 127.0.0.1:$pe --max-connections 20000 2>>"$TMP/pp.log"
	bg "$NETHOST" -q forward --send-proxy v2 127.0.0.1:$v2 127.0.0.1:$pe --max-connections 20000 \
		2>>"$TMP/pp.log"
	wait_port $plain && wait_port $v2 || exit 1
	local P= V=
	for r in $(seq $RUNS); do
		echo "bench: PROXY round $r" >&2
		P="$P $("$FB" rate $plain $RATE_SECS)"
		V="$V $("$FB" rate $v2 $RATE_SECS)"
	done
	a=$(echo $P | tr ' ' '\n' | median)
	b=$(echo $V | tr ' ' '\n' | median)
	echo
	echo "PROXY protocol: conn/s through nethost forward, medians of $RUNS x $RATE_SECS s"
	awk "BEGIN {printf \"plain %s conn/s, send_proxy = v2 %s conn/s: %.1f%% of plain\n\", $a, $b, 100 * $b / $a}"
}

# ---- the checks part: CHECK_UPS upstreams checked every second ---------
checks_part() {
	local ups=${CHECK_UPS:-1000} secs=${CHECK_SECS:-10} base=${CHECK_BASE:-$((LPORT + 2000))} i
	local l hz t0 t1
	l=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	bg "$FB" many $base $ups >"$TMP/many.out"
	wait_line "$TMP/many.out" ready || exit 1
	{
		echo "[forward pool]"
		echo "listen = 127.0.0.1:$l"
		for i in $(seq 0 $((ups - 1))); do echo "to = 127.0.0.1:$((base + i))"; done
		echo "balance = roundrobin"
		echo "check = tcp"
		echo "check_interval = 1s"
	} >"$TMP/checks.ini"
	"$NETHOST" -q -c "$TMP/checks.ini" >>"$TMP/checks.log" 2>&1 &
	local hp=$!
	PIDS="$PIDS $hp"
	wait_port $l || { cat "$TMP/checks.log" >&2; exit 1; }
	sleep 2 # the first round of checks spread over its second
	hz=$(getconf CLK_TCK)
	t0=$(awk '{print $14 + $15}' /proc/$hp/stat)
	sleep "$secs"
	t1=$(awk '{print $14 + $15}' /proc/$hp/stat)
	local down
	down=$(grep -c " is down" "$TMP/checks.log")
	kill $hp
	# The anchor: HAProxy checking the same upstreams the same way.
	local h0=0 h1=0
	if command -v haproxy >/dev/null; then
		{
			printf 'global\n    maxconn 4096\ndefaults\n    mode tcp\n    timeout connect 1s\n'
			printf '    timeout client 1m\n    timeout server 1m\nlisten pool\n    bind 127.0.0.1:%s\n' $l
			printf '    balance roundrobin\n'
			for i in $(seq 0 $((ups - 1))); do
				printf '    server s%d 127.0.0.1:%d check inter 1s\n' $i $((base + i))
			done
		} >"$TMP/checks.cfg"
		haproxy -db -f "$TMP/checks.cfg" >>"$TMP/checks-haproxy.log" 2>&1 &
		local ha=$!
		PIDS="$PIDS $ha"
		wait_port $l || exit 1
		sleep 2
		h0=$(awk '{print $14 + $15}' /proc/$ha/stat)
		sleep "$secs"
		h1=$(awk '{print $14 + $15}' /proc/$ha/stat)
		kill $ha
	fi
	echo
	echo "Checks: $ups upstreams, check = tcp every 1s, over $secs s (CPU: utime + stime)"
	awk "BEGIN {printf \"nethost  %.1f%% of one core (%d ticks of 1/%d s); %d upstreams went down\n\", 100 * ($t1 - $t0) / ($secs * $hz), $t1 - $t0, $hz, $down}"
	[ "$h1" = 0 ] || awk "BEGIN {printf \"haproxy  %.1f%% of one core (%d ticks): nethost uses %.2fx its CPU\n\", 100 * ($h1 - $h0) / ($secs * $hz), $h1 - $h0, ($t1 - $t0) / ($h1 - $h0)}"
}

if ! has_part tcp; then
	has_part proxy && proxy_part
	has_part checks && checks_part
	has_part tls && { echo; "$top/bench/forward_tls.sh"; }
	has_part udp && { echo; "$top/bench/forward_udp.sh"; }
	exit 0
fi

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
has_part proxy && proxy_part
has_part checks && checks_part
has_part tls && { echo; "$top/bench/forward_tls.sh"; }
has_part udp && { echo; "$top/bench/forward_udp.sh"; }
