/* Helpers for CLI commands (struct nh_command). Commands parse their own
 * arguments (getopt_long; the host resets optind before run()). The host
 * answers `nethost CMD --help` and `nethost help CMD` with the usage text. */
#ifndef NETHOST_CLI_H
#define NETHOST_CLI_H

#include <nethost/ctx.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Exit codes every command uses. */
enum {
	NH_EXIT_OK = 0,
	NH_EXIT_FAIL = 1,  /* the job ran and failed (no reply, port closed...) */
	NH_EXIT_USAGE = 2, /* bad arguments, bad config, cannot run */
};

/* Print "nethost CMD: <message>" and the command's usage to stderr;
 * returns NH_EXIT_USAGE. */
int nh_cli_usage_error(const nh_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Print the command's usage to stdout; returns NH_EXIT_OK. */
int nh_cli_help(const nh_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif
