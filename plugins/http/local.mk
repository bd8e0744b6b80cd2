# http: /metrics and /status on libmicrohttpd, driven by the SDK loop.
pkglib_LTLIBRARIES += plugins/http/http.la
plugins_http_http_la_SOURCES = plugins/http/http.c plugins/http/http.h \
	plugins/http/http_server.c plugins/http/http_routes.c \
	plugins/http/http_lifecycle.c plugins/http/probe.h plugins/http/probe.c \
	plugins/http/probe_icmp.c plugins/http/probe_tcp.c plugins/http/probe_web.c \
	plugins/http/page.h plugins/http/page.c plugins/http/page_html.c
plugins_http_http_la_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS) $(JSONC_CFLAGS) $(CURL_CFLAGS) \
	-I$(top_srcdir)/plugins/icmp
# Never unloaded, as icmp: libcurl's dependencies keep thread-local
# storage that LeakSanitizer trips over once they were dlclose()d.
plugins_http_http_la_LDFLAGS = $(PLUGIN_LDFLAGS) -Wl,-z,nodelete
plugins_http_http_la_LIBADD = plugins/icmp/libicmpprobe.la $(PLUGIN_LIBADD) $(MHD_LIBS) \
	$(JSONC_LIBS) $(CURL_LIBS) -lm
