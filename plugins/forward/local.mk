# forward plugin: a TCP port forwarder (splice relay, ACLs, fail-over).
pkglib_LTLIBRARIES += plugins/forward/forward.la
plugins_forward_forward_la_SOURCES = plugins/forward/forward.c plugins/forward/forward.h \
	plugins/forward/forward_conf.c plugins/forward/forward_listen.c \
	plugins/forward/forward_relay.c plugins/forward/forward_metrics.c \
	plugins/forward/forward_tls.c plugins/forward/forward_http.c plugins/forward/forward_http.h
plugins_forward_forward_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_forward_forward_la_CFLAGS = $(AM_CFLAGS) $(SSL_CFLAGS)
plugins_forward_forward_la_LIBADD = $(PLUGIN_LIBADD) $(SSL_LIBS) $(HTTP_PARSER_LIBS)
EXTRA_DIST += plugins/forward/README.md
