# unixipc plugin: sources and module.
pkglib_LTLIBRARIES += plugins/unixipc/unixipc.la
plugins_unixipc_unixipc_la_SOURCES = \
	plugins/unixipc/unixipc.h \
	plugins/unixipc/unixipc.c \
	plugins/unixipc/unixipc_cli.c \
	plugins/unixipc/unixipc_pair.c \
	plugins/unixipc/unixipc_sock.c
plugins_unixipc_unixipc_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) -I$(top_srcdir)/plugins
plugins_unixipc_unixipc_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_unixipc_unixipc_la_LIBADD = plugins/common/libnhecho.la $(PLUGIN_LIBADD) $(JSONC_LIBS)
EXTRA_DIST += plugins/unixipc/README.md
