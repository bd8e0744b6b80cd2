#!/bin/sh
# forward's upstream pool: how clients spread over 3 upstreams for each
# balance (first, roundrobin within +-1, leastconn with held connections,
# source sticky per client address from several 127.0.0.x), tcp checks
# (an upstream stopped goes down after `fall` failed checks and gets
# nothing, restarted it comes back after `rise`), a client refused at once
# when every upstream is down, failed client connects counting toward
# fall, the per-upstream metrics and the SIGUSR1 report; `nethost ctl
# upstreams` (states after a check took one down) and `nethost ctl
# upstream enable|disable|drain` (no new clients, open connections relay
# on, back again; an unknown ADDR; every one disabled: refused at once;
# kept by a reload that leaves the section alone, not by one changing it).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/forward/common.sh"
. "$top_srcdir/tests/http/responder.sh"
need_cmd python3 python3
POOL="python3 $top_srcdir/tests/forward/pooltool.py"

U1=$(free_port); U2=$(free_port); U3=$(free_port); D1=$(free_port); D2=$(free_port)
LF=$(free_port); LR=$(free_port); LL=$(free_port); LS=$(free_port); LC=$(free_port)
LX=$(free_port); LY=$(free_port); LP=$(free_port); M=$(free_port)
# U1 and U3 in one process, U2 in its own: the one the check test stops.
$POOL servers 127.0.0.1 "$U1" "$U3" >"$TMP/pool13.out" 2>&1 &
at_exit "kill $! 2>/dev/null"
wait_for_log "$TMP/pool13.out" 10 ready || fail "servers on $U1 $U3 did not start"
start_u2() {
	$POOL servers 127.0.0.1 "$U2" >"$TMP/pool2.out" 2>&1 &
	U2PID=$!
	wait_for_log "$TMP/pool2.out" 10 ready || fail "server on $U2 did not start"
}
start_u2
at_exit 'kill $U2PID 2>/dev/null'

pool() { printf 'to = 127.0.0.1:%s\nto = 127.0.0.1:%s\nto = 127.0.0.1:%s\n' "$U1" "$U2" "$U3"; }
SOCK="$TMP/control.sock"
cat >"$TMP/fwd.ini" <<INI
[nethost]
control = $SOCK

[http m]
listen = 127.0.0.1:$M

[forward first]
listen = 127.0.0.1:$LF
$(pool)

[forward rr]
listen = 127.0.0.1:$LR
$(pool)
balance = roundrobin

[forward lc]
listen = 127.0.0.1:$LL
$(pool)
balance = leastconn

[forward src]
listen = [::]:$LS
$(pool)
balance = source

; behind a proxy: the client in the PROXY header picks the upstream
[forward srcproxy]
listen = 127.0.0.1:$LP
$(pool)
balance = source
accept_proxy = on

[forward checked]
listen = 127.0.0.1:$LC
$(pool)
balance = roundrobin
check = tcp
check_interval = 200ms
check_timeout = 150ms
rise = 2
fall = 3

; nothing listens on either: both go down, clients are refused at once
[forward dead]
listen = 127.0.0.1:$LX
to = 127.0.0.1:$D1
to = 127.0.0.1:$D2
check = tcp
check_interval = 100ms
fall = 1

; UDP sessions are not balanced: no drain or disable
[forward udp]
protocol = udp
listen = 127.0.0.1:$LX
to = 127.0.0.1:$D1

; checks rare: the failed client connects take D1 down
[forward clientfall]
listen = 127.0.0.1:$LY
to = 127.0.0.1:$D1
to = 127.0.0.1:$U1
check = tcp
check_interval = 1h
fall = 2
INI
start_host "$TMP/fwd.ini"

counts() { # counts PORT N [FROM]: "PORT=COUNT ..." for N clients
	$POOL count 127.0.0.1 "$@" || fail "count $*"
}
# The count for upstream $2 in counts $1 (0 when absent).
of() { echo "$1" | tr ' ' '\n' | awk -F= -v p="$2" '$1 == p { n = $2 } END { print n + 0 }'; }

got=$(counts "$LF" 6)
[ "$got" = "$U1=6" ] || fail "first: '$got', want all 6 on $U1"
ok "first: every client to the first upstream"

