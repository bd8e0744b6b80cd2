/* A plugin built for a future ABI major: the host must refuse it. */
#include <nethost/plugin.h>

__attribute__((visibility("default"))) const struct nh_plugin nethost_plugin = {
	.abi = (NH_ABI_MAJOR + 1) << 16,
	.name = "badabi",
	.version = "0",
	.summary = "test: wrong ABI",
};
