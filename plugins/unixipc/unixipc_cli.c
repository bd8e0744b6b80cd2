/* nethost unixipc serve|send|pair: the command line. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unixipc.h"

static int parse_long(const nh_ctx *ctx, const char *opt, const char *text, long min, long max,
		      long *out)
{
	char *end;

	errno = 0;
	*out = strtol(text, &end, 10);
	if (errno || end == text || *end || *out < min || *out > max)
		return nh_cli_usage_error(ctx, "%s: '%s' is not a number in %ld-%ld", opt, text, min,
					  max);
	return 0;
}

/* The options send and pair share; 1 when c was one of them, 0 when
 * not, NH_EXIT_USAGE on a bad value. */
int unixipc_job_option(nh_ctx *ctx, int c, struct nh_echo_job *job, int *type)
{
	nh_error err;
	long n;

	switch (c) {
	case 'T':
		if ((*type = unixipc_type_parse(optarg)) < 0)
			return nh_cli_usage_error(ctx, "--type: '%s' is not stream, seqpacket or dgram",
						  optarg);
		return 1;
	case 's':
		if (parse_long(ctx, "--size", optarg, 0, 1L << 30, &n))
			return NH_EXIT_USAGE;
		job->size = (size_t)n;
		return 1;
	case 'c':
		return parse_long(ctx, "--count", optarg, 1, 1000000000, &job->count) ?
			NH_EXIT_USAGE : 1;
	case 't':
		if (nh_duration_parse_ms(optarg, &job->timeout_ms, &err) < 0)
			return nh_cli_usage_error(ctx, "--timeout: %s", err.msg);
		return 1;
	case 'q':
		job->quiet = 1;
		return 1;
	}
	return 0;
}

static void on_quit(nh_loop *loop, int signo, void *arg)
{
	(void)signo;
	(void)arg;
	nh_loop_stop(loop);
}

static int cmd_serve(nh_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "type", required_argument, NULL, 'T' },
		{ "mode", required_argument, NULL, 'm' },
		{ "allow-uid", required_argument, NULL, 'a' },
		{ "max-clients", required_argument, NULL, 'M' },
		{ "idle-timeout", required_argument, NULL, 'i' },
		{ "buffer", required_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 },
	};
	struct unixipc u = { .ctx = ctx };
	nh_error err;
	char *end;
	long n;
	int c, code = NH_EXIT_USAGE;

	unixipc_defaults(&u);
	while ((c = getopt_long(argc, argv, "T:m:a:i:", opts, NULL)) != -1) {
		switch (c) {
		case 'T':
			if ((u.type = unixipc_type_parse(optarg)) < 0) {
				nh_cli_usage_error(ctx, "--type: '%s' is not stream, seqpacket or dgram", optarg);
				goto out;
			}
			break;
		case 'm':
			n = (long)strtoul(optarg, &end, 8);
			if (!*optarg || *end || n > 0777) {
				nh_cli_usage_error(ctx, "--mode: '%s' is not an octal file mode", optarg);
				goto out;
			}
			u.mode = (mode_t)n;
			break;
		case 'a':
			free(u.allow);
			u.allow = NULL;
			if (unixipc_uids_parse(optarg, &u.allow, &u.n_allow, &err) < 0) {
				nh_cli_usage_error(ctx, "--allow-uid: %s", err.msg);
				goto out;
			}
			break;
		case 'M':
			if (parse_long(ctx, "--max-clients", optarg, 1, 1000000, &n))
				goto out;
			u.opts.max_clients = (unsigned)n;
			break;
		case 'i':
			if (nh_duration_parse_ms(optarg, &u.opts.idle_timeout_ms, &err) < 0) {
				nh_cli_usage_error(ctx, "--idle-timeout: %s", err.msg);
				goto out;
			}
			break;
		case 'B':
			if (parse_long(ctx, "--buffer", optarg, 512, 16 << 20, &n))
				goto out;
			u.opts.bufsize = (size_t)n;
			break;
		default:
			nh_cli_usage_error(ctx, "unknown option");
			goto out;
		}
	}
	if (argc - optind != 1) {
		nh_cli_usage_error(ctx, "serve: %s", optind < argc ? "one PATH only" : "PATH is missing");
		goto out;
	}
	if (unixipc_addr_parse(argv[optind], &u.addr, &err) < 0) {
		nh_cli_usage_error(ctx, "serve: %s", err.msg);
		goto out;
	}
	if (u.n_allow && u.type == SOCK_DGRAM) {
		nh_cli_usage_error(ctx, "--allow-uid needs --type stream or seqpacket");
		goto out;
	}
	u.opts.packet = u.type == SOCK_SEQPACKET;

	nh_loop *loop = nh_ctx_loop(ctx);
	nh_signal *s_int = nh_signal_add(loop, SIGINT, on_quit, NULL);
	nh_signal *s_term = nh_signal_add(loop, SIGTERM, on_quit, NULL);
	code = NH_EXIT_FAIL;
	if (s_int && s_term && unixipc_start(&u) == 0) {
		if (nh_loop_run(loop) == 0)
			code = NH_EXIT_OK;
		unixipc_report(&u);
	}
	unixipc_stop(&u);
	nh_echo_pool_free(u.pool);
	nh_signal_del(s_int);
	nh_signal_del(s_term);
out:
	free(u.allow);
	return code;
}

static int cmd_send(nh_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "type", required_argument, NULL, 'T' },
		{ "size", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	struct nh_echo_job job = { .count = 1, .timeout_ms = 5000 };
	struct unixipc_addr addr;
	int type = SOCK_STREAM, c, r;
	nh_error err;

	while ((c = getopt_long(argc, argv, "T:s:c:t:q", opts, NULL)) != -1) {
		if ((r = unixipc_job_option(ctx, c, &job, &type)) == 0)
			return nh_cli_usage_error(ctx, "unknown option");
		if (r != 1)
			return r;
	}
	if (optind >= argc)
		return nh_cli_usage_error(ctx, "send: PATH is missing");
	if (unixipc_addr_parse(argv[optind], &addr, &err) < 0)
		return nh_cli_usage_error(ctx, "send: %s", err.msg);
	job.messages = argv + optind + 1;
	job.n_messages = argc - optind - 1;
	if (!job.n_messages && !job.size)
		return nh_cli_usage_error(ctx, "send: give a MESSAGE or --size");
	int fd = unixipc_connect(&addr, type, &err);
	if (fd < 0) {
		nh_error(ctx, "%s", err.msg);
		return NH_EXIT_FAIL;
	}
	r = nh_echo_client_run(ctx, fd, addr.text, &job);
	close(fd);
	return r;
}

int unixipc_cmd(nh_ctx *ctx, int argc, char **argv)
{
	if (argc < 2)
		return nh_cli_usage_error(ctx, "serve, send or pair?");
	/* The verb's options start after it. */
	if (strcmp(argv[1], "serve") == 0)
		return cmd_serve(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "send") == 0)
		return cmd_send(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "pair") == 0)
		return unixipc_pair(ctx, argc - 1, argv + 1);
	return nh_cli_usage_error(ctx, "unknown verb '%s' (serve, send or pair)", argv[1]);
}
