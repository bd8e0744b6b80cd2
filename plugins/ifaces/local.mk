# ifaces plugin: interfaces, addresses and state (rtnetlink via the shared
# snapshots; the watcher's multicast socket on libmnl).
pkglib_LTLIBRARIES += plugins/ifaces/ifaces.la
plugins_ifaces_ifaces_la_SOURCES = \
	plugins/ifaces/ifaces.h \
	plugins/ifaces/ifaces.c \
	plugins/ifaces/ifaces_cli.c \
	plugins/ifaces/ifaces_text.c \
	plugins/ifaces/ifaces_watch.c
plugins_ifaces_ifaces_la_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/plugins $(JSONC_CFLAGS) $(MNL_CFLAGS)
plugins_ifaces_ifaces_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_ifaces_ifaces_la_LIBADD = plugins/common/libnhrtnl.la $(PLUGIN_LIBADD) $(JSONC_LIBS) $(MNL_LIBS)
EXTRA_DIST += plugins/ifaces/README.md
