/* nethost echo6 serve|send: the service from the command line, and a
 * client that checks every echo and times it. */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "echo6.h"

#define MAX_ADDRS 16

/* "7007" alone means every address, both families. 0, or -EINVAL after
 * the usage error was printed. */
static int parse_listen(const nh_ctx *ctx, const char *text, nh_addr *out)
{
	long port;

	if (text[0] && strspn(text, "0123456789") == strlen(text)) {
		if (nh_opt_int(ctx, "LISTEN", text, 1, 65535, &port) < 0)
			return -EINVAL;
		return nh_addr_parse("[::]", (int)port, out, NULL);
	}
	return nh_opt_addr(ctx, "LISTEN", text, ECHO6_PORT, out);
}

static int cmd_serve(nh_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "udp", no_argument, NULL, 'u' },
		{ "both", no_argument, NULL, 'b' },
		{ "v6only", no_argument, NULL, 'V' },
		ECHO_SERVE_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct echo6 e = { .ctx = ctx, .tcp = 1, .opts = ECHO_OPTS_DEFAULT };
	int c, r;

	while ((c = getopt_long(argc, argv, "ub" ECHO_SERVE_SHORTOPTS, opts, NULL)) != -1) {
		switch (c) {
		case 'u': e.tcp = 0; e.udp = 1; break;
		case 'b': e.tcp = e.udp = 1; break;
		case 'V': e.v6only = 1; break;
		default:
			if ((r = echo_serve_option(ctx, c, optarg, &e.opts)) != 1)
				return r ? r : nh_cli_usage_error(ctx, "unknown option");
		}
	}
	if (argc - optind > 1)
		return nh_cli_usage_error(ctx, "serve: unexpected argument '%s'", argv[optind + 1]);
	if (parse_listen(ctx, optind < argc ? argv[optind] : "[::]", &e.listen) < 0)
		return NH_EXIT_USAGE;
	if (e.v6only && e.listen.u.sa.sa_family != AF_INET6)
		return nh_cli_usage_error(ctx, "--v6only: only applies to an IPv6 address");

	/* A server that cannot start (the port is taken) is told as a bad
	 * argument is: it cannot run with these. */
	int code = NH_EXIT_USAGE;
	if (echo6_start(&e) == 0) {
		code = nh_cli_run_until_signal(ctx) < 0 ? NH_EXIT_FAIL : NH_EXIT_OK;
		echo6_report(&e);
	}
	echo6_stop(&e);
	echo_pool_free(e.pool);
	return code;
}

/* A blocking connect bounded by timeout_ms. fd, or -errno in err. */
static int connect_timeout(const nh_addr *a, int type, int64_t timeout_ms, nh_error *err)
{
	char text[NH_ADDR_STRLEN];
	int fd = type == SOCK_STREAM ? nh_connect_tcp(a, err) :
		 socket(a->u.sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return type == SOCK_STREAM ? fd : nh_error_set(err, errno, "socket: %s", strerror(errno));
	if (type == SOCK_DGRAM) {
		if (connect(fd, &a->u.sa, a->len) == 0)
			return fd;
		int e = errno;
		close(fd);
		return nh_error_set(err, e, "%s: connect: %s", nh_addr_format(a, 1, text, sizeof(text)),
				    strerror(e));
	}
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int r, soerr = 0;
	socklen_t len = sizeof(soerr);
	while ((r = poll(&pfd, 1, (int)timeout_ms)) < 0 && errno == EINTR)
		;
	if (r == 0)
		soerr = ETIMEDOUT;
	else if (r < 0)
		soerr = errno;
	else
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
	if (soerr) {
		close(fd);
		return nh_error_set(err, soerr, "%s: connect: %s",
				    nh_addr_format(a, 1, text, sizeof(text)), strerror(soerr));
	}
	return fd;
}

/* HOST[:PORT] well formed, with a port to reach (not 0): 0, or
 * NH_EXIT_USAGE after saying why. */
static int check_target(const nh_ctx *ctx, const char *target)
{
	char host[NI_MAXHOST];
	nh_error err;
	int port;

	if (nh_hostport_split(target, host, sizeof(host), ECHO6_PORT, &port, &err) < 0)
		return nh_cli_usage_error(ctx, "send: %s", err.msg);
	if (port == 0)
		return nh_cli_usage_error(ctx, "send: '%s': port 0 cannot be reached", target);
	return 0;
}

static int cmd_send(nh_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "udp", no_argument, NULL, 'u' },
		ECHO_JOB_LONGOPTS,
		ECHO_JSON_LONGOPT,
		{ NULL, 0, NULL, 0 },
	};
	struct echo_job job = ECHO_JOB_DEFAULT;
	int type = SOCK_STREAM, family = AF_UNSPEC, c, r;

	while ((c = getopt_long(argc, argv, "u46" ECHO_JOB_SHORTOPTS ECHO_JSON_SHORTOPT, opts, NULL)) != -1) {
		switch (c) {
		case 'u': type = SOCK_DGRAM; break;
		case '4': family = AF_INET; break;
		case '6': family = AF_INET6; break;
		default:
			if ((r = echo_job_option(ctx, c, optarg, &job)) != 1)
				return r ? r : nh_cli_usage_error(ctx, "unknown option");
		}
	}
	if (optind >= argc)
		return nh_cli_usage_error(ctx, "send: HOST[:PORT] is missing");
	const char *target = argv[optind++];
	if (check_target(ctx, target) != 0)
		return NH_EXIT_USAGE;
	job.messages = argv + optind;
	job.n_messages = argc - optind;
	if (!job.n_messages && !job.size)
		return nh_cli_usage_error(ctx, "send: give a MESSAGE or --size");

	nh_addr addrs[MAX_ADDRS];
	nh_error err;
	int na = nh_resolve(target, ECHO6_PORT, family, type, addrs, MAX_ADDRS, &err);
	if (na < 0) {
		nh_error(ctx, "%s", err.msg);
		return NH_EXIT_FAIL;
	}
	/* Like any client: the first address that answers. (-4/-6 and UDP
	 * are why this is not nh_client_connect().) */
	int fd = -1;
	for (int i = 0; i < na && fd < 0; i++) {
		fd = connect_timeout(&addrs[i], type, job.timeout_ms, &err);
		if (fd < 0)
			nh_notice(ctx, "%s", err.msg);
		else
			na = i;
	}
	if (fd < 0) {
		nh_error(ctx, "%s: no address answered", target);
		return NH_EXIT_FAIL;
	}
	char name[NH_ADDR_STRLEN];
	nh_addr_format(&addrs[na], 1, name, sizeof(name));
	int code = echo_client_run(ctx, fd, name, &job);
	close(fd);
	return code;
}

int echo6_cmd(nh_ctx *ctx, int argc, char **argv)
{
	if (argc < 2)
		return nh_cli_usage_error(ctx, "serve or send?");
	/* The verb's options start after it. */
	if (strcmp(argv[1], "serve") == 0)
		return cmd_serve(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "send") == 0)
		return cmd_send(ctx, argc - 1, argv + 1);
	return nh_cli_usage_error(ctx, "unknown verb '%s' (serve or send)", argv[1]);
}
