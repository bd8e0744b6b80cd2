# The host's own code: a convenience library (also linked by the tests
# that need a config model, a log sink or a metrics registry) and the
# executable around it.
noinst_LTLIBRARIES += host/libnhhost.la
host_libnhhost_la_SOURCES = \
	host/host.h \
	host/ctx.c \
	host/ini_file.c \
	host/log.c \
	host/metrics.c
host_libnhhost_la_CFLAGS = $(AM_CFLAGS) $(INIH_CFLAGS) $(JSONC_CFLAGS)
host_libnhhost_la_LIBADD = sdk/libnethost.la $(INIH_LIBS) $(JSONC_LIBS) -lm

bin_PROGRAMS += host/nethost
host_nethost_SOURCES = \
	host/completion.c \
	host/completion.h \
	host/crash.c \
	host/crash.h \
	host/control.c \
	host/ctl_client.c \
	host/ctl_client.h \
	host/ctl_dispatch.c \
	host/ctl_text.c \
	host/descriptor.c \
	host/descriptor.h \
	host/loader.c \
	host/loader.h \
	host/instance.c \
	host/main.c \
	host/pidfile.c \
	host/privileges.c \
	host/reload.c \
	host/service.c \
	host/service.h \
	host/service_internal.h \
	host/settings.c \
	host/status.c
# NH_PLUGINDIR, NH_SYSCONFDIR and NH_ABS_BUILDDIR come from config.h (see
# configure.ac): a reconfigure with another prefix rebuilds what uses them.
host_nethost_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(SYSTEMD_CFLAGS)
host_nethost_LDADD = host/libnhhost.la sdk/libnethost.la $(LTDL_LIBS) $(JSONC_LIBS) $(SYSTEMD_LIBS)
