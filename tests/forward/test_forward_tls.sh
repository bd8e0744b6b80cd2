#!/bin/sh
# TLS on either side of the forwarder, and http_host (issue 15), on
# loopback with certificates made here: a name-based virtual host over TLS
# behind tls_to + http_host (keep-alive, pipelining, a chunked 10 MB POST,
# a malformed head), verification failures, termination with curl, openssl
# s_client and 100 MB each way, client certificates, half-close and reset
# across TLS.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/forward/common.sh"
need_cmd python3 python3
need_cmd openssl openssl
need_cmd curl curl
TLSTOOL="python3 $top_srcdir/tests/forward/tlstool.py"
C=$TMP/certs
sh "$top_srcdir/tests/forward/mkcerts.sh" "$C" || fail "cannot make test certificates"

tool() { # tool NAME ARGS...: a tlstool peer until the test ends
	local name=$1
	shift
	$TLSTOOL "$@" >"$TMP/$name.out" 2>&1 &
	at_exit "kill $! 2>/dev/null"
	wait_for_log "$TMP/$name.out" 10 "ready" || fail "$name ($*) did not start: $(cat "$TMP/$name.out")"
}
FWDS=
fwd() { # fwd LOG ARGS...: nethost forward in the background (stop_fwds ends it)
	local log=$1
	shift
	"$NETHOST" forward "$@" >"$TMP/$log" 2>&1 &
	at_exit "kill $! 2>/dev/null"
	FWDS="$FWDS $!:$log"
	wait_for_log "$TMP/$log" 10 "listening on" || fail "forward $* did not start: $(cat "$TMP/$log")"
}
stop_fwds() { # SIGTERM each: exit 0 (under ASan: nothing leaked)
	local f rc
	for f in $FWDS; do
		kill -TERM "${f%%:*}"
		wait "${f%%:*}"
		rc=$?
		[ $rc = 0 ] || fail "forward (${f#*:}) exited $rc after SIGTERM: $(tail -20 "$TMP/${f#*:}")"
	done
}

# ---- origination: a vhost that wants SNI localhost and Host www.example.test
V=$(free_port); L=$(free_port)
tool vhost vhost "$V" "$C/srv.pem" "$C/srv.key" localhost www.example.test
curl -s -o /dev/null "http://127.0.0.1:$V/" && fail "the vhost speaks plain HTTP"
# The recipe's command, on loopback: SNI is the to line's host name.
fwd web.log "127.0.0.1:$L" "localhost:$V" --tls-to --tls-ca "$C/ca.pem" --http-host www.example.test
got=$(curl -s "http://127.0.0.1:$L/hello") || fail "curl through tls_to + http_host failed"
case $got in "ok /hello n=0 "*) ;; *) fail "vhost answered: $got";; esac
wait_for_log "$TMP/web.log" 5 "upstream TLS TLSv1.[23] " ||
	fail "no TLS version in the log line: $(cat "$TMP/web.log")"
# "upstream TLS TLSv1.[23] " "$TMP/web.log" || fail "no TLS version in the log line: $(cat "$TMP/web.log")"
ok "curl through --tls-to --http-host gets the vhost (SNI from the to line, Host rewritten)"

n=$(curl -s -w '%{num_connects}\n' "http://127.0.0.1:$L/k[1-100]" | grep -c "^ok /k")
[ "$n" = 100 ] || fail "keep-alive: $n of 100 answers"
[ "$(grep -c "^conn sni=localhost" "$TMP/vhost.out")" = 2 ] || fail "keep-alive: 100 requests used $(grep -c "^conn" "$TMP/vhost.out") connections"
$TLSTOOL pipeline "$L" 20 >"$TMP/pipe.out" 2>&1 || fail "pipelining: $(cat "$TMP/pipe.out")"
ok "100 keep-alive requests on one connection, 20 pipelined ones, all rewritten"

head -c 10485760 /dev/urandom >"$TMP/post.bin"
sum=$(sha256sum <"$TMP/post.bin" | cut -d' ' -f1)
got=$(curl -s -H Expect: -H 'Transfer-Encoding: chunked' --data-binary @"$TMP/post.bin" "http://127.0.0.1:$L/post")
[ "$got" = "ok /post n=10485760 sha256=$sum" ] || fail "chunked POST: $got"
got=$(curl -s -H Expect: --data-binary @"$TMP/post.bin" "http://127.0.0.1:$L/post")
[ "$got" = "ok /post n=10485760 sha256=$sum" ] || fail "Content-Length POST: $got"
ok "10 MB POST, chunked and with Content-Length, arrives whole (sha256)"

