#!/bin/sh
# nethost ctl against a running host, over its control socket: every
# command in text and --json (parsed), a forwarder's live connection, icmp
# targets (one up, one down), the template's and a frozen 2.1 plugin's own
# control commands, a 2.0 plugin without any, a refused reload (exit 2,
# every problem, the old config runs on) and a good one, the socket's mode,
# peers of another uid refused, bounded requests, and stop.
. "$top_srcdir/tests/lib.sh"
need_cmd pkg-config pkg-config
need_cmd make make

PLUGINS="$top_builddir/tests/plugins"
mkdir -p "$TMP/sk" "$TMP/run"
cp "$top_srcdir/examples/skeleton/skeleton.c" "$top_srcdir/examples/skeleton/Makefile" "$TMP/sk/"
chmod u+w "$TMP"/sk/*
: "${NH_PKG_CONFIG_PATH:=$top_builddir/sdk}"
PKG_CONFIG_PATH="$NH_PKG_CONFIG_PATH" env -u MAKEFLAGS -u MFLAGS make -C "$TMP/sk" > "$TMP/sk/build.log" 2>&1 \
	|| { cat "$TMP/sk/build.log"; fail "the template did not build"; }

SOCK="$TMP/run/control.sock"
CONF="$TMP/ctl.ini"
PF=$(free_port); PU=$(free_port); PS=$(free_port); PD=$(free_port)
ROOT=0; [ "$(id -u)" = 0 ] && ROOT=1

# The forwarder's upstream: an echo server.
python3 -c '
import socket, sys, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
print("listening", flush=True)
def echo(c):
    while True:
        d = c.recv(65536)
        if not d: break
        c.sendall(d)
    c.close()
while True:
    c, _ = s.accept(); threading.Thread(target=echo, args=(c,), daemon=True).start()' "$PU" > "$TMP/upstream" &
at_exit "kill $!"
wait_for_log "$TMP/upstream" 5 listening || fail "upstream did not listen"

write_conf() { # $1: extra lines for [forward web]; $2: extra sections
	cat > "$CONF" <<INI
[nethost]
control = $SOCK

[forward web]
listen = 127.0.0.1:$PF
to = 127.0.0.1:$PU
$1

[skeleton s]
listen = 127.0.0.1:$PS

[abi20 old]
word = old

[abi21 new]
word = frozen
INI
	# ICMP needs a raw socket here (ping_group_range is off): root only.
	[ $ROOT = 1 ] && cat >> "$CONF" <<INI

[icmp lan]
targets = 127.0.0.1, http://127.0.0.1:$PD/
every = 200ms
timeout = 300ms
retries = 0
INI
	printf '%s\n' "$2" >> "$CONF"
}
# Bad values are configuration errors (-t exits 2), named by file and line.
printf '[nethost]\ncontrol = %s/nodir/c.sock\n' "$TMP" > "$TMP/bad.ini"
"$NETHOST" -t -c "$TMP/bad.ini" > "$TMP/bad.out" 2>&1; rc=$?
[ $rc = 2 ] && grep -q "bad.ini:2: \[nethost nethost\] control: '$TMP/nodir/c.sock': directory '$TMP/nodir': No such file" "$TMP/bad.out" ||
	fail "control in a missing directory: exit $rc: $(cat "$TMP/bad.out")"
printf '[nethost]\ncontrol = @abstract\n' > "$TMP/bad.ini"
"$NETHOST" -t -c "$TMP/bad.ini" > "$TMP/bad.out" 2>&1; rc=$?
[ $rc = 2 ] && grep -q "control: '@abstract': give a file path" "$TMP/bad.out" || fail "control = @abstract: exit $rc: $(cat "$TMP/bad.out")"
ok "control in a missing directory, or not a file path: -t exits 2 naming file, line and key"

write_conf "" ""
start_host "$CONF" -p "$TMP/sk:$PLUGINS"
ctl() { "$NETHOST" ctl -s "$SOCK" "$@"; }
json() { # json PYTHON-ASSERTS COMMAND...: run ctl --json, check its output
	code=$1; shift
	ctl --json "$@" > "$TMP/out.json" || fail "ctl $*: exit $?: $(cat "$TMP/out.json")"
	python3 -c "
import json, sys
r = json.load(open(sys.argv[1]))
$code" "$TMP/out.json" || fail "ctl --json $*: $(cat "$TMP/out.json")"
}

# ---- the socket --------------------------------------------------------
[ -S "$SOCK" ] || fail "no socket at $SOCK"
[ "$(stat -c %a "$SOCK")" = 600 ] || fail "socket mode $(stat -c %a "$SOCK"), want 600"
ok "control socket at [nethost] control, mode 0600"

# ---- status ------------------------------------------------------------
ctl status > "$TMP/status.txt" || fail "status: exit $?"
grep -q "^version: " "$TMP/status.txt" && grep -q "^config_file: $CONF" "$TMP/status.txt" &&
	grep -Eq "^  forward +web +yes +running" "$TMP/status.txt" || { cat "$TMP/status.txt"; fail "status text"; }
json "
assert r['abi'] == '2.1' and r['config_file'] == '$CONF' and r['control'] == '$SOCK', r
assert r['uptime_seconds'] >= 0 and r['reloads'] == 0
i = {x['plugin'] + '/' + x['name']: x for x in r['instances']}
assert i['forward/web']['state'] == 'running' and i['forward/web']['ctl'] == ['stats', 'conns', 'upstreams', 'upstream'], i
assert i['skeleton/s']['ctl'] == ['stats'] and i['abi21/new']['ctl'] == ['say'], i
assert i['abi20/old']['ctl'] == [] and i['abi20/old']['state'] == 'running', i
" status
# The socket named by the config file, either way round.
"$NETHOST" ctl -c "$CONF" --json status > /dev/null || fail "ctl -c FILE status"
"$NETHOST" -c "$CONF" ctl status > /dev/null || fail "nethost -c FILE ctl status"
ok "status: text and JSON (version, config, uptime, instances with state); -s, ctl -c, -c ctl"

# ---- conns: a live connection through the forwarder ---------------------
python3 -c '
import socket, sys, time
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
c.sendall(b"hello through"); got = b""
while len(got) < 13: got += c.recv(100)
print("echoed", flush=True); time.sleep(30)' "$PF" > "$TMP/client" &
CLIENT=$!
at_exit "kill $CLIENT"
wait_for_log "$TMP/client" 5 echoed || fail "no echo through the forwarder"
json "
[one] = r['instances']
assert one['instance'] == 'forward/web' and one['code'] == 0, one
[c] = one['reply']['conns']
assert c['client'].startswith('127.0.0.1:') and c['upstream'] == '127.0.0.1:$PU', c
assert c['state'] == 'relaying' and c['bytes_up'] == 13 and c['bytes_down'] == 13, c
assert c['age_seconds'] >= 0 and one['reply']['total'] == 1, one
" conns
ctl conns web > "$TMP/conns.txt" || fail "conns web: exit $?"
grep -q "^\[forward/web\]" "$TMP/conns.txt" && grep -Eq "^    client +upstream +state" "$TMP/conns.txt" &&
	grep -q "127.0.0.1:$PU  *relaying  *13  *13" "$TMP/conns.txt" || { cat "$TMP/conns.txt"; fail "conns text"; }
json "assert r['conns'][0]['bytes_up'] == 13, r" forward/web conns
json "
assert r['listen'] == ['127.0.0.1:$PF'] and r['upstreams'] == ['127.0.0.1:$PU'], r
assert r['active'] == 1 and r['accepted'] == 1 and r['bytes_up'] == 13 and r['bytes_down'] == 13, r
" forward/web stats
ctl conns nope > /dev/null 2> "$TMP/err" && fail "conns of an unknown instance succeeded"
grep -q "no running instance 'nope' has 'conns'" "$TMP/err" || fail "conns nope: $(cat "$TMP/err")"
ok "conns [INSTANCE]: client, upstream, bytes each way, age (text and JSON); forward/web stats"
json "
[u] = r['upstreams']
assert u['upstream'] == '127.0.0.1:$PU' and u['state'] == 'up' and u['connects_ok'] == 1, u
assert u['connects_failed'] == 0 and 'error' not in u, u
" forward/web upstreams
ok "upstreams: the upstream is up after a connect to it"

# ---- targets -------------------------------------------------------------
if [ $ROOT = 1 ]; then
	i=0
	until ctl --json targets 2>/dev/null | python3 -c '
import json, sys
t = json.load(sys.stdin)["instances"][0]["reply"]
sys.exit(0 if t["rounds"] >= 3 else 1)'; do
		i=$((i + 1)); [ $i -lt 50 ] || fail "icmp/lan did not sweep 3 rounds"; sleep 0.1
	done
	json "
t = {x['target']: x for x in r['targets']}
up, down = t['127.0.0.1'], t['http://127.0.0.1:$PD/']
assert up['state'] == 'up' and up['last_rtt_ms'] > 0 and up['since'].endswith('Z'), up
assert len(up['recent_rtt_ms']) >= 3 and all(x is not None for x in up['recent_rtt_ms']), up
assert up['loss'] == 0 and up['recent_loss'] == 0, up
assert down['state'] == 'down' and down['last_rtt_ms'] is None and down['loss'] == 1, down
assert set(down['recent_rtt_ms']) == {None} and 'error' in down, down
assert r['total'] == 2, r
" icmp/lan targets
	ctl targets lan > "$TMP/targets.txt" || fail "targets lan: exit $?"
	grep -Eq "127.0.0.1 +up " "$TMP/targets.txt" && grep -Eq "http://127.0.0.1:$PD/ +down " "$TMP/targets.txt" ||
		{ cat "$TMP/targets.txt"; fail "targets text"; }
	ok "targets [INSTANCE]: state, since, last RTT, loss, recent RTTs; a dead URL is down"
	# A limit lists the down ones first (the status page asks for its rows).
	json "
assert r['total'] == 2 and [x['target'] for x in r['targets']] == ['http://127.0.0.1:$PD/'], r
" icmp/lan targets 1
	# COMMAND INSTANCE ARGS: the instance after the usage's fixed words (none here).
	ctl --json targets lan 1 | python3 -c '
import json, sys
[one] = json.load(sys.stdin)["instances"]
assert one["instance"] == "icmp/lan" and len(one["reply"]["targets"]) == 1, one' ||
		fail "targets lan 1"
	ctl icmp/lan targets 0 > /dev/null 2> "$TMP/err" && fail "targets 0 accepted"
	grep -q "usage: targets \[LIMIT\]" "$TMP/err" || fail "targets 0: $(cat "$TMP/err")"
	ctl targets lan 0 > /dev/null 2> "$TMP/err"; rc=$?
	[ $rc = 2 ] && grep -q "^nethost ctl: icmp/lan: usage: targets \[LIMIT\]" "$TMP/err" ||
		fail "targets lan 0: exit $rc: $(cat "$TMP/err")"
	ok "targets LIMIT (also targets lan LIMIT): at most LIMIT, the down ones first; a bad LIMIT is a usage error, named"
else
	echo "# skipped targets: icmp needs root here (ping_group_range is off)"
fi

# ---- plugins' own commands ----------------------------------------------
python3 -c '
import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1]))).recv(100)' "$PS"
i=0
until ctl --json skeleton/s stats 2>/dev/null | grep -q '"served":1'; do
	i=$((i + 1)); [ $i -lt 50 ] || fail "skeleton stats: $(ctl --json skeleton/s stats 2>&1)"; sleep 0.1
done
json "assert r['served'] == 1 and r['listen'] == '127.0.0.1:$PS' and r['greeting'] == 'hello', r" skeleton/s stats
ctl skeleton/s stats | grep -qx "served: 1" || fail "skeleton stats text: $(ctl skeleton/s stats)"
ctl stats > /dev/null || fail "stats on every instance that has it"
ctl skeleton/s stats extra > /dev/null 2> "$TMP/err"; rc=$?
[ $rc = 2 ] && grep -q "stats takes no arguments" "$TMP/err" || fail "stats extra: exit $rc: $(cat "$TMP/err")"
ok "the template's own control command (skeleton/s stats), its usage error"

json "assert r == {'word': 'frozen', 'args': ['a', '-b']}, r" abi21/new say -- a -b
ctl abi21/new say fail > /dev/null 2> "$TMP/err"; rc=$?
[ $rc = 1 ] && grep -q "asked to fail" "$TMP/err" || fail "say fail: exit $rc: $(cat "$TMP/err")"
ctl abi20/old say > /dev/null 2> "$TMP/err"; rc=$?
[ $rc = 2 ] && grep -q "abi20/old has no control command 'say' (it has none)" "$TMP/err" || fail "2.0 plugin: exit $rc: $(cat "$TMP/err")"
ctl nosuch/x say > /dev/null 2> "$TMP/err" && fail "unknown instance accepted"
grep -q "no instance 'nosuch/x'" "$TMP/err" || fail "unknown instance: $(cat "$TMP/err")"
ok "a frozen 2.1 plugin's command (args, failure); a 2.0 plugin has none; unknown instance"

ctl help > "$TMP/help.txt" || fail "help: exit $?"
for w in status reload stop metrics "forward/web +conns" "skeleton/s +stats" "abi21/new +say"; do
	grep -Eq "$w" "$TMP/help.txt" || { cat "$TMP/help.txt"; fail "help lacks '$w'"; }
done
ctl metrics > "$TMP/metrics.txt" || fail "metrics: exit $?"
grep -q '^nethost_forward_.*instance="web"' "$TMP/metrics.txt" || { head "$TMP/metrics.txt"; fail "metrics"; }
grep -q "^# TYPE " "$TMP/metrics.txt" || fail "metrics: not Prometheus text"
json "assert '# TYPE' in r['text'], r" metrics
ok "help lists every command; metrics as Prometheus text"

# ---- reload --------------------------------------------------------------
write_conf "wrongkey = 1" "[nosuchplugin x]"
ctl reload > "$TMP/reload.txt" 2>&1; rc=$?
[ $rc = 2 ] || { cat "$TMP/reload.txt"; fail "bad reload: exit $rc, want 2"; }
grep -q "applied: no" "$TMP/reload.txt" && grep -q "$CONF:7: \[forward web\] wrongkey: unknown key" "$TMP/reload.txt" &&
	grep -q "plugin 'nosuchplugin': not found" "$TMP/reload.txt" || { cat "$TMP/reload.txt"; fail "bad reload: problems not listed"; }
python3 -c '
import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); c.sendall(b"still"); assert c.recv(100) == b"still"' "$PF" ||
	fail "the forwarder does not relay after the refused reload"
json "assert r['reloads'] == 0 and r['instances'][0]['state'] == 'running', r" status
ctl --json reload > "$TMP/reload.json"; rc=$?
[ $rc = 2 ] || fail "bad reload --json: exit $rc"
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["applied"] is False and len(r["problems"]) == 3, r
assert "wrongkey: unknown key" in r["problems"][0], r' "$TMP/reload.json" || fail "bad reload --json: $(cat "$TMP/reload.json")"
ok "a refused reload: exit 2, every problem listed, the old config runs on"
write_conf "" "[abi21 two]"
ctl reload > "$TMP/reload.txt" 2>&1 || { cat "$TMP/reload.txt"; fail "good reload: exit $?"; }
json "assert r['reloads'] == 1 and any(x['name'] == 'two' for x in r['instances']), r" status
ok "a good reload applies (exit 0)"

# ---- peers and bounds ------------------------------------------------------
raw() { # raw BYTES: send them as is, print the response
	python3 -c '
import socket, sys
c = socket.socket(socket.AF_UNIX); c.connect(sys.argv[1]); c.sendall(sys.argv[2].encode().decode("unicode_escape").encode())
out = b""
while True:
    d = c.recv(65536)
    if not d: break
    out += d
print(out.decode())' "$SOCK" "$1"
}
raw 'not json\n' | grep -q '"code":2,"error":"bad request' || fail "a bad request is not refused"
raw "$(python3 -c 'print("x" * 20000)')" | grep -q 'request too long' || fail "an endless request is not cut"
ok "bad and over-long requests are refused"
if [ $ROOT = 1 ] && command -v setpriv > /dev/null; then
	chmod 755 "$TMP" "$TMP/run"
	as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
	# The real client, not under valgrind: nobody cannot write its logs.
	# Where nobody cannot reach the build tree (a private build dir), a
	# python client sends the request the real one would.
	BIN="$top_builddir/host/nethost"
	if as_nobody test -x "$BIN"; then
		client() { as_nobody "$BIN" ctl -s "$SOCK" status; }
	else
		echo "# $BIN is out of nobody's reach: a python client speaks for it"
		client() {
			as_nobody /usr/bin/python3 -c '
import socket, sys
c = socket.socket(socket.AF_UNIX)
try:
    c.connect(sys.argv[1])
except PermissionError as e:
    print("cannot connect:", e); sys.exit(1)
c.sendall(b"[\"status\"]\n")
out = b""
while True:
    d = c.recv(65536)
    if not d: break
    out += d
print(out.decode()); sys.exit(2 if b"permission denied" in out else 0)' "$SOCK"
		}
	fi
	client > "$TMP/nobody.out" 2>&1; rc=$?
	[ $rc = 1 ] && grep -q "Permission denied" "$TMP/nobody.out" ||
		fail "uid nobody and the 0600 socket: exit $rc: $(cat "$TMP/nobody.out")"
	chmod 666 "$SOCK" # the file lets it in now: the peer check must not
	client > "$TMP/nobody.out" 2>&1; rc=$?
	[ $rc = 2 ] || fail "nobody past the file mode: exit $rc: $(cat "$TMP/nobody.out")"
	grep -q "permission denied: uid 65534 (pid [0-9]*) is neither root nor the service's uid 0" "$TMP/nobody.out" ||
		fail "nobody was not refused: $(cat "$TMP/nobody.out")"
	grep -q "version" "$TMP/nobody.out" && fail "nobody got the status"
	wait_for_log "$TMP/host.log" 5 "nethost/control: refused: permission denied: uid 65534" || fail "the refusal is not logged"
	chmod 600 "$SOCK"
	ok "peers of another uid are refused (by the file mode, and by SO_PEERCRED)"
else
	echo "# skipped the other-uid check: needs root and setpriv"
fi

# ---- stop ----------------------------------------------------------------
json "assert r == {'stopping': True}, r" stop
i=0
while kill -0 "$HOST_PID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
kill -0 "$HOST_PID" 2>/dev/null && fail "host still running after ctl stop"
wait "$HOST_PID"; rc=$?
HOST_PID=
[ $rc = 0 ] || fail "host exited $rc after ctl stop"
[ -e "$SOCK" ] && fail "socket file left behind"
ctl status > /dev/null 2> "$TMP/err"; rc=$?
[ $rc = 1 ] || fail "ctl to a stopped service: exit $rc, want 1"
ok "stop: the service exits 0 and removes its socket; then ctl exits 1"

# ---- under systemd: the default socket in $RUNTIME_DIRECTORY ------------
mkdir -p "$TMP/rt"
printf '[abi21 new]\nword = rt\n' > "$TMP/rt.ini"
RUNTIME_DIRECTORY="$TMP/rt:$TMP/other"; export RUNTIME_DIRECTORY
start_host "$TMP/rt.ini" -p "$PLUGINS"
"$NETHOST" ctl -s "$TMP/rt/control.sock" --json abi21/new say > "$TMP/rt.out" || fail "no socket in \$RUNTIME_DIRECTORY: $(cat "$TMP/rt.out")"
grep -q '"word":"rt"' "$TMP/rt.out" || fail "rt: $(cat "$TMP/rt.out")"
stop_host
printf '[nethost]\ncontrol = off\n[abi21 new]\nword = rt\n' > "$TMP/rt.ini"
start_host "$TMP/rt.ini" -p "$PLUGINS"
[ -e "$TMP/rt/control.sock" ] && fail "control = off still made a socket"
"$NETHOST" ctl -c "$TMP/rt.ini" status > /dev/null 2> "$TMP/err"; rc=$?
[ $rc = 2 ] && grep -q "\[nethost\] control is off" "$TMP/err" || fail "ctl -c with control = off: exit $rc: $(cat "$TMP/err")"
stop_host
unset RUNTIME_DIRECTORY
ok "unset, control is \$RUNTIME_DIRECTORY/control.sock under systemd (the unit's /run/nethost); control = off is off"
