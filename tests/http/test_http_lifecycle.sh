#!/bin/sh
# [http NAME] lifecycle endpoints: /-/healthy and /-/ready answer 200;
# POST /-/reload is 403 until allow_reload = yes, then applies a good file
# (200, /status counts it, the new instance serves) and refuses a bad one
# (500, the old configuration runs on); other methods get 405 with Allow.
. "$top_srcdir/tests/lib.sh"
need_cmd curl curl

PORT=$(free_port)
PORT2=$(free_port)
CONF="$TMP/http.ini"
write_conf() { # $1: allow_reload, $2: extra sections
	cat > "$CONF" <<INI
[http m]
listen = 127.0.0.1:$PORT
allow_reload = $1

${2:-}
INI
}
# req METHOD PATH: "CODE BODY" (body on one line)
req() { curl -s -X "$1" -o "$TMP/body" -w '%{http_code}' "http://127.0.0.1:$PORT$2" > "$TMP/code"; echo "$(cat "$TMP/code") $(tr '\n' ' ' < "$TMP/body" | sed 's/ $//')"; }
reloads() { curl -s "http://127.0.0.1:$PORT/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["reloads"])'; }

write_conf no
start_host "$CONF"
wait_for_log "$TMP/host.log" 5 "serving /metrics" || fail "not serving"

[ "$(req GET /-/healthy)" = "200 Healthy" ] || fail "/-/healthy: $(req GET /-/healthy)"
[ "$(req GET /-/ready)" = "200 Ready" ] || fail "/-/ready: $(req GET /-/ready)"
[ "$(req HEAD /-/healthy | cut -c1-3)" = 200 ] || fail "HEAD /-/healthy"
ok "/-/healthy and /-/ready: 200"

r=$(req POST /-/reload)
[ "$r" = "403 reload over HTTP is off (allow_reload = no)" ] || fail "POST /-/reload while off: $r"
[ "$(reloads)" = 0 ] || fail "a refused POST reloaded"
curl -s -D "$TMP/h" -o /dev/null "http://127.0.0.1:$PORT/-/reload"
grep -q '^HTTP/1.1 405' "$TMP/h" && grep -qi '^Allow: POST' "$TMP/h" || fail "GET /-/reload: $(cat "$TMP/h")"
curl -s -D "$TMP/h" -o /dev/null -X POST "http://127.0.0.1:$PORT/metrics"
grep -q '^HTTP/1.1 405' "$TMP/h" && grep -qi '^Allow: GET, HEAD' "$TMP/h" || fail "POST /metrics: $(cat "$TMP/h")"
ok "POST /-/reload is 403 while allow_reload = no; 405 with Allow elsewhere"

# Turn it on with a signal (the instance restarts with its new key).
write_conf yes
kill -HUP "$HOST_PID"
wait_for_log "$TMP/host.log" 5 "reloaded: " || fail "SIGHUP reload"
sleep 0.2
n0=$(reloads)
write_conf yes "[http second]
listen = 127.0.0.1:$PORT2"
r=$(req POST /-/reload)
[ "$r" = "200 reloaded" ] || fail "POST /-/reload of a good file: $r"
[ "$(reloads)" = $((n0 + 1)) ] || fail "reloads $n0 -> $(reloads)"
[ "$(curl -s "http://127.0.0.1:$PORT2/-/healthy")" = Healthy ] || fail "the new instance does not serve"
grep -q "reload requested over HTTP" "$TMP/host.log" || fail "the request is not logged"
ok "POST /-/reload applies a good file: 200, counted, the new instance serves"

write_conf yes "[http second]
listen = 127.0.0.1:$PORT2
no_such_key = 1"
r=$(req POST /-/reload)
case $r in "500 reload failed; the running configuration stays"*) ;; *) fail "POST /-/reload of a bad file: $r";; esac
[ "$(reloads)" = $((n0 + 1)) ] || fail "a bad file counted as a reload"
[ "$(curl -s "http://127.0.0.1:$PORT2/-/healthy")" = Healthy ] || fail "the old configuration stopped"
# A body is read and ignored.
r=$(curl -s -w ' %{http_code}' -X POST --data 'x=1' "http://127.0.0.1:$PORT/-/reload")
case $r in "reload failed;"*" 500") ;; *) fail "POST with a body: $r";; esac
ok "POST /-/reload of a bad file: 500, the old configuration runs on"
stop_host
