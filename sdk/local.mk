# libnethost: the SDK every plugin links against, and nothing else. It
# exports exactly the functions of the public headers, listed in
# sdk/libnethost.sym under the version nodes NETHOST_2.0 and NETHOST_2.1.
lib_LTLIBRARIES += sdk/libnethost.la
sdk_libnethost_la_SOURCES = \
	sdk/nh_internal.h \
	sdk/nh_sized.h \
	sdk/addr.c \
	sdk/checksum.c \
	sdk/cidr.c \
	sdk/cli_opts.c \
	sdk/conf.c \
	sdk/ctl.c \
	sdk/ctx.c \
	sdk/json.c \
	sdk/log.c \
	sdk/loop.c \
	sdk/metrics.c \
	sdk/socket.c \
	sdk/stream_client.c \
	sdk/stream_listener.c \
	sdk/stream_writer.c
sdk_libnethost_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
sdk_libnethost_la_LIBADD = $(JSONC_LIBS) -lm
sdk_libnethost_la_LDFLAGS = $(AM_LDFLAGS) -version-info $(NH_LT_VERSION) \
	-Wl,--version-script=$(srcdir)/sdk/libnethost.sym
EXTRA_sdk_libnethost_la_DEPENDENCIES = sdk/libnethost.sym
nethostinclude_HEADERS += \
	sdk/nethost/cli.h \
	sdk/nethost/conf.h \
	sdk/nethost/ctl.h \
	sdk/nethost/ctx.h \
	sdk/nethost/json.h \
	sdk/nethost/log.h \
	sdk/nethost/loop.h \
	sdk/nethost/metrics.h \
	sdk/nethost/nethost.h \
	sdk/nethost/plugin.h \
	sdk/nethost/sock.h \
	sdk/nethost/stream.h
EXTRA_DIST += sdk/nethost.pc.in sdk/nethost-uninstalled.pc.in sdk/libnethost.sym
# The loop's head, read by the host's crash handler; never installed.
sdk_libnethost_la_SOURCES += sdk/nh_loop_private.h
