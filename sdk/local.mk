# libnethost: the SDK every plugin links against.
lib_LTLIBRARIES += sdk/libnethost.la
sdk_libnethost_la_SOURCES = \
	sdk/nh_internal.h \
	sdk/addr.c \
	sdk/checksum.c \
	sdk/cidr.c \
	sdk/conf.c \
	sdk/ctx.c \
	sdk/echo.c \
	sdk/ini_file.c \
	sdk/json.c \
	sdk/log.c \
	sdk/loop.c \
	sdk/metrics.c \
	sdk/rtnl.c \
	sdk/socket.c \
	sdk/status.c
sdk_libnethost_la_CFLAGS = $(AM_CFLAGS) $(INIH_CFLAGS) $(JSONC_CFLAGS) $(MNL_CFLAGS)
sdk_libnethost_la_LIBADD = $(INIH_LIBS) $(JSONC_LIBS) $(MNL_LIBS) -lm
sdk_libnethost_la_LDFLAGS = $(AM_LDFLAGS) -version-info $(NH_LT_VERSION) -export-symbols-regex '^nh_'
nethostinclude_HEADERS += \
	sdk/nethost/cli.h \
	sdk/nethost/conf.h \
	sdk/nethost/ctx.h \
	sdk/nethost/echo.h \
	sdk/nethost/json.h \
	sdk/nethost/log.h \
	sdk/nethost/loop.h \
	sdk/nethost/metrics.h \
	sdk/nethost/nethost.h \
	sdk/nethost/plugin.h \
	sdk/nethost/rtnl.h \
	sdk/nethost/sock.h \
	sdk/nethost/status.h
EXTRA_DIST += sdk/nethost.pc.in sdk/nethost-uninstalled.pc.in
# The loop's head, read by the host's crash handler; never installed.
sdk_libnethost_la_SOURCES += sdk/nh_loop_private.h
