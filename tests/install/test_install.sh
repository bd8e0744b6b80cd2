#!/bin/sh
# make install into a scratch DESTDIR puts everything where it belongs
# (host, plugins, SDK headers and library, pkg-config file, config, unit,
# man pages); the installed host checks the installed config, runs it,
# serves /status from the installed http plugin, and stops on SIGTERM.
. "$top_srcdir/tests/lib.sh"
need_cmd make make

DEST="$TMP/dest"
# A make of its own, not a job of the make check that runs us.
unset MAKEFLAGS MFLAGS MAKELEVEL
make -C "$top_builddir" install DESTDIR="$DEST" > "$TMP/install.log" 2>&1 || { tail -n 30 "$TMP/install.log"; fail "make install failed"; }
ok "make install DESTDIR=..."

# The directories this build installs to, as make expands them.
cat > "$TMP/vars.mk" <<'MK'
nh-print-dirs:
	@echo "bindir='$(bindir)' libdir='$(libdir)' pkglibdir='$(pkglibdir)' includedir='$(includedir)' sysconfdir='$(sysconfdir)' mandir='$(mandir)' unitdir='$(systemdsystemunitdir)'"
MK
eval "$(make -s -C "$top_builddir" -f Makefile -f "$TMP/vars.mk" nh-print-dirs)"
[ -n "$bindir" ] && [ -n "$unitdir" ] || fail "cannot read the install directories"

for f in "$bindir/nethost" "$pkglibdir/http.so" "$libdir/libnethost.so" \
	"$libdir/pkgconfig/nethost.pc" "$includedir/nethost/nethost.h" \
	"$includedir/nethost/metrics.h" "$includedir/nethost/plugin.h" \
	"$sysconfdir/nethost.ini" "$unitdir/nethost.service" \
	"$mandir/man8/nethost.8" "$mandir/man5/nethost.ini.5" "$mandir/man3/nethost-plugin.3"; do
	[ -e "$DEST$f" ] || fail "not installed: $f"
done
ok "host, plugins, library, headers, pkg-config, config, unit and man pages installed"
# Only the plugin ABI is installed: no host or plugin-private headers.
for h in status.h echo.h rtnl.h; do
	[ -e "$DEST$includedir/nethost/$h" ] && fail "private header installed: $h"
done
ok "no private headers installed"

grep -qx "ExecStart=$bindir/nethost -c $sysconfdir/nethost.ini" "$DEST$unitdir/nethost.service" || fail "unit ExecStart: $(grep ExecStart "$DEST$unitdir/nethost.service")"
ok "the unit runs the installed host on the installed config"
for m in "$mandir/man8/nethost.8" "$mandir/man5/nethost.ini.5" "$mandir/man3/nethost-plugin.3"; do
	if command -v groff >/dev/null 2>&1; then
		groff -man -ww -z "$DEST$m" > "$TMP/groff.out" 2>&1 || fail "groff: $m"
		[ -s "$TMP/groff.out" ] && fail "groff warnings in $m: $(cat "$TMP/groff.out")"
	fi
done
if command -v systemd-analyze >/dev/null 2>&1 && command -v man >/dev/null 2>&1; then
	# Documentation=man:... must resolve to the installed pages.
	sed "s|^ExecStart=[^ ]*|ExecStart=$DEST$bindir/nethost|" "$DEST$unitdir/nethost.service" > "$TMP/nethost.service"
	MANPATH="$DEST$mandir" systemd-analyze verify "$TMP/nethost.service" > "$TMP/verify.out" 2>&1 || fail "systemd-analyze verify: $(cat "$TMP/verify.out")"
	[ -s "$TMP/verify.out" ] && fail "systemd-analyze verify: $(cat "$TMP/verify.out")"
	ok "man pages render cleanly; the unit's Documentation= finds them"
else
	echo "# systemd-analyze or man missing: unit/man cross-check skipped"
fi

export LD_LIBRARY_PATH="$DEST$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
NETHOST="$DEST$bindir/nethost"
"$NETHOST" -p "$DEST$pkglibdir" -t -c "$DEST$sysconfdir/nethost.ini" > "$TMP/t.out" 2>&1 || fail "-t on the installed config: $(cat "$TMP/t.out")"
ok "nethost -t passes on the installed config"
"$NETHOST" -p "$DEST$pkglibdir" plugins --json > "$TMP/plugins.json" || fail "plugins --json"
python3 - "$TMP/plugins.json" "$DEST$pkglibdir/" <<'PY' || fail "plugins: $(cat "$TMP/plugins.json")"
import json, sys
ps = json.load(open(sys.argv[1]))
assert "http" in [p["name"] for p in ps], ps
for p in ps:
    assert p["file"].startswith(sys.argv[2]), p["file"]
PY
ok "every plugin comes from the installed directory"

start_host "$DEST$sysconfdir/nethost.ini" -p "$DEST$pkglibdir"
stop_host
ok "the installed host runs the installed config and stops on SIGTERM"

PORT=$(free_port)
{ cat "$DEST$sysconfdir/nethost.ini"; printf '\n[http t]\nlisten = 127.0.0.1:%s\n' "$PORT"; } > "$TMP/with-http.ini"
start_host "$TMP/with-http.ini" -p "$DEST$pkglibdir"
python3 - "$PORT" "$TMP/with-http.ini" <<'PY' || fail "installed http /status"
import json, sys, urllib.request
s = json.load(urllib.request.urlopen("http://127.0.0.1:%s/status" % sys.argv[1], timeout=5))
assert s["config_file"] == sys.argv[2], s
assert {"plugin": "http", "name": "t", "started": True} in s["instances"], s
PY
stop_host
ok "the installed http plugin serves /status"
