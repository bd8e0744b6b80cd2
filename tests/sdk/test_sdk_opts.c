/* The CLI option parsers (sdk/cli_opts.c): every accepted and refused
 * form, the usage error each prints, and nh_cli_run_until_signal(). */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host.h"

static nh_loop *loop;
static nh_ctx *ctx;

static void setup(void)
{
	loop = nh_loop_new();
	ctx = host_ctx_new(loop, "test", "opts");
	ck_assert_ptr_nonnull(ctx);
}

static void teardown(void)
{
	host_ctx_free(ctx);
	nh_loop_free(loop);
}

/* What the parser printed to stderr. */
static char printed[2048];
static FILE *capture_file;
static int saved_stderr;

static void capture(void)
{
	fflush(stderr);
	capture_file = tmpfile();
	ck_assert_ptr_nonnull(capture_file);
	saved_stderr = dup(2);
	dup2(fileno(capture_file), 2);
}

static const char *captured(void)
{
	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	rewind(capture_file);
	size_t n = fread(printed, 1, sizeof(printed) - 1, capture_file);
	printed[n] = '\0';
	fclose(capture_file);
	return printed;
}

/* Parse text with nh_opt_int into 1..1000000; 0 and the value, or the
 * message (and *out untouched). */
static void int_ok(const char *text, long min, long max, long want)
{
	long v = 12345;

	capture();
	int r = nh_opt_int(ctx, "--count", text, min, max, &v);
	const char *msg = captured();
	ck_assert_msg(r == 0, "'%s' refused: %s", text, msg);
	ck_assert_int_eq(v, want);
	ck_assert_str_eq(msg, "");
}

static void int_refused(const char *text, long min, long max, const char *says)
{
	long v = 12345;

	capture();
	int r = nh_opt_int(ctx, "--count", text, min, max, &v);
	const char *msg = captured();
	ck_assert_msg(r == -EINVAL, "'%s' accepted as %ld", text, v);
	ck_assert_int_eq(v, 12345);
	ck_assert_msg(strstr(msg, says), "'%s': expected \"%s\" in: %s", text, says, msg);
	ck_assert_msg(strstr(msg, "nethost test/opts: --count: '"), "no option named in: %s", msg);
}

START_TEST(int_forms)
{
	int_ok("5", 1, 1000000, 5);
	int_ok("1", 1, 1000000, 1);
	int_ok("1000000", 1, 1000000, 1000000);
	int_ok("0", 0, 10, 0);
	int_ok("-5", -10, 10, -5);
	int_ok("9223372036854775807", LONG_MIN, LONG_MAX, LONG_MAX);
	int_ok("-9223372036854775808", LONG_MIN, LONG_MAX, LONG_MIN);

	int_refused("0", 1, 1000000, "--count: '0': must be 1 to 1000000");
	int_refused("1000001", 1, 1000000, "'1000001': must be 1 to 1000000");
	int_refused("-1", 1, 1000000, "'-1': must be 1 to 1000000");
	int_refused("99999999999999999999", 1, 1000000, "'99999999999999999999': must be 1 to 1000000");
	int_refused("9223372036854775808", LONG_MIN, LONG_MAX, "must be at least");
	int_refused("-9223372036854775809", LONG_MIN, LONG_MAX, "must be");
	int_refused("010", 1, 1000000, "'010': a leading zero (numbers are decimal: write 10)");
	int_refused("-07", -10, 10, "write -7");
	int_refused("00", 0, 10, "leading zero");
	int_refused("0x10", 1, 1000000, "'0x10': not a whole number (1 to 1000000)");
	int_refused("", 1, 1000000, "'': not a whole number");
	int_refused("5x", 1, 1000000, "'5x': not a whole number");
	int_refused("-", 1, 1000000, "not a whole number");
	int_refused("+5", 1, 1000000, "not a whole number");
	int_refused(" 5", 1, 1000000, "not a whole number");
	int_refused("5 ", 1, 1000000, "not a whole number");
	int_refused("1.5", 1, 1000000, "not a whole number");
	int_refused("1e3", 1, 1000000, "not a whole number");
}
END_TEST

