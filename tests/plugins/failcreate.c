/* A plugin whose create() fails when asked to (fail = yes), and otherwise
 * runs and logs its lifecycle: the host tests use it for both. */
#include <errno.h>
#include <stdlib.h>

#include <nethost/plugin.h>

struct state {
	nh_ctx *ctx;
};

static int fc_create(nh_ctx *ctx, const nh_section *sec, void **out)
{
	int fail;

	if (nh_conf_get_bool(sec, "fail", 0, &fail) < 0)
		return -EINVAL;
	if (fail) {
		nh_error(ctx, "refusing to create (fail = yes)");
		return -EADDRINUSE;
	}
	struct state *st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->ctx = ctx;
	*out = st;
	return 0;
}

static int fc_start(void *state)
{
	return 0;
}

static void fc_stop(void *state)
{
	struct state *st = state;
	nh_info(st->ctx, "stop called");
}

static void fc_destroy(void *state)
{
	free(state);
}

static const struct nh_conf_key fc_keys[] = {
	{ .name = "fail", .help = "yes: create() fails" },
	{ .name = "note", .help = "free text, to make a section differ" },
	{ .name = NULL },
};

NH_PLUGIN_DEFINE(.name = "failcreate", .version = "0", .summary = "test: create() can fail",
		 .keys = fc_keys, .create = fc_create, .start = fc_start, .stop = fc_stop,
		 .destroy = fc_destroy);
