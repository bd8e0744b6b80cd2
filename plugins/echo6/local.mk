# echo6 plugin: sources and module.
pkglib_LTLIBRARIES += plugins/echo6/echo6.la
plugins_echo6_echo6_la_SOURCES = \
	plugins/echo6/echo6.h \
	plugins/echo6/echo6.c \
	plugins/echo6/echo6_cli.c
plugins_echo6_echo6_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) -I$(top_srcdir)/plugins
plugins_echo6_echo6_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_echo6_echo6_la_LIBADD = plugins/common/libnhecho.la $(PLUGIN_LIBADD) $(JSONC_LIBS)
EXTRA_DIST += plugins/echo6/README.md