static void dur_ok(const char *text, int64_t want)
{
	int64_t v = -1;

	capture();
	int r = nh_opt_duration_ms(ctx, "--timeout", text, 0, INT64_MAX, &v);
	const char *msg = captured();
	ck_assert_msg(r == 0, "'%s' refused: %s", text, msg);
	ck_assert_int_eq(v, want);
}

static void dur_refused(const char *text, int64_t min, int64_t max, const char *says)
{
	int64_t v = -1;

	capture();
	int r = nh_opt_duration_ms(ctx, "--timeout", text, min, max, &v);
	const char *msg = captured();
	ck_assert_msg(r == -EINVAL, "'%s' accepted as %lld", text, (long long)v);
	ck_assert_int_eq(v, -1);
	ck_assert_msg(strstr(msg, says), "'%s': expected \"%s\" in: %s", text, says, msg);
	ck_assert_msg(strstr(msg, "--timeout: "), "no option named in: %s", msg);
}

START_TEST(duration_forms)
{
	dur_ok("250ms", 250);
	dur_ok("1.5s", 1500);
	dur_ok("2m", 120000);
	dur_ok("3", 3000);
	dur_ok("0", 0);
	dur_ok("1h", 3600000);

	dur_refused("2m", 1, 60000, "'2m': must be 1ms to 1m");
	dur_refused("0", 100, 3600000, "'0': must be 100ms to 1h");
	dur_refused("10ms", 1000, INT64_MAX, "'10ms': must be at least 1s");
	dur_refused("", 0, 1000, "not a duration");
	dur_refused("5x", 0, 1000000, "unknown unit 'x'");
	dur_refused("-1", 0, 1000000, "not a duration");
	dur_refused("ms", 0, 1000000, "not a duration");
}
END_TEST

static void size_ok(const char *text, uint64_t want)
{
	uint64_t v = 7;

	capture();
	int r = nh_opt_size(ctx, "--buffer", text, 0, UINT64_MAX, &v);
	const char *msg = captured();
	ck_assert_msg(r == 0, "'%s' refused: %s", text, msg);
	ck_assert_uint_eq(v, want);
}

static void size_refused(const char *text, uint64_t min, uint64_t max, const char *says)
{
	uint64_t v = 7;

	capture();
	int r = nh_opt_size(ctx, "--buffer", text, min, max, &v);
	const char *msg = captured();
	ck_assert_msg(r == -EINVAL, "'%s' accepted as %llu", text, (unsigned long long)v);
	ck_assert_uint_eq(v, 7);
	ck_assert_msg(strstr(msg, says), "'%s': expected \"%s\" in: %s", text, says, msg);
	ck_assert_msg(strstr(msg, "--buffer: '"), "no option named in: %s", msg);
}

START_TEST(size_forms)
{
	size_ok("65536", 65536);
	size_ok("64k", 65536);
	size_ok("64K", 65536);
	size_ok("64KiB", 65536);
	size_ok("64kib", 65536);
	size_ok("1M", 1 << 20);
	size_ok("1MiB", 1 << 20);
	size_ok("2G", 2ull << 30);
	size_ok("3TiB", 3ull << 40);
	size_ok("0", 0);
	size_ok("18446744073709551615", UINT64_MAX);

	size_refused("256", 512, 16 << 20, "'256': must be 512 to 16MiB");
	size_refused("17M", 512, 16 << 20, "'17M': must be 512 to 16MiB");
	size_refused("1k", 2048, UINT64_MAX, "'1k': must be at least 2KiB");
	size_refused("64KB", 0, UINT64_MAX, "'64KB': unknown unit 'KB'");
	size_refused("1.5M", 0, UINT64_MAX, "unknown unit '.5M'");
	size_refused("", 0, UINT64_MAX, "'': not a size");
	size_refused("-1", 0, UINT64_MAX, "not a size");
	size_refused("k", 0, UINT64_MAX, "not a size");
	size_refused("010", 0, UINT64_MAX, "'010': a leading zero");
	size_refused("0x10", 0, UINT64_MAX, "unknown unit 'x10'");
	size_refused("5x", 0, UINT64_MAX, "unknown unit 'x'");
	size_refused("64 k", 0, UINT64_MAX, "unknown unit ' k'");
	size_refused("99999999999999999999", 0, UINT64_MAX, "'99999999999999999999': too big");
	size_refused("17179869184G", 0, UINT64_MAX, "too big"); /* 2^64 */
	size_refused("16777216T", 0, UINT64_MAX, "too big");    /* 2^64 */
	size_ok("16777215T", 16777215ull << 40);
}
END_TEST

