#!/bin/sh
# The Debian packages, as an operator gets them: tools/deb builds nethost,
# libnethost2 and libnethost-dev from a clean copy and lintian passes them
# (no error, no warning); dpkg -i installs them; the installed host checks
# and runs the installed config, as the unit does (an unprivileged uid with
# CAP_NET_RAW and CAP_NET_BIND_SERVICE ambient: DynamicUser=yes), answers
# an echo on loopback port 7007 and listens on loopback only; the template
# in /usr/share/doc/libnethost-dev builds against the installed -dev
# package and loads into the installed host; dpkg --purge leaves nothing
# that was not there before (files, directories, the conffile).
# Run by tools/check (needs root, changes the machine's packages, takes
# about two minutes): not part of make check.
#   tests/install/test_deb.sh
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
. "$top_srcdir/tests/lib.sh"
need_root
need_cmd dpkg-buildpackage dpkg-dev
need_cmd dh debhelper
need_cmd lintian lintian
need_cmd setpriv util-linux
need_cmd ss iproute2

PACKAGES="nethost libnethost2 libnethost-dev"
installed() { dpkg-query -W -f='${db:Status-Status}\n' "$1" 2>/dev/null | grep -qvx 'not-installed'; }
# shellcheck disable=SC2086 # PACKAGES is a list of names
purge_all() { dpkg --purge $PACKAGES > "$TMP/purge.log" 2>&1; }
# Left installed by an interrupted run (or by hand): the test installs
# its own build and purges at the end, so start from purged.
for p in $PACKAGES; do
	if installed "$p"; then
		echo "# $p is installed before the test: purging it first"
		purge_all || fail "dpkg --purge before the test: $(cat "$TMP/purge.log")"
		break
	fi
done
at_exit purge_all

"$top_srcdir/tools/deb" "$TMP/debs" > "$TMP/deb.log" 2>&1 || { cat "$TMP/deb.log"; fail "tools/deb (build or lintian) failed"; }
grep -E '^[EWI]: ' "$TMP/deb.log" | sed 's/^/# lintian: /'
ok "tools/deb: three packages built, lintian reports no error and no warning"
debs=
for p in $PACKAGES; do
	f=$(ls "$TMP/debs/${p}"_*.deb 2>/dev/null)
	[ -f "$f" ] || fail "tools/deb made no $p package: $(ls "$TMP/debs")"
	debs="$debs $f"
done

# What the packages will install that is not on the machine yet: all of
# it must be gone after purge.
for f in $debs; do
	dpkg-deb --fsys-tarfile "$f" | tar -tf - | sed 's|^\./|/|; s|/$||' | grep -v '^/\?$'
done | sort -u > "$TMP/paths"
: > "$TMP/new-paths"
while read -r p; do
	[ -e "$p" ] || [ -L "$p" ] || echo "$p" >> "$TMP/new-paths"
done < "$TMP/paths"
grep -qx /usr/bin/nethost "$TMP/new-paths" || fail "/usr/bin/nethost exists before the install"

# shellcheck disable=SC2086
dpkg -i $debs > "$TMP/install.log" 2>&1 || fail "dpkg -i: $(cat "$TMP/install.log")"
# shellcheck disable=SC2086
dpkg -L $PACKAGES > "$TMP/listed" || fail "dpkg -L after install"
for p in /usr/bin/nethost /etc/nethost/nethost.ini /lib/systemd/system/nethost.service; do
	grep -qx "$p" "$TMP/listed" || fail "dpkg -L does not list $p"
done
dpkg-query -W -f='${Conffiles}\n' nethost | grep -q '^ /etc/nethost/nethost.ini ' || fail "/etc/nethost/nethost.ini is not a conffile"
ok "dpkg -i installs the three packages; /etc/nethost/nethost.ini is a conffile"

