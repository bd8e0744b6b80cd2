/* skeleton: the template for a nethost plugin. Copy this folder, rename
 * "skeleton" everywhere, and build with `make` (it uses pkg-config).
 *
 * A small service and its client, on SDK calls only:
 *   - one exported descriptor (NH_PLUGIN_DEFINE), nothing else exported;
 *   - config keys declared in a table (one required), read in create();
 *   - all state in a struct handed back to every callback (no globals);
 *   - a listener (accept batches, fd-shortage pauses, a client limit),
 *     a buffered writer per client, a metric, a timer;
 *   - a CLI client command on the SDK's option parser and client;
 *   - a control command (ABI 2.1), asked of the running instance.
 *
 * Service:  [skeleton NAME]
 *           listen   = 127.0.0.1:7100   ; where to accept (required)
 *           greeting = hello            ; the line each client gets
 *           every    = 10s              ; how often to log the count
 * CLI:      nethost skeleton [--timeout DUR] HOST:PORT
 * Control:  nethost ctl skeleton/NAME stats [--json]
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nethost/nethost.h>

struct skeleton {
	nh_ctx *ctx;
	nh_addr listen;
	char *greeting;  /* copied: the section's strings die after create() */
	int64_t every_ms;
	nh_listener *listener;
	nh_timer *timer;
	nh_counter *served;
};

static int skeleton_create(nh_ctx *ctx, const nh_section *sec, void **state)
{
	struct skeleton *sk = calloc(1, sizeof(*sk));
	const char *greeting;

	if (!sk)
		return -ENOMEM;
	/* Read every key before giving up, so -t lists every problem. */
	int bad = nh_conf_get_addr(sec, "listen", -1, &sk->listen, NULL) < 0;
	bad |= nh_conf_get_str(sec, "greeting", "hello", &greeting) < 0;
	bad |= nh_conf_get_duration_ms(sec, "every", 10000, &sk->every_ms) < 0;
	if (!bad && sk->every_ms < 10)
		bad = nh_conf_error(sec, "every", "must be at least 10ms") < 0;
	if (bad || !(sk->greeting = strdup(greeting))) {
		free(sk);
		return bad ? -EINVAL : -ENOMEM;
	}
	sk->ctx = ctx;
	*state = sk;
	return 0;
}

/* The greeting went out, or the client vanished: its slot is free. */
static void client_done(nh_writer *w, int error, void *arg)
{
	struct skeleton *sk = arg;

	if (error)
		nh_debug(sk->ctx, "client lost: %s", strerror(-error));
	nh_listener_release(sk->listener); /* NULL after stop(): ignored */
}

static void client_new(int fd, const struct sockaddr *sa, socklen_t salen, void *arg)
{
	struct skeleton *sk = arg;
	struct nh_writer_opts o = NH_WRITER_OPTS_INIT;

	o.on_close = client_done;
	o.arg = sk;
	/* Writers still open when the instance goes are closed with its ctx. */
	nh_writer *w = nh_writer_new(sk->ctx, fd, &o);
	if (!w) {
		close(fd);
		nh_listener_release(sk->listener);
		return;
	}
	nh_counter_inc(sk->served);
	nh_writer_printf(w, "%s\n", sk->greeting);
	nh_writer_close(w, 1); /* after the greeting is sent */
}

static int64_t skeleton_tick(nh_loop *loop, void *arg)
{
	struct skeleton *sk = arg;

	nh_info(sk->ctx, "served %llu clients", (unsigned long long)sk->served->value);
	return sk->every_ms; /* again after the same delay */
}

static int skeleton_start(void *state)
{
	struct skeleton *sk = state;
	struct nh_listener_opts o = NH_LISTENER_OPTS_INIT;
	char where[NH_ADDR_STRLEN];
	nh_error err;

	o.max_clients = 1000;
	o.on_accept = client_new;
	o.arg = sk;
	sk->served = nh_counter_new(sk->ctx, "nethost_skeleton_clients_total", "Clients greeted", NULL);
	if (!sk->served || !(sk->listener = nh_listener_new(sk->ctx, &o)))
		return -errno;
	if (nh_listener_add_tcp(sk->listener, &sk->listen, 0, &err) < 0) {
		nh_error(sk->ctx, "%s", err.msg);
		return -err.code;
	}
	if (!(sk->timer = nh_timer_add(nh_ctx_loop(sk->ctx), sk->every_ms, skeleton_tick, sk)))
		return -errno;
	nh_info(sk->ctx, "greeting on %s", nh_addr_format(&sk->listen, 1, where, sizeof(where)));
	return 0;
}

