/* nethost unixipc serve|send|pair: the command line. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unixipc.h"

int unixipc_job_option(nh_ctx *ctx, int c, struct nh_echo_job *job, int *type)
{
	if (c != 'T')
		return nh_echo_job_option(ctx, c, optarg, job);
	if ((*type = unixipc_type_parse(optarg)) < 0)
		return nh_cli_usage_error(ctx, "--type: '%s' is not stream, seqpacket or dgram", optarg);
	return 1;
}

static int cmd_serve(nh_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "type", required_argument, NULL, 'T' },
		{ "mode", required_argument, NULL, 'm' },
		{ "allow-uid", required_argument, NULL, 'a' },
		NH_ECHO_SERVE_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct unixipc u = { .ctx = ctx };
	nh_error err;
	char *end;
	unsigned long mode;
	int c, r, code = NH_EXIT_USAGE;

	unixipc_defaults(&u);
	while ((c = getopt_long(argc, argv, "T:m:a:" NH_ECHO_SERVE_SHORTOPTS, opts, NULL)) != -1) {
		switch (c) {
		case 'T':
			if ((u.type = unixipc_type_parse(optarg)) < 0) {
				nh_cli_usage_error(ctx, "--type: '%s' is not stream, seqpacket or dgram", optarg);
				goto out;
			}
			break;
		case 'm':
			mode = strtoul(optarg, &end, 8);
			if (!*optarg || *end || mode > 0777) {
				nh_cli_usage_error(ctx, "--mode: '%s' is not an octal file mode", optarg);
				goto out;
			}
			u.mode = (mode_t)mode;
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
			if ((r = nh_echo_serve_option(ctx, c, optarg, &u.opts)) != 1) {
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
	u.opts.packet = u.type == SOCK_SEQPACKET;
	code = nh_echo_run_cli(ctx, unixipc_start, unixipc_report, &u);
	unixipc_stop(&u);
	nh_echo_pool_free(u.pool);
out:
	free(u.allow);
	return code;
}

static int cmd_send(nh_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "type", required_argument, NULL, 'T' },
		NH_ECHO_JOB_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct nh_echo_job job = NH_ECHO_JOB_DEFAULT;
	struct unixipc_addr addr;
	int type = SOCK_STREAM, c, r;
	nh_error err;

	while ((c = getopt_long(argc, argv, "T:" NH_ECHO_JOB_SHORTOPTS, opts, NULL)) != -1) {
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
