/* The INI layer and typed getters: every problem named by file and line,
 * unknown keys refused, values checked. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host.h"

/* Run the parser on text with stderr captured; returns what it logged. */
static char logged[8192];

static nh_config *load(const char *text)
{
	char path[] = "/tmp/nh-conf-test-XXXXXX";
	int fd = mkstemp(path);
	int saved = dup(2);

	fflush(stderr);
	dup2(fd, 2);
	nh_config *cfg = nh_config_load_buffer("test.ini", text, strlen(text));
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	ssize_t n = read(fd, logged, sizeof(logged) - 1);
	logged[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	return cfg;
}

/* Capture what a call on sec logs. */
#define CAPTURE(call)                                                            \
	do {                                                                     \
		char p_[] = "/tmp/nh-conf-test-XXXXXX";                          \
		int fd_ = mkstemp(p_), saved_ = dup(2);                          \
		fflush(stderr);                                                  \
		dup2(fd_, 2);                                                    \
		call;                                                            \
		fflush(stderr);                                                  \
		dup2(saved_, 2);                                                 \
		close(saved_);                                                   \
		lseek(fd_, 0, SEEK_SET);                                         \
		ssize_t n_ = read(fd_, logged, sizeof(logged) - 1);              \
		logged[n_ > 0 ? n_ : 0] = '\0';                                  \
		close(fd_);                                                      \
		unlink(p_);                                                      \
	} while (0)

#define ASSERT_LOGGED(s) ck_assert_msg(strstr(logged, s), "expected '%s' in:\n%s", s, logged)

START_TEST(parse_good_file)
{
	nh_config *cfg = load("; comment\n"
			      "# another\n"
			      "[nethost]\n"
			      "log_level = debug\n"
			      "\n"
			      "[forward web]\n"
			      "  listen = 127.0.0.1:8080   ; inline comment\n"
			      "listen = [::1]:8080\r\n"
			      "to: 192.0.2.10:80\n"
			      "[echo6]\n");
	ck_assert_int_eq(cfg->errors, 0);
	ck_assert_str_eq(logged, "");
	ck_assert_int_eq(cfg->n, 3);
	nh_section *fw = nh_config_find(cfg, "forward", "web");
	ck_assert_ptr_nonnull(fw);
	ck_assert_int_eq(fw->line, 6);
	ck_assert_int_eq(nh_conf_count(fw, "listen"), 2);
	int line;
	ck_assert_str_eq(nh_conf_value(fw, "listen", 0, &line), "127.0.0.1:8080");
	ck_assert_int_eq(line, 7);
	ck_assert_str_eq(nh_conf_value(fw, "listen", 1, &line), "[::1]:8080");
	ck_assert_int_eq(line, 8);
	ck_assert_str_eq(nh_conf_value(fw, "to", 0, &line), "192.0.2.10:80");
	ck_assert_int_eq(line, 9);
	nh_section *e = nh_config_find(cfg, "echo6", "echo6");
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->n, 0);
	nh_config_free(cfg);
}
END_TEST

START_TEST(every_syntax_error_has_its_line)
{
	char longline[400];
	memset(longline, 'x', sizeof(longline));
	memcpy(longline, "key = ", 6);
	longline[sizeof(longline) - 2] = '\n';
	longline[sizeof(longline) - 1] = '\0';
	char text[1024];
	snprintf(text, sizeof(text),
		 "orphan = 1\n"          /* 1: outside any section */
		 "[forward web\n"        /* 2: no ']' */
		 "[forward ok]\n"        /* 3 */
		 "just words\n"          /* 4: no '=' */
		 "%s"                    /* 5: too long */
		 "= novalue\n"           /* 6: no key */
		 "[bad name!]\n"         /* 7: bad section name */
		 "[forward ok]\n"        /* 8: duplicate */
		 "[a b] junk\n",         /* 9: junk after header */
		 longline);
	nh_config *cfg = load(text);
	ASSERT_LOGGED("test.ini:1: 'orphan' outside any section");
	ASSERT_LOGGED("test.ini:2: section header without ']'");
	ASSERT_LOGGED("test.ini:4: expected 'key = value'");
	ASSERT_LOGGED("test.ini:5: line longer than 198 characters");
	ASSERT_LOGGED("test.ini:6: missing key before '='");
	ASSERT_LOGGED("test.ini:7: bad section name '[bad name!]'");
	ASSERT_LOGGED("test.ini:8: section [forward ok] already defined at line 3");
	ASSERT_LOGGED("test.ini:9: junk after section header");
	ck_assert_int_eq(cfg->errors, 8);
	nh_config_free(cfg);
}
END_TEST