static void skeleton_stop(void *state)
{
	struct skeleton *sk = state;

	nh_listener_free(sk->listener);
	sk->listener = NULL;
	nh_timer_del(sk->timer);
	sk->timer = NULL;
}

static void skeleton_destroy(void *state)
{
	struct skeleton *sk = state;

	skeleton_stop(sk); /* also after a start() that failed half-way */
	free(sk->greeting);
	free(sk);
}

static void skeleton_report(void *state)
{
	struct skeleton *sk = state;

	nh_info(sk->ctx, "clients=%llu", (unsigned long long)sk->served->value);
}

/* nethost ctl skeleton/NAME stats: what the running instance knows, as
 * JSON the host prints as text or as it is (--json). Runs on the host's
 * loop: answer from memory, never block. */
static int skeleton_ctl_stats(void *state, int argc, char **argv, nh_ctl_reply *reply)
{
	struct skeleton *sk = state;
	struct json_object *o = nh_ctl_reply_json(reply);
	char where[NH_ADDR_STRLEN];

	if (argc > 1)
		return nh_ctl_fail(reply, NH_EXIT_USAGE, "%s takes no arguments", argv[0]);
	nh_json_add_str(o, "listen", nh_addr_format(&sk->listen, 1, where, sizeof(where)));
	nh_json_add_str(o, "greeting", sk->greeting);
	nh_json_add_int(o, "served", (int64_t)sk->served->value);
	nh_json_add_int(o, "active", nh_listener_active(sk->listener));
	return NH_EXIT_OK;
}

/* nethost skeleton [--timeout DUR] HOST:PORT: print the server's greeting. */
static int skeleton_cmd(nh_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	int64_t timeout_ms = 5000;
	char line[4096];
	nh_error err;
	int c;

	while ((c = getopt_long(argc, argv, "t:", opts, NULL)) != -1)
		if (c != 't' || nh_opt_duration_ms(ctx, "--timeout", optarg, 1, 3600000, &timeout_ms) < 0)
			return c == 't' ? NH_EXIT_USAGE : nh_cli_usage_error(ctx, "unknown option");
	if (optind != argc - 1)
		return nh_cli_usage_error(ctx, "give one HOST:PORT");
	int fd = nh_client_connect(argv[optind], -1, timeout_ms, &err);
	ssize_t n = fd < 0 ? fd : nh_client_read(fd, line, sizeof(line) - 1, 0, timeout_ms, &err);
	if (fd >= 0)
		close(fd);
	if (n < 0) {
		fprintf(stderr, "nethost skeleton: %s: %s\n", argv[optind], err.msg);
		return NH_EXIT_FAIL;
	}
	printf("%.*s", (int)n, line);
	return NH_EXIT_OK;
}

static const struct nh_conf_key skeleton_keys[] = {
	{ .name = "listen", .help = "ADDRESS:PORT to accept clients on", .required = 1 },
	{ .name = "greeting", .help = "the line each client gets (default hello)" },
	{ .name = "every", .help = "how often to log the count, e.g. 500ms, 10s (default 10s)" },
	{ .name = NULL },
};

static const struct nh_command skeleton_commands[] = {
	{ .name = "skeleton",
	  .usage = "skeleton [--timeout DUR] HOST:PORT\n"
		   "  -t, --timeout DUR  give up after DUR (default 5s)",
	  .summary = "print a skeleton server's greeting (the template plugin's command)",
	  .run = skeleton_cmd },
	{ .name = NULL },
};

static const struct nh_ctl_command skeleton_ctl[] = {
	{ .name = "stats", .usage = "stats", .summary = "clients greeted and connected now",
	  .run = skeleton_ctl_stats },
	{ .name = NULL },
};

NH_PLUGIN_DEFINE(
	.name = "skeleton",
	.version = "2.1",
	.summary = "template plugin: greets TCP clients, counts them, logs the count",
	.keys = skeleton_keys,
	.create = skeleton_create,
	.start = skeleton_start,
	.stop = skeleton_stop,
	.destroy = skeleton_destroy,
	.report = skeleton_report,
	.commands = skeleton_commands,
	.ctl_commands = skeleton_ctl, /* ABI 2.1: needs a 2.1 host */
);
