# forward plugin: a TCP and UDP port forwarder (splice relay, TLS, UDP sessions, PROXY, balancing, ACLs).
pkglib_LTLIBRARIES += plugins/forward/forward.la
plugins_forward_forward_la_SOURCES = plugins/forward/forward.c plugins/forward/forward.h \
	plugins/forward/forward_conf.c plugins/forward/forward_listen.c \
	plugins/forward/forward_relay.c plugins/forward/forward_metrics.c \
	plugins/forward/forward_proxy.c plugins/forward/forward_proxy.h \
	plugins/forward/forward_accept_proxy.c plugins/forward/forward_balance.c \
	plugins/forward/forward_check.c plugins/forward/forward_reload.c \
	plugins/forward/forward_tls.c plugins/forward/forward_http.c plugins/forward/forward_http.h
# UDP: sessions per client address (protocol = udp).
plugins_forward_forward_la_SOURCES += plugins/forward/forward_udp.c plugins/forward/forward_udp.h \
	plugins/forward/forward_udp_metrics.c
# The control commands (nethost ctl conns) build JSON replies with json-c.
plugins_forward_forward_la_SOURCES += plugins/forward/forward_ctl.c
plugins_forward_forward_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(SSL_CFLAGS)
plugins_forward_forward_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_forward_forward_la_LIBADD = $(PLUGIN_LIBADD) $(JSONC_LIBS) $(SSL_LIBS) $(HTTP_PARSER_LIBS)
EXTRA_DIST += plugins/forward/README.md
