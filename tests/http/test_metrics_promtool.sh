#!/bin/sh
# The SDK's exposition text (the Check suite's sample: escapes, +Inf, NaN,
# several families) passes Prometheus' own linter.
. "$top_srcdir/tests/lib.sh"
need_cmd promtool prometheus

NH_METRICS_SAMPLE="$TMP/sample.prom" CK_RUN_CASE=metrics CK_RUN_SUITE=sdk_metrics \
	"$top_builddir/tests/http/test_metrics" > "$TMP/check.out" 2>&1 || { cat "$TMP/check.out"; fail "test_metrics failed"; }
[ -s "$TMP/sample.prom" ] || fail "no sample written"
grep -q '^nethost_icmp_rtt_seconds{.*} +Inf$' "$TMP/sample.prom" || fail "sample lacks the +Inf series"
promtool check metrics < "$TMP/sample.prom" > "$TMP/promtool.out" 2>&1 || { cat "$TMP/promtool.out"; fail "promtool check metrics refused the sample"; }
[ -s "$TMP/promtool.out" ] && { cat "$TMP/promtool.out"; fail "promtool has lint remarks"; }
ok "promtool check metrics accepts the exposition"
# And promtool must be able to fail: a counter without _total is linted.
printf '# HELP bad x\n# TYPE bad counter\nbad 1\n' | promtool check metrics > "$TMP/bad.out" 2>&1
grep -q _total "$TMP/bad.out" || fail "promtool did not lint a bad sample: $(cat "$TMP/bad.out")"
ok "promtool lints a bad sample (the check can fail)"
