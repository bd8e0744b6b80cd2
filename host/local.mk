bin_PROGRAMS += host/nethost
host_nethost_SOURCES = \
	host/crash.c \
	host/crash.h \
	host/loader.c \
	host/loader.h \
	host/main.c \
	host/service.c \
	host/service.h
host_nethost_CPPFLAGS = $(AM_CPPFLAGS) \
	-DNH_PLUGINDIR='"$(pkglibdir)"' \
	-DNH_SYSCONFDIR='"$(sysconfdir)"' \
	-DNH_ABS_BUILDDIR='"$(abs_top_builddir)"'
host_nethost_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(SYSTEMD_CFLAGS)
host_nethost_LDADD = sdk/libnethost.la $(LTDL_LIBS) $(JSONC_LIBS) $(SYSTEMD_LIBS)
