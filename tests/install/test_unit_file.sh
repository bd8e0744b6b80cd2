#!/bin/sh
# conf/nethost.service: Type=notify, reload by SIGHUP, the hardening and
# capabilities we promise; systemd-analyze verify accepts it.
. "$top_srcdir/tests/lib.sh"

UNIT="$top_builddir/conf/nethost.service"
[ -f "$UNIT" ] || fail "$UNIT not built"
for line in "Type=notify" 'ExecReload=/bin/kill -HUP $MAINPID' "NoNewPrivileges=yes" \
	"ProtectSystem=strict" "AmbientCapabilities=CAP_NET_RAW CAP_NET_BIND_SERVICE" \
	"CapabilityBoundingSet=CAP_NET_RAW CAP_NET_BIND_SERVICE" "Restart=on-failure" "RestartPreventExitStatus=2"; do
	grep -qxF "$line" "$UNIT" || fail "unit lacks: $line"
done
grep -q '@[a-z]*@' "$UNIT" && fail "unsubstituted: $(grep '@[a-z]*@' "$UNIT")"
ok "the unit says what we promise"

command -v systemd-analyze >/dev/null 2>&1 || skip "systemd-analyze not installed (apt-get install systemd): verify skipped"
# Verify a copy that runs this build's host (the installed path may not
# exist yet); the man pages are checked by tests/install.
sed "s|^ExecStart=[^ ]*|ExecStart=$NETHOST|" "$UNIT" > "$TMP/nethost.service"
systemd-analyze verify --man=no "$TMP/nethost.service" > "$TMP/verify.out" 2>&1 || fail "systemd-analyze verify: $(cat "$TMP/verify.out")"
[ -s "$TMP/verify.out" ] && fail "systemd-analyze verify remarks: $(cat "$TMP/verify.out")"
ok "systemd-analyze verify accepts the unit"
# And it can fail.
sed 's/^Type=notify/Type=bogus/' "$TMP/nethost.service" > "$TMP/bad.service"
systemd-analyze verify --man=no "$TMP/bad.service" > "$TMP/bad.out" 2>&1
grep -q "bogus" "$TMP/bad.out" || fail "systemd-analyze did not object to Type=bogus: $(cat "$TMP/bad.out")"
ok "systemd-analyze verify objects to a broken copy (the check can fail)"
