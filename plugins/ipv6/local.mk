# ipv6 plugin: IPv6 support and addresses (rtnetlink through the shared
# snapshots), prefix arithmetic.
pkglib_LTLIBRARIES += plugins/ipv6/ipv6.la
plugins_ipv6_ipv6_la_SOURCES = \
	plugins/ipv6/ipv6.h \
	plugins/ipv6/ipv6.c \
	plugins/ipv6/ipv6_prefix.h \
	plugins/ipv6/ipv6_prefix.c \
	plugins/ipv6/ipv6_prefix_cmd.c \
	plugins/ipv6/ipv6_status.c
plugins_ipv6_ipv6_la_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/plugins $(JSONC_CFLAGS)
plugins_ipv6_ipv6_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_ipv6_ipv6_la_LIBADD = plugins/common/libnhrtnl.la $(PLUGIN_LIBADD) $(JSONC_LIBS)
EXTRA_DIST += plugins/ipv6/README.md
