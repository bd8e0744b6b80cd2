bin_PROGRAMS += host/nethost
host_nethost_SOURCES = \
	host/loader.c \
	host/loader.h \
	host/main.c \
	host/service.c \
	host/service.h
# NH_PLUGINDIR, NH_SYSCONFDIR and NH_ABS_BUILDDIR come from config.h (see
# configure.ac): a reconfigure with another prefix rebuilds what uses them.
host_nethost_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(SYSTEMD_CFLAGS)
host_nethost_LDADD = sdk/libnethost.la $(LTDL_LIBS) $(JSONC_LIBS) $(SYSTEMD_LIBS)
