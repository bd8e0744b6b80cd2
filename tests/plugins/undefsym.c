/* A plugin that calls a function nobody defines. Linked without -z defs
 * and -z now, so the file itself loads lazily; the host must refuse it at
 * load time, not die with "symbol lookup error" on the first call. */
#include <stdlib.h>

#include <nethost/plugin.h>

void undefsym_nobody_defines_this(void);

static int us_create(nh_ctx *ctx, const nh_section *sec, void **out)
{
	*out = ctx;
	return 0;
}

static int us_start(void *state)
{
	undefsym_nobody_defines_this();
	return 0;
}

static void us_stop(void *state)
{
}

static void us_destroy(void *state)
{
}

static const struct nh_conf_key us_keys[] = {
	{ .name = NULL },
};

NH_PLUGIN_DEFINE(.name = "undefsym", .version = "0", .summary = "test: undefined symbol",
		 .keys = us_keys, .create = us_create, .start = us_start, .stop = us_stop,
		 .destroy = us_destroy);