bad=$(python3 -c 'import socket,sys; s=socket.create_connection(("127.0.0.1",int(sys.argv[1]))); s.sendall(b"GET / HTTP/1.1\r\nHost: a\r\nNo colon here\r\n\r\n"); print(s.recv(200).decode().splitlines()[0])' "$L")
case $bad in "HTTP/1.1 400"*) ;; *) fail "malformed head: got '$bad'";; esac
wait_for_log "$TMP/web.log" 5 "bad request (.*); answered 400" || fail "no log line for the 400: $(cat "$TMP/web.log")"
ok "a malformed request head gets 400 and a log line"

# ---- verification: each failure named in the log, the client closed
verify() { # verify NAME CERT WANT [ARGS]
	local name=$1 cert=$2 want=$3 p l
	shift 3
	p=$(free_port); l=$(free_port)
	tool "$name" vhost "$p" "$C/$cert.pem" "$C/$cert.key" www.example.test www.example.test
	fwd "$name.log" "127.0.0.1:$l" "127.0.0.1:$p" --tls-to --tls-sni www.example.test \
		--tls-ca "$C/ca.pem" --http-host www.example.test "$@"
	got=$(curl -s "http://127.0.0.1:$l/")
	if [ -n "$want" ]; then
		[ -z "$got" ] || fail "$name: got an answer: $got"
		wait_for_log "$TMP/$name.log" 5 "upstream TLS handshake failed (certificate verify failed: $want)" ||
			fail "$name: no '$want' line: $(cat "$TMP/$name.log")"
	else
		case $got in "ok / "*) ;; *) fail "$name: got '$got'";; esac
	fi
}
verify wrong wrong "hostname mismatch"
verify unknown unknown "unable to get local issuer certificate"
verify expired expired "certificate has expired"
verify noverify unknown "" --tls-verify off
grep -q "warning.*tls_verify is off" "$TMP/noverify.log" || fail "no warning for --tls-verify off: $(cat "$TMP/noverify.log")"
ok "wrong name, unknown CA, expired: refused with the reason; --tls-verify off connects and warns"

# ---- configuration: files checked when read, named at their key; :443 + http_host is TLS
cat >"$TMP/bad.ini" <<INI
[forward a]
listen = 127.0.0.1:1
to = 127.0.0.1:2
tls_cert = $TMP/none.pem
tls_key = $C/srv.key

[forward b]
listen = 127.0.0.1:1
to = 127.0.0.1:2
tls_cert = $C/srv.pem
tls_key = $C/cli.key

[forward c]
listen = 127.0.0.1:1
to = 127.0.0.1:2
tls_ca = $C/ca.pem
INI
"$NETHOST" -t -c "$TMP/bad.ini" >"$TMP/bad.out" 2>&1 && fail "a bad TLS file passed -t"
grep -q "bad.ini:4: \[forward a\] tls_cert: .*none.pem': No such file" "$TMP/bad.out" || fail "missing cert: $(cat "$TMP/bad.out")"
grep -q "bad.ini:11: \[forward b\] tls_key: .*cli.key': .*mismatch" "$TMP/bad.out" || fail "key mismatch: $(cat "$TMP/bad.out")"
grep -q "\[forward c\] tls_ca: needs tls_to = on" "$TMP/bad.out" || fail "tls_ca without tls_to: $(cat "$TMP/bad.out")"
P=$(free_port)
fwd https.log "127.0.0.1:$P" 127.0.0.1:443 --http-host www.example.test
grep -q "relaying to 127.0.0.1:443 over TLS" "$TMP/https.log" || fail "http_host with :443 is not TLS: $(cat "$TMP/https.log")"
ok "bad TLS files are errors at their key (file:line); http_host with a :443 upstream speaks TLS"

# ---- termination, in the service: curl, s_client, 100 MB each way,
# client certificates, half-close and reset
E=$(free_port); T=$(free_port); W=$(free_port); H=$(free_port); K=$(free_port); MP=$(free_port)
start_tool echo echo 127.0.0.1 "$E"
tool plainhost vhost "$H" - - - www.example.test plain
cat >"$TMP/tls.ini" <<INI
[nethost]
control = $TMP/control.sock