got=$(counts "$LR" 31)
for u in $U1 $U2 $U3; do
	n=$(of "$got" "$u")
	[ "$n" -ge 10 ] && [ "$n" -le 11 ] || fail "roundrobin: $got (want 10 or 11 each)"
done
ok "roundrobin over 3: $got"

out=$($POOL leastconn 127.0.0.1 "$LL" "$NETHOST" "$SOCK" lc 2>&1) || fail "leastconn: $out"
ok "leastconn: the next client goes where the fewest are held"

used=
for i in 2 3 4 5 6 7 8 9; do
	got=$(counts "$LS" 4 127.0.0.$i)
	case $got in *" "*|refused*) fail "source: 127.0.0.$i spread over '$got'";; esac
	used="$used ${got%%=*}"
done
n=$(echo "$used" | tr ' ' '\n' | sort -u | grep -c .)
[ "$n" -ge 2 ] || fail "source: 8 client addresses all on one upstream ($used)"
again=$(counts "$LS" 3 127.0.0.5)
[ "${again%%=*}" = "$(echo "$used" | awk '{ print $4 }')" ] || fail "source: 127.0.0.5 moved: $again vs $used"
ok "source: each of 8 client addresses sticks to one upstream; $n upstreams used"

# With accept_proxy the header's client decides, whoever carries it.
used=
for c in 10.0.0.1 10.0.0.2 10.0.0.3 10.0.0.4 10.0.0.5 10.0.0.6; do
	a=$(counts "$LP" 2 127.0.0.2 --proxy $c)
	b=$(counts "$LP" 2 127.0.0.3 --proxy $c)
	case $a in *" "*|refused*) fail "source behind a proxy: $c spread over '$a'";; esac
	[ "$a" = "$b" ] || fail "source: $c via 127.0.0.2 '$a', via 127.0.0.3 '$b'"
	used="$used ${a%%=*}"
done
n=$(echo "$used" | tr ' ' '\n' | sort -u | grep -c .)
[ "$n" -ge 2 ] || fail "source behind a proxy: 6 header clients all on one upstream ($used)"
ok "source with accept_proxy: the header's client sticks, whichever proxy address carries it"

# ---- checks -------------------------------------------------------------
got=$(counts "$LC" 9)
for u in $U1 $U2 $U3; do [ "$(of "$got" "$u")" = 3 ] || fail "checked, all up: $got"; done
kill "$U2PID"; wait "$U2PID" 2>/dev/null
t0=$(date +%s%N)
wait_for_log "$TMP/host.log" 5 "forward/checked: upstream 127.0.0.1:$U2 is down (3 checks failed" ||
	fail "stopped upstream not taken down after 3 failed checks"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
got=$(counts "$LC" 12)
[ "$(of "$got" "$U1") $(of "$got" "$U2") $(of "$got" "$U3")" = "6 0 6" ] || fail "with $U2 down: '$got', want 6 and 6 on the others"
ok "an upstream stopped goes down after 3 failed checks (${ms} ms) and gets nothing: $got"
ctl() { "$NETHOST" ctl -s "$SOCK" "$@"; }
ctl upstreams checked --json >"$TMP/ups.json" || fail "ctl upstreams checked: exit $?"
python3 - "$TMP/ups.json" "$U1" "$U2" <<'PY' || fail "upstreams --json: $(cat "$TMP/ups.json")"
import json, sys
[one] = json.load(open(sys.argv[1]))["instances"]
r = one["reply"]
assert one["instance"] == "forward/checked" and r["check"] == "tcp", one
u = {x["upstream"]: x for x in r["upstreams"]}
d, a = u["127.0.0.1:" + sys.argv[3]], u["127.0.0.1:" + sys.argv[2]]
assert d["state"] == "down" and d["health"] == "down" and d["admin"] == "enabled", d
assert d["checks_failed"] >= 3 and d["error"] == "check: Connection refused", d
assert d["since_seconds_ago"] < 5 and d["active"] == 0, d
assert a["state"] == "up" and a["checks_ok"] >= 3 and a["connects_ok"] >= 6 and "error" not in a, a
PY
ok "upstreams --json: the stopped one down by its checks, with the check's error; the others up"
start_u2
wait_for_log "$TMP/host.log" 5 "forward/checked: upstream 127.0.0.1:$U2 is up (2 checks passed)" ||
	fail "restarted upstream not back after 2 checks"
