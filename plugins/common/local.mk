# Code two in-tree plugins share but no plugin author needs: never
# installed, never in libnethost, linked into the plugins that use it.
#   echo: the echo engine of echo6 (TCP/UDP) and unixipc (Unix sockets);
#   rtnl: rtnetlink snapshots and message decoding for ifaces and ipv6.
noinst_LTLIBRARIES += plugins/common/libnhecho.la plugins/common/libnhrtnl.la
plugins_common_libnhecho_la_SOURCES = plugins/common/echo.c plugins/common/echo.h
plugins_common_libnhecho_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
plugins_common_libnhecho_la_LIBADD = sdk/libnethost.la $(JSONC_LIBS)
plugins_common_libnhrtnl_la_SOURCES = plugins/common/rtnl.c plugins/common/rtnl.h
plugins_common_libnhrtnl_la_CFLAGS = $(AM_CFLAGS) $(MNL_CFLAGS)
plugins_common_libnhrtnl_la_LIBADD = sdk/libnethost.la $(MNL_LIBS)