[http m]
listen = 127.0.0.1:$MP

[forward term]
listen = 127.0.0.1:$T
to = 127.0.0.1:$E
tls_cert = $C/live.pem
tls_key = $C/live.key

[forward web]
listen = 127.0.0.1:$W
to = 127.0.0.1:$H
tls_cert = $C/srv.pem
tls_key = $C/srv.key
http_host = www.example.test

[forward clientcert]
listen = 127.0.0.1:$K
to = 127.0.0.1:$H
tls_cert = $C/srv.pem
tls_key = $C/srv.key
tls_client_ca = $C/ca.pem
http_host = www.example.test
INI
cp "$C/srv.pem" "$C/live.pem"; cp "$C/srv.key" "$C/live.key"
start_host "$TMP/tls.ini"
fds_before=$(fd_count "$HOST_PID")
got=$(curl -s --cacert "$C/ca.pem" --resolve "www.example.test:$W:127.0.0.1" "https://www.example.test:$W/t")
case $got in "ok /t n=0 "*) ;; *) fail "curl https through tls_cert + http_host: '$got'";; esac
got=$( (echo hello-tls; sleep 0.5) | openssl s_client -connect "127.0.0.1:$T" -servername www.example.test \
	-CAfile "$C/ca.pem" -verify_return_error -quiet -no_ign_eof 2>/dev/null)
[ "$got" = hello-tls ] || fail "openssl s_client through tls_cert: '$got'"
$TLSTOOL bulk "$T" "$C/ca.pem" www.example.test 100 >"$TMP/bulk.out" 2>&1 || fail "100 MB: $(cat "$TMP/bulk.out")"
ok "termination: curl (https, Host rewritten), openssl s_client, 100 MB each way checked"
$TLSTOOL halfclose "$T" "$C/ca.pem" www.example.test >"$TMP/thc.out" 2>&1 ||
	fail "half-close from a TLS client: $(cat "$TMP/thc.out")"
ok "half-close from a TLS client: close_notify -> shutdown, the echo comes back whole"

cc() { curl -s --cacert "$C/ca.pem" --resolve "www.example.test:$K:127.0.0.1" "$@" "https://www.example.test:$K/"; }
got=$(cc --cert "$C/cli.pem" --key "$C/cli.key")
case $got in "ok / "*) ;; *) fail "a good client certificate was refused: '$got'";; esac
cc && fail "no client certificate, yet connected"
cc --cert "$C/cli2.pem" --key "$C/cli2.key" && fail "a client certificate of another CA, yet connected"
wait_count "client TLS handshake failed" 2 || fail "no log lines for refused client certificates"
ok "tls_client_ca: a certificate of the CA is let in; none, or another CA's, refused"

# A reset from a TLS client reaches the upstream as a reset, and is logged.
python3 -c '
import socket, ssl, struct, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))), server_hostname="www.example.test")
s.sendall(b"x\n"); assert s.recv(10) == b"x\n"
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); s.close()' "$T" "$C/ca.pem" ||
	fail "TLS client for the reset failed"
wait_count "forward/term: .*client reset (Connection reset by peer).*client TLS TLSv1.3" 1 ||
	fail "no client reset line for a TLS client"
curl -s "http://127.0.0.1:$MP/metrics" >"$TMP/metrics" || fail "scrape of /metrics failed"
metric() { awk -v s="$1{plugin=\"forward\",instance=\"$2\"${3:+,$3}}" 'index($0, s " ") == 1 { print $2 }' "$TMP/metrics"; }
[ "$(metric nethost_forward_tls_handshakes_total clientcert 'result="failed"')" = 2 ] ||
	fail "handshakes failed on clientcert: $(grep tls_handshakes "$TMP/metrics")"
[ "$(metric nethost_forward_tls_handshakes_total clientcert 'result="ok"')" = 1 ] ||
	fail "handshakes ok on clientcert: $(grep tls_handshakes "$TMP/metrics")"
[ "$(metric nethost_forward_tls_handshakes_total term 'result="ok"')" -ge 3 ] ||
	fail "handshakes ok on term: $(grep tls_handshakes "$TMP/metrics")"