got=$(counts "$LC" 12)
[ "$(of "$got" "$U1") $(of "$got" "$U2") $(of "$got" "$U3")" = "4 4 4" ] || fail "after $U2 came back: '$got'"
ok "restarted, it is up again after 2 checks: $got"

wait_for_log "$TMP/host.log" 5 "forward/dead: upstream .* is down.*0 of 2 take clients: clients are refused" ||
	fail "dead pool: not both down"
got=$(counts "$LX" 1)
[ "$got" = "refused=1" ] || fail "every upstream down: '$got'"
wait_for_log "$TMP/host.log" 5 "forward/dead: .*refused: every upstream is down" || fail "no log line for the refusal"
ok "every upstream down: the client is refused at once, with a log line"

got=$(counts "$LY" 2)
[ "$got" = "$U1=2" ] || fail "clientfall: '$got'"
wait_for_log "$TMP/host.log" 5 "forward/clientfall: upstream 127.0.0.1:$D1 is down (client connects failed)" ||
	fail "failed client connects did not count toward fall"
ok "failed client connects count toward fall"

# ---- metrics and the report ---------------------------------------------
scrape_metrics "$M"
value() { # METRIC INSTANCE LABELS
	awk -v s="$1{plugin=\"forward\",instance=\"$2\",$3}" 'index($0, s " ") == 1 { print $2 }' "$TMP/metrics"
}
want() { [ "$(value "$1" "$2" "$3")" = "$4" ] || fail "$1{$2,$3} = '$(value "$1" "$2" "$3")', want $4"; }
want nethost_forward_upstream_up checked "upstream=\"127.0.0.1:$U2\"" 1
want nethost_forward_upstream_up dead "upstream=\"127.0.0.1:$D1\"" 0
want nethost_forward_upstream_up clientfall "upstream=\"127.0.0.1:$D1\"" 0
want nethost_forward_upstream_connections_total first "upstream=\"127.0.0.1:$U1\",result=\"connected\"" 6
# one failed check at start, then the first client's failure: down; the
# second client did not try it
want nethost_forward_upstream_connections_total clientfall "upstream=\"127.0.0.1:$D1\",result=\"failed\"" 1
want nethost_forward_upstream_connections_active first "upstream=\"127.0.0.1:$U1\"" 0
n=$(value nethost_forward_upstream_checks_total checked "upstream=\"127.0.0.1:$U2\",result=\"failed\"")
[ "${n:-0}" -ge 3 ] || fail "checks failed of $U2: '$n'"
n=$(value nethost_forward_upstream_checks_total checked "upstream=\"127.0.0.1:$U1\",result=\"ok\"")
[ "${n:-0}" -ge 3 ] || fail "checks ok of $U1: '$n'"
if command -v promtool >/dev/null 2>&1; then
	promtool check metrics <"$TMP/metrics" >"$TMP/promtool.out" 2>&1 || fail "promtool: $(cat "$TMP/promtool.out")"
fi
ok "per-upstream series: up, connections by result, active, checks"

kill -USR1 "$HOST_PID"
wait_for_log "$TMP/host.log" 5 "forward/dead: upstream 127.0.0.1:$D1: down, active=0" || fail "SIGUSR1: no upstream state"
wait_for_log "$TMP/host.log" 5 "forward/checked: upstream 127.0.0.1:$U2: up, active=0" || fail "SIGUSR1: no upstream state"
ok "SIGUSR1 reports each upstream's state"

# ---- nethost ctl upstream enable|disable|drain -----------------------------
# One connection held on each upstream of [forward checked]; each time
# $TMP/goN appears, every one of them must still relay (echo) a line.
python3 - "$LC" "$TMP" >"$TMP/held.out" 2>&1 <<'PY' &
import os, socket, sys, time
conns = []
for _ in range(3):
    c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
    conns.append((c, c.makefile("rb").readline().strip().decode()))
