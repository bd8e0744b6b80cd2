/* A plugin that crashes on purpose where it is told to (where = start,
 * timer, abort (start() calls abort()) or none), and a command that
 * segfaults in its run(): the host's crash line must name the plugin, the
 * instance and the callback. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <nethost/plugin.h>

struct state {
	nh_ctx *ctx;
	const char *where;
	nh_timer *timer;
};

/* A store through a pointer the compiler cannot see is NULL: a real
 * SIGSEGV, not a trap instruction, and not a sanitizer's report in the
 * sanitizer build. */
__attribute__((no_sanitize("address", "undefined"))) static void crash_now(void)
{
	volatile int *volatile p = NULL;

	*p = 1;
}

static int64_t crash_timer(nh_loop *loop, void *arg)
{
	crash_now();
	return NH_TIMER_STOP;
}

static int cr_create(nh_ctx *ctx, const nh_section *sec, void **out)
{
	const char *where;

	nh_conf_get_str(sec, "where", "none", &where);
	if (strcmp(where, "start") != 0 && strcmp(where, "timer") != 0 &&
	    strcmp(where, "abort") != 0 && strcmp(where, "none") != 0)
		return nh_conf_error(sec, "where", "'%s': use start, timer, abort or none", where);
	struct state *st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->ctx = ctx;
	st->where = where;
	*out = st;
	return 0;
}

static int cr_start(void *state)
{
	struct state *st = state;

	if (strcmp(st->where, "start") == 0)
		crash_now();
	if (strcmp(st->where, "abort") == 0)
		abort();
	if (strcmp(st->where, "timer") == 0 &&
	    !(st->timer = nh_timer_add(nh_ctx_loop(st->ctx), 10, crash_timer, st)))
		return -errno;
	return 0;
}

static void cr_stop(void *state)
{
	struct state *st = state;

	nh_timer_del(st->timer);
	st->timer = NULL;
}

static void cr_destroy(void *state)
{
	free(state);
}

static int cr_run(nh_ctx *ctx, int argc, char **argv)
{
	crash_now();
	return 0;
}

static const struct nh_conf_key cr_keys[] = {
	{ .name = "where", .help = "start, timer, abort or none: where to crash" },
	{ .name = NULL },
};

static const struct nh_command cr_commands[] = {
	{ "crashy", "crashy", "test: segfault in run()", cr_run },
	{ NULL, NULL, NULL, NULL },
};

NH_PLUGIN_DEFINE(.name = "crashy", .version = "0", .summary = "test: segfaults on purpose",
		 .keys = cr_keys, .create = cr_create, .start = cr_start, .stop = cr_stop,
		 .destroy = cr_destroy, .commands = cr_commands);