[ "$(metric nethost_forward_http_bad_requests_total web)" = 0 ] || fail "bad requests on web: $(grep bad_requests "$TMP/metrics")"
ok "a TLS client's reset crosses; handshakes counted by result in /metrics"

# A renewed certificate: served to new clients after SIGHUP (not before),
# open ones go on; one that does not load refuses the reload and keeps the
# running one.
swap() { cp "$1.pem" "$C/new.pem" && mv "$C/new.pem" "$C/live.pem"; cp "$1.key" "$C/new.key" && mv "$C/new.key" "$C/live.key"; }
[ "$($TLSTOOL serial "$T" "$C/ca.pem" www.example.test)" = 03E9 ] || fail "not serving serial 1001 at start"
tool hold hold "$T" "$C/ca.pem" www.example.test 1.5
# nethost ctl conns names each side's TLS (the held connection).
i=0
until "$NETHOST" ctl -s "$TMP/control.sock" --json conns term >"$TMP/conns.json" 2>&1 &&
	grep -q TLSv1 "$TMP/conns.json" || [ $i -ge 40 ]; do sleep 0.05; i=$((i + 1)); done
python3 - "$TMP/conns.json" <<'PY' || fail "ctl conns: $(cat "$TMP/conns.json")"
import json, sys
r = json.load(open(sys.argv[1]))
conns = [c for inst in r["instances"] for c in inst["reply"]["conns"]]
assert any(c["tls_client"].startswith("TLSv1.3 ") and c["tls_upstream"] == "-" for c in conns), conns
PY
swap "$C/srv2"
sleep 0.2
got=$($TLSTOOL serial "$T" "$C/ca.pem" www.example.test)
[ "$got" = 03E9 ] || fail "the renewed certificate was served before SIGHUP: serial $got"
kill -HUP "$HOST_PID"
wait_count "TLS files re-read; serving certificate serial 03EA" 1 || fail "SIGHUP did not re-read the TLS files"
got=$($TLSTOOL serial "$T" "$C/ca.pem" www.example.test)
[ "$got" = 03EA ] || fail "renewed certificate not served: serial $got"
wait_for_log "$TMP/hold.out" 5 "hold ok" || fail "the open connection did not survive: $(cat "$TMP/hold.out")"
echo garbage >"$C/new.pem" && mv "$C/new.pem" "$C/live.pem"
kill -HUP "$HOST_PID"
wait_count "reload refused: \[forward term\] cannot re-read its files" 1 ||
	fail "a bad certificate file did not refuse the reload: $(tail -n 5 "$TMP/host.log")"
got=$($TLSTOOL serial "$T" "$C/ca.pem" www.example.test)
[ "$got" = 03EA ] || fail "a bad certificate file changed what is served: serial $got"
wait_count "the certificates in use stay" 1 || fail "no error line for the bad certificate file"
ok "renewed certificate served after SIGHUP (not before), open connection goes on; a bad one refuses the reload"
i=0
while [ "$(fd_count "$HOST_PID")" != "$fds_before" ] && [ $i -lt 60 ]; do sleep 0.05; i=$((i + 1)); done
[ "$(fd_count "$HOST_PID")" = "$fds_before" ] || fail "fds: $fds_before at start, $(fd_count "$HOST_PID") after every TLS connection closed"
ok "no fd left behind by the TLS connections"
stop_host

# Half-close and reset across TLS: plain client -> forwarder -> TLS echo.
U=$(free_port); LU=$(free_port)
tool tlsecho echo "$U" "$C/srv.pem" "$C/srv.key"
fwd hc.log "127.0.0.1:$LU" "localhost:$U" --tls-to --tls-ca "$C/ca.pem"
$FWDTOOL halfclose 127.0.0.1 "$LU" >"$TMP/hc.out" 2>&1 || fail "half-close across TLS: $(cat "$TMP/hc.out")"
$FWDTOOL upreset 127.0.0.1 "$LU" >"$TMP/rst.out" 2>&1 || fail "reset across TLS: $(cat "$TMP/rst.out")"
wait_for_log "$TMP/hc.log" 5 "upstream reset" || fail "no reset line: $(cat "$TMP/hc.log")"
ok "half-close (shutdown -> close_notify -> echo -> EOF) and reset cross TLS"
stop_fwds
ok "every forwarder stops cleanly on SIGTERM"
