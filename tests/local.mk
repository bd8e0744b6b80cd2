# Unit tests (Check), loader tests with broken plugins, integration tests.
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = $(SHELL)
AM_TESTS_ENVIRONMENT = \
	top_srcdir='$(abs_top_srcdir)'; top_builddir='$(abs_top_builddir)'; \
	export top_srcdir top_builddir; \
	NETHOST='$(abs_top_builddir)/host/nethost'; export NETHOST; \
	CK_VERBOSITY=normal; export CK_VERBOSITY;

# Unit tests may see the host's and the shared plugin code's private headers.
CHECK_TEST_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JSONC_CFLAGS) \
	-I$(top_srcdir)/sdk -I$(top_srcdir)/host -I$(top_srcdir)/plugins
CHECK_TEST_LDADD = host/libnhhost.la sdk/libnethost.la $(CHECK_LIBS) $(JSONC_LIBS)


# Purpose-built plugins, loaded through the real loader by the host tests.
TEST_PLUGIN_LDFLAGS = $(PLUGIN_LDFLAGS) -rpath /nowhere
check_LTLIBRARIES += tests/plugins/badabi.la tests/plugins/nosym.la \
	tests/plugins/failcreate.la tests/plugins/wrongname.la \
	tests/plugins/abi1.la tests/plugins/abinewer.la tests/plugins/abi20.la tests/plugins/abi21.la \
	tests/plugins/keyhelp.la \
	tests/plugins/undefsym.la tests/plugins/crashy.la
tests_plugins_abi1_la_SOURCES = tests/plugins/abi1.c
tests_plugins_abi1_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_abinewer_la_SOURCES = tests/plugins/abinewer.c
tests_plugins_abinewer_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_abinewer_la_LIBADD = $(PLUGIN_LIBADD)
# Against the frozen 2.0 headers only: never -I$(top_srcdir)/sdk.
tests_plugins_abi20_la_SOURCES = tests/plugins/abi20.c
tests_plugins_abi20_la_CPPFLAGS = -I$(top_srcdir)/tests/abi/2.0 -I$(top_builddir) -D_GNU_SOURCE
tests_plugins_abi20_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
tests_plugins_abi20_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_abi20_la_LIBADD = $(PLUGIN_LIBADD)
# Against the frozen 2.1 headers only.
tests_plugins_abi21_la_SOURCES = tests/plugins/abi21.c
tests_plugins_abi21_la_CPPFLAGS = -I$(top_srcdir)/tests/abi/2.1 -I$(top_builddir) -D_GNU_SOURCE
tests_plugins_abi21_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
tests_plugins_abi21_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_abi21_la_LIBADD = $(PLUGIN_LIBADD) $(JSONC_LIBS)
EXTRA_DIST += tests/abi
tests_plugins_badabi_la_SOURCES = tests/plugins/badabi.c
tests_plugins_badabi_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_badabi_la_LIBADD = $(PLUGIN_LIBADD)
tests_plugins_nosym_la_SOURCES = tests/plugins/nosym.c
tests_plugins_nosym_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
tests_plugins_nosym_la_LIBADD = $(PLUGIN_LIBADD)
tests_plugins_failcreate_la_SOURCES = tests/plugins/failcreate.c
tests_plugins_failcreate_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_failcreate_la_LIBADD = $(PLUGIN_LIBADD)
tests_plugins_keyhelp_la_SOURCES = tests/plugins/keyhelp.c
tests_plugins_keyhelp_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_keyhelp_la_LIBADD = $(PLUGIN_LIBADD)
tests_plugins_wrongname_la_SOURCES = tests/plugins/wrongname.c
tests_plugins_wrongname_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_wrongname_la_LIBADD = $(PLUGIN_LIBADD)
# Not $(PLUGIN_LDFLAGS): its -z defs / -z now would catch the missing
# symbol at link time; the host must catch it at load time.
tests_plugins_undefsym_la_SOURCES = tests/plugins/undefsym.c
tests_plugins_undefsym_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere \
	-export-symbols-regex '^nethost_plugin$$'
tests_plugins_undefsym_la_LIBADD = $(PLUGIN_LIBADD)
tests_plugins_crashy_la_SOURCES = tests/plugins/crashy.c
tests_plugins_crashy_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_crashy_la_LIBADD = $(PLUGIN_LIBADD)

TESTS += tests/test_host_cli.sh tests/test_host_config.sh tests/test_host_loader.sh \
	tests/test_host_service.sh tests/test_example_plugin.sh tests/test_host_privileges.sh \
	tests/test_host_reload.sh tests/test_host_completion.sh tests/test_host_ctl.sh
EXTRA_DIST += tests/lib.sh tests/test_host_cli.sh tests/test_host_config.sh \
	tests/test_host_loader.sh tests/test_host_service.sh tests/test_example_plugin.sh tests/test_host_privileges.sh \
	tests/test_host_reload.sh tests/test_host_completion.sh tests/test_host_ctl.sh \
	tests/valgrind.supp tests/valgrind-run tests/valgrind-nethost
include tests/forward/local.mk
include tests/icmp/local.mk
include tests/ifaces/local.mk
include tests/ipv6/local.mk
include tests/unixipc/local.mk
include tests/echo6/local.mk
include tests/fuzz/local.mk
include tests/http/local.mk
include tests/install/local.mk
include tests/hardening/local.mk
include tests/sdk/local.mk