print("held", " ".join(sorted(p for _, p in conns)), flush=True)
for n in (1, 2):
    while not os.path.exists("%s/go%d" % (sys.argv[2], n)):
        time.sleep(0.02)
    for c, p in conns:
        c.sendall(b"ping %d\n" % n)
        assert c.recv(100) == b"ping %d\n" % n, p
    print("relayed%d" % n, flush=True)
PY
HELD=$!
at_exit "kill $HELD 2>/dev/null"
wait_for_log "$TMP/held.out" 5 held || fail "could not hold a connection to each upstream"
[ "$(sed -n 's/^held //p' "$TMP/held.out")" = "$(printf '%s\n' $U1 $U2 $U3 | sort | tr '\n' ' ' | sed 's/ $//')" ] ||
	fail "held connections not one per upstream: $(cat "$TMP/held.out")"
state() { # ADDR: state admin health active, from ctl upstreams --json
	ctl upstreams checked --json | python3 -c '
import json, sys
for u in json.load(sys.stdin)["instances"][0]["reply"]["upstreams"]:
    if u["upstream"] == sys.argv[1]:
        print(u["state"], u["admin"], u["health"], u["active"], u["checks_ok"])' "$1"
}
A2=127.0.0.1:$U2
ctl upstream disable checked "$A2" >"$TMP/ctl.out" || fail "upstream disable: exit $?"
wait_for_log "$TMP/host.log" 5 "forward/checked: upstream $A2: disabled by nethost ctl (was enabled; up); open connections go on: 1; 2 of 3 take new clients" ||
	fail "no log line for the disable"
set -- $(state "$A2")
[ "$1 $2 $3 $4" = "disabled disabled up 1" ] || fail "after disable: $*"
c0=$5
got=$(counts "$LC" 6)
[ "$(of "$got" "$U1") $(of "$got" "$U2") $(of "$got" "$U3")" = "3 0 3" ] || fail "$A2 disabled: '$got'"
touch "$TMP/go1"
wait_for_log "$TMP/held.out" 5 relayed1 || fail "a held connection stopped relaying: $(cat "$TMP/held.out")"
sleep 0.5
set -- $(state "$A2")
[ "$5" -gt "$c0" ] || fail "checks stopped while disabled: $c0 -> $5"
ok "disable: no new clients ($got), the open connection relays on, checks go on ($c0 -> $5 ok)"

scrape_metrics "$M"
want() { [ "$(value "$1" "$2" "$3")" = "$4" ] || fail "$1{$2,$3} = '$(value "$1" "$2" "$3")', want $4"; }
want nethost_forward_upstream_admin_up checked "upstream=\"$A2\"" 0
want nethost_forward_upstream_up checked "upstream=\"$A2\"" 1
want nethost_forward_upstream_admin_up checked "upstream=\"127.0.0.1:$U1\"" 1
ok "metrics: admin_up 0 while disabled, up (health) still 1"

ctl upstream drain checked "$A2" >/dev/null || fail "upstream drain: exit $?"
set -- $(state "$A2")
[ "$1 $2 $4" = "drain drain 1" ] || fail "after drain: $*"
got=$(counts "$LC" 6)
[ "$(of "$got" "$U1") $(of "$got" "$U2") $(of "$got" "$U3")" = "3 0 3" ] || fail "$A2 drained: '$got'"
touch "$TMP/go2"
wait_for_log "$TMP/held.out" 5 relayed2 || fail "a held connection stopped relaying: $(cat "$TMP/held.out")"
ok "drain: no new clients ($got), the open connection relays on"

ctl forward/checked upstream enable "$A2" >/dev/null || fail "forward/checked upstream enable: exit $?"
wait_for_log "$TMP/host.log" 5 "forward/checked: upstream $A2: enabled by nethost ctl (was drain; up)" ||
	fail "no log line for the enable"
got=$(counts "$LC" 6)
[ "$(of "$got" "$U1") $(of "$got" "$U2") $(of "$got" "$U3")" = "2 2 2" ] || fail "$A2 enabled again: '$got'"
ok "enable (as forward/checked upstream enable ADDR): it gets clients again: $got"

