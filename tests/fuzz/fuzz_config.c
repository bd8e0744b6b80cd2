/* libFuzzer target: the INI layer and every typed getter, on any bytes.
 * Built with clang by tests/fuzz/run.sh; replayed over the corpus by
 * `make check` (tests/fuzz/replay.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct nh_conf_key keys[] = {
	{ .name = "listen", .help = "", .multi = 1 }, { .name = "to", .help = "" }, { .name = "n", .help = "" }, { .name = "d", .help = "" },
	{ .name = "b", .help = "" },      { .name = "acl", .help = "", .multi = 1 }, { .name = NULL },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int quiet;
	if (!quiet) {
		host_log_set_level(NH_LOG_ERR - 1); /* parse errors are expected */
		quiet = 1;
	}
	nh_config *cfg = nh_config_load_buffer("fuzz.ini", (const char *)data, size);
	if (!cfg)
		return 0;
	for (int i = 0; i < cfg->n; i++) {
		nh_section *sec = cfg->sections[i];
		const char *s;
		long n;
		int b;
		int64_t ms;
		nh_addr a;
		nh_cidr *list;
		nh_section_check_keys(sec, keys);
		nh_conf_get_str(sec, "to", "x", &s);
		nh_conf_get_int(sec, "n", 0, -5, 5, &n);
		nh_conf_get_bool(sec, "b", 0, &b);
		nh_conf_get_duration_ms(sec, "d", 0, &ms);
		nh_conf_get_addr(sec, "listen", -1, &a, &b);
		if (nh_conf_get_cidr_list(sec, "acl", &list, &b) == 0)
			free(list);
		for (int j = 0; j < nh_conf_count(sec, "listen"); j++)
			nh_conf_value(sec, "listen", j, NULL);
		if (i > 0)
			nh_section_same(sec, cfg->sections[i - 1]);
	}
	nh_config_free(cfg);
	return 0;
}