START_TEST(keys_checked_against_table)
{
	static const struct nh_conf_key keys[] = {
		{ .name = "listen", .help = "", .multi = 1 },
		{ .name = "to", .help = "" },
		{ .name = NULL },
	};
	nh_config *cfg = load("[forward web]\n"
			      "listen = a\n"
			      "listen = b\n"
			      "to = x\n"
			      "colour = blue\n"
			      "to = y\n");
	ck_assert_int_eq(cfg->errors, 0);
	int r;
	CAPTURE(r = nh_section_check_keys(cfg->sections[0], keys));
	ck_assert_int_eq(r, -EINVAL);
	ASSERT_LOGGED("test.ini:5: [forward web] colour: unknown key for plugin 'forward'");
	ASSERT_LOGGED("test.ini:6: [forward web] to: given twice (first at line 4)");
	ck_assert_ptr_null(strstr(logged, "listen"));
	nh_config_free(cfg);
}
END_TEST

START_TEST(typed_getters)
{
	nh_config *cfg = load("[p i]\n"
			      "n = 42\n"
			      "hex = 0x10\n"
			      "big = 99999\n"
			      "word = abc\n"
			      "yes = On\n"
			      "maybe = perhaps\n"
			      "d1 = 250ms\n"
			      "d2 = 1.5s\n"
			      "d3 = 2m\n"
			      "d4 = 10\n"
			      "dbad = 10 parsecs\n"
			      "addr = [::1]:7007\n"
			      "addrbad = 10.0.0.300:1\n"
			      "acl = 10.0.0.0/8, 192.168.0.0/16\n"
			      "acl = 2001:db8::/32\n"
			      "aclbad = 10.0.0.1/8\n"
			      "octal = 010\n"
			      "aclempty = ,\n"
			      "huge = 99999999999999999999\n");
	nh_section *s = cfg->sections[0];
	long n;
	int b, present;
	int64_t ms;
	nh_addr a;
	nh_cidr *list;
	const char *str;

	ck_assert_int_eq(nh_conf_get_int(s, "n", 0, 0, 100, &n), 0);
	ck_assert_int_eq(n, 42);
	/* Decimal only: 0x10 and 010 are refused, not guessed. */
	CAPTURE(ck_assert_int_eq(nh_conf_get_int(s, "hex", 0, 0, 100, &n), -EINVAL));
	ASSERT_LOGGED("test.ini:3: [p i] hex: '0x10' is not a whole number");
	CAPTURE(ck_assert_int_eq(nh_conf_get_int(s, "octal", 0, 0, 100, &n), -EINVAL));
	ASSERT_LOGGED("test.ini:18: [p i] octal: '010': no leading zeros (numbers are decimal)");
	CAPTURE(ck_assert_int_eq(nh_conf_get_int(s, "huge", 0, 0, 100, &n), -EINVAL));
	ASSERT_LOGGED("test.ini:20: [p i] huge: '99999999999999999999' is out of range (0-100)");
	ck_assert_int_eq(nh_conf_get_int(s, "absent", 7, 0, 100, &n), 0);
	ck_assert_int_eq(n, 7);
	CAPTURE(ck_assert_int_eq(nh_conf_get_int(s, "big", 0, 0, 65535, &n), -EINVAL));
	ASSERT_LOGGED("test.ini:4: [p i] big: 99999 is out of range (0-65535)");
	CAPTURE(ck_assert_int_eq(nh_conf_get_int(s, "word", 0, 0, 10, &n), -EINVAL));
	ASSERT_LOGGED("test.ini:5: [p i] word: 'abc' is not a whole number");

	ck_assert_int_eq(nh_conf_get_bool(s, "yes", 0, &b), 0);
	ck_assert_int_eq(b, 1);
	CAPTURE(ck_assert_int_eq(nh_conf_get_bool(s, "maybe", 0, &b), -EINVAL));
	ASSERT_LOGGED("test.ini:7: [p i] maybe: 'perhaps' is not a boolean");

	ck_assert_int_eq(nh_conf_get_duration_ms(s, "d1", 0, &ms), 0);
	ck_assert_int_eq(ms, 250);
	ck_assert_int_eq(nh_conf_get_duration_ms(s, "d2", 0, &ms), 0);
	ck_assert_int_eq(ms, 1500);
	ck_assert_int_eq(nh_conf_get_duration_ms(s, "d3", 0, &ms), 0);
	ck_assert_int_eq(ms, 120000);
	ck_assert_int_eq(nh_conf_get_duration_ms(s, "d4", 0, &ms), 0);
	ck_assert_int_eq(ms, 10000);
	CAPTURE(ck_assert_int_eq(nh_conf_get_duration_ms(s, "dbad", 5, &ms), -EINVAL));
	ASSERT_LOGGED("test.ini:12: [p i] dbad: '10 parsecs': unknown unit ' parsecs'");
	ck_assert_int_eq(ms, 5);

	ck_assert_int_eq(nh_conf_get_addr(s, "addr", -1, &a, &present), 0);
	ck_assert_int_eq(present, 1);
	ck_assert_int_eq(nh_addr_port(&a), 7007);
	CAPTURE(ck_assert_int_eq(nh_conf_get_addr(s, "addrbad", -1, &a, &present), -EINVAL));
	ASSERT_LOGGED("test.ini:14: [p i] addrbad: '10.0.0.300:1': not a numeric");
	ck_assert_int_eq(nh_conf_get_addr(s, "none", -1, &a, &present), 0);
	ck_assert_int_eq(present, 0);

	ck_assert_int_eq(nh_conf_get_cidr_list(s, "acl", &list, &b), 0);
	ck_assert_int_eq(b, 3);
	ck_assert_int_eq(list[2].family, AF_INET6);
	free(list);
	CAPTURE(ck_assert_int_eq(nh_conf_get_cidr_list(s, "aclbad", &list, &b), -EINVAL));
	ASSERT_LOGGED("test.ini:17: [p i] aclbad: '10.0.0.1/8': host bits set");
	ck_assert_ptr_null(list);
	/* An empty list would let everybody in where it is an allow list. */
	CAPTURE(ck_assert_int_eq(nh_conf_get_cidr_list(s, "aclempty", &list, &b), -EINVAL));
	ASSERT_LOGGED("test.ini:19: [p i] aclempty: empty list");
	ck_assert_ptr_null(list);

	ck_assert_int_eq(nh_conf_get_str(s, "word", "def", &str), 0);
	ck_assert_str_eq(str, "abc");
	ck_assert_int_eq(nh_conf_get_str(s, "nope", "def", &str), 0);
	ck_assert_str_eq(str, "def");

	CAPTURE(nh_conf_error(s, "n", "custom problem %d", 7));
	ASSERT_LOGGED("test.ini:2: [p i] n: custom problem 7");
	/* One count per problem line printed. */
	ck_assert_int_eq(cfg->errors, 11);
	nh_config_free(cfg);
}
END_TEST

