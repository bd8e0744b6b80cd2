# icmp tests: packet code (Check), then the commands and the service on
# loopback and in network namespaces the scripts create.
check_PROGRAMS += tests/icmp/test_icmp_packet
tests_icmp_test_icmp_packet_SOURCES = tests/icmp/test_icmp_packet.c \
	plugins/icmp/icmp_packet.c plugins/icmp/tcp_packet.c
tests_icmp_test_icmp_packet_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/icmp
tests_icmp_test_icmp_packet_CFLAGS = $(CHECK_TEST_CFLAGS)
tests_icmp_test_icmp_packet_LDADD = $(CHECK_TEST_LDADD)
ICMP_SHELL_TESTS = tests/icmp/test_ping.sh tests/icmp/test_sweep.sh \
	tests/icmp/test_wait.sh tests/icmp/test_wait_http.sh \
	tests/icmp/test_service_http.sh tests/icmp/test_service_hist.sh tests/icmp/test_synprobe.sh \
	tests/icmp/test_synprobe6.sh
TESTS += tests/icmp/test_icmp_packet $(ICMP_SHELL_TESTS)
EXTRA_DIST += $(ICMP_SHELL_TESTS) tests/icmp/netns.sh
# wait: -- CMD and --invert, dns: targets, URL expectations.
ICMP_SHELL_TESTS += tests/icmp/test_wait_cmd.sh tests/icmp/test_wait_dns.sh \
	tests/icmp/test_wait_expect.sh
# sweep: fping's options (-C).
ICMP_SHELL_TESTS += tests/icmp/test_sweep_opts.sh
# ping: iputils' options against iputils' own output.
ICMP_SHELL_TESTS += tests/icmp/test_ping_opts.sh
# ping: -A adaptive and -f flood against iputils.
ICMP_SHELL_TESTS += tests/icmp/test_ping_more.sh
# service: the RTT histograms stop at the first 1024 targets.
ICMP_SHELL_TESTS += tests/icmp/test_service_hist_cap.sh
