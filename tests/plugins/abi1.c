/* A plugin as the ABI 1.0 SDK laid it out (no sizes; .name right after
 * .abi): the host must read only .abi and refuse it by that. */
#include <stdint.h>

struct nh_plugin_abi1 {
	uint32_t abi;
	const char *name;
	const char *version;
	const char *summary;
	const void *keys;
	void *create, *start, *stop, *destroy, *report;
	const void *commands;
	void *reserved[8];
};

__attribute__((visibility("default"))) const struct nh_plugin_abi1 nethost_plugin = {
	.abi = 1u << 16,
	.name = "abi1",
	.version = "1",
	.summary = "test: built for ABI 1.0",
};
