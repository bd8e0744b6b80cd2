/* A plugin whose keys carry every flag: the tests of `nethost help
 * PLUGIN`, `plugins --json` and required keys use it. */
#include <errno.h>
#include <stdlib.h>

#include <nethost/plugin.h>

static int kh_create(nh_ctx *ctx, const nh_section *sec, void **out)
{
	*out = calloc(1, 1);
	return *out ? 0 : -ENOMEM;
}

static int kh_start(void *state)
{
	return 0;
}

static void kh_stop(void *state)
{
}

static void kh_destroy(void *state)
{
	free(state);
}

static const struct nh_conf_key kh_keys[] = {
	{ .name = "must", .help = "a key every section needs", .required = 1 },
	{ .name = "many", .help = "a key that may repeat", .multi = 1 },
	{ .name = "plain", .help = "a key with neither flag" },
	{ .name = NULL },
};

NH_PLUGIN_DEFINE(.name = "keyhelp", .version = "0", .summary = "test: keys with every flag",
		 .keys = kh_keys, .create = kh_create, .start = kh_start, .stop = kh_stop,
		 .destroy = kh_destroy);
