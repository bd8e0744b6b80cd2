/* A plugin built against the frozen ABI 2.1 headers (tests/abi/2.1), not
 * the current ones: every later host of major 2 must load and run it, and
 * its control command (tests/test_host_ctl.sh). succeed() logs which
 * instance replaced which, and each state's stop() and destroy(), so that
 * tests/test_host_reload.sh checks the pair and the order. refresh()
 * re-reads the one-line file its `file` key names: "bad" refuses. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nethost/nethost.h>

struct abi21 {
	nh_ctx *ctx;
	nh_timer *timer;
	int running; /* between start() and stop() */
	char word[64];
	char file[256];   /* the `file` key; "" without */
	char text[64];    /* what the file said last */
	char staged[64];  /* PREPARE's reading, until COMMIT or ABORT */
};

/* The first line of a->file into buf; 0 or -errno. */
static int read_line(const struct abi21 *a, char *buf, size_t len)
{
	FILE *f = fopen(a->file, "r");

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

static int abi21_create(nh_ctx *ctx, const nh_section *sec, void **state)
{
	const char *word;
	struct abi21 *a;

	const char *file;

	if (nh_conf_get_str(sec, "word", "none", &word) < 0 ||
	    nh_conf_get_str(sec, "file", "", &file) < 0)
		return -EINVAL;
	if (!(a = calloc(1, sizeof(*a))))
		return -ENOMEM;
	a->ctx = ctx;
	snprintf(a->word, sizeof(a->word), "%s", word);
	snprintf(a->file, sizeof(a->file), "%s", file);
	if (*a->file)
		read_line(a, a->text, sizeof(a->text));
	*state = a;
	return 0;
}

static int64_t abi21_tick(nh_loop *loop, void *arg)
{
	struct abi21 *a = arg;

	a->timer = NULL; /* gone once this returns */
	nh_info(a->ctx, "tick (host ABI %u.%u)", NH_ABI_MAJOR_OF(nh_abi_host()),
		NH_ABI_MINOR_OF(nh_abi_host()));
	return NH_TIMER_STOP;
}

static int abi21_start(void *state)
{
	struct abi21 *a = state;

	a->timer = nh_timer_add(nh_ctx_loop(a->ctx), 0, abi21_tick, a);
	a->running = a->timer != NULL;
	return a->timer ? 0 : -errno;
}

static void abi21_stop(void *state)
{
	struct abi21 *a = state;

	/* A reload may stop it before its tick. */
	nh_timer_del(a->timer);
	a->timer = NULL;
	a->running = 0;
	nh_info(a->ctx, "stop %s", a->word);
}

static void abi21_destroy(void *state)
{
	struct abi21 *a = state;

	nh_info(a->ctx, "destroy %s", a->word);
	free(a);
}

/* Both states are this plugin's; the predecessor still runs. */
static void abi21_succeed(void *state, void *predecessor)
{
	struct abi21 *a = state, *p = predecessor;

	nh_info(a->ctx, "succeed: %s replaces %s (still running: %s)", a->word, p->word,
		p->running ? "yes" : "no");
}

static int abi21_refresh(void *state, int phase)
{
	struct abi21 *a = state;

	if (!*a->file)
		return 0;
	if (phase == NH_REFRESH_PREPARE) {
		int r = read_line(a, a->staged, sizeof(a->staged));
		if (r == 0 && strcmp(a->staged, "bad") == 0)
			r = -EINVAL;
		nh_info(a->ctx, "refresh prepare %s: %s", a->word, r ? "refused" : a->staged);
		return r;
	}
	if (phase == NH_REFRESH_COMMIT)
		snprintf(a->text, sizeof(a->text), "%s", a->staged);
	nh_info(a->ctx, "refresh %s %s: %s", phase == NH_REFRESH_COMMIT ? "commit" : "abort", a->word,
		a->text);
	return 0;
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
	{ .name = "file", .help = "a file refresh() re-reads on reload (\"bad\" refuses)" },
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
		 .ctl_commands = abi21_ctl, .succeed = abi21_succeed, .refresh = abi21_refresh);
