# The probe engines the http plugin's /probe shares with icmp (ICMP
# sockets and packets, DNS and HTTP probes): a convenience library, never
# installed, linked into both plugins.
noinst_LTLIBRARIES += plugins/icmp/libicmpprobe.la
plugins_icmp_libicmpprobe_la_SOURCES = \
	plugins/icmp/icmp.h \
	plugins/icmp/dns_probe.c \
	plugins/icmp/http_probe.c \
	plugins/icmp/icmp_packet.c \
	plugins/icmp/icmp_socket.c
plugins_icmp_libicmpprobe_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(CURL_CFLAGS)
plugins_icmp_libicmpprobe_la_LIBADD = sdk/libnethost.la $(CURL_LIBS)

# icmp plugin: ping, sweep, wait, synprobe and [icmp NAME] sweeps.
pkglib_LTLIBRARIES += plugins/icmp/icmp.la
plugins_icmp_icmp_la_SOURCES = \
	plugins/icmp/icmp.h \
	plugins/icmp/icmp_cli.c \
	plugins/icmp/icmp_hist.c \
	plugins/icmp/icmp_plugin.c \
	plugins/icmp/icmp_service.c \
	plugins/icmp/icmp_targets.c \
	plugins/icmp/ping.c \
	plugins/icmp/sweep.c \
	plugins/icmp/sweep_cmd.c \
	plugins/icmp/synprobe.c \
	plugins/icmp/tcp_packet.c \
	plugins/icmp/wait.c
plugins_icmp_icmp_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(CURL_CFLAGS)
# Never unloaded: libcurl's dependencies keep thread-local storage that
# LeakSanitizer trips over at exit once they were dlclose()d.
plugins_icmp_icmp_la_LDFLAGS = $(PLUGIN_LDFLAGS) -Wl,-z,nodelete
plugins_icmp_icmp_la_LIBADD = plugins/icmp/libicmpprobe.la $(PLUGIN_LIBADD) $(JSONC_LIBS) \
	$(CURL_LIBS) -lm
EXTRA_DIST += plugins/icmp/README.md