ctl upstream disable checked 127.0.0.1:1 >/dev/null 2>"$TMP/err"; rc=$?
[ $rc = 1 ] && grep -q "no upstream '127.0.0.1:1'; there are: 127.0.0.1:$U1, $A2, 127.0.0.1:$U3" "$TMP/err" ||
	fail "unknown ADDR: exit $rc: $(cat "$TMP/err")"
ctl upstream halt checked "$A2" >/dev/null 2>"$TMP/err"; rc=$?
[ $rc = 2 ] && grep -q "usage: upstream enable|disable|drain ADDR" "$TMP/err" || fail "bad verb: exit $rc: $(cat "$TMP/err")"
ctl upstream disable nope "$A2" >/dev/null 2>"$TMP/err"; rc=$?
[ $rc = 2 ] && grep -q "no running instance 'nope' has 'upstream'" "$TMP/err" || fail "unknown instance: exit $rc: $(cat "$TMP/err")"
ctl upstream drain udp 127.0.0.1:$D1 >/dev/null 2>"$TMP/err"; rc=$?
[ $rc = 2 ] && grep -q "protocol = udp" "$TMP/err" || fail "drain of a UDP upstream: exit $rc: $(cat "$TMP/err")"
ok "an unknown ADDR exits 1 listing the upstreams; a bad verb or instance, or a UDP instance, exits 2"

ctl upstream disable checked 127.0.0.1:$U1 >/dev/null && ctl upstream drain checked "$A2" >/dev/null &&
	ctl upstream disable checked 127.0.0.1:$U3 >/dev/null || fail "disabling all three"
wait_for_log "$TMP/host.log" 5 "forward/checked: upstream 127.0.0.1:$U3: disabled by nethost ctl.*0 of 3 take new clients: clients are refused" ||
	fail "no log line for the last one disabled"
got=$(counts "$LC" 1)
[ "$got" = "refused=1" ] || fail "every upstream disabled or drained: '$got'"
wait_for_log "$TMP/host.log" 5 "forward/checked: .*refused: no upstream takes new clients (the healthy ones are drained or disabled)" || fail "no log line for the refusal"
for u in $U1 $U2 $U3; do ctl upstream enable checked 127.0.0.1:$u >/dev/null || fail "enable $u"; done
got=$(counts "$LC" 3)
[ "$(of "$got" "$U1") $(of "$got" "$U2") $(of "$got" "$U3")" = "1 1 1" ] || fail "all enabled again: '$got'"
ok "every upstream disabled or drained: refused at once, with a log line; enabled: served again"

# Not saved: a reload keeps it while the section stays as it is, a changed
# section is a new instance with every upstream enabled.
ctl upstream drain checked "$A2" >/dev/null || fail "drain before the reload"
ctl reload >/dev/null || fail "reload (unchanged): exit $?"
set -- $(state "$A2")
[ "$2" = drain ] || fail "an unchanged section's reload lost the drain: $*"
sed -i 's/^rise = 2$/rise = 3/' "$TMP/fwd.ini"
ctl reload >/dev/null || fail "reload (checked changed): exit $?"
set -- $(state "$A2")
[ "$2" = enabled ] || fail "a changed section kept the drain: $*"
ok "drain is kept by a reload that leaves the section as it is, not by one that changes it"

# ---- bad values ---------------------------------------------------------
printf '[forward x]\nlisten = 127.0.0.1:%s\nto = 127.0.0.1:%s\nbalance = random\ncheck = http\nrise = 0\ncheck_interval = 1ms\n' \
	"$LX" "$U1" >"$TMP/bad.ini"
"$NETHOST" -t -c "$TMP/bad.ini" >"$TMP/bad.out" 2>&1 && fail "bad balance accepted"
grep -q "bad.ini:4.*balance.*'random' is none of first|roundrobin|leastconn|source" "$TMP/bad.out" &&
	grep -q "bad.ini:5.*check.*'http' is none of none|tcp" "$TMP/bad.out" &&
	grep -q "bad.ini:6.*rise" "$TMP/bad.out" || fail "bad values: $(cat "$TMP/bad.out")"
ok "bad balance, check, rise named at their lines"

stop_host
exit 0
