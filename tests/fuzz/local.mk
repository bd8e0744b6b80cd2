# Fuzz targets (libFuzzer, built by tests/fuzz/run.sh) are replayed over
# their corpus in every `make check`.
check_PROGRAMS += tests/fuzz/replay_config tests/fuzz/replay_addr tests/fuzz/replay_rtnl tests/fuzz/replay_icmp \
	tests/fuzz/replay_proxy tests/fuzz/replay_http
tests_fuzz_replay_config_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_config.c
tests_fuzz_replay_config_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) -I$(top_srcdir)/sdk -I$(top_srcdir)/host
tests_fuzz_replay_config_LDADD = host/libnhhost.la sdk/libnethost.la $(JSONC_LIBS)
tests_fuzz_replay_addr_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_addr.c
tests_fuzz_replay_addr_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
tests_fuzz_replay_addr_LDADD = sdk/libnethost.la $(JSONC_LIBS)
tests_fuzz_replay_rtnl_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_rtnl.c
tests_fuzz_replay_rtnl_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) -I$(top_srcdir)/plugins
tests_fuzz_replay_rtnl_LDADD = plugins/common/libnhrtnl.la sdk/libnethost.la $(JSONC_LIBS) $(MNL_LIBS)
tests_fuzz_replay_icmp_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_icmp.c \
	plugins/icmp/icmp_packet.c plugins/icmp/tcp_packet.c
tests_fuzz_replay_icmp_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) -I$(top_srcdir)/plugins/icmp
tests_fuzz_replay_icmp_LDADD = sdk/libnethost.la $(JSONC_LIBS)
tests_fuzz_replay_proxy_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_proxy.c \
	plugins/forward/forward_proxy.c
tests_fuzz_replay_proxy_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) -I$(top_srcdir)/plugins/forward
tests_fuzz_replay_proxy_LDADD = sdk/libnethost.la $(JSONC_LIBS)
tests_fuzz_replay_http_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_http.c \
	plugins/forward/forward_http.c plugins/forward/forward_http.h
tests_fuzz_replay_http_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/plugins/forward
tests_fuzz_replay_http_LDADD = $(HTTP_PARSER_LIBS)
TESTS += tests/fuzz/test_fuzz_replay.sh
EXTRA_DIST += tests/fuzz/test_fuzz_replay.sh tests/fuzz/run.sh tests/fuzz/corpus
