#!/bin/sh
# A real Prometheus scrapes nethost the way it scrapes blackbox_exporter:
# the multi-target relabelling pattern against /probe (modules http_2xx
# and tcp_connect), and a plain job for /metrics. Prometheus' HTTP API
# then has probe_success 1 for both probe targets, with the instance label
# the relabelling set, and the icmp instance's per-target series: its RTT
# histogram is one (Prometheus' metadata says so) that histogram_quantile
# reads.
. "$top_srcdir/tests/lib.sh"
need_cmd prometheus prometheus
need_cmd curl curl

. "$top_srcdir/tests/http/responder.sh"
start_responder
PORT=$(free_port)
PPORT=$(free_port)
cat > "$TMP/nh.ini" <<INI
[http m]
listen = 127.0.0.1:$PORT

[icmp web]
targets = http://127.0.0.1:$HP/ok
every = 1s
INI
start_host "$TMP/nh.ini"

cat > "$TMP/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: probe_http
    metrics_path: /probe
    params:
      module: [http_2xx]
    static_configs:
      - targets: ['http://127.0.0.1:$HP/ok']
    relabel_configs: &relabel
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - target_label: __address__
        replacement: 127.0.0.1:$PORT
  - job_name: probe_tcp
    metrics_path: /probe
    params:
      module: [tcp_connect]
    static_configs:
      - targets: ['127.0.0.1:$HP']
    relabel_configs: *relabel
  - job_name: nethost
    static_configs:
      - targets: ['127.0.0.1:$PORT']
YML
prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/tsdb" \
	--web.listen-address="127.0.0.1:$PPORT" > "$TMP/prometheus.log" 2>&1 &
at_exit "kill $! 2>/dev/null"

# query PROMQL: the first result's value, "" when none yet.
query() {
	curl -s -G --data-urlencode "query=$1" "http://127.0.0.1:$PPORT/api/v1/query" |
		python3 -c 'import json, sys
r = json.load(sys.stdin).get("data", {}).get("result", [])
print(r[0]["value"][1] if r else "")' 2>/dev/null
}
# until_value PROMQL VALUE: wait up to 20 s.
until_value() {
	local i=0 v
	while [ $i -lt 80 ]; do
		v=$(query "$1")
		[ "$v" = "$2" ] && return 0
		sleep 0.25; i=$((i + 1))
	done
	fail "Prometheus has $1 = '$v', not $2; its log: $(tail -5 "$TMP/prometheus.log")"
}
until_value "probe_success{job=\"probe_http\",instance=\"http://127.0.0.1:$HP/ok\"}" 1
until_value "probe_success{job=\"probe_tcp\",instance=\"127.0.0.1:$HP\"}" 1
until_value "probe_http_status_code{job=\"probe_http\"}" 200
ok "Prometheus scraped /probe through blackbox's relabelling: probe_success 1, status 200"
until_value "up{job=\"nethost\"}" 1
until_value "nethost_icmp_target_up{job=\"nethost\",target=\"http://127.0.0.1:$HP/ok\"}" 1
v=$(query "nethost_icmp_target_last_change_timestamp_seconds{target=\"http://127.0.0.1:$HP/ok\"} > 0")
[ -n "$v" ] || fail "no last change timestamp in Prometheus"
until_value "increase(nethost_icmp_probes_total{result=\"reply\"}[5s]) > bool 0" 1
ok "Prometheus scraped /metrics: the icmp instance's series, probes counting"
H="nethost_icmp_rtt_seconds"
until_value "${H}_count{job=\"nethost\",target=\"http://127.0.0.1:$HP/ok\"} > bool 0" 1
q=$(query "histogram_quantile(0.5, sum by (le) (${H}_bucket{job=\"nethost\"})) > bool 0")
[ "$q" = 1 ] || fail "histogram_quantile over ${H}_bucket: '$q'"
t=$(curl -s "http://127.0.0.1:$PPORT/api/v1/metadata?metric=$H" |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["'$H'"][0]["type"])')
[ "$t" = histogram ] || fail "Prometheus has $H as '$t'"
ok "Prometheus has $H as a histogram, histogram_quantile reads it"
stop_host