START_TEST(durations)
{
	static const struct { const char *in; int64_t ms; } good[] = {
		{ "0", 0 }, { "1", 1000 }, { "0.2", 200 }, { "500ms", 500 }, { "1.5s", 1500 },
		{ "2m", 120000 }, { "1h", 3600000 }, { "1d", 86400000 }, { "100us", 1 },
		{ "0.001ms", 1 }, { "3min", 180000 },
	};
	static const char *const bad[] = { "", "-1s", "fast", "1x", "1 s", " 1s", "nan", "inf", "1e30d" };
	int64_t ms;
	nh_error err;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(nh_duration_parse_ms(good[i].in, &ms, &err) == 0, "%s", good[i].in);
		ck_assert_msg(ms == good[i].ms, "%s: %lld", good[i].in, (long long)ms);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.msg[0] = '\0';
		ck_assert_msg(nh_duration_parse_ms(bad[i], &ms, &err) < 0, "'%s' accepted", bad[i]);
		ck_assert_msg(strstr(err.msg, bad[i]), "'%s': message '%s'", bad[i], err.msg);
	}
}
END_TEST

START_TEST(sections_compare)
{
	nh_config *a = load("[x one]\nk = 1\n[x two]\nk = 2\n");
	nh_config *b = load("; moved down\n\n[x one]\nk = 1\n[x two]\nk = 3\n");
	ck_assert(nh_section_same(nh_config_find(a, "x", "one"), nh_config_find(b, "x", "one")));
	ck_assert(!nh_section_same(nh_config_find(a, "x", "two"), nh_config_find(b, "x", "two")));
	nh_config_free(a);
	nh_config_free(b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sdk_conf");
	TCase *tc = tcase_create("conf");
	tcase_add_test(tc, parse_good_file);
	tcase_add_test(tc, every_syntax_error_has_its_line);
	tcase_add_test(tc, keys_checked_against_table);
	tcase_add_test(tc, typed_getters);
	tcase_add_test(tc, durations);
	tcase_add_test(tc, sections_compare);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	/* Captures redirect stderr: keep Check's output on stdout. */
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
