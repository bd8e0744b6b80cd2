# http: /metrics and /status on libmicrohttpd, driven by the SDK loop.
pkglib_LTLIBRARIES += plugins/http/http.la
plugins_http_http_la_SOURCES = plugins/http/http.c plugins/http/http.h \
	plugins/http/http_server.c plugins/http/http_routes.c \
	plugins/http/http_lifecycle.c
plugins_http_http_la_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS) $(JSONC_CFLAGS)
plugins_http_http_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_http_http_la_LIBADD = $(PLUGIN_LIBADD) $(MHD_LIBS) $(JSONC_LIBS)
