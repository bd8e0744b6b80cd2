/* A plugin built against the frozen ABI 2.0 headers (tests/abi/2.0), not
 * the current ones: every later host of major 2 must load and run it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <nethost/nethost.h>

struct abi20 {
	nh_ctx *ctx;
	nh_timer *timer;
};

static int abi20_create(nh_ctx *ctx, const nh_section *sec, void **state)
{
	const char *word;
	struct abi20 *a;

	if (nh_conf_get_str(sec, "word", "none", &word) < 0)
		return -EINVAL;
	if (!(a = calloc(1, sizeof(*a))))
		return -ENOMEM;
	a->ctx = ctx;
	*state = a;
	return 0;
}

static int64_t abi20_tick(nh_loop *loop, void *arg)
{
	struct abi20 *a = arg;

	nh_info(a->ctx, "tick (host ABI %u.%u)", NH_ABI_MAJOR_OF(nh_abi_host()),
		NH_ABI_MINOR_OF(nh_abi_host()));
	return NH_TIMER_STOP;
}

static int abi20_start(void *state)
{
	struct abi20 *a = state;

	a->timer = nh_timer_add(nh_ctx_loop(a->ctx), 0, abi20_tick, a);
	return a->timer ? 0 : -errno;
}

static void abi20_stop(void *state)
{
	(void)state;
}

static void abi20_destroy(void *state)
{
	free(state);
}

static int abi20_run(nh_ctx *ctx, int argc, char **argv)
{
	long n = 1;

	(void)ctx;
	if (argc > 2 && nh_opt_int(ctx, "COUNT", argv[2], 1, 10, &n) < 0)
		return NH_EXIT_USAGE;
	for (long i = 0; i < n; i++)
		printf("abi20: %s\n", argc > 1 ? argv[1] : "");
	return NH_EXIT_OK;
}

static const struct nh_conf_key abi20_keys[] = {
	{ .name = "word", .help = "any word" },
	{ .name = NULL },
};

static const struct nh_command abi20_commands[] = {
	{ .name = "abi20", .usage = "abi20 WORD [COUNT]", .summary = "test: built against ABI 2.0",
	  .run = abi20_run },
	{ .name = NULL },
};

NH_PLUGIN_DEFINE(.name = "abi20", .version = "2.0", .summary = "test: frozen ABI 2.0 headers",
		 .keys = abi20_keys, .create = abi20_create, .start = abi20_start,
		 .stop = abi20_stop, .destroy = abi20_destroy, .commands = abi20_commands);
