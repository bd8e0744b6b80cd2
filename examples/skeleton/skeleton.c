/* skeleton: the template for a nethost plugin. Copy this folder, rename
 * "skeleton" everywhere, and build with `make` (it uses pkg-config).
 *
 * It shows the whole contract:
 *   - one exported descriptor (NH_PLUGIN_DEFINE), nothing else exported;
 *   - config keys declared in a table, read with typed getters in create();
 *   - all state in a struct handed back to every callback (no globals);
 *   - work driven by the SDK event loop (a repeating timer here);
 *   - a CLI command with getopt_long, text output by default, --json too.
 *
 * Service:  [skeleton NAME]
 *           message = hello     ; what to log
 *           every   = 10s       ; how often
 * CLI:      nethost skeleton [--json] [--count N] [WORD...]
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nethost/nethost.h>

struct skeleton {
	nh_ctx *ctx;
	char *message;   /* copied: the section's strings die after create() */
	int64_t every_ms;
	nh_timer *timer;
	unsigned long ticks;
};

static int skeleton_create(nh_ctx *ctx, const nh_section *sec, void **state)
{
	const char *message;
	int64_t every_ms;

	/* Read every key before giving up, so -t lists every problem. */
	int bad = nh_conf_get_str(sec, "message", "hello", &message) < 0;
	bad |= nh_conf_get_duration_ms(sec, "every", 10000, &every_ms) < 0;
	if (!bad && every_ms < 10)
		bad = nh_conf_error(sec, "every", "must be at least 10ms") < 0;
	if (bad)
		return -EINVAL;

	struct skeleton *sk = calloc(1, sizeof(*sk));
	if (!sk || !(sk->message = strdup(message))) {
		free(sk);
		return -ENOMEM;
	}
	sk->ctx = ctx;
	sk->every_ms = every_ms;
	*state = sk;
	return 0;
}

static int64_t skeleton_tick(nh_loop *loop, void *arg)
{
	struct skeleton *sk = arg;

	(void)loop;
	sk->ticks++;
	nh_info(sk->ctx, "%s (tick %lu)", sk->message, sk->ticks);
	return sk->every_ms; /* again after the same delay */
}

static int skeleton_start(void *state)
{
	struct skeleton *sk = state;

	sk->timer = nh_timer_add(nh_ctx_loop(sk->ctx), 0, skeleton_tick, sk);
	return sk->timer ? 0 : -errno;
}

static void skeleton_stop(void *state)
{
	struct skeleton *sk = state;

	nh_timer_del(sk->timer);
	sk->timer = NULL;
}

static void skeleton_destroy(void *state)
{
	struct skeleton *sk = state;

	free(sk->message);
	free(sk);
}

static void skeleton_report(void *state)
{
	struct skeleton *sk = state;

	nh_info(sk->ctx, "ticks=%lu", sk->ticks);
}

/* nethost skeleton [--json] [--count N] [WORD...]: echo the words N times. */
static int skeleton_cmd(nh_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "count", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	int json = 0, c;
	long count = 1;

	while ((c = getopt_long(argc, argv, "jn:", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'n': {
			char *end;
			count = strtol(optarg, &end, 10);
			if (*end || count < 1 || count > 1000)
				return nh_cli_usage_error(ctx, "--count: '%s' is not 1-1000", optarg);
			break;
		}
		default: return nh_cli_usage_error(ctx, "unknown option");
		}
	}
	if (json) {
		struct json_object *words = json_object_new_array();
		for (long i = 0; i < count; i++)
			for (int a = optind; a < argc; a++)
				json_object_array_add(words, json_object_new_string(argv[a]));
		return nh_json_print(stdout, words) < 0 ? NH_EXIT_FAIL : NH_EXIT_OK;
	}
	for (long i = 0; i < count; i++) {
		for (int a = optind; a < argc; a++)
			printf("%s%s", a > optind ? " " : "", argv[a]);
		printf("\n");
	}
	return NH_EXIT_OK;
}

static const struct nh_conf_key skeleton_keys[] = {
	{ .name = "message", .help = "text to log on every tick (default hello)" },
	{ .name = "every", .help = "interval between ticks, e.g. 500ms, 10s (default 10s)" },
	{ .name = NULL },
};

static const struct nh_command skeleton_commands[] = {
	{ "skeleton", "skeleton [--json] [--count N] [WORD...]\n"
		      "  -j, --json       print a JSON array instead of text\n"
		      "  -n, --count N    repeat N times (1-1000, default 1)",
	  "echo words back (the template plugin's command)", skeleton_cmd },
	{ NULL, NULL, NULL, NULL },
};

NH_PLUGIN_DEFINE(
	.name = "skeleton",
	.version = "1.0",
	.summary = "template plugin: logs a message on a timer",
	.keys = skeleton_keys,
	.create = skeleton_create,
	.start = skeleton_start,
	.stop = skeleton_stop,
	.destroy = skeleton_destroy,
	.report = skeleton_report,
	.commands = skeleton_commands,
);