static void addr_refused(const char *text, int default_port, const char *says)
{
	nh_addr a = { .len = 99 };

	capture();
	int r = nh_opt_addr(ctx, "--to", text, default_port, &a);
	const char *msg = captured();
	ck_assert_msg(r == -EINVAL, "'%s' accepted", text);
	ck_assert_int_eq(a.len, 99);
	ck_assert_msg(strstr(msg, says), "'%s': expected \"%s\" in: %s", text, says, msg);
	ck_assert_msg(strstr(msg, "--to: "), "no option named in: %s", msg);
}

START_TEST(addr_forms)
{
	nh_addr a;
	char text[NH_ADDR_STRLEN];

	ck_assert_int_eq(nh_opt_addr(ctx, "--to", "127.0.0.1:80", -1, &a), 0);
	ck_assert_str_eq(nh_addr_format(&a, 1, text, sizeof(text)), "127.0.0.1:80");
	ck_assert_int_eq(nh_opt_addr(ctx, "--to", "[::1]:8080", -1, &a), 0);
	ck_assert_str_eq(nh_addr_format(&a, 1, text, sizeof(text)), "[::1]:8080");
	ck_assert_int_eq(nh_opt_addr(ctx, "--to", "192.0.2.1", 7, &a), 0);
	ck_assert_int_eq(nh_addr_port(&a), 7);

	addr_refused("127.0.0.1:0", -1, "'127.0.0.1:0': port 0");
	addr_refused("192.0.2.1", 0, "port 0");
	addr_refused("192.0.2.1", -1, "a port is required");
	addr_refused("localhost:80", -1, "localhost");
	addr_refused("127.0.0.1:65536", -1, "bad port");
	addr_refused("", -1, "--to: ");
}
END_TEST

static int64_t send_signal(nh_loop *lp, void *arg)
{
	(void)lp;
	raise(*(int *)arg);
	return NH_TIMER_STOP;
}

static void quiet(nh_loop *lp, int signo, void *arg)
{
	(void)lp;
	(void)signo;
	(void)arg;
}

START_TEST(run_until_signal)
{
	static int term = SIGTERM, intr = SIGINT;

	nh_timer_add(loop, 20, send_signal, &term);
	ck_assert_int_eq(nh_cli_run_until_signal(ctx), SIGTERM);
	nh_timer_add(loop, 20, send_signal, &intr);
	ck_assert_int_eq(nh_cli_run_until_signal(ctx), SIGINT);

	/* The watchers went with the run: a new one can be added. */
	nh_signal *s = nh_signal_add(loop, SIGINT, quiet, NULL);
	ck_assert_ptr_nonnull(s);
	/* ...and while it is there the helper refuses, saying why. */
	capture();
	ck_assert_int_eq(nh_cli_run_until_signal(ctx), -EEXIST);
	ck_assert_ptr_nonnull(strstr(captured(), "cannot watch SIGINT and SIGTERM"));
	nh_signal_del(s);
	/* SIGTERM was not left blocked or watched. */
	sigset_t blocked;
	sigprocmask(SIG_BLOCK, NULL, &blocked);
	ck_assert(!sigismember(&blocked, SIGTERM));
	ck_assert(!sigismember(&blocked, SIGINT));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("opts");
	TCase *tc = tcase_create("opts");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, int_forms);
	tcase_add_test(tc, duration_forms);
	tcase_add_test(tc, size_forms);
	tcase_add_test(tc, addr_forms);
	tcase_add_test(tc, run_until_signal);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