# Installed, not enabled (debian/rules: dh_installsystemd --no-enable).
ls /etc/systemd/system/*.wants/nethost.service 2>/dev/null && fail "the unit was enabled at install"
grep -qx 'ExecStart=/usr/bin/nethost -c /etc/nethost/nethost.ini' /lib/systemd/system/nethost.service ||
	fail "unit ExecStart: $(grep ExecStart /lib/systemd/system/nethost.service)"
grep -qx 'DynamicUser=yes' /lib/systemd/system/nethost.service.d/dynamic-user.conf || fail "no DynamicUser drop-in"
ok "the unit runs /usr/bin/nethost on /etc/nethost/nethost.ini with DynamicUser=yes, and is not enabled"

/usr/bin/nethost -t -c /etc/nethost/nethost.ini > "$TMP/t.out" 2>&1 || fail "nethost -t -c /etc/nethost/nethost.ini: $(cat "$TMP/t.out")"
ok "nethost -t -c /etc/nethost/nethost.ini exits 0"

# As the unit runs it: a uid from systemd's DynamicUser range, no groups,
# the unit's two capabilities ambient.
CAPS=+net_raw,+net_bind_service
NETHOST=/usr/bin/nethost
NETHOST_WRAPPER="setpriv --reuid=61184 --regid=61184 --clear-groups --inh-caps=$CAPS --ambient-caps=$CAPS"
start_host /etc/nethost/nethost.ini
/usr/bin/nethost echo6 send localhost:7007 hi > "$TMP/echo.out" 2>&1 || fail "echo6 send localhost:7007: $(cat "$TMP/echo.out")"
grep -q '^2 bytes from .*: hi time=' "$TMP/echo.out" || fail "echo6 send: $(cat "$TMP/echo.out")"
/usr/bin/nethost echo6 send -u 127.0.0.1:7007 hi > "$TMP/echo.out" 2>&1 || fail "echo6 send -u 127.0.0.1:7007: $(cat "$TMP/echo.out")"
/usr/bin/nethost echo6 send '[::1]:7070' hi > "$TMP/echo.out" 2>&1 || fail "echo through the forwarder [::1]:7070: $(cat "$TMP/echo.out")"
ok "the installed host (uid 61184, ambient caps) runs the installed config and echoes on localhost:7007 (TCP, UDP, through the forwarder)"
ss -H -ltunp > "$TMP/ss.out"
grep -F "pid=$HOST_PID," "$TMP/ss.out" > "$TMP/own.out" || fail "the host has no listening socket: $(cat "$TMP/ss.out")"
outside=$(awk '{ print $5 }' "$TMP/own.out" | grep -v -e '^127\.0\.0\.1:' -e '^\[::1\]:' || true)
[ -z "$outside" ] || fail "the default config listens beyond loopback: $outside"
ok "the default config listens on loopback only ($(awk '{ print $1 " " $5 }' "$TMP/own.out" | sort -u | tr '\n' ',' | sed 's/,$//; s/,/, /g'))"
sleep 2
kill -0 "$HOST_PID" 2>/dev/null || fail "the host died after a few seconds"
stop_host
ok "the installed host stops on SIGTERM with exit 0"

# The plugin author's kit, from the -dev package only.
plugindir=$(pkg-config --variable=plugindir nethost) || fail "pkg-config nethost: no plugindir"
[ -f "$plugindir/echo6.so" ] || fail "pkg-config's plugindir $plugindir does not hold the installed plugins"
cp -r /usr/share/doc/libnethost-dev/examples/skeleton "$TMP/skeleton"
env -u PKG_CONFIG_PATH make -C "$TMP/skeleton" CFLAGS='-O2 -Werror' > "$TMP/make.log" 2>&1 || fail "the template does not build: $(cat "$TMP/make.log")"
printf '[skeleton t]\nlisten = 127.0.0.1:7100\n' > "$TMP/skeleton.ini"
/usr/bin/nethost -p "$TMP/skeleton" help skeleton > "$TMP/help.out" 2>&1 || fail "nethost -p DIR help skeleton: $(cat "$TMP/help.out")"
grep -q '^usage: nethost skeleton' "$TMP/help.out" || fail "help skeleton: $(cat "$TMP/help.out")"
/usr/bin/nethost -p "$TMP/skeleton" -t -c "$TMP/skeleton.ini" > "$TMP/skt.out" 2>&1 || fail "-t on [skeleton t]: $(cat "$TMP/skt.out")"
ok "the template in /usr/share/doc/libnethost-dev builds with pkg-config nethost and loads into the installed host"

purge_all || fail "dpkg --purge: $(cat "$TMP/purge.log")"
for p in $PACKAGES; do
	installed "$p" && fail "$p still known to dpkg after purge"
done
left=
while read -r p; do
	if [ -e "$p" ] || [ -L "$p" ]; then left="$left $p"; fi
done < "$TMP/new-paths"
[ -z "$left" ] || fail "left after purge:$left"
while read -r p; do
	[ -d "$p" ] && continue # shared directories (/usr/lib/...) stay
	[ -e "$p" ] && fail "listed by dpkg -L, still there after purge: $p"
done < "$TMP/listed"
[ -e /etc/nethost ] && fail "/etc/nethost left after purge"
ok "dpkg --purge removes every file and directory the packages added, the conffile too"
