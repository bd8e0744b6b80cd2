# forward plugin: a TCP port forwarder (splice relay, ACLs, fail-over).
pkglib_LTLIBRARIES += plugins/forward/forward.la
plugins_forward_forward_la_SOURCES = plugins/forward/forward.c plugins/forward/forward.h \
	plugins/forward/forward_conf.c plugins/forward/forward_listen.c \
	plugins/forward/forward_relay.c plugins/forward/forward_metrics.c
# The control commands (nethost ctl conns) build JSON replies with json-c.
plugins_forward_forward_la_SOURCES += plugins/forward/forward_ctl.c
plugins_forward_forward_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
plugins_forward_forward_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_forward_forward_la_LIBADD = $(PLUGIN_LIBADD) $(JSONC_LIBS)
EXTRA_DIST += plugins/forward/README.md
