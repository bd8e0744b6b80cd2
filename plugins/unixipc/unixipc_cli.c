/* nethost unixipc serve|send|pair: the command line. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unixipc.h"

/* The --type option: 1, or NH_EXIT_USAGE after saying why. */
static int type_option(nh_ctx *ctx, int *type)
{
	if ((*type = unixipc_type_parse(optarg)) < 0)
		return nh_cli_usage_error(ctx, "--type: '%s' is not stream, seqpacket or dgram",
					  optarg);
	return 1;
}

int unixipc_job_option(nh_ctx *ctx, int c, struct echo_job *job, int *type)
{
	return c == 'T' ? type_option(ctx, type) : echo_job_option(ctx, c, optarg, job);
}

static int cmd_serve(nh_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "type", required_argument, NULL, 'T' },
		{ "mode", required_argument, NULL, 'm' },
		{ "allow-uid", required_argument, NULL, 'a' },
		ECHO_SERVE_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct unixipc u = { .ctx = ctx };
	nh_error err;
	int c, r, mode_given = 0, code = NH_EXIT_USAGE;

	unixipc_defaults(&u);
	while ((c = getopt_long(argc, argv, "T:m:a:" ECHO_SERVE_SHORTOPTS, opts, NULL)) != -1) {
		switch (c) {
		case 'T':
			if (type_option(ctx, &u.type) != 1)
				goto out;
			break;
		case 'm':
			if (unixipc_mode_parse(optarg, &u.mode, &err) < 0) {
				nh_cli_usage_error(ctx, "--mode: %s", err.msg);
				goto out;
			}
			mode_given = 1;
			break;
		case 'a':
			free(u.allow);
			u.allow = NULL;
			if (unixipc_uids_parse(optarg, &u.allow, &u.n_allow, &err) < 0) {
				nh_cli_usage_error(ctx, "--allow-uid: %s", err.msg);
				goto out;
			}
			break;
		default:
			if ((r = echo_serve_option(ctx, c, optarg, &u.opts)) != 1) {
				if (!r)
					nh_cli_usage_error(ctx, "unknown option");
				goto out;
			}
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
	if (mode_given && u.addr.abstract) {
		nh_cli_usage_error(ctx, "--mode: %s is an abstract socket, which has no file mode",
				   u.addr.text);
		goto out;
	}
	u.opts.packet = u.type == SOCK_SEQPACKET;
	/* A server that cannot start (the name is taken, the path is not a
	 * socket) is told as a bad argument is: it cannot run with these. */
	if (unixipc_start(&u) == 0) {
		code = nh_cli_run_until_signal(ctx) < 0 ? NH_EXIT_FAIL : NH_EXIT_OK;
		unixipc_report(&u);
	}
	unixipc_stop(&u);
	echo_pool_free(u.pool);
out:
	free(u.allow);
	return code;
}

static int cmd_send(nh_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "type", required_argument, NULL, 'T' },
		ECHO_JOB_LONGOPTS,
		ECHO_JSON_LONGOPT,
		{ NULL, 0, NULL, 0 },
	};
	struct echo_job job = ECHO_JOB_DEFAULT;
	struct unixipc_addr addr;
	int type = SOCK_STREAM, c, r;
	nh_error err;

	while ((c = getopt_long(argc, argv, "T:" ECHO_JOB_SHORTOPTS ECHO_JSON_SHORTOPT, opts,
				NULL)) != -1) {
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
	int fd = unixipc_connect(&addr, type, job.timeout_ms, &err);
	if (fd < 0) {
		nh_error(ctx, "%s", err.msg);
		return NH_EXIT_FAIL;
	}
	r = echo_client_run(ctx, fd, addr.text, &job);
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
