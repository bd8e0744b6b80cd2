/* A plugin built for a newer minor of this host's major: it may call
 * functions this host lacks, so the host must refuse it. */
#include <nethost/nethost.h>

static int run(nh_ctx *ctx, int argc, char **argv)
{
	return 0;
}

static const struct nh_command commands[] = {
	{ .name = "abinewer", .usage = "abinewer", .summary = "test: newer minor", .run = run },
	{ .name = NULL },
};

__attribute__((visibility("default"))) const struct nh_plugin nethost_plugin = {
	.abi = NH_ABI_VERSION + 1,
	.size = sizeof(struct nh_plugin),
	.key_size = sizeof(struct nh_conf_key),
	.command_size = sizeof(struct nh_command),
	.name = "abinewer",
	.version = "0",
	.summary = "test: built for a newer minor",
	.commands = commands,
};
