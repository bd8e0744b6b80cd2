#!/bin/sh
# ./configure --prefix=P && make install DESTDIR=D writes only under D/P and
# puts everything where it belongs there (host, plugins, SDK headers and
# library, pkg-config file, config, unit, man pages, the plugin author's
# guide and template); a reconfigure with another prefix rebuilds the host
# with the new plugin directory. The installed host checks the installed
# config, runs it, serves /status from the installed http plugin, and stops
# on SIGTERM. Builds a copy of the sources of its own (about 30 s).
. "$top_srcdir/tests/lib.sh"
need_cmd make make

# A make of its own, not a job of the make check that runs us.
unset MAKEFLAGS MFLAGS MAKELEVEL
SRC="$TMP/src"
make -C "$top_builddir" distdir distdir="$SRC" top_distdir="$SRC" > "$TMP/distdir.log" 2>&1 || { tail -n 30 "$TMP/distdir.log"; fail "make distdir failed"; }
build() { # $1: what; the rest: the command, run in the copy
	what=$1
	shift
	(cd "$SRC" && "$@") > "$TMP/build.log" 2>&1 || { tail -n 30 "$TMP/build.log"; fail "$what failed"; }
}

# First a host built for another prefix, then the one we install: what
# depends on the prefix must be rebuilt (it comes from config.h).
build "configure --prefix=/opt/nh-test-old" ./configure -q --prefix=/opt/nh-test-old
build "make host/nethost" make -j2 host/nethost
"$SRC/host/nethost" --help | grep -qF " then /opt/nh-test-old/lib/nethost." || fail "the first build's plugin dir: $("$SRC/host/nethost" --help | grep -A1 'Plugins are searched')"
P=/opt/nh-test
DEST="$TMP/dest"
build "configure --prefix=$P" ./configure -q --prefix="$P"
build "make install DESTDIR=..." make -j2 install DESTDIR="$DEST"
ok "configure --prefix=$P && make install DESTDIR=... (after a build for another prefix)"

outside=$(cd "$DEST" && find . \( -type f -o -type l \) ! -path ".$P/*")
[ -z "$outside" ] || fail "installed outside the prefix $P: $outside"
ok "nothing written outside DESTDIR$P"

bindir=$P/bin libdir=$P/lib pkglibdir=$P/lib/nethost includedir=$P/include sysconfdir=$P/etc
mandir=$P/share/man docdir=$P/share/doc/nethost unitdir=$P/lib/systemd/system
for f in "$bindir/nethost" "$pkglibdir/http.so" "$libdir/libnethost.so" "$libdir/libnethost.so.2" \
	"$libdir/pkgconfig/nethost.pc" "$includedir/nethost/nethost.h" \
	"$includedir/nethost/metrics.h" "$includedir/nethost/plugin.h" \
	"$sysconfdir/nethost.ini" "$unitdir/nethost.service" \
	"$mandir/man8/nethost.8" "$mandir/man5/nethost.ini.5" "$mandir/man3/nethost-plugin.3" \
	"$docdir/GUIDE.md" "$docdir/examples/skeleton/Makefile" "$docdir/examples/skeleton/README.md" \
	"$docdir/examples/skeleton/skeleton.c"; do
	[ -e "$DEST$f" ] || fail "not installed: $f"
done
ok "host, plugins, library, headers, pkg-config, config, unit, man pages, guide and template installed under $P"
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
"$NETHOST" --help > "$TMP/help.out" 2>&1 || fail "installed nethost --help: $(cat "$TMP/help.out")"
grep -qF " then $pkglibdir." "$TMP/help.out" || fail "the installed host does not search $pkglibdir: $(grep -A1 'Plugins are searched' "$TMP/help.out")"
grep -qF "(default $sysconfdir/nethost.ini with serve)" "$TMP/help.out" || fail "the installed host's default config is not under $sysconfdir: $(grep -- '--config' "$TMP/help.out")"
ok "the installed host searches $pkglibdir and defaults to $sysconfdir/nethost.ini"
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

# The installed template builds against the installed SDK alone.
cp -r "$DEST$docdir/examples/skeleton" "$TMP/skeleton"
PKG_CONFIG_SYSROOT_DIR="$DEST" PKG_CONFIG_PATH="$DEST$libdir/pkgconfig" make -C "$TMP/skeleton" CFLAGS="-O2 -Werror" > "$TMP/skeleton.log" 2>&1 || fail "the installed template did not build: $(cat "$TMP/skeleton.log")"
printf '[skeleton t]\nlisten = 127.0.0.1:7100\n' > "$TMP/skeleton.ini"
"$NETHOST" -p "$TMP/skeleton" -t -c "$TMP/skeleton.ini" > "$TMP/skeleton.out" 2>&1 || fail "the installed template's instance: $(cat "$TMP/skeleton.out")"
"$NETHOST" -p "$TMP/skeleton" help skeleton | grep -q '^usage: nethost skeleton' || fail "the installed template's command"
ok "the installed template builds against the installed SDK and runs"

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
assert any(i["plugin"] == "http" and i["name"] == "t" and i["started"] and i["state"] == "running"
           for i in s["instances"]), s
PY
stop_host
ok "the installed http plugin serves /status"
