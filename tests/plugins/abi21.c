/* A plugin built against the frozen ABI 2.1 headers (tests/abi/2.1), not
 * the current ones: every later host of major 2 must load and run it, and
 * its control command (tests/test_host_ctl.sh). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nethost/nethost.h>

struct abi21 {
	nh_ctx *ctx;
	nh_timer *timer;
	char word[64];
};

static int abi21_create(nh_ctx *ctx, const nh_section *sec, void **state)
{
	const char *word;
	struct abi21 *a;

	if (nh_conf_get_str(sec, "word", "none", &word) < 0)
		return -EINVAL;
	if (!(a = calloc(1, sizeof(*a))))
		return -ENOMEM;
	a->ctx = ctx;
	snprintf(a->word, sizeof(a->word), "%s", word);
	*state = a;
	return 0;
}

static int64_t abi21_tick(nh_loop *loop, void *arg)
{
	struct abi21 *a = arg;

	nh_info(a->ctx, "tick (host ABI %u.%u)", NH_ABI_MAJOR_OF(nh_abi_host()),
		NH_ABI_MINOR_OF(nh_abi_host()));
	return NH_TIMER_STOP;
}

static int abi21_start(void *state)
{
	struct abi21 *a = state;

	a->timer = nh_timer_add(nh_ctx_loop(a->ctx), 0, abi21_tick, a);
	return a->timer ? 0 : -errno;
}

static void abi21_stop(void *state)
{
	(void)state;
}

static void abi21_destroy(void *state)
{
	free(state);
}

static int abi21_run(nh_ctx *ctx, int argc, char **argv)
{
	long n = 1;

	(void)ctx;
	if (argc > 2 && nh_opt_int(ctx, "COUNT", argv[2], 1, 10, &n) < 0)
		return NH_EXIT_USAGE;
	for (long i = 0; i < n; i++)
		printf("abi21: %s\n", argc > 1 ? argv[1] : "");
	return NH_EXIT_OK;
}

/* nethost ctl abi21/NAME say [WORDS...]: its word and the caller's words;
 * "fail" as the first word fails the command. */
static int abi21_say(void *state, int argc, char **argv, nh_ctl_reply *reply)
{
	struct abi21 *a = state;
	struct json_object *o = nh_ctl_reply_json(reply), *words = json_object_new_array();

	if (argc > 1 && strcmp(argv[1], "fail") == 0) {
		json_object_put(words);
		return nh_ctl_fail(reply, NH_EXIT_FAIL, "asked to fail");
	}
	nh_json_add_str(o, "word", a->word);
	for (int i = 1; i < argc; i++)
		json_object_array_add(words, json_object_new_string(argv[i]));
	json_object_object_add(o, "args", words);
	return NH_EXIT_OK;
}

static const struct nh_ctl_command abi21_ctl[] = {
	{ .name = "say", .usage = "say [WORDS...]", .summary = "test: its word and yours",
	  .run = abi21_say },
	{ .name = NULL },
};

static const struct nh_conf_key abi21_keys[] = {
	{ .name = "word", .help = "any word" },
	{ .name = NULL },
};

static const struct nh_command abi21_commands[] = {
	{ .name = "abi21", .usage = "abi21 WORD [COUNT]", .summary = "test: built against ABI 2.1",
	  .run = abi21_run },
	{ .name = NULL },
};

NH_PLUGIN_DEFINE(.name = "abi21", .version = "2.1", .summary = "test: frozen ABI 2.1 headers",
		 .keys = abi21_keys, .create = abi21_create, .start = abi21_start,
		 .stop = abi21_stop, .destroy = abi21_destroy, .commands = abi21_commands,
		 .ctl_commands = abi21_ctl);
